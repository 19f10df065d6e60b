//! The on-disk record types and the pure merge function.
//!
//! Nothing here does I/O: [`merge`] takes the note each code had when this
//! session last synchronised with the file (the *base*), the in-memory
//! records and the records just read from disk, and returns the records to
//! write. See the module docs of [`crate::store`] for the rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A note text with the time it was last changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Note {
    pub text: String,
    pub updated_ms: u64,
    /// The edit run that wrote the text: one session's editing of one
    /// note, from opening the editor to closing it (or one `--add`). A
    /// later text of the same run replaces an earlier one without a
    /// conflict. `None` in files written before runs were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

impl Note {
    /// True for the note of a code nobody ever wrote a note for.
    pub fn is_unset(&self) -> bool {
        self.updated_ms == 0 && self.text.is_empty()
    }
}

/// One step's state with the time it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Step {
    pub state: StepState,
    pub updated_ms: u64,
}

/// Everything stored for one SIP status code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CodeRecord {
    #[serde(default, skip_serializing_if = "Note::is_unset")]
    pub note: Note,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "steps_exactly"
    )]
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

impl CodeRecord {
    /// The effective state of step `idx`, honouring a reset.
    pub fn step_state(&self, idx: usize) -> StepState {
        match self.steps.get(&idx) {
            Some(s) if s.updated_ms > self.steps_reset_ms => s.state,
            _ => StepState::Todo,
        }
    }

    /// Nothing worth writing: no note ever, no step, no reset, no conflict.
    pub fn is_empty(&self) -> bool {
        self.note.is_unset()
            && self.steps.is_empty()
            && self.steps_reset_ms == 0
            && self.conflicts.is_empty()
            && self.conflicts_dismissed_ms == 0
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
        (a.updated_ms, &a.text, a.saved_ms, &a.run).cmp(&(
            b.updated_ms,
            &b.text,
            b.saved_ms,
            &b.run,
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

/// The whole file, as read (writing borrows the records instead).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct FileData {
    pub schema_version: u64,
    #[serde(default)]
    pub codes: BTreeMap<u16, CodeRecord>,
}

pub(crate) type Codes = BTreeMap<u16, CodeRecord>;

/// Merge the in-memory records `local` with the on-disk records `disk`.
///
/// `base` holds, per code, the note as it was when this session last loaded
/// or saved the file. `now_ms` stamps conflicts created by this merge. The
/// result is normalised, has no empty records, and does not depend on the
/// order of `local` and `disk`.
pub(crate) fn merge(base: &BTreeMap<u16, Note>, local: &Codes, disk: &Codes, now_ms: u64) -> Codes {
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
    base: Option<&Note>,
    a: Option<&CodeRecord>,
    b: Option<&CodeRecord>,
    now_ms: u64,
) -> CodeRecord {
    let unset = Note::default();
    let base = base.unwrap_or(&unset);
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
            let (win, lose) = if (note_a.updated_ms, &note_a.text, &note_a.run)
                >= (note_b.updated_ms, &note_b.text, &note_b.run)
            {
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
                });
            }
            win.clone()
        }
    };

    let mut steps = BTreeMap::new();
    for side in a.iter().chain(b.iter()) {
        for (&idx, &step) in &side.steps {
            steps
                .entry(idx)
                .and_modify(|cur: &mut Step| {
                    if (step.updated_ms, step.state) > (cur.updated_ms, cur.state) {
                        *cur = step;
                    }
                })
                .or_insert(step);
        }
    }
    let steps_reset_ms = latest(|r| r.steps_reset_ms);

    let mut rec = CodeRecord {
        note,
        steps,
        steps_reset_ms,
        conflicts,
        conflicts_dismissed_ms: dismissed,
    };
    rec.normalize();
    rec
}
