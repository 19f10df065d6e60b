//! The tolerant SIP message parser: bytes to [`Message`], with problems.

use super::headers::{self, is_token};
use super::text::{Capped as Problems, MAX_32, NumError, has_controls, parse_u64, q};
use super::{Header, InputError, Message, StartLine};
use std::borrow::Cow;

/// The largest input accepted, in bytes (1 MiB).
pub const MAX_INPUT: usize = 1 << 20;

/// How many lines before the start line may be skipped (log prefixes, sngrep
/// headers) before the input is declared not to be SIP.
const MAX_PREFIX_LINES: usize = 200;

/// Problems kept per message; beyond this they are counted.
const MAX_PROBLEMS: usize = 100;

/// Parse the first SIP message in `input`.
///
/// Line ends may be CRLF, LF, or (from a terminal paste, which turns LF
/// into CR) CR CR or lone CR: see [`crate::sanitize::line_ends`].
///
/// Errors only when the input is over [`MAX_INPUT`] or holds no SIP start
/// line near the top; everything else malformed is listed in
/// [`Message::problems`]. Never panics.
pub fn parse(input: &[u8]) -> Result<Message, InputError> {
    check_size(input)?;
    let input = &*crate::sanitize::line_ends(without_bom(input));
    if let Some(m) = parse_dissection(input) {
        return Ok(m);
    }
    // (Once: a line with more dots keeps the others.)
    if let Some(plain) = without_ngrep_dots(input)
        && let Ok(mut m) = parse_text(&plain)
    {
        m.problems.insert(
            0,
            "ngrep's dot at the end of each line (how `ngrep -W byline` shows a CR) was \
             taken off before decoding"
                .to_string(),
        );
        return Ok(m);
    }
    parse_text(input)
}

/// [`parse`] of text that is no dissection and no ngrep output.
fn parse_text(input: &[u8]) -> Result<Message, InputError> {
    let src = Src::new(input);
    let found = match parse_from(&src, 0, 1) {
        Some(found) => found,
        None => {
            // No start line at a line's start: one behind a prefix on every
            // line, before a start line that is only broken.
            if let Some((plain, prefix)) = without_line_prefix(input)
                && let Ok(mut m) = parse_wire(&plain)
            {
                m.problems.insert(0, prefix_note(&prefix));
                return Ok(m);
            }
            parse_broken_start(&src).ok_or(InputError::NotSip)?
        }
    };
    Ok(noting_more(input, found))
}

/// The input without a UTF-8 byte-order mark at its start (an editor
/// saving "as UTF-8" writes one): it is no part of the message.
fn without_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// The input with ngrep's line-end dots taken off, when it is `ngrep -W
/// byline` output: `ngrep` prints a CR as `.`, so every line of a message
/// sent with CR LF ends in a dot (`INVITE sip:100@pbx SIP/2.0.`), and the
/// blank line before the body is a lone dot. Recognised by a start line
/// that ends in a dot, whose header lines all do up to a lone dot. Each
/// message (its lines that end in a dot) loses one dot a line; what ngrep
/// prints between packets (a blank line, `#`, `U 2016/03/07 ... a -> b`)
/// is blanked, so that the messages follow one another (line numbers stay
/// the input's). `None` otherwise.
pub(crate) fn without_ngrep_dots(input: &[u8]) -> Option<Vec<u8>> {
    let bare = |l: &[u8]| -> usize { l.len() - usize::from(l.ends_with(b"\r")) };
    let dotted = |l: &[u8]| l[..bare(l)].ends_with(b".");
    // Most input is no ngrep output: the lines are listed only once a
    // dotted start line is found among the first ones.
    let start = input
        .split(|&c| c == b'\n')
        .take(MAX_PREFIX_LINES)
        .position(|l| dotted(l) && is_start_line(&l[..bare(l) - 1]))?;
    let lines: Vec<&[u8]> = input.split(|&c| c == b'\n').collect();
    // Its headers, each with a dot, up to the lone dot.
    let mut headers = 0;
    for l in &lines[start + 1..] {
        if &l[..bare(l)] == b"." {
            break;
        }
        if !dotted(l) {
            return None;
        }
        headers += 1;
    }
    if headers == 0 || start + 1 + headers >= lines.len() {
        return None;
    }
    let mut out = Vec::with_capacity(input.len());
    for l in &lines[..start] {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    let mut in_message = false;
    for l in &lines[start..] {
        let b = bare(l);
        if dotted(l) && (in_message || is_start_line(&l[..b - 1])) {
            in_message = true;
            out.extend_from_slice(&l[..b - 1]);
            out.extend_from_slice(&l[b..]);
            out.push(b'\n');
        } else {
            // A blank line in its place: line numbers stay the input's.
            in_message = false;
            out.push(b'\n');
        }
    }
    Some(out)
}

fn prefix_note(prefix: &[u8]) -> String {
    format!(
        "a prefix before each line ({}) was taken off before decoding",
        q(&String::from_utf8_lossy(prefix))
    )
}

/// The input with a prefix every line of the message carries taken off:
/// a log's stamp (`[Nov 30 10:00:01] `, `Nov 30 10:00:01 pbx asterisk[12]: `),
/// an e-mail's quoting (`> `). The prefix is what stands before the first
/// start line found after one (a word boundary: space, `>`, `]`, `:`, `|`);
/// a line is taken off the prefix when its start has the prefix's shape
/// (the same bytes, digits being any digit: the stamps change), and a line
/// that is the prefix alone (a quoted blank line, `>`) is blank. Other lines
/// (a log entry's continuation lines) stay as they are. `None` when no
/// start line stands after a prefix.
fn without_line_prefix(input: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let prefix = input
        .split(|&c| c == b'\n')
        .take(MAX_PREFIX_LINES)
        .find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (1..line.len().min(200)).find_map(|p| {
                (matches!(line[p - 1], b' ' | b'\t' | b'>' | b']' | b':' | b'|')
                    && line[p].is_ascii_alphabetic()
                    && is_start_line(&line[p..]))
                .then(|| line[..p].to_vec())
            })
        })?;
    let same = |a: &[u8], b: &[u8]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x == y || (x.is_ascii_digit() && y.is_ascii_digit()))
    };
    let bare = trim_bytes(&prefix);
    let mut out = Vec::with_capacity(input.len());
    for (i, line) in input.split(|&c| c == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        let (body, cr) = match line.strip_suffix(b"\r") {
            Some(l) => (l, true),
            None => (line, false),
        };
        if body.len() >= prefix.len() && same(&body[..prefix.len()], &prefix) {
            out.extend_from_slice(&body[prefix.len()..]);
        } else if !bare.is_empty() && same(trim_bytes(body), bare) {
            // The prefix alone: a blank line of the message.
        } else {
            out.extend_from_slice(body);
        }
        if cr {
            out.push(b'\r');
        }
    }
    Some((out, prefix))
}

/// A message pasted as Wireshark or tshark shows it dissected, put back
/// into wire form first (see [`super::dissection`]), with a word saying so.
fn parse_dissection(input: &[u8]) -> Option<Message> {
    let (wire, note) = super::dissection::rebuild(input)?;
    let mut m = parse_wire(&wire).ok()?;
    m.problems.insert(0, note);
    Some(m)
}

fn parse_wire(input: &[u8]) -> Result<Message, InputError> {
    let src = Src::new(input);
    let found = parse_from(&src, 0, 1)
        .or_else(|| parse_broken_start(&src))
        .ok_or(InputError::NotSip)?;
    Ok(noting_more(input, found))
}

/// The message found, with a problem when another one follows it.
fn noting_more(input: &[u8], (mut msg, next): (Message, Option<Next>)) -> Message {
    if let Some(next) = next
        && let Some(line) =
            find_start(input, next.pos, next.line_no, MAX_PREFIX_LINES).map(|(_, no, _)| no)
    {
        msg.problems.push(format!(
            "the input holds more than one SIP message (another starts at line {line}); \
             only the first is decoded"
        ));
    }
    msg
}

/// Parse every SIP message in `input`, in order (e.g. a pasted call flow).
/// Errors like [`parse`] when not even one message is found.
pub fn parse_all(input: &[u8]) -> Result<Vec<Message>, InputError> {
    check_size(input)?;
    let input = &*crate::sanitize::line_ends(without_bom(input));
    if let Some(m) = parse_dissection(input) {
        return Ok(vec![m]);
    }
    match parse_all_wire(input) {
        // No start line at a line's start: one behind a prefix?
        Err(InputError::NotSip) => {
            let (plain, prefix) = without_line_prefix(input).ok_or(InputError::NotSip)?;
            let mut all = parse_all_wire(&plain)?;
            if let Some(first) = all.first_mut() {
                first.problems.insert(0, prefix_note(&prefix));
            }
            Ok(all)
        }
        found => found,
    }
}

fn parse_all_wire(input: &[u8]) -> Result<Vec<Message>, InputError> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line_no = 1;
    let src = Src::new(input);
    while let Some((msg, next)) = parse_from(&src, pos, line_no) {
        out.push(msg);
        match next {
            Some(n) if n.pos > pos => {
                pos = n.pos;
                line_no = n.line_no;
            }
            _ => break,
        }
    }
    if out.is_empty() {
        Err(InputError::NotSip)
    } else {
        Ok(out)
    }
}

fn check_size(input: &[u8]) -> Result<(), InputError> {
    if input.len() > MAX_INPUT {
        Err(InputError::TooLarge { size: input.len() })
    } else {
        Ok(())
    }
}

/// Where the next message may start.
#[derive(Debug, Clone, Copy)]
struct Next {
    pos: usize,
    line_no: usize,
}

/// One input line, without its terminator.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    bytes: &'a [u8],
    /// Byte offset of the line's first byte.
    start: usize,
    /// Byte offset just after the terminator (or the end of input).
    end: usize,
    /// 1-based line number.
    no: usize,
    /// Ended by a bare LF (not CRLF).
    bare_lf: bool,
}

/// Lines from a byte offset; CRLF and bare LF both end a line.
struct Lines<'a> {
    input: &'a [u8],
    pos: usize,
    no: usize,
}

impl<'a> Lines<'a> {
    fn new(input: &'a [u8], pos: usize, no: usize) -> Self {
        Lines { input, pos, no }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;
    fn next(&mut self) -> Option<Line<'a>> {
        if self.pos >= self.input.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.input[start..];
        let (content, end, bare_lf) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let crlf = i > 0 && rest[i - 1] == b'\r';
                let content = if crlf { &rest[..i - 1] } else { &rest[..i] };
                (content, start + i + 1, !crlf)
            }
            None => (rest, self.input.len(), false),
        };
        let line = Line {
            bytes: content,
            start,
            end,
            no: self.no,
            bare_lf,
        };
        self.pos = end;
        self.no += 1;
        Some(line)
    }
}

/// The input, with its text when all of it is valid UTF-8 (checked once, so
/// that lines need no validation of their own).
struct Src<'a> {
    input: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> Src<'a> {
    fn new(input: &'a [u8]) -> Self {
        Src {
            input,
            text: std::str::from_utf8(input).ok(),
        }
    }

    /// Text of a sub-slice of the input; invalid UTF-8 is replaced.
    fn str_of(&self, sub: &'a [u8]) -> Cow<'a, str> {
        if let Some(text) = self.text {
            let start = (sub.as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
            if let Some(s) = start
                .checked_add(sub.len())
                .and_then(|end| text.get(start..end))
            {
                return Cow::Borrowed(s);
            }
        }
        lossy(sub)
    }
}

/// Text of a line; invalid UTF-8 is replaced (and reported once elsewhere).
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn is_blank(b: &[u8]) -> bool {
    b.iter().all(|&c| c == b' ' || c == b'\t' || c == b'\r')
}

/// `SIP/` digits `.` digits, exactly (case-insensitive `SIP`).
pub(super) fn is_version(s: &[u8]) -> bool {
    if s.len() < 7 || !s[..4].eq_ignore_ascii_case(b"SIP/") {
        return false;
    }
    let rest = &s[4..];
    let Some(dot) = rest.iter().position(|&b| b == b'.') else {
        return false;
    };
    let (major, minor) = (&rest[..dot], &rest[dot + 1..]);
    !major.is_empty()
        && !minor.is_empty()
        && major.iter().all(u8::is_ascii_digit)
        && minor.iter().all(u8::is_ascii_digit)
}

/// Which kind of start line a (trimmed) line looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Request,
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    let is_ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r');
    let start = b.iter().position(|c| !is_ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_ws(c)).map_or(start, |i| i + 1);
    &b[start..end]
}

fn words(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    b.split(|&c| c == b' ' || c == b'\t')
        .filter(|w| !w.is_empty())
}

/// Does this line (without its line end) look like a SIP status line or
/// request line? The one start-line test, shared with the trace readers.
pub(crate) fn is_start_line(line: &[u8]) -> bool {
    start_kind(line).is_some()
}

/// Does this line look like a status line or a request line?
fn start_kind(line: &[u8]) -> Option<Kind> {
    let t = trim_bytes(line);
    // Status line: a version, then whitespace or nothing.
    let first_end = t
        .iter()
        .position(|&c| c == b' ' || c == b'\t')
        .unwrap_or(t.len());
    if is_version(&t[..first_end]) {
        return Some(Kind::Status);
    }
    // Request line: token SP uri ... SP version (or a truncated `METHOD sip:...`).
    // A method does not start with a digit (RFC 4475 §3.1.1.3 has one
    // starting with `!`): a log's `2024-01-01 10:00:00 INVITE sip:...
    // SIP/2.0` is a stamp before a request, not a request.
    let method = &t[..first_end];
    if method.first().is_none_or(u8::is_ascii_digit)
        || !method.iter().all(|&c| headers::is_token_char(c))
    {
        return None;
    }
    let mut rest = words(&t[first_end..]);
    let uri = rest.next()?;
    let last = rest.last();
    match last {
        Some(v) => (is_version(v) && uri.contains(&b':')).then_some(Kind::Request),
        None => {
            let lower = uri.to_ascii_lowercase();
            let known = [&b"sip:"[..], b"sips:", b"tel:"]
                .iter()
                .any(|s| lower.starts_with(s));
            (known && method.iter().all(u8::is_ascii_uppercase)).then_some(Kind::Request)
        }
    }
}

/// Find the next start line from `pos`, skipping at most `max_lines` lines.
/// Returns the line, its number, and how many non-blank lines were skipped.
fn find_start(
    input: &[u8],
    pos: usize,
    line_no: usize,
    max_lines: usize,
) -> Option<(Line<'_>, usize, usize)> {
    let mut skipped = 0;
    for (n, line) in Lines::new(input, pos, line_no).enumerate() {
        if n >= max_lines {
            return None;
        }
        if start_kind(line.bytes).is_some() {
            return Some((line, line.no, skipped));
        }
        if !is_blank(line.bytes) {
            skipped += 1;
        }
    }
    None
}

/// Headers every request and response carries: seeing them under a line
/// makes that line a (broken) start line.
const CORE_HEADERS: [&str; 5] = ["Via", "From", "To", "Call-ID", "CSeq"];

/// No valid start line, but headers: a start line with a flipped byte
/// (`SIP-2.0 401 Unauthorized`). Take the first non-blank line that is
/// directly followed by header fields, two of them core headers, as the
/// start line, and report it.
fn parse_broken_start(src: &Src<'_>) -> Option<(Message, Option<Next>)> {
    let mut lines = Lines::new(src.input, 0, 1).take(MAX_PREFIX_LINES);
    let first = lines.find(|l| !is_blank(l.bytes))?;
    let mut core = 0;
    for l in Lines::new(src.input, first.end, first.no + 1).take(60) {
        if is_blank(l.bytes) {
            break;
        }
        match split_header(l.bytes) {
            Some((name, _)) => {
                let name = lossy(name);
                if CORE_HEADERS
                    .iter()
                    .any(|c| headers::canonical(&name).eq_ignore_ascii_case(c))
                {
                    core += 1;
                }
            }
            None if l.bytes.first().is_some_and(|b| *b == b' ' || *b == b'\t') => {}
            None => break,
        }
    }
    if core < 2 || split_header(first.bytes).is_some() {
        return None;
    }
    let mut problems = Problems::new(MAX_PROBLEMS);
    problems.push(format!(
        "line {} {} is not a valid start line (a status line reads 'SIP/2.0 486 Busy Here', \
         a request line 'INVITE sip:bob@example.com SIP/2.0'); the headers below it are \
         decoded anyway",
        first.no,
        q(&lossy(first.bytes))
    ));
    Some(parse_at(src, first, first.no, problems, true))
}

/// Parse one message whose start line is found at or after `pos`.
fn parse_from(src: &Src<'_>, pos: usize, line_no: usize) -> Option<(Message, Option<Next>)> {
    let input = src.input;
    let (start_line, start_no, skipped) = find_start(input, pos, line_no, MAX_PREFIX_LINES)?;
    let mut problems = Problems::new(MAX_PROBLEMS);
    if skipped > 0 {
        problems.push(format!(
            "skipped {skipped} line{} before the start line at line {start_no} \
             (a log or capture-tool prefix?)",
            if skipped == 1 { "" } else { "s" }
        ));
    }
    Some(parse_at(src, start_line, start_no, problems, false))
}

/// Parse the message starting at `start_line` (line `start_no`); `broken`:
/// the line is not a valid start line (see [`parse_broken_start`]).
fn parse_at(
    src: &Src<'_>,
    start_line: Line<'_>,
    start_no: usize,
    mut problems: Problems,
    broken: bool,
) -> (Message, Option<Next>) {
    let input = src.input;
    let start = parse_start_line(src, start_line.bytes, &mut problems, broken);

    // Indentation of the start line: a uniformly indented paste has it on
    // every line; strip it so that only deeper indentation means folding.
    let indent_len = start_line
        .bytes
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    let indent = &start_line.bytes[..indent_len];

    let mut hdrs: Vec<Header> = Vec::new();
    let mut bare_lf = 0usize;
    let mut crlf = usize::from(!start_line.bare_lf);
    bare_lf += usize::from(start_line.bare_lf);
    // Offset and line number where the body starts.
    let mut body_start: Option<(usize, usize)> = None;
    let mut blank_found = false;
    let mut next: Option<Next> = None;
    let mut header_end = start_line.end;
    let mut last_line_end = start_line.end;

    for line in Lines::new(input, start_line.end, start_no + 1) {
        last_line_end = line.end;
        let mut b = line.bytes;
        if indent_len > 0 && b.starts_with(indent) {
            b = &b[indent_len..];
        }
        if is_blank(b) {
            blank_found = true;
            body_start = Some((line.end, line.no + 1));
            header_end = line.start;
            break;
        }
        if line.bare_lf {
            bare_lf += 1;
        } else if line.end > line.start + line.bytes.len() {
            crlf += 1;
        }
        header_end = line.end;
        if b[0] == b' ' || b[0] == b'\t' {
            let cont = src.str_of(trim_bytes(b));
            match hdrs.last_mut() {
                Some(h) => {
                    if !cont.is_empty() {
                        if !h.value.is_empty() {
                            h.value.push(' ');
                        }
                        h.value.push_str(&cont);
                    }
                }
                None => problems.push(format!(
                    "line {}: an indented (folded) line follows the start line; ignored",
                    line.no
                )),
            }
            continue;
        }
        // A header line is never a start line (a start line has no token
        // followed by ':'), so the cheaper test goes first.
        let header = split_header(b);
        if header.is_none() && start_kind(b).is_some() {
            problems.push(format!(
                "the headers end without a blank line: another message starts at line {}",
                line.no
            ));
            next = Some(Next {
                pos: line.start,
                line_no: line.no,
            });
            header_end = line.start;
            break;
        }
        match header {
            Some((name, value)) => {
                let raw = src.str_of(name);
                // Known headers borrow the static canonical spelling.
                let (name, raw_name): (Cow<'static, str>, Cow<'static, str>) =
                    match headers::def(&raw) {
                        Some(d) if d.name == raw => (d.name.into(), d.name.into()),
                        Some(d) => (d.name.into(), raw.into_owned().into()),
                        None => {
                            let s = raw.into_owned();
                            (s.clone().into(), s.into())
                        }
                    };
                hdrs.push(Header {
                    name,
                    raw_name,
                    value: src.str_of(value).into_owned(),
                    line: line.no,
                });
            }
            None if looks_like_body(b) => {
                problems.push(format!(
                    "line {}: the body starts without the blank line that must end the headers",
                    line.no
                ));
                body_start = Some((line.start, line.no));
                header_end = line.start;
                break;
            }
            None => problems.push(format!(
                "line {}: not a header field ('Name: value'), ignored: {}",
                line.no,
                q(&lossy(b))
            )),
        }
    }

    if src.text.is_none()
        && std::str::from_utf8(&input[start_line.start..header_end.max(start_line.start)]).is_err()
    {
        problems.push(
            "the start line or headers are not valid UTF-8; invalid bytes are shown as \u{fffd}"
                .to_string(),
        );
    }

    let mut msg = Message {
        start,
        headers: hdrs,
        body: String::new(),
        body_len: 0,
        start_line_no: start_no,
        problems: Vec::new(),
    };
    check_headers(&msg, &mut problems);

    // The body, delimited by Content-Length when it is usable.
    let lf_mode = bare_lf > crlf;
    let cl = content_length(&msg, &mut problems);
    match body_start {
        Some((bs, bs_no)) => {
            let at = Pos { pos: bs, no: bs_no };
            let (body_end, after) = body_bounds(input, at, cl, lf_mode, &msg, &mut problems);
            let raw = &input[bs..body_end];
            msg.body = src.str_of(raw).into_owned();
            msg.body_len = wire_len(raw, !raw.contains(&b'\r'));
            if next.is_none() {
                next = after;
            }
        }
        None if next.is_none() && !blank_found => {
            let has_zero_cl = cl == Some(0);
            if !has_zero_cl && last_line_end >= input.len() {
                problems.push(
                    "the message ends without the blank line after the headers: \
                     the message may be cut short"
                        .to_string(),
                );
            }
        }
        None => {}
    }
    msg.problems = problems.finish();
    (msg, next)
}

/// Split `Name : value`; `None` unless the name is a token.
fn split_header(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = b.iter().position(|&c| c == b':')?;
    let name = trim_bytes(&b[..colon]);
    if name.is_empty() || !name.iter().all(|&c| headers::is_token_char(c)) {
        return None;
    }
    Some((name, trim_bytes(&b[colon + 1..])))
}

/// An SDP line (`v=0`, `o=...`) or other `x=` line where a header was expected.
fn looks_like_body(b: &[u8]) -> bool {
    b.len() >= 2 && b[0].is_ascii_lowercase() && b[1] == b'='
}

fn parse_start_line<'a>(
    src: &Src<'a>,
    line: &'a [u8],
    problems: &mut Problems,
    broken: bool,
) -> StartLine {
    let text = src.str_of(line);
    let t = text.trim_start_matches([' ', '\t']);
    if has_controls(t) {
        problems.push(
            "the start line contains control characters or terminal escape sequences \
             (shown escaped)"
                .to_string(),
        );
    }
    // A broken line is a status line if it reads like one: a version-like
    // first word, or a number second.
    let status_like = || {
        let mut w = words(trim_bytes(line));
        let first = w.next().unwrap_or_default();
        let second = w.next().unwrap_or_default();
        (first.len() >= 3 && first[..3].eq_ignore_ascii_case(b"SIP"))
            || (!second.is_empty() && second.iter().all(u8::is_ascii_digit))
    };
    if start_kind(line) == Some(Kind::Status) || (broken && status_like()) {
        parse_status(t, problems)
    } else {
        parse_request(t, problems)
    }
}

fn check_version(version: &str, problems: &mut Problems) {
    if version.is_empty() {
        return;
    }
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        problems.push(format!(
            "SIP version {} is not SIP/2.0; a SIP/2.0 element rejects it with \
             505 Version Not Supported (RFC 3261 §21.5.6)",
            q(version)
        ));
    } else if version != "SIP/2.0" {
        problems.push(format!(
            "SIP version written as {}: it must be sent in upper case (RFC 3261 §7.1)",
            q(version)
        ));
    }
}

fn parse_status(t: &str, problems: &mut Problems) -> StartLine {
    let t = t.trim_end_matches(['\r', '\n']);
    let (version, rest) = t.split_once([' ', '\t']).unwrap_or((t, ""));
    check_version(version, problems);
    let after = rest.trim_start_matches([' ', '\t']);
    if rest.len() - after.len() > 1 {
        problems.push(
            "more than one space between the version and the status code (RFC 3261 §7.2)"
                .to_string(),
        );
    }
    let (raw_code, reason) = after.split_once([' ', '\t']).unwrap_or((after, ""));
    let code = check_code(raw_code, problems);
    StartLine::Response {
        version: version.to_string(),
        code,
        raw_code: raw_code.to_string(),
        reason: reason.trim_matches([' ', '\t']).to_string(),
    }
}

/// Validate a status code field: exactly three digits, 100 to 699. Never
/// truncates, wraps or otherwise guesses a code from an invalid field.
fn check_code(raw: &str, problems: &mut Problems) -> Option<u16> {
    const RULE: &str = "a status code is exactly three digits from 100 to 699 (RFC 3261 §7.2)";
    if raw.is_empty() {
        problems.push(format!("the status line has no status code: {RULE}"));
        return None;
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(format!("status code {} is not a number: {RULE}", q(raw)));
        return None;
    }
    if raw.len() != 3 {
        problems.push(format!(
            "status code {} has {} digits: {RULE}; sipfix does not guess a code from it",
            q(raw),
            raw.len()
        ));
        return None;
    }
    // Three ASCII digits always fit.
    let n: u16 = raw.parse().ok()?;
    if !(100..=699).contains(&n) {
        problems.push(format!(
            "status code {raw} is outside 100 to 699: {RULE}; there is no {}xx class",
            n / 100
        ));
        return None;
    }
    Some(n)
}

fn parse_request(t: &str, problems: &mut Problems) -> StartLine {
    let trimmed = t.trim_end_matches([' ', '\t', '\r']);
    if trimmed.len() != t.len() {
        problems.push(
            "the request line ends with spaces after the version (RFC 3261 §7.1 allows none)"
                .to_string(),
        );
    }
    let (method, rest) = trimmed.split_once([' ', '\t']).unwrap_or((trimmed, ""));
    let rest = rest.trim_matches([' ', '\t']);
    let (uri, version) = match rest.rsplit_once([' ', '\t']) {
        Some((u, v)) if is_version(v.as_bytes()) => (u.trim_matches([' ', '\t']), v),
        _ if is_version(rest.as_bytes()) => ("", rest),
        _ => (rest, ""),
    };
    if !is_token(method) {
        problems.push(format!(
            "method {} has characters a method cannot have (RFC 3261 §25.1 token)",
            q(method)
        ));
    }
    if version.is_empty() {
        problems.push("the request line has no SIP version: it may be cut short".to_string());
    }
    check_version(version, problems);
    let single_spaced = !version.is_empty()
        && trimmed.len() == method.len() + uri.len() + version.len() + 2
        && !uri.contains([' ', '\t']);
    if !version.is_empty() && !single_spaced && !uri.contains([' ', '\t']) {
        problems.push(
            "the request line has extra whitespace between its elements; exactly one space \
             is allowed (RFC 3261 §7.1)"
                .to_string(),
        );
    }
    if uri.is_empty() {
        problems.push("the request line has no Request-URI".to_string());
    } else if uri.contains([' ', '\t']) {
        problems.push(format!(
            "the Request-URI {} contains whitespace, which a URI cannot hold (RFC 3261 §25.1)",
            q(uri)
        ));
    } else if uri.starts_with('<') && uri.ends_with('>') {
        problems.push(
            "the Request-URI is enclosed in <>; only header fields use that form \
             (RFC 3261 §7.1)"
                .to_string(),
        );
    }
    StartLine::Request {
        method: method.to_string(),
        uri: uri.to_string(),
        version: version.to_string(),
    }
}

/// Header-level checks: control characters, mandatory headers, scalar ranges.
fn check_headers(msg: &Message, problems: &mut Problems) {
    let mut seen_controls: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for h in &msg.headers {
        if (has_controls(&h.value) || has_controls(&h.raw_name))
            && seen_controls.insert(h.name.as_ref())
        {
            problems.push(format!(
                "header {} (line {}) contains control characters or terminal escape \
                 sequences: hostile or corrupted input, shown escaped",
                q(&h.name),
                h.line
            ));
        }
        if NAME_ADDR.iter().any(|n| h.name.eq_ignore_ascii_case(n)) && !quotes_balanced(&h.value) {
            problems.push(format!(
                "header {} (line {}) has an unterminated quoted string",
                h.name, h.line
            ));
        }
    }

    let request = !msg.is_response();
    let mut missing: Vec<&str> = ["Via", "From", "To", "Call-ID", "CSeq"]
        .into_iter()
        .filter(|n| msg.header(n).is_none())
        .collect();
    if request && msg.header("Max-Forwards").is_none() {
        missing.push("Max-Forwards");
    }
    if !missing.is_empty() {
        let (what, rfc) = if request {
            ("request", "RFC 3261 §8.1.1")
        } else {
            ("response", "RFC 3261 §8.2.6.2")
        };
        problems.push(format!(
            "missing header{} every {what} carries: {} ({rfc}); the message may be incomplete",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }

    check_cseq(msg, problems);

    if let Some(mf) = msg.header("Max-Forwards") {
        match parse_u64(mf.trim()) {
            Ok(n) if n <= 255 => {}
            Ok(_) | Err(NumError::TooLarge) => problems.push(format!(
                "Max-Forwards {} is larger than 255 (RFC 3261 §20.22)",
                q(mf)
            )),
            Err(NumError::NotANumber) => {
                problems.push(format!("Max-Forwards {} is not a number", q(mf)))
            }
        }
    }
    if let Some(e) = msg.header("Expires") {
        check_delta("Expires", e.trim(), problems);
    }
}

/// Headers whose values are name-addr forms with display names.
const NAME_ADDR: &[&str] = &[
    "To",
    "From",
    "Contact",
    "Reply-To",
    "Route",
    "Record-Route",
    "Refer-To",
    "Referred-By",
    "P-Asserted-Identity",
];

fn quotes_balanced(s: &str) -> bool {
    let mut in_q = false;
    let mut esc = false;
    for c in s.bytes() {
        if esc {
            esc = false;
        } else if in_q && c == b'\\' {
            esc = true;
        } else if c == b'"' {
            in_q = !in_q;
        }
    }
    !in_q
}

/// Check a delta-seconds value; report non-numbers and values over 2^32-1.
pub(super) fn check_delta(name: &str, v: &str, problems: &mut impl Extend<String>) {
    let msg = match parse_u64(v) {
        Ok(n) if n <= MAX_32 => return,
        Ok(_) | Err(NumError::TooLarge) => format!(
            "{name} {} is larger than 2^32-1 seconds, the largest value SIP allows \
             (RFC 3261 §25.1 delta-seconds); it is not truncated",
            q(v)
        ),
        Err(NumError::NotANumber) => format!("{name} {} is not a number of seconds", q(v)),
    };
    problems.extend(std::iter::once(msg));
}

fn check_cseq(msg: &Message, problems: &mut Problems) {
    let Some(cseq) = msg.header("CSeq") else {
        return;
    };
    let mut parts = cseq.split_ascii_whitespace();
    let num = parts.next().unwrap_or("");
    let method = parts.next();
    match parse_u64(num) {
        Ok(n) if n <= MAX_32 => {}
        Ok(_) | Err(NumError::TooLarge) => problems.push(format!(
            "CSeq number {} is larger than 2^32-1 (RFC 3261 §8.1.1.5)",
            q(num)
        )),
        Err(NumError::NotANumber) => problems.push(format!(
            "CSeq {} does not start with a sequence number",
            q(cseq)
        )),
    }
    match method {
        None => problems.push(format!("CSeq {} has no method", q(cseq))),
        Some(m) => {
            if parts.next().is_some() {
                problems.push(format!("CSeq {} has extra text after the method", q(cseq)));
            }
            if let Some(rm) = msg.method()
                && rm != m
            {
                problems.push(format!(
                    "the request method {} differs from the CSeq method {} \
                     (RFC 3261 §8.1.1.5); a UAS answers 400",
                    q(rm),
                    q(m)
                ));
            }
        }
    }
}

/// The usable Content-Length, reporting missing, repeated and bad values.
fn content_length(msg: &Message, problems: &mut Problems) -> Option<u64> {
    let values: Vec<&str> = msg
        .headers_named("Content-Length")
        .map(|h| h.value.trim())
        .collect();
    let first = *values.first()?;
    if values.len() > 1 {
        // Up to five distinct values, for the message; never quadratic.
        let mut distinct: Vec<&str> = vec![first];
        let mut differs = false;
        for v in &values[1..] {
            if *v != first {
                differs = true;
                if distinct.len() < 5 && !distinct.contains(v) {
                    distinct.push(v);
                }
            }
        }
        if differs {
            let shown: Vec<String> = distinct.iter().map(|v| q(v)).collect();
            problems.push(format!(
                "Content-Length appears {} times with different values ({}): the body \
                 length is ambiguous; a receiver must reject this (RFC 3261 §20.14 allows one)",
                values.len(),
                shown.join(", ")
            ));
            return None;
        }
        problems.push(format!(
            "Content-Length appears {} times (RFC 3261 §20.14 allows one)",
            values.len()
        ));
    }
    match parse_u64(first) {
        Ok(n) => Some(n),
        Err(NumError::TooLarge) => {
            problems.push(format!(
                "Content-Length {} is absurdly large; ignored",
                q(first)
            ));
            None
        }
        Err(NumError::NotANumber) => {
            problems.push(format!(
                "Content-Length {} is not a non-negative number; ignored",
                q(first)
            ));
            None
        }
    }
}

/// Length the body had on the wire: in a paste whose line ends became bare
/// LF, each LF stood for CRLF.
pub(super) fn wire_len(b: &[u8], lf_mode: bool) -> usize {
    if !lf_mode {
        return b.len();
    }
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        n += if c == b'\n' && (i == 0 || b[i - 1] != b'\r') {
            2
        } else {
            1
        };
    }
    n
}

/// The offset where `want` wire bytes of body end, if there are that many.
fn advance(b: &[u8], want: usize, lf_mode: bool) -> Option<usize> {
    if !lf_mode {
        return (want <= b.len()).then_some(want);
    }
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if n >= want {
            return Some(i);
        }
        n += if c == b'\n' && (i == 0 || b[i - 1] != b'\r') {
            2
        } else {
            1
        };
    }
    (n >= want).then_some(b.len())
}

/// Where the rest after a body leads: nothing, or a next message.
enum After {
    Nothing,
    Message(Next),
    Junk,
}

fn after_body(input: &[u8], pos: usize, line_no: usize) -> After {
    for line in Lines::new(input, pos, line_no) {
        if is_blank(line.bytes) {
            continue;
        }
        return if start_kind(line.bytes).is_some() {
            After::Message(Next {
                pos: line.start,
                line_no: line.no,
            })
        } else {
            After::Junk
        };
    }
    After::Nothing
}

/// A byte offset with its line number.
#[derive(Debug, Clone, Copy)]
struct Pos {
    pos: usize,
    no: usize,
}

impl Pos {
    /// The line number at `pos` (at or after `self.pos`), counting only the
    /// bytes in between so that scanning stays linear.
    fn line_at(self, input: &[u8], pos: usize) -> usize {
        self.no
            + input[self.pos..pos.max(self.pos)]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
    }
}

/// Decide where the body ends; report Content-Length disagreements.
fn body_bounds(
    input: &[u8],
    at: Pos,
    cl: Option<u64>,
    lf_mode: bool,
    msg: &Message,
    problems: &mut Problems,
) -> (usize, Option<Next>) {
    let bs = at.pos;
    let avail = &input[bs..];
    // The usual case first: Content-Length matches and nothing or a new
    // message follows. No need to scan the body.
    let modes: &[bool] = if lf_mode { &[true, false] } else { &[false] };
    let want = cl.map(|cl| usize::try_from(cl).unwrap_or(usize::MAX));
    let mut fits = None;
    if let Some(want) = want {
        // Try the body as counted on the wire and as pasted; accept the first
        // that ends cleanly (only blank lines or a new message after it).
        for &mode in modes {
            if let Some(end) = advance(avail, want, mode) {
                let end = bs + end;
                match after_body(input, end, at.line_at(input, end)) {
                    After::Nothing => return (end, None),
                    After::Message(n) => return (end, Some(n)),
                    After::Junk => {
                        fits.get_or_insert(end);
                    }
                }
            }
        }
    }

    // The body region without a usable Content-Length: up to the next start line.
    let scan_end = {
        Lines::new(input, bs, at.no)
            .find(|l| start_kind(l.bytes).is_some())
            .map_or(input.len(), |l| l.start)
    };
    let region = &input[bs..scan_end];
    let next_after_region = (scan_end < input.len()).then(|| Next {
        pos: scan_end,
        line_no: at.line_at(input, scan_end),
    });

    let Some(cl) = cl else {
        if msg.header("Content-Length").is_none() && !is_blank_text(region) {
            problems.push(format!(
                "no Content-Length header, yet a body of {} bytes follows \
                 (RFC 3261 §20.14 requires it over TCP)",
                region.len()
            ));
        }
        return (scan_end, next_after_region);
    };
    let want = usize::try_from(cl).unwrap_or(usize::MAX);
    let actual = wire_len(region, lf_mode);
    if fits.is_some() {
        problems.push(format!(
            "Content-Length says {cl} bytes but {actual} bytes follow the headers: \
             the value is too small, or something was appended"
        ));
        return (scan_end, next_after_region);
    }
    // Too few bytes. A paste that lost the final line end is fine.
    let short_by = want.saturating_sub(actual);
    let lost_final_eol = short_by <= 2 && !region.ends_with(b"\n");
    if !lost_final_eol {
        problems.push(format!(
            "Content-Length says {cl} bytes but only {actual} follow the headers: \
             the message is truncated or Content-Length is wrong"
        ));
    }
    (scan_end, next_after_region)
}

fn is_blank_text(b: &[u8]) -> bool {
    b.iter().all(|c| c.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_version(b"SIP/2.0"));
        assert!(is_version(b"sip/7.0"));
        assert!(!is_version(b"SIP/2.0/UDP"));
        assert!(!is_version(b"SIP/"));
        assert!(!is_version(b"SIP/2."));
    }

    #[test]
    fn start_kinds() {
        assert_eq!(start_kind(b"SIP/2.0 200 OK"), Some(Kind::Status));
        assert_eq!(start_kind(b"  SIP/2.0 abc x"), Some(Kind::Status));
        assert_eq!(start_kind(b"SIP/2.0"), Some(Kind::Status));
        assert_eq!(start_kind(b"INVITE sip:a@b SIP/2.0"), Some(Kind::Request));
        assert_eq!(start_kind(b"INVITE sip:a@b"), Some(Kind::Request));
        assert_eq!(start_kind(b"hello world SIP/2.0"), None);
        assert_eq!(start_kind(b"Via: SIP/2.0/UDP host"), None);
        assert_eq!(start_kind(b"SIP/2.0/UDP host"), None);
        assert_eq!(start_kind(b"v=0"), None);
        assert_eq!(start_kind(b""), None);
    }

    /// A byte-order mark before the message (a file saved "as UTF-8" by
    /// an editor) is no part of it: the start line is read as without it.
    #[test]
    fn a_byte_order_mark_before_the_message_is_skipped() {
        let msg = b"SIP/2.0 486 Busy Here\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n";
        let plain = parse(msg).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(msg);
        let m = parse(&bom).unwrap();
        assert_eq!(m.start, plain.start);
        assert_eq!(m.problems, plain.problems);
        assert_eq!(parse_all(&bom).unwrap().len(), 1);
    }

    #[test]
    fn wire_lengths() {
        assert_eq!(wire_len(b"a\nb\n", true), 6);
        assert_eq!(wire_len(b"a\r\nb\n", true), 6);
        assert_eq!(wire_len(b"a\nb\n", false), 4);
        assert_eq!(advance(b"a\nb\n", 6, true), Some(4));
        assert_eq!(advance(b"a\nb\n", 3, true), Some(2));
        assert_eq!(advance(b"a\nb\n", 7, true), None);
        assert_eq!(advance(b"abc", 0, false), Some(0));
    }
}
