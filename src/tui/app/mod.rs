//! The TUI's state and its update function. `App::handle` takes one input
//! message and the current time and returns the side effects to run (save,
//! quit); it does no I/O itself, so key sequences are unit-tested directly.
//!
//! A key goes: key map (in the context of the top popup, the search line
//! or the focused pane) -> [`Action`] -> the top popup's `handle` (see
//! [`super::popups`]), the search line ([`App::search_action`]) or the
//! panes ([`App::browse_action`]). A key with no binding where it lands
//! says so on the status line, and where it would work.

mod calls;
mod detail;
mod panes;
mod search_line;

pub use calls::{CallBytes, Loading, StartWith, TraceView};

use super::keymap::{self, Action, Ctx};
use super::layout::{self, Focus, Want};
use super::lines;
use super::loader::{CallJob, LoadJob, Loaded};
use super::popups::{self, Overlay, Reply};
use super::theme::Theme;
use crate::kb::Kb;
use crate::sanitize;
use crate::search::{CauseHit, Hit, Searcher};
use crate::store::{StepState, Store};
use crate::trace::RawMessage;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::hash::Hash;
use std::rc::Rc;

/// One input to the app.
#[derive(Debug)]
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
    /// A trace load under way: `done` of `total` input bytes read (total
    /// 0: unknown).
    Loading {
        id: u64,
        done: u64,
        total: u64,
    },
    /// A trace load ended (the error is one line).
    Loaded {
        id: u64,
        result: Result<Box<Loaded>, String>,
    },
    /// One call's messages, read again whole.
    CallBytes {
        load: u64,
        call: u32,
        result: Result<Vec<RawMessage>, String>,
    },
    /// The directory entries a path completion asked for.
    Listing(Listing),
    /// Where an export was written, or why it was not.
    Exported(Result<std::path::PathBuf, String>),
}

/// A side effect for the run loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Write the store to disk now.
    Save,
    /// Save, restore the terminal and exit.
    Quit,
    /// Read and triage a trace on a worker thread; progress and the result
    /// come back as [`Msg::Loading`] and [`Msg::Loaded`].
    Load(LoadJob),
    /// Read one call's messages again on a worker ([`Msg::CallBytes`]).
    LoadCall(CallJob),
    /// List the directory of a path being typed ([`Msg::Listing`]).
    ListDir(String),
    /// Write Markdown into the data directory ([`Msg::Exported`]).
    Export(Export),
    /// Leave the full screen, print this text on the terminal's own screen
    /// (to copy lines whole, wrapped by the terminal, not cut), and come
    /// back on the next key.
    PrintBelow(String),
}

/// A Markdown export: a file name to start from (made unique on writing)
/// and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub text: String,
}

/// The entries of the directory of a typed path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    /// The path as typed when completion was asked for.
    pub typed: String,
    /// Entries whose name starts with what was typed after the last `/`:
    /// (name, is a directory), sorted.
    pub entries: Vec<(String, bool)>,
    /// Why the directory could not be read.
    pub error: Option<String>,
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

/// The most rows the status line takes; a longer message is cut there
/// (Ctrl-G shows it whole).
pub const STATUS_ROWS: usize = 3;

/// How many status messages Ctrl-G shows (the oldest go first).
pub const STATUS_LOG_LEN: usize = 50;

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
    /// The looser query searched when the one typed found nothing.
    pub relaxed: Option<crate::search::Relaxed>,
    /// How many codes the empty query lists (the entries and the codes
    /// with a note and no entry): what `hits` is counted out of.
    pub listed: usize,
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
    /// The status messages of this session, oldest first (at most
    /// [`STATUS_LOG_LEN`]): Ctrl-G shows them whole.
    status_log: Vec<Status>,
    /// What saves found on disk this session (see
    /// [`crate::store::Store::take_save_warning`]): said on the status
    /// line, and again on the terminal at exit, where it outlives the
    /// screen (a quit's own save has no frame left to show it).
    pub save_warnings: Vec<String>,
    pub size: Rect,
    /// Codes visited before, for `b`.
    back: Vec<u16>,
    /// Digits typed in the panes, and when the last one came.
    jump: Option<(String, u64)>,
    /// `R` was pressed once in the detail pane.
    confirm_reset: bool,
    /// `D` was pressed once: the next `D` drops the note's kept versions.
    confirm_drop: bool,
    /// The note editor last closed (its undo history lives on).
    pub(crate) parked_note: Option<popups::note::NoteEditor>,
    /// The paste box last closed (its text is kept for next time).
    pub(crate) parked_paste: Option<popups::paste::PasteBox>,
    /// The last save failed (its error is on the status line).
    save_failed: bool,
    /// `q` was refused once because the save it asked for failed: the
    /// next quits anyway (see [`App::may_quit`]). A save that succeeds
    /// ends it: a later failure asks again.
    quit_armed: bool,
    /// The last decoded message (text shown in the message view).
    pub message: Option<Decoded>,
    /// The wrapped detail text of the last frame: building and wrapping it
    /// costs more than the rest of a frame, and most keys do not change it.
    detail_memo: RefCell<Option<(DetailKey, Rc<lines::Wrapped>)>>,
    /// The loaded trace and the calls pane's state.
    pub trace: Option<Box<TraceView>>,
    /// A trace load under way.
    pub loading: Option<Loading>,
    /// The number of the next load.
    next_load: u64,
    /// What to do once the trace being loaded is there (from the command
    /// line: a filter, a call to open).
    start_with: Option<StartWith>,
    /// The open prompt last closed (its path is kept for next time).
    pub(crate) parked_open: Option<popups::open::OpenPrompt>,
    /// The time of the message being handled (ms), for what records when.
    clock: u64,
    /// The home directory, for `~` in the open prompt (set by the run
    /// loop from the environment).
    pub home: Option<String>,
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
    message: Option<(Option<u16>, u64, usize)>,
}

/// A decoded SIP message as the TUI keeps it.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The status code, when the message is a response with a valid one.
    pub code: Option<u16>,
    /// The explanation's document, laid out at the pane's width and shown a
    /// screen at a time.
    pub text: lines::DocText,
    /// The code's checklist with this message's header values and findings.
    pub checklist: Vec<crate::message::StepFinding>,
    /// How many problems the decoder found.
    pub problems: usize,
    /// Where the message comes from: "the pasted message", "message #4 of
    /// the call".
    pub origin: String,
}

/// Digits pasted on one line that are replayed as typed keys, at most:
/// a code's three.
const MAX_DIGIT_KEYS: usize = 3;

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
            relaxed: None,
            listed: 0,
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
            status_log: Vec::new(),
            save_warnings: Vec::new(),
            size: Rect::new(0, 0, 80, 24),
            back: Vec::new(),
            jump: None,
            confirm_reset: false,
            confirm_drop: false,
            parked_note: None,
            parked_paste: None,
            save_failed: false,
            quit_armed: false,
            message: None,
            detail_memo: RefCell::new(None),
            trace: None,
            loading: None,
            next_load: 1,
            start_with: None,
            parked_open: None,
            clock: 0,
            home: None,
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
        app.log_status();
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
            return if self.focus == Focus::Calls {
                Ctx::CallFilter
            } else {
                Ctx::Search
            };
        }
        match self.focus {
            Focus::List => Ctx::List,
            Focus::Detail => Ctx::Detail,
            Focus::Compare => Ctx::Compare,
            Focus::Calls => Ctx::Calls,
        }
    }

    /// The footer: the main keys of where they go, fitted to `width`
    /// (in the call view, of the ladder or of the findings).
    pub fn footer_line(&self, width: usize) -> String {
        let swap = match self.overlays.last() {
            Some(Overlay::Call(v)) if v.findings_focus => keymap::CALL_FINDINGS_FOOTER,
            _ => &[],
        };
        keymap::footer_line_with(self.ctx(), width, swap)
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
        layout::panes(
            area,
            Want {
                compare: self.show_compare,
                list: self.focus == Focus::List || self.searching,
                status_rows: self.status_rows(area),
            },
        )
    }

    /// The rows the status line takes in `area`: the status message
    /// wrapped as drawn, at most [`STATUS_ROWS`] (the rest is behind
    /// Ctrl-G), else one for the key hints.
    fn status_rows(&self, area: Rect) -> u16 {
        match self.status_shown() {
            Some(text) if area.width > 0 => crate::render::wrap(&text, area.width as usize, "", "")
                .len()
                .clamp(1, STATUS_ROWS) as u16,
            _ => 1,
        }
    }

    /// The status message as the status line shows it (one line, control
    /// characters visible, folded to ASCII in ASCII mode).
    pub fn status_shown(&self) -> Option<String> {
        let s = self.status.as_ref()?;
        Some(crate::render::fold(&sanitize::inline(&s.text), self.theme.ascii).into_owned())
    }

    /// The status messages of this session, oldest first.
    pub fn status_log(&self) -> &[Status] {
        &self.status_log
    }

    /// Keep the message on the status line in the log (once: not again
    /// while it stays).
    fn log_status(&mut self) {
        let Some(s) = &self.status else {
            return;
        };
        if self.status_log.last().is_some_and(|l| l.text == s.text) {
            return;
        }
        if self.status_log.len() >= STATUS_LOG_LEN {
            self.status_log.remove(0);
        }
        self.status_log.push(s.clone());
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
        // The status rows as drawn: a message that stays on screen takes
        // rows from the panes, and the scroll limits must know it.
        self.right_area_with(compare, self.status_rows(self.size))
    }

    /// The inside of the detail (or compare) pane with a status line of
    /// `status_rows` rows.
    fn right_area_with(&self, compare: bool, status_rows: u16) -> Rect {
        let p = layout::panes(
            self.size,
            Want {
                compare,
                list: false,
                status_rows,
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

    /// When the query typed found nothing and a looser one is listed:
    /// the line that says so, above the results.
    pub fn search_hint(&self) -> Option<String> {
        self.relaxed.as_ref().map(|r| {
            format!(
                "nothing matches '{}': showing {r}",
                crate::sanitize::inline(self.query.trim())
            )
        })
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
        let notes = self.notes_map();
        let r = self.searcher.search_all(self.kb, &notes, &self.query);
        self.listed = crate::search::listed_total(self.kb, &notes);
        self.hits = r.codes;
        self.causes = r.causes;
        self.relaxed = r.relaxed;
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
        self.confirm_drop = false;
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

    // ----- input ------------------------------------------------------------

    /// Handle one input at time `now` (ms since the epoch).
    pub fn handle(&mut self, msg: Msg, now: u64) -> Vec<Effect> {
        self.keeping_ends(|app| app.handle_msg(msg, now))
    }

    /// Run `f`, and if the status line it leaves takes another number of
    /// rows than before (a message came or went), keep a detail or compare
    /// pane that was scrolled to its end at its end: its last lines stay
    /// in view as the pane shrinks (and a pane that grows shows no blank).
    fn keeping_ends<R>(&mut self, f: impl FnOnce(&mut App) -> R) -> R {
        let rows = self.status_rows(self.size);
        let (detail, compare) = (self.detail_scroll, self.compare_scroll);
        let r = f(self);
        self.log_status();
        if layout::too_small(self.size) || self.status_rows(self.size) == rows {
            return r;
        }
        if detail > 0 && self.detail_scroll == detail && self.detail_bottom(rows) == Some(detail) {
            self.detail_scroll = self
                .detail_bottom(self.status_rows(self.size))
                .unwrap_or(detail);
        }
        if compare > 0 && self.compare_scroll == compare && self.compare_bottom(rows) == compare {
            self.compare_scroll = self.compare_bottom(self.status_rows(self.size));
        }
        self.clamp_scrolls();
        r
    }

    /// The last scroll position of the detail with a status line of
    /// `status_rows` rows (None: nothing selected).
    fn detail_bottom(&self, status_rows: u16) -> Option<usize> {
        let area = self.right_area_with(false, status_rows);
        let w = self.detail_wrapped(area.width)?;
        Some(w.lines.len().saturating_sub(area.height.max(1) as usize))
    }

    /// The last scroll position of the compare pane with a status line of
    /// `status_rows` rows.
    fn compare_bottom(&self, status_rows: u16) -> usize {
        let area = self.right_area_with(true, status_rows);
        self.compare_lines(area.width)
            .len()
            .saturating_sub(area.height.max(1) as usize)
    }

    fn handle_msg(&mut self, msg: Msg, now: u64) -> Vec<Effect> {
        self.clock = now;
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
            Msg::Loading { id, done, total } => {
                self.load_progress(id, done, total, now);
                Vec::new()
            }
            Msg::Loaded { id, result } => self.loaded(id, result, now),
            Msg::CallBytes { load, call, result } => self.call_bytes(load, call, result, now),
            Msg::Listing(l) => {
                if let Some(Overlay::Open(p)) = self.overlays.last_mut()
                    && let Some(i) = p.listing(self.home.as_deref(), l)
                {
                    self.info(i);
                }
                Vec::new()
            }
            Msg::Exported(r) => {
                match r {
                    // The file's name first: a long data directory is
                    // what gets cut on a narrow screen, not the name.
                    Ok(p) => self.info(format!(
                        "exported {} to {}",
                        sanitize::inline(&p.file_name().unwrap_or_default().to_string_lossy()),
                        sanitize::inline(&p.parent().unwrap_or(&p).display().to_string())
                    )),
                    Err(e) => self.error(format!("export failed: {e}")),
                }
                Vec::new()
            }
        }
    }

    fn key(&mut self, ev: KeyEvent, now: u64) -> Vec<Effect> {
        if ev.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if layout::too_small(self.size) {
            // Behind "terminal too small" only quitting works: any other
            // key would change what cannot be seen. As the keys of where
            // the user is: in an editor or a prompt `q` is a letter (a
            // pane split while typing a note), Ctrl-C still quits.
            return match keymap::lookup(self.ctx(), &ev) {
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
        if ev.modifiers.contains(KeyModifiers::ALT) {
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
        if a != Action::DropConflicts {
            self.confirm_drop = false;
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
            // From anywhere (an editor, a prompt) and back: the popup
            // closes itself on a second Ctrl-G.
            Action::ShowLog if !matches!(self.overlays.last(), Some(Overlay::Log(_))) => {
                self.overlays
                    .push(Overlay::Log(popups::log::StatusLog::new()));
                return Vec::new();
            }
            _ => {}
        }
        if let Some(mut top) = self.overlays.pop() {
            let reply = top.handle(self, a, ev, now);
            return self.apply(top, reply, now);
        }
        if self.focus == Focus::Calls {
            return if self.searching {
                self.filter_action(a)
            } else {
                self.calls_action(a, now)
            };
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
            Overlay::Open(p) => self.parked_open = Some(p),
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
        } else if ctx == Ctx::Search || ctx == Ctx::CallFilter {
            if let KeyCode::Char(c) = ev.code
                && !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            {
                if ctx == Ctx::CallFilter {
                    self.filter_push(&c.to_string());
                } else {
                    self.history_at = None;
                    self.query.push(c);
                    self.refilter();
                }
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
        // Colours of a pasted console excerpt are no text of it.
        let plain;
        let text = if text.contains('\x1b') {
            plain = String::from_utf8_lossy(&sanitize::without_csi(text.as_bytes())).into_owned();
            &plain
        } else {
            text
        };
        // A terminal paste turns LF into CR: CR CR is one line end there.
        let text = sanitize::line_ends_str(text)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        if let Some(mut top) = self.overlays.pop() {
            match top.paste(self, &text, now) {
                Some(reply) => return self.apply(top, reply, now),
                None => self.overlays.push(top),
            }
        }
        if self.searching && !text.trim_end().contains('\n') {
            if self.focus == Focus::Calls {
                self.filter_push(&sanitize::inline(text.trim_end()));
            } else {
                self.history_at = None;
                // A query is words: control characters pasted with them
                // (a bell, a terminal's sequence) are no part of any code's
                // text and would make it match nothing. A tab is a space.
                let words: String = text
                    .trim_end()
                    .chars()
                    .map(|c| if c == '\t' { ' ' } else { c })
                    .filter(|&c| !sanitize::is_unsafe(c))
                    .collect();
                self.query.push_str(&words);
                self.refilter();
            }
            // A line pasted with its end (or a filter typed ahead with its
            // Enter, read at once): the Enter too.
            if text.ends_with('\n') {
                let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
                return self.handle(Msg::Key(enter), now);
            }
            return Vec::new();
        }
        // A code's digits alone on one line, in the codes' panes, are a
        // code pasted (keys typed ahead come as keys, see
        // input::looks_pasted): what typing them does (`486` jumps to
        // 486), with the Enter of a line pasted with its end. Longer runs (a phone number,
        // a numeric Call-ID) and the calls' panes, where digits are no
        // jump, keep the paste's hint.
        let one_line = text.trim();
        if (1..=MAX_DIGIT_KEYS).contains(&one_line.len())
            && one_line.bytes().all(|b| b.is_ascii_digit())
            && self.overlays.is_empty()
            && self.focus != Focus::Calls
        {
            let mut keys: Vec<KeyCode> = one_line.chars().map(KeyCode::Char).collect();
            if text.trim_start().ends_with('\n') {
                keys.push(KeyCode::Enter);
            }
            let mut fx = Vec::new();
            for k in keys {
                let ev = KeyEvent::new(k, KeyModifiers::NONE);
                fx.extend(self.handle(Msg::Key(ev), now));
            }
            return fx;
        }
        // One line that is no start line (a Call-ID, a header value): no
        // message to decode; say where it can go.
        if !one_line.contains('\n') && !crate::message::is_start_line(one_line.as_bytes()) {
            self.info(if self.focus == Focus::Calls {
                "pasted one line, not a SIP message: press / and paste it to filter the calls by it"
            } else {
                "pasted one line, not a SIP message: press / and paste it to search for it"
            });
            return Vec::new();
        }
        // Several SIP messages (an sngrep or PBX-log excerpt): their calls.
        if super::decode::messages_in(&text) > 1 {
            while let Some(o) = self.overlays.pop() {
                self.park(o);
            }
            return self.load_pasted(text);
        }
        self.decode(&text);
        Vec::new()
    }

    /// Read pasted text holding several SIP messages as a trace: its calls.
    pub fn load_pasted(&mut self, text: String) -> Vec<Effect> {
        self.load(
            super::loader::TraceSource::Text(std::sync::Arc::new(text.into_bytes())),
            crate::trace::Format::Auto,
        )
    }

    /// Decode a pasted SIP message and open its code; false (and the
    /// reason on the status line) when it is no SIP message.
    pub fn decode(&mut self, text: &str) -> bool {
        match super::decode::decode(self.kb, text) {
            Ok(d) => {
                // A code without an entry is read as its class's x00, a
                // 1xx as 183 (RFC 3261 §8.1.3.2): that entry is shown and
                // walked.
                let entry = d
                    .code
                    .map(|c| self.kb.lookup(c).map_or(c, |l| l.entry.code));
                if let Some(c) = entry {
                    self.select_code(c);
                    self.focus = Focus::Detail;
                    self.show_compare = false;
                }
                let text = match (d.code, entry) {
                    (Some(c), Some(e)) if c != e => format!(
                        "decoded a {c} response, a code with no entry: read as {e} (RFC 3261 \
                         §8.1.3.2); Esc shows its checklist filled in, w walks it"
                    ),
                    (Some(c), _) => format!(
                        "decoded a {c} response: Esc shows its checklist filled in, w walks it"
                    ),
                    (None, _) => {
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
            || self.loading.is_some()
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
        self.keeping_ends(App::reread_store)
    }

    pub(super) fn reread_store(&mut self) -> bool {
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

    /// The notes and checklist progress not saved, as plain text (control
    /// characters escaped), for the last-resort dump on stderr when saving
    /// fails at exit: nothing that could not be saved goes unsaid.
    pub fn unsaved_dump(&self) -> Option<String> {
        let s = self.store.as_ref()?;
        let notes = s.unsaved_notes();
        let progress = s.unsaved_progress();
        if notes.is_empty() && progress.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (code, text) in notes {
            if text.is_empty() {
                out.push_str(&format!("--- note for {code}: deleted ---\n"));
                continue;
            }
            out.push_str(&format!(
                "--- note for {code} ---\n{}\n",
                sanitize::text(text)
            ));
        }
        if !progress.is_empty() {
            out.push_str("--- checklist progress ---\n");
            for (code, steps) in progress {
                out.push_str(&format!("{code}: {}\n", progress_words(&steps)));
            }
        }
        Some(out)
    }

    /// The key that quits where the keys go now: `q`, or Ctrl-C where `q`
    /// is a letter (a note, a prompt, the paste box, the search line).
    pub fn quit_key(&self) -> &'static str {
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        match keymap::lookup(self.ctx(), &q) {
            Some(Action::Quit) => "q",
            _ => "Ctrl-C",
        }
    }

    /// A quit was refused because its save failed, and what that save
    /// could not write is still unsaved: the quit key again quits anyway
    /// (the status line says so; behind "terminal too small" the screen
    /// does).
    pub fn quit_refused(&self) -> bool {
        self.quit_armed
            && self
                .store
                .as_ref()
                .is_some_and(|s| s.is_dirty() && s.has_unsaved())
    }

    /// Whether to quit now, asked by the run loop once the save that
    /// [`Effect::Quit`] asks for is done. While that save failed and left
    /// a note or a step unsaved ([`Store::has_unsaved`]), the first time
    /// says so and asks for the quit key again ([`App::quit_key`]: `q`,
    /// or Ctrl-C where `q` is a letter; what was not saved is then printed
    /// on stderr at exit, see [`App::unsaved_dump`]); the next time quits
    /// anyway. An edit undone before the save leaves nothing to lose.
    pub fn may_quit(&mut self) -> bool {
        let failed = self
            .store
            .as_ref()
            .is_some_and(|s| s.is_dirty() && s.has_unsaved());
        if !failed || self.quit_armed {
            return true;
        }
        self.quit_armed = true;
        let disabled = self
            .store
            .as_ref()
            .and_then(|s| s.disabled_reason())
            .is_some();
        let key = self.quit_key();
        self.saved(Err(if disabled {
            format!(
                "not saved (notes are disabled): press {key} again to quit anyway (your \
                 unsaved notes are then printed on stderr)"
            )
        } else {
            format!(
                "not saved: press {key} again to quit anyway (your unsaved notes are then \
                 printed and kept in a recovery file), or fix the cause first"
            )
        }));
        false
    }

    /// Say that the notes are being saved for a quit: the run loop draws
    /// this before it waits for that save, which waits for the notes lock
    /// while another session holds it (about a second), with the screen
    /// unchanged otherwise. It replaces an earlier save's error too (that
    /// save is tried again now); the save's outcome replaces it.
    pub fn saving_to_quit(&mut self) {
        self.keeping_ends(|app| {
            app.status = Some(Status {
                text: "saving notes before quitting...".into(),
                error: false,
                sticky: false,
            });
        });
    }

    /// Record the outcome of a save (called by the run loop). A failure
    /// stays on the status line until a later save succeeds.
    pub fn saved(&mut self, result: Result<(), String>) {
        self.keeping_ends(|app| app.record_save(result));
    }

    fn record_save(&mut self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                // What the refused quit would have lost is saved: the next
                // failure asks again before a quit loses anything.
                self.quit_armed = false;
                if self.save_failed {
                    self.save_failed = false;
                    self.status = Some(Status {
                        text: "saved: the earlier save error is resolved".into(),
                        error: false,
                        sticky: false,
                    });
                }
                // What the save found on disk (another session's unreadable
                // file moved aside, say) is said as the start's warning is.
                if let Some(w) = self.store.as_mut().and_then(|s| s.take_save_warning()) {
                    self.save_warnings.push(w.clone());
                    self.status = Some(Status {
                        text: w,
                        error: true,
                        sticky: true,
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

/// Steps and their states in words, grouped by state: "steps 1, 2, 3
/// done; step 5 failed" (steps numbered from 1, as on screen).
fn progress_words(steps: &[(usize, StepState)]) -> String {
    [
        (StepState::Done, "done"),
        (StepState::Skipped, "skipped"),
        (StepState::Failed, "failed"),
        (StepState::Todo, "back to to-do"),
    ]
    .iter()
    .filter_map(|&(state, word)| {
        let nums: Vec<String> = steps
            .iter()
            .filter(|(_, st)| *st == state)
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        let noun = if nums.len() == 1 { "step" } else { "steps" };
        (!nums.is_empty()).then(|| format!("{noun} {} {word}", nums.join(", ")))
    })
    .collect::<Vec<_>>()
    .join("; ")
}
