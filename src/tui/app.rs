//! The TUI's state and its update function. `App::handle` takes one input
//! message and the current time and returns the side effects to run (save,
//! quit); it does no I/O itself, so key sequences are unit-tested directly.

use super::keymap::{self, Action, Ctx};
use super::layout::{self, Focus};
use super::lines;
use super::theme::Theme;
use crate::compare;
use crate::doc;
use crate::kb::Kb;
use crate::sanitize;
use crate::search::{Hit, Searcher};
use crate::store::{StepState, Store};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;
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

/// The overlay or mode on top of the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: usize,
    },
    /// Walk-through of the current code's checklist.
    Walk {
        step: usize,
        scroll: usize,
        confirm_reset: bool,
    },
    /// Note editor for a code.
    Note {
        code: u16,
    },
    /// Paste box for a raw SIP message.
    Paste,
    /// Decoded message view.
    Message {
        scroll: usize,
    },
}

/// Typing stops this long before a note is saved (ms).
pub const NOTE_DEBOUNCE_MS: u64 = 1000;

/// While typing goes on without such a pause, the note is saved at least
/// this often (ms): a crash loses at most this much typing.
pub const NOTE_MAX_WAIT_MS: u64 = 2000;

/// Everything on screen.
pub struct App {
    pub kb: &'static Kb,
    pub theme: Theme,
    searcher: Searcher,
    pub query: String,
    pub hits: Vec<Hit>,
    pub selected: usize,
    pub focus: Focus,
    /// True while typing in the search line.
    pub searching: bool,
    pub overlay: Overlay,
    pub detail_scroll: usize,
    pub compare_scroll: usize,
    /// Highlighted checklist step in the detail pane.
    pub step_cursor: usize,
    pub pinned: Option<u16>,
    /// In a narrow terminal: show compare instead of detail on the right.
    pub show_compare: bool,
    pub store: Option<Store>,
    pub status: Option<Status>,
    pub size: Rect,
    history: Vec<u16>,
    related_idx: usize,
    pub editor: Option<TextArea<'static>>,
    /// When the note editor was last changed and not yet committed (ms).
    note_edited_at: Option<u64>,
    /// When the first change not yet committed was made (ms).
    note_first_edit: Option<u64>,
    /// The editor's text when it was opened or last committed: only a
    /// change against it is written to the store.
    note_base: String,
    /// The last save failed (its error is on the status line).
    save_failed: bool,
    pub paste_box: Option<TextArea<'static>>,
    /// The last decoded message (text shown in the message view).
    pub message: Option<Decoded>,
    /// The wrapped detail text of the last frame: building and wrapping it
    /// costs more than the rest of a frame, and most keys do not change it.
    detail_memo: RefCell<Option<(DetailKey, Rc<lines::Wrapped>)>>,
}

/// Everything the wrapped detail text depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DetailKey {
    code: u16,
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
            hits: Vec::new(),
            selected: 0,
            focus: Focus::List,
            searching: false,
            overlay: Overlay::None,
            detail_scroll: 0,
            compare_scroll: 0,
            step_cursor: 0,
            pinned: None,
            show_compare: false,
            store,
            status: None,
            size: Rect::new(0, 0, 80, 24),
            history: Vec::new(),
            related_idx: 0,
            editor: None,
            note_edited_at: None,
            note_first_edit: None,
            note_base: String::new(),
            save_failed: false,
            paste_box: None,
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

    /// The code whose detail is on screen.
    pub fn current(&self) -> Option<u16> {
        self.hits.get(self.selected).map(|h| h.code)
    }

    /// The input context for the key map.
    pub fn ctx(&self) -> Ctx {
        match self.overlay {
            Overlay::Help { .. } => Ctx::Help,
            Overlay::Walk { .. } => Ctx::Walk,
            Overlay::Note { .. } => Ctx::Note,
            Overlay::Paste => Ctx::Paste,
            Overlay::Message { .. } if !self.searching => Ctx::Message,
            _ if self.searching => Ctx::Search,
            _ => Ctx::Browse,
        }
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

    fn refilter(&mut self) {
        let keep = self.current();
        self.hits = self
            .searcher
            .search(self.kb, &self.notes_map(), &self.query);
        self.selected = if self.query.trim().is_empty() {
            keep.and_then(|c| self.hits.iter().position(|h| h.code == c))
                .unwrap_or(0)
        } else {
            0
        };
        self.on_selection_changed();
    }

    fn on_selection_changed(&mut self) {
        self.detail_scroll = 0;
        self.compare_scroll = 0;
        self.step_cursor = 0;
        self.related_idx = 0;
    }

    /// Select `code`, clearing the query if it filters the code out.
    pub fn select_code(&mut self, code: u16) {
        if let Some(cur) = self.current()
            && cur != code
        {
            self.history.push(cur);
        }
        if !self.hits.iter().any(|h| h.code == code) {
            self.query.clear();
            self.hits = self.searcher.search(self.kb, &self.notes_map(), "");
        }
        if let Some(i) = self.hits.iter().position(|h| h.code == code) {
            self.selected = i;
        }
        self.on_selection_changed();
    }

    fn info(&mut self, text: impl Into<String>) {
        if self.status.as_ref().is_some_and(|s| s.sticky) {
            return;
        }
        self.status = Some(Status {
            text: text.into(),
            error: false,
            sticky: false,
        });
    }

    fn steps_len(&self, code: u16) -> usize {
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

    fn set_step(&mut self, code: u16, idx: usize, st: StepState, now: u64) -> Vec<Effect> {
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

    /// The checklist marks of a code, one per step.
    pub fn marks(&self, code: u16) -> Vec<&'static str> {
        (0..self.steps_len(code))
            .map(|i| self.step_state(code, i).mark())
            .collect()
    }

    /// The detail of `code` wrapped at `width`, with step `cursor`
    /// highlighted; rebuilt only when something it shows has changed.
    pub fn detail_lines(&self, code: u16, width: u16, cursor: Option<usize>) -> Rc<lines::Wrapped> {
        let note = self.store.as_ref().map(|s| s.note(code)).unwrap_or("");
        let mut h = std::collections::hash_map::DefaultHasher::new();
        note.hash(&mut h);
        let key = DetailKey {
            code,
            width,
            cursor,
            marks: self.marks(code),
            note: h.finish(),
            conflicts: self.store.as_ref().map_or(0, |s| s.conflicts(code).len()),
            message: self
                .message
                .as_ref()
                .map(|m| (m.code, m.text.id(), m.problems)),
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

    /// Detail document of a code, with progress marks.
    pub fn detail_doc(&self, code: u16) -> doc::Doc {
        let Ok(l) = self.kb.lookup(code) else {
            return Vec::new();
        };
        let marks = self.marks(code);
        let mut d = doc::show(self.kb, &l, Some(&marks));
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
        d.insert(
            1,
            doc::Block::Field("Progress".into(), format!("{done}/{total} steps handled")),
        );
        if let Some(n) = self
            .store
            .as_ref()
            .map(|s| s.note(code))
            .filter(|n| !n.is_empty())
        {
            d.push(doc::Block::Heading("Your note".into()));
            d.push(doc::Block::Para(sanitize::text(n)));
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

    pub fn progress(&self, code: u16) -> (usize, usize) {
        let total = self.steps_len(code);
        match &self.store {
            Some(s) => s.progress(code, total),
            None => (0, total),
        }
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

    /// The panes of the current frame.
    pub fn panes(&self) -> layout::Panes {
        layout::panes(self.size, self.show_compare)
    }

    fn detail_height(&self) -> usize {
        self.panes()
            .detail
            .map(|r| layout::inner(r).height as usize)
            .unwrap_or(10)
            .max(1)
    }

    fn scroll_to_step(&mut self) {
        let Some(code) = self.current() else { return };
        let Some(area) = self.panes().detail else {
            return;
        };
        let w = self.detail_lines(code, layout::inner(area).width, None);
        if let Some(&start) = w.step_starts.get(self.step_cursor) {
            let h = self.detail_height();
            let end = w
                .step_starts
                .get(self.step_cursor + 1)
                .copied()
                .unwrap_or(w.lines.len());
            if start < self.detail_scroll {
                self.detail_scroll = start;
            } else if end > self.detail_scroll + h {
                self.detail_scroll = if end - start > h { start } else { end - h };
            }
        }
    }

    /// Handle one input at time `now` (ms since the epoch).
    pub fn handle(&mut self, msg: Msg, now: u64) -> Vec<Effect> {
        match msg {
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                Vec::new()
            }
            Msg::Tick => self.tick(now),
            Msg::Paste(text) => self.paste(&text, now),
            Msg::PasteTooLarge(n) => {
                self.status = Some(Status {
                    text: format!(
                        "paste of {n} bytes ignored: sipfix takes pastes of at most {} bytes \
                         (1 MiB); for a larger capture use sipfix explain FILE",
                        crate::message::MAX_INPUT
                    ),
                    error: true,
                    sticky: false,
                });
                Vec::new()
            }
            Msg::Key(ev) => {
                if ev.kind == KeyEventKind::Release {
                    return Vec::new();
                }
                if self.status.as_ref().is_some_and(|s| !s.sticky) {
                    self.status = None;
                }
                let ctx = self.ctx();
                if let Some(a) = keymap::lookup(ctx, &ev) {
                    return self.action(a, now);
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
        }
    }

    fn tick(&mut self, now: u64) -> Vec<Effect> {
        if self.note_commit_due(now) {
            return self.commit_note(now);
        }
        Vec::new()
    }

    /// A pause in typing, or typing for too long without one.
    fn note_commit_due(&self, now: u64) -> bool {
        self.note_edited_at
            .is_some_and(|at| now.saturating_sub(at) >= NOTE_DEBOUNCE_MS)
            || self
                .note_first_edit
                .is_some_and(|at| now.saturating_sub(at) >= NOTE_MAX_WAIT_MS)
    }

    /// The editor changed at `now`: commit if typing went on too long.
    fn note_changed(&mut self, now: u64) -> Vec<Effect> {
        self.note_edited_at = Some(now);
        self.note_first_edit.get_or_insert(now);
        if self.note_commit_due(now) {
            return self.commit_note(now);
        }
        Vec::new()
    }

    /// Bytes of text in the note editor.
    fn editor_len(&self) -> usize {
        self.editor.as_ref().map_or(0, |ed| {
            ed.lines()
                .iter()
                .map(|l| l.len() + 1)
                .sum::<usize>()
                .saturating_sub(1)
        })
    }

    /// Say that the note is at its size limit.
    fn note_limit_reached(&mut self, dropped: usize) {
        let what = if dropped > 0 {
            format!("{dropped} bytes were not inserted")
        } else {
            "nothing more can be typed".to_string()
        };
        self.status = Some(Status {
            text: format!(
                "a note is limited to {} KiB: {what}; keep long traces in files and note where \
                 they are",
                crate::store::MAX_NOTE_BYTES / 1024
            ),
            error: true,
            sticky: false,
        });
    }

    /// Copy the editor's text into the store (if it changed) and ask for a save.
    fn commit_note(&mut self, now: u64) -> Vec<Effect> {
        self.note_edited_at = None;
        self.note_first_edit = None;
        let (Overlay::Note { code }, Some(ed)) = (&self.overlay, &self.editor) else {
            return Vec::new();
        };
        let text = ed.lines().join("\n");
        let code = *code;
        if text == self.note_base {
            return Vec::new();
        }
        match self.store.as_mut() {
            Some(s) => {
                s.set_note(code, &text, now);
                self.note_base = text;
                vec![Effect::Save]
            }
            None => {
                self.status = Some(Status {
                    text: "notes are disabled: no data directory (set SIPFIX_DATA_DIR); the text stays in the editor".into(),
                    error: true,
                    sticky: true,
                });
                Vec::new()
            }
        }
    }

    fn paste(&mut self, text: &str, now: u64) -> Vec<Effect> {
        // A terminal paste turns LF into CR: CR CR is one line end there.
        let text = sanitize::line_ends_str(text)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        match self.overlay {
            Overlay::Note { .. } => {
                if self.editor.is_none() {
                    return Vec::new();
                }
                let mut text = sanitize::text(&text);
                let room = crate::store::MAX_NOTE_BYTES.saturating_sub(self.editor_len());
                if text.len() > room {
                    let mut cut = room;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    let dropped = text.len() - cut;
                    text.truncate(cut);
                    self.note_limit_reached(dropped);
                }
                if text.is_empty() {
                    return Vec::new();
                }
                if let Some(ed) = self.editor.as_mut() {
                    ed.insert_str(text);
                }
                self.note_changed(now)
            }
            Overlay::Paste => {
                if let Some(b) = self.paste_box.as_mut() {
                    b.insert_str(sanitize::text(&text));
                }
                Vec::new()
            }
            _ if self.searching && !text.contains('\n') => {
                self.query.push_str(&sanitize::inline(&text));
                self.refilter();
                Vec::new()
            }
            _ => {
                self.decode(&text);
                Vec::new()
            }
        }
    }

    /// Decode a pasted SIP message and open its code.
    pub fn decode(&mut self, text: &str) {
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
                self.overlay = Overlay::Message { scroll: 0 };
            }
            Err(e) => {
                self.status = Some(Status {
                    text: e,
                    error: true,
                    sticky: false,
                });
            }
        }
    }

    fn unmapped(&mut self, ctx: Ctx, ev: KeyEvent, now: u64) -> Vec<Effect> {
        match ctx {
            Ctx::Search => {
                if let KeyCode::Char(c) = ev.code
                    && !ev
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                {
                    self.query.push(c);
                    self.refilter();
                }
                Vec::new()
            }
            Ctx::Note => {
                let adds = matches!(ev.code, KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab)
                    && !ev.modifiers.contains(KeyModifiers::CONTROL);
                if adds && self.editor_len() >= crate::store::MAX_NOTE_BYTES {
                    self.note_limit_reached(0);
                    return Vec::new();
                }
                if let Some(ed) = self.editor.as_mut()
                    && ed.input(ev)
                {
                    return self.note_changed(now);
                }
                Vec::new()
            }
            Ctx::Paste => {
                if let Some(b) = self.paste_box.as_mut() {
                    b.input(ev);
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn move_sel(&mut self, delta: isize) {
        if self.hits.is_empty() {
            return;
        }
        let last = self.hits.len() - 1;
        let new = (self.selected as isize)
            .saturating_add(delta)
            .clamp(0, last as isize) as usize;
        if new != self.selected {
            self.selected = new;
            self.on_selection_changed();
        }
    }

    fn action(&mut self, a: Action, now: u64) -> Vec<Effect> {
        let page = self.detail_height().saturating_sub(2).max(1);
        match self.ctx() {
            Ctx::Help => {
                let bottom = keymap::help_rows().len();
                if let Overlay::Help { scroll } = &mut self.overlay {
                    scroll_overlay(scroll, a, page, bottom);
                }
            }
            Ctx::Walk => return self.walk_action(a, now, page),
            Ctx::Message => {
                // The message is laid out once per width; scrolling slices it.
                let area = super::view::message_inner(self.panes().body);
                let bottom = self
                    .message
                    .as_ref()
                    .map_or(0, |m| m.text.last_page(area.width, area.height, self.theme));
                if let Overlay::Message { scroll } = &mut self.overlay {
                    scroll_overlay(scroll, a, page, bottom);
                    *scroll = (*scroll).min(bottom);
                }
            }
            _ => {}
        }
        match a {
            Action::ForceQuit | Action::Quit => {
                let mut fx = self.commit_note(now);
                fx.push(Effect::Quit);
                return fx;
            }
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Leave => {
                if self.searching {
                    self.searching = false;
                } else if self.overlay != Overlay::None {
                    if matches!(self.overlay, Overlay::Paste) {
                        self.info("paste box closed; p reopens it with your text");
                    }
                    self.overlay = Overlay::None;
                } else {
                    self.focus = Focus::List;
                    self.show_compare = false;
                }
            }
            Action::FocusSearch => {
                self.searching = true;
                self.overlay = Overlay::None;
            }
            Action::Open => {
                let from_search = self.searching;
                self.searching = false;
                if from_search || self.focus == Focus::List {
                    self.focus = Focus::Detail;
                    self.show_compare = false;
                } else if self.focus == Focus::Detail && self.current().is_some() {
                    self.overlay = Overlay::Walk {
                        step: self.step_cursor,
                        scroll: 0,
                        confirm_reset: false,
                    };
                }
            }
            Action::Backspace => {
                self.query.pop();
                self.refilter();
            }
            Action::ClearLine => {
                self.query.clear();
                self.refilter();
            }
            Action::Up | Action::Down => {
                if matches!(self.ctx(), Ctx::Help | Ctx::Message) {
                    return Vec::new();
                }
                let d: isize = if a == Action::Up { -1 } else { 1 };
                if self.searching {
                    self.move_sel(d);
                    return Vec::new();
                }
                match self.focus {
                    Focus::List => self.move_sel(d),
                    Focus::Detail => {
                        if let Some(code) = self.current() {
                            let n = self.steps_len(code);
                            if n > 0 {
                                self.step_cursor = (self.step_cursor as isize)
                                    .saturating_add(d)
                                    .clamp(0, n as isize - 1)
                                    as usize;
                                self.scroll_to_step();
                            }
                        }
                    }
                    Focus::Compare => {
                        self.compare_scroll =
                            (self.compare_scroll as isize).saturating_add(d).max(0) as usize;
                    }
                }
            }
            Action::Top | Action::Bottom => {
                if matches!(self.ctx(), Ctx::Help | Ctx::Message) {
                    return Vec::new();
                }
                let top = a == Action::Top;
                match self.focus {
                    Focus::List => {
                        if !self.hits.is_empty() {
                            self.selected = if top { 0 } else { self.hits.len() - 1 };
                            self.on_selection_changed();
                        }
                    }
                    Focus::Detail => {
                        self.detail_scroll = if top { 0 } else { usize::MAX / 2 };
                    }
                    Focus::Compare => {
                        self.compare_scroll = if top { 0 } else { usize::MAX / 2 };
                    }
                }
            }
            Action::PageUp | Action::PageDown => {
                if matches!(self.ctx(), Ctx::Help | Ctx::Message) {
                    return Vec::new();
                }
                let s = if self.focus == Focus::Compare {
                    &mut self.compare_scroll
                } else {
                    &mut self.detail_scroll
                };
                *s = if a == Action::PageUp {
                    s.saturating_sub(page)
                } else {
                    s.saturating_add(page)
                };
            }
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
            Action::ToggleStep => {
                if let Some(code) = self.current() {
                    let idx = match self.overlay {
                        Overlay::Walk { step, .. } => step,
                        _ => self.step_cursor,
                    };
                    if idx < self.steps_len(code) {
                        let new = if self.step_state(code, idx) == StepState::Todo {
                            StepState::Done
                        } else {
                            StepState::Todo
                        };
                        return self.set_step(code, idx, new, now);
                    }
                }
            }
            Action::StartWalk => {
                if let Some(code) = self.current() {
                    let n = self.steps_len(code);
                    let first_open = (0..n)
                        .find(|i| !self.step_state(code, *i).is_handled())
                        .unwrap_or(0);
                    let step = if self.focus == Focus::Detail {
                        self.step_cursor
                    } else {
                        first_open
                    };
                    self.overlay = Overlay::Walk {
                        step,
                        scroll: 0,
                        confirm_reset: false,
                    };
                    self.searching = false;
                }
            }
            Action::EditNote => {
                if let Some(code) = self.current() {
                    let text = self
                        .store
                        .as_ref()
                        .map(|s| s.note(code).to_string())
                        .unwrap_or_default();
                    // Control characters (a note added from the shell may hold
                    // any) are shown escaped, never sent to the terminal.
                    let text = sanitize::text(&text);
                    let mut ed =
                        TextArea::from(text.split('\n').map(str::to_string).collect::<Vec<_>>());
                    self.note_base = text;
                    ed.move_cursor(ratatui_textarea::CursorMove::Bottom);
                    ed.move_cursor(ratatui_textarea::CursorMove::End);
                    self.editor = Some(ed);
                    self.overlay = Overlay::Note { code };
                    self.searching = false;
                    if self.store.is_none() {
                        self.info("notes are disabled: what you type cannot be saved");
                    }
                }
            }
            Action::SaveNote => {
                let fx = self.commit_note(now);
                self.info("note saved");
                return fx;
            }
            Action::CloseNote => {
                let fx = self.commit_note(now);
                self.overlay = Overlay::None;
                self.editor = None;
                return fx;
            }
            Action::Pin => {
                if let Some(c) = self.current() {
                    self.pinned = Some(c);
                    self.info(format!(
                        "pinned {c}: select another code to compare (Tab to the compare pane)"
                    ));
                }
            }
            Action::Unpin => {
                self.pinned = None;
                self.show_compare = false;
                if self.focus == Focus::Compare {
                    self.focus = Focus::List;
                }
            }
            Action::Swap => {
                if let (Some(p), Some(c)) = (self.pinned, self.current()) {
                    self.pinned = Some(c);
                    self.select_code(p);
                }
            }
            Action::NextRelated => {
                if let Some(code) = self.current()
                    && let Ok(l) = self.kb.lookup(code)
                {
                    let rel = &l.entry.related;
                    if rel.is_empty() {
                        self.info(format!("{code} lists no related codes"));
                    } else {
                        let target = rel[self.related_idx % rel.len()];
                        let next_idx = self.related_idx + 1;
                        self.select_code(target);
                        self.related_idx = next_idx;
                        self.info(format!("related to {code}: {target} (b goes back)"));
                    }
                }
            }
            Action::Back => match self.history.pop() {
                Some(c) => {
                    self.select_code(c);
                    self.history.pop();
                }
                None => self.info("no earlier code to go back to"),
            },
            Action::OpenPaste => {
                if self.paste_box.is_none() {
                    self.paste_box = Some(TextArea::default());
                }
                self.overlay = Overlay::Paste;
                self.searching = false;
            }
            Action::Decode => {
                let text = self
                    .paste_box
                    .as_ref()
                    .map(|b| b.lines().join("\n"))
                    .unwrap_or_default();
                self.decode(&text);
            }
            Action::ShowMessage => {
                if self.message.is_some() {
                    self.overlay = Overlay::Message { scroll: 0 };
                } else {
                    self.info("no message decoded yet: paste one, or press p");
                }
            }
            Action::MarkDone
            | Action::MarkSkipped
            | Action::MarkFailed
            | Action::MarkTodo
            | Action::ResetProgress => {}
        }
        Vec::new()
    }

    fn walk_action(&mut self, a: Action, now: u64, page: usize) -> Vec<Effect> {
        let Some(code) = self.current() else {
            self.overlay = Overlay::None;
            return Vec::new();
        };
        let n = self.steps_len(code);
        let Overlay::Walk {
            step,
            scroll,
            confirm_reset,
        } = self.overlay.clone()
        else {
            return Vec::new();
        };
        let mut step = step.min(n.saturating_sub(1));
        let mut scroll = scroll;
        let mut confirm = false;
        let mut fx = Vec::new();
        let mark_and_advance =
            |app: &mut App, st: StepState, step: &mut usize, scroll: &mut usize| {
                let fx = app.set_step(code, *step, st, now);
                if *step + 1 < n {
                    *step += 1;
                    *scroll = 0;
                } else {
                    let (done, total) = app.progress(code);
                    app.info(format!("last step of {code}: {done}/{total} handled"));
                }
                fx
            };
        match a {
            Action::Up => {
                step = step.saturating_sub(1);
                scroll = 0;
            }
            Action::Down if step + 1 < n => {
                step += 1;
                scroll = 0;
            }
            Action::PageUp => scroll = scroll.saturating_sub(page),
            Action::PageDown => scroll = scroll.saturating_add(page),
            Action::MarkDone => {
                fx = mark_and_advance(self, StepState::Done, &mut step, &mut scroll)
            }
            Action::MarkSkipped => {
                fx = mark_and_advance(self, StepState::Skipped, &mut step, &mut scroll)
            }
            Action::MarkFailed => {
                fx = mark_and_advance(self, StepState::Failed, &mut step, &mut scroll)
            }
            Action::MarkTodo => fx = self.set_step(code, step, StepState::Todo, now),
            Action::ToggleStep => {
                let new = if self.step_state(code, step) == StepState::Todo {
                    StepState::Done
                } else {
                    StepState::Todo
                };
                fx = self.set_step(code, step, new, now);
            }
            Action::ResetProgress => {
                if confirm_reset {
                    if let Some(s) = self.store.as_mut() {
                        s.reset_steps(code, now);
                        fx.push(Effect::Save);
                    }
                    step = 0;
                    self.info(format!("progress of {code} reset"));
                } else {
                    confirm = true;
                    self.info(format!(
                        "press R again to reset all progress of {code}; any other key keeps it"
                    ));
                }
            }
            Action::Leave => {
                self.step_cursor = step;
                self.overlay = Overlay::None;
                return fx;
            }
            Action::Help => {
                self.overlay = Overlay::Help { scroll: 0 };
                return fx;
            }
            Action::Quit | Action::ForceQuit => return vec![Effect::Quit],
            _ => {}
        }
        self.step_cursor = step;
        self.overlay = Overlay::Walk {
            step,
            scroll,
            confirm_reset: confirm,
        };
        fx
    }

    /// Commit an open note editor before exit; returns the effects to run.
    pub fn prepare_exit(&mut self, now: u64) -> Vec<Effect> {
        self.commit_note(now)
    }

    /// True while a debounced note commit is waiting (the loop ticks faster).
    pub fn timer_pending(&self) -> bool {
        self.note_edited_at.is_some()
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

/// Move an overlay's scroll position for a navigation action.
fn scroll_overlay(scroll: &mut usize, a: Action, page: usize, bottom: usize) {
    match a {
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll = scroll.saturating_add(1),
        Action::PageUp => *scroll = scroll.saturating_sub(page),
        Action::PageDown => *scroll = scroll.saturating_add(page),
        Action::Top => *scroll = 0,
        Action::Bottom => *scroll = bottom,
        _ => {}
    }
}
