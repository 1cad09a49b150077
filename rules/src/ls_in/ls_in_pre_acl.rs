//! ls_in_pre_acl — pre-ACL: marks traffic for conntrack when stateful ACLs exist; service-monitor replies always skip it.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInPreAcl;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 110, "eth.dst == $svc_monitor_mac", "next;");
    f.add(STAGE, 0, "1", "next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn without_acls_only_service_monitor_traffic_is_singled_out() {
        assert_constant_stage(
            STAGE,
            &[
                (110, "eth.dst == $svc_monitor_mac", "next;"),
                (0, "1", "next;"),
            ],
        );
    }
}
