//! Facts about the terminal and locale that decide how output looks.

use std::io::IsTerminal;

/// The `--color` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// NO_COLOR (https://no-color.org): set to anything non-empty disables colour.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `TERM=dumb` (or unset TERM): no cursor addressing, no colour.
pub fn term_is_dumb() -> bool {
    match std::env::var("TERM") {
        Ok(t) => t.is_empty() || t == "dumb",
        Err(_) => true,
    }
}

/// Whether the terminal named by `TERM` shows colour at all. sipfix uses
/// only the 16 named ANSI colours, written in their classic form, so any
/// colour terminal will do; `vt100`-family and `dumb` terminals (and no
/// `TERM`) get none.
pub fn term_has_color(term: Option<&str>) -> bool {
    let Some(t) = term.map(str::trim).filter(|t| !t.is_empty()) else {
        return false;
    };
    let t = t.to_ascii_lowercase();
    let mono = ["dumb", "vt52", "vt100", "vt102", "vt220", "vt320", "vt420"];
    !mono
        .iter()
        .any(|m| t == *m || t.starts_with(&format!("{m}-")))
}

/// [`term_has_color`] for this process's `TERM`.
pub fn term_has_color_env() -> bool {
    term_has_color(std::env::var("TERM").ok().as_deref())
}

/// True when the locale's character set is UTF-8 (LC_ALL, then LC_CTYPE,
/// then LANG, the first one set wins; none set means the C locale).
pub fn locale_is_utf8() -> bool {
    locale_is_utf8_from(|k| std::env::var(k).ok())
}

/// [`locale_is_utf8`] over any environment lookup (testable).
pub fn locale_is_utf8_from(get: impl Fn(&str) -> Option<String>) -> bool {
    for key in ["LC_ALL", "LC_CTYPE", "LANG"] {
        if let Some(v) = get(key).filter(|v| !v.is_empty()) {
            let v = v.to_ascii_lowercase();
            return v.contains("utf-8") || v.contains("utf8");
        }
    }
    false
}

/// Width for wrapped stdout text: the terminal's width when stdout is one
/// (capped at 100 for readability), else 80.
fn width_from(columns: Option<u16>) -> usize {
    match columns {
        Some(w) if w >= 20 => (w as usize).min(100),
        _ => 80,
    }
}

/// How output looks: colour, ASCII only, width. Decided once, from the
/// command line and the environment, by [`Appearance::resolve`]; the CLI
/// and the TUI both take it from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appearance {
    /// ANSI colour (the 16 named colours) and bold.
    pub color: bool,
    /// ASCII characters only: borders, bullets and symbols.
    pub ascii: bool,
    /// Width of wrapped stdout text, in columns (the TUI uses its own size).
    pub width: usize,
}

impl Default for Appearance {
    /// Plain output 80 columns wide: no colour, UTF-8 allowed.
    fn default() -> Self {
        Appearance {
            color: false,
            ascii: false,
            width: 80,
        }
    }
}

/// What [`Appearance::resolve`] reads from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// Stdout is a terminal.
    pub stdout_tty: bool,
    /// `NO_COLOR` is set to something non-empty.
    pub no_color: bool,
    /// `TERM` shows no colour: unset, empty, `dumb` or a `vt100`-family
    /// terminal (see [`term_has_color`]).
    pub dumb: bool,
    /// The locale's character set is UTF-8.
    pub utf8: bool,
    /// The terminal's width, when stdout is a terminal.
    pub columns: Option<u16>,
}

impl Env {
    /// The environment of this process.
    pub fn current() -> Env {
        let stdout_tty = std::io::stdout().is_terminal();
        Env {
            stdout_tty,
            no_color: no_color_env(),
            dumb: !term_has_color_env(),
            utf8: locale_is_utf8(),
            columns: if stdout_tty {
                crossterm::terminal::size().ok().map(|(w, _)| w)
            } else {
                None
            },
        }
    }
}

impl Appearance {
    /// The appearance for `--color` and `--ascii` in this process's
    /// environment.
    pub fn resolve(color: ColorWhen, ascii: bool) -> Appearance {
        Appearance::resolve_in(color, ascii, &Env::current())
    }

    /// [`Appearance::resolve`] in a given environment: colour when asked
    /// for, or (auto) on a terminal that is not dumb without `NO_COLOR`;
    /// ASCII when asked for or when the locale is not UTF-8; the terminal's
    /// width up to 100 columns, 80 when stdout is not a terminal.
    pub fn resolve_in(color: ColorWhen, ascii: bool, env: &Env) -> Appearance {
        Appearance {
            color: match color {
                ColorWhen::Always => true,
                ColorWhen::Never => false,
                ColorWhen::Auto => env.stdout_tty && !env.no_color && !env.dumb,
            },
            ascii: ascii || !env.utf8,
            width: width_from(env.columns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn appearance_from_flags_and_environment() {
        let tty = Env {
            stdout_tty: true,
            utf8: true,
            columns: Some(132),
            ..Env::default()
        };
        let a = Appearance::resolve_in(ColorWhen::Auto, false, &tty);
        assert_eq!(
            a,
            Appearance {
                color: true,
                ascii: false,
                width: 100
            }
        );
        let no_color = Env {
            no_color: true,
            ..tty.clone()
        };
        assert!(!Appearance::resolve_in(ColorWhen::Auto, false, &no_color).color);
        assert!(Appearance::resolve_in(ColorWhen::Always, false, &no_color).color);
        let dumb = Env {
            dumb: true,
            ..tty.clone()
        };
        assert!(!Appearance::resolve_in(ColorWhen::Auto, false, &dumb).color);
        let pipe = Env {
            utf8: false,
            ..Env::default()
        };
        let a = Appearance::resolve_in(ColorWhen::Auto, false, &pipe);
        assert!(!a.color && a.ascii);
        assert_eq!(a.width, 80);
        assert!(Appearance::resolve_in(ColorWhen::Never, true, &tty).ascii);
        assert!(!Appearance::resolve_in(ColorWhen::Never, true, &tty).color);
        let narrow = Env {
            columns: Some(60),
            ..tty
        };
        assert_eq!(
            Appearance::resolve_in(ColorWhen::Auto, false, &narrow).width,
            60
        );
    }

    #[test]
    fn colour_by_term() {
        for t in [
            "xterm-256color",
            "xterm",
            "screen",
            "screen-256color",
            "tmux-256color",
            "linux",
            "rxvt-unicode",
        ] {
            assert!(term_has_color(Some(t)), "{t}");
        }
        for t in ["vt100", "VT100", "vt220", "vt102-nam", "dumb", ""] {
            assert!(!term_has_color(Some(t)), "{t}");
        }
        assert!(!term_has_color(None));
    }

    #[test]
    fn locale_detection() {
        assert!(locale_is_utf8_from(env(&[("LANG", "en_US.UTF-8")])));
        assert!(locale_is_utf8_from(env(&[("LANG", "C.utf8")])));
        assert!(!locale_is_utf8_from(env(&[("LANG", "C")])));
        assert!(!locale_is_utf8_from(env(&[])));
        assert!(!locale_is_utf8_from(env(&[
            ("LC_ALL", "POSIX"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(locale_is_utf8_from(env(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "de_DE.UTF-8")
        ])));
    }
}
