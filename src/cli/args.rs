//! The command-line arguments: the clap definition and nothing else. Parsed
//! arguments go through [`super::options::Options::from_args`] before any
//! command sees them; add a subcommand here and resolve it there.

use super::options::ExportFormat;
use crate::term::ColorWhen;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// The version and the commit the binary was built from (`sipfix --version`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SIPFIX_COMMIT"), ")");

/// Offline assistant for troubleshooting SIP response codes.
///
/// Run without arguments for the interactive terminal UI. `sipfix 486` is
/// short for `sipfix show 486`.
#[derive(Debug, Parser)]
#[command(name = "sipfix", version = VERSION, max_term_width = 100)]
pub struct Cli {
    /// When to use colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
    /// ASCII borders and symbols only (automatic when the locale is not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

/// The names of the subcommands (and `help`).
pub fn command_names() -> Vec<String> {
    names_of(&Cli::command())
}

fn names_of(cmd: &clap::Command) -> Vec<String> {
    cmd.get_subcommands()
        .map(|c| c.get_name().to_string())
        .chain(["help".to_string()])
        .collect()
}

/// Parse the command line, shorthand included, building clap's command
/// once (building it is most of what parsing costs at start-up). Bad
/// arguments print clap's message and exit, as `Parser::parse` does.
pub fn parse(argv: Vec<std::ffi::OsString>) -> Cli {
    let cmd = Cli::command();
    let argv = expand_with(&names_of(&cmd), argv);
    let mut matches = cmd.get_matches_from(argv);
    Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut Cli::command()).exit())
}

/// Rewrite `sipfix [OPTIONS] CODE...` as `sipfix [OPTIONS] show CODE...`:
/// the first argument that is neither an option nor a command name starts
/// a `show`. Everything else is left for clap to parse (and reject).
pub fn expand_shorthand(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    expand_with(&command_names(), args)
}

fn expand_with(names: &[String], args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--" {
            // `sipfix -- 486`: the show goes before the separator.
            if i + 1 < args.len() {
                let mut out = args;
                out.insert(i, "show".into());
                return out;
            }
            break;
        }
        if a == "--color" {
            i += 2;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            i += 1;
            continue;
        }
        break;
    }
    if i < args.len() && !names.iter().any(|n| *n == args[i].to_string_lossy()) {
        let mut out = args;
        out.insert(i, "show".into());
        return out;
    }
    args
}

/// Output format of a command.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct Format {
    /// Print JSON with stable keys (for scripts).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print Markdown (for tickets).
    #[arg(long)]
    pub markdown: bool,
}

/// JSON-only output flag.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct JsonOnly {
    /// Print JSON with stable keys (for scripts).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show the full entry of one or more codes: meaning, when you see it, how to fix.
    Show {
        #[arg(value_name = "CODE", required = true)]
        codes: Vec<String>,
        #[command(flatten)]
        format: Format,
    },
    /// List the codes, one line each.
    List {
        /// Only this class: 1xx, 2xx, 3xx, 4xx, 5xx or 6xx.
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        #[command(flatten)]
        format: JsonOnly,
    },
    /// Fuzzy search by number, reason phrase, keyword or symptom.
    Search {
        #[arg(value_name = "QUERY", required = true)]
        query: Vec<String>,
        /// Show at most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        format: JsonOnly,
    },
    /// Compare two codes: class contrast, key differences, when to use which.
    Compare {
        #[arg(value_name = "A")]
        a: String,
        #[arg(value_name = "B")]
        b: String,
        #[command(flatten)]
        format: Format,
    },
    /// Q.850 cause values and their RFC 3398 mapping to and from SIP.
    Q850 {
        /// A cause value (1-127); without it, all causes are listed.
        #[arg(value_name = "CAUSE", conflicts_with = "sip")]
        cause: Option<String>,
        /// Map this SIP response code to its Q.850 cause instead.
        #[arg(long, value_name = "CODE")]
        sip: Option<String>,
        #[command(flatten)]
        format: JsonOnly,
    },
    /// Decode a raw SIP message (from FILE, or stdin): every header and the code's checklist filled in.
    Explain {
        /// A file holding the message; `-` or nothing reads stdin.
        #[arg(value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        #[command(flatten)]
        format: Format,
    },
    /// Your notes and checklist progress: list them, print one, append to one, export a report.
    Notes {
        /// The code whose note to print (or append to with --add).
        #[arg(value_name = "CODE")]
        code: Option<String>,
        /// Append this line to the code's note (safe from several shells at once).
        #[arg(long, value_name = "TEXT", requires = "code")]
        add: Option<String>,
        /// Print a triage report of every code with notes or progress.
        #[arg(long, value_enum, value_name = "FORMAT", conflicts_with_all = ["code", "add"])]
        export: Option<ExportFormat>,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout.
    Man,
}

/// Shell completions for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sipfix", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The manual page, in roff.
pub fn man() -> std::io::Result<String> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
