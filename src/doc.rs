//! A small document model shared by every face of sipfix: the CLI renders a
//! [`Doc`] as text or Markdown, the TUI as ratatui lines. Building the content
//! once is what keeps `sipfix show 501` and the detail pane saying the same.

use crate::compare::Comparison;
use crate::kb::{Cause, Class, Kb, Lookup};

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document title (code and reason).
    Title(String),
    /// A section heading.
    Heading(String),
    /// A paragraph.
    Para(String),
    /// A label and its value on one line (`Class: 4xx request failure`).
    Field(String, String),
    /// A bulleted list.
    Bullets(Vec<String>),
    /// A checklist of steps.
    Steps(Vec<StepView>),
    /// A highlighted warning line (deprecated, unregistered).
    Warning(String),
    /// A list whose items may hold items of their own (a checklist step
    /// with its findings, a header with its meaning).
    Tree(Vec<Item>),
    /// Commands to run, by tool: a runnable command is never broken across
    /// lines (see [`crate::render`]).
    Commands(Vec<(String, String)>),
}

/// What starts an item of a [`Block::Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A bullet (`•`, or `-` in ASCII; `◦`/`*` one level down).
    Bullet,
    /// A number (`3.`): a checklist step.
    Number(usize),
    /// A checkbox mark (`[x]`): a step with its state.
    Check(&'static str),
}

/// One item of a [`Block::Tree`].
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub marker: Marker,
    /// Shown in bold before the text and never broken: a header name.
    pub label: Option<String>,
    pub text: String,
    /// The text is copied from a message: a code span in Markdown.
    pub verbatim: bool,
    pub children: Vec<Item>,
}

impl Item {
    /// A bulleted item.
    pub fn bullet(text: impl Into<String>) -> Item {
        Item {
            marker: Marker::Bullet,
            label: None,
            text: text.into(),
            verbatim: false,
            children: Vec::new(),
        }
    }

    /// A numbered item.
    pub fn numbered(n: usize, text: impl Into<String>) -> Item {
        Item {
            marker: Marker::Number(n),
            ..Item::bullet(text)
        }
    }

    /// The same item with a label.
    pub fn label(mut self, label: impl Into<String>) -> Item {
        self.label = Some(label.into());
        self
    }

    /// The same item, its text marked as copied from a message.
    pub fn verbatim(mut self) -> Item {
        self.verbatim = true;
        self
    }

    /// The same item with children.
    pub fn children(mut self, children: Vec<Item>) -> Item {
        self.children = children;
        self
    }
}

/// One checklist step as displayed.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    /// Checkbox mark when progress is shown (`[x]`), else `None`.
    pub mark: Option<&'static str>,
    pub title: String,
    pub detail: String,
    pub headers: Vec<String>,
    /// (tool, command) pairs.
    pub commands: Vec<(String, String)>,
    /// What in the step is not checked against a source, if anything.
    pub unverified: Option<String>,
}

/// A document: a list of blocks.
pub type Doc = Vec<Block>;

/// The full entry for a looked-up code. `marks`, when given, holds one
/// checkbox mark per step (the TUI passes the saved progress).
pub fn show(kb: &Kb, l: &Lookup<'_>, marks: Option<&[&'static str]>) -> Doc {
    let e = l.entry;
    let mut d = Vec::new();
    if l.fallback {
        d.push(Block::Title(format!("SIP {} (unregistered code)", l.code)));
        d.push(Block::Warning(format!(
            "{} is not in the IANA registry. RFC 3261 §8.1.3.2: a client that does not recognise it treats it as {} {}; that entry follows.",
            l.code, e.code, e.reason
        )));
    } else {
        d.push(Block::Title(format!("SIP {} {}", e.code, e.reason)));
    }
    if !e.registered {
        d.push(Block::Warning(format!(
            "{} is not registered with IANA: seen in the wild, handle it as {} (RFC 3261 §8.1.3.2).",
            e.code,
            Class::of(e.code).map_or(e.code / 100 * 100, Class::understood_as)
        )));
    }
    if e.deprecated {
        d.push(Block::Warning(format!(
            "Deprecated: {}",
            e.deprecated_note.as_deref().unwrap_or("")
        )));
    }
    d.push(Block::Field(
        "Class".into(),
        format!(
            "{} {} -- {}",
            l.class.label(),
            l.class.name(),
            l.class.meaning()
        ),
    ));
    d.push(Block::Field("Summary".into(), e.summary.to_string()));
    d.push(Block::Field("References".into(), e.references.join(", ")));
    if let Some(u) = &e.unverified {
        d.push(Block::Warning(crate::render::unverified_text(u)));
    }
    d.push(Block::Heading("What it means".into()));
    d.push(Block::Para(e.description.to_string()));
    d.push(Block::Heading("When you see it".into()));
    d.push(Block::Bullets(e.when.to_strings()));
    d.push(Block::Field("Sent by".into(), e.senders.join(", ")));
    if !e.methods.is_empty() {
        d.push(Block::Field("In answer to".into(), e.methods.join(", ")));
    }
    d.push(Block::Heading("How to fix".into()));
    d.push(Block::Steps(
        e.steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepView {
                mark: marks.and_then(|m| m.get(i).copied()),
                title: s.title.to_string(),
                detail: s.detail.to_string(),
                headers: s.headers.to_strings(),
                commands: s
                    .commands
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                unverified: s.unverified.as_ref().map(String::from),
            })
            .collect(),
    ));
    d.push(Block::Heading("Retry and forking".into()));
    d.push(Block::Para(e.retry.to_string()));
    if let Some(f) = &e.forking {
        d.push(Block::Para(f.to_string()));
    }
    d.push(Block::Heading("Q.850 (RFC 3398)".into()));
    d.extend(q850_for_sip(kb, l.code));
    if !e.related.is_empty() {
        d.push(Block::Field(
            "Related".into(),
            e.related
                .iter()
                .map(|c| match kb.get(*c) {
                    Some(r) => format!("{} {}", c, r.reason),
                    None => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    d
}

/// A warning line for an entry that comes from the user's overrides file.
pub fn local_origin(code: u16) -> Option<Block> {
    let (_, _, local) = crate::kb::overrides::global();
    local.contains(&code).then(|| {
        let path = crate::kb::overrides::overrides_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "overrides.toml".into());
        Block::Warning(format!("Local entry from {path}, not the built-in one."))
    })
}

/// The Q.850 lines for a SIP code: its RFC 3398 §8.2.6.1 cause (the
/// section's default marked as such), the causes that §7.2.4.1 maps to this
/// code, and vendor deviations.
pub fn q850_for_sip(kb: &Kb, code: u16) -> Doc {
    let mut d = Vec::new();
    let m = kb.sip_mapping(code);
    let to_isup = match (m.cause, m.default) {
        (Some(c), false) => format!("cause {} {} (RFC 3398 §8.2.6.1)", c.cause, c.name),
        (Some(c), true) => format!(
            "cause {} {} -- the default of RFC 3398 §8.2.6.1{}",
            c.cause,
            c.name,
            match m.alt {
                Some(a) => format!("; cause {} {} in the case below", a.cause, a.name),
                None => ", whose table does not list this code".to_string(),
            }
        ),
        (None, _) if code >= 400 => {
            "none: RFC 3398 §8.2.6.1 gives this code no mapping".to_string()
        }
        (None, _) => "none: RFC 3398 §8.2.6.1 maps only failure responses (4xx-6xx)".to_string(),
    };
    d.push(Block::Field("To ISUP".into(), to_isup));
    if let Some(n) = m.note {
        d.push(Block::Para(n.to_string()));
    }
    let mut from: Vec<String> = kb
        .causes
        .values()
        .filter(|c| c.sip.contains(&code))
        .map(|c| format!("{} {}", c.cause, c.name))
        .collect();
    if code == crate::kb::DEFAULT_SIP_FOR_CAUSE {
        from.push("any cause the table does not list (its default)".into());
    }
    if !from.is_empty() {
        d.push(Block::Field(
            "From ISUP".into(),
            format!("causes {} (RFC 3398 §7.2.4.1)", from.join("; ")),
        ));
    }
    let devs: Vec<String> = kb
        .deviations_for_sip(code)
        .map(|v| format!("{} ({}): {}", v.vendor, v.direction, v.note))
        .collect();
    if !devs.is_empty() {
        d.push(Block::Bullets(devs));
    }
    d
}

/// A Q.850 cause with its mappings both ways and vendor deviations.
pub fn q850_cause(kb: &Kb, c: &Cause) -> Doc {
    let mut d = vec![
        Block::Title(format!("Q.850 cause {} {}", c.cause, c.name)),
        Block::Field("Class".into(), c.class.to_string()),
    ];
    if !c.summary.is_empty() {
        d.push(Block::Para(c.summary.to_string()));
    }
    let (sip, default) = kb.sip_for_cause(c);
    let names = sip
        .iter()
        .map(|s| match kb.get(*s) {
            Some(e) => format!("{} {}", s, e.reason),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let to_sip = if default {
        format!("{names} -- the default of RFC 3398 §7.2.4.1, whose table does not list this cause")
    } else if sip.is_empty() {
        "no response: RFC 3398 §7.2.4.1 sends none for this cause".to_string()
    } else {
        format!("{names} (RFC 3398 §7.2.4.1)")
    };
    d.push(Block::Field("To SIP".into(), to_sip));
    if let Some(n) = &c.sip_note {
        d.push(Block::Para(n.to_string()));
    }
    let mut back: Vec<String> = Vec::new();
    for (s, row) in &kb.sip_to_cause {
        if row.cause == Some(c.cause) {
            back.push(if row.default {
                format!("{s} by default")
            } else {
                s.to_string()
            });
        } else if row.alt_cause == Some(c.cause) {
            back.push(format!("{s} in the case its note gives"));
        }
    }
    if c.cause == crate::kb::DEFAULT_CAUSE_FOR_SIP {
        back.push("any 4xx-6xx code the table does not list (its default)".into());
    }
    if !back.is_empty() {
        d.push(Block::Field(
            "From SIP".into(),
            format!("{} (RFC 3398 §8.2.6.1)", back.join(", ")),
        ));
    }
    let devs: Vec<String> = kb
        .deviations_for_cause(c.cause)
        .map(|v| {
            format!(
                "{} ({}, SIP {}): {} [{}]",
                v.vendor, v.direction, v.sip, v.note, v.source
            )
        })
        .collect();
    if !devs.is_empty() {
        d.push(Block::Heading("Vendor deviations".into()));
        d.push(Block::Bullets(devs));
    }
    d
}

/// A comparison as a document.
pub fn compare(c: &Comparison<'_>) -> Doc {
    let mut d = vec![
        Block::Title(c.title()),
        Block::Para(c.class_line.clone()),
        Block::Heading("Key differences".into()),
        Block::Bullets(c.differences.clone()),
        Block::Heading("When to use which".into()),
        Block::Field(c.a.code.to_string(), c.use_a.clone()),
        Block::Field(c.b.code.to_string(), c.use_b.clone()),
    ];
    for l in [&c.a, &c.b] {
        let e = l.entry;
        d.push(Block::Heading(format!(
            "{} {}",
            l.code,
            if l.fallback {
                "(unregistered)"
            } else {
                &e.reason
            }
        )));
        d.push(Block::Para(e.description.to_string()));
        d.push(Block::Field("When you see it".into(), e.when.join(" ")));
        d.push(Block::Field(
            "How to fix".into(),
            e.steps
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}. {}", i + 1, s.title))
                .collect::<Vec<_>>()
                .join("  "),
        ));
    }
    d
}
