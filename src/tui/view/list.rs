//! The result list: SIP codes, and Q.850 causes when the query asks for
//! them.

use super::{block, fold, put_lines};
use crate::kb::Class;
use crate::tui::app::{App, Row};
use crate::tui::layout::Focus;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    let focused = app.focus == Focus::List && app.overlays.is_empty() || app.searching;
    // Alone on a narrow screen: say where the rest is.
    let title = if r.width >= f.area().width {
        "Codes (Tab: detail)"
    } else {
        "Codes"
    };
    let b = block(app, title.to_string(), focused);
    let mut inner = b.inner(r);
    f.render_widget(b, r);
    // The query typed found nothing: a looser one is listed, say which.
    if let Some(hint) = app.search_hint()
        && inner.height > 2
    {
        let lines = 2.min(inner.height - 2);
        f.render_widget(
            Paragraph::new(hint)
                .style(t.dim())
                .wrap(Wrap { trim: true }),
            Rect {
                height: lines,
                ..inner
            },
        );
        inner.y += lines;
        inner.height -= lines;
    }
    if app.rows.is_empty() {
        f.render_widget(
            Paragraph::new(
                "no match: Backspace or Ctrl-U edits the query, Up brings back an earlier one",
            )
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let width = inner.width as usize;
    let marker = crate::tui::lines::cut_marker(t);
    // Only the rows on screen are built, the selected one kept in view.
    let h = inner.height as usize;
    let first = (app.selected + 1).saturating_sub(h);
    let lines: Vec<Line> = app
        .rows
        .iter()
        .skip(first)
        .take(h)
        .map(|row| match *row {
            Row::Code(i) => {
                let h = &app.hits[i];
                let code_style = t.class(Class::of(h.code)).add_modifier(Modifier::BOLD);
                let mut spans = highlighted(
                    &h.code.to_string(),
                    &h.code_indices,
                    code_style,
                    t.matched(),
                    usize::MAX,
                    marker,
                );
                let noted = app
                    .store
                    .as_ref()
                    .is_some_and(|st| !st.note(h.code).is_empty());
                spans.push(Span::raw(if noted { "*" } else { " " }));
                if let Some(e) = app.kb.get(h.code) {
                    spans.extend(highlighted(
                        &fold(app, &e.reason),
                        &h.reason_indices,
                        Style::new(),
                        t.matched(),
                        width.saturating_sub(4),
                        marker,
                    ));
                } else if let Ok(l) = app.kb.lookup(h.code) {
                    // A code with your note but no entry: its class's.
                    let text = format!("(unregistered, as {})", l.entry.code);
                    spans.extend(highlighted(
                        &text,
                        &[],
                        t.dim(),
                        t.matched(),
                        width.saturating_sub(4),
                        marker,
                    ));
                }
                Line::from(spans)
            }
            Row::Cause(i) => {
                let c = &app.causes[i];
                let name = app.kb.cause(c.cause).map_or("", |x| x.name.as_str());
                let head = format!("Q{:<3}", c.cause);
                let mut spans = vec![Span::styled(head, t.label())];
                spans.extend(highlighted(
                    &fold(app, name),
                    &c.name_indices,
                    t.dim(),
                    t.matched(),
                    width.saturating_sub(4),
                    marker,
                ));
                Line::from(spans)
            }
        })
        .collect();
    put_lines(f, lines.iter(), inner);
    // The selected row: reverse video over the whole row.
    let row = app.selected - first;
    if row < h {
        let r = Rect::new(inner.x, inner.y + row as u16, inner.width, 1);
        f.buffer_mut().set_style(r, t.selected());
    }
}

/// `text` cut to `max` characters as spans, the characters at `hits` in
/// `hit` style and runs of the others in `base` (one span per run); a cut
/// text ends with `marker` (a phrase cut at the pane's edge read whole).
fn highlighted(
    text: &str,
    hits: &[usize],
    base: Style,
    hit: Style,
    max: usize,
    marker: &'static str,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    let cut = max > 0 && text.chars().nth(max).is_some();
    let keep = if cut { max - 1 } else { max };
    for (i, ch) in text.chars().take(keep).enumerate() {
        let is_hit = hits.contains(&i);
        if is_hit != run_hit && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if run_hit { hit } else { base },
            ));
        }
        run_hit = is_hit;
        run.push(ch);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_hit { hit } else { base }));
    }
    if cut {
        spans.push(Span::styled(marker, base));
    }
    spans
}
