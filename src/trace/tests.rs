//! Tests of the model and the findings on traces built for them.

use super::findings::Severity;
use super::model::{Keep, Method, Options, Outcome, flag};
use super::testkit::*;
use super::{Call, Triage};

fn a() -> super::Endpoint {
    ep("10.0.0.1:5060")
}
fn b() -> super::Endpoint {
    ep("10.0.0.2:5060")
}
fn p() -> super::Endpoint {
    ep("10.0.0.9:5060")
}

fn only(t: &Triage) -> &Call {
    assert_eq!(
        t.calls.len(),
        1,
        "{:#?}",
        t.calls.iter().map(|c| &c.call_id).collect::<Vec<_>>()
    );
    &t.calls[0]
}

fn ids(c: &Call) -> Vec<&'static str> {
    c.findings.iter().map(|f| f.id).collect()
}

fn finding<'a>(c: &'a Call, id: &str) -> &'a super::Finding {
    c.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} finding in {:#?}", c.findings))
}

/// Another call far later, so the trace goes on past 64*T1.
fn later(ms: i64) -> Vec<Step> {
    answered_call("later", ms, 1000)
}

/// A capture cut by its snap length (`tcpdump -s 361`): the INVITE is
/// whole, its 200 OK (a long reason phrase) is cut inside its Call-ID.
/// The cut Call-ID is not another call, and the INVITE is not "never
/// answered": its answer may be the cut message, so the call is not a
/// failure and its finding says whether it was answered cannot be told.
#[test]
fn an_answer_cut_by_the_snap_length_is_not_silence() {
    let inv = request("INVITE", "snapped-call", 1, "z9hG4bKsn1", None, &[], "");
    let reason = format!("OK{}", " (answered)".repeat(14));
    let ok = response_with(&inv, 200, &reason, Some("b"), &[], "");
    // Ethernet, IPv4 and UDP headers, then 4 bytes of the Call-ID value.
    let snaplen = 42 + ok.find("Call-ID: ").unwrap() + 9 + 4;
    assert!(42 + inv.len() <= snaplen);
    let mut steps = vec![Step::new(0, a(), b(), &inv), Step::new(100, b(), a(), &ok)];
    // The trace goes on past 64*T1 (an OPTIONS ping, whole).
    let ping = request("OPTIONS", "ping", 1, "z9hG4bKpg1", None, &[], "");
    steps.push(Step::new(40_000, a(), p(), &ping));
    steps.push(Step::new(
        40_010,
        p(),
        a(),
        &response(&ping, 200, Some("p"), &[]),
    ));
    let cap = pcap_snapped(&steps, snaplen);
    let mut an = super::Analyzer::new(Options::default());
    let sources =
        super::read_inputs(&[super::Input::Bytes(cap)], super::Format::Auto, &mut an).unwrap();
    let t = an.finish(sources, crate::kb::Kb::embedded());
    let calls: Vec<&str> = t.calls.iter().map(|c| c.call_id.as_str()).collect();
    assert_eq!(calls, ["snapped-call", "ping"]);
    let c = &t.calls[0];
    assert_eq!(c.outcome, Outcome::Pending);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.text
            .contains("cut short 1 message from 10.0.0.2:5060 to 10.0.0.1:5060")
            && f.text.contains("whether it was answered cannot be told")
            && !f.text.contains("never answered"),
        "{}",
        f.text
    );
    let problems: Vec<&str> = t.problems.iter().map(|p| p.text.as_str()).collect();
    assert!(
        problems.len() == 1 && problems[0].starts_with("1 SIP packet cut to the capture's snap"),
        "{problems:?}"
    );
}

/// The steps captured with this snap length (`tcpdump -s`), analysed.
fn analyze_snapped(steps: &[Step], snaplen: usize) -> Triage {
    let cap = pcap_snapped(steps, snaplen);
    let mut an = super::Analyzer::new(Options::default());
    let sources =
        super::read_inputs(&[super::Input::Bytes(cap)], super::Format::Auto, &mut an).unwrap();
    an.finish(sources, crate::kb::Kb::embedded())
}

/// Ethernet, IPv4 and UDP headers before a datagram's payload.
const FRAME_HEADERS: usize = 42;

/// An INVITE rejected 488 whose SDP the snap length cut (before its body,
/// or inside it): not "no SDP offer" nor "lists no media", which the
/// capture cannot tell, but that its SDP was cut.
#[test]
fn an_offer_cut_by_the_snap_length_is_not_a_missing_one() {
    let agent = format!("User-Agent: {}", "phone ".repeat(30));
    let inv = request(
        "INVITE",
        "c",
        1,
        "z9hG4bK1",
        None,
        &[&agent],
        &sdp("0 8 101"),
    );
    let rej = response(&inv, 488, Some("b"), &[]);
    let ack = request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], "");
    let steps = [
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &rej),
        Step::new(6, a(), b(), &ack),
    ];
    for cut_at in [
        inv.find("Content-Type").unwrap(),
        inv.find("m=audio").unwrap() + 12,
    ] {
        let snaplen = FRAME_HEADERS + cut_at;
        assert!(rej.len() < cut_at && ack.len() < cut_at);
        let t = analyze_snapped(&steps, snaplen);
        let c = only(&t);
        assert_eq!(c.final_code(), Some(488));
        let f = finding(c, "codec-reject");
        assert_eq!(f.severity, Severity::Failure);
        assert!(
            f.text
                .contains("the SDP of this INVITE was cut by the capture's snap length")
                && !f.text.contains("no SDP offer")
                && !f.text.contains("lists no media")
                && !f.text.contains("offered"),
            "{}",
            f.text
        );
    }
}

/// A 503 whose Retry-After line the snap length cut: still an overload
/// (its status line survived), but not "without Retry-After".
#[test]
fn a_retry_after_cut_by_the_snap_length_is_not_a_missing_one() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], "");
    let warning = format!("Warning: 399 b \"{}\"", "busy ".repeat(40));
    let busy = response(&inv, 503, Some("b"), &[&warning, "Retry-After: 120"]);
    let ack = request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], "");
    let steps = [
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &busy),
        Step::new(6, a(), b(), &ack),
    ];
    let snaplen = FRAME_HEADERS + busy.find("Retry-After").unwrap() + 6;
    assert!(FRAME_HEADERS + inv.len() <= snaplen);
    let t = analyze_snapped(&steps, snaplen);
    let c = only(&t);
    assert_eq!(c.final_code(), Some(503));
    let f = finding(c, "overload");
    assert_eq!(f.severity, Severity::Failure);
    assert!(
        !f.text.contains("without Retry-After")
            && f.text.contains("cut by the capture's snap length"),
        "{}",
        f.text
    );
    // Uncut, the Retry-After is read.
    let t = analyze_snapped(&steps, 65535);
    assert!(
        finding(only(&t), "overload")
            .text
            .contains("retry in 2 minutes")
    );
}

/// A 2xx resent while the caller's ACKs were cut by the snap length to
/// nothing that tells their call: whether an ACK came back cannot be
/// told, so no "no ACK came back".
#[test]
fn acks_cut_by_the_snap_length_are_not_missing_ones() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], "");
    let ok = response(&inv, 200, Some("b"), &[]);
    // An ACK with a long Request-URI: its request line alone is longer
    // than the snap length.
    let ack = request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], "").replacen(
        "sip:bob@example.com",
        &format!("sip:bob@example.com;x={}", "y".repeat(600)),
        1,
    );
    let snaplen = FRAME_HEADERS + inv.len().max(ok.len()) + 10;
    assert!(ack.find("\r\n").unwrap() + FRAME_HEADERS > snaplen);
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 180, Some("b"), &[])),
    ];
    for t in [1000, 1500, 2500, 4500, 8500] {
        steps.push(Step::new(t, b(), a(), &ok));
        steps.push(Step::new(t + 10, a(), b(), &ack));
    }
    steps.extend(later(60_000));
    let t = analyze_snapped(&steps, snaplen);
    let c = &t.calls[0];
    assert_eq!((c.call_id.as_str(), c.final_code()), ("c", Some(200)));
    assert!(
        c.findings.iter().all(|f| !f.text.contains("no ACK")),
        "{:#?}",
        c.findings
    );
    // Whole, the ACKs are there; without them at all, no-ack says so.
    let no_acks: Vec<Step> = steps
        .iter()
        .filter(|s| !s.sip.starts_with("ACK"))
        .cloned()
        .collect();
    let t = analyze_snapped(&no_acks, snaplen);
    assert!(
        finding(&t.calls[0], "no-ack")
            .text
            .contains("no ACK came back")
    );
}

#[test]
fn answered_call_facts() {
    let t = analyze(&answered_call("c1", 0, 60_000));
    let c = only(&t);
    assert_eq!(c.call_id, "c1");
    assert_eq!(c.method, Method::INVITE);
    assert_eq!(c.final_code(), Some(200));
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(c.msgs.len(), 7);
    assert_eq!(c.retransmissions, 0);
    assert_eq!(c.first_provisional_ms, Some(5));
    assert_eq!(c.pdd_ms, Some(800));
    assert_eq!(c.answer_ms, Some(4000));
    assert_eq!(t.endpoint_str(c.src), "10.0.0.1:5060");
    assert_eq!(t.endpoint_str(c.dst), "10.0.0.2:5060");
    assert_eq!(
        t.endpoint_str(c.final_response().unwrap().src),
        "10.0.0.2:5060"
    );
    assert_eq!(t.from_uri(c), "sip:alice@example.com");
    assert_eq!(t.to_uri(c), "sip:bob@example.com");
    assert_eq!(c.start_ns, Some(T0_NS));
    assert_eq!(c.end_ns, Some(T0_NS + 60_010_000_000));
    // INVITE, ACK (2xx: own branch), BYE.
    assert_eq!(c.txns.len(), 3);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

#[test]
fn responses_stamped_before_the_request_give_no_timings() {
    // The 180 and the 200 carry times before the INVITE's (the capture
    // points' clocks differ): no interval, and a problem line says so.
    let mut steps = answered_call("c1", 0, 60_000);
    steps[2].ms = -100;
    steps[3].ms = -50;
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(c.first_provisional_ms, None);
    assert_eq!(c.pdd_ms, None);
    assert_eq!(c.answer_ms, None);
    assert_eq!(t.problem_count, 1);
    assert!(
        t.problems[0]
            .text
            .contains("stamped before its request (1 call)"),
        "{:?}",
        t.problems
    );
    // A failure stamped before its request counts too (its set-up time
    // is left out of the failed set-ups' SRD).
    let mut steps = rejected_call("c2", 0, b(), 486, &[]);
    let last = steps.len() - 2;
    steps[last].ms = -500;
    let t = analyze(&steps);
    assert_eq!(t.problem_count, 1, "{:?}", t.problems);
    assert_eq!(only(&t).ms_since_start(only(&t).final_msg), None);
    // In order, the same call has its timings and no problem.
    let t = analyze(&answered_call("c1", 0, 60_000));
    assert_eq!(only(&t).pdd_ms, Some(800));
    assert_eq!(t.problem_count, 0);
}

/// A proxy's capture that begins after the caller's INVITE: the 100
/// Trying the proxy sent back answers an INVITE the trace does not hold,
/// so it is stamped before the trace's first request without any clock
/// being off. No problem, and the timings run from the relayed INVITE to
/// its answers (RFC 3261 §17.1.3: a response belongs to the transaction
/// of its top Via's branch).
#[test]
fn a_response_to_a_request_missing_from_the_trace_is_no_clock_difference() {
    let caller = request("INVITE", "px", 1, "z9hG4bKa", None, &[], &sdp("0"));
    let relayed = request("INVITE", "px", 1, "z9hG4bKk1", None, &[], &sdp("0"));
    let t = analyze(&[
        // The caller's INVITE to the proxy is not in the capture.
        Step::new(0, p(), a(), &response(&caller, 100, None, &[])),
        Step::new(10, p(), b(), &relayed),
        Step::new(100, b(), p(), &response(&relayed, 180, Some("b"), &[])),
        Step::new(105, p(), a(), &response(&caller, 180, Some("b"), &[])),
        Step::new(1000, b(), p(), &response(&relayed, 200, Some("b"), &[])),
        Step::new(1005, p(), a(), &response(&caller, 200, Some("b"), &[])),
    ]);
    assert_eq!(t.problem_count, 0, "{:?}", t.problems);
    let c = only(&t);
    assert_eq!(c.first_provisional_ms, Some(90));
    assert_eq!(c.pdd_ms, Some(90));
}

#[test]
fn duplicate_rule_drops_copies_within_10ms_and_counts_later_ones() {
    let mut steps = answered_call("c1", 0, 60_000);
    // The INVITE seen a second time 0.2 ms later (tcpdump -i any).
    let mut dup = steps[0].clone();
    dup.ms = 0;
    steps.insert(1, dup);
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.msgs.len(), 7);
    assert_eq!(c.duplicates, 1);
    assert_eq!(c.retransmissions, 0);
    assert_eq!(t.duplicates, 1);
    // Its frame is kept for --export-pcap.
    assert!(c.frames().any(|(_, f)| f == 2));

    // The same bytes 500 ms later: a retransmission.
    let mut steps = answered_call("c1", 0, 60_000);
    let mut re = steps[0].clone();
    re.ms = 500;
    steps.insert(2, re);
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.msgs.len(), 8);
    assert_eq!(c.duplicates, 0);
    assert_eq!(c.retransmissions, 1);
    assert!(c.msgs[2].has(flag::RETRANS));
}

#[test]
fn same_bytes_between_other_addresses_is_not_a_duplicate() {
    let mut steps = answered_call("c1", 0, 60_000);
    let mut other = steps[0].clone();
    other.src = p();
    steps.insert(1, other);
    let t = analyze(&steps);
    assert_eq!(only(&t).msgs.len(), 8);
    assert_eq!(only(&t).duplicates, 0);
}

#[test]
fn out_of_order_input_is_sorted() {
    let mut steps = answered_call("c1", 0, 60_000);
    steps.reverse();
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.final_code(), Some(200));
    assert_eq!(c.pdd_ms, Some(800));
    assert!(c.msgs.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));
}

#[test]
fn auth_retry_final_is_the_last_answer() {
    let inv1 = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ack1 = request("ACK", "c", 1, "z9hG4bK1", Some("x"), &[], "");
    let inv2 = request(
        "INVITE",
        "c",
        2,
        "z9hG4bK2",
        None,
        &["Proxy-Authorization: Digest username=\"alice\""],
        &sdp("0"),
    );
    let ch = response(
        &inv1,
        407,
        Some("x"),
        &["Proxy-Authenticate: Digest realm=\"r\", nonce=\"1\""],
    );
    let t = analyze(&[
        Step::new(0, a(), b(), &inv1),
        Step::new(10, b(), a(), &ch),
        Step::new(11, a(), b(), &ack1),
        Step::new(20, a(), b(), &inv2),
        Step::new(25, b(), a(), &response(&inv2, 100, None, &[])),
        Step::new(3000, b(), a(), &response(&inv2, 486, Some("y"), &[])),
    ]);
    let c = only(&t);
    assert_eq!(c.final_code(), Some(486));
    assert_eq!(c.outcome, Outcome::User);
    assert_eq!(c.primaries().count(), 2);
    // The ACK of the 407 belongs to the first INVITE's transaction.
    assert_eq!(c.msgs[2].method, Method::ACK);
    assert_eq!(c.msgs[2].txn, c.msgs[0].txn);
    assert!(!ids(c).contains(&"auth-loop"), "{:?}", ids(c));
}

#[test]
fn register_then_invite_in_one_call_id_is_an_invite_call() {
    let reg = request("REGISTER", "c", 1, "z9hG4bK1", None, &[], "");
    let inv = request("INVITE", "c", 2, "z9hG4bK2", None, &[], &sdp("0"));
    let t = analyze(&[
        Step::new(0, a(), b(), &reg),
        Step::new(5, b(), a(), &response(&reg, 200, Some("r"), &[])),
        Step::new(10, a(), b(), &inv),
        Step::new(15, b(), a(), &response(&inv, 180, Some("i"), &[])),
        Step::new(20, b(), a(), &response(&inv, 403, Some("i"), &[])),
    ]);
    let c = only(&t);
    assert_eq!(t.method_name(c.method), "INVITE");
    assert_eq!(c.final_code(), Some(403));
    assert_eq!(c.outcome, Outcome::Failure);
}

#[test]
fn forked_branches_are_kept_apart() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let t = analyze(&[
        Step::new(0, a(), p(), &inv),
        Step::new(100, p(), a(), &response(&inv, 180, Some("b1"), &[])),
        Step::new(150, p(), a(), &response(&inv, 180, Some("b2"), &[])),
        Step::new(900, p(), a(), &response(&inv, 200, Some("b2"), &[])),
    ]);
    let c = only(&t);
    assert_eq!(c.legs.len(), 2);
    assert_eq!(c.dialogs, 2, "a fork: two early dialogs");
    assert_eq!(c.msgs[1].leg, 1);
    assert_eq!(c.msgs[2].leg, 2);
    assert_eq!(c.final_response().unwrap().leg, 2);
    assert_eq!(c.outcome, Outcome::Answered);
}

/// Two forks each answering once are not a 2xx resent without ACK: each
/// fork's 200 is counted with its own To tag, and its ACK too.
#[test]
fn forked_answers_are_not_a_resent_2xx() {
    let inv = request("INVITE", "f", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ack = |tag: &str| request("ACK", "f", 1, &format!("z9hG4bKa{tag}"), Some(tag), &[], "");
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(100, p(), a(), &response(&inv, 180, Some("b1"), &[])),
        Step::new(150, p(), a(), &response(&inv, 180, Some("b2"), &[])),
        Step::new(900, p(), a(), &response(&inv, 200, Some("b1"), &[])),
        Step::new(950, p(), a(), &response(&inv, 200, Some("b2"), &[])),
    ];
    // The ACKs go end to end, past this capture point.
    let t = analyze(&steps);
    assert!(
        !ids(only(&t)).contains(&"no-ack"),
        "{:#?}",
        only(&t).findings
    );
    // Both acknowledged, the second 200 once more crossing its ACK.
    steps.push(Step::new(910, a(), p(), &ack("b1")));
    steps.push(Step::new(960, a(), p(), &ack("b2")));
    steps.push(Step::new(
        965,
        p(),
        a(),
        &response(&inv, 200, Some("b2"), &[]),
    ));
    let t = analyze(&steps);
    assert!(
        !ids(only(&t)).contains(&"no-ack"),
        "{:#?}",
        only(&t).findings
    );
    // One fork resending its 200 with no ACK for it is still found,
    // though the other fork was acknowledged.
    steps.truncate(6);
    for ms in [1450, 2450] {
        steps.push(Step::new(
            ms,
            p(),
            a(),
            &response(&inv, 200, Some("b2"), &[]),
        ));
    }
    let t = analyze(&steps);
    let f = finding(only(&t), "no-ack");
    assert_eq!(f.severity, Severity::Failure);
    assert!(f.evidence[0].text.contains("3 times"), "{:#?}", f.evidence);
}

/// One dialog however many tags the call's messages carry: the callee's
/// BYE has the caller's tag in its To, a 401's tag sets up nothing, a
/// registration sets up no dialog at all (RFC 3261 §12.1).
#[test]
fn dialogs_are_those_the_call_set_up() {
    let mut steps = answered_call("d", 0, 9000);
    // The callee hangs up instead: its BYE's To tag is the caller's.
    let bye = request("BYE", "d", 1, "z9hG4bKcb", Some("a-d"), &[], "");
    steps.truncate(5);
    steps.push(Step::new(9000, b(), a(), &bye));
    steps.push(Step::new(
        9010,
        a(),
        b(),
        &response(&bye, 200, Some("a-d"), &[]),
    ));
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.legs.len(), 2, "the caller's tag seen in a To");
    assert_eq!(c.dialogs, 1);
    // Responses sent to the Via's port, not the one the INVITE came from
    // (UDP without rport): still the call's dialog.
    let inv = request("INVITE", "v", 1, "z9hG4bKv1", None, &[], "");
    let via_port = crate::trace::testkit::ep("10.0.0.1:5062");
    let t = analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(20, b(), via_port, &response(&inv, 200, Some("ok"), &[])),
    ]);
    assert_eq!(only(&t).dialogs, 1);
    // A challenge with a tag, then the answer.
    let inv = request("INVITE", "e", 1, "z9hG4bKe1", None, &[], "");
    let inv2 = request(
        "INVITE",
        "e",
        2,
        "z9hG4bKe2",
        None,
        &["Authorization: Digest x"],
        "",
    );
    let t = analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 401, Some("ch"), &[])),
        Step::new(10, a(), b(), &inv2),
        Step::new(20, b(), a(), &response(&inv2, 200, Some("ok"), &[])),
    ]);
    assert_eq!(only(&t).dialogs, 1);
    // A registration.
    let reg = request("REGISTER", "r", 1, "z9hG4bKr", None, &[], "");
    let t = analyze(&[
        Step::new(0, a(), b(), &reg),
        Step::new(5, b(), a(), &response(&reg, 200, Some("rr"), &[])),
    ]);
    assert_eq!(only(&t).dialogs, 0);
}

/// A registration answered, then refused at its refresh an hour later:
/// it stands as refused and was not "answered after 30 ms"; the report
/// writes the hour as one.
#[test]
fn a_refused_refresh_is_not_answered() {
    let reg = request("REGISTER", "r", 1, "z9hG4bKr1", None, &[], "");
    let again = request("REGISTER", "r", 2, "z9hG4bKr2", None, &[], "");
    let t = analyze(&[
        Step::new(0, a(), b(), &reg),
        Step::new(30, b(), a(), &response(&reg, 200, Some("rr"), &[])),
        Step::new(3_600_000, a(), b(), &again),
        Step::new(3_600_030, b(), a(), &response(&again, 403, Some("rr"), &[])),
    ]);
    let c = only(&t);
    assert_eq!(c.final_code(), Some(403));
    assert_eq!(c.answer_ms, None);
    let facts = super::report::call::facts(&t, crate::kb::Kb::embedded(), c);
    let fin = &facts.iter().find(|(k, _)| k == "Final").unwrap().1;
    assert!(fin.contains("after 1 h 0 min;"), "{fin}");
    assert!(
        !facts.iter().any(|(_, v)| v.contains("answered after")),
        "{facts:?}"
    );
    // Answered: the time to the 2xx that is the final response.
    let t = analyze(&[
        Step::new(0, a(), b(), &reg),
        Step::new(30, b(), a(), &response(&reg, 200, Some("rr"), &[])),
    ]);
    assert_eq!(only(&t).answer_ms, Some(30));
    let t = analyze(&answered_call("c", 0, 60_000));
    assert_eq!(only(&t).answer_ms, Some(4000));
}

#[test]
fn proxied_call_final_comes_from_the_proxy() {
    let up = request("INVITE", "c", 1, "z9hG4bKup", None, &[], &sdp("0"));
    let down = up.replacen(
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup",
        "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKdown\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKup",
        1,
    );
    let t = analyze(&[
        Step::new(0, a(), p(), &up),
        Step::new(2, p(), b(), &down),
        Step::new(50, b(), p(), &response(&down, 486, Some("b"), &[])),
        Step::new(52, p(), a(), &response(&up, 486, Some("b"), &[])),
    ]);
    let c = only(&t);
    assert_eq!(c.txns.len(), 2);
    assert_eq!(c.final_code(), Some(486));
    assert_eq!(
        t.endpoint_str(c.final_response().unwrap().src),
        "10.0.0.9:5060"
    );
    assert_eq!(t.endpoint_str(c.src), "10.0.0.1:5060");
}

#[test]
fn rfc2543_transactions_fall_back_to_cseq_and_tags() {
    let inv = request("INVITE", "c", 1, "1234", None, &[], &sdp("0"));
    let ack = request("ACK", "c", 1, "1234", Some("b"), &[], "");
    let t = analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(10, b(), a(), &response(&inv, 404, Some("b"), &[])),
        Step::new(12, a(), b(), &ack),
    ]);
    let c = only(&t);
    assert!(c.txns[0].rfc2543);
    assert_eq!(c.txns.len(), 1, "the ACK of the 404 matches the INVITE");
    assert_eq!(c.final_code(), Some(404));
}

#[test]
fn pending_until_64_t1_then_a_timeout_failure() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let t = analyze(&[Step::new(0, a(), b(), &inv)]);
    assert_eq!(only(&t).outcome, Outcome::Pending);
    assert!(only(&t).findings.is_empty());

    let mut steps = vec![Step::new(0, a(), b(), &inv)];
    steps.extend(later(40_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Failure);
    assert_eq!(c.final_code(), None);
    assert_eq!(ids(c), vec!["no-response"]);
}

#[test]
fn ringing_without_answer_is_pending_until_bye_cancel_or_timer_c() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ringing = |tail: i64, bye: bool| {
        let mut steps = vec![
            Step::new(0, a(), b(), &inv),
            Step::new(100, b(), a(), &response(&inv, 180, Some("b"), &[])),
        ];
        if bye {
            let c = request("CANCEL", "c", 1, "z9hG4bK1", None, &[], "");
            steps.push(Step::new(20_000, a(), b(), &c));
        }
        steps.extend(later(tail));
        analyze(&steps)
    };
    // Still ringing 60 s later: pending, not a failure.
    assert_eq!(
        ringing(60_000, false).call("c").unwrap().outcome,
        Outcome::Pending
    );
    // The caller gave up (CANCEL) and the INVITE got no final response
    // in the 64*T1 after it: failure.
    assert_eq!(
        ringing(60_000, true).call("c").unwrap().outcome,
        Outcome::Failure
    );
    // The trace ends before the 487 is overdue: pending, not a failure.
    assert_eq!(
        ringing(30_000, true).call("c").unwrap().outcome,
        Outcome::Pending
    );
    // Nothing for more than Timer C after the last message: failure.
    assert_eq!(
        ringing(200_000, false).call("c").unwrap().outcome,
        Outcome::Failure
    );
}

/// Two inputs from different days: a call still ringing at the end of
/// the first is pending, as it is in that input alone, and not silent
/// until the end of the second (no-response after "23 h"). Inputs that
/// follow each other (a rotated capture) are one stretch: the same call
/// fails after Timer C there.
#[test]
fn a_call_is_judged_by_the_stretch_of_trace_that_holds_it() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ringing = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(100, b(), a(), &response(&inv, 180, Some("b"), &[])),
    ];
    let run = |next_ms: i64| {
        let mut an = super::model::Analyzer::new(Options::default());
        feed_file(&mut an, 0, &ringing);
        feed_file(&mut an, 1, &answered_call("next", next_ms, 300_000));
        an.finish(Vec::new(), crate::kb::Kb::embedded())
    };
    let day = 86_400_000;
    let t = run(day);
    assert_eq!(t.coverage.len(), 2);
    assert!(
        t.problems.iter().any(|p| p.file == 1
            && p.text
                .contains("begin 23 h 59 min after the other inputs' end")
            && p.text.contains("as if the capture had stopped")),
        "{:?}",
        t.problems
    );
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Pending);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    // The second input starts a minute later: one stretch, 6 minutes on.
    let t = run(60_000);
    assert_eq!(t.coverage.len(), 1);
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Failure);
    assert_eq!(ids(c), vec!["no-response"]);
}

#[test]
fn keep_selected_calls_bytes() {
    let mut steps = answered_call("keep-me", 0, 10_000);
    steps.extend(answered_call("other", 20, 10_000));
    let t = analyze_with(
        &steps,
        Options {
            keep: Keep::Calls(vec![b"keep".to_vec()]),
            ..Options::default()
        },
    );
    let k = t.call("keep-me").unwrap();
    assert_eq!(k.raw.len(), 7);
    assert!(k.raw_of(0).unwrap().starts_with(b"INVITE "));
    assert!(t.call("other").unwrap().raw.is_empty());

    // Past the limit, bytes stop being kept and a problem says so.
    let t = analyze_with(
        &steps,
        Options {
            keep: Keep::All,
            keep_limit: 2000,
        },
    );
    assert!(t.calls.iter().map(|c| c.raw.len()).sum::<usize>() < 14);
    assert!(
        t.problems
            .iter()
            .any(|p| p.text.contains("summarised only"))
    );
}

#[test]
fn messages_without_start_line_or_call_id_are_problems() {
    let t = analyze(&[
        Step::new(0, a(), b(), "garbage\r\n\r\n"),
        Step::new(
            1,
            a(),
            b(),
            "OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n",
        ),
    ]);
    assert!(t.calls.is_empty());
    assert_eq!(t.skipped, 2);
    assert_eq!(t.problems.len(), 2);
    assert!(t.problems[1].text.contains("Call-ID"));
}

// --- Findings: each on a trace built for it, and a harmless case. ---

#[test]
fn no_response_retransmitted_invite() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps: Vec<Step> = [0, 500, 1500, 3500, 7500, 15500, 31500]
        .iter()
        .map(|&ms| Step::new(ms, a(), b(), &inv))
        .collect();
    steps.extend(later(40_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!(c.retransmissions, 6);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(f.code, Some(408));
    assert!(f.text.contains("sent 7 times"), "{}", f.text);
    assert!(f.text.contains("10.0.0.2:5060"));
    assert_eq!(f.evidence[0].msg, Some(0));
}

/// A request resent and not answered when the trace ends, before its
/// client would give up (64*T1): the call is pending, and the finding a
/// warning that says the trace ends too soon to know, not a failure.
#[test]
fn no_response_cut_short_by_the_trace_end() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps: Vec<Step> = [0, 500, 1500, 3500, 7500]
        .iter()
        .map(|&ms| Step::new(ms, a(), b(), &inv))
        .collect();
    steps.extend(later(9_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Pending);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("sent 5 times"), "{}", f.text);
    assert!(
        f.text.contains("not answered before the trace ends"),
        "{}",
        f.text
    );
    assert!(!f.text.contains("never answered"), "{}", f.text);

    // An OPTIONS ping of its own, resent and cut short the same way.
    let opt = request("OPTIONS", "o", 1, "z9hG4bKo", None, &[], "");
    let mut steps: Vec<Step> = [0, 500, 1500, 3500]
        .iter()
        .map(|&ms| Step::new(ms, a(), b(), &opt))
        .collect();
    steps.extend(later(5_000));
    let t = analyze(&steps);
    let c = t.call("o").unwrap();
    assert_eq!(c.outcome, Outcome::Pending);
    assert_eq!(finding(c, "no-response").severity, Severity::Warning);
}

/// A log without times (ngrep without `-t`): every finding that would
/// give a duration says the time is missing, or leaves the figure out,
/// instead of a made-up `0 ms`.
#[test]
fn a_trace_without_times_gives_no_made_up_durations() {
    let texts = |c: &Call| -> Vec<String> {
        c.findings
            .iter()
            .flat_map(|f| {
                std::iter::once(f.text.to_string())
                    .chain(f.evidence.iter().map(|e| e.text.to_string()))
            })
            .collect()
    };
    let no_zero = |c: &Call| {
        let all = texts(c);
        assert!(
            all.iter().all(|t| !t.contains(" 0 ms")),
            "{}: {all:#?}",
            c.call_id
        );
        all
    };
    // An INVITE resent with no answer (the QA case: "0 ms after the first
    // copy"): whether it timed out cannot be told.
    let inv = request("INVITE", "dead", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let steps: Vec<Step> = (0..6).map(|_| Step::new(0, a(), b(), &inv)).collect();
    let t = analyze_untimed(&steps);
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::Pending);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("sent 6 times"), "{}", f.text);
    assert!(
        f.text.contains("the trace has no times")
            && f.text.contains("cannot be told")
            && !f.text.contains("after the first copy"),
        "{}",
        f.text
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.contains("the trace has no times") && e.text.contains("unknown")),
        "{:#?}",
        f.evidence
    );
    no_zero(c);

    // Resent before any response: how long it took is not known.
    let inv = request("INVITE", "slow", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ack = request("ACK", "slow", 1, "z9hG4bK2", Some("b"), &[], "");
    let t = analyze_untimed(&[
        Step::new(0, a(), b(), &inv),
        Step::new(0, a(), b(), &inv),
        Step::new(0, a(), b(), &inv),
        Step::new(0, b(), a(), &response(&inv, 100, None, &[])),
        Step::new(0, b(), a(), &response(&inv, 200, Some("b"), &[])),
        Step::new(0, a(), b(), &ack),
    ]);
    let c = only(&t);
    let f = finding(c, "slow-setup");
    assert!(
        f.text.contains("until the INVITE had been sent 3 times")
            && f.text.contains("how long it took is unknown"),
        "{}",
        f.text
    );
    no_zero(c);

    // A 2xx resent three times before its ACK: a late ACK, with no time.
    let inv = request("INVITE", "late", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ok = response(&inv, 200, Some("b"), &[]);
    let ack = request("ACK", "late", 1, "z9hG4bK2", Some("b"), &[], "");
    let t = analyze_untimed(&[
        Step::new(0, a(), b(), &inv),
        Step::new(0, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(0, b(), a(), &ok),
        Step::new(0, b(), a(), &ok),
        Step::new(0, b(), a(), &ok),
        Step::new(0, a(), b(), &ack),
    ]);
    let c = only(&t);
    let f = finding(c, "no-ack");
    assert!(f.text.contains("came late"), "{}", f.text);
    assert!(
        f.evidence
            .iter()
            .any(|e| &*e.text == "ACK only after 3 copies of the answer"),
        "{:#?}",
        f.evidence
    );
    no_zero(c);
    // The ACK sent at once, the 2xx resent anyway.
    let t = analyze_untimed(&[
        Step::new(0, a(), b(), &inv),
        Step::new(0, b(), a(), &ok),
        Step::new(0, a(), b(), &ack),
        Step::new(0, b(), a(), &ok),
        Step::new(0, b(), a(), &ok),
    ]);
    let c = only(&t);
    let f = finding(c, "no-ack");
    assert!(
        f.text.contains("sent its ACK after the first"),
        "{}",
        f.text
    );
    no_zero(c);

    // A failure never acknowledged, a BYE instead.
    let inv = request("INVITE", "nak", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let bye = request("BYE", "nak", 2, "z9hG4bK2", Some("b"), &[], "");
    let t = analyze_untimed(&[
        Step::new(0, a(), b(), &inv),
        Step::new(0, b(), a(), &response(&inv, 403, Some("b"), &[])),
        Step::new(0, a(), b(), &bye),
    ]);
    let c = only(&t);
    let f = finding(c, "no-ack");
    assert!(
        f.evidence
            .iter()
            .any(|e| &*e.text == "BYE sent instead, after the response"),
        "{:#?}",
        f.evidence
    );
    no_zero(c);

    // The caller's BYE while the INVITE rang, never ended with 487.
    let inv = request("INVITE", "early", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let bye = request("BYE", "early", 2, "z9hG4bK2", Some("b"), &[], "");
    let t = analyze_untimed(&[
        Step::new(0, a(), b(), &inv),
        Step::new(0, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(0, a(), b(), &bye),
        Step::new(0, b(), a(), &response(&bye, 200, None, &[])),
    ]);
    let c = only(&t);
    let f = finding(c, "early-bye");
    assert!(
        f.evidence
            .iter()
            .any(|e| &*e.text == "BYE from the caller after the INVITE"),
        "{:#?}",
        f.evidence
    );
    no_zero(c);
}

#[test]
fn no_response_408_from_a_proxy() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let t = analyze(&[
        Step::new(0, a(), p(), &inv),
        Step::new(10, p(), a(), &response(&inv, 100, None, &[])),
        Step::new(32_000, p(), a(), &response(&inv, 408, Some("p"), &[])),
    ]);
    let f = finding(only(&t), "no-response");
    assert!(
        f.text.contains("10.0.0.9:5060 answered INVITE with 408"),
        "{}",
        f.text
    );
}

/// Only provisional responses, for longer than the client or a proxy
/// waits: a REGISTER past Timer F, an INVITE ringing past Timer C. The
/// failure group gets a sentence instead of none.
#[test]
fn no_response_after_provisional_only() {
    // REGISTER, 100 Trying, then nothing; the trace goes on 60 s.
    let reg = request("REGISTER", "c", 1, "z9hG4bK1", None, &[], "");
    let mut steps = vec![
        Step::new(0, a(), b(), &reg),
        Step::new(5, b(), a(), &response(&reg, 100, None, &[])),
    ];
    steps.extend(later(60_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Failure);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Failure);
    assert!(
        f.text.contains("100 Trying but sent no final response"),
        "{}",
        f.text
    );
    assert!(f.text.contains("Timer F"), "{}", f.text);
    // Within 64*T1 it is pending, with no finding.
    let mut short = steps[..2].to_vec();
    short.extend(later(20_000));
    let t = analyze(&short);
    assert!(!ids(t.call("c").unwrap()).contains(&"no-response"));

    // INVITE, 180, then silence for more than 3 minutes.
    let inv = request("INVITE", "r", 1, "z9hG4bKr", None, &[], &sdp("0"));
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 180, Some("b"), &[])),
    ];
    steps.extend(later(200_000));
    let t = analyze(&steps);
    let c = t.call("r").unwrap();
    assert_eq!(c.outcome, Outcome::Failure);
    let f = finding(c, "no-response");
    assert!(
        f.text.contains("180 Ringing and then nothing"),
        "{}",
        f.text
    );
    assert!(f.rfc.contains("§16.6"), "{}", f.rfc);
    // Ringing for 2 minutes: still pending, nothing said.
    let mut ringing = steps[..2].to_vec();
    ringing.extend(later(120_000));
    let t = analyze(&ringing);
    assert_eq!(t.call("r").unwrap().outcome, Outcome::Pending);
    assert!(!ids(t.call("r").unwrap()).contains(&"no-response"));
    // The caller hung up with CANCEL (accepted, then no 487): cancel-race
    // says it, not this.
    let cancel = request("CANCEL", "r", 1, "z9hG4bKr", None, &[], "");
    let mut cancelled = steps[..2].to_vec();
    cancelled.push(Step::new(30_000, a(), b(), &cancel));
    cancelled.push(Step::new(
        30_005,
        b(),
        a(),
        &response(&cancel, 200, Some("b"), &[]),
    ));
    cancelled.extend(later(200_000));
    let t = analyze(&cancelled);
    let c = t.call("r").unwrap();
    assert!(!ids(c).contains(&"no-response"), "{:?}", ids(c));
    assert!(ids(c).contains(&"cancel-race"), "{:?}", ids(c));
}

#[test]
fn no_response_negative_retransmission_then_answer() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(500, a(), b(), &inv),
        Step::new(600, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(900, b(), a(), &response(&inv, 200, Some("b"), &[])),
        Step::new(
            910,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], ""),
        ),
    ];
    steps.extend(later(40_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!(c.retransmissions, 1);
    assert!(!ids(c).contains(&"no-response"), "{:?}", ids(c));
}

fn answered_without_ack(ok_times: &[i64], bye_at: Option<i64>, ack_at: Option<i64>) -> Triage {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ok = response(
        &inv,
        200,
        Some("b"),
        &["Session-Expires: 1800;refresher=uac"],
    );
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 180, Some("b"), &[])),
    ];
    for &t in ok_times {
        steps.push(Step::new(t, b(), a(), &ok));
    }
    if let Some(t) = ack_at {
        steps.push(Step::new(
            t,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], ""),
        ));
    }
    if let Some(t) = bye_at {
        let bye = request("BYE", "c", 1, "z9hG4bK3", Some("a-c"), &[], "").replace(
            "Via: SIP/2.0/UDP 10.0.0.1:5060",
            "Via: SIP/2.0/UDP 10.0.0.2:5060",
        );
        steps.push(Step::new(t, b(), a(), &bye));
    }
    analyze(&steps)
}

#[test]
fn no_ack_2xx_retransmitted_then_bye_after_32s() {
    let t = answered_without_ack(
        &[1000, 1500, 2500, 4500, 8500, 12500, 16500],
        Some(33_000),
        None,
    );
    let c = only(&t);
    let f = finding(c, "no-ack");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(f.code, Some(200));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.contains("BYE from the callee 32.0 s")),
        "{:#?}",
        f.evidence
    );
    assert!(f.evidence[0].text.contains("7 times"));
}

/// The 2xx sent three times before the ACK: a late ACK. The ACK sent at
/// once and the 2xx resent anyway: the ACK does not reach the callee,
/// which is not "late" (the caller answered each copy).
#[test]
fn no_ack_late_ack_told_from_an_ack_that_never_arrives() {
    let t = answered_without_ack(&[1000, 1500, 2500], None, Some(2600));
    let f = finding(only(&t), "no-ack");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.text.contains("came late") && f.text.contains("3 times first"),
        "{}",
        f.text
    );
    // Two copies before the ACK and one crossing it on the wire: late.
    let t = answered_without_ack(&[1000, 1500, 2500], None, Some(2450));
    let f = finding(only(&t), "no-ack");
    assert!(f.text.contains("came late"), "{}", f.text);
    let t = answered_without_ack(&[1000, 1500, 2500], None, Some(1010));
    let f = finding(only(&t), "no-ack");
    assert!(!f.text.contains("late"), "{}", f.text);
    assert!(f.text.contains("does not reach it"), "{}", f.text);
    assert!(f.text.contains("10 ms after the first"), "{}", f.text);
}

#[test]
fn no_ack_negative_prompt_ack() {
    let t = answered_without_ack(&[1000], None, Some(1010));
    assert!(!ids(only(&t)).contains(&"no-ack"));
    // One retransmission and then the ACK: harmless too.
    let t = answered_without_ack(&[1000, 1500], None, Some(1510));
    assert!(!ids(only(&t)).contains(&"no-ack"));
}

/// The callee answered on its second early dialog (To tag `b2`); the ACK
/// that reaches it carries the first one's tag (`b1`, which has no 2xx)
/// and it stops resending: it took the ACK, but a tag was rewritten on
/// the way. A warning, not "no ACK came back". An ACK of another fork's
/// own 2xx does not count for this one.
#[test]
fn no_ack_an_ack_with_another_dialogs_tag_was_taken() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ack = |tag: &str, ms: i64| {
        Step::new(
            ms,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some(tag), &[], ""),
        )
    };
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(100, b(), a(), &response(&inv, 183, Some("b1"), &[])),
        Step::new(600, b(), a(), &response(&inv, 183, Some("b2"), &[])),
        Step::new(3000, b(), a(), &response(&inv, 200, Some("b2"), &[])),
        Step::new(3500, b(), a(), &response(&inv, 200, Some("b2"), &[])),
        ack("b1", 3700),
    ];
    steps.extend(later(160_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    let f = finding(c, "no-ack");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("mixed up the dialogs"), "{}", f.text);
    // An ACK with a tag the callee never sent, taken all the same: the
    // same warning, naming the tag as one it never sent (not "no ACK").
    let mut unknown = steps.clone();
    unknown[5] = ack("zz", 3700);
    let t = analyze(&unknown);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert_eq!(f.severity, Severity::Warning, "{}", f.text);
    assert!(f.text.contains("it never sent"), "{}", f.text);
    // Two forks answered: the ACK of b1's own 2xx is b1's; b2's resent
    // 2xx without its ACK is still unacknowledged.
    steps.insert(
        5,
        Step::new(3600, b(), a(), &response(&inv, 200, Some("b1"), &[])),
    );
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert_eq!(f.severity, Severity::Failure, "{}", f.text);
}

/// A capture of one direction: the caller's INVITE, its ACK of a 2xx
/// (own branch, To tag) and BYE, no response at all. The caller only does
/// that after an answer: answered, an info that the other direction is
/// missing, not "never answered: the next hop is down".
#[test]
fn a_capture_of_the_callers_side_only_is_not_a_dead_hop() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ack = request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], "");
    let bye = request("BYE", "c", 2, "z9hG4bK3", Some("b"), &[], "");
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(1000, a(), b(), &ack),
        Step::new(5000, a(), b(), &bye),
    ];
    steps.extend(later(50_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert!(c.one_way);
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Answered));
    assert_eq!(ids(c), ["no-response"]);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.text.contains("misses the other direction"), "{}", f.text);
    // Resent to Timer B, then acknowledged on its own branch: a failure
    // response did come (the ACK of a non-2xx, RFC 3261 §17.1.1.3), so the
    // capture misses the other direction, whatever the resends say.
    let ack_failure = request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], "");
    let mut steps: Vec<Step> = (0..7)
        .map(|k| Step::new(500 * ((1 << k) - 1), a(), b(), &inv))
        .collect();
    steps.push(Step::new(31_900, a(), b(), &ack_failure));
    steps.extend(later(50_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert!(c.one_way);
    assert_ne!(c.outcome, Outcome::Failure);
    // An INVITE resent to Timer B heard nothing: a BYE from that caller
    // does not make the capture one-way (a dead hop, a confused client).
    let mut steps: Vec<Step> = (0..7)
        .map(|k| Step::new(500 * ((1 << k) - 1), a(), b(), &inv))
        .collect();
    steps.push(Step::new(32_500, a(), b(), &bye));
    steps.extend(later(50_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert!(!c.one_way);
    assert_eq!(c.outcome, Outcome::Failure);
    // A registration retried with credentials got a challenge the capture
    // missed: one-way too, its outcome unknown.
    let r1 = request("REGISTER", "r", 1, "z9hG4bKr1", None, &[], "");
    let r2 = request(
        "REGISTER",
        "r",
        2,
        "z9hG4bKr2",
        None,
        &["Authorization: Digest username=\"alice\", nonce=\"n\""],
        "",
    );
    let mut steps = vec![Step::new(0, a(), b(), &r1), Step::new(20, a(), b(), &r2)];
    steps.extend(later(50_000));
    let t = analyze(&steps);
    let c = t.call("r").unwrap();
    assert!(c.one_way);
    assert_eq!(c.outcome, Outcome::Pending);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.text.contains("sent credentials"), "{}", f.text);
    // Without the in-dialog requests it is a request never answered.
    let mut steps = vec![Step::new(0, a(), b(), &inv)];
    steps.extend(later(50_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert!(!c.one_way);
    assert_eq!(c.outcome, Outcome::Failure);
    assert_eq!(finding(c, "no-response").severity, Severity::Failure);
}

#[test]
fn slow_setup_post_dial_delay_and_missing_trying() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let t = analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(500, a(), b(), &inv),
        Step::new(1500, a(), b(), &inv),
        Step::new(7200, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(9000, b(), a(), &response(&inv, 200, Some("b"), &[])),
        Step::new(
            9010,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], ""),
        ),
    ]);
    let c = only(&t);
    assert_eq!(c.pdd_ms, Some(7200));
    let f = finding(c, "slow-setup");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("Post-dial delay 7.2 s"), "{}", f.text);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.contains("before any answer")),
        "{:#?}",
        f.evidence
    );
    assert_eq!(
        c.findings.iter().filter(|f| f.id == "slow-setup").count(),
        1
    );
}

#[test]
fn relayed_copies_are_not_retransmissions() {
    // A transparent element (no Via of its own) relays the INVITE and the
    // answers unchanged: the same transaction on two paths, each copy sent
    // once. Neither a retransmission nor a missing 100 Trying.
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ring = response(&inv, 180, Some("b"), &[]);
    let ok = response(&inv, 200, Some("b"), &[]);
    let t = analyze(&[
        Step::new(0, a(), p(), &inv),
        Step::new(2, p(), b(), &inv),
        Step::new(300, b(), p(), &ring),
        Step::new(302, p(), a(), &ring),
        Step::new(900, b(), p(), &ok),
        Step::new(902, p(), a(), &ok),
        Step::new(
            910,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], ""),
        ),
    ]);
    let c = only(&t);
    assert_eq!(c.retransmissions, 0);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

#[test]
fn slow_setup_negative_quick_trying_late_answer() {
    // 100 at once, ringing at 2 s, answered after 30 s: the callee took
    // long to pick up, which is not a slow set-up.
    let t = analyze(&answered_call("c", 0, 40_000));
    assert!(!ids(only(&t)).contains(&"slow-setup"));
}

fn register_chain(second: (u16, &[&str]), second_has_creds: bool, third: Option<u16>) -> Triage {
    let r1 = request("REGISTER", "c", 1, "z9hG4bK1", None, &[], "");
    let creds: &[&str] = if second_has_creds {
        &["Authorization: Digest username=\"alice\", nonce=\"1\""]
    } else {
        &[]
    };
    let r2 = request("REGISTER", "c", 2, "z9hG4bK2", None, creds, "");
    let r3 = request(
        "REGISTER",
        "c",
        3,
        "z9hG4bK3",
        None,
        &["Authorization: Digest username=\"alice\", nonce=\"2\""],
        "",
    );
    let mut steps = vec![
        Step::new(0, a(), b(), &r1),
        Step::new(
            5,
            b(),
            a(),
            &response(
                &r1,
                401,
                Some("r"),
                &["WWW-Authenticate: Digest realm=\"x\", nonce=\"1\""],
            ),
        ),
        Step::new(10, a(), b(), &r2),
        Step::new(15, b(), a(), &response(&r2, second.0, Some("r"), second.1)),
    ];
    if let Some(code) = third {
        steps.push(Step::new(20, a(), b(), &r3));
        steps.push(Step::new(
            25,
            b(),
            a(),
            &response(&r3, code, Some("r"), &[]),
        ));
    }
    analyze(&steps)
}

#[test]
fn auth_loop_challenge_after_credentials() {
    let t = register_chain(
        (401, &["WWW-Authenticate: Digest realm=\"x\", nonce=\"2\""]),
        true,
        None,
    );
    let c = only(&t);
    assert_eq!(c.final_code(), Some(401));
    let f = finding(c, "auth-loop");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(f.code, Some(401));
    assert!(f.text.contains("challenged REGISTER again"), "{}", f.text);
}

/// The client tried once more and was challenged (or refused) again: the
/// loop still ends the call, so it stays a failure, and the call's last
/// answer is in the evidence.
#[test]
fn auth_loop_that_goes_on_to_the_end_is_a_failure() {
    let ch: &[&str] = &["WWW-Authenticate: Digest realm=\"x\", nonce=\"2\""];
    for last in [401, 403] {
        let t = register_chain((401, ch), true, Some(last));
        let c = only(&t);
        assert_eq!(c.final_code(), Some(last));
        let f = finding(c, "auth-loop");
        assert_eq!(f.severity, Severity::Failure, "{last}");
        if last == 403 {
            // The refusal is the finding's own answer.
            assert_eq!(f.code, Some(403));
            continue;
        }
        let final_msg = c.final_msg;
        assert!(
            f.evidence
                .iter()
                .any(|e| e.msg == Some(final_msg) && e.text.contains("the call ends on it")),
            "{last}: {:?}",
            f.evidence
        );
    }
}

#[test]
fn auth_loop_403_after_credentials() {
    let t = register_chain((403, &[]), true, None);
    let f = finding(only(&t), "auth-loop");
    assert_eq!(f.code, Some(403));
    assert!(f.text.contains("after authentication"), "{}", f.text);
}

#[test]
fn auth_loop_negative_stale_nonce_retry() {
    // 401, credentials, 401 stale=true, fresh credentials, 200: harmless.
    let t = register_chain(
        (
            401,
            &["WWW-Authenticate: Digest realm=\"x\", nonce=\"2\", stale=true"],
        ),
        true,
        Some(200),
    );
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::Answered);
    assert!(!ids(c).contains(&"auth-loop"), "{:?}", ids(c));
    // And the plain challenge-then-success.
    let t = register_chain((200, &[]), true, None);
    assert!(only(&t).findings.is_empty());
}

#[test]
fn auth_loop_negative_refresh_challenged_without_stale() {
    // REGISTER, 401, with credentials 200; a minute later the refresh with
    // the old nonce is challenged (no stale=true) and the retry succeeds.
    let reg = |cseq: u32, creds: bool| {
        let h: &[&str] = if creds {
            &["Authorization: Digest username=\"alice\", nonce=\"n\""]
        } else {
            &[]
        };
        request(
            "REGISTER",
            "c",
            cseq,
            &format!("z9hG4bK{cseq}"),
            None,
            h,
            "",
        )
    };
    let ch = &["WWW-Authenticate: Digest realm=\"x\", nonce=\"m\""];
    let (r1, r2, r3, r4) = (reg(1, false), reg(2, true), reg(3, true), reg(4, true));
    let t = analyze(&[
        Step::new(0, a(), b(), &r1),
        Step::new(5, b(), a(), &response(&r1, 401, Some("r"), ch)),
        Step::new(10, a(), b(), &r2),
        Step::new(15, b(), a(), &response(&r2, 200, Some("r"), &[])),
        Step::new(60_000, a(), b(), &r3),
        Step::new(60_005, b(), a(), &response(&r3, 401, Some("r"), ch)),
        Step::new(60_010, a(), b(), &r4),
        Step::new(60_015, b(), a(), &response(&r4, 200, Some("r"), &[])),
    ]);
    assert!(!ids(only(&t)).contains(&"auth-loop"), "{:?}", ids(only(&t)));
}

/// The same flow through a proxy, both hops in the capture: each request
/// and challenge is seen twice, and that is still one harmless refresh.
/// Only a refresh challenged and never retried, with the trace going on,
/// decides the call (the binding lapses).
#[test]
fn auth_through_a_proxy_counts_each_attempt_once() {
    let reg = |cseq: u32, creds: bool, via: &str| {
        let h: &[&str] = if creds {
            &["Authorization: Digest username=\"alice\", nonce=\"n\""]
        } else {
            &[]
        };
        let r = request(
            "REGISTER",
            "c",
            cseq,
            &format!("z9hG4bK{cseq}{via}"),
            None,
            h,
            "",
        );
        if via == "p" {
            r.replace(
                "Via: SIP/2.0/UDP 10.0.0.1:5060",
                "Via: SIP/2.0/UDP 10.0.0.9:5060",
            )
        } else {
            r
        }
    };
    let ch = &["WWW-Authenticate: Digest realm=\"x\", nonce=\"m\""];
    let registrar = ep("10.0.0.5:5060");
    let mut steps = Vec::new();
    let mut hop = |ms: i64, cseq: u32, creds: bool, code: Option<u16>| {
        let (r1, r2) = (reg(cseq, creds, "a"), reg(cseq, creds, "p"));
        steps.push(Step::new(ms, a(), p(), &r1));
        steps.push(Step::new(ms + 1, p(), registrar, &r2));
        if let Some(code) = code {
            let h: &[&str] = if code == 401 { ch } else { &[] };
            steps.push(Step::new(
                ms + 2,
                registrar,
                p(),
                &response(&r2, code, Some("r"), h),
            ));
            steps.push(Step::new(
                ms + 3,
                p(),
                a(),
                &response(&r1, code, Some("r"), h),
            ));
        }
    };
    hop(0, 1, false, Some(401));
    hop(10, 2, true, Some(200));
    hop(30_000, 3, true, Some(401));
    let mut retried = steps.clone();
    {
        let (r1, r2) = (reg(4, true, "a"), reg(4, true, "p"));
        retried.push(Step::new(30_010, a(), p(), &r1));
        retried.push(Step::new(30_011, p(), registrar, &r2));
        retried.push(Step::new(
            30_012,
            registrar,
            p(),
            &response(&r2, 200, Some("r"), &[]),
        ));
        retried.push(Step::new(
            30_013,
            p(),
            a(),
            &response(&r1, 200, Some("r"), &[]),
        ));
    }
    retried.extend(later(150_000));
    let t = analyze(&retried);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (Some(200), Outcome::Answered));
    assert!(!ids(c).contains(&"auth-loop"), "{:#?}", c.findings);

    // Never retried, the trace 2 minutes longer: the refresh failed.
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (Some(401), Outcome::Failure));
    let f = finding(c, "auth-loop");
    assert!(f.text.contains("2 challenges in this call"), "{}", f.text);
    assert_eq!(c.answer_ms, None);
}

/// A client that wrongly reuses its CSeq on each retry (same hop) still
/// loops: only copies relayed by another sender are one attempt.
#[test]
fn auth_loop_with_a_reused_cseq_on_one_hop_is_flagged() {
    let ch = &["WWW-Authenticate: Digest realm=\"x\", nonce=\"m\""];
    let mut steps = Vec::new();
    for k in 0..4 {
        let creds: &[&str] = if k == 0 {
            &[]
        } else {
            &["Authorization: Digest username=\"alice\", nonce=\"n\""]
        };
        let r = request("REGISTER", "c", 1, &format!("z9hG4bK{k}"), None, creds, "");
        steps.push(Step::new(k * 100, a(), b(), &r));
        steps.push(Step::new(
            k * 100 + 5,
            b(),
            a(),
            &response(&r, 401, Some("r"), ch),
        ));
    }
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.final_code(), Some(401));
    assert_eq!(finding(c, "auth-loop").severity, Severity::Failure);
}

/// `(ms, code)` per attempt of [`repeated`].
type Attempts<'a> = &'a [(i64, Option<u16>)];

/// A call of one method repeated under one Call-ID (registration
/// refreshes, keep-alive pings): `(ms, code)` per attempt, each attempt a
/// new transaction (`None`: no answer, its request sent once), then the
/// trace goes on until `end_ms`.
fn repeated(method: &str, attempts: Attempts<'_>, end_ms: i64) -> Triage {
    let ch = ["WWW-Authenticate: Digest realm=\"x\", nonce=\"m\""];
    let mut steps = Vec::new();
    for (n, &(ms, code)) in attempts.iter().enumerate() {
        let cseq = n as u32 + 1;
        let req = request(method, "c", cseq, &format!("z9hG4bK{cseq}"), None, &[], "");
        steps.push(Step::new(ms, a(), b(), &req));
        if let Some(code) = code {
            let h: &[&str] = if code == 401 { &ch } else { &[] };
            steps.push(Step::new(
                ms + 5,
                b(),
                a(),
                &response(&req, code, Some("r"), h),
            ));
        }
    }
    steps.extend(later(end_ms));
    analyze(&steps)
}

/// A REGISTER or OPTIONS call stands as its latest attempt does (RFC 3261
/// §10.2.4: a client refreshes its registration under one Call-ID), not
/// as its first answer did; challenges answered by a retry do not count.
#[test]
fn a_repeated_non_invite_call_stands_as_its_latest_attempt() {
    let state = |t: &Triage| {
        let c = t.call("c").unwrap();
        (c.final_code(), c.outcome)
    };
    let answered = |code| (Some(code), Outcome::Answered);
    let failed = |code| (Some(code), Outcome::Failure);
    let cases: [(&str, Attempts<'_>, i64, _); 7] = [
        // Registered, then a refresh is challenged and refused after the
        // credentials: failing now.
        (
            "REGISTER",
            &[
                (0, Some(401)),
                (10, Some(200)),
                (60_000, Some(401)),
                (60_010, Some(403)),
            ],
            61_000,
            failed(403),
        ),
        // Refreshes that keep working, the trace cut after a last
        // challenge: answered (by the first 200 of the run, below).
        (
            "REGISTER",
            &[
                (0, Some(401)),
                (10, Some(200)),
                (60_000, Some(401)),
                (60_010, Some(200)),
                (120_000, Some(401)),
            ],
            121_000,
            answered(200),
        ),
        // Pings: answered, then refused; refused, then answered again.
        (
            "OPTIONS",
            &[(0, Some(200)), (30_000, Some(503)), (60_000, Some(503))],
            61_000,
            failed(503),
        ),
        (
            "OPTIONS",
            &[(0, Some(503)), (30_000, Some(200))],
            31_000,
            answered(200),
        ),
        // Only challenges: the last one (an auth loop), as before.
        (
            "REGISTER",
            &[(0, Some(401)), (10, Some(401))],
            1_000,
            failed(401),
        ),
        // A refresh challenged and never retried, the trace going on past
        // 64*T1: the registration lapses.
        (
            "REGISTER",
            &[(0, Some(401)), (10, Some(200)), (30_000, Some(401))],
            150_000,
            failed(401),
        ),
        // A ping challenged keeps nothing: its answers stand.
        (
            "OPTIONS",
            &[(0, Some(200)), (5_000, Some(200)), (10_000, Some(407))],
            150_000,
            answered(200),
        ),
    ];
    for (method, attempts, end, want) in cases {
        assert_eq!(
            state(&repeated(method, attempts, end)),
            want,
            "{method} {attempts:?}"
        );
    }
    let (method, attempts, end, _) = cases[1];
    let t = repeated(method, attempts, end);
    let c = t.call("c").unwrap();
    assert_eq!(c.final_response().unwrap().time_ns, c.msgs[3].time_ns);
    // A refresh never answered: failing once its client has given up
    // (64*T1 = 32 s), still answered before that.
    let t = repeated(
        "REGISTER",
        &[(0, Some(200)), (60_000, None)],
        60_000 + 40_000,
    );
    assert_eq!(state(&t), (None, Outcome::Failure));
    assert!(ids(t.call("c").unwrap()).contains(&"no-response"));
    let t = repeated(
        "REGISTER",
        &[(0, Some(200)), (60_000, None)],
        60_000 + 5_000,
    );
    assert_eq!(state(&t), (Some(200), Outcome::Answered));
    // An INVITE call keeps its rule: the first 2xx of its own
    // transactions (a fork's 486 after it does not undo the answer).
    let inv = request("INVITE", "c", 1, "z9hG4bKi", None, &[], "");
    let t = analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 200, Some("x"), &[])),
        Step::new(6, p(), a(), &response(&inv, 486, Some("y"), &[])),
    ]);
    assert_eq!(state(&t), (Some(200), Outcome::Answered));
}

/// Glare: a re-INVITE answered 491 and retried with success is RFC 3261
/// §14.1 at work, not a failed request; without the successful retry it
/// still is one.
#[test]
fn glare_resolved_by_the_retry_is_not_a_failure() {
    let mut steps = answered_call("c", 0, 60_000);
    let re = |cseq: u32| {
        request(
            "INVITE",
            "c",
            cseq,
            &format!("z9hG4bKre{cseq}"),
            Some("b"),
            &[],
            &sdp("0"),
        )
    };
    let (r1, r2) = (re(10), re(11));
    steps.push(Step::new(20_000, a(), b(), &r1));
    steps.push(Step::new(
        20_005,
        b(),
        a(),
        &response(&r1, 491, Some("b"), &[]),
    ));
    let failed = analyze(&steps);
    assert!(ids(failed.call("c").unwrap()).contains(&"request-failed"));
    steps.push(Step::new(22_000, a(), b(), &r2));
    steps.push(Step::new(
        22_005,
        b(),
        a(),
        &response(&r2, 200, Some("b"), &[]),
    ));
    let t = analyze(&steps);
    assert!(
        !ids(t.call("c").unwrap()).contains(&"request-failed"),
        "{:?}",
        ids(t.call("c").unwrap())
    );
}

/// A 503 the client failed over from (the call was answered by another
/// server) is a warning about that server, not the call's failure.
#[test]
fn overload_after_a_successful_failover_is_a_warning() {
    let inv = |branch: &str| request("INVITE", "c", 1, branch, None, &[], &sdp("0"));
    let (i1, i2) = (inv("z9hG4bK1"), inv("z9hG4bK2"));
    let c3 = ep("10.0.0.3:5060");
    let mut steps = vec![
        Step::new(0, a(), c3, &i1),
        Step::new(5, c3, a(), &response(&i1, 503, Some("x"), &[])),
    ];
    let alone = analyze(&steps);
    assert_eq!(
        finding(alone.call("c").unwrap(), "overload").severity,
        Severity::Failure
    );
    steps.push(Step::new(10, a(), b(), &i2));
    steps.push(Step::new(15, b(), a(), &response(&i2, 200, Some("y"), &[])));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Answered);
    let f = finding(c, "overload");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("answered all the same"), "{}", f.text);
}

/// An INVITE call that went on after a final response stands as its
/// later attempt: ringing at the next server is pending (the 503 is a
/// warning), a retry with credentials never answered times out.
/// The later attempt is judged by its own transaction: the first
/// server resending its 503 (its ACK lost) is no answer to the failover,
/// which times out.
#[test]
fn a_failover_resent_503_is_no_answer_to_the_later_attempt() {
    let inv = |cseq: u32, branch: &str| request("INVITE", "c", cseq, branch, None, &[], &sdp("0"));
    let (i1, i2) = (inv(1, "z9hG4bK1"), inv(2, "z9hG4bK2"));
    let c3 = ep("10.0.0.3:5060");
    let busy = response(&i1, 503, Some("x"), &[]);
    let mut steps = vec![
        Step::new(0, a(), c3, &i1),
        Step::new(5, c3, a(), &busy),
        Step::new(40, a(), b(), &i2),
        Step::new(520, c3, a(), &busy),
    ];
    for k in 1..7 {
        steps.push(Step::new(40 + 500 * ((1 << k) - 1), a(), b(), &i2));
    }
    steps.extend(later(40_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Failure));
    // The group names the silent server, not the one failed over from.
    let calls: Vec<&Call> = t.calls.iter().collect();
    let g = super::report::groups(&calls, Outcome::Failure);
    assert_eq!(t.endpoint_str(g[0].peer), "10.0.0.2:5060");
}

/// A trace that ends right after the server a proxy tried first answered
/// 503 (the proxy had not passed it on: it may be trying the next server,
/// RFC 3261 §16.7): the caller has no final response, pending. The same
/// trace going on with no answer to the caller: the capture missed it,
/// and the 503 stands.
#[test]
fn a_trace_cut_while_the_proxy_may_fail_over_is_pending() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(1, p(), a(), &response(&inv, 100, None, &[])),
        Step::new(2, p(), uas(), &fwd),
        Step::new(200, uas(), p(), &response(&fwd, 503, Some("u"), &[])),
        Step::new(
            201,
            p(),
            uas(),
            &request("ACK", "c", 1, "z9hG4bK1p", Some("u"), &[], ""),
        ),
    ];
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Pending));
    let mut longer = steps;
    longer.extend(later(10_000));
    let t = analyze(&longer);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (Some(503), Outcome::Failure));
}

/// A proxy forks the caller's INVITE to two phones at once: one is busy,
/// the other still rings. The proxy answers the caller only when every
/// branch has (RFC 3261 §16.7): pending, not busy.
#[test]
fn a_parallel_fork_still_ringing_is_pending() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let via_p = |branch: &str| {
        inv.replace(
            "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1",
            &format!("Via: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1"),
        )
    };
    let (to_b, to_c) = (via_p("z9hG4bKpb"), via_p("z9hG4bKpc"));
    let c3 = ep("10.0.0.3:5060");
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(5, p(), a(), &response(&inv, 100, None, &[])),
        Step::new(10, p(), b(), &to_b),
        Step::new(20, p(), c3, &to_c),
        Step::new(300, b(), p(), &response(&to_b, 180, Some("tb"), &[])),
        Step::new(305, p(), a(), &response(&inv, 180, Some("tb"), &[])),
        Step::new(1000, c3, p(), &response(&to_c, 486, Some("tc"), &[])),
    ];
    steps.extend(later(10_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Pending));
    // Every branch done (the ringing one cancelled with 487): the proxy
    // has answered the caller, even when that answer is not captured.
    let mut done = steps.clone();
    done.push(Step::new(
        9_000,
        b(),
        p(),
        &response(&to_b, 487, Some("tb"), &[]),
    ));
    let t = analyze(&done);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (Some(487), Outcome::User));
    // When the proxy gives the caller the busy, the call is busy.
    steps.push(Step::new(
        12_000,
        p(),
        a(),
        &response(&inv, 486, Some("tc"), &[]),
    ));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (Some(486), Outcome::User));
    // The caller itself trying a second server with the same CSeq: that
    // server's answer to the caller is the call's.
    let c4 = ep("10.0.0.4:5060");
    let again = inv.replace("branch=z9hG4bK1", "branch=z9hG4bK2");
    let mut steps: Vec<Step> = (0..7)
        .map(|k| Step::new(500 * ((1 << k) - 1), a(), p(), &inv))
        .collect();
    steps.push(Step::new(32_000, a(), c4, &again));
    steps.push(Step::new(
        32_010,
        c4,
        a(),
        &response(&again, 404, Some("t4"), &[]),
    ));
    steps.extend(later(40_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (Some(404), Outcome::Failure));
}

#[test]
fn a_later_attempt_without_final_decides_the_call() {
    let inv = |cseq: u32, branch: &str| request("INVITE", "c", cseq, branch, None, &[], &sdp("0"));
    let (i1, i2) = (inv(1, "z9hG4bK1"), inv(2, "z9hG4bK2"));
    let c3 = ep("10.0.0.3:5060");
    let failover = |tail_ms: i64| {
        let mut steps = vec![
            Step::new(0, a(), c3, &i1),
            Step::new(5, c3, a(), &response(&i1, 503, Some("x"), &[])),
            Step::new(10, a(), b(), &i2),
            Step::new(15, b(), a(), &response(&i2, 100, None, &[])),
            Step::new(20, b(), a(), &response(&i2, 180, Some("y"), &[])),
        ];
        steps.extend(answered_call("later", tail_ms, 100));
        analyze(&steps)
    };
    let t = failover(38_000);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Pending));
    let f = finding(c, "overload");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("still going"), "{}", f.text);
    // Ringing past Timer C with nothing from the caller: failed.
    let t = failover(200_000);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Failure));

    // 407, then the retry with credentials resent and never answered.
    let auth = |tail_ms: i64| {
        let mut steps = vec![
            Step::new(0, a(), b(), &i1),
            Step::new(
                5,
                b(),
                a(),
                &response(
                    &i1,
                    407,
                    Some("x"),
                    &["Proxy-Authenticate: Digest realm=\"x\", nonce=\"n\""],
                ),
            ),
        ];
        let i2 = i2.replace(
            "Max-Forwards",
            "Proxy-Authorization: Digest username=\"a\"\r\nMax-Forwards",
        );
        for k in 0..7 {
            steps.push(Step::new(10 + 500 * ((1 << k) - 1), a(), b(), &i2));
        }
        steps.extend(answered_call("later", tail_ms, 100));
        analyze(&steps)
    };
    let t = auth(40_000);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Failure));
    assert!(ids(c).contains(&"no-response"), "{:?}", ids(c));
    // Before 64*T1 has passed since the retry, it may still be answered.
    let t = auth(20_000);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::Pending));

    // A failure after the retry still decides it.
    let steps = vec![
        Step::new(0, a(), c3, &i1),
        Step::new(5, c3, a(), &response(&i1, 503, Some("x"), &[])),
        Step::new(10, a(), b(), &i2),
        Step::new(15, b(), a(), &response(&i2, 404, Some("y"), &[])),
    ];
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!((c.final_code(), c.outcome), (Some(404), Outcome::Failure));
}

fn failing(code: u16, headers: &[&str]) -> Triage {
    analyze(&rejected_call("c", 0, b(), code, headers))
}

#[test]
fn overload_503_with_retry_after() {
    let t = failing(503, &["Retry-After: 120"]);
    let c = only(&t);
    let f = finding(c, "overload");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(f.code, Some(503));
    assert!(f.text.contains("retry in 2 minutes"), "{}", f.text);
    assert!(f.evidence.iter().any(|e| &*e.text == "Retry-After: 120"));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.contains("1 of its 1 final"))
    );
}

#[test]
fn overload_counts_per_server() {
    let mut steps = Vec::new();
    for i in 0..3 {
        let id = format!("c{i}");
        let inv = request("INVITE", &id, 1, &format!("z9hG4bK{i}"), None, &[], "");
        let code = if i < 2 { 503 } else { 200 };
        steps.push(Step::new(i * 100, a(), b(), &inv));
        steps.push(Step::new(
            i * 100 + 5,
            b(),
            a(),
            &response(&inv, code, Some("b"), &[]),
        ));
    }
    let t = analyze(&steps);
    let f = finding(t.call("c0").unwrap(), "overload");
    assert!(f.text.contains("2 of its 3 final responses"), "{}", f.text);
}

#[test]
fn overload_negative_busy_without_retry_after() {
    let t = failing(486, &[]);
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::User);
    assert!(!ids(c).contains(&"overload"));
    // 486 with Retry-After is noted, as information only.
    let t = failing(486, &["Retry-After: 300"]);
    assert_eq!(finding(only(&t), "overload").severity, Severity::Info);
}

#[test]
fn cause_decodes_reason_and_warning() {
    let t = failing(
        480,
        &[
            "Reason: Q.850;cause=18;text=\"No user responding\"",
            "Warning: 399 gw.example \"no answer\"",
        ],
    );
    let c = only(&t);
    let f = finding(c, "cause");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("Q.850 cause 18"), "{}", f.text);
    // RFC 3398 maps cause 18 (no user responding) to 408.
    assert_eq!(f.code, Some(408));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.starts_with("Warning: 399"))
    );
}

#[test]
fn cause_vendor_deviation_and_control_characters() {
    // Asterisk maps 503 from cause 34 (see assets/q850.toml deviations).
    let t = failing(503, &["Reason: Q.850;cause=34;text=\"evil\x1b[31m\""]);
    let f = finding(only(&t), "cause");
    let all: String = f.evidence.iter().map(|e| e.text.to_string()).collect();
    assert!(!all.contains('\x1b'), "escaped: {all}");
    assert!(all.contains("\\e[31m"));
    // The vendor notes are those about this code: Asterisk's 503 -> 34,
    // not its 513 -> 34 (a too-large message) nor its 408 -> 18.
    assert!(all.contains("maps 503 to"), "{all}");
    assert!(!all.contains("513"), "{all}");
    let t = failing(480, &["Reason: Q.850;cause=18"]);
    let all: String = finding(only(&t), "cause")
        .evidence
        .iter()
        .map(|e| e.text.to_string())
        .collect();
    assert!(!all.contains("maps 408"), "{all}");
}

#[test]
fn cause_negative_no_reason() {
    assert!(!ids(only(&failing(404, &[]))).contains(&"cause"));
}

fn cancelled(cancel_answer: u16, invite_after: Option<u16>, extra: Vec<Step>) -> Triage {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let cancel = request("CANCEL", "c", 1, "z9hG4bK1", None, &[], "");
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(10, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(3000, a(), b(), &cancel),
        Step::new(
            3005,
            b(),
            a(),
            &response(&cancel, cancel_answer, Some("b"), &[]),
        ),
    ];
    if let Some(code) = invite_after {
        steps.push(Step::new(
            3006,
            b(),
            a(),
            &response(&inv, code, Some("b"), &[]),
        ));
    }
    steps.extend(extra);
    analyze(&steps)
}

#[test]
fn cancel_race_481_to_cancel() {
    let t = cancelled(481, Some(487), vec![]);
    let f = finding(t.call("c").unwrap(), "cancel-race");
    assert_eq!(f.code, Some(481));
}

#[test]
fn cancel_race_200_after_cancel_without_bye() {
    let t = cancelled(200, Some(200), vec![]);
    let c = only(&t);
    let f = finding(c, "cancel-race");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("no ACK and no BYE"), "{}", f.text);
    // Handled properly (ACK and BYE follow): information only.
    let ack = request("ACK", "c", 1, "z9hG4bK8", Some("b"), &[], "");
    let bye = request("BYE", "c", 2, "z9hG4bK9", Some("b"), &[], "");
    let t = cancelled(
        200,
        Some(200),
        vec![
            Step::new(3010, a(), b(), &ack),
            Step::new(3011, a(), b(), &bye),
        ],
    );
    assert_eq!(
        finding(t.call("c").unwrap(), "cancel-race").severity,
        Severity::Info
    );
}

#[test]
fn cancel_race_no_487() {
    let t = cancelled(200, None, later(50_000));
    let f = finding(t.call("c").unwrap(), "cancel-race");
    assert_eq!(f.code, Some(487));
    assert_eq!(f.severity, Severity::Warning);
    // The caller's ACK on the INVITE's branch says a final response came:
    // the capture missed it, the callee did not fail to send it.
    let ack = request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], "");
    let mut extra = vec![Step::new(3010, a(), b(), &ack)];
    extra.extend(later(50_000));
    let t = cancelled(200, None, extra);
    let c = t.call("c").unwrap();
    assert_eq!((c.final_code(), c.outcome), (None, Outcome::User));
    let f = finding(c, "cancel-race");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.text.contains("not in the capture"), "{}", f.text);
}

#[test]
fn cancel_race_negative_normal_cancel() {
    let ack = request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], "");
    let t = cancelled(200, Some(487), vec![Step::new(3010, a(), b(), &ack)]);
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::User);
    assert_eq!(c.final_code(), Some(487));
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

fn transfer(notify: Option<u16>, tail_ms: i64) -> Triage {
    let mut steps = transfer_steps(notify);
    steps.extend(answered_call("later", tail_ms, 100));
    analyze(&steps)
}

/// An answered call, a REFER accepted at 10 s and, when asked, a NOTIFY
/// about it answered with `notify`.
fn transfer_steps(notify: Option<u16>) -> Vec<Step> {
    let mut steps = answered_call("c", 0, 600_000);
    steps.truncate(5);
    let refer = request(
        "REFER",
        "c",
        2,
        "z9hG4bKr",
        Some("b"),
        &["Refer-To: <sip:carol@example.com>"],
        "",
    );
    steps.push(Step::new(10_000, a(), b(), &refer));
    steps.push(Step::new(
        10_010,
        b(),
        a(),
        &response(&refer, 202, None, &[]),
    ));
    if let Some(code) = notify {
        let n = request(
            "NOTIFY",
            "c",
            1,
            "z9hG4bKn",
            Some("a-c"),
            &["Event: refer", "Subscription-State: active"],
            "",
        )
        .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
        steps.push(Step::new(10_020, b(), a(), &n));
        steps.push(Step::new(10_030, a(), b(), &response(&n, code, None, &[])));
    }
    steps
}

#[test]
fn refer_without_notify() {
    let t = transfer(None, 20_000);
    let f = finding(t.call("c").unwrap(), "refer-no-notify");
    assert_eq!(f.code, Some(202));
    assert!(f.text.contains("no NOTIFY"), "{}", f.text);
}

#[test]
fn refer_notify_answered_481() {
    let t = transfer(Some(481), 20_000);
    let f = finding(t.call("c").unwrap(), "refer-no-notify");
    assert_eq!(f.code, Some(481));
    assert!(f.text.contains("transfer's progress"), "{}", f.text);
    // Not also reported as a dialog timer problem.
    assert!(!ids(t.call("c").unwrap()).contains(&"timer"));
}

#[test]
fn refer_negative_notify_follows_or_trace_too_short() {
    let t = transfer(Some(200), 20_000);
    assert!(!ids(t.call("c").unwrap()).contains(&"refer-no-notify"));
    // The trace ends 1 s after the 202: too early to tell.
    let t = transfer(None, 10_500);
    assert!(!ids(t.call("c").unwrap()).contains(&"refer-no-notify"));
}

#[test]
fn refer_second_transfer_without_notify() {
    // The first REFER's NOTIFY does not answer for the second REFER.
    let mut steps = transfer_steps(Some(200));
    let refer = request(
        "REFER",
        "c",
        3,
        "z9hG4bKr2",
        Some("b"),
        &["Refer-To: <sip:dave@example.com>"],
        "",
    );
    steps.push(Step::new(15_000, a(), b(), &refer));
    steps.push(Step::new(
        15_010,
        b(),
        a(),
        &response(&refer, 202, None, &[]),
    ));
    let late = steps.clone();
    steps.extend(answered_call("later", 30_000, 100));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "refer-no-notify");
    assert_eq!(f.code, Some(202));
    assert!(
        f.evidence.iter().any(|e| e.msg == Some(9)),
        "{:#?}",
        f.evidence
    );
    // A NOTIFY after the second REFER that says it is about the first
    // (`id=2`, its CSeq) is none for the second; `id=3` is.
    for (id, flagged) in [(2, true), (3, false)] {
        let mut steps = late.clone();
        let n = request(
            "NOTIFY",
            "c",
            2,
            "z9hG4bKn2",
            Some("a-c"),
            &[
                &format!("Event: refer;id={id}"),
                "Subscription-State: active",
            ],
            "",
        )
        .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
        steps.push(Step::new(15_020, b(), a(), &n));
        steps.push(Step::new(15_030, a(), b(), &response(&n, 200, None, &[])));
        steps.extend(answered_call("later", 30_000, 100));
        let t = analyze(&steps);
        assert_eq!(
            ids(t.call("c").unwrap()).contains(&"refer-no-notify"),
            flagged,
            "id={id}"
        );
    }
}

#[test]
fn notify_481_of_another_subscription_is_a_dialog_problem() {
    let sub = request(
        "SUBSCRIBE",
        "s",
        1,
        "z9hG4bKs",
        None,
        &["Event: dialog", "Expires: 3600"],
        "",
    );
    let n = request(
        "NOTIFY",
        "s",
        1,
        "z9hG4bKn",
        Some("a-s"),
        &["Event: dialog", "Subscription-State: active"],
        "",
    )
    .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
    let steps = vec![
        Step::new(0, a(), b(), &sub),
        Step::new(10, b(), a(), &response(&sub, 200, Some("b"), &[])),
        Step::new(20, b(), a(), &n),
        Step::new(30, a(), b(), &response(&n, 481, None, &[])),
    ];
    let t = analyze(&steps);
    let c = only(&t);
    assert!(!ids(c).contains(&"refer-no-notify"), "{:#?}", c.findings);
    let f = finding(c, "timer");
    assert_eq!(f.code, Some(481));
    assert!(f.text.contains("NOTIFY"), "{}", f.text);
}

/// A trace that begins inside a call: a re-INVITE refused leaves the
/// session up (RFC 3261 §14.1), as it does when the set-up is in the
/// trace; a 481 says the dialog is gone.
#[test]
fn a_call_begun_before_the_trace_survives_a_refused_reinvite() {
    let run = |code: u16| {
        let re = request("INVITE", "c", 5, "z9hG4bKre", Some("b"), &[], &sdp("0"));
        let ack = request("ACK", "c", 5, "z9hG4bKre", Some("b"), &[], "");
        let bye = request("BYE", "c", 6, "z9hG4bKbye", Some("b"), &[], "");
        analyze(&[
            Step::new(0, a(), b(), &re),
            Step::new(10, b(), a(), &response(&re, code, None, &[])),
            Step::new(12, a(), b(), &ack),
            Step::new(5_000, a(), b(), &bye),
            Step::new(5_010, b(), a(), &response(&bye, 200, None, &[])),
        ])
    };
    let t = run(488);
    let c = only(&t);
    assert!(c.began_in_dialog);
    assert_eq!((c.final_code(), c.outcome), (Some(488), Outcome::Answered));
    assert_eq!(finding(c, "codec-reject").severity, Severity::Warning);
    let t = run(481);
    let c = only(&t);
    assert_eq!((c.final_code(), c.outcome), (Some(481), Outcome::Failure));
    // What ends the dialog or its invite usage (RFC 5057 §5.1) fails it;
    // what fails only the transaction leaves it up.
    for (code, outcome) in [
        (404, Outcome::Failure),
        (480, Outcome::Failure),
        (487, Outcome::Answered),
        (491, Outcome::Answered),
        (500, Outcome::Answered),
    ] {
        assert_eq!(only(&run(code)).outcome, outcome, "{code}");
    }
}

/// Calls are grouped by what their finding says, figures aside: two
/// transfers without NOTIFY (waits of 20 s and 30 s) are one group, a
/// NOTIFY answered 481 (the same id) another.
#[test]
fn groups_keep_different_statements_of_one_finding_apart() {
    let renamed = |steps: Vec<Step>, id: &str, shift: i64| -> Vec<Step> {
        steps
            .into_iter()
            .map(|mut s| {
                s.sip = s
                    .sip
                    .replace("Call-ID: c\r\n", &format!("Call-ID: {id}\r\n"))
                    .replace("tag=a-c", &format!("tag=a-{id}"));
                s.ms += shift;
                s
            })
            .collect()
    };
    let mut steps = renamed(transfer_steps(None), "n1", 0);
    steps.extend(renamed(transfer_steps(None), "n2", 10_000));
    steps.extend(renamed(transfer_steps(Some(481)), "r1", 20_000));
    steps.sort_by_key(|s| s.ms);
    steps.extend(answered_call("later", 60_000, 100));
    let t = analyze(&steps);
    let calls: Vec<&Call> = t.calls.iter().collect();
    let groups = super::report::answered_with_findings(&calls);
    let got: Vec<(usize, Vec<&str>)> = groups
        .iter()
        .map(|(f, cs)| {
            assert!(cs.iter().all(|c| c.findings.iter().any(|g| g.id == f.id)));
            (cs.len(), cs.iter().map(|c| c.call_id.as_str()).collect())
        })
        .collect();
    assert_eq!(got, vec![(2, vec!["n1", "n2"]), (1, vec!["r1"])]);
    let (f1, f2) = (
        finding(t.call("n1").unwrap(), "refer-no-notify"),
        finding(t.call("n2").unwrap(), "refer-no-notify"),
    );
    assert_ne!(f1.text, f2.text, "the waits differ");
}

#[test]
fn codec_reject_lists_the_offer() {
    let t = failing(
        488,
        &["Warning: 304 b.example \"Media type not available\""],
    );
    let c = only(&t);
    let f = finding(c, "codec-reject");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(f.code, Some(488));
    assert!(
        f.text
            .contains("audio: PCMU/8000 PCMA/8000 telephone-event/8000"),
        "{}",
        f.text
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.starts_with("Warning: 304"))
    );
}

#[test]
fn codec_reject_of_a_reinvite_is_a_warning() {
    let mut steps = answered_call("c", 0, 60_000);
    let re = request("INVITE", "c", 2, "z9hG4bKre", Some("b"), &[], &sdp("98"))
        .replace("RTP/AVP 98", "udptl t38");
    steps.push(Step::new(20_000, a(), b(), &re));
    steps.push(Step::new(20_010, b(), a(), &response(&re, 488, None, &[])));
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::Answered);
    let f = finding(c, "codec-reject");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("re-INVITE"), "{}", f.text);
    assert!(!ids(c).contains(&"request-failed"));
}

#[test]
fn codec_reject_negative() {
    assert!(!ids(only(&failing(486, &[]))).contains(&"codec-reject"));
    assert!(
        analyze(&answered_call("c", 0, 1000)).calls[0]
            .findings
            .is_empty()
    );
}

#[test]
fn timer_422_loop() {
    let i1 = request(
        "INVITE",
        "c",
        1,
        "z9hG4bK1",
        None,
        &["Session-Expires: 60"],
        &sdp("0"),
    );
    let i2 = request(
        "INVITE",
        "c",
        2,
        "z9hG4bK2",
        None,
        &["Session-Expires: 60"],
        &sdp("0"),
    );
    let t = analyze(&[
        Step::new(0, a(), b(), &i1),
        Step::new(5, b(), a(), &response(&i1, 422, Some("b"), &["Min-SE: 90"])),
        Step::new(10, a(), b(), &i2),
        Step::new(
            15,
            b(),
            a(),
            &response(&i2, 422, Some("b"), &["Min-SE: 90"]),
        ),
    ]);
    let c = only(&t);
    let f = finding(c, "timer");
    assert_eq!(f.code, Some(422));
    assert_eq!(f.severity, Severity::Failure);
    assert!(f.text.contains("422 2 times"), "{}", f.text);
    assert!(f.evidence.iter().any(|e| e.text.contains("Min-SE: 90")));
    assert!(f.evidence.iter().any(|e| &*e.text == "Session-Expires: 60"));
}

#[test]
fn timer_422_negative_single_retry_succeeds() {
    let i1 = request(
        "INVITE",
        "c",
        1,
        "z9hG4bK1",
        None,
        &["Session-Expires: 60"],
        &sdp("0"),
    );
    let i2 = request(
        "INVITE",
        "c",
        2,
        "z9hG4bK2",
        None,
        &["Session-Expires: 90", "Min-SE: 90"],
        &sdp("0"),
    );
    let t = analyze(&[
        Step::new(0, a(), b(), &i1),
        Step::new(5, b(), a(), &response(&i1, 422, Some("b"), &["Min-SE: 90"])),
        Step::new(
            6,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], ""),
        ),
        Step::new(10, a(), b(), &i2),
        Step::new(15, b(), a(), &response(&i2, 200, Some("b"), &[])),
        Step::new(
            20,
            a(),
            b(),
            &request("ACK", "c", 2, "z9hG4bK3", Some("b"), &[], ""),
        ),
    ]);
    assert!(only(&t).findings.is_empty(), "{:#?}", only(&t).findings);
}

#[test]
fn timer_423_register_loop() {
    let r1 = request("REGISTER", "c", 1, "z9hG4bK1", None, &["Expires: 60"], "");
    let r2 = request("REGISTER", "c", 2, "z9hG4bK2", None, &["Expires: 60"], "");
    let t = analyze(&[
        Step::new(0, a(), b(), &r1),
        Step::new(
            5,
            b(),
            a(),
            &response(&r1, 423, Some("r"), &["Min-Expires: 3600"]),
        ),
        Step::new(10, a(), b(), &r2),
        Step::new(
            15,
            b(),
            a(),
            &response(&r2, 423, Some("r"), &["Min-Expires: 3600"]),
        ),
    ]);
    let f = finding(only(&t), "timer");
    assert_eq!(f.code, Some(423));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.contains("Min-Expires: 3600")),
        "{:#?}",
        f.evidence
    );
    assert!(f.evidence.iter().any(|e| &*e.text == "Expires: 60"));
}

/// The phone behind the proxy [`p`] in the tests of what a finding names.
fn uas() -> super::Endpoint {
    ep("10.0.0.5:5060")
}

/// The proxy's copy of a request from alice: its own Via on top, with a
/// branch of its own (RFC 3261 §16.6 step 8).
fn relayed(req: &str) -> String {
    let (start, rest) = req.split_once("\r\n").unwrap();
    let branch = rest
        .split_once("branch=")
        .and_then(|(_, b)| b.split("\r\n").next())
        .unwrap();
    format!("{start}\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch={branch}p\r\n{rest}")
}

/// Alice's request through the proxy to [`uas`] at `ms`, and the answer
/// `code` (with `headers`) back the same way: four messages.
fn via_proxy(ms: i64, req: &str, code: u16, tag: &str, headers: &[&str]) -> Vec<Step> {
    let fwd = relayed(req);
    vec![
        Step::new(ms, a(), p(), req),
        Step::new(ms + 1, p(), uas(), &fwd),
        Step::new(
            ms + 2,
            uas(),
            p(),
            &response(&fwd, code, Some(tag), headers),
        ),
        Step::new(ms + 3, p(), a(), &response(req, code, Some(tag), headers)),
    ]
}

/// A registration refused 423 and retried with the minimum, both hops in
/// the capture: one refusal, the retry did what §10.2.8 asks, nothing to
/// say. Counting the proxy's copy too made it "423 2 times".
#[test]
fn timer_423_through_a_proxy_counts_each_attempt_once() {
    let r1 = request("REGISTER", "c", 1, "z9hG4bK1", None, &["Expires: 60"], "");
    let r2 = request("REGISTER", "c", 2, "z9hG4bK2", None, &["Expires: 3600"], "");
    let mut steps = via_proxy(0, &r1, 423, "r", &["Min-Expires: 3600"]);
    steps.extend(via_proxy(10, &r2, 200, "r", &[]));
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(c.outcome, Outcome::Answered);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

/// Refused again although the retry asked for the minimum it was given:
/// the registrar raised its minimum, which the sentence says, naming the
/// registrar (not the proxy) and counting two refusals, not four. It ended
/// the registration: a failure.
#[test]
fn timer_423_minimum_raised_between_attempts() {
    let r1 = request("REGISTER", "c", 1, "z9hG4bK1", None, &["Expires: 60"], "");
    let r2 = request("REGISTER", "c", 2, "z9hG4bK2", None, &["Expires: 3600"], "");
    let mut steps = via_proxy(0, &r1, 423, "r", &["Min-Expires: 3600"]);
    steps.extend(via_proxy(10, &r2, 423, "r", &["Min-Expires: 7200"]));
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    let f = finding(c, "timer");
    assert_eq!(f.severity, Severity::Failure, "{f:#?}");
    assert!(
        f.text.starts_with("10.0.0.5:5060 answered 423 2 times")
            && f.text.contains("raises its minimum")
            && f.text.contains("Min-Expires 3600, then 7200"),
        "{}",
        f.text
    );
}

/// A requester that keeps asking below the minimum, directly: "an
/// Expires", and the Min header named.
#[test]
fn timer_423_loop_sentence() {
    let r1 = request("REGISTER", "c", 1, "z9hG4bK1", None, &["Expires: 60"], "");
    let r2 = request("REGISTER", "c", 2, "z9hG4bK2", None, &["Expires: 60"], "");
    let mut steps = Vec::new();
    for (ms, r) in [(0, &r1), (10, &r2)] {
        steps.push(Step::new(ms, a(), b(), r));
        steps.push(Step::new(
            ms + 5,
            b(),
            a(),
            &response(r, 423, Some("r"), &["Min-Expires: 3600"]),
        ));
    }
    let t = analyze(&steps);
    let f = finding(only(&t), "timer");
    assert!(
        f.text.contains("keeps asking for an Expires below")
            && f.text.contains("to the Min-Expires value"),
        "{}",
        f.text
    );
}

/// A 422 that ended the call, both hops captured: the phone's refusal,
/// one attempt, a failure (the proxy's copy made it a "loop" warning).
#[test]
fn timer_422_through_a_proxy_is_one_refusal() {
    let inv = request(
        "INVITE",
        "c",
        1,
        "z9hG4bK1",
        None,
        &["Session-Expires: 30"],
        &sdp("0"),
    );
    let mut steps = via_proxy(0, &inv, 422, "u", &["Min-SE: 90"]);
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    let f = finding(c, "timer");
    assert_eq!(f.severity, Severity::Failure, "{f:#?}");
    assert!(
        f.text
            .starts_with("10.0.0.5:5060 answered 422 (interval too small)"),
        "{}",
        f.text
    );
}

/// Through a proxy, a rejection and a challenge are named after the phone
/// that sent them, not the proxy that passed them on; the proxy's copy of
/// the same attempt is not "1 more transaction".
#[test]
fn findings_name_the_side_behind_the_proxy() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("18"));
    let mut steps = via_proxy(
        0,
        &inv,
        488,
        "u",
        &["Warning: 305 uas \"Incompatible media\""],
    );
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    let f = finding(c, "codec-reject");
    assert!(
        f.text.starts_with("10.0.0.5:5060 rejected INVITE"),
        "{}",
        f.text
    );
    // Its evidence is the phone's 488 (message 3), not the proxy's copy.
    assert!(
        f.evidence
            .iter()
            .any(|e| e.msg == Some(2) && e.text.starts_with("488")),
        "{:#?}",
        f.evidence
    );
    assert!(
        !f.evidence
            .iter()
            .any(|e| e.text.contains("more transaction")),
        "{:#?}",
        f.evidence
    );
    // The Warning the proxy passed on is said once.
    let cause = finding(c, "cause");
    assert_eq!(
        cause
            .evidence
            .iter()
            .filter(|e| e.text.starts_with("Warning:"))
            .count(),
        1,
        "{:#?}",
        cause.evidence
    );

    let ch = &["Proxy-Authenticate: Digest realm=\"x\", nonce=\"m\""];
    let creds = &["Proxy-Authorization: Digest username=\"alice\", nonce=\"m\""];
    let i1 = request("INVITE", "d", 1, "z9hG4bK1", None, &[], "");
    let i2 = request("INVITE", "d", 2, "z9hG4bK2", None, creds, "");
    let mut steps = via_proxy(0, &i1, 407, "u", ch);
    steps.extend(via_proxy(10, &i2, 407, "u", ch));
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("d").unwrap(), "auth-loop");
    assert!(
        f.text.starts_with("10.0.0.5:5060 challenged INVITE again"),
        "{}",
        f.text
    );
}

/// Alice's INVITE through the proxy, the phone's 200 at each of `oks`
/// (ms) passed on to her, and her ACK to the proxy at `ack` (ms).
fn resent_2xx_via_proxy(oks: &[i64], ack: Option<i64>) -> Vec<Step> {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let mut steps = vec![Step::new(0, a(), p(), &inv), Step::new(1, p(), uas(), &fwd)];
    resent_2xx_via(&mut steps, [uas(), p(), a()], [&fwd, &inv], ("u", &[]), oks);
    if let Some(ms) = ack {
        steps.push(Step::new(
            ms,
            a(),
            p(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("u"), &[], ""),
        ));
    }
    steps.sort_by_key(|s| s.ms);
    steps
}

/// A 2xx never acknowledged, through a proxy: the phone that answered and
/// resends it is "the callee", not the proxy relaying each copy.
#[test]
fn no_ack_through_a_proxy_names_the_callee() {
    let mut steps = resent_2xx_via_proxy(&[100, 600, 1600, 3600, 7600], None);
    let bye = request("BYE", "c", 1, "z9hG4bKb", Some("u"), &[], "")
        .replace("BYE sip:bob", "BYE sip:alice");
    steps.push(Step::new(32_100, uas(), p(), &bye));
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text.starts_with("The callee 10.0.0.5:5060 answered"),
        "{}",
        f.text
    );
}

/// The caller's ACK reaches the proxy, which does not pass it on, and the
/// phone keeps resending its 2xx: the capture shows where the ACK stopped,
/// and the finding says so instead of "past this capture point".
#[test]
fn no_ack_says_which_hop_kept_the_ack() {
    let mut steps = resent_2xx_via_proxy(&[100, 600, 1600, 3600], Some(102));
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text
            .starts_with("10.0.0.5:5060 kept resending the 2xx (4 times)")
            && f.text
                .contains("to 10.0.0.9:5060, which did not pass it on"),
        "{}",
        f.text
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| &*e.text == "no ACK from 10.0.0.9:5060 to 10.0.0.5:5060 after it"),
        "{:#?}",
        f.evidence
    );
}

/// A trace merged from several points (a proxy's HEP, each process
/// stamping what it handles) can stamp the caller's ACK of a 401 a moment
/// before the 401 itself. The ACK is on the INVITE's branch: it can only
/// acknowledge that final response (RFC 3261 §17.1.1.3), so no "no-ack".
#[test]
fn ack_stamped_before_its_failure_response_still_counts() {
    let ch = &["WWW-Authenticate: Digest realm=\"x\", nonce=\"m\""];
    let i1 = request("INVITE", "c", 1, "z9hG4bK1", None, &[], "");
    let i2 = request(
        "INVITE",
        "c",
        2,
        "z9hG4bK2",
        None,
        &["Authorization: Digest username=\"alice\", nonce=\"m\""],
        "",
    );
    let t = analyze(&[
        Step::new(0, a(), b(), &i1),
        Step::new(
            10,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], ""),
        ),
        Step::new(11, b(), a(), &response(&i1, 401, Some("b"), ch)),
        Step::new(20, a(), b(), &i2),
        Step::new(30, b(), a(), &response(&i2, 200, Some("b2"), &[])),
        Step::new(
            40,
            a(),
            b(),
            &request("ACK", "c", 2, "z9hG4bK3", Some("b2"), &[], ""),
        ),
    ]);
    let c = only(&t);
    assert!(!ids(c).contains(&"no-ack"), "{:#?}", c.findings);
}

/// A call through the proxy, answered, then `req` inside it answered
/// `code` (with `headers`) by the phone behind the proxy.
fn answered_then_via_proxy(req: &str, code: u16, headers: &[&str]) -> Triage {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0 8"));
    let mut steps = via_proxy(0, &inv, 200, "u", &[]);
    steps.push(Step::new(
        10,
        a(),
        p(),
        &request("ACK", "c", 1, "z9hG4bK2", Some("u"), &[], ""),
    ));
    steps.extend(via_proxy(1000, req, code, "u", headers));
    steps.extend(later(150_000));
    analyze(&steps)
}

/// Inside a call through the proxy: a refused INFO is the phone's, one
/// attempt (not "1 more transaction"); a 415 to it is about its body
/// type, not an offer; the final of the call is the 2xx the caller got
/// from the proxy.
#[test]
fn requests_inside_a_call_through_a_proxy() {
    let info = request("INFO", "c", 2, "z9hG4bK5", Some("u"), &[], "");
    let t = answered_then_via_proxy(&info, 501, &[]);
    let c = t.call("c").unwrap();
    assert_eq!(
        c.final_response().map(|m| t.endpoint_str(m.src)),
        Some("10.0.0.9:5060".to_string())
    );
    // Timed to the first copy of the 2xx (the phone's, 2 ms in), as the
    // post-dial delay is to the phone's 180.
    assert_eq!(c.answer_ms, Some(2));
    let f = finding(c, "request-failed");
    assert!(
        f.text
            .starts_with("10.0.0.5:5060 answered INFO inside the call with 501"),
        "{}",
        f.text
    );
    assert_eq!(f.evidence.len(), 1, "{:#?}", f.evidence);

    let t = answered_then_via_proxy(&info, 415, &["Accept: application/sdp"]);
    let c = t.call("c").unwrap();
    assert!(!ids(c).contains(&"codec-reject"), "{:#?}", c.findings);
    let f = finding(c, "request-failed");
    assert!(
        f.text.contains("body type or encoding is not accepted"),
        "{}",
        f.text
    );
    assert_eq!(f.code, Some(415));

    // A 488 to a NOTIFY (a presence document refused) is not about codecs:
    // that method carries no offer.
    let notify = request(
        "NOTIFY",
        "c",
        3,
        "z9hG4bK7",
        Some("u"),
        &["Event: presence"],
        "",
    );
    let t = answered_then_via_proxy(&notify, 488, &[]);
    let c = t.call("c").unwrap();
    assert!(!ids(c).contains(&"codec-reject"), "{:#?}", c.findings);
    let f = finding(c, "request-failed");
    assert!(
        f.text
            .starts_with("10.0.0.5:5060 answered NOTIFY inside the call with 488")
            && f.text.contains("event package"),
        "{}",
        f.text
    );

    // A refused re-INVITE's Warning leads to the code that carried it.
    let reinv = request("INVITE", "c", 2, "z9hG4bK6", Some("u"), &[], &sdp("18"));
    let t = answered_then_via_proxy(&reinv, 488, &["Warning: 305 uas \"Incompatible media\""]);
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(finding(c, "cause").code, Some(488));
}

/// Serial failover: the proxy gives up on a dead server and the next one
/// answers. The dead server needs looking at, but it did not fail the
/// call: a warning, however long the trace goes on after it.
#[test]
fn no_response_of_a_branch_the_proxy_failed_over_from() {
    let dead = ep("10.0.0.7:5060");
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let next = fwd.replace("branch=z9hG4bK1p", "branch=z9hG4bK1q");
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(1, p(), a(), &response(&inv, 100, None, &[])),
    ];
    for ms in [2, 502, 1502] {
        steps.push(Step::new(ms, p(), dead, &fwd));
    }
    steps.push(Step::new(3002, p(), uas(), &next));
    steps.push(Step::new(
        3100,
        uas(),
        p(),
        &response(&next, 200, Some("u"), &[]),
    ));
    steps.push(Step::new(
        3101,
        p(),
        a(),
        &response(&inv, 200, Some("u"), &[]),
    ));
    for long in [false, true] {
        let mut all = steps.clone();
        if long {
            all.extend(later(150_000));
        }
        let t = analyze(&all);
        let c = t.call("c").unwrap();
        assert_eq!(c.outcome, Outcome::Answered);
        let f = finding(c, "no-response");
        assert_eq!(f.severity, Severity::Warning, "long {long}: {f:#?}");
        assert!(
            f.text.contains("10.0.0.9:5060 gave up on it and sent the request on to 10.0.0.5:5060 (failover), and the call went on there"),
            "{}",
            f.text
        );
    }
}

/// A PRACK never answered, in a trace that ends 3 s later: the phone
/// answered the INVITE meanwhile, so it is up, and the finding says so
/// instead of "down or unreachable".
#[test]
fn no_response_in_a_short_trace_from_a_hop_that_answered_another_request() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let prack = request(
        "PRACK",
        "c",
        2,
        "z9hG4bK2",
        Some("b"),
        &["RAck: 1 1 INVITE"],
        "",
    );
    let t = analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(
            10,
            b(),
            a(),
            &response(&inv, 183, Some("b"), &["Require: 100rel", "RSeq: 1"]),
        ),
        Step::new(20, a(), b(), &prack),
        Step::new(520, a(), b(), &prack),
        Step::new(1520, a(), b(), &prack),
        Step::new(3000, b(), a(), &response(&inv, 200, Some("b"), &[])),
        Step::new(
            3010,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK3", Some("b"), &[], ""),
        ),
    ]);
    let f = finding(only(&t), "no-response");
    assert!(
        f.text
            .contains("it is up and reachable but dropped or ignored this PRACK"),
        "{}",
        f.text
    );
}

/// Two phones behind a forking proxy both answer; the caller's ACK for
/// the second answer goes via the proxy to the first phone (the other
/// dialog's remote target). The proxy passed it on: the finding says
/// where it went, not that the proxy dropped it.
#[test]
fn no_ack_for_a_fork_whose_ack_went_to_the_other_phone() {
    let other = ep("10.0.0.6:5060");
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let to_uas = relayed(&inv);
    let to_other = to_uas.replace("branch=z9hG4bK1p", "branch=z9hG4bK1q");
    let ok_u = response(&to_uas, 200, Some("u"), &[]);
    let ok_o = response(&to_other, 200, Some("o"), &[]);
    let ack = |tag: &str, branch: &str| request("ACK", "c", 1, branch, Some(tag), &[], "");
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(1, p(), uas(), &to_uas),
        Step::new(2, p(), other, &to_other),
        Step::new(100, uas(), p(), &ok_u),
        Step::new(101, p(), a(), &response(&inv, 200, Some("u"), &[])),
        Step::new(102, a(), p(), &ack("u", "z9hG4bKa1")),
        Step::new(103, p(), uas(), &ack("u", "z9hG4bKa1")),
    ];
    for ms in [1000, 1500, 2500, 4500] {
        steps.push(Step::new(ms, other, p(), &ok_o));
        steps.push(Step::new(
            ms + 1,
            p(),
            a(),
            &response(&inv, 200, Some("o"), &[]),
        ));
    }
    // The ACK for the second answer, sent to the first phone.
    steps.push(Step::new(1002, a(), p(), &ack("o", "z9hG4bKa2")));
    steps.push(Step::new(1003, p(), uas(), &ack("o", "z9hG4bKa2")));
    steps.sort_by_key(|s| s.ms);
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text.starts_with("10.0.0.6:5060 kept resending the 2xx")
            && f.text
                .contains("went via 10.0.0.9:5060 to 10.0.0.5:5060, another element"),
        "{}",
        f.text
    );
}

fn session_timer_call(bye_after_ok_ms: i64) -> Triage {
    let inv = request(
        "INVITE",
        "c",
        1,
        "z9hG4bK1",
        None,
        &["Session-Expires: 90"],
        &sdp("0"),
    );
    let bye = request("BYE", "c", 2, "z9hG4bK3", Some("b"), &[], "");
    analyze(&[
        Step::new(0, a(), b(), &inv),
        Step::new(
            100,
            b(),
            a(),
            &response(&inv, 200, Some("b"), &["Session-Expires: 90;refresher=uac"]),
        ),
        Step::new(
            110,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], ""),
        ),
        Step::new(100 + bye_after_ok_ms, a(), b(), &bye),
        Step::new(
            110 + bye_after_ok_ms,
            b(),
            a(),
            &response(&bye, 200, None, &[]),
        ),
    ])
}

#[test]
fn timer_bye_at_session_expiry() {
    // 90 s interval: the BYE goes a third (30 s) before expiry, at 60 s.
    let t = session_timer_call(60_000);
    let f = finding(only(&t), "timer");
    assert!(f.text.contains("session timer ran out"), "{}", f.text);
    assert!(f.text.contains("Session-Expires: 90"));
}

#[test]
fn timer_negative_bye_mid_session() {
    let t = session_timer_call(20_000);
    assert!(only(&t).findings.is_empty(), "{:#?}", only(&t).findings);
}

#[test]
fn timer_481_to_bye() {
    let mut steps = answered_call("c", 0, 10_000);
    let bye = request("BYE", "c", 2, "z9hG4bKc3", Some("b"), &[], "");
    steps[5] = Step::new(10_000, a(), b(), &bye);
    steps[6] = Step::new(10_010, b(), a(), &response(&bye, 481, None, &[]));
    let t = analyze(&steps);
    let f = finding(only(&t), "timer");
    assert_eq!(f.code, Some(481));
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("answered BYE with 481"), "{}", f.text);
    // Both sides hang up at once: the callee's BYE 1 ms earlier is
    // answered 200, the caller's gets 481. Harmless: said as info only.
    let theirs = request("BYE", "c", 1, "z9hG4bKcb", Some("a-c"), &[], "").replace(
        "From: <sip:alice@example.com>",
        "From: <sip:bob@example.com>",
    );
    steps.insert(5, Step::new(9_999, b(), a(), &theirs));
    steps.push(Step::new(
        10_011,
        a(),
        b(),
        &response(&theirs, 200, None, &[]),
    ));
    let t = analyze(&steps);
    let f = finding(only(&t), "timer");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.text.contains("the BYEs crossed"), "{}", f.text);
    assert_eq!(only(&t).outcome, Outcome::Answered);
}

#[test]
fn request_failed_in_dialog_info() {
    let mut steps = answered_call("c", 0, 60_000);
    let info = request("INFO", "c", 2, "z9hG4bKi", Some("b"), &[], "");
    steps.push(Step::new(20_000, a(), b(), &info));
    steps.push(Step::new(
        20_010,
        b(),
        a(),
        &response(&info, 501, None, &[]),
    ));
    let t = analyze(&steps);
    let f = finding(only(&t), "request-failed");
    assert!(
        f.text.contains("INFO inside the call with 501"),
        "{}",
        f.text
    );
}

#[test]
fn findings_sorted_most_severe_first() {
    let t = failing(503, &["Reason: Q.850;cause=41"]);
    let c = only(&t);
    assert!(
        c.findings
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity)
    );
    assert_eq!(c.findings[0].id, "overload");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn message() -> impl Strategy<Value = String> {
        let method = prop_oneof![
            Just("INVITE"),
            Just("ACK"),
            Just("BYE"),
            Just("CANCEL"),
            Just("REGISTER"),
            Just("REFER"),
            Just("NOTIFY"),
            Just("FOO"),
            Just("UPDATE"),
        ];
        (
            any::<bool>(),
            method,
            prop_oneof![
                Just(100u16),
                Just(180),
                Just(200),
                Just(401),
                Just(407),
                Just(481),
                Just(486),
                Just(487),
                Just(488),
                Just(503),
                Just(422),
                Just(423),
                100u16..700
            ],
            0u32..4,
            prop_oneof![Just("z9hG4bK1"), Just("z9hG4bK2"), Just("x"), Just("")],
            proptest::option::of(prop_oneof![Just("b1"), Just("b2")]),
            proptest::collection::vec(
                prop_oneof![
                    Just("Retry-After: 5"),
                    Just("Reason: Q.850;cause=999"),
                    Just("Reason: SIP;cause=abc"),
                    Just("Warning: 9999"),
                    Just("Session-Expires: 10"),
                    Just("Min-SE: x"),
                    Just("WWW-Authenticate: Digest stale=true"),
                    Just("Authorization: Digest"),
                    Just("Event: refer"),
                    Just("Expires: 1"),
                    Just("Min-Expires: 99999999999"),
                ],
                0..4,
            ),
            prop_oneof![Just("c1"), Just("c2"), Just("c\u{1b}3")],
        )
            .prop_map(|(resp, method, code, cseq, branch, tag, headers, call)| {
                let req = request(
                    method,
                    call,
                    cseq,
                    branch,
                    tag,
                    &headers,
                    if cseq % 2 == 0 {
                        ""
                    } else {
                        "m=audio 0 RTP/AVP 0 99\r\na=rtpmap:99\r\n"
                    },
                );
                if resp {
                    response(&req, code, tag, &headers)
                } else {
                    req
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn model_never_panics_and_counts_add_up(
            msgs in proptest::collection::vec((message(), 0i64..70_000, any::<bool>()), 0..25)
        ) {
            let steps: Vec<Step> = msgs
                .into_iter()
                .map(|(m, ms, dir)| if dir { Step::new(ms, a(), b(), &m) } else { Step::new(ms, b(), a(), &m) })
                .collect();
            let t = analyze(&steps);
            let kept: u64 = t.calls.iter().map(|c| c.msgs.len() as u64).sum();
            prop_assert_eq!(kept + t.duplicates + t.skipped, steps.len() as u64);
            let s = crate::trace::metrics::summarize(&t.calls, |m| t.method_name(m).to_string());
            prop_assert_eq!(s.answered + s.failed + s.user + s.pending, t.calls.len() as u64);
            for c in &t.calls {
                for f in &c.findings {
                    prop_assert!(!f.text.contains('\x1b'));
                    prop_assert!(crate::trace::findings::IDS.iter().any(|(id, _)| *id == f.id));
                    prop_assert!(f.code.is_none_or(|code| crate::kb::Kb::embedded().lookup(code).is_ok()));
                    for e in &f.evidence {
                        prop_assert!(e.msg.is_none_or(|m| (m as usize) < c.msgs.len()));
                    }
                }
            }
        }
    }
}

#[test]
fn the_readme_lists_every_finding() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (id, rfc) in crate::trace::findings::IDS {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{id}` |")))
            .unwrap_or_else(|| panic!("no README row for {id}"));
        for part in rfc.split("; ") {
            let rfc_number = part.split(" §").next().unwrap();
            assert!(row.contains(rfc_number), "{id}: {rfc_number} not in {row}");
        }
    }
}

/// INVITE, 180, 403 and then what `after` adds (times in ms).
fn rejected_then(after: &[(i64, bool, &str)]) -> Triage {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let forbidden = response(&inv, 403, Some("b"), &[]);
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(10, b(), a(), &forbidden),
    ];
    for (ms, from_caller, text) in after {
        let (s, d) = if *from_caller { (a(), b()) } else { (b(), a()) };
        steps.push(Step::new(*ms, s, d, text));
    }
    analyze(&steps)
}

#[test]
fn failure_not_acked_then_bye() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let bye = request("BYE", "c", 2, "z9hG4bK2", Some("b"), &[], "");
    let t = rejected_then(&[
        (12, true, &bye),
        (13, false, &response(&bye, 200, None, &[])),
    ]);
    let c = only(&t);
    let f = finding(c, "no-ack");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.code, Some(403));
    assert!(f.text.contains("never acknowledged the 403"), "{}", f.text);
    assert!(f.text.contains("BYE has no dialog to end"), "{}", f.text);
    assert!(f.evidence.iter().any(|e| e.msg == Some(3)));
    let _ = inv;
}

#[test]
fn failure_not_acked_resent() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let forbidden = response(&inv, 403, Some("b"), &[]);
    let t = rejected_then(&[(510, false, &forbidden), (1510, false, &forbidden)]);
    let f = finding(only(&t), "no-ack");
    assert!(
        f.evidence[0].text.contains("sent 3 times"),
        "{:?}",
        f.evidence
    );
    assert!(!f.text.contains("BYE"), "{}", f.text);
}

#[test]
fn failure_not_acked_negative() {
    // Acknowledged: nothing to say.
    let ack = request("ACK", "c", 1, "z9hG4bK1", Some("b"), &[], "");
    assert!(!ids(only(&rejected_then(&[(11, true, &ack)]))).contains(&"no-ack"));
    // No ACK in the capture, but nothing shows the caller's side after the
    // response either (a capture of one direction): no finding.
    assert!(!ids(only(&rejected_then(&[]))).contains(&"no-ack"));
    // The usual rejected call of the test kit carries its ACK.
    assert!(!ids(only(&failing(404, &[]))).contains(&"no-ack"));
}

#[test]
fn early_bye_without_487() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let bye = request("BYE", "c", 2, "z9hG4bK2", Some("b"), &[], "");
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(5000, a(), b(), &bye),
        Step::new(5001, b(), a(), &response(&bye, 200, None, &[])),
    ];
    steps.extend(later(60_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    let f = finding(c, "early-bye");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.code, Some(487));
    assert!(f.text.contains("487 Request Terminated"), "{}", f.text);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.msg == Some(2) && e.text.contains("5.0 s after the INVITE")),
        "{:?}",
        f.evidence
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.text.contains("answered 200 OK"))
    );

    // The callee ended the INVITE with 487: no finding.
    steps.insert(
        4,
        Step::new(5002, b(), a(), &response(&inv, 487, Some("b"), &[])),
    );
    let t = analyze(&steps);
    assert!(!ids(t.call("c").unwrap()).contains(&"early-bye"));
}

/// A BYE sent before any provisional response with a To tag has no
/// dialog to end (RFC 3261 §12.1, §15.1.2): the finding says so instead of
/// calling it an early dialog. And the callee answered that BYE, so the
/// INVITE's no-response does not call it down or unreachable.
#[test]
fn bye_before_any_dialog_and_a_silent_but_reachable_callee() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let bye = request("BYE", "c", 2, "z9hG4bK2", None, &[], "");
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(1, a(), b(), &bye),
        Step::new(2, b(), a(), &response(&bye, 200, None, &[])),
    ];
    steps.extend(later(60_000));
    let t = analyze(&steps);
    let c = t.call("c").unwrap();
    let f = finding(c, "early-bye");
    assert_eq!(f.code, Some(481));
    assert!(
        f.text.contains("no dialog, not even an early one"),
        "{}",
        f.text
    );
    assert!(!f.text.contains("allowed on an early dialog"), "{}", f.text);
    assert!(f.rfc.contains("§15.1.2"), "{}", f.rfc);
    let n = finding(c, "no-response");
    assert!(
        n.text.contains("answered another request of this call"),
        "{}",
        n.text
    );
    assert!(!n.text.contains("down or unreachable"), "{}", n.text);
    assert!(
        n.evidence
            .iter()
            .any(|e| e.msg == Some(2) && e.text.contains("answered BYE with 200 OK")),
        "{:?}",
        n.evidence
    );
    // A BYE unanswered just after the same peer refused the INVITE: the
    // peer answered 5 ms earlier, so it is reachable; an answer more than
    // 64*T1 earlier says nothing of now.
    for (gap, reachable) in [(5, true), (40_000, false)] {
        let inv = request("INVITE", "r", 1, "z9hG4bKr1", None, &[], "");
        let bye = request("BYE", "r", 2, "z9hG4bKr2", Some("x"), &[], "");
        let mut steps = vec![
            Step::new(0, a(), b(), &inv),
            Step::new(1, b(), a(), &response(&inv, 403, Some("x"), &[])),
            Step::new(1 + gap, a(), b(), &bye),
        ];
        steps.extend(later(gap + 60_000));
        let t = analyze(&steps);
        let n = finding(t.call("r").unwrap(), "no-response");
        assert_eq!(
            n.text.contains("answered another request of this call"),
            reachable,
            "{gap} ms: {}",
            n.text
        );
        assert_eq!(
            n.text.contains("down or unreachable"),
            !reachable,
            "{}",
            n.text
        );
        assert_eq!(
            n.text.contains("it is up and reachable"),
            reachable,
            "{}",
            n.text
        );
    }
    // Answered 25 s before (a phone that then de-registered and shut
    // down): reachable then, not "up" now.
    let inv2 = request("INVITE", "r", 1, "z9hG4bKr1", None, &[], "");
    let bye2 = request("BYE", "r", 2, "z9hG4bKr2", Some("x"), &[], "");
    let mut steps2 = vec![
        Step::new(0, a(), b(), &inv2),
        Step::new(1, b(), a(), &response(&inv2, 403, Some("x"), &[])),
        Step::new(25_001, a(), b(), &bye2),
    ];
    steps2.extend(later(85_000));
    let t = analyze(&steps2);
    let n = finding(t.call("r").unwrap(), "no-response");
    assert!(
        n.text.contains(
            "though 10.0.0.2:5060 answered another request of this call 25.0 s before it: it \
             was reachable then, and has since gone down or dropped or ignored this BYE"
        ) && !n.text.contains("is up"),
        "{}",
        n.text
    );
    // A 100 Trying carries no To tag: still no dialog. A 180 with one
    // makes the early dialog the BYE may end.
    steps.insert(1, Step::new(0, b(), a(), &response(&inv, 100, None, &[])));
    let t = analyze(&steps);
    assert_eq!(finding(t.call("c").unwrap(), "early-bye").code, Some(481));
    steps[1] = Step::new(0, b(), a(), &response(&inv, 180, Some("b"), &[]));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "early-bye");
    assert_eq!(f.code, Some(487));
    assert!(f.text.contains("allowed on an early dialog"), "{}", f.text);
}

#[test]
fn early_bye_negative_answered_call() {
    assert!(!ids(only(&analyze(&answered_call("c", 0, 10_000)))).contains(&"early-bye"));
}

#[test]
fn calls_failing_alike_share_their_finding_texts() {
    // Four calls rejected the same way by the same server: the sentences
    // are the same, and each half of the calls holds them once.
    let mut steps = Vec::new();
    for (i, id) in ["c1", "c2", "c3", "c4"].iter().enumerate() {
        steps.extend(rejected_call(
            id,
            i as i64 * 1000,
            b(),
            503,
            &["Retry-After: 120"],
        ));
    }
    let t = analyze(&steps);
    let first = |c: &Call| finding(c, "overload").clone();
    let (a1, a2) = (first(&t.calls[0]), first(&t.calls[1]));
    assert_eq!(a1.text, a2.text);
    assert!(std::sync::Arc::ptr_eq(&a1.text, &a2.text), "not shared");
    let e = |f: &super::Finding| {
        f.evidence
            .iter()
            .find(|e| &*e.text == "Retry-After: 120")
            .expect("the Retry-After evidence")
            .text
            .clone()
    };
    assert!(std::sync::Arc::ptr_eq(&e(&a1), &e(&a2)));
}

#[test]
fn a_call_seen_only_through_its_responses_takes_their_from_and_to() {
    // A capture of one direction only: the callee's answers, no INVITE.
    let inv = answered_call("r1", 0, 60_000)[0].sip.clone();
    let steps = vec![
        Step::new(5, b(), a(), &response(&inv, 100, None, &[])),
        Step::new(10, b(), a(), &response(&inv, 486, Some("x"), &[])),
    ];
    let t = analyze(&steps);
    let c = only(&t);
    assert!(c.uris_from_response);
    assert_eq!(t.from_uri(c), "sip:alice@example.com");
    assert_eq!(t.to_uri(c), "sip:bob@example.com");
    let kb = crate::kb::Kb::embedded();
    let facts = super::report::call::facts(&t, kb, c);
    assert!(
        facts[0]
            .1
            .contains("from sip:alice@example.com to sip:bob@example.com")
            && facts[0].1.contains("not in the trace"),
        "{facts:?}"
    );

    // The callee's BYE (inside the dialog, From and To reversed) does not
    // replace them.
    let bye = request("BYE", "r1", 2, "z9hG4bKr1b", Some("a-r1"), &[], "")
        .replace("\"Alice\" <sip:alice@example.com>", "<sip:bob@example.com>")
        .replace("To: <sip:bob@example.com>", "To: <sip:alice@example.com>");
    assert!(bye.contains("From: <sip:bob@example.com>"), "{bye}");
    let mut steps = steps;
    steps.push(Step::new(60_000, b(), a(), &bye));
    let t = analyze(&steps);
    let c = only(&t);
    assert_eq!(t.from_uri(c), "sip:alice@example.com");
    assert_eq!(t.to_uri(c), "sip:bob@example.com");

    // A request outside a dialog that comes later (the call's next
    // attempt) gives the call its URIs.
    let again = request("INVITE", "r2", 2, "z9hG4bKr2b", None, &[], "")
        .replace("sip:alice@example.com", "sip:carol@example.com");
    let mut steps = vec![Step::new(
        0,
        b(),
        a(),
        &response(&inv.replace("r1", "r2"), 486, Some("b"), &[]),
    )];
    steps.push(Step::new(50, a(), b(), &again));
    let t = analyze(&steps);
    let c = only(&t);
    assert!(!c.uris_from_response);
    assert_eq!(t.from_uri(c), "sip:carol@example.com");
}

/// A problem of one of several inputs names it, then a colon or its frame.
#[test]
fn a_problem_line_separates_the_input_from_the_text() {
    let mut t = analyze(&answered_call("c", 0, 1000));
    t.sources = vec![
        super::SourceInfo {
            path: "a.log".into(),
            ..super::SourceInfo::default()
        },
        super::SourceInfo {
            path: "b.log".into(),
            ..super::SourceInfo::default()
        },
    ];
    let p = |frame| super::Problem {
        file: 1,
        frame,
        text: "the log's times have no time zone".into(),
    };
    assert_eq!(
        super::report::problem_line(&t, &p(None)),
        "b.log: the log's times have no time zone"
    );
    assert_eq!(
        super::report::problem_line(&t, &p(Some(7))),
        "b.log frame 7: the log's times have no time zone"
    );
}

/// The proxy's INVITE to the next hop, resent until its Timer B, then
/// the proxy's 408 to the caller; `targets` are the next hops tried in
/// turn (serial failover), each sent copies at `times` (ms from its start).
fn proxy_408_steps(targets: &[super::Endpoint], times: &[i64]) -> Vec<Step> {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(1, p(), a(), &response(&inv, 100, None, &[])),
    ];
    let mut at = 2;
    for (n, &target) in targets.iter().enumerate() {
        let fwd = relayed(&inv).replacen("branch=z9hG4bK1p", &format!("branch=z9hG4bK1p{n}"), 1);
        for ms in times {
            steps.push(Step::new(at + ms, p(), target, &fwd));
        }
        at += 32_000;
    }
    steps.push(Step::new(
        at,
        p(),
        a(),
        &response(&inv, 408, Some("p"), &[]),
    ));
    steps.push(Step::new(
        at + 1,
        a(),
        p(),
        &request("ACK", "c", 1, "z9hG4bK1", None, &[], ""),
    ));
    steps.extend(later(at + 150_000));
    steps
}

/// A proxy's 408 with its own unanswered INVITE to the next hop in the
/// trace: the sentence names that hop and its copies, and the proxy's
/// attempt is not "1 more transaction" pointing "one hop further".
#[test]
fn proxy_408_names_the_silent_hop_in_the_trace() {
    let times = [0, 500, 1500, 3500, 7500, 15500, 31500];
    let t = analyze(&proxy_408_steps(&[uas()], &times));
    let c = t.call("c").unwrap();
    assert_eq!(c.outcome, Outcome::Failure);
    let f = finding(c, "no-response");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(
        &*f.text,
        "10.0.0.9:5060 answered INVITE with 408 Request Timeout because its own INVITE to \
         10.0.0.5:5060 got no response of any kind (7 copies over 31.5 s), so it gave up (its \
         Timer B): 10.0.0.5:5060 is down or unreachable, or its answers are lost on the way \
         back (routing, firewall, NAT, wrong port or transport)."
    );
    let texts: Vec<&str> = f.evidence.iter().map(|e| &*e.text).collect();
    assert_eq!(
        texts,
        [
            "INVITE copies: #1",
            "INVITE to 10.0.0.5:5060 copies: #3 #4 #5 #6 #7 #8 #9, no response",
            "408 Request Timeout",
        ]
    );
    assert_eq!(
        c.findings.iter().filter(|f| f.id == "no-response").count(),
        1
    );
}

/// The same after a serial failover: both silent hops named, no "more
/// transactions".
#[test]
fn proxy_408_after_failover_names_every_silent_hop() {
    let other = ep("10.0.0.6:5060");
    let t = analyze(&proxy_408_steps(&[uas(), other], &[0, 500, 1500]));
    let c = t.call("c").unwrap();
    let f = finding(c, "no-response");
    assert!(
        f.text.contains(
            "its own INVITE to each of 10.0.0.5:5060, 10.0.0.6:5060 got no response of any \
             kind (6 copies over 33.5 s)"
        ) && f
            .text
            .contains("those hops are down or unreachable, or their answers"),
        "{}",
        f.text
    );
    assert!(
        !f.evidence
            .iter()
            .any(|e| e.text.contains("more transaction")),
        "{:#?}",
        f.evidence
    );
}

/// A callee behind NAT: its 2xx comes from the NAT's outside address and
/// its Contact names the inside one. `ack_to` is where the caller sends
/// its ACK (none: no ACK in the trace); `headers` are added to the 2xx.
fn nat_callee(ack_to: Option<&str>, caller: &str, headers: &[&str]) -> Triage {
    let (caller, outside) = (ep(caller), ep("203.0.113.5:5060"));
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut hs = vec!["Contact: <sip:bob@192.168.1.20:5060;transport=udp>"];
    hs.extend_from_slice(headers);
    let ok = response(&inv, 200, Some("b"), &hs);
    let mut steps = vec![
        Step::new(0, caller, outside, &inv),
        Step::new(5, outside, caller, &response(&inv, 100, None, &[])),
    ];
    for ms in UNTIL_TIMER_B {
        steps.push(Step::new(ms, outside, caller, &ok));
    }
    if let Some(to) = ack_to {
        let ack = request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], "");
        steps.push(Step::new(1010, caller, ep(to), &ack));
    }
    let bye = request("BYE", "c", 2, "z9hG4bK3", None, &[], "");
    steps.push(Step::new(33_000, outside, caller, &bye));
    steps.extend(later(150_000));
    analyze(&steps)
}

/// No ACK at all, and the 2xx's Contact is a private address that the
/// caller (a public one) must send its ACK to, no Record-Route: said as
/// NAT, naming the address and the fix, with the Contact as evidence.
#[test]
fn no_ack_names_a_private_contact_behind_nat() {
    let t = nat_callee(None, "198.51.100.1:5060", &[]);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert_eq!(f.severity, Severity::Failure);
    assert!(
        f.text.contains(
            "The 2xx's Contact, 192.168.1.20, is a private address and the 2xx has no \
             Record-Route, so the caller 198.51.100.1:5060 sends its ACK straight to an address \
             it cannot reach: the callee is behind NAT"
        ),
        "{}",
        f.text
    );
    assert!(
        f.evidence.iter().any(|e| e.msg == Some(2)
            && &*e.text == "Contact: sip:bob@192.168.1.20:5060;transport=udp (a private address)"),
        "{:#?}",
        f.evidence
    );
}

/// The caller's ACK seen going to the Contact's private address, the 2xx
/// resent: said as the ACK sent there instead of where the 2xx came from,
/// not as "lost or misrouted past this capture point".
#[test]
fn no_ack_sent_to_the_private_contact() {
    let t = nat_callee(Some("192.168.1.20:5060"), "198.51.100.1:5060", &[]);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text.starts_with(
            "203.0.113.5:5060 kept resending the 2xx (7 times): the caller sent its ACK 10 ms \
             after the first to 192.168.1.20:5060, the private address in the 2xx's Contact, \
             not to 203.0.113.5:5060 where the 2xx came from. The callee is behind NAT"
        ),
        "{}",
        f.text
    );
    // An ACK to another address that is not the Contact's: said plainly.
    let t = nat_callee(Some("198.51.100.7:5060"), "198.51.100.1:5060", &[]);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text.contains("the caller sent its ACK 10 ms after the first to 198.51.100.7:5060, not to 203.0.113.5:5060 where the 2xx came from, and it does not arrive")
            && !f.text.contains("behind NAT"),
        "{}",
        f.text
    );
}

/// Not NAT: the 2xx record-routes (the ACK goes to the proxy, which can
/// reach the inside address), or the caller is on a private network too.
#[test]
fn no_ack_private_contact_not_said_as_nat_when_it_can_be_reached() {
    for t in [
        nat_callee(
            None,
            "198.51.100.1:5060",
            &["Record-Route: <sip:203.0.113.9;lr>"],
        ),
        nat_callee(None, "192.168.1.7:5060", &[]),
    ] {
        let f = finding(t.call("c").unwrap(), "no-ack");
        assert!(
            !f.text.contains("NAT and advertises")
                && f.text
                    .contains("check the Contact and Record-Route addresses"),
            "{}",
            f.text
        );
    }
}

/// An answered call through the proxy, then `bye`: the steps of a BYE from
/// alice relayed to the phone, answered `code` there and relayed back.
fn proxied_call_then(bye_code: u16, callee_bye_ms: Option<i64>) -> Vec<Step> {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps = via_proxy(0, &inv, 200, "u", &[]);
    steps.push(Step::new(
        5,
        a(),
        p(),
        &request("ACK", "c", 1, "z9hG4bK2", Some("u"), &[], ""),
    ));
    steps.push(Step::new(
        6,
        p(),
        uas(),
        &relayed(&request("ACK", "c", 1, "z9hG4bK2", Some("u"), &[], "")),
    ));
    // The phone's own BYE (its own CSeq), before alice's.
    if let Some(ms) = callee_bye_ms {
        let own = request("BYE", "c", 7, "z9hG4bK9", Some("u"), &[], "");
        steps.push(Step::new(ms, uas(), p(), &own));
        steps.push(Step::new(ms + 1, p(), a(), &own));
    }
    let bye = request("BYE", "c", 2, "z9hG4bK3", Some("u"), &[], "");
    steps.extend(via_proxy(10_000, &bye, bye_code, "u", &[]));
    steps.extend(later(150_000));
    steps
}

/// A 481 to alice's BYE from the phone behind the proxy, which sent no
/// BYE of its own: a warning naming the phone, not "the BYEs crossed"
/// (the proxy's relayed copy of alice's BYE is not its own BYE).
#[test]
fn bye_481_through_a_proxy_names_the_phone_and_is_no_crossing() {
    let t = analyze(&proxied_call_then(481, None));
    let f = finding(t.call("c").unwrap(), "timer");
    assert_eq!(f.severity, Severity::Warning, "{f:#?}");
    assert!(
        f.text
            .starts_with("10.0.0.5:5060 answered BYE with 481: it does not know this dialog"),
        "{}",
        f.text
    );
}

/// The phone's own BYE left just before alice's reached it: they crossed
/// (harmless, said of the phone). Sent and refused long before: the
/// dialog was left half-open, a warning saying so.
#[test]
fn bye_481_crossed_or_after_a_refused_bye() {
    let t = analyze(&proxied_call_then(481, Some(9_999)));
    let f = finding(t.call("c").unwrap(), "timer");
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.text
            .starts_with("10.0.0.5:5060 answered BYE with 481 after sending its own BYE"),
        "{}",
        f.text
    );

    let mut steps = proxied_call_then(481, Some(1_000));
    let own = request("BYE", "c", 7, "z9hG4bK9", Some("u"), &[], "");
    steps.push(Step::new(
        1_002,
        a(),
        p(),
        &response(&own, 404, Some("a"), &[]),
    ));
    steps.push(Step::new(
        1_003,
        p(),
        uas(),
        &response(&own, 404, Some("a"), &[]),
    ));
    steps.sort_by_key(|s| s.ms);
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "timer");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.text.starts_with(
            "10.0.0.5:5060 answered BYE with 481: it had ended the dialog with its own BYE \
             9.0 s before, but that BYE was answered 404 Not Found, so the other side never \
             learnt the call was over"
        ),
        "{}",
        f.text
    );
}

/// A transfer whose NOTIFYs report `frags` (sipfrag status lines), each
/// answered 200.
fn transfer_reporting(frags: &[&str]) -> Triage {
    transfer_reporting_with(frags, Vec::new())
}

/// [`transfer_reporting`] with `more` steps (other calls) in the trace.
fn transfer_reporting_with(frags: &[&str], more: Vec<Step>) -> Triage {
    let mut steps = transfer_steps(None);
    steps.extend(more);
    for (k, frag) in frags.iter().enumerate() {
        let state = if k + 1 == frags.len() {
            "Subscription-State: terminated;reason=noresource"
        } else {
            "Subscription-State: active"
        };
        let n = request(
            "NOTIFY",
            "c",
            1 + k as u32,
            &format!("z9hG4bKn{k}"),
            Some("a-c"),
            &["Event: refer", state],
            &format!("{frag}\n"),
        )
        .replace("application/sdp", "message/sipfrag;version=2.0")
        .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
        let at = 10_020 + 1_000 * k as i64;
        steps.push(Step::new(at, b(), a(), &n));
        steps.push(Step::new(at + 5, a(), b(), &response(&n, 200, None, &[])));
    }
    steps.extend(answered_call("later", 40_000, 100));
    steps.sort_by_key(|s| s.ms);
    analyze(&steps)
}

/// The transferee's own call to the target, when the trace holds it, is
/// named in `refer-failed`: the INVITE call to the Refer-To user begun
/// between the REFER (10 s) and the NOTIFY reporting the failure (11.02
/// s), ended on the reported code. A call to that user long before the
/// REFER, one ended on another code, or one to another user is not it.
#[test]
fn refer_failed_names_the_transferees_call() {
    let to_carol = |steps: Vec<Step>| -> Vec<Step> {
        steps
            .into_iter()
            .map(|mut s| {
                s.sip = s
                    .sip
                    .replace("To: <sip:bob@example.com>", "To: <sip:carol@example.com>");
                s
            })
            .collect()
    };
    let frags = ["SIP/2.0 100 Trying", "SIP/2.0 486 Busy Here"];
    let decoys = || {
        let mut d = to_carol(rejected_call("early", 5_000, b(), 486, &[]));
        d.extend(to_carol(rejected_call("other-code", 10_200, b(), 404, &[])));
        d.extend(rejected_call("other-user", 10_300, b(), 486, &[]));
        d
    };
    let t = transfer_reporting_with(&frags, decoys());
    let f = finding(t.call("c").unwrap(), "refer-failed");
    assert!(!f.text.contains("own call"), "{}", f.text);
    assert!(f.evidence.iter().all(|e| !e.text.contains("Call-ID")));

    let mut more = decoys();
    more.extend(to_carol(rejected_call("leg", 10_100, b(), 486, &[])));
    let t = transfer_reporting_with(&frags, more);
    let f = finding(t.call("c").unwrap(), "refer-failed");
    assert!(
        f.text.ends_with(
            "(or hung up already). The transferee's own call to the target is in this trace: \
             Call-ID leg."
        ),
        "{}",
        f.text
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| &*e.text == "the transferee's own call to the target: Call-ID leg"),
        "{:#?}",
        f.evidence
    );
}

/// The transferee's call to the target refused (the last NOTIFY's
/// fragment a 486): the transfer failed, said with the target's answer
/// and leading to its code. A transfer that worked, or whose last report
/// is still provisional, says nothing.
#[test]
fn refer_failed_from_the_notify_fragment() {
    let t = transfer_reporting(&["SIP/2.0 100 Trying", "SIP/2.0 486 Busy Here"]);
    let c = t.call("c").unwrap();
    let f = finding(c, "refer-failed");
    assert_eq!((f.code, f.severity), (Some(486), Severity::Warning));
    assert!(
        f.text.starts_with(
            "The transfer failed: 10.0.0.2:5060 reported in its NOTIFY that the transfer \
             target answered 486 Busy Here"
        ),
        "{}",
        f.text
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| &*e.text == "NOTIFY body: SIP/2.0 486 Busy Here"),
        "{:#?}",
        f.evidence
    );
    assert!(!ids(c).contains(&"refer-no-notify"));
    // A NOTIFY of another event package after the last report is no
    // report of the transfer.
    let mut steps = transfer_steps(None);
    let n = request(
        "NOTIFY",
        "c",
        1,
        "z9hG4bKn0",
        Some("a-c"),
        &["Event: refer", "Subscription-State: terminated"],
        "SIP/2.0 486 Busy Here\n",
    )
    .replace("application/sdp", "message/sipfrag")
    .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
    steps.push(Step::new(10_020, b(), a(), &n));
    steps.push(Step::new(10_025, a(), b(), &response(&n, 200, None, &[])));
    let other = request(
        "NOTIFY",
        "c",
        2,
        "z9hG4bKn1",
        Some("a-c"),
        &["Event: dialog"],
        "",
    )
    .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
    steps.push(Step::new(10_030, b(), a(), &other));
    steps.push(Step::new(
        10_035,
        a(),
        b(),
        &response(&other, 200, None, &[]),
    ));
    steps.extend(answered_call("later", 40_000, 100));
    let t = analyze(&steps);
    assert_eq!(
        finding(t.call("c").unwrap(), "refer-failed").code,
        Some(486)
    );
    for ok in [
        &["SIP/2.0 100 Trying", "SIP/2.0 200 OK"][..],
        &["SIP/2.0 100 Trying"][..],
    ] {
        let t = transfer_reporting(ok);
        let c = t.call("c").unwrap();
        assert!(
            !ids(c).iter().any(|id| id.starts_with("refer")),
            "{:#?}",
            c.findings
        );
    }
}

/// The NAT case of `nat_callee` when the caller's ACK is seen going to the
/// private Contact and the callee hangs up after 64*T1: the call was
/// dropped, a failure that says the callee ended it.
#[test]
fn no_ack_to_the_private_contact_then_bye_is_a_failure() {
    let t = nat_callee(Some("192.168.1.20:5060"), "198.51.100.1:5060", &[]);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert_eq!(f.severity, Severity::Failure);
    assert!(
        f.text
            .ends_with("It ended the call with BYE 32.0 s after answering."),
        "{}",
        f.text
    );
}

/// Captured inside the NAT: the 2xx comes from the private address its
/// Contact names, to a public caller. Still a callee behind NAT.
#[test]
fn no_ack_private_contact_seen_inside_the_nat() {
    let (caller, inside) = (ep("198.51.100.1:5060"), ep("192.168.1.20:5060"));
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let ok = response(
        &inv,
        200,
        Some("b"),
        &["Contact: <sip:bob@192.168.1.20:5060>"],
    );
    let mut steps = vec![Step::new(0, caller, inside, &inv)];
    for ms in UNTIL_TIMER_B {
        steps.push(Step::new(ms, inside, caller, &ok));
    }
    let bye = request("BYE", "c", 2, "z9hG4bK3", None, &[], "");
    steps.push(Step::new(33_000, inside, caller, &bye));
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text
            .contains("the callee is behind NAT and advertises its inside address"),
        "{}",
        f.text
    );
}

/// A record-routing proxy that does no NAT handling passes the caller's
/// ACK on to the private Contact: said of the proxy, not as a forked
/// call's mix-up.
#[test]
fn no_ack_a_record_routing_proxy_sends_the_ack_to_the_private_contact() {
    let (caller, proxy) = (ep("198.51.100.1:5060"), ep("203.0.113.9:5060"));
    let (outside, inside) = (ep("203.0.113.5:5060"), ep("192.168.1.20:5060"));
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let hs = [
        "Record-Route: <sip:203.0.113.9;lr>",
        "Contact: <sip:bob@192.168.1.20:5060>",
    ];
    let mut steps = vec![
        Step::new(0, caller, proxy, &inv),
        Step::new(1, proxy, outside, &fwd),
    ];
    resent_2xx_via(
        &mut steps,
        [outside, proxy, caller],
        [&fwd, &inv],
        ("b", &hs),
        &UNTIL_TIMER_B,
    );
    let ack = request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], "");
    steps.push(Step::new(1010, caller, proxy, &ack));
    steps.push(Step::new(1011, proxy, inside, &relayed(&ack)));
    let bye = request("BYE", "c", 2, "z9hG4bK3", None, &[], "");
    steps.push(Step::new(33_000, outside, proxy, &bye));
    steps.sort_by_key(|s| s.ms);
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text.contains(
            "the caller's ACK went to 203.0.113.9:5060, which passed it on to \
             192.168.1.20:5060, the private address in the 2xx's Contact, not to \
             203.0.113.5:5060 where the 2xx came from. The callee is behind NAT and \
             203.0.113.9:5060 does no NAT handling for it"
        ) && !f.text.contains("forked"),
        "{}",
        f.text
    );
    assert_eq!(f.severity, Severity::Failure);
}

/// The phone's own BYE went unanswered and its client gave up (64*T1)
/// long before alice's BYE: not a crossing, the dialog was left
/// half-open.
#[test]
fn bye_481_after_an_own_bye_that_timed_out_is_no_crossing() {
    let mut steps = proxied_call_then(481, Some(1_000));
    for s in steps.iter_mut().filter(|s| s.ms >= 10_000) {
        s.ms += 30_000;
    }
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "timer");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.text.starts_with(
            "10.0.0.5:5060 answered BYE with 481: it had ended the dialog with its own BYE \
             39.0 s before, which was never answered"
        ),
        "{}",
        f.text
    );
}

/// The phone rang through the proxy and nobody answered: after 60 s the
/// proxy cancels its branch (CANCEL, 487) and answers the caller 408. A
/// no-answer, not "the element behind it never answered"; the same when
/// the phone itself ends its ringing with 408.
#[test]
fn a_408_after_ringing_is_a_call_not_answered() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(1, p(), a(), &response(&inv, 100, None, &[])),
        Step::new(2, p(), uas(), &fwd),
        Step::new(5, uas(), p(), &response(&fwd, 180, Some("u"), &[])),
        Step::new(6, p(), a(), &response(&inv, 180, Some("u"), &[])),
    ];
    let cancel = relayed(&request("CANCEL", "c", 1, "z9hG4bK1", None, &[], ""));
    steps.push(Step::new(60_006, p(), uas(), &cancel));
    steps.push(Step::new(
        60_007,
        uas(),
        p(),
        &response(&cancel, 200, None, &[]),
    ));
    steps.push(Step::new(
        60_008,
        uas(),
        p(),
        &response(&fwd, 487, Some("u"), &[]),
    ));
    steps.push(Step::new(
        60_009,
        p(),
        a(),
        &response(&inv, 408, Some("p"), &[]),
    ));
    steps.extend(later(200_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-response");
    assert!(
        f.text.starts_with(
            "10.0.0.9:5060 answered INVITE with 408 Request Timeout after 10.0.0.5:5060 had \
             been ringing for 1 min 0 s with nobody answering"
        ) && !f.text.contains("never answered in time"),
        "{}",
        f.text
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.msg == Some(3) && &*e.text == "180 Ringing from 10.0.0.5:5060"),
        "{:#?}",
        f.evidence
    );

    // The phone itself: 180, then its own 408 after 30 s.
    let inv = request("INVITE", "d", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(5, b(), a(), &response(&inv, 180, Some("b"), &[])),
        Step::new(30_005, b(), a(), &response(&inv, 408, Some("b"), &[])),
    ];
    steps.extend(later(200_000));
    let t = analyze(&steps);
    let f = finding(t.call("d").unwrap(), "no-response");
    assert!(
        f.text.starts_with(
            "10.0.0.2:5060 answered INVITE with 408 Request Timeout after 10.0.0.2:5060 had \
             been ringing for 30.0 s"
        ),
        "{}",
        f.text
    );
}

/// Review cases of `no-ack` through a proxy: the caller's ACK to a
/// record-routing proxy, passed on to the phone, which resends its 2xx
/// anyway, is lost past the capture point (not "sent elsewhere"); and
/// through a proxy that does not record-route, the NAT sentence names the
/// caller, not the proxy.
#[test]
fn no_ack_through_a_proxy_review_cases() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let ack = request("ACK", "c", 1, "z9hG4bK2", Some("u"), &[], "");
    let mut steps = resent_2xx_via_proxy(&UNTIL_TIMER_B, Some(1010));
    steps.push(Step::new(1011, p(), uas(), &relayed(&ack)));
    steps.sort_by_key(|s| s.ms);
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text.contains("lost or misrouted past this capture point"),
        "{}",
        f.text
    );

    let (caller, proxy) = (ep("198.51.100.1:5060"), ep("203.0.113.9:5060"));
    let outside = ep("203.0.113.5:5060");
    let contact = ["Contact: <sip:bob@192.168.1.20:5060>"];
    let mut steps = vec![
        Step::new(0, caller, proxy, &inv),
        Step::new(1, proxy, outside, &fwd),
    ];
    resent_2xx_via(
        &mut steps,
        [outside, proxy, caller],
        [&fwd, &inv],
        ("u", &contact),
        &UNTIL_TIMER_B,
    );
    steps.extend(later(150_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-ack");
    assert!(
        f.text
            .contains("so the caller 198.51.100.1:5060 sends its ACK straight"),
        "{}",
        f.text
    );
}

/// Serial failover, then a branch that rang: the proxy's 408 is about the
/// ringing branch (its timer), not the first, silent one.
#[test]
fn proxy_408_after_a_silent_branch_and_a_ringing_one() {
    let other = ep("10.0.0.6:5060");
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let first = relayed(&inv);
    let second = first.replacen("branch=z9hG4bK1p", "branch=z9hG4bK1q", 1);
    let mut steps = vec![Step::new(0, a(), p(), &inv)];
    for ms in [1, 501, 1501, 3501] {
        steps.push(Step::new(ms, p(), uas(), &first));
    }
    steps.push(Step::new(32_000, p(), other, &second));
    steps.push(Step::new(
        32_005,
        other,
        p(),
        &response(&second, 180, Some("o"), &[]),
    ));
    steps.push(Step::new(
        152_005,
        p(),
        a(),
        &response(&inv, 408, Some("p"), &[]),
    ));
    steps.extend(later(300_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-response");
    assert!(
        f.text
            .contains("after 10.0.0.6:5060 had been ringing for 2 min 0 s with nobody answering"),
        "{}",
        f.text
    );
}

/// 481 to a BYE in a log without times: no made-up "0 ms"; and a
/// crossing whose two BYEs share a CSeq number (each side numbers its
/// own) is still a crossing.
#[test]
fn bye_481_without_times_and_with_the_same_cseq() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(1, b(), a(), &response(&inv, 200, Some("b"), &[])),
        Step::new(
            2,
            a(),
            b(),
            &request("ACK", "c", 1, "z9hG4bK2", Some("b"), &[], ""),
        ),
    ];
    let theirs = request("BYE", "c", 2, "z9hG4bKb", Some("b"), &[], "");
    let mine = request("BYE", "c", 2, "z9hG4bKa", Some("b"), &[], "")
        .replace("10.0.0.1:5060;branch", "10.0.0.2:5060;branch");
    steps.push(Step::new(10_000, a(), b(), &theirs));
    steps.push(Step::new(10_001, b(), a(), &mine));
    steps.push(Step::new(
        10_002,
        b(),
        a(),
        &response(&theirs, 481, None, &[]),
    ));
    steps.push(Step::new(
        10_003,
        a(),
        b(),
        &response(&mine, 200, None, &[]),
    ));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "timer");
    assert_eq!(f.severity, Severity::Info, "{}", f.text);
    assert!(f.text.contains("crossed"), "{}", f.text);

    // Its own BYE answered long before, no times: no duration said.
    let mut steps = vec![
        Step::new(0, a(), b(), &inv),
        Step::new(1, b(), a(), &response(&inv, 200, Some("b"), &[])),
        Step::new(2, b(), a(), &mine),
        Step::new(3, a(), b(), &response(&mine, 200, None, &[])),
        Step::new(4, a(), b(), &theirs),
        Step::new(5, b(), a(), &response(&theirs, 481, None, &[])),
    ];
    steps.truncate(6);
    let t = analyze_untimed(&steps);
    let f = finding(t.call("c").unwrap(), "timer");
    assert!(
        f.text.contains("with its own BYE, answered 200 OK") && !f.text.contains("0 ms"),
        "{}",
        f.text
    );
}

/// When a 2xx is resent until 64*T1 (ms from the INVITE): 7 copies.
const UNTIL_TIMER_B: [i64; 7] = [1000, 1500, 2500, 4500, 8500, 12500, 16500];

/// The callee's 2xx (To tag and headers `with`) to `fwd`, the proxy's
/// copy of the INVITE `inv`, sent at each of `oks` (ms) and passed on by
/// the proxy at once: `hops` are the callee, the proxy and the caller.
fn resent_2xx_via(
    steps: &mut Vec<Step>,
    [callee, proxy, caller]: [super::Endpoint; 3],
    [fwd, inv]: [&str; 2],
    (tag, headers): (&str, &[&str]),
    oks: &[i64],
) {
    for &ms in oks {
        steps.push(Step::new(
            ms,
            callee,
            proxy,
            &response(fwd, 200, Some(tag), headers),
        ));
        steps.push(Step::new(
            ms + 1,
            proxy,
            caller,
            &response(inv, 200, Some(tag), headers),
        ));
    }
}

/// The proxy's INVITE on was answered 100 Trying and then nothing until
/// the proxy gave up with 408: the next hop took it and never finished it
/// (not "one hop further", not a call that rang).
#[test]
fn proxy_408_after_a_100_and_then_nothing() {
    let inv = request("INVITE", "c", 1, "z9hG4bK1", None, &[], &sdp("0"));
    let fwd = relayed(&inv);
    let mut steps = vec![
        Step::new(0, a(), p(), &inv),
        Step::new(1, p(), a(), &response(&inv, 100, None, &[])),
        Step::new(2, p(), uas(), &fwd),
        Step::new(3, uas(), p(), &response(&fwd, 100, None, &[])),
        Step::new(180_003, p(), a(), &response(&inv, 408, Some("p"), &[])),
    ];
    steps.extend(later(300_000));
    let t = analyze(&steps);
    let f = finding(t.call("c").unwrap(), "no-response");
    assert!(
        f.text.starts_with(
            "10.0.0.9:5060 answered INVITE with 408 Request Timeout because its own INVITE to \
             10.0.0.5:5060 got 100 Trying and then nothing more"
        ),
        "{}",
        f.text
    );
    assert!(
        f.evidence.iter().any(|e| e.msg == Some(3)
            && &*e.text == "last answer from 10.0.0.5:5060: 100 Trying, no final one"),
        "{:#?}",
        f.evidence
    );
}
