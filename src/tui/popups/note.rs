//! The note editor: a multi-line editor for one code's note, saved a
//! second after typing stops (at least every 2 s while it goes on) and on
//! close. Ctrl-U deletes to the start of the line, as in a shell; Ctrl-Z
//! undoes the last change, even after the editor was closed and opened
//! again (the app keeps the last editor and its history).

use super::Reply;
use crate::sanitize;
use crate::tui::app::{App, Effect, NOTE_DEBOUNCE_MS, NOTE_MAX_WAIT_MS};
use crate::tui::keymap::Action;
use crate::tui::textview::{View, page_key};
use crate::tui::view::{block, centered, fold, popup_title};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;
use ratatui_textarea::{CursorMove, TextArea};
use std::collections::{HashMap, HashSet};

pub struct NoteEditor {
    pub code: u16,
    /// The text being edited, with the characters that cannot be shown as
    /// they are replaced by placeholders (see [`Cloak`]).
    pub area: TextArea<'static>,
    /// The placeholders of `area` and the characters they stand for.
    /// (Boxed: it is large, and every overlay is as large as the largest.)
    cloak: Box<Cloak>,
    /// The text when opened or last committed: only a change against it
    /// is written to the store.
    base: String,
    /// When the text was last changed and not yet committed (ms).
    edited_at: Option<u64>,
    /// When the first change not yet committed was made (ms).
    first_edit: Option<u64>,
    /// The edit run the editor writes as (see `Store::new_note_run`): its
    /// autosaves replace each other, never pile up as conflicts.
    run: Option<String>,
    /// `Store::note_changes_elsewhere` when the editor opened: a higher
    /// count means another session saved this note meanwhile.
    outside_at_open: u64,
    /// What the editor shows of the text (any row and column of it).
    view: View,
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
    /// note added from the shell may hold any) are shown as visible
    /// symbols, never sent to the terminal, and saved as they were: the
    /// editor holds each as one placeholder character ([`Cloak`]), so what
    /// the user did not touch is written back byte for byte. A tab stays
    /// a tab (the editor shows it as spaces).
    pub fn new(code: u16, text: &str) -> NoteEditor {
        let mut cloak = Cloak::new(text);
        let shown = cloak.hide(text);
        let mut area = TextArea::from(shown.split('\n').map(str::to_string).collect::<Vec<_>>());
        area.set_max_histories(UNDO_DEPTH);
        area.set_selection_style(crate::tui::textview::SELECTION);
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        NoteEditor {
            code,
            area,
            cloak: Box::new(cloak),
            base: text.to_string(),
            edited_at: None,
            first_edit: None,
            run: None,
            outside_at_open: 0,
            view: View::default(),
        }
    }

    /// The editor opens (again) on `store`: it writes as an edit run of
    /// its own, and notes how often another session saved the note so
    /// far, to say when that happens while it is open.
    pub fn watch(&mut self, store: &mut crate::store::Store) {
        if self.run.is_none() {
            self.run = Some(store.new_note_run());
        }
        self.outside_at_open = store.note_changes_elsewhere(self.code);
    }

    /// The one-line notice shown while the editor is open, if another
    /// session saved this note since it opened: what became of both
    /// texts. A deletion is not kept as a conflict (there is no text to
    /// keep): the note is this editor's text, or the deletion is the note
    /// and this text a kept version.
    pub fn notice(&self, app: &App) -> Option<String> {
        let s = app.store.as_ref()?;
        if s.note_changes_elsewhere(self.code) <= self.outside_at_open {
            return None;
        }
        let c = self.code;
        Some(if !s.note_deleted_elsewhere(c) {
            format!("Another session saved note {c} meanwhile; both texts are kept")
        } else if self.base.is_empty() {
            format!("Another session deleted note {c} meanwhile, as you did")
        } else if s.note(c).is_empty() {
            format!("Another session deleted note {c} later; your text is a kept version")
        } else {
            format!("Another session deleted note {c} meanwhile; your text is the note")
        })
    }

    /// The text in the editor, as it is saved (placeholders put back).
    pub fn text(&self) -> String {
        self.cloak.reveal(&self.area.lines().join("\n"))
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
                match &self.run {
                    Some(run) => s.set_note_in_run(self.code, &text, now, run),
                    None => s.set_note(self.code, &text, now),
                }
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
        if let Some((down, shift)) = page_key(&ev) {
            self.view.page(&mut self.area, down, shift);
            return Reply::stay();
        }
        let mut ev = ev;
        if let KeyCode::Char(c) = ev.code {
            // A character that is one of the placeholders gets its own.
            ev.code = KeyCode::Char(self.cloak.hide_char(c));
        }
        let before = self.len();
        if self.area.input(ev) {
            // An edit that grows the note past its limit (Ctrl-Y of a long
            // cut, typing is stopped above) is taken back.
            if self.len() > crate::store::MAX_NOTE_BYTES && self.len() > before {
                let grown = self.len() - before;
                self.area.undo();
                Self::limit_reached(app, grown);
                return Reply::stay();
            }
            return Reply::effects(self.changed(app, now));
        }
        Reply::stay()
    }

    /// A bracketed paste into the note (line ends already normalised).
    pub fn paste(&mut self, app: &mut App, text: &str, now: u64) -> Reply {
        let mut text = sanitize::pasted(text);
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
        let text = self.cloak.hide(&text);
        self.area.insert_str(text);
        Reply::effects(self.changed(app, now))
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let r = centered(body, 90, body.height.saturating_sub(2).max(6));
        f.render_widget(Clear, r);
        let title = popup_title(
            app,
            &format!("Note for {}", self.code),
            &[
                "-- Esc saves and closes, Ctrl-Z undoes",
                "-- Esc saves and closes",
            ],
            r.width,
        );
        let b = block(app, title, true);
        let mut inner = b.inner(r);
        f.render_widget(b, r);
        if let Some(n) = self.notice(app)
            && inner.height > 2
        {
            let line = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
            inner.height -= 1;
            f.render_widget(
                ratatui::widgets::Paragraph::new(fold(app, &sanitize::inline(&n)))
                    .style(app.theme.warning()),
                line,
            );
        }
        self.view.draw(&self.area, inner, f.buffer_mut());
        self.cloak.show(f.buffer_mut(), inner, app.theme.ascii);
        if app.theme.ascii {
            ascii_cells(f.buffer_mut(), inner);
        }
    }
}

/// ASCII mode: every cell of `area` (an editor's text: the note editor,
/// the paste box) that holds other than ASCII shown as the other panes
/// show it (`?`), on screen only: the editor's text, and
/// the note saved from it, keep every character as typed or pasted. A
/// cell's fold is used when it is one character (a curly quote is `'`),
/// else `?` (an en dash, `--` elsewhere, would take two columns here), so
/// each character keeps its columns and the cursor stays where the editor
/// put it (a wide character is `?` and a blank).
pub(super) fn ascii_cells(buf: &mut ratatui::buffer::Buffer, area: Rect) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let Some(cell) = buf.cell_mut((x, y)) else {
                continue;
            };
            let sym = cell.symbol();
            if sym.is_ascii() {
                continue;
            }
            let folded = crate::render::ascii_fold(sym);
            let mut chars = folded.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => cell.set_char(c),
                _ => cell.set_char('?'),
            };
        }
    }
}

/// The characters of a note that cannot be in the editor as they are
/// (controls other than tab and line end, DEL, bidirectional overrides:
/// the terminal would act on them), each replaced by a placeholder for the
/// editing and put back when the text is saved, so that the note keeps
/// what the user did not edit byte for byte.
///
/// A placeholder is one character, so the cursor moves over it and
/// deletes it as one; it is drawn as a visible symbol (`␛` for ESC, see
/// [`Cloak::show`]). Placeholders are private-use characters (planes 15
/// and 16) that never entered the editor as themselves (in the note when
/// opened, typed or pasted since: each such character is recorded as
/// taken); a character typed or pasted later that is a placeholder gets a
/// placeholder of its own, so the mapping back is exact whatever is
/// entered, in whatever order.
#[derive(Debug, Default)]
struct Cloak {
    /// Placeholder -> the character it stands for.
    real: HashMap<char, char>,
    /// Character -> its placeholder.
    placeholder: HashMap<char, char>,
    /// Private-use characters that entered the editor as they are (held
    /// by the note when opened, typed or pasted since): never placeholders.
    taken: HashSet<char>,
    /// The next private-use code point to try.
    next: u32,
}

/// The first code point placeholders are taken from (plane 15, private use).
const PLACEHOLDERS: u32 = 0xF_0000;

impl Cloak {
    /// A cloak for a note holding `text` (which [`Cloak::hide`] takes in
    /// first: a private-use character of it must not be handed out as a
    /// placeholder for a character before it).
    fn new(text: &str) -> Cloak {
        Cloak {
            taken: text.chars().filter(|&c| c as u32 >= PLACEHOLDERS).collect(),
            next: PLACEHOLDERS,
            ..Cloak::default()
        }
    }

    /// Whether `c` must not be in the editor as it is.
    fn hidden(&self, c: char) -> bool {
        (c != '\t' && c != '\n' && sanitize::is_unsafe(c)) || self.real.contains_key(&c)
    }

    /// The character to put in the editor for `c`.
    fn hide_char(&mut self, c: char) -> char {
        if !self.hidden(c) {
            // A private-use character entering the editor as it is (in
            // the note, typed or pasted): never a placeholder from now on.
            if c as u32 >= PLACEHOLDERS {
                self.taken.insert(c);
            }
            return c;
        }
        if let Some(&p) = self.placeholder.get(&c) {
            return p;
        }
        let p = self.fresh();
        self.real.insert(p, c);
        self.placeholder.insert(c, p);
        p
    }

    /// A private-use character that neither entered the editor as itself
    /// nor is a placeholder yet. Planes 15 and 16 hold 131,068 of them,
    /// four times what a note of
    /// [`MAX_NOTE_BYTES`](crate::store::MAX_NOTE_BYTES) can hold distinct,
    /// so one is free unless one editor takes in that many distinct
    /// private-use characters over its life.
    fn fresh(&mut self) -> char {
        loop {
            let u = self.next;
            self.next += 1;
            // Each plane ends with two noncharacters.
            if u & 0xFFFE == 0xFFFE {
                continue;
            }
            match char::from_u32(u) {
                Some(c) if !self.taken.contains(&c) && !self.real.contains_key(&c) => return c,
                Some(_) => {}
                None => unreachable!("placeholders ran out"),
            }
        }
    }

    /// `text` as the editor holds it.
    fn hide(&mut self, text: &str) -> String {
        text.chars().map(|c| self.hide_char(c)).collect()
    }

    /// The editor's text as it is saved.
    fn reveal(&self, shown: &str) -> String {
        shown
            .chars()
            .map(|c| self.real.get(&c).copied().unwrap_or(c))
            .collect()
    }

    /// Draw each placeholder in `area` of `buf` as a visible symbol (its
    /// control picture, reversed): what the cell is saved as is the
    /// character it stands for. A placeholder for a private-use character
    /// of the text shows that character.
    fn show(&self, buf: &mut ratatui::buffer::Buffer, area: Rect, ascii: bool) {
        if self.real.is_empty() {
            return;
        }
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                let Some(cell) = buf.cell_mut((x, y)) else {
                    continue;
                };
                let mut chars = cell.symbol().chars();
                let (Some(p), None) = (chars.next(), chars.next()) else {
                    continue;
                };
                let Some(&real) = self.real.get(&p) else {
                    continue;
                };
                if !sanitize::is_unsafe(real) {
                    cell.set_char(real);
                    continue;
                }
                cell.set_char(symbol_for(real, ascii));
                let style = cell
                    .style()
                    .add_modifier(ratatui::style::Modifier::REVERSED);
                cell.set_style(style);
            }
        }
    }
}

/// The one-cell symbol of a control character on screen: its Unicode
/// control picture (`␛` for ESC, `␡` for DEL), else `¤`; `?` in ASCII
/// mode.
fn symbol_for(c: char, ascii: bool) -> char {
    if ascii {
        return '?';
    }
    let u = c as u32;
    match u {
        0..=0x1f => char::from_u32(0x2400 + u).unwrap_or('¤'),
        0x7f => '\u{2421}',
        _ => '¤',
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn app() -> App {
        let theme = crate::tui::theme::Theme {
            color: false,
            ascii: false,
        };
        App::new(crate::kb::Kb::embedded(), None, None, theme)
    }

    fn typed(e: &mut NoteEditor, app: &mut App, s: &str) {
        for c in s.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            e.input(app, KeyEvent::new(code, KeyModifiers::NONE), 0);
        }
    }

    /// A private-use character pasted after the editor opened is never
    /// handed out as the placeholder of a hidden character typed later:
    /// both are saved as they were entered.
    #[test]
    fn a_pasted_private_use_character_is_never_a_placeholder() {
        let mut app = app();
        let mut e = NoteEditor::new(486, "a\u{1b}b");
        e.paste(&mut app, "\u{f0001}\u{f0002}\u{f0003}", 0);
        typed(&mut e, &mut app, "\u{f0004}\u{ad}\u{200b}\u{7f}");
        assert_eq!(
            e.text(),
            "a\u{1b}b\u{f0001}\u{f0002}\u{f0003}\u{f0004}\u{ad}\u{200b}\u{7f}"
        );
    }

    /// One step of the property test: a character typed, or text pasted.
    #[derive(Debug, Clone)]
    enum Entry {
        Type(char),
        Paste(String),
    }

    /// Private-use characters (those placeholders are taken from first,
    /// and the last of plane 16), characters the editor hides, plain text.
    fn a_char() -> impl Strategy<Value = char> {
        prop_oneof![
            (0xF_0000u32..0xF_0008).prop_map(|u| char::from_u32(u).unwrap()),
            Just('\u{10_fffd}'),
            proptest::sample::select(vec!['\u{1b}', '\u{ad}', '\u{7f}', '\u{202e}', '\u{85}']),
            proptest::sample::select(vec!['a', 'é', ' ', '\t', '\n']),
        ]
    }

    fn entry() -> impl Strategy<Value = Entry> {
        prop_oneof![
            // The Tab key indents with spaces: not typed here.
            a_char()
                .prop_filter("no Tab key", |&c| c != '\t')
                .prop_map(Entry::Type),
            proptest::collection::vec(a_char(), 1..5)
                .prop_map(|v| Entry::Paste(v.into_iter().collect())),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever is typed and pasted, in any order, into whatever note,
        /// the editor's text is what was entered: a paste as sanitised,
        /// a typed character as it is.
        #[test]
        fn the_text_is_what_was_entered(
            start in proptest::collection::vec(a_char(), 0..6),
            entries in proptest::collection::vec(entry(), 0..20),
        ) {
            let mut app = app();
            let start: String = start.into_iter().collect();
            let mut e = NoteEditor::new(486, &start);
            let mut want = start.clone();
            for en in &entries {
                match en {
                    Entry::Type(c) => {
                        typed(&mut e, &mut app, &c.to_string());
                        want.push(*c);
                    }
                    Entry::Paste(s) => {
                        e.paste(&mut app, s, 0);
                        want.push_str(&sanitize::pasted(s));
                    }
                }
            }
            prop_assert_eq!(e.text(), want);
        }
    }
}
