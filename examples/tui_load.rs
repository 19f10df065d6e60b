//! How soon the UI shows a large trace, and whether it stays usable while
//! reading it, for the README's figures:
//!
//! ```sh
//! cargo run --release --example big_capture -- /tmp/big.pcapng 300
//! cargo run --release --example tui_load -- /tmp/big.pcapng [--runs 3]
//! ```
//!
//! Per run:
//!
//! 1. the readers alone (bytes to SIP messages into a counting sink): the
//!    floor for any first screen;
//! 2. the UI's load, as the run loop does it: `loader::load` on a worker
//!    thread sending progress and the result over a channel, while this
//!    thread plays the UI: it handles a key (`j` in the codes list) and
//!    draws an 80x24 frame every 10 ms, and records the slowest such
//!    keystroke; when the result comes, it is handled and the first frame
//!    of the calls pane drawn: the first screen;
//! 3. the failing call opened and its failing response decoded, which
//!    reads the inputs again for that call's messages (traces over 32 MiB).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sipfix::kb::Kb;
use sipfix::trace::{Format, Input, Problem, Record, Sink, read_inputs};
use sipfix::tui::app::{App, Effect, Msg, StartWith};
use sipfix::tui::loader;
use sipfix::tui::theme::Theme;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn record(&mut self, r: Record<'_>) {
        self.0 += r.sip().len() as u64;
    }
    fn problem(&mut self, _p: Problem) {}
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 1;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--runs" {
            runs = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(1);
            i += 2;
        } else {
            files.push(PathBuf::from(&args[i]));
            i += 1;
        }
    }
    if files.is_empty() {
        eprintln!("usage: tui_load FILE... [--runs N]");
        std::process::exit(2);
    }
    let kb = Kb::embedded();
    let size: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    println!(
        "{} ({:.1} MB)",
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        size as f64 / 1e6
    );
    for run in 1..=runs {
        // 1. The readers alone.
        let inputs: Vec<Input> = files.iter().cloned().map(Input::Path).collect();
        let t = Instant::now();
        let mut c = Count::default();
        read_inputs(&inputs, Format::Auto, &mut c).expect("readable trace");
        let reader = t.elapsed();

        // 2. The UI's load on a worker, the UI going on meanwhile.
        let mut app = App::new(
            kb,
            None,
            None,
            Theme {
                color: true,
                ascii: false,
            },
        );
        app.handle(Msg::Resize(80, 24), 0);
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let start = Instant::now();
        let fx = app.open_at_start(files.clone(), Format::Auto, StartWith::default(), 0);
        let Some(Effect::Load(job)) = fx.into_iter().next() else {
            panic!("a load")
        };
        let (tx, rx) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            let id = job.id;
            let mut last = Instant::now();
            let progress_tx = tx.clone();
            let r = loader::load(&job, kb, &mut |done, total| {
                if last.elapsed() >= Duration::from_millis(100) {
                    last = Instant::now();
                    let _ = progress_tx.send(Msg::Loading { id, done, total });
                }
            });
            let _ = tx.send(Msg::Loaded {
                id,
                result: r.map(Box::new),
            });
        });
        // The codes list has the keys while the calls are read.
        app.handle(key(KeyCode::Tab), 0);
        let mut slowest = Duration::ZERO;
        let mut keys = 0u64;
        let mut progress = 0u64;
        let first_screen;
        loop {
            match rx.recv_timeout(Duration::from_millis(10)) {
                Ok(m @ Msg::Loading { .. }) => {
                    progress += 1;
                    app.handle(m, 0);
                }
                Ok(m) => {
                    app.handle(m, 0);
                    term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
                    first_screen = start.elapsed();
                    break;
                }
                Err(_) => {
                    let t = Instant::now();
                    app.handle(key(KeyCode::Char('j')), 0);
                    term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
                    slowest = slowest.max(t.elapsed());
                    keys += 1;
                }
            }
        }
        worker.join().unwrap();
        let tv = app.trace.as_ref().expect("loaded");
        let calls = tv.triage().calls.len();
        let messages = tv.triage().messages;

        // 3. The first call and its failing response, decoded.
        let t = Instant::now();
        let mut fx = app.handle(key(KeyCode::Enter), 0);
        fx.extend(app.handle(key(KeyCode::Enter), 0));
        let mut reread = None;
        for e in fx {
            if let Effect::LoadCall(job) = e {
                let r = loader::call_bytes(&job);
                reread = Some(t.elapsed());
                app.handle(
                    Msg::CallBytes {
                        load: job.load,
                        call: job.call,
                        result: r,
                    },
                    0,
                );
            }
        }
        term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        let decoded = t.elapsed();
        assert!(app.message.is_some(), "the failing response decoded");

        println!(
            "run {run}: readers alone {}; first screen {} ({} calls, {} messages; +{} for the \
             analysis, ranking and index); while reading: {keys} keystrokes, slowest {:.2} ms, \
             {progress} progress updates; failing response decoded after {}{}",
            ms(reader),
            ms(first_screen),
            calls,
            messages,
            ms(first_screen.saturating_sub(reader)),
            slowest.as_secs_f64() * 1000.0,
            ms(decoded),
            match reread {
                Some(r) => format!(" (its messages read again: {})", ms(r)),
                None => " (bytes kept in the first pass)".to_string(),
            }
        );
    }
}
