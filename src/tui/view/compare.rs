//! The compare pane: the pinned code against the selected one.

use super::{block, fit_title, position, scrolled_ref};
use crate::tui::app::App;
use crate::tui::layout::{Focus, WIDE};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let focused = app.focus == Focus::Compare && app.overlays.is_empty() && !app.searching;
    let screen = f.area().width;
    let tabs: &[&str] = if screen >= WIDE {
        &["Compare"]
    } else if r.width >= screen {
        &["Detail [Compare] Codes (Tab)", "[Compare]"]
    } else {
        &["Detail [Compare] (Tab)", "[Compare]"]
    };
    let pair = match (app.pinned, app.current()) {
        (Some(p), Some(c)) if p != c => format!("{p} vs {c}"),
        (Some(p), _) => format!("{p} pinned"),
        (None, _) => String::new(),
    };
    let title = fit_title(
        &[(1, tabs), (0, &[pair.as_str()])],
        r.width.saturating_sub(4) as usize,
    );
    let b = block(app, title, focused);
    let inner = b.inner(r);
    let lines = app.compare_lines(inner.width);
    let b = match position(app, app.compare_scroll, inner.height as usize, lines.len()) {
        Some(p) => b.title_bottom(Span::styled(p, app.theme.dim()).into_right_aligned_line()),
        None => b,
    };
    f.render_widget(b, r);
    scrolled_ref(f, &lines, inner, app.compare_scroll);
}
