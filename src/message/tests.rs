//! Unit tests of the parser on small hand-written inputs.

use super::*;

fn p(s: &str) -> Message {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("{e}: {s:?}"))
}

fn has_problem(m: &Message, needle: &str) -> bool {
    m.problems.iter().any(|p| p.contains(needle))
}

const BASE: &str = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n\
                    To: <sip:c@d>\r\nCall-ID: x@y\r\nCSeq: 1 INVITE\r\n";

fn response(first: &str, extra: &str) -> String {
    format!("{first}\r\n{BASE}{extra}Content-Length: 0\r\n\r\n")
}

#[test]
fn clean_response_has_no_problems() {
    let m = p(&response("SIP/2.0 486 Busy Here", ""));
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.code(), Some(486));
    assert!(m.is_response());
    assert_eq!(
        m.start,
        StartLine::Response {
            version: "SIP/2.0".into(),
            code: Some(486),
            raw_code: "486".into(),
            reason: "Busy Here".into()
        }
    );
    assert_eq!(m.headers.len(), 6);
    assert_eq!(m.header("call-id"), Some("x@y"));
    assert_eq!(m.header("i"), Some("x@y"));
}

#[test]
fn bare_lf_and_mixed_line_ends() {
    let lf = response("SIP/2.0 200 OK", "").replace("\r\n", "\n");
    let m = p(&lf);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.header("CSeq"), Some("1 INVITE"));
    let mixed = response("SIP/2.0 200 OK", "").replacen("\r\n", "\n", 3);
    let m = p(&mixed);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.headers.len(), 6);
}

#[test]
fn folding_and_whitespace_around_colon() {
    let m = p(&response(
        "SIP/2.0 200 OK",
        "Subject  :   first part\r\n   second part\r\n\tthird\r\nAllow:\r\n INVITE,\r\n ACK\r\n",
    ));
    assert_eq!(m.header("Subject"), Some("first part second part third"));
    assert_eq!(m.values("Allow"), vec!["INVITE", "ACK"]);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

#[test]
fn compact_forms_expand_to_canonical_names() {
    let pairs = [
        ("v", "Via"),
        ("i", "Call-ID"),
        ("m", "Contact"),
        ("f", "From"),
        ("t", "To"),
        ("l", "Content-Length"),
        ("c", "Content-Type"),
        ("k", "Supported"),
        ("s", "Subject"),
        ("e", "Content-Encoding"),
        ("o", "Event"),
        ("u", "Allow-Events"),
        ("r", "Refer-To"),
        ("b", "Referred-By"),
        ("x", "Session-Expires"),
        ("y", "Identity"),
        ("a", "Accept-Contact"),
        ("j", "Reject-Contact"),
        ("d", "Request-Disposition"),
        ("n", "Identity-Info"),
    ];
    for (short, long) in pairs {
        for s in [short.to_string(), short.to_ascii_uppercase()] {
            let value = if long == "Content-Length" { "0" } else { "val" };
            let msg = format!("OPTIONS sip:a@b SIP/2.0\r\n{s}: {value}\r\n\r\n");
            let m = p(&msg);
            assert_eq!(m.headers[0].name, long, "{s}");
            assert_eq!(m.headers[0].raw_name, s);
            assert_eq!(m.header(long), Some(value));
        }
    }
}

#[test]
fn header_names_are_normalised() {
    let m = p(&response(
        "SIP/2.0 200 OK",
        "WWW-AUTHENTICATE: Digest realm=\"r\"\r\nmax-FORWARDS: 70\r\nx-Custom-Thing: 1\r\n",
    ));
    let names: Vec<&str> = m.headers.iter().map(|h| h.name.as_ref()).collect();
    assert!(names.contains(&"WWW-Authenticate"));
    assert!(names.contains(&"Max-Forwards"));
    assert!(names.contains(&"x-Custom-Thing"));
    assert_eq!(m.header("X-CUSTOM-THING"), Some("1"));
}

#[test]
fn repeated_headers_and_lists() {
    let m = p(&response(
        "SIP/2.0 200 OK",
        "Contact: \"Foo, Bar\" <sip:a@b;x=1,2>;q=0.5, <sip:c@d>\r\nContact: <sip:e@f>\r\n\
         Unknown-List: a, b\r\nWWW-Authenticate: Digest realm=\"a\", nonce=\"b\"\r\n",
    ));
    assert_eq!(
        m.values("m"),
        vec![
            "\"Foo, Bar\" <sip:a@b;x=1,2>;q=0.5",
            "<sip:c@d>",
            "<sip:e@f>"
        ]
    );
    // Unknown headers and challenges are not split.
    assert_eq!(m.values("Unknown-List"), vec!["a, b"]);
    assert_eq!(m.values("WWW-Authenticate").len(), 1);
}

#[test]
fn body_delimited_by_content_length() {
    let body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
    let msg = format!(
        "SIP/2.0 200 OK\r\n{BASE}Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let m = p(&msg);
    assert_eq!(m.body, body);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    // The same message with line ends turned into LF by a paste.
    let m = p(&msg.replace("\r\n", "\n"));
    assert_eq!(m.body, body.replace("\r\n", "\n"));
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    // A paste that lost the final line end.
    let m = p(msg.trim_end());
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

#[test]
fn content_length_problems() {
    let body = "v=0\r\ns=-\r\n";
    let with = |cl: &str| {
        p(&format!(
            "SIP/2.0 200 OK\r\n{BASE}{cl}Content-Type: application/sdp\r\n\r\n{body}"
        ))
    };
    let m = with("");
    assert!(
        has_problem(&m, "no Content-Length header"),
        "{:?}",
        m.problems
    );
    assert_eq!(m.body, body);
    let m = with("Content-Length: 9999\r\n");
    assert!(
        has_problem(&m, "says 9999 bytes but only"),
        "{:?}",
        m.problems
    );
    let m = with("Content-Length: 3\r\n");
    assert!(has_problem(&m, "says 3 bytes but"), "{:?}", m.problems);
    let m = with("Content-Length: 10\r\nl: 11\r\n");
    assert!(has_problem(&m, "different values"), "{:?}", m.problems);
    let m = with("Content-Length: 10\r\nContent-Length: 10\r\n");
    assert!(has_problem(&m, "appears 2 times"), "{:?}", m.problems);
    let m = with("Content-Length: -999\r\n");
    assert!(
        has_problem(&m, "not a non-negative number"),
        "{:?}",
        m.problems
    );
    let m = with("Content-Length: ten\r\n");
    assert!(
        has_problem(&m, "not a non-negative number"),
        "{:?}",
        m.problems
    );
    let m = with("Content-Length: 99999999999999999999999\r\n");
    assert!(has_problem(&m, "absurdly large"), "{:?}", m.problems);
}

#[test]
fn invalid_status_codes_are_never_guessed() {
    for (raw, what) in [
        ("4294967301", "10 digits"),
        ("99", "2 digits"),
        ("7000", "4 digits"),
        ("abc", "not a number"),
        ("099", "outside 100 to 699"),
        ("700", "outside 100 to 699"),
        ("-1", "not a number"),
        ("4294967686", "10 digits"),
    ] {
        let m = p(&response(&format!("SIP/2.0 {raw} Whatever"), ""));
        assert_eq!(m.code(), None, "{raw}");
        assert!(has_problem(&m, what), "{raw}: {:?}", m.problems);
        assert!(
            has_problem(&m, &format!("'{raw}'")) || raw.len() == 3,
            "{raw}"
        );
        match &m.start {
            StartLine::Response { raw_code, .. } => assert_eq!(raw_code, raw),
            other => panic!("{other:?}"),
        }
    }
    let m = p(&response("SIP/2.0", ""));
    assert!(has_problem(&m, "no status code"), "{:?}", m.problems);
}

#[test]
fn reason_phrases_empty_and_unusual() {
    let m = p(&response("SIP/2.0 100 ", ""));
    assert_eq!(m.code(), Some(100));
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    let m = p(&response(
        "SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое",
        "",
    ));
    assert_eq!(m.code(), Some(200));
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    match &m.start {
        StartLine::Response { reason, .. } => assert!(reason.ends_with("простое")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_versions() {
    let m = p(&response("SIP/7.0 200 OK", ""));
    assert!(has_problem(&m, "not SIP/2.0"), "{:?}", m.problems);
    assert_eq!(m.code(), Some(200));
    let m = p(&response("sip/2.0 200 OK", ""));
    assert!(has_problem(&m, "upper case"), "{:?}", m.problems);
}

#[test]
fn request_lines() {
    let msg =
        format!("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n{BASE}Max-Forwards: 70\r\n\r\n");
    let m = p(&msg);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.method(), Some("INVITE"));
    let m = p(&msg.replace(
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "INVITE  sip:a@b  SIP/2.0",
    ));
    assert!(has_problem(&m, "extra whitespace"), "{:?}", m.problems);
    let m = p(&msg.replace(
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "INVITE <sip:a@b> SIP/2.0",
    ));
    assert!(has_problem(&m, "enclosed in <>"), "{:?}", m.problems);
    let m = p(&msg.replace(
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "INVITE sip:a@b; lr SIP/2.0",
    ));
    assert!(has_problem(&m, "contains whitespace"), "{:?}", m.problems);
    let m = p(&msg.replace("SIP/2.0\r\nVia", "SIP/2.0  \r\nVia"));
    assert!(has_problem(&m, "ends with spaces"), "{:?}", m.problems);
    let m = p(&msg.replace("INVITE sip", "NEWMETHOD sip"));
    assert!(
        has_problem(&m, "differs from the CSeq method"),
        "{:?}",
        m.problems
    );
    assert_eq!(m.method(), Some("NEWMETHOD"));
    let m = p("INVITE sip:bob@example.com\r\n");
    assert!(has_problem(&m, "no SIP version"), "{:?}", m.problems);
}

#[test]
fn prefixes_are_skipped() {
    let msg = response("SIP/2.0 503 Service Unavailable", "");
    let m = p(&format!("\r\n\n   \n{msg}"));
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.start_line_no, 4);
    let m = p(&format!(
        "2024/05/01 10:00:00.123456 10.0.0.1:5060 -> 10.0.0.2:5060\n\
         U 10.0.0.1:5060 -> 10.0.0.2:5060\n{msg}"
    ));
    assert_eq!(m.code(), Some(503));
    assert!(has_problem(&m, "skipped 2 lines"), "{:?}", m.problems);
    assert_eq!(m.headers[0].line, 4);
}

#[test]
fn uniformly_indented_paste() {
    let msg = response("SIP/2.0 486 Busy Here", "Subject: a\r\n  b\r\n");
    let indented: String = msg
        .split_inclusive("\r\n")
        .map(|l| format!("    {l}"))
        .collect();
    let m = p(&indented);
    assert_eq!(m.code(), Some(486));
    assert_eq!(m.header("Subject"), Some("a b"));
    assert_eq!(m.headers.len(), 7);
}

#[test]
fn not_sip_and_too_large() {
    for bad in [
        &b""[..],
        b"hello world\nthis is not sip\n",
        b"\x00\x01\x02\xff\xfe binary",
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"Via: SIP/2.0/UDP host\r\nTo: <sip:a@b>\r\n",
    ] {
        assert_eq!(parse(bad), Err(InputError::NotSip), "{bad:?}");
    }
    let big = vec![b'a'; MAX_INPUT + 1];
    assert_eq!(
        parse(&big),
        Err(InputError::TooLarge {
            size: MAX_INPUT + 1
        })
    );
    let s = InputError::NotSip.to_string();
    assert!(!s.contains('\n'));
    assert!(
        InputError::TooLarge { size: 5 }
            .to_string()
            .contains("1 MiB")
    );
    // The start line far below the top is not "near the top".
    let far = format!(
        "{}{}",
        "log line\n".repeat(300),
        response("SIP/2.0 200 OK", "")
    );
    assert_eq!(parse(far.as_bytes()), Err(InputError::NotSip));
}

#[test]
fn truncated_pastes() {
    let full = response("SIP/2.0 480 Temporarily Unavailable", "");
    // Cut in the middle of a header, before Content-Length.
    let cut = &full[..full.find("CSeq: 1 IN").unwrap() + 10];
    let m = p(cut);
    assert_eq!(m.code(), Some(480));
    assert_eq!(m.header("CSeq"), Some("1 IN"));
    assert!(has_problem(&m, "cut short"), "{:?}", m.problems);
    // Missing mandatory headers.
    let m = p("SIP/2.0 480 Temporarily Unavailable\r\nCall-ID: a\r\n\r\n");
    assert!(has_problem(&m, "missing headers"), "{:?}", m.problems);
    // A paste without the final blank line but with Content-Length: 0 is complete.
    let m = p(full.trim_end());
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

#[test]
fn body_without_blank_line() {
    let msg = format!(
        "SIP/2.0 200 OK\r\n{BASE}Content-Type: application/sdp\r\nv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
    );
    let m = p(&msg);
    assert!(
        has_problem(&m, "without the blank line"),
        "{:?}",
        m.problems
    );
    assert!(m.body.starts_with("v=0"));
    assert_eq!(m.header("Content-Type"), Some("application/sdp"));
}

#[test]
fn non_header_lines_are_reported() {
    let m = p(&response(
        "SIP/2.0 200 OK",
        "this is junk\r\nBad Name: x\r\n",
    ));
    assert!(has_problem(&m, "not a header field"), "{:?}", m.problems);
    assert_eq!(m.headers.len(), 6);
}

#[test]
fn control_characters_are_kept_raw_and_reported() {
    let m = p(&response(
        "SIP/2.0 200 OK",
        "Subject: \x1b[2Jgotcha\x07\r\n",
    ));
    assert_eq!(m.header("Subject"), Some("\x1b[2Jgotcha\x07"));
    assert!(has_problem(&m, "control characters"), "{:?}", m.problems);
    let m = p(&response("SIP/2.0 200 \x1b]0;pwned\x07", ""));
    assert!(
        has_problem(&m, "start line contains control"),
        "{:?}",
        m.problems
    );
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let mut b = response("SIP/2.0 200 OK", "Subject: caf").into_bytes();
    let pos = b.windows(3).position(|w| w == b"caf").unwrap() + 3;
    b.insert(pos, 0xe9);
    let m = parse(&b).unwrap();
    assert!(m.header("Subject").unwrap().contains('\u{fffd}'));
    assert!(has_problem(&m, "UTF-8"), "{:?}", m.problems);
}

#[test]
fn several_messages() {
    let a = response("SIP/2.0 100 Trying", "");
    let b = response("SIP/2.0 486 Busy Here", "");
    let input = format!("{a}\r\n{b}");
    let m = p(&input);
    assert_eq!(m.code(), Some(100));
    assert!(
        has_problem(&m, "more than one SIP message"),
        "{:?}",
        m.problems
    );
    let all = parse_all(input.as_bytes()).unwrap();
    let codes: Vec<_> = all.iter().map(Message::code).collect();
    assert_eq!(codes, vec![Some(100), Some(486)]);
    assert!(all[1].problems.is_empty(), "{:?}", all[1].problems);
    // Headers cut short by the next message.
    let cut = format!("SIP/2.0 180 Ringing\r\nCall-ID: x\r\n{b}");
    let all = parse_all(cut.as_bytes()).unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all[0]
            .problems
            .iter()
            .any(|p| p.contains("without a blank line"))
    );
    assert_eq!(parse_all(b"nothing"), Err(InputError::NotSip));
}

#[test]
fn sipfrag_body_is_not_a_new_message() {
    let frag = "SIP/2.0 200 OK\r\n";
    let msg = format!(
        "NOTIFY sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@b>;tag=1\r\n\
         To: <sip:c@d>;tag=2\r\nCall-ID: n@y\r\nCSeq: 2 NOTIFY\r\nMax-Forwards: 70\r\n\
         Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n\
         Content-Type: message/sipfrag\r\nContent-Length: {}\r\n\r\n{frag}",
        frag.len()
    );
    let m = p(&msg);
    assert_eq!(m.body, frag);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(parse_all(msg.as_bytes()).unwrap().len(), 1);
}

#[test]
fn scalar_checks() {
    let m = p(&response(
        "SIP/2.0 200 OK",
        "Max-Forwards: 300\r\nExpires: 100000000000000000000000\r\n",
    ));
    assert!(has_problem(&m, "Max-Forwards '300'"), "{:?}", m.problems);
    assert!(has_problem(&m, "Expires '1000"), "{:?}", m.problems);
    let m = p(&response("SIP/2.0 200 OK", "")
        .replace("CSeq: 1 INVITE", "CSeq: 36893488147419103232 INVITE"));
    assert!(has_problem(&m, "larger than 2^32-1"), "{:?}", m.problems);
    let m = p(&response("SIP/2.0 200 OK", "").replace("CSeq: 1 INVITE", "CSeq: fhdjk"));
    assert!(
        has_problem(&m, "does not start with a sequence number"),
        "{:?}",
        m.problems
    );
}

#[test]
fn unterminated_quotes_are_reported() {
    let m =
        p(&response("SIP/2.0 200 OK", "").replace("To: <sip:c@d>", "To: \"Mr. J. User <sip:c@d>"));
    assert!(
        has_problem(&m, "unterminated quoted string"),
        "{:?}",
        m.problems
    );
}

#[test]
fn problem_list_is_capped() {
    let junk = "junk line\r\n".repeat(500);
    let m = p(&format!("SIP/2.0 200 OK\r\n{junk}\r\n"));
    assert!(m.problems.len() <= 101, "{}", m.problems.len());
    assert!(m.problems.last().unwrap().contains("more not listed"));
}

/// One message in every line-end shape a paste can give it: CRLF (the
/// wire), LF (a log), CR CR (CRLF pasted through tmux, which turns LF into
/// CR) and lone CR (LF pasted the same way).
fn line_end_shapes() -> Vec<(&'static str, Vec<u8>)> {
    let body = "v=0\r\no=- 1 1 IN IP4 192.0.2.4\r\ns=-\r\n";
    let crlf = format!(
        "SIP/2.0 480 Temporarily Unavailable\r\n{BASE}Reason: Q.850;cause=18\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let lf = crlf.replace("\r\n", "\n");
    vec![
        ("CRLF", crlf.clone().into_bytes()),
        ("LF", lf.clone().into_bytes()),
        ("CR CR", crlf.replace('\n', "\r").into_bytes()),
        ("lone CR", lf.replace('\n', "\r").into_bytes()),
    ]
}

#[test]
fn every_line_end_shape_parses_the_same() {
    for (shape, bytes) in line_end_shapes() {
        let m = parse(&bytes).unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert!(m.problems.is_empty(), "{shape}: {:?}", m.problems);
        assert_eq!(m.code(), Some(480), "{shape}");
        assert_eq!(m.headers.len(), 8, "{shape}: {:?}", m.headers);
        assert_eq!(m.header("Reason"), Some("Q.850;cause=18"), "{shape}");
        assert_eq!(
            m.header("Via"),
            Some("SIP/2.0/UDP h;branch=z9hG4bK1"),
            "{shape}"
        );
        assert!(m.body.starts_with("v=0"), "{shape}: {:?}", m.body);
        assert_eq!(
            m.headers.last().map(|h| h.line),
            Some(9),
            "{shape}: line numbers kept"
        );
        let all = parse_all(&bytes).unwrap();
        assert_eq!(all.len(), 1, "{shape}");
    }
}

#[test]
fn a_tmux_paste_of_two_messages_splits_them() {
    let one = response("SIP/2.0 486 Busy Here", "");
    let two = response("SIP/2.0 200 OK", "");
    let pasted = format!("{one}{two}").replace('\n', "\r");
    let all = parse_all(pasted.as_bytes()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].code(), Some(200));
}
