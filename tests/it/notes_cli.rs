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

fn files_named(dir: &Path, part: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(part))
        .collect()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_planted_temp_file_link_is_never_followed() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let outside = root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let victim = outside.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(
        run(&data, &["notes", "486", "--add", "first"])
            .status
            .success()
    );
    symlink(&victim, data.join("notes.json.tmp")).unwrap();
    let o = run(&data, &["notes", "486", "--add", "second"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(mode(&victim), 0o644);
    let meta = std::fs::symlink_metadata(data.join("notes.json")).unwrap();
    assert!(meta.file_type().is_file(), "notes.json became {meta:?}");
    assert_eq!(
        String::from_utf8_lossy(&run(&data, &["notes", "486"]).stdout),
        "first\nsecond\n"
    );
}

#[test]
fn a_planted_lock_link_is_refused() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let target = root.path().join("created-outside");
    symlink(&target, data.join("notes.lock")).unwrap();
    let o = run(&data, &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(
        !target.exists(),
        "a file was created outside the data directory"
    );
}

/// sipfix with the platform data directory under `home` (no SIPFIX_DATA_DIR).
fn run_default_dir(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sipfix"))
        .args(args)
        .env_remove("SIPFIX_DATA_DIR")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("share"))
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap()
}

#[test]
fn an_open_data_directory_of_ours_is_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("share").join("sipfix");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = run_default_dir(home.path(), &["notes", "486", "--add", "x"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn a_data_directory_owned_by_someone_else_is_refused_unless_chosen() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("share").join("sipfix");
    std::fs::create_dir_all(&dir).unwrap();
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: chown(2) on a path we created, with a valid C string.
    if unsafe { libc::chown(c.as_ptr(), 65534, 65534) } != 0 {
        eprintln!("skipped: cannot give a directory away here (not root)");
        return;
    }
    let o = run_default_dir(home.path(), &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not owned by"), "{err}");
    assert!(!dir.join("notes.json").exists());
    // Chosen explicitly: a warning, and it works.
    let o = run(&dir, &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("not owned by"), "{err}");
}

#[test]
fn a_file_size_limit_makes_add_fail_cleanly() {
    let d = tempfile::tempdir().unwrap();
    assert!(
        run(d.path(), &["notes", "486", "--add", "small"])
            .status
            .success()
    );
    let before = std::fs::read(d.path().join("notes.json")).unwrap();
    let big = "y".repeat(4000);
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 1; exec \"$0\" notes 486 --add \"$1\"")
        .arg(env!("CARGO_BIN_EXE_sipfix"))
        .arg(&big)
        .env("SIPFIX_DATA_DIR", d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        o.status.signal(),
        None,
        "killed by a signal: {:?}",
        o.status
    );
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("too large"), "{err}");
    assert_eq!(std::fs::read(d.path().join("notes.json")).unwrap(), before);
    assert!(files_named(d.path(), ".tmp").is_empty());
}

#[test]
fn files_are_0600_whatever_the_umask() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("sipfix");
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 0277; exec \"$0\" notes 486 --add x")
        .arg(env!("CARGO_BIN_EXE_sipfix"))
        .env("SIPFIX_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("notes.json")), 0o600);
    assert_eq!(mode(&data.join("notes.lock")), 0o600);
}

#[test]
fn json_export_escapes_del_c1_and_bidi() {
    let d = tempfile::tempdir().unwrap();
    let text = "a\u{7f}b\u{9b}c\u{202e}d";
    assert!(
        run(d.path(), &["notes", "486", "--add", text])
            .status
            .success()
    );
    let o = run(d.path(), &["notes", "--export", "json"]);
    let s = String::from_utf8(o.stdout).unwrap();
    for raw in ['\u{7f}', '\u{9b}', '\u{202e}'] {
        assert!(!s.contains(raw), "raw {raw:?} in {s}");
    }
    assert!(s.contains("a\\u007fb\\u009bc\\u202ed"), "{s}");
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v[0]["note"], text);
}

#[test]
fn paths_in_errors_are_sanitised() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("plain-file");
    std::fs::write(&file, "").unwrap();
    let hostile = file.join("\x1b[2J\x1b]0;title\x07\u{202e}x");
    let o = run(&hostile, &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for raw in ['\x1b', '\x07', '\u{202e}'] {
        assert!(!err.contains(raw), "raw {raw:?} in {err:?}");
    }
    assert!(err.contains("\\e[2J"), "{err}");
}

#[test]
fn markdown_export_keeps_notes_of_any_code() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("notes.json"),
        r#"{"schema_version": 1, "codes": {"42": {"note": {"text": "odd code from a vendor", "updated_ms": 1}},
            "486": {"note": {"text": "normal", "updated_ms": 1}}}}"#,
    )
    .unwrap();
    let md = String::from_utf8_lossy(&run(d.path(), &["notes", "--export", "markdown"]).stdout)
        .into_owned();
    assert!(md.contains("odd code from a vendor"), "{md}");
    assert!(md.contains("normal"), "{md}");
}

#[test]
fn one_bad_field_hides_no_other_note() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("notes.json");
    std::fs::write(
        &file,
        r#"{"schema_version": 1, "codes": {
            "404": {"note": {"text": "kept", "updated_ms": 1}},
            "486": {"note": {"text": "also kept", "updated_ms": 1},
                    "steps": {"0": {"state": "blocked", "updated_ms": 2}, "1": {"state": "done", "updated_ms": 2}}}}}"#,
    )
    .unwrap();
    let o = run(d.path(), &["notes", "404"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "kept\n", "{err}");
    assert!(err.contains("486") && err.contains("blocked"), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&run(d.path(), &["notes", "486"]).stdout),
        "also kept\n"
    );
    // A write keeps the other fields and the original file beside it.
    assert!(
        run(d.path(), &["notes", "404", "--add", "more"])
            .status
            .success()
    );
    let s = sipfix::store::Store::open(d.path()).unwrap();
    assert_eq!(s.note(404), "kept\nmore");
    assert_eq!(s.note(486), "also kept");
    assert_eq!(s.step_state(486, 1), sipfix::store::StepState::Done);
    let aside = files_named(d.path(), "corrupt");
    assert_eq!(aside.len(), 1, "the original is kept");
    assert!(
        std::fs::read_to_string(&aside[0])
            .unwrap()
            .contains("blocked")
    );
}

#[test]
fn add_to_a_newer_schema_file_does_not_claim_memory() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("notes.json"),
        r#"{"schema_version": 9, "codes": {}}"#,
    )
    .unwrap();
    let o = run(d.path(), &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("memory"), "{err}");
    assert!(
        err.contains("nothing was written") || err.contains("not written"),
        "{err}"
    );
}

#[test]
fn notes_as_json_and_an_export_with_task_marks() {
    let d = tempfile::tempdir().unwrap();
    assert!(
        run(d.path(), &["notes", "486", "--add", "DND [x] weekends"])
            .status
            .success()
    );
    let mut s = sipfix::store::Store::open(d.path()).unwrap();
    s.set_step(486, 0, sipfix::store::StepState::Done, 1);
    s.save().unwrap();
    // `notes --json`: every code with notes or progress.
    let o = run(d.path(), &["notes", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j[0]["code"], 486);
    assert_eq!(j[0]["note"], "DND [x] weekends");
    assert_eq!(j[0]["steps"][0]["state"], "done");
    // `notes CODE --json`: that code.
    let o = run(d.path(), &["notes", "486", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["code"], 486);
    assert_eq!(
        run(d.path(), &["notes", "404", "--json"]).status.code(),
        Some(1)
    );
    assert_eq!(
        run(d.path(), &["notes", "486", "--add", "x", "--json"])
            .status
            .code(),
        Some(2)
    );
    // The export's checklist is a task list: `[x]` is not escaped.
    let md = String::from_utf8(run(d.path(), &["notes", "--export", "markdown"]).stdout).unwrap();
    assert!(md.contains("\n- [x] 1. "), "{md}");
    assert!(md.contains("\n- [ ] 2. "), "{md}");
    assert!(!md.contains("\\[x\\]"), "{md}");
}

/// A note that lost a concurrent edit is shown under the note by `notes
/// CODE`, in `--json` (`conflicts`) and in the Markdown export, and is
/// dropped only when asked with `--drop-conflicts`.
#[test]
fn kept_versions_are_printed_and_dropped_on_request() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("notes.json"),
        r#"{"schema_version": 1, "codes": {"500": {
            "note": {"text": "b1 b2 b3 b4", "updated_ms": 1764000009000},
            "conflicts": [{"text": "a1 a2 a3 a4", "updated_ms": 1764000008000,
                           "saved_ms": 1764000009500}]}}}"#,
    )
    .unwrap();
    let out = |args: &[&str]| String::from_utf8_lossy(&run(d.path(), args).stdout).into_owned();
    let text = out(&["notes", "500"]);
    assert!(text.starts_with("b1 b2 b3 b4\n"), "{text}");
    assert!(text.contains("kept after a concurrent edit"), "{text}");
    assert!(text.contains("a1 a2 a3 a4"), "{text}");
    assert!(text.contains("2025-11-24 16:00:08 UTC"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&out(&["notes", "500", "--json"])).unwrap();
    assert_eq!(json["conflicts"][0]["text"], "a1 a2 a3 a4");
    assert_eq!(json["conflicts"][0]["updated_ms"], 1764000008000u64);
    let list: serde_json::Value = serde_json::from_str(&out(&["notes", "--json"])).unwrap();
    assert_eq!(list[0]["conflicts"][0]["text"], "a1 a2 a3 a4");
    let md = out(&["notes", "--export", "markdown"]);
    assert!(md.contains("> b1 b2 b3 b4"), "{md}");
    assert!(md.contains("### Kept after a concurrent edit"), "{md}");
    assert!(md.contains("> a1 a2 a3 a4"), "{md}");

    // Printing drops nothing; --drop-conflicts does, and keeps the note.
    assert!(out(&["notes", "500"]).contains("a1 a2 a3 a4"));
    let o = run(d.path(), &["notes", "500", "--drop-conflicts"]);
    assert!(o.status.success(), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("dropped 1 kept version"));
    assert_eq!(out(&["notes", "500"]), "b1 b2 b3 b4\n");
    let json: serde_json::Value = serde_json::from_str(&out(&["notes", "500", "--json"])).unwrap();
    assert_eq!(json["conflicts"], serde_json::json!([]));
    let o = run(d.path(), &["notes", "500", "--drop-conflicts"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no earlier version"));
    let o = run(d.path(), &["notes", "--drop-conflicts"]);
    assert_eq!(o.status.code(), Some(2), "needs a code");
}

/// The tester's repro: a hard-linked `notes.lock` made `--add` chmod the
/// file it also names to 0600, and lock it, silently.
#[test]
fn a_hard_linked_lock_is_refused_and_its_file_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let shared = root.path().join("shared.conf");
    std::fs::write(&shared, "shared config\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o664)).unwrap();
    std::fs::hard_link(&shared, data.join("notes.lock")).unwrap();
    let o = run(&data, &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing to use") && err.contains("hard link"),
        "{err}"
    );
    assert_eq!(mode(&shared), 0o664, "the linked file's mode was changed");
    assert!(!data.join("notes.json").exists());
}

/// The tester's repro: a default data directory that is a symbolic link
/// to a directory open to others (a sticky team directory) was followed by
/// a path `chmod` and lost its mode and sticky bit, even for a listing.
/// It is used as it is (the user may keep notes on another disk), never
/// changed, with the warning a `SIPFIX_DATA_DIR` open to others gets.
#[test]
fn a_symlinked_default_directory_is_used_as_it_is() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let full_mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let home = tempfile::tempdir().unwrap();
    let team = home.path().join("team");
    std::fs::create_dir(&team).unwrap();
    std::fs::set_permissions(&team, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::create_dir_all(home.path().join("share")).unwrap();
    let link = home.path().join("share").join("sipfix");
    symlink(&team, &link).unwrap();

    for args in [
        &["notes"][..],
        &["notes", "486", "--add", "on the team disk"],
    ] {
        let o = run_default_dir(home.path(), args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            full_mode(&team),
            0o1777,
            "{args:?} changed the target: {err}"
        );
        assert!(
            err.contains("symbolic link") && err.contains("writable by others"),
            "{args:?}: {err}"
        );
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let o = run_default_dir(home.path(), &["notes", "486"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "on the team disk\n");
    assert_eq!(mode(&team.join("notes.json")), 0o600);

    // A link to a private directory: no warning, nothing changed.
    std::fs::set_permissions(&team, std::fs::Permissions::from_mode(0o750)).unwrap();
    let o = run_default_dir(home.path(), &["notes", "486"]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    assert_eq!(full_mode(&team), 0o750);

    // A link to nothing: refused, with what to do, and nothing created.
    std::fs::remove_file(&link).unwrap();
    let gone = home.path().join("gone");
    symlink(&gone, &link).unwrap();
    let o = run_default_dir(home.path(), &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing to use") && err.contains("symbolic link"),
        "{err}"
    );
    assert!(!gone.exists());
}

/// A default data directory that is a link someone else made is refused
/// (only the user's own link counts as the user's choice).
#[test]
fn a_default_directory_linked_by_someone_else_is_refused() {
    use std::os::unix::fs::symlink;
    let home = tempfile::tempdir().unwrap();
    let target = home.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    std::fs::create_dir_all(home.path().join("share")).unwrap();
    let link = home.path().join("share").join("sipfix");
    symlink(&target, &link).unwrap();
    let c = std::ffi::CString::new(link.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: lchown(2) on a link we created, with a valid C string.
    if unsafe { libc::lchown(c.as_ptr(), 65534, 65534) } != 0 {
        eprintln!("skipped: cannot give a link away here (not root)");
        return;
    }
    let o = run_default_dir(home.path(), &["notes", "486", "--add", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("made by someone else"), "{err}");
    assert!(!target.join("notes.json").exists());
}

/// The tester's repro: a code listed twice (a hand or `git` merge of
/// notes.json). The older copy won silently and the next save, even for
/// another code, dropped the other text for good, with no copy.
#[test]
fn a_code_listed_twice_loses_no_text() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("notes.json");
    let bytes = r#"{"schema_version":1,"codes":{"486":{"note":{"text":"first copy, newer","updated_ms":9}},"486":{"note":{"text":"second copy","updated_ms":2}}}}"#;
    std::fs::write(&file, bytes).unwrap();
    let o = run(d.path(), &["notes", "486"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(out.starts_with("first copy, newer\n"), "{out}");
    assert!(out.contains("second copy"), "{out}");
    assert!(err.contains("code 486 is listed 2 times"), "{err}");
    assert!(
        files_named(d.path(), "corrupt").is_empty(),
        "reading copies nothing"
    );

    let o = run(d.path(), &["notes", "180", "--add", "unrelated"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("code 486 is listed 2 times"), "{err}");
    let aside = files_named(d.path(), "corrupt");
    assert_eq!(aside.len(), 1, "the file as it was is kept");
    assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), bytes);
    let now = std::fs::read_to_string(&file).unwrap();
    assert!(
        now.contains("first copy, newer") && now.contains("second copy"),
        "{now}"
    );
    // Written once in the form sipfix reads whole: no more warning.
    let o = run(d.path(), &["notes", "486", "--json"]);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["note"], "first copy, newer");
    assert_eq!(j["conflicts"][0]["text"], "second copy");
}

/// The tester's repro: a key `"0486"` (or `"00"`, `"+486"`) made the whole
/// file unreadable: moved aside, every good note gone from view.
#[test]
fn an_odd_code_key_hides_no_other_note() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("notes.json");
    let bytes = r#"{"schema_version":1,"codes":{"500":{"note":{"text":"my 500 note","updated_ms":1}},"0486":{"note":{"text":"x","updated_ms":1}},"+486":{},"00":{}}}"#;
    std::fs::write(&file, bytes).unwrap();
    let o = run(d.path(), &["notes", "500"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "my 500 note\n", "{err}");
    for key in ["'0486'", "'+486'", "'00'"] {
        assert!(err.contains(key), "{key}: {err}");
    }
    assert!(!err.contains("could not be read ("), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        bytes,
        "left as it is"
    );
    assert!(files_named(d.path(), "corrupt").is_empty());
    // The next write keeps the original beside it.
    assert!(
        run(d.path(), &["notes", "500", "--add", "more"])
            .status
            .success()
    );
    let aside = files_named(d.path(), "corrupt");
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), bytes);
    assert_eq!(
        String::from_utf8_lossy(&run(d.path(), &["notes", "500"]).stdout),
        "my 500 note\nmore\n"
    );
}

/// The tester's repro: a relative `SIPFIX_DATA_DIR` was used relative to
/// the current directory, silently, so notes seemed to vanish when sipfix
/// ran elsewhere. It is said, with the whole path it names.
#[test]
fn a_relative_data_dir_is_named_whole_in_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sipfix"))
        .args(["notes", "486", "--add", "relnote"])
        .env("SIPFIX_DATA_DIR", "rel")
        .env("LANG", "C.UTF-8")
        .current_dir(d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let whole = d.path().join("rel");
    assert!(
        err.contains("relative path") && err.contains(&whole.display().to_string()),
        "{err}"
    );
    assert!(whole.join("notes.json").exists());
    let o = run(&whole, &["notes", "486"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "relnote\n");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "",
        "an absolute path: no warning"
    );
}

/// When the copy made before rewriting a file with an entry sipfix cannot
/// use fails (here a file size limit), the message says it was copying;
/// it said "cannot move unreadable ... aside" of a readable file.
#[test]
fn a_failed_copy_aside_is_called_a_copy() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("notes.json");
    let bytes = format!(
        r#"{{"schema_version":1,"codes":{{"486":{{"steps":{{"0":{{"state":"maybe","updated_ms":1}}}}}},"404":{{"note":{{"text":"{}","updated_ms":1}}}}}}}}"#,
        "k".repeat(4000)
    );
    std::fs::write(&file, &bytes).unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 1; exec \"$0\" notes 486 --add x")
        .arg(env!("CARGO_BIN_EXE_sipfix"))
        .env("SIPFIX_DATA_DIR", d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot copy") && err.contains("aside"),
        "{err}"
    );
    assert!(!err.contains("move"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), bytes);
    assert!(files_named(d.path(), "corrupt").is_empty());
}

/// A note kept under a number that is no status code (`0`, `9999`: a file
/// written by hand or by another tool) is listed by `sipfix notes`, so
/// `sipfix notes 0` prints it and `--drop-conflicts` reaches it; a number
/// with no data under it, or written otherwise than listed, is still
/// refused, and `--add` takes status codes only. (Both were refused: the
/// note could not be printed nor its kept versions dropped.)
#[test]
fn a_listed_note_under_any_number_can_be_printed_and_cleaned_up() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("notes.json"),
        r#"{"schema_version":1,"codes":{
            "0":{"note":{"text":"zero note","updated_ms":1}},
            "9999":{"note":{"text":"big note","updated_ms":1},
                    "conflicts":[{"text":"older","updated_ms":1,"saved_ms":2}]}}}"#,
    )
    .unwrap();
    let list = String::from_utf8_lossy(&run(d.path(), &["notes"]).stdout).into_owned();
    assert!(list.starts_with("0 "), "{list}");
    assert!(list.contains("\n9999 "), "{list}");
    let o = run(d.path(), &["notes", "0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "zero note\n");
    let o = run(d.path(), &["notes", "9999", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["code"], 9999);
    assert_eq!(j["conflicts"][0]["text"], "older");
    let o = run(d.path(), &["notes", "9999", "--drop-conflicts"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(d.path(), &["notes", "9999"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "big note\n");
    for args in [
        &["notes", "1"][..],
        &["notes", "00"],
        &["notes", "+0"],
        &["notes", "09999"],
        &["notes", "0", "--add", "more"],
    ] {
        let o = run(d.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("not a SIP status code"), "{args:?}: {err}");
    }
}
