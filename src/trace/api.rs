//! The analysis as plain functions for any front end (the CLI, later the
//! TUI's call list loaded off the UI thread): no terminal code, results
//! that are `Send`.
//!
//! - [`analyze`]: read the inputs and triage them in one pass (reading on
//!   a second thread when there is a second CPU), with a progress callback.
//! - [`call_messages`]: read the inputs again and return the whole bytes of
//!   one call's messages (the TUI's call view; a first pass keeps only
//!   summaries, see [`Keep`] for keeping bytes in the same pass instead).

use super::model::{Analyzer, Options};
use super::{Call, Format, Input, Problem, ReadError, Record, Sink, Triage, read_inputs, skim};
use crate::kb::Kb;
use std::collections::HashMap;

/// Read `inputs` and triage them. `progress(done, total)` is called now
/// and then with input bytes (total 0 when unknown, e.g. stdin).
pub fn analyze(
    inputs: &[Input],
    format: Format,
    opts: Options,
    kb: &Kb,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Triage, ReadError> {
    let mut a = Analyzer::new(opts);
    let sources = super::pipeline::read_into(inputs, format, &mut a, progress)?;
    Ok(a.finish(sources, kb))
}

/// One message of a call, whole, as read again from the inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawMessage {
    pub file: u32,
    pub frame: u64,
    pub time_ns: Option<i64>,
    pub bytes: Vec<u8>,
}

/// Read `inputs` again and return every message with this exact Call-ID,
/// in input order (match them to [`super::Call::msgs`] by file and frame).
/// Only the Call-ID is looked at in the other messages.
pub fn call_messages(
    inputs: &[Input],
    format: Format,
    call_id: &str,
) -> Result<Vec<RawMessage>, ReadError> {
    struct Pick<'a> {
        id: &'a [u8],
        out: Vec<RawMessage>,
    }
    impl Sink for Pick<'_> {
        fn record(&mut self, r: Record<'_>) {
            if skim::skim(r.sip()).is_some_and(|s| s.call_id == self.id) {
                self.out.push(RawMessage {
                    file: r.file,
                    frame: r.frame,
                    time_ns: r.time_ns,
                    bytes: r.sip().to_vec(),
                });
            }
        }
        fn problem(&mut self, _: Problem) {}
    }
    let mut pick = Pick {
        id: call_id.as_bytes(),
        out: Vec::new(),
    };
    read_inputs(inputs, format, &mut pick)?;
    Ok(pick.out)
}

/// `c` with the whole bytes of its messages from `raws` (what
/// [`call_messages`] read again), so that what needs bytes (the failing
/// response explained, the Markdown of the call) works on a call analysed
/// without them. A message is matched by file, frame and length, in
/// order (one TCP segment can carry several messages); one with no match
/// stays without bytes.
pub fn with_messages(c: &Call, raws: Vec<RawMessage>) -> Call {
    let mut by_frame: HashMap<(u32, u64), Vec<usize>> = HashMap::new();
    for (i, r) in raws.iter().enumerate() {
        by_frame.entry((r.file, r.frame)).or_default().push(i);
    }
    let mut raws: Vec<Option<RawMessage>> = raws.into_iter().map(Some).collect();
    let mut out = c.clone();
    out.raw.clear();
    for (i, m) in c.msgs.iter().enumerate() {
        let Some(cands) = by_frame.get(&(m.file, m.frame)) else {
            continue;
        };
        let hit = cands.iter().copied().find(|&k| {
            raws[k]
                .as_ref()
                .is_some_and(|r| r.bytes.len() == m.len as usize)
        });
        if let Some(r) = hit.and_then(|k| raws[k].take()) {
            out.raw.push((i as u32, r.bytes.into_boxed_slice()));
        }
    }
    out
}

/// A call named by its Call-ID or a beginning of it.
#[derive(Debug)]
pub enum CallLookup<'a> {
    /// The call with exactly this Call-ID, or the only one starting so.
    Found(&'a Call),
    None,
    /// Several calls start so (all of them).
    Ambiguous(Vec<&'a Call>),
}

/// Find a call by its exact Call-ID, else the only one starting with `id`.
/// A Call-ID holding control characters or tabs is found by its shown
/// form too (`a\tb`, `x\x01`: what the reports print), which is what a
/// user copies.
pub fn lookup_call<'a>(t: &'a Triage, id: &str) -> CallLookup<'a> {
    if let Some(c) = t.call(id) {
        return CallLookup::Found(c);
    }
    // A Call-ID with other characters than printable ASCII, as the reports
    // show it: escaped (`\t`, `\u{202e}`), and in ASCII (`LANG=C`) with
    // its other characters folded (`é` as `?`).
    let shown = |c: &Call| {
        let s = crate::sanitize::shown_ident(&c.call_id);
        let a = crate::render::ascii_fold(&s);
        [s, a]
    };
    let odd = |c: &&Call| !c.call_id.bytes().all(|b| (0x20..0x7f).contains(&b));
    // (Folded, two Call-IDs can show alike: `café` and `cafè`.)
    let mut alike: Vec<&Call> = t
        .calls
        .iter()
        .filter(odd)
        .filter(|c| shown(c).iter().any(|s| s == id))
        .collect();
    match alike.len() {
        0 => {}
        1 => return CallLookup::Found(alike.remove(0)),
        _ => return CallLookup::Ambiguous(alike),
    }
    let mut starts: Vec<&Call> = t
        .calls
        .iter()
        .filter(|c| {
            c.call_id.starts_with(id) || (odd(c) && shown(c).iter().any(|s| s.starts_with(id)))
        })
        .collect();
    match starts.len() {
        0 => CallLookup::None,
        1 => CallLookup::Found(starts.remove(0)),
        _ => CallLookup::Ambiguous(starts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synth;

    fn assert_send<T: Send + 'static>() {}

    #[test]
    fn results_are_send() {
        assert_send::<Triage>();
        assert_send::<RawMessage>();
    }

    #[test]
    fn analyze_and_reload_one_call_from_a_capture() {
        let inv = crate::trace::testkit::request("INVITE", "abc-1", 1, "z9hG4bK1", None, &[], "");
        let busy = crate::trace::testkit::response(&inv, 486, Some("x"), &[]);
        let other = crate::trace::testkit::request("OPTIONS", "zzz", 1, "z9hG4bK2", None, &[], "");
        let frames = vec![
            (
                1_000_000_000,
                synth::eth(&synth::udp_ip(
                    "10.0.0.1:5060",
                    "10.0.0.2:5060",
                    inv.as_bytes(),
                )),
            ),
            (
                1_100_000_000,
                synth::eth(&synth::udp_ip(
                    "10.0.0.1:5060",
                    "10.0.0.3:5060",
                    other.as_bytes(),
                )),
            ),
            (
                1_200_000_000,
                synth::eth(&synth::udp_ip(
                    "10.0.0.2:5060",
                    "10.0.0.1:5060",
                    busy.as_bytes(),
                )),
            ),
        ];
        let input = [Input::Bytes(synth::pcap(1, &frames))];
        let mut seen = Vec::new();
        let t = analyze(
            &input,
            Format::Auto,
            Options::default(),
            Kb::embedded(),
            &mut |d, n| seen.push((d, n)),
        )
        .unwrap();
        let c = t.call("abc-1").unwrap();
        assert_eq!(c.final_code(), Some(486));
        let msgs = call_messages(&input, Format::Auto, "abc-1").unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].bytes, inv.as_bytes());
        assert_eq!(msgs[1].frame, 3);
        assert_eq!(
            c.msgs.iter().map(|m| m.frame).collect::<Vec<_>>(),
            msgs.iter().map(|m| m.frame).collect::<Vec<_>>()
        );
        // The bytes read again, put back in the call for what needs them.
        assert!(c.raw.is_empty());
        let whole = with_messages(c, msgs);
        assert_eq!(whole.raw_of(0), Some(inv.as_bytes()));
        assert_eq!(whole.raw_of(1), Some(busy.as_bytes()));
        let x = crate::trace::report::call::explain(&whole, Kb::embedded()).unwrap();
        assert_eq!(x.explanation.code, Some(486));
        assert!(matches!(lookup_call(&t, "abc"), CallLookup::Found(c) if c.call_id == "abc-1"));
        assert!(matches!(lookup_call(&t, "q"), CallLookup::None));
    }
}
