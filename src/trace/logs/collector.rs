//! The prefix a log collector puts before every line of a program's
//! output: `docker logs --timestamps` and `kubectl logs --timestamps` (an
//! RFC 3339 time and a space), and syslog files or `journalctl` output
//! that repeat their header on every line (`Nov 30 10:00:01 pbx1
//! asterisk[1234]: `, or an RFC 3339 time for the high-precision format).
//! A log that holds no SIP the plain way but whose lines nearly all carry
//! one of these is read without it.

use super::clock::{Stamp, parse_stamp};

/// Which prefix a log's lines carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collector {
    /// A syslog header: a time, the host, the program tag and `: `.
    Syslog,
    /// An RFC 3339 time and a space (docker, kubectl).
    Timestamp,
}

/// Lines looked at to decide, and the share of them that must carry the
/// prefix (nine in ten: a log's own lines between may lack it).
const SAMPLE: usize = 2000;

fn digits(l: &[u8], at: usize, n: usize) -> bool {
    l.get(at..at + n)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// `2026-11-30T10:00:01.123456789Z` (a fraction optional; `Z` or an
/// offset such as `+01:00`): its length. The date and time are read as
/// the other logs' stamps are ([`parse_stamp`]).
fn rfc3339(l: &[u8]) -> Option<usize> {
    if l.get(4) != Some(&b'-') || l.get(10) != Some(&b'T') {
        return None;
    }
    let (_, rest) = parse_stamp(l)?;
    let i = l.len() - rest.len();
    match rest.first() {
        Some(b'Z') => Some(i + 1),
        Some(b'+' | b'-') if digits(rest, 1, 2) && rest.get(3) == Some(&b':') => {
            digits(rest, 4, 2).then_some(i + 6)
        }
        _ => None,
    }
}

/// `Nov 30 10:00:01` or `Nov  3 10:00:01` (syslog's time, no year): its
/// length.
fn bsd_time(l: &[u8]) -> Option<usize> {
    match parse_stamp(l)? {
        (Stamp::NoYear(..), rest) => Some(l.len() - rest.len()),
        _ => None,
    }
}

/// The length of a syslog header: a time, ` host `, a tag without spaces
/// (`asterisk[1234]`), `: `.
fn syslog(l: &[u8]) -> Option<usize> {
    let t = bsd_time(l).or_else(|| rfc3339(l))?;
    let rest = l.get(t..)?.strip_prefix(b" ")?;
    let host = rest
        .iter()
        .position(|&c| c == b' ')
        .filter(|&h| h > 0 && h <= 64)?;
    let tag = &rest[host + 1..];
    let end = tag.windows(2).take(64).position(|w| w == b": ")?;
    if end == 0 || tag[..end].contains(&b' ') {
        return None;
    }
    Some(t + 1 + host + 1 + end + 2)
}

/// The length of the prefix `line` carries, if it carries it.
pub(crate) fn prefix_len(c: Collector, line: &[u8]) -> Option<usize> {
    match c {
        Collector::Syslog => syslog(line),
        Collector::Timestamp => rfc3339(line)
            .filter(|&n| line.get(n) == Some(&b' '))
            .map(|n| n + 1),
    }
}

/// `line` without the collector's prefix (as it is when it has none).
pub(crate) fn strip(c: Collector, line: &[u8]) -> &[u8] {
    match prefix_len(c, line) {
        Some(n) => &line[n..],
        None => line,
    }
}

/// The prefix nine in ten of the first lines of `head` carry, if any.
pub(crate) fn detect(head: &[u8]) -> Option<Collector> {
    let lines: Vec<&[u8]> = head
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .take(SAMPLE)
        .collect();
    if lines.is_empty() {
        return None;
    }
    [Collector::Syslog, Collector::Timestamp]
        .into_iter()
        .find(|&c| {
            lines.iter().filter(|l| prefix_len(c, l).is_some()).count() * 10 >= lines.len() * 9
        })
}

/// Every line of `head` without the prefix.
pub(crate) fn strip_all(c: Collector, head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(strip(c, line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let docker = b"2026-11-30T10:00:01.123456789Z INVITE sip:a@b SIP/2.0";
        assert_eq!(
            strip(Collector::Timestamp, docker),
            b"INVITE sip:a@b SIP/2.0"
        );
        let k8s = b"2026-11-30T10:00:01+01:00 Via: x";
        assert_eq!(strip(Collector::Timestamp, k8s), b"Via: x");
        let sys = b"Nov  3 10:00:01 pbx1 asterisk[1234]: Via: SIP/2.0/UDP x";
        assert_eq!(strip(Collector::Syslog, sys), b"Via: SIP/2.0/UDP x");
        let hp = b"2026-11-30T10:00:01.5+00:00 pbx1 kamailio: CSeq: 1 INVITE";
        assert_eq!(strip(Collector::Syslog, hp), b"CSeq: 1 INVITE");
        // Not a prefix: stays.
        for l in [
            &b"2024-05-01 10:00:00.1 [NOTICE] x"[..],
            b"Via: x",
            b"Nov 30 x",
        ] {
            assert_eq!(strip(Collector::Timestamp, l), l);
            assert_eq!(strip(Collector::Syslog, l), l);
        }
    }

    #[test]
    fn detected_only_when_nearly_every_line_has_it() {
        let lines: Vec<String> = (0..20)
            .map(|i| format!("Nov 30 10:00:{i:02} pbx1 asterisk[1]: Via: x{i}"))
            .collect();
        assert_eq!(detect(lines.join("\n").as_bytes()), Some(Collector::Syslog));
        let half: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i % 2 == 0 {
                    l.clone()
                } else {
                    "Via: y".into()
                }
            })
            .collect();
        assert_eq!(detect(half.join("\n").as_bytes()), None);
        assert_eq!(
            detect(b"2026-11-30T10:00:01Z a\n2026-11-30T10:00:02Z b\n"),
            Some(Collector::Timestamp)
        );
        assert_eq!(detect(b""), None);
    }
}
