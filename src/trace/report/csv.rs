//! `sipfix triage --csv`: one row per call (RFC 4180: comma-separated,
//! CRLF line ends, fields with a comma, quote or line end quoted).
//!
//! Text from the trace has its control characters escaped, and a text
//! field starting with `=`, `+`, `-` or `@` gets a leading `'` so that a
//! spreadsheet never runs it as a formula.

use super::{Selection, final_reason_str, push_rfc3339};
use crate::kb::Kb;
use crate::sanitize;
use std::fmt::Write as _;

/// The header row, in column order.
pub const COLUMNS: [&str; 21] = [
    "call_id",
    "method",
    "from",
    "to",
    "src",
    "dst",
    "transport",
    "start",
    "end",
    "final",
    "final_reason",
    "final_from",
    "outcome",
    "first_provisional_ms",
    "pdd_ms",
    "answer_ms",
    "messages",
    "retransmissions",
    "duplicates",
    "findings",
    "finding_text",
];

/// One field, quoted when needed.
pub fn field(s: &str) -> String {
    let s = sanitize::inline(s);
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// [`field`] appended to `out`: a field of printable ASCII that needs no
/// quoting and no formula guard (nearly every one) is copied as it is.
fn push_field(out: &mut String, s: &str) {
    let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !s.starts_with(['=', '+', '-', '@', ' '])
        && !s.ends_with(' ')
        && !s.contains([',', '"']);
    if plain {
        out.push_str(s);
    } else {
        out.push_str(&field(s));
    }
}

/// A value, or nothing when there is none.
fn push_num<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    if let Some(v) = v {
        // Writing to a String cannot fail.
        let _ = write!(out, "{v}");
    }
}

/// A time as RFC 3339 UTC, or nothing.
fn push_time(out: &mut String, ns: Option<i64>, scratch: &mut Vec<u8>) {
    if let Some(ns) = ns {
        scratch.clear();
        push_rfc3339(scratch, ns);
        // RFC 3339 text is ASCII.
        out.push_str(std::str::from_utf8(scratch).unwrap_or_default());
    }
}

/// The whole CSV document.
pub fn report(sel: &Selection<'_>, kb: &Kb) -> String {
    let t = sel.triage;
    let mut out = String::with_capacity(256 * (sel.calls.len() + 1));
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    let mut scratch = Vec::with_capacity(32);
    for c in &sel.calls {
        push_field(&mut out, &crate::sanitize::ident(&c.call_id));
        out.push(',');
        push_field(&mut out, t.method_name(c.method));
        out.push(',');
        push_field(&mut out, t.from_uri(c));
        out.push(',');
        push_field(&mut out, t.to_uri(c));
        out.push(',');
        push_num(&mut out, t.endpoint(c.src));
        out.push(',');
        push_num(&mut out, t.endpoint(c.dst));
        out.push(',');
        out.push_str(super::json::transport_name(c.transport));
        out.push(',');
        push_time(&mut out, c.start_ns, &mut scratch);
        out.push(',');
        push_time(&mut out, c.end_ns, &mut scratch);
        out.push(',');
        push_num(&mut out, c.final_code());
        out.push(',');
        push_field(&mut out, final_reason_str(t, kb, c).unwrap_or_default());
        out.push(',');
        push_num(&mut out, c.final_response().and_then(|m| t.endpoint(m.src)));
        out.push(',');
        out.push_str(c.outcome.label());
        out.push(',');
        push_num(&mut out, c.first_provisional_ms);
        out.push(',');
        push_num(&mut out, c.pdd_ms);
        out.push(',');
        push_num(&mut out, c.answer_ms);
        out.push(',');
        push_num(&mut out, Some(c.msgs.len()));
        out.push(',');
        push_num(&mut out, Some(c.retransmissions));
        out.push(',');
        push_num(&mut out, Some(c.duplicates));
        out.push(',');
        for (i, f) in c.findings.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(f.id);
        }
        out.push(',');
        push_field(&mut out, c.findings.first().map_or("", |f| &*f.text));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_fields_are_the_fields() {
        for s in [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "=cmd",
            "-1",
            "+x",
            "@x",
            " lead",
            "trail ",
            "x\ny",
            "tab\there",
            "\x1b[31m",
            "caf\u{e9}",
            "x\u{202e}y",
            "sip:alice@example.com;tag=1",
        ] {
            let mut out = String::from("<");
            push_field(&mut out, s);
            assert_eq!(out, format!("<{}", field(s)), "{s:?}");
        }
    }

    #[test]
    fn quoting_and_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(field("x\ny"), "x\\ny");
        assert_eq!(field("\x1b[31m"), "\\e[31m");
    }
}
