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
//! - `message/explain_1mib_*`: the work of `sipfix explain` (parse, explain,
//!   render the text) on hostile 1 MiB messages: 200,000 tiny headers, and
//!   one Supported header of 500,000 tags.
//! - `tui/decoded_1mib_keystroke_80x24`: one `j` on the decoded view of the
//!   first of those messages, and the frame it draws.
//! - `tui/note_256k_keystroke_80x24`: one typed key in a note at the size
//!   limit, and the frame it draws.
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

/// A hostile message of about 1 MiB: the head of a 401, then `line`
/// repeated, or one `name` header of `item` repeated.
fn hostile(line: Option<&str>, list: Option<(&str, &str)>) -> String {
    const MAX: usize = sipfix::message::MAX_INPUT;
    let mut s = String::from(
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
         From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n",
    );
    if let Some(line) = line {
        while s.len() + line.len() + 4 < MAX {
            s.push_str(line);
        }
    }
    if let Some((name, item)) = list {
        s.push_str(name);
        s.push_str(": ");
        s.push_str(item);
        while s.len() + item.len() + 8 < MAX {
            s.push(',');
            s.push_str(item);
        }
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s
}

fn hostile_input(c: &mut Criterion) {
    let kb = Kb::embedded();
    let tiny = hostile(Some("a:b\r\n"), None);
    let tags = hostile(None, Some(("Supported", "t")));
    let mut g = c.benchmark_group("message");
    g.sample_size(10);
    for (name, msg) in [
        ("explain_1mib_tiny_headers", &tiny),
        ("explain_1mib_long_list", &tags),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let m = sipfix::message::parse(black_box(msg.as_bytes())).unwrap();
                black_box(sipfix::message::render_text(&sipfix::message::explain(
                    &m, kb,
                )))
            })
        });
    }
    g.finish();

    let theme = Theme {
        color: false,
        ascii: false,
    };
    let mut g = c.benchmark_group("tui");
    g.sample_size(20);
    let mut app = App::new(kb, None, None, theme);
    app.handle(Msg::Resize(80, 24), 0);
    app.handle(Msg::Paste(tiny.clone()), 0);
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut down = true;
    g.bench_function("decoded_1mib_keystroke_80x24", |b| {
        b.iter(|| {
            // j then k, so the view stays where it is scrolled.
            let key = if down { 'j' } else { 'k' };
            down = !down;
            app.handle(
                Msg::Key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE)),
                0,
            );
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });

    let dir = tempfile::tempdir().unwrap();
    let mut store = sipfix::store::Store::open(dir.path()).unwrap();
    let line = "carrier trace 0123456789 abcdefghij ".repeat(3);
    let mut note = String::new();
    while note.len() + line.len() + 1 < sipfix::store::MAX_NOTE_BYTES - 4096 {
        note.push_str(&line);
        note.push('\n');
    }
    store.set_note(486, &note, 1);
    let mut app = App::new(kb, Some(store), None, theme);
    app.handle(Msg::Resize(80, 24), 0);
    for ch in ['/', '4', '8', '6'] {
        app.handle(
            Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)),
            0,
        );
    }
    app.handle(
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        0,
    );
    app.handle(
        Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
        0,
    );
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut i = 0u64;
    g.bench_function("note_256k_keystroke_80x24", |b| {
        b.iter(|| {
            // Type a letter, then take it back: the note stays at its size.
            i += 1;
            let ev = if i % 2 == 1 {
                KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)
            } else {
                KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
            };
            // The same instant: no debounced save starts in the bench.
            app.handle(Msg::Key(ev), 0);
            term.draw(|f| sipfix::tui::view::draw(f, &app)).unwrap();
        })
    });
    g.finish();
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

criterion_group!(benches, kb, tui, message, hostile_input, process);
criterion_main!(benches);
