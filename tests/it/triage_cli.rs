//! `sipfix triage` as a user runs it, on synthetic captures written to a
//! temporary directory (no `../shared` needed).

use sipfix::trace::synth;
use sipfix::trace::testkit::{request, response, sdp};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

fn sipfix_in(args: &[&str], lang: &str, stdin: Option<&[u8]>) -> Output {
    let mut c = crate::common::sipfix(lang);
    c.args(args)
        .env(
            "SIPFIX_DATA_DIR",
            std::env::temp_dir().join("sipfix-triage-cli-unused"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run sipfix");
    {
        let mut i = child.stdin.take().unwrap();
        if let Some(b) = stdin {
            i.write_all(b).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// sipfix started with `args`, its output and errors piped.
fn spawn(args: &[&str], stdin: Stdio) -> std::process::Child {
    crate::common::sipfix("C.UTF-8")
        .args(args)
        .env(
            "SIPFIX_DATA_DIR",
            std::env::temp_dir().join("sipfix-triage-cli-unused"),
        )
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sipfix")
}

fn sipfix(args: &[&str]) -> Output {
    sipfix_in(args, "C.UTF-8", None)
}

fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const A: &str = "10.0.0.1:5060";
const B: &str = "10.0.0.2:5060";
const C: &str = "10.0.0.3:5060";

/// Three calls: answered, busy (486) and a 503 with Retry-After.
fn capture() -> Vec<u8> {
    let t = |ms: i64| 1_709_294_400_000_000_000 + ms * 1_000_000;
    let pkt = |s: &str, d: &str, m: &str| synth::eth(&synth::udp_ip(s, d, m.as_bytes()));
    let mut f = Vec::new();
    let inv = request("INVITE", "ok-1", 1, "z9hG4bKa", None, &[], &sdp("0 8"));
    f.push((t(0), pkt(A, B, &inv)));
    f.push((t(5), pkt(B, A, &response(&inv, 180, Some("b"), &[]))));
    f.push((t(900), pkt(B, A, &response(&inv, 200, Some("b"), &[]))));
    f.push((
        t(910),
        pkt(
            A,
            B,
            &request("ACK", "ok-1", 1, "z9hG4bKack", Some("b"), &[], ""),
        ),
    ));
    let inv = request("INVITE", "busy-1", 1, "z9hG4bKb", None, &[], &sdp("0"));
    f.push((t(1000), pkt(A, B, &inv)));
    f.push((t(1500), pkt(B, A, &response(&inv, 486, Some("c"), &[]))));
    let inv = request("INVITE", "fail-1", 1, "z9hG4bKc", None, &[], &sdp("0"));
    f.push((t(2000), pkt(A, C, &inv)));
    f.push((
        t(2010),
        pkt(
            C,
            A,
            &response(
                &inv,
                503,
                Some("d"),
                &["Retry-After: 120", "Reason: Q.850;cause=34"],
            ),
        ),
    ));
    synth::pcap(1, &f)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// One message whose Call-ID starts with `-`: `--call -2...` names it
/// (not an unknown option), and the header counts in the singular.
#[test]
fn a_call_id_starting_with_a_hyphen_and_a_one_message_input() {
    let d = tempfile::tempdir().unwrap();
    let inv = request("INVITE", "-2abc", 1, "z9hG4bKa", None, &[], "");
    let pkt = synth::eth(&synth::udp_ip(A, B, inv.as_bytes()));
    let f = write(
        d.path(),
        "one.pcap",
        &synth::pcap(1, &[(1_709_294_400_000_000_000, pkt)]),
    );
    let f = f.to_str().unwrap();
    let o = sipfix(&["triage", f]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("1 packet or entry, 1 SIP message,"),
        "{}",
        out(&o)
    );
    let o = sipfix(&["triage", f, "--markdown"]);
    assert!(
        out(&o).contains("1 packet or entry, 1 SIP message |"),
        "{}",
        out(&o)
    );
    let o = sipfix(&["triage", f, "--call", "-2ab"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("-2abc"), "{}", out(&o));
}

#[test]
fn default_report_text_fits_80_columns_and_ascii_without_utf8() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "x.pcap", &capture());
    let f = f.to_str().unwrap();
    let o = sipfix(&["triage", f]);
    assert!(o.status.success(), "{}", err(&o));
    let s = out(&o);
    assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
    assert!(
        s.contains("pcap (Ethernet); 8 packets or entries, 8 SIP messages"),
        "{s}"
    );
    assert!(s.contains("answered 1, failed 1, user 1, pending 0"), "{s}");
    assert!(
        s.contains("503 Service Unavailable to INVITE, from 10.0.0.3:5060"),
        "{s}"
    );
    assert!(s.contains("RFC 6076: SER 33.3%"), "{s}");
    // No UTF-8 locale: ASCII only (the RFC section sign folded).
    let o = sipfix_in(&["triage", f, "--call", "fail-1"], "C", None);
    let s = out(&o);
    assert!(o.status.success(), "{}", err(&o));
    assert!(s.is_ascii(), "{s}");
    assert!(s.contains("RFC 3261 sec. 21.5.4"), "{s}");
    assert!(s.contains("|<-"), "{s}");
    let o = sipfix_in(&["triage", f, "--call", "fail-1"], "C.UTF-8", None);
    assert!(out(&o).contains('│'));
    assert!(err(&o).is_empty(), "{}", err(&o));
    // Filters do not narrow --call: said on stderr, the call still shown.
    let o = sipfix(&["triage", f, "--call", "ok-1", "--failed"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("do not apply"), "{}", err(&o));
    assert!(out(&o).contains("Call ok-1"), "{}", out(&o));
    // Markdown too: ASCII arrows and folded text without UTF-8, as asked
    // by the locale or by --ascii.
    for (args, lang) in [
        (vec!["triage", f, "--call", "fail-1", "--markdown"], "C"),
        (vec!["triage", f, "--markdown"], "C"),
        (
            vec!["--ascii", "triage", f, "--call", "fail-1", "--markdown"],
            "C.UTF-8",
        ),
    ] {
        let o = sipfix_in(&args, lang, None);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
        assert!(out(&o).is_ascii(), "{args:?}: {}", out(&o));
    }
    let o = sipfix_in(&["triage", f, "--call", "fail-1", "--markdown"], "C", None);
    assert!(out(&o).contains("|<-"), "{}", out(&o));
    let o = sipfix_in(
        &["triage", f, "--call", "fail-1", "--markdown"],
        "C.UTF-8",
        None,
    );
    assert!(out(&o).contains('│'));
}

#[test]
fn filters_csv_markdown_and_stdin() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "x.pcap", &capture());
    let f = f.to_str().unwrap();
    let o = sipfix(&["triage", f, "--csv", "--code", "4xx"]);
    assert!(o.status.success(), "{}", err(&o));
    let csv = out(&o);
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[1].starts_with("busy-1,INVITE,"), "{csv}");
    let o = sipfix(&["triage", f, "--json", "--failed", "--peer", "10.0.0.3"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["calls"].as_array().unwrap().len(), 1);
    assert_eq!(v["summary"]["total_calls"], 3);
    assert_eq!(v["summary"]["filtered"], true);
    assert_eq!(v["calls"][0]["final_reason"], "Service Unavailable");
    let o = sipfix(&["triage", f, "--markdown"]);
    let md = out(&o);
    assert!(md.starts_with("## SIP triage: "), "{md}");
    assert!(md.contains("| Calls | Final | Method | Peer | Finding | Example Call-IDs |"));
    assert!(md.contains(" over 3 INVITE attempts |"), "{md}");
    let o = sipfix(&["triage", f, "--markdown", "--code", "486"]);
    assert!(out(&o).contains(" over 1 INVITE attempt |"), "{}", out(&o));
    // Standard input.
    let o = sipfix_in(&["triage", "-", "--json"], "C.UTF-8", Some(&capture()));
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["calls"], 3);
    assert_eq!(v["source"]["files"][0], "-");
}

#[test]
fn export_pcap_writes_the_selected_calls() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "x.pcap", &capture());
    let outp = d.path().join("busy.pcap");
    let o = sipfix(&[
        "triage",
        f.to_str().unwrap(),
        "--code",
        "486",
        "--export-pcap",
        outp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("wrote 2 packets of 1 call"), "{}", err(&o));
    // Read back: only the busy call.
    let o = sipfix(&["triage", outp.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["busy-1"]);
}

/// Exporting from a text log says that the packets are made up, and
/// where the logging host is.
#[test]
fn export_pcap_from_a_log_says_the_packets_are_made_up() {
    let d = tempfile::tempdir().unwrap();
    let log =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs/pjsip.log"))
            .unwrap();
    let f = write(d.path(), "pbx.log", &log);
    let outp = d.path().join("fromlog.pcap");
    let o = sipfix(&[
        "triage",
        f.to_str().unwrap(),
        "--export-pcap",
        outp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("made for the export"), "{}", err(&o));
    assert!(err(&o).contains("127.0.0.1:5060"), "{}", err(&o));
    // A capture's export says nothing of the kind.
    let cap = write(d.path(), "x.pcap", &capture());
    let o = sipfix(&[
        "triage",
        cap.to_str().unwrap(),
        "--export-pcap",
        d.path().join("c.pcap").to_str().unwrap(),
    ]);
    assert!(!err(&o).contains("made for the export"), "{}", err(&o));
}

/// The export reads each input as the triage did, with the same
/// `--format`: a log whose SIP starts past the detection window is
/// exported, not refused, and a log forced to another format than
/// detection would pick exports the messages the report showed.
#[test]
fn export_pcap_reads_the_inputs_with_the_triage_format() {
    let d = tempfile::tempdir().unwrap();
    let pjsip =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs/pjsip.log"))
            .unwrap();
    let mut late: Vec<u8> = (0..100_000)
        .flat_map(|i| {
            format!("2024-05-01 09:00:00 an unrelated application line {i}\n").into_bytes()
        })
        .collect();
    assert!(late.len() > 5 << 20);
    late.extend_from_slice(&pjsip);
    let late = write(d.path(), "late.log", &late);
    let outp = d.path().join("late.pcap");
    let o = sipfix(&[
        "triage",
        late.to_str().unwrap(),
        "--format",
        "pjsip",
        "--export-pcap",
        outp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let back = sipfix(&["triage", outp.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&back.stdout).unwrap();
    assert_eq!(v["calls"][0]["call_id"], "pjsip-1", "{v}");

    // ngrep's output read as raw SIP (every line ending in ngrep's `.`):
    // the export holds what the report read, not what ngrep's reader
    // would.
    let ngrep =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs/ngrep.txt"))
            .unwrap();
    let ngrep = write(d.path(), "ngrep.txt", &ngrep);
    let ngrep = ngrep.to_str().unwrap();
    let report = sipfix(&["triage", ngrep, "--format", "raw", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let outp = d.path().join("raw.pcap");
    let o = sipfix(&[
        "triage",
        ngrep,
        "--format",
        "raw",
        "--export-pcap",
        outp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let back = sipfix(&["triage", outp.to_str().unwrap(), "--json"]);
    let back: serde_json::Value = serde_json::from_slice(&back.stdout).unwrap();
    let call = |v: &serde_json::Value| {
        let c = &v["calls"][0];
        (
            c["call_id"].clone(),
            c["method"].clone(),
            c["final"].clone(),
        )
    };
    assert_eq!(call(&back), call(&report), "{back}\n{report}");
    assert_eq!(
        back["summary"]["calls"], report["summary"]["calls"],
        "{back}\n{report}"
    );
}

/// A pcap of `n` answered calls, 3 ms apart.
fn many_calls(n: i64) -> Vec<u8> {
    let mut steps: Vec<_> = (0..n)
        .flat_map(|i| {
            sipfix::trace::testkit::answered_call(&format!("{i}-x@10.0.0.1"), i * 3, 1000)
        })
        .collect();
    steps.sort_by_key(|s| s.ms);
    sipfix::trace::testkit::pcap(&steps)
}

/// The names in a directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `--export-pcap OUT` makes a new file: never over a file that is there,
/// never through a link planted at the name, mode 0600, and nothing left
/// behind when it cannot.
#[test]
fn export_pcap_never_writes_over_a_file_or_through_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "x.pcap", &capture());
    let f = f.to_str().unwrap();
    let export = |out: &Path| sipfix(&["triage", f, "--export-pcap", out.to_str().unwrap()]);

    let new = d.path().join("new.pcap");
    let o = export(&new);
    assert!(o.status.success(), "{}", err(&o));
    let first = std::fs::read(&new).unwrap();
    assert_eq!(&first[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "a pcap");
    let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // The same name again: refused before reading, the file unchanged.
    let o = sipfix(&[
        "triage",
        f,
        "--code",
        "486",
        "--export-pcap",
        new.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("already exists"), "{}", err(&o));
    assert_eq!(std::fs::read(&new).unwrap(), first);

    // A link to a file, and a link to nowhere: neither is followed.
    let target = write(d.path(), "target.txt", b"keep me");
    let link = d.path().join("link.pcap");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = export(&link);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("link.pcap is a symbolic link"),
        "{}",
        err(&o)
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    let dangling = d.path().join("dangling.pcap");
    std::os::unix::fs::symlink(d.path().join("made.pcap"), &dangling).unwrap();
    let o = export(&dangling);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // Said as what it is: `ls` shows no file there.
    assert!(
        err(&o).contains("dangling.pcap is a symbolic link"),
        "{}",
        err(&o)
    );
    assert!(!err(&o).contains("already exists"), "{}", err(&o));
    assert!(!d.path().join("made.pcap").exists());

    // A directory: said so.
    let o = export(d.path());
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("is a directory"), "{}", err(&o));

    // No such directory: one line naming it.
    let o = export(&d.path().join("nowhere/x.pcap"));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("no directory"), "{}", err(&o));
    assert!(!err(&o).contains(".part"), "{}", err(&o));

    // Nothing else was made: no temporary file left behind.
    assert_eq!(
        names(d.path()),
        [
            "dangling.pcap",
            "link.pcap",
            "new.pcap",
            "target.txt",
            "x.pcap"
        ]
    );
}

/// Ctrl-C while the export is being written: sipfix ends as the signal
/// ends it (status 130) and leaves no temporary file behind. Linux only
/// (signals).
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_during_an_export_leaves_nothing() {
    let input = tempfile::tempdir().unwrap();
    let f = write(input.path(), "many.pcap", &many_calls(30_000));
    let d = tempfile::tempdir().unwrap();
    let outp = d.path().join("out.pcap");
    let mut child = spawn(
        &[
            "triage",
            f.to_str().unwrap(),
            "--export-pcap",
            outp.to_str().unwrap(),
        ],
        Stdio::null(),
    );
    // Wait for the export's temporary file, then interrupt.
    let limit = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        if !names(d.path()).is_empty() {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "sipfix ended before its export could be interrupted"
        );
        assert!(std::time::Instant::now() < limit, "no export file appeared");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // SAFETY: kill with a valid signal number on our own child.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let o = child.wait_with_output().unwrap();
    if o.status.success() {
        // The export was done before the signal came: nothing to check.
        assert!(outp.exists());
        return;
    }
    assert_eq!(o.status.code(), Some(130), "{}", err(&o));
    assert!(names(d.path()).is_empty(), "{:?}", names(d.path()));
}

/// `--export-pcap -` writes the capture to standard output instead of the
/// report, and refuses a report format that would share it.
#[test]
fn export_pcap_to_standard_output() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "x.pcap", &capture());
    let f = f.to_str().unwrap();
    let o = sipfix(&["triage", f, "--code", "486", "--export-pcap", "-"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("wrote 2 packets of 1 call to standard output"),
        "{}",
        err(&o)
    );
    assert_eq!(
        &o.stdout[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "a pcap, no report"
    );
    let back = write(d.path(), "back.pcap", &o.stdout);
    let o = sipfix(&["triage", back.to_str().unwrap(), "--csv"]);
    assert_eq!(out(&o).lines().count(), 2, "{}", out(&o));
    assert!(out(&o).contains("busy-1"));
    let o = sipfix(&["triage", f, "--export-pcap", "-", "--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(names(d.path()), ["back.pcap", "x.pcap"]);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "notes.txt", b"hello, this is not a capture\n");
    let o = sipfix(&["triage", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let e = err(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("accepted formats"), "{e}");
    assert!(out(&o).is_empty());
    for args in [
        vec!["--code", "abc"],
        vec!["--peer", "nowhere"],
        vec!["--method", "IN VITE"],
    ] {
        let cap = write(d.path(), "x.pcap", &capture());
        let mut a = vec!["triage", cap.to_str().unwrap()];
        a.extend(args.iter());
        let o = sipfix(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    }
    // A UTF-16 log (PowerShell's `>` writes UTF-16LE with its mark): one
    // line that names the encoding and the conversion.
    let log = synth::request("INVITE", "u16", 1, "");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(log.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let f = write(d.path(), "ps.log", &utf16);
    let o = sipfix(&["triage", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let e = err(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("UTF-16 text"), "{e}");
    let file = f.to_str().unwrap();
    assert!(
        e.contains(&format!("iconv -f UTF-16 -t UTF-8 {file} > {file}.utf8")),
        "{e}"
    );
    assert!(out(&o).is_empty());
    // A missing file: a run-time failure.
    let o = sipfix(&["triage", d.path().join("missing.pcap").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
}

#[test]
fn a_capture_without_sip_says_so() {
    let d = tempfile::tempdir().unwrap();
    let rtp = synth::eth(&synth::udp_ip(A, B, &[0x80, 0x00, 0x01, 0x02, 0, 0, 0, 0]));
    let f = write(
        d.path(),
        "rtp.pcap",
        &synth::pcap(1, &[(1_000_000_000, rtp)]),
    );
    let o = sipfix(&["triage", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("No SIP messages found"), "{}", out(&o));
}

#[test]
fn unknown_call_and_control_characters() {
    let d = tempfile::tempdir().unwrap();
    let t0 = 1_709_294_400_000_000_000i64;
    let inv = request("INVITE", "evil\x1b[2J", 1, "z9hG4bKe", None, &[], "");
    let resp = response(
        &inv,
        480,
        Some("x"),
        &["Reason: SIP;cause=480;text=\"\x1b]0;owned\x07\""],
    );
    let f = write(
        d.path(),
        "evil.pcap",
        &synth::pcap(
            1,
            &[
                (t0, synth::eth(&synth::udp_ip(A, B, inv.as_bytes()))),
                (
                    t0 + 1_000_000,
                    synth::eth(&synth::udp_ip(B, A, resp.as_bytes())),
                ),
            ],
        ),
    );
    let f = f.to_str().unwrap();
    let o = sipfix(&["triage", f]);
    let s = out(&o);
    assert!(!s.contains('\x1b'), "{s:?}");
    assert!(s.contains("evil\\e[2J"), "{s}");
    let o = sipfix(&["triage", f, "--call", "evil"]);
    let s = out(&o);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!s.contains('\x1b') && !s.contains('\x07'), "{s:?}");
    let o = sipfix(&["triage", f, "--json"]);
    assert!(!o.stdout.contains(&0x1b), "JSON escapes controls");
    let o = sipfix(&["triage", f, "--call", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("no call with Call-ID 'nope' among the 1 calls"),
        "{}",
        err(&o)
    );
}

#[test]
fn the_call_view_explains_the_failing_response_as_explain_does() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "x.pcap", &capture());
    let inv = request("INVITE", "fail-1", 1, "z9hG4bKc", None, &[], &sdp("0"));
    let resp = response(
        &inv,
        503,
        Some("d"),
        &["Retry-After: 120", "Reason: Q.850;cause=34"],
    );
    for lang in ["C.UTF-8", "C"] {
        let explain = sipfix_in(&["explain", "-"], lang, Some(resp.as_bytes()));
        assert!(explain.status.success(), "{}", err(&explain));
        let call = sipfix_in(
            &["triage", f.to_str().unwrap(), "--call", "fail-1"],
            lang,
            None,
        );
        let (e, c) = (out(&explain), out(&call));
        assert!(e.len() > 500, "{e}");
        assert!(
            c.contains(&e),
            "{lang}: the explanation\n{e}\nis not in\n{c}"
        );
    }
}

#[test]
fn a_file_argument_opens_the_ui_and_bad_ones_are_refused_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("trunk.pcap");
    std::fs::write(
        &cap,
        sipfix::trace::testkit::pcap(&sipfix::trace::testkit::trunk()),
    )
    .unwrap();
    let cap = cap.to_str().unwrap();
    // A good capture reaches the UI, which wants a terminal (not a pipe).
    let o = sipfix(&[cap]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("needs a terminal"), "{}", err(&o));
    let o = sipfix(&["triage", cap, "--tui", "--code", "5xx"]);
    assert!(err(&o).contains("needs a terminal"), "{}", err(&o));
    // Bad input says so on one line, before any UI.
    let o = sipfix(&["/nonexistent/x.pcap"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o).trim(),
        "sipfix: cannot read /nonexistent/x.pcap: No such file or directory (os error 2)"
    );
    let toml = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let o = sipfix(&[toml]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not a capture or SIP log"), "{}", err(&o));
    let o = sipfix(&["triage", cap, "--tui", "--code", "abc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not a final code filter"), "{}", err(&o));
    let o = sipfix(&["triage", "-", "--tui"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("save the trace to a file"), "{}", err(&o));
    let o = sipfix(&["triage", cap, "--tui", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    // A code stays a code.
    let o = sipfix(&["486"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("486 Busy Here"));
}

/// `sipfix triage x.pcap --json | head`: the reader of the output goes away
/// early. Every format ends promptly and quietly (a closed pipe is not an
/// error), including the JSON report, whose calls are written in blocks on
/// two threads, and the capture written to standard output.
#[test]
fn a_closed_pipe_ends_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "many.pcap", &many_calls(12_000));
    let f = f.to_str().unwrap();
    for args in [
        vec!["triage", f, "--json"],
        vec!["triage", f, "--csv"],
        vec!["triage", f, "--markdown"],
        vec!["triage", f],
        vec!["triage", f, "--export-pcap", "-"],
    ] {
        let mut child = spawn(&args, Stdio::null());
        let mut head = [0u8; 100];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
        drop(child.stdout.take());
        let limit = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > limit {
                let _ = child.kill();
                panic!("sipfix {args:?} still runs after its output was closed");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut e = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut e).unwrap();
        assert!(status.success(), "sipfix {args:?}: {status}: {e}");
        assert!(e.is_empty(), "sipfix {args:?}: {e}");
    }
}

/// `tcpdump -w - ... | sipfix triage -`, then Ctrl-C: standard input ends
/// and the report covers what was read, even when the producer keeps the
/// pipe open (here the test holds it). Linux only: it waits for the SIGINT
/// handler through `/proc`.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_ends_standard_input_and_reports_what_was_read() {
    use std::os::fd::AsRawFd;
    use std::time::{Duration, Instant};
    let mut child = spawn(&["triage", "-", "--json"], Stdio::piped());
    let pid = child.id();
    let limit = Instant::now() + Duration::from_secs(60);
    let until = |what: &str, ok: &dyn Fn() -> bool| {
        while !ok() {
            assert!(Instant::now() < limit, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // The handler is in place once SIGINT (2, bit 1) is caught.
    until("the SIGINT handler", &|| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("SigCgt:"))?.to_string();
                u64::from_str_radix(line["SigCgt:".len()..].trim(), 16).ok()
            })
            .is_some_and(|mask| mask & 2 != 0)
    });
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&capture()).unwrap();
    stdin.flush().unwrap();
    // Wait until sipfix has taken every byte out of the pipe.
    let fd = stdin.as_raw_fd();
    until("the pipe to drain", &|| {
        let mut n: libc::c_int = -1;
        // SAFETY: FIONREAD writes one c_int through the pointer given.
        let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
        r == 0 && n == 0
    });
    // SAFETY: kill with a valid signal number on our own child.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) }, 0);
    // (Its report of three calls fits in the pipe: it can end unread.)
    until("sipfix to end", &|| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map_or(true, |s| s.contains("State:\tZ"))
    });
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("ended by Ctrl-C"), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["calls"], 3, "{}", out(&o));
    assert!(
        v["problems"][0].as_str().unwrap().contains("Ctrl-C"),
        "{}",
        v["problems"]
    );
}

/// A PBX's own log names only the far end of each message: the other end
/// is the host that wrote the log, and is called so (it was `?`).
#[test]
fn the_side_a_pbx_log_leaves_unnamed_is_the_log_host() {
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs/pjsip.log");
    let o = sipfix(&["triage", log, "--call", "pjsip-1"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("-> log host"), "{s}");
    assert!(!s.contains("-> ?"), "{s}");
    // Raw messages name no host at all: unknown stays `?`.
    let raw = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs/raw.txt");
    let o = sipfix(&["triage", raw, "--markdown"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(!s.contains("log host"), "{s}");
}

/// Raw messages pasted or saved without addresses make a call of one
/// host, `?`, every message to itself: each ladder row names its message
/// (the rows showed only `#1 ?`), in 80 columns, in ASCII too.
#[test]
fn a_call_of_raw_messages_names_each_message_in_its_ladder() {
    let raw = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs/raw.txt");
    for lang in ["C", "C.UTF-8"] {
        let o = sipfix_in(&["triage", raw, "--call", "raw-1"], lang, None);
        assert!(o.status.success(), "{}", err(&o));
        let s = out(&o);
        assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
        if lang == "C" {
            assert!(s.is_ascii(), "{s}");
        }
        let row = |n: &str| {
            s.lines()
                .find(|l| l.contains(&format!(" {n} ")))
                .unwrap_or_else(|| panic!("no row {n}\n{s}"))
                .to_string()
        };
        assert!(row("#1").contains("INVITE (SDP)"), "{s}");
        assert!(row("#2").contains("480 Temporarily Unavailable"), "{s}");
    }
}

/// A PBX's own log writes one entry per packet it took or sent
/// (res/res_pjsip_logger.c logs each in `logging_on_rx_msg`), stamped to
/// the second: an INVITE logged twice in the same second is a
/// retransmission (T1 = 500 ms, RFC 3261 §17.1.1.2), not one packet seen
/// twice. The same log given twice is still the same packets twice.
#[test]
fn a_pbx_log_entry_twice_in_one_second_is_a_retransmission() {
    let log = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs/pjsip.log"),
    )
    .unwrap();
    // The INVITE's entry, from its marker line to the blank line after
    // its body, logged a second time right after it.
    let start = log.find("[2024-05-01 10:00:01]").unwrap();
    let end = log[start..].find("\n\n").unwrap() + start + 2;
    let twice = format!("{}{}{}", &log[..end], &log[start..end], &log[end..]);
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("pjsip.log");
    std::fs::write(&p, &twice).unwrap();
    let path = p.to_str().unwrap();
    let o = sipfix(&["triage", path, "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let call = &j["calls"][0];
    assert_eq!(call["call_id"], "pjsip-1");
    assert_eq!(call["messages"], 4, "{call}");
    assert_eq!(call["retransmissions"], 1, "{call}");
    assert_eq!(call["duplicates"], 0, "{call}");
    // Two files: every entry of the second is a copy of the first's.
    let o = sipfix(&["triage", path, path, "--json"]);
    let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let call = &j["calls"][0];
    assert_eq!(call["messages"], 4, "{call}");
    assert_eq!(call["duplicates"], 4, "{call}");
    // One file holding the log twice (an excerpt pasted twice): its time
    // goes back where the copy begins, so the copies are one packet each.
    let p2 = d.path().join("pasted-twice.log");
    std::fs::write(&p2, format!("{log}{log}")).unwrap();
    let o = sipfix(&["triage", p2.to_str().unwrap(), "--json"]);
    let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let call = &j["calls"][0];
    assert_eq!(call["messages"], 3, "{call}");
    assert_eq!(call["retransmissions"], 0, "{call}");
    assert_eq!(call["duplicates"], 3, "{call}");
    // Stamps finer than a second that are the same: one packet.
    let fine = twice.replace("[2024-05-01 10:00:01]", "[2024-05-01 10:00:01.250]");
    let p3 = d.path().join("fine.log");
    std::fs::write(&p3, fine).unwrap();
    let o = sipfix(&["triage", p3.to_str().unwrap(), "--json"]);
    let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let call = &j["calls"][0];
    assert_eq!(call["messages"], 3, "{call}");
    assert_eq!(call["duplicates"], 1, "{call}");
}

/// A log that prints no time (chan_sip debug, raw messages) given twice:
/// the second copy of each message is a duplicate, as for a timed log. It
/// was a retransmission of the first (4 of them), and the call got a false
/// `no-ack` and `no-response`. A retransmission in the log stays one.
#[test]
fn an_untimed_log_given_twice_is_its_messages_once() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs");
    let summary = |args: &[&str]| {
        let o = sipfix(args);
        assert!(o.status.success(), "{}", err(&o));
        let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
        let c = &j["calls"][0];
        (
            c["messages"].clone(),
            c["retransmissions"].clone(),
            c["duplicates"].clone(),
            c["findings"].as_array().unwrap().len(),
        )
    };
    let chan_sip = dir.join("chan_sip.log");
    let path = chan_sip.to_str().unwrap();
    assert_eq!(
        summary(&["triage", path, "--json"]),
        (4.into(), 0.into(), 0.into(), 0)
    );
    assert_eq!(
        summary(&["triage", path, path, "--json"]),
        (4.into(), 0.into(), 4.into(), 0)
    );
    // Raw messages with the INVITE sent twice (a retransmission), the log
    // given twice: one retransmission, two duplicates of the INVITE.
    let raw = std::fs::read_to_string(dir.join("raw.txt")).unwrap();
    let start = raw.find("INVITE sip:").unwrap();
    let end = start + raw[start..].find("\nthen").unwrap() + 1;
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("raw.txt");
    std::fs::write(&p, format!("{}{}", &raw[..end], &raw[start..])).unwrap();
    let p = p.to_str().unwrap();
    let (messages, retrans, dups, _) = summary(&["triage", p, "--json"]);
    assert_eq!((messages, retrans, dups), (3.into(), 1.into(), 0.into()));
    let (messages, retrans, dups, _) = summary(&["triage", p, p, "--json"]);
    assert_eq!((messages, retrans, dups), (3.into(), 1.into(), 3.into()));
}

/// A Call-ID with a tab, or a control character, is shown escaped (`\t`
/// as JSON writes it, not spaces) in the text, CSV and Markdown reports,
/// and `--call` finds the call by what they show.
#[test]
fn a_call_id_with_a_tab_is_shown_escaped_and_found_by_its_shown_form() {
    let d = tempfile::tempdir().unwrap();
    let t0 = 1_709_294_400_000_000_000;
    let mut frames = Vec::new();
    for (i, id) in ["tab\tid@h", "ctl\u{1}id@h"].iter().enumerate() {
        let inv = request("INVITE", id, 1, &format!("z9hG4bK{i}"), None, &[], "");
        let pkt = |s, d, m: &str| synth::eth(&synth::udp_ip(s, d, m.as_bytes()));
        frames.push((t0 + i as i64 * 1_000_000, pkt(A, B, &inv)));
        frames.push((
            t0 + i as i64 * 1_000_000 + 500,
            pkt(B, A, &response(&inv, 404, Some("b"), &[])),
        ));
    }
    let f = write(d.path(), "ids.pcap", &synth::pcap(1, &frames));
    let f = f.to_str().unwrap();
    for fmt in [None, Some("--csv"), Some("--markdown")] {
        let mut args = vec!["triage", f];
        args.extend(fmt);
        let o = sipfix(&args);
        assert!(o.status.success(), "{}", err(&o));
        let text = out(&o);
        assert!(text.contains(r"tab\tid@h"), "{fmt:?}: {text}");
        assert!(!text.contains("tab id@h"), "{fmt:?}: {text}");
        assert!(text.contains(r"ctl\x01id@h"), "{fmt:?}: {text}");
    }
    for (shown, whole) in [(r"tab\tid@h", "tab\tid@h"), (r"ctl\x01id", "ctl\u{1}id@h")] {
        let o = sipfix(&["triage", f, "--call", shown, "--json"]);
        assert!(o.status.success(), "{shown}: {}", err(&o));
        let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(j["call"]["call_id"], whole, "{shown}");
    }
}

/// Under `LANG=C` a Call-ID with characters beyond ASCII is shown folded
/// (`café-1@h` as `caf?-1@h`), and `--call` finds the call by that form
/// too; two Call-IDs that fold alike (`naïve`, `naîve`) are ambiguous, not
/// the first of them.
/// The folded form was "no call with Call-ID".
#[test]
fn a_call_id_shown_folded_under_lang_c_is_found_by_that_form() {
    let d = tempfile::tempdir().unwrap();
    let t0 = 1_709_294_400_000_000_000;
    let pkt = |s, d, m: &str| synth::eth(&synth::udp_ip(s, d, m.as_bytes()));
    let mut frames = Vec::new();
    for (i, id) in ["café-1@h", "naïve-2@h", "naîve-2@h"].iter().enumerate() {
        let inv = request("INVITE", id, 1, &format!("z9hG4bK{i}"), None, &[], "");
        frames.push((t0 + i as i64 * 1_000_000, pkt(A, B, &inv)));
        frames.push((
            t0 + i as i64 * 1_000_000 + 500,
            pkt(B, A, &response(&inv, 404, Some("b"), &[])),
        ));
    }
    let f = write(d.path(), "utf8.pcap", &synth::pcap(1, &frames));
    let f = f.to_str().unwrap();
    let o = sipfix_in(&["triage", f], "C", None);
    assert!(out(&o).contains("caf?-1@h"), "{}", out(&o));
    let o = sipfix_in(&["triage", f, "--call", "caf?-1@h", "--json"], "C", None);
    assert!(o.status.success(), "{}", err(&o));
    let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(j["call"]["call_id"], "café-1@h");
    let o = sipfix_in(&["triage", f, "--call", "na?ve-2@h"], "C", None);
    assert!(!o.status.success());
    assert!(err(&o).contains("starts 2 Call-IDs"), "{}", err(&o));
}

/// With several inputs, a finding's evidence names the input of the frame
/// it points at (frame numbers restart in each file).
#[test]
fn evidence_names_the_input_of_its_frame_when_there_are_several() {
    let d = tempfile::tempdir().unwrap();
    let t0 = 1_709_294_400_000_000_000;
    let pkt = |s, d, m: &str| synth::eth(&synth::udp_ip(s, d, m.as_bytes()));
    let inv = request("INVITE", "two-files", 1, "z9hG4bKa", None, &[], "");
    let busy = response(&inv, 503, Some("b"), &["Retry-After: 60"]);
    let a = write(
        d.path(),
        "a.pcap",
        &synth::pcap(1, &[(t0, pkt(A, B, &inv))]),
    );
    let b = write(
        d.path(),
        "b.pcap",
        &synth::pcap(1, &[(t0 + 5_000_000, pkt(B, A, &busy))]),
    );
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for fmt in ["--call", "--markdown"] {
        let mut args = vec!["triage", a, b, "--call", "two-files"];
        if fmt == "--markdown" {
            args.push(fmt);
        }
        let o = sipfix(&args);
        assert!(o.status.success(), "{}", err(&o));
        // Wrapped lines joined again.
        let text = out(&o).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("b.pcap frame 1)"), "{fmt}: {}", out(&o));
    }
    // One input: the frame alone, as before.
    let o = sipfix(&["triage", a, "--call", "two-files"]);
    assert!(!out(&o).contains("a.pcap frame"), "{}", out(&o));
}

/// `ngrep -W byline` output of `steps` (`src dst message`), each header
/// line with `stamp` after the protocol letter: `""` as ngrep prints it
/// without `-t`, `"+0.000100 "` with `-T`, a date and time with `-t`.
fn ngrep_log(steps: &[(&str, &str, String)], stamp: &dyn Fn(usize) -> String) -> Vec<u8> {
    let mut log = String::from("interface: lo (127.0.0.0/255.0.0.0)\nfilter: ( port 5060 )\n");
    for (i, (src, dst, sip)) in steps.iter().enumerate() {
        log.push_str(&format!("#\nU {}{src} -> {dst}\n", stamp(i)));
        log.push_str(&sip.replace("\r\n", ".\n"));
        log.push('\n');
    }
    log.into_bytes()
}

/// An answered call (its 180 and 200) and an INVITE resent three times
/// to a dead next hop.
fn answered_and_dead() -> Vec<(&'static str, &'static str, String)> {
    let inv = request("INVITE", "ok-1", 1, "z9hG4bKa", None, &[], &sdp("0"));
    let ack = request("ACK", "ok-1", 1, "z9hG4bKack", Some("b"), &[], "");
    let dead = request("INVITE", "dead-1", 1, "z9hG4bKd", None, &[], &sdp("0"));
    vec![
        (A, B, inv.clone()),
        (B, A, response(&inv, 180, Some("b"), &[])),
        (B, A, response(&inv, 200, Some("b"), &[])),
        (A, B, ack),
        (A, C, dead.clone()),
        (A, C, dead.clone()),
        (A, C, dead),
    ]
}

/// ngrep run without `-t` prints no times: each such input gets one
/// problem line saying so (named when there are several), and ngrep's
/// `-T` deltas keep their own line only.
#[test]
fn a_log_without_times_says_so_once_per_input() {
    let d = tempfile::tempdir().unwrap();
    let steps = answered_and_dead();
    let plain = ngrep_log(&steps, &|_| String::new());
    let deltas = ngrep_log(&steps, &|i| format!("+0.{:06} ", i * 100));
    let timed = ngrep_log(&steps, &|i| format!("2024/03/01 12:00:0{i}.000000 "));
    let a = write(d.path(), "a.txt", &plain);
    let b = write(d.path(), "b.txt", &plain);
    let t = write(d.path(), "t.txt", &deltas);
    let s = write(d.path(), "s.txt", &timed);
    let (a, b, t, s) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        t.to_str().unwrap(),
        s.to_str().unwrap(),
    );
    let json = |args: &[&str]| -> serde_json::Value {
        let o = sipfix(&[&["triage", "--json"], args].concat());
        assert!(o.status.success(), "{}", err(&o));
        serde_json::from_str(&out(&o)).unwrap()
    };
    let problems = |j: &serde_json::Value| -> Vec<String> {
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    let j = json(&[a]);
    assert_eq!(j["source"]["sip_messages"], 7);
    assert_eq!(j["problem_count"], 1, "{j}");
    let p = problems(&j);
    assert!(
        p[0].starts_with("the log gives its SIP messages no time (ngrep prints times with -t)")
            && p[0].contains("timings, the post-dial delay and timeouts cannot be measured"),
        "{p:?}"
    );
    // Two inputs: one line each, named.
    let j = json(&[a, b]);
    assert_eq!(j["problem_count"], 2, "{j}");
    let p = problems(&j);
    assert!(p[0].starts_with(&format!("{a}: the log gives its SIP messages no time")));
    assert!(p[1].starts_with(&format!("{b}: the log gives its SIP messages no time")));
    // ngrep -T: its own line says it, once.
    let j = json(&[t]);
    assert_eq!(j["problem_count"], 1, "{j}");
    assert!(problems(&j)[0].contains("time deltas (-T)"), "{j}");
    // ngrep -t: times, no such line.
    let j = json(&[s]);
    assert!(
        problems(&j)
            .iter()
            .all(|p| !p.contains("SIP messages no time")),
        "{j}"
    );
    // The text report lists it among the problems.
    let o = sipfix(&["triage", a]);
    let text = out(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains(
            "Problems in the input: 1 (the rest was read) - the log gives its SIP messages no time"
        ),
        "{}",
        out(&o)
    );
}

/// The summary of a log without times: its calls rang and were answered,
/// so the post-dial delay is missing for want of times, and the report
/// says that, not "no answered call with ringing or answer". JSON keeps
/// its keys (null is null).
#[test]
fn the_post_dial_delay_of_a_log_without_times_says_why_it_is_missing() {
    let d = tempfile::tempdir().unwrap();
    let steps = answered_and_dead();
    let plain = write(
        d.path(),
        "plain.txt",
        &ngrep_log(&steps, &|_| String::new()),
    );
    let timed = write(
        d.path(),
        "timed.txt",
        &ngrep_log(&steps, &|i| format!("2024/03/01 12:00:0{i}.000000 ")),
    );
    let (plain, timed) = (plain.to_str().unwrap(), timed.to_str().unwrap());
    let joined = |args: &[&str]| {
        let o = sipfix(&[&["triage"], args].concat());
        assert!(o.status.success(), "{}", err(&o));
        out(&o).split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let text = joined(&[plain]);
    assert!(
        text.contains(
            "post-dial delay (SRD): n/a (1 answered INVITE call, but their messages have no time)"
        ),
        "{text}"
    );
    assert!(!text.contains("no answered call with ringing"), "{text}");
    let md = joined(&[plain, "--markdown"]);
    assert!(
        md.contains(
            "| Post-dial delay (SRD) | n/a (1 answered INVITE call, but their messages have no \
             time) |"
        ),
        "{md}"
    );
    let o = sipfix(&["triage", plain, "--json"]);
    let j: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let s = &j["summary"];
    assert_eq!(s["answered"], 1);
    assert!(
        s["pdd_ms_median"].is_null() && s["pdd_ms_p95"].is_null(),
        "{s}"
    );
    assert!(s.get("answered_untimed").is_none(), "{s}");
    // With times: the delay, as before.
    let text = joined(&[timed]);
    assert!(
        text.contains("post-dial delay (SRD): median 1000 ms, 95th percentile 1000 ms"),
        "{text}"
    );
    let md = joined(&[timed, "--markdown"]);
    assert!(
        md.contains("| Post-dial delay (SRD) | median 1000 ms, 95th percentile 1000 ms |"),
        "{md}"
    );
}
