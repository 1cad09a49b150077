//! The incremental northd: the engine over the rules, with tunnel keys fed back.
//!
//! The keys the rules assign to datapaths and ports are fed back into the engine as pins
//! (see `rules::model::keys`), so that later changes can never move them. The pins of one
//! transaction ride along with the next one: they equal the assignment they pin, so they
//! never change an output, and they are in place before any later change is computed.

use std::collections::BTreeMap;

use engine::Engine;
use rules::input::{Input, KeyMember, KeyPin, Uuid};
use rules::output::Output;

use crate::sb::SbState;

pub struct Northd {
    engine: Engine<Input, Output>,
    state: SbState,
    /// The pins this driver feeds back: (domain, member) -> key.
    pins: BTreeMap<(Option<Uuid>, KeyMember), u32>,
    /// Pin changes not yet fed to the engine (they go with the next transaction).
    pending: Vec<(Input, isize)>,
    /// Transactions since interned strings nothing uses any more were last dropped.
    since_purge: u32,
}

/// Drop unused interned strings every this many transactions.
const PURGE_EVERY: u32 = 1024;

impl Default for Northd {
    fn default() -> Self {
        Self::new()
    }
}

impl Northd {
    pub fn new() -> Northd {
        Northd {
            engine: Engine::new(rules::northd),
            state: SbState::default(),
            pins: BTreeMap::new(),
            pending: Vec::new(),
            since_purge: 0,
        }
    }

    /// Applies one transaction of input changes; returns the output changes it caused.
    pub fn apply(
        &mut self,
        changes: impl IntoIterator<Item = (Input, isize)>,
    ) -> Vec<(Output, isize)> {
        let pins = std::mem::take(&mut self.pending);
        let raw = self.engine.commit_raw(pins.into_iter().chain(changes));
        let out = self.state.apply(raw);
        self.pending = self.pin_changes(&out);
        for (o, d) in &out {
            if let (Output::Diag(x), 1) = (o, d) {
                tracing::warn!("{} {}: {}", x.table, x.row, x.message);
            }
        }
        self.since_purge += 1;
        if self.since_purge >= PURGE_EVERY {
            self.since_purge = 0;
            rules::Istr::purge();
        }
        out
    }

    /// The current Southbound rows.
    pub fn state(&self) -> &SbState {
        &self.state
    }

    pub fn engine(&self) -> &Engine<Input, Output> {
        &self.engine
    }

    /// Pin diffs that make the fed-back pins equal the keys in `out`'s rows.
    fn pin_changes(&mut self, out: &[(Output, isize)]) -> Vec<(Input, isize)> {
        let mut changes = Vec::new();
        let mut want: Vec<((Option<Uuid>, KeyMember), u32, isize)> = Vec::new();
        for (o, d) in out {
            match o {
                Output::Datapath(r) => {
                    want.push(((None, KeyMember::Datapath(r.nb)), r.tunnel_key, *d))
                }
                Output::Port(r) => want.push((
                    (Some(r.dp), KeyMember::Port(r.logical_port.clone())),
                    r.tunnel_key,
                    *d,
                )),
                _ => {}
            }
        }
        // Removals first, then additions, so a re-keyed member ends up with its new key.
        want.sort_by_key(|w| w.2);
        for (k, key, d) in want {
            let pin = |key| {
                Input::KeyPin(KeyPin {
                    domain: k.0,
                    member: k.1.clone(),
                    key,
                })
            };
            if d < 0 {
                if self.pins.get(&k) == Some(&key) {
                    self.pins.remove(&k);
                    changes.push((pin(key), -1));
                }
            } else {
                if let Some(old) = self.pins.insert(k.clone(), key) {
                    if old == key {
                        continue;
                    }
                    changes.push((pin(old), -1));
                }
                changes.push((pin(key), 1));
            }
        }
        changes
    }
}
