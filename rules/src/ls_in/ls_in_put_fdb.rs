//! ls_in_put_fdb — learn the source MAC of a learning port when the lookup missed.

use super::ls_in_lookup_fdb::learns_fdb;
use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInPutFdb;

/// Priority 0: nothing to learn.
pub(crate) fn switch(_sw: &Switch, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

/// Priority 100: a missed lookup on a learning port stores the MAC.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if learns_fdb(p) {
        let m = format!("inport == {} && reg0[11] == 0", json_key(p.name()));
        f.add_port(
            STAGE,
            100,
            m,
            "put_fdb(inport, eth.src); next;",
            p.name(),
            p.nb.uuid,
        );
    }
}
