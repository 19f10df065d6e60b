//! `--export-pcap` (`sipfix::trace::export_pcap`) on inputs built in the
//! test: what the written file holds, read back field by field (its
//! header, record headers and blocks by hand, its messages with sipfix's
//! own reader).

use sipfix::trace::synth::{self, Resolution, flags, linktype as lt};
use sipfix::trace::{Endpoint, Format, Input, Transport, export_pcap};
use std::collections::BTreeSet;

/// 2023-11-14T22:13:20Z.
const T0: i64 = 1_700_000_000_000_000_000;
const A: &str = "10.0.0.1:5060";
const B: &str = "10.0.0.2:5060";

fn invite(call: &str) -> Vec<u8> {
    synth::request("INVITE", call, 1, synth::SDP).into_bytes()
}

fn endpoint(s: &str) -> Endpoint {
    let (ip, port) = synth::ep(s);
    Endpoint { ip, port }
}

fn set(pairs: &[(u32, u64)]) -> BTreeSet<(u32, u64)> {
    pairs.iter().copied().collect()
}

fn export(inputs: &[Input], chosen: &BTreeSet<(u32, u64)>) -> Vec<u8> {
    let mut out = Vec::new();
    export_pcap(inputs, Format::Auto, chosen, &mut out).unwrap();
    out
}

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A pcap record: seconds, fraction, captured bytes.
type Rec = (u32, u32, Vec<u8>);

/// A little-endian pcap file: its magic, link type, and records.
fn pcap_records(b: &[u8]) -> (u32, u32, Vec<Rec>) {
    assert!(b.len() >= 24, "not a pcap: {} bytes", b.len());
    let (magic, linktype) = (u32le(b, 0), u32le(b, 20));
    let mut recs = Vec::new();
    let mut at = 24;
    while at < b.len() {
        let caplen = u32le(b, at + 8) as usize;
        recs.push((
            u32le(b, at),
            u32le(b, at + 4),
            b[at + 16..at + 16 + caplen].to_vec(),
        ));
        at += 16 + caplen;
    }
    (magic, linktype, recs)
}

/// A little-endian pcapng file's blocks: (type, body between the lengths).
fn pcapng_blocks(b: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut blocks = Vec::new();
    let mut at = 0;
    while at + 12 <= b.len() {
        let len = u32le(b, at + 4) as usize;
        blocks.push((u32le(b, at), b[at + 8..at + len - 4].to_vec()));
        at += len;
    }
    blocks
}

/// An interface description block's options: (code, value).
fn idb_options(body: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut opts = Vec::new();
    let mut at = 8;
    while at + 4 <= body.len() {
        let (code, len) = (u16le(body, at), usize::from(u16le(body, at + 2)));
        if code == 0 {
            break;
        }
        opts.push((code, body[at + 4..at + 4 + len].to_vec()));
        at += 4 + len.next_multiple_of(4);
    }
    opts
}

/// An interface description block's body: Ethernet, with options.
fn idb(opts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(&262_144u32.to_le_bytes());
    for (code, v) in opts {
        b.extend_from_slice(&code.to_le_bytes());
        b.extend_from_slice(&(v.len() as u16).to_le_bytes());
        b.extend_from_slice(v);
        b.resize(b.len().next_multiple_of(4), 0);
    }
    b.extend_from_slice(&[0; 4]);
    b
}

/// An enhanced packet block's body with a time in the interface's units.
fn epb(iface: u32, units: u64, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&iface.to_le_bytes());
    b.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
    b.extend_from_slice(&(units as u32).to_le_bytes());
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
    b
}

/// A pcap export keeps nanoseconds: the nanosecond magic when a time is
/// not a whole microsecond (a nanosecond pcap, a pcapng at dumpcap's
/// `if_tsresol` 9), the microsecond magic otherwise.
#[test]
fn a_pcap_export_keeps_nanoseconds() {
    let f = |call: &str| synth::eth(&synth::udp_ip(A, B, &invite(call)));
    let sec = (T0 / 1_000_000_000) as u32;

    let ns = synth::pcap_with(
        lt::ETHERNET,
        Resolution::Nano,
        false,
        &[(T0 + 123_456_789, f("a")), (T0 + 200_000_000, f("b"))],
    );
    let (magic, linktype, recs) =
        pcap_records(&export(&[Input::Bytes(ns)], &set(&[(0, 1), (0, 2)])));
    assert_eq!(magic, 0xa1b2_3c4d, "the nanosecond magic");
    assert_eq!(linktype, lt::ETHERNET);
    let times: Vec<(u32, u32)> = recs.iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(times, [(sec, 123_456_789), (sec, 200_000_000)]);
    assert_eq!(recs[0].2, f("a"));

    let ng = synth::pcapng(lt::ETHERNET, &[(T0 + 1, f("c"))]);
    let (magic, _, recs) = pcap_records(&export(&[Input::Bytes(ng)], &set(&[(0, 1)])));
    assert_eq!(magic, 0xa1b2_3c4d);
    assert_eq!((recs[0].0, recs[0].1), (sec, 1));

    // Whole microseconds, even from a nanosecond pcap: the microsecond
    // magic, which the oldest readers know.
    let us = synth::pcap_with(
        lt::ETHERNET,
        Resolution::Nano,
        false,
        &[(T0 + 5_000, f("d"))],
    );
    let (magic, _, recs) = pcap_records(&export(&[Input::Bytes(us)], &set(&[(0, 1)])));
    assert_eq!(magic, 0xa1b2_c3d4, "the microsecond magic");
    assert_eq!((recs[0].0, recs[0].1), (sec, 5));
}

/// A PJSIP logger entry for a message received from `from`
/// (`UDP:192.0.2.10:5060`).
fn pjsip_received(second: u32, from: &str, msg: &[u8]) -> Vec<u8> {
    let kind = if msg.starts_with(b"SIP/2.0") {
        "response"
    } else {
        "request"
    };
    let mut e = format!(
        "[2024-05-01 10:00:{second:02}] VERBOSE[4250] res_pjsip_logger.c: \
         <--- Received SIP {kind} ({} bytes) from {from} --->\n",
        msg.len()
    )
    .into_bytes();
    e.extend_from_slice(msg);
    e.extend_from_slice(b"\n");
    e
}

/// A log's message longer than one UDP datagram holds (65,507 bytes) is
/// written whole, as TCP segments (an Ethernet MTU each), and so is one
/// the log says came over TCP: read back, each is the message the report
/// read, byte for byte.
#[test]
fn a_log_message_too_big_for_udp_is_written_whole_as_tcp() {
    let mut body = String::from(synth::SDP);
    while body.len() < 70_000 {
        body.push_str("a=x-filler:0123456789abcdefghijklmnopqrstuvwxyz\r\n");
    }
    let big = synth::request("INVITE", "big", 1, &body).into_bytes();
    let ok = synth::response(200, "OK", "big", 1, "INVITE").into_bytes();
    let mut log = pjsip_received(1, "UDP:192.0.2.10:5060", &big);
    log.extend(pjsip_received(2, "TCP:192.0.2.10:5060", &ok));
    let (_, read) = synth::read_bytes(&log).unwrap();
    assert_eq!(read.records.len(), 2, "{:?}", read.problems);
    assert!(read.records[0].sip.len() > 70_000);

    let out = export(&[Input::Bytes(log)], &set(&[(0, 1), (0, 2)]));
    let (info, back) = synth::read_bytes(&out).unwrap();
    assert_eq!(info[0].format, Format::Pcap);
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert_eq!(back.records.len(), 2);
    for (b, r) in back.records.iter().zip(&read.records) {
        assert_eq!(b.sip.len(), r.sip.len(), "the message, whole");
        assert!(b.sip == r.sip, "the message, byte for byte");
        assert_eq!(b.transport, Transport::Tcp);
        assert_eq!(b.time_ns, r.time_ns);
    }
    assert_eq!(back.records[0].src, Some(endpoint("192.0.2.10:5060")));
    assert_eq!(back.records[0].dst, Some(endpoint("127.0.0.1:5060")));
    // Segments of at most 1460 bytes (1514-byte frames), numbered on.
    let (_, _, recs) = pcap_records(&out);
    let segs = read.records[0].sip.len().div_ceil(1460) + 1;
    assert_eq!(recs.len(), segs);
    assert!(recs.iter().all(|r| r.2.len() <= 1514));
    let seq = |f: &[u8]| u32::from_be_bytes([f[38], f[39], f[40], f[41]]);
    assert_eq!(seq(&recs[1].2) - seq(&recs[0].2), 1460);
}

/// The logging host facing an IPv6 peer is `::1` (not `::ffff:127.0.0.1`,
/// an IPv4-mapped address, which is not used on the wire); facing an
/// IPv4 one, 127.0.0.1.
#[test]
fn the_logging_host_facing_an_ipv6_peer_is_ipv6_loopback() {
    let mut log = pjsip_received(1, "UDP:[2001:db8::10]:5060", &invite("v6"));
    log.extend(pjsip_received(2, "UDP:192.0.2.10:5060", &invite("v4")));
    let out = export(&[Input::Bytes(log)], &set(&[(0, 1), (0, 2)]));
    let (_, back) = synth::read_bytes(&out).unwrap();
    let flows: Vec<_> = back.records.iter().map(|r| (r.src, r.dst)).collect();
    assert_eq!(
        flows,
        [
            (
                Some(endpoint("[2001:db8::10]:5060")),
                Some(endpoint("[::1]:5060"))
            ),
            (
                Some(endpoint("192.0.2.10:5060")),
                Some(endpoint("127.0.0.1:5060"))
            ),
        ]
    );
}

/// Messages of a log that names neither side (raw messages pasted one
/// after the other) go from the logging host to a peer, and come back the
/// other way: the responses to the caller's requests, and the callee's own
/// requests (its BYE, From and To the other way round). Every message went
/// host to peer before, a response in the direction of its request.
#[test]
fn a_log_naming_no_side_sends_answers_and_the_callees_requests_back() {
    let invite = synth::request("INVITE", "raw", 1, synth::SDP);
    let ringing = synth::response(180, "Ringing", "raw", 1, "INVITE");
    let ok = synth::response(200, "OK", "raw", 1, "INVITE");
    let ack = synth::request("ACK", "raw", 1, "");
    let swap = |m: String| {
        m.replace("From: <sip:alice@example.com>;tag=a1", "X-F")
            .replace(
                "To: <sip:bob@example.com>;tag=b2",
                "From: <sip:bob@example.com>;tag=b2",
            )
            .replace("X-F", "To: <sip:alice@example.com>;tag=a1")
    };
    let bye = swap(synth::request("BYE", "raw", 7, "").replace(
        "To: <sip:bob@example.com>",
        "To: <sip:bob@example.com>;tag=b2",
    ));
    let bye_ok = swap(synth::response(200, "OK", "raw", 7, "BYE"));
    assert!(bye.contains("From: <sip:bob@example.com>;tag=b2"), "{bye}");
    let log = [invite, ringing, ok, ack, bye, bye_ok]
        .concat()
        .into_bytes();
    let (_, read) = synth::read_bytes(&log).unwrap();
    assert_eq!(read.records.len(), 6, "{:?}", read.problems);
    assert!(
        read.records
            .iter()
            .all(|r| r.src.is_none() && r.dst.is_none())
    );

    let all = set(&(1..=6).map(|f| (0, f)).collect::<Vec<_>>());
    let out = export(&[Input::Bytes(log)], &all);
    let (_, back) = synth::read_bytes(&out).unwrap();
    let host = Some(endpoint("127.0.0.1:5060"));
    let peer = Some(endpoint("127.0.0.2:5060"));
    let flows: Vec<_> = back.records.iter().map(|r| (r.src, r.dst)).collect();
    assert_eq!(
        flows,
        [
            (host, peer),
            (peer, host),
            (peer, host),
            (host, peer),
            (peer, host),
            (host, peer),
        ]
    );
}

/// The TCP retransmissions of a chosen message's segments are exported
/// with it (the reassembly drops them, so no message lists them), also
/// one found only when a hole is filled (a copy of a segment that came
/// out of order); a retransmission of another call's message is not.
#[test]
fn tcp_retransmissions_of_a_chosen_message_are_exported() {
    let a = invite("ra");
    let b = synth::request("OPTIONS", "rb", 1, "").into_bytes();
    let c = invite("rc");
    let (a0, b0) = (1000u32, 1000 + a.len() as u32);
    let c0 = b0 + b.len() as u32;
    let seg = |seq: u32, data: &[u8]| {
        synth::eth(&synth::tcp_ip(A, B, seq, flags::ACK | flags::PSH, data))
    };
    let frames: Vec<Vec<u8>> = vec![
        seg(a0, &a[..100]),       // 1: a, first part
        seg(a0 + 100, &a[100..]), // 2: a, the rest
        seg(a0, &a[..100]),       // 3: a's first part again
        seg(b0, &b),              // 4: b
        seg(b0, &b),              // 5: b again
        seg(c0 + 50, &c[50..]),   // 6: c's second part, early
        seg(c0 + 50, &c[50..]),   // 7: and again
        seg(c0, &c[..50]),        // 8: c's first part
    ];
    let timed: Vec<(i64, Vec<u8>)> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (T0 + i as i64 * 1_000_000, f.clone()))
        .collect();
    let cap = synth::pcap(lt::ETHERNET, &timed);
    let (_, read) = synth::read_bytes(&cap).unwrap();
    let calls: Vec<String> = read.records.iter().map(|r| r.text()).collect();
    assert_eq!(read.records.len(), 3, "{calls:?}");
    // The chosen frames, as the report gives them: the calls ra and rc.
    let chosen: BTreeSet<(u32, u64)> = read
        .records
        .iter()
        .filter(|r| !r.text().contains("Call-ID: rb"))
        .flat_map(|r| r.frames.iter().map(|&f| (0, f)))
        .collect();
    assert_eq!(chosen, set(&[(0, 1), (0, 2), (0, 6), (0, 8)]));

    let (_, _, recs) = pcap_records(&export(&[Input::Bytes(cap)], &chosen));
    let got: Vec<usize> = recs
        .iter()
        .map(|r| {
            1 + timed
                .iter()
                .position(|(t, _)| (t % 1_000_000_000) / 1000 == i64::from(r.1))
                .unwrap()
        })
        .collect();
    assert_eq!(got, [1, 2, 3, 6, 7, 8]);
    for (r, n) in recs.iter().zip(got) {
        assert_eq!(r.2, frames[n - 1], "frame {n} copied byte for byte");
    }
}

/// A pcapng export keeps each input interface apart: one interface
/// description per input interface with its name and time resolution
/// (nanoseconds, 2^-20 s), and each packet's time in those units, as
/// read.
#[test]
fn a_pcapng_export_keeps_each_interface() {
    let f = |call: &str| synth::eth(&synth::udp_ip(A, B, &invite(call)));
    let sec = (T0 / 1_000_000_000) as u64;
    let mut w = synth::PcapngWriter::new(Vec::new(), false).unwrap();
    w.raw_block(1, &idb(&[(2, b"eth0"), (9, &[9])])).unwrap();
    w.raw_block(1, &idb(&[(2, b"eth1"), (3, b"the trunk"), (9, &[0x94])]))
        .unwrap();
    let t0 = sec * 1_000_000_000 + 111;
    let t1 = (sec << 20) + 12_345;
    w.raw_block(6, &epb(0, t0, &f("x"))).unwrap();
    w.raw_block(6, &epb(1, t1, &f("y"))).unwrap();
    let input = w.into_inner();

    let out = export(&[Input::Bytes(input)], &set(&[(0, 1), (0, 2)]));
    assert_eq!(&out[..4], &[0x0a, 0x0d, 0x0d, 0x0a], "a pcapng");
    let blocks = pcapng_blocks(&out);
    let idbs: Vec<&Vec<u8>> = blocks.iter().filter(|b| b.0 == 1).map(|b| &b.1).collect();
    assert_eq!(idbs.len(), 2, "one interface per input interface");
    assert_eq!(idb_options(idbs[0]), [(2, b"eth0".to_vec()), (9, vec![9])]);
    assert_eq!(
        idb_options(idbs[1]),
        [
            (2, b"eth1".to_vec()),
            (3, b"the trunk".to_vec()),
            (9, vec![0x94])
        ]
    );
    let epbs: Vec<(u32, u64, Vec<u8>)> = blocks
        .iter()
        .filter(|b| b.0 == 6)
        .map(|(_, b)| {
            let ts = (u64::from(u32le(b, 4)) << 32) | u64::from(u32le(b, 8));
            let len = u32le(b, 12) as usize;
            (u32le(b, 0), ts, b[20..20 + len].to_vec())
        })
        .collect();
    assert_eq!(epbs, [(0, t0, f("x")), (1, t1, f("y"))]);
}
