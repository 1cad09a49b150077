//! ovn-ic scenarios on the control plane (fake chassis, no ovn-controller), each a
//! function of the implementations that run the daemons, with one `#[test]` per
//! combination that runs today:
//!
//! - removal: whatever ovn-ic derived from a transit switch, a gateway, a transit-switch
//!   router port or an advertised route goes away with it, in every database;
//! - interop: one zone's ovn-ic is the C one, the other's the implementation under test;
//!   the seed still works and every database holds what an all-C deployment holds;
//! - the upstream acceptance tests of tests/ovn-ic.at (v23.03.1), with their expected
//!   texts (/work/notes/ovn-ic-spec.md §12; gateways are fake chassis here);
//! - the transit-switch race: three zones' ovn-ic daemons see 20 new transit switches
//!   at once.
//!
//! Where 23.03.1 has a bug that ovn-dd fixes (spec §7.8, §3), the expectation holds
//! only for the other implementations (`fixed(ic)`), and the C behaviour is noted.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::hv::eventually;
use common::ic::{
    Daemon, IcLab, Impl, SEED_EAST_SB_SHOW, SEED_IC_SB_SHOW, Snapshot, Zone, ZoneConfig,
    assert_same, assert_show_eq, check_seed_control_plane, mask_uuids, seed_on_fake_chassis,
    wait_learned, wait_show, wait_text,
};

fn who(northd: Impl, ic: Impl) -> String {
    format!("northd {}, ic {}", northd.label(), ic.label())
}

/// Whether `ic` has the bugs of 23.03.1 that ovn-dd fixes (spec §7.8, §3).
fn fixed(ic: Impl) -> bool {
    ic != Impl::C
}

/// Waits until `read()` returns `expected` exactly.
fn wait_eq(what: &str, expected: &str, read: impl Fn() -> String) {
    eventually(what, 30, || {
        let t = read();
        if t == expected {
            Ok(())
        } else {
            Err(format!("{t}--- expected:\n{expected}"))
        }
    });
}

/// A route table of `ovn-nbctl lr-route-list`: its name and its (prefix, nexthop, rest).
type Table<'a> = (&'a str, &'a [(&'a str, &'a str, &'a str)]);

/// `ovn-nbctl lr-route-list` text: per route table (in order) its routes as
/// (prefix, nexthop, the rest), printed as `%25s %25s %s`.
fn routes(v4: &[Table], v6: &[Table]) -> String {
    let mut s = String::new();
    for (family, tables) in [("IPv4", v4), ("IPv6", v6)] {
        if tables.is_empty() {
            continue;
        }
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(&format!("{family} Routes\n"));
        for (i, (table, rows)) in tables.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&format!("Route Table {table}:\n"));
            for (p, n, rest) in *rows {
                s.push_str(&format!("{p:>25} {n:>25} {rest}\n"));
            }
        }
    }
    s
}

/// The (prefix, nexthop) of the learned routes of `lr`, sorted.
fn learned(z: &Zone, lr: &str, table: Option<&str>) -> Vec<(String, String)> {
    let rt = table.map(|t| format!("--route-table={t}"));
    let mut args: Vec<&str> = rt.iter().map(String::as_str).collect();
    args.extend(["lr-route-list", lr]);
    let mut v: Vec<(String, String)> = z
        .nbctl(&args)
        .lines()
        .filter(|l| l.contains("(learned)"))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), w[1].to_string())
        })
        .collect();
    v.sort();
    v
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

/// Waits until the learned routes of `lr` are `want`.
fn wait_learned_set(z: &Zone, lr: &str, table: Option<&str>, want: &[(&str, &str)]) {
    let want = pairs(want);
    eventually(
        &format!("{}: {lr} learns exactly {want:?}", z.name),
        30,
        || {
            let got = learned(z, lr, table);
            if got == want {
                Ok(())
            } else {
                Err(format!("{got:?}\n{}", z.nbctl(&["lr-route-list", lr])))
            }
        },
    );
}

/// A router `lr` with port `lrp` (`mac`, `networks`) on transit switch `ts` through the
/// router-type port `lsp` (one transaction, as ovn-architecture(7) does it).
fn ts_router(z: &Zone, ts: &str, lr: &str, lrp: &str, mac: &str, networks: &[&str], lsp: &str) {
    z.nbctl(&["--may-exist", "lr-add", lr]);
    let mut args = vec!["lrp-add", lr, lrp, mac];
    args.extend(networks);
    z.nbctl(&args);
    z.wait_ls(ts);
    let opt = format!("router-port={lrp}");
    z.nbctl(&[
        "lsp-add",
        ts,
        lsp,
        "--",
        "lsp-set-addresses",
        lsp,
        "router",
        "--",
        "lsp-set-type",
        lsp,
        "router",
        "--",
        "lsp-set-options",
        lsp,
        &opt,
    ]);
}

/// Rows of snapshot table `table` that contain any of `needles`.
fn rows_with<'a>(snap: &'a Snapshot, table: &str, needles: &[&str]) -> Vec<&'a String> {
    snap.rows(table)
        .iter()
        .filter(|r| needles.iter().any(|n| r.contains(n)))
        .collect()
}

/// Waits until no row of any of `tables` contains any of `needles`.
fn wait_gone(lab: &IcLab, what: &str, tables: &[&str], needles: &[&str]) {
    eventually(what, 30, || {
        let snap = lab.snapshot();
        let left: Vec<String> = tables
            .iter()
            .flat_map(|t| {
                rows_with(&snap, t, needles)
                    .into_iter()
                    .map(move |r| format!("{t}: {r}"))
            })
            .collect();
        if left.is_empty() {
            Ok(())
        } else {
            Err(left.join("\n"))
        }
    });
}

/// The names of every table of the lab's snapshot.
fn all_tables(lab: &IcLab) -> Vec<String> {
    lab.snapshot().tables.keys().cloned().collect()
}

// ---------------------------------------------------------------------------------------
// Removal.

/// The seed on fake chassis, converged.
fn seed_lab(northd: Impl, ic: Impl) -> IcLab {
    let lab = IcLab::with_zones(&["east", "west"], northd, ic);
    seed_on_fake_chassis(&lab);
    check_seed_control_plane(&lab, &who(northd, ic));
    lab
}

/// `ovn-ic-nbctl ts-del ts1`: its IC-SB binding, ports and routes, both zones' NB switch
/// with its local and remote ports, the SB datapaths and port bindings go; the gateways
/// (not derived from the switch) stay.
fn removal_of_transit_switch(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = seed_lab(northd, ic);
    lab.ic_nbctl(&["ts-del", "ts1"]);
    let tables = all_tables(&lab);
    let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
    wait_gone(
        &lab,
        &format!("{who}: nothing of ts1 is left"),
        &tables,
        &["\"ts1\"", "(ts1)", "(ts1 ", "\"lsp-ts1-", "(lsp-ts1-"],
    );
    let snap = lab.settled_snapshot();
    assert_eq!(snap.rows("ic-sb Gateway").len(), 2, "{who}: gateways stay");
    for z in ["east", "west"] {
        assert_eq!(
            rows_with(&snap, &format!("{z} sb Chassis"), &["is-remote"]).len(),
            1,
            "{who}: {z}'s remote gateway stays"
        );
    }
    // The routes each router learned through ts1. 23.03.1 leaves them: once the router
    // has no port on a transit switch, route_run no longer visits it (spec §7.8.3).
    if fixed(ic) {
        for t in [
            "east nb Logical_Router_Static_Route",
            "west nb Logical_Router_Static_Route",
        ] {
            assert_eq!(
                rows_with(&snap, t, &["ic-learned-route"]),
                Vec::<&String>::new(),
                "{who}: learned routes stay after ts1 is gone"
            );
        }
    }
}

/// A gateway that stops being one (`is-interconn` removed) and a gateway chassis that is
/// deleted: its IC-SB Gateway and Encaps, the remote chassis in the other zone, and that
/// zone's binding of the remote port to it go; a gateway that comes back is carried over
/// again.
fn removal_of_gateway(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = seed_lab(northd, ic);
    let (east, west) = (lab.zone("east"), lab.zone("west"));

    west.sbctl(&[
        "remove",
        "Chassis",
        "gw_west",
        "other_config",
        "is-interconn",
    ]);
    wait_gone(
        &lab,
        &format!("{who}: gw_west is no gateway any more"),
        &[
            "ic-sb Gateway",
            "ic-sb Encap",
            "east sb Chassis",
            "east sb Encap",
        ],
        &["\"gw_west\"", "192.168.50.103"],
    );
    wait_text(
        &format!("{who}: east's remote port is unbound"),
        30,
        || {
            east.sbctl(&[
                "--bare",
                "--columns=chassis",
                "find",
                "Port_Binding",
                "logical_port=lsp-ts1-router_west",
            ])
        },
        |t| t.trim().is_empty(),
    );

    east.sbctl(&["chassis-del", "gw_east"]);
    wait_gone(
        &lab,
        &format!("{who}: gw_east is deleted"),
        &[
            "ic-sb Gateway",
            "ic-sb Encap",
            "west sb Chassis",
            "west sb Encap",
        ],
        &["\"gw_east\"", "192.168.50.102"],
    );
    wait_text(
        &format!("{who}: west's remote port is unbound"),
        30,
        || {
            west.sbctl(&[
                "--bare",
                "--columns=chassis",
                "find",
                "Port_Binding",
                "logical_port=lsp-ts1-router_east",
            ])
        },
        |t| t.trim().is_empty(),
    );
    // Its port has no gateway any more (its chassis-redirect port is unbound).
    wait_text(
        &format!("{who}: IC-SB lsp-ts1-router_east has no gateway"),
        30,
        || {
            lab.ic_sbctl(&[
                "--bare",
                "--columns=gateway",
                "find",
                "Port_Binding",
                "logical_port=lsp-ts1-router_east",
            ])
        },
        |t| t.trim().is_empty(),
    );

    // gw_west becomes a gateway again: back in IC-SB and in east, binding west's port.
    west.sbctl(&[
        "set",
        "Chassis",
        "gw_west",
        "other_config:is-interconn=true",
    ]);
    wait_text(
        &format!("{who}: east's remote port is bound to gw_west again"),
        30,
        || east.sbctl(&["show"]),
        |t| t.contains("Chassis gw_west") && t.contains("Port_Binding lsp-ts1-router_west"),
    );
    assert_eq!(
        lab.ic_sbctl(&["show"]),
        "availability-zone east\n\
         availability-zone west\n    gateway gw_west\n        hostname: gw-west\n        \
         type: geneve\n            ip: 192.168.50.103\n        port lsp-ts1-router_west\n            \
         transit switch: ts1\n            address: [\"aa:aa:aa:aa:aa:02 169.254.100.2/24\"]\n",
        "{who}"
    );
}

/// West's transit-switch router port is deleted: its IC-SB binding, east's remote port
/// and east's SB binding of it go.
fn removal_of_router_port(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = seed_lab(northd, ic);
    let (east, west) = (lab.zone("east"), lab.zone("west"));
    west.nbctl(&["lsp-del", "lsp-ts1-router_west"]);
    wait_gone(
        &lab,
        &format!("{who}: lsp-ts1-router_west is gone everywhere"),
        &[
            "ic-sb Port_Binding",
            "east nb Logical_Switch_Port",
            "east nb Logical_Switch",
            "east sb Port_Binding",
        ],
        &["lsp-ts1-router_west"],
    );
    assert!(
        !east.sbctl(&["show"]).contains("lsp-ts1-router_west"),
        "{who}: east still shows west's port"
    );
    // East's side is untouched.
    assert_eq!(
        lab.ic_sb_count("Port_Binding", &["logical_port=lsp-ts1-router_east"]),
        1
    );
    assert_eq!(
        west.nb_count("Logical_Switch_Port", &["name=lsp-ts1-router_east"]),
        1
    );
    // router_west no longer advertises nor learns through ts1. 23.03.1 keeps both: the
    // router has no transit-switch port left, so route_run skips it (spec §7.8.3).
    if fixed(ic) {
        wait_eq(
            &format!("{who}: router_west's advertisements are withdrawn"),
            "",
            || {
                lab.ic_sbctl(&[
                    "--bare",
                    "--columns=ip_prefix",
                    "find",
                    "Route",
                    "ip_prefix=\"192.168.2.1/24\"",
                ])
            },
        );
        wait_learned_set(east, "router_east", None, &[]);
        wait_learned_set(west, "router_west", None, &[]);
    }
}

/// A static route deleted, then advertisement switched off, then learning: the IC-SB
/// routes and the other zone's learned copies go.
fn route_withdrawal(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = seed_lab(northd, ic);
    let (east, west) = (lab.zone("east"), lab.zone("west"));
    east.nbctl(&[
        "lr-route-add",
        "router_east",
        "10.10.1.0/24",
        "192.168.1.10",
    ]);
    wait_learned_set(
        west,
        "router_west",
        None,
        &[
            ("10.10.1.0/24", "169.254.100.1"),
            ("192.168.1.0/24", "169.254.100.1"),
        ],
    );
    assert_eq!(
        lab.ic_sb_count("Route", &["ip_prefix=\"10.10.1.0/24\"", "origin=static"]),
        1,
        "{who}"
    );

    east.nbctl(&["lr-route-del", "router_east", "10.10.1.0/24"]);
    wait_learned_set(
        west,
        "router_west",
        None,
        &[("192.168.1.0/24", "169.254.100.1")],
    );
    assert_eq!(
        lab.ic_sb_count("Route", &["ip_prefix=\"10.10.1.0/24\""]),
        0,
        "{who}"
    );

    east.set_options(&[("ic-route-adv", "false")]);
    wait_learned_set(west, "router_west", None, &[]);
    wait_eq(&format!("{who}: east advertises nothing"), "", || {
        let az = lab.ic_sbctl(&[
            "--bare",
            "--columns=_uuid",
            "find",
            "Availability_Zone",
            "name=east",
        ]);
        lab.ic_sbctl(&[
            "--bare",
            "--columns=ip_prefix",
            "find",
            "Route",
            &format!("availability_zone={}", az.trim()),
        ])
    });
    assert_eq!(
        west.nbctl(&["lr-route-list", "router_west"]),
        "",
        "{who}: router_west has no route left"
    );
    // East still learns west's LAN; until learning is off too.
    wait_learned_set(
        east,
        "router_east",
        None,
        &[("192.168.2.0/24", "169.254.100.2")],
    );
    east.set_options(&[("ic-route-learn", "false")]);
    wait_eq(&format!("{who}: router_east learns nothing"), "", || {
        east.nbctl(&["lr-route-list", "router_east"])
    });
    // West's advertisement is untouched.
    assert_eq!(
        lab.ic_sb_count("Route", &["ip_prefix=\"192.168.2.1/24\""]),
        1,
        "{who}"
    );
}

#[test]
fn removal_of_transit_switch_c() {
    removal_of_transit_switch(Impl::C, Impl::C);
}

#[test]
fn removal_of_gateway_c() {
    removal_of_gateway(Impl::C, Impl::C);
}

#[test]
fn removal_of_router_port_c() {
    removal_of_router_port(Impl::C, Impl::C);
}

#[test]
fn route_withdrawal_c() {
    route_withdrawal(Impl::C, Impl::C);
}

// ---------------------------------------------------------------------------------------
// Interop.

/// Zone east runs the C ovn-ic, west runs `west_ic`: the seed's checks hold, and every
/// row ovn-ic reads or writes is what an all-C deployment given the same commands holds.
fn interop(northd: Impl, west_ic: Impl) {
    let who = format!(
        "northd {}, east ic C, west ic {}",
        northd.label(),
        west_ic.label()
    );
    let mut lab = IcLab::new();
    lab.add_zone("east", northd, Impl::C);
    lab.add_zone("west", northd, west_ic);
    let reference = IcLab::with_zones(&["east", "west"], Impl::C, Impl::C);
    for l in [&lab, &reference] {
        seed_on_fake_chassis(l);
    }
    check_seed_control_plane(&lab, &who);
    check_seed_control_plane(&reference, "all C");
    let (a, b) = (lab.settled_snapshot(), reference.settled_snapshot());
    assert_same(&a, &b, &who, "interop", "all C");
}

#[test]
fn interop_c_c() {
    interop(Impl::C, Impl::C);
}

/// Differential: with `ovn-dd ic` in both zones (beside the C northd), every row of
/// IC-NB, IC-SB and both zones' NB and SB that ovn-ic reads or writes is what the real
/// ovn-ic writes for the same commands (tunnel keys as ranks, UUIDs as names).
#[test]
fn seed_rows_are_ovn_ics() {
    let dd = IcLab::with_zones(&["east", "west"], Impl::C, Impl::Dd);
    let c = IcLab::with_zones(&["east", "west"], Impl::C, Impl::C);
    for l in [&dd, &c] {
        seed_on_fake_chassis(l);
    }
    check_seed_control_plane(&dd, "ovn-dd ic");
    check_seed_control_plane(&c, "ovn-ic");
    let (a, b) = (dd.settled_snapshot(), c.settled_snapshot());
    assert_same(&a, &b, "the seed", "ovn-dd ic", "ovn-ic");
}

// ---------------------------------------------------------------------------------------
// Upstream tests/ovn-ic.at.

/// T1 `ovn-ic -- AZ register`, with the rename and the empty name.
fn az_register(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = IcLab::with_zones(&["az1", "az2"], northd, ic);
    let show = || lab.ic_sbctl(&["show"]);
    wait_eq(&who, "availability-zone az1\navailability-zone az2\n", show);
    lab.zone("az1").set_az_name("az3");
    wait_eq(&who, "availability-zone az2\navailability-zone az3\n", show);
    lab.zone("az2").set_az_name("");
    wait_eq(&who, "availability-zone az3\n", show);
}

/// T2 `ovn-ic -- transit switch handling`.
fn transit_switch_handling(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = IcLab::with_zones(&["az1"], northd, ic);
    let az1 = lab.zone("az1");
    // A VXLAN chassis makes northd check the keys against the VXLAN limits.
    az1.sbctl(&["chassis-add", "fakechassis", "vxlan", "192.168.0.2"]);
    lab.ic_nbctl(&["ts-add", "ts1"]);
    lab.ic_nbctl(&["ts-add", "ts2"]);
    let column = |read: String| {
        let mut v: Vec<String> = read.split_whitespace().map(String::from).collect();
        v.sort();
        v.join(" ")
    };
    let isb_ts = || {
        column(lab.ic_sbctl(&[
            "--bare",
            "--columns=transit_switch",
            "list",
            "Datapath_Binding",
        ]))
    };
    let nb_ls = || column(az1.nbctl(&["--bare", "--columns=name", "list", "Logical_Switch"]));
    wait_eq(&who, "ts1 ts2", isb_ts);
    wait_eq(&who, "ts1 ts2", nb_ls);
    az1.sync_hv();
    let isb_key = lab.ic_sbctl(&[
        "--bare",
        "--columns=tunnel_key",
        "find",
        "Datapath_Binding",
        "transit_switch=ts1",
    ]);
    wait_eq(
        &format!("{who}: northd honours the IC-SB key of ts1"),
        &isb_key,
        || {
            az1.sbctl(&[
                "--bare",
                "--columns=tunnel_key",
                "find",
                "Datapath_Binding",
                "external_ids:interconn-ts=ts1",
            ])
        },
    );
    lab.ic_nbctl(&["ts-del", "ts1"]);
    wait_eq(&who, "ts2", isb_ts);
    wait_eq(&who, "ts2", nb_ls);
}

/// T3 `ovn-ic -- port-bindings deletion upon TS deletion`.
fn port_bindings_deleted_with_ts(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = IcLab::with_zones(&["az1", "az2"], northd, ic);
    let az1 = lab.zone("az1");
    az1.fake_chassis("gw-az1", "gw-az1", "geneve", "192.168.1.1", true);
    lab.zone("az2")
        .fake_chassis("gw-az2", "gw-az2", "geneve", "192.168.1.2", true);
    lab.ic_nbctl(&["ts-add", "ts1"]);
    az1.nbctl(&["lr-add", "lr1"]);
    az1.nbctl(&["lrp-add", "lr1", "lrp1", "00:00:00:00:00:01", "10.0.0.1/24"]);
    az1.nbctl(&["lrp-set-gateway-chassis", "lrp1", "gw-az1"]);
    az1.wait_ls("ts1");
    az1.nbctl(&[
        "lsp-add",
        "ts1",
        "lsp1",
        "--",
        "lsp-set-addresses",
        "lsp1",
        "router",
        "--",
        "lsp-set-type",
        "lsp1",
        "router",
        "--",
        "lsp-set-options",
        "lsp1",
        "router-port=lrp1",
    ]);
    // ovn-controller on gw-az1 would claim the chassis-redirect port.
    az1.bind("cr-lrp1", "gw-az1");
    wait_eq(
        &who,
        "        port lsp1\n            transit switch: ts1\n            address: \
         [\"00:00:00:00:00:01 10.0.0.1/24\"]\n",
        || {
            let show = lab.ic_sbctl(&["show"]);
            let lines: Vec<&str> = show.lines().collect();
            lines
                .iter()
                .position(|l| l.contains("lsp1"))
                .map(|i| lines[i..(i + 3).min(lines.len())].join("\n") + "\n")
                .unwrap_or(show)
        },
    );
    lab.ic_nbctl(&["ts-del", "ts1"]);
    wait_eq(&who, "0", || {
        lab.ic_sb_count("Port_Binding", &["logical_port=lsp1"])
            .to_string()
    });
}

/// Sets all four `ic-route-*` options of `z` to true.
fn all_route_options(z: &Zone) {
    z.set_options(&[
        ("ic-route-adv", "true"),
        ("ic-route-adv-default", "true"),
        ("ic-route-learn", "true"),
        ("ic-route-learn-default", "true"),
    ]);
}

/// T5 `ovn-ic -- duplicate NB route adv/learn`.
fn duplicate_nb_route(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = IcLab::with_zones(&["az1", "az2"], northd, ic);
    lab.ic_nbctl(&["ts-add", "ts1"]);
    for i in 1..=2 {
        let z = lab.zone(&format!("az{i}"));
        let gw = format!("gw-az{i}");
        z.fake_chassis(&gw, &gw, "geneve", &format!("192.168.1.{i}"), true);
        all_route_options(z);
        let lrp = format!("lrp{i}");
        ts_router(
            z,
            "ts1",
            "lr1",
            &lrp,
            &format!("00:00:00:00:0{i}:01"),
            &[&format!("10.0.{i}.1/24")],
            &format!("lsp{i}"),
        );
        z.nbctl(&["lrp-set-gateway-chassis", &lrp, &gw]);
    }
    let az1 = lab.zone("az1");
    for _ in 0..2 {
        az1.nbctl(&[
            "--id=@id",
            "create",
            "logical-router-static-route",
            "ip_prefix=1.1.1.1/32",
            "nexthop=10.0.1.10",
            "--",
            "add",
            "logical-router",
            "lr1",
            "static_routes",
            "@id",
        ]);
    }
    wait_learned_set(lab.zone("az2"), "lr1", None, &[("1.1.1.1", "10.0.1.1")]);
    lab.quiesce(Duration::from_millis(500), 30);
    assert_eq!(
        lab.ic_sb_count("Route", &["ip_prefix=\"1.1.1.1/32\""]),
        1,
        "{who}: two identical NB routes, one advertisement"
    );
}

/// T6 `ovn-ic -- gateway sync`, the gateway a fake chassis of az1.
fn gateway_sync(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = IcLab::with_zones(&["az1", "az2"], northd, ic);
    let (az1, az2) = (lab.zone("az1"), lab.zone("az2"));
    az1.fake_chassis("gw1", "gw1", "geneve,vxlan", "192.168.0.1", true);
    let show2 = || az2.sbctl(&["show"]);
    wait_text(&who, 30, show2, |t| t.contains("192.168.0.1"));
    let mut lines: Vec<String> = show2().lines().map(String::from).collect();
    lines.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        lines.join("\n") + "\n",
        "Chassis gw1\n    hostname: gw1\n    Encap vxlan\n    Encap geneve\n        \
         options: {csum=\"true\"}\n        options: {csum=\"true\"}\n        ip: \
         \"192.168.0.1\"\n        ip: \"192.168.0.1\"\n",
        "{who}: az2's ovn-sbctl show | sort -r"
    );
    assert_eq!(
        az2.sbctl(&[
            "-f",
            "csv",
            "-d",
            "bare",
            "--no-headings",
            "--columns",
            "other_config",
            "list",
            "chassis"
        ]),
        "is-remote=true\n",
        "{who}"
    );
    az1.sbctl(&["set", "Chassis", "gw1", "other_config:is-interconn=false"]);
    wait_eq(&who, "", show2);
    az1.sbctl(&["set", "Chassis", "gw1", "other_config:is-interconn=true"]);
    wait_text(&who, 30, show2, |t| t.contains("gw1"));
    az1.sbctl(&["chassis-del", "gw1"]);
    wait_eq(&who, "", show2);

    az1.fake_chassis("gw2", "gw2", "geneve,vxlan", "192.168.0.1", true);
    wait_text(&who, 30, show2, |t| t.contains("192.168.0.1"));
    // What ovn-controller does for `external_ids:ovn-encap-ip=192.168.0.2`: new encaps.
    let encaps = az1.sbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "Encap",
        "chassis_name=gw2",
    ]);
    for e in encaps.split_whitespace() {
        az1.sbctl(&["set", "Encap", e, "ip=192.168.0.2"]);
    }
    wait_text(&who, 30, show2, |t| {
        t.contains("192.168.0.2") && !t.contains("192.168.0.1")
    });
    // And for `ovn-encap-type="geneve,stt"`.
    let vxlan = az1.sbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "Encap",
        "chassis_name=gw2",
        "type=vxlan",
    ]);
    az1.sbctl(&["set", "Encap", vxlan.trim(), "type=stt"]);
    wait_text(&who, 30, show2, |t| {
        t.contains("stt") && !t.contains("vxlan")
    });
}

/// T7 `ovn-ic -- port sync`, the gateway a fake chassis of az1 (its chassis-redirect
/// port bound as ovn-controller would).
fn port_sync(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let mut lab = IcLab::new();
    lab.ic_nbctl(&["ts-add", "ts1"]);
    lab.add_zone("az1", northd, ic);
    lab.add_zone("az2", northd, ic);
    let (az1, az2) = (lab.zone("az1"), lab.zone("az2"));
    az1.fake_chassis("gw1", "gw1", "geneve", "192.168.0.1", true);
    eventually(&format!("{who}: az1's SB datapath of ts1"), 30, || {
        let n = az1.sb_count("Datapath_Binding", &["external_ids:interconn-ts=ts1"]);
        if n == 1 { Ok(()) } else { Err(n.to_string()) }
    });
    az1.nbctl(&["lr-add", "lr1"]);
    az1.nbctl(&[
        "lrp-add",
        "lr1",
        "lrp-lr1-ts1",
        "aa:aa:aa:aa:aa:01",
        "169.254.100.1/24",
    ]);
    az1.nbctl(&["lsp-add", "ts1", "lsp-ts1-lr1"]);
    az1.nbctl(&["lsp-set-addresses", "lsp-ts1-lr1", "router"]);
    az1.nbctl(&["lsp-set-type", "lsp-ts1-lr1", "router"]);
    az1.nbctl(&[
        "--wait=hv",
        "lsp-set-options",
        "lsp-ts1-lr1",
        "router-port=lrp-lr1-ts1",
    ]);
    let nb2 = || az2.nbctl(&["show"]);
    wait_show(
        &format!("{who}: az2's ovn-nbctl show"),
        "switch <0> (ts1)\n    port lsp-ts1-lr1\n        type: remote\n        addresses: \
         [\"aa:aa:aa:aa:aa:01 169.254.100.1/24\"]\n",
        || mask_uuids(&nb2()).replace("<uuid>", "<0>"),
    );
    assert_eq!(
        az2.sbctl(&[
            "-f",
            "csv",
            "-d",
            "bare",
            "--no-headings",
            "--columns",
            "logical_port,type",
            "list",
            "port_binding"
        ]),
        "lsp-ts1-lr1,remote\n",
        "{who}"
    );

    let sb2 = || az2.sbctl(&["show"]);
    az1.nbctl(&["lrp-set-gateway-chassis", "lrp-lr1-ts1", "gw1"]);
    az1.bind("cr-lrp-lr1-ts1", "gw1");
    wait_text(&who, 30, sb2, |t| t.contains("lsp-ts1-lr1"));
    az1.nbctl(&["lrp-del-gateway-chassis", "lrp-lr1-ts1", "gw1"]);
    wait_text(&who, 30, sb2, |t| !t.contains("lsp-ts1-lr1"));

    az1.nbctl(&[
        "set",
        "logical_router_port",
        "lrp-lr1-ts1",
        "mac=\"aa:aa:aa:aa:aa:02\"",
        "networks=169.254.100.2/24 169.254.200.3/24",
    ]);
    wait_text(&who, 30, nb2, |t| {
        t.contains("aa:aa:aa:aa:aa:02 169.254.100.2/24 169.254.200.3/24")
    });
    az1.nbctl(&["lrp-del", "lrp-lr1-ts1"]);
    wait_show(
        &format!("{who}: az2's ovn-nbctl show without the address"),
        "switch <0> (ts1)\n    port lsp-ts1-lr1\n        type: remote\n",
        || mask_uuids(&nb2()).replace("<uuid>", "<0>"),
    );
    az1.nbctl(&["lsp-del", "lsp-ts1-lr1"]);
    wait_text(&who, 30, nb2, |t| !t.contains("lsp-ts1-lr1"));
}

/// The T8/T10 topology: ts1, per zone `lr<i>` on it at 169.254.100.i/24 with route
/// learning and advertisement, a static route 10.11.i.0/24 via 169.254.0.1 and a
/// source route 10.22.i.0/24 via 169.254.0.2 (in `src_table` if given).
fn route_sync_lab(northd: Impl, ic: Impl, src_table: Option<&str>) -> IcLab {
    let mut lab = IcLab::new();
    lab.ic_nbctl(&["ts-add", "ts1"]);
    for i in 1..=2 {
        let z = lab.add_zone(&format!("az{i}"), northd, ic);
        z.set_options(&[("ic-route-learn", "true"), ("ic-route-adv", "true")]);
        let lr = format!("lr{i}");
        ts_router(
            z,
            "ts1",
            &lr,
            &format!("lrp-lr{i}-ts1"),
            &format!("aa:aa:aa:aa:aa:0{i}"),
            &[&format!("169.254.100.{i}/24")],
            &format!("lsp-ts1-lr{i}"),
        );
        z.nbctl(&[
            "lr-route-add",
            &lr,
            &format!("10.11.{i}.0/24"),
            "169.254.0.1",
        ]);
        let rt = src_table.map(|t| format!("--route-table={t}"));
        let mut args = vec!["--policy=src-ip"];
        args.extend(rt.iter().map(String::as_str));
        let p = format!("10.22.{i}.0/24");
        args.extend(["lr-route-add", &lr, &p, "169.254.0.2"]);
        z.nbctl(&args);
    }
    lab
}

/// T8 `ovn-ic -- route sync`, the main sequence (steps 1–8).
fn route_sync(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = route_sync_lab(northd, ic, None);
    let (az1, az2) = (lab.zone("az1"), lab.zone("az2"));
    let lr1 = || az1.nbctl(&["lr-route-list", "lr1"]);
    let lr2 = || az2.nbctl(&["lr-route-list", "lr2"]);
    const M: &str = "<main>";

    // 1. Each learns the other's static dst-ip route (not the src-ip one).
    wait_learned(az2, "lr2", "10.11.1.0/24", "169.254.100.1");
    wait_eq(
        &format!("{who}: 1. lr1"),
        &routes(
            &[(
                M,
                &[
                    ("10.11.1.0/24", "169.254.0.1", "dst-ip"),
                    ("10.11.2.0/24", "169.254.100.2", "dst-ip (learned)"),
                    ("10.22.1.0/24", "169.254.0.2", "src-ip"),
                ],
            )],
            &[],
        ),
        lr1,
    );

    // 2. Withdrawn with the route, learned again with it.
    az1.nbctl(&["lr-route-del", "lr1", "10.11.1.0/24"]);
    wait_learned_set(az2, "lr2", None, &[]);
    az1.nbctl(&["lr-route-add", "lr1", "10.11.1.0/24", "169.254.0.1"]);
    wait_learned_set(az2, "lr2", None, &[("10.11.1.0/24", "169.254.100.1")]);

    // 3. No learning in az1.
    az1.set_options(&[("ic-route-learn", "false")]);
    wait_eq(
        &format!("{who}: 3. lr1"),
        &routes(
            &[(
                M,
                &[
                    ("10.11.1.0/24", "169.254.0.1", "dst-ip"),
                    ("10.22.1.0/24", "169.254.0.2", "src-ip"),
                ],
            )],
            &[],
        ),
        lr1,
    );
    wait_learned_set(az2, "lr2", None, &[("10.11.1.0/24", "169.254.100.1")]);

    // 4. No advertising from az1.
    az1.set_options(&[("ic-route-adv", "false")]);
    wait_eq(
        &format!("{who}: 4. lr2"),
        &routes(
            &[(
                M,
                &[
                    ("10.11.2.0/24", "169.254.0.1", "dst-ip"),
                    ("10.22.2.0/24", "169.254.0.2", "src-ip"),
                ],
            )],
            &[],
        ),
        lr2,
    );

    // 5. A default route is not advertised by default.
    az1.nbctl(&["lr-route-add", "lr1", "0.0.0.0/0", "169.254.0.3"]);
    az1.set_options(&[("ic-route-adv", "true"), ("ic-route-learn", "true")]);
    wait_learned(az1, "lr1", "10.11.2.0/24", "169.254.100.2");
    wait_eq(
        &format!("{who}: 5. lr2"),
        &routes(
            &[(
                M,
                &[
                    ("10.11.1.0/24", "169.254.100.1", "dst-ip (learned)"),
                    ("10.11.2.0/24", "169.254.0.1", "dst-ip"),
                    ("10.22.2.0/24", "169.254.0.2", "src-ip"),
                ],
            )],
            &[],
        ),
        lr2,
    );

    // 6. ... but with ic-route-adv-default, and learned with ic-route-learn-default.
    az1.set_options(&[("ic-route-adv-default", "true")]);
    wait_text(
        &who,
        30,
        || lab.ic_sbctl(&["list", "route"]),
        |t| t.contains("0.0.0.0"),
    );
    az2.set_options(&[("ic-route-learn-default", "true")]);
    wait_learned(az2, "lr2", "0.0.0.0/0", "169.254.100.1");

    // 7. A connected network is advertised while its port exists.
    az1.nbctl(&[
        "lrp-add",
        "lr1",
        "lrp-lr1-ls1",
        "aa:aa:aa:aa:bb:01",
        "192.168.0.1/24",
    ]);
    wait_learned(az2, "lr2", "192.168.0.0/24", "169.254.100.1");
    az1.nbctl(&["lrp-del", "lrp-lr1-ls1"]);
    wait_text(&who, 30, lr2, |t| !t.contains("192.168"));
    az1.nbctl(&[
        "lrp-add",
        "lr1",
        "lrp-lr1-ls1",
        "aa:aa:aa:aa:bb:01",
        "192.168.0.1/24",
    ]);
    wait_learned(az2, "lr2", "192.168.0.0/24", "169.254.100.1");
    wait_learned(az1, "lr1", "10.11.2.0/24", "169.254.100.2");

    // 8. A blacklist in az2: it learns no 192.168 and advertises no 10.11.
    az2.set_options(&[("ic-route-blacklist", "10.11.0.0/16,192.168.0.0/16")]);
    wait_text(&who, 30, lr2, |t| !t.contains("192.168"));
    wait_text(&who, 30, lr1, |t| !t.contains("10.11.2.0/24"));
}

/// T8 `ovn-ic -- route sync`, step 9: two transit switches, two routers per zone; a
/// router learns only through its own transit switch.
fn route_sync_two_transit_switches(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let mut lab = IcLab::new();
    for i in 1..=2 {
        let z = lab.add_zone(&format!("az{i}"), northd, ic);
        z.set_options(&[("ic-route-learn", "true"), ("ic-route-adv", "true")]);
    }
    for i in 1..=2 {
        let z = lab.zone(&format!("az{i}"));
        for j in 1..=2 {
            let ts = format!("ts{j}{j}");
            lab.ic_nbctl(&["--may-exist", "ts-add", &ts]);
            ts_router(
                z,
                &ts,
                &format!("lr{j}{i}"),
                &format!("lrp-lr{j}{i}-{ts}"),
                &format!("aa:aa:aa:aa:aa:0{j}"),
                &[&format!("169.254.100.{i}/24")],
                &format!("lsp-{ts}-lr{j}{i}"),
            );
        }
    }
    let az2 = lab.zone("az2");
    az2.nbctl(&[
        "lrp-add",
        "lr12",
        "lrp-lr12-ls2",
        "aa:aa:aa:aa:bb:01",
        "192.168.0.1/24",
    ]);
    az2.nbctl(&["lr-route-add", "lr12", "10.10.10.0/24", "192.168.0.10"]);
    let az1 = lab.zone("az1");
    az1.sync();
    wait_learned_set(
        az1,
        "lr11",
        None,
        &[
            ("10.10.10.0/24", "169.254.100.2"),
            ("192.168.0.0/24", "169.254.100.2"),
        ],
    );
    lab.quiesce(Duration::from_millis(500), 30);
    assert_eq!(az1.nbctl(&["lr-route-list", "lr21"]), "", "{who}: lr21");
}

/// T8 `ovn-ic -- route sync`, step 10: origins, and connected prefixes keep their host
/// bits.
fn route_sync_origins(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = route_sync_lab(northd, ic, None);
    for i in 1..=2 {
        lab.zone(&format!("az{i}")).nbctl(&[
            "lrp-add",
            &format!("lr{i}"),
            &format!("lrp-lr{i}-p{i}"),
            &format!("00:00:00:00:00:0{i}"),
            &format!("192.168.{i}.1/24"),
        ]);
    }
    for i in 1..=2 {
        for (prefix, origin) in [
            (format!("10.11.{i}.0/24"), "static"),
            (format!("192.168.{i}.1/24"), "connected"),
        ] {
            wait_eq(
                &format!("{who}: IC-SB route {prefix} {origin}"),
                "1",
                || {
                    lab.ic_sb_count(
                        "Route",
                        &[
                            &format!("ip_prefix=\"{prefix}\""),
                            &format!("origin={origin}"),
                        ],
                    )
                    .to_string()
                },
            );
            let other = lab.zone(&format!("az{}", 3 - i));
            wait_eq(
                &format!("{who}: {} learns {prefix} {origin}", other.name),
                "1",
                || {
                    other
                        .nb_count(
                            "Logical_Router_Static_Route",
                            &[
                                &format!("ip_prefix=\"{prefix}\""),
                                &format!("options:origin={origin}"),
                            ],
                        )
                        .to_string()
                },
            );
        }
    }
}

/// T9 `ovn-ic -- route sync -- IPv6 route tables`.
fn route_sync_ipv6(northd: Impl, ic: Impl) {
    let mut lab = IcLab::new();
    lab.ic_nbctl(&["ts-add", "ts1"]);
    for i in 1..=2 {
        let z = lab.add_zone(&format!("az{i}"), northd, ic);
        z.set_options(&[("ic-route-learn", "true"), ("ic-route-adv", "true")]);
        let lr = format!("lr{i}");
        ts_router(
            z,
            "ts1",
            &lr,
            &format!("lrp-lr{i}-ts1"),
            &format!("aa:aa:aa:aa:aa:0{i}"),
            &[&format!("2001:db8:1::{i}/64")],
            &format!("lsp-ts1-lr{i}"),
        );
        z.nbctl(&[
            "lrp-add",
            &lr,
            &format!("lrp-lr{i}-p{i}"),
            &format!("00:00:00:00:00:0{i}"),
            &format!("2002:db8:1::{i}/64"),
        ]);
    }
    let az1 = lab.zone("az1");
    wait_learned_set(az1, "lr1", None, &[("2002:db8:1::/64", "2001:db8:1::2")]);
    // IPv4 transit-switch addresses: the IPv6 network would need a link-local nexthop,
    // which nobody learns. (23.03.1's advertiser then deletes and re-inserts that
    // IC-SB route on every iteration, spec §7.8.2.)
    for i in 1..=2 {
        let z = lab.zone(&format!("az{i}"));
        let lrp = format!("lrp-lr{i}-ts1");
        z.nbctl(&["lrp-del", &lrp]);
        z.nbctl(&[
            "lrp-add",
            &format!("lr{i}"),
            &lrp,
            &format!("aa:aa:aa:aa:aa:0{i}"),
            &format!("169.254.100.{i}/24"),
        ]);
    }
    wait_learned_set(az1, "lr1", None, &[]);
    // ... and the advertiser leaves the IC-SB alone.
    if fixed(ic) {
        lab.quiesce(Duration::from_millis(800), 30);
    }
}

/// T10 `ovn-ic -- route sync -- route tables`.
fn route_sync_route_tables(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = route_sync_lab(northd, ic, Some("rtb1"));
    let (az1, az2) = (lab.zone("az1"), lab.zone("az2"));
    let lr1 = || az1.nbctl(&["lr-route-list", "lr1"]);
    let lr2 = || az2.nbctl(&["lr-route-list", "lr2"]);
    const M: &str = "<main>";
    let step = |n: &str| format!("{who}: {n}");

    // 1.
    wait_eq(
        &step("1. lr1"),
        &routes(
            &[
                (
                    M,
                    &[
                        ("10.11.1.0/24", "169.254.0.1", "dst-ip"),
                        ("10.11.2.0/24", "169.254.100.2", "dst-ip (learned)"),
                    ],
                ),
                ("rtb1", &[("10.22.1.0/24", "169.254.0.2", "src-ip")]),
            ],
            &[],
        ),
        lr1,
    );

    // 2. The static routes move to rtb1: the TS ports are in the main table, so nothing
    // is advertised.
    for i in 1..=2 {
        let z = lab.zone(&format!("az{i}"));
        let (lr, p) = (format!("lr{i}"), format!("10.11.{i}.0/24"));
        z.nbctl(&["lr-route-del", &lr, &p]);
        z.nbctl(&["--route-table=rtb1", "lr-route-add", &lr, &p, "169.254.0.1"]);
    }
    let only_rtb1 = |i: u8, learned: Option<(&str, &str)>| {
        let own = format!("10.11.{i}.0/24");
        let src = format!("10.22.{i}.0/24");
        let mut rows: Vec<(String, String, String)> = vec![
            (own, "169.254.0.1".into(), "dst-ip".into()),
            (src, "169.254.0.2".into(), "src-ip".into()),
        ];
        if let Some((p, n)) = learned {
            rows.push((p.into(), n.into(), "dst-ip (learned)".into()));
            rows.sort();
        }
        let rows: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        routes(&[("rtb1", &rows)], &[])
    };
    wait_eq(&step("2. lr1"), &only_rtb1(1, None), lr1);
    wait_learned_set(az2, "lr2", Some("rtb1"), &[]);

    // 3. az2's TS port joins rtb1: it advertises its rtb1 route, az1 (main) ignores it.
    az2.nbctl(&["lrp-set-options", "lrp-lr2-ts1", "route_table=rtb1"]);
    wait_text(
        &step("3. IC-SB has az2's rtb1 route"),
        30,
        || lab.ic_sbctl(&["find", "route", "route_table=rtb1"]),
        |t| t.contains("10.11.2.0/24"),
    );
    assert_eq!(lr1(), only_rtb1(1, None), "{who}: 3. lr1");

    // 4. az1's TS port joins rtb1 too: it learns in rtb1.
    az1.nbctl(&["lrp-set-options", "lrp-lr1-ts1", "route_table=rtb1"]);
    wait_eq(
        &step("4. lr1"),
        &only_rtb1(1, Some(("10.11.2.0/24", "169.254.100.2"))),
        lr1,
    );

    // 5. Withdraw and re-add; then az1 stops learning.
    az1.nbctl(&["--route-table=rtb1", "lr-route-del", "lr1", "10.11.1.0/24"]);
    wait_learned_set(az2, "lr2", Some("rtb1"), &[]);
    az1.nbctl(&[
        "--route-table=rtb1",
        "lr-route-add",
        "lr1",
        "10.11.1.0/24",
        "169.254.0.1",
    ]);
    wait_learned_set(
        az2,
        "lr2",
        Some("rtb1"),
        &[("10.11.1.0/24", "169.254.100.1")],
    );
    az1.set_options(&[("ic-route-learn", "false")]);
    wait_eq(&step("5. lr1"), &only_rtb1(1, None), lr1);
    wait_eq(
        &step("5. lr2"),
        &routes(
            &[(
                "rtb1",
                &[
                    ("10.11.1.0/24", "169.254.100.1", "dst-ip (learned)"),
                    ("10.11.2.0/24", "169.254.0.1", "dst-ip"),
                    ("10.22.2.0/24", "169.254.0.2", "src-ip"),
                ],
            )],
            &[],
        ),
        lr2,
    );

    // 6. Default routes: advertised only with adv-default, learned only with
    // learn-default, in rtb1.
    az1.set_options(&[("ic-route-adv", "false")]);
    wait_learned_set(az2, "lr2", Some("rtb1"), &[]);
    az1.nbctl(&[
        "--route-table=rtb1",
        "lr-route-add",
        "lr1",
        "0.0.0.0/0",
        "169.254.0.3",
    ]);
    az1.set_options(&[("ic-route-adv", "true"), ("ic-route-learn", "true")]);
    wait_learned_set(
        az2,
        "lr2",
        Some("rtb1"),
        &[("10.11.1.0/24", "169.254.100.1")],
    );
    lab.quiesce(Duration::from_millis(500), 30);
    assert_eq!(
        lab.ic_sbctl(&["find", "route", "ip_prefix=\"0.0.0.0/0\""]),
        "",
        "{who}: 6."
    );
    az1.set_options(&[("ic-route-adv-default", "true")]);
    wait_text(
        &step("6. the default route in IC-SB"),
        30,
        || {
            lab.ic_sbctl(&[
                "--bare",
                "--columns=route_table",
                "find",
                "route",
                "ip_prefix=\"0.0.0.0/0\"",
            ])
        },
        |t| t.trim() == "rtb1",
    );
    lab.quiesce(Duration::from_millis(500), 30);
    assert!(
        !lr2().contains("0.0.0.0/0"),
        "{who}: 6. az2 learns the default route"
    );
    az2.set_options(&[("ic-route-learn-default", "true")]);
    wait_learned_set(
        az2,
        "lr2",
        Some("rtb1"),
        &[
            ("0.0.0.0/0", "169.254.100.1"),
            ("10.11.1.0/24", "169.254.100.1"),
        ],
    );

    // 7. A connected network: advertised in the main table, learned there.
    az1.nbctl(&[
        "lrp-add",
        "lr1",
        "lrp-lr1-ls1",
        "aa:aa:aa:aa:bb:01",
        "192.168.0.1/24",
    ]);
    wait_text(
        &step("7. IC-SB has the connected route"),
        30,
        || {
            lab.ic_sbctl(&[
                "find",
                "route",
                "ip_prefix=\"192.168.0.1/24\"",
                "route_table=\"\"",
            ])
        },
        |t| !t.is_empty(),
    );
    wait_eq(
        &step("7. lr2"),
        &routes(
            &[
                (
                    M,
                    &[("192.168.0.0/24", "169.254.100.1", "dst-ip (learned)")],
                ),
                (
                    "rtb1",
                    &[
                        ("10.11.1.0/24", "169.254.100.1", "dst-ip (learned)"),
                        ("10.11.2.0/24", "169.254.0.1", "dst-ip"),
                        ("10.22.2.0/24", "169.254.0.2", "src-ip"),
                        ("0.0.0.0/0", "169.254.100.1", "dst-ip (learned)"),
                    ],
                ),
            ],
            &[],
        ),
        lr2,
    );

    // 8. Gone with its port, back with it; then az2's blacklist.
    az1.nbctl(&["lrp-del", "lrp-lr1-ls1"]);
    wait_text(&step("8. lrp-del"), 30, lr2, |t| !t.contains("192.168"));
    az1.nbctl(&[
        "lrp-add",
        "lr1",
        "lrp-lr1-ls1",
        "aa:aa:aa:aa:bb:01",
        "192.168.0.1/24",
    ]);
    wait_learned(az2, "lr2", "192.168.0.0/24", "169.254.100.1");
    wait_learned_set(
        az1,
        "lr1",
        Some("rtb1"),
        &[("10.11.2.0/24", "169.254.100.2")],
    );
    az2.set_options(&[("ic-route-blacklist", "10.11.0.0/16,192.168.0.0/16")]);
    wait_eq(
        &step("8. lr2"),
        &routes(
            &[(
                "rtb1",
                &[
                    ("10.11.2.0/24", "169.254.0.1", "dst-ip"),
                    ("10.22.2.0/24", "169.254.0.2", "src-ip"),
                    ("0.0.0.0/0", "169.254.100.1", "dst-ip (learned)"),
                ],
            )],
            &[],
        ),
        lr2,
    );
    wait_learned_set(az1, "lr1", Some("rtb1"), &[]);
}

/// T13 `ovn-ic -- same routes destination`: a remote route whose prefix a local
/// static route has is not learned.
fn same_routes_destination(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let mut lab = IcLab::new();
    lab.ic_nbctl(&["ts-add", "ts1"]);
    for i in 1..=2 {
        let z = lab.add_zone(&format!("az{i}"), northd, ic);
        all_route_options(z);
        let lr = format!("lr1{i}");
        ts_router(
            z,
            "ts1",
            &lr,
            &format!("lrp-lr1{i}-ts1"),
            &format!("aa:aa:aa:aa:aa:0{i}"),
            &[&format!("169.254.100.{i}/24")],
            &format!("lsp-ts1-lr1{i}"),
        );
        z.nbctl(&[
            "lrp-add",
            &lr,
            "lrp-local-subnet",
            &format!("00:00:00:00:00:0{i}"),
            &format!("192.168.{i}.1/24"),
        ]);
        z.nbctl(&[
            "lr-route-add",
            &lr,
            "10.0.0.0/24",
            &format!("192.168.{i}.10"),
        ]);
        z.nbctl(&[
            "--wait=sb",
            "lr-route-add",
            &lr,
            "0.0.0.0/0",
            &format!("192.168.{i}.11"),
        ]);
    }
    for i in 1..=2u8 {
        let z = lab.zone(&format!("az{i}"));
        let o = 3 - i;
        let mut want = [
            format!(
                "{:>25} {:>25} dst-ip",
                "0.0.0.0/0",
                format!("192.168.{i}.11")
            ),
            format!(
                "{:>25} {:>25} dst-ip",
                "10.0.0.0/24",
                format!("192.168.{i}.10")
            ),
            format!(
                "{:>25} {:>25} dst-ip (learned)",
                format!("192.168.{o}.0/24"),
                format!("169.254.100.{o}")
            ),
        ];
        want.sort();
        let lr = format!("lr1{i}");
        wait_eq(
            &format!("{who}: {lr} dst-ip routes"),
            &(want.join("\n") + "\n"),
            || {
                let mut v: Vec<String> = z
                    .nbctl(&["lr-route-list", &lr])
                    .lines()
                    .filter(|l| l.contains("dst-ip"))
                    .map(String::from)
                    .collect();
                v.sort();
                v.join("\n") + "\n"
            },
        );
    }
}

// Behaviour 23.03.1 gets wrong and ovn-dd fixes: no C tests (the C daemons fail them,
// see each), the ovn-dd tests come with `ovn-dd ic`.

/// An AZ renamed while its gateway and port are in IC-SB (spec §3): the AZ and its rows
/// carry on under the new name. 23.03.1 deletes the old AZ row in a transaction that
/// fails on the rows referring to it, then takes its own rows for another AZ's (a remote
/// chassis named like its own gateway, ...: constraint violations on every run).
fn az_rename_with_rows(northd: Impl, ic: Impl) {
    let who = who(northd, ic);
    let lab = seed_lab(northd, ic);
    lab.zone("east").set_az_name("east2");
    wait_eq(
        &format!("{who}: ovn-ic-sbctl show after the rename"),
        &SEED_IC_SB_SHOW.replace("availability-zone east\n", "availability-zone east2\n"),
        || lab.ic_sbctl(&["show"]),
    );
    lab.quiesce(Duration::from_millis(800), 30);
    for z in ["east", "west"] {
        let sb = lab.zone(z).sbctl(&["show"]);
        assert_eq!(
            sb.matches("Chassis gw_east").count(),
            1,
            "{who}: {z}:\n{sb}"
        );
    }
    assert_show_eq(
        SEED_EAST_SB_SHOW,
        &lab.zone("east").sbctl(&["show"]),
        &format!("{who}: east's ovn-sbctl show after the rename"),
    );
}

/// Two routers of one AZ on one transit switch (spec §7.8.1): both advertise, the other
/// AZ learns both, and nothing churns. 23.03.1's routers delete each other's IC-SB routes
/// on every iteration, forever.
fn two_routers_on_one_ts(northd: Impl, ic: Impl) {
    let mut lab = IcLab::new();
    lab.ic_nbctl(&["ts-add", "ts1"]);
    for i in 1..=2 {
        let z = lab.add_zone(&format!("az{i}"), northd, ic);
        z.set_options(&[("ic-route-learn", "true"), ("ic-route-adv", "true")]);
    }
    for (zone, i) in [("az1", 1), ("az2", 2), ("az1", 3)] {
        let z = lab.zone(zone);
        let lr = format!("lr{i}");
        ts_router(
            z,
            "ts1",
            &lr,
            &format!("lrp-lr{i}-ts1"),
            &format!("aa:aa:aa:aa:aa:0{i}"),
            &[&format!("169.254.100.{i}/24")],
            &format!("lsp-ts1-lr{i}"),
        );
        z.nbctl(&[
            "lrp-add",
            &lr,
            &format!("lrp-lr{i}-lan"),
            &format!("00:00:00:00:00:0{i}"),
            &format!("192.168.{i}.1/24"),
        ]);
    }
    wait_learned_set(
        lab.zone("az2"),
        "lr2",
        None,
        &[
            ("192.168.1.0/24", "169.254.100.1"),
            ("192.168.3.0/24", "169.254.100.3"),
        ],
    );
    for lr in ["lr1", "lr3"] {
        wait_learned_set(
            lab.zone("az1"),
            lr,
            None,
            &[("192.168.2.0/24", "169.254.100.2")],
        );
    }
    lab.quiesce(Duration::from_millis(800), 30);
}

#[test]
fn az_register_c() {
    az_register(Impl::C, Impl::C);
}

#[test]
fn transit_switch_handling_c() {
    transit_switch_handling(Impl::C, Impl::C);
}

#[test]
fn port_bindings_deleted_with_ts_c() {
    port_bindings_deleted_with_ts(Impl::C, Impl::C);
}

#[test]
fn duplicate_nb_route_c() {
    duplicate_nb_route(Impl::C, Impl::C);
}

#[test]
fn gateway_sync_c() {
    gateway_sync(Impl::C, Impl::C);
}

#[test]
fn port_sync_c() {
    port_sync(Impl::C, Impl::C);
}

#[test]
fn route_sync_c() {
    route_sync(Impl::C, Impl::C);
}

#[test]
fn route_sync_two_transit_switches_c() {
    route_sync_two_transit_switches(Impl::C, Impl::C);
}

#[test]
fn route_sync_origins_c() {
    route_sync_origins(Impl::C, Impl::C);
}

#[test]
fn route_sync_ipv6_c() {
    route_sync_ipv6(Impl::C, Impl::C);
}

#[test]
fn route_sync_route_tables_c() {
    route_sync_route_tables(Impl::C, Impl::C);
}

#[test]
fn same_routes_destination_c() {
    same_routes_destination(Impl::C, Impl::C);
}

// ---------------------------------------------------------------------------------------
// The transit-switch race.

/// How the race's transit switches appear. (Only `BeforeTheDaemons` has a C test:
/// 23.03.1 fails the others, see `transit_switch_race_before_the_daemons_c`.)
#[derive(Clone, Copy, Debug)]
pub enum RaceStart {
    /// All in one IC-NB transaction, the three ic daemons running.
    OneTransaction,
    /// One `ovn-ic-nbctl ts-add` after the other, the daemons running.
    OneByOne,
    /// Created first; then the three daemons start together.
    BeforeTheDaemons,
    /// In one transaction, the daemons running, but az1's daemon has allocated (and
    /// seen deleted) five keys before the others started: the daemons no longer pick
    /// the same next key.
    AfterChurn,
}

/// Per transit switch its IC-SB binding (row UUID, key), if the IC-SB and every zone's
/// NB and SB agree on exactly one binding per switch; else what is wrong.
fn ts_bindings(lab: &IcLab, n: usize) -> Result<BTreeMap<String, (String, i64)>, String> {
    let isb = adapters::dbfile::read(&lab.ic_sb_file()).map_err(|e| e.to_string())?;
    let mut by_ts: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for (u, r) in isb.table("Datapath_Binding") {
        let ts = isb
            .get("Datapath_Binding", r, "transit_switch")
            .as_str()
            .unwrap_or("")
            .to_string();
        let k = isb
            .get("Datapath_Binding", r, "tunnel_key")
            .as_int()
            .unwrap_or(0);
        by_ts.entry(ts).or_default().push((u.to_string(), k));
    }
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for i in 1..=n {
        let ts = format!("ts{i}");
        match by_ts.get(&ts).map(Vec::as_slice) {
            Some([one]) => {
                out.insert(ts, one.clone());
            }
            other => problems.push(format!("IC-SB bindings of {ts}: {other:?}")),
        }
    }
    if by_ts.len() != n {
        problems.push(format!(
            "IC-SB bindings for {} names: {:?}",
            by_ts.len(),
            by_ts.keys()
        ));
    }
    for z in lab.zones() {
        let nb = adapters::dbfile::read(&z.nb_file()).map_err(|e| e.to_string())?;
        let sb = adapters::dbfile::read(&z.sb_file()).map_err(|e| e.to_string())?;
        let mut nb_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in nb.table("Logical_Switch").values() {
            let oc = nb.get("Logical_Switch", r, "other_config").string_pairs();
            let get = |k: &str| oc.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
            if let Some(ts) = get("interconn-ts") {
                nb_keys
                    .entry(ts)
                    .or_default()
                    .push(get("requested-tnl-key").unwrap_or_default());
            }
        }
        let mut sb_keys: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for r in sb.table("Datapath_Binding").values() {
            let ids = sb.get("Datapath_Binding", r, "external_ids").string_pairs();
            if let Some((_, ts)) = ids.iter().find(|(k, _)| k == "interconn-ts") {
                let k = sb
                    .get("Datapath_Binding", r, "tunnel_key")
                    .as_int()
                    .unwrap_or(0);
                sb_keys.entry(ts.clone()).or_default().push(k);
            }
        }
        for (ts, (_, key)) in &out {
            if nb_keys.get(ts) != Some(&vec![key.to_string()]) {
                problems.push(format!(
                    "{}: NB switch {ts} requested-tnl-key {:?}, IC-SB key {key}",
                    z.name,
                    nb_keys.get(ts)
                ));
            }
            if sb_keys.get(ts) != Some(&vec![*key]) {
                problems.push(format!(
                    "{}: SB datapath {ts} tunnel_key {:?}, IC-SB key {key}",
                    z.name,
                    sb_keys.get(ts)
                ));
            }
        }
        if nb_keys.len() != n {
            problems.push(format!(
                "{}: NB transit switches {:?}",
                z.name,
                nb_keys.keys()
            ));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("\n"))
    }
}

/// The transit switches that lost their last IC-SB binding at some point after having
/// had one, or got more bindings than there are zones (each zone's daemon may bind a
/// switch it sees unbound once), from the IC-SB file, which records every transaction:
/// (switch, how many bindings it got in all).
fn ts_rebound_in_history(lab: &IcLab) -> Vec<(String, usize)> {
    let bytes = std::fs::read(lab.ic_sb_file()).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut ts_of: BTreeMap<String, String> = BTreeMap::new();
    let mut live: BTreeMap<String, usize> = BTreeMap::new();
    let mut inserted: BTreeMap<String, usize> = BTreeMap::new();
    let mut lost: BTreeMap<String, usize> = BTreeMap::new();
    // Records are "OVSDB JSON <len> <sha1>" lines, each followed by one JSON line; the
    // first is the schema.
    for line in text.lines().filter(|l| l.starts_with('{')).skip(1) {
        let Ok(txn) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(rows) = txn.get("Datapath_Binding").and_then(|t| t.as_object()) else {
            continue;
        };
        for (uuid, row) in rows {
            if row.is_null() {
                if let Some(ts) = ts_of.remove(uuid) {
                    let n = live.entry(ts.clone()).or_default();
                    *n -= 1;
                    if *n == 0 {
                        *lost.entry(ts).or_default() += 1;
                    }
                }
            } else if !ts_of.contains_key(uuid) {
                let ts = row["transit_switch"].as_str().unwrap_or("").to_string();
                ts_of.insert(uuid.clone(), ts.clone());
                *live.entry(ts.clone()).or_default() += 1;
                *inserted.entry(ts).or_default() += 1;
            }
        }
    }
    let zones = lab.zones().len();
    inserted
        .iter()
        .filter(|(ts, n)| {
            live.get(*ts).copied().unwrap_or(0) > 0 && (lost.contains_key(*ts) || **n > zones)
        })
        .map(|(ts, n)| (ts.clone(), *n))
        .collect()
}

/// Three zones, 20 transit switches appearing at once for their three ic daemons:
/// exactly one IC-SB binding per switch (keys are unique by the IC-SB index), every
/// zone's NB switch requests that key and its SB datapath has it; and none of that
/// changes afterwards; and no switch ever lost its binding on the way (two daemons that
/// picked different keys for it must agree which one stays). 23.03.1 breaks the last
/// point when its daemons' key hints differ (`RaceStart::AfterChurn`, spec §4.4: each
/// deletes the other's binding, both allocate again, ...).
fn transit_switch_race(northd: Impl, ic: Impl, start: RaceStart) {
    const N: usize = 20;
    let who = format!("{}, {start:?}", who(northd, ic));
    let mut lab = IcLab::new();
    for z in ["az1", "az2", "az3"] {
        lab.add_zone_with(ZoneConfig {
            ic: None,
            ..ZoneConfig::new(z, northd, ic)
        });
    }
    let names: Vec<String> = (1..=N).map(|i| format!("ts{i}")).collect();
    let start_all = |lab: &IcLab| {
        for z in lab.zones() {
            z.start(Daemon::Ic, ic);
        }
    };
    let mut batch: Vec<&str> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            batch.push("--");
        }
        batch.extend(["ts-add", n]);
    }
    match start {
        RaceStart::OneTransaction => {
            start_all(&lab);
            wait_eq(&who, "3", || {
                lab.ic_sb_count("Availability_Zone", &[]).to_string()
            });
            lab.ic_nbctl(&batch);
        }
        RaceStart::OneByOne => {
            start_all(&lab);
            wait_eq(&who, "3", || {
                lab.ic_sb_count("Availability_Zone", &[]).to_string()
            });
            for n in &names {
                lab.ic_nbctl(&["ts-add", n]);
            }
        }
        RaceStart::BeforeTheDaemons => {
            lab.ic_nbctl(&batch);
            start_all(&lab);
        }
        RaceStart::AfterChurn => {
            let az1 = lab.zone("az1");
            az1.start(Daemon::Ic, ic);
            let old: Vec<String> = (1..=5).map(|i| format!("old{i}")).collect();
            for o in &old {
                lab.ic_nbctl(&["ts-add", o]);
            }
            wait_eq(&who, "5", || {
                lab.ic_sb_count("Datapath_Binding", &[]).to_string()
            });
            for o in &old {
                lab.ic_nbctl(&["ts-del", o]);
            }
            wait_eq(&who, "0", || {
                lab.ic_sb_count("Datapath_Binding", &[]).to_string()
            });
            for z in &lab.zones()[1..] {
                z.start(Daemon::Ic, ic);
            }
            wait_eq(&who, "3", || {
                lab.ic_sb_count("Availability_Zone", &[]).to_string()
            });
            lab.ic_nbctl(&batch);
        }
    }
    let first = eventually(
        &format!("{who}: one binding per transit switch, everywhere"),
        60,
        || ts_bindings(&lab, N),
    );
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(200));
        let now = ts_bindings(&lab, N);
        assert_eq!(
            now.as_ref(),
            Ok(&first),
            "{who}: the bindings changed after converging\n{}",
            lab.logs_tail()
        );
    }
    for z in lab.zones() {
        assert!(z.is_alive(Daemon::Ic), "{who}: {}'s ic died", z.name);
    }
    let rebound = ts_rebound_in_history(&lab);
    assert!(
        rebound.is_empty(),
        "{who}: transit switches left without an IC-SB binding after having one, or bound \
         more often than there are zones: (switch, bindings in all) {rebound:?}"
    );
}

/// Measured with 23.03.1 on this project's 2-core machine, 10 runs each: `OneByOne` broke
/// the invariant 9 times (one switch got 18 bindings before it settled), `OneTransaction`
/// twice (all 20 switches lost both bindings), `AfterChurn` once; the end state was
/// always consistent and stable. `BeforeTheDaemons` never failed (30 runs): each daemon
/// allocates the same keys in the same order, the losers' transactions fail on the
/// unique index and they adopt the winner's bindings.
#[test]
fn transit_switch_race_before_the_daemons_c() {
    transit_switch_race(Impl::C, Impl::C, RaceStart::BeforeTheDaemons);
}

// ---------------------------------------------------------------------------------------
// ovn-dd: `ovn-dd northd` and `ovn-dd ic` in every zone.

#[test]
fn removal_of_transit_switch_dd() {
    removal_of_transit_switch(Impl::Dd, Impl::Dd);
}

#[test]
fn removal_of_gateway_dd() {
    removal_of_gateway(Impl::Dd, Impl::Dd);
}

#[test]
fn removal_of_router_port_dd() {
    removal_of_router_port(Impl::Dd, Impl::Dd);
}

#[test]
fn route_withdrawal_dd() {
    route_withdrawal(Impl::Dd, Impl::Dd);
}

/// East runs the C ovn-ic, west `ovn-dd ic`, beside the C northd and beside ours.
#[test]
fn interop_c_dd() {
    interop(Impl::C, Impl::Dd);
}

#[test]
fn interop_dd_dd() {
    interop(Impl::Dd, Impl::Dd);
}

#[test]
fn az_register_dd() {
    az_register(Impl::Dd, Impl::Dd);
}

#[test]
fn transit_switch_handling_dd() {
    transit_switch_handling(Impl::Dd, Impl::Dd);
}

#[test]
fn port_bindings_deleted_with_ts_dd() {
    port_bindings_deleted_with_ts(Impl::Dd, Impl::Dd);
}

#[test]
fn duplicate_nb_route_dd() {
    duplicate_nb_route(Impl::Dd, Impl::Dd);
}

#[test]
fn gateway_sync_dd() {
    gateway_sync(Impl::Dd, Impl::Dd);
}

#[test]
fn port_sync_dd() {
    port_sync(Impl::Dd, Impl::Dd);
}

#[test]
fn route_sync_dd() {
    route_sync(Impl::Dd, Impl::Dd);
}

#[test]
fn route_sync_two_transit_switches_dd() {
    route_sync_two_transit_switches(Impl::Dd, Impl::Dd);
}

#[test]
fn route_sync_origins_dd() {
    route_sync_origins(Impl::Dd, Impl::Dd);
}

#[test]
fn route_sync_ipv6_dd() {
    route_sync_ipv6(Impl::Dd, Impl::Dd);
}

#[test]
fn route_sync_route_tables_dd() {
    route_sync_route_tables(Impl::Dd, Impl::Dd);
}

#[test]
fn same_routes_destination_dd() {
    same_routes_destination(Impl::Dd, Impl::Dd);
}

#[test]
fn az_rename_with_rows_dd() {
    az_rename_with_rows(Impl::Dd, Impl::Dd);
}

#[test]
fn two_routers_on_one_ts_dd() {
    two_routers_on_one_ts(Impl::Dd, Impl::Dd);
}

#[test]
fn transit_switch_race_one_transaction_dd() {
    transit_switch_race(Impl::Dd, Impl::Dd, RaceStart::OneTransaction);
}

#[test]
fn transit_switch_race_one_by_one_dd() {
    transit_switch_race(Impl::Dd, Impl::Dd, RaceStart::OneByOne);
}

#[test]
fn transit_switch_race_before_the_daemons_dd() {
    transit_switch_race(Impl::Dd, Impl::Dd, RaceStart::BeforeTheDaemons);
}

#[test]
fn transit_switch_race_after_churn_dd() {
    transit_switch_race(Impl::Dd, Impl::Dd, RaceStart::AfterChurn);
}
