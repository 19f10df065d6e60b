//! Notes and checklist progress on disk, safe for several sessions at once.
//!
//! The store keeps, per SIP status code, the user's free-text note and the
//! state of each step of that code's "how to fix" checklist (steps indexed
//! `0..` as in the knowledge base). It knows nothing of the terminal: the TUI
//! and the CLI call it with plain values, and pass the clock in (`now_ms`,
//! milliseconds since the Unix epoch; see [`now_ms`]) so tests are
//! deterministic.
//!
//! # Files
//!
//! Everything lives in one directory, [`data_dir`]: `$SIPFIX_DATA_DIR` if set
//! and non-empty (made absolute, with a warning, when relative), else the
//! platform data directory (`~/.local/share/sipfix` on Linux). A missing
//! directory is created with mode 0700. The platform directory must be the user's own (else it is
//! refused) and is tightened to 0700 (`fchmod` on it, opened `O_NOFOLLOW`);
//! a directory the user named, or a platform directory that is the user's
//! symbolic link, is used as it is, never changed, with a warning if it is
//! someone else's or writable by others.
//!
//! * `notes.json`: the data, mode 0600, replaced atomically on every write.
//! * `notes.lock`: an empty file, mode 0600, only ever `flock`ed. It is never
//!   renamed or replaced, so every process locks the same inode (locking the
//!   data file itself would not work: each write replaces its inode).
//! * `notes.json.tmp-<random>`: the next version of `notes.json` while it is
//!   being written, created with `O_EXCL`. A leftover one (from a process
//!   killed while saving) is dealt with, with a [`Store::warning`], by the
//!   next [`Store::open`] that finds the lock free (a writer holds the
//!   lock while its temp file exists, so then none is live; while the lock
//!   is held it is left alone) and by the next save: a whole notes file
//!   other than `notes.json` (a save that never landed) is kept as a
//!   `notes.json.recovery-<unix_ms>`, anything else is removed.
//! * `notes.json.corrupt-<unix_ms>`: a data file that could not be parsed,
//!   moved aside byte for byte instead of being overwritten (or a copy of
//!   one with fields this version cannot read, made before it is rewritten).
//! * `notes.json.recovery-<unix_ms>`: what a session could not save when it
//!   exited (the lock held too long, the disk full), in the file format;
//!   or a whole temp file of a save that was interrupted (above).
//!
//! No file in the directory is ever reached through a symbolic link: the
//! lock and the data file are opened with `O_NOFOLLOW` (a link there is an
//! error) and `O_NONBLOCK`, and refused unless they are regular files (a
//! FIFO there would block the read forever), and every file is created
//! with `O_EXCL` and an explicit mode. A lock file with more than one name
//! (a hard link) is refused, never locked nor `fchmod`ed: the other name
//! may be anyone's file. A data file with more than one name is read (it
//! is never changed in place: a write renames a new file over the name).
//!
//! # File format
//!
//! Pretty-printed JSON (two-space indent, trailing newline):
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "codes": {
//!     "486": {
//!       "note": { "text": "callee DND on weekends", "updated_ms": 1764000000000,
//!                 "run": "3fa2c81d09be-2" },
//!       "steps": {
//!         "0": { "state": "done", "updated_ms": 1764000001000 },
//!         "2": { "state": "failed", "updated_ms": 1764000002000 }
//!       },
//!       "steps_reset_ms": 1763000000000,
//!       "conflicts": [
//!         { "text": "older text from another session",
//!           "updated_ms": 1763999999000, "saved_ms": 1764000003000,
//!           "run": "77d0e1a2b3c4-1" }
//!       ],
//!       "conflicts_dismissed_ms": 1763000003000
//!     }
//!   }
//! }
//! ```
//!
//! * `codes` is keyed by the status code as a decimal string, as `u16`
//!   writes it (no sign, no leading zero).
//! * `note` is omitted if nobody ever wrote one. A note cleared by the user
//!   stays as `"text": ""` with its time, so the clearing is merged like any
//!   other edit.
//! * `steps` is keyed by the step index as a string; `state` is one of
//!   `todo`, `done`, `skipped`, `failed`. A step that is absent is `todo`.
//! * `steps_reset_ms` (omitted when 0) records the last "reset checklist": a
//!   step whose `updated_ms` is not after it counts as `todo`.
//! * `run` (omitted when unknown, as in files of earlier versions) names the
//!   *edit run* that wrote a note: one session's editing of one note, from
//!   opening the editor to closing it, or one `notes --add`; a random
//!   session id, `-`, a counter.
//! * `conflicts` (omitted when empty) holds note texts that lost a merge:
//!   their own `updated_ms`, `saved_ms`, when the merge happened, and the
//!   `run` that wrote them.
//! * `conflicts_dismissed_ms` (omitted when 0) records the last time the
//!   user dropped the kept versions: a conflict whose `saved_ms` is not
//!   after it is gone.
//! * `run` (on a note and a kept version) and `conflicts_dismissed_ms` came
//!   after the format's first release (`steps_reset_ms` and `conflicts` were
//!   in it); they are optional, and a reader that does not know them keeps
//!   them (below), so the `schema_version` stays 1. The README names every
//!   field (a test checks it).
//! * Unknown fields (a newer sipfix's) are kept and written back as they
//!   were, at every level read: the file, a code, a note, a step, a kept
//!   version. Their values are kept as raw JSON, never parsed (any
//!   nesting, any number, the spacing as written), except that a
//!   character that must not reach a terminal raw is written as a `\u`
//!   escape, the same JSON. They follow the known fields of their object,
//!   by name. An edit keeps the unknown fields of what it changes (a
//!   note's text, a step's state). How they merge: see "Merge rule".
//!   A sipfix from before they were kept drops them when it saves.
//! * Each code is read on its own (its value
//!   skipped without a depth limit, then parsed alone). A field of a known
//!   name that cannot be read (an unknown step state, say), or a code or
//!   step key not written as sipfix writes one (`"0486"`), is left out and
//!   reported; a code, a field or a step listed twice is merged (as two
//!   sessions' records are) and reported; an unknown field listed twice in
//!   a code or the file is reported and the last kept, and one in a note,
//!   a step or a kept version leaves that object out, reported, as a known
//!   field listed twice there does. The rest of the file is used, and
//!   the file is copied aside before it is next written.
//!   A file with a `schema_version` above [`SCHEMA_VERSION`] is opened
//!   read-only and never written. A file that does not parse at all is
//!   moved aside (see above) and never overwritten.
//!
//! # Locking protocol
//!
//! Every read-modify-write ([`Store::save`], [`Store::append_note_line`],
//! and the set-aside in [`Store::open`]) runs under an exclusive `flock` of
//! `notes.lock`, waited for at most [`Store::set_lock_wait`] (5 s unless
//! set; a held lock then fails the write with [`StoreError::Busy`], naming
//! the holder when the system tells, and nothing is written):
//!
//! 1. lock `notes.lock`;
//! 2. re-read `notes.json` (set it aside if it does not parse);
//! 3. merge it with the in-memory state;
//! 4. if the result differs from the file: write `notes.json.tmp` (0600),
//!    fsync it, rename it over `notes.json`, fsync the directory;
//! 5. unlock.
//!
//! Readers need no lock: the rename makes every version of `notes.json`
//! appear whole, so [`Store::open`] never waits (it only tries the lock,
//! without waiting, to move an unreadable file aside or to clear the temp
//! files of interrupted saves). A process killed at any
//! point leaves either the old or the new file, never a torn one.
//!
//! A save can run on another thread: [`Store::save_job`] takes what it
//! needs, [`SaveJob::run`] does the file work, and [`Store::finish_save`]
//! takes the result back, keeping edits made in the meantime.
//!
//! # Merge rule
//!
//! The store remembers, per code, the record as it was when this session
//! last loaded or saved the file (the *base*). On save, per code:
//!
//! * **Note.** If only the memory or only the disk changed it since the
//!   base, that side is taken. If both changed it to the same text, that
//!   text is kept. If both changed it to different texts, the one with the
//!   newer `updated_ms` wins (ties: the greater text) and the other, unless
//!   empty or written by the same edit run as the winner (an earlier state
//!   of the same editing), is appended to the code's `conflicts`, so no
//!   other session's text is silently dropped. A code absent from one side
//!   leaves its note unchanged there.
//! * **Steps.** Per step, the newer `updated_ms` wins (ties: the later state
//!   in `todo < done < skipped < failed`). The newer `steps_reset_ms` wins.
//! * **Unknown fields** travel with the version that wins: the winning
//!   note's and step's own; a note that loses and is kept as a conflict
//!   keeps its own. A code's are merged per field: a side that changed
//!   (or removed) one since the base wins; when both did, or there is no
//!   base (a code listed twice in the file), the newer record's value
//!   (the one with the latest time in it; ties: the greater JSON text)
//!   wins, so a field only one side has is kept. Since this version never
//!   changes them itself, its copy is the base's and never undoes what a
//!   newer sipfix wrote since, even on a code edited here meanwhile. Those
//!   beside `codes` are taken from the file as it is at the save (the
//!   memory's only when it is missing or set aside). They alone never
//!   make a save write the file, except one removed meanwhile, which is
//!   written again with them.
//! * **Conflicts.** The union of both sides, less the dismissed ones
//!   (`saved_ms` not after the newer `conflicts_dismissed_ms` of both
//!   sides) and those an edit run replaced: per run, only its newest kept
//!   text stays, and none if the note itself is a later text of that run.
//!   De-duplicated by text and `updated_ms`. A conflict made by a merge is
//!   stamped after the dismissal, whatever the clock.
//!
//! The merge is deterministic, symmetric in its two inputs, and idempotent.
//! An edit is stamped with `now_ms`, or one more than the stamp it replaces
//! if the clock is behind, so an edit always sorts after what it replaced.
//! After a successful save the memory holds the merged state, so the other
//! sessions' edits appear (and a losing local note moves to `conflicts`).
//!
//! # Errors
//!
//! When a save fails (disk full, read-only file system, permissions) the
//! edits stay in memory, [`Store::is_dirty`] stays true, and the next
//! [`Store::save`] tries again; the [`StoreError`] names the path and the
//! cause in one line.

mod error;
mod fsio;
mod model;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use error::{Op, StoreError};
pub use fsio::{DATA_FILE, LOCK_FILE, RECOVERY_PREFIX, TEMP_PREFIX};
pub use model::{Conflict, SCHEMA_VERSION, StepState};

use fsio::{Loaded, LockGuard};
use model::{Codes, Doc, Extra, Note, Step};

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SIPFIX_DATA_DIR";

/// The largest note, in bytes: beyond it the editor and `--add` refuse
/// more text (a note is for findings, not for whole traces).
pub const MAX_NOTE_BYTES: usize = 256 * 1024;

/// How long a write waits for the lock unless told otherwise.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// A data directory, and whether the user named it (then it is used as it
/// is, with warnings) or it is the platform default (then it must be the
/// user's own, and is kept at mode 0700, unless it is the user's symbolic
/// link: then it is used as it is, with warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    pub path: PathBuf,
    pub explicit: bool,
    /// The relative path `SIPFIX_DATA_DIR` gave, when `path` is it made
    /// absolute (against the current directory at start): said in a
    /// warning, since another directory gives other notes.
    pub relative: Option<PathBuf>,
}

impl DataDir {
    /// The warning of a data directory named by a relative path.
    fn relative_warning(&self) -> Option<String> {
        let given = self.relative.as_ref()?;
        let tilde = if given.starts_with("~") {
            " (a ~ is only expanded by the shell, outside quotes)"
        } else {
            ""
        };
        Some(format!(
            "warning: {DATA_DIR_ENV} is a relative path, {}{tilde}: it names {}, under the \
             current directory, and sipfix run from another directory would use other notes; \
             set it to an absolute path",
            shown(given),
            shown(&self.path)
        ))
    }
}

impl From<&Path> for DataDir {
    fn from(p: &Path) -> DataDir {
        DataDir {
            path: p.to_path_buf(),
            explicit: true,
            relative: None,
        }
    }
}

impl From<&PathBuf> for DataDir {
    fn from(p: &PathBuf) -> DataDir {
        DataDir::from(p.as_path())
    }
}

impl From<&DataDir> for DataDir {
    fn from(d: &DataDir) -> DataDir {
        d.clone()
    }
}

/// The directory holding the notes: `$SIPFIX_DATA_DIR` if set and non-empty,
/// else the platform data directory for sipfix; `None` if neither can be
/// determined (no home directory).
pub fn data_dir() -> Option<DataDir> {
    data_dir_from(std::env::var_os(DATA_DIR_ENV))
}

/// [`data_dir`], or [`StoreError::NoDataDir`] when there is none.
pub fn default_dir() -> Result<DataDir, StoreError> {
    data_dir().ok_or(StoreError::NoDataDir)
}

/// The store in the default data directory ([`data_dir`]), opened for
/// reading (opening never waits for the lock). The one way the commands and
/// the TUI open the user's notes.
pub fn open_default() -> Result<Store, StoreError> {
    Store::open(&default_dir()?)
}

fn data_dir_from(env: Option<std::ffi::OsString>) -> Option<DataDir> {
    match env {
        Some(v) if !v.is_empty() => {
            let given = PathBuf::from(v);
            if given.is_absolute() {
                return Some(DataDir::from(given.as_path()));
            }
            // Made absolute once, so that every message names the whole
            // path; kept relative if the current directory is gone.
            Some(DataDir {
                path: std::path::absolute(&given).unwrap_or_else(|_| given.clone()),
                explicit: true,
                relative: Some(given),
            })
        }
        _ => directories::ProjectDirs::from("", "", "sipfix").map(|p| DataDir {
            path: p.data_dir().to_path_buf(),
            explicit: false,
            relative: None,
        }),
    }
}

/// Check (and create) the data directory: the warnings it is worth.
fn prepare(dir: &DataDir) -> Result<Vec<String>, StoreError> {
    let mut warnings: Vec<String> = dir.relative_warning().into_iter().collect();
    warnings.extend(fsio::ensure_dir(&dir.path, dir.explicit)?);
    Ok(warnings)
}

/// Write an export (a Markdown report) into the data directory as a new
/// file `<stem>.<ext>` (`<stem>-2.<ext>` when taken), by the notes' rules:
/// the directory checked and created 0700, the file created new (never
/// through a symbolic link, never over another file), mode 0600, synced.
/// Returns its path.
pub fn write_export(
    dir: &DataDir,
    stem: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<PathBuf, StoreError> {
    prepare(dir)?;
    fsio::write_unique(&dir.path, stem, ext, bytes)
}

/// The current wall-clock time in milliseconds since the Unix epoch (0 if
/// the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The notes and checklist progress of one session.
///
/// Reads and edits work on memory; [`Store::save`] synchronises with the
/// file (and with the other sessions' edits). See the [module docs](self).
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    path: PathBuf,
    codes: Codes,
    /// Everything as last loaded from or saved to the file: the base of
    /// the next merge, and what the edits not yet saved differ from
    /// ([`Store::unsaved_notes`], [`Store::unsaved_progress`]).
    synced: Codes,
    /// The fields beside `codes` that a newer sipfix wrote, as last
    /// loaded from or saved to the file (never changed here).
    extra: Extra,
    dirty: bool,
    /// Counts edits, so a save that ran on a copy knows what came after.
    generation: u64,
    warning: Option<String>,
    /// A warning a save gave (a file copied or moved aside, interrupted
    /// saves cleared) that the user has not been told yet.
    save_warning: Option<String>,
    read_only: Option<String>,
    /// Why there is no file at all ([`Store::disabled`]): edits live in
    /// memory only and every save fails.
    disabled: Option<String>,
    lock_wait: Duration,
    /// The data file as last read or written (see [`Store::refresh`]).
    seen: Option<FileStamp>,
    /// This session's random id, the prefix of its edit runs.
    session: String,
    /// How many edit runs this session started.
    runs: u64,
    /// Per code, how many times a save or a refresh found a note that
    /// another session (or edit run) saved since this one last synchronised.
    outside: BTreeMap<u16, u64>,
    /// The codes whose note, the last time such a save was found, was
    /// deleted (an empty text): nothing of it is kept as a conflict.
    deleted_outside: std::collections::BTreeSet<u16>,
}

/// What identifies one version of the data file: every write replaces it
/// (a new inode), so another session's save always changes this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    mtime: i64,
    mtime_nsec: i64,
    len: u64,
}

fn stamp_of(path: &Path) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    Some(FileStamp {
        dev: m.dev(),
        ino: m.ino(),
        mtime: m.mtime(),
        mtime_nsec: m.mtime_nsec(),
        len: m.size(),
    })
}

/// What a save needs, taken from a [`Store`] so that it can run on another
/// thread ([`SaveJob::run`]) while the session goes on.
#[derive(Debug)]
pub struct SaveJob {
    dir: PathBuf,
    path: PathBuf,
    codes: Codes,
    base: Codes,
    extra: Extra,
    generation: u64,
    read_only: Option<String>,
    disabled: Option<String>,
    lock_wait: Duration,
    now: u64,
    session: String,
}

/// The result of a [`SaveJob`], for [`Store::finish_save`].
#[derive(Debug)]
pub struct SaveDone {
    /// The notes as they were sent to the save (the base of the merge back).
    sent: Codes,
    generation: u64,
    result: Result<Synced, StoreError>,
}

/// What a successful synchronisation found and wrote.
#[derive(Debug)]
struct Synced {
    merged: Doc,
    warning: Option<String>,
    /// The data file as the save left it.
    seen: Option<FileStamp>,
    /// Codes whose note on disk another session (or edit run) had saved
    /// since this one last synchronised, and whether it was deleted.
    outside: Vec<(u16, bool)>,
}

impl Store {
    /// A store with no file, for when the data directory cannot be used
    /// (`reason`, the error that says why, e.g. from [`open_default`]):
    /// notes and progress are kept in memory, so that nothing typed is
    /// lost while the session lasts, and are reported unsaved
    /// ([`unsaved_notes`](Store::unsaved_notes),
    /// [`unsaved_progress`](Store::unsaved_progress)); every
    /// [`save`](Store::save) fails with [`StoreError::Disabled`] and nothing
    /// is ever read or written.
    pub fn disabled(reason: impl Into<String>) -> Store {
        Store {
            disabled: Some(reason.into()),
            ..Store::empty(PathBuf::new(), PathBuf::new())
        }
    }

    /// A store of `path` in `dir` with nothing loaded yet.
    fn empty(dir: PathBuf, path: PathBuf) -> Store {
        Store {
            seen: stamp_of(&path),
            dir,
            path,
            codes: Codes::new(),
            synced: Codes::new(),
            extra: Extra::default(),
            dirty: false,
            generation: 0,
            warning: None,
            save_warning: None,
            read_only: None,
            disabled: None,
            lock_wait: LOCK_WAIT,
            session: session_id(),
            runs: 0,
            outside: BTreeMap::new(),
            deleted_outside: Default::default(),
        }
    }

    /// Why the store has no file ([`Store::disabled`]), if so.
    pub fn disabled_reason(&self) -> Option<&str> {
        self.disabled.as_deref()
    }

    /// Open the store in `dir`, creating the directory (0700) if missing and
    /// loading `notes.json` if present. Never waits for the lock.
    ///
    /// A data file that does not parse is moved aside to
    /// `notes.json.corrupt-<unix_ms>` (if the lock is free at once) and the
    /// store starts empty, with a [`warning`](Store::warning). A data file
    /// of a newer schema is loaded read-only: every [`save`](Store::save)
    /// returns [`StoreError::ReadOnly`]. Fields that cannot be read are left
    /// out and named in the warning. Temp files of interrupted saves are
    /// cleared if the lock is free at once (see the module docs), and
    /// said in the warning.
    ///
    /// Errors: the directory cannot be created or is refused (see
    /// [`DataDir`]), or the data file exists but cannot be read (or is a
    /// symbolic link).
    pub fn open(dir: impl Into<DataDir>) -> Result<Store, StoreError> {
        let dir = dir.into();
        let dir_warning = Some(prepare(&dir)?.join("; ")).filter(|w| !w.is_empty());
        let path = dir.path.join(DATA_FILE);
        let mut store = Store::empty(dir.path.clone(), path.clone());
        match fsio::load(&path, now_ms())? {
            Loaded::Missing => {}
            Loaded::Ok(doc) => store.adopt(doc),
            Loaded::Partial { doc, issues } => {
                store.adopt(doc);
                store.warning = Some(partial_warning(&path, &issues));
            }
            Loaded::Newer { version, codes } => {
                store.enter_read_only(version);
                match codes {
                    Some(codes) => store.adopt(Doc {
                        codes,
                        extra: Extra::default(),
                    }),
                    None => {
                        if let Some(w) = &mut store.warning {
                            w.push_str("; its notes cannot be displayed by this version");
                        }
                    }
                }
            }
            Loaded::Corrupt { reason } => {
                // Setting aside needs the lock; a reader never waits for it.
                let moved = LockGuard::acquire(&dir.path, Duration::ZERO).and_then(|_guard| {
                    // Re-check under the lock: another process may have
                    // replaced the file meanwhile.
                    match fsio::load(&path, now_ms())? {
                        Loaded::Corrupt { .. } => fsio::set_aside(&path, now_ms()).map(Some),
                        _ => Ok(None),
                    }
                });
                store.warning = Some(match moved {
                    Ok(Some(aside)) => corrupt_warning(&path, &aside, &reason),
                    Ok(None) => format!(
                        "{} was being rewritten while sipfix started; restart to see its notes",
                        shown(&path)
                    ),
                    Err(why) => format!(
                        "{} is unreadable ({reason}) and could not be moved aside ({why}); \
                         it was left untouched and sipfix started with empty notes",
                        shown(&path)
                    ),
                });
            }
        }
        // Temp files of interrupted saves: stale if the lock is free (a
        // writer holds it while its temp file exists), else maybe another
        // session's save in progress, left alone. Never waited for.
        if !fsio::temps(&path).is_empty()
            && let Ok(_guard) = LockGuard::acquire(&dir.path, Duration::ZERO)
            && let Some(w) = leftover_warning(&path, &fsio::clear_temps(&path, now_ms()))
        {
            store.warning = Some(match store.warning.take() {
                Some(other) => format!("{other}; {w}"),
                None => w,
            });
        }
        if let Some(w) = dir_warning {
            store.warning = Some(match store.warning.take() {
                Some(other) => format!("{w}; {other}"),
                None => w,
            });
        }
        Ok(store)
    }

    /// Write `line` as a new line at the end of `code`'s note in the store
    /// in `dir`, under the lock (re-read, append, atomic write). Safe to run
    /// from many processes at once: every line lands. Waits at most
    /// [`LOCK_WAIT`] for the lock.
    ///
    /// Returns a warning if the data file was unreadable and had to be moved
    /// aside first, or the directory is doubtful. Errors:
    /// [`StoreError::ReadOnly`] for a file of a newer schema,
    /// [`StoreError::Busy`] when the lock stays held,
    /// [`StoreError::TooLarge`] when the note would exceed
    /// [`MAX_NOTE_BYTES`], or an I/O error naming the path.
    pub fn append_note_line(
        dir: impl Into<DataDir>,
        code: u16,
        line: &str,
        now_ms: u64,
    ) -> Result<Option<String>, StoreError> {
        let dir = dir.into();
        let mut warnings = prepare(&dir)?;
        let path = dir.path.join(DATA_FILE);
        let _guard = LockGuard::acquire(&dir.path, LOCK_WAIT)?;
        let mut doc = match fsio::load(&path, now_ms)? {
            Loaded::Missing => Doc::default(),
            Loaded::Ok(doc) => doc,
            Loaded::Partial { doc, issues } => {
                let copy = fsio::copy_aside(&path, self::now_ms())?;
                warnings.push(partial_kept_warning(&path, &copy, &issues));
                doc
            }
            Loaded::Newer { version, .. } => {
                return Err(StoreError::ReadOnly {
                    path,
                    reason: newer_reason(version),
                });
            }
            Loaded::Corrupt { reason } => {
                let aside = fsio::set_aside(&path, self::now_ms())?;
                warnings.push(corrupt_warning(&path, &aside, &reason));
                Doc::default()
            }
        };
        let rec = doc.codes.entry(code).or_default();
        let line = line.trim_end_matches(['\r', '\n']);
        let mut text = std::mem::take(&mut rec.note.text);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(line);
        if text.len() > MAX_NOTE_BYTES {
            return Err(StoreError::TooLarge {
                code,
                size: text.len(),
            });
        }
        // The note's fields of a newer sipfix stay, as in every edit.
        rec.note = Note {
            text,
            updated_ms: stamp(now_ms, rec.note.updated_ms),
            run: Some(format!("{}-1", session_id())),
            extra: std::mem::take(&mut rec.note.extra),
        };
        warnings.extend(leftover_warning(
            &path,
            &fsio::clear_temps(&path, self::now_ms()),
        ));
        fsio::write_atomic(&path, &doc)?;
        Ok((!warnings.is_empty()).then(|| warnings.join("; ")))
    }

    /// How long [`save`](Store::save) waits for a lock held by another
    /// process before it fails with [`StoreError::Busy`] (default
    /// [`LOCK_WAIT`]).
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    /// Path of the data file (`<dir>/notes.json`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A message for the user about something that happened to the data
    /// file (moved aside as unreadable, or opened read-only), naming paths.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The warning of the last save that gave one (the data file copied
    /// or moved aside, interrupted saves found), once: for a program that
    /// shows [`warning`](Store::warning) only at start.
    pub fn take_save_warning(&mut self) -> Option<String> {
        self.save_warning.take()
    }

    /// Why the store is read-only, if it is; then every save fails.
    pub fn read_only_reason(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// Take in what other sessions saved since this one last read or wrote
    /// the data file. Cheap when nothing changed: one `stat` (every write
    /// replaces the file, so its inode and time tell). Only while this
    /// session has no unsaved edits (a save merges those with the file
    /// anyway); a file that cannot be read as it is now is left to the
    /// next save, which deals with it. Returns true when the notes or
    /// progress in memory changed.
    pub fn refresh(&mut self) -> bool {
        if self.dirty || self.disabled.is_some() {
            return false;
        }
        let now = stamp_of(&self.path);
        if now == self.seen {
            return false;
        }
        match fsio::load(&self.path, now_ms()) {
            Ok(Loaded::Ok(doc)) => {
                self.seen = now;
                if doc.codes == self.codes && doc.extra == self.extra {
                    return false;
                }
                let codes = &doc.codes;
                let unset = model::CodeRecord::default();
                let changed: Vec<(u16, bool)> = codes
                    .iter()
                    .filter(|(c, r)| r.note != self.codes.get(c).unwrap_or(&unset).note)
                    .filter(|(_, r)| !is_own_run(&self.session, r.note.run.as_deref()))
                    .map(|(&c, r)| (c, r.note.text.is_empty()))
                    .collect();
                for c in changed {
                    self.found_outside(c);
                }
                self.adopt(doc);
                true
            }
            _ => {
                self.seen = now;
                false
            }
        }
    }

    /// The note of `code` (empty if none).
    pub fn note(&self, code: u16) -> &str {
        self.codes.get(&code).map_or("", |r| r.note.text.as_str())
    }

    /// The state of step `idx` of `code`'s checklist.
    pub fn step_state(&self, code: u16, idx: usize) -> StepState {
        self.codes
            .get(&code)
            .map_or(StepState::Todo, |r| r.step_state(idx))
    }

    /// Note texts of `code` that lost a merge, oldest first.
    pub fn conflicts(&self, code: u16) -> &[Conflict] {
        self.codes
            .get(&code)
            .map_or(&[], |r| r.conflicts.as_slice())
    }

    /// Codes with a non-empty note, any step not `todo`, or any conflict,
    /// in ascending order.
    pub fn codes_with_data(&self) -> Vec<u16> {
        self.codes
            .iter()
            .filter(|(_, r)| {
                !r.note.text.is_empty()
                    || !r.conflicts.is_empty()
                    || r.steps.keys().any(|&i| r.step_state(i) != StepState::Todo)
            })
            .map(|(&c, _)| c)
            .collect()
    }

    /// `(done_or_skipped, total_steps)` for `code`, counting steps
    /// `0..total_steps` only.
    pub fn progress(&self, code: u16, total_steps: usize) -> (usize, usize) {
        let done = self.codes.get(&code).map_or(0, |r| {
            r.steps
                .range(..total_steps)
                .filter(|(i, _)| r.step_state(**i).is_handled())
                .count()
        });
        (done, total_steps)
    }

    /// Replace `code`'s note with `text`. No-op if the text is unchanged.
    ///
    /// The edit continues this session's edit run of the note when the
    /// note in memory is this session's own text, else it starts a new
    /// run; an editor that stays open across other sessions' saves should
    /// use [`new_note_run`](Store::new_note_run) and
    /// [`set_note_in_run`](Store::set_note_in_run) instead.
    pub fn set_note(&mut self, code: u16, text: &str, now_ms: u64) {
        let current = self.codes.get(&code).and_then(|r| r.note.run.clone());
        let run = match current {
            Some(r) if is_own_run(&self.session, Some(&r)) => r,
            _ => self.new_note_run(),
        };
        self.set_note_in_run(code, text, now_ms, &run);
    }

    /// A new edit run of this session: what one editor writes from its
    /// opening to its closing. Each save of a run replaces the run's
    /// earlier text; only another run's concurrent text is kept as a
    /// conflict (see the module docs).
    pub fn new_note_run(&mut self) -> String {
        self.runs += 1;
        format!("{}-{}", self.session, self.runs)
    }

    /// Replace `code`'s note with `text`, written by edit `run` (from
    /// [`new_note_run`](Store::new_note_run)). No-op if the text is
    /// unchanged.
    pub fn set_note_in_run(&mut self, code: u16, text: &str, now_ms: u64, run: &str) {
        if self.note(code) == text {
            return;
        }
        let rec = self.codes.entry(code).or_default();
        // The note's fields of a newer sipfix stay with it: an edit
        // changes only what this version knows.
        rec.note = Note {
            text: text.to_owned(),
            updated_ms: stamp(now_ms, rec.note.updated_ms),
            run: Some(run.to_owned()),
            extra: std::mem::take(&mut rec.note.extra),
        };
        self.touch();
    }

    /// Dismiss the kept versions ([`conflicts`](Store::conflicts)) of
    /// `code`'s note, as the user asked: they are dropped here and, at the
    /// next save, from the file, in every session. A version another
    /// session keeps later (saved after the newest one dismissed) stays.
    /// Returns how many were dropped.
    pub fn drop_conflicts(&mut self, code: u16) -> usize {
        let Some(rec) = self.codes.get_mut(&code) else {
            return 0;
        };
        let n = rec.conflicts.len();
        if n == 0 {
            return 0;
        }
        let newest = rec.conflicts.iter().map(|c| c.saved_ms).max().unwrap_or(0);
        rec.conflicts_dismissed_ms = rec.conflicts_dismissed_ms.max(newest);
        rec.conflicts.clear();
        self.touch();
        n
    }

    /// How many times a save or a refresh of this session found `code`'s
    /// note saved by another session (or another edit run) meanwhile. An
    /// open editor compares it with the count when it opened, to say so.
    pub fn note_changes_elsewhere(&self, code: u16) -> u64 {
        self.outside.get(&code).copied().unwrap_or(0)
    }

    /// Whether the last note of `code` found saved by another session
    /// ([`note_changes_elsewhere`](Store::note_changes_elsewhere)) was a
    /// deletion: then nothing of it is kept as a conflict, and an editor
    /// says so rather than that both texts are kept.
    pub fn note_deleted_elsewhere(&self, code: u16) -> bool {
        self.deleted_outside.contains(&code)
    }

    /// A save or a refresh found `code`'s note saved by another session
    /// (`deleted`: as an empty text).
    fn found_outside(&mut self, (code, deleted): (u16, bool)) {
        *self.outside.entry(code).or_default() += 1;
        if deleted {
            self.deleted_outside.insert(code);
        } else {
            self.deleted_outside.remove(&code);
        }
    }

    /// Set step `idx` of `code`'s checklist. No-op if already in `state`.
    pub fn set_step(&mut self, code: u16, idx: usize, state: StepState, now_ms: u64) {
        if self.step_state(code, idx) == state {
            return;
        }
        let rec = self.codes.entry(code).or_default();
        let prev = rec.steps.remove(&idx);
        let updated_ms = stamp(
            now_ms,
            prev.as_ref()
                .map_or(0, |s| s.updated_ms)
                .max(rec.steps_reset_ms),
        );
        // The step's fields of a newer sipfix stay, as for a note.
        let mut step = Step::new(state, updated_ms);
        if let Some(prev) = prev {
            step.extra = prev.extra;
        }
        rec.steps.insert(idx, step);
        self.touch();
    }

    /// Set every step of `code` back to `todo`, including steps another
    /// session set before `now_ms` that this one has not seen yet.
    pub fn reset_steps(&mut self, code: u16, now_ms: u64) {
        let rec = self.codes.entry(code).or_default();
        let newest = rec.steps.values().map(|s| s.updated_ms).max().unwrap_or(0);
        rec.steps_reset_ms = now_ms.max(newest).max(rec.steps_reset_ms);
        rec.steps.clear();
        self.touch();
    }

    fn touch(&mut self) {
        self.dirty = true;
        self.generation += 1;
    }

    /// Whether there are edits not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The in-memory state in the file format, e.g. to export it when
    /// saving fails.
    pub fn to_json(&self) -> Result<String, StoreError> {
        fsio::serialize(&self.codes, &self.extra)
            .map_err(|e| StoreError::io(Op::Write, &self.path, std::io::Error::other(e)))
    }

    /// The notes that differ from what this session last read or wrote (the
    /// ones a failed save would lose), as `(code, text)`. A note deleted
    /// (its text emptied) is listed with an empty text.
    pub fn unsaved_notes(&self) -> Vec<(u16, &str)> {
        self.codes
            .iter()
            .filter(|(c, r)| {
                let was = self.synced.get(c).map_or("", |b| b.note.text.as_str());
                was != r.note.text
            })
            .map(|(&c, r)| (c, r.note.text.as_str()))
            .collect()
    }

    /// Whether a save that fails would lose something: a note or a step
    /// whose state differs from what this session last read or wrote
    /// ([`unsaved_notes`](Store::unsaved_notes),
    /// [`unsaved_progress`](Store::unsaved_progress)). An edit undone
    /// (a step done then to do again) leaves nothing unsaved, though the
    /// store is still [dirty](Store::is_dirty).
    pub fn has_unsaved(&self) -> bool {
        !self.unsaved_notes().is_empty() || !self.unsaved_progress().is_empty()
    }

    /// The checklist steps whose state differs from what this session last
    /// read or wrote (the progress a failed save would lose), per code in
    /// ascending order: `(code, [(step index, state now)])`, steps in
    /// ascending order. A step set back to `todo` (a reset) is listed too.
    pub fn unsaved_progress(&self) -> Vec<(u16, Vec<(usize, StepState)>)> {
        let empty = model::CodeRecord::default();
        self.codes
            .iter()
            .filter_map(|(&c, r)| {
                let was = self.synced.get(&c).unwrap_or(&empty);
                let mut idx: Vec<usize> = r.steps.keys().chain(was.steps.keys()).copied().collect();
                idx.sort_unstable();
                idx.dedup();
                let changed: Vec<(usize, StepState)> = idx
                    .into_iter()
                    .filter(|&i| r.step_state(i) != was.step_state(i))
                    .map(|i| (i, r.step_state(i)))
                    .collect();
                (!changed.is_empty()).then_some((c, changed))
            })
            .collect()
    }

    /// Write the in-memory state to a new `notes.json.recovery-<unix_ms>`
    /// beside the data file (no lock needed), for when saving failed at
    /// exit. Returns its path.
    pub fn write_recovery(&self) -> Result<PathBuf, StoreError> {
        if let Some(reason) = &self.disabled {
            return Err(StoreError::Disabled {
                reason: reason.clone(),
            });
        }
        fsio::write_recovery(&self.path, &self.codes, &self.extra, now_ms())
    }

    /// Synchronise with the file: lock, re-read, merge, write atomically if
    /// anything changed, unlock. Afterwards memory holds the merged state
    /// (other sessions' edits included) and [`is_dirty`](Store::is_dirty)
    /// is false.
    ///
    /// On error nothing in memory changes and the edits stay dirty; call
    /// again to retry. A data file that became unparsable is moved aside
    /// (see [`warning`](Store::warning)) and replaced by the merged data; one
    /// of a newer schema makes the store read-only.
    pub fn save(&mut self) -> Result<(), StoreError> {
        let job = self.save_job();
        let done = job.run();
        self.finish_save(done)
    }

    /// Take what a save needs, to run it elsewhere with [`SaveJob::run`]
    /// and hand the result to [`finish_save`](Store::finish_save).
    pub fn save_job(&self) -> SaveJob {
        SaveJob {
            dir: self.dir.clone(),
            path: self.path.clone(),
            codes: self.codes.clone(),
            base: self.synced.clone(),
            extra: self.extra.clone(),
            generation: self.generation,
            read_only: self.read_only.clone(),
            disabled: self.disabled.clone(),
            lock_wait: self.lock_wait,
            now: now_ms(),
            session: self.session.clone(),
        }
    }

    /// Take back the result of a [`SaveJob`]. Edits made since the job was
    /// taken are kept (merged over what was saved) and stay dirty.
    pub fn finish_save(&mut self, done: SaveDone) -> Result<(), StoreError> {
        let synced = match done.result {
            Ok(s) => s,
            Err(e) => {
                if let StoreError::ReadOnly { reason, .. } = &e
                    && self.read_only.is_none()
                {
                    self.read_only = Some(reason.clone());
                    self.warning = Some(e.to_string());
                }
                return Err(e);
            }
        };
        if let Some(w) = synced.warning {
            self.save_warning = Some(w.clone());
            self.warning = Some(w);
        }
        self.seen = synced.seen;
        for &c in &synced.outside {
            self.found_outside(c);
        }
        if done.generation == self.generation {
            self.adopt(synced.merged);
            self.dirty = false;
        } else {
            // Later edits win over what was sent, exactly as a save of them
            // would merge them over the file.
            let codes = model::merge(&done.sent, &self.codes, &synced.merged.codes, now_ms());
            self.synced = synced.merged.codes;
            self.extra = synced.merged.extra;
            self.codes = codes;
            self.dirty = true;
        }
        Ok(())
    }

    /// Make `doc` the in-memory state and the base of the next merge.
    fn adopt(&mut self, doc: Doc) {
        self.synced = doc.codes.clone();
        self.codes = doc.codes;
        self.extra = doc.extra;
    }

    fn enter_read_only(&mut self, version: u64) {
        self.read_only = Some(newer_reason(version));
        self.warning = Some(format!(
            "{} was written by a newer sipfix (schema_version {version}, this version knows \
             {SCHEMA_VERSION}); opened read-only, changes will not be saved",
            shown(&self.path)
        ));
    }
}

impl SaveJob {
    /// Do the file work of a save (lock, re-read, merge, write, unlock).
    /// May wait for the lock; touches no [`Store`].
    pub fn run(self) -> SaveDone {
        let result = self.sync().map_err(StoreError::into_save);
        SaveDone {
            sent: self.codes,
            generation: self.generation,
            result,
        }
    }

    fn sync(&self) -> Result<Synced, StoreError> {
        if let Some(reason) = &self.disabled {
            return Err(StoreError::Disabled {
                reason: reason.clone(),
            });
        }
        if let Some(reason) = &self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
                reason: reason.clone(),
            });
        }
        let _guard = LockGuard::acquire(&self.dir, self.lock_wait)?;
        let mut warning = None;
        // The file's fields beside `codes`: `None` when there is no file
        // to read them from (then those last read are kept).
        let (disk, disk_extra, must_write) = match fsio::load(&self.path, self.now)? {
            Loaded::Missing => (Codes::new(), None, false),
            Loaded::Ok(doc) => (doc.codes, Some(doc.extra), false),
            Loaded::Partial { doc, issues } => {
                let copy = fsio::copy_aside(&self.path, self.now)?;
                warning = Some(partial_kept_warning(&self.path, &copy, &issues));
                (doc.codes, Some(doc.extra), true)
            }
            Loaded::Newer { version, .. } => {
                return Err(StoreError::ReadOnly {
                    path: self.path.clone(),
                    reason: newer_reason(version),
                });
            }
            Loaded::Corrupt { reason } => {
                let aside = fsio::set_aside(&self.path, self.now)?;
                warning = Some(corrupt_warning(&self.path, &aside, &reason));
                (Codes::new(), None, true)
            }
        };
        let unset = Note::default();
        let outside = disk
            .iter()
            .filter(|(c, r)| {
                r.note != *self.base.get(c).map_or(&unset, |b| &b.note)
                    && !is_own_run(&self.session, r.note.run.as_deref())
            })
            .map(|(&c, r)| (c, r.note.text.is_empty()))
            .collect();
        let codes = model::merge(&self.base, &self.codes, &disk, self.now);
        // The fields beside `codes` are never changed by this version: the
        // memory's are the file's as last read, the file's now the newer
        // (the memory's kept when the file is gone or set aside).
        let merged = Doc {
            codes,
            extra: disk_extra.clone().unwrap_or_else(|| self.extra.clone()),
        };
        if must_write || merged.codes != disk || merged.extra != disk_extra.unwrap_or_default() {
            if let Some(w) = leftover_warning(&self.path, &fsio::clear_temps(&self.path, self.now))
            {
                warning = Some(match warning {
                    Some(other) => format!("{other}; {w}"),
                    None => w,
                });
            }
            fsio::write_atomic(&self.path, &merged)?;
        }
        Ok(Synced {
            merged,
            warning,
            seen: stamp_of(&self.path),
            outside,
        })
    }
}

/// A new random session id (12 hex digits): the prefix of the session's
/// edit runs, so that runs of different sessions never compare equal.
fn session_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Whether edit `run` is one of `session`'s.
fn is_own_run(session: &str, run: Option<&str>) -> bool {
    run.and_then(|r| r.strip_prefix(session))
        .is_some_and(|rest| rest.starts_with('-'))
}

/// The stamp of an edit replacing a value stamped `prev`: `now`, but always
/// after `prev`.
fn stamp(now: u64, prev: u64) -> u64 {
    now.max(prev.saturating_add(1))
}

fn newer_reason(version: u64) -> String {
    format!(
        "it was written by a newer sipfix (schema_version {version}, this version knows \
         {SCHEMA_VERSION})"
    )
}

/// What was found of interrupted saves ([`fsio::clear_temps`]), if
/// anything.
fn leftover_warning(path: &Path, l: &fsio::Leftovers) -> Option<String> {
    if l.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if l.removed > 0 {
        parts.push(format!(
            "removed {} unfinished temporary file{} ({TEMP_PREFIX}*)",
            l.removed,
            if l.removed == 1 { "" } else { "s" }
        ));
    }
    if !l.kept.is_empty() {
        let kept: Vec<String> = l.kept.iter().map(|p| shown(p)).collect();
        parts.push(format!(
            "a whole save that never replaced it is kept in {}: compare it with your notes",
            kept.join(", ")
        ));
    }
    Some(format!(
        "a save of {} was interrupted (sipfix killed while writing; the file holds the save \
         before it): {}",
        shown(path),
        parts.join("; ")
    ))
}

fn corrupt_warning(path: &Path, aside: &Path, reason: &str) -> String {
    format!(
        "{} could not be read ({}); it was moved unchanged to {} and a new notes \
         file is used",
        shown(path),
        crate::sanitize::inline(reason),
        shown(aside)
    )
}

/// A path for a message: control characters (from the environment or the
/// file system) escaped.
fn shown(p: &Path) -> String {
    crate::sanitize::inline(&p.display().to_string())
}

/// The fields left out, at most three named.
fn issue_list(issues: &[String]) -> String {
    let mut s = issues
        .iter()
        .take(3)
        .map(|i| crate::sanitize::inline(i))
        .collect::<Vec<_>>()
        .join("; ");
    if issues.len() > 3 {
        s.push_str(&format!("; and {} more", issues.len() - 3));
    }
    s
}

fn partial_warning(path: &Path, issues: &[String]) -> String {
    format!(
        "{}: parts of it could not be used as written and are left out or merged ({}); the \
         rest is shown. Before the file is next written it is copied aside unchanged",
        shown(path),
        issue_list(issues)
    )
}

fn partial_kept_warning(path: &Path, copy: &Path, issues: &[String]) -> String {
    format!(
        "{}: parts of it could not be used as written and were left out or merged ({}); the \
         file as it was is kept in {}",
        shown(path),
        issue_list(issues),
        shown(copy)
    )
}
