//! The user's own entries: `overrides.toml` in the config directory
//! (`$SIPFIX_CONFIG_DIR`, else `~/.config/sipfix`). Each `[[code]]` there,
//! in the same format as `assets/codes/*.toml`, replaces the built-in entry
//! of that code or adds a code (a vendor's private 4xx, say). The file is
//! validated like the built-in base; a file with any error is ignored as a
//! whole and the error is reported with its line.

use super::{CodeFile, Kb, LoadError, parse_toml, validate};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Environment variable naming the config directory.
pub const CONFIG_DIR_ENV: &str = "SIPFIX_CONFIG_DIR";
/// The file name of the user's entries.
pub const OVERRIDES_FILE: &str = "overrides.toml";

/// Where the overrides file is looked for.
pub fn overrides_path() -> Option<PathBuf> {
    match std::env::var_os(CONFIG_DIR_ENV) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v).join(OVERRIDES_FILE)),
        _ => directories::ProjectDirs::from("", "", "sipfix")
            .map(|p| p.config_dir().join(OVERRIDES_FILE)),
    }
}

/// The line of `code = N` in `text`, for error messages.
fn line_of_code(text: &str, code: u16) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.strip_prefix("code")
                .map(|r| r.trim_start())
                .and_then(|r| r.strip_prefix('='))
                .is_some_and(|r| {
                    r.trim().split('#').next().unwrap_or("").trim() == code.to_string()
                })
        })
        .map(|i| i + 1)
}

/// Apply the overrides in `text` (named `file`) to `base`. Returns the codes
/// that came from the file.
pub fn apply(base: &mut Kb, file: &str, text: &str) -> Result<Vec<u16>, LoadError> {
    let parsed: CodeFile = parse_toml(file, text)?;
    let mut seen = std::collections::BTreeSet::new();
    for e in &parsed.code {
        if !seen.insert(e.code) {
            return Err(LoadError {
                file: file.into(),
                line: line_of_code(text, e.code),
                message: format!("code {} is defined twice", e.code),
            });
        }
    }
    let mut candidate = base.clone();
    let codes: Vec<u16> = parsed.code.iter().map(|e| e.code).collect();
    for e in parsed.code {
        candidate.insert(e);
    }
    // Only problems about the user's codes are theirs to fix.
    if let Some(p) = validate(&candidate)
        .into_iter()
        .find(|p| codes.iter().any(|c| p.subject == format!("code {c}")))
    {
        let code: u16 = p.subject.trim_start_matches("code ").parse().unwrap_or(0);
        return Err(LoadError {
            file: file.into(),
            line: line_of_code(text, code),
            message: p.to_string(),
        });
    }
    *base = candidate;
    Ok(codes)
}

/// The knowledge base the program uses: the embedded one plus the user's
/// overrides, loaded once. The second value is a warning to show (a broken
/// overrides file, which is then ignored).
pub fn global() -> &'static (Kb, Option<String>, Vec<u16>) {
    static G: OnceLock<(Kb, Option<String>, Vec<u16>)> = OnceLock::new();
    G.get_or_init(|| {
        let mut kb = match Kb::load_embedded() {
            Ok(kb) => kb,
            Err(_) => Kb::embedded().clone(), // reports the defect and exits
        };
        let Some(path) = overrides_path() else {
            return (kb, None, Vec::new());
        };
        let text = match std::fs::read(&path) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    return (
                        kb,
                        Some(format!("{}: not UTF-8 text; ignored", path.display())),
                        Vec::new(),
                    );
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (kb, None, Vec::new()),
            Err(e) => {
                return (
                    kb,
                    Some(format!("{}: {e}; ignored", path.display())),
                    Vec::new(),
                );
            }
        };
        match apply(&mut kb, &path.display().to_string(), &text) {
            Ok(codes) => (kb, None, codes),
            Err(e) => (kb, Some(format!("{e} (the file is ignored)")), Vec::new()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = include_str!("../../tests/fixtures/overrides-499.toml");

    #[test]
    fn adds_a_vendor_code() {
        let mut kb = Kb::embedded().clone();
        let codes = apply(&mut kb, "o.toml", ENTRY).unwrap();
        assert_eq!(codes, vec![499]);
        let l = kb.lookup(499).unwrap();
        assert!(!l.fallback);
        assert_eq!(l.entry.reason, "Carrier Overload");
    }

    #[test]
    fn replaces_a_builtin_entry() {
        let mut kb = Kb::embedded().clone();
        let text = ENTRY
            .replace("code = 499", "code = 486")
            .replace("registered = false\n", "");
        apply(&mut kb, "o.toml", &text).unwrap();
        assert_eq!(kb.get(486).unwrap().reason, "Carrier Overload");
    }

    #[test]
    fn errors_name_the_line_and_leave_the_base_alone() {
        let mut kb = Kb::embedded().clone();
        let bad = ENTRY.replace("senders = [\"gateway\"]", "senders = 5");
        let e = apply(&mut kb, "o.toml", &bad).unwrap_err();
        assert_eq!(e.line, Some(9), "{e}");
        let few = ENTRY.split("[[code.steps]]").next().unwrap().to_string()
            + "[[code.steps]]\ntitle = \"a\"\ndetail = \"b\"\n";
        let e = apply(&mut kb, "o.toml", &few).unwrap_err();
        assert!(e.message.contains("at least 3"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(kb.get(499).is_none(), "nothing applied");
    }
}
