//! The compare pane: the pinned code against the selected one.

use super::{block, fit_title, scrolled_ref, tabs, with_position};
use crate::tui::app::App;
use crate::tui::layout::Focus;
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let focused = app.focus == Focus::Compare && app.overlays.is_empty() && !app.searching;
    let screen = f.area().width;
    let [long, short] = tabs(screen, r, "Compare");
    let tabs: &[&str] = &[long.as_str(), short.as_str()];
    let pair = match (app.pinned, app.current()) {
        (Some(p), Some(c)) if p != c => format!("{p} vs {c}"),
        (Some(p), _) => format!("{p} pinned"),
        (None, _) => String::new(),
    };
    let title = fit_title(
        &[(1, tabs), (0, &[pair.as_str()])],
        r.width.saturating_sub(4) as usize,
        app.theme.ascii,
    );
    let b = block(app, title, focused);
    let inner = b.inner(r);
    let lines = app.compare_lines(inner.width);
    let b = with_position(app, b, app.compare_scroll, inner.height, lines.len());
    f.render_widget(b, r);
    scrolled_ref(f, &lines, inner, app.compare_scroll);
}
