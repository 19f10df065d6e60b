//! The real binary, run as a user would run it.

use std::process::{Command, Output};

fn sipfix(args: &[&str]) -> Output {
    crate::common::sipfix("C.UTF-8")
        .args(args)
        .env(
            "SIPFIX_DATA_DIR",
            std::env::temp_dir().join("sipfix-cli-test-unused"),
        )
        .output()
        .expect("run sipfix")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = sipfix(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

/// Bad input: exit status 2, one clear line on stderr, nothing on stdout.
fn assert_bad_input(args: &[&str], expect: &str) {
    let o = sipfix(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    let err = stderr(&o);
    assert_eq!(
        err.lines().count(),
        1,
        "{args:?}: one line expected, got {err:?}"
    );
    assert!(err.contains(expect), "{args:?}: {err:?} lacks {expect:?}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "{args:?}: nothing on stdout");
}

#[test]
fn show_prints_the_full_entry() {
    let o = sipfix(&["show", "486"]);
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.starts_with("SIP 486 Busy Here\n"), "{s}");
    for part in [
        "What it means",
        "When you see it",
        "How to fix",
        "Retry and forking",
        "Q.850",
        "RFC 3261",
    ] {
        assert!(s.contains(part), "missing {part}");
    }
    assert!(!s.contains('\x1b'), "no colour into a pipe");
}

#[test]
fn bare_code_is_shorthand_for_show() {
    assert_eq!(stdout(&sipfix(&["501"])), stdout(&sipfix(&["show", "501"])));
}

#[test]
fn show_several_codes() {
    let s = stdout(&sipfix(&["show", "404", "604"]));
    assert!(s.contains("SIP 404 Not Found") && s.contains("SIP 604 Does Not Exist Anywhere"));
}

/// Every line of `out` fits `width` columns, except a whole runnable
/// command, which is printed on a line of its own, never broken.
fn assert_fits(what: &str, out: &str, width: usize) {
    for l in out.lines() {
        let cols = l.chars().count();
        assert!(
            cols <= width || sipfix::render::is_runnable(l.trim()),
            "{what}: line of {cols} columns: {l:?}"
        );
    }
}

fn sipfix_in(lang: &str, args: &[&str]) -> String {
    let o = crate::common::sipfix(lang)
        .args(args)
        .output()
        .expect("run sipfix");
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8(o.stdout).expect("UTF-8")
}

#[test]
fn every_output_fits_80_columns_in_every_locale() {
    let list = json(&["list", "--json"]);
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/messages");
    let mut runs: Vec<Vec<String>> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| vec!["show".to_string(), e["code"].as_u64().unwrap().to_string()])
        .collect();
    for f in std::fs::read_dir(fixtures).unwrap() {
        let p = f.unwrap().path().display().to_string();
        runs.push(vec!["explain".into(), p]);
    }
    for args in [
        &["list"][..],
        &["search", "busy"],
        &["q850"],
        &["q850", "34"],
        &["q850", "--sip", "480"],
        &["compare", "480", "486"],
        &["compare", "202", "501"],
    ] {
        runs.push(args.iter().map(|s| s.to_string()).collect());
    }
    // LANG=C and --ascii fold "§" into "sec. ": before the fix the fold came
    // after wrapping and lines grew to 81-85 columns.
    for (lang, ascii) in [("C.UTF-8", false), ("C", false), ("C.UTF-8", true)] {
        for args in &runs {
            let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
            if ascii {
                a.insert(0, "--ascii");
            }
            let out = sipfix_in(lang, &a);
            if lang == "C" || ascii {
                assert!(out.is_ascii(), "{a:?}");
            }
            assert_fits(&format!("LANG={lang} {a:?}"), &out, 80);
        }
    }
}

#[test]
fn unregistered_code_is_explained_as_its_class_x00() {
    let o = sipfix(&["show", "499"]);
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("SIP 499 (unregistered code)"));
    assert!(s.contains("8.1.3.2") && s.contains("400 Bad Request"));
    let j = json(&["show", "699", "--json"]);
    assert_eq!(j["code"], 699);
    assert_eq!(j["explained_as"], 600);
    assert_eq!(j["registered"], false);
    assert!(j["reason"].is_null());
    // An unknown provisional code is read as 183 Session Progress, not as
    // 100 (RFC 3261 §8.1.3.2: "other than 100").
    let s = stdout(&sipfix(&["show", "150"]));
    assert!(s.contains("SIP 150 (unregistered code)"), "{s}");
    assert!(s.contains("treats it as 183 Session Progress"), "{s}");
    assert_eq!(json(&["show", "150", "--json"])["explained_as"], 183);
}

#[test]
fn bad_codes_exit_2_with_one_line() {
    assert_bad_input(&["show", "abc"], "100 to 699");
    assert_bad_input(&["show", "99"], "100 to 699");
    assert_bad_input(&["show", "700"], "100 to 699");
    assert_bad_input(&["show", ""], "100 to 699");
    assert_bad_input(&["show", "4294967301"], "100 to 699");
    assert_bad_input(&["show", "486", "x"], "'x'");
    assert_bad_input(&["abc"], "100 to 699");
    assert_bad_input(&["compare", "486", "486"], "two different codes");
    assert_bad_input(&["compare", "486", "1000"], "100 to 699");
    assert_bad_input(&["q850", "500"], "1 to 127");
    assert_bad_input(&["q850", "10"], "not defined");
    assert_bad_input(&["q850", "--sip", "99"], "100 to 699");
    assert_bad_input(&["search", ""], "empty search query");
    assert_bad_input(&["search", "   "], "empty search query");
    assert_bad_input(&["list", "--class", "7xx"], "1xx, 2xx");
}

#[test]
fn control_characters_in_arguments_are_escaped_in_errors() {
    let o = sipfix(&["show", "\x1b[2Jx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains('\x1b'));
    assert!(stderr(&o).contains("\\e[2Jx"));
}

#[test]
fn list_json_has_stable_keys() {
    let v = json(&["list", "--json"]);
    let arr = v.as_array().unwrap();
    assert!(arr.len() >= 75);
    for e in arr {
        assert!(e["code"].is_u64());
        assert!(e["reason"].is_string());
        assert!(e["class"].as_str().unwrap().ends_with("xx"));
        assert!(
            e["references"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.as_str().unwrap().starts_with("RFC "))
        );
        assert!(e["deprecated"].is_boolean());
    }
    let accepted = arr.iter().find(|e| e["code"] == 202).unwrap();
    assert_eq!(accepted["deprecated"], true);
    assert_eq!(accepted["reason"], "Accepted");
    let four = json(&["list", "--class", "4xx", "--json"]);
    assert!(four.as_array().unwrap().iter().all(|e| e["class"] == "4xx"));
}

#[test]
fn list_prints_one_line_a_code() {
    let s = stdout(&sipfix(&["list"]));
    let n = json(&["list", "--json"]).as_array().unwrap().len();
    assert_eq!(s.lines().count(), n);
    assert!(s.lines().any(|l| l.starts_with("486 Busy Here")));
}

#[test]
fn show_json_carries_the_guidance() {
    let j = json(&["show", "501", "--json"]);
    assert_eq!(j["code"], 501);
    assert_eq!(j["reason"], "Not Implemented");
    assert_eq!(j["class"], "5xx");
    assert!(j["steps"].as_array().unwrap().len() >= 3);
    assert!(j["steps"][0]["title"].is_string());
    assert!(!j["when"].as_array().unwrap().is_empty());
    let multi = json(&["show", "501", "202", "--json"]);
    assert_eq!(multi.as_array().unwrap().len(), 2);
}

#[test]
fn search_ranks_numbers_and_finds_symptoms() {
    let codes = |q: &str| -> Vec<u64> {
        json(&["search", q, "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["code"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(codes("486")[0], 486);
    assert_eq!(&codes("48")[..3], &[480, 481, 482]);
    let busy = codes("busy");
    assert!(busy.contains(&486) && busy.contains(&600), "{busy:?}");
    assert!(codes("transfer").contains(&202));
    let o = sipfix(&["search", "zzqqxxjj"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no code matches"));
    // A symptom as a sentence, a typing slip.
    assert!(codes("no NOTIFY after REFER").contains(&202));
    assert_eq!(codes("buzy")[0], 486);
}

/// A query loosened because it found nothing says, on stderr, what was
/// searched (text only: JSON stays a list of codes); a slip is corrected
/// to the likeliest word, and a negation never dropped into its opposite.
#[test]
fn search_says_when_it_searched_a_looser_query() {
    let o = sipfix(&["search", "codek"]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("nothing matches 'codek': showing 'codec'"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).starts_with("488"), "{}", stdout(&o));
    let o = sipfix(&["search", "codek", "--json"]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert_eq!(json(&["search", "codek", "--json"])[0]["code"], 488);
    let o = sipfix(&["search", "busy"]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = sipfix(&["search", "not ok"]);
    assert!(!stdout(&o).starts_with("200"), "{}", stdout(&o));
}

/// The causes a query asks for are listed, as in the UI: `Q.850` alone,
/// `cause 34` with the code it maps to.
#[test]
fn search_lists_the_q850_causes_asked_for() {
    let o = sipfix(&["search", "cause", "34"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let first = s.lines().next().unwrap_or("");
    assert!(first.starts_with("Q34 No circuit/channel available"), "{s}");
    assert!(first.ends_with("SIP 503"), "{s}");
    assert!(
        s.lines().any(|l| l.starts_with("503 Service Unavailable")),
        "{s}"
    );
    let o = sipfix(&["search", "Q.850"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).lines().any(|l| l.starts_with("Q16 ")),
        "{}",
        stdout(&o)
    );
    let o = sipfix(&["search", "Q.850", "--markdown"]);
    assert!(
        stdout(&o).starts_with("| Q.850 cause | Name | SIP |"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn compare_has_all_parts() {
    let o = sipfix(&["compare", "202", "501"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(
        s.starts_with("SIP 202 Accepted vs 501 Not Implemented"),
        "{s}"
    );
    for part in ["Key differences", "When to use which", "2xx", "5xx"] {
        assert!(s.contains(part), "missing {part}");
    }
    assert!(!s.to_lowercase().contains("when when"));
}

#[test]
fn confusable_pairs_are_hand_written_in_both_orders() {
    for (a, b) in [
        ("404", "604"),
        ("480", "486"),
        ("486", "600"),
        ("401", "407"),
        ("408", "504"),
        ("502", "503"),
        ("488", "606"),
        ("405", "501"),
        ("200", "202"),
        ("484", "404"),
        ("401", "403"),
    ] {
        let j = json(&["compare", a, b, "--json"]);
        assert_eq!(j["curated"], true, "{a}/{b}");
        let r = json(&["compare", b, a, "--json"]);
        assert_eq!(r["curated"], true, "{b}/{a}");
        assert_eq!(
            j["use_a"], r["use_b"],
            "{a}/{b}: swapped order keeps each code's own advice"
        );
    }
}

#[test]
fn derived_comparison_reads_naturally() {
    let j = json(&["compare", "100", "603", "--json"]);
    assert_eq!(j["curated"], false);
    let diffs: Vec<&str> = j["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(diffs.iter().any(|d| d.contains("provisional")), "{diffs:?}");
    assert!(
        diffs.iter().any(|d| d.contains("16.7")),
        "a 6xx ends forking: {diffs:?}"
    );
    for d in diffs {
        assert!(!d.to_lowercase().contains("when when"), "{d}");
        assert!(d.ends_with('.') || d.ends_with(')'), "a sentence: {d}");
    }
}

#[test]
fn markdown_output() {
    let s = stdout(&sipfix(&["show", "486", "--markdown"]));
    assert!(s.starts_with("## SIP 486 Busy Here\n"));
    assert!(s.contains("### How to fix"));
    let c = stdout(&sipfix(&["compare", "480", "486", "--markdown"]));
    assert!(c.starts_with("## SIP 480 Temporarily Unavailable vs 486 Busy Here"));
}

#[test]
fn q850_both_ways() {
    let c = json(&["q850", "17", "--json"]);
    assert_eq!(c["cause"], 17);
    assert_eq!(c["name"], "User busy");
    assert_eq!(c["sip"], serde_json::json!([486]));
    let c22 = json(&["q850", "22", "--json"]);
    let mut sip: Vec<u64> = c22["sip"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    sip.sort();
    assert_eq!(sip, vec![301, 410]);
    let c16 = json(&["q850", "16", "--json"]);
    assert_eq!(c16["sip"], serde_json::json!([]));
    let s = json(&["q850", "--sip", "486", "--json"]);
    assert_eq!(s["sip"], 486);
    assert_eq!(s["cause"], 17);
    assert_eq!(s["name"], "User busy");
    let none = json(&["q850", "--sip", "183", "--json"]);
    assert!(none["cause"].is_null());
    let text = stdout(&sipfix(&["q850", "--sip", "480"]));
    assert!(text.contains("Asterisk"), "vendor deviation shown: {text}");
}

#[test]
fn colour_follows_the_flag() {
    let always = stdout(&sipfix(&["--color", "always", "show", "486"]));
    assert!(always.contains("\x1b["));
    let never = stdout(&sipfix(&["--color", "never", "show", "486"]));
    assert!(!never.contains('\x1b'));
}

#[test]
fn ascii_when_the_locale_is_not_utf8() {
    let o = crate::common::sipfix("C")
        .args(["show", "202"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.is_ascii());
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("RFC 6665"));
}

#[test]
fn completions_and_man() {
    let b = stdout(&sipfix(&["completions", "bash"]));
    assert!(b.contains("sipfix") && b.contains("compare"));
    let m = stdout(&sipfix(&["man"]));
    assert!(m.contains(".TH sipfix"));
}

#[test]
fn tui_without_a_terminal_points_to_the_commands() {
    let o = sipfix(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sipfix show CODE"));
}

fn explain_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_sipfix"))
        .arg("explain")
        .args(args)
        .env("LANG", "C.UTF-8")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = c.stdin.take().unwrap();
    let data = input.to_vec();
    // Write from a thread: a refused overlarge input may close the pipe early.
    let w = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let o = c.wait_with_output().unwrap();
    let _ = w.join();
    o
}

const MSG_501: &str = "SIP/2.0 501 Not Implemented\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c1\r\nCSeq: 7 REFER\r\nAllow: UPDATE, INVITE\r\nReason: q.850;cause=21\r\nContent-Length: 0\r\n\r\n";

#[test]
fn explain_from_stdin_and_file() {
    let o = explain_stdin(&[], MSG_501.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(
        s.contains("501 Not Implemented") && s.contains("REFER"),
        "{s}"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.txt");
    std::fs::write(&p, MSG_501).unwrap();
    let f = sipfix(&["explain", p.to_str().unwrap()]);
    assert_eq!(stdout(&f), s);
    let md = stdout(&sipfix(&["explain", p.to_str().unwrap(), "--markdown"]));
    assert!(md.starts_with('#'), "{md}");
}

/// A message copied from a coloured console (each header name in colour,
/// the status line bold) decodes as the plain message: the colour codes
/// are not part of it.
#[test]
fn explain_reads_a_coloured_console_copy() {
    let coloured = MSG_501
        .replacen(
            "SIP/2.0 501 Not Implemented",
            "\x1b[1;31mSIP/2.0 501 Not Implemented\x1b[0m",
            1,
        )
        .replace("\r\nCSeq:", "\r\n\x1b[32mCSeq\x1b[0m:");
    let plain = explain_stdin(&["--json"], MSG_501.as_bytes());
    let o = explain_stdin(&["--json"], coloured.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&plain));
}

#[test]
fn explain_json_has_the_stable_keys() {
    let o = explain_stdin(&["--json"], MSG_501.as_bytes());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["code"], 501);
    assert_eq!(j["reason"], "Not Implemented");
    assert_eq!(j["cseq_method"], "REFER");
    assert_eq!(j["allow"], serde_json::json!(["UPDATE", "INVITE"]));
    assert_eq!(j["reasons"][0]["cause"], 21);
    assert!(
        j["reasons"][0]["protocol"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("q.850")
    );
    for key in [
        "method",
        "supported",
        "require",
        "unsupported",
        "warnings",
        "retry_after",
        "challenges",
        "problems",
    ] {
        assert!(j.get(key).is_some(), "missing key {key}");
    }
}

#[test]
fn explain_bad_input() {
    let o = explain_stdin(&[], b"hello world\nthis is not sip\n");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("no SIP message"));
    let big = vec![b'a'; 2 * 1024 * 1024];
    let o = explain_stdin(&[], &big);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1 MiB"), "{}", stderr(&o));
    let o = explain_stdin(&[], b"\x00\x01\x02\xff\xfe binary");
    assert_eq!(o.status.code(), Some(2));
    // A partial decode is still a decode: exit 0 with problems.
    let o = explain_stdin(
        &["--json"],
        b"SIP/2.0 4294967301 Overflow\r\nCSeq: 1 INVITE\r\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["code"].is_null());
    assert!(!j["problems"].as_array().unwrap().is_empty());
    let o = sipfix(&["explain", "/nonexistent/file"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn explain_escapes_hostile_bytes_on_stdout() {
    let msg =
        "SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\nServer: evil\x1b[2J\x1b]0;pwned\x07\r\n\r\n";
    let o = explain_stdin(&[], msg.as_bytes());
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(!s.contains('\x1b') && !s.contains('\x07'), "{s:?}");
}

#[test]
fn explain_json_escapes_del_c1_and_bidi() {
    let msg = "SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\nServer: a\u{7f}b\u{9b}c\u{202e}d\r\n\r\n";
    let o = explain_stdin(&["--json"], msg.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    for raw in ['\u{7f}', '\u{9b}', '\u{202e}'] {
        assert!(!s.contains(raw), "raw {raw:?} in JSON output");
    }
    assert!(s.contains("a\\u007fb\\u009bc\\u202ed"), "{s}");
    let j: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(j["sender"]["server"], "a\u{7f}b\u{9b}c\u{202e}d");
}

#[test]
fn a_long_number_is_echoed_as_typed() {
    let digits = "1234567890123456789012345678901234567890";
    let o = sipfix(&["show", digits]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains("18446744073709551615"), "{err}");
    assert!(err.contains("12345678901234567890"), "{err}");
}

#[test]
fn oversized_input_reports_its_real_size() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.txt");
    std::fs::write(&p, vec![b'a'; 3_000_000]).unwrap();
    let o = sipfix(&["explain", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("3000000 bytes"), "{}", stderr(&o));
    let o = explain_stdin(&[], &vec![b'a'; 2_000_000]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains("1048577"), "{err}");
    assert!(err.contains("more than 1048576 bytes"), "{err}");
}

#[test]
fn a_broken_start_line_still_decodes_the_headers() {
    let msg = "SIP-2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c1\r\n\
CSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\"\r\n\
Content-Length: 0\r\n\r\n";
    let o = explain_stdin(&["--json"], msg.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["call_id"], "c1");
    assert_eq!(j["challenges"][0]["realm"], "example.com");
    let problems = j["problems"].to_string();
    assert!(problems.contains("SIP-2.0"), "{problems}");
}

#[test]
fn explain_error_paths_are_sanitised() {
    let o = sipfix(&["explain", "/nonexistent/\x1b[2Jdir\u{202e}/m.txt"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        !err.contains('\x1b') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(err.contains("\\e[2J"), "{err}");
}

/// `sipfix --version` names the version and the commit the binary was
/// built from (`build.rs`).
#[test]
fn version_names_the_commit() {
    let o = sipfix(&["--version"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = stdout(&o);
    let prefix = format!("sipfix {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(v.starts_with(&prefix), "{v}");
    let head = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => assert!(
            v.starts_with(&format!("{prefix}{}", &h[..12])),
            "{v} vs HEAD {h}"
        ),
        None => println!("no git checkout here: the commit part is not compared"),
    }
}

#[test]
fn a_mistyped_command_suggests_the_closest_one() {
    // Before: "'serach' is not a SIP status code".
    assert_bad_input(&["serach", "busy"], "did you mean 'sipfix search'?");
    assert_bad_input(&["--ascii", "comapre", "480", "486"], "'sipfix compare'");
    // A word no command is close to is still read as a code.
    assert_bad_input(&["busy"], "100 to 699");
}

#[test]
fn list_and_search_as_markdown_tables() {
    let s = stdout(&sipfix(&["list", "--class", "2xx", "--markdown"]));
    let mut lines = s.lines();
    assert_eq!(lines.next(), Some("| Code | Reason | Class | Summary |"));
    assert_eq!(lines.next(), Some("|---:|---|---|---|"));
    assert!(
        s.contains("\n| 202 | Accepted (deprecated) | 2xx | "),
        "{s}"
    );
    assert_eq!(
        s.lines().count(),
        2 + json(&["list", "--class", "2xx", "--json"])
            .as_array()
            .unwrap()
            .len()
    );
    let s = stdout(&sipfix(&["search", "busy", "--markdown"]));
    assert!(s.contains("\n| 486 | Busy Here | 4xx | "), "{s}");
}

#[test]
fn explain_markdown_starts_at_the_level_of_show() {
    let o = explain_stdin(&["--markdown"], MSG_501.as_bytes());
    let md = stdout(&o);
    // Before: "### SIP 501 ..." under show's "## SIP 501 ...".
    assert!(md.starts_with("## SIP 501 Not Implemented\n"), "{md}");
    assert!(md.contains("\n### Checklist for 501\n"), "{md}");
    let show = stdout(&sipfix(&["show", "501", "--markdown"]));
    assert!(show.starts_with("## SIP 501 Not Implemented\n"));
}

#[test]
fn explain_follows_the_width_and_the_colour_flag() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.txt");
    std::fs::write(&p, MSG_501).unwrap();
    let p = p.to_str().unwrap();
    // Before: explain had its own 80-column wrapper and no colour at all.
    let coloured = stdout(&sipfix(&["--color", "always", "explain", p]));
    assert!(coloured.contains("\x1b["), "{coloured}");
    let plain = stdout(&sipfix(&["--color", "never", "explain", p]));
    assert!(!plain.contains('\x1b'));
    assert_eq!(
        plain,
        sipfix::render::to_text(
            &sipfix::message::to_doc(
                &sipfix::message::decode(MSG_501.as_bytes(), sipfix::kb::Kb::embedded()).unwrap()
            ),
            sipfix::render::TextStyle::default()
        ),
        "explain is the document rendered by the same renderer as show"
    );
}

#[test]
fn commands_and_header_names_are_never_broken() {
    // Before: "tshark ... 'sip.Status-Code" / "== 480'" and "Proxy-" /
    // "Authenticate" across lines.
    let list = json(&["list", "--json"]);
    let mut runnable = 0;
    for e in list.as_array().unwrap() {
        let code = e["code"].as_u64().unwrap().to_string();
        let out = stdout(&sipfix(&["show", &code]));
        let lines: Vec<&str> = out.lines().map(str::trim).collect();
        let j = json(&["show", &code, "--json"]);
        for step in j["steps"].as_array().unwrap() {
            for cmd in step["commands"].as_object().unwrap().values() {
                let cmd = cmd.as_str().unwrap();
                if let Some((head, _)) = sipfix::render::runnable_head(cmd) {
                    runnable += 1;
                    assert!(
                        lines.iter().any(|l| l.contains(head.trim())),
                        "{code}: {head:?} broken in:\n{out}"
                    );
                }
            }
            for h in step["headers"].as_array().unwrap() {
                let h = h.as_str().unwrap();
                assert!(
                    lines.iter().any(|l| l.contains(h)),
                    "{code}: header name {h:?} broken in:\n{out}"
                );
            }
        }
    }
    assert!(runnable > 100, "{runnable}");
}

/// The output of `sipfix ARGS` run with stdout on a terminal `cols` wide.
fn on_a_terminal(cols: u16, args: &[&str]) -> String {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let (mut m, mut s): (libc::c_int, libc::c_int) = (-1, -1);
    let ws = libc::winsize {
        ws_row: 40,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: valid out-pointers, no name buffer, default termios, a valid winsize.
    let r = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
    assert_eq!(r, 0);
    // SAFETY: openpty returned two fresh descriptors we now own.
    let (mut master, slave) = unsafe {
        (
            std::fs::File::from_raw_fd(m),
            std::os::fd::OwnedFd::from_raw_fd(s),
        )
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_sipfix"))
        .args(args)
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(slave))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends with EIO once the child has exited and closed the slave.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    child.wait().unwrap();
    let out = reader.join().unwrap();
    String::from_utf8(out).unwrap().replace('\r', "")
}

#[test]
fn explain_wraps_at_the_terminal_width() {
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/messages/480-reason.sip"
    );
    // Before: 80 columns whatever the terminal.
    let wide = on_a_terminal(120, &["--color", "never", "explain", f]);
    let longest = wide.lines().map(|l| l.chars().count()).max().unwrap();
    assert!((81..=100).contains(&longest), "{longest}:\n{wide}");
    let narrow = on_a_terminal(60, &["--color", "never", "explain", f]);
    assert!(narrow.contains("Via headers: 2"), "{narrow}");
    for l in narrow.lines() {
        assert!(l.chars().count() <= 60, "{l:?}");
    }
}
