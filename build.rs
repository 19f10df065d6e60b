//! Parse the knowledge base (`assets/*.toml`) at build time and embed it as
//! a compact binary (postcard), so start-up does not parse 400 KB of TOML.
//! A TOML error fails the build with the file and line.
//!
//! Also records the git commit the binary is built from (`sipfix --version`);
//! a build from a source tarball without `.git` says so instead of failing.

#[allow(dead_code)]
#[path = "src/kb/types.rs"]
mod types;

#[allow(dead_code)]
#[path = "src/buildinfo.rs"]
mod buildinfo;

use std::path::{Path, PathBuf};
use std::process::Command;
use types::{Bundle, CodeFile, PairFile, ProtocolFile, Q850File};

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    println!("cargo::rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        panic!("{}:{line}: {}", path.display(), e.message().trim())
    })
}

/// Run git in the package directory; `None` if git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(std::env::var_os("CARGO_MANIFEST_DIR")?)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout)
        .ok()
        .map(|s| s.trim().to_string())
}

/// What `sipfix --version` says after the version number.
fn commit() -> String {
    println!("cargo::rerun-if-env-changed=SIPFIX_BUILD_COMMIT");
    // A packager building from a tarball may name the commit.
    if let Ok(c) = std::env::var("SIPFIX_BUILD_COMMIT")
        && !c.trim().is_empty()
    {
        return buildinfo::describe(Some(&c), false);
    }
    // Only a checkout whose top is this package counts: a tarball unpacked
    // inside some other repository must not borrow that repository's commit.
    let here = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let top = git(&["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    let same = |a: &Option<PathBuf>, b: &Option<PathBuf>| match (a, b) {
        (Some(a), Some(b)) => a.canonicalize().ok() == b.canonicalize().ok(),
        _ => false,
    };
    if !same(&here, &top) {
        return buildinfo::describe(None, false);
    }
    // Rebuild when HEAD moves: HEAD itself, the branch it names, packed refs.
    for (flag, rel) in [("--git-dir", "HEAD"), ("--git-common-dir", "packed-refs")] {
        if let Some(dir) = git(&["rev-parse", flag]) {
            let p = here
                .as_ref()
                .map_or(PathBuf::new(), |h| h.join(&dir))
                .join(rel);
            if p.exists() {
                println!("cargo::rerun-if-changed={}", p.display());
            }
        }
    }
    if let (Some(common), Some(branch)) = (
        git(&["rev-parse", "--git-common-dir"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        let p = here
            .as_ref()
            .map_or(PathBuf::new(), |h| h.join(common))
            .join(branch);
        if p.exists() {
            println!("cargo::rerun-if-changed={}", p.display());
        }
    }
    // Edits to what goes into the binary re-check the "uncommitted" flag.
    for p in ["src", "Cargo.toml", "Cargo.lock"] {
        println!("cargo::rerun-if-changed={p}");
    }
    let head = git(&["rev-parse", "HEAD"]);
    let modified =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    buildinfo::describe(head.as_deref(), modified)
}

fn main() {
    println!("cargo::rustc-env=SIPFIX_COMMIT={}", commit());
    println!("cargo::rerun-if-changed=assets");
    println!("cargo::rerun-if-changed=assets/codes");
    println!("cargo::rerun-if-changed=src/kb/types.rs");
    let mut names: Vec<String> = std::fs::read_dir("assets/codes")
        .expect("assets/codes")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let codes: Vec<(String, CodeFile)> = names
        .into_iter()
        .map(|n| {
            let f = parse(&Path::new("assets/codes").join(&n));
            (format!("codes/{n}"), f)
        })
        .collect();
    let bundle = Bundle {
        codes,
        q850: parse::<Q850File>(Path::new("assets/q850.toml")),
        protocol: parse::<ProtocolFile>(Path::new("assets/protocol.toml")),
        pairs: parse::<PairFile>(Path::new("assets/compare.toml")),
    };
    let bytes = postcard::to_allocvec(&bundle).expect("encode the knowledge base");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("kb.bin");
    std::fs::write(&out, bytes).expect("write kb.bin");
}
