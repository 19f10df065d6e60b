//! Input bytes: a file, standard input or a buffer, gzip or not, read in
//! large reused chunks so that memory stays flat whatever the file size.
//!
//! Readers see a window `data()` of the input, `consume` what they have
//! used, and `fill` when they need more. A block larger than the window
//! grows the buffer (up to [`MAX_BLOCK`]); consumed bytes are never kept.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// The usual read size and starting buffer size.
pub(crate) const CHUNK: usize = 1 << 20;

/// The largest single block (capture record, log line) a reader may ask
/// for; anything claiming more is corrupt.
pub(crate) const MAX_BLOCK: usize = 64 << 20;

/// Counts the bytes read from the underlying file (compressed bytes for a
/// gzip input), for progress.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A chunked view of one input.
pub(crate) struct Source<'a> {
    reader: Box<dyn Read + 'a>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Input offset of `buf[pos]` (after decompression).
    offset: u64,
    /// Raw bytes read so far (before decompression).
    raw: Rc<Cell<u64>>,
    /// Raw size when known (a file), for progress.
    pub total: u64,
    pub gzip: bool,
    /// A read error met while the format was being detected, with bytes
    /// already in hand: those are read first, then it is reported.
    pub deferred: Option<io::Error>,
    /// NUL bytes skipped at the start (see `read::open`).
    pub leading_nuls: u64,
}

impl<'a> Source<'a> {
    /// Wrap a reader; peeks at the first bytes and, if they are the gzip
    /// magic, decompresses transparently (several gzip members in a row
    /// are read as one stream, like `zcat`).
    pub fn new(reader: Box<dyn Read + 'a>, total: u64) -> io::Result<Source<'a>> {
        let raw = Rc::new(Cell::new(0));
        let counting = Counting {
            inner: reader,
            count: raw.clone(),
        };
        let mut src = Source {
            reader: Box::new(counting),
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            offset: 0,
            raw,
            total,
            gzip: false,
            deferred: None,
            leading_nuls: 0,
        };
        src.fill(2)?;
        if src.data().starts_with(&[0x1f, 0x8b]) {
            let prefix = src.buf[src.pos..src.end].to_vec();
            let rest = std::mem::replace(&mut src.reader, Box::new(io::empty()));
            let chained = io::Cursor::new(prefix).chain(rest);
            src.reader = Box::new(flate2::read::MultiGzDecoder::new(
                io::BufReader::with_capacity(256 << 10, chained),
            ));
            src.pos = 0;
            src.end = 0;
            src.eof = false;
            src.gzip = true;
        }
        Ok(src)
    }

    /// The bytes available now.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Input offset of `data()[0]`.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Raw bytes read so far, for progress.
    pub fn raw_read(&self) -> u64 {
        self.raw.get()
    }

    /// True once the end of input was reached (no more bytes will come
    /// beyond `data()`).
    #[inline]
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Mark `n` bytes of `data()` as used.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.pos);
        self.pos += n;
        self.offset += n as u64;
    }

    /// Make at least `want` bytes available unless the input ends first.
    /// Returns the number available. Errors are read errors of the input
    /// (including a corrupt gzip stream); `want` is capped at
    /// [`MAX_BLOCK`].
    pub fn fill(&mut self, want: usize) -> io::Result<usize> {
        let want = want.min(MAX_BLOCK);
        while self.end - self.pos < want && !self.eof {
            if self.buf.len() - self.end < CHUNK / 4 {
                // Little room left at the end: move the unread tail to the
                // front, and grow only if that does not make room (one
                // block larger than the buffer).
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
                if self.buf.len() - self.end < CHUNK / 4 {
                    let grown = (self.buf.len() * 2).min(MAX_BLOCK + CHUNK);
                    self.buf.resize(grown, 0);
                }
            }
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    return Err(e);
                }
            }
        }
        Ok(self.end - self.pos)
    }

    /// Give back a grown buffer once the large block has been used, so a
    /// single huge record does not keep its memory for the whole file.
    pub fn shrink(&mut self) {
        if self.buf.len() > 4 * CHUNK && self.end - self.pos <= CHUNK {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            self.buf.truncate(CHUNK);
            self.buf.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per call.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn fills_consumes_and_grows() {
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let mut src = Source::new(
            Box::new(Trickle {
                data: data.clone(),
                at: 0,
                step: 7777,
            }),
            0,
        )
        .unwrap();
        assert!(src.fill(10).unwrap() >= 10);
        src.consume(5);
        assert_eq!(src.offset(), 5);
        // One block of two chunks: the buffer grows.
        let n = src.fill(2 * CHUNK).unwrap();
        assert!(n >= 2 * CHUNK);
        assert_eq!(&src.data()[..3], &data[5..8]);
        src.consume(2 * CHUNK);
        src.shrink();
        let mut rest = Vec::new();
        loop {
            let n = src.fill(CHUNK).unwrap();
            if n == 0 {
                break;
            }
            rest.extend_from_slice(src.data());
            src.consume(n);
        }
        assert_eq!(rest, &data[5 + 2 * CHUNK..]);
        assert!(src.at_eof());
        assert_eq!(src.raw_read(), data.len() as u64);
    }

    #[test]
    fn gzip_is_transparent() {
        use std::io::Write;
        let plain = b"SIP/2.0 200 OK\r\n\r\n".repeat(1000);
        let mut gz = Vec::new();
        // Two members in a row, as `cat a.gz b.gz` makes.
        for _ in 0..2 {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&plain).unwrap();
            gz.extend(e.finish().unwrap());
        }
        let mut src = Source::new(Box::new(io::Cursor::new(gz)), 0).unwrap();
        assert!(src.gzip);
        let n = src.fill(usize::MAX).unwrap();
        assert_eq!(n, plain.len() * 2);
        assert_eq!(&src.data()[..plain.len()], &plain[..]);
    }

    #[test]
    fn corrupt_gzip_is_a_read_error() {
        let mut bad = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        bad.extend_from_slice(&[0xff; 64]);
        let mut src = Source::new(Box::new(io::Cursor::new(bad)), 0).unwrap();
        assert!(src.fill(100).is_err());
        assert!(src.at_eof());
    }
}
