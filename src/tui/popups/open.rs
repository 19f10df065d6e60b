//! The open prompt (`o`): type the path of a capture or log, Tab completes
//! it from the directory (listed by the run loop, an effect: no I/O here),
//! Enter reads it and shows its calls. Closing keeps the path for next
//! time.

use super::Reply;
use crate::sanitize;
use crate::tui::app::{App, Effect, Listing};
use crate::tui::keymap::Action;
use crate::tui::lines::left_cut;
use crate::tui::view::{block, centered, fold, popup_title};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;

#[derive(Debug, Default)]
pub struct OpenPrompt {
    /// The path typed (the cursor is at its end).
    pub text: String,
    /// The names the last completion found, shown under the line:
    /// (name, is a directory).
    pub candidates: Vec<(String, bool)>,
    /// Tab again after an ambiguous completion goes through the
    /// candidates: the one shown.
    cycle: Option<usize>,
    /// The directory part of the text the candidates are in.
    base: String,
    /// The text is what the prompt opened with (the trace's directory,
    /// the last path): a path typed or pasted from its root (`/`, `~`)
    /// replaces it instead of being added to it.
    offered: bool,
}

/// Candidates listed under the line at most.
const SHOWN: usize = 200;

impl OpenPrompt {
    pub fn new(text: String) -> OpenPrompt {
        OpenPrompt {
            offered: !text.is_empty(),
            text,
            ..OpenPrompt::default()
        }
    }

    /// The directory part of the text (up to its last `/`).
    fn dir_part(&self) -> &str {
        match self.text.rfind('/') {
            Some(i) => &self.text[..=i],
            None => "",
        }
    }

    fn edited(&mut self) {
        self.candidates.clear();
        self.cycle = None;
        self.offered = false;
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        match a {
            Action::Leave => Reply::close(),
            Action::Open => {
                let path = self.text.trim();
                if path.is_empty() {
                    app.info("type the path of a capture or log; Tab completes it");
                    return Reply::stay();
                }
                // What the file system says at once (no such file, a
                // directory) keeps the prompt open with the typed path, so
                // the next keys correct it instead of reaching the pane
                // behind (where `q` quits). Reading errors come later.
                let full = app.expand_home(path);
                match std::fs::metadata(&full) {
                    Err(e) => {
                        app.error(format!("{}: {}", sanitize::inline(path), os_error(&e)));
                        return Reply::stay();
                    }
                    Ok(m) if m.is_dir() => {
                        app.error(format!(
                            "{} is a directory: Tab lists what is in it",
                            sanitize::inline(path)
                        ));
                        return Reply::stay();
                    }
                    Ok(_) => {}
                }
                let fx = app.open_path(path);
                Reply {
                    close: true,
                    effects: fx,
                    ..Reply::default()
                }
            }
            Action::Complete => {
                if self.candidates.len() > 1 {
                    // Tab again: the next candidate.
                    let i = self.cycle.map_or(0, |i| (i + 1) % self.candidates.len());
                    self.cycle = Some(i);
                    let (name, dir) = &self.candidates[i];
                    self.text = format!("{}{name}{}", self.base, if *dir { "/" } else { "" });
                    self.offered = false;
                    return Reply::stay();
                }
                Reply::effects(vec![Effect::ListDir(app.expand_home(&self.text))])
            }
            Action::Backspace => {
                self.text.pop();
                self.edited();
                Reply::stay()
            }
            Action::DeleteToStart => {
                self.text.clear();
                self.edited();
                Reply::stay()
            }
            Action::DeleteWord => {
                // A path's word: back to the previous `/`.
                let keep = self.text.trim_end_matches('/').len();
                let cut = self.text[..keep].rfind('/').map_or(0, |i| i + 1);
                self.text.truncate(cut);
                self.edited();
                Reply::stay()
            }
            _ => Reply::stay(),
        }
    }

    /// A key for the line itself.
    pub fn input(&mut self, ev: KeyEvent) -> Reply {
        if let KeyCode::Char(c) = ev.code
            && !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            if self.offered && matches!(c, '/' | '~') {
                self.text.clear();
            }
            self.text.push(c);
            self.edited();
        }
        Reply::stay()
    }

    /// A paste: its first line. A whole path (from `/` or `~`) replaces
    /// the directory offered; anything else, or on a text the user edited
    /// (keys typed fast enough arrive as a "paste" too), is added to it.
    pub fn paste(&mut self, text: &str) -> Reply {
        let line = text.lines().next().unwrap_or("").trim();
        if self.offered && line.starts_with(['/', '~']) {
            self.text.clear();
        }
        self.text.push_str(line);
        self.edited();
        Reply::stay()
    }

    /// The directory listing asked for by Tab; returns what to say.
    pub fn listing(&mut self, home: Option<&str>, l: Listing) -> Option<String> {
        if l.typed != expand(home, &self.text) {
            // Typed on since: an answer to an older question.
            return None;
        }
        if let Some(e) = l.error {
            return Some(e);
        }
        let prefix = &self.text[self.dir_part().len()..];
        match l.entries.len() {
            0 => Some(format!(
                "nothing starts with '{}' there",
                sanitize::inline(prefix)
            )),
            1 => {
                let (name, dir) = &l.entries[0];
                self.text = format!("{}{name}{}", self.dir_part(), if *dir { "/" } else { "" });
                self.edited();
                None
            }
            n => {
                let common = common_prefix(l.entries.iter().map(|(n, _)| n.as_str()));
                if common.len() > prefix.len() {
                    self.text = format!("{}{common}", self.dir_part());
                    // Completing is the user's editing: a `/` now goes on
                    // (a Tab that completed nothing leaves the offer).
                    self.offered = false;
                }
                self.base = self.dir_part().to_string();
                self.candidates = l.entries;
                self.cycle = None;
                Some(format!("{n} candidates: Tab again goes through them"))
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        let h = (self.candidates.len().min(SHOWN) as u16)
            .saturating_add(4)
            .min(body.height);
        let r = centered(body, 76, h.max(5));
        f.render_widget(Clear, r);
        let title = popup_title(
            app,
            "Open a capture or log",
            &[
                "-- Tab completes, Enter reads it, Esc closes",
                "-- Tab completes, Esc closes",
            ],
            r.width,
        );
        let b = block(app, title, true);
        let inner = b.inner(r);
        f.render_widget(b, r);
        let t = app.theme;
        // The end of a long path stays in view (measured as shown: folded
        // to ASCII in ASCII mode).
        let shown = fold(app, &sanitize::inline(&self.text));
        let room = (inner.width as usize).saturating_sub(8);
        let tail = left_cut(&shown, room, if app.theme.ascii { '<' } else { '…' });
        let mut lines = vec![
            Line::from(vec![
                Span::styled("Path: ", t.label()),
                Span::raw(tail),
                Span::styled(t.cursor(), t.label()),
            ]),
            Line::default(),
        ];
        // Columns as wide as the longest name (a screen wide at most).
        let longest = self
            .candidates
            .iter()
            .map(|(n, _)| sanitize::inline(n).chars().count() + 1)
            .max()
            .unwrap_or(1);
        let col = longest.clamp(8, (inner.width as usize).max(9) - 1);
        let cols = (inner.width as usize / (col + 1)).max(1);
        for row in self.candidates.chunks(cols).take(SHOWN / cols) {
            let mut spans = Vec::new();
            for (i, (name, dir)) in row.iter().enumerate() {
                let mut n: String = sanitize::inline(name)
                    .chars()
                    .take(col.saturating_sub(1))
                    .collect();
                if *dir {
                    n.push('/');
                }
                let style = match self.cycle {
                    Some(c) if self.candidates.get(c).is_some_and(|x| x.0 == *name) => t.selected(),
                    _ if *dir => t.label(),
                    _ => ratatui::style::Style::new(),
                };
                if i > 0 {
                    spans.push(Span::raw(" "));
                }
                spans.push(Span::styled(format!("{:<col$}", fold(app, &n)), style));
            }
            lines.push(Line::from(spans));
        }
        if self.candidates.is_empty() {
            lines.push(Line::styled(
                "pcap, pcapng, gzip, PBX logs, sngrep or ngrep text, raw SIP",
                t.dim(),
            ));
        }
        crate::tui::view::put_lines(f, lines.iter(), inner);
    }
}

/// `~/x` as `$HOME/x` (nothing else is expanded).
pub fn expand(home: Option<&str>, path: &str) -> String {
    match (home, path.strip_prefix('~')) {
        (Some(h), Some(rest)) if rest.is_empty() || rest.starts_with('/') => format!("{h}{rest}"),
        _ => path.to_string(),
    }
}

/// The longest beginning all names share.
fn common_prefix<'a>(mut names: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = names.next() else {
        return String::new();
    };
    let mut len = first.len();
    for n in names {
        len = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    first[..len].to_string()
}

/// An I/O error as the system words it, without the error number.
fn os_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefixes() {
        assert_eq!(common_prefix(["abc", "abd"].into_iter()), "ab");
        assert_eq!(common_prefix(["x.pcap", "x.pcapng"].into_iter()), "x.pcap");
        assert_eq!(common_prefix(["é1", "é2"].into_iter()), "é");
        assert_eq!(common_prefix(["a", "b"].into_iter()), "");
        assert_eq!(expand(Some("/home/u"), "~/x.pcap"), "/home/u/x.pcap");
        assert_eq!(expand(Some("/home/u"), "~"), "/home/u");
        assert_eq!(expand(Some("/home/u"), "~bob/x"), "~bob/x");
        assert_eq!(expand(None, "~/x"), "~/x");
    }

    fn typed(p: &mut OpenPrompt, s: &str) {
        for c in s.chars() {
            p.input(KeyEvent::from(KeyCode::Char(c)));
        }
    }

    /// The prompt opens with the trace's directory: a name adds to it, a
    /// whole path typed or pasted replaces it; once edited, `/` is text.
    #[test]
    fn a_whole_path_replaces_the_offered_directory() {
        let mut p = OpenPrompt::new("/tmp/r4/".into());
        p.paste("/work/captures/ipip.pcap\n");
        assert_eq!(p.text, "/work/captures/ipip.pcap");
        let mut p = OpenPrompt::new("/tmp/r4/".into());
        typed(&mut p, "~/a.pcap");
        assert_eq!(p.text, "~/a.pcap");
        let mut p = OpenPrompt::new("/tmp/r4/".into());
        typed(&mut p, "sub/a.pcap");
        assert_eq!(p.text, "/tmp/r4/sub/a.pcap");
        let mut p = OpenPrompt::new("/tmp/r4/".into());
        p.paste("b.pcap");
        assert_eq!(p.text, "/tmp/r4/b.pcap");
        // On a text the user edited, a "paste" (keys typed fast arrive as
        // one) goes on from it.
        p.paste("/x.pcap");
        assert_eq!(p.text, "/tmp/r4/b.pcap/x.pcap");
        let mut p = OpenPrompt::new(String::new());
        typed(&mut p, "/a/b");
        assert_eq!(p.text, "/a/b");
        // A completion is editing too: the `/` after it goes on.
        let mut p = tabbed(&[("captures", true), ("captures-old", true)]);
        assert_eq!(p.text, "/tmp/r4/captures");
        typed(&mut p, "/a");
        assert_eq!(p.text, "/tmp/r4/captures/a");
        // A Tab that completed nothing leaves the directory offered.
        let mut p = tabbed(&[("sub", true), ("t.txt", false)]);
        assert_eq!(p.text, "/tmp/r4/");
        typed(&mut p, "/x");
        assert_eq!(p.text, "/x");
    }

    /// The prompt offering `/tmp/r4/` after a Tab that listed `entries`.
    fn tabbed(entries: &[(&str, bool)]) -> OpenPrompt {
        let mut p = OpenPrompt::new("/tmp/r4/".into());
        p.listing(
            None,
            Listing {
                typed: "/tmp/r4/".into(),
                entries: entries.iter().map(|&(n, d)| (n.to_string(), d)).collect(),
                error: None,
            },
        );
        p
    }

    /// A long path keeps its end in view, measured in display columns,
    /// after a mark that is not `~` (home, in this prompt).
    #[test]
    fn a_long_path_keeps_its_end() {
        assert_eq!(left_cut("/a/b.pcap", 20, '<'), "/a/b.pcap");
        assert_eq!(left_cut("/tmp/abcdef/x.pcap", 8, '<'), "</x.pcap");
        let cut = left_cut("/tmp/抓包文件/呼叫.pcap", 10, '…');
        assert_eq!(cut, "…呼叫.pcap");
        assert!(unicode_width::UnicodeWidthStr::width(cut.as_str()) <= 10);
    }
}
