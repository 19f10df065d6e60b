//! The README tells the truth about the keys and the test command.

use sipfix::tui::keymap::help_rows;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The key table as the README must show it, generated from the key map.
fn expected_table() -> String {
    let mut out = String::from("| Where | Key | Action |\n|---|---|---|\n");
    let mut last = "";
    for (ctx, key, help) in help_rows() {
        // The place is named once, on its first row.
        let place = if ctx == last { "" } else { ctx };
        last = ctx;
        out.push_str(&format!("| {place} | `{key}` | {help} |\n"));
    }
    out
}

#[test]
fn readme_key_table_matches_the_key_map() {
    let r = readme();
    let start = r.find("<!-- keys:start").expect("keys:start marker");
    let end = r.find("<!-- keys:end").expect("keys:end marker");
    let table: String = r[start..end]
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        table == expected_table(),
        "regenerate the README key table from src/tui/keymap.rs; it should read:\n{}",
        expected_table()
    );
}

#[test]
fn readme_gives_the_ci_test_command() {
    let r = readme();
    assert!(r.contains("cargo test --locked"));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(ci.contains("cargo test --locked"));
    assert!(ci.contains("cargo fmt --check"));
    assert!(ci.contains("cargo clippy --all-targets --locked -- -D warnings"));
}
