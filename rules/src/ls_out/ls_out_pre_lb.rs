//! ls_out_pre_lb — decide which egress traffic needs load-balancer conntrack; IP towards
//! router ports clears conntrack state instead.

use crate::ls_in::ls_in_pre_lb::skips_conntrack;
use crate::model::{Config, Lsp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsOutPreLb;

/// Priority 110: traffic that never goes through load-balancer conntrack.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 110, "eth.mcast", "next;");
    f.add(
        STAGE,
        110,
        "nd || nd_rs || nd_ra || mldv1 || mldv2",
        "next;",
    );
    f.add(STAGE, 110, "eth.src == $svc_monitor_mac", "next;");
    f.add(STAGE, 110, "reg0[16] == 1", "next;");
    f.add(STAGE, 0, "1", "next;");
}

/// Priority 110: IP towards a router (or localnet) port clears conntrack state.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if skips_conntrack(p) {
        let m = format!("ip && outport == {}", json_key(p.name()));
        f.add_port(STAGE, 110, m, "ct_clear; next;", p.name(), p.nb.uuid);
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (110, "eth.mcast", "next;"),
        (110, "nd || nd_rs || nd_ra || mldv1 || mldv2", "next;"),
        (110, "eth.src == $svc_monitor_mac", "next;"),
        (110, "reg0[16] == 1", "next;"),
        (0, "1", "next;"),
    ];

    #[test]
    fn multicast_nd_service_monitor_and_stateless_traffic_skip_conntrack() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        assert_flows(t.run().stage(sw, STAGE), DEFAULTS);
    }

    #[test]
    fn ip_to_peered_router_port_and_localnet_clears_conntrack() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        let rp = t.link(sw, "sw0-lr0", "lr0-sw0");
        t.link(sw, "sw0-nopeer", "nonexistent");
        t.lsp(sw, "ln", "localnet", &["unknown"]);
        let r = t.router("lr0");
        t.lrp(r, "lr0-sw0", "00:00:00:00:ff:01", &["10.0.0.1/24"]);
        let run = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (110, "ip && outport == \"sw0-lr0\"", "ct_clear; next;"),
            (110, "ip && outport == \"ln\"", "ct_clear; next;"),
        ]);
        assert_flows(run.stage(sw, STAGE), &want);
        let f = run.flow(sw, STAGE, 110, "ip && outport == \"sw0-lr0\"");
        assert_eq!(
            (f.io_port.as_deref(), f.hint),
            (Some("sw0-lr0"), Some(rp.hint()))
        );
    }
}
