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

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn enabled_ports_are_delivered_to_the_rest_dropped() {
        let mut t = Topo::new();
        let r = t.router("R");
        t.lrp(r, "p1", "00:00:00:00:00:01", &["10.0.0.1/24"]);
        t.lrp(r, "we\"ird", "00:00:00:00:00:03", &["10.0.3.1/24"]);
        let p2 = t.lrp(r, "p2", "00:00:00:00:00:02", &["10.0.2.1/24"]);
        t.lrp_mut(p2).enabled = Some(false);
        let run = t.run();
        assert_flows(
            run.stage(r, STAGE),
            &[
                (100, "outport == \"p1\"", "output;"),
                (100, "outport == \"we\\\"ird\"", "output;"),
                (0, "1", "drop;"),
            ],
        );
        let f = run.flow(r, STAGE, 100, "outport == \"p1\"");
        assert_eq!((f.io_port.as_deref(), f.hint), (None, None));
    }

    #[test]
    fn router_without_enabled_ports_has_no_delivery_flows() {
        // lr-peer: no ports, or only a disabled one.
        let mut t = Topo::new();
        let r0 = t.router("R0");
        let r1 = t.router("R1");
        let p = t.lrp(r1, "p", "00:00:00:00:00:01", &["10.0.0.1/24"]);
        t.lrp_mut(p).enabled = Some(false);
        let run = t.run();
        assert_flows(run.stage(r0, STAGE), &[]);
        assert_flows(run.stage(r1, STAGE), &[]);
    }
}
