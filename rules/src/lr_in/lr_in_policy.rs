//! lr_in_policy — Logical_Router_Policy (none yet): clear the ECMP group and pass.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInPolicy;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 0, "1", "reg8[0..15] = 0; next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn without_policies_the_ecmp_group_is_cleared() {
        assert_constant_stage(STAGE, &[(0, "1", "reg8[0..15] = 0; next;")]);
    }
}
