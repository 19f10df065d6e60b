//! Plain-text (80 columns) and Markdown renderings of an [`Explanation`].
//! Every string is passed through [`sanitize::inline`] before it is laid
//! out, so no control character from the message reaches the output.

use super::model::{Explanation, Kind};
use super::text::{width, wrap};
use crate::sanitize;

/// Output width of [`render_text`].
const WIDTH: usize = 80;

fn clean(s: &str) -> String {
    sanitize::inline(s)
}

/// Lines of plain text, wrapped to [`WIDTH`].
struct Text {
    lines: Vec<String>,
}

impl Text {
    fn section(&mut self, title: &str) {
        if !self.lines.is_empty() {
            self.lines.push(String::new());
        }
        self.lines.push(clean(title));
        self.lines.push("-".repeat(width(title).min(WIDTH)));
    }

    /// A paragraph with a hanging indent.
    fn para(&mut self, indent: usize, s: &str) {
        let pad = " ".repeat(indent);
        self.lines.extend(wrap(&clean(s), WIDTH, &pad, &pad));
    }

    /// `key: value`, continuation lines indented under the value.
    fn kv(&mut self, indent: usize, key: &str, value: &str) {
        let first = format!("{}{}: ", " ".repeat(indent), clean(key));
        let rest = " ".repeat((indent + 4).min(40));
        self.lines.extend(wrap(&clean(value), WIDTH, &first, &rest));
    }

    /// `- text` with continuation lines aligned after the bullet.
    fn bullet(&mut self, indent: usize, mark: &str, s: &str) {
        let first = format!("{}{} ", " ".repeat(indent), mark);
        let rest = " ".repeat(width(&first));
        self.lines.extend(wrap(&clean(s), WIDTH, &first, &rest));
    }
}

/// Human-readable text, at most 80 columns wide (a single unbreakable
/// character wider than the remaining room is the only exception), with all
/// untrusted text sanitised.
pub fn render_text(e: &Explanation) -> String {
    let mut t = Text { lines: Vec::new() };
    headline(e, &mut |indent, s| t.para(indent, s));

    if e.kind == Kind::Response || e.sender.server.is_some() || e.sender.user_agent.is_some() {
        t.section("Who sent it");
        if let Some(s) = &e.sender.server {
            t.kv(2, "Server", s);
        }
        if let Some(s) = &e.sender.user_agent {
            t.kv(2, "User-Agent", s);
        }
        t.kv(2, "Via headers", &e.sender.via_count.to_string());
        t.para(2, &e.sender.likely);
    }

    if !e.allow.is_empty() || e.allow_advice.is_some() {
        t.section("Allow");
        t.kv(2, "Allowed", &list_or_none(&e.allow));
        if !e.allow_missing.is_empty() {
            t.kv(2, "Not listed", &e.allow_missing.join(", "));
        }
        if let Some(a) = &e.allow_advice {
            t.para(2, a);
        }
    }

    if !e.option_tags.is_empty() {
        t.section("Option tags");
        for o in &e.option_tags {
            let reference = o
                .reference
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default();
            t.bullet(
                2,
                "-",
                &format!(
                    "{} ({}): {}{reference}",
                    o.tag,
                    o.headers.join(", "),
                    o.summary.as_deref().unwrap_or("")
                ),
            );
        }
    }

    if !e.reasons.is_empty() {
        t.section("Reason");
        for r in &e.reasons {
            t.bullet(2, "-", &reason_line(r));
        }
        if let Some(a) = &e.reason_advice {
            t.para(2, a);
        }
    }

    if !e.warnings.is_empty() {
        t.section("Warnings");
        for w in &e.warnings {
            t.bullet(
                2,
                "-",
                &format!("{} {} \"{}\": {}", w.raw_code, w.agent, w.text, w.meaning),
            );
        }
    }

    let timers = timer_lines(e);
    if !timers.is_empty() {
        t.section("Timers");
        for (k, v) in &timers {
            t.kv(2, k, v);
        }
    }

    let subs = subscription_lines(e);
    if !subs.is_empty() {
        t.section("Subscription");
        for (k, v) in &subs {
            t.kv(2, k, v);
        }
    }

    if !e.challenges.is_empty() {
        t.section("Authentication");
        for c in &e.challenges {
            t.bullet(2, "-", &challenge_line(c));
            for a in &c.advice {
                t.bullet(4, "*", a);
            }
        }
    }

    let body = body_lines(e);
    if !body.is_empty() {
        t.section("Body and accepted content");
        for (k, v) in &body {
            t.kv(2, k, v);
        }
    }

    if !e.omitted.is_empty() {
        t.section("Not listed in full");
        for o in &e.omitted {
            t.bullet(2, "-", &omitted_line(o));
        }
    }

    if !e.problems.is_empty() {
        t.section(&format!("Problems ({})", e.problems.len()));
        for p in &e.problems {
            t.bullet(2, "!", p);
        }
    }

    if !e.notes.is_empty() {
        t.section("Notes");
        for n in &e.notes {
            t.bullet(2, "-", n);
        }
    }

    if !e.checklist.is_empty() {
        t.section(&format!(
            "Checklist for {}",
            e.explained_as.or(e.code).unwrap_or_default()
        ));
        for s in &e.checklist {
            t.bullet(2, &format!("{}.", s.step), &s.title);
            for f in &s.findings {
                t.bullet(6, "->", f);
            }
        }
    }

    if !e.headers.is_empty() {
        t.section("Headers");
        for h in &e.headers {
            t.kv(2, &h.name, &h.value);
            t.para(6, &h.meaning);
        }
    }

    let mut out = t.lines.join("\n");
    out.push('\n');
    out
}

/// The first lines: code or method, class, summary, ids.
fn headline(e: &Explanation, put: &mut dyn FnMut(usize, &str)) {
    match (e.kind, e.code) {
        (Kind::Response, Some(code)) => {
            let reason = e.reason.as_deref().unwrap_or("");
            put(0, &format!("SIP response {code} {reason}"));
            if let (Some(c), Some(m)) = (&e.class, &e.class_meaning) {
                put(2, &format!("{c}: {m}"));
            }
            if let Some(r) = &e.registered_reason
                && !reason.eq_ignore_ascii_case(r)
            {
                put(2, &format!("Registered reason phrase: {r}"));
            }
            if e.unregistered {
                let base = e.explained_as.unwrap_or((code / 100) * 100);
                put(
                    2,
                    &format!(
                        "Not in the IANA registry: understood as {base} by elements that do \
                         not know it (RFC 3261 §8.1.3.2)."
                    ),
                );
            }
        }
        (Kind::Response, None) => {
            put(
                0,
                &format!(
                    "SIP response with an invalid status code '{}'",
                    e.raw_code.as_deref().unwrap_or("")
                ),
            );
            if let Some(r) = e.reason.as_deref().filter(|r| !r.is_empty()) {
                put(2, &format!("Reason phrase: {r}"));
            }
        }
        _ => put(
            0,
            &format!(
                "SIP request {} {}",
                e.method.as_deref().unwrap_or(""),
                e.request_uri.as_deref().unwrap_or("")
            ),
        ),
    }
    if let Some(s) = &e.summary {
        put(2, s);
    }
    if let Some(c) = &e.call_id {
        put(2, &format!("Call-ID: {c}"));
    }
    match (e.cseq, &e.cseq_method) {
        (Some(n), Some(m)) if e.kind == Kind::Response => {
            put(2, &format!("CSeq: {n} {m} (this answers the {m} request)"))
        }
        (Some(n), Some(m)) => put(2, &format!("CSeq: {n} {m}")),
        (None, Some(m)) => put(2, &format!("CSeq method: {m}")),
        _ => {}
    }
}

/// One list cut short, in words.
fn omitted_line(o: &super::model::Omitted) -> String {
    format!(
        "{}: {} in all; the first {} are listed, {} more are not",
        o.what,
        o.total,
        o.shown,
        o.total.saturating_sub(o.shown)
    )
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".to_string()
    } else {
        v.join(", ")
    }
}

fn reason_line(r: &super::model::ReasonInfo) -> String {
    let cause = r.cause.map(|c| format!(";cause={c}")).unwrap_or_default();
    let text = r
        .text
        .as_deref()
        .map(|t| format!(" \"{t}\""))
        .unwrap_or_default();
    format!("{}{cause}{text}: {}", r.protocol, r.meaning)
}

fn challenge_line(c: &super::model::Challenge) -> String {
    let mut s = format!("{}: {}", c.header, c.scheme);
    if let Some(r) = &c.realm {
        s.push_str(&format!(" realm \"{r}\""));
    }
    s.push_str(&format!(
        ", algorithm {}",
        c.algorithm.as_deref().unwrap_or("MD5 (default)")
    ));
    if !c.qop.is_empty() {
        s.push_str(&format!(", qop {}", c.qop.join(",")));
    }
    s.push_str(if c.stale {
        ", stale=true"
    } else {
        ", not stale"
    });
    if c.opaque {
        s.push_str(", opaque present");
    }
    s
}

fn timer_lines(e: &Explanation) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(r) = &e.retry_after {
        v.push(("Retry-After", r.meaning.clone()));
    }
    if let Some(r) = &e.min_expires {
        v.push(("Min-Expires", r.meaning.clone()));
    }
    if let Some(r) = &e.min_se {
        v.push(("Min-SE", r.meaning.clone()));
    }
    if let Some(r) = &e.session_expires {
        v.push(("Session-Expires", r.meaning.clone()));
    }
    v
}

fn subscription_lines(e: &Explanation) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(ev) = &e.event {
        let id = ev
            .id
            .as_deref()
            .map(|i| format!(" (id {i})"))
            .unwrap_or_default();
        v.push(("Event", format!("{}{id}", ev.meaning)));
    }
    if let Some(s) = &e.subscription_state {
        v.push(("Subscription-State", s.meaning.clone()));
    }
    if !e.allow_events.is_empty() {
        v.push(("Allow-Events", e.allow_events.join(", ")));
    }
    if let Some(a) = &e.event_advice {
        v.push(("Verdict", a.clone()));
    }
    v
}

fn body_lines(e: &Explanation) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(c) = &e.content_type {
        v.push(("Content-Type", c.clone()));
    }
    if e.body_length > 0 || e.content_length.is_some_and(|n| n > 0) {
        let declared = e
            .content_length
            .map(|n| format!("{n} bytes declared"))
            .unwrap_or_else(|| "no usable Content-Length".to_string());
        v.push((
            "Length",
            format!("{declared}, {} bytes found", e.body_length),
        ));
    }
    if !e.accept.is_empty() {
        v.push(("Accept", e.accept.join(", ")));
    }
    if !e.accept_encoding.is_empty() {
        v.push(("Accept-Encoding", e.accept_encoding.join(", ")));
    }
    if !e.accept_language.is_empty() {
        v.push(("Accept-Language", e.accept_language.join(", ")));
    }
    v
}

/// Escape Markdown syntax in sanitised text.
fn md(s: &str) -> String {
    crate::render::md_escape(&clean(s))
}

/// An inline code span holding sanitised text, delimited by more backticks
/// than any run inside it.
fn code(s: &str) -> String {
    crate::render::md_code(&clean(s))
}

/// Markdown for a ticket: headings, lists and code spans, all untrusted text
/// sanitised and escaped.
pub fn render_markdown(e: &Explanation) -> String {
    let mut o: Vec<String> = Vec::new();
    let title = match (e.kind, e.code) {
        (Kind::Response, Some(c)) => {
            format!("### SIP {c} {}", md(e.reason.as_deref().unwrap_or("")))
        }
        (Kind::Response, None) => format!(
            "### SIP response with invalid status code {}",
            code(e.raw_code.as_deref().unwrap_or(""))
        ),
        _ => format!(
            "### SIP request {} {}",
            md(e.method.as_deref().unwrap_or("")),
            code(e.request_uri.as_deref().unwrap_or(""))
        ),
    };
    o.push(title);
    o.push(String::new());
    if let (Some(c), Some(m)) = (&e.class, &e.class_meaning) {
        o.push(format!("- **Class:** {c}, {}", md(m)));
    }
    if let Some(r) = &e.registered_reason {
        o.push(format!("- **Registered reason:** {}", md(r)));
    }
    if e.unregistered && e.code.is_some() {
        o.push(format!(
            "- **Unregistered code:** understood as {} (RFC 3261 §8.1.3.2)",
            e.explained_as.unwrap_or_default()
        ));
    }
    if let Some(s) = &e.summary {
        o.push(format!("- **Summary:** {}", md(s)));
    }
    if let Some(c) = &e.call_id {
        o.push(format!("- **Call-ID:** {}", code(c)));
    }
    if let (Some(n), Some(m)) = (e.cseq, &e.cseq_method) {
        o.push(format!("- **CSeq:** {}", code(&format!("{n} {m}"))));
    }
    if let Some(s) = &e.sender.server {
        o.push(format!("- **Server:** {}", code(s)));
    }
    if let Some(s) = &e.sender.user_agent {
        o.push(format!("- **User-Agent:** {}", code(s)));
    }
    o.push(format!("- **Via headers:** {}", e.sender.via_count));
    o.push(format!("- **Likely sender:** {}", md(&e.sender.likely)));

    let mut decoded: Vec<String> = Vec::new();
    if !e.allow.is_empty() {
        decoded.push(format!("- **Allow:** {}", code(&e.allow.join(", "))));
    }
    if !e.allow_missing.is_empty() {
        decoded.push(format!(
            "- **Not in Allow:** {}",
            md(&e.allow_missing.join(", "))
        ));
    }
    if let Some(a) = &e.allow_advice {
        decoded.push(format!("- {}", md(a)));
    }
    for ot in &e.option_tags {
        decoded.push(format!(
            "- **Option tag** {} ({}): {}",
            code(&ot.tag),
            md(&ot.headers.join(", ")),
            md(ot.summary.as_deref().unwrap_or(""))
        ));
    }
    for r in &e.reasons {
        decoded.push(format!("- **Reason:** {}", md(&reason_line(r))));
    }
    if let Some(a) = &e.reason_advice {
        decoded.push(format!("- **Which cause to trust:** {}", md(a)));
    }
    for w in &e.warnings {
        decoded.push(format!(
            "- **Warning** {}: {}",
            code(&format!("{} {} \"{}\"", w.raw_code, w.agent, w.text)),
            md(&w.meaning)
        ));
    }
    for (k, v) in timer_lines(e)
        .into_iter()
        .chain(subscription_lines(e))
        .chain(body_lines(e))
    {
        decoded.push(format!("- **{k}:** {}", md(&v)));
    }
    for c in &e.challenges {
        decoded.push(format!("- **Challenge:** {}", md(&challenge_line(c))));
        for a in &c.advice {
            decoded.push(format!("  - {}", md(a)));
        }
    }
    if !decoded.is_empty() {
        o.push(String::new());
        o.push("#### Decoded".to_string());
        o.push(String::new());
        o.extend(decoded);
    }

    if !e.omitted.is_empty() {
        o.push(String::new());
        o.push("#### Not listed in full".to_string());
        o.push(String::new());
        o.extend(
            e.omitted
                .iter()
                .map(|x| format!("- {}", md(&omitted_line(x)))),
        );
    }
    if !e.problems.is_empty() {
        o.push(String::new());
        o.push(format!("#### Problems ({})", e.problems.len()));
        o.push(String::new());
        o.extend(e.problems.iter().map(|p| format!("- {}", md(p))));
    }
    if !e.notes.is_empty() {
        o.push(String::new());
        o.push("#### Notes".to_string());
        o.push(String::new());
        o.extend(e.notes.iter().map(|p| format!("- {}", md(p))));
    }
    if !e.checklist.is_empty() {
        o.push(String::new());
        o.push("#### Checklist".to_string());
        o.push(String::new());
        for s in &e.checklist {
            o.push(format!("{}. **{}**", s.step, md(&s.title)));
            for f in &s.findings {
                o.push(format!("   - {}", md(f)));
            }
        }
    }
    if !e.headers.is_empty() {
        o.push(String::new());
        o.push("#### Headers".to_string());
        o.push(String::new());
        for h in &e.headers {
            o.push(format!(
                "- {} -- {}",
                code(&format!("{}: {}", h.name, h.value)),
                md(&h.meaning)
            ));
        }
    }
    let mut out = o.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code(""), "` `");
        assert_eq!(code("\x1b[2J"), "`\\e[2J`");
    }

    #[test]
    fn markdown_escaping() {
        assert_eq!(md("*x* [y](z) <b>"), "\\*x\\* \\[y\\](z) \\<b\\>");
        assert_eq!(md("a\nb"), "a\\\\nb");
    }
}
