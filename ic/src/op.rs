//! The output relation: the writes that would make the four databases what ovn-ic
//! wants them to be.
//!
//! The rules compare what each database should hold with what it holds (both are
//! inputs), so the output is exactly the set of pending writes: empty once everything
//! is in place. The adapter sends whatever is pending; the echo of its own transaction
//! retracts what it wrote. A write refers to existing rows by their UUIDs and to the
//! zone's own `Availability_Zone` row by its UUID.

use serde::{Deserialize, Serialize};

use crate::input::{Encap, Istr, Uuid};

/// Which database a write goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Db {
    Nb,
    Sb,
    IcSb,
}

/// One pending write (or a warning about a row that cannot be written).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Op {
    // --- IC-SB.
    /// Register the zone: insert `Availability_Zone{name}`.
    AddAz {
        name: Istr,
    },
    /// Bind a transit switch to a tunnel key: insert `Datapath_Binding`, on condition
    /// that no binding for that switch exists (a zone that lost the race retries).
    AddTsKey {
        ts: Istr,
        key: u32,
    },
    /// A binding whose transit switch is gone. The adapter deletes it only once the
    /// IC-NB confirms the switch is gone (our copy of IC-NB may lag behind the zone
    /// that created the binding).
    DelTsKey {
        row: Uuid,
        ts: Istr,
    },
    /// Export a gateway of this zone.
    AddGateway {
        az: Uuid,
        name: Istr,
        hostname: Istr,
        encaps: Vec<Encap>,
    },
    /// Refresh an exported gateway (new encapsulation rows replace the old ones).
    SetGateway {
        row: Uuid,
        name: Istr,
        hostname: Istr,
        encaps: Vec<Encap>,
    },
    DelGateway {
        row: Uuid,
    },
    /// Export a transit switch port of this zone.
    AddPort {
        az: Uuid,
        ts: Istr,
        port: Istr,
        key: u32,
        address: Istr,
        gateway: Istr,
        router_id: Option<Uuid>,
    },
    /// Refresh an exported port (`router_id: None` leaves `external_ids` alone).
    SetPort {
        row: Uuid,
        address: Istr,
        gateway: Istr,
        router_id: Option<Uuid>,
    },
    DelPort {
        row: Uuid,
    },
    /// Advertise a route.
    AddRoute {
        az: Uuid,
        ts: Istr,
        route_table: Istr,
        ip_prefix: Istr,
        nexthop: Istr,
        origin: Istr,
        nb_id: Uuid,
    },
    /// `external_ids:nb-id` of an advertised route.
    SetRouteNbId {
        row: Uuid,
        nb_id: Uuid,
    },
    DelRoute {
        row: Uuid,
    },

    // --- NB.
    /// The zone's copy of a transit switch.
    AddTsSwitch {
        ts: Istr,
        key: Option<u32>,
    },
    /// `other_config:requested-tnl-key` of a transit switch's copy.
    SetTsSwitchKey {
        row: Uuid,
        key: u32,
    },
    DelTsSwitch {
        row: Uuid,
    },
    /// `options:requested-tnl-key` of a transit switch port (local or remote).
    SetLspKey {
        row: Uuid,
        key: u32,
    },
    /// Import another zone's port.
    AddRemoteLsp {
        ls: Uuid,
        name: Istr,
        address: Istr,
        key: u32,
    },
    SetRemoteLspAddress {
        row: Uuid,
        address: Istr,
    },
    DelRemoteLsp {
        ls: Uuid,
        row: Uuid,
    },
    /// Learn a route another zone advertises.
    AddLearnedRoute {
        lr: Uuid,
        ip_prefix: Istr,
        nexthop: Istr,
        route_table: Istr,
        origin: Istr,
        ic_route: Uuid,
    },
    /// `external_ids:ic-learned-route` of a learned route.
    SetLearnedRouteId {
        row: Uuid,
        ic_route: Uuid,
    },
    DelLearnedRoute {
        lr: Uuid,
        row: Uuid,
    },

    // --- SB.
    /// Import another zone's gateway as a remote chassis.
    AddRemoteChassis {
        name: Istr,
        hostname: Istr,
        encaps: Vec<Encap>,
    },
    SetRemoteChassis {
        row: Uuid,
        name: Istr,
        hostname: Istr,
        encaps: Vec<Encap>,
    },
    DelRemoteChassis {
        row: Uuid,
    },
    /// Bind a remote port's SB binding to its zone's gateway chassis (or unbind it).
    SetPbChassis {
        row: Uuid,
        chassis: Option<Uuid>,
    },

    /// A row that cannot be written as asked, logged while it lasts.
    Warn {
        text: Istr,
    },
}

impl Op {
    /// The database the write goes to (`None` for a warning).
    pub fn db(&self) -> Option<Db> {
        use Op::*;
        Some(match self {
            AddAz { .. }
            | AddTsKey { .. }
            | DelTsKey { .. }
            | AddGateway { .. }
            | SetGateway { .. }
            | DelGateway { .. }
            | AddPort { .. }
            | SetPort { .. }
            | DelPort { .. }
            | AddRoute { .. }
            | SetRouteNbId { .. }
            | DelRoute { .. } => Db::IcSb,
            AddTsSwitch { .. }
            | SetTsSwitchKey { .. }
            | DelTsSwitch { .. }
            | SetLspKey { .. }
            | AddRemoteLsp { .. }
            | SetRemoteLspAddress { .. }
            | DelRemoteLsp { .. }
            | AddLearnedRoute { .. }
            | SetLearnedRouteId { .. }
            | DelLearnedRoute { .. } => Db::Nb,
            AddRemoteChassis { .. }
            | SetRemoteChassis { .. }
            | DelRemoteChassis { .. }
            | SetPbChassis { .. } => Db::Sb,
            Warn { .. } => return None,
        })
    }

    /// Deletions go first in a transaction, then updates, then insertions, so that a row
    /// replaced under the same unique key does not collide with itself.
    pub fn phase(&self) -> u8 {
        use Op::*;
        match self {
            DelTsKey { .. } | DelGateway { .. } | DelPort { .. } | DelRoute { .. } => 0,
            DelTsSwitch { .. } | DelRemoteLsp { .. } | DelLearnedRoute { .. } => 0,
            DelRemoteChassis { .. } => 0,
            SetGateway { .. } | SetPort { .. } | SetRouteNbId { .. } => 1,
            SetTsSwitchKey { .. } | SetLspKey { .. } | SetRemoteLspAddress { .. } => 1,
            SetLearnedRouteId { .. } | SetRemoteChassis { .. } | SetPbChassis { .. } => 1,
            _ => 2,
        }
    }
}
