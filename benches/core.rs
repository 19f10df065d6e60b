//! Benchmarks of the hot paths. Run: `cargo bench --bench core`.
//!
//! - `kb/decode`: decoding the embedded knowledge base (paid once at start).
//! - `cli/show_486`, `cli/search_busy`: the work of those commands after start-up.
//! - `tui/keystroke_200x60`: one typed character: re-filter the whole list
//!   and render a full 200x60 frame into a test backend.
//! - `tui/first_frame_80x24`: build the app and draw the first frame (start-up
//!   to first frame is this plus `kb/decode` plus terminal set-up).
//! - `process/*`: whole processes (fork, exec, run, exit) against `cat`.

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sipfix::kb::Kb;
use sipfix::render::{TextStyle, to_text};
use sipfix::search::Searcher;
use sipfix::tui::app::{App, Msg};
use sipfix::tui::theme::Theme;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::Command;

fn kb(c: &mut Criterion) {
    c.bench_function("kb/decode", |b| {
        b.iter(|| black_box(Kb::load_embedded().unwrap()))
    });
    let kb = Kb::embedded();
    c.bench_function("cli/show_486", |b| {
        b.iter(|| {
            let l = kb.lookup(black_box(486)).unwrap();
            black_box(to_text(
                &sipfix::doc::show(kb, &l, None),
                TextStyle::default(),
            ))
        })
    });
    let s = Searcher::new();
    let notes = BTreeMap::new();
    c.bench_function("cli/search_busy", |b| {
        b.iter(|| black_box(s.search(kb, &notes, black_box("busy"))))
    });
}

fn tui(c: &mut Criterion) {
    let kb = Kb::embedded();
    let theme = Theme {
        color: true,
        ascii: false,
    };
    let mut app = App::new(kb, None, None, theme);
    app.handle(Msg::Resize(200, 60), 0);
    app.handle(
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
        0,
    );
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let keys = ['b', 'u', 's', 'y'];
    let mut i = 0usize;
    c.bench_function("tui/keystroke_200x60", |b| {
        b.iter(|| {
            // Type one character (or erase the query when it is complete).
            let ev = if i % 5 == 4 {
                KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)
            } else {
                KeyEvent::new(KeyCode::Char(keys[i % 5]), KeyModifiers::NONE)
            };
            i += 1;
            app.handle(Msg::Key(ev), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });
    // Start-up to first frame = kb/decode + this (plus terminal set-up).
    c.bench_function("tui/first_frame_80x24", |b| {
        b.iter(|| {
            let mut app = App::new(kb, None, None, theme);
            app.handle(Msg::Resize(80, 24), 0);
            let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
            black_box(&term);
        })
    });
}

fn process(c: &mut Criterion) {
    let bin = env!("CARGO_BIN_EXE_sipfix");
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let mut g = c.benchmark_group("process");
    g.sample_size(50);
    let run = |cmd: &mut Command| {
        let o = cmd.output().unwrap();
        assert!(o.status.success());
    };
    g.bench_function("cat_readme", |b| {
        b.iter(|| run(Command::new("cat").arg(readme)))
    });
    g.bench_function("sipfix_show_486", |b| {
        b.iter(|| run(Command::new(bin).args(["show", "486"])))
    });
    g.bench_function("sipfix_search_busy", |b| {
        b.iter(|| run(Command::new(bin).args(["search", "busy"])))
    });
    g.finish();
}

criterion_group!(benches, kb, tui, process);
criterion_main!(benches);
