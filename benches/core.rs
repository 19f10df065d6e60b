//! Benchmarks of the hot paths. Run: `cargo bench --bench core`.
//!
//! - `kb/load`: what start-up pays for the knowledge base: a copy of the
//!   handles to the static tables, which the user's overrides start from
//!   (nothing is decoded; before the base was static data this decoded it).
//! - `cli/show_486`, `cli/search_busy`: the work of those commands after start-up.
//! - `tui/keystroke_200x60`: one typed character: re-filter the whole list
//!   and render a full 200x60 frame into a test backend.
//! - `tui/first_frame_80x24`: build the app and draw the first frame (start-up
//!   to first frame is this plus `kb/load` plus terminal set-up).
//! - `message/decode_2k`: parse and explain a 2 KB response (plus rendering).
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
    c.bench_function("kb/load", |b| {
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
    // Start-up to first frame = kb/load + this (plus terminal set-up).
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

/// A 2 KB response carrying the headers the decoder works hardest on.
fn message_2k() -> String {
    let mut extra = String::from(
        "CSeq: 1 INVITE\r\nServer: kamailio (5.7.1)\r\nRetry-After: 120 (maintenance);duration=3600\r\n\
         Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY\r\nSupported: timer, 100rel, replaces\r\n\
         Reason: Q.850;cause=34, SIP;cause=503\r\nWarning: 399 sbc \"overload\"\r\n\
         Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=MD5\r\n",
    );
    while extra.len() < 1900 {
        extra.push_str("Record-Route: <sip:proxy.example.com;lr>\r\n");
    }
    format!(
        "SIP/2.0 503 Service Unavailable\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
         From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\n{extra}Content-Length: 0\r\n\r\n"
    )
}

fn message(c: &mut Criterion) {
    let kb = Kb::embedded();
    let text = message_2k();
    assert!(text.len() >= 2000);
    c.bench_function("message/decode_2k", |b| {
        b.iter(|| {
            let m = sipfix::message::parse(black_box(text.as_bytes())).unwrap();
            black_box(sipfix::message::explain(&m, kb))
        })
    });
    c.bench_function("message/decode_render_2k", |b| {
        b.iter(|| {
            let m = sipfix::message::parse(black_box(text.as_bytes())).unwrap();
            black_box(sipfix::message::render_text(&sipfix::message::explain(
                &m, kb,
            )))
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

criterion_group!(benches, kb, tui, message, process);
criterion_main!(benches);
