//! What the pcap and pcapng framings share: the frame they hand on, the
//! visitor they hand it to, and recovery from a corrupt record header.

use super::packet::Meta;
use super::source::Source;
use std::io;

/// One captured frame, borrowed from the input window.
pub(crate) struct Frame<'a> {
    pub linktype: u32,
    /// The captured bytes (possibly fewer than `origlen`).
    pub data: &'a [u8],
    /// The frame's length on the wire.
    pub origlen: u32,
    pub meta: Meta,
}

/// A pcapng interface as its description block gives it.
pub(crate) struct Interface<'a> {
    /// Number of the interface in the whole file (all sections), as
    /// [`Meta::iface`] gives it.
    pub global: u32,
    /// `if_tsresol` (6 when absent).
    pub tsresol: u8,
    /// `if_name` and `if_description`, as written.
    pub name: Option<&'a [u8]>,
    pub description: Option<&'a [u8]>,
}

/// What a capture framing hands its frames and problems to: the packet
/// decoder when reading, the packet copier when exporting.
pub(crate) trait Frames {
    /// A link type used by the capture (once per pcap, once per pcapng
    /// interface).
    fn link_type(&mut self, _linktype: u32) {}
    /// A pcapng interface description (for the export, which copies it).
    fn interface(&mut self, _iface: &Interface<'_>) {}
    fn frame(&mut self, frame: &Frame<'_>);
    fn problem(&mut self, frame: Option<u64>, text: String);
    /// Called after each frame; cheap, decides itself when to report.
    fn progress(&mut self, _src: &Source<'_>) {}
}

/// Nanoseconds since the epoch from seconds and a fraction in `units`
/// per second; `None` if it does not fit.
pub(crate) fn ns_from(sec: i64, frac: u64, units_per_sec: u64) -> Option<i64> {
    let frac_ns = if units_per_sec == 1_000_000_000 {
        frac
    } else {
        u64::try_from(u128::from(frac) * 1_000_000_000 / u128::from(units_per_sec.max(1))).ok()?
    };
    sec.checked_mul(1_000_000_000)?
        .checked_add(i64::try_from(frac_ns).ok()?)
}

/// How far ahead to look for the next plausible record after a corrupt
/// header before giving up on the window and reading on.
const RESYNC_WINDOW: usize = 4 << 20;

/// Skip to the next offset (at `align` steps) where `plausible` accepts a
/// record, reading on as needed. `plausible` sees the bytes from a
/// candidate offset and answers whether a record header starts there.
/// Returns the number of bytes skipped, or `None` if the input ended
/// first (everything left was consumed).
pub(crate) fn resync(
    src: &mut Source<'_>,
    align: usize,
    min_len: usize,
    plausible: &dyn Fn(&[u8]) -> bool,
) -> io::Result<Option<u64>> {
    let start = src.offset();
    // The corrupt header itself is not a candidate.
    src.consume(align);
    loop {
        let avail = src.fill(RESYNC_WINDOW)?;
        if avail < min_len {
            src.consume(avail);
            return Ok(None);
        }
        let data = src.data();
        let mut at = 0;
        while at + min_len <= data.len() {
            if plausible(&data[at..]) {
                src.consume(at);
                return Ok(Some(src.offset() - start));
            }
            at += align;
        }
        src.consume(at);
        if src.at_eof() {
            let rest = src.data().len();
            src.consume(rest);
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanoseconds() {
        assert_eq!(ns_from(1, 5, 1_000_000), Some(1_000_005_000));
        assert_eq!(ns_from(1, 5, 1_000_000_000), Some(1_000_000_005));
        assert_eq!(ns_from(0, 1, 1 << 10), Some(976_562));
        assert_eq!(ns_from(i64::MAX, 0, 1_000_000), None);
        assert_eq!(ns_from(-1, 0, 1_000_000), Some(-1_000_000_000));
    }

    #[test]
    fn resync_finds_the_marker() {
        let mut data = vec![0u8; 103];
        data.extend_from_slice(b"GOOD....");
        let mut src = Source::new(Box::new(std::io::Cursor::new(data)), 0).unwrap();
        src.fill(4).unwrap();
        let skipped = resync(&mut src, 1, 4, &|b: &[u8]| b.starts_with(b"GOOD")).unwrap();
        assert_eq!(skipped, Some(103));
        assert!(src.data().starts_with(b"GOOD"));

        let mut src = Source::new(Box::new(std::io::Cursor::new(vec![1u8; 50])), 0).unwrap();
        src.fill(4).unwrap();
        assert_eq!(resync(&mut src, 4, 4, &|_: &[u8]| false).unwrap(), None);
        assert!(src.data().is_empty());
    }
}
