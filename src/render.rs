//! Render a [`Doc`] for a terminal (wrapped, optionally coloured, optionally
//! ASCII-only) or as Markdown for tickets.

use crate::doc::{Block, Doc};
use anstyle::{AnsiColor, Style};

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

const TITLE: Style = Style::new().bold();
const HEADING: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const LABEL: Style = Style::new().bold();
const WARN: Style = Style::new()
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

fn paint(s: &str, style: Style, on: bool) -> String {
    if on {
        format!("{}{}{}", style.render(), s, style.render_reset())
    } else {
        s.to_string()
    }
}

/// Wrap `text` (paragraphs split at newlines, blank ones dropped) to
/// `width` columns (at least 8) with the given first and later indents.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let opts = textwrap::Options::new(width.max(8))
        .initial_indent(first)
        .subsequent_indent(rest)
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

/// Render a document as terminal text.
pub fn to_text(doc: &Doc, st: TextStyle) -> String {
    let w = st.width.max(20);
    let bullet = if st.ascii { "- " } else { "• " };
    let mut out: Vec<String> = Vec::new();
    for b in doc {
        match b {
            Block::Title(t) => out.push(paint(t, TITLE, st.color)),
            Block::Heading(h) => {
                out.push(String::new());
                out.push(paint(h, HEADING, st.color));
            }
            Block::Para(p) => out.extend(wrap(p, w, "  ", "  ")),
            Block::Field(k, v) => {
                let label = format!("{k}: ");
                let pad = " ".repeat(label.len().min(16));
                let lines = wrap(v, w, &label, &pad);
                for (i, l) in lines.into_iter().enumerate() {
                    if i == 0 && st.color {
                        let rest = &l[label.len().min(l.len())..];
                        out.push(format!("{}{}", paint(&label, LABEL, true), rest));
                    } else {
                        out.push(l);
                    }
                }
            }
            Block::Bullets(items) => {
                for it in items {
                    out.extend(wrap(it, w, &format!("  {bullet}"), "    "));
                }
            }
            Block::Steps(steps) => {
                for (i, s) in steps.iter().enumerate() {
                    let mark = s.mark.map(|m| format!("{m} ")).unwrap_or_default();
                    let head = format!("  {}. {mark}", i + 1);
                    let lines = wrap(&s.title, w, &head, &" ".repeat(head.len()));
                    for (j, l) in lines.into_iter().enumerate() {
                        out.push(if j == 0 {
                            paint(&l, LABEL, st.color)
                        } else {
                            l
                        });
                    }
                    out.extend(wrap(&s.detail, w, "     ", "     "));
                    if !s.headers.is_empty() {
                        out.extend(wrap(
                            &s.headers.join(", "),
                            w,
                            "     Headers: ",
                            "              ",
                        ));
                    }
                    for (tool, cmd) in &s.commands {
                        let label = format!("     {tool}: ");
                        for l in wrap(cmd, w, &label, "       ") {
                            out.push(paint(&l, DIM, st.color));
                        }
                    }
                    if let Some(u) = &s.unverified {
                        for l in wrap(&unverified_text(u), w, "     ", "     ") {
                            out.push(paint(&l, WARN, st.color));
                        }
                    }
                }
            }
            Block::Warning(t) => {
                for l in wrap(t, w, "! ", "  ") {
                    out.push(paint(&l, WARN, st.color));
                }
            }
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    if st.ascii { ascii_fold(&s) } else { s }
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

/// Render a document as Markdown.
pub fn to_markdown(doc: &Doc) -> String {
    let mut out = String::new();
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for b in doc {
        match b {
            Block::Title(t) => out.push_str(&format!("## {}\n\n", md_escape(t))),
            Block::Heading(h) => out.push_str(&format!("### {}\n\n", md_escape(h))),
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

    #[test]
    fn wraps_to_width_and_folds_ascii() {
        let doc = vec![
            Block::Title("SIP 486 Busy Here".into()),
            Block::Para("word ".repeat(40)),
            Block::Field("References".into(), "RFC 3261 §21.4.24".into()),
        ];
        let t = to_text(
            &doc,
            TextStyle {
                width: 40,
                color: false,
                ascii: true,
            },
        );
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
    fn markdown_escapes_markup() {
        let md = to_markdown(&vec![Block::Para("a *b* <c>".into())]);
        assert_eq!(md, "a \\*b\\* \\<c\\>\n\n");
    }
}
