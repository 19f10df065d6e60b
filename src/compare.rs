//! Two codes side by side: the class contrast, the key differences and when
//! each applies. Pairs people often confuse have hand-written differences in
//! `assets/compare.toml`; any other pair gets differences derived from the
//! entries' data (class, senders, methods, forking, retry, Q.850, status).

use crate::kb::{Class, Kb, Lookup, Text};
use serde::Serialize;

/// The comparison of code `a` with code `b`.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    pub a: Lookup<'a>,
    pub b: Lookup<'a>,
    /// One line contrasting the two classes.
    pub class_line: String,
    /// Key differences, each a sentence.
    pub differences: Vec<String>,
    /// When `a` applies.
    pub use_a: String,
    /// When `b` applies.
    pub use_b: String,
    /// True when the differences are hand-written for this pair.
    pub curated: bool,
}

/// Why two codes cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameCode(pub u16);

impl std::fmt::Display for SameCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "compare needs two different codes (got {} twice)",
            self.0
        )
    }
}

impl std::error::Error for SameCode {}

fn name(l: &Lookup<'_>) -> String {
    if l.fallback {
        format!("{} (unregistered)", l.code)
    } else {
        format!("{} {}", l.code, l.entry.reason)
    }
}

fn class_phrase(c: Class) -> String {
    format!("a {} {}", c.label(), c.name())
}

/// Build the comparison. Fails only when `a == b`.
pub fn compare<'a>(kb: &'a Kb, a: Lookup<'a>, b: Lookup<'a>) -> Result<Comparison<'a>, SameCode> {
    if a.code == b.code {
        return Err(SameCode(a.code));
    }
    let class_line = if a.class == b.class {
        format!(
            "Both are {} {}s ({}).",
            a.class.label(),
            a.class.name(),
            a.class.meaning()
        )
    } else {
        format!(
            "{} is {} ({}); {} is {} ({}).",
            a.code,
            class_phrase(a.class),
            a.class.meaning(),
            b.code,
            class_phrase(b.class),
            b.class.meaning()
        )
    };
    if !a.fallback
        && !b.fallback
        && let Some((pair, swapped)) = kb.pair(a.code, b.code)
    {
        let (use_a, use_b) = if swapped {
            (pair.use_b.to_string(), pair.use_a.to_string())
        } else {
            (pair.use_a.to_string(), pair.use_b.to_string())
        };
        return Ok(Comparison {
            a,
            b,
            class_line,
            differences: pair.differences.to_strings(),
            use_a,
            use_b,
            curated: true,
        });
    }
    let differences = derived_differences(kb, &a, &b);
    let use_a = use_line(&a);
    let use_b = use_line(&b);
    Ok(Comparison {
        a,
        b,
        class_line,
        differences,
        use_a,
        use_b,
        curated: false,
    })
}

fn use_line(l: &Lookup<'_>) -> String {
    let e = l.entry;
    let mut s = if l.fallback {
        format!(
            "{} is not registered; RFC 3261 §8.1.3.2 has a client treat it as {} {}. {}",
            l.code, e.code, e.reason, e.summary
        )
    } else {
        e.summary.to_string()
    };
    if let Some(first) = e.when.first() {
        s.push_str(" Typical case: ");
        s.push_str(first);
    }
    s
}

fn list(items: &[Text]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].to_string(),
        _ => format!(
            "{} and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

fn derived_differences(kb: &Kb, a: &Lookup<'_>, b: &Lookup<'_>) -> Vec<String> {
    let (ea, eb) = (a.entry, b.entry);
    let mut out = Vec::new();
    for l in [a, b] {
        if l.fallback {
            out.push(format!(
                "{} is not in the IANA registry: a client that does not know it handles it as {} {} (RFC 3261 §8.1.3.2).",
                l.code, l.entry.code, l.entry.reason
            ));
        }
    }
    let final_a = a.class != Class::Provisional;
    let final_b = b.class != Class::Provisional;
    if final_a != final_b {
        let (p, f) = if final_a { (b, a) } else { (a, b) };
        out.push(format!(
            "{} is provisional: the transaction goes on and a final response follows; {} is final and ends the transaction.",
            p.code, f.code
        ));
    }
    let global_a = a.class == Class::GlobalFailure;
    let global_b = b.class == Class::GlobalFailure;
    if global_a != global_b {
        let (g, o) = if global_a { (a, b) } else { (b, a) };
        if o.class.label() != "2xx" {
            out.push(format!(
                "A forking proxy that receives {} stops trying its other branches and cancels them (RFC 3261 §16.7); {} only ends the branch that sent it.",
                g.code, o.code
            ));
        }
    } else if let (Some(fa), Some(fb)) = (&ea.forking, &eb.forking)
        && fa != fb
        && !(a.fallback || b.fallback)
    {
        out.push(format!(
            "Forking: with {}, {} With {}, {}",
            a.code,
            lower_first(fa),
            b.code,
            lower_first(fb)
        ));
    }
    if ea.senders != eb.senders && !(a.fallback && b.fallback) {
        out.push(format!(
            "Who sends it: {} usually comes from {}; {} from {}.",
            a.code,
            list(&ea.senders),
            b.code,
            list(&eb.senders)
        ));
    }
    if ea.methods != eb.methods && !ea.methods.is_empty() && !eb.methods.is_empty() {
        out.push(format!(
            "Typical requests: {} answers {}; {} answers {}.",
            a.code,
            list(&ea.methods),
            b.code,
            list(&eb.methods)
        ));
    }
    if let Some(q) = q850_difference(kb, a.code, b.code) {
        out.push(q);
    }
    if ea.deprecated != eb.deprecated {
        let (d, o) = if ea.deprecated { (a, b) } else { (b, a) };
        out.push(format!(
            "{} is deprecated ({}); {} is current.",
            d.code,
            d.entry
                .deprecated_note
                .as_deref()
                .unwrap_or("see its entry")
                .trim_end_matches('.'),
            o.code
        ));
    }
    out.push(format!("Retrying after {}: {}", a.code, ea.retry));
    out.push(format!("Retrying after {}: {}", b.code, eb.retry));
    out
}

/// How RFC 3398 §8.2.6.1 treats a code, as a phrase ("cause 127
/// (Interworking, unspecified)", "the default cause 31 (...)").
fn cause_phrase(m: &crate::kb::SipMapping<'_>) -> Option<String> {
    let c = m.cause?;
    Some(if m.default {
        format!(
            "the default cause {} ({}), as its table does not list it",
            c.cause, c.name
        )
    } else {
        format!("cause {} ({})", c.cause, c.name)
    })
}

/// The Q.850 line of a derived comparison (RFC 3398 §8.2.6.1).
fn q850_difference(kb: &Kb, a: u16, b: u16) -> Option<String> {
    let (ma, mb) = (kb.sip_mapping(a), kb.sip_mapping(b));
    let why_none = |code: u16| {
        if code >= 400 {
            format!("its table says 'no mapping' for {code}")
        } else {
            format!("{code} is not a failure response, so it gets none")
        }
    };
    match (ma.cause, mb.cause) {
        (Some(ca), Some(cb)) if ca.cause == cb.cause => Some(if ma.default && mb.default {
            format!(
                "RFC 3398 §8.2.6.1 lists neither, so toward ISUP or PRI both get its default cause {} ({}) and that leg cannot tell them apart.",
                ca.cause, ca.name
            )
        } else {
            format!(
                "Toward ISUP or PRI, RFC 3398 §8.2.6.1 gives {a} {} and {b} {}, so that leg cannot tell them apart.",
                cause_phrase(&ma)?,
                cause_phrase(&mb)?
            )
        }),
        (Some(_), Some(_)) => Some(format!(
            "Toward ISUP or PRI, RFC 3398 §8.2.6.1 gives {a} {} and {b} {}.",
            cause_phrase(&ma)?,
            cause_phrase(&mb)?
        )),
        (Some(_), None) => Some(format!(
            "Toward ISUP or PRI, RFC 3398 §8.2.6.1 gives {a} {}; {}.",
            cause_phrase(&ma)?,
            why_none(b)
        )),
        (None, Some(_)) => Some(format!(
            "Toward ISUP or PRI, RFC 3398 §8.2.6.1 gives {b} {}; {}.",
            cause_phrase(&mb)?,
            why_none(a)
        )),
        (None, None) => None,
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Stable JSON shape of a comparison.
#[derive(Debug, Serialize)]
pub struct ComparisonJson {
    pub a: u16,
    pub b: u16,
    /// The registered phrase, null for an unregistered code.
    pub a_reason: Option<String>,
    pub b_reason: Option<String>,
    pub class_line: String,
    pub differences: Vec<String>,
    pub use_a: String,
    pub use_b: String,
    pub curated: bool,
}

impl Comparison<'_> {
    /// A title such as `SIP 202 Accepted vs 501 Not Implemented`.
    pub fn title(&self) -> String {
        format!("SIP {} vs {}", name(&self.a), name(&self.b))
    }

    pub fn to_json(&self) -> ComparisonJson {
        ComparisonJson {
            a: self.a.code,
            b: self.b.code,
            a_reason: (!self.a.fallback).then(|| self.a.entry.reason.to_string()),
            b_reason: (!self.b.fallback).then(|| self.b.entry.reason.to_string()),
            class_line: self.class_line.clone(),
            differences: self.differences.clone(),
            use_a: self.use_a.clone(),
            use_b: self.use_b.clone(),
            curated: self.curated,
        }
    }
}
