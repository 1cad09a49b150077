//! lr_in_arp_resolve — the next hop's MAC: statically for addresses the router knows
//! (ports of attached switches, other routers' ports on a shared switch, directly
//! peered router ports), else from MAC_Binding via `get_arp` / `get_nd`.

use std::sync::Arc;

use engine::Coll;

use super::{v4_list, v6_list};
use crate::model::{Lrp, Lsp, Model, Router};
use crate::output::{Flow, Flows};
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LrInArpResolve;

/// Priority 500: multicast needs no resolution; 1: dynamic lookup; 0: drop.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
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
        let mut f = Flows {
            dp: peer.dp(),
            out: &mut v,
        };
        if other.is_router() {
            // Another router's port on the same switch, seen from this router.
            if let Some(rp) = &other.peer {
                if rl.enabled() && rp.nb.uuid != peer.nb.uuid {
                    to_router_port(peer, rp, " ", &mut f, rl.nb.uuid);
                }
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
            let mut f = Flows {
                dp: peer.dp(),
                out: &mut v,
            };
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
