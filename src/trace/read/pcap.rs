//! The classic pcap framing: a 24-byte file header, then records of a
//! 16-byte header and the captured bytes. Both byte orders, micro- and
//! nanosecond timestamps, and the "modified" (Kuznetzov) variant with
//! 24-byte record headers.

use super::capture::{Frame, Frames, ns_from, resync};
use super::packet::Meta;
use super::source::Source;
use std::io;

/// The magic numbers, as read little-endian.
pub(crate) fn is_pcap_magic(b: &[u8]) -> bool {
    b.len() >= 4
        && matches!(
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 | 0xa1b2_cd34
        )
}

/// The largest record sipfix accepts when the header's snap length is
/// smaller (some writers put 0 or a wrong value there).
const MIN_MAX_CAPLEN: u32 = 256 << 10;

struct Layout {
    big_endian: bool,
    /// Fraction units per second (10^6 or 10^9).
    units: u64,
    /// Record header length (16, or 24 for the modified format).
    hlen: usize,
    max_caplen: u32,
}

impl Layout {
    fn u32_at(&self, b: &[u8], at: usize) -> u32 {
        let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// (seconds, fraction, caplen, origlen) of the record header at `b`.
    fn header(&self, b: &[u8]) -> (u32, u32, u32, u32) {
        (
            self.u32_at(b, 0),
            self.u32_at(b, 4),
            self.u32_at(b, 8),
            self.u32_at(b, 12),
        )
    }

    /// Could a record header start at `b`? Used to find the next record
    /// after a corrupt one: sane lengths and fraction, and a time within a
    /// day of the last good record.
    fn plausible(&self, b: &[u8], last_sec: u32) -> bool {
        let (sec, frac, caplen, origlen) = self.header(b);
        caplen <= self.max_caplen
            && caplen <= origlen
            && origlen <= self.max_caplen.max(1 << 18).saturating_mul(4)
            && u64::from(frac) < self.units
            && sec.abs_diff(last_sec) <= 86_400
    }
}

/// Read a pcap input, handing each frame to `v`.
pub(crate) fn read(src: &mut Source<'_>, v: &mut dyn Frames) -> io::Result<()> {
    if src.fill(24)? < 24 {
        v.problem(None, "the pcap file header is cut short".into());
        return Ok(());
    }
    let header = match pcap_parser::pcap::parse_pcap_header(src.data()) {
        Ok((_, h)) => h,
        Err(_) => {
            v.problem(None, "the pcap file header is not readable".into());
            return Ok(());
        }
    };
    // The upper bits carry FCS information (pcap spec, LinkType field).
    let linktype = (header.network.0 as u32) & 0x03ff_ffff;
    let lay = Layout {
        big_endian: header.is_bigendian(),
        units: if header.is_nanosecond_precision() {
            1_000_000_000
        } else {
            1_000_000
        },
        hlen: if header.is_modified_format() { 24 } else { 16 },
        max_caplen: header.snaplen.clamp(MIN_MAX_CAPLEN, 16 << 20),
    };
    v.link_type(linktype);
    src.consume(24);

    let mut frame_no = 0u64;
    let mut last_sec = 0u32;
    let mut have_time = false;
    loop {
        let avail = src.fill(lay.hlen)?;
        if avail == 0 {
            break;
        }
        if avail < lay.hlen {
            v.problem(
                None,
                format!(
                    "the file ends inside a record header ({avail} of {} bytes): \
                     the capture was cut short",
                    lay.hlen
                ),
            );
            src.consume(avail);
            break;
        }
        let (sec, frac, caplen, origlen) = lay.header(src.data());
        if caplen > lay.max_caplen {
            let at = src.offset();
            let last = if have_time { last_sec } else { sec };
            let skipped = resync(src, 1, lay.hlen, &|b: &[u8]| lay.plausible(b, last))?;
            v.problem(
                Some(frame_no + 1),
                match skipped {
                    Some(n) => format!(
                        "corrupt record header at byte {at} (it claims {caplen} bytes); \
                         skipped {n} bytes to the next plausible packet"
                    ),
                    None => format!(
                        "corrupt record header at byte {at} (it claims {caplen} bytes); \
                         no further packet found"
                    ),
                },
            );
            continue;
        }
        frame_no += 1;
        last_sec = sec;
        have_time = true;
        let need = lay.hlen + caplen as usize;
        let avail = src.fill(need)?;
        if avail < need {
            // Like Wireshark, a packet the file ends inside is not decoded:
            // it is a partial write, not a partial capture.
            v.problem(
                Some(frame_no),
                format!(
                    "the file ends inside this packet ({} of {caplen} bytes): \
                     the capture was cut short",
                    avail - lay.hlen
                ),
            );
            src.consume(avail);
            break;
        }
        let data = &src.data()[lay.hlen..need];
        let meta = Meta {
            frame: frame_no,
            time_ns: ns_from(i64::from(sec), u64::from(frac), lay.units),
            iface: 0,
            cut: caplen < origlen,
        };
        v.frame(&Frame {
            linktype,
            data,
            origlen,
            meta,
        });
        src.consume(need);
        if need > super::source::CHUNK {
            src.shrink();
        }
        v.progress(src);
    }
    Ok(())
}
