//! The trace readers on synthetic captures and logs built in the test
//! (so a fresh clone needs no real capture): framings, link layers, IP
//! versions, UDP, text, bad input, export.

use sipfix::trace::synth::{self, Collect, Resolution, linktype as lt};
use sipfix::trace::{Endpoint, Format, Input, ReadError, Transport, export_pcap, read_inputs};
use std::collections::BTreeSet;

const T0: i64 = 1_700_000_000_123_456_000;

fn invite(call: &str) -> Vec<u8> {
    synth::request("INVITE", call, 1, synth::SDP).into_bytes()
}

fn ok(call: &str) -> Vec<u8> {
    synth::response(200, "OK", call, 1, "INVITE").into_bytes()
}

fn endpoint(s: &str) -> Endpoint {
    let (ip, port) = synth::ep(s);
    Endpoint { ip, port }
}

fn read(data: &[u8]) -> (sipfix::trace::SourceInfo, Collect) {
    let (mut infos, c) = synth::read_bytes(data).unwrap_or_else(|e| panic!("{e}"));
    (infos.remove(0), c)
}

#[test]
fn udp_over_every_link_layer() {
    let v4 = synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5062", &invite("v4"));
    let v6 = synth::udp_ip("[2001:db8::1]:5060", "[2001:db8::2]:5070", &invite("v6"));
    let cases: Vec<(u32, Vec<u8>, &str)> = vec![
        (lt::ETHERNET, synth::eth(&v4), "Ethernet"),
        (lt::ETHERNET, synth::eth(&v6), "Ethernet"),
        (lt::ETHERNET, synth::vlan(&[100], &v4), "Ethernet"),
        (lt::ETHERNET, synth::vlan(&[100, 200], &v6), "Ethernet"),
        (lt::ETHERNET, synth::pppoe(&v4), "Ethernet"),
        (lt::SLL, synth::sll(&v4), "Linux cooked v1"),
        (lt::SLL2, synth::sll2(7, &v6), "Linux cooked v2"),
        (lt::RAW, v4.clone(), "raw IP"),
        (lt::RAW, v6.clone(), "raw IP"),
        (lt::IPV4, v4.clone(), "raw IPv4"),
        (lt::IPV6, v6.clone(), "raw IPv6"),
        (lt::NULL, synth::null_loopback(&v4), "BSD loopback"),
        (lt::NULL, synth::null_loopback(&v6), "BSD loopback"),
        (lt::LOOP, synth::openbsd_loop(&v6), "OpenBSD loopback"),
    ];
    for (linktype, frame, name) in cases {
        let v6 = frame.len() > 40 && frame.windows(4).any(|w| w == b"v6\r\n");
        let cap = synth::pcap(linktype, &[(T0, frame)]);
        let (info, c) = read(&cap);
        assert_eq!(info.format, Format::Pcap);
        assert_eq!(info.link_types, vec![name.to_string()]);
        assert_eq!(c.records.len(), 1, "{name}: {:?}", c.problems);
        assert!(c.problems.is_empty(), "{name}: {:?}", c.problems);
        let r = &c.records[0];
        assert_eq!((r.file, r.frame, r.frames.clone()), (0, 1, vec![1]));
        assert_eq!(r.time_ns, Some(T0));
        assert_eq!(r.transport, Transport::Udp);
        let (src, dst) = if v6 {
            ("[2001:db8::1]:5060", "[2001:db8::2]:5070")
        } else {
            ("10.0.0.1:5060", "10.0.0.2:5062")
        };
        assert_eq!(r.src, Some(endpoint(src)), "{name}");
        assert_eq!(r.dst, Some(endpoint(dst)), "{name}");
        assert!(
            r.text()
                .starts_with("INVITE sip:bob@example.com SIP/2.0\r\n")
        );
        assert!(r.text().ends_with(synth::SDP), "{name}");
        if linktype == lt::SLL2 {
            assert_eq!(r.interface, 7 << 16);
        }
    }
}

#[test]
fn sip_on_any_port_and_nothing_but_sip() {
    let rtp = [0x80u8, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xfe];
    let frames = vec![
        // SIP on a port nobody would guess.
        (
            T0,
            synth::eth(&synth::udp_ip(
                "10.0.0.1:40000",
                "10.0.0.2:12345",
                &invite("odd"),
            )),
        ),
        // RTP, a keep-alive, an HTTP request: none is SIP.
        (
            T0 + 1,
            synth::eth(&synth::udp_ip("10.0.0.1:4000", "10.0.0.2:4002", &rtp)),
        ),
        (
            T0 + 2,
            synth::eth(&synth::udp_ip(
                "10.0.0.1:5060",
                "10.0.0.2:5060",
                b"\r\n\r\n",
            )),
        ),
        (
            T0 + 3,
            synth::eth(&synth::udp_ip(
                "10.0.0.1:80",
                "10.0.0.2:80",
                b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            )),
        ),
        // An ARP frame.
        (T0 + 4, synth::ethernet(0x0806, &[0; 28])),
        // A response with bytes after its Content-Length (discarded,
        // RFC 3261 §18.3) and CRLFs before it.
        (
            T0 + 5,
            synth::eth(&synth::udp_ip(
                "10.0.0.2:12345",
                "10.0.0.1:40000",
                &[b"\r\n".as_slice(), &ok("odd"), b"GARBAGE"].concat(),
            )),
        ),
    ];
    let (info, c) = read(&synth::pcap(lt::ETHERNET, &frames));
    assert_eq!(info.packets, 6);
    assert_eq!(info.sip_messages, 2);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.records.iter().map(|r| r.frame).collect::<Vec<_>>(),
        vec![1, 6]
    );
    assert_eq!(c.records[1].sip, ok("odd"));
}

#[test]
fn pcap_byte_orders_and_resolutions() {
    let frame = synth::eth(&synth::udp_ip(
        "10.0.0.1:5060",
        "10.0.0.2:5060",
        &invite("x"),
    ));
    for (res, be) in [
        (Resolution::Micro, false),
        (Resolution::Micro, true),
        (Resolution::Nano, false),
        (Resolution::Nano, true),
    ] {
        let t = T0 + 789; // sub-microsecond part kept only in nanosecond files
        let cap = synth::pcap_with(lt::ETHERNET, res, be, &[(t, frame.clone())]);
        let (_, c) = read(&cap);
        assert_eq!(c.records.len(), 1);
        let want = if res == Resolution::Nano { t } else { T0 };
        assert_eq!(c.records[0].time_ns, Some(want), "{res:?} big-endian {be}");
    }
}

#[test]
fn pcapng_sections_interfaces_and_resolutions() {
    let v4 = synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", &invite("a"));
    let v6 = synth::udp_ip("[::1]:5060", "[::2]:5060", &ok("a"));
    let mut w = synth::PcapngWriter::new(Vec::new(), false).unwrap();
    let eth = w.interface(lt::ETHERNET, 6).unwrap();
    let sll2 = w.interface(lt::SLL2, 9).unwrap();
    w.packet(eth, T0, &synth::eth(&v4), 0).unwrap();
    w.packet(sll2, T0 + 1, &synth::sll2(3, &v6), 0).unwrap();
    // A simple packet block: interface 0, no time.
    w.simple_packet(&synth::eth(&v4)).unwrap();
    // An unknown block type is skipped.
    w.raw_block(0x0bad_cafe & 0x7fff_ffff, b"whatever").unwrap();
    let mut bytes = w.into_inner();
    // A second section, big-endian, with a binary-fraction interface.
    let mut w = synth::PcapngWriter::new(Vec::new(), true).unwrap();
    let raw = w.interface(lt::RAW, 0x80 | 20).unwrap();
    w.packet(raw, T0 + 2_000, &v4, 0).unwrap();
    bytes.extend(w.into_inner());

    let (info, c) = read(&bytes);
    assert_eq!(info.format, Format::Pcapng);
    assert_eq!(
        info.link_types,
        vec!["Ethernet", "Linux cooked v2", "raw IP"]
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.records.len(), 4, "{:?}", c.records);
    let got: Vec<(u64, u32, Option<i64>)> = c
        .records
        .iter()
        .map(|r| (r.frame, r.interface, r.time_ns))
        .collect();
    // Microsecond interface: the nanoseconds are lost; 2^-20 s units:
    // within a microsecond.
    assert_eq!(got[0], (1, 0, Some(T0 / 1000 * 1000)));
    assert_eq!(got[1], (2, 1 | (3 << 16), Some(T0 + 1)));
    assert_eq!(got[2], (3, 0, None));
    assert_eq!((got[3].0, got[3].1), (4, 2));
    let t = got[3].2.unwrap();
    assert!((t - (T0 + 2_000)).abs() < 1_000, "{t}");
}

#[test]
fn gzip_captures_and_logs() {
    let frame = synth::eth(&synth::udp_ip(
        "10.0.0.1:5060",
        "10.0.0.2:5060",
        &invite("z"),
    ));
    let cap = synth::pcapng(lt::ETHERNET, &[(T0, frame)]);
    let (info, c) = read(&synth::gzip(&cap));
    assert!(info.gzip);
    assert_eq!(info.format, Format::Pcapng);
    assert_eq!(info.bytes, cap.len() as u64);
    assert_eq!(c.records.len(), 1);

    let log = [b"some log line\n".as_slice(), &invite("z")].concat();
    let (info, c) = read(&synth::gzip(&log));
    assert!(info.gzip);
    assert_eq!(info.format, Format::Raw);
    assert_eq!(c.records.len(), 1);
}

/// A log that starts with a hole of NULs longer than the detection window
/// (`logrotate copytruncate` while the writer went on at its old offset):
/// read from the first byte after the hole, which is reported.
#[test]
fn a_log_after_a_long_hole_of_nuls_is_read() {
    let log = [vec![0u8; 200 << 10], invite("hole").to_vec()].concat();
    let (info, c) = read(&log);
    assert_eq!(info.format, Format::Raw);
    assert_eq!(c.records.len(), 1);
    assert!(
        c.problems
            .iter()
            .any(|p| p.text.contains("starts with 204800 NUL bytes")),
        "{:?}",
        c.problems
    );
    assert!(
        synth::read_bytes(&[0u8; 100_000]).is_err(),
        "only NULs: not a log"
    );
}

/// A small gzip file cut short (a rotated capture copied while written)
/// fails inside the first window read to detect its format: what it holds
/// is still read, and the cut is a problem, as it is further on.
#[test]
fn a_small_gzip_capture_cut_short_keeps_what_came_before() {
    let frames: Vec<(i64, Vec<u8>)> = (0..40)
        .map(|i| {
            let ip = synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", &invite(&format!("g{i}")));
            (T0 + i, synth::eth(&ip))
        })
        .collect();
    let gz = synth::gzip(&synth::pcap(lt::ETHERNET, &frames));
    let cut = &gz[..gz.len() * 3 / 4];
    let (info, c) = read(cut);
    assert!(info.gzip);
    assert_eq!(info.format, Format::Pcap);
    assert!(c.records.len() >= 10, "{} messages kept", c.records.len());
    assert!(c.records.len() < 40);
    assert!(
        c.problems
            .iter()
            .any(|p| p.text.contains("read error after")),
        "{:?}",
        c.problems
    );
}

#[test]
fn a_truncated_capture_keeps_what_came_before() {
    let frames: Vec<(i64, Vec<u8>)> = (0..3)
        .map(|i| {
            (
                T0 + i,
                synth::eth(&synth::udp_ip(
                    "10.0.0.1:5060",
                    "10.0.0.2:5060",
                    &invite(&format!("t{i}")),
                )),
            )
        })
        .collect();
    for cap in [
        synth::pcap(lt::ETHERNET, &frames),
        synth::pcapng(lt::ETHERNET, &frames),
    ] {
        let cut = &cap[..cap.len() - 100];
        let (_, c) = read(cut);
        assert_eq!(c.records.len(), 2, "{:?}", c.problems);
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert_eq!(c.problems[0].frame, Some(3));
        assert!(c.problems[0].text.contains("cut short"), "{:?}", c.problems);
    }
}

#[test]
fn a_corrupt_record_header_is_skipped() {
    let frames: Vec<(i64, Vec<u8>)> = (0..3)
        .map(|i| {
            (
                T0 + i * 1000,
                synth::eth(&synth::udp_ip(
                    "10.0.0.1:5060",
                    "10.0.0.2:5060",
                    &invite(&format!("c{i}")),
                )),
            )
        })
        .collect();
    // pcap: the second record's captured length becomes absurd.
    let mut cap = synth::pcap(lt::ETHERNET, &frames);
    let second = 24 + 16 + frames[0].1.len();
    cap[second + 8..second + 12].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    let (_, c) = read(&cap);
    let calls: Vec<String> = c.records.iter().map(|r| r.text()).collect();
    assert_eq!(calls.len(), 2, "{:?}", c.problems);
    assert!(calls[0].contains("Call-ID: c0") && calls[1].contains("Call-ID: c2"));
    assert_eq!(c.problems.len(), 1);
    assert!(c.problems[0].text.contains("corrupt record header"));

    // pcapng: the second block's length becomes absurd.
    let mut cap = synth::pcapng(lt::ETHERNET, &frames);
    let shb = u32::from_le_bytes(cap[4..8].try_into().unwrap()) as usize;
    let idb = u32::from_le_bytes(cap[shb + 4..shb + 8].try_into().unwrap()) as usize;
    let epb0 = shb + idb;
    let epb1 = epb0 + u32::from_le_bytes(cap[epb0 + 4..epb0 + 8].try_into().unwrap()) as usize;
    cap[epb1 + 4..epb1 + 8].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let (_, c) = read(&cap);
    let calls: Vec<String> = c.records.iter().map(|r| r.text()).collect();
    assert_eq!(calls.len(), 2, "{:?}", c.problems);
    assert!(calls[1].contains("Call-ID: c2"));
    assert_eq!(c.problems.len(), 1);
    assert!(c.problems[0].text.contains("corrupt block"));
}

#[test]
fn broken_packets_are_problems_not_panics() {
    let good = synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", &invite("g"));
    let frames = vec![
        (T0, synth::ethernet(0x0800, &[0x45, 0, 0])),
        (T0, synth::ethernet(0x0800, &[0x15; 30])),
        (T0, vec![0; 6]),
        (T0, synth::eth(&good)),
    ];
    let (_, c) = read(&synth::pcap(lt::ETHERNET, &frames));
    assert_eq!(c.records.len(), 1);
    let frames: Vec<Option<u64>> = c.problems.iter().map(|p| p.frame).collect();
    assert_eq!(frames, vec![Some(1), Some(2), Some(3)], "{:?}", c.problems);
}

/// A capture whose record of each frame keeps only its first `caplen`
/// bytes (`tcpdump -s`), the frame's whole length in the record header.
fn snapped(frames: &[(i64, Vec<u8>, usize)]) -> Vec<u8> {
    let mut w =
        synth::PcapWriter::new(Vec::new(), lt::ETHERNET, Resolution::Micro, false, 200).unwrap();
    for (t, frame, caplen) in frames {
        w.packet(*t, &frame[..*caplen], frame.len() as u32).unwrap();
    }
    w.into_inner()
}

/// A UDP frame of `sip`, and the length that cuts it just after the
/// first `upto` in the message.
fn cut_after(sip: &[u8], upto: &str) -> (Vec<u8>, usize) {
    let frame = synth::eth(&synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", sip));
    let at = sip
        .windows(upto.len())
        .position(|w| w == upto.as_bytes())
        .unwrap();
    let head = frame.len() - sip.len();
    (frame, head + at + upto.len())
}

/// Packets cut by the capture's snap length: the last line of each, cut
/// inside, is not read (a Call-ID cut short would be another call). A
/// message that kept every header that places it in a call (Call-ID,
/// CSeq, Via, From, To) is handed on without that line; one that lost
/// one is not. The cut packets are one problem line, not one each.
#[test]
fn a_line_cut_by_the_snap_length_is_not_read() {
    let lost = synth::request("INVITE", "snap-lost-call", 1, synth::SDP);
    let kept = synth::request("INVITE", "snap-kept", 1, synth::SDP);
    let ok = synth::response(200, "OK", "snap-kept", 1, "INVITE");
    let (f1, n1) = cut_after(lost.as_bytes(), "Call-ID: snap-lo");
    let (f2, n2) = cut_after(kept.as_bytes(), "Contact: <sip:al");
    // The CR survived: the CSeq line is whole.
    let (f3, n3) = cut_after(ok.as_bytes(), "CSeq: 1 INVITE\r");
    let (_, c) = read(&snapped(&[
        (T0, f1, n1),
        (T0 + 1, f2, n2),
        (T0 + 2, f3, n3),
    ]));
    let texts: Vec<String> = c.records.iter().map(|r| r.text()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains("snap-lo")), "{texts:?}");
    assert_eq!(texts[0], kept[..kept.find("Contact:").unwrap()]);
    assert_eq!(texts[1], ok[..ok.find("Content-Length").unwrap() - 1]);
    let problems: Vec<&str> = c.problems.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(c.problems[0].frame, None);
    let p = problems[0];
    assert!(
        p.starts_with("3 SIP packets cut to the capture's snap length (")
            && p.contains("the first is frame 1")
            && p.contains("1 of them lost their Call-ID, CSeq, Via, From or To and are in no call")
            && p.contains("-s 0"),
        "{p}"
    );
}

/// UTF-16 text (PowerShell's `>` writes UTF-16LE with a byte-order mark)
/// is told apart from binary data: the error names the encoding and the
/// iconv command that converts it, with a forced format too, and inside
/// gzip.
#[test]
fn utf16_text_is_refused_with_the_way_to_convert_it() {
    let log = [b"some log line\r\n".as_slice(), &invite("u16")].concat();
    let units: Vec<u16> = String::from_utf8(log).unwrap().encode_utf16().collect();
    let le: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    let cases = [
        ([&[0xFF, 0xFE][..], &le].concat(), "UTF-16", false),
        ([&[0xFE, 0xFF][..], &be].concat(), "UTF-16", false),
        (le.clone(), "UTF-16LE", false),
        (be, "UTF-16BE", false),
        (
            synth::gzip(&[&[0xFF, 0xFE][..], &le].concat()),
            "UTF-16",
            true,
        ),
    ];
    for (bytes, encoding, gzip) in cases {
        for format in [Format::Auto, Format::Pjsip] {
            let mut c = Collect::default();
            let err = read_inputs(&[Input::Bytes(bytes.clone())], format, &mut c).unwrap_err();
            assert_eq!(
                err,
                ReadError::Utf16 {
                    path: "-".into(),
                    encoding,
                    gzip
                },
                "{encoding} {format:?}"
            );
            let line = err.to_string();
            assert!(!line.contains('\n'), "{line}");
            assert!(
                line.contains(&format!("{encoding} text"))
                    && line.contains(&format!("iconv -f {encoding} -t UTF-8")),
                "{line}"
            );
        }
    }
    // A file: the command converts it by name (quoted when it must be).
    let err = ReadError::Utf16 {
        path: "/tmp/my log.txt".into(),
        encoding: "UTF-16",
        gzip: false,
    };
    assert!(
        err.to_string()
            .ends_with("iconv -f UTF-16 -t UTF-8 '/tmp/my log.txt' > '/tmp/my log.txt'.utf8"),
        "{err}"
    );
    let err = ReadError::Utf16 {
        path: "ps.log.gz".into(),
        encoding: "UTF-16",
        gzip: true,
    };
    assert!(
        err.to_string()
            .ends_with("zcat ps.log.gz | iconv -f UTF-16 -t UTF-8 > ps.log.gz.utf8"),
        "{err}"
    );
}

#[test]
fn not_a_trace_is_one_clear_error() {
    for (bytes, why) in [
        (&b""[..], "empty"),
        (&[0u8, 1, 2, 3, 4, 5, 6, 7, 0xff, 0xfe][..], "binary"),
        (&b"just some text\nwith no SIP in it\n"[..], "no SIP"),
        (&b"\xEF\xBB\xBF"[..], "a byte-order mark alone"),
    ] {
        let err = synth::read_bytes(bytes).unwrap_err();
        assert!(matches!(err, ReadError::NotATrace { .. }), "{why}");
        let line = err.to_string();
        assert!(!line.contains('\n'));
        for name in [
            "pcap", "pcapng", "PJSIP", "chan_sip", "sofia", "sipdump", "sngrep", "ngrep", "raw SIP",
        ] {
            assert!(line.contains(name), "{why}: {line}");
        }
    }
    // A missing file, and a forced format that does not fit.
    let mut c = Collect::default();
    let err = read_inputs(
        &[Input::Path("/nonexistent/x.pcap".into())],
        Format::Auto,
        &mut c,
    )
    .unwrap_err();
    assert!(matches!(err, ReadError::Open { .. }));
    assert!(err.to_string().contains("/nonexistent/x.pcap"));
    let err = read_inputs(&[Input::Bytes(invite("x"))], Format::Pcap, &mut c).unwrap_err();
    assert!(matches!(err, ReadError::WrongFormat { .. }), "{err}");
    // Forcing raw on a capture is also refused (binary is not a log).
    let cap = synth::pcap(lt::ETHERNET, &[]);
    let err = read_inputs(&[Input::Bytes(cap)], Format::Raw, &mut c).unwrap_err();
    assert!(matches!(err, ReadError::WrongFormat { .. }), "{err}");
}

/// A file compressed otherwise than with gzip, a systemd journal file or
/// an archive is named, with the command that makes it readable: it was
/// "binary data of no known capture format" (or text, for a journal).
#[test]
fn a_compressed_file_a_journal_or_an_archive_is_named() {
    let mut tar = vec![0u8; 600];
    tar[..9].copy_from_slice(b"call.pcap");
    tar[257..262].copy_from_slice(b"ustar");
    let mut journal = b"LPKSHHRH".to_vec();
    journal.extend([0u8; 8]);
    journal.extend(b"some text after the header");
    for (bytes, said) in [
        (
            b"\xFD7zXZ\x00\x00\x04\xE6\xD6\xB4\x46".to_vec(),
            "xz -dc FILE | sipfix triage -",
        ),
        (
            b"BZh91AY&SY\x01\x02".to_vec(),
            "bzip2 -dc FILE | sipfix triage -",
        ),
        (
            b"\x28\xB5\x2F\xFD\x24\x00".to_vec(),
            "zstd -dc FILE | sipfix triage -",
        ),
        (
            journal,
            "journalctl --file FILE -o short-iso | sipfix triage -",
        ),
        (
            b"PK\x03\x04\x14\x00\x00\x00".to_vec(),
            "a zip archive: unpack it",
        ),
        (tar, "a tar archive: unpack it"),
    ] {
        let err = synth::read_bytes(&bytes).unwrap_err();
        assert!(matches!(err, ReadError::NotATrace { .. }), "{said}");
        assert!(err.to_string().contains(said), "{err}");
    }
}

#[test]
fn a_bad_input_among_good_ones_fails_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.pcap");
    std::fs::write(
        &good,
        synth::pcap(
            lt::ETHERNET,
            &[(
                T0,
                synth::eth(&synth::udp_ip("10.0.0.1:1", "10.0.0.2:2", &invite("g"))),
            )],
        ),
    )
    .unwrap();
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, [0u8; 64]).unwrap();
    let mut c = Collect::default();
    let err = read_inputs(&[Input::Path(good), Input::Path(bad)], Format::Auto, &mut c);
    assert!(err.is_err());
    assert!(c.records.is_empty(), "nothing read before the check");
}

#[test]
fn several_inputs_are_numbered_in_order() {
    let cap = |call: &str| {
        synth::pcap(
            lt::ETHERNET,
            &[(
                T0,
                synth::eth(&synth::udp_ip("10.0.0.1:1", "10.0.0.2:2", &invite(call))),
            )],
        )
    };
    let mut c = Collect::default();
    let infos = read_inputs(
        &[
            Input::Bytes(cap("first")),
            Input::Bytes(invite("second")),
            Input::Bytes(cap("third")),
        ],
        Format::Auto,
        &mut c,
    )
    .unwrap();
    let formats: Vec<Format> = infos.iter().map(|i| i.format).collect();
    assert_eq!(formats, vec![Format::Pcap, Format::Raw, Format::Pcap]);
    let files: Vec<(u32, u64)> = c.records.iter().map(|r| (r.file, r.frame)).collect();
    assert_eq!(files, vec![(0, 1), (1, 1), (2, 1)]);
    assert!(c.progress_calls >= 3);
}

#[test]
fn raw_messages_between_log_lines() {
    let log = "\
[2024-05-01 10:00:00] NOTICE: something unrelated
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1
Call-ID: one
CSeq: 1 INVITE
Content-Length: 10

v=0
a=b
[2024-05-01 10:00:01] VERBOSE: between messages
    SIP/2.0 486 Busy Here
    Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1
    Call-ID: one
    CSeq: 1 INVITE
    Content-Length: 0

BYE sip:bob@example.com SIP/2.0
Call-ID: two
CSeq: 2 BYE
";
    let (info, c) = read(log.as_bytes());
    assert_eq!(info.format, Format::Raw);
    assert_eq!(info.packets, 3);
    let texts: Vec<String> = c.records.iter().map(|r| r.text()).collect();
    assert_eq!(
        texts[0],
        "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
         Call-ID: one\r\nCSeq: 1 INVITE\r\nContent-Length: 10\r\n\r\nv=0\r\na=b\r\n"
    );
    assert_eq!(
        texts[1],
        "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
         Call-ID: one\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(
        texts[2],
        "BYE sip:bob@example.com SIP/2.0\r\nCall-ID: two\r\nCSeq: 2 BYE\r\n"
    );
    let frames: Vec<u64> = c.records.iter().map(|r| r.frame).collect();
    assert_eq!(frames, vec![1, 2, 3]);
    assert!(c.records.iter().all(|r| r.src.is_none()));
    // A message takes the time of a timestamped line just before it.
    let t0 = 1_714_557_600_000_000_000; // 2024-05-01 10:00:00 UTC
    let times: Vec<Option<i64>> = c.records.iter().map(|r| r.time_ns).collect();
    assert_eq!(times, vec![Some(t0), Some(t0 + 1_000_000_000), None]);
}

#[test]
fn export_copies_the_chosen_frames() {
    let frames: Vec<(i64, Vec<u8>)> = (0..4)
        .map(|i| {
            (
                T0 + i * 1_000_000,
                synth::eth(&synth::udp_ip(
                    "10.0.0.1:5060",
                    "10.0.0.2:5060",
                    &invite(&format!("e{i}")),
                )),
            )
        })
        .collect();
    let inputs = [Input::Bytes(synth::pcapng(lt::ETHERNET, &frames))];
    let chosen: BTreeSet<(u32, u64)> = [(0, 2), (0, 4)].into_iter().collect();
    let mut out = Vec::new();
    assert_eq!(
        export_pcap(&inputs, Format::Auto, &chosen, &mut out).unwrap(),
        2
    );
    let (info, c) = read(&out);
    assert_eq!(info.format, Format::Pcap, "one link type: a pcap");
    let texts: Vec<String> = c.records.iter().map(|r| r.text()).collect();
    assert!(texts[0].contains("Call-ID: e1") && texts[1].contains("Call-ID: e3"));
    assert_eq!(c.records[1].time_ns, Some(T0 + 3_000_000));
}

#[test]
fn export_of_mixed_link_types_and_logs_is_pcapng() {
    let v4 = synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", &invite("m"));
    let inputs = [
        Input::Bytes(synth::pcap(lt::ETHERNET, &[(T0, synth::eth(&v4))])),
        Input::Bytes(synth::pcap(lt::SLL, &[(T0 + 1, synth::sll(&v4))])),
        Input::Bytes(invite("from-log")),
    ];
    let chosen: BTreeSet<(u32, u64)> = [(0, 1), (1, 1), (2, 1)].into_iter().collect();
    let mut out = Vec::new();
    assert_eq!(
        export_pcap(&inputs, Format::Auto, &chosen, &mut out).unwrap(),
        3
    );
    let (info, c) = read(&out);
    assert_eq!(info.format, Format::Pcapng);
    assert_eq!(info.link_types, vec!["Ethernet", "Linux cooked v1"]);
    assert_eq!(c.records.len(), 3);
    // The log's message became a UDP packet between the stand-in addresses,
    // first: a log without times puts it at the epoch plus its number in ms.
    let log = &c.records[0];
    assert_eq!(log.time_ns, Some(1_000_000));
    assert!(log.text().contains("Call-ID: from-log"));
    assert_eq!(log.src, Some(endpoint("127.0.0.1:5060")));
    assert_eq!(log.dst, Some(endpoint("127.0.0.2:5060")));
    // Standard input cannot be read twice.
    let err = export_pcap(&[Input::Stdin], Format::Auto, &chosen, &mut Vec::new()).unwrap_err();
    assert_eq!(err, ReadError::StdinAgain);
}

/// Inputs given out of time order are exported in time order, as the
/// report reads them: inputs that do not overlap one after the other,
/// earliest first; inputs that overlap merged packet by packet, equal
/// times in the order of the inputs, then of the packets.
#[test]
fn export_writes_the_inputs_in_time_order() {
    let ms = |n: i64| T0 + n * 1_000_000;
    let v4 = |call: &str| synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", &invite(call));
    let eth = |frames: &[(i64, &str)]| {
        let f: Vec<(i64, Vec<u8>)> = frames
            .iter()
            .map(|&(t, call)| (t, synth::eth(&v4(call))))
            .collect();
        synth::pcap(lt::ETHERNET, &f)
    };
    let calls = |c: &Collect| -> Vec<String> {
        c.records
            .iter()
            .map(|r| {
                r.text()
                    .lines()
                    .find_map(|l| l.strip_prefix("Call-ID: "))
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let in_order = |c: &Collect| {
        let t: Vec<i64> = c.records.iter().map(|r| r.time_ns.unwrap()).collect();
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
    };

    // Two captures of one call, the later given first (frame 3 of it is
    // not chosen).
    let inputs = [
        Input::Bytes(eth(&[
            (ms(4000), "200"),
            (ms(9000), "bye"),
            (ms(9010), "x"),
        ])),
        Input::Bytes(eth(&[(ms(0), "invite"), (ms(500), "180")])),
    ];
    let chosen: BTreeSet<(u32, u64)> = [(0, 1), (0, 2), (1, 1), (1, 2)].into_iter().collect();
    let mut out = Vec::new();
    assert_eq!(
        export_pcap(&inputs, Format::Auto, &chosen, &mut out).unwrap(),
        4
    );
    let (info, c) = read(&out);
    assert_eq!(info.format, Format::Pcap);
    in_order(&c);
    assert_eq!(calls(&c), ["invite", "180", "200", "bye"]);

    // Two captures of the same time (two interfaces), of two link types,
    // given in reverse: merged.
    let sll: Vec<(i64, Vec<u8>)> = [(ms(5), "b0"), (ms(10), "b1"), (ms(15), "b2")]
        .iter()
        .map(|&(t, call)| (t, synth::sll(&v4(call))))
        .collect();
    let inputs = [
        Input::Bytes(eth(&[
            (ms(0), "a0"),
            (ms(10), "a1"),
            (ms(10), "a2"),
            (ms(20), "a3"),
            (ms(25), "a4"),
        ])),
        Input::Bytes(synth::pcap(lt::SLL, &sll)),
    ];
    let chosen: BTreeSet<(u32, u64)> = [(0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (1, 2), (1, 3)]
        .into_iter()
        .collect();
    let mut out = Vec::new();
    assert_eq!(
        export_pcap(&inputs, Format::Auto, &chosen, &mut out).unwrap(),
        7
    );
    let (info, c) = read(&out);
    assert_eq!(info.format, Format::Pcapng, "two link types");
    in_order(&c);
    assert_eq!(calls(&c), ["a0", "b0", "a1", "a2", "b1", "b2", "a3"]);

    // A write that fails while inputs are merged ends the export with that
    // error (the inputs' readers stop; nothing waits for ever).
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.0 < b.len() {
                return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
            }
            self.0 -= b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let many = |lt: u32, link: fn(&[u8]) -> Vec<u8>| {
        let f: Vec<(i64, Vec<u8>)> = (0..500).map(|i| (ms(i), link(&v4("m")))).collect();
        synth::pcap(lt, &f)
    };
    let inputs = [
        Input::Bytes(many(lt::ETHERNET, synth::eth)),
        Input::Bytes(many(lt::SLL, synth::sll)),
    ];
    let chosen: BTreeSet<(u32, u64)> = (0..2)
        .flat_map(|f| (1..=500).map(move |n| (f, n)))
        .collect();
    let err = export_pcap(&inputs, Format::Auto, &chosen, &mut Full(5000)).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Write {
                kind: std::io::ErrorKind::StorageFull,
                ..
            }
        ),
        "{err:?}"
    );
}

/// A PBX log names only the far end of each message: the logging host is
/// then one and the same stand-in address on both directions, so the
/// exported flow has two parties, not three.
#[test]
fn export_of_a_pbx_log_gives_the_logging_host_one_address() {
    let log = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs/pjsip.log"),
    )
    .unwrap();
    let inputs = [Input::Bytes(log)];
    let chosen: BTreeSet<(u32, u64)> = [(0, 1), (0, 2), (0, 3)].into_iter().collect();
    let mut out = Vec::new();
    assert_eq!(
        export_pcap(&inputs, Format::Auto, &chosen, &mut out).unwrap(),
        3
    );
    let (_, c) = read(&out);
    let pbx = Some(endpoint("127.0.0.1:5060"));
    let far = Some(endpoint("192.0.2.10:5060"));
    let flows: Vec<_> = c.records.iter().map(|r| (r.src, r.dst)).collect();
    assert_eq!(flows, [(far, pbx), (pbx, far), (pbx, far)]);
}

#[test]
fn a_pipe_given_as_a_path_is_read_once() {
    // `sipfix triage <(zcat x.pcap.gz)`: the path is a FIFO; checking it
    // before reading would swallow its start.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo only reads the path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let cap = synth::pcap(
        lt::ETHERNET,
        &[(
            T0,
            synth::eth(&synth::udp_ip("10.0.0.1:1", "10.0.0.2:2", &invite("fifo"))),
        )],
    );
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, cap).unwrap())
    };
    let mut c = Collect::default();
    let infos = read_inputs(&[Input::Path(fifo)], Format::Auto, &mut c).unwrap();
    writer.join().unwrap();
    assert_eq!(infos[0].format, Format::Pcap);
    assert_eq!(c.records.len(), 1);
}

#[test]
fn progress_is_reported_every_few_megabytes() {
    let frame = synth::eth(&synth::udp_ip(
        "10.0.0.1:5060",
        "10.0.0.2:5060",
        &invite("p"),
    ));
    let frames: Vec<(i64, Vec<u8>)> = (0..20_000).map(|i| (T0 + i, frame.clone())).collect();
    let cap = synth::pcapng(lt::ETHERNET, &frames);
    assert!(cap.len() > 9 << 20);
    let (_, c) = read(&cap);
    // At 4 MiB, 8 MiB, and the end.
    assert!(c.progress_calls >= 3, "{}", c.progress_calls);
}
