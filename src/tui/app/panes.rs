//! The keys of the three panes (list, detail, compare): moving and
//! scrolling, the step cursor and marks, digits that jump to a code, pins,
//! related codes, and the popups opened from there.

use super::{App, Effect, JUMP_PAUSE_MS, Subject};
use crate::sanitize;
use crate::store::StepState;
use crate::tui::keymap::Action;
use crate::tui::layout::{self, Focus};
use crate::tui::popups::{self, Overlay};
use crossterm::event::{KeyCode, KeyEvent};

impl App {
    pub(super) fn browse_action(&mut self, a: Action, ev: &KeyEvent, now: u64) -> Vec<Effect> {
        match a {
            Action::FocusSearch => self.start_search(),
            Action::Open => return self.open_selected(),
            Action::Digit => {
                if let KeyCode::Char(c) = ev.code {
                    self.jump_digit(c, now);
                }
            }
            Action::Leave if self.focus == Focus::List => {
                if self.trace.is_some() || self.loading.is_some() {
                    self.focus = Focus::Calls;
                } else {
                    self.info("no trace loaded: o opens a capture or log");
                }
            }
            Action::Leave => {
                self.focus = Focus::List;
                if self.pinned.is_none() {
                    self.show_compare = false;
                }
            }
            Action::OpenTrace => self.open_prompt(),
            Action::Up | Action::Down | Action::Top | Action::Bottom => match self.focus {
                Focus::List | Focus::Calls => self.move_list(a),
                Focus::Detail => self.scroll_detail(a),
                Focus::Compare => self.scroll_compare(a),
            },
            Action::PageUp | Action::PageDown => match self.focus {
                Focus::Compare => self.scroll_compare(a),
                _ => self.scroll_detail(a),
            },
            Action::NextPane | Action::PrevPane => {
                // With a trace, its calls come before the list.
                let with_calls = self.trace.is_some() || self.loading.is_some();
                let order: &[Focus] = if with_calls {
                    &[Focus::Calls, Focus::List, Focus::Detail, Focus::Compare]
                } else {
                    &[Focus::List, Focus::Detail, Focus::Compare]
                };
                let len = order.len();
                let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
                let n = if a == Action::NextPane {
                    (i + 1) % len
                } else {
                    (i + len - 1) % len
                };
                self.focus = order[n];
                match self.focus {
                    Focus::Compare => self.show_compare = true,
                    Focus::Detail => self.show_compare = false,
                    Focus::List | Focus::Calls => {}
                }
            }
            Action::NextStep | Action::PrevStep => {
                if let Some(code) = self.code_or_say("a checklist") {
                    self.focus_detail();
                    self.move_step(code, if a == Action::NextStep { 1 } else { -1 });
                }
            }
            Action::ToggleStep => {
                if let Some((code, i)) = self.highlighted_step("Space marks it done") {
                    let new = if self.step_state(code, i) == StepState::Todo {
                        StepState::Done
                    } else {
                        StepState::Todo
                    };
                    return self.set_step(code, i, new, now);
                }
            }
            Action::MarkDone | Action::MarkSkipped | Action::MarkFailed => {
                let st = match a {
                    Action::MarkDone => StepState::Done,
                    Action::MarkSkipped => StepState::Skipped,
                    _ => StepState::Failed,
                };
                if let Some((code, i)) = self.highlighted_step("press the key again to mark it") {
                    let fx = self.set_step(code, i, st, now);
                    if i + 1 < self.steps_len(code) {
                        self.step_cursor = Some(i + 1);
                        self.scroll_to_step();
                    } else {
                        let (done, total) = self.progress(code);
                        self.info(format!("last step of {code}: {done}/{total} handled"));
                    }
                    return fx;
                }
            }
            Action::MarkTodo => {
                if let Some((code, i)) = self.highlighted_step("u marks it to do again") {
                    return self.set_step(code, i, StepState::Todo, now);
                }
            }
            Action::ResetProgress => {
                if let Some(code) = self.code_or_say("progress") {
                    if self.confirm_reset {
                        self.confirm_reset = false;
                        return self.reset_steps(code, now);
                    }
                    self.confirm_reset = true;
                    self.info(format!(
                        "press R again to reset all progress of {code}; any other key keeps it"
                    ));
                }
            }
            Action::StartWalk => {
                if let Some(code) = self.code_or_say("a checklist") {
                    self.start_walk(code);
                }
            }
            Action::DropConflicts => {
                if let Some(code) = self.code_or_say("a note") {
                    return self.drop_conflicts(code);
                }
            }
            Action::ShowCommands => {
                if let Some((code, i)) = self.highlighted_step("y shows its commands")
                    && let Some(o) = self.commands_popup(code, i)
                {
                    self.overlays.push(o);
                }
            }
            Action::EditNote => {
                if let Some(code) = self.code_or_say("a note") {
                    self.open_note(code);
                }
            }
            Action::Pin => {
                if let Some(c) = self.code_or_say("a pin") {
                    self.pinned = Some(c);
                    self.show_compare = true;
                    if self.focus == Focus::Detail {
                        self.focus = Focus::Compare;
                    }
                    self.info(format!(
                        "pinned {c}: every code you open now is compared with it (C unpins)"
                    ));
                }
            }
            Action::Unpin => match self.pinned.take() {
                Some(p) => {
                    self.show_compare = false;
                    if self.focus == Focus::Compare {
                        self.focus = Focus::Detail;
                    }
                    self.info(format!("{p} unpinned"));
                }
                None => self.info("nothing is pinned: c pins the selected code"),
            },
            Action::Swap => match (self.pinned, self.current()) {
                (None, _) => self.info("nothing is pinned: c pins the selected code, x then swaps"),
                (Some(p), Some(c)) if p != c => {
                    self.pinned = Some(c);
                    self.select_code(p);
                    self.info(format!("swapped: {p} selected, {c} pinned"));
                }
                (Some(p), _) => self.info(format!(
                    "{p} is pinned and selected: open another code first"
                )),
            },
            Action::Related => {
                if let Some(code) = self.code_or_say("related codes") {
                    let rel = self
                        .kb
                        .lookup(code)
                        .map(|l| l.entry.related.to_vec())
                        .unwrap_or_default();
                    if rel.is_empty() {
                        self.info(format!("{code} lists no related codes"));
                    } else {
                        self.overlays
                            .push(Overlay::Related(popups::related::Related::new(code, rel)));
                    }
                }
            }
            Action::Back => match self.back.pop() {
                Some(c) => {
                    self.select_code(c);
                    self.back.pop();
                }
                None => self.info("no earlier code to go back to"),
            },
            Action::OpenPaste => {
                let p = self.parked_paste.take().unwrap_or_default();
                self.overlays.push(Overlay::Paste(p));
                self.searching = false;
            }
            Action::ShowMessage => {
                if self.message.is_some() {
                    self.overlays
                        .push(Overlay::Message(popups::message::MessageView::new()));
                } else {
                    self.info("no message decoded yet: paste one, or press p");
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The selected code, or say why `what` needs one (a cause is selected).
    pub(super) fn code_or_say(&mut self, what: &str) -> Option<u16> {
        match self.subject() {
            Some(Subject::Code(c)) => Some(c),
            Some(Subject::Cause(c)) => {
                self.info(format!(
                    "Q.850 cause {c} has no {what}: Enter opens the SIP code it maps to"
                ));
                None
            }
            None => {
                self.info(format!("no code selected for {what}: the list is empty"));
                None
            }
        }
    }

    /// Enter on the list (or the search line): open the selected code (its
    /// comparison while a code is pinned); on a cause, its first SIP code.
    pub(super) fn open_selected(&mut self) -> Vec<Effect> {
        match self.subject() {
            Some(Subject::Cause(c)) => {
                let first = self
                    .kb
                    .cause(c)
                    .and_then(|cause| self.kb.sip_for_cause(cause).0.first().copied());
                match first {
                    Some(code) => {
                        self.select_code(code);
                        self.open_right();
                        self.info(format!("Q.850 cause {c} maps to SIP {code} (RFC 3398)"));
                    }
                    None => self.info(format!(
                        "Q.850 cause {c} maps to no SIP response (RFC 3398 §7.2.4.1)"
                    )),
                }
            }
            Some(Subject::Code(_)) => self.open_right(),
            None => self.info("no result to open: edit the query"),
        }
        Vec::new()
    }

    /// Open the selected code on the right: its comparison while a code
    /// is pinned (below 100 columns the compare tab stays), else its detail.
    pub(super) fn open_right(&mut self) {
        if self.pinned.is_some() && self.size.width < layout::WIDE {
            self.focus = Focus::Compare;
            self.show_compare = true;
        } else {
            self.focus_detail();
        }
    }

    /// Focus the detail pane.
    pub(super) fn focus_detail(&mut self) {
        self.focus = Focus::Detail;
        self.show_compare = false;
    }

    pub(super) fn move_sel(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let new = (self.selected as isize)
            .saturating_add(delta)
            .clamp(0, last as isize) as usize;
        if new != self.selected {
            self.selected = new;
            self.on_selection_changed();
        }
    }

    pub(super) fn move_list(&mut self, a: Action) {
        match a {
            Action::Up => self.move_sel(-1),
            Action::Down => self.move_sel(1),
            Action::Top => self.move_sel(isize::MIN / 2),
            _ => self.move_sel(isize::MAX / 2),
        }
    }

    /// Digits typed in the panes: jump to the first code that starts with
    /// them; three digits name a code.
    pub(super) fn jump_digit(&mut self, c: char, now: u64) {
        let mut digits = match self.jump.take() {
            Some((d, at)) if now.saturating_sub(at) < JUMP_PAUSE_MS && d.len() < 3 => d,
            _ => String::new(),
        };
        if digits.is_empty()
            && let Some(cur) = self.current()
        {
            self.back.push(cur);
        }
        digits.push(c);
        let target = self
            .kb
            .codes()
            .map(|e| e.code)
            .find(|code| code.to_string().starts_with(&digits));
        match target {
            Some(code) => {
                if self.current() != Some(code) {
                    self.select_quietly(code);
                }
                if digits.len() < 3 {
                    if digits == "1" && self.trace.is_some() && self.focus == Focus::List {
                        // `2` came here from the calls; `1` is a code here.
                        self.info(
                            "1: the start of a code (100, 180...); Esc or Shift-Tab goes back \
                             to the calls",
                        );
                    }
                    self.jump = Some((digits, now));
                } else if code.to_string() != digits {
                    self.info(format!("no entry for {digits}: nearest is {code}"));
                }
            }
            None => match digits.parse::<u16>().ok().filter(|_| digits.len() == 3) {
                // A code without an entry that has a note of yours is
                // listed as itself, its class's entry as its detail.
                Some(n)
                    if self.kb.lookup(n).is_ok()
                        && self.store.as_ref().is_some_and(|s| !s.note(n).is_empty()) =>
                {
                    let l = self.kb.lookup(n).map(|l| l.entry.code).unwrap_or(n);
                    self.select_quietly(n);
                    self.info(format!(
                        "{n} is not a registered code: shown as {l}, as a client treats it \
                         (RFC 3261 §8.1.3.2), with your note on {n}"
                    ));
                }
                Some(n) if self.kb.lookup(n).is_ok() => {
                    let l = self.kb.lookup(n).map(|l| l.entry.code).unwrap_or(n);
                    self.select_quietly(l);
                    self.info(format!(
                        "{n} is not a registered code: shown as {l}, as a client treats it \
                         (RFC 3261 §8.1.3.2)"
                    ));
                }
                // `59` of `599`: no entry starts so, but a code may (its
                // class's entry stands for it): wait for the third digit.
                _ if digits.len() < 3 && matches!(digits.as_bytes()[0], b'1'..=b'6') => {
                    self.jump = Some((digits, now));
                }
                _ => self.info(format!("no SIP code starts with {digits}")),
            },
        }
    }

    pub(super) fn scroll_detail(&mut self, a: Action) {
        let area = self.detail_area();
        let Some(w) = self.detail_wrapped(area.width) else {
            return;
        };
        let h = area.height.max(1) as usize;
        let bottom = w.lines.len().saturating_sub(h);
        popups::scroll(
            &mut self.detail_scroll,
            a,
            h.saturating_sub(2).max(1),
            bottom,
        );
    }

    pub(super) fn scroll_compare(&mut self, a: Action) {
        let area = self.compare_area();
        let h = area.height.max(1) as usize;
        let bottom = self.compare_lines(area.width).len().saturating_sub(h);
        popups::scroll(
            &mut self.compare_scroll,
            a,
            h.saturating_sub(2).max(1),
            bottom,
        );
    }

    /// Keep the scroll positions within the text (after a resize).
    pub(super) fn clamp_scrolls(&mut self) {
        if layout::too_small(self.size) {
            return;
        }
        self.scroll_detail(Action::Null);
        if self.pinned.is_some() {
            self.scroll_compare(Action::Null);
        }
    }

    /// The first and one-past-last line of each step in the detail text.
    pub(super) fn step_spans(&self, code: u16) -> (Vec<(usize, usize)>, usize) {
        let area = self.detail_area();
        let w = self.detail_lines(code, area.width, self.step_cursor);
        let ends = w.step_starts.iter().skip(1).copied().chain(std::iter::once(
            // The last step ends at the next blank line (a heading).
            w.step_starts.last().map_or(0, |&s| {
                (s..w.lines.len())
                    .find(|&i| i > s && w.lines[i].width() == 0)
                    .unwrap_or(w.lines.len())
            }),
        ));
        (
            w.step_starts.iter().copied().zip(ends).collect(),
            area.height.max(1) as usize,
        )
    }

    /// Move the step cursor by `d`; the first move picks the first step on
    /// screen (or the first step, above them).
    pub(super) fn move_step(&mut self, code: u16, d: isize) {
        let n = self.steps_len(code);
        if n == 0 {
            self.info(format!("{code} has no checklist"));
            return;
        }
        self.step_cursor = Some(match self.step_cursor {
            Some(i) => (i as isize + d).clamp(0, n as isize - 1) as usize,
            None => self.first_step_on_screen(code),
        });
        self.scroll_to_step();
    }

    pub(super) fn first_step_on_screen(&self, code: u16) -> usize {
        let (spans, _) = self.step_spans(code);
        spans
            .iter()
            .position(|&(_, end)| end > self.detail_scroll)
            .unwrap_or(spans.len().saturating_sub(1))
    }

    /// Scroll the detail so the highlighted step is on screen (its start
    /// first when it is taller than the pane).
    pub(crate) fn scroll_to_step(&mut self) {
        let (Some(code), Some(i)) = (self.current(), self.step_cursor) else {
            return;
        };
        let (spans, h) = self.step_spans(code);
        let Some(&(start, end)) = spans.get(i) else {
            return;
        };
        if start < self.detail_scroll || end - start > h {
            self.detail_scroll = start;
        } else if end > self.detail_scroll + h {
            self.detail_scroll = end - h;
        }
    }

    /// The highlighted step of the selected code. With none highlighted,
    /// highlight the first one on screen and say that `again` (nothing
    /// changes unseen).
    pub(super) fn highlighted_step(&mut self, again: &str) -> Option<(u16, usize)> {
        let code = self.code_or_say("a checklist")?;
        if self.focus != Focus::Detail {
            self.info("steps are marked in the detail pane: Tab there, ] highlights a step");
            return None;
        }
        match self.step_cursor {
            Some(i) if i < self.steps_len(code) => Some((code, i)),
            _ => {
                self.move_step(code, 0);
                if let Some(i) = self.step_cursor {
                    self.info(format!("step {} highlighted: {again}", i + 1));
                }
                None
            }
        }
    }

    pub(crate) fn start_walk(&mut self, code: u16) {
        if let Some(w) = self.walk_popup(code) {
            self.searching = false;
            self.overlays.push(w);
        }
    }

    /// The walk-through of `code`, from the highlighted step in the detail
    /// pane, else the first one not handled yet; or say it has no
    /// checklist.
    pub(crate) fn walk_popup(&mut self, code: u16) -> Option<Overlay> {
        let n = self.steps_len(code);
        if n == 0 {
            self.info(format!("{code} has no checklist to walk through"));
            return None;
        }
        let first_open = (0..n)
            .find(|i| !self.step_state(code, *i).is_handled())
            .unwrap_or(0);
        let step = match self.step_cursor {
            Some(i) if self.focus == Focus::Detail && i < n => i,
            _ => first_open,
        };
        Some(Overlay::Walk(popups::walk::Walk::new(code, step)))
    }

    /// The open prompt, with the path last typed (or the directory of the
    /// trace shown).
    pub(crate) fn open_prompt(&mut self) {
        let p = self.parked_open.take().unwrap_or_else(|| {
            let dir = match self.trace.as_ref().map(|t| &t.data.source) {
                Some(crate::tui::loader::TraceSource::Files(v)) => v
                    .first()
                    .and_then(|p| p.parent())
                    .map(|d| d.display().to_string())
                    .filter(|d| !d.is_empty())
                    .map(|d| format!("{d}/"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            popups::open::OpenPrompt::new(dir)
        });
        self.searching = false;
        self.overlays.push(Overlay::Open(p));
    }

    /// `~` expanded from the home directory the run loop gave.
    pub(crate) fn expand_home(&self, path: &str) -> String {
        popups::open::expand(self.home.as_deref(), path)
    }

    /// Read the trace at `path` (as typed in the open prompt).
    pub(crate) fn open_path(&mut self, path: &str) -> Vec<Effect> {
        let p = std::path::PathBuf::from(self.expand_home(path));
        self.load(
            crate::tui::loader::TraceSource::Files(vec![p]),
            crate::trace::Format::Auto,
        )
    }

    /// The commands popup of a step, or say that it has none.
    pub(crate) fn commands_popup(&mut self, code: u16, step: usize) -> Option<Overlay> {
        let has = self
            .kb
            .lookup(code)
            .ok()
            .and_then(|l| l.entry.steps.get(step).map(|s| !s.commands.is_empty()))
            .unwrap_or(false);
        if has {
            Some(Overlay::Commands(popups::commands::Commands::new(
                code, step,
            )))
        } else {
            self.info(format!("step {} of {code} gives no commands", step + 1));
            None
        }
    }

    /// `D`: drop the versions of `code`'s note kept after a concurrent
    /// edit, on the second press (the first says what it will do).
    fn drop_conflicts(&mut self, code: u16) -> Vec<Effect> {
        let n = self.note_conflicts(code);
        if n == 0 {
            self.confirm_drop = false;
            self.info(format!("no earlier version of the note of {code} is kept"));
            return Vec::new();
        }
        if !self.confirm_drop {
            self.confirm_drop = true;
            self.info(format!(
                "press D again to drop the {n} version(s) of the note of {code} kept after a \
                 concurrent edit; any other key keeps them"
            ));
            return Vec::new();
        }
        self.confirm_drop = false;
        let dropped = self.store.as_mut().map_or(0, |s| s.drop_conflicts(code));
        self.info(format!(
            "dropped {dropped} kept version(s) of the note of {code}"
        ));
        vec![Effect::Save]
    }

    pub(super) fn open_note(&mut self, code: u16) {
        let o = self.note_editor(code);
        self.overlays.push(o);
        self.searching = false;
    }

    /// The note editor of a code, for a popup to open on top of itself (a
    /// decoded message, a call view: Esc comes back to it).
    pub(crate) fn note_editor(&mut self, code: u16) -> Overlay {
        // The run loop looks at the file about once a second: another
        // session may have saved this note since. The editor starts from
        // the file's latest text (a `stat` when nothing changed), else
        // typing would make the older text the newest and keep the other
        // session's fresh one as a conflict, though the edits never met.
        self.reread_store();
        let text = self
            .store
            .as_ref()
            .map(|s| s.note(code).to_string())
            .unwrap_or_default();
        let mut ed = match self.parked_note.take() {
            // The same note as it was left: keep its undo history (and its
            // edit run: what it writes continues what it wrote).
            Some(p) if p.code == code && p.text() == text => p,
            _ => popups::note::NoteEditor::new(code, &text),
        };
        if let Some(s) = self.store.as_mut() {
            ed.watch(s);
        }
        match self.store.as_ref().map(|s| s.disabled_reason()) {
            None => self.info("notes are disabled: what you type cannot be kept"),
            Some(Some(reason)) => {
                let text = format!(
                    "notes are disabled ({}): {}",
                    sanitize::inline(reason),
                    crate::tui::DISABLED_KEPT
                );
                self.info(text);
            }
            Some(None) => {}
        }
        Overlay::Note(ed)
    }
}
