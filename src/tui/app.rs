//! The TUI's state and its update function. `App::handle` takes one input
//! message and the current time and returns the side effects to run (save,
//! quit); it does no I/O itself, so key sequences are unit-tested directly.
//!
//! A key goes: key map (in the context of the top popup, the search line
//! or the focused pane) -> [`Action`] -> the top popup's `handle` (see
//! [`super::popups`]), the search line ([`App::search_action`]) or the
//! panes ([`App::browse_action`]). A key with no binding where it lands
//! says so on the status line, and where it would work.

use super::keymap::{self, Action, Ctx};
use super::layout::{self, Focus, Want};
use super::lines;
use super::popups::{self, Overlay, Reply};
use super::theme::Theme;
use crate::compare;
use crate::doc;
use crate::kb::Kb;
use crate::sanitize;
use crate::search::{CauseHit, Hit, Searcher};
use crate::store::{StepState, Store};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::Line;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// One input to the app.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Bracketed paste.
    Paste(String),
    /// A bracketed paste too large to keep: its size in bytes.
    PasteTooLarge(usize),
    /// The terminal size changed (also sent once at start).
    Resize(u16, u16),
    /// Time passes (debounced saves).
    Tick,
}

/// A side effect for the run loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Write the store to disk now.
    Save,
    /// Save, restore the terminal and exit.
    Quit,
}

/// A line in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    /// Kept until the condition clears (e.g. a failing save), not by the next key.
    pub sticky: bool,
}

/// One row of the result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A Q.850 cause: index into [`App::causes`].
    Cause(usize),
    /// A SIP code: index into [`App::hits`].
    Code(usize),
}

/// What the detail pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Code(u16),
    Cause(u8),
}

/// Typing stops this long before a note is saved (ms).
pub const NOTE_DEBOUNCE_MS: u64 = 1000;

/// While typing goes on without such a pause, the note is saved at least
/// this often (ms): a crash loses at most this much typing.
pub const NOTE_MAX_WAIT_MS: u64 = 2000;

/// Digits typed in the panes jump to a code; a pause this long (ms) starts
/// a new number.
pub const JUMP_PAUSE_MS: u64 = 1500;

/// Everything on screen.
pub struct App {
    pub kb: &'static Kb,
    pub theme: Theme,
    searcher: Searcher,
    pub query: String,
    /// Queries of this session, oldest first (the search line's Up/Down).
    history: Vec<String>,
    /// While browsing the history: the entry shown.
    history_at: Option<usize>,
    /// What was typed before Up was first pressed.
    typed: String,
    /// Codes that match the query, best first.
    pub hits: Vec<Hit>,
    /// Q.850 causes that match the query, best first.
    pub causes: Vec<CauseHit>,
    /// The result list: leading causes, codes, other causes.
    pub rows: Vec<Row>,
    /// Index into `rows`.
    pub selected: usize,
    pub focus: Focus,
    /// True while typing in the search line.
    pub searching: bool,
    /// Popups, bottom to top; the top one gets the keys.
    pub overlays: Vec<Overlay>,
    pub detail_scroll: usize,
    pub compare_scroll: usize,
    /// Highlighted checklist step in the detail pane (none until `]`,
    /// Space or a step key picks one).
    pub step_cursor: Option<usize>,
    pub pinned: Option<u16>,
    /// Below 100 columns: show compare instead of detail on the right.
    pub show_compare: bool,
    pub store: Option<Store>,
    pub status: Option<Status>,
    pub size: Rect,
    /// Codes visited before, for `b`.
    back: Vec<u16>,
    /// Digits typed in the panes, and when the last one came.
    jump: Option<(String, u64)>,
    /// `R` was pressed once in the detail pane.
    confirm_reset: bool,
    /// The note editor last closed (its undo history lives on).
    pub(crate) parked_note: Option<popups::note::NoteEditor>,
    /// The paste box last closed (its text is kept for next time).
    pub(crate) parked_paste: Option<popups::paste::PasteBox>,
    /// The last save failed (its error is on the status line).
    save_failed: bool,
    /// The last decoded message (text shown in the message view).
    pub message: Option<Decoded>,
    /// The wrapped detail text of the last frame: building and wrapping it
    /// costs more than the rest of a frame, and most keys do not change it.
    detail_memo: RefCell<Option<(DetailKey, Rc<lines::Wrapped>)>>,
}

/// Everything the wrapped detail text depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DetailKey {
    subject: Subject,
    width: u16,
    cursor: Option<usize>,
    marks: Vec<&'static str>,
    note: u64,
    conflicts: usize,
    message: Option<(Option<u16>, usize, usize)>,
}

/// A decoded SIP message as the TUI keeps it.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The status code, when the message is a response with a valid one.
    pub code: Option<u16>,
    /// The rendered explanation (sanitised text), shown a screen at a time.
    pub text: lines::LongText,
    /// The code's checklist with this message's header values and findings.
    pub checklist: Vec<crate::message::StepFinding>,
    /// How many problems the decoder found.
    pub problems: usize,
}

impl App {
    /// A new app over `kb` with an optional notes store (None: notes are
    /// disabled and the reason is in `store_problem`).
    pub fn new(
        kb: &'static Kb,
        store: Option<Store>,
        store_problem: Option<String>,
        theme: Theme,
    ) -> App {
        let mut app = App {
            kb,
            theme,
            searcher: Searcher::new(),
            query: String::new(),
            history: Vec::new(),
            history_at: None,
            typed: String::new(),
            hits: Vec::new(),
            causes: Vec::new(),
            rows: Vec::new(),
            selected: 0,
            focus: Focus::List,
            searching: false,
            overlays: Vec::new(),
            detail_scroll: 0,
            compare_scroll: 0,
            step_cursor: None,
            pinned: None,
            show_compare: false,
            store,
            status: None,
            size: Rect::new(0, 0, 80, 24),
            back: Vec::new(),
            jump: None,
            confirm_reset: false,
            parked_note: None,
            parked_paste: None,
            save_failed: false,
            message: None,
            detail_memo: RefCell::new(None),
        };
        if let Some(w) = app.store.as_ref().and_then(|s| s.warning()) {
            app.status = Some(Status {
                text: w.to_string(),
                error: true,
                sticky: true,
            });
        }
        if let Some(p) = store_problem {
            app.status = Some(Status {
                text: p,
                error: true,
                sticky: true,
            });
        }
        app.refilter();
        app
    }

    // ----- what is on screen ---------------------------------------------

    /// The code whose detail is on screen (none when a cause is selected).
    pub fn current(&self) -> Option<u16> {
        match self.subject()? {
            Subject::Code(c) => Some(c),
            Subject::Cause(_) => None,
        }
    }

    /// What the selected row is.
    pub fn subject(&self) -> Option<Subject> {
        match *self.rows.get(self.selected)? {
            Row::Code(i) => Some(Subject::Code(self.hits[i].code)),
            Row::Cause(i) => Some(Subject::Cause(self.causes[i].cause)),
        }
    }

    /// The top popup.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    /// The text of the open note editor.
    pub fn note_text(&self) -> Option<String> {
        self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Note(n) => Some(n.text()),
            _ => None,
        })
    }

    /// The text of the paste box, open or closed.
    pub fn paste_text(&self) -> Option<String> {
        self.overlays
            .iter()
            .rev()
            .find_map(|o| match o {
                Overlay::Paste(p) => Some(p.text()),
                _ => None,
            })
            .or_else(|| self.parked_paste.as_ref().map(|p| p.text()))
    }

    /// The input context for the key map.
    pub fn ctx(&self) -> Ctx {
        if let Some(o) = self.overlays.last() {
            return o.ctx();
        }
        if self.searching {
            return Ctx::Search;
        }
        match self.focus {
            Focus::List => Ctx::List,
            Focus::Detail => Ctx::Detail,
            Focus::Compare => Ctx::Compare,
        }
    }

    /// The digits typed so far to jump to a code.
    pub fn jump_digits(&self) -> Option<&str> {
        self.jump.as_ref().map(|(d, _)| d.as_str())
    }

    /// While browsing the search history: (entry, of how many), 1-based.
    pub fn history_pos(&self) -> Option<(usize, usize)> {
        self.history_at.map(|i| (i + 1, self.history.len()))
    }

    /// The panes of the current terminal size.
    pub fn panes(&self) -> layout::Panes {
        self.panes_for(self.size)
    }

    /// The panes in `area` for the current state.
    pub fn panes_for(&self, area: Rect) -> layout::Panes {
        let status_rows = match &self.status {
            Some(s) if area.width > 0 => {
                let w = unicode_width::UnicodeWidthStr::width(s.text.as_str());
                (w.div_ceil(area.width as usize)).clamp(1, 3) as u16
            }
            _ => 1,
        };
        layout::panes(
            area,
            Want {
                compare: self.show_compare,
                list: self.focus == Focus::List || self.searching,
                status_rows,
            },
        )
    }

    /// The inside of the detail pane, or where it would be when another
    /// pane is shown in its place (for scrolling it from the list).
    fn detail_area(&self) -> Rect {
        self.right_area(false)
    }

    /// The inside of the compare pane, or where it would be.
    fn compare_area(&self) -> Rect {
        self.right_area(true)
    }

    fn right_area(&self, compare: bool) -> Rect {
        let p = layout::panes(
            self.size,
            Want {
                compare,
                list: false,
                status_rows: 1,
            },
        );
        let pane = if compare { p.compare } else { p.detail };
        pane.map(layout::inner).unwrap_or_default()
    }

    /// The user's notes, for search.
    pub fn notes_map(&self) -> BTreeMap<u16, String> {
        let mut m = BTreeMap::new();
        if let Some(s) = &self.store {
            for c in s.codes_with_data() {
                let n = s.note(c);
                if !n.is_empty() {
                    m.insert(c, n.to_string());
                }
            }
        }
        m
    }

    /// Search again after the query changed: the best result is selected
    /// (with an empty query, the code that was).
    fn refilter(&mut self) {
        self.refilter_keeping(false);
    }

    /// Search again; with `keep`, the selected row stays selected if it is
    /// still listed (the notes changed, not the query).
    fn refilter_keeping(&mut self, keep_selection: bool) {
        let keep = self.subject();
        let r = self
            .searcher
            .search_all(self.kb, &self.notes_map(), &self.query);
        self.hits = r.codes;
        self.causes = r.causes;
        let lead = self
            .causes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.lead)
            .map(|(i, _)| Row::Cause(i));
        let codes = (0..self.hits.len()).map(Row::Code);
        let after = self
            .causes
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.lead)
            .map(|(i, _)| Row::Cause(i));
        self.rows = lead.chain(codes).chain(after).collect();
        let was = self.selected;
        self.selected = if self.query.trim().is_empty() || keep_selection {
            keep.and_then(|s| self.row_of(s)).unwrap_or(0)
        } else {
            0
        };
        if self.subject() != keep || was != self.selected {
            self.on_selection_changed();
        }
    }

    fn row_of(&self, s: Subject) -> Option<usize> {
        self.rows.iter().position(|r| match (*r, s) {
            (Row::Code(i), Subject::Code(c)) => self.hits[i].code == c,
            (Row::Cause(i), Subject::Cause(c)) => self.causes[i].cause == c,
            _ => false,
        })
    }

    fn on_selection_changed(&mut self) {
        self.detail_scroll = 0;
        self.compare_scroll = 0;
        self.step_cursor = None;
        self.confirm_reset = false;
    }

    /// Select `code`, clearing the query if it filters the code out; `b`
    /// comes back to the code selected before.
    pub fn select_code(&mut self, code: u16) {
        if let Some(cur) = self.current()
            && cur != code
        {
            self.back.push(cur);
        }
        self.select_quietly(code);
    }

    /// Select `code` without remembering the one before.
    fn select_quietly(&mut self, code: u16) {
        if self.row_of(Subject::Code(code)).is_none() {
            self.query.clear();
            self.refilter();
        }
        if let Some(i) = self.row_of(Subject::Code(code)) {
            self.selected = i;
        }
        self.on_selection_changed();
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        if self.status.as_ref().is_some_and(|s| s.sticky) {
            return;
        }
        self.status = Some(Status {
            text: text.into(),
            error: false,
            sticky: false,
        });
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
            sticky: false,
        });
    }

    pub fn steps_len(&self, code: u16) -> usize {
        self.kb
            .lookup(code)
            .map(|l| l.entry.steps.len())
            .unwrap_or(0)
    }

    pub fn step_state(&self, code: u16, idx: usize) -> StepState {
        self.store
            .as_ref()
            .map(|s| s.step_state(code, idx))
            .unwrap_or_default()
    }

    pub(crate) fn set_step(
        &mut self,
        code: u16,
        idx: usize,
        st: StepState,
        now: u64,
    ) -> Vec<Effect> {
        match self.store.as_mut() {
            Some(s) => {
                s.set_step(code, idx, st, now);
                vec![Effect::Save]
            }
            None => {
                self.info("notes are disabled: progress cannot be kept (see the message at start)");
                Vec::new()
            }
        }
    }

    /// Reset all progress of `code`.
    pub(crate) fn reset_steps(&mut self, code: u16, now: u64) -> Vec<Effect> {
        let fx = match self.store.as_mut() {
            Some(s) => {
                s.reset_steps(code, now);
                vec![Effect::Save]
            }
            None => Vec::new(),
        };
        self.info(format!("progress of {code} reset"));
        fx
    }

    /// The checklist marks of a code, one per step.
    pub fn marks(&self, code: u16) -> Vec<&'static str> {
        (0..self.steps_len(code))
            .map(|i| self.step_state(code, i).mark())
            .collect()
    }

    pub fn progress(&self, code: u16) -> (usize, usize) {
        let total = self.steps_len(code);
        match &self.store {
            Some(s) => s.progress(code, total),
            None => (0, total),
        }
    }

    /// The detail pane's text at `width` (with the step cursor), or None
    /// when nothing is selected. Rebuilt only when something it shows has
    /// changed.
    pub fn detail_wrapped(&self, width: u16) -> Option<Rc<lines::Wrapped>> {
        match self.subject()? {
            Subject::Code(c) => Some(self.detail_lines(c, width, self.step_cursor)),
            Subject::Cause(c) => {
                let cause = self.kb.cause(c)?;
                let mut d = doc::q850_cause(self.kb, cause);
                let (sip, _) = self.kb.sip_for_cause(cause);
                if let Some(first) = sip.first() {
                    d.insert(
                        1,
                        doc::Block::Field("Enter".into(), format!("opens SIP {first}")),
                    );
                }
                Some(Rc::new(lines::doc_lines(&d, width, self.theme, None)))
            }
        }
    }

    /// The detail of `code` wrapped at `width`, with step `cursor`
    /// highlighted; rebuilt only when something it shows has changed.
    pub fn detail_lines(&self, code: u16, width: u16, cursor: Option<usize>) -> Rc<lines::Wrapped> {
        let note = self.store.as_ref().map(|s| s.note(code)).unwrap_or("");
        let mut h = std::collections::hash_map::DefaultHasher::new();
        note.hash(&mut h);
        let key = DetailKey {
            subject: Subject::Code(code),
            width,
            cursor,
            marks: self.marks(code),
            note: h.finish(),
            conflicts: self.store.as_ref().map_or(0, |s| s.conflicts(code).len()),
            message: self
                .message
                .as_ref()
                .map(|m| (m.code, m.text.text().len(), m.problems)),
        };
        if let Some((k, w)) = self.detail_memo.borrow().as_ref()
            && *k == key
        {
            return Rc::clone(w);
        }
        let w = Rc::new(lines::doc_lines(
            &self.detail_doc(code),
            width,
            self.theme,
            cursor,
        ));
        *self.detail_memo.borrow_mut() = Some((key, Rc::clone(&w)));
        w
    }

    /// Detail document of a code, with progress marks, a one-line preview
    /// of the note near the top (the whole note at the end), what a pasted
    /// message says for each step, and a long deprecation note folded to
    /// one line (in full below "What it means").
    pub fn detail_doc(&self, code: u16) -> doc::Doc {
        let Ok(l) = self.kb.lookup(code) else {
            return Vec::new();
        };
        let marks = self.marks(code);
        let mut d = doc::show(self.kb, &l, Some(&marks));
        fold_deprecation(&mut d);
        if let Some(b) = doc::local_origin(code) {
            d.insert(1, b);
        }
        if let Some(m) = self.message.as_ref().filter(|m| m.code == Some(code)) {
            let mut items = Vec::new();
            for (i, f) in m.checklist.iter().enumerate() {
                let found = super::decode::step_findings(self.kb, m, i);
                if !found.is_empty() {
                    items.push(format!(
                        "Step {} ({}): {}",
                        i + 1,
                        f.title,
                        found.join("; ")
                    ));
                }
            }
            // Right under the summary: what the user pasted comes first.
            let at = d
                .iter()
                .position(|b| matches!(b, doc::Block::Field(k, _) if k == "Summary"))
                .map_or(d.len(), |i| i + 1);
            let mut block = vec![doc::Block::Heading(
                "In the pasted message (m shows it all)".into(),
            )];
            if m.problems > 0 {
                block.push(doc::Block::Warning(format!(
                    "{} problem(s) found in the message: press m to see them",
                    m.problems
                )));
            }
            if items.is_empty() {
                items.push("none of the headers the checklist inspects is in the message".into());
            }
            block.push(doc::Block::Bullets(items));
            d.splice(at..at, block);
        }
        let (done, total) = self.progress(code);
        let mut top = vec![doc::Block::Field(
            "Progress".into(),
            format!("{done}/{total} steps handled"),
        )];
        let note = self.store.as_ref().map(|s| s.note(code)).unwrap_or("");
        if !note.is_empty() {
            top.push(doc::Block::Field(
                "Your note".into(),
                note_preview(note, self.note_conflicts(code)),
            ));
        }
        d.splice(1..1, top);
        if !note.is_empty() {
            d.push(doc::Block::Heading("Your note".into()));
            d.push(doc::Block::Para(sanitize::text(note)));
        }
        if let Some(s) = &self.store {
            let conflicts = s.conflicts(code);
            if !conflicts.is_empty() {
                d.push(doc::Block::Warning(format!(
                    "{} earlier version(s) of this note were kept after a concurrent edit:",
                    conflicts.len()
                )));
                for c in conflicts {
                    d.push(doc::Block::Para(sanitize::text(&c.text)));
                }
            }
        }
        d
    }

    fn note_conflicts(&self, code: u16) -> usize {
        self.store.as_ref().map_or(0, |s| s.conflicts(code).len())
    }

    /// The compare document when a code is pinned and another selected.
    pub fn compare_doc(&self) -> Option<doc::Doc> {
        let (p, c) = (self.pinned?, self.current()?);
        let a = self.kb.lookup(p).ok()?;
        let b = self.kb.lookup(c).ok()?;
        compare::compare(self.kb, a, b)
            .ok()
            .map(|c| doc::compare(&c))
    }

    /// The compare pane's text at `width`.
    pub fn compare_lines(&self, width: u16) -> Vec<Line<'static>> {
        let hint = match (self.pinned, self.current()) {
            (None, _) => Some(
                "No code pinned. Select a code and press c to pin it; then every code you \
                 open is compared with it."
                    .to_string(),
            ),
            (Some(p), Some(c)) if p == c => Some(format!(
                "{p} is pinned. Select another code to compare it with {p}; x swaps, C unpins."
            )),
            (Some(p), None) => Some(format!(
                "{p} is pinned. Select a SIP code to compare it with {p}."
            )),
            _ => None,
        };
        match (hint, self.compare_doc()) {
            (Some(h), _) => lines::text_lines(&h, width, self.theme),
            (None, Some(d)) => lines::doc_lines(&d, width, self.theme, None).lines,
            (None, None) => lines::text_lines("nothing to compare", width, self.theme),
        }
    }

    // ----- input ------------------------------------------------------------

    /// Handle one input at time `now` (ms since the epoch).
    pub fn handle(&mut self, msg: Msg, now: u64) -> Vec<Effect> {
        match msg {
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.clamp_scrolls();
                Vec::new()
            }
            Msg::Tick => self.tick(now),
            // Nothing can be seen behind "terminal too small": the paste
            // would act unseen.
            Msg::Paste(_) | Msg::PasteTooLarge(_) if layout::too_small(self.size) => Vec::new(),
            Msg::Paste(text) => self.paste(&text, now),
            Msg::PasteTooLarge(n) => {
                self.error(format!(
                    "paste of {n} bytes ignored: sipfix takes pastes of at most {} bytes \
                     (1 MiB); for a larger capture use sipfix explain FILE",
                    crate::message::MAX_INPUT
                ));
                Vec::new()
            }
            Msg::Key(ev) => self.key(ev, now),
        }
    }

    fn key(&mut self, ev: KeyEvent, now: u64) -> Vec<Effect> {
        if ev.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if layout::too_small(self.size) {
            // Behind "terminal too small" only quitting works: any other
            // key would change what cannot be seen.
            return match keymap::lookup(Ctx::List, &ev) {
                Some(Action::Quit | Action::ForceQuit) => self.quit(now),
                _ => Vec::new(),
            };
        }
        if self.status.as_ref().is_some_and(|s| !s.sticky) {
            self.status = None;
        }
        let ctx = self.ctx();
        if let Some(a) = keymap::lookup(ctx, &ev) {
            return self.act(a, &ev, now);
        }
        // A slow link or a busy moment can deliver Esc and the next key
        // in one read, which the terminal parser reports as Alt+key.
        // No binding uses Alt, so treat it as the two keys it was.
        if ev.modifiers.contains(KeyModifiers::ALT)
            && let KeyCode::Char(_) = ev.code
        {
            let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
            let mut fx = self.handle(Msg::Key(esc), now);
            let plain = KeyEvent::new(ev.code, ev.modifiers - KeyModifiers::ALT);
            fx.extend(self.handle(Msg::Key(plain), now));
            return fx;
        }
        self.unmapped(ctx, ev, now)
    }

    /// Run an action from the key map.
    fn act(&mut self, a: Action, ev: &KeyEvent, now: u64) -> Vec<Effect> {
        if a != Action::ResetProgress {
            self.confirm_reset = false;
        }
        if a != Action::Digit {
            self.jump = None;
        }
        match a {
            Action::ForceQuit | Action::Quit => return self.quit(now),
            Action::Help => {
                let from = self.ctx();
                self.overlays
                    .push(Overlay::Help(popups::help::Help::new(from)));
                return Vec::new();
            }
            _ => {}
        }
        if let Some(mut top) = self.overlays.pop() {
            let reply = top.handle(self, a, ev, now);
            return self.apply(top, reply, now);
        }
        if self.searching {
            return self.search_action(a, now);
        }
        self.browse_action(a, ev, now)
    }

    /// Put a popup back (or not) after it handled something.
    fn apply(&mut self, top: Overlay, reply: Reply, now: u64) -> Vec<Effect> {
        let Reply {
            close,
            open,
            then,
            mut effects,
        } = reply;
        if close {
            self.park(top);
        } else {
            self.overlays.push(top);
        }
        if let Some(o) = open {
            self.overlays.push(o);
        }
        if let Some(a) = then {
            let ev = KeyEvent::new(KeyCode::Null, KeyModifiers::NONE);
            effects.extend(self.act(a, &ev, now));
        }
        effects
    }

    /// A closed popup whose state outlives it is kept for next time.
    fn park(&mut self, o: Overlay) {
        match o {
            Overlay::Note(n) => self.parked_note = Some(n),
            Overlay::Paste(p) => self.parked_paste = Some(p),
            _ => {}
        }
    }

    fn quit(&mut self, now: u64) -> Vec<Effect> {
        let mut fx = self.commit_notes(now);
        fx.push(Effect::Quit);
        fx
    }

    /// A key with no binding where it landed: text for an editor, a
    /// character for the search line, a digit to jump; else say so.
    fn unmapped(&mut self, ctx: Ctx, ev: KeyEvent, now: u64) -> Vec<Effect> {
        if let Some(mut top) = self.overlays.pop() {
            match top.input(self, ev, now) {
                Some(reply) => return self.apply(top, reply, now),
                None => self.overlays.push(top),
            }
        } else if ctx == Ctx::Search {
            if let KeyCode::Char(c) = ev.code
                && !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            {
                self.history_at = None;
                self.query.push(c);
                self.refilter();
            }
            return Vec::new();
        }
        self.says_nothing_here(ctx, &ev);
        Vec::new()
    }

    /// Say that a key does nothing where it was pressed, and where it
    /// would do something.
    fn says_nothing_here(&mut self, ctx: Ctx, ev: &KeyEvent) {
        if matches!(ev.code, KeyCode::Null | KeyCode::Modifier(_)) {
            return;
        }
        let name = keymap::key_name(ev);
        let here = ctx.title().to_lowercase();
        let text = match keymap::elsewhere(ctx, ev) {
            Some((c, b)) => format!(
                "{name} does nothing in the {here}; in the {}: {} (? lists the keys)",
                c.title().to_lowercase(),
                b.help
            ),
            None => format!("{name} does nothing in the {here} (? lists the keys)"),
        };
        self.info(text);
    }

    // ----- the search line ----------------------------------------------------

    fn search_action(&mut self, a: Action, now: u64) -> Vec<Effect> {
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

    fn leave_search(&mut self) {
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
    fn start_search(&mut self) {
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

    fn history_move(&mut self, d: isize) {
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

    // ----- the panes ------------------------------------------------------------

    fn browse_action(&mut self, a: Action, ev: &KeyEvent, now: u64) -> Vec<Effect> {
        match a {
            Action::FocusSearch => self.start_search(),
            Action::Open => return self.open_selected(),
            Action::Digit => {
                if let KeyCode::Char(c) = ev.code {
                    self.jump_digit(c, now);
                }
            }
            Action::Leave => {
                self.focus = Focus::List;
                if self.pinned.is_none() {
                    self.show_compare = false;
                }
            }
            Action::Up | Action::Down | Action::Top | Action::Bottom => match self.focus {
                Focus::List => self.move_list(a),
                Focus::Detail => self.scroll_detail(a),
                Focus::Compare => self.scroll_compare(a),
            },
            Action::PageUp | Action::PageDown => match self.focus {
                Focus::Compare => self.scroll_compare(a),
                _ => self.scroll_detail(a),
            },
            Action::NextPane | Action::PrevPane => {
                let order = [Focus::List, Focus::Detail, Focus::Compare];
                let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
                let n = if a == Action::NextPane {
                    (i + 1) % 3
                } else {
                    (i + 2) % 3
                };
                self.focus = order[n];
                match self.focus {
                    Focus::Compare => self.show_compare = true,
                    Focus::Detail => self.show_compare = false,
                    Focus::List => {}
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
                        .map(|l| l.entry.related.clone())
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
    fn code_or_say(&mut self, what: &str) -> Option<u16> {
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
    fn open_selected(&mut self) -> Vec<Effect> {
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
    fn open_right(&mut self) {
        if self.pinned.is_some() && self.size.width < layout::WIDE {
            self.focus = Focus::Compare;
            self.show_compare = true;
        } else {
            self.focus_detail();
        }
    }

    /// Focus the detail pane.
    fn focus_detail(&mut self) {
        self.focus = Focus::Detail;
        self.show_compare = false;
    }

    fn move_sel(&mut self, delta: isize) {
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

    fn move_list(&mut self, a: Action) {
        match a {
            Action::Up => self.move_sel(-1),
            Action::Down => self.move_sel(1),
            Action::Top => self.move_sel(isize::MIN / 2),
            _ => self.move_sel(isize::MAX / 2),
        }
    }

    /// Digits typed in the panes: jump to the first code that starts with
    /// them; three digits name a code.
    fn jump_digit(&mut self, c: char, now: u64) {
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
                    self.jump = Some((digits, now));
                } else if code.to_string() != digits {
                    self.info(format!("no entry for {digits}: nearest is {code}"));
                }
            }
            None => match digits.parse::<u16>().ok().filter(|_| digits.len() == 3) {
                Some(n) if self.kb.lookup(n).is_ok() => {
                    let l = self.kb.lookup(n).map(|l| l.entry.code).unwrap_or(n);
                    self.select_quietly(l);
                    self.info(format!(
                        "{n} is not a registered code: shown as {l}, as a client treats it \
                         (RFC 3261 §8.1.3.2)"
                    ));
                }
                _ => self.info(format!("no SIP code starts with {digits}")),
            },
        }
    }

    // ----- scrolling ----------------------------------------------------------

    fn scroll_detail(&mut self, a: Action) {
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

    fn scroll_compare(&mut self, a: Action) {
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
    fn clamp_scrolls(&mut self) {
        if layout::too_small(self.size) {
            return;
        }
        self.scroll_detail(Action::Null);
        if self.pinned.is_some() {
            self.scroll_compare(Action::Null);
        }
    }

    /// The first and one-past-last line of each step in the detail text.
    fn step_spans(&self, code: u16) -> (Vec<(usize, usize)>, usize) {
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
    fn move_step(&mut self, code: u16, d: isize) {
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

    fn first_step_on_screen(&self, code: u16) -> usize {
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
    fn highlighted_step(&mut self, again: &str) -> Option<(u16, usize)> {
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

    // ----- popups opened from the panes ---------------------------------------

    pub(crate) fn start_walk(&mut self, code: u16) {
        let n = self.steps_len(code);
        if n == 0 {
            self.info(format!("{code} has no checklist to walk through"));
            return;
        }
        let first_open = (0..n)
            .find(|i| !self.step_state(code, *i).is_handled())
            .unwrap_or(0);
        let step = match self.step_cursor {
            Some(i) if self.focus == Focus::Detail && i < n => i,
            _ => first_open,
        };
        self.searching = false;
        self.overlays
            .push(Overlay::Walk(popups::walk::Walk::new(code, step)));
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

    fn open_note(&mut self, code: u16) {
        let text = self
            .store
            .as_ref()
            .map(|s| s.note(code).to_string())
            .unwrap_or_default();
        let ed = match self.parked_note.take() {
            // The same note as it was left: keep its undo history.
            Some(p) if p.code == code && p.text() == sanitize::text(&text) => p,
            _ => popups::note::NoteEditor::new(code, &text),
        };
        self.overlays.push(Overlay::Note(ed));
        self.searching = false;
        if self.store.is_none() {
            self.info("notes are disabled: what you type cannot be saved");
        }
    }

    // ----- time, pastes, notes --------------------------------------------------

    fn tick(&mut self, now: u64) -> Vec<Effect> {
        if self
            .jump
            .as_ref()
            .is_some_and(|(_, at)| now.saturating_sub(*at) >= JUMP_PAUSE_MS)
        {
            self.jump = None;
        }
        let mut fx = Vec::new();
        for i in 0..self.overlays.len() {
            if let Overlay::Note(n) = &self.overlays[i]
                && n.commit_due(now)
            {
                let Overlay::Note(mut n) = self.overlays.remove(i) else {
                    unreachable!()
                };
                fx.extend(n.commit(self, now));
                self.overlays.insert(i, Overlay::Note(n));
            }
        }
        fx
    }

    /// Commit every open note editor (before exit or a quit).
    fn commit_notes(&mut self, now: u64) -> Vec<Effect> {
        let mut fx = Vec::new();
        for i in 0..self.overlays.len() {
            if matches!(self.overlays[i], Overlay::Note(_)) {
                let Overlay::Note(mut n) = self.overlays.remove(i) else {
                    unreachable!()
                };
                fx.extend(n.commit(self, now));
                self.overlays.insert(i, Overlay::Note(n));
            }
        }
        fx
    }

    fn paste(&mut self, text: &str, now: u64) -> Vec<Effect> {
        let text = super::input::paste_line_ends(text);
        if let Some(mut top) = self.overlays.pop() {
            match top.paste(self, &text, now) {
                Some(reply) => return self.apply(top, reply, now),
                None => self.overlays.push(top),
            }
        }
        if self.searching && !text.trim_end().contains('\n') {
            self.history_at = None;
            self.query.push_str(&sanitize::inline(text.trim_end()));
            self.refilter();
            return Vec::new();
        }
        self.decode(&text);
        Vec::new()
    }

    /// Decode a pasted SIP message and open its code; false (and the
    /// reason on the status line) when it is no SIP message.
    pub fn decode(&mut self, text: &str) -> bool {
        match super::decode::decode(self.kb, text) {
            Ok(d) => {
                if let Some(c) = d.code {
                    self.select_code(c);
                    self.focus = Focus::Detail;
                    self.show_compare = false;
                }
                let text = match d.code {
                    Some(c) => format!(
                        "decoded a {c} response: Esc shows its checklist filled in, w walks it"
                    ),
                    None => {
                        "decoded: no valid status code in it (a request, or a broken status line)"
                            .to_string()
                    }
                };
                self.info(text);
                self.message = Some(d);
                self.searching = false;
                // The decoded view replaces whatever was open (the paste box).
                while let Some(o) = self.overlays.pop() {
                    self.park(o);
                }
                self.overlays
                    .push(Overlay::Message(popups::message::MessageView::new()));
                true
            }
            Err(e) => {
                self.error(e);
                false
            }
        }
    }

    // ----- the run loop's side ------------------------------------------------

    /// Commit an open note editor before exit; returns the effects to run.
    pub fn prepare_exit(&mut self, now: u64) -> Vec<Effect> {
        self.commit_notes(now)
    }

    /// True while a debounced note commit is waiting (the loop ticks faster).
    pub fn timer_pending(&self) -> bool {
        self.jump.is_some()
            || self
                .overlays
                .iter()
                .any(|o| matches!(o, Overlay::Note(n) if n.pending()))
    }

    /// Re-read the notes file if another session changed it (a `stat`
    /// when it did not): the detail then shows that session's note, and a
    /// conflict when both edited one. Skipped while this session has edits
    /// of its own on the way (its save merges them) or a note is open.
    pub fn refresh_store(&mut self) -> bool {
        if self.overlays.iter().any(|o| matches!(o, Overlay::Note(_))) {
            return false;
        }
        let code = self.current();
        let before = code.map(|c| {
            (
                self.store.as_ref().map(|s| s.note(c).to_string()),
                self.note_conflicts(c),
            )
        });
        let changed = self.store.as_mut().is_some_and(|s| s.refresh());
        if !changed {
            return false;
        }
        self.refilter_keeping(true);
        if let Some(c) = code {
            let after = (
                self.store.as_ref().map(|s| s.note(c).to_string()),
                self.note_conflicts(c),
            );
            if before.as_ref() != Some(&after) {
                self.info(format!(
                    "the note of {c} was changed by another sipfix session"
                ));
            }
        }
        true
    }

    /// The notes not saved, as plain text (control characters escaped), for
    /// the last-resort dump on stderr when saving fails at exit.
    pub fn unsaved_dump(&self) -> Option<String> {
        let s = self.store.as_ref()?;
        let notes = s.unsaved_notes();
        if notes.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (code, text) in notes {
            out.push_str(&format!(
                "--- note for {code} ---\n{}\n",
                sanitize::text(text)
            ));
        }
        Some(out)
    }

    /// Record the outcome of a save (called by the run loop). A failure
    /// stays on the status line until a later save succeeds.
    pub fn saved(&mut self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                if self.save_failed {
                    self.save_failed = false;
                    self.status = Some(Status {
                        text: "saved: the earlier save error is resolved".into(),
                        error: false,
                        sticky: false,
                    });
                }
            }
            Err(e) => {
                self.save_failed = true;
                self.status = Some(Status {
                    text: e,
                    error: true,
                    sticky: true,
                });
            }
        }
    }
}

/// The one-line preview of a note shown near the top of the detail.
fn note_preview(note: &str, conflicts: usize) -> String {
    let first = note.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut p: String = sanitize::inline(first).chars().take(60).collect();
    if p.chars().count() < sanitize::inline(first).chars().count() || note.lines().count() > 1 {
        p.push_str(" ...");
    }
    p.push_str(" (in full at the end; n edits)");
    if conflicts > 0 {
        p.push_str(&format!("; {conflicts} concurrent version(s) kept"));
    }
    p
}

/// A deprecation warning longer than one line is folded to its first
/// clause; the whole text moves under "What it means", so that on 80x24
/// the meaning is not pushed below the fold.
fn fold_deprecation(d: &mut doc::Doc) {
    let Some(i) = d
        .iter()
        .position(|b| matches!(b, doc::Block::Warning(t) if t.starts_with("Deprecated: ")))
    else {
        return;
    };
    let doc::Block::Warning(full) = d[i].clone() else {
        return;
    };
    let body = full.trim_start_matches("Deprecated: ");
    if body.chars().count() <= 40 {
        return;
    }
    // One line: who deprecated it (the first RFC cited), the rest below.
    d[i] = doc::Block::Warning(match first_rfc(body) {
        Some(rfc) => format!("Deprecated by {rfc}, see below"),
        None => "Deprecated, see below".to_string(),
    });
    let at = d
        .iter()
        .position(|b| matches!(b, doc::Block::Heading(h) if h == "What it means"))
        .map_or(d.len(), |h| h + 2)
        .min(d.len());
    d.splice(
        at..at,
        [
            doc::Block::Heading("Deprecated".into()),
            doc::Block::Para(body.to_string()),
        ],
    );
}

/// The first "RFC n" or "RFC n §s" cited in `text`.
fn first_rfc(text: &str) -> Option<String> {
    let at = text.find("RFC ")?;
    let rest = &text[at + 4..];
    let num: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if num.is_empty() {
        return None;
    }
    let after = &rest[num.len()..];
    let section = after.strip_prefix(" §").map(|s| {
        s.chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect::<String>()
            .trim_end_matches('.')
            .to_string()
    });
    Some(match section {
        Some(sec) if !sec.is_empty() => format!("RFC {num} §{sec}"),
        _ => format!("RFC {num}"),
    })
}
