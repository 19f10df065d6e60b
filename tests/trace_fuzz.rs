//! No input makes a reader panic: arbitrary bytes, and real-shaped
//! captures and logs with bytes changed, inserted, removed or cut off.
//! Every outcome is either a `ReadError` (not a trace at all) or records
//! and problems.

use proptest::prelude::*;
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
    vec![
        synth::pcap(lt::ETHERNET, &frames),
        synth::pcapng(lt::ETHERNET, &frames),
        synth::gzip(&synth::pcap(lt::ETHERNET, &frames)),
        log,
    ]
}

/// Read, whatever happens; the point is not to panic.
fn read_any(data: Vec<u8>, format: Format) {
    let mut c = synth::Collect::default();
    if let Ok(infos) = read_inputs(&[Input::Bytes(data)], format, &mut c) {
        assert_eq!(infos.len(), 1);
        assert_eq!(infos[0].sip_messages, c.records.len() as u64);
        for r in &c.records {
            assert!(r.frames.contains(&r.frame));
            assert!(!r.sip.is_empty());
        }
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
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..24),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut data = samples().swap_remove(which);
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
        read_any(data, Format::Auto);
    }

    #[test]
    fn mutated_packets_never_panic(
        frame in 0usize..4,
        linktype in prop::sample::select(vec![lt::ETHERNET, lt::SLL, lt::SLL2, lt::RAW, lt::NULL]),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let mut f = sample_frames().swap_remove(frame).1;
        for (at, byte) in edits {
            let i = at.index(f.len());
            f[i] = byte;
        }
        read_any(synth::pcap(linktype, &[(T0, f)]), Format::Pcap);
    }
}
