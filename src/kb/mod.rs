//! The knowledge base: SIP response codes, Q.850 causes, warn-codes, methods
//! and option tags, embedded from `assets/` at compile time and validated on load.

pub mod data;
#[cfg(test)]
mod emit;
pub mod overrides;
pub mod types;
mod validate;

pub use data::{Rows, Table};
pub use types::*;
pub use validate::{Problem, validate};

/// The knowledge base as `build.rs` wrote it from `assets/`: static slices,
/// the keyed ones sorted by key.
mod embedded {
    use super::data::Pooled;
    use super::*;
    include!(concat!(env!("OUT_DIR"), "/kb.rs"));
}

/// The whole knowledge base, indexed. The embedded one is static data; a
/// change (the user's overrides) copies only the table it changes, and only
/// the rows' handles, not their text.
#[derive(Debug, Clone)]
pub struct Kb {
    codes: Table<CodeEntry>,
    pub causes: Table<Cause>,
    /// The rows of RFC 3398 §8.2.6.1, by SIP code.
    pub sip_to_cause: Table<SipToCause>,
    pub deviations: Rows<Deviation>,
    pub warn_codes: Table<WarnCode>,
    pub methods: Rows<Method>,
    pub option_tags: Rows<OptionTag>,
    pub pairs: Rows<Pair>,
}

/// The embedded knowledge base: nothing to decode, nothing to allocate.
static EMBEDDED: Kb = Kb {
    codes: Table::from_static(embedded::CODES),
    causes: Table::from_static(embedded::CAUSES),
    sip_to_cause: Table::from_static(embedded::SIP_TO_CAUSE),
    deviations: Rows::Static(embedded::DEVIATIONS),
    warn_codes: Table::from_static(embedded::WARN_CODES),
    methods: Rows::Static(embedded::METHODS),
    option_tags: Rows::Static(embedded::OPTION_TAGS),
    pairs: Rows::Static(embedded::PAIRS),
};

/// An error loading a knowledge-base file: which file, where, what.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// Parse one TOML file into `T`, reporting the line of the error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, LoadError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        LoadError {
            file: file.to_string(),
            line,
            message: e.message().trim().to_string(),
        }
    })
}

impl Kb {
    /// The embedded knowledge base: static data, validated by the test
    /// suite (and `build.rs` refuses a code or key given twice).
    pub fn embedded() -> &'static Kb {
        &EMBEDDED
    }

    /// A copy of the embedded knowledge base to change (the overrides). It
    /// copies handles to the static data, never its text, and cannot fail;
    /// the `Result` is kept for callers written when it was decoded.
    pub fn load_embedded() -> Result<Kb, LoadError> {
        Ok(EMBEDDED.clone())
    }

    /// Parse the TOML sources from an `assets/` directory on disk, with
    /// line-numbered errors (the tests check that this equals the embedded base).
    pub fn load_dir(dir: &std::path::Path) -> Result<Kb, LoadError> {
        let read = |rel: &str| {
            std::fs::read_to_string(dir.join(rel)).map_err(|e| LoadError {
                file: rel.to_string(),
                line: None,
                message: e.to_string(),
            })
        };
        let mut names: Vec<String> = std::fs::read_dir(dir.join("codes"))
            .map_err(|e| LoadError {
                file: "codes".into(),
                line: None,
                message: e.to_string(),
            })?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        let mut files = Vec::new();
        for n in names {
            let rel = format!("codes/{n}");
            let f: CodeFile = parse_toml(&rel, &read(&rel)?)?;
            files.push((rel, f));
        }
        let q: Q850File = parse_toml("q850.toml", &read("q850.toml")?)?;
        let p: ProtocolFile = parse_toml("protocol.toml", &read("protocol.toml")?)?;
        let pairs: PairFile = parse_toml("compare.toml", &read("compare.toml")?)?;
        Kb::from_parts(files, q, p, pairs)
    }

    /// Build from parsed files; a code defined twice is an error.
    pub fn from_parts(
        files: Vec<(String, CodeFile)>,
        q: Q850File,
        p: ProtocolFile,
        pairs: PairFile,
    ) -> Result<Kb, LoadError> {
        let mut codes = Table::from_static(&[]);
        for (name, f) in files {
            for c in f.code {
                let code = c.code;
                if codes.insert(c).is_some() {
                    return Err(LoadError {
                        file: name,
                        line: None,
                        message: format!("code {code} is defined twice"),
                    });
                }
            }
        }
        Ok(Kb {
            codes,
            causes: q.cause.into_iter().collect(),
            sip_to_cause: q.sip_to_cause.into_iter().collect(),
            deviations: q.deviation.into(),
            warn_codes: p.warn.into_iter().collect(),
            methods: p.method.into(),
            option_tags: p.option_tag.into(),
            pairs: pairs.pair.into(),
        })
    }

    /// Add or replace an entry (the user's overrides).
    pub fn insert(&mut self, e: CodeEntry) {
        self.codes.insert(e);
    }

    /// The entry for a code that has one (registered or a known unregistered code).
    pub fn get(&self, code: u16) -> Option<&CodeEntry> {
        self.codes.get(&code)
    }

    /// All entries, in code order.
    pub fn codes(&self) -> impl Iterator<Item = &CodeEntry> {
        self.codes.values()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True if there are no entries (never for the embedded base).
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Look a code up the way RFC 3261 §8.1.3.2 asks: a code without an entry
    /// is treated as the x00 of its class, a provisional one as 183 Session
    /// Progress ([`Class::understood_as`]). `Err` for anything that is not a
    /// valid status code (100 to 699).
    pub fn lookup(&self, code: u16) -> Result<Lookup<'_>, CodeError> {
        let class = Class::of(code).ok_or(CodeError::OutOfRange(code.to_string()))?;
        if let Some(e) = self.codes.get(&code) {
            return Ok(Lookup {
                code,
                entry: e,
                class,
                fallback: false,
            });
        }
        let e = self
            .codes
            .get(&class.understood_as())
            .ok_or(CodeError::OutOfRange(code.to_string()))?;
        Ok(Lookup {
            code,
            entry: e,
            class,
            fallback: true,
        })
    }

    /// Parse user text into a code and look it up.
    pub fn lookup_str(&self, s: &str) -> Result<Lookup<'_>, CodeError> {
        self.lookup(parse_code(s)?)
    }

    /// The Q.850 cause RFC 3398 §8.2.6.1 maps a SIP response to, the
    /// default one included (see [`Kb::sip_mapping`] for the flag).
    pub fn cause_for_sip(&self, code: u16) -> Option<&Cause> {
        self.sip_mapping(code).cause
    }

    /// How RFC 3398 §8.2.6.1 maps a SIP response to a Q.850 cause: the
    /// table's row, or for a 4xx-6xx code it does not list the default
    /// cause 31. Codes below 400 are not failures and get no cause.
    pub fn sip_mapping(&self, code: u16) -> SipMapping<'_> {
        match self.sip_to_cause.get(&code) {
            Some(row) => SipMapping {
                cause: row.cause.and_then(|c| self.causes.get(&c)),
                default: row.default,
                alt: row.alt_cause.and_then(|c| self.causes.get(&c)),
                note: row.note.as_deref(),
            },
            None if (400..=699).contains(&code) => SipMapping {
                cause: self.causes.get(&DEFAULT_CAUSE_FOR_SIP),
                default: true,
                alt: None,
                note: None,
            },
            None => SipMapping {
                cause: None,
                default: false,
                alt: None,
                note: None,
            },
        }
    }

    /// The SIP responses RFC 3398 §7.2.4.1 maps a cause to, and whether
    /// that is the section's default (500 for a cause it does not list).
    pub fn sip_for_cause<'a>(&self, c: &'a Cause) -> (std::borrow::Cow<'a, [u16]>, bool) {
        if !c.sip.is_empty() || c.sip_none {
            (std::borrow::Cow::Borrowed(&c.sip[..]), false)
        } else {
            (std::borrow::Cow::Owned(vec![DEFAULT_SIP_FOR_CAUSE]), true)
        }
    }

    /// A Q.850 cause.
    pub fn cause(&self, cause: u8) -> Option<&Cause> {
        self.causes.get(&cause)
    }

    /// Vendor deviations that concern a SIP code.
    pub fn deviations_for_sip(&self, code: u16) -> impl Iterator<Item = &Deviation> {
        self.deviations.iter().filter(move |d| d.sip == code)
    }

    /// Vendor deviations that concern a Q.850 cause.
    pub fn deviations_for_cause(&self, cause: u8) -> impl Iterator<Item = &Deviation> {
        self.deviations.iter().filter(move |d| d.cause == cause)
    }

    /// The hand-written comparison for a pair, in either order. The flag is
    /// true when the stored pair is (b, a), i.e. its `use_a` speaks of `b`.
    pub fn pair(&self, a: u16, b: u16) -> Option<(&Pair, bool)> {
        self.pairs.iter().find_map(|p| {
            if p.a == a && p.b == b {
                Some((p, false))
            } else if p.a == b && p.b == a {
                Some((p, true))
            } else {
                None
            }
        })
    }

    /// A registered method by name (case-sensitive, as on the wire).
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// A registered option tag (case-insensitive).
    pub fn option_tag(&self, name: &str) -> Option<&OptionTag> {
        self.option_tags
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// A warn-code.
    pub fn warn_code(&self, code: u16) -> Option<&WarnCode> {
        self.warn_codes.get(&code)
    }
}

/// RFC 3398 §8.2.6.1: a 4xx-6xx response its table does not list maps to
/// cause 31 (Normal, unspecified).
pub const DEFAULT_CAUSE_FOR_SIP: u8 = 31;

/// RFC 3398 §7.2.4.1: a cause its table does not list gets the response
/// 500 (Server Internal Error).
pub const DEFAULT_SIP_FOR_CAUSE: u16 = 500;

/// A SIP response's Q.850 cause under RFC 3398 §8.2.6.1.
#[derive(Debug, Clone, Copy)]
pub struct SipMapping<'a> {
    /// The cause; `None` for 487 (the table's "no mapping") and for codes
    /// below 400.
    pub cause: Option<&'a Cause>,
    /// True when `cause` is the RFC's default rather than a table value.
    pub default: bool,
    /// A cause the RFC recommends instead under the condition in `note`.
    pub alt: Option<&'a Cause>,
    /// The row's note.
    pub note: Option<&'a str>,
}

/// The result of looking a code up.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    /// The code asked for.
    pub code: u16,
    /// Its entry, or when `fallback` the entry of the code a client treats
    /// it as (the x00 of its class; 183 for a 1xx).
    pub entry: &'a CodeEntry,
    pub class: Class,
    /// True when the code has no entry and `entry` is the one its class
    /// falls back to ([`Class::understood_as`]).
    pub fallback: bool,
}

/// Why a string is not a usable status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// Not a number at all.
    NotANumber(String),
    /// A number outside 100..=699, as typed (digits only).
    OutOfRange(String),
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeError::NotANumber(s) => write!(
                f,
                "'{}' is not a SIP status code: expected a three-digit number from 100 to 699",
                crate::sanitize::inline(s)
            ),
            CodeError::OutOfRange(n) => {
                // Echo what was typed, never a number it was turned into.
                let shown = if n.len() > 24 {
                    format!("{}... ({} digits)", &n[..20], n.len())
                } else {
                    n.clone()
                };
                write!(
                    f,
                    "{shown} is not a SIP status code: expected a three-digit number from 100 to 699"
                )
            }
        }
    }
}

impl std::error::Error for CodeError {}

/// Parse a status code typed by a user: digits only, surrounding blanks allowed.
pub fn parse_code(s: &str) -> Result<u16, CodeError> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::NotANumber(s.to_string()));
    }
    // Exactly three digits: nothing longer is ever turned into a number.
    match t.parse::<u16>() {
        Ok(n) if (100..=699).contains(&n) && t.len() == 3 => Ok(n),
        _ => Err(CodeError::OutOfRange(t.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3261 §8.1.3.2: an unrecognised provisional response other than
    /// 100 is treated as 183 Session Progress, an unrecognised final one as
    /// the x00 of its class.
    #[test]
    fn an_unknown_1xx_is_read_as_183_a_final_code_as_its_x00() {
        let kb = Kb::embedded();
        for code in [101, 150, 198] {
            let l = kb.lookup(code).unwrap();
            assert!(l.fallback, "{code}");
            assert_eq!(l.entry.code, 183, "{code}");
            assert_eq!(l.class, Class::Provisional);
        }
        // Codes with an entry stay themselves: 100 (every client knows
        // it) and 199 (registered, RFC 6228).
        for code in [100, 199] {
            let l = kb.lookup(code).unwrap();
            assert!(!l.fallback, "{code}");
            assert_eq!(l.entry.code, code);
        }
        for (code, base) in [(299, 200), (399, 300), (499, 400), (599, 500), (699, 600)] {
            let l = kb.lookup(code).unwrap();
            assert!(l.fallback, "{code}");
            assert_eq!(l.entry.code, base, "{code}");
        }
    }
}
