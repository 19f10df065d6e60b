//! The command-line face: argument parsing (clap) and the non-interactive
//! commands, printing text, JSON or Markdown. The TUI is started from here
//! when no command is given.

use crate::compare;
use crate::doc;
use crate::kb::{Cause, Class, CodeEntry, Kb, Lookup, Text, parse_code};
use crate::render::{self, TextStyle};
use crate::search::{Field, Searcher};
use crate::term::{self, ColorWhen};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

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

/// Rewrite `sipfix [OPTIONS] CODE...` as `sipfix [OPTIONS] show CODE...`:
/// the first argument that is neither an option nor a command name starts
/// a `show`. Everything else is left for clap to parse (and reject).
pub fn expand_shorthand(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    expand_shorthand_for(&Cli::command(), args)
}

/// [`expand_shorthand`] with the command already built (building it is most
/// of what argument parsing costs at start-up).
fn expand_shorthand_for(
    cmd: &clap::Command,
    args: Vec<std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .chain(["help".to_string()])
        .collect();
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

/// Formats of `notes --export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A Markdown triage report for a ticket.
    Markdown,
    /// The notes and progress as JSON.
    Json,
}

/// A failed command: the exit status and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub status: u8,
    pub message: String,
}

impl Failure {
    /// Bad input: exit status 2.
    pub fn usage(m: impl std::fmt::Display) -> Failure {
        Failure {
            status: 2,
            message: m.to_string(),
        }
    }
    /// Something went wrong at run time: exit status 1.
    pub fn runtime(m: impl std::fmt::Display) -> Failure {
        Failure {
            status: 1,
            message: m.to_string(),
        }
    }
}

pub type CmdResult = Result<(), Failure>;

/// Output settings shared by the commands.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub style: TextStyle,
}

impl Out {
    pub fn from_cli(cli: &Cli) -> Out {
        Out {
            style: TextStyle {
                width: term::stdout_width(),
                color: term::stdout_color(cli.color),
                ascii: cli.ascii || !term::locale_is_utf8(),
            },
        }
    }
}

/// Write to stdout; a closed pipe (`sipfix list | head`) is not an error.
pub fn emit(s: &str) -> CmdResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write to stdout: {e}"))),
    }
}

pub fn emit_json<T: Serialize + ?Sized>(v: &T) -> CmdResult {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))?;
    emit(&(s + "\n"))
}

pub fn emit_doc(d: &doc::Doc, format: Format, out: Out) -> CmdResult {
    if format.markdown {
        emit(&render::to_markdown(d))
    } else {
        emit(&render::to_text(d, out.style))
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // One clap command for both the shorthand and the parse.
    let cmd = Cli::command();
    let args = expand_shorthand_for(&cmd, std::env::args_os().collect());
    let mut matches = cmd.get_matches_from(args);
    let cli = Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|e| e.format(&mut Cli::command()).exit());
    let out = Out::from_cli(&cli);
    let result = match cli.cmd {
        Some(cmd) => run(cmd, out),
        None => crate::tui::start(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("sipfix: {}", f.message);
            ExitCode::from(f.status)
        }
    }
}

/// Run one non-interactive command.
pub fn run(cmd: Cmd, out: Out) -> CmdResult {
    let (kb, warning, _) = crate::kb::overrides::global();
    if let Some(w) = warning {
        eprintln!("sipfix: warning: {}", crate::sanitize::inline(w));
    }
    match cmd {
        Cmd::Show { codes, format } => show(kb, &codes, format, out),
        Cmd::List { class, format } => list(kb, class.as_deref(), format.json, out),
        Cmd::Search {
            query,
            limit,
            format,
        } => search(kb, &query.join(" "), limit, format.json, out),
        Cmd::Compare { a, b, format } => compare_cmd(kb, &a, &b, format, out),
        Cmd::Q850 { cause, sip, format } => {
            q850(kb, cause.as_deref(), sip.as_deref(), format.json, out)
        }
        Cmd::Explain { file, format } => explain(kb, file.as_deref(), format, out),
        Cmd::Notes { code, add, export } => {
            crate::notes_cli::run(kb, code.as_deref(), add.as_deref(), export, out)
        }
        Cmd::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sipfix", &mut buf);
            emit(&String::from_utf8_lossy(&buf))
        }
        Cmd::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Failure::runtime(format!("cannot render the manual: {e}")))?;
            emit(&String::from_utf8_lossy(&buf))
        }
    }
}

fn lookup<'a>(kb: &'a Kb, s: &str) -> Result<Lookup<'a>, Failure> {
    kb.lookup_str(s).map_err(Failure::usage)
}

/// The stable JSON object of one code (`show --json`, and one element of `list --json`).
#[derive(Debug, Serialize)]
pub struct CodeJson<'a> {
    pub code: u16,
    /// The registered reason phrase (null for a code with no entry of its own).
    pub reason: Option<&'a str>,
    pub class: &'static str,
    /// RFC numbers, e.g. `RFC 3261`.
    pub references: Vec<String>,
    /// Full citations with sections, e.g. `RFC 3261 §21.4.24`.
    pub citations: &'a [Text],
    pub deprecated: bool,
    pub registered: bool,
    pub summary: &'a str,
    /// For a code with no entry: the class x00 it is explained as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explained_as: Option<u16>,
}

/// The full guidance of one code (`show --json`).
#[derive(Debug, Serialize)]
pub struct CodeDetailJson<'a> {
    #[serde(flatten)]
    pub head: CodeJson<'a>,
    pub description: &'a str,
    pub deprecated_note: Option<&'a str>,
    pub keywords: &'a [Text],
    pub when: &'a [Text],
    pub senders: &'a [Text],
    pub methods: &'a [Text],
    pub retry: &'a str,
    pub forking: Option<&'a str>,
    pub related: &'a [u16],
    pub q850: Option<CauseRef<'a>>,
    pub steps: &'a [crate::kb::Step],
    /// What of the entry is not checked against a source, if anything.
    pub unverified: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct CauseRef<'a> {
    pub cause: u8,
    pub name: &'a str,
    /// True when the cause is RFC 3398's default for a code its table does
    /// not list (or leaves to the Warning header), not a value of the table.
    pub default: bool,
}

fn rfc_numbers(refs: &[Text]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        let n = r.split(" §").next().unwrap_or(r).to_string();
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

pub fn code_json<'a>(l: &Lookup<'a>) -> CodeJson<'a> {
    let e: &'a CodeEntry = l.entry;
    CodeJson {
        code: l.code,
        reason: (!l.fallback).then_some(e.reason.as_str()),
        class: l.class.label(),
        references: rfc_numbers(&e.references),
        citations: &e.references,
        deprecated: !l.fallback && e.deprecated,
        registered: !l.fallback && e.registered,
        summary: &e.summary,
        explained_as: l.fallback.then_some(e.code),
    }
}

pub fn code_detail_json<'a>(kb: &'a Kb, l: &Lookup<'a>) -> CodeDetailJson<'a> {
    let e = l.entry;
    CodeDetailJson {
        head: code_json(l),
        description: &e.description,
        deprecated_note: e.deprecated_note.as_deref(),
        keywords: &e.keywords,
        when: &e.when,
        senders: &e.senders,
        methods: &e.methods,
        retry: &e.retry,
        forking: e.forking.as_deref(),
        related: &e.related,
        q850: {
            let m = kb.sip_mapping(l.code);
            m.cause.map(|c| CauseRef {
                cause: c.cause,
                name: &c.name,
                default: m.default,
            })
        },
        steps: &e.steps,
        unverified: e.unverified.as_deref(),
    }
}

fn show(kb: &Kb, codes: &[String], format: Format, out: Out) -> CmdResult {
    // Validate every argument before printing anything.
    let looks: Vec<Lookup<'_>> = codes
        .iter()
        .map(|c| lookup(kb, c))
        .collect::<Result<_, _>>()?;
    if format.json {
        let v: Vec<_> = looks.iter().map(|l| code_detail_json(kb, l)).collect();
        return if v.len() == 1 {
            emit_json(&v[0])
        } else {
            emit_json(&v)
        };
    }
    let mut first = true;
    for l in &looks {
        if !first {
            emit(if format.markdown { "\n---\n\n" } else { "\n" })?;
        }
        first = false;
        let mut d = doc::show(kb, l, None);
        if let Some(b) = doc::local_origin(l.entry.code) {
            d.insert(1, b);
        }
        emit_doc(&d, format, out)?;
    }
    Ok(())
}

fn list(kb: &Kb, class: Option<&str>, json: bool, out: Out) -> CmdResult {
    let class = match class {
        None => None,
        Some(c) => Some(Class::parse(c).ok_or_else(|| {
            Failure::usage(format!(
                "'{}' is not a response class: expected 1xx, 2xx, 3xx, 4xx, 5xx or 6xx",
                crate::sanitize::inline(c)
            ))
        })?),
    };
    let entries: Vec<Lookup<'_>> = kb
        .codes()
        .filter(|e| class.is_none_or(|c| Class::of(e.code) == Some(c)))
        .filter_map(|e| kb.lookup(e.code).ok())
        .collect();
    if json {
        let v: Vec<_> = entries.iter().map(code_json).collect();
        return emit_json(&v);
    }
    let mut s = String::new();
    for l in &entries {
        s.push_str(&list_line(l.entry, out.style.width));
        s.push('\n');
    }
    emit(&if out.style.ascii {
        render::ascii_fold(&s)
    } else {
        s
    })
}

/// One line of `list`: code, class, reason, marks, summary cut to the width.
pub fn list_line(e: &CodeEntry, width: usize) -> String {
    let mut marks = String::new();
    if e.deprecated {
        marks.push_str(" [deprecated]");
    }
    if !e.registered {
        marks.push_str(" [unregistered]");
    }
    let head = format!("{:<4}{:<40} ", e.code, format!("{}{}", e.reason, marks));
    let room = width.saturating_sub(head.chars().count());
    let summary: String = if e.summary.chars().count() > room {
        let cut: String = e.summary.chars().take(room.saturating_sub(3)).collect();
        format!("{cut}...")
    } else {
        e.summary.to_string()
    };
    if room < 10 {
        head.trim_end().to_string()
    } else {
        head + &summary
    }
}

#[derive(Serialize)]
struct SearchJson<'a> {
    code: u16,
    reason: &'a str,
    class: &'static str,
    score: i64,
    matched: Field,
    context: Option<String>,
}

fn search(kb: &Kb, query: &str, limit: usize, json: bool, out: Out) -> CmdResult {
    if query.trim().is_empty() {
        return Err(Failure::usage(
            "empty search query: give a code (486), a prefix (48), a reason phrase or a symptom (busy, transfer)",
        ));
    }
    let notes = BTreeMap::new();
    let hits = Searcher::new().search(kb, &notes, query);
    let hits = &hits[..hits.len().min(limit)];
    if json {
        let v: Vec<_> = hits
            .iter()
            .filter_map(|h| {
                let e = kb.get(h.code)?;
                Some(SearchJson {
                    code: h.code,
                    reason: &e.reason,
                    class: Class::of(h.code).map(Class::label).unwrap_or("?"),
                    score: h.score,
                    matched: h.field,
                    context: h.context.clone(),
                })
            })
            .collect();
        emit_json(&v)?;
    } else {
        let mut s = String::new();
        for h in hits {
            if let Some(e) = kb.get(h.code) {
                s.push_str(&list_line(e, out.style.width));
                s.push('\n');
            }
        }
        emit(&if out.style.ascii {
            render::ascii_fold(&s)
        } else {
            s
        })?;
    }
    if hits.is_empty() {
        return Err(Failure::runtime(format!(
            "no code matches '{}'",
            crate::sanitize::inline(query)
        )));
    }
    Ok(())
}

fn compare_cmd(kb: &Kb, a: &str, b: &str, format: Format, out: Out) -> CmdResult {
    let la = lookup(kb, a)?;
    let lb = lookup(kb, b)?;
    let c = compare::compare(kb, la, lb).map_err(Failure::usage)?;
    if format.json {
        return emit_json(&c.to_json());
    }
    emit_doc(&doc::compare(&c), format, out)
}

/// Parse a Q.850 cause value typed by a user.
pub fn parse_cause<'a>(kb: &'a Kb, s: &str) -> Result<&'a Cause, Failure> {
    let t = s.trim();
    let n: Option<u64> = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        Some(t.parse().unwrap_or(u64::MAX))
    } else {
        None
    };
    match n {
        Some(n @ 1..=127) => kb.cause(n as u8).ok_or_else(|| {
            Failure::usage(format!(
                "cause {n} is not defined in Q.850: run `sipfix q850` for the defined causes"
            ))
        }),
        _ => Err(Failure::usage(format!(
            "'{}' is not a Q.850 cause: expected a number from 1 to 127 (for a SIP code use `sipfix q850 --sip CODE`)",
            crate::sanitize::inline(s)
        ))),
    }
}

#[derive(Serialize)]
struct CauseJson<'a> {
    cause: u8,
    name: &'a str,
    class: &'a str,
    summary: &'a str,
    /// RFC 3398 §7.2.4.1: the SIP responses for this cause.
    sip: Vec<u16>,
    /// True when `sip` is the section's default (500) for a cause its table
    /// does not list.
    default: bool,
    sip_note: Option<&'a str>,
    /// RFC 3398 §8.2.6.1: the SIP responses that map to this cause.
    from_sip: Vec<u16>,
    deviations: Vec<&'a crate::kb::Deviation>,
}

#[derive(Serialize)]
struct SipCauseJson<'a> {
    sip: u16,
    cause: Option<u8>,
    name: Option<&'a str>,
    /// True when `cause` is RFC 3398's default, not a value of its table.
    default: bool,
    /// A cause the RFC recommends instead in the case the note describes.
    alternative: Option<CauseRef<'a>>,
    note: Option<&'a str>,
    deviations: Vec<&'a crate::kb::Deviation>,
}

fn cause_json<'a>(kb: &'a Kb, c: &'a Cause) -> CauseJson<'a> {
    let (sip, default) = kb.sip_for_cause(c);
    CauseJson {
        cause: c.cause,
        name: &c.name,
        class: &c.class,
        summary: &c.summary,
        sip: sip.into_owned(),
        default,
        sip_note: c.sip_note.as_deref(),
        from_sip: kb
            .sip_to_cause
            .iter()
            .filter(|(_, row)| row.cause == Some(c.cause))
            .map(|(k, _)| *k)
            .collect(),
        deviations: kb.deviations_for_cause(c.cause).collect(),
    }
}

fn q850(kb: &Kb, cause: Option<&str>, sip: Option<&str>, json: bool, out: Out) -> CmdResult {
    if let Some(s) = sip {
        let code = parse_code(s).map_err(Failure::usage)?;
        let m = kb.sip_mapping(code);
        if json {
            return emit_json(&SipCauseJson {
                sip: code,
                cause: m.cause.map(|c| c.cause),
                name: m.cause.map(|c| c.name.as_str()),
                default: m.default,
                alternative: m.alt.map(|a| CauseRef {
                    cause: a.cause,
                    name: &a.name,
                    default: false,
                }),
                note: m.note,
                deviations: kb.deviations_for_sip(code).collect(),
            });
        }
        let title = match kb.lookup(code) {
            Ok(l) if !l.fallback => format!("SIP {} {}", code, l.entry.reason),
            _ => format!("SIP {code}"),
        };
        let mut d = vec![doc::Block::Title(title)];
        d.extend(doc::q850_for_sip(kb, code));
        return emit_doc(&d, Format::default(), out);
    }
    match cause {
        Some(s) => {
            let c = parse_cause(kb, s)?;
            if json {
                emit_json(&cause_json(kb, c))
            } else {
                emit_doc(&doc::q850_cause(kb, c), Format::default(), out)
            }
        }
        None => {
            if json {
                let v: Vec<_> = kb.causes.values().map(|c| cause_json(kb, c)).collect();
                return emit_json(&v);
            }
            let mut s = String::new();
            for c in kb.causes.values() {
                let (sip, default) = kb.sip_for_cause(c);
                let sipl = sip.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
                s.push_str(&format!(
                    "{:>3}  {:<52} {}\n",
                    c.cause,
                    c.name,
                    if sipl.is_empty() {
                        "no response".into()
                    } else if default {
                        format!("SIP {sipl} (default)")
                    } else {
                        format!("SIP {sipl}")
                    }
                ));
            }
            emit(&if out.style.ascii {
                render::ascii_fold(&s)
            } else {
                s
            })
        }
    }
}

/// Read at most `MAX_INPUT + 1` bytes, so an overlarge input is refused
/// without being read whole.
fn read_limited(r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(crate::message::MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

fn explain(kb: &Kb, file: Option<&std::path::Path>, format: Format, out: Out) -> CmdResult {
    use std::io::IsTerminal;
    let bytes = match file {
        Some(p) if p.as_os_str() != "-" => {
            let f = std::fs::File::open(p)
                .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", p.display())))?;
            read_limited(f)
                .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", p.display())))?
        }
        _ => {
            if std::io::stdin().is_terminal() {
                eprintln!("sipfix: paste a SIP message, then press Ctrl-D on an empty line");
            }
            read_limited(std::io::stdin().lock())
                .map_err(|e| Failure::runtime(format!("cannot read stdin: {e}")))?
        }
    };
    let msg = crate::message::parse(&bytes).map_err(Failure::usage)?;
    let expl = crate::message::explain(&msg, kb);
    if format.json {
        return emit_json(&expl);
    }
    let text = if format.markdown {
        crate::message::render_markdown(&expl)
    } else {
        crate::message::render_text(&expl)
    };
    emit(&if out.style.ascii && !format.markdown {
        render::ascii_fold(&text)
    } else {
        text
    })
}
