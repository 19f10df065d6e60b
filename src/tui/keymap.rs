//! The key map: one table from (context, key) to [`Action`]. The help
//! overlay and the README's key table are generated from / tested against
//! this same table, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a key press lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Browsing: result list, detail or compare pane focused.
    Browse,
    /// Typing in the search line.
    Search,
    /// The checklist walk-through.
    Walk,
    /// The note editor (keys not in the table go to the editor).
    Note,
    /// The help overlay.
    Help,
    /// The paste box for a raw SIP message (keys not in the table go to the box).
    Paste,
    /// The decoded-message view.
    Message,
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    FocusSearch,
    Open,
    Leave,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    PrevPane,
    ToggleStep,
    StartWalk,
    EditNote,
    Pin,
    Unpin,
    Swap,
    NextRelated,
    Back,
    Help,
    Quit,
    ForceQuit,
    SaveNote,
    CloseNote,
    MarkDone,
    MarkSkipped,
    MarkFailed,
    MarkTodo,
    ResetProgress,
    OpenPaste,
    Decode,
    ShowMessage,
    /// Search line editing.
    Backspace,
    ClearLine,
}

/// A key as written in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}
const fn code(c: KeyCode) -> Key {
    Key {
        code: c,
        mods: KeyModifiers::NONE,
    }
}

/// One row of the key map.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub ctx: &'static [Ctx],
    pub keys: &'static [Key],
    /// The keys as shown to people (help overlay, README).
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

use Ctx::*;

const ALL: &[Ctx] = &[Browse, Search, Walk, Note, Help, Paste, Message];
const NAV: &[Ctx] = &[Browse, Walk, Help, Message];

/// The key map. Order matters only for display.
pub const BINDINGS: &[Binding] = &[
    Binding {
        ctx: &[Browse, Message],
        keys: &[k('/')],
        label: "/",
        action: Action::FocusSearch,
        help: "focus the search line",
    },
    Binding {
        ctx: &[Browse, Search],
        keys: &[code(KeyCode::Enter)],
        label: "Enter",
        action: Action::Open,
        help: "open the highlighted result (on a checklist step: walk it through)",
    },
    Binding {
        ctx: &[Search, Walk, Help, Message],
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Action::Leave,
        help: "leave the search line or close an overlay (never discards anything)",
    },
    Binding {
        ctx: &[Note],
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Action::CloseNote,
        help: "save the note and close the editor",
    },
    Binding {
        ctx: &[Paste],
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Action::Leave,
        help: "close the paste box (the text is kept for next time)",
    },
    Binding {
        ctx: &[Browse],
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Action::Leave,
        help: "back to the result list",
    },
    Binding {
        ctx: NAV,
        keys: &[k('k'), code(KeyCode::Up)],
        label: "k / Up",
        action: Action::Up,
        help: "move up",
    },
    Binding {
        ctx: NAV,
        keys: &[k('j'), code(KeyCode::Down)],
        label: "j / Down",
        action: Action::Down,
        help: "move down",
    },
    Binding {
        ctx: &[Search],
        keys: &[code(KeyCode::Up)],
        label: "Up",
        action: Action::Up,
        help: "move up the results while typing",
    },
    Binding {
        ctx: &[Search],
        keys: &[code(KeyCode::Down)],
        label: "Down",
        action: Action::Down,
        help: "move down the results while typing",
    },
    Binding {
        ctx: &[Browse, Help, Message],
        keys: &[k('g'), code(KeyCode::Home)],
        label: "g / Home",
        action: Action::Top,
        help: "go to the top",
    },
    Binding {
        ctx: &[Browse, Help, Message],
        keys: &[
            Key {
                code: KeyCode::Char('G'),
                mods: KeyModifiers::SHIFT,
            },
            k('G'),
            code(KeyCode::End),
        ],
        label: "G / End",
        action: Action::Bottom,
        help: "go to the bottom",
    },
    Binding {
        ctx: &[Browse, Search, Walk, Help, Message],
        keys: &[code(KeyCode::PageUp)],
        label: "PgUp",
        action: Action::PageUp,
        help: "scroll the detail up",
    },
    Binding {
        ctx: &[Browse, Search, Walk, Help, Message],
        keys: &[code(KeyCode::PageDown)],
        label: "PgDn",
        action: Action::PageDown,
        help: "scroll the detail down",
    },
    Binding {
        ctx: &[Browse],
        keys: &[code(KeyCode::Tab)],
        label: "Tab",
        action: Action::NextPane,
        help: "next pane",
    },
    Binding {
        ctx: &[Browse],
        keys: &[
            code(KeyCode::BackTab),
            Key {
                code: KeyCode::BackTab,
                mods: KeyModifiers::SHIFT,
            },
        ],
        label: "Shift-Tab",
        action: Action::PrevPane,
        help: "previous pane",
    },
    Binding {
        ctx: &[Browse, Walk],
        keys: &[k(' ')],
        label: "Space",
        action: Action::ToggleStep,
        help: "toggle the highlighted checklist step (done / to do)",
    },
    Binding {
        ctx: &[Browse, Message],
        keys: &[k('w')],
        label: "w",
        action: Action::StartWalk,
        help: "start the checklist walk-through",
    },
    Binding {
        ctx: &[Browse, Message],
        keys: &[k('n')],
        label: "n",
        action: Action::EditNote,
        help: "edit the note of the selected code (Esc saves and closes)",
    },
    Binding {
        ctx: &[Browse],
        keys: &[k('c')],
        label: "c",
        action: Action::Pin,
        help: "pin the selected code for compare",
    },
    Binding {
        ctx: &[Browse],
        keys: &[
            Key {
                code: KeyCode::Char('C'),
                mods: KeyModifiers::SHIFT,
            },
            k('C'),
        ],
        label: "C",
        action: Action::Unpin,
        help: "unpin the compare code",
    },
    Binding {
        ctx: &[Browse],
        keys: &[k('x')],
        label: "x",
        action: Action::Swap,
        help: "swap the pinned and the selected code",
    },
    Binding {
        ctx: &[Browse],
        keys: &[k('r')],
        label: "r",
        action: Action::NextRelated,
        help: "jump to the next related code",
    },
    Binding {
        ctx: &[Browse],
        keys: &[k('b')],
        label: "b",
        action: Action::Back,
        help: "go back to the previous code",
    },
    Binding {
        ctx: &[Browse, Message],
        keys: &[k('p')],
        label: "p",
        action: Action::OpenPaste,
        help: "paste a raw SIP message to decode (or just paste it anywhere)",
    },
    Binding {
        ctx: &[Browse],
        keys: &[k('m')],
        label: "m",
        action: Action::ShowMessage,
        help: "show the last decoded message",
    },
    Binding {
        ctx: &[Paste],
        keys: &[ctrl('d')],
        label: "Ctrl-D",
        action: Action::Decode,
        help: "decode the pasted message",
    },
    Binding {
        ctx: &[Walk],
        keys: &[k('d')],
        label: "d",
        action: Action::MarkDone,
        help: "walk-through: mark the step done and go on",
    },
    Binding {
        ctx: &[Walk],
        keys: &[k('s')],
        label: "s",
        action: Action::MarkSkipped,
        help: "walk-through: mark the step skipped and go on",
    },
    Binding {
        ctx: &[Walk],
        keys: &[k('f')],
        label: "f",
        action: Action::MarkFailed,
        help: "walk-through: mark the step failed and go on",
    },
    Binding {
        ctx: &[Walk],
        keys: &[k('u')],
        label: "u",
        action: Action::MarkTodo,
        help: "walk-through: mark the step to do again",
    },
    Binding {
        ctx: &[Walk],
        keys: &[
            Key {
                code: KeyCode::Char('R'),
                mods: KeyModifiers::SHIFT,
            },
            k('R'),
        ],
        label: "R",
        action: Action::ResetProgress,
        help: "walk-through: reset this code's progress (press twice)",
    },
    Binding {
        ctx: &[Browse, Walk, Message],
        keys: &[k('?')],
        label: "?",
        action: Action::Help,
        help: "help: this list of keys",
    },
    Binding {
        ctx: &[Browse, Walk, Help, Message],
        keys: &[k('q')],
        label: "q",
        action: Action::Quit,
        help: "quit (outside text fields)",
    },
    Binding {
        ctx: ALL,
        keys: &[ctrl('c')],
        label: "Ctrl-C",
        action: Action::ForceQuit,
        help: "quit from anywhere, saving first",
    },
    Binding {
        ctx: &[Note],
        keys: &[ctrl('s')],
        label: "Ctrl-S",
        action: Action::SaveNote,
        help: "save the note and keep editing",
    },
    Binding {
        ctx: &[Search],
        keys: &[code(KeyCode::Backspace)],
        label: "Backspace",
        action: Action::Backspace,
        help: "delete the last character of the query",
    },
    Binding {
        ctx: &[Search],
        keys: &[ctrl('u')],
        label: "Ctrl-U",
        action: Action::ClearLine,
        help: "clear the query",
    },
];

fn same(k: &Key, ev: &KeyEvent) -> bool {
    // Terminals disagree on whether an upper-case letter carries SHIFT; the
    // table lists both forms where it matters, so compare exactly otherwise.
    k.code == ev.code && k.mods == ev.modifiers
}

/// Look a key press up. Key releases and repeats of non-navigation keys are ignored.
pub fn lookup(ctx: Ctx, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .find(|b| b.ctx.contains(&ctx) && b.keys.iter().any(|k| same(k, ev)))
        .map(|b| b.action)
}

/// Rows for the help overlay: (keys, what they do), deduplicated by label and help.
pub fn help_rows() -> Vec<(&'static str, &'static str)> {
    let mut rows: Vec<(&str, &str)> = Vec::new();
    for b in BINDINGS {
        if !rows.iter().any(|(l, h)| *l == b.label && *h == b.help) {
            rows.push((b.label, b.help));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn no_two_bindings_claim_the_same_key_in_one_context() {
        for ctx in ALL {
            let mut seen: Vec<(Key, Action)> = Vec::new();
            for b in BINDINGS.iter().filter(|b| b.ctx.contains(ctx)) {
                for key in b.keys {
                    if let Some((_, a)) = seen.iter().find(|(k2, _)| k2 == key) {
                        panic!("{ctx:?}: {key:?} bound to {a:?} and {:?}", b.action);
                    }
                    seen.push((*key, b.action));
                }
            }
        }
    }

    #[test]
    fn the_documented_keys_do_what_they_say() {
        use KeyCode::*;
        let n = KeyModifiers::NONE;
        assert_eq!(lookup(Browse, &ev(Char('/'), n)), Some(Action::FocusSearch));
        assert_eq!(
            lookup(Search, &ev(Char('q'), n)),
            None,
            "q types in the search line"
        );
        assert_eq!(lookup(Note, &ev(Char('q'), n)), None, "q types in the note");
        assert_eq!(
            lookup(Note, &ev(Esc, n)),
            Some(Action::CloseNote),
            "Esc saves the note"
        );
        assert_eq!(
            lookup(Note, &ev(Char('c'), KeyModifiers::CONTROL)),
            Some(Action::ForceQuit)
        );
        assert_eq!(
            lookup(Browse, &ev(Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(lookup(Browse, &ev(Char('C'), n)), Some(Action::Unpin));
        assert_eq!(
            lookup(Browse, &ev(BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(lookup(Walk, &ev(Char('d'), n)), Some(Action::MarkDone));
        for ctx in ALL {
            assert_eq!(
                lookup(*ctx, &ev(Char('c'), KeyModifiers::CONTROL)),
                Some(Action::ForceQuit),
                "{ctx:?}"
            );
        }
    }
}
