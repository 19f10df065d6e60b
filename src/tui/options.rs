//! What the TUI takes from the command line, already resolved: nothing here
//! is a parser type, so the TUI does not depend on the CLI.

use super::app::StartWith;
use crate::term::Appearance;
use std::path::PathBuf;

/// Options of an interactive session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// Colour and ASCII, from `--color`, `--ascii` and the environment.
    pub appearance: Appearance,
    /// A trace to open at start (`sipfix FILE`, `sipfix triage FILE --tui`).
    pub trace: Option<OpenTrace>,
}

/// A trace opened from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTrace {
    pub files: Vec<PathBuf>,
    pub format: crate::trace::Format,
    /// The filter and call to show once it is read.
    pub with: StartWith,
}
