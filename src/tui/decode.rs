//! Decoding a pasted SIP message for the TUI: parse, explain, keep the
//! explanation's document (laid out at the pane's width when drawn) and the
//! checklist findings for the views.

use super::app::Decoded;
use crate::kb::Kb;
use crate::message;
use crate::sanitize;

/// Decode pasted `text`; `Err` holds one line for the status bar.
pub fn decode(kb: &Kb, text: &str) -> Result<Decoded, String> {
    decode_bytes(kb, text.as_bytes(), "the pasted message")
}

/// Decode a message's bytes; `origin` names it in the views ("the pasted
/// message", "message #4 of the call").
pub fn decode_bytes(kb: &Kb, bytes: &[u8], origin: &str) -> Result<Decoded, String> {
    let msg = message::parse(bytes).map_err(|e| e.to_string())?;
    let expl = message::explain(&msg, kb);
    Ok(Decoded {
        code: expl.code,
        text: super::lines::DocText::new(message::to_doc(&expl)),
        problems: expl.problems.len(),
        checklist: expl.checklist,
        origin: origin.to_string(),
    })
}

/// How many SIP messages a pasted text holds, counted by their start
/// lines (at most 2: all a paste needs to know is one or several).
pub fn messages_in(text: &str) -> usize {
    // ngrep prints a line's CR as a dot (`INVITE sip:100@pbx SIP/2.0.`).
    text.lines()
        .filter(|l| {
            message::is_start_line(l.as_bytes())
                || l.strip_suffix('.')
                    .is_some_and(|l| message::is_start_line(l.as_bytes()))
        })
        .take(2)
        .count()
}

/// What the decoded message says for the headers one checklist step
/// inspects (sanitised): the findings, each of which names its header and
/// value, so the values are not listed a second time. Nothing for a step
/// about another request method than the one the message answers.
pub fn step_findings(_kb: &Kb, m: &Decoded, step: usize) -> Vec<String> {
    match m.checklist.get(step) {
        Some(f) if f.applies => f.findings.iter().map(|s| sanitize::inline(s)).collect(),
        _ => Vec::new(),
    }
}
