//! Read captures or logs with a counting sink and print the reading
//! speed and the peak memory, for the README's figures:
//!
//! ```sh
//! cargo run --release --example read_trace -- FILE...
//! /usr/bin/time -f '%M KiB peak' target/release/examples/read_trace FILE
//! ```
//!
//! Each SIP message is touched (its length summed) so that nothing is
//! optimised away; nothing is kept.

use sipfix::trace::{Format, Input, Problem, Record, Sink, read_inputs};
use std::time::Instant;

#[derive(Default)]
struct Count {
    messages: u64,
    sip_bytes: u64,
    problems: u64,
}

impl Sink for Count {
    fn record(&mut self, r: Record<'_>) {
        self.messages += 1;
        self.sip_bytes += r.sip().len() as u64;
    }
    fn problem(&mut self, _p: Problem) {
        self.problems += 1;
    }
}

/// Peak resident set size of this process, in KiB (Linux `ru_maxrss`).
fn peak_rss_kib() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut u) == 0 {
            u.ru_maxrss
        } else {
            -1
        }
    }
}

fn main() {
    let inputs: Vec<Input> = std::env::args()
        .skip(1)
        .map(|a| {
            if a == "-" {
                Input::Stdin
            } else {
                Input::Path(a.into())
            }
        })
        .collect();
    if inputs.is_empty() {
        eprintln!("usage: read_trace FILE...");
        std::process::exit(2);
    }
    let mut sink = Count::default();
    let start = Instant::now();
    let infos = match read_inputs(&inputs, Format::Auto, &mut sink) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let bytes: u64 = infos.iter().map(|i| i.bytes).sum();
    let packets: u64 = infos.iter().map(|i| i.packets).sum();
    println!(
        "{} bytes, {} packets, {} SIP messages ({} bytes of SIP), {} problems",
        bytes, packets, sink.messages, sink.sip_bytes, sink.problems
    );
    println!(
        "{:.3} s, {:.0} MB/s, {:.2} M messages/s, peak RSS {} KiB",
        secs,
        bytes as f64 / secs / 1e6,
        sink.messages as f64 / secs / 1e6,
        peak_rss_kib()
    );
}
