//! The non-interactive commands, one module per family. Each takes resolved
//! options and prints through [`super::output`].

mod codes;
mod compare;
mod explain;
mod notes;
mod q850;
pub mod triage;

use super::args;
use super::options::Command;
use super::output::{CmdResult, Out, emit};
use crate::exit::{Failure, say};
use crate::kb::{Kb, Lookup};

/// Run one non-interactive command.
pub fn run(cmd: Command, out: Out) -> CmdResult {
    let (kb, warning, _) = crate::kb::overrides::global();
    if let Some(w) = warning {
        say(&format!("warning: {w}"));
    }
    match cmd {
        Command::Show { codes, format } => codes::show(kb, &codes, format, out),
        Command::List { class, format } => codes::list(kb, class.as_deref(), format, out),
        Command::Search {
            query,
            limit,
            format,
        } => codes::search(kb, &query, limit, format, out),
        Command::Compare { a, b, format } => compare::run(kb, &a, &b, format, out),
        Command::Q850 { cause, sip, format } => {
            q850::run(kb, cause.as_deref(), sip.as_deref(), format, out)
        }
        Command::Explain { file, format } => explain::run(kb, file.as_deref(), format, out),
        Command::Notes(n) => notes::run(kb, n, out),
        Command::Triage(t) => triage::run(kb, t, out),
        Command::Completions(shell) => emit(&args::completions(shell)),
        Command::Man => {
            let man = args::man()
                .map_err(|e| Failure::runtime(format!("cannot render the manual: {e}")))?;
            emit(&man)
        }
    }
}

/// A code typed by the user, looked up (bad input: exit status 2).
fn lookup<'a>(kb: &'a Kb, s: &str) -> Result<Lookup<'a>, Failure> {
    kb.lookup_str(s).map_err(Failure::usage)
}
