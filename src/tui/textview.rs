//! Drawing an editor's text (a `ratatui_textarea::TextArea`: the note
//! editor, the paste box) with a view that follows the cursor to any row
//! and column.
//!
//! The text area keeps its own view in `u16`s: past 65,535 columns (a
//! note line of a pasted trace, a 100,000-character line) or rows the
//! cursor's position wraps around, and the view stops following it (the
//! typing goes on unseen). So the editors keep the view here, in `usize`,
//! and draw through a text area of only what is in view: the rows shown,
//! each cut to the columns shown, with the cursor and the selection put
//! where they fall. It looks as the text area draws itself (the same
//! highlighting code draws it): the view moves as little as the text
//! area's does, except that a sideways move stops on a tab stop, so
//! that a tab in view is as wide as in the whole line.
//!
//! The text area's page keys move its own view, which is never drawn:
//! [`page_key`] and [`View::page`] do them here.
//!
//! The view is kept in `Cell`s, because drawing (`&self`) is where the
//! size of the area is known; as the text area's own view, it is what
//! the last frame showed, not state of the app.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;
use ratatui_textarea::{CursorMove, TextArea};
use std::cell::Cell;

/// How the editors show a selection: a light blue background, and
/// underlined, so that it shows without colour too (`NO_COLOR`,
/// `TERM=vt100`: only bold, reverse and underline reach the terminal) and
/// stays apart from the cursor (reversed).
pub const SELECTION: Style = Style::new()
    .bg(Color::LightBlue)
    .add_modifier(Modifier::UNDERLINED);

/// Where the view of a text is: its first row and first column (in
/// cells), and the height it was last drawn at (for the page keys).
#[derive(Debug, Default, Clone)]
pub struct View {
    top: Cell<usize>,
    left: Cell<usize>,
    height: Cell<u16>,
}

/// The cells `c` takes when it starts at column `col`: a tab reaches the
/// next tab stop, a character as ratatui draws it (a control character
/// is drawn as nothing), as the text area counts them.
fn width_at(c: char, col: usize, tab: usize) -> usize {
    if c == '\t' {
        tab - col % tab
    } else if c.is_control() {
        0
    } else {
        usize::from(c.encode_utf8(&mut [0; 4]).cell_width())
    }
}

/// The tab width of `ta` (at least 1).
fn tab_of(ta: &TextArea<'_>) -> usize {
    usize::from(ta.tab_length()).max(1)
}

/// The column where character `idx` of `line` starts, and its width (1
/// past the end of the line, where the cursor is a blank cell).
fn column_of(line: &str, idx: usize, tab: usize) -> (usize, usize) {
    let mut col = 0;
    for (i, c) in line.chars().enumerate() {
        let w = width_at(c, col, tab);
        if i == idx {
            return (col, w);
        }
        col += w;
    }
    (col, 1)
}

/// The first row or column of a view `len` long that shows `at`, moving
/// from `prev` as little as it can (the text area's rule).
fn follow(prev: usize, at: usize, len: usize) -> usize {
    if at < prev {
        at
    } else if at >= prev.saturating_add(len) {
        at + 1 - len
    } else {
        prev
    }
}

/// One row of the text cut to the columns `left..left + width`: the
/// characters that start in them (a wide character cut by the left edge
/// as blanks, zero-width ones with the character they follow), and where
/// each of `wanted` (character indices of the row) falls in the cut text
/// (the start for what lies before it, the end for what lies after).
fn cut(
    line: &str,
    left: usize,
    width: usize,
    tab: usize,
    wanted: &[usize],
) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut n = 0; // characters in `out`
    let mut at = vec![None; wanted.len()];
    let mut col = 0;
    // Whether the last character with a width was kept (a zero-width one
    // goes with it); at the start of a line shown from its start, yes.
    let mut kept = left == 0;
    let right = left.saturating_add(width);
    for (i, c) in line.chars().enumerate() {
        for (k, &w) in wanted.iter().enumerate() {
            if w == i {
                at[k] = Some(n);
            }
        }
        let start = col;
        let w = width_at(c, col, tab);
        col += w;
        if w == 0 {
            if kept {
                out.push(c);
                n += 1;
            }
            continue;
        }
        if start >= right {
            break;
        }
        if start >= left {
            out.push(c);
            n += 1;
            kept = true;
        } else if col > left {
            // Cut by the left edge: its cells in view are blanks.
            for _ in left..col {
                out.push(' ');
            }
            n += col - left;
            kept = false;
        } else {
            kept = false;
        }
    }
    let at = at.into_iter().map(|a| a.unwrap_or(n)).collect();
    (out, at)
}

impl View {
    /// The first row and column shown by the last frame.
    pub fn offset(&self) -> (usize, usize) {
        (self.top.get(), self.left.get())
    }

    /// Draw `ta` into `area` of `buf`, the view following its cursor.
    pub fn draw(&self, ta: &TextArea<'_>, area: Rect, buf: &mut Buffer) {
        self.height.set(area.height);
        let (w, h) = (usize::from(area.width), usize::from(area.height));
        if w == 0 || h == 0 {
            return;
        }
        let tab = tab_of(ta);
        let lines = ta.lines();
        let cursor = ta.cursor();
        let (row, idx) = (cursor.0, cursor.1);
        let top = follow(self.top.get(), row, h);
        let (col, glyph) = column_of(&lines[row], idx, tab);
        // The whole character under the cursor in view, its start first
        // when it is wider than the view; a sideways move stops on a tab
        // stop (rounded so that the cursor stays in view).
        let mut left = self.left.get();
        let last = col + glyph.max(1) - 1;
        if last >= left.saturating_add(w) {
            left = (last + 1 - w).div_ceil(tab) * tab;
        }
        if col < left {
            left = col - col % tab;
        }
        self.top.set(top);
        self.left.set(left);

        // The selection's other end (its anchor), where it is.
        let anchor = ta
            .selection_range()
            .map(|(a, b)| if a == (row, idx) { b } else { a });
        let shown = top..lines.len().min(top + h);
        let mut cut_lines = Vec::with_capacity(shown.len());
        let mut cur = (0, 0);
        let mut anc = None;
        for r in shown.clone() {
            let mut wanted = Vec::with_capacity(2);
            if r == row {
                wanted.push(idx);
            }
            if let Some((ar, ac)) = anchor
                && ar == r
            {
                wanted.push(ac);
            }
            let (text, at) = cut(&lines[r], left, w, tab, &wanted);
            let mut at = at.into_iter();
            if r == row {
                cur = (r - top, at.next().unwrap_or(0));
            }
            if let Some((ar, _)) = anchor
                && ar == r
            {
                anc = Some((r - top, at.next().unwrap_or(0)));
            }
            cut_lines.push(text);
        }
        // An anchor out of view: the first place in view, or the start of
        // a line after the last one in view (never drawn: the cursor is in
        // view, so the part is drawn from its top), so that the last line's
        // end is selected as the whole text area selects it.
        if let Some((ar, _)) = anchor
            && anc.is_none()
        {
            anc = Some(if ar < top {
                (0, 0)
            } else {
                cut_lines.push(String::new());
                (cut_lines.len() - 1, 0)
            });
        }

        let mut part = TextArea::new(cut_lines);
        part.set_tab_length(ta.tab_length());
        part.set_style(ta.style());
        part.set_cursor_style(ta.cursor_style());
        part.set_cursor_line_style(ta.cursor_line_style());
        part.set_selection_style(SELECTION);
        let jump = |(r, c): (usize, usize)| {
            CursorMove::Jump(
                u16::try_from(r).unwrap_or(u16::MAX),
                u16::try_from(c).unwrap_or(u16::MAX),
            )
        };
        if let Some(a) = anc {
            part.move_cursor(jump(a));
            part.start_selection();
        }
        part.move_cursor(jump(cur));
        (&part).render(area, buf);
    }

    /// PgDn or PgUp (`down`), with Shift extending the selection: the
    /// cursor and the view move a page (the height last drawn).
    pub fn page(&self, ta: &mut TextArea<'_>, down: bool, shift: bool) {
        let h = usize::from(self.height.get()).max(1);
        if shift {
            if !ta.is_selecting() {
                ta.start_selection();
            }
        } else {
            ta.cancel_selection();
        }
        let n = ta.lines().len();
        let row = ta.cursor().0;
        let top = self.top.get();
        let (target, top) = if down {
            (
                (row + h).min(n - 1),
                top.max((top + h).min(n.saturating_sub(h))),
            )
        } else {
            (row.saturating_sub(h), top.saturating_sub(h))
        };
        self.top.set(top);
        let step = if down {
            CursorMove::Down
        } else {
            CursorMove::Up
        };
        for _ in 0..row.abs_diff(target) {
            ta.move_cursor(step);
        }
    }
}

/// The keys the text area pages with (PgDn, PgUp, Ctrl-V): whether down,
/// and whether Shift extends the selection.
pub fn page_key(ev: &KeyEvent) -> Option<(bool, bool)> {
    let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
    match ev.code {
        KeyCode::PageDown => Some((true, shift)),
        KeyCode::PageUp => Some((false, shift)),
        KeyCode::Char('v' | 'V')
            if ev.modifiers.contains(KeyModifiers::CONTROL)
                && !ev.modifiers.contains(KeyModifiers::ALT) =>
        {
            Some((true, shift))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(code: KeyCode, shift: bool) -> KeyEvent {
        let m = if shift {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        KeyEvent::new(code, m)
    }

    /// The text of row `y` of `buf` (each cell's symbol).
    fn row_text(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect()
    }

    /// Where the cursor is drawn (the one reversed cell).
    fn reversed(buf: &Buffer) -> Vec<(u16, u16)> {
        let a = buf.area;
        let mut v = Vec::new();
        for y in a.top()..a.bottom() {
            for x in a.left()..a.right() {
                if buf[(x, y)].modifier.contains(Modifier::REVERSED) {
                    v.push((x, y));
                }
            }
        }
        v
    }

    /// A note line of 100,000 characters (past the text area's own `u16`
    /// view): the view follows the cursor to its end and back, and typing
    /// there is seen. (The view stopped at column 65,535 modulo and showed
    /// the line's middle, the cursor nowhere.)
    #[test]
    fn a_line_longer_than_65535_columns_is_followed() {
        let line = format!("{}TAIL", "w".repeat(100_000));
        let mut ta = TextArea::from([line.clone()]);
        ta.move_cursor(CursorMove::End);
        let view = View::default();
        let area = Rect::new(0, 0, 40, 3);
        let mut buf = Buffer::empty(area);
        view.draw(&ta, area, &mut buf);
        let shown = row_text(&buf, 0);
        assert!(shown.trim_end().ends_with("TAIL"), "{shown:?}");
        let [(x, 0)] = reversed(&buf)[..] else {
            panic!("{:?}", reversed(&buf));
        };
        assert_eq!(&shown[usize::from(x) - 4..usize::from(x)], "TAIL");
        ta.input(key(KeyCode::Char('!'), false));
        buf = Buffer::empty(area);
        view.draw(&ta, area, &mut buf);
        assert!(
            row_text(&buf, 0).contains("TAIL!"),
            "{:?}",
            row_text(&buf, 0)
        );
        ta.input(key(KeyCode::Home, false));
        buf = Buffer::empty(area);
        view.draw(&ta, area, &mut buf);
        assert_eq!(view.offset(), (0, 0));
        assert_eq!(reversed(&buf), [(0, 0)]);
        // The cursor in the middle, past 65,535 (a line joined there):
        // in view too.
        let mut ta = TextArea::from(["w".repeat(70_000), "w".repeat(30_000)]);
        ta.move_cursor(CursorMove::End);
        ta.input(key(KeyCode::Delete, false));
        assert_eq!(ta.cursor(), (0, 70_000));
        buf = Buffer::empty(area);
        view.draw(&ta, area, &mut buf);
        let (_, left) = view.offset();
        assert!((70_000 - 39..=70_000).contains(&left), "{left}");
        assert_eq!(reversed(&buf).len(), 1);
    }

    /// A note of more than 65,535 lines: the view follows the cursor to
    /// the last line, and PgUp / PgDn move it a page.
    /// A selection is underlined: without colour its light blue is
    /// dropped, and it must still show.
    #[test]
    fn a_selection_shows_without_colour() {
        let mut ta = TextArea::from(["select me".to_string()]);
        ta.start_selection();
        ta.move_cursor(CursorMove::End);
        let area = Rect::new(0, 0, 20, 2);
        let mut buf = Buffer::empty(area);
        View::default().draw(&ta, area, &mut buf);
        let underlined = (0..9)
            .filter(|&x| buf[(x, 0)].modifier.contains(Modifier::UNDERLINED))
            .count();
        assert_eq!(underlined, 9, "{buf:?}");
    }

    #[test]
    fn more_than_65535_rows_are_followed() {
        let mut lines: Vec<String> = (0..70_000).map(|i| format!("line {i}")).collect();
        lines.push("last".into());
        let mut ta = TextArea::from(lines);
        ta.move_cursor(CursorMove::Bottom);
        let view = View::default();
        let area = Rect::new(0, 0, 20, 10);
        let mut buf = Buffer::empty(area);
        view.draw(&ta, area, &mut buf);
        assert!(
            row_text(&buf, 9).starts_with("last"),
            "{:?}",
            row_text(&buf, 9)
        );
        assert_eq!(reversed(&buf), [(0, 9)]);
        view.page(&mut ta, false, false);
        assert_eq!(ta.cursor().0, 70_000 - 10);
        buf = Buffer::empty(area);
        view.draw(&ta, area, &mut buf);
        assert!(
            row_text(&buf, 9).starts_with("line 69990"),
            "{:?}",
            row_text(&buf, 9)
        );
        view.page(&mut ta, true, true);
        assert_eq!(ta.cursor().0, 70_000);
        assert!(ta.is_selecting(), "Shift-PgDn selects");
    }

    /// A typed key for the property tests; `marks`: a combining accent
    /// among the characters (a cursor on one is drawn as the text area
    /// draws it, which shows no cursor cell).
    fn an_op(marks: bool) -> impl Strategy<Value = KeyEvent> {
        let mut chars = vec!['a', 'b', ' ', 'é', '中'];
        if marks {
            chars.push('\u{301}');
        }
        prop_oneof![
            proptest::sample::select(chars).prop_map(|c| key(KeyCode::Char(c), false)),
            proptest::sample::select(vec![
                KeyCode::Enter,
                KeyCode::Backspace,
                KeyCode::Delete,
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::Up,
                KeyCode::Down,
                KeyCode::Home,
                KeyCode::End,
                KeyCode::Tab,
            ])
            .prop_map(|k| key(k, false)),
            proptest::sample::select(vec![
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::Up,
                KeyCode::Down,
            ])
            .prop_map(|k| key(k, true)),
        ]
    }

    fn a_line(max: usize, marks: bool) -> impl Strategy<Value = String> {
        let mut parts = vec!["a", "\t", "中", " ", "b"];
        if marks {
            parts.push("e\u{301}");
        }
        proptest::collection::vec(proptest::sample::select(parts), 0..max).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// While every line fits the width, the view draws exactly what
        /// the text area draws itself (cursor, cursor line, selection,
        /// tabs, wide characters, scrolling down and up).
        #[test]
        fn narrow_text_is_drawn_as_the_text_area_draws_it(
            lines in proptest::collection::vec(a_line(6, true), 1..12),
            ops in proptest::collection::vec(an_op(true), 0..40),
        ) {
            let mut ta = TextArea::from(lines);
            ta.set_selection_style(SELECTION);
            let view = View::default();
            let area = Rect::new(0, 0, 100, 4);
            for op in ops {
                ta.input(op);
                let mut theirs = Buffer::empty(area);
                (&ta).render(area, &mut theirs);
                let mut ours = Buffer::empty(area);
                view.draw(&ta, area, &mut ours);
                prop_assert_eq!(ours, theirs, "after {:?}", op);
            }
        }

        /// Whatever the lines and the moves, the cursor is drawn, once,
        /// where it is: its row and its column less the view's, on its
        /// character.
        #[test]
        fn the_cursor_is_always_in_view(
            lines in proptest::collection::vec(a_line(120, false), 1..6),
            ops in proptest::collection::vec(an_op(false), 0..60),
            width in 6u16..30,
        ) {
            let mut ta = TextArea::from(lines);
            let view = View::default();
            let area = Rect::new(0, 0, width, 3);
            for op in ops {
                ta.input(op);
                let mut buf = Buffer::empty(area);
                view.draw(&ta, area, &mut buf);
                let cur = ta.cursor();
                let (top, left) = view.offset();
                let (col, _) = column_of(&ta.lines()[cur.0], cur.1, 4);
                let want = ((col - left) as u16, (cur.0 - top) as u16);
                let seen = reversed(&buf);
                prop_assert!(seen.first() == Some(&want), "{:?} not at {:?}", seen, want);
                let c = ta.lines()[cur.0].chars().nth(cur.1);
                let sym = buf[want].symbol().to_string();
                match c {
                    Some(c) if c != '\t' && width_at(c, 0, 4) > 0 => {
                        prop_assert!(sym.starts_with(c), "{:?} under the cursor, not {:?}", sym, c)
                    }
                    _ => prop_assert!(sym.trim().is_empty(), "{:?}", sym),
                }
            }
        }
    }
}
