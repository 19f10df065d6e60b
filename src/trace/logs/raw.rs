//! Raw SIP messages one after the other, as pasted into a file or cut
//! from a log: anything between messages (timestamps, log lines, blank
//! lines) is skipped; a uniformly indented paste is read as if it were not
//! indented. No time or addresses: the text does not carry them.

use super::{Emitter, EntryMeta, Feed, LogFormat};
use crate::message::is_start_line;
use crate::trace::read::packet::Out;

/// Does `head` hold at least one SIP start line (after optional
/// indentation)?
pub(super) fn detect(head: &[u8]) -> bool {
    head.split(|&c| c == b'\n')
        .any(|l| is_start_line(l.strip_suffix(b"\r").unwrap_or(l)))
}

#[derive(Default)]
pub(super) struct Raw {
    /// Indentation of the current message's start line.
    indent: Vec<u8>,
}

impl LogFormat for Raw {
    fn line(&mut self, line: &[u8], no: u64, em: &mut Emitter, out: &mut Out<'_>) {
        let meta = EntryMeta::default();
        if em.msg.active() {
            let l = line.strip_prefix(&self.indent[..]).unwrap_or(line);
            match em.msg.feed(l) {
                Feed::Taken => return,
                Feed::Done => {
                    em.emit(&meta, no, out);
                    return;
                }
                Feed::NotMine => em.emit(&meta, no.saturating_sub(1), out),
            }
        }
        if is_start_line(line) {
            let indent = line
                .iter()
                .position(|&c| c != b' ' && c != b'\t')
                .unwrap_or(0);
            self.indent.clear();
            self.indent.extend_from_slice(&line[..indent]);
            em.begin(&line[indent..]);
        }
    }

    fn finish(&mut self, em: &mut Emitter, out: &mut Out<'_>) {
        em.emit(&EntryMeta::default(), 0, out);
    }
}
