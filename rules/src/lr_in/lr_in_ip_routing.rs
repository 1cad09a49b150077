//! lr_in_ip_routing — longest-prefix-match routing. Priority = prefix length × 3 plus 2
//! for connected routes, 1 for static destination routes, 0 for source routes. Connected
//! routes come from each port's networks; static routes from Logical_Router_Static_Route
//! (several routes for one prefix form an ECMP group resolved in lr_in_ip_routing_ecmp).

use std::net::IpAddr;
use std::sync::Arc;

use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::{StaticRoute, Uuid, smap_get};
use crate::model::{Config, Ipv4Net, Ipv6Net, Lrp, Model};
use crate::output::{Diag, Dp, Flow, Flows, Output};
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LrInIpRouting;

/// Priority 10550: router solicitations/advertisements are not routed; 0: no route, drop.
pub(crate) fn defaults(_cfg: &Config, f: &mut Flows) {
    f.add(STAGE, 10550, "nd_rs || nd_ra", "drop;");
    f.add(STAGE, 0, "1", "drop;");
}

/// A route prefix, masked to its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Prefix {
    V4(Ipv4Net),
    V6(Ipv6Net),
}

impl Prefix {
    fn parse(s: &str) -> Option<Prefix> {
        if let Some(n) = Ipv4Net::parse(s) {
            return Some(Prefix::V4(Ipv4Net {
                addr: n.network(),
                plen: n.plen,
            }));
        }
        Ipv6Net::parse(s).map(|n| {
            Prefix::V6(Ipv6Net {
                addr: n.network(),
                plen: n.plen,
            })
        })
    }
    fn is_v4(&self) -> bool {
        matches!(self, Prefix::V4(_))
    }
    fn plen(&self) -> u16 {
        match self {
            Prefix::V4(n) => n.plen as u16,
            Prefix::V6(n) => n.plen as u16,
        }
    }
    fn text(&self) -> String {
        match self {
            Prefix::V4(n) => format!("{}/{}", n.addr, n.plen),
            Prefix::V6(n) => format!("{}/{}", ip6(&n.addr), n.plen),
        }
    }
    fn is_lla(&self) -> bool {
        matches!(self, Prefix::V6(n) if u128::from(n.addr) >> 64 == 0xfe80_0000_0000_0000)
    }
}

/// What `add_route` needs to write one routing flow.
struct RouteFlow<'a> {
    prefix: Prefix,
    /// Offset added to plen × 3.
    ofs: u16,
    is_src: bool,
    /// The raw nexthop, or "" to route to the destination itself.
    gateway: &'a str,
    src: String,
    port: &'a Lrp,
}

/// Priority and match of a route (northd's `add_route`), without the output port.
fn route_priority(prefix: Prefix, ofs: u16, is_src: bool) -> u16 {
    prefix.plen() * 3 + if is_src { 0 } else { ofs }
}

/// `[inport == P && ][reg7 == 0 && ]ip4.dst == NET/PLEN`; the inport only for link-local
/// prefixes routed through a known port.
fn route_match(prefix: Prefix, ofs: u16, is_src: bool, inport: Option<&Lrp>) -> String {
    let mut m = String::new();
    if let Some(p) = inport.filter(|_| prefix.is_lla()) {
        m.push_str(&format!("inport == {} && ", json_key(p.name())));
    }
    if ofs == 1 && !is_src {
        m.push_str("reg7 == 0 && ");
    }
    let fam = if prefix.is_v4() { "ip4" } else { "ip6" };
    let dir = if is_src { "src" } else { "dst" };
    m.push_str(&format!("{fam}.{dir} == {}", prefix.text()));
    m
}

impl RouteFlow<'_> {
    fn priority(&self) -> u16 {
        route_priority(self.prefix, self.ofs, self.is_src)
    }
    fn matches(&self) -> String {
        route_match(self.prefix, self.ofs, self.is_src, Some(self.port))
    }
    fn next_hop_actions(&self) -> String {
        let (r0, r1, dst) = if self.prefix.is_v4() {
            ("reg0", "reg1", "ip4.dst")
        } else {
            ("xxreg0", "xxreg1", "ip6.dst")
        };
        let gw = if self.gateway.is_empty() {
            dst
        } else {
            self.gateway
        };
        format!(
            "{r0} = {gw}; {r1} = {}; eth.src = {}; outport = {};",
            self.src,
            self.port.networks.mac,
            json_key(self.port.name())
        )
    }
    fn actions(&self) -> String {
        format!(
            "ip.ttl--; reg8[0..15] = 0; {} flags.loopback = 1; next;",
            self.next_hop_actions()
        )
    }
}

/// Connected routes: each network of the port (the link-local one included).
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    let mut add = |prefix: Prefix, src: String| {
        let r = RouteFlow {
            prefix,
            ofs: 2,
            is_src: false,
            gateway: "",
            src,
            port: p,
        };
        f.add_hint(STAGE, r.priority(), r.matches(), r.actions(), p.nb.uuid);
    };
    for n in &p.networks.ipv4 {
        add(
            Prefix::V4(Ipv4Net {
                addr: n.network(),
                plen: n.plen,
            }),
            n.addr.to_string(),
        );
    }
    for n in &p.networks.ipv6 {
        add(
            Prefix::V6(Ipv6Net {
                addr: n.network(),
                plen: n.plen,
            }),
            ip6(&n.addr),
        );
    }
}

/// A static route with its prefix and next hop parsed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
struct Parsed {
    route: Arc<StaticRoute>,
    prefix: Prefix,
    /// None for `discard`; Some(None) for an empty next hop.
    nexthop: Option<Option<IpAddr>>,
}

impl Parsed {
    fn new(route: &Arc<StaticRoute>) -> Option<Parsed> {
        Parsed::check(route).ok()
    }

    /// Parses and validates a route as northd does; the error is its warning.
    fn check(route: &Arc<StaticRoute>) -> Result<Parsed, String> {
        let u = route.uuid;
        let nh = route.nexthop.as_str();
        let nexthop = if nh == "discard" {
            None
        } else if nh.is_empty() {
            Some(None)
        } else {
            Some(Some(match (Ipv4Net::parse(nh), Ipv6Net::parse(nh)) {
                (Some(n), _) if n.plen == 32 => IpAddr::V4(n.addr),
                (_, Some(n)) if n.plen == 128 => IpAddr::V6(n.addr),
                (Some(_), _) | (_, Some(_)) => {
                    return Err(format!("bad next hop mask {nh} in static route {u}"));
                }
                _ => return Err(format!("bad 'nexthop' {nh} in static route {u}")),
            }))
        };
        let prefix = Prefix::parse(&route.ip_prefix)
            .ok_or_else(|| format!("bad 'ip_prefix' {} in static route {u}", route.ip_prefix))?;
        if let Some(Some(ip)) = nexthop
            && ip.is_ipv4() != prefix.is_v4()
        {
            return Err(format!(
                "Address family doesn't match between 'ip_prefix' {} and 'nexthop' {nh} in static route {u}",
                route.ip_prefix
            ));
        }
        Ok(Parsed {
            route: route.clone(),
            prefix,
            nexthop,
        })
    }
    fn is_src(&self) -> bool {
        self.route.policy.as_deref() == Some("src-ip")
    }
    fn ofs(&self) -> u16 {
        if smap_get(&self.route.options, "origin").map(|o| o.as_str()) == Some("connected") {
            2
        } else {
            1
        }
    }
    /// The exact next hop, for matching against networks ("x/32" never matches).
    fn exact_nexthop(&self) -> Option<IpAddr> {
        self.route.nexthop.parse().ok()
    }
}

/// The address of `p` a route through it uses as source (None: the port cannot carry it).
fn source_for(p: &Lrp, r: &Parsed, explicit: bool) -> Option<String> {
    // northd matches the next hop with a strict parse: "x/32" never matches a network.
    let nh = r.exact_nexthop();
    match nh {
        Some(IpAddr::V4(ip)) => {
            if let Some(n) = p.networks.ipv4.iter().find(|n| n.contains(ip)) {
                return Some(n.addr.to_string());
            }
        }
        Some(IpAddr::V6(ip)) => {
            if let Some(n) = p.networks.ipv6.iter().find(|n| n.contains(ip)) {
                return Some(ip6(&n.addr));
            }
        }
        None => {}
    }
    if !explicit {
        return None;
    }
    if r.prefix.is_v4() {
        p.networks.ipv4.first().map(|n| n.addr.to_string())
    } else {
        p.networks.ipv6.first().map(|n| ip6(&n.addr))
    }
}

/// A route resolved to its output port (None for discard routes).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
struct Resolved {
    parsed: Parsed,
    out: Option<(Arc<Lrp>, String)>,
}

/// Static routes: resolve each route's output port, then per router build unique routes
/// and ECMP groups.
pub(crate) fn dataflow<'s>(m: &Model<'s>) -> (Coll<'s, Flow>, Coll<'s, Output>) {
    let parsed = m
        .routes
        .clone()
        .flat_map(|(lr, r)| Parsed::new(&r).map(|p| (lr.nb.uuid, p)));
    let parsed_all = parsed.clone();
    let discard = parsed
        .clone()
        .filter(|(_, p)| p.nexthop.is_none())
        .map(|(lr, p)| {
            (
                lr,
                Resolved {
                    parsed: p,
                    out: None,
                },
            )
        });
    // Routes without output_port: the first port (by UUID) with a network holding the next hop.
    let implicit = parsed
        .clone()
        .filter(|(_, p)| p.nexthop.is_some() && p.route.output_port.is_none())
        .join(m.lrps.clone().map(|l| (l.dp(), l)))
        .flat_map(|(lr, (p, l))| {
            let src = if p.nexthop.flatten().is_some() {
                source_for(&l, &p, false)
            } else {
                None
            };
            src.map(|s| ((lr, p.route.uuid), (l.nb.uuid, p, l, s)))
        })
        .reduce(|_, cands, out| {
            let (_, p, l, s) = cands[0].0;
            out.push(((p.clone(), l.clone(), s.clone()), 1));
        })
        .map(|((lr, _), (p, l, s))| {
            (
                lr,
                Resolved {
                    parsed: p,
                    out: Some((l, s)),
                },
            )
        });
    let explicit = parsed
        .filter(|(_, p)| p.nexthop.is_some())
        .flat_map(|(lr, p)| p.route.output_port.clone().map(|o| (o, (lr, p))))
        .join(m.lrps.clone().map(|l| (l.name().clone(), l)))
        .flat_map(|(_, ((lr, p), l))| {
            source_for(&l, &p, true).map(|s| {
                (
                    lr,
                    Resolved {
                        parsed: p,
                        out: Some((l, s)),
                    },
                )
            })
        });
    // Routes that resolved to no port: northd warns and skips them.
    let resolved = implicit
        .clone()
        .concat(explicit.clone())
        .map(|(_, r)| r.parsed.route.uuid)
        .distinct();
    let unresolved = parsed_all
        .clone()
        .filter(|(_, p)| p.nexthop.is_some())
        .map(|(_, p)| (p.route.uuid, p))
        .antijoin(resolved)
        .map(|(_, p)| {
            let r = &p.route;
            let msg = match &r.output_port {
                Some(o) => format!("Bad out port {o} for static route {}", r.ip_prefix),
                None => format!(
                    "No path for static route {}; next hop {}",
                    r.ip_prefix, r.nexthop
                ),
            };
            Output::Diag(Diag {
                table: "Logical_Router_Static_Route".into(),
                row: r.uuid,
                message: msg.into(),
            })
        });
    let bad = m.routes.clone().flat_map(|(_, r)| {
        Parsed::check(&r).err().map(|msg| {
            Output::Diag(Diag {
                table: "Logical_Router_Static_Route".into(),
                row: r.uuid,
                message: msg.into(),
            })
        })
    });
    let flows = discard
        .concat(implicit)
        .concat(explicit)
        .reduce(|lr, routes, out| {
            let mut flows = Vec::new();
            build_router_routes(*lr, routes.iter().map(|(r, _)| *r), &mut flows);
            for f in flows {
                out.push((f, 1));
            }
        })
        .map(|(_, f)| f);
    (flows, unresolved.concat(bad))
}

/// One router's static routes, in route-UUID order: unique routes and ECMP groups.
fn build_router_routes<'a>(
    lr: Uuid,
    routes: impl Iterator<Item = &'a Resolved>,
    out: &mut Vec<Flow>,
) {
    let mut routes: Vec<&Resolved> = routes.collect();
    routes.sort_by_key(|r| r.parsed.route.uuid);
    // Group by (prefix, source-ness); route tables are not supported yet (all in table 0).
    let mut groups: Vec<((Prefix, bool), Vec<&Resolved>)> = Vec::new();
    for r in routes {
        let key = (r.parsed.prefix, r.parsed.is_src());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let mut ecmp_id = 0;
    // ECMP ids follow the route-UUID order of each group's second route.
    let mut order: Vec<(usize, Uuid)> = groups
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| v.len() > 1)
        .map(|(i, (_, v))| (i, v[1].parsed.route.uuid))
        .collect();
    order.sort_by_key(|(_, u)| *u);
    let mut ids = vec![0; groups.len()];
    for (i, _) in order {
        ecmp_id += 1;
        ids[i] = ecmp_id;
    }
    for (i, (_, members)) in groups.iter().enumerate() {
        if members.len() == 1 {
            unique_route(lr, members[0], out);
        } else {
            ecmp_group(lr, ids[i], members, out);
        }
    }
}

fn unique_route(lr: Uuid, r: &Resolved, out: &mut Vec<Flow>) {
    let p = &r.parsed;
    let hint = Some(p.route.uuid.hint());
    match &r.out {
        None => {
            let (is_src, ofs) = (p.is_src(), p.ofs());
            let prio = route_priority(p.prefix, ofs, is_src);
            let m = route_match(p.prefix, ofs, is_src, None);
            out.push(flow(lr, STAGE, prio, m, "drop;".into(), hint));
        }
        Some((port, src)) => {
            let rf = RouteFlow {
                prefix: p.prefix,
                ofs: p.ofs(),
                is_src: p.is_src(),
                gateway: &p.route.nexthop,
                src: src.clone(),
                port,
            };
            out.push(flow(
                port.dp(),
                STAGE,
                rf.priority(),
                rf.matches(),
                rf.actions(),
                hint,
            ));
        }
    }
}

fn ecmp_group(dp: Uuid, id: u32, members: &[&Resolved], out: &mut Vec<Flow>) {
    let first = &members[0].parsed;
    let sel: Vec<String> = (1..=members.len()).map(|i| i.to_string()).collect();
    // The group flow depends on no member's port (all members may be discard routes).
    let (is_src, ofs) = (first.is_src(), first.ofs());
    let prio = route_priority(first.prefix, ofs, is_src);
    let m = route_match(first.prefix, ofs, is_src, None);
    out.push(flow(
        dp,
        STAGE,
        prio,
        m,
        format!(
            "ip.ttl--; flags.loopback = 1; reg8[0..15] = {id}; reg8[16..31] = select({});",
            sel.join(", ")
        ),
        None,
    ));
    for (i, m) in members.iter().enumerate() {
        if let Some((port, src)) = &m.out {
            let p = &m.parsed;
            let rf = RouteFlow {
                prefix: p.prefix,
                ofs: p.ofs(),
                is_src: p.is_src(),
                gateway: &p.route.nexthop,
                src: src.clone(),
                port,
            };
            out.push(flow(
                port.dp(),
                Stage::LrInIpRoutingEcmp,
                100,
                format!("reg8[0..15] == {id} && reg8[16..31] == {}", i + 1),
                format!("{} next;", rf.next_hop_actions()),
                Some(p.route.uuid.hint()),
            ));
        }
    }
}

fn flow(dp: Uuid, stage: Stage, priority: u16, m: String, a: String, hint: Option<u32>) -> Flow {
    Flow {
        dp: Dp::One(dp),
        stage,
        priority,
        match_: m.into(),
        actions: a.into(),
        hint,
        io_port: None,
    }
}

#[cfg(test)]
mod tests {
    use super::STAGE;
    use crate::input::Uuid;
    use crate::testkit::*;

    const DEFAULTS: &[(u16, &str, &str)] = &[(10550, "nd_rs || nd_ra", "drop;"), (0, "1", "drop;")];

    /// R1 of lr-join: r1-ls1 (10.0.1.1/24, fd01::1/64) and r1-join (100.64.0.1/16).
    fn r1() -> (Topo, Uuid) {
        let mut t = Topo::new();
        let r = t.router("R1");
        t.lrp(
            r,
            "r1-ls1",
            "00:00:00:00:01:01",
            &["10.0.1.1/24", "fd01::1/64"],
        );
        t.lrp(r, "r1-join", "00:00:00:00:ff:01", &["100.64.0.1/16"]);
        (t, r)
    }

    /// The connected routes of r1().
    const CONNECTED: &[(u16, &str, &str)] = &[
        (
            74,
            "ip4.dst == 10.0.1.0/24",
            "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 10.0.1.1; \
             eth.src = 00:00:00:00:01:01; outport = \"r1-ls1\"; flags.loopback = 1; next;",
        ),
        (
            194,
            "ip6.dst == fd01::/64",
            "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fd01::1; \
             eth.src = 00:00:00:00:01:01; outport = \"r1-ls1\"; flags.loopback = 1; next;",
        ),
        (
            194,
            "inport == \"r1-ls1\" && ip6.dst == fe80::/64",
            "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fe80::200:ff:fe00:101; \
             eth.src = 00:00:00:00:01:01; outport = \"r1-ls1\"; flags.loopback = 1; next;",
        ),
        (
            50,
            "ip4.dst == 100.64.0.0/16",
            "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 100.64.0.1; \
             eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
        ),
        (
            194,
            "inport == \"r1-join\" && ip6.dst == fe80::/64",
            "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fe80::200:ff:fe00:ff01; \
             eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
        ),
    ];

    fn with<'a>(extra: &[(u16, &'a str, &'a str)]) -> Vec<(u16, &'a str, &'a str)> {
        let mut v = DEFAULTS.to_vec();
        v.extend_from_slice(CONNECTED);
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn connected_routes_have_priority_plen_times_3_plus_2() {
        let (mut t, r) = r1();
        // A disabled port keeps its routes.
        let p = t.lrps[1].uuid;
        t.lrp_mut(p).enabled = Some(false);
        let run = t.run();
        assert_flows(run.stage(r, STAGE), &with(&[]));
        let f = run.flow(r, STAGE, 74, "ip4.dst == 10.0.1.0/24");
        assert_eq!(f.hint, Some(t.lrps[0].uuid.hint()));
    }

    #[test]
    fn host_and_long_prefixes_keep_their_length() {
        // lr-edge: /32 (98), /31 (95), /80 (242).
        let mut t = Topo::new();
        let r = t.router("R");
        t.lrp(
            r,
            "p32",
            "00:00:00:00:00:01",
            &["10.0.0.5/32", "10.1.0.1/31"],
        );
        t.lrp(r, "p6", "0a:00:00:00:00:0b", &["2001:db8:0:0:1::/80"]);
        assert_has_flows(
            &t.run().stage(r, STAGE),
            &[
                (
                    98,
                    "ip4.dst == 10.0.0.5/32",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 10.0.0.5; \
                     eth.src = 00:00:00:00:00:01; outport = \"p32\"; flags.loopback = 1; next;",
                ),
                (
                    95,
                    "ip4.dst == 10.1.0.0/31",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 10.1.0.1; \
                     eth.src = 00:00:00:00:00:01; outport = \"p32\"; flags.loopback = 1; next;",
                ),
                (
                    242,
                    "ip6.dst == 2001:db8:0:0:1::/80",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = 2001:db8:0:0:1::; \
                     eth.src = 0a:00:00:00:00:0b; outport = \"p6\"; flags.loopback = 1; next;",
                ),
                (
                    194,
                    "inport == \"p6\" && ip6.dst == fe80::/64",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fe80::800:ff:fe00:b; \
                     eth.src = 0a:00:00:00:00:0b; outport = \"p6\"; flags.loopback = 1; next;",
                ),
            ],
        );
    }

    #[test]
    fn static_route_matches_reg7_and_carries_the_raw_next_hop() {
        let (mut t, r) = r1();
        let via_join = t.route(r, "10.0.2.0/24", "100.64.0.2");
        t.route(r, "0.0.0.0/0", "100.64.0.254");
        // Host bits in the prefix are masked off.
        t.route(r, "10.0.0.130/25", "10.0.1.2");
        // The raw IPv6 next hop text is kept.
        t.route(r, "fd20::/64", "fd01:0:0::2");
        // A route to a link-local prefix gets the inport of its output port; an LLA next
        // hop resolves to the first port by UUID.
        t.route(r, "fe80::/64", "fe80::1234");
        let run = t.run();
        assert_flows(
            run.stage(r, STAGE),
            &with(&[
                (
                    73,
                    "reg7 == 0 && ip4.dst == 10.0.2.0/24",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = 100.64.0.2; reg1 = 100.64.0.1; \
                     eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
                ),
                (
                    1,
                    "reg7 == 0 && ip4.dst == 0.0.0.0/0",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = 100.64.0.254; reg1 = 100.64.0.1; \
                     eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
                ),
                (
                    76,
                    "reg7 == 0 && ip4.dst == 10.0.0.128/25",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = 10.0.1.2; reg1 = 10.0.1.1; \
                     eth.src = 00:00:00:00:01:01; outport = \"r1-ls1\"; flags.loopback = 1; next;",
                ),
                (
                    193,
                    "reg7 == 0 && ip6.dst == fd20::/64",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = fd01:0:0::2; xxreg1 = fd01::1; \
                     eth.src = 00:00:00:00:01:01; outport = \"r1-ls1\"; flags.loopback = 1; next;",
                ),
                (
                    193,
                    "inport == \"r1-ls1\" && reg7 == 0 && ip6.dst == fe80::/64",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = fe80::1234; \
                     xxreg1 = fe80::200:ff:fe00:101; eth.src = 00:00:00:00:01:01; \
                     outport = \"r1-ls1\"; flags.loopback = 1; next;",
                ),
            ]),
        );
        let f = run.flow(r, STAGE, 73, "reg7 == 0 && ip4.dst == 10.0.2.0/24");
        assert_eq!(f.hint, Some(via_join.hint()));
    }

    #[test]
    fn source_routes_and_connected_origin_change_the_offset() {
        let (mut t, r) = r1();
        let src = t.route(r, "10.0.3.0/24", "100.64.0.3");
        t.route_mut(src).policy = Some("src-ip".into());
        let conn = t.route(r, "63.0.0.0/24", "10.0.1.11");
        t.route_mut(conn).options = smap(&[("origin", "connected")]);
        assert_flows(
            t.run().stage(r, STAGE),
            &with(&[
                (
                    72,
                    "ip4.src == 10.0.3.0/24",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = 100.64.0.3; reg1 = 100.64.0.1; \
                     eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
                ),
                (
                    74,
                    "ip4.dst == 63.0.0.0/24",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = 10.0.1.11; reg1 = 10.0.1.1; \
                     eth.src = 00:00:00:00:01:01; outport = \"r1-ls1\"; flags.loopback = 1; next;",
                ),
            ]),
        );
    }

    #[test]
    fn explicit_output_port_routes_use_its_first_address() {
        // lr-edge: empty next hop (route to the destination), an "x/32" next hop printed
        // raw, and an IPv6 route through a port with only its link-local address.
        let (mut t, r) = r1();
        let to_dst = t.route(r, "62.0.0.0/24", "");
        t.route_mut(to_dst).output_port = Some("r1-join".into());
        let x32 = t.route(r, "61.0.0.0/24", "100.64.0.10/32");
        t.route_mut(x32).output_port = Some("r1-join".into());
        let v6 = t.route(r, "fd62::/64", "");
        t.route_mut(v6).output_port = Some("r1-join".into());
        assert_flows(
            t.run().stage(r, STAGE),
            &with(&[
                (
                    73,
                    "reg7 == 0 && ip4.dst == 62.0.0.0/24",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 100.64.0.1; \
                     eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
                ),
                (
                    73,
                    "reg7 == 0 && ip4.dst == 61.0.0.0/24",
                    "ip.ttl--; reg8[0..15] = 0; reg0 = 100.64.0.10/32; reg1 = 100.64.0.1; \
                     eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
                ),
                (
                    193,
                    "reg7 == 0 && ip6.dst == fd62::/64",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fe80::200:ff:fe00:ff01; \
                     eth.src = 00:00:00:00:ff:01; outport = \"r1-join\"; flags.loopback = 1; next;",
                ),
            ]),
        );
    }

    #[test]
    fn discard_route_drops() {
        let (mut t, r) = r1();
        t.route(r, "10.9.0.0/16", "discard");
        t.route(r, "fd64::/64", "discard");
        assert_flows(
            t.run().stage(r, STAGE),
            &with(&[
                (49, "reg7 == 0 && ip4.dst == 10.9.0.0/16", "drop;"),
                (193, "reg7 == 0 && ip6.dst == fd64::/64", "drop;"),
            ]),
        );
    }

    #[test]
    fn routes_sharing_a_prefix_form_ecmp_groups() {
        // Two next hops; identical duplicates; a discard and a normal route (lr-edge).
        let (mut t, r) = r1();
        t.route(r, "40.0.0.0/24", "100.64.0.2");
        t.route(r, "40.0.0.0/24", "100.64.0.3");
        t.route(r, "10.30.0.0/16", "10.0.1.9");
        t.route(r, "10.30.0.0/16", "10.0.1.9");
        t.route(r, "65.0.0.0/24", "discard");
        t.route(r, "65.0.0.0/24", "10.0.1.12");
        let run = t.run();
        assert_flows(
            run.stage(r, STAGE),
            &with(&[
                (
                    73,
                    "reg7 == 0 && ip4.dst == 40.0.0.0/24",
                    "ip.ttl--; flags.loopback = 1; reg8[0..15] = 1; reg8[16..31] = select(1, 2);",
                ),
                (
                    49,
                    "reg7 == 0 && ip4.dst == 10.30.0.0/16",
                    "ip.ttl--; flags.loopback = 1; reg8[0..15] = 2; reg8[16..31] = select(1, 2);",
                ),
                (
                    73,
                    "reg7 == 0 && ip4.dst == 65.0.0.0/24",
                    "ip.ttl--; flags.loopback = 1; reg8[0..15] = 3; reg8[16..31] = select(1, 2);",
                ),
            ]),
        );
        assert_eq!(
            run.flow(r, STAGE, 73, "reg7 == 0 && ip4.dst == 40.0.0.0/24")
                .hint,
            None
        );
    }

    #[test]
    fn group_of_discard_routes_still_selects() {
        // Oracle: two discard routes for 66.0.0.0/24 give the group flow and no member.
        let (mut t, r) = r1();
        t.route(r, "66.0.0.0/24", "discard");
        t.route(r, "66.0.0.0/24", "discard");
        assert_flows(
            t.run().stage(r, STAGE),
            &with(&[(
                73,
                "reg7 == 0 && ip4.dst == 66.0.0.0/24",
                "ip.ttl--; flags.loopback = 1; reg8[0..15] = 1; reg8[16..31] = select(1, 2);",
            )]),
        );
    }

    #[test]
    fn unusable_routes_are_skipped() {
        let (mut t, r) = r1();
        // No port has a network holding the next hop.
        t.route(r, "10.50.0.0/16", "192.168.99.1");
        // Families differ.
        t.route(r, "50.0.0.0/24", "fd01::9");
        // The next hop must be a host address.
        t.route(r, "51.0.0.0/24", "10.0.1.2/24");
        // Unparsable prefix.
        t.route(r, "junk", "10.0.1.2");
        // An unknown output port.
        let bad = t.route(r, "52.0.0.0/24", "10.0.1.2");
        t.route_mut(bad).output_port = Some("nonexistent".into());
        // An output port without an address of the route's family.
        t.lrp(r, "r1-v6", "00:00:00:00:ff:03", &["fd03::1/64"]);
        let v4 = t.route(r, "53.0.0.0/24", "");
        t.route_mut(v4).output_port = Some("r1-v6".into());
        // Only the connected routes remain.
        assert_flows(
            t.run().stage(r, STAGE),
            &with(&[
                (
                    194,
                    "ip6.dst == fd03::/64",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fd03::1; \
                     eth.src = 00:00:00:00:ff:03; outport = \"r1-v6\"; flags.loopback = 1; next;",
                ),
                (
                    194,
                    "inport == \"r1-v6\" && ip6.dst == fe80::/64",
                    "ip.ttl--; reg8[0..15] = 0; xxreg0 = ip6.dst; xxreg1 = fe80::200:ff:fe00:ff03; \
                     eth.src = 00:00:00:00:ff:03; outport = \"r1-v6\"; flags.loopback = 1; next;",
                ),
            ]),
        );
    }

    #[test]
    fn next_hop_with_a_prefix_length_finds_no_path_without_output_port() {
        // lr-edge: "No path for static route 60.0.0.0/24; next hop 30.0.0.10/32".
        let (mut t, r) = r1();
        t.route(r, "60.0.0.0/24", "10.0.1.10/32");
        assert_flows(t.run().stage(r, STAGE), &with(&[]));
    }
}
