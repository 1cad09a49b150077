//! ls_in_put_fdb — learn the source MAC of a learning port when the lookup missed.

use super::ls_in_lookup_fdb::learns_fdb;
use crate::model::{Config, Lsp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInPutFdb;

/// Priority 0: nothing to learn.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
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

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    #[test]
    fn missed_lookup_on_a_learning_port_stores_the_mac() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        let u1 = t.vif(sw, "u1", &["unknown"]);
        let u2 = t.vif(sw, "u2", &["50:54:00:00:00:03 10.0.0.7", "unknown"]);
        t.lsp_mut(u2).port_security = vec!["50:54:00:00:00:03".into()];
        t.lsp(sw, "lp", "localport", &["unknown"]);
        let ln = t.lsp(sw, "ln", "localnet", &["unknown"]);
        t.lsp_mut(ln).options = smap(&[("localnet_learn_fdb", "true")]);
        let ln2 = t.lsp(sw, "ln2", "localnet", &["unknown"]);
        t.lsp_mut(ln2).options = smap(&[("network_name", "phys")]);
        let r = t.run();
        let a = "put_fdb(inport, eth.src); next;";
        assert_flows(
            r.stage(sw, STAGE),
            &[
                (100, "inport == \"u1\" && reg0[11] == 0", a),
                (100, "inport == \"ln\" && reg0[11] == 0", a),
                (0, "1", "next;"),
            ],
        );
        let f = r.flow(sw, STAGE, 100, "inport == \"u1\" && reg0[11] == 0");
        assert_eq!(
            (f.io_port.as_deref(), f.hint),
            (Some("u1"), Some(u1.hint()))
        );
    }
}
