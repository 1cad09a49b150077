//! ls_out_check_port_sec — egress port security: multicast is exempt, everything else is checked by the controller.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutCheckPortSec;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 100, "eth.mcast", "reg0[15] = 0; next;");
    f.add(STAGE, 0, "1", "reg0[15] = check_out_port_sec(); next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn multicast_is_exempt_everything_else_is_checked() {
        assert_constant_stage(
            STAGE,
            &[
                (100, "eth.mcast", "reg0[15] = 0; next;"),
                (0, "1", "reg0[15] = check_out_port_sec(); next;"),
            ],
        );
    }
}
