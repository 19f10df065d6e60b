//! TCP reassembly per direction of each connection, and the framing of
//! what flows on it: SIP messages by Content-Length (RFC 3261 §18.3) with
//! keep-alive CRLFs between them, HEPv3 packets by their length, and
//! WebSocket after an HTTP upgrade (RFC 7118).
//!
//! Segments may come out of order (kept until the hole is filled),
//! retransmitted (the bytes already seen are dropped) or never (a gap:
//! reported, and reading resumes at the next SIP start line). A stream
//! joined in the middle is read from its first start line. Memory is
//! bounded per direction: [`MAX_OOO`] bytes waiting for a hole,
//! [`MAX_BUF`] bytes of one message; a stream with no SIP start line in
//! its first [`JUNK_LIMIT`] bytes is let go.

use super::packet::Out;
use super::{hep, sip, ws};
use crate::trace::{Endpoint, Record, Transport};
use memchr::{memchr, memrchr};
use std::collections::{HashMap, VecDeque};

/// Out-of-order bytes held per direction before the hole is declared a gap.
pub(crate) const MAX_OOO: usize = 256 << 10;
/// The largest SIP message (or WebSocket frame) assembled from a stream.
pub(crate) const MAX_BUF: usize = (1 << 20) + (64 << 10);
/// Bytes with no SIP start line after which a stream is taken for
/// something else (TLS, HTTP, RTP over TCP) and ignored.
pub(crate) const JUNK_LIMIT: u64 = 1 << 20;
/// Directions tracked at once; beyond, idle and non-SIP ones are dropped.
const MAX_FLOWS: usize = 1 << 16;
/// Bytes all directions together may hold (messages in progress and
/// segments waiting for a hole); beyond, the fullest are flushed.
pub(crate) const MAX_TOTAL: usize = 128 << 20;
/// How many segments pass between checks of [`MAX_TOTAL`].
const CHECK_EVERY: u32 = 1024;
/// A line longer than this at a message boundary is not a start line.
const MAX_LINE: usize = 4096;

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FlowKey {
    pub src: Endpoint,
    pub dst: Endpoint,
}

/// A segment's fields that matter here.
pub(crate) struct Seg<'a> {
    pub seq: u32,
    pub syn: bool,
    pub data: &'a [u8],
}

/// The frame a segment arrived in.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'f> {
    pub frame: u64,
    /// Frames that carried the segment (several for a fragmented one).
    pub frames: &'f [u64],
    pub time_ns: Option<i64>,
    pub iface: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Sip,
    Ws,
    /// Not SIP: ignored from now on.
    Dead,
}

#[derive(Default)]
struct Stream {
    next: Option<u32>,
    /// In-order bytes not yet framed.
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// (stream offset where a frame's bytes end, frame), oldest first.
    marks: VecDeque<(u64, u64)>,
    /// Segments ahead of `next`: (seq, bytes, frames).
    ooo: Vec<(u32, Vec<u8>, Vec<u64>)>,
    ooo_bytes: usize,
    /// At a message boundary (else looking for a start line).
    synced: bool,
    mode: Mode,
    seen_sip: bool,
    /// Bytes skipped since the last boundary, and the frame where the
    /// skipping started (reported when the next start line is found).
    skipped: u64,
    skipped_frame: u64,
    /// Bytes skipped in all, before any SIP was seen.
    junk: u64,
    ws_msg: Vec<u8>,
    /// Frames that carried the WebSocket message being assembled.
    ws_frames: Vec<u64>,
    ws_compressed: bool,
    inflater: Option<ws::Inflater>,
    last_time: Option<i64>,
    last_frame: u64,
    first_frame: u64,
    iface: u32,
    /// Retransmissions are told to the sink ([`Out::retransmissions`]):
    /// `past` and `dropped` are kept.
    track: bool,
    /// The latest segments appended: (stream offsets `[start, end)`,
    /// frame), at most [`PAST`], to tell whose bytes a retransmission
    /// carries again.
    past: VecDeque<(u64, u64, u64)>,
    /// Stored out-of-order segments found to hold only bytes already
    /// appended: (stream offsets, frames), to be told.
    dropped: Vec<(u64, u64, Vec<u64>)>,
}

/// How many appended segments a direction remembers for
/// [`Stream::past`]: a retransmission of bytes older than that is not
/// told. TCP resends what is in flight, a window's worth (64 KiB are 45
/// full segments); 64 entries are 1.5 KiB per direction.
const PAST: usize = 64;

impl Stream {
    fn end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    fn append(&mut self, data: &[u8], frames: &[u64]) {
        let start = self.end();
        self.buf.extend_from_slice(data);
        let end = self.end();
        for &f in frames {
            self.marks.push_back((end, f));
            if self.track {
                if self.past.len() >= PAST {
                    self.past.pop_front();
                }
                self.past.push_back((start, end, f));
            }
        }
    }

    /// Tell the sink that `frames` carried stream offsets `[a, b)` again,
    /// with the frames that carried them first.
    fn retransmitted(&self, a: u64, b: u64, frames: &[u64], out: &mut Out<'_>) {
        let mut of: Vec<u64> = Vec::new();
        for &(start, end, f) in &self.past {
            if start < b && end > a && !frames.contains(&f) && !of.contains(&f) {
                of.push(f);
            }
        }
        if !of.is_empty() {
            out.retransmission(frames, &of);
        }
    }

    /// Tell the stored segments [`Self::pull_ooo`] found already seen.
    fn tell_dropped(&mut self, out: &mut Out<'_>) {
        for (a, b, frames) in std::mem::take(&mut self.dropped) {
            self.retransmitted(a, b, &frames, out);
        }
    }

    /// Drop `n` bytes from the front of the buffer.
    fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.base += n as u64;
        let base = self.base;
        while self.marks.front().is_some_and(|&(end, _)| end <= base) {
            self.marks.pop_front();
        }
    }

    /// Skip `n` bytes that are not SIP.
    fn skip(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        if self.skipped == 0 {
            self.skipped_frame = self.marks.front().map_or(self.last_frame, |m| m.1);
        }
        self.skipped += n as u64;
        if !self.seen_sip {
            self.junk += n as u64;
        }
        self.consume(n);
    }

    /// The frames whose bytes fall in stream offsets `[a, b)`.
    fn frames_in(&self, a: u64, b: u64, out: &mut Vec<u64>) {
        out.clear();
        let mut start = self.base;
        for &(end, f) in &self.marks {
            if end > a && start < b && out.last() != Some(&f) {
                out.push(f);
            }
            if end > start {
                start = end;
            }
            if start >= b {
                break;
            }
        }
    }

    /// Move stored segments that are now in order into the buffer.
    fn pull_ooo(&mut self) {
        loop {
            let Some(next) = self.next else { return };
            let mut progressed = false;
            let mut i = 0;
            while i < self.ooo.len() {
                let d = self.ooo[i].0.wrapping_sub(next) as i32;
                if d > 0 {
                    i += 1;
                    continue;
                }
                let (seq, data, frames) = self.ooo.swap_remove(i);
                self.ooo_bytes -= data.len();
                let over = d.unsigned_abs() as usize;
                if over < data.len() {
                    self.append(&data[over..], &frames);
                    self.next = Some(seq.wrapping_add(data.len() as u32));
                    progressed = true;
                    break;
                }
                if self.track {
                    let a = self.end().saturating_sub(over as u64);
                    self.dropped.push((a, a + data.len() as u64, frames));
                }
            }
            if !progressed {
                return;
            }
        }
    }
}

/// The TCP state of one input.
#[derive(Default)]
pub(crate) struct Tcp {
    flows: HashMap<FlowKey, Stream>,
    frames: Vec<u64>,
    msg: Vec<u8>,
    /// Segments since the last check of the total held.
    since_check: u32,
}

impl Tcp {
    /// Take one segment of the direction `key`.
    pub fn segment(&mut self, key: FlowKey, seg: Seg<'_>, ctx: Ctx<'_>, out: &mut Out<'_>) {
        if self.flows.len() >= MAX_FLOWS && !self.flows.contains_key(&key) {
            self.evict(out);
        }
        self.since_check += 1;
        if self.since_check >= CHECK_EVERY {
            self.since_check = 0;
            self.bound_total(out);
        }
        let track = out.retransmissions;
        let s = self.flows.entry(key).or_insert_with(|| Stream {
            first_frame: ctx.frame,
            track,
            ..Stream::default()
        });
        s.last_time = ctx.time_ns.or(s.last_time);
        s.last_frame = ctx.frame;
        s.iface = ctx.iface;
        let mut seq = seg.seq;
        if seg.syn {
            // A new connection on this address pair: what is left of an
            // old one is flushed first.
            if !s.buf.is_empty() || !s.ooo.is_empty() {
                flush(key, s, &mut self.frames, &mut self.msg, out);
            }
            *s = Stream {
                first_frame: ctx.frame,
                last_time: ctx.time_ns,
                last_frame: ctx.frame,
                iface: ctx.iface,
                synced: true,
                track,
                ..Stream::default()
            };
            seq = seq.wrapping_add(1);
            s.next = Some(seq);
        }
        if seg.data.is_empty() || s.mode == Mode::Dead {
            return;
        }
        let next = *s.next.get_or_insert(seq);
        let d = seq.wrapping_sub(next) as i32;
        if d > 0 {
            s.ooo.push((seq, seg.data.to_vec(), ctx.frames.to_vec()));
            s.ooo_bytes += seg.data.len();
            // A jump far beyond what a window holds is a gap at once.
            if s.ooo_bytes > MAX_OOO || d as usize > 4 * MAX_OOO {
                gap(key, s, ctx.frame, &mut self.frames, out);
                frame(key, s, &ctx, &mut self.frames, &mut self.msg, out);
            }
            return;
        }
        let over = d.unsigned_abs() as usize;
        if over >= seg.data.len() {
            // Every byte was seen before: a retransmission.
            if s.track {
                let a = s.end().saturating_sub(over as u64);
                s.retransmitted(a, a + seg.data.len() as u64, ctx.frames, out);
            }
            return;
        }
        s.append(&seg.data[over..], ctx.frames);
        s.next = Some(seq.wrapping_add(seg.data.len() as u32));
        s.pull_ooo();
        s.tell_dropped(out);
        frame(key, s, &ctx, &mut self.frames, &mut self.msg, out);
    }

    /// Drop streams to make room: non-SIP and empty ones first, then the
    /// least recently active half (flushed, so nothing is lost silently).
    fn evict(&mut self, out: &mut Out<'_>) {
        self.flows.retain(|_, s| {
            s.mode != Mode::Dead && !(s.buf.is_empty() && s.ooo.is_empty() && !s.seen_sip)
        });
        if self.flows.len() < MAX_FLOWS / 2 {
            return;
        }
        let mut keys: Vec<(u64, FlowKey)> =
            self.flows.iter().map(|(k, s)| (s.last_frame, *k)).collect();
        keys.sort_unstable_by_key(|(f, _)| *f);
        for (_, k) in keys.into_iter().take(MAX_FLOWS / 2) {
            if let Some(mut s) = self.flows.remove(&k) {
                flush(k, &mut s, &mut self.frames, &mut self.msg, out);
            }
        }
    }

    /// Bytes held by every direction together.
    fn held(&self) -> usize {
        self.flows.values().map(|s| s.buf.len() + s.ooo_bytes).sum()
    }

    /// Keep the total held under [`MAX_TOTAL`]: flush the fullest
    /// directions (their incomplete messages reported) until half of it.
    fn bound_total(&mut self, out: &mut Out<'_>) {
        let mut held = self.held();
        if held <= MAX_TOTAL {
            return;
        }
        let mut by_size: Vec<(usize, FlowKey)> = self
            .flows
            .iter()
            .map(|(k, s)| (s.buf.len() + s.ooo_bytes, *k))
            .collect();
        by_size.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        for (size, k) in by_size {
            if held <= MAX_TOTAL / 2 {
                break;
            }
            if let Some(mut s) = self.flows.remove(&k) {
                out.problem(
                    Some(s.last_frame),
                    format!(
                        "TCP streams hold more than {} MiB waiting for data; the stream from {} \
                         to {} ({size} bytes held) is cut here",
                        MAX_TOTAL >> 20,
                        k.src,
                        k.dst
                    ),
                );
                flush(k, &mut s, &mut self.frames, &mut self.msg, out);
                held -= size;
            }
        }
    }

    /// The input has ended: frame what can be framed, report the rest.
    pub fn finish(&mut self, out: &mut Out<'_>) {
        let mut all: Vec<(FlowKey, Stream)> = self.flows.drain().collect();
        all.sort_by_key(|(_, s)| s.first_frame);
        for (k, mut s) in all {
            flush(k, &mut s, &mut self.frames, &mut self.msg, out);
        }
    }
}

/// Frame and report everything a stream still holds (end of input, or the
/// stream being replaced or evicted).
fn flush(
    key: FlowKey,
    s: &mut Stream,
    frames: &mut Vec<u64>,
    msg: &mut Vec<u8>,
    out: &mut Out<'_>,
) {
    if s.mode == Mode::Dead {
        return;
    }
    let ctx_frame = s.last_frame;
    while !s.ooo.is_empty() {
        gap(key, s, ctx_frame, frames, out);
        let ctx = Ctx {
            frame: s.last_frame,
            frames: &[],
            time_ns: s.last_time,
            iface: s.iface,
        };
        frame(key, s, &ctx, frames, msg, out);
    }
    let rest = sip::skip_blank(&s.buf);
    let b = &s.buf[rest..];
    if s.synced && sip::starts_sip(b) {
        partial(key, s, rest, "the capture ends", frames, out);
    }
    s.buf.clear();
    s.marks.clear();
}

/// Hand on an incomplete SIP message at `buf[at..]` if its headers are
/// complete (they say most of what matters), with a problem either way.
fn partial(
    key: FlowKey,
    s: &Stream,
    at: usize,
    why: &str,
    frames: &mut Vec<u64>,
    out: &mut Out<'_>,
) {
    let b = &s.buf[at..];
    let head = sip::scan_head(b);
    let frame = s.marks.back().map_or(s.last_frame, |m| m.1);
    out.problem(
        Some(frame),
        format!(
            "{why} inside a SIP message over TCP from {} to {} ({} bytes{}){}",
            key.src,
            key.dst,
            b.len(),
            match head.and_then(|h| h.content_length) {
                Some(cl) => format!("; its Content-Length wants {cl} bytes of body"),
                None => String::new(),
            },
            if head.is_some() {
                "; its headers are read, its body is incomplete"
            } else {
                "; it is not read"
            }
        ),
    );
    if head.is_some() {
        let a = s.base + at as u64;
        s.frames_in(a, s.end(), frames);
        if frames.is_empty() {
            frames.push(frame);
        }
        out.record(Record {
            file: out.file,
            frame,
            frames,
            time_ns: s.last_time,
            src: Some(key.src),
            dst: Some(key.dst),
            transport: Transport::Tcp,
            interface: s.iface,
            payload: b,
            datagram: false,
        });
    }
}

/// Declare the hole before the first stored segment a gap and go on
/// after it.
fn gap(key: FlowKey, s: &mut Stream, at_frame: u64, frames: &mut Vec<u64>, out: &mut Out<'_>) {
    let Some(next) = s.next else { return };
    let Some(first) = s
        .ooo
        .iter()
        .min_by_key(|(seq, _, _)| seq.wrapping_sub(next))
        .map(|(seq, _, f)| (*seq, f.first().copied().unwrap_or(at_frame)))
    else {
        return;
    };
    let missing = first.0.wrapping_sub(next);
    let lead = sip::skip_blank(&s.buf);
    let in_message = s.synced && sip::starts_sip(&s.buf[lead..]);
    if in_message {
        partial(key, s, lead, "a TCP gap falls", frames, out);
    }
    if s.seen_sip || in_message {
        out.problem(
            Some(first.1),
            format!(
                "TCP gap: {missing} bytes from {} to {} were not captured before this segment; \
                 reading resumes at the next SIP start line",
                key.src, key.dst
            ),
        );
    }
    let n = s.buf.len();
    s.consume(n);
    s.base += u64::from(missing);
    s.marks.clear();
    s.next = Some(first.0);
    s.synced = false;
    s.skipped = 0;
    s.pull_ooo();
    s.tell_dropped(out);
}

/// Where the next SIP start line (or WebSocket frame carrying SIP) begins
/// in `b`: at 0 or after a line end.
fn find_start(b: &[u8]) -> Option<usize> {
    if sip::starts_sip(b) || hep::is_hep3(b) || ws::starts_http(b) || ws::looks_like_sip_frame(b) {
        return Some(0);
    }
    let mut at = 0;
    while let Some(i) = memchr(b'\n', &b[at..]) {
        let p = at + i + 1;
        if p < b.len() && sip::starts_sip(&b[p..]) {
            return Some(p);
        }
        at = p;
    }
    None
}

/// Frame whatever the stream's buffer holds.
fn frame(
    key: FlowKey,
    s: &mut Stream,
    ctx: &Ctx<'_>,
    frames: &mut Vec<u64>,
    msg: &mut Vec<u8>,
    out: &mut Out<'_>,
) {
    loop {
        if s.buf.is_empty() || s.mode == Mode::Dead {
            return;
        }
        if !s.synced {
            match find_start(&s.buf) {
                Some(p) => {
                    s.skip(p);
                    s.synced = true;
                }
                None => {
                    // Keep an unfinished last line: it may become a start line.
                    let keep = memrchr(b'\n', &s.buf).map_or(0, |i| i + 1);
                    let keep = if s.buf.len() - keep > MAX_LINE {
                        s.buf.len()
                    } else {
                        keep
                    };
                    s.skip(keep);
                    if !s.seen_sip && s.junk > JUNK_LIMIT {
                        s.mode = Mode::Dead;
                        s.buf = Vec::new();
                        s.past = VecDeque::new();
                        s.marks.clear();
                        s.ooo.clear();
                        s.ooo_bytes = 0;
                    }
                    return;
                }
            }
        }
        let lead = sip::skip_blank(&s.buf);
        if lead > 0 {
            s.consume(lead);
            continue;
        }
        if s.mode == Mode::Ws {
            match ws_step(key, s, ctx, frames, msg, out) {
                Step::Again => continue,
                Step::Wait => return,
                Step::NotMine => {}
            }
        }
        let b = &s.buf[..];
        if hep::is_hep3(b) {
            match hep::announced_len(b) {
                None => return,
                Some(n) if n < 6 => {}
                Some(n) if b.len() < n => return,
                Some(n) => {
                    note_sip(key, s, out);
                    hep_packet(key, s, n, ctx, frames, out);
                    s.consume(n);
                    continue;
                }
            }
        } else if ws::starts_http(b) {
            match memchr::memmem::find(b, b"\r\n\r\n") {
                Some(e) if ws::is_upgrade(&b[..e + 4]) => {
                    s.consume(e + 4);
                    s.mode = Mode::Ws;
                    continue;
                }
                None if b.len() < 16 << 10 => return,
                _ => {}
            }
        } else if s.mode == Mode::Sip && ws::looks_like_sip_frame(b) {
            // Joined after the upgrade.
            s.mode = Mode::Ws;
            continue;
        } else if sip::starts_sip(b) {
            let framing = sip::stream_frame(b);
            let (len, first_line) = (b.len(), memchr(b'\n', b).map_or(b.len(), |i| i + 1));
            note_sip(key, s, out);
            match framing {
                sip::StreamFrame::Message(n) => {
                    emit(key, s, 0, n, Transport::Tcp, ctx, frames, out);
                    s.consume(n);
                    continue;
                }
                sip::StreamFrame::Incomplete if len <= MAX_BUF => return,
                sip::StreamFrame::Incomplete => {
                    partial(key, s, 0, "the 1 MiB message limit is reached", frames, out);
                    // Skip its start line and look for the next message.
                    s.consume(first_line);
                    s.synced = false;
                    continue;
                }
            }
        } else if memchr(b'\n', b).is_none() && b.len() < MAX_LINE {
            // The first line is not complete: it may still be a start line.
            return;
        }
        // Not SIP at a boundary: look for the next start line.
        s.synced = false;
    }
}

/// A SIP start line was found: report what was skipped to reach it.
fn note_sip(key: FlowKey, s: &mut Stream, out: &mut Out<'_>) {
    if s.skipped > 0 {
        let text = if s.seen_sip {
            format!(
                "{} bytes of the TCP stream from {} to {} are not SIP; skipped to the next start line",
                s.skipped, key.src, key.dst
            )
        } else {
            format!(
                "the TCP stream from {} to {} was joined mid-message: {} bytes before its first \
                 SIP start line were skipped",
                key.src, key.dst, s.skipped
            )
        };
        out.problem(Some(s.skipped_frame), text);
        s.skipped = 0;
    }
    s.seen_sip = true;
}

/// A record of a message of this direction completed in `ctx`'s frame;
/// `frames` gets that frame added if missing.
fn record<'a>(
    key: FlowKey,
    ctx: &Ctx<'_>,
    transport: Transport,
    frames: &'a mut Vec<u64>,
    sip: &'a [u8],
) -> Record<'a> {
    if !frames.contains(&ctx.frame) {
        frames.push(ctx.frame);
    }
    Record {
        file: 0, // set by Out::record
        frame: ctx.frame,
        frames,
        time_ns: ctx.time_ns,
        src: Some(key.src),
        dst: Some(key.dst),
        transport,
        interface: ctx.iface,
        payload: sip,
        datagram: false,
    }
}

/// Hand on `buf[a..b]` as one message.
#[allow(clippy::too_many_arguments)]
fn emit(
    key: FlowKey,
    s: &Stream,
    a: usize,
    b: usize,
    transport: Transport,
    ctx: &Ctx<'_>,
    frames: &mut Vec<u64>,
    out: &mut Out<'_>,
) {
    s.frames_in(s.base + a as u64, s.base + b as u64, frames);
    let r = record(key, ctx, transport, frames, &s.buf[a..b]);
    out.record(r);
}

/// A HEPv3 packet of `n` bytes at the start of the buffer.
fn hep_packet(
    key: FlowKey,
    s: &Stream,
    n: usize,
    ctx: &Ctx<'_>,
    frames: &mut Vec<u64>,
    out: &mut Out<'_>,
) {
    match hep::parse(&s.buf[..n]) {
        Ok(h) => {
            let lead = sip::skip_blank(&h.payload);
            let m = &h.payload[lead..];
            if h.payload_type.is_none_or(|t| t == 1) && sip::starts_sip(m) {
                s.frames_in(s.base, s.base + n as u64, frames);
                let r = record(key, ctx, h.transport, frames, &m[..sip::datagram_len(m)]);
                out.record(Record {
                    time_ns: h.time_ns.or(ctx.time_ns),
                    src: h.src.or(Some(key.src)),
                    dst: h.dst.or(Some(key.dst)),
                    ..r
                });
            }
        }
        Err(e) => out.problem(Some(ctx.frame), format!("broken HEP packet over TCP: {e}")),
    }
}

enum Step {
    /// A frame was used; look again.
    Again,
    /// More bytes are needed.
    Wait,
    /// Not a WebSocket frame: fall back to looking for SIP.
    NotMine,
}

/// One WebSocket frame at the start of the buffer.
fn ws_step(
    key: FlowKey,
    s: &mut Stream,
    ctx: &Ctx<'_>,
    frames: &mut Vec<u64>,
    msg: &mut Vec<u8>,
    out: &mut Out<'_>,
) -> Step {
    let f = match ws::parse_frame(&s.buf) {
        ws::Parsed::Incomplete => return Step::Wait,
        ws::Parsed::Invalid => {
            if s.seen_sip {
                out.problem(
                    Some(ctx.frame),
                    format!(
                        "broken WebSocket frame from {} to {}; looking for the next SIP message",
                        key.src, key.dst
                    ),
                );
            }
            s.mode = Mode::Sip;
            return Step::NotMine;
        }
        ws::Parsed::Frame(f) => f,
    };
    if s.buf.len() < f.len() {
        return Step::Wait;
    }
    let payload = &s.buf[f.header_len..f.len()];
    match f.opcode {
        1 | 2 => {
            s.ws_msg.clear();
            s.ws_frames.clear();
            s.ws_compressed = f.compressed;
            ws::unmask_into(payload, f.mask, &mut s.ws_msg);
        }
        0 => {
            if s.ws_msg.len() + payload.len() > ws::MAX_MESSAGE {
                s.ws_msg.clear();
            } else {
                ws::unmask_into(payload, f.mask, &mut s.ws_msg);
            }
        }
        8 => s.mode = Mode::Sip,
        _ => {}
    }
    if f.is_data() {
        s.frames_in(s.base, s.base + f.len() as u64, frames);
        for &fr in frames.iter() {
            if !s.ws_frames.contains(&fr) {
                s.ws_frames.push(fr);
            }
        }
    }
    let message_done = f.fin && f.is_data() && !s.ws_msg.is_empty();
    if message_done {
        let text: &[u8] = if s.ws_compressed {
            let inf = s.inflater.get_or_insert_with(ws::Inflater::default);
            if inf.message(&s.ws_msg, msg).is_none() {
                out.problem(
                    Some(ctx.frame),
                    format!(
                        "a compressed WebSocket message from {} to {} does not decompress; skipped",
                        key.src, key.dst
                    ),
                );
                msg.clear();
            }
            msg
        } else {
            &s.ws_msg
        };
        let lead = sip::skip_blank(text);
        let m = &text[lead..];
        if sip::starts_sip(m) {
            if s.skipped > 0 || !s.seen_sip {
                note_sip(key, s, out);
            }
            let m: &[u8] = if s.ws_compressed {
                &msg[lead..]
            } else {
                &s.ws_msg[lead..]
            };
            frames.clear();
            frames.extend_from_slice(&s.ws_frames);
            let r = record(key, ctx, Transport::Ws, frames, m);
            out.record(r);
        }
        s.ws_msg.clear();
    }
    let n = f.len();
    s.consume(n);
    Step::Again
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synth::Collect;

    #[test]
    fn the_total_held_is_bounded() {
        let mut tcp = Tcp::default();
        let mut sink = Collect::default();
        let ep = |port| Endpoint {
            ip: "10.0.0.1".parse().unwrap(),
            port,
        };
        // 130 directions each holding 1 MiB of an unfinished message.
        for port in 0..130u16 {
            let mut buf = b"MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 9000000\r\n\r\n".to_vec();
            buf.resize(1 << 20, b'x');
            let key = FlowKey {
                src: ep(port),
                dst: ep(5060),
            };
            tcp.flows.insert(
                key,
                Stream {
                    buf,
                    synced: true,
                    seen_sip: true,
                    last_frame: u64::from(port),
                    ..Stream::default()
                },
            );
        }
        assert!(tcp.held() > MAX_TOTAL);
        let mut out = Out::new(0, &mut sink);
        tcp.bound_total(&mut out);
        assert!(tcp.held() <= MAX_TOTAL / 2, "{}", tcp.held());
        let cut = sink
            .problems
            .iter()
            .filter(|p| p.text.contains("is cut here"))
            .count();
        assert_eq!(cut, 130 - tcp.flows.len());
        // Each cut stream's message had complete headers: handed on.
        assert_eq!(sink.records.len(), cut);
    }
}
