//! `sipfix triage` on traffic from real SIP stacks: SIPp callers and
//! callees, most calls through a Kamailio proxy, captured on loopback
//! (`tests/fixtures/live/`, whose README says what each call did), and
//! baresip phones through a real NAT (`tests/fixtures/live/nat/`). The
//! expectations come from what the scenarios made happen, not from
//! sipfix's output; the totals were counted with tshark.

use sipfix::kb::Kb;
use sipfix::trace::model::{Analyzer, Options, Outcome};
use sipfix::trace::{Call, Format, Input, Triage, read_inputs};
use std::path::Path;

fn triage(name: &str) -> Triage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/live")
        .join(name);
    let mut a = Analyzer::new(Options::default());
    let sources = read_inputs(&[Input::Path(path.clone())], Format::Auto, &mut a)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    a.finish(sources, Kb::embedded())
}

/// The calls whose Call-ID starts `NAME-` (`NAME-N-PID@lab`).
fn named<'a>(t: &'a Triage, name: &str) -> Vec<&'a Call> {
    let prefix = format!("{name}-");
    let calls: Vec<&Call> = t
        .calls
        .iter()
        .filter(|c| {
            c.call_id
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with(|ch: char| ch.is_ascii_digit()))
        })
        .collect();
    assert!(!calls.is_empty(), "no call {name}-*");
    calls
}

fn ids(c: &Call) -> Vec<&'static str> {
    let mut v: Vec<&str> = c.findings.iter().map(|f| f.id).collect();
    v.sort_unstable();
    v
}

fn text<'a>(c: &'a Call, id: &str) -> &'a str {
    &c.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("{}: no {id} in {:#?}", c.call_id, c.findings))
        .text
}

use Outcome::{Answered, Failure, User};

/// (name, calls, method, final code, outcome, finding ids sorted): what
/// each scenario does, by the README's table.
type Expect = (
    &'static str,
    usize,
    &'static str,
    Option<u16>,
    Outcome,
    &'static [&'static str],
);

const RUN1: &[Expect] = &[
    ("ok", 5, "INVITE", Some(200), Answered, &[]),
    ("busy", 4, "INVITE", Some(486), User, &[]),
    (
        "overload",
        4,
        "INVITE",
        Some(500),
        Failure,
        &["cause", "overload"],
    ),
    ("unavail", 3, "INVITE", Some(480), Failure, &["cause"]),
    ("notfound", 3, "INVITE", Some(404), Failure, &[]),
    (
        "ovldir",
        2,
        "INVITE",
        Some(503),
        Failure,
        &["cause", "overload"],
    ),
    (
        "codec",
        3,
        "INVITE",
        Some(488),
        Failure,
        &["cause", "codec-reject"],
    ),
    ("auth", 3, "INVITE", Some(200), Answered, &[]),
    ("authloop", 3, "INVITE", Some(407), Failure, &["auth-loop"]),
    ("deadprx", 2, "INVITE", Some(408), Failure, &["no-response"]),
    ("deaddir", 2, "INVITE", None, Failure, &["no-response"]),
    ("noack", 2, "INVITE", Some(200), Answered, &["no-ack"]),
    ("cancel", 3, "INVITE", Some(487), User, &[]),
    (
        "refer",
        2,
        "INVITE",
        Some(200),
        Answered,
        &["refer-no-notify"],
    ),
    ("sesstimer", 2, "INVITE", Some(422), Failure, &["timer"]),
    ("ping", 5, "OPTIONS", Some(200), Answered, &[]),
    ("pingdead", 1, "OPTIONS", None, Failure, &["no-response"]),
    ("reg423ok", 2, "REGISTER", Some(200), Answered, &[]),
    ("reg423x2", 2, "REGISTER", Some(423), Failure, &["timer"]),
    ("tcpok", 3, "INVITE", Some(200), Answered, &[]),
    ("tcpbusy", 2, "INVITE", Some(486), User, &[]),
    (
        "tcpovl",
        2,
        "INVITE",
        Some(500),
        Failure,
        &["cause", "overload"],
    ),
    ("v6ok", 2, "INVITE", Some(200), Answered, &[]),
    ("v6busy", 2, "INVITE", Some(486), User, &[]),
];

const RUN3: &[Expect] = &[
    ("reg401", 2, "REGISTER", Some(200), Answered, &[]),
    ("reg423d", 2, "REGISTER", Some(200), Answered, &[]),
    ("st422d", 2, "INVITE", Some(422), Failure, &["timer"]),
    ("crace", 2, "INVITE", Some(200), Answered, &["cancel-race"]),
    (
        "craceprx",
        2,
        "INVITE",
        Some(200),
        Answered,
        &["cancel-race", "no-ack", "request-failed"],
    ),
];

fn check(t: &Triage, table: &[Expect]) {
    let mut seen = 0;
    for &(name, n, method, code, outcome, want) in table {
        let calls = named(t, name);
        assert_eq!(calls.len(), n, "{name}");
        seen += n;
        for c in calls {
            let got = (t.method_name(c.method), c.final_code(), c.outcome, ids(c));
            assert_eq!(
                got,
                (method, code, outcome, want.to_vec()),
                "{}: {:#?}",
                c.call_id,
                c.findings
            );
        }
    }
    assert_eq!(t.calls.len(), seen, "calls not in the table");
}

#[test]
fn every_call_of_the_proxy_lab_as_the_scenarios_made_it() {
    let t = triage("kamailio-sipp.pcap.gz");
    check(&t, RUN1);
    // tshark: 652 SIP messages, 77 of them retransmissions.
    let msgs: usize = t.calls.iter().map(|c| c.msgs.len()).sum();
    let retrans: u32 = t.calls.iter().map(|c| c.retransmissions).sum();
    assert_eq!((msgs, retrans), (652, 77));
}

#[test]
fn every_call_of_the_second_lab_as_the_scenarios_made_it() {
    check(&triage("kamailio-sipp-2.pcap.gz"), RUN3);
}

/// Through the proxy, the findings name the phone that answered,
/// rejected, challenged or accepted, not the proxy passing it on; a
/// refusal seen on both hops is one refusal.
#[test]
fn findings_name_the_element_behind_the_proxy() {
    let t = triage("kamailio-sipp.pcap.gz");
    let first = |name: &str| named(&t, name)[0];
    let starts = [
        ("noack", "no-ack", "The callee 127.0.0.1:5080 answered"),
        ("codec", "codec-reject", "127.0.0.1:5076 rejected INVITE"),
        (
            "authloop",
            "auth-loop",
            "127.0.0.1:5078 challenged INVITE again",
        ),
        (
            "refer",
            "refer-no-notify",
            "127.0.0.1:5082 accepted the REFER",
        ),
        (
            "sesstimer",
            "timer",
            "127.0.0.1:5083 answered 422 (interval too small) and the requester gave up",
        ),
        ("reg423x2", "timer", "127.0.0.1:5086 answered 423 2 times"),
        ("overload", "overload", "127.0.0.1:5073 answered INVITE"),
    ];
    for (name, id, want) in starts {
        let got = text(first(name), id);
        assert!(got.starts_with(want), "{name} {id}: {got}");
    }
    assert!(text(first("reg423x2"), "timer").contains("raises its minimum"));
    // The proxy's 408 names the port nobody listens on, whose INVITEs are
    // in the capture.
    let dead = text(first("deadprx"), "no-response");
    assert!(
        dead.starts_with(
            "127.0.0.1:5060 answered INVITE with 408 Request Timeout because its own INVITE \
             to 127.0.0.1:5079 got no response of any kind"
        ) && dead.contains("127.0.0.1:5079 is down or unreachable"),
        "{dead}"
    );

    let t = triage("kamailio-sipp-2.pcap.gz");
    let c = named(&t, "craceprx")[0];
    let no_ack = text(c, "no-ack");
    assert!(
        no_ack.starts_with("127.0.0.1:5095 kept resending the 2xx")
            && no_ack.contains("to 127.0.0.1:5060, which did not pass it on"),
        "{no_ack}"
    );
    assert!(
        text(c, "cancel-race").starts_with("127.0.0.1:5095 answered the INVITE"),
        "{}",
        text(c, "cancel-race")
    );
}

/// The calls of a NAT lab capture from `from` to `to` (user parts), in
/// order.
fn between<'a>(t: &'a Triage, from: &str, to: &str) -> Vec<&'a Call> {
    let user = |uri: &str, name: &str| {
        uri.strip_prefix("sip:")
            .is_some_and(|u| u.starts_with(&format!("{name}@")))
    };
    let calls: Vec<&Call> = t
        .calls
        .iter()
        .filter(|c| user(t.from_uri(c), from) && user(t.to_uri(c), to))
        .collect();
    assert!(!calls.is_empty(), "no call {from} -> {to}");
    calls
}

fn nat(name: &str) -> Triage {
    triage(&format!("nat/{name}.pcap.gz"))
}

/// A callee behind a real NAT whose 2xx names its private address in
/// Contact: from outside the NAT, from inside it, directly and through a
/// proxy with or without Record-Route; a caller on the same LAN is no NAT
/// case. The lab's README says what each run did.
#[test]
fn a_callee_behind_nat_from_both_sides_of_it() {
    let nat_said = "the callee is behind NAT and advertises its inside address";
    // Outside, no Record-Route: the caller's ACK is seen going to the
    // private address, and the callee hangs up after 32 s.
    let t = nat("run1-pub");
    let c = between(&t, "alice", "bob")[0];
    assert_eq!(ids(c), ["no-ack"]);
    let f = &c.findings[0];
    assert_eq!(f.severity, sipfix::trace::Severity::Failure);
    assert!(
        f.text.contains(
            "the caller sent its ACK 1 ms after the first to 192.168.1.100:5060, the private \
             address in the 2xx's Contact, not to 203.0.113.1:5060 where the 2xx came from"
        ) && f
            .text
            .ends_with("It ended the call with BYE 32.0 s after answering."),
        "{}",
        f.text
    );
    assert!(ids(between(&t, "carol", "bob")[0]).is_empty());
    let dead = text(between(&t, "alice", "dead")[0], "no-response");
    assert!(
        dead.contains("because its own INVITE to 198.51.100.9:5060 got no response"),
        "{dead}"
    );
    // Inside the NAT, the same call: no ACK at all, the Contact is the
    // 2xx's own source, still a NAT case.
    let t = nat("run1-home");
    let no_ack = text(between(&t, "alice", "bob")[0], "no-ack");
    assert!(no_ack.contains(nat_said), "{no_ack}");
    // Direct, inside: the same; a private caller on the LAN: nothing.
    let t = nat("run4-home");
    let no_ack = text(between(&t, "alice", "bob")[0], "no-ack");
    assert!(
        no_ack.contains("so the caller 203.0.113.20:5060 sends its ACK straight")
            && no_ack.contains(nat_said),
        "{no_ack}"
    );
    assert!(ids(between(&t, "carol", "bob")[0]).is_empty());
    // Through a record-routing proxy that does no NAT handling: the proxy
    // is named, not a forked call.
    let t = nat("run2-pub");
    for caller in ["alice", "carol"] {
        let no_ack = text(between(&t, caller, "bob")[0], "no-ack");
        assert!(
            no_ack.contains(
                "which passed it on to 192.168.1.100:5060, the private address in the 2xx's \
                 Contact"
            ) && no_ack.contains("203.0.113.10:5060 does no NAT handling for it")
                && !no_ack.contains("forked"),
            "{caller}: {no_ack}"
        );
    }
}

/// With NAT handling on: no `no-ack`; 481s from a restarted phone named
/// after the phone (through the NAT: its outside address), not the proxy;
/// failed transfers said from the NOTIFY's fragment; and a BYE answered
/// 481 long after the other side's own BYE went unanswered is no
/// crossing.
#[test]
fn dialog_ends_and_transfers_through_a_nat() {
    let t = nat("run3-pub");
    assert!(t.calls.iter().all(|c| !ids(c).contains(&"no-ack")));
    let calls = between(&t, "alice", "bob");
    let restarted = text(calls[1], "timer");
    assert!(
        restarted.starts_with("203.0.113.1:5060 answered") && restarted.contains("481"),
        "{restarted}"
    );
    // The phone refused the re-INVITE, then the BYE: one finding, the
    // BYE's 481 in its evidence (it was left out).
    let timers: Vec<_> = calls[1]
        .findings
        .iter()
        .filter(|f| f.id == "timer")
        .collect();
    assert_eq!(timers.len(), 1);
    assert!(
        timers[0]
            .evidence
            .iter()
            .any(|e| &*e.text == "481 Call Does Not Exist to BYE too"),
        "{:#?}",
        timers[0].evidence
    );
    let failed: Vec<&str> = calls
        .iter()
        .filter(|c| ids(c).contains(&"refer-failed"))
        .map(|c| text(c, "refer-failed"))
        .collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(
        failed[0].contains("the transfer target answered 404 Not Found"),
        "{}",
        failed[0]
    );
    assert!(
        failed[1].contains("the transfer target answered 408 Request Timeout"),
        "{}",
        failed[1]
    );
    // Each names the transferee's own call to the target, the trace's one
    // call that ended so.
    for (said, code) in failed.iter().zip([404, 408]) {
        let legs: Vec<&Call> = t
            .calls
            .iter()
            .filter(|c| c.final_code() == Some(code))
            .collect();
        assert_eq!(legs.len(), 1);
        assert!(
            said.ends_with(&format!(
                "The transferee's own call to the target is in this trace: Call-ID {}.",
                legs[0].call_id
            )),
            "{said}"
        );
    }

    let t = nat("run5-home");
    let c = between(&t, "carol", "bob")[0];
    let timer = text(c, "timer");
    assert!(
        timer.starts_with("192.168.1.50:5060 answered BYE with 481: it had ended the dialog")
            && timer.contains("which was never answered")
            && !timer.contains("crossed"),
        "{timer}"
    );
}

/// `file` as `editcap -s snaplen` writes it: each record cut to its first
/// `snaplen` bytes, its whole length kept (a classic pcap, either byte
/// order).
fn snapped(file: &str, snaplen: u32) -> Vec<u8> {
    use std::io::Read;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/live")
        .join(file);
    let mut pcap = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut pcap)
        .unwrap();
    let le = pcap[..4] == [0xd4, 0xc3, 0xb2, 0xa1] || pcap[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let u32_at = |b: &[u8], at: usize| {
        let v: [u8; 4] = b[at..at + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        }
    };
    let put = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let mut out = pcap[..24].to_vec();
    out[16..20].copy_from_slice(&put(snaplen));
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let incl = u32_at(&pcap, at + 8);
        let keep = incl.min(snaplen);
        out.extend_from_slice(&pcap[at..at + 8]);
        out.extend_from_slice(&put(keep));
        out.extend_from_slice(&pcap[at + 12..at + 16]);
        out.extend_from_slice(&pcap[at + 16..at + 16 + keep as usize]);
        at += 16 + incl as usize;
    }
    out
}

/// The live capture cut by a snap length (as `tcpdump -s N` or `editcap
/// -s N` does): no finding claims an absence (no SDP, no Retry-After, no
/// ACK, no NOTIFY, a requester that gave up, a shorter codec list) that
/// the whole capture does not claim for the same call. What a cut message
/// lacks may have been cut off; the capture cannot tell.
#[test]
fn a_capture_cut_by_its_snap_length_claims_no_absence_it_cannot_show() {
    const ABSENT: &[&str] = &[
        "no SDP offer",
        "lists no media",
        "without Retry-After",
        "gave up instead of retrying",
        "no ACK came back",
        "no ACK and no BYE",
        "no BYE",
        "sent no NOTIFY",
        "keeps asking for",
    ];
    let whole = triage("kamailio-sipp.pcap.gz");
    let claims = |t: &Triage| -> Vec<(String, &'static str, String)> {
        let mut v = Vec::new();
        for c in &t.calls {
            for f in &c.findings {
                for p in ABSENT {
                    if f.text.contains(p) {
                        v.push((c.call_id.clone(), f.id, p.to_string()));
                    }
                }
                // A codec list, as offered (a cut one would be shorter).
                if let Some(i) = f.text.find("offered ") {
                    let rest = &f.text[i..];
                    let end = rest.find(':').unwrap_or(rest.len());
                    v.push((c.call_id.clone(), f.id, rest[..end].to_string()));
                }
            }
        }
        v
    };
    let known = claims(&whole);
    for snaplen in [320, 360, 400, 440, 560, 640] {
        let mut a = Analyzer::new(Options::default());
        let sources = read_inputs(
            &[Input::Bytes(snapped("kamailio-sipp.pcap.gz", snaplen))],
            Format::Auto,
            &mut a,
        )
        .unwrap();
        let t = a.finish(sources, Kb::embedded());
        assert!(
            t.problems[0]
                .text
                .contains("cut to the capture's snap length"),
            "-s {snaplen}: {:?}",
            t.problems.first()
        );
        let unknown: Vec<_> = claims(&t)
            .into_iter()
            .filter(|c| !known.contains(c))
            .collect();
        assert!(unknown.is_empty(), "-s {snaplen}: {unknown:#?}");
    }
}
