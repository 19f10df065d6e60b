//! The summary of a set of calls, with the RFC 6076 metrics.
//!
//! - SER (RFC 6076 §4.6): INVITE calls answered with a 2xx, over INVITE
//!   attempts less those answered with a 3xx redirect.
//! - SEER (§4.7): as SER, counting 480, 486, 600 and 603 with the answered
//!   calls (the callee's own choice is not the network's failure).
//! - ISA (§4.8): INVITE attempts ending in 408, 500, 503 or 504, or timing
//!   out with no final response at all, over all attempts.
//! - SRD (§4.3.1), the post-dial delay: INVITE to the first provisional
//!   response other than 100, or to the 2xx when none came first; median
//!   and 95th percentile over answered calls only (§4.3 forbids mixing
//!   successful and failed set-ups). Failed set-ups get their own median
//!   (§4.3.2: to the first provisional or failure response, 401, 402 and
//!   407 excluded).
//!
//! The ratios are fractions from 0 to 1 (the RFC multiplies by 100 for a
//! percentage). Calls still pending when the trace ends are left out of the
//! ratios. Percentiles use the nearest-rank method.

use super::model::{Call, Method, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts and metrics over a set of calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub calls: u64,
    pub answered: u64,
    /// Outcome `failure`.
    pub failed: u64,
    /// Outcome `user`: busy, cancelled, declined.
    pub user: u64,
    pub pending: u64,
    /// Calls per final code (`"none"` for calls without one).
    pub by_final: BTreeMap<String, u64>,
    /// Calls per method.
    pub by_method: BTreeMap<String, u64>,
    /// INVITE calls with an outcome (the RFC 6076 attempts).
    pub invite_attempts: u64,
    /// INVITE calls whose first request is a re-INVITE inside a dialog
    /// (the trace began after they were set up): not attempts.
    pub invites_in_dialog: u64,
    pub ser: Option<f64>,
    pub seer: Option<f64>,
    pub isa: Option<f64>,
    pub pdd_ms_median: Option<u64>,
    pub pdd_ms_p95: Option<u64>,
    pub srd_failed_ms_median: Option<u64>,
    /// Retransmitted messages in these calls.
    pub retransmissions: u64,
    /// Answered INVITE attempts with no time at all (a log that prints
    /// none): no post-dial delay to measure. Not a JSON key: the report
    /// gives it as the reason the delay is missing.
    #[serde(skip)]
    pub answered_untimed: u64,
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// What the summary needs of one call, in 48 bytes: a front end that
/// summarises many subsets of the same calls (the TUI's filter, at every
/// key) keeps these in one array instead of reaching into every call and
/// its messages each time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallFacts {
    pub final_code: Option<u16>,
    pub method: Method,
    pub outcome: Outcome,
    pub retransmissions: u32,
    /// RFC 6076 §4.3 SRD of an answered call (the post-dial delay).
    /// Milliseconds as the call has them: a capture with a clock jump can
    /// hold a delay of years, and a narrower type would cap it at 49 days
    /// and show that as if it were measured.
    pub pdd_ms: Option<u64>,
    /// §4.3.2: to the first provisional or the failure response.
    pub srd_failed_ms: Option<u64>,
    /// The call's first request is inside a dialog (a re-INVITE with a To
    /// tag): the trace began after the call was set up. Not a session
    /// attempt (RFC 6076 §4.6-§4.8 count the requests that set one up).
    pub in_dialog: bool,
    /// None of the call's messages has a time (a log that prints none).
    pub untimed: bool,
}

impl CallFacts {
    pub fn of(c: &Call) -> CallFacts {
        let final_code = c.final_code();
        let srd_failed_ms = match final_code {
            Some(f) if f >= 400 && !matches!(f, 401 | 402 | 407) => {
                c.pdd_ms.or_else(|| c.ms_since_start(c.final_msg))
            }
            _ => None,
        };
        CallFacts {
            final_code,
            method: c.method,
            outcome: c.outcome,
            retransmissions: c.retransmissions,
            pdd_ms: c.pdd_ms,
            srd_failed_ms,
            in_dialog: c.began_in_dialog,
            untimed: c.start_ns.is_none(),
        }
    }
}

/// Summarise calls; `method_name` names a call's method.
pub fn summarize<'a>(
    calls: impl IntoIterator<Item = &'a Call>,
    method_name: impl Fn(Method) -> String,
) -> Summary {
    summarize_facts(calls.into_iter().map(CallFacts::of), method_name)
}

/// Summarise calls from their [`CallFacts`].
pub fn summarize_facts(
    calls: impl IntoIterator<Item = CallFacts>,
    method_name: impl Fn(Method) -> String,
) -> Summary {
    let mut s = Summary::default();
    let mut pdd = Vec::new();
    let mut srd_failed = Vec::new();
    let (mut ok, mut effective, mut ineffective, mut redirected) = (0u64, 0u64, 0u64, 0u64);
    // Counted by number in small arrays, named once at the end: no string
    // and no map entry per call.
    let mut by_final = [0u64; 1000];
    let mut no_final = 0u64;
    let mut by_method = [0u64; 256];
    for c in calls {
        s.calls += 1;
        s.retransmissions += u64::from(c.retransmissions);
        match c.outcome {
            Outcome::Answered => s.answered += 1,
            Outcome::User => s.user += 1,
            Outcome::Failure => s.failed += 1,
            Outcome::Pending => s.pending += 1,
        }
        match c.final_code {
            Some(f) if f < 1000 => by_final[usize::from(f)] += 1,
            Some(f) => *s.by_final.entry(f.to_string()).or_default() += 1,
            None => no_final += 1,
        }
        by_method[usize::from(c.method.0)] += 1;
        if c.method != Method::INVITE || c.outcome == Outcome::Pending {
            continue;
        }
        if c.in_dialog {
            s.invites_in_dialog += 1;
            continue;
        }
        s.invite_attempts += 1;
        let code = c.final_code;
        match code {
            Some(200..=299) => {
                ok += 1;
                effective += 1;
                if let Some(p) = c.pdd_ms {
                    pdd.push(p);
                } else if c.untimed {
                    s.answered_untimed += 1;
                }
            }
            Some(300..=399) => redirected += 1,
            Some(480 | 486 | 600 | 603) => effective += 1,
            _ => {}
        }
        if matches!(code, None | Some(408 | 500 | 503 | 504)) {
            ineffective += 1;
        }
        if let Some(v) = c.srd_failed_ms {
            srd_failed.push(v);
        }
    }
    for (code, &n) in by_final.iter().enumerate().filter(|(_, n)| **n > 0) {
        *s.by_final.entry(code.to_string()).or_default() += n;
    }
    if no_final > 0 {
        *s.by_final.entry("none".to_string()).or_default() += no_final;
    }
    for (m, &n) in by_method.iter().enumerate().filter(|(_, n)| **n > 0) {
        *s.by_method.entry(method_name(Method(m as u8))).or_default() += n;
    }
    let base = s.invite_attempts.saturating_sub(redirected);
    if base > 0 {
        s.ser = Some(ok as f64 / base as f64);
        s.seer = Some(effective as f64 / base as f64);
    }
    if s.invite_attempts > 0 {
        s.isa = Some(ineffective as f64 / s.invite_attempts as f64);
    }
    pdd.sort_unstable();
    srd_failed.sort_unstable();
    s.pdd_ms_median = percentile(&pdd, 50.0);
    s.pdd_ms_p95 = percentile(&pdd, 95.0);
    s.srd_failed_ms_median = percentile(&srd_failed, 50.0);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 95.0), Some(7));
        let v: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&v, 50.0), Some(10));
        assert_eq!(percentile(&v, 95.0), Some(19));
        assert_eq!(percentile(&v, 100.0), Some(20));
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
    }

    /// A trace that starts mid-call sees only a session refresh (a
    /// re-INVITE with a To tag) of a call set up before it: not a session
    /// attempt, so it stays out of SER, SEER and ISA. The same re-INVITE
    /// after a captured initial INVITE leaves that call counted.
    #[test]
    fn a_call_seen_from_a_reinvite_on_is_not_an_attempt() {
        use crate::trace::testkit::{Step, analyze, answered_call, ep, request, response};
        let (a, b) = (ep("10.0.0.1:5060"), ep("10.0.0.2:5060"));
        let reinvite =
            |id: &str, branch: &str| request("INVITE", id, 7, branch, Some("b"), &[], "");
        let mut steps = Vec::new();
        // Two calls seen from a refresh on: one answered, one refused.
        for (i, (id, code)) in [("mid-ok", 200), ("mid-488", 488)].into_iter().enumerate() {
            let r = reinvite(id, &format!("z9hG4bKre{i}"));
            steps.push(Step::new(i as i64 * 10, a, b, &r));
            steps.push(Step::new(
                i as i64 * 10 + 5,
                b,
                a,
                &response(&r, code, Some("b"), &[]),
            ));
        }
        // A call captured whole, refreshed, and one refused at set-up.
        let mut whole = answered_call("whole", 100, 9000);
        let r = reinvite("whole", "z9hG4bKre9");
        whole.push(Step::new(5000, a, b, &r));
        whole.push(Step::new(5005, b, a, &response(&r, 200, Some("b"), &[])));
        steps.extend(whole);
        steps.extend(crate::trace::testkit::rejected_call(
            "busy",
            200,
            b,
            503,
            &[],
        ));
        steps.sort_by_key(|s| s.ms);
        let t = analyze(&steps);
        assert_eq!(t.calls.len(), 4);
        let s = summarize(&t.calls, |m| t.method_name(m).to_string());
        assert_eq!((s.invite_attempts, s.invites_in_dialog), (2, 2));
        assert_eq!(
            s.ser,
            Some(0.5),
            "whole answered, busy 503: the refreshes left out"
        );
        assert_eq!(s.isa, Some(0.5));
        assert_eq!(s.calls, 4, "still listed as calls");
        assert!(CallFacts::of(t.call("mid-488").unwrap()).in_dialog);
        assert!(!CallFacts::of(t.call("whole").unwrap()).in_dialog);
    }

    /// Answered calls without times (a log that prints none) have no
    /// post-dial delay, and the summary counts them so the report can say
    /// why; answered calls with times, or without a 2xx, are not counted.
    #[test]
    fn answered_calls_without_times_are_counted_apart() {
        use crate::trace::testkit::{analyze, analyze_untimed, answered_call, ep, rejected_call};
        let mut steps = answered_call("ok", 0, 5000);
        steps.extend(rejected_call("busy", 6000, ep("10.0.0.3:5060"), 486, &[]));
        let name = |t: &crate::trace::Triage, m| t.method_name(m).to_string();
        let t = analyze_untimed(&steps);
        let s = summarize(&t.calls, |m| name(&t, m));
        assert_eq!((s.answered, s.invite_attempts), (1, 2));
        assert_eq!((s.pdd_ms_median, s.answered_untimed), (None, 1));
        assert!(CallFacts::of(t.call("ok").unwrap()).untimed);
        let t = analyze(&steps);
        let s = summarize(&t.calls, |m| name(&t, m));
        assert_eq!((s.pdd_ms_median, s.answered_untimed), (Some(800), 0));
        // Not a JSON key.
        let v = serde_json::to_value(&s).unwrap();
        assert!(v.get("answered_untimed").is_none(), "{v}");
    }

    /// A capture whose clock jumps (a response stamped 60 days after its
    /// request) gives a summary delay equal to the call's own, not one
    /// capped at the largest 32-bit number of milliseconds.
    #[test]
    fn delays_longer_than_49_days_are_not_capped() {
        use crate::trace::testkit::{analyze, answered_call, ep, rejected_call};
        const DAY_MS: i64 = 86_400_000;
        let mut steps = answered_call("jump", 0, 1000);
        // The 180 and everything after it, 60 days later.
        for s in &mut steps[2..] {
            s.ms += 60 * DAY_MS;
        }
        let mut failed = rejected_call("late", 1, ep("10.0.0.3:5060"), 503, &[]);
        for s in &mut failed[1..] {
            s.ms += 70 * DAY_MS;
        }
        steps.extend(failed);
        steps.sort_by_key(|s| s.ms);
        let t = analyze(&steps);
        let jump = t.call("jump").unwrap();
        let pdd = jump.pdd_ms.unwrap();
        assert!(pdd > u64::from(u32::MAX), "{pdd}");
        let s = summarize(&t.calls, |m| t.method_name(m).to_string());
        assert_eq!(s.pdd_ms_median, Some(pdd));
        assert_eq!(s.pdd_ms_p95, Some(pdd));
        let late = t.call("late").unwrap();
        assert_eq!(s.srd_failed_ms_median, late.ms_since_start(late.final_msg));
        assert!(s.srd_failed_ms_median.unwrap() > u64::from(u32::MAX));
    }
}
