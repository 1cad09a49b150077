//! lr_in_arp_request — next hops without a known MAC are resolved with an ARP request or
//! a neighbour solicitation (to the solicited-node address of IPv6 static next hops).

use engine::Coll;

use crate::model::{Config, Ipv6Net, Model};
use crate::output::{Flow, Flows};
use crate::stage::Stage;
use crate::util::ip6;

const STAGE: Stage = Stage::LrInArpRequest;

/// Priority 100: ARP / NS for an unresolved next hop; priority 0: output.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(
        STAGE,
        100,
        "eth.dst == 00:00:00:00:00:00 && ip4",
        "arp { eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0; arp.op = 1; output; };",
    );
    f.add(
        STAGE,
        100,
        "eth.dst == 00:00:00:00:00:00 && ip6",
        "nd_ns { nd.target = xxreg0; output; };",
    );
    f.add(STAGE, 0, "1", "output;");
}

/// Priority 200: for every IPv6 static route next hop, an NS to its solicited-node
/// address.
pub(crate) fn dataflow<'s>(m: &Model<'s>) -> Coll<'s, Flow> {
    m.routes.clone().flat_map(|(lr, r)| {
        let mut v = Vec::new();
        if let Some(nh) = Ipv6Net::parse(&r.nexthop).filter(|n| n.plen == 128) {
            let sn = nh.sn_addr();
            let o = sn.octets();
            let mut f = Flows::on(lr.nb.uuid, &mut v);
            f.add_hint(
                STAGE,
                200,
                format!("eth.dst == 00:00:00:00:00:00 && ip6 && xxreg0 == {}", r.nexthop),
                format!(
                    "nd_ns {{ eth.dst = 33:33:{:02x}:{:02x}:{:02x}:{:02x}; ip6.dst = {}; nd.target = {}; output; }};",
                    o[12],
                    o[13],
                    o[14],
                    o[15],
                    ip6(&sn),
                    r.nexthop
                ),
                r.uuid,
            );
        }
        v
    })
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (
            100,
            "eth.dst == 00:00:00:00:00:00 && ip4",
            "arp { eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0; arp.op = 1; \
             output; };",
        ),
        (
            100,
            "eth.dst == 00:00:00:00:00:00 && ip6",
            "nd_ns { nd.target = xxreg0; output; };",
        ),
        (0, "1", "output;"),
    ];

    #[test]
    fn unresolved_next_hops_are_asked_for() {
        // IPv4 routes add nothing.
        assert_constant_stage(STAGE, DEFAULTS);
    }

    #[test]
    fn ipv6_static_next_hops_are_solicited_at_their_solicited_node_address() {
        let mut t = Topo::new();
        let r = t.router("R1");
        t.lrp(
            r,
            "r1-ls1",
            "00:00:00:00:01:01",
            &["10.0.1.1/24", "fd01::1/64"],
        );
        let a = t.route(r, "fd20::/64", "fd01::2");
        // The raw next hop text is kept; the low 24 bits make the multicast addresses.
        t.route(r, "fd21::/64", "fd01:0:0::1234:5678");
        // Even a route with no path gets one (lr-peer).
        t.route(r, "fd77::/64", "fd55::9");
        t.route(r, "10.0.2.0/24", "10.0.1.2");
        t.route(r, "fd64::/64", "discard");
        let run = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (
                200,
                "eth.dst == 00:00:00:00:00:00 && ip6 && xxreg0 == fd01::2",
                "nd_ns { eth.dst = 33:33:ff:00:00:02; ip6.dst = ff02::1:ff00:2; \
                 nd.target = fd01::2; output; };",
            ),
            (
                200,
                "eth.dst == 00:00:00:00:00:00 && ip6 && xxreg0 == fd01:0:0::1234:5678",
                "nd_ns { eth.dst = 33:33:ff:34:56:78; ip6.dst = ff02::1:ff34:5678; \
                 nd.target = fd01:0:0::1234:5678; output; };",
            ),
            (
                200,
                "eth.dst == 00:00:00:00:00:00 && ip6 && xxreg0 == fd55::9",
                "nd_ns { eth.dst = 33:33:ff:00:00:09; ip6.dst = ff02::1:ff00:9; \
                 nd.target = fd55::9; output; };",
            ),
        ]);
        assert_flows(run.stage(r, STAGE), &want);
        let f = run.flow(
            r,
            STAGE,
            200,
            "eth.dst == 00:00:00:00:00:00 && ip6 && xxreg0 == fd01::2",
        );
        assert_eq!(f.hint, Some(a.hint()));
    }
}
