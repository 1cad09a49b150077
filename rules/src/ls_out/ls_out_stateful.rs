//! ls_out_stateful — commit egress connections that ACLs asked to commit.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutStateful;

/// Priority 100: commit, clearing the blocked bit (and setting the label when asked),
/// as in ls_in_stateful.
pub(crate) fn defaults(cfg: &Config, f: &mut Flows) {
    crate::ls_in::ls_in_stateful::commit_flows(STAGE, cfg, f);
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn commits_clear_the_blocked_bit_in_ct_mark() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        t.chassis("hv1", ALL_FEATURES);
        assert_flows(
            t.run().stage(sw, STAGE),
            &[
                (
                    100,
                    "reg0[1] == 1 && reg0[13] == 1",
                    "ct_commit { ct_mark.blocked = 0; ct_label.label = reg3; }; next;",
                ),
                (
                    100,
                    "reg0[1] == 1 && reg0[13] == 0",
                    "ct_commit { ct_mark.blocked = 0; }; next;",
                ),
                (0, "1", "next;"),
            ],
        );
    }

    #[test]
    fn chassis_without_ct_no_masked_label_uses_ct_label() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.chassis("hv1", &[]);
        assert_flows(
            t.run().stage(sw, STAGE),
            &[
                (
                    100,
                    "reg0[1] == 1 && reg0[13] == 1",
                    "ct_commit { ct_label.blocked = 0; ct_label.label = reg3; }; next;",
                ),
                (
                    100,
                    "reg0[1] == 1 && reg0[13] == 0",
                    "ct_commit { ct_label.blocked = 0; }; next;",
                ),
                (0, "1", "next;"),
            ],
        );
    }
}
