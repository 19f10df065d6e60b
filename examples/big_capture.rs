//! Build a large pcapng for the reading benchmark by repeating a real
//! capture (by default `../shared/captures/sipnab/sipp-branch-scenario.pcapng`)
//! until the output reaches the size asked for:
//!
//! ```sh
//! cargo run --release --example big_capture -- OUT.pcapng 300 [SOURCE.pcapng]
//! ```
//!
//! Each copy shifts every timestamp forward by the source's time span
//! plus one second, and gives every Call-ID a copy number of the same
//! length: the characters all Call-IDs of the source share at their end
//! (`@127.0.1.1` in the SIPp capture) are overwritten with the copy number
//! in base 36. Lengths do not change, so IP and UDP lengths stay right;
//! the UDP checksum of a changed IPv4 packet is set to zero ("none",
//! RFC 768). Only little-endian pcapng with Ethernet/IPv4 or raw IPv4 is
//! handled, which is what the source is.

use std::collections::HashSet;
use std::io::{BufWriter, Write};

fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The blocks of a little-endian pcapng: (type, whole block).
fn blocks(data: &[u8]) -> Result<Vec<(u32, &[u8])>, String> {
    if data.len() < 12
        || data[..4] != [0x0a, 0x0d, 0x0d, 0x0a]
        || data[8..12] != [0x4d, 0x3c, 0x2b, 0x1a]
    {
        return Err("the source is not a little-endian pcapng".into());
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at + 12 <= data.len() {
        let ty = u32le(data, at);
        let len = u32le(data, at + 4) as usize;
        if len < 12 || at + len > data.len() {
            return Err(format!("broken block at byte {at}"));
        }
        out.push((ty, &data[at..at + len]));
        at += len;
    }
    Ok(out)
}

/// `if_tsresol` of an interface description block (default 6).
fn tsresol(idb: &[u8]) -> u8 {
    let mut at = 16;
    while at + 4 <= idb.len() - 4 {
        let code = u16::from_le_bytes([idb[at], idb[at + 1]]);
        let len = usize::from(u16::from_le_bytes([idb[at + 2], idb[at + 3]]));
        if code == 0 {
            break;
        }
        if code == 9 && len == 1 {
            return idb[at + 4];
        }
        at += 4 + len.div_ceil(4) * 4;
    }
    6
}

fn units_per_second(tsresol: u8) -> u64 {
    if tsresol & 0x80 != 0 {
        1u64 << (tsresol & 0x7f)
    } else {
        10u64.pow(u32::from(tsresol))
    }
}

/// Positions (start, end) of Call-ID header values in a frame.
fn call_ids(frame: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, _) in frame.iter().enumerate().filter(|(_, c)| **c == b'\n') {
        let rest = &frame[i + 1..];
        let name_len = if rest.len() > 7 && rest[..7].eq_ignore_ascii_case(b"call-id") {
            7
        } else if rest.len() > 1 && rest[0].eq_ignore_ascii_case(&b'i') {
            1
        } else {
            continue;
        };
        let mut j = name_len;
        while j < rest.len() && (rest[j] == b' ' || rest[j] == b'\t') {
            j += 1;
        }
        if rest.get(j) != Some(&b':') {
            continue;
        }
        j += 1;
        while j < rest.len() && (rest[j] == b' ' || rest[j] == b'\t') {
            j += 1;
        }
        let start = i + 1 + j;
        let end = start
            + frame[start..]
                .iter()
                .position(|&c| c == b'\r' || c == b'\n')
                .unwrap_or(frame.len() - start);
        if end > start {
            out.push((start, end));
        }
    }
    out
}

/// Zero the UDP checksum of an Ethernet/IPv4 or raw IPv4 frame.
fn zero_udp_checksum(frame: &mut [u8], linktype: u16) {
    let ip = match linktype {
        1 if frame.len() > 14 && frame[12..14] == [0x08, 0x00] => 14,
        101 | 228 => 0,
        _ => return,
    };
    if frame.len() < ip + 20 || frame[ip] >> 4 != 4 || frame[ip + 9] != 17 {
        return;
    }
    let udp = ip + usize::from(frame[ip] & 0x0f) * 4;
    if frame.len() >= udp + 8 {
        frame[udp + 6] = 0;
        frame[udp + 7] = 0;
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: big_capture OUT.pcapng MEGABYTES [SOURCE.pcapng]".into());
    }
    let out_path = &args[0];
    let megabytes: u64 = args[1].parse().map_err(|_| "MEGABYTES must be a number")?;
    let source = args.get(2).cloned().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/captures/sipnab/sipp-branch-scenario.pcapng"
        )
        .into()
    });
    let data = std::fs::read(&source).map_err(|e| format!("{source}: {e}"))?;
    let blocks = blocks(&data)?;

    let mut linktypes = Vec::new();
    let mut resol = Vec::new();
    let (mut first, mut last) = (u64::MAX, 0u64);
    let mut ids: Vec<Vec<u8>> = Vec::new();
    for &(ty, b) in &blocks {
        match ty {
            1 => {
                linktypes.push(u16::from_le_bytes([b[8], b[9]]));
                resol.push(tsresol(b));
            }
            6 => {
                let ts = (u64::from(u32le(b, 12)) << 32) | u64::from(u32le(b, 16));
                first = first.min(ts);
                last = last.max(ts);
                let caplen = u32le(b, 20) as usize;
                let frame = &b[28..28 + caplen];
                for (s, e) in call_ids(frame) {
                    ids.push(frame[s..e].to_vec());
                }
            }
            _ => {}
        }
    }
    if ids.is_empty() || resol.len() != 1 {
        return Err("the source needs one interface and SIP messages with Call-IDs".into());
    }
    // The end all Call-IDs share.
    let common = ids.iter().skip(1).fold(ids[0].len(), |n, id| {
        ids[0]
            .iter()
            .rev()
            .zip(id.iter().rev())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    let width = common.min(6);
    if width < 2 {
        return Err("the Call-IDs share no common ending to put a copy number in".into());
    }
    let distinct: HashSet<&Vec<u8>> = ids.iter().collect();
    let units = units_per_second(resol[0]);
    let shift = last - first + units;
    let target = megabytes << 20;

    let file = std::fs::File::create(out_path).map_err(|e| format!("{out_path}: {e}"))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut written = 0u64;
    let mut copy = 0u64;
    let mut packets = 0u64;
    while written < target {
        let mut digits = Vec::with_capacity(width);
        let mut k = copy;
        for _ in 0..width {
            digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(k % 36) as usize]);
            k /= 36;
        }
        if k > 0 {
            return Err("too many copies for the Call-ID space".into());
        }
        digits.reverse();
        for &(ty, b) in &blocks {
            if copy > 0 && ty != 6 {
                continue;
            }
            if ty != 6 {
                w.write_all(b).map_err(|e| e.to_string())?;
                written += b.len() as u64;
                continue;
            }
            let mut b = b.to_vec();
            let ts = (u64::from(u32le(&b, 12)) << 32) | u64::from(u32le(&b, 16));
            let ts = ts + shift * copy;
            b[12..16].copy_from_slice(&((ts >> 32) as u32).to_le_bytes());
            b[16..20].copy_from_slice(&(ts as u32).to_le_bytes());
            let caplen = u32le(&b, 20) as usize;
            let linktype = linktypes[u32le(&b, 8) as usize];
            let frame = &mut b[28..28 + caplen];
            let found = call_ids(frame);
            for &(_, e) in &found {
                frame[e - width..e].copy_from_slice(&digits);
            }
            if !found.is_empty() {
                zero_udp_checksum(frame, linktype);
            }
            w.write_all(&b).map_err(|e| e.to_string())?;
            written += b.len() as u64;
            packets += 1;
        }
        copy += 1;
    }
    w.flush().map_err(|e| e.to_string())?;
    eprintln!(
        "{out_path}: {copy} copies of {source} ({} calls each), {packets} packets, {written} bytes",
        distinct.len()
    );
    Ok(())
}
