//! OVSDB client throughput against a real ovsdb-server: transactions of 1 and 1,000
//! inserts, and the initial monitor of 100k rows into the replica, next to
//! `ovsdb-client dump` of the same table. Run with `cargo bench -p adapters --bench client`.

#[path = "../tests/server/mod.rs"]
mod server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicIsize, Ordering};

/// Counts live heap bytes, so that replica memory is measured exactly.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

use adapters::client::{Client, Event, Options, Session, ops};
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
    let live0 = LIVE.load(Ordering::Relaxed);
    let t = std::time::Instant::now();
    let mut s = Session::new(Options::new(&srv.remote()), NB, &["Address_Set"]).unwrap();
    let Event::Connected { delta, .. } = s.next_event().await else {
        panic!("not connected")
    };
    let took = t.elapsed();
    let n = delta.len();
    drop(delta);
    let live1 = LIVE.load(Ordering::Relaxed);
    println!("initial monitor of {n} rows (Session): {took:?}");
    println!(
        "replica memory: {} heap bytes per row (rows of a name and 2 addresses)",
        (live1 - live0) / n as isize
    );
    assert_eq!(s.replica.table("Address_Set").len(), 100_000);
    drop(s);
    let t = std::time::Instant::now();
    let out = run(Command::new("ovsdb-client").args(["dump", &srv.remote(), NB, "Address_Set"]));
    println!(
        "ovsdb-client dump of the same table: {:?} ({} bytes)",
        t.elapsed(),
        out.stdout.len()
    );
    let t = std::time::Instant::now();
    for i in 0..20 {
        let txn = json!([NB, {"op": "insert", "table": "Address_Set", "row": {"name": format!("cli{i}")}}]);
        run(Command::new("ovsdb-client").args(["transact", &srv.remote(), &txn.to_string()]));
    }
    println!(
        "ovsdb-client transact of 1 insert (a process each): {:?} per transaction",
        t.elapsed() / 20
    );
}
