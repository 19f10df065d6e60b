//! Where the time of `sipfix triage` goes, phase by phase, in one process:
//! reading alone, reading with the analysis, `finish` (ordering,
//! duplicates, timings, findings), the selection and summary, the JSON
//! report and the text report (each written to memory).
//!
//! ```sh
//! cargo run --release --example triage_phases -- /tmp/big.pcapng [--runs 3]
//! ```
//!
//! Each phase runs `--runs` times and the best time is printed.

use sipfix::kb::Kb;
use sipfix::render::TextStyle;
use sipfix::trace::filter::Filter;
use sipfix::trace::model::{Analyzer, Options};
use sipfix::trace::report::{self, Selection};
use sipfix::trace::{Format, Input, Problem, Record, Sink, read_inputs};
use std::time::Instant;

#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn record(&mut self, r: Record<'_>) {
        self.0 += r.sip.len() as u64;
    }
    fn problem(&mut self, _: Problem) {}
}

fn best<T>(runs: usize, name: &str, bytes: u64, mut f: impl FnMut() -> T) -> T {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    let rate = if bytes > 0 {
        format!("  {:.0} MB/s of capture", bytes as f64 / best / 1e6)
    } else {
        String::new()
    };
    println!("{name:<28} {:>8.1} ms{rate}", best * 1e3);
    out.expect("at least one run")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<u32>().is_err())
        .expect("usage: triage_phases FILE [--runs N]")
        .clone();
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
        .max(1);
    let size = std::fs::metadata(&file).expect("the capture").len();
    let inputs = [Input::Path(file.into())];
    let kb = Kb::embedded();

    best(runs, "read only", size, || {
        let mut c = Count::default();
        read_inputs(&inputs, Format::Auto, &mut c).expect("readable");
        c.0
    });
    let (a, sources) = best(runs, "read + record", size, || {
        let mut a = Analyzer::new(Options::default());
        let s = read_inputs(&inputs, Format::Auto, &mut a).expect("readable");
        (a, s)
    });
    drop(a);
    let mut pending = Vec::new();
    for _ in 0..runs {
        let mut a = Analyzer::new(Options::default());
        read_inputs(&inputs, Format::Auto, &mut a).expect("readable");
        pending.push(a);
    }
    let mut triage = None;
    best(runs, "finish", 0, || {
        let a = pending.pop().expect("one per run");
        triage = Some(a.finish(sources.clone(), kb));
    });
    let t = triage.expect("finished");
    let filter = Filter::default();
    let sel = best(runs, "selection + summary", 0, || {
        Selection::new(&t, &filter)
    });
    let json = best(runs, "JSON report", 0, || {
        let mut out = Vec::with_capacity(1 << 20);
        sipfix::sanitize::json_pretty_to(&mut out, &report::json::report(&sel, kb))
            .expect("serialisable");
        out
    });
    let style = TextStyle {
        width: 80,
        color: false,
        ascii: false,
    };
    let text = best(runs, "text report", 0, || {
        report::text::report(&sel, kb, style, "")
    });
    println!(
        "{} calls, {} messages; JSON {} bytes, text {} bytes",
        t.calls.len(),
        t.messages,
        json.len(),
        text.len()
    );
}
