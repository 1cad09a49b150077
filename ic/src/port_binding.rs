//! Transit switch ports. The zone's own ports (its routers' `router`-type ports on the
//! transit switch's NB copy, once northd has bound them in SB) are exported as IC-SB
//! `Port_Binding`s: a tunnel key unique on the switch, the address of the peer router
//! port, the gateway chassis that claimed its `cr-` port and the router's UUID; the key
//! is written back into the port's `options:requested-tnl-key`. The other zones' ports
//! are imported as `remote` ports of the NB copy, with their key and address, and their
//! SB binding is bound to their zone's gateway chassis.

use std::collections::BTreeSet;
use std::sync::Arc;

use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::{IcPb, Istr, Lsp, Pb, Uuid, parse_uuid};
use crate::model::{Model, lookup, warn, with_me};
use crate::op::Op;

/// Port keys on a transit switch: 1..=32767.
pub const PORT_KEY_MAX: u32 = 32_767;

/// A local transit switch port, as it should be exported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LocalPort {
    pub ts: Istr,
    pub lsp: Arc<Lsp>,
    /// The peer router port's `mac` in SB ("MAC net..."), "" when unknown.
    pub address: Istr,
    /// The chassis that claimed the peer's `cr-` port, "" when none.
    pub gateway: Istr,
    /// The NB router of the peer router port.
    pub router_id: Option<Uuid>,
}

fn key_of(v: &Option<Istr>) -> Option<u32> {
    v.as_ref().and_then(|k| k.parse::<u32>().ok())
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Claim {
    Used(u32),
    Wanted(Arc<LocalPort>),
}

/// The lowest free keys for `n` new ports.
fn allocate(used: &BTreeSet<u32>, n: usize) -> Vec<u32> {
    (1..=PORT_KEY_MAX)
        .filter(|k| !used.contains(k))
        .take(n)
        .collect()
}

pub fn ops<'s>(m: &Model<'s>) -> Coll<'s, Op> {
    // The ports of each transit switch's NB copy: (ts, copy's UUID, port).
    let ts_ls = m.ts_switch.clone().filter(|(ts, s)| s.name == *ts);
    let ts_ports = ts_ls
        .clone()
        .flat_map(|(ts, s)| {
            s.ports
                .iter()
                .map(|p| (*p, (ts.clone(), s.uuid)))
                .collect::<Vec<_>>()
        })
        .join(m.lsp_by_uuid.clone())
        .map(|(_, ((ts, ls), p))| (ts, ls, p));

    // --- Local ports: the SB binding must exist; then its peer (the router port's
    // binding), the peer's `cr-` binding and its chassis, the peer's router.
    let local = ts_ports
        .clone()
        .filter(|(_, _, p)| p.kind.as_str() == "router")
        .map(|(ts, _, p)| (p.name.clone(), (ts, p)))
        .join(m.pb_by_name.clone())
        .map(|(_, ((ts, p), pb))| (pb.peer.clone(), (ts, p)));
    let with_peer = lookup(local, &m.pb_by_name).map(|((ts, p), peer): (_, Option<Arc<Pb>>)| {
        let cr = peer
            .as_ref()
            .map(|pr| Istr::from(format!("cr-{}", pr.logical_port)));
        (cr, (ts, p, peer))
    });
    let with_cr = lookup(with_peer, &m.pb_by_name)
        .map(|((ts, p, peer), cr)| (cr.and_then(|c| c.chassis), (ts, p, peer)));
    let chassis_by_uuid = m.chassis.clone().map(|c| (c.uuid, c.name.clone()));
    let with_gw = lookup(with_cr, &chassis_by_uuid)
        .map(|((ts, p, peer), gw)| (peer.as_ref().map(|pr| pr.datapath), (ts, p, peer, gw)));
    let local_ports = lookup(with_gw, &m.dp_router).map(|((ts, lsp, peer, gw), router)| {
        Arc::new(LocalPort {
            ts,
            lsp,
            address: peer.and_then(|pr| pr.mac.clone()).unwrap_or_default(),
            gateway: gw.unwrap_or_default(),
            router_id: router,
        })
    });

    // --- Their IC-SB rows.
    let own_by_name = m.own_pbs.clone().map(|p| (p.logical_port.clone(), p));
    let matched = lookup(
        local_ports.clone().map(|l| (Some(l.lsp.name.clone()), l)),
        &own_by_name,
    );
    let refresh = matched.clone().flat_map(|(l, pb): (_, Option<Arc<IcPb>>)| {
        let mut v = Vec::new();
        if let Some(pb) = pb.filter(|pb| pb.ts == l.ts) {
            let id = pb.router_id.as_deref().and_then(parse_uuid);
            let stale_id = l.router_id.is_some() && l.router_id != id;
            if pb.address != l.address || pb.gateway != l.gateway || stale_id {
                v.push(Op::SetPort {
                    row: pb.uuid,
                    address: l.address.clone(),
                    gateway: l.gateway.clone(),
                    router_id: l.router_id.filter(|_| stale_id),
                });
            }
            if key_of(&l.lsp.requested_key) != Some(pb.key) {
                v.push(Op::SetLspKey {
                    row: l.lsp.uuid,
                    key: pb.key,
                });
            }
        }
        v
    });
    // New ports (or ports that moved to another switch) get the lowest free keys of
    // their switch, in name order.
    let new = matched.flat_map(|(l, pb)| {
        let exported = pb.is_some_and(|pb| pb.ts == l.ts);
        (!exported).then(|| (l.ts.clone(), Claim::Wanted(l)))
    });
    let add = m
        .all_pbs
        .clone()
        .map(|p| (p.ts.clone(), Claim::Used(p.key)))
        .concat(new)
        .reduce(|_, claims, out| {
            let used: BTreeSet<u32> = claims
                .iter()
                .filter_map(|(c, _)| match c {
                    Claim::Used(k) => Some(*k),
                    _ => None,
                })
                .collect();
            let wanted: Vec<&Arc<LocalPort>> = claims
                .iter()
                .filter_map(|(c, _)| match c {
                    Claim::Wanted(l) => Some(l),
                    _ => None,
                })
                .collect();
            let mut keys = allocate(&used, wanted.len()).into_iter();
            for l in wanted {
                match keys.next() {
                    Some(k) => out.push((Some((l.clone(), k)), 1)),
                    None => out.push((None, 1)),
                }
            }
        });
    let add = with_me(add.map(|(_, x)| x), &m.me).map(|(x, az)| match x {
        Some((l, key)) => Op::AddPort {
            az,
            ts: l.ts.clone(),
            port: l.lsp.name.clone(),
            key,
            address: l.address.clone(),
            gateway: l.gateway.clone(),
            router_id: l.router_id,
        },
        None => warn("all transit port tunnel ids exhausted".into()),
    });
    // Exported ports that are no longer local ports of that switch.
    let del = m
        .own_pbs
        .clone()
        .map(|p| ((p.logical_port.clone(), p.ts.clone()), p.uuid))
        .antijoin(local_ports.map(|l| (l.lsp.name.clone(), l.ts.clone())))
        .map(|(_, row)| Op::DelPort { row });

    // --- Remote ports.
    let remote_pbs = m
        .other_pbs
        .clone()
        .map(|p| ((p.ts.clone(), p.logical_port.clone()), p));
    let remote_lsps = ts_ports
        .filter(|(_, _, p)| p.kind.as_str() == "remote")
        .map(|(ts, ls, p)| ((ts, p.name.clone()), (ls, p)));
    let kept = remote_lsps.clone().join(remote_pbs.clone());
    let sync = kept.clone().flat_map(|(_, ((_, lsp), pb))| {
        let mut v = Vec::new();
        let want: Vec<Istr> = if pb.address.is_empty() {
            Vec::new()
        } else {
            vec![pb.address.clone()]
        };
        if lsp.addresses != want {
            v.push(Op::SetRemoteLspAddress {
                row: lsp.uuid,
                address: pb.address.clone(),
            });
        }
        if key_of(&lsp.requested_key) != Some(pb.key) {
            v.push(Op::SetLspKey {
                row: lsp.uuid,
                key: pb.key,
            });
        }
        v
    });
    // The remote port's SB binding goes to its zone's gateway chassis.
    let bound = kept
        .map(|((_, name), (_, pb))| (name, pb.gateway.clone()))
        .join(m.pb_by_name.clone())
        .map(|(_, (gw, sb))| ((!gw.is_empty()).then_some(gw.clone()), (gw, sb)));
    let chassis_by_name = m.chassis.clone().map(|c| (c.name.clone(), c.uuid));
    let bind = lookup(bound, &chassis_by_name).flat_map(|((gw, sb), ch)| {
        if gw.is_empty() {
            sb.chassis.is_some().then_some(Op::SetPbChassis {
                row: sb.uuid,
                chassis: None,
            })
        } else {
            // A gateway not (yet) in SB: leave the binding as it is.
            ch.filter(|c| sb.chassis != Some(*c))
                .map(|c| Op::SetPbChassis {
                    row: sb.uuid,
                    chassis: Some(c),
                })
        }
    });
    let del_remote = remote_lsps
        .clone()
        .antijoin(remote_pbs.clone().map(|(k, _)| k))
        .map(|(_, (ls, p))| Op::DelRemoteLsp { ls, row: p.uuid });
    let missing = remote_pbs
        .antijoin(remote_lsps.map(|(k, _)| k))
        .map(|((ts, name), pb)| (name, (ts, pb)));
    let local_names = m.lsp_by_name.clone().map(|(n, _)| n).distinct();
    let clash = missing
        .clone()
        .semijoin(local_names.clone())
        .map(|(name, (ts, _))| {
            warn(format!(
                "port {name} of transit switch {ts} in another availability zone has the name of a local port: not importing it"
            ))
        });
    let add_remote = missing
        .antijoin(local_names)
        .map(|(name, (ts, pb))| (ts, (name, pb)))
        .join(ts_ls.map(|(ts, s)| (ts, s.uuid)))
        .map(|(_, ((name, pb), ls))| Op::AddRemoteLsp {
            ls,
            name,
            address: pb.address.clone(),
            key: pb.key,
        });

    refresh
        .concat(add)
        .concat(del)
        .concat(sync)
        .concat(bind)
        .concat(del_remote)
        .concat(clash)
        .concat(add_remote)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    /// East's seed side: router_east's port on ts1, bound by northd, its `cr-` port on
    /// gw_east.
    fn east() -> (Zone, Uuid, Uuid) {
        let mut t = Zone::new("east");
        t.ts("ts1");
        t.icdp("ts1", 16_711_682);
        let ls = t.ts_ls("ts1", Some("16711682"));
        let lsp = t.lsp(ls, "lsp-ts1-router_east", "router", &["router"]);
        t.set_lsp_router_port(lsp, "lrp-router_east-ts1");
        let lr = t.uuid();
        let dp = t.sb_router_dp(lr);
        let ls_dp = t.uuid();
        t.pb(
            "lsp-ts1-router_east",
            ls_dp,
            None,
            Some("lrp-router_east-ts1"),
            None,
        );
        t.pb(
            "lrp-router_east-ts1",
            dp,
            Some("aa:aa:aa:aa:aa:01 169.254.100.1/24"),
            Some("lsp-ts1-router_east"),
            None,
        );
        (t, lsp, lr)
    }

    #[test]
    fn a_local_port_is_exported_with_its_peer_address_and_gateway() {
        let (mut t, lsp, lr) = east();
        let az = t.az;
        assert_eq!(
            t.ops(),
            vec![Op::AddPort {
                az,
                ts: "ts1".into(),
                port: "lsp-ts1-router_east".into(),
                key: 1,
                address: "aa:aa:aa:aa:aa:01 169.254.100.1/24".into(),
                gateway: "".into(),
                router_id: Some(lr),
            }]
        );
        // Another zone holds key 1 already: ours is 2.
        let west = t.other_az("west");
        t.icpb(
            "ts1",
            "lsp-ts1-router_west",
            west,
            1,
            "gw_west",
            "aa:aa:aa:aa:aa:02 169.254.100.2/24",
        );
        let ops = t.ops();
        assert!(
            ops.iter().any(|o| matches!(o, Op::AddPort { key: 2, .. })),
            "{ops:#?}"
        );
        // Exported with key 2: the key goes back into NB.
        let own = t.icpb(
            "ts1",
            "lsp-ts1-router_east",
            az,
            2,
            "",
            "aa:aa:aa:aa:aa:01 169.254.100.1/24",
        );
        t.set_icpb_router_id(own, lr);
        let ops = t.ops();
        assert!(
            ops.contains(&Op::SetLspKey { row: lsp, key: 2 }),
            "{ops:#?}"
        );
        // The gateway claims the cr- port: the gateway is exported.
        let gw = t.chassis("gw_east", "gw-east", true, false, vec![]);
        t.pb("cr-lrp-router_east-ts1", Uuid(7), None, None, Some(gw));
        let ops = t.ops();
        assert!(
            ops.contains(&Op::SetPort {
                row: own,
                address: "aa:aa:aa:aa:aa:01 169.254.100.1/24".into(),
                gateway: "gw_east".into(),
                router_id: None,
            }),
            "{ops:#?}"
        );
    }

    #[test]
    fn an_unbound_port_is_not_exported_and_a_deleted_one_is_withdrawn() {
        let (mut t, _, _) = east();
        t.remove_pb("lsp-ts1-router_east");
        assert!(t.ops().is_empty(), "{:#?}", t.ops());
        let az = t.az;
        let own = t.icpb("ts1", "lsp-ts1-router_east", az, 1, "", "");
        assert_eq!(t.ops(), vec![Op::DelPort { row: own }]);
    }

    #[test]
    fn remote_ports_are_imported_kept_current_and_removed() {
        let mut t = Zone::new("east");
        t.ts("ts1");
        t.icdp("ts1", 16_711_682);
        let ls = t.ts_ls("ts1", Some("16711682"));
        let west = t.other_az("west");
        let pb = t.icpb(
            "ts1",
            "lsp-ts1-router_west",
            west,
            2,
            "gw_west",
            "aa:aa:aa:aa:aa:02 169.254.100.2/24",
        );
        assert_eq!(
            t.ops(),
            vec![Op::AddRemoteLsp {
                ls,
                name: "lsp-ts1-router_west".into(),
                address: "aa:aa:aa:aa:aa:02 169.254.100.2/24".into(),
                key: 2,
            }]
        );
        let lsp = t.lsp(
            ls,
            "lsp-ts1-router_west",
            "remote",
            &["aa:aa:aa:aa:aa:02 169.254.100.2/24"],
        );
        t.set_lsp_key(lsp, "2");
        assert!(t.ops().is_empty(), "{:#?}", t.ops());
        // northd binds it in SB; the remote gateway chassis appears: bound to it.
        let sb = t.pb("lsp-ts1-router_west", Uuid(7), None, None, None);
        assert!(t.ops().is_empty(), "no chassis yet: {:#?}", t.ops());
        t.gw("gw_west", west, "gw-west", vec![]);
        let ch = t.chassis("gw_west", "gw-west", false, true, vec![]);
        assert_eq!(
            t.ops(),
            vec![Op::SetPbChassis {
                row: sb,
                chassis: Some(ch),
            }]
        );
        // The other zone withdraws it.
        t.remove(pb);
        let ops = t.ops();
        assert!(ops.contains(&Op::DelRemoteLsp { ls, row: lsp }), "{ops:#?}");
    }
}
