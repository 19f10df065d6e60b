//! Drawing: a pure function of `&App`. One module per pane; each popup
//! draws itself (`super::popups`). Nothing here changes state or does I/O.

pub mod calls;
mod compare;
mod detail;
mod list;

use super::app::App;
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::render::ascii_fold;
use crate::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draw the whole UI.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if layout::too_small(area) {
        draw_too_small(f, app, area);
        return;
    }
    let p = app.panes_for(area);
    if app.focus == super::layout::Focus::Calls {
        calls::draw_filter(f, app, p.search);
        calls::draw(f, app, p.body);
        draw_status(f, app, p.status);
        for o in &app.overlays {
            o.draw(f, app, p.body);
        }
        return;
    }
    draw_search(f, app, p.search);
    if let Some(r) = p.list {
        list::draw(f, app, r);
    }
    if let Some(r) = p.detail {
        detail::draw(f, app, r);
    }
    if let Some(r) = p.compare {
        compare::draw(f, app, r);
    }
    draw_status(f, app, p.status);
    // Bottom to top: help opened from the walk-through draws over it.
    for o in &app.overlays {
        o.draw(f, app, p.body);
    }
}

fn draw_too_small(f: &mut Frame, app: &App, area: Rect) {
    // The key that quits here: `q` types a letter in an editor or prompt.
    let quit = app.quit_key();
    let size = format!(
        "terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})",
        area.width, area.height
    );
    // A quit refused because its save failed: the status line that says
    // so is not drawn here, so this screen says it, first (a tiny
    // terminal shows the start of the text).
    let text = if app.quit_refused() {
        format!("not saved: {quit} again quits anyway (what was not saved is printed); {size}")
    } else {
        format!("{size}; {quit} quits")
    };
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A bordered block with a title (folded to ASCII in ASCII mode).
pub fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border_set())
        .border_style(app.theme.border(focused))
        .title(Span::styled(
            format!(" {} ", fold(app, &title)),
            app.theme.title(),
        ))
}

/// Text folded to ASCII in ASCII mode.
pub fn fold(app: &App, s: &str) -> String {
    if app.theme.ascii {
        ascii_fold(s)
    } else {
        s.to_string()
    }
}

/// A title made of parts, shortened to fit `width` display columns: each
/// part has an importance (0: always kept) and variants from long to
/// short; the least important parts are shortened, then dropped, first
/// (of parts equally important, one that can be shortened is, before one
/// is dropped). Measured as shown: folded to ASCII in ASCII mode. A title
/// whose shortest form is still too wide is cut with the mark (`…`, `>`
/// in ASCII).
pub fn fit_title(parts: &[(u8, &[&str])], width: usize, ascii: bool) -> String {
    let mut pick: Vec<usize> = vec![0; parts.len()];
    let text = |pick: &[usize]| -> String {
        let t = parts
            .iter()
            .zip(pick)
            .filter_map(|((_, v), i)| v.get(*i).copied())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        crate::render::fold(&t, ascii).into_owned()
    };
    loop {
        let t = text(&pick);
        if unicode_width::UnicodeWidthStr::width(t.as_str()) <= width {
            return t;
        }
        // The least important part that can still give way.
        let Some(i) = (0..parts.len())
            .filter(|&i| {
                let (imp, v) = parts[i];
                pick[i] < v.len().saturating_sub(1) || (imp > 0 && pick[i] < v.len())
            })
            .max_by_key(|&i| {
                let (imp, v) = parts[i];
                let shortens = v.get(pick[i] + 1).is_some_and(|s| !s.is_empty());
                (imp, shortens, i)
            })
        else {
            return crate::tui::lines::fit_width(&t, width, title_mark(ascii));
        };
        pick[i] += 1;
    }
}

/// A popup's title for a box `box_width` wide: `head` always, then the
/// first of the `hints` (from long to short) that fits, or none.
pub fn popup_title(app: &App, head: &str, hints: &[&str], box_width: u16) -> String {
    let mut hint: Vec<&str> = hints.to_vec();
    hint.push("");
    fit_title(
        &[(0, &[head]), (1, &hint)],
        usize::from(box_width).saturating_sub(4),
        app.theme.ascii,
    )
}

/// The mark ending a title cut short.
fn title_mark(ascii: bool) -> &'static str {
    if ascii { ">" } else { "…" }
}

/// `s` as a title's part cut to `room` columns with the mark, for a
/// variant between a part whole and the part left out; empty (no
/// variant) when fewer than `min` columns would be left of it.
pub fn cut_part(s: &str, room: usize, min: usize, ascii: bool) -> String {
    let s = crate::render::fold(s, ascii);
    if room < min {
        return String::new();
    }
    crate::tui::lines::fit_width(&s, room, title_mark(ascii))
}

/// The rows `first..` of pre-wrapped lines that fit in `r`, each cut at
/// the right edge (they are wrapped already: no reflow, no copy).
pub fn scrolled_ref(f: &mut Frame, lines: &[Line<'static>], r: Rect, scroll: usize) {
    let h = r.height as usize;
    let s = scroll.min(lines.len().saturating_sub(h));
    put_lines(f, lines.iter().skip(s).take(h), r);
}

/// Lines into `r`, one a row from the top, cut at its right edge.
pub fn put_lines<'a>(f: &mut Frame, lines: impl Iterator<Item = &'a Line<'a>>, r: Rect) {
    let buf = f.buffer_mut();
    for (i, line) in lines.take(r.height as usize).enumerate() {
        buf.set_line(r.x, r.y + i as u16, line, r.width);
    }
}

/// Where a scrolled text is, for the bottom border: `12-33/120 more v`
/// (`None` when it all fits).
pub fn position(app: &App, scroll: usize, height: usize, total: usize) -> Option<String> {
    if total <= height || height == 0 {
        return None;
    }
    let first = scroll.min(total - height);
    let last = first + height;
    let more = if last < total {
        if app.theme.ascii {
            " more v"
        } else {
            " more ↓"
        }
    } else {
        " end"
    };
    let n = |x: usize| crate::trace::report::thousands(x as u64);
    Some(format!(" {}-{}/{}{more} ", n(first + 1), n(last), n(total)))
}

/// `b` with [`position`] in its bottom border, right-aligned, when the
/// text does not fit.
pub fn with_position<'a>(
    app: &App,
    b: Block<'a>,
    scroll: usize,
    height: u16,
    total: usize,
) -> Block<'a> {
    match position(app, scroll, height as usize, total) {
        Some(p) => b.title_bottom(Span::styled(p, app.theme.dim()).into_right_aligned_line()),
        None => b,
    }
}

/// The tab names of the right pane (`which` is "Detail" or "Compare"):
/// none from 100 columns, where both are on screen.
pub fn tabs(screen: u16, pane: Rect, which: &str) -> [String; 2] {
    let other = if which == "Detail" {
        "Compare"
    } else {
        "Detail"
    };
    let (d, c) = if which == "Detail" {
        (format!("[{which}]"), other.to_string())
    } else {
        (other.to_string(), format!("[{which}]"))
    };
    if screen >= layout::WIDE {
        [which.to_string(), which.to_string()]
    } else if pane.width >= screen {
        // Alone on the screen: the list is a Tab away too.
        [format!("{d} {c} Codes (Tab)"), format!("[{which}]")]
    } else {
        [format!("{d} {c} (Tab)"), format!("[{which}]")]
    }
}

/// A centred rectangle of at most `w` x `h` inside `r` (all of `r` when
/// only a sliver would be left beside it).
pub fn centered(r: Rect, w: u16, h: u16) -> Rect {
    let w = if r.width.saturating_sub(w) <= 4 {
        r.width
    } else {
        w
    };
    let [v] = Layout::vertical([Constraint::Length(h.min(r.height))])
        .flex(Flex::Center)
        .areas(r);
    let [c] = Layout::horizontal([Constraint::Length(w.min(r.width))])
        .flex(Flex::Center)
        .areas(v);
    c
}

fn draw_search(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    // Out of what the empty query lists: a code with a note and no entry
    // is listed too.
    let count = if app.causes.is_empty() {
        format!(" {}/{} ", app.hits.len(), app.listed)
    } else {
        format!(
            " {}/{} +{} Q.850 ",
            app.hits.len(),
            app.listed,
            app.causes.len()
        )
    };
    let label = match (app.searching, app.history_pos()) {
        (true, Some((i, n))) => format!("Search ({i}/{n}): "),
        (true, None) => "Search: ".to_string(),
        (false, _) => "/ search: ".to_string(),
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(count.len() as u16)]).areas(r);
    // A query longer than the line scrolls, as the open prompt's path
    // does: its end and the cursor stay in view (measured as shown).
    let cursor = if app.searching { t.cursor() } else { "" };
    let room = (left.width as usize)
        .saturating_sub(label.len())
        .saturating_sub(cursor.len());
    let query = crate::tui::lines::left_cut(
        &fold(app, &sanitize::inline(&app.query)),
        room,
        if app.theme.ascii { '<' } else { '…' },
    );
    let mut spans = vec![Span::styled(label, t.label()), Span::raw(query)];
    if app.searching {
        spans.push(Span::styled(
            cursor,
            Style::new().add_modifier(ratatui::style::Modifier::SLOW_BLINK),
        ));
    }
    if let Some(j) = app.jump_digits() {
        spans = vec![
            Span::styled("Jump to code: ", t.label()),
            Span::raw(j.to_string()),
            Span::styled(t.cursor(), Style::new()),
        ];
    }
    f.render_widget(Paragraph::new(Line::from(spans)), left);
    f.render_widget(Paragraph::new(Span::styled(count, t.dim())), right);
}

fn draw_status(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    let (Some(s), Some(text)) = (&app.status, app.status_shown()) else {
        let line = Line::styled(app.footer_line(r.width as usize), t.dim());
        f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), r);
        return;
    };
    let style = if s.error { t.error() } else { t.hint() };
    let lines = status_lines(&text, r, app.theme.ascii);
    let lines: Vec<Line> = lines.into_iter().map(|l| Line::styled(l, style)).collect();
    f.render_widget(Paragraph::new(lines), r);
}

/// A status text wrapped to the status rows; a text longer than they hold
/// ends its last row with a mark (`…`, `~` in ASCII) where it was cut and
/// the key that shows it whole (`… (Ctrl-G: more)`).
fn status_lines(text: &str, r: Rect, ascii: bool) -> Vec<String> {
    let width = (r.width as usize).max(1);
    let mut lines = crate::render::wrap(text, width, "", "");
    let rows = (r.height as usize).max(1);
    if lines.len() > rows {
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            let mark = if ascii { "~" } else { "…" };
            let hint = format!(" ({}: more)", super::keymap::LOG_KEY);
            // The hint when there is room for it and some text.
            let tail = if width >= hint.len() + 10 {
                format!("{mark}{hint}")
            } else {
                mark.to_string()
            };
            let keep = width.saturating_sub(unicode_width::UnicodeWidthStr::width(tail.as_str()));
            while unicode_width::UnicodeWidthStr::width(last.as_str()) > keep {
                last.pop();
            }
            let cut = last.trim_end().len();
            last.truncate(cut);
            last.push_str(&tail);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_cut_short_says_so() {
        let text = "the pasted text: 0 calls, 2 SIP messages, 3 problems in the input (the log's times have no time zone; they are taken as UTC; ! lists them) (no SIP call in it)";
        let r = Rect::new(0, 0, 80, 2);
        let lines = status_lines(text, r, false);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with("… (Ctrl-G: more)"), "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| unicode_width::UnicodeWidthStr::width(l.as_str()) <= 80)
        );
        assert!(status_lines(text, r, true)[1].ends_with("~ (Ctrl-G: more)"));
        // Too narrow for the hint: the mark alone.
        let lines = status_lines(text, Rect::new(0, 0, 20, 1), false);
        assert!(
            lines[0].ends_with('…') && lines[0].chars().count() <= 20,
            "{lines:?}"
        );
        // Room enough: whole, no mark.
        let lines = status_lines("saved", r, false);
        assert_eq!(lines, ["saved"]);
    }

    /// The border counts as the filter line does: `1-16/113,390`.
    #[test]
    fn a_position_is_written_with_thousands_separators() {
        let theme = crate::tui::theme::Theme {
            color: false,
            ascii: false,
        };
        let app = App::new(crate::kb::Kb::embedded(), None, None, theme);
        assert_eq!(
            position(&app, 0, 16, 113_390).as_deref(),
            Some(" 1-16/113,390 more ↓ ")
        );
        assert_eq!(
            position(&app, 113_390, 16, 113_390).as_deref(),
            Some(" 113,375-113,390/113,390 end ")
        );
    }

    #[test]
    fn titles_give_way_by_importance() {
        let parts: &[(u8, &[&str])] = &[
            (2, &["[Detail] Compare (Tab)", "[Detail]"]),
            (0, &["486"]),
            (3, &["Busy Here"]),
            (1, &["2/5"]),
        ];
        assert_eq!(
            fit_title(parts, 80, false),
            "[Detail] Compare (Tab) 486 Busy Here 2/5"
        );
        assert_eq!(
            fit_title(parts, 31, false),
            "[Detail] Compare (Tab) 486 2/5"
        );
        assert_eq!(fit_title(parts, 20, false), "[Detail] 486 2/5");
        assert_eq!(fit_title(parts, 8, false), "486 2/5");
        // Too narrow even for what is always kept: cut, with the mark.
        assert_eq!(fit_title(parts, 2, false), "4…");
        assert_eq!(fit_title(parts, 2, true), "4>");
        // Display columns: a CJK reason takes two a character.
        let wide: &[(u8, &[&str])] = &[(0, &["480"]), (1, &["暂时无法接通", "暂时…", ""])];
        assert_eq!(fit_title(wide, 16, false), "480 暂时无法接通");
        assert_eq!(fit_title(wide, 15, false), "480 暂时…");
        assert_eq!(fit_title(wide, 8, false), "480");
        // Folded before it is measured: `?` is one column.
        assert_eq!(fit_title(wide, 10, true), "480 ??????");
        // Equally important: the part that can be shortened is, first.
        let same: &[(u8, &[&str])] = &[
            (0, &["Call"]),
            (1, &["480 Long Phrase", "480"]),
            (1, &["failure"]),
        ];
        assert_eq!(fit_title(same, 16, false), "Call 480 failure");
    }
}
