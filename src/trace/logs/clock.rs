//! Times in text logs. Logs write local wall-clock times, often without a
//! year (Asterisk's default `%b %e %T`) or without a date at all (sofia's
//! `HH:MM:SS.uuuuuu`), and never with a time zone. The rule:
//!
//! - a time without a zone is taken as UTC (said once per input);
//! - a time without a year gets the year of the file's modification time,
//!   or of today for standard input; when the first such time's month is
//!   later than that date's month, the log began the year before; a month
//!   that goes backwards (December to January) moves to the next year;
//! - a time without a date gets the date of the last dated line before
//!   it, moving to the next day when the time goes backwards by more than
//!   12 hours (midnight); before the log's first dated line, the date of
//!   that line, found by looking ahead in the head of the input (see
//!   [`Lead`]); with no dated line there either, the first stamp gets the
//!   reference's date (the file's modification, or now), or the day
//!   before when that would put it after the reference in every time zone
//!   (its time of day more than 14 hours, UTC+14, later than the
//!   reference's: a log of 23:59 and 00:00 written at 00:10 UTC began the
//!   day before; one of 23:59 local time written at 23:00 UTC, an hour
//!   east, did not);
//! - epoch times (Kamailio sipdump) are exact and need none of this;
//! - in a log whose zone-less stamps are one clock's, written in order
//!   ([`Clock::in_order`]: Asterisk, ngrep, sngrep), a jump back of 30 to
//!   60 minutes is the end of summer time (the clocks set back an hour):
//!   the stamps from there on are moved on by an hour, so that the log's
//!   order stays the order of its messages. (A jump forward, the start of
//!   summer time, cannot be told from an hour without messages.)
//!
//! Each assumption that was needed is reported once as a problem.

use std::collections::VecDeque;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds since the epoch of a time of day on a day count, saturating
/// (a log line can carry a year of nine digits).
fn at(day: i64, tod: i64) -> i64 {
    day.saturating_mul(DAY_NS).saturating_add(tod)
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A time of day in nanoseconds.
pub(crate) fn day_ns(h: u32, mi: u32, s: u32, ns: u32) -> i64 {
    (i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s)) * 1_000_000_000 + i64::from(ns)
}

const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// What a log line's timestamp gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// Year, month, day and time of day (ns).
    Full(i64, u32, u32, i64),
    /// Month, day and time of day, no year.
    NoYear(u32, u32, i64),
    /// Time of day only.
    TimeOnly(i64),
    /// Nanoseconds since the epoch, UTC.
    Epoch(i64),
}

/// What a look at the head of a log found before it is read: the day and
/// time of its first dated line, and the times of the time-only stamps
/// before that line (sofia's trace stamps that come before FreeSWITCH's
/// first dated line of the file), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lead {
    day: i64,
    tod: i64,
    before: Vec<i64>,
}

impl Lead {
    /// The day of each stamp before the dated line, worked out backwards
    /// from it by the same rules as forwards: the stamp right before the
    /// line is on the line's day, or the day before or after when its time
    /// is more than half a day later or earlier (midnight, or the line's
    /// local time against the stamps' UTC, as right after a date line);
    /// an earlier stamp more than half a day later in the day than the one
    /// after it is the day before (midnight passed between them).
    fn days(&self) -> VecDeque<i64> {
        let mut days = VecDeque::with_capacity(self.before.len());
        let (mut day, mut next, mut dated) = (self.day, self.tod, true);
        for &tod in self.before.iter().rev() {
            if tod > next + DAY_NS / 2 {
                day = day.saturating_sub(1);
            } else if dated && tod + DAY_NS / 2 < next {
                day = day.saturating_add(1);
            }
            days.push_front(day);
            (next, dated) = (tod, false);
        }
        days
    }
}

/// The time state of one input.
pub(crate) struct Clock {
    /// The reference date (file modification, or today) as (y, m, d), and
    /// what it is, for the notes.
    reference: (i64, u32, u32),
    /// The reference's time of day (ns).
    reference_tod: i64,
    reference_is: &'static str,
    /// The last dated day (days since epoch), for time-only stamps.
    day: Option<i64>,
    last_tod: Option<i64>,
    /// The last stamp was a date line (full or without year).
    after_date: bool,
    /// Year and month in use for year-less stamps.
    year: Option<i64>,
    month: u32,
    told_zone: bool,
    told_year: bool,
    told_date: bool,
    /// The first dated stamp (full or without year) as (day, time of day).
    first_dated: Option<(i64, i64)>,
    /// The days of the time-only stamps before the first dated line, from
    /// a [`Lead`].
    ahead: VecDeque<i64>,
    /// Looking ahead ([`Clock::scout`]): the time-only stamps met before
    /// the first dated one.
    scouted: Option<Vec<i64>>,
    /// Notes to report (taken by the reader).
    pub notes: Vec<String>,
    /// The zone-less stamps are one clock's, in order (see the module's
    /// notes): a jump back of 30 to 60 minutes is set right.
    pub in_order: bool,
    /// The last zone-less stamp resolved, as given out.
    last_local: Option<i64>,
    /// Added to zone-less stamps: an hour per end of summer time met.
    shift: i64,
    told_dst: bool,
}

/// The most a local time is ahead of UTC (UTC+14).
const ZONE_AHEAD_NS: i64 = 14 * 3_600 * 1_000_000_000;

/// A jump back between these (ns) is taken as the end of summer time.
const DST_BACK: std::ops::RangeInclusive<i64> = 30 * 60 * 1_000_000_000..=3_602 * 1_000_000_000;
const HOUR_NS: i64 = 3_600 * 1_000_000_000;

impl Clock {
    /// `reference_ns`: the file's modification time, or now; `is`: which.
    pub fn new(reference_ns: i64, is: &'static str) -> Self {
        let reference = civil_from_days(reference_ns.div_euclid(DAY_NS));
        Clock {
            reference,
            reference_tod: reference_ns.rem_euclid(DAY_NS),
            reference_is: is,
            day: None,
            last_tod: None,
            after_date: false,
            year: None,
            month: 0,
            told_zone: false,
            told_year: false,
            told_date: false,
            first_dated: None,
            ahead: VecDeque::new(),
            scouted: None,
            notes: Vec::new(),
            in_order: false,
            last_local: None,
            shift: 0,
            told_dst: false,
        }
    }

    /// A clock for a look at the head of a log: it also notes the time-only
    /// stamps before the first dated one, for [`Clock::lead`].
    pub fn scout(reference_ns: i64, is: &'static str) -> Self {
        Clock {
            scouted: Some(Vec::new()),
            ..Clock::new(reference_ns, is)
        }
    }

    /// A dated stamp (full or without year) has been met.
    pub fn dated(&self) -> bool {
        self.first_dated.is_some()
    }

    /// What a scouting clock found: `None` when it met no dated stamp.
    pub fn lead(self) -> Option<Lead> {
        let (day, tod) = self.first_dated?;
        Some(Lead {
            day,
            tod,
            before: self.scouted.unwrap_or_default(),
        })
    }

    /// Date the time-only stamps that come before the first dated line
    /// by what a look ahead found, instead of by the reference date.
    pub fn expect(&mut self, lead: &Lead) {
        self.ahead = lead.days();
    }

    /// Note a dated stamp: the state time-only stamps are placed by.
    fn date(&mut self, day: i64, tod: i64) {
        self.first_dated.get_or_insert((day, tod));
        self.day = Some(day);
        self.last_tod = Some(tod);
        self.after_date = true;
    }

    fn zone(&mut self) {
        if !self.told_zone {
            self.told_zone = true;
            self.notes
                .push("the log's times have no time zone; they are taken as UTC".to_string());
        }
    }

    /// Nanoseconds since the epoch for a stamp, by the rules above.
    pub fn resolve(&mut self, stamp: Stamp) -> i64 {
        let t = self.resolve_local(stamp);
        if matches!(stamp, Stamp::Epoch(_)) || !self.in_order {
            return t;
        }
        let mut t = t.saturating_add(self.shift);
        if let Some(last) = self.last_local
            && DST_BACK.contains(&last.saturating_sub(t))
        {
            self.shift = self.shift.saturating_add(HOUR_NS);
            t = t.saturating_add(HOUR_NS);
            if !self.told_dst {
                self.told_dst = true;
                self.notes.push(
                    "the log's times go back by up to an hour once: taken as the end of summer \
                     time (clocks set back an hour); the times after it are moved on by an hour \
                     to keep the log's order"
                        .to_string(),
                );
            }
        }
        self.last_local = Some(t);
        t
    }

    /// [`Clock::resolve`] before the summer-time rule.
    fn resolve_local(&mut self, stamp: Stamp) -> i64 {
        match stamp {
            Stamp::Epoch(ns) => ns,
            Stamp::Full(y, m, d, tod) => {
                self.zone();
                let day = days_from_civil(y, m, d);
                self.date(day, tod);
                self.year = Some(y);
                self.month = m;
                at(day, tod)
            }
            Stamp::NoYear(m, d, tod) => {
                self.zone();
                let year = match self.year {
                    None => {
                        let (ry, rm, _) = self.reference;
                        let y = if m > rm { ry - 1 } else { ry };
                        if !self.told_year {
                            self.told_year = true;
                            self.notes.push(format!(
                                "the log's times have no year; {y} is assumed from the {}",
                                self.reference_is
                            ));
                        }
                        y
                    }
                    Some(y) if m < self.month => y + 1,
                    Some(y) => y,
                };
                self.year = Some(year);
                self.month = m;
                let day = days_from_civil(year, m, d);
                self.date(day, tod);
                at(day, tod)
            }
            Stamp::TimeOnly(tod) => {
                self.zone();
                if !self.dated() {
                    if let Some(seen) = &mut self.scouted {
                        seen.push(tod);
                    }
                    if let Some(day) = self.ahead.pop_front() {
                        self.day = Some(day);
                        self.last_tod = Some(tod);
                        self.after_date = false;
                        return at(day, tod);
                    }
                }
                let mut day = match self.day {
                    Some(d) => d,
                    None => {
                        // The reference's day, unless that puts the stamp
                        // after the reference whatever the log's zone
                        // (local time is at most 14 h ahead of UTC).
                        let (y, m, d) = self.reference;
                        let mut day = days_from_civil(y, m, d);
                        if tod > self.reference_tod + ZONE_AHEAD_NS {
                            day = day.saturating_sub(1);
                        }
                        if !self.told_date {
                            self.told_date = true;
                            let (y, m, d) = civil_from_days(day);
                            self.notes.push(format!(
                                "the log's times have no date; its first is taken as \
                                 {y:04}-{m:02}-{d:02}, from the {}",
                                self.reference_is
                            ));
                        }
                        day
                    }
                };
                // A time of day more than half a day before the last one
                // is the next day (midnight passed); right after a date
                // line, more than half a day after it is the day before
                // (between time-only stamps that is only a long gap):
                // FreeSWITCH dates its own lines
                // in local time while sofia's trace stamps are UTC
                // (tport_logging.c, tport_stamp), so near midnight the date
                // line can be a day ahead of the UTC stamps that follow.
                if let Some(last) = self.last_tod {
                    if tod + DAY_NS / 2 < last {
                        day = day.saturating_add(1);
                    } else if self.after_date && tod > last + DAY_NS / 2 {
                        day = day.saturating_sub(1);
                    }
                }
                self.after_date = false;
                self.day = Some(day);
                self.last_tod = Some(tod);
                at(day, tod)
            }
        }
    }
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter()
        .try_fold(0u32, |n, &d| Some(n * 10 + u32::from(d - b'0')))
}

/// `HH:MM:SS` with an optional `.fraction` (any number of digits) as
/// nanoseconds of the day; the rest of the input after it.
pub(crate) fn parse_tod(b: &[u8]) -> Option<(i64, &[u8])> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, s) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &b[8..];
    let mut ns = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let used = digits.min(9);
        ns = num(&frac[..used])? * 10u32.pow(9 - used as u32);
        rest = &frac[digits..];
    }
    Some((day_ns(h, mi, s, ns), rest))
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`.
pub(crate) fn parse_date(b: &[u8]) -> Option<(i64, u32, u32)> {
    if b.len() < 10 || !matches!(b[4], b'-' | b'/') || b[7] != b[4] {
        return None;
    }
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((i64::from(y), m, d))
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// An RFC 3339 zone at the start of `b` (`Z`, `+01:00`, `-05:30`), or
/// the same offset without its colon (`+0100`, strftime's `%z`, which
/// `journalctl -o short-iso` printed before systemd 255): its offset from
/// UTC in ns, and the rest.
fn zone(b: &[u8]) -> Option<(i64, &[u8])> {
    if let Some(rest) = b.strip_prefix(b"Z") {
        return Some((0, rest));
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, mi, rest) = match b.get(3) {
        Some(b':') => (b.get(1..3)?, b.get(4..6)?, b.get(6..)?),
        _ => (b.get(1..3)?, b.get(3..5)?, b.get(5..)?),
    };
    // Four digits exactly: `+01005` is no offset.
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let (h, mi) = (num(h)?, num(mi)?);
    if h > 23 || mi > 59 {
        return None;
    }
    Some((
        sign * (i64::from(h) * 3600 + i64::from(mi) * 60) * 1_000_000_000,
        rest,
    ))
}

/// A timestamp at the start of `b`: `YYYY-MM-DD HH:MM:SS[.f]` (also with
/// `/` or `T`; followed by an RFC 3339 zone, `Z` or `+01:00`, an exact
/// instant, [`Stamp::Epoch`]), or `Mon DD HH:MM:SS[.f]` (`%b %e %T`).
/// Returns the stamp and the rest.
pub(crate) fn parse_stamp(b: &[u8]) -> Option<(Stamp, &[u8])> {
    if let Some((y, m, d)) = parse_date(b) {
        let rest = b.get(10..)?;
        let rest = rest
            .strip_prefix(b" ")
            .or_else(|| rest.strip_prefix(b"T"))?;
        let (tod, rest) = parse_tod(rest)?;
        // RFC 3339's zone (`Z`, `+01:00`): the instant is known.
        if let Some((offset, rest)) = zone(rest) {
            let ns = at(days_from_civil(y, m, d), tod) - offset;
            return Some((Stamp::Epoch(ns), rest));
        }
        return Some((Stamp::Full(y, m, d, tod), rest));
    }
    if b.len() >= 15 {
        let m = MONTHS
            .iter()
            .position(|&mo| b[..3].eq_ignore_ascii_case(mo))? as u32
            + 1;
        let rest = b[3..].strip_prefix(b" ")?;
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        let dlen = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=2).contains(&dlen) {
            return None;
        }
        let d = num(&rest[..dlen])?;
        let rest = rest[dlen..].strip_prefix(b" ")?;
        let (tod, rest) = parse_tod(rest)?;
        return (1..=31)
            .contains(&d)
            .then_some((Stamp::NoYear(m, d, tod), rest));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for z in [-800_000, -1, 0, 59, 60, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn stamps() {
        let (s, rest) = parse_stamp(b"2024-05-01 10:00:00.123456 [DEBUG] x").unwrap();
        assert_eq!(s, Stamp::Full(2024, 5, 1, day_ns(10, 0, 0, 123_456_000)));
        assert_eq!(rest, b" [DEBUG] x");
        let (s, _) = parse_stamp(b"2016/03/07 11:28:07.583371 a").unwrap();
        assert_eq!(s, Stamp::Full(2016, 3, 7, day_ns(11, 28, 7, 583_371_000)));
        let (s, rest) = parse_stamp(b"Mar  3 01:02:03] x").unwrap();
        assert_eq!(s, Stamp::NoYear(3, 3, day_ns(1, 2, 3, 0)));
        assert_eq!(rest, b"] x");
        assert!(parse_stamp(b"Mar 30 25:00:00").is_none());
        // RFC 3339 zones, and `%z` without the colon (`journalctl -o
        // short-iso` before systemd 255): the same instant.
        let noon_utc = days_from_civil(2025, 11, 30) * DAY_NS + day_ns(11, 0, 1, 0);
        for (text, rest) in [
            (&b"2025-11-30T12:00:01+01:00 pbx"[..], &b" pbx"[..]),
            (b"2025-11-30T12:00:01+0100 pbx", b" pbx"),
            (b"2025-11-30T06:30:01-0430 pbx", b" pbx"),
            (b"2025-11-30T11:00:01Z pbx", b" pbx"),
        ] {
            let got = parse_stamp(text);
            assert_eq!(got, Some((Stamp::Epoch(noon_utc), rest)), "{text:?}");
        }
        // Five digits, or a bad hour, is no zone: a time without one.
        for text in [
            &b"2025-11-30T12:00:01+01005"[..],
            b"2025-11-30T12:00:01+2500",
        ] {
            let (s, _) = parse_stamp(text).unwrap();
            assert_eq!(s, Stamp::Full(2025, 11, 30, day_ns(12, 0, 1, 0)));
        }
        assert!(parse_stamp(b"hello world 10:00:00").is_none());
        assert_eq!(
            parse_tod(b"12:34:56.5").unwrap().0,
            day_ns(12, 34, 56, 500_000_000)
        );
    }

    #[test]
    fn year_and_date_rules() {
        // Reference: 2024-01-10 (a file written in January).
        let reference = days_from_civil(2024, 1, 10) * DAY_NS;
        let mut c = Clock::new(reference, "file's modification time");
        // A December entry belongs to the year before; January after it
        // to the file's year.
        let dec = c.resolve(Stamp::NoYear(12, 31, day_ns(23, 0, 0, 0)));
        assert_eq!(
            dec,
            days_from_civil(2023, 12, 31) * DAY_NS + day_ns(23, 0, 0, 0)
        );
        let jan = c.resolve(Stamp::NoYear(1, 1, 0));
        assert_eq!(jan, days_from_civil(2024, 1, 1) * DAY_NS);
        assert_eq!(c.notes.len(), 2, "{:?}", c.notes);

        // Time-only stamps take the last date, and roll over midnight.
        let mut c = Clock::new(reference, "file's modification time");
        c.resolve(Stamp::Full(2024, 2, 29, day_ns(23, 59, 0, 0)));
        let t = c.resolve(Stamp::TimeOnly(day_ns(0, 0, 5, 0)));
        assert_eq!(t, days_from_civil(2024, 3, 1) * DAY_NS + day_ns(0, 0, 5, 0));
        assert_eq!(c.resolve(Stamp::Epoch(42)), 42);
    }

    /// FreeSWITCH dates its lines in local time, sofia stamps its trace in
    /// UTC: on a host at UTC+1, the line dated 2024-05-02 00:00:00.5 is
    /// followed by a message stamped 23:59:59.6 (UTC, on May 1).
    #[test]
    fn a_time_half_a_day_after_the_date_line_is_the_day_before() {
        let reference = days_from_civil(2024, 6, 1) * DAY_NS;
        let mut c = Clock::new(reference, "file's modification time");
        c.resolve(Stamp::Full(2024, 5, 2, day_ns(0, 0, 0, 500_000_000)));
        let t = c.resolve(Stamp::TimeOnly(day_ns(23, 59, 59, 600_000_000)));
        assert_eq!(
            t,
            days_from_civil(2024, 5, 1) * DAY_NS + day_ns(23, 59, 59, 600_000_000)
        );
        // Then midnight passes again (UTC): May 2.
        let t = c.resolve(Stamp::TimeOnly(day_ns(0, 0, 0, 100_000_000)));
        assert_eq!(
            t,
            days_from_civil(2024, 5, 2) * DAY_NS + day_ns(0, 0, 0, 100_000_000)
        );
        // Between time-only stamps a long gap is just a gap: 08:00 then
        // 21:00 is the same day, not 21:00 the day before.
        let mut c = Clock::new(reference, "file's modification time");
        c.resolve(Stamp::Full(2024, 5, 2, day_ns(7, 0, 0, 0)));
        let eight = c.resolve(Stamp::TimeOnly(day_ns(8, 0, 0, 0)));
        let nine_pm = c.resolve(Stamp::TimeOnly(day_ns(21, 0, 0, 0)));
        assert_eq!(nine_pm - eight, day_ns(13, 0, 0, 0));
    }

    /// The end of summer time in a log of one clock written in order
    /// (Asterisk on a host in Europe, 2025-10-26): 02:59:59 is followed by
    /// 02:00:00. The stamps after the jump back are moved on by an hour, so
    /// the log keeps its order; a short jump back (threads logging out of
    /// order) is left alone, and so is every jump without the rule.
    #[test]
    fn the_end_of_summer_time_keeps_a_log_in_order() {
        let reference = days_from_civil(2025, 11, 1) * DAY_NS;
        let oct26 =
            |h: u32, mi: u32, s: u32| days_from_civil(2025, 10, 26) * DAY_NS + day_ns(h, mi, s, 0);
        let stamp = |h: u32, mi: u32, s: u32| Stamp::Full(2025, 10, 26, day_ns(h, mi, s, 0));
        let mut c = Clock::new(reference, "file's modification time");
        c.in_order = true;
        let got: Vec<i64> = [
            stamp(2, 59, 58),
            stamp(2, 59, 59),
            stamp(2, 0, 0),
            stamp(2, 0, 2),
            // Two threads a second apart: no jump of the rule.
            stamp(2, 0, 1),
            stamp(2, 5, 0),
        ]
        .into_iter()
        .map(|s| c.resolve(s))
        .collect();
        assert_eq!(
            got,
            [
                oct26(2, 59, 58),
                oct26(2, 59, 59),
                oct26(3, 0, 0),
                oct26(3, 0, 2),
                oct26(3, 0, 1),
                oct26(3, 5, 0)
            ]
        );
        assert_eq!(
            c.notes.iter().filter(|n| n.contains("summer time")).count(),
            1,
            "{:?}",
            c.notes
        );
        // Exact times (epoch) and a clock without the rule: as they are.
        let mut c = Clock::new(reference, "file's modification time");
        assert_eq!(c.resolve(stamp(2, 59, 59)), oct26(2, 59, 59));
        assert_eq!(c.resolve(stamp(2, 0, 0)), oct26(2, 0, 0));
        let mut c = Clock::new(reference, "file's modification time");
        c.in_order = true;
        c.resolve(Stamp::Epoch(oct26(2, 59, 59)));
        assert_eq!(c.resolve(Stamp::Epoch(oct26(2, 0, 0))), oct26(2, 0, 0));
    }

    /// A log with no dated line at all: its first stamp takes the file's
    /// day, or the day before when the file's day would put it after the
    /// file was written in any time zone: a trace of 23:59:58 to 00:00:02
    /// written at 00:10 UTC is dated the day before and the day of the
    /// file, not the file's day and the next.
    #[test]
    fn a_dateless_log_ends_before_the_file_was_written() {
        let dec1 = days_from_civil(2025, 12, 1);
        let reference = dec1 * DAY_NS + day_ns(0, 10, 0, 0);
        let mut c = Clock::new(reference, "file's modification time");
        let first = c.resolve(Stamp::TimeOnly(day_ns(23, 59, 58, 0)));
        let last = c.resolve(Stamp::TimeOnly(day_ns(0, 0, 2, 0)));
        assert_eq!(first, (dec1 - 1) * DAY_NS + day_ns(23, 59, 58, 0));
        assert_eq!(last, dec1 * DAY_NS + day_ns(0, 0, 2, 0));
        assert!(
            c.notes.iter().any(|n| n.contains("taken as 2025-11-30")),
            "{:?}",
            c.notes
        );
        // Earlier in the day than the file's time: the file's day.
        let mut c = Clock::new(dec1 * DAY_NS + day_ns(9, 0, 0, 0), "now");
        let t = c.resolve(Stamp::TimeOnly(day_ns(8, 0, 0, 0)));
        assert_eq!(t, dec1 * DAY_NS + day_ns(8, 0, 0, 0));
        // Local time an hour east of UTC, copied a minute after its last
        // line: 23:59:58 local is 22:59:58 UTC, the file's own day.
        let nov30 = dec1 - 1;
        let mut c = Clock::new(nov30 * DAY_NS + day_ns(23, 1, 0, 0), "now");
        let t = c.resolve(Stamp::TimeOnly(day_ns(23, 59, 58, 0)));
        assert_eq!(t, nov30 * DAY_NS + day_ns(23, 59, 58, 0));
    }

    /// Stamps before the first dated line are dated from it, backwards,
    /// by the rules that date the stamps after a dated line.
    #[test]
    fn stamps_before_the_first_dated_line_take_its_date() {
        let reference = days_from_civil(2024, 6, 1) * DAY_NS;
        let may =
            |d: u32, h: u32, mi: u32| days_from_civil(2024, 5, d) * DAY_NS + day_ns(h, mi, 0, 0);
        let resolve = |stamps: &[Stamp]| -> (Vec<i64>, Vec<String>) {
            let mut scout = Clock::scout(reference, "file's modification time");
            for &s in stamps {
                scout.resolve(s);
            }
            let lead = scout.lead().expect("a dated stamp");
            let mut c = Clock::new(reference, "file's modification time");
            c.expect(&lead);
            let t = stamps.iter().map(|&s| c.resolve(s)).collect();
            (t, c.notes)
        };
        // Midnight between the stamps and the dated line, and between two
        // stamps; a long gap between stamps stays a gap.
        let (t, notes) = resolve(&[
            Stamp::TimeOnly(day_ns(10, 0, 0, 0)),
            Stamp::TimeOnly(day_ns(23, 0, 0, 0)),
            Stamp::TimeOnly(day_ns(0, 30, 0, 0)),
            Stamp::Full(2024, 5, 2, day_ns(1, 0, 0, 0)),
        ]);
        assert_eq!(
            t,
            [may(1, 10, 0), may(1, 23, 0), may(2, 0, 30), may(2, 1, 0)]
        );
        assert!(!notes.iter().any(|n| n.contains("no date")), "{notes:?}");
        // The stamp right before a dated line more than half a day later in
        // the day is the day before; more than half a day earlier, the day
        // after (the line dated in local time west of UTC, the stamps in
        // UTC: 20:00 on May 1 at UTC-5 is 01:00 UTC on May 2).
        let (t, _) = resolve(&[
            Stamp::TimeOnly(day_ns(23, 50, 0, 0)),
            Stamp::Full(2024, 5, 2, day_ns(0, 10, 0, 0)),
        ]);
        assert_eq!(t[0], may(1, 23, 50));
        let (t, _) = resolve(&[
            Stamp::TimeOnly(day_ns(0, 59, 0, 0)),
            Stamp::Full(2024, 5, 1, day_ns(20, 0, 0, 0)),
        ]);
        assert_eq!(t[0], may(2, 0, 59));
        // No dated stamp: nothing to go by.
        let mut scout = Clock::scout(reference, "file's modification time");
        scout.resolve(Stamp::TimeOnly(0));
        assert_eq!(scout.lead(), None);
    }
}
