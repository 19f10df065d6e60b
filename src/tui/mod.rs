//! The interactive terminal UI: terminal set-up and restore, the event
//! loop, signals, and running the effects that `App::handle` asks for.

pub mod app;
pub mod decode;
pub mod keymap;
pub mod layout;
pub mod lines;
pub mod theme;
pub mod view;

use crate::cli::{Cli, Failure};
use crate::store::{self, Store, now_ms};
use crate::term;
use app::{App, Effect, Msg};
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Open the notes store, or say why notes are disabled.
pub fn open_store() -> (Option<Store>, Option<String>) {
    match store::data_dir() {
        None => (
            None,
            Some("notes are disabled: no home or data directory; set SIPFIX_DATA_DIR".into()),
        ),
        Some(dir) => match Store::open(&dir) {
            Ok(mut s) => {
                s.set_lock_wait(SAVE_LOCK_WAIT);
                (Some(s), None)
            }
            Err(e) => (None, Some(format!("notes are disabled: {e}"))),
        },
    }
}

/// The theme for the TUI from the command line and the environment.
pub fn theme_for(cli: &Cli) -> theme::Theme {
    theme::Theme {
        color: cli.color != term::ColorWhen::Never
            && !(cli.color == term::ColorWhen::Auto && term::no_color_env()),
        ascii: cli.ascii || !term::locale_is_utf8(),
    }
}

/// Undo everything the TUI did to the terminal. Safe to call twice, and on
/// a terminal that is gone (errors are ignored: there is no one to tell).
pub fn restore_all() {
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
}

/// Start the TUI.
pub fn start(cli: &Cli) -> Result<(), Failure> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() || term::term_is_dumb() {
        return Err(Failure::usage(
            "the interactive UI needs a terminal (stdin and stdout a tty, TERM not dumb); use the commands instead: \
             sipfix show CODE, sipfix search QUERY, sipfix compare A B, sipfix list (see sipfix --help)",
        ));
    }
    let (kb, kb_warning, _) = crate::kb::overrides::global();
    let (store, mut problem) = open_store();
    if problem.is_none() {
        problem = kb_warning.clone();
    }
    let mut app = App::new(kb, store, problem, theme_for(cli));

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| Failure::runtime(format!("cannot install signal handler: {e}")))?;
    }
    spawn_watchdog(Arc::clone(&stop));
    // Our hook first; ratatui's (installed by init) restores the terminal and then calls it.
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
        prev(info);
    }));
    let mut terminal = ratatui::try_init()
        .map_err(|e| Failure::runtime(format!("cannot set up the terminal: {e}")))?;
    let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);

    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_loop(&mut terminal, &mut app, &stop)
    }));
    // Every exit path saves: normal quit, signal, dead tty, even a panic in the loop.
    let fx = app.prepare_exit(now_ms());
    let save_err = if fx.contains(&Effect::Save) || app.store.as_ref().is_some_and(|s| s.is_dirty())
    {
        app.store.as_mut().and_then(|s| s.save().err())
    } else {
        None
    };
    restore_all();
    if let Some(e) = save_err {
        eprintln!("sipfix: {e}");
        if let Some(dump) = app.unsaved_dump() {
            eprintln!("sipfix: your unsaved notes follow, copy them before they are lost:\n{dump}");
        }
        return Err(Failure::runtime("notes could not be saved"));
    }
    match outcome {
        Ok(r) => r,
        Err(_) => Err(Failure::runtime(
            "internal error (the panic message is above); your notes were saved",
        )),
    }
}

/// What waiting on the terminal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tty {
    /// Input is waiting.
    Ready,
    /// Nothing within the timeout (or a signal interrupted the wait).
    Idle,
    /// The terminal is gone (SSH dropped, tmux pane killed).
    HungUp,
}

/// Wait up to `timeout` for input on stdin (the terminal crossterm reads).
fn tty_wait(timeout: Duration) -> Tty {
    let mut fds = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd, count 1, as poll(2) requires.
    let n = unsafe { libc::poll(&mut fds, 1, ms) };
    if n < 0 {
        return if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            Tty::Idle
        } else {
            Tty::HungUp
        };
    }
    if fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        Tty::HungUp
    } else if fds.revents & libc::POLLIN != 0 {
        Tty::Ready
    } else {
        Tty::Idle
    }
}

/// After SIGHUP or SIGTERM, the time the loop has to save and exit before
/// the watchdog ends the process (the terminal may be gone and a library
/// call stuck on it). Every committed edit is already on disk by then.
const WATCHDOG: Duration = Duration::from_secs(3);

/// A thread that ends the process if a stop signal is not honoured in time.
fn spawn_watchdog(stop: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new()
        .name("sipfix-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if stop.load(Ordering::Relaxed) {
                    std::thread::sleep(WATCHDOG);
                    restore_all();
                    std::process::exit(129);
                }
            }
        });
}

/// How long a save from the UI waits for a lock held by another process
/// before it gives up (and retries later); at exit the same, so that the
/// last save ends well before the watchdog.
const SAVE_LOCK_WAIT: Duration = Duration::from_millis(1000);

/// How often a failed save is retried while nothing else happens.
const SAVE_RETRY: Duration = Duration::from_secs(5);

fn run_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    stop: &AtomicBool,
) -> Result<(), Failure> {
    if let Ok(sz) = terminal.size() {
        app.handle(Msg::Resize(sz.width, sz.height), now_ms());
    }
    let mut dirty = true;
    let mut quit_armed = false;
    let mut last_retry = std::time::Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        if dirty {
            // A dead terminal (EIO after a dropped SSH link) ends the loop; the caller saves.
            if terminal.draw(|f| view::draw(f, app)).is_err() {
                return Ok(());
            }
            dirty = false;
        }
        let timeout = if app.timer_pending() {
            Duration::from_millis(200)
        } else {
            Duration::from_millis(1000)
        };
        // Never hand a hung-up terminal to crossterm: on end-of-file it
        // retries the read forever, spinning a core on the jump host.
        if tty_wait(Duration::ZERO) == Tty::HungUp {
            return Ok(());
        }
        let msg = match event::poll(Duration::ZERO) {
            Err(_) => return Ok(()),
            Ok(true) => match event::read() {
                Err(_) => return Ok(()),
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Paste(s)) => Msg::Paste(s),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
            },
            Ok(false) => match tty_wait(timeout) {
                Tty::HungUp => return Ok(()),
                // Input (or a resize signal) arrived: read it on the next turn.
                Tty::Ready => continue,
                Tty::Idle => {
                    // SIGWINCH interrupts the wait; crossterm reports the resize.
                    Msg::Tick
                }
            },
        };
        let is_tick = matches!(msg, Msg::Tick);
        let fx = app.handle(msg, now_ms());
        if !is_tick || !fx.is_empty() {
            dirty = true;
        }
        // A failed save (disk full, read-only) is retried every few seconds
        // on its own, not only when the next edit comes.
        if is_tick
            && app
                .store
                .as_ref()
                .is_some_and(|s| s.is_dirty() && s.read_only_reason().is_none())
            && last_retry.elapsed() >= SAVE_RETRY
        {
            last_retry = std::time::Instant::now();
            save(app);
            dirty = true;
        }
        for e in fx {
            match e {
                Effect::Save => save(app),
                Effect::Quit => {
                    save(app);
                    let failed = app.store.as_ref().is_some_and(|s| s.is_dirty());
                    if !failed || quit_armed {
                        return Ok(());
                    }
                    quit_armed = true;
                    app.saved(Err("cannot save your notes (see above); fix the cause and press q again to retry, or q twice more to quit anyway".into()));
                    dirty = true;
                }
            }
        }
    }
}

fn save(app: &mut App) {
    if let Some(s) = app.store.as_mut() {
        let r = s.save().map_err(|e| e.to_string());
        app.saved(r);
    }
}
