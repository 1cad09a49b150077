//! ls_in_l2_lkup — destination lookup: service-monitor replies to the controller, ARP/NS
//! for router addresses to the router port (and a copy to the L2 ports), broadcast and
//! multicast floods, known MACs to their port, everything else to the FDB.

use crate::model::{Config, Lsp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LsInL2Lkup;

/// Priority 110: service-monitor replies; 70: multicast floods; 0: FDB lookup.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(
        STAGE,
        110,
        "eth.dst == $svc_monitor_mac && (tcp || icmp || icmp6)",
        "handle_svc_check(inport);",
    );
    f.add(STAGE, 70, "eth.mcast", "outport = \"_MC_flood\"; output;");
    f.add(STAGE, 0, "1", "outport = get_fdb(eth.dst); next;");
}

/// Priority 50: each known MAC goes to its port (dropped if the port is disabled);
/// priorities 80/75 for router ports: see [`router_port`].
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if p.kind() == "external" {
        return;
    }
    let act = if p.enabled() {
        format!("outport = {}; output;", json_key(p.name()))
    } else {
        "drop;".into()
    };
    for (i, e) in p.addrs.entries.iter().enumerate() {
        let mut m = format!("eth.dst == {}", e.mac);
        // The peer router port's MAC is only owned where its gateway resides, when the
        // switch reaches the physical network through a localnet port.
        if p.addrs.router_entry == Some(i)
            && let Some(peer) = &p.peer
            && p.sw.has_localnet
        {
            if peer.is_dgp {
                m.push_str(&format!(
                    " && is_chassis_resident({})",
                    json_key(&peer.cr_name())
                ));
            } else if peer.lr.dgps.len() == 1
                && crate::input::smap_bool(&peer.nb.options, "reside-on-redirect-chassis", false)
            {
                let cr = format!("cr-{}", peer.lr.dgps[0]);
                m.push_str(&format!(" && is_chassis_resident({})", json_key(&cr)));
            }
        }
        f.add_hint(STAGE, 50, m, &act, p.nb.uuid);
    }
    router_port(p, f);
}

/// Priority 80: ARP / NS for the peer router port's addresses go to the router port, with
/// a copy to the L2 ports when the switch has other ports; priority 75: ARP/NS sent by
/// the router port itself flood the L2 ports.
fn router_port(p: &Lsp, f: &mut Flows) {
    let Some(peer) = &p.peer else { return };
    if !p.is_router() || !peer.enabled() {
        return;
    }
    let rp = json_key(p.name());
    let act = if p.sw.has_non_router_port {
        format!("clone {{outport = {rp}; output; }}; outport = \"_MC_flood_l2\"; output;")
    } else {
        format!("outport = {rp}; output;")
    };
    for v4 in &peer.networks.ipv4 {
        let m = format!("flags[1] == 0 && arp.op == 1 && arp.tpa == {}", v4.addr);
        f.add_hint(STAGE, 80, m, &act, p.nb.uuid);
    }
    for v6 in &peer.networks.ipv6 {
        let m = format!("flags[1] == 0 && nd_ns && nd.target == {}", ip6(&v6.addr));
        f.add_hint(STAGE, 80, m, &act, p.nb.uuid);
    }
    if p.sw.has_non_router_port {
        let m = format!(
            "eth.src == {{{}}} && (arp.op == 1 || rarp.op == 3 || nd_ns)",
            peer.networks.mac
        );
        f.add(STAGE, 75, m, "outport = \"_MC_flood_l2\"; output;");
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (
            110,
            "eth.dst == $svc_monitor_mac && (tcp || icmp || icmp6)",
            "handle_svc_check(inport);",
        ),
        (70, "eth.mcast", "outport = \"_MC_flood\"; output;"),
        (0, "1", "outport = get_fdb(eth.dst); next;"),
    ];

    fn with_defaults<'a>(flows: &[(u16, &'a str, &'a str)]) -> Vec<(u16, &'a str, &'a str)> {
        let mut v = DEFAULTS.to_vec();
        v.extend_from_slice(flows);
        v
    }

    #[test]
    fn default_flows_check_service_monitor_flood_multicast_and_look_up_the_fdb() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        assert_flows(t.run().stage(sw, STAGE), DEFAULTS);
    }

    #[test]
    fn known_mac_goes_to_its_port() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        let vm1 = t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        // Several entries; the same MAC twice gives one flow.
        t.vif(
            sw,
            "vm2",
            &[
                "50:54:00:00:00:02 10.0.0.6",
                "50:54:00:00:00:02 10.0.0.16",
                "50:54:00:00:00:03",
            ],
        );
        // MACs are printed normalized; names are JSON-quoted.
        t.vif(sw, "we\"ird", &["50:54:00:00:00:0A"]);
        // No flow for `unknown`, `dynamic` without IPAM, or external ports.
        t.vif(sw, "u1", &["unknown"]);
        t.vif(sw, "dyn", &["dynamic"]);
        t.lsp(sw, "ext", "external", &["50:54:00:00:00:0c 10.0.0.12"]);
        let r = t.run();
        assert_flows(
            r.stage(sw, STAGE),
            &with_defaults(&[
                (
                    50,
                    "eth.dst == 50:54:00:00:00:01",
                    "outport = \"vm1\"; output;",
                ),
                (
                    50,
                    "eth.dst == 50:54:00:00:00:02",
                    "outport = \"vm2\"; output;",
                ),
                (
                    50,
                    "eth.dst == 50:54:00:00:00:03",
                    "outport = \"vm2\"; output;",
                ),
                (
                    50,
                    "eth.dst == 50:54:00:00:00:0a",
                    "outport = \"we\\\"ird\"; output;",
                ),
            ]),
        );
        let f = r.flow(sw, STAGE, 50, "eth.dst == 50:54:00:00:00:01");
        assert_eq!((f.io_port.as_deref(), f.hint), (None, Some(vm1.hint())));
    }

    #[test]
    fn disabled_port_mac_is_dropped() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        let d1 = t.vif(sw, "d1", &["50:54:00:00:00:02 10.0.0.6 2001:db8::6"]);
        t.lsp_mut(d1).enabled = Some(false);
        assert_flows(
            t.run().stage(sw, STAGE),
            &with_defaults(&[(50, "eth.dst == 50:54:00:00:00:02", "drop;")]),
        );
    }

    #[test]
    fn router_port_gets_peer_mac_and_arp_nd_steering() {
        // ls-C sw1 without the DGP.
        let mut t = Topo::new();
        let sw = t.switch("sw1");
        t.vif(sw, "vm1", &["50:54:00:00:01:01 172.16.0.5"]);
        let rp = t.link(sw, "sw1-lr0", "lrp-sw1");
        let r = t.router("lr0");
        t.lrp(
            r,
            "lrp-sw1",
            "00:00:00:00:ff:01",
            &["172.16.0.1/24", "2001:db8:1::1/64"],
        );
        let run = t.run();
        let clone = "clone {outport = \"sw1-lr0\"; output; }; outport = \"_MC_flood_l2\"; output;";
        assert_flows(
            run.stage(sw, STAGE),
            &with_defaults(&[
                (
                    50,
                    "eth.dst == 50:54:00:00:01:01",
                    "outport = \"vm1\"; output;",
                ),
                (
                    50,
                    "eth.dst == 00:00:00:00:ff:01",
                    "outport = \"sw1-lr0\"; output;",
                ),
                (
                    80,
                    "flags[1] == 0 && arp.op == 1 && arp.tpa == 172.16.0.1",
                    clone,
                ),
                (
                    80,
                    "flags[1] == 0 && nd_ns && nd.target == 2001:db8:1::1",
                    clone,
                ),
                (
                    80,
                    "flags[1] == 0 && nd_ns && nd.target == fe80::200:ff:fe00:ff01",
                    clone,
                ),
                (
                    75,
                    "eth.src == {00:00:00:00:ff:01} && (arp.op == 1 || rarp.op == 3 || nd_ns)",
                    "outport = \"_MC_flood_l2\"; output;",
                ),
            ]),
        );
        // p80 hinted with the router-type port; p75 without hint.
        let f = run.flow(
            sw,
            STAGE,
            80,
            "flags[1] == 0 && arp.op == 1 && arp.tpa == 172.16.0.1",
        );
        assert_eq!(f.hint, Some(rp.hint()));
        let f = run.flow(
            sw,
            STAGE,
            75,
            "eth.src == {00:00:00:00:ff:01} && (arp.op == 1 || rarp.op == 3 || nd_ns)",
        );
        assert_eq!(f.hint, None);
    }

    #[test]
    fn switch_of_only_router_ports_sends_arp_straight_to_the_router() {
        // ls-C join: a configured LLA and an uppercase IPv6 network; the EUI-64 LLA is
        // added too.
        let mut t = Topo::new();
        let sw = t.switch("join");
        t.link(sw, "join-lr0", "lrp-join");
        let r = t.router("lr0");
        t.lrp(
            r,
            "lrp-join",
            "00:00:00:00:ff:02",
            &[
                "100.64.0.1/16",
                "fe80::200:ff:feff:2/64",
                "2001:DB8:2:0:0:0:0:1/64",
                "10.1.0.1/24",
            ],
        );
        let a = "outport = \"join-lr0\"; output;";
        assert_flows(
            t.run().stage(sw, STAGE),
            &with_defaults(&[
                (80, "flags[1] == 0 && arp.op == 1 && arp.tpa == 10.1.0.1", a),
                (
                    80,
                    "flags[1] == 0 && arp.op == 1 && arp.tpa == 100.64.0.1",
                    a,
                ),
                (
                    80,
                    "flags[1] == 0 && nd_ns && nd.target == 2001:db8:2::1",
                    a,
                ),
                (
                    80,
                    "flags[1] == 0 && nd_ns && nd.target == fe80::200:ff:fe00:ff02",
                    a,
                ),
                (
                    80,
                    "flags[1] == 0 && nd_ns && nd.target == fe80::200:ff:feff:2",
                    a,
                ),
                (50, "eth.dst == 00:00:00:00:ff:02", a),
            ]),
        );
    }

    #[test]
    fn disabled_peer_router_port_gets_no_steering() {
        // ls-C sw2: the LRP is disabled (and so is the router-type port, whose MAC entry
        // is dropped); a router-type port without a peer adds nothing but still counts
        // as a non-router port.
        let mut t = Topo::new();
        let sw = t.switch("sw2");
        t.vif(sw, "vm2", &["50:54:00:00:02:01 10.2.0.5"]);
        let rp = t.lsp(
            sw,
            "sw2-lr0",
            "router",
            &["00:00:00:00:ff:03 10.2.0.1", "router"],
        );
        t.lsp_mut(rp).options = smap(&[("router-port", "lrp-sw2")]);
        t.lsp_mut(rp).enabled = Some(false);
        t.link(sw, "sw2-nopeer", "nonexistent");
        let r = t.router("lr0");
        let lrp = t.lrp(r, "lrp-sw2", "00:00:00:00:ff:03", &["10.2.0.1/24"]);
        t.lrp_mut(lrp).enabled = Some(false);
        assert_flows(
            t.run().stage(sw, STAGE),
            &with_defaults(&[
                (50, "eth.dst == 00:00:00:00:ff:03", "drop;"),
                (
                    50,
                    "eth.dst == 50:54:00:00:02:01",
                    "outport = \"vm2\"; output;",
                ),
            ]),
        );
    }

    #[test]
    fn disabled_router_type_port_still_steers_arp_to_an_enabled_peer() {
        // ls-H: the LSP's own enabled flag is not checked for p80/p75.
        let mut t = Topo::new();
        let sw = t.switch("sw6");
        t.vif(sw, "vm6", &["50:54:00:00:06:01 10.6.0.5"]);
        let rp = t.link(sw, "sw6-lr6", "lrp6");
        t.lsp_mut(rp).enabled = Some(false);
        let r = t.router("lr6");
        t.lrp(r, "lrp6", "00:00:00:00:06:01", &["10.6.0.1/24"]);
        let clone = "clone {outport = \"sw6-lr6\"; output; }; outport = \"_MC_flood_l2\"; output;";
        assert_flows(
            t.run().stage(sw, STAGE),
            &with_defaults(&[
                (
                    50,
                    "eth.dst == 50:54:00:00:06:01",
                    "outport = \"vm6\"; output;",
                ),
                (50, "eth.dst == 00:00:00:00:06:01", "drop;"),
                (
                    80,
                    "flags[1] == 0 && arp.op == 1 && arp.tpa == 10.6.0.1",
                    clone,
                ),
                (
                    80,
                    "flags[1] == 0 && nd_ns && nd.target == fe80::200:ff:fe00:601",
                    clone,
                ),
                (
                    75,
                    "eth.src == {00:00:00:00:06:01} && (arp.op == 1 || rarp.op == 3 || nd_ns)",
                    "outport = \"_MC_flood_l2\"; output;",
                ),
            ]),
        );
    }

    #[test]
    fn gateway_port_mac_is_chassis_resident_only_on_a_localnet_switch() {
        // ls-E without NAT: a DGP peer and a reside-on-redirect-chassis peer behind
        // switches with localnet ports; ls-C: a DGP peer without localnet.
        let mut t = Topo::new();
        let r = t.router("lr0");
        let gw = t.lrp(r, "lrp-gw", "00:00:00:00:ff:01", &["172.16.0.1/24"]);
        t.dgp(gw, "hv1");
        let inner = t.lrp(r, "lrp-in", "00:00:00:00:ff:02", &["10.0.0.1/24"]);
        t.lrp_mut(inner).options = smap(&[("reside-on-redirect-chassis", "true")]);
        let pub1 = t.switch("pub");
        t.lsp(pub1, "ln", "localnet", &["unknown"]);
        t.link(pub1, "pub-lr0", "lrp-gw");
        let pub2 = t.switch("pub2");
        t.lsp(pub2, "ln2", "localnet", &["unknown"]);
        t.link(pub2, "pub2-lr0", "lrp-in");
        let r1 = t.router("lr1");
        let gw1 = t.lrp(r1, "lrp-gw1", "00:00:00:00:ff:11", &["192.168.0.1/24"]);
        t.dgp(gw1, "hv1");
        let sw1 = t.switch("sw1");
        t.vif(sw1, "vm1", &["50:54:00:00:01:01 192.168.0.5"]);
        t.link(sw1, "sw1-lr1", "lrp-gw1");
        let run = t.run();
        let l2 = |dp| {
            run.stage(dp, STAGE)
                .into_iter()
                .filter(|(p, _, _)| *p == 50)
                .collect::<Vec<_>>()
        };
        assert_flows(
            l2(pub1),
            &[(
                50,
                "eth.dst == 00:00:00:00:ff:01 && is_chassis_resident(\"cr-lrp-gw\")",
                "outport = \"pub-lr0\"; output;",
            )],
        );
        assert_flows(
            l2(pub2),
            &[(
                50,
                "eth.dst == 00:00:00:00:ff:02 && is_chassis_resident(\"cr-lrp-gw\")",
                "outport = \"pub2-lr0\"; output;",
            )],
        );
        assert_flows(
            l2(sw1),
            &[
                (
                    50,
                    "eth.dst == 00:00:00:00:ff:11",
                    "outport = \"sw1-lr1\"; output;",
                ),
                (
                    50,
                    "eth.dst == 50:54:00:00:01:01",
                    "outport = \"vm1\"; output;",
                ),
            ],
        );
    }
}
