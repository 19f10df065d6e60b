//! The calls pane: the summary strip of the calls shown (the same counts
//! and RFC 6076 figures as `sipfix triage`), then one row per call, most
//! severe first: time, from -> to, method, final response, outcome, top
//! finding. Only the rows on screen are built, so 100,000 calls draw as
//! fast as ten.

use super::{block, fit_title, fold, put_lines, with_position};
use crate::render::wrap;
use crate::sanitize;
use crate::trace::model::{Call, Outcome, Triage};
use crate::trace::report;
use crate::tui::app::{App, Loading, TraceView};
use crate::tui::layout::inner;
use crate::tui::lines::fit_width;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The summary strip: `12 calls: answered 4, failed 8, user 0, pending 0;
/// SER 100.0%; PDD median 740 ms` (the post-dial delay of answered calls),
/// as parts never broken inside.
fn strip(tv: &TraceView) -> Vec<String> {
    let s = &tv.summary;
    let total = tv.triage().calls.len() as u64;
    let head = if s.calls == total {
        format!(
            "{} call{}",
            report::thousands(s.calls),
            if s.calls == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{} of {} calls",
            report::thousands(s.calls),
            report::thousands(total)
        )
    };
    let mut out = vec![format!("{head}: {}", report::outcome_counts(s))];
    if s.invite_attempts > 0 {
        out.push(format!("SER {}", report::percent(s.ser)));
    }
    if let Some(m) = s.pdd_ms_median {
        out.push(format!("PDD median {m} ms"));
    }
    out
}

/// Parts joined with `; ` into lines of `width`, a part moved whole to the
/// next line rather than broken (one longer than a line is wrapped).
fn pack(parts: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for p in parts {
        let add = if cur.is_empty() {
            p.width()
        } else {
            p.width() + 2
        };
        if !cur.is_empty() && cur.width() + add > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push_str("; ");
        }
        cur.push_str(p);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
        .into_iter()
        .flat_map(|l| wrap(&l, width, "", "  "))
        .collect()
}

/// The loading line: `reading x.pcap: 45% (135.0 of 300.0 MiB), 2.1 s`.
fn loading_line(l: &Loading) -> String {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let secs = l.now.saturating_sub(l.started) as f64 / 1000.0;
    let input = if l.input > 1 {
        format!(" (input {})", l.input)
    } else {
        String::new()
    };
    if l.total > 0 && l.done >= l.total {
        format!(
            "reading {}{input}: done, finding the calls... {secs:.1} s",
            l.label
        )
    } else if let Some(pct) = (l.done.saturating_mul(100)).checked_div(l.total) {
        format!(
            "reading {}{input}: {pct}% ({:.1} of {:.1} MiB), {secs:.1} s",
            l.label,
            mib(l.done),
            mib(l.total)
        )
    } else {
        format!(
            "reading {}{input}: {:.1} MiB, {secs:.1} s",
            l.label,
            mib(l.done)
        )
    }
}

/// The lines above the rows: the loading line, the strip (at most two
/// lines) and the column heads.
fn top_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut v = Vec::new();
    if let Some(l) = &app.loading {
        v.push(Line::styled(fold(app, &loading_line(l)), t.warning()));
    }
    if let Some(tv) = &app.trace {
        let parts: Vec<String> = strip(tv).iter().map(|p| fold(app, p)).collect();
        for l in pack(&parts, width as usize).into_iter().take(2) {
            v.push(Line::styled(l, t.label()));
        }
        let cols = Cols::new(width as usize);
        v.push(Line::styled(
            cols.heads(),
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
        ));
    }
    v
}

/// Where the rows of calls go in the pane at `body` (the update function
/// pages by its height).
pub fn rows_area(app: &App, body: Rect) -> Rect {
    let i = inner(body);
    let above = top_lines(app, i.width).len() as u16;
    let y = i.y.saturating_add(above).min(i.bottom());
    Rect::new(i.x, y, i.width, i.bottom().saturating_sub(y))
}

/// Column widths for a pane `w` wide (0: not shown).
struct Cols {
    time: usize,
    from_to: usize,
    method: usize,
    fin: usize,
    outcome: usize,
    finding: usize,
    call_id: usize,
}

impl Cols {
    fn new(w: usize) -> Cols {
        let mut c = Cols {
            time: 8,
            from_to: 0,
            method: 9,
            fin: 18,
            outcome: 8,
            finding: 11,
            call_id: 0,
        };
        if w >= 100 {
            c.time = 12;
            c.fin = 28;
            c.finding = 15;
        }
        let fixed = |c: &Cols| {
            [c.time, c.method, c.fin, c.outcome, c.finding, c.call_id]
                .iter()
                .filter(|&&x| x > 0)
                .map(|x| x + 1)
                .sum::<usize>()
        };
        // Narrow: give way in this order until from -> to has 12 columns.
        // The outcome goes first: the final code says most of it, while
        // the finding says why a call failed, which nothing else in the
        // row does.
        let steps: [fn(&mut Cols); 5] = [
            |c| c.outcome = 0,
            |c| c.fin = 13,
            |c| c.finding = 0,
            |c| c.time = 5,
            |c| c.method = 7,
        ];
        for s in steps {
            if w.saturating_sub(fixed(&c)) >= 12 {
                break;
            }
            s(&mut c);
        }
        c.from_to = w.saturating_sub(fixed(&c));
        // Wide: addresses up to 56 columns, the Call-ID in the rest.
        if w >= 150 {
            let rest = c.from_to;
            c.from_to = rest.min(56);
            c.call_id = rest.saturating_sub(c.from_to + 1);
        }
        c
    }

    fn heads(&self) -> String {
        self.join(&[
            "Time",
            "From -> To",
            "Method",
            "Final",
            "Outcome",
            "Finding",
            "Call-ID",
        ])
    }

    /// Cells joined, each padded or cut to its column (in display
    /// columns: a CJK character takes two, a combining accent none).
    fn join(&self, cells: &[&str; 7]) -> String {
        let widths = [
            self.time,
            self.from_to,
            self.method,
            self.fin,
            self.outcome,
            self.finding,
            self.call_id,
        ];
        let mut out = String::new();
        for (w, s) in widths.iter().zip(cells) {
            if *w == 0 {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&cell(s, *w));
        }
        out
    }
}

/// `s` in exactly `w` display columns: padded, or cut with `~` as its
/// last column (a wide character that would straddle the cut is left
/// out, a space in its place).
fn cell(s: &str, w: usize) -> String {
    let mut out = fit_width(s, w, "~");
    let n = out.width();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(n)));
    out
}

/// A URI without its scheme: `alice@example.com`.
fn bare(uri: &str) -> &str {
    let u = uri.trim_start_matches('<');
    let u = ["sips:", "sip:", "tel:"]
        .iter()
        .find_map(|s| u.strip_prefix(s))
        .unwrap_or(u);
    u.split(['>', ';']).next().unwrap_or(u)
}

/// `from -> to` in `w` columns: whole addresses when they fit, else the
/// user parts, cut to share the room (see [`cut_user`]); folded to ASCII
/// first in ASCII mode, so that what is measured is what is shown.
fn from_to(app: &App, t: &Triage, c: &Call, w: usize) -> String {
    fit_from_to(
        &fold(app, &sanitize::inline(bare(t.from_uri(c)))),
        &fold(app, &sanitize::inline(bare(t.to_uri(c)))),
        w,
    )
}

fn fit_from_to(from: &str, to: &str, w: usize) -> String {
    let user = |s: &str| s.split('@').next().unwrap_or(s).to_string();
    if from == to {
        // A registration, a subscription to one's own state: said once.
        return if from.width() <= w {
            from.to_string()
        } else {
            cut_user(&user(from), w)
        };
    }
    let whole = format!("{from} -> {to}");
    if whole.width() <= w {
        return whole;
    }
    let (f, t) = (user(from), user(to));
    let short = format!("{f} -> {t}");
    if short.width() <= w {
        return short;
    }
    // Half each; a side shorter than its half leaves the rest to the other.
    let room = w.saturating_sub(4);
    let (fw, tw) = (f.width(), t.width());
    let half = room / 2;
    let (fw, tw) = if fw <= half {
        (fw, room - fw)
    } else if tw <= room - half {
        (room - tw, tw)
    } else {
        (half, room - half)
    };
    format!("{} -> {}", cut_user(&f, fw), cut_user(&t, tw))
}

/// A user part in at most `w` columns, `~` where it was cut. A number
/// keeps its end, where the numbers of one trunk differ (+4930123456789
/// and +4930123450000 share their start); a name keeps its start, and the
/// digits it ends with (`telephone1` and `telephone2`: `telep~1`).
fn cut_user(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let n = s.chars().count();
    // ASCII digits: one byte and one column each.
    let tail = s.chars().rev().take_while(char::is_ascii_digit).count();
    if tail > 0 && tail < n && w >= tail + 3 {
        let (head, digits) = s.split_at(s.len() - tail);
        return format!("{}{digits}", fit_width(head, w - tail, "~"));
    }
    // A number is ASCII: its characters are its columns.
    let digits = s.strip_prefix('+').unwrap_or(s);
    let number = !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | '*' | '#'));
    if number && w > 1 {
        let mut out = String::from("~");
        out.extend(s.chars().skip(n - (w - 1)));
        out
    } else {
        cell(s, w).trim_end().to_string()
    }
}

/// One call's row, each cell folded to ASCII (in ASCII mode) before it
/// is fitted to its column.
fn row(app: &App, tv: &TraceView, i: u32, cols: &Cols) -> String {
    let t = tv.triage();
    let c = tv.call(i);
    let time = match c.start_ns {
        Some(ns) => {
            let s = report::rfc3339(ns);
            let end = if cols.time >= 12 { 23 } else { 11 + cols.time };
            s.get(11..end).unwrap_or("").to_string()
        }
        None => "-".to_string(),
    };
    let fin = match c.final_response() {
        Some(_) => report::final_label(t, app.kb, c),
        None => "none".to_string(),
    };
    let finding = report::top_finding(c).map_or("-", |f| f.id);
    let cid = report::call_id(c);
    cols.join(&[
        &time,
        &from_to(app, t, c, cols.from_to),
        &fold(app, &sanitize::inline(t.method_name(c.method))),
        &fold(app, &fin),
        c.outcome.label(),
        finding,
        &fold(app, &cid),
    ])
}

pub fn draw(f: &mut Frame, app: &App, body: Rect) {
    let t = app.theme;
    let focused = app.overlays.is_empty() && !app.searching;
    let label = app
        .trace
        .as_ref()
        .map(|tv| tv.data.source.label())
        .or_else(|| app.loading.as_ref().map(|l| l.label.clone()))
        .unwrap_or_default();
    // The file's name in the title; the path is on the status line.
    let label = label.rsplit('/').next().unwrap_or(&label).to_string();
    let desc = app
        .trace
        .as_ref()
        .map(|tv| tv.filter_desc())
        .unwrap_or_default();
    let title = fit_title(
        &[
            (0, &["Calls"]),
            (2, &[label.as_str(), ""]),
            (1, &[desc.as_str(), ""]),
            (3, &["(Tab: codes)", ""]),
        ],
        (body.width as usize).saturating_sub(4),
        app.theme.ascii,
    );
    let b = block(app, title, focused);
    let i = inner(body);
    let top = top_lines(app, i.width);
    let rows = rows_area(app, body);
    let Some(tv) = &app.trace else {
        f.render_widget(b, body);
        put_lines(f, top.iter(), i);
        if app.loading.is_none() {
            f.render_widget(
                Paragraph::new(
                    "No trace loaded. o opens a capture or log (pcap, pcapng, PBX logs), \
                     or paste several SIP messages; Tab shows the codes.",
                )
                .wrap(Wrap { trim: true }),
                i,
            );
        }
        return;
    };
    let h = rows.height as usize;
    // The list scrolls only as far as needed to keep the highlight in view.
    let first = if tv.selected < tv.top {
        tv.selected
    } else if tv.selected >= tv.top + h.max(1) {
        tv.selected + 1 - h.max(1)
    } else {
        tv.top
    };
    let b = with_position(app, b, first, rows.height, tv.visible.len());
    f.render_widget(b, body);
    put_lines(f, top.iter(), i);
    if tv.visible.is_empty() {
        let why = if tv.triage().calls.is_empty() {
            "No SIP call in this trace (see the status line for the input's problems)."
        } else {
            "No call matches: / then Ctrl-U clears the filter, f shows all calls again."
        };
        f.render_widget(Paragraph::new(why).wrap(Wrap { trim: true }), rows);
        return;
    }
    let cols = Cols::new(rows.width as usize);
    let lines: Vec<Line> = tv
        .visible
        .iter()
        .skip(first)
        .take(h)
        .map(|&c| {
            let text = row(app, tv, c, &cols);
            if tv.call(c).outcome == Outcome::Failure {
                Line::from(Span::styled(text, t.warning()))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    put_lines(f, lines.iter(), rows);
    let sel = tv.selected.saturating_sub(first);
    if tv.selected >= first && sel < h {
        let r = Rect::new(rows.x, rows.y + sel as u16, rows.width, 1);
        f.buffer_mut().set_style(r, t.selected());
    }
}

/// The filter line at the top (where the search line is for the codes).
pub fn draw_filter(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    let (filter, count) = match &app.trace {
        Some(tv) => (
            tv.filter.as_str(),
            format!(
                " {}/{} calls{} ",
                report::thousands(tv.visible.len() as u64),
                report::thousands(tv.triage().calls.len() as u64),
                if tv.failed_only { ", failed only" } else { "" }
            ),
        ),
        None => ("", String::new()),
    };
    let label = if app.searching {
        "Filter: "
    } else {
        "/ filter: "
    };
    let count_w = (count.width() as u16).min(r.width / 2);
    let [left, right] = ratatui::layout::Layout::horizontal([
        ratatui::layout::Constraint::Min(1),
        ratatui::layout::Constraint::Length(count_w),
    ])
    .areas(r);
    // While typing, a filter longer than the line shows its end, where the
    // cursor is, behind a `~` that says the start is hidden.
    let room = usize::from(left.width).saturating_sub(label.width() + usize::from(app.searching));
    let shown = fold(app, &sanitize::inline(filter));
    let shown = if app.searching && shown.width() > room && room > 1 {
        // The end that fits in `room - 1` columns, a wide character kept
        // whole or left out.
        let mut used = 0;
        let start = shown
            .char_indices()
            .rev()
            .take_while(|&(_, ch)| {
                used += ch.width().unwrap_or(0);
                used < room
            })
            .last()
            .map_or(shown.len(), |(i, _)| i);
        format!("~{}", &shown[start..])
    } else {
        shown
    };
    let mut spans = vec![Span::styled(label, t.label()), Span::raw(shown)];
    if app.searching {
        spans.push(Span::styled(
            t.cursor(),
            Style::new().add_modifier(Modifier::SLOW_BLINK),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), left);
    f.render_widget(Paragraph::new(Span::styled(count, t.dim())), right);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_every_width() {
        for w in [10, 48, 58, 78, 98, 118, 198] {
            let c = Cols::new(w);
            let heads = c.heads();
            assert!(heads.chars().count() <= w.max(40), "{w}: {heads}");
            assert!(c.from_to >= 10 || w < 40, "{w}");
        }
        assert_eq!(Cols::new(78).finding, 11);
        assert_eq!(Cols::new(78).from_to, 19);
        let wide = Cols::new(198);
        assert_eq!((wide.from_to, wide.call_id), (56, 64));
        assert_eq!(cell("abcdef", 4), "abc~");
        assert_eq!(cell("ab", 4), "ab  ");
        assert_eq!(bare("<sip:alice@example.com>;tag=1"), "alice@example.com");
        assert_eq!(bare("tel:+4930123"), "+4930123");
        // Numbers of one trunk differ at their end: that is what is kept.
        assert_eq!(
            fit_from_to("+4930123456789@a.example", "+4930123450000@b.example", 19),
            "~456789 -> ~3450000"
        );
        assert_eq!(cut_user("+4930123456789", 8), "~3456789");
        assert_eq!(cut_user("alice.longname", 8), "alice.l~");
        // A name's final digits tell apart telephone1 and telephone2.
        assert_eq!(
            fit_from_to("telephone1@a.example", "telephone2@b.example", 18),
            "telep~1 -> telep~2"
        );
        // A short side leaves its room to the other.
        assert_eq!(
            fit_from_to("bob@a.example", "+4930123456789012@b.example", 19),
            "bob -> ~23456789012"
        );
        assert_eq!(
            fit_from_to("+4930123456789@x", "+4930123456789@x", 8),
            "~3456789"
        );
        for w in 0..30 {
            let s = fit_from_to("+4930123456789@a", "verylongname.here@b", w);
            assert!(s.chars().count() <= w.max(4), "{w}: {s}");
        }
        // Display columns, not characters: CJK takes two, a combining
        // accent none; a wide character is never split by the cut.
        assert_eq!(cell("暂时无法", 5), "暂时~");
        assert_eq!(cell("暂时无法", 6), "暂时~ ");
        assert_eq!(cell("e\u{301}e\u{301}", 4), "e\u{301}e\u{301}  ");
        assert_eq!(cut_user("名前名前名前1", 8), "名前名~1");
        assert_eq!(cut_user("jürgen名前名前", 9), "jürgen名~");
        for w in 0..30 {
            let s = fit_from_to("jürgen名前名前名前@a", "暂时无法接通@b", w);
            assert!(s.width() <= w.max(4), "{w}: {s}");
        }
        let parts = [
            "12 calls: answered 4".to_string(),
            "SER 100.0%".into(),
            "PDD median 740 ms".into(),
        ];
        assert_eq!(
            pack(&parts, 80),
            ["12 calls: answered 4; SER 100.0%; PDD median 740 ms"]
        );
        assert_eq!(
            pack(&parts, 36),
            ["12 calls: answered 4; SER 100.0%", "PDD median 740 ms"]
        );
    }
}
