//! ls_out_pre_stateful — send egress traffic flagged by pre-ACL / pre-LB to conntrack.

use crate::model::Switch;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutPreStateful;

/// Priority 110: load-balancer traffic to `ct_lb_mark`; 100: ACL traffic to `ct_next`.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 110, "reg0[2] == 1", sw.ct_lb_action());
    f.add(STAGE, 100, "reg0[0] == 1", "ct_next;");
    f.add(STAGE, 0, "1", "next;");
}
