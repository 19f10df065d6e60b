//! A decoded message in the TUI, and the documents of the detail pane, as
//! the renderer lays them out: pasted through a terminal, at the pane's
//! real width, in ASCII, without repeated findings.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sipfix::doc::Block;
use sipfix::kb::Kb;
use sipfix::tui::app::{App, Msg};
use sipfix::tui::lines::doc_lines;
use sipfix::tui::theme::Theme;

const PLAIN: Theme = Theme {
    color: false,
    ascii: false,
};

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/messages/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    String::from_utf8(std::fs::read(p).unwrap()).unwrap()
}

fn app(w: u16, h: u16) -> App {
    let mut a = App::new(Kb::embedded(), None, None, PLAIN);
    a.handle(Msg::Resize(w, h), 0);
    a
}

fn frame(a: &App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| sipfix::tui::view::draw(f, a)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

/// The text between the overlay's side borders.
fn inside(row: &str) -> String {
    let chars: Vec<char> = row.chars().collect();
    let l = chars.iter().position(|c| *c == '│').map_or(0, |i| i + 1);
    let r = chars.iter().rposition(|c| *c == '│').unwrap_or(chars.len());
    chars[l..r.max(l)].iter().collect::<String>()
}

/// The "Step N (...): ..." items of the detail's "In the pasted message".
fn step_items(a: &App, code: u16) -> Vec<String> {
    a.detail_doc(code)
        .iter()
        .filter_map(|b| match b {
            Block::Bullets(items) => Some(items.clone()),
            _ => None,
        })
        .flatten()
        .filter(|i| i.starts_with("Step "))
        .collect()
}

#[test]
fn a_crlf_message_pasted_through_tmux_decodes_its_headers_and_reason() {
    // tmux turns every LF of a pasted buffer into CR: CRLF becomes CR CR.
    let pasted = fixture("480-reason.sip").replace('\n', "\r");
    let mut a = app(80, 24);
    a.handle(Msg::Paste(pasted), 0);
    let m = a.message.as_ref().expect("decoded");
    assert_eq!(m.code, Some(480));
    let text = m.text.text();
    assert!(text.contains("Via headers: 2"), "{text}");
    assert!(!text.contains("missing header"), "{text}");
    assert!(text.contains("Q.850 cause 18 No user responding"), "{text}");
    let step = sipfix::tui::decode::step_findings(a.kb, m, 2);
    assert!(
        step.iter()
            .any(|f| f.starts_with("Reason: Q.850;cause=18 -- ")),
        "{step:?}"
    );
}

#[test]
fn the_decoded_view_uses_the_panes_width() {
    let mut a = app(120, 40);
    a.handle(Msg::Paste(fixture("480-reason.sip")), 0);
    let rows = frame(&a, 120, 40);
    let row = rows
        .iter()
        .map(|r| inside(r))
        .find(|r| r.contains("'Asterisk PBX 18.20.0' is Asterisk"))
        .unwrap_or_else(|| panic!("{}", rows.join("\n")));
    // Before: wrapped for 80 columns first, whatever the pane: the row
    // ended at "on its own call" (80 columns with the indent).
    assert!(row.contains("on its own call leg, so it"), "{row:?}");
}

#[test]
fn the_decoded_view_at_60x20_has_no_stray_fragments() {
    let mut a = app(60, 20);
    a.handle(Msg::Paste(fixture("480-reason.sip")), 0);
    let rows: Vec<String> = frame(&a, 60, 20).iter().map(|r| inside(r)).collect();
    let width = rows[2].chars().count();
    let start = rows
        .iter()
        .position(|r| r.starts_with("'Asterisk PBX"))
        .unwrap_or_else(|| panic!("{}", rows.join("\n")));
    // A paragraph wrapped once, at this width: each line is full, i.e. the
    // next line's first word would not have fitted on it. Wrapped twice
    // (at 80, then at the pane) it leaves short fragments.
    let para: Vec<&String> = rows[start..]
        .iter()
        .take_while(|r| !r.trim().is_empty() && !r.contains('─'))
        .collect();
    assert!(para.len() >= 3, "{para:#?}");
    for pair in para.windows(2) {
        let (line, next) = (pair[0].trim_end(), pair[1].trim());
        let word = next.split(' ').next().unwrap();
        assert!(
            line.chars().count() + 1 + word.chars().count() > width,
            "{line:?} had room for {word:?} (width {width})"
        );
    }
}

#[test]
fn findings_in_the_detail_are_not_repeated() {
    let mut a = app(80, 24);
    a.handle(Msg::Paste(fixture("480-reason.sip")), 0);
    let items = step_items(&a, 480);
    assert!(!items.is_empty());
    for it in &items {
        // Before: each header's raw value was listed, then the finding
        // that quotes it again ("Reason: Q.850;cause=18;text=...; Reason:
        // Q.850;cause=18 -- ...").
        assert!(!it.contains("(not in the message)"), "{it}");
        for needle in ["Reason: Q.850", "Server: Asterisk", "Via value"] {
            assert!(it.matches(needle).count() <= 1, "{needle} twice in {it}");
        }
        assert!(!it.contains(";text=\"No user responding\""), "{it}");
    }
}

#[test]
fn a_register_step_is_not_shown_for_an_invite_200() {
    let mut a = app(80, 24);
    a.handle(Msg::Paste(fixture("200-invite.sip")), 0);
    let m = a.message.as_ref().unwrap();
    let items = step_items(&a, 200);
    assert!(items.iter().any(|i| i.starts_with("Step 1 ")), "{items:?}");
    // Before: "Step 2 (For REGISTER, compare the granted expiry ...)".
    assert!(
        !items.iter().any(|i| i.contains("granted expiry")),
        "{items:?}"
    );
    let f = m
        .checklist
        .iter()
        .find(|s| s.title.contains("granted expiry"))
        .unwrap();
    assert!(!f.applies);
    assert!(sipfix::tui::decode::step_findings(a.kb, m, f.step - 1).is_empty());
}

#[test]
fn ascii_detail_lines_fit_the_pane() {
    // "§" folds to "sec. ": folded after wrapping, lines outgrew the pane
    // and were cut at its edge ("RFC 3261 sec. 8.|").
    let ascii = Theme {
        color: false,
        ascii: true,
    };
    let a = app(80, 24);
    let kb = Kb::embedded();
    for e in kb.codes() {
        let doc = a.detail_doc(e.code);
        for w in [30u16, 46, 58, 78, 98] {
            for l in doc_lines(&doc, w, ascii, None).lines {
                let s = l.to_string();
                assert!(s.is_ascii(), "{}: {s:?}", e.code);
                assert!(
                    l.width() <= w as usize,
                    "{} at {w}: {} columns: {s:?}",
                    e.code,
                    l.width()
                );
            }
        }
    }
}

/// A 488 whose SDP lists the callee's capabilities (port 0, which declines
/// nothing there), pasted into the UI in ASCII mode: the body's lines are listed and decoded, every line fits the pane
/// and is ASCII, and the checklist steps about SDP carry its facts.
#[test]
fn the_decoded_view_lists_and_decodes_the_sdp_body() {
    let msg = "SIP/2.0 488 Not Acceptable Here\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n\
               Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n\r\n\
               v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=J\u{fc}rgen \x1b[31m\r\nc=IN IP4 10.0.0.1\r\n\
               t=0 0\r\nm=audio 0 RTP/AVP 0\r\na=inactive\r\n";
    let ascii = Theme {
        color: false,
        ascii: true,
    };
    let mut a = App::new(Kb::embedded(), None, None, ascii);
    a.handle(Msg::Resize(80, 24), 0);
    a.handle(Msg::Paste(msg.to_string()), 0);
    let m = a.message.as_ref().expect("decoded");
    let text = m.text.text();
    // Before: only "Content-Type: application/sdp" and the length.
    for needle in [
        "m=audio 0 RTP/AVP 0",
        "port 0, as a list of",
        "0 PCMU/8000",
        "a=inactive",
        "no media either way",
        "s=J",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
    for w in [46u16, 78] {
        for l in doc_lines(m.text.doc(), w, ascii, None).lines {
            let s = l.to_string();
            assert!(s.is_ascii(), "{s:?}");
            assert!(l.width() <= w as usize, "{w}: {s:?}");
        }
    }
    let step = |n| sipfix::tui::decode::step_findings(a.kb, m, n).join("\n");
    assert!(
        step(1).contains("SDP m=audio port 0 (a capability) RTP/AVP: 0 PCMU/8000")
            && step(1).contains("this SDP is not the offer"),
        "{}",
        step(1)
    );
    assert!(
        step(3).contains("a capability, not a stream"),
        "{}",
        step(3)
    );
    let rows = frame(&a, 80, 24);
    assert!(rows.iter().all(|r| r.is_ascii()), "{}", rows.join("\n"));
}

/// The decoded message shows where it is scrolled in its bottom border
/// (`1-20/85 more ↓`), as the help and the other reading overlays do: a
/// long message gave no sign of how much was left.
#[test]
fn the_decoded_view_shows_its_scroll_position() {
    use crossterm::event::KeyCode;
    let mut a = app(80, 24);
    a.handle(Msg::Paste(fixture("480-reason.sip")), 0);
    // The overlay takes the whole width at 80 columns: 78 inside.
    let total = a
        .message
        .as_ref()
        .expect("decoded")
        .text
        .lines(78, PLAIN)
        .len();
    let rows = frame(&a, 80, 24);
    let bottom = rows
        .iter()
        .find(|r| r.contains(&format!("/{total} more ↓")))
        .unwrap_or_else(|| panic!("no position of {total} lines:\n{}", rows.join("\n")));
    assert!(bottom.contains(" 1-"), "{bottom}");
    a.handle(crate::common::key(KeyCode::End), 0);
    let rows = frame(&a, 80, 24);
    assert!(
        rows.iter().any(|r| r.contains(&format!("/{total} end"))),
        "{}",
        rows.join("\n")
    );
}
