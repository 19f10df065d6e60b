//! Unit tests of the pure parts: merge rule, parsing, in-memory edits.
//! File-system and multi-process behaviour is tested in `tests/it/store.rs`.
use proptest::prelude::*;

use super::fsio::{self, Loaded};
use super::model::{
    CodeRecord, Codes, Conflict, Doc, Extra, Note, Step, StepState, merge, merge_code,
};
use super::*;

fn note(text: &str, ts: u64) -> Note {
    Note {
        text: text.to_owned(),
        updated_ms: ts,
        run: None,
        extra: Default::default(),
    }
}

/// The base of a merge: a record with this note.
fn based(note: Note) -> CodeRecord {
    CodeRecord {
        note,
        ..CodeRecord::default()
    }
}

fn note_by(text: &str, ts: u64, run: &str) -> Note {
    Note {
        run: Some(run.to_owned()),
        ..note(text, ts)
    }
}

fn rec_by(text: &str, ts: u64, run: &str) -> CodeRecord {
    CodeRecord {
        note: note_by(text, ts, run),
        ..CodeRecord::default()
    }
}

fn rec_with_note(text: &str, ts: u64) -> CodeRecord {
    CodeRecord {
        note: note(text, ts),
        ..CodeRecord::default()
    }
}

fn step(state: StepState, ts: u64) -> Step {
    Step::new(state, ts)
}

#[test]
fn data_dir_prefers_non_empty_env() {
    assert_eq!(
        data_dir_from(Some("/x/y".into())),
        Some(DataDir {
            path: PathBuf::from("/x/y"),
            explicit: true,
            relative: None,
        })
    );
    let platform = directories::ProjectDirs::from("", "", "sipfix").map(|p| DataDir {
        path: p.data_dir().to_path_buf(),
        explicit: false,
        relative: None,
    });
    assert_eq!(data_dir_from(Some("".into())), platform);
    assert_eq!(data_dir_from(None), platform);
}

/// A relative `SIPFIX_DATA_DIR` depends on the current directory: it is
/// made absolute (messages name the whole path) and said in a warning.
#[test]
fn a_relative_data_dir_is_made_absolute_and_warned_of() {
    let cwd = std::env::current_dir().unwrap();
    for (given, tilde) in [("rel/notes", false), ("~/x", true)] {
        let d = data_dir_from(Some(given.into())).unwrap();
        assert_eq!(d.path, cwd.join(given));
        assert!(d.explicit);
        assert_eq!(d.relative, Some(PathBuf::from(given)));
        let w = d.relative_warning().unwrap();
        assert!(
            w.contains("relative path") && w.contains(&cwd.join(given).display().to_string()),
            "{w}"
        );
        assert_eq!(w.contains("~ is only expanded"), tilde, "{w}");
    }
    assert_eq!(
        data_dir_from(Some("/x".into())).unwrap().relative_warning(),
        None
    );
}

#[test]
fn note_changed_on_one_side_only_is_taken_without_conflict() {
    let base = based(note("old", 10));
    let unchanged = rec_with_note("old", 10);
    let changed = rec_with_note("new", 5); // older stamp: still the only change
    for (a, b) in [(&unchanged, &changed), (&changed, &unchanged)] {
        let m = merge_code(Some(&base), Some(a), Some(b), 99);
        assert_eq!(m.note, note("new", 5));
        assert!(m.conflicts.is_empty());
    }
}

#[test]
fn note_changed_on_both_sides_keeps_loser_in_conflicts() {
    let base = based(note("old", 10));
    let a = rec_with_note("from a", 20);
    let b = rec_with_note("from b", 30);
    let m = merge_code(Some(&base), Some(&a), Some(&b), 99);
    assert_eq!(m.note, note("from b", 30));
    assert_eq!(
        m.conflicts,
        vec![Conflict {
            text: "from a".into(),
            updated_ms: 20,
            saved_ms: 99,
            run: None,
            extra: Default::default(),
        }]
    );
    assert_eq!(m, merge_code(Some(&base), Some(&b), Some(&a), 99));
}

/// A text of the edit run that wrote the winner is an earlier state of
/// the same editing: no conflict. Another run keeps only its newest text.
#[test]
fn one_kept_version_per_edit_run() {
    let base = based(note("", 0));
    // The disk holds the run's own earlier save: replaced, not kept.
    let m = merge_code(
        Some(&base),
        Some(&rec_by("a1 a2", 30, "s1-1")),
        Some(&rec_by("a1", 20, "s1-1")),
        99,
    );
    assert_eq!(m.note, note_by("a1 a2", 30, "s1-1"));
    assert!(m.conflicts.is_empty());
    // Another run's successive texts: its last one kept, once.
    let mut disk = rec_by("b1", 25, "s2-1");
    disk.conflicts.push(Conflict {
        text: "a1".into(),
        updated_ms: 20,
        saved_ms: 26,
        run: Some("s1-1".into()),
        extra: Default::default(),
    });
    let m = merge_code(
        Some(&base),
        Some(&rec_by("a1 a2", 30, "s1-1")),
        Some(&disk),
        99,
    );
    assert_eq!(m.note.text, "a1 a2");
    let kept: Vec<&str> = m.conflicts.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(kept, ["b1"]);
    let mut later = rec_by("b1 b2", 40, "s2-1");
    later.conflicts = m.conflicts.clone();
    let m = merge_code(Some(&base), Some(&later), Some(&m), 100);
    let kept: Vec<&str> = m.conflicts.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(m.note.text, "b1 b2");
    assert_eq!(kept, ["a1 a2"]);
}

/// Dismissed conflicts stay gone in a merge with a side still holding
/// them; one made later is kept, even with the clock behind.
#[test]
fn dismissed_conflicts_stay_dismissed() {
    let stale = CodeRecord {
        conflicts: vec![Conflict {
            text: "old".into(),
            updated_ms: 10,
            saved_ms: 50,
            run: None,
            extra: Default::default(),
        }],
        ..rec_with_note("n", 60)
    };
    let dropped = CodeRecord {
        conflicts_dismissed_ms: 50,
        ..rec_with_note("n", 60)
    };
    let m = merge_code(
        Some(&based(note("n", 60))),
        Some(&stale),
        Some(&dropped),
        99,
    );
    assert!(m.conflicts.is_empty());
    assert_eq!(m.conflicts_dismissed_ms, 50);
    // A new concurrent edit, merged with a clock before the dismissal.
    let a = CodeRecord {
        note: note("x", 70),
        ..dropped.clone()
    };
    let b = CodeRecord {
        note: note("y", 80),
        ..dropped
    };
    let m = merge_code(Some(&based(note("n", 60))), Some(&a), Some(&b), 5);
    assert_eq!(m.conflicts.len(), 1);
    assert!(m.conflicts[0].saved_ms > 50);
}

#[test]
fn identical_or_empty_losers_are_not_conflicts() {
    let a = rec_with_note("same", 20);
    let b = rec_with_note("same", 30);
    let m = merge_code(None, Some(&a), Some(&b), 99);
    assert_eq!(m.note, note("same", 30));
    assert!(m.conflicts.is_empty());

    // Clearing a note that the other side also changed: the cleared (empty)
    // text losing is not worth a conflict...
    let cleared = rec_with_note("", 20);
    let edited = rec_with_note("kept", 30);
    let m = merge_code(
        Some(&based(note("x", 1))),
        Some(&cleared),
        Some(&edited),
        99,
    );
    assert_eq!(m.note.text, "kept");
    assert!(m.conflicts.is_empty());
    // ...but the edited text losing to a later clear is.
    let cleared = rec_with_note("", 40);
    let m = merge_code(
        Some(&based(note("x", 1))),
        Some(&cleared),
        Some(&edited),
        99,
    );
    assert_eq!(m.note.text, "");
    assert_eq!(m.conflicts.len(), 1);
    assert_eq!(m.conflicts[0].text, "kept");
}

#[test]
fn code_missing_on_disk_does_not_erase_the_note() {
    // The file was replaced by one without the code: keep ours.
    let base: Codes = [(486, rec_with_note("mine", 10))].into();
    let local: Codes = [(486, rec_with_note("mine", 10))].into();
    let m = merge(&base, &local, &Codes::new(), 99);
    assert_eq!(m[&486].note.text, "mine");
}

#[test]
fn steps_newest_wins_and_reset_clears_older_steps() {
    let mut a = CodeRecord::default();
    a.steps.insert(0, step(StepState::Done, 10));
    a.steps.insert(1, step(StepState::Failed, 50));
    let mut b = CodeRecord::default();
    b.steps.insert(0, step(StepState::Skipped, 20));
    b.steps.insert(1, step(StepState::Done, 40));
    b.steps.insert(2, step(StepState::Done, 5));
    let m = merge_code(None, Some(&a), Some(&b), 99);
    assert_eq!(m.step_state(0), StepState::Skipped);
    assert_eq!(m.step_state(1), StepState::Failed);
    assert_eq!(m.step_state(2), StepState::Done);

    b.steps_reset_ms = 30;
    let m = merge_code(None, Some(&a), Some(&b), 99);
    assert_eq!(m.step_state(0), StepState::Todo);
    assert_eq!(m.step_state(1), StepState::Failed);
    assert_eq!(m.step_state(2), StepState::Todo);
    assert_eq!(m.steps.len(), 1, "steps covered by the reset are dropped");
}

#[test]
fn empty_records_are_pruned() {
    let local: Codes = [(100, CodeRecord::default())].into();
    assert!(merge(&Codes::new(), &local, &Codes::new(), 1).is_empty());
}

#[test]
fn parse_classifies_files() {
    assert!(
        matches!(fsio::parse(br#"{"schema_version":1}"#, 1), Loaded::Ok(c) if c.codes.is_empty())
    );
    let ok = br#"{"schema_version":1,"codes":{"486":{"note":{"text":"hi","updated_ms":5},"steps":{"2":{"state":"skipped","updated_ms":6}}}}}"#;
    match fsio::parse(ok, 1) {
        Loaded::Ok(Doc { codes: c, .. }) => {
            assert_eq!(c[&486].note.text, "hi");
            assert_eq!(c[&486].step_state(2), StepState::Skipped);
        }
        _ => panic!("valid file rejected"),
    }
    assert!(matches!(
        fsio::parse(br#"{"schema_version":7,"codes":{"486":{"note":{"text":"hi","updated_ms":5}}}}"#, 1),
        Loaded::Newer { version: 7, codes: Some(codes) } if codes[&486].note.text == "hi"
    ));
    assert!(matches!(
        fsio::parse(br#"{"schema_version":9,"codes":[1,2]}"#, 1),
        Loaded::Newer {
            version: 9,
            codes: None
        }
    ));
    for bad in [
        &b""[..],
        b"{",
        b"{\n  \"codes\": {}\n}",
        br#"{"schema_version":0}"#,
        br#"{"schema_version":"1"}"#,
        br#"{"schema_version":1,"codes":[]}"#,
        b"\xff\xfe",
    ] {
        match fsio::parse(bad, 1) {
            Loaded::Corrupt { reason } => assert!(!reason.is_empty()),
            _ => panic!("accepted {:?}", String::from_utf8_lossy(bad)),
        }
    }
    // One field that cannot be read hides nothing else.
    let partial = br#"{"schema_version":1,"codes":{"70000":{},"404":{"note":{"text":"kept","updated_ms":1}},
        "486":{"note":{"text":"also","updated_ms":1},"steps":{"0":{"state":"maybe","updated_ms":1},"1":{"state":"done","updated_ms":1}}}}}"#;
    match fsio::parse(partial, 1) {
        Loaded::Partial {
            doc: Doc { codes, .. },
            issues,
        } => {
            assert_eq!(codes[&404].note.text, "kept");
            assert_eq!(codes[&486].note.text, "also");
            assert_eq!(codes[&486].step_state(1), StepState::Done);
            assert_eq!(codes[&486].step_state(0), StepState::Todo);
            assert_eq!(issues.len(), 2, "{issues:?}");
            assert!(issues.iter().any(|i| i.contains("70000")), "{issues:?}");
            assert!(issues.iter().any(|i| i.contains("maybe")), "{issues:?}");
        }
        _ => panic!("a partly readable file was not read"),
    }
    match fsio::parse(b"{\n  \"schema_version\": 1,\n  \"codes\": {,}\n}", 1) {
        Loaded::Corrupt { reason } => assert!(reason.contains("line 3"), "{reason}"),
        _ => panic!("accepted a syntax error"),
    }
}

/// A code key serde cannot take as a number, or a value nested deeper
/// than the parser's limit, is one entry's problem: named, left out, the
/// rest of the file used (it made the whole file unreadable).
#[test]
fn each_code_is_read_on_its_own() {
    let deep_list = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let file = format!(
        r#"{{"schema_version":1,"codes":{{
            "500":{{"note":{{"text":"my 500 note","updated_ms":1}}}},
            "0486":{{"note":{{"text":"x","updated_ms":1}}}},
            "00":{{}}, "+486":{{}}, "-0":{{}}, "4 86":{{}},
            "486":{{"note":{deep_list},"steps":{{"1":{{"state":"done","updated_ms":3}}}}}},
            "487":{{"note":{deep_object}}},
            "488":{{"note":{{"text":"steps odd","updated_ms":1}},
                    "steps":{{"01":{{"state":"done","updated_ms":1}},"2":{deep_list}}}}}}}}}"#
    );
    let Loaded::Partial {
        doc: Doc { codes, .. },
        issues,
    } = fsio::parse(file.as_bytes(), 1)
    else {
        panic!("the good notes were not read");
    };
    assert_eq!(codes[&500].note.text, "my 500 note");
    assert_eq!(codes[&486].step_state(1), StepState::Done);
    assert_eq!(codes[&488].note.text, "steps odd");
    assert!(codes[&488].steps.is_empty(), "{:?}", codes[&488]);
    assert_eq!(codes.keys().copied().collect::<Vec<_>>(), [486, 488, 500]);
    let all = issues.join("\n");
    for key in ["'0486'", "'00'", "'+486'", "'-0'", "'4 86'"] {
        assert!(
            issues
                .iter()
                .any(|i| i.starts_with(&format!("code {key}: not a code number"))),
            "{key}: {all}"
        );
    }
    assert!(
        all.contains("code 486 note: invalid type: sequence"),
        "{all}"
    );
    // The depth problem is named for what it is: a note without a text,
    // not a whole file with a missing field somewhere.
    assert!(all.contains("code 487 note: missing field `text`"), "{all}");
    assert!(
        all.contains("code 488 step '01': not a step number"),
        "{all}"
    );
    assert!(all.contains("code 488 step '2'"), "{all}");
    assert!(
        !all.contains("line 1 column"),
        "positions within an entry mislead: {all}"
    );
    assert_eq!(issues.len(), 9, "{all}");
}

/// A code listed twice (a hand or `git` merge of the file) is merged as
/// two sessions' edits are, whatever the order: the newest note wins and
/// the other text is kept as an earlier version; steps take the newer
/// state. It is named, so the file is copied aside before it is written.
#[test]
fn a_code_listed_twice_is_merged_and_named() {
    let file = br#"{"schema_version":1,"codes":{
        "486":{"note":{"text":"first copy, newer","updated_ms":9},
               "steps":{"0":{"state":"done","updated_ms":9},"1":{"state":"failed","updated_ms":1}}},
        "404":{"note":{"text":"untouched","updated_ms":1}},
        "486":{"note":{"text":"second copy","updated_ms":2},
               "steps":{"1":{"state":"skipped","updated_ms":5}}}}}"#;
    let Loaded::Partial {
        doc: Doc { codes, .. },
        issues,
    } = fsio::parse(file, 77)
    else {
        panic!("a code listed twice went unnoticed");
    };
    let r = &codes[&486];
    assert_eq!(r.note.text, "first copy, newer");
    assert_eq!(
        r.conflicts,
        vec![Conflict {
            text: "second copy".into(),
            updated_ms: 2,
            saved_ms: 77,
            run: None,
            extra: Default::default(),
        }]
    );
    assert_eq!(r.step_state(0), StepState::Done);
    assert_eq!(r.step_state(1), StepState::Skipped);
    assert_eq!(codes[&404].note.text, "untouched");
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0].contains("code 486 is listed 2 times: merged"),
        "{issues:?}"
    );

    // Within one code: a field or a step listed twice.
    let file = br#"{"schema_version":1,"codes":{"486":{
        "note":{"text":"older","updated_ms":1},
        "steps":{"0":{"state":"done","updated_ms":4},"0":{"state":"failed","updated_ms":3}},
        "note":{"text":"newer","updated_ms":5}}}}"#;
    let Loaded::Partial {
        doc: Doc { codes, .. },
        issues,
    } = fsio::parse(file, 77)
    else {
        panic!("a field listed twice went unnoticed");
    };
    let r = &codes[&486];
    assert_eq!(r.note.text, "newer");
    assert_eq!(texts_of(&r.conflicts), ["older"]);
    assert_eq!(r.step_state(0), StepState::Done);
    let all = issues.join("\n");
    assert!(all.contains("note is listed twice"), "{all}");
    assert!(all.contains("step 0 is listed twice"), "{all}");
}

fn texts_of(c: &[Conflict]) -> Vec<&str> {
    c.iter().map(|c| c.text.as_str()).collect()
}

/// Every field the store writes is named in the README's "Where your data
/// lives" (`steps_reset_ms` was written but not documented).
#[test]
fn every_field_written_is_documented_in_the_readme() {
    fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if !k.bytes().all(|b| b.is_ascii_digit()) {
                        out.push(k.clone());
                    }
                    keys(v, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let readme = include_str!("../../README.md");
    let start = readme.find("## Where your data lives").expect("section");
    let end = start
        + readme[start..]
            .find("\n## Your own entries")
            .expect("next section");
    let section = &readme[start..end];
    let mut rec = rec_by("text", 5, "s-1");
    rec.steps.insert(0, step(StepState::Done, 6));
    rec.steps_reset_ms = 1;
    rec.conflicts_dismissed_ms = 2;
    rec.conflicts.push(Conflict {
        text: "kept".into(),
        updated_ms: 3,
        saved_ms: 4,
        run: Some("s-2".into()),
        extra: Default::default(),
    });
    let json = fsio::serialize(&[(486, rec)].into(), &Extra::default()).unwrap();
    let mut found = Vec::new();
    keys(&serde_json::from_str(&json).unwrap(), &mut found);
    found.sort();
    found.dedup();
    assert_eq!(found.len(), 12, "{found:?}");
    for k in found {
        assert!(
            section.contains(&format!("`{k}`")),
            "`{k}` is not in the README's data section"
        );
    }
}

#[test]
fn edits_are_stamped_after_what_they_replace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(dir.path()).expect("open");
    assert!(!s.is_dirty());
    s.set_note(486, "a", 100);
    s.set_note(486, "b", 50); // clock went back
    let run = s.codes[&486].note.run.clone();
    assert!(run.is_some());
    assert_eq!(
        s.codes[&486].note,
        Note {
            run,
            ..note("b", 101)
        }
    );
    s.set_note(486, "b", 200); // unchanged text: no-op
    assert_eq!(s.codes[&486].note.updated_ms, 101);

    s.set_step(486, 0, StepState::Done, 100);
    s.set_step(486, 0, StepState::Failed, 100);
    assert_eq!(s.codes[&486].steps[&0], step(StepState::Failed, 101));
    s.reset_steps(486, 100);
    assert_eq!(s.step_state(486, 0), StepState::Todo);
    s.set_step(486, 0, StepState::Done, 100); // same millisecond as the reset
    assert_eq!(s.step_state(486, 0), StepState::Done);
    assert!(s.is_dirty());
}

#[test]
fn reads_progress_and_codes_with_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(dir.path()).expect("open");
    assert_eq!(s.note(486), "");
    assert_eq!(s.step_state(486, 0), StepState::Todo);
    assert!(s.conflicts(486).is_empty());
    assert_eq!(s.progress(486, 4), (0, 4));

    s.set_step(486, 0, StepState::Done, 1);
    s.set_step(486, 1, StepState::Skipped, 1);
    s.set_step(486, 2, StepState::Failed, 1);
    s.set_step(486, 9, StepState::Done, 1); // beyond the checklist
    assert_eq!(s.progress(486, 4), (2, 4));
    s.set_note(404, "x", 1);
    s.set_note(503, "y", 1);
    s.set_note(503, "", 2); // cleared: no data
    s.set_step(480, 0, StepState::Done, 1);
    s.set_step(480, 0, StepState::Todo, 2);
    assert_eq!(s.codes_with_data(), vec![404, 486]);
    s.reset_steps(486, 3);
    assert_eq!(s.progress(486, 4), (0, 4));
    assert_eq!(s.codes_with_data(), vec![404]);
}

// ---- property tests of the merge ------------------------------------------

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(""), Just("a"), Just("b"), Just("ab"), Just("c\nd")].prop_map(str::to_owned)
}

fn arb_note() -> impl Strategy<Value = Note> {
    (text(), 0u64..6, run(), arb_extra()).prop_map(|(text, updated_ms, run, extra)| Note {
        text,
        updated_ms,
        run,
        extra,
    })
}

/// Fields of a newer sipfix: none mostly, else a few names and values.
fn arb_extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        2 => Just(Extra::default()),
        1 => prop::collection::btree_map(
            prop_oneof![Just("x"), Just("y")],
            prop_oneof![Just("1"), Just("[2]"), Just("{\"a\":null}")],
            1..3,
        )
        .prop_map(|m| {
            let mut e = Extra::default();
            for (k, v) in m {
                e.insert(k, &serde_json::value::RawValue::from_string(v.to_owned()).unwrap());
            }
            e
        }),
    ]
}

/// The base of a merge: a note and the record's fields of a newer sipfix.
fn arb_base() -> impl Strategy<Value = CodeRecord> {
    (arb_note(), arb_extra()).prop_map(|(note, extra)| CodeRecord {
        note,
        extra,
        ..CodeRecord::default()
    })
}

fn run() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("s1-1".to_owned())),
        Just(Some("s2-1".to_owned()))
    ]
}

fn arb_state() -> impl Strategy<Value = StepState> {
    prop_oneof![
        Just(StepState::Todo),
        Just(StepState::Done),
        Just(StepState::Skipped),
        Just(StepState::Failed)
    ]
}

fn arb_record() -> impl Strategy<Value = CodeRecord> {
    (
        arb_note(),
        prop::collection::btree_map(0usize..4, (arb_state(), 0u64..8, arb_extra()), 0..4),
        prop_oneof![Just(0u64), 0u64..6],
        prop::collection::vec((text(), 0u64..6, 0u64..6, run()), 0..3),
        prop_oneof![Just(0u64), 0u64..6],
        arb_extra(),
    )
        .prop_map(
            |(note, steps, steps_reset_ms, conflicts, dismissed, extra)| CodeRecord {
                note,
                steps: steps
                    .into_iter()
                    .map(|(i, (state, updated_ms, extra))| {
                        (
                            i,
                            Step {
                                state,
                                updated_ms,
                                extra,
                            },
                        )
                    })
                    .collect(),
                steps_reset_ms,
                conflicts: conflicts
                    .into_iter()
                    .map(|(text, updated_ms, saved_ms, run)| Conflict {
                        text,
                        updated_ms,
                        saved_ms,
                        run,
                        extra: Default::default(),
                    })
                    .collect(),
                conflicts_dismissed_ms: dismissed,
                extra,
            },
        )
}

fn normalized(mut r: CodeRecord) -> CodeRecord {
    r.normalize();
    r
}

fn texts(r: &CodeRecord) -> Vec<&str> {
    std::iter::once(r.note.text.as_str())
        .chain(r.conflicts.iter().map(|c| c.text.as_str()))
        .collect()
}

proptest! {
    #[test]
    fn merge_is_commutative(base in prop::option::of(arb_base()),
                            a in prop::option::of(arb_record()),
                            b in prop::option::of(arb_record()),
                            now in 0u64..10) {
        prop_assert_eq!(
            merge_code(base.as_ref(), a.as_ref(), b.as_ref(), now),
            merge_code(base.as_ref(), b.as_ref(), a.as_ref(), now)
        );
    }

    #[test]
    fn merge_is_idempotent(base in prop::option::of(arb_base()),
                           x in arb_record(),
                           y in arb_record(),
                           now in 0u64..10) {
        let x = normalized(x);
        prop_assert_eq!(&merge_code(base.as_ref(), Some(&x), Some(&x), now), &x);
        // A merged result merged with itself is unchanged, whatever the base.
        let m = merge_code(base.as_ref(), Some(&x), Some(&y), now);
        prop_assert_eq!(&merge_code(None, Some(&m), Some(&m), now + 1), &m);
        prop_assert_eq!(&merge_code(Some(&m), Some(&m), Some(&m), now + 1), &m);
    }

    #[test]
    fn merge_loses_no_text(base in prop::option::of(arb_base()),
                           a in prop::option::of(arb_record()),
                           b in prop::option::of(arb_record()),
                           now in 0u64..10) {
        let m = merge_code(base.as_ref(), a.as_ref(), b.as_ref(), now);
        let kept = texts(&m);
        let unset = Note::default();
        let base = base.as_ref().map_or(&unset, |b| &b.note);
        // A text may go only when a later text of the same edit run is
        // kept, or when the user dismissed it.
        let by_run = |run: &Option<String>, at: u64| {
            run.is_some()
                && (m.note.run == *run && m.note.updated_ms >= at
                    || m.conflicts.iter().any(|k| k.run == *run && k.updated_ms >= at))
        };
        // The same version (text and time) may be recorded with and
        // without its run: superseded if any record of it is.
        let versions: Vec<(&str, u64, &Option<String>)> = a
            .iter()
            .chain(b.iter())
            .flat_map(|r| {
                std::iter::once((r.note.text.as_str(), r.note.updated_ms, &r.note.run)).chain(
                    r.conflicts.iter().map(|c| (c.text.as_str(), c.updated_ms, &c.run)),
                )
            })
            .collect();
        let superseded_text = |text: &str, run: &Option<String>, at: u64| {
            by_run(run, at)
                || versions
                    .iter()
                    .any(|(t, u, r)| *t == text && *u == at && by_run(r, at))
        };
        for side in a.iter().chain(b.iter()) {
            // An edit (a note differing from the base) is never dropped.
            if side.note != *base && !side.note.text.is_empty()
                && !superseded_text(&side.note.text, &side.note.run, side.note.updated_ms)
            {
                prop_assert!(kept.contains(&side.note.text.as_str()),
                    "lost note {:?}; kept {:?}", side.note.text, kept);
            }
            // Nor is any earlier conflict not dismissed.
            for c in &side.conflicts {
                if c.saved_ms <= m.conflicts_dismissed_ms
                    || superseded_text(&c.text, &c.run, c.updated_ms)
                {
                    continue;
                }
                prop_assert!(m.conflicts.iter().any(|k| k.text == c.text && k.updated_ms == c.updated_ms),
                    "lost conflict {:?}", c);
            }
            // Each step ends at the newest value of both sides (or reset).
            for (&i, s) in &side.steps {
                let got = m.steps.get(&i);
                if s.updated_ms > m.steps_reset_ms {
                    prop_assert!(got.is_some_and(|g| (g.updated_ms, g.state) >= (s.updated_ms, s.state)));
                }
            }
        }
        // If neither side edited the note, it stays the base.
        let edited = |r: &Option<CodeRecord>| r.as_ref().is_some_and(|r| r.note != *base);
        if !edited(&a) && !edited(&b) {
            prop_assert_eq!(&m.note, base);
        }
    }

    #[test]
    fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = fsio::parse(&bytes, 1);
    }

    #[test]
    fn parse_never_panics_on_json_like_input(
        s in r#"\{"schema_version":(-?[0-9]{1,3}|1|"x"|null|1\.5),"codes":\{("[0-9a-z]{0,6}":\{("note":\{"text":"[a-z\\"]{0,4}","updated_ms":-?[0-9]{1,21}\}|"steps":\{"[0-9]{1,21}":\{"state":"(done|todo|x)","updated_ms":[0-9]{1,3}\}\}|"conflicts":\[\{\}\])?\},?){0,3}\}\}"#
    ) {
        let _ = fsio::parse(s.as_bytes(), 1);
    }
}

#[test]
fn a_disabled_store_keeps_edits_in_memory_and_reports_them_unsaved() {
    let mut s = Store::disabled("cannot create data directory /x: Not a directory");
    s.set_note(486, "typed anyway", 1);
    s.set_step(486, 0, StepState::Done, 2);
    assert!(s.is_dirty());
    let e = s.save().unwrap_err();
    assert!(matches!(e, StoreError::Disabled { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "notes are disabled: cannot create data directory /x: Not a directory"
    );
    assert!(s.write_recovery().is_err());
    assert!(!s.refresh());
    assert!(s.is_dirty());
    assert_eq!(s.note(486), "typed anyway");
    assert_eq!(s.unsaved_notes(), vec![(486, "typed anyway")]);
    assert_eq!(
        s.unsaved_progress(),
        vec![(486, vec![(0, StepState::Done)])]
    );
}

/// An edit undone before a save leaves nothing unsaved (the store is still
/// dirty); a note deleted (emptied) is unsaved, listed with no text.
#[test]
fn an_edit_undone_is_not_unsaved_and_a_deleted_note_is() {
    let mut s = Store::disabled("cannot create data directory /x: Not a directory");
    s.set_step(486, 0, StepState::Done, 1);
    s.set_step(486, 0, StepState::Todo, 2);
    s.set_note(486, "typed", 3);
    s.set_note(486, "", 4);
    assert!(s.is_dirty());
    assert!(s.unsaved_notes().is_empty());
    assert!(s.unsaved_progress().is_empty());
    assert!(!s.has_unsaved());

    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.set_note(486, "kept", 1);
    s.save().unwrap();
    s.set_note(486, "", 2);
    assert_eq!(s.unsaved_notes(), vec![(486, "")]);
    assert!(s.has_unsaved());
}

// ---- fields of a newer sipfix -----------------------------------------------
// (Kept through saves and merges: `tests/it/store.rs`.)

/// Two versions of one code with no base to tell them apart (a code
/// listed twice): the union of their fields of a newer sipfix, the newer
/// record's value where both have one.
#[test]
fn fields_of_a_newer_sipfix_of_a_code_listed_twice_are_united() {
    let twice = r#"{"schema_version":1,"codes":{
        "486":{"note":{"text":"a","updated_ms":1},"x":"old","only_old":1},
        "486":{"note":{"text":"b","updated_ms":2},"x":"new","only_new":2}}}"#;
    let Loaded::Partial { doc, .. } = fsio::parse(twice.as_bytes(), 9) else {
        panic!("a code listed twice is not reported");
    };
    let rec = &doc.codes[&486];
    assert_eq!(rec.extra.get("x"), Some(r#""new""#));
    assert_eq!(rec.extra.get("only_old"), Some("1"));
    assert_eq!(rec.extra.get("only_new"), Some("2"));
}

/// A record whose known part cannot be read is reported as before, and
/// its fields of a newer sipfix are kept with the rest; one listed twice
/// is reported too (the file is then copied aside before it is written).
#[test]
fn fields_of_a_newer_sipfix_beside_a_bad_field() {
    let file = r#"{"schema_version":1,"codes":{
        "486":{"note":{"text":"kept","updated_ms":1},"labels":[1],
               "steps":{"0":{"state":"maybe","updated_ms":1},
                        "1":{"state":"done","updated_ms":1,"by":"x"}}},
        "487":{"note":{"text":"n","updated_ms":1,"lang":"en","lang":"fr"}},
        "488":{"note":{"text":"t","updated_ms":1},"tag":1,"tag":2}},
        "top":1,"top":2}"#;
    let Loaded::Partial { doc, issues } = fsio::parse(file.as_bytes(), 1) else {
        panic!("a bad field is not reported");
    };
    assert_eq!(
        issues,
        [
            "code 486 step '0': unknown variant `maybe`, expected one of `todo`, `done`, \
             `skipped`, `failed`",
            "code 487 note: duplicate field `lang`",
            "code 488: 'tag' is listed twice; the last kept",
            "'top' is listed twice; the last kept",
        ]
    );
    let rec = &doc.codes[&486];
    assert_eq!(rec.note.text, "kept");
    assert_eq!(rec.extra.get("labels"), Some("[1]"));
    assert_eq!(rec.steps[&1].extra.get("by"), Some(r#""x""#));
    assert!(!rec.steps.contains_key(&0));
    assert_eq!(doc.codes[&488].extra.get("tag"), Some("2"));
    assert_eq!(doc.extra.get("top"), Some("2"));
}

/// A value kept as written is still written terminal-safe: a character
/// that must not reach a terminal raw becomes a `\u` escape (the same
/// JSON), as in every string sipfix writes.
#[test]
fn fields_of_a_newer_sipfix_are_written_terminal_safe() {
    let file = "{\"schema_version\":1,\"codes\":{},\"who\":\"a\u{202e}b\u{9b}\",\n\"n\":[1,\n 2]}";
    let Loaded::Ok(doc) = fsio::parse(file.as_bytes(), 1) else {
        panic!("not read");
    };
    let out = fsio::serialize(&doc.codes, &doc.extra).unwrap();
    assert!(out.contains(r#""who": "a\u202eb\u009b""#), "{out}");
    assert!(out.contains("\"n\": [1,\n 2]"), "{out}");
    assert!(!out.contains('\u{202e}'), "{out}");
    let back: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(back["who"], "a\u{202e}b\u{9b}");
}
