//! Loading a trace for the TUI: the work the run loop hands to a worker
//! thread for [`super::app::Effect::Load`] (read and triage the inputs,
//! rank the calls, index their text) and [`super::app::Effect::LoadCall`]
//! (read one call's messages again, whole). Plain functions with no
//! terminal, so tests and benchmarks run them directly; their results come
//! back to the app as messages.

use crate::kb::Kb;
use crate::trace::filter::TextIndex;
use crate::trace::metrics::{self, CallFacts, Summary};
use crate::trace::model::{Call, Keep, Options, Outcome, Triage};
use crate::trace::{Format, Input, RawMessage, Severity};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a trace comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceSource {
    /// Capture or log files, read again to show one call's messages.
    Files(Vec<PathBuf>),
    /// Text pasted into the UI (several SIP messages, a log excerpt).
    Text(Arc<Vec<u8>>),
}

impl TraceSource {
    /// The readers' inputs.
    pub fn inputs(&self) -> Vec<Input> {
        match self {
            TraceSource::Files(v) => v.iter().cloned().map(Input::Path).collect(),
            TraceSource::Text(t) => vec![Input::Bytes(t.to_vec())],
        }
    }

    /// A short name for titles and messages (sanitised).
    pub fn label(&self) -> String {
        match self {
            TraceSource::Files(v) => {
                let first = v.first().map_or_else(String::new, |p| {
                    crate::sanitize::inline(&p.display().to_string())
                });
                match v.len() {
                    0 | 1 => first,
                    n => format!("{first} and {} more", n - 1),
                }
            }
            TraceSource::Text(_) => "the pasted text".to_string(),
        }
    }

    /// Input bytes when known without reading (0 for a pipe).
    fn size(&self) -> u64 {
        match self {
            TraceSource::Files(v) => v
                .iter()
                .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
                .sum(),
            TraceSource::Text(t) => t.len() as u64,
        }
    }

    /// Whether every input can be read a second time (a pipe cannot).
    fn rereadable(&self) -> bool {
        match self {
            TraceSource::Files(v) => v
                .iter()
                .all(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file())),
            TraceSource::Text(_) => true,
        }
    }
}

/// A trace to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadJob {
    /// Each load has its own number; a result for an older one is dropped.
    pub id: u64,
    pub source: TraceSource,
    pub format: Format,
}

/// Inputs up to this size keep every message's bytes in the first pass,
/// so a call's messages are shown without reading the inputs again.
pub const KEEP_ALL_BELOW: u64 = 32 << 20;

/// A loaded trace: the analysis and what the calls pane needs of it.
#[derive(Debug)]
pub struct Loaded {
    pub id: u64,
    pub source: TraceSource,
    pub format: Format,
    pub triage: Triage,
    /// Call indices, most severe first (see [`rank`]).
    pub order: Vec<u32>,
    /// The calls' text, for free words in the filter.
    pub index: TextIndex,
    /// The whole trace's summary.
    pub summary: Summary,
    /// What the summary needs of each call, in rank order (`facts[k]` is
    /// of the call `order[k]`): the filter goes through both side by side
    /// and summarises the calls it lists at every key, reading memory in
    /// order.
    pub facts: Vec<CallFacts>,
}

/// Read and triage a trace, then rank and index its calls.
/// `progress(done, total)` is called now and then with input bytes.
pub fn load(job: &LoadJob, kb: &Kb, progress: &mut dyn FnMut(u64, u64)) -> Result<Loaded, String> {
    let keep_all = job.source.size() <= KEEP_ALL_BELOW || !job.source.rereadable();
    let opts = Options {
        keep: if keep_all { Keep::All } else { Keep::Nothing },
        keep_limit: 2 * KEEP_ALL_BELOW as usize,
    };
    let triage = crate::trace::analyze(&job.source.inputs(), job.format, opts, kb, progress)
        .map_err(|e| e.to_string())?;
    Ok(Loaded::new(job, triage, kb))
}

impl Loaded {
    /// The analysis of `job`'s trace, its calls ranked and indexed.
    pub fn new(job: &LoadJob, triage: Triage, kb: &Kb) -> Loaded {
        let order = rank(&triage);
        let index = TextIndex::new(&triage, kb);
        let facts: Vec<CallFacts> = order
            .iter()
            .map(|&i| CallFacts::of(&triage.calls[i as usize]))
            .collect();
        let summary =
            metrics::summarize_facts(facts.iter().copied(), |m| triage.method_name(m).to_string());
        Loaded {
            id: job.id,
            source: job.source.clone(),
            format: job.format,
            triage,
            order,
            index,
            summary,
            facts,
        }
    }
}

/// How a call ranks in the calls pane, lowest first: failures, then calls
/// with a failure or warning finding, calls still pending, the user's own
/// outcomes (busy, cancelled, declined), answered calls; within each, the
/// most severe finding first, then the earliest.
pub fn rank_key(c: &Call) -> (u8, u8, i64) {
    let top = c.findings.first().map(|f| f.severity);
    let class = match c.outcome {
        Outcome::Failure => 0,
        _ if top.is_some_and(|s| s >= Severity::Warning) => 1,
        Outcome::Pending => 2,
        Outcome::User => 3,
        Outcome::Answered => 4,
    };
    let sev = match top {
        Some(Severity::Failure) => 0,
        Some(Severity::Warning) => 1,
        Some(Severity::Info) => 2,
        None => 3,
    };
    (class, sev, c.start_ns.unwrap_or(i64::MAX))
}

/// The calls of `t` in the order of [`rank_key`] (ties in trace order).
pub fn rank(t: &Triage) -> Vec<u32> {
    let mut v: Vec<u32> = (0..t.calls.len() as u32).collect();
    v.sort_by_cached_key(|&i| rank_key(&t.calls[i as usize]));
    v
}

/// One call's messages to read again, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallJob {
    /// The load the call belongs to.
    pub load: u64,
    /// Index of the call in the trace.
    pub call: u32,
    pub call_id: String,
    pub source: TraceSource,
    pub format: Format,
}

/// Read the inputs again for one call's messages.
pub fn call_bytes(job: &CallJob) -> Result<Vec<RawMessage>, String> {
    crate::trace::call_messages(&job.source.inputs(), job.format, &job.call_id)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::testkit::*;

    #[test]
    fn failures_rank_first_then_problems_then_pending_user_answered() {
        let mut steps = answered_call("ok", 0, 30_000);
        steps.extend(rejected_call("busy", 100, ep("10.0.0.3:5060"), 486, &[]));
        steps.extend(rejected_call("fail", 200, ep("10.0.0.4:5060"), 503, &[]));
        steps.extend(rejected_call(
            "fail-early",
            50,
            ep("10.0.0.4:5060"),
            404,
            &[],
        ));
        let inv = request("INVITE", "ringing", 1, "z9hG4bKp", None, &[], "");
        steps.push(Step::new(
            300,
            ep("10.0.0.1:5060"),
            ep("10.0.0.2:5060"),
            &inv,
        ));
        steps.push(Step::new(
            305,
            ep("10.0.0.2:5060"),
            ep("10.0.0.1:5060"),
            &response(&inv, 180, Some("x"), &[]),
        ));
        steps.sort_by_key(|s| s.ms);
        let t = analyze(&steps);
        let ids: Vec<&str> = rank(&t)
            .iter()
            .map(|&i| t.calls[i as usize].call_id.as_str())
            .collect();
        // Both failures first (the 503 has an overload finding, the 404 none).
        assert_eq!(ids, vec!["fail", "fail-early", "ringing", "busy", "ok"]);
    }

    #[test]
    fn a_text_source_loads_with_every_message_kept() {
        let inv = request("INVITE", "p-1", 1, "z9hG4bK1", None, &[], "");
        let busy = response(&inv, 486, Some("x"), &[]);
        let text = format!("{inv}{busy}");
        let job = LoadJob {
            id: 7,
            source: TraceSource::Text(Arc::new(text.into_bytes())),
            format: Format::Auto,
        };
        let mut calls = 0;
        let l = load(&job, Kb::embedded(), &mut |_, _| calls += 1).unwrap();
        assert_eq!(l.id, 7);
        assert_eq!(l.triage.calls.len(), 1);
        assert_eq!(l.triage.calls[0].final_code(), Some(486));
        assert!(l.triage.calls[0].raw_of(1).is_some(), "bytes kept");
        assert_eq!(l.order, vec![0]);
        assert_eq!(job.source.label(), "the pasted text");
        let bad = LoadJob {
            id: 8,
            source: TraceSource::Files(vec!["/nonexistent/x.pcap".into()]),
            format: Format::Auto,
        };
        let e = load(&bad, Kb::embedded(), &mut |_, _| {}).unwrap_err();
        assert!(e.contains("cannot read /nonexistent/x.pcap"), "{e}");
    }
}
