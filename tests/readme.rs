//! The README tells the truth about the keys and the test command.

use sipfix::tui::keymap::help_rows;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn readme_key_table_matches_the_key_map() {
    let r = readme();
    let start = r.find("<!-- keys:start").expect("keys:start marker");
    let end = r.find("<!-- keys:end").expect("keys:end marker");
    let table: Vec<(String, String)> = r[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].trim_matches('`').to_string(), cells[1].to_string())
        })
        .collect();
    let rows: Vec<(String, String)> = help_rows()
        .into_iter()
        .map(|(k, h)| (k.to_string(), h.to_string()))
        .collect();
    assert_eq!(
        table, rows,
        "regenerate the README key table from src/tui/keymap.rs"
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
