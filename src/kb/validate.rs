//! Consistency checks over a loaded knowledge base. The test suite requires
//! the embedded base to pass all of them; user overrides are checked the same way.

use super::{Class, CodeEntry, Kb, Text};

/// One thing wrong with the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What the problem is about: `code 486`, `cause 22`, `pair 404/604`.
    pub subject: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// Tools a step may give a command hint for.
pub const TOOLS: &[&str] = &[
    "sngrep",
    "tshark",
    "ngrep",
    "asterisk",
    "freeswitch",
    "kamailio",
    "opensips",
];

/// True for `RFC 3261` or `RFC 3261 §21.4.24` (section digits and dots, optionally a trailing letter group like `A`).
pub fn is_reference(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("RFC ") else {
        return false;
    };
    let (num, sec) = match rest.split_once(" §") {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match sec {
        None => true,
        Some(sec) => {
            !sec.is_empty()
                && !sec.starts_with('.')
                && !sec.ends_with('.')
                && sec.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        }
    }
}

/// Text in the knowledge base is ASCII (so it renders on any terminal), with
/// the section sign as the only exception.
fn text_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c == '§' || c == '\n' || (c.is_ascii() && !c.is_ascii_control()))
}

fn is_header_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Check one code entry on its own.
pub fn check_entry(e: &CodeEntry, out: &mut Vec<Problem>) {
    let subject = format!("code {}", e.code);
    let mut bad = |m: String| {
        out.push(Problem {
            subject: subject.clone(),
            message: m,
        })
    };
    let Some(class) = Class::of(e.code) else {
        bad("outside 100..=699".into());
        return;
    };
    if e.reason.trim().is_empty() {
        bad("empty reason phrase".into());
    }
    if e.references.is_empty() {
        bad("no references".into());
    }
    for r in &e.references {
        if !is_reference(r) {
            bad(format!(
                "malformed reference '{r}' (want 'RFC 3261 §21.4.24')"
            ));
        }
    }
    if e.summary.trim().is_empty() {
        bad("empty summary".into());
    }
    if e.summary.contains('\n') {
        bad("summary must be one line".into());
    }
    if e.description.trim().is_empty() {
        bad("empty description".into());
    }
    if e.when.is_empty() || e.when.iter().any(|w| w.trim().is_empty()) {
        bad("'when' must list at least one non-empty situation".into());
    }
    if e.senders.is_empty() {
        bad("no senders".into());
    }
    if e.retry.trim().is_empty() {
        bad("empty retry guidance".into());
    }
    if e.unverified.as_deref().is_some_and(|u| u.trim().is_empty()) {
        bad("empty unverified note".into());
    }
    if e.deprecated && e.deprecated_note.as_deref().unwrap_or("").trim().is_empty() {
        bad("deprecated without a deprecated_note".into());
    }
    let min_steps = match class {
        Class::ClientFailure | Class::ServerFailure | Class::GlobalFailure => 3,
        _ => 1,
    };
    if e.steps.len() < min_steps {
        bad(format!(
            "{} steps, a {} code needs at least {min_steps}",
            e.steps.len(),
            class.label()
        ));
    }
    for (i, s) in e.steps.iter().enumerate() {
        let n = i + 1;
        if s.title.trim().is_empty() || s.detail.trim().is_empty() {
            bad(format!("step {n} has an empty title or detail"));
        }
        if s.title.contains('\n') {
            bad(format!("step {n} title must be one line"));
        }
        for h in &s.headers {
            if !is_header_name(h) {
                bad(format!("step {n} names a malformed header '{h}'"));
            }
        }
        for b in &s.body {
            if !super::BODY_FACTS.contains(&b.as_ref()) {
                bad(format!(
                    "step {n} names an unknown body fact '{b}' (one of: {})",
                    super::BODY_FACTS.join(", ")
                ));
            }
        }
        if s.unverified.as_deref().is_some_and(|u| u.trim().is_empty()) {
            bad(format!("step {n} has an empty unverified note"));
        }
        for (tool, cmd) in &s.commands {
            if !TOOLS.contains(&tool.as_str()) {
                bad(format!("step {n} has a hint for unknown tool '{tool}'"));
            }
            if cmd.trim().is_empty() {
                bad(format!("step {n} has an empty {tool} hint"));
            }
        }
    }
    if e.related.contains(&e.code) {
        bad("lists itself as related".into());
    }
    let mut texts: Vec<&str> = vec![&e.reason, &e.summary, &e.description, &e.retry];
    texts.extend(e.when.iter().map(Text::as_str));
    texts.extend(e.keywords.iter().map(Text::as_str));
    texts.extend(e.forking.iter().map(Text::as_str));
    texts.extend(e.deprecated_note.iter().map(Text::as_str));
    texts.extend(e.unverified.iter().map(Text::as_str));
    for s in &e.steps {
        texts.push(&s.title);
        texts.push(&s.detail);
        texts.extend(s.commands.values().map(Text::as_str));
        texts.extend(s.unverified.iter().map(Text::as_str));
    }
    if let Some(t) = texts.iter().find(|t| !text_ok(t)) {
        let snippet: String = t.chars().take(40).collect();
        bad(format!(
            "non-ASCII or control character in text starting '{snippet}'"
        ));
    }
}

/// Check the whole base: each entry, cross references, Q.850 tables, pairs.
pub fn validate(kb: &Kb) -> Vec<Problem> {
    let mut out = Vec::new();
    for e in kb.codes() {
        check_entry(e, &mut out);
        for (i, s) in e.steps.iter().enumerate() {
            for m in &s.methods {
                if kb.method(m).is_none() {
                    out.push(Problem {
                        subject: format!("code {}", e.code),
                        message: format!("step {} names '{m}', not a registered method", i + 1),
                    });
                }
            }
        }
        for r in &e.related {
            if kb.get(*r).is_none() {
                out.push(Problem {
                    subject: format!("code {}", e.code),
                    message: format!("related code {r} has no entry"),
                });
            }
        }
    }
    for class in Class::ALL {
        let base = class.understood_as();
        if kb.get(base).is_none() {
            out.push(Problem {
                subject: format!("class {}", class.label()),
                message: format!("no entry for {base}, needed as the fallback of the class"),
            });
        }
    }
    for c in kb.causes.values() {
        let subject = format!("cause {}", c.cause);
        if !(1..=127).contains(&c.cause) {
            out.push(Problem {
                subject: subject.clone(),
                message: "outside 1..=127".into(),
            });
        }
        if c.name.trim().is_empty() {
            out.push(Problem {
                subject: subject.clone(),
                message: "empty name".into(),
            });
        }
        if c.sip_none && (!c.sip.is_empty() || c.sip_note.is_none()) {
            out.push(Problem {
                subject: subject.clone(),
                message: "sip_none needs an empty sip list and a sip_note saying why".into(),
            });
        }
        for s in &c.sip {
            if kb.get(*s).is_none() {
                out.push(Problem {
                    subject: subject.clone(),
                    message: format!("maps to SIP {s} which has no entry"),
                });
            }
        }
    }
    for (sip, row) in &kb.sip_to_cause {
        let subject = format!("sip_to_cause {sip}");
        if kb.get(*sip).is_none() {
            out.push(Problem {
                subject: subject.clone(),
                message: "SIP code has no entry".into(),
            });
        }
        if !(400..=699).contains(sip) {
            out.push(Problem {
                subject: subject.clone(),
                message: "RFC 3398 §8.2.6.1 maps only 4xx-6xx responses".into(),
            });
        }
        for c in row.cause.iter().chain(row.alt_cause.iter()) {
            if kb.cause(*c).is_none() {
                out.push(Problem {
                    subject: subject.clone(),
                    message: format!("cause {c} is not defined"),
                });
            }
        }
        let noted = row.note.as_deref().is_some_and(|n| !n.trim().is_empty());
        if (row.cause.is_none() || row.default || row.alt_cause.is_some()) && !noted {
            out.push(Problem {
                subject,
                message: "a row without a cause, with a default or an alternative needs a note"
                    .into(),
            });
        }
    }
    for d in &kb.deviations {
        let subject = format!(
            "deviation {} {} {}/{}",
            d.vendor, d.direction, d.sip, d.cause
        );
        if !matches!(d.vendor.as_str(), "Asterisk" | "FreeSWITCH") {
            out.push(Problem {
                subject: subject.clone(),
                message: "vendor must be Asterisk or FreeSWITCH".into(),
            });
        }
        if !matches!(d.direction.as_str(), "sip-to-cause" | "cause-to-sip") {
            out.push(Problem {
                subject: subject.clone(),
                message: "direction must be sip-to-cause or cause-to-sip".into(),
            });
        }
        if kb.cause(d.cause).is_none() {
            out.push(Problem {
                subject: subject.clone(),
                message: "cause is not defined".into(),
            });
        }
        if Class::of(d.sip).is_none() {
            out.push(Problem {
                subject: subject.clone(),
                message: "SIP code out of range".into(),
            });
        }
        if d.note.trim().is_empty() || d.source.trim().is_empty() {
            out.push(Problem {
                subject,
                message: "empty note or source".into(),
            });
        }
    }
    for p in &kb.pairs {
        let subject = format!("pair {}/{}", p.a, p.b);
        if kb.get(p.a).is_none() || kb.get(p.b).is_none() {
            out.push(Problem {
                subject: subject.clone(),
                message: "a code of the pair has no entry".into(),
            });
        }
        if p.a == p.b {
            out.push(Problem {
                subject: subject.clone(),
                message: "a pair of one code".into(),
            });
        }
        if p.differences.is_empty() || p.use_a.trim().is_empty() || p.use_b.trim().is_empty() {
            out.push(Problem {
                subject,
                message: "needs differences, use_a and use_b".into(),
            });
        }
    }
    for w in kb.warn_codes.values() {
        if !(300..=399).contains(&w.code) || !is_reference(&w.reference) {
            out.push(Problem {
                subject: format!("warn-code {}", w.code),
                message: "outside 3xx or malformed reference".into(),
            });
        }
    }
    for m in &kb.methods {
        if !is_reference(&m.reference) {
            out.push(Problem {
                subject: format!("method {}", m.name),
                message: "malformed reference".into(),
            });
        }
    }
    for t in &kb.option_tags {
        if !is_reference(&t.reference) {
            out.push(Problem {
                subject: format!("option tag {}", t.name),
                message: "malformed reference".into(),
            });
        }
    }
    out
}
