//! The decoder: a [`Message`] plus the knowledge base to an [`Explanation`].
//! This module runs the passes; [`super::meanings`] reads header values,
//! [`super::auth`] challenges, [`super::sender`] who sent the message, and
//! [`super::checklist`] ties the code's steps to the values found.

use super::auth::parse_challenges;
use super::checklist::findings;
use super::headers::{self, HeaderDef, split_list, split_outside};
use super::meanings::{event, header_infos};
use super::model::{Explanation, Kind, MAX_VALUES, Omitted, OptionTagInfo, Sender};
use super::sender::sender;
use super::text::{Capped, MAX_32, excerpt, parse_u64, q};
use super::{Message, StartLine};
use crate::kb::{Class, Kb};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Distinct Allow values remembered for membership tests, at most.
const MAX_ALLOW_SET: usize = 10_000;

/// Decode a message with the knowledge base. Never panics; anything odd is
/// listed in `problems` or `notes`.
pub fn explain(msg: &Message, kb: &Kb) -> Explanation {
    let mut d = Decoder {
        kb,
        problems: Capped::from_vec(msg.problems.clone(), MAX_DECODE_PROBLEMS),
        notes: Capped::new(MAX_NOTES),
        seen: BTreeMap::new(),
        allow_set: HashSet::new(),
        status: msg.code(),
    };
    let mut e = Explanation {
        kind: if msg.is_response() {
            Kind::Response
        } else {
            Kind::Request
        },
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
        body_length: msg.body_wire_len(),
        headers: Vec::with_capacity(msg.headers.len()),
        body: super::body::body(msg),
        checklist: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
        omitted: Vec::new(),
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
    e.sender = sender(msg, &e);
    d.allow_advice(&mut e);
    d.reason_advice(&mut e);
    d.event_advice(&mut e);
    let (headers, mut omitted) = header_infos(msg, &idx, &e);
    e.headers = headers;
    for (what, total) in &d.seen {
        if *total > MAX_VALUES {
            omitted.push(Omitted {
                what: format!("{what} values"),
                shown: MAX_VALUES,
                total: *total,
            });
        }
    }
    e.omitted = omitted;
    e.notes = d.notes.finish();
    e.problems = d.problems.finish();
    e.checklist = findings(&e, kb);
    e
}

/// Decode one Reason header value (RFC 3326) on its own, as [`explain`]
/// does inside a message: the value and the notes it raised (vendor
/// deviations from RFC 3398, those about `status` only when it is the
/// response's code). Used by the trace findings.
pub fn decode_reason(
    value: &str,
    status: Option<u16>,
    kb: &Kb,
) -> (super::model::ReasonInfo, Vec<String>) {
    let mut d = Decoder::standalone(kb);
    d.status = status;
    let r = d.reason(value);
    (r, d.notes.finish())
}

/// Decode one Warning header value (RFC 3261 §20.43) on its own.
pub fn decode_warning(value: &str, kb: &Kb) -> super::model::WarningInfo {
    Decoder::standalone(kb).warning(value)
}

/// Decode one Retry-After value (RFC 3261 §20.33) on its own.
pub fn decode_retry_after(value: &str, kb: &Kb) -> super::model::RetryAfter {
    Decoder::standalone(kb).retry_after(value)
}

/// Problems the decoder adds beyond the parser's, at most.
const MAX_DECODE_PROBLEMS: usize = 200;
/// Notes kept, at most.
const MAX_NOTES: usize = 50;

pub(super) struct Decoder<'k> {
    pub(super) kb: &'k Kb,
    pub(super) problems: Capped,
    pub(super) notes: Capped,
    /// Values seen per list header, kept or not.
    seen: BTreeMap<&'static str, usize>,
    /// Allow values (all of them, up to a bound), for membership tests.
    allow_set: HashSet<String>,
    /// The status code of the response decoded (`None`: a request, or a
    /// value on its own): a vendor's cause mapping is noted only when it
    /// concerns this code.
    pub(super) status: Option<u16>,
}

impl<'k> Decoder<'k> {
    /// A decoder for single header values outside a message.
    fn standalone(kb: &'k Kb) -> Self {
        Decoder {
            kb,
            problems: Capped::new(MAX_DECODE_PROBLEMS),
            notes: Capped::new(MAX_NOTES),
            seen: BTreeMap::new(),
            allow_set: HashSet::new(),
            status: None,
        }
    }
}

impl Decoder<'_> {
    /// Count one value of `list`; true if it is among the first
    /// [`MAX_VALUES`] and is to be kept.
    fn keep(&mut self, list: &'static str) -> bool {
        let n = self.seen.entry(list).or_insert(0);
        *n += 1;
        *n <= MAX_VALUES
    }

    /// Keep the first values of a list header; count the others.
    fn extend(
        &mut self,
        list: &'static str,
        into: &mut Vec<String>,
        values: impl Iterator<Item = String>,
    ) {
        for v in values {
            if self.keep(list) {
                into.push(v);
            }
        }
    }

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
            let base = l.class.understood_as();
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
                "Allow" => {
                    for a in split_list(v) {
                        if self.allow_set.len() < MAX_ALLOW_SET {
                            self.allow_set.insert(a.to_string());
                        }
                        if self.keep("Allow") {
                            e.allow.push(a.to_string());
                        }
                    }
                }
                "Allow-Events" => {
                    let vals = split_list(v).into_iter().map(str::to_string);
                    self.extend("Allow-Events", &mut e.allow_events, vals)
                }
                "Supported" => self.extend("Supported", &mut e.supported, tags(v)),
                "Require" => self.extend("Require", &mut e.require, tags(v)),
                "Unsupported" => self.extend("Unsupported", &mut e.unsupported, tags(v)),
                "Proxy-Require" => self.extend("Proxy-Require", &mut e.proxy_require, tags(v)),
                "Reason" => {
                    for r in split_list(v) {
                        if !self.keep("Reason") {
                            continue;
                        }
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
                        if !self.keep("Warning") {
                            continue;
                        }
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
                        if !self.keep("challenge") {
                            continue;
                        }
                        let c = self.challenge(name, c, e.code);
                        e.challenges.push(c);
                    }
                }
                "Accept" => {
                    let vals = split_list(v).into_iter().map(str::to_string);
                    self.extend("Accept", &mut e.accept, vals)
                }
                "Accept-Encoding" => {
                    let vals = split_list(v).into_iter().map(str::to_string);
                    self.extend("Accept-Encoding", &mut e.accept_encoding, vals)
                }
                "Accept-Language" => {
                    let vals = split_list(v).into_iter().map(str::to_string);
                    self.extend("Accept-Language", &mut e.accept_language, vals)
                }
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
                .filter(|m| !self.allow_set.contains(m.name.as_str()))
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
        let listed = self.allow_set.contains(&m);
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
