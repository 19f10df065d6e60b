//! Reading throughput of the trace readers. Run: `cargo bench --bench trace`.
//!
//! Captures are built in memory (no file, no page cache): the numbers are
//! the readers' own speed, from bytes to SIP messages handed to a sink
//! that only counts them.
//!
//! - `trace/pcapng_udp`: a pcapng of Ethernet/IPv4/UDP SIP packets (the
//!   shape of `tcpdump` on a SIP server), about 40 MB.
//! - `trace/pcap_tcp`: the same messages over TCP, several per segment
//!   and split across segments (reassembly and Content-Length framing).
//! - `trace/log_pjsip`: an Asterisk PJSIP logger log of the same messages
//!   (line reading, message rebuilding, time stamps).
//!
//! Each reports bytes per second and messages per second. The whole-file
//! figure on a 300 MB capture (page cache, one process) comes from the
//! `read_trace` example, see the README.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sipfix::trace::synth::{self, flags as tf, linktype as lt};
use sipfix::trace::{Format, Input, Problem, Record, Sink, read_inputs};
use std::hint::black_box;

#[derive(Default)]
struct Count(u64, u64);

impl Sink for Count {
    fn record(&mut self, r: Record<'_>) {
        self.0 += 1;
        self.1 += r.sip().len() as u64;
    }
    fn problem(&mut self, _: Problem) {}
}

/// SIP messages like a real call's: INVITE with SDP, 100, 180, 200, ACK,
/// BYE, 200, with distinct Call-IDs.
fn messages(calls: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(calls * 7);
    for i in 0..calls {
        let call = format!("{i:08}-bench@192.0.2.1");
        out.push(synth::request("INVITE", &call, 1, synth::SDP).into_bytes());
        for (code, reason) in [(100, "Trying"), (180, "Ringing"), (200, "OK")] {
            out.push(synth::response(code, reason, &call, 1, "INVITE").into_bytes());
        }
        out.push(synth::request("ACK", &call, 1, "").into_bytes());
        out.push(synth::request("BYE", &call, 2, "").into_bytes());
        out.push(synth::response(200, "OK", &call, 2, "BYE").into_bytes());
    }
    out
}

fn run(c: &mut Criterion, name: &str, data: Vec<u8>) {
    let mut g = c.benchmark_group("trace");
    g.sample_size(20);
    let input = [Input::Bytes(data)];
    let mut probe = Count::default();
    read_inputs(&input, Format::Auto, &mut probe).unwrap();
    let len = match &input[0] {
        Input::Bytes(b) => b.len() as u64,
        _ => 0,
    };
    g.throughput(Throughput::Bytes(len));
    g.bench_function(format!("{name}/bytes"), |b| {
        b.iter(|| {
            let mut sink = Count::default();
            read_inputs(black_box(&input), Format::Auto, &mut sink).unwrap();
            black_box(sink.1)
        })
    });
    g.throughput(Throughput::Elements(probe.0));
    g.bench_function(format!("{name}/messages"), |b| {
        b.iter(|| {
            let mut sink = Count::default();
            read_inputs(black_box(&input), Format::Auto, &mut sink).unwrap();
            black_box(sink.0)
        })
    });
    g.finish();
}

fn readers(c: &mut Criterion) {
    let msgs = messages(12_000);
    let t0 = 1_700_000_000_000_000_000i64;

    let frames: Vec<(i64, Vec<u8>)> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (a, b) = if i % 2 == 0 {
                ("192.0.2.10:5060", "192.0.2.1:5060")
            } else {
                ("192.0.2.1:5060", "192.0.2.10:5060")
            };
            (t0 + i as i64 * 1000, synth::eth(&synth::udp_ip(a, b, m)))
        })
        .collect();
    run(c, "pcapng_udp", synth::pcapng(lt::ETHERNET, &frames));

    // One TCP stream: 1400-byte segments cut anywhere.
    let stream: Vec<u8> = msgs.concat();
    let mut frames = vec![(
        t0,
        synth::eth(&synth::tcp_ip(
            "192.0.2.10:40000",
            "192.0.2.1:5060",
            0,
            tf::SYN,
            b"",
        )),
    )];
    for (i, seg) in stream.chunks(1400).enumerate() {
        frames.push((
            t0 + i as i64,
            synth::eth(&synth::tcp_ip(
                "192.0.2.10:40000",
                "192.0.2.1:5060",
                1 + (i * 1400) as u32,
                tf::ACK,
                seg,
            )),
        ));
    }
    run(c, "pcap_tcp", synth::pcap(lt::ETHERNET, &frames));

    let mut log = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        log.extend_from_slice(
            format!(
                "[2024-05-01 10:{:02}:{:02}] VERBOSE[4242] res_pjsip_logger.c: <--- Received SIP request ({} bytes) from UDP:192.0.2.10:5060 --->\n",
                (i / 60) % 60,
                i % 60,
                m.len()
            )
            .as_bytes(),
        );
        log.extend_from_slice(m);
        log.push(b'\n');
    }
    run(c, "log_pjsip", log);
}

criterion_group!(benches, readers);
criterion_main!(benches);
