//! `triage FILE...`: read a whole trace, find every failing call, explain it.
//!
//! The filter values are checked once into a [`Config`] (bad values refused
//! with one line and exit status 2); the analysis ([`crate::trace`]) knows
//! nothing of terminals; this module adds the progress bar on stderr, picks
//! the report and writes `--export-pcap`.

use crate::cli::options::{TriageCommand, TriageOutput as Output};
use crate::cli::output::{CmdResult, Out, emit, emit_json, emit_stream};
use crate::exit::{Failure, say};
use crate::kb::Kb;
use crate::render;
use crate::sanitize;
use crate::trace::filter::{CodeFilter, Filter, PeerFilter};
use crate::trace::model::{Keep, Options, Triage};
use crate::trace::report::{self, Selection};
use crate::trace::{Input, ReadError};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Run `sipfix triage`.
pub fn run(kb: &Kb, cmd: TriageCommand, out: Out) -> CmdResult {
    let cfg = Config::new(
        cmd.failed,
        cmd.code.as_deref(),
        cmd.peer.as_deref(),
        cmd.method.as_deref(),
        cmd.call.as_deref(),
        cmd.output,
    )?;
    if cmd.call.is_some()
        && (cmd.failed || cmd.code.is_some() || cmd.peer.is_some() || cmd.method.is_some())
    {
        // Said, not silently dropped: the one call is shown whatever it is.
        say("--call shows that one call: --failed, --code, --peer and --method do not apply to it");
    }
    if cmd.inputs.iter().any(Option::is_none) && std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "standard input is a terminal: give a capture or log file, or pipe one in \
             (tcpdump -w - ... | sipfix triage -)",
        ));
    }
    let mut inputs: Vec<Input> = cmd
        .inputs
        .iter()
        .map(|i| match i {
            Some(p) => Input::Path(p.clone()),
            None => Input::Stdin,
        })
        .collect();
    let stdin_at = inputs.iter().position(|i| matches!(i, Input::Stdin));
    if stdin_at.is_some() {
        // `tcpdump -w - ... | sipfix triage -`: the first Ctrl-C ends
        // standard input and the report covers what was read (as tshark
        // prints its statistics when a live capture stops); a second one
        // ends sipfix at once. Files are not concerned: Ctrl-C still stops
        // a long read of one.
        let stop = crate::trace::read::stdin::stop_flag();
        let _ = signal_hook::flag::register_conditional_default(SIGINT, stop.clone());
        let _ = signal_hook::flag::register(SIGINT, stop);
    }
    // Where the export goes is settled before the (long) read, so a name
    // that is taken or a directory that cannot be written to is said at
    // once.
    let mut export = match &cmd.export_pcap {
        Some(path) => Some(ExportTo::prepare(path, cmd.output)?),
        None => None,
    };
    if cmd.export_pcap.is_some() {
        // The export reads the inputs a second time: keep standard input.
        for i in &mut inputs {
            if matches!(i, Input::Stdin) {
                let mut buf = Vec::new();
                crate::trace::read::stdin::Stdin::open()
                    .and_then(|mut r| std::io::Read::read_to_end(&mut r, &mut buf))
                    .map_err(|e| Failure::runtime(format!("cannot read stdin: {e}")))?;
                *i = Input::Bytes(buf);
            }
        }
    }
    let mut bar = Bar::new(out.style.ascii);
    let triage = crate::trace::analyze(&inputs, cmd.format, cfg.options(), kb, &mut |d, n| {
        bar.update(d, n)
    });
    bar.done();
    let mut triage = triage.map_err(read_failure)?;
    if let Some(at) = stdin_at.filter(|_| crate::trace::read::stdin::stopped()) {
        let text = "standard input ended by Ctrl-C: the report covers what was read until then";
        say(text);
        triage.problem_count += 1;
        if triage.problems.len() < crate::trace::model::MAX_PROBLEMS {
            triage.problems.push(crate::trace::Problem {
                file: u32::try_from(at).unwrap_or(u32::MAX),
                frame: None,
                text: text.to_string(),
            });
        }
    }
    let r = match export.take() {
        Some(to) => {
            let frames = selected_frames(&triage, &cfg)?;
            let to_stdout = matches!(to, ExportTo::Stdout);
            let Some(e) = to.write(&inputs, cmd.format, &frames)? else {
                std::mem::forget(triage);
                return Ok(());
            };
            let calls = selected_calls(&triage, &cfg);
            let from_logs = triage.sources.iter().any(|s| {
                !matches!(
                    s.format,
                    crate::trace::Format::Pcap | crate::trace::Format::Pcapng
                )
            });
            say(&export_line(
                &e,
                calls,
                &match &cmd.export_pcap {
                    Some(p) if !to_stdout => sanitize::inline(&p.display().to_string()),
                    _ => "standard output".to_string(),
                },
                from_logs,
            ));
            // The capture took standard output: no report after it.
            if to_stdout {
                Ok(())
            } else {
                print(&triage, kb, &cfg, out)
            }
        }
        None => print(&triage, kb, &cfg, out),
    };
    // The process ends right after: freeing every call one by one would
    // only cost time on a large trace.
    std::mem::forget(triage);
    r
}

/// The line that says what `--export-pcap` wrote to `to`.
fn export_line(e: &crate::trace::Exported, calls: usize, to: &str, from_logs: bool) -> String {
    let n = e.packets;
    let mut line = format!(
        "wrote {n} packet{} of {calls} call{} to {to}",
        if n == 1 { "" } else { "s" },
        if calls == 1 { "" } else { "s" },
    );
    if e.tcp_retransmissions > 0 {
        line += &format!(
            " (with {} TCP retransmission{} of their segments)",
            e.tcp_retransmissions,
            if e.tcp_retransmissions == 1 { "" } else { "s" }
        );
    }
    if from_logs {
        let (host, port) = crate::trace::read::LOG_HOST;
        let (host6, port6) = crate::trace::read::LOG_HOST_V6;
        line += " (a text log's messages are packets made for the export: UDP, or TCP \
                 segments when the log says TCP";
        if e.log_too_big_for_udp > 0 {
            line += &format!(
                " or, for {} message{}, when one UDP datagram cannot hold {}",
                e.log_too_big_for_udp,
                if e.log_too_big_for_udp == 1 { "" } else { "s" },
                if e.log_too_big_for_udp == 1 {
                    "it"
                } else {
                    "them"
                },
            );
        }
        line += &format!("; a side the log does not name, the logging host, is {host}:{port}");
        if e.log_host_v6 {
            line += &format!(", or [{host6}]:{port6} facing an IPv6 peer");
        }
        line += ")";
    }
    line
}

/// Where `--export-pcap` writes.
enum ExportTo {
    /// `-`: standard output, instead of the report (`... --export-pcap - |
    /// wireshark -k -i -`).
    Stdout,
    /// A new file. The packets go to a temporary file in the same
    /// directory, which takes the name only if the name is still free
    /// (`renameat2` with `RENAME_NOREPLACE`, or a hard link): an existing
    /// file is never written over, a link planted at the name is never
    /// followed, and a failed or interrupted export leaves nothing behind.
    /// Mode 0600, as a capture holds numbers, names and credentials.
    File {
        path: std::path::PathBuf,
        dir: std::path::PathBuf,
    },
}

impl ExportTo {
    fn prepare(path: &std::path::Path, output: Output) -> Result<ExportTo, Failure> {
        let shown = || sanitize::inline(&path.display().to_string());
        if path == std::path::Path::new("-") {
            if output != Output::Text {
                return Err(Failure::usage(
                    "--export-pcap - writes the capture to standard output: \
                     it cannot go with --json, --csv or --markdown",
                ));
            }
            if std::io::stdout().is_terminal() {
                return Err(Failure::usage(
                    "--export-pcap -: standard output is a terminal; \
                     redirect it to a file or pipe it (| wireshark -k -i -)",
                ));
            }
            return Ok(ExportTo::Stdout);
        }
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let ty = meta.file_type();
            return Err(Failure::runtime(if ty.is_symlink() {
                format!(
                    "{} is a symbolic link: sipfix does not write through a link \
                     (nor over the file it may point to); give a new name or remove the link",
                    shown()
                )
            } else if ty.is_dir() {
                format!(
                    "{} is a directory: give the name of a new file to write",
                    shown()
                )
            } else {
                format!(
                    "{} already exists: sipfix does not write over a file; \
                     give a new name or remove it first",
                    shown()
                )
            }));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        // Can a file be made there? Asked now, before the (long) read, with
        // a file that has no name (nothing is left if sipfix is stopped
        // during the read); the export's own file is made when it writes.
        tempfile::tempfile_in(dir).map_err(|e| create_failure(path, dir, &e))?;
        Ok(ExportTo::File {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        })
    }

    /// Write the chosen frames, reading the inputs as `format` (the
    /// triage's `--format`); returns how many (`None` when standard output
    /// was closed before the end).
    fn write(
        self,
        inputs: &[Input],
        format: crate::trace::Format,
        frames: &std::collections::BTreeSet<(u32, u64)>,
    ) -> Result<Option<crate::trace::Exported>, Failure> {
        use std::io::Write as _;
        match self {
            ExportTo::Stdout => {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                let r = crate::trace::export_capture(inputs, format, frames, &mut w);
                let flushed = w.flush();
                // A closed pipe (`| head`, Wireshark closed) is not an error.
                let closed = |k: std::io::ErrorKind| k == std::io::ErrorKind::BrokenPipe;
                if matches!(&r, Err(ReadError::Write { kind, .. }) if closed(*kind))
                    || flushed.as_ref().is_err_and(|e| closed(e.kind()))
                {
                    return Ok(None);
                }
                let n = r.map_err(read_failure)?;
                flushed.map_err(|e| Failure::runtime(format!("cannot write to stdout: {e}")))?;
                Ok(Some(n))
            }
            ExportTo::File { path, dir } => {
                let shown = || sanitize::inline(&path.display().to_string());
                // Ctrl-C (or a hang-up, a TERM) from before the temporary
                // file exists until it has its name: the write stops, the
                // file is removed on the way out, and sipfix ends as the
                // signal would have ended it.
                let signals = Signals::catch();
                let part = tempfile::Builder::new()
                    .prefix(".sipfix-export-")
                    .suffix(".part")
                    .tempfile_in(&dir)
                    .map_err(|e| create_failure(&path, &dir, &e))?;
                let mut w = std::io::BufWriter::with_capacity(
                    1 << 16,
                    Stoppable {
                        inner: part.as_file(),
                        stop: &signals.caught,
                    },
                );
                let written = crate::trace::export_capture(inputs, format, frames, &mut w);
                let flushed = w.flush().and_then(|()| part.as_file().sync_all());
                drop(w);
                if let Some(sig) = signals.got() {
                    drop(part);
                    return Err(Failure::signal(sig));
                }
                let n = written.map_err(read_failure)?;
                flushed.map_err(|e| Failure::runtime(format!("cannot write {}: {e}", shown())))?;
                part.persist_noclobber(&path).map_err(|e| {
                    if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                        Failure::runtime(format!(
                            "{} was created while sipfix ran: it is left as it is, \
                             and the export is not kept; give a new name",
                            shown()
                        ))
                    } else {
                        Failure::runtime(format!("cannot write {}: {}", shown(), e.error))
                    }
                })?;
                // A signal while the name was given: the export is whole.
                match signals.got() {
                    Some(sig) => Err(Failure::signal(sig)),
                    None => Ok(Some(n)),
                }
            }
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP caught (into [`Signals::caught`]) for as
/// long as this lives, instead of ending the process.
struct Signals {
    caught: Arc<AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    fn catch() -> Signals {
        let caught = Arc::new(AtomicUsize::new(0));
        let ids = [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter_map(|sig| {
                signal_hook::flag::register_usize(sig, caught.clone(), sig as usize).ok()
            })
            .collect();
        Signals { caught, ids }
    }

    /// The signal caught, if any.
    fn got(&self) -> Option<usize> {
        Some(self.caught.load(Ordering::SeqCst)).filter(|&s| s != 0)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// A writer that fails once `stop` is set (by a signal handler).
struct Stoppable<'a, W> {
    inner: W,
    stop: &'a AtomicUsize,
}

impl<W: std::io::Write> std::io::Write for Stoppable<'_, W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::SeqCst) != 0 {
            // Not `Interrupted`: `write_all` would try again for ever.
            return Err(std::io::Error::other("stopped by a signal"));
        }
        self.inner.write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Why the export's file cannot be made in `dir`. The `tempfile` crate's
/// message names its temporary file; the user named another, so the
/// reason is given by kind.
fn create_failure(path: &std::path::Path, dir: &std::path::Path, e: &std::io::Error) -> Failure {
    let shown = sanitize::inline(&path.display().to_string());
    Failure::runtime(if e.kind() == std::io::ErrorKind::NotFound {
        format!(
            "cannot create {shown}: no directory {}",
            sanitize::inline(&dir.display().to_string())
        )
    } else {
        format!("cannot create {shown}: {}", e.kind())
    })
}

/// `sipfix triage FILE... --tui` (and `sipfix FILE...`): check the options
/// and the inputs here, so a typo is one line on the terminal, then open
/// the UI on the trace with the filters and `--call` applied there.
pub fn open_ui(cmd: TriageCommand, appearance: crate::term::Appearance) -> CmdResult {
    Config::new(
        cmd.failed,
        cmd.code.as_deref(),
        cmd.peer.as_deref(),
        cmd.method.as_deref(),
        cmd.call.as_deref(),
        Output::Text,
    )?;
    let mut files = Vec::new();
    for i in &cmd.inputs {
        match i {
            Some(p) => files.push(p.clone()),
            None => {
                return Err(Failure::usage(
                    "the UI reads its keys from the terminal, not a trace from standard input:                      save the trace to a file (sipfix triage - prints a report instead)",
                ));
            }
        }
    }
    for p in &files {
        let reason = match std::fs::metadata(p) {
            Err(e) => e.to_string(),
            Ok(m) if m.is_dir() => "is a directory".to_string(),
            Ok(_) => continue,
        };
        return Err(read_failure(ReadError::Open {
            path: sanitize::inline(&p.display().to_string()),
            reason,
        }));
    }
    let inputs: Vec<Input> = files.iter().cloned().map(Input::Path).collect();
    crate::trace::check_inputs(&inputs, cmd.format).map_err(read_failure)?;
    let mut filter = Vec::new();
    if let Some(c) = &cmd.code {
        filter.push(format!("code:{}", c.trim()));
    }
    if let Some(p) = &cmd.peer {
        filter.push(format!("peer:{}", p.trim()));
    }
    if let Some(m) = &cmd.method {
        filter.push(format!("method:{m}"));
    }
    crate::tui::start(&crate::tui::Options {
        appearance,
        trace: Some(crate::tui::OpenTrace {
            files,
            format: cmd.format,
            with: crate::tui::app::StartWith {
                filter: filter.join(" "),
                failed: cmd.failed,
                call: cmd.call.map(|c| c.trim().to_string()),
            },
        }),
    })
}

/// A reader error: not a trace (or a wrong --format) is bad input (exit
/// status 2); the rest is a run-time failure.
fn read_failure(e: ReadError) -> Failure {
    match e {
        ReadError::NotATrace { .. }
        | ReadError::WrongFormat { .. }
        | ReadError::Utf16 { .. }
        | ReadError::StdinAgain => Failure::usage(e),
        ReadError::Open { .. } | ReadError::Write { .. } => Failure::runtime(e),
    }
}

fn selected_calls(t: &Triage, cfg: &Config) -> usize {
    if cfg.call.is_some() {
        return 1;
    }
    t.calls.iter().filter(|c| cfg.filter.matches(t, c)).count()
}

/// Resolved settings of one `sipfix triage` run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub filter: Filter,
    /// `--call ID`: one call in detail.
    pub call: Option<String>,
    pub output: Output,
    /// The filters as given, for the report's header.
    pub filter_desc: String,
}

impl Config {
    /// Resolve the raw option values; errors are one line for exit 2.
    pub fn new(
        failed: bool,
        code: Option<&str>,
        peer: Option<&str>,
        method: Option<&str>,
        call: Option<&str>,
        output: Output,
    ) -> Result<Config, Failure> {
        let code = code
            .map(CodeFilter::parse)
            .transpose()
            .map_err(Failure::usage)?;
        let peer = peer
            .map(PeerFilter::parse)
            .transpose()
            .map_err(Failure::usage)?;
        if let Some(m) = method
            && (m.is_empty() || !crate::message::headers::is_token(m))
        {
            return Err(Failure::usage(format!(
                "'{}' is not a SIP method: give one like INVITE, REGISTER, OPTIONS",
                sanitize::inline(m)
            )));
        }
        if call.is_some_and(|c| c.trim().is_empty()) {
            return Err(Failure::usage("--call needs a Call-ID (or its beginning)"));
        }
        let mut desc = Vec::new();
        if failed {
            desc.push("--failed".to_string());
        }
        if let Some(c) = code {
            desc.push(match c {
                CodeFilter::Exact(n) => format!("--code {n}"),
                CodeFilter::Class(n) => format!("--code {n}xx"),
            });
        }
        if let Some(p) = peer {
            desc.push(match p.port {
                Some(port) => format!("--peer {}", std::net::SocketAddr::new(p.ip, port)),
                None => format!("--peer {}", p.ip),
            });
        }
        if let Some(m) = method {
            desc.push(format!("--method {m}"));
        }
        Ok(Config {
            filter: Filter {
                failed,
                code,
                peer,
                method: method.map(str::to_string),
            },
            call: call.map(|c| c.trim().to_string()),
            output,
            filter_desc: desc.join(" "),
        })
    }

    /// The analysis options: keep the bytes of the `--call` call.
    pub fn options(&self) -> Options {
        Options {
            keep: match &self.call {
                Some(id) => Keep::Calls(vec![id.as_bytes().to_vec()]),
                None => Keep::Nothing,
            },
            ..Options::default()
        }
    }
}

/// A progress bar on stderr, shown once reading has taken more than a
/// second, and only when stderr is a terminal.
pub struct Bar {
    start: Instant,
    enabled: bool,
    ascii: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Bar {
    pub fn new(ascii: bool) -> Bar {
        Bar {
            start: Instant::now(),
            enabled: std::io::stderr().is_terminal() && !crate::term::term_is_dumb(),
            ascii,
            bar: None,
        }
    }

    /// `done` of `total` input bytes read (`total` 0: unknown).
    pub fn update(&mut self, done: u64, total: u64) {
        if !self.enabled || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        let ascii = self.ascii;
        let bar = self.bar.get_or_insert_with(|| {
            let (b, template) = if total > 0 {
                (
                    indicatif::ProgressBar::new(total).with_position(done),
                    "reading {bar:30} {bytes}/{total_bytes} ({percent}%)",
                )
            } else {
                (
                    indicatif::ProgressBar::new_spinner().with_position(done),
                    "reading {spinner} {bytes}",
                )
            };
            let mut style = indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            if ascii {
                style = style.progress_chars("#>-").tick_chars("-\\|/ ");
            }
            b.set_style(style);
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
            // The bar starts a second late: its rate counts from here.
            b.reset_eta();
            b
        });
        if total > 0 && bar.length() != Some(total) {
            // The next input (each reports its own size).
            bar.set_length(total);
            bar.reset_eta();
        }
        bar.set_position(done);
    }

    /// Remove the bar (before the report is printed).
    pub fn done(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// Find the `--call` call: an exact Call-ID, else the only one starting
/// with what was given.
pub fn find_call<'a>(t: &'a Triage, id: &str) -> Result<&'a crate::trace::Call, Failure> {
    match crate::trace::lookup_call(t, id) {
        crate::trace::CallLookup::Found(c) => Ok(c),
        crate::trace::CallLookup::None => Err(Failure::runtime(format!(
            "no call with Call-ID '{}' among the {} calls of the trace",
            sanitize::inline(id),
            t.calls.len()
        ))),
        crate::trace::CallLookup::Ambiguous(starts) => {
            let n = starts.len();
            let ids: Vec<String> = starts.iter().take(5).map(|c| report::call_id(c)).collect();
            Err(Failure::usage(format!(
                "'{}' starts {n} Call-IDs ({}{}): give more of it",
                sanitize::inline(id),
                ids.join(", "),
                if n > 5 { ", ..." } else { "" }
            )))
        }
    }
}

/// Print the report the configuration asks for.
pub fn print(t: &Triage, kb: &Kb, cfg: &Config, out: Out) -> CmdResult {
    let st = out.style;
    if let Some(id) = &cfg.call {
        let c = find_call(t, id)?;
        return match cfg.output {
            Output::Json => emit_json(&report::json::call_detail(t, kb, c)),
            Output::Markdown => emit(&render::fold(
                &report::call::markdown(t, kb, c, st.ascii),
                st.ascii,
            )),
            Output::Csv => {
                let sel = Selection {
                    triage: t,
                    calls: vec![c],
                    summary: crate::trace::metrics::summarize([c], |m| {
                        t.method_name(m).to_string()
                    }),
                    filtered: true,
                };
                emit(&report::csv::report(&sel, kb))
            }
            Output::Text => emit(&report::call::text(t, kb, c, st)),
        };
    }
    let sel = Selection::new(t, &cfg.filter);
    match cfg.output {
        Output::Json => emit_stream(|w| {
            report::json::write_report(&sel, kb, w)?;
            w.write_all(b"\n")
        }),
        Output::Csv => emit(&report::csv::report(&sel, kb)),
        Output::Markdown => emit(&render::fold(
            &report::markdown::report(&sel, kb, &cfg.filter_desc),
            st.ascii,
        )),
        Output::Text => {
            let s = report::text::report(&sel, kb, st, &cfg.filter_desc);
            emit(&if st.ascii { render::ascii_fold(&s) } else { s })
        }
    }
}

/// The (file, frame) pairs of the selected calls, for `--export-pcap`.
pub fn selected_frames(
    t: &Triage,
    cfg: &Config,
) -> Result<std::collections::BTreeSet<(u32, u64)>, Failure> {
    let mut set = std::collections::BTreeSet::new();
    if let Some(id) = &cfg.call {
        set.extend(find_call(t, id)?.frames());
        return Ok(set);
    }
    for c in t.calls.iter().filter(|c| cfg.filter.matches(t, c)) {
        set.extend(c.frames());
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::TextStyle;
    use crate::trace::testkit::{Step, answered_call, ep, request, response, sdp};

    fn cfg(output: Output) -> Config {
        Config::new(false, None, None, None, None, output).unwrap()
    }

    fn steps() -> Vec<Step> {
        let mut v = answered_call("ok-1", 0, 30_000);
        let inv = request("INVITE", "busy-1", 1, "z9hG4bKb", None, &[], &sdp("0"));
        v.push(Step::new(
            100,
            ep("10.0.0.1:5060"),
            ep("10.0.0.3:5060"),
            &inv,
        ));
        v.push(Step::new(
            200,
            ep("10.0.0.3:5060"),
            ep("10.0.0.1:5060"),
            &response(&inv, 486, Some("x"), &[]),
        ));
        let inv = request("INVITE", "fail-1", 1, "z9hG4bKf", None, &[], &sdp("0"));
        v.push(Step::new(
            300,
            ep("10.0.0.1:5060"),
            ep("10.0.0.4:5060"),
            &inv,
        ));
        v.push(Step::new(
            400,
            ep("10.0.0.4:5060"),
            ep("10.0.0.1:5060"),
            &response(&inv, 503, Some("y"), &["Retry-After: 60"]),
        ));
        v
    }

    fn triage(cfg: &Config) -> Triage {
        let mut a = crate::trace::Analyzer::new(cfg.options());
        crate::trace::testkit::feed(&mut a, &steps());
        crate::trace::Sink::problem(
            &mut a,
            crate::trace::Problem {
                file: 0,
                frame: Some(99),
                text: "truncated packet\x1b[2J".into(),
            },
        );
        a.finish(
            vec![crate::trace::SourceInfo {
                path: "x.pcap".into(),
                format: crate::trace::Format::Pcap,
                packets: 11,
                sip_messages: 11,
                bytes: 5000,
                link_types: vec!["Ethernet".into()],
                ..crate::trace::SourceInfo::default()
            }],
            Kb::embedded(),
        )
    }

    fn style() -> TextStyle {
        TextStyle {
            width: 80,
            color: false,
            ascii: true,
        }
    }

    #[test]
    fn text_report_groups_failures_apart_from_user_outcomes() {
        let c = cfg(Output::Text);
        let t = triage(&c);
        let sel = Selection::new(&t, &c.filter);
        let s = report::text::report(&sel, Kb::embedded(), style(), "");
        assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
        assert!(s.is_ascii());
        assert!(s.contains("answered 1, failed 1, user 1, pending 0"), "{s}");
        let fail = s.find("Failures: 1 call in 1 group").expect(&s);
        let user = s.find("User outcomes").unwrap();
        let f503 = s
            .find("503 Service Unavailable to INVITE, from 10.0.0.4:5060")
            .expect(&s);
        let b486 = s
            .find("486 Busy Here to INVITE, from 10.0.0.3:5060")
            .expect(&s);
        assert!(fail < f503 && f503 < user && user < b486, "{s}");
        assert!(s.contains("[overload]"));
        assert!(s.contains("SER 33.3%"), "{s}");
        assert!(s.contains("frame 99: truncated packet\\e[2J"), "{s}");
    }

    #[test]
    fn filters_select_calls() {
        let c = Config::new(
            true,
            Some("5xx"),
            Some("10.0.0.4"),
            Some("invite"),
            None,
            Output::Json,
        )
        .unwrap();
        let t = triage(&c);
        let sel = Selection::new(&t, &c.filter);
        assert_eq!(sel.calls.len(), 1);
        assert_eq!(sel.calls[0].call_id, "fail-1");
        assert!(c.filter_desc.contains("--code 5xx"));
        let c = Config::new(false, Some("486"), None, None, None, Output::Json).unwrap();
        let sel = Selection::new(&t, &c.filter);
        assert_eq!(sel.calls.len(), 1);
        assert_eq!(sel.calls[0].call_id, "busy-1");
        assert!(Config::new(false, Some("abc"), None, None, None, Output::Text).is_err());
        assert_eq!(
            Config::new(false, None, Some("nope"), None, None, Output::Text)
                .unwrap_err()
                .status,
            2
        );
        assert!(Config::new(false, None, None, Some("IN VITE"), None, Output::Text).is_err());
    }

    #[test]
    fn json_has_the_issue_keys() {
        let c = cfg(Output::Json);
        let t = triage(&c);
        let sel = Selection::new(&t, &c.filter);
        let v = serde_json::to_value(report::json::report(&sel, Kb::embedded())).unwrap();
        for k in ["files", "format", "packets", "sip_messages", "bytes"] {
            assert!(v["source"].get(k).is_some(), "source.{k}");
        }
        for k in [
            "calls",
            "answered",
            "failed",
            "user",
            "pending",
            "by_final",
            "ser",
            "pdd_ms_median",
        ] {
            assert!(v["summary"].get(k).is_some(), "summary.{k}");
        }
        let call = &v["calls"][2];
        for k in [
            "call_id",
            "method",
            "from",
            "to",
            "src",
            "dst",
            "start",
            "end",
            "final",
            "final_reason",
            "final_from",
            "pdd_ms",
            "messages",
            "retransmissions",
            "outcome",
            "findings",
        ] {
            assert!(call.get(k).is_some(), "calls[].{k}");
        }
        assert_eq!(call["final"], 503);
        assert_eq!(call["outcome"], "failure");
        assert_eq!(call["start"], "2024-03-01T12:00:00.300Z");
        let f = &call["findings"][0];
        for k in ["id", "severity", "text", "code", "rfc"] {
            assert!(f.get(k).is_some(), "findings[].{k}");
        }
        assert_eq!(f["id"], "overload");
        assert_eq!(v["summary"]["by_final"]["486"], 1);
        assert_eq!(v["problems"][0], "frame 99: truncated packet\\e[2J");
    }

    #[test]
    fn csv_one_row_per_call() {
        let c = cfg(Output::Csv);
        let t = triage(&c);
        let sel = Selection::new(&t, &c.filter);
        let s = report::csv::report(&sel, Kb::embedded());
        let rows: Vec<&str> = s.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[0].starts_with("call_id,method,from,to,src,dst"));
        assert!(
            rows[3].starts_with("fail-1,INVITE,sip:alice@example.com"),
            "{}",
            rows[3]
        );
        assert!(rows[3].contains(",503,Service Unavailable,10.0.0.4:5060,failure,"));
    }

    #[test]
    fn call_detail_text_and_markdown() {
        let c = Config::new(false, None, None, None, Some("fail"), Output::Text).unwrap();
        let t = triage(&c);
        let call = find_call(&t, "fail").unwrap();
        assert_eq!(call.call_id, "fail-1");
        let s = report::call::text(&t, Kb::embedded(), call, style());
        assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
        assert!(s.contains("Ladder"));
        assert!(s.contains("[failure] overload"), "{s}");
        // The failing response explained as `sipfix explain` does.
        assert!(
            s.contains("The failing response explained (#2: 503 Service Unavailable)"),
            "{s}"
        );
        assert!(s.contains("Retry-After"), "{s}");
        let md = report::call::markdown(&t, Kb::embedded(), call, false);
        assert!(md.contains("```text"));
        assert!(md.contains("### The failing response explained (#2)"));
        // Only the selected call's bytes were kept.
        assert!(t.call("ok-1").unwrap().raw.is_empty());
    }

    #[test]
    fn call_lookup_errors() {
        let c = cfg(Output::Text);
        let t = triage(&c);
        let e = find_call(&t, "nope").unwrap_err();
        assert_eq!(e.status, 1);
        assert!(e.message.contains("among the 3 calls"));
        // Ambiguous prefix.
        let e = find_call(&t, "").unwrap_err();
        assert_eq!(e.status, 2);
        assert!(e.message.contains("starts 3 Call-IDs"), "{}", e.message);
    }

    #[test]
    fn export_frames_follow_the_filters() {
        let c = Config::new(false, Some("486"), None, None, None, Output::Text).unwrap();
        let t = triage(&c);
        let frames = selected_frames(&t, &c).unwrap();
        let v: Vec<u64> = frames.iter().map(|(_, f)| *f).collect();
        assert_eq!(v, vec![8, 9]);
    }

    /// The export's status line says what was made up or added: TCP
    /// retransmissions, log messages written as TCP for their size, the
    /// logging host's IPv6 address.
    #[test]
    fn export_line_says_what_was_added_or_made() {
        let e = crate::trace::Exported {
            packets: 9,
            tcp_retransmissions: 1,
            ..Default::default()
        };
        assert_eq!(
            export_line(&e, 1, "x.pcap", false),
            "wrote 9 packets of 1 call to x.pcap (with 1 TCP retransmission of their segments)"
        );
        let e = crate::trace::Exported {
            packets: 51,
            log_tcp: 2,
            log_too_big_for_udp: 1,
            log_host_v6: true,
            ..Default::default()
        };
        assert_eq!(
            export_line(&e, 2, "x.pcap", true),
            "wrote 51 packets of 2 calls to x.pcap (a text log's messages are packets made for \
             the export: UDP, or TCP segments when the log says TCP or, for 1 message, when one \
             UDP datagram cannot hold it; a side the log does not name, the logging host, is \
             127.0.0.1:5060, or [::1]:5060 facing an IPv6 peer)"
        );
    }
}
