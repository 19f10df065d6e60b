//! Turn a [`Doc`] into pre-wrapped ratatui lines. Wrapping here (rather than
//! in `Paragraph`) means the app knows exactly how many lines a document
//! takes and where each checklist step starts, for scrolling.

use super::theme::Theme;
use crate::doc::{Block, Doc};
use crate::render::{ascii_fold, wrap};
use ratatui::text::{Line, Span};

/// Wrapped lines and the first line of each checklist step.
#[derive(Debug, Default, Clone)]
pub struct Wrapped {
    pub lines: Vec<Line<'static>>,
    pub step_starts: Vec<usize>,
}

/// Render `doc` at `width` columns. `cursor` highlights one step.
pub fn doc_lines(doc: &Doc, width: u16, theme: Theme, cursor: Option<usize>) -> Wrapped {
    let w = width as usize;
    let fold = |s: String| if theme.ascii { ascii_fold(&s) } else { s };
    let mut out = Wrapped::default();
    let push = |out: &mut Wrapped, s: String, style| out.lines.push(Line::styled(fold(s), style));
    for b in doc {
        match b {
            Block::Title(t) => {
                for l in wrap(t, w, "", "") {
                    push(&mut out, l, theme.title());
                }
            }
            Block::Heading(h) => {
                out.lines.push(Line::default());
                push(&mut out, h.clone(), theme.heading());
            }
            Block::Para(p) => {
                for l in wrap(p, w, "", "") {
                    push(&mut out, l, ratatui::style::Style::new());
                }
            }
            Block::Field(k, v) => {
                let label = format!("{k}: ");
                let pad = " ".repeat(2);
                for (i, l) in wrap(v, w, &label, &pad).into_iter().enumerate() {
                    let l = fold(l);
                    if i == 0 && l.len() >= label.len() && l.is_char_boundary(label.len()) {
                        let (a, b) = l.split_at(label.len());
                        out.lines.push(Line::from(vec![
                            Span::styled(a.to_string(), theme.label()),
                            Span::raw(b.to_string()),
                        ]));
                    } else {
                        out.lines.push(Line::raw(l));
                    }
                }
            }
            Block::Bullets(items) => {
                for it in items {
                    for l in wrap(it, w, theme.bullet(), "  ") {
                        push(&mut out, l, ratatui::style::Style::new());
                    }
                }
            }
            Block::Steps(steps) => {
                for (i, s) in steps.iter().enumerate() {
                    out.step_starts.push(out.lines.len());
                    let mark = s.mark.map(|m| format!("{m} ")).unwrap_or_default();
                    let head = format!("{}. {mark}", i + 1);
                    let style = if cursor == Some(i) {
                        theme.selected()
                    } else {
                        theme.label()
                    };
                    for l in wrap(&s.title, w, &head, &" ".repeat(head.len())) {
                        push(&mut out, l, style);
                    }
                    for l in wrap(&s.detail, w, "   ", "   ") {
                        push(&mut out, l, ratatui::style::Style::new());
                    }
                    if !s.headers.is_empty() {
                        for l in wrap(&s.headers.join(", "), w, "   Headers: ", "   ") {
                            push(&mut out, l, theme.label());
                        }
                    }
                    for (tool, cmd) in &s.commands {
                        for l in wrap(cmd, w, &format!("   {tool}: "), "     ") {
                            push(&mut out, l, theme.hint());
                        }
                    }
                    if let Some(u) = &s.unverified {
                        let u = crate::render::unverified_text(u);
                        for l in wrap(&u, w, "   ", "   ") {
                            push(&mut out, l, theme.warning());
                        }
                    }
                }
            }
            Block::Warning(t) => {
                for l in wrap(t, w, "! ", "  ") {
                    push(&mut out, l, theme.warning());
                }
            }
        }
    }
    out
}

/// Plain text lines (already sanitised by the caller), wrapped.
pub fn text_lines(text: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for raw in text.split('\n') {
        if raw.is_empty() {
            out.push(Line::default());
            continue;
        }
        let indent: String = raw.chars().take_while(|c| *c == ' ').collect();
        for l in wrap(raw, width as usize, &indent, &format!("{indent}  ")) {
            out.push(Line::raw(if theme.ascii { ascii_fold(&l) } else { l }));
        }
    }
    out
}
