//! The calls of a loaded trace: loading it (an effect run by the run loop
//! on a worker; its progress and result come back as messages), the calls
//! pane's keys (move, open, filter, failed only, export), the filter line,
//! and one call's messages read again for the call view.

use super::{App, Effect, Export, Status};
use crate::sanitize;
use crate::trace::filter::{CallSet, Query};
use crate::trace::metrics::{self, Summary};
use crate::trace::model::{Call, Outcome, Triage};
use crate::trace::{Format, RawMessage, report};
use crate::tui::keymap::Action;
use crate::tui::layout::Focus;
use crate::tui::loader::{CallJob, LoadJob, Loaded, TraceSource};
use crate::tui::popups::{self, Overlay};

/// A trace load under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loading {
    pub id: u64,
    /// What is read (sanitised).
    pub label: String,
    /// Input bytes read of the input being read (`total` 0: unknown).
    pub done: u64,
    pub total: u64,
    /// Inputs started so far (each reports its own size).
    pub input: u32,
    /// When the load started and when it last reported (ms).
    pub started: u64,
    pub now: u64,
}

/// What to do once a trace opened from the command line is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartWith {
    /// The calls filter (`code:5xx peer:10.0.0.5`).
    pub filter: String,
    /// Failed calls only.
    pub failed: bool,
    /// A call to open (a Call-ID or its beginning).
    pub call: Option<String>,
}

/// One call's messages read again, whole.
#[derive(Debug)]
pub enum CallBytes {
    Reading,
    Ready(Box<Call>),
    Failed(String),
}

/// Calls whose messages read again are kept (the last ones opened).
const BYTES_KEPT: usize = 8;

/// A loaded trace and the calls pane's state.
#[derive(Debug)]
pub struct TraceView {
    pub data: Box<Loaded>,
    /// The filter line as typed.
    pub filter: String,
    pub failed_only: bool,
    pub query: Query,
    /// What is wrong in the filter line (those terms are left out).
    pub errors: Vec<String>,
    /// The calls shown, as indices into the trace's calls, in rank order.
    pub visible: Vec<u32>,
    /// Index into `visible`.
    pub selected: usize,
    /// The first row on screen.
    pub top: usize,
    /// The summary of the calls shown.
    pub summary: Summary,
    /// Messages read again, by call.
    pub bytes: Vec<(u32, CallBytes)>,
    /// The filter's words and the calls each was found in, for the next
    /// key (a word unchanged is not looked for again, a word grown by a
    /// letter is looked for in the calls it was found in).
    word_sets: Vec<(String, CallSet)>,
}

impl TraceView {
    pub fn new(data: Box<Loaded>) -> TraceView {
        let mut v = TraceView {
            visible: Vec::new(),
            summary: data.summary.clone(),
            data,
            filter: String::new(),
            failed_only: false,
            query: Query::default(),
            errors: Vec::new(),
            selected: 0,
            top: 0,
            bytes: Vec::new(),
            word_sets: Vec::new(),
        };
        v.refilter();
        v
    }

    pub fn triage(&self) -> &Triage {
        &self.data.triage
    }

    /// A call of the trace by index.
    pub fn call(&self, i: u32) -> &Call {
        &self.data.triage.calls[i as usize]
    }

    /// The highlighted call.
    pub fn selected_call(&self) -> Option<u32> {
        self.visible.get(self.selected).copied()
    }

    /// Apply the filter line and the failed-only switch again; the
    /// highlighted call stays highlighted while it is listed.
    pub fn refilter(&mut self) {
        let keep = self.selected_call();
        let (q, errors) = Query::parse(&self.filter);
        self.query = q;
        self.errors = errors;
        let t = &self.data.triage;
        if self.query.is_empty() && !self.failed_only {
            self.word_sets.clear();
            self.visible.clear();
            self.visible.extend_from_slice(&self.data.order);
            self.summary = self.data.summary.clone();
        } else {
            // Each word's calls: as last time for a word unchanged; for a
            // word grown from one of last time's found in few calls, looked
            // for in those calls only; else in all the text.
            let ix = &self.data.index;
            let few = |s: &CallSet| s.len() * 3 < ix.calls();
            let sets: Vec<(String, CallSet)> = self
                .query
                .words
                .iter()
                .map(|w| {
                    let before = |o: &str| self.word_sets.iter().find(|(p, _)| p == o);
                    let set = match before(w) {
                        Some((_, s)) => s.clone(),
                        None => match self
                            .word_sets
                            .iter()
                            .filter(|(p, s)| w.contains(p.as_str()) && few(s))
                            .min_by_key(|(_, s)| s.len())
                        {
                            Some((_, s)) => ix.find_among(w, s),
                            None => ix.find(w),
                        },
                    };
                    (w.clone(), set)
                })
                .collect();
            let mut words: Option<CallSet> = None;
            for (_, found) in &sets {
                match &mut words {
                    Some(set) => set.and(found),
                    None => words = Some(found.clone()),
                }
            }
            self.word_sets = sets;
            let q = &self.query;
            let terms = !q.has_no_terms();
            let failed_only = self.failed_only;
            let data = &self.data;
            // One pass over the ranked calls and their facts side by side,
            // listing and summarising at once; the call itself is read only
            // for the terms that need it. The list goes into its own
            // buffer: no allocation, no growing.
            let visible = &mut self.visible;
            visible.clear();
            let listed = data
                .order
                .iter()
                .zip(&data.facts)
                .filter(|&(&i, f)| {
                    (!failed_only || f.outcome == Outcome::Failure)
                        && words.as_ref().is_none_or(|w| w.contains(i as usize))
                        && (!terms || q.matches_terms(t, &t.calls[i as usize]))
                })
                .map(|(&i, f)| {
                    visible.push(i);
                    *f
                });
            self.summary = metrics::summarize_facts(listed, |m| t.method_name(m).to_string());
        }
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|&i| i == k))
            .unwrap_or(0);
        self.top = self.top.min(self.selected);
    }

    /// The call with its messages' bytes, when they are at hand (kept by
    /// the first pass, or read again).
    pub fn whole(&self, i: u32) -> Option<&Call> {
        let c = self.call(i);
        if !c.msgs.is_empty() && c.raw.len() == c.msgs.len() {
            return Some(c);
        }
        match self.bytes.iter().find(|(k, _)| *k == i) {
            Some((_, CallBytes::Ready(c))) => Some(c),
            _ => None,
        }
    }

    /// Where reading a call's messages again stands.
    pub fn bytes_of(&self, i: u32) -> Option<&CallBytes> {
        self.bytes.iter().find(|(k, _)| *k == i).map(|(_, b)| b)
    }

    /// The filters in effect, in words (for a title or an export).
    pub fn filter_desc(&self) -> String {
        let mut v = Vec::new();
        if self.failed_only {
            v.push("failed only".to_string());
        }
        let f = self.filter.trim();
        if !f.is_empty() {
            v.push(format!("filter '{}'", sanitize::inline(f)));
        }
        v.join(", ")
    }
}

impl App {
    // ----- loading -------------------------------------------------------

    /// Start loading a trace: the calls pane shows the progress, the rest
    /// of the UI stays usable.
    pub(crate) fn load(&mut self, source: TraceSource, format: Format) -> Vec<Effect> {
        let id = self.next_load;
        self.next_load += 1;
        self.loading = Some(Loading {
            id,
            label: source.label(),
            done: 0,
            total: 0,
            input: 1,
            started: self.clock,
            now: self.clock,
        });
        self.focus = Focus::Calls;
        self.searching = false;
        vec![Effect::Load(LoadJob { id, source, format })]
    }

    /// Open a trace at start (from the command line), then apply `with`.
    pub fn open_at_start(
        &mut self,
        files: Vec<std::path::PathBuf>,
        format: Format,
        with: StartWith,
        now: u64,
    ) -> Vec<Effect> {
        self.clock = now;
        self.start_with = Some(with);
        self.load(TraceSource::Files(files), format)
    }

    pub(super) fn load_progress(&mut self, id: u64, done: u64, total: u64, now: u64) {
        if let Some(l) = self.loading.as_mut().filter(|l| l.id == id) {
            if total != l.total && l.total != 0 || done < l.done {
                l.input += 1;
            }
            l.done = done;
            l.total = total;
            l.now = now;
        }
    }

    pub(super) fn loaded(
        &mut self,
        id: u64,
        result: Result<Box<Loaded>, String>,
        now: u64,
    ) -> Vec<Effect> {
        if self.loading.as_ref().is_none_or(|l| l.id != id) {
            // An older load, overtaken by a newer one.
            return Vec::new();
        }
        let label = self.loading.take().map(|l| l.label).unwrap_or_default();
        let start = self.start_with.take();
        let data = match result {
            Ok(d) => d,
            Err(e) => {
                if self.trace.is_none() && self.focus == Focus::Calls {
                    self.focus = Focus::List;
                }
                self.error(sanitize::inline(&e));
                return Vec::new();
            }
        };
        // A call view of the previous trace names calls that are gone.
        self.overlays.retain(|o| !matches!(o, Overlay::Call(_)));
        let mut tv = TraceView::new(data);
        if let Some(s) = &start {
            tv.filter = s.filter.clone();
            tv.failed_only = s.failed;
            tv.refilter();
        }
        let t = tv.triage();
        let calls = t.calls.len();
        let mut text = format!(
            "{label}: {} call{}, {} SIP message{}",
            report::thousands(calls as u64),
            if calls == 1 { "" } else { "s" },
            report::thousands(t.messages),
            if t.messages == 1 { "" } else { "s" },
        );
        // Where the counts end (a note of where the calls are goes there).
        let head = text.len();
        if t.problem_count > 0 {
            text.push_str(&format!(
                ", {} problem{} in the input",
                report::thousands(t.problem_count),
                if t.problem_count == 1 { "" } else { "s" }
            ));
            // The first one said whole (an assumed time zone changes every
            // time shown): the status line cuts it at its width, Ctrl-G and
            // `!` show it all; `sipfix triage FILE` lists them all.
            if let Some(p) = t.problems.first() {
                text.push_str(&format!(
                    " ({}{})",
                    report::problem_line(t, p),
                    if t.problem_count > 1 {
                        "; ! lists them"
                    } else {
                        ""
                    }
                ));
            }
        }
        text.push_str(if calls == 0 {
            " (no SIP call in it)"
        } else {
            "; failures first, Enter opens one, / filters"
        });
        let open = start
            .and_then(|s| s.call)
            .map(|id| match crate::trace::lookup_call(t, &id) {
                crate::trace::CallLookup::Found(c) => {
                    Ok(t.calls.iter().position(|x| std::ptr::eq(x, c)).unwrap_or(0) as u32)
                }
                crate::trace::CallLookup::None => Err(format!(
                    "no call with Call-ID '{}' in the trace",
                    sanitize::inline(&id)
                )),
                crate::trace::CallLookup::Ambiguous(v) => Err(format!(
                    "'{}' starts {} Call-IDs: give more of it",
                    sanitize::inline(&id),
                    v.len()
                )),
            });
        self.trace = Some(Box::new(tv));
        // The calls show where the progress was, unless the user went on
        // meanwhile (Tab to the codes, a search or a note being typed):
        // keys meant for that must never reach the calls pane as commands.
        let elsewhere = self.focus != Focus::Calls
            || self.searching
            || self.overlays.iter().any(|o| o.ctx().takes_text());
        // A call asked for at start (`--call`) is highlighted, and opened
        // only where the user still is on the calls.
        let mut highlighted = false;
        if let (true, Some(Ok(i))) = (elsewhere, &open)
            && let Some(tv) = self.trace.as_mut()
            && let Some(pos) = tv.visible.iter().position(|v| v == i)
        {
            tv.selected = pos;
            highlighted = true;
        }
        if elsewhere && calls > 0 {
            // Where the user is, the calls pane's keys are no use: what
            // reaches it comes first, before the 80 columns run out. Tab
            // reaches it from the panes; a window on top (a note, the open
            // prompt, the walk-through) closes first.
            let mut to = (if self.overlays.is_empty() {
                "Tab: the calls"
            } else {
                "close this window, then Tab: the calls"
            })
            .to_string();
            if highlighted {
                to.push_str(", the call asked for highlighted");
            }
            text.insert_str(head, &format!(" ({to})"));
        }
        if !self.status.as_ref().is_some_and(|s| s.sticky) {
            self.status = Some(Status {
                text,
                error: false,
                sticky: false,
            });
        }
        match open {
            Some(Ok(i)) if !elsewhere => return self.open_call(i, now),
            Some(Err(e)) => self.error(e),
            _ => {}
        }
        Vec::new()
    }

    // ----- the calls pane --------------------------------------------------

    pub(super) fn calls_action(&mut self, a: Action, now: u64) -> Vec<Effect> {
        match a {
            Action::ShowCodes => {
                self.focus = Focus::List;
                self.searching = false;
                return Vec::new();
            }
            Action::ShowCalls => {
                self.info("this is the calls pane: Tab or 2 shows the codes");
                return Vec::new();
            }
            Action::OpenTrace => {
                self.open_prompt();
                return Vec::new();
            }
            Action::OpenPaste => {
                let p = self.parked_paste.take().unwrap_or_default();
                self.overlays.push(Overlay::Paste(p));
                return Vec::new();
            }
            // `n` in a decoded message of a call: the note of its code.
            Action::EditNote => {
                match self.current() {
                    Some(code) => self.open_note(code),
                    None => self.info("no code to note: Tab shows the codes"),
                }
                return Vec::new();
            }
            _ => {}
        }
        let page = self.calls_page();
        let Some(tv) = self.trace.as_mut() else {
            match &self.loading {
                Some(l) => {
                    let label = l.label.clone();
                    self.info(format!(
                        "{label} is being read; the calls show when it is done (Tab: the codes)"
                    ))
                }
                None => {
                    self.info("no trace loaded: o opens a capture or log, or paste a log excerpt")
                }
            }
            return Vec::new();
        };
        match a {
            Action::Up => move_by(tv, -1),
            Action::Down => move_by(tv, 1),
            Action::Top => move_by(tv, isize::MIN / 2),
            Action::Bottom => move_by(tv, isize::MAX / 2),
            Action::PageUp => move_by(tv, -(page as isize)),
            Action::PageDown => move_by(tv, page as isize),
            Action::FocusSearch => {
                self.searching = true;
                self.info(
                    "filter: words and code:5xx code:486 peer:IP finding:no-ack method:REGISTER \
                     outcome:failure call:ID; Enter keeps it, Ctrl-U clears",
                );
            }
            Action::ToggleFailed => {
                tv.failed_only = !tv.failed_only;
                tv.refilter();
                let n = tv.visible.len();
                let text = if tv.failed_only {
                    format!("failed calls only: {n} (f shows all again)")
                } else {
                    format!("all calls: {n}")
                };
                self.info(text);
            }
            Action::Export => return self.export_list(),
            Action::ShowProblems => {
                if tv.triage().problem_count == 0 {
                    self.info("no problems in the input: every packet or line was read");
                } else {
                    self.overlays
                        .push(Overlay::Problems(popups::problems::ProblemsView::new()));
                }
            }
            Action::Open => {
                if let Some(i) = tv.selected_call() {
                    return self.open_call(i, now);
                }
                self.info("no call to open: the filter shows none (Ctrl-U in / clears it)");
            }
            Action::StartWalk => {
                if let Some(i) = tv.selected_call() {
                    let mut fx = self.open_call(i, now);
                    let ev = crossterm::event::KeyEvent::new(
                        crossterm::event::KeyCode::Null,
                        crossterm::event::KeyModifiers::NONE,
                    );
                    fx.extend(self.act(Action::StartWalk, &ev, now));
                    return fx;
                }
                self.info("no call to walk through: the filter shows none");
            }
            _ => {}
        }
        self.keep_call_in_view();
        Vec::new()
    }

    /// Rows of calls on a screen.
    fn calls_page(&self) -> usize {
        let body = self.panes().body;
        (crate::tui::view::calls::rows_area(self, body).height as usize).max(1)
    }

    /// Scroll the list so the highlighted call is on screen.
    pub(super) fn keep_call_in_view(&mut self) {
        let page = self.calls_page();
        if let Some(tv) = self.trace.as_mut() {
            if tv.selected < tv.top {
                tv.top = tv.selected;
            } else if tv.selected >= tv.top + page {
                tv.top = tv.selected + 1 - page;
            }
        }
    }

    /// The keys of the filter line.
    pub(super) fn filter_action(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::Open | Action::Leave => {
                self.searching = false;
                if let Some(tv) = &self.trace {
                    let n = tv.visible.len();
                    let desc = tv.filter_desc();
                    let calls = if n == 1 { "call" } else { "calls" };
                    self.info(match (desc.is_empty(), n) {
                        (true, 1) => "1 call".to_string(),
                        (true, _) => format!("all {n} calls"),
                        (false, _) => format!("{n} {calls}: {desc}"),
                    });
                }
            }
            Action::Up | Action::Down => {
                if let Some(tv) = self.trace.as_mut() {
                    move_by(tv, if a == Action::Up { -1 } else { 1 });
                }
                self.keep_call_in_view();
            }
            Action::Backspace => self.filter_edit(|f| {
                f.pop();
            }),
            Action::DeleteToStart => self.filter_edit(String::clear),
            Action::DeleteWord => self.filter_edit(|f| {
                let keep = f.trim_end().len();
                let cut = f[..keep].rfind(char::is_whitespace).map_or(0, |i| i + 1);
                f.truncate(cut);
            }),
            _ => {}
        }
        Vec::new()
    }

    /// Typed or pasted text into the filter line.
    pub(super) fn filter_push(&mut self, s: &str) {
        self.filter_edit(|f| f.push_str(s));
    }

    fn filter_edit(&mut self, edit: impl FnOnce(&mut String)) {
        let Some(tv) = self.trace.as_mut() else {
            return;
        };
        edit(&mut tv.filter);
        tv.refilter();
        let errors = tv.errors.join("; ");
        if errors.is_empty() {
            if self.status.as_ref().is_some_and(|s| !s.sticky) {
                self.status = None;
            }
        } else {
            self.info(errors);
        }
        self.keep_call_in_view();
    }

    // ----- one call --------------------------------------------------------

    /// Open the call view of call `i`, the failing response highlighted.
    pub(crate) fn open_call(&mut self, i: u32, _now: u64) -> Vec<Effect> {
        let Some(tv) = self.trace.as_mut() else {
            return Vec::new();
        };
        if let Some(pos) = tv.visible.iter().position(|&v| v == i) {
            tv.selected = pos;
        }
        let c = tv.call(i);
        // The failing response, else the final one, else the request.
        let first = report::failing_response(c)
            .or_else(|| c.final_response().map(|_| c.final_msg))
            .or_else(|| {
                c.msgs
                    .get(c.first_request as usize)
                    .map(|_| c.first_request)
            })
            .unwrap_or(0);
        self.searching = false;
        self.focus = Focus::Calls;
        self.overlays
            .push(Overlay::Call(popups::call::CallView::new(
                i,
                first as usize,
            )));
        self.keep_call_in_view();
        Vec::new()
    }

    /// Ask for call `i`'s messages to be read again (once at a time).
    pub(crate) fn read_call(&mut self, i: u32) -> Vec<Effect> {
        let Some(tv) = self.trace.as_mut() else {
            return Vec::new();
        };
        if matches!(tv.bytes_of(i), Some(CallBytes::Reading)) {
            return Vec::new();
        }
        tv.bytes.retain(|(k, _)| *k != i);
        if tv.bytes.len() >= BYTES_KEPT {
            tv.bytes.remove(0);
        }
        tv.bytes.push((i, CallBytes::Reading));
        let job = CallJob {
            load: tv.data.id,
            call: i,
            call_id: tv.call(i).call_id.clone(),
            source: tv.data.source.clone(),
            format: tv.data.format,
        };
        let label = tv.data.source.label();
        self.info(format!(
            "reading the messages of this call again from {label} (a large capture takes a moment)"
        ));
        vec![Effect::LoadCall(job)]
    }

    pub(super) fn call_bytes(
        &mut self,
        load: u64,
        call: u32,
        result: Result<Vec<RawMessage>, String>,
        now: u64,
    ) -> Vec<Effect> {
        let Some(tv) = self.trace.as_mut().filter(|tv| tv.data.id == load) else {
            return Vec::new();
        };
        let Some(slot) = tv.bytes.iter_mut().find(|(k, _)| *k == call) else {
            return Vec::new();
        };
        let failed = result.as_ref().err().cloned();
        slot.1 = match result {
            Ok(raws) => CallBytes::Ready(Box::new(crate::trace::with_messages(
                &tv.data.triage.calls[call as usize],
                raws,
            ))),
            Err(e) => CallBytes::Failed(e),
        };
        if let Some(e) = failed {
            self.error(format!(
                "the messages of this call could not be read again: {}",
                sanitize::inline(&e)
            ));
        } else if self.status.as_ref().is_some_and(|s| !s.sticky) {
            self.status = None;
        }
        // The call view waiting for them goes on with what it was asked.
        match self.overlays.last() {
            Some(Overlay::Call(v)) if v.call == call && v.pending.is_some() => {
                let Some(Overlay::Call(mut v)) = self.overlays.pop() else {
                    return Vec::new();
                };
                let reply = v.resume(self, now);
                self.apply(Overlay::Call(v), reply, now)
            }
            _ => Vec::new(),
        }
    }

    // ----- exports ----------------------------------------------------------

    /// The calls listed (the filter applied) as a Markdown report.
    fn export_list(&mut self) -> Vec<Effect> {
        let Some(tv) = &self.trace else {
            return Vec::new();
        };
        let t = tv.triage();
        let sel = report::Selection {
            triage: t,
            calls: tv.visible.iter().map(|&i| tv.call(i)).collect(),
            summary: tv.summary.clone(),
            filtered: !tv.filter.trim().is_empty() || tv.failed_only,
        };
        let text = report::markdown::report(&sel, self.kb, &tv.filter_desc());
        let name = format!("sipfix-calls-{}", file_stem(&tv.data.source.label()));
        self.info("exporting the listed calls as Markdown...");
        vec![Effect::Export(Export { name, text })]
    }

    /// Call `i` as Markdown (it needs its messages' bytes: the caller
    /// checked).
    pub(crate) fn export_call(&mut self, c: &Call) -> Vec<Effect> {
        let Some(tv) = &self.trace else {
            return Vec::new();
        };
        // A file, not the terminal: UTF-8 whatever the locale.
        let text = report::call::markdown(tv.triage(), self.kb, c, false);
        let name = format!("sipfix-call-{}", file_stem(&c.call_id));
        self.info("exporting this call as Markdown...");
        vec![Effect::Export(Export { name, text })]
    }
}

/// Move the highlighted call by `d` rows, within the list.
fn move_by(tv: &mut TraceView, d: isize) {
    if tv.visible.is_empty() {
        return;
    }
    let last = tv.visible.len() as isize - 1;
    tv.selected = (tv.selected as isize).saturating_add(d).clamp(0, last) as usize;
}

/// A safe piece of a file name from any text: letters, digits, `.`, `-`
/// and `_` kept, the rest `_`, at most 40 characters.
pub fn file_stem(s: &str) -> String {
    let stem: String = s
        .rsplit('/')
        .next()
        .unwrap_or(s)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let stem = stem.trim_start_matches('.').to_string();
    if stem.is_empty() {
        "trace".to_string()
    } else {
        stem
    }
}
