//! The prefix a log collector puts before every line of a program's
//! output: `docker logs --timestamps` and `kubectl logs --timestamps` (an
//! RFC 3339 time and a space), the container's name that `kubectl logs
//! --prefix` and `docker compose logs` put before each line (with or
//! without a time after it), and syslog files or `journalctl` output
//! that repeat their header on every line (`Nov 30 10:00:01 pbx1
//! asterisk[1234]: `, or an RFC 3339 time for the high-precision format).
//! A log that holds no SIP the plain way but whose lines nearly all carry
//! one of these is read without it, and a syslog line that holds a whole
//! message with its line ends escaped (`#012`) is unfolded. The prefix's
//! time is the time of an entry whose line has none of its own. A
//! journald entry of several lines, as `journalctl` prints it, has the
//! header on its first line and the others indented by its width: they
//! are read as the entry's lines, without that indentation.
//!
//! A log pasted into a ticket or an e-mail, a tab or the same spaces in
//! front of nearly every line, is read without that indentation in the
//! same way (deeper indentation, a folded header's, stays).

use super::clock::{Stamp, parse_stamp};

/// Which prefix a log's lines carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collector {
    /// A syslog header: a time, the host, the program tag and `: `.
    Syslog,
    /// An RFC 3339 time and a space (docker, kubectl).
    Timestamp,
    /// The name of the container a line came from: `kubectl logs
    /// --prefix` writes `[pod/NAME/CONTAINER] `, `docker compose logs`
    /// writes `NAME  | ` (padded to the longest name); either may have an
    /// RFC 3339 time after it (`--timestamps`).
    Container,
    /// The same indentation, `.1` times the byte `.0` (a tab or a space):
    /// a log pasted into a ticket or an e-mail, indented as a whole.
    Indent(u8, u8),
}

/// Lines looked at to decide, and the share of them that must carry the
/// prefix (nine in ten: a log's own lines between may lack it).
const SAMPLE: usize = 2000;

/// `2026-11-30T10:00:01.123456789Z` (a fraction optional; `Z` or an
/// offset such as `+01:00` or `+0100`): its length and time. Read as the
/// other logs' stamps are ([`parse_stamp`], which takes the zone).
fn rfc3339(l: &[u8]) -> Option<(usize, Stamp)> {
    if l.get(4) != Some(&b'-') || l.get(10) != Some(&b'T') {
        return None;
    }
    match parse_stamp(l)? {
        (s @ Stamp::Epoch(_), rest) => Some((l.len() - rest.len(), s)),
        _ => None,
    }
}

/// `Nov 30 10:00:01` or `Nov  3 10:00:01` (syslog's time, no year;
/// `journalctl` writes `Nov 03`, and `-o short-precise` a fraction): its
/// length and time.
fn bsd_time(l: &[u8]) -> Option<(usize, Stamp)> {
    match parse_stamp(l)? {
        (s @ Stamp::NoYear(..), rest) => Some((l.len() - rest.len(), s)),
        _ => None,
    }
}

/// What a collector's prefix on a line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefix {
    /// Its length: the line's own text starts there.
    pub len: usize,
    /// Its time: exact with an offset, else a local time as the logs'
    /// own stamps are (see [`super::clock`]); none for an indentation.
    pub stamp: Option<Stamp>,
    /// Where the program tag (`asterisk[1234]`, `kernel`) is in the line:
    /// an empty range when the prefix names none.
    /// (start, end).
    pub tag: (usize, usize),
}

impl Prefix {
    /// The program tag in `line` (the line this prefix was read from).
    pub fn tag<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        line.get(self.tag.0..self.tag.1).unwrap_or_default()
    }
}

/// What a prefixed log's reading keeps from line to line.
pub(crate) struct Prefixed {
    /// The prefix.
    pub collector: Collector,
    /// The width of the last syslog header: `journalctl` prints the lines
    /// after the first of a multi-line entry indented by as many spaces.
    width: usize,
    /// The time and program tag of the line being read: of its own
    /// prefix, or of its entry's first line for a continuation line; none
    /// for a line without the prefix.
    stamp: Option<Stamp>,
    tag: Vec<u8>,
    /// The program tag of the line that opened the entry being read
    /// (empty when none): a line of another program inside its message
    /// is not part of it.
    entry_tag: Vec<u8>,
}

impl Prefixed {
    pub fn new(collector: Collector) -> Self {
        Prefixed {
            collector,
            width: 0,
            stamp: None,
            tag: Vec::new(),
            entry_tag: Vec::new(),
        }
    }

    /// Read the next line of the log: its text without the prefix, and
    /// whether the line carried it (a continuation line of a journald
    /// entry does, through the entry's first line). A line without it is
    /// its own text.
    pub fn line<'a>(&mut self, line: &'a [u8]) -> (&'a [u8], bool) {
        if let Some(p) = prefix(self.collector, line) {
            self.stamp = p.stamp;
            self.tag.clear();
            self.tag.extend_from_slice(p.tag(line));
            self.width = if self.collector == Collector::Syslog {
                p.len
            } else {
                0
            };
            return (&line[p.len..], true);
        }
        // `journalctl`'s continuation line (src/shared/logs-show.c,
        // `print_multiline`: `"%*s"` of the prefix's width before each
        // line after the first). A blank line of the message is the
        // spaces alone, or nothing once trailing blanks are trimmed.
        let w = self.width;
        if w > 0 && line.iter().take(w).all(|&c| c == b' ') {
            return (line.get(w..).unwrap_or_default(), true);
        }
        self.stamp = None;
        self.tag.clear();
        (line, false)
    }

    /// The time of the line just read (see [`Prefixed::line`]).
    pub fn stamp(&self) -> Option<Stamp> {
        self.stamp
    }

    /// The line just read is another program's than the open entry's.
    pub fn foreign(&self) -> bool {
        !self.tag.is_empty() && !self.entry_tag.is_empty() && self.tag != self.entry_tag
    }

    /// The line just read opened an entry: its lines are this program's.
    pub fn entered(&mut self) {
        self.entry_tag.clear();
        self.entry_tag.extend_from_slice(&self.tag);
    }
}

/// A syslog header: a time, ` host `, a tag without spaces
/// (`asterisk[1234]`), `: `.
fn syslog(l: &[u8]) -> Option<Prefix> {
    let (t, stamp) = bsd_time(l).or_else(|| rfc3339(l))?;
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
    let tag_at = t + 1 + host + 1;
    Some(Prefix {
        len: tag_at + end + 2,
        stamp: Some(stamp),
        tag: (tag_at, tag_at + end),
    })
}

/// A container's name before its line ([`Collector::Container`]), and an
/// RFC 3339 time after it if there is one.
fn container(l: &[u8]) -> Option<Prefix> {
    let (tag, len) = if l.first() == Some(&b'[') {
        // kubectl: `[pod/NAME/CONTAINER] `, no space inside, a `/`.
        let end = l.iter().take(256).position(|&c| c == b']')?;
        let name = &l[1..end];
        if name.is_empty() || name.contains(&b' ') || !name.contains(&b'/') {
            return None;
        }
        if l.get(end + 1) != Some(&b' ') {
            return None;
        }
        ((1, end), end + 2)
    } else {
        // docker compose: `NAME`, spaces, `| `.
        let end = l
            .iter()
            .take(128)
            .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))?;
        let spaces = l[end..].iter().take_while(|&&c| c == b' ').count();
        if end == 0 || spaces == 0 || l.get(end + spaces..end + spaces + 2) != Some(b"| ") {
            return None;
        }
        ((0, end), end + spaces + 2)
    };
    let stamped = rfc3339(&l[len..]).filter(|&(n, _)| l.get(len + n) == Some(&b' '));
    Some(Prefix {
        len: len + stamped.map_or(0, |(n, _)| n + 1),
        stamp: stamped.map(|(_, s)| s),
        tag,
    })
}

/// The prefix `line` carries, if it carries it.
pub(crate) fn prefix(c: Collector, line: &[u8]) -> Option<Prefix> {
    match c {
        Collector::Syslog => syslog(line),
        Collector::Container => container(line),
        Collector::Timestamp => rfc3339(line)
            .filter(|&(n, _)| line.get(n) == Some(&b' '))
            .map(|(n, stamp)| Prefix {
                len: n + 1,
                stamp: Some(stamp),
                tag: (0, 0),
            }),
        Collector::Indent(byte, n) => {
            let n = usize::from(n);
            (line.len() >= n && line[..n].iter().all(|&c| c == byte)).then_some(Prefix {
                len: n,
                stamp: None,
                tag: (0, 0),
            })
        }
    }
}

/// The indentation nine in ten of the lines that are not blank carry: the
/// run of tabs or spaces that starts the least indented of the indented
/// lines (a whole log pasted with a tab or N spaces in front; deeper
/// indentation, a folded header line's or sofia's own, stays with the
/// line). Lines with no indentation are not looked at for it, but count
/// against the share; and every SIP start line must carry it (a console
/// log whose `    -- ` verbose lines outnumber its SIP, written at the
/// line's start, is not indented as a whole: its folded header lines keep
/// their indentation).
fn indent(lines: &[&[u8]]) -> Option<Collector> {
    let text: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim_ascii().is_empty())
        .collect();
    let (byte, n) = text
        .iter()
        .filter_map(|l| {
            let b = *l.first().filter(|&&b| b == b' ' || b == b'\t')?;
            Some((b, l.iter().take_while(|&&c| c == b).count()))
        })
        .min_by_key(|&(_, n)| n)?;
    let c = Collector::Indent(byte, u8::try_from(n).ok().filter(|&n| n <= 64)?);
    let mut carried = 0;
    for l in &text {
        if prefix(c, l).is_some() {
            carried += 1;
        } else if crate::message::is_start_line(l) {
            return None;
        }
    }
    (carried * 10 >= text.len() * 9).then_some(c)
}

/// The prefix nine in ten of the first lines of `head` carry, if any (a
/// continuation line of a journald entry counts as carrying it), or else
/// an indentation they share (see [`indent`]).
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
    [
        Collector::Syslog,
        Collector::Timestamp,
        Collector::Container,
    ]
    .into_iter()
    .find(|&c| {
        let mut pre = Prefixed::new(c);
        lines.iter().filter(|l| pre.line(l).1).count() * 10 >= lines.len() * 9
    })
    .or_else(|| indent(&lines))
}

/// Every line of `head` without the prefix, a folded syslog line
/// unfolded (see [`unfold`]), a journald entry's continuation lines
/// without their indentation.
pub(crate) fn strip_all(c: Collector, head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    let mut pre = Prefixed::new(c);
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        match unfold(c, line) {
            Some(u) => out.extend_from_slice(&u),
            None => out.extend_from_slice(pre.line(line).0),
        }
    }
    out
}

/// A syslog line that holds a whole multi-line message, as lines.
///
/// rsyslog (by default) writes each control character of a message as `#`
/// and its three octal digits: a line feed `#012`, a carriage return
/// `#015`, a tab `#011`. A SIP message logged whole (Kamailio's or
/// OpenSIPS's `xlog` of `$mb`, Asterisk's SIP logger on a syslog channel)
/// is then one line. This gives that line's lines back, LF-separated and
/// without the header: first the header's time in brackets (`[Nov 30
/// 10:00:01]`, a line the readers take as the time of what follows), then
/// the message from its start line (or Asterisk's `<--- ` marker) on, the
/// log's own words before it dropped; a last line end is its line's end,
/// not a blank line. `None` for a line with no `#012`.
pub(crate) fn unfold(c: Collector, line: &[u8]) -> Option<Vec<u8>> {
    if c != Collector::Syslog {
        return None;
    }
    let n = syslog(line)?.len;
    let content = &line[n..];
    memchr::memmem::find(content, b"#012")?;
    let time = bsd_time(line)
        .or_else(|| rfc3339(line))
        .map_or(0, |(t, _)| t);
    let mut out = Vec::with_capacity(content.len() + time + 3);
    out.push(b'[');
    out.extend_from_slice(&line[..time]);
    out.extend_from_slice(b"]\n");
    let body_at = out.len();
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        // rsyslog leaves a `#` of the text as it is: `#0123456` in a URI
        // (`#31#0123...` dial prefixes) is text, as no line of a SIP
        // message starts with a digit.
        let escaped = (b == b'#')
            .then(|| content.get(i + 1..i + 4))
            .flatten()
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)))
            .filter(|_| !content.get(i + 4).is_some_and(u8::is_ascii_digit))
            .map(|d| (d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'))
            .filter(|&v| v < 0x20 || v == 0x7f);
        match escaped {
            // A CR: the line ends are LF alone here.
            Some(b'\r') => i += 4,
            Some(v) => {
                out.push(v);
                i += 4;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    // rsyslog drops a message's last LF: a last CR was a line end.
    if content.ends_with(b"#015") {
        out.push(b'\n');
    }
    // The first line: from where the message starts in it.
    let first_end = memchr::memchr(b'\n', &out[body_at..]).map_or(out.len(), |e| body_at + e);
    let first = &out[body_at..first_end];
    let cut = (0..first.len())
        .filter(|&p| p == 0 || first[p - 1] == b' ')
        .find(|&p| first[p..].starts_with(b"<--- ") || start_line(&first[p..]));
    if let Some(p) = cut.filter(|&p| p > 0) {
        out.drain(body_at..body_at + p);
    }
    Some(out)
}

/// A start line as a program writes one, strictly (it is looked for
/// inside a line of the log's own words): `SIP/2.0 NNN ...`, or an
/// upper-case method, a URI with its scheme and `SIP/2.0`, and nothing
/// after.
fn start_line(s: &[u8]) -> bool {
    if let Some(code) = s.strip_prefix(b"SIP/2.0 ") {
        return code.len() >= 3
            && code[..3].iter().all(u8::is_ascii_digit)
            && code.get(3).is_none_or(|&c| c == b' ');
    }
    let mut words = s.trim_ascii_end().split(|&c| c == b' ');
    let (Some(method), Some(uri), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return false;
    };
    !method.is_empty()
        && method.iter().all(u8::is_ascii_uppercase)
        && uri.contains(&b':')
        && version == b"SIP/2.0"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(c: Collector, line: &[u8]) -> &[u8] {
        prefix(c, line).map_or(line, |p| &line[p.len..])
    }

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
    fn a_folded_syslog_line_is_unfolded() {
        let cases: [(&[u8], &[u8]); 5] = [
            (
                b"Nov  3 10:00:01 sbc kamailio[9]: in 1.2.3.4: SIP/2.0 200 OK#015#012Via: a#011b #1 #101#015#012#015#012",
                b"[Nov  3 10:00:01]\nSIP/2.0 200 OK\nVia: a\tb #1 #101\n\n",
            ),
            // The same with its last LF dropped (rsyslog's default).
            (
                b"Nov  3 10:00:01 sbc kamailio[9]: SIP/2.0 200 OK#015#012Via: a#015#012#015",
                b"[Nov  3 10:00:01]\nSIP/2.0 200 OK\nVia: a\n\n",
            ),
            // Asterisk's marker starts it; the RFC 3339 time is kept.
            (
                b"2026-11-30T10:00:01.5+00:00 pbx asterisk[1]: VERBOSE[2]: <--- Received SIP request (1 bytes) from UDP:1.2.3.4:5060 --->#012OPTIONS sip:a SIP/2.0",
                b"[2026-11-30T10:00:01.5+00:00]\n<--- Received SIP request (1 bytes) from UDP:1.2.3.4:5060 --->\nOPTIONS sip:a SIP/2.0",
            ),
            // A `#` and digits of the text stay.
            (
                b"Nov  3 10:00:01 sbc kamailio[9]: INVITE sip:#31#0123456@h SIP/2.0#015#012Via: a",
                b"[Nov  3 10:00:01]\nINVITE sip:#31#0123456@h SIP/2.0\nVia: a",
            ),
            // No start line in the first line: kept whole. A lowercase
            // word with a colon before `SIP/2.0` is not a method.
            (
                b"Nov  3 10:00:01 sbc kamailio[9]: from 1.2.3.4: x SIP/2.0#012Via: a",
                b"[Nov  3 10:00:01]\nfrom 1.2.3.4: x SIP/2.0\nVia: a",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(
                unfold(Collector::Syslog, line).as_deref(),
                Some(want),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // Not folded, or not syslog: nothing to do.
        assert_eq!(
            unfold(
                Collector::Syslog,
                b"Nov  3 10:00:01 sbc kamailio[9]: Via: a"
            ),
            None
        );
        assert_eq!(
            unfold(Collector::Timestamp, b"2026-11-30T10:00:01Z a#012b"),
            None
        );
    }

    /// `journalctl` indents a multi-line entry's other lines by the
    /// header's width: they are the entry's, with its time and tag.
    #[test]
    fn a_journald_continuation_line_is_its_entrys() {
        let log: &[&[u8]] = &[
            b"Nov 03 10:00:01 pbx asterisk[7]: first",
            b"                                 Via: x",
            b"                                 ",
            b"",
            b"                                   folded",
            b"Nov 03 10:00:02 pbx systemd[1]: other",
            b"not indented",
        ];
        let mut pre = Prefixed::new(Collector::Syslog);
        let got: Vec<(&[u8], bool, Vec<u8>)> = log
            .iter()
            .map(|l| {
                let (text, carried) = pre.line(l);
                (text, carried, pre.tag.clone())
            })
            .collect();
        let a = b"asterisk[7]".to_vec();
        assert_eq!(
            got,
            [
                (&b"first"[..], true, a.clone()),
                (b"Via: x", true, a.clone()),
                (b"", true, a.clone()),
                (b"", true, a.clone()),
                (b"  folded", true, a),
                (b"other", true, b"systemd[1]".to_vec()),
                (b"not indented", false, Vec::new()),
            ]
        );
        assert_eq!(pre.stamp(), None);
        // They count as carrying the header.
        let head = log[..6].join(&b'\n');
        assert_eq!(detect(&head), Some(Collector::Syslog));
    }

    #[test]
    fn an_indentation_of_nearly_every_line() {
        // The least indented lines give it; deeper ones keep the rest.
        let tab = b"\tINVITE sip:a@b SIP/2.0\n\tVia: x\n\t\tfolded\n\t\n\n\tCSeq: 1 INVITE\n";
        assert_eq!(detect(tab), Some(Collector::Indent(b'\t', 1)));
        let c = Collector::Indent(b' ', 4);
        let four = b"    SIP/2.0 200 OK\n    Via: x\n      folded\n    CSeq: 1 INVITE\n";
        assert_eq!(detect(four), Some(c));
        assert_eq!(
            strip_all(c, four),
            b"SIP/2.0 200 OK\nVia: x\n  folded\nCSeq: 1 INVITE\n"
        );
        // A line in ten without it is allowed, but not a start line: a
        // console log whose indented verbose lines outnumber its SIP.
        let mut console: Vec<u8> = b"SIP/2.0 200 OK\n".to_vec();
        for _ in 0..20 {
            console.extend_from_slice(b"    -- Executing [100@default:1] Dial\n");
        }
        assert_eq!(detect(&console), None);
        // Indentation on half the lines only, or none at all.
        assert_eq!(detect(b"  Via: x\nVia: y\n"), None);
        assert_eq!(detect(b"Via: x\n"), None);
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
