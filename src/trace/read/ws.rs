//! WebSocket framing (RFC 6455 §5.2) for SIP over WebSocket (RFC 7118):
//! the HTTP upgrade is recognised on both sides, then each text or binary
//! message (possibly in several frames, masked or not, possibly
//! compressed with permessage-deflate, RFC 7692) is one SIP message.

use memchr::memmem;

/// The largest WebSocket message accepted; SIP messages are far smaller.
pub(crate) const MAX_MESSAGE: usize = 1 << 20;

/// One frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    pub fin: bool,
    /// RSV1: the message is compressed (permessage-deflate).
    pub compressed: bool,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub header_len: usize,
    pub payload_len: usize,
}

impl Frame {
    pub fn len(&self) -> usize {
        self.header_len + self.payload_len
    }
    pub fn is_data(&self) -> bool {
        matches!(self.opcode, 0..=2)
    }
}

/// What the bytes at the start of a buffer are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed {
    Frame(Frame),
    /// More bytes are needed to read the header.
    Incomplete,
    /// Not a frame this reader accepts.
    Invalid,
}

/// Read a frame header at the start of `buf`.
pub(crate) fn parse_frame(buf: &[u8]) -> Parsed {
    if buf.len() < 2 {
        return Parsed::Incomplete;
    }
    let (b0, b1) = (buf[0], buf[1]);
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0f;
    if b0 & 0x30 != 0 || !matches!(opcode, 0..=2 | 8..=10) {
        return Parsed::Invalid;
    }
    let masked = b1 & 0x80 != 0;
    let (len, mut at) = match b1 & 0x7f {
        126 => {
            if buf.len() < 4 {
                return Parsed::Incomplete;
            }
            (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
        }
        127 => {
            if buf.len() < 10 {
                return Parsed::Incomplete;
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b), 10)
        }
        n => (u64::from(n), 2),
    };
    if opcode >= 8 && (len > 125 || !fin) {
        return Parsed::Invalid;
    }
    let Ok(payload_len) = usize::try_from(len) else {
        return Parsed::Invalid;
    };
    if payload_len > MAX_MESSAGE {
        return Parsed::Invalid;
    }
    let mask = if masked {
        if buf.len() < at + 4 {
            return Parsed::Incomplete;
        }
        let m = [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]];
        at += 4;
        Some(m)
    } else {
        None
    };
    Parsed::Frame(Frame {
        fin,
        compressed: b0 & 0x40 != 0,
        opcode,
        mask,
        header_len: at,
        payload_len,
    })
}

/// Append `payload` to `out`, unmasking it with `mask` if any.
pub(crate) fn unmask_into(payload: &[u8], mask: Option<[u8; 4]>, out: &mut Vec<u8>) {
    match mask {
        None => out.extend_from_slice(payload),
        Some(m) => out.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i % 4])),
    }
}

/// Is `head` (a complete HTTP header block) a WebSocket upgrade request
/// or its 101 answer?
pub(crate) fn is_upgrade(head: &[u8]) -> bool {
    let lower = head.to_ascii_lowercase();
    (lower.starts_with(b"get ") || lower.starts_with(b"http/1.1 101"))
        && memmem::find(&lower, b"upgrade:").is_some()
        && memmem::find(&lower, b"websocket").is_some()
}

/// Could `buf` be the start of an HTTP request or response line (so that
/// a stream reader waits for its headers)?
pub(crate) fn starts_http(buf: &[u8]) -> bool {
    buf.starts_with(b"GET ") || buf.starts_with(b"HTTP/1.1 101")
}

/// Could a WebSocket data frame carrying SIP start at `buf`? For a stream
/// joined after its upgrade: a data frame whose (unmasked) payload starts
/// with a SIP start line.
pub(crate) fn looks_like_sip_frame(buf: &[u8]) -> bool {
    let Parsed::Frame(f) = parse_frame(buf) else {
        return false;
    };
    if !matches!(f.opcode, 1 | 2) || f.compressed {
        return false;
    }
    let end = f.len().min(buf.len()).min(f.header_len + 512);
    let mut head = Vec::with_capacity(512);
    unmask_into(&buf[f.header_len..end], f.mask, &mut head);
    super::sip::starts_sip(&head)
}

/// The permessage-deflate decompressor of one direction (RFC 7692 §7.2.2:
/// the message's deflate data plus the removed 00 00 ff ff tail; the
/// window carries over between messages unless negotiated off, which a
/// fresh decompressor per message would break, so one is kept).
pub(crate) struct Inflater(flate2::Decompress);

impl Default for Inflater {
    fn default() -> Self {
        Inflater(flate2::Decompress::new(false))
    }
}

impl Inflater {
    /// Decompress one message into `out`; `None` on corrupt data.
    pub fn message(&mut self, data: &[u8], out: &mut Vec<u8>) -> Option<()> {
        out.clear();
        let input = [data, &[0, 0, 0xff, 0xff]].concat();
        let mut at = 0usize;
        loop {
            out.reserve(4096);
            let before_in = self.0.total_in();
            let before_out = self.0.total_out();
            let status = self
                .0
                .decompress_vec(&input[at..], out, flate2::FlushDecompress::Sync)
                .ok()?;
            at += usize::try_from(self.0.total_in() - before_in).ok()?;
            let produced = self.0.total_out() - before_out;
            if out.len() > MAX_MESSAGE {
                return None;
            }
            if status == flate2::Status::StreamEnd {
                return Some(());
            }
            // Done when every input byte is in and the output was not cut
            // short by its capacity.
            if at >= input.len() && out.len() < out.capacity() {
                return Some(());
            }
            if produced == 0 && at < input.len() && out.len() < out.capacity() {
                let consumed = self.0.total_in() - before_in;
                if consumed == 0 {
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        // Unmasked text frame "hi".
        assert_eq!(
            parse_frame(b"\x81\x02hi"),
            Parsed::Frame(Frame {
                fin: true,
                compressed: false,
                opcode: 1,
                mask: None,
                header_len: 2,
                payload_len: 2
            })
        );
        // Masked, 16-bit length.
        let mut f = vec![0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4];
        f.extend(vec![0u8; 256]);
        match parse_frame(&f) {
            Parsed::Frame(fr) => {
                assert_eq!(
                    (fr.header_len, fr.payload_len, fr.mask),
                    (8, 256, Some([1, 2, 3, 4]))
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_frame(b"\x81"), Parsed::Incomplete);
        assert_eq!(parse_frame(b"\x81\xfe\x01"), Parsed::Incomplete);
        assert_eq!(parse_frame(b"\x83\x00"), Parsed::Invalid);
        assert_eq!(parse_frame(b"\x09\x00"), Parsed::Invalid, "fragmented ping");
        assert_eq!(parse_frame(b"\xa1\x00"), Parsed::Invalid, "RSV2");
        let mut out = Vec::new();
        unmask_into(
            &[1 ^ b'a', 2 ^ b'b', 3 ^ b'c', 4 ^ b'd', 1 ^ b'e'],
            Some([1, 2, 3, 4]),
            &mut out,
        );
        assert_eq!(out, b"abcde");
    }

    #[test]
    fn upgrades() {
        assert!(is_upgrade(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        ));
        assert!(is_upgrade(
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\n\r\n"
        ));
        assert!(!is_upgrade(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        let mut f = vec![0x81, 23];
        f.extend_from_slice(b"OPTIONS sip:a SIP/2.0\r\n");
        assert!(looks_like_sip_frame(&f));
        assert!(!looks_like_sip_frame(b"\x81\x02hi"));
    }

    #[test]
    fn permessage_deflate_keeps_its_window() {
        use flate2::{Compress, Compression, FlushCompress};
        let mut c = Compress::new(Compression::default(), false);
        let mut inf = Inflater::default();
        for msg in [&b"SIP/2.0 200 OK\r\n\r\n"[..], b"SIP/2.0 200 OK\r\n\r\n"] {
            let mut z = Vec::with_capacity(256);
            c.compress_vec(msg, &mut z, FlushCompress::Sync).unwrap();
            assert!(z.ends_with(&[0, 0, 0xff, 0xff]));
            z.truncate(z.len() - 4);
            let mut out = Vec::new();
            inf.message(&z, &mut out).unwrap();
            assert_eq!(out, msg);
        }
    }
}
