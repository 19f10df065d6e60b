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

/// Whether plain stdout output should carry ANSI colour.
pub fn stdout_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal() && !no_color_env() && term_has_color_env()
        }
    }
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
pub fn stdout_width() -> usize {
    if std::io::stdout().is_terminal()
        && let Ok((w, _)) = crossterm::terminal::size()
        && w >= 20
    {
        return (w as usize).min(100);
    }
    80
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
}
