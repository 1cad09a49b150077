//! A monitored database that stays monitored: the daemon-facing client, modelled on
//! OVS's `lib/ovsdb-cs.c`.
//!
//! - Remotes: a comma-separated list of `unix:`, `tcp:` and `ssl:` remotes, tried in
//!   shuffled order; a full round of failures waits a backoff (1 s doubling to 8 s, as
//!   `lib/reconnect.c`), a server that stops qualifying is left at once.
//! - Each connection first monitors the `_Server` database's row for our database: a
//!   clustered server qualifies only when it is connected to the cluster, has joined it,
//!   is not behind what we have seen and, by default, is the leader; a relay never
//!   qualifies for a leader-only session. Losing leadership or the cluster later sends us
//!   to the next remote.
//! - Data: `monitor_cond_since` with the last transaction id, so a reconnection to a
//!   server that still has it in its history receives only what changed (`found`);
//!   otherwise the full resend is compared with the replica and only the differences are
//!   reported. Conditions can be changed while monitoring.
//! - Locks: the named lock is requested on every connection; `locked` and `stolen`
//!   notifications and lost connections are reported as [`Event::Lock`]. Transactions
//!   assert the lock, as the OVS IDL does.
//! - Inactivity probe: an `echo` after a silence of the probe interval (5 s for `tcp:`
//!   and `ssl:`, none for `unix:` by default), and the connection is dropped if the
//!   silence lasts as long again.
//!
//! [`Session::next_event`] is cancel-safe: the replica changes only once a whole
//! update or resynchronisation has arrived, so it may sit in a `tokio::select!`.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::jsonrpc::{Error, Notification, Transport};
use super::ops::{self, OpResult, TxnError};
use super::replica::{Delta, Replica};
use super::tls::{self, TlsFiles};
use super::{Client, MonitorMethod};
use crate::ovsdb::{Row, Uuid};

/// How a [`Session`] connects.
#[derive(Clone, Debug)]
pub struct Options {
    /// The remotes, in the order given.
    pub remotes: Vec<String>,
    /// Accept only the leader of a clustered database (the default).
    pub leader_only: bool,
    /// Try the remotes in random order (the default).
    pub shuffle: bool,
    /// The inactivity probe interval; `None` is OVS's default (5 s except on `unix:`),
    /// zero turns probes off.
    pub probe: Option<Duration>,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How long connecting to one remote (through the monitor replies) may take.
    pub open_timeout: Duration,
    /// For `ssl:` remotes.
    pub tls: Option<TlsFiles>,
    /// A lock to hold (e.g. `ovn_northd`).
    pub lock: Option<String>,
}

impl Options {
    /// Options for `remotes`, a comma-separated list as OVS daemons take it.
    pub fn new(remotes: &str) -> Options {
        Options {
            remotes: remotes
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from)
                .collect(),
            leader_only: true,
            shuffle: true,
            probe: None,
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(8),
            open_timeout: Duration::from_secs(10),
            tls: None,
            lock: None,
        }
    }

    fn probe_for(&self, remote: &str) -> Option<Duration> {
        match self.probe {
            Some(d) if d.is_zero() => None,
            Some(d) => Some(d),
            None if remote.starts_with("unix:") => None,
            None => Some(Duration::from_secs(5)),
        }
    }
}

/// What [`Session::next_event`] reports.
#[derive(Debug)]
pub enum Event {
    /// A (re)connection to `remote` is monitoring: `delta` holds how the server's
    /// contents differ from the replica (everything, the first time); `found` says the
    /// server resumed from our last transaction id instead of resending everything.
    Connected {
        remote: String,
        found: bool,
        delta: Delta,
    },
    /// Rows changed by one server transaction (or a condition change).
    Delta(Delta),
    /// Whether this session now holds its lock.
    Lock(bool),
    /// The connection ended or was left; the session is reconnecting.
    Disconnected { remote: String, reason: String },
}

/// Counters and state for status commands and tests.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Successful connections (the first one included).
    pub connections: u64,
    /// Of these, how many resumed with `found`.
    pub resumed: u64,
    pub last_error: Option<String>,
}

struct Live {
    client: Client,
    remote: String,
    /// The `_Server` replica (absent on servers without `_Server`).
    server: Option<Replica>,
}

/// A database monitored through a list of remotes, reconnecting as needed.
pub struct Session {
    opts: Options,
    transport: Transport,
    db: String,
    pub replica: Replica,
    /// The monitored tables with their `where` conditions (`Null`: every row); with
    /// `all_tables`, every table of the schema, conditions for some.
    requests: BTreeMap<String, Value>,
    all_tables: bool,
    monitor_id: Value,
    live: Option<Live>,
    method: MonitorMethod,
    last_id: Option<Uuid>,
    /// The highest Raft index seen: a server behind it has stale data.
    min_index: i64,
    has_lock: bool,
    order: Vec<String>,
    next: usize,
    failures: usize,
    backoff: Duration,
    retry_at: Option<Instant>,
    queued: VecDeque<Event>,
    pub stats: Stats,
}

const SERVER_COLUMNS: [&str; 7] = [
    "name",
    "model",
    "connected",
    "leader",
    "schema",
    "cid",
    "index",
];

impl Session {
    /// Prepares a session monitoring `tables` of `db` (all tables when empty, every
    /// column of each). Nothing is connected until [`Session::next_event`] runs; the
    /// first event it returns is `Connected` with the whole contents.
    pub fn new(opts: Options, db: &str, tables: &[&str]) -> Result<Session, Error> {
        if opts.remotes.is_empty() {
            return Err(Error::Io("no database remote given".into()));
        }
        let tls = match &opts.tls {
            Some(files) => Some(tls::client_config(files)?),
            None if opts.remotes.iter().any(|r| r.starts_with("ssl:")) => {
                return Err(Error::Io(
                    "SSL remotes need --private-key, --certificate and --ca-cert".into(),
                ));
            }
            None => None,
        };
        let mut order = opts.remotes.clone();
        if opts.shuffle {
            shuffle(&mut order);
        }
        let requests: BTreeMap<String, Value> = tables
            .iter()
            .map(|t| (t.to_string(), Value::Null))
            .collect();
        Ok(Session {
            transport: Transport {
                tls,
                ..Transport::default()
            },
            db: db.to_string(),
            replica: Replica::new(Default::default()),
            all_tables: requests.is_empty(),
            requests,
            monitor_id: json!(db),
            live: None,
            method: MonitorMethod::MonitorCondSince,
            last_id: None,
            min_index: 0,
            has_lock: false,
            order,
            next: 0,
            failures: 0,
            backoff: Duration::ZERO,
            retry_at: None,
            queued: VecDeque::new(),
            stats: Stats::default(),
            opts,
        })
    }

    /// The replica as a database.
    pub fn replica(&self) -> &crate::ovsdb::Database {
        &self.replica
    }

    /// The remote of the current connection.
    pub fn remote(&self) -> Option<&str> {
        self.live.as_ref().map(|l| l.remote.as_str())
    }

    pub fn is_connected(&self) -> bool {
        self.live.is_some()
    }

    /// Whether this session holds its lock now.
    pub fn has_lock(&self) -> bool {
        self.has_lock
    }

    /// How the current connection monitors.
    pub fn method(&self) -> MonitorMethod {
        self.method
    }

    /// The last transaction id seen (`monitor_cond_since` only).
    pub fn last_id(&self) -> Option<Uuid> {
        self.last_id
    }

    /// Waits for the next event, connecting and reconnecting as needed.
    pub async fn next_event(&mut self) -> Event {
        loop {
            if let Some(e) = self.queued.pop_front() {
                return e;
            }
            if self.live.is_none() {
                return self.connect().await;
            }
            let live = self.live.as_mut().unwrap();
            let n = match live.client.conn.notifications.recv().await {
                Some(Ok(n)) => n,
                Some(Err(e)) => return self.lost(e.to_string()),
                None => return self.lost(Error::Disconnected.to_string()),
            };
            match self.handle(n) {
                Ok(Some(e)) => return e,
                Ok(None) => {}
                Err(reason) => return self.lost(reason),
            }
        }
    }

    /// Drops the connection (reconnecting without backoff, as after a leadership change).
    pub fn force_reconnect(&mut self, reason: &str) -> Option<Event> {
        self.live.as_ref()?;
        self.failures = 0;
        self.retry_at = None;
        Some(self.lost(reason.to_string()))
    }

    /// Forgets the last transaction id, so the next connection gets a full resend (as
    /// `ovn-northd`'s `*-cluster-state-reset` commands do), and reconnects.
    pub fn reset_cluster_state(&mut self) -> Option<Event> {
        self.last_id = None;
        self.min_index = 0;
        self.force_reconnect("cluster state reset")
    }

    fn lost(&mut self, reason: String) -> Event {
        let remote = self.live.take().map(|l| l.remote).unwrap_or_default();
        tracing::info!(target: "ovsdb_cs", "{remote}: connection dropped ({reason})");
        self.stats.last_error = Some(reason.clone());
        if self.has_lock {
            self.has_lock = false;
            self.queued.push_back(Event::Lock(false));
        }
        Event::Disconnected { remote, reason }
    }

    /// One notification of the live connection: an event, nothing, or why to leave.
    fn handle(&mut self, n: Notification) -> Result<Option<Event>, String> {
        let p = n.params.as_array().map(Vec::as_slice).unwrap_or(&[]);
        let bad = || format!("malformed {} {}", n.method, n.params);
        match n.method.as_str() {
            "update" | "update2" | "update3" => {}
            "locked" | "stolen" => {
                if self.opts.lock.as_deref() != p.first().and_then(Value::as_str) {
                    return Ok(None);
                }
                let held = n.method == "locked";
                if held == self.has_lock {
                    return Ok(None);
                }
                self.has_lock = held;
                return Ok(Some(Event::Lock(held)));
            }
            _ => return Ok(None),
        }
        if p.first() == Some(&json!("_Server")) && n.method == "update2" {
            let live = self.live.as_mut().unwrap();
            let Some(mut server) = live.server.take() else {
                return Ok(None);
            };
            let remote = live.remote.clone();
            let res = server
                .apply(2, p.get(1).ok_or_else(bad)?, false)
                .and_then(|_| {
                    self.check_server(&server, &remote)
                        .map(|row| row.get("index").and_then(|d| d.as_int()))
                        .map_err(|e| format!("{e}; trying another server"))
                });
            self.live.as_mut().unwrap().server = Some(server);
            if let Some(i) = res? {
                self.min_index = self.min_index.max(i);
            }
            return Ok(None);
        }
        if p.first() != Some(&self.monitor_id) {
            return Ok(None);
        }
        let (version, updates) = match (n.method.as_str(), p) {
            ("update3", [_, last, u]) => {
                self.last_id = Some(last.as_str().and_then(Uuid::parse).ok_or_else(bad)?);
                (3, u)
            }
            ("update2", [_, u]) => (2, u),
            ("update", [_, u]) => (1, u),
            _ => return Err(bad()),
        };
        let delta = self.replica.apply(version, updates, false)?;
        Ok(Some(Event::Delta(delta)))
    }

    /// Connects to the next suitable remote, waiting out the backoff after a round of
    /// failures.
    async fn connect(&mut self) -> Event {
        loop {
            if let Some(t) = self.retry_at {
                tokio::time::sleep_until(t).await;
                self.retry_at = None;
            }
            let remote = self.order[self.next].clone();
            self.next = (self.next + 1) % self.order.len();
            let attempt = tokio::time::timeout(self.opts.open_timeout, self.open(&remote)).await;
            let err = match attempt {
                Ok(Ok(opened)) => return self.opened(remote, opened),
                Ok(Err(e)) => e,
                Err(_) => Error::Io(format!("{remote}: no answer in time")),
            };
            tracing::info!(target: "ovsdb_cs", "{err}");
            self.stats.last_error = Some(err.to_string());
            self.failures += 1;
            if self.failures >= self.order.len() {
                self.failures = 0;
                self.backoff = (self.backoff * 2)
                    .max(self.opts.backoff_min)
                    .min(self.opts.backoff_max);
                self.retry_at = Some(Instant::now() + self.backoff);
            }
        }
    }

    /// Commits a successful [`Session::open`] to the session (no awaits from here on).
    fn opened(&mut self, remote: String, o: Opened) -> Event {
        if let Some(schema) = o.schema {
            self.replica = Replica::new(schema);
        }
        self.method = o.reply.method;
        self.last_id = o.reply.last_id;
        let delta = match self
            .replica
            .apply(o.reply.method as u8, &o.reply.updates, !o.reply.found)
        {
            Ok(d) => d,
            Err(e) => {
                self.stats.last_error = Some(e.clone());
                self.last_id = None;
                return Event::Disconnected { remote, reason: e };
            }
        };
        if let Some(i) = o.index {
            self.min_index = self.min_index.max(i);
        }
        self.failures = 0;
        self.backoff = Duration::ZERO;
        self.stats.connections += 1;
        self.stats.resumed += o.reply.found as u64;
        tracing::info!(target: "ovsdb_cs", "{remote}: connected");
        if o.locked != self.has_lock {
            self.has_lock = o.locked;
            self.queued.push_back(Event::Lock(o.locked));
        }
        self.live = Some(Live {
            client: o.client,
            remote: remote.clone(),
            server: o.server,
        });
        Event::Connected {
            remote,
            found: o.reply.found,
            delta,
        }
    }

    /// Connects to `remote`, checks it qualifies, takes the lock and monitors. Changes
    /// nothing in the session (so that it can be cancelled).
    async fn open(&self, remote: &str) -> Result<Opened, Error> {
        let transport = Transport {
            probe: self.opts.probe_for(remote),
            ..self.transport.clone()
        };
        let mut client = Client::connect_with(remote, &transport).await?;
        let mut server = None;
        let mut schema_text = None;
        let mut index = None;
        match client.get_schema("_Server").await {
            Ok(schema) => {
                let req = json!({"Database": [{
                    "columns": SERVER_COLUMNS,
                    "where": [["name", "==", self.db]],
                }]});
                let updates = client
                    .conn
                    .call("monitor_cond", json!(["_Server", "_Server", req]))
                    .await?;
                let mut r = Replica::new(schema);
                r.apply(2, &updates, true).map_err(Error::Protocol)?;
                let row = self.check_server(&r, remote)?;
                schema_text = row.get("schema").and_then(|d| d.as_str()).map(String::from);
                index = row.get("index").and_then(|d| d.as_int());
                server = Some(r);
            }
            Err(Error::Rpc { error, .. }) if error == "unknown database" => {}
            Err(e) => return Err(e),
        }
        let schema = match schema_text.map(|t| serde_json::from_str::<Value>(&t)) {
            Some(Ok(v)) => crate::ovsdb::Schema::from_json(&v).map_err(Error::Protocol)?,
            _ => client.get_schema(&self.db).await?,
        };
        let new_schema = schema.json != self.replica.schema.json;
        if let Some(t) = self
            .requests
            .keys()
            .find(|t| !schema.tables.contains_key(*t))
        {
            return Err(Error::Protocol(format!(
                "database {} has no table {t}",
                self.db
            )));
        }
        let mut requests = serde_json::Map::new();
        for (t, cols) in &schema.tables {
            let cond = match self.requests.get(t) {
                Some(c) => c,
                None if self.all_tables => &Value::Null,
                None => continue,
            };
            let cols: Vec<&String> = cols.keys().collect();
            let mut req = json!({ "columns": cols });
            if !cond.is_null() {
                req["where"] = cond.clone();
            }
            requests.insert(t.clone(), json!([req]));
        }
        let locked = match &self.opts.lock {
            Some(name) => client.lock(name).await?,
            None => false,
        };
        // A new schema means a new replica: ask for everything.
        let last = match self.method {
            MonitorMethod::MonitorCondSince if !new_schema => self.last_id,
            _ => None,
        };
        let reply = client
            .monitor(&self.db, &self.monitor_id, &Value::Object(requests), last)
            .await?;
        Ok(Opened {
            client,
            server,
            schema: new_schema.then_some(schema),
            index,
            locked,
            reply,
        })
    }

    /// Whether the `_Server` row for our database lets us use this server.
    fn check_server<'a>(&self, server: &'a Replica, remote: &str) -> Result<&'a Row, Error> {
        let no = |why: &str| Err(Error::Io(format!("{remote}: {why}")));
        let Some(row) = server
            .table("Database")
            .values()
            .find(|r| r.get("name").and_then(|d| d.as_str()) == Some(&self.db))
        else {
            return no(&format!("server does not have {} database", self.db));
        };
        let get_bool = |c: &str| row.get(c).and_then(|d| d.as_bool()).unwrap_or(false);
        let model = row.get("model").and_then(|d| d.as_str()).unwrap_or("");
        let has_schema = row.get("schema").and_then(|d| d.as_str()).is_some();
        match model {
            "clustered" => {
                let index = row.get("index").and_then(|d| d.as_int()).unwrap_or(0);
                if !has_schema {
                    return no("clustered database server has not yet joined cluster");
                }
                if !get_bool("connected") {
                    return no("clustered database server is disconnected from cluster");
                }
                if self.opts.leader_only && !get_bool("leader") {
                    return no("clustered database server is not cluster leader");
                }
                if index < self.min_index {
                    return no("clustered database server has stale data");
                }
            }
            "relay" => {
                if !has_schema || !get_bool("connected") {
                    return no("relay database server is not connected to the relay source");
                }
                if self.opts.leader_only {
                    return no("relay database server cannot be a leader");
                }
            }
            _ if !has_schema => return no("missing database schema"),
            _ => {}
        }
        Ok(row)
    }

    /// Replaces the `where` condition of `table` (RFC 7047 conditions; `Value::Null`
    /// for all rows). When connected, the server is told at once with
    /// `monitor_cond_change` and answers with an update, reported as an
    /// [`Event::Delta`]; otherwise the condition applies from the next connection.
    pub async fn set_condition(&mut self, table: &str, cond: Value) -> Result<(), Error> {
        if !self.all_tables && !self.requests.contains_key(table) {
            return Err(Error::Protocol(format!("table {table} is not monitored")));
        }
        self.requests.insert(table.to_string(), cond.clone());
        let Some(live) = self.live.as_mut() else {
            return Ok(());
        };
        if self.method == MonitorMethod::Monitor {
            // Plain `monitor` has no conditions: monitor again.
            return self
                .force_reconnect("conditions changed")
                .map_or(Ok(()), |e| {
                    self.queued.push_front(e);
                    Ok(())
                });
        }
        let cond = if cond.is_null() { json!([true]) } else { cond };
        let req = json!({ table: [{ "where": cond }] });
        live.client
            .monitor_cond_change(&self.monitor_id, &req)
            .await
    }

    /// Runs `ops` as one transaction on the current connection, asserting the lock
    /// first when the session has one. Fails with [`Error::Disconnected`] when not
    /// connected; the caller retries after the next `Connected`.
    pub async fn transact(&mut self, ops: Vec<Value>) -> Result<Vec<OpResult>, TxnError> {
        let Some(live) = self.live.as_mut() else {
            return Err(TxnError::Rpc(Error::Disconnected));
        };
        let mut all = Vec::with_capacity(ops.len() + 1);
        let asserted = self.opts.lock.as_ref().map(|l| ops::assert_lock(l));
        let skip = asserted.is_some() as usize;
        all.extend(asserted);
        all.extend(ops);
        unassert(live.client.transact(&self.db, all).await, skip)
    }

    /// [`Session::transact`] for operations written as text.
    pub async fn transact_text(
        &mut self,
        ops: super::ops::OpsText,
    ) -> Result<Vec<OpResult>, TxnError> {
        let Some(live) = self.live.as_mut() else {
            return Err(TxnError::Rpc(Error::Disconnected));
        };
        let asserted = self.opts.lock.as_ref().map(|l| ops::assert_lock(l));
        let skip = asserted.is_some() as usize;
        let res = live
            .client
            .transact_text(&self.db, asserted.as_ref(), ops)
            .await;
        unassert(res, skip)
    }

    /// Asks the server for the lock again (after `unlock` or `stolen`), as the last in
    /// line.
    pub async fn lock(&mut self) -> Result<(), Error> {
        self.request_lock(false).await
    }

    /// Takes the lock from its holder (giving up our pending request first, as the
    /// server wants).
    pub async fn steal(&mut self) -> Result<(), Error> {
        self.request_lock(true).await
    }

    async fn request_lock(&mut self, steal: bool) -> Result<(), Error> {
        let (Some(live), Some(name)) = (self.live.as_mut(), self.opts.lock.as_ref()) else {
            return Ok(());
        };
        if self.has_lock {
            return Ok(());
        }
        // Drop any request still queued (the server refuses a second one); there may
        // be none, which the server reports as an error we do not need.
        let _ = live.client.unlock(name).await;
        let got = if steal {
            live.client.steal(name).await?
        } else {
            live.client.lock(name).await?
        };
        if got {
            self.has_lock = true;
            self.queued.push_back(Event::Lock(true));
        }
        Ok(())
    }

    /// Gives the lock up (as `ovn-northd`'s `pause`); [`Session::lock`] asks again.
    pub async fn unlock(&mut self) -> Result<(), Error> {
        let (Some(live), Some(name)) = (self.live.as_mut(), self.opts.lock.as_ref()) else {
            return Ok(());
        };
        live.client.unlock(name).await?;
        if self.has_lock {
            self.has_lock = false;
            self.queued.push_back(Event::Lock(false));
        }
        Ok(())
    }
}

/// A transaction's results without the `skip` leading lock assertion: indexes count the
/// caller's operations (a failed assertion keeps index 0).
fn unassert(res: Result<Vec<OpResult>, TxnError>, skip: usize) -> Result<Vec<OpResult>, TxnError> {
    match res {
        Ok(mut res) => Ok(res.split_off(skip)),
        Err(TxnError::Op {
            index,
            error,
            details,
        }) => Err(TxnError::Op {
            index: index.saturating_sub(skip),
            error,
            details,
        }),
        Err(e) => Err(e),
    }
}

struct Opened {
    client: Client,
    server: Option<Replica>,
    schema: Option<crate::ovsdb::Schema>,
    index: Option<i64>,
    locked: bool,
    reply: super::MonitorReply,
}

/// Fisher–Yates with the standard library's randomly keyed hasher as the source.
fn shuffle<T>(v: &mut [T]) {
    let state = std::collections::hash_map::RandomState::new();
    for i in (1..v.len()).rev() {
        let mut h = state.build_hasher();
        h.write_usize(i);
        let j = (h.finish() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_lists_and_probe_defaults() {
        let o = Options::new("unix:/a, tcp:127.0.0.1:6641,,ssl:127.0.0.1:6642");
        assert_eq!(
            o.remotes,
            ["unix:/a", "tcp:127.0.0.1:6641", "ssl:127.0.0.1:6642"]
        );
        assert_eq!(o.probe_for("unix:/a"), None);
        assert_eq!(o.probe_for("tcp:1.2.3.4:1"), Some(Duration::from_secs(5)));
        let o = Options {
            probe: Some(Duration::ZERO),
            ..o
        };
        assert_eq!(o.probe_for("tcp:1.2.3.4:1"), None);
        assert!(Session::new(Options::new(""), "X", &[]).is_err());
        // ssl: without certificates is refused up front, with a clear message.
        let e = Session::new(Options::new("ssl:127.0.0.1:1"), "X", &[])
            .err()
            .unwrap();
        assert!(e.to_string().contains("--private-key"), "{e}");
    }

    #[test]
    fn shuffle_permutes() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let mut v = [1, 2, 3];
            shuffle(&mut v);
            let mut s = v;
            s.sort();
            assert_eq!(s, [1, 2, 3]);
            seen.insert(v);
        }
        assert!(seen.len() > 3, "{seen:?}");
    }
}
