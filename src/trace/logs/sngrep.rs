//! sngrep "Save as .txt" (irontec/sngrep, `save_msg_txt` in
//! src/curses/ui_save.c): for each message a header line and the payload,
//! then a blank line:
//!
//! ```text
//! 2016/03/07 11:28:07.583371 10.0.0.1:5060 -> 10.0.0.2:5060
//! INVITE sip:bob@example.com SIP/2.0
//! ...
//!
//! ```
//!
//! Date and time are sngrep's `timeval_to_date` (`%Y/%m/%d`) and
//! `timeval_to_time` (`%H:%M:%S.%06d`) in the capturing host's local
//! time; addresses are `ip:port` (IPv6 without brackets, so the last colon
//! starts the port).

use super::clock::{Stamp, parse_stamp};
use super::{EntryMeta, Log, LogFormat, parse_endpoint};
use crate::trace::read::packet::Out;
use memchr::memmem;

/// The header line of a message.
pub(super) fn marker(line: &[u8]) -> Option<(EntryMeta, Stamp)> {
    if line.len() < 27 || line[4] != b'/' {
        return None;
    }
    let (stamp, rest) = parse_stamp(line)?;
    let rest = rest.strip_prefix(b" ")?;
    let arrow = memmem::find(rest, b" -> ")?;
    let src = parse_endpoint(&rest[..arrow])?;
    let dst = parse_endpoint(&rest[arrow + 4..])?;
    Some((
        EntryMeta {
            time_ns: None,
            src: Some(src),
            dst: Some(dst),
            transport: crate::trace::Transport::Unknown,
        },
        stamp,
    ))
}

pub(super) struct Sngrep;

impl LogFormat for Sngrep {
    fn line(&mut self, line: &[u8], _no: u64, log: &mut Log, out: &mut Out<'_>) {
        if let Some((mut meta, stamp)) = marker(line) {
            meta.time_ns = Some(log.time(stamp));
            log.open(meta, out);
            return;
        }
        log.content(line, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        let (m, _) = marker(b"2016/03/07 11:28:07.583371 10.0.0.1:5060 -> 10.0.0.2:5062").unwrap();
        assert_eq!(m.dst.unwrap().to_string(), "10.0.0.2:5062");
        let (m, _) =
            marker(b"2016/03/07 11:28:07.583371 2001:db8::1:5060 -> 2001:db8::2:5060").unwrap();
        assert_eq!(m.src.unwrap().to_string(), "[2001:db8::1]:5060");
        assert!(marker(b"2016-03-07 11:28:07.583371 [NOTICE] x").is_none());
    }
}
