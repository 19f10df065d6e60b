//! IP fragment reassembly (IPv4 RFC 791 §3.2, IPv6 fragment header RFC
//! 8200 §4.5), bounded: a datagram is at most 64 KiB, at most
//! [`MAX_PENDING`] datagrams and [`MAX_BYTES`] bytes wait at once, and a
//! datagram still incomplete [`TIMEOUT_NS`] of capture time after its
//! first fragment is given up. What is given up is reported.

use std::collections::HashMap;
use std::net::IpAddr;

/// Datagrams being reassembled at once.
pub(crate) const MAX_PENDING: usize = 4096;
/// Bytes held by all datagrams being reassembled.
pub(crate) const MAX_BYTES: usize = 32 << 20;
/// Capture time after which an incomplete datagram is given up (RFC 791
/// suggests 15 s as a reassembly timer's start; Linux waits 30 s).
pub(crate) const TIMEOUT_NS: i64 = 30_000_000_000;
/// The largest reassembled payload (the IP length fields' limit).
const MAX_DATAGRAM: usize = 65_535;
/// Completed datagrams remembered so that a copy of their fragments (the
/// same packets seen on two interfaces, `-i any`) is put together as a
/// copy: it reaches the duplicate rule like any repeated message (counted,
/// its frames exported), and is dropped without a word if it never
/// completes (part of it may be all the second interface saw).
const RECENT: usize = 256;
/// How long a completed datagram is remembered for that.
const RECENT_NS: i64 = 2_000_000_000;

/// What identifies the fragments of one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    /// IPv4 protocol, or the IPv6 next header after the fragment header.
    pub proto: u8,
}

/// One fragment.
pub(crate) struct Fragment<'a> {
    pub key: Key,
    /// Offset of `data` in the datagram's payload, in bytes.
    pub offset: usize,
    pub more: bool,
    pub data: &'a [u8],
    pub frame: u64,
    pub time_ns: Option<i64>,
}

struct Pending {
    data: Vec<u8>,
    /// Received byte ranges, sorted and merged.
    have: Vec<(usize, usize)>,
    /// Payload length, once the last fragment has come.
    total: Option<usize>,
    frames: Vec<u64>,
    first_time: Option<i64>,
    first_frame: u64,
    /// A copy of a datagram completed moments ago.
    copy: bool,
}

impl Pending {
    fn complete(&self) -> bool {
        matches!((self.total, self.have.as_slice()), (Some(t), [(0, end)]) if *end == t)
    }

    fn add(&mut self, start: usize, end: usize) {
        self.have.push((start, end));
        self.have.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.have.len());
        for &(s, e) in &self.have {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.have = merged;
    }
}

/// A reassembled datagram.
pub(crate) struct Whole {
    pub proto: u8,
    pub data: Vec<u8>,
    /// Every frame that carried a fragment, in arrival order.
    pub frames: Vec<u64>,
}

/// The reassembly state of one input.
#[derive(Default)]
pub(crate) struct Defrag {
    pending: HashMap<Key, Pending>,
    bytes: usize,
    recent: Vec<(Key, i64)>,
    /// Capture time of the last expiry sweep.
    swept: i64,
}

/// What happened to a fragment.
pub(crate) enum Outcome {
    /// Kept; the datagram is not complete yet.
    Waiting,
    /// The datagram is complete.
    Done(Whole),
    /// Refused, with the reason (too large, out of room).
    Refused(String),
}

impl Defrag {
    /// Take one fragment. Expired datagrams are reported through `lost`.
    pub fn add(&mut self, f: Fragment<'_>, lost: &mut dyn FnMut(u64, String)) -> Outcome {
        if let Some(now) = f.time_ns
            && now.saturating_sub(self.swept) > 1_000_000_000
        {
            self.swept = now;
            self.expire(now, lost);
        }
        let end = f.offset + f.data.len();
        if end > MAX_DATAGRAM {
            return Outcome::Refused(format!(
                "IP fragment reaches byte {end} of its datagram, past the 65,535-byte limit; dropped"
            ));
        }
        let mut copy = false;
        if !self.pending.contains_key(&f.key) {
            copy = f.time_ns.is_some_and(|now| {
                self.recent
                    .iter()
                    .any(|(k, t)| *k == f.key && now.saturating_sub(*t) <= RECENT_NS)
            });
            if self.pending.len() >= MAX_PENDING {
                return Outcome::Refused(format!(
                    "more than {MAX_PENDING} IP datagrams are waiting for fragments; \
                     this fragment was dropped"
                ));
            }
        }
        let grow = {
            let p = self.pending.get(&f.key);
            end.saturating_sub(p.map_or(0, |p| p.data.len()))
        };
        if self.bytes + grow > MAX_BYTES {
            return Outcome::Refused(format!(
                "IP fragments waiting for reassembly hold more than {} MiB; \
                 this fragment was dropped",
                MAX_BYTES >> 20
            ));
        }
        self.bytes += grow;
        let p = self.pending.entry(f.key).or_insert_with(|| Pending {
            data: Vec::new(),
            have: Vec::new(),
            total: None,
            frames: Vec::new(),
            first_time: f.time_ns,
            first_frame: f.frame,
            copy,
        });
        if p.data.len() < end {
            p.data.resize(end, 0);
        }
        p.data[f.offset..end].copy_from_slice(f.data);
        p.add(f.offset, end);
        if !f.more {
            p.total = Some(end);
        }
        if !p.frames.contains(&f.frame) {
            p.frames.push(f.frame);
        }
        if !p.complete() {
            return Outcome::Waiting;
        }
        let p = self.pending.remove(&f.key).expect("present");
        self.bytes -= p.data.len();
        if let Some(now) = f.time_ns {
            if self.recent.len() >= RECENT {
                self.recent.remove(0);
            }
            self.recent.push((f.key, now));
        }
        let total = p.total.unwrap_or(p.data.len());
        let mut data = p.data;
        data.truncate(total);
        Outcome::Done(Whole {
            proto: f.key.proto,
            data,
            frames: p.frames,
        })
    }

    /// Give up datagrams whose first fragment is older than the timeout.
    fn expire(&mut self, now: i64, lost: &mut dyn FnMut(u64, String)) {
        let old: Vec<Key> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                p.first_time
                    .is_some_and(|t| now.saturating_sub(t) > TIMEOUT_NS)
            })
            .map(|(k, _)| *k)
            .collect();
        for k in old {
            if let Some(p) = self.pending.remove(&k) {
                self.bytes -= p.data.len();
                if !p.copy {
                    lost(p.first_frame, incomplete(&k, &p));
                }
            }
        }
    }

    /// The input has ended: report every datagram still incomplete.
    pub fn finish(&mut self, lost: &mut dyn FnMut(u64, String)) {
        let mut left: Vec<(Key, Pending)> = self.pending.drain().collect();
        left.sort_by_key(|(_, p)| p.first_frame);
        for (k, p) in left.iter().filter(|(_, p)| !p.copy) {
            lost(p.first_frame, incomplete(k, p));
        }
        self.bytes = 0;
    }
}

fn incomplete(k: &Key, p: &Pending) -> String {
    let have: usize = p.have.iter().map(|(s, e)| e - s).sum();
    format!(
        "IP datagram {} from {} to {} never completed: {} fragment{} ({have} bytes{}) \
         arrived, the rest was not captured",
        k.id,
        k.src,
        k.dst,
        p.frames.len(),
        if p.frames.len() == 1 { "" } else { "s" },
        match p.total {
            Some(t) => format!(" of {t}"),
            None => String::new(),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: u32) -> Key {
        Key {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            id,
            proto: 17,
        }
    }

    fn frag(id: u32, offset: usize, more: bool, data: &[u8], frame: u64) -> Fragment<'_> {
        Fragment {
            key: key(id),
            offset,
            more,
            data,
            frame,
            time_ns: Some(frame as i64 * 1_000_000),
        }
    }

    #[test]
    fn in_any_order_with_duplicates() {
        let mut d = Defrag::default();
        let mut lost = Vec::new();
        let mut l = |f, t| lost.push((f, t));
        assert!(matches!(
            d.add(frag(1, 8, false, b"world", 1), &mut l),
            Outcome::Waiting
        ));
        assert!(matches!(
            d.add(frag(1, 8, false, b"world", 2), &mut l),
            Outcome::Waiting
        ));
        match d.add(frag(1, 0, true, b"hello, w", 3), &mut l) {
            Outcome::Done(w) => {
                assert_eq!(w.data, b"hello, wworld");
                assert_eq!(w.frames, vec![1, 2, 3]);
            }
            _ => panic!("not complete"),
        }
        // A second copy of the datagram just after completion (another
        // interface): put together as a copy, for the duplicate rule.
        assert!(matches!(
            d.add(frag(1, 0, true, b"hello, w", 4), &mut l),
            Outcome::Waiting
        ));
        match d.add(frag(1, 8, false, b"world", 5), &mut l) {
            Outcome::Done(w) => {
                assert_eq!(w.data, b"hello, wworld");
                assert_eq!(w.frames, vec![4, 5]);
            }
            _ => panic!("the copy is not complete"),
        }
        assert_eq!(d.bytes, 0);
        // Part of a copy that never completes is dropped without a word.
        assert!(matches!(
            d.add(frag(1, 8, false, b"world", 6), &mut l),
            Outcome::Waiting
        ));
        d.finish(&mut l);
        assert!(lost.is_empty(), "{lost:?}");
    }

    #[test]
    fn incomplete_and_expired_are_reported() {
        let mut d = Defrag::default();
        let mut lost = Vec::new();
        let mut l = |f, t: String| lost.push((f, t));
        d.add(frag(7, 0, true, b"12345678", 5), &mut l);
        // 31 s later another fragment expires the first datagram.
        let mut late = frag(8, 0, true, b"x", 6);
        late.time_ns = Some(5_000_000 + TIMEOUT_NS + 1);
        d.add(late, &mut l);
        d.finish(&mut l);
        assert_eq!(lost.len(), 2);
        assert_eq!(lost[0].0, 5);
        assert!(lost[0].1.contains("datagram 7"), "{}", lost[0].1);
        assert_eq!(lost[1].0, 6);
    }

    #[test]
    fn bounded() {
        let mut d = Defrag::default();
        let mut l = |_, _| {};
        assert!(matches!(
            d.add(frag(1, 65_530, true, b"0123456789", 1), &mut l),
            Outcome::Refused(_)
        ));
        for id in 0..MAX_PENDING as u32 {
            assert!(matches!(
                d.add(frag(id, 0, true, b"x", 1), &mut l),
                Outcome::Waiting
            ));
        }
        assert!(matches!(
            d.add(frag(MAX_PENDING as u32, 0, true, b"x", 1), &mut l),
            Outcome::Refused(_)
        ));
    }
}
