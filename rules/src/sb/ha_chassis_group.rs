//! HA_Chassis_Group (with its HA_Chassis): one per distributed gateway port and per
//! NB HA_Chassis_Group in use.
//!
//! * A DGP with `ha_chassis_group` uses the SB group named like the NB group, with one
//!   HA_Chassis per NB HA_Chassis (`gateway_chassis` is then ignored).
//! * A DGP with only `gateway_chassis` gets a group named after the port, with one
//!   HA_Chassis per NB Gateway_Chassis.
//! * An `external` switch port with `ha_chassis_group` uses the NB group's SB group.
//!
//! A DGP with both columns gets a warning. A group no port uses is not written. HA_Chassis rows carry the chassis name (the
//! layout resolves it to the SB Chassis, or leaves `chassis` empty) and the priority.
//! `ref_chassis` is not computed (it is always written empty).

use std::sync::Arc;

use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::{HaChassisGroup, Input, Uuid};
use crate::intern::Istr;
use crate::model::{Model, pick};
use crate::output::{Diag, HaGroupRow, Output};

pub(crate) struct HaGroups<'s> {
    /// The HA_Chassis_Group rows.
    pub rows: Coll<'s, Output>,
    /// (NB UUID of a cr port's LRP or of an external LSP, its SB group name).
    pub by_port: Coll<'s, (Uuid, Istr)>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Part {
    Group(Istr),
    Member(Istr, i64),
}

/// Groups of (key, parts) into rows; a key without its `Group` part makes no row.
fn group_rows<'s, K>(parts: Coll<'s, (K, Part)>) -> Coll<'s, Output>
where
    K: differential_dataflow::ExchangeData + std::hash::Hash,
{
    parts
        .reduce(|_, parts, out| {
            let mut name = None;
            let mut members = Vec::new();
            for (p, _) in parts {
                match p {
                    Part::Group(n) => name = Some(n.clone()),
                    Part::Member(c, prio) => members.push((c.clone(), *prio)),
                }
            }
            if let Some(name) = name {
                members.sort();
                out.push((
                    Output::HaGroup(std::sync::Arc::new(HaGroupRow {
                        name,
                        members,
                        external_ids: Vec::new(),
                    })),
                    1,
                ));
            }
        })
        .map(|(_, o)| o)
}

pub(crate) fn build<'s>(m: &Model<'s>) -> HaGroups<'s> {
    let gateway_chassis = pick(&m.input, |i| match i {
        Input::GatewayChassis(g) => Some((g.uuid, (g.chassis_name.clone(), g.priority))),
        _ => None,
    });
    let nb_groups = pick(&m.input, |i| match i {
        Input::HaChassisGroup(g) => Some((g.uuid, g.clone())),
        _ => None,
    });
    let nb_chassis = pick(&m.input, |i| match i {
        Input::HaChassis(c) => Some((c.uuid, (c.chassis_name.clone(), c.priority))),
        _ => None,
    });

    // Legacy gateway_chassis: a group named after the LRP.
    let legacy = m
        .lrps
        .clone()
        .filter(|l| l.is_dgp && l.nb.ha_chassis_group.is_none());
    let legacy_members = legacy
        .clone()
        .flat_map(|l| {
            l.nb.gateway_chassis
                .iter()
                .map(|g| (*g, l.nb.uuid))
                .collect::<Vec<_>>()
        })
        .join(gateway_chassis)
        .map(|(_, (lrp, (c, prio)))| (lrp, Part::Member(c, prio)));
    let legacy_rows = group_rows(
        legacy
            .clone()
            .map(|l| (l.nb.uuid, Part::Group(l.nb.name.clone())))
            .concat(legacy_members),
    );

    // NB HA_Chassis_Group, used by DGPs and external switch ports.
    let users = m
        .lrps
        .clone()
        .flat_map(|l| {
            l.nb.ha_chassis_group
                .filter(|_| l.is_dgp)
                .map(|g| (g, l.nb.uuid))
        })
        .concat(m.lsps.clone().flat_map(|p| {
            p.nb.ha_chassis_group
                .filter(|_| p.kind() == "external")
                .map(|g| (g, p.nb.uuid))
        }));
    let used = nb_groups
        .clone()
        .semijoin(users.clone().map(|(g, _)| g).distinct());
    let used_members = used
        .clone()
        .flat_map(|(g, row): (Uuid, Arc<HaChassisGroup>)| {
            row.ha_chassis.iter().map(|c| (*c, g)).collect::<Vec<_>>()
        })
        .join(nb_chassis)
        .map(|(_, (g, (c, prio)))| (g, Part::Member(c, prio)));
    let nb_rows = group_rows(
        used.map(|(g, row)| (g, Part::Group(row.name.clone())))
            .concat(used_members),
    );

    let by_port = legacy.map(|l| (l.nb.uuid, l.nb.name.clone())).concat(
        users
            .join(nb_groups)
            .map(|(_, (port, row))| (port, row.name.clone())),
    );
    let both = m
        .lrps
        .clone()
        .filter(|l| l.is_dgp && l.nb.ha_chassis_group.is_some() && !l.nb.gateway_chassis.is_empty())
        .map(|l| {
            Output::Diag(Diag {
                table: "Logical_Router_Port".into(),
                row: l.nb.uuid,
                message: format!(
                    "Both ha_chassis_group and gateway_chassis configured on port {}; ignoring the latter.",
                    l.name()
                )
                .into(),
            })
        });
    HaGroups {
        rows: legacy_rows.concat(nb_rows).concat(both),
        by_port,
    }
}
