//! Building SIP call flows for tests and benchmarks: requests and responses
//! with consistent Via, From, To, Call-ID and CSeq, fed to an [`Analyzer`]
//! as [`Record`]s with times and addresses, as a reader would hand them.
//!
//! ```
//! use sipfix::trace::testkit::{ep, request, response, Step, analyze};
//! let (a, b) = (ep("10.0.0.1:5060"), ep("10.0.0.2:5060"));
//! let inv = request("INVITE", "call-1", 1, "z9hG4bK1", None, &[], "");
//! let busy = response(&inv, 486, Some("b1"), &[]);
//! let t = analyze(&[Step::new(0, a, b, &inv), Step::new(40, b, a, &busy)]);
//! assert_eq!(t.calls[0].final_code(), Some(486));
//! ```

use super::model::{Analyzer, Options, Triage};
use super::{Endpoint, Record, Sink, SourceInfo, Transport};

/// An endpoint from `ip:port` (or `[v6]:port`); panics on bad input (tests only).
pub fn ep(s: &str) -> Endpoint {
    let a: std::net::SocketAddr = s.parse().expect("ip:port");
    Endpoint {
        ip: a.ip(),
        port: a.port(),
    }
}

/// One message on the wire: milliseconds from the start, from, to, text.
#[derive(Clone, Debug)]
pub struct Step {
    pub ms: i64,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub sip: String,
}

impl Step {
    pub fn new(ms: i64, src: Endpoint, dst: Endpoint, sip: &str) -> Step {
        Step {
            ms,
            src,
            dst,
            sip: sip.to_string(),
        }
    }
}

/// The start of every test trace: 2024-03-01T12:00:00Z.
pub const T0_NS: i64 = 1_709_294_400_000_000_000;

/// Feed steps to an analyzer as records of file 0, frames 1, 2, ...
pub fn feed(a: &mut Analyzer, steps: &[Step]) {
    feed_file(a, 0, steps);
}

/// Feed steps to an analyzer as records of input `file`.
pub fn feed_file(a: &mut Analyzer, file: u32, steps: &[Step]) {
    feed_records(a, file, steps, true);
}

/// Feed steps as records of input `file`, with their times or, `timed`
/// false, none (in the order listed).
fn feed_records(a: &mut Analyzer, file: u32, steps: &[Step], timed: bool) {
    for (i, s) in steps.iter().enumerate() {
        let frame = i as u64 + 1;
        a.record(Record {
            file,
            frame,
            frames: &[frame],
            time_ns: timed.then_some(T0_NS + s.ms * 1_000_000),
            src: Some(s.src),
            dst: Some(s.dst),
            transport: Transport::Udp,
            interface: 0,
            payload: s.sip.as_bytes(),
            datagram: false,
        });
    }
}

/// Finish an analysis of `steps` read as one input of `format`.
fn finish(a: Analyzer, steps: &[Step], format: super::Format) -> Triage {
    let info = SourceInfo {
        path: "test".into(),
        format,
        packets: steps.len() as u64,
        sip_messages: steps.len() as u64,
        bytes: steps.iter().map(|s| s.sip.len() as u64).sum(),
        ..SourceInfo::default()
    };
    a.finish(vec![info], crate::kb::Kb::embedded())
}

/// Analyse steps as a log without times would give them (ngrep without
/// `-t`, pasted messages): in their order, none with a time (`ms` only
/// orders nothing: the steps are fed as listed).
pub fn analyze_untimed(steps: &[Step]) -> Triage {
    let mut a = Analyzer::new(Options::default());
    feed_records(&mut a, 0, steps, false);
    finish(a, steps, super::Format::Ngrep)
}

/// Analyse steps with default options and the embedded knowledge base.
pub fn analyze(steps: &[Step]) -> Triage {
    analyze_with(steps, Options::default())
}

/// Analyse steps with options.
pub fn analyze_with(steps: &[Step], opts: Options) -> Triage {
    let mut a = Analyzer::new(opts);
    feed(&mut a, steps);
    finish(a, steps, super::Format::Raw)
}

/// A request from alice (10.0.0.1) to bob. `cseq_method` is the method
/// (`ACK` and `CANCEL` keep their own); `to_tag` makes it in-dialog;
/// `headers` are added as given; a non-empty `body` is SDP.
pub fn request(
    method: &str,
    call_id: &str,
    cseq: u32,
    branch: &str,
    to_tag: Option<&str>,
    headers: &[&str],
    body: &str,
) -> String {
    let mut s = format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n\
         Max-Forwards: 70\r\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a-{call_id}\r\n\
         To: <sip:bob@example.com>{}\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} {method}\r\n\
         Contact: <sip:alice@10.0.0.1:5060>\r\n",
        to_tag.map(|t| format!(";tag={t}")).unwrap_or_default()
    );
    end(&mut s, headers, body);
    s
}

/// The extra headers, then Content-Type and Content-Length, the blank line
/// and the body (SDP when not empty).
fn end(s: &mut String, headers: &[&str], body: &str) {
    for h in headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    if body.is_empty() {
        s.push_str("Content-Length: 0\r\n\r\n");
    } else {
        s.push_str(&format!(
            "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    }
}

/// An SDP offer with these RTP payload types (`"0 8 101"`).
pub fn sdp(payloads: &str) -> String {
    let mut s = format!(
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP {payloads}\r\n"
    );
    if payloads.split(' ').any(|p| p == "101") {
        s.push_str("a=rtpmap:101 telephone-event/8000\r\n");
    }
    s
}

/// A response to `req`: Via, From, To (with `to_tag` added when it has
/// none), Call-ID and CSeq copied; the registered reason phrase.
pub fn response(req: &str, code: u16, to_tag: Option<&str>, headers: &[&str]) -> String {
    let reason = crate::kb::Kb::embedded()
        .get(code)
        .map_or("Whatever", |e| e.reason.as_str());
    response_with(req, code, reason, to_tag, headers, "")
}

/// [`response`] with a chosen reason phrase and body.
pub fn response_with(
    req: &str,
    code: u16,
    reason: &str,
    to_tag: Option<&str>,
    headers: &[&str],
    body: &str,
) -> String {
    let mut s = format!("SIP/2.0 {code} {reason}\r\n");
    for line in req.split("\r\n").skip(1) {
        if line.is_empty() {
            break;
        }
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        match name.as_str() {
            "via" | "from" | "call-id" | "cseq" => {
                s.push_str(line);
                s.push_str("\r\n");
            }
            "to" => {
                s.push_str(line);
                if let Some(t) = to_tag
                    && !line.contains(";tag=")
                {
                    s.push_str(&format!(";tag={t}"));
                }
                s.push_str("\r\n");
            }
            _ => {}
        }
    }
    end(&mut s, headers, body);
    s
}

/// A whole answered call: INVITE, 100, 180, 200, ACK, then BYE and 200 at
/// `bye_ms` (the BYE from the caller). Times in ms from `start`.
pub fn answered_call(call_id: &str, start: i64, bye_ms: i64) -> Vec<Step> {
    let (a, b) = (ep("10.0.0.1:5060"), ep("10.0.0.2:5060"));
    let inv = request(
        "INVITE",
        call_id,
        1,
        &format!("z9hG4bK{call_id}1"),
        None,
        &[],
        &sdp("0 8 101"),
    );
    let ack = request(
        "ACK",
        call_id,
        1,
        &format!("z9hG4bK{call_id}2"),
        Some("b"),
        &[],
        "",
    );
    let bye = request(
        "BYE",
        call_id,
        2,
        &format!("z9hG4bK{call_id}3"),
        Some("b"),
        &[],
        "",
    );
    vec![
        Step::new(start, a, b, &inv),
        Step::new(start + 5, b, a, &response(&inv, 100, None, &[])),
        Step::new(start + 800, b, a, &response(&inv, 180, Some("b"), &[])),
        Step::new(start + 4000, b, a, &response(&inv, 200, Some("b"), &[])),
        Step::new(start + 4010, a, b, &ack),
        Step::new(start + bye_ms, a, b, &bye),
        Step::new(start + bye_ms + 10, b, a, &response(&bye, 200, None, &[])),
    ]
}

/// A rejected call: INVITE from 10.0.0.1 to `callee`, 100 Trying after
/// 5 ms, the final `code` (with `headers`) after 10 ms, and its ACK.
pub fn rejected_call(
    call_id: &str,
    start: i64,
    callee: Endpoint,
    code: u16,
    headers: &[&str],
) -> Vec<Step> {
    let a = ep("10.0.0.1:5060");
    let branch = format!("z9hG4bK{call_id}r");
    let inv = request("INVITE", call_id, 1, &branch, None, &[], &sdp("0 8 101"));
    vec![
        Step::new(start, a, callee, &inv),
        Step::new(start + 5, callee, a, &response(&inv, 100, None, &[])),
        Step::new(
            start + 10,
            callee,
            a,
            &response(&inv, code, Some("r"), headers),
        ),
        Step::new(
            start + 11,
            a,
            callee,
            &request("ACK", call_id, 1, &branch, Some("r"), &[], ""),
        ),
    ]
}

/// The steps as an Ethernet/UDP pcap (times from [`T0_NS`]): a capture
/// file for tests and benchmarks that read a trace end to end.
pub fn pcap(steps: &[Step]) -> Vec<u8> {
    let frames: Vec<(i64, Vec<u8>)> = steps
        .iter()
        .map(|s| {
            (
                T0_NS + s.ms * 1_000_000,
                super::synth::eth(&super::synth::udp_ip(
                    &s.src.to_string(),
                    &s.dst.to_string(),
                    s.sip.as_bytes(),
                )),
            )
        })
        .collect();
    super::synth::pcap(super::synth::linktype::ETHERNET, &frames)
}

/// The steps as [`pcap`] writes them, each frame cut to its first
/// `snaplen` bytes as `tcpdump -s` records it (the frame's whole length
/// kept in the record header).
pub fn pcap_snapped(steps: &[Step], snaplen: usize) -> Vec<u8> {
    let mut w = super::synth::PcapWriter::new(
        Vec::new(),
        super::synth::linktype::ETHERNET,
        super::synth::Resolution::Micro,
        false,
        snaplen as u32,
    )
    .expect("writing to memory");
    for s in steps {
        let frame = super::synth::eth(&super::synth::udp_ip(
            &s.src.to_string(),
            &s.dst.to_string(),
            s.sip.as_bytes(),
        ));
        w.packet(
            T0_NS + s.ms * 1_000_000,
            &frame[..frame.len().min(snaplen)],
            frame.len() as u32,
        )
        .expect("writing to memory");
    }
    w.into_inner()
}

/// A small trunk for UI tests: an answered call, a busy one (486), a
/// failed one (503 with Retry-After and a Q.850 cause, from 10.0.0.4)
/// and a REGISTER challenged then accepted, in time order.
pub fn trunk() -> Vec<Step> {
    let mut v = answered_call("ok-1@10.0.0.1", 0, 30_000);
    v.extend(rejected_call(
        "busy-1@10.0.0.1",
        100,
        ep("10.0.0.3:5060"),
        486,
        &[],
    ));
    v.extend(rejected_call(
        "fail-1@10.0.0.1",
        200,
        ep("10.0.0.4:5060"),
        503,
        &[
            "Retry-After: 60",
            "Reason: Q.850;cause=34;text=\"No circuit\"",
        ],
    ));
    let (a, r) = (ep("10.0.0.1:5060"), ep("10.0.0.9:5060"));
    let reg = request(
        "REGISTER",
        "reg-1@10.0.0.1",
        1,
        "z9hG4bKreg1",
        None,
        &[],
        "",
    );
    let reg2 = request(
        "REGISTER",
        "reg-1@10.0.0.1",
        2,
        "z9hG4bKreg2",
        None,
        &[
            "Authorization: Digest username=\"alice\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"r\"",
        ],
        "",
    );
    v.push(Step::new(300, a, r, &reg));
    v.push(Step::new(
        305,
        r,
        a,
        &response(
            &reg,
            401,
            Some("r1"),
            &["WWW-Authenticate: Digest realm=\"x\", nonce=\"n\""],
        ),
    ));
    v.push(Step::new(310, a, r, &reg2));
    v.push(Step::new(315, r, a, &response(&reg2, 200, Some("r1"), &[])));
    v.sort_by_key(|s| s.ms);
    v
}

/// A busy trunk of `calls` calls, one every 20 ms: half answered, a
/// quarter busy (486 from 10.0.0.2), a quarter 503 with Retry-After and a
/// Q.850 cause (from 10.0.0.3); for benchmarks.
pub fn busy_trunk(calls: usize) -> Vec<Step> {
    let mut v = Vec::new();
    for i in 0..calls {
        let id = format!("{i}-bench@10.0.0.1");
        let t = i as i64 * 20;
        v.extend(match i % 4 {
            0 | 1 => answered_call(&id, t, 30_000),
            2 => rejected_call(&id, t, ep("10.0.0.2:5060"), 486, &[]),
            _ => rejected_call(
                &id,
                t,
                ep("10.0.0.3:5060"),
                503,
                &["Retry-After: 60", "Reason: Q.850;cause=34"],
            ),
        });
    }
    v.sort_by_key(|s| s.ms);
    v
}
