//! OVSDB client throughput against a real ovsdb-server: transactions of 1 and 1,000
//! inserts, and the initial monitor of 100k rows into the replica, next to
//! `ovsdb-client dump` of the same table. Run with `cargo bench -p adapters --bench client`.

#[path = "../tests/server/mod.rs"]
mod server;

use std::process::Command;

use adapters::client::{Client, Idl, ops};
use serde_json::json;
use server::{NB, Server, run};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    measure().await;
}

/// Transaction throughput for batches of
/// 1 and 1,000 inserts, and the time of an initial monitor of 100k rows (Address_Set, a
/// root table, so that the rows are not garbage-collected).
async fn measure() {
    let srv = Server::standalone("measure");
    let mut c = Client::connect(&srv.remote()).await.unwrap();
    let t = std::time::Instant::now();
    for i in 0..1000 {
        let row = json!({"name": format!("single{i}")});
        c.transact(NB, vec![ops::insert("Address_Set", row, None, None)])
            .await
            .unwrap();
    }
    println!("1000 transactions of 1 insert: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for b in 0..99 {
        let batch = (0..1000)
            .map(|i| {
                let row =
                    json!({"name": format!("p{b}-{i}"), "addresses": ["set", ["10.0.0.1", "10.0.0.2"]]});
                ops::insert("Address_Set", row, None, None)
            })
            .collect();
        c.transact(NB, batch).await.unwrap();
    }
    println!("99 transactions of 1000 inserts: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let (idl, initial) = Idl::connect(&srv.remote(), NB, &["Address_Set"])
        .await
        .unwrap();
    println!(
        "initial monitor of {} rows: {:?}",
        initial.len(),
        t.elapsed()
    );
    assert_eq!(idl.replica.table("Address_Set").len(), 100_000);
    drop(idl);
    let t = std::time::Instant::now();
    let out = run(Command::new("ovsdb-client").args(["dump", &srv.remote(), NB, "Address_Set"]));
    println!(
        "ovsdb-client dump of the same table: {:?} ({} bytes)",
        t.elapsed(),
        out.stdout.len()
    );
}
