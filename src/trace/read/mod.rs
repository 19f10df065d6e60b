//! The trace readers: from input bytes to SIP messages.
//!
//! [`read_inputs`] detects each input's format by its content (gzip is
//! undone first), frames it (pcap, pcapng or a text log), and for captures
//! decodes every frame down to the SIP messages in it, handing each to the
//! [`Sink`] as a [`crate::trace::Record`]. [`export_pcap`] copies chosen
//! frames back out.
//!
//! Inputs are read in chunks of about 1 MiB into one reused buffer, so
//! memory does not grow with the file; a message within one packet is
//! handed on as a slice of that buffer, never copied.

pub(crate) mod build;
mod capture;
mod defrag;
mod export;
mod hep;
pub(crate) mod link;
pub(crate) mod packet;
mod pcap;
mod pcapng;
pub(crate) mod sip;
pub(crate) mod source;
pub mod stdin;
mod tcp;
mod ws;

pub use export::{Exported, LOG_HOST, LOG_HOST_V6, MSS, export_capture, export_pcap};

use crate::trace::{Format, SourceInfo};
use crate::trace::{Sink, logs};
use capture::{Frame, Frames};
use packet::{Decoder, Out};
use source::Source;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// One input to read.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file (compressed with gzip or not).
    Path(PathBuf),
    /// Standard input, read once (to export from it, read it into
    /// [`Input::Bytes`] first).
    Stdin,
    /// Bytes already in memory (standard input kept for a second pass,
    /// tests).
    Bytes(Vec<u8>),
}

impl Input {
    /// The input as named in reports: the path, `-` for standard input.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin | Input::Bytes(_) => "-".to_string(),
        }
    }

    /// A reader over the input and its size when known.
    fn open(&self) -> io::Result<(Box<dyn Read + '_>, u64)> {
        match self {
            Input::Path(p) => {
                let f = std::fs::File::open(p)?;
                let meta = f.metadata()?;
                if meta.is_dir() {
                    return Err(io::Error::other("is a directory"));
                }
                Ok((Box::new(f), meta.len()))
            }
            Input::Stdin => Ok((Box::new(stdin::Stdin::open()?), 0)),
            Input::Bytes(b) => Ok((Box::new(&b[..]), b.len() as u64)),
        }
    }
}

/// The formats sipfix reads, for error messages and `--help`.
pub const ACCEPTED_FORMATS: &str = "pcap, pcapng (either may be gzip-compressed), \
     Asterisk PJSIP logger, Asterisk chan_sip debug, FreeSWITCH sofia siptrace, \
     Kamailio sipdump, sngrep .txt, ngrep -W byline, raw SIP messages";

/// Why an input could not be read at all. Its `Display` is one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The input could not be opened or its first bytes read.
    Open { path: String, reason: String },
    /// The input is neither a capture nor a log with SIP in it.
    NotATrace { path: String, reason: String },
    /// `--format` named a format the input is not in.
    WrongFormat { path: String, format: Format },
    /// The input is UTF-16 text (PowerShell's `>` writes it): sipfix reads
    /// UTF-8 only. `encoding` is the name iconv knows it by, `gzip` says
    /// it was compressed.
    Utf16 {
        path: String,
        encoding: &'static str,
        gzip: bool,
    },
    /// Standard input was asked for a second time (it can be read once).
    StdinAgain,
    /// Writing an export failed (`kind` tells a closed pipe apart).
    Write { reason: String, kind: io::ErrorKind },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Open { path, reason } => write!(f, "cannot read {path}: {reason}"),
            ReadError::NotATrace { path, reason } => write!(
                f,
                "{path}: not a capture or SIP log ({reason}); accepted formats: {ACCEPTED_FORMATS}"
            ),
            ReadError::WrongFormat { path, format } => write!(
                f,
                "{path}: not in the {} format that --format names; accepted formats: \
                 {ACCEPTED_FORMATS} (--format auto detects them)",
                format_name(*format)
            ),
            ReadError::Utf16 {
                path,
                encoding,
                gzip,
            } => {
                let iconv = format!("iconv -f {encoding} -t UTF-8");
                write!(f, "{path}: {encoding} text, which sipfix does not read; ")?;
                if path == "-" {
                    write!(f, "pipe it through `{iconv}` first")
                } else {
                    let q = shell_word(path);
                    if *gzip {
                        write!(
                            f,
                            "convert it to UTF-8 first: zcat {q} | {iconv} > {q}.utf8"
                        )
                    } else {
                        write!(f, "convert it to UTF-8 first: {iconv} {q} > {q}.utf8")
                    }
                }
            }
            ReadError::StdinAgain => write!(
                f,
                "standard input can be read only once; save it to a file first"
            ),
            ReadError::Write { reason, .. } => write!(f, "cannot write the export: {reason}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `s` as one shell word: as it is when it is made of characters no shell
/// gives a meaning, else in single quotes.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_./+-,:@%=".contains(&c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Whether `head` (the first bytes of an input) is UTF-16 text, and the
/// name iconv knows its encoding by: a byte-order mark (FF FE, FE FF), or
/// without one nine in ten of its first 2,048 code units ASCII text with
/// the other byte NUL.
fn utf16(head: &[u8]) -> Option<&'static str> {
    if pcap::is_pcap_magic(head) || pcapng::is_pcapng_magic(head) {
        return None;
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Some("UTF-16");
    }
    let text = |c: u8| matches!(c, b'\t' | b'\n' | b'\r' | 0x20..=0x7e);
    let units = head[..head.len().min(4096)].chunks_exact(2);
    let n = units.len();
    let (mut le, mut be) = (0usize, 0usize);
    for u in units {
        le += usize::from(u[1] == 0 && text(u[0]));
        be += usize::from(u[0] == 0 && text(u[1]));
    }
    if n < 8 {
        None
    } else if le * 10 >= n * 9 {
        Some("UTF-16LE")
    } else if be * 10 >= n * 9 {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// The name `--format` uses for a format.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Auto => "auto",
        Format::Pcap => "pcap",
        Format::Pcapng => "pcapng",
        Format::Pjsip => "pjsip",
        Format::ChanSip => "chan_sip",
        Format::Sofia => "sofia",
        Format::Sipdump => "sipdump",
        Format::Sngrep => "sngrep",
        Format::Ngrep => "ngrep",
        Format::Raw => "raw",
    }
}

/// The UTF-8 byte-order mark, skipped at the start of a text input.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much of an input detection looks at.
const DETECT_WINDOW: usize = 4 << 20;

/// Report progress every this many raw input bytes.
const PROGRESS_STEP: u64 = 4 << 20;

/// Detect the format of an input from its first bytes (after gzip).
pub fn detect(head: &[u8]) -> Option<Format> {
    if pcap::is_pcap_magic(head) {
        Some(Format::Pcap)
    } else if pcapng::is_pcapng_magic(head) {
        Some(Format::Pcapng)
    } else {
        logs::detect(head)
    }
}

/// Whether `head` could be in `format` (for a forced `--format`).
fn fits(format: Format, head: &[u8]) -> bool {
    match format {
        Format::Auto => true,
        Format::Pcap => pcap::is_pcap_magic(head),
        Format::Pcapng => pcapng::is_pcapng_magic(head),
        _ => logs::looks_like_text(head),
    }
}

/// Open an input and settle its format. The source is positioned at the
/// start, with at least the detection window filled.
fn open(input: &Input, forced: Format) -> Result<(Source<'_>, Format), ReadError> {
    open_until(input, forced, None)
}

/// [`open`], and with `stop` the input's reads fail once it is set: an
/// export that gave up ends the inputs it reads on other threads at their
/// next read, instead of letting them read on to the end.
fn open_until<'a>(
    input: &'a Input,
    forced: Format,
    stop: Option<&'a AtomicBool>,
) -> Result<(Source<'a>, Format), ReadError> {
    let path = input.name();
    let open_err = |e: io::Error| ReadError::Open {
        path: path.clone(),
        reason: e.to_string(),
    };
    let (reader, total) = input.open().map_err(open_err)?;
    let reader: Box<dyn Read + 'a> = match stop {
        Some(stop) => Box::new(Until {
            inner: reader,
            stop,
        }),
        None => reader,
    };
    let mut src = Source::new(reader, total).map_err(open_err)?;
    let read_err = |e: io::Error, gzip: bool| ReadError::NotATrace {
        path: path.clone(),
        reason: if gzip {
            format!("the gzip data is corrupt: {e}")
        } else {
            e.to_string()
        },
    };
    // A read error with bytes in hand (a gzip file cut short) waits until
    // those bytes are read, as it would have further on.
    let fill = |src: &mut Source<'_>, want: usize| match src.fill(want) {
        Ok(n) => Ok(n),
        Err(e) if !src.data().is_empty() => {
            src.deferred = Some(e);
            Ok(src.data().len())
        }
        Err(e) => Err(read_err(e, src.gzip)),
    };
    let mut avail = fill(&mut src, 64 << 10)?;
    if let Some(encoding) = utf16(src.data()) {
        return Err(ReadError::Utf16 {
            path,
            encoding,
            gzip: src.gzip,
        });
    }
    // A hole of NULs first: a log truncated by `logrotate copytruncate`
    // while its writer went on at its old offset (as long as the log was).
    while avail > 0 && src.data()[0] == 0 {
        let n = src.data().iter().take_while(|&&b| b == 0).count();
        src.consume(n);
        src.leading_nuls += n as u64;
        avail = fill(&mut src, 64 << 10)?;
    }
    // A UTF-8 byte-order mark (Windows Notepad's "UTF-8", many editors)
    // is not content: the first line is read without it.
    if src.data().starts_with(UTF8_BOM) {
        src.consume(UTF8_BOM.len());
        avail = src.data().len();
        if avail == 0 {
            return Err(ReadError::NotATrace {
                path,
                reason: "it holds only a UTF-8 byte-order mark".into(),
            });
        }
    }
    if avail == 0 && src.leading_nuls > 0 {
        return Err(ReadError::NotATrace {
            path,
            reason: "it holds only NUL bytes".into(),
        });
    }
    if avail == 0 {
        return Err(ReadError::NotATrace {
            path,
            reason: "it is empty".into(),
        });
    }
    // A log may start with a long stretch of other lines: look further.
    let head = src.data();
    if !pcap::is_pcap_magic(head) && !pcapng::is_pcapng_magic(head) && logs::looks_like_text(head) {
        fill(&mut src, DETECT_WINDOW)?;
    }
    let head = src.data();
    let format = match forced {
        Format::Auto => detect(head).ok_or_else(|| ReadError::NotATrace {
            path: path.clone(),
            reason: if let Some(what) = known_binary(head) {
                what.into()
            } else if logs::looks_like_text(head) {
                "text with no SIP message in its first 4 MiB; if it is a log whose SIP \
                 starts later, name its format with --format"
                    .into()
            } else {
                "binary data of no known capture format".into()
            },
        })?,
        f if fits(f, head) => f,
        f => return Err(ReadError::WrongFormat { path, format: f }),
    };
    Ok((src, format))
}

/// What a binary file that is no capture is, when its magic says, and
/// how to read it: compressed other than with gzip, a journal, an
/// archive, a Wireshark file of another kind.
fn known_binary(head: &[u8]) -> Option<&'static str> {
    const KNOWN: [(&[u8], &str); 6] = [
        (
            b"\xFD7zXZ\x00",
            "xz-compressed: decompress it first (xz -dc FILE | sipfix triage -)",
        ),
        (
            b"BZh",
            "bzip2-compressed: decompress it first (bzip2 -dc FILE | sipfix triage -)",
        ),
        (
            b"\x28\xB5\x2F\xFD",
            "zstd-compressed: decompress it first (zstd -dc FILE | sipfix triage -)",
        ),
        (
            b"LPKSHHRH",
            "a systemd journal file: print it as text first (journalctl --file FILE -o \
             short-iso | sipfix triage -)",
        ),
        (
            b"PK\x03\x04",
            "a zip archive: unpack it and give the capture or log inside",
        ),
        (
            b"ustar",
            "a tar archive: unpack it and give the capture or log inside",
        ),
    ];
    // tar's magic is at offset 257.
    KNOWN.iter().find_map(|&(magic, what)| {
        let at = if magic == b"ustar" { 257 } else { 0 };
        head.get(at..)
            .is_some_and(|h| h.starts_with(magic))
            .then_some(what)
    })
}

/// A reader that fails once `stop` is set.
struct Until<'a, R> {
    inner: R,
    stop: &'a AtomicBool,
}

impl<R: Read> Read for Until<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            // Not `Interrupted`: that would be tried again.
            return Err(io::Error::other("stopped"));
        }
        self.inner.read(buf)
    }
}

/// Read every input in order, detecting each one's format by content
/// unless `format` forces it, and hand every SIP message to `sink`.
///
/// Errors only when an input cannot be opened or is not a capture or log
/// at all (every input is checked before any is read, so nothing is
/// half-done); everything else (truncated files, broken packets, gaps) is
/// a [`crate::trace::Problem`] and the rest of the input is still read.
pub fn read_inputs(
    inputs: &[Input],
    format: Format,
    sink: &mut dyn Sink,
) -> Result<Vec<SourceInfo>, ReadError> {
    check_inputs(inputs, format)?;
    let mut infos = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let file = u32::try_from(i).unwrap_or(u32::MAX);
        infos.push(read_one(file, input, format, sink)?);
    }
    Ok(infos)
}

/// Check the inputs before reading any: standard input at most once, and
/// every regular file openable and a capture or log (in `format` when it
/// is forced). A typo in the last name should not cost the time of
/// reading the others, and a front end can refuse bad input before it
/// starts. Only regular files are opened: a pipe (`<(zcat x.gz)`,
/// /dev/stdin) cannot be read twice.
pub fn check_inputs(inputs: &[Input], format: Format) -> Result<(), ReadError> {
    if inputs.iter().filter(|i| matches!(i, Input::Stdin)).count() > 1 {
        return Err(ReadError::StdinAgain);
    }
    for input in inputs {
        if let Input::Path(p) = input
            && std::fs::metadata(p).is_ok_and(|m| m.is_file())
        {
            open(input, format)?;
        }
    }
    Ok(())
}

/// Read one input.
fn read_one(
    file: u32,
    input: &Input,
    forced: Format,
    sink: &mut dyn Sink,
) -> Result<SourceInfo, ReadError> {
    let (mut src, format) = open(input, forced)?;
    let mut info = SourceInfo {
        path: input.name(),
        format,
        gzip: src.gzip,
        ..SourceInfo::default()
    };
    let total = src.total;
    let mut out = Out::new(file, sink);
    if src.leading_nuls > 0 {
        out.problem(
            None,
            format!(
                "the input starts with {} NUL bytes (a log truncated while it was written, \
                 `logrotate copytruncate`?); read from the first byte after them",
                src.leading_nuls
            ),
        );
    }
    let mut next_progress = PROGRESS_STEP;
    let result = match format {
        Format::Pcap | Format::Pcapng => {
            let mut reading = Reading {
                dec: Decoder::default(),
                out: &mut out,
                info: &mut info,
                next_progress,
            };
            let r = if format == Format::Pcap {
                pcap::read(&mut src, &mut reading)
            } else {
                pcapng::read(&mut src, &mut reading)
            };
            reading.finish();
            r
        }
        _ => {
            let mut progress = |src: &Source<'_>, out: &mut Out<'_>| {
                let raw = src.raw_read();
                if raw >= next_progress {
                    out.sink.progress(raw, total);
                    next_progress = raw + PROGRESS_STEP;
                }
            };
            logs::read(
                format,
                &mut src,
                &mut out,
                reference_time(input),
                &mut progress,
            )
            .map(|entries| {
                info.packets = entries;
            })
        }
    };
    let result = result.and_then(|()| src.deferred.take().map_or(Ok(()), Err));
    if let Err(e) = result {
        out.problem(
            None,
            format!(
                "read error after {} bytes{}: {e}; the rest of this input is not read",
                src.offset(),
                if src.gzip {
                    " (of gzip-decompressed data)"
                } else {
                    ""
                }
            ),
        );
    }
    out.finish();
    info.sip_messages = out.messages;
    info.bytes = src.offset() + src.data().len() as u64;
    let raw = src.raw_read();
    out.sink.progress(raw, total.max(raw));
    Ok(info)
}

/// The time a text log's year-less or date-less stamps are placed by:
/// the file's modification time, or now (see `logs::clock`).
pub(crate) fn reference_time(input: &Input) -> (i64, &'static str) {
    let to_ns = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_nanos()).ok())
    };
    if let Input::Path(p) = input
        && let Some(ns) = std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(to_ns)
    {
        return (ns, "file's modification time");
    }
    (
        to_ns(std::time::SystemTime::now()).unwrap_or(0),
        "current date (standard input has no file date)",
    )
}

/// The frame visitor of a capture being read: decode each frame.
struct Reading<'o, 's> {
    dec: Decoder,
    out: &'o mut Out<'s>,
    info: &'o mut SourceInfo,
    next_progress: u64,
}

impl Reading<'_, '_> {
    /// Flush what spans packets (reassembly buffers) at the end.
    fn finish(&mut self) {
        self.dec.finish(self.out);
    }
}

impl Frames for Reading<'_, '_> {
    fn link_type(&mut self, linktype: u32) {
        let name = link::name(linktype);
        if !self.info.link_types.contains(&name) {
            self.info.link_types.push(name);
        }
    }

    #[inline]
    fn frame(&mut self, f: &Frame<'_>) {
        self.info.packets += 1;
        self.dec.frame(f.linktype, f.data, f.meta, self.out);
    }

    fn problem(&mut self, frame: Option<u64>, text: String) {
        self.out.problem(frame, text);
    }

    #[inline]
    fn progress(&mut self, src: &Source<'_>) {
        let raw = src.raw_read();
        if raw >= self.next_progress {
            self.out.sink.progress(raw, src.total);
            self.next_progress = raw + PROGRESS_STEP;
        }
    }
}
