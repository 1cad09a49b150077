//! ls_in_lookup_fdb — for ports with `unknown` addresses and no port security, look the
//! source MAC up in the FDB.

use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInLookupFdb;

/// Priority 0: nothing to look up.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

/// Whether northd learns MACs from this port (also used by ls_in_put_fdb). Enabled is not
/// checked, as in northd.
pub(crate) fn learns_fdb(p: &Lsp) -> bool {
    p.addrs.unknown && p.nb.port_security.is_empty() && p.kind().is_empty()
}

/// Priority 100: a learning port looks its source MAC up.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if learns_fdb(p) {
        let m = format!("inport == {}", json_key(p.name()));
        f.add_port(
            STAGE,
            100,
            m,
            "reg0[11] = lookup_fdb(inport, eth.src); next;",
            p.name(),
            p.nb.uuid,
        );
    }
}
