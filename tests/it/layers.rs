//! The module layout the README's architecture section draws, held to the
//! source: which modules may import which.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Files under `src/<dir>` whose code names any of `forbidden`.
fn importers(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files = Vec::new();
    if root.is_dir() {
        rust_files(&root, &mut files);
    } else {
        files.push(root.with_extension("rs"));
    }
    let mut bad = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if forbidden.iter().any(|x| code.contains(x)) {
                bad.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    bad
}

#[test]
fn the_tui_does_not_depend_on_the_cli() {
    let bad = importers("tui", &["crate::cli", "clap::"]);
    assert!(
        bad.is_empty(),
        "the TUI takes tui::Options, not the CLI:\n{}",
        bad.join("\n")
    );
}

#[test]
fn only_the_arguments_and_options_modules_see_the_parser() {
    let mut bad = importers("cli/commands", &["clap::", "Cli", "Cmd::"]);
    bad.extend(importers("cli/output", &["clap::", "Cli", "Cmd::"]));
    bad.extend(importers("cli/json", &["clap::", "Cli", "Cmd::"]));
    assert!(
        bad.is_empty(),
        "commands take resolved options (cli::options), not parsed arguments:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_decoder_modules_import_downwards_only() {
    // model <- checklist <- explain: the checklist reads the model only, so
    // the decoder can call it without an import cycle.
    let bad = importers(
        "message/checklist",
        &[
            "super::explain",
            "super::meanings",
            "super::sender",
            "super::auth",
        ],
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let bad = importers(
        "message/model",
        &["super::", "crate::kb", "crate::render", "crate::doc"],
    );
    assert!(
        bad.is_empty(),
        "the model is plain data:\n{}",
        bad.join("\n")
    );
}
