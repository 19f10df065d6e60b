//! One call of a loaded trace: its ladder (the shared layout of
//! `sipfix triage --call`, the hosts as columns, one row per message, only
//! the rows on screen built) and under it (beside it on a wide terminal)
//! the call's facts and findings with their evidence. Enter shows the
//! highlighted message decoded, `w` walks the checklist of the failing
//! response with what it says for each step, `e` exports the call.
//!
//! The whole bytes of a message are needed to decode it; a large trace
//! keeps only summaries, so the first such key asks for the call's
//! messages to be read again (an effect) and is carried out when they
//! arrive.

use super::{Reply, scroll};
use crate::doc::{Block, Item};
use crate::trace::report::{self, ladder::Ladder};
use crate::tui::app::{App, CallBytes};
use crate::tui::keymap::Action;
use crate::tui::layout::inner;
use crate::tui::lines::doc_lines;
use crate::tui::view::{block, cut_part, fit_title, put_lines, scrolled_ref, with_position};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Clear;

/// What waits for the call's messages to be read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Show message `n` decoded.
    Decode(usize),
    /// Walk the checklist of message `n`.
    Walk(usize),
    /// Export the call.
    Export,
}

#[derive(Debug)]
pub struct CallView {
    /// Index of the call in the trace.
    pub call: u32,
    /// The highlighted message (index into the call's messages).
    pub selected: usize,
    /// The first message row on screen.
    pub top: usize,
    /// The findings' scroll position.
    pub findings_scroll: usize,
    /// The findings have the keys (Tab), not the ladder.
    pub findings_focus: bool,
    pub pending: Option<Pending>,
}

/// A ladder's head as pinned above its rows.
struct Pinned {
    lines: Vec<String>,
    /// Some of the host key is not among `lines`: the facts list it.
    key_cut: bool,
}

/// The lines of a ladder's head (the host key, then the host labels and
/// lanes, or a blank line) pinned above its rows in `height` lines: all of
/// it while `min(3, msgs)` message rows still fit below. Else the lines
/// under the key stay, and the key is cut: its first lines, then one
/// saying how many more there are and where every host is listed. That
/// line and the host labels go before the second and third message rows
/// (letters without their key say nothing, the rows scroll), never before
/// the first.
fn pinned_head(l: &Ladder, height: usize, msgs: usize, width: usize, ascii: bool) -> Pinned {
    let mut room = height.saturating_sub(msgs.min(3));
    if l.head.len() <= room {
        return Pinned {
            lines: l.head.clone(),
            key_cut: false,
        };
    }
    let (key, rest) = l.head.split_at(l.key_len.min(l.head.len()));
    // A blank spacer under the key (the list layout) goes first.
    let rest = if rest.iter().all(String::is_empty) {
        &[][..]
    } else {
        rest
    };
    if key.is_empty() || key.len() + rest.len() <= room {
        let mut lines = key.to_vec();
        lines.extend(rest.iter().take(room - key.len()).cloned());
        return Pinned {
            lines,
            key_cut: false,
        };
    }
    // The line about the key, and the host labels over it if any.
    let wanted = 1 + rest.len().min(1);
    room = room.max(wanted.min(height.saturating_sub(msgs.min(1))));
    let for_key = room.saturating_sub(rest.len()).max(1).min(room);
    let mut lines = Vec::with_capacity(room);
    if for_key > 0 {
        let shown = for_key - 1;
        lines.extend(key[..shown].iter().cloned());
        lines.push(key_note(shown, key.len() - shown, width, ascii));
    }
    let left = room.saturating_sub(lines.len());
    lines.extend(rest.iter().take(left).cloned());
    Pinned {
        lines,
        key_cut: true,
    }
}

/// The line standing for the `hidden` key lines under the `shown` ones,
/// in `width` columns: shorter words on a narrow screen, cut with the
/// mark (`…`, `>` in ASCII) only when even they do not fit.
fn key_note(shown: usize, hidden: usize, width: usize, ascii: bool) -> String {
    let s = if hidden == 1 { "" } else { "s" };
    let forms = if shown == 0 {
        [
            format!("  host key: {hidden} line{s} hidden; the facts list every host"),
            format!("  {hidden} host key line{s} hidden: the facts list every host"),
            format!("  {hidden} key line{s} hidden: see Hosts in the facts"),
        ]
    } else {
        [
            format!("  ... {hidden} more key line{s}: the facts list every host"),
            format!("  {hidden} more key line{s}: the facts list every host"),
            format!("  {hidden} more key line{s}: see Hosts in the facts"),
        ]
    };
    let mark = if ascii { ">" } else { "…" };
    match forms.iter().find(|f| f.len() <= width) {
        Some(f) => f.clone(),
        None => crate::tui::lines::fit_width(&forms[2], width, mark),
    }
}

/// From this width on the findings go beside the ladder.
const SIDE_BY_SIDE: u16 = 140;

impl CallView {
    pub fn new(call: u32, selected: usize) -> CallView {
        CallView {
            call,
            selected,
            top: 0,
            findings_scroll: 0,
            findings_focus: false,
            pending: None,
        }
    }

    /// The ladder's box and the findings' box in `body`.
    pub fn areas(&self, app: &App, body: Rect) -> (Rect, Rect) {
        if body.width >= SIDE_BY_SIDE {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                    .areas(body);
            return (l, r);
        }
        let want = app.trace.as_ref().map_or(0, |tv| {
            let c = tv.call(self.call);
            let head = Ladder::new(tv.triage(), c, inner(body).width as usize, app.theme.ascii)
                .head
                .len();
            head + c.msgs.len() + 2
        });
        let findings_min = 8u16;
        let h = (want.min(u16::MAX as usize) as u16)
            .min(body.height.saturating_sub(findings_min))
            .max(6.min(body.height));
        let [l, r] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(body);
        (l, r)
    }

    /// Message rows on screen: the ladder's inside less its head.
    fn rows(&self, app: &App, ladder_box: Rect) -> usize {
        let i = inner(ladder_box);
        let pinned = app.trace.as_ref().map_or(0, |tv| {
            let c = tv.call(self.call);
            let l = Ladder::new(tv.triage(), c, i.width as usize, app.theme.ascii);
            pinned_head(
                &l,
                i.height as usize,
                c.msgs.len(),
                i.width as usize,
                app.theme.ascii,
            )
            .lines
            .len()
        });
        (i.height as usize).saturating_sub(pinned).max(1)
    }

    /// The host key's entries when the ladder's box cannot show all of
    /// its lines (empty otherwise): the facts list them then, as the line
    /// standing for the hidden key lines says.
    fn hidden_key(&self, app: &App, ladder_box: Rect) -> Vec<(String, String)> {
        let i = inner(ladder_box);
        app.trace.as_ref().map_or_else(Vec::new, |tv| {
            let c = tv.call(self.call);
            let l = Ladder::new(tv.triage(), c, i.width as usize, app.theme.ascii);
            if pinned_head(
                &l,
                i.height as usize,
                c.msgs.len(),
                i.width as usize,
                app.theme.ascii,
            )
            .key_cut
            {
                l.key
            } else {
                Vec::new()
            }
        })
    }

    /// The first message row to draw: `top`, moved so the highlighted
    /// message is on screen.
    fn first_row(&self, rows: usize) -> usize {
        if self.selected < self.top {
            self.selected
        } else if self.selected >= self.top + rows {
            self.selected + 1 - rows
        } else {
            self.top
        }
    }

    pub fn handle(&mut self, app: &mut App, a: Action, now: u64) -> Reply {
        let _ = now;
        let Some(tv) = app.trace.as_ref() else {
            return Reply::close();
        };
        let n = tv.call(self.call).msgs.len();
        let body = app.panes().body;
        let (lbox, fbox) = self.areas(app, body);
        match a {
            Action::Leave => return Reply::close(),
            Action::NextPane => {
                self.findings_focus = !self.findings_focus;
                app.info(if self.findings_focus {
                    "the findings have the keys: j/k scroll them, Tab goes back to the ladder"
                } else {
                    "the ladder has the keys: j/k move between messages"
                });
            }
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown
                if self.findings_focus =>
            {
                let fi = inner(fbox);
                let key = self.hidden_key(app, lbox);
                let total = findings_lines(app, self, fi.width, &key).len();
                let h = fi.height.max(1) as usize;
                scroll(
                    &mut self.findings_scroll,
                    a,
                    h.saturating_sub(2).max(1),
                    total.saturating_sub(h),
                );
            }
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                let rows = self.rows(app, lbox);
                let mut pos = self.selected;
                scroll(
                    &mut pos,
                    a,
                    rows.saturating_sub(1).max(1),
                    n.saturating_sub(1),
                );
                self.selected = pos;
                self.top = self.first_row(rows);
            }
            Action::Open => return self.run(app, Pending::Decode(self.selected)),
            Action::StartWalk => {
                let c = tv.call(self.call);
                // The highlighted failure, else the call's failing
                // response, else (below) the code its gravest finding leads
                // to, else the highlighted response (a 2xx: Enter and `w`
                // in the decoded message walk it too).
                let highlighted = c
                    .msgs
                    .get(self.selected)
                    .filter(|m| m.is_response())
                    .map(|m| (self.selected, m.code >= 300));
                let target = match highlighted {
                    Some((i, true)) => Some(i),
                    _ => report::failing_response(c).map(|i| i as usize),
                };
                match target {
                    Some(t) => {
                        self.selected = t;
                        let rows = self.rows(app, lbox);
                        self.top = self.first_row(rows);
                        return self.run(app, Pending::Walk(t));
                    }
                    None => {
                        // No failing response (an answered call): the code
                        // its gravest finding leads to, whose sentence says
                        // "see sipfix show N" (a failed transfer's 404, a
                        // 2xx never acknowledged).
                        let led = c
                            .findings
                            .iter()
                            .rev()
                            .filter_map(|f| Some((f.severity, f.id, f.code?)))
                            .filter(|&(_, _, code)| app.kb.get(code).is_some())
                            .max_by_key(|&(severity, _, _)| severity);
                        if let Some((_, id, code)) = led {
                            app.select_code(code);
                            if let Some(w) = app.walk_popup(code) {
                                app.info(format!(
                                    "this call has no failing response: the checklist of \
                                     {code}, where its {id} finding leads"
                                ));
                                return Reply::open(w);
                            }
                        }
                        if let Some((t, _)) = highlighted {
                            return self.run(app, Pending::Walk(t));
                        }
                        app.info(
                            "this call has no failing response and no finding that leads to a \
                             code; highlight a response to walk its code's checklist",
                        );
                    }
                }
            }
            Action::Export => return self.run(app, Pending::Export),
            // Keys of the main view that a popup on top passed down.
            Action::FocusSearch | Action::OpenPaste => return Reply::then(a),
            // The note of the code shown opens on top: Esc comes back here.
            Action::EditNote => {
                return match app.current() {
                    Some(code) => Reply {
                        open: Some(app.note_editor(code)),
                        ..Reply::default()
                    },
                    None => Reply::then(a),
                };
            }
            _ => {}
        }
        Reply::stay()
    }

    /// Do `p` now if the call's messages are at hand, else ask for them
    /// and do it when they come.
    fn run(&mut self, app: &mut App, p: Pending) -> Reply {
        let ready = app
            .trace
            .as_ref()
            .is_some_and(|tv| tv.whole(self.call).is_some());
        if ready {
            self.pending = None;
            return self.now(app, p);
        }
        // Not read yet, or reading failed before: (try) again.
        self.pending = Some(p);
        Reply::effects(app.read_call(self.call))
    }

    /// The messages came (or could not be read): go on.
    pub fn resume(&mut self, app: &mut App, _now: u64) -> Reply {
        let Some(p) = self.pending.take() else {
            return Reply::stay();
        };
        let ready = app
            .trace
            .as_ref()
            .is_some_and(|tv| tv.whole(self.call).is_some());
        if ready {
            self.now(app, p)
        } else {
            Reply::stay()
        }
    }

    fn now(&mut self, app: &mut App, p: Pending) -> Reply {
        let Some(tv) = app.trace.as_ref() else {
            return Reply::stay();
        };
        let Some(c) = tv.whole(self.call) else {
            return Reply::stay();
        };
        let msg = match p {
            Pending::Export => {
                let c = c.clone();
                return Reply::effects(app.export_call(&c));
            }
            Pending::Decode(m) | Pending::Walk(m) => m,
        };
        let Some(bytes) = c.raw_of(msg as u32) else {
            app.info(format!(
                "message #{} could not be found again in the input",
                msg + 1
            ));
            return Reply::stay();
        };
        let origin = format!(
            "message #{} of call {}",
            msg + 1,
            report::clip(&crate::sanitize::ident(&c.call_id), 30)
        );
        let decoded = match crate::tui::decode::decode_bytes(app.kb, bytes, &origin) {
            Ok(d) => d,
            Err(e) => {
                app.error(format!("message #{} does not decode: {e}", msg + 1));
                return Reply::stay();
            }
        };
        let code = decoded.code;
        app.message = Some(decoded);
        if let Some(code) = code {
            app.select_code(code);
        }
        match p {
            Pending::Walk(_) => match code.and_then(|c| app.walk_popup(c)) {
                Some(w) => Reply::open(w),
                None => {
                    app.info(format!("message #{} has no checklist to walk", msg + 1));
                    Reply::stay()
                }
            },
            _ => Reply::open(super::Overlay::Message(super::message::MessageView::new())),
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let Some(tv) = app.trace.as_ref() else {
            return;
        };
        let t = tv.triage();
        let c = tv.call(self.call);
        f.render_widget(Clear, body);
        let (lbox, fbox) = self.areas(app, body);
        // The ladder.
        let li = inner(lbox);
        let ladder = Ladder::new(t, c, li.width as usize, app.theme.ascii);
        let Pinned {
            lines: pinned,
            key_cut,
        } = pinned_head(
            &ladder,
            li.height as usize,
            c.msgs.len(),
            li.width as usize,
            app.theme.ascii,
        );
        let rows = (li.height as usize).saturating_sub(pinned.len()).max(1);
        let first = self.first_row(rows);
        let fin = report::final_label(t, app.kb, c);
        let id = report::clip(&crate::sanitize::ident(&c.call_id), 40);
        let method = t.method_name(c.method).to_string();
        let outcome = c.outcome.label();
        let width = (lbox.width as usize).saturating_sub(4);
        // A long reason phrase is cut to the room the Call-ID leaves, then
        // only the code is kept: the outcome stays.
        let code = c.final_response().map(|m| m.code.to_string());
        let others = format!("Call {method} {outcome} ");
        let fin_cut = cut_part(
            &fin,
            width.saturating_sub(unicode_width::UnicodeWidthStr::width(others.as_str())),
            8,
            app.theme.ascii,
        );
        let fins: Vec<&str> = [Some(fin.as_str()), Some(fin_cut.as_str()), code.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        let title = fit_title(
            &[
                (0, &["Call"]),
                (2, &[id.as_str(), ""]),
                (1, &[method.as_str()]),
                (1, fins.as_slice()),
                (1, &[outcome]),
                (3, &["(b back)", ""]),
            ],
            width,
            app.theme.ascii,
        );
        let b = block(app, title, !self.findings_focus);
        let b = with_position(app, b, first, rows as u16, c.msgs.len());
        f.render_widget(b, lbox);
        let head: Vec<Line> = pinned
            .into_iter()
            .map(|s| Line::styled(s, app.theme.dim()))
            .collect();
        put_lines(f, head.iter(), li);
        let top = li.y + (head.len() as u16).min(li.height);
        let area = Rect::new(li.x, top, li.width, li.bottom().saturating_sub(top));
        let lines: Vec<Line> = (first..c.msgs.len().min(first + area.height as usize))
            .map(|i| Line::raw(ladder.row(t, app.kb, c, i as u32)))
            .collect();
        put_lines(f, lines.iter(), area);
        if self.selected >= first && self.selected < first + area.height as usize {
            let y = area.y + (self.selected - first) as u16;
            f.buffer_mut()
                .set_style(Rect::new(area.x, y, area.width, 1), app.theme.selected());
        }
        // The facts and findings.
        if fbox.height > 0 {
            let fi = inner(fbox);
            let key = if key_cut { ladder.key } else { Vec::new() };
            let lines = findings_lines(app, self, fi.width, &key);
            let title = format!("Facts and findings: {} (Tab)", c.findings.len());
            let b = block(app, title, self.findings_focus);
            let b = with_position(app, b, self.findings_scroll, fi.height, lines.len());
            f.render_widget(b, fbox);
            scrolled_ref(f, &lines, fi, self.findings_scroll);
        }
    }
}

/// The call's facts and findings laid out at `width`, with the host key's
/// `key` entries the ladder's box has no room for.
fn findings_lines(
    app: &App,
    v: &CallView,
    width: u16,
    key: &[(String, String)],
) -> Vec<Line<'static>> {
    let Some(tv) = app.trace.as_ref() else {
        return Vec::new();
    };
    let t = tv.triage();
    let c = tv.call(v.call);
    // The Call-ID whole, first: the title shortens a long one, and it is
    // what a ticket or a colleague asks for.
    let mut d: Vec<Block> = vec![Block::Field(
        "Call-ID".into(),
        crate::sanitize::shown_ident(&c.call_id),
    )];
    // Next, on screen whatever the height: the ladder's letters say
    // nothing without it. `A=host` entries: a line breaks between hosts.
    if !key.is_empty() {
        let entries: Vec<String> = key.iter().map(|(l, h)| format!("{l}={h}")).collect();
        d.push(Block::Field("Hosts".into(), entries.join(", ")));
    }
    d.extend(
        report::call::facts(t, app.kb, c)
            .into_iter()
            .map(|(k, v)| Block::Field(k, v)),
    );
    match tv.bytes_of(v.call) {
        Some(CallBytes::Reading) => d.push(Block::Warning(format!(
            "reading this call's messages again from {}...",
            tv.data.source.label()
        ))),
        Some(CallBytes::Failed(e)) => d.push(Block::Warning(format!(
            "its messages could not be read again: {}",
            crate::sanitize::inline(e)
        ))),
        _ => {}
    }
    d.push(Block::Heading(format!("Findings: {}", c.findings.len())));
    if c.findings.is_empty() {
        d.push(Block::Para(
            "none: nothing in this call matches a known problem.".into(),
        ));
    } else {
        d.push(Block::Tree(
            c.findings
                .iter()
                .map(|f| {
                    let w = report::call::finding_words(t, c, f);
                    let mut item = Item::bullet(format!("{} {}", w.head, w.basis));
                    item.children = w.evidence.into_iter().map(Item::bullet).collect();
                    item
                })
                .collect(),
        ));
    }
    if let Some(fr) = report::failing_response(c) {
        d.push(Block::Para(format!(
            "#{} is the failing response: Enter on it shows it decoded, w walks its code's \
             checklist with what it says for each step, e exports the call.",
            fr + 1
        )));
    }
    doc_lines(&d, width, app.theme, None).lines
}
