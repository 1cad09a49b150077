//! lr_in_ip_routing_pre — route-table selection: every inport uses the main table (0).

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInIpRoutingPre;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 0, "1", "reg7 = 0; next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn every_inport_uses_route_table_zero() {
        assert_constant_stage(STAGE, &[(0, "1", "reg7 = 0; next;")]);
    }
}
