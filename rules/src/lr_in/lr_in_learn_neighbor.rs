//! lr_in_learn_neighbor — learn MAC bindings from ARP/ND that ls_in_lookup_neighbor found new.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInLearnNeighbor;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 100, "reg9[2] == 1", "next;");
    f.add(STAGE, 95, "nd_ns && (ip6.src == 0 || nd.sll == 0)", "next;");
    f.add(
        STAGE,
        95,
        "nd_na && nd.tll == 0",
        "put_nd(inport, nd.target, eth.src); next;",
    );
    f.add(STAGE, 90, "arp", "put_arp(inport, arp.spa, arp.sha); next;");
    f.add(
        STAGE,
        90,
        "nd_na",
        "put_nd(inport, nd.target, nd.tll); next;",
    );
    f.add(STAGE, 90, "nd_ns", "put_nd(inport, ip6.src, nd.sll); next;");
    f.add(STAGE, 0, "1", "drop;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn learns_from_arp_and_nd_unless_already_known() {
        assert_constant_stage(
            STAGE,
            &[
                (100, "reg9[2] == 1", "next;"),
                (95, "nd_ns && (ip6.src == 0 || nd.sll == 0)", "next;"),
                (
                    95,
                    "nd_na && nd.tll == 0",
                    "put_nd(inport, nd.target, eth.src); next;",
                ),
                (90, "arp", "put_arp(inport, arp.spa, arp.sha); next;"),
                (90, "nd_na", "put_nd(inport, nd.target, nd.tll); next;"),
                (90, "nd_ns", "put_nd(inport, ip6.src, nd.sll); next;"),
                (0, "1", "drop;"),
            ],
        );
    }
}
