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
/// once for the typo check, the shorthand and the parse (building it is
/// most of what parsing costs at start-up). `Err` holds a mistyped command
/// and the one meant ([`mistyped_command`]); other bad arguments print
/// clap's message and exit, as `Parser::parse` does.
pub fn parse(argv: Vec<std::ffi::OsString>) -> Result<Cli, (String, String)> {
    let cmd = Cli::command();
    let names = names_of(&cmd);
    if let Some(typo) = mistyped_in(&names, &argv) {
        return Err(typo);
    }
    let mut matches = cmd.get_matches_from(expand_with(&names, argv, &path_exists));
    Ok(Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|e| e.format(&mut Cli::command()).exit()))
}

/// Where the first argument that is not an option is (`sipfix --ascii 486`:
/// 2), and whether a `--` separator comes right before it.
fn first_positional(args: &[std::ffi::OsString]) -> Option<(usize, bool)> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--" {
            return (i + 1 < args.len()).then_some((i, true));
        }
        if a == "--color" {
            i += 2;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            i += 1;
            continue;
        }
        return Some((i, false));
    }
    None
}

/// Rewrite the shorthands: `sipfix [OPTIONS] CODE...` as `sipfix
/// [OPTIONS] show CODE...`, and `sipfix [OPTIONS] FILE...` as `sipfix
/// [OPTIONS] triage --tui FILE...` (the UI on the trace). The first
/// argument that is neither an option nor a command name decides: digits
/// are a code, always (a file named `486` opens with `./486`); an existing
/// path, or one that looks like a trace (a `/` in it, or a capture or log
/// extension), is a trace; anything else is a code for `show` to check.
/// Everything else is left for clap to parse (and reject).
pub fn expand_shorthand(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    expand_with(&command_names(), args, &path_exists)
}

/// [`expand_shorthand`] with a given test of whether a path exists.
pub fn expand_shorthand_with(
    args: Vec<std::ffi::OsString>,
    exists: impl Fn(&std::ffi::OsStr) -> bool,
) -> Vec<std::ffi::OsString> {
    expand_with(&command_names(), args, &exists)
}

fn path_exists(p: &std::ffi::OsStr) -> bool {
    std::path::Path::new(p).exists()
}

fn expand_with(
    names: &[String],
    args: Vec<std::ffi::OsString>,
    exists: &impl Fn(&std::ffi::OsStr) -> bool,
) -> Vec<std::ffi::OsString> {
    match first_positional(&args) {
        // `sipfix -- 486`: the show goes before the separator.
        Some((i, true)) => {
            let mut out = args;
            out.insert(i, "show".into());
            out
        }
        Some((i, false)) if !names.iter().any(|n| *n == args[i].to_string_lossy()) => {
            let mut out = args;
            if is_trace_path(&out[i], exists) {
                out.insert(i, "--tui".into());
                out.insert(i, "triage".into());
            } else {
                out.insert(i, "show".into());
            }
            out
        }
        _ => args,
    }
}

/// Whether a first argument names a trace rather than a code (see
/// [`expand_shorthand`]).
pub fn is_trace_path(arg: &std::ffi::OsStr, exists: &impl Fn(&std::ffi::OsStr) -> bool) -> bool {
    let s = arg.to_string_lossy();
    if s.is_empty() || s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    const EXTENSIONS: [&str; 8] = [
        ".pcap", ".pcapng", ".cap", ".gz", ".log", ".txt", ".sip", ".data",
    ];
    exists(arg)
        || s.contains('/')
        || EXTENSIONS
            .iter()
            .any(|e| s.to_ascii_lowercase().ends_with(e))
}

/// The command a mistyped first word was likely meant to be: `serach` is
/// `search`. `None` for a command name, a number, or a word no command
/// name is close to (`sipfix 486`, `sipfix busy`).
pub fn mistyped_command(args: &[std::ffi::OsString]) -> Option<(String, String)> {
    mistyped_in(&command_names(), args)
}

fn mistyped_in(names: &[String], args: &[std::ffi::OsString]) -> Option<(String, String)> {
    let (i, false) = first_positional(args)? else {
        return None;
    };
    // A file that happens to look like a command name is a file.
    if std::path::Path::new(&args[i]).exists() {
        return None;
    }
    let word = args[i].to_string_lossy().to_ascii_lowercase();
    if !word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') || word.len() < 2 {
        return None;
    }
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if names.contains(&word) {
        return None;
    }
    names
        .iter()
        .filter(|n| *n != "help")
        .map(|n| (edit_distance(&word, n), n))
        // One edit for short names, two from six letters on.
        .filter(|(d, n)| *d <= if n.len() >= 6 { 2 } else { 1 } && *d < word.len())
        .min()
        .map(|(_, n)| (args[i].to_string_lossy().into_owned(), n.clone()))
}

/// Edit distance with adjacent transpositions counted as one edit (optimal
/// string alignment): `serach` to `search` is 1.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
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

/// `notes --json`: not with `--add` or `--export`.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct NotesJson {
    /// Print JSON with stable keys (for scripts).
    #[arg(long, conflicts_with_all = ["add", "export"])]
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
    /// List the codes, one line each (a table in Markdown).
    List {
        /// Only this class: 1xx, 2xx, 3xx, 4xx, 5xx or 6xx.
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Fuzzy search by number, reason phrase, keyword or symptom.
    Search {
        #[arg(value_name = "QUERY", required = true)]
        query: Vec<String>,
        /// Show at most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        format: Format,
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
        /// Drop the versions of the code's note kept after a concurrent edit.
        #[arg(long, requires = "code", conflicts_with_all = ["add", "export", "json"])]
        drop_conflicts: bool,
        /// Print a triage report of every code with notes or progress.
        #[arg(long, value_enum, value_name = "FORMAT", conflicts_with_all = ["code", "add"])]
        export: Option<ExportFormat>,
        /// Print the list (or the code's note and progress) as JSON.
        #[command(flatten)]
        format: NotesJson,
    },
    /// Triage a whole trace (capture or PBX log): every call, the failures grouped and explained.
    Triage(TriageArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout.
    Man,
}

/// The input format of `triage --format`: the readers' formats, by the
/// names `trace::format_name` gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceFormat(pub crate::trace::Format);

impl clap::ValueEnum for TraceFormat {
    fn value_variants<'a>() -> &'a [Self] {
        use crate::trace::Format::*;
        &[
            TraceFormat(Auto),
            TraceFormat(Pcap),
            TraceFormat(Pcapng),
            TraceFormat(Pjsip),
            TraceFormat(ChanSip),
            TraceFormat(Sofia),
            TraceFormat(Sipdump),
            TraceFormat(Sngrep),
            TraceFormat(Ngrep),
            TraceFormat(Raw),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(
            crate::trace::format_name(self.0),
        ))
    }
}

/// The arguments of `triage`.
#[derive(Debug, Args, Clone)]
pub struct TriageArgs {
    /// Capture or log files (pcap, pcapng, gzip, PBX logs); `-` reads stdin. Several merge into one timeline.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// The input format; auto detects it from the content.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "auto")]
    pub format: TraceFormat,
    /// Only failed calls (not answered, busy, cancelled or declined).
    #[arg(long)]
    pub failed: bool,
    /// Only calls whose final code is this one (486) or in this class (4xx).
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
    /// Only calls with a message from or to this address (IP or IP:PORT).
    #[arg(long, value_name = "IP[:PORT]")]
    pub peer: Option<String>,
    /// Only calls of this method (INVITE, REGISTER, ...).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// One call in detail: ladder, findings, the failing response explained (a unique beginning of the Call-ID is enough).
    #[arg(long, value_name = "CALL-ID", allow_hyphen_values = true)]
    pub call: Option<String>,
    /// Print JSON with stable keys (for scripts).
    #[arg(long, conflicts_with_all = ["csv", "markdown"])]
    pub json: bool,
    /// Print CSV, one row per call.
    #[arg(long, conflicts_with = "markdown")]
    pub csv: bool,
    /// Print Markdown (for tickets).
    #[arg(long)]
    pub markdown: bool,
    /// Write the packets of the selected calls (after the filters) to a new pcap file (never over an existing one; - for standard output instead of the report).
    #[arg(long, value_name = "OUT")]
    pub export_pcap: Option<std::path::PathBuf>,
    /// Open the calls in the interactive UI instead of printing a report (the filters and --call apply there; sipfix FILE does the same).
    #[arg(long, conflicts_with_all = ["json", "csv", "markdown", "export_pcap"])]
    pub tui: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("sipfix")
            .chain(a.iter().copied())
            .map(Into::into)
            .collect()
    }

    #[test]
    fn a_file_opens_the_ui_on_it_and_digits_stay_a_code() {
        let exists = |p: &std::ffi::OsStr| p == "capture" || p == "486";
        let x = |a: &[&str]| -> Vec<String> {
            expand_shorthand_with(argv(a), exists)
                .into_iter()
                .skip(1)
                .map(|s| s.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            x(&["486"]),
            ["show", "486"],
            "digits are a code, even with a file 486"
        );
        assert_eq!(x(&["./486"]), ["triage", "--tui", "./486"]);
        assert_eq!(x(&["capture"]), ["triage", "--tui", "capture"]);
        assert_eq!(
            x(&["--ascii", "a.pcap", "b.log"]),
            ["--ascii", "triage", "--tui", "a.pcap", "b.log"]
        );
        assert_eq!(
            x(&["missing.pcapng"]),
            ["triage", "--tui", "missing.pcapng"]
        );
        assert_eq!(x(&["busy"]), ["show", "busy"]);
        assert_eq!(x(&["triage", "x.pcap"]), ["triage", "x.pcap"]);
        let cli = Cli::try_parse_from(expand_shorthand_with(argv(&["x.pcap"]), exists)).unwrap();
        match cli.cmd {
            Some(Cmd::Triage(t)) => assert!(t.tui),
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(argv(&["triage", "x.pcap", "--tui", "--json"])).is_err());
    }

    #[test]
    fn a_mistyped_command_is_recognised() {
        let m = |a: &[&str]| mistyped_command(&argv(a)).map(|(_, n)| n);
        assert_eq!(m(&["serach", "busy"]).as_deref(), Some("search"));
        assert_eq!(
            m(&["--ascii", "comapre", "480", "486"]).as_deref(),
            Some("compare")
        );
        assert_eq!(m(&["shwo", "486"]).as_deref(), Some("show"));
        assert_eq!(m(&["lsit"]).as_deref(), Some("list"));
        assert_eq!(m(&["explian", "-"]).as_deref(), Some("explain"));
        assert_eq!(m(&["q805", "17"]).as_deref(), Some("q850"));
        for not in [
            &["486"][..],
            &["search", "busy"],
            &["busy"],
            &["abc"],
            &[],
            &["--", "serach"],
        ] {
            assert_eq!(m(not), None, "{not:?}");
        }
        assert_eq!(edit_distance("serach", "search"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
