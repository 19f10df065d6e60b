//! Reading and analysing on two threads: the reader thread frames the
//! input and fills [`Batch`]es; the calling thread places the batches'
//! messages in their calls ([`Analyzer`]), in order. Batches go through a
//! bounded channel and come back empty to be refilled, so memory stays flat
//! however long the input.
//!
//! Each message must be scanned and digested ([`super::digest`]) before it
//! is placed, and either thread can do it. The reader digests a batch's
//! messages while the analyzer has batches waiting, and hands them on whole
//! (a copy) when it found the analyzer with none, so that the work is
//! shared whichever side is slower (a pcap of small UDP messages reads
//! fast; TCP reassembly or a text log reads slower).
//!
//! The result is the same as feeding the reader straight into the
//! [`Analyzer`] (a [`Sink`]), which is what happens on a single CPU.

use super::digest::{Batch, Event, RecentRequests};
use super::model::{Analyzer, Keep};
use super::{Cut, Format, Input, Problem, ReadError, Record, Sink, SourceInfo, read_inputs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Messages per batch at most.
const BATCH_EVENTS: usize = 1024;
/// Arena bytes per batch at most (a batch with kept bytes can be larger).
const BATCH_BYTES: usize = 256 << 10;
/// Full batches waiting for the analyzer at most.
const DEPTH: usize = 4;

/// Read `inputs` into `a`, on two threads when there are two CPUs.
/// `progress` is called on this thread.
pub(crate) fn read_into(
    inputs: &[Input],
    format: Format,
    a: &mut Analyzer,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<SourceInfo>, ReadError> {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus < 2 {
        return read_direct(inputs, format, a, progress);
    }
    let keep = a.keep().clone();
    let waiting = Arc::new(AtomicUsize::new(0));
    let sent = waiting.clone();
    let (full_tx, full_rx) = sync_channel::<Batch>(DEPTH);
    let (free_tx, free_rx) = sync_channel::<Batch>(DEPTH + 2);
    std::thread::scope(|s| {
        let reader = std::thread::Builder::new()
            .name("sipfix-reader".into())
            .spawn_scoped(s, move || {
                let mut sink = Batcher {
                    keep,
                    batch: Batch::default(),
                    full: full_tx,
                    free: free_rx,
                    gone: false,
                    waiting: sent,
                    whole: true,
                    recent: RecentRequests::default(),
                };
                let r = read_inputs(inputs, format, &mut sink);
                sink.send();
                r
            });
        let reader = match reader {
            Ok(r) => r,
            // No thread to be had: read here.
            Err(_) => return None,
        };
        for batch in full_rx {
            waiting.fetch_sub(1, Ordering::Relaxed);
            a.apply_batch(&batch, progress);
            // The reader may be done and gone: then the batch is dropped.
            let _ = free_tx.try_send(batch);
        }
        Some(match reader.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    })
    .unwrap_or_else(|| read_direct(inputs, format, a, progress))
}

/// Read on this thread only.
fn read_direct(
    inputs: &[Input],
    format: Format,
    a: &mut Analyzer,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<SourceInfo>, ReadError> {
    struct WithProgress<'a> {
        inner: &'a mut Analyzer,
        progress: &'a mut dyn FnMut(u64, u64),
    }
    impl Sink for WithProgress<'_> {
        fn record(&mut self, r: Record<'_>) {
            self.inner.record(r);
        }
        fn problem(&mut self, p: Problem) {
            self.inner.problem(p);
        }
        fn cut(&mut self, c: Cut) {
            self.inner.cut(c);
        }
        fn cut_record(&mut self, r: Record<'_>) {
            self.inner.cut_record(r);
        }
        fn input_problem(&mut self, p: Problem) {
            self.inner.input_problem(p);
        }
        fn progress(&mut self, done: u64, total: u64) {
            (self.progress)(done, total);
        }
    }
    read_inputs(inputs, format, &mut WithProgress { inner: a, progress })
}

/// The reader thread's sink: digests into the current batch and sends it
/// when full.
struct Batcher {
    keep: Keep,
    batch: Batch,
    full: SyncSender<Batch>,
    free: Receiver<Batch>,
    /// The analyzer hung up (it panicked): read on, keep nothing.
    gone: bool,
    /// Batches sent and not yet taken by the analyzer.
    waiting: Arc<AtomicUsize>,
    /// Hand this batch's messages on whole (the analyzer was idle).
    whole: bool,
    recent: RecentRequests,
}

impl Batcher {
    fn send(&mut self) {
        if self.gone || self.batch.events.is_empty() {
            return;
        }
        let next = match self.free.try_recv() {
            Ok(mut b) => {
                b.clear();
                b
            }
            Err(_) => Batch::default(),
        };
        let full = std::mem::replace(&mut self.batch, next);
        // The analyzer had nothing left to do: it digests the next batch.
        self.whole = self.waiting.fetch_add(1, Ordering::Relaxed) == 0;
        if self.full.send(full).is_err() {
            self.gone = true;
        }
    }

    fn maybe_send(&mut self) {
        if self.batch.events.len() >= BATCH_EVENTS
            || self.batch.bytes.len() + self.batch.text.len() >= BATCH_BYTES
        {
            self.send();
        }
    }
}

impl Batcher {
    /// A message into the batch: digested here, or whole for the analyzer
    /// to digest.
    fn push(&mut self, r: &Record<'_>) {
        if self.whole {
            self.batch.push_raw(r);
        } else {
            self.batch.push_record(r, &self.keep, &mut self.recent);
        }
    }

    /// An event that is no message.
    fn event(&mut self, e: Event) {
        if self.gone {
            return;
        }
        self.batch.events.push(e);
        self.maybe_send();
    }
}

impl Sink for Batcher {
    fn record(&mut self, r: Record<'_>) {
        if self.gone {
            return;
        }
        self.push(&r);
        self.maybe_send();
    }

    fn cut_record(&mut self, r: Record<'_>) {
        if self.gone {
            return;
        }
        self.push(&r);
        self.batch.mark_cut();
        self.maybe_send();
    }

    fn problem(&mut self, p: Problem) {
        self.event(Event::Problem(p));
    }

    fn cut(&mut self, c: Cut) {
        self.event(Event::Cut(c));
    }

    fn input_problem(&mut self, p: Problem) {
        self.event(Event::InputProblem(p));
    }

    fn progress(&mut self, done: u64, total: u64) {
        if self.gone {
            return;
        }
        self.batch.events.push(Event::Progress(done, total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Kb;
    use crate::trace::model::{Options, Triage};
    use crate::trace::synth;
    use crate::trace::testkit::{answered_call, ep, rejected_call};

    /// A capture of many calls: more than a few batches.
    fn capture() -> Vec<u8> {
        let mut frames = Vec::new();
        for i in 0..3000 {
            let id = format!("{i}-pipe@10.0.0.1");
            let steps = if i % 3 == 0 {
                rejected_call(&id, i * 3, ep("10.0.0.3:5060"), 503, &["Retry-After: 5"])
            } else {
                answered_call(&id, i * 3, 1000)
            };
            for s in steps {
                frames.push((
                    crate::trace::testkit::T0_NS + s.ms * 1_000_000,
                    synth::eth(&synth::udp_ip(
                        &s.src.to_string(),
                        &s.dst.to_string(),
                        s.sip.as_bytes(),
                    )),
                ));
            }
        }
        frames.sort_by_key(|f| f.0);
        // A broken packet among them: a problem in order.
        frames.insert(5000, (frames[5000].0, vec![0xde, 0xad]));
        synth::pcap(1, &frames)
    }

    /// Messages handed on whole and digested by the analyzer give what
    /// messages digested by the reader give.
    #[test]
    fn whole_messages_give_what_digests_give() {
        struct Whole(Batch);
        impl Sink for Whole {
            fn record(&mut self, r: Record<'_>) {
                self.0.push_raw(&r);
            }
            fn problem(&mut self, p: Problem) {
                self.0.events.push(Event::Problem(p));
            }
        }
        let input = [Input::Bytes(capture())];
        let kb = Kb::embedded();
        let opts = || Options {
            keep: Keep::Calls(vec![b"7-pipe".to_vec()]),
            ..Options::default()
        };
        let mut digested = Analyzer::new(opts());
        let s1 = read_direct(&input, Format::Auto, &mut digested, &mut |_, _| {}).unwrap();
        let mut whole = Whole(Batch::default());
        let s2 = read_inputs(&input, Format::Auto, &mut whole).unwrap();
        assert!(matches!(whole.0.events[0], Event::Raw(_)));
        let mut raw = Analyzer::new(opts());
        raw.apply_batch(&whole.0, &mut |_, _| {});
        same(&digested.finish(s1, kb), &raw.finish(s2, kb));
    }

    #[test]
    fn two_threads_give_what_one_gives() {
        let input = [Input::Bytes(capture())];
        let kb = Kb::embedded();
        let opts = || Options {
            keep: Keep::Calls(vec![b"7-pipe".to_vec()]),
            ..Options::default()
        };
        let mut one = Analyzer::new(opts());
        let mut p1 = Vec::new();
        let s1 = read_direct(&input, Format::Auto, &mut one, &mut |d, n| p1.push((d, n))).unwrap();
        let mut two = Analyzer::new(opts());
        let mut p2 = Vec::new();
        let s2 = read_into(&input, Format::Auto, &mut two, &mut |d, n| p2.push((d, n))).unwrap();
        assert_eq!(s1, s2);
        assert_eq!(p1, p2);
        assert!(!p2.is_empty());
        same(&one.finish(s1, kb), &two.finish(s2, kb));
    }

    /// Two analyses of [`capture`] agree on everything.
    fn same(t1: &Triage, t2: &Triage) {
        assert_eq!(t2.calls.len(), 3000);
        assert_eq!(t1.calls.len(), t2.calls.len());
        assert_eq!(t1.problems, t2.problems);
        assert!(!t2.problems.is_empty());
        assert_eq!(t1.text, t2.text);
        for (a, b) in t1.calls.iter().zip(&t2.calls) {
            assert_eq!(a.call_id, b.call_id);
            assert_eq!(a.msgs, b.msgs);
            assert_eq!(a.txns, b.txns);
            assert_eq!(a.extras, b.extras);
            assert_eq!(a.raw, b.raw);
            assert_eq!(a.extra_frames, b.extra_frames);
            assert_eq!(a.findings, b.findings);
        }
        // The kept call's bytes came through.
        assert!(!t2.call("7-pipe@10.0.0.1").unwrap().raw.is_empty());
    }
}
