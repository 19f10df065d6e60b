//! Where the time of `sipfix triage` goes, phase by phase, in one process:
//! reading alone, the whole analysis as the CLI runs it (reading on a
//! second thread), reading with the analysis on one thread, `finish`
//! (ordering, duplicates, timings, findings), the selection and summary,
//! the JSON report (as the CLI writes it, and through serde's pretty
//! printer into memory), the CSV report and the text report.
//!
//! ```sh
//! cargo run --release --example triage_phases -- /tmp/big.pcapng [--runs 3]
//! ```
//!
//! Each phase runs `--runs` times; the best wall time and the least CPU
//! time (all threads) are printed.

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
        self.0 += r.sip().len() as u64;
    }
    fn problem(&mut self, _: Problem) {}
}

/// CPU time of this process so far (all threads, user and system), in
/// seconds: steadier than wall time on a shared machine.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let u = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn best<T>(runs: usize, name: &str, bytes: u64, mut f: impl FnMut() -> T) -> T {
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let c = cpu_seconds();
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_seconds() - c);
        out = Some(v);
    }
    let rate = if bytes > 0 {
        format!("  {:.0} MB/s of capture", bytes as f64 / best / 1e6)
    } else {
        String::new()
    };
    println!(
        "{name:<28} {:>8.1} ms {:>8.1} ms CPU{rate}",
        best * 1e3,
        best_cpu * 1e3
    );
    out.expect("at least one run")
}

#[path = "common/args.rs"]
mod args;

/// Each phase of `sipfix triage`, timed in one process.
#[derive(clap::Parser)]
struct Cli {
    #[command(flatten)]
    capture: args::Capture,
}

fn main() {
    let args::Capture { file, runs } = <Cli as clap::Parser>::parse().capture;
    let runs = runs as usize;
    let size = std::fs::metadata(&file).expect("the capture").len();
    let inputs = [Input::Path(file.into())];
    let kb = Kb::embedded();

    best(runs, "read only", size, || {
        let mut c = Count::default();
        read_inputs(&inputs, Format::Auto, &mut c).expect("readable");
        c.0
    });
    best(runs, "analyze (all, as the CLI)", size, || {
        sipfix::trace::analyze(
            &inputs,
            Format::Auto,
            Options::default(),
            kb,
            &mut |_, _| {},
        )
        .expect("readable")
    });
    let (a, sources) = best(runs, "read + record, one thread", size, || {
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
    best(runs, "JSON report", 0, || {
        let mut out = std::io::sink();
        report::json::write_report(&sel, kb, &mut out).expect("written");
    });
    let json = best(runs, "JSON report (serde, memory)", 0, || {
        let mut out = Vec::with_capacity(1 << 20);
        sipfix::sanitize::json_pretty_to(&mut out, &report::json::report(&sel, kb))
            .expect("serialisable");
        out
    });
    let csv = best(runs, "CSV report", 0, || report::csv::report(&sel, kb));
    let style = TextStyle {
        width: 80,
        color: false,
        ascii: false,
    };
    let text = best(runs, "text report", 0, || {
        report::text::report(&sel, kb, style, "")
    });
    println!(
        "{} calls, {} messages; JSON {} bytes, CSV {} bytes, text {} bytes",
        t.calls.len(),
        t.messages,
        json.len(),
        csv.len(),
        text.len()
    );
}
