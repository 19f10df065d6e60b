//! Render a [`Doc`]. [`layout`] is the one place sipfix wraps text: it folds
//! to ASCII first (so a folded line is never longer than the width), never
//! breaks a word at a hyphen (header names stay whole), never breaks a
//! runnable command, and returns styled lines. [`to_text`] paints them for
//! a terminal, the TUI maps them to ratatui lines (`tui::lines`), and
//! [`to_markdown`] writes Markdown for tickets from the same document.

use crate::doc::{Block, Doc, Item, Marker, StepView};
use anstyle::{AnsiColor, Style};
use std::borrow::Cow;
use std::ops::Range;
use unicode_width::UnicodeWidthStr;

/// How text output should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// Wrap width in columns (at least 20 is used).
    pub width: usize,
    /// Emit ANSI colour and bold.
    pub color: bool,
    /// Only ASCII characters.
    pub ascii: bool,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle {
            width: 80,
            color: false,
            ascii: false,
        }
    }
}

/// What a piece of laid-out text is; each face styles it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Plain,
    Title,
    Heading,
    /// A field label, a header name, a step's "Headers:".
    Label,
    /// A warning line.
    Warning,
    /// A command to run.
    Command,
    /// The title line(s) of a checklist step.
    Step,
}

/// A run of text with one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub role: Role,
}

/// One laid-out line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub spans: Vec<Span>,
    /// A runnable command longer than the width, kept whole: a terminal
    /// shows it soft-wrapped, a pane cuts it with a marker.
    pub overflow: bool,
    /// The line belongs to the title of this checklist step (0-based).
    pub step: Option<usize>,
}

impl Line {
    /// The text of the line without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Display width of the line, in columns.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| s.text.width()).sum()
    }
}

/// A laid-out document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Laid {
    pub lines: Vec<Line>,
    /// The first line of each checklist step (of every `Steps` block, in
    /// order).
    pub step_starts: Vec<usize>,
}

/// How to lay a document out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Width in columns (at least 8 is used).
    pub width: usize,
    /// Fold to ASCII (before wrapping).
    pub ascii: bool,
    /// Narrow indents, for a pane (the TUI); otherwise the indents of
    /// terminal output.
    pub compact: bool,
}

pub(crate) const TITLE: Style = Style::new().bold();
pub(crate) const HEADING: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const LABEL: Style = Style::new().bold();
pub(crate) const WARN: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const DIM: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));

/// Replace the few non-ASCII characters the knowledge base uses, and anything
/// else outside ASCII, for terminals without UTF-8.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '§' => out.push_str("sec. "),
            '\u{2013}' | '\u{2014}' => out.push_str("--"),
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201c}' | '\u{201d}' => out.push('"'),
            '\u{2026}' => out.push_str("..."),
            '\u{2192}' => out.push_str("->"),
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// [`ascii_fold`] when `ascii` is set.
pub fn fold(s: &str, ascii: bool) -> Cow<'_, str> {
    if ascii && !s.is_ascii() {
        Cow::Owned(ascii_fold(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Wrap `text` (paragraphs split at newlines, blank ones dropped) to
/// `width` columns (at least 8) with the given first and later indents.
/// Words are broken only when longer than a line, never at a hyphen.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let opts = textwrap::Options::new(width.max(8))
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    let mut out = Vec::new();
    for para in text.split('\n') {
        if para.trim().is_empty() {
            continue;
        }
        out.extend(
            textwrap::wrap(para.trim(), &opts)
                .into_iter()
                .map(|c| c.into_owned()),
        );
    }
    out
}

/// Programs whose hints are command lines to copy and run: a hint that
/// starts with one of them is never broken. Other hints (sngrep key
/// sequences, script snippets in prose) wrap like text.
const PROGRAMS: &[&str] = &[
    "tshark",
    "ngrep",
    "sngrep",
    "tcpdump",
    "asterisk",
    "fs_cli",
    "kamcmd",
    "kamctl",
    "opensips-cli",
    "opensipsctl",
    "openssl",
    "curl",
    "dig",
    "host",
    "sipsak",
    "sipp",
    "grep",
    "journalctl",
];

/// A command hint split into its runnable head (a command line to copy,
/// never broken) and the prose after it (wrapped like text): the head runs
/// from a known program up to where prose starts, outside quotes: the
/// first `, `, ` and `, ` (` or ` to `, a `; ` that starts no other
/// command (`; the call list shows...`; `cmd; asterisk -rx ...` is two
/// commands, both the head), or a shell comment (`   # check timers`,
/// words for the reader). The prose keeps its separator (`, open the
/// dialog`). `None` when the hint does not start with a program (sngrep
/// key sequences, script snippets).
pub fn runnable_head(hint: &str) -> Option<(&str, &str)> {
    let hint = hint.trim();
    let first = hint.split_whitespace().next().unwrap_or("");
    if !PROGRAMS.contains(&first) {
        return None;
    }
    let b = hint.as_bytes();
    let mut quote = None;
    for i in 0..b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if b[i] == b'\'' || b[i] == b'"' => quote = Some(b[i]),
            None => {
                let rest = &hint[i..];
                let prose = [", ", " and ", " (", " to "]
                    .iter()
                    .any(|sep| rest.starts_with(sep))
                    || rest.strip_prefix("; ").is_some_and(|after| {
                        let word = after.split_whitespace().next().unwrap_or("");
                        !PROGRAMS.contains(&word)
                    })
                    || (b[i] == b' ' && rest.trim_start().starts_with("# "));
                if prose {
                    return Some((&hint[..i], &hint[i..]));
                }
            }
        }
    }
    Some((hint, ""))
}

/// True when a command hint is, whole, a command line to run.
pub fn is_runnable(cmd: &str) -> bool {
    runnable_head(cmd).is_some_and(|(_, rest)| rest.is_empty())
}

/// A non-breaking space: glues the words of a command or a quoted
/// argument for the wrapper, turned back into a space afterwards.
const GLUE: char = '\u{a0}';

/// `s` with the spaces inside quoted arguments (`'...'`, `"..."` opened
/// after a space or at the start) glued.
fn glue_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == ' ' => {
                out.push(GLUE);
                prev = c;
                continue;
            }
            Some(_) => {}
            None if (c == '\'' || c == '"') && matches!(prev, ' ' | '=' | '(') => quote = Some(c),
            None => {}
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Indents of one layout.
struct Indents {
    para: &'static str,
    /// Hanging indent of a field's value, at most.
    field_pad: usize,
    bullet_first: &'static str,
    bullet_rest: &'static str,
    step_head: &'static str,
    step_body: &'static str,
    headers_first: &'static str,
    headers_rest: &'static str,
    command: &'static str,
    command_rest: &'static str,
    tree: &'static str,
}

const WIDE: Indents = Indents {
    para: "  ",
    field_pad: 16,
    bullet_first: "  ",
    bullet_rest: "    ",
    step_head: "  ",
    step_body: "     ",
    headers_first: "     Headers: ",
    headers_rest: "              ",
    command: "     ",
    command_rest: "       ",
    tree: "  ",
};

const COMPACT: Indents = Indents {
    para: "",
    field_pad: 2,
    bullet_first: "",
    bullet_rest: "  ",
    step_head: "",
    step_body: "   ",
    headers_first: "   Headers: ",
    headers_rest: "   ",
    command: "   ",
    command_rest: "     ",
    tree: "",
};

struct Builder {
    out: Laid,
    width: usize,
    ascii: bool,
    ind: &'static Indents,
}

impl Builder {
    fn fold<'a>(&self, s: &'a str) -> Cow<'a, str> {
        fold(s, self.ascii)
    }

    fn push(&mut self, spans: Vec<Span>) {
        self.out.lines.push(Line {
            spans,
            ..Line::default()
        });
    }

    fn blank(&mut self) {
        self.push(Vec::new());
    }

    /// `text` wrapped with indents `first` and `rest`, in `role`; the bytes
    /// `label` of `first` (a label or header name) in [`Role::Label`].
    fn wrapped(
        &mut self,
        text: &str,
        first: &str,
        rest: &str,
        label: Option<Range<usize>>,
        role: Role,
    ) -> Range<usize> {
        let start = self.out.lines.len();
        let text = self.fold(text).into_owned();
        let mut lines = wrap(&text, self.width, first, rest);
        if lines.is_empty() && !first.trim().is_empty() {
            lines.push(first.trim_end().to_string());
        }
        for (i, l) in lines.into_iter().enumerate() {
            let spans = match &label {
                Some(r)
                    if i == 0
                        && r.start <= l.len()
                        && l.is_char_boundary(r.start)
                        && l.is_char_boundary(r.end.min(l.len())) =>
                {
                    let end = r.end.min(l.len());
                    let (before, rest) = l.split_at(r.start);
                    let (lab, after) = rest.split_at(end - r.start);
                    [(before, Role::Plain), (lab, Role::Label), (after, role)]
                        .into_iter()
                        .filter(|(t, _)| !t.is_empty())
                        .map(|(t, r)| Span {
                            text: t.to_string(),
                            role: r,
                        })
                        .collect()
                }
                _ => vec![Span { text: l, role }],
            };
            self.push(spans);
        }
        start..self.out.lines.len()
    }

    fn field(&mut self, k: &str, v: &str) {
        let label = format!("{}: ", self.fold(k));
        let pad = " ".repeat(label.width().min(self.ind.field_pad));
        if label.width() > self.width / 2 {
            // An absurd label (from a message) wraps like text.
            self.wrapped(&format!("{label}{v}"), "", &pad, None, Role::Plain);
        } else {
            let n = label.len();
            self.wrapped(v, &label, &pad, Some(0..n), Role::Plain);
        }
    }

    fn bullets(&mut self, items: &[String]) {
        let bullet = if self.ascii { "- " } else { "• " };
        let first = format!("{}{bullet}", self.ind.bullet_first);
        for it in items {
            self.wrapped(it, &first, self.ind.bullet_rest, None, Role::Plain);
        }
    }

    /// One command hint. A runnable command goes on the label's line when
    /// it fits, else whole on a line of its own (wider than the width if it
    /// must: marked as overflowing), never broken; prose after it, and
    /// hints that are prose, wrap like text with quoted arguments kept whole.
    fn command(&mut self, tool: &str, cmd: &str) {
        let ind = self.ind;
        let label = format!("{}{}: ", ind.command, self.fold(tool));
        let lab = ind.command.len()..label.len();
        let cmd = self.fold(cmd).replace(['\n', '\r'], " ");
        let Some((head, rest)) = runnable_head(&cmd) else {
            self.glued(&glue_quoted(&cmd), &label, ind.command_rest, Some(lab));
            return;
        };
        let head = head.to_string();
        if !rest.is_empty() {
            // Head and prose on one run of lines when the head fits a line.
            let glued = format!("{}{}", head.replace(' ', "\u{a0}"), glue_quoted(rest));
            if label.width() + head.width() <= self.width {
                self.glued(&glued, &label, ind.command_rest, Some(lab));
                return;
            }
        }
        if label.width() + head.width() <= self.width {
            let name = label[ind.command.len()..].to_string();
            self.push(
                [
                    (ind.command.to_string(), Role::Plain),
                    (name, Role::Label),
                    (head, Role::Command),
                ]
                .into_iter()
                .filter(|(t, _)| !t.is_empty())
                .map(|(text, role)| Span { text, role })
                .collect(),
            );
            return;
        }
        self.wrapped("", &label, "", Some(lab), Role::Plain);
        let overflow = ind.command_rest.width() + head.width() > self.width;
        self.out.lines.push(Line {
            spans: vec![
                Span {
                    text: ind.command_rest.to_string(),
                    role: Role::Plain,
                },
                Span {
                    text: head,
                    role: Role::Command,
                },
            ],
            overflow,
            step: None,
        });
        let rest = rest.trim_start_matches([',', ';', ' ']);
        if !rest.is_empty() {
            let rest = glue_quoted(rest);
            self.glued(&rest, ind.command_rest, ind.command_rest, None);
        }
    }

    /// Wrap text whose glued words must stay together (see [`GLUE`]).
    /// The text is folded already (a glue is not ASCII).
    fn glued(&mut self, text: &str, first: &str, rest: &str, label: Option<Range<usize>>) {
        let ascii = std::mem::replace(&mut self.ascii, false);
        let r = self.wrapped(text, first, rest, label, Role::Command);
        self.ascii = ascii;
        for l in &mut self.out.lines[r] {
            for s in &mut l.spans {
                if s.text.contains(GLUE) {
                    s.text = s.text.replace(GLUE, " ");
                }
            }
        }
    }

    fn steps(&mut self, steps: &[StepView]) {
        let ind = self.ind;
        for (i, s) in steps.iter().enumerate() {
            self.out.step_starts.push(self.out.lines.len());
            let mark = s.mark.map(|m| format!("{m} ")).unwrap_or_default();
            let head = format!("{}{}. {mark}", ind.step_head, i + 1);
            let rest = " ".repeat(head.width());
            let r = self.wrapped(&s.title, &head, &rest, None, Role::Step);
            for l in &mut self.out.lines[r] {
                l.step = Some(i);
            }
            self.wrapped(&s.detail, ind.step_body, ind.step_body, None, Role::Plain);
            if !s.headers.is_empty() {
                let lab = ind.step_body.len()..ind.headers_first.len();
                self.wrapped(
                    &s.headers.join(", "),
                    ind.headers_first,
                    ind.headers_rest,
                    Some(lab),
                    Role::Plain,
                );
            }
            for (tool, cmd) in &s.commands {
                self.command(tool, cmd);
            }
            if let Some(u) = &s.unverified {
                self.wrapped(
                    &unverified_text(u),
                    ind.step_body,
                    ind.step_body,
                    None,
                    Role::Warning,
                );
            }
        }
    }

    fn tree(&mut self, items: &[Item], indent: &str, depth: usize) {
        for it in items {
            let marker = match it.marker {
                Marker::Bullet => match (depth, self.ascii) {
                    (0, false) => "• ".to_string(),
                    (0, true) => "- ".to_string(),
                    (_, false) => "◦ ".to_string(),
                    (_, true) => "* ".to_string(),
                },
                Marker::Number(n) => format!("{n}. "),
                Marker::Check(m) => format!("{m} "),
            };
            let lead = format!("{indent}{marker}");
            let rest = " ".repeat(lead.width());
            let label = it.label.as_deref().map(|l| self.fold(l).into_owned());
            match label {
                Some(l) if l.width() + lead.width() < self.width / 2 => {
                    let first = format!("{lead}{l} ");
                    let r = lead.len()..lead.len() + l.len();
                    self.wrapped(&it.text, &first, &rest, Some(r), Role::Plain);
                }
                Some(l) => {
                    self.wrapped(&format!("{l} {}", it.text), &lead, &rest, None, Role::Plain);
                }
                None => {
                    self.wrapped(&it.text, &lead, &rest, None, Role::Plain);
                }
            }
            self.tree(&it.children, &rest, depth + 1);
        }
    }
}

/// Lay `doc` out at `opts.width` columns.
pub fn layout(doc: &Doc, opts: Layout) -> Laid {
    let mut b = Builder {
        out: Laid::default(),
        width: opts.width.max(8),
        ascii: opts.ascii,
        ind: if opts.compact { &COMPACT } else { &WIDE },
    };
    for block in doc {
        match block {
            Block::Title(t) => {
                b.wrapped(t, "", "", None, Role::Title);
            }
            Block::Heading(h) => {
                b.blank();
                b.wrapped(h, "", "", None, Role::Heading);
            }
            Block::Para(p) => {
                // Each line keeps the spaces it starts with (a note's
                // indented lines; up to half the width), its continuations
                // under it.
                let ind = b.ind.para;
                for line in p.split('\n') {
                    let text = line.trim_start_matches(' ');
                    let spaces = (line.len() - text.len()).min(b.width / 2);
                    let lead = format!("{ind}{}", " ".repeat(spaces));
                    b.wrapped(text, &lead, &lead, None, Role::Plain);
                }
            }
            Block::Field(k, v) => b.field(k, v),
            Block::Bullets(items) => b.bullets(items),
            Block::Steps(steps) => b.steps(steps),
            Block::Warning(t) => {
                b.wrapped(t, "! ", "  ", None, Role::Warning);
            }
            Block::Tree(items) => {
                let ind = b.ind.tree;
                b.tree(items, ind, 0);
            }
            Block::Commands(cmds) => {
                for (tool, cmd) in cmds {
                    b.command(tool, cmd);
                }
            }
        }
    }
    b.out
}

/// `s` in `style` when `on`, else plain.
pub(crate) fn paint(s: &str, style: Style, on: bool) -> String {
    if on && !s.is_empty() {
        format!("{}{}{}", style.render(), s, style.render_reset())
    } else {
        s.to_string()
    }
}

/// Render a document as terminal text.
pub fn to_text(doc: &Doc, st: TextStyle) -> String {
    let laid = layout(
        doc,
        Layout {
            width: st.width.max(20),
            ascii: st.ascii,
            compact: false,
        },
    );
    let mut out = String::new();
    for line in &laid.lines {
        for s in &line.spans {
            let style = match s.role {
                Role::Plain => None,
                Role::Title | Role::Step => Some(TITLE),
                Role::Label => Some(LABEL),
                Role::Heading => Some(HEADING),
                Role::Warning => Some(WARN),
                Role::Command => Some(DIM),
            };
            match style {
                Some(style) => out.push_str(&paint(&s.text, style, st.color)),
                None => out.push_str(&s.text),
            }
        }
        // Trailing spaces of an indent-only line are noise.
        while out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// Escape the characters that start Markdown markup inside running text.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '{' | '}' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An inline code span, delimited by more backticks than any run inside it.
pub fn md_code(s: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    if s.is_empty() {
        return "` `".to_string();
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || longest > 0 {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn md_tree(items: &[Item], indent: &str, out: &mut String) {
    for it in items {
        let marker = match it.marker {
            Marker::Bullet => "- ".to_string(),
            Marker::Number(n) => format!("{n}. "),
            // A task-list item; the marks are sipfix's own (`[x]`, `[-]`).
            Marker::Check(m) => format!("- {m} "),
        };
        let label = it
            .label
            .as_deref()
            .map(|l| format!("**{}** ", md_escape(&one_line(l))))
            .unwrap_or_default();
        let text = if it.verbatim {
            md_code(&one_line(&it.text))
        } else {
            md_escape(&one_line(&it.text))
        };
        out.push_str(&format!("{indent}{marker}{label}{text}\n"));
        let child = match it.marker {
            Marker::Number(_) => format!("{indent}{}", " ".repeat(marker.len())),
            _ => format!("{indent}  "),
        };
        md_tree(&it.children, &child, out);
    }
}

/// Render a document as Markdown.
pub fn to_markdown(doc: &Doc) -> String {
    let mut out = String::new();
    for b in doc {
        match b {
            Block::Title(t) => out.push_str(&format!("## {}\n\n", md_escape(&one_line(t)))),
            Block::Heading(h) => out.push_str(&format!("### {}\n\n", md_escape(&one_line(h)))),
            Block::Para(p) => out.push_str(&format!("{}\n\n", md_escape(&one_line(p)))),
            Block::Field(k, v) => out.push_str(&format!(
                "**{}:** {}\n\n",
                md_escape(k),
                md_escape(&one_line(v))
            )),
            Block::Bullets(items) => {
                for it in items {
                    out.push_str(&format!("- {}\n", md_escape(&one_line(it))));
                }
                out.push('\n');
            }
            Block::Steps(steps) => {
                for (i, s) in steps.iter().enumerate() {
                    let check = match s.mark {
                        Some(m) => format!("{} ", md_code(m)),
                        None => String::new(),
                    };
                    out.push_str(&format!(
                        "{}. {check}**{}**  \n",
                        i + 1,
                        md_escape(&s.title)
                    ));
                    out.push_str(&format!("   {}\n", md_escape(&one_line(&s.detail))));
                    if !s.headers.is_empty() {
                        out.push_str(&format!(
                            "   Headers: {}\n",
                            s.headers
                                .iter()
                                .map(|h| md_code(h))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    for (tool, cmd) in &s.commands {
                        out.push_str(&format!("   - {tool}: {}\n", md_code(&one_line(cmd))));
                    }
                    if let Some(u) = &s.unverified {
                        out.push_str(&format!(
                            "   *{}*\n",
                            md_escape(&one_line(&unverified_text(u)))
                        ));
                    }
                    out.push('\n');
                }
            }
            Block::Warning(t) => out.push_str(&format!("> **{}**\n\n", md_escape(&one_line(t)))),
            Block::Tree(items) => {
                md_tree(items, "", &mut out);
                out.push('\n');
            }
            Block::Commands(cmds) => {
                for (tool, cmd) in cmds {
                    out.push_str(&format!(
                        "- {}: {}\n",
                        md_escape(tool),
                        md_code(&one_line(cmd))
                    ));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// How a step's unverified note reads wherever it is shown.
pub fn unverified_text(note: &str) -> String {
    format!("(unverified: {})", note.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(doc: &Doc, width: usize, ascii: bool) -> String {
        to_text(
            doc,
            TextStyle {
                width,
                color: false,
                ascii,
            },
        )
    }

    /// A paragraph's lines keep their indentation (a note with `    Via:
    /// a` under a line of its own), wrapped under it.
    #[test]
    fn a_paragraph_keeps_the_indentation_of_its_lines() {
        let d = vec![Block::Para(
            "Via lines:\n    Via: a\n\n  two spaces and a long line that wraps".into(),
        )];
        let laid = layout(
            &d,
            Layout {
                width: 30,
                ascii: false,
                compact: true,
            },
        );
        let lines: Vec<String> = laid.lines.iter().map(Line::text).collect();
        assert_eq!(
            lines,
            [
                "Via lines:",
                "    Via: a",
                "  two spaces and a long line",
                "  that wraps"
            ]
        );
    }

    #[test]
    fn wraps_to_width_and_folds_ascii() {
        let doc = vec![
            Block::Title("SIP 486 Busy Here".into()),
            Block::Para("word ".repeat(40)),
            Block::Field("References".into(), "RFC 3261 §21.4.24".into()),
        ];
        let t = text(&doc, 40, true);
        assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
        assert!(t.contains("RFC 3261 sec. 21.4.24"));
        assert!(t.is_ascii());
        let c = to_text(
            &doc,
            TextStyle {
                width: 40,
                color: true,
                ascii: false,
            },
        );
        assert!(c.contains("\x1b["));
        assert!(!t.contains("\x1b["));
    }

    #[test]
    fn folding_comes_before_wrapping() {
        // Each "§" becomes "sec. " (5 columns): folded after wrapping, the
        // lines grew past the width.
        let p = "see RFC 3261 §8.1.3.2 and §21.4.24 and §16.7 and §13.3.1.4 then ".repeat(6);
        for w in [20, 33, 40, 61, 80] {
            let t = text(&vec![Block::Para(p.clone())], w, true);
            for l in t.lines() {
                assert!(l.len() <= w, "{w}: {} columns: {l:?}", l.len());
            }
        }
    }

    #[test]
    fn header_names_are_not_split_at_hyphens() {
        let doc = vec![Block::Field(
            "Headers".into(),
            "Proxy-Authenticate, WWW-Authenticate, Accept-Encoding, Session-Expires".into(),
        )];
        let t = text(&doc, 30, false);
        for name in [
            "Proxy-Authenticate",
            "WWW-Authenticate",
            "Accept-Encoding",
            "Session-Expires",
        ] {
            assert!(t.contains(name), "{name} split:\n{t}");
        }
    }

    #[test]
    fn a_command_is_never_broken() {
        let cmd = "tshark -r call.pcap -Y 'sip.Status-Code == 480' -T fields -e sip.Call-ID";
        let doc = vec![Block::Commands(vec![("tshark".into(), cmd.into())])];
        for w in [30, 60, 100] {
            let laid = layout(
                &doc,
                Layout {
                    width: w,
                    ascii: false,
                    compact: false,
                },
            );
            let whole: Vec<&Line> = laid
                .lines
                .iter()
                .filter(|l| l.text().contains(cmd))
                .collect();
            assert_eq!(whole.len(), 1, "{w}: {:?}", laid.lines);
            assert_eq!(whole[0].overflow, whole[0].width() > w);
            for l in &laid.lines {
                assert!(l.overflow || l.width() <= w, "{w}: {l:?}");
            }
        }
        // A command followed by prose: the command whole, the prose wrapped.
        let hint = "asterisk -rx \"pjsip show endpoint NAME\" and read the acl, deny and \
                    permit lines (an ACL mismatch shows up as 401, not 403)";
        let laid = layout(
            &vec![Block::Commands(vec![("asterisk".into(), hint.into())])],
            Layout {
                width: 40,
                ascii: true,
                compact: false,
            },
        );
        let t: Vec<String> = laid.lines.iter().map(Line::text).collect();
        assert!(
            t.iter()
                .any(|l| l.contains("asterisk -rx \"pjsip show endpoint NAME\"")),
            "{t:#?}"
        );
        assert!(
            laid.lines
                .iter()
                .all(|l| (l.overflow || l.width() <= 40) && l.text().is_ascii()),
            "{t:#?}"
        );
        // Prose hints still wrap.
        let prose = "select the call, press Enter, then F3 to show media ".repeat(3);
        let laid = layout(
            &vec![Block::Commands(vec![("sngrep".into(), prose)])],
            Layout {
                width: 40,
                ascii: false,
                compact: true,
            },
        );
        assert!(laid.lines.len() > 2 && laid.lines.iter().all(|l| l.width() <= 40));
    }

    /// A hint's runnable head ends where the prose after it starts: at a
    /// `;` that starts no other command, at a shell comment, at ` to `.
    /// The prose was taken into the head and cut with it at the pane's
    /// edge ("...; the call list shows From" lost "From").
    #[test]
    fn prose_after_a_command_is_no_part_of_it() {
        let cases = [
            (
                "sngrep -d any port 5060; the call list shows From and To, open the INVITE",
                "sngrep -d any port 5060",
            ),
            (
                "sngrep -d any port 5060; retransmissions appear as repeated arrows",
                "sngrep -d any port 5060",
            ),
            (
                "asterisk -rx \"pjsip show endpoint NAME\"   # check rewrite_contact, force_rport",
                "asterisk -rx \"pjsip show endpoint NAME\"",
            ),
            (
                "asterisk -rx \"pjproject show buildopts\" to see which digest algorithms",
                "asterisk -rx \"pjproject show buildopts\"",
            ),
            // Two commands: both are the head.
            (
                "asterisk -rx \"pjsip show contacts\"; asterisk -rx \"pjsip show aor NAME\"",
                "asterisk -rx \"pjsip show contacts\"; asterisk -rx \"pjsip show aor NAME\"",
            ),
            // A `;` or a `#` inside quotes is the command's.
            (
                "ngrep -q 'a; the b # c' port 5060",
                "ngrep -q 'a; the b # c' port 5060",
            ),
        ];
        for (hint, head) in cases {
            assert_eq!(runnable_head(hint).map(|h| h.0), Some(head), "{hint}");
        }
    }

    /// No runnable head of the knowledge base holds prose: outside its
    /// quoted arguments, none of the words that start a sentence's part.
    #[test]
    fn no_runnable_head_of_the_knowledge_base_holds_prose() {
        let kb = crate::kb::Kb::embedded();
        let prose = [
            "the", "to", "see", "shows", "appear", "read", "check", "look", "then", "which",
        ];
        for e in kb.codes() {
            for s in &e.steps {
                for cmd in s.commands.values() {
                    let Some((head, _)) = runnable_head(cmd) else {
                        continue;
                    };
                    // The head without its quoted arguments.
                    let mut quote = None;
                    let bare: String = head
                        .chars()
                        .filter(|&c| match quote {
                            Some(q) if c == q => {
                                quote = None;
                                false
                            }
                            Some(_) => false,
                            None if c == '\'' || c == '"' => {
                                quote = Some(c);
                                false
                            }
                            None => true,
                        })
                        .collect();
                    for w in bare.split_whitespace() {
                        assert!(
                            !prose.contains(&w) && w != "#",
                            "{}: the head of {cmd:?} holds prose: {head:?}",
                            e.code
                        );
                    }
                }
            }
        }
    }

    /// Every hint of the knowledge base at every width: only its runnable
    /// head may be wider than the width (the UI cuts that line at the
    /// pane's edge), and no character of the hint is lost (but the `,` or
    /// `;` between a command on a line of its own and the prose after it).
    #[test]
    fn only_a_runnable_head_overflows_and_nothing_is_lost() {
        let kb = crate::kb::Kb::embedded();
        let squash = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, ',' | ';'))
                .collect()
        };
        for e in kb.codes() {
            for s in &e.steps {
                for (tool, cmd) in s.commands.iter() {
                    let head = runnable_head(cmd).map(|h| h.0);
                    let doc = vec![Block::Commands(vec![(tool.to_string(), cmd.to_string())])];
                    for compact in [true, false] {
                        for w in 20..=120 {
                            let laid = layout(
                                &doc,
                                Layout {
                                    width: w,
                                    ascii: false,
                                    compact,
                                },
                            );
                            let mut all = String::new();
                            for l in &laid.lines {
                                let t = l.text();
                                if l.overflow || l.width() > w {
                                    assert_eq!(
                                        Some(t.trim()),
                                        head,
                                        "{} at {w}: a line too wide that is no command: {t:?}",
                                        e.code
                                    );
                                }
                                all.push_str(&t);
                            }
                            assert_eq!(
                                squash(&all),
                                squash(&format!("{tool}: {cmd}")),
                                "{} at {w}",
                                e.code
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn nested_items_in_text_and_markdown() {
        let doc = vec![Block::Tree(vec![
            Item::numbered(1, "Find the element that answered")
                .children(vec![Item::bullet("Server: Asterisk -- a PBX")]),
            Item::bullet("SIP/2.0/UDP 10.0.0.1")
                .label("Via:")
                .verbatim(),
            Item {
                marker: Marker::Check("[x]"),
                ..Item::bullet("1. done step")
            },
        ])];
        let t = text(&doc, 80, false);
        assert_eq!(
            t,
            "  1. Find the element that answered\n     ◦ Server: Asterisk -- a PBX\n  \
             • Via: SIP/2.0/UDP 10.0.0.1\n  [x] 1. done step\n"
        );
        assert_eq!(
            to_markdown(&doc),
            "1. Find the element that answered\n   - Server: Asterisk -- a PBX\n\
             - **Via:** `SIP/2.0/UDP 10.0.0.1`\n- [x] 1. done step\n\n"
        );
        assert!(text(&doc, 80, true).is_ascii());
    }

    #[test]
    fn markdown_escapes_markup() {
        let md = to_markdown(&vec![Block::Para("a *b* <c>".into())]);
        assert_eq!(md, "a \\*b\\* \\<c\\>\n\n");
    }
}
