//! The user's overrides file, through the real binary.

use std::process::Command;

/// A vendor entry for 499, shared with the unit tests in `src/kb/overrides.rs`.
const ENTRY: &str = include_str!("../fixtures/overrides-499.toml");

fn run(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sipfix"))
        .args(args)
        .env("SIPFIX_CONFIG_DIR", config)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap()
}

#[test]
fn a_local_entry_is_shown_and_marked() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("overrides.toml"), ENTRY).unwrap();
    let o = run(d.path(), &["show", "499"]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.starts_with("SIP 499 Carrier Overload"), "{s}");
    assert!(s.contains("Local entry from"), "{s}");
    assert!(o.stderr.is_empty());
    let found = String::from_utf8_lossy(&run(d.path(), &["search", "carrier overload"]).stdout)
        .into_owned();
    assert!(found.starts_with("499"), "{found}");
}

#[test]
fn a_broken_file_is_reported_with_its_line_and_ignored() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("overrides.toml"),
        ENTRY.replace("senders = [\"gateway\"]", "senders = 5"),
    )
    .unwrap();
    let o = run(d.path(), &["show", "499"]);
    assert!(o.status.success(), "the built-in base still works");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("overrides.toml:9"), "{err}");
    assert!(err.contains("ignored"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("(unregistered code)"));
}
