//! From one captured frame to SIP messages: link layer, IP (and tunnels),
//! UDP, then the SIP framing. Owns the per-file state that spans packets.

use super::defrag::{Defrag, Fragment, Key, Outcome};
use super::tcp::{Ctx, FlowKey, Seg, Tcp};
use super::{hep, link, sip};
use crate::trace::{Cut, Endpoint, Problem, Record, Sink, Transport};
use etherparse::{LaxIpSlice, TcpSlice, UdpSlice};
use std::net::IpAddr;

/// Problems listed per input before further ones are only counted (a
/// capture of nothing but broken packets would otherwise fill memory).
pub(crate) const MAX_LISTED_PROBLEMS: u64 = 10_000;

/// How deep tunnels (IP-in-IP, GRE) may nest.
const MAX_DEPTH: u8 = 8;

/// What a capture record says about one frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta {
    /// 1-based frame number.
    pub frame: u64,
    pub time_ns: Option<i64>,
    /// Capture interface (pcapng interface number, 0 for pcap).
    pub iface: u32,
    /// The frame was cut short when captured (snap length).
    pub cut: bool,
}

/// The sink of one input, with its counters and the problem cap.
pub(crate) struct Out<'s> {
    pub file: u32,
    pub sink: &'s mut dyn Sink,
    pub messages: u64,
    problems: u64,
    /// Tell the sink of TCP retransmissions
    /// ([`Sink::tcp_retransmission`]); off unless asked (the export asks),
    /// as remembering whose bytes they carry costs memory per stream.
    pub retransmissions: bool,
}

impl<'s> Out<'s> {
    pub fn new(file: u32, sink: &'s mut dyn Sink) -> Self {
        Out {
            file,
            sink,
            messages: 0,
            problems: 0,
            retransmissions: false,
        }
    }

    /// `frames` carried again bytes of a TCP stream that `of` carried
    /// first (see [`Sink::tcp_retransmission`]).
    pub fn retransmission(&mut self, frames: &[u64], of: &[u64]) {
        self.sink.tcp_retransmission(self.file, frames, of);
    }

    /// Hand on a message (its `file` is set to this input's).
    pub fn record(&mut self, r: Record<'_>) {
        self.messages += 1;
        self.sink.record(Record {
            file: self.file,
            ..r
        });
    }

    /// Hand on a message the capture cut short ([`Sink::cut_record`]).
    pub fn cut_record(&mut self, r: Record<'_>) {
        self.messages += 1;
        self.sink.cut_record(Record {
            file: self.file,
            ..r
        });
    }

    pub fn problem(&mut self, frame: Option<u64>, text: impl Into<String>) {
        self.problems += 1;
        if self.problems <= MAX_LISTED_PROBLEMS {
            self.sink.problem(Problem {
                file: self.file,
                frame,
                text: text.into(),
            });
        }
    }

    /// A problem about the whole input (see [`Sink::input_problem`]);
    /// counted, but listed whatever the cap.
    pub fn input_problem(&mut self, text: String) {
        self.problems += 1;
        self.sink.input_problem(Problem {
            file: self.file,
            frame: None,
            text,
        });
    }

    /// Say how many problems were counted but not listed; call once at the
    /// end of the input.
    pub fn finish(&mut self) {
        if self.problems > MAX_LISTED_PROBLEMS {
            let more = self.problems - MAX_LISTED_PROBLEMS;
            self.sink.problem(Problem {
                file: self.file,
                frame: None,
                text: format!(
                    "{more} more problems in this input were not listed \
                     (only the first {MAX_LISTED_PROBLEMS} are)"
                ),
            });
        }
    }
}

/// The packet decoder of one input.
#[derive(Default)]
pub(crate) struct Decoder {
    /// Link types already reported as unreadable.
    unsupported: Vec<u32>,
    defrag: Defrag,
    tcp: Tcp,
    /// SCTP user messages split over several DATA chunks were seen (told
    /// once).
    sctp_fragments_told: bool,
    /// The captured length of the frame being decoded.
    caplen: u32,
    /// The SIP datagrams the capture cut to its snap length (told once,
    /// at the end).
    cuts: Cuts,
}

/// The SIP datagrams of one input that the capture cut to its snap
/// length: counted, and told in one problem line at the end rather than
/// one per packet.
#[derive(Default)]
struct Cuts {
    packets: u64,
    /// Those that lost a header that places them in a call.
    unplaced: u64,
    first_frame: u64,
    /// The shortest and longest captured frame among them (the snap
    /// length, or lengths when interfaces differ).
    min_len: u32,
    max_len: u32,
}

impl Cuts {
    fn add(&mut self, frame: u64, caplen: u32, placed: bool) {
        if self.packets == 0 {
            self.first_frame = frame;
            self.min_len = caplen;
        }
        self.packets += 1;
        self.unplaced += u64::from(!placed);
        self.min_len = self.min_len.min(caplen);
        self.max_len = self.max_len.max(caplen);
    }

    /// The problem line, when there were any.
    fn text(&self) -> Option<String> {
        if self.packets == 0 {
            return None;
        }
        let n = self.packets;
        let len = if self.min_len == self.max_len {
            format!("{} bytes", self.max_len)
        } else {
            format!("{} to {} bytes", self.min_len, self.max_len)
        };
        let (packets, their) = if n == 1 {
            ("SIP packet", "its message is")
        } else {
            ("SIP packets", "their messages are")
        };
        let unplaced = match self.unplaced {
            0 => String::new(),
            u if u == n && n == 1 => {
                "; it lost its Call-ID, CSeq, Via, From or To and is in no call".to_string()
            }
            u if u == n => {
                "; each lost its Call-ID, CSeq, Via, From or To and is in no call".to_string()
            }
            u => format!(
                "; {u} of them lost their Call-ID, CSeq, Via, From or To and are in no call"
            ),
        };
        Some(format!(
            "{n} {packets} cut to the capture's snap length ({len}; the first is frame {}): \
             {their} incomplete, a line cut short is not read{unplaced}; capture with -s 0 \
             to keep whole packets",
            self.first_frame
        ))
    }
}

/// Where an IP packet came from and went to.
#[derive(Clone, Copy)]
struct Addrs {
    src: IpAddr,
    dst: IpAddr,
}

/// What travels with a payload down the layers: the frame's metadata and
/// every frame that carried a piece of it.
#[derive(Clone, Copy)]
struct At<'f> {
    meta: &'f Meta,
    frames: &'f [u64],
}

impl Decoder {
    /// Decode one captured frame.
    pub fn frame(&mut self, linktype: u32, data: &[u8], meta: Meta, out: &mut Out<'_>) {
        self.caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        match link::unwrap(linktype, data) {
            Ok(Some(inner)) => {
                let mut meta = meta;
                if let Some(ifindex) = inner.ifindex {
                    meta.iface |= ifindex << 16;
                }
                let at = At {
                    meta: &meta,
                    frames: std::slice::from_ref(&meta.frame),
                };
                self.ip(inner.ip, at, 0, out);
            }
            Ok(None) => {
                if !link::supported(linktype) && !self.unsupported.contains(&linktype) {
                    self.unsupported.push(linktype);
                    out.problem(
                        Some(meta.frame),
                        format!(
                            "{} is not a link type sipfix reads; its frames are skipped",
                            link::name(linktype)
                        ),
                    );
                }
            }
            Err(e) => broken(out, &meta, e.to_string()),
        }
    }

    /// The input has ended: frame what the reassembly buffers hold and
    /// report what was left incomplete.
    pub fn finish(&mut self, out: &mut Out<'_>) {
        self.defrag
            .finish(&mut |frame, text| out.problem(Some(frame), text));
        self.tcp.finish(out);
        if let Some(text) = self.cuts.text() {
            out.input_problem(text);
        }
    }

    /// An IP packet (v4 or v6, told by its version nibble).
    fn ip(&mut self, data: &[u8], at: At<'_>, depth: u8, out: &mut Out<'_>) {
        let meta = at.meta;
        let ip = match LaxIpSlice::from_slice(data) {
            Ok((ip, _ext_err)) => ip,
            Err(e) => {
                use etherparse::err::ip::{HeaderError, LaxHeaderSliceError as E};
                let text = match e {
                    E::Len(l) => format!(
                        "truncated IP header ({} of {} bytes)",
                        l.len, l.required_len
                    ),
                    E::Content(HeaderError::UnsupportedIpVersion { version_number }) => {
                        format!("IP version {version_number} where IPv4 or IPv6 was expected")
                    }
                    E::Content(HeaderError::Ipv4HeaderLengthSmallerThanHeader { ihl }) => {
                        format!("broken IPv4 header (header length field {ihl}, at least 5)")
                    }
                };
                broken(out, meta, text);
                return;
            }
        };
        let addrs = Addrs {
            src: ip.source_addr(),
            dst: ip.destination_addr(),
        };
        let payload = ip.payload();
        if payload.fragmented {
            let Some((id, offset, more)) = fragment_fields(&ip) else {
                return;
            };
            let frag = Fragment {
                key: Key {
                    src: addrs.src,
                    dst: addrs.dst,
                    id,
                    proto: payload.ip_number.0,
                },
                offset,
                more,
                data: payload.payload,
                frame: meta.frame,
                time_ns: meta.time_ns,
            };
            let outcome = self
                .defrag
                .add(frag, &mut |frame, text| out.problem(Some(frame), text));
            match outcome {
                Outcome::Done(whole) => {
                    let at = At {
                        meta,
                        frames: &whole.frames,
                    };
                    self.transport(addrs, whole.proto, &whole.data, 0, at, depth, out);
                }
                Outcome::Waiting => {}
                Outcome::Refused(text) => out.problem(Some(meta.frame), text),
            }
            return;
        }
        // Bytes of the packet the capture lacks (snap length).
        let short = if payload.incomplete {
            let whole = match &ip {
                LaxIpSlice::Ipv4(v4) => usize::from(v4.header().total_len()),
                LaxIpSlice::Ipv6(v6) => 40 + usize::from(v6.header().payload_length()),
            };
            whole.saturating_sub(data.len()).max(1)
        } else {
            0
        };
        self.transport(
            addrs,
            payload.ip_number.0,
            payload.payload,
            short,
            at,
            depth,
            out,
        );
    }

    /// The payload of an IP packet (or reassembled datagram), `short` of
    /// its end bytes that the capture lacks.
    #[allow(clippy::too_many_arguments)]
    fn transport(
        &mut self,
        addrs: Addrs,
        proto: u8,
        data: &[u8],
        short: usize,
        at: At<'_>,
        depth: u8,
        out: &mut Out<'_>,
    ) {
        match proto {
            17 => self.udp(addrs, data, short > 0, at, depth, out),
            6 => self.tcp(addrs, data, short, at, out),
            // IP in IP (RFC 2003) and IPv6 in IP (RFC 4213).
            4 | 41 if depth < MAX_DEPTH => self.ip(data, at, depth + 1, out),
            47 if depth < MAX_DEPTH => self.gre(data, at, depth, out),
            132 => self.sctp(addrs, data, at, out),
            _ => {}
        }
    }

    /// A UDP datagram: HEP, VXLAN, or SIP when its payload starts with a
    /// start line.
    fn udp(
        &mut self,
        addrs: Addrs,
        data: &[u8],
        incomplete: bool,
        at: At<'_>,
        depth: u8,
        out: &mut Out<'_>,
    ) {
        let meta = at.meta;
        let udp = match UdpSlice::from_slice_lax(data) {
            Ok(u) => u,
            Err(_) => {
                broken(
                    out,
                    meta,
                    format!("truncated UDP header ({} of 8 bytes)", data.len()),
                );
                return;
            }
        };
        let payload = udp.payload();
        // The length field says more than the packet holds: cut short.
        let short = incomplete || usize::from(udp.length()) > data.len();
        let src = Endpoint {
            ip: addrs.src,
            port: udp.source_port(),
        };
        let dst = Endpoint {
            ip: addrs.dst,
            port: udp.destination_port(),
        };
        if hep::is_hep3(payload) {
            self.hep(src, dst, payload, at, out);
            return;
        }
        // VXLAN (RFC 7348): an Ethernet frame behind 8 bytes, port 4789.
        if dst.port == 4789 && payload.len() > 8 && payload[0] & 0x08 != 0 && depth < MAX_DEPTH {
            match link::ethernet(&payload[8..]) {
                Ok(Some(ip)) => self.ip(ip, at, depth + 1, out),
                Ok(None) => {}
                Err(e) => out.problem(Some(meta.frame), format!("inside VXLAN: {e}")),
            }
            return;
        }
        self.datagram(src, dst, payload, short, Transport::Udp, at, out);
    }

    /// A datagram's payload, SIP or not.
    #[allow(clippy::too_many_arguments)]
    fn datagram(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        payload: &[u8],
        short: bool,
        transport: Transport,
        at: At<'_>,
        out: &mut Out<'_>,
    ) {
        let meta = at.meta;
        let skip = sip::skip_blank(payload);
        let rest = &payload[skip..];
        if !sip::starts_sip(rest) {
            return;
        }
        if short {
            self.cut_datagram(src, dst, rest, transport, at, out);
            return;
        }
        out.record(Record {
            file: out.file,
            frame: meta.frame,
            frames: at.frames,
            time_ns: meta.time_ns,
            src: Some(src),
            dst: Some(dst),
            transport,
            interface: meta.iface,
            payload: rest,
            datagram: true,
        });
    }

    /// A datagram whose SIP message the packet holds only the start of
    /// (the capture's snap length, or a packet shorter than its IP or UDP
    /// length says). Its last line without a line end was cut inside: not
    /// a value (a Call-ID or tag cut short would invent a call), so it is
    /// left out; one whose CR survived is whole (a CR is only ever part of
    /// a line end in SIP). What is left is handed on when it still has
    /// every header that places it in a call, else told to the sink as a
    /// [`Cut`].
    #[cold]
    #[inline(never)]
    fn cut_datagram(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        payload: &[u8],
        transport: Transport,
        at: At<'_>,
        out: &mut Out<'_>,
    ) {
        let meta = at.meta;
        let lines = if payload.ends_with(b"\r") {
            payload
        } else {
            memchr::memrchr(b'\n', payload).map_or(&payload[..0], |i| &payload[..=i])
        };
        let skim = crate::trace::skim::skim_datagram(lines);
        let placed = skim.is_some_and(|s| {
            // With its blank line, every header is there (a missing one
            // is the sender's doing, told as it would be uncut).
            s.blank_line
                || (!s.call_id.is_empty()
                    && s.cseq.is_some()
                    && !s.cseq_method.is_empty()
                    && !s.via.is_empty()
                    && !s.from.is_empty()
                    && !s.to.is_empty())
        });
        if meta.cut {
            self.cuts.add(meta.frame, self.caplen, placed);
        } else {
            out.problem(
                Some(meta.frame),
                if placed {
                    "the SIP message is incomplete: the packet was cut short"
                } else {
                    "the SIP message is incomplete: the packet was cut short, and it lost its \
                     Call-ID, CSeq, Via, From or To, so it is in no call"
                },
            );
        }
        if placed {
            out.cut_record(Record {
                file: out.file,
                frame: meta.frame,
                frames: at.frames,
                time_ns: meta.time_ns,
                src: Some(src),
                dst: Some(dst),
                transport,
                interface: meta.iface,
                payload: lines,
                datagram: true,
            });
        } else {
            out.sink.cut(Cut {
                file: out.file,
                frame: meta.frame,
                time_ns: meta.time_ns,
                src: Some(src),
                dst: Some(dst),
                answer: skim.is_none_or(|s| s.is_response()),
                request: skim.is_none_or(|s| !s.is_response()),
                gap: false,
            });
        }
    }

    /// A HEPv3 packet in a datagram: the SIP inside, with the addresses,
    /// time and transport HEP gives.
    fn hep(&mut self, src: Endpoint, dst: Endpoint, payload: &[u8], at: At<'_>, out: &mut Out<'_>) {
        let meta = at.meta;
        let h = match hep::parse(payload) {
            Ok(h) => h,
            Err(e) => {
                broken(out, meta, format!("broken HEP packet: {e}"));
                return;
            }
        };
        if h.payload_type.is_some_and(|t| t != 1) {
            return;
        }
        let lead = sip::skip_blank(&h.payload);
        let m = &h.payload[lead..];
        if !sip::starts_sip(m) {
            return;
        }
        out.record(Record {
            file: out.file,
            frame: meta.frame,
            frames: at.frames,
            time_ns: h.time_ns.or(meta.time_ns),
            src: h.src.or(Some(src)),
            dst: h.dst.or(Some(dst)),
            transport: h.transport,
            interface: meta.iface,
            payload: m,
            datagram: true,
        });
    }

    /// A TCP segment, to its direction's reassembly; `short` of its
    /// payload's end bytes were not captured.
    fn tcp(&mut self, addrs: Addrs, data: &[u8], short: usize, at: At<'_>, out: &mut Out<'_>) {
        let meta = at.meta;
        let seg = match TcpSlice::from_slice(data) {
            Ok(s) => s,
            Err(_) => {
                broken(
                    out,
                    meta,
                    format!("truncated or broken TCP header ({} bytes)", data.len()),
                );
                return;
            }
        };
        let key = FlowKey {
            src: Endpoint {
                ip: addrs.src,
                port: seg.source_port(),
            },
            dst: Endpoint {
                ip: addrs.dst,
                port: seg.destination_port(),
            },
        };
        self.tcp.segment(
            key,
            Seg {
                seq: seg.sequence_number(),
                ack: seg.ack().then(|| seg.acknowledgment_number()),
                syn: seg.syn(),
                data: seg.payload(),
                cut: u32::try_from(short).unwrap_or(u32::MAX),
            },
            Ctx {
                frame: meta.frame,
                frames: at.frames,
                time_ns: meta.time_ns,
                iface: meta.iface,
            },
            out,
        );
    }

    /// GRE (RFC 2784, 2890; version 1 as PPTP uses it) and the ERSPAN
    /// mirroring it carries: the packet inside.
    fn gre(&mut self, data: &[u8], at: At<'_>, depth: u8, out: &mut Out<'_>) {
        let meta = at.meta;
        match gre_payload(data) {
            Ok(Some(ip)) => self.ip(ip, at, depth + 1, out),
            Ok(None) => {}
            Err(e) => broken(out, meta, e.to_string()),
        }
    }

    /// SCTP (RFC 9260): each DATA chunk holding a whole user message is
    /// a datagram; messages split over several chunks are not reassembled.
    fn sctp(&mut self, addrs: Addrs, data: &[u8], at: At<'_>, out: &mut Out<'_>) {
        if data.len() < 12 {
            return;
        }
        let src = Endpoint {
            ip: addrs.src,
            port: u16::from_be_bytes([data[0], data[1]]),
        };
        let dst = Endpoint {
            ip: addrs.dst,
            port: u16::from_be_bytes([data[2], data[3]]),
        };
        let mut rest = &data[12..];
        while rest.len() >= 4 {
            let (ty, flags) = (rest[0], rest[1]);
            let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            if len < 4 || len > rest.len() {
                return;
            }
            // DATA (0) and I-DATA (64, RFC 8260) chunks.
            let header = match ty {
                0 => 16,
                64 => 20,
                _ => 0,
            };
            if header > 0 && len >= header {
                let whole = flags & 0x03 == 0x03;
                let user = &rest[header..len];
                if whole {
                    self.datagram(src, dst, user, false, Transport::Sctp, at, out);
                } else if !self.sctp_fragments_told && sip::starts_sip(user) {
                    self.sctp_fragments_told = true;
                    out.problem(
                        Some(at.meta.frame),
                        "a SIP message over SCTP is split over several DATA chunks; \
                         sipfix does not reassemble SCTP, such messages are skipped",
                    );
                }
            }
            // Chunks are padded to 4 bytes.
            let padded = len.div_ceil(4) * 4;
            rest = &rest[padded.min(rest.len())..];
        }
    }
}

/// Identification, byte offset and more-fragments flag of a fragment.
fn fragment_fields(ip: &LaxIpSlice<'_>) -> Option<(u32, usize, bool)> {
    match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            Some((
                u32::from(h.identification()),
                usize::from(h.fragments_offset().value()) * 8,
                h.more_fragments(),
            ))
        }
        LaxIpSlice::Ipv6(v6) => v6.extensions().clone().into_iter().find_map(|e| match e {
            etherparse::Ipv6ExtensionSlice::Fragment(f) => Some((
                f.identification(),
                usize::from(f.fragment_offset().value()) * 8,
                f.more_fragments(),
            )),
            _ => None,
        }),
    }
}

/// The IP packet inside a GRE packet.
fn gre_payload(data: &[u8]) -> Result<Option<&[u8]>, link::LinkError> {
    if data.len() < 4 {
        return Err(link::LinkError("truncated GRE header"));
    }
    let (flags, ver) = (data[0], data[1] & 0x07);
    let proto = u16::from_be_bytes([data[2], data[3]]);
    let mut off = 4;
    // Checksum (C) or routing (R, RFC 1701) present: checksum and offset.
    if flags & 0xc0 != 0 {
        off += 4;
    }
    // Key (K), then sequence number (S).
    if flags & 0x20 != 0 {
        off += 4;
    }
    let seq = flags & 0x10 != 0;
    if seq {
        off += 4;
    }
    // Version 1 (PPTP) may carry an acknowledgement number.
    if ver == 1 && data[1] & 0x80 != 0 {
        off += 4;
    }
    if data.len() < off {
        return Err(link::LinkError("truncated GRE header"));
    }
    let inner = &data[off..];
    match proto {
        // ERSPAN type II has an 8-byte header and sets S; type I has none.
        0x88be => link::ethernet(if seq {
            inner.get(8..).unwrap_or(&[])
        } else {
            inner
        }),
        // ERSPAN type III: 12 bytes, plus an 8-byte platform sub-header
        // when the O flag (last bit of the header) is set.
        0x22eb => {
            if inner.len() < 12 {
                return Err(link::LinkError("truncated ERSPAN header"));
            }
            let skip = if inner[11] & 0x01 != 0 { 20 } else { 12 };
            link::ethernet(inner.get(skip..).unwrap_or(&[]))
        }
        0x880b => link::ppp(inner),
        ty => link::ethertype_payload(ty, inner),
    }
}

/// Report a broken packet, with the snap-length note when it applies.
fn broken(out: &mut Out<'_>, meta: &Meta, text: String) {
    out.problem(Some(meta.frame), cut_note(text, meta));
}

/// Add the capture's own explanation when the frame was cut by the snap
/// length (then a truncated header is the capture's doing, not the
/// sender's).
fn cut_note(text: String, meta: &Meta) -> String {
    if meta.cut {
        format!("{text} (the frame was cut to the capture's snap length)")
    } else {
        text
    }
}
