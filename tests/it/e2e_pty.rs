//! End to end in a pseudo-terminal we own: the real binary on the slave side
//! of `openpty(3)`, bytes written to the master in exactly the chunks a test
//! chooses (tmux would re-encode them), the screen read back with `vt100`.
//!
//! These tests cover what only a real terminal shows: an Esc glued to a
//! bracketed paste, continuous typing followed by `kill -9`, a lock held by
//! another process, a file-size limit, signals.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sipfix");

/// sipfix running on a pty of 80x24.
struct Pty {
    master: File,
    child: Child,
    screen: Arc<Mutex<vt100::Parser>>,
    /// What sipfix wrote to stderr, when it goes to a pipe.
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// Open a pty pair of `cols` x `rows`.
fn openpty(cols: u16, rows: u16) -> (OwnedFd, OwnedFd) {
    let mut m: libc::c_int = -1;
    let mut s: libc::c_int = -1;
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: valid out-pointers for both descriptors, no name buffer, a
    // null termios (defaults) and a valid winsize.
    let r = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: openpty returned two fresh descriptors we now own.
    unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

impl Pty {
    /// Start `sh -c script` (the script `exec`s sipfix; `$0` is the binary)
    /// on a new pty, with its own data directory. With `pipe_stderr`,
    /// stderr goes to a pipe (see [`Pty::stderr`]; a pipe, unlike a file,
    /// is not subject to `ulimit -f`), else to the terminal.
    fn spawn_sh(script: &str, data: &Path, env: &[(&str, &str)], pipe_stderr: bool) -> Pty {
        let p = Pty::start_sh(script, data, env, pipe_stderr);
        p.wait_for("search");
        p
    }

    /// [`Pty::spawn_sh`] without waiting for the codes' screen.
    fn start_sh(script: &str, data: &Path, env: &[(&str, &str)], pipe_stderr: bool) -> Pty {
        let (master, slave) = openpty(80, 24);
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script).arg(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", data)
            .env("SIPFIX_DATA_DIR", data)
            .env("SIPFIX_CONFIG_DIR", data.join("config"))
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let slave_fd = slave.as_raw_fd();
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()));
        if pipe_stderr {
            cmd.stderr(Stdio::piped());
        } else {
            cmd.stderr(Stdio::from(slave.try_clone().unwrap()));
        }
        // SAFETY: only async-signal-safe calls between fork and exec: a new
        // session, then the pty slave (already on fd 0) as its controlling tty.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let _ = slave_fd;
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("spawn sipfix on a pty");
        drop(slave);
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut e) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = e.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
        let master = File::from(master);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(24).unwrap(),
            std::num::NonZeroU16::new(80).unwrap(),
            0,
        )));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break, // EIO once the child is gone
                    Ok(n) => sink.lock().unwrap().process(&buf[..n]),
                }
            }
        });
        Pty {
            master,
            child,
            screen,
            stderr,
        }
    }

    fn spawn(data: &Path) -> Pty {
        Pty::spawn_sh("exec \"$0\"", data, &[], false)
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn screen(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// The screen's rows as shown, a line the terminal wrapped on two.
    fn rows(&self) -> Vec<String> {
        self.screen.lock().unwrap().screen().rows(0, 80).collect()
    }

    fn alternate_screen(&self) -> bool {
        self.screen.lock().unwrap().screen().alternate_screen()
    }

    /// Write `bytes` to the terminal in one `write(2)`.
    fn write_once(&mut self, bytes: &[u8]) {
        let n = self.master.write(bytes).expect("write to the pty master");
        assert_eq!(n, bytes.len(), "the pty took only part of one write");
    }

    fn keys(&mut self, s: &str) {
        for b in s.bytes() {
            self.write_once(&[b]);
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        crate::common::wait_for_screen(|| self.screen(), needle, Duration::from_secs(10))
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on the child this test started.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Wait for the exit, at most `limit`; kills and fails beyond it.
    fn wait_exit(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last output.
                std::thread::sleep(Duration::from_millis(100));
                return (st, start.elapsed());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "sipfix did not exit within {limit:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Run `sipfix args` to completion within `limit` (killed and failed after).
fn run_within(data: &Path, args: &[&str], limit: Duration) -> std::process::Output {
    let mut c = Command::new(BIN)
        .args(args)
        .env("SIPFIX_DATA_DIR", data)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while c.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = c.kill();
            let _ = c.wait();
            panic!("sipfix {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    c.wait_with_output().unwrap()
}

fn note_on_disk(data: &Path, code: u16) -> String {
    sipfix::store::Store::open(data)
        .unwrap()
        .note(code)
        .to_string()
}

const MESSAGE: &str = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c1\r\n\
CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

#[test]
fn an_esc_glued_to_a_paste_is_a_paste_not_keys() {
    let data = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(data.path());
    let mut bytes = b"\x1b\x1b[200~".to_vec();
    bytes.extend_from_slice(MESSAGE.as_bytes());
    bytes.extend_from_slice(b"\x1b[201~");
    t.write_once(&bytes);
    let s = t.wait_for("Decoded message (486)");
    assert!(s.contains("Busy Here"), "{s}");
    // The pasted text never ran as keys: nothing was marked or saved.
    std::thread::sleep(Duration::from_millis(300));
    t.keys("q");
    let (st, _) = t.wait_exit(Duration::from_secs(5));
    assert_eq!(st.code(), Some(0));
    assert!(
        !data.path().join("notes.json").exists(),
        "the paste changed saved state: {:?}",
        fs::read_to_string(data.path().join("notes.json"))
    );
}

#[test]
fn a_big_paste_glued_to_an_esc_stays_responsive() {
    let data = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(data.path());
    // 200 KB of headers after the Esc: decoded as one paste, quickly.
    let mut msg = String::from(MESSAGE.trim_end_matches("\r\n"));
    msg.push_str("\r\n");
    while msg.len() < 200_000 {
        msg.push_str("X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    msg.push_str("\r\n");
    let mut bytes = b"\x1b\x1b[200~".to_vec();
    bytes.extend_from_slice(msg.as_bytes());
    bytes.extend_from_slice(b"\x1b[201~");
    // Larger than the pty buffer: write it from a thread, all in one call.
    let mut w = t.master.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&bytes).unwrap());
    t.wait_for("Decoded message (486)");
    writer.join().unwrap();
    t.keys("q");
    t.wait_exit(Duration::from_secs(5));
    assert!(!data.path().join("notes.json").exists());
}

/// Open the note editor of `code`.
fn open_note(t: &mut Pty, code: &str) {
    t.keys("/");
    t.keys(code);
    t.keys("\r");
    t.keys("n");
    t.wait_for(&format!("Note for {code}"));
}

#[test]
fn continuous_typing_then_kill_9_loses_at_most_two_seconds() {
    let data = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(data.path());
    open_note(&mut t, "486");
    let mut typed = String::new();
    let start = Instant::now();
    let mut i = 0u8;
    while start.elapsed() < Duration::from_secs(12) {
        let c = (b'a' + i % 26) as char;
        i = i.wrapping_add(1);
        t.write_once(&[c as u8]);
        typed.push(c);
        std::thread::sleep(Duration::from_millis(300));
    }
    t.signal(libc::SIGKILL);
    t.wait_exit(Duration::from_secs(5));
    let saved = note_on_disk(data.path(), 486);
    assert!(
        typed.starts_with(&saved),
        "saved text is not what was typed: {saved:?}"
    );
    // One key every 0.3 s: at most ~2 s (7 keys) plus one save may be lost.
    let lost = typed.len() - saved.len();
    assert!(
        lost <= 9,
        "lost {lost} of {} keys typed continuously before kill -9 (saved {saved:?})",
        typed.len()
    );
}

/// Hold an exclusive `flock` on `<dir>/notes.lock` as another process would.
fn hold_lock(dir: &Path) -> File {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("notes.lock"))
        .unwrap();
    f.lock().unwrap();
    f
}

fn seed_note(dir: &Path, code: u16, text: &str) {
    let mut s = sipfix::store::Store::open(dir).unwrap();
    s.set_note(code, text, 1_764_000_000_000);
    s.save().unwrap();
}

#[test]
fn reading_notes_never_waits_for_the_lock() {
    let data = tempfile::tempdir().unwrap();
    seed_note(data.path(), 486, "seen while locked");
    let _lock = hold_lock(data.path());
    let o = run_within(data.path(), &["notes", "486"], Duration::from_secs(5));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "seen while locked\n");
    let o = run_within(data.path(), &["notes"], Duration::from_secs(5));
    assert!(String::from_utf8_lossy(&o.stdout).contains("seen while locked"));
}

#[test]
fn adding_a_note_under_a_held_lock_times_out_and_names_the_holder() {
    let data = tempfile::tempdir().unwrap();
    seed_note(data.path(), 486, "first");
    let _lock = hold_lock(data.path());
    let o = run_within(
        data.path(),
        &["notes", "486", "--add", "second"],
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("notes.lock"), "{err}");
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "the holder should be named: {err}"
    );
    assert_eq!(note_on_disk(data.path(), 486), "first");
}

#[test]
fn a_held_lock_never_freezes_the_ui_and_unsaved_text_survives_exit() {
    let data = tempfile::tempdir().unwrap();
    seed_note(data.path(), 486, "old");
    let lock = hold_lock(data.path());
    let mut t = Pty::spawn_sh("exec \"$0\"", data.path(), &[], true);
    // It starts and draws although the lock is held.
    open_note(&mut t, "486");
    t.keys(" plus unsaved words");
    t.keys("\x13"); // Ctrl-S: save, which must not freeze the UI
    t.keys("xyz");
    let typed_at = Instant::now();
    t.wait_for("unsaved wordsxyz");
    assert!(
        typed_at.elapsed() < Duration::from_secs(1),
        "keys typed after a blocked save took {:?} to show",
        typed_at.elapsed()
    );
    // The save gives up on the lock, says so, and keeps the text.
    t.wait_for("notes.lock");
    // A dropped SSH link: the unsaved note is printed and kept in a file.
    t.signal(libc::SIGHUP);
    let (st, took) = t.wait_exit(Duration::from_secs(6));
    let err = t.stderr();
    assert!(
        took < Duration::from_secs(3),
        "exit took {took:?} (the watchdog fires at 3 s)"
    );
    assert!(err.contains("old plus unsaved wordsxyz"), "{err}");
    assert_eq!(st.code(), Some(128 + libc::SIGHUP), "{err}");
    let recovery: Vec<PathBuf> = fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("recovery")
        })
        .collect();
    assert_eq!(recovery.len(), 1, "{err}");
    let kept = fs::read_to_string(&recovery[0]).unwrap();
    assert!(kept.contains("old plus unsaved wordsxyz"), "{kept}");
    assert!(err.contains(&recovery[0].display().to_string()), "{err}");
    drop(lock);
    assert_eq!(note_on_disk(data.path(), 486), "old");
}

#[test]
fn sigterm_saves_and_exits_with_128_plus_15() {
    let data = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(data.path());
    open_note(&mut t, "503");
    t.keys("before sigterm");
    t.wait_for("before sigterm");
    t.signal(libc::SIGTERM);
    let (st, _) = t.wait_exit(Duration::from_secs(5));
    assert_eq!(st.code(), Some(128 + libc::SIGTERM));
    assert_eq!(note_on_disk(data.path(), 503), "before sigterm");
}

#[test]
fn a_file_size_limit_fails_the_save_not_the_process() {
    let data = tempfile::tempdir().unwrap();
    // 1 block of 512 bytes: the notes file with this note cannot be written.
    let mut t = Pty::spawn_sh("ulimit -f 1; exec \"$0\"", data.path(), &[], true);
    open_note(&mut t, "486");
    let note = "long note ".repeat(100);
    let mut paste = b"\x1b[200~".to_vec();
    paste.extend_from_slice(note.as_bytes());
    paste.extend_from_slice(b"\x1b[201~");
    t.write_once(&paste);
    t.keys("\x13");
    t.wait_for("too large");
    t.keys("\x1b");
    t.keys("q");
    let s = t.wait_for("press q again");
    assert!(!s.contains("twice more"), "{s}");
    t.keys("q");
    let (st, _) = t.wait_exit(Duration::from_secs(5));
    let err = t.stderr();
    assert_eq!(st.signal(), None, "killed by a signal: {st:?}; {err}");
    assert_eq!(st.code(), Some(1), "{err}");
    assert!(err.contains(note.trim_end()), "{err}");
    assert!(
        !t.alternate_screen(),
        "the terminal was left in the alternate screen"
    );
    let leftovers: Vec<PathBuf> = fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The UI on `dir` whose note of 486 ("old") was edited to "old and new"
/// and closed while another process holds the lock: the save failed and
/// says so. The lock is returned, held.
fn edit_left_unsaved_under_a_held_lock(dir: &Path) -> (Pty, File) {
    seed_note(dir, 486, "old");
    let lock = hold_lock(dir);
    let mut t = Pty::spawn_sh("exec \"$0\"", dir, &[], true);
    open_note(&mut t, "486");
    t.keys(" and new");
    t.keys("\x1b");
    // The save of the closed note failed on the lock.
    t.wait_for("notes.lock");
    (t, lock)
}

/// `q` with a save that waits for the lock (another process holds it; the
/// save gives up after about a second): the screen says the notes are
/// being saved while it waits, then that the save failed. The screen did
/// not change in that second, as if the key had been lost.
#[test]
fn quitting_says_it_saves_while_the_save_waits_for_the_lock() {
    let data = tempfile::tempdir().unwrap();
    let (mut t, lock) = edit_left_unsaved_under_a_held_lock(data.path());
    t.keys("q");
    t.wait_for("saving notes");
    t.wait_for("press q again");
    t.keys("q");
    let (st, _) = t.wait_exit(Duration::from_secs(10));
    let err = t.stderr();
    assert_eq!(st.code(), Some(1), "{err}");
    assert!(err.contains("old and new"), "{err}");
    drop(lock);
}

/// The save of a quit finds `notes.json` broken meanwhile (another session
/// or a hand edit) and moves it aside: the screen is gone before it can
/// say so, so it is said on the terminal after it, and the moved file is
/// there with its bytes.
#[test]
fn a_quit_whose_save_moves_a_broken_file_aside_says_so_after_the_screen() {
    let data = tempfile::tempdir().unwrap();
    let (mut t, lock) = edit_left_unsaved_under_a_held_lock(data.path());
    std::fs::write(data.path().join("notes.json"), b"{ broken").unwrap();
    drop(lock);
    t.keys("q");
    let (st, _) = t.wait_exit(Duration::from_secs(10));
    let err = t.stderr();
    assert_eq!(st.code(), Some(0), "{err}");
    assert!(
        err.contains("could not be read") && err.contains("moved unchanged to"),
        "{err}"
    );
    let aside: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("notes.json.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), b"{ broken");
}

/// sipfix on the Kamailio capture, its calls listed.
fn spawn_on_capture(data: &Path) -> Pty {
    let capture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/live/kamailio-sipp.pcap.gz"
    );
    let t = Pty::start_sh(&format!("exec \"$0\" '{capture}'"), data, &[], false);
    t.wait_for("64 calls");
    t
}

/// Keys typed ahead over a slow link arrive in one read: they act as the
/// keys they are. Enter and `w` written at once were taken for a paste
/// ("pasted one line, not a SIP message") and did nothing.
#[test]
fn keys_typed_ahead_in_one_read_act_as_keys() {
    let data = tempfile::tempdir().unwrap();
    let mut t = spawn_on_capture(data.path());
    // Let the loop settle into its wait, as between a person's keys.
    std::thread::sleep(Duration::from_millis(300));
    t.write_once(b"\rw");
    let s = t.wait_for("Walk-through");
    assert!(!s.contains("pasted one line"), "{s}");
    // g and Enter in the calls pane: the first call opened.
    t.write_once(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    t.write_once(b"\x1b");
    t.wait_for("Time     From -> To");
    std::thread::sleep(Duration::from_millis(300));
    t.write_once(b"jjg\r");
    t.wait_for("Facts and findings");
    // A search typed ahead in the codes list.
    let data = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(data.path());
    std::thread::sleep(Duration::from_millis(300));
    t.write_once(b"/busy");
    let s = t.wait_for("Search: busy");
    assert!(s.contains("486 Busy Here"), "{s}");
    t.write_once(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    t.write_once(b"q");
    let (st, _) = t.wait_exit(Duration::from_secs(5));
    assert_eq!(st.code(), Some(0));
}

/// `TERM=dumb sipfix` says why it cannot start on stderr, wrapped at word
/// boundaries to the terminal's width: one long line broke words at the
/// 80th column ("comm" / "ands").
#[test]
fn the_message_of_a_dumb_terminal_is_wrapped_at_words() {
    let data = tempfile::tempdir().unwrap();
    let mut t = Pty::start_sh("exec \"$0\"", data.path(), &[("TERM", "dumb")], false);
    let (st, _) = t.wait_exit(Duration::from_secs(5));
    assert_eq!(st.code(), Some(2));
    let screen = t.rows().join("\n");
    let rows: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(rows.len() > 1, "{screen}");
    assert!(
        rows[0].starts_with("sipfix: the interactive UI needs a terminal"),
        "{screen}"
    );
    // Every word whole on a row, the rows under 80 columns.
    let said = "the interactive UI needs a terminal (stdin and stdout a tty, TERM not \
                dumb); use the commands instead: sipfix show CODE, sipfix search QUERY, \
                sipfix compare A B, sipfix list (see sipfix --help)";
    let words: Vec<&str> = rows.iter().flat_map(|r| r.split_whitespace()).collect();
    assert_eq!(words[1..].join(" "), said, "{screen}");
    assert!(rows.iter().all(|r| r.chars().count() <= 80), "{screen}");
}
