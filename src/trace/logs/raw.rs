//! Raw SIP messages one after the other, as pasted into a file or cut
//! from a log: anything between messages (log lines, blank lines) is
//! skipped; a uniformly indented paste is read as if it were not
//! indented. There are no addresses; a message gets the time of a
//! timestamped line just before it, if there is one (e.g.
//! `2024-05-01 10:00:00 ...` or `[Mar  3 10:00:00] ...`).

use super::clock::{Stamp, parse_stamp};
use super::{EntryMeta, Feed, Log, LogFormat};
use crate::message::is_start_line;
use crate::trace::read::packet::Out;

#[derive(Default)]
pub(super) struct Raw {
    /// Indentation of the current message's start line.
    indent: Vec<u8>,
    /// The stamp of the last line outside a message.
    stamp: Option<Stamp>,
}

/// A timestamp at the start of a line, bare or in brackets.
pub(super) fn leading_stamp(line: &[u8]) -> Option<Stamp> {
    let l = line.strip_prefix(b"[").unwrap_or(line);
    parse_stamp(l).map(|(s, _)| s)
}

impl LogFormat for Raw {
    fn line(&mut self, line: &[u8], _no: u64, log: &mut Log, out: &mut Out<'_>) {
        if log.em.msg.active() {
            let l = line.strip_prefix(&self.indent[..]).unwrap_or(line);
            match log.em.msg.feed(l) {
                Feed::Taken => return,
                Feed::Done => {
                    log.close(out);
                    return;
                }
                Feed::NotMine => log.close(out),
            }
        }
        if is_start_line(line) {
            let indent = line
                .iter()
                .position(|&c| c != b' ' && c != b'\t')
                .unwrap_or(0);
            self.indent.clear();
            self.indent.extend_from_slice(&line[..indent]);
            let time_ns = self.stamp.take().map(|s| log.time(s));
            log.open(
                EntryMeta {
                    time_ns,
                    ..EntryMeta::default()
                },
                out,
            );
            log.em.begin(&line[indent..]);
        } else if let Some(s) = leading_stamp(line) {
            self.stamp = Some(s);
        } else if !line.trim_ascii().is_empty() {
            self.stamp = None;
        }
    }
}
