//! `--export-pcap`: copy chosen frames into a new capture.
//!
//! Frames of captures are copied byte for byte with their time and wire
//! length, with the TCP retransmissions of their bytes (the reassembly
//! drops those, so they are in no message's frames: a first pass decodes
//! the inputs again to find them). The output is a pcap when every chosen
//! frame has the same link type and the frames of pcapng inputs come from
//! one interface; a pcapng otherwise, with one interface per input
//! interface (its name, description and time resolution copied). A pcap
//! has the nanosecond magic when a time is not a whole microsecond, the
//! microsecond one otherwise (read by the oldest tools): no digit of a
//! time is lost.
//!
//! Messages from text logs have no packets: each becomes Ethernet/IP
//! frames between the addresses the log gives, at the log's time (the
//! Unix epoch plus the entry number in milliseconds when it gives none):
//! TCP segments (of [`MSS`] bytes, numbered on from the last message of
//! the same direction) when the log says TCP or the message is larger
//! than one UDP datagram holds, else one UDP datagram. A side the log does
//! not name is the logging host itself (a PBX names only the far end):
//! [`LOG_HOST`] (or [`LOG_HOST_V6`] facing an IPv6 peer), the same for
//! every message, so that the host is one party of the flow; when neither
//! side is named, the caller's requests go from [`LOG_HOST`] to
//! [`LOG_PEER`], the callee's requests and the responses to the caller's
//! come back (the caller: the From tag of the call's first message).
//!
//! Packets are written in time order across the inputs, as the report
//! merges them into one timeline: inputs whose chosen packets do not
//! overlap in time are written one after the other, earliest first;
//! inputs that overlap are merged packet by packet (equal times keep the
//! order of the inputs, then of the packets), each read on a thread of
//! its own that hands its packets over a short channel, so memory holds a
//! few packets per input however large the files. An input keeps its own
//! order: one that is not in time order itself is not sorted.

use super::build::{PcapWriter, PcapngWriter, Resolution, ethernet, ip, tcp, udp_frame};
use super::capture::{Frame, Frames, Interface};
use super::packet::{Decoder, Out};
use super::source::Source;
use super::{Input, ReadError, link, open_until};
use crate::trace::{Format, Problem, Record, Sink, Transport, logs};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exported {
    /// Packets written.
    pub packets: u64,
    /// Of them, TCP retransmissions of the chosen frames' bytes, which no
    /// message lists (the reassembly drops them).
    pub tcp_retransmissions: u64,
    /// Messages of text logs written as TCP segments.
    pub log_tcp: u64,
    /// Of them, messages the log does not say came over TCP, written so
    /// because one UDP datagram cannot hold them (more than 65,507 bytes).
    pub log_too_big_for_udp: u64,
    /// The logging host was written as [`LOG_HOST_V6`] (facing an IPv6
    /// peer) at least once.
    pub log_host_v6: bool,
    /// The output is a pcapng (else a pcap).
    pub pcapng: bool,
    /// A pcap output has the nanosecond magic.
    pub nanosecond: bool,
}

/// Copy the original packets with these (file index, frame number) pairs
/// into a new pcap (or pcapng, see the module's notes); for text-log
/// inputs synthesise packets. Returns the packets written.
///
/// `forced` must be the format the inputs were read with for the triage
/// (the same `--format`; [`Format::Auto`] detects each by content): the
/// frame numbers count what that reading found, and a log read as another
/// format numbers other entries, or is not taken for a log at all (its
/// SIP starting past the detection window).
///
/// Inputs are read again, so [`Input::Stdin`] cannot be exported from
/// (read it into [`Input::Bytes`] first); it gives [`ReadError::StdinAgain`].
pub fn export_pcap(
    inputs: &[Input],
    forced: Format,
    frames: &BTreeSet<(u32, u64)>,
    out: &mut dyn Write,
) -> Result<u64, ReadError> {
    export_capture(inputs, forced, frames, out).map(|e| e.packets)
}

/// [`export_pcap`], telling what was written.
pub fn export_capture(
    inputs: &[Input],
    forced: Format,
    frames: &BTreeSet<(u32, u64)>,
    out: &mut dyn Write,
) -> Result<Exported, ReadError> {
    let chosen = |file: u32| frames.range((file, 0)..=(file, u64::MAX)).next().is_some();
    let used: Vec<(u32, &Input)> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (u32::try_from(i).unwrap_or(u32::MAX), input))
        .filter(|&(i, _)| chosen(i))
        .collect();
    if used.iter().any(|(_, i)| matches!(i, Input::Stdin)) {
        return Err(ReadError::StdinAgain);
    }

    // First pass: find the TCP retransmissions of the chosen frames; see
    // which link types, interfaces and times the packets to write have,
    // and when each input's first and last one comes.
    let mut extra: BTreeSet<(u32, u64)> = BTreeSet::new();
    let none = BTreeSet::new();
    let mut survey = Survey::default();
    let mut spans: Vec<(Span, u32, &Input)> = Vec::new();
    for &(file, input) in &used {
        survey.span = None;
        let mut found = BTreeSet::new();
        let (_, counts) = copy_input(
            file,
            input,
            forced,
            &Chosen {
                frames,
                extra: &none,
            },
            &mut survey,
            Pass::Survey(&mut found),
            None,
        )?;
        extra.extend(found);
        if counts.late {
            // Retransmissions found after their frames went by (stored
            // out of order, or fragments): look at the frames again.
            survey.span = None;
            copy_input(
                file,
                input,
                forced,
                &Chosen {
                    frames,
                    extra: &extra,
                },
                &mut survey,
                Pass::Write,
                None,
            )?;
        }
        if let Some(span) = survey.span {
            spans.push((span, file, input));
        }
    }
    let chosen = Chosen {
        frames,
        extra: &extra,
    };

    // Several interfaces of pcapng inputs are kept apart, in a pcapng.
    let ng_ifaces = survey
        .used
        .iter()
        .filter(|k| survey.ifaces.contains_key(k))
        .count();
    let mut exported = Exported {
        tcp_retransmissions: extra.len() as u64,
        ..Exported::default()
    };
    let mut writer = match survey.linktypes.as_slice() {
        [] | [_] if ng_ifaces <= 1 => {
            exported.nanosecond = survey.sub_micro;
            Writer::Pcap(
                PcapWriter::new(
                    out,
                    survey.linktypes.first().copied().unwrap_or(link::ETHERNET),
                    if survey.sub_micro {
                        Resolution::Nano
                    } else {
                        Resolution::Micro
                    },
                    false,
                    262_144,
                )
                .map_err(write_err)?,
            )
        }
        _ => {
            exported.pcapng = true;
            Writer::Pcapng {
                w: PcapngWriter::new(out, false).map_err(write_err)?,
                described: &survey.ifaces,
                ids: HashMap::new(),
            }
        }
    };

    // Second pass: write them, in time order.
    let mut logs = LogCounts::default();
    for run in runs(spans) {
        let (n, l) = match run.as_slice() {
            &[(file, input)] => {
                copy_input(file, input, forced, &chosen, &mut writer, Pass::Write, None)?
            }
            run => merge(run, forced, &chosen, &mut writer)?,
        };
        exported.packets += n;
        logs.add(&l);
    }
    match &mut writer {
        Writer::Pcap(w) => w.flush(),
        Writer::Pcapng { w, .. } => w.flush(),
    }
    .map_err(write_err)?;
    exported.log_tcp = logs.tcp;
    exported.log_too_big_for_udp = logs.too_big;
    exported.log_host_v6 = logs.host_v6;
    Ok(exported)
}

fn write_err(e: io::Error) -> ReadError {
    ReadError::Write {
        reason: e.to_string(),
        kind: e.kind(),
    }
}

/// The frames to copy: those chosen, and the TCP retransmissions of their
/// bytes found by the first pass.
#[derive(Clone, Copy)]
struct Chosen<'a> {
    frames: &'a BTreeSet<(u32, u64)>,
    extra: &'a BTreeSet<(u32, u64)>,
}

impl Chosen<'_> {
    fn contains(&self, k: &(u32, u64)) -> bool {
        self.frames.contains(k) || self.extra.contains(k)
    }
}

/// What a reading of an input is for: the first pass (which also decodes
/// captures, adding the retransmissions it finds to the set), or a copy.
enum Pass<'a> {
    Survey(&'a mut BTreeSet<(u32, u64)>),
    Write,
}

/// The times (ns) of an input's earliest and latest chosen packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    first: i64,
    last: i64,
}

/// The inputs in runs to write one after the other: by their first time,
/// an input joins the run before it when it starts before that run ends
/// (or at the same time, so that equal times keep the order of the
/// inputs). Only the inputs of one run are read at the same time.
fn runs(mut spans: Vec<(Span, u32, &Input)>) -> Vec<Vec<(u32, &Input)>> {
    spans.sort_by_key(|&(span, file, _)| (span.first, file));
    let mut runs: Vec<Vec<(u32, &Input)>> = Vec::new();
    let mut end = i64::MIN;
    for (span, file, input) in spans {
        match runs.last_mut() {
            Some(run) if span.first <= end => run.push((file, input)),
            _ => runs.push(vec![(file, input)]),
        }
        end = end.max(span.last);
    }
    for run in &mut runs {
        run.sort_by_key(|&(file, _)| file);
    }
    runs
}

/// Packets waiting between an input's thread and the merge, per input.
const DEPTH: usize = 64;

/// A packet to write, borrowed.
struct Pkt<'a> {
    file: u32,
    /// The input's interface (pcapng; 0 otherwise).
    iface: u32,
    linktype: u32,
    time_ns: i64,
    data: &'a [u8],
    origlen: u32,
}

/// A chosen packet on its way from an input's thread to the merge.
struct Packet {
    iface: u32,
    linktype: u32,
    time_ns: i64,
    data: Vec<u8>,
    origlen: u32,
}

/// Write the chosen packets of inputs whose times overlap, merged by time
/// (see the module's notes). Returns the packets written and what the
/// logs' were.
fn merge(
    run: &[(u32, &Input)],
    forced: Format,
    chosen: &Chosen<'_>,
    writer: &mut Writer<'_, '_>,
) -> Result<(u64, LogCounts), ReadError> {
    // Set when the merge gives up (a write failed): the inputs' threads
    // stop at their next read instead of reading to the end.
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|s| {
        let mut sources = Vec::with_capacity(run.len());
        let mut threads = Vec::with_capacity(run.len());
        for &(file, input) in run {
            let (tx, rx) = sync_channel::<Packet>(DEPTH);
            let chosen = *chosen;
            let thread = std::thread::Builder::new()
                .name("sipfix-export".into())
                .spawn_scoped(s, move || {
                    copy_input(
                        file,
                        input,
                        forced,
                        &chosen,
                        &mut ToMerge(tx),
                        Pass::Write,
                        Some(stop),
                    )
                });
            match thread {
                Ok(t) => threads.push(t),
                Err(e) => {
                    // The threads started end at their next read (their
                    // channels close as this returns).
                    stop.store(true, Ordering::Relaxed);
                    return Err(write_err(io::Error::other(format!(
                        "cannot start a thread to read {}: {e}",
                        input.name()
                    ))));
                }
            }
            sources.push((file, rx));
        }
        // The next packet of each input, earliest (then first input) on top.
        let mut heads: Vec<Option<Packet>> = Vec::with_capacity(sources.len());
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, (file, rx)) in sources.iter().enumerate() {
            let p = rx.recv().ok();
            if let Some(p) = &p {
                heap.push(Reverse((p.time_ns, *file, i)));
            }
            heads.push(p);
        }
        let mut written = 0u64;
        let mut failed = None;
        while let Some(Reverse((_, file, i))) = heap.pop() {
            let Some(p) = heads[i].take() else { continue };
            let pkt = Pkt {
                file,
                iface: p.iface,
                linktype: p.linktype,
                time_ns: p.time_ns,
                data: &p.data,
                origlen: p.origlen,
            };
            if let Err(e) = writer.put(&pkt) {
                failed = Some(write_err(e));
                break;
            }
            written += 1;
            if let Ok(p) = sources[i].1.recv() {
                heap.push(Reverse((p.time_ns, file, i)));
                heads[i] = Some(p);
            }
        }
        if failed.is_some() {
            stop.store(true, Ordering::Relaxed);
        }
        // Closing the channels frees a thread waiting to send.
        drop(sources);
        let mut result = failed.map_or(Ok((written, LogCounts::default())), Err);
        for t in threads {
            match t.join() {
                // A write error of an input's thread is only the merge
                // having stopped; any other error is the input's.
                Ok(Err(e)) if result.is_ok() && !matches!(e, ReadError::Write { .. }) => {
                    result = Err(e);
                }
                Ok(Ok((_, l))) => {
                    if let Ok((_, logs)) = &mut result {
                        logs.add(&l);
                    }
                }
                Ok(_) => {}
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        result
    })
}

/// Read one input and put its chosen packets. Returns how many were put,
/// with what the logs' were and (first pass) whether retransmissions were
/// found after their frames had gone by ([`LogCounts::late`]). With
/// `stop`, the input's reads fail once it is set.
fn copy_input(
    file: u32,
    input: &Input,
    forced: Format,
    chosen: &Chosen<'_>,
    put: &mut dyn Put,
    pass: Pass<'_>,
    stop: Option<&AtomicBool>,
) -> Result<(u64, LogCounts), ReadError> {
    let (mut src, format) = open_until(input, forced, stop)?;
    let mut counts = LogCounts::default();
    let (written, error) = match format {
        Format::Pcap | Format::Pcapng => {
            let mut c = Copier {
                file,
                chosen: *chosen,
                put,
                written: 0,
                error: None,
            };
            match pass {
                Pass::Write => frame_pass(format, &mut src, &mut c),
                Pass::Survey(extra) => {
                    let mut r = Retrans {
                        file,
                        frames: chosen.frames,
                        found: BTreeSet::new(),
                        current: 0,
                        late: false,
                    };
                    let mut d = Decoding {
                        dec: Decoder::default(),
                        retrans: &mut r,
                        copier: &mut c,
                    };
                    frame_pass(format, &mut src, &mut d);
                    d.finish();
                    counts.late = r.late;
                    extra.extend(r.found.into_iter().map(|f| (file, f)));
                }
            }
            (c.written, c.error)
        }
        _ => {
            let mut s = LogSynth {
                file,
                frames: chosen.frames,
                put,
                written: 0,
                error: None,
                seqs: HashMap::new(),
                counts: LogCounts::default(),
                callers: HashMap::new(),
            };
            let mut o = Out::new(file, &mut s);
            // Read errors were reported when the input was read.
            let _ = logs::read(
                format,
                &mut src,
                &mut o,
                super::reference_time(input),
                &mut |_, _| {},
            );
            counts = s.counts;
            (s.written, s.error)
        }
    };
    error.map_or(Ok((written, counts)), |e| Err(write_err(e)))
}

/// Frame a capture; problems were reported when it was read, so they are
/// ignored here.
fn frame_pass(format: Format, src: &mut Source<'_>, v: &mut dyn Frames) {
    let _ = if format == Format::Pcap {
        super::pcap::read(src, v)
    } else {
        super::pcapng::read(src, v)
    };
}

/// Where chosen packets go: the output, the first pass's survey, or the
/// channel from an input's thread to the merge.
trait Put {
    fn put(&mut self, p: &Pkt<'_>) -> io::Result<()>;
    /// A pcapng input's interface description.
    fn interface(&mut self, _file: u32, _iface: &Interface<'_>) {}
}

/// A pcapng input's interface, as copied to the output.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Described {
    tsresol: u8,
    name: Option<Vec<u8>>,
    description: Option<Vec<u8>>,
}

enum Writer<'w, 's> {
    Pcap(PcapWriter<&'w mut dyn Write>),
    Pcapng {
        w: PcapngWriter<&'w mut dyn Write>,
        /// The pcapng inputs' interfaces, by (file, interface).
        described: &'s BTreeMap<(u32, u32), Described>,
        /// The output interface of each (file, interface, link type).
        ids: HashMap<(u32, u32, u32), u32>,
    },
}

/// The `if_tsresol` an output interface gets for an input's: the same
/// when the times read (whole nanoseconds) give its units back (decimal
/// down to 10^-9 s, binary down to 2^-28 s), else nanoseconds.
fn out_tsresol(tsresol: u8) -> u8 {
    let n = tsresol & 0x7f;
    let exact = if tsresol & 0x80 == 0 { n <= 9 } else { n <= 28 };
    if exact { tsresol } else { 9 }
}

impl Put for Writer<'_, '_> {
    fn put(&mut self, p: &Pkt<'_>) -> io::Result<()> {
        match self {
            Writer::Pcap(w) => w.packet(p.time_ns, p.data, p.origlen),
            Writer::Pcapng { w, described, ids } => {
                let key = (p.file, p.iface, p.linktype);
                let id = match ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = match described.get(&(p.file, p.iface)) {
                            Some(d) => w.interface_named(
                                p.linktype,
                                out_tsresol(d.tsresol),
                                d.name.as_deref(),
                                d.description.as_deref(),
                            )?,
                            None => w.interface(p.linktype, 9)?,
                        };
                        ids.insert(key, id);
                        id
                    }
                };
                w.packet(id, p.time_ns, p.data, p.origlen)
            }
        }
    }
}

/// The first pass: the link types, interfaces and precision of the
/// packets to write, and their span per input.
#[derive(Default)]
struct Survey {
    linktypes: Vec<u32>,
    span: Option<Span>,
    /// A time is not a whole microsecond.
    sub_micro: bool,
    /// The (file, interface) pairs of the packets.
    used: BTreeSet<(u32, u32)>,
    /// Every pcapng input's interfaces.
    ifaces: BTreeMap<(u32, u32), Described>,
}

impl Put for Survey {
    fn put(&mut self, p: &Pkt<'_>) -> io::Result<()> {
        if !self.linktypes.contains(&p.linktype) {
            self.linktypes.push(p.linktype);
        }
        self.sub_micro |= p.time_ns.rem_euclid(1000) != 0;
        self.used.insert((p.file, p.iface));
        let t = p.time_ns;
        self.span = Some(match self.span {
            None => Span { first: t, last: t },
            Some(s) => Span {
                first: s.first.min(t),
                last: s.last.max(t),
            },
        });
        Ok(())
    }

    fn interface(&mut self, file: u32, i: &Interface<'_>) {
        self.ifaces.insert(
            (file, i.global),
            Described {
                tsresol: i.tsresol,
                name: i.name.map(<[u8]>::to_vec),
                description: i.description.map(<[u8]>::to_vec),
            },
        );
    }
}

/// An input's thread: each chosen packet is copied to the merge. Fails
/// once the merge has gone (it stopped on a write error).
struct ToMerge(SyncSender<Packet>);

impl Put for ToMerge {
    fn put(&mut self, p: &Pkt<'_>) -> io::Result<()> {
        self.0
            .send(Packet {
                iface: p.iface,
                linktype: p.linktype,
                time_ns: p.time_ns,
                data: p.data.to_vec(),
                origlen: p.origlen,
            })
            .map_err(|_| io::Error::other("the export stopped"))
    }
}

/// Puts the chosen frames of a capture.
struct Copier<'a> {
    file: u32,
    chosen: Chosen<'a>,
    put: &'a mut dyn Put,
    written: u64,
    error: Option<io::Error>,
}

impl Frames for Copier<'_> {
    fn interface(&mut self, iface: &Interface<'_>) {
        self.put.interface(self.file, iface);
    }

    fn frame(&mut self, f: &Frame<'_>) {
        if self.error.is_some() || !self.chosen.contains(&(self.file, f.meta.frame)) {
            return;
        }
        let p = Pkt {
            file: self.file,
            iface: f.meta.iface,
            linktype: f.linktype,
            time_ns: f.meta.time_ns.unwrap_or(0),
            data: f.data,
            origlen: f.origlen,
        };
        match self.put.put(&p) {
            Ok(()) => self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
    fn problem(&mut self, _: Option<u64>, _: String) {}
}

/// The first pass over a capture: each frame is decoded (for the TCP
/// retransmissions of chosen frames), then surveyed if it is to be
/// written.
struct Decoding<'a, 'r, 'c> {
    dec: Decoder,
    retrans: &'a mut Retrans<'r>,
    copier: &'a mut Copier<'c>,
}

impl Decoding<'_, '_, '_> {
    fn finish(&mut self) {
        self.retrans.current = u64::MAX;
        let mut out = Out::new(self.retrans.file, &mut *self.retrans);
        out.retransmissions = true;
        self.dec.finish(&mut out);
    }
}

impl Frames for Decoding<'_, '_, '_> {
    fn interface(&mut self, iface: &Interface<'_>) {
        self.copier.interface(iface);
    }

    fn frame(&mut self, f: &Frame<'_>) {
        self.retrans.current = f.meta.frame;
        let mut out = Out::new(self.retrans.file, &mut *self.retrans);
        out.retransmissions = true;
        self.dec.frame(f.linktype, f.data, f.meta, &mut out);
        if self.retrans.found.contains(&f.meta.frame) {
            // Found as it came: surveyed now, like a chosen frame.
            let k = (self.copier.file, f.meta.frame);
            if !self.copier.chosen.contains(&k) {
                let p = Pkt {
                    file: self.copier.file,
                    iface: f.meta.iface,
                    linktype: f.linktype,
                    time_ns: f.meta.time_ns.unwrap_or(0),
                    data: f.data,
                    origlen: f.origlen,
                };
                match self.copier.put.put(&p) {
                    Ok(()) => self.copier.written += 1,
                    Err(e) => self.copier.error = Some(e),
                }
                return;
            }
        }
        self.copier.frame(f);
    }

    fn problem(&mut self, _: Option<u64>, _: String) {}
}

/// Collects the TCP retransmissions of chosen frames' bytes.
struct Retrans<'a> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    /// Frame numbers found.
    found: BTreeSet<u64>,
    /// The frame being decoded.
    current: u64,
    /// A frame was found after it went by.
    late: bool,
}

impl Sink for Retrans<'_> {
    fn record(&mut self, _: Record<'_>) {}
    fn problem(&mut self, _: Problem) {}
    fn tcp_retransmission(&mut self, file: u32, frames: &[u64], of: &[u64]) {
        let wanted = |f: &u64| self.frames.contains(&(file, *f)) || self.found.contains(f);
        if !of.iter().any(wanted) {
            return;
        }
        for &f in frames {
            if !self.frames.contains(&(file, f)) && self.found.insert(f) && f != self.current {
                self.late = true;
            }
        }
    }
}

/// What the messages of logs were written as.
#[derive(Debug, Clone, Copy, Default)]
struct LogCounts {
    tcp: u64,
    too_big: u64,
    host_v6: bool,
    /// (First pass over a capture) retransmissions found late.
    late: bool,
}

impl LogCounts {
    fn add(&mut self, o: &LogCounts) {
        self.tcp += o.tcp;
        self.too_big += o.too_big;
        self.host_v6 |= o.host_v6;
    }
}

/// The address given to the logging host in frames made from a log.
pub const LOG_HOST: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 1), 5060);
/// The logging host in IPv6 frames (a log's far end is IPv6): a packet
/// cannot mix the two families, and an IPv4-mapped address is not used
/// on the wire (RFC 4291 §2.5.5.2).
pub const LOG_HOST_V6: (Ipv6Addr, u16) = (Ipv6Addr::LOCALHOST, 5060);
/// The far end, when a log names neither side of a message.
const LOG_PEER: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 2), 5060);

/// The largest UDP payload an IPv4 packet holds.
const MAX_UDP_PAYLOAD: usize = 65_507;
/// The TCP payload per segment of a log's message (an Ethernet MTU of
/// 1500 less the IPv4 and TCP headers; IPv6 takes 20 bytes less).
pub const MSS: usize = 1460;

/// An address and port.
type Peer = (IpAddr, u16);

/// Turns chosen log entries into frames and puts them.
struct LogSynth<'a> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    put: &'a mut dyn Put,
    written: u64,
    error: Option<io::Error>,
    /// The next sequence number of each direction written as TCP.
    seqs: HashMap<(Peer, Peer), u32>,
    counts: LogCounts,
    /// For messages whose log names neither side: each Call-ID's caller
    /// (the From tag of its first message), so that the callee's requests
    /// and every response go the other way.
    callers: HashMap<Box<[u8]>, Box<[u8]>>,
}

/// A TCP direction's first sequence number.
const FIRST_SEQ: u32 = 1;

impl LogSynth<'_> {
    fn put(&mut self, time: i64, frame: &[u8]) {
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let p = Pkt {
            file: self.file,
            iface: 0,
            linktype: link::ETHERNET,
            time_ns: time,
            data: frame,
            origlen: len,
        };
        match self.put.put(&p) {
            Ok(()) => self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
}

impl LogSynth<'_> {
    /// Whether a message of a log that names neither side goes the way
    /// its call's first message went (from [`LOG_HOST`] to [`LOG_PEER`]):
    /// a request of the caller (its From tag the first message's) or a
    /// response to the callee's request; the rest come back.
    fn goes_out(&mut self, sip: &[u8]) -> bool {
        let Some(s) = crate::trace::skim::skim(sip) else {
            return true;
        };
        let tag = crate::trace::skim::name_addr_param(s.from, b"tag");
        let caller = self
            .callers
            .entry(s.call_id.into())
            .or_insert_with(|| tag.into());
        let request = matches!(s.start, crate::trace::skim::Start::Request { .. });
        request == (**caller == *tag)
    }
}

impl Sink for LogSynth<'_> {
    fn record(&mut self, r: Record<'_>) {
        if self.error.is_some() || !self.frames.contains(&(self.file, r.frame)) {
            return;
        }
        let known = |e: Option<crate::trace::Endpoint>| e.map(|e| (e.ip, e.port));
        let (s, d) = (known(r.src), known(r.dst));
        let v6 = |e: Option<(IpAddr, u16)>| e.is_some_and(|(ip, _)| ip.is_ipv6());
        let host = if v6(s) || v6(d) {
            self.counts.host_v6 |= s.is_none() || d.is_none();
            (IpAddr::V6(LOG_HOST_V6.0), LOG_HOST_V6.1)
        } else {
            (IpAddr::V4(LOG_HOST.0), LOG_HOST.1)
        };
        let (src, dst) = match (s, d) {
            (Some(s), Some(d)) => (s, d),
            (Some(s), None) => (s, host),
            (None, Some(d)) => (host, d),
            (None, None) => {
                let peer = (IpAddr::V4(LOG_PEER.0), LOG_PEER.1);
                if self.goes_out(r.sip()) {
                    (host, peer)
                } else {
                    (peer, host)
                }
            }
        };
        let sip = r.sip();
        let time = r.time_ns.unwrap_or_else(|| {
            i64::try_from(r.frame)
                .unwrap_or(0)
                .saturating_mul(1_000_000)
        });
        let too_big = sip.len() > MAX_UDP_PAYLOAD;
        if r.transport != Transport::Tcp && !too_big {
            let frame = udp_frame(src.0, src.1, dst.0, dst.1, sip);
            self.put(time, &frame);
            return;
        }
        // TCP segments, numbered on from this direction's last message.
        self.counts.tcp += 1;
        if too_big && r.transport != Transport::Tcp {
            self.counts.too_big += 1;
        }
        let (src, dst) = same_family(src, dst);
        let ack = *self.seqs.get(&(dst, src)).unwrap_or(&FIRST_SEQ);
        let mut seq = *self.seqs.get(&(src, dst)).unwrap_or(&FIRST_SEQ);
        let mss = if src.0.is_ipv6() { MSS - 20 } else { MSS };
        let mut chunks = sip.chunks(mss).peekable();
        while let Some(chunk) = chunks.next() {
            // ACK on every segment, PSH on the last.
            let flags = if chunks.peek().is_none() { 0x18 } else { 0x10 };
            let seg = tcp(src.0, src.1, dst.0, dst.1, seq, ack, flags, chunk);
            let (ty, pkt) = ip(src.0, dst.0, 6, &seg);
            self.put(time, &ethernet(ty, &pkt));
            if self.error.is_some() {
                return;
            }
            seq = seq.wrapping_add(chunk.len() as u32);
        }
        self.seqs.insert((src, dst), seq);
    }
    fn problem(&mut self, _: Problem) {}
}

/// Two endpoints of one family: mixed ones are both carried as IPv6 (as
/// [`udp_frame`] does).
fn same_family(a: Peer, b: Peer) -> (Peer, Peer) {
    let v6 = |ip: IpAddr| match ip {
        IpAddr::V4(a) => IpAddr::V6(a.to_ipv6_mapped()),
        v6 => v6,
    };
    if a.0.is_ipv4() == b.0.is_ipv4() {
        (a, b)
    } else {
        ((v6(a.0), a.1), (v6(b.0), b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs that overlap (or touch) share a run, in input order; runs
    /// come earliest first whatever the order of the inputs.
    #[test]
    fn overlapping_inputs_share_a_run() {
        let inputs: Vec<Input> = (0..5).map(|_| Input::Bytes(Vec::new())).collect();
        let span = |first, last| Span { first, last };
        let spans = vec![
            (span(50, 60), 0, &inputs[0]),
            (span(10, 20), 1, &inputs[1]),
            (span(20, 30), 2, &inputs[2]),
            (span(0, 5), 3, &inputs[3]),
            (span(12, 13), 4, &inputs[4]),
        ];
        let files: Vec<Vec<u32>> = runs(spans)
            .iter()
            .map(|run| run.iter().map(|&(file, _)| file).collect())
            .collect();
        assert_eq!(files, [vec![3], vec![1, 2, 4], vec![0]]);
    }
}
