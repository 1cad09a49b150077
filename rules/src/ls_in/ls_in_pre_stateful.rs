//! ls_in_pre_stateful — send traffic flagged by pre-ACL / pre-LB to conntrack.

use crate::model::Switch;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInPreStateful;

/// Priority 110: load-balancer traffic to `ct_lb_mark` (`ct_lb` when some chassis lacks
/// ct-no-masked-label); priority 100: ACL traffic to `ct_next`.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 110, "reg0[2] == 1", sw.ct_lb_action());
    f.add(STAGE, 100, "reg0[0] == 1", "ct_next;");
    f.add(STAGE, 0, "1", "next;");
}
