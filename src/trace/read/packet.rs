//! From one captured frame to SIP messages: link layer, IP (and tunnels),
//! UDP, then the SIP framing. Owns the per-file state that spans packets.

use super::link;
use super::sip;
use crate::trace::{Endpoint, Problem, Record, Sink, Transport};
use etherparse::{IpNumber, LaxIpSlice, UdpSlice};
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
}

impl<'s> Out<'s> {
    pub fn new(file: u32, sink: &'s mut dyn Sink) -> Self {
        Out {
            file,
            sink,
            messages: 0,
            problems: 0,
        }
    }

    pub fn record(&mut self, r: Record<'_>) {
        self.messages += 1;
        self.sink.record(r);
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
}

/// Where an IP packet came from and went to.
#[derive(Clone, Copy)]
struct Addrs {
    src: IpAddr,
    dst: IpAddr,
}

impl Decoder {
    /// The input has ended: report what was left half-done.
    pub fn finish(&mut self, _out: &mut Out<'_>) {}

    /// Decode one captured frame.
    pub fn frame(&mut self, linktype: u32, data: &[u8], meta: Meta, out: &mut Out<'_>) {
        match link::unwrap(linktype, data) {
            Ok(Some(inner)) => {
                let mut meta = meta;
                if let Some(ifindex) = inner.ifindex {
                    meta.iface |= ifindex << 16;
                }
                self.ip(inner.ip, &meta, 0, out);
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
            Err(e) => out.problem(Some(meta.frame), cut_note(e.to_string(), &meta)),
        }
    }

    /// An IP packet (v4 or v6, told by its version nibble).
    fn ip(&mut self, data: &[u8], meta: &Meta, depth: u8, out: &mut Out<'_>) {
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
                out.problem(Some(meta.frame), cut_note(text, meta));
                return;
            }
        };
        let addrs = Addrs {
            src: ip.source_addr(),
            dst: ip.destination_addr(),
        };
        let payload = ip.payload();
        if payload.fragmented {
            // Reassembly comes with the fragment layer; a lone fragment
            // is not a whole datagram.
            return;
        }
        let incomplete = payload.incomplete;
        match payload.ip_number {
            IpNumber::UDP => self.udp(addrs, payload.payload, incomplete, meta, out),
            IpNumber::IPV4 | IpNumber::IPV6 if depth < MAX_DEPTH => {
                self.ip(payload.payload, meta, depth + 1, out)
            }
            _ => {}
        }
    }

    /// A UDP datagram: SIP when its payload starts with a start line.
    fn udp(&mut self, addrs: Addrs, data: &[u8], incomplete: bool, meta: &Meta, out: &mut Out<'_>) {
        let udp = match UdpSlice::from_slice_lax(data) {
            Ok(u) => u,
            Err(_) => {
                out.problem(
                    Some(meta.frame),
                    cut_note(
                        format!("truncated UDP header ({} of 8 bytes)", data.len()),
                        meta,
                    ),
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
        self.datagram(src, dst, payload, short, meta, out);
    }

    /// A datagram's payload, SIP or not.
    fn datagram(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        payload: &[u8],
        short: bool,
        meta: &Meta,
        out: &mut Out<'_>,
    ) {
        let skip = sip::skip_blank(payload);
        let rest = &payload[skip..];
        if !sip::starts_sip(rest) {
            return;
        }
        if short {
            out.problem(
                Some(meta.frame),
                cut_note(
                    "the SIP message is incomplete: the packet was cut short".to_string(),
                    meta,
                ),
            );
        }
        let len = sip::datagram_len(rest);
        out.record(Record {
            file: out.file,
            frame: meta.frame,
            frames: std::slice::from_ref(&meta.frame),
            time_ns: meta.time_ns,
            src: Some(src),
            dst: Some(dst),
            transport: Transport::Udp,
            interface: meta.iface,
            sip: &rest[..len],
        });
    }
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
