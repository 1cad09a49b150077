//! ls_in_l2_lkup — destination lookup: service-monitor replies to the controller, ARP/NS
//! for router addresses to the router port (and a copy to the L2 ports), broadcast and
//! multicast floods, known MACs to their port, everything else to the FDB.

use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LsInL2Lkup;

/// Priority 110: service-monitor replies; 70: multicast floods; 0: FDB lookup.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
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
        if p.addrs.router_entry == Some(i) {
            if let Some(peer) = &p.peer {
                if p.sw.has_localnet {
                    if peer.is_dgp {
                        m.push_str(&format!(
                            " && is_chassis_resident({})",
                            json_key(&peer.cr_name())
                        ));
                    } else if peer.lr.dgps.len() == 1
                        && crate::input::smap_bool(
                            &peer.nb.options,
                            "reside-on-redirect-chassis",
                            false,
                        )
                    {
                        let cr = format!("cr-{}", peer.lr.dgps[0]);
                        m.push_str(&format!(" && is_chassis_resident({})", json_key(&cr)));
                    }
                }
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
