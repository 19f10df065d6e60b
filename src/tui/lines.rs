//! Turn a [`Doc`] into pre-wrapped ratatui lines. Wrapping here (rather than
//! in `Paragraph`) means the app knows exactly how many lines a document
//! takes and where each checklist step starts, for scrolling.

use super::theme::Theme;
use crate::doc::{Block, Doc};
use crate::render::{ascii_fold, wrap};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wrapped lines and the first line of each checklist step.
#[derive(Debug, Default, Clone)]
pub struct Wrapped {
    pub lines: Vec<Line<'static>>,
    pub step_starts: Vec<usize>,
}

/// Render `doc` at `width` columns. `cursor` highlights one step. Text is
/// folded to ASCII (in ASCII mode) before it is wrapped, so a folded line
/// never outgrows the width it was wrapped for.
pub fn doc_lines(doc: &Doc, width: u16, theme: Theme, cursor: Option<usize>) -> Wrapped {
    let w = width as usize;
    let fold = |s: &str| -> String {
        if theme.ascii {
            ascii_fold(s)
        } else {
            s.to_string()
        }
    };
    let mut out = Wrapped::default();
    let push = |out: &mut Wrapped, s: String, style| out.lines.push(Line::styled(s, style));
    for b in doc {
        match b {
            Block::Title(t) => {
                for l in wrap(&fold(t), w, "", "") {
                    push(&mut out, l, theme.title());
                }
            }
            Block::Heading(h) => {
                out.lines.push(Line::default());
                push(&mut out, cut(&fold(h), w, theme), theme.heading());
            }
            Block::Para(p) => {
                for l in wrap(&fold(p), w, "", "") {
                    push(&mut out, l, ratatui::style::Style::new());
                }
            }
            Block::Field(k, v) => {
                let label = format!("{}: ", fold(k));
                let pad = " ".repeat(2);
                for (i, l) in wrap(&fold(v), w, &label, &pad).into_iter().enumerate() {
                    if i == 0 && l.len() >= label.len() && l.is_char_boundary(label.len()) {
                        let (a, b) = l.split_at(label.len());
                        out.lines.push(Line::from(vec![
                            Span::styled(a.to_string(), theme.label()),
                            Span::raw(b.to_string()),
                        ]));
                    } else {
                        out.lines.push(Line::raw(l));
                    }
                }
            }
            Block::Bullets(items) => {
                for it in items {
                    for l in wrap(&fold(it), w, theme.bullet(), "  ") {
                        push(&mut out, l, ratatui::style::Style::new());
                    }
                }
            }
            Block::Steps(steps) => {
                for (i, s) in steps.iter().enumerate() {
                    out.step_starts.push(out.lines.len());
                    let mark = s.mark.map(|m| format!("{m} ")).unwrap_or_default();
                    let head = format!("{}. {mark}", i + 1);
                    let style = if cursor == Some(i) {
                        theme.selected()
                    } else {
                        theme.label()
                    };
                    for l in wrap(&fold(&s.title), w, &head, &" ".repeat(head.len())) {
                        push(&mut out, l, style);
                    }
                    for l in wrap(&fold(&s.detail), w, "   ", "   ") {
                        push(&mut out, l, ratatui::style::Style::new());
                    }
                    if !s.headers.is_empty() {
                        let names: Vec<String> = s.headers.iter().map(|h| fold(h)).collect();
                        for l in wrap_items(&names, w, "   Headers: ", "   ", theme) {
                            push(&mut out, l, theme.label());
                        }
                    }
                    for (tool, cmd) in &s.commands {
                        for l in command_lines(&fold(tool), &fold(cmd), w, theme) {
                            push(&mut out, l, theme.hint());
                        }
                    }
                    if let Some(u) = &s.unverified {
                        let u = crate::render::unverified_text(u);
                        for l in wrap(&fold(&u), w, "   ", "   ") {
                            push(&mut out, l, theme.warning());
                        }
                    }
                }
            }
            Block::Warning(t) => {
                for l in wrap(&fold(t), w, "! ", "  ") {
                    push(&mut out, l, theme.warning());
                }
            }
        }
    }
    out
}

/// The marker at the end of a line cut short.
pub fn cut_marker(theme: Theme) -> &'static str {
    if theme.ascii { ">" } else { "»" }
}

/// `s` cut to `width` columns, ending in the cut marker when cut.
pub fn cut(s: &str, width: usize, theme: Theme) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let marker = cut_marker(theme);
    let room = width.saturating_sub(marker.width());
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > room {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push_str(marker);
    out
}

/// A command hint: `   tool: command` on one line when it fits, else the
/// tool on its line and the command under it (see [`command_block`]).
fn command_lines(tool: &str, cmd: &str, w: usize, theme: Theme) -> Vec<String> {
    let one = format!("   {tool}: {cmd}");
    if one.width() <= w {
        return vec![one];
    }
    let mut out = vec![format!("   {tool}:")];
    out.extend(command_block(cmd, w, 5, theme));
    out
}

/// A command wrapped the way a shell reads it back: broken only at a space
/// outside quotes, each broken line ending in ` \`, so that a quoted
/// filter (`'sip.Status-Code == 480'`) or a word is never split and the
/// lines pasted into a shell run as the one command. A single word wider
/// than the line is cut with the marker (`y` shows it whole).
pub fn command_block(cmd: &str, w: usize, indent: usize, theme: Theme) -> Vec<String> {
    let first = " ".repeat(indent);
    let cont = " ".repeat(indent + 2);
    let mut out = Vec::new();
    let mut line = first.clone();
    let mut empty = true;
    for (gap, tok) in shell_words(cmd) {
        let add = if empty {
            tok.to_string()
        } else {
            format!("{gap}{tok}")
        };
        if !empty && line.width() + add.width() + 2 > w {
            line.push_str(" \\");
            out.push(std::mem::replace(&mut line, cont.clone()));
            line.push_str(tok);
        } else {
            line.push_str(&add);
        }
        empty = false;
    }
    out.push(line);
    out.into_iter().map(|l| cut(&l, w, theme)).collect()
}

/// The words of a command, each with the spaces before it: split at
/// spaces outside single or double quotes, a trailing `# comment` one
/// word (the spacing inside a line is kept as written).
fn shell_words(cmd: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut gap_start = 0;
    let mut start: Option<usize> = None;
    for (i, c) in cmd.char_indices() {
        match (quote, c) {
            (None, ' ') => {
                if let Some(s) = start.take() {
                    out.push((&cmd[gap_start..s], &cmd[s..i]));
                    gap_start = i;
                }
            }
            // A comment runs to the end: one word, never broken (a
            // continuation inside a comment would not continue).
            (None, '#') if start.is_none() => {
                out.push((&cmd[gap_start..i], &cmd[i..]));
                return out;
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (Some(q), c) if c == q => quote = None,
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push((&cmd[gap_start..s], &cmd[s..]));
    }
    out
}

/// Names joined by ", " and wrapped only between them, never inside one
/// (`P-Asserted-Identity` stays whole); a name longer than a line is cut
/// with the marker.
fn wrap_items(items: &[String], w: usize, first: &str, rest: &str, theme: Theme) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for (i, it) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        let piece = format!("{it}{sep}");
        let add = if empty {
            piece.clone()
        } else {
            format!(" {piece}")
        };
        if !empty && line.width() + add.width() > w {
            out.push(std::mem::replace(&mut line, rest.to_string()));
            line.push_str(&piece);
        } else {
            line.push_str(&add);
        }
        empty = false;
    }
    out.push(line);
    out.into_iter().map(|l| cut(&l, w, theme)).collect()
}

/// Plain text lines (already sanitised by the caller), wrapped.
pub fn text_lines(text: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for raw in text.split('\n') {
        wrap_raw(raw, width, theme, &mut out);
    }
    out
}

/// One line of plain text, wrapped (continuations indented under it).
fn wrap_raw(raw: &str, width: u16, theme: Theme, out: &mut Vec<Line<'static>>) {
    if raw.is_empty() {
        out.push(Line::default());
        return;
    }
    let raw = if theme.ascii {
        ascii_fold(raw)
    } else {
        raw.to_string()
    };
    let indent: String = raw.chars().take_while(|c| *c == ' ').collect();
    for l in wrap(&raw, width as usize, &indent, &format!("{indent}  ")) {
        out.push(Line::raw(l));
    }
}

/// A long text shown a window at a time: only the lines on screen are
/// wrapped, so scrolling costs the same for any length of text.
#[derive(Debug, Clone, Default)]
pub struct LongText {
    text: String,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl LongText {
    pub fn new(text: String) -> LongText {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        if text.ends_with('\n') {
            starts.pop();
        }
        LongText { text, starts }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of (unwrapped) lines.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn line(&self, i: usize) -> &str {
        let start = self.starts[i];
        let end = self.starts.get(i + 1).map_or(self.text.len(), |e| e - 1);
        self.text[start..end].trim_end_matches('\n')
    }

    /// The screen lines from line `first` on, wrapped at `width`, at most
    /// `height` of them.
    pub fn window(
        &self,
        first: usize,
        width: u16,
        height: u16,
        theme: Theme,
    ) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        for i in first..self.len() {
            if out.len() >= height as usize {
                break;
            }
            wrap_raw(self.line(i), width, theme, &mut out);
        }
        out.truncate(height as usize);
        out
    }

    /// The first line of the last full screen: the largest useful scroll.
    pub fn last_page(&self, width: u16, height: u16, theme: Theme) -> usize {
        let mut rows = 0usize;
        let mut i = self.len();
        while i > 0 {
            let mut one = Vec::new();
            wrap_raw(self.line(i - 1), width, theme, &mut one);
            if rows + one.len() > height as usize {
                break;
            }
            rows += one.len();
            i -= 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_shown_a_window_at_a_time() {
        let theme = Theme {
            color: false,
            ascii: false,
        };
        let t = LongText::new("one\ntwo is longer than ten\nthree\nfour\n".to_string());
        assert_eq!(t.len(), 4);
        let w: Vec<String> = t
            .window(1, 10, 3, theme)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(w, vec!["two is", "  longer", "  than ten"]);
        assert_eq!(t.window(3, 10, 5, theme).len(), 1);
        // The last screen of 3 rows holds "three" and "four" (and not all of "two").
        assert_eq!(t.last_page(10, 3, theme), 2);
        assert_eq!(t.last_page(80, 24, theme), 0);
    }

    #[test]
    fn commands_and_header_names_are_never_broken() {
        let theme = Theme {
            color: false,
            ascii: true,
        };
        let cmd = "tshark -r trace.pcap -Y 'sip.Status-Code == 480' -T fields -e sip.Reason";
        let lines = command_lines("tshark", cmd, 40, theme);
        assert_eq!(lines[0], "   tshark:");
        assert_eq!(
            &lines[1..],
            &[
                "     tshark -r trace.pcap -Y \\",
                "       'sip.Status-Code == 480' -T \\",
                "       fields -e sip.Reason",
            ]
        );
        // Joined as a shell joins them, the lines are the command.
        let joined = lines[1..]
            .iter()
            .map(|l| l.trim().trim_end_matches('\\').trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, cmd);
        // A comment stays whole: a continuation inside it would not continue.
        let c = command_block(
            "kamcmd ul.lookup location U@D   # or kamcmd ul.dump",
            34,
            0,
            theme,
        );
        assert_eq!(
            c,
            vec!["kamcmd ul.lookup location U@D \\", "  # or kamcmd ul.dump"]
        );
        // A word wider than the line is cut with the marker.
        let long = command_block("x".repeat(50).as_str(), 20, 2, theme);
        assert_eq!(long, vec![format!("  {}>", "x".repeat(17))]);
        let names: Vec<String> = ["Reason", "P-Asserted-Identity", "Remote-Party-ID"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let l = wrap_items(&names, 30, "   Headers: ", "   ", theme);
        assert_eq!(
            l,
            vec![
                "   Headers: Reason,",
                "   P-Asserted-Identity,",
                "   Remote-Party-ID"
            ]
        );
    }
}
