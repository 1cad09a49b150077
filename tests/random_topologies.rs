//! Randomly generated T1 topologies (seeded, reproducible): switches, VIF ports with
//! random MAC/IPv4/IPv6, port security, `unknown`, disabled ports, localports, remote
//! ports, routers, router ports, static routes and gateway ports. For each, ovn-dd's
//! flows must be identical to the real ovn-northd's, and so must the Port_Binding,
//! Datapath_Binding and Multicast_Group rows.

mod common;

use adapters::dbfile;
use common::topology::{sb_summary, topology};
use common::{Lab, TempDir, assert_same_flows, compute};

/// Runs one topology; returns ovn-northd's flows.
fn check(seed: u64) -> String {
    let (cmds, chassis) = topology(seed);
    let lab = Lab::with_northd();
    lab.nbctl_batch(&cmds);
    if chassis {
        lab.sbctl(&["chassis-add", "hv1", "geneve", "127.0.0.9"]);
    }
    lab.sync();
    let expected = lab.dump_flows();
    let out = TempDir::new("sbout");
    let sb_out = out.path().join("sb.db");
    let (nb, sb) = (lab.nb_file(), lab.sb_file());
    let actual = compute(&[
        "--nb",
        nb.to_str().unwrap(),
        "--sb",
        sb.to_str().unwrap(),
        "--sb-out",
        sb_out.to_str().unwrap(),
    ]);
    let what = format!("random topology seed {seed} ({} commands)", cmds.len());
    assert_same_flows(&expected, &actual, &what);
    let theirs = sb_summary(&dbfile::read(&sb).unwrap());
    let ours = sb_summary(&dbfile::read(&sb_out).unwrap());
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: SB rows differ\nonly in ovn-northd: {missing:#?}\nonly in ovn-dd: {extra:#?}"
    );
    expected
}

#[test]
fn fifty_random_topologies_match_ovn_northd() {
    let mut all = String::new();
    for seed in 1..=60 {
        all.push_str(&check(seed));
    }
    // The generator must have exercised what it claims to.
    for feature in [
        "is_chassis_resident(", // distributed gateway ports
        "arp.spa == 203.0.113.0/24 && is_chassis_resident(\"cr-lr0-ext\")", // ... on a localnet switch
        "reg0== ",                           // directly peered routers
        "select(",                           // ECMP routes
        "ct_lb;",                            // a chassis without ct-no-masked-label
        "ct_lb_mark;",                       // no such chassis
        "nd_na_router",                      // router port ND responder
        "_MC_unknown",                       // unknown addresses
        "reg7 == 0 && ip6.dst",              // IPv6 static routes
        "reg7 == 0 && ip4.dst == 0.0.0.0/0", // default routes
        "ip4.src == 10.",                    // source routes
        "lookup_fdb",                        // FDB learning
        "reg0[15] = 1; next;",               // disabled ports
        "inport == \"pb-pa\" && reg7 == 0 && ip6.dst == fe80::/64", // route to a link-local prefix
    ] {
        assert!(
            all.contains(feature),
            "no generated topology produced {feature:?}"
        );
    }
}
