//! The status messages of this session, newest first, each whole: the
//! status line holds three rows at most, and a longer message (where a
//! corrupt notes file was moved, why notes are disabled, the formats a
//! trace may have) is cut there with a hint that Ctrl-G shows it here.

use super::{Reply, scroll};
use crate::sanitize;
use crate::tui::app::{App, Status};
use crate::tui::keymap::Action;
use crate::tui::view::{block, centered, fold, popup_title, scrolled_ref, with_position};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Clear;

#[derive(Debug, Default)]
pub struct StatusLog {
    pub scroll: usize,
}

/// The lines of `log` (oldest first) in `width` columns, newest first,
/// each message wrapped whole after a `- ` (an error after `! `).
pub fn lines(app: &App, log: &[Status], width: usize) -> Vec<Line<'static>> {
    if log.is_empty() {
        return vec![Line::styled(
            "no message yet in this session",
            app.theme.dim(),
        )];
    }
    let mut out = Vec::new();
    for s in log.iter().rev() {
        let text = fold(app, &sanitize::inline(&s.text));
        let (first, style) = if s.error {
            ("! ", app.theme.error())
        } else {
            ("- ", ratatui::style::Style::new())
        };
        out.extend(
            crate::render::wrap(&text, width, first, "  ")
                .into_iter()
                .map(|l| Line::styled(l, style)),
        );
    }
    out
}

impl StatusLog {
    pub fn new() -> StatusLog {
        StatusLog::default()
    }

    fn area(body: Rect) -> Rect {
        centered(body, 84, body.height)
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        if matches!(a, Action::Leave | Action::ShowLog) {
            return Reply::close();
        }
        let inner = crate::tui::layout::inner(Self::area(app.panes().body));
        let h = inner.height.max(1) as usize;
        let n = lines(app, app.status_log(), inner.width as usize).len();
        scroll(
            &mut self.scroll,
            a,
            h.saturating_sub(2).max(1),
            n.saturating_sub(h),
        );
        Reply::stay()
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let r = Self::area(body);
        f.render_widget(Clear, r);
        let title = popup_title(
            app,
            "Status messages",
            &["-- newest first, Esc closes", "-- Esc closes"],
            r.width,
        );
        let b = block(app, title, true);
        let inner = b.inner(r);
        let all = lines(app, app.status_log(), inner.width as usize);
        let b = with_position(app, b, self.scroll, inner.height, all.len());
        f.render_widget(b, r);
        scrolled_ref(f, &all, inner, self.scroll);
    }
}
