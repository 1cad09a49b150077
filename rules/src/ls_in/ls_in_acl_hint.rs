//! ls_in_acl_hint — conntrack hint bits for ACLs; without ACLs or load balancers, a single pass-through.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInAclHint;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 65535, "1", "next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn without_acls_or_load_balancers_everything_passes() {
        assert_constant_stage(STAGE, &[(65535, "1", "next;")]);
    }
}
