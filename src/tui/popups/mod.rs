//! Overlays: each one a module with its own state, key handling and
//! drawing (in the style of gitui's popups). The app keeps a stack of them;
//! the top one gets the keys, and closing it shows the one below again
//! (help opened from the walk-through returns to the walk-through).
//!
//! A popup's `handle` gets the action its key maps to (from the key map,
//! in the popup's context) and answers with a [`Reply`]: stay open or
//! close, open another popup on top, run an action of the main view
//! after closing, and effects for the run loop.

pub mod call;
pub mod commands;
pub mod help;
pub mod log;
pub mod message;
pub mod note;
pub mod open;
pub mod paste;
pub mod problems;
pub mod related;
pub mod walk;

use super::app::{App, Effect};
use super::keymap::{Action, Ctx};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// An overlay on top of the panes.
#[derive(Debug)]
pub enum Overlay {
    Help(help::Help),
    Walk(walk::Walk),
    Note(note::NoteEditor),
    Paste(paste::PasteBox),
    Message(message::MessageView),
    Commands(commands::Commands),
    Related(related::Related),
    Call(call::CallView),
    Open(open::OpenPrompt),
    Problems(problems::ProblemsView),
    Log(log::StatusLog),
}

/// What a popup wants after a key.
#[derive(Debug, Default)]
pub struct Reply {
    /// Close this popup (the one below, if any, shows again).
    pub close: bool,
    /// Open this popup on top (after closing this one, if asked).
    pub open: Option<Overlay>,
    /// After closing: run this action in the main view (`w` in the
    /// decoded message starts the walk-through of its code).
    pub then: Option<Action>,
    pub effects: Vec<Effect>,
}

impl Reply {
    pub fn stay() -> Reply {
        Reply::default()
    }

    pub fn close() -> Reply {
        Reply {
            close: true,
            ..Reply::default()
        }
    }

    pub fn open(o: Overlay) -> Reply {
        Reply {
            open: Some(o),
            ..Reply::default()
        }
    }

    pub fn effects(effects: Vec<Effect>) -> Reply {
        Reply {
            effects,
            ..Reply::default()
        }
    }

    /// Close, then run `a` in the main view.
    pub fn then(a: Action) -> Reply {
        Reply {
            close: true,
            then: Some(a),
            ..Reply::default()
        }
    }
}

impl Overlay {
    /// The key-map context of the popup.
    pub fn ctx(&self) -> Ctx {
        match self {
            Overlay::Help(_) => Ctx::Help,
            Overlay::Walk(_) => Ctx::Walk,
            Overlay::Note(_) => Ctx::Note,
            Overlay::Paste(_) => Ctx::Paste,
            Overlay::Message(_) => Ctx::Message,
            Overlay::Commands(_) => Ctx::Commands,
            Overlay::Related(_) => Ctx::Related,
            Overlay::Call(_) => Ctx::Call,
            Overlay::Open(_) => Ctx::Open,
            Overlay::Problems(_) => Ctx::Problems,
            Overlay::Log(_) => Ctx::Log,
        }
    }

    /// A key the key map bound in this popup's context.
    pub fn handle(&mut self, app: &mut App, a: Action, ev: &KeyEvent, now: u64) -> Reply {
        match self {
            Overlay::Help(p) => p.handle(app, a),
            Overlay::Walk(p) => p.handle(app, a, now),
            Overlay::Note(p) => p.handle(app, a, now),
            Overlay::Paste(p) => p.handle(app, a),
            Overlay::Message(p) => p.handle(app, a),
            Overlay::Commands(p) => p.handle(app, a),
            Overlay::Related(p) => p.handle(app, a, ev),
            Overlay::Call(p) => p.handle(app, a, now),
            Overlay::Open(p) => p.handle(app, a),
            Overlay::Problems(p) => p.handle(app, a),
            Overlay::Log(p) => p.handle(app, a),
        }
    }

    /// A key the key map did not bind: text for the editors. `None`: the
    /// popup takes no text (the app says the key does nothing here).
    pub fn input(&mut self, app: &mut App, ev: KeyEvent, now: u64) -> Option<Reply> {
        match self {
            Overlay::Note(p) => Some(p.input(app, ev, now)),
            Overlay::Paste(p) => Some(p.input(ev)),
            Overlay::Open(p) => Some(p.input(ev)),
            _ => None,
        }
    }

    /// A bracketed paste. `None`: the popup takes no text (the app decodes
    /// the paste as a SIP message).
    pub fn paste(&mut self, app: &mut App, text: &str, now: u64) -> Option<Reply> {
        match self {
            Overlay::Note(p) => Some(p.paste(app, text, now)),
            Overlay::Paste(p) => Some(p.paste(text)),
            Overlay::Open(p) => Some(p.paste(text)),
            _ => None,
        }
    }

    /// Draw the popup over `body` (the area between the search line and
    /// the status line).
    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        match self {
            Overlay::Help(p) => p.draw(f, app, body),
            Overlay::Walk(p) => p.draw(f, app, body),
            Overlay::Note(p) => p.draw(f, app, body),
            Overlay::Paste(p) => p.draw(f, app, body),
            Overlay::Message(p) => p.draw(f, app, body),
            Overlay::Commands(p) => p.draw(f, app, body),
            Overlay::Related(p) => p.draw(f, app, body),
            Overlay::Call(p) => p.draw(f, app, body),
            Overlay::Open(p) => p.draw(f, app, body),
            Overlay::Problems(p) => p.draw(f, app, body),
            Overlay::Log(p) => p.draw(f, app, body),
        }
    }
}

/// Move a scroll position for a navigation action, and keep it within
/// `0..=bottom` (for any action). Returns false for an action that is not
/// navigation.
pub fn scroll(pos: &mut usize, a: Action, page: usize, bottom: usize) -> bool {
    let nav = match a {
        Action::Up => {
            *pos = pos.saturating_sub(1);
            true
        }
        Action::Down => {
            *pos = pos.saturating_add(1);
            true
        }
        Action::PageUp => {
            *pos = pos.saturating_sub(page);
            true
        }
        Action::PageDown => {
            *pos = pos.saturating_add(page);
            true
        }
        Action::Top => {
            *pos = 0;
            true
        }
        Action::Bottom => {
            *pos = bottom;
            true
        }
        _ => false,
    };
    *pos = (*pos).min(bottom);
    nav
}
