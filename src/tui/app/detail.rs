//! What the detail and compare panes show: the documents of a code, a
//! Q.850 cause or a comparison, wrapped for the pane (the detail memoised,
//! it costs more than the rest of a frame).

use super::{App, DetailKey, Subject};
use crate::compare;
use crate::doc;
use crate::sanitize;
use crate::tui::lines;
use ratatui::text::Line;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

impl App {
    /// The detail pane's text at `width` (with the step cursor), or None
    /// when nothing is selected. Rebuilt only when something it shows has
    /// changed.
    pub fn detail_wrapped(&self, width: u16) -> Option<Rc<lines::Wrapped>> {
        match self.subject()? {
            Subject::Code(c) => Some(self.detail_lines(c, width, self.step_cursor)),
            Subject::Cause(c) => {
                let cause = self.kb.cause(c)?;
                let mut d = doc::q850_cause(self.kb, cause);
                let (sip, _) = self.kb.sip_for_cause(cause);
                if let Some(first) = sip.first() {
                    d.insert(
                        1,
                        doc::Block::Field("Enter".into(), format!("opens SIP {first}")),
                    );
                }
                Some(Rc::new(lines::doc_lines(&d, width, self.theme, None)))
            }
        }
    }

    /// The detail of `code` wrapped at `width`, with step `cursor`
    /// highlighted; rebuilt only when something it shows has changed.
    pub fn detail_lines(&self, code: u16, width: u16, cursor: Option<usize>) -> Rc<lines::Wrapped> {
        let note = self.store.as_ref().map(|s| s.note(code)).unwrap_or("");
        let mut h = std::collections::hash_map::DefaultHasher::new();
        note.hash(&mut h);
        let key = DetailKey {
            subject: Subject::Code(code),
            width,
            cursor,
            marks: self.marks(code),
            note: h.finish(),
            conflicts: self.store.as_ref().map_or(0, |s| s.conflicts(code).len()),
            message: self
                .message
                .as_ref()
                .map(|m| (m.code, m.text.id(), m.problems)),
        };
        if let Some((k, w)) = self.detail_memo.borrow().as_ref()
            && *k == key
        {
            return Rc::clone(w);
        }
        let w = Rc::new(lines::doc_lines(
            &self.detail_doc(code),
            width,
            self.theme,
            cursor,
        ));
        *self.detail_memo.borrow_mut() = Some((key, Rc::clone(&w)));
        w
    }

    /// Detail document of a code, with progress marks, a one-line preview
    /// of the note near the top (the whole note at the end), what a pasted
    /// message says for each step, and a long deprecation note folded to
    /// one line (in full below "What it means").
    pub fn detail_doc(&self, code: u16) -> doc::Doc {
        let Ok(l) = self.kb.lookup(code) else {
            return Vec::new();
        };
        let marks = self.marks(code);
        let mut d = doc::show(self.kb, &l, Some(&marks));
        fold_deprecation(&mut d);
        if let Some(b) = doc::local_origin(code) {
            d.insert(1, b);
        }
        if let Some(m) = self.message.as_ref().filter(|m| m.code == Some(code)) {
            let mut items = Vec::new();
            for (i, f) in m.checklist.iter().enumerate() {
                let found = crate::tui::decode::step_findings(self.kb, m, i);
                if !found.is_empty() {
                    items.push(format!(
                        "Step {} ({}): {}",
                        i + 1,
                        f.title,
                        found.join("; ")
                    ));
                }
            }
            // Right under the summary: what the user pasted comes first.
            let at = d
                .iter()
                .position(|b| matches!(b, doc::Block::Field(k, _) if k == "Summary"))
                .map_or(d.len(), |i| i + 1);
            let mut block = vec![doc::Block::Heading(format!(
                "In {} (m shows it all)",
                m.origin
            ))];
            if m.problems > 0 {
                block.push(doc::Block::Warning(format!(
                    "{} problem(s) found in the message: press m to see them",
                    m.problems
                )));
            }
            if items.is_empty() {
                items.push("none of the headers the checklist inspects is in the message".into());
            }
            block.push(doc::Block::Bullets(items));
            d.splice(at..at, block);
        }
        let (done, total) = self.progress(code);
        let mut top = vec![doc::Block::Field(
            "Progress".into(),
            format!("{done}/{total} steps handled"),
        )];
        let note = self.store.as_ref().map(|s| s.note(code)).unwrap_or("");
        // On a code shown as its class's entry, say whose note it is.
        let label = if l.fallback {
            format!("Your note on {code}")
        } else {
            "Your note".to_string()
        };
        if !note.is_empty() {
            top.push(doc::Block::Field(
                label.clone(),
                note_preview(note, self.note_conflicts(code)),
            ));
        }
        d.splice(1..1, top);
        if !note.is_empty() {
            d.push(doc::Block::Heading(label));
            d.push(doc::Block::Para(sanitize::text(note)));
        }
        if let Some(s) = &self.store {
            let conflicts = s.conflicts(code);
            if !conflicts.is_empty() {
                d.push(doc::Block::Warning(format!(
                    "{} earlier version(s) of this note were kept after a concurrent edit \
                     (D twice drops them):",
                    conflicts.len()
                )));
                for c in conflicts {
                    d.push(doc::Block::Para(sanitize::text(&c.text)));
                }
            }
        }
        d
    }

    pub(super) fn note_conflicts(&self, code: u16) -> usize {
        self.store.as_ref().map_or(0, |s| s.conflicts(code).len())
    }

    /// The compare document when a code is pinned and another selected.
    pub fn compare_doc(&self) -> Option<doc::Doc> {
        let (p, c) = (self.pinned?, self.current()?);
        let a = self.kb.lookup(p).ok()?;
        let b = self.kb.lookup(c).ok()?;
        compare::compare(self.kb, a, b)
            .ok()
            .map(|c| doc::compare(&c))
    }

    /// The compare pane's text at `width`.
    pub fn compare_lines(&self, width: u16) -> Vec<Line<'static>> {
        let hint = match (self.pinned, self.current()) {
            (None, _) => Some(
                "No code pinned. Select a code and press c to pin it; then every code you \
                 open is compared with it."
                    .to_string(),
            ),
            (Some(p), Some(c)) if p == c => Some(format!(
                "{p} is pinned. Select another code to compare it with {p}; x swaps, C unpins."
            )),
            (Some(p), None) => Some(format!(
                "{p} is pinned. Select a SIP code to compare it with {p}."
            )),
            _ => None,
        };
        match (hint, self.compare_doc()) {
            (Some(h), _) => lines::text_lines(&h, width, self.theme),
            (None, Some(d)) => lines::doc_lines(&d, width, self.theme, None).lines,
            (None, None) => lines::text_lines("nothing to compare", width, self.theme),
        }
    }
}

/// The one-line preview of a note shown near the top of the detail.
fn note_preview(note: &str, conflicts: usize) -> String {
    let first = note.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut p: String = sanitize::inline(first).chars().take(60).collect();
    if p.chars().count() < sanitize::inline(first).chars().count() || note.lines().count() > 1 {
        p.push_str(" ...");
    }
    p.push_str(" (in full at the end; n edits)");
    if conflicts > 0 {
        p.push_str(&format!("; {conflicts} concurrent version(s) kept"));
    }
    p
}

/// A deprecation warning longer than one line is folded to its first
/// clause; the whole text moves under "What it means", so that on 80x24
/// the meaning is not pushed below the fold.
fn fold_deprecation(d: &mut doc::Doc) {
    let Some(i) = d
        .iter()
        .position(|b| matches!(b, doc::Block::Warning(t) if t.starts_with("Deprecated: ")))
    else {
        return;
    };
    let doc::Block::Warning(full) = d[i].clone() else {
        return;
    };
    let body = full.trim_start_matches("Deprecated: ");
    if body.chars().count() <= 40 {
        return;
    }
    // One line: who deprecated it (the first RFC cited), the rest below.
    d[i] = doc::Block::Warning(match first_rfc(body) {
        Some(rfc) => format!("Deprecated by {rfc}, see below"),
        None => "Deprecated, see below".to_string(),
    });
    let at = d
        .iter()
        .position(|b| matches!(b, doc::Block::Heading(h) if h == "What it means"))
        .map_or(d.len(), |h| h + 2)
        .min(d.len());
    d.splice(
        at..at,
        [
            doc::Block::Heading("Deprecated".into()),
            doc::Block::Para(body.to_string()),
        ],
    );
}

/// The first "RFC n" or "RFC n §s" cited in `text`.
fn first_rfc(text: &str) -> Option<String> {
    let at = text.find("RFC ")?;
    let rest = &text[at + 4..];
    let num: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if num.is_empty() {
        return None;
    }
    let after = &rest[num.len()..];
    let section = after.strip_prefix(" §").map(|s| {
        s.chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect::<String>()
            .trim_end_matches('.')
            .to_string()
    });
    Some(match section {
        Some(sec) if !sec.is_empty() => format!("RFC {num} §{sec}"),
        _ => format!("RFC {num}"),
    })
}
