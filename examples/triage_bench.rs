//! End-to-end benchmark: `sipfix triage --json` against
//! `tshark -r FILE -Y sip -q -z sip,stat` on the same capture, in one run,
//! with wall time, CPU time and peak memory of each (from `wait4`).
//!
//! ```sh
//! cargo run --release --example big_capture -- /tmp/big.pcapng 300
//! cargo build --release
//! cargo run --release --example triage_bench -- /tmp/big.pcapng [--runs 3] [--no-tshark]
//! ```
//!
//! sipfix runs `--runs` times (the best wall time is reported; the first
//! run also warms the page cache for both tools); tshark runs once (it
//! takes minutes). Bytes per call come from peak memory over the number of
//! calls (run it on two sizes to see the slope, which leaves out the fixed
//! part).

use std::process::{Command, Stdio};
use std::time::Instant;

struct Run {
    wall: f64,
    user: f64,
    sys: f64,
    max_rss_kib: i64,
}

/// Run a command with stdout to /dev/null and measure it. The child is
/// reaped by `wait4` (which also gives its resource usage), not by `Child`.
#[allow(clippy::zombie_processes)]
fn run(cmd: &mut Command) -> Run {
    let t = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4 failed");
    let wall = t.elapsed().as_secs_f64();
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Run {
        wall,
        user: secs(ru.ru_utime),
        sys: secs(ru.ru_stime),
        max_rss_kib: ru.ru_maxrss,
    }
}

#[path = "common/args.rs"]
mod args;

/// `sipfix triage --json` against tshark on one capture.
#[derive(clap::Parser)]
struct Cli {
    #[command(flatten)]
    capture: args::Capture,
    /// Leave tshark out (it takes minutes on a big capture).
    #[arg(long)]
    no_tshark: bool,
}

fn main() {
    let cli = <Cli as clap::Parser>::parse();
    let (file, runs, tshark) = (cli.capture.file, cli.capture.runs, !cli.no_tshark);
    let sipfix = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("sipfix")))
        .filter(|p| p.exists())
        .expect("build the release binary first: cargo build --release");
    let size = std::fs::metadata(&file).expect("the capture").len() as f64;

    // The number of calls: rows of sipfix's CSV, counted as they stream by
    // (this process must stay small: a child's peak memory as the kernel
    // reports it includes what it inherited at fork, before exec).
    let mut child = Command::new(&sipfix)
        .args(["triage", &file, "--csv"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run sipfix");
    let mut rows = 0u64;
    let mut buf = [0u8; 1 << 16];
    let mut pipe = child.stdout.take().expect("stdout");
    loop {
        let n = std::io::Read::read(&mut pipe, &mut buf).expect("read");
        if n == 0 {
            break;
        }
        rows += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    child.wait().expect("sipfix");
    let calls = rows.saturating_sub(1);

    let mut best: Option<Run> = None;
    for _ in 0..runs {
        let r = run(Command::new(&sipfix).args(["triage", &file, "--json"]));
        if best.as_ref().is_none_or(|b| r.wall < b.wall) {
            best = Some(r);
        }
    }
    let s = best.expect("one run");
    println!("capture: {file}, {:.1} MB, {calls} calls", size / 1e6);
    println!(
        "sipfix triage --json: wall {:.2} s ({:.2} GB/s), CPU user {:.2} s + sys {:.2} s, peak RSS {:.1} MiB ({} bytes per call)",
        s.wall,
        size / s.wall / 1e9,
        s.user,
        s.sys,
        s.max_rss_kib as f64 / 1024.0,
        (s.max_rss_kib as u64 * 1024)
            .checked_div(calls)
            .map_or_else(|| "-".to_string(), |b| b.to_string())
    );
    if tshark {
        let t =
            run(Command::new("tshark").args(["-r", &file, "-Y", "sip", "-q", "-z", "sip,stat"]));
        println!(
            "tshark -Y sip -q -z sip,stat: wall {:.1} s, CPU user {:.1} s + sys {:.1} s, peak RSS {:.0} MiB",
            t.wall,
            t.user,
            t.sys,
            t.max_rss_kib as f64 / 1024.0
        );
        println!(
            "sipfix is {:.0}x faster by wall time, {:.0}x by CPU time",
            t.wall / s.wall,
            (t.user + t.sys) / (s.user + s.sys)
        );
    }
}
