//! The search line: typing edits the query (in `App::unmapped`), these
//! are its keys: open, leave, the session's query history, moving in the
//! results and line editing.

use super::{App, Effect};
use crate::tui::keymap::Action;
use crate::tui::layout::Focus;

impl App {
    pub(super) fn search_action(&mut self, a: Action, now: u64) -> Vec<Effect> {
        match a {
            Action::Open => {
                self.leave_search();
                return self.open_selected();
            }
            Action::Leave => self.leave_search(),
            Action::NextPane => {
                self.leave_search();
                self.focus = Focus::List;
            }
            Action::HistoryPrev => self.history_move(-1),
            Action::HistoryNext => self.history_move(1),
            Action::Up => self.move_sel(-1),
            Action::Down => self.move_sel(1),
            Action::PageUp | Action::PageDown => self.scroll_detail(a),
            Action::Backspace => {
                self.history_at = None;
                self.query.pop();
                self.refilter();
            }
            Action::DeleteToStart => {
                // The cursor is always at the end of the query.
                self.history_at = None;
                self.query.clear();
                self.refilter();
            }
            Action::DeleteWord => {
                self.history_at = None;
                let keep = self.query.trim_end().len();
                let cut = self.query[..keep]
                    .rfind(char::is_whitespace)
                    .map_or(0, |i| i + 1);
                self.query.truncate(cut);
                self.refilter();
            }
            _ => {
                let _ = now;
            }
        }
        Vec::new()
    }

    pub(super) fn leave_search(&mut self) {
        self.searching = false;
        self.history_at = None;
        let q = self.query.trim();
        if !q.is_empty() && self.history.last().map(String::as_str) != Some(q) {
            let q = q.to_string();
            self.history.retain(|h| *h != q);
            self.history.push(q);
        }
    }

    /// Start a fresh query (the old one is in the history, as in a shell).
    pub(super) fn start_search(&mut self) {
        let q = self.query.trim().to_string();
        if !q.is_empty() && self.history.last() != Some(&q) {
            self.history.retain(|h| *h != q);
            self.history.push(q);
        }
        self.overlays.clear();
        self.searching = true;
        self.history_at = None;
        self.typed.clear();
        if !self.query.is_empty() {
            self.query.clear();
            self.refilter();
        }
    }

    pub(super) fn history_move(&mut self, d: isize) {
        if self.history.is_empty() {
            self.info("no earlier query in this session");
            return;
        }
        let n = self.history.len();
        let next = match (self.history_at, d < 0) {
            (None, true) => {
                self.typed = self.query.clone();
                Some(n - 1)
            }
            (None, false) => return,
            (Some(0), true) => Some(0),
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i + 1 < n => Some(i + 1),
            (Some(_), false) => None,
        };
        self.history_at = next;
        self.query = match next {
            Some(i) => self.history[i].clone(),
            None => std::mem::take(&mut self.typed),
        };
        self.refilter();
    }
}
