//! ls_out_pre_lb — decide which egress traffic needs load-balancer conntrack; IP towards
//! router ports clears conntrack state instead.

use crate::ls_in::ls_in_pre_lb::skips_conntrack;
use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsOutPreLb;

/// Priority 110: traffic that never goes through load-balancer conntrack.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 110, "eth.mcast", "next;");
    f.add(
        STAGE,
        110,
        "nd || nd_rs || nd_ra || mldv1 || mldv2",
        "next;",
    );
    f.add(STAGE, 110, "eth.src == $svc_monitor_mac", "next;");
    f.add(STAGE, 110, "reg0[16] == 1", "next;");
    f.add(STAGE, 0, "1", "next;");
}

/// Priority 110: IP towards a router (or localnet) port clears conntrack state.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if skips_conntrack(p) {
        let m = format!("ip && outport == {}", json_key(p.name()));
        f.add_port(STAGE, 110, m, "ct_clear; next;", p.name(), p.nb.uuid);
    }
}
