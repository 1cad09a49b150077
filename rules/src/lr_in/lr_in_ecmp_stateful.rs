//! lr_in_ecmp_stateful — symmetric-ECMP reply tracking (none yet): pass everything.

use crate::model::Router;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInEcmpStateful;

/// Default flows of every router.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn default_flow_passes_everything() {
        assert_constant_stage(STAGE, &[(0, "1", "next;")]);
    }
}
