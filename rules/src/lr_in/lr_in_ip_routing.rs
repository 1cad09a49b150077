//! lr_in_ip_routing — longest-prefix-match routing. Priority = prefix length × 3 plus 2
//! for connected routes, 1 for static destination routes, 0 for source routes. Connected
//! routes come from each port's networks; static routes from Logical_Router_Static_Route
//! (several routes for one prefix form an ECMP group resolved in lr_in_ip_routing_ecmp).

use std::net::IpAddr;
use std::sync::Arc;

use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::{StaticRoute, Uuid, smap_get};
use crate::model::{Ipv4Net, Ipv6Net, Lrp, Model, Router};
use crate::output::{Flow, Flows};
use crate::stage::Stage;
use crate::util::{ip6, json_key};

const STAGE: Stage = Stage::LrInIpRouting;

/// Priority 10550: router solicitations/advertisements are not routed; 0: no route, drop.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
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

impl RouteFlow<'_> {
    fn priority(&self) -> u16 {
        self.prefix.plen() * 3 + if self.is_src { 0 } else { self.ofs }
    }
    fn matches(&self, with_inport: bool) -> String {
        let mut m = String::new();
        if with_inport && self.prefix.is_lla() {
            m.push_str(&format!("inport == {} && ", json_key(self.port.name())));
        }
        if self.ofs == 1 && !self.is_src {
            m.push_str("reg7 == 0 && ");
        }
        let fam = if self.prefix.is_v4() { "ip4" } else { "ip6" };
        let dir = if self.is_src { "src" } else { "dst" };
        m.push_str(&format!("{fam}.{dir} == {}", self.prefix.text()));
        m
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
            "ip.ttl--; reg8[0..15] = 0; {r0} = {gw}; {r1} = {}; eth.src = {}; outport = {}; flags.loopback = 1; next;",
            self.src,
            self.port.networks.mac,
            json_key(self.port.name())
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
        f.add_hint(STAGE, r.priority(), r.matches(true), r.actions(), p.nb.uuid);
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
        let prefix = Prefix::parse(&route.ip_prefix)?;
        let nh = route.nexthop.as_str();
        let nexthop = if nh == "discard" {
            None
        } else if nh.is_empty() {
            Some(None)
        } else {
            let ip = match (Ipv4Net::parse(nh), Ipv6Net::parse(nh)) {
                (Some(n), _) if n.plen == 32 => IpAddr::V4(n.addr),
                (_, Some(n)) if n.plen == 128 => IpAddr::V6(n.addr),
                _ => return None,
            };
            if ip.is_ipv4() != prefix.is_v4() {
                return None;
            }
            Some(Some(ip))
        };
        Some(Parsed {
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
    let nh = r.nexthop.flatten();
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
    let _ = r.exact_nexthop();
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
pub(crate) fn dataflow<'s>(m: &Model<'s>) -> Coll<'s, Flow> {
    let parsed = m
        .routes
        .clone()
        .flat_map(|(lr, r)| Parsed::new(&r).map(|p| (lr.nb.uuid, p)));
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
    discard
        .concat(implicit)
        .concat(explicit)
        .reduce(|lr, routes, out| {
            let mut flows = Vec::new();
            build_router_routes(*lr, routes.iter().map(|(r, _)| *r), &mut flows);
            for f in flows {
                out.push((f, 1));
            }
        })
        .map(|(_, f)| f)
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
            let mut m = String::new();
            if ofs == 1 && !is_src {
                m.push_str("reg7 == 0 && ");
            }
            let fam = if p.prefix.is_v4() { "ip4" } else { "ip6" };
            let dir = if is_src { "src" } else { "dst" };
            m.push_str(&format!("{fam}.{dir} == {}", p.prefix.text()));
            let prio = p.prefix.plen() * 3 + if is_src { 0 } else { ofs };
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
                rf.matches(true),
                rf.actions(),
                hint,
            ));
        }
    }
}

fn ecmp_group(dp: Uuid, id: u32, members: &[&Resolved], out: &mut Vec<Flow>) {
    let first = &members[0].parsed;
    let sel: Vec<String> = (1..=members.len()).map(|i| i.to_string()).collect();
    let Some(port0) = members
        .iter()
        .find_map(|m| m.out.as_ref().map(|(p, _)| p.clone()))
    else {
        return;
    };
    let rf = RouteFlow {
        prefix: first.prefix,
        ofs: first.ofs(),
        is_src: first.is_src(),
        gateway: "",
        src: String::new(),
        port: &port0,
    };
    out.push(flow(
        dp,
        STAGE,
        rf.priority(),
        rf.matches(false),
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
        dp,
        stage,
        priority,
        match_: m.into(),
        actions: a.into(),
        hint,
        io_port: None,
    }
}
