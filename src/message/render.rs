//! An [`Explanation`] as a [`Doc`], the document model every face renders:
//! `sipfix explain` as text or Markdown, the TUI's decoded-message view at
//! the pane's width. Every string taken from the message is passed through
//! [`sanitize::inline`] here, so no control character reaches any output.

use super::model::{BodyInfo, BodyKind, Challenge, Explanation, Kind, Omitted, ReasonInfo};
use crate::doc::{Block, Doc, Item};
use crate::render::{self, TextStyle};
use crate::sanitize;

fn clean(s: &str) -> String {
    sanitize::inline(s)
}

/// The explanation as a document: the headline, who sent it, each decoded
/// header group, problems, notes, the checklist with this message's
/// findings, and every header with its meaning.
pub fn to_doc(e: &Explanation) -> Doc {
    let mut d = Doc::new();
    headline(e, &mut d);

    if e.kind == Kind::Response || e.sender.server.is_some() || e.sender.user_agent.is_some() {
        d.push(Block::Heading("Who sent it".into()));
        if let Some(s) = &e.sender.server {
            d.push(Block::Field("Server".into(), clean(s)));
        }
        if let Some(s) = &e.sender.user_agent {
            d.push(Block::Field("User-Agent".into(), clean(s)));
        }
        d.push(Block::Field(
            "Via headers".into(),
            e.sender.via_count.to_string(),
        ));
        d.push(Block::Para(clean(&e.sender.likely)));
    }

    if !e.allow.is_empty() || e.allow_advice.is_some() {
        d.push(Block::Heading("Allow".into()));
        d.push(Block::Field(
            "Allowed".into(),
            clean(&list_or_none(&e.allow)),
        ));
        if !e.allow_missing.is_empty() {
            d.push(Block::Field(
                "Not listed".into(),
                clean(&e.allow_missing.join(", ")),
            ));
        }
        if let Some(a) = &e.allow_advice {
            d.push(Block::Para(clean(a)));
        }
    }

    if !e.option_tags.is_empty() {
        d.push(Block::Heading("Option tags".into()));
        d.push(Block::Tree(
            e.option_tags
                .iter()
                .map(|o| {
                    let reference = o
                        .reference
                        .as_deref()
                        .map(|r| format!(" [{r}]"))
                        .unwrap_or_default();
                    Item::bullet(clean(&format!(
                        "({}): {}{reference}",
                        o.headers.join(", "),
                        o.summary.as_deref().unwrap_or("")
                    )))
                    .label(clean(&o.tag))
                })
                .collect(),
        ));
    }

    if !e.reasons.is_empty() {
        d.push(Block::Heading("Reason".into()));
        d.push(Block::Bullets(
            e.reasons.iter().map(|r| clean(&reason_line(r))).collect(),
        ));
        if let Some(a) = &e.reason_advice {
            d.push(Block::Para(clean(a)));
        }
    }

    if !e.warnings.is_empty() {
        d.push(Block::Heading("Warnings".into()));
        d.push(Block::Bullets(
            e.warnings
                .iter()
                .map(|w| {
                    clean(&format!(
                        "{} {} \"{}\": {}",
                        w.raw_code, w.agent, w.text, w.meaning
                    ))
                })
                .collect(),
        ));
    }

    fields(&mut d, "Timers", timer_lines(e));
    fields(&mut d, "Subscription", subscription_lines(e));

    if !e.challenges.is_empty() {
        d.push(Block::Heading("Authentication".into()));
        d.push(Block::Tree(
            e.challenges
                .iter()
                .map(|c| {
                    Item::bullet(clean(&challenge_line(c)))
                        .children(c.advice.iter().map(|a| Item::bullet(clean(a))).collect())
                })
                .collect(),
        ));
    }

    fields(&mut d, "Body and accepted content", body_lines(e));

    if !e.omitted.is_empty() {
        d.push(Block::Heading("Not listed in full".into()));
        d.push(Block::Bullets(
            e.omitted.iter().map(|o| clean(&omitted_line(o))).collect(),
        ));
    }

    if !e.problems.is_empty() {
        d.push(Block::Heading(format!("Problems ({})", e.problems.len())));
        d.push(Block::Bullets(
            e.problems.iter().map(|p| clean(p)).collect(),
        ));
    }

    if !e.notes.is_empty() {
        d.push(Block::Heading("Notes".into()));
        d.push(Block::Bullets(e.notes.iter().map(|n| clean(n)).collect()));
    }

    if !e.checklist.is_empty() {
        d.push(Block::Heading(format!(
            "Checklist for {}",
            e.explained_as.or(e.code).unwrap_or_default()
        )));
        d.push(Block::Tree(
            e.checklist
                .iter()
                .map(|s| {
                    Item::numbered(s.step, clean(&s.title))
                        .children(s.findings.iter().map(|f| Item::bullet(clean(f))).collect())
                })
                .collect(),
        ));
    }

    if !e.headers.is_empty() {
        d.push(Block::Heading("Headers".into()));
        d.push(Block::Tree(
            e.headers
                .iter()
                .map(|h| {
                    Item::bullet(clean(&h.value))
                        .label(format!("{}:", clean(&h.name)))
                        .verbatim()
                        .children(vec![Item::bullet(clean(&h.meaning))])
                })
                .collect(),
        ));
    }
    if let Some(b) = &e.body {
        body_blocks(&mut d, b, "Body", true);
    }
    d
}

/// A body's section: its problems, then its lines as received (an SDP line
/// with what it says below it, as a header has its meaning), or each
/// part of a multipart body under a heading of its own. `top`: the summary
/// is already in "Body and accepted content".
fn body_blocks(d: &mut Doc, b: &BodyInfo, heading: &str, top: bool) {
    d.push(Block::Heading(heading.into()));
    // A binary or encoded body has no lines to list: say so here too, so
    // the section is not empty.
    let unlisted = matches!(b.kind, BodyKind::Binary | BodyKind::Encoded);
    if !top || unlisted {
        d.push(Block::Para(clean(&b.summary)));
    }
    if !b.problems.is_empty() {
        d.push(Block::Bullets(
            b.problems.iter().map(|p| clean(p)).collect(),
        ));
    }
    let mut items: Vec<Item> = b
        .lines
        .iter()
        .filter(|l| !l.text.trim().is_empty())
        .map(|l| {
            let children = l.meaning.iter().map(|m| Item::bullet(clean(m))).collect();
            Item::bullet(clean(&l.text)).verbatim().children(children)
        })
        .collect();
    if b.more_lines > 0 {
        items.push(Item::bullet(format!(
            "... {} more line{} not shown",
            b.more_lines,
            if b.more_lines == 1 { "" } else { "s" }
        )));
    }
    if !items.is_empty() {
        d.push(Block::Tree(items));
    }
    let n = b.parts.len();
    for (i, p) in b.parts.iter().enumerate() {
        body_blocks(d, p, &format!("{heading} part {} of {n}", i + 1), false);
    }
}

/// Plain text of the explanation at 80 columns, without colour.
pub fn render_text(e: &Explanation) -> String {
    render::to_text(&to_doc(e), TextStyle::default())
}

/// Markdown of the explanation, for a ticket.
pub fn render_markdown(e: &Explanation) -> String {
    render::to_markdown(&to_doc(e))
}

/// A heading and one field per `(label, value)`, when there are any.
fn fields(d: &mut Doc, heading: &str, lines: Vec<(&'static str, String)>) {
    if lines.is_empty() {
        return;
    }
    d.push(Block::Heading(heading.into()));
    for (k, v) in lines {
        d.push(Block::Field(k.into(), clean(&v)));
    }
}

/// The first blocks: code or method, class, summary, ids.
fn headline(e: &Explanation, d: &mut Doc) {
    match (e.kind, e.code) {
        (Kind::Response, Some(code)) => {
            let reason = e.reason.as_deref().unwrap_or("");
            d.push(Block::Title(clean(&format!("SIP {code} {reason}"))));
            if let (Some(c), Some(m)) = (&e.class, &e.class_meaning) {
                d.push(Block::Field("Class".into(), format!("{c} -- {m}")));
            }
            if let Some(r) = &e.registered_reason
                && !reason.eq_ignore_ascii_case(r)
            {
                d.push(Block::Field("Registered reason".into(), r.clone()));
            }
            if e.unregistered {
                let base = e.explained_as.unwrap_or_else(|| {
                    crate::kb::Class::of(code).map_or(code / 100 * 100, |c| c.understood_as())
                });
                d.push(Block::Warning(format!(
                    "Not in the IANA registry: understood as {base} by elements that do not \
                     know it (RFC 3261 §8.1.3.2)."
                )));
            }
        }
        (Kind::Response, None) => {
            d.push(Block::Title(clean(&format!(
                "SIP response with an invalid status code '{}'",
                e.raw_code.as_deref().unwrap_or("")
            ))));
            if let Some(r) = e.reason.as_deref().filter(|r| !r.is_empty()) {
                d.push(Block::Field("Reason phrase".into(), clean(r)));
            }
        }
        (Kind::Request, _) => d.push(Block::Title(clean(&format!(
            "SIP request {} {}",
            e.method.as_deref().unwrap_or(""),
            e.request_uri.as_deref().unwrap_or("")
        )))),
    }
    if let Some(s) = &e.summary {
        d.push(Block::Field("Summary".into(), s.clone()));
    }
    if let Some(c) = &e.call_id {
        d.push(Block::Field("Call-ID".into(), clean(c)));
    }
    match (e.cseq, &e.cseq_method) {
        (Some(n), Some(m)) if e.kind == Kind::Response => d.push(Block::Field(
            "CSeq".into(),
            clean(&format!("{n} {m} (this answers the {m} request)")),
        )),
        (Some(n), Some(m)) => d.push(Block::Field("CSeq".into(), clean(&format!("{n} {m}")))),
        (None, Some(m)) => d.push(Block::Field("CSeq method".into(), clean(m))),
        _ => {}
    }
}

/// One list cut short, in words.
fn omitted_line(o: &Omitted) -> String {
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

fn reason_line(r: &ReasonInfo) -> String {
    let cause = r.cause.map(|c| format!(";cause={c}")).unwrap_or_default();
    let text = r
        .text
        .as_deref()
        .map(|t| format!(" \"{t}\""))
        .unwrap_or_default();
    format!("{}{cause}{text}: {}", r.protocol, r.meaning)
}

fn challenge_line(c: &Challenge) -> String {
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
    if let Some(b) = &e.body {
        v.push(("Body", format!("{}; listed under Body below", b.summary)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Kb;

    fn doc_of(msg: &str) -> Doc {
        let m = super::super::parse(msg.as_bytes()).unwrap();
        to_doc(&super::super::explain(&m, Kb::embedded()))
    }

    #[test]
    fn hostile_text_is_escaped_in_every_block() {
        let d = doc_of(
            "SIP/2.0 486 Busy\x1b[2J\r\nCSeq: 1 INVITE\r\nServer: a\x1b]0;x\x07\r\n\
             X-\u{202e}Evil: \x1b[31mred\r\n\r\n",
        );
        let md = render::to_markdown(&d);
        let text = render::to_text(&d, TextStyle::default());
        for out in [&md, &text] {
            assert!(
                !out.chars()
                    .any(|c| c != '\n' && crate::sanitize::is_unsafe(c)),
                "{out:?}"
            );
        }
        assert!(text.contains("\\e[31mred"), "{text}");
    }

    #[test]
    fn markdown_starts_at_the_same_level_as_show() {
        let md = render::to_markdown(&doc_of("SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\n\r\n"));
        assert!(md.starts_with("## SIP 486 Busy Here\n"), "{md}");
        assert!(md.contains("\n### Checklist for 486\n"), "{md}");
        assert!(!md.contains("\n#### "), "{md}");
    }
}
