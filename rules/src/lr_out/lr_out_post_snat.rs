//! lr_out_post_snat — pass-through after SNAT.

use crate::model::Router;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrOutPostSnat;

/// Default flows of every router.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}
