//! `ovn-dd compute` as a user runs it: the embedded default, bad invocations, and the
//! written Southbound served by ovsdb-server to the real ovn-trace.

mod common;

use std::process::Command;

use common::{Lab, TempDir, ovn_dd, run};

fn compute_err(args: &[&str]) -> String {
    let out = Command::new(ovn_dd())
        .arg("compute")
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "ovn-dd compute {args:?} should fail");
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one-line error, got: {err}"
    );
    err
}

#[test]
fn default_run_prints_the_seed_flows() {
    let out = run(Command::new(ovn_dd()).arg("compute"));
    let text = String::from_utf8(out.stdout).unwrap();
    // ovn-northd writes 260 dump-flows lines for the seed (3 datapaths x 2 pipelines).
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Datapath:")).count(),
        6
    );
    assert!(
        text.contains("match=(eth.dst == 40:44:00:00:00:02), action=(outport = \"vm2\"; output;)")
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let err = compute_err(&["--nb", "/nonexistent/nb.db"]);
    assert!(
        err.contains("/nonexistent/nb.db") && err.contains("No such file"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_ovsdb_is_refused() {
    let d = TempDir::new("cli");
    let p = d.path().join("junk.db");
    std::fs::write(&p, "this is not a database\n").unwrap();
    let err = compute_err(&["--nb", p.to_str().unwrap()]);
    assert!(err.contains("not an OVSDB database file"), "{err}");
}

#[test]
fn a_southbound_given_as_northbound_is_refused() {
    let d = TempDir::new("cli");
    let p = d.path().join("sb.db");
    run(Command::new("ovsdb-tool")
        .arg("create")
        .arg(&p)
        .arg("/usr/share/ovn/ovn-sb.ovsschema"));
    let err = compute_err(&["--nb", p.to_str().unwrap()]);
    assert!(
        err.contains("OVN_Southbound") && err.contains("expected OVN_Northbound"),
        "{err}"
    );
}

#[test]
fn a_clustered_file_is_refused() {
    let d = TempDir::new("cli");
    let p = d.path().join("nb.db");
    let remote = format!("unix:{}", d.path().join("raft.sock").display());
    run(Command::new("ovsdb-tool")
        .arg("create-cluster")
        .arg(&p)
        .arg("/usr/share/ovn/ovn-nb.ovsschema")
        .arg(&remote));
    let err = compute_err(&["--nb", p.to_str().unwrap()]);
    assert!(err.contains("clustered"), "{err}");
}

/// The seed's path through the written Southbound: network1 -> router1 -> network2,
/// ending in output("vm2") with the TTL decremented once.
#[test]
fn ovn_trace_follows_the_seed_path_through_the_written_southbound() {
    let d = TempDir::new("trace");
    let sb = d.path().join("sb.db");
    run(Command::new(ovn_dd()).args(["compute", "-q", "--sb-out", sb.to_str().unwrap()]));
    let mut lab = Lab::empty();
    lab.server("sb", &sb);
    let flow = "inport == \"vm1\" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:03 && \
                ip4.src == 192.168.0.11 && ip4.dst == 192.168.1.11 && ip.ttl == 64";
    let out = run(Command::new("ovn-trace")
        .arg(format!("--db={}", lab.sb_sock()))
        .args(["--minimal", "network1", flow]));
    let minimal = String::from_utf8(out.stdout).unwrap();
    assert_eq!(minimal.matches("ip.ttl--;").count(), 1, "{minimal}");
    assert!(
        minimal.trim_end().ends_with("output(\"vm2\");"),
        "{minimal}"
    );
    let out = run(Command::new("ovn-trace")
        .arg(format!("--db={}", lab.sb_sock()))
        .args(["--summary", "network1", flow]));
    let summary = String::from_utf8(out.stdout).unwrap();
    let hops: Vec<&str> = summary
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("ingress(dp=\""))
        .map(|l| l.split('"').next().unwrap())
        .collect();
    assert_eq!(hops, vec!["network1", "router1", "network2"], "{summary}");
}

/// Recomputing over our own Southbound changes nothing: row UUIDs come from content or
/// from the existing rows, so a restart converges without churn.
#[test]
fn recomputing_over_our_own_southbound_is_a_fixed_point() {
    let d = TempDir::new("fixpoint");
    let (a, b) = (d.path().join("a.db"), d.path().join("b.db"));
    run(Command::new(ovn_dd()).args(["compute", "-q", "--sb-out", a.to_str().unwrap()]));
    let nb = d.path().join("nb.db");
    std::fs::write(&nb, include_bytes!("../examples/seed/nb.db")).unwrap();
    run(Command::new(ovn_dd()).args([
        "compute",
        "-q",
        "--nb",
        nb.to_str().unwrap(),
        "--sb",
        a.to_str().unwrap(),
        "--sb-out",
        b.to_str().unwrap(),
    ]));
    let (da, db) = (
        adapters::dbfile::read(&a).unwrap(),
        adapters::dbfile::read(&b).unwrap(),
    );
    for (t, rows) in &da.tables {
        assert_eq!(rows, db.table(t), "table {t} changed on recomputation");
    }
    assert!(!da.table("Logical_Flow").is_empty());
}
