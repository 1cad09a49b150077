//! `ovn-dd northd` as a drop-in for ovn-northd: the same command line, the same SB for
//! the same NB commands (the real ovn-northd runs beside it), restarts and takeovers that
//! write nothing and renumber nothing, active/standby through the SB lock.

mod common;

use std::time::{Duration, Instant};

use adapters::Database;
use common::{Lab, SEED, TABLES, assert_same_flows, tables};

/// How many transactions the SB file records (one line per transaction after the
/// schema).
fn sb_txns(lab: &Lab) -> usize {
    std::fs::read_to_string(lab.sb_file())
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('{'))
        .count()
}

fn keys(db: &Database) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = db
        .table("Port_Binding")
        .values()
        .map(|r| {
            (
                db.get("Port_Binding", r, "logical_port")
                    .as_str()
                    .unwrap()
                    .to_string(),
                db.get("Port_Binding", r, "tunnel_key").as_int().unwrap(),
            )
        })
        .collect();
    for r in db.table("Datapath_Binding").values() {
        let ids = db.get("Datapath_Binding", r, "external_ids").string_pairs();
        let name = ids.into_iter().find(|(k, _)| k == "name").unwrap().1;
        v.push((
            format!("dp:{name}"),
            db.get("Datapath_Binding", r, "tunnel_key")
                .as_int()
                .unwrap(),
        ));
    }
    v.sort();
    v
}

/// A rendered row with what legitimately differs between two control planes masked:
/// UUIDs (NB row UUIDs appear in external_ids), the random `mac_prefix` and
/// `svc_monitor_mac` northd picks, and `nb_cfg`.
fn mask(db: &Database, row: &str) -> String {
    let mut s = row.to_string();
    let opts = db
        .table("SB_Global")
        .values()
        .next()
        .map(|r| db.get("SB_Global", r, "options").string_pairs())
        .unwrap_or_default();
    for (k, v) in opts {
        if k == "mac_prefix" || k == "svc_monitor_mac" {
            s = s.replace(&v, &k.to_uppercase());
        }
    }
    if let Some(i) = s.find("nb_cfg=[") {
        let j = i + s[i..].find(']').unwrap();
        s.replace_range(i..=j, "nb_cfg=[N]");
    }
    let bytes: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let cand: String = bytes[i..(i + 36).min(bytes.len())].iter().collect();
        if cand.len() == 36 && adapters::Uuid::parse(&cand).is_some() {
            out.push_str("UUID");
            i += 36;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn assert_same_tables(theirs: &Database, ours: &Database, what: &str) {
    assert_same_tables_but(theirs, ours, what, |r| r);
}

/// Tunnel keys masked: a daemon that finds the whole NB at start numbers ports in one
/// go, not in the order they were added.
fn unkeyed(row: String) -> String {
    row.split(' ')
        .map(|w| {
            if w.starts_with("tunnel_key=") {
                "tunnel_key=[K]"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_same_tables_but(
    theirs: &Database,
    ours: &Database,
    what: &str,
    f: impl Fn(String) -> String,
) {
    let (a, b) = (tables(theirs), tables(ours));
    let mut report = String::new();
    for t in TABLES {
        let a: std::collections::BTreeSet<String> =
            a[t].iter().map(|r| f(mask(theirs, r))).collect();
        let b: std::collections::BTreeSet<String> = b[t].iter().map(|r| f(mask(ours, r))).collect();
        for r in a.difference(&b) {
            report.push_str(&format!("{t}: only in ovn-northd: {r}\n"));
        }
        for r in b.difference(&a) {
            report.push_str(&format!("{t}: only in ovn-dd:     {r}\n"));
        }
    }
    assert!(report.is_empty(), "{what}: SB tables differ\n{report}");
}

/// Waits until `f` holds (or fails after 30 s).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(30), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn seed_control_plane_matches_ovn_northd() {
    let c = Lab::with_northd();
    let dd = Lab::with_ovn_dd();
    for lab in [&c, &dd] {
        lab.script(SEED);
        lab.sync();
    }
    assert_same_flows(&c.dump_flows(), &dd.dump_flows(), "seed");
    assert_same_tables(&c.sb(), &dd.sb(), "seed");
    // The seed's ovn-trace path, through the SB the daemon wrote.
    let flow = "inport == \"vm1\" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:03 && \
                ip4.src == 192.168.0.11 && ip4.dst == 192.168.1.11 && ip.ttl == 64";
    let trace = |lab: &Lab| {
        let out = common::run(
            std::process::Command::new("ovn-trace")
                .arg(format!("--db={}", lab.sb_sock()))
                .args(["--minimal", "network1", flow]),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let minimal = trace(&dd);
    assert_eq!(minimal.matches("ip.ttl--;").count(), 1, "{minimal}");
    assert!(
        minimal.trim_end().ends_with("output(\"vm2\");"),
        "{minimal}"
    );
    assert_eq!(minimal, trace(&c));
    let k = keys(&dd.sb());
    assert!(k.contains(&("vm1".into(), 1)), "{k:?}");
    assert!(k.contains(&("net1-router1".into(), 2)), "{k:?}");
    // NB write-backs: sb_cfg caught up, options filled in, router ports up.
    for lab in [&c, &dd] {
        let nb_cfg = lab.nbctl(&["get", "NB_Global", ".", "nb_cfg"]);
        assert_eq!(lab.nbctl(&["get", "NB_Global", ".", "sb_cfg"]), nb_cfg);
        assert_eq!(
            lab.nbctl(&["get", "Logical_Switch_Port", "net1-router1", "up"])
                .trim(),
            "true"
        );
        assert_eq!(
            lab.nbctl(&["get", "Logical_Switch_Port", "vm1", "up"])
                .trim(),
            "false"
        );
    }
    let opts = |lab: &Lab| {
        let o = lab.nbctl(&["get", "NB_Global", ".", "options"]);
        [
            "max_tunid",
            "northd_internal_version",
            "mac_prefix",
            "svc_monitor_mac",
        ]
        .iter()
        .all(|k| o.contains(k))
    };
    assert!(
        opts(&dd),
        "{}",
        dd.nbctl(&["get", "NB_Global", ".", "options"])
    );
    assert_eq!(dd.appctl("dd", &["status"]), "Status: active\n");
    for args in [
        ["debug/chassis-features-list"],
        ["is-paused"],
        ["sb-connection-status"],
    ] {
        assert_eq!(
            dd.appctl("dd", &args),
            c.appctl("northd", &args),
            "{args:?}"
        );
    }
    c.sbctl(&[
        "set",
        "Chassis",
        "worker1",
        "other_config:ct-no-masked-label=true",
    ]);
    c.sbctl(&[
        "set",
        "Chassis",
        "worker2",
        "other_config:ct-no-masked-label=true",
    ]);
    dd.sbctl(&[
        "set",
        "Chassis",
        "worker1",
        "other_config:ct-no-masked-label=true",
    ]);
    dd.sbctl(&[
        "set",
        "Chassis",
        "worker2",
        "other_config:ct-no-masked-label=true",
    ]);
    c.sync();
    dd.sync();
    let features = dd.appctl("dd", &["debug/chassis-features-list"]);
    assert!(
        features.starts_with("ct_no_masked_label:    true\n"),
        "{features}"
    );
    assert_eq!(
        features,
        c.appctl("northd", &["debug/chassis-features-list"])
    );
    assert_same_flows(&c.dump_flows(), &dd.dump_flows(), "seed with a feature");
    // Once written, logical flows are no longer held in the SB replica.
    let mem = dd.appctl("dd", &["memory/show"]);
    let sb_rows: usize = mem
        .split_whitespace()
        .find_map(|w| w.strip_prefix("sb-rows:"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{mem}"));
    let flows = dd.sbctl(&["--bare", "--columns=_uuid", "list", "Logical_Flow"]);
    let flows = flows.lines().filter(|l| !l.is_empty()).count();
    assert!(flows > 100 && sb_rows < flows, "{mem} with {flows} flows");
}

#[test]
fn restart_writes_nothing_and_keeps_every_key() {
    let mut lab = Lab::with_ovn_dd();
    lab.script(SEED);
    lab.sync();
    let before = keys(&lab.sb());
    let flows = lab.dump_flows();
    lab.stop("dd", "TERM");
    let txns = sb_txns(&lab);
    lab.start_ovn_dd("dd2");
    eventually("ovn-dd active", || {
        lab.appctl("dd2", &["status"]) == "Status: active\n"
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sb_txns(&lab), txns, "a restart wrote to the SB");
    // A sync with nothing changed writes SB_Global.nb_cfg only, as ovn-northd does.
    lab.sync();
    assert_eq!(sb_txns(&lab), txns + 1);
    assert_eq!(keys(&lab.sb()), before);
    assert_eq!(lab.dump_flows(), flows);
    // And it carries on incrementally.
    lab.nbctl(&["--wait=sb", "lsp-add", "network1", "vm3"]);
    let k = keys(&lab.sb());
    assert!(k.contains(&("vm3".into(), 3)), "{k:?}");
}

#[test]
fn takes_over_an_sb_written_by_the_c_daemon() {
    let mut lab = Lab::with_northd();
    lab.script(SEED);
    lab.nbctl(&["lsp-add", "network2", "vm9"]);
    lab.nbctl(&["lsp-del", "vm1"]);
    lab.sync();
    let theirs = lab.sb();
    let flows = lab.dump_flows();
    lab.stop("northd", "TERM");
    let txns = sb_txns(&lab);
    lab.start_ovn_dd("dd");
    eventually("ovn-dd active", || {
        lab.appctl("dd", &["status"]) == "Status: active\n"
    });
    lab.sync();
    let ours = lab.sb();
    assert_eq!(keys(&ours), keys(&theirs), "a tunnel key was renumbered");
    assert_same_flows(&flows, &lab.dump_flows(), "after the takeover");
    assert_same_tables(&theirs, &ours, "after the takeover");
    // Logical flows get content-derived UUIDs, so the takeover rewrites them once;
    // every other row stays as the C daemon wrote it.
    let written = sb_txns(&lab) - txns;
    assert!(written <= 2, "{written} SB transactions for a takeover");
    let pb_uuids = |db: &Database| db.table("Port_Binding").keys().copied().collect::<Vec<_>>();
    assert_eq!(pb_uuids(&ours), pb_uuids(&theirs));
}

#[test]
fn one_active_instance_and_pause_resume() {
    let mut lab = Lab::with_ovn_dd();
    lab.start_ovn_dd("dd2");
    lab.script(SEED);
    lab.sync();
    let status = |t: &str| lab.appctl(t, &["status"]);
    eventually("one active, one standby", || {
        let mut s = [status("dd"), status("dd2")];
        s.sort();
        s == ["Status: active\n", "Status: standby\n"]
    });
    let (active, standby) = if status("dd") == "Status: active\n" {
        ("dd", "dd2")
    } else {
        ("dd2", "dd")
    };
    assert_eq!(lab.appctl(standby, &["is-paused"]), "false\n");
    // pause hands the lock over; resume waits as standby.
    lab.appctl(active, &["pause"]);
    assert_eq!(lab.appctl(active, &["is-paused"]), "true\n");
    assert_eq!(status(active), "Status: paused\n");
    eventually("the other takes over", || {
        status(standby) == "Status: active\n"
    });
    lab.nbctl(&["--wait=sb", "--timeout=30", "lsp-add", "network1", "vm3"]);
    lab.appctl(active, &["resume"]);
    eventually("resumed as standby", || {
        status(active) == "Status: standby\n"
    });
    // kill -9 the active one: the standby takes over and converges.
    lab.stop(standby, "KILL");
    eventually("failover", || status(active) == "Status: active\n");
    lab.nbctl(&["--wait=sb", "--timeout=30", "lsp-add", "network2", "vm4"]);
    let k = keys(&lab.sb());
    assert!(k.iter().any(|(n, _)| n == "vm4"), "{k:?}");
    assert_eq!(lab.appctl(active, &["sb-connection-status"]), "connected\n");
    assert_eq!(lab.appctl(active, &["nb-connection-status"]), "connected\n");
}

#[test]
fn converges_after_the_sb_server_restarts() {
    let mut lab = Lab::with_ovn_dd();
    lab.script(SEED);
    lab.sync();
    let before = keys(&lab.sb());
    let flows = lab.dump_flows();
    // Stop the SB server, change the NB meanwhile, start the SB server again.
    lab.stop("sb", "TERM");
    lab.nbctl(&["lsp-add", "network2", "vm5"]);
    lab.nbctl(&["lsp-del", "vm2"]);
    let sb_file = lab.sb_file();
    lab.server("sb", &sb_file);
    lab.nbctl(&["--wait=sb", "--timeout=30", "sync"]);
    let after = keys(&lab.sb());
    for (name, key) in &before {
        if name != "vm2" {
            assert!(
                after.contains(&(name.clone(), *key)),
                "{name} lost key {key}: {after:?}"
            );
        }
    }
    assert!(after.iter().any(|(n, _)| n == "vm5"), "{after:?}");
    assert!(!after.iter().any(|(n, _)| n == "vm2"), "{after:?}");
    assert_ne!(lab.dump_flows(), flows);
    // The same as the real ovn-northd computes for this NB.
    let c = Lab::with_northd_on(&lab.nb_file());
    c.script("ovn-sbctl chassis-add worker1 geneve 127.0.0.2\novn-sbctl chassis-add worker2 geneve 127.0.0.3");
    c.sync();
    assert_same_flows(&c.dump_flows(), &lab.dump_flows(), "after the SB restart");
    assert_eq!(lab.appctl("dd", &["sb-connection-status"]), "connected\n");
}

#[test]
fn vjsonrpc_logs_each_transaction_as_ovn_northd_does() {
    let mut lab = Lab::databases_only();
    lab.start_ovn_dd_with("dd", &["-vjsonrpc"]);
    lab.nbctl(&["--wait=sb", "--timeout=30", "ls-add", "sw0"]);
    let log = std::fs::read_to_string(lab.dir.path().join("dd.log")).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("|jsonrpc|DBG|") && l.contains("send request, method=\"transact\""))
        .unwrap_or_else(|| panic!("no transact request logged:\n{log}"));
    assert!(line.contains("sb.sock: send request"), "{line}");
    assert!(log.contains("received reply, result="), "{log}");
    assert!(
        log.contains("received notification, method=\"update3\""),
        "{log}"
    );
}

#[test]
fn ipsec_and_nb_cfg_reach_sb_global() {
    let lab = Lab::with_ovn_dd();
    lab.script(SEED);
    lab.nbctl(&["--wait=sb", "set", "NB_Global", ".", "ipsec=true"]);
    assert_eq!(
        lab.sbctl(&["get", "SB_Global", ".", "ipsec"]).trim(),
        "true"
    );
    let nb_cfg = lab.nbctl(&["get", "NB_Global", ".", "nb_cfg"]);
    assert_eq!(lab.sbctl(&["get", "SB_Global", ".", "nb_cfg"]), nb_cfg);
    lab.nbctl(&["--wait=sb", "set", "NB_Global", ".", "ipsec=false"]);
    assert_eq!(
        lab.sbctl(&["get", "SB_Global", ".", "ipsec"]).trim(),
        "false"
    );
}

#[test]
fn a_first_write_in_pieces_gives_the_same_southbound() {
    // The seed written by a daemon that cuts its first write into transactions of 20
    // rows, against ovn-northd's.
    let c = Lab::with_northd();
    c.script(SEED);
    c.sync();
    let mut dd = Lab::databases_only();
    dd.script(SEED);
    let before = sb_txns(&dd);
    dd.start_ovn_dd_env("dd", &[], &[("OVN_DD_ROWS_PER_TXN", "20")]);
    dd.sync();
    let flows = dd.sbctl(&["--bare", "--columns=_uuid", "list", "Logical_Flow"]);
    let flows = flows.lines().filter(|l| !l.is_empty()).count();
    let written = sb_txns(&dd) - before;
    assert!(
        flows > 100 && written >= flows / 20,
        "{written} SB transactions for {flows} flows"
    );
    assert_same_flows(&c.dump_flows(), &dd.dump_flows(), "seed in pieces");
    assert_same_tables_but(&c.sb(), &dd.sb(), "seed in pieces", unkeyed);
    let log = std::fs::read_to_string(dd.dir.path().join("dd.log")).unwrap();
    assert!(!log.contains("transaction failed"), "{log}");
}

/// With `ignore_lsp_down=false` the ARP responder follows `Logical_Switch_Port.up`; the
/// daemon's inputs carry `up` only then, so turning the option on and off, and ports
/// going up, must still give ovn-northd's flows at each step.
#[test]
fn port_up_matters_only_when_ignore_lsp_down_is_false() {
    let c = Lab::with_northd();
    let dd = Lab::with_ovn_dd();
    let arp_for_vm1 = |lab: &Lab| {
        lab.dump_flows()
            .lines()
            .filter(|l| l.contains("ls_in_arp_rsp") && l.contains("arp.tpa == 192.168.0.11"))
            .count()
    };
    let steps: &[(&str, &[&str])] = &[
        ("seed", &[]),
        // Bound to a chassis without port-up-notif, the port is up.
        ("vm1 up", &["sb:lsp-bind", "vm1", "worker1"]),
        // Ports that are down (vm2) lose their responder; vm1 keeps its own.
        (
            "ignore_lsp_down=false",
            &["set", "NB_Global", ".", "options:ignore_lsp_down=false"],
        ),
        ("vm1 down", &["sb:lsp-unbind", "vm1"]),
        (
            "ignore_lsp_down=true",
            &["set", "NB_Global", ".", "options:ignore_lsp_down=true"],
        ),
    ];
    let mut seen = Vec::new();
    for (what, cmd) in steps {
        for lab in [&c, &dd] {
            match cmd.split_first() {
                None => lab.script(SEED),
                Some((sb, rest)) if sb.starts_with("sb:") => {
                    let mut args = vec![&sb[3..]];
                    args.extend(rest);
                    lab.sbctl(&args);
                }
                Some(_) => {
                    lab.nbctl(cmd);
                }
            }
            lab.sync();
            // The write-back of `up` is one more round: wait for it to reach the flows.
            lab.sync();
        }
        assert_same_flows(&c.dump_flows(), &dd.dump_flows(), what);
        seen.push(arp_for_vm1(&dd));
    }
    // The responder for vm1 stays while it is up, goes when it goes down, and comes
    // back once down ports count again.
    assert!(seen[..3].iter().all(|n| *n > 0), "{seen:?}");
    assert!(seen[3] == 0 && seen[4] > 0, "{seen:?}");
    assert_eq!(dd.appctl("dd", &["inc-engine/recompute"]), "");
    let log = std::fs::read_to_string(dd.dir.path().join("dd.log")).unwrap();
    assert!(log.contains("the incremental state is exact"), "{log}");
}

/// A transit switch as ovn-ic makes it (`interconn-ts`, a requested key above the local
/// range) with a local router port and a remote port that request their keys; in VXLAN
/// mode too, where only a transit switch may have a requested key above 4095 (a key
/// already held is kept either way, as by ovn-northd). The keys are the C daemon's
/// (compared unmasked).
#[test]
fn transit_switches_keep_their_requested_keys() {
    let ts = r#"
ovn-nbctl ls-add ts1 -- set Logical_Switch ts1 other_config:interconn-ts=ts1 other_config:requested-tnl-key=16711682
ovn-nbctl ls-add big -- set Logical_Switch big other_config:requested-tnl-key=5000
ovn-nbctl lr-add lr1
ovn-nbctl lrp-add lr1 lrp-lr1-ts1 aa:aa:aa:aa:aa:01 169.254.100.1/24
ovn-nbctl lrp-set-gateway-chassis lrp-lr1-ts1 gw1
ovn-nbctl lsp-add ts1 lsp-ts1-lr1 -- lsp-set-type lsp-ts1-lr1 router -- lsp-set-addresses lsp-ts1-lr1 router -- lsp-set-options lsp-ts1-lr1 router-port=lrp-lr1-ts1 requested-tnl-key=3
ovn-nbctl lsp-add ts1 lsp-ts1-lr2 -- lsp-set-type lsp-ts1-lr2 remote -- lsp-set-addresses lsp-ts1-lr2 "aa:aa:aa:aa:aa:02 169.254.100.2/24" -- lsp-set-options lsp-ts1-lr2 requested-tnl-key=2
"#;
    for (encap, chassis_first) in [("geneve", true), ("vxlan", true), ("vxlan", false)] {
        let c = Lab::with_northd();
        let dd = Lab::with_ovn_dd();
        for lab in [&c, &dd] {
            let chassis = || {
                lab.sbctl(&["chassis-add", "gw1", encap, "127.0.0.2"]);
                lab.sync();
            };
            if chassis_first {
                chassis();
            }
            lab.script(ts);
            lab.sync();
            if !chassis_first {
                chassis();
            }
        }
        assert_same_flows(&c.dump_flows(), &dd.dump_flows(), encap);
        assert_same_tables(&c.sb(), &dd.sb(), encap);
        let key = |lab: &Lab, name: &str| {
            let dps = lab.sbctl(&[
                "--bare",
                "--columns=tunnel_key,external_ids",
                "list",
                "Datapath_Binding",
            ]);
            dps.split("\n\n")
                .find(|r| r.contains(&format!("name={name}")))
                .and_then(|r| r.lines().next().map(str::to_string))
                .unwrap_or_default()
        };
        assert_eq!(key(&dd, "ts1"), "16711682", "{encap}");
        let rejected = encap == "vxlan" && chassis_first;
        assert_eq!(key(&dd, "big") == "5000", !rejected, "{encap}");
    }
}
