//! `sipfix triage --markdown`: the summary and the grouped failures as
//! Markdown tables, for a ticket.

use super::{
    Group, Selection, answered_with_findings, code_label, code_meaning, duration, formats, groups,
    link_types, percent, problem_line, rfc3339, thousands,
};
use crate::kb::Kb;
use crate::render::{md_code, md_escape};
use crate::sanitize;
use crate::trace::model::Outcome;

fn cell(s: &str) -> String {
    md_escape(&sanitize::inline(s)).replace('\n', " ")
}

/// The whole report.
pub fn report(sel: &Selection<'_>, kb: &Kb, filter_desc: &str) -> String {
    let t = sel.triage;
    let s = &sel.summary;
    let files: Vec<String> = t
        .sources
        .iter()
        .map(|s| md_code(&sanitize::inline(&s.path)))
        .collect();
    let mut o = format!("## SIP triage: {}\n\n| | |\n|---|---|\n", files.join(", "));
    let links = link_types(&t.sources);
    o.push_str(&format!(
        "| Input | {}{}; {} |\n",
        cell(&formats(&t.sources)),
        if links.is_empty() {
            String::new()
        } else {
            format!(" ({})", cell(&links.join(", ")))
        },
        super::input_counts(t.sources.iter().map(|s| s.packets).sum(), t.messages)
    ));
    if let (Some(a), Some(b)) = (t.first_ns, t.last_ns) {
        o.push_str(&format!(
            "| Time | {} to {} ({}) |\n",
            rfc3339(a),
            rfc3339(b),
            duration(b - a)
        ));
    }
    let calls = if sel.filtered {
        format!(
            "{} selected of {} ({})",
            thousands(s.calls),
            thousands(t.calls.len() as u64),
            cell(filter_desc)
        )
    } else {
        thousands(s.calls)
    };
    o.push_str(&format!(
        "| Calls | {calls}: answered {}, failed {}, user {}, pending {} |\n",
        thousands(s.answered),
        thousands(s.failed),
        thousands(s.user),
        thousands(s.pending)
    ));
    if s.invite_attempts > 0 {
        o.push_str(&format!(
            "| RFC 6076 | SER {}, SEER {}, ISA {} over {} INVITE attempt{} |\n",
            percent(s.ser),
            percent(s.seer),
            percent(s.isa),
            thousands(s.invite_attempts),
            if s.invite_attempts == 1 { "" } else { "s" }
        ));
        if let (Some(m), Some(p)) = (s.pdd_ms_median, s.pdd_ms_p95) {
            o.push_str(&format!(
                "| Post-dial delay (SRD) | median {m} ms, 95th percentile {p} ms |\n"
            ));
        } else if s.answered_untimed > 0 {
            o.push_str(&format!(
                "| Post-dial delay (SRD) | {} |\n",
                super::untimed_pdd(s)
            ));
        }
    }
    if s.invites_in_dialog > 0 {
        o.push_str(&format!(
            "| Not attempts | {} |\n",
            super::in_dialog_note(s)
        ));
    }
    o.push_str(&format!(
        "| Retransmissions | {} |\n\n",
        thousands(s.retransmissions)
    ));

    for (outcome, title) in [
        (Outcome::Failure, "Failures"),
        (Outcome::User, "User outcomes (busy, cancelled, declined)"),
        (
            Outcome::Pending,
            "Pending (no final response when the trace ends)",
        ),
    ] {
        let gs = groups(&sel.calls, outcome);
        if gs.is_empty() {
            continue;
        }
        o.push_str(&format!("### {title}\n\n"));
        table(&mut o, sel, kb, &gs);
    }
    let answered = answered_with_findings(&sel.calls);
    if !answered.is_empty() {
        o.push_str("### Answered, but\n\n");
        for (f, calls) in &answered {
            o.push_str(&format!(
                "- {} x **{}** ({}): {} e.g. {}\n",
                thousands(calls.len() as u64),
                md_code(f.id),
                f.severity.label(),
                md_escape(&f.text),
                md_code(&sanitize::shown_ident(&calls[0].call_id))
            ));
        }
        o.push('\n');
    }
    if t.problem_count > 0 {
        o.push_str(&format!(
            "### Problems in the input ({})\n\n",
            thousands(t.problem_count)
        ));
        for p in t.problems.iter().take(20) {
            o.push_str(&format!("- {}\n", md_escape(&problem_line(t, p))));
        }
        o.push('\n');
    }
    o
}

fn table(o: &mut String, sel: &Selection<'_>, kb: &Kb, gs: &[Group<'_>]) {
    let t = sel.triage;
    o.push_str("| Calls | Final | Method | Peer | Finding | Example Call-IDs |\n");
    o.push_str("|---:|---|---|---|---|---|\n");
    for g in gs.iter().take(50) {
        let c = g.calls[0];
        let fin = match g.code {
            Some(code) => code_label(t, kb, c, c.final_msg, code),
            None => "none".to_string(),
        };
        let ids: Vec<String> = g
            .calls
            .iter()
            .take(3)
            .map(|c| md_code(&super::clip(&sanitize::ident(&c.call_id), 40)).replace('|', "\\|"))
            .collect();
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            thousands(g.calls.len() as u64),
            cell(&fin),
            cell(t.method_name(g.method)),
            cell(&t.endpoint_str(g.peer)),
            g.finding.map_or("-".to_string(), |f| md_code(f.id)),
            ids.join(" ")
        ));
    }
    if gs.len() > 50 {
        o.push_str(&format!("\n{} more groups: see `--csv`.\n", gs.len() - 50));
    }
    o.push('\n');
    for g in gs.iter().take(50) {
        if let Some(f) = g.finding {
            o.push_str(&format!(
                "- {} from {}: {} ({})\n",
                md_code(f.id),
                cell(&t.endpoint_str(g.peer)),
                md_escape(&f.text),
                md_escape(f.rfc)
            ));
        } else if let Some(m) = code_meaning(kb, g.code) {
            o.push_str(&format!(
                "- no finding, from {}: {}\n",
                cell(&t.endpoint_str(g.peer)),
                md_escape(&m)
            ));
        }
    }
    o.push('\n');
}
