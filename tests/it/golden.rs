//! Golden files: the whole output of every command on fixed inputs, compared
//! whole (insta snapshots under `tests/it/snapshots/it__golden__*.snap`). A change
//! to any output shows up as a snapshot diff to review, never by accident.
//!
//! Output goes to a pipe, so the width is 80 and there is no colour unless
//! asked for; the locale is UTF-8 unless a test says otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/messages")
        .join(name)
}

fn command(data: &Path, lang: &str, args: &[&str]) -> Command {
    let mut c = crate::common::sipfix(lang);
    c.args(args)
        .env("TERM", "xterm-256color")
        .env("SIPFIX_DATA_DIR", data)
        .env("SIPFIX_CONFIG_DIR", data.join("no-config"));
    c
}

fn run_in(data: &Path, lang: &str, args: &[&str]) -> Output {
    command(data, lang, args).output().expect("run sipfix")
}

/// Stdout of a command that must succeed.
fn out_in(data: &Path, lang: &str, args: &[&str]) -> String {
    let o = run_in(data, lang, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Stdout of a command without notes, in a UTF-8 locale.
fn out(args: &[&str]) -> String {
    let d = tempfile::tempdir().unwrap();
    out_in(d.path(), "C.UTF-8", args)
}

/// Stdout of a command without notes, in the C locale.
fn out_c(args: &[&str]) -> String {
    let d = tempfile::tempdir().unwrap();
    out_in(d.path(), "C", args)
}

fn explain(file: &str, extra: &[&str]) -> String {
    let p = fixture(file);
    let mut args = vec!["explain", p.to_str().unwrap()];
    args.extend_from_slice(extra);
    out(&args)
}

#[test]
fn show() {
    insta::assert_snapshot!("show_486", out(&["show", "486"]));
    insta::assert_snapshot!("show_202", out(&["show", "202"]));
    insta::assert_snapshot!("show_499_unregistered", out(&["show", "499"]));
    insta::assert_snapshot!("show_486_markdown", out(&["show", "486", "--markdown"]));
    insta::assert_snapshot!("show_501_json", out(&["show", "501", "--json"]));
    insta::assert_snapshot!("show_202_ascii", out_c(&["show", "202"]));
    insta::assert_snapshot!("show_480_color", out(&["--color", "always", "show", "480"]));
}

#[test]
fn compare() {
    insta::assert_snapshot!("compare_480_486", out(&["compare", "480", "486"]));
    insta::assert_snapshot!(
        "compare_202_501_markdown",
        out(&["compare", "202", "501", "--markdown"])
    );
    insta::assert_snapshot!(
        "compare_100_603_json",
        out(&["compare", "100", "603", "--json"])
    );
}

#[test]
fn q850() {
    insta::assert_snapshot!("q850_17", out(&["q850", "17"]));
    insta::assert_snapshot!("q850_sip_480", out(&["q850", "--sip", "480"]));
    insta::assert_snapshot!("q850_list", out(&["q850"]));
    insta::assert_snapshot!("q850_34_json", out(&["q850", "34", "--json"]));
    insta::assert_snapshot!("q850_17_ascii", out_c(&["q850", "17"]));
}

#[test]
fn list_and_search() {
    insta::assert_snapshot!("list", out(&["list"]));
    insta::assert_snapshot!("list_4xx_json", out(&["list", "--class", "4xx", "--json"]));
    insta::assert_snapshot!("list_ascii", out_c(&["list"]));
    insta::assert_snapshot!("search_busy", out(&["search", "busy"]));
    insta::assert_snapshot!(
        "search_register_json",
        out(&["search", "register", "--json"])
    );
}

#[test]
fn explain_text_markdown_json() {
    for f in [
        "480-reason.sip",
        "501-refer.sip",
        "401-stale.sip",
        "200-invite.sip",
        "503-retry.sip",
        "invite-request.sip",
    ] {
        let stem = f.trim_end_matches(".sip");
        insta::assert_snapshot!(format!("explain_{stem}"), explain(f, &[]));
        insta::assert_snapshot!(
            format!("explain_{stem}_markdown"),
            explain(f, &["--markdown"])
        );
        insta::assert_snapshot!(format!("explain_{stem}_json"), explain(f, &["--json"]));
    }
    let p = fixture("480-reason.sip");
    insta::assert_snapshot!(
        "explain_480-reason_ascii",
        out_c(&["explain", p.to_str().unwrap()])
    );
}

#[test]
fn notes() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    for (code, text) in [
        ("486", "callee on DND [x] weekends"),
        ("486", "carrier ticket 4711 *urgent*"),
        ("503", "trunk B down, see NOC-17"),
    ] {
        out_in(data, "C.UTF-8", &["notes", code, "--add", text]);
    }
    let mut s = sipfix::store::Store::open(data).unwrap();
    s.set_step(486, 0, sipfix::store::StepState::Done, 1_700_000_000_000);
    s.set_step(486, 2, sipfix::store::StepState::Failed, 1_700_000_000_001);
    s.set_step(480, 1, sipfix::store::StepState::Skipped, 1_700_000_000_002);
    s.save().unwrap();
    insta::assert_snapshot!("notes_list", out_in(data, "C.UTF-8", &["notes"]));
    insta::assert_snapshot!("notes_486", out_in(data, "C.UTF-8", &["notes", "486"]));
    insta::assert_snapshot!(
        "notes_export_markdown",
        out_in(data, "C.UTF-8", &["notes", "--export", "markdown"])
    );
    insta::assert_snapshot!(
        "notes_export_json",
        out_in(data, "C.UTF-8", &["notes", "--export", "json"])
    );
}
