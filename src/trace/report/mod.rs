//! Reports of a [`Triage`]: text (80 columns, ASCII when asked), JSON,
//! CSV, Markdown, and one call's ladder. Every string from the trace is
//! sanitised here, where it leaves for a terminal or a file.

pub mod call;
pub mod csv;
pub mod json;
pub mod ladder;
pub mod markdown;
pub mod text;

use super::SourceInfo;
use super::filter::Filter;
use super::findings::{Finding, Severity};
use super::metrics::{self, Summary};
use super::model::{Call, Ep, ExtraKind, Method, Outcome, Triage};
use crate::kb::Kb;
use crate::sanitize;
use std::collections::HashMap;

/// The calls a report covers (after the filters) and their summary.
pub struct Selection<'a> {
    pub triage: &'a Triage,
    pub calls: Vec<&'a Call>,
    pub summary: Summary,
    pub filtered: bool,
}

impl<'a> Selection<'a> {
    pub fn new(triage: &'a Triage, filter: &Filter) -> Selection<'a> {
        let calls: Vec<&Call> = triage
            .calls
            .iter()
            .filter(|c| filter.matches(triage, c))
            .collect();
        let summary =
            metrics::summarize(calls.iter().copied(), |m| triage.method_name(m).to_string());
        Selection {
            triage,
            calls,
            summary,
            filtered: !filter.is_empty(),
        }
    }
}

/// The formats of the inputs, `+`-joined when they differ.
pub fn formats(sources: &[SourceInfo]) -> String {
    let mut v: Vec<String> = Vec::new();
    for s in sources {
        let mut n = crate::trace::format_name(s.format).to_string();
        if s.gzip {
            n.push_str(".gz");
        }
        if !v.contains(&n) {
            v.push(n);
        }
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join("+")
    }
}

/// Link types of all inputs, deduplicated.
pub fn link_types(sources: &[SourceInfo]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in sources {
        for l in &s.link_types {
            if !v.contains(l) {
                v.push(l.clone());
            }
        }
    }
    v
}

/// RFC 3339 UTC time with milliseconds: `2024-03-01T12:00:00.123Z`.
pub fn rfc3339(ns: i64) -> String {
    let mut v = Vec::with_capacity(24);
    push_rfc3339(&mut v, ns);
    String::from_utf8(v).unwrap_or_default()
}

/// [`rfc3339`] appended to `out` (ASCII), without formatting machinery.
pub fn push_rfc3339(out: &mut Vec<u8>, ns: i64) {
    let secs = ns.div_euclid(1_000_000_000);
    let ms = ns.rem_euclid(1_000_000_000) / 1_000_000;
    let (y, m, d) = crate::trace::logs::clock::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if !(0..=9999).contains(&y) {
        // Never from an i64 of nanoseconds (years 1677 to 2262); kept whole.
        use std::io::Write;
        let _ = write!(out, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z");
        return;
    }
    let two = |v: i64| [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8];
    let [y0, y1] = two(y / 100);
    let [y2, y3] = two(y % 100);
    let [m0, m1] = two(i64::from(m));
    let [d0, d1] = two(i64::from(d));
    let [h0, h1] = two(h);
    let [i0, i1] = two(mi);
    let [s0, s1] = two(s);
    let [f1, f2] = two(ms % 100);
    out.extend_from_slice(&[
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        i0,
        i1,
        b':',
        s0,
        s1,
        b'.',
        b'0' + (ms / 100) as u8,
        f1,
        f2,
        b'Z',
    ]);
}

pub use super::findings::duration;

/// `1 packet or entry, 2 SIP messages`: the input's counts in the
/// report's header.
pub fn input_counts(packets: u64, messages: u64) -> String {
    format!(
        "{} {}, {} SIP message{}",
        thousands(packets),
        if packets == 1 {
            "packet or entry"
        } else {
            "packets or entries"
        },
        thousands(messages),
        if messages == 1 { "" } else { "s" }
    )
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `answered 4, failed 8, user 0, pending 0`: the outcomes of a summary.
pub fn outcome_counts(s: &Summary) -> String {
    format!(
        "answered {}, failed {}, user {}, pending {}",
        thousands(s.answered),
        thousands(s.failed),
        thousands(s.user),
        thousands(s.pending)
    )
}

/// Why some INVITE calls are not in the RFC 6076 ratios.
pub fn in_dialog_note(s: &Summary) -> String {
    let n = s.invites_in_dialog;
    format!(
        "{} INVITE call{} began with a re-INVITE inside a dialog (set up before \
         the trace started): not counted as attempts",
        thousands(n),
        if n == 1 { "" } else { "s" }
    )
}

/// The post-dial delay of a summary whose answered calls have no time
/// (a log that prints none): not measurable, and why.
pub fn untimed_pdd(s: &Summary) -> String {
    let n = s.answered_untimed;
    format!(
        "n/a ({} answered INVITE call{}, but their messages have no time)",
        thousands(n),
        if n == 1 { "" } else { "s" }
    )
}

/// A ratio as a percentage with one decimal.
pub fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// `403 Forbidden` with the reason phrase as sent (sanitised), or the
/// registered one when the message's was not kept.
pub fn final_label(t: &Triage, kb: &Kb, call: &Call) -> String {
    match call.final_response() {
        None => "no final response".to_string(),
        Some(m) => code_label(t, kb, call, call.final_msg, m.code),
    }
}

/// A response's code and phrase.
pub fn code_label(t: &Triage, kb: &Kb, call: &Call, msg: u32, code: u16) -> String {
    match t.extra(call, msg, ExtraKind::Phrase) {
        Some(p) if !p.trim().is_empty() => format!("{code} {}", clip(p, 40)),
        _ if code == 200 => "200 OK".to_string(),
        _ => match kb.get(code) {
            Some(e) => format!("{code} {}", e.reason),
            None => code.to_string(),
        },
    }
}

/// The wire reason phrase of the call's final response, raw.
pub fn final_reason(t: &Triage, kb: &Kb, call: &Call) -> Option<String> {
    final_reason_str(t, kb, call).map(str::to_string)
}

/// [`final_reason`], borrowed.
pub fn final_reason_str<'a>(t: &'a Triage, kb: &'a Kb, call: &Call) -> Option<&'a str> {
    let m = call.final_response()?;
    Some(match t.extra(call, call.final_msg, ExtraKind::Phrase) {
        Some(p) => p,
        None if m.code == 200 => "OK",
        None => kb.get(m.code).map_or("", |e| e.reason.as_str()),
    })
}

/// Sanitised and cut to `max` characters with `...`.
pub fn clip(s: &str, max: usize) -> String {
    crate::message::text::excerpt(s, max)
}

/// A Call-ID for display: sanitised (a tab as `\t`, see
/// [`sanitize::ident`]), cut to 60 characters.
pub fn call_id(c: &Call) -> String {
    clip(&sanitize::ident(&c.call_id), 60)
}

/// A failure (or user-outcome) group: same final code, same responding
/// peer (for calls without a final response: the same destination), same
/// first finding, same method.
pub struct Group<'a> {
    pub code: Option<u16>,
    /// Who sent the final response; without one, where the request went.
    pub peer: Ep,
    pub method: Method,
    pub finding: Option<&'a Finding>,
    pub calls: Vec<&'a Call>,
}

impl Group<'_> {
    pub fn finding_id(&self) -> &'static str {
        self.finding.map_or("-", |f| f.id)
    }
}

/// For a group of failures that no finding explains: what its final code
/// means, from the knowledge base, and where to read on.
pub fn code_meaning(kb: &Kb, code: Option<u16>) -> Option<String> {
    let code = code?;
    let e = kb.get(code)?;
    Some(format!(
        "[{code}] {} (sipfix show {code})",
        e.summary.as_str()
    ))
}

/// The finding that explains a call best: the most severe one (findings
/// are sorted that way).
pub fn top_finding(c: &Call) -> Option<&Finding> {
    c.findings.first()
}

/// What a finding says with its figures left out, as a hash: findings of
/// one id that say different things (a CANCEL answered 481, a CANCEL never
/// ended with 487) are grouped apart, the same sentence with other
/// durations, counts or addresses together. A figure is a word with a
/// digit in it (`10.0.0.1:5060`, `59.8`, `481:`), with the time units
/// that follow it (`1 min 40 s`); the word it counts is taken singular
/// (`1 challenge`, `2 challenges`). Computed once per distinct text (calls
/// failing alike share one).
#[derive(Default)]
struct Gists(HashMap<usize, u64>);

impl Gists {
    fn of(&mut self, f: &Finding) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        *self.0.entry(f.text.as_ptr() as usize).or_insert_with(|| {
            let mut h = foldhash::fast::FixedState::with_seed(7).build_hasher();
            let mut figure = false;
            for word in f.text.split(' ') {
                let unit = matches!(
                    word.trim_end_matches([',', '.', ':', ';', ')']),
                    "ms" | "s" | "min" | "h"
                );
                if word.bytes().any(|b| b.is_ascii_digit()) || (figure && unit) {
                    if !figure {
                        h.write_u8(b'#');
                    }
                    figure = true;
                } else {
                    // The noun a figure counts, singular or plural ("1
                    // challenge", "2 challenges").
                    let word = if figure {
                        word.strip_suffix('s').unwrap_or(word)
                    } else {
                        word
                    };
                    h.write(word.as_bytes());
                    h.write_u8(b' ');
                    figure = false;
                }
            }
            h.finish()
        })
    }
}

/// Where a call without a final response went unanswered: its latest
/// attempt's destination (a failover to a second server that is silent
/// too is that server's failure, not the first's), else its first hop.
fn unanswered_hop(c: &Call) -> Ep {
    c.txns
        .iter()
        .filter(|t| t.primary && t.request != super::model::NONE)
        .max_by_key(|t| t.request)
        .and_then(|t| c.msgs.get(t.request as usize))
        .map_or(c.dst, |m| m.dst)
}

/// Group calls of one outcome, largest group first: the same final code
/// from the same peer, the same method and the same top finding (its id
/// and what it says, figures aside).
pub fn groups<'a>(calls: &[&'a Call], outcome: Outcome) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    let mut gists = Gists::default();
    let mut keys: Vec<Option<u64>> = Vec::new();
    for &c in calls.iter().filter(|c| c.outcome == outcome) {
        let code = c.final_code();
        let from = c
            .final_response()
            .map_or_else(|| unanswered_hop(c), |m| m.src);
        let f = top_finding(c);
        let id = f.map(|f| f.id);
        let gist = f.map(|f| gists.of(f));
        match out.iter_mut().zip(&keys).find(|(g, k)| {
            g.code == code
                && g.peer == from
                && g.method == c.method
                && g.finding.map(|f| f.id) == id
                && **k == gist
        }) {
            Some((g, _)) => g.calls.push(c),
            None => {
                keys.push(gist);
                out.push(Group {
                    code,
                    peer: from,
                    method: c.method,
                    finding: f,
                    calls: vec![c],
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.calls
            .len()
            .cmp(&a.calls.len())
            .then(a.code.cmp(&b.code))
            .then(a.peer.cmp(&b.peer))
    });
    out
}

/// Answered calls with a failure or warning finding, grouped by finding
/// (its id and what it says, figures aside).
pub fn answered_with_findings<'a>(calls: &[&'a Call]) -> Vec<(&'a Finding, Vec<&'a Call>)> {
    let mut out: Vec<(&Finding, Vec<&Call>)> = Vec::new();
    let mut gists = Gists::default();
    let mut keys: Vec<u64> = Vec::new();
    for &c in calls.iter().filter(|c| c.outcome == Outcome::Answered) {
        let Some(f) = c.findings.iter().find(|f| f.severity >= Severity::Warning) else {
            continue;
        };
        let gist = gists.of(f);
        match out
            .iter_mut()
            .zip(&keys)
            .find(|((g, _), k)| g.id == f.id && **k == gist)
        {
            Some(((_, v), _)) => v.push(c),
            None => {
                keys.push(gist);
                out.push((f, vec![c]));
            }
        }
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    out
}

/// A problem as one line: `a.pcap frame 17: text`, `b.log: text` (the
/// input named when there are several), sanitised.
pub fn problem_line(t: &Triage, p: &super::Problem) -> String {
    let mut s = String::new();
    if t.sources.len() > 1 {
        let name = t
            .sources
            .get(p.file as usize)
            .map_or_else(|| format!("file {}", p.file + 1), |s| s.path.clone());
        s.push_str(&sanitize::inline(&name));
        s.push_str(if p.frame.is_some() { " " } else { ": " });
    }
    if let Some(f) = p.frame {
        s.push_str(&format!("frame {f}: "));
    }
    s.push_str(&sanitize::inline(&p.text));
    s
}

/// The message of a call to explain: the final response when it failed,
/// else the first failing response in the call (a rejected re-INVITE, a
/// BYE answered 481). Not an answer to one of the call's own initial
/// requests that the call got past: a 302 followed by the INVITE to the
/// new Contact, a 422 or 423 followed by the retry with a larger interval,
/// a fork's 480 while another branch answered, a challenge.
pub fn failing_response(c: &Call) -> Option<u32> {
    if c.final_code().is_some_and(|f| f >= 300) {
        return Some(c.final_msg);
    }
    c.msgs
        .iter()
        .position(|m| {
            m.code >= 300
                && !matches!(m.code, 401 | 407)
                && !m.has(super::model::flag::RETRANS)
                && !c.is_primary(m.txn)
        })
        .map(|i| i as u32)
}

/// The label of a message in a ladder: the method, or code and phrase.
pub fn msg_label(t: &Triage, kb: &Kb, c: &Call, i: u32) -> String {
    let m = &c.msgs[i as usize];
    let mut s = if m.is_request() {
        t.method_name(m.method).to_string()
    } else {
        code_label(t, kb, c, i, m.code)
    };
    if m.has(super::model::flag::SDP) {
        s.push_str(" (SDP)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response the call got past is not its failing response; a
    /// rejected re-INVITE inside an answered call is.
    #[test]
    fn the_failing_response_of_an_answered_call() {
        use crate::trace::testkit::{Step, analyze, answered_call, ep, request, response};
        let (a, b) = (ep("10.0.0.1:5060"), ep("10.0.0.2:5060"));
        // 302, then the INVITE to the new Contact, answered.
        let inv1 = request("INVITE", "r", 1, "z9hG4bKr1", None, &[], "");
        let inv2 = request("INVITE", "r", 2, "z9hG4bKr2", None, &[], "");
        let ack = request("ACK", "r", 1, "z9hG4bKr1", Some("m"), &[], "");
        let redirected = analyze(&[
            Step::new(0, a, b, &inv1),
            Step::new(
                5,
                b,
                a,
                &response(&inv1, 302, Some("m"), &["Contact: <sip:bob@10.0.0.3>"]),
            ),
            Step::new(6, a, b, &ack),
            Step::new(10, a, b, &inv2),
            Step::new(20, b, a, &response(&inv2, 200, Some("x"), &[])),
        ]);
        let c = &redirected.calls[0];
        assert_eq!(c.final_code(), Some(200));
        assert_eq!(failing_response(c), None);
        // An answered call whose re-INVITE (a hold) is refused with 488.
        let mut steps = answered_call("h", 0, 9000);
        let re = request("INVITE", "h", 2, "z9hG4bKre", Some("b"), &[], "");
        steps.push(Step::new(5000, a, b, &re));
        steps.push(Step::new(5010, b, a, &response(&re, 488, Some("b"), &[])));
        steps.sort_by_key(|s| s.ms);
        let t = analyze(&steps);
        let c = &t.calls[0];
        assert_eq!(c.final_code(), Some(200));
        let f = failing_response(c).expect("the 488");
        assert_eq!(c.msgs[f as usize].code, 488);
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(crate::trace::testkit::T0_NS + 123_456_789),
            "2024-03-01T12:00:00.123Z"
        );
        assert_eq!(rfc3339(951_782_400_000_000_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1_000_000), "1969-12-31T23:59:59.999Z");
        // Absurd capture times do not panic.
        assert_eq!(rfc3339(i64::MAX), "2262-04-11T23:47:16.854Z");
        assert_eq!(rfc3339(i64::MIN), "1677-09-21T00:12:43.145Z");
        // The same digits as the formatting machinery gives.
        let slow = |ns: i64| {
            let secs = ns.div_euclid(1_000_000_000);
            let ms = ns.rem_euclid(1_000_000_000) / 1_000_000;
            let (y, m, d) = crate::trace::logs::clock::civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
                sod / 3600,
                sod % 3600 / 60,
                sod % 60
            )
        };
        let mut ns = i64::MIN;
        while let Some(next) = ns.checked_add(7_777_777_777_777_777) {
            assert_eq!(rfc3339(ns), slow(ns));
            ns = next;
        }
        assert_eq!(duration(850_000_000), "850 ms");
        assert_eq!(duration(4_250_000_000), "4.2 s");
        assert_eq!(duration(200_000_000_000), "3 min 20 s");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    /// What a finding says, figures aside: times, counts (singular or
    /// plural) and addresses do not split a group; other words do.
    #[test]
    fn gists_leave_figures_out() {
        let f = |text: &str| Finding {
            id: "x",
            severity: Severity::Warning,
            text: text.into(),
            code: None,
            rfc: "",
            evidence: Vec::new(),
        };
        // The texts stay alive while the gists are taken (they are known
        // by address, as a report's findings are).
        let mut kept = Vec::new();
        let mut g = Gists::default();
        let mut same = |a: &str, b: &str| {
            let (fa, fb) = (f(a), f(b));
            let same = g.of(&fa) == g.of(&fb);
            kept.push((fa, fb));
            same
        };
        assert!(same(
            "10.0.0.1:5060 sent no NOTIFY in the 59.8 s that follow.",
            "10.0.0.2:5060 sent no NOTIFY in the 1 min 40 s that follow."
        ));
        assert!(same(
            "1 challenge in this call.",
            "2 challenges in this call."
        ));
        assert!(!same(
            "answered CANCEL with 481: no INVITE",
            "accepted the CANCEL (200) but never ended the INVITE"
        ));
        assert!(!same(
            "sent 1 time and never answered",
            "sent 7 times over 31.5 s"
        ));
    }
}
