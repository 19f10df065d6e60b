//! `sipfix triage --json`: stable keys for scripts (documented in the
//! README). Strings from the trace are kept as they were (JSON escapes
//! them); finding texts are already sanitised.

use super::{Selection, final_reason, formats, groups, link_types, problem_line, rfc3339};
use crate::kb::Kb;
use crate::trace::findings::{Finding, Severity};
use crate::trace::metrics::Summary;
use crate::trace::model::{Call, Outcome, Triage, flag};
use serde::Serialize;

#[derive(Serialize)]
pub struct Report<'a> {
    pub source: Source,
    pub summary: SummaryJson<'a>,
    pub groups: Vec<GroupJson>,
    pub calls: Calls<'a>,
    pub problems: Vec<String>,
    pub problem_count: u64,
}

/// The calls, serialised one at a time (a trace has hundreds of thousands).
pub struct Calls<'a> {
    triage: &'a Triage,
    kb: &'a Kb,
    calls: &'a [&'a Call],
}

/// Every endpoint as `ip:port`, formatted once for the whole report.
fn endpoint_strings(t: &Triage) -> Vec<String> {
    t.endpoints.iter().map(|e| e.to_string()).collect()
}

impl Serialize for Calls<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let eps = endpoint_strings(self.triage);
        let mut seq = s.serialize_seq(Some(self.calls.len()))?;
        for c in self.calls {
            seq.serialize_element(&call_json_with(self.triage, self.kb, c, &eps))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
pub struct Source {
    pub files: Vec<String>,
    pub format: String,
    pub link_types: Vec<String>,
    pub packets: u64,
    pub sip_messages: u64,
    pub bytes: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub duplicates: u64,
    pub skipped: u64,
}

#[derive(Serialize)]
pub struct SummaryJson<'a> {
    #[serde(flatten)]
    pub summary: &'a Summary,
    /// Calls in the whole trace (before the filters).
    pub total_calls: u64,
    pub filtered: bool,
}

#[derive(Serialize)]
pub struct GroupJson {
    pub outcome: Outcome,
    pub count: usize,
    #[serde(rename = "final")]
    pub final_code: Option<u16>,
    pub method: String,
    /// Who sent the final response (or, without one, where the request went).
    pub peer: Option<String>,
    pub finding: Option<&'static str>,
    pub call_ids: Vec<String>,
}

#[derive(Serialize)]
pub struct CallJson<'a> {
    pub call_id: &'a str,
    pub method: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub src: Option<String>,
    pub dst: Option<String>,
    pub transport: String,
    pub start: Option<String>,
    pub end: Option<String>,
    #[serde(rename = "final")]
    pub final_code: Option<u16>,
    pub final_reason: Option<String>,
    pub final_from: Option<String>,
    pub first_provisional_ms: Option<u64>,
    pub pdd_ms: Option<u64>,
    pub answer_ms: Option<u64>,
    pub messages: usize,
    pub retransmissions: u32,
    pub duplicates: u32,
    /// Distinct To tags in the call (more than one: forked).
    pub dialogs: usize,
    pub outcome: Outcome,
    pub findings: Vec<FindingJson<'a>>,
}

#[derive(Serialize)]
pub struct FindingJson<'a> {
    pub id: &'static str,
    pub severity: Severity,
    pub text: &'a str,
    pub code: Option<u16>,
    pub rfc: &'static str,
    pub evidence: Vec<EvidenceJson<'a>>,
}

#[derive(Serialize)]
pub struct EvidenceJson<'a> {
    /// 1-based message number in the call (as in the ladder).
    pub message: Option<u32>,
    /// The capture frame (or log entry) of that message.
    pub frame: Option<u64>,
    pub text: &'a str,
}

pub fn finding_json<'a>(c: &Call, f: &'a Finding) -> FindingJson<'a> {
    FindingJson {
        id: f.id,
        severity: f.severity,
        text: &f.text,
        code: f.code,
        rfc: f.rfc,
        evidence: f
            .evidence
            .iter()
            .map(|e| EvidenceJson {
                message: e.msg.map(|m| m + 1),
                frame: e.msg.and_then(|m| c.msgs.get(m as usize)).map(|m| m.frame),
                text: &e.text,
            })
            .collect(),
    }
}

/// The transport's name as the JSON and CSV spell it.
pub fn transport_name(t: crate::trace::Transport) -> &'static str {
    use crate::trace::Transport::*;
    match t {
        Udp => "udp",
        Tcp => "tcp",
        Tls => "tls",
        Sctp => "sctp",
        Ws => "ws",
        Wss => "wss",
        Unknown => "unknown",
    }
}

pub fn call_json<'a>(t: &'a Triage, kb: &Kb, c: &'a Call) -> CallJson<'a> {
    call_json_with(t, kb, c, &endpoint_strings(t))
}

fn call_json_with<'a>(t: &'a Triage, kb: &Kb, c: &'a Call, eps: &[String]) -> CallJson<'a> {
    let ep = |e: u32| eps.get(e as usize).cloned();
    CallJson {
        call_id: &c.call_id,
        method: t.method_name(c.method),
        from: t.from_uri(c),
        to: t.to_uri(c),
        src: ep(c.src),
        dst: ep(c.dst),
        transport: transport_name(c.transport).to_string(),
        start: c.start_ns.map(rfc3339),
        end: c.end_ns.map(rfc3339),
        final_code: c.final_code(),
        final_reason: final_reason(t, kb, c),
        final_from: c.final_response().and_then(|m| ep(m.src)),
        first_provisional_ms: c.first_provisional_ms,
        pdd_ms: c.pdd_ms,
        answer_ms: c.answer_ms,
        messages: c.msgs.len(),
        retransmissions: c.retransmissions,
        duplicates: c.duplicates,
        dialogs: c.legs.len(),
        outcome: c.outcome,
        findings: c.findings.iter().map(|f| finding_json(c, f)).collect(),
    }
}

pub fn source(t: &Triage) -> Source {
    Source {
        files: t.sources.iter().map(|s| s.path.clone()).collect(),
        format: formats(&t.sources),
        link_types: link_types(&t.sources),
        packets: t.sources.iter().map(|s| s.packets).sum(),
        sip_messages: t.messages,
        bytes: t.sources.iter().map(|s| s.bytes).sum(),
        first: t.first_ns.map(rfc3339),
        last: t.last_ns.map(rfc3339),
        duplicates: t.duplicates,
        skipped: t.skipped,
    }
}

/// The whole report.
pub fn report<'a>(sel: &'a Selection<'a>, kb: &'a Kb) -> Report<'a> {
    let t = sel.triage;
    let mut gs = Vec::new();
    for outcome in [Outcome::Failure, Outcome::User, Outcome::Pending] {
        for g in groups(&sel.calls, outcome) {
            gs.push(GroupJson {
                outcome,
                count: g.calls.len(),
                final_code: g.code,
                method: t.method_name(g.method).to_string(),
                peer: t.endpoint(g.peer).map(|e| e.to_string()),
                finding: g.finding.map(|f| f.id),
                call_ids: g.calls.iter().take(10).map(|c| c.call_id.clone()).collect(),
            });
        }
    }
    Report {
        source: source(t),
        summary: SummaryJson {
            summary: &sel.summary,
            total_calls: t.calls.len() as u64,
            filtered: sel.filtered,
        },
        groups: gs,
        calls: Calls {
            triage: t,
            kb,
            calls: &sel.calls,
        },
        problems: t.problems.iter().map(|p| problem_line(t, p)).collect(),
        problem_count: t.problem_count,
    }
}

/// One message of a call (`--call --json`).
#[derive(Serialize)]
pub struct MessageJson {
    /// 1-based, as in the ladder.
    pub index: usize,
    pub time: Option<String>,
    pub file: u32,
    pub frame: u64,
    pub src: Option<String>,
    pub dst: Option<String>,
    /// The request method, or for a response its CSeq method.
    pub method: String,
    /// The status code of a response; null for a request.
    pub code: Option<u16>,
    pub cseq: u32,
    pub retransmission: bool,
    pub bytes: u32,
}

/// One call in detail (`--call ID --json`).
#[derive(Serialize)]
pub struct CallDetail<'a> {
    pub source: Source,
    pub call: CallJson<'a>,
    pub messages: Vec<MessageJson>,
    /// The explanation of the failing response (as `sipfix explain --json`),
    /// when there is one and its bytes were kept.
    pub explanation: Option<crate::message::Explanation>,
}

pub fn call_detail<'a>(t: &'a Triage, kb: &Kb, c: &'a Call) -> CallDetail<'a> {
    let messages = c
        .msgs
        .iter()
        .enumerate()
        .map(|(i, m)| MessageJson {
            index: i + 1,
            time: m.time().map(rfc3339),
            file: m.file,
            frame: m.frame,
            src: t.endpoint(m.src).map(|e| e.to_string()),
            dst: t.endpoint(m.dst).map(|e| e.to_string()),
            method: t.method_name(m.method).to_string(),
            code: (m.code != 0).then_some(m.code),
            cseq: m.cseq,
            retransmission: m.has(flag::RETRANS),
            bytes: m.len,
        })
        .collect();
    let explanation = super::failing_response(c)
        .and_then(|i| c.raw_of(i))
        .and_then(|b| crate::message::decode(b, kb).ok());
    CallDetail {
        source: source(t),
        call: call_json(t, kb, c),
        messages,
        explanation,
    }
}
