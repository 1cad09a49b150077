//! lr_in_ip_input — the router as an IP host: drop martians and traffic from its own
//! addresses, answer ARP, ND and ICMP echo for its addresses, send ICMP errors (port
//! unreachable, TCP RST, time exceeded), and drop everything else addressed to it.

use super::{braces, v4_list, v6_list};
use crate::model::{Config, Lrp};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LrInIpInput;

/// Router-wide filters: martian sources, ARP/ND not answered earlier, multicast,
/// broadcast, expiring TTL; priority 0: routing continues.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(
        STAGE,
        100,
        "ip4.src_mcast ||ip4.src == 255.255.255.255 || ip4.src == 127.0.0.0/8 || \
         ip4.dst == 127.0.0.0/8 || ip4.src == 0.0.0.0/8 || ip4.dst == 0.0.0.0/8",
        "drop;",
    );
    f.add(STAGE, 85, "arp || nd", "drop;");
    f.add(STAGE, 84, "nd_rs || nd_ra", "next;");
    f.add(STAGE, 83, "ip6.mcast_rsvd", "drop;");
    f.add(STAGE, 82, "ip4.mcast || ip6.mcast", "drop;");
    f.add(STAGE, 50, "eth.bcast", "drop;");
    f.add(
        STAGE,
        32,
        "ip.ttl == {0, 1} && !ip.later_frag && (ip4.mcast || ip6.mcast)",
        "drop;",
    );
    f.add(STAGE, 30, "ip.ttl == {0, 1}", "drop;");
    f.add(STAGE, 0, "1", "next;");
}

pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    ipv4(p, f);
    ipv6(p, f);
}

fn ipv4(p: &Lrp, f: &mut Flows) {
    let n = &p.networks;
    if n.ipv4.is_empty() {
        return;
    }
    let h = p.nb.uuid;
    let inport = json_key(p.name());
    // Priority 100: packets claiming to come from the router itself are dropped.
    f.add_hint(
        STAGE,
        100,
        format!("ip4.src == {} && reg9[0] == 0", v4_list(n, true)),
        "drop;",
        h,
    );
    // Priority 90: ICMP echo to a router address is answered.
    f.add_hint(
        STAGE,
        90,
        format!(
            "ip4.dst == {} && icmp4.type == 8 && icmp4.code == 0",
            v4_list(n, false)
        ),
        "ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 0; flags.loopback = 1; next; ",
        h,
    );
    for a in &n.ipv4 {
        // Priority 31: TTL exceeded in transit.
        let swap = if p.is_dgp {
            "ip4.dst <-> ip4.src".to_string()
        } else {
            format!("ip4.dst = ip4.src; ip4.src = {}", a.addr)
        };
        f.add_hint(
            STAGE,
            31,
            format!("inport == {inport} && ip4 && ip.ttl == {{0, 1}} && !ip.later_frag"),
            format!(
                "icmp4 {{eth.dst <-> eth.src; icmp4.type = 11; /* Time exceeded */ icmp4.code = 0; \
                 /* TTL exceeded in transit */ {swap} ; ip.ttl = 254; outport = {inport}; \
                 flags.loopback = 1; output; }};"
            ),
            h,
        );
        // Priority 90: ARP requests for the address from its subnet are answered (on a
        // switch with a localnet port, only by the chassis the gateway port resides on).
        f.add_hint(
            STAGE,
            90,
            format!(
                "inport == {inport} && arp.op == 1 && arp.tpa == {} && arp.spa == {}/{}{}",
                a.addr,
                a.network(),
                a.plen,
                resident_suffix(p)
            ),
            "eth.dst = eth.src; eth.src = xreg0[0..47]; arp.op = 2; /* ARP reply */ arp.tha = arp.sha; \
             arp.sha = xreg0[0..47]; arp.tpa <-> arp.spa; outport = inport; flags.loopback = 1; output;",
            h,
        );
        // Priorities 80/70: port unreachable, TCP RST, SCTP abort, protocol unreachable
        // (only on routers without a gateway).
        if !p.lr.has_gateway() {
            let ip = a.addr;
            let base = format!("ip4 && ip4.dst == {ip} && !ip.later_frag");
            f.add_hint(STAGE, 80, format!("{base} && udp"),
                "icmp4 {eth.dst <-> eth.src; ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 3; icmp4.code = 3; next; };", h);
            f.add_hint(
                STAGE,
                80,
                format!("{base} && tcp"),
                "tcp_reset {eth.dst <-> eth.src; ip4.dst <-> ip4.src; next; };",
                h,
            );
            f.add_hint(
                STAGE,
                80,
                format!("{base} && sctp"),
                "sctp_abort {eth.dst <-> eth.src; ip4.dst <-> ip4.src; next; };",
                h,
            );
            f.add_hint(STAGE, 70, base,
                "icmp4 {eth.dst <-> eth.src; ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 3; icmp4.code = 2; next; };", h);
        }
    }
    // Priority 60: anything else for a router address is dropped.
    f.add_hint(
        STAGE,
        60,
        format!(
            "ip4.dst == {}",
            braces(n.ipv4.iter().map(|a| a.addr.to_string()))
        ),
        "drop;",
        h,
    );
}

/// ` && is_chassis_resident("cr-..")` for ARP replies of a router with a distributed
/// gateway port, when this port's switch has a localnet port: the port's own `cr-` port,
/// or with reside-on-redirect-chassis the router's only one.
fn resident_suffix(p: &Lrp) -> String {
    if p.lr.dgps.is_empty() || !p.peer_has_localnet {
        return String::new();
    }
    let cr = if p.is_dgp {
        p.cr_name()
    } else if p.lr.dgps.len() == 1
        && crate::input::smap_bool(&p.nb.options, "reside-on-redirect-chassis", false)
    {
        format!("cr-{}", p.lr.dgps[0])
    } else {
        return String::new();
    };
    format!(" && is_chassis_resident({})", json_key(&cr))
}

fn ipv6(p: &Lrp, f: &mut Flows) {
    let n = &p.networks;
    let h = p.nb.uuid;
    let inport = json_key(p.name());
    for a in &n.ipv6 {
        let ip = ip6(&a.addr);
        // Priority 100: DHCPv6 replies for prefix delegation.
        f.add(
            STAGE,
            100,
            format!("ip6.dst == {ip} && udp.src == 547 && udp.dst == 546"),
            "reg0 = 0; handle_dhcpv6_reply;",
        );
        // Priority 90: neighbour solicitations for the address are answered.
        let mut m = format!(
            "inport == {inport} && ip6.dst == {{{ip}, {}}} && nd_ns && nd.target == {ip}",
            ip6(&a.sn_addr())
        );
        if p.is_dgp {
            m.push_str(&format!(
                " && is_chassis_resident({})",
                json_key(&p.cr_name())
            ));
        }
        f.add_hint(
            STAGE,
            90,
            m,
            "nd_na_router { eth.src = xreg0[0..47]; ip6.src = nd.target; nd.tll = xreg0[0..47]; \
             outport = inport; flags.loopback = 1; output; };",
            h,
        );
        if !p.lr.has_gateway() {
            let base = format!("ip6 && ip6.dst == {ip} && !ip.later_frag");
            f.add_hint(
                STAGE,
                80,
                format!("{base} && tcp"),
                "tcp_reset {eth.dst <-> eth.src; ip6.dst <-> ip6.src; next; };",
                h,
            );
            f.add_hint(
                STAGE,
                80,
                format!("{base} && sctp"),
                "sctp_abort {eth.dst <-> eth.src; ip6.dst <-> ip6.src; next; };",
                h,
            );
            f.add_hint(STAGE, 80, format!("{base} && udp"),
                "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 1; icmp6.code = 4; next; };", h);
            f.add_hint(STAGE, 70, base,
                "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 1; icmp6.code = 3; next; };", h);
        }
        // Priority 31: TTL exceeded in transit (global addresses only).
        if u128::from(a.addr) >> 64 != 0xfe80_0000_0000_0000 {
            let swap = if p.is_dgp {
                "ip6.dst <-> ip6.src".to_string()
            } else {
                format!("ip6.dst = ip6.src; ip6.src = {ip}")
            };
            f.add_hint(
                STAGE,
                31,
                format!("inport == {inport} && ip6 && ip6.src == {}/{} && ip.ttl == {{0, 1}} && !ip.later_frag", ip6(&a.network()), a.plen),
                format!(
                    "icmp6 {{eth.dst <-> eth.src; {swap} ; ip.ttl = 254; icmp6.type = 3; /* Time exceeded */ \
                     icmp6.code = 0; /* TTL exceeded in transit */ outport = {inport}; flags.loopback = 1; output; }};"
                ),
                h,
            );
        }
    }
    // Priority 90: ICMPv6 echo to a router address is answered.
    f.add_hint(
        STAGE,
        90,
        format!(
            "ip6.dst == {} && icmp6.type == 128 && icmp6.code == 0",
            v6_list(n)
        ),
        "ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 129; flags.loopback = 1; next; ",
        h,
    );
    // Priority 60: anything else for a router address is dropped.
    f.add_hint(
        STAGE,
        60,
        format!("ip6.dst == {}", braces(n.ipv6.iter().map(|a| ip6(&a.addr)))),
        "drop;",
        h,
    );
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[
        (
            100,
            "ip4.src_mcast ||ip4.src == 255.255.255.255 || ip4.src == 127.0.0.0/8 || \
             ip4.dst == 127.0.0.0/8 || ip4.src == 0.0.0.0/8 || ip4.dst == 0.0.0.0/8",
            "drop;",
        ),
        (85, "arp || nd", "drop;"),
        (84, "nd_rs || nd_ra", "next;"),
        (83, "ip6.mcast_rsvd", "drop;"),
        (82, "ip4.mcast || ip6.mcast", "drop;"),
        (50, "eth.bcast", "drop;"),
        (
            32,
            "ip.ttl == {0, 1} && !ip.later_frag && (ip4.mcast || ip6.mcast)",
            "drop;",
        ),
        (30, "ip.ttl == {0, 1}", "drop;"),
        (0, "1", "next;"),
    ];

    const ARP_REPLY: &str = "eth.dst = eth.src; eth.src = xreg0[0..47]; arp.op = 2; \
        /* ARP reply */ arp.tha = arp.sha; arp.sha = xreg0[0..47]; arp.tpa <-> arp.spa; \
        outport = inport; flags.loopback = 1; output;";
    const ND_REPLY: &str = "nd_na_router { eth.src = xreg0[0..47]; ip6.src = nd.target; \
        nd.tll = xreg0[0..47]; outport = inport; flags.loopback = 1; output; };";

    #[test]
    fn router_port_is_an_ip_host_for_its_addresses() {
        // R1 r1-ls1 of lr-join: one IPv4 and one IPv6 network, plus the link-local one.
        let mut t = Topo::new();
        let r = t.router("R1");
        let p = t.lrp(
            r,
            "r1-ls1",
            "00:00:00:00:01:01",
            &["10.0.1.1/24", "fd01::1/64"],
        );
        let run = t.run();
        let mut want = DEFAULTS.to_vec();
        want.extend([
            // IPv4.
            (100, "ip4.src == {10.0.1.1, 10.0.1.255} && reg9[0] == 0", "drop;"),
            (
                90,
                "ip4.dst == 10.0.1.1 && icmp4.type == 8 && icmp4.code == 0",
                "ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 0; flags.loopback = 1; next; ",
            ),
            (
                31,
                "inport == \"r1-ls1\" && ip4 && ip.ttl == {0, 1} && !ip.later_frag",
                "icmp4 {eth.dst <-> eth.src; icmp4.type = 11; /* Time exceeded */ \
                 icmp4.code = 0; /* TTL exceeded in transit */ ip4.dst = ip4.src; \
                 ip4.src = 10.0.1.1 ; ip.ttl = 254; outport = \"r1-ls1\"; flags.loopback = 1; \
                 output; };",
            ),
            (
                90,
                "inport == \"r1-ls1\" && arp.op == 1 && arp.tpa == 10.0.1.1 && \
                 arp.spa == 10.0.1.0/24",
                ARP_REPLY,
            ),
            (
                80,
                "ip4 && ip4.dst == 10.0.1.1 && !ip.later_frag && udp",
                "icmp4 {eth.dst <-> eth.src; ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 3; \
                 icmp4.code = 3; next; };",
            ),
            (
                80,
                "ip4 && ip4.dst == 10.0.1.1 && !ip.later_frag && tcp",
                "tcp_reset {eth.dst <-> eth.src; ip4.dst <-> ip4.src; next; };",
            ),
            (
                80,
                "ip4 && ip4.dst == 10.0.1.1 && !ip.later_frag && sctp",
                "sctp_abort {eth.dst <-> eth.src; ip4.dst <-> ip4.src; next; };",
            ),
            (
                70,
                "ip4 && ip4.dst == 10.0.1.1 && !ip.later_frag",
                "icmp4 {eth.dst <-> eth.src; ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 3; \
                 icmp4.code = 2; next; };",
            ),
            (60, "ip4.dst == {10.0.1.1}", "drop;"),
            // IPv6: the global address.
            (
                100,
                "ip6.dst == fd01::1 && udp.src == 547 && udp.dst == 546",
                "reg0 = 0; handle_dhcpv6_reply;",
            ),
            (
                90,
                "inport == \"r1-ls1\" && ip6.dst == {fd01::1, ff02::1:ff00:1} && nd_ns && \
                 nd.target == fd01::1",
                ND_REPLY,
            ),
            (
                80,
                "ip6 && ip6.dst == fd01::1 && !ip.later_frag && tcp",
                "tcp_reset {eth.dst <-> eth.src; ip6.dst <-> ip6.src; next; };",
            ),
            (
                80,
                "ip6 && ip6.dst == fd01::1 && !ip.later_frag && sctp",
                "sctp_abort {eth.dst <-> eth.src; ip6.dst <-> ip6.src; next; };",
            ),
            (
                80,
                "ip6 && ip6.dst == fd01::1 && !ip.later_frag && udp",
                "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 1; \
                 icmp6.code = 4; next; };",
            ),
            (
                70,
                "ip6 && ip6.dst == fd01::1 && !ip.later_frag",
                "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 1; \
                 icmp6.code = 3; next; };",
            ),
            (
                31,
                "inport == \"r1-ls1\" && ip6 && ip6.src == fd01::/64 && ip.ttl == {0, 1} && \
                 !ip.later_frag",
                "icmp6 {eth.dst <-> eth.src; ip6.dst = ip6.src; ip6.src = fd01::1 ; \
                 ip.ttl = 254; icmp6.type = 3; /* Time exceeded */ icmp6.code = 0; \
                 /* TTL exceeded in transit */ outport = \"r1-ls1\"; flags.loopback = 1; output; };",
            ),
            // IPv6: the link-local address (no time-exceeded flow).
            (
                100,
                "ip6.dst == fe80::200:ff:fe00:101 && udp.src == 547 && udp.dst == 546",
                "reg0 = 0; handle_dhcpv6_reply;",
            ),
            (
                90,
                "inport == \"r1-ls1\" && ip6.dst == {fe80::200:ff:fe00:101, ff02::1:ff00:101} \
                 && nd_ns && nd.target == fe80::200:ff:fe00:101",
                ND_REPLY,
            ),
            (
                80,
                "ip6 && ip6.dst == fe80::200:ff:fe00:101 && !ip.later_frag && tcp",
                "tcp_reset {eth.dst <-> eth.src; ip6.dst <-> ip6.src; next; };",
            ),
            (
                80,
                "ip6 && ip6.dst == fe80::200:ff:fe00:101 && !ip.later_frag && sctp",
                "sctp_abort {eth.dst <-> eth.src; ip6.dst <-> ip6.src; next; };",
            ),
            (
                80,
                "ip6 && ip6.dst == fe80::200:ff:fe00:101 && !ip.later_frag && udp",
                "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 1; \
                 icmp6.code = 4; next; };",
            ),
            (
                70,
                "ip6 && ip6.dst == fe80::200:ff:fe00:101 && !ip.later_frag",
                "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 1; \
                 icmp6.code = 3; next; };",
            ),
            (
                90,
                "ip6.dst == {fd01::1, fe80::200:ff:fe00:101} && icmp6.type == 128 && \
                 icmp6.code == 0",
                "ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 129; flags.loopback = 1; next; ",
            ),
            (60, "ip6.dst == {fd01::1, fe80::200:ff:fe00:101}", "drop;"),
        ]);
        assert_flows(run.stage(r, STAGE), &want);
        // Hints: the port for its flows; none for the DHCPv6 reply and the defaults.
        assert_eq!(
            run.flow(r, STAGE, 60, "ip4.dst == {10.0.1.1}").hint,
            Some(p.hint())
        );
        let f = run.flow(
            r,
            STAGE,
            100,
            "ip6.dst == fd01::1 && udp.src == 547 && udp.dst == 546",
        );
        assert_eq!(f.hint, None);
    }

    #[test]
    fn several_ipv4_networks_are_listed_with_broadcasts_and_one_ttl_flow_each() {
        // lr-edge p32: a /32 and a /31 network, whose broadcasts are their addresses.
        let mut t = Topo::new();
        let r = t.router("R");
        t.lrp(
            r,
            "p32",
            "00:00:00:00:00:01",
            &["10.0.0.5/32", "10.1.0.1/31"],
        );
        let flows = t.run().stage(r, STAGE);
        let ttl = |a: &str| {
            format!(
                "icmp4 {{eth.dst <-> eth.src; icmp4.type = 11; /* Time exceeded */ \
                 icmp4.code = 0; /* TTL exceeded in transit */ ip4.dst = ip4.src; \
                 ip4.src = {a} ; ip.ttl = 254; outport = \"p32\"; flags.loopback = 1; output; }};"
            )
        };
        let ttl_match = "inport == \"p32\" && ip4 && ip.ttl == {0, 1} && !ip.later_frag";
        assert_has_flows(
            &flows,
            &[
                (
                    100,
                    "ip4.src == {10.0.0.5, 10.0.0.5, 10.1.0.1, 10.1.0.1} && reg9[0] == 0",
                    "drop;",
                ),
                (
                    90,
                    "ip4.dst == {10.0.0.5, 10.1.0.1} && icmp4.type == 8 && icmp4.code == 0",
                    "ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 0; flags.loopback = 1; next; ",
                ),
                (31, ttl_match, &ttl("10.0.0.5")),
                (31, ttl_match, &ttl("10.1.0.1")),
                (
                    90,
                    "inport == \"p32\" && arp.op == 1 && arp.tpa == 10.0.0.5 && \
                     arp.spa == 10.0.0.5/32",
                    ARP_REPLY,
                ),
                (
                    90,
                    "inport == \"p32\" && arp.op == 1 && arp.tpa == 10.1.0.1 && \
                     arp.spa == 10.1.0.0/31",
                    ARP_REPLY,
                ),
                (60, "ip4.dst == {10.0.0.5, 10.1.0.1}", "drop;"),
            ],
        );
    }

    #[test]
    fn gateway_router_sends_no_unreachables_or_resets() {
        // lr-peer: options:chassis makes a gateway router.
        let mut t = Topo::new();
        let r = t.router("GW");
        t.lr_mut(r).options = smap(&[("chassis", "hv1")]);
        t.lrp(r, "gw-p", "00:00:00:00:00:01", &["10.0.0.1/24"]);
        let flows = t.run().stage(r, STAGE);
        assert!(
            flows.iter().all(|(p, _, _)| *p != 80 && *p != 70),
            "{flows:?}"
        );
        assert_has_flows(&flows, &[(60, "ip4.dst == {10.0.0.1}", "drop;")]);
    }

    /// lr-dgp: a DGP whose peer switch has a localnet port, and one whose peer switch
    /// has none.
    fn dgp_topo() -> (Topo, crate::input::Uuid, crate::input::Uuid) {
        let mut t = Topo::new();
        let r = t.router("lr0");
        let gw = t.lrp(
            r,
            "lrp-gw",
            "00:00:00:00:ff:01",
            &["172.16.0.1/24", "2001:db8:1::1/64"],
        );
        t.dgp(gw, "hv1");
        let sw = t.switch("pub");
        t.lsp(sw, "ln", "localnet", &["unknown"]);
        t.link(sw, "pub-lr0", "lrp-gw");
        let r2 = t.router("lr1");
        let gw2 = t.lrp(r2, "lrp-gw2", "00:00:00:00:ff:02", &["172.17.0.1/24"]);
        t.dgp(gw2, "hv1");
        let sw2 = t.switch("pub2");
        t.vif(sw2, "vm", &["50:54:00:00:00:01 172.17.0.5"]);
        t.link(sw2, "pub2-lr1", "lrp-gw2");
        (t, r, r2)
    }

    #[test]
    fn gateway_port_answers_nd_where_resident_and_swaps_on_ttl_expiry() {
        let (t, r, r2) = dgp_topo();
        let run = t.run();
        let flows = run.stage(r, STAGE);
        // A router with a DGP has a gateway: no unreachables or resets.
        assert!(
            flows.iter().all(|(p, _, _)| *p != 80 && *p != 70),
            "{flows:?}"
        );
        assert_has_flows(
            &flows,
            &[
                (
                    90,
                    "inport == \"lrp-gw\" && ip6.dst == {2001:db8:1::1, ff02::1:ff00:1} && \
                     nd_ns && nd.target == 2001:db8:1::1 && is_chassis_resident(\"cr-lrp-gw\")",
                    ND_REPLY,
                ),
                (
                    90,
                    "inport == \"lrp-gw\" && ip6.dst == {fe80::200:ff:fe00:ff01, \
                     ff02::1:ff00:ff01} && nd_ns && nd.target == fe80::200:ff:fe00:ff01 && \
                     is_chassis_resident(\"cr-lrp-gw\")",
                    ND_REPLY,
                ),
                (
                    31,
                    "inport == \"lrp-gw\" && ip4 && ip.ttl == {0, 1} && !ip.later_frag",
                    "icmp4 {eth.dst <-> eth.src; icmp4.type = 11; /* Time exceeded */ \
                     icmp4.code = 0; /* TTL exceeded in transit */ ip4.dst <-> ip4.src ; \
                     ip.ttl = 254; outport = \"lrp-gw\"; flags.loopback = 1; output; };",
                ),
                (
                    31,
                    "inport == \"lrp-gw\" && ip6 && ip6.src == 2001:db8:1::/64 && \
                     ip.ttl == {0, 1} && !ip.later_frag",
                    "icmp6 {eth.dst <-> eth.src; ip6.dst <-> ip6.src ; ip.ttl = 254; \
                     icmp6.type = 3; /* Time exceeded */ icmp6.code = 0; /* TTL exceeded in \
                     transit */ outport = \"lrp-gw\"; flags.loopback = 1; output; };",
                ),
            ],
        );
        // Without a localnet port on the peer switch, ARP replies are not restricted.
        assert_has_flows(
            &run.stage(r2, STAGE),
            &[(
                90,
                "inport == \"lrp-gw2\" && arp.op == 1 && arp.tpa == 172.17.0.1 && \
                 arp.spa == 172.17.0.0/24",
                ARP_REPLY,
            )],
        );
    }

    #[test]
    fn gateway_port_answers_arp_only_where_resident_on_a_localnet_switch() {
        let (t, r, _) = dgp_topo();
        assert_has_flows(
            &t.run().stage(r, STAGE),
            &[(
                90,
                "inport == \"lrp-gw\" && arp.op == 1 && arp.tpa == 172.16.0.1 && \
                 arp.spa == 172.16.0.0/24 && is_chassis_resident(\"cr-lrp-gw\")",
                ARP_REPLY,
            )],
        );
    }
}
