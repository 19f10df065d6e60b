//! The decoder: a [`Message`] plus the knowledge base to an [`Explanation`]
//! with stable JSON keys.

use super::checklist::{StepFinding, findings};
use super::headers::{self, HeaderDef, Params, split_list, split_outside, unquote};
use super::parse::check_delta;
use super::text::{Capped, MAX_32, NumError, excerpt, human_duration, parse_u64, q};
use super::{Header, Message, StartLine};
use crate::kb::{Class, Kb};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Everything sipfix can say about one message. Serialises with stable keys;
/// strings taken from the message are raw (renderers sanitise them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// `"response"` or `"request"`.
    pub kind: String,
    /// The valid status code, or null (request, or an invalid code).
    pub code: Option<u16>,
    /// The status-code field as written, for a response (valid or not).
    pub raw_code: Option<String>,
    /// The reason phrase as received (responses only).
    pub reason: Option<String>,
    /// The IANA-registered reason phrase of the code, when it is registered.
    pub registered_reason: Option<String>,
    /// A valid code that is not in the IANA registry: explained as the x00 of
    /// its class (RFC 3261 §8.1.3.2).
    pub unregistered: bool,
    /// The knowledge-base entry used to explain the code (the x00 of the
    /// class for a code without an entry of its own).
    pub explained_as: Option<u16>,
    /// `"4xx"` and so on.
    pub class: Option<String>,
    /// What a response of the class means.
    pub class_meaning: Option<String>,
    /// One-line summary of the code from the knowledge base.
    pub summary: Option<String>,
    /// The request method (requests only).
    pub method: Option<String>,
    /// The Request-URI (requests only).
    pub request_uri: Option<String>,
    /// The method in CSeq: for a response, the method of the request it answers.
    pub cseq_method: Option<String>,
    /// The CSeq number, when valid (at most 2^32-1).
    pub cseq: Option<u32>,
    pub call_id: Option<String>,
    pub sender: Sender,
    /// Allow, in message order.
    pub allow: Vec<String>,
    /// Registered methods missing from Allow (only when Allow is present).
    pub allow_missing: Vec<String>,
    /// For 405/501: whether the request's method is in Allow, and what it means.
    pub allow_advice: Option<String>,
    pub allow_events: Vec<String>,
    pub supported: Vec<String>,
    pub require: Vec<String>,
    pub unsupported: Vec<String>,
    pub proxy_require: Vec<String>,
    /// Every option tag seen in Supported, Require, Unsupported, Proxy-Require.
    pub option_tags: Vec<OptionTagInfo>,
    pub reasons: Vec<ReasonInfo>,
    /// Which Reason value to trust, and why.
    pub reason_advice: Option<String>,
    pub warnings: Vec<WarningInfo>,
    pub retry_after: Option<RetryAfter>,
    pub min_expires: Option<Interval>,
    pub min_se: Option<Interval>,
    pub session_expires: Option<Interval>,
    pub subscription_state: Option<SubscriptionState>,
    pub event: Option<EventInfo>,
    /// For 489: the Event package against Allow-Events.
    pub event_advice: Option<String>,
    pub challenges: Vec<Challenge>,
    pub accept: Vec<String>,
    pub accept_encoding: Vec<String>,
    pub accept_language: Vec<String>,
    pub content_type: Option<String>,
    /// The Content-Length value, when present, numeric and unambiguous.
    pub content_length: Option<u64>,
    /// The size of the body actually found, in bytes.
    pub body_length: usize,
    /// Every header in message order, with a one-line meaning.
    pub headers: Vec<HeaderInfo>,
    /// The code's how-to-fix steps with this message's values (see [`findings`]).
    pub checklist: Vec<StepFinding>,
    /// Observations that are not errors (unknown method, unregistered code...).
    pub notes: Vec<String>,
    /// Everything malformed or suspicious, one sentence each.
    pub problems: Vec<String>,
}

/// Who likely sent the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sender {
    pub server: Option<String>,
    pub user_agent: Option<String>,
    pub via_count: usize,
    /// The first Via value (the latest hop of the request).
    pub top_via: Option<String>,
    /// The product recognised in Server / User-Agent.
    pub product: Option<String>,
    /// Its role: proxy, sbc, pbx, gateway, phone, service, tool, scanner.
    pub role: Option<String>,
    /// A sentence or three on which element likely sent it.
    pub likely: String,
}

/// An option tag seen in the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionTagInfo {
    pub tag: String,
    /// True for an IANA-registered option tag.
    pub known: bool,
    pub reference: Option<String>,
    pub summary: Option<String>,
    /// The headers it appears in.
    pub headers: Vec<String>,
}

/// One Reason header value (RFC 3326).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonInfo {
    /// The protocol as written (`Q.850`, `SIP`).
    pub protocol: String,
    pub cause: Option<u64>,
    pub text: Option<String>,
    /// Decoded: the cause's name and RFC 3398 mapping, or the SIP code.
    pub meaning: String,
}

/// One Warning header value (RFC 3261 §20.43).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningInfo {
    /// The warn-code when it is three digits.
    pub code: Option<u16>,
    /// The warn-code field as written.
    pub raw_code: String,
    pub agent: String,
    pub text: String,
    pub meaning: String,
    /// Three digits from 300 to 399.
    pub valid: bool,
    /// Listed in the IANA warn-code registry.
    pub registered: bool,
}

/// Retry-After (RFC 3261 §20.33).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryAfter {
    /// Seconds, when numeric and representable (never wrapped).
    pub seconds: Option<u64>,
    pub comment: Option<String>,
    /// The `duration` parameter, in seconds.
    pub duration: Option<u64>,
    /// In words: "retry in 2 minutes (maintenance)".
    pub meaning: String,
}

/// A seconds value with an optional refresher (Min-Expires, Min-SE,
/// Session-Expires).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub value: Option<u64>,
    /// `uac` or `uas` (Session-Expires only).
    pub refresher: Option<String>,
    pub meaning: String,
}

/// Subscription-State (RFC 6665).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionState {
    pub state: String,
    pub reason: Option<String>,
    pub expires: Option<u64>,
    pub retry_after: Option<u64>,
    pub meaning: String,
}

/// Event (RFC 6665).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    pub package: String,
    pub id: Option<String>,
    pub meaning: String,
}

/// One authentication challenge (WWW-Authenticate / Proxy-Authenticate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenge {
    /// The header it came from.
    pub header: String,
    pub scheme: String,
    pub realm: Option<String>,
    pub nonce: Option<String>,
    pub algorithm: Option<String>,
    pub qop: Vec<String>,
    pub stale: bool,
    /// True when an `opaque` parameter is present.
    pub opaque: bool,
    pub domain: Option<String>,
    /// What this challenge tells the engineer.
    pub advice: Vec<String>,
}

/// One header with its decoded or generic meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderInfo {
    pub name: std::borrow::Cow<'static, str>,
    pub value: String,
    pub meaning: String,
    /// 1-based line in the input.
    pub line: usize,
}

/// Decode a message with the knowledge base. Never panics; anything odd is
/// listed in `problems` or `notes`.
pub fn explain(msg: &Message, kb: &Kb) -> Explanation {
    let mut d = Decoder {
        kb,
        problems: Capped::from_vec(msg.problems.clone(), MAX_DECODE_PROBLEMS),
        notes: Capped::new(MAX_NOTES),
    };
    let mut e = Explanation {
        kind: if msg.is_response() {
            "response"
        } else {
            "request"
        }
        .to_string(),
        code: None,
        raw_code: None,
        reason: None,
        registered_reason: None,
        unregistered: false,
        explained_as: None,
        class: None,
        class_meaning: None,
        summary: None,
        method: None,
        request_uri: None,
        cseq_method: None,
        cseq: None,
        call_id: msg.header("Call-ID").map(str::to_string),
        sender: Sender {
            server: None,
            user_agent: None,
            via_count: 0,
            top_via: None,
            product: None,
            role: None,
            likely: String::new(),
        },
        allow: Vec::new(),
        allow_missing: Vec::new(),
        allow_advice: None,
        allow_events: Vec::new(),
        supported: Vec::new(),
        require: Vec::new(),
        unsupported: Vec::new(),
        proxy_require: Vec::new(),
        option_tags: Vec::new(),
        reasons: Vec::new(),
        reason_advice: None,
        warnings: Vec::new(),
        retry_after: None,
        min_expires: None,
        min_se: None,
        session_expires: None,
        subscription_state: None,
        event: None,
        event_advice: None,
        challenges: Vec::new(),
        accept: Vec::new(),
        accept_encoding: Vec::new(),
        accept_language: Vec::new(),
        content_type: None,
        content_length: None,
        body_length: msg.body.len(),
        headers: Vec::with_capacity(msg.headers.len()),
        checklist: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
    };

    d.start_line(msg, &mut e);
    // Each header's position in the header table, looked up once.
    let idx: Vec<Option<usize>> = msg
        .headers
        .iter()
        .map(|h| headers::index(&h.name))
        .collect();
    let defs: Vec<Option<&'static HeaderDef>> = idx
        .iter()
        .map(|i| i.map(|i| &headers::HEADERS[i]))
        .collect();
    d.collect(msg, &defs, &mut e);
    d.required_headers(msg, &e);
    e.sender = d.sender(msg, &e);
    d.allow_advice(&mut e);
    d.reason_advice(&mut e);
    d.event_advice(&mut e);
    e.headers = header_infos(msg, &idx, &e);
    e.notes = d.notes.finish();
    e.problems = d.problems.finish();
    e.checklist = findings(&e, kb);
    e
}

/// Problems the decoder adds beyond the parser's, at most.
const MAX_DECODE_PROBLEMS: usize = 200;
/// Notes kept, at most.
const MAX_NOTES: usize = 50;

struct Decoder<'k> {
    kb: &'k Kb,
    problems: Capped,
    notes: Capped,
}

impl Decoder<'_> {
    fn start_line(&mut self, msg: &Message, e: &mut Explanation) {
        match &msg.start {
            StartLine::Response {
                code,
                raw_code,
                reason,
                ..
            } => {
                e.code = *code;
                e.raw_code = Some(raw_code.clone());
                e.reason = Some(reason.clone());
                if let Some(code) = *code {
                    self.code(code, reason, e);
                }
            }
            StartLine::Request { method, uri, .. } => {
                e.method = Some(method.clone());
                e.request_uri = Some(uri.clone());
                self.method(method);
                self.uri_scheme(uri);
            }
        }
    }

    fn code(&mut self, code: u16, reason: &str, e: &mut Explanation) {
        if let Some(class) = Class::of(code) {
            e.class = Some(class.label().to_string());
            e.class_meaning = Some(class.meaning().to_string());
        }
        let Ok(l) = self.kb.lookup(code) else {
            e.unregistered = true;
            return;
        };
        let registered = !l.fallback && l.entry.registered;
        e.unregistered = !registered;
        e.explained_as = Some(l.entry.code);
        e.summary = Some(l.entry.summary.to_string());
        if registered {
            e.registered_reason = Some(l.entry.reason.to_string());
            if reason.is_empty() {
                self.notes.push(format!(
                    "the reason phrase is empty (allowed); the registered phrase for {code} \
                     is '{}'",
                    l.entry.reason
                ));
            } else if !reason.trim().eq_ignore_ascii_case(&l.entry.reason) {
                self.notes.push(format!(
                    "the reason phrase {} differs from the registered '{}': only the code \
                     counts, the phrase is for humans (RFC 3261 §7.2)",
                    q(reason),
                    l.entry.reason
                ));
            }
        } else {
            let base = (code / 100) * 100;
            let base_reason = self
                .kb
                .get(base)
                .map(|b| format!(" {}", b.reason))
                .unwrap_or_default();
            let seen = if l.fallback {
                String::new()
            } else {
                format!(" (seen in the wild as '{}')", l.entry.reason)
            };
            self.notes.push(format!(
                "{code} is not in the IANA registry{seen}: an element that does not know \
                 it treats it as {base}{base_reason} (RFC 3261 §8.1.3.2)"
            ));
        }
    }

    fn method(&mut self, method: &str) {
        if self.kb.method(method).is_some() || self.kb.methods.is_empty() {
            return;
        }
        let upper = method.to_ascii_uppercase();
        if upper != method && self.kb.method(&upper).is_some() {
            self.notes.push(format!(
                "method {} is not registered; methods are case-sensitive: did you mean {upper}?",
                q(method)
            ));
        } else {
            self.notes.push(format!(
                "method {} is not a registered SIP method (an extension or a typo); a user \
                 agent that does not know it answers 501 Not Implemented (RFC 3261 §8.2.1)",
                q(method)
            ));
        }
    }

    fn uri_scheme(&mut self, uri: &str) {
        let scheme = uri.trim_start_matches('<').split(':').next().unwrap_or("");
        if uri.contains(':')
            && !["sip", "sips", "tel", "urn"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(scheme))
        {
            self.notes.push(format!(
                "the Request-URI scheme {} is not sip, sips or tel; an element that does not \
                 support it answers 416 Unsupported URI Scheme",
                q(scheme)
            ));
        }
    }

    /// One pass over the headers, filling the decoded fields.
    fn collect(&mut self, msg: &Message, defs: &[Option<&'static HeaderDef>], e: &mut Explanation) {
        let mut reason_protocols: HashSet<String> = HashSet::new();
        let mut seen_retry = 0usize;
        let mut cl_values: Vec<&str> = Vec::new();
        for (i, h) in msg.headers.iter().enumerate() {
            let name: &str = defs[i].map_or(h.name.as_ref(), |d| d.name);
            let v = h.value.as_str();
            match name {
                "CSeq" if e.cseq_method.is_none() && e.cseq.is_none() => {
                    let mut it = v.split_ascii_whitespace();
                    e.cseq = it
                        .next()
                        .and_then(|n| parse_u64(n).ok())
                        .filter(|n| *n <= MAX_32)
                        .map(|n| n as u32);
                    e.cseq_method = it.next().map(str::to_string);
                }
                "Via" | "Contact" if stray_separators(v) => {
                    self.problems.push(format!(
                        "{name} (line {}) has empty list elements or parameters: stray ',' or \
                         ';' (RFC 4475 §3.1.2.1 calls this invalid)",
                        h.line
                    ));
                    if name == "Via" {
                        self.via(v, e);
                    }
                }
                "Via" => self.via(v, e),
                "Server" if e.sender.server.is_none() => e.sender.server = Some(v.to_string()),
                "User-Agent" if e.sender.user_agent.is_none() => {
                    e.sender.user_agent = Some(v.to_string())
                }
                "Allow" => e
                    .allow
                    .extend(split_list(v).into_iter().map(str::to_string)),
                "Allow-Events" => e
                    .allow_events
                    .extend(split_list(v).into_iter().map(str::to_string)),
                "Supported" => e.supported.extend(tags(v)),
                "Require" => e.require.extend(tags(v)),
                "Unsupported" => e.unsupported.extend(tags(v)),
                "Proxy-Require" => e.proxy_require.extend(tags(v)),
                "Reason" => {
                    for r in split_list(v) {
                        let info = self.reason(r);
                        let p = info.protocol.to_ascii_uppercase();
                        if !reason_protocols.insert(p) {
                            self.problems.push(format!(
                                "more than one Reason value with protocol {}: RFC 3326 allows \
                                 one per protocol (RFC 9366 relaxes this only for protocols \
                                 that define it)",
                                q(&info.protocol)
                            ));
                        }
                        e.reasons.push(info);
                    }
                }
                "Warning" => {
                    for w in split_list(v) {
                        let info = self.warning(w);
                        e.warnings.push(info);
                    }
                }
                "Retry-After" => {
                    seen_retry += 1;
                    if e.retry_after.is_none() {
                        e.retry_after = Some(self.retry_after(v));
                    }
                }
                "Min-Expires" if e.min_expires.is_none() => {
                    e.min_expires = Some(self.min_interval("Min-Expires", v))
                }
                "Min-SE" if e.min_se.is_none() => e.min_se = Some(self.min_interval("Min-SE", v)),
                "Session-Expires" if e.session_expires.is_none() => {
                    e.session_expires = Some(self.session_expires(v))
                }
                "Subscription-State" if e.subscription_state.is_none() => {
                    e.subscription_state = Some(self.subscription_state(v))
                }
                "Event" if e.event.is_none() => e.event = Some(event(v)),
                "WWW-Authenticate" | "Proxy-Authenticate" => {
                    for c in parse_challenges(v) {
                        let c = self.challenge(name, c, e.code);
                        e.challenges.push(c);
                    }
                }
                "Accept" => e
                    .accept
                    .extend(split_list(v).into_iter().map(str::to_string)),
                "Accept-Encoding" => e
                    .accept_encoding
                    .extend(split_list(v).into_iter().map(str::to_string)),
                "Accept-Language" => e
                    .accept_language
                    .extend(split_list(v).into_iter().map(str::to_string)),
                "Content-Type" if e.content_type.is_none() => e.content_type = Some(v.to_string()),
                "Content-Length" => cl_values.push(v.trim()),
                _ => {}
            }
        }
        if seen_retry > 1 {
            self.problems.push(format!(
                "Retry-After appears {seen_retry} times; only one is allowed"
            ));
        }
        if let Some(first) = cl_values.first()
            && cl_values.iter().all(|v| v == first)
        {
            e.content_length = parse_u64(first).ok();
        }
        self.option_tags(e);
        if !e.allow.is_empty() || msg.header("Allow").is_some() {
            e.allow_missing = self
                .kb
                .methods
                .iter()
                .filter(|m| !e.allow.iter().any(|a| *a == m.name))
                .map(|m| m.name.to_string())
                .collect();
        }
    }

    fn via(&mut self, v: &str, e: &mut Explanation) {
        for via in split_list(v) {
            if e.sender.top_via.is_none() {
                e.sender.top_via = Some(via.to_string());
            }
            e.sender.via_count += 1;
            if via.contains("255.255.255.255") {
                self.problems.push(
                    "a Via names the broadcast address 255.255.255.255: a \
                                 response must never be sent there"
                        .to_string(),
                );
            }
        }
    }

    fn option_tags(&mut self, e: &mut Explanation) {
        let lists: [(&str, &Vec<String>); 4] = [
            ("Supported", &e.supported),
            ("Require", &e.require),
            ("Unsupported", &e.unsupported),
            ("Proxy-Require", &e.proxy_require),
        ];
        let mut out: Vec<OptionTagInfo> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (header, list) in lists {
            for tag in list {
                let key = tag.to_ascii_lowercase();
                if let Some(&i) = index.get(&key) {
                    let t = &mut out[i];
                    if !t.headers.iter().any(|h| h == header) {
                        t.headers.push(header.to_string());
                    }
                    continue;
                }
                let known = self.kb.option_tag(tag);
                index.insert(key, out.len());
                out.push(OptionTagInfo {
                    tag: tag.clone(),
                    known: known.is_some(),
                    reference: known.map(|k| k.reference.to_string()),
                    summary: Some(match known {
                        Some(k) => k.summary.to_string(),
                        None => {
                            "not a registered option tag: a vendor extension or a typo".to_string()
                        }
                    }),
                    headers: vec![header.to_string()],
                });
            }
        }
        e.option_tags = out;
    }

    fn reason(&mut self, r: &str) -> ReasonInfo {
        let p = Params::parse(r);
        let protocol = p.main.to_string();
        let raw_cause = p.get("cause");
        let cause = match raw_cause.as_deref() {
            None => {
                self.problems.push(format!(
                    "Reason {} has no cause parameter (RFC 3326 requires one)",
                    q(r)
                ));
                None
            }
            Some(c) => match parse_u64(c) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.problems
                        .push(format!("Reason cause {} is not a number", q(c)));
                    None
                }
            },
        };
        let text = p.get("text");
        let meaning = if protocol.eq_ignore_ascii_case("Q.850") {
            self.q850_meaning(cause)
        } else if protocol.eq_ignore_ascii_case("SIP") {
            self.sip_reason_meaning(cause, text.as_deref())
        } else if protocol.eq_ignore_ascii_case("preemption") {
            "a preemption event: the call was ended for a higher-priority one (RFC 4411)"
                .to_string()
        } else {
            format!(
                "protocol {}: sipfix decodes SIP and Q.850 causes only",
                q(&protocol)
            )
        };
        ReasonInfo {
            protocol,
            cause,
            text,
            meaning,
        }
    }

    fn q850_meaning(&mut self, cause: Option<u64>) -> String {
        let Some(c) = cause else {
            return "Q.850 cause not given".to_string();
        };
        if !(1..=127).contains(&c) {
            self.problems.push(format!(
                "Q.850 cause {c} is outside 1 to 127, the range of ISDN cause values"
            ));
            return format!("Q.850 cause {c}: not a valid cause value");
        }
        let Some(cause) = self.kb.cause(c as u8) else {
            return format!("Q.850 cause {c}: not in sipfix's table (unassigned?)");
        };
        let mut s = format!("Q.850 cause {c} {} ({})", cause.name, cause.class);
        let (sip, default) = self.kb.sip_for_cause(cause);
        if sip.is_empty() {
            s.push_str("; RFC 3398 sends no SIP response for it");
        } else {
            let codes: Vec<String> = sip
                .iter()
                .map(|code| match self.kb.get(*code) {
                    Some(en) => format!("{code} {}", en.reason),
                    None => code.to_string(),
                })
                .collect();
            s.push_str(&format!(
                "; RFC 3398 maps it to {}{}",
                codes.join(" or "),
                if default {
                    " (its default: the table has no row for it)"
                } else {
                    ""
                }
            ));
        }
        for dev in self.kb.deviations_for_cause(c as u8) {
            self.notes.push(format!(
                "{} maps Q.850 cause {c} differently: {}",
                dev.vendor, dev.note
            ));
        }
        s
    }

    fn sip_reason_meaning(&mut self, cause: Option<u64>, text: Option<&str>) -> String {
        let Some(c) = cause else {
            return "SIP cause not given".to_string();
        };
        let valid = (100..=699).contains(&c);
        if !valid {
            self.problems.push(format!(
                "Reason SIP cause {c} is not a status code (100 to 699)"
            ));
            return format!("SIP cause {c}: not a status code");
        }
        let code = c as u16;
        let mut s = match self.kb.get(code) {
            Some(en) => format!("SIP {code} {}: {}", en.reason, en.summary),
            None => format!("SIP {code}"),
        };
        if code == 200 && text.is_some_and(|t| t.to_ascii_lowercase().contains("elsewhere")) {
            s = "SIP 200, call completed elsewhere: another device answered the forked call; \
                 this is not an error"
                .to_string();
        }
        s
    }

    fn warning(&mut self, w: &str) -> WarningInfo {
        let (raw_code, rest) = w.split_once([' ', '\t']).unwrap_or((w, ""));
        let rest = rest.trim_start();
        let (agent, text) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
        let text = unquote(text.trim());
        if agent.is_empty() || text.is_empty() && !w.contains('"') {
            self.problems.push(format!(
                "Warning {} is not 'code agent \"text\"' (RFC 3261 §20.43)",
                q(w)
            ));
        }
        let digits = raw_code.len() == 3 && raw_code.bytes().all(|b| b.is_ascii_digit());
        let code: Option<u16> = if digits { raw_code.parse().ok() } else { None };
        let valid = code.is_some_and(|c| (300..=399).contains(&c));
        let reg = code.and_then(|c| self.kb.warn_code(c));
        let meaning = match (code, reg) {
            (Some(_), Some(r)) if valid => format!("{}: {}", r.text, r.meaning),
            (Some(c), None) if valid => {
                self.problems.push(format!(
                    "warn-code {c} is not in the IANA warn-code registry"
                ));
                format!("unregistered warn-code {c}: only the text can tell what it means")
            }
            (Some(c), _) => {
                self.problems.push(format!(
                    "warn-code {c} is outside 300 to 399, the range RFC 3261 §20.43 defines"
                ));
                format!("invalid warn-code {c}: outside 300 to 399")
            }
            (None, _) => {
                self.problems.push(format!(
                    "warn-code {} is not three digits (RFC 3261 §20.43)",
                    q(raw_code)
                ));
                format!("invalid warn-code {}", excerpt(raw_code, 20))
            }
        };
        WarningInfo {
            code,
            raw_code: raw_code.to_string(),
            agent: agent.to_string(),
            text,
            meaning,
            valid,
            registered: reg.is_some() && valid,
        }
    }

    /// A delta-seconds value: `Some` when representable, with problems for
    /// values beyond 2^32-1 (never wrapped) and absurd lengths.
    fn seconds(&mut self, name: &str, raw: &str) -> Option<u64> {
        check_delta(name, raw, &mut self.problems);
        match parse_u64(raw) {
            Ok(n) => {
                if (YEAR..=MAX_32).contains(&n) {
                    self.problems.push(format!(
                        "{name} {n} is about {}: absurdly long, likely a misconfiguration",
                        human_duration(n)
                    ));
                }
                Some(n)
            }
            Err(NumError::TooLarge | NumError::NotANumber) => None,
        }
    }

    fn retry_after(&mut self, v: &str) -> RetryAfter {
        let p = Params::parse(v);
        let main = p.main;
        let (secs_raw, comment) = match main.find('(') {
            Some(i) => {
                let c = main[i + 1..].trim_end();
                let c = c.strip_suffix(')').unwrap_or(c);
                (main[..i].trim(), Some(c.trim().to_string()))
            }
            None => (main.trim(), None),
        };
        let seconds = self.seconds("Retry-After", secs_raw);
        let duration = p
            .get("duration")
            .and_then(|d| self.seconds("Retry-After duration", d.trim()));
        let mut meaning = match seconds {
            Some(0) => "retry at once (0 seconds)".to_string(),
            Some(s) => format!("retry in {}", human_duration(s)),
            None => "no usable retry time".to_string(),
        };
        if let Some(c) = &comment
            && !c.is_empty()
        {
            meaning.push_str(&format!(" ({})", excerpt(c, 60)));
        }
        if let Some(d) = duration {
            meaning.push_str(&format!(
                "; the sender expects to be reachable for {} after that",
                human_duration(d)
            ));
        }
        RetryAfter {
            seconds,
            comment,
            duration,
            meaning,
        }
    }

    fn min_interval(&mut self, name: &str, v: &str) -> Interval {
        let p = Params::parse(v);
        let value = self.seconds(name, p.main);
        let meaning = match (name, value) {
            ("Min-Expires", Some(n)) => format!(
                "the registrar or notifier accepts an expiry of at least {n} s ({}); resend \
                 with Expires of {n} or more",
                human_duration(n)
            ),
            ("Min-SE", Some(n)) => {
                if n < 90 {
                    self.problems.push(format!(
                        "Min-SE {n} is below 90 seconds, the minimum RFC 4028 allows"
                    ));
                }
                format!(
                    "the sender accepts session timers of at least {n} s ({}); resend with \
                     Session-Expires of {n} or more",
                    human_duration(n)
                )
            }
            _ => format!("{name} without a usable number of seconds"),
        };
        Interval {
            value,
            refresher: None,
            meaning,
        }
    }

    fn session_expires(&mut self, v: &str) -> Interval {
        let p = Params::parse(v);
        let value = self.seconds("Session-Expires", p.main);
        let refresher = p.get("refresher");
        if let Some(r) = &refresher
            && !r.eq_ignore_ascii_case("uac")
            && !r.eq_ignore_ascii_case("uas")
        {
            self.problems.push(format!(
                "Session-Expires refresher {} is neither uac nor uas (RFC 4028)",
                q(r)
            ));
        }
        if let Some(n) = value
            && n < 90
        {
            self.problems.push(format!(
                "Session-Expires {n} is below 90 seconds, the minimum RFC 4028 allows"
            ));
        }
        let who = match refresher.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("uac") => "the caller side (uac) refreshes",
            Some("uas") => "the callee side (uas) refreshes",
            _ => "the refresher is not chosen yet",
        };
        let meaning = match value {
            Some(n) => format!(
                "the session must be refreshed (re-INVITE or UPDATE) within {}, else it ends; \
                 {who}",
                human_duration(n)
            ),
            None => "Session-Expires without a usable number of seconds".to_string(),
        };
        Interval {
            value,
            refresher,
            meaning,
        }
    }

    fn subscription_state(&mut self, v: &str) -> SubscriptionState {
        let p = Params::parse(v);
        let state = p.main.to_string();
        let reason = p.get("reason");
        let expires = p
            .get("expires")
            .and_then(|x| self.seconds("Subscription-State expires", x.trim()));
        let retry_after = p
            .get("retry-after")
            .and_then(|x| self.seconds("Subscription-State retry-after", x.trim()));
        let mut meaning = match state.to_ascii_lowercase().as_str() {
            "active" => "the subscription is active and authorised".to_string(),
            "pending" => "the subscription is waiting for authorisation".to_string(),
            "terminated" => "the subscription has ended".to_string(),
            _ => format!("unknown subscription state {}", q(&state)),
        };
        if let Some(x) = expires {
            meaning.push_str(&format!("; it expires in {}", human_duration(x)));
        }
        if let Some(r) = &reason {
            let why = match r.to_ascii_lowercase().as_str() {
                "deactivated" => "the notifier ended it; subscribe again at once",
                "probation" => "the notifier ended it for now; subscribe again later",
                "rejected" => "it was refused; do not subscribe again",
                "timeout" => "it was not refreshed in time; subscribe again if still needed",
                "giveup" => "the notifier gave up waiting for authorisation; try again later",
                "noresource" => "the resource no longer exists; do not subscribe again",
                "invariant" => "the state will never change; there is nothing to subscribe to",
                _ => "an unknown reason",
            };
            meaning.push_str(&format!("; reason {}: {why}", excerpt(r, 30)));
        }
        if let Some(x) = retry_after {
            meaning.push_str(&format!("; retry after {}", human_duration(x)));
        }
        SubscriptionState {
            state,
            reason,
            expires,
            retry_after,
            meaning,
        }
    }

    fn challenge(&mut self, header: &str, c: RawChallenge, code: Option<u16>) -> Challenge {
        let get = |n: &str| {
            c.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let realm = get("realm");
        let nonce = get("nonce");
        let algorithm = get("algorithm");
        let qop: Vec<String> = get("qop")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let stale = get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let opaque = get("opaque").is_some();
        let domain = get("domain");
        let mut advice = Vec::new();
        let digest = c.scheme.eq_ignore_ascii_case("Digest");
        if !digest {
            advice.push(format!(
                "scheme {}: SIP clients normally only answer Digest challenges",
                q(&c.scheme)
            ));
        } else {
            if realm.is_none() {
                self.problems
                    .push(format!("{header} challenge without a realm"));
            }
            if nonce.is_none() {
                self.problems
                    .push(format!("{header} challenge without a nonce"));
            }
        }
        let who = if header == "Proxy-Authenticate" {
            "proxy"
        } else {
            "registrar or user agent"
        };
        if stale {
            advice.push(
                "stale=true: the credentials were right but the nonce had expired; the client \
                 should retry once with the new nonce, without asking for the password again. \
                 Repeated stale challenges mean the client reuses old nonces or the nonce \
                 lifetime is very short."
                    .to_string(),
            );
        } else if digest {
            let realm = realm.as_deref().map(q).unwrap_or_default();
            advice.push(format!(
                "no stale flag: if the request carried no credentials, this is the normal \
                 first challenge and one retry with credentials is expected. If it did carry \
                 credentials for realm {realm}, the {who} rejected them: wrong username or \
                 password, a realm the client has no account for, or a different algorithm. A \
                 second 401/407 in a row means exactly that."
            ));
        }
        match algorithm.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None if digest => {
                advice.push("no algorithm parameter: MD5 is assumed (RFC 3261 §22.4)".to_string())
            }
            None => {}
            Some("MD5") | Some("MD5-SESS") => {}
            Some("SHA-256")
            | Some("SHA-256-SESS")
            | Some("SHA-512-256")
            | Some("SHA-512-256-SESS") => advice.push(format!(
                "algorithm {}: a SHA-2 digest (RFC 8760); clients that only do MD5 cannot \
                 answer it, so the server should also offer an MD5 challenge if such \
                 clients must register",
                algorithm.as_deref().unwrap_or_default()
            )),
            Some(_) => advice.push(format!(
                "algorithm {} is not one SIP digest defines (MD5, SHA-256, SHA-512-256)",
                q(algorithm.as_deref().unwrap_or_default())
            )),
        }
        if qop.iter().any(|x| x.eq_ignore_ascii_case("auth-int")) {
            advice.push(
                "qop includes auth-int: the client must also hash the body; many clients \
                 support only auth and pick it when both are offered"
                    .to_string(),
            );
        }
        match (code, header) {
            (Some(401), "Proxy-Authenticate") => self.problems.push(
                "a 401 carries Proxy-Authenticate; a 401 challenges with WWW-Authenticate \
                 (RFC 3261 §21.4.2)"
                    .to_string(),
            ),
            (Some(407), "WWW-Authenticate") => self.problems.push(
                "a 407 carries WWW-Authenticate; a 407 challenges with Proxy-Authenticate \
                 (RFC 3261 §21.4.8)"
                    .to_string(),
            ),
            _ => {}
        }
        Challenge {
            header: header.to_string(),
            scheme: c.scheme,
            realm,
            nonce,
            algorithm,
            qop,
            stale,
            opaque,
            domain,
            advice,
        }
    }

    /// Headers a response code must carry.
    fn required_headers(&mut self, msg: &Message, e: &Explanation) {
        const RULES: &[(u16, &str, &str)] = &[
            (401, "WWW-Authenticate", "RFC 3261 §21.4.2"),
            (405, "Allow", "RFC 3261 §21.4.6"),
            (407, "Proxy-Authenticate", "RFC 3261 §21.4.8"),
            (420, "Unsupported", "RFC 3261 §8.2.2.3"),
            (421, "Require", "RFC 3261 §21.4.16"),
            (422, "Min-SE", "RFC 4028 §6"),
            (423, "Min-Expires", "RFC 3261 §10.3"),
        ];
        let Some(code) = e.code else { return };
        for (c, header, rfc) in RULES {
            if *c == code && msg.header(header).is_none() {
                self.problems.push(format!(
                    "a {code} must carry {header} ({rfc}); this one does not"
                ));
            }
        }
        if code == 415
            && ["Accept", "Accept-Encoding", "Accept-Language"]
                .iter()
                .all(|h| msg.header(h).is_none())
        {
            self.problems.push(
                "a 415 must list what it accepts in Accept, Accept-Encoding or \
                 Accept-Language (RFC 3261 §21.4.13); this one has none"
                    .to_string(),
            );
        }
    }

    fn sender(&mut self, msg: &Message, e: &Explanation) -> Sender {
        let mut s = e.sender.clone();
        let ident = s.server.as_deref().or(s.user_agent.as_deref());
        let product = ident.and_then(recognise);
        let mut likely = Vec::new();
        match (ident, product) {
            (Some(id), Some((label, role))) => {
                s.product = Some(label.to_string());
                s.role = Some(role.key().to_string());
                likely.push(role.sentence(label, &excerpt(id, 60), msg.is_response()));
            }
            (Some(id), None) => likely.push(format!(
                "The sender identifies itself as {}; sipfix does not recognise the product.",
                q(&excerpt(id, 60))
            )),
            (None, _) if msg.is_response() => likely.push(
                "The response has neither Server nor User-Agent: the sender does not identify \
                 itself (SBCs hiding topology and many proxies omit it)."
                    .to_string(),
            ),
            (None, _) => likely.push("The request has no User-Agent header.".to_string()),
        }
        if msg.is_response() && s.server.is_none() && s.user_agent.is_some() {
            likely.push(
                "It carries User-Agent rather than Server, as B2BUAs and phones often do in \
                 responses."
                    .to_string(),
            );
        }
        let n = s.via_count;
        if msg.is_response() {
            likely.push(match n {
                0 => "It has no Via: the paste is incomplete.".to_string(),
                1 => "It has one Via: this copy was on its last hop, back to the client that \
                      sent the request."
                    .to_string(),
                _ => format!(
                    "It has {n} Vias: where this copy was captured, {} proxy hop{} remained \
                     before the original client (each proxy removes its own Via).",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                ),
            });
        } else if n > 0 {
            let top = s.top_via.as_deref().map(via_host).unwrap_or_default();
            likely.push(format!(
                "It has {n} Via{}: {top} sent it{}.",
                if n == 1 { "" } else { "s" },
                if n > 1 {
                    format!(
                        " after {} earlier hop{}",
                        n - 1,
                        if n == 2 { "" } else { "s" }
                    )
                } else {
                    String::new()
                }
            ));
        }
        if let Some(w) = e.warnings.iter().find(|w| !w.agent.is_empty()) {
            likely.push(format!(
                "The Warning was added by {}.",
                q(&excerpt(&w.agent, 60))
            ));
        }
        if product.is_none()
            && e.reasons
                .iter()
                .any(|r| r.protocol.eq_ignore_ascii_case("Q.850"))
        {
            likely.push(
                "The Q.850 cause in Reason points to a PSTN gateway, or a B2BUA that talks to \
                 one, behind this response."
                    .to_string(),
            );
        }
        s.likely = likely.join(" ");
        s
    }

    fn allow_advice(&mut self, e: &mut Explanation) {
        let Some(code) = e.code.filter(|c| *c == 405 || *c == 501) else {
            return;
        };
        let Some(m) = e.cseq_method.clone() else {
            e.allow_advice = Some(format!(
                "the CSeq is missing, so the method this {code} refuses is unknown"
            ));
            return;
        };
        let m_safe = excerpt(&m, 30);
        if e.allow.is_empty() {
            e.allow_advice = Some(if code == 405 {
                format!(
                    "no Allow header: a 405 must list the methods it allows; {m_safe} is \
                     refused, but the peer did not say what it accepts"
                )
            } else {
                format!(
                    "no Allow header: the peer does not implement {m_safe} and did not list \
                     what it supports; ask it with OPTIONS"
                )
            });
            return;
        }
        let listed = e.allow.contains(&m);
        let allow = e
            .allow
            .iter()
            .map(|a| excerpt(a, 30))
            .collect::<Vec<_>>()
            .join(", ");
        e.allow_advice = Some(if listed {
            format!(
                "{m_safe} (the CSeq method) IS listed in Allow: {allow}. The element that \
                 answered {code} is not the one whose capabilities Allow describes (an SBC or \
                 B2BUA in between?){}",
                if code == 405 {
                    ", or the method is refused for this Request-URI only"
                } else {
                    ""
                }
            )
        } else if code == 405 {
            format!(
                "{m_safe} (the CSeq method) is not listed in Allow: {allow}. The peer knows \
                 {m_safe} but does not allow it for this Request-URI; use one of the listed \
                 methods or another target"
            )
        } else {
            format!(
                "{m_safe} (the CSeq method) is not listed in Allow: {allow}. The peer does not \
                 implement {m_safe}; fall back to a listed method"
            )
        });
    }

    fn reason_advice(&mut self, e: &mut Explanation) {
        if e.reasons.is_empty() {
            return;
        }
        let q850 = e
            .reasons
            .iter()
            .find(|r| r.protocol.eq_ignore_ascii_case("Q.850"))
            .and_then(|r| r.cause);
        let sip = e
            .reasons
            .iter()
            .find(|r| r.protocol.eq_ignore_ascii_case("SIP"))
            .and_then(|r| r.cause);
        let mut parts = vec![
            "Reason is informational: the status code alone decides what SIP elements do \
             next, and Reason does not change it (RFC 3326)."
                .to_string(),
        ];
        if let (Some(code), Some(c)) = (e.code, sip)
            && u64::from(code) != c
        {
            parts.push(format!(
                "The SIP value {c} differs from the status code {code}: an element further \
                 away answered {c}, and a B2BUA, SBC or proxy turned it into {code} on the way \
                 back. Troubleshoot the {c} at its origin."
            ));
        }
        if let Some(c) = q850 {
            let mapped: Vec<u16> = u8::try_from(c)
                .ok()
                .and_then(|c| self.kb.cause(c))
                .map(|cause| cause.sip.to_vec())
                .unwrap_or_default();
            parts.push(format!(
                "The Q.850 cause {c} is the release cause of the ISDN/SS7 side (or of a far \
                 B2BUA): trust it for the root cause, and the SIP code for what SIP does next."
            ));
            if let Some(code) = e.code
                && !mapped.is_empty()
            {
                let list = mapped
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ");
                if mapped.contains(&code) {
                    parts.push(format!(
                        "Here they agree: RFC 3398 maps cause {c} to {list}."
                    ));
                } else {
                    parts.push(format!(
                        "Here they disagree: RFC 3398 maps cause {c} to {list}, not {code}, so a \
                         gateway or B2BUA mapped it its own way (or the cause came from \
                         another call leg)."
                    ));
                }
            }
            if sip.is_some() {
                parts.push(
                    "With both SIP and Q.850 values, the SIP value says what the next SIP \
                     element answered and the Q.850 cause why the network released the call; \
                     when they disagree, the Q.850 cause is nearer the real cause."
                        .to_string(),
                );
            }
        }
        e.reason_advice = Some(parts.join(" "));
    }

    fn event_advice(&mut self, e: &mut Explanation) {
        if e.code != Some(489) {
            return;
        }
        let allowed = e
            .allow_events
            .iter()
            .map(|a| excerpt(a, 30))
            .collect::<Vec<_>>()
            .join(", ");
        e.event_advice = Some(match (&e.event, e.allow_events.is_empty()) {
            (Some(ev), false) => {
                let pkg = excerpt(&ev.package, 30);
                if e.allow_events
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&ev.package))
                {
                    format!(
                        "the package {pkg} IS listed in Allow-Events ({allowed}): the Event \
                         header of the request may be malformed, or another element answered"
                    )
                } else {
                    format!(
                        "the package {pkg} is not listed in Allow-Events ({allowed}): the \
                         notifier does not support it"
                    )
                }
            }
            (None, false) => format!(
                "the notifier supports these event packages: {allowed}; compare with the \
                 Event header of the SUBSCRIBE, PUBLISH or NOTIFY"
            ),
            (_, true) => "no Allow-Events header: the notifier did not say which event \
                          packages it supports; compare the request's Event with its \
                          documentation"
                .to_string(),
        });
    }
}

const YEAR: u64 = 365 * 86_400;

/// True when a list value has empty elements or empty parameters
/// (`a;;b`, `a,,b`, a trailing `;`).
fn stray_separators(v: &str) -> bool {
    let items = split_outside(v, b',');
    items.len() > 1 && items.iter().any(|i| i.is_empty())
        || items
            .iter()
            .any(|i| split_outside(i, b';').iter().skip(1).any(|p| p.is_empty()))
}

/// Option tags of a Supported/Require/... value.
fn tags(v: &str) -> impl Iterator<Item = String> + '_ {
    split_list(v).into_iter().map(str::to_string)
}

fn event(v: &str) -> EventInfo {
    let p = Params::parse(v);
    let package = p.main.to_string();
    let id = p.get("id");
    let base = package.split('.').next().unwrap_or("").to_ascii_lowercase();
    let about = match base.as_str() {
        "presence" => "presence of a user (RFC 3856)",
        "dialog" => "state of a user's calls, e.g. busy lamp field (RFC 4235)",
        "message-summary" => "voicemail waiting indication (RFC 3842)",
        "refer" => "progress of a REFER, e.g. a transfer (RFC 3515)",
        "reg" => "registration state of a user (RFC 3680)",
        "conference" => "conference state (RFC 4575)",
        "kpml" => "key presses, DTMF (RFC 4730)",
        "ua-profile" => "device configuration profile (RFC 6080)",
        "winfo" => "watcher information (RFC 3857)",
        _ => "an event package sipfix does not know",
    };
    let templ = if package.contains(".winfo") {
        ", watcher information of it (RFC 3857)"
    } else {
        ""
    };
    EventInfo {
        meaning: format!("event package {}: {about}{templ}", excerpt(&package, 40)),
        package,
        id,
    }
}

/// A challenge before interpretation.
struct RawChallenge {
    scheme: String,
    params: Vec<(String, String)>,
}

/// Split a WWW-Authenticate / Proxy-Authenticate value into challenges:
/// `Digest realm="a", nonce="b"`; several challenges may share one header.
fn parse_challenges(v: &str) -> Vec<RawChallenge> {
    let mut out: Vec<RawChallenge> = Vec::new();
    for item in split_outside(v, b',') {
        if item.is_empty() {
            continue;
        }
        let (first, rest) = item
            .split_once([' ', '\t'])
            .map(|(a, b)| (a, b.trim_start()))
            .unwrap_or((item, ""));
        let new_scheme = !first.contains('=') && !rest.starts_with('=');
        let param = if new_scheme {
            out.push(RawChallenge {
                scheme: first.to_string(),
                params: Vec::new(),
            });
            rest
        } else {
            item
        };
        if param.is_empty() {
            continue;
        }
        let (k, val) = param.split_once('=').unwrap_or((param, ""));
        match out.last_mut() {
            Some(c) => c.params.push((k.trim().to_string(), unquote(val))),
            None => out.push(RawChallenge {
                scheme: String::new(),
                params: vec![(k.trim().to_string(), unquote(val))],
            }),
        }
    }
    out
}

/// The host of a Via value (`SIP/2.0/UDP host:port;branch=...`).
fn via_host(v: &str) -> String {
    let p = Params::parse(v);
    let host = p.main.split_ascii_whitespace().last().unwrap_or(p.main);
    excerpt(host, 60)
}

/// Roles of recognised products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Proxy,
    Sbc,
    Pbx,
    Gateway,
    Phone,
    Service,
    Tool,
    Scanner,
}

impl Role {
    fn from_key(key: &str) -> Option<Role> {
        [
            Role::Proxy,
            Role::Sbc,
            Role::Pbx,
            Role::Gateway,
            Role::Phone,
            Role::Service,
            Role::Tool,
            Role::Scanner,
        ]
        .into_iter()
        .find(|r| r.key() == key)
    }

    fn key(self) -> &'static str {
        match self {
            Role::Proxy => "proxy",
            Role::Sbc => "sbc",
            Role::Pbx => "pbx",
            Role::Gateway => "gateway",
            Role::Phone => "phone",
            Role::Service => "service",
            Role::Tool => "tool",
            Role::Scanner => "scanner",
        }
    }

    fn sentence(self, label: &str, id: &str, response: bool) -> String {
        if !response {
            return match self {
                Role::Scanner => format!(
                    "'{id}' is {label}, a SIP scanning tool: this request is most likely an \
                     attack or a probe."
                ),
                _ => format!("The request comes from '{id}' ({label}, {}).", self.what()),
            };
        }
        match self {
            Role::Proxy => format!(
                "'{id}' is {label}, a SIP proxy. A proxy relaying a response does not add \
                 Server, so the proxy generated this response itself: the decision was taken \
                 there (routing, authentication, limits, policy), not at the far end."
            ),
            Role::Sbc => format!(
                "'{id}' is {label}, an SBC (a B2BUA at the network edge). It either refused \
                 the request itself (policy, limits, routing) or passed on what its other leg \
                 answered; compare with the SBC's other call leg."
            ),
            Role::Pbx => format!(
                "'{id}' is {label}, a PBX or B2BUA. It answers on its own call leg, so it \
                 either decided itself or translated what its outgoing leg got; check its \
                 logs for that leg."
            ),
            Role::Gateway => format!(
                "'{id}' is {label}, a PSTN gateway: the response usually reflects an ISDN or \
                 SS7 release cause (see Reason) mapped to SIP."
            ),
            Role::Phone => format!(
                "'{id}' is {label}, an end device: the called phone or softphone (the UAS) \
                 answered this itself."
            ),
            Role::Service => format!(
                "'{id}' is {label}, a hosted service or carrier edge: the decision was taken \
                 inside the provider's network."
            ),
            Role::Tool => format!("'{id}' is {label}, a test tool."),
            Role::Scanner => format!(
                "'{id}' is {label}, a SIP scanning tool: this traffic is most likely an \
                 attack or a probe."
            ),
        }
    }

    fn what(self) -> &'static str {
        match self {
            Role::Proxy => "a proxy",
            Role::Sbc => "an SBC",
            Role::Pbx => "a PBX or B2BUA",
            Role::Gateway => "a PSTN gateway",
            Role::Phone => "an end device",
            Role::Service => "a hosted service",
            Role::Tool => "a test tool",
            Role::Scanner => "a scanner",
        }
    }
}

/// Substrings (lower case) of Server / User-Agent values, with the product.
const PRODUCTS: &[(&str, &str, Role)] = &[
    ("friendly-scanner", "SIPVicious", Role::Scanner),
    ("sipvicious", "SIPVicious", Role::Scanner),
    ("sipcli", "sipcli", Role::Scanner),
    ("vaxsipuseragent", "VaxSIPUserAgent", Role::Scanner),
    ("sundayddr", "a scanner", Role::Scanner),
    ("kamailio", "Kamailio", Role::Proxy),
    ("openser", "OpenSER", Role::Proxy),
    ("opensips", "OpenSIPS", Role::Proxy),
    ("repro", "reSIProcate repro", Role::Proxy),
    ("sip express router", "SER", Role::Proxy),
    ("acme packet", "Oracle/Acme Packet", Role::Sbc),
    ("oracle", "Oracle SBC", Role::Sbc),
    ("audiocodes", "AudioCodes", Role::Sbc),
    ("mediant", "AudioCodes Mediant", Role::Sbc),
    ("ribbon", "Ribbon", Role::Sbc),
    ("sonus", "Sonus", Role::Sbc),
    ("genband", "Genband", Role::Sbc),
    ("sansay", "Sansay", Role::Sbc),
    ("ingate", "Ingate", Role::Sbc),
    ("edgemarc", "EdgeMarc", Role::Sbc),
    ("anynode", "anynode", Role::Sbc),
    ("sbc", "an SBC", Role::Sbc),
    (
        "cisco-sipgateway",
        "Cisco IOS gateway / CUBE",
        Role::Gateway,
    ),
    ("patton", "Patton", Role::Gateway),
    ("smartnode", "Patton SmartNode", Role::Gateway),
    ("dinstar", "Dinstar", Role::Gateway),
    ("synway", "Synway", Role::Gateway),
    ("openvox", "OpenVox", Role::Gateway),
    ("asterisk", "Asterisk", Role::Pbx),
    ("fpbx", "FreePBX (Asterisk)", Role::Pbx),
    ("freepbx", "FreePBX (Asterisk)", Role::Pbx),
    ("freeswitch", "FreeSWITCH", Role::Pbx),
    ("3cx", "3CX", Role::Pbx),
    ("yate", "Yate", Role::Pbx),
    ("avaya", "Avaya", Role::Pbx),
    ("cisco-cucm", "Cisco CUCM", Role::Pbx),
    ("broadworks", "BroadWorks", Role::Pbx),
    ("mitel", "Mitel", Role::Pbx),
    ("issabel", "Issabel (Asterisk)", Role::Pbx),
    ("elastix", "Elastix (Asterisk)", Role::Pbx),
    ("vodia", "Vodia", Role::Pbx),
    ("sippy", "Sippy B2BUA", Role::Pbx),
    ("drachtio", "drachtio", Role::Pbx),
    ("metaswitch", "Metaswitch", Role::Pbx),
    ("twilio", "Twilio", Role::Service),
    (
        "microsoft.pstnhub",
        "Microsoft Teams Direct Routing",
        Role::Service,
    ),
    ("yealink", "Yealink", Role::Phone),
    ("polycom", "Polycom", Role::Phone),
    ("grandstream", "Grandstream", Role::Phone),
    ("snom", "snom", Role::Phone),
    ("linphone", "Linphone", Role::Phone),
    ("microsip", "MicroSIP", Role::Phone),
    ("zoiper", "Zoiper", Role::Phone),
    ("bria", "Bria", Role::Phone),
    ("x-lite", "X-Lite", Role::Phone),
    ("fanvil", "Fanvil", Role::Phone),
    ("obihai", "Obihai", Role::Phone),
    ("cisco/spa", "Cisco SPA", Role::Phone),
    ("gigaset", "Gigaset", Role::Phone),
    ("baresip", "baresip", Role::Phone),
    ("jitsi", "Jitsi", Role::Phone),
    ("sipp", "SIPp", Role::Tool),
];

fn recognise(id: &str) -> Option<(&'static str, Role)> {
    let lower = id.to_ascii_lowercase();
    PRODUCTS
        .iter()
        .find(|(pat, _, _)| lower.contains(pat))
        .map(|(_, label, role)| (*label, *role))
}

/// A one-line meaning for the header at `i`.
/// Every header with its meaning, in one linear pass.
fn header_infos(msg: &Message, idx: &[Option<usize>], e: &Explanation) -> Vec<HeaderInfo> {
    let tag_index: HashMap<String, usize> = e
        .option_tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.tag.to_ascii_lowercase(), i))
        .collect();
    // Per header name: lines seen so far and list values seen so far; known
    // headers by table position, others by lower-case name.
    let mut known: Vec<(usize, usize)> = vec![(0, 0); headers::HEADERS.len()];
    let mut unknown: HashMap<String, (usize, usize)> = HashMap::new();
    let mut out = Vec::with_capacity(msg.headers.len());
    for (i, h) in msg.headers.iter().enumerate() {
        let def = idx[i].map(|i| &headers::HEADERS[i]);
        let counted = matches!(def.map(|d| d.name), Some("Via" | "Reason" | "Warning"));
        let n_values = if counted {
            split_list(&h.value).len()
        } else {
            0
        };
        let entry = match idx[i] {
            Some(k) => &mut known[k],
            None => unknown.entry(h.name.to_ascii_lowercase()).or_default(),
        };
        let ctx = Seen {
            first: entry.0 == 0,
            values_before: entry.1,
            values: n_values,
        };
        entry.0 += 1;
        entry.1 += n_values;
        out.push(HeaderInfo {
            name: h.name.clone(),
            value: h.value.clone(),
            meaning: header_meaning(msg, h, def, ctx, e, &tag_index),
            line: h.line,
        });
    }
    out
}

/// Where a header line stands among the lines of the same name.
#[derive(Debug, Clone, Copy)]
struct Seen {
    /// The first line with this name.
    first: bool,
    /// List values in earlier lines with this name (Via, Reason, Warning).
    values_before: usize,
    /// List values in this line (Via, Reason, Warning).
    values: usize,
}

/// A one-line meaning for one header line.
fn header_meaning(
    msg: &Message,
    h: &Header,
    def: Option<&'static HeaderDef>,
    seen: Seen,
    e: &Explanation,
    tag_index: &HashMap<String, usize>,
) -> String {
    let name: &str = def.map_or(h.name.as_ref(), |d| d.name);
    let first = seen.first;
    let about = def.map(|d| d.about);
    let decoded = match name {
        "Allow" if first => Some(if e.allow_missing.is_empty() {
            format!("the sender accepts {} methods", e.allow.len())
        } else {
            format!(
                "the sender accepts {} methods; registered methods not listed: {}",
                e.allow.len(),
                e.allow_missing.join(", ")
            )
        }),
        "Retry-After" if first => e.retry_after.as_ref().map(|r| r.meaning.clone()),
        "Min-Expires" if first => e.min_expires.as_ref().map(|r| r.meaning.clone()),
        "Min-SE" if first => e.min_se.as_ref().map(|r| r.meaning.clone()),
        "Session-Expires" if first => e.session_expires.as_ref().map(|r| r.meaning.clone()),
        "Subscription-State" if first => e.subscription_state.as_ref().map(|r| r.meaning.clone()),
        "Event" if first => e.event.as_ref().map(|r| r.meaning.clone()),
        "Reason" | "Warning" => {
            // Values of this header line: skip those of earlier lines.
            let (before, count) = (seen.values_before, seen.values);
            let meanings: Vec<String> = if name == "Reason" {
                e.reasons
                    .iter()
                    .skip(before)
                    .take(count)
                    .map(|r| r.meaning.clone())
                    .collect()
            } else {
                e.warnings
                    .iter()
                    .skip(before)
                    .take(count)
                    .map(|w| w.meaning.clone())
                    .collect()
            };
            (!meanings.is_empty()).then(|| meanings.join("; "))
        }
        "WWW-Authenticate" | "Proxy-Authenticate" => {
            let c: Vec<String> = parse_challenges(&h.value)
                .iter()
                .map(|c| {
                    let get = |n: &str| {
                        c.params
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(n))
                            .map(|(_, v)| v.as_str())
                    };
                    let mut s = format!("{} challenge", excerpt(&c.scheme, 20));
                    if let Some(r) = get("realm") {
                        s.push_str(&format!(" for realm {}", q(r)));
                    }
                    if get("stale").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                        s.push_str(", stale nonce: retry with the new nonce");
                    }
                    s.push_str(&format!(
                        ", algorithm {}",
                        excerpt(get("algorithm").unwrap_or("MD5 (default)"), 20)
                    ));
                    s
                })
                .collect();
            Some(c.join("; "))
        }
        "Supported" | "Require" | "Unsupported" | "Proxy-Require" => {
            let verb = match name {
                "Supported" => "the sender supports",
                "Require" => "the recipient must support",
                "Unsupported" => "the sender does not support",
                _ => "every proxy must support",
            };
            let list: Vec<String> = split_list(&h.value)
                .into_iter()
                .map(|t| {
                    let t_safe = excerpt(t, 30);
                    match tag_index
                        .get(&t.to_ascii_lowercase())
                        .map(|&i| &e.option_tags[i])
                    {
                        Some(o) if o.known => match &o.reference {
                            Some(r) => format!("{t_safe} ({r})"),
                            None => t_safe,
                        },
                        _ => format!("{t_safe} (unknown tag)"),
                    }
                })
                .collect();
            Some(format!("{verb}: {}", list.join(", ")))
        }
        "CSeq" => {
            let mut it = h.value.split_ascii_whitespace();
            match (it.next(), it.next()) {
                (Some(n), Some(m)) => Some(format!(
                    "request number {} of this dialog or registration, method {}",
                    excerpt(n, 20),
                    excerpt(m, 20)
                )),
                _ => None,
            }
        }
        "Via" => {
            let (before, n) = (seen.values_before, seen.values);
            let pos = if n <= 1 {
                format!("hop {} of {}", before + 1, e.sender.via_count)
            } else {
                format!(
                    "hops {}-{} of {}",
                    before + 1,
                    before + n,
                    e.sender.via_count
                )
            };
            let latest = if before == 0 {
                " (the most recent sender of the request)"
            } else {
                ""
            };
            Some(format!("{pos}: {}{latest}", via_host(&h.value)))
        }
        "Content-Length" => parse_u64(h.value.trim()).ok().map(|n| {
            format!(
                "the body is {n} bytes (found {} in this paste)",
                msg.body.len()
            )
        }),
        "Server" | "User-Agent" => {
            // The sender's identity was recognised already; others are rare.
            let known = [&e.sender.server, &e.sender.user_agent]
                .iter()
                .any(|v| v.as_deref() == Some(h.value.as_str()));
            if known {
                e.sender
                    .product
                    .as_deref()
                    .zip(e.sender.role.as_deref().and_then(Role::from_key))
            } else {
                recognise(&h.value)
            }
        }
        .map(|(label, role)| {
            format!(
                "software: {label}, {}; {}",
                role.what(),
                about.unwrap_or("")
            )
        }),
        _ => None,
    };
    decoded
        .or_else(|| about.map(str::to_string))
        .unwrap_or_else(|| {
            if h.name.len() > 2 && h.name.as_bytes()[..2].eq_ignore_ascii_case(b"x-") {
                "a vendor-specific header (X-), not registered; elements that do not know it \
                 ignore it"
                    .to_string()
            } else {
                "a header sipfix does not know (an extension); elements that do not know it \
                 ignore it"
                    .to_string()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_split() {
        let c = parse_challenges(
            r#"Digest realm="a, b", nonce = "n1", qop="auth,auth-int", Digest realm="c", algorithm=SHA-256"#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "Digest");
        assert_eq!(c[0].params[0], ("realm".into(), "a, b".into()));
        assert_eq!(c[0].params[1], ("nonce".into(), "n1".into()));
        assert_eq!(c[0].params[2], ("qop".into(), "auth,auth-int".into()));
        assert_eq!(c[1].params[1], ("algorithm".into(), "SHA-256".into()));
        assert!(parse_challenges("").is_empty());
        let c = parse_challenges("Basic");
        assert_eq!(c[0].scheme, "Basic");
        let c = parse_challenges("=x");
        assert_eq!(c[0].scheme, "");
    }

    #[test]
    fn products() {
        assert_eq!(recognise("Asterisk PBX 18.2").map(|p| p.1), Some(Role::Pbx));
        assert_eq!(
            recognise("kamailio (5.7.1)").map(|p| p.1),
            Some(Role::Proxy)
        );
        assert_eq!(
            recognise("friendly-scanner").map(|p| p.1),
            Some(Role::Scanner)
        );
        assert_eq!(recognise("Foo/1.0"), None);
        assert_eq!(
            via_host("SIP/2.0/UDP 10.0.0.1:5060;branch=z9"),
            "10.0.0.1:5060"
        );
    }
}
