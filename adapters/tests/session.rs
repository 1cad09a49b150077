//! The daemon-facing client ([`Session`]) against real ovsdb-servers: RAFT failover with
//! `monitor_cond_since` resync, locks, SSL, a server restart, inactivity probes.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use adapters::client::ops;
use adapters::client::{Change, Delta, Event, Options, Session, TlsFiles, TxnError};
use serde_json::json;

mod server;

use server::{Cluster, NB, Server, run};

const WAIT: Duration = Duration::from_secs(30);

/// Polls `s` until `f` picks an event, failing after [`WAIT`].
async fn until<T>(s: &mut Session, what: &str, mut f: impl FnMut(Event) -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(t) = f(s.next_event().await) {
                return t;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// The next `Connected` event: (remote, found, delta).
async fn connected(s: &mut Session) -> (String, bool, Delta) {
    until(s, "a connection", |e| match e {
        Event::Connected {
            remote,
            found,
            delta,
        } => Some((remote, found, delta)),
        _ => None,
    })
    .await
}

/// The next non-empty delta (a connection's delta counts).
async fn delta(s: &mut Session) -> Delta {
    until(s, "a delta", |e| match e {
        Event::Delta(d) | Event::Connected { delta: d, .. } if !d.is_empty() => Some(d),
        _ => None,
    })
    .await
}

fn switch_names(s: &Session) -> BTreeSet<String> {
    s.replica
        .table("Logical_Switch")
        .values()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

fn names(d: &Delta) -> Vec<(&'static str, String)> {
    let name = |r: &adapters::Row| r["name"].as_str().unwrap().to_string();
    d.iter()
        .map(|(_, _, c)| match c {
            Change::Inserted(r) => ("ins", name(r)),
            Change::Deleted(r) => ("del", name(r)),
            Change::Modified { new, .. } => ("mod", name(new)),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_raft_leader_and_resyncs_after_kill_9() {
    let c = Cluster::new("raft", 3);
    c.nbctl(&["ls-add", "sw0"]);
    let mut s = Session::new(Options::new(&c.remotes()), NB, &["Logical_Switch"]).unwrap();
    let (remote, _, initial) = connected(&mut s).await;
    assert_eq!(names(&initial), [("ins", "sw0".to_string())]);
    let leader = c.member(&remote);
    let status = run(Command::new("ovs-appctl")
        .arg("-t")
        .arg(c.dir.join(format!("s{leader}.ctl")))
        .args(["cluster/status", NB]));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("Role: leader"),
        "connected to {remote}, which is not the leader"
    );
    c.nbctl(&["ls-add", "sw1"]);
    assert_eq!(names(&delta(&mut s).await), [("ins", "sw1".to_string())]);
    assert!(s.last_id().is_some());

    // kill -9 the leader; write through the survivors while the client is away.
    c.kill9(leader);
    let t0 = std::time::Instant::now();
    c.nbctl(&["ls-add", "sw2"]);
    c.nbctl(&["ls-del", "sw0"]);
    until(&mut s, "the disconnection", |e| {
        matches!(e, Event::Disconnected { .. }).then_some(())
    })
    .await;
    let (remote2, found, d) = connected(&mut s).await;
    let took = t0.elapsed();
    assert_ne!(remote2, remote);
    assert!(took < Duration::from_secs(20), "reconnection took {took:?}");
    assert!(
        found,
        "the new leader should resume from our last transaction id (no full resend)"
    );
    let mut d = names(&d);
    d.sort();
    assert_eq!(d, [("del", "sw0".into()), ("ins", "sw2".into())]);
    assert_eq!(switch_names(&s), ["sw1", "sw2"].map(String::from).into());

    // The replica equals the database as a fresh client sees it.
    let mut fresh = Session::new(Options::new(&c.remotes()), NB, &["Logical_Switch"]).unwrap();
    connected(&mut fresh).await;
    assert_eq!(s.replica.tables, fresh.replica.tables);

    // Updates keep flowing, and transactions go to the new leader.
    let uuid = s
        .replica
        .table("Logical_Switch")
        .keys()
        .next()
        .copied()
        .unwrap();
    s.transact(vec![ops::update(
        "Logical_Switch",
        vec![ops::cond("_uuid", "==", ops::uuid(uuid))],
        json!({"external_ids": ["map", [["k", "v"]]]}),
    )])
    .await
    .unwrap();
    let d = delta(&mut s).await;
    assert!(matches!(d[..], [(_, u, Change::Modified { .. })] if u == uuid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_client_holds_the_lock() {
    let srv = Server::standalone("lock");
    let opts = || Options {
        lock: Some("ovn_northd".into()),
        ..Options::new(&srv.remote())
    };
    let lock_event = |e| match e {
        Event::Lock(b) => Some(b),
        _ => None,
    };
    let mut a = Session::new(opts(), NB, &["NB_Global"]).unwrap();
    connected(&mut a).await;
    assert!(until(&mut a, "lock", lock_event).await);
    let mut b = Session::new(opts(), NB, &["NB_Global"]).unwrap();
    connected(&mut b).await;
    assert!(a.has_lock() && !b.has_lock());

    // Only the holder may write: transactions assert the lock.
    let insert = || vec![ops::insert("NB_Global", json!({}), None, None)];
    let err = b.transact(insert()).await.unwrap_err();
    assert!(
        matches!(&err, TxnError::Op { error, .. } if error == "not owner"),
        "{err:?}"
    );
    a.transact(insert()).await.unwrap();

    // The holder disconnects: the waiter is told it has the lock.
    drop(a);
    assert!(until(&mut b, "lock", lock_event).await);
    assert!(b.has_lock());

    // A newcomer steals it; the old holder hears `stolen`.
    let mut c = Session::new(opts(), NB, &["NB_Global"]).unwrap();
    connected(&mut c).await;
    assert!(!c.has_lock());
    c.steal().await.unwrap();
    assert!(until(&mut c, "lock", lock_event).await);
    assert!(!until(&mut b, "stolen", lock_event).await);
    assert!(!b.has_lock());

    // unlock hands it back to a waiter.
    b.lock().await.unwrap();
    c.unlock().await.unwrap();
    assert!(!until(&mut c, "unlock", lock_event).await);
    assert!(until(&mut b, "lock", lock_event).await);
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").current_dir(dir).args(args));
}

/// A CA named `name` (`name-key.pem`, `name-cert.pem`) and a certificate it signs for
/// each of `leaves` (`leaf-key.pem`, `leaf-cert.pem`).
fn pki(dir: &Path, name: &str, leaves: &[&str]) {
    let ca_key = format!("{name}-key.pem");
    let ca_cert = format!("{name}-cert.pem");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &ca_key,
            "-out",
            &ca_cert,
        ],
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n",
    )
    .unwrap();
    for leaf in leaves {
        let csr = format!("{leaf}.csr");
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={leaf}"),
                "-keyout",
                &format!("{leaf}-key.pem"),
                "-out",
                &csr,
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca_cert,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
                "-out",
                &format!("{leaf}-cert.pem"),
            ],
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_with_key_certificate_and_ca() {
    let srv = Server::standalone("ssl");
    let d = &srv.dir;
    pki(d, "ca", &["server", "client"]);
    pki(d, "other-ca", &["stranger"]);
    let port = Server::free_port();
    let ctl = d.join("nb.ctl");
    run(Command::new("ovs-appctl")
        .arg("-t")
        .arg(&ctl)
        .args(["ovsdb-server/add-remote", &format!("pssl:{port}:127.0.0.1")]));
    // ovsdb-server takes its SSL files from the command line only, so restart it.
    let pid = std::fs::read_to_string(d.join("nb.pid")).unwrap();
    run(Command::new("kill").arg(pid.trim()));
    while d.join("nb.pid").exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
    run(Command::new("ovsdb-server")
        .arg(d.join("nb.db"))
        .args(["--detach", "--no-chdir"])
        .arg(format!("--pidfile={}", d.join("nb.pid").display()))
        .arg(format!("--log-file={}", d.join("nb.log").display()))
        .arg(format!("--unixctl={}", ctl.display()))
        .arg(format!("--remote=punix:{}", d.join("nb.sock").display()))
        .arg(format!("--remote=pssl:{port}:127.0.0.1"))
        .arg(format!(
            "--private-key={}",
            d.join("server-key.pem").display()
        ))
        .arg(format!(
            "--certificate={}",
            d.join("server-cert.pem").display()
        ))
        .arg(format!("--ca-cert={}", d.join("ca-cert.pem").display())));
    srv.nbctl(&["ls-add", "secure"]);

    let remote = format!("ssl:127.0.0.1:{port}");
    let files = |ca: &str| TlsFiles {
        private_key: d.join("client-key.pem"),
        certificate: d.join("client-cert.pem"),
        ca_cert: d.join(ca),
    };
    let mut s = Session::new(
        Options {
            tls: Some(files("ca-cert.pem")),
            ..Options::new(&remote)
        },
        NB,
        &["Logical_Switch"],
    )
    .unwrap();
    let (_, _, initial) = connected(&mut s).await;
    assert_eq!(names(&initial), [("ins", "secure".to_string())]);

    // A CA that did not sign the server's certificate: refused, and said so.
    let mut bad = Session::new(
        Options {
            tls: Some(files("other-ca-cert.pem")),
            ..Options::new(&remote)
        },
        NB,
        &["Logical_Switch"],
    )
    .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(2), bad.next_event()).await;
    assert!(r.is_err(), "connected with the wrong CA: {r:?}");
    let err = bad.stats.last_error.clone().unwrap();
    assert!(
        err.contains("SSL handshake failed") && err.contains("UnknownIssuer"),
        "{err}"
    );
    assert!(err.contains(&remote), "{err}");

    // Missing files are named.
    let e = Session::new(
        Options {
            tls: Some(TlsFiles {
                private_key: d.join("nope.pem"),
                ..files("ca-cert.pem")
            }),
            ..Options::new(&remote)
        },
        NB,
        &[],
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("nope.pem"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_after_a_server_restart() {
    let srv = Server::standalone("restart");
    srv.nbctl(&["ls-add", "a"]);
    srv.nbctl(&["ls-add", "b"]);
    let mut s = Session::new(Options::new(&srv.remote()), NB, &["Logical_Switch"]).unwrap();
    connected(&mut s).await;
    let d = &srv.dir;
    let pid = std::fs::read_to_string(d.join("nb.pid")).unwrap();
    run(Command::new("kill").arg(pid.trim()));
    until(&mut s, "the disconnection", |e| {
        matches!(e, Event::Disconnected { .. }).then_some(())
    })
    .await;
    while d.join("nb.pid").exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Changes while the server is down, straight into its file.
    let txn = json!(["OVN_Northbound",
        {"op": "insert", "table": "Logical_Switch", "row": {"name": "c"}},
        {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "a"]]},
        {"op": "update", "table": "Logical_Switch", "where": [["name", "==", "b"]],
         "row": {"other_config": ["map", [["k", "v"]]]}}]);
    run(Command::new("ovsdb-tool")
        .arg("transact")
        .arg(d.join("nb.db"))
        .arg(txn.to_string()));
    srv.start();
    let (_, found, delta) = connected(&mut s).await;
    assert!(!found, "a standalone server keeps no transaction history");
    let mut got = names(&delta);
    got.sort();
    assert_eq!(
        got,
        [
            ("del", "a".into()),
            ("ins", "c".into()),
            ("mod", "b".into())
        ],
        "only the differences are reported"
    );
    assert_eq!(switch_names(&s), ["b", "c"].map(String::from).into());
    assert_eq!(s.stats.connections, 2);
    let mut fresh = Session::new(Options::new(&srv.remote()), NB, &["Logical_Switch"]).unwrap();
    connected(&mut fresh).await;
    assert_eq!(s.replica.tables, fresh.replica.tables);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_cond_change_moves_rows_in_and_out() {
    let srv = Server::standalone("cond");
    for n in ["x1", "x2", "y1"] {
        srv.nbctl(&["ls-add", n]);
    }
    let mut s = Session::new(Options::new(&srv.remote()), NB, &["Logical_Switch"]).unwrap();
    s.set_condition("Logical_Switch", json!([["name", "==", "x1"]]))
        .await
        .unwrap();
    let (_, _, d) = connected(&mut s).await;
    assert_eq!(names(&d), [("ins", "x1".to_string())]);
    s.set_condition("Logical_Switch", json!([["name", "includes", "y1"]]))
        .await
        .unwrap();
    let mut d = names(&delta(&mut s).await);
    d.sort();
    assert_eq!(d, [("del", "x1".into()), ("ins", "y1".into())]);
    srv.nbctl(&["ls-add", "y2"]);
    srv.nbctl(&["set", "Logical_Switch", "y1", "other_config:k=v"]);
    // y2 does not match, so the next update is y1's.
    assert_eq!(names(&delta(&mut s).await), [("mod", "y1".to_string())]);
    s.set_condition("Logical_Switch", serde_json::Value::Null)
        .await
        .unwrap();
    let mut d = names(&delta(&mut s).await);
    d.sort();
    assert_eq!(
        d,
        [
            ("ins", "x1".into()),
            ("ins", "x2".into()),
            ("ins", "y2".into())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_is_probed_then_dropped() {
    // A server that accepts, answers the handshake and then says nothing at all.
    let dir = Server::dir("probe");
    let path = dir.join("silent.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let srv = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut framer = adapters::client::jsonrpc::Framer::new(1 << 20);
        let mut buf = vec![0u8; 4096];
        let mut echoes = 0;
        loop {
            let n = sock.read(&mut buf).await.unwrap();
            if n == 0 {
                return echoes;
            }
            let mut msgs = Vec::new();
            framer.feed(&buf[..n], &mut msgs).unwrap();
            for m in msgs {
                let reply = match m["method"].as_str().unwrap() {
                    "get_schema" => json!({"error": "unknown database", "id": m["id"]}),
                    "echo" => {
                        echoes += 1;
                        continue; // never answered
                    }
                    _ => json!({"result": [false, "00000000-0000-0000-0000-000000000000", {}],
                                "error": null, "id": m["id"]}),
                };
                let reply = if m["method"] == "get_schema" && m["params"][0] == "X" {
                    json!({"result": {"name": "X", "version": "1.0.0", "tables":
                        {"T": {"columns": {"a": {"type": "integer"}}}}},
                        "error": null, "id": m["id"]})
                } else {
                    reply
                };
                sock.write_all(reply.to_string().as_bytes()).await.unwrap();
            }
        }
    });
    let mut s = Session::new(
        Options {
            probe: Some(Duration::from_millis(200)),
            ..Options::new(&format!("unix:{}", path.display()))
        },
        "X",
        &["T"],
    )
    .unwrap();
    connected(&mut s).await;
    let t0 = std::time::Instant::now();
    let reason = until(&mut s, "the probe timeout", |e| match e {
        Event::Disconnected { reason, .. } => Some(reason),
        _ => None,
    })
    .await;
    assert!(reason.contains("inactivity probe"), "{reason}");
    assert!(t0.elapsed() < Duration::from_secs(5));
    drop(s);
    assert_eq!(srv.await.unwrap(), 1, "one echo, then the client gave up");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaves_a_server_that_loses_leadership() {
    let c = Cluster::new("deposed", 3);
    let mut s = Session::new(Options::new(&c.remotes()), NB, &["Logical_Switch"]).unwrap();
    let (remote, _, _) = connected(&mut s).await;
    let leader = c.member(&remote);
    // Freeze the leader (its socket stays open, so only `_Server` can tell us): the
    // others elect a new leader and take a write; thawed, the old one learns it lost.
    let pid = c.pid(leader).unwrap();
    run(Command::new("kill").args(["-STOP", &pid]));
    let others: Vec<usize> = (0..3).filter(|&i| i != leader).collect();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let out = Command::new("ovn-nbctl")
            .arg(format!("--db={},{}", c.sock(others[0]), c.sock(others[1])))
            .args(["--timeout=30", "ls-add", "during"])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(200));
    }
    run(Command::new("kill").args(["-CONT", &pid]));
    let reason = until(&mut s, "leaving the deposed leader", |e| match e {
        Event::Disconnected { reason, .. } => Some(reason),
        _ => None,
    })
    .await;
    assert!(reason.contains("not cluster leader"), "{reason}");
    let (remote2, found, _) = connected(&mut s).await;
    assert_ne!(remote2, remote);
    assert!(found);
    // The thawed server may have relayed the write before it noticed its demotion.
    assert_eq!(switch_names(&s), ["during".to_string()].into());
}
