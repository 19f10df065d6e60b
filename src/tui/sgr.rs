//! The colour sequences the TUI sends, made safe for old terminals.
//!
//! crossterm writes even the 16 named colours in the 256-colour form
//! (`ESC[38;5;6m`), which `TERM=linux`, `screen` and many serial consoles
//! do not know. [`SgrWriter`] sits between the backend and the terminal
//! and rewrites those to the classic ANSI forms (`ESC[36m`, bright ones
//! `ESC[96m`), which every colour terminal since the VT241 reads. Without
//! colour (`TERM=vt100`, `NO_COLOR`, `--color never`) it drops every
//! colour parameter, so only bold, reverse and underline go out.
//!
//! Sequences may arrive cut over several writes; the writer holds the
//! start of one until its end comes. Everything that is not a colour
//! parameter passes unchanged.

use std::io::{self, Write};

const ESC: u8 = 0x1b;

/// A writer that rewrites SGR colour parameters; see the module docs.
#[derive(Debug)]
pub struct SgrWriter<W: Write> {
    inner: W,
    /// Colour allowed at all.
    color: bool,
    /// The start of an escape sequence not yet complete.
    pending: Vec<u8>,
}

impl<W: Write> SgrWriter<W> {
    pub fn new(inner: W, color: bool) -> SgrWriter<W> {
        SgrWriter {
            inner,
            color,
            pending: Vec::new(),
        }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Handle a complete escape sequence held in `pending`.
    fn finish_sequence(&mut self) -> io::Result<()> {
        let seq = std::mem::take(&mut self.pending);
        match rewrite(&seq, self.color) {
            Some(out) => self.inner.write_all(&out),
            None => Ok(()),
        }
    }
}

/// The classic form of an SGR sequence (`ESC [ params m`); other sequences
/// unchanged; `None` when nothing is left to send.
fn rewrite(seq: &[u8], color: bool) -> Option<Vec<u8>> {
    let Some(params) = seq
        .strip_prefix(b"\x1b[")
        .and_then(|p| p.strip_suffix(b"m"))
    else {
        return Some(seq.to_vec());
    };
    if params.is_empty() {
        return Some(seq.to_vec());
    }
    let Ok(params) = std::str::from_utf8(params) else {
        return Some(seq.to_vec());
    };
    let p: Vec<&str> = params.split(';').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            "38" | "48" | "58" => {
                let base = match p[i] {
                    "38" => Some(30),
                    "48" => Some(40),
                    _ => None,
                };
                // 5;N (indexed) or 2;R;G;B (direct).
                let (len, index) = match p.get(i + 1) {
                    Some(&"5") => (3, p.get(i + 2).and_then(|n| n.parse::<u8>().ok())),
                    Some(&"2") => (5, None),
                    _ => (1, None),
                };
                if color {
                    match (base, index) {
                        (Some(b), Some(n)) if n < 8 => out.push((b + n as u16).to_string()),
                        (Some(b), Some(n)) if n < 16 => {
                            out.push((b + 60 + (n - 8) as u16).to_string())
                        }
                        _ => out.extend(p[i..(i + len).min(p.len())].iter().map(|s| s.to_string())),
                    }
                }
                i += len;
            }
            "39" | "49" | "59" if !color => i += 1,
            c if !color && is_basic_color(c) => i += 1,
            other => {
                out.push(other.to_string());
                i += 1;
            }
        }
    }
    if out.is_empty() {
        // Everything was colour: an empty `ESC[m` would reset the style.
        return None;
    }
    Some(format!("\x1b[{}m", out.join(";")).into_bytes())
}

/// 30-37, 40-47, 90-97, 100-107: the classic colour parameters.
fn is_basic_color(p: &str) -> bool {
    matches!(
        p.parse::<u16>(),
        Ok(30..=37 | 40..=47 | 90..=97 | 100..=107)
    )
}

impl<W: Write> Write for SgrWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            if self.pending.is_empty() {
                // Plain text up to the next escape goes straight through.
                let end = rest.iter().position(|&b| b == ESC).unwrap_or(rest.len());
                self.inner.write_all(&rest[..end])?;
                rest = &rest[end..];
                if rest.is_empty() {
                    break;
                }
                self.pending.push(ESC);
                rest = &rest[1..];
                continue;
            }
            let b = rest[0];
            rest = &rest[1..];
            self.pending.push(b);
            if self.pending.len() == 2 {
                if b != b'[' {
                    // Not a CSI sequence: nothing to rewrite.
                    let seq = std::mem::take(&mut self.pending);
                    self.inner.write_all(&seq)?;
                }
            } else if (0x40..=0x7e).contains(&b) || self.pending.len() > 64 {
                self.finish_sequence()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A flush inside a sequence never comes from the backend; if it
        // does, send what is held as it is.
        if !self.pending.is_empty() {
            let seq = std::mem::take(&mut self.pending);
            self.inner.write_all(&seq)?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(color: bool, chunks: &[&[u8]]) -> String {
        let mut w = SgrWriter::new(Vec::new(), color);
        for c in chunks {
            w.write_all(c).unwrap();
        }
        w.flush().unwrap();
        String::from_utf8(w.inner).unwrap()
    }

    #[test]
    fn indexed_named_colours_become_classic_sgr() {
        assert_eq!(through(true, &[b"\x1b[38;5;6mx"]), "\x1b[36mx");
        assert_eq!(through(true, &[b"\x1b[38;5;14;48;5;0m"]), "\x1b[96;40m");
        assert_eq!(through(true, &[b"\x1b[39;49m"]), "\x1b[39;49m");
        assert_eq!(through(true, &[b"\x1b[1m\x1b[7m"]), "\x1b[1m\x1b[7m");
        // Cursor moves and other sequences pass unchanged.
        assert_eq!(
            through(true, &[b"\x1b[3;4Hab\x1b[?25l"]),
            "\x1b[3;4Hab\x1b[?25l"
        );
        // Not one of the 16: left alone.
        assert_eq!(through(true, &[b"\x1b[38;5;200m"]), "\x1b[38;5;200m");
    }

    #[test]
    fn a_sequence_cut_over_writes_is_joined() {
        assert_eq!(
            through(true, &[b"a\x1b", b"[38;", b"5;", b"14", b"mb"]),
            "a\x1b[96mb"
        );
    }

    #[test]
    fn without_colour_only_attributes_go_out() {
        assert_eq!(through(false, &[b"\x1b[38;5;6;48;5;0m"]), "");
        assert_eq!(through(false, &[b"\x1b[39m\x1b[49m"]), "");
        assert_eq!(
            through(false, &[b"\x1b[1;38;5;6mx\x1b[0m"]),
            "\x1b[1mx\x1b[0m"
        );
        assert_eq!(through(false, &[b"\x1b[m"]), "\x1b[m");
    }
}
