//! `compare A B`.

use super::lookup;
use crate::cli::options::OutputFormat;
use crate::cli::output::{CmdResult, Out, emit_doc, emit_json};
use crate::compare;
use crate::doc;
use crate::exit::Failure;
use crate::kb::Kb;

pub fn run(kb: &Kb, a: &str, b: &str, format: OutputFormat, out: Out) -> CmdResult {
    let la = lookup(kb, a)?;
    let lb = lookup(kb, b)?;
    let c = compare::compare(kb, la, lb).map_err(Failure::usage)?;
    if format == OutputFormat::Json {
        return emit_json(&c.to_json());
    }
    emit_doc(&doc::compare(&c), format, out)
}
