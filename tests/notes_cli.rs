//! `sipfix notes` from the shell: several writers at once, a writer killed
//! mid-save, the export.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn sipfix(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sipfix"));
    c.env("SIPFIX_DATA_DIR", data).env("LANG", "C.UTF-8");
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    sipfix(data).args(args).output().unwrap()
}

#[test]
fn add_print_list_export() {
    let d = tempfile::tempdir().unwrap();
    assert!(
        run(d.path(), &["notes", "486", "--add", "first line"])
            .status
            .success()
    );
    assert!(
        run(d.path(), &["notes", "486", "--add", "second line"])
            .status
            .success()
    );
    let o = run(d.path(), &["notes", "486"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "first line\nsecond line\n"
    );
    let l = run(d.path(), &["notes"]);
    let list = String::from_utf8_lossy(&l.stdout);
    assert!(list.starts_with("486 Busy Here"), "{list}");
    assert!(list.contains("0/5 steps") || list.contains("/"), "{list}");
    let md = String::from_utf8_lossy(&run(d.path(), &["notes", "--export", "markdown"]).stdout)
        .into_owned();
    assert!(md.starts_with("# sipfix triage report"), "{md}");
    assert!(md.contains("## 486 Busy Here"));
    assert!(md.contains("> first line\n> second line"));
    let json: serde_json::Value =
        serde_json::from_slice(&run(d.path(), &["notes", "--export", "json"]).stdout).unwrap();
    assert_eq!(json[0]["code"], 486);
    assert_eq!(json[0]["note"], "first line\nsecond line");
}

#[test]
fn missing_note_and_bad_input() {
    let d = tempfile::tempdir().unwrap();
    let o = run(d.path(), &["notes", "404"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no note for 404"));
    let o = run(d.path(), &["notes", "abc", "--add", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(d.path(), &["notes", "486", "--add", "  "]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn hostile_note_text_is_escaped_on_output() {
    let d = tempfile::tempdir().unwrap();
    assert!(
        run(
            d.path(),
            &["notes", "486", "--add", "evil \x1b[2J\x07 text"]
        )
        .status
        .success()
    );
    let o = run(d.path(), &["notes", "486"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(!s.contains('\x1b') && !s.contains('\x07'), "{s:?}");
    assert!(s.contains("\\e[2J"));
}

#[test]
fn many_writers_at_once_lose_nothing() {
    let d = tempfile::tempdir().unwrap();
    let children: Vec<Child> = (0..24)
        .map(|i| {
            sipfix(d.path())
                .args(["notes", "503", "--add", &format!("writer {i}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let note = String::from_utf8_lossy(&run(d.path(), &["notes", "503"]).stdout).into_owned();
    for i in 0..24 {
        assert!(
            note.lines().any(|l| l == format!("writer {i}")),
            "writer {i} lost:\n{note}"
        );
    }
    assert_eq!(note.lines().count(), 24);
}

#[test]
fn a_writer_killed_mid_save_leaves_a_readable_file() {
    let d = tempfile::tempdir().unwrap();
    // A large note makes each save take long enough to be interrupted.
    let big = "x".repeat(100_000);
    assert!(
        run(d.path(), &["notes", "480", "--add", &big])
            .status
            .success()
    );
    let mut survivors = Vec::new();
    for round in 0..12u64 {
        let mut victim = sipfix(d.path())
            .args(["notes", "480", "--add", &format!("victim {round}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ok = sipfix(d.path())
            .args(["notes", "480", "--add", &format!("survivor {round}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(round * 700));
        let _ = victim.kill();
        let _ = victim.wait();
        let o = ok.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        survivors.push(format!("survivor {round}"));
        // After every kill the file still parses and holds everything saved so far.
        let note = run(d.path(), &["notes", "480"]);
        assert!(
            note.status.success(),
            "{}",
            String::from_utf8_lossy(&note.stderr)
        );
        let text = String::from_utf8_lossy(&note.stdout).into_owned();
        assert!(text.starts_with(&big), "the first save survived");
        for s in &survivors {
            assert!(text.lines().any(|l| l == s), "{s} lost after round {round}");
        }
    }
    let raw = std::fs::read(d.path().join("notes.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&raw).expect("notes.json parses");
    assert_eq!(v["schema_version"], 1);
}
