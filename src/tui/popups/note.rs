//! The note editor: a multi-line editor for one code's note, saved a
//! second after typing stops (at least every 2 s while it goes on) and on
//! close. Ctrl-U deletes to the start of the line, as in a shell; Ctrl-Z
//! undoes the last change, even after the editor was closed and opened
//! again (the app keeps the last editor and its history).

use super::Reply;
use crate::sanitize;
use crate::tui::app::{App, Effect, NOTE_DEBOUNCE_MS, NOTE_MAX_WAIT_MS};
use crate::tui::keymap::Action;
use crate::tui::view::{block, centered};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;
use ratatui_textarea::{CursorMove, TextArea};

pub struct NoteEditor {
    pub code: u16,
    pub area: TextArea<'static>,
    /// The text when opened or last committed: only a change against it
    /// is written to the store.
    base: String,
    /// When the text was last changed and not yet committed (ms).
    edited_at: Option<u64>,
    /// When the first change not yet committed was made (ms).
    first_edit: Option<u64>,
}

impl std::fmt::Debug for NoteEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteEditor")
            .field("code", &self.code)
            .field("text", &self.text())
            .finish()
    }
}

/// How many changes Ctrl-Z can undo.
const UNDO_DEPTH: usize = 200;

impl NoteEditor {
    /// An editor over `text`, the cursor at its end. Control characters (a
    /// note added from the shell may hold any) are shown escaped, never
    /// sent to the terminal.
    pub fn new(code: u16, text: &str) -> NoteEditor {
        let text = sanitize::text(text);
        let mut area = TextArea::from(text.split('\n').map(str::to_string).collect::<Vec<_>>());
        area.set_max_histories(UNDO_DEPTH);
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        NoteEditor {
            code,
            area,
            base: text,
            edited_at: None,
            first_edit: None,
        }
    }

    /// The text in the editor.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Bytes of text in the editor.
    fn len(&self) -> usize {
        self.area
            .lines()
            .iter()
            .map(|l| l.len() + 1)
            .sum::<usize>()
            .saturating_sub(1)
    }

    /// A commit is waiting for its time.
    pub fn pending(&self) -> bool {
        self.edited_at.is_some()
    }

    /// A pause in typing, or typing for too long without one.
    pub fn commit_due(&self, now: u64) -> bool {
        self.edited_at
            .is_some_and(|at| now.saturating_sub(at) >= NOTE_DEBOUNCE_MS)
            || self
                .first_edit
                .is_some_and(|at| now.saturating_sub(at) >= NOTE_MAX_WAIT_MS)
    }

    /// The text changed at `now`: commit if typing went on too long.
    fn changed(&mut self, app: &mut App, now: u64) -> Vec<Effect> {
        self.edited_at = Some(now);
        self.first_edit.get_or_insert(now);
        if self.commit_due(now) {
            return self.commit(app, now);
        }
        Vec::new()
    }

    /// Copy the text into the store (if it changed) and ask for a save.
    pub fn commit(&mut self, app: &mut App, now: u64) -> Vec<Effect> {
        self.edited_at = None;
        self.first_edit = None;
        let text = self.text();
        if text == self.base {
            return Vec::new();
        }
        match app.store.as_mut() {
            Some(s) => {
                s.set_note(self.code, &text, now);
                self.base = text;
                vec![Effect::Save]
            }
            None => {
                // No store at all (the UI always has one, if only in
                // memory): the text has nowhere else to go.
                app.status = Some(crate::tui::app::Status {
                    text: "notes are disabled: the text stays in the editor".into(),
                    error: true,
                    sticky: true,
                });
                Vec::new()
            }
        }
    }

    /// Say that the note is at its size limit.
    fn limit_reached(app: &mut App, dropped: usize) {
        let what = if dropped > 0 {
            format!("{dropped} bytes were not inserted")
        } else {
            "nothing more can be typed".to_string()
        };
        app.error(format!(
            "a note is limited to {} KiB: {what}; keep long traces in files and note where \
             they are",
            crate::store::MAX_NOTE_BYTES / 1024
        ));
    }

    pub fn handle(&mut self, app: &mut App, a: Action, now: u64) -> Reply {
        match a {
            Action::CloseNote => {
                let effects = self.commit(app, now);
                Reply {
                    // With no store the text lives in the editor only.
                    close: app.store.is_some() || self.text() == self.base,
                    effects,
                    ..Reply::default()
                }
            }
            Action::SaveNote => {
                let fx = self.commit(app, now);
                app.info("note saved");
                Reply::effects(fx)
            }
            Action::DeleteToStart => {
                if delete_to_start(&mut self.area) {
                    return Reply::effects(self.changed(app, now));
                }
                Reply::stay()
            }
            Action::Undo | Action::Redo => {
                if undo_redo(&mut self.area, a, app) {
                    return Reply::effects(self.changed(app, now));
                }
                Reply::stay()
            }
            _ => Reply::stay(),
        }
    }

    /// A key for the editor itself (typing, moving, deleting).
    pub fn input(&mut self, app: &mut App, ev: KeyEvent, now: u64) -> Reply {
        let adds = matches!(ev.code, KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab)
            && !ev.modifiers.contains(KeyModifiers::CONTROL);
        if adds && self.len() >= crate::store::MAX_NOTE_BYTES {
            Self::limit_reached(app, 0);
            return Reply::stay();
        }
        if self.area.input(ev) {
            return Reply::effects(self.changed(app, now));
        }
        Reply::stay()
    }

    /// A bracketed paste into the note (line ends already normalised).
    pub fn paste(&mut self, app: &mut App, text: &str, now: u64) -> Reply {
        let mut text = sanitize::text(text);
        let room = crate::store::MAX_NOTE_BYTES.saturating_sub(self.len());
        if text.len() > room {
            let mut cut = room;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let dropped = text.len() - cut;
            text.truncate(cut);
            Self::limit_reached(app, dropped);
        }
        if text.is_empty() {
            return Reply::stay();
        }
        self.area.insert_str(text);
        Reply::effects(self.changed(app, now))
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let r = centered(body, 90, body.height.saturating_sub(2).max(6));
        f.render_widget(Clear, r);
        let b = block(
            app,
            format!(
                "Note for {} -- Esc saves and closes, Ctrl-Z undoes",
                self.code
            ),
            true,
        );
        let inner = b.inner(r);
        f.render_widget(b, r);
        f.render_widget(&self.area, inner);
    }
}

/// Ctrl-Z or Ctrl-R in an editor: true when the text changed, else say
/// that there was nothing to undo (redo).
pub fn undo_redo(area: &mut TextArea<'static>, a: Action, app: &mut App) -> bool {
    let undo = a == Action::Undo;
    let done = if undo { area.undo() } else { area.redo() };
    if !done {
        app.info(if undo {
            "nothing to undo"
        } else {
            "nothing to redo"
        });
    }
    done
}

/// Delete from the cursor to the start of its line, as Ctrl-U does in a
/// shell (at the start of a line: nothing). True when something went.
pub fn delete_to_start(area: &mut TextArea<'static>) -> bool {
    if area.cursor().1 == 0 {
        return false;
    }
    area.delete_line_by_head()
}
