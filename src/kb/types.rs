//! Plain data types of the knowledge base, deserialised from `assets/*.toml`.
//! Their strings and lists are `Text`, `List` and `Map` (see `data.rs`):
//! static data in the embedded base that `build.rs` generates, owned values
//! when read at run time. A field added here is carried into the generated
//! base without further work (`emit.rs` follows serde).

pub use super::data::{Keyed, List, Map, Text};
use serde::{Deserialize, Serialize};

/// One SIP response code with its guidance.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    /// The three-digit status code.
    pub code: u16,
    /// The registered reason phrase, spelled as the IANA registry spells it
    /// (for unregistered codes: the phrase seen in the wild).
    pub reason: Text,
    /// False for codes that are not in the IANA registry.
    #[serde(default = "default_true")]
    pub registered: bool,
    /// Deprecated by a later RFC (e.g. 202 by RFC 6665).
    #[serde(default)]
    pub deprecated: bool,
    /// Why it is deprecated and what the field still does with it.
    #[serde(default)]
    pub deprecated_note: Option<Text>,
    /// Citations, `RFC <n>` optionally followed by ` §<section>`.
    pub references: List<Text>,
    /// Extra words the fuzzy search matches (symptoms, jargon).
    #[serde(default)]
    pub keywords: List<Text>,
    /// One line.
    pub summary: Text,
    /// A fuller description (a paragraph or two).
    pub description: Text,
    /// Typical situations in which the code is seen.
    pub when: List<Text>,
    /// Elements that usually send it: UAS, proxy, registrar, gateway, B2BUA, redirect server, notifier...
    pub senders: List<Text>,
    /// Methods the code is usually a response to.
    #[serde(default)]
    pub methods: List<Text>,
    /// Retry semantics: safe to retry, after what, with what change.
    pub retry: Text,
    /// Forking semantics, where they matter.
    #[serde(default)]
    pub forking: Option<Text>,
    /// Codes people confuse with this one, or that usually come with it.
    #[serde(default)]
    pub related: List<u16>,
    /// The ordered "how to fix" checklist.
    pub steps: List<Step>,
    /// Which claims or citations of the entry could not be checked against a
    /// source (shown as "(unverified: ...)"); absent when all were checked.
    #[serde(default)]
    pub unverified: Option<Text>,
}

fn default_true() -> bool {
    true
}

/// One step of a "how to fix" checklist.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Imperative title ("Check the Allow header").
    pub title: Text,
    /// What to look at, what good and bad answers look like, what to do next.
    pub detail: Text,
    /// Header names this step inspects, canonical case (`Allow`, `Retry-After`).
    #[serde(default)]
    pub headers: List<Text>,
    /// Command hints keyed by tool: sngrep, tshark, ngrep, asterisk, freeswitch, kamailio, opensips.
    #[serde(default)]
    pub commands: Map,
    /// What in this step could not be checked against a source (shown to the
    /// user as "(unverified: ...)"); absent when every claim was checked.
    #[serde(default)]
    pub unverified: Option<Text>,
    /// The request methods this step is about, when only some: a step for
    /// a 200 to REGISTER does not apply to a 200 to INVITE. Empty: any.
    #[serde(default)]
    pub methods: List<Text>,
    /// What of the message body this step inspects, one of [`BODY_FACTS`]:
    /// a decoded message lists those facts of its body under the step.
    #[serde(default)]
    pub body: List<Text>,
}

/// The body facts a step may inspect: `type` (the body's type, size and
/// parts), `sdp-media` (each m= line: media, port, transport, codecs),
/// `sdp-security` (SRTP profile, a=crypto, a=fingerprint), `sdp-direction`
/// (sendrecv/sendonly/recvonly/inactive and the c= address),
/// `sdp-attributes` (ptime, bandwidth and the other a= lines).
pub const BODY_FACTS: &[&str] = &[
    "type",
    "sdp-media",
    "sdp-security",
    "sdp-direction",
    "sdp-attributes",
];

impl Step {
    /// Whether the step applies to a response to `method` (an unknown
    /// method: it may).
    pub fn applies_to(&self, method: Option<&str>) -> bool {
        match method {
            Some(m) if !self.methods.is_empty() => self.methods.iter().any(|x| x == m),
            _ => true,
        }
    }
}

/// The response class of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Class {
    Provisional,
    Success,
    Redirection,
    ClientFailure,
    ServerFailure,
    GlobalFailure,
}

impl Class {
    /// The class of a status code, or `None` outside 100..=699.
    pub fn of(code: u16) -> Option<Class> {
        Some(match code {
            100..=199 => Class::Provisional,
            200..=299 => Class::Success,
            300..=399 => Class::Redirection,
            400..=499 => Class::ClientFailure,
            500..=599 => Class::ServerFailure,
            600..=699 => Class::GlobalFailure,
            _ => return None,
        })
    }
    /// The code a client that does not recognise a code of this class
    /// treats it as (RFC 3261 §8.1.3.2): the x00 of the class for a final
    /// code, but 183 Session Progress for a provisional one ("any
    /// provisional response different than 100").
    pub fn understood_as(self) -> u16 {
        match self {
            Class::Provisional => 183,
            Class::Success => 200,
            Class::Redirection => 300,
            Class::ClientFailure => 400,
            Class::ServerFailure => 500,
            Class::GlobalFailure => 600,
        }
    }
    /// `"4xx"` and so on.
    pub fn label(self) -> &'static str {
        match self {
            Class::Provisional => "1xx",
            Class::Success => "2xx",
            Class::Redirection => "3xx",
            Class::ClientFailure => "4xx",
            Class::ServerFailure => "5xx",
            Class::GlobalFailure => "6xx",
        }
    }
    /// A short name for the class.
    pub fn name(self) -> &'static str {
        match self {
            Class::Provisional => "provisional",
            Class::Success => "success",
            Class::Redirection => "redirection",
            Class::ClientFailure => "request failure",
            Class::ServerFailure => "server failure",
            Class::GlobalFailure => "global failure",
        }
    }
    /// What a response of this class says, in one line (RFC 3261 §7.2, §21).
    pub fn meaning(self) -> &'static str {
        match self {
            Class::Provisional => {
                "progress report: the request was received and is being processed; not final"
            }
            Class::Success => "final success: the request was accepted",
            Class::Redirection => "final redirect: try the request again somewhere else",
            Class::ClientFailure => {
                "final failure at this server: the request was wrong here, it may work changed or elsewhere"
            }
            Class::ServerFailure => {
                "final failure of the server: the request may be valid, the server could not handle it"
            }
            Class::GlobalFailure => {
                "final global failure: the request fails at every server, stop trying other branches"
            }
        }
    }
    /// Parse `"4xx"`, `"4"`, `"4XX"`.
    pub fn parse(s: &str) -> Option<Class> {
        let s = s.trim().to_ascii_lowercase();
        let digit = s.strip_suffix("xx").unwrap_or(&s);
        match digit {
            "1" => Some(Class::Provisional),
            "2" => Some(Class::Success),
            "3" => Some(Class::Redirection),
            "4" => Some(Class::ClientFailure),
            "5" => Some(Class::ServerFailure),
            "6" => Some(Class::GlobalFailure),
            _ => None,
        }
    }
    /// All classes in order.
    pub const ALL: [Class; 6] = [
        Class::Provisional,
        Class::Success,
        Class::Redirection,
        Class::ClientFailure,
        Class::ServerFailure,
        Class::GlobalFailure,
    ];
}

/// A file of code entries.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CodeFile {
    #[serde(default)]
    pub code: Vec<CodeEntry>,
}

/// One ITU-T Q.850 cause value.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    pub cause: u8,
    pub name: Text,
    /// Cause class per Q.850 (normal event, resource unavailable, ...).
    pub class: Text,
    /// A short explanation in our words.
    #[serde(default)]
    pub summary: Text,
    /// The SIP responses RFC 3398 §7.2.4.1 maps this cause to. Empty: the
    /// table has no row for it, so its default (500) applies -- unless
    /// `sip_none` says the RFC wants no response at all.
    #[serde(default)]
    pub sip: List<u16>,
    /// RFC 3398 §7.2.4.1 says this cause yields no SIP response (16 ends the
    /// call with BYE or CANCEL; 44 makes the gateway pick another circuit).
    #[serde(default)]
    pub sip_none: bool,
    /// A note on the mapping (e.g. cause 22 with and without diagnostic).
    #[serde(default)]
    pub sip_note: Option<Text>,
}

/// RFC 3398 §8.2.6.1: a SIP response mapped to a Q.850 cause.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SipToCause {
    pub sip: u16,
    /// The cause; absent where the table says "no mapping" (487).
    #[serde(default)]
    pub cause: Option<u8>,
    /// True when `cause` is a default rather than a value of the table
    /// (488 and 606: cause 31 unless the Warning says otherwise).
    #[serde(default)]
    pub default: bool,
    /// Another cause the RFC recommends under a condition told in `note`
    /// (488 and 606: 65 when the Warning concerns bearer capability).
    #[serde(default)]
    pub alt_cause: Option<u8>,
    /// What the row means, in our words.
    #[serde(default)]
    pub note: Option<Text>,
}

/// Where a PBX or softswitch departs from RFC 3398.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// "Asterisk" or "FreeSWITCH".
    pub vendor: Text,
    /// "sip-to-cause" or "cause-to-sip".
    pub direction: Text,
    pub sip: u16,
    pub cause: u8,
    /// What the vendor does and what the RFC says.
    pub note: Text,
    /// Where in the vendor's source this can be checked.
    pub source: Text,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Q850File {
    pub cause: Vec<Cause>,
    pub sip_to_cause: Vec<SipToCause>,
    #[serde(default)]
    pub deviation: Vec<Deviation>,
}

/// An IANA warn-code (RFC 3261 §20.43).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WarnCode {
    pub code: u16,
    /// The registered description.
    pub text: Text,
    pub reference: Text,
    /// What it tells an engineer.
    pub meaning: Text,
}

/// A registered SIP method.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub name: Text,
    pub reference: Text,
    pub summary: Text,
}

/// A registered SIP option tag (Supported / Require / Unsupported).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OptionTag {
    pub name: Text,
    pub reference: Text,
    pub summary: Text,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolFile {
    pub warn: Vec<WarnCode>,
    pub method: Vec<Method>,
    pub option_tag: Vec<OptionTag>,
}

/// Hand-written comparison of two codes people confuse.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    pub a: u16,
    pub b: u16,
    /// Key differences, each a sentence.
    pub differences: List<Text>,
    /// When code `a` is the right answer.
    pub use_a: Text,
    /// When code `b` is the right answer.
    pub use_b: Text,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PairFile {
    pub pair: Vec<Pair>,
}

/// The key a [`super::Table`] of these rows is sorted and looked up by.
macro_rules! keyed {
    ($($row:ident . $field:ident : $key:ty),*) => {$(
        impl Keyed for $row {
            type Key = $key;
            fn key(&self) -> &$key {
                &self.$field
            }
        }
    )*};
}
keyed!(CodeEntry.code: u16, Cause.cause: u8, SipToCause.sip: u16, WarnCode.code: u16);
