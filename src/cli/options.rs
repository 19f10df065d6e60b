//! The resolved options: what the parsed arguments and the environment
//! mean, in plain types. Nothing past this module sees the parser's types
//! (the TUI gets [`crate::tui::Options`], a command its [`Command`]).

use super::args::{self, Cli, Cmd};
use crate::term::Appearance;
use std::path::PathBuf;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Wrapped text for a terminal (colour and ASCII by the appearance).
    #[default]
    Text,
    /// JSON with stable keys.
    Json,
    /// Markdown for tickets.
    Markdown,
}

impl From<args::Format> for OutputFormat {
    fn from(f: args::Format) -> OutputFormat {
        if f.json {
            OutputFormat::Json
        } else if f.markdown {
            OutputFormat::Markdown
        } else {
            OutputFormat::Text
        }
    }
}

impl OutputFormat {
    /// JSON when `json` is set, else text.
    fn json_or_text(json: bool) -> OutputFormat {
        if json {
            OutputFormat::Json
        } else {
            OutputFormat::Text
        }
    }
}

impl From<args::NotesJson> for OutputFormat {
    fn from(f: args::NotesJson) -> OutputFormat {
        OutputFormat::json_or_text(f.json)
    }
}

impl From<args::JsonOnly> for OutputFormat {
    fn from(f: args::JsonOnly) -> OutputFormat {
        OutputFormat::json_or_text(f.json)
    }
}

/// Formats of `notes --export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A Markdown triage report for a ticket.
    Markdown,
    /// The notes and progress as JSON.
    Json,
}

/// What `sipfix notes` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotesCommand {
    /// List the codes with notes or progress.
    List { format: OutputFormat },
    /// Print the note of a code (as typed), or its note and progress as JSON.
    Print { code: String, format: OutputFormat },
    /// Append a line to the note of a code.
    Add { code: String, text: String },
    /// Drop the versions of a code's note kept after a concurrent edit.
    DropConflicts { code: String },
    /// A report of every code with notes or progress.
    Export(ExportFormat),
}

/// How `triage` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TriageOutput {
    #[default]
    Text,
    Json,
    Csv,
    Markdown,
}

/// `sipfix triage`, resolved (the filter values are checked by the
/// command, which refuses bad ones with exit status 2).
#[derive(Debug, Clone, PartialEq)]
pub struct TriageCommand {
    /// The inputs in order; `None` is standard input.
    pub inputs: Vec<Option<PathBuf>>,
    pub format: crate::trace::Format,
    pub failed: bool,
    pub code: Option<String>,
    pub peer: Option<String>,
    pub method: Option<String>,
    pub call: Option<String>,
    pub output: TriageOutput,
    pub export_pcap: Option<PathBuf>,
    /// Open the calls in the UI instead of printing.
    pub tui: bool,
}

impl From<args::TriageArgs> for TriageCommand {
    fn from(a: args::TriageArgs) -> TriageCommand {
        TriageCommand {
            inputs: a
                .files
                .into_iter()
                .map(|f| (f.as_os_str() != "-").then_some(f))
                .collect(),
            format: a.format.0,
            failed: a.failed,
            code: a.code,
            peer: a.peer,
            method: a.method,
            call: a.call,
            output: if a.json {
                TriageOutput::Json
            } else if a.csv {
                TriageOutput::Csv
            } else if a.markdown {
                TriageOutput::Markdown
            } else {
                TriageOutput::Text
            },
            export_pcap: a.export_pcap,
            tui: a.tui,
        }
    }
}

/// One non-interactive command, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Show {
        codes: Vec<String>,
        format: OutputFormat,
    },
    List {
        class: Option<String>,
        format: OutputFormat,
    },
    Search {
        /// The words of the query joined by single spaces.
        query: String,
        limit: usize,
        format: OutputFormat,
    },
    Compare {
        a: String,
        b: String,
        format: OutputFormat,
    },
    Q850 {
        cause: Option<String>,
        sip: Option<String>,
        format: OutputFormat,
    },
    Explain {
        /// `None` (or `-`): standard input.
        file: Option<PathBuf>,
        format: OutputFormat,
    },
    Notes(NotesCommand),
    Triage(TriageCommand),
    Completions(clap_complete::Shell),
    Man,
}

/// Everything a run of sipfix needs from its command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub appearance: Appearance,
    /// The command to run; `None` starts the TUI.
    pub command: Option<Command>,
}

impl Options {
    /// Resolve parsed arguments in this process's environment.
    pub fn from_args(cli: Cli) -> Options {
        Options::resolve(cli, Appearance::resolve)
    }

    /// Resolve parsed arguments with a given way to decide the appearance
    /// (testable).
    pub fn resolve(
        cli: Cli,
        appearance: impl FnOnce(crate::term::ColorWhen, bool) -> Appearance,
    ) -> Options {
        Options {
            appearance: appearance(cli.color, cli.ascii),
            command: cli.cmd.map(command),
        }
    }
}

fn command(cmd: Cmd) -> Command {
    match cmd {
        Cmd::Show { codes, format } => Command::Show {
            codes,
            format: format.into(),
        },
        Cmd::List { class, format } => Command::List {
            class,
            format: format.into(),
        },
        Cmd::Search {
            query,
            limit,
            format,
        } => Command::Search {
            query: query.join(" "),
            limit,
            format: format.into(),
        },
        Cmd::Compare { a, b, format } => Command::Compare {
            a,
            b,
            format: format.into(),
        },
        Cmd::Q850 { cause, sip, format } => Command::Q850 {
            cause,
            sip,
            format: format.into(),
        },
        Cmd::Explain { file, format } => Command::Explain {
            file: file.filter(|f| f.as_os_str() != "-"),
            format: format.into(),
        },
        Cmd::Notes {
            code,
            add,
            export,
            drop_conflicts,
            format,
        } => Command::Notes(match (export, code, add) {
            (Some(f), _, _) => NotesCommand::Export(f),
            (None, Some(code), None) if drop_conflicts => NotesCommand::DropConflicts { code },
            (None, Some(code), Some(text)) => NotesCommand::Add { code, text },
            (None, Some(code), None) => NotesCommand::Print {
                code,
                format: format.into(),
            },
            (None, None, _) => NotesCommand::List {
                format: format.into(),
            },
        }),
        Cmd::Triage(a) => Command::Triage(a.into()),
        Cmd::Completions { shell } => Command::Completions(shell),
        Cmd::Man => Command::Man,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn opts(argv: &[&str]) -> Options {
        let mut v = vec!["sipfix"];
        v.extend_from_slice(argv);
        let args = args::expand_shorthand(v.iter().map(Into::into).collect());
        Options::resolve(Cli::try_parse_from(args).unwrap(), |_, ascii| Appearance {
            ascii,
            ..Appearance::default()
        })
    }

    #[test]
    fn arguments_resolve_to_plain_commands() {
        assert_eq!(opts(&[]).command, None);
        assert_eq!(
            opts(&["486", "--json"]).command,
            Some(Command::Show {
                codes: vec!["486".into()],
                format: OutputFormat::Json
            })
        );
        assert_eq!(
            opts(&["search", "no", "answer"]).command,
            Some(Command::Search {
                query: "no answer".into(),
                limit: 20,
                format: OutputFormat::Text
            })
        );
        assert_eq!(
            opts(&["explain", "-", "--markdown"]).command,
            Some(Command::Explain {
                file: None,
                format: OutputFormat::Markdown
            })
        );
        assert_eq!(
            opts(&["notes", "486", "--add", "x"]).command,
            Some(Command::Notes(NotesCommand::Add {
                code: "486".into(),
                text: "x".into()
            }))
        );
        assert_eq!(
            opts(&["notes", "--export", "json"]).command,
            Some(Command::Notes(NotesCommand::Export(ExportFormat::Json)))
        );
        assert!(opts(&["--ascii", "list"]).appearance.ascii);
    }
}
