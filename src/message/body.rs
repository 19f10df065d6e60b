//! The message body: its lines, an SDP body decoded (RFC 8866), the parts
//! of a multipart body, a binary or encoded body summarised. Bounded for
//! any input: a body of a megabyte of lines lists its first
//! [`MAX_BODY_LINES`] and counts the rest.

use super::Message;
use super::headers::Params;
use super::model::{BodyInfo, BodyKind, BodyLine, SdpFormat, SdpInfo, SdpMedia};
use super::text::{excerpt, parse_u64};

/// Lines of one body (or part) listed, at most.
pub const MAX_BODY_LINES: usize = 60;
/// Bytes of one body line kept, at most.
const MAX_LINE_BYTES: usize = 300;
/// Media descriptions decoded, at most.
const MAX_MEDIA: usize = 16;
/// Formats kept per media description, at most.
const MAX_FORMATS: usize = 32;
/// Other attribute names kept per media description, at most.
const MAX_ATTRIBUTES: usize = 24;
/// Parts of a multipart body read, at most, and how deep parts may nest.
const MAX_PARTS: usize = 8;
const MAX_DEPTH: usize = 3;
/// Problems listed per body, at most.
const MAX_PROBLEMS: usize = 10;

/// The message's body, read; `None` when it has none.
pub(super) fn body(msg: &Message) -> Option<BodyInfo> {
    if msg.body.is_empty() {
        return None;
    }
    let ct = msg.header("Content-Type");
    let encoding = msg.header("Content-Encoding");
    let method = msg
        .header("CSeq")
        .and_then(|c| c.split_ascii_whitespace().nth(1));
    let caps = lists_capabilities(msg.code(), method);
    Some(read(ct, encoding, &msg.body, msg.body_wire_len(), 0, caps))
}

/// Whether an SDP in a message with this status code, answering this
/// method, lists the callee's media capabilities rather than being an offer
/// or answer: the body of a 488 or 606 (RFC 3261 §21.4.26, §21.6.4) and of
/// a 2xx to OPTIONS (§11.2). Its `m=` lines have port 0 by rule (RFC 3264
/// §9), which declines nothing.
pub(super) fn lists_capabilities(code: Option<u16>, method: Option<&str>) -> bool {
    match code {
        Some(488 | 606) => true,
        Some(200..=299) => method.is_some_and(|m| m.eq_ignore_ascii_case("OPTIONS")),
        _ => false,
    }
}

/// Read one body or part of `length` bytes.
fn read(
    ct: Option<&str>,
    encoding: Option<&str>,
    text: &str,
    length: usize,
    depth: usize,
    caps: bool,
) -> BodyInfo {
    let mime = ct
        .map(|c| Params::parse(c).main.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut b = BodyInfo {
        content_type: ct.map(str::to_string),
        kind: BodyKind::Text,
        length,
        summary: String::new(),
        lines: Vec::new(),
        more_lines: 0,
        sdp: None,
        parts: Vec::new(),
        problems: Vec::new(),
    };
    let type_words = if mime.is_empty() {
        "no Content-Type".to_string()
    } else {
        excerpt(&mime, 60)
    };
    if let Some(enc) = encoding
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"))
    {
        b.kind = BodyKind::Encoded;
        b.summary = format!(
            "{type_words}, {length} bytes, encoded with {} (Content-Encoding): not shown; \
             an element that cannot decode it answers 415 (RFC 3261 §20.12)",
            excerpt(enc, 30)
        );
        return b;
    }
    // A multipart body is split first: one binary part (ISUP) does not
    // make the whole body binary.
    if mime.starts_with("multipart/") && depth < MAX_DEPTH {
        if let Some(boundary) = ct.and_then(boundary) {
            multipart(&mut b, &type_words, text, &boundary, depth, caps);
            return b;
        }
        b.problems
            .push("a multipart body without a boundary parameter (RFC 2046 §5.1.1)".to_string());
    }
    if is_binary(&mime, text) {
        b.kind = BodyKind::Binary;
        b.summary = format!(
            "{type_words}, {length} bytes of binary data{}: not shown",
            binary_about(&mime)
        );
        return b;
    }
    let lines = split_lines(text);
    let sdp = mime == "application/sdp"
        || (mime.is_empty() && lines.first().is_some_and(|l| l.starts_with("v=")));
    if sdp {
        b.kind = BodyKind::Sdp;
        let (info, meanings, problems) = decode_sdp(&lines, caps);
        b.summary = if caps {
            format!(
                "SDP, {length} bytes, the media capabilities of the side that answered (what it \
                 supports; not an offer or answer): {}",
                sdp_summary(&info)
            )
        } else {
            format!("SDP, {length} bytes: {}", sdp_summary(&info))
        };
        b.sdp = Some(info);
        b.problems.extend(problems);
        list(&mut b, &lines, |i| meanings.get(i).cloned().flatten());
    } else {
        b.summary = format!(
            "{type_words}, {length} bytes, {} line{}{}",
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            text_about(&mime)
        );
        list(&mut b, &lines, |_| None);
    }
    b
}

/// List the first lines of a body, with their meanings.
fn list(b: &mut BodyInfo, lines: &[&str], meaning: impl Fn(usize) -> Option<String>) {
    for (i, l) in lines.iter().take(MAX_BODY_LINES).enumerate() {
        b.lines.push(BodyLine {
            text: cut(l),
            meaning: meaning(i),
        });
    }
    b.more_lines = lines.len().saturating_sub(MAX_BODY_LINES);
}

/// A line cut to [`MAX_LINE_BYTES`], saying how long it was.
fn cut(l: &str) -> String {
    if l.len() <= MAX_LINE_BYTES {
        return l.to_string();
    }
    let mut end = MAX_LINE_BYTES;
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes in all)", &l[..end], l.len())
}

/// The lines of a body: CRLF, bare LF and the lone CR of a terminal paste
/// each end a line; the line end after the last line adds none.
fn split_lines(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                out.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                out.push(rest);
                break;
            }
        }
    }
    out
}

/// Types that are binary whatever their bytes look like, or bytes that are
/// not text (a NUL, or many control characters or invalid UTF-8 bytes).
fn is_binary(mime: &str, text: &str) -> bool {
    const BINARY: &[&str] = &[
        "application/isup",
        "application/qsig",
        "application/octet-stream",
        "application/x-isup",
        "application/ber-encoded",
    ];
    if BINARY.contains(&mime)
        || (["audio/", "video/", "image/"]
            .iter()
            .any(|p| mime.starts_with(p))
            && !mime.ends_with("+xml"))
    {
        return true;
    }
    let mut odd = 0usize;
    let mut all = 0usize;
    for c in text.chars() {
        all += 1;
        match c {
            '\0' => return true,
            '\r' | '\n' | '\t' => {}
            // An invalid byte (replaced) here and there is text in another
            // charset (a Latin-1 s= line); many of them are binary.
            c if c.is_control() || c == '\u{fffd}' => odd += 1,
            _ => {}
        }
    }
    odd * 8 > all
}

fn binary_about(mime: &str) -> &'static str {
    match mime {
        "application/isup" | "application/x-isup" => {
            " (an ISUP message carried for SIP-I/SIP-T, RFC 3204)"
        }
        "application/qsig" => " (a QSIG message, RFC 3204)",
        _ => "",
    }
}

fn text_about(mime: &str) -> &'static str {
    match mime {
        "message/sipfrag" => {
            " (a fragment of a SIP message, RFC 3420: in a NOTIFY for a REFER, the status \
             line of the transferred call, RFC 3515)"
        }
        "application/pidf+xml" => " (presence information, RFC 3863)",
        "application/dtmf-relay" => " (a DTMF key sent with INFO: Signal= and Duration=)",
        "application/simple-message-summary" => " (voicemail waiting indication, RFC 3842)",
        "application/dialog-info+xml" => " (dialog state for busy lamps, RFC 4235)",
        "application/reginfo+xml" => " (registration state, RFC 3680)",
        _ => "",
    }
}

/// The `boundary` parameter of a multipart Content-Type.
fn boundary(ct: &str) -> Option<String> {
    let p = Params::parse(ct);
    let v = p.get("boundary")?;
    let v = v.trim().trim_matches('"');
    (!v.is_empty()).then(|| v.to_string())
}

/// Split a multipart body at its boundary (RFC 2046 §5.1.1) and read each
/// part with its own headers.
fn multipart(
    b: &mut BodyInfo,
    type_words: &str,
    text: &str,
    boundary: &str,
    depth: usize,
    caps: bool,
) {
    b.kind = BodyKind::Multipart;
    let delim = format!("--{boundary}");
    let lines = split_lines(text);
    // Each part's lines, between delimiter lines.
    let mut parts: Vec<Vec<&str>> = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    let mut closed = false;
    let mut count = 0usize;
    for l in &lines {
        let t = l.trim_end();
        if let Some(after) = t.strip_prefix(delim.as_str()) {
            if after == "--" {
                parts.extend(current.take());
                closed = true;
                break;
            }
            if after.is_empty() {
                parts.extend(current.take());
                count += 1;
                current = (count <= MAX_PARTS).then(Vec::new);
                continue;
            }
        }
        if let Some(c) = current.as_mut() {
            c.push(l);
        }
    }
    parts.extend(current.take());
    if !closed {
        b.problems.push(format!(
            "the closing boundary line '--{}--' is missing: the body may be cut short \
             (RFC 2046 §5.1.1)",
            excerpt(boundary, 40)
        ));
    }
    for p in parts {
        // The part's headers, up to the first empty line.
        let split = p.iter().position(|l| l.trim().is_empty());
        let (head, rest) = match split {
            Some(i) => (&p[..i], &p[i + 1..]),
            None => (&p[..0], &p[..]),
        };
        let header = |name: &str| {
            head.iter().find_map(|h| {
                let (n, v) = h.split_once(':')?;
                n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
            })
        };
        let ct = header("Content-Type").or(header("c"));
        let enc = header("Content-Encoding").or(header("e"));
        // The line end before the next delimiter belongs to the delimiter
        // (RFC 2046 §5.1.1), so the part ends with its last line's text.
        let content = rest.join("\r\n");
        b.parts.push(read(
            ct,
            enc,
            &content,
            wire_len(&content).min(b.length),
            depth + 1,
            caps,
        ));
    }
    let kinds: Vec<String> = b
        .parts
        .iter()
        .map(|p| {
            p.content_type
                .as_deref()
                .map(|c| excerpt(Params::parse(c).main.trim(), 40))
                .unwrap_or_else(|| "no Content-Type".to_string())
        })
        .collect();
    let more = if count > MAX_PARTS {
        format!(" (the first {MAX_PARTS} of {count})")
    } else {
        String::new()
    };
    b.summary = format!(
        "{type_words}, {} bytes, {} part{}{more}: {}",
        b.length,
        b.parts.len(),
        if b.parts.len() == 1 { "" } else { "s" },
        kinds.join(", ")
    );
}

/// Bytes a part had on the wire: each invalid byte the message's text
/// replaced with U+FFFD (3 bytes here) counts as the one byte it most
/// likely was.
fn wire_len(content: &str) -> usize {
    content.len() - 2 * content.matches('\u{fffd}').count()
}

/// The encoding of a static RTP payload type (RFC 3551 §6, tables 4 and 5).
fn static_pt(pt: u32) -> Option<&'static str> {
    Some(match pt {
        0 => "PCMU/8000",
        3 => "GSM/8000",
        4 => "G723/8000",
        5 => "DVI4/8000",
        6 => "DVI4/16000",
        7 => "LPC/8000",
        8 => "PCMA/8000",
        9 => "G722/8000",
        10 => "L16/44100/2",
        11 => "L16/44100",
        12 => "QCELP/8000",
        13 => "CN/8000",
        14 => "MPA/90000",
        15 => "G728/8000",
        16 => "DVI4/11025",
        17 => "DVI4/22050",
        18 => "G729/8000",
        25 => "CelB/90000",
        26 => "JPEG/90000",
        28 => "nv/90000",
        31 => "H261/90000",
        32 => "MPV/90000",
        33 => "MP2T/90000",
        34 => "H263/90000",
        _ => return None,
    })
}

const DIRECTIONS: &[&str] = &["sendrecv", "sendonly", "recvonly", "inactive"];

/// A direction attribute in words (RFC 8866 §6.7).
fn direction_words(d: &str) -> &'static str {
    match d {
        "sendrecv" => "send and receive",
        "sendonly" => "send only (a hold, when the other side had it sendrecv)",
        "recvonly" => "receive only",
        "inactive" => "no media either way (a hold, or a stream paused)",
        _ => "",
    }
}

/// A transport protocol in words, and whether it is SRTP.
pub(super) fn transport_words(t: &str) -> (&'static str, bool) {
    match t.to_ascii_uppercase().as_str() {
        "RTP/AVP" => ("plain RTP", false),
        "RTP/AVPF" => ("plain RTP with RTCP feedback", false),
        "RTP/SAVP" => ("SRTP, keys usually by SDES a=crypto", true),
        "RTP/SAVPF" => ("SRTP with RTCP feedback", true),
        "UDP/TLS/RTP/SAVP" | "UDP/TLS/RTP/SAVPF" => ("DTLS-SRTP (RFC 5764)", true),
        "TCP/TLS/RTP/SAVP" | "TCP/TLS/RTP/SAVPF" => ("DTLS-SRTP over TCP", true),
        "UDPTL" => ("T.38 fax over UDPTL", false),
        "TCP/MSRP" | "TCP/TLS/MSRP" => ("MSRP messaging (RFC 4975)", false),
        "UDP/BFCP" | "TCP/BFCP" | "TCP/TLS/BFCP" => ("BFCP floor control", false),
        "UDP" => ("plain UDP", false),
        _ => ("a transport sipfix does not know", false),
    }
}

/// What `decode_sdp` builds while reading one media section.
struct MediaDraft {
    m: SdpMedia,
    rtpmap: Vec<(String, String)>,
    fmtp: Vec<(String, String)>,
    connection: Option<String>,
    direction: Option<String>,
    /// Index of its m= line among the body's lines.
    line: usize,
}

/// Decode an SDP body: the session, each media description, a meaning per
/// line (indexed like `lines`) and the problems found.
fn decode_sdp(lines: &[&str], caps: bool) -> (SdpInfo, Vec<Option<String>>, Vec<String>) {
    let mut info = SdpInfo {
        capabilities: caps,
        connection: None,
        direction: None,
        media: Vec::new(),
        more_media: 0,
    };
    let mut meanings: Vec<Option<String>> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut problem = |p: String| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        }
    };
    let mut media: Vec<MediaDraft> = Vec::new();
    let mut media_seen = 0usize;
    let mut session_fingerprint = false;
    // True while in a media section that is not kept (beyond MAX_MEDIA).
    let mut skipping = false;
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        let keep_meaning = i < MAX_BODY_LINES;
        let mut meaning: Option<String> = None;
        let line = raw.trim_end();
        if line.is_empty() {
            if keep_meaning {
                meanings.push(None);
            }
            continue;
        }
        let (kind, value) = match line.split_once('=') {
            Some((k, v)) if k.len() == 1 && k.as_bytes()[0].is_ascii_lowercase() => (k, v),
            _ => {
                problem(format!(
                    "SDP line {n} is not of the form x=value (RFC 8866 §5): {}",
                    excerpt(line, 40)
                ));
                if keep_meaning {
                    meanings.push(None);
                }
                continue;
            }
        };
        let in_media = !media.is_empty() || skipping;
        let cur = if skipping { None } else { media.last_mut() };
        match kind {
            "v" if value.trim() != "0" => {
                problem(format!(
                    "SDP version {} where 0 is the only one defined (RFC 8866 §5.1)",
                    excerpt(value, 20)
                ));
            }
            "o" => {
                let f: Vec<&str> = value.split_ascii_whitespace().collect();
                if f.len() == 6 {
                    meaning = Some(format!(
                        "origin: session {} version {}, from {}; the version goes up each time \
                         this side changes its SDP (RFC 8866 §5.2)",
                        excerpt(f[1], 24),
                        excerpt(f[2], 24),
                        excerpt(f[5], 60)
                    ));
                } else {
                    problem(format!(
                        "SDP line {n}: o= has {} fields, 6 expected (RFC 8866 §5.2)",
                        f.len()
                    ));
                }
            }
            "c" => {
                let f: Vec<&str> = value.split_ascii_whitespace().collect();
                let addr = f.get(2).copied().unwrap_or("");
                let family = match f.get(1).copied() {
                    Some("IP4") => "IPv4",
                    Some("IP6") => "IPv6",
                    _ => "an unknown address type",
                };
                if f.len() < 3 {
                    problem(format!(
                        "SDP line {n}: c= needs a network type, an address type and an \
                         address (RFC 8866 §5.7)"
                    ));
                }
                let scope = if in_media {
                    "for this media"
                } else {
                    "for every media without a c= of its own"
                };
                let hold = if addr == "0.0.0.0" {
                    "; 0.0.0.0 is the old way to put a call on hold (RFC 3264 §8.4)"
                } else {
                    ""
                };
                meaning = Some(format!(
                    "media address {} ({family}) {scope}{hold} (RFC 8866 §5.7)",
                    excerpt(addr, 60)
                ));
                if in_media {
                    if let Some(m) = cur {
                        m.connection = Some(addr.to_string());
                    }
                } else {
                    info.connection = Some(addr.to_string());
                }
            }
            "b" => {
                let (t, v) = value.split_once(':').unwrap_or((value, ""));
                let unit = match t {
                    "AS" | "CT" => "kbit/s",
                    _ => "bit/s",
                };
                meaning = Some(format!(
                    "bandwidth {} {} {unit} (RFC 8866 §5.8)",
                    excerpt(t, 12),
                    excerpt(v.trim(), 20)
                ));
            }
            "m" => {
                media_seen += 1;
                if media.len() >= MAX_MEDIA {
                    skipping = true;
                    info.more_media += 1;
                } else {
                    skipping = false;
                    let d = media_line(value, n, caps, &mut problem);
                    media.push(MediaDraft {
                        m: d,
                        rtpmap: Vec::new(),
                        fmtp: Vec::new(),
                        connection: None,
                        direction: None,
                        line: i,
                    });
                }
            }
            "a" => {
                let (name, v) = match value.split_once(':') {
                    Some((a, v)) => (a, Some(v)),
                    None => (value, None),
                };
                let level = if in_media {
                    "this media"
                } else {
                    "the session"
                };
                if DIRECTIONS.contains(&name) {
                    meaning = Some(format!(
                        "direction for {level}: {}{} (RFC 8866 §6.7)",
                        direction_words(name),
                        if in_media {
                            ""
                        } else {
                            ", unless a media says otherwise"
                        }
                    ));
                    match cur {
                        Some(m) => m.direction = Some(name.to_string()),
                        None if !in_media => info.direction = Some(name.to_string()),
                        None => {}
                    }
                } else {
                    let v = v.unwrap_or("");
                    meaning = attribute(name, v);
                    if name == "fingerprint" && !in_media {
                        session_fingerprint = true;
                    }
                    if let Some(m) = cur {
                        match name {
                            "rtpmap" | "fmtp" => {
                                let (pt, rest) = v.split_once(' ').unwrap_or((v, ""));
                                let list = if name == "rtpmap" {
                                    &mut m.rtpmap
                                } else {
                                    &mut m.fmtp
                                };
                                if list.len() < MAX_FORMATS * 2 {
                                    list.push((pt.trim().to_string(), rest.trim().to_string()));
                                }
                            }
                            "crypto" => m.m.crypto = true,
                            "fingerprint" => m.m.fingerprint = true,
                            _ => {
                                if m.m.attributes.len() < MAX_ATTRIBUTES
                                    && !m.m.attributes.iter().any(|a| a == name)
                                {
                                    m.m.attributes.push(name.to_string());
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        if keep_meaning {
            meanings.push(meaning);
        }
    }
    if media_seen == 0 {
        problem("the SDP has no m= line: it offers no media".to_string());
    }
    for mut d in media {
        for f in &mut d.m.formats {
            if let Some((_, r)) = d.rtpmap.iter().find(|(pt, _)| *pt == f.format) {
                f.encoding = Some(r.clone());
            }
            if let Some((_, p)) = d.fmtp.iter().find(|(pt, _)| *pt == f.format) {
                f.fmtp = Some(p.clone());
            }
        }
        d.m.connection = d.connection.or_else(|| info.connection.clone());
        if d.m.connection.is_none() && d.m.port != Some(0) {
            problem(format!(
                "the m={} line has no c= address, and the session has none (RFC 8866 §5.7)",
                excerpt(&d.m.media, 20)
            ));
        }
        let (dir, from) = match (&d.direction, &info.direction) {
            (Some(x), _) => (x.clone(), "media"),
            (None, Some(x)) => (x.clone(), "session"),
            (None, None) => ("sendrecv".to_string(), "default"),
        };
        d.m.direction = dir;
        d.m.direction_from = from.to_string();
        d.m.fingerprint |= session_fingerprint;
        if let Some(slot) = meanings.get_mut(d.line) {
            *slot = Some(media_meaning(&d.m, caps));
        }
        info.media.push(d.m);
    }
    (info, meanings, problems)
}

/// Read an `m=` line: media, port, transport, formats.
fn media_line(value: &str, n: usize, caps: bool, problem: &mut impl FnMut(String)) -> SdpMedia {
    let f: Vec<&str> = value.split_ascii_whitespace().collect();
    let media = f.first().copied().unwrap_or("").to_string();
    let port_field = f.get(1).copied().unwrap_or("");
    let port_main = port_field.split('/').next().unwrap_or("");
    let port = parse_u64(port_main)
        .ok()
        .filter(|p| *p <= 65_535)
        .map(|p| p as u32);
    if port.is_none() {
        problem(format!(
            "SDP line {n}: m= port {} is not a number from 0 to 65535 (RFC 8866 §5.14)",
            excerpt(port_field, 20)
        ));
    }
    let transport = f.get(2).copied().unwrap_or("").to_string();
    if f.len() < 4 {
        problem(format!(
            "SDP line {n}: m= needs media, port, transport and at least one format \
             (RFC 8866 §5.14)"
        ));
    }
    let (_, secure) = transport_words(&transport);
    let rtp = transport.to_ascii_uppercase().contains("RTP/");
    let formats = f
        .iter()
        .skip(3)
        .take(MAX_FORMATS)
        .map(|pt| SdpFormat {
            format: pt.to_string(),
            encoding: if rtp {
                parse_u64(pt)
                    .ok()
                    .and_then(|p| u32::try_from(p).ok())
                    .and_then(static_pt)
                    .map(str::to_string)
            } else {
                None
            },
            fmtp: None,
        })
        .collect();
    SdpMedia {
        media,
        port,
        declined: port == Some(0) && !caps,
        transport,
        secure,
        formats,
        connection: None,
        direction: String::new(),
        direction_from: String::new(),
        crypto: false,
        fingerprint: false,
        attributes: Vec::new(),
    }
}

/// What an `a=` attribute other than a direction says, when sipfix knows it.
fn attribute(name: &str, v: &str) -> Option<String> {
    let first = v.split_ascii_whitespace().next().unwrap_or("");
    Some(match name {
        "rtpmap" => {
            let (pt, enc) = v.split_once(' ').unwrap_or((v, ""));
            format!(
                "payload type {} is {} (RFC 8866 §6.6)",
                excerpt(pt.trim(), 12),
                excerpt(enc.trim(), 40)
            )
        }
        "fmtp" => {
            let (pt, p) = v.split_once(' ').unwrap_or((v, ""));
            format!(
                "parameters of payload type {}: {} (RFC 8866 §6.15)",
                excerpt(pt.trim(), 12),
                excerpt(p.trim(), 80)
            )
        }
        "ptime" => format!(
            "{} ms of media per packet (RFC 8866 §6.4)",
            excerpt(v.trim(), 12)
        ),
        "maxptime" => format!(
            "at most {} ms of media per packet (RFC 8866 §6.5)",
            excerpt(v.trim(), 12)
        ),
        "crypto" => {
            let suite = v.split_ascii_whitespace().nth(1).unwrap_or("");
            format!(
                "SRTP keys in the SDP (SDES, RFC 4568), suite {}",
                excerpt(suite, 40)
            )
        }
        "fingerprint" => format!(
            "certificate fingerprint ({}) for DTLS-SRTP (RFC 8122 §5): the keys are \
             agreed over DTLS on the media path",
            excerpt(first, 20)
        ),
        "setup" => format!(
            "which side opens the DTLS or TCP connection: {} (RFC 4145)",
            excerpt(first, 20)
        ),
        "rtcp-mux" => "RTP and RTCP share one port (RFC 5761)".to_string(),
        "rtcp" => format!("RTCP on port {} (RFC 3605)", excerpt(first, 12)),
        "ice-ufrag" | "ice-pwd" | "ice-options" => "ICE credentials (RFC 8839)".to_string(),
        "candidate" => "an ICE candidate address (RFC 8839)".to_string(),
        "T38FaxVersion"
        | "T38MaxBitRate"
        | "T38FaxRateManagement"
        | "T38FaxMaxBuffer"
        | "T38FaxMaxDatagram"
        | "T38FaxUdpEC" => "a T.38 fax parameter".to_string(),
        "silenceSupp" => "silence suppression setting (RFC 3108)".to_string(),
        "curr" | "des" | "conf" => "a precondition status line (RFC 3312)".to_string(),
        _ => return None,
    })
}

/// An `m=` line in words: media, port, transport, formats, direction and
/// keys.
fn media_meaning(m: &SdpMedia, caps: bool) -> String {
    let (tw, _) = transport_words(&m.transport);
    let port = match m.port {
        Some(0) if caps => {
            "port 0, as a list of capabilities has it: supported, not declined (RFC 3264 §9)"
                .to_string()
        }
        Some(0) => "port 0: declined or disabled (RFC 3264 §6)".to_string(),
        Some(p) => format!("port {p}"),
        None => "an invalid port".to_string(),
    };
    let mut s = format!(
        "{} on {port}, {} ({tw})",
        excerpt(&m.media, 20),
        excerpt(&m.transport, 30)
    );
    if !m.formats.is_empty() {
        s.push_str("; formats: ");
        s.push_str(&formats_words(m, 12));
    }
    if !caps {
        s.push_str(&format!(
            "; {}{}",
            m.direction,
            match m.direction_from.as_str() {
                "session" => " (from the session)",
                "default" => " (the default)",
                _ => "",
            }
        ));
    }
    s.push_str(&keys_words(m));
    s.push_str(" (RFC 8866 §5.14)");
    s
}

/// The formats of a media, `0 PCMU/8000, 101 telephone-event/8000`, at
/// most `max` of them.
pub(super) fn formats_words(m: &SdpMedia, max: usize) -> String {
    let mut v: Vec<String> = m
        .formats
        .iter()
        .take(max)
        .map(|f| {
            let enc = match &f.encoding {
                Some(e) => format!(" {}", excerpt(e, 30)),
                None if m.transport.to_ascii_uppercase().contains("RTP/") => {
                    " (no rtpmap: unknown)".to_string()
                }
                None => String::new(),
            };
            format!("{}{enc}", excerpt(&f.format, 12))
        })
        .collect();
    if m.formats.len() > max {
        v.push(format!("... ({} in all)", m.formats.len()));
    }
    v.join(", ")
}

/// `, a=crypto`, `, a=fingerprint` or a word on keys that are missing.
pub(super) fn keys_words(m: &SdpMedia) -> String {
    let mut s = String::new();
    if m.crypto {
        s.push_str("; a=crypto (SDES keys)");
    }
    if m.fingerprint {
        s.push_str("; a=fingerprint (DTLS)");
    }
    if m.secure && !m.crypto && !m.fingerprint && m.port != Some(0) {
        s.push_str("; an SRTP profile without a=crypto or a=fingerprint: no keys");
    }
    s
}

/// The SDP in one line: each media's type, port, transport and codecs.
fn sdp_summary(info: &SdpInfo) -> String {
    if info.media.is_empty() {
        return "no media".to_string();
    }
    let mut v: Vec<String> = info
        .media
        .iter()
        .take(4)
        .map(|m| {
            if m.declined {
                return format!("{} declined (port 0)", excerpt(&m.media, 20));
            }
            let codecs = |m: &SdpMedia| -> Vec<String> {
                m.formats
                    .iter()
                    .take(6)
                    .map(|f| {
                        let e = f.encoding.as_deref().unwrap_or(&f.format);
                        excerpt(e.split('/').next().unwrap_or(e), 24)
                    })
                    .collect()
            };
            if info.capabilities {
                return format!(
                    "{} {} ({})",
                    excerpt(&m.media, 20),
                    excerpt(&m.transport, 24),
                    codecs(m).join(", ")
                );
            }
            format!(
                "{} {} {} ({}), {}",
                excerpt(&m.media, 20),
                m.port.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                excerpt(&m.transport, 24),
                codecs(m).join(", "),
                m.direction
            )
        })
        .collect();
    let total = info.media.len() + info.more_media;
    if total > 4 {
        v.push(format!("... ({total} media in all)"));
    }
    v.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdp(text: &str) -> BodyInfo {
        read(Some("application/sdp"), None, text, text.len(), 0, false)
    }

    #[test]
    fn an_sdp_offer_is_decoded() {
        let b = sdp(
            "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
                     m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n\
                     a=fmtp:101 0-16\r\na=inactive\r\nm=video 0 RTP/AVP 96\r\n",
        );
        assert_eq!(b.kind, BodyKind::Sdp);
        let s = b.sdp.unwrap();
        assert_eq!(s.media.len(), 2);
        let a = &s.media[0];
        assert_eq!(a.port, Some(4000));
        assert_eq!(a.direction, "inactive");
        assert_eq!(a.connection.as_deref(), Some("10.0.0.1"));
        assert_eq!(a.formats[0].encoding.as_deref(), Some("PCMU/8000"));
        assert_eq!(
            a.formats[2].encoding.as_deref(),
            Some("telephone-event/8000")
        );
        assert_eq!(a.formats[2].fmtp.as_deref(), Some("0-16"));
        assert!(s.media[1].declined);
        assert_eq!(s.media[1].direction_from, "default");
        assert!(b.summary.contains("video declined"), "{}", b.summary);
        assert!(b.problems.is_empty(), "{:?}", b.problems);
        let m = b.lines[5].meaning.as_deref().unwrap();
        assert!(m.contains("PCMU/8000") && m.contains("inactive"), "{m}");
    }

    #[test]
    fn hostile_bodies_are_bounded_and_never_panic() {
        for text in [
            "m=\r\n",
            "m=audio\r\n",
            "m=audio 99999999999999999999 RTP/AVP\r\n",
            "a=rtpmap:\r\na=fmtp\r\nc=\r\no=\r\nb=\r\n=\r\n\u{0}",
            "v=1\r\nxx\r\n\u{202e}=x\r\n",
            "\r\r\r\n\n",
        ] {
            let b = sdp(text);
            assert!(b.lines.len() <= MAX_BODY_LINES);
        }
        let big = "a=x\r\n".repeat(100_000);
        let b = sdp(&format!(
            "v=0\r\nm=audio 1 RTP/AVP {}\r\n{big}",
            "96 ".repeat(1000)
        ));
        assert_eq!(b.lines.len(), MAX_BODY_LINES);
        assert_eq!(b.more_lines, 100_002 - MAX_BODY_LINES);
        assert!(b.sdp.unwrap().media[0].formats.len() <= MAX_FORMATS);
        let many = "m=audio 1 RTP/AVP 0\r\n".repeat(1000);
        let b = sdp(&many);
        let s = b.sdp.unwrap();
        assert_eq!(s.media.len(), MAX_MEDIA);
        assert_eq!(s.more_media, 1000 - MAX_MEDIA);
        // A multipart nested deeper than allowed is read as text.
        let mut ct = String::new();
        let mut body = String::from("x");
        for i in 0..10 {
            ct = format!("multipart/mixed;boundary=b{i}");
            body = format!("--b{i}\r\nContent-Type: {ct}\r\n\r\n{body}\r\n--b{i}--\r\n");
        }
        let b = read(Some(&ct), None, &body, body.len(), 0, false);
        assert_eq!(b.kind, BodyKind::Multipart);
    }

    #[test]
    fn binary_and_multipart_bodies() {
        let b = read(Some("application/isup"), None, "\u{1}\u{10}x", 3, 0, false);
        assert_eq!(b.kind, BodyKind::Binary);
        assert!(b.lines.is_empty());
        assert!(b.summary.contains("ISUP"), "{}", b.summary);
        let b = read(Some("text/plain"), None, "a\u{0}b", 3, 0, false);
        assert_eq!(b.kind, BodyKind::Binary);
        // One invalid byte (Latin-1) in a line of SDP: still SDP.
        let b = sdp("v=0\r\ns=Sesi\u{fffd}n\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 0\r\n");
        assert_eq!(b.kind, BodyKind::Sdp);
        let b = read(
            Some("text/plain"),
            None,
            "\u{fffd}\u{fffd}\u{fffd}ab",
            5,
            0,
            false,
        );
        assert_eq!(b.kind, BodyKind::Binary);
        let b = read(Some("application/sdp"), Some("gzip"), "x", 1, 0, false);
        assert_eq!(b.kind, BodyKind::Encoded);
        let body = "--XyZ\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nc=IN IP4 1.2.3.4\r\n\
                    m=audio 5 RTP/AVP 8\r\n--XyZ\r\nContent-Type: application/isup\r\n\
                    Content-Disposition: signal;handling=optional\r\n\r\n\u{1}\u{2}\r\n--XyZ--\r\n";
        let b = read(
            Some("multipart/mixed;boundary=\"XyZ\""),
            None,
            body,
            body.len(),
            0,
            false,
        );
        assert_eq!(b.kind, BodyKind::Multipart);
        assert_eq!(b.parts.len(), 2);
        assert_eq!(b.parts[0].kind, BodyKind::Sdp);
        assert_eq!(b.parts[1].kind, BodyKind::Binary);
        assert!(b.problems.is_empty(), "{:?}", b.problems);
        assert!(
            b.summary.contains("application/sdp, application/isup"),
            "{}",
            b.summary
        );
        // The CRLF before a delimiter is the delimiter's (RFC 2046 §5.1.1);
        // an invalid byte replaced in the text counts as one byte.
        assert_eq!(b.parts[0].length, 42);
        assert_eq!(b.parts[1].length, 2);
        let body = "--b\r\n\r\n\u{1}\u{fffd}\r\n--b--\r\n";
        let b = read(Some("multipart/mixed;boundary=b"), None, body, 12, 0, false);
        assert_eq!(b.parts[0].length, 2);
    }
}
