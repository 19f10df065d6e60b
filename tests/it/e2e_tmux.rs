//! End to end: the real binary in a real terminal (tmux), driven by keys,
//! read back from the screen. `.ci/run` installs tmux.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        assert!(
            Command::new("tmux")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success()),
            "tmux is required for the end-to-end tests (.ci/run installs it)"
        );
        Tmux {
            socket: format!("sipfix-e2e-{tag}-{}", std::process::id()),
        }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Start sipfix in a new 80x24 session with its own data dir.
    fn start(&self, data: &Path, extra_env: &[(&str, &str)]) {
        self.start_args(data, extra_env, &[], "search");
    }

    /// Start `sipfix ARGS...` in a new 80x24 session with its own data
    /// dir, and wait for `ready` on the screen.
    fn start_args(&self, data: &Path, extra_env: &[(&str, &str)], args: &[&str], ready: &str) {
        let bin = env!("CARGO_BIN_EXE_sipfix");
        let mut env = format!(
            "SIPFIX_DATA_DIR='{}' LANG=C.UTF-8 TERM=screen",
            data.display()
        );
        for (k, v) in extra_env {
            env.push_str(&format!(" {k}='{v}'"));
        }
        let mut bin = bin.to_string();
        for a in args {
            bin.push_str(&format!(" '{a}'"));
        }
        let o = self.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            &format!("env {env} {bin}"),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // No Esc delay: a bare Esc must reach the app as Esc, not Alt-<next key>.
        self.cmd(&["set", "-s", "escape-time", "0"]);
        self.wait_for(ready);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn send(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Type `s` a key at a time, as a person does (a string written at
    /// once would arrive in one read, which sipfix takes for a paste).
    fn type_text(&self, s: &str) {
        let mut buf = [0u8; 4];
        for c in s.chars() {
            self.cmd(&["send-keys", "-t", "t", "-l", c.encode_utf8(&mut buf)]);
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Wait until the screen shows `needle`, then until it has settled (two
    /// captures 100 ms apart are equal), so that assertions on the rest of
    /// the screen never read a half-drawn frame on a busy machine.
    fn wait_for(&self, needle: &str) -> String {
        crate::common::wait_for_screen(|| self.screen(), needle, Duration::from_secs(15))
    }

    fn alive(&self) -> bool {
        self.cmd(&["has-session", "-t", "t"]).status.success()
    }

    fn wait_exit(&self) {
        let start = Instant::now();
        while self.alive() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "sipfix did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[test]
fn search_open_note_quit_restart_see_note() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("note");
    t.start(data.path(), &[]);
    t.send(&["/"]);
    t.type_text("busy");
    let s = t.wait_for("Busy Everywhere");
    assert!(s.contains("486"), "{s}");
    t.send(&["Enter"]);
    t.wait_for("Detail] Compare (Tab) 486");
    t.send(&["n"]);
    t.wait_for("Note for 486");
    t.type_text("callee on DND, carrier ticket 4711");
    t.wait_for("carrier ticket 4711");
    t.send(&["Escape"]);
    t.send(&["q"]);
    t.wait_exit();

    t.start(data.path(), &[]);
    t.send(&["/"]);
    t.type_text("486");
    t.send(&["Enter", "n"]);
    t.wait_for("callee on DND, carrier ticket 4711");
    t.send(&["Escape", "q"]);
    t.wait_exit();

    let out = Command::new(env!("CARGO_BIN_EXE_sipfix"))
        .args(["notes", "486"])
        .env("SIPFIX_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "callee on DND, carrier ticket 4711\n"
    );
}

#[test]
fn sighup_saves_the_note_being_typed() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("hup");
    t.start(data.path(), &[]);
    t.send(&["/"]);
    t.type_text("503");
    t.send(&["Enter", "n"]);
    t.wait_for("Note for 503");
    t.type_text("typed just before the link dropped");
    t.wait_for("typed just before the link dropped");
    // Send SIGHUP to sipfix (the pane's process), as a dropped SSH session does.
    let pid = String::from_utf8_lossy(&t.cmd(&["display", "-p", "-t", "t", "#{pane_pid}"]).stdout)
        .trim()
        .to_string();
    let pid: i32 = pid.parse().expect("pane pid");
    // SAFETY: kill(2) with a pid we just read and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    t.wait_exit();
    let store = sipfix::store::Store::open(data.path()).unwrap();
    assert_eq!(store.note(503), "typed just before the link dropped");
}

#[test]
fn tiny_terminal_says_so_and_recovers() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("tiny");
    t.start(data.path(), &[]);
    t.cmd(&["resize-window", "-t", "t", "-x", "30", "-y", "8"]);
    t.wait_for("too small");
    t.cmd(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    t.wait_for("Codes");
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn ascii_mode_under_a_c_locale() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("ascii");
    t.start(data.path(), &[("LANG", "C")]);
    let s = t.wait_for("Codes");
    assert!(s.contains("+ Codes"), "ASCII borders expected:\n{s}");
    assert!(!s.contains('│') && !s.contains('┌'), "{s}");
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn bracketed_paste_of_a_message_opens_its_code() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("paste");
    t.start(data.path(), &[]);
    let msg = "SIP/2.0 405 Method Not Allowed\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\nCSeq: 2 UPDATE\nAllow: INVITE, ACK, BYE\nContent-Length: 0\n\n";
    assert!(t.cmd(&["set-buffer", "-b", "m", msg]).status.success());
    // -p: send it as a bracketed paste, as a terminal does for a pasted block.
    assert!(
        t.cmd(&["paste-buffer", "-p", "-b", "m", "-t", "t"])
            .status
            .success()
    );
    let s = t.wait_for("Decoded message (405)");
    assert!(s.contains("UPDATE"), "{s}");
    t.send(&["Escape"]);
    t.wait_for("In the pasted message");
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn a_paste_without_brackets_is_decoded_not_run_as_keys() {
    // GNU screen, a serial console or a terminal with bracketed paste
    // turned off send a paste as plain bytes. Run as keys, this one would
    // quit at its first `q`.
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("rawpaste");
    t.start(data.path(), &[]);
    let msg = "SIP/2.0 405 Method Not Allowed\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKq\nSubject: quick question\nCSeq: 2 UPDATE\nAllow: INVITE, ACK, BYE\nContent-Length: 0\n\n";
    assert!(t.cmd(&["set-buffer", "-b", "m", msg]).status.success());
    // Without -p: no bracketed-paste markers around it.
    assert!(
        t.cmd(&["paste-buffer", "-b", "m", "-t", "t"])
            .status
            .success()
    );
    let s = t.wait_for("Decoded message (405)");
    assert!(s.contains("UPDATE"), "{s}");
    assert!(t.alive(), "sipfix ran the paste as keys and quit");
    t.send(&["Escape"]);
    t.wait_for("In the pasted message");
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn a_vanished_terminal_ends_sipfix_and_keeps_the_note() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("gone");
    t.start(data.path(), &[]);
    let pid = String::from_utf8_lossy(&t.cmd(&["display", "-p", "-t", "t", "#{pane_pid}"]).stdout)
        .trim()
        .to_string();
    assert!(!pid.is_empty());
    t.send(&["/"]);
    t.type_text("404");
    t.send(&["Enter", "n"]);
    t.wait_for("Note for 404");
    t.type_text("typed when the pane died");
    t.wait_for("typed when the pane died");
    // The whole terminal disappears, as when an SSH session drops.
    t.cmd(&["kill-server"]);
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    let start = Instant::now();
    while proc_dir.exists() {
        let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
        if stat.split_whitespace().nth(2) == Some("Z") {
            break; // exited, not yet reaped by tmux (which is gone)
        }
        if start.elapsed() > Duration::from_secs(8) {
            // Do not leave a spinning process behind, then fail.
            if let Ok(p) = pid.parse::<i32>() {
                // SAFETY: kill(2) with the pid of the process this test started.
                unsafe { libc::kill(p, libc::SIGKILL) };
            }
            panic!("sipfix {pid} still running after its terminal vanished");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let store = sipfix::store::Store::open(data.path()).unwrap();
    assert_eq!(store.note(404), "typed when the pane died");
}

impl Tmux {
    /// The pane with its colours and attributes as escape sequences.
    fn screen_escaped(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-e", "-p", "-t", "t"]).stdout)
            .into_owned()
    }

    /// Paste `text` as a terminal does: tmux turns each LF into CR and
    /// wraps the whole in bracketed-paste markers.
    fn paste(&self, text: &str) {
        assert!(self.cmd(&["set-buffer", "-b", "m", text]).status.success());
        assert!(
            self.cmd(&["paste-buffer", "-p", "-b", "m", "-t", "t"])
                .status
                .success()
        );
    }
}

const CRLF_480: &str = "SIP/2.0 480 Temporarily Unavailable\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx\r\n\
From: <sip:alice@example.com>;tag=1\r\n\
To: <sip:bob@example.net>;tag=2\r\n\
Call-ID: e2e-crlf@example.com\r\n\
CSeq: 1 INVITE\r\n\
Reason: Q.850;cause=18;text=\"No user responding\"\r\n\
Content-Length: 0\r\n\r\n";

#[test]
fn the_paste_box_counts_the_headers_before_decoding() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("pbox");
    t.start(data.path(), &[]);
    t.send(&["p"]);
    t.wait_for("Ctrl-D decodes");
    t.paste(CRLF_480);
    t.wait_for("480 response, 7 headers found");
    t.send(&["C-d"]);
    t.wait_for("Decoded message (480)");
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn colours_are_classic_ansi_and_absent_on_a_vt100() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("colour");
    t.start(data.path(), &[]);
    t.wait_for("Codes");
    let s = t.screen_escaped();
    // tmux keeps a colour as it was sent: the 256-colour form would come
    // back as 38;5;N.
    assert!(
        !s.contains("38;5;"),
        "256-colour sequences under TERM=screen:\n{s:?}"
    );
    assert!(
        ["[36m", "[96m", "[32m", ";36m", ";96m", "[90m"]
            .iter()
            .any(|c| s.contains(c)),
        "no classic colour under TERM=screen:\n{s:?}"
    );
    t.send(&["q"]);
    t.wait_exit();

    t.start(data.path(), &[("TERM", "vt100")]);
    t.wait_for("Codes");
    let s = t.screen_escaped();
    let colour = s.match_indices('\x1b').any(|(i, _)| {
        let seq: String = s[i..].chars().take_while(|c| *c != 'm').collect();
        // 39 and 49 are "default colour", which tmux writes itself.
        seq.split([';', '[']).any(|p| {
            matches!(
                p.parse::<u16>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        })
    });
    assert!(!colour, "colour sent to a vt100:\n{s:?}");
    assert!(
        s.contains("\x1b[7m") || s.contains(";7m") || s.contains("[7;"),
        "reverse video kept"
    );
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn narrow_and_tiny_terminals() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("narrow");
    t.start(data.path(), &[]);
    t.send(&["/"]);
    t.type_text("404");
    t.send(&["Enter"]);
    t.wait_for("404 Not Found");
    t.cmd(&["resize-window", "-t", "t", "-x", "50", "-y", "12"]);
    let s = t.wait_for("[Detail] Compare Codes");
    assert!(s.contains("? help") && s.contains("q quit"), "{s}");
    // Behind "too small" the walk-through keys do nothing.
    t.cmd(&["resize-window", "-t", "t", "-x", "20", "-y", "5"]);
    t.wait_for("too small");
    t.send(&["w", "d", "d"]);
    t.cmd(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let s = t.wait_for("Codes");
    assert!(!s.contains("Walk-through"), "{s}");
    t.send(&["q"]);
    t.wait_exit();
    let store = sipfix::store::Store::open(data.path()).unwrap();
    assert_eq!(store.step_state(404, 0), sipfix::store::StepState::Todo);
}

#[test]
fn a_crlf_message_pasted_through_tmux_is_decoded_with_its_reason() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("crlf");
    t.start(data.path(), &[]);
    let msg = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/messages/480-reason.sip"
    );
    assert!(std::fs::read(msg).unwrap().windows(2).any(|w| w == b"\r\n"));
    assert!(t.cmd(&["load-buffer", "-b", "m", msg]).status.success());
    // tmux turns each LF of the buffer into CR: the CRLF message arrives
    // with CR CR line ends, inside a bracketed paste (-p).
    assert!(
        t.cmd(&["paste-buffer", "-p", "-b", "m", "-t", "t"])
            .status
            .success()
    );
    let s = t.wait_for("Decoded message (480)");
    assert!(s.contains("Via headers: 2"), "{s}");
    assert!(!s.contains("missing header"), "{s}");
    // The Reason header is decoded: its Q.850 cause, by name.
    t.send(&["PageDown"]);
    let s = t.wait_for("No user responding");
    assert!(s.contains("Q.850"), "{s}");
    t.send(&["Escape"]);
    let s = t.wait_for("In the pasted message");
    assert!(!s.contains("no Reason header"), "{s}");
    t.send(&["q"]);
    t.wait_exit();
}

// ----- triage in the UI -------------------------------------------------

/// The small trunk of the test kit as a capture file in `dir`.
fn trunk_capture(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("trunk.pcap");
    std::fs::write(
        &p,
        sipfix::trace::testkit::pcap(&sipfix::trace::testkit::trunk()),
    )
    .unwrap();
    p
}

#[test]
fn a_synthetic_capture_failures_a_call_its_failing_response_one_step() {
    let data = tempfile::tempdir().unwrap();
    let cap = trunk_capture(data.path());
    let t = Tmux::new("trunk");
    t.start_args(data.path(), &[], &[cap.to_str().unwrap()], "4/4 calls");
    // Failures only.
    t.send(&["f"]);
    let s = t.wait_for("1/4 calls, failed only");
    assert!(s.contains("503 Service Unava"), "{s}");
    // The call: its ladder, the failing response highlighted.
    t.send(&["Enter"]);
    let s = t.wait_for("Call fail-1@10.0.0.1");
    assert!(s.contains("503 Service Unavailable ─"), "{s}");
    // The failing response, decoded.
    t.send(&["Enter"]);
    t.wait_for("Decoded message (503)");
    t.send(&["Escape"]);
    t.wait_for("Facts and findings");
    // Its checklist with what the response says; one step walked.
    t.send(&["w"]);
    t.wait_for("In message #3 of call fail-1@10.0.0.1");
    t.send(&["d"]);
    t.wait_for("step 2/5");
    t.send(&["q"]);
    t.wait_exit();
    let store = sipfix::store::Store::open(data.path()).unwrap();
    assert_eq!(store.step_state(503, 0), sipfix::store::StepState::Done);
}

#[test]
fn a_real_capture_failures_a_call_its_failing_response_one_step() {
    let Some(cap) = crate::common::capture("sipnab/sip-488-codec-reject.pcapng") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("real");
    t.start_args(data.path(), &[], &[cap.to_str().unwrap()], " calls");
    t.send(&["f"]);
    t.wait_for("failed only");
    t.send(&["Enter"]);
    let s = t.wait_for("Facts and findings");
    assert!(s.contains("488 Not Acceptable Here"), "{s}");
    t.send(&["Enter"]);
    t.wait_for("Decoded message (488)");
    t.send(&["Escape", "w"]);
    t.wait_for("Walk-through 488");
    t.send(&["j"]);
    t.wait_for("step 2/");
    t.send(&["q"]);
    t.wait_exit();
}

#[test]
fn from_the_command_to_the_failing_calls_checklist_in_under_ten_keys() {
    let data = tempfile::tempdir().unwrap();
    let cap = trunk_capture(data.path());
    for lang in ["C.UTF-8", "C"] {
        let t = Tmux::new(&format!("keys-{}", lang.replace('.', "")));
        t.start_args(
            data.path(),
            &[("LANG", lang)],
            &[cap.to_str().unwrap()],
            "4/4 calls",
        );
        // The failing call is first: open it, walk its failing response
        // (two keys; the goal is under ten).
        t.send(&["Enter", "w"]);
        let s = t.wait_for("In message #3 of call fail-1@10.0.0.1");
        assert!(s.contains("Walk-through 503"), "{s}");
        assert!(
            s.contains("Reason: Q.850;cause=34"),
            "the findings per step:\n{s}"
        );
        if lang == "C" {
            assert!(s.contains("+ Walk-through"), "ASCII borders:\n{s}");
            assert!(!s.contains('│') && !s.contains('•'), "{s}");
        }
        t.send(&["q"]);
        t.wait_exit();
    }
}

#[test]
fn a_paste_of_several_messages_opens_their_calls() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("multi");
    t.start(data.path(), &[]);
    let inv = sipfix::trace::testkit::request("INVITE", "pasted-1", 1, "z9hG4bKp", None, &[], "");
    let busy = sipfix::trace::testkit::response(&inv, 486, Some("t"), &[]);
    t.paste(&format!("{inv}{busy}").replace("\r\n", "\n"));
    let s = t.wait_for("1/1 calls");
    assert!(s.contains("486 Busy Here"), "{s}");
    t.send(&["Enter"]);
    t.wait_for("Call pasted-1");
    t.send(&["b", "q"]);
    t.wait_exit();
}

#[test]
fn o_opens_a_capture_with_tab_completion() {
    let data = tempfile::tempdir().unwrap();
    let cap = trunk_capture(data.path());
    let t = Tmux::new("open");
    t.start(data.path(), &[]);
    t.send(&["o"]);
    t.wait_for("Open a capture or log");
    let dir = format!("{}/tru", data.path().display());
    t.type_text(&dir);
    t.send(&["Tab"]);
    t.wait_for("trunk.pcap_");
    t.send(&["Enter"]);
    t.wait_for("4/4 calls");
    assert!(cap.is_file());
    t.send(&["q"]);
    t.wait_exit();
}

/// `p` in the step commands: they are printed on the terminal's own
/// screen, a long one wrapped by the terminal and copied whole (tmux joins
/// its wrapped lines), then any key brings the UI back as it was.
#[test]
fn p_prints_the_commands_below_and_a_key_comes_back() {
    let data = tempfile::tempdir().unwrap();
    let t = Tmux::new("print");
    t.start(data.path(), &[]);
    t.type_text("480");
    t.send(&["Enter"]);
    t.wait_for("Detail] Compare (Tab) 480");
    let kb = sipfix::kb::Kb::embedded();
    let steps = &kb.get(480).unwrap().steps;
    let (i, cmd) = steps
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.commands.values().find(|c| c.len() > 80).map(|c| (i, c)))
        .expect("a command of 480 wider than the screen");
    for _ in 0..=i {
        t.send(&["]"]);
    }
    t.send(&["y"]);
    t.wait_for("Commands of step");
    t.send(&["p"]);
    t.wait_for("press any key to return to sipfix");
    let joined = String::from_utf8_lossy(&t.cmd(&["capture-pane", "-p", "-J", "-t", "t"]).stdout)
        .into_owned();
    assert!(
        joined.lines().any(|l| l.trim_end() == cmd.as_str()),
        "{cmd} whole:\n{joined}"
    );
    t.send(&["x"]);
    let s = t.wait_for("Esc closes, h/l scroll sideways");
    assert!(!s.contains("press any key"), "{s}");
    // Ctrl-C there quits, as it does from anywhere.
    t.send(&["p"]);
    t.wait_for("press any key to return to sipfix");
    t.send(&["C-c"]);
    t.wait_exit();
}

#[test]
fn a_note_typed_while_notes_are_disabled_is_kept_and_printed_at_exit() {
    let tmp = tempfile::tempdir().unwrap();
    // The data directory named is a regular file: notes are disabled.
    let data = tmp.path().join("datafile");
    std::fs::write(&data, "not a directory\n").unwrap();
    let err = tmp.path().join("stderr");
    let rc = tmp.path().join("rc");
    let t = Tmux::new("disabled");
    let o = t.cmd(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        &format!(
            "env SIPFIX_DATA_DIR='{}' LANG=C.UTF-8 TERM=screen {} 2>'{}'; echo $? >'{}'",
            data.display(),
            env!("CARGO_BIN_EXE_sipfix"),
            err.display(),
            rc.display()
        ),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    t.cmd(&["set", "-s", "escape-time", "0"]);
    let s = t.wait_for("notes are disabled");
    assert!(s.contains("cannot create data directory"), "{s}");
    t.send(&["/"]);
    t.type_text("486");
    t.send(&["Enter", "n"]);
    t.wait_for("Note for 486");
    t.type_text("carrier X drops calls after 30s");
    t.wait_for("after 30s");
    t.send(&["Escape"]);
    let s = t.wait_for("kept in this session only");
    assert!(!s.contains("Note for 486"), "{s}");
    assert!(!s.contains("no data directory"), "{s}");
    // The note is still there when opened again.
    t.send(&["n"]);
    t.wait_for("Note for 486");
    t.wait_for("carrier X drops calls after 30s");
    t.send(&["Escape", "q"]);
    t.wait_for("press q again");
    assert!(t.alive(), "one q must not quit with a note unsaved");
    t.send(&["q"]);
    t.wait_exit();
    let err = std::fs::read_to_string(&err).unwrap();
    assert!(err.contains("--- note for 486 ---"), "{err}");
    assert!(err.contains("carrier X drops calls after 30s"), "{err}");
    assert!(err.contains("cannot create data directory"), "{err}");
    assert_ne!(std::fs::read_to_string(&rc).unwrap().trim(), "0", "{err}");
}
