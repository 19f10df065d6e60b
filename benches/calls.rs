//! The calls pane under load. Run: `cargo bench --bench calls`.
//!
//! 100,000 synthetic calls (half answered, a quarter busy, a quarter 503
//! with Retry-After and a Q.850 cause) are loaded into the app; each
//! benchmark is one keystroke through `App::handle` plus the whole
//! 200x60 frame it draws into a test backend:
//!
//! - `calls/move_j_100k_200x60`: `j`, the next call (at the end of the
//!   list, `g` back to the top);
//! - `calls/page_down_100k_200x60`: PgDn;
//! - `calls/filter_char_100k_200x60`: one character typed into the
//!   filter line (the words `busy`, `503` and `10.0.0.3` in turn,
//!   Ctrl-U between them): every call filtered, the summary of those
//!   shown computed again;
//! - `calls/failed_toggle_100k_200x60`: `f`, failed only or all again;
//! - `calls/open_call_100k_200x60`: Enter on a call and `b` back, with the
//!   ladder drawn.
//!
//! The goal is under 2 ms a keystroke.

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sipfix::kb::Kb;
use sipfix::trace::model::{Analyzer, Options};
use sipfix::trace::testkit::{busy_trunk, feed};
use sipfix::trace::{Format, SourceInfo};
use sipfix::tui::app::{App, Effect, Msg, StartWith};
use sipfix::tui::loader::Loaded;
use sipfix::tui::theme::Theme;
use std::hint::black_box;

/// An app at 200x60 with `calls` calls loaded (as the loader would hand
/// them over).
fn app_with(calls: usize) -> App {
    let kb = Kb::embedded();
    let mut app = App::new(
        kb,
        None,
        None,
        Theme {
            color: true,
            ascii: false,
        },
    );
    app.handle(Msg::Resize(200, 60), 0);
    let fx = app.open_at_start(Vec::new(), Format::Auto, StartWith::default(), 0);
    let Some(Effect::Load(job)) = fx.into_iter().next() else {
        panic!("a load")
    };
    let mut a = Analyzer::new(Options::default());
    feed(&mut a, &busy_trunk(calls));
    let t = a.finish(vec![SourceInfo::default()], kb);
    let loaded = Loaded::new(&job, t, kb);
    app.handle(
        Msg::Loaded {
            id: job.id,
            result: Ok(Box::new(loaded)),
        },
        0,
    );
    assert_eq!(app.trace.as_ref().unwrap().visible.len(), calls);
    app
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn benches(c: &mut Criterion) {
    let mut app = app_with(100_000);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut g = c.benchmark_group("calls");
    let mut n = 0usize;
    g.bench_function("move_j_100k_200x60", |b| {
        b.iter(|| {
            n += 1;
            let k = if n.is_multiple_of(100_000) {
                KeyCode::Char('g')
            } else {
                KeyCode::Char('j')
            };
            app.handle(key(k), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });
    g.bench_function("page_down_100k_200x60", |b| {
        b.iter(|| {
            n += 1;
            let k = if n.is_multiple_of(1000) {
                KeyCode::Home
            } else {
                KeyCode::PageDown
            };
            app.handle(key(k), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });
    app.handle(key(KeyCode::Char('/')), 0);
    let typed: Vec<char> = "busy\u{15}503\u{15}10.0.0.3\u{15}".chars().collect();
    let mut i = 0usize;
    g.bench_function("filter_char_100k_200x60", |b| {
        b.iter(|| {
            let ch = typed[i % typed.len()];
            i += 1;
            let ev = if ch == '\u{15}' {
                KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)
            } else {
                KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)
            };
            app.handle(Msg::Key(ev), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });
    // Leave the filter line, the filter cleared.
    app.handle(
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        0,
    );
    app.handle(key(KeyCode::Enter), 0);
    g.bench_function("failed_toggle_100k_200x60", |b| {
        b.iter(|| {
            app.handle(key(KeyCode::Char('f')), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });
    g.bench_function("open_call_100k_200x60", |b| {
        b.iter(|| {
            app.handle(key(KeyCode::Enter), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
            app.handle(key(KeyCode::Char('b')), 0);
            black_box(&app);
        })
    });
    g.finish();
}

criterion_group!(calls, benches);
criterion_main!(calls);
