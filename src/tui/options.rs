//! What the TUI takes from the command line, already resolved: nothing here
//! is a parser type, so the TUI does not depend on the CLI.

use crate::term::Appearance;

/// Options of an interactive session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Colour and ASCII, from `--color`, `--ascii` and the environment.
    pub appearance: Appearance,
}
