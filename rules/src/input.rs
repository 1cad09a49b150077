//! Input relations: the NB and SB rows northd reads, typed, with interned strings.
//!
//! The adapter turns OVSDB rows into these; rules never see OVSDB. One [`Input`] enum
//! carries every table so the engine has a single input relation.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::intern::Istr;

/// A row UUID (the NB or SB row's own UUID).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Uuid(pub u128);

impl Uuid {
    /// The first 8 hex digits, as northd writes them into `external_ids:stage-hint`.
    pub fn hint(self) -> u32 {
        (self.0 >> 96) as u32
    }
}

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// A string-to-string map column, sorted by key.
pub type Smap = Vec<(Istr, Istr)>;

pub fn smap_get<'a>(m: &'a Smap, key: &str) -> Option<&'a Istr> {
    m.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

pub fn smap_bool(m: &Smap, key: &str, default: bool) -> bool {
    match smap_get(m, key) {
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        _ => default,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NbGlobal {
    pub options: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogicalSwitch {
    pub uuid: Uuid,
    pub name: Istr,
    pub ports: Vec<Uuid>,
    pub other_config: Smap,
    pub external_ids: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogicalSwitchPort {
    pub uuid: Uuid,
    pub name: Istr,
    pub kind: Istr,
    pub addresses: Vec<Istr>,
    pub dynamic_addresses: Option<Istr>,
    pub port_security: Vec<Istr>,
    pub enabled: Option<bool>,
    pub up: Option<bool>,
    pub options: Smap,
    pub external_ids: Smap,
    pub parent_name: Option<Istr>,
    pub tag: Option<i64>,
    pub ha_chassis_group: Option<Uuid>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogicalRouter {
    pub uuid: Uuid,
    pub name: Istr,
    pub ports: Vec<Uuid>,
    pub static_routes: Vec<Uuid>,
    pub enabled: Option<bool>,
    pub options: Smap,
    pub external_ids: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogicalRouterPort {
    pub uuid: Uuid,
    pub name: Istr,
    pub mac: Istr,
    pub networks: Vec<Istr>,
    pub enabled: Option<bool>,
    pub peer: Option<Istr>,
    pub gateway_chassis: Vec<Uuid>,
    pub ha_chassis_group: Option<Uuid>,
    pub options: Smap,
    pub external_ids: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StaticRoute {
    pub uuid: Uuid,
    pub ip_prefix: Istr,
    pub nexthop: Istr,
    pub output_port: Option<Istr>,
    pub policy: Option<Istr>,
    pub route_table: Istr,
    pub options: Smap,
    pub external_ids: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GatewayChassis {
    pub uuid: Uuid,
    pub name: Istr,
    pub chassis_name: Istr,
    pub priority: i64,
    pub external_ids: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HaChassisGroup {
    pub uuid: Uuid,
    pub name: Istr,
    pub ha_chassis: Vec<Uuid>,
    pub external_ids: Smap,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HaChassis {
    pub uuid: Uuid,
    pub chassis_name: Istr,
    pub priority: i64,
    pub external_ids: Smap,
}

/// SB Chassis (with the types of its encaps resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Chassis {
    pub uuid: Uuid,
    pub name: Istr,
    pub hostname: Istr,
    pub other_config: Smap,
    pub encap_types: Vec<Istr>,
}

/// A tunnel key already held by an SB row: a datapath's (`domain` = None) or a port's
/// on the datapath of NB row `domain`. Seeded from the SB and fed back after every
/// commit, so that keys never move.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyPin {
    pub domain: Option<Uuid>,
    pub member: KeyMember,
    pub key: u32,
}

/// What holds a tunnel key: a datapath (by NB UUID) or a port (by name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KeyMember {
    Datapath(Uuid),
    Port(Istr),
}

impl Default for KeyMember {
    fn default() -> KeyMember {
        KeyMember::Datapath(Uuid(0))
    }
}

/// One input row. Rows are shared (`Arc`): the dataflow hands each row to several
/// operators, and a clone must not copy it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Input {
    NbGlobal(Arc<NbGlobal>),
    Ls(Arc<LogicalSwitch>),
    Lsp(Arc<LogicalSwitchPort>),
    Lr(Arc<LogicalRouter>),
    Lrp(Arc<LogicalRouterPort>),
    Route(Arc<StaticRoute>),
    GatewayChassis(Arc<GatewayChassis>),
    HaChassisGroup(Arc<HaChassisGroup>),
    HaChassis(Arc<HaChassis>),
    Chassis(Arc<Chassis>),
    KeyPin(KeyPin),
}

macro_rules! input_from {
    ($($t:ident => $v:ident),*) => {
        $(impl From<$t> for Input {
            fn from(row: $t) -> Input {
                Input::$v(Arc::new(row))
            }
        })*
    };
}

input_from!(
    NbGlobal => NbGlobal,
    LogicalSwitch => Ls,
    LogicalSwitchPort => Lsp,
    LogicalRouter => Lr,
    LogicalRouterPort => Lrp,
    StaticRoute => Route,
    GatewayChassis => GatewayChassis,
    HaChassisGroup => HaChassisGroup,
    HaChassis => HaChassis,
    Chassis => Chassis
);

impl From<KeyPin> for Input {
    fn from(p: KeyPin) -> Input {
        Input::KeyPin(p)
    }
}
