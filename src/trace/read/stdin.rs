//! Standard input that can be ended early: `tcpdump -w - ... | sipfix
//! triage -` runs until Ctrl-C, and the report should then cover what was
//! read, as `tshark -z` prints its statistics when a live capture stops.
//!
//! [`stop_flag`] is set by the front end (the CLI's SIGINT handler); the
//! reader waits for input with `poll` in short steps. Once the flag is set
//! it still takes what arrives within [`GRACE`] (Ctrl-C reaches the
//! producer too, and `tcpdump` writes its last buffer as it exits), then
//! reports the end of input, whether or not the producer has gone: one
//! that ignores Ctrl-C and keeps the pipe open would otherwise hold the
//! report back for ever.

use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long one wait for input lasts before the flag is looked at again.
const STEP: Duration = Duration::from_millis(100);

/// How long input is still taken after the flag is set.
pub const GRACE: Duration = Duration::from_millis(500);

/// The flag that ends standard input: once set, every read of it returns
/// end of input. The same flag for the whole process.
pub fn stop_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
        .clone()
}

/// Whether standard input was ended by [`stop_flag`].
pub fn stopped() -> bool {
    stop_flag().load(Ordering::SeqCst)
}

/// Standard input, read straight from its descriptor (a duplicate: no
/// buffer of the standard library's that `poll` could not see), ending at
/// the end of input or when [`stop_flag`] is set.
pub(crate) struct Stdin {
    file: std::fs::File,
    stop: Arc<AtomicBool>,
    /// When the flag was first seen set, plus [`GRACE`].
    deadline: Option<Instant>,
}

impl Stdin {
    pub fn open() -> io::Result<Stdin> {
        let fd: OwnedFd = io::stdin().as_fd().try_clone_to_owned()?;
        Ok(Stdin {
            file: std::fs::File::from(fd),
            stop: stop_flag(),
            deadline: None,
        })
    }

    /// Wait until the descriptor has input (or an end or error to report),
    /// or the flag has been set for [`GRACE`]. Returns false when the flag
    /// ended the wait.
    fn wait(&mut self) -> bool {
        let mut p = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            let mut step = STEP;
            if self.stop.load(Ordering::SeqCst) {
                let deadline = *self.deadline.get_or_insert_with(|| Instant::now() + GRACE);
                match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => step = step.min(left),
                    _ => return false,
                }
            }
            let ms = libc::c_int::try_from(step.as_millis().max(1)).unwrap_or(100);
            // SAFETY: `p` is one valid pollfd that lives across the call,
            // and the count passed is 1.
            let n = unsafe { libc::poll(&mut p, 1, ms) };
            // Ready, hung up or in error: the read that follows says which.
            // A failed poll (EINTR from the very signal that sets the flag)
            // loops to look at the flag.
            if n > 0 {
                return true;
            }
        }
    }
}

impl Read for Stdin {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || !self.wait() {
            return Ok(0);
        }
        self.file.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader over a new pipe, with the flag as given, and the pipe's
    /// writing end.
    fn over_pipe(stop: Arc<AtomicBool>) -> (Stdin, std::io::PipeWriter) {
        let (r, w) = std::io::pipe().unwrap();
        let s = Stdin {
            file: std::fs::File::from(OwnedFd::from(r)),
            stop,
            deadline: None,
        };
        (s, w)
    }

    /// A reader over a pipe nobody writes to ends once the flag is set,
    /// instead of waiting for input that never comes.
    #[test]
    fn the_flag_ends_a_silent_pipe() {
        let stop = Arc::new(AtomicBool::new(false));
        let (mut s, mut w) = over_pipe(stop.clone());
        std::io::Write::write_all(&mut w, b"abc").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(s.read(&mut buf).unwrap(), 3);
        let setter = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(150));
            stop.store(true, Ordering::SeqCst);
        });
        // Blocks until the flag is set (the writer is still open).
        assert_eq!(s.read(&mut buf).unwrap(), 0);
        setter.join().unwrap();
        drop(w);
    }

    /// What is in the pipe when the flag is set (the producer's last
    /// buffer, written as it exits on the same Ctrl-C) is still read; the
    /// input then ends even though the producer keeps writing.
    #[test]
    fn input_ends_after_the_grace_though_the_producer_writes_on() {
        let (mut s, mut w) = over_pipe(Arc::new(AtomicBool::new(true)));
        std::io::Write::write_all(&mut w, b"last").unwrap();
        const DOTS: usize = 200;
        let writer = std::thread::spawn(move || {
            // A producer that goes on for 20 grace periods.
            for _ in 0..DOTS {
                std::thread::sleep(GRACE / 10);
                if std::io::Write::write_all(&mut w, b".").is_err() {
                    return;
                }
            }
        });
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        assert!(got.starts_with(b"last"), "{got:?}");
        assert!(got.len() < 4 + DOTS, "read to the producer's end");
        drop(s);
        writer.join().unwrap();
    }

    /// Without the flag, a closed pipe is an ordinary end of input.
    #[test]
    fn a_closed_pipe_is_the_end() {
        let (mut s, mut w) = over_pipe(Arc::new(AtomicBool::new(false)));
        std::io::Write::write_all(&mut w, b"xyz").unwrap();
        drop(w);
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"xyz");
    }
}
