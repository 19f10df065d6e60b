//! Small text helpers: safe excerpts of untrusted text, number parsing that
//! never wraps, human durations, control-character detection.

use crate::sanitize;

/// A sanitised excerpt of untrusted text for use inside our own sentences:
/// control characters escaped, cut to `max` characters with an ellipsis.
pub fn excerpt(s: &str, max: usize) -> String {
    if s.len() <= max && !has_controls(s) && !s.contains('\t') {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        cut.push_str("...");
    }
    sanitize::inline(&cut)
}

/// Excerpt quoted with single quotes, for problems and findings.
pub fn q(s: &str) -> String {
    format!("'{}'", excerpt(s, 60))
}

/// Why a string is not a usable unsigned number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// Empty or not all ASCII digits.
    NotANumber,
    /// All digits, but more than `u64` can hold.
    TooLarge,
}

/// Parse all-digit text into a `u64`, never wrapping: too many digits is
/// [`NumError::TooLarge`], anything else than digits is [`NumError::NotANumber`].
pub fn parse_u64(s: &str) -> Result<u64, NumError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumError::NotANumber);
    }
    s.parse::<u64>().map_err(|_| NumError::TooLarge)
}

/// The largest value RFC 3261 allows for delta-seconds and CSeq numbers.
pub const MAX_32: u64 = u32::MAX as u64;

/// A duration in words: `2 minutes`, `1 hour 30 minutes`, `3 days`.
pub fn human_duration(secs: u64) -> String {
    fn unit(n: u64, one: &str) -> String {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    }
    const MIN: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;
    const YEAR: u64 = 365 * DAY;
    if secs < MIN {
        unit(secs, "second")
    } else if secs < HOUR {
        let (m, s) = (secs / MIN, secs % MIN);
        if s == 0 {
            unit(m, "minute")
        } else {
            format!("{} {}", unit(m, "minute"), unit(s, "second"))
        }
    } else if secs < DAY {
        let (h, m) = (secs / HOUR, secs % HOUR / MIN);
        if m == 0 {
            unit(h, "hour")
        } else {
            format!("{} {}", unit(h, "hour"), unit(m, "minute"))
        }
    } else if secs < YEAR {
        let (d, h) = (secs / DAY, secs % DAY / HOUR);
        if h == 0 {
            unit(d, "day")
        } else {
            format!("{} {}", unit(d, "day"), unit(h, "hour"))
        }
    } else {
        unit(secs / YEAR, "year")
    }
}

/// True if a character must not reach a terminal raw (the same set
/// [`sanitize`] escapes, except HTAB which is plain whitespace in SIP).
pub fn is_control(c: char) -> bool {
    c != '\t' && crate::sanitize::is_unsafe(c)
}

/// True if `s` holds a control character, escape sequence introducer or
/// bidirectional override. Fast path for ASCII text.
pub fn has_controls(s: &str) -> bool {
    // Printable ASCII is 0x20..=0x7e. No early exit, so this vectorises.
    let suspicious = s.bytes().fold(false, |acc, c| {
        acc | ((c.wrapping_sub(0x20) > 0x5e) & (c != b'\t'))
    });
    if !suspicious {
        return false;
    }
    s.chars().any(is_control)
}

/// A list of sentences with a size limit; what goes beyond is counted and
/// summarised in one last entry, so hostile input cannot flood the output.
#[derive(Debug, Clone, Default)]
pub struct Capped {
    list: Vec<String>,
    dropped: usize,
    max: usize,
}

impl Capped {
    /// An empty list keeping at most `max` entries.
    pub fn new(max: usize) -> Self {
        Capped {
            list: Vec::new(),
            dropped: 0,
            max,
        }
    }

    /// A list starting with `list` (kept whole), then capped at `max`.
    pub fn from_vec(list: Vec<String>, max: usize) -> Self {
        Capped {
            list,
            dropped: 0,
            max,
        }
    }

    /// Add an entry, or count it when the list is full.
    pub fn push(&mut self, s: String) {
        if self.list.len() < self.max {
            self.list.push(s);
        } else {
            self.dropped += 1;
        }
    }

    /// The entries, with a last one saying how many were left out.
    pub fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("... and {} more not listed", self.dropped));
        }
        self.list
    }
}

impl Extend<String> for Capped {
    fn extend<T: IntoIterator<Item = String>>(&mut self, iter: T) {
        for s in iter {
            self.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(human_duration(0), "0 seconds");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(120), "2 minutes");
        assert_eq!(human_duration(90), "1 minute 30 seconds");
        assert_eq!(human_duration(3600), "1 hour");
        assert_eq!(human_duration(5400), "1 hour 30 minutes");
        assert_eq!(human_duration(86_400 * 3), "3 days");
        assert_eq!(human_duration(MAX_32), "136 years");
    }

    #[test]
    fn numbers_never_wrap() {
        assert_eq!(parse_u64("0068"), Ok(68));
        assert_eq!(parse_u64("36893488147419103232"), Err(NumError::TooLarge));
        assert_eq!(parse_u64("-1"), Err(NumError::NotANumber));
        assert_eq!(parse_u64(""), Err(NumError::NotANumber));
        assert_eq!(parse_u64("1 2"), Err(NumError::NotANumber));
    }

    #[test]
    fn controls() {
        assert!(!has_controls("plain\ttext"));
        assert!(has_controls("a\x1b[2Jb"));
        assert!(has_controls("x\u{202e}y"));
        assert!(has_controls("nul\0"));
        assert!(!has_controls("no сто"));
    }

    #[test]
    fn excerpts_are_safe_and_short() {
        assert_eq!(excerpt("a\x1bb", 10), "a\\eb");
        assert_eq!(excerpt("abcdef", 3), "abc...");
    }
}
