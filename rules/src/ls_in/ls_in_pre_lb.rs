//! ls_in_pre_lb — decide which traffic needs load-balancer conntrack; multicast, ND/MLD,
//! service-monitor and stateless traffic skip it, and so does IP from router ports.

use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInPreLb;

/// Priority 110: traffic that never goes through load-balancer conntrack.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 110, "eth.mcast", "next;");
    f.add(
        STAGE,
        110,
        "nd || nd_rs || nd_ra || mldv1 || mldv2",
        "next;",
    );
    f.add(STAGE, 110, "eth.dst == $svc_monitor_mac", "next;");
    f.add(STAGE, 110, "reg0[16] == 1", "next;");
    f.add(STAGE, 0, "1", "next;");
}

/// Ports whose IP traffic skips conntrack: router ports with a peer, localnet ports.
pub(crate) fn skips_conntrack(p: &Lsp) -> bool {
    (p.is_router() && p.peer.is_some()) || p.kind() == "localnet"
}

/// Priority 110: IP from a router (or localnet) port skips conntrack.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if skips_conntrack(p) {
        let m = format!("ip && inport == {}", json_key(p.name()));
        f.add_port(STAGE, 110, m, "next;", p.name(), p.nb.uuid);
    }
}
