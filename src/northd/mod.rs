//! The live northd: NB and SB sessions, the incremental engine between them, and the
//! writes that keep the Southbound (and the Northbound's write-back columns) current.
//!
//! One round: the NB and SB updates that have arrived become one engine transaction
//! (each changed row retracts the input it stood for and adds its new one); if the
//! outputs changed, the SB the rules want is laid out and compared with the SB replica,
//! and only the differing rows are written, in one transaction asserting the
//! `ovn_northd` lock. Then the NB write-backs (`sb_cfg`, `hv_cfg`, options,
//! `Logical_Switch_Port.up`) go in one NB transaction. A standby (no lock) or paused
//! instance keeps its engine current and writes nothing.
//!
//! Tunnel keys already in the SB are pinned in the first round (then handed over to the
//! driver's own pins), so taking over an SB, ours or the C daemon's, renumbers nothing.

pub mod layout;
pub mod sync;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use adapters::client::{Change, Delta, Event, Options, Session};
use adapters::{Database, Uuid as DbUuid};
use rules::input::Input;
use tokio::sync::mpsc;

use crate::daemon::Command;
use crate::driver::Northd;
use crate::inputs::Inputs;
use crate::nb::{NB_TABLES, chassis_input, nb_row_inputs, sb_inputs};

/// How to run.
pub struct Config {
    pub nb: Options,
    pub sb: Options,
    /// `--dry-run`: start paused.
    pub paused: bool,
}

/// The unixctl commands the loop answers, as `(name, usage, min, max)`.
pub const COMMANDS: &[(&str, &str, usize, usize)] = &[
    ("exit", "", 0, 0),
    ("pause", "", 0, 0),
    ("resume", "", 0, 0),
    ("is-paused", "", 0, 0),
    ("status", "", 0, 0),
    ("nb-connection-status", "", 0, 0),
    ("sb-connection-status", "", 0, 0),
    ("nb-cluster-state-reset", "", 0, 0),
    ("sb-cluster-state-reset", "", 0, 0),
    ("parallel-build/set-n-threads", "N_THREADS", 1, 1),
    ("parallel-build/get-n-threads", "", 0, 0),
    ("inc-engine/recompute", "", 0, 0),
    ("inc-engine/show-stats", "", 0, 0),
    ("memory/show", "", 0, 0),
    ("debug/chassis-features-list", "", 0, 0),
];

const LOCK: &str = "ovn_northd";

/// Which database a tracked input came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Db {
    Nb,
    Sb,
}

#[derive(Default)]
struct Stats {
    rounds: u64,
    engine_txns: u64,
    sb_txns: u64,
    nb_txns: u64,
    sb_rows: (usize, usize, usize),
    last_round: Duration,
    /// Time in each phase of the last round: engine, SB write (render + transact), NB
    /// write-backs; and of the last full SB comparison.
    last_engine: Duration,
    last_sb: Duration,
    last_nb: Duration,
    last_full: Duration,
    /// Of the last SB write: rendering/comparing, and the transaction's round trip.
    last_render: Duration,
    last_txn: Duration,
    recompute_diffs: u64,
}

struct State {
    northd: Northd,
    /// The input each tracked row stands for.
    inputs: Inputs<Db, Input>,
    /// Keys pinned from the SB in the first round, retracted in the next.
    sb_pins: Option<Vec<Input>>,
    seeded: bool,
    /// Whether port inputs carry `Logical_Switch_Port.up` ([`crate::nb::rules_read_lsp_up`]).
    reads_lsp_up: bool,
    nb_ready: bool,
    sb_ready: bool,
    engine_dirty: bool,
    /// The next SB write compares everything (takeover, resync, after a failure).
    sb_dirty: bool,
    /// The SB as written, for incremental writes.
    layout: Option<layout::Layout>,
    /// Output changes not yet written.
    round_out: Vec<(rules::output::Output, isize)>,
    /// Logical_Flow rows are not monitored: after a full write the layout knows them,
    /// and the replica need not hold hundreds of thousands of rows (nor the echo of our
    /// own writes). Any resynchronisation monitors them again first.
    blind: bool,
    /// SB Chassis rows changed since the last write.
    chassis_dirty: bool,
    /// Which logical ports' `up` to look at.
    ports: sync::PortIndex,
    nb_dirty: bool,
    cur_cfg: Option<i64>,
    nb_cfg_copied: bool,
    sb_options: std::collections::BTreeMap<String, String>,
    paused: bool,
    n_threads: usize,
    stats: Stats,
}

enum Ev {
    Nb(Event),
    Sb(Event),
    Cmd(Option<Command>),
}

/// Runs until `exit` (or the command channel closes).
pub async fn run(cfg: Config, mut inbox: mpsc::Receiver<Command>) -> Result<(), String> {
    let mut sb_opts = cfg.sb;
    sb_opts.lock = Some(LOCK.into());
    let mut nb = Session::new(cfg.nb, "OVN_Northbound", NB_TABLES).map_err(|e| e.to_string())?;
    let mut sb = Session::new(sb_opts, "OVN_Southbound", &[]).map_err(|e| e.to_string())?;
    let mut st = State {
        northd: Northd::new(),
        inputs: Inputs::default(),
        sb_pins: None,
        seeded: false,
        reads_lsp_up: false,
        nb_ready: false,
        sb_ready: false,
        engine_dirty: false,
        sb_dirty: true,
        layout: None,
        round_out: Vec::new(),
        blind: false,
        chassis_dirty: false,
        ports: sync::PortIndex::default(),
        nb_dirty: true,
        cur_cfg: None,
        nb_cfg_copied: false,
        sb_options: Default::default(),
        paused: cfg.paused,
        n_threads: 1,
        stats: Stats::default(),
    };
    loop {
        let ev = tokio::select! {
            e = nb.next_event() => Ev::Nb(e),
            e = sb.next_event() => Ev::Sb(e),
            c = inbox.recv() => Ev::Cmd(c),
        };
        let mut evs = vec![ev];
        // Whatever else has already arrived joins this round.
        loop {
            let mut more = false;
            if nb.is_connected()
                && let Ok(e) = tokio::time::timeout(Duration::ZERO, nb.next_event()).await
            {
                evs.push(Ev::Nb(e));
                more = true;
            }
            if sb.is_connected()
                && let Ok(e) = tokio::time::timeout(Duration::ZERO, sb.next_event()).await
            {
                evs.push(Ev::Sb(e));
                more = true;
            }
            if !more {
                break;
            }
        }
        for ev in evs {
            match ev {
                Ev::Nb(e) => st.nb_event(e, &nb),
                Ev::Sb(e) => st.sb_event(e, &mut sb).await,
                Ev::Cmd(None) => return Ok(()),
                Ev::Cmd(Some(c)) => {
                    if st.command(c, &mut nb, &mut sb).await {
                        return Ok(());
                    }
                }
            }
        }
        st.round(&mut nb, &mut sb).await;
    }
}

impl State {
    fn track(&mut self, key: (Db, String, DbUuid), new: Option<Input>) {
        self.engine_dirty |= self.inputs.track(key, new);
    }

    fn nb_event(&mut self, e: Event, nb: &Session) {
        let delta = match e {
            Event::Connected { delta, remote, .. } => {
                tracing::info!(target: "northd", "{remote}: connected to the Northbound");
                self.nb_ready = true;
                self.nb_dirty = true;
                delta
            }
            Event::Delta(d) => d,
            Event::Disconnected { .. } | Event::Lock(_) => return,
        };
        self.nb_delta(&delta, nb.replica());
    }

    fn nb_delta(&mut self, delta: &Delta, db: &Database) {
        let reads_up = crate::nb::rules_read_lsp_up(db);
        if reads_up != self.reads_lsp_up {
            // Every port's input carries `up` now, or no longer does.
            self.reads_lsp_up = reads_up;
            for (u, row) in db.table("Logical_Switch_Port") {
                let input = nb_row_inputs(db, "Logical_Switch_Port", *u, row);
                self.track((Db::Nb, "Logical_Switch_Port".into(), *u), input);
            }
        }
        for (table, u, change) in delta {
            let (old, row) = old_new(change);
            self.ports.note(db, table, *u, old, row);
            let input = row.and_then(|r| nb_row_inputs(db, table, *u, r));
            self.track((Db::Nb, table.clone(), *u), input);
        }
        // No NB_Global row reads as an empty one (we create it in the write-backs).
        let missing = db.table("NB_Global").is_empty();
        let default = missing.then(|| Input::from(rules::input::NbGlobal::default()));
        self.track((Db::Nb, "NB_Global".into(), DbUuid::default()), default);
        if !delta.is_empty() {
            self.nb_dirty = true;
        }
    }

    async fn sb_event(&mut self, e: Event, sb: &mut Session) {
        let delta = match e {
            Event::Connected { delta, remote, .. } => {
                tracing::info!(target: "northd", "{remote}: connected to the Southbound");
                self.sb_ready = true;
                self.sb_dirty = true;
                self.nb_dirty = true;
                if self.paused {
                    let _ = sb.unlock().await;
                }
                delta
            }
            Event::Delta(d) => d,
            Event::Lock(true) => {
                tracing::info!(
                    target: "northd",
                    "ovn-northd lock acquired. This ovn-northd instance is now active."
                );
                self.sb_dirty = true;
                self.nb_dirty = true;
                return;
            }
            Event::Lock(false) => {
                if !self.paused {
                    tracing::info!(
                        target: "northd",
                        "ovn-northd lock lost. This ovn-northd instance is now on standby."
                    );
                }
                // A standby follows every row, ready to take over.
                if self.blind {
                    self.see_flows(sb).await;
                    if let Some(e) = sb.force_reconnect("monitoring logical flows again") {
                        Box::pin(self.sb_event(e, sb)).await;
                    }
                }
                return;
            }
            Event::Disconnected { .. } => {
                if self.blind {
                    self.see_flows(sb).await;
                }
                return;
            }
        };
        let db = sb.replica();
        for (table, u, change) in &delta {
            if table == "Port_Binding" {
                let (old, new) = old_new(change);
                self.ports.note(db, table, *u, old, new);
            }
        }
        let touches = |t: &str| delta.iter().any(|(tt, _, _)| tt == t);
        if touches("Chassis") {
            // Port bindings and HA chassis refer to chassis rows; `up` reads their options.
            self.chassis_dirty = true;
            self.ports.all = true;
        }
        if touches("Chassis") || touches("Encap") {
            self.engine_dirty |= self
                .inputs
                .retrack_table(Db::Sb, db, "Chassis", chassis_input);
        }
        if ["Port_Binding", "Chassis", "Chassis_Private", "SB_Global"]
            .iter()
            .any(|t| touches(t))
        {
            self.nb_dirty = true;
        }
    }

    /// Monitors Logical_Flow rows again (from the next connection).
    async fn see_flows(&mut self, sb: &mut Session) {
        self.blind = false;
        let _ = sb
            .set_condition("Logical_Flow", serde_json::Value::Null)
            .await;
    }

    fn active(&self, sb: &Session) -> bool {
        !self.paused && sb.has_lock()
    }

    async fn round(&mut self, nb: &mut Session, sb: &mut Session) {
        if !(self.nb_ready && self.sb_ready) {
            return;
        }
        let t0 = Instant::now();
        self.stats.rounds += 1;
        self.stats.last_engine = Duration::ZERO;
        if !self.seeded {
            self.seeded = true;
            let pins: Vec<Input> = sb_inputs(sb.replica())
                .into_iter()
                .filter(|i| matches!(i, Input::KeyPin(_)))
                .collect();
            self.inputs
                .pending
                .extend(pins.iter().map(|p| (p.clone(), 1)));
            self.sb_pins = Some(pins);
            self.engine_dirty = true;
        } else if let Some(pins) = self.sb_pins.take() {
            self.inputs
                .pending
                .extend(pins.into_iter().map(|p| (p, -1)));
            self.engine_dirty = true;
        }
        if self.engine_dirty {
            self.engine_dirty = false;
            let changes = std::mem::take(&mut self.inputs.pending);
            let te = Instant::now();
            let n_changes = changes.len();
            let out = self.northd.apply(changes);
            self.stats.last_engine = te.elapsed();
            if n_changes > 10_000 {
                tracing::info!(
                    target: "northd",
                    "engine: {n_changes} input changes gave {} output changes in {:.0} ms",
                    out.len(),
                    self.stats.last_engine.as_secs_f64() * 1e3
                );
            }
            self.stats.engine_txns += 1;
            self.round_out.extend(out);
            if self.sb_pins.is_some() {
                // Retract the SB pins in a round of their own, right away.
                self.engine_dirty = true;
            }
        }
        if self.active(sb) {
            let ts = Instant::now();
            self.write_sb(nb, sb).await;
            self.stats.last_sb = ts.elapsed();
            let tn = Instant::now();
            if self.nb_dirty {
                self.write_nb(nb, sb).await;
            }
            self.stats.last_nb = tn.elapsed();
        } else {
            // Whoever writes meanwhile, a takeover compares everything.
            self.round_out.clear();
            self.sb_dirty = true;
        }
        self.stats.last_round = t0.elapsed();
        tracing::debug!(
            target: "northd",
            "round: {:.1} ms (engine {:.1} ms, SB write {:.1} ms, NB write-backs {:.1} ms)",
            ms(self.stats.last_round),
            ms(self.stats.last_engine),
            ms(self.stats.last_sb),
            ms(self.stats.last_nb),
        );
        // write_nb takes in the NB updates its transaction raced with. A new nb_cfg among
        // them (`ovn-nbctl --wait=sb|hv`) feeds no engine input, so no event is left to
        // bring it to SB_Global: come back for it now (the next write_sb either records
        // it in cur_cfg or marks the SB dirty, so this does not repeat).
        let (nb_cfg, ipsec) = sync::cfg_ipsec(nb.replica(), "NB_Global");
        let sb_ipsec = sync::cfg_ipsec(sb.replica(), "SB_Global").1;
        let cfg_moved = self.active(sb)
            && !self.sb_dirty
            && (self.cur_cfg != Some(nb_cfg) || sb_ipsec != ipsec);
        if self.engine_dirty || cfg_moved {
            // Pins still to retract, or nb_cfg to copy: come back without waiting for an
            // event.
            Box::pin(self.round(nb, sb)).await;
        }
    }

    async fn write_sb(&mut self, nb: &Session, sb: &mut Session) {
        let (nb_cfg, ipsec) = sync::cfg_ipsec(nb.replica(), "NB_Global");
        let sb_cfg = sync::cfg_ipsec(sb.replica(), "SB_Global").0;
        let have_global = !sb.replica().table("SB_Global").is_empty();
        let full = self.sb_dirty || self.layout.is_none() || !have_global;
        if full && self.blind {
            // A full comparison needs every row: monitor them again and come back once
            // the new connection has sent them.
            self.see_flows(sb).await;
            if let Some(e) = sb.force_reconnect("resynchronising the Southbound") {
                self.sb_event(e, sb).await;
            }
            return;
        }
        if std::mem::take(&mut self.chassis_dirty)
            && let Some(l) = self.layout.as_mut()
        {
            l.set_chassis(sb.replica());
        }
        let t_full = Instant::now();
        let mut new_layout = None;
        let ops = if full {
            let (layout, ops, n) =
                layout::Layout::full(self.northd.state().rows(), sb.replica(), nb_cfg, ipsec);
            self.sb_options = layout.options();
            new_layout = Some(layout);
            self.stats.sb_rows = (n.inserted, n.updated, n.deleted);
            self.stats.last_full = t_full.elapsed();
            // The layout knows every logical flow: stop monitoring them before the
            // write, so that the server does not echo them back.
            let never = serde_json::json!([false]);
            if sb.set_condition("Logical_Flow", never).await.is_ok() {
                self.blind = true;
            }
            ops
        } else {
            let layout = self.layout.as_mut().expect("checked above");
            let mut ops = adapters::client::ops::OpsText::default();
            for op in layout.apply(&self.round_out, sb.replica(), nb_cfg, ipsec) {
                ops.push(&op);
            }
            self.sb_options = layout.options();
            vec![ops]
        };
        self.round_out.clear();
        self.stats.last_render = t_full.elapsed();
        let tt = Instant::now();
        for ops in ops.into_iter().filter(|o| !o.is_empty()) {
            let n = ops.len();
            let res = sb.transact_text(ops).await;
            match res {
                Ok(_) => {
                    self.stats.sb_txns += 1;
                    tracing::debug!(target: "northd", "SB transaction of {n} operations committed");
                    // The server sent our changes before its reply: take them in, so
                    // that the replica is what we wrote before anything is compared.
                    while let Ok(e) = tokio::time::timeout(Duration::ZERO, sb.next_event()).await {
                        self.sb_event(e, sb).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "northd", "Southbound transaction failed: {e}");
                    self.sb_dirty = true;
                    return;
                }
            }
        }
        self.stats.last_txn = tt.elapsed();
        if let Some(l) = new_layout {
            self.layout = Some(l);
            release_free_memory();
            let (i, u, d) = self.stats.sb_rows;
            tracing::info!(
                target: "northd",
                "Southbound compared in full in {:.0} ms and written in {:.0} ms: {i} rows inserted, {u} updated, {d} deleted",
                self.stats.last_full.as_secs_f64() * 1e3,
                self.stats.last_txn.as_secs_f64() * 1e3,
            );
        }
        self.sb_dirty = false;
        self.nb_cfg_copied = nb_cfg != sb_cfg;
        if self.cur_cfg != Some(nb_cfg) || self.nb_cfg_copied {
            self.cur_cfg = Some(nb_cfg);
            self.nb_dirty = true;
        }
    }

    async fn write_nb(&mut self, nb: &mut Session, sb: &Session) {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mut ops = adapters::client::ops::OpsText::default();
        for op in sync::nb_ops(
            nb.replica(),
            sb.replica(),
            &sync::NbSync {
                sb_options: &self.sb_options,
                cur_cfg: self.cur_cfg,
                nb_cfg_copied: self.nb_cfg_copied,
                now_ms,
            },
        ) {
            ops.push(&op);
        }
        ops.append(sync::lsp_up_ops(
            nb.replica(),
            sb.replica(),
            &mut self.ports,
        ));
        self.nb_cfg_copied = false;
        if ops.is_empty() {
            self.nb_dirty = false;
            return;
        }
        match nb.transact_text(ops).await {
            Ok(_) => {
                self.stats.nb_txns += 1;
                self.nb_dirty = false;
                while let Ok(e) = tokio::time::timeout(Duration::ZERO, nb.next_event()).await {
                    self.nb_event(e, nb);
                }
            }
            Err(e) => {
                tracing::warn!(target: "northd", "Northbound transaction failed: {e}");
                self.ports.all = true;
            }
        }
    }

    /// Answers a unixctl command; true for `exit`.
    async fn command(&mut self, c: Command, nb: &mut Session, sb: &mut Session) -> bool {
        let name = c.name.clone();
        match name.as_str() {
            "exit" => {
                c.ok("");
                return true;
            }
            "pause" => {
                if !self.paused {
                    self.paused = true;
                    let _ = sb.unlock().await;
                }
                c.ok("");
            }
            "resume" => {
                if self.paused {
                    self.paused = false;
                    self.sb_dirty = true;
                    self.nb_dirty = true;
                    let _ = sb.lock().await;
                }
                c.ok("");
            }
            "is-paused" => c.ok(if self.paused { "true" } else { "false" }),
            "status" => {
                let s = if self.paused {
                    "paused"
                } else if sb.has_lock() {
                    "active"
                } else {
                    "standby"
                };
                c.ok(format!("Status: {s}\n"))
            }
            "nb-connection-status" => c.ok(connection_status(nb)),
            "sb-connection-status" => c.ok(connection_status(sb)),
            "nb-cluster-state-reset" => {
                if let Some(e) = nb.reset_cluster_state() {
                    self.nb_event(e, nb);
                }
                c.ok("")
            }
            "sb-cluster-state-reset" => {
                if let Some(e) = sb.reset_cluster_state() {
                    self.sb_event(e, sb).await;
                }
                c.ok("")
            }
            "parallel-build/set-n-threads" => {
                let n: i64 = c.args[0].trim().parse().unwrap_or(0);
                if !(1..=crate::daemon::cli::MAX_THREADS as i64).contains(&n) {
                    c.err(format!("invalid n_threads: {n}\n"))
                } else {
                    self.n_threads = n as usize;
                    c.ok("")
                }
            }
            "parallel-build/get-n-threads" => c.ok(format!("{}\n", self.n_threads)),
            "inc-engine/recompute" => {
                let diffs = self.self_check(nb, sb);
                self.sb_dirty = true;
                self.nb_dirty = true;
                if diffs > 0 {
                    self.stats.recompute_diffs += diffs as u64;
                }
                c.ok("")
            }
            "inc-engine/show-stats" => {
                let s = &self.stats;
                let mut t = String::new();
                let _ = writeln!(t, "rounds: {}", s.rounds);
                let _ = writeln!(t, "engine transactions: {}", s.engine_txns);
                let _ = writeln!(t, "SB transactions: {}", s.sb_txns);
                let _ = writeln!(t, "NB transactions: {}", s.nb_txns);
                let _ = writeln!(
                    t,
                    "last SB write: {} inserted, {} updated, {} deleted",
                    s.sb_rows.0, s.sb_rows.1, s.sb_rows.2
                );
                let ms = |d: Duration| d.as_secs_f64() * 1e3;
                let _ = writeln!(t, "last round: {:.3} ms", ms(s.last_round));
                let _ = writeln!(
                    t,
                    "last round phases: engine {:.3} ms, SB write {:.3} ms, NB write-backs {:.3} ms",
                    ms(s.last_engine),
                    ms(s.last_sb),
                    ms(s.last_nb)
                );
                let _ = writeln!(t, "last full SB comparison: {:.3} ms", ms(s.last_full));
                let _ = writeln!(
                    t,
                    "last SB write: render {:.3} ms, transaction {:.3} ms",
                    ms(s.last_render),
                    ms(s.last_txn)
                );
                let _ = writeln!(t, "recompute differences: {}", s.recompute_diffs);
                c.ok(t)
            }
            "memory/show" => {
                let mut kinds = [0usize; 9];
                for o in self.northd.state().rows() {
                    use rules::output::Output as O;
                    kinds[match o {
                        O::Flow(_) => 0,
                        O::Datapath(_) => 1,
                        O::Port(_) => 2,
                        O::McMember(_) => 3,
                        O::HaGroup(_) => 4,
                        O::IpMulticast(_) => 5,
                        O::AddressSet(_) => 6,
                        O::SbOption(..) => 7,
                        O::Diag(_) => 8,
                    }] += 1;
                }
                let rows: usize = kinds.iter().sum();
                tracing::debug!(target: "northd", "output rows by kind (flow, datapath, port, mc member, ha group, ip multicast, address set, sb option, diag): {kinds:?}");
                c.ok(format!(
                    "inputs:{} output-rows:{} layout-entries:{} nb-rows:{} sb-rows:{}\n",
                    self.inputs.len(),
                    rows,
                    self.layout.as_ref().map_or(0, layout::Layout::entries),
                    db_rows(nb.replica()),
                    db_rows(sb.replica())
                ))
            }
            "debug/chassis-features-list" => c.ok(features_list(sb.replica())),
            other => c.err(format!("\"{other}\" is not a valid command")),
        }
        false
    }

    /// Recomputes from scratch and logs how the result differs from the incremental
    /// state. Returns the number of differing rows.
    fn self_check(&self, nb: &Session, sb: &Session) -> usize {
        let fresh = crate::compute::compute(nb.replica(), Some(sb.replica()));
        let a: std::collections::HashSet<_> = self.northd.state().rows().collect();
        let b: std::collections::HashSet<_> = fresh.state().rows().collect();
        let only_inc = a.difference(&b).count();
        let only_fresh = b.difference(&a).count();
        if only_inc + only_fresh == 0 {
            tracing::info!(target: "northd", "recompute: the incremental state is exact");
        } else {
            for r in a.difference(&b).take(20) {
                tracing::warn!(target: "northd", "recompute: only incremental: {r:?}");
            }
            for r in b.difference(&a).take(20) {
                tracing::warn!(target: "northd", "recompute: only recomputed: {r:?}");
            }
            tracing::warn!(
                target: "northd",
                "recompute: {only_inc} rows only in the incremental state, {only_fresh} only in the recomputation"
            );
        }
        only_inc + only_fresh
    }
}

/// What `debug/chassis-features-list` prints: a feature is on when every chassis that
/// is not remote has it (as the rules decide, `rules::model`).
fn features_list(sb: &Database) -> String {
    let mut on = [true; 3];
    for r in sb.table("Chassis").values() {
        let oc = sb.get("Chassis", r, "other_config").string_pairs();
        let get = |k: &str| oc.iter().any(|(kk, v)| kk == k && v == "true");
        if get("is-remote") {
            continue;
        }
        for (i, k) in rules::model::FEATURE_KEYS.iter().take(3).enumerate() {
            on[i] &= get(k);
        }
    }
    format!(
        "ct_no_masked_label:    {}\nct_lb_related:         {}\nmac_binding_timestamp: {}\n",
        on[0], on[1], on[2]
    )
}

/// Gives the memory a full comparison used back to the system (glibc keeps freed heap
/// otherwise, and the resident size would stay at the peak).
fn release_free_memory() {
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn old_new(c: &Change) -> (Option<&adapters::Row>, Option<&adapters::Row>) {
    match c {
        Change::Inserted(r) => (None, Some(r)),
        Change::Deleted(r) => (Some(r), None),
        Change::Modified { old, new } => (Some(old), Some(new)),
    }
}

fn connection_status(s: &Session) -> &'static str {
    if s.is_connected() {
        "connected"
    } else {
        "not connected"
    }
}

fn db_rows(db: &Database) -> usize {
    db.tables.values().map(|t| t.len()).sum()
}

/// `ovn-dd northd ARGS` (or `ovn-northd ARGS` through a link): the daemon.
pub fn main(program: &str, args: impl Iterator<Item = String>) -> std::process::ExitCode {
    use crate::daemon::{Start, start_northd};
    // One malloc arena: the daemon's big allocations are transient (a full comparison,
    // a large update) and, spread over per-thread arenas, they stay resident long after
    // they are freed (peak RSS -20% at 20k ports). Set before any thread exists.
    // SAFETY: mallopt only changes allocator tuning.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let daemon = match start_northd(program, args) {
        Start::Run(d) => d,
        Start::Exit(code) => return code,
    };
    for (name, usage, min, max) in COMMANDS {
        daemon.commands.register(name, usage, *min, *max);
    }
    daemon.run(|ctx| async move {
        let o = &ctx.options;
        let cfg = Config {
            nb: o.ssl.client_options(&o.ovnnb_db),
            sb: o.ssl.client_options(&o.ovnsb_db),
            paused: o.dry_run,
        };
        match run(cfg, ctx.inbox).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(target: "northd", "{e}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
