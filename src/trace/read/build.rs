//! Writing captures: pcap and pcapng writers, and the few packet headers
//! needed to wrap a SIP message from a text log into an Ethernet/IP/UDP
//! frame. Used by `--export-pcap` and by the synthetic captures of the
//! tests ([`crate::trace::synth`]).

use std::io::{self, Write};
use std::net::IpAddr;

/// Timestamp resolution of a pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Micro,
    Nano,
}

/// Writes a classic pcap file.
pub struct PcapWriter<W: Write> {
    out: W,
    big_endian: bool,
    res: Resolution,
}

impl<W: Write> PcapWriter<W> {
    /// Write the file header.
    pub fn new(
        mut out: W,
        linktype: u32,
        res: Resolution,
        big_endian: bool,
        snaplen: u32,
    ) -> io::Result<Self> {
        let magic: u32 = match res {
            Resolution::Micro => 0xa1b2_c3d4,
            Resolution::Nano => 0xa1b2_3c4d,
        };
        let mut h = Vec::with_capacity(24);
        let put32 = |h: &mut Vec<u8>, v: u32| {
            h.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        let put16 = |h: &mut Vec<u8>, v: u16| {
            h.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        put32(&mut h, magic);
        put16(&mut h, 2);
        put16(&mut h, 4);
        put32(&mut h, 0);
        put32(&mut h, 0);
        put32(&mut h, snaplen);
        put32(&mut h, linktype);
        out.write_all(&h)?;
        Ok(PcapWriter {
            out,
            big_endian,
            res,
        })
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// Write one record; `data` is what was captured, `origlen` the
    /// frame's length on the wire.
    pub fn packet(&mut self, time_ns: i64, data: &[u8], origlen: u32) -> io::Result<()> {
        let sec = time_ns.div_euclid(1_000_000_000);
        let ns = time_ns.rem_euclid(1_000_000_000);
        let frac = match self.res {
            Resolution::Micro => ns / 1000,
            Resolution::Nano => ns,
        };
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&self.u32(sec as u32));
        h[4..8].copy_from_slice(&self.u32(frac as u32));
        h[8..12].copy_from_slice(&self.u32(caplen));
        h[12..16].copy_from_slice(&self.u32(origlen.max(caplen)));
        self.out.write_all(&h)?;
        self.out.write_all(data)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes a pcapng file: one section, interfaces added as they are
/// needed, enhanced packet blocks with nanosecond timestamps unless told
/// otherwise.
pub struct PcapngWriter<W: Write> {
    out: W,
    big_endian: bool,
    /// (link type, if_tsresol) of each interface written.
    ifaces: Vec<(u32, u8)>,
}

impl<W: Write> PcapngWriter<W> {
    /// Write a section header block.
    pub fn new(out: W, big_endian: bool) -> io::Result<Self> {
        let mut w = PcapngWriter {
            out,
            big_endian,
            ifaces: Vec::new(),
        };
        w.section()?;
        Ok(w)
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn block(&mut self, ty: u32, body: &[u8]) -> io::Result<()> {
        let pad = (4 - body.len() % 4) % 4;
        let len = u32::try_from(12 + body.len() + pad)
            .map_err(|_| io::Error::other("block too large for pcapng"))?;
        let mut b = Vec::with_capacity(len as usize);
        b.extend_from_slice(&self.u32(ty));
        b.extend_from_slice(&self.u32(len));
        b.extend_from_slice(body);
        b.extend_from_slice(&[0; 3][..pad]);
        b.extend_from_slice(&self.u32(len));
        self.out.write_all(&b)
    }

    /// Start a new section (its interfaces start again from 0).
    pub fn section(&mut self) -> io::Result<()> {
        self.ifaces.clear();
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(0x1a2b_3c4d));
        body.extend_from_slice(&self.u16(1));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&u64::MAX.to_le_bytes());
        self.block(0x0a0d_0d0a, &body)
    }

    /// The interface for a link type with nanosecond timestamps, added
    /// when first needed.
    pub fn iface_for(&mut self, linktype: u32) -> io::Result<u32> {
        match self
            .ifaces
            .iter()
            .position(|&(lt, r)| lt == linktype && r == 9)
        {
            Some(i) => Ok(i as u32),
            None => self.interface(linktype, 9),
        }
    }

    /// Add an interface with a timestamp resolution (`if_tsresol`: 6 is
    /// microseconds, 9 nanoseconds, 0x80|n is 2^-n).
    pub fn interface(&mut self, linktype: u32, tsresol: u8) -> io::Result<u32> {
        self.interface_named(linktype, tsresol, None, None)
    }

    /// [`Self::interface`] with an `if_name` and an `if_description`.
    pub fn interface_named(
        &mut self,
        linktype: u32,
        tsresol: u8,
        name: Option<&[u8]>,
        description: Option<&[u8]>,
    ) -> io::Result<u32> {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u16(u16::try_from(linktype).unwrap_or(u16::MAX)));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u32(262_144));
        let mut options = false;
        for (code, value) in [(2u16, name), (3, description)] {
            let Some(v) = value else { continue };
            // An option's length is 16 bits; a longer value is cut there.
            let v = &v[..v.len().min(usize::from(u16::MAX) & !3)];
            body.extend_from_slice(&self.u16(code));
            body.extend_from_slice(&self.u16(v.len() as u16));
            body.extend_from_slice(v);
            body.resize(body.len().next_multiple_of(4), 0);
            options = true;
        }
        if tsresol != 6 {
            // if_tsresol option (code 9, length 1, padded).
            body.extend_from_slice(&self.u16(9));
            body.extend_from_slice(&self.u16(1));
            body.extend_from_slice(&[tsresol, 0, 0, 0]);
            options = true;
        }
        if options {
            // opt_endofopt.
            body.extend_from_slice(&[0, 0, 0, 0]);
        }
        self.block(1, &body)?;
        self.ifaces.push((linktype, tsresol));
        Ok(self.ifaces.len() as u32 - 1)
    }

    /// Write an enhanced packet block on interface `iface`; `time_ns` is
    /// converted to the interface's resolution.
    pub fn packet(
        &mut self,
        iface: u32,
        time_ns: i64,
        data: &[u8],
        origlen: u32,
    ) -> io::Result<()> {
        let res = self.ifaces.get(iface as usize).map_or(6, |&(_, r)| r);
        let ts = to_units(time_ns, res);
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut body = Vec::with_capacity(20 + data.len() + 3);
        body.extend_from_slice(&self.u32(iface));
        body.extend_from_slice(&self.u32((ts >> 32) as u32));
        body.extend_from_slice(&self.u32(ts as u32));
        body.extend_from_slice(&self.u32(caplen));
        body.extend_from_slice(&self.u32(origlen.max(caplen)));
        body.extend_from_slice(data);
        self.block(6, &body)
    }

    /// Write a simple packet block (no interface number, no time).
    pub fn simple_packet(&mut self, data: &[u8]) -> io::Result<()> {
        let mut body = Vec::with_capacity(4 + data.len() + 3);
        body.extend_from_slice(&self.u32(u32::try_from(data.len()).unwrap_or(u32::MAX)));
        body.extend_from_slice(data);
        self.block(3, &body)
    }

    /// Write a block of any type with the given body (padded).
    pub fn raw_block(&mut self, ty: u32, body: &[u8]) -> io::Result<()> {
        self.block(ty, body)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// A time in nanoseconds as a count of `if_tsresol` units (negative
/// times, which pcapng cannot hold, become 0). A binary resolution is
/// rounded to the nearest unit: the reader turned units into whole
/// nanoseconds rounding down, so this gives back the unit it was read
/// from (for units of 2 ns or more, 2^-28 s and coarser).
fn to_units(time_ns: i64, tsresol: u8) -> u64 {
    let ns = u128::try_from(time_ns).unwrap_or(0);
    let units = if tsresol & 0x80 != 0 {
        ((ns << (tsresol & 0x7f)) + 500_000_000) / 1_000_000_000
    } else {
        let p = u32::from(tsresol);
        if p >= 9 {
            ns * 10u128.pow(p - 9)
        } else {
            ns / 10u128.pow(9 - p)
        }
    };
    u64::try_from(units).unwrap_or(u64::MAX)
}

/// The Internet checksum (RFC 1071) of some byte runs, as one sum.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &b in *part {
            match odd.take() {
                Some(hi) => sum += u32::from(u16::from_be_bytes([hi, b])),
                None => odd = Some(b),
            }
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet II frame with made-up addresses.
pub fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 header (no options, checksum filled in) and payload.
/// `frag` is (identification, offset in 8-byte units, more fragments).
pub fn ipv4(
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    frag: (u16, u16, bool),
    payload: &[u8],
) -> Vec<u8> {
    let total = u16::try_from(20 + payload.len()).unwrap_or(u16::MAX);
    let flags_off = (u16::from(frag.2) << 13) | (frag.1 & 0x1fff);
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&frag.0.to_be_bytes());
    h.extend_from_slice(&flags_off.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let sum = checksum(&[&h]);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// An IPv6 header and payload (`next` is the first next-header value).
pub fn ipv6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(
        &u16::try_from(payload.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    h.extend_from_slice(&[next, 64]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(payload);
    h
}

/// A UDP header and payload; the checksum covers the pseudo-header of
/// `src`/`dst`.
pub fn udp(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + payload.len()).unwrap_or(u16::MAX);
    let mut h = Vec::with_capacity(8 + payload.len());
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&[0, 0]);
    h.extend_from_slice(payload);
    let sum = checksum(&[&pseudo_header(src, dst, 17, h.len()), &h]);
    // 0 means "no checksum" in UDP; a computed 0 is sent as all ones.
    let sum = if sum == 0 { 0xffff } else { sum };
    h[6..8].copy_from_slice(&sum.to_be_bytes());
    h
}

/// A TCP segment (20-byte header, checksum filled in).
#[allow(clippy::too_many_arguments)]
pub fn tcp(
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut h = Vec::with_capacity(20 + payload.len());
    h.extend_from_slice(&sport.to_be_bytes());
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&seq.to_be_bytes());
    h.extend_from_slice(&ack.to_be_bytes());
    h.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    h.extend_from_slice(payload);
    let sum = checksum(&[&pseudo_header(src, dst, 6, h.len()), &h]);
    h[16..18].copy_from_slice(&sum.to_be_bytes());
    h
}

/// The pseudo-header summed into UDP and TCP checksums.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(40);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
            p.extend_from_slice(&[0, proto]);
            p.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
        }
        _ => {
            p.extend_from_slice(&v6(src));
            p.extend_from_slice(&v6(dst));
            p.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
            p.extend_from_slice(&[0, 0, 0, proto]);
        }
    }
    p
}

/// An address as IPv6 octets (IPv4 mapped).
fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// An IP packet (version told by the addresses) carrying `proto`.
pub fn ip(src: IpAddr, dst: IpAddr, proto: u8, payload: &[u8]) -> (u16, Vec<u8>) {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (
            0x0800,
            ipv4(s.octets(), d.octets(), proto, (0, 0, false), payload),
        ),
        _ => (0x86dd, ipv6(v6(src), v6(dst), proto, payload)),
    }
}

/// An Ethernet frame carrying a UDP datagram between two endpoints.
pub fn udp_frame(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = match (src, dst) {
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => (src, dst),
        // Mixed families cannot share a packet: carry both as IPv6.
        _ => (IpAddr::V6(to_v6(src)), IpAddr::V6(to_v6(dst))),
    };
    let seg = udp(src, sport, dst, dport, payload);
    let (ty, pkt) = ip(src, dst, 17, &seg);
    ethernet(ty, &pkt)
}

fn to_v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internet_checksum() {
        // RFC 1071 §3's example sums to 0xddf2; the checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&[&data]), !0xddf2);
        // A header with its checksum filled in sums to zero.
        let h = ipv4([10, 0, 0, 1], [10, 0, 0, 2], 17, (1, 0, false), &[]);
        assert_eq!(checksum(&[&h]), 0);
    }

    #[test]
    fn units() {
        assert_eq!(to_units(1_500, 9), 1_500);
        assert_eq!(to_units(1_500, 6), 1);
        assert_eq!(to_units(1_000_000_000, 0x80 | 10), 1024);
        assert_eq!(to_units(-5, 9), 0);
        // A binary resolution gives back the units the time was read from
        // (the reader rounds down to whole nanoseconds).
        for units in [1u64, 12_345, (1_700_000_000 << 20) + 1_048_575] {
            let ns = ((u128::from(units) * 1_000_000_000) >> 20) as i64;
            assert_eq!(to_units(ns, 0x80 | 20), units, "{units}");
        }
    }
}
