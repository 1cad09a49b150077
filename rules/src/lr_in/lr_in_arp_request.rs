//! lr_in_arp_request — next hops without a known MAC are resolved with an ARP request or
//! a neighbour solicitation (to the solicited-node address of IPv6 static next hops).

use engine::Coll;

use crate::model::{Ipv6Net, Model, Router};
use crate::output::{Flow, Flows};
use crate::stage::Stage;
use crate::util::ip6;

const STAGE: Stage = Stage::LrInArpRequest;

/// Priority 100: ARP / NS for an unresolved next hop; priority 0: output.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
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
            let mut f = Flows { dp: lr.nb.uuid, out: &mut v };
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
