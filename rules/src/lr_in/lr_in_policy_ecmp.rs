//! lr_in_policy_ecmp — policy ECMP member selection; packets without a policy group pass.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInPolicyEcmp;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 150, "reg8[0..15] == 0", "next;");
    f.add(STAGE, 0, "1", "drop;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn packets_without_a_policy_group_pass_others_drop() {
        assert_constant_stage(
            STAGE,
            &[(150, "reg8[0..15] == 0", "next;"), (0, "1", "drop;")],
        );
    }
}
