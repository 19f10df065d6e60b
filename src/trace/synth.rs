//! Synthetic captures for tests and benchmarks: SIP messages wrapped in
//! the link layers, tunnels and transports the readers understand,
//! written as pcap or pcapng in memory. Not part of the supported API.

pub use super::read::build::{
    PcapWriter, PcapngWriter, Resolution, checksum, ethernet, ipv4, ipv6, pseudo_header, udp,
    udp_frame,
};
use std::net::IpAddr;

/// Link-type numbers, for building captures.
pub mod linktype {
    pub use crate::trace::read::link::{ETHERNET, IPV4, IPV6, LOOP, NULL, PPP, RAW, SLL, SLL2};
}

/// `"10.0.0.1:5060"` or `"[2001:db8::1]:5060"` as an address and port.
/// Panics on a malformed literal (test input).
pub fn ep(s: &str) -> (IpAddr, u16) {
    let sa: std::net::SocketAddr = s.parse().expect("endpoint literal");
    (sa.ip(), sa.port())
}

/// A SIP request with the usual headers and an optional body.
pub fn request(method: &str, call_id: &str, cseq: u32, body: &str) -> String {
    format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{call_id}-{cseq}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@example.com>;tag=a1\r\n\
         To: <sip:bob@example.com>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} {method}\r\n\
         Contact: <sip:alice@10.0.0.1:5060>\r\n\
         {}Content-Length: {}\r\n\r\n{body}",
        if body.is_empty() {
            ""
        } else {
            "Content-Type: application/sdp\r\n"
        },
        body.len()
    )
}

/// A SIP response to a request made by [`request`].
pub fn response(code: u16, reason: &str, call_id: &str, cseq: u32, method: &str) -> String {
    format!(
        "SIP/2.0 {code} {reason}\r\n\
         Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{call_id}-{cseq}\r\n\
         From: <sip:alice@example.com>;tag=a1\r\n\
         To: <sip:bob@example.com>;tag=b2\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// A small SDP offer, for bodies.
pub const SDP: &str = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n\
                       t=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";

/// An IP packet (IPv4 or IPv6 by the addresses) carrying `proto`.
pub fn ip_packet(src: IpAddr, dst: IpAddr, proto: u8, payload: &[u8]) -> Vec<u8> {
    super::read::build::ip(src, dst, proto, payload).1
}

/// An IP packet carrying a UDP datagram between two endpoint literals.
pub fn udp_ip(src: &str, dst: &str, payload: &[u8]) -> Vec<u8> {
    let (s, sp) = ep(src);
    let (d, dp) = ep(dst);
    ip_packet(s, d, 17, &udp(s, sp, d, dp, payload))
}

/// The EtherType of an IP packet (by its version nibble).
pub fn ethertype_of(ip: &[u8]) -> u16 {
    if ip.first().is_some_and(|b| b >> 4 == 6) {
        0x86dd
    } else {
        0x0800
    }
}

/// An Ethernet frame carrying an IP packet.
pub fn eth(ip: &[u8]) -> Vec<u8> {
    ethernet(ethertype_of(ip), ip)
}

/// An Ethernet frame with VLAN tags (outermost first; the first uses
/// 802.1ad when there are several, as QinQ does) carrying an IP packet.
pub fn vlan(vids: &[u16], ip: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, vid) in vids.iter().enumerate() {
        body.extend_from_slice(&vid.to_be_bytes());
        let next = if i + 1 < vids.len() {
            0x8100
        } else {
            ethertype_of(ip)
        };
        body.extend_from_slice(&u16::to_be_bytes(next));
    }
    body.extend_from_slice(ip);
    let outer = if vids.len() > 1 { 0x88a8 } else { 0x8100 };
    ethernet(outer, &body)
}

/// A PPPoE session frame over Ethernet carrying an IP packet.
pub fn pppoe(ip: &[u8]) -> Vec<u8> {
    let proto: u16 = if ethertype_of(ip) == 0x86dd {
        0x57
    } else {
        0x21
    };
    let mut body = vec![0x11, 0x00, 0x12, 0x34];
    body.extend_from_slice(
        &u16::try_from(ip.len() + 2)
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    body.extend_from_slice(&proto.to_be_bytes());
    body.extend_from_slice(ip);
    ethernet(0x8864, &body)
}

/// A Linux cooked v1 (SLL) frame carrying an IP packet.
pub fn sll(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    f.extend_from_slice(&ethertype_of(ip).to_be_bytes());
    f.extend_from_slice(ip);
    f
}

/// A Linux cooked v2 (SLL2) frame carrying an IP packet, seen on the
/// kernel interface `ifindex`.
pub fn sll2(ifindex: u32, ip: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(20 + ip.len());
    f.extend_from_slice(&ethertype_of(ip).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&ifindex.to_be_bytes());
    f.extend_from_slice(&[0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    f.extend_from_slice(ip);
    f
}

/// A BSD loopback (LINKTYPE_NULL) frame, family in little-endian host
/// order as on x86: 2 for IPv4, 30 for IPv6 (macOS).
pub fn null_loopback(ip: &[u8]) -> Vec<u8> {
    let af: u32 = if ethertype_of(ip) == 0x86dd { 30 } else { 2 };
    [&af.to_le_bytes()[..], ip].concat()
}

/// An OpenBSD loopback (LINKTYPE_LOOP) frame, family in network order.
pub fn openbsd_loop(ip: &[u8]) -> Vec<u8> {
    let af: u32 = if ethertype_of(ip) == 0x86dd { 24 } else { 2 };
    [&af.to_be_bytes()[..], ip].concat()
}

/// A capture of frames `(time_ns, bytes)` as a little-endian
/// microsecond pcap of one link type.
pub fn pcap(linktype: u32, frames: &[(i64, Vec<u8>)]) -> Vec<u8> {
    pcap_with(linktype, Resolution::Micro, false, frames)
}

/// A pcap with a chosen resolution and byte order.
pub fn pcap_with(
    linktype: u32,
    res: Resolution,
    big_endian: bool,
    frames: &[(i64, Vec<u8>)],
) -> Vec<u8> {
    let mut w =
        PcapWriter::new(Vec::new(), linktype, res, big_endian, 262_144).expect("writing to memory");
    for (t, f) in frames {
        w.packet(*t, f, f.len() as u32).expect("writing to memory");
    }
    w.into_inner()
}

/// A one-section, one-interface pcapng of frames `(time_ns, bytes)`.
pub fn pcapng(linktype: u32, frames: &[(i64, Vec<u8>)]) -> Vec<u8> {
    let mut w = PcapngWriter::new(Vec::new(), false).expect("writing to memory");
    let i = w.interface(linktype, 9).expect("writing to memory");
    for (t, f) in frames {
        w.packet(i, *t, f, f.len() as u32)
            .expect("writing to memory");
    }
    w.into_inner()
}

/// Gzip some bytes (a compressed capture or log).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("writing to memory");
    e.finish().expect("writing to memory")
}

/// A sink that keeps everything, for tests.
#[derive(Debug, Default)]
pub struct Collect {
    pub records: Vec<Owned>,
    pub problems: Vec<super::Problem>,
    pub progress_calls: u64,
}

/// A [`super::Record`] with its bytes copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub file: u32,
    pub frame: u64,
    pub frames: Vec<u64>,
    pub time_ns: Option<i64>,
    pub src: Option<super::Endpoint>,
    pub dst: Option<super::Endpoint>,
    pub transport: super::Transport,
    pub interface: u32,
    pub sip: Vec<u8>,
}

impl Owned {
    /// The message as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.sip).into_owned()
    }
}

impl super::Sink for Collect {
    fn record(&mut self, r: super::Record<'_>) {
        self.records.push(Owned {
            file: r.file,
            frame: r.frame,
            frames: r.frames.to_vec(),
            time_ns: r.time_ns,
            src: r.src,
            dst: r.dst,
            transport: r.transport,
            interface: r.interface,
            sip: r.sip.to_vec(),
        });
    }
    fn problem(&mut self, p: super::Problem) {
        self.problems.push(p);
    }
    fn progress(&mut self, _done: u64, _total: u64) {
        self.progress_calls += 1;
    }
}

/// Read bytes with automatic detection into a [`Collect`].
pub fn read_bytes(data: &[u8]) -> Result<(Vec<super::SourceInfo>, Collect), super::ReadError> {
    let mut c = Collect::default();
    let infos = super::read_inputs(
        &[super::Input::Bytes(data.to_vec())],
        super::Format::Auto,
        &mut c,
    )?;
    Ok((infos, c))
}
