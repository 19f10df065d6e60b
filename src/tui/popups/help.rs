//! The help popup: every key, grouped by where it works, the keys of the
//! place it was opened from first. Generated from the key map.

use super::{Reply, scroll};
use crate::tui::app::App;
use crate::tui::keymap::{self, Action, Ctx};
use crate::tui::view::{block, centered, fold, scrolled_ref, with_position};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;

#[derive(Debug)]
pub struct Help {
    pub scroll: usize,
    /// Where the help was opened from: its keys come first.
    pub from: Ctx,
}

/// The least space between a key and what it does.
const GAP: usize = 2;

/// The width of the key column in a help `width` columns wide: the
/// longest key name and the gap, at most a third of the width (a longer
/// name, on a narrow screen, takes a row of its own).
fn key_width(width: usize) -> usize {
    let longest = keymap::help_rows()
        .iter()
        .map(|(_, k, _)| unicode_width::UnicodeWidthStr::width(*k))
        .max()
        .unwrap_or(0);
    (longest + GAP).min(width / 3).max(GAP)
}

impl Help {
    pub fn new(from: Ctx) -> Help {
        Help { scroll: 0, from }
    }

    fn area(body: Rect) -> Rect {
        centered(body, 84, body.height)
    }

    fn lines(&self, app: &App, width: u16) -> Vec<Line<'static>> {
        let key_w = key_width(width as usize);
        let opts = textwrap::Options::new((width as usize).saturating_sub(key_w).max(10));
        let mut lines: Vec<Line<'static>> = Vec::new();
        for (n, (sec, rows)) in keymap::help_sections(Some(self.from))
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                lines.push(Line::default());
            }
            let head = if n == 0 {
                format!("{} (here)", sec.title())
            } else {
                sec.title().to_string()
            };
            lines.push(Line::styled(head, app.theme.heading()));
            for (k, h) in rows {
                // A key name too wide for the column has a row of its own.
                let alone = unicode_width::UnicodeWidthStr::width(k) + GAP > key_w;
                if alone {
                    lines.push(Line::styled(k.to_string(), app.theme.label()));
                }
                for (i, part) in textwrap::wrap(&fold(app, h), &opts).into_iter().enumerate() {
                    let key = if i == 0 && !alone {
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
        }
        lines
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        if a == Action::Leave {
            return Reply::close();
        }
        let inner = crate::tui::layout::inner(Self::area(app.panes().body));
        let h = inner.height.max(1) as usize;
        let bottom = self.lines(app, inner.width).len().saturating_sub(h);
        scroll(&mut self.scroll, a, h.saturating_sub(2).max(1), bottom);
        Reply::stay()
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let r = Self::area(body);
        f.render_widget(Clear, r);
        let b = block(app, "Keys (Esc closes)".into(), true);
        let inner = b.inner(r);
        let lines = self.lines(app, inner.width);
        let b = with_position(app, b, self.scroll, inner.height, lines.len());
        f.render_widget(b, r);
        scrolled_ref(f, &lines, inner, self.scroll);
    }
}
