//! lr_in_gw_redirect — traffic leaving through a distributed gateway port is redirected
//! to its chassisredirect port, i.e. to the gateway chassis.

use crate::model::{Lrp, Router};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrInGwRedirect;

/// Priority 0: everything else goes on.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

/// Priority 50: output to a distributed gateway port goes to its `cr-` port.
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    if p.is_dgp {
        let m = format!("outport == {}", json_key(p.name()));
        let a = format!("outport = {}; next;", json_key(&p.cr_name()));
        f.add_hint(STAGE, 50, m, a, p.nb.uuid);
    }
}
