//! No input makes a reader panic: arbitrary bytes, and real-shaped
//! captures and logs with bytes changed, inserted, removed or cut off.
//! Every outcome is either a `ReadError` (not a trace at all) or records
//! and problems; whatever is read then goes through the whole triage and
//! every report without a panic.

use proptest::prelude::*;
use sipfix::kb::Kb;
use sipfix::render::TextStyle;
use sipfix::trace::filter::Filter;
use sipfix::trace::model::Options;
use sipfix::trace::report::{self, Selection};
use sipfix::trace::synth::{self, linktype as lt};
use sipfix::trace::{Format, Input, read_inputs};

const T0: i64 = 1_700_000_000_000_000_000;

/// A capture with a bit of everything the readers handle.
fn sample_frames() -> Vec<(i64, Vec<u8>)> {
    let inv = synth::request("INVITE", "fuzz", 1, synth::SDP).into_bytes();
    let ok = synth::response(200, "OK", "fuzz", 1, "INVITE").into_bytes();
    let v4 = synth::udp_ip("10.0.0.1:5060", "10.0.0.2:5060", &inv);
    let v6 = synth::udp_ip("[2001:db8::1]:5060", "[2001:db8::2]:5060", &ok);
    vec![
        (T0, synth::eth(&v4)),
        (T0 + 1, synth::vlan(&[10, 20], &v6)),
        (T0 + 2, synth::pppoe(&v4)),
        (
            T0 + 3,
            synth::eth(&synth::udp_ip(
                "10.0.0.1:4000",
                "10.0.0.2:4000",
                &[0x80; 40],
            )),
        ),
    ]
}

fn samples() -> Vec<Vec<u8>> {
    let frames = sample_frames();
    let log = [
        b"noise\n".as_slice(),
        synth::request("INVITE", "log", 1, synth::SDP).as_bytes(),
        b"\n[x] y\n",
        synth::response(486, "Busy Here", "log", 1, "INVITE").as_bytes(),
    ]
    .concat();
    let mut all = vec![
        synth::pcap(lt::ETHERNET, &frames),
        synth::pcapng(lt::ETHERNET, &frames),
        synth::gzip(&synth::pcap(lt::ETHERNET, &frames)),
        log,
    ];
    // One log of each text format (tests/fixtures/logs/).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs");
    for name in crate::trace_logs::FIXTURES {
        all.push(std::fs::read(dir.join(name)).expect("fixture"));
    }
    all
}

/// Read, whatever happens; the point is not to panic. Then the same bytes
/// go through the whole triage (scan, calls, findings) and every report,
/// as `sipfix triage` and the UI's calls view would take them.
fn read_any(data: Vec<u8>, format: Format) {
    let mut c = synth::Collect::default();
    let inputs = [Input::Bytes(data)];
    let Ok(infos) = read_inputs(&inputs, format, &mut c) else {
        return;
    };
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].sip_messages, c.records.len() as u64);
    for r in &c.records {
        assert!(r.frames.contains(&r.frame));
        assert!(!r.sip.is_empty());
    }
    triage_all(&inputs, format, c.records.len() as u64);
}

/// The whole triage of `inputs` and every report of it.
fn triage_all(inputs: &[Input], format: Format, records: u64) {
    let kb = Kb::embedded();
    let t = sipfix::trace::analyze(inputs, format, Options::default(), kb, &mut |_, _| {})
        .expect("read once already");
    assert_eq!(t.messages, records);
    let kept: u64 = t.calls.iter().map(|c| c.msgs.len() as u64).sum();
    assert_eq!(kept + t.duplicates + t.skipped, records);
    let sel = Selection::new(&t, &Filter::default());
    let mut json = Vec::new();
    report::json::write_report(&sel, kb, &mut json).expect("written to memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("the JSON report parses");
    let st = TextStyle {
        width: 80,
        color: false,
        ascii: true,
    };
    let _ = report::text::report(&sel, kb, st, "");
    let _ = report::csv::report(&sel, kb);
    let _ = report::markdown::report(&sel, kb, "");
    for c in &t.calls {
        let _ = report::call::text(&t, kb, c, st);
        let _ = report::call::markdown(&t, kb, c, false);
    }
}

fn formats() -> impl Strategy<Value = Format> {
    prop::sample::select(vec![
        Format::Auto,
        Format::Pcap,
        Format::Pcapng,
        Format::Raw,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), format in formats()) {
        read_any(bytes, format);
    }

    #[test]
    fn arbitrary_bytes_behind_a_capture_header_never_panic(
        ng in any::<bool>(),
        linktype in prop::sample::select(vec![lt::ETHERNET, lt::SLL, lt::SLL2, lt::RAW, lt::NULL, lt::LOOP, lt::PPP, 12345]),
        body in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut head = if ng { synth::pcapng(linktype, &[]) } else { synth::pcap(linktype, &[]) };
        head.extend(body);
        read_any(head, Format::Auto);
    }

    #[test]
    fn mutated_captures_and_logs_never_panic(
        which in 0usize..11,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..24),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut data = samples().swap_remove(which);
        let format = [Format::Auto, Format::Pjsip, Format::ChanSip, Format::Sofia, Format::Sipdump,
            Format::Sngrep, Format::Ngrep, Format::Raw][which % 8];
        for (at, byte, op) in edits {
            if data.is_empty() {
                break;
            }
            let i = at.index(data.len());
            match op {
                0 => data[i] = byte,
                1 => data.insert(i, byte),
                2 => { data.remove(i); }
                _ => data[i] ^= 0xff,
            }
        }
        let keep = cut.index(data.len() + 1);
        data.truncate(keep.max(data.len() / 2));
        read_any(data.clone(), Format::Auto);
        read_any(data, format);
    }

    #[test]
    fn mutated_packets_never_panic(
        frame in 0usize..12,
        linktype in prop::sample::select(vec![lt::ETHERNET, lt::SLL, lt::SLL2, lt::RAW, lt::NULL]),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let all = sample_frames();
        let mut f = all[frame % all.len()].1.clone();
        for (at, byte) in edits {
            let i = at.index(f.len());
            f[i] = byte;
        }
        read_any(synth::pcap(linktype, &[(T0, f)]), Format::Pcap);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// However a stream is cut into segments, reordered and partly sent
    /// twice, as long as no byte is lost the same messages come out.
    #[test]
    fn tcp_any_segmentation_order_and_duplicates(
        cuts in proptest::collection::btree_set(1usize..3000, 0..30),
        swaps in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..10),
        dups in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
        isn in any::<u32>(),
    ) {
        let msgs: Vec<Vec<u8>> = (0..4)
            .map(|i| synth::request("INVITE", &format!("call{i}"), i, synth::SDP).into_bytes())
            .collect();
        let stream: Vec<u8> = msgs.iter().flat_map(|m| [m.clone(), b"\r\n".to_vec()]).flatten().collect();
        let mut bounds: Vec<usize> = cuts.into_iter().filter(|&c| c < stream.len()).collect();
        bounds.insert(0, 0);
        bounds.push(stream.len());
        let mut segs: Vec<(u32, Vec<u8>)> = bounds
            .windows(2)
            .map(|w| (isn.wrapping_add(1).wrapping_add(w[0] as u32), stream[w[0]..w[1]].to_vec()))
            .collect();
        for (a, b) in swaps {
            let (i, j) = (a.index(segs.len()), b.index(segs.len()));
            segs.swap(i, j);
        }
        for d in dups {
            let s = segs[d.index(segs.len())].clone();
            segs.push(s);
        }
        let (a, b) = ("10.0.0.1:5060", "10.0.0.2:5060");
        let mut frames = vec![(T0, synth::eth(&synth::tcp_ip(a, b, isn, synth::flags::SYN, b"")))];
        for (i, (seq, data)) in segs.iter().enumerate() {
            frames.push((T0 + 1 + i as i64, synth::eth(&synth::tcp_ip(a, b, *seq, synth::flags::ACK, data))));
        }
        let (_, c) = synth::read_bytes(&synth::pcap(lt::ETHERNET, &frames)).unwrap();
        prop_assert!(c.problems.is_empty(), "{:?}", c.problems);
        let got: Vec<Vec<u8>> = c.records.iter().map(|r| r.sip.clone()).collect();
        prop_assert_eq!(got, msgs);
    }
}
