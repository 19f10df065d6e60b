//! Drawing: a pure function of `&App`. One function per pane or overlay.

use super::app::{App, Overlay};
use super::keymap;
use super::layout::{self, Focus, MIN_HEIGHT, MIN_WIDTH};
use super::lines::{self, doc_lines};
use crate::kb::Class;
use crate::render::ascii_fold;
use crate::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph};

/// Draw the whole UI.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if layout::too_small(area) {
        draw_too_small(f, area);
        return;
    }
    let p = layout::panes(area, app.show_compare);
    draw_search(f, app, p.search);
    draw_list(f, app, p.list);
    if let Some(r) = p.detail {
        draw_detail(f, app, r);
    }
    if let Some(r) = p.compare {
        draw_compare(f, app, r);
    }
    draw_status(f, app, p.status);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => draw_help(f, app, p.body, *scroll),
        Overlay::Walk { step, scroll, .. } => draw_walk(f, app, p.body, *step, *scroll),
        Overlay::Note { code } => draw_note(f, app, p.body, *code),
        Overlay::Paste => draw_paste(f, app, p.body),
        Overlay::Message { scroll } => draw_message(f, app, p.body, *scroll),
    }
}

fn draw_too_small(f: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}); q quits",
        area.width, area.height
    );
    f.render_widget(
        Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    let title = if app.theme.ascii {
        ascii_fold(&title)
    } else {
        title
    };
    Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border_set())
        .border_style(app.theme.border(focused))
        .title(Span::styled(format!(" {title} "), app.theme.title()))
}

fn draw_search(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    let count = format!(" {}/{} ", app.hits.len(), app.kb.len());
    let mut spans = vec![Span::styled(
        if app.searching {
            "Search: "
        } else {
            "/ search: "
        },
        t.label(),
    )];
    spans.push(Span::raw(sanitize::inline(&app.query)));
    if app.searching {
        spans.push(Span::styled(
            t.cursor(),
            Style::new().add_modifier(ratatui::style::Modifier::SLOW_BLINK),
        ));
    }
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(count.len() as u16)]).areas(r);
    f.render_widget(Paragraph::new(Line::from(spans)), left);
    f.render_widget(Paragraph::new(Span::styled(count, t.dim())), right);
}

fn draw_list(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    let focused = app.focus == Focus::List && app.overlay == Overlay::None || app.searching;
    let b = block(app, "Codes".into(), focused);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if app.hits.is_empty() {
        f.render_widget(
            Paragraph::new("no match: Backspace or Ctrl-U edits the query"),
            inner,
        );
        return;
    }
    let width = inner.width as usize;
    let items: Vec<ListItem> = app
        .hits
        .iter()
        .map(|h| {
            let e = app.kb.get(h.code);
            let code_style = t
                .class(Class::of(h.code))
                .add_modifier(ratatui::style::Modifier::BOLD);
            let mut spans = highlighted(
                &h.code.to_string(),
                &h.code_indices,
                code_style,
                t.matched(),
                usize::MAX,
            );
            spans.push(Span::raw(
                if app
                    .store
                    .as_ref()
                    .is_some_and(|st| !st.note(h.code).is_empty())
                {
                    "*"
                } else {
                    " "
                },
            ));
            if let Some(e) = e {
                let room = width.saturating_sub(5);
                spans.extend(highlighted(
                    &e.reason,
                    &h.reason_indices,
                    Style::new(),
                    t.matched(),
                    room,
                ));
            }
            ListItem::new(Line::from(spans))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(app.selected));
    let list = List::new(items).highlight_style(t.selected());
    f.render_stateful_widget(list, inner, &mut state);
}

/// `text` cut to `max` characters as spans, the characters at `hits` in
/// `hit` style and runs of the others in `base` (one span per run).
fn highlighted(
    text: &str,
    hits: &[usize],
    base: Style,
    hit: Style,
    max: usize,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, ch) in text.chars().take(max).enumerate() {
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
    spans
}

/// Draw pre-wrapped lines in `r` with `scroll`, clamped to the content.
fn scrolled(f: &mut Frame, lines: Vec<Line<'static>>, r: Rect, scroll: usize) {
    scrolled_ref(f, &lines, r, scroll);
}

/// Like [`scrolled`], cloning only the visible lines.
fn scrolled_ref(f: &mut Frame, lines: &[Line<'static>], r: Rect, scroll: usize) {
    let h = r.height as usize;
    let max = lines.len().saturating_sub(h);
    let s = scroll.min(max);
    let visible: Vec<Line> = lines[s..(s + h).min(lines.len())].to_vec();
    f.render_widget(Paragraph::new(visible), r);
}

fn tab_title(app: &App, this: &str) -> String {
    if app.size.width >= layout::WIDE {
        return this.to_string();
    }
    let (d, c) = if this == "Detail" {
        ("[Detail]", "Compare")
    } else {
        ("Detail", "[Compare]")
    };
    format!("{d} {c} (Tab)")
}

fn draw_detail(f: &mut Frame, app: &App, r: Rect) {
    let focused = app.focus == Focus::Detail && app.overlay == Overlay::None && !app.searching;
    let title = match app.current() {
        Some(c) => {
            let (done, total) = app.progress(c);
            format!("{} {c} {done}/{total}", tab_title(app, "Detail"))
        }
        None => tab_title(app, "Detail"),
    };
    let b = block(app, title, focused);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(code) = app.current() else {
        f.render_widget(Paragraph::new("no code selected"), inner);
        return;
    };
    let cursor = focused.then_some(app.step_cursor);
    let w = app.detail_lines(code, inner.width, cursor);
    scrolled_ref(f, &w.lines, inner, app.detail_scroll);
}

fn draw_compare(f: &mut Frame, app: &App, r: Rect) {
    let focused = app.focus == Focus::Compare && app.overlay == Overlay::None && !app.searching;
    let title = match app.pinned {
        Some(p) => format!("{} {p} pinned", tab_title(app, "Compare")),
        None => tab_title(app, "Compare"),
    };
    let b = block(app, title, focused);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let hint = match (app.pinned, app.current()) {
        (None, _) => Some("No code pinned. Select a code and press c to pin it; then every code you select is compared with it.".to_string()),
        (Some(p), Some(c)) if p == c => Some(format!("{p} is pinned. Select another code to compare it with {p}; x swaps, C unpins.")),
        _ => None,
    };
    let lines = match (hint, app.compare_doc()) {
        (Some(h), _) => lines::text_lines(&h, inner.width, app.theme),
        (None, Some(d)) => doc_lines(&d, inner.width, app.theme, None).lines,
        (None, None) => lines::text_lines("nothing to compare", inner.width, app.theme),
    };
    scrolled(f, lines, inner, app.compare_scroll);
}

fn draw_status(f: &mut Frame, app: &App, r: Rect) {
    let t = app.theme;
    let line = match &app.status {
        Some(s) => Line::styled(
            sanitize::inline(&s.text),
            if s.error { t.error() } else { t.hint() },
        ),
        None => {
            let hints = match app.ctx() {
                keymap::Ctx::Search => "type to filter  Enter open  Esc leave  Up/Down move",
                keymap::Ctx::Walk => {
                    "d done  s skip  f failed  u undo  j/k step  R reset  Esc close"
                }
                keymap::Ctx::Note => "type your note  Esc save+close  Ctrl-S save",
                keymap::Ctx::Paste => "paste a SIP message  Ctrl-D decode  Esc close",
                keymap::Ctx::Help => "j/k scroll  Esc close",
                keymap::Ctx::Message => "j/k scroll  w walk  n note  / search  Esc close",
                keymap::Ctx::Browse => {
                    "/ search  Enter open  Tab pane  w walk  n note  c pin  p paste  ? help  q quit"
                }
            };
            Line::styled(hints, t.dim())
        }
    };
    f.render_widget(Paragraph::new(line), r);
}

/// A centred rectangle of at most `w` x `h` inside `r` (all of `r` when
/// only a sliver would be left beside it).
fn centered(r: Rect, w: u16, h: u16) -> Rect {
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

fn draw_help(f: &mut Frame, app: &App, body: Rect, scroll: usize) {
    let r = centered(body, 78, body.height);
    f.render_widget(Clear, r);
    let b = block(app, "Keys (Esc closes)".into(), true);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let key_w = 12usize;
    let opts = textwrap::Options::new((inner.width as usize).saturating_sub(key_w).max(10));
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (k, h) in keymap::help_rows() {
        for (i, part) in textwrap::wrap(h, &opts).into_iter().enumerate() {
            let key = if i == 0 {
                format!("{k:<key_w$}")
            } else {
                " ".repeat(key_w)
            };
            lines.push(Line::from(vec![
                Span::styled(key, app.theme.label()),
                Span::raw(part.into_owned()),
            ]));
        }
    }
    scrolled(f, lines, inner, scroll);
}

fn draw_walk(f: &mut Frame, app: &App, body: Rect, step: usize, scroll: usize) {
    let Some(code) = app.current() else { return };
    let Ok(l) = app.kb.lookup(code) else { return };
    let steps = &l.entry.steps;
    let r = centered(body, 100, body.height);
    f.render_widget(Clear, r);
    let (done, total) = app.progress(code);
    let title = format!(
        "Walk-through {code} {} -- step {}/{} -- {done}/{total} handled",
        l.entry.reason,
        (step + 1).min(steps.len()),
        steps.len()
    );
    let b = block(app, title, true);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(s) = steps.get(step) else { return };
    let mut d = vec![crate::doc::Block::Title(format!(
        "{} {}",
        app.step_state(code, step).mark(),
        s.title
    ))];
    d.push(crate::doc::Block::Para(s.detail.to_string()));
    if !s.headers.is_empty() {
        d.push(crate::doc::Block::Field(
            "Inspect".into(),
            s.headers.join(", "),
        ));
    }
    if let Some(m) = &app.message
        && m.code == Some(code)
    {
        let found = super::decode::step_findings(app.kb, m, step);
        if !found.is_empty() {
            d.push(crate::doc::Block::Heading("In the pasted message".into()));
            d.push(crate::doc::Block::Bullets(found));
        }
    }
    if !s.commands.is_empty() {
        d.push(crate::doc::Block::Heading("Commands".into()));
        d.push(crate::doc::Block::Bullets(
            s.commands
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect(),
        ));
    }
    if let Some(u) = &s.unverified {
        d.push(crate::doc::Block::Warning(crate::render::unverified_text(
            u,
        )));
    }
    d.push(crate::doc::Block::Heading("All steps".into()));
    d.push(crate::doc::Block::Bullets(
        steps
            .iter()
            .enumerate()
            .map(|(i, st)| {
                format!(
                    "{} {} {}{}",
                    app.step_state(code, i).mark(),
                    i + 1,
                    st.title,
                    if i == step { "  <" } else { "" }
                )
            })
            .collect(),
    ));
    let w = doc_lines(&d, inner.width, app.theme, None);
    scrolled(f, w.lines, inner, scroll);
}

fn draw_note(f: &mut Frame, app: &App, body: Rect, code: u16) {
    let r = centered(body, 90, body.height.saturating_sub(2).max(6));
    f.render_widget(Clear, r);
    let b = block(
        app,
        format!("Note for {code} -- Esc saves and closes, Ctrl-S saves"),
        true,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    if let Some(ed) = &app.editor {
        f.render_widget(ed, inner);
    }
}

fn draw_paste(f: &mut Frame, app: &App, body: Rect) {
    let r = centered(body, 100, body.height);
    f.render_widget(Clear, r);
    let b = block(
        app,
        "Paste a SIP message -- Ctrl-D decodes, Esc closes".into(),
        true,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    if let Some(ed) = &app.paste_box {
        f.render_widget(ed, inner);
    }
}

/// Where the decoded message overlay goes in `body`, with its border.
fn message_area(body: Rect) -> Rect {
    centered(body, 110, body.height)
}

/// The text area of the decoded message overlay in `body` (inside the
/// border); the app scrolls by it.
pub fn message_inner(body: Rect) -> Rect {
    Block::default()
        .borders(Borders::ALL)
        .inner(message_area(body))
}

fn draw_message(f: &mut Frame, app: &App, body: Rect, scroll: usize) {
    let Some(m) = &app.message else { return };
    let r = message_area(body);
    f.render_widget(Clear, r);
    let title = match m.code {
        Some(c) => format!("Decoded message ({c}) -- w walks the checklist, Esc closes"),
        None => "Decoded message -- Esc closes".into(),
    };
    let b = block(app, title, true);
    let inner = b.inner(r);
    f.render_widget(b, r);
    // Laid out once for this width (DocText keeps it); only the lines on
    // screen are drawn (the app keeps `scroll` within the last page).
    let visible = m.text.window(scroll, inner.width, inner.height, app.theme);
    f.render_widget(Paragraph::new(visible), inner);
}
