//! Printing a command's result: text, JSON or Markdown on stdout.

use super::options::OutputFormat;
use crate::doc;
use crate::exit::Failure;
use crate::render::{self, TextStyle};
use crate::term::Appearance;
use serde::Serialize;
use std::io::Write;

/// The result of a command.
pub type CmdResult = Result<(), Failure>;

/// Output settings shared by the commands.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub style: TextStyle,
}

impl Out {
    pub fn new(a: Appearance) -> Out {
        Out {
            style: TextStyle {
                width: a.width,
                color: a.color,
                ascii: a.ascii,
            },
        }
    }
}

/// Write to stdout; a closed pipe (`sipfix list | head`) is not an error.
pub fn emit(s: &str) -> CmdResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write to stdout: {e}"))),
    }
}

/// Pretty JSON on stdout, with every character that must not reach a
/// terminal raw (C0, DEL, C1, bidi overrides) as a `\u` escape.
pub fn emit_json<T: Serialize + ?Sized>(v: &T) -> CmdResult {
    let s = crate::sanitize::json_pretty(v)
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))?;
    emit(&(s + "\n"))
}

/// [`emit_json`] streamed to stdout as it is produced: for documents too
/// large to build in memory first (a closed pipe is not an error).
pub fn emit_json_stream<T: Serialize + ?Sized>(v: &T) -> CmdResult {
    emit_stream(|out| {
        crate::sanitize::json_pretty_to(&mut *out, v).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    })
}

/// Whatever `write` writes, streamed to stdout through one buffer (a
/// closed pipe is not an error).
pub fn emit_stream(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> CmdResult {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let r = write(&mut out).and_then(|()| out.flush());
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write to stdout: {e}"))),
    }
}

/// A document as Markdown, or else as text for the terminal.
pub fn emit_doc(d: &doc::Doc, format: OutputFormat, out: Out) -> CmdResult {
    if format == OutputFormat::Markdown {
        emit(&render::to_markdown(d))
    } else {
        emit(&render::to_text(d, out.style))
    }
}
