//! What header values mean: Reason, Warning, timers, subscription state,
//! Event, and a one-line meaning for every header line.

use super::auth::parse_challenges;
use super::explain::Decoder;
use super::headers::{self, HeaderDef, Params, split_list, unquote};
use super::model::{
    EventInfo, Explanation, HeaderInfo, Interval, MAX_HEADER_LINES, MAX_LINES_PER_NAME, MAX_VALUES,
    Omitted, ReasonInfo, RetryAfter, SubscriptionState, WarningInfo,
};
use super::parse::check_delta;
use super::sender::{recognise, via_host};
use super::text::{MAX_32, NumError, excerpt, human_duration, parse_u64, q};
use super::{Header, Message};
use std::collections::{BTreeMap, HashMap};

const YEAR: u64 = 365 * 86_400;

impl Decoder<'_> {
    pub(super) fn reason(&mut self, r: &str) -> ReasonInfo {
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
        // In a response, only a mapping between this cause and its code
        // (a note on 513 says nothing about a 503 carrying cause 34). In a
        // request (a BYE, a CANCEL), a mapping may say where the cause came
        // from, but not for cause 16: every call ended normally says 16,
        // and a mapping onto it (FreeSWITCH's 487) explains nothing there.
        let status = self.status;
        for dev in self
            .kb
            .deviations_for_cause(c as u8)
            .filter(|d| status.map_or(c != 16, |s| d.sip == s))
        {
            let mapping = if &*dev.direction == "cause-to-sip" {
                format!("cause {c} to SIP {}", dev.sip)
            } else {
                format!("SIP {} to cause {c}", dev.sip)
            };
            self.notes.push(format!(
                "{} maps {mapping}, unlike RFC 3398: {}",
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

    pub(super) fn warning(&mut self, w: &str) -> WarningInfo {
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

    pub(super) fn retry_after(&mut self, v: &str) -> RetryAfter {
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

    pub(super) fn min_interval(&mut self, name: &str, v: &str) -> Interval {
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

    pub(super) fn session_expires(&mut self, v: &str) -> Interval {
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

    pub(super) fn subscription_state(&mut self, v: &str) -> SubscriptionState {
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
}

pub(super) fn event(v: &str) -> EventInfo {
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

/// Every header with its meaning, in one linear pass.
pub(super) fn header_infos(
    msg: &Message,
    idx: &[Option<usize>],
    e: &Explanation,
) -> (Vec<HeaderInfo>, Vec<Omitted>) {
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
    let mut out = Vec::with_capacity(msg.headers.len().min(MAX_HEADER_LINES));
    // Lines left out per name (beyond MAX_LINES_PER_NAME), and in all.
    let mut cut: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut cut_total = 0usize;
    for (i, h) in msg.headers.iter().enumerate() {
        let def = idx[i].map(|i| &headers::HEADERS[i]);
        let lines_so_far = match idx[i] {
            Some(k) => known[k].0,
            None => unknown.get(&h.name.to_ascii_lowercase()).map_or(0, |e| e.0),
        };
        if lines_so_far >= MAX_LINES_PER_NAME || out.len() >= MAX_HEADER_LINES {
            if lines_so_far >= MAX_LINES_PER_NAME {
                let c = cut.entry(h.name.to_string()).or_insert((0, 0));
                c.0 += 1;
            } else {
                cut_total += 1;
            }
            match idx[i] {
                Some(k) => known[k].0 += 1,
                None => {
                    unknown.entry(h.name.to_ascii_lowercase()).or_default().0 += 1;
                }
            }
            continue;
        }
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
    let mut omitted: Vec<Omitted> = cut
        .into_iter()
        .map(|(name, (n, _))| Omitted {
            what: format!("{} header lines", excerpt(&name, 40)),
            shown: MAX_LINES_PER_NAME,
            total: MAX_LINES_PER_NAME + n,
        })
        .collect();
    if cut_total > 0 {
        omitted.push(Omitted {
            what: "header lines".into(),
            shown: out.len(),
            total: out.len() + cut_total,
        });
    }
    (out, omitted)
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
            let all = parse_challenges(&h.value);
            let mut c: Vec<String> = all
                .iter()
                .take(MAX_VALUES)
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
            if all.len() > MAX_VALUES {
                c.push(format!("and {} more", all.len() - MAX_VALUES));
            }
            Some(c.join("; "))
        }
        "Supported" | "Require" | "Unsupported" | "Proxy-Require" => {
            let verb = match name {
                "Supported" => "the sender supports",
                "Require" => "the recipient must support",
                "Unsupported" => "the sender does not support",
                _ => "every proxy must support",
            };
            let all = split_list(&h.value);
            let mut list: Vec<String> = all
                .iter()
                .take(MAX_VALUES)
                .map(|&t| {
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
            if all.len() > MAX_VALUES {
                list.push(format!("and {} more", all.len() - MAX_VALUES));
            }
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
                "the body is {n} bytes ({} found after the headers)",
                msg.body_wire_len()
            )
        }),
        "Server" | "User-Agent" => {
            // The sender's identity was recognised already; others are rare.
            let known = [&e.sender.server, &e.sender.user_agent]
                .iter()
                .any(|v| v.as_deref() == Some(h.value.as_str()));
            if known {
                e.sender.role.map(|r| (e.sender.product.as_deref(), r))
            } else {
                recognise(&h.value)
            }
        }
        .map(|(label, role)| {
            format!(
                "software: {}; {}",
                role.describe(label),
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
