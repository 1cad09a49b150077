//! lr_in_arp_resolve — the next hop's MAC: statically for addresses the router knows
//! (ports of attached switches, other routers' ports on a shared switch, directly
//! peered router ports), else from MAC_Binding via `get_arp` / `get_nd`.

use std::sync::Arc;

use engine::Coll;

use super::{v4_list, v6_list};
use crate::model::{Config, Lrp, Lsp, Model};
use crate::output::{Flow, Flows};
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LrInArpResolve;

/// Priority 500: multicast needs no resolution; 1: dynamic lookup; 0: drop.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 500, "ip4.mcast || ip6.mcast", "next;");
    f.add(STAGE, 1, "ip4", "get_arp(outport, reg0); next;");
    f.add(STAGE, 1, "ip6", "get_nd(outport, xxreg0); next;");
    f.add(STAGE, 0, "1", "drop;");
}

/// Flows for reaching router port `rp` (its addresses and MAC) out of port `out` of
/// another router.
fn to_router_port(out: &Lrp, rp: &Lrp, sep: &str, f: &mut Flows, hint: crate::input::Uuid) {
    let o = json_key(out.name());
    let a = format!("eth.dst = {}; next;", rp.networks.mac);
    if !rp.networks.ipv4.is_empty() {
        f.add_hint(
            STAGE,
            100,
            format!(
                "outport == {o} && reg0{sep}== {}",
                v4_list(&rp.networks, false)
            ),
            &a,
            hint,
        );
    }
    f.add_hint(
        STAGE,
        100,
        format!("outport == {o} && xxreg0 == {}", v6_list(&rp.networks)),
        &a,
        hint,
    );
}

/// Priority 100: addresses of the attached switches' ports (VIF-like ports and other
/// routers' ports), and of directly peered router ports.
pub(crate) fn dataflow<'s>(m: &Model<'s>) -> Coll<'s, Flow> {
    let by_switch = m.lsps.clone().map(|l| (l.dp(), l)).arrange_by_key();
    let router_ports = m
        .lsps
        .clone()
        .filter(|l| l.is_router() && l.peer.is_some())
        .map(|l| (l.dp(), l));
    let on_switch = router_ports.join_core(by_switch, |_, rl: &Arc<Lsp>, other: &Arc<Lsp>| {
        let mut v = Vec::new();
        let peer = rl.peer.as_ref().expect("filtered on peer");
        let mut f = Flows::on(peer.dp(), &mut v);
        if other.is_router() {
            // Another router's port on the same switch, seen from this router.
            if let Some(rp) = &other.peer
                && rl.enabled()
                && rp.nb.uuid != peer.nb.uuid
            {
                to_router_port(peer, rp, " ", &mut f, rl.nb.uuid);
            }
        } else if other.enabled() && other.kind() != "virtual" {
            vif_addresses(peer, other, &mut f);
        }
        v
    });
    // Router ports peered directly through their `peer` column.
    let direct = m
        .lrps
        .clone()
        .flat_map(|l| l.nb.peer.clone().map(|p| (p, l)))
        .join(m.lrps.clone().map(|l| (l.name().clone(), l)))
        .flat_map(|(_, (op, peer))| {
            let mut v = Vec::new();
            let mut f = Flows::on(peer.dp(), &mut v);
            to_router_port(&peer, &op, "", &mut f, op.nb.uuid);
            v
        });
    on_switch.concat(direct)
}

/// A VIF's addresses that fall in the router port's networks.
fn vif_addresses(rp: &Lrp, vif: &Lsp, f: &mut Flows) {
    let o = json_key(rp.name());
    for e in &vif.addrs.entries {
        for a in &e.ipv4 {
            if rp.networks.ipv4.iter().any(|n| n.contains(a.addr)) {
                f.add_hint(
                    STAGE,
                    100,
                    format!("outport == {o} && reg0 == {}", a.addr),
                    format!("eth.dst = {}; next;", e.mac),
                    vif.nb.uuid,
                );
            }
        }
        for a in &e.ipv6 {
            if rp.networks.ipv6.iter().any(|n| n.contains(a.addr)) {
                f.add_hint(
                    STAGE,
                    100,
                    format!("outport == {o} && xxreg0 == {}", ip6(&a.addr)),
                    format!("eth.dst = {}; next;", e.mac),
                    vif.nb.uuid,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (500, "ip4.mcast || ip6.mcast", "next;"),
        (1, "ip4", "get_arp(outport, reg0); next;"),
        (1, "ip6", "get_nd(outport, xxreg0); next;"),
        (0, "1", "drop;"),
    ];

    fn with<'a>(extra: &[(u16, &'a str, &'a str)]) -> Vec<(u16, &'a str, &'a str)> {
        let mut v = DEFAULTS.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn unknown_next_hops_are_looked_up_in_mac_bindings() {
        // A router with a port but no attached switch or peer.
        assert_flows(default_flows(STAGE), DEFAULTS);
    }

    #[test]
    fn vif_address_on_an_attached_switch_resolves_to_its_mac() {
        // lr-join ls1 / lr-peer ts: VIF-like ports, each IP inside a router network.
        let mut t = Topo::new();
        let r = t.router("R1");
        t.lrp(
            r,
            "r1-ls1",
            "00:00:00:00:01:01",
            &["10.0.1.1/24", "fd01::1/64"],
        );
        let sw = t.switch("ls1");
        t.link(sw, "ls1-r1", "r1-ls1");
        let vm1 = t.vif(sw, "vm1", &["50:54:00:00:01:0b 10.0.1.11 fd01::11"]);
        t.vif(
            sw,
            "vm2",
            &[
                "50:54:00:00:01:0c 10.0.1.12 10.0.1.13",
                // A link-local address is inside the port's fe80::/64.
                "50:54:00:00:01:0d 10.0.1.14 fe80::11",
            ],
        );
        // Outside every router network: nothing.
        t.vif(sw, "far", &["50:54:00:00:01:0e 10.9.9.9 fd99::1"]);
        // Disabled: nothing.
        let off = t.vif(sw, "off", &["50:54:00:00:01:0f 10.0.1.15"]);
        t.lsp_mut(off).enabled = Some(false);
        // Remote ports count as VIFs; `unknown` has no address.
        t.lsp(sw, "rem", "remote", &["00:00:00:00:0c:03 10.0.1.20"]);
        t.vif(sw, "u1", &["unknown"]);
        let run = t.run();
        assert_flows(
            run.stage(r, STAGE),
            &with(&[
                (
                    100,
                    "outport == \"r1-ls1\" && reg0 == 10.0.1.11",
                    "eth.dst = 50:54:00:00:01:0b; next;",
                ),
                (
                    100,
                    "outport == \"r1-ls1\" && xxreg0 == fd01::11",
                    "eth.dst = 50:54:00:00:01:0b; next;",
                ),
                (
                    100,
                    "outport == \"r1-ls1\" && reg0 == 10.0.1.12",
                    "eth.dst = 50:54:00:00:01:0c; next;",
                ),
                (
                    100,
                    "outport == \"r1-ls1\" && reg0 == 10.0.1.13",
                    "eth.dst = 50:54:00:00:01:0c; next;",
                ),
                (
                    100,
                    "outport == \"r1-ls1\" && reg0 == 10.0.1.14",
                    "eth.dst = 50:54:00:00:01:0d; next;",
                ),
                (
                    100,
                    "outport == \"r1-ls1\" && xxreg0 == fe80::11",
                    "eth.dst = 50:54:00:00:01:0d; next;",
                ),
                (
                    100,
                    "outport == \"r1-ls1\" && reg0 == 10.0.1.20",
                    "eth.dst = 00:00:00:00:0c:03; next;",
                ),
            ]),
        );
        let f = run.flow(r, STAGE, 100, "outport == \"r1-ls1\" && reg0 == 10.0.1.11");
        assert_eq!(f.hint, Some(vm1.hint()));
    }

    #[test]
    fn router_port_on_a_shared_switch_resolves_to_its_mac() {
        // lr-join: R1 and R2 on the join switch; R3 with several networks, disabled.
        let mut t = Topo::new();
        let r1 = t.router("R1");
        t.lrp(r1, "r1-join", "00:00:00:00:ff:01", &["100.64.0.1/16"]);
        let r2 = t.router("R2");
        t.lrp(r2, "r2-join", "00:00:00:00:ff:02", &["100.64.0.2/16"]);
        let r3 = t.router("R3");
        let p3 = t.lrp(
            r3,
            "r3-join",
            "00:00:00:00:ff:03",
            &["100.64.0.3/16", "100.65.0.3/16", "fd64::3/64"],
        );
        t.lrp_mut(p3).enabled = Some(false);
        let sw = t.switch("join");
        let j1 = t.link(sw, "join-r1", "r1-join");
        t.link(sw, "join-r2", "r2-join");
        t.link(sw, "join-r3", "r3-join");
        let run = t.run();
        assert_flows(
            run.stage(r1, STAGE),
            &with(&[
                (
                    100,
                    "outport == \"r1-join\" && reg0 == 100.64.0.2",
                    "eth.dst = 00:00:00:00:ff:02; next;",
                ),
                (
                    100,
                    "outport == \"r1-join\" && xxreg0 == fe80::200:ff:fe00:ff02",
                    "eth.dst = 00:00:00:00:ff:02; next;",
                ),
                (
                    100,
                    "outport == \"r1-join\" && reg0 == {100.64.0.3, 100.65.0.3}",
                    "eth.dst = 00:00:00:00:ff:03; next;",
                ),
                (
                    100,
                    "outport == \"r1-join\" && xxreg0 == {fd64::3, fe80::200:ff:fe00:ff03}",
                    "eth.dst = 00:00:00:00:ff:03; next;",
                ),
            ]),
        );
        // Hinted with the router-type port of the router that gets the flow.
        let f = run.flow(
            r1,
            STAGE,
            100,
            "outport == \"r1-join\" && reg0 == 100.64.0.2",
        );
        assert_eq!(f.hint, Some(j1.hint()));
        assert_has_flows(
            &run.stage(r2, STAGE),
            &[(
                100,
                "outport == \"r2-join\" && reg0 == 100.64.0.1",
                "eth.dst = 00:00:00:00:ff:01; next;",
            )],
        );
    }

    #[test]
    fn directly_peered_router_port_has_the_reg0_quirk() {
        // lr-peer: GW gw-peer <-> R1 r1-peer, both peer columns set.
        let mut t = Topo::new();
        let gw = t.router("GW");
        let gp = t.lrp(gw, "gw-peer", "00:00:00:00:0a:02", &["169.254.0.1/30"]);
        t.lrp_mut(gp).peer = Some("r1-peer".into());
        let r1 = t.router("R1");
        let rp = t.lrp(
            r1,
            "r1-peer",
            "00:00:00:00:0b:02",
            &["169.254.0.2/30", "fd99::2/64"],
        );
        t.lrp_mut(rp).peer = Some("gw-peer".into());
        let run = t.run();
        assert_flows(
            run.stage(gw, STAGE),
            &with(&[
                (
                    100,
                    "outport == \"gw-peer\" && reg0== 169.254.0.2",
                    "eth.dst = 00:00:00:00:0b:02; next;",
                ),
                (
                    100,
                    "outport == \"gw-peer\" && xxreg0 == {fd99::2, fe80::200:ff:fe00:b02}",
                    "eth.dst = 00:00:00:00:0b:02; next;",
                ),
            ]),
        );
        assert_flows(
            run.stage(r1, STAGE),
            &with(&[
                (
                    100,
                    "outport == \"r1-peer\" && reg0== 169.254.0.1",
                    "eth.dst = 00:00:00:00:0a:02; next;",
                ),
                (
                    100,
                    "outport == \"r1-peer\" && xxreg0 == fe80::200:ff:fe00:a02",
                    "eth.dst = 00:00:00:00:0a:02; next;",
                ),
            ]),
        );
        // Hinted with the port whose addresses are resolved.
        let f = run.flow(
            gw,
            STAGE,
            100,
            "outport == \"gw-peer\" && reg0== 169.254.0.2",
        );
        assert_eq!(f.hint, Some(rp.hint()));
    }

    #[test]
    fn one_sided_peer_resolves_only_on_the_other_side() {
        // lr-edge: pone names pother, pother names nobody.
        let mut t = Topo::new();
        let r = t.router("R");
        let pone = t.lrp(r, "pone", "00:00:00:00:00:03", &["30.0.0.1/24"]);
        t.lrp_mut(pone).peer = Some("pother".into());
        let r2 = t.router("R2");
        t.lrp(r2, "pother", "00:00:00:00:00:04", &["30.0.0.2/24"]);
        let run = t.run();
        assert_flows(run.stage(r, STAGE), DEFAULTS);
        assert_flows(
            run.stage(r2, STAGE),
            &with(&[
                (
                    100,
                    "outport == \"pother\" && reg0== 30.0.0.1",
                    "eth.dst = 00:00:00:00:00:03; next;",
                ),
                (
                    100,
                    "outport == \"pother\" && xxreg0 == fe80::200:ff:fe00:3",
                    "eth.dst = 00:00:00:00:00:03; next;",
                ),
            ]),
        );
        let f = run.flow(r2, STAGE, 100, "outport == \"pother\" && reg0== 30.0.0.1");
        assert_eq!(f.hint, Some(pone.hint()));
    }
}
