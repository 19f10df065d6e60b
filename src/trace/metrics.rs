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
    pub ser: Option<f64>,
    pub seer: Option<f64>,
    pub isa: Option<f64>,
    pub pdd_ms_median: Option<u64>,
    pub pdd_ms_p95: Option<u64>,
    pub srd_failed_ms_median: Option<u64>,
    /// Retransmitted messages in these calls.
    pub retransmissions: u64,
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Summarise calls; `method_name` names a call's method.
pub fn summarize<'a>(
    calls: impl IntoIterator<Item = &'a Call>,
    method_name: impl Fn(Method) -> String,
) -> Summary {
    let mut s = Summary::default();
    let mut pdd = Vec::new();
    let mut srd_failed = Vec::new();
    let (mut ok, mut effective, mut ineffective, mut redirected) = (0u64, 0u64, 0u64, 0u64);
    let mut by_final: BTreeMap<Option<u16>, u64> = BTreeMap::new();
    let mut by_method: BTreeMap<Method, u64> = BTreeMap::new();
    for c in calls {
        s.calls += 1;
        s.retransmissions += u64::from(c.retransmissions);
        match c.outcome {
            Outcome::Answered => s.answered += 1,
            Outcome::User => s.user += 1,
            Outcome::Failure => s.failed += 1,
            Outcome::Pending => s.pending += 1,
        }
        // Counted by number, named once at the end: no string per call.
        *by_final.entry(c.final_code()).or_default() += 1;
        *by_method.entry(c.method).or_default() += 1;
        if c.method != Method::INVITE || c.outcome == Outcome::Pending {
            continue;
        }
        s.invite_attempts += 1;
        let code = c.final_code();
        match code {
            Some(200..=299) => {
                ok += 1;
                effective += 1;
                if let Some(p) = c.pdd_ms {
                    pdd.push(p);
                }
            }
            Some(300..=399) => redirected += 1,
            Some(480 | 486 | 600 | 603) => effective += 1,
            _ => {}
        }
        if matches!(code, None | Some(408 | 500 | 503 | 504)) {
            ineffective += 1;
        }
        if let Some(f) = code
            && f >= 400
            && !matches!(f, 401 | 402 | 407)
        {
            // RFC 6076 §4.3.2: to the first provisional or the failure.
            if let Some(v) = c.pdd_ms.or_else(|| c.ms_since_start(c.final_msg)) {
                srd_failed.push(v);
            }
        }
    }
    for (code, n) in by_final {
        let key = code.map_or_else(|| "none".to_string(), |f| f.to_string());
        *s.by_final.entry(key).or_default() += n;
    }
    for (m, n) in by_method {
        *s.by_method.entry(method_name(m)).or_default() += n;
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
}
