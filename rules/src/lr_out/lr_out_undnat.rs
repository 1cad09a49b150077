//! lr_out_undnat — un-DNAT of replies (no NAT yet): pass everything.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrOutUndnat;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
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
