//! Data-plane acceptance of the seed's interconnection scenario (../shared/seeds, first
//! half): vm1 on worker_east pings vm2 on worker_west,
//!
//! ```text
//! (vm1) worker_east ==== gw_east ==== gw_west ==== worker_west (vm2)
//! ```
//!
//! on four simulated hypervisors (tests/common/hv.rs), each with its own Open_vSwitch
//! database, ovs-vswitchd on the dummy datapath and a real ovn-controller 23.03 attached
//! to its zone's SB; gw_east and gw_west are interconnection gateways
//! (`external_ids:ovn-is-interconn=true`). The "physical" network is a chain of dummy
//! wires over unix sockets (worker_east – gw_east – gw_west – worker_west), one L2 segment
//! with the encap IPs 127.0.0.2–5 and static neighbour entries. Each zone runs its northd
//! and ovn-ic on its own NB/SB; the remote gateway chassis and the remote port bindings
//! exist in each SB only through ovn-ic.
//!
//! Checks, along the seed: both zones' `ovn-nbctl --wait=hv sync` return; `ovn-ic-sbctl
//! show` and east's `ovn-sbctl show` are the seed's (with these encap IPs); gw_west has a
//! geneve port to gw_east's IP (the seed's `ovs-vsctl show`); `ofproto/trace` follows the
//! ping hop by hop, each trace fed the tunnel metadata the previous hop put on the
//! packet: worker_east routes it (TTL 63, aa:aa:aa:aa:aa:01 → aa:aa:aa:aa:aa:02) and
//! tunnels it to gw_east on router_east's key towards the chassis-redirect port; gw_east
//! forwards it unchanged on ts1's key to gw_west; gw_west routes it (TTL 62,
//! 40:44:00:00:00:10 → vm2) and tunnels it to worker_west on net_west's key; worker_west
//! delivers it to vm2. Finally a real packet injected at vm1 comes out of vm2 with TTL 62,
//! having crossed the transit hop as the seed's tcpdumps show it.

mod common;

use std::time::{Duration, Instant};

use common::hv::{HvConfig, Hypervisor, Wire, eventually, geneve_inner, is_icmp};
use common::ic::{
    IcLab, Impl, SEED_EAST_SB_SHOW, SEED_IC_SB_SHOW, SEED_TRACE, Zone, assert_show_eq,
    seed_logical, show_tree, wait_learned,
};

const VM1_MAC: &str = "40:44:00:00:00:01";
const VM2_MAC: &str = "40:44:00:00:00:02";
const RE_LAN_MAC: &str = "40:44:00:00:00:04";
const RW_LAN_MAC: &str = "40:44:00:00:00:10";
const RE_TS_MAC: &str = "aa:aa:aa:aa:aa:01";
const RW_TS_MAC: &str = "aa:aa:aa:aa:aa:02";
const VM1_IP: &str = "192.168.1.11";
const VM2_IP: &str = "192.168.2.12";

/// A hypervisor of the test.
struct HvSpec {
    name: &'static str,
    zone: &'static str,
    ip: &'static str,
    hostname: &'static str,
    vif: Option<&'static str>,
    gateway: bool,
}

const HVS: [HvSpec; 4] = [
    HvSpec {
        name: "worker_east",
        zone: "east",
        ip: "127.0.0.2",
        hostname: "worker-east",
        vif: Some("vm1"),
        gateway: false,
    },
    HvSpec {
        name: "gw_east",
        zone: "east",
        ip: "127.0.0.3",
        hostname: "gw-east",
        vif: None,
        gateway: true,
    },
    HvSpec {
        name: "gw_west",
        zone: "west",
        ip: "127.0.0.4",
        hostname: "gw-west",
        vif: None,
        gateway: true,
    },
    HvSpec {
        name: "worker_west",
        zone: "west",
        ip: "127.0.0.5",
        hostname: "worker-west",
        vif: Some("vm2"),
        gateway: false,
    },
];

/// The seed's encap IPs replaced by this test's.
fn with_our_ips(seed_text: &str) -> String {
    seed_text
        .replace("192.168.50.100", "127.0.0.2")
        .replace("192.168.50.102", "127.0.0.3")
        .replace("192.168.50.103", "127.0.0.4")
}

/// One SB column of the row `find` selects (`--bare`).
fn sb_find(z: &Zone, table: &str, cond: &str, col: &str) -> String {
    z.sbctl(&["--bare", &format!("--columns={col}"), "find", table, cond])
        .trim()
        .to_string()
}

fn sb_key(z: &Zone, table: &str, cond: &str) -> u32 {
    let k = sb_find(z, table, cond, "tunnel_key");
    k.parse()
        .unwrap_or_else(|_| panic!("{}: {table} {cond}: tunnel_key {k:?}", z.name))
}

/// The line `Datapath actions: ...` of an ofproto/trace.
fn dp_actions(trace: &str) -> &str {
    trace
        .lines()
        .find(|l| l.starts_with("Datapath actions:"))
        .unwrap_or("")
}

/// Waits until `hv`'s trace of `flow` contains every string of `want` and its datapath
/// actions every string of `want_dp`; returns the trace.
fn wait_trace(hv: &Hypervisor, what: &str, flow: &str, want: &[String], want_dp: &[String]) {
    eventually(what, 30, || {
        let t = hv.trace(flow);
        let dp = dp_actions(&t);
        if want.iter().all(|w| t.contains(w.as_str()))
            && want_dp.iter().all(|w| dp.contains(w.as_str()))
        {
            Ok(())
        } else {
            Err(format!(
                "{t}\n--- wanted in the trace: {want:?}\n--- in the datapath actions: \
                 {want_dp:?}\n--- {} ovn-controller log:\n{}",
                hv.name,
                hv.controller_log()
            ))
        }
    });
}

fn ic_dataplane(northd: Impl, ic: Impl) {
    let who = format!("northd {}, ic {}", northd.label(), ic.label());
    let t0 = Instant::now();
    // The zones first, with SB_Global written (ovn-controller 23.03.1 dereferences
    // SB_Global unchecked once br-int exists).
    let lab = IcLab::with_zones(&["east", "west"], northd, ic);
    let (east, west) = (lab.zone("east"), lab.zone("west"));
    let root = lab.dir.path();
    let wire = |n: &str| root.join(format!("{n}.sock"));
    let (w_east, w_transit, w_west) = (wire("wire-east"), wire("wire-transit"), wire("wire-west"));
    let hv = |i: usize, wires: Vec<Wire>| {
        let h = &HVS[i];
        let mut cfg = HvConfig::new(h.name, h.ip, &lab.zone(h.zone).sb_sock())
            .external_id("hostname", h.hostname);
        if let Some(v) = h.vif {
            cfg = cfg.vif(v);
        }
        if h.gateway {
            cfg = cfg.external_id("ovn-is-interconn", "true");
        }
        for w in wires {
            cfg = cfg.wire(w);
        }
        Hypervisor::start(root, &cfg)
    };
    // Declared after `lab`, so dropped (stopped) before the SBs they talk to.
    let worker_east = hv(0, vec![Wire::new("wire-gw", &w_east, true)]);
    let gw_east = hv(
        1,
        vec![
            Wire::new("wire-worker", &w_east, false),
            Wire::new("wire-remote", &w_transit, true),
        ],
    );
    let gw_west = hv(
        2,
        vec![
            Wire::new("wire-remote", &w_transit, false),
            Wire::new("wire-worker", &w_west, true),
        ],
    );
    let worker_west = hv(3, vec![Wire::new("wire-gw", &w_west, false)]);
    for (a, b) in [
        (&worker_east, &gw_east),
        (&gw_east, &gw_west),
        (&gw_west, &worker_west),
    ] {
        a.neighbour(b);
        b.neighbour(a);
    }

    // The real ovn-controllers register the chassis; ovn-ic carries each gateway into the
    // other zone's SB.
    for (z, local) in [
        (east, ["gw_east", "worker_east"]),
        (west, ["gw_west", "worker_west"]),
    ] {
        eventually(&format!("{who}: {} chassis registered", z.name), 30, || {
            let names = z.sbctl(&["--bare", "--columns=name", "list", "Chassis_Private"]);
            let mut names: Vec<&str> = names.split_whitespace().collect();
            names.sort();
            if names == local {
                Ok(())
            } else {
                Err(format!("{names:?}"))
            }
        });
    }
    let t_chassis = t0.elapsed();

    seed_logical(&lab);
    for z in [east, west] {
        z.sync();
    }
    // `--wait=hv`: each northd carries its chassis' Chassis_Private.nb_cfg into
    // NB_Global.hv_cfg; the remote gateway has no Chassis_Private to wait for.
    for z in [east, west] {
        z.nbctl_try(&["--wait=hv", "--timeout=30", "sync"])
            .unwrap_or_else(|e| {
                panic!(
                    "{who}: {}: ovn-nbctl --wait=hv sync failed: {e}\nNB_Global: {}\n\
                     Chassis_Private:\n{}",
                    z.name,
                    z.nbctl(&["--columns=nb_cfg,sb_cfg,hv_cfg", "list", "NB_Global"]),
                    z.sbctl(&["--columns=name,nb_cfg", "list", "Chassis_Private"]),
                )
            });
    }
    let t_hv = t0.elapsed();

    // The control plane the seed shows, with real chassis: the IC-SB gateways and ports,
    // east's SB with west's gateway as a remote chassis binding west's port, and
    // ovn-controller's bindings (vm1 on worker_east, the chassis-redirect port on
    // gw_east).
    let ic_sb_show = with_our_ips(SEED_IC_SB_SHOW);
    eventually(&format!("{who}: ovn-ic-sbctl show"), 30, || {
        let t = lab.ic_sbctl(&["show"]);
        if t == ic_sb_show { Ok(()) } else { Err(t) }
    });
    let east_sb_show = with_our_ips(SEED_EAST_SB_SHOW);
    let want = show_tree(&east_sb_show);
    eventually(&format!("{who}: east's ovn-sbctl show"), 30, || {
        let t = east.sbctl(&["show"]);
        if show_tree(&t) == want {
            Ok(())
        } else {
            Err(t)
        }
    });
    assert_show_eq(
        &east_sb_show,
        &east.sbctl(&["show"]),
        "east: ovn-sbctl show",
    );
    for (z, vm) in [(east, "vm1"), (west, "vm2")] {
        eventually(&format!("{who}: {vm} up"), 30, || {
            let up = z.nbctl(&["get", "Logical_Switch_Port", vm, "up"]);
            if up.trim() == "true" { Ok(()) } else { Err(up) }
        });
    }
    wait_learned(east, "router_east", "192.168.2.0/24", "169.254.100.2");
    wait_learned(west, "router_west", "192.168.1.0/24", "169.254.100.1");

    // The seed's `ovs-vsctl show` on gw-west: the geneve port to gw_east.
    let (_, gw_west_from_east) =
        eventually(&format!("{who}: gw_west's tunnel to gw_east"), 30, || {
            gw_west.tunnel_to(&gw_east.ip)
        });
    let show = gw_west.vsctl(&["show"]);
    for want in [
        "Port ovn-gw_eas-0".to_string(),
        "Interface ovn-gw_eas-0".to_string(),
        "type: geneve".to_string(),
        format!(
            "options: {{csum=\"true\", key=flow, remote_ip=\"{}\"}}",
            gw_east.ip
        ),
    ] {
        assert!(
            show.contains(&want),
            "{who}: gw_west's ovs-vsctl show lacks {want}:\n{show}"
        );
    }

    // The seed's ovn-trace, with the OpenFlow flows of worker_east (`--ovs=`).
    let ovs = format!(
        "--ovs=unix:{}",
        worker_east.dir.join("br-int.mgmt").display()
    );
    let mut targs: Vec<&str> = vec![&ovs];
    targs.extend(&SEED_TRACE[1..]);
    let trace = east.trace(&targs);
    for want in [
        "egress(dp=\"ts1\", inport=\"lsp-ts1-router_east\", outport=\"lsp-ts1-router_west\")",
        "/* output to \"lsp-ts1-router_west\", type \"remote\" */",
    ] {
        assert!(
            trace.contains(want),
            "{who}: ovn-trace lacks {want}:\n{trace}"
        );
    }

    // The keys the tunnels carry, once they no longer move (the C ovn-ic renumbers a
    // transit-switch port each time it drops and recreates its IC-SB binding while the
    // port is being configured).
    lab.quiesce(Duration::from_millis(800), 60);
    // The keys the tunnels carry. ts1's datapath key and its ports' keys are the IC-SB
    // ones, the same in both zones.
    let router_east = sb_key(east, "Datapath_Binding", "external_ids:name=router_east");
    let re_lan = sb_key(east, "Port_Binding", "logical_port=router_east-net_east");
    let cr_re = sb_key(east, "Port_Binding", "logical_port=cr-lrp-router_east-ts1");
    let ts1 = sb_key(east, "Datapath_Binding", "external_ids:name=ts1");
    let ts1_isb: u32 = lab
        .ic_sbctl(&[
            "--bare",
            "--columns=tunnel_key",
            "find",
            "Datapath_Binding",
            "transit_switch=ts1",
        ])
        .trim()
        .parse()
        .unwrap();
    let ts1_west = sb_key(west, "Datapath_Binding", "external_ids:name=ts1");
    assert_eq!(
        (ts1, ts1_west),
        (ts1_isb, ts1_isb),
        "{who}: ts1's datapath keys"
    );
    let ts_re = sb_key(east, "Port_Binding", "logical_port=lsp-ts1-router_east");
    let ts_rw = sb_key(east, "Port_Binding", "logical_port=lsp-ts1-router_west");
    assert_eq!(
        (ts_re, ts_rw),
        (
            sb_key(west, "Port_Binding", "logical_port=lsp-ts1-router_east"),
            sb_key(west, "Port_Binding", "logical_port=lsp-ts1-router_west")
        ),
        "{who}: ts1's port keys in east and west"
    );
    let net_west = sb_key(west, "Datapath_Binding", "external_ids:name=net_west");
    let nw_router = sb_key(west, "Port_Binding", "logical_port=net_west-router_west");
    let vm2 = sb_key(west, "Port_Binding", "logical_port=vm2");
    // ovn-architecture(7): geneve option class 0x102 type 0x80, 32 bits: logical
    // ingress port in bits 16..30, logical egress port in bits 0..15.
    let md1 = (re_lan << 16) | cr_re;
    let md2 = (ts_re << 16) | ts_rw;
    let md3 = (nw_router << 16) | vm2;
    let geneve = |src: &Hypervisor, dst: &Hypervisor, vni: u32, md: u32| {
        vec![
            "tnl_push(".to_string(),
            format!("ipv4(src={},dst={},proto=17,", src.ip, dst.ip),
            "udp(src=0,dst=6081,".to_string(),
            format!("vni={vni:#x},options({{class=0x102,type=0x80,len=4,{md:#x}}})"),
        ]
    };
    let hop = |to: &Hypervisor, ofport: &str, vni: u32| {
        vec![
            format!("set_field:{vni:#x}/0xffffff->tun_id"),
            format!("output:{ofport}\n"),
            "-> output to native tunnel".to_string(),
            format!("-> tunneling to {} via br-phys", to.ip),
        ]
    };
    let icmp = |src: &str, dst: &str, ttl: u8| {
        format!(
            "dl_src={src},dl_dst={dst},dl_type=0x0800,nw_src={VM1_IP},nw_dst={VM2_IP},\
             nw_ttl={ttl},nw_proto=1"
        )
    };

    // 1. worker_east runs net_east and router_east up to the distributed gateway port:
    // routed (TTL 63, the transit MACs), then tunnelled to gw_east on router_east's key
    // towards the chassis-redirect port.
    let (_, we_to_ge) = eventually(&format!("{who}: worker_east's tunnel"), 30, || {
        worker_east.tunnel_to(&gw_east.ip)
    });
    let mut dp1 = vec![
        format!("set(eth(src={RE_TS_MAC},dst={RW_TS_MAC}))"),
        "set(ipv4(ttl=63))".to_string(),
    ];
    dp1.extend(geneve(&worker_east, &gw_east, router_east, md1));
    wait_trace(
        &worker_east,
        &format!("{who}: worker_east tunnels vm1's packet to gw_east"),
        &format!("in_port=vm1,{}", icmp(VM1_MAC, RE_LAN_MAC, 64)),
        &hop(&gw_east, &we_to_ge, router_east),
        &dp1,
    );

    // 2. gw_east: router_east's gateway port, then ts1, whose port lsp-ts1-router_west is
    // bound to the remote chassis gw_west: tunnelled unchanged on ts1's key.
    let (_, ge_from_we) = eventually(
        &format!("{who}: gw_east's tunnel to worker_east"),
        30,
        || gw_east.tunnel_to(&worker_east.ip),
    );
    let (_, ge_to_gw) = eventually(&format!("{who}: gw_east's tunnel to gw_west"), 30, || {
        gw_east.tunnel_to(&gw_west.ip)
    });
    let tun = |from: &Hypervisor, to: &Hypervisor, vni: u32, md: u32| {
        format!(
            "tun_id={vni:#x},tun_src={},tun_dst={},tun_metadata0={md:#x}",
            from.ip, to.ip
        )
    };
    let flow2 = format!(
        "in_port={ge_from_we},{},{}",
        tun(&worker_east, &gw_east, router_east, md1),
        icmp(RE_TS_MAC, RW_TS_MAC, 63)
    );
    wait_trace(
        &gw_east,
        &format!("{who}: gw_east tunnels it to gw_west on ts1"),
        &flow2,
        &hop(&gw_west, &ge_to_gw, ts1),
        &geneve(&gw_east, &gw_west, ts1, md2),
    );
    let dp2 = dp_actions(&gw_east.trace(&flow2)).to_string();
    assert!(
        dp2.starts_with("Datapath actions: tnl_push("),
        "{who}: gw_east changes the packet before the transit tunnel: {dp2}"
    );

    // 3. gw_west: ts1, router_west (TTL 62, vm2's MAC), net_west; vm2 is on worker_west.
    let (_, gw_to_ww) = eventually(
        &format!("{who}: gw_west's tunnel to worker_west"),
        30,
        || gw_west.tunnel_to(&worker_west.ip),
    );
    let mut dp3 = vec![
        format!("set(eth(src={RW_LAN_MAC},dst={VM2_MAC}))"),
        "set(ipv4(ttl=62))".to_string(),
    ];
    dp3.extend(geneve(&gw_west, &worker_west, net_west, md3));
    wait_trace(
        &gw_west,
        &format!("{who}: gw_west routes it and tunnels it to worker_west"),
        &format!(
            "in_port={gw_west_from_east},{},{}",
            tun(&gw_east, &gw_west, ts1, md2),
            icmp(RE_TS_MAC, RW_TS_MAC, 63)
        ),
        &hop(&worker_west, &gw_to_ww, net_west),
        &dp3,
    );

    // 4. worker_west delivers it to vm2.
    let (_, ww_from_gw) = eventually(&format!("{who}: worker_west's tunnel"), 30, || {
        worker_west.tunnel_to(&gw_west.ip)
    });
    let vm2_ofport = worker_west.get_iface("vm2", "ofport");
    let vm2_odp = worker_west.odp_port("vm2");
    wait_trace(
        &worker_west,
        &format!("{who}: worker_west delivers it to vm2"),
        &format!(
            "in_port={ww_from_gw},{},{}",
            tun(&gw_west, &worker_west, net_west, md3),
            icmp(RW_LAN_MAC, VM2_MAC, 62)
        ),
        &[format!("output:{vm2_ofport}\n")],
        &[format!("Datapath actions: {vm2_odp}")],
    );
    let t_traces = t0.elapsed();

    // And a real packet: injected at vm1, three tunnels, out of vm2 with TTL 62. On the
    // way, what gw_east sends to gw_west carries ts1's key and the frame of the seed's
    // tcpdump on gw-east (aa:aa:aa:aa:aa:01 > aa:aa:aa:aa:aa:02, ttl 63); what gw_west
    // sends to worker_west the one of its tcpdump on gw-west (40:44:00:00:00:10 >
    // 40:44:00:00:00:02, ttl 62).
    let packet = format!(
        "eth(src={VM1_MAC},dst={RE_LAN_MAC}),eth_type(0x0800),\
         ipv4(src={VM1_IP},dst={VM2_IP},proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)"
    );
    eventually(&format!("{who}: vm1's ping comes out of vm2"), 30, || {
        worker_east.receive("vm1", &packet);
        std::thread::sleep(Duration::from_millis(100));
        let pkts = worker_west.transmitted("vm2");
        if pkts
            .iter()
            .any(|p| is_icmp(p, RW_LAN_MAC, VM2_MAC, VM1_IP, VM2_IP, 62))
        {
            Ok(())
        } else {
            Err(format!("{} packets out of vm2: {pkts:02x?}", pkts.len()))
        }
    });
    let tunnelled = |hv: &Hypervisor, vni: u32, src: &str, dst: &str, ttl: u8| {
        let all: Vec<Vec<u8>> = ["wire-remote", "wire-worker"]
            .iter()
            .flat_map(|w| hv.transmitted(w))
            .collect();
        let hit = all.iter().any(|p| {
            geneve_inner(p)
                .is_some_and(|(v, inner)| v == vni && is_icmp(inner, src, dst, VM1_IP, VM2_IP, ttl))
        });
        assert!(
            hit,
            "{who}: {} sent no geneve packet with VNI {vni:#x} and {src} > {dst} ttl {ttl}: \
             {all:02x?}",
            hv.name
        );
    };
    tunnelled(&gw_east, ts1, RE_TS_MAC, RW_TS_MAC, 63);
    tunnelled(&gw_west, net_west, RW_LAN_MAC, VM2_MAC, 62);
    eprintln!(
        "{who}: chassis {:.1?}, seed + --wait=hv {:.1?}, checks and traces {:.1?}, packet {:.1?}",
        t_chassis,
        t_hv - t_chassis,
        t_traces - t_hv,
        t0.elapsed() - t_traces
    );
    drop((worker_west, gw_west, gw_east, worker_east));
}

#[test]
fn ic_dataplane_c() {
    ic_dataplane(Impl::C, Impl::C);
}

#[test]
fn ic_dataplane_dd() {
    ic_dataplane(Impl::Dd, Impl::Dd);
}
