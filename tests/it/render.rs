//! Rendering: snapshots of whole frames at 80x24 and 120x40, and no panic
//! at any size, however small.

use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sipfix::kb::Kb;
use sipfix::store::Store;
use sipfix::tui::app::{App, Msg};
use sipfix::tui::theme::Theme;

fn app(w: u16, h: u16, ascii: bool) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = crate::common::app(dir.path(), w, h, ascii);
    (app, dir)
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        app.handle(
            crate::common::key(crate::common::key_of(c)),
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
    a.handle(crate::common::ctrl('u'), 0);
    keys(&mut a, "501\n");
    insta::assert_snapshot!(frame(&a, 120, 40));
}

#[test]
fn compare_takes_the_detail_place_at_80x24() {
    let (mut a, _d) = app(80, 24, false);
    keys(&mut a, "/480\nc/");
    a.handle(crate::common::ctrl('u'), 0);
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

/// The help opened from the note editor (F1: `?` is a letter there) lists
/// the editor's own keys, the text area's, which the README documents:
/// selection, cut and put back, the page keys. At 80x24 in ASCII, and
/// the help still scrolls to its end.
#[test]
fn help_from_the_note_editor_lists_its_text_area_keys_80x24_ascii() {
    use crossterm::event::KeyCode;
    let (mut a, _d) = app(80, 24, true);
    keys(&mut a, "486n");
    a.handle(crate::common::key(KeyCode::F(1)), 1_700_000_000_000);
    let f = frame(&a, 80, 24);
    assert!(f.is_ascii(), "ASCII mode draws only ASCII:\n{f}");
    assert!(f.contains("Note editor (here)"), "{f}");
    for (key, what) in [
        ("Shift-arrows", "select text"),
        ("Ctrl-X", "cut the selection"),
        ("Ctrl-K", "cut to the end of the line"),
        ("Ctrl-Y", "put back what was cut"),
        ("Ctrl-W", "delete the word before the cursor"),
        ("Ctrl-V", "page down (to paste, use the terminal's paste:"),
        ("PgUp / PgDn", "move a page"),
    ] {
        // The key in its column, what it does beside it (the test
        // backend quotes each row).
        let row = f
            .lines()
            .map(|r| r.trim_matches('"'))
            .find(|r| r.starts_with(&format!("|{key} ")));
        assert!(
            row.is_some_and(|r| r.contains(&format!(" {what}"))),
            "{key}: {what:?} missing:\n{f}"
        );
    }
    a.handle(crate::common::key(KeyCode::End), 1_700_000_000_000);
    let f = frame(&a, 80, 24);
    assert!(f.contains(" end +"), "the help scrolls to its end:\n{f}");
    assert!(f.contains("close (never discards anything)"), "{f}");
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
        (60, 20),
        (80, 24),
        (200, 60),
    ] {
        for script in [
            "",
            "/busy\n",
            "/486\nw",
            "/486\nn",
            "?",
            "/202\nc\t\t",
            "p",
            "/486\n]]y",
            "/486\nr",
            "/cause 34\n",
            "486G",
            "/480\nw?",
        ] {
            let (mut a, _d) = app(w, h, false);
            keys(&mut a, script);
            draw_only(&a, w, h);
        }
    }
}

/// The status messages popup (Ctrl-G) over a long message, at every size.
#[test]
fn the_status_log_draws_at_any_size() {
    for (w, h) in [(1, 1), (20, 5), (49, 12), (50, 12), (80, 24), (200, 60)] {
        for ascii in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let theme = Theme {
                color: false,
                ascii,
            };
            let long = "notes.json could not be read; it was moved unchanged to \
                        /tmp/very/long/path/notes.json.corrupt-1796078418840 and a new notes \
                        file is used — 呼叫 "
                .repeat(4);
            let mut a = App::new(
                Kb::embedded(),
                Some(Store::open(dir.path()).unwrap()),
                Some(long),
                theme,
            );
            a.handle(Msg::Resize(w, h), 0);
            draw_only(&a, w, h);
            a.handle(crate::common::ctrl('g'), 1);
            draw_only(&a, w, h);
            keys(&mut a, "GjkG");
            draw_only(&a, w, h);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn random_sizes_and_keys_do_not_panic(w in 0u16..260, h in 0u16..80, script in "[/a-z0-9 \\n\\t\\x1b?GgjkwncCxrbpRdsfuy\\[\\]]{0,24}") {
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

#[test]
fn narrow_50x12_gives_the_detail_the_whole_width() {
    let (mut a, _d) = app(50, 12, false);
    keys(&mut a, "/486\n");
    let f = frame(&a, 50, 12);
    assert!(f.contains("[Detail]") && f.contains("486"), "{f}");
    assert!(
        !f.contains("┌ Codes"),
        "the list gives way below 60 columns:\n{f}"
    );
    assert!(f.contains("? help") && f.contains("q quit"), "{f}");
    insta::assert_snapshot!(f);
    // Tab comes back to the list, alone.
    keys(&mut a, "\x1b");
    let f = frame(&a, 50, 12);
    assert!(f.contains("Codes (Tab: detail)"), "{f}");
}

#[test]
fn narrow_60x20_keeps_title_and_footer_whole() {
    let (mut a, _d) = app(60, 20, false);
    keys(&mut a, "/488\n");
    let f = frame(&a, 60, 20);
    let (done, total) = a.progress(488);
    assert!(f.contains(&format!("488 {done}/{total}")), "{f}");
    assert!(f.contains("? help") && f.contains("q quit"), "{f}");
    insta::assert_snapshot!(f);
}

#[test]
fn a_long_message_is_wrapped_not_cut_when_narrow() {
    let (mut a, _d) = app(50, 12, false);
    keys(&mut a, "/zzqqxxyy");
    let f = frame(&a, 50, 12);
    assert!(f.contains("Ctrl-U"), "{f}");
    // A status longer than the line takes a second row.
    keys(&mut a, "\x1bx");
    let f = frame(&a, 50, 12);
    assert!(f.contains("c pins the selected code"), "{f}");
}

#[test]
fn the_202_deprecation_leaves_room_for_what_it_means_80x24() {
    let (mut a, _d) = app(80, 24, false);
    keys(&mut a, "/202\n");
    insta::assert_snapshot!(frame(&a, 80, 24));
}

/// A writer whose bytes the test can read afterwards.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes a real terminal would get for one frame, through the TUI's
/// own writer.
fn terminal_bytes(a: &App, color: bool) -> String {
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};
    let buf = Shared::default();
    let backend = CrosstermBackend::new(sipfix::tui::sgr::SgrWriter::new(buf.clone(), color));
    let mut t = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    t.draw(|f| sipfix::tui::view::draw(f, a)).unwrap();
    String::from_utf8_lossy(&buf.0.borrow()).into_owned()
}

#[test]
fn colours_go_out_as_the_16_classic_ansi_ones_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = App::new(
        Kb::embedded(),
        Some(Store::open(dir.path()).unwrap()),
        None,
        Theme {
            color: true,
            ascii: false,
        },
    );
    a.handle(Msg::Resize(80, 24), 0);
    keys(&mut a, "/busy\n");
    let out = terminal_bytes(&a, true);
    assert!(
        !out.contains("38;5;") && !out.contains("48;5;"),
        "256-colour form sent"
    );
    assert!(
        out.contains("\x1b[36") || out.contains("\x1b[96") || out.contains(";36"),
        "a classic colour"
    );
    // TERM=vt100: the theme has no colour and the writer drops any.
    let mut mono = App::new(
        Kb::embedded(),
        Some(Store::open(dir.path()).unwrap()),
        None,
        Theme {
            color: false,
            ascii: false,
        },
    );
    mono.handle(Msg::Resize(80, 24), 0);
    keys(&mut mono, "/busy\n");
    let out = terminal_bytes(&mono, false);
    for p in ["38;", "48;", "[3", "[9", "[4"] {
        let colour_param = out.match_indices(p).any(|(i, _)| {
            let rest = &out[i + p.len()..];
            p.ends_with(';')
                || rest.starts_with(|c: char| c.is_ascii_digit())
                    && rest.chars().nth(1).is_some_and(|c| c == 'm' || c == ';')
        });
        assert!(
            !colour_param,
            "colour parameter {p:?} sent to a mono terminal"
        );
    }
    assert!(
        out.contains("\x1b[7m") || out.contains(";7m") || out.contains("[7;"),
        "selection still reversed"
    );
}
