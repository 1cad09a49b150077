//! Multicast_Group: per switch, `_MC_flood` (every enabled port), `_MC_unknown` (enabled
//! ports with `unknown` addresses) and `_MC_flood_l2` (enabled ports that are not router
//! ports). Groups are written as one row per member.

use engine::Coll;

use crate::model::Model;
use crate::output::{McMember, Output};

pub const MC_FLOOD: (&str, u32) = ("_MC_flood", 32768);
pub const MC_UNKNOWN: (&str, u32) = ("_MC_unknown", 32769);
pub const MC_FLOOD_L2: (&str, u32) = ("_MC_flood_l2", 32772);

pub(crate) fn rows<'s>(m: &Model<'s>) -> Coll<'s, Output> {
    m.lsps.clone().flat_map(|p| {
        let mut v = Vec::new();
        if !p.enabled() {
            return v;
        }
        let mut add = |(name, key): (&str, u32)| {
            v.push(Output::McMember(McMember {
                dp: p.dp(),
                name: name.into(),
                tunnel_key: key,
                port: p.name().clone(),
            }))
        };
        add(MC_FLOOD);
        if !p.is_router() {
            add(MC_FLOOD_L2);
        }
        if p.addrs.unknown && p.kind() != "external" {
            add(MC_UNKNOWN);
        }
        v
    })
}
