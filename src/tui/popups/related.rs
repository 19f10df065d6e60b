//! The related codes of a code: pick one with j/k and Enter, or its number.

use super::Reply;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::view::{block, centered, fold, popup_title};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState};

#[derive(Debug)]
pub struct Related {
    /// The code whose related codes these are.
    pub code: u16,
    pub codes: Vec<u16>,
    pub selected: usize,
}

impl Related {
    pub fn new(code: u16, codes: Vec<u16>) -> Related {
        Related {
            code,
            codes,
            selected: 0,
        }
    }

    fn open(&self, app: &mut App, i: usize) -> Reply {
        let Some(&target) = self.codes.get(i) else {
            app.info(format!(
                "{} lists {} related codes",
                self.code,
                self.codes.len()
            ));
            return Reply::stay();
        };
        app.select_code(target);
        app.info(format!("related to {}: {target} (b goes back)", self.code));
        Reply::close()
    }

    pub fn handle(&mut self, app: &mut App, a: Action, ev: &KeyEvent) -> Reply {
        match a {
            Action::Leave => Reply::close(),
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Reply::stay()
            }
            Action::Down => {
                self.selected = (self.selected + 1).min(self.codes.len().saturating_sub(1));
                Reply::stay()
            }
            Action::Open => self.open(app, self.selected),
            Action::Digit => match ev.code {
                KeyCode::Char(c) => match c.to_digit(10) {
                    Some(d) if d > 0 => self.open(app, d as usize - 1),
                    _ => Reply::stay(),
                },
                _ => Reply::stay(),
            },
            _ => Reply::stay(),
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let h = (self.codes.len() as u16).saturating_add(2);
        let r = centered(body, 56, h);
        f.render_widget(Clear, r);
        let title = popup_title(
            app,
            &format!("Related to {}", self.code),
            &["-- Enter opens"],
            r.width,
        );
        let b = block(app, title, true);
        let inner = b.inner(r);
        f.render_widget(b, r);
        let items: Vec<ListItem> = self
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let reason = app.kb.get(*c).map_or("", |e| e.reason.as_str());
                let n = if i < 9 {
                    format!("{} ", i + 1)
                } else {
                    "  ".to_string()
                };
                ListItem::new(Line::from(vec![
                    Span::styled(n, app.theme.dim()),
                    Span::styled(format!("{c} "), app.theme.label()),
                    Span::raw(fold(app, reason)),
                ]))
            })
            .collect();
        let mut state = ListState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(
            List::new(items).highlight_style(app.theme.selected()),
            inner,
            &mut state,
        );
    }
}
