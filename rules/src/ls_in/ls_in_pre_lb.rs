//! ls_in_pre_lb — decide which traffic needs load-balancer conntrack; multicast, ND/MLD,
//! service-monitor and stateless traffic skip it, and so does IP from router ports.

use crate::model::{Config, Lsp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInPreLb;

/// Priority 110: traffic that never goes through load-balancer conntrack.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 110, "eth.mcast", "next;");
    f.add(
        STAGE,
        110,
        "nd || nd_rs || nd_ra || mldv1 || mldv2",
        "next;",
    );
    f.add(STAGE, 110, "eth.dst == $svc_monitor_mac", "next;");
    f.add(STAGE, 110, "reg0[16] == 1", "next;");
    f.add(STAGE, 0, "1", "next;");
}

/// Ports whose IP traffic skips conntrack: router ports with a peer, localnet ports.
pub(crate) fn skips_conntrack(p: &Lsp) -> bool {
    (p.is_router() && p.peer.is_some()) || p.kind() == "localnet"
}

/// Priority 110: IP from a router (or localnet) port skips conntrack.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if skips_conntrack(p) {
        let m = format!("ip && inport == {}", json_key(p.name()));
        f.add_port(STAGE, 110, m, "next;", p.name(), p.nb.uuid);
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (110, "eth.mcast", "next;"),
        (110, "nd || nd_rs || nd_ra || mldv1 || mldv2", "next;"),
        (110, "eth.dst == $svc_monitor_mac", "next;"),
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
    fn ip_from_peered_router_port_and_localnet_skips_conntrack() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        // Enabled is not checked.
        let rp = t.link(sw, "sw0-lr0", "lr0-sw0");
        t.lsp_mut(rp).enabled = Some(false);
        // A router-type port without a router port behind it is not a router port.
        t.link(sw, "sw0-nopeer", "nonexistent");
        t.lsp(sw, "ln", "localnet", &["unknown"]);
        let r = t.router("lr0");
        t.lrp(r, "lr0-sw0", "00:00:00:00:ff:01", &["10.0.0.1/24"]);
        let run = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (110, "ip && inport == \"sw0-lr0\"", "next;"),
            (110, "ip && inport == \"ln\"", "next;"),
        ]);
        assert_flows(run.stage(sw, STAGE), &want);
        let f = run.flow(sw, STAGE, 110, "ip && inport == \"sw0-lr0\"");
        assert_eq!(
            (f.io_port.as_deref(), f.hint),
            (Some("sw0-lr0"), Some(rp.hint()))
        );
    }
}
