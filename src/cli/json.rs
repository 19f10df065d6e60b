//! The JSON shapes of the commands: stable keys for scripts.

use crate::kb::{Cause, CodeEntry, Deviation, Kb, Lookup, Text};
use crate::search::Field;
use serde::Serialize;

/// The stable JSON object of one code (`show --json`, and one element of `list --json`).
#[derive(Debug, Serialize)]
pub struct CodeJson<'a> {
    pub code: u16,
    /// The registered reason phrase (null for a code with no entry of its own).
    pub reason: Option<&'a str>,
    pub class: &'static str,
    /// RFC numbers, e.g. `RFC 3261`.
    pub references: Vec<String>,
    /// Full citations with sections, e.g. `RFC 3261 §21.4.24`.
    pub citations: &'a [Text],
    pub deprecated: bool,
    pub registered: bool,
    pub summary: &'a str,
    /// For a code with no entry: the code it is explained as (the class
    /// x00; 183 for a 1xx).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explained_as: Option<u16>,
}

/// The full guidance of one code (`show --json`).
#[derive(Debug, Serialize)]
pub struct CodeDetailJson<'a> {
    #[serde(flatten)]
    pub head: CodeJson<'a>,
    pub description: &'a str,
    pub deprecated_note: Option<&'a str>,
    pub keywords: &'a [Text],
    pub when: &'a [Text],
    pub senders: &'a [Text],
    pub methods: &'a [Text],
    pub retry: &'a str,
    pub forking: Option<&'a str>,
    pub related: &'a [u16],
    pub q850: Option<CauseRef<'a>>,
    pub steps: &'a [crate::kb::Step],
    /// What of the entry is not checked against a source, if anything.
    pub unverified: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct CauseRef<'a> {
    pub cause: u8,
    pub name: &'a str,
    /// True when the cause is RFC 3398's default for a code its table does
    /// not list (or leaves to the Warning header), not a value of the table.
    pub default: bool,
}

fn rfc_numbers(refs: &[Text]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        let n = r.split(" §").next().unwrap_or(r).to_string();
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

pub fn code_json<'a>(l: &Lookup<'a>) -> CodeJson<'a> {
    let e: &'a CodeEntry = l.entry;
    CodeJson {
        code: l.code,
        reason: (!l.fallback).then_some(e.reason.as_str()),
        class: l.class.label(),
        references: rfc_numbers(&e.references),
        citations: &e.references,
        deprecated: !l.fallback && e.deprecated,
        registered: !l.fallback && e.registered,
        summary: &e.summary,
        explained_as: l.fallback.then_some(e.code),
    }
}

pub fn code_detail_json<'a>(kb: &'a Kb, l: &Lookup<'a>) -> CodeDetailJson<'a> {
    let e = l.entry;
    CodeDetailJson {
        head: code_json(l),
        description: &e.description,
        deprecated_note: e.deprecated_note.as_deref(),
        keywords: &e.keywords,
        when: &e.when,
        senders: &e.senders,
        methods: &e.methods,
        retry: &e.retry,
        forking: e.forking.as_deref(),
        related: &e.related,
        q850: {
            let m = kb.sip_mapping(l.code);
            m.cause.map(|c| CauseRef {
                cause: c.cause,
                name: &c.name,
                default: m.default,
            })
        },
        steps: &e.steps,
        unverified: e.unverified.as_deref(),
    }
}

/// One hit of `search --json`.
#[derive(Serialize)]
pub struct SearchJson<'a> {
    pub code: u16,
    pub reason: &'a str,
    pub class: &'static str,
    pub score: i64,
    pub matched: Field,
    pub context: Option<String>,
}

/// `q850 CAUSE --json`.
#[derive(Serialize)]
pub struct CauseJson<'a> {
    cause: u8,
    name: &'a str,
    class: &'a str,
    summary: &'a str,
    /// RFC 3398 §7.2.4.1: the SIP responses for this cause.
    sip: Vec<u16>,
    /// True when `sip` is the section's default (500) for a cause its table
    /// does not list.
    default: bool,
    sip_note: Option<&'a str>,
    /// RFC 3398 §8.2.6.1: the SIP responses that map to this cause.
    from_sip: Vec<u16>,
    deviations: Vec<&'a Deviation>,
}

/// `q850 --sip CODE --json`.
#[derive(Serialize)]
pub struct SipCauseJson<'a> {
    pub sip: u16,
    pub cause: Option<u8>,
    pub name: Option<&'a str>,
    /// True when `cause` is RFC 3398's default, not a value of its table.
    pub default: bool,
    /// A cause the RFC recommends instead in the case the note describes.
    pub alternative: Option<CauseRef<'a>>,
    pub note: Option<&'a str>,
    pub deviations: Vec<&'a Deviation>,
}

pub fn cause_json<'a>(kb: &'a Kb, c: &'a Cause) -> CauseJson<'a> {
    let (sip, default) = kb.sip_for_cause(c);
    CauseJson {
        cause: c.cause,
        name: &c.name,
        class: &c.class,
        summary: &c.summary,
        sip: sip.into_owned(),
        default,
        sip_note: c.sip_note.as_deref(),
        from_sip: kb
            .sip_to_cause
            .iter()
            .filter(|(_, row)| row.cause == Some(c.cause))
            .map(|(k, _)| *k)
            .collect(),
        deviations: kb.deviations_for_cause(c.cause).collect(),
    }
}
