//! Findings: small pure functions over one call, each saying in a sentence
//! what went wrong (or what is worth knowing), with the evidence (which
//! messages, which header values), the RFC section it rests on and the
//! knowledge-base code to read next. The report only sorts and groups them.
//!
//! | id | severity | RFC basis |
//! |---|---|---|
//! | `no-response` | failure | RFC 3261 §17.1.1.2, §17.1.2.2 |
//! | `no-ack` | failure (2xx) / warning (3xx-6xx) | RFC 3261 §13.3.1.4, §17.1.1.3 |
//! | `slow-setup` | warning | RFC 3261 §17.2.1; RFC 6076 §4.3 |
//! | `auth-loop` | failure | RFC 3261 §22.2, §22.3; RFC 7616 §3.3 |
//! | `overload` | failure (5xx) / info | RFC 3261 §21.5.4, §20.33; RFC 3263 §4.3 |
//! | `cause` | info / warning | RFC 3326 §2; RFC 3261 §20.43 |
//! | `cancel-race` | warning | RFC 3261 §9.1, §9.2 |
//! | `refer-no-notify` | warning | RFC 3515 §2.4.4; RFC 6665 §4.1.3 |
//! | `codec-reject` | failure / warning | RFC 3264 §6; RFC 3261 §21.4.26 |
//! | `timer` | warning / failure | RFC 4028 §6, §10; RFC 3261 §10.2.8, §12.2.2 |
//! | `request-failed` | warning | RFC 3261 §8.1.3 |
//! | `early-bye` | warning | RFC 3261 §15, §15.1.2 |

use super::model::{
    Call, Ep, ExtraKind, Method, Msg, NO_EP, NONE, Outcome, T1_NS, TIMER_B_NS, TIMER_C_NS, Triage,
    Txn, flag,
};
use crate::kb::Kb;
use crate::message::text::excerpt;
use crate::message::{ReasonInfo, RetryAfter, WarningInfo};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Failure,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Failure => "failure",
        }
    }
}

/// One piece of evidence: a message of the call (0-based index into
/// [`Call::msgs`]) and what it shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub msg: Option<u32>,
    pub text: Arc<str>,
}

/// A finding about one call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    /// One or two sentences for a NOC engineer (untrusted values already
    /// escaped). Shared between the calls that say the same thing (see
    /// [`Shared`]): a trace of 100,000 calls failing the same way holds
    /// the sentence once.
    pub text: Arc<str>,
    /// The knowledge-base code to read next (`sipfix show CODE`).
    pub code: Option<u16>,
    /// The RFC sections it rests on.
    pub rfc: &'static str,
    pub evidence: Vec<Evidence>,
}

/// The texts of the findings of many calls, each kept once: calls that
/// fail the same way between the same hosts get the same sentences, and
/// holding one copy each keeps a big trace's memory to its calls.
#[derive(Default)]
pub struct Shared {
    kept: HashSet<Arc<str>, foldhash::fast::FixedState>,
    /// Where [`Shared::fmt`] writes a text before looking it up.
    scratch: String,
    /// The sentences of [`Shared::fmt_keyed`] by their inputs.
    by_inputs: HashMap<Box<[u8]>, Arc<str>, foldhash::fast::FixedState>,
}

/// What a sentence is made of, as bytes: the place that writes it (a
/// number of its own) and every value that goes into it. The same key
/// always gives the same sentence, so [`Shared::fmt_keyed`] formats it
/// once. Built on the stack; a key too long to hold is not remembered.
pub(crate) struct Key {
    buf: [u8; 128],
    len: usize,
    whole: bool,
}

impl Key {
    pub(crate) fn new(site: u8) -> Key {
        let mut k = Key {
            buf: [0; 128],
            len: 0,
            whole: true,
        };
        k.put(&[site]);
        k
    }

    fn put(&mut self, b: &[u8]) {
        match self.buf.get_mut(self.len..self.len + b.len()) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.len += b.len();
            }
            None => self.whole = false,
        }
    }

    pub(crate) fn num(mut self, v: u64) -> Key {
        self.put(&v.to_le_bytes());
        self
    }

    /// A text, with its length (so that two texts cannot run together).
    pub(crate) fn text(mut self, t: &str) -> Key {
        self.put(&(t.len() as u64).to_le_bytes());
        self.put(t.as_bytes());
        self
    }

    /// A response's phrase as [`Phrase`] writes it.
    fn phrase(self, p: &Phrase<'_>) -> Key {
        let k = self.num(u64::from(p.code));
        match p.wire {
            Some(w) => k.num(1).text(w),
            None => k.num(0),
        }
    }
}

impl Shared {
    fn one(&mut self, s: &mut Arc<str>) {
        // Already one of the kept copies (made by `fmt`, or shared before).
        if Arc::strong_count(s) > 1 {
            return;
        }
        match self.kept.get(&**s) {
            Some(kept) => *s = Arc::clone(kept),
            None => {
                self.kept.insert(Arc::clone(s));
            }
        }
    }

    /// The kept copy of a formatted text, made only when it is new: a
    /// sentence repeated over 100,000 calls costs one formatting each and
    /// no allocation.
    pub fn fmt(&mut self, args: std::fmt::Arguments<'_>) -> Arc<str> {
        use std::fmt::Write;
        self.scratch.clear();
        let _ = self.scratch.write_fmt(args);
        match self.kept.get(self.scratch.as_str()) {
            Some(kept) => Arc::clone(kept),
            None => {
                let s: Arc<str> = Arc::from(self.scratch.as_str());
                self.kept.insert(Arc::clone(&s));
                s
            }
        }
    }

    /// [`Shared::fmt`] of a sentence made only of what `key` holds:
    /// formatted the first time that key comes, looked up after (a
    /// sentence repeated over 100,000 calls is then neither formatted
    /// nor hashed whole again).
    pub(crate) fn fmt_keyed(&mut self, key: Key, args: std::fmt::Arguments<'_>) -> Arc<str> {
        if !key.whole {
            return self.fmt(args);
        }
        let k = &key.buf[..key.len];
        if let Some(s) = self.by_inputs.get(k) {
            return Arc::clone(s);
        }
        let s = self.fmt(args);
        self.by_inputs.insert(Box::from(k), Arc::clone(&s));
        s
    }

    /// Point the findings' texts at the copies already kept.
    pub fn share(&mut self, findings: &mut Vec<Finding>) {
        for f in findings.iter_mut() {
            self.one(&mut f.text);
            for e in &mut f.evidence {
                self.one(&mut e.text);
            }
            f.evidence.shrink_to_fit();
        }
        findings.shrink_to_fit();
    }
}

/// Every finding id, in report order, with its RFC basis.
pub const IDS: [(&str, &str); 13] = [
    ("no-response", RFC_NO_RESPONSE),
    ("no-ack", "RFC 3261 §13.3.1.4, §17.1.1.3"),
    ("slow-setup", RFC_SLOW),
    ("auth-loop", RFC_AUTH),
    ("overload", RFC_OVERLOAD),
    ("cause", RFC_CAUSE),
    ("cancel-race", RFC_CANCEL),
    ("refer-no-notify", RFC_REFER),
    ("refer-failed", RFC_REFER_FAILED),
    ("codec-reject", RFC_CODEC),
    ("timer", "RFC 4028 §6, §10; RFC 3261 §10.2.8, §12.2.2"),
    ("request-failed", RFC_FAILED),
    ("early-bye", RFC_EARLY_BYE),
];

const RFC_NO_RESPONSE: &str = "RFC 3261 §17.1.1.2, §17.1.2.2";
const RFC_NO_ACK: &str = "RFC 3261 §13.3.1.4";
const RFC_SLOW: &str = "RFC 3261 §17.2.1; RFC 6076 §4.3";
const RFC_AUTH: &str = "RFC 3261 §22.2, §22.3; RFC 7616 §3.3";
const RFC_OVERLOAD: &str = "RFC 3261 §21.5.4, §20.33; RFC 3263 §4.3";
const RFC_CAUSE: &str = "RFC 3326 §2; RFC 3261 §20.43";
const RFC_CANCEL: &str = "RFC 3261 §9.1, §9.2";
const RFC_REFER: &str = "RFC 3515 §2.4.4; RFC 6665 §4.1.3";
const RFC_REFER_FAILED: &str = "RFC 3515 §2.4.5";
const RFC_CODEC: &str = "RFC 3264 §6; RFC 3261 §21.4.26";
const RFC_UNSUPPORTED_BODY: &str = "RFC 3261 §21.4.13, §8.2.3";
const RFC_422: &str = "RFC 4028 §6, §7.3";
const RFC_423: &str = "RFC 3261 §10.2.8, §21.4.17";
const RFC_SE_BYE: &str = "RFC 4028 §10";
const RFC_481: &str = "RFC 3261 §12.2.2";
const RFC_FAILED: &str = "RFC 3261 §8.1.3";
const RFC_NO_ACK_FAILURE: &str = "RFC 3261 §17.1.1.3, §12.3";
const RFC_EARLY_BYE: &str = "RFC 3261 §15, §15.1.2";
/// Ringing without end: Timer C at a proxy (§16.6, point 11 of §16.7).
const RFC_RINGING_NO_FINAL: &str = "RFC 3261 §16.6, §16.7";
/// A BYE before any dialog: dialogs come from 101-199 and 2xx responses
/// with a To tag (§12.1); a BYE outside one is answered 481 (§15.1.2); a
/// caller gives up with CANCEL once a provisional response came (§9.1).
const RFC_BYE_NO_DIALOG: &str = "RFC 3261 §12.1, §15.1.2, §9.1";

/// Post-dial delay above this is slow (5 s).
pub const SLOW_PDD_MS: u64 = 5000;
/// A REFER's NOTIFY is expected within this (5 s of trace after the 202).
pub const NOTIFY_WAIT_NS: i64 = 5_000_000_000;

/// What the findings need besides the call: names, addresses, the trace's
/// end and per-server counts across the whole trace.
pub struct Context<'a> {
    pub kb: &'a Kb,
    /// The trace's text arena ([`Triage::text`]).
    pub text: &'a str,
    pub methods: &'a [Box<str>],
    /// Every endpoint of the trace as `ip:port`, formatted once.
    pub endpoints: Vec<String>,
    /// What a host without an address is called ([`Triage::unnamed_host`]).
    pub unnamed: &'static str,
    /// The stretches of time the inputs show ([`Triage::coverage`]).
    pub coverage: &'a [(i64, i64)],
    /// The messages the capture cut short before they could be placed,
    /// that may be responses ([`Triage::cut`]).
    pub(crate) cut: &'a [super::model::CutAnswers],
    /// The same for those that may be requests ([`Triage::cut_requests`]).
    pub(crate) cut_requests: &'a [super::model::CutAnswers],
    /// Per responding server: final responses sent, and how many of them
    /// were overload answers (503, or 500/480/486/600 with Retry-After).
    /// Indexed by endpoint.
    pub servers: Vec<(u32, u32)>,
    /// Each distinct Reason, Warning and Retry-After value of the trace,
    /// decoded once (a trace repeats a handful of values many times).
    /// By value and the status code of the response carrying it (0 in a
    /// request).
    reasons: HashMap<(&'a str, u16), (ReasonInfo, Vec<String>)>,
    warnings: HashMap<&'a str, WarningInfo>,
    retry_after: HashMap<&'a str, RetryAfter>,
    /// Every call of the trace, for a finding that points to another one.
    calls: &'a [Call],
    /// The INVITE calls by the user part of their To URI ([`uri_key`]),
    /// made the first time a failed transfer looks for the transferee's
    /// call to its target (most traces have none).
    by_to_user: std::sync::OnceLock<HashMap<&'a str, Vec<u32>>>,
}

/// The per-server counts and decoded header values of some calls (see
/// [`Context::new`]).
struct Tables<'a> {
    servers: Vec<(u32, u32)>,
    /// By value and the status code of the response carrying it (0 in a
    /// request).
    reasons: HashMap<(&'a str, u16), (ReasonInfo, Vec<String>)>,
    warnings: HashMap<&'a str, WarningInfo>,
    retry_after: HashMap<&'a str, RetryAfter>,
}

impl<'a> Tables<'a> {
    /// Both halves' counts added, and each value decoded once.
    fn merge(mut self, other: Tables<'a>) -> Tables<'a> {
        for (s, (n, o)) in self.servers.iter_mut().zip(other.servers) {
            s.0 += n;
            s.1 += o;
        }
        for (k, v) in other.reasons {
            self.reasons.entry(k).or_insert(v);
        }
        for (k, v) in other.warnings {
            self.warnings.entry(k).or_insert(v);
        }
        for (k, v) in other.retry_after {
            self.retry_after.entry(k).or_insert(v);
        }
        self
    }
}

impl<'a> Context<'a> {
    pub fn new(t: &'a Triage, kb: &'a Kb) -> Context<'a> {
        // One pass over every call's messages and header values, half of
        // the calls on a second thread; a value both halves hold is
        // decoded twice (a trace repeats a handful of values).
        let mid = t.calls.len() / 2;
        let (first, second) = t.calls.split_at(mid);
        let pass = |part: &'a [Call]| {
            let mut tb = Tables {
                servers: vec![(0, 0); t.endpoints.len()],
                reasons: HashMap::new(),
                warnings: HashMap::new(),
                retry_after: HashMap::new(),
            };
            for c in part {
                for (i, m) in c.msgs.iter().enumerate() {
                    if !m.is_final() || m.has(flag::RETRANS) || m.src == NO_EP {
                        continue;
                    }
                    let Some(e) = tb.servers.get_mut(m.src as usize) else {
                        continue;
                    };
                    e.0 += 1;
                    if is_overload(&t.text, c, i as u32, m) {
                        e.1 += 1;
                    }
                }
                for e in &c.extras {
                    let v = super::model::span_str(&t.text, e.at);
                    match e.kind {
                        ExtraKind::Reason => {
                            let code = c.msgs[e.msg as usize].code;
                            tb.reasons.entry((v, code)).or_insert_with(|| {
                                crate::message::decode_reason(v, (code != 0).then_some(code), kb)
                            });
                        }
                        ExtraKind::Warning => {
                            tb.warnings
                                .entry(v)
                                .or_insert_with(|| crate::message::decode_warning(v, kb));
                        }
                        ExtraKind::RetryAfter => {
                            tb.retry_after
                                .entry(v)
                                .or_insert_with(|| crate::message::decode_retry_after(v, kb));
                        }
                        _ => {}
                    }
                }
            }
            tb
        };
        let (a, b) = super::model::in_halves(first, second, pass);
        let Tables {
            servers,
            reasons,
            warnings,
            retry_after,
        } = a.merge(b);
        Context {
            kb,
            reasons,
            warnings,
            retry_after,
            text: &t.text,
            methods: &t.methods,
            endpoints: t.endpoints.iter().map(|e| e.to_string()).collect(),
            unnamed: t.unnamed_host(),
            coverage: &t.coverage,
            cut: &t.cut,
            cut_requests: &t.cut_requests,
            servers,
            calls: &t.calls,
            by_to_user: std::sync::OnceLock::new(),
        }
    }

    /// The transferee's own call to the target of a failed transfer: an
    /// INVITE call (another Call-ID) to the REFER's Refer-To user, begun
    /// between the REFER and the NOTIFY reporting the failure, that ended
    /// on the code the NOTIFY reports. Of several, the last begun.
    fn transferees_call(
        &self,
        call: &Call,
        refer: u32,
        notify: u32,
        code: u16,
    ) -> Option<&'a Call> {
        let to = self.extra(call, refer, ExtraKind::ReferTo)?;
        let uri = std::str::from_utf8(super::skim::name_addr_uri(to.as_bytes())).ok()?;
        let key = uri_key(uri)?;
        let index = self.by_to_user.get_or_init(|| {
            let mut m: HashMap<&'a str, Vec<u32>> = HashMap::new();
            for (i, c) in self.calls.iter().enumerate() {
                if c.method == Method::INVITE
                    && !c.began_in_dialog
                    && let Some(k) = uri_key(self.text(c.to_uri))
                {
                    m.entry(k).or_default().push(i as u32);
                }
            }
            m
        });
        let (from, until) = (
            call.msgs[refer as usize].time(),
            call.msgs[notify as usize].time(),
        );
        index
            .get(key)?
            .iter()
            .map(|&i| &self.calls[i as usize])
            .filter(|c| {
                c.call_id != call.call_id
                    && c.final_msg != NONE
                    && c.msgs[c.final_msg as usize].code == code
                    && match (from, until, c.start_ns) {
                        // Clocks of merged captures may differ a little.
                        (Some(a), Some(b), Some(s)) => s >= a - 1_000_000_000 && s <= b,
                        _ => true,
                    }
            })
            .max_by_key(|c| c.start_ns)
    }

    /// Until when the trace shows what followed `call` (see
    /// `seen_until` in the model).
    pub fn trace_end(&self, call: &Call) -> Option<i64> {
        super::model::seen_until(self.coverage, call)
    }

    /// A kept header value of one message.
    pub fn extra(&self, c: &Call, msg: u32, kind: ExtraKind) -> Option<&'a str> {
        super::model::extra_in(self.text, c, msg, kind)
    }

    fn method(&self, m: Method) -> &str {
        self.methods.get(m.0 as usize).map_or("?", |s| s)
    }

    fn text(&self, s: super::model::Span) -> &'a str {
        super::model::span_str(self.text, s)
    }

    fn ep(&self, e: Ep) -> &str {
        self.endpoints.get(e as usize).map_or(self.unnamed, |s| s)
    }

    fn phrase(&self, call: &Call, msg: u32) -> String {
        self.phrase_of(call, msg).to_string()
    }

    /// A response's code and reason phrase (the wire's, else the
    /// knowledge base's), to be formatted.
    fn phrase_of(&self, call: &Call, msg: u32) -> Phrase<'_> {
        let code = call.msgs[msg as usize].code;
        let wire = self
            .extra(call, msg, ExtraKind::Phrase)
            .filter(|p| !p.is_empty());
        Phrase {
            code,
            wire,
            kb: self.kb,
        }
    }
}

/// See [`Context::phrase_of`].
struct Phrase<'a> {
    code: u16,
    wire: Option<&'a str>,
    kb: &'a Kb,
}

impl std::fmt::Display for Phrase<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code;
        match self.wire {
            Some(p) => write!(f, "{code} {}", excerpt(p, 40)),
            None if code == 200 => f.write_str("200 OK"),
            None => match self.kb.get(code) {
                Some(e) => write!(f, "{code} {}", e.reason),
                None => write!(f, "{code}"),
            },
        }
    }
}

fn is_overload(text: &str, c: &Call, i: u32, m: &Msg) -> bool {
    m.code == 503
        || (matches!(m.code, 500 | 480 | 486 | 600)
            && super::model::extra_in(text, c, i, ExtraKind::RetryAfter).is_some())
}

/// One finding's check over a call.
type Check = fn(&Call, &Context<'_>, &mut Shared) -> Vec<Finding>;

/// Run every finding over a call, most severe first.
pub fn run(call: &Call, ctx: &Context<'_>, shared: &mut Shared) -> Vec<Finding> {
    let mut out = Vec::new();
    // Each check writes its sentences through `shared`: a sentence that
    // many calls share (a trunk failing the same way) is formatted into a
    // reused buffer and allocated once.
    let checks: [Check; 12] = [
        no_response,
        no_ack,
        slow_setup,
        auth_loop,
        overload,
        cause,
        cancel_race,
        refer_no_notify,
        codec_reject,
        timer,
        request_failed,
        early_bye,
    ];
    for f in checks {
        let found = f(call, ctx, shared);
        // Most calls have one finding or none: keep its vector.
        if out.is_empty() {
            out = found;
        } else {
            out.extend(found);
        }
    }
    shared.share(&mut out);
    // Stable: report order among equal severities.
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

fn ev(msg: u32, text: impl Into<Arc<str>>) -> Evidence {
    Evidence {
        msg: Some(msg),
        text: text.into(),
    }
}

fn note(text: impl Into<Arc<str>>) -> Evidence {
    Evidence {
        msg: None,
        text: text.into(),
    }
}

/// A duration for people: `850 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`.
pub fn duration(ns: i64) -> String {
    Duration(ns).to_string()
}

/// [`duration`], to be formatted.
struct Duration(i64);

impl Duration {
    /// The milliseconds shown (all that the text depends on).
    fn ms(&self) -> u64 {
        (self.0.max(0) / 1_000_000) as u64
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.ms();
        if ms < 1000 {
            write!(f, "{ms} ms")
        } else if ms < 60_000 {
            write!(f, "{}.{} s", ms / 1000, ms % 1000 / 100)
        } else if ms < 3_600_000 {
            write!(f, "{} min {} s", ms / 60_000, ms % 60_000 / 1000)
        } else {
            write!(f, "{} h {} min", ms / 3_600_000, ms % 3_600_000 / 60_000)
        }
    }
}

/// `850 ms after`, or `after` alone when a time it needs is missing (a
/// log without times): no made-up duration.
struct After(Option<i64>);

impl After {
    /// What the text depends on (a key for [`Shared::fmt_keyed`]).
    fn key(&self) -> u64 {
        self.0.map_or(u64::MAX, |d| Duration(d).ms())
    }
}

impl std::fmt::Display for After {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(d) => write!(f, "{} after", Duration(d)),
            None => f.write_str("after"),
        }
    }
}

/// Why a duration from a message of `call` cannot be given: the trace
/// has no times at all, or that message has none.
fn no_time(call: &Call, ctx: &Context<'_>) -> &'static str {
    if ctx.trace_end(call).is_none() {
        "the trace has no times"
    } else {
        "the request has no time"
    }
}

fn span(call: &Call, a: u32, b: u32) -> Option<i64> {
    let ta = call.msgs.get(a as usize)?.time()?;
    let tb = call.msgs.get(b as usize)?.time()?;
    Some(tb - ta)
}

fn msgs_of(call: &Call, txn: u32) -> impl Iterator<Item = (u32, &Msg)> {
    call.msgs
        .iter()
        .enumerate()
        .filter(move |(_, m)| m.txn == txn)
        .map(|(i, m)| (i as u32, m))
}

fn is_primary(call: &Call, t: u32) -> bool {
    call.is_primary(t)
}

/// Whether `msg` is the response that ended the call: its final response
/// when that failed it (a re-INVITE refused in a call that began before
/// the trace is its final response, but the call goes on).
fn is_final_of_call(call: &Call, msg: u32) -> bool {
    call.final_msg == msg && msg != NONE && call.outcome != Outcome::Answered
}

/// Who generated response `i`: a proxy passes a response on with the same
/// code, CSeq and method after it got it (RFC 3261 §16.7), so the
/// earliest such copy from another sender is the originator's. The
/// sender of `i` itself when no earlier copy is in the call.
fn origin(call: &Call, i: u32) -> Ep {
    call.msgs[origin_msg(call, i) as usize].src
}

/// The copy of response `i` its originator sent (see [`origin`]): `i`
/// itself when no earlier copy is in the call.
fn origin_msg(call: &Call, i: u32) -> u32 {
    let m = &call.msgs[i as usize];
    call.msgs[..i as usize]
        .iter()
        .position(|o| {
            o.code == m.code && o.cseq == m.cseq && o.method == m.method && o.src != m.src
        })
        .map_or(i, |j| j as u32)
}

/// What two URIs must share to be the same target: the user part of a
/// `sip:`, `sips:` or `tel:` URI (`sip:1002@pbx;user=phone` -> `1002`),
/// or its host without the port when it has no user. A proxy may rewrite
/// the host (a domain to an address) but not the user.
fn uri_key(uri: &str) -> Option<&str> {
    let uri = uri.trim();
    let rest = match uri.split_once(':') {
        Some((scheme, rest))
            if ["sip", "sips", "tel"]
                .iter()
                .any(|s| scheme.eq_ignore_ascii_case(s)) =>
        {
            rest
        }
        _ => uri,
    };
    let rest = rest.split('?').next().unwrap_or_default();
    let key = match rest.split_once('@') {
        Some((user, _)) => user.split(';').next().unwrap_or_default(),
        None => rest.split([':', ';']).next().unwrap_or_default(),
    };
    (!key.is_empty()).then_some(key)
}

/// Who sent transaction `tx`'s request: its first copy's sender, else
/// where its final response went.
fn requester(call: &Call, tx: &Txn) -> Option<Ep> {
    if tx.request != NONE {
        Some(call.msgs[tx.request as usize].src)
    } else if tx.final_msg != NONE {
        Some(call.msgs[tx.final_msg as usize].dst)
    } else {
        None
    }
}

/// Transactions `txns` in the order of their first message, less the
/// copies a proxy relayed: one attempt seen on two hops (a copy of the
/// request and of its answer on each) is one attempt, and its first copy
/// stands for it. A copy of the same method and CSeq from the same sender
/// is an attempt of its own (a client that wrongly reuses its CSeq, §22.2).
fn attempts(call: &Call, mut txns: Vec<u32>) -> Vec<u32> {
    // Most calls: nothing to sort or merge (runs for every call).
    if txns.len() < 2 {
        return txns;
    }
    let first = |tx: &Txn| {
        if tx.request != NONE {
            tx.request
        } else {
            tx.final_msg
        }
    };
    txns.sort_by_key(|&t| first(&call.txns[t as usize]));
    // From the last down, so that what comes before each is still whole
    // (no second list: this runs for every call).
    for k in (1..txns.len()).rev() {
        let tx = &call.txns[txns[k] as usize];
        let from = requester(call, tx);
        let relayed = tx.cseq != 0
            && txns[..k].iter().any(|&j| {
                let o = &call.txns[j as usize];
                o.method == tx.method && o.cseq == tx.cseq && requester(call, o) != from
            });
        if relayed {
            txns.remove(k);
        }
    }
    txns
}

/// The copies of a transaction's request on the path of its first copy
/// (same source and destination): the original and its retransmissions,
/// not the same request relayed to another hop.
fn request_copies(call: &Call, t: u32) -> impl Iterator<Item = u32> {
    let tx = &call.txns[t as usize];
    let first = call.msgs.get(tx.request as usize);
    msgs_of(call, t)
        .filter(move |(_, m)| {
            first.is_some_and(|first| {
                m.is_request() && m.method == tx.method && m.src == first.src && m.dst == first.dst
            })
        })
        .map(|(i, _)| i)
}

/// Message numbers as `#1 #3 #5`, the first eight, then how many in all.
struct List<'a>(&'a [u32]);

impl std::fmt::Display for List<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, i) in self.0.iter().take(8).enumerate() {
            if n > 0 {
                f.write_str(" ")?;
            }
            write!(f, "#{}", i + 1)?;
        }
        if self.0.len() > 8 {
            write!(f, " ... ({} in all)", self.0.len())?;
        }
        Ok(())
    }
}

/// Finding 1: A request retransmitted with no answer at all (Timer A/E then B/F
/// fire after 64*T1), or answered 408 by an element that timed out itself.
pub fn no_response(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    if call.one_way {
        return one_way(call, ctx, sh);
    }
    let mut hits: Vec<(u32, Finding)> = Vec::new();
    // Attempts told by a 408's sentence (see below).
    let mut silenced: Vec<u32> = Vec::new();
    for (t, tx) in call.txns.iter().enumerate() {
        let t = t as u32;
        if tx.request == NONE || tx.method == Method::ACK {
            continue;
        }
        if tx.final_msg == NONE
            && let Some(cut) = super::model::cut_answers(ctx.cut, &call.msgs[tx.request as usize])
        {
            hits.push((t, answer_cut(call, ctx, sh, t, cut)));
            continue;
        }
        if tx.first_response != NONE && tx.final_msg == NONE {
            hits.extend(provisional_only(call, ctx, sh, t).map(|f| (t, f)));
            continue;
        }
        if tx.first_response != NONE && tx.final_code != 408 {
            continue;
        }
        let req = &call.msgs[tx.request as usize];
        let copies: Vec<u32> = request_copies(call, t).collect();
        // How long the trace goes on after the request: unknown without
        // times (a log that prints none).
        let waited = match (req.time(), ctx.trace_end(call)) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        // Resent and unanswered when the trace ends, before the client
        // would give up (64*T1), or with no time to tell: an answer could
        // still come.
        // Serial failover: the requester gave up on this hop and sent the
        // request (the same CSeq) to another one (RFC 3263 §4.3, RFC 3261
        // §16.7 step 1 for a proxy's own timer).
        let last_copy = copies.last().copied().unwrap_or(tx.request);
        let failed_over = (tx.first_response == NONE)
            .then(|| {
                call.msgs
                    .iter()
                    .enumerate()
                    .skip(last_copy as usize + 1)
                    .find(|(_, m)| {
                        m.is_request()
                            && m.method == tx.method
                            && m.cseq == req.cseq
                            && m.src == req.src
                            && m.dst != req.dst
                    })
            })
            .flatten();
        let cut_short = tx.first_response == NONE
            && failed_over.is_none()
            && waited.is_none_or(|w| w < TIMER_B_NS);
        // A failover that worked (or is still going): this hop did not
        // fail the call, but needs looking at.
        let served = failed_over.is_some() && call.outcome != Outcome::Failure;
        let severity = if is_primary(call, t) && !cut_short && !served {
            Severity::Failure
        } else {
            Severity::Warning
        };
        let method = ctx.method(tx.method);
        let finding = |text: Arc<str>, evidence: Vec<Evidence>| Finding {
            id: "no-response",
            severity,
            text,
            code: Some(408),
            rfc: RFC_NO_RESPONSE,
            evidence,
        };
        if tx.first_response == NONE {
            if copies.len() < 2 && cut_short {
                continue;
            }
            let over = copies
                .last()
                .filter(|_| copies.len() > 1)
                .and_then(|&l| span(call, tx.request, l))
                .map(|d| format!(" over {}", duration(d)))
                .unwrap_or_default();
            // The same next hop answering another request of the call
            // after this one was sent, or within 64*T1 before: it is up
            // and reachable. (The first such answer after the request, else
            // the last one before it.)
            let from_it = |m: &Msg| m.is_response() && m.src == req.dst && m.dst == req.src;
            let recent = |m: &Msg| match (m.time(), req.time()) {
                (Some(t), Some(r)) => r - t < TIMER_B_NS,
                _ => false,
            };
            let answered_other = call
                .msgs
                .iter()
                .enumerate()
                .skip(tx.request as usize + 1)
                .find(|(_, m)| from_it(m))
                .or_else(|| {
                    call.msgs[..tx.request as usize]
                        .iter()
                        .enumerate()
                        .rev()
                        .find(|(_, m)| from_it(m) && recent(m))
                });
            let plural = if copies.len() == 1 { "" } else { "s" };
            // What the other answer shows: up now (an answer after this
            // request, or just before it), or only reachable a while ago
            // (it may have gone down since: a phone that de-registered and
            // shut down).
            let reach = match answered_other {
                Some((i, m)) => {
                    let before = (i < tx.request as usize)
                        .then(|| m.time().zip(req.time()).map(|(a, r)| r - a))
                        .flatten()
                        .filter(|&d| d > 2 * T1_NS);
                    match before {
                        Some(d) => format!(
                            ", though {} answered another request of this call {} before it: \
                             it was reachable then, and has since gone down or dropped or \
                             ignored this {method}",
                            ctx.ep(req.dst),
                            Duration(d)
                        ),
                        None => format!(
                            ", though {} answered another request of this call: it is up and \
                             reachable but dropped or ignored this {method}",
                            ctx.ep(req.dst)
                        ),
                    }
                }
                None => String::new(),
            };
            let text = if let Some((_, next)) = failed_over {
                sh.fmt(format_args!(
                    "{method} to {} was sent {} time{plural}{over} and never answered, so {} \
                     gave up on it and sent the request on to {} (failover){}: {} is down or \
                     unreachable, or its answers are lost on the way back (routing, firewall, \
                     NAT, wrong port or transport).",
                    ctx.ep(req.dst),
                    copies.len(),
                    ctx.ep(req.src),
                    ctx.ep(next.dst),
                    if served {
                        ", and the call went on there"
                    } else {
                        ""
                    },
                    ctx.ep(req.dst),
                ))
            } else if let (true, Some(_)) = (cut_short, answered_other) {
                sh.fmt(format_args!(
                    "{method} to {} was sent {} time{plural}{over} and not answered before the \
                     trace ends{}{reach} (a UDP message too large and fragmented, a malformed \
                     or refused request dropped silently, a filter in between).",
                    ctx.ep(req.dst),
                    copies.len(),
                    match waited {
                        Some(w) => format!(", {} after the first copy", Duration(w)),
                        None => format!(" ({})", no_time(call, ctx)),
                    },
                ))
            } else if cut_short && waited.is_none() {
                sh.fmt(format_args!(
                    "{method} to {} was sent {} time{plural}{over} and not answered before the trace \
                     ends; {}, so whether its client had given up by then (after 64*T1 = 32 s) \
                     cannot be told, but no answer at all to so many copies points to a next hop \
                     that is down or unreachable, or answers lost on the way back.",
                    ctx.ep(req.dst),
                    copies.len(),
                    no_time(call, ctx)
                ))
            } else if let Some(waited) = waited.filter(|_| cut_short) {
                sh.fmt(format_args!(
                    "{method} to {} was sent {} time{plural}{over} and not answered before the trace \
                     ends, {} after the first copy: too soon to call it lost (its client gives up \
                     after 64*T1 = 32 s), but no answer at all to so many copies points to a next \
                     hop that is down or unreachable, or answers lost on the way back.",
                    ctx.ep(req.dst),
                    copies.len(),
                    Duration(waited)
                ))
            } else if answered_other.is_some() {
                sh.fmt(format_args!(
                    "{method} to {} was sent {} time{plural}{over} and never answered{reach} (a \
                     UDP message too large and fragmented, a malformed or refused request \
                     dropped silently, a filter in between).",
                    ctx.ep(req.dst),
                    copies.len(),
                ))
            } else {
                sh.fmt(format_args!(
                    "{method} to {} was sent {} time{plural}{over} and never answered: the next hop is \
                     down or unreachable, or its answers are lost on the way back (routing, \
                     firewall, NAT, wrong port or transport).",
                    ctx.ep(req.dst),
                    copies.len(),
                ))
            };
            let mut evidence = vec![ev(
                tx.request,
                sh.fmt(format_args!("{method} copies: {}", List(&copies))),
            )];
            if let Some((i, next)) = failed_over {
                evidence.push(ev(
                    i as u32,
                    sh.fmt(format_args!(
                        "{method} sent on to {} instead, by {}",
                        ctx.ep(next.dst),
                        ctx.ep(next.src)
                    )),
                ));
            }
            if let Some((i, m)) = answered_other {
                evidence.push(ev(
                    i as u32,
                    sh.fmt(format_args!(
                        "{} answered {} with {}",
                        ctx.ep(m.src),
                        ctx.method(m.method),
                        ctx.phrase_of(call, i as u32)
                    )),
                ));
            }
            evidence.extend(failed_over.is_none().then(|| {
                note(match waited {
                Some(waited) => sh.fmt(format_args!(
                    "no response of any kind; the trace goes on {} after the first copy (64*T1 = \
                     32 s)",
                    Duration(waited)
                )),
                None => sh.fmt(format_args!(
                    "no response of any kind; {}: how long the trace goes on after the first \
                     copy is unknown (64*T1 = 32 s)",
                    no_time(call, ctx)
                )),
            })
            }));
            hits.push((t, finding(text, evidence)));
        } else if tx.final_code == 408 {
            let f = &call.msgs[tx.final_msg as usize];
            // The element that gave up, and its own attempts between the
            // request and its 408 that got no response at all: the silent
            // hop is in the trace, so name it rather than point past it.
            let gave_up = origin(call, tx.final_msg);
            let sent_on: Vec<u32> = (0..call.txns.len() as u32)
                .filter(|&u| {
                    let o = &call.txns[u as usize];
                    u != t
                        && o.method == tx.method
                        && o.request != NONE
                        && o.request > tx.request
                        && o.request < tx.final_msg
                        && call.msgs[o.request as usize].src == gave_up
                })
                .collect();
            // Only when none of them got any answer (another that rang or
            // answered is what the 408 is about, not the silent one).
            let silent: &[u32] = if sent_on
                .iter()
                .all(|&u| call.txns[u as usize].first_response == NONE)
            {
                &sent_on
            } else {
                &[]
            };
            // Or when each was answered provisionally and never finished
            // (100 Trying, then nothing): the first such attempt's last
            // provisional response.
            let stalled = (!sent_on.is_empty()
                && sent_on.iter().all(|&u| {
                    let o = &call.txns[u as usize];
                    o.first_response != NONE && o.final_msg == NONE
                }))
            .then(|| {
                msgs_of(call, sent_on[0])
                    .filter(|(_, m)| m.is_response())
                    .last()
            })
            .flatten();
            let timer = if tx.method == Method::INVITE {
                "B"
            } else {
                "F"
            };
            let mut evidence = vec![ev(
                tx.request,
                sh.fmt(format_args!("{method} copies: {}", List(&copies))),
            )];
            // A 408 to an INVITE that had rung (a 180 to 199, on its own
            // transaction or on the attempt it sent on) and was not
            // answered: a ringing timer ran out.
            let ringing = |u: u32| msgs_of(call, u).find(|(_, m)| (180..200).contains(&m.code));
            let rang = (silent.is_empty() && tx.method == Method::INVITE)
                .then(|| ringing(t).or_else(|| sent_on.iter().find_map(|&u| ringing(u))))
                .flatten();
            let text = if let (None, Some((last, m))) = (rang, stalled) {
                evidence.push(ev(
                    last,
                    sh.fmt(format_args!(
                        "last answer from {}: {}, no final one",
                        ctx.ep(m.src),
                        ctx.phrase_of(call, last)
                    )),
                ));
                sh.fmt(format_args!(
                    "{} answered {method} with {} because its own {method} to {} got {} and \
                     then nothing more, no final response, so it gave up on it (its own \
                     timer): {} took the request and never finished it. Look for what it waits \
                     on (the next hop behind it, a database, a media server).",
                    ctx.ep(gave_up),
                    ctx.phrase_of(call, tx.final_msg),
                    ctx.ep(m.src),
                    ctx.phrase_of(call, last),
                    ctx.ep(m.src),
                ))
            } else if let Some((ring, _)) = rang {
                // Cited as the phone sent it.
                let said = origin_msg(call, ring);
                let ringer = call.msgs[said as usize].src;
                evidence.push(ev(
                    said,
                    sh.fmt(format_args!(
                        "{} from {}",
                        ctx.phrase_of(call, said),
                        ctx.ep(ringer)
                    )),
                ));
                let rung = span(call, ring, tx.final_msg)
                    .map(|d| format!(" for {}", Duration(d)))
                    .unwrap_or_default();
                sh.fmt(format_args!(
                    "{} answered {method} with {} after {} had been ringing{rung} with nobody \
                     answering: a ringing timer ran out (a proxy's Timer C, over 3 minutes by \
                     RFC 3261 and often set shorter, or the phone's own no-answer timer). A \
                     call not answered, not a network fault: if it should ring longer, raise \
                     that timer or forward on no answer.",
                    ctx.ep(gave_up),
                    ctx.phrase_of(call, tx.final_msg),
                    ctx.ep(ringer),
                ))
            } else if silent.is_empty() {
                sh.fmt(format_args!(
                    "{} answered {method} with {}: the element behind it never answered in \
                     time, so it gave up (its own Timer B/F). Look one hop further for the \
                     silent element.",
                    ctx.ep(f.src),
                    ctx.phrase_of(call, tx.final_msg)
                ))
            } else {
                let mut targets: Vec<Ep> = Vec::new();
                let mut sent = 0;
                let mut last = tx.request;
                for &u in silent {
                    let o = &call.txns[u as usize];
                    let dst = call.msgs[o.request as usize].dst;
                    if !targets.contains(&dst) {
                        targets.push(dst);
                    }
                    let copies: Vec<u32> = request_copies(call, u).collect();
                    sent += copies.len();
                    last = last.max(copies.last().copied().unwrap_or(o.request));
                    evidence.push(ev(
                        o.request,
                        sh.fmt(format_args!(
                            "{method} to {} copies: {}, no response",
                            ctx.ep(dst),
                            List(&copies)
                        )),
                    ));
                }
                silenced.extend_from_slice(silent);
                let over = span(call, call.txns[silent[0] as usize].request, last)
                    .filter(|_| sent > 1)
                    .map(|d| format!(" over {}", duration(d)))
                    .unwrap_or_default();
                let names = targets
                    .iter()
                    .map(|&e| ctx.ep(e))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (whom, down) = if targets.len() == 1 {
                    (
                        names.clone(),
                        format!("{names} is down or unreachable, or its"),
                    )
                } else {
                    (
                        format!("each of {names}"),
                        "those hops are down or unreachable, or their".to_string(),
                    )
                };
                sh.fmt(format_args!(
                    "{} answered {method} with {} because its own {method} to {whom} got no \
                     response of any kind ({sent} cop{}{over}), so it gave up (its Timer \
                     {timer}): {down} answers are lost on the way back (routing, firewall, NAT, \
                     wrong port or transport).",
                    ctx.ep(gave_up),
                    ctx.phrase_of(call, tx.final_msg),
                    if sent == 1 { "y" } else { "ies" },
                ))
            };
            evidence.push(ev(
                tx.final_msg,
                sh.fmt(format_args!("{}", ctx.phrase_of(call, tx.final_msg))),
            ));
            hits.push((t, finding(text, evidence)));
        }
    }
    // An attempt the 408's sentence already tells is not "1 more
    // transaction".
    hits.retain(|(u, _)| !silenced.contains(u));
    merge(hits, call, sh)
}

/// A request without a final response in the trace, though the capture
/// cut short messages sent back to its requester after it, too short to
/// tell their call (their Call-ID, CSeq, Via, From or To lost): its
/// answer may be one of them. Said instead of "never answered", which the
/// trace cannot show.
fn answer_cut(
    call: &Call,
    ctx: &Context<'_>,
    sh: &mut Shared,
    t: u32,
    cut: &super::model::CutAnswers,
) -> Finding {
    let tx = &call.txns[t as usize];
    let req = &call.msgs[tx.request as usize];
    let method = ctx.method(tx.method);
    let copies: Vec<u32> = request_copies(call, t).collect();
    let got = if tx.first_response == NONE {
        "no response"
    } else {
        "no final response"
    };
    let see = if cut.gaps == cut.count {
        "The problem lines name the TCP gaps; capture with a larger buffer (tcpdump -B) so \
         that no packet is dropped."
    } else {
        "Capture with -s 0 (whole packets) to see."
    };
    Finding {
        id: "no-response",
        severity: Severity::Warning,
        text: sh.fmt(format_args!(
            "{method} to {} has {got} in the trace, but {}, the last of them after this \
             {method}: its answer may be among them, so whether it was answered cannot be \
             told. {see}",
            ctx.ep(req.dst),
            lost(ctx, cut),
        )),
        code: None,
        rfc: RFC_NO_RESPONSE,
        evidence: vec![ev(
            tx.request,
            sh.fmt(format_args!("{method} copies: {}", List(&copies))),
        )],
    }
}

/// What the capture lost between two endpoints, for a sentence: messages
/// the snap length cut short before the headers that tell their call, or
/// stretches of a TCP stream it never captured (gaps), or both.
fn lost(ctx: &Context<'_>, cut: &super::model::CutAnswers) -> String {
    let (n, gaps) = (cut.count, cut.gaps);
    let (from, to) = (ctx.ep(cut.from), ctx.ep(cut.to));
    let s = |k: u64| if k == 1 { "" } else { "s" };
    if gaps == 0 {
        format!(
            "the capture's snap length cut short {n} message{} from {from} to {to}, before the \
             headers that tell {} call",
            s(n),
            if n == 1 { "its" } else { "their" }
        )
    } else if gaps == n {
        format!(
            "the capture lost part of the TCP stream from {from} to {to} ({n} gap{})",
            s(n)
        )
    } else {
        format!(
            "the capture lost part of the TCP stream from {from} to {to} ({gaps} gap{}) and \
             its snap length cut short {} more message{}",
            s(gaps),
            n - gaps,
            s(n - gaps)
        )
    }
}

/// A request answered only with provisional responses, for longer than
/// its client or a proxy waits: a non-INVITE past Timer F (64*T1, RFC
/// 3261 §17.1.2.2; a server's 100 Trying stops retransmissions, not the
/// timer), an INVITE of a failed call past Timer C (more than 3 minutes of
/// ringing, §16.6) that the caller did not end with BYE or CANCEL (those
/// have findings of their own).
fn provisional_only(call: &Call, ctx: &Context<'_>, sh: &mut Shared, t: u32) -> Option<Finding> {
    let tx = &call.txns[t as usize];
    let req = &call.msgs[tx.request as usize];
    let last = msgs_of(call, t)
        .filter(|(_, m)| m.is_response())
        .last()
        .map(|(i, _)| i)?;
    let sent = req.time()?;
    let end = ctx.trace_end(call)?;
    let method = ctx.method(tx.method);
    let from = ctx.ep(call.msgs[last as usize].src);
    let text = if tx.method == Method::INVITE {
        let given_up = call
            .msgs
            .iter()
            .any(|m| m.is_request() && matches!(m.method, Method::BYE | Method::CANCEL));
        let quiet = end - call.end_ns.unwrap_or(sent);
        if !is_primary(call, t)
            || call.outcome != Outcome::Failure
            || given_up
            || quiet < TIMER_C_NS
        {
            return None;
        }
        sh.fmt(format_args!(
            "{from} answered the INVITE with {} and then nothing: no final response and no \
             further message for {} until the trace ends. A proxy gives such ringing up when \
             its Timer C (more than 3 minutes) fires, cancelling the branch, and a caller would \
             hang up with CANCEL: look for a stuck transaction in {from} or the elements behind \
             it.",
            ctx.phrase_of(call, last),
            Duration(quiet)
        ))
    } else {
        if end - sent < TIMER_B_NS {
            return None;
        }
        sh.fmt(format_args!(
            "{from} answered {method} with {} but sent no final response within 64*T1 = 32 s: \
             the client's transaction timed out (Timer F), so the request failed. The server \
             took the request and never finished it: look for what it waits on (an upstream \
             registrar or proxy, a database or authentication back end).",
            ctx.phrase_of(call, last)
        ))
    };
    let severity = if is_primary(call, t) {
        Severity::Failure
    } else {
        Severity::Warning
    };
    Some(Finding {
        id: "no-response",
        severity,
        text,
        code: Some(408),
        rfc: if tx.method == Method::INVITE {
            RFC_RINGING_NO_FINAL
        } else {
            RFC_NO_RESPONSE
        },
        evidence: vec![
            ev(tx.request, sh.fmt(format_args!("{method} sent"))),
            ev(
                last,
                sh.fmt(format_args!(
                    "last response: {}, no final one",
                    ctx.phrase_of(call, last)
                )),
            ),
        ],
    })
}

/// One finding for several transactions: the primary one (or the first)
/// with the others noted.
fn merge(mut hits: Vec<(u32, Finding)>, call: &Call, sh: &mut Shared) -> Vec<Finding> {
    if hits.is_empty() {
        return Vec::new();
    }
    hits.sort_by_key(|(t, f)| (std::cmp::Reverse(f.severity), !is_primary(call, *t)));
    let n = hits.len();
    let (_, mut f) = hits.remove(0);
    if n > 1 {
        f.evidence.push(note(sh.fmt(format_args!(
            "{} more transaction{} of this call {} the same",
            n - 1,
            if n == 2 { "" } else { "s" },
            if n == 2 { "shows" } else { "show" }
        ))));
        for (_, other) in hits.into_iter().take(3) {
            f.evidence.extend(other.evidence.into_iter().take(1));
        }
    }
    vec![f]
}

/// Finding 2: A 2xx to INVITE retransmitted without an ACK (RFC 3261 §13.3.1.4):
/// the callee hangs up with BYE after 64*T1.
pub fn no_ack(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    // (the response it is about, the finding)
    let mut out: Vec<(u32, Finding)> = Vec::new();
    for (t, tx) in call.txns.iter().enumerate() {
        let t = t as u32;
        if tx.method == Method::INVITE && tx.final_code >= 300 {
            out.extend(failure_not_acked(call, ctx, sh, t).map(|f| (tx.final_msg, f)));
            continue;
        }
        if tx.method != Method::INVITE || !(200..300).contains(&tx.final_code) {
            continue;
        }
        // Each fork's answer on its own: its copies and its ACK carry its
        // To tag (two forks each answering once are not a resent 2xx).
        let is_ok = |m: &Msg| (200..300).contains(&m.code);
        for (first_ok, ok) in msgs_of(call, t) {
            let first_of_leg = is_ok(ok)
                && !msgs_of(call, t).any(|(j, m)| j < first_ok && is_ok(m) && m.leg == ok.leg);
            if first_of_leg {
                out.extend(answer_not_acked(call, ctx, sh, t, first_ok).map(|f| (first_ok, f)));
            }
        }
    }
    // Through a proxy each hop shows the same answer: the earliest copy is
    // the one its sender generated, and the finding names that side.
    out.into_iter()
        .min_by_key(|(i, _)| *i)
        .map(|(_, f)| f)
        .into_iter()
        .collect()
}

/// The 2xx `first_ok` (the first of its fork) of INVITE transaction `t`
/// resent without an ACK, or with one that came late or not through.
fn answer_not_acked(
    call: &Call,
    ctx: &Context<'_>,
    sh: &mut Shared,
    t: u32,
    first_ok: u32,
) -> Option<Finding> {
    let tx = &call.txns[t as usize];
    let ok = call.msgs[first_ok as usize];
    // Copies of the 2xx on its own path (not relayed to other hops).
    let oks: Vec<u32> = msgs_of(call, t)
        .filter(|(_, m)| m.code == ok.code && m.src == ok.src && m.dst == ok.dst && m.leg == ok.leg)
        .map(|(i, _)| i)
        .collect();
    // An ACK carrying this answer's To tag was sent after it, even when a
    // trace merged from several points (HEP from a proxy's processes)
    // stamps it a moment earlier.
    let ack = call
        .msgs
        .iter()
        .enumerate()
        .find(|(i, m)| (*i as u32 > first_ok || ok.leg != 0) && is_ack_of(m, tx.cseq, ok));
    // None in the call, but the capture cut short requests sent back to
    // the answer's sender after it, too short to tell their call: the ACK
    // may be among them, so whether one came back cannot be told.
    if ack.is_none() && acks_cut(ctx, &ok).is_some() {
        return None;
    }
    // A BYE from the callee about 32 s after the answer.
    let bye = call.msgs.iter().enumerate().find(|(i, m)| {
        *i as u32 > first_ok
            && m.method == Method::BYE
            && m.is_request()
            && m.src == ok.src
            && span(call, first_ok, *i as u32)
                .is_some_and(|d| (TIMER_B_NS - 4 * T1_NS..=TIMER_B_NS + 16 * T1_NS).contains(&d))
    });
    // No ACK with this fork's tag, but one with the tag of one of its early
    // dialogs (a provisional's, never answered with a 2xx) went to it after
    // the 2xx, and it stopped resending (one copy may have crossed the
    // ACK): it took that ACK, though the caller (or an element on the way)
    // mixed up the dialogs. An ACK of another fork's own 2xx is that
    // fork's, not this one's.
    if ack.is_none()
        && ok.leg != 0
        && let Some((i, _)) = call.msgs.iter().enumerate().find(|(i, m)| {
            *i as u32 > first_ok
                && m.method == Method::ACK
                && m.is_request()
                && m.cseq == tx.cseq
                && m.dst == ok.src
                && !msgs_of(call, t).any(|(_, o)| (200..300).contains(&o.code) && o.leg == m.leg)
        })
        && oks.iter().filter(|&&o| o as usize > i).count() <= 1
    {
        let ack_leg = call.msgs[i].leg;
        let whose = if msgs_of(call, t).any(|(_, o)| o.is_response() && o.leg == ack_leg) {
            "of one of its early dialogs"
        } else {
            "it never sent"
        };
        return Some(Finding {
            id: "no-ack",
            severity: Severity::Warning,
            text: sh.fmt(format_args!(
                "{} took an ACK for its 2xx that carries a To tag {whose}, not the answer's \
                 (it stopped resending the 2xx): the caller, or an element on the way that \
                 rewrote the tag, mixed up the dialogs, so the two sides may not agree on it \
                 (later requests such as the BYE carry the wrong tag).",
                ctx.ep(ok.src)
            )),
            code: Some(200),
            rfc: "RFC 3261 §13.2.2.4, §12.1.2",
            evidence: vec![
                ev(
                    first_ok,
                    sh.fmt(format_args!(
                        "{} from {}: To tag of this answer",
                        ctx.phrase_of(call, first_ok),
                        ctx.ep(ok.src)
                    )),
                ),
                ev(i as u32, "ACK with another To tag"),
            ],
        });
    }
    // A 2xx sent once was acknowledged (else the callee would resend
    // it), even when the ACK is not in the capture.
    let fires = match ack {
        None => oks.len() >= 2 || bye.is_some(),
        Some(_) => oks.len() >= 3,
    };
    if !fires {
        return None;
    }
    let mut evidence = vec![ev(
        first_ok,
        sh.fmt(format_args!(
            "{} from {} sent {} time{}: {}",
            ctx.phrase_of(call, first_ok),
            ctx.ep(ok.src),
            oks.len(),
            if oks.len() == 1 { "" } else { "s" },
            List(&oks)
        )),
    )];
    if let Some((i, _)) = bye {
        evidence.push(ev(
            i as u32,
            sh.fmt(format_args!(
                "BYE from the callee {} after the answer",
                Duration(span(call, first_ok, i as u32).unwrap_or(0))
            )),
        ));
    }
    match ack {
        None => {
            evidence.push(note("no ACK with this CSeq after the 2xx"));
            let text = match nat_contact(call, ctx, t, first_ok) {
                Some(nat) => {
                    evidence.push(nat.evidence(sh));
                    sh.fmt(format_args!(
                        "The callee {} answered, but no ACK came back, so it kept resending \
                         the 2xx and ends the call after about 32 s. The 2xx's Contact, {}, is \
                         a private address and the 2xx has no Record-Route, so the caller {} \
                         sends its ACK straight to an address it cannot reach: the callee is \
                         behind NAT and advertises its inside address. {NAT_FIX}",
                        ctx.ep(ok.src),
                        nat.host,
                        nat.caller
                    ))
                }
                None => sh.fmt(format_args!(
                    "The callee {} answered, but no ACK came back, so it kept resending the \
                     2xx and ends the call after about 32 s. The caller never got the 2xx or \
                     its ACK went elsewhere: check the Contact and Record-Route addresses and \
                     NAT (the ACK follows the Contact of the 2xx).",
                    ctx.ep(ok.src)
                )),
            };
            Some(Finding {
                id: "no-ack",
                severity: Severity::Failure,
                text,
                code: Some(200),
                rfc: RFC_NO_ACK,
                evidence,
            })
        }
        Some((i, _)) if oks.len() >= 3 => {
            let after = After(span(call, first_ok, i as u32));
            // Copies sent before the first ACK: a late ACK. Copies
            // after it: the ACK left the caller but never reached the
            // callee.
            let before = oks.iter().filter(|&&o| (o as usize) < i).count();
            // One copy after the ACK may have crossed it on the wire.
            let late = before >= 3 || oks.len() - before < 2;
            let text = if late {
                evidence.push(ev(
                    i as u32,
                    match after.0 {
                        Some(d) => {
                            sh.fmt(format_args!("ACK only {} after the answer", Duration(d)))
                        }
                        None => {
                            sh.fmt(format_args!("ACK only after {before} copies of the answer"))
                        }
                    },
                ));
                sh.fmt(format_args!(
                    "The ACK for the answer came late: {} sent the 2xx {} times first. Part \
                     of the signalling path between the caller and the callee loses or \
                     delays packets.",
                    ctx.ep(ok.src),
                    before
                ))
            } else if let Some((hop, elsewhere)) = ack_went(call, tx.cseq, ok, i) {
                // The capture shows where the ACK went, and that it did not
                // reach the side resending.
                evidence.push(ev(
                    i as u32,
                    sh.fmt(format_args!("ACK {after} the answer, to {}", ctx.ep(hop))),
                ));
                match elsewhere {
                    Some(to) => {
                        evidence.push(note(sh.fmt(format_args!(
                            "{} passed it on to {}, not to {}",
                            ctx.ep(hop),
                            ctx.ep(to),
                            ctx.ep(ok.src)
                        ))));
                        // Passed on to the private address of the 2xx's
                        // Contact: the element on the path does no NAT
                        // handling for the callee.
                        if let Some(pc) = private_contact(call, ctx, t, first_ok)
                            .filter(|pc| pc.names(ctx.ep(to)))
                        {
                            evidence.push(pc.evidence(sh));
                            sh.fmt(format_args!(
                                "{} kept resending the 2xx ({} times): the caller's ACK went \
                                 to {}, which passed it on to {}, the private address in the \
                                 2xx's Contact, not to {} where the 2xx came from. The callee \
                                 is behind NAT and {} does no NAT handling for it: have it \
                                 rewrite the Contact or send to the address the 2xx came from, \
                                 or have the phone advertise its outside address (STUN, ICE, \
                                 SIP outbound).",
                                ctx.ep(ok.src),
                                oks.len(),
                                ctx.ep(hop),
                                ctx.ep(to),
                                ctx.ep(ok.src),
                                ctx.ep(hop)
                            ))
                        } else {
                            sh.fmt(format_args!(
                            "{} kept resending the 2xx ({} times): the caller's ACK for it went \
                             via {} to {}, another element. The ACK follows its Request-URI, \
                             the 2xx's Contact: the caller used another dialog's remote \
                             target (with a forked call, each 2xx sets up a dialog of its \
                             own), or the 2xx's Contact is wrong.",
                            ctx.ep(ok.src),
                            oks.len(),
                            ctx.ep(hop),
                            ctx.ep(to)
                        ))
                        }
                    }
                    None => {
                        evidence.push(note(sh.fmt(format_args!(
                            "no ACK from {} to {} after it",
                            ctx.ep(hop),
                            ctx.ep(ok.src)
                        ))));
                        sh.fmt(format_args!(
                            "{} kept resending the 2xx ({} times): the caller sent its ACK \
                             {after} the first, to {}, which did not pass it on to {}. The ACK \
                             follows the 2xx's Contact and the Record-Route set, so a proxy \
                             that did not record-route cannot place it: check both.",
                            ctx.ep(ok.src),
                            oks.len(),
                            ctx.ep(hop),
                            ctx.ep(ok.src)
                        ))
                    }
                }
            } else if call.msgs[i].dst != ok.src && !ack_reached(call, tx.cseq, ok) {
                // The ACK went to another address than the 2xx came from.
                let to = call.msgs[i].dst;
                evidence.push(ev(
                    i as u32,
                    sh.fmt(format_args!("ACK {after} the answer, to {}", ctx.ep(to))),
                ));
                let nat = nat_contact(call, ctx, t, first_ok).filter(|nat| nat.names(ctx.ep(to)));
                match nat {
                    Some(nat) => {
                        evidence.push(nat.evidence(sh));
                        sh.fmt(format_args!(
                            "{} kept resending the 2xx ({} times): the caller sent its ACK \
                             {after} the first to {}, the private address in the 2xx's \
                             Contact, not to {} where the 2xx came from. The callee is behind \
                             NAT and advertises its inside address, and with no Record-Route \
                             the ACK goes straight there. {NAT_FIX}",
                            ctx.ep(ok.src),
                            oks.len(),
                            ctx.ep(to),
                            ctx.ep(ok.src)
                        ))
                    }
                    None => sh.fmt(format_args!(
                        "{} kept resending the 2xx ({} times): the caller sent its ACK {after} \
                         the first to {}, not to {} where the 2xx came from, and it does not \
                         arrive. The ACK follows the 2xx's Contact and Record-Route: check \
                         that they name an address of the callee the caller can reach (NAT, a \
                         wrong advertised address).",
                        ctx.ep(ok.src),
                        oks.len(),
                        ctx.ep(to),
                        ctx.ep(ok.src)
                    )),
                }
            } else {
                evidence.push(ev(i as u32, sh.fmt(format_args!("ACK {after} the answer"))));
                sh.fmt(format_args!(
                    "{} kept resending the 2xx ({} times) although the caller sent its ACK \
                     {after} the first: the ACK does not reach it. It is lost or \
                     misrouted past this capture point: check the Contact of the 2xx, \
                     Record-Route and NAT (the ACK follows them).",
                    ctx.ep(ok.src),
                    oks.len()
                ))
            };
            // The ACK never came through and the callee hung up after
            // 64*T1, as it must: the call was dropped.
            let (severity, text) = match bye {
                Some((b, _)) if !late => (
                    Severity::Failure,
                    sh.fmt(format_args!(
                        "{text} It ended the call with BYE {} after answering.",
                        Duration(span(call, first_ok, b as u32).unwrap_or(0))
                    )),
                ),
                _ => (Severity::Warning, text),
            };
            Some(Finding {
                id: "no-ack",
                severity,
                text,
                code: Some(200),
                rfc: RFC_NO_ACK,
                evidence,
            })
        }
        _ => None,
    }
}

/// What to do about a callee behind NAT that advertises its inside
/// address.
const NAT_FIX: &str = "Have the phone advertise its outside address (STUN, ICE, SIP outbound), \
                       or a proxy or SBC handle NAT: send to where the 2xx came from, rewrite \
                       the Contact, or stay in the path with Record-Route.";

/// An address of a private network: RFC 1918, the shared space of RFC
/// 6598 (carrier NAT), loopback and link-local; in IPv6 unique local (RFC
/// 4193), link-local and loopback.
pub(crate) fn is_internal(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(a) => {
            let [x, y, ..] = a.octets();
            a.is_private() || a.is_loopback() || a.is_link_local() || (x == 100 && y & 0xc0 == 64)
        }
        std::net::IpAddr::V6(a) => {
            a.is_loopback() || a.is_unique_local() || a.is_unicast_link_local()
        }
    }
}

/// A 2xx's Contact naming a private address: see [`private_contact`].
struct NatContact {
    /// The copy of the 2xx that showed the Contact.
    copy: u32,
    /// The Contact's URI and its host (`[v6]` for IPv6).
    uri: String,
    host: String,
    /// The caller, `ip:port`.
    caller: String,
}

impl NatContact {
    /// Whether endpoint `ep` (`ip:port`) is the Contact's address.
    fn names(&self, ep: &str) -> bool {
        ep.strip_prefix(self.host.as_str())
            .is_some_and(|port| port.starts_with(':'))
    }

    /// The Contact, cited on the copy that showed it.
    fn evidence(&self, sh: &mut Shared) -> Evidence {
        ev(
            self.copy,
            sh.fmt(format_args!("Contact: {} (a private address)", self.uri)),
        )
    }
}

/// The private address the 2xx `first_ok` of INVITE transaction `t` names
/// in its Contact, on any copy of it (kept only then, see
/// [`ExtraKind::Contact`]).
fn private_contact(call: &Call, ctx: &Context<'_>, t: u32, first_ok: u32) -> Option<NatContact> {
    let tx = &call.txns[t as usize];
    let ok = call.msgs[first_ok as usize];
    let (copy, value) = msgs_of(call, t)
        .filter(|(_, m)| m.code == ok.code && m.leg == ok.leg)
        .find_map(|(i, _)| Some((i, ctx.extra(call, i, ExtraKind::Contact)?)))?;
    let uri = super::skim::name_addr_uri(value.as_bytes());
    let (ip, _) = super::skim::uri_ip(uri)?;
    if !is_internal(ip) {
        return None;
    }
    let host = match ip {
        std::net::IpAddr::V4(a) => a.to_string(),
        std::net::IpAddr::V6(a) => format!("[{a}]"),
    };
    Some(NatContact {
        copy,
        uri: excerpt(&String::from_utf8_lossy(uri), 80),
        host,
        // The caller: the sender of the first INVITE of this CSeq (the
        // transaction may be a proxy's, on its way to the callee).
        caller: ctx
            .ep(call
                .msgs
                .iter()
                .find(|m| m.is_request() && m.method == Method::INVITE && m.cseq == tx.cseq)
                .map(|m| m.src)
                .or_else(|| requester(call, tx))?)
            .to_string(),
    })
}

/// The 2xx `first_ok` of INVITE transaction `t` names a private address in
/// its Contact ([`private_contact`]), carries no Record-Route on any copy
/// (so the caller sends its ACK straight to the Contact), and the caller's
/// address is not a private one: the callee is behind NAT and advertises
/// its inside address (RFC 3261 §12.1.2, §13.2.2.4).
fn nat_contact(call: &Call, ctx: &Context<'_>, t: u32, first_ok: u32) -> Option<NatContact> {
    let ok = call.msgs[first_ok as usize];
    let record_routed = msgs_of(call, t)
        .any(|(_, m)| m.code == ok.code && m.leg == ok.leg && m.has(flag::RECORD_ROUTE));
    if record_routed {
        return None;
    }
    let pc = private_contact(call, ctx, t, first_ok)?;
    let caller_ip = pc.caller.parse::<std::net::SocketAddr>().ok()?.ip();
    (!is_internal(caller_ip)).then_some(pc)
}

/// The capture cut short requests sent back to the sender of the final
/// response `fin` at or after it, before the headers that tell their call
/// ([`Context::cut_requests`]): an ACK (or a BYE) may be among them.
fn acks_cut<'a>(ctx: &Context<'a>, fin: &Msg) -> Option<&'a super::model::CutAnswers> {
    super::model::cut_between(ctx.cut_requests, fin.dst, fin.src, fin.time())
}

/// `m` is an ACK of CSeq `cseq` for the 2xx `ok` (of its fork, when the
/// 2xx has a To tag).
fn is_ack_of(m: &Msg, cseq: u32, ok: Msg) -> bool {
    m.method == Method::ACK && m.is_request() && m.cseq == cseq && (ok.leg == 0 || m.leg == ok.leg)
}

/// An ACK of that 2xx reached its sender.
fn ack_reached(call: &Call, cseq: u32, ok: Msg) -> bool {
    call.msgs
        .iter()
        .any(|m| is_ack_of(m, cseq, ok) && m.dst == ok.src)
}

/// Where the ACK `ack` (of CSeq `cseq`, for the 2xx `ok`) went, when that
/// is not the 2xx's sender and no ACK reached the sender: the element it
/// went to (on the 2xx's path back to the caller), and where that element
/// passed an ACK of this answer on to instead, if anywhere.
fn ack_went(call: &Call, cseq: u32, ok: Msg, ack: usize) -> Option<(Ep, Option<Ep>)> {
    let hop = call.msgs[ack].dst;
    if hop == ok.src {
        return None;
    }
    if ack_reached(call, cseq, ok) {
        return None;
    }
    // The element is on the path: the 2xx reached the caller through it.
    let relays = call
        .msgs
        .iter()
        .any(|m| m.code == ok.code && m.cseq == cseq && m.src == hop);
    if !relays {
        return None;
    }
    let elsewhere = call.msgs[ack..]
        .iter()
        .find(|m| is_ack_of(m, cseq, ok) && m.src == hop)
        .map(|m| m.dst);
    Some((hop, elsewhere))
}

/// A 3xx-6xx final to INVITE that the caller never acknowledged: the ACK
/// of a failure is sent hop by hop by the client transaction (RFC 3261
/// §17.1.1.3); without it the server resends the response until Timer H.
/// Only said when the capture shows the caller's side after the response
/// (the response resent, or a later request from the caller), so a
/// capture that misses one direction does not raise it.
fn failure_not_acked(call: &Call, ctx: &Context<'_>, sh: &mut Shared, t: u32) -> Option<Finding> {
    let tx = &call.txns[t as usize];
    let fin = call.msgs[tx.final_msg as usize];
    // An ACK in the transaction acknowledges its final response, even one
    // stamped a moment before it (a trace merged from several points).
    let acked = msgs_of(call, t).any(|(_, m)| {
        m.is_request() && m.method == Method::ACK && m.src == fin.dst && m.dst == fin.src
    });
    if acked || acks_cut(ctx, &fin).is_some() {
        return None;
    }
    let copies: Vec<u32> = msgs_of(call, t)
        .filter(|(_, m)| m.code == fin.code && m.src == fin.src && m.dst == fin.dst)
        .map(|(i, _)| i)
        .collect();
    // A request the caller sent to the same server after the failure.
    let next = call.msgs.iter().enumerate().find(|(i, m)| {
        *i as u32 > tx.final_msg
            && m.is_request()
            && m.method != Method::ACK
            && m.src == fin.dst
            && m.dst == fin.src
    });
    if copies.len() < 2 && next.is_none() {
        return None;
    }
    let phrase = ctx.phrase_of(call, tx.final_msg);
    let mut evidence = Vec::with_capacity(3);
    evidence.push(ev(
        tx.final_msg,
        sh.fmt_keyed(
            copies
                .iter()
                .take(8)
                .fold(
                    Key::new(1).phrase(&phrase).num(u64::from(fin.src)),
                    |k, &i| k.num(u64::from(i)),
                )
                .num(copies.len() as u64),
            format_args!(
                "{phrase} from {} sent {} time{}: {}",
                ctx.ep(fin.src),
                copies.len(),
                if copies.len() == 1 { "" } else { "s" },
                List(&copies)
            ),
        ),
    ));
    evidence.push(note(sh.fmt_keyed(
        Key::new(2).num(u64::from(fin.dst)).num(u64::from(tx.cseq)),
        format_args!(
            "no ACK from {} for it (CSeq {} INVITE)",
            ctx.ep(fin.dst),
            tx.cseq
        ),
    )));
    let bye = next.is_some_and(|(_, m)| m.method == Method::BYE);
    let key = Key::new(3)
        .phrase(&phrase)
        .num(u64::from(fin.dst))
        .num(u64::from(fin.src))
        .num(u64::from(bye));
    let text = sh.fmt_keyed(
        key,
        format_args!(
            "The caller {} never acknowledged the {phrase}: the ACK of a failure response goes \
         hop by hop from the caller's transaction layer, and without it {} resends the \
         response for up to 32 s (Timer H).{}",
            ctx.ep(fin.dst),
            ctx.ep(fin.src),
            if bye {
                " It sent BYE instead, but a failure response ends every early dialog of the \
             INVITE, so the BYE has no dialog to end: the caller's stack mishandles \
             failure responses."
            } else {
                ""
            }
        ),
    );
    if let Some((i, m)) = next {
        let method = ctx.method(m.method);
        let after = After(span(call, tx.final_msg, i as u32));
        evidence.push(ev(
            i as u32,
            sh.fmt_keyed(
                Key::new(4).text(method).num(after.key()),
                format_args!("{method} sent instead, {after} the response"),
            ),
        ));
    }
    Some(Finding {
        id: "no-ack",
        severity: Severity::Warning,
        text,
        code: Some(fin.code),
        rfc: RFC_NO_ACK_FAILURE,
        evidence,
    })
}

/// Finding 12: The caller hung up with BYE while its INVITE had no final
/// response (allowed on an early dialog, RFC 3261 §15), and the callee
/// never ended the INVITE with 487 Request Terminated, as §15.1.2 asks.
pub fn early_bye(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    if call.method != Method::INVITE || call.final_msg != NONE || call.one_way {
        return Vec::new();
    }
    let Some(t) = call.primaries().next() else {
        return Vec::new();
    };
    let tx = &call.txns[t as usize];
    let Some(inv) = call.msgs.get(tx.request as usize) else {
        return Vec::new();
    };
    let Some((bye, _)) = call.msgs.iter().enumerate().find(|(i, m)| {
        *i as u32 > tx.request
            && m.is_request()
            && m.method == Method::BYE
            && m.src == inv.src
            && m.dst == inv.dst
    }) else {
        return Vec::new();
    };
    let bye = bye as u32;
    // The capture cut short messages sent back to the caller after the
    // BYE, too short to tell their call: the 487 may be one of them.
    if super::model::cut_between(ctx.cut, inv.dst, inv.src, call.msgs[bye as usize].time())
        .is_some()
    {
        return Vec::new();
    }
    let mut evidence = vec![
        ev(
            tx.request,
            sh.fmt(format_args!(
                "INVITE to {}, no final response",
                ctx.ep(inv.dst)
            )),
        ),
        ev(
            bye,
            sh.fmt(format_args!(
                "BYE from the caller {} the INVITE",
                After(span(call, tx.request, bye))
            )),
        ),
    ];
    let bye_tx = call.msgs[bye as usize].txn;
    let answer = call.txns.get(bye_tx as usize).map(|b| b.final_msg);
    if let Some(a) = answer.filter(|&a| a != NONE) {
        evidence.push(ev(
            a,
            sh.fmt(format_args!("the BYE answered {}", ctx.phrase_of(call, a))),
        ));
    }
    // An early dialog needs a provisional response with a To tag
    // (RFC 3261 §12.1): without one the BYE has no dialog to end.
    let early_dialog = call.msgs.iter().enumerate().any(|(i, m)| {
        (i as u32) < bye && m.txn == t && m.is_response() && m.code > 100 && m.leg != 0
    });
    evidence.push(note(
        "no 487 (or any final response) to the INVITE after the BYE",
    ));
    if !early_dialog {
        evidence.push(note(
            "no provisional response with a To tag before the BYE: no early dialog",
        ));
        return vec![Finding {
            id: "early-bye",
            severity: Severity::Warning,
            text: sh.fmt(format_args!(
                "The caller {} sent BYE before its INVITE had any answer with a To tag: there \
                 was no dialog, not even an early one, for the BYE to end (a BYE outside a \
                 dialog should be refused with 481; to give up, a caller waits for a \
                 provisional response and sends CANCEL). {} never ended the INVITE either: \
                 its INVITE transaction is left open.",
                ctx.ep(inv.src),
                ctx.ep(inv.dst)
            )),
            code: Some(481),
            rfc: RFC_BYE_NO_DIALOG,
            evidence,
        }];
    }
    vec![Finding {
        id: "early-bye",
        severity: Severity::Warning,
        text: sh.fmt(format_args!(
            "The caller {} hung up with BYE while the call was still being set up, which is \
             allowed on an early dialog; {} should then have ended the INVITE with 487 Request \
             Terminated but sent no final response: its INVITE transaction is left open.",
            ctx.ep(inv.src),
            ctx.ep(inv.dst)
        )),
        code: Some(487),
        rfc: RFC_EARLY_BYE,
        evidence,
    }]
}

/// Finding 3: Slow call set-up: post-dial delay (RFC 6076 §4.3) above
/// [`SLOW_PDD_MS`], or an INVITE retransmitted because no 100 Trying came
/// within T1 (RFC 3261 §17.2.1 asks for one within 200 ms).
pub fn slow_setup(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    if call.method != Method::INVITE {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(pdd) = call.pdd_ms
        && pdd > SLOW_PDD_MS
    {
        let ring = call
            .msgs
            .iter()
            .enumerate()
            .find(|(_, m)| call.is_primary(m.txn) && (101..300).contains(&m.code))
            .map(|(i, _)| i as u32);
        let mut evidence = vec![ev(call.first_request, "INVITE sent")];
        if let Some(r) = ring {
            evidence.push(ev(
                r,
                sh.fmt(format_args!("{} after {pdd} ms", ctx.phrase_of(call, r))),
            ));
        }
        out.push(Finding {
            id: "slow-setup",
            severity: Severity::Warning,
            text: sh.fmt(format_args!(
                "Post-dial delay {}: the caller heard nothing that long before ringing or \
                 answer. Look for slow routing (DNS, database dips, failover after a timeout) \
                 in the hops before the ringing.",
                Duration(pdd.saturating_mul(1_000_000).min(i64::MAX as u64) as i64)
            )),
            code: Some(180),
            rfc: RFC_SLOW,
            evidence,
        });
    }
    // INVITE retransmitted before the first response of its transaction.
    for t in call.primaries() {
        let tx = &call.txns[t as usize];
        if tx.request == NONE || tx.first_response == NONE {
            continue;
        }
        let early = || request_copies(call, t).filter(|&i| i < tx.first_response);
        if early().nth(1).is_none() {
            continue;
        }
        let early: Vec<u32> = early().collect();
        let req = &call.msgs[tx.request as usize];
        let text = match span(call, tx.request, tx.first_response) {
            Some(wait) => sh.fmt(format_args!(
                "{} took {} to send any response, so the INVITE was sent {} times: the next hop \
                 sends no 100 Trying in time (it should within 200 ms) or is overloaded.",
                ctx.ep(req.dst),
                Duration(wait),
                early.len()
            )),
            // A log without times: the resent copies show the wait, not
            // how long it was.
            None => sh.fmt(format_args!(
                "{} sent no response until the INVITE had been sent {} times ({}, so how long \
                 it took is unknown): the next hop sends no 100 Trying in time (it should \
                 within 200 ms) or is overloaded.",
                ctx.ep(req.dst),
                early.len(),
                no_time(call, ctx)
            )),
        };
        out.push(Finding {
            id: "slow-setup",
            severity: Severity::Warning,
            text,
            code: Some(100),
            rfc: RFC_SLOW,
            evidence: vec![
                ev(
                    tx.request,
                    sh.fmt(format_args!(
                        "INVITE copies before any answer: {}",
                        List(&early)
                    )),
                ),
                ev(
                    tx.first_response,
                    sh.fmt(format_args!(
                        "first response: {}",
                        ctx.phrase_of(call, tx.first_response)
                    )),
                ),
            ],
        });
        break;
    }
    // One finding: the delay first, the missing Trying as more evidence.
    if out.len() == 2 {
        let second = out.pop().map(|f| f.evidence).unwrap_or_default();
        out[0].evidence.extend(second);
    }
    out
}

/// Finding 4: A challenge again after credentials were sent (not `stale=true`), or
/// 403 after authenticating: wrong credentials or a rejected account.
pub fn auth_loop(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    let mut challenged = false;
    let mut challenges: Vec<u32> = Vec::new();
    let mut bad: Option<(u32, u32)> = None; // (request, response)
    // Initial requests in order (REGISTER chains, INVITE auth retries).
    // One attempt seen on two hops (through a proxy) counts once.
    let txns = attempts(
        call,
        (0..call.txns.len() as u32)
            .filter(|&t| {
                let tx = &call.txns[t as usize];
                !tx.in_dialog && tx.request != NONE && tx.method != Method::ACK
            })
            .collect(),
    );
    // A challenge to a request that carried credentials (not stale=true)
    // is a loop unless a later request of the same method succeeds (some
    // registrars challenge a refresh with an old nonce without saying
    // stale); twice in a row, or a 403 after authenticating, is one anyway.
    let mut open: Option<(u32, u32, Method)> = None;
    let mut in_a_row = 0;
    for t in txns {
        let tx = &call.txns[t as usize];
        if tx.final_msg == NONE {
            continue;
        }
        let req = &call.msgs[tx.request as usize];
        let fin = &call.msgs[tx.final_msg as usize];
        let creds = req.has(flag::CREDENTIALS);
        match tx.final_code {
            401 | 407 => {
                challenges.push(tx.final_msg);
                if creds && !fin.has(flag::STALE) {
                    in_a_row += 1;
                    if open.is_none() {
                        open = Some((tx.request, tx.final_msg, tx.method));
                    }
                    if in_a_row >= 2 && bad.is_none() {
                        bad = open.map(|(q, r, _)| (q, r));
                    }
                }
                challenged = true;
            }
            403 if (creds || challenged) && bad.is_none() => {
                bad = Some((tx.request, tx.final_msg));
            }
            200..=299 => {
                if open.is_some_and(|(_, _, m)| m == tx.method) {
                    open = None;
                }
                in_a_row = 0;
            }
            _ => {}
        }
    }
    if bad.is_none() {
        bad = open.map(|(q, r, _)| (q, r));
    }
    let Some((req, resp)) = bad else {
        return Vec::new();
    };
    let r = &call.msgs[req as usize];
    let f = &call.msgs[resp as usize];
    let method = ctx.method(r.method);
    // The element that challenged or refused, not a proxy passing it on.
    let said = origin_msg(call, resp);
    let by = ctx.ep(call.msgs[said as usize].src);
    let stale_seen = challenges
        .iter()
        .any(|&c| call.msgs[c as usize].has(flag::STALE));
    let text = if f.code == 403 {
        sh.fmt(format_args!(
            "{} refused {method} with {} after authentication: the credentials were checked and \
             rejected (wrong password, disabled account, or an IP/ACL or domain rule).",
            by,
            ctx.phrase_of(call, resp)
        ))
    } else {
        sh.fmt(format_args!(
            "{} challenged {method} again ({}) although it carried credentials: wrong username, \
             password or realm, or the client answers an old nonce. {} {} in this call.",
            by,
            ctx.phrase_of(call, resp),
            challenges.len(),
            if challenges.len() == 1 {
                "challenge"
            } else {
                "challenges"
            }
        ))
    };
    let mut evidence = vec![
        ev(
            req,
            sh.fmt(format_args!(
                "{method} with Authorization/Proxy-Authorization"
            )),
        ),
        ev(said, sh.fmt(format_args!("{}", ctx.phrase_of(call, said)))),
    ];
    if let Some(ch) = ctx.extra(call, said, ExtraKind::Challenge) {
        evidence.push(ev(
            said,
            sh.fmt(format_args!("challenge: {}", excerpt(ch, 100))),
        ));
    }
    if stale_seen {
        evidence.push(note(
            "an earlier challenge said stale=true (a harmless nonce refresh)",
        ));
    }
    // The loop is the call's last word when the call ends on this answer,
    // or on a later challenge or 403 (the client tried once more).
    let later_end = call.final_msg != NONE
        && call.final_msg > resp
        && matches!(call.msgs[call.final_msg as usize].code, 401 | 403 | 407);
    if later_end {
        evidence.push(ev(
            call.final_msg,
            sh.fmt(format_args!(
                "{}: the call ends on it",
                ctx.phrase_of(call, call.final_msg)
            )),
        ));
    }
    vec![Finding {
        id: "auth-loop",
        severity: if is_final_of_call(call, resp) || later_end {
            Severity::Failure
        } else {
            Severity::Warning
        },
        text,
        code: Some(f.code),
        rfc: RFC_AUTH,
        evidence,
    }]
}

/// Finding 5: An overload answer (503, or 500/480/486/600 with Retry-After),
/// counted per responding server over the whole trace.
pub fn overload(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    for (i, m) in call.msgs.iter().enumerate() {
        let i = i as u32;
        if !m.is_final() || m.has(flag::RETRANS) || !is_overload(ctx.text, call, i, m) {
            continue;
        }
        let ra = ctx.extra(call, i, ExtraKind::RetryAfter);
        let (sent, over) = ctx
            .servers
            .get(m.src as usize)
            .copied()
            .filter(|s| s.0 > 0)
            .unwrap_or((1, 1));
        let wait = ra
            .map(|v| match ctx.retry_after.get(v) {
                Some(r) => format!(" and asks to {}", r.meaning),
                None => String::new(),
            })
            .unwrap_or_else(|| {
                if m.has(flag::CUT) {
                    // The header may have been in what the capture cut off.
                    " (whether it carried Retry-After cannot be told: the rest of it was cut \
                     by the capture's snap length)"
                        .to_string()
                } else {
                    " without Retry-After (the client should treat it like a 500)".to_string()
                }
            });
        // The client failed over to another server or retried later, and
        // the call was answered, ended by the user or is still going: not
        // what failed it.
        let served = call.outcome != Outcome::Failure;
        let severity = match (m.code >= 500, served) {
            (true, false) => Severity::Failure,
            (true, true) => Severity::Warning,
            (false, _) => Severity::Info,
        };
        let mut evidence = vec![ev(i, sh.fmt(format_args!("{}", ctx.phrase_of(call, i))))];
        if let Some(v) = ra {
            evidence.push(ev(
                i,
                sh.fmt(format_args!("Retry-After: {}", excerpt(v, 60))),
            ));
        }
        evidence.push(note(sh.fmt(format_args!(
            "{} answered {over} of its {sent} final responses in this trace this way",
            ctx.ep(m.src)
        ))));
        let next = if served {
            match call.outcome {
                Outcome::Answered if call.began_in_dialog => {
                    "the request was refused inside a call already up, which goes on, but \
                     this server still needs looking at"
                }
                Outcome::Answered => {
                    "the call was answered all the same (failed over or retried), but this \
                     server still needs looking at"
                }
                Outcome::Pending => {
                    "the client failed over or retried and the call is still going, but this \
                     server still needs looking at"
                }
                _ => {
                    "the client failed over or retried and the call ended otherwise, but this \
                     server still needs looking at"
                }
            }
        } else {
            "a client should fail over to the next server from DNS SRV and avoid this one for \
             the Retry-After time"
        };
        return vec![Finding {
            id: "overload",
            severity,
            text: sh.fmt(format_args!(
                "{} answered {} {}{wait}. It is overloaded, in maintenance or out of resources \
                 ({over} of its {sent} final responses in this trace); {next}.",
                ctx.ep(m.src),
                ctx.method(m.method),
                ctx.phrase_of(call, i),
            )),
            code: Some(m.code),
            rfc: RFC_OVERLOAD,
            evidence,
        }];
    }
    Vec::new()
}

/// Finding 6: Reason (RFC 3326, Q.850 or SIP causes) and Warning codes, decoded
/// with the knowledge base's tables, vendor deviations included.
pub fn cause(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    let mut evidence = Vec::new();
    let mut first: Option<(String, Option<u16>)> = None;
    // A value a proxy passed on (the same Reason or Warning in its copy of
    // the message) is said once.
    let mut seen: Vec<(ExtraKind, &str, u16, u32, Method)> = Vec::new();
    for e in &call.extras {
        let m = &call.msgs[e.msg as usize];
        let key = (e.kind, ctx.text(e.at), m.code, m.cseq, m.method);
        if m.has(flag::RETRANS) || seen.contains(&key) {
            continue;
        }
        if matches!(e.kind, ExtraKind::Reason | ExtraKind::Warning) {
            seen.push(key);
        }
        match e.kind {
            ExtraKind::Reason => {
                let Some((r, notes)) = ctx.reasons.get(&(ctx.text(e.at), m.code)) else {
                    continue;
                };
                let code = match (r.protocol.to_ascii_uppercase().as_str(), r.cause) {
                    ("Q.850", Some(c)) => u8::try_from(c)
                        .ok()
                        .and_then(|c| ctx.kb.cause(c))
                        .and_then(|c| c.sip.first().copied()),
                    ("SIP", Some(c)) => u16::try_from(c).ok().filter(|c| (100..700).contains(c)),
                    _ => None,
                };
                let what = if m.is_request() {
                    format!("{} from {}", ctx.method(m.method), ctx.ep(m.src))
                } else {
                    format!("{} from {}", ctx.phrase(call, e.msg), ctx.ep(m.src))
                };
                let line = format!("Reason in {what}: {}", r.meaning);
                if first.is_none() {
                    first = Some((line.clone(), code));
                }
                evidence.push(ev(
                    e.msg,
                    sh.fmt(format_args!("Reason: {}", excerpt(ctx.text(e.at), 80))),
                ));
                evidence.push(ev(e.msg, r.meaning.clone()));
                for n in notes.iter().take(2) {
                    evidence.push(ev(e.msg, n.clone()));
                }
            }
            ExtraKind::Warning => {
                let Some(w) = ctx.warnings.get(ctx.text(e.at)) else {
                    continue;
                };
                let line = format!("Warning from {}: {}", ctx.ep(m.src), w.meaning);
                if first.is_none() {
                    // The code to read next: the failure response that
                    // carried it (else the call's final, below).
                    first = Some((line, (m.code >= 300).then_some(m.code)));
                }
                evidence.push(ev(
                    e.msg,
                    sh.fmt(format_args!("Warning: {}", excerpt(ctx.text(e.at), 80))),
                ));
                evidence.push(ev(e.msg, w.meaning.clone()));
            }
            _ => {}
        }
        if evidence.len() > 12 {
            break;
        }
    }
    let Some((text, code)) = first else {
        return Vec::new();
    };
    vec![Finding {
        id: "cause",
        severity: if call.outcome == Outcome::Failure {
            Severity::Warning
        } else {
            Severity::Info
        },
        text: sh.fmt(format_args!(
            "{text}{}",
            if text.ends_with(['.', '!', '?']) {
                ""
            } else {
                "."
            }
        )),
        code: code.or(call.final_code()),
        rfc: RFC_CAUSE,
        evidence,
    }]
}

/// A call whose trace holds only the caller's side (see
/// [`Call::one_way`]): no response is in it, yet the caller went on in a
/// dialog, so it got them. Said instead of "never answered", which would
/// send the engineer after a next hop that answered.
fn one_way(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    let Some(first) = call.msgs.get(call.first_request as usize) else {
        return Vec::new();
    };
    let Some(i) = super::model::one_way_sign(call, first) else {
        return Vec::new();
    };
    let (went_on, after) = if call.msgs[i].has(flag::IN_DIALOG) {
        ("went on inside a dialog", "an answer")
    } else {
        ("sent credentials", "a challenge")
    };
    vec![Finding {
        id: "no-response",
        severity: Severity::Info,
        text: sh.fmt(format_args!(
            "Only {}'s side of this call is in the trace: no response at all, yet it {went_on}, \
             which it only does after {after}. The capture misses the other direction (a \
             mirror port or a filter on one address): capture both ways to see what {} \
             answered.",
            ctx.ep(first.src),
            ctx.ep(first.dst)
        )),
        code: None,
        rfc: "RFC 3261 §12.1, §13.2.2.4",
        evidence: vec![ev(
            i as u32,
            sh.fmt(format_args!(
                "{} {}, and no response in the call",
                ctx.method(call.msgs[i].method),
                if call.msgs[i].has(flag::IN_DIALOG) {
                    "with a To tag"
                } else {
                    "with credentials"
                }
            )),
        )],
    }]
}

/// Finding 7: CANCEL races: a 481 to CANCEL, a 2xx after the CANCEL (then ACK and
/// BYE are due), or a CANCEL accepted but the INVITE never ended with 487.
pub fn cancel_race(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    for (c, tx) in call.txns.iter().enumerate() {
        if tx.method != Method::CANCEL {
            continue;
        }
        let c = c as u32;
        let cancel_msg = if tx.request != NONE {
            tx.request
        } else {
            tx.first_response
        };
        if tx.final_code == 481 {
            let f = &call.msgs[tx.final_msg as usize];
            return vec![Finding {
                id: "cancel-race",
                severity: Severity::Warning,
                text: sh.fmt(format_args!(
                    "{} answered CANCEL with 481: it had no matching INVITE transaction. The \
                     INVITE had already ended, or the CANCEL's Via branch, Request-URI or \
                     Call-ID/From/CSeq differ from the INVITE's.",
                    ctx.ep(f.src)
                )),
                code: Some(481),
                rfc: RFC_CANCEL,
                evidence: vec![
                    ev(cancel_msg, "CANCEL"),
                    ev(
                        tx.final_msg,
                        sh.fmt(format_args!("{}", ctx.phrase_of(call, tx.final_msg))),
                    ),
                ],
            }];
        }
        let Some(inv) = call.txns.get(tx.cancels as usize) else {
            continue;
        };
        let inv_t = tx.cancels;
        // A 2xx to the INVITE after the CANCEL was sent.
        let ok_after =
            msgs_of(call, inv_t).find(|(i, m)| *i > cancel_msg && (200..300).contains(&m.code));
        if let Some((ok, _)) = ok_after {
            let ack = call
                .msgs
                .iter()
                .skip(ok as usize)
                .any(|m| m.method == Method::ACK && m.is_request() && m.cseq == inv.cseq);
            let bye = call
                .msgs
                .iter()
                .skip(ok as usize)
                .any(|m| m.method == Method::BYE && m.is_request());
            let cut = acks_cut(ctx, &call.msgs[ok as usize]);
            let tail = match (ack, bye, cut) {
                (true, false, Some(c)) => format!(
                    "the caller sent ACK; no BYE is in the capture, but {}, after the 2xx: one \
                     may be the BYE",
                    lost(ctx, c)
                ),
                (false, _, Some(c)) => format!(
                    "no ACK or BYE is in the capture, but {}, after the 2xx: they may be among \
                     them",
                    lost(ctx, c)
                ),
                (true, true, _) => "the caller acknowledged it and hung up with BYE, as it must".to_string(),
                (true, false, None) => "the caller sent ACK but no BYE: the callee stays connected".to_string(),
                (false, _, None) => "no ACK and no BYE followed: the callee keeps resending the 2xx and stays connected".to_string(),
            };
            return vec![Finding {
                id: "cancel-race",
                severity: if ack && bye {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                text: sh.fmt(format_args!(
                    "{} answered the INVITE ({}) after the caller had sent CANCEL: the two \
                     crossed; {tail}.",
                    ctx.ep(origin(call, ok)),
                    ctx.phrase_of(call, ok)
                )),
                code: Some(200),
                rfc: RFC_CANCEL,
                evidence: vec![
                    ev(cancel_msg, "CANCEL"),
                    ev(ok, sh.fmt(format_args!("{}", ctx.phrase_of(call, ok)))),
                ],
            }];
        }
        // CANCEL accepted, INVITE never finished. The caller's ACK on the
        // INVITE's own transaction acknowledges a failure response (RFC
        // 3261 §17.1.1.3): the 487 came, the capture missed it.
        let acked = msgs_of(call, inv_t)
            .find(|(i, m)| *i > cancel_msg && m.method == Method::ACK && m.is_request());
        if (200..300).contains(&tx.final_code)
            && inv.final_msg == NONE
            && let Some((ack, _)) = acked
        {
            return vec![Finding {
                id: "cancel-race",
                severity: Severity::Info,
                text: sh.fmt(format_args!(
                    "{} accepted the CANCEL (200) and the caller acknowledged a final response \
                     to its INVITE (its ACK), which is not in the capture: it likely was the 487. \
                     The capture misses part of that direction.",
                    ctx.ep(call.msgs[tx.final_msg as usize].src)
                )),
                code: Some(487),
                rfc: RFC_CANCEL,
                evidence: vec![
                    ev(cancel_msg, "CANCEL"),
                    ev(ack, "ACK of the INVITE's final response, on its branch"),
                ],
            }];
        }
        if (200..300).contains(&tx.final_code) && inv.final_msg == NONE {
            let waited = match (call.msgs[tx.final_msg as usize].time(), ctx.trace_end(call)) {
                (Some(a), Some(b)) => b - a,
                _ => 0,
            };
            if waited >= TIMER_B_NS {
                return vec![Finding {
                    id: "cancel-race",
                    severity: Severity::Warning,
                    text: sh.fmt(format_args!(
                        "{} accepted the CANCEL (200) but never ended the INVITE with 487: the \
                         caller's INVITE transaction only ends by timeout.",
                        ctx.ep(call.msgs[tx.final_msg as usize].src)
                    )),
                    code: Some(487),
                    rfc: RFC_CANCEL,
                    evidence: vec![
                        ev(cancel_msg, "CANCEL"),
                        ev(
                            tx.final_msg,
                            sh.fmt(format_args!("{}", ctx.phrase_of(call, tx.final_msg))),
                        ),
                        note(sh.fmt(format_args!(
                            "no final response to the INVITE in the {} that follow",
                            Duration(waited)
                        ))),
                    ],
                }];
            }
        }
        let _ = c;
    }
    Vec::new()
}

/// Whether a NOTIFY transaction reports on a REFER: its request says
/// `Event: refer`, or, when the request is not in the trace, the call has
/// a REFER. A NOTIFY of another subscription (dialog, presence) answered
/// 481 is a dialog problem ([`timer`]), not a transfer's.
fn about_a_refer(call: &Call, tx: &Txn) -> bool {
    match call.msgs.get(tx.request as usize) {
        Some(r) => r.has(flag::EVENT_REFER),
        None => call.txns.iter().any(|t| t.method == Method::REFER),
    }
}

/// Whether a NOTIFY with this Event header can report on the REFER of
/// CSeq `refer_cseq`: its `id` parameter, when there is one, is that CSeq
/// (RFC 3515 §2.4.6: a NOTIFY about the second REFER of a dialog says
/// which); without one, any NOTIFY may be.
fn notify_is_for(event: Option<&str>, refer_cseq: u32) -> bool {
    let Some(event) = event else { return true };
    let id = event.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("id").then(|| v.trim())
    });
    id.is_none_or(|id| id.parse::<u32>().ok() == Some(refer_cseq))
}

/// Finding 8: A REFER accepted with no NOTIFY after it, or a NOTIFY about
/// a REFER answered 481.
pub fn refer_no_notify(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    for (i, m) in call.msgs.iter().enumerate() {
        let i = i as u32;
        if m.method == Method::NOTIFY
            && m.code == 481
            && !m.has(flag::RETRANS)
            && about_a_refer(call, &call.txns[m.txn as usize])
        {
            return vec![Finding {
                id: "refer-no-notify",
                severity: Severity::Warning,
                text: sh.fmt(format_args!(
                    "{} answered a NOTIFY about the transfer's progress with 481: it no longer \
                     knows the subscription or dialog (it already hung up, or the NOTIFY went to \
                     the wrong place).",
                    ctx.ep(origin(call, i))
                )),
                code: Some(481),
                rfc: RFC_REFER,
                evidence: vec![ev(i, sh.fmt(format_args!("{}", ctx.phrase_of(call, i))))],
            }];
        }
    }
    for tx in &call.txns {
        if tx.method != Method::REFER || !(200..300).contains(&tx.final_code) {
            continue;
        }
        let ok = tx.final_msg;
        // A NOTIFY after this REFER (one before it reported on an earlier
        // transfer; RFC 3515 §2.4.4 wants one for each REFER accepted).
        let after = if tx.request == NONE { ok } else { tx.request };
        let mut notifies = call.msgs[after as usize..]
            .iter()
            .enumerate()
            .filter(|(j, m)| {
                m.method == Method::NOTIFY
                    && m.is_request()
                    && notify_is_for(
                        ctx.extra(call, after + *j as u32, ExtraKind::Event),
                        tx.cseq,
                    )
            })
            .map(|(j, _)| after + j as u32);
        if let Some(last) = notifies.next_back() {
            // The last report of the transfer (a NOTIFY of another event
            // package in the dialog is none): a final failure in its
            // fragment is the target's answer to the transferee.
            let last = std::iter::once(last)
                .chain(notifies.rev())
                .find(|&j| call.msgs[j as usize].has(flag::EVENT_REFER));
            if let Some(f) = last.and_then(|last| refer_failed(call, ctx, sh, tx, last)) {
                return vec![f];
            }
            continue;
        }
        let waited = match (call.msgs[ok as usize].time(), ctx.trace_end(call)) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        if waited < NOTIFY_WAIT_NS {
            continue;
        }
        // The capture cut short requests sent the NOTIFY's way after the
        // answer, too short to tell their call: the NOTIFY may be one.
        let notify_cut = msgs_of(call, call.msgs[ok as usize].txn)
            .filter(|(_, m)| (200..300).contains(&m.code))
            .any(|(_, m)| {
                super::model::cut_between(ctx.cut_requests, m.src, m.dst, m.time()).is_some()
            });
        if notify_cut {
            continue;
        }
        return vec![Finding {
            id: "refer-no-notify",
            severity: Severity::Warning,
            text: sh.fmt(format_args!(
                "{} accepted the REFER ({}) but sent no NOTIFY in the {} that follow: the \
                 transferor never learns whether the transfer worked (some phones then hang \
                 up or keep the call on hold).",
                ctx.ep(origin(call, ok)),
                ctx.phrase_of(call, ok),
                Duration(waited)
            )),
            code: Some(202),
            rfc: RFC_REFER,
            evidence: vec![
                ev(tx.request.min(ok), "REFER"),
                ev(
                    origin_msg(call, ok),
                    sh.fmt(format_args!("{}", ctx.phrase_of(call, ok))),
                ),
                note("no NOTIFY request in this call after it"),
            ],
        }];
    }
    Vec::new()
}

/// A transfer that failed: the last NOTIFY about the REFER `tx`
/// (message `notify`) carries a fragment with a final failure status (RFC
/// 3515 §2.4.5: the status of the transferee's request to the target).
fn refer_failed(
    call: &Call,
    ctx: &Context<'_>,
    sh: &mut Shared,
    tx: &Txn,
    notify: u32,
) -> Option<Finding> {
    let frag = ctx.extra(call, notify, ExtraKind::Sipfrag)?;
    let code: u16 = frag.split_ascii_whitespace().nth(1)?.parse().ok()?;
    if !(300..700).contains(&code) {
        return None;
    }
    let said = origin_msg(call, notify);
    let refer = tx.request.min(tx.final_msg);
    let mut evidence = vec![
        ev(refer, "REFER"),
        ev(
            said,
            sh.fmt(format_args!("NOTIFY body: {}", excerpt(frag, 80))),
        ),
    ];
    // The failed call itself, when this trace holds it: where to look next.
    let leg = (tx.request != NONE)
        .then(|| ctx.transferees_call(call, tx.request, notify, code))
        .flatten()
        .map(|c| {
            let id = crate::sanitize::shown_ident(&c.call_id);
            evidence.push(note(format!(
                "the transferee's own call to the target: Call-ID {id}"
            )));
            format!(" The transferee's own call to the target is in this trace: Call-ID {id}.")
        })
        .unwrap_or_default();
    Some(Finding {
        id: "refer-failed",
        severity: Severity::Warning,
        text: sh.fmt(format_args!(
            "The transfer failed: {} reported in its NOTIFY that the transfer target answered \
             {}, so the call to the target did not connect and the transferor still holds \
             the original call (or hung up already).{leg}",
            ctx.ep(call.msgs[said as usize].src),
            excerpt(frag.get(8..).unwrap_or(frag), 60)
        )),
        code: Some(code),
        rfc: RFC_REFER_FAILED,
        evidence,
    })
}

/// Finding 9: An offer rejected (488, 606, 415): the offered codecs from the
/// request's SDP, and the Warning that says why.
pub fn codec_reject(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    let mut hits = Vec::new();
    // A proxy's copy of the offer and of its rejection is the same attempt.
    let rejected = attempts(
        call,
        (0..call.txns.len() as u32)
            .filter(|&t| {
                let tx = &call.txns[t as usize];
                matches!(tx.final_code, 415 | 488 | 606) && carries_offers(tx.method)
            })
            .collect(),
    );
    for t in rejected {
        let tx = &call.txns[t as usize];
        // The request as sent: a copy the capture did not cut short, when
        // there is one (a cut one's SDP may be missing or end early).
        let request = request_copies(call, t)
            .find(|&i| !call.msgs[i as usize].has(flag::CUT))
            .unwrap_or(tx.request);
        let offer = (request != NONE)
            .then(|| ctx.extra(call, request, ExtraKind::Sdp))
            .flatten();
        let what = if tx.in_dialog {
            format!("the {} inside the call", re(ctx.method(tx.method)))
        } else {
            ctx.method(tx.method).to_string()
        };
        let offered = match offer {
            _ if request != NONE && call.msgs[request as usize].has(flag::CUT) => format!(
                "the SDP of this {} was cut by the capture's snap length; its codecs cannot \
                 be listed",
                ctx.method(tx.method)
            ),
            Some(o) => format!("offered {}", excerpt(o, 160)),
            None if request != NONE && call.msgs[request as usize].has(flag::SDP) => {
                "the offer lists no media".to_string()
            }
            None => "no SDP offer in the request (maybe a delayed offer)".to_string(),
        };
        let why = if tx.final_code == 415 {
            "the body type or encoding is not accepted (see Accept)"
        } else {
            "no codec or media line in common, or media it refuses (T.38, video, SRTP, ptime)"
        };
        let mut evidence = Vec::new();
        if tx.request != NONE {
            evidence.push(ev(tx.request, offered.clone()));
        }
        // The rejection as its sender sent it.
        let said = origin_msg(call, tx.final_msg);
        evidence.push(ev(
            said,
            sh.fmt(format_args!("{}", ctx.phrase_of(call, said))),
        ));
        for w in call
            .extras_of(said)
            .iter()
            .filter(|e| e.kind == ExtraKind::Warning)
        {
            evidence.push(ev(
                said,
                sh.fmt(format_args!("Warning: {}", excerpt(ctx.text(w.at), 100))),
            ));
        }
        hits.push((
            t,
            Finding {
                id: "codec-reject",
                severity: if is_final_of_call(call, tx.final_msg) {
                    Severity::Failure
                } else {
                    Severity::Warning
                },
                text: sh.fmt(format_args!(
                    "{} rejected {what} with {}; {offered}: {why}. Compare the codec lists on \
                     both sides.",
                    ctx.ep(call.msgs[said as usize].src),
                    ctx.phrase_of(call, tx.final_msg)
                )),
                code: Some(tx.final_code),
                rfc: RFC_CODEC,
                evidence,
            },
        ));
    }
    merge(hits, call, sh)
}

fn re(method: &str) -> String {
    if method == "INVITE" {
        "re-INVITE".to_string()
    } else {
        method.to_string()
    }
}

/// Finding 10: Timers: 422 (Min-SE) and 423 (Min-Expires) loops, a BYE at the
/// session timer's expiry, 481 to a request inside a dialog.
pub fn timer(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    let mut out = Vec::new();
    // 422 / 423: repeated, or the last word.
    for (code, min_kind, value_kind, rfc, header) in [
        (
            422u16,
            ExtraKind::MinSe,
            ExtraKind::SessionExpires,
            RFC_422,
            "Session-Expires",
        ),
        (
            423u16,
            ExtraKind::MinExpires,
            ExtraKind::Expires,
            RFC_423,
            "Expires",
        ),
    ] {
        // Each attempt once: a proxy's copy of the request and of its
        // refusal is the same attempt.
        let hits = attempts(
            call,
            (0..call.txns.len() as u32)
                .filter(|&t| call.txns[t as usize].final_code == code)
                .collect(),
        );
        let Some(&last) = hits.last() else {
            continue;
        };
        let last = &call.txns[last as usize];
        let loops = hits.len() >= 2;
        // The call ended on this refusal (on the copy the requester got, or
        // on any other hop's copy of it).
        let gave_up = call.outcome != Outcome::Answered
            && call.final_msg != NONE
            && call.msgs[call.final_msg as usize].code == code
            && call.msgs[call.final_msg as usize].cseq == last.cseq;
        if !loops && !gave_up {
            continue;
        }
        // The requester may have retried in a request the capture cut
        // short before the headers that tell its call.
        if !loops && {
            let fin = &call.msgs[call.final_msg as usize];
            super::model::cut_between(ctx.cut_requests, fin.dst, fin.src, fin.time()).is_some()
        } {
            continue;
        }
        let min_name = if code == 422 { "Min-SE" } else { "Min-Expires" };
        let seconds = |v: &str| -> Option<u64> {
            let d = v.trim_start();
            let end = d.find(|c: char| !c.is_ascii_digit()).unwrap_or(d.len());
            d[..end].parse().ok()
        };
        let asked = |t: &Txn| {
            (t.request != NONE)
                .then(|| ctx.extra(call, t.request, value_kind))
                .flatten()
        };
        let told = |t: &Txn| ctx.extra(call, t.final_msg, min_kind);
        let mut evidence = Vec::new();
        for &t in hits.iter().take(4) {
            let t = &call.txns[t as usize];
            if let Some(v) = asked(t) {
                evidence.push(ev(
                    t.request,
                    sh.fmt(format_args!("{header}: {}", excerpt(v, 40))),
                ));
            }
            let min = told(t)
                .map(|v| format!(", {min_name}: {}", excerpt(v, 40)))
                .unwrap_or_default();
            evidence.push(ev(
                t.final_msg,
                sh.fmt(format_args!("{}{min}", ctx.phrase_of(call, t.final_msg))),
            ));
        }
        // Each retry asked for at least the minimum the refusal before it
        // gave: the refusing side raised its minimum in between.
        let complied = loops
            && hits.windows(2).all(|w| {
                let (before, retry) = (&call.txns[w[0] as usize], &call.txns[w[1] as usize]);
                match (
                    told(before).and_then(seconds),
                    asked(retry).and_then(seconds),
                ) {
                    (Some(min), Some(v)) => v >= min,
                    _ => false,
                }
            });
        // A value missing from a message the capture cut short: whether
        // the retries complied cannot be told.
        let unknown = loops
            && !complied
            && hits.iter().any(|&t| {
                let t = &call.txns[t as usize];
                (told(t).is_none() && call.msgs[t.final_msg as usize].has(flag::CUT))
                    || (t.request != NONE
                        && asked(t).is_none()
                        && call.msgs[t.request as usize].has(flag::CUT))
            });
        let by = ctx.ep(origin(call, last.final_msg));
        let text = if unknown {
            sh.fmt(format_args!(
                "{by} answered {code} {} times; the capture's snap length cut the {header} or \
                 {min_name} of some of these messages, so whether each retry asked for the \
                 minimum it was told cannot be told.",
                hits.len()
            ))
        } else if complied {
            sh.fmt(format_args!(
                "{by} answered {code} {} times although each retry asked for the minimum the \
                 refusal before it gave ({min_name} {}): it raises its minimum from one answer \
                 to the next. Check its configuration.",
                hits.len(),
                hits.iter()
                    .filter_map(|&t| told(&call.txns[t as usize]))
                    .map(|v| excerpt(v, 20))
                    .collect::<Vec<_>>()
                    .join(", then ")
            ))
        } else if loops {
            sh.fmt(format_args!(
                "{by} answered {code} {} times: the requester keeps asking for {} below the \
                 minimum it was told. Raise the configured interval to the {min_name} value.",
                hits.len(),
                if code == 422 {
                    "a Session-Expires"
                } else {
                    "an Expires"
                }
            ))
        } else {
            sh.fmt(format_args!(
                "{by} answered {code} (interval too small) and the requester gave up instead of \
                 retrying with the minimum it was given."
            ))
        };
        out.push(Finding {
            id: "timer",
            severity: if gave_up {
                Severity::Failure
            } else {
                Severity::Warning
            },
            text,
            code: Some(code),
            rfc,
            evidence,
        });
    }
    // BYE at the session timer's expiry.
    if call.outcome == Outcome::Answered
        && let Some(f) = session_expiry_bye(call, ctx, sh)
    {
        out.push(f);
    }
    // 481 to a request inside the dialog: one finding per element that
    // refused; its later 481s to other requests (a restarted phone refuses
    // the re-INVITE, then the BYE) join that finding's evidence, a
    // proxy's relayed copy of one (the same request) adds nothing.
    // (The element, its finding's place in `out`, the requests it refused.)
    type Told = (Ep, usize, Vec<(Method, u32)>);
    let mut told: Vec<Told> = Vec::new();
    for tx in &call.txns {
        if tx.final_code != 481
            || tx.method == Method::CANCEL
            || (tx.method == Method::NOTIFY && about_a_refer(call, tx))
        {
            continue;
        }
        if !tx.in_dialog && !matches!(tx.method, Method::BYE | Method::UPDATE | Method::PRACK) {
            continue;
        }
        // The element that generated the 481, not a proxy passing it on.
        let from = origin(call, tx.final_msg);
        if let Some((_, at, seen)) = told.iter_mut().find(|t| t.0 == from) {
            if !seen.contains(&(tx.method, tx.cseq)) {
                seen.push((tx.method, tx.cseq));
                out[*at].evidence.push(ev(
                    tx.final_msg,
                    sh.fmt(format_args!(
                        "{} to {} too",
                        ctx.phrase_of(call, tx.final_msg),
                        re_in_dialog(ctx.method(tx.method), tx)
                    )),
                ));
            }
            continue;
        }
        told.push((from, out.len(), vec![(tx.method, tx.cseq)]));
        // The one answering 481 to a BYE had sent its own BYE before, and
        // its dialog ended with it (§15.1.2). A copy of the BYE answered,
        // relayed on by a proxy (the same CSeq, after it), is not that BYE.
        let own_bye = (tx.method == Method::BYE)
            .then(|| {
                let msgs = &call.msgs[..tx.final_msg as usize];
                msgs.iter()
                    .enumerate()
                    .find(|&(i, m)| {
                        // Not a copy of a BYE it received and passed on
                        // (a proxy relaying the BYE answered): that goes on
                        // away from where it came from, while its own BYE
                        // goes back that way. (Each side numbers its own
                        // requests, so the CSeq alone cannot tell.)
                        let relayed = msgs[..i].iter().any(|k| {
                            k.is_request()
                                && k.method == Method::BYE
                                && k.cseq == m.cseq
                                && k.dst == from
                                && m.dst != k.src
                        });
                        m.is_request() && m.method == Method::BYE && m.src == from && !relayed
                    })
                    .map(|(i, m)| (i as u32, m.txn))
            })
            .flatten();
        if let Some((j, jt)) = own_bye {
            let own = &call.txns[jt as usize];
            let gap = span(call, j, tx.request);
            // Still in flight when the other BYE left (unanswered, and its
            // client not yet given up after 64*T1): they crossed.
            let unanswered = own.final_msg == NONE || own.final_msg > tx.request;
            let crossed = unanswered && gap.is_none_or(|g| g < TIMER_B_NS);
            let before = gap
                .map(|g| format!(" {} before", Duration(g)))
                .unwrap_or_default();
            let (severity, text) = if crossed {
                (
                    Severity::Info,
                    sh.fmt(format_args!(
                        "{} answered BYE with 481 after sending its own BYE: both sides hung \
                         up at once and the BYEs crossed. Its dialog had already ended, so \
                         this is harmless.",
                        ctx.ep(from)
                    )),
                )
            } else if own.final_msg == NONE {
                (
                    Severity::Warning,
                    sh.fmt(format_args!(
                        "{} answered BYE with 481: it had ended the dialog with its own \
                         BYE{before}, which was never answered (its client gives up after \
                         64*T1 = 32 s), so the other side never learnt the call was over and \
                         kept it up until it hung up itself. Look at why that BYE was lost.",
                        ctx.ep(from),
                    )),
                )
            } else if (200..300).contains(&own.final_code) {
                (
                    Severity::Info,
                    sh.fmt(format_args!(
                        "{} answered BYE with 481: it had ended the dialog with its own \
                         BYE{before}, answered {}, so this later BYE came to a dialog that no \
                         longer existed (a repeated or late BYE).",
                        ctx.ep(from),
                        ctx.phrase_of(call, own.final_msg)
                    )),
                )
            } else {
                (
                    Severity::Warning,
                    sh.fmt(format_args!(
                        "{} answered BYE with 481: it had ended the dialog with its own \
                         BYE{before}, but that BYE was answered {}, so the other side never \
                         learnt the call was over and kept it up until it hung up itself. \
                         Look at why the first BYE was refused.",
                        ctx.ep(from),
                        ctx.phrase_of(call, own.final_msg)
                    )),
                )
            };
            let mut evidence = vec![ev(j, sh.fmt(format_args!("BYE from {}", ctx.ep(from))))];
            if !crossed && own.final_msg != NONE {
                evidence.push(ev(
                    own.final_msg,
                    sh.fmt(format_args!("{}", ctx.phrase_of(call, own.final_msg))),
                ));
            }
            evidence.push(ev(
                tx.final_msg,
                sh.fmt(format_args!("{}", ctx.phrase_of(call, tx.final_msg))),
            ));
            out.push(Finding {
                id: "timer",
                severity,
                text,
                code: Some(481),
                rfc: "RFC 3261 §15.1.2",
                evidence,
            });
            continue;
        }
        let method = ctx.method(tx.method);
        out.push(Finding {
            id: "timer",
            severity: Severity::Warning,
            text: sh.fmt(format_args!(
                "{} answered {} with 481: it does not know this dialog any more (already ended \
                 or timed out there), or the request carries the wrong tags or went to the \
                 wrong address (Contact / Record-Route).",
                ctx.ep(from),
                re_in_dialog(method, tx)
            )),
            code: Some(481),
            rfc: RFC_481,
            evidence: vec![ev(
                tx.final_msg,
                sh.fmt(format_args!("{}", ctx.phrase_of(call, tx.final_msg))),
            )],
        });
    }
    out
}

fn re_in_dialog(method: &str, tx: &Txn) -> String {
    if tx.in_dialog && method == "INVITE" {
        "a re-INVITE".to_string()
    } else {
        method.to_string()
    }
}

/// A BYE that comes when the negotiated session interval runs out after
/// the last refresh (RFC 4028 §10: a refresh was missing).
fn session_expiry_bye(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Option<Finding> {
    // The interval: from the last 2xx to an INVITE or UPDATE that says it.
    let mut interval: Option<(u32, u64)> = None;
    let mut last_refresh: Option<u32> = None;
    for (i, m) in call.msgs.iter().enumerate() {
        let i = i as u32;
        if (200..300).contains(&m.code) && matches!(m.method, Method::INVITE | Method::UPDATE) {
            last_refresh = Some(i);
            if let Some(v) = ctx.extra(call, i, ExtraKind::SessionExpires)
                && let Some(s) = super::skim::leading_seconds(v.as_bytes())
            {
                interval = Some((i, u64::from(s)));
            }
        }
        if m.method == Method::BYE && m.is_request() && !m.has(flag::RETRANS) {
            let (from, se) = interval?;
            let refresh = last_refresh.unwrap_or(from);
            let after = span(call, refresh, i)?;
            let se_ns = se as i64 * 1_000_000_000;
            // RFC 4028 §10: the BYE goes slightly before expiry, by the
            // smaller of 32 s and a third of the interval.
            let early = (se_ns / 3).min(TIMER_B_NS);
            if after >= se_ns - early - 2_000_000_000 && after <= se_ns + 5_000_000_000 {
                return Some(Finding {
                    id: "timer",
                    severity: Severity::Warning,
                    text: sh.fmt(format_args!(
                        "{} hung up {} after the last session refresh, just when the session \
                         timer ran out (Session-Expires: {se}): a refresh re-INVITE or UPDATE \
                         was never sent or never answered. Check which side is the refresher.",
                        ctx.ep(m.src),
                        Duration(after)
                    )),
                    code: Some(422),
                    rfc: RFC_SE_BYE,
                    evidence: vec![
                        ev(from, sh.fmt(format_args!("Session-Expires: {se}"))),
                        ev(
                            i,
                            sh.fmt(format_args!(
                                "BYE {} after the refresh at #{}",
                                Duration(after),
                                refresh + 1
                            )),
                        ),
                    ],
                });
            }
            return None;
        }
    }
    None
}

/// Finding 11: A request other than the call's own failed (re-INVITE, INFO, a
/// second request in the Call-ID), when no other finding explains it.
pub fn request_failed(call: &Call, ctx: &Context<'_>, sh: &mut Shared) -> Vec<Finding> {
    let failed: Vec<u32> = (0..call.txns.len() as u32)
        .filter(|&t| {
            let tx = &call.txns[t as usize];
            let code = tx.final_code;
            if code < 300 || is_primary(call, t) || tx.method == Method::CANCEL {
                return false;
            }
            // Explained elsewhere: challenges, 408, 481, offers, timers,
            // cancels. A 415 to a request that carries no offer is this
            // finding's (its body type was refused).
            if matches!(code, 401 | 407 | 408 | 481 | 422 | 423)
                || (matches!(code, 415 | 488 | 606) && carries_offers(tx.method))
                || (code == 487 && tx.cancelled_by != NONE)
            {
                return false;
            }
            // 491 Request Pending: both sides sent a re-INVITE at once
            // (glare); each retries after a random wait (RFC 3261 §14.1). A
            // later request of the same method in the dialog that succeeded
            // is that retry: nothing went wrong.
            if code == 491
                && call.txns.iter().skip(t as usize + 1).any(|o| {
                    o.method == tx.method
                        && o.in_dialog == tx.in_dialog
                        && (200..300).contains(&o.final_code)
                })
            {
                return false;
            }
            let f = &call.msgs[tx.final_msg as usize];
            code != 503 && !is_overload(ctx.text, call, tx.final_msg, f)
        })
        .collect();
    let mut hits = Vec::new();
    // A proxy's copy of the request and of its answer is the same attempt.
    for t in attempts(call, failed) {
        let tx = &call.txns[t as usize];
        let code = tx.final_code;
        let method = ctx.method(tx.method);
        let what = if tx.in_dialog {
            format!("{} inside the call", re(method))
        } else {
            format!("{method} (CSeq {})", tx.cseq)
        };
        let why = match code {
            415 => {
                " Its body type or encoding is not accepted there: the 415's Accept, \
                 Accept-Encoding and Accept-Language headers say what is."
            }
            // Not about a session description: this method carries none.
            488 | 606 => {
                " Something in the request (its body, its event package, a header's value) \
                 is not acceptable there; a Warning header in the response, if any, says what."
            }
            _ => "",
        };
        hits.push((
            t,
            Finding {
                id: "request-failed",
                severity: Severity::Warning,
                text: sh.fmt(format_args!(
                    "{} answered {what} with {}.{why}",
                    ctx.ep(origin(call, tx.final_msg)),
                    ctx.phrase_of(call, tx.final_msg)
                )),
                code: Some(code),
                rfc: if code == 415 {
                    RFC_UNSUPPORTED_BODY
                } else {
                    RFC_FAILED
                },
                evidence: vec![ev(
                    origin_msg(call, tx.final_msg),
                    sh.fmt(format_args!("{}", ctx.phrase_of(call, tx.final_msg))),
                )],
            },
        ));
    }
    merge(hits, call, sh)
}

/// Requests that can carry an SDP offer or answer (RFC 3261 §13.2.1, RFC
/// 3262 §5, RFC 3311 §5): a 415, 488 or 606 to one of them is about its
/// session description (to another method, about the request).
fn carries_offers(m: Method) -> bool {
    matches!(m, Method::INVITE | Method::UPDATE | Method::PRACK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keyed sentence is formatted once per key: the same key gives the
    /// kept text, another key its own text, and a key too long to hold
    /// still gives the right text.
    #[test]
    fn keyed_sentences_are_formatted_once_per_key() {
        let mut sh = Shared::default();
        let formatted = std::cell::Cell::new(0);
        struct Counted<'a>(&'a std::cell::Cell<u32>, u32);
        impl std::fmt::Display for Counted<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.set(self.0.get() + 1);
                write!(f, "{}", self.1)
            }
        }
        let a = sh.fmt_keyed(
            Key::new(1).num(7),
            format_args!("n={}", Counted(&formatted, 7)),
        );
        let b = sh.fmt_keyed(
            Key::new(1).num(7),
            format_args!("n={}", Counted(&formatted, 7)),
        );
        assert_eq!(&*a, "n=7");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(formatted.get(), 1);
        let c = sh.fmt_keyed(
            Key::new(1).num(8),
            format_args!("n={}", Counted(&formatted, 8)),
        );
        assert_eq!(&*c, "n=8");
        // Another place with the same values is another key.
        let d = sh.fmt_keyed(
            Key::new(2).num(7),
            format_args!("m={}", Counted(&formatted, 7)),
        );
        assert_eq!(&*d, "m=7");
        // Two texts cannot run together into the same key.
        assert_ne!(
            &Key::new(3).text("ab").text("c").buf[..],
            &Key::new(3).text("a").text("bc").buf[..]
        );
        let long = "x".repeat(200);
        for _ in 0..2 {
            let e = sh.fmt_keyed(Key::new(4).text(&long), format_args!("{long}"));
            assert_eq!(&*e, long.as_str());
        }
        assert_eq!(formatted.get(), 3);
    }
}
