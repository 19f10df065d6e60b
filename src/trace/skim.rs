//! A fast, zero-allocation scan of the SIP fields the triage needs.
//!
//! [`skim`] walks the header lines once (a word at a time) and keeps
//! borrowed slices of the few fields that place a message in its call and
//! transaction: the start line, Call-ID, CSeq, the top Via, From, To, and
//! only a handful of others (Reason, Warning, Retry-After, the challenge
//! headers, session timers, Event, Content-Type). Nothing is copied and
//! nothing is validated beyond what that needs: the full, tolerant parser
//! in [`crate::message`] is used when one message is shown whole.
//!
//! Compact header forms (RFC 3261 §7.3.3: `i`, `v`, `f`, `t`, `c`, `o`,
//! `x`) and folded lines (§7.3.1) are understood; names match in any case.

/// The start line: a request or a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start<'a> {
    /// `INVITE sip:bob@example.com SIP/2.0`.
    Request { method: &'a [u8], uri: &'a [u8] },
    /// `SIP/2.0 486 Busy Here`: a three-digit code (100 to 699).
    Response { code: u16, reason: &'a [u8] },
}

/// The headers [`skim`] keeps besides the fixed ones, each at most
/// [`MAX_RARE`] times per message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rare {
    Reason,
    Warning,
    RetryAfter,
    WwwAuthenticate,
    ProxyAuthenticate,
    SessionExpires,
    MinSe,
    MinExpires,
    Expires,
    Event,
    SubscriptionState,
}

/// How many of the rare headers are kept per message (more are ignored).
pub const MAX_RARE: usize = 12;

/// The fields of one SIP message, borrowed from its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Skim<'a> {
    /// The whole message.
    pub sip: &'a [u8],
    pub start: Start<'a>,
    /// The Call-ID value, trimmed (empty when missing).
    pub call_id: &'a [u8],
    /// The CSeq number, when it is a number up to 2^32-1.
    pub cseq: Option<u32>,
    /// The CSeq method (empty when missing).
    pub cseq_method: &'a [u8],
    /// The first value of the first Via header (empty when missing).
    pub via: &'a [u8],
    /// The From and To values, whole.
    pub from: &'a [u8],
    pub to: &'a [u8],
    pub content_type: &'a [u8],
    /// Everything after the blank line ending the headers.
    pub body: &'a [u8],
    /// An Authorization or Proxy-Authorization header is present.
    pub credentials: bool,
    /// The blank line ending the headers was found.
    pub blank_line: bool,
    /// The Content-Length (or compact `l`) value, when it is a usable
    /// number: the first line spelled `Content-Length` exactly when it is
    /// one, else the first of any spelling (as the framing's
    /// [`crate::trace::read::sip::scan_head`] has it).
    pub content_length: Option<usize>,
    /// The rare headers as (kind, start, end) offsets into `sip`.
    rare: [(Rare, u32, u32); MAX_RARE],
    rare_len: u8,
}

impl<'a> Skim<'a> {
    /// True for a response.
    pub fn is_response(&self) -> bool {
        matches!(self.start, Start::Response { .. })
    }

    /// The status code of a response.
    pub fn code(&self) -> Option<u16> {
        match self.start {
            Start::Response { code, .. } => Some(code),
            Start::Request { .. } => None,
        }
    }

    /// The request method, or for a response the CSeq method.
    pub fn method(&self) -> &'a [u8] {
        match self.start {
            Start::Request { method, .. } => method,
            Start::Response { .. } => self.cseq_method,
        }
    }

    /// The rare headers kept, in message order.
    pub fn rare(&self) -> impl Iterator<Item = (Rare, &'a [u8])> + '_ {
        let sip = self.sip;
        self.rare[..self.rare_len as usize]
            .iter()
            .map(move |&(r, a, b)| (r, &sip[a as usize..b as usize]))
    }

    /// The values of one rare header, in message order.
    pub fn rare_values(&self, which: Rare) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.rare()
            .filter(move |(r, _)| *r == which)
            .map(|(_, v)| v)
    }

    /// The `tag` parameter of From (empty when missing).
    pub fn from_tag(&self) -> &'a [u8] {
        name_addr_param(self.from, b"tag")
    }

    /// The `tag` parameter of To (empty when missing).
    pub fn to_tag(&self) -> &'a [u8] {
        name_addr_param(self.to, b"tag")
    }

    /// The `branch` parameter of the top Via (empty when missing).
    pub fn branch(&self) -> &'a [u8] {
        via_param(self.via, b"branch")
    }

    /// The sent-by (host and port) of the top Via.
    pub fn sent_by(&self) -> &'a [u8] {
        via_sent_by(self.via)
    }

    /// True when the top Via's branch carries the RFC 3261 magic cookie
    /// (§8.1.1.7): transactions then match on the branch alone (§17.2.3).
    pub fn rfc3261_branch(&self) -> bool {
        has_magic_cookie(self.branch())
    }
}

/// A branch starting with the RFC 3261 magic cookie `z9hG4bK` (§8.1.1.7).
pub fn has_magic_cookie(branch: &[u8]) -> bool {
    branch.len() > 7 && branch[..7].eq_ignore_ascii_case(b"z9hG4bK")
}

/// Scan one SIP message. `None` when it does not start with a SIP request
/// or status line (after leading blank lines).
#[inline]
pub fn skim(sip: &[u8]) -> Option<Skim<'_>> {
    walk(sip, false)
}

/// [`skim`] the message at the start of a datagram's payload, framed as
/// [`crate::trace::read::sip::datagram_len`] frames it: its headers and
/// Content-Length bytes of body when the payload holds that many, else the
/// whole payload. The header block is walked once, for both.
#[inline]
pub fn skim_datagram(payload: &[u8]) -> Option<Skim<'_>> {
    walk(payload, true)
}

/// The walk of [`skim`] and [`skim_datagram`]: one function, so that the
/// scan is built where the caller keeps it rather than copied out of a
/// second call (a few hundred bytes per message).
#[inline(always)]
fn walk(sip: &[u8], datagram: bool) -> Option<Skim<'_>> {
    let mut pos = 0;
    while pos < sip.len() && matches!(sip[pos], b'\r' | b'\n' | b' ' | b'\t') {
        pos += 1;
    }
    let (line, next) = line_at(sip, pos);
    let start = start_line(line)?;
    let mut s = Skim {
        sip,
        start,
        call_id: &[],
        cseq: None,
        cseq_method: &[],
        via: &[],
        from: &[],
        to: &[],
        content_type: &[],
        body: &[],
        credentials: false,
        blank_line: false,
        content_length: None,
        rare: [(Rare::Reason, 0, 0); MAX_RARE],
        rare_len: 0,
    };
    // Content-Length: the first line spelled exactly so (when it is the
    // header), else the first line of any spelling that is.
    let mut exact: Option<Option<Option<usize>>> = None;
    let mut any: Option<Option<usize>> = None;
    // Which field the previous header line went to (for folded lines).
    let mut last = Slot::None;
    let mut via_seen = false;
    let mut pos = next;
    while pos < sip.len() {
        // Header lines are short: a word-at-a-time search, inlined, beats
        // a vector search's set-up.
        let (end, next) = match find_nl(&sip[pos..]) {
            Some(i) => (pos + i, pos + i + 1),
            None => (sip.len(), sip.len()),
        };
        let mut line = &sip[pos..end];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if line.is_empty() {
            s.body = &sip[next..];
            s.blank_line = true;
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // A folded continuation: extend the previous value.
            extend(&mut s, last, sip, pos + line.len());
            pos = next;
            continue;
        }
        if line[0] | 0x20 == b'l'
            || (line.len() >= 14 && line[..14].eq_ignore_ascii_case(b"content-length"))
        {
            let v = crate::trace::read::sip::content_length_value(line);
            if exact.is_none() && line.starts_with(b"Content-Length") {
                exact = Some(v);
            }
            if any.is_none() {
                any = v;
            }
        }
        // The name ends at the colon; names are short, so a plain loop.
        let mut colon = 0;
        let limit = line.len().min(40);
        while colon < limit && line[colon] != b':' {
            colon += 1;
        }
        last = if colon < limit {
            let mut name = &line[..colon];
            if let [rest @ .., b' ' | b'\t'] = name {
                name = trim_end(rest);
            }
            header(
                &mut s,
                name,
                sip,
                pos + colon + 1,
                pos + line.len(),
                &mut via_seen,
            )
        } else {
            Slot::None
        };
        pos = next;
    }
    s.content_length = match exact {
        Some(Some(v)) => v,
        _ => any.flatten(),
    };
    if datagram
        && s.blank_line
        && let Some(cl) = s.content_length
    {
        let end = sip.len() - s.body.len();
        if let Some(len) = end.checked_add(cl).filter(|&n| n <= sip.len()) {
            s.sip = &sip[..len];
            s.body = &s.body[..cl];
        }
    }
    Some(s)
}

/// Where a header's value went, so a folded line can extend it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    None,
    CallId,
    Via,
    From,
    To,
    ContentType,
    Rare(u8),
}

/// Dispatch one header line: `name` as written, the value between
/// `from` and `to` in `sip` (untrimmed).
fn header<'a>(
    s: &mut Skim<'a>,
    name: &[u8],
    sip: &'a [u8],
    from: usize,
    to: usize,
    via_seen: &mut bool,
) -> Slot {
    let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
    let value = || trim(&sip[from..to]);
    let which = match name.len() {
        1 => match name[0] | 0x20 {
            b'i' => return set(&mut s.call_id, value(), Slot::CallId),
            b'v' => return top_via(s, value(), via_seen),
            b'f' => return set(&mut s.from, value(), Slot::From),
            b't' => return set(&mut s.to, value(), Slot::To),
            b'c' => return set(&mut s.content_type, value(), Slot::ContentType),
            b'o' => Rare::Event,
            b'x' => Rare::SessionExpires,
            _ => return Slot::None,
        },
        2 if is(b"to") => return set(&mut s.to, value(), Slot::To),
        3 if is(b"via") => return top_via(s, value(), via_seen),
        4 if is(b"from") => return set(&mut s.from, value(), Slot::From),
        4 if is(b"cseq") => {
            cseq(s, value());
            return Slot::None;
        }
        5 if is(b"event") => Rare::Event,
        6 if is(b"reason") => Rare::Reason,
        6 if is(b"min-se") => Rare::MinSe,
        7 if is(b"call-id") => return set(&mut s.call_id, value(), Slot::CallId),
        7 if is(b"warning") => Rare::Warning,
        7 if is(b"expires") => Rare::Expires,
        11 if is(b"retry-after") => Rare::RetryAfter,
        11 if is(b"min-expires") => Rare::MinExpires,
        12 if is(b"content-type") => {
            return set(&mut s.content_type, value(), Slot::ContentType);
        }
        13 if is(b"authorization") => {
            s.credentials = true;
            return Slot::None;
        }
        15 if is(b"session-expires") => Rare::SessionExpires,
        16 if is(b"www-authenticate") => Rare::WwwAuthenticate,
        18 if is(b"subscription-state") => Rare::SubscriptionState,
        18 if is(b"proxy-authenticate") => Rare::ProxyAuthenticate,
        19 if is(b"proxy-authorization") => {
            s.credentials = true;
            return Slot::None;
        }
        _ => return Slot::None,
    };
    let n = s.rare_len as usize;
    if n >= MAX_RARE {
        return Slot::None;
    }
    let v = value();
    let a = v.as_ptr() as usize - sip.as_ptr() as usize;
    s.rare[n] = (which, a as u32, (a + v.len()) as u32);
    s.rare_len += 1;
    Slot::Rare(n as u8)
}

/// Keep the first occurrence of a single-valued header.
fn set<'a>(field: &mut &'a [u8], value: &'a [u8], slot: Slot) -> Slot {
    if field.is_empty() {
        *field = value;
        slot
    } else {
        Slot::None
    }
}

fn top_via<'a>(s: &mut Skim<'a>, value: &'a [u8], via_seen: &mut bool) -> Slot {
    if *via_seen {
        return Slot::None;
    }
    *via_seen = true;
    // The first value of a comma-separated Via list.
    s.via = match memchr(b',', value) {
        Some(i) => trim(&value[..i]),
        None => value,
    };
    Slot::Via
}

fn cseq<'a>(s: &mut Skim<'a>, value: &'a [u8]) {
    if !s.cseq_method.is_empty() || s.cseq.is_some() {
        return;
    }
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && digits <= 10 {
        let mut n: u64 = 0;
        for &b in &value[..digits] {
            n = n * 10 + u64::from(b - b'0');
        }
        s.cseq = u32::try_from(n).ok();
    }
    s.cseq_method = trim(&value[digits..]);
    if let Some(i) = s.cseq_method.iter().position(|b| b.is_ascii_whitespace()) {
        s.cseq_method = &s.cseq_method[..i];
    }
}

/// Extend the value in `slot` to end at `end` (a folded line).
fn extend<'a>(s: &mut Skim<'a>, slot: Slot, sip: &'a [u8], end: usize) {
    let grow = |v: &mut &'a [u8]| {
        if v.is_empty() {
            return;
        }
        let start = v.as_ptr() as usize - sip.as_ptr() as usize;
        if start <= end && end <= sip.len() {
            *v = trim(&sip[start..end]);
        }
    };
    match slot {
        Slot::None => {}
        Slot::CallId => grow(&mut s.call_id),
        Slot::Via => {
            grow(&mut s.via);
            if let Some(i) = memchr(b',', s.via) {
                s.via = trim(&s.via[..i]);
            }
        }
        Slot::From => grow(&mut s.from),
        Slot::To => grow(&mut s.to),
        Slot::ContentType => grow(&mut s.content_type),
        Slot::Rare(i) => {
            let r = &mut s.rare[i as usize];
            if r.2 > r.1 && (r.1 as usize) <= end && end <= sip.len() {
                let v = trim(&sip[r.1 as usize..end]);
                r.2 = r.1 + v.len() as u32;
            }
        }
    }
}

/// The first `c` in `b`, eight bytes at a time and inlined: the values
/// and lines searched here are short, too short for a vector search to pay
/// for its set-up and its call.
#[inline(always)]
fn memchr(c: u8, b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pat = LO.wrapping_mul(u64::from(c));
    let mut i = 0;
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(w) ^ pat;
        let t = x.wrapping_sub(LO) & !x & HI;
        if t != 0 {
            return Some(i + (t.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&x| x == c).map(|p| i + p)
}

/// The first `\n` in `b`.
#[inline(always)]
fn find_nl(b: &[u8]) -> Option<usize> {
    memchr(b'\n', b)
}

/// The line starting at `pos` without its line end, and where the next
/// line starts.
fn line_at(sip: &[u8], pos: usize) -> (&[u8], usize) {
    let rest = &sip[pos..];
    match find_nl(rest) {
        Some(i) => {
            let line = &rest[..i];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (line, pos + i + 1)
        }
        None => (rest.strip_suffix(b"\r").unwrap_or(rest), sip.len()),
    }
}

fn start_line(line: &[u8]) -> Option<Start<'_>> {
    if line.len() >= 8 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        // SIP/2.0 SP code SP reason
        let sp = memchr(b' ', line)?;
        let rest = trim_start(&line[sp..]);
        if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
            return None;
        }
        if rest.len() > 3 && !rest[3].is_ascii_whitespace() {
            return None;
        }
        let code = u16::from(rest[0] - b'0') * 100
            + u16::from(rest[1] - b'0') * 10
            + u16::from(rest[2] - b'0');
        if !(100..=699).contains(&code) {
            return None;
        }
        return Some(Start::Response {
            code,
            reason: trim(&rest[3..]),
        });
    }
    // Method SP Request-URI SP SIP-Version
    let sp = memchr(b' ', line)?;
    let method = &line[..sp];
    if method.is_empty()
        || !method
            .iter()
            .all(|&b| crate::message::headers::is_token_char(b))
    {
        return None;
    }
    let rest = trim_start(&line[sp..]);
    let sp2 = memchr(b' ', rest)?;
    let version = trim(&rest[sp2..]);
    if version.len() < 4 || !version[..4].eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    Some(Start::Request {
        method,
        uri: &rest[..sp2],
    })
}

/// Trim ASCII whitespace (space, tab, CR, LF) on both sides.
pub fn trim(b: &[u8]) -> &[u8] {
    let b = trim_start(b);
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..end]
}

fn trim_end(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..end]
}

fn trim_start(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// Skip a leading quoted display name (`"Bob \"B\"" <sip:...>`).
fn skip_display_name(v: &[u8]) -> &[u8] {
    if v.first() != Some(&b'"') {
        return v;
    }
    let mut i = 1;
    while i < v.len() {
        match v[i] {
            b'\\' => i += 2,
            b'"' => return &v[(i + 1).min(v.len())..],
            _ => i += 1,
        }
    }
    &[]
}

/// The URI of a From/To/Contact value: inside `<...>`, or the addr-spec up
/// to its first `;` (RFC 3261 §20.10: without angle brackets, parameters
/// belong to the header).
pub fn name_addr_uri(v: &[u8]) -> &[u8] {
    let v = skip_display_name(v);
    if let Some(lt) = memchr(b'<', v) {
        let rest = &v[lt + 1..];
        return match memchr(b'>', rest) {
            Some(gt) => trim(&rest[..gt]),
            None => trim(rest),
        };
    }
    let v = trim(v);
    match memchr(b';', v) {
        Some(i) => trim(&v[..i]),
        None => v,
    }
}

/// A header parameter of a From/To value (after the URI).
pub fn name_addr_param<'a>(v: &'a [u8], name: &[u8]) -> &'a [u8] {
    let v = skip_display_name(v);
    let params = match memchr(b'<', v) {
        Some(lt) => match memchr(b'>', &v[lt..]) {
            Some(gt) => &v[lt + gt + 1..],
            None => return &[],
        },
        None => match memchr(b';', v) {
            Some(i) => &v[i..],
            None => return &[],
        },
    };
    param(params, name)
}

/// Find `;name=value` in a parameter list; the value ends at `;`, `,`,
/// whitespace or the end. A flag parameter without `=` gives an empty slice.
pub fn param<'a>(params: &'a [u8], name: &[u8]) -> &'a [u8] {
    let mut i = 0;
    let n = params.len();
    while i < n {
        // Find the next ';' (a plain loop: parameter lists are short).
        while i < n && params[i] != b';' {
            if params[i] == b',' {
                return &[];
            }
            i += 1;
        }
        if i >= n {
            // No ';' left (text after the `>` that is not a parameter).
            break;
        }
        i += 1;
        while i < n && (params[i] == b' ' || params[i] == b'\t') {
            i += 1;
        }
        let name_start = i;
        while i < n && !matches!(params[i], b'=' | b';' | b',' | b' ' | b'\t') {
            i += 1;
        }
        let this = &params[name_start..i];
        while i < n && (params[i] == b' ' || params[i] == b'\t') {
            i += 1;
        }
        let mut val: &[u8] = &params[i.min(n)..i.min(n)];
        if i < n && params[i] == b'=' {
            i += 1;
            while i < n && (params[i] == b' ' || params[i] == b'\t') {
                i += 1;
            }
            let v0 = i;
            while i < n && !matches!(params[i], b';' | b',' | b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            }
            val = &params[v0..i];
        }
        if this.eq_ignore_ascii_case(name) {
            return val;
        }
    }
    &[]
}

/// A parameter of a Via value (`SIP/2.0/UDP host;branch=...`).
pub fn via_param<'a>(via: &'a [u8], name: &[u8]) -> &'a [u8] {
    match memchr(b';', via) {
        Some(i) => param(&via[i..], name),
        None => &[],
    }
}

/// The sent-by of a Via value: the host and port after the protocol.
pub fn via_sent_by(via: &[u8]) -> &[u8] {
    let head = match memchr(b';', via) {
        Some(i) => &via[..i],
        None => via,
    };
    let head = trim(head);
    match head.iter().position(|b| b.is_ascii_whitespace()) {
        Some(i) => trim(&head[i..]),
        None => head,
    }
}

/// True when a WWW-/Proxy-Authenticate value says `stale=true` (RFC 7616
/// §3.3): the credentials were right, only the nonce was old.
pub fn challenge_is_stale(v: &[u8]) -> bool {
    // Digest parameters are comma-separated: look for stale = true.
    let mut rest = v;
    while let Some(i) = find_ci(rest, b"stale") {
        let before_ok = i == 0 || matches!(rest[i - 1], b' ' | b',' | b'\t');
        let after = trim_start(&rest[i + 5..]);
        if before_ok && after.first() == Some(&b'=') {
            let val = trim_start(&after[1..]);
            let val = val.strip_prefix(b"\"").unwrap_or(val);
            return val.len() >= 4 && val[..4].eq_ignore_ascii_case(b"true");
        }
        rest = &rest[i + 5..];
    }
    false
}

/// Case-insensitive search of an ASCII needle.
pub fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0].to_ascii_lowercase();
    let upper = needle[0].to_ascii_uppercase();
    let mut from = 0;
    while from + needle.len() <= hay.len() {
        let i = memchr::memchr2(first, upper, &hay[from..])? + from;
        if i + needle.len() > hay.len() {
            return None;
        }
        if hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// A leading number of seconds (`120 (maintenance);duration=60` gives 120).
pub fn leading_seconds(v: &[u8]) -> Option<u32> {
    let v = trim_start(v);
    let digits = v.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in &v[..digits] {
        n = n * 10 + u64::from(b - b'0');
    }
    u32::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const INVITE: &[u8] = b"INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKold\r\n\
Via: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKolder\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@example.com>\r\n\
From: \"Alice; <the boss>\" <sip:alice@example.com;user=phone>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Proxy-Authorization: Digest username=\"alice\"\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

    #[test]
    fn request_fields() {
        let s = skim(INVITE).unwrap();
        assert_eq!(
            s.start,
            Start::Request {
                method: b"INVITE",
                uri: b"sip:bob@example.com"
            }
        );
        assert_eq!(s.call_id, b"a84b4c76e66710@pc33.example.com");
        assert_eq!(s.cseq, Some(314159));
        assert_eq!(s.cseq_method, b"INVITE");
        assert_eq!(s.branch(), b"z9hG4bK776asdhds");
        assert_eq!(s.sent_by(), b"10.0.0.1:5060");
        assert!(s.rfc3261_branch());
        assert_eq!(s.from_tag(), b"1928301774");
        assert_eq!(s.to_tag(), b"");
        assert_eq!(name_addr_uri(s.from), b"sip:alice@example.com;user=phone");
        assert_eq!(name_addr_uri(s.to), b"sip:bob@example.com");
        assert!(s.credentials);
        assert_eq!(s.content_type, b"application/sdp");
        assert_eq!(s.body, b"v=0\n");
        assert_eq!(s.method(), b"INVITE");
    }

    #[test]
    fn response_compact_and_folded() {
        let m = [
            "SIP/2.0 503 Service Unavailable",
            "v: SIP/2.0/TCP [2001:db8::1]:5061 ;branch=z9hG4bKabc",
            "t: <sip:bob@b.example>;tag=xyz",
            "f: sip:alice@a.example;tag=abc",
            "i: folded",
            "  -call-id",
            "CSEQ:   7   BYE",
            "Retry-After: 120 (maintenance)",
            "Reason: Q.850;cause=41",
            "WWW-Authenticate: Digest realm=\"x\", nonce=\"n\", stale=TRUE",
            "",
            "",
        ]
        .join("\n");
        let m = m.as_bytes();
        let s = skim(m).unwrap();
        assert_eq!(
            s.start,
            Start::Response {
                code: 503,
                reason: b"Service Unavailable"
            }
        );
        assert_eq!(s.call_id, b"folded\n  -call-id");
        assert_eq!(s.cseq, Some(7));
        assert_eq!(s.method(), b"BYE");
        assert_eq!(s.to_tag(), b"xyz");
        assert_eq!(s.from_tag(), b"abc");
        assert_eq!(name_addr_uri(s.from), b"sip:alice@a.example");
        assert_eq!(s.sent_by(), b"[2001:db8::1]:5061");
        assert_eq!(s.branch(), b"z9hG4bKabc");
        let ra: Vec<_> = s.rare_values(Rare::RetryAfter).collect();
        assert_eq!(ra, vec![&b"120 (maintenance)"[..]]);
        assert_eq!(leading_seconds(ra[0]), Some(120));
        let ch = s.rare_values(Rare::WwwAuthenticate).next().unwrap();
        assert!(challenge_is_stale(ch));
        assert_eq!(s.rare_values(Rare::Reason).count(), 1);
    }

    #[test]
    fn rfc2543_branch_and_missing_fields() {
        let s = skim(b"ACK sip:x SIP/2.0\r\nVia: SIP/2.0/UDP host\r\n\r\n").unwrap();
        assert_eq!(s.branch(), b"");
        assert!(!s.rfc3261_branch());
        assert_eq!(s.sent_by(), b"host");
        assert_eq!(s.call_id, b"");
        assert_eq!(s.cseq, None);
        let s = skim(b"BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=1234\r\n").unwrap();
        assert_eq!(s.branch(), b"1234");
        assert!(!s.rfc3261_branch());
    }

    #[test]
    fn not_sip() {
        assert!(skim(b"").is_none());
        assert!(skim(b"GET / HTTP/1.1\r\n\r\n").is_none());
        assert!(skim(b"SIP/2.0 99 Low\r\n").is_none());
        assert!(skim(b"SIP/2.0 2000 Long\r\n").is_none());
        assert!(skim(b"hello world\r\n").is_none());
        assert!(skim(b"\r\n\r\nOPTIONS sip:a SIP/2.0\r\n").is_some());
    }

    #[test]
    fn stale_is_only_a_parameter() {
        assert!(!challenge_is_stale(b"Digest realm=\"stale=true\"x"));
        assert!(challenge_is_stale(b"Digest realm=\"a\",stale=true"));
        assert!(challenge_is_stale(b"Digest stale = \"true\", realm=\"a\""));
        assert!(!challenge_is_stale(b"Digest realm=\"a\", stale=false"));
        assert!(!challenge_is_stale(b"Digest nostale=true"));
    }

    /// Text after the `>` that holds no `;` (found by the proptest below:
    /// the search ran one past the end and panicked).
    #[test]
    fn text_without_parameters_after_the_uri() {
        assert_eq!(name_addr_param(b"<sip:a@b>x", b"tag"), b"");
        assert_eq!(name_addr_param(b"<sip:a@b> junk", b"tag"), b"");
        assert_eq!(name_addr_param(b"<sip:a@b> x;tag=7", b"tag"), b"7");
        assert_eq!(param(b"abc", b"tag"), b"");
        let s = skim(b"SIP/2.0 486 Busy\r\nTo: <sip:a@b>x\r\nCall-ID: c\r\n\r\n").unwrap();
        assert_eq!(s.to_tag(), b"");
    }

    #[test]
    fn cseq_overflow_is_none() {
        let s = skim(b"BYE sip:x SIP/2.0\r\nCSeq: 99999999999 BYE\r\n\r\n").unwrap();
        assert_eq!(s.cseq, None);
        assert_eq!(s.cseq_method, b"BYE");
    }

    #[test]
    fn rare_headers_are_capped() {
        let mut m = b"SIP/2.0 500 X\r\n".to_vec();
        for _ in 0..100 {
            m.extend_from_slice(b"Warning: 399 a \"b\"\r\n");
        }
        let s = skim(&m).unwrap();
        assert_eq!(s.rare().count(), MAX_RARE);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Some(s) = skim(&bytes) {
                let _ = (s.from_tag(), s.to_tag(), s.branch(), s.sent_by());
                let _ = name_addr_uri(s.from);
                for (_, v) in s.rare() {
                    let _ = challenge_is_stale(v);
                    let _ = leading_seconds(v);
                }
            }
        }

        #[test]
        fn never_panics_on_sip_like_lines(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just("Via: SIP/2.0/UDP a;branch=z9hG4bK1".to_string()),
                    Just("f: \"x".to_string()),
                    Just("t: <sip:a;tag=".to_string()),
                    Just(" folded".to_string()),
                    Just("CSeq: 4294967296 X".to_string()),
                    Just("i: x".to_string()),
                    Just("".to_string()),
                    "[ -~]{0,30}",
                ],
                0..20,
            )
        ) {
            let mut m = String::from("SIP/2.0 180 Ringing\r\n");
            for l in lines {
                m.push_str(&l);
                m.push_str("\r\n");
            }
            let s = skim(m.as_bytes()).unwrap();
            let _ = (s.from_tag(), s.to_tag(), s.branch(), s.sent_by(), name_addr_uri(s.to));
        }
    }
}
