//! The OVSDB client against Debian's ovsdb-server (in a temp dir, on unix sockets and
//! 127.0.0.1) and against fake servers that misbehave.

use std::path::{Path, PathBuf};
use std::time::Duration;

use adapters::client::jsonrpc::Framer;
use adapters::client::ops::{self, cond, named_uuid, uuid};
use adapters::client::{
    Change, Client, Delta, Error, Event, MonitorMethod, OpResult, Options, Session, TxnError,
};
use adapters::{Datum, Uuid};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod server;

use server::{NB, Server};

/// The next update of `s` (a connection or a loss of one is a test failure).
async fn next(s: &mut Session) -> Delta {
    match tokio::time::timeout(Duration::from_secs(10), s.next_event()).await {
        Ok(Event::Delta(d)) => d,
        Ok(e) => panic!("expected an update, got {e:?}"),
        Err(_) => panic!("no update within 10 s"),
    }
}

/// A session on `remote` monitoring `tables` of `db`, connected: (session, whether the
/// server resumed, initial delta).
async fn session(remote: &str, db: &str, tables: &[&str]) -> (Session, Delta) {
    let mut s = Session::new(Options::new(remote), db, tables).unwrap();
    let d = connected(&mut s).await.1;
    (s, d)
}

async fn connected(s: &mut Session) -> (bool, Delta) {
    match tokio::time::timeout(Duration::from_secs(10), s.next_event()).await {
        Ok(Event::Connected { found, delta, .. }) => (found, delta),
        Ok(e) => panic!("expected a connection, got {e:?}"),
        Err(_) => panic!("not connected within 10 s: {:?}", s.stats.last_error),
    }
}

/// The delta as (table, kind, name) triples, for compact assertions.
fn summary(d: &Delta) -> Vec<(String, &'static str, String)> {
    let name = |r: &adapters::Row| {
        r.get("name")
            .and_then(Datum::as_str)
            .unwrap_or("")
            .to_string()
    };
    d.iter()
        .map(|(t, _, c)| match c {
            Change::Inserted(r) => (t.clone(), "ins", name(r)),
            Change::Deleted(r) => (t.clone(), "del", name(r)),
            Change::Modified { new, .. } => (t.clone(), "mod", name(new)),
        })
        .collect()
}

fn s(t: &str, k: &'static str, n: &str) -> (String, &'static str, String) {
    (t.to_string(), k, n.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_reports_exactly_the_nbctl_changes() {
    let srv = Server::standalone("monitor");
    srv.nbctl(&["ls-add", "before"]);
    let (mut idl, initial) = session(
        &srv.remote(),
        NB,
        &["Logical_Switch", "Logical_Switch_Port"],
    )
    .await;
    assert_eq!(idl.method(), MonitorMethod::MonitorCondSince);
    assert_eq!(
        summary(&initial),
        vec![s("Logical_Switch", "ins", "before")]
    );

    srv.nbctl(&["ls-add", "sw0"]);
    assert_eq!(
        summary(&next(&mut idl).await),
        vec![s("Logical_Switch", "ins", "sw0")]
    );

    srv.nbctl(&["lsp-add", "sw0", "p1"]);
    let d = next(&mut idl).await;
    let mut got = summary(&d);
    got.sort();
    assert_eq!(
        got,
        vec![
            s("Logical_Switch", "mod", "sw0"),
            s("Logical_Switch_Port", "ins", "p1")
        ]
    );
    let p1 = d
        .iter()
        .find(|(t, ..)| t == "Logical_Switch_Port")
        .unwrap()
        .1;
    let Some((_, _, Change::Modified { old, new })) =
        d.iter().find(|(t, ..)| t == "Logical_Switch")
    else {
        panic!("no switch change")
    };
    assert!(!old.contains_key("ports"));
    assert_eq!(new["ports"].uuids(), vec![p1]);

    srv.nbctl(&[
        "set",
        "Logical_Switch",
        "sw0",
        "external_ids:k=v",
        "other_config:a=b",
    ]);
    let d = next(&mut idl).await;
    let [(_, _, Change::Modified { old, new })] = d.as_slice() else {
        panic!("{d:?}")
    };
    assert_eq!(
        new["external_ids"].string_pairs(),
        vec![("k".into(), "v".into())]
    );
    assert_eq!(old.get("ports"), new.get("ports"));
    // A map key removed through update2's diff form.
    srv.nbctl(&["remove", "Logical_Switch", "sw0", "external_ids", "k"]);
    let d = next(&mut idl).await;
    let [(_, _, Change::Modified { new, .. })] = d.as_slice() else {
        panic!("{d:?}")
    };
    assert!(!new.contains_key("external_ids"));
    assert!(new.contains_key("other_config"));

    srv.nbctl(&["lsp-del", "p1"]);
    let mut got = summary(&next(&mut idl).await);
    got.sort();
    assert_eq!(
        got,
        vec![
            s("Logical_Switch", "mod", "sw0"),
            s("Logical_Switch_Port", "del", "p1")
        ]
    );

    srv.nbctl(&["ls-del", "sw0"]);
    assert_eq!(
        summary(&next(&mut idl).await),
        vec![s("Logical_Switch", "del", "sw0")]
    );

    // Unmonitored tables never show up; the replica holds exactly the database.
    srv.nbctl(&["lr-add", "r0"]);
    srv.nbctl(&["ls-add", "last"]);
    assert_eq!(
        summary(&next(&mut idl).await),
        vec![s("Logical_Switch", "ins", "last")]
    );
    let names: Vec<_> = idl
        .replica
        .table("Logical_Switch")
        .values()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let mut listed: Vec<_> = srv
        .nbctl(&["--bare", "--columns=name", "list", "Logical_Switch"])
        .split_whitespace()
        .map(String::from)
        .collect();
    listed.sort();
    let mut names = names;
    names.sort();
    assert_eq!(names, listed);
    assert!(idl.replica.table("Logical_Router").is_empty());
    // A table the schema lacks: never monitoring, and the reason is kept.
    let mut bad = Session::new(Options::new(&srv.remote()), NB, &["No_Such_Table"]).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(2), bad.next_event()).await;
    assert!(r.is_err(), "{r:?}");
    let e = bad.stats.last_error.clone().unwrap_or_default();
    assert!(e.contains("No_Such_Table"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transact_round_trips_every_operation_kind() {
    let srv = Server::standalone("transact");
    // Over TCP this time.
    let mut c = Client::connect(&format!("tcp:127.0.0.1:{}", srv.tcp))
        .await
        .unwrap();
    assert!(c.list_dbs().await.unwrap().contains(&NB.to_string()));
    let schema = c.get_schema(NB).await.unwrap();
    assert_eq!(schema.name, NB);

    let chosen = Uuid::parse("11111111-2222-4333-8444-555555555555").unwrap();
    let by_uuid = || vec![cond("_uuid", "==", uuid(chosen))];
    let r = c
        .transact(
            NB,
            vec![
                ops::insert("Logical_Switch", json!({"name": "a"}), Some(chosen), None),
                ops::insert("Logical_Switch_Port", json!({"name": "p"}), None, Some("p")),
                ops::mutate(
                    "Logical_Switch",
                    by_uuid(),
                    vec![json!(["ports", "insert", ["set", [named_uuid("p")]]])],
                ),
                ops::comment("client test"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(r[0], OpResult::Inserted(chosen));
    assert!(matches!(r[1], OpResult::Inserted(_)));
    assert_eq!(r[2..], [OpResult::Count(1), OpResult::Empty]);
    assert_eq!(
        srv.nbctl(&["lsp-list", "a"]).split_whitespace().nth(1),
        Some("(p)")
    );

    let r = c
        .transact(
            NB,
            vec![
                ops::update(
                    "Logical_Switch",
                    by_uuid(),
                    json!({"external_ids": ["map", [["k", "v"]]]}),
                ),
                ops::select("Logical_Switch", by_uuid(), Some(&["name", "external_ids"])),
                ops::wait(
                    "Logical_Switch",
                    by_uuid(),
                    &["name"],
                    true,
                    vec![json!({"name": "a"})],
                    Some(0),
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(r[0], OpResult::Count(1));
    assert_eq!(
        r[1],
        OpResult::Rows(vec![
            json!({"name": "a", "external_ids": ["map", [["k", "v"]]]})
        ])
    );
    assert_eq!(r[2], OpResult::Empty);

    // Failures are typed and name the failing operation.
    let e = c
        .transact(
            NB,
            vec![
                ops::comment("x"),
                ops::wait(
                    "Logical_Switch",
                    by_uuid(),
                    &["name"],
                    true,
                    vec![json!({"name": "b"})],
                    Some(0),
                ),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, TxnError::Op { index: 1, error, .. } if error == "timed out"),
        "{e:?}"
    );
    let e = c
        .transact(NB, vec![ops::assert_lock("ovn_northd")])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, TxnError::Op { index: 0, error, .. } if error == "not owner"),
        "{e:?}"
    );
    let e = c
        .transact(
            NB,
            vec![ops::insert(
                "Logical_Switch",
                json!({"name": "b"}),
                Some(chosen),
                None,
            )],
        )
        .await
        .unwrap_err();
    assert!(matches!(&e, TxnError::Op { .. }), "{e:?}");
    let e = c.transact("nope", vec![]).await.unwrap_err();
    assert!(
        matches!(&e, TxnError::Rpc(Error::Rpc { .. }) | TxnError::Op { .. }),
        "{e:?}"
    );

    let r = c
        .transact(NB, vec![ops::delete("Logical_Switch", by_uuid())])
        .await
        .unwrap();
    assert_eq!(r, vec![OpResult::Count(1)]);
    assert_eq!(srv.nbctl(&["ls-list"]), "");
}

/// A fake server on a unix socket: `script` gets the accepted stream.
async fn fake_server<F, Fut>(tag: &str, script: F) -> (String, tokio::task::JoinHandle<()>, PathBuf)
where
    F: FnOnce(tokio::net::UnixStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let dir = Server::dir(tag);
    let path = dir.join("fake.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let h = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        script(s).await;
    });
    (format!("unix:{}", path.display()), h, dir)
}

/// The fake server's side of a connection: reads whole messages, keeping any extra ones
/// that arrived in the same read.
struct Peer {
    s: tokio::net::UnixStream,
    framer: Framer,
    queue: std::collections::VecDeque<Value>,
}

impl Peer {
    fn new(s: tokio::net::UnixStream) -> Peer {
        Peer {
            s,
            framer: Framer::new(1 << 20),
            queue: Default::default(),
        }
    }

    async fn read(&mut self) -> Value {
        let mut buf = [0u8; 4096];
        while self.queue.is_empty() {
            let n = self.s.read(&mut buf).await.unwrap();
            assert!(n > 0, "client closed");
            let mut out = Vec::new();
            self.framer.feed(&buf[..n], &mut out).unwrap();
            self.queue.extend(out);
        }
        self.queue.pop_front().unwrap()
    }

    async fn send(&mut self, v: Value) {
        self.s.write_all(v.to_string().as_bytes()).await.unwrap();
    }

    /// Waits until the client hangs up.
    async fn wait_closed(&mut self) {
        let mut buf = [0u8; 4096];
        while self.s.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    }
}

fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn malformed_message_is_an_error_not_a_panic() {
    let (remote, h, dir) = fake_server("malformed", |s| async move {
        let mut p = Peer::new(s);
        // The server's echo is answered.
        p.send(json!({"method": "echo", "params": ["hi"], "id": "echo"}))
            .await;
        let mut got = [p.read().await, p.read().await];
        got.sort_by_key(|m| m["id"].is_string());
        assert_eq!(got[0]["method"], "list_dbs");
        assert_eq!(
            got[1],
            json!({"result": ["hi"], "error": null, "id": "echo"})
        );
        p.s.write_all(br#"{"id":1,"result":[tru]}"#).await.unwrap();
        p.wait_closed().await;
    })
    .await;
    let mut c = Client::connect(&remote).await.unwrap();
    let e = c.list_dbs().await.unwrap_err();
    assert!(matches!(e, Error::Protocol(_)), "{e:?}");
    // The connection is dead from then on.
    assert!(c.list_dbs().await.is_err());
    drop(c);
    h.await.unwrap();
    cleanup(&dir);
}

#[tokio::test]
async fn oversized_message_is_an_error_without_unbounded_buffering() {
    let (remote, h, dir) = fake_server("oversized", |s| async move {
        let mut p = Peer::new(s);
        let _ = p.read().await;
        let mut s = p.s;
        // An endless string: the client must give up at its (here 64 MiB) cap.
        let _ = s.write_all(br#"{"id":1,"result":""#).await;
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..80 {
            if s.write_all(&chunk).await.is_err() {
                return;
            }
        }
        panic!("client read 80 MiB of one message");
    })
    .await;
    let transport = adapters::client::Transport {
        max_message: 64 << 20,
        ..Default::default()
    };
    let mut c = Client::connect_with(&remote, &transport).await.unwrap();
    let e = c.list_dbs().await.unwrap_err();
    assert!(
        matches!(&e, Error::Protocol(m) if m.contains("longer than")),
        "{e:?}"
    );
    drop(c);
    h.await.unwrap();
    cleanup(&dir);
}

#[tokio::test]
async fn monitor_falls_back_to_monitor_cond_then_monitor() {
    let schema = json!({"name": "T", "version": "1.0.0", "tables": {
        "X": {"columns": {"n": {"type": "integer"}, "s": {"type": {"key": "string", "min": 0, "max": "unlimited"}}}}}});
    let u1 = "00000000-0000-4000-8000-000000000001";
    let (remote, h, dir) = fake_server("fallback", move |s| async move {
        let mut p = Peer::new(s);
        let expect = |m: Value, method: &str| {
            assert_eq!(m["method"], method);
            m["id"].clone()
        };
        // An old server: no _Server database.
        let m = p.read().await;
        assert_eq!(m["params"][0], "_Server");
        let id = expect(m, "get_schema");
        p.send(json!({"id": id, "result": null, "error": "unknown database"})).await;
        let m = p.read().await;
        assert_eq!(m["params"][0], "T");
        let id = expect(m, "get_schema");
        p.send(json!({"id": id, "result": schema, "error": null})).await;
        for method in ["monitor_cond_since", "monitor_cond"] {
            let id = expect(p.read().await, method);
            p.send(json!({"id": id, "result": null, "error": "unknown method"})).await;
        }
        let m = p.read().await;
        assert_eq!(m["params"].as_array().unwrap().len(), 3);
        let id = expect(m, "monitor");
        let initial = json!({"X": {u1: {"new": {"n": 1, "s": ["set", ["a", "b"]]}}}});
        p.send(json!({"id": id, "result": initial, "error": null})).await;
        let upd = json!({"method": "update", "id": null, "params": ["T",
            {"X": {u1: {"old": {"n": 1}, "new": {"n": 2, "s": ["set", ["a", "b"]]}}}}]});
        p.send(upd).await;
        let upd = json!({"method": "update", "id": null, "params": ["T", {"X": {u1: {"old": {"n": 2}}}}]});
        p.send(upd).await;
        // A notification for another monitor is not ours.
        let other = json!({"method": "update", "id": null, "params": ["other", {"X": {u1: {"new": {"n": 9}}}}]});
        p.send(other).await;
        p.wait_closed().await;
    })
    .await;
    let (mut idl, initial) = session(&remote, "T", &[]).await;
    assert_eq!(idl.method(), MonitorMethod::Monitor);
    let u1 = Uuid::parse(u1).unwrap();
    let [(t, u, Change::Inserted(r))] = initial.as_slice() else {
        panic!("{initial:?}")
    };
    assert_eq!((t.as_str(), *u, r["n"].as_int()), ("X", u1, Some(1)));
    let d = next(&mut idl).await;
    let [(_, _, Change::Modified { old, new })] = d.as_slice() else {
        panic!("{d:?}")
    };
    assert_eq!((old["n"].as_int(), new["n"].as_int()), (Some(1), Some(2)));
    assert_eq!(new["s"].strings(), vec!["a", "b"]);
    let d = next(&mut idl).await;
    assert!(
        matches!(d.as_slice(), [(_, _, Change::Deleted(_))]),
        "{d:?}"
    );
    assert!(idl.replica.table("X").is_empty());
    drop(idl);
    h.await.unwrap();
    cleanup(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_cond_since_resyncs_after_reconnect() {
    let srv = Server::clustered("resync");
    srv.nbctl(&["ls-add", "sw0"]);
    let (mut idl, initial) = session(&srv.remote(), NB, &["Logical_Switch"]).await;
    assert_eq!(summary(&initial), vec![s("Logical_Switch", "ins", "sw0")]);
    assert!(idl.last_id().is_some_and(|u| u != Uuid::default()));
    srv.nbctl(&["ls-add", "sw1"]);
    assert_eq!(
        summary(&next(&mut idl).await),
        vec![s("Logical_Switch", "ins", "sw1")]
    );

    // Drop the connection; changes happen while the client is away.
    assert!(matches!(
        idl.force_reconnect("test"),
        Some(Event::Disconnected { .. })
    ));
    srv.nbctl(&["ls-add", "sw2"]);
    srv.nbctl(&["set", "Logical_Switch", "sw0", "external_ids:k=v"]);
    srv.nbctl(&["ls-del", "sw1"]);
    let (found, d) = connected(&mut idl).await;
    let mut d = summary(&d);
    d.sort();
    assert!(found, "the server should still know our last transaction");
    assert_eq!(
        d,
        vec![
            s("Logical_Switch", "del", "sw1"),
            s("Logical_Switch", "ins", "sw2"),
            s("Logical_Switch", "mod", "sw0"),
        ]
    );
    let mut names: Vec<_> = idl
        .replica
        .table("Logical_Switch")
        .values()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["sw0", "sw2"]);

    // And updates keep flowing on the new session.
    srv.nbctl(&["ls-add", "sw3"]);
    assert_eq!(
        summary(&next(&mut idl).await),
        vec![s("Logical_Switch", "ins", "sw3")]
    );
}
