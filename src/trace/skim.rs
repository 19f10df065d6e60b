//! A fast, zero-allocation scan of the SIP fields the triage needs.
//!
//! [`skim`] walks the header lines once (a word at a time) and keeps
//! borrowed slices of the few fields that place a message in its call and
//! transaction: the start line, Call-ID, CSeq, the top Via, From, To, and
//! only a handful of others (Reason, Warning, Retry-After, the challenge
//! headers, session timers, Event, Content-Type, and a 2xx's Contact and
//! whether it has Record-Route). Nothing is copied and
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
    /// Contact, kept only on a 2xx response (where the ACK goes).
    Contact,
    /// Refer-To (the transfer target of a REFER).
    ReferTo,
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
    /// A 2xx response carries Record-Route (its ACK goes through a proxy,
    /// not straight to its Contact).
    pub record_route: bool,
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
    branch.len() > 7 && eq_lower(&branch[..7], b"z9hg4bk")
}

/// Scan one SIP message. `None` when it does not start with a SIP request
/// or status line (after leading blank lines).
#[inline]
pub fn skim(sip: &[u8]) -> Option<Skim<'_>> {
    skim_payload(sip, false)
}

/// [`skim`] the message at the start of a datagram's payload, framed as
/// [`crate::trace::read::sip::datagram_len`] frames it: its headers and
/// Content-Length bytes of body when the payload holds that many, else the
/// whole payload. The header block is walked once, for both.
#[inline]
pub fn skim_datagram(payload: &[u8]) -> Option<Skim<'_>> {
    skim_payload(payload, true)
}

/// [`skim_datagram`] when `datagram`, else [`skim`].
#[inline(always)]
pub fn skim_payload(payload: &[u8], datagram: bool) -> Option<Skim<'_>> {
    let mut s = Skim::empty(payload);
    skim_into(payload, datagram, &mut s).then_some(s)
}

impl<'a> Skim<'a> {
    /// A scan of `sip` with nothing found yet, for [`skim_into`].
    pub fn empty(sip: &'a [u8]) -> Skim<'a> {
        Skim {
            sip,
            start: Start::Request {
                method: &[],
                uri: &[],
            },
            call_id: &[],
            cseq: None,
            cseq_method: &[],
            via: &[],
            from: &[],
            to: &[],
            content_type: &[],
            body: &[],
            credentials: false,
            record_route: false,
            blank_line: false,
            content_length: None,
            rare: [(Rare::Reason, 0, 0); MAX_RARE],
            rare_len: 0,
        }
    }
}

/// The walk of [`skim_payload`], into a scan the caller holds (made by
/// [`Skim::empty`] for the same bytes): one inlined function, so that the
/// scan (a few hundred bytes) is built where the caller keeps it rather
/// than copied out. False, with `s` unusable, when there is no start line.
#[inline(always)]
pub fn skim_into<'a>(sip: &'a [u8], datagram: bool, s: &mut Skim<'a>) -> bool {
    let mut pos = 0;
    while pos < sip.len() && matches!(sip[pos], b'\r' | b'\n' | b' ' | b'\t') {
        pos += 1;
    }
    let (line, next) = line_at(sip, pos);
    let Some(start) = start_line(line) else {
        return false;
    };
    s.sip = sip;
    s.start = start;
    // Content-Length: the first line spelled exactly so (when it is the
    // header), else the first line of any spelling that is.
    let mut exact: Option<Option<Option<usize>>> = None;
    let mut any: Option<Option<usize>> = None;
    // Which field the previous header line went to (for folded lines).
    let mut last = Slot::None;
    let mut via_seen = false;
    let mut pos = next;
    while pos < sip.len() {
        // One look at the next 64 bytes finds both the line end and the
        // name's colon, without a loop per byte (most lines are shorter).
        let (nl, colons) = marks(sip, pos);
        let (end, next) = if nl != 0 {
            let i = pos + nl.trailing_zeros() as usize;
            (i, i + 1)
        } else {
            match find_nl(&sip[(pos + 64).min(sip.len())..]) {
                Some(i) => (pos + 64 + i, pos + 64 + i + 1),
                None => (sip.len(), sip.len()),
            }
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
            extend(s, last, sip, pos + line.len());
            pos = next;
            continue;
        }
        // The name ends at the first colon, within 40 bytes.
        let colon = colons.trailing_zeros() as usize;
        let named = colon < line.len().min(40);
        let first = line[0] | 0x20;
        if first == b'l'
            || (first == b'c' && line.len() >= 14 && eq_lower(&line[..14], b"content-length"))
        {
            let v = if named {
                crate::trace::read::sip::content_length_at(line, colon)
            } else {
                crate::trace::read::sip::content_length_value(line)
            };
            if exact.is_none() && line.starts_with(b"Content-Length") {
                exact = Some(v);
            }
            if any.is_none() {
                any = v;
            }
        }
        last = if named {
            let mut name = &line[..colon];
            if let [rest @ .., b' ' | b'\t'] = name {
                name = trim_end(rest);
            }
            header(
                s,
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
    true
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
    let is = |n: &[u8]| eq_lower(name, n);
    let value = || trim(&sip[from..to]);
    let which = match name.len() {
        1 => match name[0] | 0x20 {
            b'i' => return set(&mut s.call_id, value(), Slot::CallId),
            b'v' => return top_via(s, value(), via_seen),
            b'f' => return set(&mut s.from, value(), Slot::From),
            b't' => return set(&mut s.to, value(), Slot::To),
            b'c' => return set(&mut s.content_type, value(), Slot::ContentType),
            b'o' => Rare::Event,
            b'r' => Rare::ReferTo,
            b'x' => Rare::SessionExpires,
            b'm' if is_2xx(s) && invite_or_unknown(s) && !has_rare(s, Rare::Contact) => {
                Rare::Contact
            }
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
        // (Only an INVITE's answer is asked for; its CSeq usually comes
        // first, else the digest tells.)
        7 if is_2xx(s) && is(b"contact") && invite_or_unknown(s) && !has_rare(s, Rare::Contact) => {
            Rare::Contact
        }
        8 if is(b"refer-to") => Rare::ReferTo,
        11 if is(b"retry-after") => Rare::RetryAfter,
        11 if is(b"min-expires") => Rare::MinExpires,
        12 if is(b"content-type") => {
            return set(&mut s.content_type, value(), Slot::ContentType);
        }
        12 if is_2xx(s) && is(b"record-route") => {
            s.record_route = true;
            return Slot::None;
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

/// A 2xx response: its Contact is where the ACK goes.
fn is_2xx(s: &Skim<'_>) -> bool {
    matches!(s.start, Start::Response { code, .. } if (200..300).contains(&code))
}

/// A header of this kind is kept already (only the first Contact is: a
/// 2xx listing many bindings must not crowd out the others).
#[cold]
#[inline(never)]
fn has_rare(s: &Skim<'_>, kind: Rare) -> bool {
    s.rare[..s.rare_len as usize]
        .iter()
        .any(|&(k, _, _)| k == kind)
}

/// The CSeq method is INVITE, or not read yet.
fn invite_or_unknown(s: &Skim<'_>) -> bool {
    s.cseq_method.is_empty() || s.cseq_method == b"INVITE"
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

/// The `\n` and `:` bytes among the 64 bytes of `sip` from `pos` (fewer
/// at the end): bit `i` of each mask is set when byte `pos + i` is one.
#[inline(always)]
fn marks(sip: &[u8], pos: usize) -> (u64, u64) {
    if let Some(w) = sip.get(pos..pos + 64) {
        return marks64(w.try_into().unwrap_or(&[0; 64]));
    }
    if sip.len() >= 64 && pos <= sip.len() {
        // The last bytes: the window that ends with the message, shifted.
        let base = sip.len() - 64;
        let (n, c) = marks64(sip[base..].try_into().unwrap_or(&[0; 64]));
        let k = (pos - base) as u32;
        return (n.checked_shr(k).unwrap_or(0), c.checked_shr(k).unwrap_or(0));
    }
    // A message shorter than the window: padded with zeros, which match
    // neither.
    let mut w = [0u8; 64];
    let rest = sip.get(pos..).unwrap_or(&[]);
    w[..rest.len()].copy_from_slice(rest);
    marks64(&w)
}

/// [`marks`] of one 64-byte window.
#[inline(always)]
fn marks64(w: &[u8; 64]) -> (u64, u64) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return marks64_sse2(w);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return marks64_swar(w);
}

/// [`marks64`] sixteen bytes at a time with SSE2 (part of every x86-64
/// CPU).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn marks64_sse2(w: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is enabled (the cfg above), and each load reads 16
    // bytes inside the 64-byte array; unaligned loads are allowed.
    unsafe {
        let nl = _mm_set1_epi8(b'\n' as i8);
        let colon = _mm_set1_epi8(b':' as i8);
        let mut n = 0u64;
        let mut c = 0u64;
        for k in 0..4 {
            let x = _mm_loadu_si128(w.as_ptr().add(k * 16).cast::<__m128i>());
            n |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)) as u16) << (k * 16);
            c |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(x, colon)) as u16) << (k * 16);
        }
        (n, c)
    }
}

/// [`marks64`] eight bytes at a time, on other CPUs (and in the tests).
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline(always)]
fn marks64_swar(w: &[u8; 64]) -> (u64, u64) {
    /// The high bit of each byte of `x` that equals the byte in `pat`
    /// (exact: no borrow from one byte into the next).
    fn eq_bits(x: u64, pat: u64) -> u64 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let y = x ^ pat;
        !(((y & LOW7) + LOW7) | y | LOW7)
    }
    /// The high bits of the eight bytes gathered into the low byte.
    fn gather(hi: u64) -> u64 {
        (hi >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
    }
    let mut n = 0u64;
    let mut c = 0u64;
    for k in 0..8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&w[k * 8..k * 8 + 8]);
        let x = u64::from_le_bytes(b);
        n |= gather(eq_bits(x, 0x0a0a_0a0a_0a0a_0a0a)) << (k * 8);
        c |= gather(eq_bits(x, 0x3a3a_3a3a_3a3a_3a3a)) << (k * 8);
    }
    (n, c)
}

/// The first `c` in `b`, eight bytes at a time and inlined: the values
/// and lines searched here are short, too short for a vector search to pay
/// for its set-up and its call.
#[inline(always)]
pub(crate) fn memchr(c: u8, b: &[u8]) -> Option<usize> {
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

/// The first `a` or `b` in `h`, as [`memchr`] finds one.
#[inline(always)]
fn memchr2(a: u8, b: u8, h: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let (pa, pb) = (LO.wrapping_mul(u64::from(a)), LO.wrapping_mul(u64::from(b)));
    let mut i = 0;
    while i + 8 <= h.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&h[i..i + 8]);
        let w = u64::from_le_bytes(w);
        let (x, y) = (w ^ pa, w ^ pb);
        // Exact as to the first matching byte (a borrow only reaches the
        // bytes after it).
        let t = (x.wrapping_sub(LO) & !x | y.wrapping_sub(LO) & !y) & HI;
        if t != 0 {
            return Some(i + (t.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..].iter().position(|&x| x == a || x == b).map(|p| i + p)
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
    if line.len() >= 8 && eq_lower(&line[..4], b"sip/") {
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
    if version.len() < 4 || !eq_lower(&version[..4], b"sip/") {
        return None;
    }
    Some(Start::Request {
        method,
        uri: &rest[..sp2],
    })
}

/// Whether `b` is `lower` in any case: `lower` is written with lowercase
/// letters (an uppercase letter in it matches only itself). Without a
/// branch per byte, and cheaper than `eq_ignore_ascii_case`, which folds
/// both sides: `lower` is a constant wherever this is inlined.
#[inline(always)]
fn eq_lower(b: &[u8], lower: &[u8]) -> bool {
    b.len() == lower.len()
        && b.iter().zip(lower).fold(0u8, |diff, (&x, &l)| {
            // A lowercase letter also matches with its 0x20 bit clear.
            let fold = if l.is_ascii_lowercase() { 0x20 } else { 0 };
            diff | ((x | fold) ^ l)
        }) == 0
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

/// The host of a `sip:`/`sips:` URI when it is an IP address literal
/// (RFC 3261 §19.1.1: `user@host:port;params`, IPv6 in brackets), and
/// the port written after it; `None` for a host name or another scheme.
pub fn uri_ip(uri: &[u8]) -> Option<(std::net::IpAddr, Option<u16>)> {
    let colon = memchr(b':', uri)?;
    let scheme = &uri[..colon];
    if !eq_lower(scheme, b"sip") && !eq_lower(scheme, b"sips") {
        return None;
    }
    let rest = &uri[colon + 1..];
    // The host part ends the user part (whose `@` comes before any of
    // these) and runs to the parameters or headers.
    let hostport = match memchr(b'@', rest) {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let end = hostport
        .iter()
        .position(|&b| matches!(b, b';' | b'?' | b'>' | b' ' | b'\t'))
        .unwrap_or(hostport.len());
    let hostport = &hostport[..end];
    let (host, port) = if let Some(v6) = hostport.strip_prefix(b"[") {
        let close = memchr(b']', v6)?;
        (&v6[..close], v6[close + 1..].strip_prefix(b":"))
    } else {
        match memchr(b':', hostport) {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        }
    };
    let ip = std::str::from_utf8(host).ok()?.parse().ok()?;
    let port = match port {
        Some(p) => Some(std::str::from_utf8(p).ok()?.parse().ok()?),
        None => None,
    };
    Some((ip, port))
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

/// Find `;name=value` in a parameter list (`name` in lowercase, matched in
/// any case); the value ends at `;`, `,`, whitespace or the end. A flag
/// parameter without `=` gives an empty slice.
pub fn param<'a>(params: &'a [u8], name: &[u8]) -> &'a [u8] {
    let n = params.len();
    let mut i = 0;
    loop {
        // The next ';' (a ',' before it ends the header value). The names
        // and values skipped hold neither, so the search can start from
        // the name not asked for.
        match memchr2(b';', b',', &params[i..]) {
            Some(k) if params[i + k] == b';' => i += k + 1,
            // No ';' left (text after the `>` that is not a parameter).
            _ => return &[],
        }
        while i < n && (params[i] == b' ' || params[i] == b'\t') {
            i += 1;
        }
        // The name runs to `=`, `;`, `,` or white space.
        let end = i + name.len();
        if end > n
            || !eq_lower(&params[i..end], name)
            || (end < n && !matches!(params[end], b'=' | b';' | b',' | b' ' | b'\t'))
        {
            continue;
        }
        i = end;
        while i < n && (params[i] == b' ' || params[i] == b'\t') {
            i += 1;
        }
        if i >= n || params[i] != b'=' {
            // A flag parameter.
            return &params[i..i];
        }
        i += 1;
        while i < n && (params[i] == b' ' || params[i] == b'\t') {
            i += 1;
        }
        let v0 = i;
        while i < n && !matches!(params[i], b';' | b',' | b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        return &params[v0..i];
    }
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

    /// The masks, byte by byte.
    fn naive_marks(w: &[u8]) -> (u64, u64) {
        let bits = |c: u8| {
            w.iter()
                .take(64)
                .enumerate()
                .filter(|&(_, &b)| b == c)
                .fold(0u64, |m, (i, _)| m | 1 << i)
        };
        (bits(b'\n'), bits(b':'))
    }

    /// The parameter search a character at a time, as it was written
    /// first: the reference for the faster one.
    fn param_by_char<'a>(params: &'a [u8], name: &[u8]) -> &'a [u8] {
        let mut i = 0;
        let n = params.len();
        let ws = |c: u8| c == b' ' || c == b'\t';
        while i < n {
            while i < n && params[i] != b';' {
                if params[i] == b',' {
                    return &[];
                }
                i += 1;
            }
            if i >= n {
                break;
            }
            i += 1;
            while i < n && ws(params[i]) {
                i += 1;
            }
            let name_start = i;
            while i < n && !matches!(params[i], b'=' | b';' | b',' | b' ' | b'\t') {
                i += 1;
            }
            let this = &params[name_start..i];
            while i < n && ws(params[i]) {
                i += 1;
            }
            let mut val: &[u8] = &[];
            if i < n && params[i] == b'=' {
                i += 1;
                while i < n && ws(params[i]) {
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

    proptest! {
        /// The parameter search finds what a search a character at a
        /// time finds, in lists made of the characters that matter.
        #[test]
        fn param_agrees_with_a_search_by_character(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(";"), Just(","), Just("="), Just(" "), Just("\t"), Just("\r"),
                    Just("tag"), Just("TaG"), Just("branch"), Just("tagx"), Just("ta"),
                    Just("z9hG4bK1"), Just("<sip:a@b>"), Just("x"), Just(";tag=1"),
                    Just(";branch=z9hG4bKabcdefgh-1"), Just("0123456789"),
                ],
                0..24,
            ),
            name in proptest::sample::select(vec![&b"tag"[..], b"branch", b"received"]),
        ) {
            let params = parts.concat();
            prop_assert_eq!(
                param(params.as_bytes(), name),
                param_by_char(params.as_bytes(), name)
            );
        }

        /// Both ways of finding the line ends and colons agree with a
        /// byte-by-byte search, on bytes next to a match too (a
        /// word-at-a-time search can carry one match into the next byte),
        /// and so does the window at any place in a message, at its end
        /// and in a message shorter than the window.
        #[test]
        fn marks_find_every_line_end_and_colon(
            w in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b':'), Just(b'\n' + 1), Just(b':' - 1),
                    Just(0x8a), Just(0xba), Just(0), any::<u8>()],
                0..160,
            ),
            pos in 0usize..170,
        ) {
            if let Ok(a) = <&[u8; 64]>::try_from(w.get(..64).unwrap_or(&[])) {
                prop_assert_eq!(marks64(a), naive_marks(a));
                prop_assert_eq!(marks64_swar(a), naive_marks(a));
            }
            let pos = pos.min(w.len());
            prop_assert_eq!(marks(&w, pos), naive_marks(&w[pos..]));
        }

        /// The name comparison agrees with the standard library's for
        /// every lowercase name, on bytes next to the letters' cases too.
        #[test]
        fn eq_lower_is_eq_ignore_ascii_case(
            name in proptest::sample::select(vec![
                &b"call-id"[..], b"via", b"content-length", b"z9hg4bk", b"sip/", b"tag", b"i",
            ]),
            noise in proptest::collection::vec(
                prop_oneof![Just(0u8), Just(0x20), Just(0x40), Just(0x60), Just(0x80), Just(0x0d)],
                0..16,
            ),
            len_delta in -1i32..2,
        ) {
            // The name with some bytes changed: the case bit, the
            // characters around the letters, a CR.
            let mut b: Vec<u8> = name.to_vec();
            for (i, n) in noise.iter().enumerate() {
                if let Some(c) = b.get_mut(i % name.len()) {
                    *c ^= n;
                }
            }
            match len_delta {
                -1 => { b.pop(); }
                1 => b.push(b'x'),
                _ => {}
            }
            prop_assert_eq!(eq_lower(&b, name), b.eq_ignore_ascii_case(name));
        }

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

    #[test]
    fn uri_ip_reads_address_literals_only() {
        let ip = |s: &str| uri_ip(s.as_bytes());
        let v4 = |a: &str| a.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(
            ip("sip:bob@192.168.1.20:5062;transport=tcp"),
            Some((v4("192.168.1.20"), Some(5062)))
        );
        assert_eq!(ip("SIPS:10.0.0.1"), Some((v4("10.0.0.1"), None)));
        assert_eq!(
            ip("sip:alice@[fd00::7]:5070?x=y"),
            Some((v4("fd00::7"), Some(5070)))
        );
        assert_eq!(ip("sip:[::1]"), Some((v4("::1"), None)));
        for none in [
            "sip:bob@pbx.example.com:5060",
            "tel:+15551234",
            "sip:bob@10.0.0.1:99999",
            "sip:[fd00::7",
            "",
            "sip:",
        ] {
            assert_eq!(ip(none), None, "{none}");
        }
    }

    /// Contact is kept on a 2xx only, and Record-Route is noted there.
    #[test]
    fn contact_and_record_route_on_2xx_only() {
        let ok = "SIP/2.0 200 OK\r\nCall-ID: x\r\nm: <sip:b@10.1.1.1>\r\nRecord-Route: <sip:p;lr>\r\n\r\n";
        let s = skim(ok.as_bytes()).unwrap();
        assert_eq!(
            s.rare().map(|(k, _)| k).collect::<Vec<_>>(),
            [Rare::Contact]
        );
        assert!(s.record_route);
        // Many Contacts (a registrar's 200 listing bindings): the first
        // is kept, the rest do not crowd out a Reason.
        let many = format!(
            "SIP/2.0 200 OK\r\nCall-ID: x\r\n{}Reason: SIP;cause=200\r\n\r\n",
            "Contact: <sip:b@10.1.1.1>\r\n".repeat(20)
        );
        let s = skim(many.as_bytes()).unwrap();
        assert_eq!(
            s.rare().map(|(k, _)| k).collect::<Vec<_>>(),
            [Rare::Contact, Rare::Reason]
        );
        let inv = "INVITE sip:b@x SIP/2.0\r\nCall-ID: x\r\nContact: <sip:a@10.1.1.1>\r\nRecord-Route: <sip:p;lr>\r\n\r\n";
        let s = skim(inv.as_bytes()).unwrap();
        assert_eq!(s.rare().count(), 0);
        assert!(!s.record_route);
    }
}
