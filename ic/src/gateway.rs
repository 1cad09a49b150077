//! Gateways: the zone's chassis with `other_config:is-interconn=true` are exported as
//! IC-SB `Gateway`s (hostname and encapsulations), and the other zones' gateways are
//! imported into the zone's SB as `Chassis` with `other_config:is-remote=true`, so that
//! northd and ovn-controller can tunnel to them.

use std::sync::Arc;

use engine::Coll;

use crate::input::{Chassis, Gw};
use crate::model::{Model, warn, with_me};
use crate::op::Op;

fn same(gw: &Gw, ch: &Chassis) -> bool {
    gw.hostname == ch.hostname && gw.encaps == ch.encaps
}

/// A chassis of another zone, as ovn-ic created it.
fn is_imported(c: &Chassis) -> bool {
    c.remote && !c.interconn
}

pub fn ops<'s>(m: &Model<'s>) -> Coll<'s, Op> {
    let by_name = |c: &Coll<'s, Arc<Gw>>| c.clone().map(|g| (g.name.clone(), g));
    let own_chassis = m
        .chassis
        .clone()
        .filter(|c| c.interconn)
        .map(|c| (c.name.clone(), c));
    let all_gw_names = m.all_gws.clone().map(|g| g.name.clone()).distinct();

    // --- Export.
    let add = with_me(own_chassis.clone().antijoin(all_gw_names.clone()), &m.me).map(
        |((name, c), az)| Op::AddGateway {
            az,
            name,
            hostname: c.hostname.clone(),
            encaps: c.encaps.clone(),
        },
    );
    let taken = own_chassis
        .clone()
        .join(by_name(&m.other_gws))
        .map(|(name, _)| {
            warn(format!(
                "gateway {name} is exported by another availability zone: not exporting it"
            ))
        });
    let set = own_chassis
        .clone()
        .join(by_name(&m.own_gws))
        .flat_map(|(_, (c, g))| {
            (!same(&g, &c)).then(|| Op::SetGateway {
                row: g.uuid,
                name: g.name.clone(),
                hostname: c.hostname.clone(),
                encaps: c.encaps.clone(),
            })
        });
    let del = by_name(&m.own_gws)
        .antijoin(own_chassis.map(|(n, _)| n))
        .map(|(_, g)| Op::DelGateway { row: g.uuid });

    // --- Import.
    let imported = m
        .chassis
        .clone()
        .filter(|c| is_imported(c))
        .map(|c| (c.name.clone(), c));
    let local_names = m
        .chassis
        .clone()
        .filter(|c| !is_imported(c))
        .map(|c| c.name.clone());
    let others = by_name(&m.other_gws);
    let import = others
        .clone()
        .antijoin(m.chassis.clone().map(|c| c.name.clone()).distinct())
        .map(|(name, g)| Op::AddRemoteChassis {
            name,
            hostname: g.hostname.clone(),
            encaps: g.encaps.clone(),
        });
    let clash = others
        .clone()
        .semijoin(local_names.distinct())
        .map(|(name, _)| {
            warn(format!(
                "gateway {name} of another availability zone has the name of a local chassis: not importing it"
            ))
        });
    let refresh = others
        .clone()
        .join(imported.clone())
        .flat_map(|(_, (g, c))| {
            (!same(&g, &c)).then(|| Op::SetRemoteChassis {
                row: c.uuid,
                name: c.name.clone(),
                hostname: g.hostname.clone(),
                encaps: g.encaps.clone(),
            })
        });
    let drop = imported
        .antijoin(others.map(|(n, _)| n))
        .map(|(_, c)| Op::DelRemoteChassis { row: c.uuid });

    add.concat(taken)
        .concat(set)
        .concat(del)
        .concat(import)
        .concat(clash)
        .concat(refresh)
        .concat(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Encap;
    use crate::testkit::*;

    fn geneve(ip: &str) -> Vec<Encap> {
        vec![Encap {
            kind: "geneve".into(),
            ip: ip.into(),
            options: vec![("csum".into(), "true".into())],
        }]
    }

    #[test]
    fn a_gateway_chassis_is_exported_and_kept_current() {
        let mut t = Zone::new("east");
        let ch = t.chassis("gw_east", "gw-east", true, false, geneve("192.168.50.102"));
        let az = t.az;
        assert_eq!(
            t.ops(),
            vec![Op::AddGateway {
                az,
                name: "gw_east".into(),
                hostname: "gw-east".into(),
                encaps: geneve("192.168.50.102"),
            }]
        );
        let gw = t.gw("gw_east", az, "gw-east", geneve("192.168.50.102"));
        assert!(t.ops().is_empty(), "{:#?}", t.ops());
        // A new encapsulation IP is re-exported.
        t.remove(ch);
        t.chassis("gw_east", "gw-east", true, false, geneve("192.168.50.104"));
        assert_eq!(
            t.ops(),
            vec![Op::SetGateway {
                row: gw,
                name: "gw_east".into(),
                hostname: "gw-east".into(),
                encaps: geneve("192.168.50.104"),
            }]
        );
        // No longer a gateway: withdrawn.
        t.remove_chassis("gw_east");
        t.chassis("gw_east", "gw-east", false, false, geneve("192.168.50.104"));
        assert_eq!(t.ops(), vec![Op::DelGateway { row: gw }]);
    }

    #[test]
    fn other_zones_gateways_become_remote_chassis() {
        let mut t = Zone::new("east");
        let west = t.other_az("west");
        let gw = t.gw("gw_west", west, "gw-west", geneve("192.168.50.103"));
        assert_eq!(
            t.ops(),
            vec![Op::AddRemoteChassis {
                name: "gw_west".into(),
                hostname: "gw-west".into(),
                encaps: geneve("192.168.50.103"),
            }]
        );
        let ch = t.chassis("gw_west", "gw-west", false, true, geneve("192.168.50.103"));
        assert!(t.ops().is_empty(), "{:#?}", t.ops());
        t.remove(gw);
        assert_eq!(t.ops(), vec![Op::DelRemoteChassis { row: ch }]);
    }

    #[test]
    fn a_remote_gateway_never_replaces_a_local_chassis() {
        let mut t = Zone::new("east");
        let west = t.other_az("west");
        t.gw("worker", west, "w", geneve("10.0.0.9"));
        t.chassis("worker", "worker", false, false, geneve("10.0.0.1"));
        let ops = t.ops();
        assert_eq!(ops.len(), 1, "{ops:#?}");
        assert!(matches!(&ops[0], Op::Warn { .. }), "{ops:#?}");
    }
}
