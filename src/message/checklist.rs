//! Ties a code's how-to-fix checklist to one message: for each step, the
//! values this message has for the headers the step inspects, and what they
//! say.

use super::body::{formats_words, keys_words, transport_words};
use super::headers::{self, split_list};
use super::model::{BodyInfo, Explanation, HeaderValues, Kind, MAX_VALUES, SdpInfo, StepFinding};
use super::text::excerpt;
use crate::kb::Kb;

/// Findings listed per header, at most (hostile input can carry thousands).
const MAX_PER_HEADER: usize = 20;

/// The checklist of the explanation's status code (for a code without an
/// entry, the one a client reads it as: its x00, 183 for a 1xx), each step
/// with this message's header values and findings. Empty for requests and
/// invalid codes.
pub fn findings(e: &Explanation, kb: &Kb) -> Vec<StepFinding> {
    let Some(code) = e.code else {
        return Vec::new();
    };
    let Ok(l) = kb.lookup(code) else {
        return Vec::new();
    };
    l.entry
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            // Long advice goes with the first step that inspects its header.
            let first_with = |h: &str| {
                l.entry.steps[..i]
                    .iter()
                    .all(|st| !st.headers.iter().any(|x| x.eq_ignore_ascii_case(h)))
            };
            let ctx = Ctx {
                kb,
                allow_advice: first_with("Allow"),
                reason_verdict: first_with("Reason"),
            };
            if !step.applies_to(e.cseq_method.as_deref()) {
                return StepFinding {
                    step: i + 1,
                    title: step.title.to_string(),
                    headers: Vec::new(),
                    body: Vec::new(),
                    findings: vec![format!(
                        "for {} only: this {code} answers {}",
                        step.methods.join(" or "),
                        excerpt(e.cseq_method.as_deref().unwrap_or_default(), 30)
                    )],
                    applies: false,
                };
            }
            let mut hv = Vec::new();
            let mut out = Vec::new();
            for name in &step.headers {
                let canon = headers::canonical(name).into_owned();
                if hv.iter().any(|h: &HeaderValues| h.name == canon) {
                    continue;
                }
                let (values, total) = values_of(e, &canon);
                let found = finding_for(e, &ctx, &canon, &values);
                if total > MAX_PER_HEADER && found.len() >= MAX_PER_HEADER {
                    out.extend(found);
                    out.push(format!(
                        "... {total} values of {canon} in all; the first {MAX_PER_HEADER} are shown"
                    ));
                } else {
                    out.extend(found);
                }
                hv.push(HeaderValues {
                    name: canon,
                    values,
                });
            }
            if e.body.is_none() && !step.body.is_empty() {
                // One line per step; where to look instead, once.
                let first = l.entry.steps[..i].iter().all(|st| st.body.is_empty());
                out.push(no_body(e, first));
            } else {
                for fact in &step.body {
                    out.extend(body_findings(e, fact));
                }
            }
            StepFinding {
                step: i + 1,
                title: step.title.to_string(),
                headers: hv,
                body: step.body.iter().map(|b| b.to_string()).collect(),
                findings: out,
                applies: true,
            }
        })
        .collect()
}

/// The first [`MAX_VALUES`] values of a header in the explanation's header
/// list, and how many it has there in all.
fn values_of(e: &Explanation, name: &str) -> (Vec<String>, usize) {
    let list = headers::is_list(name);
    let mut out = Vec::new();
    let mut total = 0;
    for h in e
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
    {
        let values = if list {
            split_list(&h.value)
        } else {
            vec![h.value.as_str()]
        };
        total += values.len();
        let room = MAX_VALUES.saturating_sub(out.len());
        out.extend(values.into_iter().take(room).map(cut_value));
    }
    (out, total)
}

/// A header value for a step: the whole value is in the explanation's
/// `headers`; steps (several may inspect one header) carry at most
/// [`MAX_VALUE_BYTES`] of it.
fn cut_value(v: &str) -> String {
    if v.len() <= MAX_VALUE_BYTES {
        return v.to_string();
    }
    let mut end = MAX_VALUE_BYTES;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes in all)", &v[..end], v.len())
}

/// Bytes of one header value carried by a checklist step, at most.
const MAX_VALUE_BYTES: usize = 1024;

fn joined(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(12).map(|v| excerpt(v, 60)).collect();
    let mut s = shown.join(", ");
    if values.len() > 12 {
        s.push_str(&format!(", ... ({} in all)", values.len()));
    }
    s
}

/// What [`finding_for`] needs besides the explanation.
struct Ctx<'k> {
    kb: &'k Kb,
    /// Add the 405/501 Allow advice (first step inspecting Allow only).
    allow_advice: bool,
    /// Add the Reason verdicts (first step inspecting Reason only).
    reason_verdict: bool,
}

fn finding_for(e: &Explanation, ctx: &Ctx<'_>, name: &str, values: &[String]) -> Vec<String> {
    let present = e.headers.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    let code = e.code.unwrap_or(0);
    if !present {
        let request_only = headers::def(name).is_some_and(|d| d.request_only);
        let hint = match name {
            _ if request_only && e.kind == Kind::Response => {
                format!(" ({name} is a request header: look at the request this {code} answers)")
            }
            "Retry-After" if code == 503 => {
                " (no time given: a proxy tries another server at once, a client may retry \
                 later, RFC 3261 §21.5.4)"
                    .to_string()
            }
            "Allow" if code == 405 => " (a 405 must carry one, RFC 3261 §21.4.6)".to_string(),
            "User-Agent" if e.sender.server.is_some() => {
                " (responses usually carry Server instead, see above)".to_string()
            }
            "Server" if e.sender.user_agent.is_some() => {
                " (the sender identifies itself with User-Agent instead)".to_string()
            }
            "Server" | "User-Agent" => {
                " (the sender does not identify itself; see Via and the capture point)".to_string()
            }
            _ => String::new(),
        };
        return vec![format!("no {name} header in this message{hint}")];
    }
    if values.is_empty() {
        return vec![format!("{name} is present but empty")];
    }
    let shown = joined(values);
    match name {
        "Allow" => {
            let mut s = format!("Allow: {shown}");
            if let Some(m) = &e.cseq_method {
                let listed = e.allow.iter().any(|a| a == m);
                s.push_str(&format!(
                    " -- {} is {}listed",
                    excerpt(m, 30),
                    if listed { "" } else { "not " }
                ));
            }
            let mut out = vec![s];
            if let Some(a) = e.allow_advice.as_ref().filter(|_| ctx.allow_advice) {
                out.push(a.clone());
            }
            out
        }
        "Allow-Events" => {
            let mut s = format!("Allow-Events: {shown}");
            if let Some(ev) = &e.event {
                let listed = e
                    .allow_events
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&ev.package));
                s.push_str(&format!(
                    " -- {} is {}listed",
                    excerpt(&ev.package, 30),
                    if listed { "" } else { "not " }
                ));
            }
            vec![s]
        }
        "Retry-After" => one(name, values, e.retry_after.as_ref().map(|r| &r.meaning)),
        "Min-Expires" => one(name, values, e.min_expires.as_ref().map(|r| &r.meaning)),
        "Min-SE" => one(name, values, e.min_se.as_ref().map(|r| &r.meaning)),
        "Session-Expires" => one(name, values, e.session_expires.as_ref().map(|r| &r.meaning)),
        "Subscription-State" => one(
            name,
            values,
            e.subscription_state.as_ref().map(|r| &r.meaning),
        ),
        "Event" => one(name, values, e.event.as_ref().map(|r| &r.meaning)),
        "Supported" | "Require" | "Unsupported" | "Proxy-Require" => values
            .iter()
            .take(MAX_PER_HEADER)
            .map(|t| {
                let info = e.option_tags.iter().find(|o| o.tag.eq_ignore_ascii_case(t));
                let about = match info {
                    Some(o) if o.known => o.summary.clone().unwrap_or_default(),
                    _ => "not a registered option tag (a vendor extension or a typo)".to_string(),
                };
                format!("{name}: {} -- {about}", excerpt(t, 40))
            })
            .collect(),
        "Warning" => e
            .warnings
            .iter()
            .take(MAX_PER_HEADER)
            .map(|w| {
                format!(
                    "Warning: {} {} \"{}\" -- {}",
                    excerpt(&w.raw_code, 12),
                    excerpt(&w.agent, 40),
                    excerpt(&w.text, 80),
                    w.meaning
                )
            })
            .collect(),
        "Reason" => {
            let mut out: Vec<String> = e
                .reasons
                .iter()
                .take(MAX_PER_HEADER)
                .map(|r| {
                    let cause = r.cause.map(|c| format!(";cause={c}")).unwrap_or_default();
                    format!(
                        "Reason: {}{cause} -- {}",
                        excerpt(&r.protocol, 20),
                        r.meaning
                    )
                })
                .collect();
            if ctx.reason_verdict {
                out.extend(reason_verdict(e, ctx.kb));
            }
            out
        }
        "WWW-Authenticate" | "Proxy-Authenticate" => e
            .challenges
            .iter()
            .filter(|c| c.header == name)
            .take(MAX_PER_HEADER)
            .map(|c| {
                let realm = c
                    .realm
                    .as_deref()
                    .map(|r| format!("realm \"{}\"", excerpt(r, 40)))
                    .unwrap_or_else(|| "no realm".to_string());
                let alg = c.algorithm.as_deref().unwrap_or("MD5 (default)");
                let verdict = if c.stale {
                    "stale=true: the nonce expired, the credentials were right; expect one \
                     retry with the new nonce"
                } else {
                    "no stale flag: if the request already had credentials, they were \
                     rejected (wrong user, password or realm)"
                };
                format!(
                    "{name}: {} {realm}, algorithm {} -- {verdict}",
                    excerpt(&c.scheme, 20),
                    excerpt(alg, 20)
                )
            })
            .collect(),
        "Accept" => vec![format!(
            "Accept: {shown} -- the request's body must be one of these types"
        )],
        "Accept-Encoding" => vec![format!(
            "Accept-Encoding: {shown} -- the body may only use these codings"
        )],
        "Accept-Language" => vec![format!(
            "Accept-Language: {shown} -- the body must be in one of these languages"
        )],
        "Server" | "User-Agent" => {
            let role = match (e.sender.product.as_deref(), e.sender.role) {
                (Some(p), _) => format!(" -- {p}"),
                (None, Some(r)) => format!(" -- {}", r.what()),
                (None, None) => String::new(),
            };
            vec![format!("{name}: {shown}{role}")]
        }
        "Via" => {
            let top = values.first().map(|v| excerpt(v, 60)).unwrap_or_default();
            vec![format!(
                "{} Via value{}; the first (most recent hop): {top}",
                values.len(),
                if values.len() == 1 { "" } else { "s" }
            )]
        }
        "CSeq" => vec![format!(
            "CSeq: {shown}{}",
            e.cseq_method
                .as_deref()
                .map(|m| format!(" -- this answers the {} request", excerpt(m, 30)))
                .unwrap_or_default()
        )],
        "Contact" if (300..400).contains(&code) => values
            .iter()
            .take(MAX_PER_HEADER)
            .map(|v| {
                format!(
                    "Contact: {} -- a target to retry the request at",
                    excerpt(v, 80)
                )
            })
            .collect(),
        _ => vec![format!("{name}: {shown}")],
    }
}

/// `Name: value -- meaning` for a single-valued decoded header.
fn one(name: &str, values: &[String], meaning: Option<&String>) -> Vec<String> {
    let v = values.first().map(|v| excerpt(v, 60)).unwrap_or_default();
    match meaning {
        Some(m) => vec![format!("{name}: {v} -- {m}")],
        None => vec![format!("{name}: {v}")],
    }
}

/// Short verdicts on the Reason values against the status code; the full
/// reasoning is in [`Explanation::reason_advice`].
fn reason_verdict(e: &Explanation, kb: &Kb) -> Vec<String> {
    let mut out = Vec::new();
    let Some(code) = e.code else {
        return out;
    };
    for r in e.reasons.iter().take(MAX_PER_HEADER) {
        let Some(c) = r.cause else { continue };
        if r.protocol.eq_ignore_ascii_case("SIP") && c != u64::from(code) {
            out.push(format!(
                "the SIP Reason {c} differs from the status {code}: an element further away \
                 answered {c} and one in between changed it"
            ));
        }
        if r.protocol.eq_ignore_ascii_case("Q.850") {
            let mapped = u8::try_from(c)
                .ok()
                .and_then(|c| kb.cause(c))
                .map(|x| x.sip.clone())
                .unwrap_or_default();
            if !mapped.is_empty() && !mapped.contains(&code) {
                let list: Vec<String> = mapped.iter().map(u16::to_string).collect();
                out.push(format!(
                    "Q.850 cause {c} maps to {} (RFC 3398), not {code}: the cause is nearer \
                     the root cause; the mapping to {code} happened at a gateway or B2BUA",
                    list.join(" or ")
                ));
            }
        }
    }
    out
}

/// "no body in this 183", with what that means for the code when `hint`.
fn no_body(e: &Explanation, hint: bool) -> String {
    let c = match (e.kind, e.code) {
        (Kind::Response, Some(c)) => c,
        _ => return "no body in this message".to_string(),
    };
    if !hint {
        return format!("no body in this {c}");
    }
    match c {
        // The answer to an offer in the INVITE may come early in a 1xx
        // (RFC 3261 §13.2.1), reliably with 100rel (RFC 3262).
        100..=199 => format!(
            "no SDP in this {c}: this leg has sent no early answer, so no early media comes \
             from it yet; the answer may come in a later 1xx (reliably with 100rel, RFC 3262) \
             or in the 2xx (RFC 3261 §13.2.1)"
        ),
        415 => format!(
            "no body in this {c}: the refused body is the one in the request it answers \
             (RFC 3261 §21.4.13); Accept, Accept-Encoding or Accept-Language here say what \
             would be taken"
        ),
        488 | 606 => format!(
            "no body in this {c}: it lists no capabilities of its sender; the SDP offer it \
             refused is in the request it answers"
        ),
        580 => format!(
            "no body in this {c}: the precondition lines (a=curr, a=des, a=conf, RFC 3312) \
             are in the SDP offer and answer exchanged before it; read them there"
        ),
        _ => format!("no body in this {c}: any body in question is in the request it answers"),
    }
}

/// The first SDP in a body: the body itself, or a part of a multipart one.
fn sdp_of(b: &BodyInfo) -> Option<&SdpInfo> {
    b.sdp.as_ref().or_else(|| b.parts.iter().find_map(sdp_of))
}

/// What this message's body says for one body fact of a step (see
/// [`crate::kb::BODY_FACTS`]); sanitised. The trace report uses it for
/// the request a failing response answers (the offer of a 488).
pub fn body_findings(e: &Explanation, fact: &str) -> Vec<String> {
    let what = match (e.kind, e.code) {
        (Kind::Response, Some(c)) => format!("this {c}"),
        _ => "this message".to_string(),
    };
    let Some(body) = &e.body else {
        return vec![no_body(e, true)];
    };
    if fact == "type" {
        let mut out = vec![format!("Body: {}", body.summary)];
        out.extend(
            body.parts
                .iter()
                .enumerate()
                .map(|(i, p)| format!("part {}: {}", i + 1, p.summary)),
        );
        return out;
    }
    let Some(sdp) = sdp_of(body) else {
        return vec![format!("no SDP in {what}: its body is {}", body.summary)];
    };
    if sdp.media.is_empty() {
        return vec!["the SDP has no m= line: it offers no media".to_string()];
    }
    let caps = sdp.capabilities;
    let mut out: Vec<String> = Vec::new();
    if caps && fact == "sdp-media" {
        let code = e.code.unwrap_or(0);
        let (what, rfc) = match code {
            488 => ("the callee", "RFC 3261 §21.4.26"),
            606 => ("the callee", "RFC 3261 §21.6.4"),
            _ => ("the answering side", "RFC 3261 §11.2"),
        };
        out.push(format!(
            "this SDP is not the offer: it lists what {what} supports, its capabilities \
             ({rfc}); compare its m= lines with the offer in the request. Port 0 is how \
             such a list is written (RFC 3264 §9), not a declined stream"
        ));
    }
    out.extend(sdp.media.iter().take(MAX_PER_HEADER).map(|m| {
        let name = format!("SDP m={}", excerpt(&m.media, 20));
        let port = match m.port {
            Some(0) if caps => "port 0 (a capability)".to_string(),
            Some(0) => "port 0 (declined)".to_string(),
            Some(p) => format!("port {p}"),
            None => "an invalid port".to_string(),
        };
        let transport = excerpt(&m.transport, 30);
        match fact {
            "sdp-media" => format!("{name} {port} {transport}: {}", formats_words(m, 12)),
            "sdp-security" => {
                let (words, _) = transport_words(&m.transport);
                let mut s = format!("{name}: {transport} is {words}{}", keys_words(m));
                if !m.secure && m.crypto {
                    s.push_str(
                        " -- a=crypto with a plain RTP profile: a peer that keeps to the \
                             profile ignores the keys",
                    );
                }
                s
            }
            "sdp-direction" if caps => format!(
                "{name} {port}: a capability, not a stream, so no direction or hold to \
                     read here"
            ),
            "sdp-direction" => {
                let addr = m.connection.as_deref().unwrap_or("none");
                let from = match m.direction_from.as_str() {
                    "session" => " (session level)",
                    "default" => " (no attribute: the default)",
                    _ => "",
                };
                let hold = if !m.declined
                    && (addr == "0.0.0.0" || m.direction == "sendonly" || m.direction == "inactive")
                {
                    " -- this looks like a hold"
                } else {
                    ""
                };
                format!(
                    "{name} {port}: {}{from}, address {}{hold}",
                    m.direction,
                    excerpt(addr, 60)
                )
            }
            _ => {
                let attrs = if m.attributes.is_empty() {
                    "no other a= lines".to_string()
                } else {
                    format!("a= {}", excerpt(&m.attributes.join(", "), 120))
                };
                let v6 = if m.connection.as_deref().is_some_and(|c| c.contains(':')) {
                    "; an IPv6 address in c="
                } else {
                    ""
                };
                format!("{name} {port}: {attrs}{v6}")
            }
        }
    }));
    let shown = sdp.media.len().min(MAX_PER_HEADER);
    let total = sdp.media.len() + sdp.more_media;
    if total > shown {
        out.push(format!(
            "... {total} m= lines in all; the first {shown} are shown"
        ));
    }
    out
}
