//! The paste box: paste (or type) a raw SIP message, see how many headers
//! it holds, and decode it with Ctrl-D. Closing keeps the text for next
//! time.

use super::Reply;
use super::note::{delete_to_start, undo_redo};
use crate::sanitize;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::textview::{View, page_key};
use crate::tui::view::{block, centered, popup_title};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;
use ratatui_textarea::TextArea;

pub struct PasteBox {
    pub area: TextArea<'static>,
    /// What the parser makes of the text so far.
    found: Found,
    /// What the box shows of the text (any row and column of it).
    view: View,
}

/// The parser's view of the box, for its title.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    Empty,
    NotSip,
    Message {
        headers: usize,
        code: Option<u16>,
    },
    /// More than one message (an sngrep or log excerpt): Ctrl-D opens
    /// their calls.
    Several,
}

impl std::fmt::Debug for PasteBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasteBox")
            .field("lines", &self.area.lines().len())
            .field("found", &self.found)
            .finish()
    }
}

impl Default for PasteBox {
    fn default() -> Self {
        Self::new()
    }
}

impl PasteBox {
    pub fn new() -> PasteBox {
        let mut area = TextArea::default();
        area.set_max_histories(50);
        area.set_selection_style(crate::tui::textview::SELECTION);
        PasteBox {
            area,
            found: Found::Empty,
            view: View::default(),
        }
    }

    /// The text in the box.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// The number of headers the parser finds in the box (None: no SIP
    /// message in it yet).
    pub fn headers_found(&self) -> Option<usize> {
        match self.found {
            Found::Message { headers, .. } => Some(headers),
            _ => None,
        }
    }

    fn recount(&mut self) {
        let text = self.text();
        self.found = if text.trim().is_empty() {
            Found::Empty
        } else if crate::tui::decode::messages_in(&text) > 1 {
            Found::Several
        } else {
            match crate::message::parse(text.as_bytes()) {
                Ok(m) => Found::Message {
                    headers: m.headers.len(),
                    code: m.code(),
                },
                Err(_) => Found::NotSip,
            }
        };
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        match a {
            Action::Decode => {
                let text = self.text();
                if text.trim().is_empty() {
                    app.info("the paste box is empty: paste a SIP message first");
                    return Reply::stay();
                }
                // Several messages: their calls, as a trace.
                if crate::tui::decode::messages_in(&text) > 1 {
                    return Reply {
                        close: true,
                        effects: app.load_pasted(text),
                        ..Reply::default()
                    };
                }
                // Decoded: the message view replaces the box (kept with its
                // text for next time); else the box stays, the error said.
                if app.decode(&text) {
                    Reply::close()
                } else {
                    Reply::stay()
                }
            }
            Action::Leave => {
                app.info("paste box closed; p reopens it with your text");
                Reply::close()
            }
            Action::DeleteToStart => {
                if delete_to_start(&mut self.area) {
                    self.recount();
                }
                Reply::stay()
            }
            Action::Undo | Action::Redo => {
                if undo_redo(&mut self.area, a, app) {
                    self.recount();
                }
                Reply::stay()
            }
            _ => Reply::stay(),
        }
    }

    /// A key for the box itself.
    pub fn input(&mut self, ev: KeyEvent) -> Reply {
        if let Some((down, shift)) = page_key(&ev) {
            self.view.page(&mut self.area, down, shift);
            return Reply::stay();
        }
        if self.area.input(ev) {
            self.recount();
        }
        Reply::stay()
    }

    /// A bracketed paste into the box (line ends already normalised).
    pub fn paste(&mut self, text: &str) -> Reply {
        self.area.insert_str(sanitize::pasted(text));
        self.recount();
        Reply::stay()
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let r = centered(body, 100, body.height);
        f.render_widget(Clear, r);
        let found = match self.found {
            Found::Empty => "paste a SIP message".to_string(),
            Found::NotSip => "no SIP start line yet".to_string(),
            Found::Message {
                headers,
                code: Some(c),
            } => format!("{c} response, {headers} headers found"),
            Found::Message {
                headers,
                code: None,
            } => format!("{headers} headers found"),
            Found::Several => "several SIP messages: Ctrl-D opens their calls".to_string(),
        };
        let title = popup_title(
            app,
            &found,
            &["-- Ctrl-D decodes, Esc closes", "-- Ctrl-D decodes"],
            r.width,
        );
        let b = block(app, title, true);
        let inner = b.inner(r);
        f.render_widget(b, r);
        self.view.draw(&self.area, inner, f.buffer_mut());
        if app.theme.ascii {
            super::note::ascii_cells(f.buffer_mut(), inner);
        }
    }
}
