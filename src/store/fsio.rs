//! File-system side of the store: the data directory's checks, the lock,
//! reading and classifying the data file, setting an unreadable file aside,
//! the atomic write and the recovery file.
//!
//! Nothing here follows a symbolic link inside the data directory: the lock
//! and the data file are opened with `O_NOFOLLOW`, every file sipfix creates
//! is created with `O_CREAT|O_EXCL` (which never follows a link) under a
//! name nobody can guess in advance, and every mode is set explicitly
//! (never left to the umask).

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

use super::StoreError;
use super::error::Op;
use super::model::{
    CodeRecord, Codes, Conflict, Doc, Extra, FileData, Note, SCHEMA_VERSION, Step, canonical,
    merge_code,
};

/// Name of the data file inside the data directory.
pub const DATA_FILE: &str = "notes.json";
/// Name of the lock file inside the data directory (never renamed).
pub const LOCK_FILE: &str = "notes.lock";
/// Start of the name of the temporary file a save writes before renaming
/// it (the rest is random, chosen at creation).
pub const TEMP_PREFIX: &str = "notes.json.tmp-";
/// Start of the name of a recovery file: what could not be saved at exit.
pub const RECOVERY_PREFIX: &str = "notes.json.recovery-";

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Check the data directory, creating it (0700) if it does not exist.
///
/// A directory of the platform default (`explicit` false) must be owned by
/// the user; if it is, modes beyond 0700 are removed, with `fchmod` on the
/// directory opened `O_NOFOLLOW|O_DIRECTORY` (what is checked is what is
/// changed, and never through a link). One named by the user
/// (`SIPFIX_DATA_DIR`, or a path given to the library), and a default one
/// that is a symbolic link of the user's (to a directory on another disk,
/// say), is used as it is, never changed, with a warning if it is not the
/// user's or others can write to it. Returns that warning.
pub(crate) fn ensure_dir(dir: &Path, explicit: bool) -> Result<Option<String>, StoreError> {
    let err = |source| StoreError::io(Op::CreateDir, dir, source);
    let lmeta = match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => return linked_dir(dir, &m, explicit),
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            DirBuilder::new()
                .recursive(true)
                .mode(DIR_MODE)
                .create(dir)
                .map_err(err)?;
            // The umask may have removed bits; the leaf must be exactly
            // 0700. Set on what was just made, never through a link.
            let made = open_dir(dir).map_err(err)?;
            made.set_permissions(fs::Permissions::from_mode(DIR_MODE))
                .map_err(err)?;
            return Ok(None);
        }
        Err(e) => return Err(err(e)),
    };
    // Checked and changed through one descriptor: a directory swapped for a
    // link meanwhile is not followed. One the user may not list (mode 0300)
    // cannot be opened: checked by its lstat, it is fine as long as there
    // is nothing to change.
    let d = match open_dir(dir) {
        Ok(d) => Some(d),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            let m = fs::symlink_metadata(dir).map_err(err)?;
            return linked_dir(dir, &m, explicit);
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && lmeta.is_dir() => None,
        Err(e) => return Err(err(e)),
    };
    let meta = match &d {
        Some(d) => d.metadata().map_err(err)?,
        None => lmeta,
    };
    let mode = meta.mode() & 0o7777;
    if explicit {
        return Ok(chosen_dir_warning(dir, &meta, None));
    }
    if meta.uid() != my_uid() {
        return Err(StoreError::Unsafe {
            path: dir.to_path_buf(),
            reason: format!(
                "{}; fix its owner, or set SIPFIX_DATA_DIR to a directory of yours",
                not_yours(&meta)
            ),
        });
    }
    if mode & 0o077 != 0 {
        d.ok_or_else(|| io::Error::from(io::ErrorKind::PermissionDenied))
            .and_then(|d| d.set_permissions(fs::Permissions::from_mode(DIR_MODE)))
            .map_err(|e| StoreError::Unsafe {
                path: dir.to_path_buf(),
                reason: format!(
                    "its mode is {mode:04o} (others can reach your notes) and it cannot be \
                     made 0700: {e}"
                ),
            })?;
    }
    Ok(None)
}

/// Open directory `dir` itself (`O_NOFOLLOW`: never what a link there
/// points to), to check it and set its mode on the descriptor.
fn open_dir(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(dir)
}

fn my_uid() -> u32 {
    // SAFETY: geteuid(2) cannot fail and has no preconditions.
    unsafe { libc::geteuid() }
}

fn not_yours(meta: &fs::Metadata) -> String {
    format!(
        "it is not owned by you (owner uid {}, you are uid {}): its owner can read and change \
         your notes",
        meta.uid(),
        my_uid()
    )
}

/// The data directory `dir` is a symbolic link (`link`, its own
/// metadata): used as it is, never changed (its permissions are those of
/// what it points to, maybe a directory shared on purpose), with the
/// warnings of a directory the user chose. A default directory that is a
/// link someone else made is refused.
fn linked_dir(
    dir: &Path,
    link: &fs::Metadata,
    explicit: bool,
) -> Result<Option<String>, StoreError> {
    let target = fs::read_link(dir)
        .map(|t| crate::sanitize::inline(&t.display().to_string()))
        .unwrap_or_else(|_| "?".into());
    let unsafe_dir = |reason: String| StoreError::Unsafe {
        path: dir.to_path_buf(),
        reason,
    };
    if !explicit && link.uid() != my_uid() {
        return Err(unsafe_dir(format!(
            "it is a symbolic link (to {target}) made by someone else (uid {}, you are uid \
             {}); remove it, or set SIPFIX_DATA_DIR to a directory of yours",
            link.uid(),
            my_uid()
        )));
    }
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) => {
            return Err(unsafe_dir(format!(
                "it is a symbolic link to {target}, which cannot be used ({e}); create that \
                 directory, or remove the link"
            )));
        }
    };
    if !meta.is_dir() {
        return Err(unsafe_dir(format!(
            "it is a symbolic link to {target}, which is not a directory"
        )));
    }
    Ok(chosen_dir_warning(dir, &meta, Some(&target)))
}

/// The warning for a data directory used as it is (named by the user, or
/// reached through the user's link, `target`): someone else's, or
/// writable by others.
fn chosen_dir_warning(dir: &Path, meta: &fs::Metadata, target: Option<&str>) -> Option<String> {
    let mode = meta.mode() & 0o7777;
    let shown = crate::sanitize::inline(&dir.display().to_string());
    let link = target.map_or_else(String::new, |t| {
        format!(" (a symbolic link to {t}: used as it is, its permissions left alone)")
    });
    if meta.uid() != my_uid() {
        return Some(format!(
            "warning: data directory {shown}{link}: {}",
            not_yours(meta)
        ));
    }
    if mode & 0o022 != 0 {
        return Some(format!(
            "warning: data directory {shown}{link} is writable by others (mode {mode:04o}): \
             anyone who can write there can tamper with your notes; chmod 700 it unless that \
             is intended"
        ));
    }
    None
}

/// Open `path` for reading without following a symbolic link and without
/// blocking; `None` if it does not exist. Anything but a regular file (a
/// FIFO, which would block the first read until a writer comes, a device,
/// a socket, a directory) is refused before a byte is read.
fn open_nofollow(path: &Path, op: Op) -> Result<Option<File>, StoreError> {
    let f = match OpenOptions::new()
        .read(true)
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
        // writer, forever. It changes nothing for a regular file.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(open_failed(path, op, e)),
    };
    let meta = f.metadata().map_err(|e| StoreError::io(op, path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok(Some(f))
}

/// A file of the data directory that is not a regular file, refused.
fn not_regular(path: &Path, meta: &fs::Metadata) -> StoreError {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let kind = if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_dir() {
        Some("a directory")
    } else {
        None
    };
    let what = match kind {
        Some(k) => format!("it is {k}, not a regular file"),
        None => "it is not a regular file".to_string(),
    };
    StoreError::Unsafe {
        path: path.to_path_buf(),
        reason: format!("{what}; sipfix reads and writes only regular files there (move it away)"),
    }
}

/// Why opening `path` failed: a symbolic link, or a file that is not a
/// regular one (a directory cannot be opened for writing, a socket not at
/// all), refused as such; any other error as it is.
fn open_failed(path: &Path, op: Op, e: io::Error) -> StoreError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        return link_refused(path);
    }
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => link_refused(path),
        Ok(m) if !m.is_file() => not_regular(path, &m),
        _ => StoreError::io(op, path, e),
    }
}

fn link_refused(path: &Path) -> StoreError {
    StoreError::Unsafe {
        path: path.to_path_buf(),
        reason: "it is a symbolic link, and sipfix never follows links in its data \
                 directory; remove it (or replace it by the file it points to)"
            .into(),
    }
}

/// An exclusive `flock` on the lock file, released on drop.
pub(crate) struct LockGuard {
    file: File,
}

impl LockGuard {
    /// Open (creating, mode 0600) and lock the lock file, waiting at most
    /// `wait` while another process holds it. A symbolic link, a file that
    /// is not a regular one, or one with other names (a hard link) in its
    /// place is refused, never locked nor changed.
    pub fn acquire(dir: &Path, wait: Duration) -> Result<LockGuard, StoreError> {
        let path = dir.join(LOCK_FILE);
        let err = |source| StoreError::io(Op::Lock, &path, source);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            // Never wait in open(2) (a FIFO in its place): refused below.
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
            .map_err(|e| open_failed(&path, Op::Lock, e))?;
        let meta = file.metadata().map_err(err)?;
        if !meta.is_file() {
            return Err(not_regular(&path, &meta));
        }
        // A second name for the file (a hard link planted in the data
        // directory, or this one made elsewhere): locking it, or setting
        // its mode below, would act on a file that is not sipfix's alone.
        if meta.nlink() > 1 {
            return Err(StoreError::Unsafe {
                path: path.clone(),
                reason: format!(
                    "it is a hard link ({} names for one file, the others elsewhere), and \
                     sipfix never locks or changes the mode of a file it does not own alone; \
                     move it away (sipfix then makes a new one)",
                    meta.nlink()
                ),
            });
        }
        // Created through the umask: set the mode it must have.
        if meta.mode() & 0o777 != FILE_MODE {
            file.set_permissions(fs::Permissions::from_mode(FILE_MODE))
                .map_err(err)?;
        }
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LockGuard { file }),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(err(e)),
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(StoreError::Busy {
                    path: path.clone(),
                    holder: lock_holder(&meta),
                    waited,
                    kept: false,
                });
            }
            std::thread::sleep(pause.min(wait - waited));
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the descriptor releases the lock anyway; unlocking first
        // only makes the release independent of when the fd is closed.
        let _ = self.file.unlock();
    }
}

/// Who holds a lock on the file of `meta`, as "pid N (name)", when the
/// system says (Linux `/proc/locks`).
fn lock_holder(meta: &fs::Metadata) -> Option<String> {
    let locks = fs::read_to_string("/proc/locks").ok()?;
    let dev = meta.dev();
    let id = format!(
        "{:02x}:{:02x}:{}",
        libc::major(dev),
        libc::minor(dev),
        meta.ino()
    );
    let me = std::process::id().to_string();
    locks.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        // "1: FLOCK ADVISORY WRITE <pid> <maj:min:inode> 0 EOF"; waiters
        // are listed with "->" and hold nothing.
        if f.get(1) == Some(&"->") || f.get(5) != Some(&id.as_str()) {
            return None;
        }
        let pid = *f.get(4)?;
        if pid == me {
            return None;
        }
        let name = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let name = crate::sanitize::inline(name.trim());
        Some(if name.is_empty() {
            format!("pid {pid}")
        } else {
            format!("pid {pid} ({name})")
        })
    })
}

/// What the data file turned out to hold.
pub(crate) enum Loaded {
    /// No data file yet.
    Missing,
    /// A file of this schema.
    Ok(Doc),
    /// A file of this schema with fields that cannot be read: the rest,
    /// and one line per field left out.
    Partial { doc: Doc, issues: Vec<String> },
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

/// A JSON object as its entries, in file order, a key listed twice kept
/// twice, each value left unparsed (and never parsed as a whole: skipping
/// a value has no depth limit, so a value nested too deep for the parser
/// is one entry's problem, not the file's).
#[derive(Default)]
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries<'a>, A::Error> {
                let mut v = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'a RawValue>()? {
                    v.push(entry);
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A data file, its codes to be read one by one, and the fields of a
/// newer sipfix beside them (a name listed twice: the last kept, and the
/// name in `twice`).
struct RawFile<'a> {
    schema_version: serde_json::Value,
    codes: Entries<'a>,
    extra: Extra,
    twice: Vec<String>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawFile<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = RawFile<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("struct RawFile")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawFile<'a>, A::Error> {
                let (mut version, mut codes) = (None, None);
                let (mut extra, mut twice) = (Extra::default(), Vec::new());
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "schema_version" if version.is_some() => {
                            return Err(A::Error::duplicate_field("schema_version"));
                        }
                        "schema_version" => version = Some(map.next_value()?),
                        "codes" if codes.is_some() => {
                            return Err(A::Error::duplicate_field("codes"));
                        }
                        "codes" => codes = Some(map.next_value()?),
                        _ => {
                            let value: &'a RawValue = map.next_value()?;
                            if !extra.insert(&key, value) {
                                extra.replace(&key, value);
                                twice.push(key);
                            }
                        }
                    }
                }
                Ok(RawFile {
                    schema_version: version
                        .ok_or_else(|| A::Error::missing_field("schema_version"))?,
                    codes: codes.unwrap_or_default(),
                    extra,
                    twice,
                })
            }
        }
        d.deserialize_struct(
            "RawFile",
            &["schema_version", "codes"],
            Visit(std::marker::PhantomData),
        )
    }
}

/// Classify the bytes of a data file. Never panics. `now_ms` stamps the
/// kept versions made when a code listed twice is merged.
pub(crate) fn parse(bytes: &[u8], now_ms: u64) -> Loaded {
    let corrupt = |reason: String| Loaded::Corrupt { reason };
    // One pass in the common case; the version alone when the codes are
    // not an object (a newer schema may have changed them).
    let (schema_version, file) = match serde_json::from_slice::<RawFile>(bytes) {
        Ok(f) => (f.schema_version, Ok((f.codes, f.extra, f.twice))),
        Err(e) => match serde_json::from_slice::<Probe>(bytes) {
            Ok(p) => (p.schema_version, Err(e)),
            Err(e) => return corrupt(e.to_string()),
        },
    };
    let version = match schema_version.as_u64() {
        Some(v) if v >= 1 => v,
        _ => {
            return corrupt(format!(
                "schema_version is {schema_version}, expected a positive integer"
            ));
        }
    };
    if version > SCHEMA_VERSION {
        let codes = serde_json::from_slice::<FileData>(bytes)
            .ok()
            .map(|d| d.codes);
        return Loaded::Newer { version, codes };
    }
    let (entries, extra, twice) = match file {
        Ok(file) => file,
        Err(e) => return corrupt(e.to_string()),
    };
    let (mut codes, mut issues) = read_codes(entries, now_ms);
    for rec in codes.values_mut() {
        rec.normalize();
    }
    codes.retain(|_, r| !r.is_empty());
    issues.extend(
        twice
            .iter()
            .map(|name| format!("{} is listed twice; the last kept", q(name))),
    );
    let doc = Doc { codes, extra };
    if issues.is_empty() {
        Loaded::Ok(doc)
    } else {
        Loaded::Partial { doc, issues }
    }
}

/// Read the entries of `codes` one by one: an entry that cannot be read
/// (a key that is not a code as sipfix writes one, a field of the wrong
/// type) is left out, or the field is, and named in an issue; a code
/// listed twice (a hand or version-control merge of the file) is merged
/// as two sessions' edits are, and named in an issue too. Every issue
/// makes the file be copied aside before it is next written.
fn read_codes(entries: Entries, now_ms: u64) -> (Codes, Vec<String>) {
    use std::collections::btree_map::Entry;
    let mut codes = Codes::new();
    let mut issues = Vec::new();
    let mut listed: BTreeMap<u16, usize> = BTreeMap::new();
    for (key, raw) in entries.0 {
        let Some(code) = canonical::<u16>(&key) else {
            issues.push(format!(
                "code {}: not a code number (0 to 65535, digits only, no leading zero)",
                q(&key)
            ));
            continue;
        };
        let rec = read_record(code, raw, now_ms, &mut issues);
        *listed.entry(code).or_default() += 1;
        match codes.entry(code) {
            Entry::Vacant(v) => {
                v.insert(rec);
            }
            Entry::Occupied(mut o) => {
                let merged = merge_code(None, Some(o.get()), Some(&rec), now_ms);
                o.insert(merged);
            }
        }
    }
    for (code, n) in listed {
        if n > 1 {
            issues.push(format!(
                "code {code} is listed {n} times: merged, the newest note shown and the other \
                 texts kept as earlier versions"
            ));
        }
    }
    (codes, issues)
}

/// One code's record: as a whole when it is exactly as sipfix writes it,
/// else field by field, every field that can be read kept.
fn read_record(code: u16, raw: &RawValue, now_ms: u64, issues: &mut Vec<String>) -> CodeRecord {
    let strict = match serde_json::from_str::<CodeRecord>(raw.get()) {
        Ok(rec) => return rec,
        Err(e) => e,
    };
    let before = issues.len();
    let rec = read_fields(code, raw, now_ms, issues);
    if issues.len() == before {
        // Never read differently from the whole without saying so.
        issues.push(format!("code {code}: {}", what(&strict)));
    }
    rec
}

fn read_fields(code: u16, raw: &RawValue, now_ms: u64, issues: &mut Vec<String>) -> CodeRecord {
    let Ok(fields) = serde_json::from_str::<Entries>(raw.get()) else {
        issues.push(format!("code {code}: not an object"));
        return CodeRecord::default();
    };
    let mut rec = CodeRecord::default();
    let mut extra = Extra::default();
    let mut seen: Vec<&str> = Vec::new();
    for (name, v) in &fields.0 {
        let mut part = CodeRecord::default();
        match name.as_str() {
            "note" => match serde_json::from_str::<Note>(v.get()) {
                Ok(n) => part.note = n,
                Err(e) => issues.push(format!("code {code} note: {}", what(&e))),
            },
            "steps" => read_steps(code, v, &mut part.steps, issues),
            "steps_reset_ms" => match serde_json::from_str::<u64>(v.get()) {
                Ok(t) => part.steps_reset_ms = t,
                Err(_) => issues.push(format!("code {code} steps_reset_ms: not a number")),
            },
            "conflicts_dismissed_ms" => match serde_json::from_str::<u64>(v.get()) {
                Ok(t) => part.conflicts_dismissed_ms = t,
                Err(_) => issues.push(format!("code {code} conflicts_dismissed_ms: not a number")),
            },
            "conflicts" => match serde_json::from_str::<Vec<&RawValue>>(v.get()) {
                Ok(list) => {
                    for (i, c) in list.iter().enumerate() {
                        match serde_json::from_str::<Conflict>(c.get()) {
                            Ok(c) => part.conflicts.push(c),
                            Err(e) => {
                                issues.push(format!("code {code} conflict {i}: {}", what(&e)))
                            }
                        }
                    }
                }
                Err(_) => issues.push(format!("code {code} conflicts: not a list")),
            },
            // A field of a newer sipfix, kept as in a record read whole.
            _ => {
                if !extra.insert(name, v) {
                    extra.replace(name, v);
                    issues.push(format!(
                        "code {code}: {} is listed twice; the last kept",
                        q(name)
                    ));
                }
                continue;
            }
        }
        if seen.contains(&name.as_str()) {
            issues.push(format!("code {code}: {name} is listed twice; merged"));
        }
        seen.push(name);
        // Merged field by field: a field listed twice loses nothing.
        rec = merge_code(None, Some(&rec), Some(&part), now_ms);
    }
    rec.extra = extra;
    rec
}

fn read_steps(
    code: u16,
    raw: &RawValue,
    steps: &mut BTreeMap<usize, Step>,
    issues: &mut Vec<String>,
) {
    let Ok(entries) = serde_json::from_str::<Entries>(raw.get()) else {
        issues.push(format!("code {code} steps: not an object"));
        return;
    };
    for (key, s) in entries.0 {
        let Some(idx) = canonical::<usize>(&key) else {
            issues.push(format!("code {code} step {}: not a step number", q(&key)));
            continue;
        };
        let step = match serde_json::from_str::<Step>(s.get()) {
            Ok(step) => step,
            Err(e) => {
                issues.push(format!("code {code} step {}: {}", q(&key), what(&e)));
                continue;
            }
        };
        match steps.get(&idx) {
            None => {
                steps.insert(idx, step);
            }
            Some(had) => {
                issues.push(format!(
                    "code {code} step {idx} is listed twice; the newer kept"
                ));
                if (step.updated_ms, step.state) > (had.updated_ms, had.state) {
                    steps.insert(idx, step);
                }
            }
        }
    }
}

/// A parse error of one value, without its position (which is within the
/// value, not the file, and would mislead).
fn what(e: &serde_json::Error) -> String {
    let s = e.to_string();
    if e.line() == 0 {
        return s;
    }
    let at = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&at).map_or_else(|| s.clone(), str::to_owned)
}

fn q(s: &str) -> String {
    let cut: String = s.chars().take(40).collect();
    format!("'{}'", crate::sanitize::inline(&cut))
}

/// Read and classify the data file at `path` (never through a link);
/// `now_ms` as for [`parse`].
pub(crate) fn load(path: &Path, now_ms: u64) -> Result<Loaded, StoreError> {
    let Some(mut f) = open_nofollow(path, Op::Read)? else {
        return Ok(Loaded::Missing);
    };
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| StoreError::io(Op::Read, path, e))?;
    Ok(parse(&bytes, now_ms))
}

/// A free name `<name>.<what>-<now_ms>` (with `-N` if taken) beside `path`.
fn free_name(path: &Path, what: &str, now_ms: u64) -> PathBuf {
    let dir = parent(path);
    let name = path
        .file_name()
        .map_or_else(|| DATA_FILE.into(), |n| n.to_string_lossy().into_owned());
    let mut aside = dir.join(format!("{name}.{what}-{now_ms}"));
    let mut n = 1u32;
    while aside.symlink_metadata().is_ok() {
        aside = dir.join(format!("{name}.{what}-{now_ms}-{n}"));
        n += 1;
    }
    aside
}

/// Move the unreadable data file to `notes.json.corrupt-<unix_ms>` (with a
/// `-N` suffix if that name is taken), keeping its bytes. Call with the lock
/// held. Returns the new path.
pub(crate) fn set_aside(path: &Path, now_ms: u64) -> Result<PathBuf, StoreError> {
    let dir = parent(path);
    let aside = free_name(path, "corrupt", now_ms);
    fs::rename(path, &aside).map_err(|e| StoreError::io(Op::SetAside, path, e))?;
    sync_dir(dir).map_err(|e| StoreError::io(Op::SetAside, dir, e))?;
    Ok(aside)
}

/// Copy the data file, byte for byte, to `notes.json.corrupt-<unix_ms>`
/// before it is rewritten without the fields this version cannot read.
/// Call with the lock held. Returns the copy's path.
pub(crate) fn copy_aside(path: &Path, now_ms: u64) -> Result<PathBuf, StoreError> {
    let err = |e| StoreError::io(Op::CopyAside, path, e);
    let mut bytes = Vec::new();
    open_nofollow(path, Op::CopyAside)?
        .ok_or_else(|| err(io::Error::from(io::ErrorKind::NotFound)))?
        .read_to_end(&mut bytes)
        .map_err(err)?;
    let aside = free_name(path, "corrupt", now_ms);
    write_new(&aside, &bytes).map_err(err)?;
    Ok(aside)
}

/// Create `path` (never existing before, never through a link), mode 0600,
/// holding `bytes`, synced to disk. A partial file is removed on error;
/// a file that was there before is never touched (creating fails first).
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let written = (|| {
        f.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written?;
    sync_dir(parent(path))
}

/// Create a new file `<stem>.<ext>` in `dir` (`<stem>-2.<ext>`, ... when
/// the name is taken, by a file or a link alike) holding `bytes`: created
/// with `O_EXCL`, so never through a link and never over another file,
/// mode 0600, synced. Returns its path.
pub(crate) fn write_unique(
    dir: &Path,
    stem: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<PathBuf, StoreError> {
    let mut path = dir.join(format!("{stem}.{ext}"));
    for n in 2..=1000u32 {
        match write_new(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                path = dir.join(format!("{stem}-{n}.{ext}"));
            }
            Err(e) => return Err(StoreError::io(Op::Write, &path, e)),
        }
    }
    Err(StoreError::io(
        Op::Write,
        &path,
        io::Error::from(io::ErrorKind::AlreadyExists),
    ))
}

/// Write `codes` (and the file's fields of a newer sipfix, `extra`) as a
/// recovery file `notes.json.recovery-<unix_ms>` beside
/// `path`, for what could not be saved. Needs no lock (a new file).
pub(crate) fn write_recovery(
    path: &Path,
    codes: &Codes,
    extra: &Extra,
    now_ms: u64,
) -> Result<PathBuf, StoreError> {
    let rec = free_name(path, "recovery", now_ms);
    let bytes = serialize(codes, extra)
        .map_err(|e| StoreError::io(Op::Write, &rec, io::Error::other(e)))?;
    write_new(&rec, bytes.as_bytes()).map_err(|e| StoreError::io(Op::Write, &rec, e))?;
    Ok(rec)
}

/// What [`clear_temps`] did with the temp files of interrupted saves.
#[derive(Debug, Default)]
pub(crate) struct Leftovers {
    /// Torn ones (or copies of the data file), removed.
    pub removed: usize,
    /// Whole ones holding a save that never replaced the data file, kept
    /// as recovery files (their new paths).
    pub kept: Vec<PathBuf>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.removed == 0 && self.kept.is_empty()
    }
}

/// The temp files (`notes.json.tmp-*`) beside `path`.
pub(crate) fn temps(path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent(path)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
        .map(|e| e.path())
        .collect()
}

/// Deal with the temp files of interrupted saves (a process killed
/// between creating its temp file and renaming it over `path`). Call
/// with the lock held: every writer holds it while its temp file exists,
/// so any such file is stale. A whole one (a complete notes file that is
/// not the data file's copy: a save that never landed, the killed
/// session's last edits) is kept as a recovery file
/// (`notes.json.recovery-<now_ms>`, linked, so that no file of that name
/// is replaced; one that cannot be linked stays for the next time); the
/// others are removed. Never
/// follows a link (a link or anything not a regular file is removed
/// unread).
pub(crate) fn clear_temps(path: &Path, now_ms: u64) -> Leftovers {
    let mut out = Leftovers::default();
    let found = temps(path);
    if found.is_empty() {
        return out;
    }
    let read = |p: &Path| -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        open_nofollow(p, Op::Read)
            .ok()??
            .read_to_end(&mut bytes)
            .ok()?;
        Some(bytes)
    };
    let current = read(path);
    for tmp in found {
        let whole = read(&tmp).filter(|b| {
            Some(b) != current.as_ref() && !matches!(parse(b, now_ms), Loaded::Corrupt { .. })
        });
        if whole.is_some() {
            // Linked to its new name, never renamed over one: another
            // process may write a recovery file of the same name (it needs
            // no lock). A whole one is never removed unkept: if it cannot
            // be linked, it stays for the next try.
            let rec = free_name(path, "recovery", now_ms);
            if fs::hard_link(&tmp, &rec).is_ok() {
                let _ = fs::remove_file(&tmp);
                out.kept.push(rec);
            }
            continue;
        }
        if fs::remove_file(&tmp).is_ok() {
            out.removed += 1;
        }
    }
    if !out.is_empty() {
        let _ = sync_dir(parent(path));
    }
    out
}

/// Write `doc` to `path` atomically: a new temp file (0600, unique name,
/// never through a link) in the same directory, fsync, rename over `path`,
/// fsync the directory. Call with the lock held, after [`clear_temps`].
/// On error the temp file is removed and `path` is unchanged.
pub(crate) fn write_atomic(path: &Path, doc: &Doc) -> Result<(), StoreError> {
    let dir = parent(path);
    let bytes = serialize(&doc.codes, &doc.extra)
        .map_err(|e| StoreError::io(Op::Write, path, io::Error::other(e)))?;
    let tmp_err = |e| StoreError::io(Op::Write, &dir.join(format!("{TEMP_PREFIX}*")), e);
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .permissions(fs::Permissions::from_mode(FILE_MODE))
        .tempfile_in(dir)
        .map_err(tmp_err)?;
    let tmp_path = tmp.path().to_path_buf();
    let written = (|| -> io::Result<()> {
        let f = tmp.as_file_mut();
        // The umask applies at creation: set the mode explicitly.
        f.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
        f.write_all(bytes.as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written {
        // Dropping `tmp` removes the partial file.
        return Err(StoreError::io(Op::Write, &tmp_path, e));
    }
    tmp.persist(path)
        .map_err(|e| StoreError::io(Op::Write, path, e.error))?;
    sync_dir(dir).map_err(|e| StoreError::io(Op::Write, dir, e))
}

/// Serialised form of the whole file, borrowing the records.
#[derive(Serialize)]
struct FileRef<'a> {
    schema_version: u64,
    codes: &'a Codes,
    #[serde(flatten)]
    extra: &'a Extra,
}

/// Serialise `codes`, and the fields of a newer sipfix beside them
/// (`extra`), in the file format (pretty JSON, trailing newline;
/// characters that must not reach a terminal raw are `\u` escapes).
pub(crate) fn serialize(codes: &Codes, extra: &Extra) -> Result<String, serde_json::Error> {
    let mut s = crate::sanitize::json_pretty(&FileRef {
        schema_version: SCHEMA_VERSION,
        codes,
        extra,
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
