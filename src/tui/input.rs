//! Terminal input: bytes read from the tty to keys and pastes.
//!
//! sipfix reads the terminal itself (the run loop already polls it for
//! hang-ups) and hands crossterm none of it: crossterm 0.29 reads `ESC ESC`
//! as one Esc, so an Esc glued to a bracketed paste (one read on a slow
//! link or a busy moment) lost the paste-start marker and the pasted text
//! ran as keystrokes. Here the byte stream is framed first:
//!
//! * a bracketed paste (`ESC [ 200 ~` ... `ESC [ 201 ~`) is cut out whole,
//!   wherever it starts, and never reaches the key parser; one larger than
//!   [`MAX_PASTE`] is counted, not kept;
//! * an `ESC` followed by another `ESC` is an Esc key on its own;
//! * a terminal that does not bracket pastes (GNU screen, bracketed paste
//!   turned off) sends a paste as plain bytes, all at once, where a person
//!   types a key at a time: text that arrives together while the loop
//!   waits ([`InputDecoder::feed_after_wait`]) is a paste unless it is a
//!   handful of keys typed ahead over a slow link (at most [`BURST_KEYS`]:
//!   `Enter w`, `/busy`), and after a busy turn ([`InputDecoder::feed`])
//!   only lines of SIP or log text are (see [`looks_pasted`]). A paste takes the reads that follow it until
//!   [`BURST_WAIT`] of silence or an `ESC` that starts no colour sequence
//!   (a console excerpt keeps its colours, which the app removes);
//! * everything else goes to termina's key parser (the Helix editor's
//!   terminal layer, made for input its caller reads itself), whose keys
//!   are turned into crossterm key events for the app.
//!
//! A sequence cut between two reads waits for the rest: the loop calls
//! [`InputDecoder::flush`] after [`ESC_WAIT`] of silence, which turns a
//! lone `ESC` into the Esc key.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::VecDeque;
use std::time::Duration;

/// What the terminal sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    /// A bracketed paste (invalid UTF-8 replaced).
    Paste(String),
    /// A bracketed paste over [`MAX_PASTE`] bytes, dropped: its size.
    PasteTooLarge(usize),
}

/// The largest paste kept: a SIP message of the largest size sipfix reads,
/// with room for line-end conversions.
pub const MAX_PASTE: usize = crate::message::MAX_INPUT + 64 * 1024;

/// How long a partial escape sequence (or a lone Esc) waits for its rest.
pub const ESC_WAIT: Duration = Duration::from_millis(50);

/// A paste whose end marker never comes ends after this much silence.
pub const PASTE_WAIT: Duration = Duration::from_secs(2);

/// The fewest bytes in one read taken as an unbracketed paste after a
/// busy turn.
pub const BURST_MIN: usize = 16;

/// The most keys typed ahead that one read after a wait is taken for:
/// what a person types during a stall of a slow link (`Enter w`, `/busy`
/// and Enter). More text in one read is a paste (see [`looks_pasted`]).
pub const BURST_KEYS: usize = 6;

/// An unbracketed paste ends after this much silence: its later pieces
/// come as fast as the link carries them, a person's next key later.
pub const BURST_WAIT: Duration = Duration::from_millis(150);

const START: &[u8] = b"\x1b[200~";
const END: &[u8] = b"\x1b[201~";
const ESC: u8 = 0x1b;

/// Turns tty bytes into [`Input`]s; see the module docs.
#[derive(Debug, Default)]
pub struct InputDecoder {
    parser: termina::Parser,
    /// Bytes held back: the start of what may be a paste marker.
    pending: Vec<u8>,
    /// Inside a paste: its bytes so far (only the tail once over the limit).
    paste: Option<Vec<u8>>,
    /// Bytes of the current paste, kept or not.
    paste_len: usize,
    /// The current paste came without markers (see [`looks_pasted`]).
    burst: bool,
    /// The end of the last read of such a paste that may begin a colour
    /// sequence, held for the next read.
    burst_tail: Vec<u8>,
    /// The key parser may hold the start of an escape sequence (a plain
    /// key leaves it holding nothing a paste could cut).
    esc_held: bool,
    /// The key parser may hold the start of a sequence.
    parser_partial: bool,
    out: VecDeque<Input>,
}

impl InputDecoder {
    pub fn new() -> InputDecoder {
        InputDecoder::default()
    }

    /// Take bytes read from the terminal after the loop was busy (drawing,
    /// handling), when keys typed meanwhile may have piled up in them.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.take(bytes, false);
    }

    /// Take bytes read right after the loop waited for them: they arrived
    /// together, which typing never does (see [`looks_pasted`]).
    pub fn feed_after_wait(&mut self, bytes: &[u8]) {
        self.take(bytes, true);
    }

    fn take(&mut self, bytes: &[u8], after_wait: bool) {
        let mut bytes = bytes;
        // An Esc read just before (held for what may follow) and text that
        // arrives together now, not the rest of a sequence: the Esc key,
        // then a paste.
        if after_wait
            && self.paste.is_none()
            && self.pending == [ESC]
            && !matches!(bytes.first(), Some(&(b'[' | b'O' | ESC)))
            && looks_pasted(bytes, true)
        {
            self.flush();
        }
        // An Esc or an arrow pressed just before a paste, in the same read
        // (a laggy link): the key, then the paste.
        // (Not a bracketed paste: its start marker frames it.)
        if after_wait
            && self.paste.is_none()
            && self.pending.is_empty()
            && !self.esc_held
            && find(bytes, START).is_none()
        {
            // (A colour sequence there is text of the paste.) Keys: one or
            // more, Esc Esc for one.
            let mut k = 0;
            while text_sequence(&bytes[k..]).is_none() {
                match key_prefix(&bytes[k..]) {
                    0 => break,
                    n => k += n,
                }
            }
            if k > 0 && k < bytes.len() && looks_pasted(&bytes[k..], true) {
                self.feed_keys(&bytes[..k], true);
                bytes = &bytes[k..];
            }
        }
        let mut short = false;
        if self.paste.is_none()
            && self.pending.is_empty()
            && !self.esc_held
            && looks_pasted(bytes, after_wait)
        {
            self.paste = Some(Vec::new());
            self.paste_len = 0;
            self.burst = true;
            // A few characters at once are all there is (a short tag, a
            // code and its reason): the keys typed next are not taken
            // into it.
            short = bytes.len() < BURST_MIN;
        }
        let joined;
        if self.burst && !self.burst_tail.is_empty() {
            let mut tail = std::mem::take(&mut self.burst_tail);
            tail.extend_from_slice(bytes);
            joined = tail;
            bytes = &joined;
        }
        if self.burst {
            bytes = self.feed_burst(bytes);
            if short && self.burst && self.burst_tail.is_empty() {
                self.end_paste();
            }
        }
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(bytes);
        let mut rest: &[u8] = &data;
        while !rest.is_empty() {
            rest = if self.paste.is_some() {
                self.feed_paste(rest)
            } else {
                self.feed_normal(rest)
            };
        }
    }

    /// Bytes outside a paste: keys up to a paste start (if any). Returns
    /// what follows the paste start.
    fn feed_normal<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        if let Some(p) = find(data, START) {
            self.feed_keys(&data[..p], true);
            // Whatever the key parser held is cut by the paste: drop it.
            self.parser = termina::Parser::default();
            self.parser_partial = false;
            self.esc_held = false;
            self.paste = Some(Vec::new());
            self.paste_len = 0;
            return &data[p + START.len()..];
        }
        // Hold back a tail that may be the start of a paste marker.
        let hold = (1..START.len())
            .rev()
            .find(|&k| data.len() >= k && data.ends_with(&START[..k]))
            .unwrap_or(0);
        self.feed_keys(&data[..data.len() - hold], false);
        self.pending = data[data.len() - hold..].to_vec();
        &[]
    }

    /// Bytes inside a paste, up to its end marker. Returns what follows it.
    fn feed_paste<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        let Some(buf) = self.paste.as_mut() else {
            return data;
        };
        let from = buf.len().saturating_sub(END.len() - 1);
        buf.extend_from_slice(data);
        self.paste_len += data.len();
        if let Some(p) = find(&buf[from..], END).map(|p| p + from) {
            let after = buf.len() - (p + END.len());
            self.paste_len -= buf.len() - p;
            buf.truncate(p);
            self.end_paste();
            return &data[data.len() - after..];
        }
        if buf.len() > MAX_PASTE + END.len() {
            // Over the limit: keep only what may hold the end marker.
            let keep = END.len() - 1;
            buf.drain(..buf.len() - keep);
        }
        &[]
    }

    /// Bytes of an unbracketed paste, up to an `ESC` that starts no colour
    /// sequence (a key or a marker; a pasted console excerpt may carry
    /// colours, keys never do). Returns what follows the paste.
    fn feed_burst<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        // A control key typed after the paste (Backspace, Ctrl-C, Ctrl-Z)
        // ends it too: a paste has no control bytes but tab and line ends.
        let control = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || *b == 0x7f;
        let mut end = data.len();
        let mut i = 0;
        while let Some(p) = data[i..].iter().position(control) {
            let at = i + p;
            if data[at] != ESC {
                end = at;
                break;
            }
            match text_sequence(&data[at..]) {
                Some(n) => i = at + n,
                // Cut by the end of this read: wait for the rest.
                None if could_be_text_sequence(&data[at..]) => {
                    self.burst_tail = data[at..].to_vec();
                    end = at;
                    break;
                }
                None => {
                    end = at;
                    break;
                }
            }
        }
        let text = &data[..end];
        self.paste_len += text.len();
        if let Some(buf) = self.paste.as_mut()
            && buf.len() + text.len() <= MAX_PASTE
        {
            buf.extend_from_slice(text);
        }
        if end < data.len() && self.burst_tail.is_empty() {
            self.end_paste();
            return &data[end..];
        }
        &[]
    }

    fn end_paste(&mut self) {
        self.burst = false;
        let Some(buf) = self.paste.take() else {
            return;
        };
        let len = std::mem::take(&mut self.paste_len);
        self.out.push_back(if len > MAX_PASTE {
            Input::PasteTooLarge(len)
        } else {
            Input::Paste(String::from_utf8_lossy(&buf).into_owned())
        });
    }

    /// Key bytes to the parser, an `ESC` before another `ESC` on its own.
    /// `complete`: nothing of a sequence can follow in a later read.
    fn feed_keys(&mut self, bytes: &[u8], complete: bool) {
        // Enter as a terminal sends it: CR, CR LF (a serial console, some
        // telnet clients) or LF (Ctrl-J, which the note editor would take
        // for "delete to the line's start").
        let enter;
        let bytes = if bytes.contains(&b'\n') {
            let mut v = Vec::with_capacity(bytes.len());
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b'\n' if i > 0 && bytes[i - 1] == b'\r' => {}
                    b'\n' => v.push(b'\r'),
                    _ => v.push(b),
                }
            }
            enter = v;
            &enter[..]
        } else {
            bytes
        };
        // A new ESC starts a new sequence: what the parser held is complete.
        if self.parser_partial && bytes.first() == Some(&ESC) {
            self.flush_parser();
        }
        let mut start = 0;
        for i in 0..bytes.len().saturating_sub(1) {
            if bytes[i] == ESC && bytes[i + 1] == ESC {
                self.parser.parse(&bytes[start..=i], false);
                start = i + 1;
            }
        }
        let tail = &bytes[start..];
        if !tail.is_empty() || complete {
            self.parser.parse(tail, !complete);
        }
        // Complete: the parser flushed what it held. Otherwise it may hold
        // the start of a sequence (from this read or an earlier one).
        self.parser_partial = !complete && (self.parser_partial || !tail.is_empty());
        self.esc_held = self.parser_partial && (self.esc_held || tail.contains(&ESC));
        self.drain_parser();
    }

    fn drain_parser(&mut self) {
        while let Some(ev) = self.parser.pop() {
            if let termina::Event::Key(k) = ev
                && let Some(k) = to_crossterm(k)
            {
                self.out.push_back(Input::Key(k));
            }
        }
    }

    /// Whether input is waiting for more bytes (call [`flush`](Self::flush)
    /// after a silence of [`ESC_WAIT`], or [`PASTE_WAIT`] inside a paste,
    /// [`BURST_WAIT`] inside an unbracketed one).
    pub fn waiting(&self) -> Option<Duration> {
        if self.burst {
            Some(BURST_WAIT)
        } else if self.paste.is_some() {
            Some(PASTE_WAIT)
        } else if !self.pending.is_empty() || self.parser_partial {
            Some(ESC_WAIT)
        } else {
            None
        }
    }

    /// No more bytes came: a held partial sequence is what it is (a lone
    /// `ESC` is the Esc key), an unterminated paste ends.
    pub fn flush(&mut self) {
        // A paste's held tail: a lone ESC is the Esc key pressed after it,
        // more is the paste's own (cut) text.
        let tail = std::mem::take(&mut self.burst_tail);
        if tail.len() > 1
            && let Some(buf) = self.paste.as_mut()
        {
            self.paste_len += tail.len();
            if buf.len() + tail.len() <= MAX_PASTE {
                buf.extend_from_slice(&tail);
            }
        }
        if self.paste.is_some() {
            self.end_paste();
        }
        if tail.len() == 1 {
            self.pending.extend_from_slice(&tail);
        }
        self.flush_parser();
        let held = std::mem::take(&mut self.pending);
        self.feed_keys(&held, true);
        self.flush_parser();
    }

    /// Let the parser emit what it holds (a lone `ESC` is the Esc key);
    /// anything still held then is a broken sequence, dropped.
    fn flush_parser(&mut self) {
        self.parser.parse(&[], false);
        self.drain_parser();
        self.parser = termina::Parser::default();
        self.parser_partial = false;
        self.esc_held = false;
    }

    /// The next decoded input.
    pub fn pop(&mut self) -> Option<Input> {
        self.out.pop_front()
    }
}

/// Whether one read is a paste from a terminal that does not bracket
/// pastes. A person types a key at a time, and the loop reads each as it
/// comes; but keys typed ahead over a slow link (SSH on a congested line,
/// a stall) arrive together too, and those are a handful: `Enter w`, `g
/// Enter`, `jjk`, `/busy`. So a read `after_wait` (the loop was waiting
/// for input, not busy) is a paste when it holds text no key sends (a
/// colour sequence of a console excerpt), or more than [`BURST_KEYS`]
/// keys of text (each character a key, CR LF one Enter), not only line
/// ends nor one key repeated (a held key). A SIP message, a Call-ID, a
/// tag or a reason phrase is longer than that; a key sequence (an arrow,
/// Esc) or a control key in a read makes it keys (see below). After the
/// loop was busy (a slow terminal took long to draw), keys typed
/// meanwhile pile up in one read, letters,
/// digits, `/`, a filter or a note typed ahead. Then a paste is at least
/// [`BURST_MIN`] bytes of six different bytes or more: lines with a `:` or
/// an `@` (SIP or a log), or one line that does not start with a key or
/// two and `/` (a search typed ahead); words typed ahead are then taken
/// for a paste and not acted on, which is the safe side. Text is
/// printable, UTF-8, tab, line breaks or terminal sequences no key sends
/// (Ctrl-D or an arrow is not text).
fn looks_pasted(bytes: &[u8], after_wait: bool) -> bool {
    let is_text = |b: &u8| matches!(b, b' '..=b'~' | 0x80..=0xff | b'\t' | b'\r' | b'\n');
    // Text, colour sequences included: its characters (UTF-8 lead bytes),
    // the keys they would be (a CR LF is one Enter), whether any is not a
    // line end or space, and whether it holds a sequence no key sends.
    let (mut i, mut chars, mut keys, mut visible, mut sequences) = (0, 0, 0, false, false);
    while i < bytes.len() {
        let b = bytes[i];
        if is_text(&b) {
            let char_start = b & 0xc0 != 0x80;
            chars += usize::from(char_start);
            keys += usize::from(char_start && !(b == b'\n' && i > 0 && bytes[i - 1] == b'\r'));
            visible |= !b.is_ascii_whitespace();
            i += 1;
        } else {
            match text_sequence(&bytes[i..]) {
                Some(n) => {
                    sequences = true;
                    i += n;
                }
                // One cut by the end of the read.
                None if could_be_text_sequence(&bytes[i..]) => break,
                None => return false,
            }
        }
    }
    if after_wait {
        // One character repeated is a held key a network stall delivered
        // at once, not a paste; so is a handful of keys typed ahead.
        let first = bytes.first();
        let repeated = bytes.iter().all(|b| Some(b) == first);
        return chars >= 2
            && visible
            && !repeated
            && (sequences || (keys > BURST_KEYS && !search_typed_ahead(bytes)));
    }
    if bytes.len() < BURST_MIN {
        return false;
    }
    let mut seen = [false; 256];
    let distinct = bytes
        .iter()
        .filter(|&&b| !std::mem::replace(&mut seen[usize::from(b)], true))
        .nth(5)
        .is_some();
    if !distinct {
        return false;
    }
    let lines = bytes.trim_ascii_end();
    if lines.iter().any(|&b| b == b'\r' || b == b'\n') {
        return bytes.iter().any(|&b| b == b':' || b == b'@');
    }
    // One line: a search or filter typed ahead is keys; anything else this
    // long is taken for a paste (a Call-ID, a phrase, a URI): words typed
    // ahead are then not acted on, where a paste run as keys could quit or
    // write a note.
    !search_typed_ahead(bytes)
}

/// One line (its Enter at the end or not) that opens the search or the
/// calls filter after a key or two and types into it (`/480 busy`,
/// `f/code:403`, `/code:486` and Enter): keys typed ahead, however long.
/// (A path pasted unbracketed, `/var/log/x`, is then typed into the
/// search line, which does no harm.)
fn search_typed_ahead(bytes: &[u8]) -> bool {
    let line = bytes.trim_ascii_end();
    if line.iter().any(|&b| b == b'\r' || b == b'\n') {
        return false;
    }
    let keys = line
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    keys <= 2 && line.get(keys) == Some(&b'/')
}

/// The length of a terminal sequence at the start of `b` that a console
/// excerpt carries and no key sends: colours and erasing (`ESC [ 1;33m`,
/// `ESC [ 38:5:196m`, `ESC [ K`, `ESC [ 2J`), a column (`ESC [ 1G`), a
/// mode (`ESC [ ?2004l`, which bash writes around each command), a
/// character set (`ESC ( B`, from `tput sgr0`), a window title (`ESC ]
/// 0;title BEL`). Keys end in `A`-`D`, `F`, `H`, `P`-`S`, `Z`, `u` or `~`
/// (a bare `ESC [ G` is a keypad's 5), and none starts `ESC (` or `ESC ]`.
fn text_sequence(b: &[u8]) -> Option<usize> {
    if let [ESC, b'(' | b')', c, ..] = b {
        return c.is_ascii_alphanumeric().then_some(3);
    }
    if let Some(osc) = b.strip_prefix(b"\x1b]") {
        // Ends at BEL or at ESC \ (a string terminator).
        let end = osc.iter().position(|&c| c == 0x07 || c == ESC)?;
        return match osc[end] {
            0x07 => Some(end + 3),
            _ => (osc.get(end + 1) == Some(&b'\\')).then_some(end + 4),
        };
    }
    let rest = b.strip_prefix(b"\x1b[")?;
    let params = rest
        .iter()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b';' | b':' | b'?'))
        .count();
    let text = match rest.get(params) {
        Some(b'm' | b'K' | b'J' | b'h' | b'l') => true,
        Some(b'G') => params > 0,
        _ => false,
    };
    text.then_some(params + 3)
}

/// The length of the key sequence `b` starts with, when it starts with
/// `ESC`: `ESC [` or `ESC O`, parameters and a final byte (an arrow, a
/// function key), else the Esc alone. 0 without an `ESC`.
fn key_prefix(b: &[u8]) -> usize {
    match b {
        [ESC, b'[' | b'O', rest @ ..] => rest
            .iter()
            .position(|c| (0x40..=0x7e).contains(c))
            .map_or(0, |f| f + 3),
        [ESC, ..] => 1,
        _ => 0,
    }
}

/// Whether `b` (the end of a read) may be the start of what
/// [`text_sequence`] takes: `ESC`, `ESC [`, and parameters so far; a
/// window title not yet ended.
fn could_be_text_sequence(b: &[u8]) -> bool {
    match b {
        [ESC] | [ESC, b'[' | b'(' | b')' | b']'] => true,
        [ESC, b'[', params @ ..] => params
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b';' | b':' | b'?')),
        [ESC, b']', title @ ..] => !title.contains(&0x07),
        _ => false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A termina key as the crossterm key event the app works with; `None` for
/// keys sipfix has no use for.
fn to_crossterm(k: termina::event::KeyEvent) -> Option<KeyEvent> {
    use termina::event::{KeyCode as T, KeyEventKind as K, Modifiers as M};
    let code = match k.code {
        T::Char(c) => KeyCode::Char(c),
        T::Enter => KeyCode::Enter,
        T::Backspace => KeyCode::Backspace,
        T::Tab => KeyCode::Tab,
        T::BackTab => KeyCode::BackTab,
        T::Escape => KeyCode::Esc,
        T::Left => KeyCode::Left,
        T::Right => KeyCode::Right,
        T::Up => KeyCode::Up,
        T::Down => KeyCode::Down,
        T::Home => KeyCode::Home,
        T::End => KeyCode::End,
        T::PageUp => KeyCode::PageUp,
        T::PageDown => KeyCode::PageDown,
        T::Insert => KeyCode::Insert,
        T::Delete => KeyCode::Delete,
        T::Function(n) => KeyCode::F(n),
        T::Null => KeyCode::Null,
        _ => return None,
    };
    let mut mods = KeyModifiers::NONE;
    for (t, c) in [
        (M::SHIFT, KeyModifiers::SHIFT),
        (M::ALT, KeyModifiers::ALT),
        (M::CONTROL, KeyModifiers::CONTROL),
        (M::SUPER, KeyModifiers::SUPER),
        (M::HYPER, KeyModifiers::HYPER),
        (M::META, KeyModifiers::META),
    ] {
        if k.modifiers.contains(t) {
            mods |= c;
        }
    }
    let kind = match k.kind {
        K::Press => KeyEventKind::Press,
        K::Repeat => KeyEventKind::Repeat,
        K::Release => KeyEventKind::Release,
    };
    Some(KeyEvent::new_with_kind(code, mods, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads that came right after a wait (the loop idle, as it mostly is).
    fn decode(chunks: &[&[u8]]) -> Vec<Input> {
        decode_as(chunks, true)
    }

    /// Reads that came after the loop was busy (keys may pile up).
    fn decode_busy(chunks: &[&[u8]]) -> Vec<Input> {
        decode_as(chunks, false)
    }

    fn decode_as(chunks: &[&[u8]], after_wait: bool) -> Vec<Input> {
        let mut d = InputDecoder::new();
        for c in chunks {
            if after_wait {
                d.feed_after_wait(c);
            } else {
                d.feed(c);
            }
        }
        d.flush();
        std::iter::from_fn(|| d.pop()).collect()
    }

    /// Each input, read alone, is one paste of itself.
    fn each_a_paste(after_wait: bool, inputs: &[&[u8]]) {
        for p in inputs {
            assert_eq!(
                decode_as(&[p], after_wait),
                vec![Input::Paste(String::from_utf8_lossy(p).into())],
                "{}",
                String::from_utf8_lossy(p)
            );
        }
    }

    fn key(c: KeyCode) -> Input {
        Input::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    /// Ctrl-G (BEL), the key that lists the status messages, reaches the
    /// app as Ctrl and `g`, as the key map writes it.
    #[test]
    fn ctrl_g_is_a_key() {
        assert_eq!(
            decode(&[b"\x07"]),
            vec![Input::Key(KeyEvent::new(
                KeyCode::Char('g'),
                KeyModifiers::CONTROL
            ))]
        );
    }

    #[test]
    fn an_esc_glued_to_a_paste_is_an_esc_then_the_paste() {
        let got = decode(&[b"\x1b\x1b[200~INVITE sip:x SIP/2.0\r\n\x1b[201~j"]);
        assert_eq!(
            got,
            vec![
                key(KeyCode::Esc),
                Input::Paste("INVITE sip:x SIP/2.0\r\n".into()),
                key(KeyCode::Char('j')),
            ]
        );
    }

    const MSG: &[u8] = b"SIP/2.0 480 Temporarily Unavailable\rVia: SIP/2.0/UDP h\r\r";

    #[test]
    fn an_unbracketed_paste_is_a_paste_not_keys() {
        // One read, as GNU screen or a console without bracketed paste sends it.
        let got = decode(&[MSG]);
        assert_eq!(got, vec![Input::Paste(String::from_utf8_lossy(MSG).into())]);
    }

    #[test]
    fn an_unbracketed_paste_takes_its_later_reads_until_silence_or_esc() {
        let mut d = InputDecoder::new();
        d.feed(&MSG[..40]);
        assert_eq!(d.waiting(), Some(BURST_WAIT));
        assert_eq!(d.pop(), None, "nothing before the paste ends");
        // The rest of a long paste in small pieces, then an arrow key.
        d.feed(&MSG[40..45]);
        d.feed(b"j");
        d.feed(&MSG[45..]);
        d.feed(b"\x1b[Aj");
        d.flush();
        let mut text = MSG[..45].to_vec();
        text.push(b'j');
        text.extend_from_slice(&MSG[45..]);
        assert_eq!(
            std::iter::from_fn(|| d.pop()).collect::<Vec<_>>(),
            vec![
                Input::Paste(String::from_utf8_lossy(&text).into()),
                key(KeyCode::Up),
                key(KeyCode::Char('j')),
            ]
        );
        // Silence ends it too: the next read is keys again.
        let mut d = InputDecoder::new();
        d.feed(MSG);
        d.flush();
        d.feed(b"q");
        d.flush();
        let got: Vec<_> = std::iter::from_fn(|| d.pop()).collect();
        assert_eq!(got[1..], [key(KeyCode::Char('q'))]);
    }

    #[test]
    fn a_one_line_paste_is_a_paste_and_a_later_read_can_start_one() {
        // A Call-ID pasted into the codes list: not `q`, `d`, `f`... as keys.
        let id = b"f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com";
        assert_eq!(
            decode(&[id]),
            vec![Input::Paste(String::from_utf8_lossy(id).into())]
        );
        // Keys just before (no pause): the paste is still seen.
        let got = decode(&[b"j", MSG]);
        assert_eq!(got[0], key(KeyCode::Char('j')));
        assert_eq!(
            got[1..],
            [Input::Paste(String::from_utf8_lossy(MSG).into())]
        );
    }

    /// Words typed ahead over a busy turn are taken for a paste (the safe
    /// side: a paste of words run as keys quit sipfix). In an open search
    /// line they land as typed, their Enter applied by the app.
    #[test]
    fn words_typed_ahead_over_a_busy_turn_are_a_paste() {
        for words in [
            &b"ncall bob back at ten\r"[..],
            b"temporarily unavailable\r",
        ] {
            assert_eq!(
                decode_busy(&[words]),
                vec![Input::Paste(String::from_utf8_lossy(words).into())]
            );
        }
    }

    #[test]
    fn typing_is_never_taken_for_a_paste() {
        let typed: [&[u8]; 13] = [
            // A filter typed ahead during a stall (its terms have colons),
            // after command keys too.
            b"/code:489 method:publish\r",
            b"/peer:10.0.0.5",
            b"f/code:403 method:INVITE\r",
            b"b/call:1-4461@127.0.1.1\r",
            b"wddsdddfddsddddd",
            // Keys piled up while the screen was slow to draw.
            b"q\rjjjjjjjjjjjjjjjj",
            b"jjjjjjjjjj\rjjjjjjjjj",
            b"j\rbj\rbj\rbj\rbj\rbj\r",
            // Keys one or two to a read, Enter included.
            b"/4",
            b"80\r",
            // A held key repeating while the screen was slow to draw.
            b"jjjjjjjjjjjjjjjjjjjjjjjj",
            // A held Enter.
            b"\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r",
            // Text with a control key in it (Ctrl-D decodes in the paste box).
            b"Via: x\rCSeq: 1 INVITE\x04",
        ];
        for t in typed {
            let got = decode_busy(&[t]);
            assert!(
                got.iter().all(|i| matches!(i, Input::Key(_))),
                "{:?} was taken for a paste: {got:?}",
                String::from_utf8_lossy(t)
            );
        }
    }

    /// A coloured console excerpt pasted without brackets: its colour
    /// sequences are text of the paste, not an Esc ending it (the rest ran
    /// as keys: `c` pinned a code, `n` opened its note and took the text).
    #[test]
    fn colours_in_an_unbracketed_paste_stay_in_it() {
        let log: &[u8] = b"\x1b[1;33m[Nov 30 10:00:01]\x1b[0m VERBOSE[1]: \x1b[0;37m-- Executing \
                            [100@from-internal:1]\x1b[K\rnote";
        assert_eq!(
            decode(&[log]),
            vec![Input::Paste(String::from_utf8_lossy(log).into())]
        );
        // bash's mode sequences and a window title: the `n` of `chan_sip`
        // after them opened a note that took the rest.
        let typescript: &[u8] =
            b"\x1b[?2004l\r\x1b]0;pbx\x07[Nov 30 10:00:01] WARNING[1234]: chan_sip.c: got 486\r\n";
        assert_eq!(
            decode_busy(&[typescript]),
            vec![Input::Paste(String::from_utf8_lossy(typescript).into())]
        );
        // Colon parameters and `tput sgr0`'s `ESC ( B ESC [ m` too: a `q`
        // after them quit sipfix.
        let tput: &[u8] = b"Via: SIP/2.0/UDP h\x1b(B\x1b[m\x1b[38:5:196m\rCSeq: 1 INVITE";
        assert_eq!(
            decode(&[tput]),
            vec![Input::Paste(String::from_utf8_lossy(tput).into())]
        );
        // Split inside a colour sequence over two reads.
        let at = find(log, b"\x1b[0;37m").unwrap();
        for cut in at + 1..at + 6 {
            let (a, b) = log.split_at(cut);
            assert_eq!(
                decode(&[a, b]),
                vec![Input::Paste(String::from_utf8_lossy(log).into())],
                "cut at {cut}"
            );
        }
        // An arrow key still ends it, and an Esc pressed right after it is
        // the Esc key.
        let got = decode(&[b"Via: SIP/2.0/UDP 10.0.0.1\x1b[0m x", b"\x1b[Aj"]);
        assert_eq!(
            got,
            vec![
                Input::Paste("Via: SIP/2.0/UDP 10.0.0.1\x1b[0m x".into()),
                key(KeyCode::Up),
                key(KeyCode::Char('j')),
            ]
        );
        let got = decode(&[b"Via: SIP/2.0/UDP 10.0.0.1 x\x1b"]);
        assert_eq!(
            got,
            vec![
                Input::Paste("Via: SIP/2.0/UDP 10.0.0.1 x".into()),
                key(KeyCode::Esc)
            ]
        );
    }

    /// Pastes in GNU screen of what has no `:` or `@`: a Call-ID (base64,
    /// a UUID), a Reason value. As keys they quit (`q`), wrote a note
    /// (`n`), exported (`x`).
    #[test]
    fn a_pasted_id_or_value_is_a_paste() {
        each_a_paste(
            true,
            &[
                &b"KI5bsvmePnYEzcmPjvUpKA.."[..],
                b"a9Pq4IAhiCaGggTfcMYumwq",
                b"0076da05-6f74-4bd0-8351-179edaca8596",
                b"3c2d9a8f7e6b5a4c1d0e",
                b"Q.850;cause=18;text=\"No user responding\"",
            ],
        );
        // Lines starting with `/` (a `grep -H` excerpt) are a paste, after
        // a busy turn too.
        let grep: &[u8] = b"/var/log/asterisk/full:[2024-05-01 10:00:03] VERBOSE[1]\r/var/log/asterisk/full:INVITE sip:a SIP/2.0\r";
        assert!(matches!(&decode(&[grep])[..], [Input::Paste(_)]));
        assert!(matches!(&decode_busy(&[grep])[..], [Input::Paste(_)]));
    }

    /// Keys typed ahead over a slow link arrive together after a wait: a
    /// handful of keys (Enter, an arrow or Esc each one) are those keys,
    /// not a paste. They were lost: Enter and `w` did not open the
    /// walk-through, `/busy` did not search.
    #[test]
    fn a_short_burst_of_keys_typed_ahead_is_those_keys() {
        let ch = |c| key(KeyCode::Char(c));
        let cases: [(&[u8], Vec<Input>); 8] = [
            (b"\rw", vec![key(KeyCode::Enter), ch('w')]),
            (b"g\r", vec![ch('g'), key(KeyCode::Enter)]),
            (b"g\r\n", vec![ch('g'), key(KeyCode::Enter)]),
            (b"jjk", vec![ch('j'), ch('j'), ch('k')]),
            (b"/busy", "/busy".chars().map(ch).collect()),
            (
                b"/busy\r",
                "/busy"
                    .chars()
                    .map(ch)
                    .chain([key(KeyCode::Enter)])
                    .collect(),
            ),
            (b"486", vec![ch('4'), ch('8'), ch('6')]),
            (
                b"\x1b[Bjk\x1b[A",
                vec![key(KeyCode::Down), ch('j'), ch('k'), key(KeyCode::Up)],
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                decode(&[bytes]),
                want,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        // An arrow cut by the end of the read: joined with the next one.
        assert_eq!(
            decode(&[b"jk\x1b[", b"A"]),
            vec![ch('j'), ch('k'), key(KeyCode::Up)]
        );
        // A search or filter typed ahead, longer than a handful of keys
        // (it was a paste, and the search did not open).
        for typed in ["/code:486\r", "f/code:403", "/480 busy"] {
            let want: Vec<Input> = typed
                .chars()
                .map(|c| match c {
                    '\r' => key(KeyCode::Enter),
                    c => ch(c),
                })
                .collect();
            assert_eq!(decode(&[typed.as_bytes()]), want, "{typed:?}");
        }
    }

    /// What arrives together right after a wait, more than a handful of
    /// keys, is a paste, whatever it holds: a reason phrase, a line with
    /// `/`, a Call-ID and its line end, a short tag. Line ends alone (a
    /// terminal's CR LF for Enter) and a handful of keys are keys.
    #[test]
    fn what_arrives_together_after_a_wait_is_a_paste() {
        each_a_paste(
            true,
            &[
                &b"Request Terminated"[..],
                b"SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776",
                b"snom710/10.1.54.13",
                b"a9Pq4IAhiCaGggTfcMYumwq\r\n",
                b"3c2d9a8f7e6b5a4c\n1d0e2f3a4b5c6d7e\n",
                b"as4fa91c3e",
                // A tag of seven characters (RFC 3261's example): more
                // than a handful of keys typed ahead.
                b"a6c85cf",
            ],
        );
        for keys in [&b"q"[..], b"\r\n", b"\r", b"\x1b[A", b"jjjj", b"q1", b"\rw"] {
            assert!(
                decode(&[keys]).iter().all(|i| matches!(i, Input::Key(_))),
                "{keys:?}"
            );
        }
    }

    /// After a busy turn (a slow terminal), keys typed meanwhile come in
    /// one read: lines of SIP and what a person does not type as keys are a
    /// paste (a Call-ID with a `q` quit sipfix); a search, a filter or
    /// words typed ahead stay keys.
    #[test]
    fn after_a_busy_turn_keys_and_pastes_are_told_by_what_they_hold() {
        each_a_paste(
            false,
            &[
                MSG,
                b"a9Pq4IAhiCaGggTfcMYumwq",
                b"a9Pq4I/hiCaGggTfcMYumwq",
                b"snom710/10.1.54.13",
                b"SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776",
                // Words: a paste run as keys quit sipfix (its `q`).
                b"Request Terminated",
            ],
        );
        for keys in [
            &b"/code:486 method:INVITE\r\r"[..],
            b"f/code:403 method:INVITE\r",
            b"wddsdddfddsddddd",
            b"nabc",
        ] {
            assert!(
                decode_busy(&[keys])
                    .iter()
                    .all(|i| matches!(i, Input::Key(_))),
                "{}",
                String::from_utf8_lossy(keys)
            );
        }
    }

    /// A short paste (a tag, RFC 3261's `a6c85cf`) ends there: the keys
    /// typed next are keys. A control key typed right after a paste
    /// (Backspace) is a key, not text of it.
    #[test]
    fn a_short_paste_ends_at_once_and_control_keys_end_a_paste() {
        let mut d = InputDecoder::new();
        d.feed_after_wait(b"a6c85cf");
        d.feed_after_wait(b"d");
        d.feed_after_wait(b"d");
        d.flush();
        let got: Vec<Input> = std::iter::from_fn(|| d.pop()).collect();
        assert_eq!(
            got,
            vec![
                Input::Paste("a6c85cf".into()),
                key(KeyCode::Char('d')),
                key(KeyCode::Char('d'))
            ]
        );
        let mut d = InputDecoder::new();
        d.feed_after_wait(MSG);
        d.feed_after_wait(b"\x7f");
        d.feed_after_wait(b"x");
        d.flush();
        let got: Vec<Input> = std::iter::from_fn(|| d.pop()).collect();
        assert_eq!(got[0], Input::Paste(String::from_utf8_lossy(MSG).into()));
        assert_eq!(got[1..], [key(KeyCode::Backspace), key(KeyCode::Char('x'))]);
    }

    /// CR LF and LF are Enter, once.
    #[test]
    fn cr_lf_and_lf_are_one_enter() {
        for enter in [&b"\r"[..], b"\r\n", b"\n"] {
            assert_eq!(
                decode_busy(&[b"a", enter, b"b"]),
                vec![
                    key(KeyCode::Char('a')),
                    key(KeyCode::Enter),
                    key(KeyCode::Char('b'))
                ]
            );
        }
    }

    /// An Esc or an arrow in the same read as a paste after it (a laggy
    /// link): the key, then the paste; the paste's `q` quit sipfix.
    #[test]
    fn a_key_glued_before_an_unbracketed_paste_is_the_key_then_the_paste() {
        assert_eq!(
            decode(&[b"\x1bRequest Terminated"]),
            vec![key(KeyCode::Esc), Input::Paste("Request Terminated".into())]
        );
        assert_eq!(
            decode(&[b"\x1b[BRequest Terminated"]),
            vec![
                key(KeyCode::Down),
                Input::Paste("Request Terminated".into())
            ]
        );
        assert_eq!(
            decode(&[b"\x1b\x1bRequest Terminated"]),
            vec![
                key(KeyCode::Esc),
                key(KeyCode::Esc),
                Input::Paste("Request Terminated".into())
            ]
        );
        // A bracketed paste split over reads keeps its framing.
        assert_eq!(
            decode(&[b"\x1b[200~INVITE sip:a SIP/2.0\r", b"Via: x\r\x1b[201~j"]),
            vec![
                Input::Paste("INVITE sip:a SIP/2.0\rVia: x\r".into()),
                key(KeyCode::Char('j'))
            ]
        );
        // The Esc in the read before.
        let mut d = InputDecoder::new();
        d.feed_after_wait(b"\x1b");
        d.feed_after_wait(b"Request Terminated");
        d.flush();
        assert_eq!(
            std::iter::from_fn(|| d.pop()).collect::<Vec<_>>(),
            vec![key(KeyCode::Esc), Input::Paste("Request Terminated".into())]
        );
        // Alt and a key (or Esc and a key) stay keys.
        assert!(
            decode(&[b"\x1bj"])
                .iter()
                .all(|i| matches!(i, Input::Key(_)))
        );
    }

    #[test]
    fn an_oversized_unbracketed_paste_is_counted_not_kept() {
        let mut big = MSG.to_vec();
        big.resize(MAX_PASTE + 10, b'x');
        let got = decode(&[&big[..4096], &big[4096..]]);
        assert_eq!(got, vec![Input::PasteTooLarge(MAX_PASTE + 10)]);
    }

    #[test]
    fn markers_split_across_reads_still_frame_the_paste() {
        let got = decode(&[b"a\x1b", b"[20", b"0~hel", b"lo\x1b[2", b"01~b"]);
        assert_eq!(
            got,
            vec![
                key(KeyCode::Char('a')),
                Input::Paste("hello".into()),
                key(KeyCode::Char('b')),
            ]
        );
    }

    #[test]
    fn escapes_inside_a_paste_are_text() {
        let got = decode(&[b"\x1b[200~x\x1b[2J\x1b\x1by\x1b[201~"]);
        assert_eq!(got, vec![Input::Paste("x\x1b[2J\x1b\x1by".into())]);
    }

    #[test]
    fn keys_and_sequences() {
        let got = decode(&[b"q\x1b[A\x1bOB\r\t\x7f\x03\x1b[Z\x1b[5~"]);
        let ctrl_c = Input::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(
            got,
            vec![
                key(KeyCode::Char('q')),
                key(KeyCode::Up),
                key(KeyCode::Down),
                key(KeyCode::Enter),
                key(KeyCode::Tab),
                key(KeyCode::Backspace),
                ctrl_c,
                Input::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
                key(KeyCode::PageUp),
            ]
        );
    }

    #[test]
    fn a_lone_esc_waits_then_is_esc_and_a_split_sequence_is_joined() {
        let mut d = InputDecoder::new();
        d.feed(b"\x1b");
        assert_eq!(d.pop(), None);
        assert_eq!(d.waiting(), Some(ESC_WAIT));
        d.feed(b"[B");
        assert_eq!(d.pop(), Some(key(KeyCode::Down)));
        d.feed(b"\x1b");
        d.flush();
        assert_eq!(d.pop(), Some(key(KeyCode::Esc)));
        assert_eq!(d.waiting(), None);
    }

    #[test]
    fn esc_esc_is_two_escs() {
        let got = decode(&[b"\x1b\x1b"]);
        assert_eq!(got, vec![key(KeyCode::Esc), key(KeyCode::Esc)]);
    }

    #[test]
    fn an_oversized_paste_is_counted_not_kept() {
        let mut d = InputDecoder::new();
        d.feed(START);
        let chunk = vec![b'x'; 64 * 1024];
        let mut n = 0;
        while n <= MAX_PASTE {
            d.feed(&chunk);
            n += chunk.len();
        }
        d.feed(b"\x1b[201~z");
        assert_eq!(d.pop(), Some(Input::PasteTooLarge(n)));
        assert_eq!(d.pop(), Some(key(KeyCode::Char('z'))));
        assert!(d.paste.is_none());
    }

    #[test]
    fn a_paste_without_its_end_ends_on_flush() {
        let mut d = InputDecoder::new();
        d.feed(b"\x1b[200~abc");
        assert_eq!(d.waiting(), Some(PASTE_WAIT));
        d.flush();
        assert_eq!(d.pop(), Some(Input::Paste("abc".into())));
    }

    #[test]
    fn the_new_keys_arrive_as_the_key_map_expects() {
        // Ctrl-U, Ctrl-Z, Ctrl-R, Ctrl-W, F1 (both forms), [ and ].
        let got = decode(&[b"\x15\x1a\x12\x17\x1bOP\x1b[11~[]"]);
        let ctrl = |c| Input::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        assert_eq!(
            got,
            vec![
                ctrl('u'),
                ctrl('z'),
                ctrl('r'),
                ctrl('w'),
                key(KeyCode::F(1)),
                key(KeyCode::F(1)),
                key(KeyCode::Char('[')),
                key(KeyCode::Char(']')),
            ]
        );
    }
}
