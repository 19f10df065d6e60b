//! One call in detail (`--call ID`): facts, the ladder, every finding with
//! its evidence, and the failing response explained as `sipfix explain`
//! does, its checklist steps with what the response and the request say.

use super::ladder::ladder;
use super::text::{Out, header};
use super::{call_id, code_label, duration, failing_response, final_label, rfc3339};
use crate::kb::Kb;
use crate::message::{self, Explanation};
use crate::render::{TextStyle, md_code, md_escape};
use crate::sanitize;
use crate::trace::findings::Finding;
use crate::trace::model::{Call, NONE, Triage};

/// Per checklist step, a request's values of the headers the step inspects.
pub type StepValues = Vec<Vec<(String, Vec<String>)>>;

/// The failing response explained, and the request it answers.
pub struct Explained {
    /// Index of the response in the call.
    pub msg: u32,
    pub explanation: Explanation,
    /// Index of the request it answers, and per checklist step the
    /// request's values of the headers the step inspects.
    pub request: Option<(u32, StepValues)>,
}

/// Explain the call's failing response, when its bytes were kept.
pub fn explain(c: &Call, kb: &Kb) -> Option<Explained> {
    let msg = failing_response(c)?;
    let bytes = c.raw_of(msg)?;
    let explanation = message::decode(bytes, kb).ok()?;
    let txn = c.txn_of(&c.msgs[msg as usize]);
    let request = (txn.request != NONE)
        .then(|| c.raw_of(txn.request).map(|b| (txn.request, b)))
        .flatten()
        .and_then(|(i, b)| message::parse(b).ok().map(|m| (i, m)))
        .map(|(i, req)| {
            // The request's body (the offer of a 488), for steps that
            // inspect the body: decoded only when one does.
            let body_steps = explanation.checklist.iter().any(|s| !s.body.is_empty());
            let req_expl = body_steps.then(|| message::explain(&req, kb));
            let per_step = explanation
                .checklist
                .iter()
                .map(|step| {
                    let mut v: Vec<(String, Vec<String>)> = step
                        .headers
                        .iter()
                        .filter_map(|h| {
                            let v: Vec<String> = req
                                .values(&h.name)
                                .into_iter()
                                .map(str::to_string)
                                .collect();
                            (!v.is_empty()).then(|| (h.name.clone(), v))
                        })
                        .collect();
                    if let Some(r) = req_expl.as_ref().filter(|r| r.body.is_some()) {
                        for fact in &step.body {
                            v.push((format!("body ({fact})"), message::body_findings(r, fact)));
                        }
                    }
                    v
                })
                .collect();
            (i, per_step)
        });
    Some(Explained {
        msg,
        explanation,
        request,
    })
}

/// A time in ms as people read it: `850 ms` below 10 s, else as the
/// findings write durations (`12.5 s`, `1 h 0 min`).
fn ms_text(ms: u64) -> String {
    if ms < 10_000 {
        format!("{ms} ms")
    } else {
        duration(i64::try_from(ms).unwrap_or(i64::MAX / 1_000_000) * 1_000_000)
    }
}

/// The facts of a call, as (label, text) pairs: request, path, start,
/// final response and outcome, timings, message counts (sanitised).
pub fn facts(t: &Triage, kb: &Kb, c: &Call) -> Vec<(String, String)> {
    let request = if t.from_uri(c).is_empty() || (c.first_request == NONE && !c.uris_from_response)
    {
        format!(
            "{} (the request is not in the trace)",
            t.method_name(c.method)
        )
    } else if c.uris_from_response {
        format!(
            "{} from {} to {} (the request is not in the trace: From and To of a response)",
            t.method_name(c.method),
            sanitize::inline(t.from_uri(c)),
            sanitize::inline(t.to_uri(c))
        )
    } else {
        format!(
            "{} from {} to {}",
            t.method_name(c.method),
            sanitize::inline(t.from_uri(c)),
            sanitize::inline(t.to_uri(c))
        )
    };
    let mut v = vec![
        ("Request".to_string(), request),
        (
            "Path".to_string(),
            format!(
                "{} -> {} ({})",
                t.endpoint_str(c.src),
                t.endpoint_str(c.dst),
                super::json::transport_name(c.transport)
            ),
        ),
    ];
    if let Some(s) = c.start_ns {
        let span = c.end_ns.map(|e| duration(e - s)).unwrap_or_default();
        v.push((
            "Start".to_string(),
            format!("{} (lasts {span})", rfc3339(s)),
        ));
    }
    let fin = match c.final_response() {
        Some(m) => format!(
            "{} from {}{}",
            final_label(t, kb, c),
            t.endpoint_str(m.src),
            c.ms_since_start(c.final_msg)
                .map(|ms| format!(" after {}", ms_text(ms)))
                .unwrap_or_default()
        ),
        None => "none".to_string(),
    };
    v.push((
        "Final".to_string(),
        format!("{fin}; outcome {}", c.outcome.label()),
    ));
    let mut timing = Vec::new();
    if let Some(ms) = c.first_provisional_ms {
        timing.push(format!("first provisional {}", ms_text(ms)));
    }
    if let Some(ms) = c.pdd_ms {
        timing.push(format!("post-dial delay {}", ms_text(ms)));
    }
    if let Some(ms) = c.answer_ms {
        timing.push(format!("answered after {}", ms_text(ms)));
    }
    if !timing.is_empty() {
        v.push(("Timing".to_string(), timing.join(", ")));
    }
    v.push((
        "Messages".to_string(),
        format!(
            "{}, retransmissions {}, duplicate copies dropped {}, dialogs {}",
            c.msgs.len(),
            c.retransmissions,
            c.duplicates,
            c.dialogs
        ),
    ));
    v
}

/// A finding in words, for the text report and the TUI alike.
pub struct FindingWords {
    /// `[failure] no-ack: the sentence`.
    pub head: String,
    /// `(RFC 3261 §13.3.1.4; see sipfix show 200)`.
    pub basis: String,
    /// One line per piece of evidence: `#3 (frame 17): what it shows`.
    pub evidence: Vec<String>,
}

/// The words of one finding of `c`.
pub fn finding_words(t: &Triage, c: &Call, f: &Finding) -> FindingWords {
    let see = f
        .code
        .map(|code| format!("; see sipfix show {code}"))
        .unwrap_or_default();
    FindingWords {
        head: format!("[{}] {}: {}", f.severity.label(), f.id, f.text),
        basis: format!("({}{see})", f.rfc),
        evidence: f
            .evidence
            .iter()
            .map(|e| match e.msg {
                Some(_) => format!("{}: {}", evidence_ref(t, c, e.msg), e.text),
                None => e.text.to_string(),
            })
            .collect(),
    }
}

/// `#3 (frame 17)`: a message of the call as the ladder numbers it; with
/// several inputs the frame's input is named (`#3 (b.pcap frame 6)`), as
/// problem lines name it.
pub fn evidence_ref(t: &Triage, c: &Call, msg: Option<u32>) -> String {
    match msg.and_then(|m| c.msgs.get(m as usize).map(|x| (m, x))) {
        Some((m, x)) if t.sources.len() > 1 => {
            let name = t
                .sources
                .get(x.file as usize)
                .map_or_else(|| format!("file {}", x.file + 1), |s| s.path.clone());
            format!(
                "#{} ({} frame {})",
                m + 1,
                crate::sanitize::inline(&name),
                x.frame
            )
        }
        Some((m, x)) => format!("#{} (frame {})", m + 1, x.frame),
        None => "-".to_string(),
    }
}

/// The call in plain text.
pub fn text(t: &Triage, kb: &Kb, c: &Call, st: TextStyle) -> String {
    let mut o = Out::new(st);
    header(t, &mut o);
    o.heading(&format!("Call {}", call_id(c)));
    for (k, v) in facts(t, kb, c) {
        o.para(&format!("  {k}: "), "      ", &v);
    }
    o.heading("Ladder");
    for l in ladder(t, kb, c, st) {
        o.raw(l);
    }
    o.heading(&format!("Findings: {}", c.findings.len()));
    if c.findings.is_empty() {
        o.para(
            "  ",
            "  ",
            "none: nothing in this call matches a known problem.",
        );
    }
    for f in &c.findings {
        let w = finding_words(t, c, f);
        o.para("  ", "    ", &w.head);
        o.para("    ", "    ", &w.basis);
        for line in &w.evidence {
            o.para("    - ", "      ", line);
        }
    }
    match explain(c, kb) {
        Some(x) => {
            let m = &c.msgs[x.msg as usize];
            o.heading(&format!(
                "The failing response explained (#{}: {})",
                x.msg + 1,
                code_label(t, kb, c, x.msg, m.code)
            ));
            // Laid out as `sipfix explain` lays it out, in the same style.
            let body = crate::render::to_text(&message::to_doc(&x.explanation), st);
            o.lines.extend(body.lines().map(str::to_string));
            if let Some((req, steps)) = &x.request {
                request_values(&mut o, &x.explanation, *req, steps);
            }
        }
        None if failing_response(c).is_some() => {
            o.heading("The failing response");
            o.para(
                "  ",
                "  ",
                "its bytes were not kept (the selected calls exceed the memory limit).",
            );
        }
        None => {}
    }
    o.finish()
}

fn request_values(o: &mut Out, e: &Explanation, req: u32, steps: &[Vec<(String, Vec<String>)>]) {
    if steps.iter().all(Vec::is_empty) {
        return;
    }
    o.heading(&format!(
        "What the request (#{}) says for each step",
        req + 1
    ));
    for (step, vals) in e.checklist.iter().zip(steps) {
        if vals.is_empty() {
            continue;
        }
        o.para(
            "  ",
            "     ",
            &format!("{}. {}", step.step, sanitize::inline(&step.title)),
        );
        for (name, v) in vals {
            if is_body(name) {
                // Sentences already sanitised and bounded: one line each.
                for f in v {
                    o.para("     ", "       ", f);
                }
                continue;
            }
            let shown: Vec<String> = v.iter().take(8).map(|s| super::clip(s, 80)).collect();
            o.para(
                "     ",
                "       ",
                &format!("{}: {}", sanitize::inline(name), shown.join(", ")),
            );
        }
    }
}

/// True for the request's body facts among a step's values (`body
/// (sdp-media)`): findings in sentences, not header values.
fn is_body(name: &str) -> bool {
    name.starts_with("body (")
}

/// The call as Markdown, for a ticket; `ascii` draws the ladder with
/// ASCII arrows (the caller folds the rest of the text, see
/// [`crate::render::fold`]).
pub fn markdown(t: &Triage, kb: &Kb, c: &Call, ascii: bool) -> String {
    let mut s = format!(
        "## SIP call {}\n\n",
        md_code(&sanitize::shown_ident(&c.call_id))
    );
    for (k, v) in facts(t, kb, c) {
        s.push_str(&format!("**{}:** {}  \n", md_escape(&k), md_escape(&v)));
    }
    s.push_str("\n### Ladder\n\n```text\n");
    let st = TextStyle {
        width: 100,
        color: false,
        ascii,
    };
    for l in ladder(t, kb, c, st) {
        s.push_str(&l.replace("```", "'''"));
        s.push('\n');
    }
    s.push_str("```\n\n");
    s.push_str(&format!("### Findings ({})\n\n", c.findings.len()));
    if c.findings.is_empty() {
        s.push_str("None.\n\n");
    }
    for f in &c.findings {
        let see = f
            .code
            .map(|code| format!("; see {}", md_code(&format!("sipfix show {code}"))))
            .unwrap_or_default();
        s.push_str(&format!(
            "- **{} {}**: {} ({}{see})\n",
            f.severity.label(),
            md_code(f.id),
            md_escape(&f.text),
            md_escape(f.rfc)
        ));
        for e in &f.evidence {
            match e.msg {
                Some(_) => s.push_str(&format!(
                    "  - {}: {}\n",
                    md_escape(&evidence_ref(t, c, e.msg)),
                    md_escape(&e.text)
                )),
                None => s.push_str(&format!("  - {}\n", md_escape(&e.text))),
            }
        }
    }
    s.push('\n');
    if let Some(x) = explain(c, kb) {
        s.push_str(&format!(
            "### The failing response explained (#{})\n\n",
            x.msg + 1
        ));
        // One level deeper than this document's own sections.
        let mut fence = false;
        for line in message::render_markdown(&x.explanation).lines() {
            if line.starts_with("```") {
                fence = !fence;
            }
            if !fence && line.starts_with('#') {
                s.push_str("##");
            }
            s.push_str(line);
            s.push('\n');
        }
        if let Some((req, steps)) = &x.request
            && !steps.iter().all(Vec::is_empty)
        {
            s.push_str(&format!(
                "\n### What the request (#{}) says for each step\n\n",
                req + 1
            ));
            for (step, vals) in x.explanation.checklist.iter().zip(steps) {
                if vals.is_empty() {
                    continue;
                }
                s.push_str(&format!("{}. {}\n", step.step, md_escape(&step.title)));
                for (name, v) in vals {
                    if is_body(name) {
                        for f in v {
                            s.push_str(&format!("   - {}\n", md_escape(f)));
                        }
                        continue;
                    }
                    let shown: Vec<String> = v
                        .iter()
                        .take(8)
                        .map(|x| md_code(&super::clip(x, 80)))
                        .collect();
                    s.push_str(&format!("   - {}: {}\n", md_escape(name), shown.join(", ")));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::model::{Keep, Options};
    use crate::trace::testkit::{Step, analyze_with, ep, request, response, sdp};

    /// A 488 without a body: the steps about SDP show the INVITE's offer
    /// decoded (its m= line, codecs, direction), in text and Markdown.
    #[test]
    fn a_488_steps_show_the_offer_of_the_invite() {
        let (a, b) = (ep("10.0.0.1:5060"), ep("10.0.0.2:5060"));
        let offer = sdp("0 18").replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n");
        let inv = request("INVITE", "c488", 1, "z9hG4bK-1", None, &[], &offer);
        let rej = response(&inv, 488, Some("b"), &[]);
        let opts = Options {
            keep: Keep::All,
            ..Options::default()
        };
        let t = analyze_with(&[Step::new(0, a, b, &inv), Step::new(40, b, a, &rej)], opts);
        let c = &t.calls[0];
        let kb = Kb::embedded();
        let text = text(&t, kb, c, TextStyle::default());
        let (_, req) = text
            .split_once("What the request (#1) says for each step")
            .unwrap_or_else(|| panic!("{text}"));
        for needle in [
            "SDP m=audio port 4000 RTP/AVP: 0 PCMU/8000, 18 G729/8000",
            "SDP m=audio: RTP/AVP is plain RTP",
            "SDP m=audio port 4000: sendonly (session level), address 10.0.0.1 -- this\n",
        ] {
            assert!(req.contains(needle), "{needle}: {req}");
        }
        let md = markdown(&t, kb, c, true);
        assert!(
            md.contains("   - SDP m=audio port 4000 RTP/AVP: 0 PCMU/8000, 18 G729/8000\n"),
            "{md}"
        );
    }
}
