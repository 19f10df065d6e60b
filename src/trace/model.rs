//! From SIP messages to transactions and calls.
//!
//! [`Analyzer`] is a [`Sink`]: each [`Record`] is skimmed
//! ([`super::skim`]), placed in its call (by Call-ID, interned once per call)
//! and its transaction, and kept as a compact [`Msg`] of 64 bytes. Nothing
//! else of the message is kept, except the few header values the findings
//! need (as [`Extra`]s, only when present) and, for the calls selected with
//! [`Keep`], the whole bytes. [`Analyzer::finish`] then sorts each call's
//! messages by time, drops the duplicates, marks the retransmissions,
//! derives each transaction's and call's facts and runs the findings.
//!
//! Transactions (RFC 3261 §17.1.3 and §17.2.3): the top Via's branch and
//! sent-by plus the CSeq method, with the ACK of a non-2xx response in its
//! INVITE's transaction and a CANCEL linked to the INVITE with the same
//! branch. A branch without the `z9hG4bK` cookie (RFC 2543 peers) falls back
//! to the From tag, the CSeq number and the top Via.
//!
//! The duplicate rule: a message with the same bytes, the same source and
//! destination and the same transaction as one seen less than
//! [`DUPLICATE_WINDOW_NS`] earlier is the same packet captured twice (for
//! example on two interfaces with `tcpdump -i any`): it is dropped (its
//! frames are kept for `--export-pcap`). The same bytes later than that are a
//! retransmission, counted and shown. Within one PBX log (each entry one
//! packet the program sent or took, its stamps often to the second) two
//! copies are two packets: a retransmission however close.

use super::digest::{Batch, Digest, Event, RecentRequests, Status};
use super::findings::{self, Finding};
use super::skim;
use super::{Cut, Endpoint, Format, Problem, Record, Sink, SourceInfo, Transport};
use foldhash::fast::FixedState;
use std::collections::HashMap;

/// Index of an endpoint in [`Triage::endpoints`]; [`NO_EP`] when unknown.
pub type Ep = u32;
/// No endpoint.
pub const NO_EP: Ep = u32::MAX;
/// No message / no transaction.
pub const NONE: u32 = u32::MAX;

/// T1, the RFC 3261 round-trip estimate (§17.1.1.1): 500 ms.
pub const T1_NS: i64 = 500_000_000;
/// 64*T1 (Timer B and F, §17.1.1.2 and §17.1.2.2): 32 s.
pub const TIMER_B_NS: i64 = 64 * T1_NS;
/// Timer C, how long a proxy lets an INVITE ring before giving up
/// (RFC 3261 §16.6: more than 3 minutes).
pub const TIMER_C_NS: i64 = 180_000_000_000;
/// Two copies closer than this are one packet captured twice (10 ms; a
/// retransmission comes T1 = 500 ms or more after the original).
pub const DUPLICATE_WINDOW_NS: i64 = 10_000_000;
/// Whole message bytes kept at most (see [`Keep`]).
pub const DEFAULT_KEEP_LIMIT: usize = 256 << 20;
/// Problems listed at most; the rest are counted.
pub const MAX_PROBLEMS: usize = 1000;

/// A SIP method, interned: the registered ones have fixed numbers, others
/// are numbered as they appear (see [`Triage::method_name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Method(pub u8);

impl Method {
    pub const UNKNOWN: Method = Method(0);
    pub const INVITE: Method = Method(1);
    pub const ACK: Method = Method(2);
    pub const BYE: Method = Method(3);
    pub const CANCEL: Method = Method(4);
    pub const REGISTER: Method = Method(5);
    pub const OPTIONS: Method = Method(6);
    pub const PRACK: Method = Method(7);
    pub const SUBSCRIBE: Method = Method(8);
    pub const NOTIFY: Method = Method(9);
    pub const PUBLISH: Method = Method(10);
    pub const INFO: Method = Method(11);
    pub const REFER: Method = Method(12);
    pub const MESSAGE: Method = Method(13);
    pub const UPDATE: Method = Method(14);
}

/// Names of the methods with fixed numbers.
const KNOWN_METHODS: [&str; 15] = [
    "UNKNOWN",
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "REGISTER",
    "OPTIONS",
    "PRACK",
    "SUBSCRIBE",
    "NOTIFY",
    "PUBLISH",
    "INFO",
    "REFER",
    "MESSAGE",
    "UPDATE",
];

/// Bits of [`Msg::flags`].
pub mod flag {
    /// The same bytes were seen earlier in the transaction (T1 or more before).
    pub const RETRANS: u16 = 1;
    /// A request with Authorization or Proxy-Authorization.
    pub const CREDENTIALS: u16 = 2;
    /// A challenge (401/407) saying `stale=true`.
    pub const STALE: u16 = 4;
    /// Carries an SDP body.
    pub const SDP: u16 = 8;
    /// A request with a To tag (inside a dialog).
    pub const IN_DIALOG: u16 = 16;
    /// `Event: refer` (a NOTIFY about a REFER).
    pub const EVENT_REFER: u16 = 32;
    /// A 401/407 carrying a challenge header.
    pub const CHALLENGE: u16 = 64;
    /// A 2xx carrying Record-Route.
    pub const RECORD_ROUTE: u16 = 128;
    /// Its packet was cut by the capture's snap length: a header or body
    /// it lacks may have been cut off, not left out by its sender.
    pub const CUT: u16 = 256;
}

/// One SIP message of a call, in 64 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg {
    /// Capture time, ns since the Unix epoch; [`i64::MIN`] when unknown.
    pub time_ns: i64,
    /// The packet or log entry that completed it.
    pub frame: u64,
    /// The input file.
    pub file: u32,
    pub src: Ep,
    pub dst: Ep,
    /// The CSeq number (0 when missing).
    pub cseq: u32,
    /// Index of its transaction in [`Call::txns`].
    pub txn: u32,
    /// Size in bytes.
    pub len: u32,
    /// A hash of the bytes (duplicates and retransmissions).
    pub hash: u32,
    /// Arrival order within the call (stable ids for extras and bytes).
    pub seq: u32,
    /// Status code of a response; 0 for a request.
    pub code: u16,
    /// The request method, or a response's CSeq method.
    pub method: Method,
    /// 1 + index of the To tag in [`Call::legs`]; 0 without a To tag.
    pub leg: u8,
    /// [`flag`] bits.
    pub flags: u16,
}

impl Msg {
    pub fn is_request(&self) -> bool {
        self.code == 0
    }
    pub fn is_response(&self) -> bool {
        self.code != 0
    }
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }
    pub fn time(&self) -> Option<i64> {
        (self.time_ns != i64::MIN).then_some(self.time_ns)
    }
    pub fn is_final(&self) -> bool {
        self.code >= 200
    }
}

/// One transaction of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Txn {
    /// Hash of the branch and sent-by (or the RFC 2543 fields).
    pub base: u64,
    /// `base` mixed with the method (ACK of a non-2xx: INVITE's): what a
    /// message is matched on.
    pub key: u64,
    pub method: Method,
    pub cseq: u32,
    /// The request carried a To tag (a request inside a dialog).
    pub in_dialog: bool,
    /// The branch has no RFC 3261 magic cookie.
    pub rfc2543: bool,
    /// The first copy of the request ([`NONE`] when not captured).
    pub request: u32,
    /// Copies of the request, retransmissions included.
    pub requests: u32,
    /// The first response.
    pub first_response: u32,
    /// The first final response ([`NONE`] when none).
    pub final_msg: u32,
    /// Its code (0 when none).
    pub final_code: u16,
    /// For a CANCEL: the INVITE transaction it cancels.
    pub cancels: u32,
    /// For an INVITE: the CANCEL transaction that cancels it.
    pub cancelled_by: u32,
    /// One of the call's own transactions: the initial requests of the
    /// call's method (its auth retries, forks and proxied copies).
    pub primary: bool,
}

/// A piece of [`Triage::text`]: where a kept header value is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

/// A header value of one message, kept because a finding or the report
/// needs it. Only present when the message had the header. The value (raw:
/// sanitise before showing, at most [`MAX_EXTRA`] bytes) is in
/// [`Triage::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extra {
    /// Index of the message in [`Call::msgs`].
    pub msg: u32,
    pub kind: ExtraKind,
    pub at: Span,
}

/// Longest [`Extra`] value kept.
pub const MAX_EXTRA: usize = 300;

/// What an [`Extra`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExtraKind {
    /// The reason phrase of a response other than `200 OK`.
    Phrase,
    Reason,
    Warning,
    RetryAfter,
    /// WWW-Authenticate or Proxy-Authenticate.
    Challenge,
    SessionExpires,
    MinSe,
    MinExpires,
    Expires,
    Event,
    SubscriptionState,
    /// The media and codecs of an SDP body (`audio: PCMA/8000 ...`).
    Sdp,
    /// The Contact of a 2xx to INVITE, kept only when its host is a
    /// private address, on a hop with a public address at one end (a
    /// callee behind NAT).
    Contact,
    /// The first line of the body of a NOTIFY about a REFER: the SIP
    /// fragment with the transfer's progress (`SIP/2.0 404 Not Found`).
    Sipfrag,
    /// The Refer-To of a REFER request: where the transferee is to call.
    ReferTo,
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A 2xx final response.
    Answered,
    /// Busy, cancelled or declined (486, 487, 600, 603): the user's choice,
    /// not a service failure.
    User,
    /// Any other final response, or no final response at all 64*T1 after
    /// the request (a timeout).
    Failure,
    /// No final response yet when the trace ends.
    Pending,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::User => "user",
            Outcome::Failure => "failure",
            Outcome::Pending => "pending",
        }
    }
}

/// The codes RFC 6076 and the issue count as the user's choice.
pub fn is_user_code(code: u16) -> bool {
    matches!(code, 486 | 487 | 600 | 603)
}

/// One call: every message with one Call-ID.
#[derive(Clone, Debug)]
pub struct Call {
    pub call_id: String,
    /// Transaction index by key, built only for calls with many
    /// transactions (a short list is searched directly). Boxed: 8 bytes in
    /// every call instead of a map's 40, for the few calls that need one.
    #[allow(clippy::box_collection)]
    txn_index: Option<Box<HashMap<u64, u32, FixedState>>>,
    /// Messages in time order, duplicates removed.
    pub msgs: Vec<Msg>,
    pub txns: Vec<Txn>,
    /// Distinct To tags seen (dialogs and forks), in order of appearance.
    pub legs: Vec<Span>,
    /// Header values kept, sorted by message.
    pub extras: Vec<Extra>,
    /// Whole message bytes, by message index, for the calls kept.
    pub raw: Vec<(u32, Box<[u8]>)>,
    /// Frames of duplicates and of the extra pieces of reassembled messages.
    pub extra_frames: Vec<(u32, u64)>,
    /// Copies dropped by the duplicate rule.
    pub duplicates: u32,
    /// From and To URIs of the first request (the first initial INVITE's
    /// if any), in [`Triage::text`].
    pub from_uri: Span,
    pub to_uri: Span,
    /// The URIs are a response's: no request outside a dialog (nor any
    /// other than ACK) seen yet.
    pub uris_from_response: bool,
    pub transport: Transport,
    // Derived by `finish`:
    /// The method of the call: the first initial INVITE's when there is
    /// one, else the first request's.
    pub method: Method,
    /// The call's own first transaction is inside a dialog (a re-INVITE:
    /// the trace began after the call was set up).
    pub began_in_dialog: bool,
    /// The trace holds only the caller's side: no response at all, yet the
    /// caller went on inside a dialog (an ACK of a 2xx, a BYE with a To
    /// tag), so responses it got are missing from the capture.
    pub one_way: bool,
    /// Dialogs the call set up (see `count_dialogs`), counted by `finish`
    /// while the call's messages are at hand.
    pub dialogs: u16,
    /// The first copy of the first primary request.
    pub first_request: u32,
    /// The final response of the call. An INVITE call: the first 2xx of a
    /// primary transaction, else the last final response to one. Another
    /// method: that of its latest attempt (see `latest_final`).
    pub final_msg: u32,
    pub src: Ep,
    pub dst: Ep,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    /// First request to first provisional response (100 included).
    pub first_provisional_ms: Option<u64>,
    /// RFC 6076 §4.3 SRD: first request to the first provisional other than
    /// 100 (180/183...), or to the 2xx when none came first.
    pub pdd_ms: Option<u64>,
    /// First request to the 2xx.
    pub answer_ms: Option<u64>,
    pub retransmissions: u32,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
}

impl Call {
    /// A call with room for `msgs` messages and `txns` transactions.
    fn new(transport: Transport, msgs: usize, txns: usize) -> Call {
        Call {
            call_id: String::new(),
            txn_index: None,
            msgs: Vec::with_capacity(msgs),
            txns: Vec::with_capacity(txns),
            legs: Vec::new(),
            extras: Vec::new(),
            raw: Vec::new(),
            extra_frames: Vec::new(),
            duplicates: 0,
            from_uri: Span::default(),
            to_uri: Span::default(),
            uris_from_response: false,
            transport,
            method: Method::UNKNOWN,
            began_in_dialog: false,
            one_way: false,
            dialogs: 0,
            first_request: NONE,
            final_msg: NONE,
            src: NO_EP,
            dst: NO_EP,
            start_ns: None,
            end_ns: None,
            first_provisional_ms: None,
            pdd_ms: None,
            answer_ms: None,
            retransmissions: 0,
            outcome: Outcome::Pending,
            findings: Vec::new(),
        }
    }

    /// The final response message of the call.
    pub fn final_response(&self) -> Option<&Msg> {
        self.msgs.get(self.final_msg as usize)
    }

    /// The final code of the call.
    pub fn final_code(&self) -> Option<u16> {
        self.final_response().map(|m| m.code)
    }

    /// Dialogs the call set up, early or confirmed (RFC 3261 §12.1): the
    /// distinct To tags of the 101-299 responses to the call's own initial
    /// requests (its primary transactions) of a method that creates one
    /// (INVITE, SUBSCRIBE, REFER). A request from the callee carries the
    /// caller's tag in its To, and a failure's tag sets up nothing; more
    /// than one is a fork.
    fn count_dialogs(&self) -> u16 {
        // One bit per leg number (1-255).
        let mut seen = [0u64; 4];
        for m in &self.msgs {
            if m.leg != 0
                && (101..300).contains(&m.code)
                && self.is_primary(m.txn)
                && matches!(m.method, Method::INVITE | Method::SUBSCRIBE | Method::REFER)
            {
                seen[usize::from(m.leg / 64)] |= 1 << (m.leg % 64);
            }
        }
        seen.iter().map(|w| w.count_ones() as u16).sum()
    }

    /// The extras of one message.
    pub fn extras_of(&self, msg: u32) -> &[Extra] {
        let start = self.extras.partition_point(|e| e.msg < msg);
        let end = start + self.extras[start..].partition_point(|e| e.msg == msg);
        &self.extras[start..end]
    }

    /// Whether a transaction is one of the call's own (see [`Txn::primary`]).
    pub fn is_primary(&self, t: u32) -> bool {
        self.txns.get(t as usize).is_some_and(|t| t.primary)
    }

    /// The call's own transactions, in order of their first message.
    pub fn primaries(&self) -> impl Iterator<Item = u32> + '_ {
        let mut v: Vec<u32> = (0..self.txns.len() as u32)
            .filter(|&t| self.txns[t as usize].primary)
            .collect();
        v.sort_by_key(|&t| {
            let tx = &self.txns[t as usize];
            tx.request.min(tx.first_response)
        });
        v.into_iter()
    }

    /// The whole bytes of a message, when the call was kept.
    pub fn raw_of(&self, msg: u32) -> Option<&[u8]> {
        self.raw
            .binary_search_by_key(&msg, |(m, _)| *m)
            .ok()
            .map(|i| &*self.raw[i].1)
    }

    /// Every (file, frame) that carried a message of this call.
    pub fn frames(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.msgs
            .iter()
            .map(|m| (m.file, m.frame))
            .chain(self.extra_frames.iter().copied())
    }

    /// Milliseconds from the first request to a message.
    pub fn ms_since_start(&self, msg: u32) -> Option<u64> {
        let t0 = self.msgs.get(self.first_request as usize)?.time()?;
        let t = self.msgs.get(msg as usize)?.time()?;
        ms(t0, t)
    }

    /// The transaction with this key ([`NONE`] when there is none yet):
    /// the short list directly, else the index.
    fn find_txn(&self, key: u64) -> u32 {
        if let Some(ix) = &self.txn_index {
            return ix.get(&key).copied().unwrap_or(NONE);
        }
        self.txns
            .iter()
            .position(|t| t.key == key)
            .map_or(NONE, |i| i as u32)
    }

    /// Index a new transaction once the list is long.
    fn index_txn(&mut self, t: u32) {
        const SHORT: usize = 16;
        if let Some(ix) = &mut self.txn_index {
            ix.entry(self.txns[t as usize].key).or_insert(t);
        } else if self.txns.len() > SHORT {
            let mut ix = HashMap::with_hasher(FixedState::with_seed(0x7a5));
            for (i, tx) in self.txns.iter().enumerate() {
                ix.entry(tx.key).or_insert(i as u32);
            }
            self.txn_index = Some(Box::new(ix));
        }
    }

    /// The transaction of a message.
    pub fn txn_of(&self, msg: &Msg) -> &Txn {
        &self.txns[msg.txn as usize]
    }
}

/// Which messages to keep whole (for `--call` and the TUI's call view).
#[derive(Clone, Debug, Default)]
pub enum Keep {
    /// None: the analysis needs only the summaries.
    #[default]
    Nothing,
    /// The calls whose Call-ID equals, or starts with, one of these.
    Calls(Vec<Vec<u8>>),
    /// Every call.
    All,
}

/// Analysis settings.
#[derive(Clone, Debug)]
pub struct Options {
    pub keep: Keep,
    /// Kept bytes at most; past it no more bytes are kept (and a problem
    /// says so).
    pub keep_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keep: Keep::Nothing,
            keep_limit: DEFAULT_KEEP_LIMIT,
        }
    }
}

/// Everything the analysis found, with no terminal code: what the CLI
/// reports and the TUI shows.
#[derive(Clone, Debug, Default)]
pub struct Triage {
    pub sources: Vec<SourceInfo>,
    /// Calls in order of their first message.
    pub calls: Vec<Call>,
    pub endpoints: Vec<Endpoint>,
    /// Method names by [`Method`] number.
    pub methods: Vec<Box<str>>,
    /// The first [`MAX_PROBLEMS`] problems.
    pub problems: Vec<Problem>,
    /// All problems, listed or not.
    pub problem_count: u64,
    /// SIP messages handed to the analysis.
    pub messages: u64,
    /// Messages dropped by the duplicate rule.
    pub duplicates: u64,
    /// Messages skipped: no start line or no Call-ID.
    pub skipped: u64,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    /// The stretches of time the inputs show, in order: each input's first
    /// to last message, merged where they overlap or lie less than
    /// [`TIMER_C_NS`] apart. One stretch for a single input; two inputs
    /// from different days are two (see `seen_until`).
    pub coverage: Vec<(i64, i64)>,
    /// Every kept header value, URI and tag, one after the other.
    pub text: String,
    /// The messages that the capture cut short before they could be
    /// placed in a call and that may be responses, by the endpoints they
    /// went between, in order (see [`cut_answers`]).
    pub(crate) cut: Vec<CutAnswers>,
    /// The same for the cut messages that may be requests (an ACK, BYE or
    /// NOTIFY a finding would otherwise call missing).
    pub(crate) cut_requests: Vec<CutAnswers>,
}

/// Messages from one endpoint to another that the capture cut short
/// before the headers that place them in a call ([`Cut`]), and that may
/// be responses: the answer to a request that seems to have none may be
/// one of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CutAnswers {
    pub from: Ep,
    pub to: Ep,
    pub count: u64,
    /// How many of them are TCP gaps (bytes lost, any messages in them)
    /// rather than one message cut short.
    pub gaps: u64,
    /// The time of the last of them ([`i64::MAX`] when one had none).
    pub last_ns: i64,
}

/// The cut messages ([`CutAnswers`]) that may answer `req`: sent back
/// from its destination to its source, at or after it.
pub(crate) fn cut_answers<'a>(cut: &'a [CutAnswers], req: &Msg) -> Option<&'a CutAnswers> {
    cut_between(cut, req.dst, req.src, req.time())
}

/// The cut messages of `cut` ([`Triage::cut`] or
/// [`Triage::cut_requests`]) sent from `from` to `to`, the last of them
/// at or after `after` (any, when it is unknown).
pub(crate) fn cut_between(
    cut: &[CutAnswers],
    from: Ep,
    to: Ep,
    after: Option<i64>,
) -> Option<&CutAnswers> {
    if cut.is_empty() {
        return None;
    }
    let i = cut
        .binary_search_by_key(&(from, to), |c| (c.from, c.to))
        .ok()?;
    let c = &cut[i];
    after.is_none_or(|t| c.last_ns >= t).then_some(c)
}

impl Triage {
    /// A piece of [`Triage::text`].
    pub fn text(&self, s: Span) -> &str {
        span_str(&self.text, s)
    }

    /// The first kept value of a kind on one message of a call.
    pub fn extra(&self, c: &Call, msg: u32, kind: ExtraKind) -> Option<&str> {
        extra_in(&self.text, c, msg, kind)
    }

    /// The From URI of a call's first request.
    pub fn from_uri(&self, c: &Call) -> &str {
        self.text(c.from_uri)
    }

    /// The To URI of a call's first request.
    pub fn to_uri(&self, c: &Call) -> &str {
        self.text(c.to_uri)
    }

    /// The name of a method.
    pub fn method_name(&self, m: Method) -> &str {
        self.methods.get(m.0 as usize).map_or("UNKNOWN", |s| s)
    }

    /// An endpoint, when known.
    pub fn endpoint(&self, e: Ep) -> Option<Endpoint> {
        self.endpoints.get(e as usize).copied()
    }

    /// `ip:port`, or `?` when unknown.
    pub fn endpoint_str(&self, e: Ep) -> String {
        self.endpoint(e)
            .map_or_else(|| self.unnamed_host().into(), |e| e.to_string())
    }

    /// What a host without an address is called. A PBX's own log (Asterisk,
    /// FreeSWITCH) names only the far end of each message: the other end is
    /// the host that wrote the log. Elsewhere (raw messages) it is unknown.
    pub fn unnamed_host(&self) -> &'static str {
        let pbx_log = |f: Format| matches!(f, Format::Pjsip | Format::ChanSip | Format::Sofia);
        if !self.sources.is_empty() && self.sources.iter().all(|s| pbx_log(s.format)) {
            "log host"
        } else {
            "?"
        }
    }

    /// The call with this exact Call-ID.
    pub fn call(&self, call_id: &str) -> Option<&Call> {
        self.calls.iter().find(|c| c.call_id == call_id)
    }
}

/// A piece of a text arena (empty when out of range).
pub fn span_str(text: &str, s: Span) -> &str {
    let start = s.start as usize;
    text.get(start..start + s.len as usize).unwrap_or("")
}

/// The first value of a kind on one message, from the text arena.
pub fn extra_in<'a>(text: &'a str, c: &Call, msg: u32, kind: ExtraKind) -> Option<&'a str> {
    c.extras_of(msg)
        .iter()
        .find(|e| e.kind == kind)
        .map(|e| span_str(text, e.at))
}

/// Text arena size at most (u32 offsets); past it values are not kept.
const MAX_TEXT: usize = u32::MAX as usize - MAX_EXTRA * 4;

/// Append to the arena; the span of what was added.
fn put(text: &mut String, v: &[u8]) -> Span {
    if text.len() > MAX_TEXT {
        return Span::default();
    }
    let start = text.len() as u32;
    match std::str::from_utf8(v) {
        Ok(t) => text.push_str(t),
        Err(_) => text.push_str(&String::from_utf8_lossy(v)),
    }
    Span {
        start,
        len: text.len() as u32 - start,
    }
}

/// Append text the digest made valid already (see [`Batch::text`]).
fn put_str(text: &mut String, v: &str) -> Span {
    if text.len() > MAX_TEXT {
        return Span::default();
    }
    let start = text.len() as u32;
    text.push_str(v);
    Span {
        start,
        len: v.len() as u32,
    }
}

/// The streaming analysis: feed it records (it is a [`Sink`]), then
/// [`Analyzer::finish`].
pub struct Analyzer {
    opts: Options,
    calls: Vec<Call>,
    /// Call index by a hash of the Call-ID (collisions probe the next
    /// value), verified against `ids`.
    call_ids: HashMap<u64, u32, FixedState>,
    /// Every Call-ID's bytes, one after the other.
    ids: Vec<u8>,
    /// Where each call's Call-ID is in `ids`.
    id_spans: Vec<(u32, u32)>,
    endpoints: Vec<Endpoint>,
    endpoint_ids: HashMap<Endpoint, Ep, FixedState>,
    methods: Vec<Box<str>>,
    problems: Vec<Problem>,
    problem_count: u64,
    messages: u64,
    /// Messages placed in calls, and transactions opened (capacity hints).
    placed: u64,
    txn_count: u64,
    skipped: u64,
    kept_bytes: usize,
    keep_full: bool,
    /// Each input's first and last message time, by input (the trace's
    /// first and last are theirs).
    file_spans: Vec<Option<(i64, i64)>>,
    /// The cut messages that may be responses ([`Sink::cut`]), by
    /// (source, destination): how many, how many of them TCP gaps, and
    /// the last one's time.
    cut: HashMap<(Endpoint, Endpoint), (u64, u64, i64), FixedState>,
    /// The same for the cut messages that may be requests.
    cut_requests: HashMap<(Endpoint, Endpoint), (u64, u64, i64), FixedState>,
    text: String,
    recent_eps: [(Endpoint, Ep); 4],
    /// The batch a plain [`Sink`] digests each record into.
    scratch: Batch,
    /// Calls whose request this thread digested lately (see
    /// [`RecentRequests`]).
    recent: RecentRequests,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Options::default())
    }
}

impl Sink for Analyzer {
    fn record(&mut self, r: Record<'_>) {
        let mut b = std::mem::take(&mut self.scratch);
        b.clear();
        b.push_record(&r, &self.opts.keep, &mut self.recent);
        self.apply_batch(&b, &mut |_, _| {});
        self.scratch = b;
    }

    fn cut_record(&mut self, r: Record<'_>) {
        let mut b = std::mem::take(&mut self.scratch);
        b.clear();
        b.push_record(&r, &self.opts.keep, &mut self.recent);
        b.mark_cut();
        self.apply_batch(&b, &mut |_, _| {});
        self.scratch = b;
    }

    fn problem(&mut self, p: Problem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }

    /// Listed first among its input's problems (kept whatever the cap:
    /// the last listed one gives way).
    fn input_problem(&mut self, p: Problem) {
        self.problem_count += 1;
        let at = self
            .problems
            .iter()
            .position(|q| q.file == p.file)
            .unwrap_or(self.problems.len());
        self.problems.insert(at, p);
        self.problems.truncate(MAX_PROBLEMS);
    }

    fn cut(&mut self, c: Cut) {
        if let Some(t) = c.time_ns {
            self.span(c.file, t);
        }
        let (Some(src), Some(dst)) = (c.src, c.dst) else {
            return;
        };
        for (yes, map) in [
            (c.answer, &mut self.cut),
            (c.request, &mut self.cut_requests),
        ] {
            if yes {
                let e = map.entry((src, dst)).or_insert((0, 0, i64::MIN));
                e.0 += 1;
                e.1 += u64::from(c.gap);
                e.2 = e.2.max(c.time_ns.unwrap_or(i64::MAX));
            }
        }
    }
}

/// The registered methods' numbers (exact case, as RFC 3261 §7.1 has them).
pub(crate) fn known_method(name: &[u8]) -> Option<Method> {
    Some(match name {
        b"INVITE" => Method::INVITE,
        b"ACK" => Method::ACK,
        b"BYE" => Method::BYE,
        b"CANCEL" => Method::CANCEL,
        b"REGISTER" => Method::REGISTER,
        b"OPTIONS" => Method::OPTIONS,
        b"PRACK" => Method::PRACK,
        b"SUBSCRIBE" => Method::SUBSCRIBE,
        b"NOTIFY" => Method::NOTIFY,
        b"PUBLISH" => Method::PUBLISH,
        b"INFO" => Method::INFO,
        b"REFER" => Method::REFER,
        b"MESSAGE" => Method::MESSAGE,
        b"UPDATE" => Method::UPDATE,
        b"" => Method::UNKNOWN,
        _ => return None,
    })
}

impl Analyzer {
    pub fn new(opts: Options) -> Analyzer {
        Analyzer {
            opts,
            calls: Vec::new(),
            call_ids: HashMap::with_hasher(FixedState::with_seed(0x5eed)),
            ids: Vec::new(),
            id_spans: Vec::new(),
            endpoints: Vec::new(),
            endpoint_ids: HashMap::with_hasher(FixedState::with_seed(0xe9)),
            methods: KNOWN_METHODS.iter().map(|s| Box::from(*s)).collect(),
            problems: Vec::new(),
            problem_count: 0,
            messages: 0,
            placed: 0,
            txn_count: 0,
            skipped: 0,
            kept_bytes: 0,
            keep_full: false,
            file_spans: Vec::new(),
            cut: HashMap::with_hasher(FixedState::with_seed(0xc7)),
            cut_requests: HashMap::with_hasher(FixedState::with_seed(0xc8)),
            text: String::new(),
            recent_eps: [(
                Endpoint {
                    ip: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                    port: 0,
                },
                NO_EP,
            ); 4],
            scratch: Batch::default(),
            recent: RecentRequests::default(),
        }
    }

    /// Which calls' bytes are kept (the digests need to know).
    pub(crate) fn keep(&self) -> &Keep {
        &self.opts.keep
    }

    /// Take a batch of digested messages, problems and progress reports,
    /// in order.
    pub(crate) fn apply_batch(&mut self, b: &Batch, progress: &mut dyn FnMut(u64, u64)) {
        for e in &b.events {
            match e {
                Event::Msg(d) => self.apply(d, b),
                Event::Raw(r) if r.cut => self.cut_record(b.record_of(r)),
                Event::Raw(r) => self.record(b.record_of(r)),
                Event::Problem(p) => self.problem(p.clone()),
                Event::InputProblem(p) => self.input_problem(p.clone()),
                Event::Cut(c) => self.cut(*c),
                Event::Progress(done, total) => progress(*done, *total),
            }
        }
    }

    /// Widen an input's span of time to `t`.
    fn span(&mut self, file: u32, t: i64) {
        let f = file as usize;
        if f >= self.file_spans.len() {
            self.file_spans.resize(f + 1, None);
        }
        let span = &mut self.file_spans[f];
        *span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
    }

    fn push_problem(&mut self, file: u32, frame: Option<u64>, text: &str) {
        self.problem(Problem {
            file,
            frame,
            text: text.to_string(),
        });
    }

    fn endpoint(&mut self, e: Option<Endpoint>) -> Ep {
        let Some(e) = e else { return NO_EP };
        // Most messages travel between the same few addresses.
        if let Some(&(_, id)) = self
            .recent_eps
            .iter()
            .find(|(r, id)| *id != NO_EP && *r == e)
        {
            return id;
        }
        let id = match self.endpoint_ids.get(&e) {
            Some(&id) => id,
            None => {
                let id = self.endpoints.len() as Ep;
                self.endpoints.push(e);
                self.endpoint_ids.insert(e, id);
                id
            }
        };
        self.recent_eps.rotate_right(1);
        self.recent_eps[0] = (e, id);
        id
    }

    /// The number of a method not registered: numbered as it appears.
    fn method(&mut self, name: &[u8]) -> Method {
        if let Some(i) = self
            .methods
            .iter()
            .position(|m| m.as_bytes() == name)
            .filter(|&i| i > 0)
        {
            return Method(i as u8);
        }
        if self.methods.len() >= 256
            || name.len() > 32
            || !name
                .iter()
                .all(|&b| crate::message::headers::is_token_char(b))
        {
            return Method::UNKNOWN;
        }
        // A token is ASCII, so this is valid UTF-8.
        self.methods
            .push(String::from_utf8_lossy(name).into_owned().into_boxed_str());
        Method((self.methods.len() - 1) as u8)
    }

    /// The call of a Call-ID (`h` its hash), created on first sight. The
    /// Call-ID's bytes are stored once, in `ids`.
    fn call_index(&mut self, id: &[u8], mut h: u64, transport: Transport) -> u32 {
        loop {
            match self.call_ids.get(&h) {
                Some(&i) => {
                    let (a, b) = self.id_spans[i as usize];
                    if &self.ids[a as usize..b as usize] == id {
                        return i;
                    }
                    // Another Call-ID with the same hash: probe on.
                    h = h.wrapping_add(1);
                }
                None => {
                    let i = self.calls.len() as u32;
                    // Room for as many messages and transactions as the
                    // calls so far had on average (a trunk's calls are
                    // alike): most calls then never grow their vectors.
                    // The first call starts small (an OPTIONS ping is two
                    // messages in one transaction).
                    let avg = |total: u64, least: u64| {
                        total.div_ceil(u64::from(i)).clamp(least, 16) as usize
                    };
                    let (msgs, txns) = if i == 0 {
                        (2, 1)
                    } else {
                        (avg(self.placed, 2), avg(self.txn_count, 1))
                    };
                    self.calls.push(Call::new(transport, msgs, txns));
                    let a = self.ids.len() as u32;
                    self.ids.extend_from_slice(id);
                    self.id_spans.push((a, self.ids.len() as u32));
                    self.call_ids.insert(h, i);
                    return i;
                }
            }
        }
    }

    /// Place one digested message in its call and transaction.
    fn apply(&mut self, d: &Digest, b: &Batch) {
        self.messages += 1;
        if let Some(t) = d.at.time_ns {
            self.span(d.at.file, t);
        }
        match d.status {
            Status::Ok => {}
            Status::NoStartLine => {
                self.skipped += 1;
                self.push_problem(
                    d.at.file,
                    Some(d.at.frame),
                    "SIP message skipped: no valid start line",
                );
                return;
            }
            Status::NoCallId => {
                self.skipped += 1;
                self.push_problem(
                    d.at.file,
                    Some(d.at.frame),
                    "SIP message skipped: no Call-ID header",
                );
                return;
            }
        }
        let src = self.endpoint(d.at.src);
        let dst = self.endpoint(d.at.dst);
        let method = match d.method {
            Some(m) => m,
            None => self.method(b.get(d.method_name)),
        };
        let call_id = b.get(d.call_id);
        let ci = self.call_index(call_id, d.call_id_hash, d.at.transport);
        let code = d.code;
        let to_tag = b.get(d.to_tag);
        let in_dialog = code == 0 && !to_tag.is_empty();

        // The transaction (RFC 3261 §17.1.3, §17.2.3).
        let base = d.base;
        let key = |m: Method| base ^ (u64::from(m.0) << 56) ^ u64::from(m.0);
        // The ACK of a non-2xx response shares its INVITE's transaction.
        let call = &mut self.calls[ci as usize];
        let mut txn = NONE;
        if method == Method::ACK {
            txn = call.find_txn(key(Method::INVITE));
        }
        if txn == NONE {
            txn = call.find_txn(key(method));
        }
        if txn == NONE {
            txn = call.txns.len() as u32;
            call.txns.push(Txn {
                base,
                key: key(method),
                method,
                cseq: d.cseq.unwrap_or(0),
                in_dialog,
                rfc2543: d.rfc2543,
                request: NONE,
                requests: 0,
                first_response: NONE,
                final_msg: NONE,
                final_code: 0,
                cancels: NONE,
                cancelled_by: NONE,
                primary: false,
            });
            call.index_txn(txn);
            self.txn_count += 1;
        }

        let text = &mut self.text;
        let tx = &mut call.txns[txn as usize];
        if code == 0 && tx.in_dialog != in_dialog && method != Method::ACK {
            // The request arrived after its responses: trust the request.
            tx.in_dialog = in_dialog;
        }
        let leg = if to_tag.is_empty() {
            0
        } else {
            match call
                .legs
                .iter()
                .position(|l| span_str(text, *l).as_bytes() == to_tag)
            {
                Some(i) => (i + 1).min(255) as u8,
                None if call.legs.len() < 254 => {
                    call.legs.push(put(text, to_tag));
                    call.legs.len() as u8
                }
                None => 255,
            }
        };
        let seq = call.msgs.len() as u32;
        // URIs: from the first request, replaced by the first initial
        // INVITE's; a response's (the same From and To as its request)
        // until a request comes, for a trace that holds only responses.
        if code != 0 && call.from_uri.len == 0 && d.from_uri.len != 0 {
            call.from_uri = put_str(text, b.text_of(d.from_uri));
            call.to_uri = put_str(text, b.text_of(d.to_uri));
            call.uris_from_response = true;
        } else if code == 0
            && method != Method::ACK
            && (call.from_uri.len == 0
                // A request inside the dialog may come from the callee
                // (its BYE): its From and To are the other way round.
                || (call.uris_from_response && !in_dialog)
                || (method == Method::INVITE
                    && !in_dialog
                    && !call
                        .msgs
                        .iter()
                        .any(|m| m.method == Method::INVITE && m.is_request())))
        {
            call.from_uri = put_str(text, b.text_of(d.from_uri));
            call.to_uri = put_str(text, b.text_of(d.to_uri));
            call.uris_from_response = false;
            call.transport = d.at.transport;
        }

        // The few header values kept.
        for &(kind, v) in b.extras_of(d) {
            let at = put_str(text, b.text_of(v));
            call.extras.push(Extra { msg: seq, kind, at });
        }
        if d.sdp.len > 0 && text.len() <= MAX_TEXT {
            let at = put_str(text, b.text_of(d.sdp));
            call.extras.push(Extra {
                msg: seq,
                kind: ExtraKind::Sdp,
                at,
            });
        }

        let frames = b.frames_of(d);
        if !frames.is_empty() {
            call.extra_frames
                .extend(frames.iter().map(|&f| (d.at.file, f)));
        }
        self.placed += 1;
        call.msgs.push(Msg {
            time_ns: d.at.time_ns.unwrap_or(i64::MIN),
            frame: d.at.frame,
            file: d.at.file,
            src,
            dst,
            cseq: d.cseq.unwrap_or(0),
            txn,
            len: d.len,
            hash: d.hash,
            seq,
            code,
            method,
            leg,
            flags: d.flags,
        });
        if let Some(raw) = d.raw {
            let raw = b.get(raw);
            if self.kept_bytes + raw.len() <= self.opts.keep_limit {
                self.kept_bytes += raw.len();
                call.raw.push((seq, Box::from(raw)));
            } else if !self.keep_full {
                self.keep_full = true;
                let limit = self.opts.keep_limit >> 20;
                self.push_problem(
                    d.at.file,
                    Some(d.at.frame),
                    &format!(
                        "more than {limit} MiB of messages selected: later messages are summarised only"
                    ),
                );
            }
        }
    }

    /// Finish the analysis: order, deduplicate, derive, find.
    pub fn finish(mut self, sources: Vec<SourceInfo>, kb: &crate::kb::Kb) -> Triage {
        let coverage = coverage(&self.file_spans);
        for p in coverage_gaps(&self.file_spans, &coverage) {
            self.problem(p);
        }
        let coverage = &coverage[..];
        // Inputs whose every entry is one packet the program sent or took
        // (a PBX's own log): two copies in one such file are two packets,
        // however close their stamps (a log's are often to the second).
        let per_packet: Vec<bool> = sources
            .iter()
            .map(|s| s.format.logs_each_packet_once())
            .collect();
        let per_packet = &per_packet[..];
        // The cut answers by the endpoints the calls know (one that no
        // call knows answers none of them).
        let by_ids = |map: &HashMap<(Endpoint, Endpoint), (u64, u64, i64), FixedState>| {
            let mut cut: Vec<CutAnswers> = map
                .iter()
                .filter_map(|(&(src, dst), &(count, gaps, last_ns))| {
                    Some(CutAnswers {
                        from: *self.endpoint_ids.get(&src)?,
                        to: *self.endpoint_ids.get(&dst)?,
                        count,
                        gaps,
                        last_ns,
                    })
                })
                .collect();
            cut.sort_unstable_by_key(|c| (c.from, c.to));
            cut
        };
        let cut = by_ids(&self.cut);
        let cut_requests = by_ids(&self.cut_requests);
        let cut_ref = &cut[..];
        // The lookup tables are done with: free them before the findings
        // and the report allocate.
        drop(self.call_ids);
        drop(self.endpoint_ids);
        let mut calls = self.calls;
        let ids = &self.ids;
        // Each call on its own: half of them on a second thread.
        let mid = calls.len() / 2;
        let (first, second) = calls.split_at_mut(mid);
        let (spans1, spans2) = self.id_spans.split_at(mid.min(self.id_spans.len()));
        let (d1, d2) = in_halves(
            (first, spans1),
            (second, spans2),
            |(part, spans): (&mut [Call], &[(u32, u32)])| {
                let mut duplicates = 0u64;
                // Calls whose timings left out a response stamped before
                // the request, and the first such response.
                let mut skewed = (0u64, None);
                for (call, &(a, b)) in part.iter_mut().zip(spans) {
                    call.call_id =
                        String::from_utf8_lossy(&ids[a as usize..b as usize]).into_owned();
                    call.txn_index = None;
                    order_and_dedupe(call, per_packet);
                    duplicates += u64::from(call.duplicates);
                    if let Some(at) = derive(call, coverage, cut_ref) {
                        skewed.0 += 1;
                        skewed.1.get_or_insert(at);
                    }
                }
                (duplicates, skewed)
            },
        );
        let duplicates = d1.0 + d2.0;
        let skewed = d1.1.0 + d2.1.0;
        if let Some((file, frame)) = d1.1.1.or(d2.1.1) {
            self.problem_count += 1;
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(Problem {
                    file,
                    frame: Some(frame),
                    text: format!(
                        "a response stamped before its request ({skewed} {}): the capture \
                         points' clocks differ; those set-up times are left out",
                        if skewed == 1 { "call" } else { "calls" }
                    ),
                });
            }
        }
        drop(self.ids);
        calls.sort_by_key(|c| {
            (
                c.start_ns.unwrap_or(i64::MAX),
                c.msgs[0].file,
                c.msgs[0].frame,
            )
        });
        let mut t = Triage {
            sources,
            calls,
            endpoints: self.endpoints,
            methods: self.methods,
            problems: self.problems,
            problem_count: self.problem_count,
            messages: self.messages,
            duplicates,
            skipped: self.skipped,
            first_ns: coverage.first().map(|&(a, _)| a),
            last_ns: coverage.iter().map(|&(_, b)| b).max(),
            coverage: coverage.to_vec(),
            text: self.text,
            cut,
            cut_requests,
        };
        let ctx = findings::Context::new(&t, kb);
        let mid = t.calls.len() / 2;
        let (first, second) = t.calls.split_at(mid);
        let find = |(at, part): (usize, &[Call])| {
            let mut found: Vec<(usize, Vec<Finding>)> = Vec::new();
            let mut shared = findings::Shared::default();
            for (i, c) in part.iter().enumerate() {
                let f = findings::run(c, &ctx, &mut shared);
                if !f.is_empty() {
                    found.push((at + i, f));
                }
            }
            found
        };
        let (f1, f2) = in_halves((0, first), (mid, second), find);
        drop(ctx);
        for (i, f) in f1.into_iter().chain(f2) {
            t.calls[i].findings = f;
        }
        t
    }
}

/// Calls below which the work of [`Analyzer::finish`] stays on one thread.
const SPLIT_CALLS: usize = 4096;

/// `f` over two halves of some work: the second half on another thread
/// when the work is big enough and the machine has a second CPU, else (or
/// when no thread can be had) one after the other here. The results come
/// back in order, so the outcome is the same either way.
pub(crate) fn in_halves<S: Send + SplitLen, R: Send>(
    a: S,
    b: S,
    f: impl Fn(S) -> R + Sync,
) -> (R, R) {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus < 2 || a.split_len() + b.split_len() < SPLIT_CALLS {
        return (f(a), f(b));
    }
    // The second half waits here until the helper takes it; if the helper
    // cannot be started, this thread does it.
    let slot = std::sync::Mutex::new(Some(b));
    std::thread::scope(|s| {
        let helper = std::thread::Builder::new()
            .name("sipfix-finish".into())
            .spawn_scoped(s, || {
                let b = slot.lock().ok().and_then(|mut b| b.take());
                b.map(&f)
            });
        let ra = f(a);
        let rb = match helper {
            Ok(h) => match h.join() {
                Ok(rb) => rb,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => None,
        };
        let rb = match rb {
            Some(rb) => rb,
            None => {
                let b = slot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                f(b.expect("the helper took the second half or it is still here"))
            }
        };
        (ra, rb)
    })
}

/// How many calls a piece of work covers (to decide whether to split it).
pub(crate) trait SplitLen {
    fn split_len(&self) -> usize;
}

impl SplitLen for (&mut [Call], &[(u32, u32)]) {
    fn split_len(&self) -> usize {
        self.0.len()
    }
}

impl SplitLen for &[Call] {
    fn split_len(&self) -> usize {
        self.len()
    }
}

impl SplitLen for (usize, &[Call]) {
    fn split_len(&self) -> usize {
        self.1.len()
    }
}

/// Two copies `p` and `m` of a message in one PBX log, stamped within the
/// duplicate window: two packets (a retransmission; the log writes one
/// entry per packet), unless the log repeats itself (an excerpt pasted
/// twice, rotated logs that overlap): the same stamp finer than a
/// second, or the call's messages logged from one copy to the other going
/// back in time somewhere.
fn two_packets(msgs: &[Msg], p: &Msg, m: &Msg) -> bool {
    let (Some(pt), Some(t)) = (p.time(), m.time()) else {
        return true;
    };
    if pt == t && t % 1_000_000_000 != 0 {
        return false;
    }
    let span = p.frame.min(m.frame)..=p.frame.max(m.frame);
    let mut between: Vec<(u64, i64)> = msgs
        .iter()
        .filter(|q| q.file == m.file && span.contains(&q.frame))
        .filter_map(|q| Some((q.frame, q.time()?)))
        .collect();
    between.sort_unstable();
    !between.windows(2).any(|w| w[1].1 < w[0].1)
}

/// Sort by time (stable: arrival order among equal or unknown times), drop
/// duplicates, mark retransmissions, and renumber extras and kept bytes.
/// `per_packet[file]`: that input logs each packet once (two copies in it
/// are never one packet seen twice).
fn order_and_dedupe(call: &mut Call, per_packet: &[bool]) {
    if !call.msgs.is_sorted_by_key(|m| m.time_ns) {
        call.msgs.sort_by_key(|m| m.time_ns);
    }
    let same = |a: &Msg, b: &Msg| {
        a.hash == b.hash
            && a.len == b.len
            && a.src == b.src
            && a.dst == b.dst
            && a.txn == b.txn
            && a.code == b.code
            && a.method == b.method
    };
    // Duplicates: a copy of a message less than the window earlier.
    let mut dups = 0usize;
    for i in 1..call.msgs.len() {
        let m = call.msgs[i];
        let Some(t) = m.time() else { continue };
        for j in (0..i).rev() {
            let p = &call.msgs[j];
            match p.time() {
                Some(pt) if t - pt < DUPLICATE_WINDOW_NS => {
                    let one_log = p.file == m.file
                        && per_packet.get(m.file as usize).copied().unwrap_or(false);
                    if p.flags & DUP == 0
                        && same(p, &m)
                        && !(one_log && two_packets(&call.msgs, p, &m))
                    {
                        call.msgs[i].flags |= DUP;
                        dups += 1;
                        break;
                    }
                }
                _ => break,
            }
        }
    }
    // Messages with no time (a log that prints none) from several inputs:
    // a copy of one from another input is that packet logged twice (the
    // same log given twice, or the logs of both ends of one hop); each
    // copy stands for one message, so a retransmission logged in both
    // stays one retransmission.
    if call.msgs.first().is_some_and(|m| m.time().is_none())
        && call.msgs.iter().any(|m| m.file != call.msgs[0].file)
    {
        // (Of each message, the inputs holding it and how many copies of
        // theirs are not matched yet.)
        let mut seen: HashMap<_, Vec<(u32, u32)>> = HashMap::new();
        for m in call.msgs.iter_mut().filter(|m| m.time().is_none()) {
            let key = (m.hash, m.len, m.src, m.dst, m.txn, m.code, m.method);
            let copies = seen.entry(key).or_default();
            match copies.iter_mut().find(|(f, n)| *f != m.file && *n > 0) {
                Some((_, n)) => {
                    *n -= 1;
                    m.flags |= DUP;
                    dups += 1;
                }
                None => match copies.iter_mut().find(|(f, _)| *f == m.file) {
                    Some((_, n)) => *n += 1,
                    None => copies.push((m.file, 1)),
                },
            }
        }
    }
    if dups > 0 {
        let gone: std::collections::HashSet<u32> = call
            .msgs
            .iter()
            .filter(|m| m.flags & DUP != 0)
            .map(|m| m.seq)
            .collect();
        for m in call.msgs.iter().filter(|m| m.flags & DUP != 0) {
            call.extra_frames.push((m.file, m.frame));
        }
        call.msgs.retain(|m| m.flags & DUP == 0);
        call.duplicates = dups as u32;
        call.extras.retain(|e| !gone.contains(&e.msg));
        call.raw.retain(|(s, _)| !gone.contains(s));
    }
    // Retransmissions: the same bytes earlier in the same transaction.
    if call.msgs.len() <= 48 {
        for i in 1..call.msgs.len() {
            let m = call.msgs[i];
            if call.msgs[..i].iter().any(|p| same(p, &m)) {
                call.msgs[i].flags |= flag::RETRANS;
            }
        }
    } else {
        let mut seen = std::collections::HashSet::with_capacity(call.msgs.len());
        for m in &mut call.msgs {
            let key = (m.hash, m.len, m.src, m.dst, m.txn, m.code, m.method);
            if !seen.insert(key) {
                m.flags |= flag::RETRANS;
            }
        }
    }
    // Renumber: extras and bytes refer to arrival order until now.
    if call.msgs.iter().enumerate().all(|(i, m)| m.seq == i as u32) {
        return;
    }
    let mut pos = vec![
        NONE;
        call.msgs
            .iter()
            .map(|m| m.seq as usize + 1)
            .max()
            .unwrap_or(0)
    ];
    for (i, m) in call.msgs.iter().enumerate() {
        pos[m.seq as usize] = i as u32;
    }
    for e in &mut call.extras {
        e.msg = pos[e.msg as usize];
    }
    call.extras.sort_by_key(|e| e.msg);
    for (s, _) in &mut call.raw {
        *s = pos[*s as usize];
    }
    call.raw.sort_by_key(|(s, _)| *s);
}

/// A message flag used only while deduplicating.
const DUP: u16 = 1 << 15;

/// Whole milliseconds from `from` to `to`; none when `to` is earlier (the
/// clocks of two capture points differ: no interval to measure).
fn ms(from: i64, to: i64) -> Option<u64> {
    (to >= from).then(|| ((to - from) / 1_000_000) as u64)
}

/// The stretches of time some inputs show (see [`Triage::coverage`]).
fn coverage(file_spans: &[Option<(i64, i64)>]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = file_spans.iter().flatten().copied().collect();
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a - last.1 < TIMER_C_NS => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// A note for each gap between the stretches of `coverage`, on the input
/// that starts after it.
fn coverage_gaps(file_spans: &[Option<(i64, i64)>], coverage: &[(i64, i64)]) -> Vec<Problem> {
    coverage
        .windows(2)
        .filter_map(|w| {
            let file = file_spans
                .iter()
                .position(|s| s.is_some_and(|(a, _)| a == w[1].0))?;
            Some(Problem {
                file: file as u32,
                frame: None,
                text: format!(
                    "its messages begin {} after the other inputs' end: a call still open \
                     there is judged up to that end, as if the capture had stopped (pending, \
                     not timed out)",
                    findings::duration(w[1].0 - w[0].1)
                ),
            })
        })
        .collect()
}

/// Until when the trace shows what followed a call: the end of the
/// stretch of [`Triage::coverage`] that holds its last message (the end of
/// the trace when the call has no times). A call at the end of one day's
/// capture, given with the next day's, is not taken as silent all night.
pub(crate) fn seen_until(coverage: &[(i64, i64)], call: &Call) -> Option<i64> {
    let last = call.msgs.iter().rev().find_map(Msg::time);
    match last {
        Some(t) => coverage
            .iter()
            .rev()
            .find(|&&(a, _)| a <= t)
            .or(coverage.first())
            .map(|&(_, b)| b),
        None => coverage.last().map(|&(_, b)| b),
    }
}

/// Derive the transactions' and the call's facts from the ordered
/// messages; silence is judged up to the end of the call's stretch of
/// `coverage` (see [`seen_until`]).
///
/// Returns the input and frame of a response stamped before the call's
/// first request, when its timings had to leave one out.
fn derive(call: &mut Call, coverage: &[(i64, i64)], cut: &[CutAnswers]) -> Option<(u32, u64)> {
    let trace_end = seen_until(coverage, call);
    for (i, m) in call.msgs.iter().enumerate() {
        let i = i as u32;
        let t = &mut call.txns[m.txn as usize];
        if m.is_request() {
            if m.method == t.method {
                if t.request == NONE {
                    t.request = i;
                }
                t.requests += 1;
            }
        } else {
            if t.first_response == NONE {
                t.first_response = i;
            }
            if m.is_final() && t.final_msg == NONE {
                t.final_msg = i;
                t.final_code = m.code;
            }
        }
    }
    // CANCEL to INVITE (same branch; RFC 3261 §9.1).
    for c in 0..call.txns.len() {
        if call.txns[c].method != Method::CANCEL {
            continue;
        }
        let base = call.txns[c].base;
        if let Some(inv) = call
            .txns
            .iter()
            .position(|t| t.method == Method::INVITE && t.base == base)
        {
            call.txns[c].cancels = inv as u32;
            call.txns[inv].cancelled_by = c as u32;
        }
    }
    call.retransmissions = call.msgs.iter().filter(|m| m.has(flag::RETRANS)).count() as u32;
    call.start_ns = call.msgs.iter().find_map(Msg::time);
    call.end_ns = call.msgs.iter().rev().find_map(Msg::time);

    // The call's method: the first initial INVITE, else the first request
    // (else the first response). Messages are in time order, so a
    // transaction's first message index orders the transactions.
    let first_of = |t: &Txn| t.request.min(t.first_response);
    let by_first = |pred: &dyn Fn(&Txn) -> bool| {
        (0..call.txns.len() as u32)
            .filter(|&t| pred(&call.txns[t as usize]))
            .min_by_key(|&t| first_of(&call.txns[t as usize]))
    };
    let first = by_first(&|t| t.method == Method::INVITE && !t.in_dialog && t.request != NONE)
        .or_else(|| by_first(&|t| t.method == Method::INVITE && !t.in_dialog))
        .or_else(|| by_first(&|t| t.request != NONE))
        .or_else(|| by_first(&|_| true));
    let first = first?;
    let ft = &call.txns[first as usize];
    call.method = ft.method;
    let first_in_dialog = ft.in_dialog;
    call.began_in_dialog = first_in_dialog;
    let method = call.method;
    for (t, tx) in call.txns.iter_mut().enumerate() {
        tx.primary = tx.method == method
            && tx.in_dialog == first_in_dialog
            && (!tx.in_dialog || t as u32 == first);
    }
    let first_req = call.txns[first as usize].request;
    call.first_request = first_req;

    // Final: of an INVITE call, the first 2xx, else the last final
    // response; of another, its latest attempt's.
    let finals = || {
        call.txns
            .iter()
            .filter(|t| t.primary && t.final_msg != NONE)
            .map(|t| t.final_msg)
    };
    // An INVITE call without a 2xx that went on after its last final
    // response (a failover to the next server, RFC 3263 §4.3; a retry with
    // credentials) stands as that later attempt: the one sent last, when
    // it has no final response yet.
    let mut open_attempt = None;
    call.final_msg = if method == Method::INVITE {
        let answered = finals()
            .filter(|&m| (200..300).contains(&call.msgs[m as usize].code))
            .min();
        match (answered, finals().max()) {
            (Some(m), _) => m,
            (None, None) => NONE,
            (None, Some(last)) => {
                let attempts = || call.txns.iter().filter(|t| t.primary && t.request != NONE);
                // Or the attempt the last final answered is still open
                // where it came from: its first copy (the caller's, before
                // a proxy forked it or tried the next server) has no final
                // response yet, and another copy (a branch) has none
                // either, or the trace ends less than 2*T1 after that final
                // (the proxy may be trying the next server). A proxy
                // answers the caller only when every branch has and it
                // tries no other target (RFC 3261 §16.7). Longer after,
                // with every branch done, the proxy did answer: the
                // capture missed it.
                let fin = &call.msgs[last as usize];
                let answered = &call.txns[fin.txn as usize];
                let copies = || {
                    attempts().filter(|t| t.method == answered.method && t.cseq == answered.cseq)
                };
                let upstream = copies().min_by_key(|t| t.request).filter(|t| {
                    let q = &call.msgs[t.request as usize];
                    t.final_msg == NONE
                        && t.request < last
                        // Not a final sent to the caller itself (its own
                        // answer, however its Via read).
                        && fin.dst != q.src
                        && (copies().any(|o| !std::ptr::eq(o, *t) && o.final_msg == NONE)
                            || fin
                                .time()
                                .zip(trace_end)
                                .is_some_and(|(at, end)| end - at < 2 * T1_NS))
                });
                open_attempt = attempts()
                    .max_by_key(|t| t.request)
                    .filter(|t| t.final_msg == NONE && t.request > last)
                    .or(upstream)
                    .map(|t| t.request);
                if open_attempt.is_some() { NONE } else { last }
            }
        }
    } else {
        latest_final(call, trace_end)
    };
    // The timings below measure to the first copy seen, as the post-dial
    // delay does (its 180 is the callee's).
    let timed_final = call.final_msg;
    // Through a proxy with both hops in the trace, the copy the caller got
    // (the proxy's, passed on after the callee's): one rule for a 2xx, a
    // failure and any method, so that the final's sender is the caller's
    // next hop. The copy is the first with the same code, CSeq and method
    // sent to the first request's sender after it.
    if let (Some(f), Some(q)) = (
        call.msgs.get(call.final_msg as usize).copied(),
        call.msgs.get(first_req as usize),
    ) && f.dst != q.src
        && let Some(j) = call.msgs[call.final_msg as usize + 1..]
            .iter()
            .position(|m| {
                m.code == f.code && m.cseq == f.cseq && m.method == f.method && m.dst == q.src
            })
    {
        call.final_msg += 1 + j as u32;
    }

    // Addresses: the first request's, else the reverse of a response's.
    if let Some(m) = call.msgs.get(first_req as usize) {
        call.src = m.src;
        call.dst = m.dst;
    } else if let Some(m) = call
        .msgs
        .iter()
        .find(|m| m.is_response() && call.txns[m.txn as usize].primary)
    {
        call.src = m.dst;
        call.dst = m.src;
    }

    // Timings from the first request. A response stamped before it (the
    // clocks of two capture points differ) gives no interval: it is left
    // out, and the trace's problems say so. A response before it to a
    // request the trace does not hold (a proxy's capture that begins
    // after the caller's INVITE, with the 100 Trying it sent back) answers
    // no request of the trace: it is no clock difference and no timing.
    let mut skewed = None;
    let t0 = call.msgs.get(first_req as usize).and_then(Msg::time);
    if let Some(t0) = t0 {
        let first = |pred: &dyn Fn(&Msg) -> bool| {
            call.msgs
                .iter()
                .enumerate()
                .filter(|(_, m)| {
                    let tx = &call.txns[m.txn as usize];
                    m.is_response()
                        && tx.primary
                        && pred(m)
                        && !(tx.request == NONE && m.time().is_some_and(|t| t < t0))
                })
                .find_map(|(i, m)| Some((i as u32, m.time()?)))
        };
        let provisional = first(&|m| m.code < 200);
        let pdd = if call.method == Method::INVITE {
            first(&|m| (101..300).contains(&m.code))
        } else {
            None
        };
        // The answer is the call's final response when that is a 2xx (a
        // registration refused at its latest refresh was not answered).
        let answer = call
            .msgs
            .get(timed_final as usize)
            .filter(|m| (200..300).contains(&m.code))
            .and_then(|m| Some((timed_final, m.time()?)));
        let mut since = |at: Option<(u32, i64)>| {
            let (i, t) = at?;
            let d = ms(t0, t);
            if d.is_none() {
                skewed.get_or_insert(i);
            }
            d
        };
        call.first_provisional_ms = since(provisional);
        call.pdd_ms = since(pdd);
        call.answer_ms = since(answer);
        // A failure's time to its final response (RFC 6076 §4.3.2), taken
        // when the report needs it: counted here when it cannot be.
        let failure = call
            .msgs
            .get(call.final_msg as usize)
            .filter(|m| m.code >= 300)
            .and_then(|m| Some((call.final_msg, m.time()?)));
        since(failure);
    }

    call.dialogs = call.count_dialogs();
    call.outcome = match call.final_code() {
        Some(c) if (200..300).contains(&c) => Outcome::Answered,
        Some(c) if is_user_code(c) => Outcome::User,
        Some(_) => Outcome::Failure,
        None => match open_attempt {
            Some(r) => no_final_outcome(call, r as usize, None, trace_end),
            None => no_final_outcome(call, 0, t0, trace_end),
        },
    };
    // No final response, but the capture cut short messages sent back to
    // the requester after its request, too short to tell their call: its
    // answer may be one of them. Not known, so not a failure.
    let answer_cut = |call: &Call| {
        call.txns.iter().any(|t| {
            t.primary
                && t.final_msg == NONE
                && t.method != Method::ACK
                && call
                    .msgs
                    .get(t.request as usize)
                    .is_some_and(|r| cut_answers(cut, r).is_some())
        })
    };
    if call.final_msg == NONE && call.outcome == Outcome::Failure && answer_cut(call) {
        call.outcome = Outcome::Pending;
    }
    // Only the caller's side captured: no response at all, but the caller
    // went on inside a dialog from where it began. An ACK of its own (a
    // 2xx's, RFC 3261 §13.2.2.4) says the call was answered; else its
    // outcome is not known.
    // A client resending its request for half of 64*T1 heard nothing
    // (it stops at a provisional, RFC 3261 §17.1.1.2): not one-way, a
    // dead next hop and a confused client.
    // An ACK on that request's own transaction acknowledges a failure
    // response it did get (RFC 3261 §17.1.1.3), however late.
    let resent_long = |first: &Msg| {
        let copies = || {
            call.msgs
                .iter()
                .filter(|m| m.txn == first.txn && m.is_request())
        };
        !copies().any(|m| m.method == Method::ACK)
            && copies()
                .filter(|m| m.method == first.method)
                .rev()
                .find_map(Msg::time)
                .zip(first.time())
                .is_some_and(|(last, t)| last - t >= TIMER_B_NS / 2)
    };
    if call.final_msg == NONE
        && let Some(first) = call.msgs.get(first_req as usize)
        && !call.began_in_dialog
        && call.msgs.iter().all(Msg::is_request)
        && one_way_sign(call, first).is_some()
        && !resent_long(first)
        && cut_answers(cut, first).is_none()
    {
        call.one_way = true;
        let acked = call.msgs.iter().any(|m| {
            m.method == Method::ACK
                && m.has(flag::IN_DIALOG)
                && call.txns[m.txn as usize].method == Method::ACK
        });
        call.outcome = if acked {
            Outcome::Answered
        } else {
            Outcome::Pending
        };
    }
    // Cancelled, the CANCEL accepted, and the caller's ACK on its INVITE's
    // transaction acknowledging a final response the capture missed (the
    // 487 it is owed, RFC 3261 §9.1, §17.1.1.3): the caller's choice.
    if call.final_msg == NONE
        && call.outcome == Outcome::Failure
        && call.txns.iter().enumerate().any(|(i, t)| {
            t.method == Method::INVITE
                && t.primary
                && call
                    .txns
                    .get(t.cancelled_by as usize)
                    .is_some_and(|c| (200..300).contains(&c.final_code))
                && call
                    .msgs
                    .iter()
                    .any(|m| m.txn as usize == i && m.method == Method::ACK && m.is_request())
        })
    {
        call.outcome = Outcome::User;
    }
    // A call whose trace begins inside its dialog (a re-INVITE, a refresh)
    // was set up before the trace. A request refused inside a dialog
    // leaves the session as it was (RFC 3261 §14.1): the call stays up,
    // unless the answer ends the dialog or its invite usage (RFC 5057
    // §5.1: 404, 410, 416, 482-485, 502, 604; 405, 480, 481, 489, 501;
    // 408 as a timeout, RFC 3261 §12.2.1.2).
    if call.began_in_dialog
        && matches!(call.outcome, Outcome::Failure | Outcome::User)
        && call.final_code().is_some_and(|c| !ends_the_dialog(c))
    {
        call.outcome = Outcome::Answered;
    }
    skewed.map(|i| (call.msgs[i as usize].file, call.msgs[i as usize].frame))
}

/// What shows that a call with no response in the trace got some: a
/// request its caller could only send after an answer. Inside a dialog
/// (a To tag: an ACK of a 2xx, a BYE), or with credentials when the first
/// request had none (a challenge came, RFC 3261 §22.2). The message.
pub fn one_way_sign(call: &Call, first: &Msg) -> Option<usize> {
    let creds = first.has(flag::CREDENTIALS);
    call.msgs.iter().position(|m| {
        m.is_request()
            && m.src == first.src
            && (m.has(flag::IN_DIALOG) || (!creds && m.has(flag::CREDENTIALS)))
    })
}

/// Whether a failure response to a request inside a dialog ends the
/// dialog, or the invite usage that is the call (RFC 5057 §5.1, Table 2;
/// 408 as the timeout it reports, RFC 3261 §12.2.1.2). The others fail
/// only their transaction.
pub fn ends_the_dialog(code: u16) -> bool {
    matches!(
        code,
        404 | 405 | 408 | 410 | 416 | 480 | 481 | 482..=485 | 489 | 501 | 502 | 604
    )
}

/// The final response of a call whose method is not INVITE. Such a call
/// repeats its request under one Call-ID for as long as its client runs
/// (a registration's refreshes, RFC 3261 §10.2.4; keep-alive OPTIONS), so
/// it stands as its latest attempt does, not as its first answer did:
/// - the last final response that is not a 401/407 challenge (a challenge
///   is answered by a retry with credentials, §22.2), or the first 2xx of
///   the run of successes that the last one ends;
/// - a challenge when the call has nothing else (an auth loop), or when
///   it came last and the client sent nothing more for 64*T1 after it
///   (the attempt was given up);
/// - none ([`NONE`]) when a later attempt went unanswered until its client
///   gave up (Timer F, 64*T1, §17.1.2.2): the binding is not being kept.
fn latest_final(call: &Call, trace_end: Option<i64>) -> u32 {
    let mut state = NONE;
    let mut challenge = NONE;
    for (i, m) in call.msgs.iter().enumerate() {
        let i = i as u32;
        let t = &call.txns[m.txn as usize];
        // Each transaction's first final response, in time order.
        if !t.primary || t.final_msg != i {
            continue;
        }
        let success = (200..300).contains(&m.code);
        if matches!(m.code, 401 | 407) {
            challenge = i;
        } else if !success || state == NONE || !(200..300).contains(&call.msgs[state as usize].code)
        {
            state = i;
        }
    }
    let settled = if state != NONE { state } else { challenge };
    // The latest attempt: the primary transaction whose request came last.
    let latest = call
        .txns
        .iter()
        .filter(|t| t.primary && t.request != NONE)
        .max_by_key(|t| t.request);
    // A refresh challenged and never retried, while the trace went on
    // 64*T1 after it: the state it keeps lapses (a registration, a
    // subscription, a publication), whatever came before. A ping (OPTIONS)
    // challenged keeps nothing: its earlier answers stand.
    if challenge != NONE
        && matches!(
            call.method,
            Method::REGISTER | Method::SUBSCRIBE | Method::PUBLISH
        )
        && (state == NONE || challenge > state)
        && latest.is_none_or(|t| t.request < challenge)
        && let (Some(at), Some(end)) = (call.msgs[challenge as usize].time(), trace_end)
        && end - at >= TIMER_B_NS
    {
        return challenge;
    }
    if let (Some(t), Some(end)) = (latest, trace_end)
        && t.final_msg == NONE
        && (settled == NONE || t.request > settled)
        && call.msgs[t.request as usize]
            .time()
            .is_some_and(|sent| end - sent >= TIMER_B_NS)
    {
        return NONE;
    }
    settled
}

/// The outcome of a call without a final response. Without any response
/// the client gives up 64*T1 after the request (Timer B/F, RFC 3261
/// §17.1.1.2, §17.1.2.2). An INVITE that got a provisional response waits
/// longer (ringing can last minutes): it has failed once the trace goes
/// on for 64*T1 after the caller's CANCEL or BYE with no final response
/// (the 487 it is owed, §9.1), or for Timer C (3 min, §16.6) after the
/// call's last message; until then it is pending.
///
/// Judged from message `from` on, sent at `t0` (else at that message's
/// time, else the call's start): the call's first request, or the latest
/// attempt of an INVITE call that went on after a final response (a
/// failover, a retry with credentials).
fn no_final_outcome(call: &Call, from: usize, t0: Option<i64>, trace_end: Option<i64>) -> Outcome {
    let after = &call.msgs[from.min(call.msgs.len())..];
    let t0 = t0.or_else(|| after.first().and_then(Msg::time));
    let (Some(t0), Some(end)) = (t0.or(call.start_ns), trace_end) else {
        return Outcome::Pending;
    };
    // A response to this attempt (not one an earlier attempt's server
    // resends: its final, whose ACK was lost).
    let provisional = after.iter().any(|m| {
        let t = &call.txns[m.txn as usize];
        m.is_response() && t.primary && (t.request == NONE || t.request as usize >= from)
    });
    if call.method != Method::INVITE || !provisional {
        return if end - t0 >= TIMER_B_NS {
            Outcome::Failure
        } else {
            Outcome::Pending
        };
    }
    // The caller gave up: the INVITE is owed its 487 within 64*T1.
    let given_up = after
        .iter()
        .find(|m| m.is_request() && matches!(m.method, Method::BYE | Method::CANCEL))
        .map(|m| m.time().unwrap_or(t0));
    let last = call.end_ns.unwrap_or(t0);
    if given_up.is_some_and(|g| end - g >= TIMER_B_NS) || end - last >= TIMER_C_NS {
        Outcome::Failure
    } else {
        Outcome::Pending
    }
}

/// Append a short summary of an SDP body to `out`: each media line with
/// its codecs (`audio: PCMA/8000 PCMU/8000 telephone-event/8000`). One
/// pass over the body, no allocation beyond `out`.
pub fn sdp_summary(body: &[u8], out: &mut String) {
    const MAX_MEDIA: usize = 8;
    const MAX_MAP: usize = 32;
    let mut media: [&[u8]; MAX_MEDIA] = [&[]; MAX_MEDIA];
    let mut n_media = 0;
    let mut map: [(&[u8], &[u8]); MAX_MAP] = [(&[], &[]); MAX_MAP];
    let mut n_map = 0;
    for line in body.split(|&b| b == b'\n') {
        let line = skim::trim(line);
        if let Some(m) = line.strip_prefix(b"m=") {
            if n_media < MAX_MEDIA {
                media[n_media] = m;
                n_media += 1;
            }
        } else if let Some(a) = line.strip_prefix(b"a=rtpmap:")
            && n_map < MAX_MAP
            && let Some(sp) = a.iter().position(u8::is_ascii_whitespace)
        {
            map[n_map] = (&a[..sp], skim::trim(&a[sp..]));
            n_map += 1;
        }
    }
    let push = |out: &mut String, b: &[u8], max: usize| {
        out.push_str(&String::from_utf8_lossy(&b[..b.len().min(max)]));
    };
    let mut first = true;
    for m in &media[..n_media] {
        let mut parts = m
            .split(|b| b.is_ascii_whitespace())
            .filter(|p| !p.is_empty());
        let (Some(kind), Some(port), Some(_proto)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !first {
            out.push_str("; ");
        }
        first = false;
        push(out, kind, 16);
        if port == b"0" {
            out.push_str(" (port 0: declined)");
        }
        out.push(':');
        for pt in parts.take(16) {
            out.push(' ');
            // The codec from a=rtpmap:PT, else the static table.
            match map[..n_map].iter().find(|(p, _)| *p == pt) {
                Some((_, name)) => push(out, name, 40),
                None => match std::str::from_utf8(pt).ok().and_then(static_payload) {
                    Some(s) => out.push_str(s),
                    None => push(out, pt, 16),
                },
            }
        }
    }
}

/// RTP payload types with a static codec (RFC 3551 §6).
fn static_payload(pt: &str) -> Option<&'static str> {
    Some(match pt {
        "0" => "PCMU/8000",
        "3" => "GSM/8000",
        "4" => "G723/8000",
        "8" => "PCMA/8000",
        "9" => "G722/8000",
        "13" => "CN/8000",
        "18" => "G729/8000",
        "26" => "JPEG/90000",
        "31" => "H261/90000",
        "34" => "H263/90000",
        _ => return None,
    })
}
