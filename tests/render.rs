//! Rendering: snapshots of whole frames at 80x24 and 120x40, and no panic
//! at any size, however small.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sipfix::kb::Kb;
use sipfix::store::Store;
use sipfix::tui::app::{App, Msg};
use sipfix::tui::theme::Theme;

fn app(w: u16, h: u16, ascii: bool) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut app = App::new(
        Kb::embedded(),
        Some(store),
        None,
        Theme {
            color: false,
            ascii,
        },
    );
    app.handle(Msg::Resize(w, h), 0);
    (app, dir)
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.handle(
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            1_700_000_000_000,
        );
    }
}

/// Draw one frame (the test backend cannot print a zero-width buffer, so
/// the no-panic tests only draw).
fn draw_only(app: &App, w: u16, h: u16) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| sipfix::tui::view::draw(f, app)).unwrap();
}

fn frame(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| sipfix::tui::view::draw(f, app)).unwrap();
    t.backend().to_string()
}

#[test]
fn start_screen_80x24() {
    let (a, _d) = app(80, 24, false);
    insta::assert_snapshot!(frame(&a, 80, 24));
}

#[test]
fn search_busy_80x24() {
    let (mut a, _d) = app(80, 24, false);
    keys(&mut a, "/busy\n");
    insta::assert_snapshot!(frame(&a, 80, 24));
}

#[test]
fn compare_202_501_120x40() {
    let (mut a, _d) = app(120, 40, false);
    keys(&mut a, "/202\nc/");
    a.handle(
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        0,
    );
    keys(&mut a, "501\n");
    insta::assert_snapshot!(frame(&a, 120, 40));
}

#[test]
fn compare_takes_the_detail_place_at_80x24() {
    let (mut a, _d) = app(80, 24, false);
    keys(&mut a, "/480\nc/");
    a.handle(
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        0,
    );
    keys(&mut a, "486\n\t");
    let f = frame(&a, 80, 24);
    assert!(f.contains("Detail [Compare] (Tab)"), "{f}");
    insta::assert_snapshot!(f);
}

#[test]
fn walk_through_80x24() {
    let (mut a, _d) = app(80, 24, false);
    keys(&mut a, "/501\nwd");
    insta::assert_snapshot!(frame(&a, 80, 24));
}

#[test]
fn help_80x24_ascii() {
    let (mut a, _d) = app(80, 24, true);
    keys(&mut a, "?");
    let f = frame(&a, 80, 24);
    assert!(f.is_ascii(), "ASCII mode draws only ASCII");
    insta::assert_snapshot!(f);
}

#[test]
fn too_small_is_said() {
    let (a, _d) = app(30, 8, false);
    let f = frame(&a, 30, 8);
    assert!(f.contains("too small"), "{f}");
}

#[test]
fn degenerate_sizes_do_not_panic() {
    for (w, h) in [
        (1, 1),
        (20, 5),
        (0, 0),
        (1, 50),
        (300, 1),
        (50, 12),
        (49, 12),
        (200, 60),
    ] {
        for script in ["", "/busy\n", "/486\nw", "/486\nn", "?", "/202\nc\t\t", "p"] {
            let (mut a, _d) = app(w, h, false);
            keys(&mut a, script);
            draw_only(&a, w, h);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn random_sizes_and_keys_do_not_panic(w in 0u16..260, h in 0u16..80, script in "[/a-z0-9 \\n\\t\\x1b?GgjkwncCxrbpRdsfu]{0,24}") {
        let (mut a, _d) = app(w, h, w % 2 == 0);
        keys(&mut a, &script);
        draw_only(&a, w, h);
    }
}

#[test]
fn codes_with_a_note_are_starred_in_the_list() {
    let (mut a, _d) = app(80, 24, false);
    a.store
        .as_mut()
        .unwrap()
        .set_note(100, "seen on trunk B", 1);
    let f = frame(&a, 80, 24);
    assert!(f.contains("│100*Trying"), "{f}");
    assert!(f.contains("│180 Ringing"), "{f}");
}
