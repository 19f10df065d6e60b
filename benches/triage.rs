//! Benchmarks of the trace analysis. Run: `cargo bench --bench triage`.
//!
//! - `triage/skim_invite`: the field scan of one 625-byte INVITE with SDP.
//! - `triage/skim_response`: the field scan of a 293-byte 180 Ringing.
//! - `triage/analyze_*`: every message of a synthetic trace through the
//!   analysis (skim, calls, transactions) and `finish` (ordering,
//!   duplicates, timings, findings); throughput in SIP bytes.
//! - `triage/report_text`: the default report of 1,000 calls.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sipfix::kb::Kb;
use sipfix::trace::SourceInfo;
use sipfix::trace::model::{Analyzer, Options};
use sipfix::trace::report::Selection;
use sipfix::trace::testkit::{busy_trunk, feed, request, response, sdp};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let inv = request(
        "INVITE",
        "a84b4c76e66710@pc33.example.com",
        314159,
        "z9hG4bK776asdhds",
        None,
        &[
            "Proxy-Authorization: Digest username=\"alice\", realm=\"example.com\"",
            "User-Agent: Phone/1.0",
            "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS",
        ],
        &sdp("0 8 101"),
    );
    let ring = response(&inv, 180, Some("314159"), &["Server: PBX/2.0"]);
    let mut g = c.benchmark_group("triage");
    g.throughput(Throughput::Bytes(inv.len() as u64));
    g.bench_function("skim_invite", |b| {
        b.iter(|| black_box(sipfix::trace::skim::skim(black_box(inv.as_bytes()))))
    });
    g.throughput(Throughput::Bytes(ring.len() as u64));
    g.bench_function("skim_response", |b| {
        b.iter(|| black_box(sipfix::trace::skim::skim(black_box(ring.as_bytes()))))
    });
    for calls in [1_000usize, 20_000] {
        let steps = busy_trunk(calls);
        let bytes: u64 = steps.iter().map(|s| s.sip.len() as u64).sum();
        g.throughput(Throughput::Bytes(bytes));
        g.sample_size(10);
        g.bench_function(format!("analyze_{calls}_calls_{}_msgs", steps.len()), |b| {
            b.iter(|| {
                let mut a = Analyzer::new(Options::default());
                feed(&mut a, &steps);
                black_box(a.finish(vec![SourceInfo::default()], Kb::embedded()))
            })
        });
    }
    let steps = busy_trunk(1000);
    let mut a = Analyzer::new(Options::default());
    feed(&mut a, &steps);
    let t = a.finish(vec![SourceInfo::default()], Kb::embedded());
    g.throughput(Throughput::Elements(t.calls.len() as u64));
    g.bench_function("report_text_1000_calls", |b| {
        b.iter(|| {
            let sel = Selection::new(&t, &Default::default());
            black_box(sipfix::trace::report::text::report(
                &sel,
                Kb::embedded(),
                sipfix::render::TextStyle::default(),
                "",
            ))
        })
    });
    g.finish();
}

criterion_group!(triage, benches);
criterion_main!(triage);
