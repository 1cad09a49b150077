//! The incremental runtime: one differential-dataflow worker, driven synchronously.
//!
//! An [`Engine`] owns a timely worker on the caller's thread, one input relation of
//! type `I` (callers make `I` an enum with one variant per input table) and one output
//! relation of type `O`. Every call to [`Engine::commit`] is one transaction: it carries
//! the input changes, advances logical time by one, runs the dataflow until the output
//! for that time is complete and returns the consolidated output diffs of that
//! transaction. Arrangements inside the dataflow compact themselves as time advances.
//!
//! The engine knows nothing of what the rows mean.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use differential_dataflow::consolidation::consolidate;
use differential_dataflow::input::InputSession;
use differential_dataflow::{ExchangeData, VecCollection};
use timely::communication::Allocator;
use timely::communication::allocator::thread::Thread;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::probe::{Handle as ProbeHandle, Probe};
use timely::worker::Worker;

pub use differential_dataflow;
pub use timely;

/// Logical time: one tick per transaction.
pub type Time = u64;

/// A collection inside the engine's dataflow scope.
pub type Coll<'s, D> = VecCollection<'s, Time, D>;

/// The scope the dataflow is built in.
pub type Scope<'s> = timely::dataflow::Scope<'s, Time>;

/// Statistics of the last transaction, for benchmarks and `inc-engine/show-stats`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TxnStats {
    /// Input changes fed in.
    pub inputs: usize,
    /// Consolidated output diffs returned.
    pub outputs: usize,
    /// Wall time spent inside the dataflow.
    pub elapsed: Duration,
}

type Buffer<O> = Rc<RefCell<Vec<(O, Time, isize)>>>;

/// One dataflow with one input relation `I` and one output relation `O`.
pub struct Engine<I: ExchangeData, O: ExchangeData> {
    worker: Worker,
    input: InputSession<Time, I, isize>,
    probe: ProbeHandle<Time>,
    buf: Buffer<O>,
    time: Time,
    last: TxnStats,
    total_outputs: i64,
}

impl<I, O> Engine<I, O>
where
    I: ExchangeData + std::hash::Hash,
    O: ExchangeData + std::hash::Hash,
{
    /// Builds the dataflow: `rules` maps the input relation to the output relation.
    pub fn new<F>(rules: F) -> Self
    where
        F: for<'s> FnOnce(Coll<'s, I>) -> Coll<'s, O>,
    {
        let mut worker = Worker::new(
            timely::WorkerConfig::default(),
            Allocator::Thread(Thread::default()),
            Some(Instant::now()),
        );
        let buf: Buffer<O> = Rc::new(RefCell::new(Vec::new()));
        let sink_buf = buf.clone();
        let mut input = InputSession::new();
        let probe = worker.dataflow::<Time, _, _>(|scope| {
            let inputs = input.to_collection(scope);
            let out = rules(inputs);
            // A terminal operator that moves every update into `buf` and emits nothing.
            // The probe sits on its output, so "probe passed t" implies that `buf`
            // holds every diff of t.
            let sink = out
                .inner
                .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                    Pipeline,
                    "Collect",
                    move |_cap, _info| {
                        move |input, _output| {
                            input.for_each(|_time, data| {
                                sink_buf.borrow_mut().append(data);
                            });
                        }
                    },
                );
            let (probe, _) = sink.probe();
            probe
        });
        Engine {
            worker,
            input,
            probe,
            buf,
            time: 0,
            last: TxnStats::default(),
            total_outputs: 0,
        }
    }

    /// Applies one transaction of input changes (row, +1 insert / -1 delete) and
    /// returns the consolidated output changes it causes.
    pub fn commit<It>(&mut self, changes: It) -> Vec<(O, isize)>
    where
        It: IntoIterator<Item = (I, isize)>,
    {
        let mut out = self.commit_raw(changes);
        consolidate(&mut out);
        self.last.outputs = out.len();
        out
    }

    /// As [`Engine::commit`], but the output changes are not consolidated: a row may
    /// appear several times, and changes that cancel out may both be present. For
    /// consumers that accumulate into a map anyway.
    pub fn commit_raw<It>(&mut self, changes: It) -> Vec<(O, isize)>
    where
        It: IntoIterator<Item = (I, isize)>,
    {
        let start = Instant::now();
        let mut n = 0;
        for (row, diff) in changes {
            self.input.update(row, diff);
            n += 1;
        }
        self.time += 1;
        let t = self.time;
        self.input.advance_to(t);
        self.input.flush();
        let probe = &self.probe;
        self.worker.step_while(|| probe.less_than(&t));
        let out: Vec<(O, isize)> = std::mem::take(&mut *self.buf.borrow_mut())
            .into_iter()
            .map(|(d, _t, r)| (d, r))
            .collect();
        self.total_outputs += out.iter().map(|(_, r)| *r as i64).sum::<i64>();
        self.last = TxnStats {
            inputs: n,
            outputs: out.len(),
            elapsed: start.elapsed(),
        };
        out
    }

    /// Number of transactions committed so far.
    pub fn time(&self) -> Time {
        self.time
    }

    /// Statistics of the last transaction.
    pub fn last_stats(&self) -> TxnStats {
        self.last
    }

    /// Net number of output rows currently held (sum of all diffs so far).
    pub fn output_count(&self) -> i64 {
        self.total_outputs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doubler() -> Engine<u32, (u32, u32)> {
        Engine::new(|input| {
            let pairs = input.map(|x| (x % 10, x));
            pairs.clone().join(pairs).map(|(_k, (a, b))| (a, b))
        })
    }

    #[test]
    fn commit_returns_the_diffs_of_that_transaction_only() {
        let mut e = doubler();
        let out = e.commit(vec![(1, 1), (11, 1)]);
        assert_eq!(out.len(), 4);
        let out = e.commit(vec![(21, 1)]);
        // 21 pairs with 1, 11 and itself in both directions: 5 new pairs.
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|(_, r)| *r == 1));
        let out = e.commit(vec![(21, -1)]);
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|(_, r)| *r == -1));
        assert_eq!(e.output_count(), 4);
    }

    #[test]
    fn an_empty_transaction_yields_nothing() {
        let mut e = doubler();
        e.commit(vec![(3, 1)]);
        assert!(e.commit(Vec::new()).is_empty());
        assert_eq!(e.time(), 2);
    }

    #[test]
    fn insert_and_delete_in_one_transaction_cancel() {
        let mut e = doubler();
        assert!(e.commit(vec![(5, 1), (5, -1)]).is_empty());
    }
}
