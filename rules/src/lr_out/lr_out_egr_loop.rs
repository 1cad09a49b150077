//! lr_out_egr_loop — loop traffic for local NAT addresses back into ingress (no NAT yet): pass everything.

use crate::model::Router;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrOutEgrLoop;

/// Default flows of every router.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}
