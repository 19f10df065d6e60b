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

use super::build::{PcapWriter, PcapngWriter, Resolution, udp_frame};
use super::capture::{Frame, Frames};
use super::packet::Out;
use super::source::Source;
use super::{Input, ReadError, link, open};
use crate::trace::{Format, Problem, Record, Sink, logs};
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

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

    // First pass: which link types do the chosen frames have?
    let mut linktypes: Vec<u32> = Vec::new();
    for &(file, input) in &used {
        let (mut src, format) = open(input, forced)?;
        match format {
            Format::Pcap | Format::Pcapng => {
                let mut c = LinkTypes {
                    file,
                    frames,
                    linktypes: &mut linktypes,
                };
                frame_pass(format, &mut src, &mut c);
            }
            _ => {
                if !linktypes.contains(&link::ETHERNET) {
                    linktypes.push(link::ETHERNET);
                }
            }
        }
    }

    let write_err = |e: io::Error| ReadError::Write {
        reason: e.to_string(),
        kind: e.kind(),
    };
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

    // Second pass: write them.
    let mut written = 0u64;
    for &(file, input) in &used {
        let (mut src, format) = open(input, forced)?;
        match format {
            Format::Pcap | Format::Pcapng => {
                let mut c = Copier {
                    file,
                    frames,
                    writer: &mut writer,
                    written: &mut written,
                    error: None,
                };
                frame_pass(format, &mut src, &mut c);
                if let Some(e) = c.error {
                    return Err(write_err(e));
                }
            }
            _ => {
                let mut s = LogSynth {
                    file,
                    frames,
                    writer: &mut writer,
                    written: &mut written,
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
                if let Some(e) = s.error {
                    return Err(write_err(e));
                }
            }
        }
    }
    match &mut writer {
        Writer::Pcap(w) => w.flush(),
        Writer::Pcapng(w) => w.flush(),
    }
    .map_err(write_err)?;
    Ok(written)
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

enum Writer<'w> {
    Pcap(PcapWriter<&'w mut dyn Write>),
    Pcapng(PcapngWriter<&'w mut dyn Write>),
}

impl Writer<'_> {
    fn write(&mut self, linktype: u32, time_ns: i64, data: &[u8], origlen: u32) -> io::Result<()> {
        match self {
            Writer::Pcap(w) => w.packet(time_ns, data, origlen),
            Writer::Pcapng(w) => {
                let iface = w.iface_for(linktype)?;
                w.packet(iface, time_ns, data, origlen)
            }
        }
    }
}

struct LinkTypes<'a> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    linktypes: &'a mut Vec<u32>,
}

impl Frames for LinkTypes<'_> {
    fn frame(&mut self, f: &Frame<'_>) {
        if self.frames.contains(&(self.file, f.meta.frame)) && !self.linktypes.contains(&f.linktype)
        {
            self.linktypes.push(f.linktype);
        }
    }
    fn problem(&mut self, _: Option<u64>, _: String) {}
}

struct Copier<'a, 'w> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    writer: &'a mut Writer<'w>,
    written: &'a mut u64,
    error: Option<io::Error>,
}

impl Frames for Copier<'_, '_> {
    fn frame(&mut self, f: &Frame<'_>) {
        if self.error.is_some() || !self.frames.contains(&(self.file, f.meta.frame)) {
            return;
        }
        match self
            .writer
            .write(f.linktype, f.meta.time_ns.unwrap_or(0), f.data, f.origlen)
        {
            Ok(()) => *self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
    fn problem(&mut self, _: Option<u64>, _: String) {}
}

/// The address given to the logging host in frames made from a log.
pub const LOG_HOST: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 1), 5060);
/// The far end, when a log names neither side of a message.
const LOG_PEER: (Ipv4Addr, u16) = (Ipv4Addr::new(127, 0, 0, 2), 5060);

/// Turns chosen log entries into UDP frames.
struct LogSynth<'a, 'w> {
    file: u32,
    frames: &'a BTreeSet<(u32, u64)>,
    writer: &'a mut Writer<'w>,
    written: &'a mut u64,
    error: Option<io::Error>,
}

/// The largest UDP payload an IPv4 packet holds.
const MAX_UDP_PAYLOAD: usize = 65_507;

impl Sink for LogSynth<'_, '_> {
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
        match self.writer.write(link::ETHERNET, time, &frame, len) {
            Ok(()) => *self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
    fn problem(&mut self, _: Problem) {}
}
