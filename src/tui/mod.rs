//! The interactive terminal UI.

use crate::cli::{Cli, Failure};

/// Start the TUI (placeholder until the TUI lands).
pub fn start(_cli: &Cli) -> Result<(), Failure> {
    Err(Failure::usage(
        "the interactive UI is not built yet: use `sipfix --help` for the commands",
    ))
}
