//! `explain [FILE]`: decode a raw SIP message.

use crate::cli::options::OutputFormat;
use crate::cli::output::{CmdResult, Out, emit_doc, emit_json};
use crate::exit::{Failure, say};
use crate::kb::Kb;
use crate::message::{InputError, MAX_INPUT};

/// Read at most `MAX_INPUT + 1` bytes, so an overlarge input is refused
/// without being read whole.
fn read_limited(r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(MAX_INPUT as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

pub fn run(kb: &Kb, file: Option<&std::path::Path>, format: OutputFormat, out: Out) -> CmdResult {
    use std::io::IsTerminal;
    let (bytes, file_size) = match file {
        Some(p) => {
            let f = std::fs::File::open(p)
                .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", p.display())))?;
            let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            let bytes = read_limited(f)
                .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", p.display())))?;
            (bytes, size)
        }
        None => {
            if std::io::stdin().is_terminal() {
                say("paste a SIP message, then press Ctrl-D on an empty line");
            }
            let bytes = read_limited(std::io::stdin().lock())
                .map_err(|e| Failure::runtime(format!("cannot read stdin: {e}")))?;
            (bytes, None)
        }
    };
    if bytes.len() > MAX_INPUT {
        // Only MAX_INPUT + 1 bytes were read: say the real size when the
        // file system knows it, else only that it is more.
        return Err(Failure::usage(match file_size {
            Some(n) => InputError::TooLarge {
                size: usize::try_from(n).unwrap_or(usize::MAX),
            }
            .to_string(),
            None => format!(
                "input is more than {MAX_INPUT} bytes; sipfix reads SIP messages of at most \
                 {MAX_INPUT} bytes (1 MiB)"
            ),
        }));
    }
    // Colours of a console excerpt (`less -R`, `grep --color=always`, a
    // coloured log) are no text of the message, as in a paste in the UI.
    let bytes = if bytes.contains(&0x1b) {
        crate::sanitize::without_csi(&bytes)
    } else {
        bytes
    };
    let msg = crate::message::parse(&bytes).map_err(Failure::usage)?;
    let expl = crate::message::explain(&msg, kb);
    if format == OutputFormat::Json {
        return emit_json(&expl);
    }
    emit_doc(&crate::message::to_doc(&expl), format, out)
}
