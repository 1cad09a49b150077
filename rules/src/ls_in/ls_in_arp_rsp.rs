//! ls_in_arp_rsp — answer ARP and neighbour solicitations for the known addresses of the
//! switch's ports (router ports answer for their peer router port), except when the
//! request comes from the owner itself.

use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LsInArpRsp;

/// Priority 0: everything else goes on.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

/// Whether the port's addresses get responder flows.
fn responds(p: &Lsp) -> bool {
    let cfg = &p.sw.cfg;
    let up = p.nb.up == Some(true);
    if !cfg.ignore_lsp_down && !up && !p.is_router() && p.kind() != "localport" {
        return false;
    }
    !matches!(p.kind(), "external" | "virtual") && !p.addrs.unknown && !p.sw.vlan_passthru()
}

/// Priority 50: reply to ARP / NS for each address; priority 100: but not to the owner.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if !responds(p) {
        return;
    }
    let inport = json_key(p.name());
    let na = if p.is_router() {
        "nd_na_router"
    } else {
        "nd_na"
    };
    for e in &p.addrs.entries {
        let mac = e.mac;
        for v4 in &e.ipv4 {
            let ip = v4.addr;
            let m = format!("arp.tpa == {ip} && arp.op == 1");
            let a = format!(
                "eth.dst = eth.src; eth.src = {mac}; arp.op = 2; /* ARP reply */ arp.tha = arp.sha; \
                 arp.sha = {mac}; arp.tpa = arp.spa; arp.spa = {ip}; outport = inport; \
                 flags.loopback = 1; output;"
            );
            f.add_hint(STAGE, 50, &m, a, p.nb.uuid);
            f.add_port(
                STAGE,
                100,
                format!("{m} && inport == {inport}"),
                "next;",
                p.name(),
                p.nb.uuid,
            );
        }
        for v6 in &e.ipv6 {
            let ip = ip6(&v6.addr);
            let sn = ip6(&v6.sn_addr());
            let m = format!("nd_ns && ip6.dst == {{{ip}, {sn}}} && nd.target == {ip}");
            let a = format!(
                "{na} {{ eth.src = {mac}; ip6.src = {ip}; nd.target = {ip}; nd.tll = {mac}; \
                 outport = inport; flags.loopback = 1; output; }};"
            );
            f.add_hint(STAGE, 50, &m, a, p.nb.uuid);
            f.add_port(
                STAGE,
                100,
                format!("{m} && inport == {inport}"),
                "next;",
                p.name(),
                p.nb.uuid,
            );
        }
    }
}
