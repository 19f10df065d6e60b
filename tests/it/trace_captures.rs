//! The readers against tshark on the real captures in `../shared/captures/`.
//!
//! Ground truth is tshark's own output, committed in
//! `tests/fixtures/tshark/` (see the README there for the command), so
//! these tests need no tshark. They compare, for every SIP message, the
//! frame number, Call-ID, CSeq and status code or method. The captures
//! are not part of the project: when the folder is absent the tests say so
//! and pass.

use crate::common::captures;
use sipfix::message;
use sipfix::trace::synth::Collect;
use sipfix::trace::{Format, Input, read_inputs};
use std::path::Path;

/// One SIP message as tshark lists it: frame, Call-ID, CSeq, and the
/// status code or the method.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    frame: u64,
    call_id: String,
    cseq: String,
    code_or_method: String,
}

fn fixture(name: &str) -> Vec<Row> {
    fixture_file(&format!("{}.tsv", name.replace('/', "_")))
}

fn fixture_file(file: &str) -> Vec<Row> {
    let name = file;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tshark")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{name}: {l:?}");
            Row {
                frame: f[0].parse().unwrap(),
                call_id: f[1].to_string(),
                cseq: f[2].to_string(),
                code_or_method: if f[3].is_empty() {
                    f[4].to_string()
                } else {
                    f[3].to_string()
                },
            }
        })
        .collect()
}

/// Our reader's messages, in the same shape.
fn ours(path: &Path) -> (Vec<Row>, Collect) {
    let mut c = Collect::default();
    read_inputs(&[Input::Path(path.to_path_buf())], Format::Auto, &mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rows: Vec<Row> = c
        .records
        .iter()
        .map(|r| {
            let m = message::parse(&r.sip).unwrap_or_else(|e| panic!("frame {}: {e}", r.frame));
            Row {
                frame: r.frame,
                call_id: m.header("Call-ID").unwrap_or("").to_string(),
                cseq: m.header("CSeq").unwrap_or("").to_string(),
                code_or_method: match &m.start {
                    message::StartLine::Response { code, .. } => {
                        code.map(|c| c.to_string()).unwrap_or_default()
                    }
                    message::StartLine::Request { method, .. } => method.clone(),
                },
            }
        })
        .collect();
    rows.sort();
    (rows, c)
}

/// Compare one capture with tshark's list.
fn compare(name: &str) {
    compare_with(name, fixture(name));
}

fn compare_with(name: &str, want: Vec<Row>) {
    let Some(dir) = captures() else { return };
    let path = dir.join(name);
    let (got, c) = ours(&path);
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: {} messages, tshark sees {}; problems: {:?}",
        got.len(),
        want.len(),
        c.problems
    );
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{name}");
    }
}

#[test]
fn sipp_branch_scenario() {
    compare("sipnab/sipp-branch-scenario.pcapng");
}

#[test]
fn codec_reject() {
    compare("sipnab/sip-488-codec-reject.pcapng");
}

#[test]
fn auth_failure() {
    compare("sipnab/sip-auth-failure.pcapng");
}

#[test]
fn b2bua_asterisk() {
    compare("sipnab/b2bua-asterisk.pcapng");
}

#[test]
fn dtmf_sip_info_over_pppoe() {
    compare("sipnab/DTMFsipinfo.pcap");
}

#[test]
fn register_invite_reinvite_bye() {
    compare("sipnab/register-invite-reinvite-bye.pcap");
}

#[test]
fn ipv6_udp() {
    compare("heplify/sip_ipv6_udp.pcap");
}

#[test]
fn fax_t38_among_rtp() {
    compare("heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap");
}

/// SIP over TCP, one call; the stream carries one message per segment.
#[test]
fn tcp() {
    compare("heplify/sip_ipv4_tcp.pcap");
}

/// Linux cooked capture with TCP and UDP legs of a REGISTER; frame 38
/// retransmits the 200 OK over TCP: the same bytes, not a new message (as
/// tshark, which marks it "TCP Retransmission" and does not dissect it).
#[test]
fn tcp_retransmission() {
    compare("heplify/sip_ipv4_tcp_retrans.pcap");
}

/// IP-in-IP tunnel, and TCP streams whose start (the handshake) was not
/// captured.
#[test]
fn ip_in_ip() {
    compare("sngrep/ipip.pcap");
}

/// IPv6 fragments reassembled: the message counts at the last fragment's
/// frame, as in tshark.
#[test]
fn ipv6_fragments() {
    compare("sngrep/ipv6frag.pcap");
}

/// HEPv3: tshark sees no SIP (no HEP dissector); we read the SIP inside
/// (see the fixture README for how the expected list was made).
#[test]
fn hep() {
    assert!(fixture("hep-wireshark/hep.pcap").is_empty());
    compare_with(
        "hep-wireshark/hep.pcap",
        fixture_file("hep-wireshark_hep.pcap.inner.tsv"),
    );
    // The addresses and time are HEP's, not the UDP packet's.
    let Some(dir) = captures() else { return };
    let (_, c) = ours(&dir.join("hep-wireshark/hep.pcap"));
    let r = &c.records[0];
    assert_eq!(r.src.unwrap().to_string(), "192.168.1.1:5060");
    assert_eq!(r.dst.unwrap().to_string(), "192.168.1.2:5060");
    assert_eq!(r.transport, sipfix::trace::Transport::Udp);
    assert_eq!(r.time_ns, Some(1_481_455_196_000_100_000));
}

/// Every shared capture reads without a problem, and every file in the
/// folder is covered by a comparison above.
#[test]
fn shared_captures_read_cleanly() {
    let Some(dir) = captures() else { return };
    let covered = [
        "sipnab/sipp-branch-scenario.pcapng",
        "sipnab/sip-488-codec-reject.pcapng",
        "sipnab/sip-auth-failure.pcapng",
        "sipnab/b2bua-asterisk.pcapng",
        "sipnab/DTMFsipinfo.pcap",
        "sipnab/register-invite-reinvite-bye.pcap",
        "heplify/sip_ipv6_udp.pcap",
        "heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap",
        "heplify/sip_ipv4_tcp.pcap",
        "heplify/sip_ipv4_tcp_retrans.pcap",
        "sngrep/ipip.pcap",
        "sngrep/ipv6frag.pcap",
        "hep-wireshark/hep.pcap",
    ];
    for name in covered {
        let (_, c) = ours(&dir.join(name));
        assert!(c.problems.is_empty(), "{name}: {:?}", c.problems);
    }
    for sub in std::fs::read_dir(&dir).unwrap() {
        let sub = sub.unwrap().path();
        if !sub.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&sub).unwrap() {
            let f = f.unwrap().path();
            let rel = f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
            if rel.contains(".pcap") {
                assert!(
                    covered.contains(&rel.as_str()),
                    "{rel} is not compared with tshark"
                );
            }
        }
    }
}
