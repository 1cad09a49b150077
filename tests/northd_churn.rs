//! Live churn: about a thousand T1 NB changes (random topologies built command by
//! command, then torn down in random order), each applied with `--wait=sb` to a running
//! `ovn-dd northd`. Every 50 changes, the real ovn-northd computes the Southbound for a
//! copy of the same NB (same row UUIDs, which order ECMP members and more) and both
//! Southbounds must agree, tunnel-key numbering aside.

mod common;

use std::collections::BTreeSet;

use common::topology::{Rng, sb_summary, topology};
use common::{Lab, assert_same_flows};

/// The summary without tunnel keys (the two daemons may number re-added rows apart).
fn unkeyed(lab: &Lab) -> BTreeSet<String> {
    sb_summary(&lab.sb())
        .into_iter()
        .map(|l| {
            l.split(' ')
                .filter(|w| !w.starts_with("key="))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn compare(dd: &Lab, chassis: bool, what: &str) {
    dd.sync();
    let c = Lab::with_northd_on(&dd.nb_file());
    if chassis {
        c.sbctl(&["chassis-add", "hv1", "geneve", "127.0.0.9"]);
    }
    c.sync();
    assert_same_flows(&c.dump_flows(), &dd.dump_flows(), what);
    let (a, b) = (unkeyed(&c), unkeyed(dd));
    let missing: Vec<_> = a.difference(&b).collect();
    let extra: Vec<_> = b.difference(&a).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: SB rows differ\nonly in ovn-northd: {missing:#?}\nonly in ovn-dd: {extra:#?}"
    );
}

#[test]
fn a_thousand_changes_one_by_one_match_ovn_northd() {
    let dd = Lab::with_ovn_dd();
    dd.sync();
    let baseline = dd.appctl("dd", &["memory/show"]);
    let mut changes = 0;
    let mut since_check = 0;
    let mut seed = 100;
    let apply = |args: &[String], changes: &mut usize, since: &mut usize| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut waited = vec!["--wait=sb", "--timeout=30"];
        waited.extend(&args);
        dd.nbctl(&waited);
        *changes += 1;
        *since += 1;
    };
    while changes < 1000 {
        seed += 1;
        let (cmds, chassis) = topology(seed);
        if chassis {
            dd.sbctl(&["chassis-add", "hv1", "geneve", "127.0.0.9"]);
        }
        let mut roots = Vec::new();
        for cmd in &cmds {
            apply(cmd, &mut changes, &mut since_check);
            match cmd[0].as_str() {
                "ls-add" | "lr-add" | "ha-chassis-group-add" => {
                    roots.push((cmd[0].clone(), cmd[1].clone()))
                }
                _ => {}
            }
            if since_check >= 50 {
                compare(
                    &dd,
                    chassis,
                    &format!("seed {seed} after {changes} changes"),
                );
                since_check = 0;
            }
        }
        // Tear down in random order (HA groups last: routers refer to them).
        let mut r = Rng::new(seed);
        let (mut ha, mut rest): (Vec<_>, Vec<_>) = roots
            .into_iter()
            .partition(|(k, _)| k == "ha-chassis-group-add");
        for i in (1..rest.len()).rev() {
            rest.swap(i, r.below(i as u64 + 1) as usize);
        }
        rest.append(&mut ha);
        for (kind, name) in rest {
            let del = match kind.as_str() {
                "ls-add" => "ls-del",
                "lr-add" => "lr-del",
                _ => "ha-chassis-group-del",
            };
            apply(&[del.to_string(), name], &mut changes, &mut since_check);
            if since_check >= 50 {
                compare(
                    &dd,
                    chassis,
                    &format!("seed {seed} teardown, {changes} changes"),
                );
                since_check = 0;
            }
        }
        if chassis {
            dd.sbctl(&["chassis-del", "hv1"]);
        }
    }
    compare(&dd, false, "the end");
    // Everything was torn down: nothing of it may stay behind in the daemon's inputs or
    // layout. (Output rows are checked by the recomputation below: NB_Global options the
    // topologies set stay, and with them SB_Global options.)
    let end = dd.appctl("dd", &["memory/show"]);
    let counts = |m: &str| -> Vec<String> {
        m.split_whitespace()
            .filter(|w| w.starts_with("inputs:") || w.starts_with("layout-entries:"))
            .map(String::from)
            .collect()
    };
    assert_eq!(
        counts(&end),
        counts(&baseline),
        "memory/show before and after"
    );
    // The incremental state agrees with a recomputation from scratch.
    dd.appctl("dd", &["inc-engine/recompute"]);
    let stats = dd.appctl("dd", &["inc-engine/show-stats"]);
    assert!(stats.contains("recompute differences: 0"), "{stats}");
}
