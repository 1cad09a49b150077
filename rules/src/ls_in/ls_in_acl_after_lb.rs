//! ls_in_acl_after_lb — ACLs applied after load balancing (none yet): ND/MLD always pass, everything else too.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInAclAfterLb;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(
        STAGE,
        65532,
        "nd || nd_ra || nd_rs || mldv1 || mldv2",
        "next;",
    );
    f.add(STAGE, 0, "1", "next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn without_acls_everything_passes_and_nd_always_passes() {
        assert_constant_stage(
            STAGE,
            &[
                (65532, "nd || nd_ra || nd_rs || mldv1 || mldv2", "next;"),
                (0, "1", "next;"),
            ],
        );
    }
}
