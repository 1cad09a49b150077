//! ls_in_apply_port_sec — apply the port-security verdict: drop what ls_in_check_port_sec flagged.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInApplyPortSec;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 50, "reg0[15] == 1", "drop;");
    f.add(STAGE, 0, "1", "next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn flagged_packets_are_dropped_others_pass() {
        assert_constant_stage(STAGE, &[(50, "reg0[15] == 1", "drop;"), (0, "1", "next;")]);
    }
}
