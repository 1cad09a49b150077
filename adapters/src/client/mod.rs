//! A live OVSDB client on tokio, modelled on OVS's `lib/ovsdb-cs.c`: [`Client`] makes
//! requests (`get_schema`, `list_dbs`, `transact`, locks, monitoring with
//! `monitor_cond_since` falling back to `monitor_cond`, then `monitor`); [`Session`]
//! keeps a [`Replica`] current through remote lists tried in shuffled order, `_Server`
//! monitoring with leader-only clustering, SSL, locks, inactivity probes and automatic
//! reconnection with backoff, reporting one [`Delta`] per update batch.

pub mod jsonrpc;
pub mod ops;
pub mod replica;
pub mod session;
pub mod tls;

use serde_json::{Value, json};

pub use jsonrpc::{Connection, Error, Notification, Transport};
pub use ops::{OpResult, TxnError};
pub use replica::{Change, Delta, Replica};
pub use session::{Event, Options, Session};
pub use tls::TlsFiles;

use crate::ovsdb::{Schema, Uuid};

/// Which monitor request the server accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MonitorMethod {
    /// `monitor`, `update` notifications.
    Monitor = 1,
    /// `monitor_cond`, `update2` notifications.
    MonitorCond = 2,
    /// `monitor_cond_since`, `update3` notifications.
    MonitorCondSince = 3,
}

/// A connection with typed OVSDB requests.
pub struct Client {
    pub conn: Connection,
}

impl Client {
    /// Connects to `unix:PATH` or `tcp:IP:PORT`.
    pub async fn connect(remote: &str) -> Result<Client, Error> {
        Ok(Client {
            conn: Connection::open(remote).await?,
        })
    }

    /// Connects to `unix:PATH`, `tcp:IP:PORT` or `ssl:IP:PORT`.
    pub async fn connect_with(remote: &str, transport: &Transport) -> Result<Client, Error> {
        Ok(Client {
            conn: Connection::open_with(remote, transport).await?,
        })
    }

    /// Asks for lock `name`: true when granted at once, otherwise a `locked`
    /// notification follows when it is.
    pub async fn lock(&mut self, name: &str) -> Result<bool, Error> {
        lock_reply(self.conn.call("lock", json!([name])).await?)
    }

    /// Takes lock `name` from its holder (who gets `stolen`).
    pub async fn steal(&mut self, name: &str) -> Result<bool, Error> {
        lock_reply(self.conn.call("steal", json!([name])).await?)
    }

    /// Gives up (or stops waiting for) lock `name`.
    pub async fn unlock(&mut self, name: &str) -> Result<(), Error> {
        self.conn.call("unlock", json!([name])).await.map(|_| ())
    }

    /// Replaces the conditions of monitor `monitor_id` (`monitor_cond_change`): the
    /// server then sends the rows that start and stop matching as an update.
    pub async fn monitor_cond_change(
        &mut self,
        monitor_id: &Value,
        requests: &Value,
    ) -> Result<(), Error> {
        let params = json!([monitor_id, monitor_id, requests]);
        self.conn
            .call("monitor_cond_change", params)
            .await
            .map(|_| ())
    }

    /// The names of the databases the server holds.
    pub async fn list_dbs(&mut self) -> Result<Vec<String>, Error> {
        let v = self.conn.call("list_dbs", json!([])).await?;
        serde_json::from_value(v).map_err(|e| Error::Protocol(format!("list_dbs reply: {e}")))
    }

    /// The schema of database `db`.
    pub async fn get_schema(&mut self, db: &str) -> Result<Schema, Error> {
        let v = self.conn.call("get_schema", json!([db])).await?;
        Schema::from_json(&v).map_err(Error::Protocol)
    }

    /// Runs `ops` (see [`ops`]) as one transaction on `db`.
    pub async fn transact(&mut self, db: &str, ops: Vec<Value>) -> Result<Vec<OpResult>, TxnError> {
        let n = ops.len();
        let mut params = vec![json!(db)];
        params.extend(ops);
        let reply = self
            .conn
            .call("transact", Value::Array(params))
            .await
            .map_err(TxnError::Rpc)?;
        ops::parse_reply(&reply, n)
    }

    /// [`Client::transact`] for operations already written as text, after `first`
    /// (e.g. a lock assertion).
    pub async fn transact_text(
        &mut self,
        db: &str,
        first: Option<&Value>,
        ops: ops::OpsText,
    ) -> Result<Vec<OpResult>, TxnError> {
        let n = ops.len() + first.is_some() as usize;
        let params = ops.into_params(db, first);
        let reply = self
            .conn
            .call_text("transact", params)
            .await
            .map_err(TxnError::Rpc)?;
        ops::parse_reply(&reply, n)
    }

    /// Starts monitoring `requests` (table name to monitor-request) on `db` with the best
    /// method the server knows, from `monitor_cond_since` (resuming after `last_id`)
    /// down; a method is given up only on an "unknown method" error. Returns the method,
    /// whether the server found `last_id` (then the updates are only what came after it),
    /// the server's last transaction id, and the table-updates.
    pub async fn monitor(
        &mut self,
        db: &str,
        monitor_id: &Value,
        requests: &Value,
        last_id: Option<Uuid>,
    ) -> Result<MonitorReply, Error> {
        let since = last_id.unwrap_or_default().to_string();
        let params = json!([db, monitor_id, requests, since]);
        match self.conn.call("monitor_cond_since", params).await {
            Ok(r) => {
                let bad = || Error::Protocol(format!("bad monitor_cond_since reply {r}"));
                let a = r.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
                let found = a[0].as_bool().ok_or_else(bad)?;
                let last = a[1].as_str().and_then(Uuid::parse).ok_or_else(bad)?;
                return Ok(MonitorReply {
                    method: MonitorMethod::MonitorCondSince,
                    found,
                    last_id: Some(last),
                    updates: a[2].clone(),
                });
            }
            Err(e) if !unknown_method(&e) => return Err(e),
            Err(_) => {}
        }
        let params = json!([db, monitor_id, requests]);
        let (method, updates) = match self.conn.call("monitor_cond", params.clone()).await {
            Ok(u) => (MonitorMethod::MonitorCond, u),
            Err(e) if unknown_method(&e) => (
                MonitorMethod::Monitor,
                self.conn.call("monitor", params).await?,
            ),
            Err(e) => return Err(e),
        };
        Ok(MonitorReply {
            method,
            found: false,
            last_id: None,
            updates,
        })
    }
}

fn lock_reply(v: Value) -> Result<bool, Error> {
    v.get("locked")
        .and_then(Value::as_bool)
        .ok_or_else(|| Error::Protocol(format!("bad lock reply {v}")))
}

pub(crate) fn unknown_method(e: &Error) -> bool {
    matches!(e, Error::Rpc { error, .. } if error == "unknown method")
}

/// The answer to a monitor request.
#[derive(Clone, Debug)]
pub struct MonitorReply {
    pub method: MonitorMethod,
    /// `monitor_cond_since` only: the server still had the requested transaction id.
    pub found: bool,
    pub last_id: Option<Uuid>,
    pub updates: Value,
}
