//! Parse the knowledge base (`assets/*.toml`) at build time and write it as
//! Rust source (`$OUT_DIR/kb.rs`: static slices of the knowledge-base types
//! whose strings are ranges of one string table), so start-up decodes
//! nothing and a command touches only the pages of the entries it reads. The source is
//! written by `src/kb/emit.rs` from serde's view of the types, so every
//! field is carried. A TOML error fails the build with the file and line.
//!
//! Also records the git commit the binary is built from (`sipfix --version`);
//! a build from a source tarball without `.git` says so instead of failing.

#[allow(dead_code)]
#[path = "src/kb/data.rs"]
mod data;
/// What `data.rs` finds beside it in the library: the generated string
/// table, which the build script has not written yet (it never reads it).
mod embedded {
    pub static STRINGS: &str = "";
}
/// Nor has it the pools: every list it makes is owned.
impl<T: 'static> data::Pooled for T {
    fn pool() -> &'static [T] {
        &[]
    }
}
#[allow(dead_code)]
#[path = "src/kb/emit.rs"]
mod emit;
#[allow(dead_code)]
#[path = "src/kb/types.rs"]
mod types;

#[allow(dead_code)]
#[path = "src/buildinfo.rs"]
mod buildinfo;

use std::path::{Path, PathBuf};
use std::process::Command;
use types::{CodeEntry, CodeFile, Keyed, PairFile, ProtocolFile, Q850File};

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
    for f in ["types.rs", "data.rs", "emit.rs"] {
        println!("cargo::rerun-if-changed=src/kb/{f}");
    }
    let mut names: Vec<String> = std::fs::read_dir("assets/codes")
        .expect("assets/codes")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    // Every code once, in code order: the binary looks codes up by bisection.
    let mut codes: Vec<CodeEntry> = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for n in names {
        let file: CodeFile = parse(&Path::new("assets/codes").join(&n));
        for e in file.code {
            if let Some(first) = seen.insert(e.code, n.clone()) {
                panic!(
                    "assets/codes/{n}: code {} is already defined in {first}",
                    e.code
                );
            }
            codes.push(e);
        }
    }
    codes.sort_by_key(|e| e.code);
    let mut q850: Q850File = parse(Path::new("assets/q850.toml"));
    let mut protocol: ProtocolFile = parse(Path::new("assets/protocol.toml"));
    let pairs: PairFile = parse(Path::new("assets/compare.toml"));
    sorted_once(&mut q850.cause, "assets/q850.toml: cause");
    sorted_once(&mut q850.sip_to_cause, "assets/q850.toml: sip_to_cause");
    sorted_once(&mut protocol.warn, "assets/protocol.toml: warn");

    let mut src = String::from("// Generated by build.rs from assets/: do not edit.\n");
    let mut out_src = emit::Source::default();
    table(&mut src, &mut out_src, "CODES", "CodeEntry", &codes);
    table(&mut src, &mut out_src, "CAUSES", "Cause", &q850.cause);
    table(
        &mut src,
        &mut out_src,
        "SIP_TO_CAUSE",
        "SipToCause",
        &q850.sip_to_cause,
    );
    table(
        &mut src,
        &mut out_src,
        "DEVIATIONS",
        "Deviation",
        &q850.deviation,
    );
    table(
        &mut src,
        &mut out_src,
        "WARN_CODES",
        "WarnCode",
        &protocol.warn,
    );
    table(
        &mut src,
        &mut out_src,
        "METHODS",
        "Method",
        &protocol.method,
    );
    table(
        &mut src,
        &mut out_src,
        "OPTION_TAGS",
        "OptionTag",
        &protocol.option_tag,
    );
    table(&mut src, &mut out_src, "PAIRS", "Pair", &pairs.pair);
    // The string table and the item pools the tables point into.
    src.push_str(&out_src.finish());
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("kb.rs");
    std::fs::write(&out, src).expect("write kb.rs");
}

/// Append `pub(super) static NAME: &[Type] = &[...];` for `rows`.
fn table<T: serde::Serialize>(
    src: &mut String,
    out_src: &mut emit::Source,
    name: &str,
    ty: &str,
    rows: &[T],
) {
    let expr = out_src
        .expr(rows)
        .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    src.push_str(&format!("pub(super) static {name}: &[{ty}] = {expr};\n"));
}

/// Sort rows by key; a key given twice fails the build.
fn sorted_once<T: Keyed>(rows: &mut [T], what: &str) {
    rows.sort_by(|a, b| a.key().cmp(b.key()));
    if let Some(w) = rows.windows(2).find(|w| w[0].key() == w[1].key()) {
        panic!("{what} {:?} is given twice", w[0].key());
    }
}
