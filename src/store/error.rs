//! [`StoreError`]: what went wrong, on which file, in one line.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

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
        match self {
            StoreError::Io { path, source, .. } => StoreError::Io {
                op: Op::Save,
                path,
                source,
            },
            other => other,
        }
    }

    /// The file or directory the error is about.
    pub fn path(&self) -> &Path {
        match self {
            StoreError::Io { path, .. } | StoreError::ReadOnly { path, .. } => path,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io { op, path, source } => {
                let path = path.display();
                match op {
                    Op::CreateDir => write!(f, "cannot create data directory {path}: {source}"),
                    Op::Read => write!(f, "cannot read {path}: {source}"),
                    Op::Lock => write!(f, "cannot lock {path}: {source}"),
                    Op::SetAside => write!(
                        f,
                        "cannot move unreadable {path} aside: {source}; it was left untouched"
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
                "not saving {}: {reason}; your edits are kept in memory only",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            StoreError::ReadOnly { .. } => None,
        }
    }
}
