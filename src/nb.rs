//! NB and SB database rows to rule inputs.

use adapters::{Database, Datum, Row, Uuid as DbUuid};
use rules::input::*;
use rules::intern::Istr;

pub(crate) fn uuid(u: DbUuid) -> Uuid {
    Uuid(u.0)
}

/// One row of a replica, read column by column as rule inputs want them.
pub(crate) struct R<'a> {
    pub db: &'a Database,
    pub table: &'a str,
    pub row: &'a Row,
}

impl R<'_> {
    pub(crate) fn get(&self, c: &str) -> Datum {
        self.db.get(self.table, self.row, c)
    }
    pub(crate) fn str(&self, c: &str) -> Istr {
        self.get(c).as_str().unwrap_or("").into()
    }
    pub(crate) fn opt_str(&self, c: &str) -> Option<Istr> {
        self.get(c).as_str().map(Istr::from)
    }
    pub(crate) fn strs(&self, c: &str) -> Vec<Istr> {
        self.get(c).strings().into_iter().map(Istr::from).collect()
    }
    pub(crate) fn smap(&self, c: &str) -> Smap {
        self.get(c)
            .string_pairs()
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect()
    }
    pub(crate) fn uuids(&self, c: &str) -> Vec<Uuid> {
        self.get(c).uuids().into_iter().map(uuid).collect()
    }
    pub(crate) fn opt_uuid(&self, c: &str) -> Option<Uuid> {
        self.get(c).as_uuid().map(uuid)
    }
    pub(crate) fn opt_bool(&self, c: &str) -> Option<bool> {
        self.get(c).as_bool()
    }
    pub(crate) fn int(&self, c: &str) -> i64 {
        self.get(c).as_int().unwrap_or(0)
    }
}

/// The NB tables the rules read.
pub const NB_TABLES: &[&str] = &[
    "NB_Global",
    "Logical_Switch",
    "Logical_Switch_Port",
    "Logical_Router",
    "Logical_Router_Port",
    "Logical_Router_Static_Route",
    "Gateway_Chassis",
    "HA_Chassis_Group",
    "HA_Chassis",
];

/// Every NB row the rules read, as inputs. A missing NB_Global counts as an empty one.
pub fn nb_inputs(db: &Database) -> Vec<Input> {
    let mut out = Vec::new();
    if db.table("NB_Global").is_empty() {
        out.push(Input::from(NbGlobal::default()));
    }
    for t in NB_TABLES {
        for (u, row) in db.table(t) {
            out.extend(nb_row_inputs(db, t, *u, row));
        }
    }
    out
}

/// Whether the rules read `Logical_Switch_Port.up`: only when NB_Global
/// options:ignore_lsp_down is false. When this changes, every port's input changes.
pub fn rules_read_lsp_up(db: &Database) -> bool {
    db.table("NB_Global").values().next().is_some_and(|g| {
        let options = R {
            db,
            table: "NB_Global",
            row: g,
        }
        .smap("options");
        !rules::input::smap_bool(&options, "ignore_lsp_down", true)
    })
}

/// The inputs one NB row stands for (none for tables the rules do not read).
pub fn nb_row_inputs(db: &Database, table: &str, u: DbUuid, row: &Row) -> Option<Input> {
    let r = R { db, table, row };
    let u = uuid(u);
    Some(match table {
        "NB_Global" => Input::from(NbGlobal {
            options: r.smap("options"),
        }),
        "Logical_Switch" => Input::from(LogicalSwitch {
            uuid: u,
            name: r.str("name"),
            ports: r.uuids("ports"),
            other_config: r.smap("other_config"),
            external_ids: r.smap("external_ids"),
        }),
        "Logical_Switch_Port" => Input::from(LogicalSwitchPort {
            uuid: u,
            name: r.str("name"),
            kind: r.str("type"),
            addresses: r.strs("addresses"),
            dynamic_addresses: r.opt_str("dynamic_addresses"),
            port_security: r.strs("port_security"),
            enabled: r.opt_bool("enabled"),
            // Rules read `up` only with ignore_lsp_down=false (ls_in_arp_rsp): otherwise
            // it is left out, so that the daemon's own `up` write-backs (every port at a
            // cold start) change no input.
            up: if rules_read_lsp_up(db) {
                r.opt_bool("up")
            } else {
                None
            },
            options: r.smap("options"),
            external_ids: r.smap("external_ids"),
            parent_name: r.opt_str("parent_name"),
            tag: r.get("tag").as_int(),
            ha_chassis_group: r.opt_uuid("ha_chassis_group"),
        }),
        "Logical_Router" => Input::from(LogicalRouter {
            uuid: u,
            name: r.str("name"),
            ports: r.uuids("ports"),
            static_routes: r.uuids("static_routes"),
            enabled: r.opt_bool("enabled"),
            options: r.smap("options"),
            external_ids: r.smap("external_ids"),
        }),
        "Logical_Router_Port" => Input::from(LogicalRouterPort {
            uuid: u,
            name: r.str("name"),
            mac: r.str("mac"),
            networks: r.strs("networks"),
            enabled: r.opt_bool("enabled"),
            peer: r.opt_str("peer"),
            gateway_chassis: r.uuids("gateway_chassis"),
            ha_chassis_group: r.opt_uuid("ha_chassis_group"),
            options: r.smap("options"),
            external_ids: r.smap("external_ids"),
        }),
        "Logical_Router_Static_Route" => Input::from(StaticRoute {
            uuid: u,
            ip_prefix: r.str("ip_prefix"),
            nexthop: r.str("nexthop"),
            output_port: r.opt_str("output_port"),
            policy: r.opt_str("policy"),
            route_table: r.str("route_table"),
            options: r.smap("options"),
            external_ids: r.smap("external_ids"),
        }),
        "Gateway_Chassis" => Input::from(GatewayChassis {
            uuid: u,
            name: r.str("name"),
            chassis_name: r.str("chassis_name"),
            priority: r.int("priority"),
            external_ids: r.smap("external_ids"),
        }),
        "HA_Chassis_Group" => Input::from(HaChassisGroup {
            uuid: u,
            name: r.str("name"),
            ha_chassis: r.uuids("ha_chassis"),
            external_ids: r.smap("external_ids"),
        }),
        "HA_Chassis" => Input::from(HaChassis {
            uuid: u,
            chassis_name: r.str("chassis_name"),
            priority: r.int("priority"),
            external_ids: r.smap("external_ids"),
        }),
        _ => return None,
    })
}

/// The input for an SB Chassis row (its encapsulation types read through `encaps`).
pub fn chassis_input(db: &Database, u: DbUuid, row: &Row) -> Input {
    let r = R {
        db,
        table: "Chassis",
        row,
    };
    let encap_types = r
        .get("encaps")
        .uuids()
        .into_iter()
        .filter_map(|e| db.table("Encap").get(&e))
        .filter_map(|e| db.get("Encap", e, "type").as_str().map(Istr::from))
        .collect();
    Input::from(Chassis {
        uuid: uuid(u),
        name: r.str("name"),
        hostname: r.str("hostname"),
        other_config: r.smap("other_config"),
        encap_types,
    })
}

/// The SB rows northd reads: chassis, and the tunnel keys already held.
pub fn sb_inputs(db: &Database) -> Vec<Input> {
    let mut out = Vec::new();
    let rows = |t: &'static str| {
        db.table(t)
            .iter()
            .map(move |(u, row)| (*u, R { db, table: t, row }))
    };
    for (u, row) in db.table("Chassis") {
        out.push(chassis_input(db, *u, row));
    }
    // Datapath_Binding UUID -> NB UUID.
    let mut dp_nb = std::collections::BTreeMap::new();
    for (u, r) in rows("Datapath_Binding") {
        let ids = r.smap("external_ids");
        let nb = smap_get(&ids, "logical-switch")
            .or_else(|| smap_get(&ids, "logical-router"))
            .and_then(|s| DbUuid::parse(s));
        if let Some(nb) = nb {
            dp_nb.insert(u, uuid(nb));
            out.push(Input::KeyPin(KeyPin {
                domain: None,
                member: KeyMember::Datapath(uuid(nb)),
                key: r.int("tunnel_key") as u32,
            }));
        }
    }
    for (_, r) in rows("Port_Binding") {
        let Some(dp) = r.get("datapath").as_uuid().and_then(|d| dp_nb.get(&d)) else {
            continue;
        };
        out.push(Input::KeyPin(KeyPin {
            domain: Some(*dp),
            member: KeyMember::Port(r.str("logical_port")),
            key: r.int("tunnel_key") as u32,
        }));
    }
    out
}
