//! The commands of one checklist step, each on lines of its own at the
//! left edge, never wrapped, with no border beside them: select one with
//! the mouse (or tmux copy mode) and it copies whole. A command wider
//! than the screen is cut with a marker; `h`/`l` scroll sideways.

use super::{Reply, scroll};
use crate::tui::app::{App, Effect};
use crate::tui::keymap::Action;
use crate::tui::lines::cut_marker;
use crate::tui::view::fold;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

#[derive(Debug)]
pub struct Commands {
    pub code: u16,
    pub step: usize,
    pub scroll: usize,
    /// Columns scrolled to the right.
    pub hscroll: usize,
}

/// Rows above the commands: a title and a hint.
const HEAD: u16 = 2;

impl Commands {
    pub fn new(code: u16, step: usize) -> Commands {
        Commands {
            code,
            step,
            scroll: 0,
            hscroll: 0,
        }
    }

    /// (is a command, text) for each line: the tool, then its command.
    fn rows(&self, app: &App) -> Vec<(bool, String)> {
        let Ok(l) = app.kb.lookup(self.code) else {
            return Vec::new();
        };
        let Some(s) = l.entry.steps.get(self.step) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (tool, cmd) in &s.commands {
            if !out.is_empty() {
                out.push((false, String::new()));
            }
            out.push((false, format!("{tool}:")));
            out.push((true, fold(app, cmd)));
        }
        out
    }

    /// The longest line, in columns.
    fn widest(&self, app: &App) -> usize {
        self.rows(app)
            .iter()
            .map(|(_, t)| unicode_width::UnicodeWidthStr::width(t.as_str()))
            .max()
            .unwrap_or(0)
    }

    pub fn handle(&mut self, app: &mut App, a: Action) -> Reply {
        let body = app.panes().body;
        let width = body.width as usize;
        let h = body.height.saturating_sub(HEAD).max(1) as usize;
        match a {
            Action::Leave => return Reply::close(),
            Action::PrintCommands => {
                let text: Vec<String> = self.rows(app).into_iter().map(|(_, t)| t).collect();
                let mut r = Reply::stay();
                r.effects.push(Effect::PrintBelow(format!(
                    "Commands of step {} of {}:\n\n{}\n",
                    self.step + 1,
                    self.code,
                    text.join("\n")
                )));
                return r;
            }
            Action::Left => self.hscroll = self.hscroll.saturating_sub(width / 2),
            Action::Right => {
                let max = self.widest(app).saturating_sub(width.saturating_sub(1));
                if self.hscroll >= max {
                    app.info("the end of the longest command is on screen");
                }
                self.hscroll = (self.hscroll + width / 2).min(max);
            }
            _ => {
                let bottom = self.rows(app).len().saturating_sub(h);
                scroll(&mut self.scroll, a, h.saturating_sub(1).max(1), bottom);
            }
        }
        Reply::stay()
    }

    pub fn draw(&self, f: &mut Frame, app: &App, body: Rect) {
        f.render_widget(Clear, body);
        let t = app.theme;
        let width = body.width as usize;
        // Cut with the marker on a narrow screen, as the commands are.
        let head = |text: &str| window(text, 0, width, cut_marker(t));
        let title = Line::styled(
            head(&format!(
                "Commands of step {} of {} -- Esc closes, h/l scroll sideways",
                self.step + 1,
                self.code
            )),
            t.title(),
        );
        let hint = Line::styled(
            head("Select a command (mouse, tmux copy mode) to copy it; p prints them whole."),
            t.dim(),
        );
        let mut lines = vec![title, hint];
        let rows = self.rows(app);
        let h = body.height.saturating_sub(HEAD) as usize;
        for (is_cmd, text) in rows.iter().skip(self.scroll).take(h) {
            let shown = window(text, self.hscroll, width, cut_marker(t));
            lines.push(if *is_cmd {
                Line::styled(shown, t.hint())
            } else {
                Line::styled(shown, t.label())
            });
        }
        f.render_widget(Paragraph::new(lines), body);
    }
}

/// `text` from column `from` on, cut to `width` columns with `marker` at
/// the end when more follows.
fn window(text: &str, from: usize, width: usize, marker: &str) -> String {
    let mut col = 0;
    let mut out = String::new();
    let mut used = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let w = c.width().unwrap_or(0);
        if col < from {
            col += w;
            continue;
        }
        let room = if chars.peek().is_some() {
            width.saturating_sub(1)
        } else {
            width
        };
        if used + w > room {
            out.push_str(marker);
            return out;
        }
        out.push(c);
        used += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn a_long_command_is_cut_with_a_marker_and_scrolls_sideways() {
        let cmd = "tshark -r x.pcap -Y 'sip.Status-Code == 480'";
        assert_eq!(window(cmd, 0, 100, ">"), cmd);
        assert_eq!(window(cmd, 0, 10, ">"), "tshark -r>");
        assert_eq!(
            window(cmd, 10, 100, ">"),
            "x.pcap -Y 'sip.Status-Code == 480'"
        );
    }
}
