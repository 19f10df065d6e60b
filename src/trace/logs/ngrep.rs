//! ngrep `-W byline` (jpr5/ngrep, `dump_packet` and `dump_byline` in
//! ngrep.c): for each matching packet a blank line, a header line, then
//! the payload with every character that is neither printable nor a line
//! feed printed as `.` (so CRLF line ends become `.` at the end of each
//! line):
//!
//! ```text
//! U 2016/03/07 11:28:07.583371 10.0.0.1:5060 -> 10.0.0.2:5060
//! INVITE sip:bob@example.com SIP/2.0.
//! Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1.
//! .
//! ```
//!
//! The header is the protocol letter (`U` UDP, `T` TCP), an optional
//! `(proto)`, the time with `-t` (`%Y/%m/%d %H:%M:%S.%06u`, local) or a
//! delta with `-T`/`-tt`, `src:port -> dst:port`, then TCP flags (`[AP]`)
//! and fragment details. `#` lines (packets that did not match) and the
//! `interface:`/`filter:`/`match:` lines are skipped. Other unprintable
//! bytes (tabs, UTF-8) are already `.` in the log and stay so.

use super::clock::{Stamp, parse_stamp};
use super::{EntryMeta, Log, LogFormat, parse_endpoint};
use crate::trace::Transport;
use crate::trace::read::packet::Out;
use memchr::memmem;

/// A packet header line: what it says, its time stamp, and whether it
/// carries a delta (`-T`, `+0.000213`) instead.
pub(super) fn marker(line: &[u8]) -> Option<(EntryMeta, Option<Stamp>, bool)> {
    let transport = match line.first()? {
        b'U' => Transport::Udp,
        b'T' => Transport::Tcp,
        _ => return None,
    };
    let mut rest = &line[1..];
    if rest.first() == Some(&b'(') {
        let close = rest.iter().position(|&c| c == b')')?;
        rest = &rest[close + 1..];
    }
    let mut rest = rest.strip_prefix(b" ")?;
    let mut stamp = None;
    let mut delta = false;
    if let Some((s, r)) = parse_stamp(rest) {
        stamp = Some(s);
        rest = r.strip_prefix(b" ")?;
    } else if rest.first() == Some(&b'+') {
        let sp = rest.iter().position(|&c| c == b' ')?;
        rest = &rest[sp + 1..];
        delta = true;
    }
    let arrow = memmem::find(rest, b" -> ")?;
    let src = parse_endpoint(&rest[..arrow])?;
    let after = &rest[arrow + 4..];
    let end = after.iter().position(|&c| c == b' ').unwrap_or(after.len());
    let dst = parse_endpoint(&after[..end])?;
    Some((
        EntryMeta {
            time_ns: None,
            src: Some(src),
            dst: Some(dst),
            transport,
        },
        stamp,
        delta,
    ))
}

/// A payload line as it was before ngrep printed it: the `.` that stood
/// for the CR of a CRLF removed (when the packet's lines end that way).
pub(super) fn unescape(line: &[u8], crlf: bool) -> &[u8] {
    if crlf {
        line.strip_suffix(b".").unwrap_or(line)
    } else {
        line
    }
}

#[derive(Default)]
pub(super) struct Ngrep {
    /// Lines of the current packet end with `.` for CR.
    crlf: Option<bool>,
    /// The note on delta stamps was given.
    told_delta: bool,
}

impl LogFormat for Ngrep {
    fn line(&mut self, line: &[u8], _no: u64, log: &mut Log, out: &mut Out<'_>) {
        if let Some((mut meta, stamp, delta)) = marker(line) {
            meta.time_ns = stamp.map(|s| log.time(s));
            if delta && !self.told_delta {
                // Deltas from the packet before (or the first) with no
                // time to start from: no time is better than a made-up
                // date.
                self.told_delta = true;
                log.clock.notes.push(
                    "ngrep printed time deltas (-T), not times: the messages have no time \
                     (capture with ngrep -t for them)"
                        .to_string(),
                );
            }
            // A TCP packet may continue the message of the one before.
            if !(log.em.msg.active() && log.entry.src == meta.src && log.entry.dst == meta.dst) {
                log.open(meta, out);
            }
            self.crlf = None;
            return;
        }
        if line == b"#"
            || line.starts_with(b"interface: ")
            || line.starts_with(b"filter: ")
            || line.starts_with(b"match: ")
        {
            return;
        }
        if !log.open {
            return;
        }
        let crlf = *self.crlf.get_or_insert(line.ends_with(b"."));
        log.content(unescape(line, crlf), out);
    }

    fn said_untimed(&self) -> bool {
        self.told_delta
    }

    fn time_hint(&self) -> Option<&'static str> {
        Some("ngrep prints times with -t")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let (m, s, delta) =
            marker(b"U 2016/03/07 11:28:07.583371 10.0.0.1:5060 -> 10.0.0.2:5060").unwrap();
        assert_eq!(m.transport, Transport::Udp);
        assert!(s.is_some() && !delta);
        let (m, s, delta) = marker(b"T 10.0.0.1:5060 -> 10.0.0.2:40000 [AP]").unwrap();
        assert_eq!((m.transport, s, delta), (Transport::Tcp, None, false));
        assert_eq!(m.dst.unwrap().port, 40000);
        let (m, s, delta) = marker(b"U(17) +0.000213 10.0.0.1:5060 -> 10.0.0.2:5060").unwrap();
        assert_eq!(m.src.unwrap().port, 5060);
        assert!(s.is_none() && delta);
        assert!(marker(b"Via: x").is_none());
        assert_eq!(
            unescape(b"INVITE sip:a SIP/2.0.", true),
            b"INVITE sip:a SIP/2.0"
        );
    }
}
