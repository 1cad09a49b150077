//! lr_in_ip_routing_ecmp — ECMP member selection; packets routed without ECMP pass.

use crate::model::Router;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInIpRoutingEcmp;

/// Default flows of every router.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(STAGE, 150, "reg8[0..15] == 0", "next;");
    f.add(STAGE, 0, "1", "drop;");
}
