//! ls_in_l2_unknown — destinations the lookup did not find go to the ports with `unknown`
//! addresses (or are dropped); nothing is delivered to a disabled port.

use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInL2Unknown;

/// Priority 50: unknown destinations to `_MC_unknown` if some enabled port has `unknown`
/// addresses, else drop; priority 0: deliver.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    let a = if sw.has_unknown {
        "outport = \"_MC_unknown\"; output;"
    } else {
        "drop;"
    };
    f.add(STAGE, 50, "outport == \"none\"", a);
    f.add(STAGE, 0, "1", "output;");
}

/// Priority 50: traffic to a disabled port is dropped.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if !p.enabled() && p.kind() != "external" {
        let m = format!("outport == {}", json_key(p.name()));
        f.add_port(STAGE, 50, m, "drop;", p.name(), p.nb.uuid);
    }
}
