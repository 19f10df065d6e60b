//! How a run of sipfix ends: [`Failure`] carries the exit status and one
//! line for stderr, [`say`] prints such a line (wrapped on a terminal). Shared by the commands and
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
/// On a terminal it is wrapped at word boundaries to the terminal's width
/// (80 when it tells none; later lines indented), where a long line broke
/// words at the last column; into a pipe or a file it stays one line, for
/// the scripts and logs that read it.
pub fn say(message: &str) {
    let line = format!("sipfix: {}", crate::sanitize::inline(message));
    match stderr_width() {
        Some(w) => eprintln!("{}", crate::render::wrap(&line, w, "", "  ").join("\n")),
        None => eprintln!("{line}"),
    }
}

/// The width of the terminal on stderr (80 when it tells none); `None`
/// when stderr is no terminal.
fn stderr_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // SAFETY: a winsize is plain integers (all zero is valid), and
    // TIOCGWINSZ only fills the one it is given.
    let (ok, ws) = unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(2, libc::TIOCGWINSZ, &mut ws) == 0, ws)
    };
    Some(if ok && ws.ws_col >= 20 {
        usize::from(ws.ws_col)
    } else {
        80
    })
}
