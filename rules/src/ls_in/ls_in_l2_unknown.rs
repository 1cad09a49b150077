//! ls_in_l2_unknown — destinations the lookup did not find go to the ports with `unknown`
//! addresses (or are dropped); nothing is delivered to a disabled port.

use crate::model::{Config, Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInL2Unknown;

/// Priority 0: deliver.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 0, "1", "output;");
}

/// Priority 50: unknown destinations go to `_MC_unknown` if some enabled port has
/// `unknown` addresses, else they are dropped.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    let a = if sw.has_unknown {
        "outport = \"_MC_unknown\"; output;"
    } else {
        "drop;"
    };
    f.add(STAGE, 50, "outport == \"none\"", a);
}

/// Priority 50: traffic to a disabled port is dropped.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if !p.enabled() && p.kind() != "external" {
        let m = format!("outport == {}", json_key(p.name()));
        f.add_port(STAGE, 50, m, "drop;", p.name(), p.nb.uuid);
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn unknown_destinations_are_dropped_without_unknown_ports() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        assert_flows(
            t.run().stage(sw, STAGE),
            &[(50, "outport == \"none\"", "drop;"), (0, "1", "output;")],
        );
    }

    #[test]
    fn unknown_destinations_go_to_the_unknown_ports() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        t.vif(sw, "u1", &["unknown"]);
        let want = &[
            (
                50,
                "outport == \"none\"",
                "outport = \"_MC_unknown\"; output;",
            ),
            (0, "1", "output;"),
        ];
        assert_flows(t.run().stage(sw, STAGE), want);
        // A localnet port with `unknown` counts too.
        let mut t = Topo::new();
        let sw = t.switch("pub");
        t.lsp(sw, "ln", "localnet", &["unknown"]);
        assert_flows(t.run().stage(sw, STAGE), want);
    }

    #[test]
    fn disabled_port_is_not_delivered_to_and_does_not_count_as_unknown() {
        // ls-D sw3: only a disabled `unknown` port.
        let mut t = Topo::new();
        let sw = t.switch("sw3");
        let du = t.vif(sw, "du", &["unknown"]);
        t.lsp_mut(du).enabled = Some(false);
        let d1 = t.vif(sw, "d1", &["50:54:00:00:00:02 10.0.0.6"]);
        t.lsp_mut(d1).enabled = Some(false);
        let r = t.run();
        assert_flows(
            r.stage(sw, STAGE),
            &[
                (50, "outport == \"none\"", "drop;"),
                (50, "outport == \"du\"", "drop;"),
                (50, "outport == \"d1\"", "drop;"),
                (0, "1", "output;"),
            ],
        );
        let f = r.flow(sw, STAGE, 50, "outport == \"d1\"");
        assert_eq!(
            (f.io_port.as_deref(), f.hint),
            (Some("d1"), Some(d1.hint()))
        );
    }
}
