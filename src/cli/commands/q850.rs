//! `q850 [CAUSE] [--sip CODE]`.

use crate::cli::json::{CauseRef, SipCauseJson, cause_json};
use crate::cli::options::OutputFormat;
use crate::cli::output::{CmdResult, Out, emit, emit_doc, emit_json};
use crate::doc;
use crate::exit::Failure;
use crate::kb::{Cause, Kb, parse_code};
use crate::render;

/// Parse a Q.850 cause value typed by a user.
pub fn parse_cause<'a>(kb: &'a Kb, s: &str) -> Result<&'a Cause, Failure> {
    let t = s.trim();
    let n: Option<u64> = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        Some(t.parse().unwrap_or(u64::MAX))
    } else {
        None
    };
    match n {
        Some(n @ 1..=127) => kb.cause(n as u8).ok_or_else(|| {
            Failure::usage(format!(
                "cause {n} is not defined in Q.850: run `sipfix q850` for the defined causes"
            ))
        }),
        _ => Err(Failure::usage(format!(
            "'{}' is not a Q.850 cause: expected a number from 1 to 127 (for a SIP code use `sipfix q850 --sip CODE`)",
            crate::sanitize::inline(s)
        ))),
    }
}

pub fn run(
    kb: &Kb,
    cause: Option<&str>,
    sip: Option<&str>,
    format: OutputFormat,
    out: Out,
) -> CmdResult {
    let json = format == OutputFormat::Json;
    if let Some(s) = sip {
        let code = parse_code(s).map_err(Failure::usage)?;
        let m = kb.sip_mapping(code);
        if json {
            return emit_json(&SipCauseJson {
                sip: code,
                cause: m.cause.map(|c| c.cause),
                name: m.cause.map(|c| c.name.as_str()),
                default: m.default,
                alternative: m.alt.map(|a| CauseRef {
                    cause: a.cause,
                    name: &a.name,
                    default: false,
                }),
                note: m.note,
                deviations: kb.deviations_for_sip(code).collect(),
            });
        }
        let title = match kb.lookup(code) {
            Ok(l) if !l.fallback => format!("SIP {} {}", code, l.entry.reason),
            _ => format!("SIP {code}"),
        };
        let mut d = vec![doc::Block::Title(title)];
        d.extend(doc::q850_for_sip(kb, code));
        return emit_doc(&d, OutputFormat::Text, out);
    }
    match cause {
        Some(s) => {
            let c = parse_cause(kb, s)?;
            if json {
                emit_json(&cause_json(kb, c))
            } else {
                emit_doc(&doc::q850_cause(kb, c), OutputFormat::Text, out)
            }
        }
        None => {
            if json {
                let v: Vec<_> = kb.causes.values().map(|c| cause_json(kb, c)).collect();
                return emit_json(&v);
            }
            let mut s = String::new();
            for c in kb.causes.values() {
                let (sip, default) = kb.sip_for_cause(c);
                let sipl = sip.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
                let sip = if sipl.is_empty() {
                    "no response".into()
                } else if default {
                    format!("SIP {sipl} (default)")
                } else {
                    format!("SIP {sipl}")
                };
                // The name is cut (never the mapping) when the line would
                // not fit the width.
                let name = render::fold(&c.name, out.style.ascii);
                let room = out.style.width.saturating_sub(6 + sip.len());
                let name = if name.chars().count() > room {
                    let cut: String = name.chars().take(room.saturating_sub(3)).collect();
                    format!("{cut}...")
                } else {
                    name.into_owned()
                };
                let pad = room.min(52);
                s.push_str(&format!("{:>3}  {name:<pad$} {sip}", c.cause));
                s.push('\n');
            }
            emit(&s)
        }
    }
}
