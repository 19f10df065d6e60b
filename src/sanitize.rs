//! Make untrusted text safe to print: control characters (C0, C1, DEL) and
//! bidirectional overrides are shown as visible escapes, tabs are expanded.
//! Applied once, where text from outside (pastes, files, notes) enters.

/// Sanitise multi-line text: keeps `\n`, expands tabs to spaces (width 4),
/// turns `\r\n` and lone `\r` into `\n`, and escapes every other control.
pub fn text(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        push_line(&mut out, line);
    }
    out
}

/// Sanitise one line of text: like [`text`], but a newline is escaped too.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_line(&mut out, s);
    out
}

fn push_line(out: &mut String, line: &str) {
    let mut col = 0usize;
    for c in line.chars() {
        if c == '\t' {
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
/// controls, DEL, bidirectional overrides and invisible separators.
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || u == 0x7f
        || (0x80..=0x9f).contains(&u)
        || matches!(u, 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0x061c)
        || matches!(u, 0x2028 | 0x2029 | 0xfeff)
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
    fn escapes_controls_and_bidi() {
        assert_eq!(inline("a\x1b[31mb"), "a\\e[31mb");
        assert_eq!(inline("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(inline("\u{9b}"), "\\x9b");
        assert_eq!(inline("a\nb"), "a\\nb");
        assert_eq!(inline("del\x7f"), "del\\x7f");
    }

    #[test]
    fn normalises_line_ends_and_tabs() {
        assert_eq!(text("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(text("\tx"), "    x");
        assert_eq!(text("ab\tx"), "ab  x");
        assert_eq!(text("plain"), "plain");
    }
}
