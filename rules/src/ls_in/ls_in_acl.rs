//! ls_in_acl — from-lport ACLs; without ACLs: everything passes, ND/MLD always pass.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInAcl;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 65535, "1", "next;");
    f.add(
        STAGE,
        65532,
        "nd || nd_ra || nd_rs || mldv1 || mldv2",
        "next;",
    );
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
                (65535, "1", "next;"),
                (65532, "nd || nd_ra || nd_rs || mldv1 || mldv2", "next;"),
            ],
        );
    }
}
