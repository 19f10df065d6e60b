//! `sipfix triage --json`: stable keys for scripts (documented in the
//! README). Strings from the trace are kept as they were (JSON escapes
//! them); finding texts are already sanitised.

use super::{
    Selection, answered_with_findings, final_reason, formats, groups, link_types, problem_line,
    rfc3339,
};
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
    /// What the finding says, as the group's first call has it (the calls
    /// of a group say the same but for figures).
    pub finding_text: Option<std::sync::Arc<str>>,
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
        dialogs: usize::from(c.dialogs),
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
                finding_text: g.finding.map(|f| f.text.clone()),
                call_ids: g.calls.iter().take(10).map(|c| c.call_id.clone()).collect(),
            });
        }
    }
    // The report's "answered, but" groups: by finding alone, so the final
    // code is given only when the group's calls share it.
    for (f, calls) in answered_with_findings(&sel.calls) {
        let code = calls[0].final_code();
        gs.push(GroupJson {
            outcome: Outcome::Answered,
            count: calls.len(),
            final_code: code.filter(|_| calls.iter().all(|c| c.final_code() == code)),
            method: t.method_name(calls[0].method).to_string(),
            peer: None,
            finding: Some(f.id),
            finding_text: Some(f.text.clone()),
            call_ids: calls.iter().take(10).map(|c| c.call_id.clone()).collect(),
        });
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

/// The whole report ([`report`]) written to `w`: the same bytes as
/// [`crate::sanitize::json_pretty_to`] gives for it, but the calls (nearly
/// all of a big report) are written field by field, in blocks, on two
/// threads when there are two CPUs, straight into buffers handed to `w` in
/// order (memory stays a few blocks whatever the number of calls).
pub fn write_report(
    sel: &Selection<'_>,
    kb: &Kb,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let r = report(sel, kb);
    w.write_all(b"{\n  \"source\": ")?;
    nested(w, &r.source)?;
    w.write_all(b",\n  \"summary\": ")?;
    nested(w, &r.summary)?;
    w.write_all(b",\n  \"groups\": ")?;
    nested(w, &r.groups)?;
    w.write_all(b",\n  \"calls\": ")?;
    write_calls(r.calls.triage, kb, r.calls.calls, w)?;
    w.write_all(b",\n  \"problems\": ")?;
    nested(w, &r.problems)?;
    w.write_all(b",\n  \"problem_count\": ")?;
    nested(w, &r.problem_count)?;
    w.write_all(b"\n}")
}

/// A value of the top-level object, laid out one level in (a JSON string
/// never holds a raw line end, so indenting after each one is exact).
fn nested<T: Serialize>(w: &mut dyn std::io::Write, v: &T) -> std::io::Result<()> {
    let s = crate::sanitize::json_pretty(v).map_err(std::io::Error::other)?;
    let mut first = true;
    for line in s.split('\n') {
        if !first {
            w.write_all(b"\n  ")?;
        }
        first = false;
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Calls per block of the JSON writer.
const JSON_BLOCK: usize = 2048;

/// The `calls` array at the second level of the report.
fn write_calls(
    t: &Triage,
    kb: &Kb,
    calls: &[&Call],
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if calls.is_empty() {
        return w.write_all(b"[]");
    }
    let eps = endpoint_strings(t);
    let blocks: Vec<&[&Call]> = calls.chunks(JSON_BLOCK).collect();
    let fill = |k: usize, buf: &mut Vec<u8>| {
        buf.clear();
        let mut plain = Plain::new();
        for (j, c) in blocks[k].iter().enumerate() {
            buf.extend_from_slice(if k == 0 && j == 0 {
                b"\n    "
            } else {
                b",\n    "
            });
            call_object(buf, t, kb, c, &eps, &mut plain);
        }
    };
    w.write_all(b"[")?;
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if blocks.len() < 2 || cpus < 2 {
        let mut buf = Vec::new();
        for k in 0..blocks.len() {
            fill(k, &mut buf);
            w.write_all(&buf)?;
        }
    } else {
        // Blocks alternate between this thread and a helper; each is
        // written in order.
        use std::sync::mpsc::sync_channel;
        std::thread::scope(|s| -> std::io::Result<()> {
            // Made inside the scope: when a write fails (a closed pipe,
            // `sipfix triage x.pcap --json | head`), returning drops
            // `done_rx` before the scope waits for the helper, so the
            // helper's next send fails and it stops instead of waiting
            // forever for a reader that is gone.
            let (done_tx, done_rx) = sync_channel::<Vec<u8>>(1);
            let (free_tx, free_rx) = sync_channel::<Vec<u8>>(2);
            let fill = &fill;
            let n = blocks.len();
            s.spawn(move || {
                for k in (1..n).step_by(2) {
                    let mut buf = free_rx.try_recv().unwrap_or_default();
                    fill(k, &mut buf);
                    if done_tx.send(buf).is_err() {
                        return;
                    }
                }
            });
            let mut mine = Vec::new();
            for k in 0..n {
                if k % 2 == 0 {
                    fill(k, &mut mine);
                    w.write_all(&mine)?;
                } else {
                    let Ok(buf) = done_rx.recv() else { break };
                    w.write_all(&buf)?;
                    let _ = free_tx.try_send(buf);
                }
            }
            Ok(())
        })?;
    }
    w.write_all(b"\n  ]")
}

/// Spaces for a nesting depth (two per level).
fn indent(out: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8] = &[b' '; 32];
    let n = depth * 2;
    if n <= SPACES.len() {
        out.extend_from_slice(&SPACES[..n]);
    } else {
        out.resize(out.len() + n, b' ');
    }
}

/// Whether the findings' shared texts need escaping, remembered by
/// address: the same sentence, shared by thousands of calls, is tested
/// once (each text lives as long as the report, so an address is never
/// reused for another text while this is in use).
struct Plain([(usize, bool); 256]);

impl Plain {
    fn new() -> Plain {
        Plain([(0, false); 256])
    }

    fn of(&mut self, s: &std::sync::Arc<str>) -> bool {
        let addr = s.as_ptr() as usize;
        let slot = &mut self.0[(addr >> 4) % 256];
        if slot.0 != addr || addr == 0 {
            *slot = (addr, crate::sanitize::json_plain(s.as_bytes()));
        }
        slot.1
    }
}

/// A member's key as [`Obj::key`] writes it: indented for the depth of
/// its object (2: a call, 4: a finding, 6: a piece of evidence), quoted,
/// and followed by `": "`.
macro_rules! key {
    (2, $k:literal) => {
        concat!("      \"", $k, "\": ")
    };
    (4, $k:literal) => {
        concat!("          \"", $k, "\": ")
    };
    (6, $k:literal) => {
        concat!("              \"", $k, "\": ")
    };
}

/// A JSON object being written by hand, laid out as serde_json's pretty
/// printer lays it out.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    empty: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>, depth: usize) -> Obj<'a> {
        out.push(b'{');
        Obj {
            out,
            depth,
            empty: true,
        }
    }

    /// Start a member: the separator, then `k`, the indent and the quoted
    /// key made by [`key!`] (one copy of a constant instead of four).
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        debug_assert!(
            k.len() > (self.depth + 1) * 2
                && k.as_bytes()[..(self.depth + 1) * 2]
                    .iter()
                    .all(|&b| b == b' ')
                && k.as_bytes()[(self.depth + 1) * 2] == b'"',
            "key {k:?} not indented for depth {}",
            self.depth
        );
        self.out
            .extend_from_slice(if self.empty { b"\n" } else { b",\n" });
        self.empty = false;
        self.out.extend_from_slice(k.as_bytes());
        self.out
    }

    fn str(&mut self, k: &str, v: &str) {
        crate::sanitize::json_str_to(self.key(k), v);
    }

    /// A shared text (a finding's), its escape test asked of `plain`.
    fn shared_str(&mut self, k: &str, v: &std::sync::Arc<str>, plain: &mut Plain) {
        let known = plain.of(v);
        crate::sanitize::json_str_known_to(self.key(k), v, known);
    }

    fn opt_str(&mut self, k: &str, v: Option<&str>) {
        match v {
            Some(v) => self.str(k, v),
            None => self.key(k).extend_from_slice(b"null"),
        }
    }

    fn num(&mut self, k: &str, v: u64) {
        push_u64(self.key(k), v);
    }

    fn opt_num(&mut self, k: &str, v: Option<u64>) {
        match v {
            Some(v) => self.num(k, v),
            None => self.key(k).extend_from_slice(b"null"),
        }
    }

    fn close(self) {
        if !self.empty {
            self.out.push(b'\n');
            indent(self.out, self.depth);
        }
        self.out.push(b'}');
    }
}

/// A decimal number.
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// One call as [`CallJson`] serialises it, at the depth of the report's
/// `calls` array members.
fn call_object(
    out: &mut Vec<u8>,
    t: &Triage,
    kb: &Kb,
    c: &Call,
    eps: &[String],
    plain: &mut Plain,
) {
    let ep = |e: u32| eps.get(e as usize).map(String::as_str);
    let time = |out: &mut Vec<u8>, ns: Option<i64>| match ns {
        Some(ns) => {
            out.push(b'"');
            super::push_rfc3339(out, ns);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    };
    let mut o = Obj::open(out, 2);
    o.str(key!(2, "call_id"), &c.call_id);
    o.str(key!(2, "method"), t.method_name(c.method));
    o.str(key!(2, "from"), t.from_uri(c));
    o.str(key!(2, "to"), t.to_uri(c));
    o.opt_str(key!(2, "src"), ep(c.src));
    o.opt_str(key!(2, "dst"), ep(c.dst));
    o.str(key!(2, "transport"), transport_name(c.transport));
    time(o.key(key!(2, "start")), c.start_ns);
    time(o.key(key!(2, "end")), c.end_ns);
    o.opt_num(key!(2, "final"), c.final_code().map(u64::from));
    o.opt_str(key!(2, "final_reason"), super::final_reason_str(t, kb, c));
    o.opt_str(
        key!(2, "final_from"),
        c.final_response().and_then(|m| ep(m.src)),
    );
    o.opt_num(key!(2, "first_provisional_ms"), c.first_provisional_ms);
    o.opt_num(key!(2, "pdd_ms"), c.pdd_ms);
    o.opt_num(key!(2, "answer_ms"), c.answer_ms);
    o.num(key!(2, "messages"), c.msgs.len() as u64);
    o.num(key!(2, "retransmissions"), u64::from(c.retransmissions));
    o.num(key!(2, "duplicates"), u64::from(c.duplicates));
    o.num(key!(2, "dialogs"), u64::from(c.dialogs));
    o.str(key!(2, "outcome"), c.outcome.label());
    let out = o.key(key!(2, "findings"));
    if c.findings.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.push(b'[');
        for (i, f) in c.findings.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            indent(out, 4);
            finding_object(out, c, f, plain);
        }
        out.push(b'\n');
        indent(out, 3);
        out.push(b']');
    }
    o.close();
}

/// One finding as [`FindingJson`] serialises it inside a call.
fn finding_object(out: &mut Vec<u8>, c: &Call, f: &Finding, plain: &mut Plain) {
    let mut o = Obj::open(out, 4);
    o.str(key!(4, "id"), f.id);
    o.str(key!(4, "severity"), f.severity.label());
    o.shared_str(key!(4, "text"), &f.text, plain);
    o.opt_num(key!(4, "code"), f.code.map(u64::from));
    o.str(key!(4, "rfc"), f.rfc);
    let out = o.key(key!(4, "evidence"));
    if f.evidence.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.push(b'[');
        for (i, e) in f.evidence.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            indent(out, 6);
            let mut eo = Obj::open(out, 6);
            eo.opt_num(key!(6, "message"), e.msg.map(|m| u64::from(m) + 1));
            eo.opt_num(
                key!(6, "frame"),
                e.msg.and_then(|m| c.msgs.get(m as usize)).map(|m| m.frame),
            );
            eo.shared_str(key!(6, "text"), &e.text, plain);
            eo.close();
        }
        out.push(b'\n');
        indent(out, 5);
        out.push(b']');
    }
    o.close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::filter::Filter;
    use crate::trace::testkit::{
        Step, analyze, answered_call, ep, rejected_call, request, response_with,
    };

    /// A shared text's escape test is remembered per text, not per slot:
    /// texts that need an escape stay escaped, whatever came before.
    #[test]
    fn shared_texts_are_escaped_as_they_need() {
        use std::sync::Arc;
        let texts: Vec<Arc<str>> = (0..600)
            .map(|i| {
                Arc::from(if i % 3 == 0 {
                    format!("say \"{i}\"")
                } else {
                    format!("t{i}")
                })
            })
            .collect();
        let mut plain = Plain::new();
        for round in 0..2 {
            for t in &texts {
                let mut a = Vec::new();
                crate::sanitize::json_str_known_to(&mut a, t, plain.of(t));
                let mut b = Vec::new();
                crate::sanitize::json_str_to(&mut b, t);
                assert_eq!(a, b, "round {round}: {t}");
            }
        }
    }

    /// A writer that takes `left` bytes, then fails as a closed pipe does.
    struct Closing {
        left: usize,
    }

    impl std::io::Write for Closing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `sipfix triage x.pcap --json | head`: the reader goes away while
    /// blocks are still being written on two threads. The report must
    /// stop with the error, whichever block the write fails in, and not
    /// wait forever for the helper thread.
    #[test]
    fn a_closed_output_stops_the_report() {
        let mut steps: Vec<Step> = Vec::new();
        for i in 0..(JSON_BLOCK * 4 + 3) as i64 {
            steps.extend(answered_call(&format!("{i}-gone"), i * 10, 1000));
        }
        steps.sort_by_key(|s| s.ms);
        let t = std::sync::Arc::new(analyze(&steps));
        let whole = {
            let sel = Selection::new(&t, &Filter::default());
            fast_bytes(&sel, Kb::embedded()).len()
        };
        for left in [0, 100, whole / 5, whole / 2, whole - 10] {
            let t = t.clone();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let sel = Selection::new(&t, &Filter::default());
                let r = write_report(&sel, Kb::embedded(), &mut Closing { left });
                let _ = tx.send(r.map_err(|e| e.kind()));
            });
            let r = rx
                .recv_timeout(std::time::Duration::from_secs(120))
                .unwrap_or_else(|_| panic!("the report hung after {left} of {whole} bytes"));
            assert_eq!(r, Err(std::io::ErrorKind::BrokenPipe), "after {left} bytes");
        }
    }

    /// `groups` holds every group the text report shows: after the
    /// failures, user outcomes and pending calls, the answered calls with
    /// a finding (the text's "Answered, but").
    #[test]
    fn groups_include_the_answered_calls_with_a_finding() {
        let (a, b) = (ep("10.0.0.1:5060"), ep("10.0.0.2:5060"));
        let mut steps = Vec::new();
        // Two answered calls with a slow set-up (no 100 Trying, 180 after
        // 7.2 s).
        for (id, at) in [("slow1", 0), ("slow2", 20_000)] {
            let inv = request("INVITE", id, 1, &format!("z9hG4bK{id}"), None, &[], "");
            let ringing = crate::trace::testkit::response(&inv, 180, Some("b"), &[]);
            let ok = crate::trace::testkit::response(&inv, 200, Some("b"), &[]);
            let ack = request("ACK", id, 1, &format!("z9hG4bK{id}a"), Some("b"), &[], "");
            steps.extend([
                Step::new(at, a, b, &inv),
                Step::new(at + 500, a, b, &inv),
                Step::new(at + 1500, a, b, &inv),
                Step::new(at + 7200, b, a, &ringing),
                Step::new(at + 9000, b, a, &ok),
                Step::new(at + 9010, a, b, &ack),
            ]);
        }
        steps.extend(rejected_call("busy", 40_000, b, 486, &[]));
        steps.sort_by_key(|s| s.ms);
        let t = analyze(&steps);
        let sel = Selection::new(&t, &Filter::default());
        let j: serde_json::Value =
            serde_json::from_slice(&fast_bytes(&sel, Kb::embedded())).unwrap();
        let groups: Vec<(String, u64, String, serde_json::Value)> = j["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["outcome"].as_str().unwrap().to_string(),
                    g["count"].as_u64().unwrap(),
                    g["finding"].as_str().unwrap_or("-").to_string(),
                    g["final"].clone(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("user".into(), 1, "-".into(), serde_json::json!(486)),
                (
                    "answered".into(),
                    2,
                    "slow-setup".into(),
                    serde_json::json!(200)
                ),
            ],
            "{:#}",
            j["groups"]
        );
        assert_eq!(
            j["groups"][1]["call_ids"],
            serde_json::json!(["slow1", "slow2"])
        );
        assert_eq!(j["groups"][1]["peer"], serde_json::Value::Null);
    }

    fn serde_bytes(sel: &Selection<'_>, kb: &Kb) -> Vec<u8> {
        let mut v = Vec::new();
        crate::sanitize::json_pretty_to(&mut v, &report(sel, kb)).unwrap();
        v
    }

    fn fast_bytes(sel: &Selection<'_>, kb: &Kb) -> Vec<u8> {
        let mut v = Vec::new();
        write_report(sel, kb, &mut v).unwrap();
        v
    }

    #[test]
    fn written_by_hand_as_serde_writes_it() {
        let kb = Kb::embedded();
        // More calls than one block, of every outcome, with findings,
        // control characters, quotes, backslashes and non-ASCII text.
        let mut steps: Vec<Step> = Vec::new();
        for i in 0..(JSON_BLOCK * 2 + 17) as i64 {
            let id = match i % 5 {
                0 => format!("{i}-ok"),
                1 => format!("{i}-\"quoted\\\"-\u{1b}[2J-\u{e9}\u{202e}"),
                _ => format!("{i}-x"),
            };
            match i % 4 {
                0 => steps.extend(answered_call(&id, i * 10, 1000)),
                1 => steps.extend(rejected_call(
                    &id,
                    i * 10,
                    ep("10.0.0.3:5060"),
                    503,
                    &[
                        "Retry-After: 5",
                        "Reason: Q.850;cause=34;text=\"a\\\\b\u{7}\"",
                    ],
                )),
                2 => {
                    let inv = request("INVITE", &id, 1, &format!("z9hG4bK{i}"), None, &[], "");
                    steps.push(Step::new(
                        i * 10,
                        ep("10.0.0.1:5060"),
                        ep("[2001:db8::1]:5060"),
                        &inv,
                    ));
                    steps.push(Step::new(
                        i * 10 + 5,
                        ep("[2001:db8::1]:5060"),
                        ep("10.0.0.1:5060"),
                        &response_with(
                            &inv,
                            480,
                            "Tempor\u{e4}r\u{85} \"weg\"",
                            Some("t"),
                            &[],
                            "",
                        ),
                    ));
                }
                _ => {
                    let inv = request("INVITE", &id, 1, &format!("z9hG4bK{i}"), None, &[], "");
                    steps.push(Step::new(
                        i * 10,
                        ep("10.0.0.1:5060"),
                        ep("10.0.0.2:5060"),
                        &inv,
                    ));
                }
            }
        }
        steps.sort_by_key(|s| s.ms);
        let t = analyze(&steps);
        assert!(t.calls.iter().any(|c| !c.findings.is_empty()));
        let sel = Selection::new(&t, &Filter::default());
        assert!(sel.calls.len() > JSON_BLOCK * 2);
        assert_eq!(
            String::from_utf8(fast_bytes(&sel, kb)).unwrap(),
            String::from_utf8(serde_bytes(&sel, kb)).unwrap()
        );
        // One call only (one block), and none.
        let one = Filter {
            code: Some(crate::trace::filter::CodeFilter::Exact(480)),
            ..Filter::default()
        };
        let t1 = analyze(&steps[..8]);
        let sel = Selection::new(&t1, &one);
        assert_eq!(fast_bytes(&sel, kb), serde_bytes(&sel, kb));
        let none = Filter {
            code: Some(crate::trace::filter::CodeFilter::Exact(699)),
            ..Filter::default()
        };
        let sel = Selection::new(&t, &none);
        assert!(sel.calls.is_empty());
        assert_eq!(fast_bytes(&sel, kb), serde_bytes(&sel, kb));
    }
}
