//! `sipfix triage --csv`: one row per call (RFC 4180: comma-separated,
//! CRLF line ends, fields with a comma, quote or line end quoted).
//!
//! Text from the trace has its control characters escaped, and a text
//! field starting with `=`, `+`, `-` or `@` gets a leading `'` so that a
//! spreadsheet never runs it as a formula.

use super::{Selection, final_reason, rfc3339};
use crate::kb::Kb;
use crate::sanitize;

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

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The whole CSV document.
pub fn report(sel: &Selection<'_>, kb: &Kb) -> String {
    let t = sel.triage;
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for c in &sel.calls {
        let findings: Vec<&str> = c.findings.iter().map(|f| f.id).collect();
        let row = [
            field(&c.call_id),
            field(t.method_name(c.method)),
            field(t.from_uri(c)),
            field(t.to_uri(c)),
            num(t.endpoint(c.src)),
            num(t.endpoint(c.dst)),
            super::json::transport_name(c.transport).to_string(),
            num(c.start_ns.map(rfc3339)),
            num(c.end_ns.map(rfc3339)),
            num(c.final_code()),
            field(&final_reason(t, kb, c).unwrap_or_default()),
            num(c.final_response().and_then(|m| t.endpoint(m.src))),
            c.outcome.label().to_string(),
            num(c.first_provisional_ms),
            num(c.pdd_ms),
            num(c.answer_ms),
            c.msgs.len().to_string(),
            c.retransmissions.to_string(),
            c.duplicates.to_string(),
            findings.join(";"),
            field(c.findings.first().map_or("", |f| f.text.as_str())),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
