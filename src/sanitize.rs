//! Make untrusted text safe to print: control characters (C0, C1, DEL) and
//! bidirectional overrides are shown as visible escapes, tabs are expanded.
//! Applied once, where text from outside (pastes, files, notes) enters.

use std::borrow::Cow;

/// Line ends of text from outside, made usable: text with no LF at all
/// ends its lines with CR, because a terminal paste (tmux `paste-buffer`,
/// screen, some SSH clients) turns every LF into CR. A CRLF message then
/// arrives with CR CR line ends, and an LF one with lone CRs. When an even
/// run of four or more CRs (a CRLF blank line) is found, or runs of exactly
/// two are several and at least half as many as lone CRs (the last run, at
/// the end of the text, not counted: a paste often loses its last LF), the
/// text came with CRLF line ends, if only in part (CRLF headers and an LF
/// body, an sngrep excerpt's LF lines around CRLF messages): a run of n CRs
/// is n/2 line ends written back as CRLF (a blank line is CR CR CR CR),
/// and an odd CR left over is one more, written as LF. Otherwise each CR is
/// one line end, written as LF. Text holding an LF is returned as it is
/// (CRLF and LF are read by everyone; a CR inside such a line stays a
/// character). Line numbers are kept.
pub fn line_ends(input: &[u8]) -> Cow<'_, [u8]> {
    if input.contains(&b'\n') || !input.contains(&b'\r') {
        return Cow::Borrowed(input);
    }
    // Without the run of CRs at the very end.
    let body = &input[..input.iter().rposition(|&b| b != b'\r').map_or(0, |i| i + 1)];
    let (mut ones, mut twos, mut blank_crlf) = (0usize, 0usize, false);
    for run in body.split(|&b| b != b'\r') {
        match run.len() {
            0 => {}
            1 => ones += 1,
            2 => twos += 1,
            n => blank_crlf |= n % 2 == 0,
        }
    }
    // An even run of four or more is a CRLF blank line (an LF text's two
    // blank lines in a row are three); without one, a couple of pairs
    // among many lone CRs are an LF text's blank lines.
    let pairs = blank_crlf || (twos >= 2 && twos * 2 >= ones);
    let mut out = Vec::with_capacity(input.len() + input.len() / 16);
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\r' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let n = input[i..].iter().take_while(|&&b| b == b'\r').count();
        if pairs {
            for _ in 0..n / 2 {
                out.extend_from_slice(b"\r\n");
            }
            if n % 2 == 1 {
                out.push(b'\n');
            }
        } else {
            out.extend(std::iter::repeat_n(b'\n', n));
        }
        i += n;
    }
    Cow::Owned(out)
}

/// [`line_ends`] of a string.
pub fn line_ends_str(s: &str) -> Cow<'_, str> {
    match line_ends(s.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        // Only ASCII CR and LF bytes were changed: still UTF-8.
        Cow::Owned(b) => Cow::Owned(
            String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    }
}

/// A terminal's control sequences (ESC `[`, parameters, a final byte: the
/// colours of a console capture saved with `script`, `tmux capture-pane
/// -e` or a coloured `fs_cli`, or a paste of such text), character-set
/// choices (`ESC ( B`) and window titles (`ESC ] ... BEL`), removed from
/// `b`,
/// so that a line reads as the program wrote it. Other bytes, a lone ESC
/// included, stay.
pub fn without_csi(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    // Where a search for a title's end found none: none comes after any
    // later title either (so many unended titles cost one search, not one
    // each to the end of the input).
    let (mut no_bel_from, mut no_st_from) = (usize::MAX, usize::MAX);
    while i < b.len() {
        // A window title (`ESC ] 0;title BEL`, or ended by `ESC \`).
        if b[i] == 0x1b && b.get(i + 1) == Some(&b']') {
            let from = i + 2;
            if from < no_bel_from {
                match memchr::memchr(0x07, &b[from..]) {
                    Some(end) => {
                        i = from + end + 1;
                        continue;
                    }
                    None => no_bel_from = from,
                }
            }
            if from < no_st_from {
                match memchr::memmem::find(&b[from..], b"\x1b\\") {
                    Some(end) => {
                        i = from + end + 2;
                        continue;
                    }
                    None => no_st_from = from,
                }
            }
        }
        // A character-set choice (`ESC ( B`, which `tput sgr0` writes).
        if b[i] == 0x1b
            && matches!(b.get(i + 1), Some(b'(' | b')'))
            && b.get(i + 2).is_some_and(u8::is_ascii_alphanumeric)
        {
            i += 3;
            continue;
        }
        if b[i] == 0x1b && b.get(i + 1) == Some(&b'[') {
            // ECMA-48: parameter bytes 0x30-0x3f, intermediates 0x20-0x2f,
            // then one final byte 0x40-0x7e.
            let mut j = i + 2;
            while j < b.len() && (0x20..=0x3f).contains(&b[j]) {
                j += 1;
            }
            if j < b.len() && (0x40..=0x7e).contains(&b[j]) {
                i = j + 1;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Sanitise multi-line text: keeps `\n`, expands tabs to spaces (width 4),
/// turns every line end ([`line_ends`], then `\r\n` and lone `\r`) into
/// `\n`, and escapes every other control.
pub fn text(s: &str) -> String {
    lines_of(s, Tabs::Expand)
}

/// Sanitise text pasted into an editor (the paste box, a note): like
/// [`text`], but a tab stays a tab (the editor draws it to the next tab
/// stop). A pasted SIP body indented with tabs (an XML body of a NOTIFY)
/// keeps its length, so its Content-Length still adds up.
pub fn pasted(s: &str) -> String {
    lines_of(s, Tabs::Keep)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tabs {
    Expand,
    Keep,
}

fn lines_of(s: &str, tabs: Tabs) -> String {
    let s = line_ends_str(s).replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        push_line(&mut out, line, tabs);
    }
    out
}

/// An identifier (a Call-ID) made ready for [`inline`]: a tab is written
/// `\t`, as JSON writes it, instead of being expanded to spaces, so the
/// shown text tells the value apart from one with spaces and can be
/// given back (`--call`).
pub fn ident(s: &str) -> Cow<'_, str> {
    if s.contains('\t') {
        Cow::Owned(s.replace('\t', "\\t"))
    } else {
        Cow::Borrowed(s)
    }
}

/// An identifier as shown whole: [`ident`], then [`inline`].
pub fn shown_ident(s: &str) -> String {
    inline(&ident(s))
}

/// Sanitise one line of text: like [`text`], but a newline is escaped too.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_line(&mut out, s, Tabs::Expand);
    out
}

fn push_line(out: &mut String, line: &str, tabs: Tabs) {
    // Printable ASCII, the usual case, goes as it is.
    if line.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.push_str(line);
        return;
    }
    let mut col = 0usize;
    for c in line.chars() {
        if c == '\t' && tabs == Tabs::Keep {
            out.push(c);
            col += 4 - col % 4;
        } else if c == '\t' {
            let n = 4 - col % 4;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else if let Some(esc) = escape(c) {
            col += esc.len();
            out.push_str(&esc);
        } else {
            out.push(c);
            col += 1;
        }
    }
}

/// True for a character that must not reach a terminal raw: C0 and C1
/// controls, DEL, bidirectional overrides, invisible separators and the
/// other format characters (Unicode category Cf: zero-width spaces and
/// joiners, the soft hyphen, tags), which a terminal shows as nothing or
/// not at all where the text says (`a\u{200b}b` reads as `ab`).
#[inline]
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    // ASCII (nearly every character a trace holds): one comparison or two.
    if u < 0x80 {
        return u < 0x20 || u == 0x7f;
    }
    u <= 0x9f || u == 0x2028 || u == 0x2029 || is_format(u)
}

/// Unicode's format characters (general category Cf, Unicode 15.1), bidi
/// overrides among them.
fn is_format(u: u32) -> bool {
    // Below U+00AD, none: the ASCII and Latin-1 fast path.
    u >= 0xad
        && matches!(u,
            0xad
            | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f)
}

/// Pretty JSON (two-space indent) in which every character that must not
/// reach a terminal raw is a `\u` escape: serde_json escapes C0 controls
/// only, this also escapes DEL, C1 controls, bidirectional overrides and
/// invisible separators (`\u007f`, `\u009b`, `\u202e`, ...). The JSON
/// means the same; only its bytes are safe to print.
pub fn json_pretty<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    json_pretty_to(&mut out, v)?;
    // The serializer writes only UTF-8 (strings and ASCII escapes).
    Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
}

/// [`json_pretty`] written to `w` as it is produced (for large documents:
/// nothing is built in memory first).
pub fn json_pretty_to<W: std::io::Write, T: serde::Serialize + ?Sized>(
    w: W,
    v: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, SafeJson::default());
    v.serialize(&mut ser)
}

/// Append `s` to `out` as a JSON string escaped exactly as [`json_pretty`]
/// escapes it (for JSON written by hand, field by field).
pub fn json_str_to(out: &mut Vec<u8>, s: &str) {
    json_str_known_to(out, s, json_plain(s.as_bytes()));
}

/// [`json_str_to`] for a text whose [`json_plain`] answer is known (a
/// text written many times asks it once).
pub(crate) fn json_str_known_to(out: &mut Vec<u8>, s: &str, plain: bool) {
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SafeJson::default());
    // Writing to memory cannot fail.
    let _ = serde::Serializer::serialize_str(&mut ser, s);
}

/// Whether `b` is printable ASCII without `"` and `\\`: a JSON string
/// that needs no escape. Eight bytes at a time (the JSON report asks this
/// of every value it writes).
pub(crate) fn json_plain(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // Some byte of `x` is zero when the result has a high bit set (the
    // usual word-at-a-time test: exact as to whether any byte is).
    let zero = |x: u64| x.wrapping_sub(LO) & !x;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        let w = u64::from_le_bytes(a);
        // Below 0x20 (controls), 0x7f and up (DEL, non-ASCII), a quote, a
        // backslash.
        let control = w.wrapping_sub(LO * 0x20) & !w;
        let high = w | ((w & !HI) + LO);
        let quote = zero(w ^ (LO * u64::from(b'"')));
        let backslash = zero(w ^ (LO * u64::from(b'\\')));
        if (control | high | quote | backslash) & HI != 0 {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// serde_json's pretty formatter, with the extra escapes of [`json_pretty`].
#[derive(Default)]
struct SafeJson<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for SafeJson<'_> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // Printable ASCII (most of it) needs no look at characters.
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return w.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            w.write_all(&rest.as_bytes()[..i])?;
            // Past U+FFFF, a JSON escape is a UTF-16 surrogate pair.
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{:04x}", unit)?;
            }
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    // Everything else: the pretty layout.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// The visible form of a character that must not reach a terminal raw.
fn escape(c: char) -> Option<String> {
    if !is_unsafe(c) {
        return None;
    }
    let u = c as u32;
    Some(match c {
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        '\x1b' => "\\e".to_string(),
        '\0' => "\\0".to_string(),
        _ if u < 0x100 => format!("\\x{u:02x}"),
        _ => format!("\\u{{{u:04x}}}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_are_removed() {
        assert_eq!(
            without_csi(b"\x1b[1;32m<--- Received\x1b[0m SIP\x1b[K"),
            b"<--- Received SIP"
        );
        assert_eq!(without_csi(b"\x1b[38;5;208mx"), b"x");
        // Not a complete sequence: kept as it is.
        assert_eq!(without_csi(b"a\x1bb"), b"a\x1bb");
        assert_eq!(without_csi(b"a\x1b["), b"a\x1b[");
        assert_eq!(without_csi(b"a\x1b[12\x01"), b"a\x1b[12\x01");
        assert_eq!(without_csi(b"plain"), b"plain");
        // `tput sgr0`, and colon parameters.
        assert_eq!(without_csi(b"a\x1b(B\x1b[mb\x1b[38:5:196mc"), b"abc");
        assert_eq!(without_csi(b"a\x1b("), b"a\x1b(");
        // bash's mode switch and a window title, both endings.
        assert_eq!(
            without_csi(b"\x1b[?2004la\x1b]0;pbx\x07b\x1b]2;t\x1b\\c"),
            b"abc"
        );
        // Titles never ended stay as they are, however many (each looked
        // for its end once, not each to the end of the input); one ended
        // by a BEL after them all takes them in, as one title would.
        let unended = b"\x1b]x".repeat(100_000);
        assert_eq!(without_csi(&unended), unended);
        let ended = [&unended[..], b"\x07z"].concat();
        assert_eq!(without_csi(&ended), b"z");
        let st = [&b"a\x1b]t"[..], &unended, b"\x1b\\b"].concat();
        assert_eq!(without_csi(&st), b"ab");
    }

    #[test]
    fn pasted_text_keeps_tabs_and_escapes_the_rest() {
        assert_eq!(text("a\tb\r\n\tc"), "a   b\n    c");
        assert_eq!(pasted("a\tb\r\n\tc"), "a\tb\n\tc");
        // Other controls are escaped in both; the escape's width moves
        // the tab stop of an expanded tab.
        assert_eq!(pasted("\x01\t\x1b"), "\\x01\t\\e");
        assert_eq!(text("\x01\tx"), "\\x01    x");
    }

    proptest::proptest! {
        /// The word-at-a-time test says what a byte-by-byte one says, and
        /// the fast way writes what serde writes.
        #[test]
        fn json_plain_is_exact(
            plain in proptest::collection::vec(0x20u8..0x7f, 0..40),
            odd in proptest::option::of((
                0usize..40,
                proptest::sample::select(vec![0u8, 0x1f, b'"', b'\\', 0x7f, 0x80, 0xc3, 0xff]),
            )),
        ) {
            let mut b = plain;
            if let Some((at, c)) = odd {
                b.insert(at.min(b.len()), c);
            }
            let slow = b.iter().all(|&c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\');
            proptest::prop_assert_eq!(json_plain(&b), slow);
            let s = String::from_utf8_lossy(&b);
            let mut out = Vec::new();
            json_str_to(&mut out, &s);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), json_pretty(&s).unwrap());
        }
    }

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(inline("a\x1b[31mb"), "a\\e[31mb");
        assert_eq!(inline("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(inline("\u{9b}"), "\\x9b");
        assert_eq!(inline("a\nb"), "a\\nb");
        assert_eq!(inline("del\x7f"), "del\\x7f");
    }

    /// Zero-width and other format characters are shown, as the bidi
    /// overrides are: `a\u{200b}b` read as `ab` on a terminal.
    #[test]
    fn escapes_format_characters() {
        assert_eq!(inline("a\u{200b}b"), "a\\u{200b}b");
        for c in [
            '\u{ad}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{e0041}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
            assert!(inline(&format!("x{c}y")).contains('\\'), "{c:?}");
        }
        // Letters, combining accents and CJK stay.
        assert_eq!(inline("e\u{301}暂ü"), "e\u{301}暂ü");
        // Past U+FFFF the JSON escape is a surrogate pair, and reads back.
        let v = vec!["t\u{e0041}g"];
        let s = json_pretty(&v).unwrap();
        assert!(s.contains("\\udb40\\udc41"), "{s}");
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let v = vec!["a\u{7f}b\u{9b}c\u{202e}d\u{1b}e \"q\" ok"];
        let s = json_pretty(&v).unwrap();
        assert_eq!(
            s,
            "[\n  \"a\\u007fb\\u009bc\\u202ed\\u001be \\\"q\\\" ok\"\n]"
        );
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            json_pretty(&serde_json::json!({"k": [1, "x"]})).unwrap(),
            serde_json::to_string_pretty(&serde_json::json!({"k": [1, "x"]})).unwrap()
        );
    }

    #[test]
    fn cr_only_line_ends_are_read_as_a_paste_made_them() {
        // CRLF through tmux: CR CR, a blank line CR CR CR CR.
        assert_eq!(
            line_ends(b"A: 1\r\rB: 2\r\r\r\rbody\r\r").as_ref(),
            b"A: 1\r\nB: 2\r\n\r\nbody\r\n"
        );
        // LF through tmux: lone CRs (a blank line is CR CR, an odd run elsewhere).
        assert_eq!(
            line_ends(b"A: 1\rB: 2\r\rbody\r").as_ref(),
            b"A: 1\nB: 2\n\nbody\n"
        );
        // A CRLF paste that lost its last LF (`$(cat msg)`): the trailing
        // odd run does not turn the whole into lone-CR line ends.
        assert_eq!(
            line_ends(b"A: 1\r\rB: 2\r\r\r\rv=0\r\r\r").as_ref(),
            b"A: 1\r\nB: 2\r\n\r\nv=0\r\n\n"
        );
        // CRLF headers, an LF body (some tools write SDP so).
        assert_eq!(
            line_ends(b"A: 1\r\rB: 2\r\rC: 3\r\r\r\rv=0\ro=x\rs=-\rc=y\r").as_ref(),
            b"A: 1\r\nB: 2\r\nC: 3\r\n\r\nv=0\no=x\ns=-\nc=y\n"
        );
        // LF lines around CRLF messages (an sngrep excerpt).
        assert_eq!(
            line_ends(b"2016 a -> b\rINVITE x SIP/2.0\r\rVia: v\r\rTo: t\r\r\r\r\r2016 b -> a\r")
                .as_ref(),
            b"2016 a -> b\nINVITE x SIP/2.0\r\nVia: v\r\nTo: t\r\n\r\n\n2016 b -> a\n"
        );
        // With an LF anywhere, nothing changes.
        for same in [&b"A\r\nB\r\n"[..], b"A\nB\n", b"A\rx\nB", b"no line end"] {
            assert!(matches!(line_ends(same), Cow::Borrowed(_)), "{same:?}");
        }
        assert_eq!(text("a\r\rb\r\r\r\rc"), "a\nb\n\nc");
        assert_eq!(text("a\rb"), "a\nb");
    }

    #[test]
    fn normalises_line_ends_and_tabs() {
        assert_eq!(text("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(text("\tx"), "    x");
        assert_eq!(text("ab\tx"), "ab  x");
        assert_eq!(text("plain"), "plain");
    }
}
