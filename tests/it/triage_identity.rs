//! `sipfix triage` gives the same bytes as before on a big synthetic trace:
//! every report (JSON, text in UTF-8 and ASCII, CSV, Markdown, filters,
//! `--call` in every format, `--export-pcap`) of a capture of 6,000 calls of
//! every kind the findings know, read from a file, from standard input,
//! gzip-compressed and split in two files.
//!
//! The expected digests in `tests/fixtures/triage/identity.txt` were made by
//! the code before the speed work (single-threaded analysis, serde's pretty
//! printer); a change in any output byte fails here. When an output is
//! meant to change, run `SIPFIX_BLESS=1 cargo test --test it triage_identity::`
//! and say why in the commit. On a mismatch the output is left in
//! `target/triage-identity/` for a diff.

use sipfix::trace::synth;
use sipfix::trace::testkit::{request, response, response_with, sdp};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The start of the trace: 2024-03-01T12:00:00Z.
const T0: i64 = 1_709_294_400_000_000_000;
const CALLS: usize = 6000;

/// One packet: time in ms from T0, the Linux interface it was seen on,
/// source, destination, the SIP text (or other bytes).
struct Pkt {
    ms: i64,
    ifindex: u32,
    src: String,
    dst: String,
    data: Vec<u8>,
    /// Send as IP fragments of this size.
    fragment: Option<usize>,
}

struct Trace {
    pkts: Vec<Pkt>,
}

impl Trace {
    fn push(&mut self, ms: i64, src: &str, dst: &str, sip: &str) {
        self.pkts.push(Pkt {
            ms,
            ifindex: 1,
            src: src.into(),
            dst: dst.into(),
            data: sip.as_bytes().to_vec(),
            fragment: None,
        });
    }
}

/// Swap the caller's Via for the callee's (a request the callee sends).
fn from_callee(req: &str, callee: &str) -> String {
    req.replace(
        "Via: SIP/2.0/UDP 10.0.0.1:5060",
        &format!("Via: SIP/2.0/UDP {callee}"),
    )
}

/// Every kind of call the analysis and the findings tell apart, one after
/// the other with overlapping times.
fn build() -> Trace {
    let mut t = Trace { pkts: Vec::new() };
    let a = "10.0.0.1:5060";
    for i in 0..CALLS {
        let kind = i % 24;
        let id = format!("{i}-k{kind}@10.0.0.1");
        let id = id.as_str();
        // Callees spread over 40 addresses (a per-server count each).
        let b = format!("10.0.{}.2:5060", i % 40);
        let b = b.as_str();
        let p = "10.0.99.9:5060";
        let s = i as i64 * 13;
        let br = |n: u32| format!("z9hG4bK{id}-{n}");
        let inv = |n: u32, cseq: u32, hdrs: &[&str]| {
            request("INVITE", id, cseq, &br(n), None, hdrs, &sdp("0 8 101"))
        };
        let ack = |n: u32, tag: &str| request("ACK", id, 1, &br(n), Some(tag), &[], "");
        match kind {
            // Answered, BYE from the caller.
            0 => {
                let v = inv(1, 1, &[]);
                let bye = request("BYE", id, 2, &br(3), Some("b"), &[], "");
                t.push(s, a, b, &v);
                t.push(s + 5, b, a, &response(&v, 100, None, &[]));
                t.push(s + 800, b, a, &response(&v, 180, Some("b"), &[]));
                t.push(s + 4000, b, a, &response(&v, 200, Some("b"), &[]));
                t.push(s + 4010, a, b, &ack(2, "b"));
                t.push(s + 30_000, a, b, &bye);
                t.push(s + 30_010, b, a, &response(&bye, 200, None, &[]));
            }
            // Busy, declined, cancelled by the user.
            1 | 2 => {
                let code = if kind == 1 { 486 } else { 603 };
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(s + 5, b, a, &response(&v, 100, None, &[]));
                t.push(s + 10, b, a, &response(&v, code, Some("r"), &[]));
                t.push(
                    s + 11,
                    a,
                    b,
                    &request("ACK", id, 1, &br(1), Some("r"), &[], ""),
                );
            }
            // Overload: 503 with Retry-After and a Q.850 Reason.
            3 => {
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(
                    s + 10,
                    b,
                    a,
                    &response(
                        &v,
                        503,
                        Some("r"),
                        &[
                            "Retry-After: 120 (maintenance)",
                            "Reason: Q.850;cause=34;text=\"No circuit\"",
                        ],
                    ),
                );
                t.push(
                    s + 11,
                    a,
                    b,
                    &request("ACK", id, 1, &br(1), Some("r"), &[], ""),
                );
            }
            // Codec rejected with a Warning.
            4 => {
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(
                    s + 10,
                    b,
                    a,
                    &response(
                        &v,
                        488,
                        Some("r"),
                        &["Warning: 305 pbx \"Incompatible media format\""],
                    ),
                );
                t.push(
                    s + 11,
                    a,
                    b,
                    &request("ACK", id, 1, &br(1), Some("r"), &[], ""),
                );
            }
            // No response at all: the INVITE retransmitted until Timer B.
            5 => {
                let v = inv(1, 1, &[]);
                for ms in [0, 500, 1500, 3500, 7500, 15500, 31500] {
                    t.push(s + ms, a, b, &v);
                }
            }
            // An auth loop: 401, credentials, 401 again.
            6 | 7 => {
                let r1 = request("REGISTER", id, 1, &br(1), None, &[], "");
                let creds = ["Authorization: Digest username=\"alice\", nonce=\"1\""];
                let r2 = request("REGISTER", id, 2, &br(2), None, &creds, "");
                let chall = ["WWW-Authenticate: Digest realm=\"x\", nonce=\"1\""];
                let stale = ["WWW-Authenticate: Digest realm=\"x\", nonce=\"2\", stale=true"];
                t.push(s, a, b, &r1);
                t.push(s + 5, b, a, &response(&r1, 401, Some("r"), &chall));
                t.push(s + 10, a, b, &r2);
                if kind == 6 {
                    t.push(s + 15, b, a, &response(&r2, 401, Some("r"), &chall));
                } else {
                    // A stale nonce, then accepted: harmless.
                    t.push(s + 15, b, a, &response(&r2, 401, Some("r"), &stale));
                    let r3 = request("REGISTER", id, 3, &br(3), None, &creds, "");
                    t.push(s + 20, a, b, &r3);
                    t.push(
                        s + 25,
                        b,
                        a,
                        &response(&r3, 200, Some("r"), &["Expires: 3600"]),
                    );
                }
            }
            // Cancelled: 487 (user), or a 481 to the CANCEL (race).
            8 | 9 => {
                let v = inv(1, 1, &[]);
                let cancel = request("CANCEL", id, 1, &br(1), None, &[], "");
                t.push(s, a, b, &v);
                t.push(s + 10, b, a, &response(&v, 180, Some("b"), &[]));
                t.push(s + 3000, a, b, &cancel);
                let c = if kind == 8 { 200 } else { 481 };
                t.push(s + 3005, b, a, &response(&cancel, c, Some("b"), &[]));
                t.push(s + 3006, b, a, &response(&v, 487, Some("b"), &[]));
            }
            // A REFER accepted, no NOTIFY.
            10 => {
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(s + 100, b, a, &response(&v, 200, Some("b"), &[]));
                t.push(s + 110, a, b, &ack(2, "b"));
                let refer = request(
                    "REFER",
                    id,
                    2,
                    &br(4),
                    Some("b"),
                    &["Refer-To: <sip:carol@example.com>"],
                    "",
                );
                t.push(s + 10_000, a, b, &refer);
                t.push(s + 10_010, b, a, &response(&refer, 202, None, &[]));
                // NOTIFY answered 481 on every other one.
                if i % 48 == 10 {
                    let n = from_callee(
                        &request(
                            "NOTIFY",
                            id,
                            1,
                            &br(5),
                            Some(&format!("a-{id}")),
                            &["Event: refer", "Subscription-State: active"],
                            "",
                        ),
                        b,
                    );
                    t.push(s + 10_020, b, a, &n);
                    t.push(s + 10_030, a, b, &response(&n, 481, None, &[]));
                }
            }
            // 422 twice (a Min-SE loop).
            11 => {
                let i1 = inv(1, 1, &["Session-Expires: 60"]);
                let i2 = inv(2, 2, &["Session-Expires: 60"]);
                t.push(s, a, b, &i1);
                t.push(s + 5, b, a, &response(&i1, 422, Some("b"), &["Min-SE: 90"]));
                t.push(
                    s + 6,
                    a,
                    b,
                    &request("ACK", id, 1, &br(1), Some("b"), &[], ""),
                );
                t.push(s + 10, a, b, &i2);
                t.push(
                    s + 15,
                    b,
                    a,
                    &response(&i2, 422, Some("b"), &["Min-SE: 90"]),
                );
                t.push(
                    s + 16,
                    a,
                    b,
                    &request("ACK", id, 2, &br(2), Some("b"), &[], ""),
                );
            }
            // A 2xx resent without ACK, then a BYE from the callee.
            12 => {
                let v = inv(1, 1, &[]);
                let ok = response(&v, 200, Some("b"), &["Session-Expires: 1800;refresher=uac"]);
                t.push(s, a, b, &v);
                t.push(s + 5, b, a, &response(&v, 180, Some("b"), &[]));
                for ms in [1000, 1500, 2500, 4500, 8500, 12500, 16500] {
                    t.push(s + ms, b, a, &ok);
                }
                let bye = from_callee(
                    &request("BYE", id, 1, &br(3), Some(&format!("a-{id}")), &[], ""),
                    b,
                );
                t.push(s + 33_000, b, a, &bye);
            }
            // A slow set-up: no 100 Trying, ringing after 7 s.
            13 => {
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(s + 500, a, b, &v);
                t.push(s + 1500, a, b, &v);
                t.push(s + 7200, b, a, &response(&v, 180, Some("b"), &[]));
                t.push(s + 9000, b, a, &response(&v, 200, Some("b"), &[]));
                t.push(s + 9010, a, b, &ack(2, "b"));
            }
            // An OPTIONS ping.
            14 => {
                let o = request("OPTIONS", id, 1, &br(1), None, &[], "");
                t.push(s, a, b, &o);
                t.push(s + 2, b, a, &response(&o, 200, Some("o"), &[]));
            }
            // Every packet captured twice on two interfaces (duplicates).
            15 => {
                let v = inv(1, 1, &[]);
                let n = t.pkts.len();
                t.push(s, a, b, &v);
                t.push(s + 10, b, a, &response(&v, 180, Some("b"), &[]));
                t.push(s + 900, b, a, &response(&v, 200, Some("b"), &[]));
                t.push(s + 910, a, b, &ack(2, "b"));
                let copies: Vec<Pkt> = t.pkts[n..]
                    .iter()
                    .map(|p| Pkt {
                        ms: p.ms,
                        ifindex: 2,
                        src: p.src.clone(),
                        dst: p.dst.clone(),
                        data: p.data.clone(),
                        fragment: None,
                    })
                    .collect();
                t.pkts.extend(copies);
            }
            // An RFC 2543 peer (no magic cookie), through a proxy.
            16 => {
                let v = request("INVITE", id, 1, &format!("old{i}"), None, &[], &sdp("0"));
                let via2 = v.replacen(
                    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=",
                    "Via: SIP/2.0/UDP 10.0.99.9:5060;branch=z9hG4bKprx\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=",
                    1,
                );
                t.push(s, a, p, &v);
                t.push(s + 5, p, b, &via2);
                t.push(s + 20, b, p, &response(&via2, 404, Some("x"), &[]));
                t.push(s + 25, p, a, &response(&v, 404, Some("x"), &[]));
            }
            // Hostile text: control characters and UTF-8 in the Call-ID and
            // the reason phrase.
            17 => {
                let evil = format!("evil\u{1b}[2J-{i}-\u{fc}\u{202e}");
                let v = request("INVITE", &evil, 1, &br(1), None, &[], &sdp("18"));
                t.push(s, a, b, &v);
                t.push(
                    s + 10,
                    b,
                    a,
                    &response_with(&v, 480, "Tempor\u{e4}r \u{7}weg", Some("r"), &[], ""),
                );
            }
            // A message without a Call-ID, and bytes that are not SIP.
            18 => {
                t.push(
                    s,
                    a,
                    b,
                    "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKnoid\r\nCSeq: 1 OPTIONS\r\n\r\n",
                );
                t.push(s + 1, a, b, "\u{80}\u{1}RTP-ish bytes");
                let o = request("MESSAGE", id, 1, &br(1), None, &[], "");
                t.push(s + 2, a, b, &o);
                t.push(s + 4, b, a, &response(&o, 202, Some("m"), &[]));
            }
            // A re-INVITE rejected inside an answered call.
            19 => {
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(s + 100, b, a, &response(&v, 200, Some("b"), &[]));
                t.push(s + 110, a, b, &ack(2, "b"));
                let re = request("INVITE", id, 2, &br(3), Some("b"), &[], &sdp("9"));
                t.push(s + 5000, a, b, &re);
                t.push(
                    s + 5010,
                    b,
                    a,
                    &response(
                        &re,
                        488,
                        None,
                        &["Warning: 304 pbx \"Media type not available\""],
                    ),
                );
                t.push(
                    s + 5011,
                    a,
                    b,
                    &request("ACK", id, 2, &br(3), Some("b"), &[], ""),
                );
                let info = request("INFO", id, 3, &br(6), Some("b"), &[], "");
                t.push(s + 6000, a, b, &info);
                t.push(s + 6010, b, a, &response(&info, 481, None, &[]));
            }
            // Ringing when the trace ends (pending), or unanswered (timeout).
            20 => {
                let v = inv(1, 1, &[]);
                t.push(s, a, b, &v);
                t.push(s + 10, b, a, &response(&v, 183, Some("b"), &[]));
            }
            // A big INVITE in IP fragments, answered.
            21 => {
                let pad: String = (0..60)
                    .map(|n| format!("X-Pad-{n}: {}\r\n", "p".repeat(40)))
                    .collect();
                let pad: Vec<&str> = pad.trim_end().split("\r\n").collect();
                let v = inv(1, 1, &pad);
                t.pkts.push(Pkt {
                    ms: s,
                    ifindex: 1,
                    src: a.into(),
                    dst: b.into(),
                    data: v.clone().into_bytes(),
                    fragment: Some(1400),
                });
                t.push(s + 20, b, a, &response(&v, 200, Some("b"), &[]));
                t.push(s + 30, a, b, &ack(2, "b"));
            }
            // An unknown method answered 501, and an UPDATE.
            22 => {
                let f = request("FOO", id, 1, &br(1), None, &[], "");
                t.push(s, a, b, &f);
                t.push(s + 3, b, a, &response(&f, 501, Some("f"), &[]));
            }
            // 423 on REGISTER twice, and a 500 with Retry-After.
            _ => {
                let r1 = request("REGISTER", id, 1, &br(1), None, &["Expires: 60"], "");
                let r2 = request("REGISTER", id, 2, &br(2), None, &["Expires: 60"], "");
                t.push(s, a, b, &r1);
                t.push(
                    s + 5,
                    b,
                    a,
                    &response(&r1, 423, Some("r"), &["Min-Expires: 600"]),
                );
                t.push(s + 10, a, b, &r2);
                t.push(
                    s + 15,
                    b,
                    a,
                    &response(&r2, 500, Some("r"), &["Retry-After: 30"]),
                );
            }
        }
    }
    // A few messages out of time order (a merge of two capture points).
    let n = t.pkts.len();
    for k in (0..n).step_by(997) {
        t.pkts[k].ms -= 3;
    }
    // In capture order: by time, ties in the order built.
    t.pkts.sort_by_key(|p| p.ms);
    t
}

/// The trace as a Linux cooked v2 pcapng (the ifindex tells interfaces
/// apart), every frame given.
fn frames(t: &Trace) -> Vec<(i64, Vec<u8>)> {
    let mut out = Vec::with_capacity(t.pkts.len());
    for (n, p) in t.pkts.iter().enumerate() {
        let ns = T0 + p.ms * 1_000_000 + (n as i64 % 1000) * 10;
        match p.fragment {
            Some(size) => {
                for f in synth::ip_fragments(&p.src, &p.dst, n as u32, &p.data, size) {
                    out.push((ns, synth::sll2(p.ifindex, &f)));
                }
            }
            None => out.push((
                ns,
                synth::sll2(p.ifindex, &synth::udp_ip(&p.src, &p.dst, &p.data)),
            )),
        }
    }
    out
}

/// FNV-1a, 64 bits: a digest that never changes with the platform or a
/// crate version.
fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn sipfix(args: &[&str], lang: &str, stdin: Option<&[u8]>) -> Vec<u8> {
    let mut c = crate::common::sipfix(lang);
    c.args(args)
        .env_remove("COLUMNS")
        .env("TERM", "xterm")
        .env(
            "SIPFIX_DATA_DIR",
            std::env::temp_dir().join("sipfix-identity-unused"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run sipfix");
    let input = stdin.map(<[u8]>::to_vec);
    let mut i = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        if let Some(b) = input {
            let _ = i.write_all(&b);
        }
    });
    let o = child.wait_with_output().expect("sipfix ran");
    feeder.join().expect("stdin written");
    assert!(
        o.status.success(),
        "sipfix {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/triage/identity.txt")
}

#[test]
fn every_report_of_a_big_trace_is_byte_identical() {
    let trace = build();
    let fr = frames(&trace);
    let cap = synth::pcapng(276, &fr);
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, b: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, b).expect("write");
        p.to_str().expect("UTF-8 path").to_string()
    };
    let f = write("big.pcapng", &cap);
    let gz = write("big.pcapng.gz", &synth::gzip(&cap));
    let half = fr.len() / 2;
    let f1 = write("one.pcap", &synth::pcap(276, &fr[..half]));
    let f2 = write("two.pcapng", &synth::pcapng(276, &fr[half..]));
    let exported = dir.path().join("out.pcap");
    let exported_s = exported.to_str().expect("UTF-8 path").to_string();

    let utf8 = "C.UTF-8";
    let runs: Vec<(&str, Vec<&str>, &str, bool)> = vec![
        ("json", vec!["triage", &f, "--json"], utf8, false),
        ("text", vec!["triage", &f], utf8, false),
        ("text-ascii", vec!["triage", &f], "C", false),
        ("csv", vec!["triage", &f, "--csv"], utf8, false),
        ("markdown", vec!["triage", &f, "--markdown"], utf8, false),
        (
            "failed-json",
            vec!["triage", &f, "--failed", "--json"],
            utf8,
            false,
        ),
        (
            "code-4xx-csv",
            vec!["triage", &f, "--code", "4xx", "--csv"],
            utf8,
            false,
        ),
        (
            "peer-text",
            vec!["triage", &f, "--peer", "10.0.3.2"],
            utf8,
            false,
        ),
        (
            "method-json",
            vec!["triage", &f, "--method", "register", "--json"],
            utf8,
            false,
        ),
        (
            "call-text",
            vec!["triage", &f, "--call", "3-k3@10.0.0.1"],
            utf8,
            false,
        ),
        (
            "call-json",
            vec!["triage", &f, "--call", "12-k12@10.0.0.1", "--json"],
            utf8,
            false,
        ),
        (
            "call-md",
            vec!["triage", &f, "--call", "6-k6@10.0.0.1", "--markdown"],
            utf8,
            false,
        ),
        (
            "call-csv",
            vec!["triage", &f, "--call", "19-k19@10.0.0.1", "--csv"],
            utf8,
            false,
        ),
        (
            "call-evil",
            vec!["triage", &f, "--call", "evil\u{1b}[2J-17-"],
            "C",
            false,
        ),
        ("stdin-json", vec!["triage", "-", "--json"], utf8, true),
        ("gzip-json", vec!["triage", &gz, "--json"], utf8, false),
        (
            "two-files-json",
            vec!["triage", &f1, &f2, "--json"],
            utf8,
            false,
        ),
        ("two-files-text", vec!["triage", &f1, &f2], utf8, false),
        (
            "export-text",
            vec!["triage", &f, "--code", "503", "--export-pcap", &exported_s],
            utf8,
            false,
        ),
    ];
    let mut got = String::new();
    let mut outputs = Vec::new();
    for (name, args, lang, stdin) in &runs {
        let o = sipfix(args, lang, stdin.then_some(&cap[..]));
        // Paths of the temporary directory differ from run to run.
        let o = String::from_utf8_lossy(&o)
            .replace(dir.path().to_str().expect("UTF-8 path"), "DIR")
            .into_bytes();
        writeln!(got, "{name} {} {:016x}", o.len(), fnv(&o)).expect("to a string");
        outputs.push((name.to_string(), o));
    }
    let pcap = std::fs::read(&exported).expect("the exported capture");
    writeln!(got, "export-pcap {} {:016x}", pcap.len(), fnv(&pcap)).expect("to a string");
    outputs.push(("export-pcap".into(), pcap));

    if std::env::var_os("SIPFIX_BLESS").is_some() {
        std::fs::write(fixture(), &got).expect("write the fixture");
        return;
    }
    let want = std::fs::read_to_string(fixture()).expect("tests/fixtures/triage/identity.txt");
    if want != got {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/triage-identity");
        std::fs::create_dir_all(&out).expect("output dir");
        for (name, o) in &outputs {
            std::fs::write(out.join(name), o).expect("write an output");
        }
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .filter(|(w, g)| w != g)
            .map(|(w, g)| format!("  want {w}\n  got  {g}"))
            .collect();
        panic!(
            "outputs changed (kept in {}):\n{}",
            out.display(),
            diff.join("\n")
        );
    }
}
