//! Key sequences through the pure update function: no terminal involved.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sipfix::kb::Kb;
use sipfix::store::{StepState, Store};
use sipfix::tui::app::{App, Effect, Msg};
use sipfix::tui::layout::Focus;
use sipfix::tui::popups::Overlay;

struct Harness {
    app: App,
    now: u64,
    dir: tempfile::TempDir,
    effects: Vec<Effect>,
    /// Saves may fail (see [`Harness::save`]).
    saves_fail: bool,
}

impl Harness {
    fn new() -> Harness {
        Harness::with_ascii(false)
    }

    /// ASCII mode (`LANG=C`) or not.
    fn with_ascii(ascii: bool) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let app = crate::common::app(dir.path(), 80, 24, ascii);
        Harness {
            app,
            now: 1_700_000_000_000,
            dir,
            effects: Vec::new(),
            saves_fail: false,
        }
    }

    fn send(&mut self, msg: Msg) {
        self.now += 10;
        let fx = self.app.handle(msg, self.now);
        for e in &fx {
            if *e == Effect::Save {
                self.save();
            }
        }
        self.effects.extend(fx);
    }

    /// Save as the run loop does. Only a store whose saves are meant to
    /// fail (notes disabled, or the lock held: see [`Harness::saves_fail`])
    /// may fail; its error goes to the status line.
    fn save(&mut self) {
        let s = self.app.store.as_mut().unwrap();
        if !s.is_dirty() && s.disabled_reason().is_none() {
            return;
        }
        match s.save() {
            Ok(()) => self.app.saved(Ok(())),
            Err(e) if self.saves_fail => self.app.saved(Err(e.to_string())),
            Err(e) => panic!("save failed: {e}"),
        }
    }

    /// `q` as the run loop takes it: the app asks to quit, the loop saves
    /// and asks the app whether to quit now. True when it quits.
    fn quit(&mut self) -> bool {
        self.effects.clear();
        self.keys("q");
        assert!(self.effects.contains(&Effect::Quit), "{:?}", self.effects);
        self.save();
        self.app.may_quit()
    }

    /// Ctrl-C as the run loop takes it (see [`Harness::quit`]).
    fn ctrl_c_quits(&mut self) -> bool {
        self.effects.clear();
        self.ctrl('c');
        assert!(self.effects.contains(&Effect::Quit), "{:?}", self.effects);
        self.save();
        self.app.may_quit()
    }

    /// The UI with notes disabled (the data directory unusable): edits
    /// live in memory and every save fails.
    fn disabled() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let theme = sipfix::tui::theme::Theme {
            color: false,
            ascii: false,
        };
        let store = Store::disabled("cannot create data directory /x: Not a directory");
        let mut app = App::new(Kb::embedded(), Some(store), None, theme);
        app.handle(Msg::Resize(80, 24), 0);
        Harness {
            app,
            now: 1_700_000_000_000,
            dir,
            effects: Vec::new(),
            saves_fail: true,
        }
    }

    /// Every save fails from now on: another process holds the lock and
    /// the store does not wait for it.
    fn block_saves(&mut self) -> std::fs::File {
        let blocker = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.dir.path().join("notes.lock"))
            .unwrap();
        blocker.lock().unwrap();
        self.app
            .store
            .as_mut()
            .unwrap()
            .set_lock_wait(std::time::Duration::ZERO);
        self.saves_fail = true;
        blocker
    }

    fn key(&mut self, code: KeyCode) {
        self.send(crate::common::key(code));
    }

    fn ctrl(&mut self, c: char) {
        self.send(crate::common::ctrl(c));
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
                self.save();
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
    h.keys("]]");
    assert_eq!(h.app.step_cursor, Some(1));
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
    assert!(matches!(h.app.overlay(), Some(Overlay::Walk(w)) if w.step == 0));
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
        matches!(h.app.overlay(), Some(Overlay::Walk(w)) if w.step == 2),
        "{:?}",
        h.app.overlay()
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
    assert!(h.app.overlay().is_none());
}

#[test]
fn note_is_saved_on_esc() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    assert!(matches!(h.app.overlay(), Some(Overlay::Note(n)) if n.code == 486));
    h.keys("carrier X sends 486 for DND");
    h.key(KeyCode::Enter);
    h.keys("q is just a letter here");
    assert!(!h.effects.contains(&Effect::Quit));
    h.key(KeyCode::Esc);
    assert!(h.app.overlay().is_none());
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
        matches!(h.app.overlay(), Some(Overlay::Note(_))),
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
    assert!(matches!(h.app.overlay(), Some(Overlay::Related(_))));
    h.key(KeyCode::Enter);
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
    assert!(matches!(h.app.overlay(), Some(Overlay::Help(_))));
    h.key(KeyCode::Esc);
    assert!(h.app.overlay().is_none());
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
    assert!(h.app.overlay().is_none(), "the Esc closed the editor");
    assert!(h.effects.contains(&Effect::Quit), "the q quit");
    assert_eq!(h.reopened().note(486), "merged");
}

/// The same for keys other than letters: Esc then Enter (Alt+Enter) closes
/// the help and opens the best result; Esc then Tab (Alt+Tab) was "Alt-Tab
/// does nothing" and the Esc was lost.
#[test]
fn esc_merged_with_enter_or_tab_is_split_again() {
    let mut h = Harness::new();
    h.keys("?");
    assert!(matches!(h.app.overlay(), Some(Overlay::Help(_))));
    h.send(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)));
    assert!(h.app.overlay().is_none(), "the Esc closed the help");
    h.keys("/busy");
    h.send(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::ALT)));
    assert!(!h.app.searching, "the Esc left the search line");
    assert!(
        !h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("does nothing")),
        "{:?}",
        h.app.status
    );
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
    // The editor's text is the note as it is; on screen the ESC is a
    // visible symbol, never sent raw.
    assert_eq!(h.app.note_text().unwrap(), "bad \x1b[2J bytes");
    let frame = h.frame();
    assert!(frame.contains("bad \u{241b}[2J bytes"), "{frame}");
    assert!(!frame.contains('\x1b'), "{frame}");
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
    assert!(matches!(h.app.overlay(), Some(Overlay::Message(_))));
    let m = h.app.message.as_ref().unwrap();
    assert!(m.text.text().contains("REFER"), "{}", m.text.text());
    h.key(KeyCode::Esc);
    assert!(h.app.overlay().is_none());
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

/// A response with a code that has no entry (499, as carriers send) is
/// read as its class's x00 (RFC 3261 §8.1.3.2), as `sipfix explain` does:
/// that entry is opened and walked, not the code selected before.
#[test]
fn pasting_a_response_with_an_unregistered_code_opens_its_class() {
    let mut h = Harness::new();
    h.keys("486");
    assert_eq!(h.app.current(), Some(486));
    h.send(Msg::Paste(
        NOT_IMPLEMENTED.replace("501 Not Implemented", "499 Blocked"),
    ));
    assert_eq!(h.app.current(), Some(400));
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("read as 400"), "{status}");
    h.keys("w");
    let Some(Overlay::Walk(w)) = h.app.overlay() else {
        panic!("{:?}", h.app.overlay())
    };
    assert_eq!(w.code, 400);
}

/// A pasted response whose code is not valid (700) has no status code:
/// `w` and `n` in its decoded view say so and open nothing. They walked,
/// and noted, the code the codes list had selected (486 here), and the
/// note typed there was saved under it.
#[test]
fn w_and_n_on_a_pasted_message_with_no_valid_code_say_so() {
    let mut h = Harness::new();
    h.keys("486");
    assert_eq!(h.app.current(), Some(486));
    h.send(Msg::Paste(
        NOT_IMPLEMENTED.replace("501 Not Implemented", "700 Out Of Range"),
    ));
    assert!(matches!(h.app.overlay(), Some(Overlay::Message(_))));
    assert_eq!(h.app.message.as_ref().unwrap().code, None);
    h.keys("w");
    assert!(
        matches!(h.app.overlay(), Some(Overlay::Message(_))),
        "{:?}",
        h.app.overlay()
    );
    assert!(
        h.status().contains("no checklist to walk"),
        "{}",
        h.status()
    );
    h.keys("n");
    assert!(
        matches!(h.app.overlay(), Some(Overlay::Message(_))),
        "{:?}",
        h.app.overlay()
    );
    assert!(h.status().contains("no status code"), "{}", h.status());
    // What is typed next is not a note anywhere.
    h.keys("x");
    h.key(KeyCode::Esc);
    assert_eq!(h.app.store.as_ref().unwrap().note(486), "");
    assert!(h.reopened().unsaved_notes().is_empty());
    assert_eq!(h.reopened().note(486), "");
}

/// Control characters pasted with a query (a bell, a stray sequence's
/// bytes) are dropped, not typed as `\x07` text that matches nothing.
#[test]
fn control_characters_pasted_into_the_search_are_dropped() {
    let mut h = Harness::new();
    h.keys("/");
    h.send(Msg::Paste("busy\u{7}\u{1}\there".into()));
    assert_eq!(h.app.query, "busy here");
    assert_eq!(h.app.current(), Some(486));
}

#[test]
fn the_paste_box_decodes_on_ctrl_d_and_keeps_text_on_esc() {
    let mut h = Harness::new();
    h.keys("p");
    assert!(matches!(h.app.overlay(), Some(Overlay::Paste(_))));
    h.send(Msg::Paste(NOT_IMPLEMENTED.to_string()));
    assert!(
        matches!(h.app.overlay(), Some(Overlay::Paste(_))),
        "a paste into the box stays in the box"
    );
    h.key(KeyCode::Esc);
    assert!(h.app.overlay().is_none());
    h.keys("p");
    assert!(h.app.paste_text().unwrap().contains("501 Not Implemented"));
    h.ctrl('d');
    assert_eq!(h.app.current(), Some(501));
}

/// A body indented with tabs (the XML of a presence NOTIFY) keeps its
/// tabs through the paste box, so its Content-Length still adds up: they
/// used to become spaces, and the decoded message said the Content-Length
/// was too small.
#[test]
fn the_paste_box_keeps_tabs_so_the_content_length_adds_up() {
    let body = "<?xml version=\"1.0\"?>\r\n<presence entity=\"sip:bob@example.net\">\r\n\
                \t<tuple id=\"t1\">\r\n\t\t<status><basic>open</basic></status>\r\n\
                \t</tuple>\r\n</presence>\r\n";
    let notify = format!(
        "NOTIFY sip:alice@192.0.2.10 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKnotify1\r\n\
         From: <sip:bob@example.net>;tag=n1\r\n\
         To: <sip:alice@example.com>;tag=a1\r\n\
         Call-ID: presence-1@192.0.2.20\r\n\
         CSeq: 2 NOTIFY\r\n\
         Max-Forwards: 70\r\n\
         Event: presence\r\n\
         Subscription-State: active;expires=3600\r\n\
         Content-Type: application/pidf+xml\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut h = Harness::new();
    h.keys("p");
    h.send(Msg::Paste(notify));
    assert!(
        h.app.paste_text().unwrap().contains("\t\t<status>"),
        "{:?}",
        h.app.paste_text()
    );
    h.ctrl('d');
    let m = h.app.message.as_ref().expect("decoded");
    let text = m.text.text();
    assert!(!text.contains("Content-Length says"), "{text}");
    assert_eq!(m.problems, 0, "{text}");
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
    let ed: String = h.app.note_text().unwrap();
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
    let after = h.app.note_text().unwrap().len();
    assert!(after <= before + 4, "{after} > {before}");
    h.key(KeyCode::Esc);
    assert!(h.reopened().note(486).len() >= before.min(60_000));
}

// ----- The defects of the operator-grade UI review, one test each -----

impl Harness {
    fn frame(&self) -> String {
        let (w, h) = (self.app.size.width, self.app.size.height);
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| sipfix::tui::view::draw(f, &self.app)).unwrap();
        t.backend().to_string()
    }

    fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }
}

#[test]
fn keys_do_nothing_behind_terminal_too_small_but_q_quits() {
    let mut h = Harness::new();
    h.open(404);
    h.send(Msg::Resize(20, 5));
    h.keys("wdd");
    h.key(KeyCode::Char(' '));
    h.send(Msg::Paste(NOT_IMPLEMENTED.to_string()));
    assert_eq!(h.app.progress(404).0, 0, "nothing marked unseen");
    assert!(h.app.overlay().is_none());
    assert_eq!(h.app.current(), Some(404), "the paste did not act");
    h.keys("q");
    assert!(h.effects.contains(&Effect::Quit));
}

/// A pane split while a note is being typed: `q` is a letter there, so it
/// does not quit behind "terminal too small" (the rest of the word went
/// nowhere and sipfix ended); Ctrl-C still quits, saving first.
#[test]
fn q_in_an_editor_behind_terminal_too_small_does_not_quit() {
    let mut h = Harness::new();
    h.open(480);
    h.keys("n");
    h.keys("abc ");
    h.send(Msg::Resize(40, 10));
    h.keys("quick");
    assert!(!h.effects.contains(&Effect::Quit), "{:?}", h.effects);
    assert_eq!(h.app.note_text().unwrap(), "abc ", "nothing typed unseen");
    // The screen names the key that quits there.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(40, 10)).unwrap();
    t.draw(|f| sipfix::tui::view::draw(f, &h.app)).unwrap();
    let buf = t.backend().buffer().clone();
    let screen: String = (0..10)
        .map(|y| {
            (0..40)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(screen.contains("Ctrl-C quits"), "{screen}");
    h.ctrl('c');
    assert!(h.effects.contains(&Effect::Quit));
}

#[test]
fn ctrl_u_deletes_to_the_start_of_the_line_in_the_note() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("first");
    h.key(KeyCode::Enter);
    h.keys("second half");
    h.ctrl('u');
    assert_eq!(h.app.note_text().unwrap(), "first\n");
    // At the start of a line it deletes nothing (the line above stays).
    h.ctrl('u');
    assert_eq!(h.app.note_text().unwrap(), "first\n");
}

#[test]
fn ctrl_u_means_the_same_in_the_paste_box_and_the_search_line() {
    let mut h = Harness::new();
    h.keys("p");
    h.send(Msg::Paste("line one\nline two".into()));
    h.keys("x");
    h.ctrl('u');
    assert_eq!(h.app.paste_text().unwrap(), "line one\n");
    h.key(KeyCode::Esc);
    h.keys("/busy here");
    h.ctrl('u');
    assert_eq!(h.app.query, "");
}

#[test]
fn a_paste_into_the_wrong_note_can_be_undone_even_after_closing() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("keep this");
    h.send(Msg::Paste("SIP/2.0 180 Ringing\nwrong note".into()));
    h.ctrl('z');
    assert_eq!(h.app.note_text().unwrap(), "keep this");
    h.ctrl('r');
    assert!(
        h.app.note_text().unwrap().contains("wrong note"),
        "Ctrl-R redoes"
    );
    // Closed (and saved) with the wrong paste, then reopened: Ctrl-Z still works.
    h.key(KeyCode::Esc);
    assert!(h.reopened().note(486).contains("wrong note"));
    h.keys("n");
    h.ctrl('z');
    h.key(KeyCode::Esc);
    assert_eq!(h.reopened().note(486), "keep this");
}

#[test]
fn the_step_cursor_reaches_steps_in_order_and_keeps_them_visible() {
    let mut h = Harness::new();
    h.open(404);
    assert_eq!(h.app.step_cursor, None, "no step highlighted at first");
    // j scrolls lines, it does not pick steps.
    h.keys("j");
    assert_eq!(h.app.detail_scroll, 1);
    assert_eq!(h.app.step_cursor, None);
    h.keys("]");
    assert_eq!(h.app.step_cursor, Some(0), "] starts at step 1");
    let step1 = Kb::embedded().get(404).unwrap().steps[0].title.clone();
    let head: String = step1.chars().take(20).collect();
    assert!(
        h.frame().contains(&head),
        "step 1 on screen:\n{}",
        h.frame()
    );
    h.keys("]");
    assert_eq!(h.app.step_cursor, Some(1));
    h.keys("[");
    assert_eq!(h.app.step_cursor, Some(0));
}

#[test]
fn space_never_toggles_a_step_out_of_sight() {
    let mut h = Harness::new();
    h.open(404);
    h.keys(" ");
    assert_eq!(h.app.progress(404).0, 0, "the first Space only highlights");
    assert!(h.status().contains("highlighted"), "{}", h.status());
    let i = h.app.step_cursor.expect("a step highlighted");
    h.keys(" ");
    assert_eq!(h.reopened().step_state(404, i), StepState::Done);
    let title = &Kb::embedded().get(404).unwrap().steps[i].title;
    let head: String = title.chars().take(20).collect();
    let f = h.frame();
    assert!(
        f.contains(&format!("[x] {head}")),
        "the toggled step is on screen:\n{f}"
    );
}

#[test]
fn space_in_the_list_changes_no_progress_and_says_why() {
    let mut h = Harness::new();
    h.keys("jjj");
    let c = h.app.current().unwrap();
    h.keys(" ");
    assert_eq!(h.app.progress(c).0, 0);
    assert!(h.status().contains("Space"), "{}", h.status());
}

#[test]
fn slash_starts_a_fresh_query_and_up_brings_back_the_old_one() {
    let mut h = Harness::new();
    h.keys("/busy");
    h.key(KeyCode::Enter);
    h.keys("/488");
    assert_eq!(h.app.query, "488");
    assert_eq!(h.app.current(), Some(488));
    h.key(KeyCode::Enter);
    h.keys("/ab");
    h.key(KeyCode::Up);
    assert_eq!(h.app.query, "488");
    h.key(KeyCode::Up);
    assert_eq!(h.app.query, "busy");
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    assert_eq!(
        h.app.query, "ab",
        "Down past the newest gives back what was typed"
    );
}

#[test]
fn digits_in_the_list_jump_to_a_code() {
    let mut h = Harness::new();
    h.keys("486");
    assert_eq!(h.app.current(), Some(486));
    assert!(!h.app.searching);
    // After a pause, a new number.
    h.now += 2000;
    h.keys("60");
    assert_eq!(h.app.current(), Some(600));
    h.keys("3");
    assert_eq!(h.app.current(), Some(603));
    h.keys("b");
    assert_eq!(h.app.current(), Some(486), "b goes back past the digits");
    // A code no entry starts like (599, 399, 699): its class's entry.
    // A provisional one is read as 183, not 100 (RFC 3261 §8.1.3.2).
    for (typed, class) in [("599", 500), ("399", 300), ("699", 600), ("150", 183)] {
        h.now += 2000;
        h.keys(typed);
        assert_eq!(h.app.current(), Some(class), "{typed}");
        assert!(
            h.status()
                .contains(&format!("{typed} is not a registered code")),
            "{typed}: {}",
            h.status()
        );
    }
}

/// A query that finds nothing as typed lists a looser one and says so
/// above the results; a query found as typed has no such line.
#[test]
fn a_loosened_query_is_named_above_the_results() {
    let mut h = Harness::new();
    h.keys("/codek");
    assert_eq!(h.app.current(), Some(488));
    assert_eq!(
        h.app.search_hint().as_deref(),
        Some("nothing matches 'codek': showing 'codec'")
    );
    assert!(
        h.frame().contains("nothing matches 'codek'"),
        "{}",
        h.frame()
    );
    h.key(KeyCode::Backspace);
    h.keys("c");
    assert_eq!(h.app.search_hint(), None);
    assert!(!h.frame().contains("nothing matches"), "{}", h.frame());
}

#[test]
fn a_cause_query_lists_the_cause_and_enter_opens_its_sip_code() {
    let mut h = Harness::new();
    h.keys("/cause 34");
    assert_eq!(h.app.current(), None, "the cause row is first");
    assert!(matches!(
        h.app.subject(),
        Some(sipfix::tui::app::Subject::Cause(34))
    ));
    let f = h.frame();
    assert!(f.contains("Q34"), "{f}");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.current(), Some(503));
    h.keys("/no user responding");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.current(), Some(408));
    // A key that needs a SIP code says why on a cause row.
    h.keys("/q850 17");
    h.key(KeyCode::Esc);
    h.keys("w");
    assert!(h.status().contains("Q.850 cause 17"), "{}", h.status());
}

#[test]
fn the_compare_tab_stays_while_a_code_is_pinned() {
    let mut h = Harness::new();
    h.open(202);
    h.keys("c");
    assert!(h.frame().contains("[Compare]"), "{}", h.frame());
    h.keys("/501");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.focus, Focus::Compare);
    let f = h.frame();
    assert!(f.contains("[Compare]") && f.contains("202 vs 501"), "{f}");
    // Tab to the detail: its title says what is pinned.
    h.key(KeyCode::BackTab);
    let f = h.frame();
    assert!(f.contains("pin 202"), "{f}");
    h.keys("C");
    assert!(!h.frame().contains("pin 202"));
}

#[test]
fn step_keys_in_the_detail_act_on_the_highlighted_step() {
    let mut h = Harness::new();
    h.open(404);
    h.keys("]d");
    assert_eq!(h.reopened().step_state(404, 0), StepState::Done);
    assert_eq!(h.app.step_cursor, Some(1), "d goes on to the next step");
    h.keys("s");
    assert_eq!(h.reopened().step_state(404, 1), StepState::Skipped);
    h.keys("f");
    assert_eq!(h.reopened().step_state(404, 2), StepState::Failed);
    h.keys("[u");
    assert_eq!(h.reopened().step_state(404, 2), StepState::Todo);
    h.keys("R");
    assert!(h.status().contains("R again"), "{}", h.status());
    h.keys("R");
    assert_eq!(h.reopened().step_state(404, 0), StepState::Todo);
}

#[test]
fn keys_that_cannot_act_say_why() {
    let mut h = Harness::new();
    h.keys("x");
    assert!(h.status().contains("nothing is pinned"), "{}", h.status());
    h.keys("C");
    assert!(h.status().contains("nothing is pinned"), "{}", h.status());
    // A key bound only elsewhere says where it works.
    h.keys("d");
    assert!(h.status().contains("detail pane"), "{}", h.status());
    h.keys("z");
    assert!(h.status().contains("does nothing"), "{}", h.status());
    h.open(404);
    h.keys("y");
    assert!(h.status().contains("highlighted"), "{}", h.status());
}

#[test]
fn help_from_the_walk_through_returns_to_it() {
    let mut h = Harness::new();
    h.open(404);
    h.keys("w?");
    assert!(matches!(h.app.overlay(), Some(Overlay::Help(_))));
    assert!(h.frame().contains("Walk-through (here)"), "{}", h.frame());
    h.key(KeyCode::Esc);
    assert!(
        matches!(h.app.overlay(), Some(Overlay::Walk(_))),
        "{:?}",
        h.app.overlay()
    );
    h.key(KeyCode::F(1));
    assert!(
        matches!(h.app.overlay(), Some(Overlay::Help(_))),
        "F1 is help too"
    );
}

/// Open 480, highlight its first step with a command longer than `len`
/// and open its commands (`y`); that step.
fn commands_of_a_step_longer_than(h: &mut Harness, len: usize) -> &'static sipfix::kb::Step {
    h.open(480);
    let steps = &Kb::embedded().get(480).unwrap().steps;
    let (i, s) = steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.commands.values().any(|c| c.len() > len))
        .expect("a step of 480 with a long command");
    for _ in 0..=i {
        h.keys("]");
    }
    h.keys("y");
    s
}

#[test]
fn y_shows_the_highlighted_steps_commands_whole() {
    let mut h = Harness::new();
    let s = commands_of_a_step_longer_than(&mut h, 70);
    assert!(matches!(h.app.overlay(), Some(Overlay::Commands(_))));
    h.send(Msg::Resize(200, 40));
    let f = h.frame();
    for cmd in s.commands.values() {
        assert!(
            f.lines()
                .any(|l| l.trim_matches('"').trim_end() == cmd.as_str()),
            "{cmd} whole on a line of its own:\n{f}"
        );
    }
}

/// At 80 columns a long command is cut at the edge; `p` prints the
/// step's commands whole below the full screen, to copy them.
#[test]
fn p_prints_the_steps_commands_whole_to_copy_them() {
    let mut h = Harness::new();
    let s = commands_of_a_step_longer_than(&mut h, 80);
    assert!(matches!(h.app.overlay(), Some(Overlay::Commands(_))));
    h.keys("p");
    let printed = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::PrintBelow(t) => Some(t.clone()),
            _ => None,
        })
        .expect("p prints them");
    for cmd in s.commands.values() {
        assert!(
            printed.lines().any(|l| l == cmd.as_str()),
            "{cmd}:\n{printed}"
        );
    }
    assert!(
        matches!(h.app.overlay(), Some(Overlay::Commands(_))),
        "the view stays"
    );
}

#[test]
fn commands_in_the_detail_are_never_broken_across_lines() {
    let h = Harness::new();
    let kb = Kb::embedded();
    for code in [480u16, 486, 401, 503] {
        let w = h.app.detail_lines(code, 48, None);
        let text: Vec<String> = w.lines.iter().map(|l| l.to_string()).collect();
        for s in &kb.get(code).unwrap().steps {
            for c in s.commands.values() {
                // A runnable command stands whole on one line, or is cut at
                // the pane's edge with the marker (y shows it whole).
                let Some((head, _)) = sipfix::render::runnable_head(c) else {
                    continue;
                };
                let whole = text.iter().any(|l| l.contains(head));
                let cut = text.iter().any(|l| {
                    let l = l.trim_start();
                    l.ends_with('…') && head.starts_with(l.trim_end_matches('…'))
                });
                assert!(whole || cut, "{code}: {head} broken:\n{}", text.join("\n"));
            }
            for name in &s.headers {
                assert!(
                    text.iter().any(|l| l.contains(name.as_str())),
                    "{code}: header {name} split:\n{}",
                    text.join("\n")
                );
            }
        }
    }
}

#[test]
fn another_sessions_note_and_the_conflict_are_shown() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("from A");
    h.key(KeyCode::Esc);
    // Session B saves a newer note.
    let mut b = Store::open(h.dir.path()).unwrap();
    b.set_note(486, "from B", h.now + 5_000);
    b.save().unwrap();
    assert!(h.app.refresh_store(), "the change is seen");
    let d = format!("{:?}", h.app.detail_doc(486));
    assert!(d.contains("from B"), "{d}");
    assert!(
        h.status().contains("another sipfix session"),
        "{}",
        h.status()
    );
    assert!(!h.app.refresh_store(), "nothing new: only a stat");
    // Both edit: A's save keeps B's text as a conflict, and B sees it too.
    let mut b = Store::open(h.dir.path()).unwrap();
    h.keys("n");
    h.keys(" and more from A");
    b.set_note(486, "B again", h.now + 1);
    b.save().unwrap();
    h.key(KeyCode::Esc);
    let d = format!("{:?}", h.app.detail_doc(486));
    assert!(d.contains("earlier version"), "{d}");
    assert!(b.refresh(), "B takes in A's save");
    assert!(!b.conflicts(486).is_empty());
}

#[test]
fn the_note_is_previewed_near_the_top() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("carrier X sends 486 for DND");
    h.key(KeyCode::Enter);
    h.keys("second line");
    h.key(KeyCode::Esc);
    let doc = h.app.detail_doc(486);
    let at = doc
        .iter()
        .position(|b| matches!(b, sipfix::doc::Block::Field(k, v) if k == "Your note" && v.starts_with("carrier X")))
        .expect("a preview");
    assert!(at <= 3, "near the top: block {at}");
    assert!(h.frame().contains("carrier X sends 486"), "{}", h.frame());
}

#[test]
fn the_deprecation_of_202_takes_one_line_and_what_it_means_is_on_screen() {
    let mut h = Harness::new();
    h.open(202);
    let f = h.frame();
    assert!(f.contains("What it means"), "{f}");
    let lines: Vec<&str> = f.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("Deprecated"))
        .expect("the deprecation line");
    assert!(
        lines[at + 1].contains("Class:"),
        "the warning takes one line:\n{f}"
    );
    let doc = format!("{:?}", h.app.detail_doc(202));
    assert!(
        doc.contains("RFC 7647"),
        "the whole text is kept further down"
    );
}

#[test]
fn the_detail_says_where_it_is_and_that_more_follows() {
    let mut h = Harness::new();
    h.open(486);
    let f = h.frame();
    assert!(f.contains("more ↓"), "{f}");
    h.keys("G");
    let f = h.frame();
    assert!(f.contains(" end "), "{f}");
    h.keys("g");
    assert_eq!(h.app.detail_scroll, 0);
}

#[test]
fn r_picks_one_of_the_related_codes() {
    let mut h = Harness::new();
    h.open(486);
    let related = Kb::embedded().get(486).unwrap().related.clone();
    assert!(related.len() >= 2);
    h.keys("r2");
    assert_eq!(h.app.current(), Some(related[1]));
    h.keys("b");
    assert_eq!(h.app.current(), Some(486));
    h.keys("rj");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.current(), Some(related[1]));
}

#[test]
fn the_paste_box_counts_headers_before_decoding() {
    let mut h = Harness::new();
    h.keys("p");
    h.send(Msg::Paste(NOT_IMPLEMENTED.to_string()));
    let f = h.frame();
    assert!(f.contains("501 response, 8 headers found"), "{f}");
}

/// Two messages in the box: its title says so and what Ctrl-D does with
/// them, not the first one's headers ("501 response, 8 headers found").
#[test]
fn the_paste_box_title_says_several_messages() {
    let mut h = Harness::new();
    h.keys("p");
    h.send(Msg::Paste(format!("{NOT_IMPLEMENTED}{NOT_IMPLEMENTED}")));
    let f = h.frame();
    assert!(
        f.contains("several SIP messages: Ctrl-D opens their calls"),
        "{f}"
    );
    assert!(!f.contains("headers found"), "{f}");
}

#[test]
fn the_footer_follows_the_context() {
    let mut h = Harness::new();
    assert!(h.frame().contains("? help"));
    h.open(480);
    h.keys("w");
    let f = h.frame();
    assert!(f.contains("PgDn") && f.contains("d done"), "{f}");
    h.key(KeyCode::Esc);
    h.keys("n");
    assert!(h.frame().contains("^Z undo"), "{}", h.frame());
}

/// A Call-ID pasted with no field open is no message to decode: the
/// status says where it can go, and nothing else happens.
#[test]
fn a_pasted_line_that_is_no_message_says_where_it_goes() {
    let mut h = Harness::new();
    h.open(486);
    h.send(Msg::Paste("KI5bsvmePnYEzcmPjvUpKA..".into()));
    assert!(
        h.status().contains("press / and paste it"),
        "{}",
        h.status()
    );
    assert!(h.app.overlay().is_none());
    assert_eq!(h.app.current(), Some(486));
}

/// At 60 columns the step commands' hint is cut with the marker.
#[test]
fn the_commands_hint_is_cut_with_a_marker() {
    let mut h = Harness::new();
    commands_of_a_step_longer_than(&mut h, 70);
    h.send(Msg::Resize(60, 20));
    let f = h.frame();
    assert!(
        f.lines()
            .any(|l| l.contains("Select a command") && l.contains('…')),
        "{f}"
    );
}

/// A line pasted with its end into the search line is applied, as its
/// Enter would be (the Enter was swallowed with the paste).
#[test]
fn a_line_pasted_with_its_end_into_the_search_is_applied() {
    let mut h = Harness::new();
    h.keys("/");
    h.send(Msg::Paste("Busy Here\n".into()));
    assert_eq!(h.app.current(), Some(486), "{}", h.frame());
    assert!(!h.app.searching, "the Enter closed the search line");
}

#[test]
fn progress_that_cannot_be_saved_is_in_the_exit_dump_and_no_retry_is_promised() {
    let mut h = Harness::new();
    h.open(486);
    h.key(KeyCode::Esc);
    h.keys("n");
    h.keys("saved note");
    h.key(KeyCode::Esc);
    assert_eq!(h.reopened().note(486), "saved note");
    // Another process holds the lock: every save fails from now on.
    let blocker = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(h.dir.path().join("notes.lock"))
        .unwrap();
    blocker.lock().unwrap();
    let store = h.app.store.as_mut().unwrap();
    store.set_lock_wait(std::time::Duration::ZERO);
    for c in "wddd".chars() {
        h.now += 10;
        let _ = h.app.handle(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            h.now,
        );
    }
    let err = h.app.store.as_mut().unwrap().save().unwrap_err();
    assert!(err.to_string().contains("will be retried"), "{err}");
    // The exit's words: nothing is retried after exit.
    let last = err.at_exit().to_string();
    assert!(last.contains("notes.lock"), "{last}");
    assert!(
        !last.contains("retried") && !last.contains("kept in memory"),
        "{last}"
    );
    let dump = h.app.unsaved_dump().expect("something to dump");
    assert!(dump.contains("486: steps 1, 2, 3 done"), "{dump}");
    assert!(
        !dump.contains("saved note"),
        "the saved note is not unsaved: {dump}"
    );
    // Un-ticking a saved tick is unsaved progress too.
    drop(blocker);
    h.app.store.as_mut().unwrap().save().unwrap();
    assert_eq!(h.app.unsaved_dump(), None);
    let store = h.app.store.as_mut().unwrap();
    store.set_step(486, 1, StepState::Todo, h.now + 100);
    store.set_step(486, 4, StepState::Failed, h.now + 100);
    assert_eq!(
        h.app.unsaved_dump().unwrap(),
        "--- checklist progress ---\n486: step 5 failed; step 2 back to to-do\n"
    );
}

#[test]
fn editing_a_note_keeps_its_tabs_and_control_characters() {
    let mut h = Harness::new();
    let original = "trunk\tcalls\tlimit\nraw:\u{1b}[31m\r";
    let s = h.app.store.as_mut().unwrap();
    s.set_note(486, original, 1);
    s.save().unwrap();
    h.open(486);
    h.keys("n");
    // Shown visibly, never raw: ESC as its control picture.
    let frame = h.frame();
    assert!(frame.contains("raw:\u{241b}[31m\u{240d}"), "{frame}");
    assert!(
        !frame.contains('\u{1b}') && !frame.contains("\\e"),
        "{frame}"
    );
    h.key(KeyCode::End);
    h.keys("!");
    h.key(KeyCode::Esc);
    assert_eq!(h.reopened().note(486), format!("{original}!"));
    // Deleting a control character deletes it, as one character.
    h.keys("n");
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Esc);
    assert_eq!(
        h.reopened().note(486),
        "trunk\tcalls\tlimit\nraw:\u{1b}[31m"
    );
    // A typed character that is one of the placeholders is kept as typed.
    h.keys("n");
    h.keys("\u{f0000}");
    h.key(KeyCode::Esc);
    assert_eq!(
        h.reopened().note(486),
        "trunk\tcalls\tlimit\nraw:\u{1b}[31m\u{f0000}"
    );
}

/// Two sessions typing into one note (the tester's repro, with the other
/// session a second store on the same directory): the open editor says
/// that another session saved the note, each side's autosaves replace
/// each other, and D twice in the detail drops the kept version.
#[test]
fn an_open_note_is_told_of_another_sessions_save_and_kept_versions_can_be_dropped() {
    let mut h = Harness::new();
    let mut other = h.reopened();
    h.open(500);
    h.keys("n");
    let notice = |h: &Harness| match h.app.overlay() {
        Some(Overlay::Note(n)) => n.notice(&h.app),
        _ => panic!("the editor closed"),
    };
    let mut theirs = String::new();
    for i in 1..=4 {
        h.keys(&format!("a{i} "));
        h.tick_after(1300);
        if i == 1 {
            assert_eq!(notice(&h), None, "nobody else wrote yet");
        }
        theirs.push_str(&format!("b{i} "));
        other.set_note(500, &theirs, h.now + 1);
        other.save().unwrap();
        h.now += 1300;
    }
    h.keys("!");
    h.tick_after(1300);
    let n = notice(&h).expect("the editor says so");
    assert!(n.contains("Another session saved note 500"), "{n}");
    h.key(KeyCode::Esc);
    let s = h.reopened();
    assert_eq!(s.note(500), "a1 a2 a3 a4 !");
    let kept: Vec<&str> = s.conflicts(500).iter().map(|c| c.text.as_str()).collect();
    assert_eq!(kept, ["b1 b2 b3 b4 "], "one kept version per session");

    // Dismissing is explicit: one D only asks.
    assert!(matches!(h.app.focus, Focus::Detail | Focus::List));
    h.keys("D");
    assert_eq!(h.reopened().conflicts(500).len(), 1);
    h.keys("D");
    assert!(h.reopened().conflicts(500).is_empty());
    assert!(h.app.store.as_ref().unwrap().conflicts(500).is_empty());
    assert_eq!(h.reopened().note(500), "a1 a2 a3 a4 !");
}

/// A note on a code without an entry (`sipfix notes 499 --add`, listed by
/// `sipfix notes` as "499 (unregistered)") is reachable in the UI: typing
/// 499 opens 499 itself (the detail is 400's entry, as a client reads it)
/// with "Your note on 499", `n` edits 499's note, and searching a word of
/// the note finds 499.
#[test]
fn a_note_on_an_unregistered_code_is_shown_edited_and_found() {
    let mut h = Harness::new();
    Store::append_note_line(
        h.dir.path(),
        499,
        "carrier Y sends 499 when the A-number is blocked",
        h.now,
    )
    .unwrap();
    h.app.refresh_store();
    h.keys("499");
    assert_eq!(h.app.current(), Some(499));
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("shown as 400"), "{status}");
    let text = format!("{:?}", h.app.detail_doc(499));
    assert!(text.contains("Your note on 499"), "{text}");
    assert!(text.contains("A-number is blocked"), "{text}");
    assert!(
        text.contains("Bad Request"),
        "the class entry's text: {text}"
    );

    h.keys("n");
    assert!(matches!(h.app.overlay(), Some(Overlay::Note(n)) if n.code == 499));
    h.keys(" (seen twice)");
    h.key(KeyCode::Esc);
    assert_eq!(
        h.reopened().note(499),
        "carrier Y sends 499 when the A-number is blocked (seen twice)"
    );
    assert_eq!(h.reopened().note(400), "");

    h.keys("/");
    h.ctrl('u');
    h.keys("blocked");
    let codes: Vec<u16> = h.app.hits.iter().map(|x| x.code).collect();
    assert!(codes.contains(&499), "{codes:?}");
    assert!(
        !codes.contains(&400),
        "400's own text has no 'blocked': {codes:?}"
    );

    // A code without an entry and without a note is still shown as its
    // class's entry.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.keys("498");
    assert_eq!(h.app.current(), Some(400));
}

// ----- Quitting with edits a save could not write -----

/// Notes disabled: a step marked done and then to do again leaves nothing
/// unsaved, so `q` quits at once and there is nothing to print at exit.
/// (It asked for a second `q`, and stderr said "could not be saved" with
/// nothing listed.)
#[test]
fn disabled_notes_a_step_done_then_to_do_again_quits_at_once() {
    let mut h = Harness::disabled();
    h.open(486);
    h.keys("] ");
    assert_eq!(
        h.app.store.as_ref().unwrap().step_state(486, 0),
        StepState::Done
    );
    h.keys(" ");
    assert_eq!(
        h.app.store.as_ref().unwrap().step_state(486, 0),
        StepState::Todo
    );
    assert!(h.quit(), "q quits at once: {:?}", h.app.status);
    assert_eq!(h.app.unsaved_dump(), None);
}

/// Notes disabled: a step marked done is unsaved: the first `q` says so and
/// asks for another, the second quits, and the dump lists the step.
#[test]
fn disabled_notes_a_step_done_asks_a_second_q_and_is_listed() {
    let mut h = Harness::disabled();
    h.open(486);
    h.keys("] ");
    assert!(!h.quit(), "the first q does not quit");
    assert!(h.status().contains("press q again"), "{}", h.status());
    assert!(h.quit(), "the second q quits");
    let dump = h.app.unsaved_dump().expect("something to print");
    assert!(dump.contains("486: step 1 done"), "{dump}");
}

/// Notes disabled: a note typed and then deleted, committed in between,
/// quits at once too (as a step done and undone does).
#[test]
fn disabled_notes_a_note_typed_then_deleted_quits_at_once() {
    let mut h = Harness::disabled();
    h.open(486);
    h.keys("n");
    h.keys("gone");
    h.tick_after(5_000);
    assert_eq!(h.app.store.as_ref().unwrap().note(486), "gone");
    h.ctrl('u');
    h.key(KeyCode::Esc);
    assert_eq!(h.app.store.as_ref().unwrap().note(486), "");
    assert!(h.quit(), "q quits at once: {:?}", h.app.status);
    assert_eq!(h.app.unsaved_dump(), None);
}

/// A store whose saves fail (the lock held): a step done and undone quits
/// at once; a saved note deleted is unsaved, asks a second `q` and is
/// listed.
#[test]
fn a_failing_save_asks_for_a_second_q_only_when_something_is_unsaved() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("keep me");
    h.key(KeyCode::Esc);
    assert_eq!(h.reopened().note(486), "keep me");
    let _blocker = h.block_saves();
    h.keys("] ");
    h.keys(" ");
    assert!(h.app.store.as_ref().unwrap().is_dirty(), "the save failed");
    assert!(h.quit(), "nothing unsaved: q quits at once");
    assert_eq!(h.app.unsaved_dump(), None);

    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("keep me");
    h.key(KeyCode::Esc);
    let _blocker = h.block_saves();
    h.keys("n");
    h.ctrl('u');
    h.key(KeyCode::Esc);
    assert_eq!(h.app.store.as_ref().unwrap().note(486), "");
    assert!(!h.quit(), "the deletion is unsaved: a second q is asked");
    assert!(h.quit());
    let dump = h.app.unsaved_dump().expect("the deletion is listed");
    assert!(dump.contains("note for 486"), "{dump}");
}

/// The message of notes disabled at start, as the run loop words it.
const DISABLED: &str = "notes are disabled: cannot create data directory \
    /tmp/p19c/filedd/sipfix: not a directory; what you write is kept in this session only, \
    and printed on stderr when sipfix exits";

/// The frame's rows, for assertions on where things are.
fn rows(frame: &str) -> Vec<&str> {
    frame.lines().collect()
}

/// A message that stays on the status line (notes disabled) takes rows
/// from the panes: End in the detail and in the compare pane still reaches
/// their last line, and so do PgDn and j.
#[test]
fn a_status_that_stays_leaves_the_ends_of_detail_and_compare_reachable() {
    let mut h = Harness::new();
    h.app = App::new(
        Kb::embedded(),
        Some(Store::open(h.dir.path()).unwrap()),
        Some(DISABLED.to_string()),
        h.app.theme,
    );
    h.send(Msg::Resize(80, 24));
    h.open(403);
    let f = h.frame();
    let status_rows = rows(&f)
        .iter()
        .rev()
        .take_while(|l| !l.contains("└") && !l.contains('+'))
        .count();
    assert!(status_rows >= 2, "a long message on the status line:\n{f}");
    h.key(KeyCode::End);
    let f = h.frame();
    assert!(f.contains(" end "), "End shows the last line:\n{f}");
    h.key(KeyCode::Home);
    for _ in 0..40 {
        h.key(KeyCode::PageDown);
    }
    assert!(h.frame().contains(" end "), "PgDn reaches the end");
    h.key(KeyCode::Home);
    for _ in 0..400 {
        h.keys("j");
    }
    assert!(h.frame().contains(" end "), "j reaches the end");
    // The compare pane: 202 pinned, 403 against it.
    h.open(202);
    h.keys("c");
    h.open(403);
    while h.app.focus != Focus::Compare {
        h.key(KeyCode::Tab);
    }
    h.key(KeyCode::End);
    let f = h.frame();
    assert!(f.contains("202 vs 403"), "{f}");
    assert!(f.contains(" end "), "End in the compare pane:\n{f}");
}

/// A message shown for one key (a key that does nothing here) shrinks the
/// panes for that frame: a detail scrolled to its end stays at its end.
#[test]
fn a_message_for_one_key_keeps_a_scrolled_detail_at_its_end() {
    let mut h = Harness::new();
    h.open(486);
    h.key(KeyCode::End);
    assert!(h.frame().contains(" end "));
    h.keys("e");
    assert!(h.status().contains("does nothing"), "{}", h.status());
    let f = h.frame();
    assert!(f.contains(" end "), "still at the end:\n{f}");
    // The message goes with the next key: still at the end, no blank.
    h.keys("k");
    h.keys("j");
    let f = h.frame();
    assert!(f.contains(" end "), "{f}");
}

/// The text of a popup as one line: the rows between its side borders,
/// without the list marks, joined by spaces.
fn popup_text(frame: &str) -> String {
    frame
        .lines()
        .filter_map(|l| {
            let l = l.trim_matches('"');
            let inner = l.strip_prefix('│').or_else(|| l.strip_prefix('|'))?;
            let inner = inner
                .strip_suffix('│')
                .or_else(|| inner.strip_suffix('|'))?;
            let t = inner.trim();
            Some(
                t.strip_prefix("- ")
                    .or_else(|| t.strip_prefix("! "))
                    .unwrap_or(t)
                    .to_string(),
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A status message longer than the status line's three rows is cut with
/// the key that shows it whole; Ctrl-G lists it whole, from the panes and
/// from an editor, at 80x24 and at the minimum size, in ASCII mode too.
#[test]
fn a_long_status_message_is_cut_with_a_hint_and_ctrl_g_shows_it_whole() {
    let long = format!(
        "{DISABLED}; also: accepted formats: pcap, pcapng (either may be gzip-compressed), \
         Asterisk PJSIP logger, Asterisk chan_sip debug, FreeSWITCH sofia siptrace, Kamailio \
         sipdump, sngrep .txt, ngrep -W byline, raw SIP messages"
    );
    for ascii in [false, true] {
        for (w, hgt) in [(80, 24), (50, 12)] {
            let mut h = Harness::new();
            let theme = sipfix::tui::theme::Theme {
                color: false,
                ascii,
            };
            h.app = App::new(
                Kb::embedded(),
                Some(Store::open(h.dir.path()).unwrap()),
                Some(long.clone()),
                theme,
            );
            h.send(Msg::Resize(w, hgt));
            let f = h.frame();
            let mark = if ascii { "~" } else { "…" };
            assert!(
                f.contains(&format!("{mark} (Ctrl-G: more)")),
                "{w}x{hgt}: the cut says which key:\n{f}"
            );
            h.ctrl('g');
            assert!(
                matches!(h.app.overlay(), Some(Overlay::Log(_))),
                "{:?}",
                h.app.overlay()
            );
            // Read it all, a screen at a time.
            let mut seen = String::new();
            for _ in 0..10 {
                seen.push_str(&popup_text(&h.frame()));
                seen.push(' ');
                h.key(KeyCode::PageDown);
            }
            let words: Vec<&str> = long.split_whitespace().collect();
            let tail = words[words.len() - 6..].join(" ");
            assert!(
                seen.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(&tail),
                "{w}x{hgt}: the end of the message is readable: {seen}"
            );
            let middle = "what you write is kept in this session only";
            assert!(
                seen.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(middle),
                "{seen}"
            );
            h.key(KeyCode::Esc);
            assert!(h.app.overlay().is_none());
        }
    }
    // From the note editor: the log over it, Esc back to the note, its
    // text kept; Ctrl-G again closes the log too.
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("abc");
    h.keys("zz");
    h.ctrl('g');
    assert!(matches!(h.app.overlay(), Some(Overlay::Log(_))));
    assert!(h.frame().contains("Status messages"));
    h.ctrl('g');
    assert!(matches!(h.app.overlay(), Some(Overlay::Note(_))));
    assert_eq!(h.app.note_text().as_deref(), Some("abczz"));
}

/// The log keeps the messages of the session, newest first, each once.
#[test]
fn the_status_log_lists_the_sessions_messages_newest_first() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("e");
    h.keys("e");
    h.key(KeyCode::Char(' '));
    let log: Vec<String> = h.app.status_log().iter().map(|s| s.text.clone()).collect();
    assert!(log.len() >= 2, "{log:?}");
    assert!(log[log.len() - 2].starts_with("e does nothing"), "{log:?}");
    assert!(
        !log[log.len() - 1].starts_with("e does nothing"),
        "a message repeated at once is logged once: {log:?}"
    );
    h.ctrl('g');
    let f = h.frame();
    let newest = f.find(&log[log.len() - 1][..20]).unwrap();
    let older = f.find("e does nothing").unwrap();
    assert!(newest < older, "{f}");
}

/// A query longer than the search line scrolls as the open prompt's path
/// does: its end and the cursor stay in view, measured in display columns
/// (wide characters), folded in ASCII mode.
#[test]
fn a_long_query_keeps_its_end_and_the_cursor_in_view() {
    let mut h = Harness::new();
    h.keys("/the call drops after thirty two seconds because the ack never arrives at the far END");
    let top = rows(&h.frame())[0].trim_matches('"').to_string();
    assert!(top.starts_with("Search: "), "{top}");
    assert!(top.contains("far END_"), "the end and the cursor: {top}");
    for _ in 0..3 {
        h.key(KeyCode::Backspace);
    }
    h.keys("XYZ");
    let top = rows(&h.frame())[0].trim_matches('"').to_string();
    assert!(top.contains("far XYZ_"), "{top}");
    // Wide characters: two columns each, the line never wider than the screen.
    h.ctrl('u');
    h.keys(&"呼叫失败".repeat(12));
    h.keys("尾");
    let f = h.frame();
    // (The test backend lists the cells hidden by wide characters after
    // the row.)
    let top = rows(&f)[0].split("\" Hidden").next().unwrap();
    let top = top.trim_matches('"').to_string();
    assert!(top.contains("尾_"), "{top}");
    assert!(
        unicode_width::UnicodeWidthStr::width(top.as_str()) <= 80,
        "{top}"
    );
    // ASCII mode: folded before it is measured, and no raw UTF-8.
    let dir = tempfile::tempdir().unwrap();
    let mut a = crate::common::app(dir.path(), 80, 24, true);
    for c in "/"
        .chars()
        .chain("café ".repeat(20).chars())
        .chain("fin".chars())
    {
        a.handle(crate::common::key(KeyCode::Char(c)), 1);
    }
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    t.draw(|f| sipfix::tui::view::draw(f, &a)).unwrap();
    let f = t.backend().to_string();
    let top = f.lines().next().unwrap().trim_matches('"');
    assert!(top.is_ascii() && top.contains("caf? fin_"), "{top}");
}

/// Every key name in the help is apart from what it does (two spaces at
/// least, or a row of its own): at 80x24, in ASCII mode, and at 50x12.
#[test]
fn help_never_runs_a_key_name_into_its_description() {
    for (w, hgt, ascii) in [(80, 24, false), (80, 24, true), (50, 12, true)] {
        let dir = tempfile::tempdir().unwrap();
        let mut a = crate::common::app(dir.path(), w, hgt, ascii);
        let mut t = 1;
        let mut send = |a: &mut App, m: Msg| {
            t += 10;
            a.handle(m, t);
        };
        send(&mut a, crate::common::key(KeyCode::F(1)));
        let mut rows: Vec<String> = Vec::new();
        let mut last = String::new();
        for _ in 0..200 {
            let mut term =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, hgt)).unwrap();
            term.draw(|f| sipfix::tui::view::draw(f, &a)).unwrap();
            let f = term.backend().to_string();
            for l in f.lines() {
                let l = l.trim_matches('"');
                if let Some(inner) = l
                    .strip_prefix(['│', '|'])
                    .and_then(|x| x.strip_suffix(['│', '|']))
                {
                    rows.push(inner.to_string());
                }
            }
            if f == last {
                break;
            }
            last = f;
            send(&mut a, crate::common::key(KeyCode::PageDown));
        }
        for (_, key, _) in sipfix::tui::keymap::help_rows() {
            let apart = rows.iter().any(|r| {
                r.strip_prefix(key)
                    .is_some_and(|rest| rest.trim().is_empty() || rest.starts_with("  "))
            });
            assert!(apart, "{w}x{hgt} ascii {ascii}: {key:?} runs into its text");
        }
    }
}

/// Digits that come in one read (typed fast over a laggy link, `tmux
/// send-keys -l 486`) reach the app as a paste: they do what typing them
/// does, a code jumped to, a longer run too; a SIP message pasted is still
/// decoded.
#[test]
fn digits_that_come_as_a_paste_jump_as_typed_ones() {
    let mut h = Harness::new();
    h.send(Msg::Paste("486".into()));
    assert_eq!(h.app.current(), Some(486), "{}", h.status());
    assert!(!h.status().contains("pasted one line"), "{}", h.status());
    // The same in the detail pane, and a class's entry for a code with none.
    h.key(KeyCode::Tab);
    h.now += 2000;
    h.send(Msg::Paste("599".into()));
    assert_eq!(h.app.current(), Some(500));
    assert!(h.status().contains("599 is not a registered code"));
    // Shorter runs and a line end: as typed, key by key.
    for run in ["48", "6\n", "486\n", "1"] {
        let mut typed = Harness::new();
        typed.keys(run.trim_end());
        if run.ends_with('\n') {
            typed.key(KeyCode::Enter);
        }
        let mut pasted = Harness::new();
        pasted.send(Msg::Paste(run.into()));
        assert_eq!(pasted.app.current(), typed.app.current(), "{run:?}");
        assert_eq!(pasted.app.focus, typed.app.focus, "{run:?}");
        assert_eq!(pasted.status(), typed.status(), "{run:?}");
    }
    // A SIP message is still decoded, a Call-ID still a paste.
    let mut h = Harness::new();
    h.send(Msg::Paste(NOT_IMPLEMENTED.to_string()));
    assert_eq!(h.app.current(), Some(501));
    h.send(Msg::Paste("8675309@10.0.0.1".into()));
    assert!(h.status().contains("pasted one line"), "{}", h.status());
    // A longer run of digits (a phone number, a numeric Call-ID) is a
    // paste, not keys: no jump, and its Enter opens nothing.
    for run in ["004930123456\n", "4860002", &"4".repeat(5000)] {
        let mut h = Harness::new();
        let before = h.app.current();
        h.send(Msg::Paste(run.to_string()));
        assert!(
            h.status().contains("pasted one line"),
            "{run:?}: {}",
            h.status()
        );
        assert_eq!(h.app.current(), before, "{run:?}");
    }
}

/// ASCII mode (LANG=C): the note editor shows what is not ASCII as `?`,
/// as every other pane does, and writes no other byte to the terminal;
/// the note keeps every character as typed or pasted, in UTF-8.
#[test]
fn the_note_editor_in_ascii_mode_shows_question_marks_and_keeps_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = crate::common::app(dir.path(), 80, 24, true);
    let mut t = 1_700_000_000_000;
    let mut send = |a: &mut App, m: Msg| {
        t += 10;
        a.handle(m, t);
    };
    for c in "486n".chars() {
        send(&mut a, crate::common::key(KeyCode::Char(c)));
    }
    assert!(a.note_text().is_some(), "the editor is open");
    for c in "café ".chars() {
        send(&mut a, crate::common::key(KeyCode::Char(c)));
    }
    send(&mut a, Msg::Paste("Jürgen – 呼叫 ‘ok’ end".into()));
    let typed = "café Jürgen – 呼叫 ‘ok’ end";
    assert_eq!(a.note_text().as_deref(), Some(typed));
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    term.draw(|f| sipfix::tui::view::draw(f, &a)).unwrap();
    let buf = term.backend().buffer();
    assert!(
        buf.content().iter().all(|c| c.symbol().is_ascii()),
        "{}",
        term.backend()
    );
    let f = term.backend().to_string();
    // A wide character keeps its two columns: `?` and a blank.
    assert!(f.contains("caf? J?rgen ? ? ?  'ok' end"), "{f}");
    send(&mut a, crate::common::key(KeyCode::Esc));
    a.store.as_mut().unwrap().save().unwrap();
    assert_eq!(Store::open(dir.path()).unwrap().note(486), typed);
}

/// The note's size limit holds for a yank too: Ctrl-K of a long line,
/// then Ctrl-Y twice, would make a note twice the limit (it did, with no
/// message, and `notes --add` then refused the note).
#[test]
fn a_yank_cannot_grow_a_note_past_its_limit() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    let line = "a".repeat(200 * 1024);
    h.send(Msg::Paste(line.clone()));
    h.key(KeyCode::Home);
    h.ctrl('k');
    assert_eq!(h.app.note_text().as_deref(), Some(""), "the line was cut");
    h.ctrl('y');
    h.ctrl('y');
    let text = h.app.note_text().unwrap();
    assert_eq!(text.len(), line.len(), "the second yank is refused");
    assert!(text == line);
    assert!(h.status().contains("limited to 256 KiB"), "{}", h.status());
}

/// ASCII mode: the paste box too shows what is not ASCII as `?` (it wrote
/// the pasted UTF-8 to the terminal), and keeps the text as pasted.
#[test]
fn the_paste_box_in_ascii_mode_shows_question_marks() {
    let mut h = Harness::with_ascii(true);
    h.keys("p");
    h.send(Msg::Paste("From: \"Jürgen – 呼叫\" <sip:j@x>".into()));
    let f = h.frame();
    assert!(
        f.contains("J?rgen"),
        "the paste box is open with the text: {f}"
    );
    assert!(f.is_ascii(), "{f}");
}

/// A failed save pending, Ctrl-C from where `q` is a letter (the note
/// editor, the search line) asks for a second Ctrl-C, not for a `q` that
/// would be typed into the note or the query; from a pane it still says
/// `q`. (It said "press q again" everywhere, and the q went into the note
/// and on into the stderr dump.)
#[test]
fn a_refused_quit_names_the_key_that_quits_where_you_are() {
    let mut h = Harness::new();
    h.open(486);
    let _blocker = h.block_saves();
    h.keys("n");
    h.keys("CC2");
    assert!(!h.ctrl_c_quits(), "the first Ctrl-C does not quit");
    assert!(h.status().contains("press Ctrl-C again"), "{}", h.status());
    assert!(!h.status().contains("press q"), "{}", h.status());
    assert_eq!(
        h.app.note_text().unwrap(),
        "CC2",
        "the editor is still open"
    );
    assert!(h.ctrl_c_quits(), "the second Ctrl-C quits");
    let dump = h.app.unsaved_dump().unwrap();
    assert!(dump.contains("CC2\n"), "{dump}");

    // The search line, with a step left unsaved.
    let mut h = Harness::new();
    h.open(486);
    let _blocker = h.block_saves();
    h.keys("] ");
    h.keys("/");
    assert!(!h.ctrl_c_quits());
    assert!(h.status().contains("press Ctrl-C again"), "{}", h.status());

    // A pane, where q quits: q is named.
    let mut h = Harness::new();
    h.open(486);
    let _blocker = h.block_saves();
    h.keys("] ");
    assert!(!h.ctrl_c_quits());
    assert!(h.status().contains("press q again"), "{}", h.status());
    assert!(h.quit(), "q quits the second time");
}

/// Behind "terminal too small" with a failed save pending, the first
/// Ctrl-C does not quit and the screen says why and that Ctrl-C again
/// quits anyway, first, so that a tiny terminal shows it; the second
/// Ctrl-C quits. (The first did nothing visible: the status line that
/// said so is not drawn there, and the screen still read "Ctrl-C quits".)
#[test]
fn behind_terminal_too_small_a_refused_quit_says_so() {
    let mut h = Harness::new();
    h.open(486);
    let _blocker = h.block_saves();
    h.keys("n");
    h.keys("tiny");
    h.send(Msg::Resize(40, 10));
    assert!(!h.ctrl_c_quits(), "the first Ctrl-C does not quit");
    let f = h.frame().replace('\n', " ");
    let words = f.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.starts_with("\"not saved: Ctrl-C again quits anyway"),
        "{f}"
    );
    assert!(words.contains("too small"), "{f}");
    // As small as a terminal gets, the start is still there, cut safely.
    for (w, hh) in [(20, 5), (12, 2), (1, 1)] {
        h.send(Msg::Resize(w, hh));
        let f = h.frame();
        if w >= 12 {
            assert!(f.contains("not saved"), "{w}x{hh}: {f}");
        }
    }
    h.send(Msg::Resize(40, 10));
    assert!(h.ctrl_c_quits(), "the second Ctrl-C quits");
}

/// A quit refused because its save failed, then a save that succeeds
/// (the cause fixed): the refusal is over. When saves fail again later,
/// the next `q` asks first, as the first one did, and "terminal too
/// small" does not say that a quit was refused. (The refusal stayed
/// armed: after the next failure one `q` quit at once with the step
/// unsaved, and the small screen said "not saved: Ctrl-C again quits
/// anyway" though no quit had been asked for since.)
#[test]
fn a_successful_save_ends_a_refused_quit() {
    let mut h = Harness::new();
    h.open(486);
    let blocker = h.block_saves();
    h.keys("] ");
    assert!(!h.quit(), "the first q does not quit");
    assert!(h.app.quit_refused());
    // The lock is free again: the retry saves.
    drop(blocker);
    h.save();
    assert!(h.status().contains("resolved"), "{}", h.status());
    assert!(!h.app.store.as_ref().unwrap().is_dirty());

    // Saves fail again, a step is left unsaved: nothing was refused yet.
    let _blocker = h.block_saves();
    h.keys("j ");
    assert!(h.app.store.as_ref().unwrap().has_unsaved());
    assert!(!h.app.quit_refused(), "a quit refused before the save");
    h.send(Msg::Resize(40, 10));
    let f = h.frame().replace('\n', " ");
    assert!(!f.contains("not saved"), "{f}");
    assert!(f.contains("q quits"), "{f}");
    h.send(Msg::Resize(80, 24));
    // The next q asks first, as the first time.
    assert!(!h.quit(), "one q quit with the step unsaved");
    assert!(h.status().contains("press q again"), "{}", h.status());
    assert!(h.quit(), "the second q quits");
}

/// Another session saves a note less than a second before `n` (the run
/// loop's next look at the file): the editor opens on that session's
/// text, so typing continues it and keeps no conflict. (It opened on the
/// older text, and typing made the other session's fresh text a "kept
/// version", though the two edits never overlapped.)
#[test]
fn the_note_editor_opens_on_another_sessions_latest_save() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("base AZ");
    h.key(KeyCode::Esc);
    assert_eq!(h.reopened().note(486), "base AZ");
    // B continues the note; A's loop has not looked at the file since.
    let mut b = h.reopened();
    b.set_note(486, "base AZ BZ", h.now + 1);
    b.save().unwrap();
    h.keys("n");
    assert_eq!(h.app.note_text().unwrap(), "base AZ BZ");
    h.keys(" AQ");
    h.key(KeyCode::Esc);
    let s = h.reopened();
    assert_eq!(s.note(486), "base AZ BZ AQ");
    assert!(s.conflicts(486).is_empty(), "{:?}", s.conflicts(486));

    // The same from a popup that opens the note on top of itself (a
    // decoded message of the code).
    let mut b = h.reopened();
    b.set_note(486, "from B", h.now + 1);
    b.save().unwrap();
    h.send(Msg::Paste(
        NOT_IMPLEMENTED.replace("501 Not Implemented", "486 Busy Here"),
    ));
    assert!(matches!(h.app.overlay(), Some(Overlay::Message(_))));
    h.keys("n");
    assert_eq!(h.app.note_text().unwrap(), "from B");
}

/// A note line of 100,000 characters (a pasted trace line): the editor's
/// view follows the cursor to the line's end, where typing is seen, and
/// back to its start. (Past 65,535 columns the view stopped following
/// the cursor: it showed the line's middle and typing went on unseen.)
#[test]
fn the_note_editor_follows_the_cursor_along_a_line_of_100k_characters() {
    let mut h = Harness::new();
    let line = format!("{}TAIL", "w".repeat(100_000));
    Store::append_note_line(h.dir.path(), 480, &line, h.now).unwrap();
    h.app.refresh_store();
    h.open(480);
    h.keys("n");
    let f = h.frame();
    assert!(f.contains("wwwTAIL "), "{f}");
    h.keys("X");
    assert!(h.frame().contains("wwwTAILX "), "{}", h.frame());
    h.key(KeyCode::Home);
    let f = h.frame();
    assert!(!f.contains("TAIL"), "{f}");
    assert!(f.contains("│wwww"), "{f}");
    h.key(KeyCode::End);
    assert!(h.frame().contains("wwwTAILX "), "{}", h.frame());
    h.key(KeyCode::Esc);
    assert_eq!(h.reopened().note(480), format!("{line}X"));
}

/// Another session deletes a note while this one's editor holds typing
/// not yet saved: the editor's save makes its text the note, and the
/// editor says that the other session deleted the note and that its text
/// is the note, not that both texts are kept (the deletion is kept
/// nowhere). When the deletion is the newer (this editor's save was held
/// up), it says that its text is a kept version.
#[test]
fn an_open_note_is_told_of_another_sessions_deletion() {
    let notice = |h: &Harness| match h.app.overlay() {
        Some(Overlay::Note(n)) => n.notice(&h.app),
        _ => panic!("the editor closed"),
    };
    let mut h = Harness::new();
    Store::append_note_line(h.dir.path(), 486, "base", h.now).unwrap();
    h.app.refresh_store();
    h.open(486);
    h.keys("n");
    h.keys(" B");
    let mut a = h.reopened();
    a.set_note(486, "", h.now + 1);
    a.save().unwrap();
    h.tick_after(1300);
    assert_eq!(h.reopened().note(486), "base B");
    assert!(h.reopened().conflicts(486).is_empty());
    let n = notice(&h).expect("the editor says so");
    assert_eq!(
        n,
        "Another session deleted note 486 meanwhile; your text is the note"
    );
    assert!(h.frame().contains(&n), "whole at 80x24: {}", h.frame());

    // The deletion newer than the text this editor could not save yet.
    let mut h = Harness::new();
    Store::append_note_line(h.dir.path(), 486, "base", h.now).unwrap();
    h.app.refresh_store();
    h.open(486);
    h.keys("n");
    let blocker = h.block_saves();
    h.keys(" B");
    h.tick_after(1300);
    assert!(h.app.store.as_ref().unwrap().is_dirty(), "not saved yet");
    drop(blocker);
    let mut a = h.reopened();
    a.set_note(486, "", h.now + 5_000);
    a.save().unwrap();
    h.saves_fail = false;
    h.save();
    let s = h.reopened();
    assert_eq!(s.note(486), "");
    let kept: Vec<&str> = s.conflicts(486).iter().map(|c| c.text.as_str()).collect();
    assert_eq!(kept, ["base B"]);
    assert_eq!(
        notice(&h).expect("the editor says so"),
        "Another session deleted note 486 later; your text is a kept version"
    );
    assert!(h.frame().contains("a kept version"), "{}", h.frame());

    // Another session's text is still said to be kept with this one.
    let mut h = Harness::new();
    h.open(486);
    h.keys("n");
    h.keys("mine");
    let mut a = h.reopened();
    a.set_note(486, "theirs", h.now + 1);
    a.save().unwrap();
    h.tick_after(1300);
    assert_eq!(
        notice(&h).expect("the editor says so"),
        "Another session saved note 486 meanwhile; both texts are kept"
    );
    assert_eq!(h.reopened().conflicts(486).len(), 1);
}

/// Notes on codes without an entry list those codes too: the search
/// header counts them in the total, so the codes shown are never more
/// than the total. (With notes on every code from 100 to 699 it read
/// `600/84`.)
#[test]
fn the_search_header_counts_noted_codes_in_the_total() {
    let mut h = Harness::new();
    for c in [499, 599, 486] {
        Store::append_note_line(h.dir.path(), c, "seen on zorblax", h.now).unwrap();
    }
    h.app.refresh_store();
    let total = h.app.kb.len() + 2;
    assert_eq!(h.app.hits.len(), total);
    let top = h.frame().lines().next().unwrap().to_string();
    assert!(top.contains(&format!(" {total}/{total} ")), "{top}");
    h.keys("/");
    h.keys("zorblax");
    let top = h.frame().lines().next().unwrap().to_string();
    assert!(top.contains(&format!(" 3/{total} ")), "{top}");
}

/// A message copied from a coloured log (`ESC[32m` ... `ESC[0m` around
/// every line, the body's too), pasted into the paste box or straight
/// into the UI: the colours are no part of the message, so its body is
/// the 36 bytes its Content-Length says, with no finding about the length.
#[test]
fn a_coloured_paste_has_the_body_length_its_content_length_says() {
    let body = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-"];
    let len: usize = body.iter().map(|l| l.len() + 2).sum();
    assert_eq!(len, 36);
    let cl = format!("Content-Length: {len}");
    let lines = [
        "SIP/2.0 488 Not Acceptable Here",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776",
        "From: <sip:alice@example.com>;tag=1",
        "To: <sip:bob@example.net>;tag=2",
        "Call-ID: a84b4c76e66710",
        "CSeq: 1 INVITE",
        "Content-Type: application/sdp",
        &cl,
        "",
    ]
    .into_iter()
    .chain(body);
    let pasted: String = lines.map(|l| format!("\x1b[1;32m{l}\x1b[0m\r\n")).collect();
    for boxed in [true, false] {
        let mut h = Harness::new();
        if boxed {
            h.keys("p");
        }
        h.send(Msg::Paste(pasted.clone()));
        if boxed {
            h.ctrl('d');
        }
        let m = h
            .app
            .message
            .as_ref()
            .unwrap_or_else(|| panic!("{}", h.status()));
        let text = m.text.text();
        assert!(text.contains("36 bytes declared, 36 bytes found"), "{text}");
        assert!(!text.contains("Content-Length says"), "{text}");
        assert_eq!(m.problems, 0, "{text}");
    }
}

/// Another session (or a hand edit) leaves `notes.json` unreadable while
/// this one runs: the next save moves it aside and writes the merged
/// notes. The status line says so, naming where the file went, as the
/// start's warning does (it was recorded in the store and never shown).
#[test]
fn a_save_that_moves_an_unreadable_file_aside_says_so() {
    let mut h = Harness::new();
    h.open(486);
    h.keys("] ");
    assert!(!h.app.store.as_ref().unwrap().is_dirty());
    std::fs::write(h.dir.path().join("notes.json"), b"{ not json").unwrap();
    h.keys("j ");
    let status = h.status();
    assert!(
        status.contains("could not be read") && status.contains("moved unchanged to"),
        "{status}"
    );
    assert!(!h.app.store.as_ref().unwrap().is_dirty());
    // Said once: the next save that finds nothing wrong does not repeat it.
    h.keys("j ");
    h.send(Msg::Resize(80, 24));
    assert!(
        h.app.store.as_mut().unwrap().take_save_warning().is_none(),
        "the warning is still pending"
    );
}

/// The prose after a command in a step's hint wraps under it and is never
/// cut: at 80x24 and 60x20, the 404's first step read `sngrep -d any port
/// 5060; the call list shows…` then `and To, ...`: "From" was never shown.
#[test]
fn the_prose_of_a_commands_hint_is_never_cut() {
    for (w, hgt) in [(80, 24), (60, 20), (100, 30)] {
        let mut h = Harness::new();
        h.send(Msg::Resize(w, hgt));
        h.keys("404");
        h.key(KeyCode::Tab);
        h.keys("]");
        let prose = "the call list shows From and To, open the INVITE to read the \
                     Request-URI on each hop";
        let prose: String = prose.split_whitespace().collect();
        // Scrolled a line at a time until the hint is in view.
        let mut f = String::new();
        let mut seen = false;
        for _ in 0..30 {
            f = h.frame();
            let d = h.app.panes().detail.expect("the detail pane");
            // The detail pane's text, its rows joined, spaces left out.
            let text: String = f
                .lines()
                .filter_map(|l| {
                    let cols: Vec<char> = l.trim_matches('"').chars().collect();
                    let (a, b) = (d.x as usize + 1, (d.x + d.width) as usize - 1);
                    (cols.len() >= b).then(|| cols[a..b].iter().collect::<String>())
                })
                .collect::<String>()
                .split_whitespace()
                .collect();
            if text.contains(&prose) {
                seen = true;
                break;
            }
            h.keys("j");
        }
        assert!(seen, "{w}x{hgt}:\n{f}");
    }
}
