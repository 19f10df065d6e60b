//! File-system side of the store: the lock, reading and classifying the data
//! file, setting an unreadable file aside, and the atomic write.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::error::Op;
use super::model::{Codes, FileData, SCHEMA_VERSION};

/// Name of the data file inside the data directory.
pub const DATA_FILE: &str = "notes.json";
/// Name of the lock file inside the data directory (never renamed).
pub const LOCK_FILE: &str = "notes.lock";
/// Name of the temporary file a save writes before renaming it.
pub const TEMP_FILE: &str = "notes.json.tmp";

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Create `dir` (and missing parents) with mode 0700 if it does not exist.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let err = |source| StoreError::io(Op::CreateDir, dir, source);
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(err)?;
    // The umask may have removed bits; the leaf must be exactly 0700.
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE)).map_err(err)
}

/// An exclusive `flock` on the lock file, released on drop.
pub(crate) struct LockGuard {
    file: File,
}

impl LockGuard {
    /// Open (creating, mode 0600) and lock the lock file, waiting as long as
    /// another process holds it.
    pub fn acquire(dir: &Path) -> Result<LockGuard, StoreError> {
        let path = dir.join(LOCK_FILE);
        let err = |source| StoreError::io(Op::Lock, &path, source);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(err)?;
        file.lock().map_err(err)?;
        Ok(LockGuard { file })
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the descriptor releases the lock anyway; unlocking first
        // only makes the release independent of when the fd is closed.
        let _ = self.file.unlock();
    }
}

/// What the data file turned out to hold.
pub(crate) enum Loaded {
    /// No data file yet.
    Missing,
    /// A file of this schema.
    Ok(Codes),
    /// A file with a newer `schema_version`: never write it. The records,
    /// if its shape is still readable as this schema.
    Newer { version: u64, codes: Option<Codes> },
    /// Not a file this program can read; `reason` is the parse error.
    Corrupt { reason: String },
}

#[derive(Deserialize)]
struct Probe {
    schema_version: serde_json::Value,
}

/// Classify the bytes of a data file. Never panics.
pub(crate) fn parse(bytes: &[u8]) -> Loaded {
    let corrupt = |reason: String| Loaded::Corrupt { reason };
    let probe: Probe = match serde_json::from_slice(bytes) {
        Ok(p) => p,
        Err(e) => return corrupt(e.to_string()),
    };
    let version = match probe.schema_version.as_u64() {
        Some(v) if v >= 1 => v,
        _ => {
            return corrupt(format!(
                "schema_version is {}, expected a positive integer",
                probe.schema_version
            ));
        }
    };
    if version > SCHEMA_VERSION {
        let codes = serde_json::from_slice::<FileData>(bytes)
            .ok()
            .map(|d| d.codes);
        return Loaded::Newer { version, codes };
    }
    match serde_json::from_slice::<FileData>(bytes) {
        Ok(data) => {
            let mut codes = data.codes;
            for rec in codes.values_mut() {
                rec.normalize();
            }
            codes.retain(|_, r| !r.is_empty());
            Loaded::Ok(codes)
        }
        Err(e) => corrupt(e.to_string()),
    }
}

/// Read and classify the data file at `path`.
pub(crate) fn load(path: &Path) -> Result<Loaded, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(parse(&bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Loaded::Missing),
        Err(e) => Err(StoreError::io(Op::Read, path, e)),
    }
}

/// Move the unreadable data file to `notes.json.corrupt-<unix_ms>` (with a
/// `-N` suffix if that name is taken), keeping its bytes. Call with the lock
/// held. Returns the new path.
pub(crate) fn set_aside(path: &Path, now_ms: u64) -> Result<PathBuf, StoreError> {
    let dir = parent(path);
    let name = path
        .file_name()
        .map_or_else(|| DATA_FILE.into(), |n| n.to_string_lossy().into_owned());
    let mut aside = dir.join(format!("{name}.corrupt-{now_ms}"));
    let mut n = 1u32;
    while aside.symlink_metadata().is_ok() {
        aside = dir.join(format!("{name}.corrupt-{now_ms}-{n}"));
        n += 1;
    }
    fs::rename(path, &aside).map_err(|e| StoreError::io(Op::SetAside, path, e))?;
    sync_dir(dir).map_err(|e| StoreError::io(Op::SetAside, dir, e))?;
    Ok(aside)
}

/// Write `codes` to `path` atomically: temp file (0600) in the same
/// directory, fsync, rename over `path`, fsync the directory. Call with the
/// lock held. On error the temp file is removed (best effort) and `path` is
/// unchanged.
pub(crate) fn write_atomic(path: &Path, codes: &Codes) -> Result<(), StoreError> {
    let dir = parent(path);
    let tmp = dir.join(TEMP_FILE);
    let bytes =
        serialize(codes).map_err(|e| StoreError::io(Op::Write, path, io::Error::other(e)))?;

    let written = (|| -> io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(FILE_MODE)
            .open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
        f.write_all(bytes.as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written {
        if !tmp.is_dir() {
            let _ = fs::remove_file(&tmp);
        }
        return Err(StoreError::io(Op::Write, &tmp, e));
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::io(Op::Write, path, e));
    }
    sync_dir(dir).map_err(|e| StoreError::io(Op::Write, dir, e))
}

/// Serialised form of the whole file, borrowing the records.
#[derive(Serialize)]
struct FileRef<'a> {
    schema_version: u64,
    codes: &'a Codes,
}

/// Serialise `codes` in the file format (pretty JSON, trailing newline).
pub(crate) fn serialize(codes: &Codes) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(&FileRef {
        schema_version: SCHEMA_VERSION,
        codes,
    })?;
    s.push('\n');
    Ok(s)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
