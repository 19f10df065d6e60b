//! The pcapng framing: sections (each with its own byte order and
//! interfaces), interface descriptions (link type, timestamp resolution
//! and offset per interface), and enhanced, simple and obsolete packet
//! blocks. Block framing and recovery are done here; interface
//! descriptions (whose options carry the timestamp resolution) are parsed
//! by `pcap-parser`, and the packet blocks' fixed fields are read in place
//! (one per packet: parsing their options would cost an allocation each).

use super::capture::{Frame, Frames, Interface, ns_from, resync};
use super::packet::Meta;
use super::source::{MAX_BLOCK, Source};
use pcap_parser::pcapng::{parse_interfacedescriptionblock_be, parse_interfacedescriptionblock_le};
use std::io;

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const OPB: u32 = 2;
const SPB: u32 = 3;
const NRB: u32 = 4;
const ISB: u32 = 5;
const EPB: u32 = 6;
const DSB: u32 = 0x0a;
const CB: u32 = 0x0bad;
const DCB: u32 = 0x4000_0bad;

/// Does `b` start with a Section Header Block?
pub(crate) fn is_pcapng_magic(b: &[u8]) -> bool {
    b.len() >= 12
        && b[..4] == [0x0a, 0x0d, 0x0d, 0x0a]
        && matches!(
            &b[8..12],
            [0x1a, 0x2b, 0x3c, 0x4d] | [0x4d, 0x3c, 0x2b, 0x1a]
        )
}

#[derive(Clone, Copy)]
struct Iface {
    /// `None` when the description block could not be read.
    linktype: Option<u32>,
    tsresol: u8,
    tsoffset: i64,
    /// Number of this interface in the whole file (all sections).
    global: u32,
}

fn u32_at(b: &[u8], at: usize, be: bool) -> u32 {
    let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if be {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

/// Nanoseconds since the epoch of a pcapng timestamp on an interface.
fn time_ns(ts: u64, iface: &Iface) -> Option<i64> {
    let units = units_per_second(iface.tsresol)?;
    let sec = i64::try_from(ts / units)
        .ok()?
        .checked_add(iface.tsoffset)?;
    ns_from(sec, ts % units, units)
}

/// `if_tsresol` as units per second: 10^n, or 2^n when the top bit is
/// set (pcapng spec, if_tsresol option). (`pcap_parser`'s own version
/// rejects every binary resolution, so it is not used.)
fn units_per_second(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 == 0 {
        10u64.checked_pow(n)
    } else {
        1u64.checked_shl(n).filter(|_| n < 64)
    }
}

/// Could a block start at `b` (in byte order `be`)? For recovery after a
/// corrupt block: a known type, a sane length, and the trailing copy of
/// the length where it belongs.
fn plausible(b: &[u8], be: bool) -> bool {
    if b.len() < 12 {
        return false;
    }
    if is_pcapng_magic(b) {
        return true;
    }
    let ty = u32_at(b, 0, be);
    let len = u32_at(b, 4, be) as usize;
    matches!(ty, IDB | OPB | SPB | NRB | ISB | EPB | DSB | CB | DCB)
        && len >= 12
        && len.is_multiple_of(4)
        && len <= b.len()
        && u32_at(b, len - 4, be) as usize == len
}

/// The fields of an enhanced packet block that reading uses.
struct Epb<'a> {
    if_id: u32,
    ts: u64,
    data: &'a [u8],
    origlen: u32,
}

/// An enhanced packet block's fixed fields and packet (pcapng §4.3), read
/// in place: the block's framing is checked by the caller, and its options
/// (a comment, flags, a hash) are not used, so they are neither parsed nor
/// checked. `None` when the captured length overruns the block.
fn epb_fields(block: &[u8], be: bool) -> Option<Epb<'_>> {
    if block.len() < 32 {
        return None;
    }
    let caplen = u32_at(block, 20, be) as usize;
    let padded = caplen.checked_add(3)? & !3;
    if padded > block.len() - 32 {
        return None;
    }
    Some(Epb {
        if_id: u32_at(block, 8, be),
        ts: (u64::from(u32_at(block, 12, be)) << 32) | u64::from(u32_at(block, 16, be)),
        data: &block[28..28 + caplen],
        origlen: u32_at(block, 24, be),
    })
}

/// Read a pcapng input, handing each frame to `v`.
pub(crate) fn read(src: &mut Source<'_>, v: &mut dyn Frames) -> io::Result<()> {
    let mut be = false;
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut next_global = 0u32;
    let mut frame_no = 0u64;
    loop {
        let avail = src.fill(12)?;
        if avail == 0 {
            break;
        }
        if avail < 12 {
            v.problem(
                None,
                format!(
                    "the file ends inside a block header ({avail} bytes): the capture was cut short"
                ),
            );
            src.consume(avail);
            break;
        }
        let d = src.data();
        let at = src.offset();
        let new_section = d[..4] == [0x0a, 0x0d, 0x0d, 0x0a];
        let corrupt = |what: String, src: &mut Source<'_>, v: &mut dyn Frames, be: bool| {
            let skipped = resync(src, 4, 12, &|b: &[u8]| plausible(b, be))?;
            v.problem(
                Some(frame_no + 1),
                match skipped {
                    Some(n) => format!("{what} at byte {at}; skipped {n} bytes to the next block"),
                    None => format!("{what} at byte {at}; no further block found"),
                },
            );
            io::Result::Ok(())
        };
        let bom = [d[8], d[9], d[10], d[11]];
        let ty = u32_at(d, 0, be);
        let len = u32_at(d, 4, be) as usize;
        if new_section {
            be = match bom {
                [0x1a, 0x2b, 0x3c, 0x4d] => true,
                [0x4d, 0x3c, 0x2b, 0x1a] => false,
                _ => {
                    corrupt(
                        "a section header with no byte-order magic".into(),
                        src,
                        v,
                        be,
                    )?;
                    continue;
                }
            };
        }
        // A section header's length is in the byte order it announces.
        let len = if new_section {
            u32_at(src.data(), 4, be) as usize
        } else {
            len
        };
        if len < 12 || !len.is_multiple_of(4) || len > MAX_BLOCK {
            corrupt(format!("corrupt block (length {len})"), src, v, be)?;
            continue;
        }
        let avail = src.fill(len)?;
        if avail < len {
            v.problem(
                if matches!(ty, EPB | SPB | OPB) {
                    Some(frame_no + 1)
                } else {
                    None
                },
                format!(
                    "the file ends inside a block ({avail} of {len} bytes): the capture was cut short"
                ),
            );
            src.consume(avail);
            break;
        }
        let block = &src.data()[..len];
        if u32_at(block, len - 4, be) as usize != len {
            corrupt(
                "corrupt block (its two length fields differ)".into(),
                src,
                v,
                be,
            )?;
            continue;
        }
        match ty {
            SHB => ifaces.clear(),
            IDB => {
                let parsed = if be {
                    parse_interfacedescriptionblock_be(block)
                } else {
                    parse_interfacedescriptionblock_le(block)
                };
                let iface = match parsed {
                    Ok((_, idb)) => {
                        let lt = (idb.linktype.0 as u32) & 0x03ff_ffff;
                        v.link_type(lt);
                        let opt = |code: u16| {
                            idb.options
                                .iter()
                                .find(|o| o.code.0 == code)
                                .and_then(|o| o.as_bytes().ok())
                        };
                        v.interface(&Interface {
                            global: next_global,
                            tsresol: idb.if_tsresol,
                            name: opt(2),
                            description: opt(3),
                        });
                        Iface {
                            linktype: Some(lt),
                            tsresol: idb.if_tsresol,
                            tsoffset: idb.if_tsoffset,
                            global: next_global,
                        }
                    }
                    Err(_) => {
                        v.problem(
                            None,
                            format!(
                                "interface description block at byte {at} is not readable; \
                                 packets of interface {} are skipped",
                                ifaces.len()
                            ),
                        );
                        Iface {
                            linktype: None,
                            tsresol: 6,
                            tsoffset: 0,
                            global: next_global,
                        }
                    }
                };
                next_global += 1;
                ifaces.push(iface);
            }
            EPB => {
                frame_no += 1;
                match epb_fields(block, be) {
                    Some(e) => packet(v, &ifaces, e.if_id, Some(e.ts), e.data, e.origlen, frame_no),
                    None => v.problem(
                        Some(frame_no),
                        "broken enhanced packet block (its lengths disagree); skipped".into(),
                    ),
                }
            }
            SPB => {
                frame_no += 1;
                if len < 16 {
                    v.problem(
                        Some(frame_no),
                        "simple packet block too short; skipped".into(),
                    );
                } else {
                    let origlen = u32_at(block, 8, be);
                    let data = &block[12..len - 4];
                    let data = &data[..data.len().min(origlen as usize)];
                    packet(v, &ifaces, 0, None, data, origlen, frame_no);
                }
            }
            OPB => {
                frame_no += 1;
                if len < 32 {
                    v.problem(Some(frame_no), "packet block too short; skipped".into());
                } else {
                    let if_id = u32::from(if be {
                        u16::from_be_bytes([block[8], block[9]])
                    } else {
                        u16::from_le_bytes([block[8], block[9]])
                    });
                    let ts =
                        (u64::from(u32_at(block, 12, be)) << 32) | u64::from(u32_at(block, 16, be));
                    let caplen = u32_at(block, 20, be) as usize;
                    let origlen = u32_at(block, 24, be);
                    let data = &block[28..len - 4];
                    let data = &data[..data.len().min(caplen)];
                    packet(v, &ifaces, if_id, Some(ts), data, origlen, frame_no);
                }
            }
            _ => {}
        }
        src.consume(len);
        if len > super::source::CHUNK {
            src.shrink();
        }
        v.progress(src);
    }
    Ok(())
}

fn packet(
    v: &mut dyn Frames,
    ifaces: &[Iface],
    if_id: u32,
    ts: Option<u64>,
    data: &[u8],
    origlen: u32,
    frame: u64,
) {
    let Some(iface) = ifaces.get(if_id as usize) else {
        v.problem(
            Some(frame),
            format!("packet of interface {if_id}, which the section does not describe; skipped"),
        );
        return;
    };
    let Some(linktype) = iface.linktype else {
        return;
    };
    v.frame(&Frame {
        linktype,
        data,
        origlen,
        meta: Meta {
            frame,
            time_ns: ts.and_then(|ts| time_ns(ts, iface)),
            iface: iface.global,
            cut: data.len() < origlen as usize,
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::read::build::PcapngWriter;
    use crate::trace::synth::{eth, read_bytes, request, udp_ip};

    /// Three packets in one section, in either byte order; returns the
    /// file and where each enhanced packet block starts.
    fn three(be: bool) -> (Vec<u8>, Vec<usize>) {
        let mut w = PcapngWriter::new(Vec::new(), be).unwrap();
        let i = w.interface(1, 9).unwrap();
        for n in 0..3 {
            let sip = request("OPTIONS", &format!("c{n}"), 1, "");
            let f = eth(&udp_ip("10.0.0.1:5060", "10.0.0.2:5060", sip.as_bytes()));
            w.packet(i, n * 1_000_000, &f, f.len() as u32).unwrap();
        }
        let file = w.into_inner();
        let mut at = Vec::new();
        let mut pos = 0;
        while pos < file.len() {
            if u32_at(&file, pos, be) == EPB {
                at.push(pos);
            }
            pos += u32_at(&file, pos + 4, be) as usize;
        }
        (file, at)
    }

    fn u32_put(b: &mut [u8], at: usize, v: u32, be: bool) {
        let v = if be { v.to_be_bytes() } else { v.to_le_bytes() };
        b[at..at + 4].copy_from_slice(&v);
    }

    /// Packet blocks are read in place: options after the packet (here a
    /// comment) are skipped, in both byte orders, and a block whose
    /// captured length overruns it is skipped with a problem while the
    /// next one is read.
    #[test]
    fn enhanced_packet_blocks_read_in_place() {
        for be in [false, true] {
            let (file, at) = three(be);
            // Give the first packet a comment option (code 1) and an end
            // of options (code 0).
            let (a, b) = (at[0], at[1]);
            let mut block = file[a..b - 4].to_vec();
            let opt = |code: u16, val: &[u8]| {
                let mut o = Vec::new();
                let c = if be {
                    code.to_be_bytes()
                } else {
                    code.to_le_bytes()
                };
                let l = val.len() as u16;
                let l = if be { l.to_be_bytes() } else { l.to_le_bytes() };
                o.extend_from_slice(&c);
                o.extend_from_slice(&l);
                o.extend_from_slice(val);
                o.resize(o.len().next_multiple_of(4), 0);
                o
            };
            block.extend(opt(1, b"seen on the trunk"));
            block.extend(opt(0, b""));
            block.extend_from_slice(&[0; 4]);
            let len = block.len() as u32;
            u32_put(&mut block, 4, len, be);
            let end = block.len() - 4;
            u32_put(&mut block, end, len, be);
            let mut with_opts = file[..a].to_vec();
            with_opts.extend(&block);
            with_opts.extend(&file[b..]);
            let (_, c) = read_bytes(&with_opts).unwrap();
            assert_eq!(c.records.len(), 3, "be={be}");
            assert!(c.records[0].text().contains("Call-ID: c0"));
            assert_eq!(c.records[1].time_ns, Some(1_000_000));
            assert!(c.problems.is_empty(), "{:?}", c.problems);

            // The second packet claims more bytes than its block holds.
            let mut broken = file.clone();
            u32_put(&mut broken, at[1] + 20, 10_000, be);
            let (_, c) = read_bytes(&broken).unwrap();
            let ids: Vec<String> = c.records.iter().map(|r| r.text()).collect();
            assert_eq!(ids.len(), 2, "be={be}");
            assert!(ids[1].contains("Call-ID: c2"));
            assert_eq!(c.problems.len(), 1);
            assert_eq!(c.problems[0].frame, Some(2));
            assert!(c.problems[0].text.contains("broken enhanced packet block"));
        }
    }

    #[test]
    fn resolutions_and_offsets() {
        let micro = Iface {
            linktype: Some(1),
            tsresol: 6,
            tsoffset: 0,
            global: 0,
        };
        assert_eq!(time_ns(1_500_000, &micro), Some(1_500_000_000));
        let nano = Iface {
            tsresol: 9,
            tsoffset: 10,
            ..micro
        };
        assert_eq!(time_ns(7, &nano), Some(10_000_000_007));
        let binary = Iface {
            tsresol: 0x80 | 20,
            ..micro
        };
        assert_eq!(time_ns(1 << 20, &binary), Some(1_000_000_000));
        let bad = Iface {
            tsresol: 40,
            ..micro
        };
        assert_eq!(time_ns(1, &bad), None);
        assert_eq!(units_per_second(0x80 | 63), Some(1 << 63));
        assert_eq!(units_per_second(0x80 | 64), None);
        assert_eq!(units_per_second(19), Some(10_000_000_000_000_000_000));
        assert_eq!(units_per_second(20), None);
    }
}
