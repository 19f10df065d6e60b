//! HEPv3 / EEP (the Homer Encapsulation Protocol): what Kamailio,
//! OpenSIPS, FreeSWITCH, Asterisk and capture agents send to a collector,
//! often carrying SIP that was TLS-encrypted on the wire.
//!
//! A packet is the ASCII magic `HEP3`, a 16-bit total length, then chunks
//! of vendor id (16 bits), type (16 bits), length (16 bits, including
//! these 6 bytes) and value, all in network order. The generic chunk
//! types (vendor 0) read here: 1 IP family, 2 IP protocol, 3/4 IPv4
//! source/destination, 5/6 IPv6 source/destination, 7/8 ports, 9/10
//! timestamp seconds and microseconds, 11 payload protocol (1 = SIP),
//! 15 payload, 16 compressed payload. Others are skipped.

use crate::trace::{Endpoint, Transport};
use std::borrow::Cow;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Does a payload start with the HEPv3 magic?
#[inline]
pub(crate) fn is_hep3(data: &[u8]) -> bool {
    data.starts_with(b"HEP3")
}

/// The total length a HEPv3 packet announces (for framing over TCP).
pub(crate) fn announced_len(data: &[u8]) -> Option<usize> {
    (data.len() >= 6 && is_hep3(data)).then(|| usize::from(u16::from_be_bytes([data[4], data[5]])))
}

/// The largest decompressed payload accepted (a SIP message is far
/// smaller; this bounds a compression bomb).
const MAX_INFLATED: u64 = 1 << 20;

/// What a HEP packet says.
#[derive(Debug, Default)]
pub(crate) struct Hep<'a> {
    pub src: Option<Endpoint>,
    pub dst: Option<Endpoint>,
    pub transport: Transport,
    pub time_ns: Option<i64>,
    /// The payload protocol (1 is SIP), when given.
    pub payload_type: Option<u8>,
    pub payload: Cow<'a, [u8]>,
}

/// Parse one HEPv3 packet (`data` may hold more after it).
pub(crate) fn parse(data: &[u8]) -> Result<Hep<'_>, String> {
    if !is_hep3(data) || data.len() < 6 {
        return Err("not a HEPv3 packet".into());
    }
    let total = usize::from(u16::from_be_bytes([data[4], data[5]]));
    if total < 6 {
        return Err(format!(
            "HEP packet length {total} is shorter than its header"
        ));
    }
    let body = if total > data.len() {
        return Err(format!(
            "HEP packet says {total} bytes but only {} are there",
            data.len()
        ));
    } else {
        &data[6..total]
    };
    let mut hep = Hep::default();
    let (mut sip4, mut dip4, mut sip6, mut dip6) = (None, None, None, None);
    let (mut sport, mut dport) = (None, None);
    let (mut sec, mut usec) = (None, None);
    let mut at = 0;
    while at < body.len() {
        if body.len() - at < 6 {
            return Err("HEP chunk header cut short".into());
        }
        let vendor = u16::from_be_bytes([body[at], body[at + 1]]);
        let ty = u16::from_be_bytes([body[at + 2], body[at + 3]]);
        let len = usize::from(u16::from_be_bytes([body[at + 4], body[at + 5]]));
        if len < 6 || at + len > body.len() {
            return Err(format!("HEP chunk of type {ty} has a bad length {len}"));
        }
        let v = &body[at + 6..at + len];
        at += len;
        if vendor != 0 {
            continue;
        }
        match (ty, v.len()) {
            (2, 1) => {
                hep.transport = match v[0] {
                    6 => Transport::Tcp,
                    17 => Transport::Udp,
                    132 => Transport::Sctp,
                    // Kamailio's siptrace writes 22 (IDP) for TLS, WS and
                    // WSS, and its sipcapture reads it back as TLS
                    // (src/modules/siptrace/siptrace_hep.c, pipport2su):
                    // the top Via tells which, below.
                    22 => Transport::Tls,
                    _ => Transport::Unknown,
                }
            }
            (3, 4) => sip4 = Some(Ipv4Addr::new(v[0], v[1], v[2], v[3])),
            (4, 4) => dip4 = Some(Ipv4Addr::new(v[0], v[1], v[2], v[3])),
            (5, 16) => sip6 = <[u8; 16]>::try_from(v).ok().map(Ipv6Addr::from),
            (6, 16) => dip6 = <[u8; 16]>::try_from(v).ok().map(Ipv6Addr::from),
            (7, 2) => sport = Some(u16::from_be_bytes([v[0], v[1]])),
            (8, 2) => dport = Some(u16::from_be_bytes([v[0], v[1]])),
            (9, 4) => sec = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            (10, 4) => usec = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            (11, 1) => hep.payload_type = Some(v[0]),
            (15, _) => hep.payload = Cow::Borrowed(v),
            (16, _) => hep.payload = Cow::Owned(inflate(v)?),
            _ => {}
        }
    }
    if hep.transport == Transport::Tls && top_via_says(&hep.payload, b"WSS") {
        hep.transport = Transport::Wss;
    } else if hep.transport == Transport::Tls && top_via_says(&hep.payload, b"WS") {
        hep.transport = Transport::Ws;
    }
    let src_ip = sip4.map(IpAddr::V4).or(sip6.map(IpAddr::V6));
    let dst_ip = dip4.map(IpAddr::V4).or(dip6.map(IpAddr::V6));
    hep.src = src_ip.map(|ip| Endpoint {
        ip,
        port: sport.unwrap_or(0),
    });
    hep.dst = dst_ip.map(|ip| Endpoint {
        ip,
        port: dport.unwrap_or(0),
    });
    hep.time_ns = sec
        .map(|s| i64::from(s) * 1_000_000_000 + i64::from(usec.unwrap_or(0).min(999_999)) * 1000);
    Ok(hep)
}

/// Whether the message's first Via (`Via:` or `v:`) names `transport`
/// (`SIP/2.0/WS ...`, any case).
fn top_via_says(msg: &[u8], transport: &[u8]) -> bool {
    let Some(line) = msg.split(|&b| b == b'\n').skip(1).find(|l| {
        let name = l.split(|&b| b == b':').next().unwrap_or(b"");
        let name = name.trim_ascii();
        name.eq_ignore_ascii_case(b"via") || name.eq_ignore_ascii_case(b"v")
    }) else {
        return false;
    };
    let value = line.splitn(2, |&b| b == b':').nth(1).unwrap_or(b"");
    // SIP / 2.0 / TRANSPORT, with or without spaces around the slashes.
    let Some(third) = value.splitn(3, |&b| b == b'/').nth(2) else {
        return false;
    };
    let t = third.trim_ascii_start();
    let t = &t[..t
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b';' | b','))
        .unwrap_or(t.len())];
    t.eq_ignore_ascii_case(transport)
}

/// A compressed payload: zlib, gzip or raw deflate, whichever it is.
fn inflate(v: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let ok = if v.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(v)
            .take(MAX_INFLATED)
            .read_to_end(&mut out)
            .is_ok()
    } else {
        flate2::read::ZlibDecoder::new(v)
            .take(MAX_INFLATED)
            .read_to_end(&mut out)
            .is_ok()
            || {
                out.clear();
                flate2::read::DeflateDecoder::new(v)
                    .take(MAX_INFLATED)
                    .read_to_end(&mut out)
                    .is_ok()
            }
    };
    if ok {
        Ok(out)
    } else {
        Err("the compressed HEP payload does not decompress".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(ty: u16, v: &[u8]) -> Vec<u8> {
        let mut c = vec![0, 0];
        c.extend_from_slice(&ty.to_be_bytes());
        c.extend_from_slice(&u16::try_from(6 + v.len()).unwrap().to_be_bytes());
        c.extend_from_slice(v);
        c
    }

    fn packet(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut p = b"HEP3".to_vec();
        p.extend_from_slice(&u16::try_from(6 + body.len()).unwrap().to_be_bytes());
        p.extend(body);
        p
    }

    #[test]
    fn reads_the_generic_chunks() {
        let p = packet(&[
            chunk(1, &[2]),
            chunk(2, &[6]),
            chunk(3, &[192, 168, 1, 1]),
            chunk(4, &[192, 168, 1, 2]),
            chunk(7, &5061u16.to_be_bytes()),
            chunk(8, &5060u16.to_be_bytes()),
            chunk(9, &1_000u32.to_be_bytes()),
            chunk(10, &42u32.to_be_bytes()),
            chunk(11, &[1]),
            chunk(12, &[0, 0, 0, 7]),
            chunk(15, b"OPTIONS sip:x SIP/2.0\r\n\r\n"),
        ]);
        let h = parse(&p).unwrap();
        assert_eq!(h.src.unwrap().to_string(), "192.168.1.1:5061");
        assert_eq!(h.dst.unwrap().to_string(), "192.168.1.2:5060");
        assert_eq!(h.transport, Transport::Tcp);
        assert_eq!(h.time_ns, Some(1_000_000_042_000));
        assert_eq!(h.payload_type, Some(1));
        assert_eq!(&h.payload[..], b"OPTIONS sip:x SIP/2.0\r\n\r\n");
        assert_eq!(announced_len(&p), Some(p.len()));
    }

    /// Kamailio's siptrace marks TLS, WS and WSS with the fake protocol
    /// 22; the top Via tells WS and WSS from TLS.
    #[test]
    fn kamailio_fake_protocol_22_is_tls_or_websocket() {
        let with = |via: &str| {
            let msg = format!("OPTIONS sip:x SIP/2.0\r\n{via}\r\nCall-ID: c\r\n\r\n");
            parse(&packet(&[chunk(2, &[22]), chunk(15, msg.as_bytes())]))
                .unwrap()
                .transport
        };
        assert_eq!(
            with("Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK1"),
            Transport::Tls
        );
        assert_eq!(
            with("Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK1"),
            Transport::Wss
        );
        assert_eq!(
            with("v: SIP/2.0/ws abc.invalid;branch=z9hG4bK1"),
            Transport::Ws
        );
        assert_eq!(with("Via: SIP / 2.0 / WS abc.invalid"), Transport::Ws);
        assert_eq!(with("X-Via: SIP/2.0/WS a"), Transport::Tls);
    }

    #[test]
    fn compressed_payload_and_errors() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"SIP/2.0 200 OK\r\n\r\n").unwrap();
        let p = packet(&[chunk(16, &z.finish().unwrap())]);
        assert_eq!(&parse(&p).unwrap().payload[..], b"SIP/2.0 200 OK\r\n\r\n");

        assert!(parse(&packet(&[chunk(16, b"not deflate at all")])).is_err());
        let mut bad = packet(&[chunk(15, b"x")]);
        bad[11] = 200; // chunk length past the end
        assert!(parse(&bad).is_err());
        assert!(parse(b"HEP3\x00\x02").is_err());
        assert!(parse(b"HEP3\x00\xff").is_err());
    }
}
