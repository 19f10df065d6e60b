//! One call as a ladder: the hosts as columns, one arrow per message with
//! the time since the previous message on the left, the message number and
//! the time since the first message on the right, retransmissions marked.
//! With too many hosts for the width, a list of `A -> B` lines instead.

use super::msg_label;
use crate::kb::Kb;
use crate::render::TextStyle;
use crate::sanitize;
use crate::trace::model::{Call, Ep, Triage, flag};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Left column: `+12.345s`.
const LEFT: usize = 9;
/// Right column: ` #123  12.345 R`.
const RIGHT: usize = 16;
/// Narrowest lane spacing before the list layout is used.
const MIN_LANE: usize = 12;

struct Glyphs {
    lane: char,
    line: char,
    right: char,
    left: char,
}

fn glyphs(ascii: bool) -> Glyphs {
    if ascii {
        Glyphs {
            lane: '|',
            line: '-',
            right: '>',
            left: '<',
        }
    } else {
        Glyphs {
            lane: '│',
            line: '─',
            right: '▶',
            left: '◀',
        }
    }
}

/// The hosts of a call in column order: the caller, the callee, then the
/// others as they appear.
pub fn hosts(c: &Call) -> Vec<Ep> {
    let mut v: Vec<Ep> = Vec::new();
    let mut push = |e: Ep| {
        if !v.contains(&e) {
            v.push(e);
        }
    };
    push(c.src);
    push(c.dst);
    for m in &c.msgs {
        push(m.src);
        push(m.dst);
    }
    v
}

fn letter(i: usize) -> String {
    if i < 26 {
        ((b'A' + i as u8) as char).to_string()
    } else {
        format!("H{}", i + 1)
    }
}

/// The key of host letters (`A = 192.0.2.10:5060`) in `width` columns:
/// as many entries to a line as fit, in order along the lines (a key cut
/// short on a small screen keeps the first hosts: caller, callee, first
/// hops), so that a call through many hosts keeps room for its messages.
fn key_lines(key: &[(String, String)], width: usize) -> Vec<String> {
    let entries: Vec<String> = key.iter().map(|(l, n)| format!("{l} = {n}")).collect();
    let col = entries.iter().map(|e| e.chars().count()).max().unwrap_or(0) + 3;
    let per_line = (width.saturating_sub(2) / col.max(1)).max(1);
    entries
        .chunks(per_line)
        .map(|row| {
            let mut line = String::from("  ");
            for e in row {
                line.push_str(e);
                line.extend(std::iter::repeat_n(' ', col - e.chars().count()));
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The key of host letters, one `(letter, host)` a host.
fn key_of(names: &[String]) -> Vec<(String, String)> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (letter(i), n.clone()))
        .collect()
}

/// The line of host labels, each centred over its lane (`spacing`
/// columns apart from column [`LEFT`]) and moved inside the `width` at
/// both ends; `None` when a label would be cut or would touch its
/// neighbour there (the first and last are moved towards the middle: two
/// labels shorter than the spacing can still run together).
fn label_line(labels: &[String], spacing: usize, width: usize) -> Option<String> {
    let mut top = vec![' '; width];
    // The column after the previous label: the next must start past it.
    let mut free = 0;
    for (i, l) in labels.iter().enumerate() {
        let len = l.chars().count();
        if len > width {
            return None;
        }
        let start = (LEFT + i * spacing)
            .saturating_sub(len / 2)
            .min(width - len);
        if i > 0 && start <= free {
            return None;
        }
        for (slot, ch) in top[start..start + len].iter_mut().zip(l.chars()) {
            *slot = ch;
        }
        free = start + len;
    }
    Some(top.iter().collect::<String>().trim_end().to_string())
}

/// True when `host` sends a message of `c` to itself.
fn to_itself(c: &Call, host: Option<&Ep>) -> bool {
    host.is_some_and(|&h| c.msgs.iter().any(|m| m.src == h && m.dst == h))
}

/// `label` in at most `room` display columns (a CJK character takes two,
/// a combining accent none), a cut one ending in `~`, a wide character
/// never split.
fn fit(label: String, room: usize) -> String {
    if label.width() <= room {
        return label;
    }
    let keep = room.saturating_sub(1);
    let mut used = 0;
    let mut cut = String::new();
    for ch in label.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > keep {
            break;
        }
        used += w;
        cut.push(ch);
    }
    if room > 0 {
        cut.push('~');
    }
    cut
}

/// The first `width` display columns of `s`.
fn take_width(s: &str, width: usize) -> String {
    let mut used = 0;
    s.chars()
        .take_while(|ch| {
            used += ch.width().unwrap_or(0);
            used <= width
        })
        .collect()
}

/// The time since the previous message, in at most 7 columns whatever
/// the gap (a capture with a clock jump has gaps of years): seconds, then
/// whole hours, then whole years.
fn delta(ns: Option<i64>) -> String {
    match ns {
        None => "".to_string(),
        Some(ns) => {
            let ms = ns.max(0) / 1_000_000;
            let (s, h) = (ms / 1000, ms / 3_600_000);
            if ms < 10_000 {
                format!("+{}.{:03}s", s, ms % 1000)
            } else if ms < 1_000_000 {
                format!("+{}.{}s", s, ms % 1000 / 100)
            } else if s < 100_000 {
                format!("+{s}s")
            } else if h < 100_000 {
                format!("+{h}h")
            } else {
                format!("+{}y", h / (24 * 365))
            }
        }
    }
}

/// Seconds since the call's first message, in at most 8 columns: with
/// milliseconds below 10,000 s, whole seconds below 10^8 s, then whole
/// hours.
fn elapsed(ns: Option<i64>) -> String {
    match ns {
        None => "?".to_string(),
        Some(ns) => {
            let ms = ns.max(0) / 1_000_000;
            let s = ms / 1000;
            if s < 10_000 {
                format!("{}.{:03}", s, ms % 1000)
            } else if s < 100_000_000 {
                format!("{s}")
            } else {
                format!("{}h", ms / 3_600_000)
            }
        }
    }
}

/// A call's ladder laid out for one width, terminal-free: the head (the
/// key of host letters, the host labels, the lanes), one row per message
/// built on demand (a front end draws only the rows on screen), and the
/// tail (the closing lanes and the legend). The command line prints it all
/// ([`ladder`]); the TUI pins the head and scrolls the rows.
pub struct Ladder {
    width: usize,
    hosts: Vec<Ep>,
    spacing: usize,
    /// Too many hosts for the width: one `A -> B` line per message.
    list: bool,
    /// The column where the right-hand column (` #12   0.345`) starts:
    /// past the last lane, or past the room of the last host's messages to
    /// itself.
    right_at: usize,
    ascii: bool,
    /// The lines above the first message.
    pub head: Vec<String>,
    /// How many of them, from the first, are the key of host letters.
    pub key_len: usize,
    /// The key of host letters, `(letter, host)` in column order; empty
    /// when the hosts are labelled in full. A front end too short for the
    /// key's lines lists it elsewhere.
    pub key: Vec<(String, String)>,
    lanes: Vec<char>,
    t0: Option<i64>,
}

impl Ladder {
    /// Lay out the hosts of `c` for `width` columns (at least 40).
    pub fn new(t: &Triage, c: &Call, width: usize, ascii: bool) -> Ladder {
        let width = width.max(40);
        let hs = hosts(c);
        let names: Vec<String> = hs.iter().map(|&e| t.endpoint_str(e)).collect();
        let g = glyphs(ascii);
        let avail = width.saturating_sub(LEFT + RIGHT);
        // A message to itself is drawn right of its host's lane, before the
        // next one: the last host's needs a column of room past its lane
        // (a call from raw SIP text has one host, `?`, every message to it).
        let cols = hs.len() + usize::from(to_itself(c, hs.last()));
        let spacing = if cols > 1 {
            avail.saturating_sub(1) / (cols - 1)
        } else {
            avail
        };
        let list = hs.len() > 1 && spacing < MIN_LANE;
        let mut head = Vec::new();
        let mut lanes = vec![' '; width];
        let mut key_len = 0;
        let mut key = Vec::new();
        if list {
            key = key_of(&names);
            head.extend(key_lines(&key, width));
            key_len = head.len();
            head.push(String::new());
        } else {
            let x_of = |i: usize| LEFT + i * spacing;
            // Host labels: in full when they fit the lanes, else letters and a key.
            let top = label_line(&names, spacing, width).unwrap_or_else(|| {
                key = key_of(&names);
                head.extend(key_lines(&key, width));
                key_len = head.len();
                let letters: Vec<String> = (0..hs.len()).map(letter).collect();
                label_line(&letters, spacing, width).unwrap_or_default()
            });
            head.push(top);
            for i in 0..hs.len() {
                lanes[x_of(i)] = g.lane;
            }
            head.push(lanes.iter().collect::<String>().trim_end().to_string());
        }
        Ladder {
            width,
            hosts: hs,
            spacing,
            list,
            right_at: LEFT + (cols - 1) * spacing + 1,
            ascii,
            head,
            key_len,
            key,
            lanes,
            t0: c.msgs.first().and_then(|m| m.time()),
        }
    }

    /// The row of message `i` (0-based) of `c`, the call it was laid out for.
    pub fn row(&self, t: &Triage, kb: &Kb, c: &Call, i: u32) -> String {
        // The time of the last message before it that has one.
        let prev = c.msgs[..(i as usize).min(c.msgs.len())]
            .iter()
            .rev()
            .find_map(|m| m.time());
        self.row_after(t, kb, c, i, prev)
    }

    fn fold(&self, s: String) -> String {
        if self.ascii {
            crate::render::ascii_fold(&s)
        } else {
            s
        }
    }

    /// The row of message `i`, the previous message's time given.
    fn row_after(&self, t: &Triage, kb: &Kb, c: &Call, i: u32, prev: Option<i64>) -> String {
        let Some(m) = c.msgs.get(i as usize) else {
            return String::new();
        };
        let hs = &self.hosts;
        let width = self.width;
        let from = hs.iter().position(|&e| e == m.src).unwrap_or(0);
        let to = hs.iter().position(|&e| e == m.dst).unwrap_or(0);
        let d = match (prev, m.time()) {
            (Some(p), Some(t)) => Some(t - p),
            (None, Some(_)) => Some(0),
            _ => None,
        };
        let rtx = if m.has(flag::RETRANS) { " R" } else { "" };
        let since = elapsed(m.time().zip(self.t0).map(|(a, b)| a - b));
        if self.list {
            let head = format!(
                "  #{:<3} {:>9} {:>9}  {} -> {}  ",
                i + 1,
                since,
                delta(d),
                letter(from),
                letter(to)
            );
            // The label cut with `~` where it does not fit, the
            // retransmission mark kept after it.
            let room = width.saturating_sub(head.width() + rtx.len());
            let label = self.fold(sanitize::inline(&msg_label(t, kb, c, i)));
            let line = format!("{head}{}{rtx}", fit(label, room));
            return take_width(&self.fold(line), width);
        }
        let g = glyphs(self.ascii);
        let x_of = |i: usize| LEFT + i * self.spacing;
        let mut row = self.lanes.clone();
        for (k, ch) in format!("{:>8}", delta(d))
            .chars()
            .take(LEFT - 1)
            .enumerate()
        {
            row[k] = ch;
        }
        let label = self.fold(sanitize::inline(&msg_label(t, kb, c, i)));
        let (lo, hi) = (x_of(from.min(to)), x_of(from.max(to)));
        // The label goes over the row's columns `at..at + its width`: the
        // row is one character a column, a label's characters are not (a
        // CJK one takes two columns, a combining accent none).
        let mut text: Option<(usize, String)> = None;
        if from == to {
            // To itself: a short loop mark beside the lane, and the label,
            // a space before the next lane (the room an arrow's label has).
            let l = fit(label, self.spacing.saturating_sub(5));
            let mark = format!("{}{} {l}", g.line, g.left);
            let end = (lo + 1 + mark.width()).min(row.len());
            for slot in &mut row[lo + 1..end] {
                *slot = ' ';
            }
            text = Some((lo + 1, take_width(&mark, end - (lo + 1))));
        } else {
            for slot in &mut row[lo + 1..hi] {
                *slot = g.line;
            }
            if to > from {
                row[hi - 1] = g.right;
            } else {
                row[lo + 1] = g.left;
            }
            let l = fit(label, (hi - lo).saturating_sub(5));
            let len = l.width();
            if len > 0 {
                // Centred, with a space on each side that never takes an
                // arrowhead (at lo + 1 and hi - 1): a label as long as the
                // room starts at lo + 3.
                let start = (lo + (hi - lo - len) / 2).max(lo + 3);
                for slot in &mut row[start - 1..=start + len] {
                    *slot = ' ';
                }
                text = Some((start, l));
            }
        }
        // The number, then the time right-aligned in 8 columns, with at
        // least one space between them past #9999.
        let num = format!("#{}", i + 1);
        let gap = usize::from(num.len() > 4);
        let right = format!(" {num:<4}{since:>w$}{rtx}", w = 8 + gap);
        let end = self.right_at.min(row.len());
        let mut line: String = match text {
            // The label in place of as many columns as it takes.
            Some((at, l)) if at <= end => {
                let l = take_width(&l, end - at);
                let past = at + l.width();
                let mut s: String = row[..at].iter().collect();
                s.push_str(&l);
                s.extend(&row[past..end]);
                s
            }
            _ => row[..end].iter().collect(),
        };
        line.push_str(&right);
        line.trim_end().to_string()
    }

    /// The lines below the last message: the closing lanes and the legend.
    pub fn tail(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.list {
            out.push(String::new());
            out.extend(crate::render::wrap(
                "(#, seconds since the first message, time since the previous one; R = \
                 retransmission)",
                self.width,
                "  ",
                "  ",
            ));
        } else {
            out.push(self.lanes.iter().collect::<String>().trim_end().to_string());
            out.extend(crate::render::wrap(LEGEND, self.width, "", ""));
        }
        out
    }

    /// True when the hosts did not fit as columns (one `A -> B` line a message).
    pub fn is_list(&self) -> bool {
        self.list
    }
}

/// What the columns of a ladder say.
pub const LEGEND: &str = "Left: time since the previous message. Right: message number, seconds \
                          since the first message; R = retransmission.";

/// The ladder's lines (no colour; sanitised; within `st.width` columns).
pub fn ladder(t: &Triage, kb: &Kb, c: &Call, st: TextStyle) -> Vec<String> {
    let l = Ladder::new(t, c, st.width, st.ascii);
    let mut out = l.head.clone();
    let mut prev: Option<i64> = None;
    for (i, m) in c.msgs.iter().enumerate() {
        out.push(l.row_after(t, kb, c, i as u32, prev));
        prev = m.time().or(prev);
    }
    out.extend(l.tail());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::testkit::*;

    fn st(width: usize, ascii: bool) -> TextStyle {
        TextStyle {
            width,
            color: false,
            ascii,
        }
    }

    #[test]
    fn two_hosts_ascii() {
        let mut steps = answered_call("c1", 0, 60_000);
        let dup = steps[0].clone();
        steps.insert(1, Step { ms: 500, ..dup });
        let t = analyze(&steps);
        let lines = ladder(&t, Kb::embedded(), &t.calls[0], st(80, true));
        let text = lines.join("\n");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
        assert!(lines[0].contains("10.0.0.1:5060") && lines[0].contains("10.0.0.2:5060"));
        assert!(text.contains("INVITE (SDP)"), "{text}");
        assert!(text.contains("180 Ringing"));
        // The retransmitted INVITE is marked, with its delta.
        let rtx: Vec<&String> = lines.iter().filter(|l| l.ends_with(" R")).collect();
        assert_eq!(rtx.len(), 1, "{text}");
        assert!(rtx[0].contains("#3 "), "{text}");
        assert!(rtx[0].starts_with(" +0.495s |---"), "{text}");
        // Arrows point the right way.
        let inv = lines.iter().find(|l| l.contains("#1 ")).unwrap();
        assert!(inv.contains("->|"), "{inv}");
        let ring = lines.iter().find(|l| l.contains("180 Ringing")).unwrap();
        assert!(ring.contains("|<-"), "{ring}");
        assert!(text.is_ascii());
    }

    /// A label of CJK characters (two columns each), emoji or combining
    /// accents keeps the row within the width, the lanes and arrowheads
    /// where they are and the message number on the row: the number was
    /// pushed off the row (`│─◀ 480 暂时无法…` without its `#3`).
    #[test]
    fn a_wide_label_keeps_the_row_and_its_number() {
        let a = ep("10.0.0.1:5060");
        let b = ep("10.0.0.2:5060");
        for reason in [
            "暂时无法接通全角文字测试暂时无法接通全角文字测试",
            "Decline \u{1F600}\u{1F600} emoji",
            "Bu\u{301}sy\u{301} He\u{301}re",
            "暂",
        ] {
            let inv = request("INVITE", "w1", 1, "z9hG4bKw1", None, &[], "");
            let fin = response_with(&inv, 480, reason, Some("r"), &[], "");
            let t = analyze(&[Step::new(0, a, b, &inv), Step::new(10, b, a, &fin)]);
            let c = &t.calls[0];
            for w in 40..=100 {
                let l = Ladder::new(&t, c, w, false);
                let one = l.row(&t, Kb::embedded(), c, 0);
                let row = l.row(&t, Kb::embedded(), c, 1);
                assert!(row.width() <= w, "{w}: {row}");
                assert!(row.contains(" #2 "), "{w}: {row}");
                assert!(row.contains("│◀"), "{w}: {row}");
                // The number's column is the same as on a plain row.
                let at = |r: &str| r.find(" #").map(|i| r[..i].width());
                assert_eq!(at(&row), at(&one), "{w}:\n{one}\n{row}");
                if reason.width() > w {
                    assert!(row.contains('~'), "{w}: {row}");
                }
            }
        }
    }

    /// A label exactly as long as the room between two lanes never takes
    /// the place of a leftward arrowhead (the response's direction was
    /// lost at some widths).
    #[test]
    fn every_arrow_keeps_its_head_whatever_the_label_length() {
        let t = analyze(&rejected_call("c1", 0, ep("10.0.0.2:5060"), 486, &[]));
        for w in 40..=120 {
            for ascii in [true, false] {
                let l = Ladder::new(&t, &t.calls[0], w, ascii);
                let c = &t.calls[0];
                for i in 0..c.msgs.len() as u32 {
                    let row = l.row(&t, Kb::embedded(), c, i);
                    let m = &c.msgs[i as usize];
                    let head = match (m.src == c.src, ascii) {
                        (true, true) => ">|",
                        (true, false) => "▶│",
                        (false, true) => "|<",
                        (false, false) => "│◀",
                    };
                    assert!(row.contains(head), "width {w}, #{}: {row}", i + 1);
                }
            }
        }
    }

    /// Past message #9999 the number and the time stay apart (they ran
    /// together as `#100009995.000`).
    #[test]
    fn big_message_numbers_keep_a_space_before_the_time() {
        let mut steps = Vec::new();
        for n in 0..5_100u32 {
            let req = request("OPTIONS", "p", n + 1, &format!("z9hG4bK{n}"), None, &[], "");
            let ms = i64::from(n) * 1000;
            steps.push(Step::new(
                ms,
                ep("10.0.0.1:5060"),
                ep("10.0.0.2:5060"),
                &req,
            ));
            steps.push(Step::new(
                ms + 1,
                ep("10.0.0.2:5060"),
                ep("10.0.0.1:5060"),
                &response(&req, 200, Some("t"), &[]),
            ));
        }
        let t = analyze(&steps);
        let lines = ladder(&t, Kb::embedded(), &t.calls[0], st(80, true));
        let row = lines.iter().find(|l| l.contains("#10001")).unwrap();
        assert!(row.contains("#10001 5000.000"), "{row}");
        let row = lines.iter().find(|l| l.contains("#999 ")).unwrap();
        assert!(row.ends_with("#999 499.000"), "{row}");
    }

    #[test]
    fn time_columns_keep_their_width_and_unit_for_any_gap() {
        let mut ns: i64 = 1;
        while ns < i64::MAX / 10 {
            for v in [ns, ns * 3, ns * 7] {
                let d = delta(Some(v));
                assert!(d.chars().count() <= 7, "{v}: {d}");
                assert!(d.ends_with(['s', 'h', 'y']), "{v}: {d}");
                let e = elapsed(Some(v));
                assert!(e.chars().count() <= 8, "{v}: {e}");
            }
            ns *= 10;
        }
        assert_eq!(delta(Some(1_500_000_000)), "+1.500s");
        assert_eq!(delta(Some(201_118_545_000_000_000)), "+55866h");
        assert_eq!(elapsed(Some(61_250_000_000)), "61.250");
        assert_eq!(elapsed(Some(201_118_545_000_000_000)), "55866h");
    }

    #[test]
    fn unicode_and_narrow_widths_never_panic() {
        let t = analyze(&answered_call("c1", 0, 60_000));
        for w in [1, 20, 40, 60, 80, 200] {
            for ascii in [true, false] {
                let lines = ladder(&t, Kb::embedded(), &t.calls[0], st(w, ascii));
                assert!(lines.len() > 7);
                if w >= 40 {
                    assert!(lines.iter().all(|l| l.chars().count() <= w.max(40)), "{w}");
                }
            }
        }
    }

    #[test]
    fn rows_built_one_at_a_time_are_the_printed_rows() {
        let mut steps = answered_call("c1", 0, 60_000);
        let dup = steps[0].clone();
        steps.insert(1, Step { ms: 500, ..dup });
        let t = analyze(&steps);
        let c = &t.calls[0];
        for (w, ascii) in [(80, true), (78, false), (44, true), (200, false)] {
            let all = ladder(&t, Kb::embedded(), c, st(w, ascii));
            let l = Ladder::new(&t, c, w, ascii);
            let head = l.head.len();
            assert!(!l.is_list());
            for i in 0..c.msgs.len() {
                assert_eq!(l.row(&t, Kb::embedded(), c, i as u32), all[head + i], "{w}");
            }
            assert_eq!(all[head + c.msgs.len()..], l.tail()[..]);
        }
    }

    /// An INVITE relayed along `hosts`, and a 486 back along them.
    fn relayed(hosts: &[&str]) -> Triage {
        let inv = |i: usize| request("INVITE", "r", 1, &format!("z9hG4bK{i}"), None, &[], "");
        let mut steps = Vec::new();
        for i in 0..hosts.len() - 1 {
            steps.push(Step::new(i as i64, ep(hosts[i]), ep(hosts[i + 1]), &inv(i)));
        }
        for i in (1..hosts.len()).rev() {
            let busy = response(&inv(i - 1), 486, Some("t"), &[]);
            steps.push(Step::new(
                100 - i as i64,
                ep(hosts[i]),
                ep(hosts[i - 1]),
                &busy,
            ));
        }
        analyze(&steps)
    }

    /// The host labels of the ladder printed at each width are the hosts
    /// whole, a space at least between two, or their letters with the
    /// key's entries whole. The first and last labels are moved inside
    /// the line: two IPv6 hosts ran together near 60 columns
    /// (`[fe80::21a:a0ff:fe07:32e0]:506[fec0::216:d3ff:fe0d:22c]:5060`).
    #[test]
    fn host_labels_never_touch_nor_get_cut() {
        let calls: [&[&str]; 3] = [
            &[
                "[fe80::21a:a0ff:fe07:32e0]:5060",
                "[fec0::216:d3ff:fe0d:22c]:5060",
            ],
            &[
                "[2001:db8::1]:5060",
                "10.0.0.2:5060",
                "[2001:db8:aaaa:bbbb::3]:5080",
            ],
            &[
                "10.0.0.1:5060",
                "[2001:db8::2]:5060",
                "10.35.60.100:5060",
                "[2001:db8:ffff::4]:5060",
            ],
        ];
        for hosts in calls {
            let t = relayed(hosts);
            let c = &t.calls[0];
            let names: Vec<String> = super::hosts(c).iter().map(|&e| t.endpoint_str(e)).collect();
            assert_eq!(
                names, hosts,
                "the test's addresses as the ladder names them"
            );
            for w in 40..=120 {
                for ascii in [true, false] {
                    let l = Ladder::new(&t, c, w, ascii);
                    let lines = ladder(&t, Kb::embedded(), c, st(w, ascii));
                    let text = lines.join("\n");
                    assert!(lines.iter().all(|l| l.chars().count() <= w), "{w}\n{text}");
                    let key = &lines[..l.key_len];
                    for (i, n) in names.iter().enumerate() {
                        let entry = format!("{} = {n}", letter(i));
                        assert!(
                            l.key_len == 0 || key.iter().any(|k| k.contains(&entry)),
                            "{w}: no {entry}\n{text}"
                        );
                    }
                    if l.is_list() {
                        continue;
                    }
                    let words: Vec<&str> = lines[l.key_len].split_whitespace().collect();
                    if l.key_len == 0 {
                        assert_eq!(words, names, "{w}\n{text}");
                    } else {
                        let letters: Vec<String> = (0..names.len()).map(letter).collect();
                        assert_eq!(words, letters, "{w}\n{text}");
                    }
                }
            }
        }
    }

    /// Every row names its message, a message from a host to itself
    /// too, whatever the number of hosts: whole from 80 columns, else
    /// whole or cut with `~`; a message to itself leaves the other lanes
    /// whole. On the last host's lane (a single host: raw SIP text has
    /// only `?`) the row had no name at all, the right-hand column written
    /// over it.
    #[test]
    fn every_row_names_its_message_even_to_itself() {
        let (a, b, c) = ("10.0.0.1:5060", "10.0.0.2:5060", "10.0.0.3:5060");
        let opt = request("OPTIONS", "self", 1, "z9hG4bKs", None, &[], "");
        let inv = request("INVITE", "loop", 1, "z9hG4bKl1", None, &[], "");
        let inv2 = request("INVITE", "loop", 1, "z9hG4bKl2", None, &[], "");
        let busy = response(&inv, 486, Some("t"), &[]);
        // One host, to itself; the last host to itself; the middle one.
        let calls = [
            vec![
                Step::new(0, ep(a), ep(a), &opt),
                Step::new(1, ep(a), ep(a), &response(&opt, 200, Some("t"), &[])),
            ],
            vec![
                Step::new(0, ep(a), ep(b), &inv),
                Step::new(1, ep(b), ep(b), &inv2),
                Step::new(2, ep(b), ep(a), &busy),
            ],
            vec![
                Step::new(0, ep(a), ep(b), &inv),
                Step::new(1, ep(b), ep(b), &inv2),
                Step::new(2, ep(b), ep(c), &inv2),
                Step::new(3, ep(b), ep(a), &busy),
            ],
        ];
        for steps in calls {
            let t = analyze(&steps);
            let call = &t.calls[0];
            for w in 40..=120 {
                for ascii in [true, false] {
                    let l = Ladder::new(&t, call, w, ascii);
                    let text = ladder(&t, Kb::embedded(), call, st(w, ascii)).join("\n");
                    let lane = if ascii { '|' } else { '│' };
                    let lanes: Vec<usize> = l.head[l.head.len() - 1]
                        .chars()
                        .enumerate()
                        .filter(|&(_, ch)| ch == lane)
                        .map(|(x, _)| x)
                        .collect();
                    for i in 0..call.msgs.len() {
                        let row = l.row(&t, Kb::embedded(), call, i as u32);
                        let label = l.fold(msg_label(&t, Kb::embedded(), call, i as u32));
                        let first = label.split(' ').next().unwrap();
                        // (A narrow list cuts its rows at the width.)
                        let named = row.contains(&label)
                            || (w < 80 && row.contains(first) && row.contains('~'))
                            || (w < 80 && l.is_list() && row.chars().count() == w);
                        assert!(named, "{w}, #{}: {row}\n{text}", i + 1);
                        assert!(row.chars().count() <= w, "{w}: {row}");
                        let m = &call.msgs[i];
                        if m.src == m.dst && !l.is_list() {
                            let chars: Vec<char> = row.chars().collect();
                            assert!(
                                lanes.iter().all(|&x| chars[x] == lane),
                                "{w}, #{}: {row}\n{text}",
                                i + 1
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn many_hosts_fall_back_to_a_list() {
        let mut steps = Vec::new();
        for i in 0..8 {
            let inv = request("OPTIONS", "c", i + 1, &format!("z9hG4bK{i}"), None, &[], "");
            steps.push(Step::new(
                i as i64,
                ep("10.0.0.1:5060"),
                ep(&format!("10.0.1.{i}:5060")),
                &inv,
            ));
        }
        let t = analyze(&steps);
        let lines = ladder(&t, Kb::embedded(), &t.calls[0], st(80, true));
        let text = lines.join("\n");
        assert!(text.contains("A = 10.0.0.1:5060"), "{text}");
        assert!(text.contains("A -> I  OPTIONS"), "{text}");
        // The key of 9 hosts takes 3 lines at 80 columns.
        let key: Vec<&str> = lines
            .iter()
            .take_while(|l| !l.is_empty())
            .map(|l| l.as_str())
            .collect();
        assert_eq!(
            key,
            [
                "  A = 10.0.0.1:5060   B = 10.0.1.0:5060   C = 10.0.1.1:5060",
                "  D = 10.0.1.2:5060   E = 10.0.1.3:5060   F = 10.0.1.4:5060",
                "  G = 10.0.1.5:5060   H = 10.0.1.6:5060   I = 10.0.1.7:5060",
            ]
        );
        for w in [40, 41, 60, 200] {
            for l in ladder(&t, Kb::embedded(), &t.calls[0], st(w, true)) {
                assert!(l.chars().count() <= w, "{w}: {l}");
            }
        }
        // A row too long for the width ends with the cut marker.
        let rows = ladder(&t, Kb::embedded(), &t.calls[0], st(40, true));
        let row = rows.iter().find(|l| l.contains("A -> B")).unwrap();
        assert!(row.ends_with("OPT~"), "{row}");
    }
}
