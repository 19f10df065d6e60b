//! Kamailio's sipdump module, text mode (src/modules/sipdump,
//! `sipdump_data_print` in sipdump_write.c): each message is written
//! verbatim between a block of fields and a closing line:
//!
//! ```text
//! ====================
//! tag: rcv
//! pid: 2113
//! process: 5
//! time: 1700000000.123456
//! date: Tue Nov 14 22:13:20 2023
//! proto: udp ipv4
//! srcip: 10.0.0.1
//! srcport: 5060
//! dstip: 10.0.0.2
//! dstport: 5060
//! ~~~~~~~~~~~~~~~~~~~~
//! INVITE sip:bob@example.com SIP/2.0
//! ...
//! ||||||||||||||||||||
//! ```
//!
//! `time` is seconds and microseconds since the epoch (exact, UTC);
//! `tag` is `rcv` or `snd` (or a name given to `sipdump_send()`). The
//! closing line follows the message's last byte directly, so a message
//! that does not end with a line end has it at the end of its last line.

use super::clock::Stamp;
use super::{EntryMeta, Log, LogFormat, parse_endpoint, transport_of};
use crate::trace::read::packet::Out;

const OPEN: &[u8] = b"====================";
const BODY: &[u8] = b"~~~~~~~~~~~~~~~~~~~~";
const CLOSE: &[u8] = b"||||||||||||||||||||";

/// Two lines that begin an entry.
pub(super) fn is_marker(prev: &[u8], line: &[u8]) -> bool {
    prev == OPEN && line.starts_with(b"tag: ")
}

#[derive(Default)]
pub(super) struct Sipdump {
    /// In the field block of an entry.
    fields: bool,
    meta: EntryMeta,
    src_ip: Option<Vec<u8>>,
    src_port: Option<Vec<u8>>,
    dst_ip: Option<Vec<u8>>,
    dst_port: Option<Vec<u8>>,
}

impl Sipdump {
    fn endpoint(ip: &Option<Vec<u8>>, port: &Option<Vec<u8>>) -> Option<super::Endpoint> {
        let ip = ip.as_deref()?;
        let port = port.as_deref().unwrap_or(b"0");
        let mut s = Vec::with_capacity(ip.len() + port.len() + 3);
        if ip.contains(&b':') {
            s.push(b'[');
            s.extend_from_slice(ip);
            s.push(b']');
        } else {
            s.extend_from_slice(ip);
        }
        s.push(b':');
        s.extend_from_slice(port);
        parse_endpoint(&s)
    }
}

/// `seconds.micros` as nanoseconds since the epoch.
fn epoch(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let (sec, frac) = s.split_once('.').unwrap_or((s, "0"));
    let sec: i64 = sec.parse().ok()?;
    let digits = frac.len().min(9);
    let frac: i64 = if digits == 0 {
        0
    } else {
        frac[..digits].parse().ok()?
    };
    Some(sec.checked_mul(1_000_000_000)? + frac * 10i64.pow(9 - digits as u32))
}

impl LogFormat for Sipdump {
    fn line(&mut self, line: &[u8], _no: u64, log: &mut Log, out: &mut Out<'_>) {
        if line == OPEN {
            log.close(out);
            *self = Sipdump {
                fields: true,
                ..Sipdump::default()
            };
            return;
        }
        if self.fields {
            if line == BODY {
                self.fields = false;
                let mut meta = self.meta;
                meta.src = Self::endpoint(&self.src_ip, &self.src_port);
                meta.dst = Self::endpoint(&self.dst_ip, &self.dst_port);
                log.open(meta, out);
                return;
            }
            let Some((name, value)) = line.split_once_str(b": ") else {
                return;
            };
            match name {
                b"time" => self.meta.time_ns = epoch(value).map(|ns| log.time(Stamp::Epoch(ns))),
                b"proto" => {
                    let proto = value.split(|&c| c == b' ').next().unwrap_or(b"");
                    self.meta.transport = transport_of(proto);
                }
                b"srcip" => self.src_ip = Some(value.to_vec()),
                b"srcport" => self.src_port = Some(value.to_vec()),
                b"dstip" => self.dst_ip = Some(value.to_vec()),
                b"dstport" => self.dst_port = Some(value.to_vec()),
                _ => {}
            }
            return;
        }
        if !log.open {
            return;
        }
        match line.strip_suffix(CLOSE) {
            Some(last) => {
                if !last.is_empty() {
                    log.content(last, out);
                }
                log.close(out);
            }
            None => log.content(line, out),
        }
    }
}

/// `split_once` for byte slices on a separator.
trait SplitOnceStr {
    fn split_once_str(&self, sep: &[u8]) -> Option<(&[u8], &[u8])>;
}

impl SplitOnceStr for [u8] {
    fn split_once_str(&self, sep: &[u8]) -> Option<(&[u8], &[u8])> {
        let i = memchr::memmem::find(self, sep)?;
        Some((&self[..i], &self[i + sep.len()..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_times() {
        assert_eq!(epoch(b"1700000000.123456"), Some(1_700_000_000_123_456_000));
        assert_eq!(epoch(b"5"), Some(5_000_000_000));
        assert_eq!(epoch(b"x.1"), None);
    }
}
