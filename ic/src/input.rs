//! Input relations: the rows of the four databases ovn-ic reads (the zone's NB and SB,
//! IC-NB and IC-SB), typed, with interned strings.
//!
//! The adapter turns OVSDB rows into these and filters what ovn-ic never looks at
//! (switch ports that are neither `router` nor `remote`, SB bindings of VIFs, switches
//! without `other_config:interconn-ts`). Child rows are folded into their parent:
//! a chassis or gateway carries its encapsulations.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use rules::input::{Smap, Uuid, smap_bool, smap_get};
pub use rules::intern::Istr;

/// NB `NB_Global`: the zone's name and options.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NbGlobal {
    pub uuid: Uuid,
    pub name: Istr,
    pub options: Smap,
}

/// NB `Logical_Switch` with `other_config:interconn-ts`: a transit switch's copy.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ls {
    pub uuid: Uuid,
    pub name: Istr,
    pub interconn_ts: Istr,
    /// `other_config:requested-tnl-key`, as written.
    pub requested_key: Option<Istr>,
    pub ports: Vec<Uuid>,
}

/// NB `Logical_Switch_Port` of type `router` or `remote`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lsp {
    pub uuid: Uuid,
    pub name: Istr,
    pub kind: Istr,
    pub addresses: Vec<Istr>,
    /// `options:router-port`.
    pub router_port: Option<Istr>,
    /// `options:requested-tnl-key`, as written.
    pub requested_key: Option<Istr>,
}

/// NB `Logical_Router`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lr {
    pub uuid: Uuid,
    pub name: Istr,
    pub ports: Vec<Uuid>,
    pub static_routes: Vec<Uuid>,
}

/// NB `Logical_Router_Port`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lrp {
    pub uuid: Uuid,
    pub name: Istr,
    pub networks: Vec<Istr>,
    /// `options:route_table` ("" when unset).
    pub route_table: Istr,
}

/// NB `Logical_Router_Static_Route`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StaticRoute {
    pub uuid: Uuid,
    pub ip_prefix: Istr,
    pub nexthop: Istr,
    pub route_table: Istr,
    pub policy: Option<Istr>,
    /// `external_ids:ic-learned-route`, as written (present: a learned route, or at least
    /// not a local gateway route).
    pub learned: Option<Istr>,
    /// `options:origin`.
    pub origin: Option<Istr>,
}

/// An encapsulation of a chassis or gateway.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Encap {
    pub kind: Istr,
    pub ip: Istr,
    pub options: Smap,
}

/// SB `Chassis` with its encapsulations (sorted).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Chassis {
    pub uuid: Uuid,
    pub name: Istr,
    pub hostname: Istr,
    /// `other_config:is-interconn`: a gateway of this zone.
    pub interconn: bool,
    /// `other_config:is-remote`: a gateway of another zone (ovn-ic's own rows).
    pub remote: bool,
    pub encaps: Vec<Encap>,
}

/// SB `Port_Binding` of a router, chassisredirect or remote port.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pb {
    pub uuid: Uuid,
    pub logical_port: Istr,
    pub datapath: Uuid,
    /// The first `mac` entry ("MAC net1 net2" on a router port).
    pub mac: Option<Istr>,
    /// `options:peer`.
    pub peer: Option<Istr>,
    pub chassis: Option<Uuid>,
}

/// SB `Datapath_Binding` of a router: `external_ids:logical-router`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dp {
    pub uuid: Uuid,
    pub logical_router: Uuid,
}

/// IC-NB `Transit_Switch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ts {
    pub uuid: Uuid,
    pub name: Istr,
}

/// IC-SB `Availability_Zone`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Az {
    pub uuid: Uuid,
    pub name: Istr,
}

/// IC-SB `Datapath_Binding`: a transit switch's tunnel key.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IcDp {
    pub uuid: Uuid,
    pub ts: Istr,
    pub key: u32,
}

/// IC-SB `Gateway` with its encapsulations (sorted).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Gw {
    pub uuid: Uuid,
    pub name: Istr,
    pub az: Uuid,
    pub hostname: Istr,
    pub encaps: Vec<Encap>,
}

/// IC-SB `Port_Binding`: a transit switch port of some zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IcPb {
    pub uuid: Uuid,
    pub ts: Istr,
    pub logical_port: Istr,
    pub az: Uuid,
    pub key: u32,
    pub gateway: Istr,
    pub address: Istr,
    /// `external_ids:router-id`, as written.
    pub router_id: Option<Istr>,
}

/// IC-SB `Route`: a route some zone advertises on a transit switch.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IcRoute {
    pub uuid: Uuid,
    pub ts: Istr,
    pub az: Uuid,
    pub route_table: Istr,
    pub ip_prefix: Istr,
    pub nexthop: Istr,
    pub origin: Istr,
    /// `external_ids:nb-id`, as written.
    pub nb_id: Option<Istr>,
}

/// One input row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Input {
    NbGlobal(Arc<NbGlobal>),
    Ls(Arc<Ls>),
    Lsp(Arc<Lsp>),
    Lr(Arc<Lr>),
    Lrp(Arc<Lrp>),
    Route(Arc<StaticRoute>),
    Chassis(Arc<Chassis>),
    Pb(Arc<Pb>),
    Dp(Arc<Dp>),
    Ts(Arc<Ts>),
    Az(Arc<Az>),
    IcDp(Arc<IcDp>),
    Gw(Arc<Gw>),
    IcPb(Arc<IcPb>),
    IcRoute(Arc<IcRoute>),
}

macro_rules! input_from {
    ($($t:ty => $v:ident),* $(,)?) => {
        $(impl From<$t> for Input {
            fn from(row: $t) -> Input {
                Input::$v(Arc::new(row))
            }
        })*
    };
}

input_from!(
    NbGlobal => NbGlobal,
    Ls => Ls,
    Lsp => Lsp,
    Lr => Lr,
    Lrp => Lrp,
    StaticRoute => Route,
    Chassis => Chassis,
    Pb => Pb,
    Dp => Dp,
    Ts => Ts,
    Az => Az,
    IcDp => IcDp,
    Gw => Gw,
    IcPb => IcPb,
    IcRoute => IcRoute,
);

/// A UUID in its text form, as ovn-ic parses `router-id`, `nb-id` and
/// `ic-learned-route`.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let h: String = s.chars().filter(|c| *c != '-').collect();
    let dashes = s.len() == 36
        && [8, 13, 18, 23]
            .iter()
            .all(|i| s.as_bytes().get(*i) == Some(&b'-'));
    if !dashes || h.len() != 32 {
        return None;
    }
    u128::from_str_radix(&h, 16).ok().map(Uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_parse_only_in_their_text_form() {
        let u = parse_uuid("68b8c4f8-0000-4000-8000-00000000000a").unwrap();
        assert_eq!(u.to_string(), "68b8c4f8-0000-4000-8000-00000000000a");
        assert!(parse_uuid("68b8c4f800004000800000000000000a").is_none());
        assert!(parse_uuid("not-a-uuid").is_none());
        assert!(parse_uuid("").is_none());
    }
}
