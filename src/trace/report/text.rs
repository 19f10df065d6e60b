//! The default report: a header line, the summary with the RFC 6076
//! metrics, the failures ranked and grouped, the user outcomes apart, the
//! pending calls, answered calls with problems, and the input problems.
//! Fits the given width (80 by default); ASCII-only when asked.

use super::{
    Group, Selection, answered_with_findings, call_id, clip, code_label, code_meaning, duration,
    formats, groups, link_types, percent, problem_line, rfc3339, thousands,
};
use crate::kb::Kb;
use crate::render::{HEADING, TITLE, TextStyle, ascii_fold, paint, wrap};
use crate::sanitize;
use crate::trace::model::{Outcome, Triage};

/// Groups listed per section, at most (the rest are counted).
pub const MAX_GROUPS: usize = 20;
/// Example Call-IDs per group.
pub const EXAMPLES: usize = 3;
/// Problems listed in text, at most.
pub const MAX_PROBLEM_LINES: usize = 10;

/// Lines of text under a style.
pub(crate) struct Out {
    pub st: TextStyle,
    pub lines: Vec<String>,
}

impl Out {
    pub fn new(st: TextStyle) -> Out {
        Out {
            st,
            lines: Vec::new(),
        }
    }

    fn w(&self) -> usize {
        self.st.width.max(40)
    }

    /// Text made safe for the style (ASCII folded before wrapping, so the
    /// width holds).
    pub fn fold(&self, s: &str) -> String {
        if self.st.ascii {
            ascii_fold(s)
        } else {
            s.to_string()
        }
    }

    pub fn title(&mut self, s: &str) {
        let s = self.fold(s);
        for l in wrap(&s, self.w(), "", "  ") {
            self.lines.push(paint(&l, TITLE, self.st.color));
        }
    }

    pub fn heading(&mut self, s: &str) {
        self.lines.push(String::new());
        let s = self.fold(s);
        for l in wrap(&s, self.w(), "", "  ") {
            self.lines.push(paint(&l, HEADING, self.st.color));
        }
    }

    /// A paragraph with a first-line and a hanging indent.
    pub fn para(&mut self, first: &str, rest: &str, s: &str) {
        let s = self.fold(s);
        let w = self.w();
        self.lines.extend(wrap(&s, w, first, rest));
    }

    /// A line taken as is (already laid out).
    pub fn raw(&mut self, s: String) {
        self.lines.push(s);
    }

    pub fn finish(self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}

fn human_bytes(b: u64) -> String {
    const K: f64 = 1024.0;
    let f = b as f64;
    if f < K {
        format!("{b} bytes")
    } else if f < K * K {
        format!("{:.1} KiB", f / K)
    } else if f < K * K * K {
        format!("{:.1} MiB", f / K / K)
    } else {
        format!("{:.2} GiB", f / K / K / K)
    }
}

/// The header: inputs, format, link types, counts, time span.
pub(crate) fn header(t: &Triage, o: &mut Out) {
    let files: Vec<String> = t
        .sources
        .iter()
        .map(|s| sanitize::inline(&s.path))
        .collect();
    if files.len() == 1 {
        o.title(&format!("sipfix triage: {}", files[0]));
    } else {
        o.title(&format!(
            "sipfix triage: {} inputs: {}",
            files.len(),
            files.join(", ")
        ));
    }
    let packets: u64 = t.sources.iter().map(|s| s.packets).sum();
    let bytes: u64 = t.sources.iter().map(|s| s.bytes).sum();
    let links = link_types(&t.sources);
    let mut fmt = formats(&t.sources);
    if !links.is_empty() {
        fmt.push_str(&format!(" ({})", sanitize::inline(&links.join(", "))));
    }
    o.para(
        "  ",
        "    ",
        &format!(
            "{fmt}; {}, {}",
            super::input_counts(packets, t.messages),
            human_bytes(bytes)
        ),
    );
    if let (Some(a), Some(b)) = (t.first_ns, t.last_ns) {
        let a3 = rfc3339(a).replace('T', " ").replace('Z', "");
        let b3 = rfc3339(b).replace('T', " ").replace('Z', "");
        // Same day: show only the time of the end.
        let b_short = if a3[..10] == b3[..10] {
            b3[11..].to_string()
        } else {
            b3
        };
        o.para(
            "  ",
            "    ",
            &format!("{a3} to {b_short} UTC ({})", duration(b - a)),
        );
    }
}

/// The whole default report.
pub fn report(sel: &Selection<'_>, kb: &Kb, st: TextStyle, filter_desc: &str) -> String {
    let t = sel.triage;
    let mut o = Out::new(st);
    header(t, &mut o);
    if t.messages == 0 {
        o.heading("No SIP messages found");
        o.para(
            "  ",
            "  ",
            "sipfix recognises SIP by its start line on any UDP or TCP port, in HEP and in \
             WebSocket frames. Check the capture filter (was port 5060 only captured while the \
             peers use another?), that the traffic is not TLS-encrypted, and that the capture \
             has the signalling and not only RTP.",
        );
        problems(t, &mut o);
        return o.finish();
    }
    summary(sel, &mut o, filter_desc);
    let failures = groups(&sel.calls, Outcome::Failure);
    section(
        &mut o,
        sel,
        kb,
        &failures,
        &format!(
            "Failures: {}",
            calls_in_groups(sel.summary.failed, failures.len())
        ),
    );
    let user = groups(&sel.calls, Outcome::User);
    section(
        &mut o,
        sel,
        kb,
        &user,
        &format!(
            "User outcomes (busy, cancelled, declined: not service failures): {}",
            calls_in_groups(sel.summary.user, user.len())
        ),
    );
    let pending = groups(&sel.calls, Outcome::Pending);
    section(
        &mut o,
        sel,
        kb,
        &pending,
        &format!(
            "Pending (no final response when the trace ends): {}",
            calls_in_groups(sel.summary.pending, pending.len())
        ),
    );
    let answered = answered_with_findings(&sel.calls);
    if !answered.is_empty() {
        let n: usize = answered.iter().map(|(_, v)| v.len()).sum();
        o.heading(&format!(
            "Answered, but: {} call{}",
            thousands(n as u64),
            plural(n)
        ));
        for (f, calls) in answered.iter().take(MAX_GROUPS) {
            o.raw(format!(
                "  {:>6} x [{}] {}",
                thousands(calls.len() as u64),
                f.id,
                f.severity.label()
            ));
            o.para("           ", "           ", &f.text);
            examples(&mut o, calls);
        }
    }
    problems(t, &mut o);
    o.lines.push(String::new());
    o.para(
        "",
        "  ",
        "One call in detail: sipfix triage FILE --call CALL-ID",
    );
    o.finish()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn calls_in_groups(calls: u64, groups: usize) -> String {
    if calls == 0 {
        return "none".to_string();
    }
    format!(
        "{} call{} in {} group{}",
        thousands(calls),
        plural(calls as usize),
        groups,
        plural(groups)
    )
}

fn summary(sel: &Selection<'_>, o: &mut Out, filter_desc: &str) {
    let s = &sel.summary;
    let methods: Vec<String> = s
        .by_method
        .iter()
        .map(|(m, n)| format!("{} {}", clip(m, 20), thousands(*n)))
        .collect();
    let head = if sel.filtered {
        format!(
            "Calls: {} selected of {} ({filter_desc})",
            thousands(s.calls),
            thousands(sel.triage.calls.len() as u64)
        )
    } else {
        format!("Calls: {}", thousands(s.calls))
    };
    o.heading(&head);
    if !methods.is_empty() {
        o.para("  ", "    ", &format!("by method: {}", methods.join(", ")));
    }
    o.para("  ", "    ", &super::outcome_counts(s));
    if s.invite_attempts > 0 {
        o.para(
            "  ",
            "    ",
            &format!(
                "RFC 6076: SER {}, SEER {}, ISA {} over {} INVITE attempt{}",
                percent(s.ser),
                percent(s.seer),
                percent(s.isa),
                thousands(s.invite_attempts),
                plural(s.invite_attempts as usize)
            ),
        );
        let pdd = match (s.pdd_ms_median, s.pdd_ms_p95) {
            (Some(m), Some(p)) => format!("median {m} ms, 95th percentile {p} ms (answered calls)"),
            _ if s.answered_untimed > 0 => super::untimed_pdd(s),
            _ => "n/a (no answered call with ringing or answer)".to_string(),
        };
        o.para("  ", "    ", &format!("post-dial delay (SRD): {pdd}"));
        if let Some(f) = s.srd_failed_ms_median {
            o.para(
                "  ",
                "    ",
                &format!("failed set-ups: median {f} ms to ringing or the failure"),
            );
        }
    }
    if s.invites_in_dialog > 0 {
        o.para("  ", "    ", &super::in_dialog_note(s));
    }
    let mut extra = format!("retransmissions {}", thousands(s.retransmissions));
    if sel.triage.duplicates > 0 {
        extra.push_str(&format!(
            ", duplicate copies dropped {}",
            thousands(sel.triage.duplicates)
        ));
    }
    o.para("  ", "    ", &extra);
}

/// One outcome's groups.
fn section(o: &mut Out, sel: &Selection<'_>, kb: &Kb, gs: &[Group<'_>], title: &str) {
    o.heading(title);
    let t = sel.triage;
    for g in gs.iter().take(MAX_GROUPS) {
        let c = g.calls[0];
        let what = match g.code {
            Some(code) => code_label(t, kb, c, c.final_msg, code),
            None => "no final response".to_string(),
        };
        let dir = if g.code.is_some() { "from" } else { "sent to" };
        let line = format!(
            "{:>6} x {what} to {}, {dir} {}",
            thousands(g.calls.len() as u64),
            t.method_name(g.method),
            t.endpoint_str(g.peer)
        );
        o.para("  ", "           ", &line);
        if let Some(f) = g.finding {
            o.para(
                "           ",
                "           ",
                &format!("[{}] {}", f.id, f.text),
            );
        } else if let Some(m) = code_meaning(kb, g.code) {
            o.para("           ", "           ", &m);
        }
        examples(o, &g.calls);
    }
    if gs.len() > MAX_GROUPS {
        let rest: usize = gs[MAX_GROUPS..].iter().map(|g| g.calls.len()).sum();
        o.para(
            "  ",
            "    ",
            &format!(
                "... {} more group{} ({} call{}): see --json or --csv for all",
                gs.len() - MAX_GROUPS,
                plural(gs.len() - MAX_GROUPS),
                thousands(rest as u64),
                plural(rest)
            ),
        );
    }
}

fn examples(o: &mut Out, calls: &[&crate::trace::Call]) {
    let ids: Vec<String> = calls.iter().take(EXAMPLES).map(|c| call_id(c)).collect();
    let more = if calls.len() > EXAMPLES { ", ..." } else { "" };
    o.para(
        "           ",
        "             ",
        &format!("e.g. {}{more}", ids.join(", ")),
    );
}

fn problems(t: &Triage, o: &mut Out) {
    if t.problem_count == 0 {
        return;
    }
    o.heading(&format!(
        "Problems in the input: {} (the rest was read)",
        thousands(t.problem_count)
    ));
    for p in t.problems.iter().take(MAX_PROBLEM_LINES) {
        o.para("  - ", "    ", &problem_line(t, p));
    }
    if t.problem_count > MAX_PROBLEM_LINES as u64 {
        o.para(
            "  ",
            "  ",
            &format!(
                "... {} more: see --json",
                thousands(t.problem_count - MAX_PROBLEM_LINES as u64)
            ),
        );
    }
}
