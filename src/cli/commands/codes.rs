//! `show`, `list` and `search`: the entries of the knowledge base.

use super::lookup;
use crate::cli::json::{SearchJson, code_detail_json, code_json};
use crate::cli::options::OutputFormat;
use crate::cli::output::{CmdResult, Out, emit, emit_doc, emit_json};
use crate::doc;
use crate::exit::Failure;
use crate::kb::{Class, CodeEntry, Kb, Lookup};
use crate::render;
use crate::search::Searcher;
use std::collections::BTreeMap;

pub fn show(kb: &Kb, codes: &[String], format: OutputFormat, out: Out) -> CmdResult {
    // Validate every argument before printing anything.
    let looks: Vec<Lookup<'_>> = codes
        .iter()
        .map(|c| lookup(kb, c))
        .collect::<Result<_, _>>()?;
    if format == OutputFormat::Json {
        let v: Vec<_> = looks.iter().map(|l| code_detail_json(kb, l)).collect();
        return if v.len() == 1 {
            emit_json(&v[0])
        } else {
            emit_json(&v)
        };
    }
    let mut first = true;
    for l in &looks {
        if !first {
            emit(if format == OutputFormat::Markdown {
                "\n---\n\n"
            } else {
                "\n"
            })?;
        }
        first = false;
        let mut d = doc::show(kb, l, None);
        if let Some(b) = doc::local_origin(l.entry.code) {
            d.insert(1, b);
        }
        emit_doc(&d, format, out)?;
    }
    Ok(())
}

pub fn list(kb: &Kb, class: Option<&str>, format: OutputFormat, out: Out) -> CmdResult {
    let class = match class {
        None => None,
        Some(c) => Some(Class::parse(c).ok_or_else(|| {
            Failure::usage(format!(
                "'{}' is not a response class: expected 1xx, 2xx, 3xx, 4xx, 5xx or 6xx",
                crate::sanitize::inline(c)
            ))
        })?),
    };
    let entries: Vec<Lookup<'_>> = kb
        .codes()
        .filter(|e| class.is_none_or(|c| Class::of(e.code) == Some(c)))
        .filter_map(|e| kb.lookup(e.code).ok())
        .collect();
    if format == OutputFormat::Json {
        let v: Vec<_> = entries.iter().map(code_json).collect();
        return emit_json(&v);
    }
    if format == OutputFormat::Markdown {
        return emit(&markdown_table(entries.iter().map(|l| l.entry)));
    }
    let mut s = String::new();
    for l in &entries {
        s.push_str(&list_line(l.entry, out.style.width, out.style.ascii));
        s.push('\n');
    }
    emit(&s)
}

/// Codes as a Markdown table: code, reason (with its marks), class, summary.
fn markdown_table<'a>(entries: impl Iterator<Item = &'a CodeEntry>) -> String {
    let mut s = String::from("| Code | Reason | Class | Summary |\n|---:|---|---|---|\n");
    for e in entries {
        let mut reason = render::md_escape(&e.reason);
        if e.deprecated {
            reason.push_str(" (deprecated)");
        }
        if !e.registered {
            reason.push_str(" (unregistered)");
        }
        s.push_str(&format!(
            "| {} | {reason} | {} | {} |\n",
            e.code,
            Class::of(e.code).map(Class::label).unwrap_or("?"),
            render::md_escape(&e.summary)
        ));
    }
    s
}

/// One line of `list`: code, reason, marks, summary cut to the width (after
/// folding to ASCII, so the cut line fits).
pub fn list_line(e: &CodeEntry, width: usize, ascii: bool) -> String {
    let mut marks = String::new();
    if e.deprecated {
        marks.push_str(" [deprecated]");
    }
    if !e.registered {
        marks.push_str(" [unregistered]");
    }
    let reason = render::fold(&e.reason, ascii);
    let head = format!("{:<4}{:<40} ", e.code, format!("{reason}{marks}"));
    let room = width.saturating_sub(head.chars().count());
    let summary = render::fold(&e.summary, ascii);
    let summary: String = if summary.chars().count() > room {
        let cut: String = summary.chars().take(room.saturating_sub(3)).collect();
        format!("{cut}...")
    } else {
        summary.into_owned()
    };
    if room < 10 {
        head.trim_end().to_string()
    } else {
        head + &summary
    }
}

/// The SIP codes RFC 3398 maps a cause to, in words for a list line.
fn cause_sip(c: &crate::kb::Cause) -> String {
    if c.sip_none {
        "none (RFC 3398)".to_string()
    } else if c.sip.is_empty() {
        "500 (default)".to_string()
    } else {
        c.sip
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn search(kb: &Kb, query: &str, limit: usize, format: OutputFormat, out: Out) -> CmdResult {
    if query.trim().is_empty() {
        return Err(Failure::usage(
            "empty search query: give a code (486), a prefix (48), a reason phrase or a symptom (busy, transfer)",
        ));
    }
    let notes = BTreeMap::new();
    let found = Searcher::new().search_all(kb, &notes, query);
    let hits = &found.codes[..found.codes.len().min(limit)];
    // The Q.850 causes the query asks for (`cause 34`, `Q.850`) or names,
    // as the UI lists them: before the codes, in text and Markdown (JSON
    // stays a list of codes; `sipfix q850 --json` gives causes).
    let causes: Vec<&crate::kb::Cause> = found
        .causes
        .iter()
        .filter(|c| c.lead)
        .filter_map(|c| kb.cause(c.cause))
        .take(limit)
        .collect();
    if format == OutputFormat::Json {
        let v: Vec<_> = hits
            .iter()
            .filter_map(|h| {
                let e = kb.get(h.code)?;
                Some(SearchJson {
                    code: h.code,
                    reason: &e.reason,
                    class: Class::of(h.code).map(Class::label).unwrap_or("?"),
                    score: h.score,
                    matched: h.field,
                    context: h.context.clone(),
                })
            })
            .collect();
        emit_json(&v)?;
    } else if format == OutputFormat::Markdown {
        let mut s = String::new();
        if !causes.is_empty() {
            s.push_str("| Q.850 cause | Name | SIP |\n|---|---|---|\n");
            for c in &causes {
                s.push_str(&format!(
                    "| {} | {} | {} |\n",
                    c.cause,
                    render::md_escape(&c.name),
                    cause_sip(c)
                ));
            }
            s.push('\n');
        }
        s.push_str(&markdown_table(hits.iter().filter_map(|h| kb.get(h.code))));
        emit(&s)?;
    } else {
        // The query was loosened: say what was searched (text only; JSON
        // stays a list of codes).
        if let Some(r) = &found.relaxed {
            eprintln!(
                "nothing matches '{}': showing {}",
                crate::sanitize::inline(query.trim()),
                r
            );
        }
        let mut s = String::new();
        for c in &causes {
            let sip = format!(" SIP {}", cause_sip(c));
            // The name cut to leave room for the mapping (as `list_line`
            // cuts a summary).
            let room = out
                .style
                .width
                .saturating_sub(4 + sip.chars().count())
                .max(12);
            let name = render::fold(&c.name, out.style.ascii);
            let name: String = if name.chars().count() > room {
                let cut: String = name.chars().take(room.saturating_sub(3)).collect();
                format!("{cut}...")
            } else {
                name.into_owned()
            };
            s.push_str(&format!(
                "Q{:<3}{name:<w$}{sip}\n",
                c.cause,
                w = 40.min(room)
            ));
        }
        if !causes.is_empty() && !hits.is_empty() {
            s.push('\n');
        }
        for h in hits {
            if let Some(e) = kb.get(h.code) {
                s.push_str(&list_line(e, out.style.width, out.style.ascii));
                s.push('\n');
            }
        }
        emit(&s)?;
    }
    if hits.is_empty() && causes.is_empty() {
        return Err(Failure::runtime(format!(
            "no code matches '{}'",
            crate::sanitize::inline(query)
        )));
    }
    Ok(())
}
