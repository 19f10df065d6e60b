//! The run loop's side of the app's effects that are not saves: loading a
//! trace and reading a call's messages again on worker threads (their
//! progress and results come back as messages, and a byte on a pipe wakes
//! the loop at once), listing a directory for the open prompt and writing
//! an export (both quick, done in the loop).

use super::app::{Effect, Export, Listing, Msg};
use super::loader;
use crate::kb::Kb;
use crate::store::{self, DataDir};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Progress of a load is reported at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Entries listed for a completion at most.
const MAX_ENTRIES: usize = 2000;

/// Workers and what they send back.
pub struct Jobs {
    kb: &'static Kb,
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    /// A pipe a worker writes a byte to after sending: (read, write).
    wake: Option<(OwnedFd, OwnedFd)>,
}

/// A non-blocking, close-on-exec pipe.
fn pipe() -> Option<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2(2) fills two descriptors on success, which we then own.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    if r != 0 {
        return None;
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { Some((OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))) }
}

/// Something a worker holds to send messages back.
struct Back {
    tx: mpsc::Sender<Msg>,
    wake: Option<RawFd>,
}

impl Back {
    fn send(&self, m: Msg) {
        if self.tx.send(m).is_ok()
            && let Some(fd) = self.wake
        {
            // A full pipe already holds a wake-up: nothing lost.
            // SAFETY: write(2) of one byte from a valid buffer; the
            // descriptor outlives the workers (it is closed only when the
            // loop's Jobs is dropped, after which a write fails harmlessly).
            unsafe { libc::write(fd, b"w".as_ptr().cast(), 1) };
        }
    }
}

impl Jobs {
    pub fn new(kb: &'static Kb) -> Jobs {
        let (tx, rx) = mpsc::channel();
        Jobs {
            kb,
            tx,
            rx,
            wake: pipe(),
        }
    }

    /// The descriptor that becomes readable when a worker sent something.
    pub fn wake_fd(&self) -> Option<RawFd> {
        self.wake.as_ref().map(|(r, _)| r.as_raw_fd())
    }

    fn back(&self) -> Back {
        Back {
            tx: self.tx.clone(),
            wake: self.wake.as_ref().map(|(_, w)| w.as_raw_fd()),
        }
    }

    /// Everything the workers sent since last time (the wake-up bytes
    /// drained).
    pub fn drain(&self) -> Vec<Msg> {
        if let Some((r, _)) = &self.wake {
            let mut buf = [0u8; 256];
            // SAFETY: read(2) into a valid buffer of its length; the pipe
            // is non-blocking.
            while unsafe { libc::read(r.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
        }
        self.rx.try_iter().collect()
    }

    /// Run an effect that is not a save or quit: a load or a call's
    /// messages on a worker (`None`; the results come through [`drain`]),
    /// a listing or an export here (the message right away).
    ///
    /// [`drain`]: Jobs::drain
    pub fn run(&self, e: Effect) -> Option<Msg> {
        match e {
            Effect::Load(job) => {
                let back = self.back();
                let kb = self.kb;
                let id = job.id;
                let spawned = std::thread::Builder::new()
                    .name("sipfix-load".into())
                    .spawn(move || {
                        let mut last = Instant::now();
                        let result = loader::load(&job, kb, &mut |done, total| {
                            if last.elapsed() >= PROGRESS_EVERY {
                                last = Instant::now();
                                back.send(Msg::Loading { id, done, total });
                            }
                        });
                        back.send(Msg::Loaded {
                            id,
                            result: result.map(Box::new),
                        });
                    });
                spawned.err().map(|e| Msg::Loaded {
                    id,
                    result: Err(format!("cannot start reading: {e}")),
                })
            }
            Effect::LoadCall(job) => {
                let back = self.back();
                let (load, call) = (job.load, job.call);
                let spawned = std::thread::Builder::new()
                    .name("sipfix-call".into())
                    .spawn(move || {
                        back.send(Msg::CallBytes {
                            load: job.load,
                            call: job.call,
                            result: loader::call_bytes(&job),
                        });
                    });
                spawned.err().map(|e| Msg::CallBytes {
                    load,
                    call,
                    result: Err(format!("cannot start reading: {e}")),
                })
            }
            Effect::ListDir(typed) => Some(Msg::Listing(list_dir(&typed))),
            Effect::Export(x) => Some(Msg::Exported(export(
                store::data_dir().as_ref(),
                &x,
                store::now_ms(),
            ))),
            // The run loop's own: they touch the terminal or the saver.
            Effect::Save | Effect::Quit | Effect::PrintBelow(_) => None,
        }
    }
}

/// The entries of the directory of `typed` whose names start with what
/// follows its last `/` (`.` names only when that starts with a dot),
/// sorted, directories marked.
pub fn list_dir(typed: &str) -> Listing {
    let (dir, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let path = if dir.is_empty() { "." } else { dir };
    let mut out = Listing {
        typed: typed.to_string(),
        ..Listing::default()
    };
    let rd = match std::fs::read_dir(path) {
        Ok(rd) => rd,
        Err(e) => {
            out.error = Some(format!(
                "cannot list {}: {e}",
                crate::sanitize::inline(path)
            ));
            return out;
        }
    };
    for e in rd.flatten().take(100_000) {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
            continue;
        }
        // A link to a directory completes as a directory.
        let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
        out.entries.push((name, is_dir));
        if out.entries.len() >= MAX_ENTRIES {
            break;
        }
    }
    out.entries.sort();
    out
}

/// Write an export into the data directory, named after `x.name` and the
/// time (`sipfix-call-abc-20240301-120000.md`).
pub fn export(dir: Option<&DataDir>, x: &Export, now_ms: u64) -> Result<PathBuf, String> {
    let dir = dir.ok_or_else(|| {
        "no data directory: there is no home directory; set SIPFIX_DATA_DIR".to_string()
    })?;
    let t = crate::trace::report::rfc3339((now_ms as i64).saturating_mul(1_000_000));
    // 2024-03-01T12:00:00.123Z -> 20240301-120000
    let stamp: String = t
        .get(..19)
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    let stem = format!("{}-{stamp}", x.name);
    store::write_export(dir, &stem, "md", x.text.as_bytes()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn listing_a_directory_for_completion() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.pcap"), b"x").unwrap();
        std::fs::write(d.path().join("a.pcapng"), b"x").unwrap();
        std::fs::write(d.path().join(".hidden"), b"x").unwrap();
        std::fs::create_dir(d.path().join("caps")).unwrap();
        let base = format!("{}/", d.path().display());
        let l = list_dir(&base);
        assert_eq!(
            l.entries,
            vec![
                ("a.pcap".to_string(), false),
                ("a.pcapng".to_string(), false),
                ("caps".to_string(), true)
            ]
        );
        let l = list_dir(&format!("{base}a."));
        assert_eq!(l.entries.len(), 2);
        assert_eq!(list_dir(&format!("{base}.")).entries.len(), 1);
        let l = list_dir("/nonexistent-dir/x");
        assert!(l.error.unwrap().contains("cannot list /nonexistent-dir/"));
    }

    #[test]
    fn exports_go_to_new_private_files_in_the_data_directory() {
        let d = tempfile::tempdir().unwrap();
        let dir = DataDir::from(d.path());
        let x = Export {
            name: "sipfix-call-abc".into(),
            text: "## call\n".into(),
        };
        let now = 1_709_294_400_123; // 2024-03-01T12:00:00.123Z
        let a = export(Some(&dir), &x, now).unwrap();
        assert_eq!(
            a.file_name().unwrap().to_string_lossy(),
            "sipfix-call-abc-20240301-120000.md"
        );
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "## call\n");
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // The same name again: a new file beside it, the first untouched.
        let b = export(Some(&dir), &x, now).unwrap();
        assert!(
            b.to_string_lossy().ends_with("-20240301-120000-2.md"),
            "{b:?}"
        );
        // A link planted where the next export goes is never followed.
        let target = d.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(
            &target,
            d.path().join("sipfix-call-abc-20240301-120000-3.md"),
        )
        .unwrap();
        let c = export(Some(&dir), &x, now).unwrap();
        assert!(c.to_string_lossy().ends_with("-4.md"), "{c:?}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(
            export(None, &x, now)
                .unwrap_err()
                .contains("SIPFIX_DATA_DIR")
        );
    }
}
