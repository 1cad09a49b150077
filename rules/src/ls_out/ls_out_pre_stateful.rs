//! ls_out_pre_stateful — send egress traffic flagged by pre-ACL / pre-LB to conntrack.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutPreStateful;

/// Priority 110: load-balancer traffic to `ct_lb_mark`; 100: ACL traffic to `ct_next`.
pub(crate) fn defaults(cfg: &Config, f: &mut Flows) {
    crate::ls_in::ls_in_pre_stateful::conntrack_flows(STAGE, cfg, f);
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    fn flows(chassis: &[(&str, &[(&str, &str)])]) -> Vec<Pma> {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        for (name, oc) in chassis {
            t.chassis(name, oc);
        }
        t.run().stage(sw, STAGE)
    }

    #[test]
    fn flagged_traffic_goes_to_conntrack_with_ct_lb_mark() {
        let want = &[
            (110, "reg0[2] == 1", "ct_lb_mark;"),
            (100, "reg0[0] == 1", "ct_next;"),
            (0, "1", "next;"),
        ];
        // No chassis, or only chassis with every feature: ct_lb_mark.
        assert_flows(flows(&[]), want);
        assert_flows(flows(&[("hv1", ALL_FEATURES)]), want);
        // Remote chassis do not count.
        assert_flows(flows(&[("hv9", &[("is-remote", "true")])]), want);
    }

    #[test]
    fn chassis_without_ct_no_masked_label_gets_ct_lb() {
        // ls-F: one plain chassis.
        assert_flows(
            flows(&[("hv1", ALL_FEATURES), ("hv2", &[])]),
            &[
                (110, "reg0[2] == 1", "ct_lb;"),
                (100, "reg0[0] == 1", "ct_next;"),
                (0, "1", "next;"),
            ],
        );
    }
}
