//! lr_in_lookup_neighbor — decide whether an ARP/ND packet's sender should be learned:
//! replies always, requests only from the port's own subnets.

use crate::model::{Config, Lrp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrInLookupNeighbor;

/// Priority 100: ARP replies and ND are looked up; priority 0: nothing to learn.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
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

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (
            100,
            "arp.op == 2",
            "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;",
        ),
        (
            100,
            "nd_na",
            "reg9[2] = lookup_nd(inport, nd.target, nd.tll); next;",
        ),
        (
            100,
            "nd_ns",
            "reg9[2] = lookup_nd(inport, ip6.src, nd.sll); next;",
        ),
        (0, "1", "reg9[2] = 1; next;"),
    ];
    const LOOKUP: &str = "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;";

    #[test]
    fn arp_requests_from_each_port_subnet_are_looked_up() {
        // lr-multi: networks in sorted order; a disabled port keeps its flows.
        let mut t = Topo::new();
        let r = t.router("R");
        let p1 = t.lrp(
            r,
            "p1",
            "00:00:00:00:00:01",
            &["192.168.0.1/24", "10.0.0.1/24", "fd00::1/64"],
        );
        let p2 = t.lrp(r, "p2", "00:00:00:00:00:02", &["20.0.0.1/16"]);
        t.lrp_mut(p2).enabled = Some(false);
        let run = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (
                100,
                "inport == \"p1\" && arp.spa == 10.0.0.0/24 && arp.op == 1",
                LOOKUP,
            ),
            (
                100,
                "inport == \"p1\" && arp.spa == 192.168.0.0/24 && arp.op == 1",
                LOOKUP,
            ),
            (
                100,
                "inport == \"p2\" && arp.spa == 20.0.0.0/16 && arp.op == 1",
                LOOKUP,
            ),
        ]);
        assert_flows(run.stage(r, STAGE), &want);
        let f = run.flow(
            r,
            STAGE,
            100,
            "inport == \"p1\" && arp.spa == 10.0.0.0/24 && arp.op == 1",
        );
        assert_eq!(f.hint, Some(p1.hint()));
    }

    #[test]
    fn gateway_port_looks_up_only_where_resident() {
        let mut t = Topo::new();
        let r = t.router("lr0");
        let gw = t.lrp(r, "lrp-ext", "00:00:00:00:ff:01", &["172.16.0.1/24"]);
        t.dgp(gw, "hv1");
        let mut want = DEFAULTS.to_vec();
        want.push((
            100,
            "inport == \"lrp-ext\" && arp.spa == 172.16.0.0/24 && arp.op == 1 && \
             is_chassis_resident(\"cr-lrp-ext\")",
            LOOKUP,
        ));
        assert_flows(t.run().stage(r, STAGE), &want);
    }
}
