//! A SIP message as Wireshark or tshark shows it dissected (the packet
//! details pane copied, `tshark -V`, `tshark -O sip`), put back into its
//! wire form: the start line from `Request-Line:` / `Status-Line:`, the
//! header lines as shown under `Message Header` (Wireshark's own fields,
//! indented below each header or in brackets, left out), and an SDP body
//! from its fields (`Media Attribute (a): rtpmap:0 PCMU/8000` is
//! `a=rtpmap:0 PCMU/8000`). Read as a message as it stands, the tree gave
//! a request whose method was `Session`.

/// The tree's lines: indentation (columns, a tab as 8) and text.
fn lines(input: &[u8]) -> Vec<(usize, &[u8])> {
    input
        .split(|&c| c == b'\n')
        .map(|l| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            let mut indent = 0;
            let mut i = 0;
            while let Some(&c) = l.get(i) {
                match c {
                    b' ' => indent += 1,
                    b'\t' => indent += 8,
                    _ => break,
                }
                i += 1;
            }
            (indent, l[i..].trim_ascii_end())
        })
        .collect()
}

/// The children of the line at `at`: the following lines indented exactly
/// one step deeper than it (the step taken from the first of them), up to
/// the first line indented no deeper than it. Returns their indices.
fn children(tree: &[(usize, &[u8])], at: usize) -> Vec<usize> {
    let parent = tree[at].0;
    let mut out = Vec::new();
    let mut step = None;
    for (i, &(indent, text)) in tree.iter().enumerate().skip(at + 1) {
        if text.is_empty() {
            continue;
        }
        if indent <= parent {
            break;
        }
        let child = *step.get_or_insert(indent);
        if indent == child {
            out.push(i);
        }
    }
    out
}

/// The SDP line a field of Wireshark's SDP tree stands for: `Connection
/// Information (c): IN IP4 10.0.0.1` is `c=IN IP4 10.0.0.1`.
fn sdp_line(text: &[u8]) -> Option<Vec<u8>> {
    let colon = text.windows(3).position(|w| w == b"): ")?;
    let open = colon.checked_sub(2)?;
    let (paren, letter) = (text[open], text[open + 1]);
    if paren != b'(' || !letter.is_ascii_lowercase() {
        return None;
    }
    Some([&[letter, b'='], &text[colon + 3..]].concat())
}

/// The message in the dissection in `input`, in wire form, and what the
/// reader should know about it; `None` when `input` is no dissection.
pub(crate) fn rebuild(input: &[u8]) -> Option<(Vec<u8>, String)> {
    let tree = lines(input);
    let first = tree
        .iter()
        .position(|(_, t)| t.starts_with(b"Request-Line: ") || t.starts_with(b"Status-Line: "))?;
    let start = &tree[first].1[tree[first].1.iter().position(|&c| c == b':')? + 2..];
    let section = tree[first].0;
    let find = |name: &[u8]| {
        tree.iter()
            .enumerate()
            .skip(first + 1)
            .take_while(|(_, (indent, t))| t.is_empty() || *indent >= section)
            .find(|(_, (indent, t))| *indent == section && *t == name)
            .map(|(i, _)| i)
    };
    let header = find(b"Message Header")?;
    let mut out = start.to_vec();
    out.extend_from_slice(b"\r\n");
    let mut content_length = None;
    let mut truncated = false;
    for i in children(&tree, header) {
        let mut text = tree[i].1;
        // A header line too long for the tree (Wireshark 3 and older).
        if let Some(rest) = text.strip_prefix(b"[truncated] ") {
            text = rest;
            truncated = true;
        } else if text.ends_with("…".as_bytes()) {
            truncated = true;
        }
        // Wireshark's own fields are in brackets.
        if text.starts_with(b"[") {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with(b"content-length:") || lower.starts_with(b"l:") {
            content_length = Some(out.len());
        }
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    }
    let mut body = Vec::new();
    let mut note = "decoded from Wireshark's dissection, not from the message's bytes: the \
                    header lines are as Wireshark shows them"
        .to_string();
    if let Some(b) = find(b"Message Body") {
        let sdp = children(&tree, b)
            .into_iter()
            .find(|&i| tree[i].1 == b"Session Description Protocol");
        match sdp {
            Some(s) => {
                for i in children(&tree, s) {
                    if let Some(l) = sdp_line(tree[i].1) {
                        body.extend_from_slice(&l);
                        body.extend_from_slice(b"\r\n");
                    }
                }
                note.push_str(", the SDP body is rebuilt from its fields");
            }
            None => note.push_str("; its body is left out (only SDP is rebuilt)"),
        }
    }
    // The length of the body as rebuilt, so that the rebuilding is not
    // reported as a wrong Content-Length.
    if let Some(at) = content_length {
        let end = at + out[at..].windows(2).position(|w| w == b"\r\n")?;
        let shown = &out[at..end];
        let value = &shown[shown.iter().position(|&c| c == b':')? + 1..];
        if value.trim_ascii() != body.len().to_string().as_bytes() {
            out.splice(
                at..end,
                format!("Content-Length: {}", body.len()).into_bytes(),
            );
            note.push_str(&format!(
                " (Content-Length set to the {} bytes rebuilt)",
                body.len()
            ));
        }
    }
    if truncated {
        note.push_str("; Wireshark cut a long header line short, so its value is incomplete");
    }
    let more = tree
        .iter()
        .skip(first + 1)
        .any(|(_, t)| t.starts_with(b"Request-Line: ") || t.starts_with(b"Status-Line: "));
    if more {
        note.push_str("; the text holds more than one message, only the first is decoded");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    Some((out, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSHARK: &str = "Frame 2: 371 bytes on wire (2968 bits)
User Datagram Protocol, Src Port: 5060, Dst Port: 5060
Session Initiation Protocol (INVITE)
    Request-Line: INVITE sip:100@10.0.0.1 SIP/2.0
        Method: INVITE
        [Resent Packet: False]
    Message Header
        Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-b1
            Transport: UDP
            Branch: z9hG4bK-b1
        From: <sip:alice@example.com>;tag=tb
            SIP from tag: tb
        To: <sip:100@example.com>
        Call-ID: c1@x
        [Generated Call-ID: c1@x]
        CSeq: 1 INVITE
            Sequence Number: 1
        Content-Type: application/sdp
        Content-Length: 999
    Message Body
        Session Description Protocol
            Session Description Protocol Version (v): 0
            Connection Information (c): IN IP4 10.0.0.10
                Connection Address: 10.0.0.10
            Media Description, name and address (m): audio 4000 RTP/AVP 0 8
                Media Type: audio
            Media Attribute (a): rtpmap:0 PCMU/8000
";

    #[test]
    fn a_tshark_tree_is_put_back_together() {
        let (m, note) = rebuild(TSHARK.as_bytes()).unwrap();
        let body =
            "v=0\r\nc=IN IP4 10.0.0.10\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";
        let want = format!(
            "INVITE sip:100@10.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-b1\r\n\
             From: <sip:alice@example.com>;tag=tb\r\n\
             To: <sip:100@example.com>\r\n\
             Call-ID: c1@x\r\n\
             CSeq: 1 INVITE\r\n\
             Content-Type: application/sdp\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(String::from_utf8(m).unwrap(), want);
        assert!(note.contains("Wireshark's dissection"), "{note}");
        assert!(note.contains("Content-Length set to"), "{note}");
    }

    #[test]
    fn a_response_without_body_and_tabs_for_indentation() {
        let tree = "Session Initiation Protocol (488)\n\tStatus-Line: SIP/2.0 488 Not Acceptable Here\n\t\tStatus-Code: 488\n\tMessage Header\n\t\tCall-ID: x\n\t\tCSeq: 1 INVITE\n\t\tContent-Length: 0\n";
        let (m, note) = rebuild(tree.as_bytes()).unwrap();
        assert!(!note.contains("Content-Length set"), "{note}");
        assert_eq!(
            m,
            b"SIP/2.0 488 Not Acceptable Here\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn a_truncated_header_is_kept_and_a_second_message_noted() {
        let tree = "    Status-Line: SIP/2.0 407 Proxy Authentication Required\n    Message Header\n        [truncated] Proxy-Authenticate: Digest realm=\"r\", nonce=\"abc\n        Call-ID: x\n    Request-Line: ACK sip:a@b SIP/2.0\n";
        let (m, note) = rebuild(tree.as_bytes()).unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(m.contains("\r\nProxy-Authenticate: Digest realm"), "{m}");
        assert!(note.contains("cut a long header line"), "{note}");
        assert!(note.contains("more than one message"), "{note}");
    }

    #[test]
    fn a_plain_message_is_no_dissection() {
        assert!(rebuild(b"SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n").is_none());
        // A start-line label without the header section: not rebuilt.
        assert!(rebuild(b"Status-Line: SIP/2.0 200 OK\n").is_none());
        assert!(rebuild(b"").is_none());
    }
}
