//! Recognising and framing SIP messages in datagrams, streams and text.
//!
//! The one start-line test is the message parser's
//! ([`crate::message::is_start_line`]); this module adds the cheap checks
//! around it that a reader needs on every packet: a first-byte filter that
//! throws out RTP and other binary payloads at once, and a single pass over
//! the header block that finds its end and the Content-Length (RFC 3261
//! §18.3, §20.14).

use memchr::memchr;
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// Searchers built once: a blank line after a line end (CRLF or LF), and
/// the usual spelling of Content-Length.
static LF_CRLF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n\r\n"));
static LF2: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n\n"));
static CONTENT_LENGTH: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"\nContent-Length"));

/// The longest first line looked at when deciding whether bytes start a
/// SIP message. Real start lines are well under this.
const MAX_START_LINE: usize = 4096;

/// Does `buf` begin with a SIP status line or request line?
///
/// No leading whitespace is allowed (callers strip keep-alive CRLFs
/// first). Methods and `SIP/2.0` start with a letter, so binary payloads
/// (RTP, STUN, T.38) are rejected on their first byte.
pub(crate) fn starts_sip(buf: &[u8]) -> bool {
    match buf.first() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    let head = &buf[..buf.len().min(MAX_START_LINE)];
    // Start lines are short: an inlined word-at-a-time search, not a call
    // into a vector search (this runs on every packet).
    let line = match crate::trace::skim::memchr(b'\n', head) {
        Some(i) => &head[..i],
        None if buf.len() <= MAX_START_LINE => head,
        None => return false,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    usual_start_line(line) || crate::message::is_start_line(line)
}

/// The two forms nearly every message has, `SIP/2.0 <code> ...` and
/// `METHOD uri SIP/2.0`, recognised without the general test (which
/// accepts them too, and everything else it accepts is checked by it).
fn usual_start_line(line: &[u8]) -> bool {
    if line.starts_with(b"SIP/2.0 ") {
        return true;
    }
    let Some(rest) = line.strip_suffix(b" SIP/2.0") else {
        return false;
    };
    let Some(sp) = crate::trace::skim::memchr(b' ', rest) else {
        return false;
    };
    let (method, uri) = (&rest[..sp], &rest[sp + 1..]);
    !method.is_empty()
        && method.iter().all(u8::is_ascii_uppercase)
        && !uri.is_empty()
        && crate::trace::skim::memchr(b':', uri).is_some()
        && crate::trace::skim::memchr(b' ', uri).is_none()
}

/// Skip leading CR, LF, space and tab (keep-alives, RFC 5626 §3.5.1 CRLF
/// pings, blank lines between logged messages).
pub(crate) fn skip_blank(buf: &[u8]) -> usize {
    buf.iter()
        .position(|&c| !matches!(c, b'\r' | b'\n' | b' ' | b'\t'))
        .unwrap_or(buf.len())
}

/// What one pass over a header block found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    /// Offset just after the blank line that ends the headers.
    pub end: usize,
    /// The first Content-Length (or compact `l`) value, when it is a
    /// number; `None` when absent or unusable.
    pub content_length: Option<usize>,
    /// A Content-Length header was present (usable or not).
    pub has_content_length: bool,
}

/// Find the end of the header block of the message starting at `buf[0]`
/// and its Content-Length. `None` when no blank line is found in `buf`.
/// Both CRLF and bare LF line ends are accepted.
pub(crate) fn scan_head(buf: &[u8]) -> Option<Head> {
    // The usual case in a few SIMD searches: the first blank line (a line
    // end followed by CRLF or LF), then Content-Length spelled as usual
    // among the headers. Any other spelling takes the line-by-line way.
    let crlf = LF_CRLF.find(buf).map(|i| (i, i + 3));
    let lf = LF2
        .find(&buf[..crlf.map_or(buf.len(), |(i, _)| i + 2)])
        .map(|i| (i, i + 2));
    let (blank, end) = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    let headers = &buf[..=blank];
    if let Some(at) = CONTENT_LENGTH.find(headers)
        && let Some(nl) = memchr(b'\n', &headers[at + 1..])
    {
        let line = &headers[at + 1..at + 1 + nl];
        if let Some(v) = content_length_value(line.strip_suffix(b"\r").unwrap_or(line)) {
            return Some(Head {
                end,
                content_length: v,
                has_content_length: true,
            });
        }
    }
    scan_head_lines(buf)
}

/// [`scan_head`] line by line: any line ends, any spelling.
fn scan_head_lines(buf: &[u8]) -> Option<Head> {
    let mut head = Head {
        end: 0,
        content_length: None,
        has_content_length: false,
    };
    let mut line_start = memchr(b'\n', buf)? + 1;
    loop {
        let nl = line_start + memchr(b'\n', &buf[line_start..])?;
        let line = &buf[line_start..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            head.end = nl + 1;
            return Some(head);
        }
        if !head.has_content_length
            && matches!(line[0], b'C' | b'c' | b'L' | b'l')
            && let Some(v) = content_length_value(line)
        {
            head.has_content_length = true;
            head.content_length = v;
        }
        line_start = nl + 1;
    }
}

/// If `line` is a Content-Length header line, its value (`Some(None)` when
/// it is not a usable number).
pub(crate) fn content_length_value(line: &[u8]) -> Option<Option<usize>> {
    content_length_at(line, memchr(b':', line)?)
}

/// [`content_length_value`] of a line whose first colon is at `colon`.
pub(crate) fn content_length_at(line: &[u8], colon: usize) -> Option<Option<usize>> {
    let name = trim(&line[..colon]);
    if !(name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")) {
        return None;
    }
    let value = trim(&line[colon + 1..]);
    if value.is_empty() || value.len() > 9 || !value.iter().all(u8::is_ascii_digit) {
        return Some(None);
    }
    Some(value.iter().try_fold(0usize, |n, &d| {
        n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    }))
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map_or(start, |i| i + 1);
    &b[start..end]
}

/// The length of the SIP message at the start of a datagram: the headers
/// plus Content-Length bytes of body when the datagram holds that many
/// (extra bytes are discarded, RFC 3261 §18.3), else the whole datagram.
pub(crate) fn datagram_len(buf: &[u8]) -> usize {
    match scan_head(buf) {
        Some(Head {
            end,
            content_length: Some(cl),
            ..
        }) if end.saturating_add(cl) <= buf.len() => end + cl,
        _ => buf.len(),
    }
}

/// How a byte stream (TCP, or WebSocket payloads) frames at its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamFrame {
    /// A complete message of this many bytes.
    Message(usize),
    /// A message starts here but is not complete yet.
    Incomplete,
}

/// Frame the message at `buf[0]` (which starts with a start line) by its
/// Content-Length. A message without a usable Content-Length ends with
/// its headers (RFC 3261 §18.3 makes the header mandatory on streams).
pub(crate) fn stream_frame(buf: &[u8]) -> StreamFrame {
    match scan_head(buf) {
        None => StreamFrame::Incomplete,
        Some(h) => {
            let cl = h.content_length.unwrap_or(0);
            match h.end.checked_add(cl) {
                Some(n) if n <= buf.len() => StreamFrame::Message(n),
                _ => StreamFrame::Incomplete,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_lines() {
        assert!(starts_sip(b"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n"));
        assert!(starts_sip(b"SIP/2.0 180 Ringing\r\n"));
        assert!(starts_sip(b"OPTIONS sip:a@b SIP/2.0"));
        assert!(!starts_sip(b"\x80\x00\x01\x02"));
        assert!(!starts_sip(b"GET / HTTP/1.1\r\n"));
        assert!(!starts_sip(b"HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(!starts_sip(b"MEGACO/1 [10.0.0.1]:2944\r\n"));
        assert!(!starts_sip(b" INVITE sip:a@b SIP/2.0\r\n"));
        assert!(!starts_sip(b""));
    }

    #[test]
    fn heads() {
        let m = b"INVITE sip:a@b SIP/2.0\r\nContent-Length: 4\r\nCall-ID: x\r\n\r\nbodyEXTRA";
        let h = scan_head(m).unwrap();
        assert_eq!(h.end, m.len() - 9);
        assert_eq!(h.content_length, Some(4));
        assert_eq!(datagram_len(m), m.len() - 5);
        assert_eq!(stream_frame(m), StreamFrame::Message(m.len() - 5));
        assert_eq!(stream_frame(&m[..m.len() - 6]), StreamFrame::Incomplete);

        let lf = b"SIP/2.0 200 OK\nl : 2\n\nhi";
        let h = scan_head(lf).unwrap();
        assert_eq!((h.end, h.content_length), (lf.len() - 2, Some(2)));

        let bad = b"SIP/2.0 200 OK\r\nContent-Length: x1\r\n\r\nabc";
        let h = scan_head(bad).unwrap();
        assert!(h.has_content_length);
        assert_eq!(h.content_length, None);
        assert_eq!(datagram_len(bad), bad.len());
        assert_eq!(stream_frame(bad), StreamFrame::Message(bad.len() - 3));

        // Too large a Content-Length keeps the whole datagram.
        let big = b"SIP/2.0 200 OK\r\nContent-Length: 99\r\n\r\nabc";
        assert_eq!(datagram_len(big), big.len());
        assert_eq!(stream_frame(big), StreamFrame::Incomplete);
        assert_eq!(scan_head(b"SIP/2.0 200 OK\r\nVia: x\r\n"), None);
        // A start line alone, with no line end, has no head.
        assert_eq!(scan_head(b"SIP/2.0 200 OK"), None);
        // A Content-Length-like name that is not the header.
        let h = scan_head(b"SIP/2.0 200 OK\r\nContent-Lengthy: 3\r\n\r\n").unwrap();
        assert!(!h.has_content_length);
    }

    /// A response of these header lines, each ended by CRLF or LF.
    fn response_of(lines: &[(&str, bool)]) -> Vec<u8> {
        let mut m = b"SIP/2.0 200 OK\r\n".to_vec();
        for (l, crlf) in lines {
            m.extend_from_slice(l.as_bytes());
            m.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
        }
        m
    }

    proptest::proptest! {
        /// The fast way and the line-by-line way agree, whatever the line
        /// ends, as long as there is at most one Content-Length.
        #[test]
        fn fast_scan_agrees_with_line_scan(
            lines in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "Via: SIP/2.0/UDP x", "Content-Length: 12", "content-length:3", "l: 7",
                    "", " folded", "v=0", "Content-Length-X: 1", "X: Content-Length: 5",
                ]), proptest::bool::ANY),
                0..12,
            ),
        ) {
            let m = response_of(&lines);
            let cls = lines
                .iter()
                .filter(|(l, _)| matches!(*l, "Content-Length: 12" | "content-length:3" | "l: 7"))
                .count();
            if cls <= 1 {
                proptest::prop_assert_eq!(scan_head(&m), scan_head_lines(&m));
            }
        }
    }

    proptest::proptest! {
        /// The scan frames a datagram exactly as the framing does, whatever
        /// the spellings and number of Content-Length headers and the bytes
        /// after the message.
        #[test]
        fn scan_frames_datagrams_as_the_framing_does(
            lines in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "Via: SIP/2.0/UDP x", "Content-Length: 4", "content-length:3", "l: 7",
                    "L :0", "Content-Length : 12", "Content-Length: x", "Content-Lengthy: 1",
                    "", "\r", " folded", "Call-ID: a", "CSeq: 1 INVITE", "v=0",
                    "X: Content-Length: 5",
                ]), proptest::bool::ANY),
                0..14,
            ),
            tail in proptest::collection::vec(proptest::sample::select(b"ab\r\n: ".to_vec()), 0..20),
        ) {
            let mut m = response_of(&lines);
            m.extend_from_slice(&tail);
            let s = crate::trace::skim::skim_datagram(&m).unwrap();
            proptest::prop_assert_eq!(s.sip.len(), datagram_len(&m));
            let head = scan_head(&m);
            // (The scan also takes a last line of a lone CR, with no line
            // end after it, for the blank line: the same framing either way.)
            if let Some(h) = head {
                proptest::prop_assert!(s.blank_line);
                proptest::prop_assert_eq!(s.content_length, h.content_length);
                proptest::prop_assert_eq!(s.sip.len() - s.body.len(), h.end);
            }
        }
    }

    #[test]
    fn datagram_records_frame_on_demand() {
        let m = b"INVITE sip:a@b SIP/2.0\r\nl: 2\r\nCall-ID: x\r\n\r\nhiEXTRA";
        let mut r = crate::trace::Record {
            file: 0,
            frame: 1,
            frames: &[1],
            time_ns: None,
            src: None,
            dst: None,
            transport: crate::trace::Transport::Udp,
            interface: 0,
            payload: m,
            datagram: true,
        };
        assert_eq!(r.sip(), &m[..m.len() - 5]);
        r.datagram = false;
        assert_eq!(r.sip(), &m[..]);
    }

    #[test]
    fn usual_start_lines() {
        for l in [
            &b"SIP/2.0 200 OK"[..],
            b"INVITE sip:a@b SIP/2.0",
            b"OPTIONS sips:x:5061 SIP/2.0",
        ] {
            assert!(usual_start_line(l));
            assert!(crate::message::is_start_line(l), "the general test agrees");
        }
        for l in [
            &b"INVITE sip SIP/2.0"[..],
            b"invite sip:a SIP/2.0",
            b"INVITE  sip:a SIP/2.0",
        ] {
            assert!(!usual_start_line(l));
        }
    }

    #[test]
    fn blanks() {
        assert_eq!(skip_blank(b"\r\n\r\nSIP"), 4);
        assert_eq!(skip_blank(b"\r\n"), 2);
        assert_eq!(skip_blank(b"x"), 0);
    }
}
