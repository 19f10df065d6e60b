//! Header-field knowledge the parser and decoder share: canonical names,
//! compact forms, which headers are comma-separated lists, a one-line
//! description of each, and small syntax helpers (list and parameter
//! splitting, unquoting) that respect quoted strings and `<...>` URIs.

/// What sipfix knows about one header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderDef {
    /// Canonical spelling (`Call-ID`, `WWW-Authenticate`).
    pub name: &'static str,
    /// Compact form (RFC 3261 §7.3.3 and later RFCs), if any.
    pub compact: Option<char>,
    /// True when the grammar is a comma-separated list (`#element`), so that
    /// `A, B` means the same as two header lines `A` and `B`.
    pub list: bool,
    /// One line: what the header is for, with its reference.
    pub about: &'static str,
    /// True for headers that only appear in requests.
    pub request_only: bool,
}

const fn h(name: &'static str, list: bool, about: &'static str) -> HeaderDef {
    HeaderDef {
        name,
        compact: None,
        list,
        about,
        request_only: false,
    }
}

const fn hc(name: &'static str, compact: char, list: bool, about: &'static str) -> HeaderDef {
    HeaderDef {
        name,
        compact: Some(compact),
        list,
        about,
        request_only: false,
    }
}

const fn req(d: HeaderDef) -> HeaderDef {
    HeaderDef {
        request_only: true,
        ..d
    }
}

/// Known header fields, sorted by lower-case name (binary-searched).
pub const HEADERS: &[HeaderDef] = &[
    h(
        "Accept",
        true,
        "media types the sender accepts in bodies (RFC 3261 §20.1)",
    ),
    req(hc(
        "Accept-Contact",
        'a',
        true,
        "caller preferences: features the target UA should have (RFC 3841)",
    )),
    h(
        "Accept-Encoding",
        true,
        "content codings the sender accepts, e.g. gzip (RFC 3261 §20.2)",
    ),
    h(
        "Accept-Language",
        true,
        "languages the sender prefers for reason phrases and bodies (RFC 3261 §20.3)",
    ),
    h(
        "Accept-Resource-Priority",
        true,
        "resource-priority namespaces the sender accepts (RFC 4412)",
    ),
    h(
        "Alert-Info",
        true,
        "alternative ring tone or ringback to play (RFC 3261 §20.4)",
    ),
    h(
        "AlertMsg-Error",
        false,
        "why an alert message could not be processed (RFC 8876)",
    ),
    h(
        "Allow",
        true,
        "methods the sender supports (RFC 3261 §20.5)",
    ),
    hc(
        "Allow-Events",
        'u',
        true,
        "event packages the sender supports (RFC 6665)",
    ),
    h(
        "Answer-Mode",
        false,
        "requested answer mode, e.g. Auto for intercom (RFC 5373)",
    ),
    h(
        "Authentication-Info",
        false,
        "digest data the server returns after successful authentication (RFC 3261 §20.6)",
    ),
    req(h(
        "Authorization",
        false,
        "the client's credentials for a UAS or registrar (RFC 3261 §20.7)",
    )),
    hc(
        "Call-ID",
        'i',
        false,
        "identifies the call or registration; the same in every message of a dialog (RFC 3261 §20.8)",
    ),
    h(
        "Call-Info",
        true,
        "extra information about the caller or callee (RFC 3261 §20.9)",
    ),
    hc(
        "Contact",
        'm',
        true,
        "where the sender can be reached directly for later requests (RFC 3261 §20.10)",
    ),
    h(
        "Content-Disposition",
        false,
        "how to use the body: session, render, icon, alert (RFC 3261 §20.11)",
    ),
    hc(
        "Content-Encoding",
        'e',
        true,
        "codings applied to the body, e.g. gzip (RFC 3261 §20.12)",
    ),
    h(
        "Content-Language",
        true,
        "language of the body (RFC 3261 §20.13)",
    ),
    hc(
        "Content-Length",
        'l',
        false,
        "size of the body in bytes (RFC 3261 §20.14)",
    ),
    hc(
        "Content-Type",
        'c',
        false,
        "media type of the body, e.g. application/sdp (RFC 3261 §20.15)",
    ),
    h(
        "CSeq",
        false,
        "sequence number and method of the request; a response copies it (RFC 3261 §20.16)",
    ),
    h(
        "Date",
        false,
        "date and time the message was sent (RFC 3261 §20.17)",
    ),
    h(
        "Diversion",
        true,
        "pre-standard history of call diversions (RFC 5806, historic)",
    ),
    h(
        "Error-Info",
        true,
        "pointer to more information about the error, e.g. an announcement (RFC 3261 §20.18)",
    ),
    hc(
        "Event",
        'o',
        false,
        "event package of a subscription or notification (RFC 6665)",
    ),
    h(
        "Expires",
        false,
        "lifetime of a registration, subscription or offer, in seconds (RFC 3261 §20.19)",
    ),
    h(
        "Feature-Caps",
        true,
        "capabilities of a proxy or B2BUA in the path (RFC 6809)",
    ),
    h(
        "Flow-Timer",
        false,
        "keep-alive interval the registrar recommends for an outbound flow (RFC 5626)",
    ),
    hc(
        "From",
        'f',
        false,
        "the logical initiator of the request, with the From tag (RFC 3261 §20.20)",
    ),
    h(
        "Geolocation",
        true,
        "where to find the sender's location (RFC 6442)",
    ),
    h(
        "Geolocation-Error",
        false,
        "why the location could not be used (RFC 6442)",
    ),
    h(
        "Geolocation-Routing",
        false,
        "whether the location may be used for routing (RFC 6442)",
    ),
    h(
        "History-Info",
        true,
        "the targets the request was retargeted through (RFC 7044)",
    ),
    hc(
        "Identity",
        'y',
        false,
        "signed caller identity, a STIR/SHAKEN PASSporT (RFC 8224)",
    ),
    hc(
        "Identity-Info",
        'n',
        false,
        "where to fetch the certificate for Identity (RFC 4474, obsoleted by RFC 8224)",
    ),
    h(
        "In-Reply-To",
        true,
        "Call-IDs this call refers or returns to (RFC 3261 §20.21)",
    ),
    h(
        "Info-Package",
        false,
        "the Info Package of an INFO request (RFC 6086)",
    ),
    req(h(
        "Join",
        false,
        "asks to join an existing dialog, e.g. a conference (RFC 3911)",
    )),
    req(h(
        "Max-Breadth",
        false,
        "limit on parallel forking (RFC 5393)",
    )),
    req(h(
        "Max-Forwards",
        false,
        "hop limit, decremented by each proxy (RFC 3261 §20.22)",
    )),
    h(
        "MIME-Version",
        false,
        "MIME version of the body (RFC 3261 §20.24)",
    ),
    h(
        "Min-Expires",
        false,
        "shortest expiry the registrar or notifier accepts (RFC 3261 §20.23)",
    ),
    h(
        "Min-SE",
        false,
        "shortest session-timer interval the sender accepts (RFC 4028)",
    ),
    h(
        "Organization",
        false,
        "organisation of the sender (RFC 3261 §20.25)",
    ),
    h(
        "P-Access-Network-Info",
        false,
        "the access network the device uses (RFC 7315)",
    ),
    h(
        "P-Asserted-Identity",
        true,
        "caller identity asserted by a trusted network (RFC 3325)",
    ),
    h(
        "P-Associated-URI",
        true,
        "other URIs of the registered user (RFC 7315)",
    ),
    h(
        "P-Called-Party-ID",
        false,
        "the URI originally dialled, as seen by the called device (RFC 7315)",
    ),
    h(
        "P-Charging-Function-Addresses",
        false,
        "addresses of the charging functions (RFC 7315)",
    ),
    h(
        "P-Charging-Vector",
        false,
        "charging correlation identifiers (RFC 7315)",
    ),
    h("P-Early-Media", true, "authorises early media (RFC 5009)"),
    h(
        "P-Preferred-Identity",
        true,
        "the identity the user agent would like asserted (RFC 3325)",
    ),
    h(
        "P-Visited-Network-ID",
        true,
        "visited network of a roaming device (RFC 7315)",
    ),
    h(
        "Path",
        true,
        "proxies to traverse for requests to a registered contact (RFC 3327)",
    ),
    h(
        "Permission-Missing",
        true,
        "recipients that have not yet consented to receive requests (RFC 5360)",
    ),
    h(
        "Priority",
        false,
        "urgency of the request: emergency, urgent, normal, non-urgent (RFC 3261 §20.26)",
    ),
    h(
        "Privacy",
        false,
        "privacy the user asks for: id, header, user, session, none (RFC 3323)",
    ),
    h(
        "Proxy-Authenticate",
        false,
        "a proxy's authentication challenge (RFC 3261 §20.27)",
    ),
    req(h(
        "Proxy-Authorization",
        false,
        "the client's credentials for a proxy (RFC 3261 §20.28)",
    )),
    req(h(
        "Proxy-Require",
        true,
        "option tags every proxy must support (RFC 3261 §20.29)",
    )),
    req(h(
        "RAck",
        false,
        "acknowledges a reliable provisional response (RFC 3262)",
    )),
    h(
        "Reason",
        true,
        "why the request or response was generated: a SIP code or Q.850 cause (RFC 3326)",
    ),
    h(
        "Record-Route",
        true,
        "proxies that stay in the path of the dialog (RFC 3261 §20.30)",
    ),
    h(
        "Recv-Info",
        true,
        "Info Packages the sender accepts (RFC 6086)",
    ),
    h(
        "Refer-Sub",
        false,
        "whether a REFER creates an implicit subscription (RFC 4488)",
    ),
    req(hc(
        "Refer-To",
        'r',
        false,
        "the target the recipient is asked to contact, e.g. for a transfer (RFC 3515)",
    )),
    req(hc(
        "Referred-By",
        'b',
        false,
        "who asked for the transfer (RFC 3892)",
    )),
    req(hc(
        "Reject-Contact",
        'j',
        true,
        "caller preferences: user agents not to reach (RFC 3841)",
    )),
    h(
        "Remote-Party-ID",
        true,
        "pre-standard caller identity, superseded by P-Asserted-Identity",
    ),
    req(h(
        "Replaces",
        false,
        "the dialog this call replaces, e.g. an attended transfer (RFC 3891)",
    )),
    h(
        "Reply-To",
        false,
        "where the user wants a call back (RFC 3261 §20.31)",
    ),
    req(hc(
        "Request-Disposition",
        'd',
        true,
        "caller preferences on forking and recursion (RFC 3841)",
    )),
    h(
        "Require",
        true,
        "option tags the recipient must support (RFC 3261 §20.32)",
    ),
    h(
        "Resource-Priority",
        true,
        "priority namespace and level, e.g. for emergency services (RFC 4412)",
    ),
    h(
        "Retry-After",
        false,
        "when the request may be retried, in seconds (RFC 3261 §20.33)",
    ),
    req(h(
        "Route",
        true,
        "the proxies the request must visit (RFC 3261 §20.34)",
    )),
    h(
        "RSeq",
        false,
        "sequence number of a reliable provisional response (RFC 3262)",
    ),
    h(
        "Security-Client",
        true,
        "security mechanisms the client supports (RFC 3329)",
    ),
    h(
        "Security-Server",
        true,
        "security mechanisms the server supports (RFC 3329)",
    ),
    h(
        "Security-Verify",
        true,
        "the server's mechanisms echoed back by the client (RFC 3329)",
    ),
    h(
        "Server",
        false,
        "the software of the element that generated the response (RFC 3261 §20.35)",
    ),
    h(
        "Service-Route",
        true,
        "proxies for requests from the registered user (RFC 3608)",
    ),
    hc(
        "Session-Expires",
        'x',
        false,
        "session-timer interval and which side refreshes (RFC 4028)",
    ),
    h(
        "Session-ID",
        false,
        "end-to-end session identifier (RFC 7989)",
    ),
    h(
        "SIP-ETag",
        false,
        "entity tag of published state (RFC 3903)",
    ),
    req(h(
        "SIP-If-Match",
        false,
        "entity tag of the published state to refresh or change (RFC 3903)",
    )),
    hc(
        "Subject",
        's',
        false,
        "subject or summary of the call (RFC 3261 §20.36)",
    ),
    h(
        "Subscription-State",
        false,
        "state of a subscription: active, pending or terminated (RFC 6665)",
    ),
    hc(
        "Supported",
        'k',
        true,
        "option tags the sender supports (RFC 3261 §20.37)",
    ),
    h(
        "Suppress-If-Match",
        false,
        "suppresses a notification when the state is unchanged (RFC 5839)",
    ),
    h(
        "Target-Dialog",
        false,
        "the dialog the request relates to (RFC 4538)",
    ),
    h(
        "Timestamp",
        false,
        "when the request was sent, for round-trip estimates (RFC 3261 §20.38)",
    ),
    hc(
        "To",
        't',
        false,
        "the logical recipient, with the To tag once a dialog exists (RFC 3261 §20.39)",
    ),
    h(
        "Trigger-Consent",
        true,
        "asks a relay to request consent (RFC 5360)",
    ),
    h(
        "Unsupported",
        true,
        "option tags the sender does not support (RFC 3261 §20.40)",
    ),
    h(
        "User-Agent",
        false,
        "the software of the client that originated the request (RFC 3261 §20.41)",
    ),
    h(
        "User-to-User",
        true,
        "ISDN user-to-user information carried through SIP (RFC 7433)",
    ),
    hc(
        "Via",
        'v',
        true,
        "one hop the request took; the response follows the Vias back (RFC 3261 §20.42)",
    ),
    h(
        "Warning",
        true,
        "extra information about the status: warn-code, agent, text (RFC 3261 §20.43)",
    ),
    h(
        "WWW-Authenticate",
        false,
        "an authentication challenge from a UAS or registrar (RFC 3261 §20.44)",
    ),
];

/// Compact forms, by letter (RFC 3261 §7.3.3, RFC 3515, RFC 3841, RFC 3892,
/// RFC 4028, RFC 4474, RFC 6665, RFC 8224).
pub const COMPACT: &[(char, &str)] = &[
    ('a', "Accept-Contact"),
    ('b', "Referred-By"),
    ('c', "Content-Type"),
    ('d', "Request-Disposition"),
    ('e', "Content-Encoding"),
    ('f', "From"),
    ('i', "Call-ID"),
    ('j', "Reject-Contact"),
    ('k', "Supported"),
    ('l', "Content-Length"),
    ('m', "Contact"),
    ('n', "Identity-Info"),
    ('o', "Event"),
    ('r', "Refer-To"),
    ('s', "Subject"),
    ('t', "To"),
    ('u', "Allow-Events"),
    ('v', "Via"),
    ('x', "Session-Expires"),
    ('y', "Identity"),
];

/// Compare two ASCII strings case-insensitively, as lower case.
#[cfg(test)]
fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// For each first letter `a`..=`z`, the range of [`HEADERS`] entries whose
/// names start with it (the table is sorted case-insensitively).
fn buckets() -> &'static [(usize, usize); 26] {
    static B: std::sync::OnceLock<[(usize, usize); 26]> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let mut b = [(0, 0); 26];
        for (l, slot) in b.iter_mut().enumerate() {
            let letter = b'a' + l as u8;
            let first = |d: &HeaderDef| d.name.as_bytes()[0].to_ascii_lowercase();
            let start = HEADERS.partition_point(|d| first(d) < letter);
            let end = HEADERS.partition_point(|d| first(d) <= letter);
            *slot = (start, end);
        }
        b
    })
}

/// The longest name in [`HEADERS`], with room to spare.
const MAX_NAME: usize = 40;

/// The definition of a header, by full or compact name in any case.
pub fn def(name: &str) -> Option<&'static HeaderDef> {
    index(name).map(|i| &HEADERS[i])
}

/// The position in [`HEADERS`] of a header, by full or compact name in any case.
pub fn index(name: &str) -> Option<usize> {
    let full = expand_compact(name).unwrap_or(name).as_bytes();
    if full.len() > MAX_NAME {
        return None;
    }
    let first = full.first()?.to_ascii_lowercase();
    if !first.is_ascii_lowercase() {
        return None;
    }
    let (start, end) = buckets()[usize::from(first - b'a')];
    HEADERS[start..end]
        .iter()
        .position(|d| d.name.len() == full.len() && d.name.as_bytes().eq_ignore_ascii_case(full))
        .map(|i| start + i)
}

/// The full name for a one-letter compact form.
fn expand_compact(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.len() != 1 {
        return None;
    }
    let c = b[0].to_ascii_lowercase() as char;
    COMPACT.iter().find(|(l, _)| *l == c).map(|(_, n)| *n)
}

/// The canonical spelling of a header name: the registered spelling for a
/// known header or compact form, otherwise the name as given.
pub fn canonical(name: &str) -> std::borrow::Cow<'_, str> {
    match def(name) {
        Some(d) => std::borrow::Cow::Borrowed(d.name),
        None => std::borrow::Cow::Borrowed(name),
    }
}

/// True if `name` (full or compact, any case) is a comma-separated list header.
pub fn is_list(name: &str) -> bool {
    def(name).is_some_and(|d| d.list)
}

/// Characters of the RFC 3261 `token` production, as a lookup table.
const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        c += 1;
    }
    t
};

/// True for a character of the RFC 3261 `token` production.
pub fn is_token_char(c: u8) -> bool {
    TOKEN[c as usize]
}

/// True if `s` is a non-empty RFC 3261 `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// Split `s` at `sep` where it is not inside a quoted string (with `\`
/// escapes) or a `<...>` URI. Pieces are trimmed; empty pieces are kept so
/// callers can report them.
pub fn split_outside(s: &str, sep: u8) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_quote = false;
    let mut in_angle = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // Most bytes are none of the special ones: one test for them.
        if c != sep && !matches!(c, b'"' | b'\\' | b'<' | b'>') {
            i += 1;
            continue;
        }
        if in_quote {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_quote = false;
            }
        } else if in_angle {
            if c == b'>' {
                in_angle = false;
            }
        } else if c == b'"' {
            in_quote = true;
        } else if c == b'<' {
            in_angle = true;
        } else if c == sep {
            out.push(s[start..i].trim());
            start = i + 1;
        }
        i += 1;
    }
    // `i` may step past the end after a trailing backslash; `start` never does.
    out.push(s[start.min(s.len())..].trim());
    out
}

/// The elements of a comma-separated list value, trimmed, empty ones dropped.
pub fn split_list(s: &str) -> Vec<&str> {
    split_outside(s, b',')
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect()
}

/// A value split into its main part and `;name=value` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params<'a> {
    /// The part before the first `;`, trimmed.
    pub main: &'a str,
    /// Parameters in order: lower-cased name is *not* applied; compare with
    /// [`Params::get`], which ignores case.
    pub params: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Params<'a> {
    /// Split `s` at `;` outside quotes and `<...>`.
    pub fn parse(s: &'a str) -> Params<'a> {
        let mut parts = split_outside(s, b';').into_iter();
        let main = parts.next().unwrap_or("");
        let params = parts
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (p.trim(), None),
            })
            .collect();
        Params { main, params }
    }

    /// The value of a parameter (case-insensitive name), unquoted. A
    /// parameter present without a value gives `Some("")`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.map(unquote).unwrap_or_default())
    }
}

/// Remove surrounding double quotes and resolve `\x` escapes; a value that
/// is not quoted is returned as it is.
pub fn unquote(s: &str) -> String {
    let s = s.trim();
    let Some(inner) = s.strip_prefix('"') else {
        return s.to_string();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in HEADERS.windows(2) {
            assert_eq!(
                cmp_ignore_case(w[0].name, w[1].name),
                std::cmp::Ordering::Less,
                "{} / {}",
                w[0].name,
                w[1].name
            );
        }
        assert!(HEADERS.iter().all(|d| d.name.len() <= MAX_NAME));
        for (c, n) in COMPACT {
            let d = def(n).unwrap_or_else(|| panic!("{n} missing"));
            assert_eq!(d.compact, Some(*c), "{n}");
        }
        for d in HEADERS {
            if let Some(c) = d.compact {
                assert!(COMPACT.contains(&(c, d.name)), "{}", d.name);
            }
        }
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canonical("call-id"), "Call-ID");
        assert_eq!(canonical("CSEQ"), "CSeq");
        assert_eq!(canonical("v"), "Via");
        assert_eq!(canonical("I"), "Call-ID");
        assert_eq!(canonical("www-authenticate"), "WWW-Authenticate");
        assert_eq!(canonical("x"), "Session-Expires");
        assert_eq!(canonical("X-Custom"), "X-Custom");
        assert_eq!(canonical("q"), "q");
    }

    #[test]
    fn list_splitting_respects_quotes_and_uris() {
        assert_eq!(
            split_list(r#""Foo, Bar;" <sip:a@b;x=1,2>;expires=60, <sip:c@d>"#),
            vec![r#""Foo, Bar;" <sip:a@b;x=1,2>;expires=60"#, "<sip:c@d>"]
        );
        assert_eq!(
            split_list(" INVITE ,ACK,, BYE "),
            vec!["INVITE", "ACK", "BYE"]
        );
        assert_eq!(split_list(r#""a\"," x, y"#), vec![r#""a\"," x"#, "y"]);
        assert_eq!(split_list("\"unterminated, x"), vec!["\"unterminated, x"]);
        assert_eq!(split_list("trailing\\"), vec!["trailing\\"]);
        assert_eq!(split_list("\"x\\"), vec!["\"x\\"]);
    }

    #[test]
    fn params() {
        let p = Params::parse("120 (maintenance);duration=3600; foo ; q=\"a;b\"");
        assert_eq!(p.main, "120 (maintenance)");
        assert_eq!(p.get("DURATION").as_deref(), Some("3600"));
        assert_eq!(p.get("foo").as_deref(), Some(""));
        assert_eq!(p.get("q").as_deref(), Some("a;b"));
        assert_eq!(p.get("none"), None);
        assert_eq!(unquote(r#""a \"b\" c""#), r#"a "b" c"#);
        assert_eq!(unquote("plain"), "plain");
    }
}
