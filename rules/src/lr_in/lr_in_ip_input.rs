//! lr_in_ip_input — the router as an IP host: drop martians and traffic from its own
//! addresses, answer ARP, ND and ICMP echo for its addresses, send ICMP errors (port
//! unreachable, TCP RST, time exceeded), and drop everything else addressed to it.

use super::{braces, v4_list, v6_list};
use crate::model::{Lrp, Router};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LrInIpInput;

/// Router-wide filters: martian sources, ARP/ND not answered earlier, multicast,
/// broadcast, expiring TTL; priority 0: routing continues.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
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
        // Priority 90: ARP requests for the address from its subnet are answered.
        f.add_hint(
            STAGE,
            90,
            format!("inport == {inport} && arp.op == 1 && arp.tpa == {} && arp.spa == {}/{}", a.addr, a.network(), a.plen),
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
        if !(u128::from(a.addr) >> 64 == 0xfe80_0000_0000_0000) {
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
