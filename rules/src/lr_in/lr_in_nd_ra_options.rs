//! lr_in_nd_ra_options — IPv6 router advertisement options (no ipv6_ra_configs yet): pass everything.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInNdRaOptions;

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
