//! Key sequences through the pure update function: no terminal involved.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sipfix::kb::Kb;
use sipfix::store::{StepState, Store};
use sipfix::tui::app::{App, Effect, Msg, Overlay};
use sipfix::tui::layout::Focus;
use sipfix::tui::theme::Theme;

struct Harness {
    app: App,
    now: u64,
    dir: tempfile::TempDir,
    effects: Vec<Effect>,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut app = App::new(
            Kb::embedded(),
            Some(store),
            None,
            Theme {
                color: false,
                ascii: false,
            },
        );
        app.handle(Msg::Resize(80, 24), 0);
        Harness {
            app,
            now: 1_700_000_000_000,
            dir,
            effects: Vec::new(),
        }
    }

    fn send(&mut self, msg: Msg) {
        self.now += 10;
        let fx = self.app.handle(msg, self.now);
        for e in &fx {
            if *e == Effect::Save {
                self.app.store.as_mut().unwrap().save().unwrap();
            }
        }
        self.effects.extend(fx);
    }

    fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn ctrl(&mut self, c: char) {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn tick_after(&mut self, ms: u64) {
        self.now += ms;
        let fx = self.app.handle(Msg::Tick, self.now);
        for e in &fx {
            if *e == Effect::Save {
                self.app.store.as_mut().unwrap().save().unwrap();
            }
        }
        self.effects.extend(fx);
    }

    /// Open `code` through the search line.
    fn open(&mut self, code: u16) {
        self.keys("/");
        self.ctrl('u');
        self.keys(&code.to_string());
        self.key(KeyCode::Enter);
        assert_eq!(self.app.current(), Some(code));
    }

    fn reopened(&self) -> Store {
        Store::open(self.dir.path()).unwrap()
    }
}

#[test]
fn search_busy_then_enter_selects_486() {
    let mut h = Harness::new();
    h.keys("/busy");
    assert!(h.app.searching);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.current(), Some(486));
    assert!(!h.app.searching);
    assert_eq!(h.app.focus, Focus::Detail);
}

#[test]
fn exact_number_is_first() {
    let mut h = Harness::new();
    h.keys("/603");
    assert_eq!(h.app.hits[0].code, 603);
}

#[test]
fn q_and_letters_type_in_the_search_line() {
    let mut h = Harness::new();
    h.keys("/q");
    assert_eq!(h.app.query, "q");
    assert!(!h.effects.contains(&Effect::Quit));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.query, "q", "Esc keeps the query");
    assert!(!h.app.searching);
    h.keys("q");
    assert!(h.effects.contains(&Effect::Quit));
}

#[test]
fn pin_202_then_open_501_shows_the_comparison() {
    let mut h = Harness::new();
    h.open(202);
    h.keys("c");
    assert_eq!(h.app.pinned, Some(202));
    h.open(501);
    let doc = h.app.compare_doc().expect("a comparison");
    assert_eq!(
        doc[0],
        sipfix::doc::Block::Title("SIP 202 Accepted vs 501 Not Implemented".into())
    );
    h.keys("x");
    assert_eq!(h.app.pinned, Some(501));
    assert_eq!(h.app.current(), Some(202));
    h.keys("C");
    assert_eq!(h.app.pinned, None);
    assert!(h.app.compare_doc().is_none());
}

#[test]
fn space_toggles_a_step_and_the_store_records_it() {
    let mut h = Harness::new();
    h.open(486);
    assert_eq!(h.app.focus, Focus::Detail);
    h.keys("j");
    assert_eq!(h.app.step_cursor, 1);
    h.keys(" ");
    assert!(h.effects.contains(&Effect::Save));
    assert_eq!(h.reopened().step_state(486, 1), StepState::Done);
    h.keys(" ");
    assert_eq!(h.reopened().step_state(486, 1), StepState::Todo);
}

#[test]
fn walk_through_marks_steps_and_shows_progress() {
    let mut h = Harness::new();
    h.open(480);
    h.key(KeyCode::Esc);
    h.keys("w");
    assert!(matches!(h.app.overlay, Overlay::Walk { step: 0, .. }));
    h.keys("d");
    h.keys("s");
    h.keys("f");
    let s = h.reopened();
    assert_eq!(s.step_state(480, 0), StepState::Done);
    assert_eq!(s.step_state(480, 1), StepState::Skipped);
    assert_eq!(s.step_state(480, 2), StepState::Failed);
    assert_eq!(h.app.progress(480).0, 2);
    h.keys("k");
    assert!(
        matches!(h.app.overlay, Overlay::Walk { step: 2, .. }),
        "{:?}",
        h.app.overlay
    );
    h.keys("u");
    assert_eq!(h.reopened().step_state(480, 2), StepState::Todo);
    // Reset needs R twice; any other key in between disarms it.
    h.keys("R");
    h.keys("j");
    h.keys("R");
    assert_eq!(
        h.reopened().step_state(480, 0),
        StepState::Done,
        "one R resets nothing"
    );
    h.keys("R");
    assert_eq!(h.reopened().step_state(480, 0), StepState::Todo);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
}

#[test]
fn note_is_saved_on_esc() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    assert!(matches!(h.app.overlay, Overlay::Note { code: 486 }));
    h.keys("carrier X sends 486 for DND");
    h.key(KeyCode::Enter);
    h.keys("q is just a letter here");
    assert!(!h.effects.contains(&Effect::Quit));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
    assert_eq!(
        h.reopened().note(486),
        "carrier X sends 486 for DND\nq is just a letter here"
    );
}

#[test]
fn typing_is_saved_after_a_pause_not_only_on_close() {
    let mut h = Harness::new();
    h.open(603);
    h.keys("n");
    h.keys("draft");
    h.tick_after(300);
    assert_eq!(h.reopened().note(603), "", "not yet: still typing");
    h.tick_after(1000);
    assert_eq!(h.reopened().note(603), "draft");
    assert!(
        matches!(h.app.overlay, Overlay::Note { .. }),
        "editor stays open"
    );
}

#[test]
fn ctrl_c_in_the_editor_saves_and_quits() {
    let mut h = Harness::new();
    h.open(404);
    h.keys("n");
    h.keys("unsaved");
    h.ctrl('c');
    assert!(h.effects.contains(&Effect::Quit));
    assert_eq!(h.reopened().note(404), "unsaved");
}

#[test]
fn notes_are_found_by_search() {
    let mut h = Harness::new();
    h.open(503);
    h.keys("n");
    h.keys("zorblax trunk maintenance");
    h.key(KeyCode::Esc);
    h.keys("/");
    h.ctrl('u');
    h.keys("zorblax");
    assert_eq!(
        h.app.hits.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![503]
    );
}

#[test]
fn related_codes_are_jumpable_and_back_returns() {
    let mut h = Harness::new();
    h.open(486);
    let related = Kb::embedded().get(486).unwrap().related.clone();
    assert!(!related.is_empty());
    h.keys("r");
    assert_eq!(h.app.current(), Some(related[0]));
    h.keys("b");
    assert_eq!(h.app.current(), Some(486));
}

#[test]
fn tab_cycles_panes_and_esc_returns_to_the_list() {
    let mut h = Harness::new();
    assert_eq!(h.app.focus, Focus::List);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.focus, Focus::Detail);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.focus, Focus::Compare);
    assert!(
        h.app.show_compare,
        "in 80 columns compare takes the detail's place"
    );
    h.key(KeyCode::BackTab);
    assert_eq!(h.app.focus, Focus::Detail);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.focus, Focus::List);
}

#[test]
fn list_navigation() {
    let mut h = Harness::new();
    h.keys("G");
    assert_eq!(h.app.selected, h.app.hits.len() - 1);
    h.keys("g");
    assert_eq!(h.app.current(), Some(100));
    h.keys("jj");
    assert_eq!(h.app.selected, 2);
    h.key(KeyCode::Up);
    assert_eq!(h.app.selected, 1);
}

#[test]
fn help_overlay_opens_and_esc_closes_it() {
    let mut h = Harness::new();
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::Help { .. }));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
}

#[test]
fn esc_merged_with_the_next_key_is_split_again() {
    // "\x1bq" in one read arrives as Alt+q: it must mean Esc, then q.
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("merged");
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::ALT,
    )));
    assert_eq!(h.app.overlay, Overlay::None, "the Esc closed the editor");
    assert!(h.effects.contains(&Effect::Quit), "the q quit");
    assert_eq!(h.reopened().note(486), "merged");
}

#[test]
fn a_failed_save_keeps_the_text_and_the_error_until_a_save_works() {
    let mut h = Harness::new();
    h.open(486);
    // Another process holds the lock and the store does not wait: every
    // save now fails, even as root.
    let blocker = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(h.dir.path().join("notes.lock"))
        .or_else(|_| std::fs::File::create(h.dir.path().join("notes.lock")))
        .unwrap();
    blocker.lock().unwrap();
    h.app
        .store
        .as_mut()
        .unwrap()
        .set_lock_wait(std::time::Duration::ZERO);
    h.keys("n");
    h.keys("keep me");
    let fx = h.app.handle(
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        h.now + 10,
    );
    assert!(fx.contains(&Effect::Save));
    let err = h
        .app
        .store
        .as_mut()
        .unwrap()
        .save()
        .unwrap_err()
        .to_string();
    h.app.saved(Err(err));
    let status = h.app.status.clone().unwrap();
    assert!(status.error && status.sticky, "{status:?}");
    assert!(
        status.text.contains("notes.lock"),
        "names the file: {}",
        status.text
    );
    assert!(status.text.contains("kept in memory"), "{}", status.text);
    h.keys("j");
    assert!(
        h.app.status.as_ref().unwrap().sticky,
        "a key does not clear it"
    );
    assert_eq!(
        h.app.store.as_ref().unwrap().note(486),
        "keep me",
        "still in memory"
    );
    assert!(h.app.store.as_ref().unwrap().is_dirty());
    drop(blocker);
    let r = h
        .app
        .store
        .as_mut()
        .unwrap()
        .save()
        .map_err(|e| e.to_string());
    h.app.saved(r);
    assert!(!h.app.status.as_ref().unwrap().error);
    assert_eq!(h.reopened().note(486), "keep me");
}

#[test]
fn control_characters_in_a_note_are_shown_escaped_and_not_rewritten_unasked() {
    let mut h = Harness::new();
    {
        let s = h.app.store.as_mut().unwrap();
        s.set_note(404, "bad \x1b[2J bytes", 1);
        s.save().unwrap();
    }
    h.open(404);
    h.keys("n");
    let shown = h.app.editor.as_ref().unwrap().lines().join("\n");
    assert_eq!(shown, "bad \\e[2J bytes");
    h.key(KeyCode::Esc);
    assert_eq!(
        h.reopened().note(404),
        "bad \x1b[2J bytes",
        "closing without an edit writes nothing"
    );
}

const NOT_IMPLEMENTED: &str = "SIP/2.0 501 Not Implemented\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n\
From: <sip:alice@example.com>;tag=1928301774\r\n\
To: <sip:bob@example.net>;tag=a6c85cf\r\n\
Call-ID: a84b4c76e66710@pc33.example.com\r\n\
CSeq: 314159 REFER\r\n\
Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n\
Server: ExamplePBX 1.0\r\n\
Content-Length: 0\r\n\r\n";

#[test]
fn pasting_a_message_decodes_it_and_opens_its_code() {
    let mut h = Harness::new();
    h.send(Msg::Paste(NOT_IMPLEMENTED.to_string()));
    assert_eq!(h.app.current(), Some(501));
    assert!(matches!(h.app.overlay, Overlay::Message { .. }));
    let m = h.app.message.as_ref().unwrap();
    assert!(m.text.text().contains("REFER"), "{}", m.text.text());
    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
    // The detail shows the checklist filled in from the message.
    let doc = h.app.detail_doc(501);
    let text = format!("{doc:?}");
    assert!(text.contains("In the pasted message"), "{text}");
    assert!(
        text.contains("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS"),
        "{text}"
    );
    assert!(text.contains("REFER"), "{text}");
}

#[test]
fn the_paste_box_decodes_on_ctrl_d_and_keeps_text_on_esc() {
    let mut h = Harness::new();
    h.keys("p");
    assert_eq!(h.app.overlay, Overlay::Paste);
    h.send(Msg::Paste(NOT_IMPLEMENTED.to_string()));
    assert_eq!(
        h.app.overlay,
        Overlay::Paste,
        "a paste into the box stays in the box"
    );
    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
    h.keys("p");
    assert!(
        h.app
            .paste_box
            .as_ref()
            .unwrap()
            .lines()
            .join("\n")
            .contains("501 Not Implemented")
    );
    h.ctrl('d');
    assert_eq!(h.app.current(), Some(501));
}

#[test]
fn pasting_garbage_says_so_and_changes_nothing() {
    let mut h = Harness::new();
    h.open(486);
    h.send(Msg::Paste("hello\nworld\n".into()));
    assert_eq!(h.app.current(), Some(486));
    let st = h.app.status.clone().unwrap();
    assert!(st.error && st.text.contains("no SIP message"), "{st:?}");
}

#[test]
fn typing_without_a_pause_is_saved_every_two_seconds() {
    let mut h = Harness::new();
    h.open(480);
    h.keys("n");
    // One key every 300 ms for 3 s: never a 1 s pause.
    for c in "abcdefghij".chars() {
        h.now += 290;
        h.key(KeyCode::Char(c));
    }
    let saved = h.reopened().note(480).to_string();
    assert!(
        saved.len() >= 6 && "abcdefghij".starts_with(&saved),
        "continuous typing not saved within 2 s: {saved:?}"
    );
}

#[test]
fn the_note_editor_has_a_size_limit_with_a_clear_message() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    let huge = "0123456789abcdef\n".repeat(1 << 16); // 1.1 MB
    h.send(Msg::Paste(huge.clone()));
    let ed: String = h.app.editor.as_ref().unwrap().lines().join("\n");
    assert!(ed.len() < huge.len() / 2, "editor took {} bytes", ed.len());
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("limit"), "{status}");
    // Typing at the limit is refused the same way, and the text is kept.
    let before = ed.len();
    h.keys("more");
    let after = h.app.editor.as_ref().unwrap().lines().join("\n").len();
    assert!(after <= before + 4, "{after} > {before}");
    h.key(KeyCode::Esc);
    assert!(h.reopened().note(486).len() >= before.min(60_000));
}
