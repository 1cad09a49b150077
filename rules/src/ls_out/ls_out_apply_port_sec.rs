//! ls_out_apply_port_sec — apply the egress port-security verdict; what passes is delivered.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutApplyPortSec;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 50, "reg0[15] == 1", "drop;");
    f.add(STAGE, 0, "1", "output;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn flagged_packets_are_dropped_others_delivered() {
        assert_constant_stage(
            STAGE,
            &[(50, "reg0[15] == 1", "drop;"), (0, "1", "output;")],
        );
    }
}
