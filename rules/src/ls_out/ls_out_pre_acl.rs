//! ls_out_pre_acl — egress pre-ACL: service-monitor traffic skips conntrack; nothing else to mark without ACLs.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutPreAcl;

/// Default flows, the same on every switch.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 110, "eth.src == $svc_monitor_mac", "next;");
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
                (110, "eth.src == $svc_monitor_mac", "next;"),
                (0, "1", "next;"),
            ],
        );
    }
}
