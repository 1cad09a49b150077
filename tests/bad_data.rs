//! Bad NB data: malformed MACs, addresses, networks and routes, unknown port types and
//! name clashes. ovn-dd must warn about each bad row (naming it), skip it, translate
//! everything else exactly as the real ovn-northd does, and never panic.

mod common;

use std::process::Command;

use common::{Lab, assert_same_flows, ovn_dd, run};

fn nbctl_raw(lab: &Lab, args: &[&str]) {
    lab.nbctl(args);
}

fn bad_topology(lab: &Lab) {
    lab.nbctl(&["ls-add", "sw0"]);
    lab.nbctl(&[
        "lsp-add",
        "sw0",
        "good",
        "--",
        "lsp-set-addresses",
        "good",
        "00:00:00:00:00:01 10.0.0.11",
    ]);
    // An address entry without a MAC, and one with trailing junk.
    nbctl_raw(
        lab,
        &[
            "lsp-add",
            "sw0",
            "badaddr",
            "--",
            "set",
            "Logical_Switch_Port",
            "badaddr",
            "addresses=\"zz:zz 1.2.3.4\"",
        ],
    );
    nbctl_raw(
        lab,
        &[
            "lsp-add",
            "sw0",
            "junk",
            "--",
            "set",
            "Logical_Switch_Port",
            "junk",
            "addresses=\"00:00:00:00:00:09 10.0.0.9 junk 10.0.0.19\"",
        ],
    );
    // Port security without a MAC.
    nbctl_raw(
        lab,
        &[
            "lsp-add",
            "sw0",
            "badps",
            "--",
            "lsp-set-addresses",
            "badps",
            "00:00:00:00:00:05 10.0.0.5",
            "--",
            "set",
            "Logical_Switch_Port",
            "badps",
            "port_security=bogus",
        ],
    );
    // An unknown port type.
    nbctl_raw(
        lab,
        &[
            "lsp-add",
            "sw0",
            "weird",
            "--",
            "set",
            "Logical_Switch_Port",
            "weird",
            "type=foo",
            "addresses=\"00:00:00:00:00:06 10.0.0.6\"",
        ],
    );
    lab.nbctl(&["lr-add", "lr0"]);
    lab.nbctl(&[
        "lrp-add",
        "lr0",
        "lr0-sw0",
        "00:00:00:00:ff:01",
        "10.0.0.1/24",
    ]);
    lab.nbctl(&[
        "lsp-add",
        "sw0",
        "sw0-lr0",
        "--",
        "lsp-set-type",
        "sw0-lr0",
        "router",
        "--",
        "lsp-set-addresses",
        "sw0-lr0",
        "router",
        "--",
        "lsp-set-options",
        "sw0-lr0",
        "router-port=lr0-sw0",
    ]);
    // A router port with a bad MAC, one with bad networks.
    nbctl_raw(
        lab,
        &[
            "--id=@p",
            "create",
            "Logical_Router_Port",
            "name=badmac",
            "mac=zz",
            "networks=10.5.0.1/24",
            "--",
            "add",
            "Logical_Router",
            "lr0",
            "ports",
            "@p",
        ],
    );
    nbctl_raw(
        lab,
        &[
            "--id=@p",
            "create",
            "Logical_Router_Port",
            "name=badnets",
            "mac=\"00:00:00:00:ff:02\"",
            "networks=[\"10.6.0.1/24\",\"junk\",\"0.0.0.0/24\"]",
            "--",
            "add",
            "Logical_Router",
            "lr0",
            "ports",
            "@p",
        ],
    );
    // Static routes: an out-of-range octet (OVS's %hhu scanning wraps 300 to 44, as in
    // ovn-northd), bad next hop, family mismatch, no path, bad out port, one good.
    for (prefix, nexthop, extra) in [
        ("300.1.2.0/24", "10.0.0.2", ""),
        ("10.20.0.0/16", "not-an-ip", ""),
        ("10.21.0.0/16", "fd00::1", ""),
        ("10.22.0.0/16", "192.0.2.1", ""),
        ("10.23.0.0/16", "10.0.0.2", "output_port=nowhere"),
        ("10.24.0.0/16", "10.0.0.2", ""),
    ] {
        let mut args = vec![
            "--id=@r".to_string(),
            "create".into(),
            "Logical_Router_Static_Route".into(),
            format!("ip_prefix=\"{prefix}\""),
            format!("nexthop=\"{nexthop}\""),
        ];
        if !extra.is_empty() {
            args.push(extra.into());
        }
        args.extend(
            ["--", "add", "Logical_Router", "lr0", "static_routes", "@r"].map(String::from),
        );
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        nbctl_raw(lab, &a);
    }
}

#[test]
fn bad_rows_are_skipped_with_a_warning_and_the_rest_matches_ovn_northd() {
    let lab = Lab::with_northd();
    bad_topology(&lab);
    lab.sync();
    let expected = lab.dump_flows();
    let (nb, sb) = (lab.nb_file(), lab.sb_file());
    let out = Command::new(ovn_dd())
        .args([
            "compute",
            "--nb",
            nb.to_str().unwrap(),
            "--sb",
            sb.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ovn-dd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actual = String::from_utf8(out.stdout).unwrap();
    assert_same_flows(&expected, &actual, "bad data");
    let warnings = String::from_utf8(out.stderr).unwrap();
    for needle in [
        "'zz:zz 1.2.3.4'",
        "badps",
        "Unknown port type 'foo'",
        "bad 'mac' zz",
        "'junk' in networks",
        "bad 'networks' 0.0.0.0/24",
        "bad 'nexthop' not-an-ip",
        "Address family doesn't match",
        "No path for static route 10.22.0.0/16",
        "Bad out port nowhere",
    ] {
        assert!(
            warnings.contains(needle),
            "no warning containing {needle:?} in:\n{warnings}"
        );
    }
    // Every warning names its row's table and UUID.
    for line in warnings.lines() {
        assert!(
            line.contains("Logical_") || line.contains("NB_Global"),
            "warning without a row: {line}"
        );
    }
}

/// A switch port and a router port with the same name: ovn-northd keeps whichever its
/// hash table visits first; ovn-dd keeps the router port, warns about the switch port,
/// and translates everything else.
#[test]
fn a_port_name_clash_keeps_the_router_port() {
    let lab = Lab::with_northd();
    lab.nbctl(&["ls-add", "sw0"]);
    lab.nbctl(&["lr-add", "lr0"]);
    lab.nbctl(&[
        "lsp-add",
        "sw0",
        "vm",
        "--",
        "lsp-set-addresses",
        "vm",
        "00:00:00:00:00:01 10.0.0.11",
    ]);
    // A switch port and a router port with the same name.
    nbctl_raw(
        &lab,
        &[
            "--id=@p",
            "create",
            "Logical_Router_Port",
            "name=clash",
            "mac=\"00:00:00:00:ff:03\"",
            "networks=10.7.0.1/24",
            "--",
            "add",
            "Logical_Router",
            "lr0",
            "ports",
            "@p",
        ],
    );
    nbctl_raw(
        &lab,
        &[
            "lsp-add",
            "sw0",
            "clash",
            "--",
            "lsp-set-addresses",
            "clash",
            "00:00:00:00:00:07 10.0.0.7",
        ],
    );
    lab.sync();
    let (nb, sb) = (lab.nb_file(), lab.sb_file());
    let out = Command::new(ovn_dd())
        .args([
            "compute",
            "--nb",
            nb.to_str().unwrap(),
            "--sb",
            sb.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let flows = String::from_utf8(out.stdout).unwrap();
    let warnings = String::from_utf8(out.stderr).unwrap();
    assert!(
        warnings.contains("duplicate logical port clash"),
        "{warnings}"
    );
    assert!(
        flows.contains("match=(eth.mcast && inport == \"clash\")"),
        "the router port is translated"
    );
    assert!(
        !flows.contains("outport = \"clash\"; output;"),
        "the switch port is not"
    );
    assert!(
        flows.contains("outport = \"vm\"; output;"),
        "the rest is translated"
    );
}

#[test]
fn a_truncated_database_file_is_an_error_not_a_panic() {
    let lab = Lab::with_northd();
    lab.nbctl(&["ls-add", "sw0"]);
    lab.sync();
    let bytes = std::fs::read(lab.nb_file()).unwrap();
    let d = common::TempDir::new("trunc");
    for cut in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 5] {
        let p = d.path().join(format!("nb-{cut}.db"));
        let mut b = bytes[..cut].to_vec();
        b.extend_from_slice(b"garbage that is not a record\n");
        std::fs::write(&p, b).unwrap();
        let out = Command::new(ovn_dd())
            .args(["compute", "--nb", p.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("panicked"),
            "panic on a file cut at {cut}: {err}"
        );
    }
    let _ = run;
}
