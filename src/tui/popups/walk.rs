//! The walk-through: one checklist step at a time, with its detail, the
//! headers to inspect, what a pasted message says for them and the
//! commands to run; mark it and go on.

use super::{Reply, scroll};
use crate::doc::Block;
use crate::store::StepState;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::lines::doc_lines;
use crate::tui::view::{block, centered, cut_part, fit_title, scrolled_ref, with_position};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Clear;

#[derive(Debug)]
pub struct Walk {
    /// The code walked through (it stays, whatever the list does).
    pub code: u16,
    /// The step shown.
    pub step: usize,
    pub scroll: usize,
    /// `R` was pressed once.
    confirm_reset: bool,
}

impl Walk {
    pub fn new(code: u16, step: usize) -> Walk {
        Walk {
            code,
            step,
            scroll: 0,
            confirm_reset: false,
        }
    }

    fn area(body: Rect) -> Rect {
        centered(body, 100, body.height)
    }

    fn lines(&self, app: &App, width: u16) -> Vec<Line<'static>> {
        let Ok(l) = app.kb.lookup(self.code) else {
            return Vec::new();
        };
        let steps = &l.entry.steps;
        let Some(s) = steps.get(self.step) else {
            return Vec::new();
        };
        let code = self.code;
        let mut d = vec![Block::Title(format!(
            "{} {}",
            app.step_state(code, self.step).mark(),
            s.title
        ))];
        d.push(Block::Para(s.detail.to_string()));
        if !s.headers.is_empty() {
            d.push(Block::Field("Inspect".into(), s.headers.join(", ")));
        }
        if let Some(m) = &app.message
            && m.code == Some(code)
        {
            let found = crate::tui::decode::step_findings(app.kb, m, self.step);
            if !found.is_empty() {
                d.push(Block::Heading(format!("In {}", m.origin)));
                d.push(Block::Bullets(found));
            }
        }
        if !s.commands.is_empty() {
            d.push(Block::Heading("Commands (y shows them whole)".into()));
            d.push(Block::Commands(
                s.commands
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ));
        }
        let mut w = doc_lines(&d, width, app.theme, None).lines;
        let mut d = Vec::new();
        if let Some(u) = &s.unverified {
            d.push(Block::Warning(crate::render::unverified_text(u)));
        }
        d.push(Block::Heading("All steps".into()));
        d.push(Block::Bullets(
            steps
                .iter()
                .enumerate()
                .map(|(i, st)| {
                    format!(
                        "{} {} {}{}",
                        app.step_state(code, i).mark(),
                        i + 1,
                        st.title,
                        if i == self.step { "  <" } else { "" }
                    )
                })
                .collect(),
        ));
        w.extend(doc_lines(&d, width, app.theme, None).lines);
        w
    }

    pub fn handle(&mut self, app: &mut App, a: Action, now: u64) -> Reply {
        let code = self.code;
        let n = app.steps_len(code);
        if n == 0 {
            return Reply::close();
        }
        self.step = self.step.min(n - 1);
        let confirm = std::mem::take(&mut self.confirm_reset);
        let mut fx = Vec::new();
        match a {
            Action::Up => {
                self.step = self.step.saturating_sub(1);
                self.scroll = 0;
            }
            Action::Down if self.step + 1 < n => {
                self.step += 1;
                self.scroll = 0;
            }
            Action::Down => app.info(format!("this is the last step of {code}")),
            Action::PageUp | Action::PageDown => {
                let inner = crate::tui::layout::inner(Self::area(app.panes().body));
                let h = inner.height.max(1) as usize;
                let bottom = self.lines(app, inner.width).len().saturating_sub(h);
                scroll(&mut self.scroll, a, h.saturating_sub(2).max(1), bottom);
            }
            Action::MarkDone => fx = self.mark_and_advance(app, StepState::Done, now),
            Action::MarkSkipped => fx = self.mark_and_advance(app, StepState::Skipped, now),
            Action::MarkFailed => fx = self.mark_and_advance(app, StepState::Failed, now),
            Action::MarkTodo => fx = app.set_step(code, self.step, StepState::Todo, now),
            Action::ToggleStep => {
                let new = if app.step_state(code, self.step) == StepState::Todo {
                    StepState::Done
                } else {
                    StepState::Todo
                };
                fx = app.set_step(code, self.step, new, now);
            }
            Action::ResetProgress => {
                if confirm {
                    fx = app.reset_steps(code, now);
                    self.step = 0;
                    self.scroll = 0;
                } else {
                    self.confirm_reset = true;
                    app.info(format!(
                        "press R again to reset all progress of {code}; any other key keeps it"
                    ));
                }
            }
            Action::ShowCommands => {
                return Reply {
                    open: app.commands_popup(code, self.step),
                    effects: fx,
                    ..Reply::default()
                };
            }
            Action::Leave => {
                if app.current() == Some(code) {
                    app.step_cursor = Some(self.step);
                    app.scroll_to_step();
                }
                return Reply {
                    close: true,
                    effects: fx,
                    ..Reply::default()
                };
            }
            _ => {}
        }
        Reply::effects(fx)
    }

    fn mark_and_advance(
        &mut self,
        app: &mut App,
        st: StepState,
        now: u64,
    ) -> Vec<crate::tui::app::Effect> {
        let fx = app.set_step(self.code, self.step, st, now);
        if self.step + 1 < app.steps_len(self.code) {
            self.step += 1;
            self.scroll = 0;
        } else {
            let (done, total) = app.progress(self.code);
            app.info(format!(
                "last step of {}: {done}/{total} handled",
                self.code
            ));
        }
        fx
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let Ok(l) = app.kb.lookup(self.code) else {
            return;
        };
        let r = Self::area(body);
        f.render_widget(Clear, r);
        let (done, total) = app.progress(self.code);
        // The code and the step count stay whole; the reason phrase is cut,
        // then left out, then the count of steps handled.
        let head = format!("Walk-through {}", self.code);
        let step = format!(
            "-- step {}/{}",
            (self.step + 1).min(l.entry.steps.len()),
            l.entry.steps.len()
        );
        let handled = format!("-- {done}/{total} handled");
        let width = (r.width as usize).saturating_sub(4);
        let rest = format!("{head} {step} {handled} ");
        let reason = l.entry.reason.as_str();
        let reason_cut = cut_part(reason, width.saturating_sub(rest.len()), 8, app.theme.ascii);
        let title = fit_title(
            &[
                (0, &[head.as_str()]),
                (2, &[reason, reason_cut.as_str(), ""]),
                (0, &[step.as_str()]),
                (1, &[handled.as_str(), ""]),
            ],
            width,
            app.theme.ascii,
        );
        let b = block(app, title, true);
        let inner = b.inner(r);
        let lines = self.lines(app, inner.width);
        let b = with_position(app, b, self.scroll, inner.height, lines.len());
        f.render_widget(b, r);
        scrolled_ref(f, &lines, inner, self.scroll);
    }
}
