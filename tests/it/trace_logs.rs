//! The text-log readers on one fixture per format (tests/fixtures/logs/,
//! each written as the program's own source writes it; see the README
//! there): detection by content, every message with its time, addresses
//! and transport, the body cut at Content-Length, and the surrounding
//! log lines ignored.

use sipfix::trace::synth::{self, Collect, Owned};
use sipfix::trace::{Format, Input, Transport, read_inputs};

const SDP: &str = "v=0\r\no=- 20518 0 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
                   m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
                   a=rtpmap:101 telephone-event/8000\r\n";

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/logs")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn read(name: &str) -> (Format, Collect) {
    let (infos, c) = synth::read_bytes(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    (infos[0].format, c)
}

/// Nanoseconds since the epoch of a UTC date and time.
fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64, us: i64) -> i64 {
    // Days from 1970-01-01 (civil calendar), as in the clock module.
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * i64::from(mm) + 2) / 5 + i64::from(d) - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    ((days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000 + us) * 1000
}

fn first_line(r: &Owned) -> String {
    r.text().lines().next().unwrap_or("").to_string()
}

fn call_id(r: &Owned) -> String {
    r.text()
        .lines()
        .find_map(|l| l.strip_prefix("Call-ID: "))
        .unwrap_or("")
        .to_string()
}

fn ep(s: &str) -> Option<sipfix::trace::Endpoint> {
    let (ip, port) = synth::ep(s);
    Some(sipfix::trace::Endpoint { ip, port })
}

/// Problems other than the notes on assumed time zones, years and dates,
/// and on a log without times.
fn real_problems(c: &Collect) -> Vec<String> {
    c.problems
        .iter()
        .map(|p| p.text.clone())
        .filter(|t| {
            !t.contains("no time zone")
                && !t.contains("no year")
                && !t.contains("no date")
                && !t.contains(UNTIMED)
        })
        .collect()
}

/// What the problem line of a log without times says.
const UNTIMED: &str = "the log gives its SIP messages no time";

/// The problem lines about messages without a time.
fn untimed_notes(c: &Collect) -> Vec<&str> {
    c.problems
        .iter()
        .map(|p| p.text.as_str())
        .filter(|t| t.contains("no time") && !t.contains("no time zone"))
        .collect()
}

/// The text of every message read, in order.
fn texts(c: &Collect) -> Vec<String> {
    c.records.iter().map(|r| r.text().to_string()).collect()
}

/// Every log fixture, one per format.
pub(crate) const FIXTURES: [&str; 7] = [
    "pjsip.log",
    "chan_sip.log",
    "sofia.log",
    "sipdump.data",
    "sngrep.txt",
    "ngrep.txt",
    "raw.txt",
];

#[test]
fn asterisk_pjsip_logger() {
    // res/res_pjsip_logger.c, logging_on_rx_msg / logging_on_tx_msg.
    let (format, c) = read("pjsip.log");
    assert_eq!(format, Format::Pjsip);
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    let lines: Vec<String> = c.records.iter().map(first_line).collect();
    assert_eq!(
        lines,
        [
            "INVITE sip:100@192.0.2.1 SIP/2.0",
            "SIP/2.0 100 Trying",
            "SIP/2.0 486 Busy Here"
        ]
    );
    let r = &c.records;
    assert_eq!((r[0].src, r[0].dst), (ep("192.0.2.10:5060"), None));
    assert_eq!((r[1].src, r[1].dst), (None, ep("192.0.2.10:5060")));
    assert_eq!(r[0].transport, Transport::Udp);
    assert!(
        r[0].text()
            .ends_with(&format!("Content-Length: {}\r\n\r\n{SDP}", SDP.len()))
    );
    assert_eq!(r[0].time_ns, Some(utc(2024, 5, 1, 10, 0, 1, 0)));
    assert_eq!(r[2].time_ns, Some(utc(2024, 5, 1, 10, 0, 3, 0)));
    assert_eq!(r.iter().map(|r| r.frame).collect::<Vec<_>>(), [1, 2, 3]);
    // The time zone was assumed, and said so once.
    assert_eq!(c.problems.len(), 1);
    assert!(c.problems[0].text.contains("UTC"));
}

/// A log saved from a coloured console (`script`, `tmux capture-pane -e`,
/// `fs_cli`): every fixture, with colour sequences around its marker
/// lines and inside its message lines, reads exactly as without them.
#[test]
fn colour_sequences_from_a_console_capture_change_nothing() {
    for name in FIXTURES {
        let plain = fixture(name);
        let text = String::from_utf8(plain.clone()).unwrap();
        let coloured: String = text
            .split_inclusive('\n')
            .enumerate()
            .map(|(i, l)| match i % 3 {
                0 => format!("\x1b[1;32m{l}"),
                1 => format!("\x1b[0m{}", l.replacen(':', "\x1b[33m:\x1b[0m", 1)),
                _ => l.to_string(),
            })
            .collect();
        let (i1, c1) = synth::read_bytes(&plain).unwrap();
        let (i2, c2) = synth::read_bytes(coloured.as_bytes()).unwrap();
        assert_eq!(i1[0].format, i2[0].format, "{name}");
        assert_eq!(c1.records, c2.records, "{name}");
        assert!(!c2.records.is_empty(), "{name}");
    }
}

/// An Asterisk `full` log where SIP logging was turned on late: more than
/// the detection window of other log lines before the first SIP entry.
/// Its prefix tells it is an Asterisk log, and every entry is read.
#[test]
fn an_asterisk_full_log_with_sip_after_megabytes_of_other_lines() {
    let line = "[2024-05-01 09:00:00] VERBOSE[4242][C-00000001] pbx.c:     -- Executing \
                [100@from-internal:1] Dial(\"PJSIP/100-00000001\", \"PJSIP/200,30\")\n";
    let mut log = line.repeat((5 << 20) / line.len());
    log.push_str(std::str::from_utf8(&fixture("pjsip.log")).unwrap());
    let (infos, c) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Pjsip);
    assert_eq!(c.records.len(), 3);
    assert_eq!(c.records[0].src, ep("192.0.2.10:5060"));
    // Other text with SIP only after the window: refused, with a hint.
    let other = "just some text that is not a log prefix at all\n";
    let mut text = other.repeat((5 << 20) / other.len());
    text.push_str(std::str::from_utf8(&fixture("raw.txt")).unwrap());
    let err = synth::read_bytes(text.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("--format"), "{err}");
}

#[test]
fn asterisk_console_with_timestamps_on_every_line() {
    // `asterisk -r` with timestamps: every line carries "[Mon DD HH:MM:SS] ".
    let msg = "OPTIONS sip:192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKx\r\n\
               Call-ID: console-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    let mut log = String::from("[Mar 30 13:35:40] <--- SIP read from UDP:192.0.2.10:5060 --->\n");
    for l in msg.split("\r\n") {
        log.push_str(&format!("[Mar 30 13:35:40] {l}\n"));
    }
    log.push_str("[Mar 30 13:35:40] <------------->\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("console.log");
    std::fs::write(&path, &log).unwrap();
    let mut c = Collect::default();
    let infos = read_inputs(&[Input::Path(path.clone())], Format::Auto, &mut c).unwrap();
    assert_eq!(infos[0].format, Format::ChanSip);
    assert_eq!(c.records.len(), 1, "{:?}", c.problems);
    assert_eq!(c.records[0].sip, msg.as_bytes());
    // No year in the stamp: the file's year is taken (the file was just
    // written, so this year; March is not after the current month unless
    // it is January or February, when the log began the year before).
    let year_note = c
        .problems
        .iter()
        .find(|p| p.text.contains("no year"))
        .unwrap();
    assert!(
        year_note.text.contains("modification time"),
        "{}",
        year_note.text
    );
}

#[test]
fn asterisk_chan_sip_debug() {
    // channels/chan_sip.c: handle_request_do, send_response, send_request.
    let (format, c) = read("chan_sip.log");
    assert_eq!(format, Format::ChanSip);
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    let lines: Vec<String> = c.records.iter().map(first_line).collect();
    assert_eq!(
        lines,
        [
            "INVITE sip:100@192.0.2.1 SIP/2.0",
            "SIP/2.0 100 Trying",
            "SIP/2.0 200 OK",
            "BYE sip:alice@192.0.2.10:5060 SIP/2.0"
        ]
    );
    let r = &c.records;
    assert_eq!(r[0].src, ep("192.0.2.10:5060"));
    assert_eq!(r[3].dst, ep("192.0.2.10:5060"));
    assert!(r[0].text().ends_with(SDP));
    assert!(
        r.iter().all(|r| r.time_ns.is_none()),
        "the console shows no time"
    );
    assert!(r[3].text().ends_with("Content-Length: 0\r\n\r\n"));
}

/// The `full` log of chan_sip: it starts each message with a line end,
/// so the logger's prefix is alone on the line before the marker
/// (channels/chan_sip.c, `ast_verbose("\n<--- SIP read from ...`). The
/// time comes from that line.
#[test]
fn asterisk_chan_sip_full_log_takes_the_time_from_the_prefix_line() {
    let console = String::from_utf8(fixture("chan_sip.log")).unwrap();
    let mut full = String::new();
    let mut n = 0;
    let mut lines = console.lines().peekable();
    while let Some(l) = lines.next() {
        let prefix =
            |n: i32| format!("[2024-05-01 10:00:0{n}] VERBOSE[2001][C-00000003] chan_sip.c: ");
        if l.is_empty() && lines.peek().is_some_and(|next| next.starts_with("<--- ")) {
            n += 1;
            full.push_str(&prefix(n));
            full.push('\n');
        } else if l.starts_with("Reliably Transmitting") {
            // send_request writes no line end first: the prefix is on it.
            n += 1;
            full.push_str(&prefix(n));
            full.push_str(l);
            full.push('\n');
        } else {
            full.push_str(l);
            full.push('\n');
        }
    }
    assert_eq!(n, 4, "one prefix line per message");
    let (infos, c) = synth::read_bytes(full.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::ChanSip);
    assert_eq!(c.records.len(), 4);
    let times: Vec<Option<i64>> = c.records.iter().map(|r| r.time_ns).collect();
    let want: Vec<Option<i64>> = (1..=4)
        .map(|s| Some(utc(2024, 5, 1, 10, 0, s, 0)))
        .collect();
    assert_eq!(times, want);
}

/// The PJSIP log as `docker logs --timestamps`, a syslog file, `kubectl
/// logs --prefix` and `docker compose logs` show it (the last two with and
/// without `--timestamps`), every line behind the collector's prefix: read
/// as the plain log, with a line saying so. The container's name was not
/// known: such a log was "text with no SIP message".
#[test]
fn a_log_behind_a_collector_prefix_reads_as_the_plain_log() {
    let plain = fixture("pjsip.log");
    let (_, want) = synth::read_bytes(&plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    let prefixes = [
        "2026-11-30T10:00:01.123456789Z ",
        "Nov 30 10:00:01 pbx1 asterisk[1234]: ",
        "[pod/asterisk-0/asterisk] ",
        "[pod/asterisk-0/asterisk] 2026-11-30T10:00:01.123456789Z ",
        "asterisk-1  | ",
        "pbx_asterisk.1 | 2026-11-30T10:00:01.123456789Z ",
    ];
    for p in prefixes {
        let prefixed: String = text.lines().map(|l| format!("{p}{l}\n")).collect();
        let (infos, got) =
            synth::read_bytes(prefixed.as_bytes()).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(infos[0].format, Format::Pjsip, "{p}");
        assert_eq!(got.records, want.records, "{p}");
        assert!(
            got.problems
                .iter()
                .any(|x| x.text.contains("taken off before reading")),
            "{p}: {:?}",
            got.problems
        );
    }
}

/// The PJSIP fixture as Asterisk's console prints it, without its own
/// time stamps (`asterisk -f` under systemd: main/logger.c hands verbose
/// messages to the console without the `[date] LEVEL[pid] file.c: ` that
/// `format_log_default` gives a file channel), each line carrying the
/// prefix `prefix(time)` for the time of the fixture line (or the last
/// one before it with a time).
fn console_behind(prefix: impl Fn(&str) -> String) -> String {
    let text = String::from_utf8(fixture("pjsip.log")).unwrap();
    let mut time = String::new();
    let mut out = String::new();
    for line in text.lines() {
        let mut rest = line;
        // `[2024-05-01 10:00:01] VERBOSE[4250] res_pjsip_logger.c: `
        if let Some(r) = line.strip_prefix("[2024-05-01 ") {
            time = r[..8].to_string();
            rest = &r[r.find(": ").unwrap() + 2..];
        }
        out.push_str(&prefix(&time));
        out.push_str(rest);
        out.push('\n');
    }
    out
}

/// Asterisk's console output (no time stamps of its own) behind a syslog
/// or journald header on every line: each message takes the header's time
/// (rsyslog's traditional `%b %e %T`, `journalctl -o short` with `%b %d`,
/// `-o short-precise`, RFC 3339 `short-iso-precise`: systemd's
/// src/shared/logs-show.c `output_timestamp_realtime`). A time with an
/// offset is exact; one without is local, read as the log's own stamps
/// are, with the same note. Before, every time was lost.
#[test]
fn a_syslog_header_gives_its_time_to_a_line_without_one() {
    let (_, want) = synth::read_bytes(&fixture("pjsip.log")).unwrap();
    let want_times: Vec<i64> = want.records.iter().map(|r| r.time_ns.unwrap()).collect();
    const DAY: i64 = 86_400_000_000_000;
    for (prefix, shift) in [
        (
            (|t: &str| format!("May  1 {t} pbx1 asterisk[1234]: ")) as fn(&str) -> String,
            0,
        ),
        (|t| format!("May 01 {t} pbx1 asterisk[1234]: "), 0),
        (
            |t| format!("May 01 {t}.250000 pbx1 asterisk[1234]: "),
            250_000_000,
        ),
        (
            |t| format!("2024-05-01T{t}.250000+02:00 pbx1 asterisk[1234]: "),
            250_000_000 - 2 * 3_600_000_000_000,
        ),
        (
            |t| format!("2024-05-01T{t}+0200 pbx1 asterisk[1234]: "),
            -2 * 3_600_000_000_000,
        ),
        (|t| format!("2024-05-01T{t}Z "), 0),
    ] {
        let log = console_behind(prefix);
        let (infos, got) = synth::read_bytes(log.as_bytes()).unwrap();
        let head = log.lines().next().unwrap().to_string();
        assert_eq!(infos[0].format, Format::Pjsip, "{head}");
        assert_eq!(texts(&got), texts(&want), "{head}");
        let times: Vec<i64> = got
            .records
            .iter()
            .map(|r| r.time_ns.unwrap_or_else(|| panic!("{head}: no time")))
            .collect();
        let zoned = head.starts_with("2024");
        if zoned {
            let expect: Vec<i64> = want_times.iter().map(|t| t + shift).collect();
            assert_eq!(times, expect, "{head}");
        } else {
            // No year: the year comes from today; the day and time of day
            // are the header's.
            for (g, w) in times.iter().zip(&want_times) {
                assert_eq!((g - shift).rem_euclid(DAY), w.rem_euclid(DAY), "{head}");
            }
            assert!(
                got.problems.iter().any(|p| p.text.contains("no time zone")),
                "{head}: {:?}",
                got.problems
            );
        }
        assert_eq!(
            got.problems.iter().any(|p| p.text.contains("no time zone")),
            !zoned,
            "{head}: {:?}",
            got.problems
        );
    }
    // A line with a time of its own keeps it: the writer's stamp, not the
    // collector's (here a second later and in another zone).
    let text = String::from_utf8(fixture("pjsip.log")).unwrap();
    let log: String = text
        .lines()
        .map(|l| format!("2024-05-01T13:00:02+01:00 pbx1 asterisk[1234]: {l}\n"))
        .collect();
    let (_, got) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(got.records, want.records);
}

/// journald and /var/log/syslog interleave every program's lines: one of
/// another program inside a message (a header block, an SDP body) is not
/// part of it, even when it looks like SIP. The entry's lines are those
/// with the tag of the line that opened it (`asterisk[1234]`); another
/// tag inside a message is skipped. Before, it ended the message (the
/// INVITE lost its Call-ID and was dropped, the 486 was cut).
#[test]
fn another_programs_syslog_line_inside_a_message_is_skipped() {
    let (_, want) = synth::read_bytes(&fixture("pjsip.log")).unwrap();
    let log = console_behind(|t| format!("May  1 {t} pbx1 asterisk[1234]: "));
    let mut mixed = String::new();
    for line in log.lines() {
        mixed.push_str(line);
        mixed.push('\n');
        let foreign = if line.ends_with("Max-Forwards: 70") {
            "May  1 10:00:01 pbx1 systemd[1]: Started Session 5 of user root."
        } else if line.ends_with("s=-") {
            "May  1 10:00:01 pbx1 kernel: [123456.789] nf_conntrack: table full, dropping packet"
        } else if line.ends_with("Server: Asterisk PBX") {
            "May  1 10:00:01 pbx1 kamailio[77]: INFO: <script>: relayed to 10.0.0.9"
        } else {
            continue;
        };
        mixed.push_str(foreign);
        mixed.push('\n');
    }
    assert!(mixed.contains("systemd[1]") && mixed.contains("kernel:"));
    let (infos, got) = synth::read_bytes(mixed.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Pjsip);
    assert_eq!(texts(&got), texts(&want));
    assert_eq!(real_problems(&got).len(), 1, "{:?}", got.problems);
}

/// Two programs logging SIP on one host into one syslog file: Asterisk's
/// console log, then Kamailio's messages (its lines behind its own tag,
/// the last Asterisk message without the blank line that would end it,
/// as journald keeps none at the end of an entry). Kamailio's start line
/// begins a message of its own and its lines are read; before, they were
/// taken for another program's lines inside Asterisk's message and the
/// whole Kamailio call was lost.
#[test]
fn two_programs_logging_sip_in_one_syslog_file_are_both_read() {
    let ast = console_behind(|t| format!("May  1 {t} pbx1 asterisk[1234]: "));
    let ast = ast.trim_end_matches(['\n', ' ', ':']);
    let ast = ast
        .lines()
        .filter(|l| !l.ends_with("asterisk[1234]:") && !l.ends_with("asterisk[1234]: "))
        .collect::<Vec<_>>()
        .join("\n");
    let kam = [
        "OPTIONS sip:pbx1 SIP/2.0",
        "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-kam-1",
        "From: <sip:mon@10.0.0.7>;tag=k1",
        "To: <sip:pbx1>",
        "Call-ID: kam-ping-1",
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
    ];
    let mut log = format!("{ast}\n");
    log.push_str("May  1 10:00:04 pbx1 kamailio[77]: INFO: <script>: SIP in\n");
    for l in kam {
        log.push_str(&format!("May  1 10:00:04 pbx1 kamailio[77]: {l}\n"));
    }
    let (_, got) = synth::read_bytes(log.as_bytes()).unwrap();
    let ids: Vec<String> = got.records.iter().map(call_id).collect();
    assert_eq!(
        ids,
        ["pjsip-1", "pjsip-1", "pjsip-1", "kam-ping-1"],
        "{:?}",
        got.problems
    );
    assert!(got.records[2].text().starts_with("SIP/2.0 486 Busy Here"));
}

/// Asterisk's SIP logger on a syslog channel, as `journalctl` prints it:
/// each log entry is one journal entry (main/logger.c,
/// `format_log_default` for `LOGTYPE_SYSLOG`: `LEVEL[thread][C-id]:
/// file:line in function: message`), its first line behind the header and
/// the message's other lines indented by the header's width (systemd's
/// src/shared/logs-show.c, `output_short` and `print_multiline`, with
/// `-a`: the message's CRs kept). Read as the PJSIP log it is, with each
/// message's direction and address; it was read as raw SIP, without them.
#[test]
fn a_journald_multi_line_entry_reads_as_its_programs_log() {
    let plain = fixture("pjsip.log");
    let (_, want) = synth::read_bytes(&plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    let mut entries: Vec<Vec<&str>> = Vec::new();
    for line in text.split('\n') {
        if line.starts_with("[2024-05-01 ") || entries.is_empty() {
            entries.push(Vec::new());
        }
        entries.last_mut().unwrap().push(line);
    }
    let mut log = String::new();
    for mut entry in entries {
        // journald keeps no last line end.
        while entry.last() == Some(&"") {
            entry.pop();
        }
        // `[2024-05-01 10:00:01] VERBOSE[4250][C-1] file.c: message`
        let first = entry[0];
        let time = &first[12..20];
        let (level, rest) = first[22..].split_once(' ').unwrap();
        let (file, message) = rest.split_once(": ").unwrap();
        let function = if message.contains("Received") {
            "logging_on_rx_msg"
        } else {
            "logging_on_tx_msg"
        };
        let header = format!("May 01 {time} pbx1 asterisk[1234]: ");
        log.push_str(&format!(
            "{header}{level}: {file}:143 in {function}: {message}\n"
        ));
        for line in &entry[1..] {
            log.push_str(&" ".repeat(header.len()));
            log.push_str(line);
            log.push('\n');
        }
    }
    assert!(log.contains("\n                                     INVITE sip:"));
    let (infos, got) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Pjsip);
    assert_eq!(texts(&got), texts(&want));
    let ends = |c: &Collect| {
        c.records
            .iter()
            .map(|r| (r.src, r.dst, r.transport))
            .collect::<Vec<_>>()
    };
    assert_eq!(ends(&got), ends(&want));
    const DAY: i64 = 86_400_000_000_000;
    for (g, w) in got.records.iter().zip(&want.records) {
        assert_eq!(
            g.time_ns.map(|t| t.rem_euclid(DAY)),
            w.time_ns.map(|t| t.rem_euclid(DAY))
        );
    }
}

/// A log pasted into a ticket or an e-mail with a tab or the same spaces in
/// front of every line reads as the log itself, in every format: the
/// indentation shared by nearly every line is taken off (deeper
/// indentation stays: a folded header line is still folded, sofia's own
/// three spaces are still its layout). Before, chan_sip gave no call (each
/// header line read as folded into the start line), ngrep was read as raw
/// with its `.` for CR glued to the values, and the others as raw without
/// times or addresses.
#[test]
fn a_log_indented_as_a_whole_reads_as_the_log() {
    let fold = |t: &str| {
        // A header folded over two lines (RFC 3261 §7.3.1), in the first
        // message only.
        t.replacen(
            "Max-Forwards: 70\r\n",
            "Subject: one\r\n\ttwo\r\nMax-Forwards: 70\r\n",
            1,
        )
        .replacen(
            "Max-Forwards: 70\n",
            "Subject: one\n\ttwo\nMax-Forwards: 70\n",
            1,
        )
    };
    for name in FIXTURES {
        let plain = String::from_utf8(fixture(name)).unwrap();
        for text in [plain.clone(), fold(&plain)] {
            let (want_infos, want) = synth::read_bytes(text.as_bytes()).unwrap();
            for indent in ["\t", "    "] {
                let indented: String = text
                    .split_inclusive('\n')
                    .map(|l| format!("{indent}{l}"))
                    .collect();
                let what = format!("{name} indented by {indent:?}");
                let (infos, got) = synth::read_bytes(indented.as_bytes())
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(infos[0].format, want_infos[0].format, "{what}");
                assert_eq!(got.records, want.records, "{what}");
                assert!(
                    got.problems
                        .iter()
                        .any(|p| p.text.contains("same indentation")),
                    "{what}: {:?}",
                    got.problems
                );
            }
        }
    }
    // The folded header is one header, in the plain and indented logs.
    let text = fold(&String::from_utf8(fixture("pjsip.log")).unwrap());
    let indented: String = text
        .split_inclusive('\n')
        .map(|l| format!("\t{l}"))
        .collect();
    let (_, got) = synth::read_bytes(indented.as_bytes()).unwrap();
    assert!(
        got.records[0]
            .text()
            .contains("Subject: one\r\n\ttwo\r\nMax-Forwards"),
        "{}",
        got.records[0].text()
    );
}

/// `journalctl -o short-iso` (and `short-iso-precise`) before systemd 255
/// printed the offset with strftime's `%z`, without a colon
/// (src/shared/logs-show.c, `output_timestamp_realtime`:
/// `"%Y-%m-%dT%H:%M:%S%z"`); docker and kubectl stamps can be read the same
/// way. Such a log reads as the plain one; it was refused as text with no
/// SIP.
#[test]
fn a_collector_stamp_with_a_colonless_offset_is_read() {
    let plain = fixture("pjsip.log");
    let (_, want) = synth::read_bytes(&plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    for p in [
        "2024-05-01T12:00:01+0200 pbx1 asterisk[1234]: ",
        "2024-05-01T12:00:01.123456+0200 pbx1 asterisk[1234]: ",
        "2024-05-01T05:00:01-0500 ",
    ] {
        let prefixed: String = text.lines().map(|l| format!("{p}{l}\n")).collect();
        let (infos, got) =
            synth::read_bytes(prefixed.as_bytes()).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(infos[0].format, Format::Pjsip, "{p}");
        assert_eq!(got.records, want.records, "{p}");
    }
}

/// A syslog file where rsyslog wrote each whole message on one line, its
/// line ends escaped as `#015#012` (Kamailio's `xlog("L_INFO", "$mb")`,
/// or Asterisk's SIP logger on a syslog channel): the messages are read,
/// each at its header's time, the words before the start line dropped.
#[test]
fn a_syslog_line_holding_a_whole_message_is_unfolded() {
    let fold = |m: &str| {
        m.replace('\r', "#015")
            .replace('\n', "#012")
            .replace('\t', "#011")
    };
    let invite = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx1\r\n\
                  From: <sip:alice@192.0.2.1>;tag=a\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: sys1\r\n\
                  CSeq: 1 INVITE\r\nSubject:\tx #1\r\nContent-Length: 0\r\n\r\n";
    let busy = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx1\r\n\
                From: <sip:alice@192.0.2.1>;tag=a\r\nTo: <sip:bob@192.0.2.2>;tag=b\r\nCall-ID: sys1\r\n\
                CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let log = format!(
        "Nov 30 10:00:01 sbc1 /usr/sbin/kamailio[1234]: INFO: <script>: starting\n\
         Nov 30 10:00:02 sbc1 /usr/sbin/kamailio[1234]: INFO: <script>: in from 192.0.2.1: {}\n\
         Nov 30 10:00:03 sbc1 /usr/sbin/kamailio[1234]: INFO: <script>: reply: {}\n",
        fold(invite),
        fold(busy)
    );
    let (infos, c) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Raw);
    let lines: Vec<String> = c.records.iter().map(first_line).collect();
    assert_eq!(
        lines,
        ["INVITE sip:bob@192.0.2.2 SIP/2.0", "SIP/2.0 486 Busy Here"]
    );
    assert_eq!(c.records[0].text(), invite);
    let year = c.records[0]
        .time_ns
        .map(|t| t / 1_000_000_000 / 31_556_952 + 1970);
    let times: Vec<Option<i64>> = c.records.iter().map(|r| r.time_ns).collect();
    let y = year.unwrap();
    assert_eq!(
        times,
        [
            Some(utc(y, 11, 30, 10, 0, 2, 0)),
            Some(utc(y, 11, 30, 10, 0, 3, 0))
        ]
    );

    // RFC 3339 headers: the instant is exact (the zone counts), and no
    // note about a missing time zone.
    let log = format!(
        "2026-11-30T11:00:02.5+01:00 sbc1 kamailio[1]: in: {}\n\
         2026-11-30T04:00:03-05:00 sbc1 kamailio[1]: out: {}\n",
        fold(invite),
        fold(busy)
    );
    let (_, c) = synth::read_bytes(log.as_bytes()).unwrap();
    let times: Vec<Option<i64>> = c.records.iter().map(|r| r.time_ns).collect();
    assert_eq!(
        times,
        [
            Some(utc(2026, 11, 30, 10, 0, 2, 500_000)),
            Some(utc(2026, 11, 30, 9, 0, 3, 0))
        ]
    );
    assert!(
        !c.problems.iter().any(|p| p.text.contains("time zone")),
        "{:?}",
        c.problems
    );
    // A line rsyslog cut short: its message ends with it (a problem says
    // so) and the next line's message keeps its own time.
    let cut = &fold(invite)[..fold(invite).find("CSeq").unwrap()];
    let log = format!(
        "Nov 30 10:00:02 sbc1 kamailio[1]: in: {cut}\n\
         Nov 30 10:00:03 sbc1 kamailio[1]: out: {}\n",
        fold(busy)
    );
    let (_, c) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(c.records.len(), 2);
    assert_eq!(first_line(&c.records[1]), "SIP/2.0 486 Busy Here");
    assert!(
        !c.records[0].text().contains("10:00:03"),
        "{}",
        c.records[0].text()
    );
    assert_eq!(c.records[1].time_ns, Some(utc(y, 11, 30, 10, 0, 3, 0)));
    assert!(
        c.problems
            .iter()
            .any(|p| p.text.contains("ends inside the headers")),
        "{:?}",
        c.problems
    );

    // The Asterisk PJSIP fixture, each entry folded into one syslog line.
    let plain = fixture("pjsip.log");
    let (_, want) = synth::read_bytes(&plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    let mut folded = String::new();
    for entry in text.split("\n[") {
        let entry = entry.trim_start_matches('[');
        folded.push_str("Nov 30 10:00:01 pbx1 asterisk[77]: VERBOSE[1]: ");
        folded.push_str(&fold(entry));
        folded.push('\n');
    }
    let (infos, got) = synth::read_bytes(folded.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Pjsip);
    // Behind an RFC 3339 header each message has the header's instant.
    let zoned = folded.replace(
        "Nov 30 10:00:01 pbx1",
        "2026-11-30T10:00:01.250000+02:00 pbx1",
    );
    let (_, z) = synth::read_bytes(zoned.as_bytes()).unwrap();
    assert_eq!(z.records.len(), want.records.len());
    assert!(
        z.records
            .iter()
            .all(|r| r.time_ns == Some(utc(2026, 11, 30, 8, 0, 1, 250_000))),
        "{:?}",
        z.records.iter().map(|r| r.time_ns).collect::<Vec<_>>()
    );
    assert_eq!(texts(&got), texts(&want));
    assert_eq!(
        got.records
            .iter()
            .map(|r| (r.src, r.dst))
            .collect::<Vec<_>>(),
        want.records
            .iter()
            .map(|r| (r.src, r.dst))
            .collect::<Vec<_>>()
    );
}

/// A log cut inside a message's body says so (the message is still read).
#[test]
fn a_log_cut_inside_a_message_says_so() {
    let log = fixture("pjsip.log");
    let at = log.windows(7).position(|w| w == b"m=audio").unwrap() + 3;
    let (_, c) = synth::read_bytes(&log[..at]).unwrap();
    assert_eq!(c.records.len(), 1);
    let p = real_problems(&c);
    assert!(
        p.len() == 1 && p[0].contains("short of its Content-Length"),
        "{p:?}"
    );
}

/// A log cut inside a message's headers says so too, naming the message
/// and the line the log ends at (the headers it has are still read), in
/// every format; cut inside the header line itself (no line end) alike.
#[test]
fn a_log_cut_inside_a_message_s_headers_says_so() {
    for name in FIXTURES {
        let log = fixture(name);
        // Just after the first message's CSeq line, and inside it.
        let cseq = log.windows(6).position(|w| w == b"CSeq: ").unwrap();
        let eol = cseq + log[cseq..].iter().position(|&c| c == b'\n').unwrap() + 1;
        for end in [eol, cseq + 7] {
            let cut = &log[..end];
            let line = cut.iter().filter(|&&c| c == b'\n').count() + usize::from(end != eol);
            let (_, c) = synth::read_bytes(cut).unwrap();
            assert_eq!(c.records.len(), 1, "{name}");
            let p = real_problems(&c);
            let want = format!(
                "the log ends at line {line}, inside the headers of SIP message 1: it was cut"
            );
            assert!(p.len() == 1 && p[0].contains(&want), "{name} {end}: {p:?}");
        }
    }
}

#[test]
fn freeswitch_sofia_siptrace() {
    // libsofia-sip-ua/tport/tport_logging.c, tport_stamp and tport_log_msg.
    let (format, c) = read("sofia.log");
    assert_eq!(format, Format::Sofia);
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    let lines: Vec<String> = c.records.iter().map(first_line).collect();
    assert_eq!(
        lines,
        [
            "INVITE sip:100@192.0.2.1 SIP/2.0",
            "SIP/2.0 180 Ringing",
            "SIP/2.0 603 Decline"
        ]
    );
    let r = &c.records;
    assert_eq!(r[0].src, ep("192.0.2.10:5060"));
    assert_eq!(r[1].dst, ep("192.0.2.10:5060"));
    assert!(r[0].text().ends_with(SDP));
    // The stamp has no date: the log's own dated lines give it, and the
    // last entry is after midnight.
    assert_eq!(r[0].time_ns, Some(utc(2024, 5, 1, 23, 59, 59, 436_734)));
    assert_eq!(r[2].time_ns, Some(utc(2024, 5, 2, 0, 0, 4, 2)));
    assert!(!c.problems.iter().any(|p| p.text.contains("no date")));
}

/// Sofia's trace stamps have no date: those that come before FreeSWITCH's
/// first dated line of the file (a log rotated or cut with `tail` between
/// the two) take the date of that line, looking ahead, with the day
/// before or after by the same half-day rule as after a dated line. They
/// took the file's date instead, a call spread over months.
#[test]
fn sofia_stamps_before_the_first_dated_line_take_its_date() {
    let full = fixture("sofia.log");
    let read = |log: &[u8]| -> (Vec<Option<i64>>, Vec<String>) {
        let (_, c) = synth::read_bytes(log).unwrap();
        let times = c.records.iter().map(|r| r.time_ns).collect();
        (times, c.problems.iter().map(|p| p.text.clone()).collect())
    };
    let times = |log: &[u8]| -> Vec<Option<i64>> {
        let (times, problems) = read(log);
        assert!(
            !problems.iter().any(|p| p.contains("no date")),
            "{problems:?}"
        );
        times
    };
    let expected = times(&full);
    assert_eq!(expected.len(), 3);
    let text = String::from_utf8(full).unwrap();
    let without = |dated: usize| -> Vec<u8> {
        let mut n = 0;
        text.lines()
            .filter(|l| {
                let date = l.starts_with("2024-");
                n += usize::from(date);
                !(date && n <= dated)
            })
            .flat_map(|l| [l.as_bytes(), b"\n"])
            .flatten()
            .copied()
            .collect()
    };
    // The first dated line gone: the INVITE (23:59:59.4) before the next
    // one (2024-05-01 23:59:59.5) is on May 1.
    assert_eq!(read(&without(1)).0, expected);
    assert_eq!(times(&without(1)), expected);
    // The first two gone: the first line with a date is after midnight
    // (2024-05-02 00:00:04.1); the 180 before it at 23:59:59.6 is on May 1,
    // and so is the INVITE before that.
    assert_eq!(read(&without(2)).0, expected);
    assert_eq!(times(&without(2)), expected);
    // No dated line at all: the date is assumed, and said to be.
    let (_, problems) = read(&without(3));
    assert!(
        problems.iter().any(|p| p.contains("no date")),
        "{problems:?}"
    );
}

#[test]
fn kamailio_sipdump() {
    // src/modules/sipdump/sipdump_write.c, sipdump_data_print.
    let (format, c) = read("sipdump.data");
    assert_eq!(format, Format::Sipdump);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let r = &c.records;
    assert_eq!(r.len(), 3);
    assert_eq!(
        first_line(&r[1]),
        "SIP/2.0 407 Proxy Authentication Required"
    );
    assert_eq!(
        (r[0].src, r[0].dst),
        (ep("192.0.2.10:5060"), ep("192.0.2.1:5060"))
    );
    assert_eq!(r[0].time_ns, Some(1_714_557_600_123_456_000));
    assert!(r[0].text().ends_with(SDP));
    // IPv6 over TCP, a body with no final line end.
    assert_eq!(r[2].src, ep("[2001:db8::10]:40000"));
    assert_eq!(r[2].transport, Transport::Tcp);
    assert!(
        r[2].text().ends_with("Content-Length: 5\r\n\r\nhello"),
        "{:?}",
        r[2].text()
    );
}

#[test]
fn sngrep_save_as_txt() {
    // src/curses/ui_save.c, save_msg_txt.
    let (format, c) = read("sngrep.txt");
    assert_eq!(format, Format::Sngrep);
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    let r = &c.records;
    assert_eq!(r.len(), 2);
    assert_eq!(call_id(&r[1]), "sngrep-1");
    assert_eq!(first_line(&r[1]), "SIP/2.0 404 Not Found");
    assert_eq!(
        (r[1].src, r[1].dst),
        (ep("192.0.2.1:5060"), ep("192.0.2.10:5060"))
    );
    assert_eq!(r[0].time_ns, Some(utc(2016, 3, 7, 11, 28, 7, 583_371)));
    assert!(r[0].text().ends_with(SDP));
}

#[test]
fn ngrep_byline() {
    // ngrep.c, dump_packet and dump_byline.
    let (format, c) = read("ngrep.txt");
    assert_eq!(format, Format::Ngrep);
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    let r = &c.records;
    assert_eq!(r.len(), 2);
    assert_eq!(first_line(&r[0]), "INVITE sip:100@192.0.2.1 SIP/2.0");
    assert_eq!(first_line(&r[1]), "SIP/2.0 503 Service Unavailable");
    assert_eq!(r[0].transport, Transport::Udp);
    assert_eq!(r[1].time_ns, Some(utc(2016, 3, 7, 11, 28, 7, 590_002)));
    // The '.' that stood for each CR is gone: the SDP is byte-exact.
    assert!(r[0].text().ends_with(SDP), "{:?}", r[0].text());
}

/// ngrep `-T` prints each packet's delta from the one before instead of
/// its time (ngrep.c, `print_time_diff`): the messages are read, without
/// times, and a problem says why.
#[test]
fn ngrep_deltas_are_read_without_times_and_said_so() {
    let log = String::from_utf8(fixture("ngrep.txt")).unwrap();
    let deltas = log
        .replace("U 2016/03/07 11:28:07.583371 ", "U +0.000000 ")
        .replace("U 2016/03/07 11:28:07.590002 ", "U +0.006631 ");
    assert_ne!(deltas, log);
    let (infos, c) = synth::read_bytes(deltas.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Ngrep);
    assert_eq!(c.records.len(), 2);
    assert!(c.records.iter().all(|r| r.time_ns.is_none()));
    let notes: Vec<&String> = c
        .problems
        .iter()
        .map(|p| &p.text)
        .filter(|t| t.contains("time deltas (-T)"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", c.problems);
    // That line says it: not a second one on messages without a time.
    assert_eq!(untimed_notes(&c).len(), 1, "{:?}", c.problems);
}

/// A log whose SIP messages have no time at all (ngrep without `-t`,
/// Asterisk's console without timestamps, messages pasted from a ticket)
/// gets one problem line saying so and what it costs; a timed log none.
#[test]
fn a_log_without_times_says_so_once() {
    let ngrep = String::from_utf8(fixture("ngrep.txt")).unwrap();
    let plain = ngrep
        .replace("U 2016/03/07 11:28:07.583371 ", "U ")
        .replace("U 2016/03/07 11:28:07.590002 ", "U ");
    assert_ne!(plain, ngrep);
    let chan_sip = fixture("chan_sip.log");
    let raw = fixture("raw.txt");
    for (name, log) in [
        ("ngrep", plain.as_bytes()),
        ("chan_sip", &chan_sip),
        ("raw", &raw),
    ] {
        let (_, c) = synth::read_bytes(log).unwrap();
        assert!(!c.records.is_empty(), "{name}");
        assert!(c.records.iter().all(|r| r.time_ns.is_none()), "{name}");
        let notes = untimed_notes(&c);
        assert_eq!(notes.len(), 1, "{name}: {:?}", c.problems);
        let note = notes[0];
        assert!(
            note.contains(UNTIMED)
                && note.contains("timings, the post-dial delay and timeouts cannot be measured"),
            "{name}: {note}"
        );
        assert_eq!(note.contains("ngrep prints times with -t"), name == "ngrep");
        assert!(c.problems.iter().all(|p| p.frame.is_none()), "{name}");
    }
    // Every log with times: no such line.
    for name in FIXTURES {
        let (_, c) = read(name);
        if c.records.iter().all(|r| r.time_ns.is_some()) {
            assert!(untimed_notes(&c).is_empty(), "{name}: {:?}", c.problems);
        }
    }
}

/// A log with times only here and there (messages pasted with a stamp
/// before some of them): one line counts those without, at the first.
#[test]
fn a_log_timed_only_in_places_counts_the_messages_without_a_time() {
    let inv = synth::request("INVITE", "part-1", 1, "");
    let ok = synth::response(200, "OK", "part-1", 1, "INVITE");
    let bye = synth::request("BYE", "part-1", 2, "");
    let log = format!("2024-05-01 10:00:00 sent:\n{inv}\nthen:\n{ok}\nand:\n{bye}\n");
    let (infos, c) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::Raw);
    let times: Vec<bool> = c.records.iter().map(|r| r.time_ns.is_some()).collect();
    assert_eq!(times, [true, false, false]);
    let notes: Vec<_> = c
        .problems
        .iter()
        .filter(|p| p.text.contains("no time") && !p.text.contains("no time zone"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", c.problems);
    assert_eq!(notes[0].frame, Some(2));
    assert!(
        notes[0]
            .text
            .starts_with("2 of the log's 3 SIP messages have no time")
            && notes[0].text.contains("cannot be measured"),
        "{}",
        notes[0].text
    );
}

/// An Asterisk log across the end of summer time: the 486 is logged at
/// 02:00:03, two seconds after the INVITE at 02:59:59 by the clock that
/// was set back an hour (logger.c stamps local time). The log's order is
/// the messages' order: the 486 comes 4 s after the INVITE, not before it.
#[test]
fn an_asterisk_log_across_the_end_of_summer_time_keeps_its_order() {
    let log = String::from_utf8(fixture("pjsip.log")).unwrap();
    let dst = log
        .replace("[2024-05-01 10:00:00]", "[2025-10-26 02:59:58]")
        .replace("[2024-05-01 10:00:01]", "[2025-10-26 02:59:59]")
        .replace("[2024-05-01 10:00:03]", "[2025-10-26 02:00:03]");
    assert_ne!(dst, log);
    let (_, c) = synth::read_bytes(dst.as_bytes()).unwrap();
    let times: Vec<i64> = c.records.iter().map(|r| r.time_ns.unwrap()).collect();
    assert_eq!(
        times,
        [
            utc(2025, 10, 26, 2, 59, 59, 0),
            utc(2025, 10, 26, 2, 59, 59, 0),
            utc(2025, 10, 26, 3, 0, 3, 0)
        ]
    );
    assert!(
        c.problems
            .iter()
            .any(|p| p.text.contains("end of summer time")),
        "{:?}",
        c.problems
    );
}

#[test]
fn raw_messages_in_notes() {
    let (format, c) = read("raw.txt");
    assert_eq!(format, Format::Raw);
    // The messages have no time, and a line says so.
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    assert_eq!(untimed_notes(&c).len(), 1, "{:?}", c.problems);
    let r = &c.records;
    assert_eq!(r.len(), 2);
    // LF line ends became CRLF; the body is cut at Content-Length.
    assert!(r[0].text().ends_with(SDP));
    assert_eq!(first_line(&r[1]), "SIP/2.0 480 Temporarily Unavailable");
    assert!(r.iter().all(|r| r.src.is_none() && r.time_ns.is_none()));
}

#[test]
fn forced_format_reads_a_log_detection_would_call_raw() {
    // A PJSIP log read as raw still finds the messages (without addresses).
    let mut c = Collect::default();
    let infos = read_inputs(&[Input::Bytes(fixture("pjsip.log"))], Format::Raw, &mut c).unwrap();
    assert_eq!(infos[0].format, Format::Raw);
    assert_eq!(c.records.len(), 3);
    assert!(c.records.iter().all(|r| r.src.is_none() && r.dst.is_none()));
}

#[test]
fn every_fixture_is_detected_inside_gzip_too() {
    for (name, format) in [
        ("pjsip.log", Format::Pjsip),
        ("chan_sip.log", Format::ChanSip),
        ("sofia.log", Format::Sofia),
        ("sipdump.data", Format::Sipdump),
        ("sngrep.txt", Format::Sngrep),
        ("ngrep.txt", Format::Ngrep),
        ("raw.txt", Format::Raw),
    ] {
        let (infos, c) = synth::read_bytes(&synth::gzip(&fixture(name))).unwrap();
        assert_eq!(infos[0].format, format, "{name}");
        assert!(infos[0].gzip);
        assert!(!c.records.is_empty(), "{name}");
    }
}

/// Each fixture from its first entry on (so that nothing but the entry's
/// own first line follows the mark), and the `full`-log form of chan_sip
/// whose first line is the logger's prefix alone (channels/chan_sip.c
/// starts its message with a line end: `ast_verbose("\n<--- SIP read
/// from ...`).
fn logs_from_their_first_entry() -> Vec<(&'static str, Vec<u8>)> {
    let from = |name: &str, needle: &str| -> Vec<u8> {
        let text = String::from_utf8(fixture(name)).unwrap();
        let at = text.find(needle).unwrap_or_else(|| panic!("{name}"));
        let line = text[..at].rfind('\n').map_or(0, |i| i + 1);
        text.as_bytes()[line..].to_vec()
    };
    let console = from("chan_sip.log", "<--- SIP read");
    let full = [
        b"[2024-05-01 10:00:01] VERBOSE[2001][C-00000003] chan_sip.c: \n".as_slice(),
        &console,
    ]
    .concat();
    vec![
        ("pjsip.log", from("pjsip.log", "<--- Received")),
        ("chan_sip.log", console),
        ("chan_sip full log", full),
        ("sofia.log", from("sofia.log", "recv ")),
        ("sipdump.data", fixture("sipdump.data")),
        ("sngrep.txt", fixture("sngrep.txt")),
        ("ngrep.txt", from("ngrep.txt", "\nU ")[1..].to_vec()),
        ("raw.txt", from("raw.txt", "INVITE sip:")),
    ]
}

/// A UTF-8 byte-order mark before a log (Windows Notepad's "UTF-8") is
/// not content: the log reads exactly as without it, gzip-compressed too
/// (the first message was lost, or its time), and what is read again
/// from it (the export, a call's messages) is what was read.
#[test]
fn a_utf8_byte_order_mark_before_a_log_changes_nothing() {
    use sipfix::trace::{call_messages, export_pcap};
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    for (name, plain) in logs_from_their_first_entry() {
        let (want_infos, want) = synth::read_bytes(&plain).unwrap();
        let want_info = &want_infos[0];
        assert!(
            first_line(&want.records[0]).starts_with("INVITE "),
            "{name}: {:?}",
            want.records[0]
        );
        let problems = |c: &Collect| {
            c.problems
                .iter()
                .map(|p| (p.frame, p.text.clone()))
                .collect::<Vec<_>>()
        };
        let with_bom = [BOM, &plain].concat();
        for (how, bytes) in [
            ("plain", with_bom.clone()),
            ("gzip", synth::gzip(&with_bom)),
        ] {
            let (infos, got) =
                synth::read_bytes(&bytes).unwrap_or_else(|e| panic!("{name} {how}: {e}"));
            assert_eq!(infos[0].format, want_info.format, "{name} {how}");
            assert_eq!(infos[0].packets, want_info.packets, "{name} {how}");
            assert_eq!(infos[0].bytes, with_bom.len() as u64, "{name} {how}");
            assert_eq!(got.records, want.records, "{name} {how}");
            assert_eq!(problems(&got), problems(&want), "{name} {how}");
        }

        let all: std::collections::BTreeSet<(u32, u64)> =
            want.records.iter().map(|r| (0, r.frame)).collect();
        let export = |bytes: &[u8]| {
            let mut out = Vec::new();
            export_pcap(
                &[Input::Bytes(bytes.to_vec())],
                Format::Auto,
                &all,
                &mut out,
            )
            .unwrap();
            out
        };
        assert_eq!(export(&with_bom), export(&plain), "{name}: export");
        let id = call_id(&want.records[0]);
        let again = |bytes: &[u8]| {
            call_messages(&[Input::Bytes(bytes.to_vec())], Format::Auto, &id).unwrap()
        };
        assert_eq!(again(&with_bom), again(&plain), "{name}: call_messages");
    }
}

/// chan_sip's `full` log of a call answered with a 200 OK that is resent
/// six times and never acknowledged, then hung up. channels/chan_sip.c:
/// `handle_request_do` (`\n<--- SIP read from %s --->\n%s\n<------------->\n`,
/// then `--- (%d headers %d lines) ---`), `send_response`
/// (`\n<--- %sTransmitting (%sNAT) to %s --->\n%s\n<------------>\n`),
/// `send_request` (`%sTransmitting (%sNAT) to %s:\n%s\n---\n`) and
/// `retrans_pkt` (`Retransmitting #%d (%s) to %s:\n%s\n---\n`, its `%s` the
/// NAT mode), all through `ast_verbose`, so the `full` log's prefix is on
/// the first line of each.
fn chan_sip_log_of_a_200_resent_and_never_acked() -> String {
    let prefix =
        |s: u32| format!("[2024-05-01 10:00:{s:02}] VERBOSE[2001][C-00000007] chan_sip.c: ");
    let invite = synth::request("INVITE", "rtx-1", 1, "");
    let ok = synth::response(200, "OK", "rtx-1", 1, "INVITE");
    let bye = "BYE sip:alice@10.0.0.1:5060 SIP/2.0\r\n\
               Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-pbx-bye\r\n\
               Max-Forwards: 70\r\n\
               From: <sip:bob@example.com>;tag=b2\r\n\
               To: <sip:alice@example.com>;tag=a1\r\n\
               Call-ID: rtx-1\r\n\
               CSeq: 102 BYE\r\n\
               Content-Length: 0\r\n\r\n";
    let to = "192.0.2.10:5060";
    let mut log = format!(
        "{}\n<--- SIP read from UDP:{to} --->\n{invite}\n<------------->\n\
         {}--- (8 headers 0 lines) ---\n\
         {}\n<--- Reliably Transmitting (no NAT) to {to} --->\n{ok}\n<------------>\n",
        prefix(1),
        prefix(1),
        prefix(1),
    );
    for (n, s) in [(1, 2), (2, 3), (3, 5), (4, 9), (5, 13), (6, 17)] {
        log += &format!(
            "{}Retransmitting #{n} (no NAT) to {to}:\n{ok}\n---\n",
            prefix(s)
        );
    }
    log += "[2024-05-01 10:00:21] WARNING[2001][C-00000007] chan_sip.c: Maximum retries \
            exceeded on transmission rtx-1 for seqno 1 (Critical Response)\n";
    log += &format!(
        "{}Reliably Transmitting (no NAT) to {to}:\n{bye}\n---\n",
        prefix(21)
    );
    log
}

/// chan_sip prints each resend of a message sent reliably as its own
/// `Retransmitting #N` block: each is one more copy sent to the address
/// it names, so a 200 OK resent without an ACK is seen as such (the
/// blocks were skipped: no retransmission and no `no-ack`).
#[test]
fn chan_sip_retransmitting_blocks_are_messages_sent() {
    use sipfix::kb::Kb;
    use sipfix::trace::{Options, Severity};
    let log = chan_sip_log_of_a_200_resent_and_never_acked();
    let (infos, c) = synth::read_bytes(log.as_bytes()).unwrap();
    assert_eq!(infos[0].format, Format::ChanSip);
    assert!(real_problems(&c).is_empty(), "{:?}", c.problems);
    let lines: Vec<String> = c.records.iter().map(first_line).collect();
    let mut want = vec!["INVITE sip:bob@example.com SIP/2.0"];
    want.extend(["SIP/2.0 200 OK"; 7]);
    want.push("BYE sip:alice@10.0.0.1:5060 SIP/2.0");
    assert_eq!(lines, want);
    let ok = synth::response(200, "OK", "rtx-1", 1, "INVITE");
    for r in &c.records[1..] {
        assert_eq!((r.src, r.dst), (None, ep("192.0.2.10:5060")), "{r:?}");
    }
    for r in &c.records[1..8] {
        assert_eq!(r.text(), ok);
    }
    let secs: Vec<i64> = c
        .records
        .iter()
        .map(|r| (r.time_ns.unwrap() - utc(2024, 5, 1, 10, 0, 0, 0)) / 1_000_000_000)
        .collect();
    assert_eq!(secs, [1, 1, 2, 3, 5, 9, 13, 17, 21]);

    let t = sipfix::trace::analyze(
        &[Input::Bytes(log.into_bytes())],
        Format::Auto,
        Options::default(),
        Kb::embedded(),
        &mut |_, _| {},
    )
    .unwrap();
    let call = t.call("rtx-1").unwrap();
    assert_eq!(call.msgs.len(), 9);
    assert_eq!(call.retransmissions, 6);
    let f = call.findings.iter().find(|f| f.id == "no-ack");
    assert!(
        f.is_some_and(|f| f.severity == Severity::Failure),
        "{:?}",
        call.findings
    );
}

/// A message whose Content-Length is larger than its body, in the PJSIP
/// logger's `full` log (res/res_pjsip_logger.c `logging_on_rx_msg`:
/// `<--- Received SIP %s (%d bytes) from %s --->\n%.*s\n`, so a line end
/// of the logger's own follows the packet) and pasted raw: the shortfall
/// is the packet's, the same in both, and the message is what the packet
/// held (the logger's line end was counted as body, 2 bytes).
#[test]
fn a_body_short_of_its_content_length_is_measured_on_the_packet() {
    let sdp = synth::SDP;
    let msg = synth::request("INVITE", "cl-big", 1, sdp).replace(
        &format!("Content-Length: {}\r\n", sdp.len()),
        "Content-Length: 600\r\n",
    );
    let pjsip = format!(
        "[2024-05-01 10:00:01] VERBOSE[4250] res_pjsip_logger.c: <--- Received SIP request \
         ({} bytes) from UDP:192.0.2.10:5060 --->\n{msg}\n\
         [2024-05-01 10:00:01] VERBOSE[4250] pbx.c: Executing [100@default:1] NoOp\n",
        msg.len()
    );
    let want = format!(
        "SIP message 1 ends {} bytes short of its Content-Length",
        600 - sdp.len()
    );
    for (name, log) in [("pjsip", pjsip), ("raw", msg.clone())] {
        let (_, c) = synth::read_bytes(log.as_bytes()).unwrap();
        assert_eq!(c.records.len(), 1, "{name}");
        assert_eq!(c.records[0].text(), msg, "{name}");
        let p = real_problems(&c);
        assert!(p.len() == 1 && p[0].contains(&want), "{name}: {p:?}");
    }
}

/// An input that mixes two log formats (an Asterisk log and a FreeSWITCH
/// one concatenated, or in one syslog) is read in one of them; the other's
/// messages are not read, and a problem line now says so, with how many
/// and where the first is. The fixtures, each in one format, get no such
/// line.
#[test]
fn a_log_mixing_formats_says_what_it_did_not_read() {
    const MIXED: &str = "the input seems to mix log formats";
    let mixed = [fixture("pjsip.log"), fixture("sofia.log")].concat();
    let (_, c) = synth::read_bytes(&mixed).unwrap();
    let said: Vec<&String> = c
        .problems
        .iter()
        .map(|p| &p.text)
        .filter(|t| t.contains(MIXED))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", c.problems);
    // Read as sofia (detection looks further than the first lines): the
    // PJSIP log's three messages are the lines not read.
    assert!(
        said[0].starts_with(
            "3 lines look like the start of a SIP message outside the sofia entries read \
             here (the first at line 3)"
        ),
        "{}",
        said[0]
    );
    for name in FIXTURES {
        let (_, c) = read(name);
        assert!(
            c.problems.iter().all(|p| !p.text.contains(MIXED)),
            "{name}: {:?}",
            c.problems
        );
    }
}
