//! ls_in_acl_hint — conntrack hint bits for ACLs; without ACLs or load balancers, a single pass-through.

use crate::model::Switch;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsInAclHint;

/// Default flows of every switch.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 65535, "1", "next;");
}
