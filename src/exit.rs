//! How a run of sipfix ends: [`Failure`] carries the exit status and one
//! line for stderr, [`say`] prints such a line. Shared by the commands and
//! the TUI.

/// A failed run: the exit status and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub status: u8,
    pub message: String,
}

impl Failure {
    /// Bad input: exit status 2.
    pub fn usage(m: impl std::fmt::Display) -> Failure {
        Failure {
            status: 2,
            message: m.to_string(),
        }
    }
    /// Something went wrong at run time: exit status 1.
    pub fn runtime(m: impl std::fmt::Display) -> Failure {
        Failure {
            status: 1,
            message: m.to_string(),
        }
    }
    /// Ended by signal `sig` (after saving): exit status 128 + `sig`, as a
    /// shell reports it, with nothing more to say.
    pub fn signal(sig: usize) -> Failure {
        Failure {
            status: 128u8.saturating_add((sig & 0x7f) as u8),
            message: String::new(),
        }
    }
}

/// Print a message for the user on stderr, as `sipfix: <message>`, with
/// control characters escaped (paths and arguments come from outside).
pub fn say(message: &str) {
    eprintln!("sipfix: {}", crate::sanitize::inline(message));
}
