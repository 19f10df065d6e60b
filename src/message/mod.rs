//! Raw SIP message parsing and decoding, independent of any terminal.
//!
//! The pipeline is [`parse`] (bytes to a tolerant [`Message`]), [`explain`]
//! (a [`Message`] plus the knowledge base to a serialisable
//! [`Explanation`], with the code's checklist tied to this message's header
//! values, see [`findings`]), then [`to_doc`]: a [`crate::doc::Doc`] that the
//! text, Markdown and TUI renderers lay out ([`render_text`] and
//! [`render_markdown`] are the short ways).
//!
//! Modules, each importing only those below it: `parse` and `headers`
//! (bytes to [`Message`]); `model` (the [`Explanation`] types, plain data);
//! `meanings` (header values read: Reason, Warning, timers, Event),
//! `body` (the body's lines, SDP decoded, multipart parts split),
//! `auth` (challenges), `sender` (who sent it); `checklist` (the code's steps
//! against the values, reading the model only); `explain` (runs the passes).
//!
//! The parser is built for pastes from jump hosts: it skips log prefixes
//! before the start line, accepts CRLF, bare LF and the CR-only line ends of
//! a terminal paste (CR CR, lone CR), unfolds continuation
//! lines, expands compact header names, and reports everything malformed as
//! a *problem* instead of failing. Only input that is too large or holds no
//! SIP start line at all is an error. Header values are kept exactly as
//! received (after unfolding); they are sanitised when rendered.
//!
//! ```
//! use sipfix::kb::Kb;
//! use sipfix::message;
//!
//! let msg = message::parse(b"SIP/2.0 503 Service Unavailable\r\nRetry-After: 120\r\n\r\n").unwrap();
//! let expl = message::explain(&msg, Kb::embedded());
//! assert_eq!(expl.code, Some(503));
//! assert_eq!(expl.retry_after.as_ref().and_then(|r| r.seconds), Some(120));
//! let text = message::render_text(&expl);
//! assert!(text.contains("503"));
//! ```

mod auth;
mod body;
mod checklist;
mod dissection;
mod explain;
pub mod headers;
mod meanings;
mod model;
mod parse;
mod render;
mod sender;
pub(crate) mod text;

pub use body::MAX_BODY_LINES;
pub use checklist::{body_findings, findings};
pub use explain::{decode_reason, decode_retry_after, decode_warning, explain};
pub use model::{
    BodyInfo, BodyKind, BodyLine, Challenge, EventInfo, Explanation, HeaderInfo, HeaderValues,
    Interval, Kind, MAX_HEADER_LINES, MAX_LINES_PER_NAME, MAX_VALUES, Omitted, OptionTagInfo,
    ReasonInfo, RetryAfter, Role, SdpFormat, SdpInfo, SdpMedia, Sender, StepFinding,
    SubscriptionState, WarningInfo,
};
pub(crate) use parse::is_start_line;
pub use parse::{MAX_INPUT, parse, parse_all};
pub use render::{render_markdown, render_text, to_doc};

use std::borrow::Cow;

/// Parse the first SIP message in `input` and explain it: [`parse`] then
/// [`explain`], the one call the CLI, the TUI and the benchmark need.
pub fn decode(input: &[u8], kb: &crate::kb::Kb) -> Result<Explanation, InputError> {
    parse(input).map(|m| explain(&m, kb))
}

/// Why input could not be read as a SIP message at all. Everything short of
/// this is parsed, with problems recorded in [`Message::problems`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The input is larger than [`MAX_INPUT`] bytes.
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
    },
    /// No SIP status line or request line near the top of the input.
    NotSip,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::TooLarge { size } => write!(
                f,
                "input is {size} bytes; sipfix reads SIP messages of at most {} bytes (1 MiB)",
                MAX_INPUT
            ),
            InputError::NotSip => write!(
                f,
                "no SIP message found: expected a status line like 'SIP/2.0 486 Busy Here' \
                 or a request line like 'INVITE sip:bob@example.com SIP/2.0' near the top"
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// The first line of a SIP message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum StartLine {
    /// `SIP/2.0 486 Busy Here`.
    Response {
        /// The version as written (`SIP/2.0`).
        version: String,
        /// The status code when it is exactly three digits from 100 to 699.
        code: Option<u16>,
        /// The status-code field exactly as written, valid or not.
        raw_code: String,
        /// The reason phrase as written (may be empty).
        reason: String,
    },
    /// `INVITE sip:bob@example.com SIP/2.0`.
    Request {
        /// The method as written (methods are case-sensitive).
        method: String,
        /// The Request-URI as written.
        uri: String,
        /// The version as written (empty when missing).
        version: String,
    },
}

/// One header field, unfolded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Header {
    /// Canonical name for known headers and compact forms, else as written.
    /// Borrowed from the static header table for known headers.
    pub name: Cow<'static, str>,
    /// The name exactly as written (`v`, `cseq`).
    pub raw_name: Cow<'static, str>,
    /// The value, trimmed, with folded lines joined by a single space.
    pub value: String,
    /// 1-based line number of the header's first line in the input.
    pub line: usize,
}

/// A parsed SIP message: tolerant, with everything odd listed in `problems`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub start: StartLine,
    /// Header fields in message order.
    pub headers: Vec<Header>,
    /// The body (invalid UTF-8 replaced), possibly empty.
    pub body: String,
    /// The body's length on the wire, from its bytes (see
    /// [`Message::body_wire_len`]): replacing invalid UTF-8 in `body`
    /// changes its length.
    body_len: usize,
    /// 1-based line number of the start line in the input.
    pub start_line_no: usize,
    /// Malformed or suspicious things found, one sentence each.
    pub problems: Vec<String>,
}

impl Message {
    /// The body's length on the wire, comparable with Content-Length: a
    /// body pasted without CRs (a terminal or an editor dropped them)
    /// counts each line end as the CRLF it was sent as.
    pub fn body_wire_len(&self) -> usize {
        self.body_len
    }

    /// True for a response.
    pub fn is_response(&self) -> bool {
        matches!(self.start, StartLine::Response { .. })
    }

    /// The valid status code of a response.
    pub fn code(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => *code,
            StartLine::Request { .. } => None,
        }
    }

    /// The request method, for a request.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// All header fields with this name (full or compact, any case).
    pub fn headers_named<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a Header> + use<'a, 'n> {
        let want = headers::canonical(name);
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(want.as_ref()))
    }

    /// The value of the first header field with this name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers_named(name).next().map(|h| h.value.as_str())
    }

    /// Every value of a header: list headers are split at commas (outside
    /// quotes and `<...>`), others give one value per header line.
    pub fn values(&self, name: &str) -> Vec<&str> {
        let list = headers::is_list(name);
        let mut out = Vec::new();
        for h in self.headers_named(name) {
            if list {
                out.extend(headers::split_list(&h.value));
            } else {
                out.push(h.value.as_str());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
