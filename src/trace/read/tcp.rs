//! TCP reassembly per direction of each connection, and the framing of
//! what flows on it: SIP messages by Content-Length (RFC 3261 §18.3) with
//! keep-alive CRLFs between them, HEPv3 packets by their length, and
//! WebSocket after an HTTP upgrade (RFC 7118).
//!
//! Segments may come out of order (kept until the hole is filled),
//! retransmitted (the bytes already seen are dropped) or never (a gap:
//! reported, and reading resumes at the next SIP start line). A hole is
//! given up as soon as the other side acknowledges the bytes after it
//! (the receiver had them, the capture missed them), else when the
//! direction holds [`MAX_OOO`] bytes past it, has been waiting
//! [`HOLD_NS`] of capture time, or at the end of the input; the segments
//! held past it are then read each at its own frame and time. A segment
//! cut by the capture's snap length is a gap of the bytes cut, at once. A
//! stream joined in the middle is read from its first start line. Memory
//! is bounded per direction: [`MAX_OOO`] bytes waiting for a hole,
//! [`MAX_BUF`] bytes of one message; a stream with no SIP start line in
//! its first [`JUNK_LIMIT`] bytes is let go.

use super::packet::Out;
use super::{hep, sip, ws};
use crate::trace::{Endpoint, Record, Transport};
use memchr::{memchr, memrchr};
use std::collections::{HashMap, VecDeque};

/// Out-of-order bytes held per direction before the hole is declared a gap.
pub(crate) const MAX_OOO: usize = 256 << 10;
/// Capture time a direction waits for a hole to fill while later segments
/// arrive, when no acknowledgement says the hole is for good (only one
/// direction captured). TCP resends a lost segment within its
/// retransmission timeout (1 s at first, RFC 6298) and a few doublings of
/// it; a hole still open after this is taken for bytes the capture missed.
pub(crate) const HOLD_NS: i64 = 10_000_000_000;
/// Segments held per direction before the hole is declared a gap (tiny
/// segments cost more than their bytes, and each one held is looked at
/// when another arrives).
const MAX_HELD: usize = 1024;
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

impl FlowKey {
    /// The other direction of the connection.
    pub fn reverse(self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
        }
    }
}

/// A segment's fields that matter here.
pub(crate) struct Seg<'a> {
    pub seq: u32,
    /// The acknowledgement number, when the ACK flag is set.
    pub ack: Option<u32>,
    pub syn: bool,
    /// The payload as captured.
    pub data: &'a [u8],
    /// Payload bytes the capture lacks after `data` (the frame was cut to
    /// the snap length).
    pub cut: u32,
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

/// A segment held until the hole before it fills.
struct Held {
    seq: u32,
    data: Vec<u8>,
    /// Frames that carried it.
    frames: Vec<u64>,
    /// The frame it arrived in and its time: where its messages are put
    /// if the hole before it is given up.
    frame: u64,
    time_ns: Option<i64>,
    /// Bytes the capture lacks after `data` (snap length).
    cut: u32,
}

/// `a` is at or after `b` in sequence space.
fn reaches(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) as i32 >= 0
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
    /// Segments ahead of `next`.
    ooo: Vec<Held>,
    ooo_bytes: usize,
    /// The latest acknowledgement number this direction's sender sent: the
    /// other direction's bytes before it reached their receiver.
    ack: Option<u32>,
    /// The other direction holds segments past a hole, the first at this
    /// sequence number: once `ack` reaches it, the hole is for good.
    watch: Option<u32>,
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
    /// A gap was just reported (or is `pending`): the bytes skipped to the
    /// next start line are part of it, not told again.
    after_gap: bool,
    /// A gap found before any SIP in this direction, reported (frame,
    /// text) once a start line shows the stream is SIP.
    pending: Option<(u64, String)>,
    ws_msg: Vec<u8>,
    /// Frames that carried the WebSocket message being assembled.
    ws_frames: Vec<u64>,
    ws_compressed: bool,
    inflater: Option<ws::Inflater>,
    last_time: Option<i64>,
    last_frame: u64,
    /// The time of the segment whose bytes were appended last (that of
    /// the frame in `marks.back()`).
    data_time: Option<i64>,
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

    fn append(&mut self, data: &[u8], frames: &[u64], time_ns: Option<i64>) {
        let start = self.end();
        self.data_time = time_ns;
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

    /// Tell the held segments [`drain`] found already seen.
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

    /// Append what is new of a segment at `seq` that does not start after
    /// `next`: `Some` of the bytes the capture lacks after it (snap length)
    /// that were not read either, `None` when all it carries was read.
    fn take(
        &mut self,
        seq: u32,
        data: &[u8],
        cut: u32,
        frames: &[u64],
        time_ns: Option<i64>,
    ) -> Option<u32> {
        let next = self.next?;
        let over = next.wrapping_sub(seq) as usize;
        let end = data.len() + cut as usize;
        if over >= end {
            return None;
        }
        if over < data.len() {
            self.append(&data[over..], frames, time_ns);
            self.next = Some(seq.wrapping_add(data.len() as u32));
            Some(cut)
        } else {
            // It begins in its own part the capture cut off.
            Some((end - over) as u32)
        }
    }

    /// The held segment nearest after `next`: its index.
    fn first_held(&self) -> Option<usize> {
        let next = self.next?;
        (0..self.ooo.len()).min_by_key(|&i| self.ooo[i].seq.wrapping_sub(next))
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
        let mut s = self.flows.entry(key).or_insert_with(|| Stream {
            first_frame: ctx.frame,
            track,
            // The other direction may hold a hole: looked at on the first
            // acknowledgement.
            watch: seg.ack,
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
                watch: seg.ack,
                ..Stream::default()
            };
            seq = seq.wrapping_add(1);
            s.next = Some(seq);
        }
        if let Some(a) = seg.ack {
            if s.ack.is_none_or(|p| reaches(a, p)) {
                s.ack = Some(a);
            }
            if s.watch.is_some_and(|w| reaches(a, w)) {
                // The other direction's hole is acknowledged: its held
                // segments come before this one.
                s.watch = None;
                self.hole(key.reverse(), ctx.time_ns, out);
                match self.flows.get_mut(&key) {
                    Some(again) => s = again,
                    None => return,
                }
            }
        }
        if (seg.data.is_empty() && seg.cut == 0) || s.mode == Mode::Dead {
            return;
        }
        let next = *s.next.get_or_insert(seq);
        let d = seq.wrapping_sub(next) as i32;
        if d > 0 {
            s.ooo.push(Held {
                seq,
                data: seg.data.to_vec(),
                frames: ctx.frames.to_vec(),
                frame: ctx.frame,
                time_ns: ctx.time_ns,
                cut: seg.cut,
            });
            s.ooo_bytes += seg.data.len();
            self.hole(key, ctx.time_ns, out);
            return;
        }
        let over = d.unsigned_abs() as usize;
        if over >= seg.data.len() + seg.cut as usize {
            // Every byte was seen before: a retransmission.
            if s.track {
                let a = s.end().saturating_sub(over as u64);
                s.retransmitted(a, a + seg.data.len() as u64, ctx.frames, out);
            }
            return;
        }
        if seg.cut == 0 && s.ooo.is_empty() {
            s.append(&seg.data[over..], ctx.frames, ctx.time_ns);
            s.next = Some(seq.wrapping_add(seg.data.len() as u32));
            frame(key, s, &ctx, &mut self.frames, &mut self.msg, out);
            return;
        }
        // Cut by the snap length, or filling a hole.
        let lacks = s.take(seq, seg.data, seg.cut, ctx.frames, ctx.time_ns);
        frame(key, s, &ctx, &mut self.frames, &mut self.msg, out);
        if let Some(n @ 1..) = lacks {
            give_up(
                key,
                s,
                n,
                (ctx.frame, ctx.time_ns),
                true,
                &mut self.frames,
                out,
            );
        }
        drain(key, s, Some(&ctx), &mut self.frames, &mut self.msg, out);
        if !s.ooo.is_empty() {
            self.hole(key, ctx.time_ns, out);
        }
    }

    /// Direction `key` may hold segments past a hole. Give the hole up
    /// (reading on from the segments after it, each at its own frame) when
    /// the other direction has acknowledged the bytes up to them, when too
    /// much is held or the wait has been too long at `now`; have the other
    /// direction watch for its acknowledgement of the hole left, if any.
    fn hole(&mut self, key: FlowKey, now: Option<i64>, out: &mut Out<'_>) {
        let rev = key.reverse();
        let acked = if rev == key {
            None
        } else {
            self.flows.get(&rev).and_then(|r| r.ack)
        };
        let Some(s) = self.flows.get_mut(&key) else {
            return;
        };
        while let (Some(next), Some(i)) = (s.next, s.first_held()) {
            let first = &s.ooo[i];
            let far = s
                .ooo
                .iter()
                .any(|h| h.seq.wrapping_sub(next) as usize > 4 * MAX_OOO);
            let waited = match (now, s.ooo.iter().filter_map(|h| h.time_ns).min()) {
                (Some(now), Some(oldest)) => now.saturating_sub(oldest) > HOLD_NS,
                _ => false,
            };
            let give = acked.is_some_and(|a| reaches(a, first.seq))
                || s.ooo_bytes > MAX_OOO
                || s.ooo.len() > MAX_HELD
                // A jump far beyond what a window holds is a gap at once.
                || far
                || waited;
            if !give || !lost(key, s, &mut self.frames, &mut self.msg, out) {
                break;
            }
        }
        let watch = s.first_held().map(|i| s.ooo[i].seq);
        if rev != key
            && let Some(r) = self.flows.get_mut(&rev)
        {
            r.watch = watch;
        }
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
        // Each direction's last acknowledgement, and the frame of the
        // segment that carried it.
        let acks: HashMap<FlowKey, (u32, (u64, Option<i64>))> = self
            .flows
            .iter()
            .filter_map(|(k, s)| Some((*k, (s.ack?, (s.last_frame, s.last_time)))))
            .collect();
        let mut all: Vec<(FlowKey, Stream)> = self.flows.drain().collect();
        all.sort_by_key(|(_, s)| s.first_frame);
        for (k, mut s) in all {
            flush(k, &mut s, &mut self.frames, &mut self.msg, out);
            // The other side acknowledged bytes past the last ones seen:
            // the direction's last segments were sent and the capture
            // missed them (a FIN takes one number: not a gap).
            if let (Some(next), Some(&(ack, at))) = (s.next, acks.get(&k.reverse()))
                && s.seen_sip
                && s.mode != Mode::Dead
            {
                let missing = ack.wrapping_sub(next);
                if (2..1 << 30).contains(&missing) {
                    lost_bytes(k, at, out);
                    out.problem(
                        Some(at.0),
                        format!(
                            "TCP gap: the last {missing} bytes from {} to {} were not \
                             captured (the other side acknowledged them): a SIP message they \
                             held is not in the trace",
                            k.src, k.dst
                        ),
                    );
                }
            }
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
    while lost(key, s, frames, msg, out) {}
    let rest = sip::skip_blank(&s.buf);
    let b = &s.buf[rest..];
    if s.synced && sip::starts_sip(b) {
        let (what, read) = partial(key, s, rest, frames, out);
        out.problem(
            Some(s.marks.back().map_or(s.last_frame, |m| m.1)),
            format!(
                "the capture ends inside a SIP message over TCP from {} to {} ({what}); {read}",
                key.src, key.dst
            ),
        );
    }
    s.buf.clear();
    s.marks.clear();
}

/// Hand on an incomplete SIP message at `buf[at..]` if its headers are
/// complete (they say most of what matters). Returns, for a problem line,
/// its size and what its headers want, and whether it was handed on.
fn partial(
    key: FlowKey,
    s: &Stream,
    at: usize,
    frames: &mut Vec<u64>,
    out: &mut Out<'_>,
) -> (String, &'static str) {
    let b = &s.buf[at..];
    let head = sip::scan_head(b);
    let frame = s.marks.back().map_or(s.last_frame, |m| m.1);
    let what = format!(
        "{} bytes{}",
        b.len(),
        match head.and_then(|h| h.content_length) {
            Some(cl) => format!("; its Content-Length wants {cl} bytes of body"),
            None => String::new(),
        },
    );
    let read = if head.is_some() {
        "its headers are read, its body is incomplete"
    } else {
        "it is not read"
    };
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
            time_ns: s.data_time.or(s.last_time),
            src: Some(key.src),
            dst: Some(key.dst),
            transport: Transport::Tcp,
            interface: s.iface,
            payload: b,
            datagram: false,
        });
    }
    (what, read)
}

/// Give up the hole before the first held segment: a gap, then the held
/// segments read in order, each at its own frame and time. False when
/// nothing is held.
fn lost(
    key: FlowKey,
    s: &mut Stream,
    frames: &mut Vec<u64>,
    msg: &mut Vec<u8>,
    out: &mut Out<'_>,
) -> bool {
    let (Some(next), Some(i)) = (s.next, s.first_held()) else {
        return false;
    };
    let (seq, at) = (s.ooo[i].seq, (s.ooo[i].frame, s.ooo[i].time_ns));
    let missing = seq.wrapping_sub(next);
    if missing as i32 > 0 {
        give_up(key, s, missing, at, false, frames, out);
    }
    drain(key, s, None, frames, msg, out);
    true
}

/// `missing` bytes of the stream at `next` were never captured (lost
/// before the frame `at`, or `cut` off that frame by the snap length):
/// the message they fall in is handed on as far as it goes, one problem
/// line says so (once the direction is known to carry SIP), the findings
/// are told that messages may have been lost there ([`lost_bytes`]), and
/// reading resumes at the next start line after them.
fn give_up(
    key: FlowKey,
    s: &mut Stream,
    missing: u32,
    at: (u64, Option<i64>),
    cut: bool,
    frames: &mut Vec<u64>,
    out: &mut Out<'_>,
) {
    let Some(next) = s.next else { return };
    let at_frame = at.0;
    lost_bytes(key, at, out);
    let lead = sip::skip_blank(&s.buf);
    let in_message = s.synced && sip::starts_sip(&s.buf[lead..]);
    let mut text = format!(
        "TCP gap: {missing} {} from {} to {} {} not captured{}",
        if missing == 1 { "byte" } else { "bytes" },
        key.src,
        key.dst,
        if missing == 1 { "was" } else { "were" },
        if cut {
            ": the frame was cut to the capture's snap length"
        } else {
            " before this segment"
        }
    );
    if in_message {
        let (what, read) = partial(key, s, lead, frames, out);
        text.push_str(&format!(
            "; they fall inside a SIP message ({what}): {read}"
        ));
    }
    text.push_str("; reading resumes at the next SIP start line");
    if s.seen_sip || in_message {
        out.problem(Some(at_frame), text);
    } else {
        // Not yet known to be SIP (the first message lost, or not SIP at
        // all): told when a start line is found.
        s.pending = Some((at_frame, text));
    }
    let n = s.buf.len();
    s.consume(n);
    s.base += u64::from(missing);
    s.marks.clear();
    s.next = Some(next.wrapping_add(missing));
    s.synced = false;
    s.skipped = 0;
    s.after_gap = true;
}

/// Tell the findings that the capture lost bytes of `key`'s stream at or
/// before the frame `at` (its number and time): an answer, an ACK or a BYE
/// that seems missing may have been in them.
fn lost_bytes(key: FlowKey, at: (u64, Option<i64>), out: &mut Out<'_>) {
    out.sink.cut(crate::trace::Cut {
        file: out.file,
        frame: at.0,
        time_ns: at.1,
        src: Some(key.src),
        dst: Some(key.dst),
        answer: true,
        request: true,
        gap: true,
    });
}

/// Read the held segments that are now in order, framing after each:
/// at `fill` (the segment that filled the hole: it completed them) or,
/// after a hole given up, at each segment's own frame and time.
fn drain(
    key: FlowKey,
    s: &mut Stream,
    fill: Option<&Ctx<'_>>,
    frames: &mut Vec<u64>,
    msg: &mut Vec<u8>,
    out: &mut Out<'_>,
) {
    while let Some(next) = s.next
        && s.mode != Mode::Dead
    {
        let Some(i) = s
            .ooo
            .iter()
            .position(|h| h.seq.wrapping_sub(next) as i32 <= 0)
        else {
            break;
        };
        let h = s.ooo.swap_remove(i);
        s.ooo_bytes -= h.data.len();
        let Some(lacks) = s.take(h.seq, &h.data, h.cut, &h.frames, h.time_ns) else {
            if s.track {
                let over = next.wrapping_sub(h.seq) as u64;
                let a = s.end().saturating_sub(over);
                s.dropped.push((a, a + h.data.len() as u64, h.frames));
            }
            continue;
        };
        let own = Ctx {
            frame: h.frame,
            frames: &h.frames,
            time_ns: h.time_ns,
            iface: s.iface,
        };
        let ctx = fill.unwrap_or(&own);
        frame(key, s, ctx, frames, msg, out);
        if lacks > 0 {
            give_up(key, s, lacks, (h.frame, h.time_ns), true, frames, out);
        }
    }
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
                    let (what, read) = partial(key, s, 0, frames, out);
                    out.problem(
                        Some(s.marks.back().map_or(s.last_frame, |m| m.1)),
                        format!(
                            "the 1 MiB message limit is reached inside a SIP message over TCP \
                             from {} to {} ({what}); {read}",
                            key.src, key.dst
                        ),
                    );
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
    if s.skipped > 0 || s.after_gap {
        skipped_to_sip(key, s, out);
    }
    s.seen_sip = true;
}

/// The report of [`note_sip`]: a gap waiting for the stream to show SIP,
/// or the bytes skipped (not told again after a gap: they are the rest of
/// what it cut).
fn skipped_to_sip(key: FlowKey, s: &mut Stream, out: &mut Out<'_>) {
    if let Some((frame, text)) = s.pending.take() {
        out.problem(Some(frame), text);
    } else if s.skipped > 0 && !s.after_gap {
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
    }
    s.skipped = 0;
    s.after_gap = false;
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
            if s.skipped > 0 || s.after_gap || !s.seen_sip {
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

    #[test]
    fn segments_held_past_a_hole_are_bounded_in_number() {
        let mut tcp = Tcp::default();
        let mut sink = Collect::default();
        let mut out = Out::new(0, &mut sink);
        let ep = |port| Endpoint {
            ip: "10.0.0.1".parse().unwrap(),
            port,
        };
        let key = FlowKey {
            src: ep(5060),
            dst: ep(5061),
        };
        let at = |frame| Ctx {
            frame,
            frames: &[],
            time_ns: Some(0),
            iface: 0,
        };
        let seg = |seq, data| Seg {
            seq,
            ack: None,
            syn: false,
            data,
            cut: 0,
        };
        let m = b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n";
        tcp.segment(key, seg(1, m), at(1), &mut out);
        // One byte missing, then one-byte segments (far fewer bytes than
        // MAX_OOO) that never fill it.
        let from = 2 + m.len() as u32;
        for i in 0..3 * MAX_HELD as u32 {
            tcp.segment(key, seg(from + i, b"x"), at(2 + u64::from(i)), &mut out);
            assert!(tcp.flows[&key].ooo.len() <= MAX_HELD + 1);
        }
        assert_eq!(sink.records.len(), 1);
        assert!(
            sink.problems
                .iter()
                .any(|p| p.text.starts_with("TCP gap: 1 byte from")),
            "{:?}",
            sink.problems
        );
    }
}
