//! lr_in_lookup_neighbor — decide whether an ARP/ND packet's sender should be learned:
//! replies always, requests only from the port's own subnets.

use crate::model::{Lrp, Router};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrInLookupNeighbor;

/// Priority 100: ARP replies and ND are looked up; priority 0: nothing to learn.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(
        STAGE,
        100,
        "arp.op == 2",
        "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;",
    );
    f.add(
        STAGE,
        100,
        "nd_na",
        "reg9[2] = lookup_nd(inport, nd.target, nd.tll); next;",
    );
    f.add(
        STAGE,
        100,
        "nd_ns",
        "reg9[2] = lookup_nd(inport, ip6.src, nd.sll); next;",
    );
    f.add(STAGE, 0, "1", "reg9[2] = 1; next;");
}

/// Priority 100: ARP requests from one of the port's IPv4 subnets are looked up.
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    let inport = json_key(p.name());
    for n in &p.networks.ipv4 {
        let mut m = format!(
            "inport == {inport} && arp.spa == {}/{} && arp.op == 1",
            n.network(),
            n.plen
        );
        if p.is_dgp {
            m.push_str(&format!(
                " && is_chassis_resident({})",
                json_key(&p.cr_name())
            ));
        }
        f.add_hint(
            STAGE,
            100,
            m,
            "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;",
            p.nb.uuid,
        );
    }
}
