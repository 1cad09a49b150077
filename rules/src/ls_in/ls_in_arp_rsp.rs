//! ls_in_arp_rsp — answer ARP and neighbour solicitations for the known addresses of the
//! switch's ports (router ports answer for their peer router port), except when the
//! request comes from the owner itself.

use crate::model::{Config, Lsp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LsInArpRsp;

/// Priority 0: everything else goes on.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 0, "1", "next;");
}

/// Whether the port's addresses get responder flows.
fn responds(p: &Lsp) -> bool {
    let cfg = &p.sw.cfg;
    let up = p.nb.up == Some(true);
    if !cfg.ignore_lsp_down && !up && !p.is_router() && p.kind() != "localport" {
        return false;
    }
    !matches!(p.kind(), "external" | "virtual") && !p.addrs.unknown && !p.sw.vlan_passthru()
}

/// Priority 50: reply to ARP / NS for each address; priority 100: but not to the owner,
/// and not to requests coming in from a localnet port.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if p.kind() == "localnet" {
        let m = format!("inport == {}", json_key(p.name()));
        f.add_port(STAGE, 100, m, "next;", p.name(), p.nb.uuid);
    }
    if !responds(p) {
        return;
    }
    let inport = json_key(p.name());
    let na = if p.is_router() {
        "nd_na_router"
    } else {
        "nd_na"
    };
    for e in &p.addrs.entries {
        let mac = e.mac;
        for v4 in &e.ipv4 {
            let ip = v4.addr;
            let m = format!("arp.tpa == {ip} && arp.op == 1");
            let a = format!(
                "eth.dst = eth.src; eth.src = {mac}; arp.op = 2; /* ARP reply */ arp.tha = arp.sha; \
                 arp.sha = {mac}; arp.tpa = arp.spa; arp.spa = {ip}; outport = inport; \
                 flags.loopback = 1; output;"
            );
            f.add_hint(STAGE, 50, &m, a, p.nb.uuid);
            f.add_port(
                STAGE,
                100,
                format!("{m} && inport == {inport}"),
                "next;",
                p.name(),
                p.nb.uuid,
            );
        }
        for v6 in &e.ipv6 {
            let ip = ip6(&v6.addr);
            let sn = ip6(&v6.sn_addr());
            let m = format!("nd_ns && ip6.dst == {{{ip}, {sn}}} && nd.target == {ip}");
            let a = format!(
                "{na} {{ eth.src = {mac}; ip6.src = {ip}; nd.target = {ip}; nd.tll = {mac}; \
                 outport = inport; flags.loopback = 1; output; }};"
            );
            f.add_hint(STAGE, 50, &m, a, p.nb.uuid);
            f.add_port(
                STAGE,
                100,
                format!("{m} && inport == {inport}"),
                "next;",
                p.name(),
                p.nb.uuid,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    /// The p50 reply and p100 "not to the owner" flows for IPv4 `ip` of `port` (ls.md
    /// table 19 templates).
    fn arp(ip: &str, mac: &str, port: &str) -> [(u16, String, String); 2] {
        let m = format!("arp.tpa == {ip} && arp.op == 1");
        [
            (
                50,
                m.clone(),
                format!(
                    "eth.dst = eth.src; eth.src = {mac}; arp.op = 2; /* ARP reply */ \
                     arp.tha = arp.sha; arp.sha = {mac}; arp.tpa = arp.spa; arp.spa = {ip}; \
                     outport = inport; flags.loopback = 1; output;"
                ),
            ),
            (100, format!("{m} && inport == \"{port}\""), "next;".into()),
        ]
    }

    /// The same for IPv6 `ip` with solicited-node address `sn`.
    fn nd(na: &str, ip: &str, sn: &str, mac: &str, port: &str) -> [(u16, String, String); 2] {
        let m = format!("nd_ns && ip6.dst == {{{ip}, {sn}}} && nd.target == {ip}");
        [
            (
                50,
                m.clone(),
                format!(
                    "{na} {{ eth.src = {mac}; ip6.src = {ip}; nd.target = {ip}; nd.tll = {mac}; \
                     outport = inport; flags.loopback = 1; output; }};"
                ),
            ),
            (100, format!("{m} && inport == \"{port}\""), "next;".into()),
        ]
    }

    fn expect(flows: &[(u16, String, String)]) -> Vec<(u16, &str, &str)> {
        let mut v: Vec<(u16, &str, &str)> = vec![(0, "1", "next;")];
        v.extend(flows.iter().map(|(p, m, a)| (*p, m.as_str(), a.as_str())));
        v
    }

    #[test]
    fn vif_with_ipv4_and_ipv6_gets_arp_and_nd_responders() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        let vm1 = t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5 2001:db8::5"]);
        let r = t.run();
        assert_flows(
            r.stage(sw, STAGE),
            &[
                (0, "1", "next;"),
                (
                    50,
                    "arp.tpa == 10.0.0.5 && arp.op == 1",
                    "eth.dst = eth.src; eth.src = 50:54:00:00:00:01; arp.op = 2; /* ARP reply */ \
                     arp.tha = arp.sha; arp.sha = 50:54:00:00:00:01; arp.tpa = arp.spa; \
                     arp.spa = 10.0.0.5; outport = inport; flags.loopback = 1; output;",
                ),
                (
                    100,
                    "arp.tpa == 10.0.0.5 && arp.op == 1 && inport == \"vm1\"",
                    "next;",
                ),
                (
                    50,
                    "nd_ns && ip6.dst == {2001:db8::5, ff02::1:ff00:5} && nd.target == 2001:db8::5",
                    "nd_na { eth.src = 50:54:00:00:00:01; ip6.src = 2001:db8::5; \
                     nd.target = 2001:db8::5; nd.tll = 50:54:00:00:00:01; outport = inport; \
                     flags.loopback = 1; output; };",
                ),
                (
                    100,
                    "nd_ns && ip6.dst == {2001:db8::5, ff02::1:ff00:5} && nd.target == 2001:db8::5 \
                     && inport == \"vm1\"",
                    "next;",
                ),
            ],
        );
        // p50: hint, no tag; p100: hint and tag.
        let f = r.flow(sw, STAGE, 50, "arp.tpa == 10.0.0.5 && arp.op == 1");
        assert_eq!((f.io_port.as_deref(), f.hint), (None, Some(vm1.hint())));
        let f = r.flow(
            sw,
            STAGE,
            100,
            "arp.tpa == 10.0.0.5 && arp.op == 1 && inport == \"vm1\"",
        );
        assert_eq!(
            (f.io_port.as_deref(), f.hint),
            (Some("vm1"), Some(vm1.hint()))
        );
    }

    #[test]
    fn several_entries_and_addresses_in_glibc_text() {
        // ls-A vm2 / ls-D: uppercase MAC, `/plen` dropped, IPv6 compressed, dotted forms.
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(
            sw,
            "vm2",
            &[
                "50:54:00:00:00:0A 10.0.0.7/24 FD00:0:0::0008",
                "50:54:00:00:00:0b 10.0.0.8 ::ffff:1.2.3.4",
            ],
        );
        let mut want = Vec::new();
        want.extend(arp("10.0.0.7", "50:54:00:00:00:0a", "vm2"));
        want.extend(nd(
            "nd_na",
            "fd00::8",
            "ff02::1:ff00:8",
            "50:54:00:00:00:0a",
            "vm2",
        ));
        want.extend(arp("10.0.0.8", "50:54:00:00:00:0b", "vm2"));
        want.extend(nd(
            "nd_na",
            "::ffff:1.2.3.4",
            "ff02::1:ff02:304",
            "50:54:00:00:00:0b",
            "vm2",
        ));
        assert_flows(t.run().stage(sw, STAGE), &expect(&want));
    }

    #[test]
    fn router_port_answers_for_its_peer_networks_with_nd_na_router() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.link(sw, "sw0-lr0", "lr0-sw0");
        let r = t.router("lr0");
        t.lrp(
            r,
            "lr0-sw0",
            "00:00:00:00:ff:01",
            &["10.0.0.1/24", "fd00::1/64"],
        );
        let mut want = Vec::new();
        want.extend(arp("10.0.0.1", "00:00:00:00:ff:01", "sw0-lr0"));
        want.extend(nd(
            "nd_na_router",
            "fd00::1",
            "ff02::1:ff00:1",
            "00:00:00:00:ff:01",
            "sw0-lr0",
        ));
        // The peer's link-local address is always added.
        want.extend(nd(
            "nd_na_router",
            "fe80::200:ff:fe00:ff01",
            "ff02::1:ff00:ff01",
            "00:00:00:00:ff:01",
            "sw0-lr0",
        ));
        assert_flows(t.run().stage(sw, STAGE), &expect(&want));
    }

    #[test]
    fn router_port_with_a_mac_only_answers_nothing() {
        // The seed topology: router-type ports with addresses "MAC" only.
        let mut t = Topo::new();
        let sw = t.switch("network1");
        let p = t.lsp(sw, "net1-router1", "router", &["40:44:00:00:00:03"]);
        t.lsp_mut(p).options = smap(&[("router-port", "router1-net1")]);
        let r = t.router("router1");
        t.lrp(r, "router1-net1", "40:44:00:00:00:03", &["192.168.0.1/24"]);
        assert_flows(t.run().stage(sw, STAGE), &[(0, "1", "next;")]);
    }

    #[test]
    fn unknown_ports_and_vlan_passthru_switches_get_no_responder() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        t.vif(sw, "u2", &["50:54:00:00:00:03 10.0.0.7", "unknown"]);
        let du = t.vif(sw, "du", &["50:54:00:00:00:04 10.0.0.8", "unknown"]);
        t.lsp_mut(du).enabled = Some(false);
        t.lsp(sw, "ext", "external", &["50:54:00:00:00:05 10.0.0.9"]);
        assert_flows(t.run().stage(sw, STAGE), &[(0, "1", "next;")]);

        let mut t = Topo::new();
        let sw = t.switch("sw3");
        t.ls_mut(sw).other_config = smap(&[("vlan-passthru", "true")]);
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5 2001:db8::5"]);
        assert_flows(t.run().stage(sw, STAGE), &[(0, "1", "next;")]);
    }

    #[test]
    fn disabled_port_still_answers() {
        let mut t = Topo::new();
        let sw = t.switch("sw0");
        let d1 = t.vif(sw, "d1", &["50:54:00:00:00:02 10.0.0.6"]);
        t.lsp_mut(d1).enabled = Some(false);
        let want = arp("10.0.0.6", "50:54:00:00:00:02", "d1");
        assert_flows(t.run().stage(sw, STAGE), &expect(&want));
    }

    #[test]
    fn with_ignore_lsp_down_false_only_up_router_and_localport_ports_answer() {
        // ls-B.
        let mut t = Topo::new();
        t.option("ignore_lsp_down", "false");
        let sw = t.switch("sw0");
        t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
        t.lsp(sw, "r1", "remote", &["50:54:00:00:00:02 10.0.0.6"]);
        t.lsp(sw, "lp1", "localport", &["50:54:00:00:00:03 10.0.0.7"]);
        let up = t.vif(sw, "vmup", &["50:54:00:00:00:04 10.0.0.8"]);
        t.lsp_mut(up).up = Some(true);
        t.link(sw, "sw0-lr0", "lr0-sw0");
        let r = t.router("lr0");
        t.lrp(r, "lr0-sw0", "00:00:00:00:ff:01", &["10.0.0.1/24"]);
        let mut want = Vec::new();
        want.extend(arp("10.0.0.7", "50:54:00:00:00:03", "lp1"));
        want.extend(arp("10.0.0.8", "50:54:00:00:00:04", "vmup"));
        want.extend(arp("10.0.0.1", "00:00:00:00:ff:01", "sw0-lr0"));
        want.extend(nd(
            "nd_na_router",
            "fe80::200:ff:fe00:ff01",
            "ff02::1:ff00:ff01",
            "00:00:00:00:ff:01",
            "sw0-lr0",
        ));
        assert_flows(t.run().stage(sw, STAGE), &expect(&want));
    }

    #[test]
    fn requests_from_a_localnet_port_skip_the_responder() {
        // ls-E: p100 `inport == "ln"` for every localnet port, `unknown` or not.
        let mut t = Topo::new();
        let sw = t.switch("pub");
        let ln = t.lsp(sw, "ln", "localnet", &["unknown"]);
        t.lsp_mut(ln).options = smap(&[("network_name", "phys")]);
        t.vif(sw, "vmp", &["50:54:00:00:05:01 172.16.0.50"]);
        let run = t.run();
        let mut want = arp("172.16.0.50", "50:54:00:00:05:01", "vmp").to_vec();
        want.push((100, "inport == \"ln\"".into(), "next;".into()));
        assert_flows(run.stage(sw, STAGE), &expect(&want));
        let f = run.flow(sw, STAGE, 100, "inport == \"ln\"");
        assert_eq!(
            (f.io_port.as_deref(), f.hint),
            (Some("ln"), Some(ln.hint()))
        );
    }
}
