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

/// TCP flags for [`tcp_ip`].
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
}

/// A TCP segment (20-byte header, acknowledging 1, checksum filled in).
pub fn tcp(
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    super::read::build::tcp(src, sport, dst, dport, seq, 1, flags, payload)
}

/// An IP packet carrying a TCP segment between two endpoint literals.
pub fn tcp_ip(src: &str, dst: &str, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (s, sp) = ep(src);
    let (d, dp) = ep(dst);
    ip_packet(s, d, 6, &tcp(s, sp, d, dp, seq, flags, payload))
}

/// An IP packet carrying a TCP segment that acknowledges `ack` (the
/// other direction's bytes before it), between two endpoint literals.
pub fn tcp_ip_ack(src: &str, dst: &str, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (s, sp) = ep(src);
    let (d, dp) = ep(dst);
    let seg = super::read::build::tcp(s, sp, d, dp, seq, ack, flags, payload);
    ip_packet(s, d, 6, &seg)
}

/// IP fragments of a UDP datagram between two endpoint literals (IPv4,
/// or IPv6 with the fragment extension header, by the addresses), each
/// carrying at most `size` bytes (rounded down to 8) of it.
pub fn ip_fragments(src: &str, dst: &str, id: u32, payload: &[u8], size: usize) -> Vec<Vec<u8>> {
    let (s, sp) = ep(src);
    let (d, dp) = ep(dst);
    let whole = udp(s, sp, d, dp, payload);
    let size = (size / 8).max(1) * 8;
    whole
        .chunks(size)
        .enumerate()
        .map(|(i, c)| {
            let more = (i + 1) * size < whole.len();
            let units = (i * size / 8) as u16;
            match (s, d) {
                (IpAddr::V4(s4), IpAddr::V4(d4)) => {
                    ipv4(s4.octets(), d4.octets(), 17, (id as u16, units, more), c)
                }
                (IpAddr::V6(s6), IpAddr::V6(d6)) => {
                    let mut fh = vec![17, 0];
                    fh.extend_from_slice(&(units << 3 | u16::from(more)).to_be_bytes());
                    fh.extend_from_slice(&id.to_be_bytes());
                    fh.extend_from_slice(c);
                    ipv6(s6.octets(), d6.octets(), 44, &fh)
                }
                _ => panic!("one address family"),
            }
        })
        .collect()
}

/// A GRE packet (version 0, optional key) carrying `payload` of `proto`.
pub fn gre(proto: u16, key: Option<u32>, payload: &[u8]) -> Vec<u8> {
    let mut g = vec![if key.is_some() { 0x20 } else { 0 }, 0];
    g.extend_from_slice(&proto.to_be_bytes());
    if let Some(k) = key {
        g.extend_from_slice(&k.to_be_bytes());
    }
    g.extend_from_slice(payload);
    g
}

/// An ERSPAN type II packet (GRE with a sequence number, 8-byte ERSPAN
/// header) mirroring an Ethernet frame.
pub fn erspan2(frame: &[u8]) -> Vec<u8> {
    let mut g = vec![0x10, 0, 0x88, 0xbe, 0, 0, 0, 1];
    g.extend_from_slice(&[0x10, 0x01, 0x00, 0x05, 0, 0, 0, 0]);
    g.extend_from_slice(frame);
    g
}

/// An ERSPAN type III packet (12-byte header, no sub-header).
pub fn erspan3(frame: &[u8]) -> Vec<u8> {
    let mut g = vec![0x10, 0, 0x22, 0xeb, 0, 0, 0, 1];
    g.extend_from_slice(&[0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    g.extend_from_slice(frame);
    g
}

/// A VXLAN header (RFC 7348) before an Ethernet frame, for UDP port 4789.
pub fn vxlan(vni: u32, frame: &[u8]) -> Vec<u8> {
    let mut v = vec![0x08, 0, 0, 0];
    v.extend_from_slice(&(vni << 8).to_be_bytes());
    v.extend_from_slice(frame);
    v
}

/// A HEPv3 packet carrying a SIP message that went from `src` to `dst`
/// (endpoint literals) over `ip_proto` (17 UDP, 6 TCP) at `time_us`
/// microseconds since the epoch.
pub fn hep3(src: &str, dst: &str, ip_proto: u8, time_us: u64, sip: &[u8]) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, ty: u16, v: &[u8]) {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&ty.to_be_bytes());
        out.extend_from_slice(&u16::try_from(6 + v.len()).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(v);
    }
    let (s, sp) = ep(src);
    let (d, dp) = ep(dst);
    let mut body = Vec::new();
    match (s, d) {
        (IpAddr::V4(s4), IpAddr::V4(d4)) => {
            chunk(&mut body, 1, &[2]);
            chunk(&mut body, 3, &s4.octets());
            chunk(&mut body, 4, &d4.octets());
        }
        (IpAddr::V6(s6), IpAddr::V6(d6)) => {
            chunk(&mut body, 1, &[10]);
            chunk(&mut body, 5, &s6.octets());
            chunk(&mut body, 6, &d6.octets());
        }
        _ => panic!("one address family"),
    }
    chunk(&mut body, 2, &[ip_proto]);
    chunk(&mut body, 7, &sp.to_be_bytes());
    chunk(&mut body, 8, &dp.to_be_bytes());
    chunk(&mut body, 9, &((time_us / 1_000_000) as u32).to_be_bytes());
    chunk(&mut body, 10, &((time_us % 1_000_000) as u32).to_be_bytes());
    chunk(&mut body, 11, &[1]);
    chunk(&mut body, 12, &2001u32.to_be_bytes());
    chunk(&mut body, 15, sip);
    let mut p = b"HEP3".to_vec();
    p.extend_from_slice(
        &u16::try_from(6 + body.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    p.extend(body);
    p
}

/// A WebSocket frame (RFC 6455 §5.2): `opcode` 1 text, 2 binary, 0
/// continuation, 8 close; masked when `mask` is given (client to server).
pub fn ws_frame(fin: bool, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![(u8::from(fin) << 7) | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(m | n as u8),
        n if n <= 0xffff => {
            f.push(m | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(m | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(k) => {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}

/// The HTTP upgrade request and its answer that open a SIP WebSocket.
pub const WS_UPGRADE: &str = "GET / HTTP/1.1\r\nHost: sip.example.com\r\nUpgrade: websocket\r\n\
     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
     Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
pub const WS_ACCEPT: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
     Sec-WebSocket-Protocol: sip\r\n\r\n";

/// An SCTP packet with one DATA chunk holding a whole user message.
pub fn sctp_data(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
    let len = u16::try_from(16 + payload.len()).unwrap_or(u16::MAX);
    p.extend_from_slice(&[0, 0x03]);
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(payload);
    while p.len() % 4 != 0 {
        p.push(0);
    }
    p
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
            sip: r.sip().to_vec(),
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
