//! Parse the knowledge base (`assets/*.toml`) at build time and embed it as
//! a compact binary (postcard), so start-up does not parse 400 KB of TOML.
//! A TOML error fails the build with the file and line.

#[allow(dead_code)]
#[path = "src/kb/types.rs"]
mod types;

use std::path::Path;
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

fn main() {
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
