//! `sipfix triage` against tshark on the real captures in
//! `../shared/captures/`: the same calls (Call-IDs) and the same final
//! codes, for every capture.
//!
//! Ground truth is tshark's dissection, committed in
//! `tests/fixtures/triage/` (command in the README there), so the tests
//! need no tshark. The expected final code of each Call-ID is computed here
//! from tshark's columns by the rule the README documents, independently of
//! sipfix's model. The captures are not part of the project: when the
//! folder is absent the tests say so and pass.

use crate::common::captures;
use sipfix::kb::Kb;
use sipfix::trace::model::{Analyzer, Options};
use sipfix::trace::{Format, Input, Triage, read_inputs};
use std::collections::BTreeMap;
use std::path::Path;

/// One SIP message as tshark dissects it.
#[derive(Debug, Clone)]
struct Row {
    call_id: String,
    seq: String,
    cseq_method: String,
    code: Option<u16>,
    method: String,
    to_tag: String,
}

fn rows(capture: &str) -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/triage")
        .join(format!("{}.tsv", capture.replace('/', "_")));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 7, "{capture}: {l:?}");
            Row {
                call_id: f[1].to_string(),
                seq: f[2].to_string(),
                cseq_method: f[3].to_string(),
                code: f[4].parse().ok(),
                method: f[5].to_string(),
                to_tag: f[6].to_string(),
            }
        })
        .collect()
}

/// Expected calls: Call-ID -> (method, final code, messages), by the rule
/// of the README: the call is its first initial INVITE if it has one, else
/// its first request (else its first response's CSeq); the call's own
/// requests are the initial ones (no To tag) of that method; the final code
/// is the first 2xx answering one of them, else the last final response to
/// one of them.
fn expected(rows: &[Row]) -> BTreeMap<String, (String, Option<u16>, usize)> {
    let mut by_call: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_call.entry(r.call_id.clone()).or_default().push(r);
    }
    let mut out = BTreeMap::new();
    for (id, rs) in by_call {
        let requests: Vec<&&Row> = rs.iter().filter(|r| r.code.is_none()).collect();
        let initial = |r: &&&Row, m: &str| r.method == m && r.to_tag.is_empty();
        let (method, own): (String, Vec<(String, String)>) =
            if requests.iter().any(|r| initial(r, "INVITE")) {
                let own = requests
                    .iter()
                    .filter(|r| initial(r, "INVITE"))
                    .map(|r| (r.seq.clone(), "INVITE".to_string()))
                    .collect();
                ("INVITE".into(), own)
            } else if let Some(first) = requests.first() {
                let m = first.method.clone();
                let own = if first.to_tag.is_empty() {
                    requests
                        .iter()
                        .filter(|r| initial(r, &m))
                        .map(|r| (r.seq.clone(), m.clone()))
                        .collect()
                } else {
                    vec![(first.seq.clone(), m.clone())]
                };
                (m, own)
            } else {
                let r = rs[0];
                (
                    r.cseq_method.clone(),
                    vec![(r.seq.clone(), r.cseq_method.clone())],
                )
            };
        let finals: Vec<u16> = rs
            .iter()
            .filter(|r| {
                r.code.is_some_and(|c| c >= 200)
                    && own.contains(&(r.seq.clone(), r.cseq_method.clone()))
            })
            .filter_map(|r| r.code)
            .collect();
        let fin = finals
            .iter()
            .copied()
            .find(|c| (200..300).contains(c))
            .or_else(|| finals.last().copied());
        out.insert(id, (method, fin, rs.len()));
    }
    out
}

fn triage(path: &Path) -> Triage {
    let mut a = Analyzer::new(Options::default());
    let sources = read_inputs(&[Input::Path(path.to_path_buf())], Format::Auto, &mut a)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    a.finish(sources, Kb::embedded())
}

const CAPTURES: [&str; 13] = [
    "hep-wireshark/hep.pcap",
    "heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap",
    "heplify/sip_ipv4_tcp.pcap",
    "heplify/sip_ipv4_tcp_retrans.pcap",
    "heplify/sip_ipv6_udp.pcap",
    "sipnab/DTMFsipinfo.pcap",
    "sipnab/b2bua-asterisk.pcapng",
    "sipnab/register-invite-reinvite-bye.pcap",
    "sipnab/sip-488-codec-reject.pcapng",
    "sipnab/sip-auth-failure.pcapng",
    "sipnab/sipp-branch-scenario.pcapng",
    "sngrep/ipip.pcap",
    "sngrep/ipv6frag.pcap",
];

#[test]
fn every_capture_has_tsharks_calls_and_final_codes() {
    let Some(dir) = captures() else { return };
    for name in CAPTURES {
        let want = expected(&rows(name));
        let t = triage(&dir.join(name));
        let got: BTreeMap<String, (String, Option<u16>, usize)> = t
            .calls
            .iter()
            .map(|c| {
                (
                    c.call_id.clone(),
                    (
                        t.method_name(c.method).to_string(),
                        c.final_code(),
                        // Copies dropped by the duplicate rule are still
                        // messages to tshark.
                        c.msgs.len() + c.duplicates as usize,
                    ),
                )
            })
            .collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{name}: Call-IDs"
        );
        for (id, w) in &want {
            assert_eq!(&got[id], w, "{name}: call {id} (method, final, messages)");
        }
        eprintln!("{name}: {} calls match tshark", want.len());
    }
}

#[test]
fn sipp_capture_summary() {
    // 1,334 calls; the 403s tshark counts (sipnab's README says 1,148).
    let Some(dir) = captures() else { return };
    let t = triage(&dir.join("sipnab/sipp-branch-scenario.pcapng"));
    assert_eq!(t.calls.len(), 1334);
    let busy = t
        .calls
        .iter()
        .filter(|c| c.final_code() == Some(403))
        .count();
    assert_eq!(busy, 1148);
    let want = expected(&rows("sipnab/sipp-branch-scenario.pcapng"));
    assert_eq!(want.values().filter(|v| v.1 == Some(403)).count(), 1148);
}

fn sipfix(args: &[&str]) -> std::process::Output {
    crate::common::sipfix("C")
        .args(args)
        .env(
            "SIPFIX_DATA_DIR",
            std::env::temp_dir().join("sipfix-triage-test-unused"),
        )
        .output()
        .expect("run sipfix")
}

#[test]
fn the_binary_reports_the_auth_failure_capture() {
    let Some(dir) = captures() else { return };
    let file = dir.join("sipnab/sip-auth-failure.pcapng");
    let file = file.to_str().unwrap();
    let o = sipfix(&["triage", file]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.is_ascii(), "LANG=C gives ASCII");
    assert!(text.lines().all(|l| l.len() <= 80), "{text}");
    assert!(text.contains("Failures: 2 calls in 2 groups"), "{text}");
    assert!(text.contains("[auth-loop]"), "{text}");

    let o = sipfix(&["triage", file, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["calls"], 2);
    assert_eq!(v["calls"][0]["final"], 403);
    assert_eq!(v["calls"][0]["findings"][0]["id"], "auth-loop");
    assert_eq!(v["source"]["format"], "pcapng");

    let call = v["calls"][0]["call_id"].as_str().unwrap().to_string();
    let o = sipfix(&["triage", file, "--call", &call[..10]]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("Ladder"));
    assert!(
        text.contains("The failing response explained (#4: 403 Forbidden)"),
        "{text}"
    );
}

#[test]
fn the_readme_example_is_what_sipfix_prints() {
    let Some(dir) = captures() else { return };
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("sipfix triage: b2bua-asterisk.pcapng\n")
        .expect("the example in the README");
    let end = start
        + readme[start..]
            .find("\n```")
            .expect("the end of the example");
    let want = &readme[start..=end];
    let o = crate::common::sipfix("C.UTF-8")
        .args(["triage", "b2bua-asterisk.pcapng"])
        .current_dir(dir.join("sipnab"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);
}
