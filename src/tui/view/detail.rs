//! The detail pane: the selected code's entry (or Q.850 cause), with its
//! checklist progress, the highlighted step and where the view is.

use super::{block, fit_title, scrolled_ref, tabs, with_position};
use crate::tui::app::{App, Subject};
use crate::tui::layout::Focus;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let focused = app.focus == Focus::Detail && app.overlays.is_empty() && !app.searching;
    let screen = f.area().width;
    let [long, short] = tabs(screen, r, "Detail");
    let tabs: &[&str] = &[long.as_str(), short.as_str()];
    let width = r.width.saturating_sub(4) as usize;
    let title = match app.subject() {
        Some(Subject::Code(c)) => {
            let (done, total) = app.progress(c);
            let code = c.to_string();
            let reason = app.kb.get(c).map_or("", |e| e.reason.as_str());
            let progress = format!("{done}/{total}");
            let pin = pin_label(app, c);
            fit_title(
                &[
                    (2, tabs),
                    (0, &[code.as_str()]),
                    (3, &[reason]),
                    (1, &[progress.as_str()]),
                    (1, &[pin.as_str(), "pinned"]),
                ],
                width,
                app.theme.ascii,
            )
        }
        Some(Subject::Cause(c)) => {
            let head = format!("Q.850 cause {c}");
            fit_title(&[(2, tabs), (0, &[head.as_str()])], width, app.theme.ascii)
        }
        None => fit_title(&[(0, tabs)], width, app.theme.ascii),
    };
    let b = block(app, title, focused);
    let inner = b.inner(r);
    let Some(lines) = app.detail_wrapped(inner.width) else {
        f.render_widget(b, r);
        f.render_widget(Paragraph::new("no code selected"), inner);
        return;
    };
    let total = lines.lines.len();
    let b = with_position(app, b, app.detail_scroll, inner.height, total);
    f.render_widget(b, r);
    scrolled_ref(f, &lines.lines, inner, app.detail_scroll);
}

/// "pin 202" when a code is pinned (and it is not this one), "pinned"
/// when this code is the pin, else nothing.
fn pin_label(app: &App, code: u16) -> String {
    match app.pinned {
        Some(p) if p == code => "pinned".to_string(),
        Some(p) => format!("pin {p}"),
        None => String::new(),
    }
}
