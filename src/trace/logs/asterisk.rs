//! Asterisk's SIP debug output, from both channel drivers, as it reaches
//! the console or the `full` log.
//!
//! PJSIP (`pjsip set logger on`, res/res_pjsip_logger.c) writes, with
//! `ast_verbose`, a marker line and then the message as sent or received:
//!
//! ```text
//! <--- Received SIP request (823 bytes) from UDP:10.0.0.1:5060 --->
//! <--- Transmitting SIP response (512 bytes) to TLS:[2001:db8::1]:5061 --->
//! ```
//!
//! (Asterisk 13.0 wrote the transport, host and port as `UDP:host:5060`
//! from separate fields; later versions print the socket address, with
//! IPv6 in brackets.)
//!
//! chan_sip (`sip set debug on`, channels/chan_sip.c) writes
//!
//! ```text
//! <--- SIP read from UDP:10.0.0.1:5060 --->          (1.4: from 10.0.0.1:5060)
//! <message>
//! <------------->
//! --- (12 headers 0 lines) ---
//! <--- Transmitting (no NAT) to 10.0.0.1:5060 --->   (responses; "Reliably " first when retransmitted)
//! <message>
//! <------------>
//! Reliably Transmitting (NAT) to 10.0.0.1:5060:      (requests)
//! <message>
//! ---
//! Retransmitting #1 (no NAT) to 10.0.0.1:5060:       (retrans_pkt: each resend
//! <message>                                              of a message sent reliably)
//! ---
//! ```
//!
//! Each `Retransmitting #N` block is one more copy of the message sent,
//! to the address it names.
//!
//! Through the logger each line may carry `[timestamp] ` (console with
//! timestamps: every line), and the first line of an entry in the `full`
//! log also `LEVEL[pid][C-callid] file.c: `; both are removed and the
//! timestamp of the marker line is the message's time. A syslog channel
//! writes the first line as `LEVEL[pid][C-callid]: file.c:N in function: `
//! (no time: syslog's header has it), removed too. The log never
//! says the local address: a received message has only a source, a sent
//! one only a destination.

use super::clock::{Stamp, parse_stamp};
use super::{EntryMeta, Log, LogFormat, parse_endpoint, transport_of};
use crate::trace::Transport;
use crate::trace::read::packet::Out;
use memchr::{memchr, memmem};

/// An entry marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Pjsip(EntryMeta),
    ChanSip(EntryMeta),
    /// chan_sip's end of an entry (`<------------->`, `---`, `--- (N
    /// headers M lines) ---`).
    End,
}

/// `[stamp]` opening a line: the stamp, and what follows the bracket.
fn bracketed_stamp(line: &[u8]) -> Option<(Stamp, &[u8])> {
    let (stamp, rest) = parse_stamp(line.strip_prefix(b"[")?)?;
    Some((stamp, rest.strip_prefix(b"]")?))
}

/// The length of `LEVEL` in the `full` log's `LEVEL[pid]...`: an
/// upper-case word right before a bracket.
fn level_word(rest: &[u8]) -> Option<usize> {
    let word = rest.iter().take_while(|c| c.is_ascii_uppercase()).count();
    (word > 0 && rest.get(word) == Some(&b'[')).then_some(word)
}

/// The length of the prefix a syslog channel of the logger gives a line
/// (main/logger.c, `format_log_default` for `LOGTYPE_SYSLOG`:
/// `"%s[%d]%s: %s:%d in %s: %s"`, the level, the thread, `[C-%08x]` when
/// there is a call, the file, line and function): `VERBOSE[4242][C-
/// 00000001]: res_pjsip_logger.c:143 in logging_on_rx_msg: `. The syslog
/// header before it is a collector's prefix, taken off already.
fn syslog_channel(line: &[u8]) -> Option<usize> {
    let mut r = &line[level_word(line)?..];
    while r.first() == Some(&b'[') {
        r = &r[memchr(b']', r)? + 1..];
    }
    let r = r.strip_prefix(b": ")?;
    // `file.c:143 in function: `
    let (file, after) = r.split_at(memchr(b' ', r)?);
    let (name, no) = file.split_at(memchr(b':', file)?);
    let no = &no[1..];
    if name.is_empty() || no.is_empty() || !no.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let func = after.strip_prefix(b" in ")?;
    let end = memmem::find(func, b": ")?;
    if end == 0 || func[..end].contains(&b' ') {
        return None;
    }
    Some(line.len() - func.len() + end + 2)
}

/// Remove the logger's prefixes: `[stamp] ` and then, in the `full` log,
/// `LEVEL[pid][C-id] file.c: `; or a syslog channel's `LEVEL[pid][C-id]:
/// file.c:N in function: `. Returns the stamp, if any, and the rest.
pub(super) fn strip_prefix(line: &[u8]) -> (Option<Stamp>, &[u8]) {
    let Some((stamp, rest)) = bracketed_stamp(line) else {
        return (None, syslog_channel(line).map_or(line, |n| &line[n..]));
    };
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    if let Some(word) = level_word(rest) {
        let mut r = &rest[word..];
        while r.first() == Some(&b'[') {
            match memchr(b']', r) {
                Some(i) => r = &r[i + 1..],
                None => break,
            }
        }
        if let Some(r) = r.strip_prefix(b" ")
            && let Some(i) = memmem::find(r, b": ")
            && !r[..i].contains(&b' ')
        {
            return (Some(stamp), &r[i + 2..]);
        }
    }
    (Some(stamp), rest)
}

/// A line of Asterisk's `full` log: `[stamp] LEVEL[pid]...` (whatever it
/// says after that).
pub(super) fn is_full_log_line(line: &[u8]) -> bool {
    bracketed_stamp(line)
        .and_then(|(_, rest)| rest.strip_prefix(b" "))
        .and_then(level_word)
        .is_some()
}

/// `TRANSPORT:address` (PJSIP, chan_sip 1.6+) or just `address`.
fn transport_endpoint(b: &[u8]) -> (Transport, Option<super::Endpoint>) {
    if let Some(i) = memchr(b':', b) {
        let name = &b[..i];
        if !name.is_empty()
            && name.iter().all(u8::is_ascii_alphanumeric)
            && name.iter().any(u8::is_ascii_alphabetic)
        {
            let t = transport_of(name);
            if t != Transport::Unknown {
                return (t, parse_endpoint(&b[i + 1..]));
            }
        }
    }
    (Transport::Unknown, parse_endpoint(b))
}

/// The entry marker on a (prefix-free) line, if it is one.
pub(super) fn marker(line: &[u8]) -> Option<Marker> {
    let l = line.trim_ascii();
    if let Some(rest) = l.strip_prefix(b"<--- ") {
        let rest = rest.strip_suffix(b" --->")?;
        // PJSIP: "Received SIP request (N bytes) from T:addr".
        for (lead, incoming) in [(&b"Received SIP "[..], true), (b"Transmitting SIP ", false)] {
            if rest.starts_with(lead) {
                let sep: &[u8] = if incoming { b") from " } else { b") to " };
                let at = memmem::find(rest, sep)? + sep.len();
                let (transport, ep) = transport_endpoint(&rest[at..]);
                return Some(Marker::Pjsip(meta(incoming, transport, ep)));
            }
        }
        // chan_sip: "SIP read from T:addr", "[Reliably ]Transmitting (NAT) to addr".
        if let Some(from) = rest.strip_prefix(b"SIP read from ") {
            let (transport, ep) = transport_endpoint(from);
            return Some(Marker::ChanSip(meta(true, transport, ep)));
        }
        let rest = rest.strip_prefix(b"Reliably ").unwrap_or(rest);
        if rest.starts_with(b"Transmitting (") {
            let at = memmem::find(rest, b") to ")? + 5;
            let (transport, ep) = transport_endpoint(&rest[at..]);
            return Some(Marker::ChanSip(meta(false, transport, ep)));
        }
        return None;
    }
    if l.starts_with(b"<-------------")
        || l == b"---"
        || (l.starts_with(b"--- (") && l.ends_with(b" ---"))
    {
        return Some(Marker::End);
    }
    // chan_sip requests: "[Reliably ]Transmitting (no NAT) to addr:", and
    // every resend of a message sent reliably: "Retransmitting #2 (NAT)
    // to addr:".
    let rest = match l.strip_prefix(b"Retransmitting #") {
        Some(r) => {
            let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || !r[digits..].starts_with(b" (") {
                return None;
            }
            &r[digits + 1..]
        }
        None => l
            .strip_prefix(b"Reliably ")
            .unwrap_or(l)
            .strip_prefix(b"Transmitting ")?,
    };
    if rest.starts_with(b"(") && rest.ends_with(b":") {
        let at = memmem::find(rest, b") to ")? + 5;
        let (transport, ep) = transport_endpoint(&rest[at..rest.len() - 1]);
        return Some(Marker::ChanSip(meta(false, transport, ep)));
    }
    None
}

fn meta(incoming: bool, transport: Transport, ep: Option<super::Endpoint>) -> EntryMeta {
    EntryMeta {
        time_ns: None,
        src: if incoming { ep } else { None },
        dst: if incoming { None } else { ep },
        transport,
    }
}

#[derive(Default)]
pub(super) struct Asterisk {
    /// The stamp of a line that was only a prefix: chan_sip starts its
    /// message with a line end (`"\n<--- SIP read from ..."`), so in the
    /// `full` log the stamp is on the line before the marker.
    bare: Option<Stamp>,
}

impl LogFormat for Asterisk {
    fn line(&mut self, line: &[u8], _no: u64, log: &mut Log, out: &mut Out<'_>) {
        let (stamp, rest) = strip_prefix(line);
        let bare = self.bare.take();
        match marker(rest) {
            Some(Marker::Pjsip(mut m) | Marker::ChanSip(mut m)) => {
                m.time_ns = stamp.or(bare).map(|s| log.time(s));
                log.open(m, out);
            }
            Some(Marker::End) => log.close(out),
            None => {
                // A line of the `full` log that is not part of the message
                // (LEVEL[pid] ... ) ends it; a bare stamp prefix (console)
                // does not.
                if stamp.is_some() && rest.trim_ascii().is_empty() {
                    self.bare = stamp;
                }
                // A syslog channel's line of its own (no stamp: the
                // prefix taken off is its `LEVEL[pid]: file:N in f: `).
                let own = match stamp {
                    Some(_) => is_log_line(line),
                    None => true,
                };
                if rest.len() < line.len() && own {
                    log.close(out);
                    return;
                }
                log.content(rest, out);
            }
        }
    }
}

/// A `full`-log line of its own: `[stamp] LEVEL[...`.
fn is_log_line(line: &[u8]) -> bool {
    let Some(i) = memchr(b']', line) else {
        return false;
    };
    let rest = line[i + 1..].trim_ascii_start();
    let word = rest.iter().take_while(|c| c.is_ascii_uppercase()).count();
    word > 0 && rest.get(word) == Some(&b'[')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let m =
            marker(b"<--- Received SIP request (823 bytes) from UDP:10.0.0.1:5060 --->").unwrap();
        let Marker::Pjsip(m) = m else { panic!() };
        assert_eq!(m.src.unwrap().to_string(), "10.0.0.1:5060");
        assert_eq!(m.transport, Transport::Udp);
        let Marker::Pjsip(m) =
            marker(b"<--- Transmitting SIP response (5 bytes) to TLS:[2001:db8::1]:5061 --->")
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(m.dst.unwrap().to_string(), "[2001:db8::1]:5061");
        assert_eq!(m.transport, Transport::Tls);
        let Marker::ChanSip(m) = marker(b"<--- SIP read from 10.0.0.1:5060 --->").unwrap() else {
            panic!()
        };
        assert_eq!(
            (m.src.unwrap().port, m.transport),
            (5060, Transport::Unknown)
        );
        let Marker::ChanSip(m) =
            marker(b"<--- Reliably Transmitting (no NAT) to 10.0.0.2:5062 --->").unwrap()
        else {
            panic!()
        };
        assert_eq!(m.dst.unwrap().to_string(), "10.0.0.2:5062");
        let Marker::ChanSip(m) = marker(b"Reliably Transmitting (NAT) to 10.0.0.3:5060:").unwrap()
        else {
            panic!()
        };
        assert_eq!(m.dst.unwrap().to_string(), "10.0.0.3:5060");
        // retrans_pkt: 1.4 to 1.6 print "to %s:%d:", later versions the
        // socket address ("to %s:").
        for (line, to) in [
            (
                &b"Retransmitting #1 (no NAT) to 10.0.0.3:5060:"[..],
                "10.0.0.3:5060",
            ),
            (
                b"Retransmitting #12 (NAT) to [2001:db8::1]:5061:",
                "[2001:db8::1]:5061",
            ),
        ] {
            let Some(Marker::ChanSip(m)) = marker(line) else {
                panic!("{line:?}")
            };
            assert_eq!((m.src, m.dst.unwrap().to_string()), (None, to.to_string()));
        }
        for not in [
            &b"Retransmitting # (NAT) to 10.0.0.3:5060:"[..],
            b"Retransmitting #1 to 10.0.0.3:5060:",
            b"Retransmitting #1 transaction 7 on [gw]",
            b"Transmitting x to 10.0.0.3:5060:",
        ] {
            assert_eq!(marker(not), None, "{not:?}");
        }
        assert_eq!(marker(b"<------------->"), Some(Marker::End));
        assert_eq!(marker(b"--- (12 headers 0 lines) ---"), Some(Marker::End));
        assert_eq!(marker(b"Via: SIP/2.0/UDP x"), None);
    }

    #[test]
    fn prefixes() {
        let (s, r) = strip_prefix(
            b"[2024-05-01 10:00:00.123] VERBOSE[4242][C-00000001] res_pjsip_logger.c: <--- x",
        );
        assert!(s.is_some());
        assert_eq!(r, b"<--- x");
        let (s, r) = strip_prefix(b"[Mar 30 13:35:40] Via: SIP/2.0/UDP x");
        assert!(s.is_some());
        assert_eq!(r, b"Via: SIP/2.0/UDP x");
        let (s, r) = strip_prefix(b"[not a time] x");
        assert!(s.is_none());
        assert_eq!(r, b"[not a time] x");
        // A syslog channel's prefix (main/logger.c, format_log_default).
        for (line, rest) in [
            (
                &b"VERBOSE[4242][C-00000001]: res_pjsip_logger.c:143 in logging_on_rx_msg: <--- x"
                    [..],
                &b"<--- x"[..],
            ),
            (b"NOTICE[99]: chan_sip.c:4100 in f: a: b", b"a: b"),
            // Not one: left whole.
            (
                b"NOTICE[99]: chan_sip.c in f: a",
                b"NOTICE[99]: chan_sip.c in f: a",
            ),
            (b"INVITE sip:a@b SIP/2.0", b"INVITE sip:a@b SIP/2.0"),
            (b"VERBOSE[1", b"VERBOSE[1"),
            (b"VERBOSE[1]: x:1 in : y", b"VERBOSE[1]: x:1 in : y"),
        ] {
            assert_eq!(strip_prefix(line), (None, rest), "{line:?}");
        }
    }
}
