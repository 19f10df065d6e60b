//! Text logs: PBX and tool logs with SIP messages in them, read line by
//! line. Each format finds where its entries start and what they say
//! (time, addresses, direction); the SIP text itself is put back together
//! by one [`MsgBuilder`] (CRLF line ends, body framed by Content-Length),
//! so everything after this layer is the same as for captures.
//!
//! `frame` in a [`Record`] is the 1-based number of the entry (the SIP
//! message) in the log.

mod asterisk;
pub(crate) mod clock;
mod collector;
mod ngrep;
mod raw;
mod sipdump;
mod sngrep;
mod sofia;

pub(crate) use clock::Clock;

use crate::message::is_start_line;
use crate::sanitize::without_csi;
use crate::trace::read::packet::Out;
use crate::trace::read::sip;
use crate::trace::read::source::{CHUNK, Source};
use crate::trace::{Endpoint, Format, Record, Transport};
use memchr::memchr;
use std::io;
use std::net::IpAddr;

/// Lines longer than this are cut (and the cut reported); no SIP header
/// line is anywhere near it.
const MAX_LINE: usize = 1 << 20;

/// A SIP message put together from a log is at most this large; beyond it
/// the rest is dropped and reported (bounds memory on a runaway body).
pub(crate) const MAX_MESSAGE: usize = 1 << 20;

/// Guess the text format of `head` (the first bytes of the input). `None`
/// when it is not text or holds no SIP message a reader could find.
///
/// The most specific format whose entry marker appears wins; a log with
/// only bare SIP messages is raw. A log whose lines all carry a log
/// collector's prefix (docker, syslog) is looked at without it.
pub(crate) fn detect(head: &[u8]) -> Option<Format> {
    detect_with_collector(head).0
}

/// The collector prefix to take off each line of a log (see [`detect`]).
fn collector_of(head: &[u8]) -> Option<collector::Collector> {
    detect_with_collector(head).1
}

/// The format of `head` and the collector's prefix its lines carry. The
/// prefix is taken off when the log holds no SIP without it, or only bare
/// SIP messages (a journald entry's continuation lines hold its message
/// unprefixed, so the log looks raw) and the lines without it say more.
/// An indentation nearly every line shares is taken off whatever the
/// format (a chan_sip log pasted with a tab is found by its markers, but
/// its header lines would read as folded), except in sofia's trace, which
/// indents its messages itself. When nothing is found either way, a
/// prefix nine lines in ten carry is still given, for a format named with
/// `--format`.
fn detect_with_collector(head: &[u8]) -> (Option<Format>, Option<collector::Collector>) {
    let plain = detect_plain(head);
    let Some(c) = collector::detect(head) else {
        return (plain, None);
    };
    let indent = matches!(c, collector::Collector::Indent(..));
    if plain.is_some_and(|f| f != Format::Raw && (!indent || f == Format::Sofia)) {
        return (plain, None);
    }
    match detect_plain(&collector::strip_all(c, head)) {
        Some(f) => (Some(f), Some(c)),
        None if plain.is_none() => (None, Some(c)),
        None => (plain, None),
    }
}

fn detect_plain(head: &[u8]) -> Option<Format> {
    if !looks_like_text(head) {
        return None;
    }
    let plain;
    let head = if memchr(0x1b, head).is_some() {
        plain = without_csi(head);
        &plain[..]
    } else {
        head
    };
    let mut pjsip = 0usize;
    let mut chan_sip = 0usize;
    let mut raw = false;
    // Lines of Asterisk's `full` log, among the non-empty ones.
    let (mut full, mut lines) = (0usize, 0usize);
    let mut prev: &[u8] = b"";
    for line in head.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            lines += 1;
            full += usize::from(asterisk::is_full_log_line(line));
        }
        if sipdump::is_marker(prev, line) {
            return Some(Format::Sipdump);
        }
        if sofia::marker(line).is_some() {
            return Some(Format::Sofia);
        }
        match asterisk::marker(asterisk::strip_prefix(line).1) {
            Some(asterisk::Marker::Pjsip(_)) => pjsip += 1,
            Some(asterisk::Marker::ChanSip(_)) => chan_sip += 1,
            _ => {}
        }
        if pjsip + chan_sip == 0 {
            if sngrep::marker(prev).is_some() && is_start_line(line) {
                return Some(Format::Sngrep);
            }
            if ngrep::marker(prev).is_some() && is_start_line(ngrep::unescape(line, true)) {
                return Some(Format::Ngrep);
            }
        }
        raw |= is_start_line(line);
        prev = line;
    }
    if pjsip + chan_sip > 0 {
        return Some(if pjsip >= chan_sip {
            Format::Pjsip
        } else {
            Format::ChanSip
        });
    }
    // An Asterisk `full` log whose SIP logging starts later than the
    // window looked at (`pjsip set logger on` turned on during the day):
    // its reader reads PJSIP and chan_sip entries alike.
    if lines >= FULL_LOG_LINES && full * 10 >= lines * 9 {
        return Some(Format::Pjsip);
    }
    raw.then_some(Format::Raw)
}

/// Lines (at least) that tell an Asterisk `full` log without SIP in the
/// window looked at: nine in ten of them with its prefix.
const FULL_LOG_LINES: usize = 20;

/// Text, as far as the first 64 KiB tell: four bytes in five (runs of 64
/// NULs or more left out) in lines free of control characters. A log may
/// hold a few binary lines (an ISUP body of SIP-T, a line of garbage) and
/// start with a hole of NULs (a file truncated by `logrotate
/// copytruncate` while its writer went on at its old offset); a binary
/// file has control bytes all through, in nearly every line.
pub(crate) fn looks_like_text(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(64 << 10)];
    let (mut total, mut clean) = (0usize, 0usize);
    for line in sample.split_inclusive(|&c| c == b'\n') {
        let (mut len, mut bad, mut nuls) = (0usize, false, 0usize);
        for &c in line {
            if c == 0 {
                nuls += 1;
                continue;
            }
            if nuls > 0 && nuls < 64 {
                (len, bad) = (len + nuls, true);
            }
            nuls = 0;
            len += 1;
            bad |= c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t' | 0x1b | 0x0c);
        }
        if nuls > 0 && nuls < 64 {
            (len, bad) = (len + nuls, true);
        }
        total += len;
        if !bad {
            clean += len;
        }
    }
    total > 0 && clean * 5 >= total * 4
}

/// Read a text log of a known format. `reference` is the time (ns since
/// the epoch) that year-less and date-less stamps are placed by, and what
/// it is (see [`clock`]).
pub(crate) fn read(
    format: Format,
    src: &mut Source<'_>,
    out: &mut Out<'_>,
    reference: (i64, &'static str),
    progress: &mut dyn FnMut(&Source<'_>, &mut Out<'_>),
) -> io::Result<u64> {
    let mut log = Log {
        em: Emitter::new(),
        clock: Clock::new(reference.0, reference.1),
        entry: EntryMeta::default(),
        open: false,
        opens: 0,
        prefix_stamp: None,
    };
    // One clock's local stamps, written as the messages went (an sngrep
    // export is grouped by call, sofia mixes UTC and local stamps).
    log.clock.in_order = matches!(format, Format::Pjsip | Format::ChanSip | Format::Ngrep);
    let mut reader = reader(format);
    let prefix = collector_of(src.data());
    let mut prefixed = prefix.map(collector::Prefixed::new);
    if let Some(lead) = look_ahead(format, src.data(), src.at_eof(), prefix, reference) {
        log.clock.expect(&lead);
    }
    if let Some(c) = prefix {
        use collector::Collector;
        let what = match c {
            Collector::Syslog => "a syslog header (time, host, program)".to_string(),
            Collector::Timestamp => "a log collector's time stamp (docker, kubectl)".to_string(),
            Collector::Container => {
                "a container's name (kubectl logs --prefix, docker compose logs)".to_string()
            }
            Collector::Indent(byte, n) => format!(
                "the same indentation ({n} {}{})",
                if byte == b'\t' { "tab" } else { "space" },
                if n == 1 { "" } else { "s" }
            ),
        };
        out.problem(
            None,
            format!("every line carries {what}; it is taken off before reading"),
        );
    }
    // Start lines this format's reader took no message from (another
    // format's entries in the same input): how many, and the first.
    let mut stray = (0u64, 0u64);
    let mut last_line = 0;
    for_each_line(
        src,
        out,
        &mut |line, no, out| {
            last_line = no;
            if feed(prefixed.as_mut(), line, no, &mut *reader, &mut log, out) {
                stray.0 += 1;
                if stray.1 == 0 {
                    stray.1 = no;
                }
            }
            for note in log.clock.notes.drain(..) {
                out.problem(None, note);
            }
        },
        progress,
    )?;
    reader.finish(&mut log, out);
    if log.em.msg.in_headers() && !log.em.msg.ends_without_body() {
        let entry = log.em.entries;
        out.problem(
            Some(entry),
            format!(
                "the log ends at line {last_line}, inside the headers of SIP message {entry}: \
                 it was cut there; the headers it has are read"
            ),
        );
    }
    log.close(out);
    if stray.0 > 0 {
        let (n, first) = stray;
        out.problem(
            None,
            format!(
                "{n} {} like the start of a SIP message outside the {} entries read here \
                 (the first at line {first}): the input seems to mix log formats, and those \
                 messages were not read; give each part as an input of its own",
                if n == 1 { "line looks" } else { "lines look" },
                crate::trace::read::format_name(format)
            ),
        );
    }
    if !reader.said_untimed() {
        untimed_note(&log.em, reader.time_hint(), out);
    }
    Ok(log.em.entries)
}

/// A log whose SIP messages have no time (ngrep without `-t`, Asterisk's
/// console without timestamps, messages pasted from a ticket) gets one
/// problem line saying so and what it costs; one whose messages lack a
/// time only here and there, one line counting them, at the first.
/// `hint` says how the program prints times.
fn untimed_note(em: &Emitter, hint: Option<&str>, out: &mut Out<'_>) {
    let Some(first) = em.first_untimed else {
        return;
    };
    if em.timed == 0 {
        let hint = hint.map(|h| format!(" ({h})")).unwrap_or_default();
        out.problem(
            None,
            format!(
                "the log gives its SIP messages no time{hint}: call timings, the post-dial \
                 delay and timeouts cannot be measured (a call with no final response stays \
                 pending)"
            ),
        );
    } else {
        let total = em.timed + em.untimed;
        out.problem(
            Some(first),
            format!(
                "{} of the log's {total} SIP messages have no time, the first of them this \
                 one: the timings and timeouts that involve them cannot be measured",
                em.untimed
            ),
        );
    }
}

/// Hand a line of the input to `reader`: without the log collector's
/// prefix when every line has one, or unfolded into the lines it holds.
/// True when a line that starts a SIP message began none (the reader
/// took it for no entry of its format).
fn feed(
    prefix: Option<&mut collector::Prefixed>,
    line: &[u8],
    no: u64,
    reader: &mut dyn LogFormat,
    log: &mut Log,
    out: &mut Out<'_>,
) -> bool {
    let mut stray = false;
    let mut offer = |line: &[u8], reader: &mut dyn LogFormat, log: &mut Log, out: &mut Out<'_>| {
        let begun = log.em.entries;
        reader.line(line, no, log, out);
        stray |= log.em.entries == begun
            && !log.em.msg.active()
            && is_start_line(line.trim_ascii_start());
    };
    let Some(pre) = prefix else {
        offer(line, reader, log, out);
        return stray;
    };
    let c = pre.collector;
    let (text, carried) = pre.line(line);
    // Another program's line inside a message (journald and
    // /var/log/syslog interleave all programs: `systemd[1]: Started ...`
    // between two header lines) is not part of it: skipped, so that it
    // neither joins the message nor ends it. One that starts a SIP
    // message is another program logging SIP on the same host (Kamailio
    // beside Asterisk): a message of its own, whose lines are that
    // program's (the message before it ends, as a start line ends one in
    // any log: journald keeps no blank line at the end of an entry, so a
    // message without a body may still be open).
    if pre.foreign() {
        if is_start_line(text.trim_ascii_start()) {
            pre.entered();
        } else if log.em.msg.active() {
            return false;
        }
    }
    let opens = log.opens;
    log.prefix_stamp = pre.stamp();
    let unfolded = if carried {
        collector::unfold(c, line)
    } else {
        None
    };
    let lines: &mut dyn Iterator<Item = &[u8]> = match &unfolded {
        // The last line end ends the last line (a blank line is two).
        Some(u) => &mut u.strip_suffix(b"\n").unwrap_or(u).split(|&c| c == b'\n'),
        None => &mut std::iter::once(text),
    };
    for line in lines {
        offer(line, reader, log, out);
    }
    if log.opens != opens {
        pre.entered();
    }
    // A syslog line held the whole entry: it ends here, even when rsyslog
    // cut the line short (8 KB by default), so that the next line's time
    // is not read as its body.
    if unfolded.is_some() {
        if log.em.msg.in_headers() {
            out.problem(
                Some(no),
                format!(
                    "line {no} ends inside the headers of the SIP message it holds: the syslog \
                     line was cut short (rsyslog keeps 8 KB of a line by default)"
                ),
            );
        }
        log.close(out);
    }
    stray
}

/// For a format whose stamps can be a time of day alone: the log's first
/// dated line in `head` (the bytes detection looked at, `whole` when they
/// are the whole input) and the time-only stamps before it, so that those
/// take their date from that line rather than from the file's date (a
/// FreeSWITCH log whose first lines are sofia's trace: rotated, or cut
/// with `tail`). The head is read as the log will be, line by line by a
/// reader of its own whose messages go nowhere, until the first dated
/// line. `None` when there is none in the head.
fn look_ahead(
    format: Format,
    head: &[u8],
    whole: bool,
    prefix: Option<collector::Collector>,
    reference: (i64, &'static str),
) -> Option<clock::Lead> {
    let mut reader = reader(format);
    if !reader.time_only() {
        return None;
    }
    let mut log = Log {
        em: Emitter::new(),
        clock: Clock::scout(reference.0, reference.1),
        entry: EntryMeta::default(),
        open: false,
        opens: 0,
        prefix_stamp: None,
    };
    struct Nowhere;
    impl crate::trace::Sink for Nowhere {
        fn record(&mut self, _: Record<'_>) {}
        fn problem(&mut self, _: crate::trace::Problem) {}
    }
    let mut nowhere = Nowhere;
    let mut out = Out::new(0, &mut nowhere);
    // A last line without its line end is cut short, unless the input
    // ends there.
    let head = if whole {
        head
    } else {
        &head[..=memchr::memrchr(b'\n', head)?]
    };
    let head = head.strip_suffix(b"\n").unwrap_or(head);
    let esc = memchr(0x1b, head).is_some();
    let mut prefixed = prefix.map(collector::Prefixed::new);
    for (no, line) in (1..).zip(head.split(|&c| c == b'\n')) {
        let line = strip_cr(line);
        let line = &line[..line.len().min(MAX_LINE)];
        plain_line(line, esc, |line| {
            feed(
                prefixed.as_mut(),
                line,
                no,
                &mut *reader,
                &mut log,
                &mut out,
            );
        });
        if log.clock.dated() {
            break;
        }
    }
    log.clock.lead()
}

/// A text format's reader: sees every line, decides where entries start
/// and what they say, and hands message lines to the [`Log`].
trait LogFormat {
    fn line(&mut self, line: &[u8], no: u64, log: &mut Log, out: &mut Out<'_>);
    /// The input has ended.
    fn finish(&mut self, _log: &mut Log, _out: &mut Out<'_>) {}
    /// Its stamps can be a time of day alone, dated by the log's other
    /// lines (see [`look_ahead`]).
    fn time_only(&self) -> bool {
        false
    }
    /// It has said why its messages have no time (ngrep's `-T` deltas):
    /// no other line is needed.
    fn said_untimed(&self) -> bool {
        false
    }
    /// How the program is made to print times, for a log without them.
    fn time_hint(&self) -> Option<&'static str> {
        None
    }
}

/// The reader for a text format.
fn reader(format: Format) -> Box<dyn LogFormat> {
    match format {
        Format::Pjsip | Format::ChanSip => Box::<asterisk::Asterisk>::default(),
        Format::Sofia => Box::new(sofia::Sofia::default()),
        Format::Sipdump => Box::new(sipdump::Sipdump::default()),
        Format::Sngrep => Box::new(sngrep::Sngrep),
        Format::Ngrep => Box::new(ngrep::Ngrep::default()),
        _ => Box::new(raw::Raw::default()),
    }
}

/// The state every text reader shares: the message being put together,
/// the entry it belongs to, and the clock.
pub(crate) struct Log {
    pub em: Emitter,
    pub clock: Clock,
    /// What the open entry says about its message.
    pub entry: EntryMeta,
    /// An entry is open: its lines are message lines.
    pub open: bool,
    /// Entries opened so far.
    opens: u64,
    /// The time a log collector's prefix gave the line being read (see
    /// [`feed`]): an entry that a line opens without a time of its own
    /// takes it.
    prefix_stamp: Option<clock::Stamp>,
}

impl Log {
    /// An entry begins (the one before ends). Without a time of its own
    /// it takes the time of the collector's prefix on its line, if any
    /// (the log's own is kept when there is one: it is the writer's, and
    /// often finer).
    pub fn open(&mut self, mut entry: EntryMeta, out: &mut Out<'_>) {
        self.close(out);
        if entry.time_ns.is_none() {
            entry.time_ns = self.prefix_stamp.map(|s| self.clock.resolve(s));
        }
        self.entry = entry;
        self.open = true;
        self.opens += 1;
    }

    /// The open entry ends: hand on its message.
    pub fn close(&mut self, out: &mut Out<'_>) {
        self.em.emit(&self.entry, out);
        self.open = false;
    }

    /// A line of the open entry's message. Lines before the start line
    /// are skipped; a second start line begins another message of the
    /// same entry.
    pub fn content(&mut self, line: &[u8], out: &mut Out<'_>) {
        if !self.open {
            return;
        }
        if self.em.msg.active() {
            match self.em.msg.feed(line) {
                Feed::Taken => return,
                Feed::Done => {
                    self.em.emit(&self.entry, out);
                    return;
                }
                Feed::NotMine => self.em.emit(&self.entry, out),
            }
        }
        if is_start_line(line) {
            self.em.begin(line.trim_ascii_start());
        }
    }

    /// A time stamp, resolved by the clock rules.
    pub fn time(&mut self, stamp: clock::Stamp) -> i64 {
        self.clock.resolve(stamp)
    }
}

/// `1.2.3.4:5060`, `[2001:db8::1]:5060` or `2001:db8::1:5060` (the last
/// colon starts the port), or an address alone (port 0).
pub(crate) fn parse_endpoint(b: &[u8]) -> Option<Endpoint> {
    let s = std::str::from_utf8(b).ok()?.trim();
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(Endpoint {
            ip: sa.ip(),
            port: sa.port(),
        });
    }
    // Without brackets the last colon starts the port (sngrep and ngrep
    // print IPv6 that way), before trying the whole as an address.
    if let Some((ip, port)) = s.rsplit_once(':')
        && let (Ok(ip), Ok(port)) = (ip.trim_matches(['[', ']']).parse::<IpAddr>(), port.parse())
    {
        return Some(Endpoint { ip, port });
    }
    let ip = s.trim_matches(['[', ']']).parse::<IpAddr>().ok()?;
    Some(Endpoint { ip, port: 0 })
}

/// A transport name as logs write it (`UDP`, `tcp`, `TLS6`, `wss`...).
pub(crate) fn transport_of(name: &[u8]) -> Transport {
    let name = name.strip_suffix(b"6").unwrap_or(name);
    match name.to_ascii_lowercase().as_slice() {
        b"udp" => Transport::Udp,
        b"tcp" => Transport::Tcp,
        b"tls" => Transport::Tls,
        b"ws" => Transport::Ws,
        b"wss" => Transport::Wss,
        b"sctp" => Transport::Sctp,
        _ => Transport::Unknown,
    }
}

/// `f` on `line` without terminal control sequences (see [`without_csi`]),
/// looked for only when `esc` says its window of the input holds an ESC.
fn plain_line<R>(line: &[u8], esc: bool, f: impl FnOnce(&[u8]) -> R) -> R {
    if esc && memchr(0x1b, line).is_some() {
        f(&without_csi(line))
    } else {
        f(line)
    }
}

/// Call `f` for each line of the input (without its CR LF and without
/// terminal control sequences, see [`without_csi`]), numbered from 1.
fn for_each_line(
    src: &mut Source<'_>,
    out: &mut Out<'_>,
    f: &mut dyn FnMut(&[u8], u64, &mut Out<'_>),
    progress: &mut dyn FnMut(&Source<'_>, &mut Out<'_>),
) -> io::Result<()> {
    // `esc`: the window holds an ESC somewhere (looked for once per
    // window, not once per line: nearly every log has none).
    let f = &mut |line: &[u8], no: u64, out: &mut Out<'_>, esc: bool| {
        plain_line(line, esc, |line| f(line, no, out));
    };
    let mut no = 0u64;
    loop {
        if src.fill(1)? == 0 {
            return Ok(());
        }
        let data = src.data();
        let esc = memchr(0x1b, data).is_some();
        let mut start = 0;
        while let Some(i) = memchr(b'\n', &data[start..]) {
            no += 1;
            f(strip_cr(&data[start..start + i]), no, out, esc);
            start += i + 1;
        }
        if start > 0 {
            src.consume(start);
        } else if src.at_eof() {
            no += 1;
            f(strip_cr(data), no, out, esc);
            let n = data.len();
            src.consume(n);
        } else if data.len() >= MAX_LINE {
            no += 1;
            out.problem(
                Some(no),
                format!("line {no} is longer than {MAX_LINE} bytes; it was cut"),
            );
            f(&data[..MAX_LINE], no, out, esc);
            src.consume(MAX_LINE);
            // Skip the rest of the overlong line.
            loop {
                let n = src.fill(1)?;
                if n == 0 {
                    return Ok(());
                }
                match memchr(b'\n', src.data()) {
                    Some(i) => {
                        src.consume(i + 1);
                        break;
                    }
                    None => src.consume(n),
                }
            }
        } else {
            let want = data.len() + CHUNK;
            src.fill(want)?;
        }
        progress(src, out);
    }
}

/// A line without its line-end CRs: one, or several (a CRLF log copied
/// through a tool that turned each LF into CRLF again).
fn strip_cr(line: &[u8]) -> &[u8] {
    let mut l = line;
    while let Some(rest) = l.strip_suffix(b"\r") {
        l = rest;
    }
    l
}

/// Is `line` a header field line (`Name: value`) or a folded continuation?
pub(crate) fn is_header_line(line: &[u8]) -> bool {
    match line.first() {
        None => false,
        Some(b' ' | b'\t') => true,
        Some(_) => {
            let Some(colon) = memchr(b':', line) else {
                return false;
            };
            let name = line[..colon].trim_ascii_end();
            !name.is_empty()
                && name
                    .iter()
                    .all(|&c| crate::message::headers::is_token_char(c))
        }
    }
}

/// What a log says about one message besides its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EntryMeta {
    pub time_ns: Option<i64>,
    pub src: Option<Endpoint>,
    pub dst: Option<Endpoint>,
    pub transport: Transport,
}

/// Where a message being put together is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Headers,
    /// In the body; `want` bytes of it when Content-Length said so.
    Body {
        header_end: usize,
        want: Option<usize>,
    },
}

/// What [`MsgBuilder::feed`] did with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feed {
    /// The line belongs to the message; more may follow.
    Taken,
    /// The line completed the message.
    Done,
    /// The line is not part of the message, which ended before it.
    NotMine,
}

/// Puts a SIP message back together from log lines: CRLF line ends, the
/// body cut at Content-Length.
pub(crate) struct MsgBuilder {
    buf: Vec<u8>,
    state: State,
    cut: bool,
    /// Blank lines in a body shorter than its Content-Length so far, not
    /// yet added: body when more of it follows, else what the log wrote
    /// after the message (the line end res_pjsip_logger.c prints after
    /// the packet, a blank line between pasted messages).
    blanks: usize,
}

impl MsgBuilder {
    fn new() -> Self {
        MsgBuilder {
            buf: Vec::with_capacity(4096),
            state: State::Idle,
            cut: false,
            blanks: 0,
        }
    }

    /// A message is being put together.
    pub fn active(&self) -> bool {
        self.state != State::Idle
    }

    /// Start a message with its start line.
    pub fn begin(&mut self, start_line: &[u8]) {
        self.buf.clear();
        self.cut = false;
        self.blanks = 0;
        self.state = State::Headers;
        self.push(start_line);
    }

    fn push(&mut self, line: &[u8]) {
        if self.buf.len() + line.len() + 2 > MAX_MESSAGE {
            self.cut = true;
            return;
        }
        self.buf.extend_from_slice(line);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Offer the next line of the message.
    pub fn feed(&mut self, line: &[u8]) -> Feed {
        match self.state {
            State::Idle => Feed::NotMine,
            State::Headers => {
                if line.trim_ascii().is_empty() {
                    self.buf.extend_from_slice(b"\r\n");
                    let head = sip::scan_head(&self.buf);
                    let header_end = head.map_or(self.buf.len(), |h| h.end);
                    let want = head.and_then(|h| h.content_length);
                    if want == Some(0) {
                        return Feed::Done;
                    }
                    self.state = State::Body { header_end, want };
                    Feed::Taken
                } else if is_header_line(line) {
                    self.push(line);
                    Feed::Taken
                } else if looks_like_body(line) {
                    // Headers that end without their blank line (a log
                    // that dropped it): the body starts here.
                    self.buf.extend_from_slice(b"\r\n");
                    let head = sip::scan_head(&self.buf);
                    let header_end = head.map_or(self.buf.len(), |h| h.end);
                    let want = head.and_then(|h| h.content_length);
                    self.state = State::Body { header_end, want };
                    self.feed(line)
                } else {
                    Feed::NotMine
                }
            }
            State::Body { header_end, want } => match want {
                Some(want) => {
                    // A start line ends the message, unless it opens a body
                    // that is itself a SIP fragment (the sipfrag of a NOTIFY
                    // about a REFER, RFC 3515 §2.4.5: `SIP/2.0 200 OK`).
                    if is_start_line(line)
                        && !(self.buf.len() == header_end
                            && line.starts_with(b"SIP/")
                            && line.len() <= want
                            && carries_sip_fragment(&self.buf[..header_end]))
                    {
                        return Feed::NotMine;
                    }
                    let end = header_end + want;
                    if line.is_empty() && self.buf.len() + 2 * (self.blanks + 1) < end {
                        self.blanks += 1;
                        return Feed::Taken;
                    }
                    for _ in 0..std::mem::take(&mut self.blanks) {
                        self.push(b"");
                    }
                    self.push(line);
                    if self.buf.len() >= end {
                        // A body whose last line ends in a bare LF (the
                        // log shows no line ends): one byte over, the CR.
                        if self.buf.len() == end + 1 && self.buf.ends_with(b"\r\n") {
                            self.buf.remove(end - 1);
                        }
                        self.buf.truncate(header_end + want);
                        Feed::Done
                    } else {
                        Feed::Taken
                    }
                }
                None => {
                    if line.trim_ascii().is_empty() || is_start_line(line) {
                        Feed::NotMine
                    } else {
                        self.push(line);
                        Feed::Taken
                    }
                }
            },
        }
    }

    /// The message so far, and whether it was cut at [`MAX_MESSAGE`]; the
    /// builder is idle afterwards.
    pub fn take(&mut self) -> (&[u8], bool) {
        self.state = State::Idle;
        self.blanks = 0;
        (&self.buf, self.cut)
    }

    /// The message being built has had no blank line yet.
    pub fn in_headers(&self) -> bool {
        self.state == State::Headers
    }

    /// The headers so far say the message has no body (`Content-Length:
    /// 0`): a log that ends on them may only have left out the blank line
    /// after them (journald keeps none at the end of an entry).
    fn ends_without_body(&self) -> bool {
        sip::scan_head(&[&self.buf[..], b"\r\n"].concat())
            .is_some_and(|h| h.content_length == Some(0))
    }

    /// Bytes of body still missing for the Content-Length of the message
    /// being built (0 when complete or when there is none to go by).
    pub fn missing(&self) -> usize {
        match self.state {
            State::Body {
                header_end,
                want: Some(want),
            } if !self.cut => (header_end + want).saturating_sub(self.buf.len()),
            _ => 0,
        }
    }
}

/// Whether a message's headers say its body is SIP itself: a Content-Type
/// (or its compact form `c`) of `message/sipfrag` or `message/sip`.
fn carries_sip_fragment(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n').any(|l| {
        let Some(colon) = memchr(b':', l) else {
            return false;
        };
        let name = l[..colon].trim_ascii();
        let value = l[colon + 1..].trim_ascii_start();
        let media = value
            .split(|&c| c == b';')
            .next()
            .unwrap_or(value)
            .trim_ascii();
        (name.eq_ignore_ascii_case(b"content-type") || name.eq_ignore_ascii_case(b"c"))
            && (media.eq_ignore_ascii_case(b"message/sipfrag")
                || media.eq_ignore_ascii_case(b"message/sip"))
    })
}

/// An SDP line (`v=0`) where a header was expected.
fn looks_like_body(line: &[u8]) -> bool {
    line.len() >= 2 && line[0].is_ascii_lowercase() && line[1] == b'='
}

/// Numbers entries and hands finished messages to the sink.
pub(crate) struct Emitter {
    pub msg: MsgBuilder,
    pub entries: u64,
    frame: u64,
    /// Messages handed on with a time, and without one (the first of
    /// those: its entry number).
    timed: u64,
    untimed: u64,
    first_untimed: Option<u64>,
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            msg: MsgBuilder::new(),
            entries: 0,
            frame: 0,
            timed: 0,
            untimed: 0,
            first_untimed: None,
        }
    }

    /// Start a message; its entry number is the next one.
    pub fn begin(&mut self, start_line: &[u8]) {
        self.entries += 1;
        self.msg.begin(start_line);
    }

    /// Hand the message being built to the sink (if one is being built).
    pub fn emit(&mut self, meta: &EntryMeta, out: &mut Out<'_>) {
        if !self.msg.active() {
            return;
        }
        let entry = self.entries;
        let missing = self.msg.missing();
        if missing > 0 {
            out.problem(
                Some(entry),
                format!(
                    "SIP message {entry} ends {missing} bytes short of its Content-Length: the \
                     log was cut inside it or lines of it are missing"
                ),
            );
        }
        let (sip, cut) = self.msg.take();
        if cut {
            out.problem(
                Some(entry),
                format!(
                    "SIP message {entry} is larger than {MAX_MESSAGE} bytes; the rest was dropped"
                ),
            );
        }
        self.frame = entry;
        if meta.time_ns.is_some() {
            self.timed += 1;
        } else {
            self.untimed += 1;
            self.first_untimed.get_or_insert(entry);
        }
        out.record(Record {
            file: out.file,
            frame: entry,
            frames: std::slice::from_ref(&self.frame),
            time_ns: meta.time_ns,
            src: meta.src,
            dst: meta.dst,
            transport: meta.transport,
            interface: 0,
            payload: sip,
            datagram: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        assert!(is_header_line(b"Via: SIP/2.0/UDP x"));
        assert!(is_header_line(b"v : x"));
        assert!(is_header_line(b"  folded"));
        assert!(!is_header_line(b"[Dec 1 10:00:00] NOTICE: x"));
        assert!(!is_header_line(b"no colon"));
        assert!(!is_header_line(b""));
    }

    #[test]
    fn builder_frames_by_content_length() {
        let mut b = MsgBuilder::new();
        b.begin(b"INVITE sip:a@b SIP/2.0");
        assert_eq!(b.feed(b"Content-Length: 5"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Taken);
        assert_eq!(b.feed(b"v=0"), Feed::Done);
        let (m, cut) = b.take();
        assert!(!cut);
        assert_eq!(
            m,
            b"INVITE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nv=0\r\n"
        );

        b.begin(b"SIP/2.0 200 OK");
        assert_eq!(b.feed(b"l: 0"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Done);

        // No Content-Length: the body runs to a blank line.
        b.begin(b"SIP/2.0 200 OK");
        assert_eq!(b.feed(b"Via: x"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Taken);
        assert_eq!(b.feed(b"a=b"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::NotMine);
        assert_eq!(b.take().0, b"SIP/2.0 200 OK\r\nVia: x\r\n\r\na=b\r\n");

        // A log line ends headers with no blank line.
        b.begin(b"SIP/2.0 200 OK");
        assert_eq!(b.feed(b"[Dec  1 10:00:00] VERBOSE[1] x"), Feed::NotMine);
        // A start line ends a body that is shorter than announced.
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Content-Length: 500");
        b.feed(b"");
        assert_eq!(b.feed(b"v=0"), Feed::Taken);
        assert_eq!(b.missing(), 500 - 5);
        assert_eq!(b.feed(b"BYE sip:x SIP/2.0"), Feed::NotMine);
        // Complete, or nothing to go by: nothing missing.
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Content-Length: 5");
        b.feed(b"");
        b.feed(b"v=0");
        assert_eq!(b.missing(), 0);
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Via: x");
        b.feed(b"");
        b.feed(b"a=b");
        assert_eq!(b.missing(), 0);
    }

    /// A body shorter than its Content-Length: a blank line is body only
    /// when more of the body follows it (or it completes the length); one
    /// at the end is the log's (res_pjsip_logger.c prints a line end after
    /// the packet), not the packet's.
    #[test]
    fn a_blank_line_after_a_short_body_is_not_body() {
        let mut b = MsgBuilder::new();
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Content-Length: 500");
        b.feed(b"");
        assert_eq!(b.feed(b"v=0"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Taken);
        assert_eq!(b.missing(), 500 - 5);
        assert_eq!(
            b.take().0,
            b"SIP/2.0 200 OK\r\nContent-Length: 500\r\n\r\nv=0\r\n"
        );
        // Blank lines inside the body are kept.
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Content-Length: 500");
        b.feed(b"");
        b.feed(b"--boundary");
        b.feed(b"");
        b.feed(b"");
        assert_eq!(b.feed(b"v=0"), Feed::Taken);
        assert_eq!(b.missing(), 500 - 21);
        assert!(
            b.take()
                .0
                .ends_with(b"\r\n\r\n--boundary\r\n\r\n\r\nv=0\r\n")
        );
        // A blank line that completes the length is body.
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Content-Length: 7");
        b.feed(b"");
        assert_eq!(b.feed(b"abc"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Done);
        assert!(b.take().0.ends_with(b"\r\n\r\nabc\r\n\r\n"));
        b.begin(b"SIP/2.0 200 OK");
        b.feed(b"Content-Length: 9");
        b.feed(b"");
        b.feed(b"abc");
        assert_eq!(b.feed(b""), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Done);
        assert!(b.take().0.ends_with(b"\r\n\r\nabc\r\n\r\n\r\n"));
    }

    /// The NOTIFY about a REFER carries the transfer's result as a SIP
    /// fragment: its body starts with a status line that is not a new
    /// message (RFC 3515 §2.4.5).
    #[test]
    fn a_sipfrag_body_is_the_body_not_a_new_message() {
        let mut b = MsgBuilder::new();
        b.begin(b"NOTIFY sip:a@b SIP/2.0");
        assert_eq!(b.feed(b"Event: refer"), Feed::Taken);
        assert_eq!(b.feed(b"c: Message/SipFrag;version=2.0"), Feed::Taken);
        assert_eq!(b.feed(b"Content-Length: 33"), Feed::Taken);
        assert_eq!(b.feed(b""), Feed::Taken);
        assert_eq!(b.feed(b"SIP/2.0 503 Service Unavailable"), Feed::Done);
        assert!(
            b.take()
                .0
                .ends_with(b"\r\n\r\nSIP/2.0 503 Service Unavailable\r\n")
        );
        // Past the fragment's first line, a start line is the next message.
        b.begin(b"NOTIFY sip:a@b SIP/2.0");
        b.feed(b"Content-Type: message/sipfrag");
        b.feed(b"Content-Length: 300");
        b.feed(b"");
        assert_eq!(b.feed(b"SIP/2.0 100 Trying"), Feed::Taken);
        assert_eq!(b.feed(b"SIP/2.0 200 OK"), Feed::NotMine);
        // A fragment ending in a bare LF (baresip's): its line fills the
        // length but for the LF, and it ends the message as it was sent.
        b.begin(b"NOTIFY sip:a@b SIP/2.0");
        b.feed(b"Content-Type: message/sipfrag;version=2.0");
        b.feed(b"Content-Length: 19");
        b.feed(b"");
        assert_eq!(b.feed(b"SIP/2.0 100 Trying"), Feed::Done);
        assert!(b.take().0.ends_with(b"\r\n\r\nSIP/2.0 100 Trying\n"));
        // A fragment's line must fit the announced length: a NOTIFY logged
        // without its body does not swallow the next message.
        b.begin(b"NOTIFY sip:a@b SIP/2.0");
        b.feed(b"Content-Type: message/sipfrag");
        b.feed(b"Content-Length: 16");
        b.feed(b"");
        assert_eq!(b.feed(b"SIP/2.0 200 OK with a long phrase"), Feed::NotMine);
        // Another body type: a start line still ends the message.
        b.begin(b"NOTIFY sip:a@b SIP/2.0");
        b.feed(b"Content-Type: application/sdp");
        b.feed(b"Content-Length: 300");
        b.feed(b"");
        assert_eq!(b.feed(b"SIP/2.0 200 OK"), Feed::NotMine);
    }

    #[test]
    fn text_with_some_binary_is_text_and_binary_is_not() {
        let log: Vec<u8> = (0..40)
            .flat_map(|i| format!("[Nov 30 10:00:{i:02}] VERBOSE[1] pjsip: Via: x\n").into_bytes())
            .collect();
        assert!(looks_like_text(&log));
        // A garbage line of control bytes and a few NULs among the lines.
        let mut dirty = log.clone();
        dirty.splice(300..300, (1u8..40).chain([0, 0, b'\n']));
        assert!(looks_like_text(&dirty));
        // A hole of NULs first (copytruncate) and the log after it.
        let holed = [vec![0u8; 4096], log.clone()].concat();
        assert!(looks_like_text(&holed));
        // UTF-16, pseudo-random bytes, a program: not text.
        let utf16: Vec<u8> = log.iter().flat_map(|&c| [c, 0]).collect();
        assert!(!looks_like_text(&utf16));
        let mut x = 0x2545f491u32;
        let noise: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        assert!(!looks_like_text(&noise));
        let elf = [
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0".as_slice(),
            &noise,
        ]
        .concat();
        assert!(!looks_like_text(&elf));
        assert!(!looks_like_text(b""));
        assert!(!looks_like_text(&[0u8; 500]));
    }

    #[test]
    fn every_line_end_cr_goes() {
        assert_eq!(strip_cr(b"Via: x\r\r"), b"Via: x");
        assert_eq!(strip_cr(b"Via: x\r"), b"Via: x");
        assert_eq!(strip_cr(b"\r"), b"");
        assert_eq!(strip_cr(b"a\rb"), b"a\rb");
    }
}
