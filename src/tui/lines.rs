//! Turn a [`Doc`] into pre-wrapped ratatui lines. Wrapping here (rather than
//! in `Paragraph`) means the app knows exactly how many lines a document
//! takes and where each checklist step starts, for scrolling.

use super::theme::Theme;
use crate::doc::{Block, Doc};
use crate::render::{ascii_fold, wrap};
use ratatui::text::{Line, Span};

/// Wrapped lines and the first line of each checklist step.
#[derive(Debug, Default, Clone)]
pub struct Wrapped {
    pub lines: Vec<Line<'static>>,
    pub step_starts: Vec<usize>,
}

/// Render `doc` at `width` columns. `cursor` highlights one step.
pub fn doc_lines(doc: &Doc, width: u16, theme: Theme, cursor: Option<usize>) -> Wrapped {
    let w = width as usize;
    let fold = |s: String| if theme.ascii { ascii_fold(&s) } else { s };
    let mut out = Wrapped::default();
    let push = |out: &mut Wrapped, s: String, style| out.lines.push(Line::styled(fold(s), style));
    for b in doc {
        match b {
            Block::Title(t) => {
                for l in wrap(t, w, "", "") {
                    push(&mut out, l, theme.title());
                }
            }
            Block::Heading(h) => {
                out.lines.push(Line::default());
                push(&mut out, h.clone(), theme.heading());
            }
            Block::Para(p) => {
                for l in wrap(p, w, "", "") {
                    push(&mut out, l, ratatui::style::Style::new());
                }
            }
            Block::Field(k, v) => {
                let label = format!("{k}: ");
                let pad = " ".repeat(2);
                for (i, l) in wrap(v, w, &label, &pad).into_iter().enumerate() {
                    let l = fold(l);
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
                    for l in wrap(it, w, theme.bullet(), "  ") {
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
                    for l in wrap(&s.title, w, &head, &" ".repeat(head.len())) {
                        push(&mut out, l, style);
                    }
                    for l in wrap(&s.detail, w, "   ", "   ") {
                        push(&mut out, l, ratatui::style::Style::new());
                    }
                    if !s.headers.is_empty() {
                        for l in wrap(&s.headers.join(", "), w, "   Headers: ", "   ") {
                            push(&mut out, l, theme.label());
                        }
                    }
                    for (tool, cmd) in &s.commands {
                        for l in wrap(cmd, w, &format!("   {tool}: "), "     ") {
                            push(&mut out, l, theme.hint());
                        }
                    }
                    if let Some(u) = &s.unverified {
                        let u = crate::render::unverified_text(u);
                        for l in wrap(&u, w, "   ", "   ") {
                            push(&mut out, l, theme.warning());
                        }
                    }
                }
            }
            Block::Warning(t) => {
                for l in wrap(t, w, "! ", "  ") {
                    push(&mut out, l, theme.warning());
                }
            }
        }
    }
    out
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
    let indent: String = raw.chars().take_while(|c| *c == ' ').collect();
    for l in wrap(raw, width as usize, &indent, &format!("{indent}  ")) {
        out.push(Line::raw(if theme.ascii { ascii_fold(&l) } else { l }));
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
    pub fn last_page(&self, width: u16, height: u16) -> usize {
        let plain = Theme {
            color: false,
            ascii: false,
        };
        let mut rows = 0usize;
        let mut i = self.len();
        while i > 0 {
            let mut one = Vec::new();
            wrap_raw(self.line(i - 1), width, plain, &mut one);
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
        assert_eq!(t.last_page(10, 3), 2);
        assert_eq!(t.last_page(80, 24), 0);
    }
}
