//! Data-plane acceptance: the seed scenario (vm1 on worker1 pings vm2 on worker2 through
//! router1) on two simulated hypervisors, each with its own Open_vSwitch database,
//! `ovs-vswitchd` on the dummy datapath and a real `ovn-controller` 23.03 talking to the
//! SB the northd under test writes. Run once with the real ovn-northd (which proves the
//! expectations) and once with `ovn-dd northd`.
//!
//! Per hypervisor (`<lab>/workerN/`, everything there: db, sockets, pidfiles, logs):
//!
//! - `br-int` (datapath_type=dummy) with the VIF `vmN` (type=dummy, iface-id=vmN);
//!   ovn-controller adds the geneve tunnel port to the other chassis.
//! - `br-phys`, the "physical" bridge that carries the encapsulated packets: it holds the
//!   hypervisor's encap IP (127.0.0.2 / 127.0.0.3, addresses of dummy netdevs only, no
//!   real interface), a route to the other one and a static neighbor entry, and a dummy
//!   port `wire` joined to the other hypervisor's `wire` by a unix stream socket.
//!
//! `ovs-vswitchd` runs with `--enable-dummy=system`, as OVS's and OVN's own test suites
//! do: `=override` would replace the geneve netdev class by a plain dummy too, so the
//! tunnel port would be no tunnel at all (no `tnl_push`, no VNI in the datapath actions).
//!
//! Checks: both chassis register, `ovn-nbctl --wait=hv sync` returns (NB_Global.hv_cfg
//! follows SB Chassis_Private.nb_cfg), vm1 and vm2 become `up` in NB, `ofproto/trace` on
//! worker1 shows the routed packet (ttl 63, MACs rewritten) leaving through the geneve
//! port with VNI = network2's tunnel key and the OVN option carrying (inport, outport),
//! the matching tunnel packet traced on worker2 is delivered to vm2, and finally a real
//! packet injected at vm1 comes out of vm2 (captured with the dummy netdev's `tx_pcap`).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::hv::{HvConfig, Hypervisor, Wire, eventually, ip_bytes, mac_bytes, pcap_packets};
use common::{Lab, SEED, words};

/// The seed's ping: vm1 (192.168.0.11) to vm2 (192.168.1.11) through router1.
const VM1_MAC: &str = "40:44:00:00:00:01";
const VM2_MAC: &str = "40:44:00:00:00:02";
const R1_NET1_MAC: &str = "40:44:00:00:00:03";
const R1_NET2_MAC: &str = "40:44:00:00:00:04";
const VM1_IP: &str = "192.168.0.11";
const VM2_IP: &str = "192.168.1.11";

/// One SB column of the row `find`s selects (`--bare`).
fn sb_find(lab: &Lab, table: &str, cond: &str, col: &str) -> String {
    lab.sbctl(&["--bare", &format!("--columns={col}"), "find", table, cond])
        .trim()
        .to_string()
}

fn dataplane(lab: Lab, who: &str) {
    let t0 = Instant::now();
    // The central side first, as in a deployment: ovn-controller 23.03.1 dereferences
    // SB_Global unchecked once br-int exists (pflow_output_get_debug), so a chassis
    // that connects before northd has written SB_Global segfaults.
    lab.sync();
    let wire = lab.dir.path().join("wire.sock");
    // Declared after `lab`, so dropped (stopped) before the SB they talk to.
    let hv = |name: &str, ip: &str, vif: &str, listen: bool| {
        let cfg = HvConfig::new(name, ip, &lab.sb_sock())
            .vif(vif)
            .wire(Wire::new("wire", &wire, listen));
        Hypervisor::start(lab.dir.path(), &cfg)
    };
    let hv1 = hv("worker1", "127.0.0.2", "vm1", true);
    let hv2 = hv("worker2", "127.0.0.3", "vm2", false);
    // Each one's neighbor entry for the other's encap IP (nothing answers ARP here).
    hv1.neighbour(&hv2);
    hv2.neighbour(&hv1);

    // The real ovn-controllers register the chassis (no `ovn-sbctl chassis-add`).
    eventually("both chassis registered", 30, || {
        let names = lab.sbctl(&["--bare", "--columns=name", "list", "Chassis_Private"]);
        let mut names: Vec<&str> = names.split_whitespace().collect();
        names.sort();
        if names == ["worker1", "worker2"] {
            Ok(())
        } else {
            Err(format!("{names:?}"))
        }
    });
    let t_chassis = t0.elapsed();

    for line in SEED.lines().map(str::trim) {
        let w = words(line);
        if w.first().map(String::as_str) != Some("ovn-nbctl") {
            continue;
        }
        let mut args = vec!["--wait=sb", "--timeout=30"];
        args.extend(w[1..].iter().map(String::as_str));
        lab.nbctl(&args);
    }
    let t_seed = t0.elapsed();
    // `--wait=hv`: northd must carry the chassis' Chassis_Private.nb_cfg into
    // NB_Global.hv_cfg.
    let wait_hv = Command::new("ovn-nbctl")
        .arg(format!("--db={}", lab.nb_sock()))
        .args(["--wait=hv", "--timeout=20", "sync"])
        .output()
        .unwrap();
    assert!(
        wait_hv.status.success(),
        "{who}: ovn-nbctl --wait=hv sync failed: {}\nNB_Global: {}\nSB_Global: {}\n\
         Chassis_Private:\n{}",
        String::from_utf8_lossy(&wait_hv.stderr).trim(),
        lab.nbctl(&["--columns=nb_cfg,sb_cfg,hv_cfg", "list", "NB_Global"]),
        lab.sbctl(&["--columns=nb_cfg", "list", "SB_Global"]),
        lab.sbctl(&["--columns=name,nb_cfg", "list", "Chassis_Private"]),
    );
    let t_hv = t0.elapsed();
    let nb_cfg: i64 = lab
        .nbctl(&["get", "NB_Global", ".", "nb_cfg"])
        .trim()
        .parse()
        .unwrap();
    let hv_cfg: i64 = lab
        .nbctl(&["get", "NB_Global", ".", "hv_cfg"])
        .trim()
        .parse()
        .unwrap();
    assert!(hv_cfg >= nb_cfg, "{who}: hv_cfg {hv_cfg} < nb_cfg {nb_cfg}");

    // Bindings: each VIF on its chassis, up in SB and, written back by northd, in NB.
    for (vm, hv) in [("vm1", &hv1), ("vm2", &hv2)] {
        let chassis = sb_find(&lab, "Chassis", &format!("name={}", hv.name), "_uuid");
        eventually(&format!("{who}: {vm} bound and up"), 30, || {
            let pb = format!("logical_port={vm}");
            let bound = sb_find(&lab, "Port_Binding", &pb, "chassis");
            let sb_up = sb_find(&lab, "Port_Binding", &pb, "up");
            let nb_up = lab.nbctl(&["get", "Logical_Switch_Port", vm, "up"]);
            if bound == chassis && sb_up == "true" && nb_up.trim() == "true" {
                Ok(())
            } else {
                Err(format!(
                    "Port_Binding {vm}: chassis={bound:?} (want {chassis}) up={sb_up:?}; \
                     NB Logical_Switch_Port up={nb_up:?}"
                ))
            }
        });
    }
    let t_up = t0.elapsed();

    let key = |table: &str, cond: &str| -> u32 {
        let k = sb_find(&lab, table, cond, "tunnel_key");
        k.parse()
            .unwrap_or_else(|_| panic!("{table} {cond}: tunnel_key {k:?}"))
    };
    let net2 = key("Datapath_Binding", "external_ids:name=network2");
    let net2_router1 = key("Port_Binding", "logical_port=net2-router1");
    let vm2 = key("Port_Binding", "logical_port=vm2");
    // ovn-architecture(7): geneve option class 0x102 type 0x80, 32 bits: logical
    // ingress port in bits 16..30, logical egress port in bits 0..15.
    let md = (net2_router1 << 16) | vm2;

    // Worker1 runs network1, router1 and network2's ingress pipeline, then tunnels the
    // packet to worker2, which holds vm2.
    let (_, tun1) = eventually(&format!("{who}: worker1's tunnel"), 30, || {
        hv1.tunnel_to(&hv2.ip)
    });
    let trace1_flow = format!(
        "in_port=vm1,dl_src={VM1_MAC},dl_dst={R1_NET1_MAC},dl_type=0x0800,\
         nw_src={VM1_IP},nw_dst={VM2_IP},nw_ttl=64,nw_proto=1"
    );
    let expect1 = [
        format!("set_field:{net2:#x}/0xffffff->tun_id"),
        format!("output:{tun1}\n"),
        "-> output to native tunnel".to_string(),
        format!("-> tunneling to {} via br-phys", hv2.ip),
    ];
    let expect1_dp = [
        format!("set(eth(src={R1_NET2_MAC},dst={VM2_MAC}))"),
        "set(ipv4(ttl=63))".to_string(),
        format!("ipv4(src={},dst={},proto=17,", hv1.ip, hv2.ip),
        "udp(src=0,dst=6081,".to_string(),
        format!("vni={net2:#x},options({{class=0x102,type=0x80,len=4,{md:#x}}})"),
    ];
    eventually(&format!("{who}: worker1 tunnels vm1's packet"), 30, || {
        let t = hv1.trace(&trace1_flow);
        let dp = t
            .lines()
            .find(|l| l.starts_with("Datapath actions:"))
            .unwrap_or("");
        let ok = expect1.iter().all(|e| t.contains(e.as_str()))
            && dp.contains("tnl_push(")
            && expect1_dp.iter().all(|e| dp.contains(e.as_str()));
        if ok { Ok(()) } else { Err(t) }
    });

    // Worker2: the same packet as it arrives from the tunnel reaches vm2 unchanged.
    let (_, tun2) = eventually(&format!("{who}: worker2's tunnel"), 30, || {
        hv2.tunnel_to(&hv1.ip)
    });
    let vm2_ofport = hv2.get_iface("vm2", "ofport");
    let vm2_odp = hv2.odp_port("vm2");
    let trace2_flow = format!(
        "in_port={tun2},tun_id={net2:#x},tun_src={},tun_dst={},tun_metadata0={md:#x},\
         dl_src={R1_NET2_MAC},dl_dst={VM2_MAC},dl_type=0x0800,\
         nw_src={VM1_IP},nw_dst={VM2_IP},nw_ttl=63,nw_proto=1",
        hv1.ip, hv2.ip
    );
    eventually(&format!("{who}: worker2 delivers to vm2"), 30, || {
        let t = hv2.trace(&trace2_flow);
        let dp = t
            .lines()
            .find(|l| l.starts_with("Datapath actions:"))
            .unwrap_or("");
        let ok = t.contains(&format!("output:{vm2_ofport}\n"))
            && dp == format!("Datapath actions: {vm2_odp}");
        if ok { Ok(()) } else { Err(t) }
    });
    let t_traces = t0.elapsed();

    // And a real packet: injected at vm1, encapsulated on worker1, carried over the
    // wire, decapsulated on worker2, out of vm2.
    let packet = format!(
        "eth(src={VM1_MAC},dst={R1_NET1_MAC}),eth_type(0x0800),\
         ipv4(src={VM1_IP},dst={VM2_IP},proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)"
    );
    let pcap = hv2.dir.join("vm2-tx.pcap");
    let want_dst = mac_bytes(VM2_MAC);
    let want_src = mac_bytes(R1_NET2_MAC);
    let (src_ip, dst_ip) = (ip_bytes(VM1_IP), ip_bytes(VM2_IP));
    eventually(&format!("{who}: vm1's ping comes out of vm2"), 30, || {
        hv1.appctl(&["netdev-dummy/receive", "vm1", &packet]);
        std::thread::sleep(Duration::from_millis(100));
        let pkts = pcap_packets(&pcap);
        let hit = pkts.iter().any(|p| {
            p.len() >= 34
                && p[0..6] == want_dst[..]
                && p[6..12] == want_src[..]
                && p[12..14] == [0x08, 0x00]
                && p[22] == 63
                && p[23] == 1
                && p[26..30] == src_ip[..]
                && p[30..34] == dst_ip[..]
        });
        if hit {
            Ok(())
        } else {
            Err(format!("{} packets out of vm2: {pkts:02x?}", pkts.len()))
        }
    });
    eprintln!(
        "{who}: chassis {:.1?}, seed --wait=sb {:.1?}, --wait=hv {:.1?}, up {:.1?}, \
         traces {:.1?}, packet {:.1?}",
        t_chassis,
        t_seed - t_chassis,
        t_hv - t_seed,
        t_up - t_hv,
        t_traces - t_up,
        t0.elapsed() - t_traces
    );
    drop((hv2, hv1));
}

#[test]
fn dataplane_with_ovn_northd() {
    dataplane(Lab::with_northd(), "ovn-northd");
}

#[test]
fn dataplane_with_ovn_dd() {
    dataplane(Lab::with_ovn_dd(), "ovn-dd");
}
