//! ls_in_check_port_sec — drop VLAN-tagged and multicast-source frames, flag disabled
//! ports, and ask the controller to check port security (it enforces
//! Port_Binding.port_security).

use crate::model::{Config, Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInCheckPortSec;

/// Priority 100: frames from a multicast source are dropped; priority 50: everything
/// else is checked.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 100, "eth.src[40]", "drop;");
    f.add(STAGE, 50, "1", "reg0[15] = check_in_port_sec(); next;");
}

/// Priority 100: tagged frames are dropped unless the switch passes VLANs through.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    if !sw.vlan_passthru() {
        f.add(STAGE, 100, "vlan.present", "drop;");
    }
}

/// Priority 100: traffic from a disabled port is flagged for drop.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if !p.enabled() && p.kind() != "external" {
        let m = format!("inport == {}", json_key(p.name()));
        f.add_port(STAGE, 100, m, "reg0[15] = 1; next;", p.name(), p.nb.uuid);
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (100, "vlan.present", "drop;"),
        (100, "eth.src[40]", "drop;"),
        (50, "1", "reg0[15] = check_in_port_sec(); next;"),
    ];

    #[test]
    fn tagged_and_multicast_source_frames_are_dropped_the_rest_checked() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        // Port security has no flow of its own: the controller enforces it.
        let vm1 = t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        t.lsp_mut(vm1).port_security = vec!["50:54:00:00:00:01 10.0.0.5".into()];
        assert_flows(t.run().stage(sw, STAGE), DEFAULTS);
    }

    #[test]
    fn vlan_passthru_switch_accepts_tagged_frames() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.ls_mut(sw).other_config = smap(&[("vlan-passthru", "true")]);
        assert_flows(
            t.run().stage(sw, STAGE),
            &[
                (100, "eth.src[40]", "drop;"),
                (50, "1", "reg0[15] = check_in_port_sec(); next;"),
            ],
        );
    }

    #[test]
    fn disabled_port_is_flagged_for_drop() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        let d1 = t.vif(sw, "d1", &["50:54:00:00:00:02 10.0.0.6"]);
        let du = t.vif(sw, "du", &["unknown"]);
        let w = t.vif(sw, "we\"ird", &["50:54:00:00:00:0A"]);
        // Any type but external: an unpaired router-type port too.
        let r1 = t.lsp(sw, "r1", "router", &["router"]);
        let ext = t.lsp(sw, "ext", "external", &["50:54:00:00:00:03 10.0.0.7"]);
        for p in [d1, du, w, r1, ext] {
            t.lsp_mut(p).enabled = Some(false);
        }
        let r = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (100, "inport == \"d1\"", "reg0[15] = 1; next;"),
            (100, "inport == \"du\"", "reg0[15] = 1; next;"),
            (100, "inport == \"we\\\"ird\"", "reg0[15] = 1; next;"),
            (100, "inport == \"r1\"", "reg0[15] = 1; next;"),
        ]);
        assert_flows(r.stage(sw, STAGE), &want);
        // Tagged with the port (raw name) and hinted with its NB row.
        let f = r.flow(sw, STAGE, 100, "inport == \"we\\\"ird\"");
        assert_eq!(f.io_port.as_deref(), Some("we\"ird"));
        assert_eq!(f.hint, Some(w.hint()));
        assert_eq!(
            r.flow(sw, STAGE, 100, "inport == \"d1\"").hint,
            Some(d1.hint())
        );
    }
}
