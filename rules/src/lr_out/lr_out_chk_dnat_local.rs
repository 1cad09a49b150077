//! lr_out_chk_dnat_local — flag traffic to local NAT addresses (no NAT yet): clear the flag.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrOutChkDnatLocal;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 0, "1", "reg9[4] = 0; next;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn without_nat_the_local_dnat_flag_is_cleared() {
        assert_constant_stage(STAGE, &[(0, "1", "reg9[4] = 0; next;")]);
    }
}
