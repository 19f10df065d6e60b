//! `--export-pcap`: copy chosen frames into a new capture.
//!
//! Frames of captures are copied byte for byte with their time and wire
//! length. The output is a pcap when every chosen frame has the same link
//! type, a pcapng (one interface per link type) otherwise. Messages from
//! text logs have no packets: each becomes an Ethernet/IP/UDP frame
//! between the addresses the log gives, at the log's time (the Unix epoch
//! plus the entry number in milliseconds when it gives none). A side the
//! log does not name is the logging host itself (a PBX names only the far
//! end): [`LOG_HOST`], the same for every message, so that the host is one
//! party of the flow; when neither side is named, the message goes from
//! [`LOG_HOST`] to [`LOG_PEER`].
//!
//! Packets are written in time order across the inputs, as the report
//! merges them into one timeline: inputs whose chosen packets do not
//! overlap in time are written one after the other, earliest first;
//! inputs that overlap are merged packet by packet (equal times keep the
//! order of the inputs, then of the packets), each read on a thread of
//! its own that hands its packets over a short channel, so memory holds a
//! few packets per input however large the files. An input keeps its own
//! order: one that is not in time order itself is not sorted.

use super::build::{PcapWriter, PcapngWriter, Resolution, udp_frame};
use super::capture::{Frame, Frames};
use super::packet::Out;
use super::source::Source;
use super::{Input, ReadError, link, open_until};
use crate::trace::{Format, Problem, Record, Sink, logs};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

/// Copy the original packets with these (file index, frame number) pairs
/// into a new pcap (or pcapng when the chosen frames mix link types); for
/// text-log inputs synthesise UDP packets. Returns the packets written.
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

    // First pass: which link types do the chosen frames have, and when
    // does each input's first and last chosen packet come?
    let mut linktypes: Vec<u32> = Vec::new();
    let mut spans: Vec<(Span, u32, &Input)> = Vec::new();
    for &(file, input) in &used {
        let mut survey = Survey {
            linktypes: &mut linktypes,
            span: None,
        };
        copy_input(file, input, forced, frames, &mut survey, None)?;
        if let Some(span) = survey.span {
            spans.push((span, file, input));
        }
    }

    let mut writer = match linktypes.as_slice() {
        [] | [_] => Writer::Pcap(
            PcapWriter::new(
                out,
                linktypes.first().copied().unwrap_or(link::ETHERNET),
                Resolution::Micro,
                false,
                262_144,
            )
            .map_err(write_err)?,
        ),
        _ => Writer::Pcapng(PcapngWriter::new(out, false).map_err(write_err)?),
    };

    // Second pass: write them, in time order.
    let mut written = 0u64;
    for run in runs(spans) {
        written += match run.as_slice() {
            &[(file, input)] => copy_input(file, input, forced, frames, &mut writer, None)?,
            run => merge(run, forced, frames, &mut writer)?,
        };
    }
    match &mut writer {
        Writer::Pcap(w) => w.flush(),
        Writer::Pcapng(w) => w.flush(),
    }
    .map_err(write_err)?;
    Ok(written)
}

fn write_err(e: io::Error) -> ReadError {
    ReadError::Write {
        reason: e.to_string(),
        kind: e.kind(),
    }
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

/// A chosen packet on its way from an input's thread to the merge.
struct Packet {
    linktype: u32,
    time_ns: i64,
    data: Vec<u8>,
    origlen: u32,
}

/// Write the chosen packets of inputs whose times overlap, merged by time
/// (see the module's notes). Returns the packets written.
fn merge(
    run: &[(u32, &Input)],
    forced: Format,
    frames: &BTreeSet<(u32, u64)>,
    writer: &mut Writer<'_>,
) -> Result<u64, ReadError> {
    // Set when the merge gives up (a write failed): the inputs' threads
    // stop at their next read instead of reading to the end.
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|s| {
        let mut sources = Vec::with_capacity(run.len());
        let mut threads = Vec::with_capacity(run.len());
        for &(file, input) in run {
            let (tx, rx) = sync_channel::<Packet>(DEPTH);
            let thread = std::thread::Builder::new()
                .name("sipfix-export".into())
                .spawn_scoped(s, move || {
                    copy_input(file, input, forced, frames, &mut ToMerge(tx), Some(stop))
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
            if let Err(e) = writer.put(p.linktype, p.time_ns, &p.data, p.origlen) {
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
        let mut result = failed.map_or(Ok(written), Err);
        for t in threads {
            match t.join() {
                // A write error of an input's thread is only the merge
                // having stopped; any other error is the input's.
                Ok(Err(e)) if result.is_ok() && !matches!(e, ReadError::Write { .. }) => {
                    result = Err(e);
                }
                Ok(_) => {}
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        result
    })
}

/// Read one input and put its chosen packets; returns how many were put.
/// With `stop`, the input's reads fail once it is set.
fn copy_input(
    file: u32,
    input: &Input,
    forced: Format,
    frames: &BTreeSet<(u32, u64)>,
    put: &mut dyn Put,
    stop: Option<&AtomicBool>,
) -> Result<u64, ReadError> {
    let (mut src, format) = open_until(input, forced, stop)?;
    let (written, error) = match format {
        Format::Pcap | Format::Pcapng => {
            let mut c = Copier {
                file,
                frames,
                put,
                written: 0,
                error: None,
            };
            frame_pass(format, &mut src, &mut c);
            (c.written, c.error)
        }
        _ => {
            let mut s = LogSynth {
                file,
                frames,
                put,
                written: 0,
                error: None,
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
            (s.written, s.error)
        }
    };
    error.map_or(Ok(written), |e| Err(write_err(e)))
}

/// Frame a capture without decoding; problems were reported when it was
/// read, so they are ignored here.
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
    fn put(&mut self, linktype: u32, time_ns: i64, data: &[u8], origlen: u32) -> io::Result<()>;
}

enum Writer<'w> {
    Pcap(PcapWriter<&'w mut dyn Write>),
    Pcapng(PcapngWriter<&'w mut dyn Write>),
}

impl Put for Writer<'_> {
    fn put(&mut self, linktype: u32, time_ns: i64, data: &[u8], origlen: u32) -> io::Result<()> {
        match self {
            Writer::Pcap(w) => w.packet(time_ns, data, origlen),
            Writer::Pcapng(w) => {
                let iface = w.iface_for(linktype)?;
                w.packet(iface, time_ns, data, origlen)
            }
        }
    }
}

/// The first pass: the link types of the chosen packets and their span.
struct Survey<'a> {
    linktypes: &'a mut Vec<u32>,
    span: Option<Span>,
}

impl Put for Survey<'_> {
    fn put(&mut self, linktype: u32, time_ns: i64, _: &[u8], _: u32) -> io::Result<()> {
        if !self.linktypes.contains(&linktype) {
            self.linktypes.push(linktype);
        }
        self.span = Some(match self.span {
            None => Span {
                first: time_ns,
                last: time_ns,
            },
            Some(s) => Span {
                first: s.first.min(time_ns),
                last: s.last.max(time_ns),
            },
        });
        Ok(())
    }
}

/// An input's thread: each chosen packet is copied to the merge. Fails
/// once the merge has gone (it stopped on a write error).
struct ToMerge(SyncSender<Packet>);

impl Put for ToMerge {
    fn put(&mut self, linktype: u32, time_ns: i64, data: &[u8], origlen: u32) -> io::Result<()> {
        self.0
            .send(Packet {
                linktype,
                time_ns,
                data: data.to_vec(),
                origlen,
            })
            .map_err(|_| io::Error::other("the export stopped"))
    }
}

/// Puts the chosen frames of a capture.
struct Copier<'a> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    put: &'a mut dyn Put,
    written: u64,
    error: Option<io::Error>,
}

impl Frames for Copier<'_> {
    fn frame(&mut self, f: &Frame<'_>) {
        if self.error.is_some() || !self.frames.contains(&(self.file, f.meta.frame)) {
            return;
        }
        match self
            .put
            .put(f.linktype, f.meta.time_ns.unwrap_or(0), f.data, f.origlen)
        {
            Ok(()) => self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
    fn problem(&mut self, _: Option<u64>, _: String) {}
}

/// The address given to the logging host in frames made from a log.
pub const LOG_HOST: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 1), 5060);
/// The far end, when a log names neither side of a message.
const LOG_PEER: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 2), 5060);

/// Turns chosen log entries into UDP frames and puts them.
struct LogSynth<'a> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    put: &'a mut dyn Put,
    written: u64,
    error: Option<io::Error>,
}

/// The largest UDP payload an IPv4 packet holds.
const MAX_UDP_PAYLOAD: usize = 65_507;

impl Sink for LogSynth<'_> {
    fn record(&mut self, r: Record<'_>) {
        if self.error.is_some() || !self.frames.contains(&(self.file, r.frame)) {
            return;
        }
        let known = |e: Option<crate::trace::Endpoint>| e.map(|e| (e.ip, e.port));
        let host = (IpAddr::V4(LOG_HOST.0), LOG_HOST.1);
        let (src, dst) = match (known(r.src), known(r.dst)) {
            (Some(s), Some(d)) => (s, d),
            (Some(s), None) => (s, host),
            (None, Some(d)) => (host, d),
            (None, None) => (host, (IpAddr::V4(LOG_PEER.0), LOG_PEER.1)),
        };
        let sip = r.sip();
        let sip = &sip[..sip.len().min(MAX_UDP_PAYLOAD)];
        let frame = udp_frame(src.0, src.1, dst.0, dst.1, sip);
        let time = r.time_ns.unwrap_or_else(|| {
            i64::try_from(r.frame)
                .unwrap_or(0)
                .saturating_mul(1_000_000)
        });
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        match self.put.put(link::ETHERNET, time, &frame, len) {
            Ok(()) => self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
    fn problem(&mut self, _: Problem) {}
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
