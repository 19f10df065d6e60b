//! Colours and symbols. Only the 16 named ANSI colours are used, and every
//! meaning carried by colour is also carried by a modifier (reverse, bold,
//! underline), so the UI reads the same with NO_COLOR or `--color never`.

use crate::kb::Class;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// How the TUI draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            color: true,
            ascii: false,
        }
    }
}

/// ASCII borders for terminals without UTF-8.
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn border_set(self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }
    /// Border of the focused pane: bold (and cyan with colour).
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }
    /// Colour of a response class in lists.
    pub fn class(self, c: Option<Class>) -> Style {
        let color = match c {
            Some(Class::Provisional) => Color::Blue,
            Some(Class::Success) => Color::Green,
            Some(Class::Redirection) => Color::Cyan,
            Some(Class::ClientFailure) => Color::Yellow,
            Some(Class::ServerFailure) => Color::Red,
            Some(Class::GlobalFailure) => Color::Magenta,
            None => Color::Reset,
        };
        self.fg(color)
    }
    /// The highlighted row: reverse video, so it survives without colour.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    /// Matched characters of a search hit.
    pub fn matched(self) -> Style {
        self.fg(Color::LightYellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn heading(self) -> Style {
        self.fg(Color::Cyan)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn label(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn warning(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn error(self) -> Style {
        self.fg(Color::Red)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
    pub fn hint(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub fn bullet(self) -> &'static str {
        if self.ascii { "- " } else { "• " }
    }
    pub fn cursor(self) -> &'static str {
        "_"
    }
}
