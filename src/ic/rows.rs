//! Rows of the four databases ovn-ic reads, to `ic` rule inputs.
//!
//! What the rules never look at is left out here (switches without `interconn-ts`,
//! bindings of VIFs: the monitor conditions already keep most of it away). A chassis
//! and an IC-SB gateway carry their encapsulation rows, so a change to one of those
//! re-derives its parent.

use adapters::{Database, Row, Uuid as DbUuid};
use ic::input::*;
use serde_json::{Value, json};

use crate::nb::{R, uuid};

/// The NB tables ovn-ic reads.
pub const NB_TABLES: &[&str] = &[
    "NB_Global",
    "Logical_Switch",
    "Logical_Switch_Port",
    "Logical_Router",
    "Logical_Router_Port",
    "Logical_Router_Static_Route",
];

/// The SB tables ovn-ic reads.
pub const SB_TABLES: &[&str] = &["Chassis", "Encap", "Datapath_Binding", "Port_Binding"];

/// The IC-NB tables ovn-ic reads.
pub const IC_NB_TABLES: &[&str] = &["Transit_Switch"];

/// The IC-SB tables ovn-ic reads.
pub const IC_SB_TABLES: &[&str] = &[
    "Availability_Zone",
    "Datapath_Binding",
    "Gateway",
    "Encap",
    "Port_Binding",
    "Route",
];

/// Switch ports ovn-ic looks at: router ports (ours) and remote ports (other zones').
pub const LSP_TYPES: &[&str] = &["router", "remote"];

/// SB bindings ovn-ic looks at: a router-type switch port is `patch` (or `l3gateway`),
/// so is its peer; `chassisredirect` for `cr-` ports; `remote` for imported ports.
pub const PB_TYPES: &[&str] = &["patch", "l3gateway", "chassisredirect", "remote"];

/// A monitor condition (any clause) selecting rows whose `type` is one of `types`.
pub fn type_condition(types: &[&str]) -> Value {
    Value::Array(types.iter().map(|t| json!(["type", "==", t])).collect())
}

fn r<'a>(db: &'a Database, table: &'a str, row: &'a Row) -> R<'a> {
    R { db, table, row }
}

/// The input an NB row stands for, if any.
pub fn nb_input(db: &Database, table: &str, u: DbUuid, row: &Row) -> Option<Input> {
    let r = r(db, table, row);
    let u = uuid(u);
    Some(match table {
        "NB_Global" => Input::from(NbGlobal {
            uuid: u,
            name: r.str("name"),
            options: r.smap("options"),
        }),
        "Logical_Switch" => {
            let oc = r.smap("other_config");
            let ts = smap_get(&oc, "interconn-ts")?.clone();
            Input::from(Ls {
                uuid: u,
                name: r.str("name"),
                interconn_ts: ts,
                requested_key: smap_get(&oc, "requested-tnl-key").cloned(),
                ports: r.uuids("ports"),
            })
        }
        "Logical_Switch_Port" => {
            let kind = r.str("type");
            if !LSP_TYPES.contains(&kind.as_str()) {
                return None;
            }
            let options = r.smap("options");
            Input::from(Lsp {
                uuid: u,
                name: r.str("name"),
                kind,
                addresses: r.strs("addresses"),
                router_port: smap_get(&options, "router-port").cloned(),
                requested_key: smap_get(&options, "requested-tnl-key").cloned(),
            })
        }
        "Logical_Router" => Input::from(Lr {
            uuid: u,
            name: r.str("name"),
            ports: r.uuids("ports"),
            static_routes: r.uuids("static_routes"),
        }),
        "Logical_Router_Port" => {
            let options = r.smap("options");
            Input::from(Lrp {
                uuid: u,
                name: r.str("name"),
                networks: r.strs("networks"),
                route_table: smap_get(&options, "route_table")
                    .cloned()
                    .unwrap_or_default(),
            })
        }
        "Logical_Router_Static_Route" => {
            let ids = r.smap("external_ids");
            let options = r.smap("options");
            Input::from(StaticRoute {
                uuid: u,
                ip_prefix: r.str("ip_prefix"),
                nexthop: r.str("nexthop"),
                route_table: r.str("route_table"),
                policy: r.opt_str("policy"),
                learned: smap_get(&ids, "ic-learned-route").cloned(),
                origin: smap_get(&options, "origin").cloned(),
            })
        }
        _ => return None,
    })
}

/// The encapsulations `encaps` refers to in `table` (sorted).
fn encaps(db: &Database, table: &str, refs: Vec<Uuid>) -> Vec<Encap> {
    let mut v: Vec<Encap> = refs
        .into_iter()
        .filter_map(|e| db.table(table).get(&DbUuid(e.0)))
        .map(|e| {
            let r = r(db, table, e);
            Encap {
                kind: r.str("type"),
                ip: r.str("ip"),
                options: r.smap("options"),
            }
        })
        .collect();
    v.sort();
    v
}

/// The input for an SB `Chassis` row (with its encapsulations).
pub fn chassis_input(db: &Database, u: DbUuid, row: &Row) -> Input {
    let r = r(db, "Chassis", row);
    let oc = r.smap("other_config");
    let flag = |k: &str| smap_get(&oc, k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Input::from(Chassis {
        uuid: uuid(u),
        name: r.str("name"),
        hostname: r.str("hostname"),
        interconn: flag("is-interconn"),
        remote: flag("is-remote"),
        encaps: encaps(db, "Encap", r.uuids("encaps")),
    })
}

/// The input an SB row other than a chassis stands for, if any.
pub fn sb_input(db: &Database, table: &str, u: DbUuid, row: &Row) -> Option<Input> {
    let r = r(db, table, row);
    let u = uuid(u);
    Some(match table {
        "Port_Binding" => {
            if !PB_TYPES.contains(&r.str("type").as_str()) {
                return None;
            }
            let options = r.smap("options");
            Input::from(Pb {
                uuid: u,
                logical_port: r.str("logical_port"),
                datapath: r.opt_uuid("datapath").unwrap_or_default(),
                mac: r.strs("mac").into_iter().next(),
                peer: smap_get(&options, "peer").cloned(),
                chassis: r.opt_uuid("chassis"),
            })
        }
        "Datapath_Binding" => {
            let ids = r.smap("external_ids");
            let lr = smap_get(&ids, "logical-router").and_then(|s| parse_uuid(s))?;
            Input::from(Dp {
                uuid: u,
                logical_router: lr,
            })
        }
        _ => return None,
    })
}

/// The input an IC-NB row stands for, if any.
pub fn icnb_input(db: &Database, table: &str, u: DbUuid, row: &Row) -> Option<Input> {
    let r = r(db, table, row);
    (table == "Transit_Switch").then(|| {
        Input::from(Ts {
            uuid: uuid(u),
            name: r.str("name"),
        })
    })
}

/// The input for an IC-SB `Gateway` row (with its encapsulations).
pub fn gateway_input(db: &Database, u: DbUuid, row: &Row) -> Input {
    let r = r(db, "Gateway", row);
    Input::from(Gw {
        uuid: uuid(u),
        name: r.str("name"),
        az: r.opt_uuid("availability_zone").unwrap_or_default(),
        hostname: r.str("hostname"),
        encaps: encaps(db, "Encap", r.uuids("encaps")),
    })
}

/// The input an IC-SB row other than a gateway stands for, if any.
pub fn icsb_input(db: &Database, table: &str, u: DbUuid, row: &Row) -> Option<Input> {
    let r = r(db, table, row);
    let u = uuid(u);
    let key = |c: &str| u32::try_from(r.int(c)).unwrap_or(0);
    Some(match table {
        "Availability_Zone" => Input::from(Az {
            uuid: u,
            name: r.str("name"),
        }),
        "Datapath_Binding" => Input::from(IcDp {
            uuid: u,
            ts: r.str("transit_switch"),
            key: key("tunnel_key"),
        }),
        "Port_Binding" => {
            let ids = r.smap("external_ids");
            Input::from(IcPb {
                uuid: u,
                ts: r.str("transit_switch"),
                logical_port: r.str("logical_port"),
                az: r.opt_uuid("availability_zone").unwrap_or_default(),
                key: key("tunnel_key"),
                gateway: r.str("gateway"),
                address: r.str("address"),
                router_id: smap_get(&ids, "router-id").cloned(),
            })
        }
        "Route" => {
            let ids = r.smap("external_ids");
            Input::from(IcRoute {
                uuid: u,
                ts: r.str("transit_switch"),
                az: r.opt_uuid("availability_zone").unwrap_or_default(),
                route_table: r.str("route_table"),
                ip_prefix: r.str("ip_prefix"),
                nexthop: r.str("nexthop"),
                origin: r.str("origin"),
                nb_id: smap_get(&ids, "nb-id").cloned(),
            })
        }
        _ => return None,
    })
}
