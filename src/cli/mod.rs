//! The command-line face. A run goes one way:
//!
//! ```text
//! argv -> args (clap) -> options (resolved, plain types) -> commands -> output
//!                                          \-> the TUI (tui::Options) when no command is given,
//!                                              or on a trace (sipfix FILE, triage --tui)
//! ```
//!
//! [`args`] is the clap definition only; [`options`] turns it and the
//! environment into plain types; [`commands`] runs one command and prints
//! through [`output`] ([`json`] holds the JSON shapes).

pub mod args;
pub mod commands;
pub mod json;
pub mod options;
pub mod output;

use crate::exit::say;
use std::process::ExitCode;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // Past `ulimit -f` a write must fail (EFBIG, handled like a full disk),
    // not kill the process mid-save with the terminal in raw mode.
    // SAFETY: setting a signal to SIG_IGN has no preconditions.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let cli = match args::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err((typed, name)) => {
            say(&format!(
                "'{typed}' is not a command or a SIP status code; did you mean 'sipfix {name}'? \
                 (sipfix --help lists the commands)"
            ));
            return ExitCode::from(2);
        }
    };
    let opts = options::Options::from_args(cli);
    let result = match opts.command {
        Some(options::Command::Triage(t)) if t.tui => commands::triage::open_ui(t, opts.appearance),
        Some(cmd) => commands::run(cmd, output::Out::new(opts.appearance)),
        None => crate::tui::start(&crate::tui::Options {
            appearance: opts.appearance,
            trace: None,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                say(&f.message);
            }
            ExitCode::from(f.status)
        }
    }
}
