//! The raw SIP message parser, decoder and renderers, on messages re-typed
//! from RFC 3261 §24.2, RFC 4475 and responses carrying each decoded header.

use proptest::prelude::*;
use sipfix::kb::Kb;
use sipfix::message::{
    self, Explanation, InputError, MAX_INPUT, Message, StartLine, explain, findings, parse,
    render_markdown, render_text,
};

fn kb() -> &'static Kb {
    Kb::embedded()
}

/// Turn the LF line ends of a test literal into CRLF, as on the wire.
fn crlf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\n', "\r\n")
}

fn parse_str(s: &str) -> Message {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("{e}: {s:?}"))
}

fn explain_str(s: &str) -> Explanation {
    explain(&parse_str(&crlf(s)), kb())
}

fn has(list: &[String], needle: &str) -> bool {
    list.iter().any(|p| p.contains(needle))
}

/// Both renderings, checked for raw control characters and, for text, width.
fn render_both(e: &Explanation) -> (String, String) {
    let t = render_text(e);
    let m = render_markdown(e);
    for out in [&t, &m] {
        assert!(
            !out.chars()
                .any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control character in output:\n{out}"
        );
    }
    for line in t.lines() {
        assert!(
            unicode_width(line) <= 80,
            "line wider than 80 columns ({}): {line}",
            unicode_width(line)
        );
    }
    (t, m)
}

fn unicode_width(s: &str) -> usize {
    // Test inputs are ASCII or Cyrillic/CJK; count CJK as two columns.
    s.chars()
        .map(|c| {
            if ('\u{2e80}'..='\u{9fff}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

const SDP: &str = "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.3\ns=-\nc=IN IP4 192.0.2.4\n\
                   t=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n";

// ---------------------------------------------------------------------------
// RFC 3261 §24.2: session setup through two proxies, re-typed.
// ---------------------------------------------------------------------------

fn alice_sdp() -> String {
    crlf(
        "v=0\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\ns=-\n\
         c=IN IP4 pc33.atlanta.com\nt=0 0\nm=audio 49172 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n",
    )
}

#[test]
fn rfc3261_flow_f1_invite() {
    let body = alice_sdp();
    let msg = crlf(&format!(
        "INVITE sip:bob@biloxi.com SIP/2.0\n\
         Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\n\
         Max-Forwards: 70\n\
         To: Bob <sip:bob@biloxi.com>\n\
         From: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
         Call-ID: a84b4c76e66710\n\
         CSeq: 314159 INVITE\n\
         Contact: <sip:alice@pc33.atlanta.com>\n\
         Content-Type: application/sdp\n\
         Content-Length: {}\n\n",
        body.len()
    )) + &body;
    let m = parse_str(&msg);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.body, body);
    let e = explain(&m, kb());
    assert_eq!(e.kind, message::Kind::Request);
    assert_eq!(e.code, None);
    assert_eq!(e.method.as_deref(), Some("INVITE"));
    assert_eq!(e.request_uri.as_deref(), Some("sip:bob@biloxi.com"));
    assert_eq!(e.cseq, Some(314159));
    assert_eq!(e.content_length, Some(body.len() as u64));
    assert_eq!(e.body_length, body.len());
    assert!(e.checklist.is_empty());
    assert!(e.notes.is_empty(), "{:?}", e.notes);
    assert!(
        e.sender.likely.contains("pc33.atlanta.com"),
        "{}",
        e.sender.likely
    );
    render_both(&e);
}

#[test]
fn rfc3261_flow_f8_ringing_and_f9_ok() {
    let ringing = explain_str(
        "SIP/2.0 180 Ringing\n\
         Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1\n\
         To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
         From: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
         Call-ID: a84b4c76e66710\n\
         Contact: <sip:bob@192.0.2.4>\n\
         CSeq: 314159 INVITE\n\
         Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>\n\
         Content-Length: 0\n\n",
    );
    assert!(ringing.problems.is_empty(), "{:?}", ringing.problems);
    assert_eq!(ringing.code, Some(180));
    assert_eq!(ringing.registered_reason.as_deref(), Some("Ringing"));
    assert!(!ringing.unregistered);
    assert_eq!(ringing.class.as_deref(), Some("1xx"));
    assert_eq!(ringing.sender.via_count, 1);
    assert!(ringing.sender.likely.contains("one Via"));
    assert!(!ringing.checklist.is_empty());

    let body = crlf(
        "v=0\no=bob 2890844527 2890844527 IN IP4 192.0.2.4\ns=-\nc=IN IP4 192.0.2.4\n\
         t=0 0\nm=audio 3456 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n",
    );
    let ok = crlf(&format!(
        "SIP/2.0 200 OK\n\
         Via: SIP/2.0/UDP server10.biloxi.com\n ;branch=z9hG4bKnashds8;received=192.0.2.3\n\
         Via: SIP/2.0/UDP bigbox3.site3.atlanta.com\n ;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\n\
         Via: SIP/2.0/UDP pc33.atlanta.com\n ;branch=z9hG4bK776asdhds ;received=192.0.2.1\n\
         To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
         From: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
         Call-ID: a84b4c76e66710@pc33.atlanta.com\n\
         CSeq: 314159 INVITE\n\
         Contact: <sip:bob@192.0.2.4>\n\
         Content-Type: application/sdp\n\
         Content-Length: {}\n\n",
        body.len()
    )) + &body;
    let m = parse_str(&ok);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.values("Via").len(), 3);
    assert_eq!(
        m.values("Via")[0],
        "SIP/2.0/UDP server10.biloxi.com ;branch=z9hG4bKnashds8;received=192.0.2.3"
    );
    let e = explain(&m, kb());
    assert_eq!(e.sender.via_count, 3);
    assert!(
        e.sender.likely.contains("2 proxy hops"),
        "{}",
        e.sender.likely
    );
    assert_eq!(e.content_type.as_deref(), Some("application/sdp"));
    render_both(&e);
}

#[test]
fn rfc3261_flow_f13_bye_and_f14_ok() {
    let bye = explain_str(
        "BYE sip:alice@pc33.atlanta.com SIP/2.0\n\
         Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n\
         Max-Forwards: 70\n\
         From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
         To: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
         Call-ID: a84b4c76e66710\n\
         CSeq: 231 BYE\n\
         Content-Length: 0\n\n",
    );
    assert!(bye.problems.is_empty(), "{:?}", bye.problems);
    assert_eq!(bye.method.as_deref(), Some("BYE"));
    assert_eq!(bye.cseq_method.as_deref(), Some("BYE"));
    let ok = explain_str(
        "SIP/2.0 200 OK\n\
         Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n\
         From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n\
         To: Alice <sip:alice@atlanta.com>;tag=1928301774\n\
         Call-ID: a84b4c76e66710\n\
         CSeq: 231 BYE\n\
         Content-Length: 0\n\n",
    );
    assert!(ok.problems.is_empty(), "{:?}", ok.problems);
    assert_eq!(ok.cseq_method.as_deref(), Some("BYE"));
    render_both(&ok);
}

// ---------------------------------------------------------------------------
// RFC 4475 §3.1.1: valid messages, re-typed.
// ---------------------------------------------------------------------------

/// §3.1.1.1 A Short Tortuous INVITE (wsinv).
#[test]
fn rfc4475_short_tortuous_invite() {
    let msg = crlf(&format!(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\n\
TO :\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\n\
from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\n  ;\n  tag = 98asjd8\n\
MaX-fOrWaRdS: 0068\n\
Call-ID: wsinv.ndaksdj@192.0.2.1\n\
Content-Length   : 150\n\
cseq: 0009\n  INVITE\n\
Via  : SIP  /   2.0\n /UDP\n    192.0.2.2;branch=390skdjuw\n\
s :\n\
NewFangledHeader:   newfangled value\n continued newfangled value\n\
UnknownHeaderWithUnusualValue: ;;,,;;,;\n\
Content-Type: application/sdp\n\
Route:\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\n\
v:  SIP  / 2.0  / TCP     spindle.example.com   ;\n  branch  =   z9hG4bK9ikj8  ,\n \
SIP  /    2.0   / UDP  192.168.255.111   ; branch=\n z9hG4bK30239\n\
m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\n      newvalue ;\n  \
secondparam ; q = 0.33\n\n{SDP}"
    ));
    let m = parse_str(&msg);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.method(), Some("INVITE"));
    assert_eq!(
        m.header("To"),
        Some("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n")
    );
    assert_eq!(m.header("Max-Forwards"), Some("0068"));
    assert_eq!(m.header("CSeq"), Some("0009 INVITE"));
    assert_eq!(m.header("Subject"), Some(""));
    assert_eq!(
        m.header("NewFangledHeader"),
        Some("newfangled value continued newfangled value")
    );
    assert_eq!(m.header("UnknownHeaderWithUnusualValue"), Some(";;,,;;,;"));
    assert_eq!(m.values("Via").len(), 3);
    assert_eq!(m.values("Contact").len(), 1);
    assert_eq!(m.body.len(), 150);
    let e = explain(&m, kb());
    assert_eq!(e.cseq, Some(9));
    assert_eq!(e.cseq_method.as_deref(), Some("INVITE"));
    assert_eq!(e.content_length, Some(150));
    assert_eq!(e.sender.via_count, 3);
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    let unknown = e
        .headers
        .iter()
        .find(|h| h.name == "NewFangledHeader")
        .unwrap();
    assert!(unknown.meaning.contains("does not know"));
    render_both(&e);
}

/// §3.1.1.2 Wide Range of Valid Characters (intmeth).
#[test]
fn rfc4475_wide_range_of_valid_characters() {
    let msg = crlf(
        "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\n\
Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\n\
To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\n\
From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u{440}\u{430}\u{431}\u{43e}\u{442}\u{430}\u{44e}\u{449}\u{438}\u{439}\";tag=_token~1'+`*%!-.\n\
Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\n\
CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\n\
Max-Forwards: 255\n\
extensionHeader-!.%*+_`'~:\u{feff}\u{5927}\u{505c}\u{96fb}\n\
Content-Length: 0\n\n",
    );
    let m = parse_str(&msg);
    assert_eq!(
        m.method(),
        Some("!interesting-Method0123456789_*+`.%indeed'~")
    );
    assert_eq!(m.headers.len(), 8);
    assert_eq!(
        m.header("extensionHeader-!.%*+_`'~"),
        Some("\u{feff}\u{5927}\u{505c}\u{96fb}")
    );
    // The quoted BEL, NUL and DEL are legal SIP but hostile to a terminal.
    assert!(
        has(&m.problems, "'To' (line 3) contains control characters"),
        "{:?}",
        m.problems
    );
    assert!(!has(&m.problems, "CSeq"), "{:?}", m.problems);
    let e = explain(&m, kb());
    assert!(
        has(&e.notes, "not a registered SIP method"),
        "{:?}",
        e.notes
    );
    assert_eq!(e.cseq, Some(139122385));
    let (t, md) = render_both(&e);
    assert!(t.contains("BEL:\\\\x07 NUL:\\\\0 DEL:\\\\x7f"), "{t}");
    assert!(md.contains("\\x07"));
}

/// §3.1.1.3 Valid Use of the % Escaping Mechanism (esc01).
#[test]
fn rfc4475_escaping() {
    let msg = crlf(&format!(
        "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\n\
To: sip:%75se%72@example.com\n\
From: <sip:I%20have%20spaces@example.net>;tag=938\n\
Max-Forwards: 87\n\
i: esc01.239409asdfakjkn23onasd0-3234\n\
CSeq: 234234 INVITE\n\
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\n\
C: application/sdp\n\
Contact:\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\n\
Content-Length: 150\n\n{SDP}"
    ));
    let m = parse_str(&msg);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(
        m.header("Call-ID"),
        Some("esc01.239409asdfakjkn23onasd0-3234")
    );
    assert_eq!(m.header("Content-Type"), Some("application/sdp"));
    assert_eq!(
        m.header("Contact"),
        Some("<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>")
    );
}

/// §3.1.1.4 Escaped Nulls in URIs (escnull).
#[test]
fn rfc4475_escaped_nulls() {
    let e = explain_str(
        "REGISTER sip:example.com SIP/2.0\n\
To: sip:null-%00-null@example.com\n\
From: sip:null-%00-null@example.com;tag=839923423\n\
Max-Forwards: 70\n\
Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\n\
CSeq: 14398234 REGISTER\n\
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\n\
Contact: <sip:%00@host5.example.com>\n\
Contact: <sip:%00%00@host5.example.com>\n\
L:0\n\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.content_length, Some(0));
}

/// §3.1.1.5 Use of % When It Is Not an Escape (esc02).
#[test]
fn rfc4475_percent_not_an_escape() {
    let msg = crlf(
        "RE%47IST%45R sip:registrar.example.com SIP/2.0\n\
To: \"%Z%45\" <sip:resource@example.com>\n\
From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\n\
Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\n\
Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234\n\
CSeq: 29344 RE%47IST%45R\n\
Max-Forwards: 70\n\
Contact: <sip:alias1@host1.example.com>\n\
C%6Fntact: <sip:alias2@host2.example.com>\n\
Contact: <sip:alias3@host3.example.com>\n\
l: 0\n\n",
    );
    let m = parse_str(&msg);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    assert_eq!(m.method(), Some("RE%47IST%45R"));
    // C%6Fntact is an unknown header, not Contact.
    assert_eq!(m.values("Contact").len(), 2);
    assert_eq!(
        m.header("C%6Fntact"),
        Some("<sip:alias2@host2.example.com>")
    );
    let e = explain(&m, kb());
    assert!(has(&e.notes, "RE%47IST%45R"), "{:?}", e.notes);
}

/// §3.1.1.6 Message with No LWS between Display Name and < (lwsdisp), and
/// §3.1.1.8 Extra Trailing Octets in a UDP Datagram (dblreq, compact `I`).
#[test]
fn rfc4475_no_lws_and_uppercase_compact() {
    let e = explain_str(
        "OPTIONS sip:user@example.com SIP/2.0\n\
To: sip:user@example.com\n\
From: caller<sip:caller@example.com>;tag=323\n\
Max-Forwards: 70\n\
Call-ID: lwsdisp.1234abcd@funky.example.com\n\
CSeq: 60 OPTIONS\n\
Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\n\
l: 0\n\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    let msg = crlf(
        "REGISTER sip:example.com SIP/2.0\n\
To: sip:j.user@example.com\n\
From: sip:j.user@example.com;tag=43251j3j324\n\
Max-Forwards: 8\n\
I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\n\
Contact: sip:j.user@host.example.com\n\
CSeq: 8 REGISTER\n\
Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\n\
Content-Length: 0\n\n\
INVITE sip:joe@example.com SIP/2.0\n\
t: sip:joe@example.com\n\
From: sip:caller@example.net;tag=141334\n\
Max-Forwards: 8\n\
Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\n\
CSeq: 8 INVITE\n\
Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\n\
Content-Type: application/sdp\n\
Content-Length: 0\n\n",
    );
    let m = parse_str(&msg);
    assert_eq!(
        m.header("Call-ID"),
        Some("dblreq.0ha0isndaksdj99sdfafnl3lk233412")
    );
    assert!(
        has(&m.problems, "more than one SIP message"),
        "{:?}",
        m.problems
    );
    let all = message::parse_all(msg.as_bytes()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].header("To"), Some("sip:joe@example.com"));
}

/// §3.1.1.9 Semicolon-Separated Parameters in URI User Part (semiuri) and
/// §3.1.1.10 Varied and Unknown Transport Types (transports).
#[test]
fn rfc4475_semicolon_uri_and_transports() {
    let e = explain_str(
        "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\n\
To: sip:j_user@example.com\n\
From: sip:caller@example.org;tag=33242\n\
Max-Forwards: 3\n\
Call-ID: semiuri.0ha0isndaksdj\n\
CSeq: 8 OPTIONS\n\
Accept: application/sdp, application/pkcs7-mime,\n        multipart/mixed, multipart/signed,\n        message/sip, message/sipfrag\n\
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\n\
l: 0\n\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.accept.len(), 6);
    assert_eq!(e.accept[5], "message/sipfrag");
    let e = explain_str(
        "OPTIONS sip:user@example.com SIP/2.0\n\
To: sip:user@example.com\n\
From: <sip:caller@example.com>;tag=323\n\
Max-Forwards: 70\n\
Call-ID:  transports.kijh4akdnaqjkwendsasfdj\n\
Accept: application/sdp\n\
CSeq: 60 OPTIONS\n\
Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\n\
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\n\
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\n\
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\n\
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\n\
l: 0\n\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.sender.via_count, 5);
    assert_eq!(
        e.call_id.as_deref(),
        Some("transports.kijh4akdnaqjkwendsasfdj")
    );
}

/// §3.1.1.12 Unusual Reason Phrase (unreason) and §3.1.1.13 Empty Reason
/// Phrase (noreason).
#[test]
fn rfc4475_unusual_and_empty_reason_phrases() {
    let body = crlf(
        "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.198\ns=-\nc=IN IP4 192.0.2.198\n\
         t=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n",
    );
    assert_eq!(body.len(), 154);
    let e = explain_str(&format!(
        "SIP/2.0 200 = 2**3 * 5**2 \u{43d}\u{43e} \u{441}\u{442}\u{43e} \u{434}\u{435}\u{432}\u{44f}\u{43d}\u{43e}\u{441}\u{442}\u{43e} \u{434}\u{435}\u{432}\u{44f}\u{442}\u{44c} - \u{43f}\u{440}\u{43e}\u{441}\u{442}\u{43e}\u{435}\n\
Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\n\
Call-ID: unreason.1234ksdfak3j2erwedfsASdf\n\
CSeq: 35 INVITE\n\
From: sip:user@example.com;tag=11141343\n\
To: sip:user@example.edu;tag=2229\n\
Content-Length: 154\n\
Content-Type: application/sdp\n\
Contact: <sip:user@host198.example.com>\n\n{body}"
    ));
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.code, Some(200));
    assert!(e.reason.as_deref().unwrap().starts_with("= 2**3 * 5**2 "));
    assert!(
        e.reason
            .as_deref()
            .unwrap()
            .ends_with("\u{43f}\u{440}\u{43e}\u{441}\u{442}\u{43e}\u{435}")
    );
    assert_eq!(e.registered_reason.as_deref(), Some("OK"));
    assert!(
        has(&e.notes, "differs from the registered 'OK'"),
        "{:?}",
        e.notes
    );
    render_both(&e);

    let e = explain_str(
        "SIP/2.0 100 \n\
Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\n\
Call-ID: noreason.asndj203insdf99223ndf\n\
CSeq: 35 INVITE\n\
From: <sip:user@example.com>;tag=39ansfi3\n\
To: <sip:user@example.edu>;tag=902jndnke3\n\
Content-Length: 0\n\
Contact: <sip:user@host105.example.com>\n\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.code, Some(100));
    assert_eq!(e.reason.as_deref(), Some(""));
    assert!(has(&e.notes, "empty"), "{:?}", e.notes);
}

// ---------------------------------------------------------------------------
// RFC 4475 §3.1.2: invalid messages. Parsed, with the fault as a problem.
// ---------------------------------------------------------------------------

/// §3.1.2.1 Extraneous Header Field Separators (badinv01).
#[test]
fn rfc4475_extraneous_separators() {
    let body = crlf(
        "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.15\ns=-\nc=IN IP4 192.0.2.15\n\
         t=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n",
    );
    let e = explain_str(&format!(
        "INVITE sip:user@example.com SIP/2.0\n\
To: sip:j.user@example.com\n\
From: sip:caller@example.net;tag=134161461246\n\
Max-Forwards: 7\n\
Call-ID: badinv01.0ha0isndaksdjasdf3234nas\n\
CSeq: 8 INVITE\n\
Via: SIP/2.0/UDP 192.0.2.15;;,;,,\n\
Contact: \"Joe\" <sip:joe@example.org>;;;;\n\
Content-Length: 152\n\
Content-Type: application/sdp\n\n{body}"
    ));
    assert!(
        has(&e.problems, "Via (line 7) has empty list elements"),
        "{:?}",
        e.problems
    );
    assert!(
        has(&e.problems, "Contact (line 8) has empty"),
        "{:?}",
        e.problems
    );
    assert!(!has(&e.problems, "Content-Length"), "{:?}", e.problems);
}

/// §3.1.2.2 Content Length Larger Than Message (clerr) and §3.1.2.3
/// Negative Content-Length (ncl).
#[test]
fn rfc4475_bad_content_lengths() {
    let head = "INVITE sip:user@example.com SIP/2.0\n\
Max-Forwards: 80\n\
To: sip:j.user@example.com\n\
From: sip:caller@example.net;tag=93942939o2\n\
Contact: <sip:caller@hungry.example.net>\n\
Call-ID: clerr.0ha0isndaksdjweiafasdk3\n\
CSeq: 8 INVITE\n\
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\n\
Content-Type: application/sdp\n";
    let e = explain_str(&format!("{head}Content-Length: 9999\n\n{SDP}"));
    assert!(
        has(&e.problems, "says 9999 bytes but only 150"),
        "{:?}",
        e.problems
    );
    assert_eq!(e.content_length, Some(9999));
    assert_eq!(e.body_length, 150);
    let e = explain_str(&format!("{head}Content-Length: -999\n\n{SDP}"));
    assert!(
        has(&e.problems, "'-999' is not a non-negative number"),
        "{:?}",
        e.problems
    );
    assert_eq!(e.content_length, None);
    assert_eq!(e.body_length, 150);
}

/// §3.1.2.4 Request Scalar Fields with Overlarge Values (scalar02).
#[test]
fn rfc4475_overlarge_request_scalars() {
    let e = explain_str(
        "REGISTER sip:example.com SIP/2.0\n\
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\n\
To: <sip:user@example.com>\n\
From: <sip:user@example.com>;tag=239232jh3\n\
CSeq: 36893488147419103232 REGISTER\n\
Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\n\
Max-Forwards: 300\n\
Expires: 10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\n\
Contact: <sip:user@host129.example.com>;expires=280297596632815\n\
Content-Length: 0\n\n",
    );
    assert_eq!(e.cseq, None);
    assert_eq!(e.cseq_method.as_deref(), Some("REGISTER"));
    assert!(
        has(&e.problems, "CSeq number '36893488147419103232'"),
        "{:?}",
        e.problems
    );
    assert!(has(&e.problems, "Max-Forwards '300'"), "{:?}", e.problems);
    assert!(has(&e.problems, "Expires '1000000"), "{:?}", e.problems);
    render_both(&e);
}

/// §3.1.2.5 Response Scalar Fields with Overlarge Values (scalarlg).
#[test]
fn rfc4475_overlarge_response_scalars() {
    let e = explain_str(
        "SIP/2.0 503 Service Unavailable\n\
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129\n\
To: <sip:user@example.com>\n\
From: <sip:other@example.net>;tag=2easdjfejw\n\
CSeq: 9292394834772304023312 OPTIONS\n\
Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r\n\
Retry-After: 949302838503028349304023988\n\
Warning: 1812 overture \"In Progress\"\n\
Content-Length: 0\n\n",
    );
    assert_eq!(e.code, Some(503));
    assert_eq!(e.cseq, None);
    let r = e.retry_after.as_ref().unwrap();
    assert_eq!(r.seconds, None, "an overlarge value is never wrapped");
    assert!(
        has(
            &e.problems,
            "Retry-After '949302838503028349304023988' is larger than 2^32-1"
        ),
        "{:?}",
        e.problems
    );
    assert_eq!(e.warnings.len(), 1);
    assert_eq!(e.warnings[0].code, None);
    assert_eq!(e.warnings[0].raw_code, "1812");
    assert!(!e.warnings[0].valid);
    assert!(
        has(&e.problems, "warn-code '1812' is not three digits"),
        "{:?}",
        e.problems
    );
    render_both(&e);
}

/// §3.1.2.6 Unterminated Quoted String in Display Name (quotbal), §3.1.2.7
/// <> Enclosing Request-URI (ltgtruri), §3.1.2.8 Malformed SIP Request-URI
/// (embedded LWS, lwsruri), §3.1.2.9 Multiple SP Separating Request-Line
/// Elements (lwsstart), §3.1.2.10 SP Characters at End of Request-Line (trws).
#[test]
fn rfc4475_request_line_faults() {
    let rest = "To: sip:user@example.com\n\
From: sip:caller@example.net;tag=39291\n\
Max-Forwards: 23\n\
Call-ID: ltgtruri.1@192.0.2.5\n\
CSeq: 1 INVITE\n\
Via: SIP/2.0/UDP 192.0.2.5\n\
Contact: <sip:caller@host5.example.net>\n\
Content-Length: 0\n\n";
    let cases = [
        ("INVITE <sip:user@example.com> SIP/2.0", "enclosed in <>"),
        (
            "INVITE sip:user@example.com; lr SIP/2.0",
            "contains whitespace",
        ),
        ("INVITE  sip:user@example.com  SIP/2.0", "extra whitespace"),
        ("INVITE sip:user@example.com SIP/2.0  ", "ends with spaces"),
        ("INVITE sip:user@example.com SIP/7.0", "not SIP/2.0"),
    ];
    for (line, problem) in cases {
        let e = explain_str(&format!("{line}\n{rest}"));
        assert!(has(&e.problems, problem), "{line}: {:?}", e.problems);
        assert_eq!(e.method.as_deref(), Some("INVITE"));
    }
    let e = explain_str(&format!(
        "INVITE sip:user@example.com SIP/2.0\n{}",
        rest.replace(
            "To: sip:user@example.com",
            "To: \"Mr. J. User <sip:j.user@example.com>"
        )
    ));
    assert!(
        has(&e.problems, "unterminated quoted string"),
        "{:?}",
        e.problems
    );
}

/// §3.1.2.16 Unknown Protocol Version (badvers), §3.1.2.17 Start Line and
/// CSeq Method Mismatch (mismatch01), §3.1.2.18 Unknown Method with CSeq
/// Method Mismatch (mismatch02).
#[test]
fn rfc4475_version_and_method_mismatch() {
    let e = explain_str(
        "OPTIONS sip:t.watson@example.org SIP/7.0\n\
Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\n\
Max-Forwards:     70\n\
From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\n\
To:      T. Watson <sip:t.watson@example.org>\n\
Call-ID: badvers.31417@c.example.com\n\
CSeq:    1 OPTIONS\n\
l: 0\n\n",
    );
    assert!(
        has(&e.problems, "SIP version 'SIP/7.0'"),
        "{:?}",
        e.problems
    );
    assert!(has(&e.problems, "505"), "{:?}", e.problems);
    for method in ["OPTIONS", "NEWMETHOD"] {
        let e = explain_str(&format!(
            "{method} sip:user@example.com SIP/2.0\n\
To: sip:j.user@example.com\n\
From: sip:caller@example.net;tag=34525\n\
Max-Forwards: 6\n\
Call-ID: mismatch01.dj0234sxdfl3\n\
CSeq: 8 INVITE\n\
Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\n\
l: 0\n\n"
        ));
        assert!(
            has(
                &e.problems,
                &format!("request method '{method}' differs from the CSeq method 'INVITE'")
            ),
            "{:?}",
            e.problems
        );
    }
}

/// §3.1.2.19 Overlarge Response Code (bigcode), plus other invalid codes.
#[test]
fn rfc4475_overlarge_response_code() {
    let e = explain_str(
        "SIP/2.0 4294967301 better not break the receiver\n\
Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\n\
Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\n\
CSeq: 353494 INVITE\n\
From: <sip:user@example.com>;tag=39ansfi3\n\
To: <sip:user@example.edu>;tag=902jndnke3\n\
Content-Length: 0\n\
Contact: <sip:user@host105.example.com>\n\n",
    );
    assert_eq!(e.kind, message::Kind::Response);
    assert_eq!(e.code, None, "4294967301 must not wrap to 5 or 301");
    assert_eq!(e.raw_code.as_deref(), Some("4294967301"));
    assert_eq!(e.reason.as_deref(), Some("better not break the receiver"));
    assert!(
        has(
            &e.problems,
            "status code '4294967301' has 10 digits: a status code is exactly three digits from 100 to 699"
        ),
        "{:?}",
        e.problems
    );
    assert!(e.checklist.is_empty());
    assert_eq!(e.cseq, Some(353494));
    let (t, _) = render_both(&e);
    assert!(t.contains("invalid status code '4294967301'"), "{t}");
    let json = serde_json::to_value(&e).unwrap();
    assert!(json["code"].is_null());

    for (raw, what) in [
        ("99", "2 digits"),
        ("7000", "4 digits"),
        ("abc", "not a number"),
    ] {
        let e = explain_str(&format!(
            "SIP/2.0 {raw} Odd\nVia: SIP/2.0/UDP h\nCall-ID: c\nCSeq: 1 INVITE\n\
             From: <sip:a@b>;tag=1\nTo: <sip:c@d>\nContent-Length: 0\n\n"
        ));
        assert_eq!(e.code, None, "{raw}");
        assert!(has(&e.problems, what), "{raw}: {:?}", e.problems);
    }
}

// ---------------------------------------------------------------------------
// RFC 4475 §3.3: application-layer semantics.
// ---------------------------------------------------------------------------

/// §3.3.1 Missing Required Header Fields (insuf), §3.3.2 Request-URI with
/// Unknown Scheme (unkscm), §3.3.5 Proxy-Require and Require (bext01).
#[test]
fn rfc4475_application_layer() {
    let e = explain_str(&format!(
        "INVITE sip:user@example.com SIP/2.0\n\
CSeq: 193942 INVITE\n\
Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\n\
Content-Type: application/sdp\n\
l: 150\n\n{SDP}"
    ));
    assert!(
        has(
            &e.problems,
            "missing headers every request carries: From, To, Call-ID, Max-Forwards"
        ),
        "{:?}",
        e.problems
    );

    let e = explain_str(
        "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\n\
To: sip:user@example.com\n\
From: sip:caller@example.net;tag=384\n\
Max-Forwards: 3\n\
Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34\n\
CSeq: 3923423 OPTIONS\n\
Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\n\
Content-Length: 0\n\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert!(has(&e.notes, "416"), "{:?}", e.notes);

    let e = explain_str(
        "OPTIONS sip:user@example.com SIP/2.0\n\
To: sip:j_user@example.com\n\
From: sip:caller@example.net;tag=242etr\n\
Max-Forwards: 6\n\
Call-ID: bext01.0ha0isndaksdj\n\
Require: nothingSupportsThis, nothingSupportsThisEither\n\
Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\n\
CSeq: 8 OPTIONS\n\
Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw\n\
Content-Length: 0\n\n",
    );
    assert_eq!(
        e.require,
        vec!["nothingSupportsThis", "nothingSupportsThisEither"]
    );
    assert_eq!(e.proxy_require.len(), 2);
    assert_eq!(e.option_tags.len(), 4);
    assert!(e.option_tags.iter().all(|t| !t.known));
}

/// §3.3.9 Multiple Content-Length Values (mcl01).
#[test]
fn rfc4475_multiple_content_lengths() {
    let e = explain_str(
        "OPTIONS sip:user@example.com SIP/2.0\n\
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423\n\
To: sip:user@example.com\n\
From: sip:other@example.net;tag=3923942\n\
Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\n\
CSeq: 15932 OPTIONS\n\
Content-Length: 13\n\
Max-Forwards: 60\n\
Content-Length: 5\n\
Content-Type: text/plain\n\n\
There's no way to know how many octets are supposed to be here.\n",
    );
    assert!(
        has(
            &e.problems,
            "Content-Length appears 2 times with different values ('13', '5')"
        ),
        "{:?}",
        e.problems
    );
    assert_eq!(e.content_length, None);
    assert!(e.body_length > 13);
}

/// §3.3.10 200 OK Response with Broadcast Via Header Field Value (bcast).
#[test]
fn rfc4475_broadcast_via() {
    let body = crlf(
        "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.198\ns=-\nc=IN IP4 192.0.2.198\n\
         t=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n",
    );
    let e = explain_str(&format!(
        "SIP/2.0 200 OK\n\
Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\n\
Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23\n\
Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf\n\
CSeq: 35 INVITE\n\
From: sip:user@example.com;tag=11141343\n\
To: sip:user@example.edu;tag=2229\n\
Content-Length: 154\n\
Content-Type: application/sdp\n\
Contact: <sip:user@host28.example.com>\n\n{body}"
    ));
    assert!(has(&e.problems, "broadcast address"), "{:?}", e.problems);
    assert_eq!(e.sender.via_count, 2);
}

// ---------------------------------------------------------------------------
// Responses carrying each decoded header.
// ---------------------------------------------------------------------------

/// A response with the usual mandatory headers, the given status line and
/// extra headers.
fn resp(status: &str, extra: &str) -> Explanation {
    explain_str(&format!(
        "SIP/2.0 {status}\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n\
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n\
{extra}Content-Length: 0\n\n"
    ))
}

fn step_findings(e: &Explanation, header: &str) -> Vec<String> {
    e.checklist
        .iter()
        .filter(|s| s.headers.iter().any(|h| h.name == header))
        .flat_map(|s| s.findings.clone())
        .collect()
}

#[test]
fn not_implemented_with_allow() {
    let e = resp(
        "501 Not Implemented",
        "CSeq: 2 REFER\nServer: Asterisk PBX 18.20.0\nAllow: INVITE, ACK, CANCEL, OPTIONS, BYE\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.allow, vec!["INVITE", "ACK", "CANCEL", "OPTIONS", "BYE"]);
    assert_eq!(e.cseq_method.as_deref(), Some("REFER"));
    assert!(e.allow_missing.contains(&"REFER".to_string()));
    assert!(e.allow_missing.contains(&"UPDATE".to_string()));
    assert!(!e.allow_missing.contains(&"INVITE".to_string()));
    assert_eq!(e.allow_missing.len(), 14 - 5);
    let a = e.allow_advice.as_deref().unwrap();
    assert!(a.contains("REFER (the CSeq method) is not listed"), "{a}");
    let f = step_findings(&e, "Allow");
    assert!(
        has(
            &f,
            "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE -- REFER is not listed"
        ),
        "{f:?}"
    );
    assert_eq!(e.sender.role, Some(message::Role::Pbx));
    assert!(e.sender.likely.contains("Asterisk"));
    let (t, md) = render_both(&e);
    assert!(t.contains("Checklist for 501"), "{t}");
    assert!(md.contains("### Checklist for 501"));
}

#[test]
fn method_not_allowed() {
    let e = resp(
        "405 Method Not Allowed",
        "CSeq: 1 INVITE\nAllow: UPDATE, REFER\n",
    );
    let f = step_findings(&e, "Allow");
    assert!(
        has(&f, "Allow: UPDATE, REFER -- INVITE is not listed"),
        "{f:?}"
    );
    assert!(
        e.allow_advice
            .as_deref()
            .unwrap()
            .contains("for this Request-URI")
    );
    // A 405 listing the refused method points at an element in between.
    let e = resp(
        "405 Method Not Allowed",
        "CSeq: 1 INVITE\nAllow: INVITE, ACK\n",
    );
    assert!(e.allow_advice.as_deref().unwrap().contains("IS listed"));
    // A 405 without Allow breaks RFC 3261.
    let e = resp("405 Method Not Allowed", "CSeq: 1 INVITE\n");
    assert!(
        has(&e.problems, "a 405 must carry Allow"),
        "{:?}",
        e.problems
    );
    assert!(e.allow_missing.is_empty(), "only when Allow is present");
    let f = step_findings(&e, "Allow");
    assert!(has(&f, "no Allow header in this message"), "{f:?}");
}

#[test]
fn service_unavailable_with_retry_after() {
    let e = resp(
        "503 Service Unavailable",
        "CSeq: 1 INVITE\nRetry-After: 120 (maintenance);duration=3600\nServer: kamailio (5.7.1 (x86_64/linux))\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    let r = e.retry_after.as_ref().unwrap();
    assert_eq!(r.seconds, Some(120));
    assert_eq!(r.comment.as_deref(), Some("maintenance"));
    assert_eq!(r.duration, Some(3600));
    assert!(
        r.meaning.contains("retry in 2 minutes (maintenance)"),
        "{}",
        r.meaning
    );
    assert!(r.meaning.contains("1 hour"), "{}", r.meaning);
    let f = step_findings(&e, "Retry-After");
    assert!(
        has(
            &f,
            "Retry-After: 120 (maintenance);duration=3600 -- retry in 2 minutes"
        ),
        "{f:?}"
    );
    assert_eq!(e.sender.role, Some(message::Role::Proxy));
    assert!(e.sender.likely.contains("generated this response itself"));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["retry_after"]["seconds"], 120);
    assert_eq!(json["retry_after"]["duration"], 3600);
    assert_eq!(json["retry_after"]["comment"], "maintenance");

    // Absurd values are flagged, never wrapped.
    let e = resp(
        "503 Service Unavailable",
        "CSeq: 1 INVITE\nRetry-After: 4294967296\n",
    );
    assert_eq!(e.retry_after.as_ref().unwrap().seconds, Some(4294967296));
    assert!(has(&e.problems, "larger than 2^32-1"), "{:?}", e.problems);
    let e = resp(
        "503 Service Unavailable",
        "CSeq: 1 INVITE\nRetry-After: 315360000\n",
    );
    assert!(has(&e.problems, "absurdly long"), "{:?}", e.problems);
    let e = resp("503 Service Unavailable", "CSeq: 1 INVITE\n");
    let f = step_findings(&e, "Retry-After");
    assert!(has(&f, "no Retry-After header in this message"), "{f:?}");
}

#[test]
fn interval_too_brief() {
    let e = resp(
        "423 Interval Too Brief",
        "CSeq: 3 REGISTER\nMin-Expires: 3600\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    let m = e.min_expires.as_ref().unwrap();
    assert_eq!(m.value, Some(3600));
    assert!(
        m.meaning.contains("at least 3600 s (1 hour)"),
        "{}",
        m.meaning
    );
    let f = step_findings(&e, "Min-Expires");
    assert!(has(&f, "Min-Expires: 3600 -- "), "{f:?}");
    let e = resp("423 Interval Too Brief", "CSeq: 3 REGISTER\n");
    assert!(
        has(&e.problems, "a 423 must carry Min-Expires"),
        "{:?}",
        e.problems
    );
}

#[test]
fn session_interval_too_small() {
    let e = resp(
        "422 Session Interval Too Small",
        "CSeq: 1 INVITE\nMin-SE: 1800\nSession-Expires: 90;refresher=uac\nSupported: timer\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.min_se.as_ref().unwrap().value, Some(1800));
    let se = e.session_expires.as_ref().unwrap();
    assert_eq!(se.value, Some(90));
    assert_eq!(se.refresher.as_deref(), Some("uac"));
    assert!(se.meaning.contains("caller side (uac)"));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["min_se"]["value"], 1800);
    assert_eq!(json["session_expires"]["refresher"], "uac");
    assert!(json["min_expires"].is_null());
    let f = step_findings(&e, "Min-SE");
    assert!(
        has(
            &f,
            "Min-SE: 1800 -- the sender accepts session timers of at least 1800 s"
        ),
        "{f:?}"
    );
    assert!(e.option_tags.iter().any(|t| t.tag == "timer" && t.known));
}

#[test]
fn bad_event() {
    let e = resp(
        "489 Bad Event",
        "CSeq: 1 SUBSCRIBE\nEvent: presence;id=17\nAllow-Events: dialog, message-summary\n",
    );
    let ev = e.event.as_ref().unwrap();
    assert_eq!(ev.package, "presence");
    assert_eq!(ev.id.as_deref(), Some("17"));
    assert_eq!(e.allow_events, vec!["dialog", "message-summary"]);
    let a = e.event_advice.as_deref().unwrap();
    assert!(a.contains("presence is not listed in Allow-Events"), "{a}");
    let f = step_findings(&e, "Allow-Events");
    assert!(
        has(
            &f,
            "Allow-Events: dialog, message-summary -- presence is not listed"
        ),
        "{f:?}"
    );
    render_both(&e);
}

#[test]
fn accepted_refer_with_subscription_state() {
    let e = resp(
        "202 Accepted",
        "CSeq: 93809823 REFER\nContact: <sip:b@192.0.2.4>\n\
         Subscription-State: active;expires=60\nEvent: refer;id=93809823\n",
    );
    let s = e.subscription_state.as_ref().unwrap();
    assert_eq!(s.state, "active");
    assert_eq!(s.expires, Some(60));
    assert!(s.meaning.contains("expires in 1 minute"), "{}", s.meaning);
    assert_eq!(e.event.as_ref().unwrap().package, "refer");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["subscription_state"]["state"], "active");
    assert!(json["subscription_state"]["retry_after"].is_null());
    let e = resp(
        "202 Accepted",
        "CSeq: 1 REFER\nSubscription-State: terminated;reason=probation;retry-after=30\n",
    );
    let s = e.subscription_state.as_ref().unwrap();
    assert_eq!(s.reason.as_deref(), Some("probation"));
    assert_eq!(s.retry_after, Some(30));
    assert!(s.meaning.contains("subscribe again later"));
}

#[test]
fn bad_request_with_warnings() {
    let e = resp(
        "400 Bad Request",
        "CSeq: 1 INVITE\nWarning: 399 sbc.example.com \"Malformed SDP: missing c= line\"\n\
         Warning: 99 x \"short\", 312 y \"unregistered\", 299 z \"out of range\"\n",
    );
    assert_eq!(e.warnings.len(), 4);
    let w = &e.warnings[0];
    assert_eq!(w.code, Some(399));
    assert_eq!(w.agent, "sbc.example.com");
    assert_eq!(w.text, "Malformed SDP: missing c= line");
    assert!(w.valid && w.registered);
    assert!(!e.warnings[1].valid);
    assert_eq!(e.warnings[1].code, None);
    assert!(e.warnings[2].valid && !e.warnings[2].registered);
    assert!(!e.warnings[3].valid);
    assert!(
        has(&e.problems, "warn-code '99' is not three digits"),
        "{:?}",
        e.problems
    );
    assert!(
        has(&e.problems, "warn-code 312 is not in the IANA"),
        "{:?}",
        e.problems
    );
    assert!(
        has(&e.problems, "warn-code 299 is outside 300 to 399"),
        "{:?}",
        e.problems
    );
    assert!(e.sender.likely.contains("sbc.example.com"));
    render_both(&e);
}

#[test]
fn busy_and_unavailable_with_reason() {
    let e = resp(
        "486 Busy Here",
        "CSeq: 1 INVITE\nReason: Q.850;cause=17;text=\"User busy\"\n",
    );
    assert_eq!(e.reasons.len(), 1);
    let r = &e.reasons[0];
    assert_eq!(r.protocol, "Q.850");
    assert_eq!(r.cause, Some(17));
    assert_eq!(r.text.as_deref(), Some("User busy"));
    assert!(r.meaning.contains("User busy"), "{}", r.meaning);
    assert!(r.meaning.contains("486"), "{}", r.meaning);
    assert!(e.reason_advice.as_deref().unwrap().contains("they agree"));

    let e = resp(
        "480 Temporarily Unavailable",
        "CSeq: 1 INVITE\nReason: q.850;cause=17, SIP;cause=486;text=\"Busy Here\"\n",
    );
    assert_eq!(e.reasons.len(), 2);
    assert_eq!(e.reasons[0].protocol, "q.850", "protocol kept as written");
    assert!(
        e.reasons[0].meaning.contains("User busy"),
        "matched in any case"
    );
    assert_eq!(e.reasons[1].cause, Some(486));
    assert!(e.reasons[1].meaning.contains("Busy Here"));
    let a = e.reason_advice.as_deref().unwrap();
    assert!(a.contains("RFC 3326"), "{a}");
    assert!(a.contains("differs from the status code 480"), "{a}");
    assert!(a.contains("they disagree"), "{a}");
    assert!(a.contains("both SIP and Q.850"), "{a}");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["reasons"][0]["cause"], 17);
    assert_eq!(json["reasons"][1]["protocol"], "SIP");
    let f = step_findings(&e, "Reason");
    assert!(has(&f, "Reason: q.850;cause=17 -- "), "{f:?}");
    // Two Q.850 values break RFC 3326.
    let e = resp(
        "480 Temporarily Unavailable",
        "CSeq: 1 INVITE\nReason: Q.850;cause=17\nReason: Q.850;cause=18\n",
    );
    assert!(
        has(
            &e.problems,
            "more than one Reason value with protocol 'Q.850'"
        ),
        "{:?}",
        e.problems
    );
    let e = resp(
        "480 Temporarily Unavailable",
        "CSeq: 1 INVITE\nReason: Q.850;cause=300\n",
    );
    assert!(has(&e.problems, "outside 1 to 127"), "{:?}", e.problems);
    assert_eq!(e.reasons[0].cause, Some(300));
}

#[test]
fn unauthorized_with_stale_nonce() {
    let e = resp(
        "401 Unauthorized",
        "CSeq: 2 REGISTER\nWWW-Authenticate: Digest realm=\"atlanta.example.com\", \
         domain=\"sip:ss1.example.com\", qop=\"auth\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", \
         opaque=\"\", stale=TRUE, algorithm=MD5\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.challenges.len(), 1);
    let c = &e.challenges[0];
    assert_eq!(c.header, "WWW-Authenticate");
    assert_eq!(c.scheme, "Digest");
    assert_eq!(c.realm.as_deref(), Some("atlanta.example.com"));
    assert_eq!(c.nonce.as_deref(), Some("f84f1cec41e6cbe5aea9c8e88d359"));
    assert_eq!(c.algorithm.as_deref(), Some("MD5"));
    assert_eq!(c.qop, vec!["auth"]);
    assert!(c.stale);
    assert!(c.opaque);
    assert!(has(&c.advice, "nonce had expired"), "{:?}", c.advice);
    let f = step_findings(&e, "WWW-Authenticate");
    assert!(has(&f, "stale=true"), "{f:?}");
    let f = step_findings(&e, "Authorization");
    assert!(has(&f, "Authorization is a request header"), "{f:?}");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["challenges"][0]["stale"], true);
    assert_eq!(json["challenges"][0]["opaque"], true);
}

#[test]
fn proxy_authentication_with_sha256_and_auth_int() {
    let e = resp(
        "407 Proxy Authentication Required",
        "CSeq: 1 INVITE\nProxy-Authenticate: Digest realm=\"biloxi.example.com\", \
         qop=\"auth,auth-int\", algorithm=SHA-256, nonce=\"a1b2c3\"\n\
         Proxy-Authenticate: Digest realm=\"biloxi.example.com\", qop=\"auth\", nonce=\"d4e5\"\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.challenges.len(), 2);
    let c = &e.challenges[0];
    assert_eq!(c.header, "Proxy-Authenticate");
    assert_eq!(c.algorithm.as_deref(), Some("SHA-256"));
    assert_eq!(c.qop, vec!["auth", "auth-int"]);
    assert!(!c.stale);
    assert!(!c.opaque);
    assert!(has(&c.advice, "RFC 8760"), "{:?}", c.advice);
    assert!(has(&c.advice, "auth-int"), "{:?}", c.advice);
    assert!(
        has(&c.advice, "wrong username or password"),
        "{:?}",
        c.advice
    );
    assert!(has(&e.challenges[1].advice, "MD5 is assumed"));
    // The wrong challenge header for the code is a problem.
    let e = resp(
        "407 Proxy Authentication Required",
        "CSeq: 1 INVITE\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\n",
    );
    assert!(
        has(&e.problems, "a 407 carries WWW-Authenticate"),
        "{:?}",
        e.problems
    );
    assert!(
        has(&e.problems, "a 407 must carry Proxy-Authenticate"),
        "{:?}",
        e.problems
    );
    render_both(&e);
}

#[test]
fn unsupported_media_type_with_accept() {
    let e = resp(
        "415 Unsupported Media Type",
        "CSeq: 1 MESSAGE\nAccept: text/plain, application/im-iscomposing+xml\n\
         Accept-Encoding: identity\nAccept-Language: en, fr\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(
        e.accept,
        vec!["text/plain", "application/im-iscomposing+xml"]
    );
    assert_eq!(e.accept_encoding, vec!["identity"]);
    assert_eq!(e.accept_language, vec!["en", "fr"]);
    let f = step_findings(&e, "Accept");
    assert!(
        has(&f, "Accept: text/plain, application/im-iscomposing+xml -- "),
        "{f:?}"
    );
    let e = resp("415 Unsupported Media Type", "CSeq: 1 MESSAGE\n");
    assert!(
        has(&e.problems, "a 415 must list what it accepts"),
        "{:?}",
        e.problems
    );
}

#[test]
fn not_acceptable_here_with_warning_305() {
    let e = resp(
        "488 Not Acceptable Here",
        "CSeq: 1 INVITE\nWarning: 305 gw1.example.net \"Incompatible media format\"\n\
         Accept: application/sdp\nServer: AudioCodes Mediant SW/v.7.20A\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.warnings[0].code, Some(305));
    assert!(e.warnings[0].registered);
    assert!(
        e.warnings[0].meaning.contains("Incompatible media format"),
        "{}",
        e.warnings[0].meaning
    );
    assert_eq!(e.accept, vec!["application/sdp"]);
    assert_eq!(e.sender.role, Some(message::Role::Sbc));
    let f = step_findings(&e, "Warning");
    assert!(
        has(
            &f,
            "Warning: 305 gw1.example.net \"Incompatible media format\" -- "
        ),
        "{f:?}"
    );
}

#[test]
fn unregistered_code_is_explained_as_class_x00() {
    let e = resp("499 Client Closed", "CSeq: 1 INVITE\n");
    assert_eq!(e.code, Some(499));
    assert!(e.unregistered);
    assert_eq!(e.registered_reason, None);
    // 499 is explained as 400 unless the knowledge base has a field entry for it.
    let expected = if kb().get(499).is_some() { 499 } else { 400 };
    assert_eq!(e.explained_as, Some(expected));
    assert!(has(&e.notes, "RFC 3261 §8.1.3.2"), "{:?}", e.notes);
    assert!(!e.checklist.is_empty());
    // An unknown provisional code is read as 183, not 100 (§8.1.3.2).
    let e = resp("150 Weird Progress", "CSeq: 1 INVITE\n");
    assert!(e.unregistered);
    assert_eq!(e.explained_as, Some(183));
    assert!(
        has(&e.notes, "treats it as 183 Session Progress"),
        "{:?}",
        e.notes
    );
    let e = resp("486 Busy Here", "CSeq: 1 INVITE\n");
    assert!(!e.unregistered);
    assert_eq!(e.registered_reason.as_deref(), Some("Busy Here"));
    assert_eq!(e.explained_as, Some(486));
    let e = resp("486 Occupied", "CSeq: 1 INVITE\n");
    assert!(
        has(&e.notes, "differs from the registered 'Busy Here'"),
        "{:?}",
        e.notes
    );
}

#[test]
fn option_tags_known_and_unknown() {
    let e = resp(
        "420 Bad Extension",
        "CSeq: 1 INVITE\nUnsupported: 100rel, x-vendor-magic\nSupported: timer, replaces, path, outbound, gruu, norefersub\n",
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert_eq!(e.unsupported, vec!["100rel", "x-vendor-magic"]);
    let t = e.option_tags.iter().find(|t| t.tag == "100rel").unwrap();
    assert!(t.known);
    assert_eq!(t.headers, vec!["Unsupported"]);
    assert!(t.reference.as_deref().unwrap().contains("3262"));
    let u = e
        .option_tags
        .iter()
        .find(|t| t.tag == "x-vendor-magic")
        .unwrap();
    assert!(!u.known);
    assert!(e.option_tags.iter().filter(|t| t.known).count() >= 7);
    let f = step_findings(&e, "Unsupported");
    assert!(
        has(
            &f,
            "Unsupported: x-vendor-magic -- not a registered option tag"
        ),
        "{f:?}"
    );
    let e = resp("420 Bad Extension", "CSeq: 1 INVITE\n");
    assert!(
        has(&e.problems, "a 420 must carry Unsupported"),
        "{:?}",
        e.problems
    );
}

#[test]
fn every_header_has_a_meaning() {
    let e = resp(
        "480 Temporarily Unavailable",
        "CSeq: 1 INVITE\nUser-Agent: Yealink SIP-T46S 66.86.0.15\nX-Trace: 1\nP-Charging-Vector: icid-value=1\n",
    );
    assert_eq!(e.headers.len(), 9);
    assert!(e.headers.iter().all(|h| !h.meaning.is_empty()));
    let x = e.headers.iter().find(|h| h.name == "X-Trace").unwrap();
    assert!(x.meaning.contains("vendor-specific"));
    let names: Vec<&str> = e.headers.iter().map(|h| h.name.as_ref()).collect();
    assert_eq!(names[0], "Via");
    assert_eq!(e.sender.role, Some(message::Role::Phone));
    assert!(e.sender.likely.contains("User-Agent rather than Server"));
}

#[test]
fn checklist_follows_the_knowledge_base() {
    let e = resp(
        "503 Service Unavailable",
        "CSeq: 1 INVITE\nRetry-After: 30\n",
    );
    let entry = kb().get(503).unwrap();
    assert_eq!(e.checklist.len(), entry.steps.len());
    for (i, s) in e.checklist.iter().enumerate() {
        assert_eq!(s.step, i + 1);
        assert_eq!(s.title, entry.steps[i].title);
        assert_eq!(s.headers.len(), {
            let mut names: Vec<&str> = entry.steps[i].headers.iter().map(|h| h.as_str()).collect();
            names.dedup();
            names.len()
        });
        // Every inspected header gets at least one finding.
        assert!(s.findings.len() >= s.headers.len(), "{s:?}");
    }
    assert_eq!(findings(&e, kb()), e.checklist);
    let json = serde_json::to_value(&e).unwrap();
    let step = &json["checklist"][0];
    for key in ["step", "title", "headers", "findings"] {
        assert!(step.get(key).is_some(), "{key}");
    }
}

#[test]
fn json_keys_are_stable() {
    let e = resp("486 Busy Here", "CSeq: 1 INVITE\n");
    let json = serde_json::to_value(&e).unwrap();
    for key in [
        "code",
        "reason",
        "registered_reason",
        "unregistered",
        "method",
        "cseq_method",
        "cseq",
        "call_id",
        "sender",
        "allow",
        "allow_missing",
        "supported",
        "require",
        "unsupported",
        "proxy_require",
        "option_tags",
        "reasons",
        "reason_advice",
        "warnings",
        "retry_after",
        "min_expires",
        "min_se",
        "session_expires",
        "subscription_state",
        "event",
        "challenges",
        "accept",
        "accept_encoding",
        "content_type",
        "content_length",
        "headers",
        "problems",
        "checklist",
    ] {
        assert!(json.get(key).is_some(), "missing key {key}");
    }
    for key in ["server", "user_agent", "via_count", "likely"] {
        assert!(json["sender"].get(key).is_some(), "missing sender.{key}");
    }
    for key in ["name", "value", "meaning"] {
        assert!(
            json["headers"][0].get(key).is_some(),
            "missing headers[].{key}"
        );
    }
    assert_eq!(json["code"], 486);
    assert!(json["method"].is_null());
    assert!(json["retry_after"].is_null());
    assert_eq!(json["cseq"], 1);
}

// ---------------------------------------------------------------------------
// Hostile and broken input.
// ---------------------------------------------------------------------------

#[test]
fn escape_sequences_are_rendered_escaped() {
    let e = resp(
        "486 Busy\x1b[2J\x1b]0;owned\x07",
        "CSeq: 1 INVITE\nServer: evil\x1b[2J\x1b[31mred\u{202e}rtl\nSubject: \x1b[?1049h\r\n",
    );
    assert!(
        has(&e.problems, "'Server' (line 7) contains control characters"),
        "{:?}",
        e.problems
    );
    assert!(
        has(&e.problems, "start line contains control characters"),
        "{:?}",
        e.problems
    );
    // Raw in the data ...
    assert!(e.sender.server.as_deref().unwrap().contains('\x1b'));
    // ... escaped in every rendering.
    let (t, md) = render_both(&e);
    assert!(t.contains("evil\\e[2J\\e[31mred\\u{202e}rtl"), "{t}");
    assert!(md.contains("\\e[2J"));
    assert!(!t.contains('\x1b') && !md.contains('\x1b'));
    assert!(!e.sender.likely.contains('\x1b'));
    assert!(e.problems.iter().all(|p| !p.contains('\x1b')));
}

#[test]
fn binary_garbage_is_not_sip() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_eq!(parse(&garbage), Err(InputError::NotSip));
    let err = parse(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
    assert_eq!(err, InputError::NotSip);
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn two_mebibytes_is_too_large() {
    let mut big = b"SIP/2.0 200 OK\r\n".to_vec();
    big.resize(2 * 1024 * 1024, b'a');
    assert_eq!(
        parse(&big),
        Err(InputError::TooLarge {
            size: 2 * 1024 * 1024
        })
    );
    assert!(parse(&big[..MAX_INPUT]).is_ok());
}

#[test]
fn truncated_message_still_decodes() {
    let full = crlf(
        "SIP/2.0 503 Service Unavailable\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n\
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n\
CSeq: 1 INVITE\n\
Retry-After: 300\n\
Server: Sonus SBC\n\
Content-Length: 0\n\n",
    );
    let cut = &full[..full.find("Server: So").unwrap() + 10];
    let e = explain(&parse_str(cut), kb());
    assert_eq!(e.code, Some(503));
    assert_eq!(e.retry_after.as_ref().unwrap().seconds, Some(300));
    assert_eq!(e.sender.server.as_deref(), Some("So"));
    assert!(has(&e.problems, "cut short"), "{:?}", e.problems);
    assert!(!e.checklist.is_empty());
    render_both(&e);
    // Only the start line and a header.
    let e = explain(
        &parse_str("SIP/2.0 603 Decline\nReason: Q.850;cause=21\n"),
        kb(),
    );
    assert_eq!(e.code, Some(603));
    assert!(has(&e.problems, "missing headers"), "{:?}", e.problems);
    assert!(
        e.reasons[0].meaning.contains("Call rejected") || e.reasons[0].meaning.contains("cause 21")
    );
}

#[test]
fn sngrep_style_paste() {
    let body = crlf(
        "SIP/2.0 486 Busy Here\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;received=10.0.0.1\n\
From: <sip:100@pbx.example.com>;tag=a\n\
To: <sip:200@pbx.example.com>;tag=b\n\
Call-ID: 123@10.0.0.1\n\
CSeq: 102 INVITE\n\
Server: FPBX-16.0.40(18.20.0)\n\
Reason: Q.850;cause=17\n\
Content-Length: 0\n\n",
    );
    let paste = format!("2024/05/01 12:00:01.123456 10.0.0.2:5060 -> 10.0.0.1:5060\n{body}");
    let e = explain(&parse_str(&paste), kb());
    assert_eq!(e.code, Some(486));
    assert!(
        has(
            &e.problems,
            "skipped 1 line before the start line at line 2"
        ),
        "{:?}",
        e.problems
    );
    assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
    assert_eq!(e.sender.product.as_deref(), Some("FreePBX (Asterisk)"));
}

#[test]
fn request_start_line_is_decoded() {
    let e = explain_str(
        "invite sip:bob@biloxi.example.com SIP/2.0\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n\
Max-Forwards: 70\n\
From: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 1 invite\n\
User-Agent: friendly-scanner\nContent-Length: 0\n\n",
    );
    assert!(has(&e.notes, "did you mean INVITE?"), "{:?}", e.notes);
    assert_eq!(e.sender.role, Some(message::Role::Scanner));
    assert!(e.sender.likely.contains("attack or a probe"));
    let (t, _) = render_both(&e);
    assert!(
        t.starts_with("SIP request invite sip:bob@biloxi.example.com"),
        "{t}"
    );
    match parse_str(&crlf("OPTIONS sip:a@b SIP/2.0\n\n")).start {
        StartLine::Request {
            method,
            uri,
            version,
        } => {
            assert_eq!(
                (method.as_str(), uri.as_str(), version.as_str()),
                ("OPTIONS", "sip:a@b", "SIP/2.0")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rendering_fits_80_columns_with_long_values() {
    let long = "x".repeat(500);
    let e = resp(
        "503 Service Unavailable",
        &format!(
            "CSeq: 1 INVITE\nX-Long: {long}\nWWW-Authenticate: Digest realm=\"{long}\", nonce=\"{long}\"\n\
             Warning: 399 {long} \"{long}\"\nRetry-After: 60\n"
        ),
    );
    let (t, md) = render_both(&e);
    assert!(t.contains("xxxxxxxx"));
    assert!(md.contains("xxxxxxxx"));
}

// ---------------------------------------------------------------------------
// Property tests: never panic.
// ---------------------------------------------------------------------------

fn check_no_panic(bytes: &[u8]) {
    if let Ok(m) = parse(bytes) {
        let e = explain(&m, kb());
        let t = render_text(&e);
        let md = render_markdown(&e);
        assert!(!t.contains('\x1b') && !md.contains('\x1b'));
        let _ = serde_json::to_string(&e).unwrap();
    }
    if let Ok(all) = message::parse_all(bytes) {
        assert!(!all.is_empty());
    }
}

const SEED: &str = "SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/TCP g\r\n\
From: \"A, B\" <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", stale=true, qop=\"auth,auth-int\"\r\n\
Retry-After: 120 (x);duration=60\r\nReason: Q.850;cause=17, SIP;cause=486\r\n\
Warning: 399 a \"b\", 1812 c \"d\"\r\nAllow: INVITE, BYE\r\nSupported: timer\r\n\
Session-Expires: 1800;refresher=uac\r\nMin-SE: 90\r\nMin-Expires: 60\r\n\
Subscription-State: terminated;reason=timeout;retry-after=5\r\nEvent: refer;id=1\r\n\
Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\ns=-\r\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_no_panic(&bytes);
    }

    #[test]
    fn sip_looking_text_never_panics(
        first in prop::sample::select(vec!["SIP/2.0 ", "INVITE sip:a@b SIP/2.0", "SIP/2.0 4294967301 x", ""]),
        body in "[ -~\t\r\n\u{1b}\u{0}:;,\"<>=\u{202e}é]{0,600}",
    ) {
        check_no_panic(format!("{first}{body}").as_bytes());
    }

    #[test]
    fn mutated_messages_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..24),
    ) {
        let mut b = SEED.as_bytes().to_vec();
        for (at, byte, op) in edits {
            if b.is_empty() {
                b.push(byte);
                continue;
            }
            let i = at.index(b.len());
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                2 => { b.remove(i); }
                _ => {
                    let tail = b[i..].to_vec();
                    b.truncate(i);
                    b.extend_from_slice(b"\r\n ");
                    b.extend_from_slice(&tail);
                }
            }
        }
        check_no_panic(&b);
    }
}

/// Hostile inputs must be handled in linear time: with a quadratic step
/// anywhere, each of these 256 KiB inputs takes minutes in a debug build
/// (linear, they take about a second; at 1 MiB in release, under 1 s).
#[test]
fn hostile_large_inputs_stay_linear() {
    let head = "SIP/2.0 420 Bad Extension\r\nCSeq: 1 INVITE\r\n";
    let fill = |line: &dyn Fn(usize) -> String| {
        let mut s = String::from(head);
        let mut i = 0;
        while s.len() < MAX_INPUT / 4 {
            s.push_str(&line(i));
            i += 1;
        }
        s.push_str("\r\n");
        s
    };
    let inputs = [
        fill(&|i| format!("X-H{i}: \x1b[{i}m\r\n")),
        fill(&|i| format!("Supported: t{i}, u{i}, v{i}\r\n")),
        fill(&|i| format!("Content-Length: {i}\r\n")),
        fill(&|i| format!("Reason: P{i};cause={i}\r\n")),
        fill(&|i| format!("Warning: {} a{i} \"t\"\r\n", 300 + i % 200)),
        fill(&|i| format!("Via: SIP/2.0/UDP h{i};branch=z9hG4bK{i}\r\n")),
        fill(&|i| format!("WWW-Authenticate: Digest realm=\"r{i}\", nonce=\"n\"\r\n")),
        fill(&|_| "SIP/2.0 200 OK\r\n\r\n".to_string()),
        fill(&|_| "junk line without colon\r\n".to_string()),
    ];
    for input in &inputs {
        assert!(input.len() <= MAX_INPUT);
        let m = parse(input.as_bytes()).unwrap();
        let e = explain(&m, kb());
        let t = render_text(&e);
        let md = render_markdown(&e);
        let all = message::parse_all(input.as_bytes()).unwrap();
        assert!(e.problems.len() <= 400, "{}", e.problems.len());
        assert!(e.notes.len() <= 51);
        assert!(!t.is_empty() && !md.is_empty() && !all.is_empty());
    }
}

/// Hostile messages of about 1 MiB, each repeating one thing the decoder
/// works on.
fn adversarial() -> Vec<(&'static str, String)> {
    let head = "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
                From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n";
    let fill = |line: &str| {
        let mut s = head.to_string();
        while s.len() + line.len() + 4 < MAX_INPUT {
            s.push_str(line);
        }
        s.push_str("\r\n");
        s
    };
    let list = |name: &str, item: &str| {
        let mut s = format!("{head}{name}: {item}");
        while s.len() + item.len() + 8 < MAX_INPUT {
            s.push(',');
            s.push_str(item);
        }
        s.push_str("\r\n\r\n");
        s
    };
    vec![
        ("tiny headers", fill("a:b\r\n")),
        ("via lines", fill("Via: SIP/2.0/UDP 192.0.2.1\r\n")),
        ("reason lines", fill("Reason: Q.850;cause=16\r\n")),
        ("warning lines", fill("Warning: 399 x \"y\"\r\n")),
        (
            "challenges",
            fill("WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n"),
        ),
        ("allow list", list("Allow", "X")),
        ("supported list", list("Supported", "t")),
        ("via list", list("Via", "SIP/2.0/UDP h")),
        ("reason list", list("Reason", "SIP;cause=500")),
        ("challenge list", list("WWW-Authenticate", "Digest realm=a")),
    ]
}

#[test]
fn a_1_mib_message_cannot_amplify_the_output() {
    for (what, msg) in adversarial() {
        assert!(msg.len() <= MAX_INPUT, "{what}");
        let m = parse(msg.as_bytes()).unwrap();
        let e = explain(&m, kb());
        let text = render_text(&e);
        let json = serde_json::to_string(&e).unwrap();
        let md = render_markdown(&e);
        // Bounded by the input: some of it is echoed, never multiplied.
        for (kind, len) in [
            ("text", text.len()),
            ("json", json.len()),
            ("markdown", md.len()),
        ] {
            assert!(
                len <= 2 * MAX_INPUT,
                "{what}: {kind} output of {len} bytes for {} bytes of input",
                msg.len()
            );
        }
        // Every list that is cut says so (one Via line of many values is
        // only counted, never listed).
        if what != "via list" {
            assert!(
                text.contains("more"),
                "{what}: the cut is not said: {}",
                &text[..text.len().min(2000)]
            );
        }
    }
}

/// A message copied from Wireshark's packet details (or `tshark -V`) is
/// decoded as the message it shows, not as a request whose method is
/// `Session`.
#[test]
fn a_wireshark_dissection_is_decoded_as_its_message() {
    let tree = "Session Initiation Protocol (488)
    Status-Line: SIP/2.0 488 Not Acceptable Here
        Status-Code: 488
        [Resent Packet: False]
    Message Header
        Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKw
            Transport: UDP
        Call-ID: ws@example.com
        CSeq: 1 INVITE
            Method: INVITE
        Warning: 304 gw.example.net \"Media type not available\"
        Content-Length: 0
";
    let e = explain_str(tree);
    let m = parse_str(tree);
    assert_eq!(m.code(), Some(488));
    assert_eq!(m.headers.len(), 5, "{:?}", m.headers);
    assert!(
        m.problems[0].contains("Wireshark's dissection"),
        "{:?}",
        m.problems
    );
    assert!(
        !has(&m.problems, "folded") && !has(&m.problems, "method"),
        "{:?}",
        m.problems
    );
    let (text, _) = render_both(&e);
    assert!(text.contains("SIP 488 Not Acceptable Here"), "{text}");
    assert!(!text.contains("Session"), "{text}");
}

/// A message with a prefix on every line (a console log's stamp, a syslog
/// line's head, e-mail quoting) is decoded without it, and says so.
#[test]
fn a_prefix_on_every_line_is_taken_off() {
    let msg = "SIP/2.0 403 Forbidden
Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-p1
From: <sip:alice@example.com>;tag=tp
To: <sip:100@example.com>;tag=srv1
Call-ID: pre@x
CSeq: 2 INVITE
Content-Type: application/sdp
Content-Length: 5

v=0
";
    let prefixes = [
        "[Nov 30 10:00:0N] ",
        "2024-01-01 10:00:0N.123 ",
        "Nov 30 10:00:0N pbx1 asterisk[1234]: ",
        "> ",
        ">> ",
    ];
    for prefix in prefixes {
        let text: String = msg
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let p = prefix.replace('N', &(i % 10).to_string());
                // Mail quotes a blank line as the bare marker.
                if l.is_empty() && p.starts_with('>') {
                    format!("{}\n", p.trim_end())
                } else {
                    format!("{p}{l}\n")
                }
            })
            .collect();
        let m = parse_str(&text);
        assert_eq!(m.code(), Some(403), "{prefix}");
        assert_eq!(m.headers.len(), 7, "{prefix}: {:?}", m.headers);
        assert_eq!(m.body.trim_end(), "v=0", "{prefix}");
        assert!(
            m.problems[0].contains("was taken off"),
            "{prefix}: {:?}",
            m.problems
        );
        assert_eq!(m.header("Call-ID"), Some("pre@x"), "{prefix}");
    }
    // A plain message says nothing about prefixes.
    let m = parse_str(msg);
    assert!(!has(&m.problems, "taken off"), "{:?}", m.problems);
}

/// A body pasted without its CRs is counted as sent (CRLF), the same way in
/// the length line, the Content-Length meaning and the problem (they said
/// 4, 4 and 5 bytes for one `v=0` line).
#[test]
fn a_body_is_counted_the_same_everywhere() {
    let m = "SIP/2.0 200 OK\nCall-ID: cl1\nCSeq: 1 INVITE\nContent-Type: application/sdp\nContent-Length: 20\n\nv=0\n";
    let msg = parse_str(m);
    assert_eq!(msg.body_wire_len(), 5);
    let e = explain(&msg, kb());
    assert_eq!(e.body_length, 5);
    let (text, _) = render_both(&e);
    assert!(text.contains("20 bytes declared, 5 bytes found"), "{text}");
    assert!(text.contains("only 5 follow"), "{text}");
    assert!(
        text.contains("the body is 20 bytes (5 found after the headers)"),
        "{text}"
    );
}

/// The Content-Length meaning says what was found, wherever the message
/// came from: a message of a capture or a log said "(found 0 in this
/// paste)" though nothing was pasted.
#[test]
fn the_content_length_meaning_names_no_paste() {
    let m = "SIP/2.0 200 OK\r\nCall-ID: cl1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let (text, _) = render_both(&explain(&parse_str(m), kb()));
    assert!(
        text.contains("the body is 0 bytes (0 found after the headers)"),
        "{text}"
    );
    assert!(!text.contains("in this paste"), "{text}");
}

/// A binary body is counted in bytes as sent, not after its invalid UTF-8
/// is replaced for display (each replacement is 3 bytes).
#[test]
fn a_binary_body_is_counted_in_its_own_bytes() {
    let head = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n\
                To: <sip:b@y>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\
                Content-Type: application/octet-stream\r\n";
    let mut exact = format!("{head}Content-Length: 3\r\n\r\n").into_bytes();
    exact.extend_from_slice(b"\xff\xfe\x00");
    let m = parse(&exact).unwrap();
    assert_eq!(m.body_wire_len(), 3);
    assert!(!has(&m.problems, "Content-Length says"), "{:?}", m.problems);
    let e = explain(&m, kb());
    assert_eq!(e.body_length, 3);
    let mut over = format!("{head}Content-Length: 2\r\n\r\n").into_bytes();
    over.extend_from_slice(b"\xff\xfe\x00\x9b");
    let m = parse(&over).unwrap();
    assert_eq!(m.body_wire_len(), 4);
    assert!(
        has(&m.problems, "says 2 bytes but 4 bytes follow"),
        "{:?}",
        m.problems
    );
    assert_eq!(explain(&m, kb()).body_length, 4);
}

/// A Server naming no vendor, only "SBC", is described as an SBC once,
/// not "an SBC, an SBC"; Acme Packet / Oracle SBC products are recognised
/// by their usual names.
#[test]
fn a_generic_sbc_is_named_once_and_acme_packet_is_recognised() {
    for server in ["Acme SBC", "Generic SBC v2"] {
        let e = explain_str(&format!(
            "SIP/2.0 503 Service Unavailable\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\n\
             Call-ID: x\nCSeq: 1 INVITE\nServer: {server}\nContent-Length: 0\n\n"
        ));
        let text = render_text(&e);
        assert!(!text.contains("an SBC, an SBC"), "{text}");
        assert!(
            !e.sender.likely.contains("SBC, an SBC"),
            "{}",
            e.sender.likely
        );
        assert!(e.sender.likely.contains("is an SBC"), "{}", e.sender.likely);
        assert_eq!(e.sender.role, Some(message::Role::Sbc));
        // No vendor known: no product name.
        assert_eq!(e.sender.product, None);
        for h in &e.headers {
            assert!(!h.meaning.contains("an SBC, an SBC"), "{}", h.meaning);
        }
    }
    for server in [
        "AcmePacket Net-Net 4500",
        "Acme Packet SBC",
        "Net-Net OS-E 3.6",
        "Oracle SBC",
        "Oracle Communications Session Border Controller",
    ] {
        let e = explain_str(&format!(
            "SIP/2.0 488 Not Acceptable Here\nCall-ID: x\nCSeq: 1 INVITE\nServer: {server}\n\n"
        ));
        assert_eq!(e.sender.role, Some(message::Role::Sbc), "{server}");
        let p = e.sender.product.as_deref().unwrap_or_default();
        assert!(
            p.contains("Acme Packet") || p.contains("Oracle"),
            "{server}: {p}"
        );
        assert!(
            !e.sender.likely.contains("an SBC, an SBC"),
            "{}",
            e.sender.likely
        );
    }
    // A scanner without a name is not "a scanner, a SIP scanning tool".
    let e = explain_str(
        "OPTIONS sip:a@b SIP/2.0\nCall-ID: x\nCSeq: 1 OPTIONS\nUser-Agent: sundayddr\n\n",
    );
    assert_eq!(e.sender.role, Some(message::Role::Scanner));
    let text = render_text(&e);
    assert!(!text.contains("a scanner, a"), "{text}");
}

fn finding_of(e: &Explanation, title: &str) -> String {
    e.checklist
        .iter()
        .find(|s| s.title.contains(title))
        .unwrap_or_else(|| panic!("no step {title}"))
        .findings
        .join("\n")
}

/// The SDP body of a message is listed line by line and decoded: each m=
/// line with its port (0: declined), transport and payload types named
/// from a=rtpmap/a=fmtp or the static table, the c= address, the
/// direction at session or media level, a=crypto and a=fingerprint; the
/// 488 and 606 checklists carry those facts in the steps about SDP.
#[test]
fn an_sdp_body_is_listed_decoded_and_tied_to_the_checklist() {
    let sdp = "v=0\n\
o=alice 2890844526 2890844527 IN IP4 192.0.2.10\n\
s=-\n\
c=IN IP4 192.0.2.10\n\
t=0 0\n\
a=sendonly\n\
m=audio 49170 RTP/SAVP 0 18 96 101\n\
a=rtpmap:96 opus/48000/2\n\
a=fmtp:101 0-15\n\
a=rtpmap:101 telephone-event/8000\n\
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\n\
a=ptime:20\n\
m=video 0 RTP/AVP 31\n\
m=image 0 udptl t38\n\
c=IN IP4 0.0.0.0\n\
a=recvonly\n";
    let msg = format!(
        "SIP/2.0 488 Not Acceptable Here\n\
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n\
Call-ID: sdp@x\n\
CSeq: 2 INVITE\n\
Warning: 305 sbc.example.com \"Incompatible media format\"\n\
Content-Type: application/sdp\n\
Content-Length: {}\n\n{sdp}",
        crlf(sdp).len()
    );
    let e = explain_str(&msg);
    let body = e.body.as_ref().expect("a body");
    assert_eq!(body.kind, message::BodyKind::Sdp);
    assert!(body.problems.is_empty(), "{:?}", body.problems);
    let s = body.sdp.as_ref().unwrap();
    assert_eq!(s.direction.as_deref(), Some("sendonly"));
    assert_eq!(s.media.len(), 3);
    let audio = &s.media[0];
    assert_eq!(
        (audio.port, audio.declined, audio.secure, audio.crypto),
        (Some(49170), false, true, true)
    );
    assert_eq!(
        (audio.direction.as_str(), audio.direction_from.as_str()),
        ("sendonly", "session")
    );
    let enc: Vec<_> = audio
        .formats
        .iter()
        .map(|f| f.encoding.as_deref())
        .collect();
    assert_eq!(
        enc,
        [
            Some("PCMU/8000"),
            Some("G729/8000"),
            Some("opus/48000/2"),
            Some("telephone-event/8000")
        ]
    );
    assert_eq!(audio.formats[3].fmtp.as_deref(), Some("0-15"));
    assert!(audio.attributes.contains(&"ptime".to_string()));
    // A 488's SDP lists capabilities: port 0 declines nothing there.
    assert!(s.capabilities && !s.media[1].declined);
    let image = &s.media[2];
    assert_eq!(image.connection.as_deref(), Some("0.0.0.0"));
    assert_eq!(
        (image.direction.as_str(), image.direction_from.as_str()),
        ("recvonly", "media")
    );

    let text = render_text(&e);
    for needle in [
        "m=audio 49170 RTP/SAVP 0 18 96 101",
        "18 G729/8000",
        "96 opus/48000/2",
        "a=crypto (SDES keys)",
        "direction for the session: send only",
        "port 0, as a list of capabilities has it",
        "a=recvonly",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // Tied to the 488's steps.
    let f = finding_of(&e, "Compare the m= lines");
    assert!(
        f.contains("SDP m=audio port 49170 RTP/SAVP: 0 PCMU/8000, 18 G729/8000"),
        "{f}"
    );
    assert!(f.contains("SDP m=video port 0 (a capability)"), "{f}");
    assert!(f.contains("this SDP is not the offer"), "{f}");
    let f = finding_of(&e, "RTP versus SRTP");
    assert!(
        f.contains("RTP/SAVP is SRTP") && f.contains("a=crypto"),
        "{f}"
    );
    let f = finding_of(&e, "T.38 and hold");
    // Capabilities are no streams: no direction or hold is read there.
    assert!(
        f.contains("SDP m=image port 0 (a capability): a capability, not a stream")
            && !f.contains("looks like a hold"),
        "{f}"
    );
    let f = finding_of(&e, "ptime, DTMF");
    assert!(f.contains("a= ptime"), "{f}");
    let f = finding_of(&e, "Read the Warning header and any SDP");
    assert!(f.contains("Body: SDP"), "{f}");
    let step = e
        .checklist
        .iter()
        .find(|s| s.title.contains("m= lines"))
        .unwrap();
    assert_eq!(step.body, ["sdp-media"]);

    // 606: the same facts in its SDP step.
    let e = explain_str(&msg.replace("488 Not Acceptable Here", "606 Not Acceptable"));
    let f = finding_of(&e, "Compare the SDP offer");
    assert!(
        f.contains("Body: SDP") && f.contains("96 opus/48000/2"),
        "{f}"
    );
    assert!(f.contains("RTP/SAVP is SRTP"), "{f}");
    // A 488 without a body says where to look.
    let e = explain_str(
        "SIP/2.0 488 Not Acceptable Here\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
    );
    assert!(e.body.is_none());
    let f = finding_of(&e, "Compare the m= lines");
    assert_eq!(f, "no body in this 488");
    let f = finding_of(&e, "Read the Warning header and any SDP");
    assert!(
        f.contains("no body in this 488: ") && f.contains("request it answers"),
        "{f}"
    );

    // JSON: the body with its SDP, next to the keys that were there.
    let json: serde_json::Value = serde_json::to_value(explain_str(&msg)).unwrap();
    assert_eq!(json["body"]["kind"], "sdp");
    assert_eq!(json["body"]["sdp"]["capabilities"], true);
    assert_eq!(json["body"]["sdp"]["media"][1]["declined"], false);
    assert_eq!(
        json["body"]["sdp"]["media"][0]["formats"][2]["encoding"],
        "opus/48000/2"
    );
    assert_eq!(json["body"]["lines"][0]["text"], "v=0");
    assert!(json["content_type"].is_string() && json["body_length"].is_number());
}

/// Bodies other than SDP: text lines listed with control characters
/// escaped and a cap with a "more lines" marker, a binary body summarised,
/// a multipart body split into its parts (SDP inside decoded); the 415
/// checklist names the parts.
#[test]
fn other_bodies_are_listed_safely_capped_or_summarised() {
    // message/sipfrag in a NOTIFY.
    let e = explain_str(
        "NOTIFY sip:a@b SIP/2.0\nCall-ID: n\nCSeq: 3 NOTIFY\nEvent: refer\n\
         Content-Type: message/sipfrag;version=2.0\nContent-Length: 21\n\nSIP/2.0 180 Ringing\n",
    );
    let b = e.body.as_ref().unwrap();
    assert_eq!(b.kind, message::BodyKind::Text);
    assert!(b.summary.contains("RFC 3420"), "{}", b.summary);
    let text = render_text(&e);
    assert!(
        text.split_once("\nBody\n")
            .is_some_and(|(_, b)| b.contains("SIP/2.0 180 Ringing")),
        "{text}"
    );

    // pidf+xml with control characters, and more lines than are listed.
    let mut xml =
        String::from("<?xml version=\"1.0\"?>\n<presence>\x1b]0;pwn\x07\u{202e}</presence>\n");
    for i in 0..200 {
        xml.push_str(&format!("<!-- {i} -->\n"));
    }
    let e = explain_str(&format!(
        "PUBLISH sip:a@b SIP/2.0\nCall-ID: p\nCSeq: 1 PUBLISH\nContent-Type: application/pidf+xml\n\n{xml}"
    ));
    let b = e.body.as_ref().unwrap();
    assert_eq!(b.lines.len(), message::MAX_BODY_LINES);
    assert_eq!(b.more_lines, 202 - message::MAX_BODY_LINES);
    let text = render_text(&e);
    assert!(
        text.contains("<presence>\\e]0;pwn\\x07\\u{202e}</presence>"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "... {} more lines not shown",
            202 - message::MAX_BODY_LINES
        )),
        "{text}"
    );
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && sipfix::sanitize::is_unsafe(c))
    );
    let md = render_markdown(&e);
    assert!(
        !md.chars()
            .any(|c| c != '\n' && sipfix::sanitize::is_unsafe(c))
    );

    // multipart/mixed: SDP plus ISUP (binary), as a SIP-I gateway sends it.
    let body = "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\
o=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\n\
--unique-boundary-1\r\nContent-Type: application/isup;version=itu-t92+\r\n\
Content-Disposition: signal;handling=optional\r\n\r\n\u{1}\u{0}\u{49}\u{0}\u{0}\u{3}\u{2}\r\n\
--unique-boundary-1--\r\n";
    let msg = format!(
        "SIP/2.0 415 Unsupported Media Type\r\nCall-ID: m\r\nCSeq: 1 INVITE\r\n\
Accept: application/sdp\r\nContent-Type: multipart/mixed;boundary=unique-boundary-1\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let e = explain(&parse_str(&msg), kb());
    let b = e.body.as_ref().unwrap();
    assert_eq!(b.kind, message::BodyKind::Multipart);
    assert_eq!(b.parts.len(), 2);
    assert_eq!(
        b.parts[0].sdp.as_ref().unwrap().media[0].formats[0]
            .encoding
            .as_deref(),
        Some("PCMA/8000")
    );
    assert_eq!(b.parts[1].kind, message::BodyKind::Binary);
    assert!(b.parts[1].lines.is_empty());
    let text = render_text(&e);
    assert!(
        text.contains("Body part 1 of 2") && text.contains("m=audio 5004 RTP/AVP 8"),
        "{text}"
    );
    assert!(text.contains("binary data (an ISUP message"), "{text}");
    let f = finding_of(&e, "Compare the request's Content-Type");
    assert!(f.contains("part 2: application/isup"), "{f}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Any body, with any Content-Type and Content-Length, decodes without
    /// panicking, within the caps, and renders with no control character.
    #[test]
    fn any_body_decodes_within_bounds(
        ct in prop::sample::select(vec!["application/sdp", "multipart/mixed;boundary=b", "text/plain", "application/isup", ""]),
        cl in prop::option::of(0u32..5000),
        body in prop::collection::vec(prop::sample::select(vec![
            "v=0", "m=audio 0 RTP/AVP 0", "m=", "m=x 99999 y", "a=rtpmap:0", "a=fmtp:", "a=sendonly",
            "c=IN IP6 ::1", "c=", "--b", "--b--", "Content-Type: application/sdp", "", "\u{0}", "\u{1b}[2J",
            "\u{fffd}", "=", "x", "a=crypto:1", "o=1 2", "\r",
        ]), 0..80),
    ) {
        let body = body.join("\r\n");
        let mut msg = String::from("SIP/2.0 488 Not Acceptable Here\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n");
        if !ct.is_empty() {
            msg.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(n) = cl {
            msg.push_str(&format!("Content-Length: {n}\r\n"));
        }
        msg.push_str("\r\n");
        msg.push_str(&body);
        let e = explain(&parse(msg.as_bytes()).unwrap(), kb());
        if let Some(b) = &e.body {
            prop_assert!(b.lines.len() <= message::MAX_BODY_LINES);
        }
        let text = render_text(&e);
        prop_assert!(!text.chars().any(|c| c != '\n' && sipfix::sanitize::is_unsafe(c)));
        serde_json::to_string(&e).unwrap();
    }
}

/// All checklist findings of an explanation, flattened.
fn all_findings(e: &Explanation) -> Vec<String> {
    e.checklist
        .iter()
        .flat_map(|s| s.findings.clone())
        .collect()
}

fn bodiless(code: &str) -> Explanation {
    explain_str(&format!(
        "SIP/2.0 {code}\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: <sip:a@h>;tag=1\n\
         To: <sip:b@h>;tag=2\nCall-ID: c@h\nCSeq: 1 INVITE\nContent-Length: 0\n\n"
    ))
}

#[test]
fn a_bodiless_response_gets_its_own_code_sentence() {
    for (code, want) in [
        ("180 Ringing", "no early answer"),
        ("183 Session Progress", "no early answer"),
        ("415 Unsupported Media Type", "RFC 3261 §21.4.13"),
        ("580 Precondition Failure", "RFC 3312"),
        ("488 Not Acceptable Here", "offer it refused"),
    ] {
        let f = all_findings(&bodiless(code));
        assert!(has(&f, want), "{code}: {f:?}");
        if !code.starts_with("488") {
            assert!(!has(&f, "488 or 606"), "{code}: {f:?}");
        }
    }
}

fn with_sdp(start: &str, method: &str, sdp: &str) -> Explanation {
    let sdp = crlf(sdp);
    explain(
        &parse_str(&format!(
            "{start}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@h>;tag=1\r\n\
             To: <sip:b@h>;tag=2\r\nCall-ID: c@h\r\nCSeq: 1 {method}\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        )),
        kb(),
    )
}

/// RFC 3264 §9, figure 1: an SDP listing capabilities.
const CAPS_SDP: &str = "v=0\no=carol 28908764872 28908764872 IN IP4 100.3.6.6\ns=-\nt=0 0\n\
    c=IN IP4 192.0.2.4\nm=audio 0 RTP/AVP 0 1 3\na=rtpmap:0 PCMU/8000\na=rtpmap:1 1016/8000\n\
    a=rtpmap:3 GSM/8000\nm=video 0 RTP/AVP 31 34\na=rtpmap:31 H261/90000\n\
    a=rtpmap:34 H263/90000\n";

#[test]
fn capabilities_sdp_is_not_read_as_declined() {
    for (start, method) in [
        ("SIP/2.0 200 OK", "OPTIONS"),
        ("SIP/2.0 488 Not Acceptable Here", "INVITE"),
        ("SIP/2.0 606 Not Acceptable", "INVITE"),
    ] {
        let e = with_sdp(start, method, CAPS_SDP);
        let b = e.body.as_ref().unwrap();
        let s = b.sdp.as_ref().unwrap();
        assert!(s.capabilities, "{start}");
        assert!(s.media.iter().all(|m| !m.declined), "{start}");
        assert!(b.summary.contains("capabilities"), "{}", b.summary);
        assert!(!b.summary.contains("declined"), "{}", b.summary);
        let (t, _) = render_both(&e);
        assert!(!t.contains("declined or disabled"), "{t}");
        let f = all_findings(&e);
        assert!(
            !has(&f, "(declined)") && !has(&f, "looks like a hold"),
            "{f:?}"
        );
    }
    let f = all_findings(&with_sdp(
        "SIP/2.0 488 Not Acceptable Here",
        "INVITE",
        CAPS_SDP,
    ));
    assert!(has(&f, "this SDP is not the offer"), "{f:?}");
    // The same SDP as an answer in a 200 to INVITE: port 0 declines.
    let e = with_sdp("SIP/2.0 200 OK", "INVITE", CAPS_SDP);
    let s = e.body.as_ref().unwrap().sdp.as_ref().unwrap();
    assert!(!s.capabilities && s.media.iter().all(|m| m.declined));
}

#[test]
fn a_binary_body_is_named_in_the_body_section() {
    let body = "\u{1}\u{0}\u{2}\u{3}";
    let e = explain(
        &parse_str(&format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@h>;tag=1\r\n\
             To: <sip:b@h>;tag=2\r\nCall-ID: c@h\r\nCSeq: 1 INFO\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\n{body}"
        )),
        kb(),
    );
    let (t, _) = render_both(&e);
    let after = &t[t.rfind("\nBody\n").expect("a Body section")..];
    assert!(after.contains("binary data: not shown"), "{after}");
}

/// `ngrep -W byline` output (every line of a CR LF message ends in the dot
/// ngrep prints for the CR; a lone dot before the body; a blank line, `#`
/// and a packet line between messages) decodes with clean values: one
/// dot a line taken off, and said. A message whose reason phrase ends in
/// a dot of its own, with plain headers, is left as it is.
#[test]
fn ngrep_output_decodes_without_its_dots() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ngrep = std::fs::read(root.join("tests/fixtures/logs/ngrep.txt")).unwrap();
    let m = parse(&ngrep).unwrap();
    let e = explain(&m, kb());
    let cseq = m.headers.iter().find(|h| h.name == "CSeq").unwrap();
    assert_eq!(cseq.value, "1 INVITE");
    assert!(
        has(&m.problems, "ngrep's dot at the end of each line"),
        "{:?}",
        m.problems
    );
    assert!(!has(&m.problems, "Content-Length"), "{:?}", m.problems);
    assert!(
        has(&m.problems, "another starts at line 29"),
        "{:?}",
        m.problems
    );
    assert_eq!(e.content_length, Some(178));

    let dotted = crlf(
        "SIP/2.0 480 Temporarily Unavailable.\n\
         Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\n\
         From: <sip:a@example.com>;tag=1\n\
         To: <sip:b@example.com>;tag=2\n\
         Call-ID: x\n\
         CSeq: 1 INVITE\n\
         Content-Length: 0\n\n",
    );
    let m = parse_str(&dotted);
    assert!(!has(&m.problems, "ngrep"), "{:?}", m.problems);
    match &m.start {
        StartLine::Response { reason, .. } => assert_eq!(reason, "Temporarily Unavailable."),
        other => panic!("{other:?}"),
    }
}

/// A vendor's cause mapping is said as the mapping it is ("Asterisk maps
/// SIP 503 to cause 34, unlike RFC 3398"), not as the cause mapped
/// "differently" (the 503 carries the very cause Asterisk maps it to). In
/// a request it may say where a cause came from, but none is said for
/// cause 16, the cause of every call ended normally: FreeSWITCH's note on
/// 487 was shown for every BYE.
#[test]
fn vendor_cause_mappings_are_said_as_mappings_and_not_on_a_normal_bye() {
    let msg = |start: &str, cseq: &str, reason: &str| {
        format!(
            "{start}\n\
             Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\n\
             Max-Forwards: 70\n\
             From: <sip:a@example.com>;tag=1\n\
             To: <sip:b@example.com>;tag=2\n\
             Call-ID: x\n\
             CSeq: {cseq}\n\
             Reason: {reason}\n\
             Content-Length: 0\n\n"
        )
    };
    let e = explain_str(&msg(
        "SIP/2.0 503 Service Unavailable",
        "1 INVITE",
        "Q.850;cause=34",
    ));
    assert!(
        has(
            &e.notes,
            "Asterisk maps SIP 503 to cause 34, unlike RFC 3398:"
        ),
        "{:?}",
        e.notes
    );
    assert!(!has(&e.notes, "differently"), "{:?}", e.notes);
    let bye = explain_str(&msg(
        "BYE sip:b@192.0.2.1 SIP/2.0",
        "2 BYE",
        "Q.850;cause=16",
    ));
    assert!(!has(&bye.notes, "FreeSWITCH"), "{:?}", bye.notes);
    let cancel = explain_str(&msg(
        "CANCEL sip:b@192.0.2.1 SIP/2.0",
        "1 CANCEL",
        "Q.850;cause=34",
    ));
    assert!(
        has(&cancel.notes, "Asterisk maps SIP 503 to cause 34"),
        "{:?}",
        cancel.notes
    );
}

/// What the decoder says of a message that lacks its Via, a header every
/// request carries or its blank line names no paste: the message may be
/// one of a capture or a log (the call view decodes those too).
#[test]
fn an_incomplete_message_is_said_so_without_naming_a_paste() {
    let e = explain_str(
        "INVITE sip:b@192.0.2.1 SIP/2.0\n\
         From: <sip:a@example.com>;tag=1\n\
         To: <sip:b@example.com>\n\
         Call-ID: x\n\
         CSeq: 1 INVITE\n",
    );
    let all = format!("{:?} {:?}", e.problems, e.notes);
    assert!(all.contains("the message may be incomplete"), "{all}");
    assert!(all.contains("the message may be cut short"), "{all}");
    assert!(!all.contains("paste"), "{all}");
    let e = explain_str(
        "SIP/2.0 486 Busy Here\n\
         From: <sip:a@example.com>;tag=1\n\
         To: <sip:b@example.com>;tag=2\n\
         Call-ID: x\n\
         CSeq: 1 INVITE\n\
         Content-Length: 0\n\n",
    );
    let text = sipfix::message::render_text(&e);
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("It has no Via: the message is incomplete."),
        "{text}"
    );
    assert!(!text.contains("paste"), "{text}");
}
