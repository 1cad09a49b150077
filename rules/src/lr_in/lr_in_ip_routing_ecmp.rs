//! lr_in_ip_routing_ecmp — ECMP member selection; packets routed without ECMP pass.

use crate::model::Config;
use crate::output::Flows;
use crate::stage::Stage;

const STAGE: Stage = Stage::LrInIpRoutingEcmp;

/// Default flows, the same on every router.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 150, "reg8[0..15] == 0", "next;");
    f.add(STAGE, 0, "1", "drop;");
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[(150, "reg8[0..15] == 0", "next;"), (0, "1", "drop;")];

    #[test]
    fn packets_routed_without_ecmp_pass() {
        assert_constant_stage(STAGE, DEFAULTS);
    }

    #[test]
    fn each_ecmp_member_sets_its_next_hop_and_port() {
        let mut t = Topo::new();
        let r = t.router("R1");
        t.lrp(
            r,
            "r1-ls1",
            "00:00:00:00:01:01",
            &["10.0.1.1/24", "fd01::1/64"],
        );
        t.lrp(r, "r1-join", "00:00:00:00:ff:01", &["100.64.0.1/16"]);
        let a = t.route(r, "40.0.0.0/24", "100.64.0.2");
        t.route(r, "40.0.0.0/24", "100.64.0.3");
        // A discard member has no member flow but keeps its member id.
        t.route(r, "65.0.0.0/24", "discard");
        t.route(r, "65.0.0.0/24", "10.0.1.12");
        t.route(r, "fd20::/64", "fd01::2");
        t.route(r, "fd20::/64", "fd01::3");
        let run = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            (
                100,
                "reg8[0..15] == 1 && reg8[16..31] == 1",
                "reg0 = 100.64.0.2; reg1 = 100.64.0.1; eth.src = 00:00:00:00:ff:01; \
                 outport = \"r1-join\"; next;",
            ),
            (
                100,
                "reg8[0..15] == 1 && reg8[16..31] == 2",
                "reg0 = 100.64.0.3; reg1 = 100.64.0.1; eth.src = 00:00:00:00:ff:01; \
                 outport = \"r1-join\"; next;",
            ),
            (
                100,
                "reg8[0..15] == 2 && reg8[16..31] == 2",
                "reg0 = 10.0.1.12; reg1 = 10.0.1.1; eth.src = 00:00:00:00:01:01; \
                 outport = \"r1-ls1\"; next;",
            ),
            (
                100,
                "reg8[0..15] == 3 && reg8[16..31] == 1",
                "xxreg0 = fd01::2; xxreg1 = fd01::1; eth.src = 00:00:00:00:01:01; \
                 outport = \"r1-ls1\"; next;",
            ),
            (
                100,
                "reg8[0..15] == 3 && reg8[16..31] == 2",
                "xxreg0 = fd01::3; xxreg1 = fd01::1; eth.src = 00:00:00:00:01:01; \
                 outport = \"r1-ls1\"; next;",
            ),
        ]);
        assert_flows(run.stage(r, STAGE), &want);
        let f = run.flow(r, STAGE, 100, "reg8[0..15] == 1 && reg8[16..31] == 1");
        assert_eq!(f.hint, Some(a.hint()));
    }
}
