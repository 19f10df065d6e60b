//! Turn a [`Doc`] into pre-wrapped ratatui lines. The wrapping is
//! [`crate::render::layout`]'s, the same as the command line's; this module
//! only styles it. Wrapping here (rather than in `Paragraph`) means the app
//! knows exactly how many lines a document takes and where each checklist
//! step starts, for scrolling.

use super::theme::Theme;
use crate::doc::Doc;
use crate::render::{self, Layout, Role, fold, wrap};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use unicode_width::UnicodeWidthChar;

/// Wrapped lines and the first line of each checklist step.
#[derive(Debug, Default, Clone)]
pub struct Wrapped {
    pub lines: Vec<Line<'static>>,
    pub step_starts: Vec<usize>,
}

/// Render `doc` at `width` columns. `cursor` highlights one step. A
/// command too long for the pane is cut with a marker (`…`, `>` in ASCII).
pub fn doc_lines(doc: &Doc, width: u16, theme: Theme, cursor: Option<usize>) -> Wrapped {
    let laid = render::layout(
        doc,
        Layout {
            width: width as usize,
            ascii: theme.ascii,
            compact: true,
        },
    );
    let lines = laid
        .lines
        .into_iter()
        .map(|l| {
            let selected = cursor.is_some() && l.step == cursor;
            let spans: Vec<Span<'static>> = l
                .spans
                .into_iter()
                .map(|s| {
                    let style = match s.role {
                        Role::Plain => Style::new(),
                        Role::Title => theme.title(),
                        Role::Heading => theme.heading(),
                        Role::Label => theme.label(),
                        Role::Warning => theme.warning(),
                        Role::Command => theme.hint(),
                        Role::Step if selected => theme.selected(),
                        Role::Step => theme.label(),
                    };
                    Span::styled(s.text, style)
                })
                .collect();
            if l.overflow {
                cut(spans, width as usize, cut_marker(theme))
            } else {
                Line::from(spans)
            }
        })
        .collect();
    Wrapped {
        lines,
        step_starts: laid.step_starts,
    }
}

/// The marker at the end of a line cut short: `…`, `>` in ASCII.
pub fn cut_marker(theme: Theme) -> &'static str {
    if theme.ascii { ">" } else { "…" }
}

/// `s` in at most `width` display columns: whole when it fits, else cut
/// (a wide character never split, combining marks kept with their letter)
/// and ended with `marker`, a one-column mark (`…`, `~`, `>`).
pub fn fit_width(s: &str, width: usize, marker: &'static str) -> String {
    if unicode_width::UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    cut(vec![Span::raw(s.to_string())], width, marker).to_string()
}

/// The end of `text` that fits `room` display columns, after `mark` when
/// cut: a line being typed (the search line, a path) keeps its end, where
/// the cursor is, in view. A wide character takes two columns and is
/// never split; a combining mark is never left without its letter.
pub fn left_cut(text: &str, room: usize, mark: char) -> String {
    if unicode_width::UnicodeWidthStr::width(text) <= room {
        return text.to_string();
    }
    if room == 0 {
        return String::new();
    }
    let mut width = mark.width().unwrap_or(1);
    let mut start = text.len();
    for (i, c) in text.char_indices().rev() {
        width += c.width().unwrap_or(0);
        if width > room {
            break;
        }
        start = i;
    }
    // Marks whose letter was cut off go with it.
    let rest = text[start..].trim_start_matches(|c: char| c.width() == Some(0));
    format!("{mark}{rest}")
}

/// The spans cut to `width` columns, the last one replaced by `marker`.
fn cut(spans: Vec<Span<'static>>, width: usize, marker: &'static str) -> Line<'static> {
    let room = width.saturating_sub(1);
    let mut used = 0;
    let mut out = Vec::new();
    let mut last = Style::new();
    for s in spans {
        last = s.style;
        let mut text = String::new();
        for c in s.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            text.push(c);
        }
        let full = text.len() == s.content.len();
        out.push(Span::styled(text, s.style));
        if !full {
            break;
        }
    }
    if width > 0 {
        out.push(Span::styled(marker, last));
    }
    Line::from(out)
}

/// Plain text lines (already sanitised by the caller), wrapped.
pub fn text_lines(text: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for raw in text.split('\n') {
        wrap_raw(raw, width, theme, &mut out);
    }
    out
}

/// One line of plain text, folded then wrapped (continuations indented
/// under it).
fn wrap_raw(raw: &str, width: u16, theme: Theme, out: &mut Vec<Line<'static>>) {
    if raw.is_empty() {
        out.push(Line::default());
        return;
    }
    let raw = fold(raw, theme.ascii);
    let indent: String = raw.chars().take_while(|c| *c == ' ').collect();
    for l in wrap(&raw, width as usize, &indent, &format!("{indent}  ")) {
        out.push(Line::raw(l));
    }
}

/// A document shown a screen at a time (the decoded message): laid out at
/// the pane's width once, and again only when the width or the theme
/// changes, so scrolling costs the same for any length of text.
#[derive(Debug, Clone, Default)]
pub struct DocText {
    doc: Doc,
    id: u64,
    memo: RefCell<Option<Memo>>,
}

/// The lines of a [`DocText`] for one width and theme.
type Memo = (u16, Theme, Rc<Vec<Line<'static>>>);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl DocText {
    pub fn new(doc: Doc) -> DocText {
        DocText {
            doc,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            memo: RefCell::new(None),
        }
    }

    /// The document.
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// The document as plain text, 80 columns wide (for searching it).
    pub fn text(&self) -> String {
        render::to_text(&self.doc, render::TextStyle::default())
    }

    /// Different for every document made (a new decode, a new id).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The document laid out at `width`.
    pub fn lines(&self, width: u16, theme: Theme) -> Rc<Vec<Line<'static>>> {
        if let Some((w, t, lines)) = self.memo.borrow().as_ref()
            && *w == width
            && *t == theme
        {
            return Rc::clone(lines);
        }
        let lines = Rc::new(doc_lines(&self.doc, width, theme, None).lines);
        *self.memo.borrow_mut() = Some((width, theme, Rc::clone(&lines)));
        lines
    }

    /// The screen lines from line `first` on (kept within the text), at
    /// most `height` of them.
    pub fn window(
        &self,
        first: usize,
        width: u16,
        height: u16,
        theme: Theme,
    ) -> Vec<Line<'static>> {
        let lines = self.lines(width, theme);
        let first = first.min(lines.len().saturating_sub(1));
        lines
            .iter()
            .skip(first)
            .take(height as usize)
            .cloned()
            .collect()
    }

    /// The first line of the last full screen: the largest useful scroll.
    pub fn last_page(&self, width: u16, height: u16, theme: Theme) -> usize {
        self.lines(width, theme)
            .len()
            .saturating_sub(height as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Block;

    #[test]
    fn a_left_cut_keeps_the_end_and_no_mark_without_its_letter() {
        assert_eq!(left_cut("abc", 3, '<'), "abc");
        assert_eq!(left_cut("abcdef", 4, '<'), "<def");
        assert_eq!(left_cut("abcdef", 0, '<'), "");
        // A combining acute never stands alone when its letter is cut.
        assert_eq!(left_cut("ab一\u{301}", 2, '<'), "<");
        assert_eq!(left_cut("ab一\u{301}", 3, '<'), "<一\u{301}");
        assert_eq!(left_cut("abe\u{301}", 2, '<'), "<e\u{301}");
        // Wide characters: two columns, never split.
        let cut = left_cut("一二三四", 6, '…');
        assert_eq!(cut, "…三四");
    }

    #[test]
    fn a_long_document_is_shown_a_window_at_a_time() {
        let theme = Theme {
            color: false,
            ascii: false,
        };
        let t = DocText::new(vec![
            Block::Title("one".into()),
            Block::Para("two is longer than ten".into()),
            Block::Para("three".into()),
            Block::Para("four".into()),
        ]);
        let w: Vec<String> = t
            .window(1, 10, 3, theme)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(w, vec!["two is", "longer", "than ten"]);
        assert_eq!(t.window(4, 10, 5, theme).len(), 2);
        // Six lines on 3 rows: the last screen starts at the fourth.
        assert_eq!(t.last_page(10, 3, theme), 3);
        assert_eq!(t.last_page(80, 24, theme), 0);
        assert!(t.window(99, 10, 3, theme).len() <= 3);
    }

    #[test]
    fn an_overlong_command_is_cut_with_a_marker() {
        let theme = Theme {
            color: false,
            ascii: true,
        };
        let cmd = "tshark -r call.pcap -Y 'sip.Status-Code == 480' -T fields -e sip.Call-ID";
        let w = doc_lines(
            &vec![Block::Commands(vec![("tshark".into(), cmd.into())])],
            30,
            theme,
            None,
        );
        let last = w.lines.last().unwrap().to_string();
        assert_eq!(last.chars().count(), 30, "{last:?}");
        assert!(last.ends_with('>'), "{last:?}");
        assert!(w.lines.iter().all(|l| l.width() <= 30));
    }
}
