//! [`StoreError`]: what went wrong, on which file, in one line.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the store was doing when an I/O error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Creating the data directory.
    CreateDir,
    /// Reading the data file.
    Read,
    /// Opening or locking the lock file.
    Lock,
    /// Moving an unreadable data file aside.
    SetAside,
    /// Copying a data file with entries that cannot be used as written
    /// aside, before it is rewritten.
    CopyAside,
    /// Writing the data file (temp file, rename, directory sync).
    Write,
    /// Any step of [`Store::save`](super::Store::save); the edits stay in
    /// memory.
    Save,
}

/// An error of the notes store. Its `Display` is one line naming the file
/// and the cause, fit for a status bar.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O operation on `path` failed.
    Io {
        /// What the store was doing.
        op: Op,
        /// The file or directory the failing call was about.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The data file must not be written by this program (it was written by
    /// a newer version); nothing was written.
    ReadOnly {
        /// The data file.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// Another process held the lock for longer than the store waits;
    /// nothing was written.
    Busy {
        /// The lock file.
        path: PathBuf,
        /// Who holds it ("pid 1234 (sipfix)"), when the system tells.
        holder: Option<String>,
        /// How long the store waited.
        waited: Duration,
        /// The edits are kept in memory for a retry (a failed save).
        kept: bool,
    },
    /// A note would grow beyond [`MAX_NOTE_BYTES`](super::MAX_NOTE_BYTES);
    /// nothing was written.
    TooLarge {
        /// The code of the note.
        code: u16,
        /// The size it would have had, in bytes.
        size: usize,
    },
    /// A file or directory the store will not use: a symbolic link where a
    /// file of its own belongs, a directory owned by someone else.
    Unsafe {
        /// The file or directory.
        path: PathBuf,
        /// Why, in words, with what to do.
        reason: String,
    },
    /// There is no data directory: `SIPFIX_DATA_DIR` is not set and there
    /// is no home directory to put the default one in.
    NoDataDir,
    /// The store has no file (see [`Store::disabled`](super::Store::disabled)):
    /// nothing was written.
    Disabled {
        /// Why, in words (the error that kept the store from opening).
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn io(op: Op, path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The same error, reported as a failed save (edits kept in memory).
    pub(crate) fn into_save(self) -> StoreError {
        self.kept_in_memory(true)
    }

    /// The same error as the last word at exit: nothing is kept in memory
    /// or retried any more, so it no longer says so.
    pub fn at_exit(self) -> StoreError {
        self.kept_in_memory(false)
    }

    /// The error of a save whose edits stay in memory to be retried
    /// (`kept`: the write was a save), or of the last try at exit (no
    /// longer: a save's write is a plain write).
    fn kept_in_memory(self, kept: bool) -> StoreError {
        match self {
            StoreError::Io { op, path, source } => StoreError::Io {
                op: match (kept, op) {
                    (true, _) => Op::Save,
                    (false, Op::Save) => Op::Write,
                    (false, op) => op,
                },
                path,
                source,
            },
            StoreError::Busy {
                path,
                holder,
                waited,
                ..
            } => StoreError::Busy {
                path,
                holder,
                waited,
                kept,
            },
            other => other,
        }
    }

    /// The file or directory the error is about.
    pub fn path(&self) -> &Path {
        match self {
            StoreError::Io { path, .. }
            | StoreError::ReadOnly { path, .. }
            | StoreError::Busy { path, .. }
            | StoreError::Unsafe { path, .. } => path,
            StoreError::TooLarge { .. } | StoreError::NoDataDir | StoreError::Disabled { .. } => {
                Path::new("")
            }
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Paths come from the environment and the file system: never let
        // their control characters reach the terminal.
        let shown = |p: &Path| crate::sanitize::inline(&p.display().to_string());
        match self {
            StoreError::Io { op, path, source } => {
                let path = shown(path);
                match op {
                    Op::CreateDir => write!(f, "cannot create data directory {path}: {source}"),
                    Op::Read => write!(f, "cannot read {path}: {source}"),
                    Op::Lock => write!(f, "cannot lock {path}: {source}"),
                    Op::SetAside => write!(
                        f,
                        "cannot move unreadable {path} aside: {source}; it was left untouched"
                    ),
                    Op::CopyAside => write!(
                        f,
                        "cannot copy {path} aside before rewriting it: {source}; it was left \
                         untouched and nothing was written"
                    ),
                    Op::Write => write!(f, "cannot write {path}: {source}"),
                    Op::Save => write!(
                        f,
                        "cannot save {path}: {source}; your edits are kept in memory and will be retried"
                    ),
                }
            }
            StoreError::ReadOnly { path, reason } => write!(
                f,
                "not saving {}: {reason}; nothing was written to it",
                shown(path)
            ),
            StoreError::Busy {
                path,
                holder,
                waited,
                kept,
            } => {
                let who = holder.as_deref().unwrap_or("another process");
                write!(
                    f,
                    "{} is held by {who}; gave up after {:.1} s, nothing was written",
                    shown(path),
                    waited.as_secs_f64()
                )?;
                if *kept {
                    f.write_str("; your edits are kept in memory and will be retried")?;
                }
                Ok(())
            }
            StoreError::Unsafe { path, reason } => {
                write!(f, "refusing to use {}: {reason}", shown(path))
            }
            StoreError::Disabled { reason } => {
                write!(f, "notes are disabled: {}", crate::sanitize::inline(reason))
            }
            StoreError::NoDataDir => {
                f.write_str("no data directory: there is no home directory; set SIPFIX_DATA_DIR")
            }
            StoreError::TooLarge { code, size } => write!(
                f,
                "the note of {code} would be {size} bytes, over the limit of {} KiB per note; \
                 nothing was written (keep long traces in files and note where they are)",
                super::MAX_NOTE_BYTES / 1024
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
