//! Routes. Through each of its exported transit switch ports a router advertises (with
//! `ic-route-adv`) its static routes of the port's route table and the networks of its
//! other ports, with the port's own address as next hop, as IC-SB `Route`s; and it learns
//! (with `ic-route-learn`) the routes other zones advertise on that switch, as static
//! routes marked `external_ids:ic-learned-route`.
//!
//! Unlike ovn-ic 23.03.1, the advertised routes of a transit switch are the union over
//! the zone's routers (23.03.1 let two routers on one switch overwrite each other), a
//! router that leaves a switch withdraws what it advertised and learned, IPv6 routes are
//! not advertised with a link-local next hop (which every learner rejects), and IPv6
//! blacklist entries match by prefix.

use std::sync::Arc;

use engine::Coll;
use rules::model::addr::LportAddrs;
use serde::{Deserialize, Serialize};

use crate::input::{IcRoute, Istr, StaticRoute, Uuid, parse_uuid};
use crate::model::{Cfg, Model, warn, with_cfg, with_me};
use crate::op::Op;
use crate::prefix::{Prefix, addr_string, parse_route};

/// An exported transit switch port of a router, through which it advertises and learns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RoutePort {
    pub ts: Istr,
    pub lr: Uuid,
    /// The router port behind it.
    pub lrp: Istr,
    pub route_table: Istr,
    pub addrs: LportAddrs,
}

impl RoutePort {
    /// The next hop advertised for `p`: the port's first address of the same family.
    fn nexthop(&self, p: &Prefix) -> Option<String> {
        if p.is_v4() {
            self.addrs.ipv4.first().map(|a| addr_string(&a.addr.into()))
        } else {
            self.addrs.ipv6.first().map(|a| addr_string(&a.addr.into()))
        }
    }
}

/// One advertisement, as IC-SB `Route` holds it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
struct Adv {
    origin_rank: u8,
    nb_id: Uuid,
    origin: Istr,
}

fn is_learned(r: &StaticRoute) -> bool {
    r.learned.as_deref().and_then(parse_uuid).is_some()
}

/// The key under which IC-SB holds a route of this zone: its unique index.
type RouteKey = (Istr, Istr, Istr, Istr);

fn route_key(r: &IcRoute) -> RouteKey {
    (
        r.ts.clone(),
        r.route_table.clone(),
        r.ip_prefix.clone(),
        r.nexthop.clone(),
    )
}

/// What identifies a learned route: (router, prefix, next hop, route table, origin).
type LearnKey = (Uuid, Istr, Istr, Istr, Istr);

pub fn ops<'s>(m: &Model<'s>) -> Coll<'s, Op> {
    // --- The routers' exported ports.
    let lr_by_port =
        m.lr.clone()
            .flat_map(|r| r.ports.iter().map(|p| (*p, r.uuid)).collect::<Vec<_>>());
    let ports = m
        .own_pbs
        .clone()
        .map(|p| (p.ts.clone(), p))
        .semijoin(m.tss.clone().map(|(n, _)| n))
        .map(|(_, p)| (p.logical_port.clone(), p))
        .join(m.lsp_by_name.clone())
        .flat_map(|(_, (pb, lsp))| lsp.router_port.clone().map(|rp| (rp, pb)))
        .join(m.lrp_by_name.clone())
        .map(|(_, (pb, lrp))| (lrp.uuid, (pb, lrp)))
        .join(lr_by_port.clone())
        .map(|(_, ((pb, lrp), lr))| (pb, lrp, lr));
    let invalid = ports.clone().flat_map(|(pb, _, _)| {
        LportAddrs::parse_lsp(&pb.address).is_none().then(|| {
            warn(format!(
                "Route sync ignores port {} on ts {} because the addresses are invalid.",
                pb.logical_port, pb.ts
            ))
        })
    });
    let ports = ports.flat_map(|(pb, lrp, lr)| {
        LportAddrs::parse_lsp(&pb.address).map(|addrs| {
            Arc::new(RoutePort {
                ts: pb.ts.clone(),
                lr,
                lrp: lrp.name.clone(),
                route_table: lrp.route_table.clone(),
                addrs,
            })
        })
    });
    let ports_by_lr = with_cfg(ports.clone().map(|p| (p.lr, p)), &m.cfg);

    // --- Advertised: static routes of the port's table, not learned ones...
    let lr_routes =
        m.lr.clone()
            .flat_map(|r| {
                r.static_routes
                    .iter()
                    .map(|u| (*u, r.uuid))
                    .collect::<Vec<_>>()
            })
            .join(m.routes.clone())
            .map(|(_, (lr, r))| (lr, r));
    let statics = lr_routes
        .clone()
        .filter(|(_, r)| !is_learned(r))
        .join(ports_by_lr.clone().map(|((lr, p), c)| (lr, (p, c))))
        .flat_map(|(_, (r, (p, cfg)))| {
            if r.route_table != p.route_table {
                return None;
            }
            let (prefix, _) = parse_route(&r.ip_prefix, &r.nexthop)?;
            if !cfg.advertises(r.policy.as_deref(), &prefix) {
                return None;
            }
            let nh = p.nexthop(&prefix)?;
            Some((
                (
                    p.ts.clone(),
                    r.route_table.clone(),
                    Istr::from(prefix.to_prefix_string()),
                    Istr::from(nh),
                ),
                Adv {
                    origin_rank: 0,
                    nb_id: r.uuid,
                    origin: "static".into(),
                },
            ))
        });
    // ... and the networks of the router's ports that are not transit switch ports.
    let ts_lrps = ports.clone().map(|p| (p.lr, p.lrp.clone()));
    let connected = lr_by_port
        .join(m.lrp_by_uuid.clone())
        .map(|(_, (lr, lrp))| ((lr, lrp.name.clone()), lrp))
        .antijoin(ts_lrps)
        .map(|((lr, _), lrp)| (lr, lrp))
        .join(ports_by_lr.map(|((lr, p), c)| (lr, (p, c))))
        .flat_map(|(_, (lrp, (p, cfg)))| {
            let mut v = Vec::new();
            for n in &lrp.networks {
                let Some(prefix) = Prefix::parse(n) else {
                    continue;
                };
                if !cfg.advertises(None, &prefix) {
                    continue;
                }
                if let Some(nh) = p.nexthop(&prefix) {
                    v.push((
                        (
                            p.ts.clone(),
                            Istr::default(),
                            Istr::from(prefix.to_prefix_string()),
                            Istr::from(nh),
                        ),
                        Adv {
                            origin_rank: 1,
                            nb_id: lrp.uuid,
                            origin: "connected".into(),
                        },
                    ));
                }
            }
            v
        });
    // One row per IC-SB key: a static route before a network, then the lowest NB UUID
    // (ovn-ic keeps the first it meets and warns about the others).
    let wanted = statics.concat(connected).reduce(|_, advs, out| {
        if let Some((a, _)) = advs.first() {
            out.push(((*a).clone(), 1));
        }
    });
    let own = m.own_routes.clone().map(|r| (route_key(&r), r));
    let refresh = wanted.clone().join(own.clone()).flat_map(|(_, (a, r))| {
        let mut v = Vec::new();
        if a.origin != r.origin {
            // Same key, other origin: replaced.
            v.push(Op::DelRoute { row: r.uuid });
        } else if r.nb_id.as_deref().and_then(parse_uuid) != Some(a.nb_id) {
            v.push(Op::SetRouteNbId {
                row: r.uuid,
                nb_id: a.nb_id,
            });
        }
        v
    });
    let replaced = wanted
        .clone()
        .join(own.clone())
        .filter(|(_, (a, r))| a.origin != r.origin)
        .map(|(k, (a, _))| (k, a));
    let add = with_me(
        wanted
            .clone()
            .antijoin(own.clone().map(|(k, _)| k))
            .concat(replaced),
        &m.me,
    )
    .map(
        |(((ts, route_table, ip_prefix, nexthop), a), az)| Op::AddRoute {
            az,
            ts,
            route_table,
            ip_prefix,
            nexthop,
            origin: a.origin,
            nb_id: a.nb_id,
        },
    );
    let del = own
        .antijoin(wanted.map(|(k, _)| k))
        .map(|(_, r)| Op::DelRoute { row: r.uuid });

    // --- Learned: other zones' routes on the router's transit switches, in the port's
    // route table or the main one, unless the router has a route of its own for that
    // prefix in that table.
    let heard = ports
        .map(|p| (p.ts.clone(), p))
        .join(m.other_routes.clone().map(|r| (r.ts.clone(), r)))
        .flat_map(|(_, (p, r))| {
            (r.route_table.is_empty() || r.route_table == p.route_table).then_some((p, r))
        });
    let learnable = with_cfg(heard, &m.cfg).flat_map(|((p, r), cfg): (_, Arc<Cfg>)| {
        let (prefix, _) = parse_route(&r.ip_prefix, &r.nexthop)?;
        cfg.learns(&prefix).then(|| {
            (
                (p.lr, r.route_table.clone(), r.ip_prefix.clone()),
                (r.nexthop.clone(), r.origin.clone(), r.uuid),
            )
        })
    });
    let local_gw = lr_routes
        .clone()
        .filter(|(_, r)| r.learned.is_none())
        .map(|(lr, r)| (lr, r.route_table.clone(), r.ip_prefix.clone()));
    let learn = learnable
        .antijoin(local_gw.distinct())
        .map(|((lr, rt, prefix), (nh, origin, id))| ((lr, prefix, nh, rt, origin), id))
        .reduce(|_, ids, out| {
            if let Some((id, _)) = ids.first() {
                out.push((**id, 1));
            }
        });
    let learned = lr_routes.filter(|(_, r)| is_learned(r)).map(|(lr, r)| {
        let key: LearnKey = (
            lr,
            r.ip_prefix.clone(),
            r.nexthop.clone(),
            r.route_table.clone(),
            r.origin.clone().unwrap_or_default(),
        );
        (key, r)
    });
    // Of several learned routes with the same key, the lowest UUID stays.
    let learned_kept = learned.clone().reduce(|_, rs, out| {
        if let Some((r, _)) = rs.first() {
            out.push(((*r).clone(), 1));
        }
    });
    let dup = learned
        .map(|(k, r)| ((k, r.uuid), r))
        .antijoin(learned_kept.clone().map(|(k, r)| (k, r.uuid)))
        .map(|((k, _), r)| Op::DelLearnedRoute {
            lr: k.0,
            row: r.uuid,
        });
    let relabel = learn
        .clone()
        .join(learned_kept.clone())
        .flat_map(|(_, (id, r))| {
            (r.learned.as_deref().and_then(parse_uuid) != Some(id)).then(|| Op::SetLearnedRouteId {
                row: r.uuid,
                ic_route: id,
            })
        });
    let add_learned = learn
        .clone()
        .antijoin(learned_kept.clone().map(|(k, _)| k))
        .map(
            |((lr, ip_prefix, nexthop, route_table, origin), ic_route)| Op::AddLearnedRoute {
                lr,
                ip_prefix,
                nexthop,
                route_table,
                origin,
                ic_route,
            },
        );
    let forget = learned_kept
        .antijoin(learn.map(|(k, _)| k))
        .map(|(k, r)| Op::DelLearnedRoute {
            lr: k.0,
            row: r.uuid,
        });

    invalid
        .concat(refresh)
        .concat(add)
        .concat(del)
        .concat(dup)
        .concat(relabel)
        .concat(add_learned)
        .concat(forget)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    /// A router with a TS port (169.254.100.1/24) exported on ts1, a network and a static
    /// route; advertisement and learning on.
    fn east() -> (Zone, Uuid, Uuid, Uuid) {
        let mut t = Zone::new("east");
        t.options(&[("ic-route-adv", "true"), ("ic-route-learn", "true")]);
        t.ts("ts1");
        let lr = t.uuid();
        let ts_lrp = t.lrp("lrp-router_east-ts1", &["169.254.100.1/24"], "");
        let net = t.lrp("router_east-net_east", &["192.168.1.1/24"], "");
        let ls = t.ts_ls("ts1", None);
        let lsp = t.lsp(ls, "lsp-ts1-router_east", "router", &["router"]);
        t.set_lsp_router_port(lsp, "lrp-router_east-ts1");
        let route = t.static_route("10.11.1.0/24", "192.168.1.10", "", None);
        t.router(lr, "router_east", &[ts_lrp, net], &[route]);
        let az = t.az;
        t.icpb(
            "ts1",
            "lsp-ts1-router_east",
            az,
            1,
            "gw_east",
            "aa:aa:aa:aa:aa:01 169.254.100.1/24",
        );
        (t, lr, net, route)
    }

    /// The route writes among `ops` (the test zones leave ports unexported in SB).
    fn routing(ops: Vec<Op>) -> Vec<Op> {
        ops.into_iter()
            .filter(|o| {
                matches!(
                    o,
                    Op::AddRoute { .. }
                        | Op::DelRoute { .. }
                        | Op::SetRouteNbId { .. }
                        | Op::AddLearnedRoute { .. }
                        | Op::DelLearnedRoute { .. }
                        | Op::SetLearnedRouteId { .. }
                )
            })
            .collect()
    }

    fn adds(ops: &[Op]) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = ops
            .iter()
            .filter_map(|o| match o {
                Op::AddRoute {
                    ip_prefix,
                    nexthop,
                    origin,
                    ..
                } => Some((
                    ip_prefix.to_string(),
                    nexthop.to_string(),
                    origin.to_string(),
                )),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn networks_and_static_routes_are_advertised_with_the_port_address() {
        let (mut t, _, net, route) = east();
        let ops = t.ops();
        assert_eq!(
            adds(&ops),
            vec![
                (
                    "10.11.1.0/24".into(),
                    "169.254.100.1".into(),
                    "static".into()
                ),
                (
                    "192.168.1.1/24".into(),
                    "169.254.100.1".into(),
                    "connected".into()
                ),
            ],
            "{ops:#?}"
        );
        assert!(
            ops.iter()
                .any(|o| matches!(o, Op::AddRoute { nb_id, .. } if *nb_id == net))
        );
        assert!(
            ops.iter()
                .any(|o| matches!(o, Op::AddRoute { nb_id, .. } if *nb_id == route))
        );
        // Advertisement off: nothing; the rows written are withdrawn.
        let az = t.az;
        let row = t.icroute(
            "ts1",
            az,
            "",
            "192.168.1.1/24",
            "169.254.100.1",
            "connected",
            Some(net),
        );
        t.options(&[("ic-route-learn", "true")]);
        assert_eq!(routing(t.ops()), vec![Op::DelRoute { row }]);
    }

    #[test]
    fn defaults_link_local_src_ip_and_blacklisted_routes_stay_home() {
        let (mut t, lr, _, route) = east();
        t.remove(route);
        let d = t.static_route("0.0.0.0/0", "192.168.1.254", "", None);
        let s = t.static_route("10.22.1.0/24", "192.168.1.2", "", Some("src-ip"));
        let b = t.static_route("10.99.0.0/24", "192.168.1.3", "", None);
        let ll = t.static_route("169.254.5.0/24", "192.168.1.3", "", None);
        t.set_router_routes(lr, &[d, s, b, ll]);
        t.options(&[
            ("ic-route-adv", "true"),
            ("ic-route-blacklist", "10.99.0.0/16"),
        ]);
        let ops = t.ops();
        assert_eq!(
            adds(&ops),
            vec![(
                "192.168.1.1/24".into(),
                "169.254.100.1".into(),
                "connected".into()
            )],
            "{ops:#?}"
        );
        t.options(&[("ic-route-adv", "true"), ("ic-route-adv-default", "true")]);
        let ops = t.ops();
        assert!(adds(&ops).contains(&(
            "0.0.0.0/0".into(),
            "169.254.100.1".into(),
            "static".into()
        )));
        assert!(adds(&ops).contains(&(
            "10.99.0.0/24".into(),
            "169.254.100.1".into(),
            "static".into()
        )));
    }

    #[test]
    fn other_zones_routes_are_learned_unless_a_local_route_has_the_prefix() {
        let (mut t, lr, _, route) = east();
        let west = t.other_az("west");
        let r1 = t.icroute(
            "ts1",
            west,
            "",
            "192.168.2.1/24",
            "169.254.100.2",
            "connected",
            None,
        );
        let r2 = t.icroute(
            "ts1",
            west,
            "",
            "10.11.1.0/24",
            "169.254.100.2",
            "static",
            None,
        );
        let ops = t.ops();
        let learned: Vec<_> = ops
            .iter()
            .filter(|o| matches!(o, Op::AddLearnedRoute { .. }))
            .collect();
        assert_eq!(
            learned,
            vec![&Op::AddLearnedRoute {
                lr,
                ip_prefix: "192.168.2.1/24".into(),
                nexthop: "169.254.100.2".into(),
                route_table: "".into(),
                origin: "connected".into(),
                ic_route: r1,
            }],
            "10.11.1.0/24 is also a local route: {ops:#?}"
        );
        // Learned: nothing more to do for it; the local route goes, r2 is learned.
        let l1 = t.learned_route(lr, "192.168.2.1/24", "169.254.100.2", "", "connected", r1);
        t.remove(route);
        t.set_router_routes(lr, &[l1]);
        let ops = t.ops();
        assert!(
            ops.iter()
                .any(|o| matches!(o, Op::AddLearnedRoute { ic_route, .. } if *ic_route == r2)),
            "{ops:#?}"
        );
        assert!(
            !ops.iter().any(|o| matches!(o, Op::DelLearnedRoute { .. })),
            "{ops:#?}"
        );
        // Learning off: forgotten.
        t.options(&[("ic-route-adv", "true")]);
        let ops = t.ops();
        assert!(
            ops.contains(&Op::DelLearnedRoute { lr, row: l1 }),
            "{ops:#?}"
        );
    }

    #[test]
    fn a_router_that_leaves_the_switch_forgets_what_it_learned() {
        let (mut t, lr, _, _) = east();
        let west = t.other_az("west");
        let r1 = t.icroute(
            "ts1",
            west,
            "",
            "192.168.2.1/24",
            "169.254.100.2",
            "connected",
            None,
        );
        let l1 = t.learned_route(lr, "192.168.2.1/24", "169.254.100.2", "", "connected", r1);
        t.add_router_route(lr, l1);
        assert!(
            !t.ops()
                .iter()
                .any(|o| matches!(o, Op::AddLearnedRoute { .. } | Op::DelLearnedRoute { .. })),
            "{:#?}",
            t.ops()
        );
        t.remove_icpb("lsp-ts1-router_east");
        let ops = t.ops();
        assert!(
            ops.contains(&Op::DelLearnedRoute { lr, row: l1 }),
            "{ops:#?}"
        );
    }

    #[test]
    fn ipv6_routes_need_an_ipv6_port_address() {
        let (mut t, lr, net, _) = east();
        t.remove(net);
        let net6 = t.lrp("router_east-net6", &["2002:db8:1::1/64"], "");
        let ts_lrp = t.lrp_row("lrp-router_east-ts1");
        t.set_router_ports(lr, &[ts_lrp, net6]);
        let ops = t.ops();
        assert!(
            !adds(&ops).iter().any(|(p, _, _)| p.contains(':')),
            "no IPv6 address on the port: no link-local next hop: {ops:#?}"
        );
        t.remove_icpb("lsp-ts1-router_east");
        let az = t.az;
        t.icpb(
            "ts1",
            "lsp-ts1-router_east",
            az,
            1,
            "",
            "aa:aa:aa:aa:aa:01 169.254.100.1/24 2001:db8:100::1/64",
        );
        let ops = t.ops();
        assert!(
            adds(&ops).contains(&(
                "2002:db8:1::1/64".into(),
                "2001:db8:100::1".into(),
                "connected".into()
            )),
            "{ops:#?}"
        );
    }
}
