//! Reassembly and encapsulations on synthetic captures: TCP (split, out
//! of order, retransmitted, several messages per segment, keep-alives,
//! joined mid-stream, gaps, bounds), IP fragments, tunnels, HEP,
//! WebSocket, SCTP.

use sipfix::trace::synth::{self, Collect, flags as tf, linktype as lt};
use sipfix::trace::{Format, Input, Transport, read_inputs};

const T0: i64 = 1_700_000_000_000_000_000;
const A: &str = "10.0.0.1:5060";
const B: &str = "10.0.0.2:5060";

fn invite(call: &str) -> Vec<u8> {
    synth::request("INVITE", call, 1, synth::SDP).into_bytes()
}

fn resp(code: u16, call: &str) -> Vec<u8> {
    synth::response(code, "X", call, 1, "INVITE").into_bytes()
}

/// A pcap of Ethernet frames from IP packets, 1 ms apart.
fn cap(ips: &[Vec<u8>]) -> Vec<u8> {
    let frames: Vec<(i64, Vec<u8>)> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| (T0 + i as i64 * 1_000_000, synth::eth(ip)))
        .collect();
    synth::pcap(lt::ETHERNET, &frames)
}

fn read(data: &[u8]) -> Collect {
    synth::read_bytes(data).unwrap_or_else(|e| panic!("{e}")).1
}

fn calls(c: &Collect) -> Vec<String> {
    c.records.iter().map(calls_of).collect()
}

/// A record's Call-ID.
fn calls_of(r: &synth::Owned) -> String {
    r.text()
        .lines()
        .find_map(|l| l.strip_prefix("Call-ID: "))
        .unwrap_or("?")
        .to_string()
}

/// Segments of `stream` (cut at `cuts`) starting at sequence `isn + 1`.
fn segments(stream: &[u8], cuts: &[usize], isn: u32) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut prev = 0;
    for &c in cuts.iter().chain(std::iter::once(&stream.len())) {
        out.push((isn + 1 + prev as u32, stream[prev..c].to_vec()));
        prev = c;
    }
    out
}

#[test]
fn tcp_one_message_over_many_segments_and_many_in_one() {
    let stream = [
        invite("m1"),
        b"\r\n\r\n".to_vec(),
        invite("m2"),
        resp(180, "m2"),
    ]
    .concat();
    let isn = 1000;
    let mut ips = vec![synth::tcp_ip(A, B, isn, tf::SYN, b"")];
    // m1 over three segments; m2's end, the keep-alive and 180 in one.
    let first = invite("m1").len() + 4;
    let cuts = [10, 200, first + 30];
    for (seq, data) in segments(&stream, &cuts, isn) {
        ips.push(synth::tcp_ip(A, B, seq, tf::ACK | tf::PSH, &data));
    }
    let c = read(&cap(&ips));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(calls(&c), vec!["m1", "m2", "m2"]);
    let r = &c.records;
    assert_eq!(r[0].transport, Transport::Tcp);
    assert_eq!((r[0].frame, r[0].frames.clone()), (4, vec![2, 3, 4]));
    assert_eq!((r[1].frame, r[1].frames.clone()), (5, vec![4, 5]));
    assert_eq!((r[2].frame, r[2].frames.clone()), (5, vec![5]));
    assert_eq!(r[0].sip, invite("m1"));
    assert_eq!(r[2].sip, resp(180, "m2"));
    assert_eq!(r[0].time_ns, Some(T0 + 3_000_000));
}

#[test]
fn tcp_out_of_order_and_retransmitted() {
    let stream = [invite("o1"), invite("o2")].concat();
    let isn = 7;
    let segs = segments(&stream, &[100, 300, 500], isn);
    let mut ips = vec![synth::tcp_ip(A, B, isn, tf::SYN, b"")];
    // Order 0, 2, 1 (out of order), then 1 again and 0 again
    // (retransmissions), then 3.
    for i in [0usize, 2, 1, 1, 0, 3] {
        ips.push(synth::tcp_ip(A, B, segs[i].0, tf::ACK, &segs[i].1));
    }
    let c = read(&cap(&ips));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(calls(&c), vec!["o1", "o2"]);
    assert_eq!(c.records[0].sip, invite("o1"));
    assert_eq!(c.records[1].sip, invite("o2"));
    // A partial overlap: a retransmission carrying old and new bytes.
    let isn = 50;
    let s = invite("p1");
    let ips = vec![
        synth::tcp_ip(A, B, isn, tf::SYN, b""),
        synth::tcp_ip(A, B, isn + 1, tf::ACK, &s[..100]),
        synth::tcp_ip(A, B, isn + 51, tf::ACK, &s[50..]),
    ];
    let c = read(&cap(&ips));
    assert_eq!(c.records.len(), 1);
    assert_eq!(c.records[0].sip, s);
}

#[test]
fn tcp_joined_mid_message_resynchronises() {
    // The capture starts in the middle of m0's body; no SYN seen.
    let stream = [invite("m0"), invite("m1")].concat();
    let from = 120;
    let ips = vec![
        synth::tcp_ip(A, B, 5000, tf::ACK, &stream[from..400]),
        synth::tcp_ip(A, B, 5000 + (400 - from) as u32, tf::ACK, &stream[400..]),
    ];
    let c = read(&cap(&ips));
    assert_eq!(calls(&c), vec!["m1"]);
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert!(c.problems[0].text.contains("joined mid-message"));
    // A stream joined exactly at a message start needs no note.
    let ips = vec![synth::tcp_ip(A, B, 9, tf::ACK, &invite("clean"))];
    let c = read(&cap(&ips));
    assert_eq!(calls(&c), vec!["clean"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn tcp_gap_is_reported_and_reading_resumes() {
    let stream = [invite("g1"), invite("g2"), invite("g3")].concat();
    let l = invite("g1").len();
    let head = invite("g2")
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap()
        + 4;
    let isn = 100;
    let segs = segments(&stream, &[l, l + head + 10, 2 * l], isn);
    let mut ips = vec![synth::tcp_ip(A, B, isn, tf::SYN, b"")];
    // The segment in the middle of g2 was never captured.
    for i in [0usize, 1, 3] {
        ips.push(synth::tcp_ip(A, B, segs[i].0, tf::ACK, &segs[i].1));
    }
    let c = read(&cap(&ips));
    // g2's headers were complete before the gap: handed on, flagged.
    assert_eq!(calls(&c), vec!["g1", "g2", "g3"]);
    let texts: Vec<&str> = c.problems.iter().map(|p| p.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("TCP gap")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("body is incomplete")),
        "{texts:?}"
    );
}

/// One TCP connection between A and B as a capture sees it: each segment
/// acknowledges all the other side has sent, captured or not.
struct Conn {
    /// Next sequence number of A, of B.
    next: [u32; 2],
    /// The captured IP packets, and the ones cut by the snap length (index,
    /// bytes cut off the end).
    ips: Vec<Vec<u8>>,
    cut: Vec<(usize, usize)>,
    /// Time added to the packets captured from now on ([`Conn::wait`]).
    late: i64,
    /// Each captured packet's time.
    times: Vec<i64>,
}

impl Conn {
    /// SYN and SYN-ACK, captured.
    fn open() -> Conn {
        let (a, b) = (1000, 70_000);
        let ips = vec![
            synth::tcp_ip_ack(A, B, a, 0, tf::SYN, b""),
            synth::tcp_ip_ack(B, A, b, a + 1, tf::SYN | tf::ACK, b""),
        ];
        Conn {
            next: [a + 1, b + 1],
            times: vec![time_of(1), time_of(2)],
            ips,
            cut: Vec::new(),
            late: 0,
        }
    }

    /// The packets captured from now on come `ms` later.
    fn wait(&mut self, ms: i64) {
        self.late += ms * 1_000_000;
    }

    /// A segment from A (`from_a`) or B; not in the capture unless
    /// `captured`. Returns its frame number when captured.
    fn send(&mut self, from_a: bool, data: &[u8], captured: bool) -> Option<u64> {
        let (i, src, dst) = if from_a { (0, A, B) } else { (1, B, A) };
        let ip = synth::tcp_ip_ack(
            src,
            dst,
            self.next[i],
            self.next[1 - i],
            tf::ACK | if data.is_empty() { 0 } else { tf::PSH },
            data,
        );
        self.next[i] += data.len() as u32;
        if !captured {
            return None;
        }
        self.ips.push(ip);
        let n = self.ips.len() as u64;
        self.times.push(time_of(n) + self.late);
        Some(n)
    }

    /// The last captured packet loses its last `n` bytes to the snap length.
    fn cut_last(&mut self, n: usize) {
        self.cut.push((self.ips.len() - 1, n));
    }

    /// The capture: Ethernet frames 1 ms apart (frame `n` at
    /// [`time_of`]`(n)`).
    fn capture(&self) -> Vec<u8> {
        let mut w = synth::PcapWriter::new(
            Vec::new(),
            lt::ETHERNET,
            synth::Resolution::Micro,
            false,
            65535,
        )
        .unwrap();
        for (i, ip) in self.ips.iter().enumerate() {
            let f = synth::eth(ip);
            let n = self.cut.iter().find(|c| c.0 == i).map_or(0, |c| c.1);
            w.packet(self.times[i], &f[..f.len() - n], f.len() as u32)
                .unwrap();
        }
        w.into_inner()
    }
}

/// The time of frame `n` in captures made by [`cap`] and [`Conn`].
fn time_of(n: u64) -> i64 {
    T0 + (n as i64 - 1) * 1_000_000
}

/// Each record's first line, frame and time, in the order handed on.
fn stamps(c: &Collect) -> Vec<(String, u64, Option<i64>)> {
    c.records
        .iter()
        .map(|r| {
            let t = r.text();
            (
                t.lines().next().unwrap_or("").to_string(),
                r.frame,
                r.time_ns,
            )
        })
        .collect()
}

fn line(m: &[u8]) -> String {
    String::from_utf8_lossy(m)
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn tcp_lost_segment_later_messages_keep_their_frames() {
    let ringing = resp(180, "l1");
    for ack_first in [true, false] {
        let mut c = Conn::open();
        let inv = c.send(true, &invite("l1"), true).unwrap();
        c.send(false, b"", true);
        let trying = c.send(false, &resp(100, "l1"), true).unwrap();
        // The 180 was never captured; B's 200 follows, and A's ACK for
        // them comes before or after it.
        c.send(false, &ringing, false);
        if ack_first {
            c.send(true, b"", true);
        }
        let ok = c.send(false, &resp(200, "l1"), true).unwrap();
        if !ack_first {
            c.send(true, b"", true);
        }
        let ack_req = synth::request("ACK", "l1", 1, "").into_bytes();
        let ack = c.send(true, &ack_req, true).unwrap();
        // The stream goes on with empty segments long after.
        c.send(false, b"", true);
        c.send(true, b"", true);
        c.send(false, b"", true);
        let got = read(&c.capture());
        let want = vec![
            (line(&invite("l1")), inv, Some(time_of(inv))),
            (line(&resp(100, "l1")), trying, Some(time_of(trying))),
            (line(&resp(200, "l1")), ok, Some(time_of(ok))),
            (line(&ack_req), ack, Some(time_of(ack))),
        ];
        assert_eq!(stamps(&got), want, "ack first: {ack_first}");
        let texts: Vec<(Option<u64>, &str)> = got
            .problems
            .iter()
            .map(|p| (p.frame, p.text.as_str()))
            .collect();
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert_eq!(texts[0].0, Some(ok), "{texts:?}");
        let gap = format!("TCP gap: {} bytes from {B} to {A}", ringing.len());
        assert!(texts[0].1.starts_with(&gap), "{texts:?}");
    }
}

#[test]
fn tcp_gap_with_no_acknowledgement_seen_keeps_frames() {
    // One direction only (no ACK to tell the hole is for good): the
    // held messages keep their own frames at the end of the capture, or
    // once the stream has gone on well past the hole.
    let isn = 100;
    let stream = [invite("h1"), invite("h2"), invite("h3"), invite("h4")].concat();
    let l = invite("h1").len();
    let segs = segments(&stream, &[l, 2 * l, 3 * l], isn);
    let other = synth::tcp_ip("10.0.0.7:5060", "10.0.0.8:5060", 9, tf::ACK, &invite("x"));
    for late in [false, true] {
        let mut frames = vec![
            (time_of(1), synth::tcp_ip(A, B, isn, tf::SYN, b"")),
            (
                time_of(2),
                synth::tcp_ip(A, B, segs[0].0, tf::ACK, &segs[0].1),
            ),
            // h2 lost.
            (
                time_of(3),
                synth::tcp_ip(A, B, segs[2].0, tf::ACK, &segs[2].1),
            ),
        ];
        if late {
            // h4 a minute later: the hole is given up then, not at the end.
            frames.push((
                time_of(3) + 60_000_000_000,
                synth::tcp_ip(A, B, segs[3].0, tf::ACK, &segs[3].1),
            ));
            frames.push((time_of(3) + 61_000_000_000, other.clone()));
        } else {
            frames.push((
                time_of(4),
                synth::tcp_ip(A, B, isn + 1 + 3 * l as u32, tf::ACK, b""),
            ));
            frames.push((
                time_of(5),
                synth::tcp_ip(A, B, isn + 1 + 3 * l as u32, tf::ACK, b""),
            ));
        }
        let frames: Vec<(i64, Vec<u8>)> = frames
            .into_iter()
            .map(|(t, ip)| (t, synth::eth(&ip)))
            .collect();
        let got = read(&synth::pcap(lt::ETHERNET, &frames));
        let r: Vec<(String, u64, Option<i64>)> = got
            .records
            .iter()
            .map(|r| (calls_of(r), r.frame, r.time_ns))
            .collect();
        let mut want = vec![
            ("h1".to_string(), 2, Some(time_of(2))),
            ("h3".to_string(), 3, Some(time_of(3))),
        ];
        if late {
            want.push(("h4".to_string(), 4, Some(time_of(3) + 60_000_000_000)));
            want.push(("x".to_string(), 5, Some(time_of(3) + 61_000_000_000)));
        }
        assert_eq!(r, want, "late: {late}");
        assert_eq!(got.problems.len(), 1, "{:?}", got.problems);
        assert_eq!(got.problems[0].frame, Some(3));
        assert!(
            got.problems[0]
                .text
                .starts_with(&format!("TCP gap: {l} bytes")),
            "{:?}",
            got.problems
        );
    }
}

#[test]
fn tcp_first_data_segment_lost() {
    let mut c = Conn::open();
    let inv = invite("f1");
    c.send(true, &inv, false);
    c.send(false, b"", true);
    let trying = c.send(false, &resp(100, "f1"), true).unwrap();
    let ok = c.send(false, &resp(200, "f1"), true).unwrap();
    let ack_req = synth::request("ACK", "f1", 1, "").into_bytes();
    let ack = c.send(true, &ack_req, true).unwrap();
    c.send(false, b"", true);
    c.send(true, b"", true);
    let got = read(&c.capture());
    let want = vec![
        (line(&resp(100, "f1")), trying, Some(time_of(trying))),
        (line(&resp(200, "f1")), ok, Some(time_of(ok))),
        (line(&ack_req), ack, Some(time_of(ack))),
    ];
    assert_eq!(stamps(&got), want);
    assert_eq!(got.problems.len(), 1, "{:?}", got.problems);
    assert_eq!(got.problems[0].frame, Some(ack));
    let gap = format!("TCP gap: {} bytes from {A} to {B}", inv.len());
    assert!(got.problems[0].text.starts_with(&gap), "{:?}", got.problems);
}

/// A direction's last segment lost, nothing after it from that side: the
/// other side's ACK shows the bytes were sent, so the gap is reported
/// (there was no line at all). A FIN's one sequence number is no gap.
#[test]
fn tcp_last_segment_lost_is_told_by_the_peers_ack() {
    let mut c = Conn::open();
    let inv = invite("l1");
    let f_inv = c.send(true, &inv, true).unwrap();
    let trying = c.send(false, &resp(100, "l1"), true).unwrap();
    // The 200 OK never reached the capture; the ACK of A covers it.
    c.send(false, &resp(200, "l1"), false);
    let ack_req = synth::request("ACK", "l1", 1, "").into_bytes();
    let ack = c.send(true, &ack_req, true).unwrap();
    let got = read(&c.capture());
    let want = vec![
        (line(&inv), f_inv, Some(time_of(f_inv))),
        (line(&resp(100, "l1")), trying, Some(time_of(trying))),
        (line(&ack_req), ack, Some(time_of(ack))),
    ];
    assert_eq!(stamps(&got), want);
    assert_eq!(got.problems.len(), 1, "{:?}", got.problems);
    assert_eq!(got.problems[0].frame, Some(ack));
    let gap = format!(
        "TCP gap: the last {} bytes from {B} to {A} were not captured",
        resp(200, "l1").len()
    );
    assert!(got.problems[0].text.starts_with(&gap), "{:?}", got.problems);

    // Nothing lost: no line, whatever the last ACKs say.
    let mut c = Conn::open();
    c.send(true, &invite("l2"), true);
    c.send(false, &resp(200, "l2"), true);
    c.send(true, b"", true);
    c.send(false, b"", true);
    let got = read(&c.capture());
    assert!(got.problems.is_empty(), "{:?}", got.problems);
}

/// A response lost in a TCP gap (its bytes acknowledged, never captured)
/// is no evidence of silence: the OPTIONS's `no-response` says its answer
/// may have been in the gap, and the request is not called unanswered. It
/// was a failure 40 s later, past Timer F: "got no response of any kind".
#[test]
fn an_answer_lost_in_a_tcp_gap_is_not_silence() {
    let mut c = Conn::open();
    let ping = synth::request("OPTIONS", "g1", 1, "").into_bytes();
    c.send(true, &ping, true);
    let pong = synth::response(200, "OK", "g1", 1, "OPTIONS").into_bytes();
    c.send(false, &pong, false);
    c.send(true, b"", true);
    c.wait(40_000);
    let options = synth::request("OPTIONS", "g2", 1, "").into_bytes();
    c.send(true, &options, true);
    let ok = synth::response(200, "OK", "g2", 1, "OPTIONS").into_bytes();
    c.send(false, &ok, true);
    let mut a = sipfix::trace::model::Analyzer::new(sipfix::trace::model::Options::default());
    let sources = read_inputs(&[Input::Bytes(c.capture())], Format::Auto, &mut a).unwrap();
    let t = a.finish(sources, sipfix::kb::Kb::embedded());
    let call = t.call("g1").expect("the INVITE's call");
    assert_ne!(call.outcome, sipfix::trace::Outcome::Failure);
    let said: Vec<&str> = call.findings.iter().map(|f| &*f.text).collect();
    assert!(
        said.iter().any(|s| s.contains(&format!(
            "the capture lost part of the TCP stream from {B} to {A} (1 gap), the last of \
             them after this OPTIONS: its answer may be among them"
        ))),
        "{said:#?}"
    );
}

#[test]
fn tcp_segment_cut_by_the_snap_length() {
    let mut c = Conn::open();
    let inv = invite("s1");
    let f_inv = c.send(true, &inv, true).unwrap();
    // The last 40 bytes of the SDP were not captured.
    c.cut_last(40);
    c.send(false, b"", true);
    let ok = c.send(false, &resp(200, "s1"), true).unwrap();
    let ack_req = synth::request("ACK", "s1", 1, "").into_bytes();
    let ack = c.send(true, &ack_req, true).unwrap();
    let bye_req = synth::request("BYE", "s1", 2, "").into_bytes();
    let bye = c.send(true, &bye_req, true).unwrap();
    let bye_ok = synth::response(200, "OK", "s1", 2, "BYE").into_bytes();
    let f_bye_ok = c.send(false, &bye_ok, true).unwrap();
    c.send(true, b"", true);
    c.send(false, b"", true);
    let got = read(&c.capture());
    let want = vec![
        (line(&inv), f_inv, Some(time_of(f_inv))),
        (line(&resp(200, "s1")), ok, Some(time_of(ok))),
        (line(&ack_req), ack, Some(time_of(ack))),
        (line(&bye_req), bye, Some(time_of(bye))),
        (line(&bye_ok), f_bye_ok, Some(time_of(f_bye_ok))),
    ];
    assert_eq!(stamps(&got), want);
    // The INVITE's headers were read; its body is short of 40 bytes.
    assert_eq!(got.records[0].sip, inv[..inv.len() - 40]);
    assert_eq!(got.problems.len(), 1, "{:?}", got.problems);
    let p = &got.problems[0];
    assert_eq!(p.frame, Some(f_inv));
    assert!(
        p.text
            .starts_with(&format!("TCP gap: 40 bytes from {A} to {B}")),
        "{p:?}"
    );
    assert!(p.text.contains("snap length"), "{p:?}");
    assert!(p.text.contains("body is incomplete"), "{p:?}");
}

#[test]
fn tcp_capture_ending_mid_message() {
    let s = invite("cut");
    let ips = vec![
        synth::tcp_ip(A, B, 1, tf::SYN, b""),
        synth::tcp_ip(A, B, 2, tf::ACK, &s[..s.len() - 20]),
    ];
    let c = read(&cap(&ips));
    assert_eq!(calls(&c), vec!["cut"]);
    assert_eq!(c.problems.len(), 1);
    assert!(
        c.problems[0].text.contains("the capture ends"),
        "{:?}",
        c.problems
    );
}

#[test]
fn tcp_that_never_frames_is_bounded() {
    // 3 MiB of a stream that is not SIP (e.g. TLS), then nothing: no
    // message, no problem, and the stream is let go (memory bounded).
    let junk: Vec<u8> = (0..1400u32).map(|i| (i % 200) as u8 + 20).collect();
    let mut ips = vec![synth::tcp_ip(A, B, 0, tf::SYN, b"")];
    for i in 0..2300u32 {
        ips.push(synth::tcp_ip(A, B, 1 + i * 1400, tf::ACK, &junk));
    }
    let c = read(&cap(&ips));
    assert!(c.records.is_empty());
    assert!(c.problems.is_empty(), "{:?}", c.problems);

    // A SIP message announcing a 10 MB body: cut at the 1 MiB limit and
    // reported, the stream goes on.
    let mut big = synth::request("MESSAGE", "huge", 1, "").into_bytes();
    let at = big
        .windows(16)
        .position(|w| w == b"Content-Length: ")
        .unwrap();
    big.splice(at + 16..at + 17, b"10000000".iter().copied());
    let body = vec![b'x'; 1400];
    let mut ips = vec![
        synth::tcp_ip(A, B, 0, tf::SYN, b""),
        synth::tcp_ip(A, B, 1, tf::ACK, &big),
    ];
    let mut seq = 1 + big.len() as u32;
    for _ in 0..800 {
        ips.push(synth::tcp_ip(A, B, seq, tf::ACK, &body));
        seq += body.len() as u32;
    }
    ips.push(synth::tcp_ip(
        A,
        B,
        seq,
        tf::ACK,
        &[b"\r\n".as_slice(), &invite("after")].concat(),
    ));
    let c = read(&cap(&ips));
    assert_eq!(calls(&c)[0], "huge");
    assert!(
        c.problems.iter().any(|p| p.text.contains("1 MiB")),
        "{:?}",
        c.problems
    );
}

#[test]
fn ipv4_and_ipv6_fragments_in_any_order() {
    let big = synth::request("INVITE", "frag4", 1, &synth::SDP.repeat(40)).into_bytes();
    let mut f4 = synth::ip_fragments(A, B, 77, &big, 1480);
    assert!(f4.len() >= 3);
    f4.reverse();
    let big6 = synth::request("INVITE", "frag6", 1, &synth::SDP.repeat(20)).into_bytes();
    let f6 = synth::ip_fragments("[2001:db8::1]:5060", "[2001:db8::2]:5060", 9, &big6, 1232);
    let mut ips = f4.clone();
    ips.extend(f6.clone());
    let c = read(&cap(&ips));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(calls(&c), vec!["frag4", "frag6"]);
    assert_eq!(c.records[0].sip, big);
    assert_eq!(c.records[1].sip, big6);
    let n4 = f4.len() as u64;
    assert_eq!(c.records[0].frame, n4);
    assert_eq!(c.records[0].frames, (1..=n4).collect::<Vec<_>>());
    assert_eq!(c.records[1].src.unwrap().to_string(), "[2001:db8::1]:5060");

    // A lost fragment: reported at the end, nothing invented.
    let c = read(&cap(&f4[1..]));
    assert!(c.records.is_empty());
    assert_eq!(c.problems.len(), 1);
    assert!(
        c.problems[0].text.contains("never completed"),
        "{:?}",
        c.problems
    );

    // The same fragments seen twice (two interfaces): one message.
    let mut twice = Vec::new();
    for f in &f6 {
        twice.push(f.clone());
        twice.push(f.clone());
    }
    let c = read(&cap(&twice));
    assert_eq!(calls(&c), vec!["frag6"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);

    // The whole datagram seen twice, one copy after the other (`-i any`):
    // the copy is put together too, for the duplicate rule to count and
    // export, instead of vanishing fragment by fragment.
    let mut copies = f6.clone();
    copies.extend(f6.clone());
    let c = read(&cap(&copies));
    assert_eq!(calls(&c), vec!["frag6", "frag6"]);
    assert_eq!(c.records[1].sip, big6);
    let n6 = f6.len() as u64;
    assert_eq!(c.records[1].frames, (n6 + 1..=2 * n6).collect::<Vec<_>>());
    assert!(c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn tunnels() {
    let inner = synth::udp_ip(A, B, &invite("tun"));
    let outer = |proto: u8, payload: &[u8]| {
        let (s, _) = synth::ep("192.0.2.1:0");
        let (d, _) = synth::ep("192.0.2.2:0");
        synth::ip_packet(s, d, proto, payload)
    };
    let inner6 = synth::udp_ip("[2001:db8::1]:5060", "[2001:db8::2]:5060", &invite("tun6"));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("IP-in-IP", outer(4, &inner)),
        ("IPv6-in-IP", outer(41, &inner6)),
        ("GRE", outer(47, &synth::gre(0x0800, None, &inner))),
        (
            "GRE with key",
            outer(47, &synth::gre(0x0800, Some(42), &inner)),
        ),
        (
            "GRE bridging",
            outer(47, &synth::gre(0x6558, None, &synth::eth(&inner))),
        ),
        ("ERSPAN II", outer(47, &synth::erspan2(&synth::eth(&inner)))),
        (
            "ERSPAN III",
            outer(47, &synth::erspan3(&synth::vlan(&[5], &inner))),
        ),
        (
            "VXLAN",
            synth::udp_ip(
                "192.0.2.1:40000",
                "192.0.2.2:4789",
                &synth::vxlan(1, &synth::eth(&inner)),
            ),
        ),
    ];
    for (name, ip) in cases {
        let c = read(&cap(&[ip]));
        assert_eq!(c.records.len(), 1, "{name}: {:?}", c.problems);
        let r = &c.records[0];
        // The addresses are the inner packet's.
        let want = if name == "IPv6-in-IP" {
            "[2001:db8::1]:5060"
        } else {
            A
        };
        assert_eq!(r.src.unwrap().to_string(), want, "{name}");
    }
}

#[test]
fn hep_over_udp_and_tcp() {
    let time_us = 1_600_000_000_123_456u64;
    let h1 = synth::hep3(
        "192.168.0.10:5061",
        "192.168.0.20:5060",
        6,
        time_us,
        &invite("hep1"),
    );
    let h2 = synth::hep3(
        "[2001:db8::a]:5060",
        "[2001:db8::b]:5060",
        17,
        time_us + 1,
        &resp(200, "hep1"),
    );
    let stream = [h1.clone(), h2.clone()].concat();
    let ips = vec![
        // Over UDP to an arbitrary port.
        synth::udp_ip("10.9.9.9:40000", "10.9.9.10:9999", &h1),
        // Over TCP, two packets split across segments.
        synth::tcp_ip("10.9.9.9:40001", "10.9.9.10:9060", 0, tf::SYN, b""),
        synth::tcp_ip(
            "10.9.9.9:40001",
            "10.9.9.10:9060",
            1,
            tf::ACK,
            &stream[..50],
        ),
        synth::tcp_ip(
            "10.9.9.9:40001",
            "10.9.9.10:9060",
            51,
            tf::ACK,
            &stream[50..],
        ),
    ];
    let c = read(&cap(&ips));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(calls(&c), vec!["hep1", "hep1", "hep1"]);
    let r = &c.records[0];
    assert_eq!(r.src.unwrap().to_string(), "192.168.0.10:5061");
    assert_eq!(r.dst.unwrap().to_string(), "192.168.0.20:5060");
    assert_eq!(r.transport, Transport::Tcp);
    assert_eq!(r.time_ns, Some(time_us as i64 * 1000));
    assert_eq!(r.sip, invite("hep1"));
    assert_eq!(c.records[2].src.unwrap().to_string(), "[2001:db8::a]:5060");
    assert_eq!(c.records[2].transport, Transport::Udp);
    // A broken HEP packet is a problem.
    let mut bad = h1.clone();
    bad[5] = bad[5].wrapping_add(40);
    let c = read(&cap(&[synth::udp_ip("10.9.9.9:1", "10.9.9.10:9060", &bad)]));
    assert!(c.records.is_empty());
    assert_eq!(c.problems.len(), 1);
}

#[test]
fn sip_over_websocket() {
    let (cl, sv) = ("10.0.0.1:50000", "10.0.0.2:443");
    let inv = invite("ws1");
    let ok = resp(200, "ws1");
    let reg = synth::request("REGISTER", "ws2", 1, "").into_bytes();
    // Client to server: the upgrade, a masked INVITE in two frames, a
    // ping, a masked REGISTER. Server to client: the 101, an unmasked 200.
    let up = [
        synth::WS_UPGRADE.as_bytes().to_vec(),
        synth::ws_frame(false, 1, Some([1, 2, 3, 4]), &inv[..100]),
        synth::ws_frame(true, 0, Some([5, 6, 7, 8]), &inv[100..]),
        synth::ws_frame(true, 9, Some([0; 4]), b"ping"),
        synth::ws_frame(true, 1, Some([9, 9, 9, 9]), &reg),
    ]
    .concat();
    let down = [
        synth::WS_ACCEPT.as_bytes().to_vec(),
        synth::ws_frame(true, 1, None, &ok),
    ]
    .concat();
    let ips = vec![
        synth::tcp_ip(cl, sv, 0, tf::SYN, b""),
        synth::tcp_ip(sv, cl, 0, tf::SYN | tf::ACK, b""),
        synth::tcp_ip(cl, sv, 1, tf::ACK, &up[..300]),
        synth::tcp_ip(cl, sv, 301, tf::ACK, &up[300..]),
        synth::tcp_ip(sv, cl, 1, tf::ACK, &down),
    ];
    let c = read(&cap(&ips));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(calls(&c), vec!["ws1", "ws2", "ws1"]);
    assert!(c.records.iter().all(|r| r.transport == Transport::Ws));
    assert_eq!(c.records[0].sip, inv);
    assert_eq!(c.records[0].frames, vec![3, 4]);
    assert_eq!(c.records[1].sip, reg);
    assert_eq!(c.records[2].sip, ok);

    // Joined after the upgrade: frames recognised by their SIP payload.
    let ips = vec![synth::tcp_ip(
        sv,
        cl,
        77,
        tf::ACK,
        &synth::ws_frame(true, 1, None, &ok),
    )];
    let c = read(&cap(&ips));
    assert_eq!(calls(&c), vec!["ws1"]);
    assert_eq!(c.records[0].transport, Transport::Ws);
}

#[test]
fn sip_over_websocket_compressed() {
    use flate2::{Compress, Compression, FlushCompress};
    let (cl, sv) = ("10.0.0.1:50000", "10.0.0.2:443");
    let mut z = Compress::new(Compression::default(), false);
    let mut stream = synth::WS_ACCEPT.as_bytes().to_vec();
    for call in ["z1", "z2"] {
        let mut d = Vec::with_capacity(4096);
        z.compress_vec(&resp(486, call), &mut d, FlushCompress::Sync)
            .unwrap();
        d.truncate(d.len() - 4);
        let mut f = synth::ws_frame(true, 1, None, &d);
        f[0] |= 0x40; // RSV1: permessage-deflate
        stream.extend(f);
    }
    let c = read(&cap(&[synth::tcp_ip(sv, cl, 1, tf::ACK, &stream)]));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(calls(&c), vec!["z1", "z2"]);
    assert_eq!(c.records[1].sip, resp(486, "z2"));
}

#[test]
fn sctp_whole_messages() {
    let (s, _) = synth::ep(A);
    let (d, _) = synth::ep(B);
    let ip = synth::ip_packet(s, d, 132, &synth::sctp_data(5060, 5060, &invite("sctp")));
    let c = read(&cap(&[ip]));
    assert_eq!(calls(&c), vec!["sctp"]);
    assert_eq!(c.records[0].transport, Transport::Sctp);
    assert_eq!(c.records[0].src.unwrap().to_string(), A);
}

#[test]
fn several_files_keep_their_own_streams() {
    // The same TCP flow in two files: each file's stream is its own.
    let s = invite("f");
    let cut = s.len() - 20;
    let one = cap(&[
        synth::tcp_ip(A, B, 1, tf::SYN, b""),
        synth::tcp_ip(A, B, 2, tf::ACK, &s[..cut]),
    ]);
    let two = cap(&[synth::tcp_ip(A, B, 2 + cut as u32, tf::ACK, &s[cut..])]);
    let mut c = Collect::default();
    read_inputs(
        &[Input::Bytes(one), Input::Bytes(two)],
        Format::Auto,
        &mut c,
    )
    .unwrap();
    // The first file ends mid-message (headers complete, body cut).
    assert_eq!(c.records.len(), 1, "{:?}", c.problems);
    assert_eq!(c.records[0].file, 0);
    assert!(c.problems.iter().any(|p| p.file == 0));
}
