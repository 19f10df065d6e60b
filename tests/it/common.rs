//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The sipfix binary under a known locale: `LANG` set, and the variables
/// that would override it (`LC_ALL`, `LC_CTYPE`) or turn colour off
/// (`NO_COLOR`) removed, whatever the environment running the tests has.
pub fn sipfix(lang: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sipfix"));
    c.env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env_remove("NO_COLOR");
    c
}

/// The real captures beside the project root (`../shared/captures/`), or
/// `None` with a printed "skipped" line when they are absent (a fresh
/// clone); the project's own synthetic fixtures cover the same shapes.
pub fn captures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (real captures live beside the project root)",
            dir.display()
        );
        None
    }
}

/// One file of the real captures (`sipnab/x.pcapng`), or `None` as
/// [`captures`] says.
pub fn capture(name: &str) -> Option<PathBuf> {
    let path = captures()?.join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

/// Wait until `screen()` shows `needle`, then until it has settled (two
/// reads 100 ms apart are equal), so that assertions on the rest of the
/// screen never read a half-drawn frame on a busy machine. Panics with
/// the last screen after `limit`.
pub fn wait_for_screen(screen: impl Fn() -> String, needle: &str, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        let s = screen();
        if s.contains(needle) {
            std::thread::sleep(Duration::from_millis(100));
            let again = screen();
            if again == s || start.elapsed() > limit {
                return again;
            }
            continue;
        }
        if start.elapsed() > limit {
            panic!("timed out waiting for {needle:?}; screen:\n{s}");
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Every test file is a module of this one binary: a `tests/*.rs` file
/// beside `tests/it/` would build (and link) as a binary of its own.
#[test]
fn every_test_file_is_a_module_of_the_one_binary() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let stray: Vec<String> = std::fs::read_dir(&tests)
        .expect("tests/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    assert!(
        stray.is_empty(),
        "move {stray:?} into tests/it/ and declare it in main.rs"
    );
    let main = std::fs::read_to_string(tests.join("it/main.rs")).expect("main.rs");
    for e in std::fs::read_dir(tests.join("it")).expect("tests/it/") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        if let Some(m) = name.strip_suffix(".rs").filter(|m| *m != "main") {
            assert!(
                main.lines().any(|l| l == format!("mod {m};")),
                "tests/it/{name} is not declared in main.rs: its tests never run"
            );
        }
    }
}

/// The key a character of a test's key script stands for: a line end is
/// Enter, a tab Tab, an escape Esc, anything else that character.
pub fn key_of(c: char) -> crossterm::event::KeyCode {
    use crossterm::event::KeyCode;
    match c {
        '\n' => KeyCode::Enter,
        '\t' => KeyCode::Tab,
        '\x1b' => KeyCode::Esc,
        c => KeyCode::Char(c),
    }
}

/// A key with no modifier, as the UI's update function receives it.
pub fn key(code: crossterm::event::KeyCode) -> sipfix::tui::app::Msg {
    use crossterm::event::{KeyEvent, KeyModifiers};
    sipfix::tui::app::Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Ctrl and a letter.
pub fn ctrl(c: char) -> sipfix::tui::app::Msg {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    sipfix::tui::app::Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The UI on the embedded knowledge base with a store in `data`, no
/// colour (ASCII when asked), after a resize to `w`x`h`: the start of
/// every key-sequence harness.
pub fn app(data: &Path, w: u16, h: u16, ascii: bool) -> sipfix::tui::app::App {
    use sipfix::tui::app::{App, Msg};
    let store = sipfix::store::Store::open(data).unwrap();
    let theme = sipfix::tui::theme::Theme {
        color: false,
        ascii,
    };
    let mut app = App::new(sipfix::kb::Kb::embedded(), Some(store), None, theme);
    app.handle(Msg::Resize(w, h), 0);
    app
}
