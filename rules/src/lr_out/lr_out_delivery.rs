//! lr_out_delivery — deliver to enabled router ports; drop the rest.

use crate::model::Lrp;
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrOutDelivery;

/// Priority 100: output to an enabled port; priority 0: drop (present only on routers
/// with an enabled port, as in northd).
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    if p.enabled() {
        f.add(
            STAGE,
            100,
            format!("outport == {}", json_key(p.name())),
            "output;",
        );
        f.add(STAGE, 0, "1", "drop;");
    }
}
