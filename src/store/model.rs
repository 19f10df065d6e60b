//! The on-disk record types and the pure merge function.
//!
//! Nothing here does I/O: [`merge`] takes the note each code had when this
//! session last synchronised with the file (the *base*), the in-memory
//! records and the records just read from disk, and returns the records to
//! write. See the module docs of [`crate::store`] for the rules.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// The schema this program reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

/// State of one step of a code's "how to fix" checklist.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    /// Not done yet (the state of every step nobody touched).
    #[default]
    Todo,
    /// Done, and it helped or at least was checked.
    Done,
    /// Deliberately not done.
    Skipped,
    /// Done, and it did not work.
    Failed,
}

impl StepState {
    /// Whether the step counts as handled in [`progress`](crate::store::Store::progress).
    pub fn is_handled(self) -> bool {
        matches!(self, StepState::Done | StepState::Skipped)
    }

    /// The checkbox shown for the state: `[ ]`, `[x]`, `[-]`, `[!]`.
    pub fn mark(self) -> &'static str {
        match self {
            StepState::Todo => "[ ]",
            StepState::Done => "[x]",
            StepState::Skipped => "[-]",
            StepState::Failed => "[!]",
        }
    }
}

/// A note text that lost a merge and is kept so the user can recover it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The text that lost.
    pub text: String,
    /// When that text was written (its own `updated_ms`).
    pub updated_ms: u64,
    /// When the merge that set it aside happened.
    pub saved_ms: u64,
    /// The edit run that wrote the text (see [`Note::run`]); `None` in
    /// files written before runs were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The fields of a newer sipfix, kept as written (see [`Extra`]).
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// A note text with the time it was last changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Note {
    pub text: String,
    pub updated_ms: u64,
    /// The edit run that wrote the text: one session's editing of one
    /// note, from opening the editor to closing it (or one `--add`). A
    /// later text of the same run replaces an earlier one without a
    /// conflict. `None` in files written before runs were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The fields of a newer sipfix, kept as written (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Note {
    /// True for the note of a code nobody ever wrote a note for.
    pub fn is_unset(&self) -> bool {
        self.updated_ms == 0 && self.text.is_empty() && self.extra.is_empty()
    }

    /// The order of two versions of a note when both sides changed it:
    /// the newer `updated_ms`, then the greater text, run and unknown
    /// fields (only so that the merge does not depend on its order).
    fn rank(&self) -> (u64, &str, &Option<String>, &Extra) {
        (self.updated_ms, &self.text, &self.run, &self.extra)
    }
}

/// One step's state with the time it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Step {
    pub state: StepState,
    pub updated_ms: u64,
    /// The fields of a newer sipfix, kept as written (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Step {
    /// A step set by this version: no unknown fields.
    pub fn new(state: StepState, updated_ms: u64) -> Step {
        Step {
            state,
            updated_ms,
            extra: Extra::default(),
        }
    }

    /// The order of two versions of a step: the newer, then the later
    /// state, then (only for a deterministic merge) the unknown fields.
    fn rank(&self) -> (u64, StepState, &Extra) {
        (self.updated_ms, self.state, &self.extra)
    }
}

/// Everything stored for one SIP status code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct CodeRecord {
    #[serde(default, skip_serializing_if = "Note::is_unset")]
    pub note: Note,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<usize, Step>,
    /// Steps whose `updated_ms` is not after this are `todo` (a reset).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub steps_reset_ms: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// Conflicts whose `saved_ms` is not after this were dismissed by the
    /// user (an explicit "drop the kept versions").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conflicts_dismissed_ms: u64,
    /// The fields of a newer sipfix, kept as written (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// `key` as a number written the way sipfix writes one (plain decimal
/// digits, no sign, no leading zero, in range); `None` otherwise, so that
/// `"0486"` and `"486"` never both become code 486 unnoticed.
pub(crate) fn canonical<T: std::str::FromStr + ToString>(key: &str) -> Option<T> {
    let v: T = key.parse().ok()?;
    (v.to_string() == key).then_some(v)
}

/// The `steps` of a record, every key exactly as sipfix writes one and
/// none twice (a map would keep the last silently); anything else is an
/// error, and the file reader then reads the record field by field.
fn steps_exactly<'de, D>(d: D) -> Result<BTreeMap<usize, Step>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Steps;
    impl<'de> serde::de::Visitor<'de> for Steps {
        type Value = BTreeMap<usize, Step>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of steps")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            use serde::de::Error;
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let idx = canonical::<usize>(&key).ok_or_else(|| {
                    A::Error::custom(format!("step {key:?} is not a step number"))
                })?;
                if out.insert(idx, map.next_value::<Step>()?).is_some() {
                    return Err(A::Error::custom(format!("step {idx} is listed twice")));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(Steps)
}

/// The fields of one object of the file that this version does not know
/// (written by a newer sipfix), by name, each value exactly as it was
/// written: kept, and written back unchanged, so that an older sipfix
/// sharing the file with a newer one never deletes what the newer wrote.
///
/// A value is kept as its raw JSON text (never parsed: any nesting, any
/// number, as written), except that a character that must not reach a
/// terminal raw ([`crate::sanitize::is_unsafe`]) is written as a `\u`
/// escape, as every string sipfix writes is (the JSON means the same).
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra(BTreeMap<String, Box<RawValue>>);

impl Extra {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The raw JSON of field `name`, if kept.
    #[cfg(test)]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.get())
    }

    /// Keep `value` as field `name`; false (and nothing changed) when a
    /// field of that name is kept already.
    pub fn insert(&mut self, name: &str, value: &RawValue) -> bool {
        if self.0.contains_key(name) {
            return false;
        }
        self.0.insert(name.to_owned(), terminal_safe(value));
        true
    }

    /// Keep `value` as field `name`, replacing one of that name.
    pub fn replace(&mut self, name: &str, value: &RawValue) {
        self.0.insert(name.to_owned(), terminal_safe(value));
    }

    /// Read the value of unknown field `name` from `map` into `self`; a
    /// field listed twice is an error, as it is for a known field.
    fn read<'de, A: MapAccess<'de>>(&mut self, name: String, map: &mut A) -> Result<(), A::Error> {
        let value: Box<RawValue> = map.next_value()?;
        if !self.insert(&name, &value) {
            return Err(A::Error::custom(format_args!("duplicate field `{name}`")));
        }
        Ok(())
    }

    fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.get()))
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        self.entries().eq(other.entries())
    }
}

impl Eq for Extra {}

impl PartialOrd for Extra {
    fn partial_cmp(&self, other: &Extra) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Extra {
    fn cmp(&self, other: &Extra) -> Ordering {
        self.entries().cmp(other.entries())
    }
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// `value` with every character that must not reach a terminal raw as a
/// `\u` escape. Such a character can only be inside a string (outside one
/// JSON allows ASCII alone), where the escape means the same; JSON's own
/// whitespace (tab, newline, carriage return), the one kind of control
/// character allowed as it is, is left alone.
fn terminal_safe(value: &RawValue) -> Box<RawValue> {
    let raw = value.get();
    let unsafe_char = |c: char| crate::sanitize::is_unsafe(c) && !matches!(c, '\t' | '\n' | '\r');
    if raw.is_ascii() && !raw.bytes().any(|b| b == 0x7f) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        if unsafe_char(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    // Only string contents changed, so this is JSON still; if it were
    // not, the value is kept as it was rather than lost.
    RawValue::from_string(out).unwrap_or_else(|_| value.to_owned())
}

/// Read a known field into `slot`: a field listed twice is an error, as
/// serde's derived readers make it.
fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A record's fields are read by hand, not derived: a derived reader
/// either skips the fields it does not know or (with `flatten`) buffers
/// them in a form that cannot keep a value as raw JSON.
macro_rules! read_object {
    ($ty:ident, $name:literal, [$($field:literal),*], |$map:ident, $extra:ident| $body:block) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("struct ", $name))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut $map: A) -> Result<$ty, A::Error> {
                        let mut $extra = Extra::default();
                        $body
                    }
                }
                d.deserialize_struct($name, &[$($field),*], V)
            }
        }
    };
}

read_object!(Note, "Note", ["text", "updated_ms", "run"], |map, extra| {
    let (mut text, mut updated_ms, mut run) = (None, None, None);
    while let Some(key) = map.next_key::<String>()? {
        match key.as_str() {
            "text" => once(&mut text, "text", &mut map)?,
            "updated_ms" => once(&mut updated_ms, "updated_ms", &mut map)?,
            "run" => once(&mut run, "run", &mut map)?,
            _ => extra.read(key, &mut map)?,
        }
    }
    Ok(Note {
        text: text.ok_or_else(|| A::Error::missing_field("text"))?,
        updated_ms: updated_ms.ok_or_else(|| A::Error::missing_field("updated_ms"))?,
        run: run.flatten(),
        extra,
    })
});

read_object!(Step, "Step", ["state", "updated_ms"], |map, extra| {
    let (mut state, mut updated_ms) = (None, None);
    while let Some(key) = map.next_key::<String>()? {
        match key.as_str() {
            "state" => once(&mut state, "state", &mut map)?,
            "updated_ms" => once(&mut updated_ms, "updated_ms", &mut map)?,
            _ => extra.read(key, &mut map)?,
        }
    }
    Ok(Step {
        state: state.ok_or_else(|| A::Error::missing_field("state"))?,
        updated_ms: updated_ms.ok_or_else(|| A::Error::missing_field("updated_ms"))?,
        extra,
    })
});

read_object!(
    Conflict,
    "Conflict",
    ["text", "updated_ms", "saved_ms", "run"],
    |map, extra| {
        let (mut text, mut updated_ms, mut saved_ms, mut run) = (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "text" => once(&mut text, "text", &mut map)?,
                "updated_ms" => once(&mut updated_ms, "updated_ms", &mut map)?,
                "saved_ms" => once(&mut saved_ms, "saved_ms", &mut map)?,
                "run" => once(&mut run, "run", &mut map)?,
                _ => extra.read(key, &mut map)?,
            }
        }
        Ok(Conflict {
            text: text.ok_or_else(|| A::Error::missing_field("text"))?,
            updated_ms: updated_ms.ok_or_else(|| A::Error::missing_field("updated_ms"))?,
            saved_ms: saved_ms.ok_or_else(|| A::Error::missing_field("saved_ms"))?,
            run: run.flatten(),
            extra,
        })
    }
);

/// The `steps` of a record as [`steps_exactly`] reads them.
struct StepsExactly(BTreeMap<usize, Step>);

impl<'de> Deserialize<'de> for StepsExactly {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StepsExactly, D::Error> {
        steps_exactly(d).map(StepsExactly)
    }
}

read_object!(
    CodeRecord,
    "CodeRecord",
    [
        "note",
        "steps",
        "steps_reset_ms",
        "conflicts",
        "conflicts_dismissed_ms"
    ],
    |map, extra| {
        let mut note = None;
        let mut steps: Option<StepsExactly> = None;
        let (mut steps_reset_ms, mut conflicts, mut conflicts_dismissed_ms) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "note" => once(&mut note, "note", &mut map)?,
                "steps" => once(&mut steps, "steps", &mut map)?,
                "steps_reset_ms" => once(&mut steps_reset_ms, "steps_reset_ms", &mut map)?,
                "conflicts" => once(&mut conflicts, "conflicts", &mut map)?,
                "conflicts_dismissed_ms" => once(
                    &mut conflicts_dismissed_ms,
                    "conflicts_dismissed_ms",
                    &mut map,
                )?,
                _ => extra.read(key, &mut map)?,
            }
        }
        Ok(CodeRecord {
            note: note.unwrap_or_default(),
            steps: steps.map(|s| s.0).unwrap_or_default(),
            steps_reset_ms: steps_reset_ms.unwrap_or_default(),
            conflicts: conflicts.unwrap_or_default(),
            conflicts_dismissed_ms: conflicts_dismissed_ms.unwrap_or_default(),
            extra,
        })
    }
);

impl CodeRecord {
    /// The effective state of step `idx`, honouring a reset.
    pub fn step_state(&self, idx: usize) -> StepState {
        match self.steps.get(&idx) {
            Some(s) if s.updated_ms > self.steps_reset_ms => s.state,
            _ => StepState::Todo,
        }
    }

    /// Nothing worth writing: no note ever, no step, no reset, no
    /// conflict, no field of a newer sipfix.
    pub fn is_empty(&self) -> bool {
        self.note.is_unset()
            && self.steps.is_empty()
            && self.steps_reset_ms == 0
            && self.conflicts.is_empty()
            && self.conflicts_dismissed_ms == 0
            && self.extra.is_empty()
    }

    /// The latest time the record holds: which of two records of a code
    /// is the newer, for their unknown fields (see [`merge_extra`]).
    fn newest_ms(&self) -> u64 {
        let steps = self.steps.values().map(|s| s.updated_ms);
        let conflicts = self.conflicts.iter().map(|c| c.saved_ms.max(c.updated_ms));
        steps
            .chain(conflicts)
            .chain([
                self.note.updated_ms,
                self.steps_reset_ms,
                self.conflicts_dismissed_ms,
            ])
            .max()
            .unwrap_or(0)
    }

    /// Canonical form: steps covered by the reset removed, conflicts
    /// dismissed or superseded removed, de-duplicated and sorted. Merging
    /// relies on it to be idempotent.
    pub fn normalize(&mut self) {
        let reset = self.steps_reset_ms;
        self.steps.retain(|_, s| s.updated_ms > reset);
        normalize_conflicts(&mut self.conflicts, &self.note, self.conflicts_dismissed_ms);
    }
}

/// Drop the conflicts dismissed (`saved_ms` not after `dismissed`), keep
/// one entry per (text, updated_ms), with the earliest `saved_ms`, then
/// drop those an edit run replaced by a later text of its own: an earlier
/// text of the run that wrote `note`, and all but the newest kept text of
/// each other run. Sorted by (updated_ms, text).
fn normalize_conflicts(list: &mut Vec<Conflict>, note: &Note, dismissed: u64) {
    list.retain(|c| c.saved_ms > dismissed);
    list.sort_by(|a, b| {
        (a.updated_ms, &a.text, a.saved_ms, &a.run, &a.extra).cmp(&(
            b.updated_ms,
            &b.text,
            b.saved_ms,
            &b.run,
            &b.extra,
        ))
    });
    list.dedup_by(|later, earlier| {
        later.updated_ms == earlier.updated_ms && later.text == earlier.text
    });
    // Every entry left is unique by (updated_ms, text): the newest of a
    // run is one entry, which the next two steps keep.
    list.retain(|c| c.run.is_none() || c.run != note.run || c.updated_ms > note.updated_ms);
    let mut newest: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for c in list.iter() {
        if let Some(run) = &c.run {
            let key = (c.updated_ms, c.text.clone());
            match newest.get(run) {
                Some(n) if *n >= key => {}
                _ => {
                    newest.insert(run.clone(), key);
                }
            }
        }
    }
    list.retain(|c| {
        c.run.as_ref().is_none_or(|run| {
            newest
                .get(run)
                .is_some_and(|(u, t)| *u == c.updated_ms && *t == c.text)
        })
    });
}

/// A file of a newer schema, as far as it reads as this one (never
/// written).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct FileData {
    pub schema_version: u64,
    #[serde(default)]
    pub codes: BTreeMap<u16, CodeRecord>,
}

pub(crate) type Codes = BTreeMap<u16, CodeRecord>;

/// Everything a file of this schema holds: the records, and the fields
/// beside `schema_version` and `codes` that a newer sipfix wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Doc {
    pub codes: Codes,
    pub extra: Extra,
}

/// Merge the unknown fields of two versions `a` and `b` of one object,
/// `base` being those of the version this session last read (empty when
/// none): per field, a side that changed it since the base wins (a side
/// that removed it, too); when both changed it differently, or there is
/// no base to tell, the newer version's value (`a_newer`). So a field
/// only one side has is kept (the union of both), and, since this
/// version never changes such a field itself, a stale copy in memory
/// never undoes what a newer sipfix wrote since.
pub(crate) fn merge_extra(base: &Extra, a: &Extra, b: &Extra, a_newer: bool) -> Extra {
    let names: std::collections::BTreeSet<&String> =
        base.0.keys().chain(a.0.keys()).chain(b.0.keys()).collect();
    let mut out = Extra::default();
    for name in names {
        let (o, va, vb) = (base.0.get(name), a.0.get(name), b.0.get(name));
        let same = |x: Option<&Box<RawValue>>, y: Option<&Box<RawValue>>| {
            x.map(|v| v.get()) == y.map(|v| v.get())
        };
        let pick = if same(va, vb) || same(vb, o) {
            va
        } else if same(va, o) || !a_newer {
            vb
        } else {
            va
        };
        if let Some(v) = pick {
            out.0.insert(name.clone(), v.clone());
        }
    }
    out
}

/// Merge the in-memory records `local` with the on-disk records `disk`.
///
/// `base` holds, per code, the record as it was when this session last
/// loaded or saved the file. `now_ms` stamps conflicts created by this
/// merge. The result is normalised, has no empty records, and does not
/// depend on the order of `local` and `disk`.
pub(crate) fn merge(base: &Codes, local: &Codes, disk: &Codes, now_ms: u64) -> Codes {
    let mut out = Codes::new();
    let codes = local
        .keys()
        .chain(disk.keys())
        .copied()
        .collect::<std::collections::BTreeSet<u16>>();
    for code in codes {
        let rec = merge_code(base.get(&code), local.get(&code), disk.get(&code), now_ms);
        if !rec.is_empty() {
            out.insert(code, rec);
        }
    }
    out
}

/// Merge one code's records; see [`merge`].
pub(crate) fn merge_code(
    base: Option<&CodeRecord>,
    a: Option<&CodeRecord>,
    b: Option<&CodeRecord>,
    now_ms: u64,
) -> CodeRecord {
    let unset = CodeRecord::default();
    let base_rec = base.unwrap_or(&unset);
    let base = &base_rec.note;
    // A side without a record for the code says nothing about its note.
    let note_a = a.map_or(base, |r| &r.note);
    let note_b = b.map_or(base, |r| &r.note);

    // The later of the two sides' times (0 when neither has a record).
    let latest =
        |f: fn(&CodeRecord) -> u64| a.iter().chain(b.iter()).map(|r| f(r)).max().unwrap_or(0);
    let dismissed = latest(|r| r.conflicts_dismissed_ms);
    let mut conflicts: Vec<Conflict> = a
        .iter()
        .chain(b.iter())
        .flat_map(|r| r.conflicts.iter().cloned())
        .collect();

    let note = match (note_a != base, note_b != base) {
        (false, false) => base.clone(),
        (true, false) => note_a.clone(),
        (false, true) => note_b.clone(),
        (true, true) => {
            // Both changed: newest wins; ties broken by text so the result
            // does not depend on argument order.
            let (win, lose) = if note_a.rank() >= note_b.rank() {
                (note_a, note_b)
            } else {
                (note_b, note_a)
            };
            // A text of the run that also wrote the winner is an earlier
            // state of the same editing, not a concurrent edit.
            let same_run = lose.run.is_some() && lose.run == win.run;
            if lose.text != win.text && !lose.text.is_empty() && !same_run {
                conflicts.push(Conflict {
                    text: lose.text.clone(),
                    updated_ms: lose.updated_ms,
                    // After any dismissal, so that it is never taken as
                    // dismissed when the clock is behind.
                    saved_ms: now_ms.max(dismissed.saturating_add(1)),
                    run: lose.run.clone(),
                    // The losing version whole: its unknown fields too.
                    extra: lose.extra.clone(),
                });
            }
            win.clone()
        }
    };

    let mut steps: BTreeMap<usize, Step> = BTreeMap::new();
    for side in a.iter().chain(b.iter()) {
        for (&idx, step) in &side.steps {
            match steps.get(&idx) {
                Some(cur) if cur.rank() >= step.rank() => {}
                _ => {
                    steps.insert(idx, step.clone());
                }
            }
        }
    }
    let steps_reset_ms = latest(|r| r.steps_reset_ms);

    // A side without a record for the code says nothing of its fields.
    let extra_a = a.map_or(&base_rec.extra, |r| &r.extra);
    let extra_b = b.map_or(&base_rec.extra, |r| &r.extra);
    let rank = |r: Option<&CodeRecord>, e| (r.map_or(0, CodeRecord::newest_ms), e);
    let a_newer = rank(a, extra_a) >= rank(b, extra_b);
    let extra = merge_extra(&base_rec.extra, extra_a, extra_b, a_newer);

    let mut rec = CodeRecord {
        note,
        steps,
        steps_reset_ms,
        conflicts,
        conflicts_dismissed_ms: dismissed,
        extra,
    };
    rec.normalize();
    rec
}
