//! The decoded message: the explanation of a pasted SIP message, a screen
//! at a time (only the lines on screen are wrapped).

use super::{Reply, scroll};
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::view::{block, centered, popup_title, with_position};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Borders, Clear, Paragraph};

#[derive(Debug, Default)]
pub struct MessageView {
    pub scroll: usize,
}

/// Where a full-height reading overlay (the decoded message, the input's
/// problems) goes in `body`, with its border.
pub(super) fn area(body: Rect) -> Rect {
    centered(body, 110, body.height)
}

/// The text area of the overlay in `body` (inside the border).
pub fn inner(body: Rect) -> Rect {
    ratatui::widgets::Block::default()
        .borders(Borders::ALL)
        .inner(area(body))
}

impl MessageView {
    pub fn new() -> MessageView {
        MessageView::default()
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        match a {
            Action::Leave => Reply::close(),
            // The keys of the main view that make sense here close the
            // view and do their job there.
            // A message with no valid status code (a request, `SIP/2.0
            // 700`) has no code to note or walk: not the one the codes list
            // happens to have selected.
            Action::EditNote | Action::StartWalk
                if app.message.as_ref().is_none_or(|m| m.code.is_none()) =>
            {
                app.info(if a == Action::EditNote {
                    "this message has no status code: no code's note to open"
                } else {
                    "this message has no status code: no checklist to walk"
                });
                Reply::stay()
            }
            // The note of the message's code opens on top: Esc comes back.
            // (The codes follow the message: its code, or for a code
            // without an entry its class's x00, which the walk takes too.)
            Action::EditNote => match app.current() {
                Some(code) => Reply {
                    open: Some(app.note_editor(code)),
                    ..Reply::default()
                },
                None => Reply::then(a),
            },
            Action::StartWalk | Action::FocusSearch | Action::OpenPaste => Reply::then(a),
            _ => {
                // The message is laid out once per width; scrolling slices it.
                let r = inner(app.panes().body);
                let bottom = app
                    .message
                    .as_ref()
                    .map_or(0, |m| m.text.last_page(r.width, r.height, app.theme));
                let page = (r.height as usize).saturating_sub(2).max(1);
                scroll(&mut self.scroll, a, page, bottom);
                Reply::stay()
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let Some(m) = &app.message else { return };
        let r = area(body);
        f.render_widget(Clear, r);
        let title = match m.code {
            Some(c) => popup_title(
                app,
                &format!("Decoded message ({c})"),
                &["-- w walks the checklist, Esc closes", "-- Esc closes"],
                r.width,
            ),
            None => popup_title(app, "Decoded message", &["-- Esc closes"], r.width),
        };
        let b = block(app, title, true);
        let inner = b.inner(r);
        // Where the view is, in the bottom border (`1-20/85 more`), as the
        // other reading overlays show it. The layout is kept per width:
        // counting its lines lays nothing out again.
        let total = m.text.lines(inner.width, app.theme).len();
        let b = with_position(app, b, self.scroll, inner.height, total);
        f.render_widget(b, r);
        // Laid out once for this width (DocText keeps it); only the lines on
        // screen are drawn (`handle` keeps the scroll within the last page).
        let visible = m
            .text
            .window(self.scroll, inner.width, inner.height, app.theme);
        f.render_widget(Paragraph::new(visible), inner);
    }
}
