//! ls_out_stateful — commit egress connections that ACLs asked to commit.

use crate::model::Switch;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LsOutStateful;

/// Priority 100: commit, clearing the blocked bit (and setting the label when asked).
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    let blocked = sw.ct_blocked();
    f.add(
        STAGE,
        100,
        "reg0[1] == 1 && reg0[13] == 1",
        format!("ct_commit {{ {blocked} = 0; ct_label.label = reg3; }}; next;"),
    );
    f.add(
        STAGE,
        100,
        "reg0[1] == 1 && reg0[13] == 0",
        format!("ct_commit {{ {blocked} = 0; }}; next;"),
    );
    f.add(STAGE, 0, "1", "next;");
}
