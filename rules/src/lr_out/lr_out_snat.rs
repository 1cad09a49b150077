//! lr_out_snat — SNAT (no NAT yet): neighbour solicitations and everything else pass.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrOutSnat;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 120, "nd_ns", "next;");
    f.add(STAGE, 0, "1", "next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn neighbour_solicitations_and_everything_else_pass() {
        assert_constant_stage(STAGE, &[(120, "nd_ns", "next;"), (0, "1", "next;")]);
    }
}
