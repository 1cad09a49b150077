//! lr_in_gw_redirect — traffic leaving through a distributed gateway port is redirected
//! to its chassisredirect port, i.e. to the gateway chassis.

use crate::model::{Config, Lrp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrInGwRedirect;

/// Priority 0: everything else goes on.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
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

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn output_to_a_gateway_port_goes_to_its_chassisredirect_port() {
        let mut t = Topo::new();
        let r = t.router("lr0");
        let gw = t.lrp(r, "lrp-ext", "00:00:00:00:ff:01", &["172.16.0.1/24"]);
        t.dgp(gw, "hv1");
        t.lrp(r, "lrp-in", "00:00:00:00:ff:02", &["10.0.0.1/24"]);
        let run = t.run();
        assert_flows(
            run.stage(r, STAGE),
            &[
                (
                    50,
                    "outport == \"lrp-ext\"",
                    "outport = \"cr-lrp-ext\"; next;",
                ),
                (0, "1", "next;"),
            ],
        );
        assert_eq!(
            run.flow(r, STAGE, 50, "outport == \"lrp-ext\"").hint,
            Some(gw.hint())
        );
    }

    #[test]
    fn router_without_gateway_port_passes_everything() {
        assert_constant_stage(STAGE, &[(0, "1", "next;")]);
    }
}
