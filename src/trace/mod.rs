//! Reading a whole trace (a capture or a PBX log) and triaging its calls.
//!
//! The layers, each testable alone (see the README's architecture section):
//!
//! ```text
//! bytes -> records (pcap / pcapng / text-log framing, timestamps)        [read]
//!   -> packets (link layer) -> datagrams and streams (IP defragmentation,
//!      TCP reassembly, HEP, WebSocket) -> one SIP message each         [read]
//!   -> [`Record`]s handed to a [`Sink`]
//!   -> transactions -> calls/dialogs -> findings -> report              [analysis]
//! ```
//!
//! This file is the contract between the readers and the analysis: the
//! readers know nothing of calls, the analysis knows nothing of link types.

pub mod logs;
pub mod read;
#[doc(hidden)]
pub mod synth;

pub use read::{
    ACCEPTED_FORMATS, Exported, Input, ReadError, check_inputs, detect, export_capture,
    export_pcap, format_name, read_inputs,
};

use std::net::IpAddr;

// The analysis: from SIP messages to calls, findings and metrics.
pub mod api;
mod digest;
pub mod filter;
pub mod findings;
pub mod metrics;
pub mod model;
mod pipeline;
pub mod report;
pub mod skim;
#[doc(hidden)]
pub mod testkit;

pub use api::{CallLookup, RawMessage, analyze, call_messages, lookup_call, with_messages};
pub use findings::{Evidence, Finding, Severity};
pub use metrics::Summary;
pub use model::{Analyzer, Call, Keep, Method, Msg, Options, Outcome, Triage};

/// An address and port a SIP message was sent from or to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// The transport a message travelled on, as far as the trace tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Sctp,
    Ws,
    Wss,
    #[default]
    Unknown,
}

/// One SIP message found in a trace, handed to the [`Sink`] by a reader.
///
/// The message ([`Record::sip`]) borrows the reader's buffer and is valid
/// only during the call: a sink keeps what it needs (a summary, or a copy
/// for the calls it was asked to keep), never the slice itself.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// Index of the input file (in the order given on the command line).
    pub file: u32,
    /// 1-based number of the packet (capture) or log entry (text log) that
    /// completed this message, as Wireshark / the log would number it.
    pub frame: u64,
    /// Every frame that carried a piece of this message (fragments, TCP
    /// segments); `[frame]` for a message in a single packet. Used by
    /// `--export-pcap` to copy the original packets.
    pub frames: &'a [u64],
    /// Capture time in nanoseconds since the Unix epoch (UTC); `None` when a
    /// log line carries no time.
    pub time_ns: Option<i64>,
    pub src: Option<Endpoint>,
    pub dst: Option<Endpoint>,
    pub transport: Transport,
    /// The capture interface the packet was seen on: the pcapng interface
    /// number (counted over the whole file), plus the Linux kernel's
    /// interface index times 65536 for Linux cooked v2 frames; 0 for pcap
    /// files of other link types and for text logs. The same bytes at
    /// nearly the same time with different `interface` values are one
    /// packet seen twice (e.g. `tcpdump -i any` on a VLAN and its parent),
    /// not a retransmission.
    pub interface: u32,
    /// The bytes the message is in: the message itself, or with
    /// `datagram` the whole rest of a datagram that starts with it.
    pub(crate) payload: &'a [u8],
    /// `payload` is the rest of a datagram: the message is its headers and
    /// Content-Length bytes of body when the datagram holds that many (the
    /// rest is discarded, RFC 3261 §18.3), else the whole of it. Framing is
    /// left to the scan ([`skim::skim`] finds the end of the headers and
    /// Content-Length on its one walk over the lines), so that a datagram's
    /// header block is walked once, not twice.
    pub(crate) datagram: bool,
}

impl<'a> Record<'a> {
    /// Exactly one SIP message: start line, headers, and the body as framed
    /// by Content-Length (or the datagram's end).
    pub fn sip(&self) -> &'a [u8] {
        if self.datagram {
            &self.payload[..read::sip::datagram_len(self.payload)]
        } else {
            self.payload
        }
    }
}

/// Something wrong in the input that did not stop the reading: a truncated
/// packet, a TCP gap, an unparsable log entry. Listed in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: u32,
    /// The packet or log entry it concerns, when there is one.
    pub frame: Option<u64>,
    /// One sentence, plain text (sanitised when shown).
    pub text: String,
}

/// What a reader hands its results to.
pub trait Sink {
    /// One SIP message.
    fn record(&mut self, record: Record<'_>);
    /// A non-fatal problem in the input.
    fn problem(&mut self, problem: Problem);
    /// A problem that sums up a whole input, known only at its end (how
    /// many of its packets the capture cut short): a report lists it
    /// before the input's other problems, which it explains.
    fn input_problem(&mut self, problem: Problem) {
        self.problem(problem);
    }
    /// Progress: `done` of `total` input bytes read so far (for a progress
    /// bar or the TUI's loading line). Called now and then, not per packet.
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// Frames `frames` of input `file` carried only bytes of a TCP stream
    /// that frames `of` had carried (a TCP retransmission, which the
    /// reassembly drops). Told only when the reader is asked to (the
    /// export, which copies them with the message they repeat).
    fn tcp_retransmission(&mut self, _file: u32, _frames: &[u64], _of: &[u64]) {}
    /// A SIP message the capture cut short (its snap length) before the
    /// headers that place it in a call (see [`Cut`]): not handed on as a
    /// record, but told, so that a request whose answer it may be is not
    /// taken for one that got none.
    fn cut(&mut self, _cut: Cut) {}
    /// A message of a packet the capture cut short (its snap length) that
    /// still has every header that places it in a call, but may have lost
    /// other headers or its body: handed on like [`Sink::record`] (the
    /// default), marked so that what it lacks is not taken for what its
    /// sender left out.
    fn cut_record(&mut self, record: Record<'_>) {
        self.record(record);
    }
}

/// A SIP message of a packet the capture cut short before its Call-ID,
/// CSeq, Via, From or To: which call it belongs to cannot be told, but
/// where it went and when can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    pub file: u32,
    pub frame: u64,
    pub time_ns: Option<i64>,
    pub src: Option<Endpoint>,
    pub dst: Option<Endpoint>,
    /// It may be a response: its status line survived, or not even its
    /// start line did.
    pub answer: bool,
    /// It may be a request (an ACK, BYE or NOTIFY that seems missing):
    /// its request line survived, or not even its start line did.
    pub request: bool,
    /// Not one message but bytes of a TCP stream the capture lost (a
    /// gap): any messages, requests or responses, may have been in them.
    pub gap: bool,
}

/// The input formats `sipfix triage --format` names; `Auto` detects by
/// content (never by file name alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    #[default]
    Auto,
    Pcap,
    Pcapng,
    /// Asterisk `pjsip set logger on` (res/res_pjsip_logger.c).
    Pjsip,
    /// Asterisk chan_sip `sip set debug on`.
    ChanSip,
    /// FreeSWITCH sofia siptrace (libsofia-sip-ua/tport/tport_logging.c).
    Sofia,
    /// Kamailio sipdump module text files.
    Sipdump,
    /// sngrep "Save as .txt".
    Sngrep,
    /// ngrep `-W byline`.
    Ngrep,
    /// Raw SIP messages one after the other.
    Raw,
}

impl Format {
    /// A program's own log of what it sent and took: each entry is one
    /// packet, never one packet seen twice (as a capture on two interfaces
    /// can). ngrep and sngrep show captures, so they are not.
    pub fn logs_each_packet_once(self) -> bool {
        matches!(
            self,
            Format::Pjsip | Format::ChanSip | Format::Sofia | Format::Sipdump
        )
    }
}

/// What a reader learnt about one input, for the report's header line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceInfo {
    /// The path as given (`-` for standard input).
    pub path: String,
    /// The format detected (or forced), never `Auto`.
    pub format: Format,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// Link types seen (pcap/pcapng), e.g. `"Ethernet"`, `"Linux cooked v2"`.
    pub link_types: Vec<String>,
    /// Packets (capture) or log entries (text) read.
    pub packets: u64,
    /// SIP messages handed to the sink.
    pub sip_messages: u64,
    /// Input bytes (after decompression).
    pub bytes: u64,
}

#[cfg(test)]
mod tests;
