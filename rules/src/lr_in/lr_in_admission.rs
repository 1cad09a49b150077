//! lr_in_admission — drop VLAN-tagged and multicast-source frames; accept on each enabled
//! router port the frames for its MAC (on a distributed gateway port only where it is
//! resident) and multicast, remembering the port MAC in xreg0[0..47].

use crate::model::{Config, Lrp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrInAdmission;

/// Priority 100: bad frames are dropped; priority 0: so is everything not admitted.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 100, "vlan.present || eth.src[40]", "drop;");
    f.add(STAGE, 0, "1", "drop;");
}

/// Priority 50: multicast and unicast to the port's MAC are admitted.
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    if !p.enabled() {
        return;
    }
    let mac = p.networks.mac;
    let inport = json_key(p.name());
    let a = format!("xreg0[0..47] = {mac}; next;");
    f.add_hint(
        STAGE,
        50,
        format!("eth.mcast && inport == {inport}"),
        &a,
        p.nb.uuid,
    );
    let mut m = format!("eth.dst == {mac} && inport == {inport}");
    if p.is_dgp {
        m.push_str(&format!(
            " && is_chassis_resident({})",
            json_key(&p.cr_name())
        ));
    }
    f.add_hint(STAGE, 50, m, &a, p.nb.uuid);
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (100, "vlan.present || eth.src[40]", "drop;"),
        (0, "1", "drop;"),
    ];

    #[test]
    fn enabled_port_admits_multicast_and_its_own_mac() {
        let mut t = Topo::new();
        let r = t.router("R1");
        let p = t.lrp(
            r,
            "r1-ls1",
            "00:00:00:00:01:01",
            &["10.0.1.1/24", "fd01::1/64"],
        );
        let off = t.lrp(r, "r1-off", "00:00:00:00:01:02", &["10.0.2.1/24"]);
        t.lrp_mut(off).enabled = Some(false);
        let run = t.run();
        let a = "xreg0[0..47] = 00:00:00:00:01:01; next;";
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (50, "eth.mcast && inport == \"r1-ls1\"", a),
            (
                50,
                "eth.dst == 00:00:00:00:01:01 && inport == \"r1-ls1\"",
                a,
            ),
        ]);
        assert_flows(run.stage(r, STAGE), &want);
        let f = run.flow(r, STAGE, 50, "eth.mcast && inport == \"r1-ls1\"");
        assert_eq!((f.io_port.as_deref(), f.hint), (None, Some(p.hint())));
    }

    #[test]
    fn router_without_ports_drops_everything() {
        let mut t = Topo::new();
        let r = t.router("R0");
        assert_flows(t.run().stage(r, STAGE), DEFAULTS);
    }

    #[test]
    fn gateway_port_admits_unicast_only_where_resident() {
        let mut t = Topo::new();
        let r = t.router("lr0");
        let gw = t.lrp(r, "lrp-ext", "00:00:00:00:ff:01", &["172.16.0.1/24"]);
        t.dgp(gw, "hv1");
        let a = "xreg0[0..47] = 00:00:00:00:ff:01; next;";
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (50, "eth.mcast && inport == \"lrp-ext\"", a),
            (
                50,
                "eth.dst == 00:00:00:00:ff:01 && inport == \"lrp-ext\" && \
                 is_chassis_resident(\"cr-lrp-ext\")",
                a,
            ),
        ]);
        assert_flows(t.run().stage(r, STAGE), &want);
    }

    #[test]
    fn port_with_a_bad_mac_is_skipped_with_a_diagnostic() {
        // lr-edge2: "bad 'mac'" warning, no flows for the port.
        let mut t = Topo::new();
        let r = t.router("R");
        t.lrp(r, "bad", "00:00:00:00:00:zz", &["10.0.0.1/24"]);
        let run = t.run();
        assert_flows(run.stage(r, STAGE), DEFAULTS);
        let diags = run.diags();
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            diags[0].contains("bad 'mac' 00:00:00:00:00:zz"),
            "{diags:?}"
        );
    }
}
