//! FreeSWITCH `sofia global siptrace on` (sofia-sip's
//! libsofia-sip-ua/tport/tport_logging.c, `tport_log_msg` and
//! `tport_stamp`): a stamp line, a separator, the message with each line
//! indented by three spaces, and the separator again:
//!
//! ```text
//! recv 812 bytes from udp/[10.0.0.1]:5060 at 12:58:39.436734:
//!    ------------------------------------------------------------------------
//!    INVITE sip:bob@example.com SIP/2.0
//!    Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1
//!    ...
//!    ------------------------------------------------------------------------
//! ```
//!
//! `recv ... from` gives the source, `send ... to` the destination; the
//! stamp has the time of day only (the date comes from the log's dated
//! lines, see the clock rules). Lines longer than 2047 bytes are cut by
//! sofia itself, which then logs `*** message truncated at N ***`.

use super::clock::{Stamp, parse_tod};
use super::{EntryMeta, Log, LogFormat, parse_endpoint, transport_of};
use crate::trace::read::packet::Out;
use memchr::memmem;

/// The separator line (after the three-space indent).
const SEPARATOR: &[u8] =
    b"------------------------------------------------------------------------";

/// The stamp line of an entry: direction, transport, address and time.
pub(super) fn marker(line: &[u8]) -> Option<(EntryMeta, Stamp)> {
    let (incoming, rest) = if let Some(r) = line.strip_prefix(b"recv ") {
        (true, r)
    } else if let Some(r) = line.strip_prefix(b"send ") {
        (false, r)
    } else {
        return None;
    };
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = rest[digits..].strip_prefix(b" bytes ")?;
    if digits == 0 {
        return None;
    }
    // "from" / "to", then "proto/[addr]:port[/label][;comp=sigcomp] at T:".
    let rest = rest
        .strip_prefix(b"from ")
        .or_else(|| rest.strip_prefix(b"to "))?;
    let slash = rest.iter().position(|&c| c == b'/')?;
    let transport = transport_of(&rest[..slash]);
    let at = memmem::rfind(rest, b" at ")?;
    let addr = &rest[slash + 1..at];
    let addr = &addr[..addr.iter().position(|&c| c == b';').unwrap_or(addr.len())];
    // A flow label after the port ("]:5060/17") is not part of it.
    let addr = match (
        memmem::rfind(addr, b"]:"),
        addr.iter().rposition(|&c| c == b'/'),
    ) {
        (Some(b), Some(s)) if s > b => &addr[..s],
        _ => addr,
    };
    let (tod, tail) = parse_tod(&rest[at + 4..])?;
    if tail != b":" {
        return None;
    }
    let ep = parse_endpoint(addr);
    Some((
        EntryMeta {
            time_ns: None,
            src: if incoming { ep } else { None },
            dst: if incoming { None } else { ep },
            transport,
        },
        Stamp::TimeOnly(tod),
    ))
}

#[derive(Default)]
pub(super) struct Sofia {
    /// Between the separators of an entry.
    inside: bool,
}

impl LogFormat for Sofia {
    fn line(&mut self, line: &[u8], _no: u64, log: &mut Log, out: &mut Out<'_>) {
        if let Some((mut meta, stamp)) = marker(line) {
            meta.time_ns = Some(log.time(stamp));
            log.open(meta, out);
            self.inside = false;
            return;
        }
        // Other lines of a FreeSWITCH log carry its full date, which
        // dates the next time-only stamps.
        if !log.open {
            if let Some(s) = super::raw::leading_stamp(without_uuid(line))
                && matches!(s, Stamp::Full(..))
            {
                log.time(s);
            }
            return;
        }
        let body = line.strip_prefix(b"   ").unwrap_or(line);
        if body == SEPARATOR {
            if self.inside {
                self.inside = false;
                log.close(out);
            } else {
                self.inside = true;
            }
            return;
        }
        if body.starts_with(b"*** message truncated at ") {
            return;
        }
        if self.inside {
            log.content(body, out);
        }
    }

    fn time_only(&self) -> bool {
        true
    }
}

/// A FreeSWITCH log line without the channel UUID that `logfile.conf.xml`
/// puts first when `uuid` is on (`0b1c8a2e-1f0e-4b5e-9a3c-6f2d8e1a7b90
/// 2024-05-01 ...`).
fn without_uuid(line: &[u8]) -> &[u8] {
    let is_uuid = line.len() > 36
        && line[36] == b' '
        && line[..36].iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if is_uuid { &line[37..] } else { line }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_lines() {
        let (m, s) =
            marker(b"recv 812 bytes from udp/[10.0.0.1]:5060 at 12:58:39.436734:").unwrap();
        assert_eq!(m.src.unwrap().to_string(), "10.0.0.1:5060");
        assert_eq!(m.transport, crate::trace::Transport::Udp);
        assert!(matches!(s, Stamp::TimeOnly(_)));
        let (m, _) =
            marker(b"send 1200 bytes to tls/[2001:db8::9]:5061;comp=sigcomp at 00:00:01.000001:")
                .unwrap();
        assert_eq!(m.dst.unwrap().to_string(), "[2001:db8::9]:5061");
        let (m, _) =
            marker(b"recv 10 bytes from udp/[2001:db8::9]:5060/17 at 00:00:01.000001:").unwrap();
        assert_eq!(m.src.unwrap().port, 5060);
        assert!(marker(b"recv some bytes from udp/[1.2.3.4]:5 at 00:00:00.0:").is_none());
        assert!(marker(b"INVITE sip:x SIP/2.0").is_none());
    }

    /// `logfile.conf.xml` with `uuid` on puts the channel UUID before the
    /// date of every channel's line: the date is still read.
    #[test]
    fn the_channel_uuid_before_a_date_is_skipped() {
        let line = b"0b1c8a2e-1f0e-4b5e-9a3c-6f2d8e1a7b90 2024-05-01 23:59:58.100102 [NOTICE] x";
        assert!(matches!(
            super::super::raw::leading_stamp(without_uuid(line)),
            Some(Stamp::Full(2024, 5, 1, _))
        ));
        assert_eq!(
            without_uuid(b"2024-05-01 10:00:00 x"),
            b"2024-05-01 10:00:00 x"
        );
        // Not a UUID: a hex word of the wrong shape stays.
        let odd = b"0b1c8a2e_1f0e-4b5e-9a3c-6f2d8e1a7b90 2024-05-01 x";
        assert_eq!(without_uuid(odd), odd);
    }
}
