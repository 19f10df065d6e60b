//! The interactive terminal UI: terminal set-up and restore, the event
//! loop, signals, and running the effects that `App::handle` asks for.

pub mod app;
pub mod decode;
pub mod input;
pub mod jobs;
pub mod keymap;
pub mod layout;
pub mod lines;
pub mod loader;
pub mod options;
pub mod popups;
pub mod sgr;
pub mod textview;
pub mod theme;
pub mod view;

use crate::exit::{Failure, say};
use crate::store::{self, SaveDone, Store, StoreError, now_ms};
use crate::term;
use app::{App, Effect, Msg};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use input::{Input, InputDecoder};
pub use options::{OpenTrace, Options};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What is said of the notes typed while notes are disabled.
pub const DISABLED_KEPT: &str = "what you write is kept in this session only, and printed on \
                                 stderr when sipfix exits";

/// Open the notes store, or say why notes are disabled: then the store
/// keeps notes and progress in memory only ([`Store::disabled`]), so that
/// nothing typed is lost unsaid.
pub fn open_store() -> (Option<Store>, Option<String>) {
    match store::open_default() {
        Ok(mut s) => {
            s.set_lock_wait(SAVE_LOCK_WAIT);
            (Some(s), None)
        }
        Err(e) => {
            let reason = match e {
                StoreError::NoDataDir => {
                    "no home or data directory; set SIPFIX_DATA_DIR".to_string()
                }
                e => e.to_string(),
            };
            let s = Store::disabled(reason);
            let problem = format!(
                "{}; {DISABLED_KEPT}",
                StoreError::Disabled {
                    reason: s.disabled_reason().unwrap_or_default().to_string(),
                }
            );
            (Some(s), Some(problem))
        }
    }
}

/// The theme for the TUI from the resolved appearance.
pub fn theme_for(a: &term::Appearance) -> theme::Theme {
    theme::Theme {
        color: a.color,
        ascii: a.ascii,
    }
}

/// The terminal the TUI draws on: crossterm's backend writing through
/// [`sgr::SgrWriter`] (classic 16-colour sequences, or none).
pub type Term =
    ratatui::Terminal<ratatui::backend::CrosstermBackend<sgr::SgrWriter<std::io::Stdout>>>;

/// Raw mode, the alternate screen, and a terminal over them.
fn init_terminal(color: bool) -> std::io::Result<Term> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    let backend =
        ratatui::backend::CrosstermBackend::new(sgr::SgrWriter::new(std::io::stdout(), color));
    ratatui::Terminal::new(backend)
}

/// Undo everything the TUI did to the terminal. Safe to call twice, and on
/// a terminal that is gone (errors are ignored: there is no one to tell).
pub fn restore_all() {
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
}

/// Start the TUI.
pub fn start(opts: &Options) -> Result<(), Failure> {
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
    let theme = theme_for(&opts.appearance);
    let mut app = App::new(kb, store, problem, theme);
    app.home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    let first = match &opts.trace {
        Some(t) => app.open_at_start(t.files.clone(), t.format, t.with.clone(), now_ms()),
        None => Vec::new(),
    };

    // The number of the signal that asked us to stop (0: none yet).
    let stop = Arc::new(AtomicUsize::new(0));
    for sig in [
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&stop), sig as usize)
            .map_err(|e| Failure::runtime(format!("cannot install signal handler: {e}")))?;
    }
    let winch = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGWINCH, Arc::clone(&winch))
        .map_err(|e| Failure::runtime(format!("cannot install signal handler: {e}")))?;
    spawn_watchdog(Arc::clone(&stop));
    // A panic restores the terminal first, so its message can be read.
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_all();
        prev(info);
    }));
    let mut terminal = init_terminal(theme.color).map_err(|e| {
        restore_all();
        Failure::runtime(format!("cannot set up the terminal: {e}"))
    })?;
    let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);

    let mut saver = Saver::start();
    let jobs = jobs::Jobs::new(kb);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_loop(
            &mut terminal,
            &mut app,
            &mut saver,
            &jobs,
            first,
            &stop,
            &winch,
        )
    }));
    // Every exit path saves: normal quit, signal, dead tty, even a panic in
    // the loop; bounded so that it ends before the watchdog.
    app.prepare_exit(now_ms());
    saver.finish(&mut app, SAVE_LOCK_WAIT + Duration::from_millis(500));
    let save_err = match app.store.as_mut() {
        Some(s) if s.is_dirty() && s.read_only_reason().is_none() => s.save().err(),
        Some(s) if s.is_dirty() => Some(StoreError::ReadOnly {
            path: s.path().to_path_buf(),
            reason: s.read_only_reason().unwrap_or_default().to_string(),
        }),
        _ => None,
    };
    // A failed save that loses nothing (an edit undone: a step done then
    // to do again) is not worth a word nor an exit status.
    let save_err = save_err.filter(|_| app.store.as_ref().is_some_and(|s| s.has_unsaved()));
    // Where the unsaved notes go, before the terminal is handed back.
    let recovery = match (&save_err, app.store.as_ref()) {
        (Some(_), Some(s)) if s.disabled_reason().is_none() => Some(s.write_recovery()),
        _ => None,
    };
    // What saves found on disk this session (the exit's own save
    // included), said where it outlives the screen.
    let late_warning = app.store.as_mut().and_then(|s| s.take_save_warning());
    restore_all();
    for w in app.save_warnings.iter().chain(&late_warning) {
        say(w);
    }
    let signal = stop.load(Ordering::SeqCst);
    if let Some(e) = save_err {
        say(&format!(
            "your notes or checklist progress could not be saved: {}",
            e.at_exit()
        ));
        match recovery {
            Some(Ok(p)) => say(&format!(
                "they are kept in {} (the notes file format)",
                p.display()
            )),
            Some(Err(e)) => say(&format!("no recovery file either: {e}")),
            None => {}
        }
        if let Some(dump) = app.unsaved_dump() {
            eprintln!("sipfix: what was not saved follows; copy it before it is lost:\n{dump}");
        }
        if signal == 0 {
            return Err(Failure::runtime("notes could not be saved"));
        }
    }
    if signal != 0 {
        return Err(Failure::signal(signal));
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
    /// Nothing within the timeout (or a signal interrupted the wait, or a
    /// worker sent something).
    Idle,
    /// The terminal is gone (SSH dropped, tmux pane killed).
    HungUp,
}

/// Wait up to `timeout` for input on stdin (the terminal), or for `wake`
/// (a worker's pipe) to become readable.
fn tty_wait(timeout: Duration, wake: Option<std::os::fd::RawFd>) -> Tty {
    let mut fds = [
        libc::pollfd {
            fd: libc::STDIN_FILENO,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            // A negative descriptor is ignored by poll(2).
            fd: wake.unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: two valid pollfds, count 2, as poll(2) requires.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
    if n < 0 {
        return if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            Tty::Idle
        } else {
            Tty::HungUp
        };
    }
    let tty = fds[0].revents;
    if tty & libc::POLLIN != 0 {
        Tty::Ready
    } else if tty & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        Tty::HungUp
    } else {
        Tty::Idle
    }
}

/// Read what the terminal has (after [`tty_wait`] said it is ready).
/// `None`: end of file or an error, i.e. the terminal is gone.
fn tty_read(buf: &mut [u8]) -> Option<usize> {
    loop {
        // SAFETY: read(2) into a valid buffer of its length.
        let n = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            return Some(n as usize);
        }
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return None;
    }
}

/// After SIGHUP, SIGTERM or SIGINT, the time the loop has to save and exit
/// before the watchdog ends the process (the terminal may be gone and a
/// library call stuck on it). The exit path's saves are bounded well below
/// it ([`SAVE_LOCK_WAIT`]), so unsaved text is printed and kept first.
const WATCHDOG: Duration = Duration::from_secs(3);

/// A thread that ends the process if a stop signal is not honoured in time.
fn spawn_watchdog(stop: Arc<AtomicUsize>) {
    let _ = std::thread::Builder::new()
        .name("sipfix-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let sig = stop.load(Ordering::SeqCst);
                if sig != 0 {
                    std::thread::sleep(WATCHDOG);
                    restore_all();
                    say("did not exit in time after a signal; forced exit");
                    std::process::exit(128 + (sig as i32 & 0x7f));
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

/// Saves on a thread of their own, so that a held lock or a slow disk never
/// freezes the UI: one save at a time, the next one queued.
struct Saver {
    jobs: Option<mpsc::Sender<store::SaveJob>>,
    done: mpsc::Receiver<SaveDone>,
    busy: bool,
    again: bool,
    last_failure: Option<Instant>,
}

impl Saver {
    fn start() -> Saver {
        let (jobs, job_rx) = mpsc::channel::<store::SaveJob>();
        let (done_tx, done) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("sipfix-save".into())
            .spawn(move || {
                for job in job_rx {
                    if done_tx.send(job.run()).is_err() {
                        break;
                    }
                }
            });
        Saver {
            jobs: spawned.ok().map(|_| jobs),
            done,
            busy: false,
            again: false,
            last_failure: None,
        }
    }

    /// Save now, or as soon as the save under way ends.
    fn request(&mut self, app: &mut App) {
        let Some(store) = app.store.as_ref() else {
            return;
        };
        if self.busy {
            self.again = true;
            return;
        }
        let job = store.save_job();
        match &self.jobs {
            Some(tx) if tx.send(job).is_ok() => self.busy = true,
            // No thread: save here.
            _ => {
                let r = app.store.as_mut().map(|s| s.save());
                self.record(app, r);
            }
        }
    }

    /// Take the result of a finished save, if any; start a queued one.
    /// Returns true when something changed on screen.
    fn poll(&mut self, app: &mut App) -> bool {
        if !self.busy {
            return false;
        }
        match self.done.try_recv() {
            Ok(done) => {
                self.take(app, done);
                if std::mem::take(&mut self.again) {
                    self.request(app);
                }
                true
            }
            Err(_) => false,
        }
    }

    fn take(&mut self, app: &mut App, done: SaveDone) {
        self.busy = false;
        let r = app.store.as_mut().map(|s| s.finish_save(done));
        self.record(app, r);
    }

    fn record(&mut self, app: &mut App, r: Option<Result<(), StoreError>>) {
        match r {
            Some(Ok(())) => {
                self.last_failure = None;
                app.saved(Ok(()));
            }
            Some(Err(e)) => {
                self.last_failure = Some(Instant::now());
                app.saved(Err(save_message(&e)));
            }
            None => {}
        }
    }

    /// Retry a failed save every [`SAVE_RETRY`] while edits wait.
    fn retry_due(&mut self, app: &mut App) -> bool {
        let waiting = app.store.as_ref().is_some_and(|s| {
            s.is_dirty() && s.read_only_reason().is_none() && s.disabled_reason().is_none()
        });
        if waiting && !self.busy && self.last_failure.is_some_and(|t| t.elapsed() >= SAVE_RETRY) {
            self.request(app);
            return true;
        }
        false
    }

    /// Wait (at most `limit`) for the save under way, and take its result.
    fn finish(&mut self, app: &mut App, limit: Duration) {
        if self.busy
            && let Ok(done) = self.done.recv_timeout(limit)
        {
            self.take(app, done);
        }
        self.again = false;
    }

    /// Save synchronously (after the one under way): for quitting.
    fn save_now(&mut self, app: &mut App) {
        self.finish(app, SAVE_LOCK_WAIT + Duration::from_millis(500));
        if app.store.as_ref().is_some_and(|s| s.is_dirty()) {
            let r = app.store.as_mut().map(|s| s.save());
            self.record(app, r);
        }
    }
}

/// A failed save for the status line.
fn save_message(e: &StoreError) -> String {
    match e {
        StoreError::ReadOnly { .. } => {
            format!("{e}; your edits stay in memory in this session only")
        }
        StoreError::Disabled { .. } => format!("{e}; {DISABLED_KEPT}"),
        _ => e.to_string(),
    }
}

/// Leave the full screen for the terminal's own, print `text` there (it
/// goes into the scrollback, and a long line is wrapped by the terminal,
/// so it copies whole), wait for a key, and come back. The key is only
/// the signal to return: it does nothing else, but Ctrl-C, which quits
/// from anywhere (the returned `true`).
fn print_below(terminal: &mut Term, text: &str, stop: &AtomicUsize) -> std::io::Result<bool> {
    use std::io::Write;
    let mut out = std::io::stdout();
    crossterm::execute!(
        out,
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    )?;
    // A terminal without an alternate screen (GNU screen's default) still
    // shows the UI, the cursor where it was drawn last: a fresh line.
    // Raw mode: each line end is CR LF.
    write!(out, "\r\n")?;
    for line in text.lines() {
        write!(out, "{}\r\n", crate::sanitize::inline(line))?;
    }
    write!(out, "\r\n-- press any key to return to sipfix --")?;
    out.flush()?;
    let mut buf = [0u8; 4096];
    let mut quit = false;
    loop {
        if stop.load(Ordering::SeqCst) != 0 {
            break;
        }
        match tty_wait(Duration::from_millis(500), None) {
            Tty::HungUp => break,
            Tty::Idle => {}
            Tty::Ready => {
                // The key (or a paste, whole or in part) is dropped.
                let Some(n) = tty_read(&mut buf) else {
                    break;
                };
                quit = buf[..n] == [0x03];
                // The rest of a paste or a sequence that follows at once.
                while let Tty::Ready = tty_wait(Duration::from_millis(30), None) {
                    if tty_read(&mut buf).is_none() {
                        break;
                    }
                }
                break;
            }
        }
    }
    write!(out, "\r\n")?;
    crossterm::execute!(
        out,
        crossterm::terminal::EnterAlternateScreen,
        crossterm::cursor::Hide
    )?;
    terminal.clear()?;
    Ok(quit)
}

/// A turn of the loop (handling, drawing) longer than this may have let
/// keys pile up in the terminal: a person types a key every 30 ms or more
/// (a key repeating too).
const BUSY_TURN: Duration = Duration::from_millis(20);

/// A wait for input that lasted this long found none pending when it
/// began: what it then reads came while it waited.
const WAITED: Duration = Duration::from_millis(2);

fn run_loop(
    terminal: &mut Term,
    app: &mut App,
    saver: &mut Saver,
    jobs: &jobs::Jobs,
    first: Vec<Effect>,
    stop: &AtomicUsize,
    winch: &AtomicBool,
) -> Result<(), Failure> {
    if let Ok(sz) = terminal.size() {
        app.handle(Msg::Resize(sz.width, sz.height), now_ms());
    }
    let mut queue: std::collections::VecDeque<Msg> =
        first.into_iter().filter_map(|e| jobs.run(e)).collect();
    let mut decoder = InputDecoder::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut dirty = true;
    let mut last_input = Instant::now();
    let mut turn_start = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) != 0 {
            return Ok(());
        }
        if saver.poll(app) {
            dirty = true;
        }
        // Another session may have saved: a stat, and a read if it did.
        if !saver.busy && app.refresh_store() {
            dirty = true;
        }
        if dirty {
            // A dead terminal (EIO after a dropped SSH link) ends the loop; the caller saves.
            if terminal.draw(|f| view::draw(f, app)).is_err() {
                return Ok(());
            }
            dirty = false;
        }
        let mut timeout = if app.timer_pending() || saver.busy {
            Duration::from_millis(100)
        } else {
            Duration::from_millis(1000)
        };
        if let Some(w) = decoder.waiting() {
            timeout = timeout.min(w.saturating_sub(last_input.elapsed()));
        }
        if !queue.is_empty() {
            timeout = Duration::ZERO;
        }
        let mut msgs = std::mem::take(&mut queue);
        // The time since the last wait ended: keys typed in it may pile up
        // in the next read. After a short turn, or a wait that found
        // nothing pending (it blocked before input came), what a read
        // holds arrived together (a paste, see input::looks_pasted).
        let turn = turn_start.elapsed();
        let wait_start = Instant::now();
        let waited = tty_wait(timeout, jobs.wake_fd());
        let blocked = wait_start.elapsed() >= WAITED;
        turn_start = Instant::now();
        match waited {
            Tty::HungUp => return Ok(()),
            Tty::Ready => {
                // End of file or EIO: the terminal is gone.
                let Some(n) = tty_read(&mut buf) else {
                    return Ok(());
                };
                last_input = Instant::now();
                if turn < BUSY_TURN || blocked {
                    decoder.feed_after_wait(&buf[..n]);
                } else {
                    decoder.feed(&buf[..n]);
                }
            }
            Tty::Idle => {
                if decoder.waiting().is_some_and(|w| last_input.elapsed() >= w) {
                    decoder.flush();
                }
                msgs.push_back(Msg::Tick);
            }
        }
        // What the workers sent (a load's progress and result).
        msgs.extend(jobs.drain());
        if winch.swap(false, Ordering::SeqCst)
            && let Ok((w, h)) = crossterm::terminal::size()
        {
            msgs.push_back(Msg::Resize(w, h));
        }
        while let Some(i) = decoder.pop() {
            msgs.push_back(match i {
                Input::Key(k) => Msg::Key(k),
                Input::Paste(s) => Msg::Paste(s),
                Input::PasteTooLarge(n) => Msg::PasteTooLarge(n),
            });
        }
        // Everything that arrived is handled before the next frame (and
        // what the effects answer at once, such as a directory listing).
        while let Some(msg) = msgs.pop_front() {
            let is_tick = matches!(msg, Msg::Tick);
            let fx = app.handle(msg, now_ms());
            if !is_tick || !fx.is_empty() {
                dirty = true;
            }
            for e in fx {
                match e {
                    Effect::Save => saver.request(app),
                    Effect::PrintBelow(text) => match print_below(terminal, &text, stop) {
                        Ok(false) => dirty = true,
                        // Ctrl-C there: quit as from anywhere (saving, as
                        // every exit does).
                        Ok(true) => msgs.push_back(Msg::Key(crossterm::event::KeyEvent::new(
                            crossterm::event::KeyCode::Char('c'),
                            crossterm::event::KeyModifiers::CONTROL,
                        ))),
                        // A terminal that fails here is gone.
                        Err(_) => return Ok(()),
                    },
                    Effect::Quit => {
                        // The save may wait for the lock: say so on screen
                        // first (a drawing error is the next frame's).
                        if saver.busy || app.store.as_ref().is_some_and(|s| s.is_dirty()) {
                            app.saving_to_quit();
                            let _ = terminal.draw(|f| view::draw(f, app));
                        }
                        saver.save_now(app);
                        if app.may_quit() {
                            return Ok(());
                        }
                        dirty = true;
                    }
                    other => {
                        if let Some(m) = jobs.run(other) {
                            msgs.push_back(m);
                        }
                    }
                }
            }
        }
        // A failed save (disk full, lock held) is retried every few seconds
        // on its own, not only when the next edit comes.
        if saver.retry_due(app) {
            dirty = true;
        }
    }
}
