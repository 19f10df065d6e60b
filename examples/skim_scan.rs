//! The field scan alone ([`sipfix::trace::skim`]) over the first messages
//! of a capture, kept in memory, best of `--runs` passes:
//!
//! ```sh
//! cargo run --release --example skim_scan -- /tmp/big.pcapng --runs 300 [--messages 20000]
//! ```

use sipfix::trace::{Format, Input, Problem, Record, Sink, read_inputs};
use std::time::Instant;

#[path = "common/args.rs"]
mod args;

#[derive(clap::Parser)]
struct Args {
    #[command(flatten)]
    capture: args::Capture,
    /// How many messages to keep and scan.
    #[arg(long, default_value_t = 20_000)]
    messages: usize,
}

/// The first messages of the input, each framed.
struct First(Vec<Vec<u8>>, usize);

impl Sink for First {
    fn record(&mut self, r: Record<'_>) {
        if self.0.len() < self.1 {
            self.0.push(r.sip().to_vec());
        }
    }
    fn problem(&mut self, _p: Problem) {}
}

fn main() {
    let args = <Args as clap::Parser>::parse();
    let mut first = First(Vec::new(), args.messages);
    let input = [Input::Path(args.capture.file.clone().into())];
    if let Err(e) = read_inputs(&input, Format::Auto, &mut first) {
        eprintln!("{e}");
        std::process::exit(2);
    }
    let msgs = first.0;
    if msgs.is_empty() {
        eprintln!("no SIP message in {}", args.capture.file);
        std::process::exit(2);
    }
    let bytes: usize = msgs.iter().map(Vec::len).sum();
    let mut best = f64::MAX;
    // Every scan feeds this, so none is optimised away.
    let mut check = 0usize;
    for _ in 0..args.capture.runs {
        let t = Instant::now();
        for m in &msgs {
            if let Some(s) = sipfix::trace::skim::skim_payload(m, false) {
                check = check.wrapping_add(s.call_id.len() + s.to_tag().len() + s.branch().len());
            }
        }
        check = std::hint::black_box(check);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} messages, {} bytes: {:.1} ns a message, {:.2} GB/s (best of {}; check {check})",
        msgs.len(),
        bytes,
        best * 1e9 / msgs.len() as f64,
        bytes as f64 / best / 1e9,
        args.capture.runs
    );
}
