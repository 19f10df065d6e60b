//! The problems found in a loaded trace's input (truncated packets, TCP
//! gaps, a log's assumed time zone...): the status line names the first,
//! this lists every one kept, a screen at a time.

use super::message::{area, inner};
use super::{Reply, scroll};
use crate::trace::model::Triage;
use crate::trace::report;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::view::{block, fold, popup_title, with_position};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Default)]
pub struct ProblemsView {
    pub scroll: usize,
}

/// The lines of the list in `width` columns: each problem wrapped, and a
/// last line when more were found than kept.
pub fn lines(t: &Triage, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for p in &t.problems {
        out.extend(crate::render::wrap(
            &report::problem_line(t, p),
            width,
            "- ",
            "  ",
        ));
    }
    let kept = t.problems.len() as u64;
    if t.problem_count > kept {
        out.push(String::new());
        out.extend(crate::render::wrap(
            &format!(
                "... and {} more of the same kinds (the first {} are kept).",
                report::thousands(t.problem_count - kept),
                report::thousands(kept)
            ),
            width,
            "",
            "",
        ));
    }
    out
}

impl ProblemsView {
    pub fn new() -> ProblemsView {
        ProblemsView::default()
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        match a {
            Action::Leave => Reply::close(),
            _ => {
                let r = inner(app.panes().body);
                let n = app
                    .trace
                    .as_ref()
                    .map_or(0, |tv| lines(tv.triage(), r.width as usize).len());
                let bottom = n.saturating_sub(r.height as usize);
                let page = (r.height as usize).saturating_sub(2).max(1);
                scroll(&mut self.scroll, a, page, bottom);
                Reply::stay()
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let Some(tv) = app.trace.as_ref() else {
            return;
        };
        let t = tv.triage();
        let r = area(body);
        f.render_widget(Clear, r);
        let title = popup_title(
            app,
            &format!("Input problems: {}", report::thousands(t.problem_count)),
            &["-- Esc closes"],
            r.width,
        );
        let b = block(app, title, true);
        let inner = b.inner(r);
        let all = lines(t, inner.width as usize);
        let b = with_position(app, b, self.scroll, inner.height, all.len());
        f.render_widget(b, r);
        let text: Vec<Line> = all
            .into_iter()
            .skip(self.scroll)
            .take(inner.height as usize)
            .map(|l| Line::raw(fold(app, &l)))
            .collect();
        f.render_widget(Paragraph::new(text), inner);
    }
}
