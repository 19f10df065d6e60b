//! `sipfix notes`: the user's notes and checklist progress from the shell.

use crate::cli::options::{ExportFormat, NotesCommand, OutputFormat};
use crate::cli::output::{CmdResult, Out, emit, emit_json};
use crate::doc::{self, Block, Item, Marker};
use crate::exit::{Failure, say};
use crate::kb::{Kb, parse_code};
use crate::render;
use crate::sanitize;
use crate::store::{self, StepState, Store, StoreError};
use serde::Serialize;

/// Open the store for reading (never waits for the lock).
fn open() -> Result<Store, Failure> {
    let s = store::open_default().map_err(Failure::runtime)?;
    if let Some(w) = s.warning() {
        say(w);
    }
    Ok(s)
}

/// Run `sipfix notes ...`.
pub fn run(kb: &Kb, cmd: NotesCommand, out: Out) -> CmdResult {
    match cmd {
        NotesCommand::Export(fmt) => export_report(kb, &open()?, fmt),
        NotesCommand::Add { code, text } => {
            let code = parse_code(&code).map_err(Failure::usage)?;
            if text.trim().is_empty() {
                return Err(Failure::usage("--add needs some text"));
            }
            let dir = store::default_dir().map_err(Failure::runtime)?;
            let warn = Store::append_note_line(&dir, code, &text, store::now_ms()).map_err(
                |e| match e {
                    StoreError::TooLarge { .. } => Failure::usage(e),
                    e => Failure::runtime(e),
                },
            )?;
            if let Some(w) = warn {
                say(&w);
            }
            Ok(())
        }
        NotesCommand::DropConflicts { code } => {
            let mut s = open()?;
            let code = stored_code(&s, &code)?;
            let n = s.drop_conflicts(code);
            if n == 0 {
                say(&format!("no earlier version of the note of {code} is kept"));
                return Ok(());
            }
            s.save().map_err(Failure::runtime)?;
            // What the save found on disk (the file broken since it was
            // read, and moved aside).
            if let Some(w) = s.take_save_warning() {
                say(&w);
            }
            say(&format!(
                "dropped {n} kept version(s) of the note of {code}"
            ));
            Ok(())
        }
        NotesCommand::Print { code, format } => {
            let s = open()?;
            let code = stored_code(&s, &code)?;
            if format == OutputFormat::Json {
                // Progress without a note is still something to print.
                if s.note(code).is_empty() && !s.codes_with_data().contains(&code) {
                    return Err(Failure::runtime(format!("no note for {code}")));
                }
                return emit_json(&export_code(kb, &s, code));
            }
            let note = s.note(code);
            let kept = s.conflicts(code);
            if note.is_empty() && kept.is_empty() {
                return Err(Failure::runtime(format!("no note for {code}")));
            }
            let mut text = String::new();
            if !note.is_empty() {
                text = sanitize::text(note) + "\n";
            }
            if !kept.is_empty() {
                // Below the note, set apart, so that the note itself is
                // still the first lines; on stdout, as part of what the
                // note is.
                text.push_str(&format!(
                    "\n--- {} earlier version(s) kept after a concurrent edit \
                     (sipfix notes {code} --drop-conflicts drops them):\n",
                    kept.len()
                ));
                for c in kept {
                    text.push_str(&format!(
                        "--- kept version, written at {}:\n",
                        iso(c.updated_ms)
                    ));
                    text.push_str(&sanitize::text(&c.text));
                    text.push('\n');
                }
            }
            emit(&text)
        }
        NotesCommand::List { format } => list(kb, &open()?, format, out),
    }
}

/// The code of `sipfix notes CODE` (to print, or to drop the kept
/// versions of): a status code, or a number the notes file holds a note
/// or progress under that is none (`0`, `9999`: a file written by hand
/// or by another tool), which the list shows and so must reach, written
/// as the list writes it. `--add` takes status codes only.
fn stored_code(s: &Store, arg: &str) -> Result<u16, Failure> {
    parse_code(arg).or_else(|e| {
        let t = arg.trim();
        match t.parse::<u16>() {
            Ok(n) if n.to_string() == t && s.codes_with_data().contains(&n) => Ok(n),
            _ => Err(Failure::usage(e)),
        }
    })
}

fn total_steps(kb: &Kb, code: u16) -> usize {
    kb.lookup(code).map(|l| l.entry.steps.len()).unwrap_or(0)
}

fn reason(kb: &Kb, code: u16) -> String {
    match kb.lookup(code) {
        Ok(l) if !l.fallback => l.entry.reason.to_string(),
        _ => "(unregistered)".into(),
    }
}

fn list(kb: &Kb, s: &Store, format: OutputFormat, out: Out) -> CmdResult {
    let codes = s.codes_with_data();
    if format == OutputFormat::Json {
        let v: Vec<ExportCode> = codes.iter().map(|&c| export_code(kb, s, c)).collect();
        return emit_json(&v);
    }
    if codes.is_empty() {
        say(&format!(
            "no notes yet in {} (press n in the TUI, or sipfix notes CODE --add TEXT)",
            s.path().display()
        ));
        return Ok(());
    }
    let width = out.style.width.max(40);
    let mut text = String::new();
    for c in codes {
        let (done, total) = s.progress(c, total_steps(kb, c));
        let first = s.note(c).lines().next().unwrap_or("");
        let line = format!(
            "{c} {:<32} {done}/{total} steps  {}",
            reason(kb, c),
            sanitize::inline(first)
        );
        // Folded first, then cut to the width in columns.
        let line = render::fold(&line, out.style.ascii);
        let mut cols = 0;
        let cut: String = line
            .chars()
            .take_while(|ch| {
                cols += unicode_width::UnicodeWidthChar::width(*ch).unwrap_or(0);
                cols <= width
            })
            .collect();
        text.push_str(cut.trim_end());
        text.push('\n');
    }
    emit(&text)
}

/// One code with notes or progress, as `notes --json` and `--export json`
/// print it.
#[derive(Serialize)]
struct ExportCode {
    code: u16,
    reason: String,
    note: String,
    steps: Vec<ExportStep>,
    /// Versions of the note kept after a concurrent edit, oldest first.
    conflicts: Vec<ExportConflict>,
}

#[derive(Serialize)]
struct ExportConflict {
    text: String,
    updated_ms: u64,
    saved_ms: u64,
}

#[derive(Serialize)]
struct ExportStep {
    title: String,
    state: StepState,
}

fn export_code(kb: &Kb, s: &Store, c: u16) -> ExportCode {
    ExportCode {
        code: c,
        reason: reason(kb, c),
        note: s.note(c).to_string(),
        steps: kb
            .lookup(c)
            .map(|l| {
                l.entry
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, st)| ExportStep {
                        title: st.title.to_string(),
                        state: s.step_state(c, i),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        conflicts: s
            .conflicts(c)
            .iter()
            .map(|k| ExportConflict {
                text: k.text.clone(),
                updated_ms: k.updated_ms,
                saved_ms: k.saved_ms,
            })
            .collect(),
    }
}

fn export_report(kb: &Kb, s: &Store, fmt: ExportFormat) -> CmdResult {
    let codes = s.codes_with_data();
    if fmt == ExportFormat::Json {
        let v: Vec<ExportCode> = codes.iter().map(|&c| export_code(kb, s, c)).collect();
        return emit_json(&v);
    }
    let mut md = String::from("# sipfix triage report\n\n");
    if codes.is_empty() {
        md.push_str("No notes or checklist progress yet.\n");
        return emit(&md);
    }
    md.push_str("Legend: `[x]` done, `[-]` skipped, `[!]` failed, `[ ]` to do.\n\n");
    for c in codes {
        let Ok(l) = kb.lookup(c) else {
            // A note kept under a number that is no status code (written by
            // hand or another tool): still the user's text, still exported.
            let mut d: doc::Doc = vec![Block::Title(format!("{c} (not a SIP status code)"))];
            push_note(&mut md, &mut d, s.note(c), s.conflicts(c));
            continue;
        };
        let (done, total) = s.progress(c, l.entry.steps.len());
        // The marks are a task list (`- [x] 1. ...`), not escaped text.
        let mut d: doc::Doc = vec![
            Block::Title(format!("{c} {}", reason(kb, c))),
            Block::Field("Summary".into(), l.entry.summary.to_string()),
            Block::Field("Progress".into(), format!("{done}/{total} steps handled")),
            Block::Heading("Checklist".into()),
            Block::Tree(
                l.entry
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, st)| Item {
                        marker: Marker::Check(s.step_state(c, i).mark()),
                        ..Item::bullet(format!("{}. {}", i + 1, st.title))
                    })
                    .collect(),
            ),
        ];
        push_note(&mut md, &mut d, s.note(c), s.conflicts(c));
    }
    emit(&md)
}

/// Append document `d` and, if any, the note and the versions of it kept
/// after a concurrent edit, each as a quote, to the report.
fn push_note(md: &mut String, d: &mut doc::Doc, note: &str, kept: &[store::Conflict]) {
    if !note.is_empty() {
        d.push(Block::Heading("Notes".into()));
    }
    md.push_str(&render::to_markdown(d));
    if !note.is_empty() {
        quote(md, note);
    }
    if !kept.is_empty() {
        md.push_str("### Kept after a concurrent edit\n\n");
        for c in kept {
            md.push_str(&format!("Written at {}:\n\n", iso(c.updated_ms)));
            quote(md, &c.text);
        }
    }
}

/// The user's own text as a quote: its lines kept, escaped.
fn quote(md: &mut String, text: &str) {
    for line in sanitize::text(text).lines() {
        md.push_str("> ");
        md.push_str(line);
        md.push('\n');
    }
    md.push('\n');
}

/// A time in milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC`.
fn iso(ms: u64) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    let (y, m, d) = crate::trace::logs::clock::civil_from_days(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
