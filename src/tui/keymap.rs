//! The key map: one table from (context, key) to [`Action`]. The help
//! overlay, the footer hints and the README's key table are generated from
//! / tested against this same table, so they cannot drift from what the
//! keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a key press lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// The result list has the keyboard.
    List,
    /// The detail pane has the keyboard.
    Detail,
    /// The compare pane has the keyboard.
    Compare,
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
    /// The commands of one checklist step, unwrapped.
    Commands,
    /// The picker of related codes.
    Related,
    /// The calls of a loaded trace.
    Calls,
    /// Typing the calls filter.
    CallFilter,
    /// One call: its ladder and findings.
    Call,
    /// The prompt for a capture or log to open (keys not in the table type).
    Open,
    /// The problems found in the loaded trace's input.
    Problems,
    /// The status messages of this session, whole.
    Log,
}

impl Ctx {
    /// Every context, in the order the help shows them.
    pub const ALL: &'static [Ctx] = &[
        List, Detail, Compare, Search, Walk, Note, Paste, Message, Commands, Related, Calls,
        CallFilter, Call, Problems, Open, Log, Help,
    ];

    /// Whether keys not in the table type text here (an editor, a prompt).
    pub fn takes_text(self) -> bool {
        matches!(self, Note | Paste | Open)
    }

    /// The name of the context in the help and the README.
    pub fn title(self) -> &'static str {
        match self {
            List => "Result list",
            Detail => "Detail pane",
            Compare => "Compare pane",
            Search => "Search line",
            Walk => "Walk-through",
            Note => "Note editor",
            Paste => "Paste box",
            Message => "Decoded message",
            Commands => "Step commands",
            Related => "Related codes",
            Calls => "Calls pane",
            CallFilter => "Calls filter",
            Call => "Call view",
            Open => "Open prompt",
            Problems => "Input problems",
            Log => "Status messages",
            Help => "Help",
        }
    }
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
    Left,
    Right,
    NextPane,
    PrevPane,
    PrevStep,
    NextStep,
    ToggleStep,
    StartWalk,
    EditNote,
    Pin,
    Unpin,
    Swap,
    Related,
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
    /// Drop the versions of the note kept after a concurrent edit.
    DropConflicts,
    OpenPaste,
    Decode,
    ShowMessage,
    ShowCommands,
    /// The step's commands printed below the full screen, whole.
    PrintCommands,
    /// A digit: jump to a code (list, detail, compare) or pick a numbered item.
    Digit,
    /// Search line: the previous / next query of this session.
    HistoryPrev,
    HistoryNext,
    /// Search line editing.
    Backspace,
    /// Delete from the cursor to the start of the line (readline Ctrl-U).
    DeleteToStart,
    /// Delete the word before the cursor (readline Ctrl-W).
    DeleteWord,
    Undo,
    Redo,
    /// The calls of the loaded trace.
    ShowCalls,
    /// The codes (list, detail, compare).
    ShowCodes,
    /// Calls pane: failed calls only, or all again.
    ToggleFailed,
    /// Export what is shown as Markdown into the data directory.
    Export,
    /// Open a capture or log (the path prompt).
    OpenTrace,
    /// Open prompt: complete the path.
    Complete,
    /// Calls pane: the problems found in the input.
    ShowProblems,
    /// The status messages of this session, whole (a long one is cut on
    /// the status line).
    ShowLog,
    /// No action (used to keep a position in range).
    Null,
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
/// An upper-case letter: terminals disagree on whether it carries SHIFT.
const fn upper(c: char) -> [Key; 2] {
    [
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::SHIFT,
        },
        k(c),
    ]
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
    /// The footer hint (`"w walk"`: a key of the binding, then a word) and
    /// its rank: the footer shows the lowest ranks that fit; 0: never.
    pub foot: (u8, &'static str),
}

use Ctx::*;

const ANY: &[Ctx] = Ctx::ALL;
const BROWSE: &[Ctx] = &[List, Detail, Compare];
const SCROLLERS: &[Ctx] = &[Detail, Compare, Help, Message, Commands, Problems, Log];
const TEXT: &[Ctx] = &[Note, Paste];
const QUITTABLE: &[Ctx] = &[
    Calls, Call, List, Detail, Compare, Walk, Help, Message, Commands, Related, Problems, Log,
];
const NONE: (u8, &str) = (0, "");

/// The key that shows the status messages whole (named by the status line
/// where it cuts one).
pub const LOG_KEY: &str = "Ctrl-G";

const fn b(
    ctx: &'static [Ctx],
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    help: &'static str,
    foot: (u8, &'static str),
) -> Binding {
    Binding {
        ctx,
        keys,
        label,
        action,
        help,
        foot,
    }
}

const DIGITS: &[Key] = &[
    k('0'),
    k('1'),
    k('2'),
    k('3'),
    k('4'),
    k('5'),
    k('6'),
    k('7'),
    k('8'),
    k('9'),
];

/// The key map. Order matters only for display (help, README, footer ties).
pub const BINDINGS: &[Binding] = &[
    // Anywhere.
    b(
        ANY,
        &[ctrl('c')],
        "Ctrl-C",
        Action::ForceQuit,
        "quit from anywhere, saving first",
        NONE,
    ),
    b(
        &[
            Calls, CallFilter, Call, List, Detail, Compare, Search, Walk, Note, Paste, Message,
            Commands, Related, Open, Problems, Log,
        ],
        &[code(KeyCode::F(1))],
        "F1",
        Action::Help,
        "help: the keys of where you are first, then all others",
        NONE,
    ),
    b(
        ANY,
        &[ctrl('g')],
        LOG_KEY,
        Action::ShowLog,
        "the status messages of this session, whole, newest first (a long one is cut on the status line)",
        NONE,
    ),
    // Browsing: list, detail, compare.
    b(
        &[List, Detail, Compare, Message],
        &[k('/')],
        "/",
        Action::FocusSearch,
        "search: a fresh query (Up in the search line brings back earlier ones)",
        (2, "/ search"),
    ),
    b(
        BROWSE,
        DIGITS,
        "0-9",
        Action::Digit,
        "type a code's digits to jump to it (486)",
        NONE,
    ),
    b(
        &[List],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::Open,
        "open the highlighted code (with a pin: its comparison); on a Q.850 cause, its first SIP code",
        (3, "Enter open"),
    ),
    b(
        &[List],
        &[k('k'), code(KeyCode::Up)],
        "k / Up",
        Action::Up,
        "previous result",
        NONE,
    ),
    b(
        &[List],
        &[k('j'), code(KeyCode::Down)],
        "j / Down",
        Action::Down,
        "next result",
        (6, "j/k move"),
    ),
    b(
        &[List],
        &[k('g'), code(KeyCode::Home)],
        "g / Home",
        Action::Top,
        "first result",
        NONE,
    ),
    b(
        &[List],
        &[upper('G')[0], upper('G')[1], code(KeyCode::End)],
        "G / End",
        Action::Bottom,
        "last result",
        NONE,
    ),
    b(
        SCROLLERS,
        &[k('k'), code(KeyCode::Up)],
        "k / Up",
        Action::Up,
        "scroll up a line",
        NONE,
    ),
    b(
        SCROLLERS,
        &[k('j'), code(KeyCode::Down)],
        "j / Down",
        Action::Down,
        "scroll down a line",
        (6, "j/k scroll"),
    ),
    b(
        SCROLLERS,
        &[k('g'), code(KeyCode::Home)],
        "g / Home",
        Action::Top,
        "scroll to the top",
        NONE,
    ),
    b(
        SCROLLERS,
        &[upper('G')[0], upper('G')[1], code(KeyCode::End)],
        "G / End",
        Action::Bottom,
        "scroll to the end",
        NONE,
    ),
    b(
        &[List, Search],
        &[code(KeyCode::PageUp)],
        "PgUp",
        Action::PageUp,
        "scroll the detail up a page",
        NONE,
    ),
    b(
        &[List, Search],
        &[code(KeyCode::PageDown)],
        "PgDn",
        Action::PageDown,
        "scroll the detail down a page",
        NONE,
    ),
    b(
        SCROLLERS,
        &[code(KeyCode::PageUp)],
        "PgUp",
        Action::PageUp,
        "scroll up a page",
        NONE,
    ),
    b(
        SCROLLERS,
        &[code(KeyCode::PageDown)],
        "PgDn",
        Action::PageDown,
        "scroll down a page",
        (9, "PgDn page"),
    ),
    b(
        BROWSE,
        &[code(KeyCode::Tab)],
        "Tab",
        Action::NextPane,
        "next pane (list, detail, compare; then the calls, when a trace is loaded)",
        (4, "Tab pane"),
    ),
    b(
        BROWSE,
        &[
            code(KeyCode::BackTab),
            Key {
                code: KeyCode::BackTab,
                mods: KeyModifiers::SHIFT,
            },
        ],
        "Shift-Tab",
        Action::PrevPane,
        "previous pane (from the list: the calls, when a trace is loaded)",
        NONE,
    ),
    b(
        &[Detail, Compare],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "back to the result list",
        NONE,
    ),
    b(
        &[List, Detail],
        &[k(']')],
        "]",
        Action::NextStep,
        "highlight the next checklist step (the first one on screen to start)",
        (5, "] step"),
    ),
    b(
        &[List, Detail],
        &[k('[')],
        "[",
        Action::PrevStep,
        "highlight the previous checklist step",
        NONE,
    ),
    b(
        &[Detail],
        &[k(' ')],
        "Space",
        Action::ToggleStep,
        "mark the highlighted step done, or to do again",
        (7, "Space done"),
    ),
    b(
        &[Detail],
        &[k('d')],
        "d",
        Action::MarkDone,
        "mark the step done and go on",
        NONE,
    ),
    b(
        &[Detail],
        &[k('s')],
        "s",
        Action::MarkSkipped,
        "mark the step skipped and go on",
        NONE,
    ),
    b(
        &[Detail],
        &[k('f')],
        "f",
        Action::MarkFailed,
        "mark the step failed and go on",
        NONE,
    ),
    b(
        &[Detail],
        &[k('u')],
        "u",
        Action::MarkTodo,
        "mark the step to do again",
        NONE,
    ),
    b(
        &[Detail],
        &upper('R'),
        "R",
        Action::ResetProgress,
        "reset this code's progress (press twice)",
        NONE,
    ),
    b(
        &[Detail],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::StartWalk,
        "walk through the checklist from the highlighted step",
        NONE,
    ),
    b(
        &[Detail, Walk],
        &[k('y')],
        "y",
        Action::ShowCommands,
        "show the step's commands unwrapped, to copy them",
        (8, "y commands"),
    ),
    b(
        &[List, Detail, Compare, Message],
        &[k('w')],
        "w",
        Action::StartWalk,
        "walk through the checklist, one step at a time",
        (5, "w walk"),
    ),
    b(
        &[List, Detail, Compare, Message],
        &[k('n')],
        "n",
        Action::EditNote,
        "edit the note of the selected code (Esc saves and closes)",
        (6, "n note"),
    ),
    b(
        &[List, Detail],
        &upper('D'),
        "D",
        Action::DropConflicts,
        "drop the kept versions of the note (press twice)",
        NONE,
    ),
    b(
        BROWSE,
        &[k('c')],
        "c",
        Action::Pin,
        "pin the selected code: every code you then open is compared with it",
        (8, "c pin"),
    ),
    b(
        BROWSE,
        &upper('C'),
        "C",
        Action::Unpin,
        "unpin the compare code",
        NONE,
    ),
    b(
        BROWSE,
        &[k('x')],
        "x",
        Action::Swap,
        "swap the pinned and the selected code",
        NONE,
    ),
    b(
        BROWSE,
        &[k('r')],
        "r",
        Action::Related,
        "pick one of the related codes",
        (9, "r related"),
    ),
    b(
        BROWSE,
        &[k('b')],
        "b",
        Action::Back,
        "go back to the previous code",
        NONE,
    ),
    b(
        &[Calls, List, Detail, Compare, Message],
        &[k('p')],
        "p",
        Action::OpenPaste,
        "paste a raw SIP message to decode (or just paste it anywhere)",
        (7, "p paste"),
    ),
    b(
        BROWSE,
        &[k('m')],
        "m",
        Action::ShowMessage,
        "show the last decoded message",
        NONE,
    ),
    b(
        &[
            Calls, Call, List, Detail, Compare, Walk, Message, Commands, Related, Problems, Log,
        ],
        &[k('?')],
        "?",
        Action::Help,
        "help: the keys of where you are first, then all others",
        (1, "? help"),
    ),
    b(
        QUITTABLE,
        &[k('q')],
        "q",
        Action::Quit,
        "quit (outside text fields), saving first",
        (1, "q quit"),
    ),
    // The search line.
    b(
        &[Search],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::Open,
        "open the best result",
        (2, "Enter open"),
    ),
    b(
        &[Search],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "leave the search line (the query stays)",
        (1, "Esc leave"),
    ),
    b(
        &[Search],
        &[code(KeyCode::Tab)],
        "Tab",
        Action::NextPane,
        "go to the result list, keeping the query",
        (4, "Tab list"),
    ),
    b(
        &[Search],
        &[code(KeyCode::Up)],
        "Up",
        Action::HistoryPrev,
        "the previous query of this session",
        (3, "Up history"),
    ),
    b(
        &[Search],
        &[code(KeyCode::Down)],
        "Down",
        Action::HistoryNext,
        "the next query, back to what you typed",
        NONE,
    ),
    b(
        &[Search],
        &[ctrl('p')],
        "Ctrl-P",
        Action::Up,
        "previous result while typing",
        NONE,
    ),
    b(
        &[Search],
        &[ctrl('n')],
        "Ctrl-N",
        Action::Down,
        "next result while typing",
        (5, "^N/^P move"),
    ),
    b(
        &[Search, CallFilter, Open],
        &[code(KeyCode::Backspace)],
        "Backspace",
        Action::Backspace,
        "delete the last character",
        NONE,
    ),
    b(
        &[Search, CallFilter, Open, Note, Paste],
        &[ctrl('u')],
        "Ctrl-U",
        Action::DeleteToStart,
        "delete to the start of the line",
        NONE,
    ),
    b(
        &[Search, CallFilter, Open],
        &[ctrl('w')],
        "Ctrl-W",
        Action::DeleteWord,
        "delete the word before the cursor",
        NONE,
    ),
    // The walk-through.
    b(
        &[Walk],
        &[k('k'), code(KeyCode::Up)],
        "k / Up",
        Action::Up,
        "previous step",
        NONE,
    ),
    b(
        &[Walk],
        &[k('j'), code(KeyCode::Down)],
        "j / Down",
        Action::Down,
        "next step",
        (6, "j/k step"),
    ),
    b(
        &[Walk],
        &[code(KeyCode::PageUp)],
        "PgUp",
        Action::PageUp,
        "scroll the step up",
        NONE,
    ),
    b(
        &[Walk],
        &[code(KeyCode::PageDown)],
        "PgDn",
        Action::PageDown,
        "scroll the step down",
        (4, "PgDn scroll"),
    ),
    b(
        &[Walk],
        &[k(' ')],
        "Space",
        Action::ToggleStep,
        "mark the step done, or to do again",
        NONE,
    ),
    b(
        &[Walk],
        &[k('d')],
        "d",
        Action::MarkDone,
        "mark the step done and go on",
        (2, "d done"),
    ),
    b(
        &[Walk],
        &[k('s')],
        "s",
        Action::MarkSkipped,
        "mark the step skipped and go on",
        (3, "s skip"),
    ),
    b(
        &[Walk],
        &[k('f')],
        "f",
        Action::MarkFailed,
        "mark the step failed and go on",
        (3, "f failed"),
    ),
    b(
        &[Walk],
        &[k('u')],
        "u",
        Action::MarkTodo,
        "mark the step to do again",
        (5, "u to do"),
    ),
    b(
        &[Walk],
        &upper('R'),
        "R",
        Action::ResetProgress,
        "reset this code's progress (press twice)",
        (9, "R reset"),
    ),
    b(
        &[Walk, Message, Problems],
        &[k('b')],
        "b",
        Action::Leave,
        "back, as Esc (to the call's ladder when opened from a call)",
        NONE,
    ),
    b(
        &[Walk, Help, Message, Commands, Related, Problems, Log],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "close (never discards anything)",
        (1, "Esc close"),
    ),
    // The note editor and the paste box.
    b(
        &[Note],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::CloseNote,
        "save the note and close the editor",
        (1, "Esc save+close"),
    ),
    b(
        &[Note],
        &[ctrl('s')],
        "Ctrl-S",
        Action::SaveNote,
        "save the note and keep editing",
        (3, "^S save"),
    ),
    b(
        TEXT,
        &[ctrl('z')],
        "Ctrl-Z",
        Action::Undo,
        "undo the last change (a paste, a deletion), even after the editor was closed",
        (2, "^Z undo"),
    ),
    b(
        TEXT,
        &[ctrl('r')],
        "Ctrl-R",
        Action::Redo,
        "redo what Ctrl-Z undid",
        NONE,
    ),
    b(
        &[Paste],
        &[ctrl('d')],
        "Ctrl-D",
        Action::Decode,
        "decode the pasted message",
        (2, "^D decode"),
    ),
    b(
        &[Paste],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "close the paste box (the text is kept for next time)",
        (1, "Esc close"),
    ),
    // The step commands.
    b(
        &[Commands],
        &[k('h'), code(KeyCode::Left)],
        "h / Left",
        Action::Left,
        "scroll left",
        NONE,
    ),
    b(
        &[Commands],
        &[k('l'), code(KeyCode::Right)],
        "l / Right",
        Action::Right,
        "scroll right (a line cut at the edge ends in …, > in ASCII)",
        (3, "h/l scroll"),
    ),
    b(
        &[Commands],
        &[k('p'), code(KeyCode::Enter)],
        "p / Enter",
        Action::PrintCommands,
        "print the commands whole on the terminal's own screen to copy them (a key comes back)",
        (2, "p print whole"),
    ),
    // The related-code picker.
    b(
        &[Related],
        &[k('k'), code(KeyCode::Up)],
        "k / Up",
        Action::Up,
        "previous related code",
        NONE,
    ),
    b(
        &[Related],
        &[k('j'), code(KeyCode::Down)],
        "j / Down",
        Action::Down,
        "next related code",
        (3, "j/k move"),
    ),
    b(
        &[Related],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::Open,
        "open the highlighted code",
        (2, "Enter open"),
    ),
    b(
        &[Related],
        &DIGITS_1_9,
        "1-9",
        Action::Digit,
        "open the code with that number",
        (4, "1-9 pick"),
    ),
    // Opening a trace, from the panes and the calls.
    b(
        &[Calls, List, Detail, Compare],
        &[k('o')],
        "o",
        Action::OpenTrace,
        "open a capture or log (a path prompt; Tab completes)",
        (8, "o open"),
    ),
    b(
        &[List],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "back to the calls, when a trace is loaded",
        NONE,
    ),
    // The calls pane.
    b(
        &[Calls],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::Open,
        "open the highlighted call: its ladder and findings",
        (2, "Enter open"),
    ),
    b(
        &[Calls],
        &[k('k'), code(KeyCode::Up)],
        "k / Up",
        Action::Up,
        "previous call",
        NONE,
    ),
    b(
        &[Calls],
        &[k('j'), code(KeyCode::Down)],
        "j / Down",
        Action::Down,
        "next call",
        (7, "j/k move"),
    ),
    b(
        &[Calls],
        &[k('g'), code(KeyCode::Home)],
        "g / Home",
        Action::Top,
        "first call",
        NONE,
    ),
    b(
        &[Calls],
        &[upper('G')[0], upper('G')[1], code(KeyCode::End)],
        "G / End",
        Action::Bottom,
        "last call",
        NONE,
    ),
    b(
        &[Calls],
        &[code(KeyCode::PageUp)],
        "PgUp",
        Action::PageUp,
        "a page of calls up",
        NONE,
    ),
    b(
        &[Calls],
        &[code(KeyCode::PageDown)],
        "PgDn",
        Action::PageDown,
        "a page of calls down",
        NONE,
    ),
    b(
        &[Calls],
        &[k('/')],
        "/",
        Action::FocusSearch,
        "filter the calls: words, code:5xx, code:486, peer:10.0.0.5, finding:no-ack, method:REGISTER, outcome:failure, call:CALL-ID",
        (3, "/ filter"),
    ),
    b(
        &[Calls],
        &[k('f')],
        "f",
        Action::ToggleFailed,
        "failed calls only, or all calls again",
        (4, "f failed"),
    ),
    b(
        &[Calls, Call],
        &[k('w')],
        "w",
        Action::StartWalk,
        "walk the checklist of the failing response, with what it says for each step (an answered call: of the code its gravest finding leads to)",
        (5, "w walk"),
    ),
    b(
        &[Calls],
        &[k('e')],
        "e",
        Action::Export,
        "export the listed calls (the filter applied) as Markdown into the data directory",
        (9, "e export"),
    ),
    b(
        &[Calls],
        &[upper('!')[0], upper('!')[1]],
        "!",
        Action::ShowProblems,
        "the problems found in the input (truncated packets, TCP gaps, an assumed time zone...)",
        NONE,
    ),
    b(
        &[Calls],
        &[code(KeyCode::Tab), k('2')],
        "Tab / 2",
        Action::ShowCodes,
        "the codes: list, detail, compare (Shift-Tab or Esc in the list comes back)",
        (6, "Tab codes"),
    ),
    b(
        &[Calls],
        &[k('1')],
        "1",
        Action::ShowCalls,
        "the calls (where you are)",
        NONE,
    ),
    // The calls filter.
    b(
        &[CallFilter],
        &[code(KeyCode::Enter), code(KeyCode::Tab)],
        "Enter / Tab",
        Action::Open,
        "back to the calls, the filter kept",
        (2, "Enter done"),
    ),
    b(
        &[CallFilter],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "leave the filter line (the filter stays; Ctrl-U clears it)",
        (1, "Esc leave"),
    ),
    b(
        &[CallFilter],
        &[code(KeyCode::Up), ctrl('p')],
        "Up / Ctrl-P",
        Action::Up,
        "previous call while typing",
        NONE,
    ),
    b(
        &[CallFilter],
        &[code(KeyCode::Down), ctrl('n')],
        "Down / Ctrl-N",
        Action::Down,
        "next call while typing",
        (3, "Up/Down move"),
    ),
    // The call view.
    b(
        &[Call],
        &[k('k'), code(KeyCode::Up)],
        "k / Up",
        Action::Up,
        "previous message (in the findings: scroll up)",
        NONE,
    ),
    b(
        &[Call],
        &[k('j'), code(KeyCode::Down)],
        "j / Down",
        Action::Down,
        "next message (in the findings: scroll down)",
        (6, "j/k move"),
    ),
    b(
        &[Call],
        &[k('g'), code(KeyCode::Home)],
        "g / Home",
        Action::Top,
        "first message (in the findings: the top)",
        NONE,
    ),
    b(
        &[Call],
        &[upper('G')[0], upper('G')[1], code(KeyCode::End)],
        "G / End",
        Action::Bottom,
        "last message (in the findings: the end)",
        NONE,
    ),
    b(
        &[Call],
        &[code(KeyCode::PageUp)],
        "PgUp",
        Action::PageUp,
        "a page up (ladder or findings)",
        NONE,
    ),
    b(
        &[Call],
        &[code(KeyCode::PageDown)],
        "PgDn",
        Action::PageDown,
        "a page down (ladder or findings)",
        NONE,
    ),
    b(
        &[Call],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::Open,
        "show the highlighted message decoded, as a pasted one",
        (2, "Enter decode"),
    ),
    b(
        &[Call],
        &[code(KeyCode::Tab)],
        "Tab",
        Action::NextPane,
        "move between the ladder and the findings",
        (7, "Tab findings"),
    ),
    b(
        &[Call],
        &[k('e')],
        "e",
        Action::Export,
        "export this call as Markdown (ladder, findings, the failing response explained) into the data directory",
        (8, "e export"),
    ),
    b(
        &[Call],
        &[k('b'), code(KeyCode::Esc)],
        "b / Esc",
        Action::Leave,
        "back to the calls (the selection is kept)",
        (1, "b back"),
    ),
    // The open prompt.
    b(
        &[Open],
        &[code(KeyCode::Enter)],
        "Enter",
        Action::Open,
        "read the file and show its calls",
        (2, "Enter open"),
    ),
    b(
        &[Open],
        &[code(KeyCode::Tab)],
        "Tab",
        Action::Complete,
        "complete the path (again: the next candidate)",
        (3, "Tab complete"),
    ),
    b(
        &[Open],
        &[code(KeyCode::Esc)],
        "Esc",
        Action::Leave,
        "close (the path is kept for next time)",
        (1, "Esc close"),
    ),
];

/// A key with modifiers, for [`TEXT_AREA_KEYS`].
const fn with(c: KeyCode, mods: KeyModifiers) -> Key {
    Key { code: c, mods }
}

/// The keys the text area of the note editor and the paste box handles
/// itself, for the help and the README: they are in no binding (a key the
/// key map leaves unbound there goes to the text area), so the help,
/// generated from [`BINDINGS`], did not list them. (keys, label, what
/// they do), as a binding has them; a test checks that no binding takes
/// them in those contexts.
pub const TEXT_AREA_KEYS: &[(&[Key], &str, &str)] = &[
    (
        &[
            code(KeyCode::Left),
            code(KeyCode::Right),
            code(KeyCode::Up),
            code(KeyCode::Down),
        ],
        "arrows",
        "move the cursor",
    ),
    (
        &[code(KeyCode::Home), code(KeyCode::End)],
        "Home / End",
        "move to the start or the end of the line",
    ),
    (
        &[code(KeyCode::PageUp), code(KeyCode::PageDown)],
        "PgUp / PgDn",
        "move a page",
    ),
    (
        &[
            with(KeyCode::Left, KeyModifiers::SHIFT),
            with(KeyCode::Right, KeyModifiers::SHIFT),
            with(KeyCode::Up, KeyModifiers::SHIFT),
            with(KeyCode::Down, KeyModifiers::SHIFT),
        ],
        "Shift-arrows",
        "select text",
    ),
    (&[ctrl('x')], "Ctrl-X", "cut the selection"),
    (&[ctrl('k')], "Ctrl-K", "cut to the end of the line"),
    (&[ctrl('y')], "Ctrl-Y", "put back what was cut"),
    (&[ctrl('w')], "Ctrl-W", "delete the word before the cursor"),
    (
        &[ctrl('v')],
        "Ctrl-V",
        "page down (to paste, use the terminal's paste: sipfix receives it whole)",
    ),
];

const DIGITS_1_9: [Key; 9] = [
    k('1'),
    k('2'),
    k('3'),
    k('4'),
    k('5'),
    k('6'),
    k('7'),
    k('8'),
    k('9'),
];

fn same(k: &Key, ev: &KeyEvent) -> bool {
    // Terminals disagree on whether an upper-case letter carries SHIFT; the
    // table lists both forms where it matters, so compare exactly otherwise.
    k.code == ev.code && k.mods == ev.modifiers
}

/// Look a key press up. Key releases are ignored.
pub fn lookup(ctx: Ctx, ev: &KeyEvent) -> Option<Action> {
    binding(ctx, ev).map(|b| b.action)
}

/// The binding a key press hits in `ctx`.
pub fn binding(ctx: Ctx, ev: &KeyEvent) -> Option<&'static Binding> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .find(|b| b.ctx.contains(&ctx) && b.keys.iter().any(|k| same(k, ev)))
}

/// Where else a key does something, for "that key does nothing here"
/// messages: the first other context that binds it, and what it does there.
pub fn elsewhere(ctx: Ctx, ev: &KeyEvent) -> Option<(Ctx, &'static Binding)> {
    Ctx::ALL
        .iter()
        .filter(|c| **c != ctx)
        .find_map(|c| binding(*c, ev).map(|b| (*c, b)))
}

/// The footer hints of a context, most important first.
pub fn footer(ctx: Ctx) -> Vec<&'static str> {
    let mut rows: Vec<(u8, usize, &str)> = BINDINGS
        .iter()
        .enumerate()
        .filter(|(_, b)| b.ctx.contains(&ctx) && b.foot.0 > 0)
        .map(|(i, b)| (b.foot.0, i, b.foot.1))
        .collect();
    rows.sort();
    let mut out: Vec<&str> = Vec::new();
    for (_, _, h) in rows {
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// The call view's footer hints as they read while its findings have the
/// keys (after Tab): the same bindings, j/k scroll the findings and Tab
/// goes back to the ladder. (hint, as it reads then).
pub const CALL_FINDINGS_FOOTER: &[(&str, &str)] =
    &[("j/k move", "j/k scroll"), ("Tab findings", "Tab ladder")];

/// The footer of a context fitted to `width` columns: the most important
/// hints that fit, in order of importance, the help and quit keys always
/// kept when there is room for them at all.
pub fn footer_line(ctx: Ctx, width: usize) -> String {
    footer_line_with(ctx, width, &[])
}

/// [`footer_line`] with some hints reading otherwise (`swap`: hint, as it
/// reads), for a context whose keys act on another part of it (the call
/// view's findings, [`CALL_FINDINGS_FOOTER`]).
pub fn footer_line_with(ctx: Ctx, width: usize, swap: &[(&str, &'static str)]) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 0;
    let hints = footer(ctx).into_iter().map(|h| {
        swap.iter()
            .find(|(from, _)| *from == h)
            .map_or(h, |(_, to)| *to)
    });
    for h in hints {
        let add = if kept.is_empty() {
            h.len()
        } else {
            h.len() + 2
        };
        if used + add <= width {
            kept.push(h);
            used += add;
        }
    }
    // The keys that are always there (help, quit, close) go last, where
    // people look for them.
    let always: Vec<&str> = footer_always(ctx);
    let (last, first): (Vec<&str>, Vec<&str>) = kept.into_iter().partition(|h| always.contains(h));
    first.into_iter().chain(last).collect::<Vec<_>>().join("  ")
}

/// The footer hints of rank 1 in a context.
fn footer_always(ctx: Ctx) -> Vec<&'static str> {
    BINDINGS
        .iter()
        .filter(|b| b.ctx.contains(&ctx) && b.foot.0 == 1)
        .map(|b| b.foot.1)
        .collect()
}

/// A group of keys in the help and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Keys that work (nearly) everywhere.
    Anywhere,
    /// Keys of the three panes alike.
    Panes,
    /// The keys of one context (beyond the two groups above).
    Only(Ctx),
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Anywhere => "Anywhere",
            Section::Panes => "List, detail and compare",
            Section::Only(c) => c.title(),
        }
    }

    fn holds(self, b: &Binding) -> bool {
        let anywhere = b.ctx.len() + 2 >= Ctx::ALL.len();
        let panes = BROWSE.iter().all(|c| b.ctx.contains(c));
        match self {
            Section::Anywhere => anywhere,
            Section::Panes => panes && !anywhere,
            Section::Only(c) if BROWSE.contains(&c) => b.ctx.contains(&c) && !panes && !anywhere,
            Section::Only(c) => b.ctx.contains(&c) && !anywhere,
        }
    }
}

/// The help, grouped: (section, rows of (keys, what they do)). The
/// sections of `first` (where the help was opened) come first.
pub fn help_sections(first: Option<Ctx>) -> Vec<(Section, Vec<(&'static str, &'static str)>)> {
    let mut order: Vec<Section> = Vec::new();
    if let Some(f) = first {
        order.push(Section::Only(f));
        if BROWSE.contains(&f) {
            order.push(Section::Panes);
        }
    }
    for s in std::iter::once(Section::Anywhere)
        .chain(std::iter::once(Section::Panes))
        .chain(Ctx::ALL.iter().map(|c| Section::Only(*c)))
    {
        if !order.contains(&s) {
            order.push(s);
        }
    }
    order
        .into_iter()
        .map(|sec| {
            let mut rows: Vec<(&str, &str)> = Vec::new();
            for b in BINDINGS.iter().filter(|b| sec.holds(b)) {
                if !rows.iter().any(|(l, _)| *l == b.label) {
                    rows.push((b.label, b.help));
                }
            }
            // The editors' own keys, after those of the key map.
            if matches!(sec, Section::Only(c) if TEXT.contains(&c)) {
                rows.extend(TEXT_AREA_KEYS.iter().map(|(_, l, h)| (*l, *h)));
            }
            (sec, rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

/// The help as rows (section, keys, what they do), in the order of
/// [`help_sections`] with no context first: the README's key table.
pub fn help_rows() -> Vec<(&'static str, &'static str, &'static str)> {
    help_sections(None)
        .into_iter()
        .flat_map(|(sec, rows)| rows.into_iter().map(move |(l, h)| (sec.title(), l, h)))
        .collect()
}

/// The key of an event as people write it (`Ctrl-X`, `F1`, `x`), for
/// messages.
pub fn key_name(ev: &KeyEvent) -> String {
    let base = match ev.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Insert => "Insert".into(),
        KeyCode::Esc => "Esc".into(),
        _ => "that key".into(),
    };
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        if let KeyCode::Char(c) = ev.code {
            return format!("Ctrl-{}", c.to_ascii_uppercase());
        }
        return format!("Ctrl-{base}");
    }
    if ev.modifiers.contains(KeyModifiers::ALT) {
        return format!("Alt-{base}");
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn no_two_bindings_claim_the_same_key_in_one_context() {
        for ctx in Ctx::ALL {
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
    fn every_footer_hint_names_a_key_of_its_binding() {
        for b in BINDINGS.iter().filter(|b| b.foot.0 > 0) {
            let keys = b.foot.1.split(' ').next().unwrap();
            let keys: Vec<&str> = if keys == "/" {
                vec!["/"]
            } else {
                keys.split('/').collect()
            };
            for key in keys {
                // "^N" is how the footer writes Ctrl-N.
                let key = key.replace('^', "Ctrl-");
                let bound = BINDINGS
                    .iter()
                    .filter(|o| o.ctx.iter().any(|c| b.ctx.contains(c)))
                    .any(|o| o.label.split(" / ").any(|l| l == key));
                assert!(bound, "footer hint {:?} names {key:?}", b.foot.1);
            }
        }
    }

    /// The hints the call view's findings swap are the call view's.
    #[test]
    fn the_findings_footer_swaps_hints_of_the_call_view() {
        for (from, to) in CALL_FINDINGS_FOOTER {
            assert!(footer(Call).contains(from), "{from}");
            let line = footer_line_with(Call, 200, CALL_FINDINGS_FOOTER);
            assert!(line.contains(to) && !line.contains(from), "{line}");
        }
    }

    #[test]
    fn the_footer_keeps_help_and_quit_when_narrow() {
        for ctx in [List, Detail, Compare] {
            let f = footer_line(ctx, 40);
            assert!(f.contains("? help") && f.contains("q quit"), "{ctx:?}: {f}");
            assert!(f.len() <= 40);
        }
        assert!(footer_line(Walk, 200).contains("PgDn"));
    }

    #[test]
    fn the_documented_keys_do_what_they_say() {
        use KeyCode::*;
        let n = KeyModifiers::NONE;
        assert_eq!(lookup(List, &ev(Char('/'), n)), Some(Action::FocusSearch));
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
            lookup(List, &ev(Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(lookup(List, &ev(Char('C'), n)), Some(Action::Unpin));
        assert_eq!(
            lookup(Detail, &ev(BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(lookup(Walk, &ev(Char('d'), n)), Some(Action::MarkDone));
        assert_eq!(lookup(Detail, &ev(Char('d'), n)), Some(Action::MarkDone));
        assert_eq!(lookup(List, &ev(Char('d'), n)), None);
        assert_eq!(lookup(Search, &ev(Up, n)), Some(Action::HistoryPrev));
        for ctx in [Search, Note, Paste] {
            assert_eq!(
                lookup(ctx, &ev(Char('u'), KeyModifiers::CONTROL)),
                Some(Action::DeleteToStart),
                "{ctx:?}: Ctrl-U has one meaning"
            );
        }
        for ctx in Ctx::ALL {
            assert_eq!(
                lookup(*ctx, &ev(Char('c'), KeyModifiers::CONTROL)),
                Some(Action::ForceQuit),
                "{ctx:?}"
            );
            if *ctx != Help {
                assert_eq!(lookup(*ctx, &ev(F(1), n)), Some(Action::Help), "{ctx:?}");
            }
        }
    }

    /// The keys the help lists as the text area's reach it: no binding
    /// of the note editor or the paste box takes them first.
    #[test]
    fn the_text_area_keys_are_bound_to_nothing_in_the_editors() {
        for ctx in TEXT {
            let rows = &help_sections(Some(*ctx))[0].1;
            for (keys, label, help) in TEXT_AREA_KEYS {
                assert!(rows.contains(&(*label, *help)), "{ctx:?}: {label}");
                for key in *keys {
                    let ev = KeyEvent::new(key.code, key.mods);
                    assert_eq!(lookup(*ctx, &ev), None, "{ctx:?}: {label} {key:?}");
                }
            }
        }
    }

    #[test]
    fn a_key_bound_elsewhere_is_found() {
        let (ctx, b) = elsewhere(List, &ev(KeyCode::Char('d'), KeyModifiers::NONE)).unwrap();
        assert_eq!(ctx, Detail);
        assert_eq!(b.action, Action::MarkDone);
    }

    #[test]
    fn help_groups_by_context_and_starts_with_the_current_one() {
        let s = help_sections(Some(Walk));
        assert_eq!(s[0].0, Section::Only(Walk));
        assert!(s[0].1.iter().any(|(l, _)| *l == "d"));
        assert!(s.iter().any(|(c, _)| *c == Section::Only(Note)));
        let s = help_sections(Some(Detail));
        assert_eq!(s[0].0, Section::Only(Detail));
        assert_eq!(s[1].0, Section::Panes);
        // Every binding is in the help somewhere.
        let all = help_rows();
        for b in BINDINGS {
            assert!(all.iter().any(|(_, l, _)| *l == b.label), "{}", b.label);
        }
    }
}
