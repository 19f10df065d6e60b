//! The per-message half of the analysis: everything [`Analyzer`] needs
//! from one SIP message, worked out without its state, so that it can run
//! on the reader's thread while the analyzer places the previous messages
//! (see [`super::pipeline`]).
//!
//! A [`Digest`] is the message's scan ([`skim`]) boiled down: hashes (the
//! Call-ID's, the transaction's, the bytes'), flags, the code and method,
//! and the few values the analyzer keeps (To tag, URIs, header values, the
//! SDP summary), copied into a [`Batch`]'s byte arena. Both ways of
//! analysing a trace (a plain [`super::Sink`] and the pipeline) go through
//! it, so they cannot disagree.
//!
//! [`Analyzer`]: super::model::Analyzer

use super::model::{ExtraKind, Keep, MAX_EXTRA, Method, flag, known_method, sdp_summary};
use super::skim::{self, Rare, Start};
use super::{Cut, Endpoint, Problem, Record, Transport};
use foldhash::fast::FixedState;
use std::hash::{BuildHasher, Hasher};

/// A piece of a [`Batch`]'s byte arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct At {
    pub start: u32,
    pub len: u32,
}

/// Whether a message can be placed in a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    /// No SIP request or status line.
    NoStartLine,
    /// No Call-ID header.
    NoCallId,
}

/// Where and when a message was seen (from its [`Record`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seen {
    pub file: u32,
    pub frame: u64,
    pub time_ns: Option<i64>,
    pub src: Option<Endpoint>,
    pub dst: Option<Endpoint>,
    pub transport: Transport,
}

impl Seen {
    fn of(r: &Record<'_>) -> Seen {
        Seen {
            file: r.file,
            frame: r.frame,
            time_ns: r.time_ns,
            src: r.src,
            dst: r.dst,
            transport: r.transport,
        }
    }
}

/// One message, digested. The pieces (`At`) are in the batch it came in.
#[derive(Clone, Debug)]
pub(crate) struct Digest {
    pub at: Seen,
    /// The other frames that carried a piece of it (in `Batch::frames`),
    /// empty for a message in one packet.
    pub frames: (u32, u32),
    pub status: Status,
    // The rest is meaningful only when `status` is `Ok`.
    pub len: u32,
    /// A hash of the whole bytes (duplicates and retransmissions).
    pub hash: u32,
    pub call_id: At,
    pub call_id_hash: u64,
    /// A registered method, or `None`: the analyzer numbers `method_name`.
    pub method: Option<Method>,
    pub method_name: At,
    /// Status code of a response, 0 for a request.
    pub code: u16,
    pub to_tag: At,
    /// The transaction's hash: branch and sent-by, or the RFC 2543 fields.
    pub base: u64,
    pub rfc2543: bool,
    pub cseq: Option<u32>,
    /// [`flag`] bits known from the message alone.
    pub flags: u16,
    /// From and To URIs (not of an ACK).
    pub from_uri: At,
    pub to_uri: At,
    /// Header values to keep, in `Batch::extras`, in message order.
    pub extras: (u32, u32),
    /// The SDP summary of a request's body (empty when none).
    pub sdp: At,
    /// The whole bytes, when the call is to be kept ([`Keep`]).
    pub raw: Option<At>,
}

/// A message handed on whole, to be digested by the analyzer (when it
/// would otherwise wait for the reader thread, see [`super::pipeline`]).
#[derive(Clone, Debug)]
pub(crate) struct Raw {
    pub at: Seen,
    /// Every frame that carried a piece, in `Batch::frames`.
    pub frames: (u32, u32),
    pub interface: u32,
    /// The record's payload, and whether it is a datagram's (see
    /// [`Record`]).
    pub sip: At,
    pub datagram: bool,
    /// Its packet was cut by the capture's snap length
    /// ([`super::Sink::cut_record`]).
    pub cut: bool,
}

/// What a reader produced, in order.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    Msg(Digest),
    Raw(Raw),
    Problem(Problem),
    /// [`super::Sink::input_problem`].
    InputProblem(Problem),
    Cut(Cut),
    Progress(u64, u64),
}

/// Digested messages and the bytes they refer to: the unit the reader
/// thread hands to the analyzer (and gets back empty, to refill).
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub events: Vec<Event>,
    pub bytes: Vec<u8>,
    pub frames: Vec<u64>,
    pub extras: Vec<(ExtraKind, At)>,
    /// The values the analyzer keeps as text (URIs, header values, the SDP
    /// summary), made valid UTF-8 here, once: the analyzer appends them to
    /// its text as they are.
    pub text: String,
}

impl Batch {
    pub fn clear(&mut self) {
        self.events.clear();
        self.bytes.clear();
        self.frames.clear();
        self.extras.clear();
        self.text.clear();
    }

    /// A piece of the arena.
    pub fn get(&self, at: At) -> &[u8] {
        let a = at.start as usize;
        self.bytes.get(a..a + at.len as usize).unwrap_or(&[])
    }

    /// A piece of the text arena.
    pub fn text_of(&self, at: At) -> &str {
        let a = at.start as usize;
        self.text.get(a..a + at.len as usize).unwrap_or("")
    }

    /// The frames of a digest.
    pub fn frames_of(&self, d: &Digest) -> &[u64] {
        &self.frames[d.frames.0 as usize..d.frames.1 as usize]
    }

    /// The header values of a digest.
    pub fn extras_of(&self, d: &Digest) -> &[(ExtraKind, At)] {
        &self.extras[d.extras.0 as usize..d.extras.1 as usize]
    }

    fn put(&mut self, v: &[u8]) -> At {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(v);
        At {
            start,
            len: v.len() as u32,
        }
    }

    /// Append to the text arena, invalid UTF-8 replaced.
    fn put_text(&mut self, v: &[u8]) -> At {
        let start = self.text.len() as u32;
        match std::str::from_utf8(v) {
            Ok(t) => self.text.push_str(t),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(v)),
        }
        At {
            start,
            len: self.text.len() as u32 - start,
        }
    }

    /// Append a record whole, undigested.
    pub fn push_raw(&mut self, r: &Record<'_>) {
        let a = self.frames.len() as u32;
        self.frames.extend_from_slice(r.frames);
        let raw = Raw {
            at: Seen::of(r),
            frames: (a, self.frames.len() as u32),
            interface: r.interface,
            datagram: r.datagram,
            cut: false,
            sip: self.put(r.payload),
        };
        self.events.push(Event::Raw(raw));
    }

    /// Mark the message last appended as cut by the capture's snap length
    /// ([`flag::CUT`]).
    #[cold]
    pub fn mark_cut(&mut self) {
        match self.events.last_mut() {
            Some(Event::Msg(d)) => d.flags |= flag::CUT,
            Some(Event::Raw(r)) => r.cut = true,
            _ => {}
        }
    }

    /// The record of a message appended whole.
    pub fn record_of(&self, raw: &Raw) -> Record<'_> {
        Record {
            file: raw.at.file,
            frame: raw.at.frame,
            frames: self
                .frames
                .get(raw.frames.0 as usize..raw.frames.1 as usize)
                .unwrap_or(&[]),
            time_ns: raw.at.time_ns,
            src: raw.at.src,
            dst: raw.at.dst,
            transport: raw.at.transport,
            interface: raw.interface,
            payload: self.get(raw.sip),
            datagram: raw.datagram,
        }
    }

    /// Digest one record and append it. Never inlined: the reader's sink
    /// and the analyzer's both call it, and a copy inlined into the
    /// reader's (with the scan behind it) ran about 1.5 % slower on the
    /// 300 MB capture (LTO chose that after unrelated changes).
    #[inline(never)]
    pub fn push_record(&mut self, r: &Record<'_>, keep: &Keep, recent: &mut RecentRequests) {
        let d = self.digest(r, keep, recent);
        self.events.push(Event::Msg(d));
    }

    fn digest(&mut self, r: &Record<'_>, keep: &Keep, recent: &mut RecentRequests) -> Digest {
        let mut d = Digest {
            at: Seen::of(r),
            frames: (0, 0),
            status: Status::Ok,
            len: 0,
            hash: 0,
            call_id: At::default(),
            call_id_hash: 0,
            method: None,
            method_name: At::default(),
            code: 0,
            to_tag: At::default(),
            base: 0,
            rfc2543: false,
            cseq: None,
            flags: 0,
            from_uri: At::default(),
            to_uri: At::default(),
            extras: (0, 0),
            sdp: At::default(),
            raw: None,
        };
        // A datagram is framed by the scan itself (one walk over the
        // header block, see `Record::datagram`). The scan is made in place
        // (a few hundred bytes not copied out of a call).
        let mut s = skim::Skim::empty(r.payload);
        if !skim::skim_into(r.payload, r.datagram, &mut s) {
            d.status = Status::NoStartLine;
            d.len = r.sip().len().min(u32::MAX as usize) as u32;
            return d;
        }
        // The message alone.
        let sip = s.sip;
        d.len = sip.len().min(u32::MAX as usize) as u32;
        if s.call_id.is_empty() {
            d.status = Status::NoCallId;
            return d;
        }
        d.call_id = self.put(s.call_id);
        d.call_id_hash = hash(&[s.call_id]);
        let name = s.method();
        d.method = known_method(name);
        if d.method.is_none() {
            d.method_name = self.put(name);
        }
        let method = d.method.unwrap_or(Method::UNKNOWN);
        let code = s.code().unwrap_or(0);
        d.code = code;
        let to_tag = s.to_tag();
        d.to_tag = self.put(to_tag);
        let in_dialog = code == 0 && !to_tag.is_empty();
        d.cseq = s.cseq;

        // The transaction (RFC 3261 §17.1.3, §17.2.3).
        let branch = s.branch();
        d.rfc2543 = !skim::has_magic_cookie(branch);
        d.base = if d.rfc2543 {
            let cseq = s.cseq.unwrap_or(0).to_le_bytes();
            hash(&[branch, s.sent_by(), s.from_tag(), &cseq])
        } else {
            hash(&[branch, s.sent_by()])
        };

        let mut flags = 0u16;
        if s.credentials && code == 0 {
            flags |= flag::CREDENTIALS;
        }
        if in_dialog {
            flags |= flag::IN_DIALOG;
        }
        if s.record_route {
            flags |= flag::RECORD_ROUTE;
        }
        let is_sdp = !s.body.is_empty()
            && (skim::find_ci(s.content_type, b"sdp").is_some()
                || skim::find_ci(s.content_type, b"multipart").is_some());
        if is_sdp {
            flags |= flag::SDP;
        }
        d.hash = {
            let mut h = HASHER.build_hasher();
            h.write(sip);
            h.finish() as u32
        };
        // A response's URIs are wanted only for a call whose request is
        // not in the trace: skipped when this thread just saw a request of
        // the Call-ID (nearly always), kept otherwise.
        let wanted = if code == 0 {
            recent.seen(d.call_id_hash, true);
            true
        } else {
            !recent.seen(d.call_id_hash, false)
        };
        if method != Method::ACK && wanted {
            d.from_uri = self.put_text(skim::name_addr_uri(s.from));
            d.to_uri = self.put_text(skim::name_addr_uri(s.to));
        }

        // The few header values kept.
        let first = self.extras.len() as u32;
        let push = |b: &mut Batch, kind: ExtraKind, v: &[u8]| {
            let at = b.put_text(&v[..v.len().min(MAX_EXTRA)]);
            b.extras.push((kind, at));
        };
        if let Start::Response { reason, .. } = s.start
            && code >= 200
            && !(code == 200 && reason == b"OK")
        {
            push(self, ExtraKind::Phrase, reason);
        }
        for (which, v) in s.rare() {
            let kind = match which {
                Rare::Reason => ExtraKind::Reason,
                Rare::Warning => ExtraKind::Warning,
                Rare::RetryAfter => ExtraKind::RetryAfter,
                Rare::WwwAuthenticate | Rare::ProxyAuthenticate => {
                    if code == 401 || code == 407 {
                        flags |= flag::CHALLENGE;
                        if skim::challenge_is_stale(v) {
                            flags |= flag::STALE;
                        }
                    }
                    ExtraKind::Challenge
                }
                Rare::SessionExpires => ExtraKind::SessionExpires,
                Rare::MinSe => ExtraKind::MinSe,
                Rare::MinExpires => ExtraKind::MinExpires,
                Rare::Expires => {
                    if !matches!(method, Method::REGISTER | Method::SUBSCRIBE) {
                        continue;
                    }
                    ExtraKind::Expires
                }
                Rare::Event => {
                    let v = skim::trim(v);
                    if v.len() >= 5 && v[..5].eq_ignore_ascii_case(b"refer") {
                        flags |= flag::EVENT_REFER;
                    }
                    ExtraKind::Event
                }
                Rare::SubscriptionState => ExtraKind::SubscriptionState,
                Rare::ReferTo => {
                    if method != Method::REFER || code != 0 {
                        continue;
                    }
                    ExtraKind::ReferTo
                }
                Rare::Contact => {
                    // Where the ACK of an answer goes: worth keeping only
                    // when it is a private address other than the one the
                    // answer came from, and the answer crosses a public
                    // one (NAT).
                    if method != Method::INVITE || !nat_contact(v, r.src, r.dst) {
                        continue;
                    }
                    ExtraKind::Contact
                }
            };
            push(self, kind, v);
        }
        // The transfer's progress a NOTIFY about a REFER reports: its
        // body's first line (RFC 3515 §2.4.5).
        if flags & flag::EVENT_REFER != 0 && method == Method::NOTIFY && code == 0 {
            let line = sipfrag_line(s.body);
            if line.starts_with(b"SIP/") {
                push(self, ExtraKind::Sipfrag, line);
            }
        }
        d.extras = (first, self.extras.len() as u32);
        d.flags = flags;
        if is_sdp && code == 0 {
            let start = self.text.len();
            sdp_summary(s.body, &mut self.text);
            d.sdp = At {
                start: start as u32,
                len: (self.text.len() - start) as u32,
            };
        }
        if r.frames.len() > 1 {
            let a = self.frames.len() as u32;
            self.frames
                .extend(r.frames.iter().filter(|&&f| f != r.frame).copied());
            d.frames = (a, self.frames.len() as u32);
        }
        if wants(keep, s.call_id) {
            d.raw = Some(self.put(sip));
        }
        d
    }
}

/// Whether the bytes of this call are kept.
fn wants(keep: &Keep, call_id: &[u8]) -> bool {
    match keep {
        Keep::Nothing => false,
        Keep::All => true,
        Keep::Calls(ids) => ids.iter().any(|id| call_id.starts_with(id)),
    }
}

/// The hasher of Call-IDs, transactions and message bytes (fixed: the same
/// trace always gives the same numbers).
const HASHER: FixedState = FixedState::with_seed(0x1234_5678);

/// Hash pieces one after the other, each followed by a separator.
pub(crate) fn hash(parts: &[&[u8]]) -> u64 {
    let mut h = HASHER.build_hasher();
    for p in parts {
        h.write(p);
        h.write_u8(0xff);
    }
    h.finish()
}

/// Call-IDs (by hash) whose request a digesting thread saw lately: a
/// table of [`RECENT_SLOTS`] slots, each holding the last hash that fell in
/// it. A response finds its call's request there unless thousands of calls
/// came between them or another Call-ID took the slot: then its URIs are
/// kept for nothing, which costs a copy and changes no result. One per
/// thread that digests (the reader's batcher, the analyzer).
pub(crate) struct RecentRequests(Vec<u64>);

const RECENT_SLOTS: usize = 4096;

impl Default for RecentRequests {
    fn default() -> Self {
        RecentRequests(vec![0; RECENT_SLOTS])
    }
}

impl RecentRequests {
    /// Whether `h` is in the table; with `insert`, put it there.
    fn seen(&mut self, h: u64, insert: bool) -> bool {
        let slot = &mut self.0[(h as usize) % RECENT_SLOTS];
        let seen = *slot == h;
        if insert {
            *slot = h;
        }
        seen
    }
}

/// The first line of a body, trimmed (a NOTIFY's SIP fragment).
#[cold]
#[inline(never)]
fn sipfrag_line(body: &[u8]) -> &[u8] {
    let body = skim::trim(body);
    skim::trim(&body[..memchr::memchr(b'\n', body).unwrap_or(body.len())])
}

/// A Contact value naming a private address (see
/// [`super::findings::is_internal`]) on a message between `src` and `dst`
/// of which one is not private: a callee behind NAT, as far as one message
/// can tell (captured outside the NAT, the 2xx comes from its public
/// address; inside, from the private one, to a public address).
#[cold]
#[inline(never)]
fn nat_contact(contact: &[u8], src: Option<Endpoint>, dst: Option<Endpoint>) -> bool {
    let (Some(src), Some(dst)) = (src, dst) else {
        return false;
    };
    let internal = super::findings::is_internal;
    skim::uri_ip(skim::name_addr_uri(contact))
        .is_some_and(|(ip, _)| internal(ip) && !(internal(src.ip) && internal(dst.ip)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::model::Analyzer;

    fn record(payload: &[u8], datagram: bool) -> Record<'_> {
        Record {
            file: 0,
            frame: 1,
            frames: &[1],
            time_ns: Some(0),
            src: None,
            dst: None,
            transport: Transport::Udp,
            interface: 0,
            payload,
            datagram,
        }
    }

    const INVITE: &[u8] = b"INVITE sip:b@x SIP/2.0\r\n\
        Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\n\
        From: <sip:\xffa@x>;tag=1\r\n\
        To: <sip:b@x>\r\n\
        Call-ID: u1\r\n\
        CSeq: 1 INVITE\r\n\
        Reason: Q.850;cause=16;text=\"\xc3\"\r\n\
        Content-Type: application/sdp\r\n\
        Content-Length: 26\r\n\
        \r\n\
        m=audio 4000 RTP/AVP 0 8\r\n";

    /// Values are made valid UTF-8 once, in the digest, and the analyzer
    /// keeps them as they are.
    #[test]
    fn text_values_are_made_valid_once() {
        let mut b = Batch::default();
        b.push_record(
            &record(INVITE, false),
            &Keep::Nothing,
            &mut RecentRequests::default(),
        );
        let Event::Msg(d) = &b.events[0] else {
            panic!("not digested")
        };
        let reason = "Q.850;cause=16;text=\"\u{fffd}\"";
        assert_eq!(b.text_of(d.from_uri), "sip:\u{fffd}a@x");
        assert_eq!(b.text_of(d.to_uri), "sip:b@x");
        assert_eq!(b.extras_of(d), &[(ExtraKind::Reason, b.extras_of(d)[0].1)]);
        assert_eq!(b.text_of(b.extras_of(d)[0].1), reason);
        assert_eq!(b.text_of(d.sdp), "audio: PCMU/8000 PCMA/8000");
        let mut a = Analyzer::default();
        a.apply_batch(&b, &mut |_, _| {});
        let t = a.finish(Vec::new(), crate::kb::Kb::embedded());
        let c = &t.calls[0];
        assert_eq!(t.from_uri(c), "sip:\u{fffd}a@x");
        assert_eq!(t.extra(c, 0, ExtraKind::Reason), Some(reason));
        assert_eq!(
            t.extra(c, 0, ExtraKind::Sdp),
            Some("audio: PCMU/8000 PCMA/8000")
        );
    }

    /// A datagram's message is framed by the scan: what follows its body
    /// is not part of its size, hash or kept bytes.
    #[test]
    fn datagrams_are_framed_by_the_scan() {
        let mut with_junk = INVITE.to_vec();
        with_junk.extend_from_slice(b"JUNK");
        let mut b = Batch::default();
        b.push_record(
            &record(&with_junk, true),
            &Keep::All,
            &mut RecentRequests::default(),
        );
        b.push_record(
            &record(INVITE, false),
            &Keep::All,
            &mut RecentRequests::default(),
        );
        let (Event::Msg(d1), Event::Msg(d2)) = (&b.events[0], &b.events[1]) else {
            panic!("not digested")
        };
        assert_eq!(d1.len as usize, INVITE.len());
        assert_eq!(d1.hash, d2.hash);
        assert_eq!(b.get(d1.raw.unwrap()), INVITE);
        // Without the datagram mark the junk is part of the message.
        b.push_record(
            &record(&with_junk, false),
            &Keep::All,
            &mut RecentRequests::default(),
        );
        let Event::Msg(d3) = &b.events[2] else {
            panic!("not digested")
        };
        assert_eq!(d3.len as usize, with_junk.len());
    }
}
