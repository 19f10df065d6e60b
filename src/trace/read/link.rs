//! Link layers: from a captured frame to the IP packet inside it.
//!
//! Link-type numbers are the tcpdump.org LINKTYPE_ registry's. Ethernet
//! payloads may be wrapped in 802.1Q/802.1ad VLAN tags (any depth, QinQ),
//! MPLS labels, PPPoE sessions or 802.3 LLC/SNAP; all are unwrapped here.
//! Frames that carry no IP (ARP, LLDP, STP) are not an error.

/// LINKTYPE_NULL: BSD loopback, 4-byte address family in host order.
pub const NULL: u32 = 0;
pub const ETHERNET: u32 = 1;
/// LINKTYPE_PPP (RFC 1661), possibly with HDLC-like framing.
pub const PPP: u32 = 9;
/// LINKTYPE_PPP_HDLC.
pub const PPP_HDLC: u32 = 50;
/// LINKTYPE_RAW; 12 and 14 are the DLT_RAW values some systems wrote.
pub const RAW: u32 = 101;
const RAW_12: u32 = 12;
const RAW_14: u32 = 14;
/// LINKTYPE_LOOP: OpenBSD loopback, address family in network order.
pub const LOOP: u32 = 108;
/// LINKTYPE_LINUX_SLL: Linux cooked capture v1 (`tcpdump -i any`, old).
pub const SLL: u32 = 113;
pub const IPV4: u32 = 228;
pub const IPV6: u32 = 229;
/// LINKTYPE_LINUX_SLL2: Linux cooked capture v2 (`tcpdump -i any` today).
pub const SLL2: u32 = 276;

/// A readable name for a link type, for the report's header line.
pub fn name(linktype: u32) -> String {
    match linktype {
        NULL => "BSD loopback".into(),
        ETHERNET => "Ethernet".into(),
        PPP | PPP_HDLC => "PPP".into(),
        RAW | RAW_12 | RAW_14 => "raw IP".into(),
        LOOP => "OpenBSD loopback".into(),
        SLL => "Linux cooked v1".into(),
        SLL2 => "Linux cooked v2".into(),
        IPV4 => "raw IPv4".into(),
        IPV6 => "raw IPv6".into(),
        n => format!("link type {n}"),
    }
}

/// Whether this reader understands a link type.
pub fn supported(linktype: u32) -> bool {
    matches!(
        linktype,
        NULL | ETHERNET | PPP | PPP_HDLC | RAW | RAW_12 | RAW_14 | LOOP | SLL | SLL2 | IPV4 | IPV6
    )
}

/// The IP packet of a frame, and the capturing interface's index when the
/// link header gives it (Linux cooked v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inner<'a> {
    pub ip: &'a [u8],
    pub ifindex: Option<u32>,
}

/// Something wrong with a link header: the frame is too short for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkError(pub &'static str);

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

type LinkResult<'a> = Result<Option<Inner<'a>>, LinkError>;

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Unwrap a frame of `linktype`. `Ok(None)` when it carries no IP.
pub fn unwrap(linktype: u32, data: &[u8]) -> LinkResult<'_> {
    fn plain(r: Result<Option<&[u8]>, LinkError>) -> LinkResult<'_> {
        r.map(|ip| ip.map(|ip| Inner { ip, ifindex: None }))
    }
    match linktype {
        ETHERNET => plain(ethernet(data)),
        SLL => {
            if data.len() < 16 {
                return Err(LinkError("truncated Linux cooked (v1) header"));
            }
            plain(ethertype_payload(be16(data, 14), &data[16..]))
        }
        SLL2 => {
            if data.len() < 20 {
                return Err(LinkError("truncated Linux cooked v2 header"));
            }
            let ifindex = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
            ethertype_payload(be16(data, 0), &data[20..]).map(|ip| {
                ip.map(|ip| Inner {
                    ip,
                    ifindex: Some(ifindex),
                })
            })
        }
        NULL | LOOP => {
            if data.len() < 4 {
                return Err(LinkError("truncated loopback header"));
            }
            let family = [data[0], data[1], data[2], data[3]];
            let le = u32::from_le_bytes(family);
            let be = u32::from_be_bytes(family);
            // AF_INET is 2 everywhere; AF_INET6 is 24, 28 or 30 by system.
            // The header is in the capturing host's order (NULL) or network
            // order (LOOP); accepting both costs nothing.
            let ip = matches!(le, 2 | 24 | 28 | 30) || matches!(be, 2 | 24 | 28 | 30);
            plain(Ok(ip.then_some(&data[4..])))
        }
        RAW | RAW_12 | RAW_14 => plain(Ok(raw_ip(data))),
        IPV4 | IPV6 => plain(Ok(Some(data))),
        PPP | PPP_HDLC => plain(ppp(data)),
        _ => Ok(None),
    }
}

/// A raw IP packet, told apart by its version nibble.
fn raw_ip(data: &[u8]) -> Option<&[u8]> {
    match data.first().map(|b| b >> 4) {
        Some(4 | 6) => Some(data),
        _ => None,
    }
}

/// Ethernet II or 802.3, then whatever the EtherType says.
pub fn ethernet(data: &[u8]) -> Result<Option<&[u8]>, LinkError> {
    if data.len() < 14 {
        return Err(LinkError("truncated Ethernet header"));
    }
    let ty = be16(data, 12);
    if ty < 0x0600 {
        // 802.3 length field: only LLC/SNAP carries an EtherType.
        if data.len() >= 22 && data[14..17] == [0xaa, 0xaa, 0x03] {
            return ethertype_payload(be16(data, 20), &data[22..]);
        }
        return Ok(None);
    }
    ethertype_payload(ty, &data[14..])
}

/// The IP packet behind an EtherType, unwrapping VLAN tags, MPLS, PPPoE
/// and bridged Ethernet (as carried by GRE) on the way.
pub fn ethertype_payload(mut ty: u16, mut data: &[u8]) -> Result<Option<&[u8]>, LinkError> {
    // Each round removes at least 4 bytes, so this ends; the bound is a
    // guard against pathological nesting.
    for _ in 0..32 {
        match ty {
            0x0800 | 0x86dd => return Ok(Some(data)),
            // 802.1Q, 802.1ad and the pre-standard QinQ tags.
            0x8100 | 0x88a8 | 0x9100 | 0x9200 | 0x9300 => {
                if data.len() < 4 {
                    return Err(LinkError("truncated VLAN tag"));
                }
                ty = be16(data, 2);
                data = &data[4..];
            }
            0x8847 | 0x8848 => return mpls(data),
            0x8864 => return pppoe(data),
            // Transparent Ethernet bridging (GRE, VXLAN-like encapsulations).
            0x6558 => return ethernet(data),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// MPLS labels until bottom-of-stack, then IP told by its version nibble.
fn mpls(mut data: &[u8]) -> Result<Option<&[u8]>, LinkError> {
    loop {
        if data.len() < 4 {
            return Err(LinkError("truncated MPLS label stack"));
        }
        let bottom = data[2] & 1 == 1;
        data = &data[4..];
        if bottom {
            return Ok(raw_ip(data));
        }
    }
}

/// A PPPoE session frame (RFC 2516 §4): 6 bytes of header, then PPP.
fn pppoe(data: &[u8]) -> Result<Option<&[u8]>, LinkError> {
    if data.len() < 8 {
        return Err(LinkError("truncated PPPoE header"));
    }
    let len = usize::from(be16(data, 4));
    let end = (6 + len).min(data.len());
    ppp_protocol(&data[6..end])
}

/// A PPP frame, with or without the HDLC-like address and control bytes.
pub fn ppp(data: &[u8]) -> Result<Option<&[u8]>, LinkError> {
    let data = data.strip_prefix(&[0xff, 0x03]).unwrap_or(data);
    ppp_protocol(data)
}

/// The PPP protocol field (two bytes, or one when compressed, RFC 1661
/// §6.5), then IPv4 (0x21) or IPv6 (0x57).
fn ppp_protocol(data: &[u8]) -> Result<Option<&[u8]>, LinkError> {
    let Some(&first) = data.first() else {
        return Err(LinkError("truncated PPP header"));
    };
    let (proto, rest) = if first & 1 == 1 {
        (u16::from(first), &data[1..])
    } else {
        if data.len() < 2 {
            return Err(LinkError("truncated PPP header"));
        }
        (be16(data, 0), &data[2..])
    };
    Ok(matches!(proto, 0x21 | 0x57).then_some(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: &[u8] = &[0x45, 0, 0, 20];

    fn eth(ty: u16, rest: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; 12];
        v.extend_from_slice(&ty.to_be_bytes());
        v.extend_from_slice(rest);
        v
    }

    #[test]
    fn ethernet_vlan_qinq_mpls_pppoe() {
        assert_eq!(ethernet(&eth(0x0800, IP)), Ok(Some(IP)));
        let q = [&[0, 5, 0x08, 0x00][..], IP].concat();
        assert_eq!(ethernet(&eth(0x8100, &q)), Ok(Some(IP)));
        let qinq = [&[0, 7, 0x81, 0x00, 0, 5, 0x86, 0xdd][..], IP].concat();
        assert_eq!(ethernet(&eth(0x88a8, &qinq)), Ok(Some(IP)));
        let mpls = [&[0, 0x10, 0x00, 64, 0, 0x20, 0x01, 64][..], IP].concat();
        assert_eq!(ethernet(&eth(0x8847, &mpls)), Ok(Some(IP)));
        let pppoe = [&[0x11, 0, 0, 1, 0, 6, 0, 0x21][..], IP].concat();
        assert_eq!(ethernet(&eth(0x8864, &pppoe)), Ok(Some(IP)));
        assert_eq!(ethernet(&eth(0x0806, IP)), Ok(None));
        assert!(ethernet(&[0; 10]).is_err());
        assert!(ethernet(&eth(0x8100, &[0, 1])).is_err());
        // 802.3 with LLC/SNAP.
        let snap = [&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00][..], IP].concat();
        assert_eq!(ethernet(&eth(40, &snap)), Ok(Some(IP)));
    }

    #[test]
    fn cooked_loopback_raw_ppp() {
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(IP);
        assert_eq!(unwrap(SLL, &sll).unwrap().unwrap().ip, IP);

        let mut sll2 = vec![0x86, 0xdd, 0, 0, 0, 0, 0, 3];
        sll2.extend_from_slice(&[0; 12]);
        sll2.extend_from_slice(IP);
        let inner = unwrap(SLL2, &sll2).unwrap().unwrap();
        assert_eq!((inner.ip, inner.ifindex), (IP, Some(3)));

        let null = [&2u32.to_le_bytes()[..], IP].concat();
        assert_eq!(unwrap(NULL, &null).unwrap().unwrap().ip, IP);
        let lo = [&24u32.to_be_bytes()[..], IP].concat();
        assert_eq!(unwrap(LOOP, &lo).unwrap().unwrap().ip, IP);
        assert_eq!(unwrap(NULL, &[7, 0, 0, 0, 1]), Ok(None));

        assert_eq!(unwrap(RAW, IP).unwrap().unwrap().ip, IP);
        assert_eq!(unwrap(RAW, &[0x10]), Ok(None));
        let ppp = [&[0xff, 0x03, 0x00, 0x21][..], IP].concat();
        assert_eq!(unwrap(PPP, &ppp).unwrap().unwrap().ip, IP);
        assert_eq!(unwrap(999, IP), Ok(None));
        assert!(unwrap(SLL2, &[0; 5]).is_err());
    }
}
