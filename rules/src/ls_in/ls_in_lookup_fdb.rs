//! ls_in_lookup_fdb — for ports with `unknown` addresses and no port security, look the
//! source MAC up in the FDB.

use crate::model::{Config, Lsp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInLookupFdb;

/// Priority 0: nothing to look up.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

/// Whether northd learns MACs from this port (also used by ls_in_put_fdb): a VIF, or a
/// localnet port with options:localnet_learn_fdb, with `unknown` addresses and no valid
/// port-security entry. Enabled is not checked, as in northd.
pub(crate) fn learns_fdb(p: &Lsp) -> bool {
    let kind_learns = p.kind().is_empty()
        || (p.kind() == "localnet"
            && crate::input::smap_bool(&p.nb.options, "localnet_learn_fdb", false));
    p.addrs.unknown && p.ps_addrs.is_empty() && kind_learns
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

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    /// ls-A/ls-E/ls-H: which `unknown` ports learn MACs.
    fn topo() -> (Topo, crate::input::Uuid) {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        t.vif(sw, "u1", &["unknown"]);
        // Disabled ports still learn.
        let du = t.vif(sw, "du", &["unknown"]);
        t.lsp_mut(du).enabled = Some(false);
        t.vif(sw, "v1", &["50:54:00:00:00:02 10.0.0.6", "unknown"]);
        // Port security stops learning.
        let u2 = t.vif(sw, "u2", &["50:54:00:00:00:03 10.0.0.7", "unknown"]);
        t.lsp_mut(u2).port_security = vec!["50:54:00:00:00:03 10.0.0.7".into()];
        // Only VIFs (and localnet ports that ask for it) learn.
        t.lsp(sw, "lp", "localport", &["unknown"]);
        t.lsp(sw, "rem", "remote", &["unknown"]);
        t.lsp(sw, "ln", "localnet", &["unknown"]);
        (t, sw)
    }

    #[test]
    fn unknown_vif_without_port_security_looks_up_the_fdb() {
        let (t, sw) = topo();
        let r = t.run();
        let a = "reg0[11] = lookup_fdb(inport, eth.src); next;";
        assert_flows(
            r.stage(sw, STAGE),
            &[
                (100, "inport == \"u1\"", a),
                (100, "inport == \"du\"", a),
                (100, "inport == \"v1\"", a),
                (0, "1", "next;"),
            ],
        );
        let f = r.flow(sw, STAGE, 100, "inport == \"u1\"");
        assert_eq!(f.io_port.as_deref(), Some("u1"));
    }

    #[test]
    fn localnet_port_learns_only_with_localnet_learn_fdb() {
        let (mut t, sw) = topo();
        let ln = t
            .lsps
            .iter()
            .find(|p| p.name.as_str() == "ln")
            .unwrap()
            .uuid;
        t.lsp_mut(ln).options = smap(&[("localnet_learn_fdb", "true"), ("network_name", "phys")]);
        let flows = t.run().stage(sw, STAGE);
        assert_has_flows(
            &flows,
            &[(
                100,
                "inport == \"ln\"",
                "reg0[11] = lookup_fdb(inport, eth.src); next;",
            )],
        );
    }

    #[test]
    fn unparsable_port_security_does_not_stop_learning() {
        // northd counts the parsed port_security entries (n_ps_addrs), not the column.
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        let pj = t.vif(sw, "pj", &["unknown"]);
        t.lsp_mut(pj).port_security = vec!["junk".into()];
        assert_flows(
            t.run().stage(sw, STAGE),
            &[
                (
                    100,
                    "inport == \"pj\"",
                    "reg0[11] = lookup_fdb(inport, eth.src); next;",
                ),
                (0, "1", "next;"),
            ],
        );
    }
}
