//! The live ovn-ic: four database sessions (the zone's NB and SB, IC-NB, IC-SB), the
//! `ic` rules between them, and the writes they ask for.
//!
//! One round: the updates that have arrived become one engine transaction; its output
//! is the set of writes still pending (see `ic::op`). While this instance holds the
//! zone's SB lock `ovn_ic` (and is not paused) and every database has been read once,
//! the pending writes go out, one transaction per database; the echo of each retracts
//! what it wrote, and the next round sees what is left. A transaction that fails (a
//! zone that raced us to a key, a row that cannot be written) is retried op by op, so
//! one bad write never holds back the others, and what still fails waits a backoff.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use adapters::client::{Change, Delta, Event, Session};
use adapters::{Database, Uuid as DbUuid};
use engine::Engine;
use ic::Input;
use ic::op::{Db as OpDb, Op};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::rows::{self, IC_NB_TABLES, IC_SB_TABLES, NB_TABLES, SB_TABLES};
use super::write;
use super::{Action, Config, Control, LOCK, LOCK_ACQUIRED, LOCK_LOST, PAUSED};
use crate::daemon::Command;
use crate::inputs::Inputs;

/// How long a write that failed, or that had no visible effect, waits before it is
/// tried again (doubling up to the maximum).
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(8);

/// Which database an input came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Src {
    Nb,
    Sb,
    IcNb,
    IcSb,
}

/// A write waiting to be retried.
struct Held {
    until: Instant,
    backoff: Duration,
}

struct State {
    engine: Engine<Input, Op>,
    inputs: Inputs<Src, Input>,
    dirty: bool,
    /// The pending writes (the engine's output, accumulated).
    ops: BTreeMap<Op, isize>,
    /// Writes that failed or had no effect, until their retry time.
    held: HashMap<Op, Held>,
    ready: [bool; 4],
    control: Control,
    /// The zone as registered by this process: its name and IC-SB row.
    az: Option<(String, DbUuid)>,
}

enum Ev {
    Db(Src, Event),
    Cmd(Option<Command>),
    Timer,
}

/// Runs until `exit` (or the command channel closes).
pub async fn run(cfg: Config, mut inbox: mpsc::Receiver<Command>) -> Result<(), String> {
    let mut sb_opts = cfg.sb;
    sb_opts.lock = Some(LOCK.into());
    let err = |e: adapters::client::Error| e.to_string();
    let mut nb = Session::new(cfg.nb, "OVN_Northbound", NB_TABLES).map_err(err)?;
    let mut sb = Session::new(sb_opts, "OVN_Southbound", SB_TABLES).map_err(err)?;
    let icnb = Session::new(cfg.ic_nb, "OVN_IC_Northbound", IC_NB_TABLES).map_err(err)?;
    let icsb = Session::new(cfg.ic_sb, "OVN_IC_Southbound", IC_SB_TABLES).map_err(err)?;
    // Switch ports and SB bindings ovn-ic never looks at stay on the servers.
    nb.set_condition("Logical_Switch_Port", rows::type_condition(rows::LSP_TYPES))
        .await
        .map_err(err)?;
    sb.set_condition("Port_Binding", rows::type_condition(rows::PB_TYPES))
        .await
        .map_err(err)?;
    let mut st = State {
        engine: Engine::new(ic::ic),
        inputs: Inputs::default(),
        dirty: false,
        ops: BTreeMap::new(),
        held: HashMap::new(),
        ready: [false; 4],
        control: Control::default(),
        az: None,
    };
    let mut dbs = Dbs { nb, sb, icnb, icsb };
    loop {
        let wake = st.next_retry();
        let ev = tokio::select! {
            e = dbs.nb.next_event() => Ev::Db(Src::Nb, e),
            e = dbs.sb.next_event() => Ev::Db(Src::Sb, e),
            e = dbs.icnb.next_event() => Ev::Db(Src::IcNb, e),
            e = dbs.icsb.next_event() => Ev::Db(Src::IcSb, e),
            c = inbox.recv() => Ev::Cmd(c),
            _ = sleep_until(wake) => Ev::Timer,
        };
        match ev {
            Ev::Db(src, e) => st.event(src, e, &mut dbs).await,
            Ev::Cmd(None) => return Ok(()),
            Ev::Cmd(Some(c)) => {
                if st.command(c, &mut dbs).await {
                    return Ok(());
                }
            }
            Ev::Timer => {}
        }
        // Whatever else has already arrived joins this round.
        dbs.drain(&mut st).await;
        st.settle(&mut dbs).await;
    }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

struct Dbs {
    nb: Session,
    sb: Session,
    icnb: Session,
    icsb: Session,
}

impl Dbs {
    fn session(&mut self, src: Src) -> &mut Session {
        match src {
            Src::Nb => &mut self.nb,
            Src::Sb => &mut self.sb,
            Src::IcNb => &mut self.icnb,
            Src::IcSb => &mut self.icsb,
        }
    }

    /// Takes in every event that has already arrived.
    async fn drain(&mut self, st: &mut State) {
        loop {
            let mut more = false;
            for src in [Src::Nb, Src::Sb, Src::IcNb, Src::IcSb] {
                let s = self.session(src);
                if s.is_connected()
                    && let Ok(e) = tokio::time::timeout(Duration::ZERO, s.next_event()).await
                {
                    st.event(src, e, self).await;
                    more = true;
                }
            }
            if !more {
                break;
            }
        }
    }
}

fn old_new(c: &Change) -> (Option<&adapters::Row>, Option<&adapters::Row>) {
    match c {
        Change::Inserted(r) => (None, Some(r)),
        Change::Deleted(r) => (Some(r), None),
        Change::Modified { old, new } => (Some(old), Some(new)),
    }
}

fn src_name(src: Src) -> &'static str {
    match src {
        Src::Nb => "the Northbound",
        Src::Sb => "the Southbound",
        Src::IcNb => "the IC Northbound",
        Src::IcSb => "the IC Southbound",
    }
}

impl State {
    fn track(&mut self, key: (Src, String, DbUuid), new: Option<Input>) {
        self.dirty |= self.inputs.track(key, new);
    }

    async fn event(&mut self, src: Src, e: Event, dbs: &mut Dbs) {
        let delta = match e {
            Event::Connected { delta, remote, .. } => {
                tracing::info!(target: "ovn_ic", "{remote}: connected to {}", src_name(src));
                self.ready[src as usize] = true;
                if src == Src::Sb && self.control.paused {
                    let _ = dbs.sb.unlock().await;
                }
                delta
            }
            Event::Delta(d) => d,
            Event::Lock(true) => {
                tracing::info!(target: "ovn_ic", "{LOCK_ACQUIRED}");
                return;
            }
            Event::Lock(false) => {
                if !self.control.paused {
                    tracing::info!(target: "ovn_ic", "{LOCK_LOST}");
                }
                return;
            }
            Event::Disconnected { .. } => return,
        };
        let db = dbs.session(src).replica();
        self.delta(src, &delta, db);
    }

    fn delta(&mut self, src: Src, delta: &Delta, db: &Database) {
        let touches = |t: &str| delta.iter().any(|(tt, _, _)| tt == t);
        for (table, u, change) in delta {
            let row = old_new(change).1;
            let input = match (src, table.as_str()) {
                (Src::Sb, "Chassis" | "Encap") | (Src::IcSb, "Gateway" | "Encap") => continue,
                (Src::Nb, t) => row.and_then(|r| rows::nb_input(db, t, *u, r)),
                (Src::Sb, t) => row.and_then(|r| rows::sb_input(db, t, *u, r)),
                (Src::IcNb, t) => row.and_then(|r| rows::icnb_input(db, t, *u, r)),
                (Src::IcSb, t) => row.and_then(|r| rows::icsb_input(db, t, *u, r)),
            };
            self.track((src, table.clone(), *u), input);
        }
        if src == Src::Sb && (touches("Chassis") || touches("Encap")) {
            self.dirty |= self
                .inputs
                .retrack_table(src, db, "Chassis", rows::chassis_input);
        }
        if src == Src::IcSb && (touches("Gateway") || touches("Encap")) {
            self.dirty |= self
                .inputs
                .retrack_table(src, db, "Gateway", rows::gateway_input);
        }
    }

    /// Runs the engine over the changes that came in.
    fn compute(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let changes = std::mem::take(&mut self.inputs.pending);
        for (op, d) in self.engine.commit(changes) {
            let n = self.ops.entry(op.clone()).or_default();
            *n += d;
            if *n <= 0 {
                self.ops.remove(&op);
                self.held.remove(&op);
            } else if *n == d
                && let Op::Warn { text } = &op
            {
                tracing::warn!(target: "ovn_ic", "{text}");
            }
        }
    }

    fn active(&self, dbs: &Dbs) -> bool {
        !self.control.paused && dbs.sb.has_lock() && self.ready.iter().all(|r| *r)
    }

    fn next_retry(&self) -> Option<Instant> {
        self.held.values().map(|h| h.until).min()
    }

    fn hold(&mut self, op: &Op, why: &str) {
        let now = Instant::now();
        let backoff = self
            .held
            .get(op)
            .map_or(RETRY_MIN, |h| (h.backoff * 2).min(RETRY_MAX));
        tracing::debug!(target: "ovn_ic", "{why}: {op:?}; retrying in {backoff:?}");
        self.held.insert(
            op.clone(),
            Held {
                until: now + backoff,
                backoff,
            },
        );
    }

    /// Computes, then writes what is pending, as long as writes go through.
    async fn settle(&mut self, dbs: &mut Dbs) {
        loop {
            self.compute();
            if !self.active(dbs) {
                return;
            }
            if self.zone_lifecycle(dbs).await {
                continue;
            }
            let mut wrote = Vec::new();
            for db in [OpDb::IcSb, OpDb::Nb, OpDb::Sb] {
                let now = Instant::now();
                let mut ops: Vec<Op> = self
                    .ops
                    .keys()
                    .filter(|o| o.db() == Some(db))
                    .filter(|o| self.held.get(*o).is_none_or(|h| h.until <= now))
                    .cloned()
                    .collect();
                if ops.is_empty() {
                    continue;
                }
                if db == OpDb::IcSb {
                    ops = self.confirm_stale_keys(ops, dbs).await;
                }
                ops.sort_by_key(|o| o.phase());
                wrote.extend(self.write(db, ops, dbs).await);
            }
            if wrote.is_empty() {
                return;
            }
            // Our own changes came back before the replies: what is still pending of
            // what went through had no effect; it waits before it is tried again.
            dbs.drain(self).await;
            self.compute();
            for op in wrote {
                if self.ops.contains_key(&op) {
                    self.hold(&op, "a write had no effect");
                }
            }
        }
    }

    /// Writes `ops` to `db` in one transaction; if that fails, one by one. Returns the
    /// writes that went through.
    async fn write(&mut self, db: OpDb, ops: Vec<Op>, dbs: &mut Dbs) -> Vec<Op> {
        let session = match db {
            OpDb::Nb => &mut dbs.nb,
            OpDb::Sb => &mut dbs.sb,
            OpDb::IcSb => &mut dbs.icsb,
        };
        if !session.is_connected() {
            return Vec::new();
        }
        let comment = self.comment(db);
        let txn = |ops: &[Op]| {
            let mut names = write::Names::default();
            let mut v = vec![adapters::client::ops::comment(&comment)];
            for o in ops {
                v.extend(write::operations(o, &mut names));
            }
            v
        };
        for o in &ops {
            if let Op::AddAz { name } = o {
                tracing::info!(target: "ovn_ic", "Register AZ {name} to interconnection DB.");
            }
        }
        match session.transact(txn(&ops)).await {
            Ok(_) => return ops,
            Err(e) if ops.len() == 1 => {
                tracing::warn!(target: "ovn_ic", "{}: transaction failed: {e}", db_name(db));
                self.hold(&ops[0], "a write failed");
                return Vec::new();
            }
            Err(e) => {
                tracing::debug!(
                    target: "ovn_ic",
                    "{}: transaction of {} writes failed ({e}); writing them one by one",
                    db_name(db),
                    ops.len()
                );
            }
        }
        let mut done = Vec::new();
        for o in ops {
            match session.transact(txn(std::slice::from_ref(&o))).await {
                Ok(_) => done.push(o),
                Err(e) => {
                    tracing::warn!(target: "ovn_ic", "{}: write failed: {e}: {o:?}", db_name(db));
                    self.hold(&o, "a write failed");
                }
            }
        }
        done
    }

    /// The transaction comment, as ovn-ic writes it.
    fn comment(&self, db: OpDb) -> String {
        match (db, &self.az) {
            (OpDb::IcSb, Some((name, _))) => format!("ovn-ic: AZ {name}"),
            _ => "ovn-ic".into(),
        }
    }

    /// A binding of a transit switch we do not see in IC-NB is deleted only if IC-NB,
    /// asked now, does not have it either: our copy of IC-NB may be behind the zone that
    /// created the binding after seeing the switch.
    async fn confirm_stale_keys(&mut self, ops: Vec<Op>, dbs: &mut Dbs) -> Vec<Op> {
        let stale: Vec<String> = ops
            .iter()
            .filter_map(|o| match o {
                Op::DelTsKey { ts, .. } => Some(ts.to_string()),
                _ => None,
            })
            .collect();
        if stale.is_empty() {
            return ops;
        }
        use adapters::client::ops::{OpResult, cond, select};
        let query: Vec<Value> = stale
            .iter()
            .map(|ts| {
                select(
                    "Transit_Switch",
                    vec![cond("name", "==", json!(ts))],
                    Some(&["name"]),
                )
            })
            .collect();
        let exists: HashSet<String> = match dbs.icnb.transact(query).await {
            Ok(results) => stale
                .iter()
                .zip(results)
                .filter(|(_, r)| matches!(r, OpResult::Rows(rows) if !rows.is_empty()))
                .map(|(ts, _)| ts.clone())
                .collect(),
            // Not confirmed: keep everything for now.
            Err(_) => stale.iter().cloned().collect(),
        };
        ops.into_iter()
            .filter(|o| !matches!(o, Op::DelTsKey { ts, .. } if exists.contains(ts.as_str())))
            .collect()
    }

    /// Follows a change of the zone's name: renames its IC-SB row in place, or (name
    /// cleared, or taken) withdraws everything the zone exported. True when it wrote.
    async fn zone_lifecycle(&mut self, dbs: &mut Dbs) -> bool {
        let name = dbs
            .nb
            .replica()
            .table("NB_Global")
            .values()
            .next()
            .and_then(|g| {
                dbs.nb
                    .replica()
                    .get("NB_Global", g, "name")
                    .as_str()
                    .map(String::from)
            })
            .unwrap_or_default();
        let azs: BTreeMap<String, DbUuid> = {
            let db = dbs.icsb.replica();
            db.table("Availability_Zone")
                .iter()
                .filter_map(|(u, r)| {
                    db.get("Availability_Zone", r, "name")
                        .as_str()
                        .map(|n| (n.to_string(), *u))
                })
                .collect()
        };
        let mut wrote = false;
        if let Some((old, row)) = self.az.clone()
            && old != name
        {
            let ours = azs.get(&old) == Some(&row);
            let ops = if !ours {
                Vec::new()
            } else if !name.is_empty() && !azs.contains_key(&name) {
                tracing::info!(target: "ovn_ic", "Rename AZ {old} to {name} in interconnection DB.");
                write::rename_az(row, &name)
            } else {
                tracing::info!(target: "ovn_ic", "Unregister AZ {old} from interconnection DB.");
                write::unregister_az(row)
            };
            if !ops.is_empty() {
                match dbs.icsb.transact(ops).await {
                    Ok(_) => {
                        wrote = true;
                        dbs.drain(self).await;
                    }
                    Err(e) => {
                        tracing::warn!(target: "ovn_ic", "IC Southbound: transaction failed: {e}");
                        return false;
                    }
                }
            }
            self.az = None;
        }
        if !name.is_empty()
            && let Some(row) = azs.get(&name)
            && !wrote
        {
            self.az = Some((name, *row));
        }
        wrote
    }

    /// Answers a unixctl command; true for `exit`.
    async fn command(&mut self, c: Command, dbs: &mut Dbs) -> bool {
        let had_lock = dbs.sb.has_lock();
        match self.control.command(c, had_lock) {
            Action::Exit => return true,
            Action::Pause => {
                if had_lock {
                    tracing::info!(target: "ovn_ic", "{PAUSED}");
                }
                let _ = dbs.sb.unlock().await;
            }
            Action::Resume => {
                let _ = dbs.sb.lock().await;
            }
            Action::None => {}
        }
        false
    }
}

fn db_name(db: OpDb) -> &'static str {
    match db {
        OpDb::Nb => "Northbound",
        OpDb::Sb => "Southbound",
        OpDb::IcSb => "IC Southbound",
    }
}
