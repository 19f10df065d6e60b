//! Decoding a pasted SIP message for the TUI: parse, explain, keep the
//! rendered text and the checklist findings for the views.

use super::app::Decoded;
use crate::kb::Kb;
use crate::message;
use crate::sanitize;

/// Decode `text`; `Err` holds one line for the status bar.
pub fn decode(kb: &Kb, text: &str) -> Result<Decoded, String> {
    let msg = message::parse(text.as_bytes()).map_err(|e| e.to_string())?;
    let expl = message::explain(&msg, kb);
    let text = message::render_text(&expl);
    Ok(Decoded {
        code: expl.code,
        text: super::lines::LongText::new(text),
        problems: expl.problems.len(),
        checklist: expl.checklist,
    })
}

/// What the decoded message says for the headers one checklist step
/// inspects: each header's values, then the findings (sanitised).
pub fn step_findings(_kb: &Kb, m: &Decoded, step: usize) -> Vec<String> {
    let Some(f) = m.checklist.get(step) else {
        return Vec::new();
    };
    let mut out: Vec<String> = f
        .headers
        .iter()
        .map(|h| {
            if h.values.is_empty() {
                format!("{}: (not in the message)", h.name)
            } else {
                sanitize::inline(&format!("{}: {}", h.name, h.values.join(", ")))
            }
        })
        .collect();
    out.extend(f.findings.iter().map(|s| sanitize::inline(s)));
    out
}
