//! What the decoder says about a message: plain data with stable JSON
//! keys. Strings taken from the message are raw (renderers sanitise them).

use serde::Serialize;

/// A request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Response,
    Request,
}

/// Everything sipfix can say about one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// A response or a request (`"response"`, `"request"` in JSON).
    pub kind: Kind,
    /// The valid status code, or null (request, or an invalid code).
    pub code: Option<u16>,
    /// The status-code field as written, for a response (valid or not).
    pub raw_code: Option<String>,
    /// The reason phrase as received (responses only).
    pub reason: Option<String>,
    /// The IANA-registered reason phrase of the code, when it is registered.
    pub registered_reason: Option<String>,
    /// A valid code that is not in the IANA registry: explained as the x00 of
    /// its class, a 1xx as 183 (RFC 3261 §8.1.3.2).
    pub unregistered: bool,
    /// The knowledge-base entry used to explain the code (the x00 of the
    /// class, 183 for a 1xx, for a code without an entry of its own).
    pub explained_as: Option<u16>,
    /// `"4xx"` and so on.
    pub class: Option<String>,
    /// What a response of the class means.
    pub class_meaning: Option<String>,
    /// One-line summary of the code from the knowledge base.
    pub summary: Option<String>,
    /// The request method (requests only).
    pub method: Option<String>,
    /// The Request-URI (requests only).
    pub request_uri: Option<String>,
    /// The method in CSeq: for a response, the method of the request it answers.
    pub cseq_method: Option<String>,
    /// The CSeq number, when valid (at most 2^32-1).
    pub cseq: Option<u32>,
    pub call_id: Option<String>,
    pub sender: Sender,
    /// Allow, in message order.
    pub allow: Vec<String>,
    /// Registered methods missing from Allow (only when Allow is present).
    pub allow_missing: Vec<String>,
    /// For 405/501: whether the request's method is in Allow, and what it means.
    pub allow_advice: Option<String>,
    pub allow_events: Vec<String>,
    pub supported: Vec<String>,
    pub require: Vec<String>,
    pub unsupported: Vec<String>,
    pub proxy_require: Vec<String>,
    /// Every option tag seen in Supported, Require, Unsupported, Proxy-Require.
    pub option_tags: Vec<OptionTagInfo>,
    pub reasons: Vec<ReasonInfo>,
    /// Which Reason value to trust, and why.
    pub reason_advice: Option<String>,
    pub warnings: Vec<WarningInfo>,
    pub retry_after: Option<RetryAfter>,
    pub min_expires: Option<Interval>,
    pub min_se: Option<Interval>,
    pub session_expires: Option<Interval>,
    pub subscription_state: Option<SubscriptionState>,
    pub event: Option<EventInfo>,
    /// For 489: the Event package against Allow-Events.
    pub event_advice: Option<String>,
    pub challenges: Vec<Challenge>,
    pub accept: Vec<String>,
    pub accept_encoding: Vec<String>,
    pub accept_language: Vec<String>,
    pub content_type: Option<String>,
    /// The Content-Length value, when present, numeric and unambiguous.
    pub content_length: Option<u64>,
    /// The size of the body actually found, in bytes.
    pub body_length: usize,
    /// Every header in message order, with a one-line meaning.
    pub headers: Vec<HeaderInfo>,
    /// The body: its lines (an SDP body decoded), or a summary of a binary
    /// one; null when the message has none.
    pub body: Option<BodyInfo>,
    /// The code's how-to-fix steps with this message's values (see
    /// [`super::findings`]).
    pub checklist: Vec<StepFinding>,
    /// Observations that are not errors (unknown method, unregistered code...).
    pub notes: Vec<String>,
    /// Everything malformed or suspicious, one sentence each.
    pub problems: Vec<String>,
    /// Lists cut short: a hostile message can repeat a header or a value
    /// thousands of times, and only the first ones are listed.
    pub omitted: Vec<Omitted>,
}

/// A list of which only the first items are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Omitted {
    /// What was counted: `Allow values`, `Via header lines`, `header lines`.
    pub what: String,
    /// How many are listed.
    pub shown: usize,
    /// How many the message has.
    pub total: usize,
}

/// Values of one list header (Allow, Supported, Reason...) kept, at most.
pub const MAX_VALUES: usize = 32;
/// Lines of one header name listed in `headers`, at most.
pub const MAX_LINES_PER_NAME: usize = 20;
/// Header lines listed in `headers`, at most.
pub const MAX_HEADER_LINES: usize = 300;

/// Who likely sent the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sender {
    pub server: Option<String>,
    pub user_agent: Option<String>,
    pub via_count: usize,
    /// The first Via value (the latest hop of the request).
    pub top_via: Option<String>,
    /// The product recognised in Server / User-Agent.
    pub product: Option<String>,
    /// Its role (`"proxy"`, `"sbc"`, `"pbx"`, `"gateway"`, `"phone"`,
    /// `"service"`, `"tool"`, `"scanner"` in JSON).
    pub role: Option<Role>,
    /// A sentence or three on which element likely sent it.
    pub likely: String,
}

/// An option tag seen in the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionTagInfo {
    pub tag: String,
    /// True for an IANA-registered option tag.
    pub known: bool,
    pub reference: Option<String>,
    pub summary: Option<String>,
    /// The headers it appears in.
    pub headers: Vec<String>,
}

/// One Reason header value (RFC 3326).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonInfo {
    /// The protocol as written (`Q.850`, `SIP`).
    pub protocol: String,
    pub cause: Option<u64>,
    pub text: Option<String>,
    /// Decoded: the cause's name and RFC 3398 mapping, or the SIP code.
    pub meaning: String,
}

/// One Warning header value (RFC 3261 §20.43).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningInfo {
    /// The warn-code when it is three digits.
    pub code: Option<u16>,
    /// The warn-code field as written.
    pub raw_code: String,
    pub agent: String,
    pub text: String,
    pub meaning: String,
    /// Three digits from 300 to 399.
    pub valid: bool,
    /// Listed in the IANA warn-code registry.
    pub registered: bool,
}

/// Retry-After (RFC 3261 §20.33).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryAfter {
    /// Seconds, when numeric and representable (never wrapped).
    pub seconds: Option<u64>,
    pub comment: Option<String>,
    /// The `duration` parameter, in seconds.
    pub duration: Option<u64>,
    /// In words: "retry in 2 minutes (maintenance)".
    pub meaning: String,
}

/// A seconds value with an optional refresher (Min-Expires, Min-SE,
/// Session-Expires).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub value: Option<u64>,
    /// `uac` or `uas` (Session-Expires only).
    pub refresher: Option<String>,
    pub meaning: String,
}

/// Subscription-State (RFC 6665).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionState {
    pub state: String,
    pub reason: Option<String>,
    pub expires: Option<u64>,
    pub retry_after: Option<u64>,
    pub meaning: String,
}

/// Event (RFC 6665).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    pub package: String,
    pub id: Option<String>,
    pub meaning: String,
}

/// One authentication challenge (WWW-Authenticate / Proxy-Authenticate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenge {
    /// The header it came from.
    pub header: String,
    pub scheme: String,
    pub realm: Option<String>,
    pub nonce: Option<String>,
    pub algorithm: Option<String>,
    pub qop: Vec<String>,
    pub stale: bool,
    /// True when an `opaque` parameter is present.
    pub opaque: bool,
    pub domain: Option<String>,
    /// What this challenge tells the engineer.
    pub advice: Vec<String>,
}

/// One header with its decoded or generic meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderInfo {
    pub name: std::borrow::Cow<'static, str>,
    pub value: String,
    pub meaning: String,
    /// 1-based line in the input.
    pub line: usize,
}

/// The role of a recognised product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Proxy,
    Sbc,
    Pbx,
    Gateway,
    Phone,
    Service,
    Tool,
    Scanner,
}

impl Role {
    /// The role in a few words: "a proxy", "an SBC".
    pub fn what(self) -> &'static str {
        match self {
            Role::Proxy => "a proxy",
            Role::Sbc => "an SBC",
            Role::Pbx => "a PBX or B2BUA",
            Role::Gateway => "a PSTN gateway",
            Role::Phone => "an end device",
            Role::Service => "a hosted service",
            Role::Tool => "a test tool",
            Role::Scanner => "a scanner",
        }
    }
}

/// A message body, or one part of a multipart body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BodyInfo {
    /// Its Content-Type as written (a part's own for a part of a
    /// multipart body); null when none is given.
    pub content_type: Option<String>,
    /// How it was read (`"sdp"`, `"multipart"`, `"text"`, `"binary"`,
    /// `"encoded"` in JSON).
    pub kind: BodyKind,
    /// Its size in bytes.
    pub length: usize,
    /// What it is, in one line.
    pub summary: String,
    /// Its first lines as received (raw; none for a binary or encoded
    /// body), each with what it says when sipfix decodes it.
    pub lines: Vec<BodyLine>,
    /// Lines it has beyond those listed.
    pub more_lines: usize,
    /// The session description, for an SDP body.
    pub sdp: Option<SdpInfo>,
    /// The parts of a multipart body, each read the same way.
    pub parts: Vec<BodyInfo>,
    /// What is malformed in it, one sentence each.
    pub problems: Vec<String>,
}

/// How a body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// A session description (RFC 8866), decoded.
    Sdp,
    /// A multipart body (RFC 2046 §5.1), split into its parts.
    Multipart,
    /// Text, listed line by line.
    Text,
    /// Binary data (ISUP, QSIG, media): summarised, not listed.
    Binary,
    /// Compressed or otherwise encoded (Content-Encoding): summarised.
    Encoded,
}

/// One line of a body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BodyLine {
    /// The line as received (raw; cut after 300 bytes).
    pub text: String,
    /// What it says, for an SDP line sipfix decodes.
    pub meaning: Option<String>,
}

/// What an SDP body describes (RFC 8866).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdpInfo {
    /// It lists the media capabilities of the side that answered (the body
    /// of a 488 or 606, RFC 3261 §21.4.26 and §21.6.4, or of a 2xx to
    /// OPTIONS, §11.2), not an offer or answer: its `m=` lines have port 0
    /// by rule (RFC 3264 §9), which declines nothing.
    pub capabilities: bool,
    /// The session-level connection address (`c=`), as written.
    pub connection: Option<String>,
    /// The session-level direction attribute (`sendrecv`, `sendonly`,
    /// `recvonly`, `inactive`), when there is one.
    pub direction: Option<String>,
    /// The media descriptions (`m=` lines) in order.
    pub media: Vec<SdpMedia>,
    /// `m=` lines beyond those listed.
    pub more_media: usize,
}

/// One media description (`m=` line) with its attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdpMedia {
    /// `audio`, `video`, `image`, `application`...
    pub media: String,
    /// The port, when it is a number from 0 to 65535.
    pub port: Option<u32>,
    /// Port 0 in an offer or answer: the stream is declined or disabled
    /// (RFC 3264 §6, §8.2); never set in a list of capabilities.
    pub declined: bool,
    /// The transport protocol (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, `udptl`).
    pub transport: String,
    /// The transport is SRTP (a `SAVP` profile).
    pub secure: bool,
    /// The formats (payload types) in the order offered.
    pub formats: Vec<SdpFormat>,
    /// The connection address that applies: the media's own `c=`, else the
    /// session's.
    pub connection: Option<String>,
    /// The direction that applies: the media's attribute, else the
    /// session's, else `sendrecv` (the default).
    pub direction: String,
    /// Where `direction` comes from: `"media"`, `"session"` or `"default"`.
    pub direction_from: String,
    /// An `a=crypto` line (SDES keys for SRTP, RFC 4568) is present.
    pub crypto: bool,
    /// An `a=fingerprint` line (DTLS-SRTP, RFC 8122) applies (media or
    /// session level).
    pub fingerprint: bool,
    /// Other attribute names of the media, in order, once each (`ptime`,
    /// `rtcp-mux`...).
    pub attributes: Vec<String>,
}

/// One format of a media description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdpFormat {
    /// The payload type (or format) as written.
    pub format: String,
    /// The encoding: from `a=rtpmap`, or the static payload type's
    /// (RFC 3551 §6); null when unknown.
    pub encoding: Option<String>,
    /// The `a=fmtp` parameters, when given.
    pub fmtp: Option<String>,
}

/// One checklist step with this message's evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFinding {
    /// 1-based step number.
    pub step: usize,
    pub title: String,
    /// The headers the step inspects, with this message's values (raw).
    pub headers: Vec<HeaderValues>,
    /// The body facts the step inspects (`type`, `sdp-media`,
    /// `sdp-security`, `sdp-direction`, `sdp-attributes`); their findings
    /// are in `findings`.
    pub body: Vec<String>,
    /// Sentences computed from those values (sanitised excerpts).
    pub findings: Vec<String>,
    /// False for a step about other request methods than the one this
    /// message answers (a REGISTER step for a 200 to INVITE): it has no
    /// values and one finding saying so.
    pub applies: bool,
}

/// The values of one header in the message (list headers split at commas).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderValues {
    pub name: String,
    pub values: Vec<String>,
}
