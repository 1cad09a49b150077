//! Pending writes (`ic::Op`) as OVSDB operations, and the zone renames and
//! unregistrations only the running daemon can see.
//!
//! Map columns other processes also write (`options`, `other_config`, `external_ids`)
//! change by `mutate`, key by key, as ovn-ic's IDL does; set columns of parent rows
//! (a switch's ports, a router's routes) too. New child rows (encapsulations, ports,
//! routes) are inserted with a name their parent's column refers to.

use adapters::Uuid as DbUuid;
use adapters::client::ops::{cond, delete, insert, mutate, named_uuid, update, wait};
use ic::input::{Encap, Uuid};
use ic::op::Op;
use serde_json::{Value, json};

fn db_uuid(u: Uuid) -> Value {
    adapters::client::ops::uuid(DbUuid(u.0))
}

fn by_uuid(u: Uuid) -> Vec<Value> {
    vec![cond("_uuid", "==", db_uuid(u))]
}

fn map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let v: Vec<Value> = pairs.into_iter().map(|(k, v)| json!([k, v])).collect();
    json!(["map", v])
}

fn set(items: Vec<Value>) -> Value {
    json!(["set", items])
}

/// Mutations replacing key `k` of map column `col` by `v`.
fn set_key(col: &str, k: &str, v: &str) -> Vec<Value> {
    vec![
        json!([col, "delete", set(vec![json!(k)])]),
        json!([col, "insert", map([(k, v)])]),
    ]
}

/// Names for rows inserted within one transaction.
#[derive(Default)]
pub struct Names(usize);

impl Names {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("row{}", self.0)
    }
}

/// Inserts of `encaps` into `table` (with `owner_col` naming their owner), and the set
/// of the names they get.
fn encap_rows(
    table: &str,
    owner_col: &str,
    owner: &str,
    encaps: &[Encap],
    names: &mut Names,
    out: &mut Vec<Value>,
) -> Value {
    let mut refs = Vec::new();
    for e in encaps {
        let n = names.next();
        let options = map(e.options.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        out.push(insert(
            table,
            json!({"type": e.kind.as_str(), "ip": e.ip.as_str(), "options": options, owner_col: owner}),
            None,
            Some(&n),
        ));
        refs.push(named_uuid(&n));
    }
    set(refs)
}

/// The operations that carry out `op` (none for a warning).
pub fn operations(op: &Op, names: &mut Names) -> Vec<Value> {
    let mut out = Vec::new();
    match op {
        // --- IC-SB.
        Op::AddAz { name } => out.push(insert(
            "Availability_Zone",
            json!({"name": name.as_str()}),
            None,
            None,
        )),
        Op::AddTsKey { ts, key } => {
            // Only if no zone has bound the switch meanwhile (then this transaction
            // fails, and the rules see the other zone's binding).
            out.push(wait(
                "Datapath_Binding",
                vec![cond("transit_switch", "==", json!(ts.as_str()))],
                &["transit_switch"],
                true,
                Vec::new(),
                Some(0),
            ));
            out.push(insert(
                "Datapath_Binding",
                json!({"transit_switch": ts.as_str(), "tunnel_key": key}),
                None,
                None,
            ));
        }
        Op::DelTsKey { row, .. } => out.push(delete("Datapath_Binding", by_uuid(*row))),
        Op::AddGateway {
            az,
            name,
            hostname,
            encaps,
        } => {
            let refs = encap_rows("Encap", "gateway_name", name, encaps, names, &mut out);
            out.push(insert(
                "Gateway",
                json!({"name": name.as_str(), "availability_zone": db_uuid(*az),
                       "hostname": hostname.as_str(), "encaps": refs}),
                None,
                None,
            ));
        }
        Op::SetGateway {
            row,
            name,
            hostname,
            encaps,
        } => {
            let refs = encap_rows("Encap", "gateway_name", name, encaps, names, &mut out);
            out.push(update(
                "Gateway",
                by_uuid(*row),
                json!({"hostname": hostname.as_str(), "encaps": refs}),
            ));
        }
        Op::DelGateway { row } => out.push(delete("Gateway", by_uuid(*row))),
        Op::AddPort {
            az,
            ts,
            port,
            key,
            address,
            gateway,
            router_id,
        } => {
            let id = router_id.map(|u| u.to_string());
            out.push(insert(
                "Port_Binding",
                json!({"availability_zone": db_uuid(*az), "transit_switch": ts.as_str(),
                       "logical_port": port.as_str(), "tunnel_key": key,
                       "address": address.as_str(), "gateway": gateway.as_str(),
                       "external_ids": map(id.iter().map(|i| ("router-id", i.as_str())))}),
                None,
                None,
            ));
        }
        Op::SetPort {
            row,
            address,
            gateway,
            router_id,
        } => {
            out.push(update(
                "Port_Binding",
                by_uuid(*row),
                json!({"address": address.as_str(), "gateway": gateway.as_str()}),
            ));
            if let Some(id) = router_id {
                out.push(mutate(
                    "Port_Binding",
                    by_uuid(*row),
                    set_key("external_ids", "router-id", &id.to_string()),
                ));
            }
        }
        Op::DelPort { row } => out.push(delete("Port_Binding", by_uuid(*row))),
        Op::AddRoute {
            az,
            ts,
            route_table,
            ip_prefix,
            nexthop,
            origin,
            nb_id,
        } => out.push(insert(
            "Route",
            json!({"transit_switch": ts.as_str(), "availability_zone": db_uuid(*az),
                   "route_table": route_table.as_str(), "ip_prefix": ip_prefix.as_str(),
                   "nexthop": nexthop.as_str(), "origin": origin.as_str(),
                   "external_ids": map([("nb-id", nb_id.to_string().as_str())])}),
            None,
            None,
        )),
        Op::SetRouteNbId { row, nb_id } => out.push(mutate(
            "Route",
            by_uuid(*row),
            set_key("external_ids", "nb-id", &nb_id.to_string()),
        )),
        Op::DelRoute { row } => out.push(delete("Route", by_uuid(*row))),

        // --- NB.
        Op::AddTsSwitch { ts, key } => {
            let key = key.map(|k| k.to_string());
            let mut oc = vec![("interconn-ts", ts.as_str())];
            if let Some(k) = &key {
                oc.push(("requested-tnl-key", k));
            }
            out.push(insert(
                "Logical_Switch",
                json!({"name": ts.as_str(), "other_config": map(oc)}),
                None,
                None,
            ));
        }
        Op::SetTsSwitchKey { row, key } => out.push(mutate(
            "Logical_Switch",
            by_uuid(*row),
            set_key("other_config", "requested-tnl-key", &key.to_string()),
        )),
        Op::DelTsSwitch { row } => out.push(delete("Logical_Switch", by_uuid(*row))),
        Op::SetLspKey { row, key } => out.push(mutate(
            "Logical_Switch_Port",
            by_uuid(*row),
            set_key("options", "requested-tnl-key", &key.to_string()),
        )),
        Op::AddRemoteLsp {
            ls,
            name,
            address,
            key,
        } => {
            let n = names.next();
            let addresses = if address.is_empty() {
                set(Vec::new())
            } else {
                set(vec![json!(address.as_str())])
            };
            let key = key.to_string();
            out.push(insert(
                "Logical_Switch_Port",
                json!({"name": name.as_str(), "type": "remote", "up": true,
                       "addresses": addresses,
                       "options": map([("requested-tnl-key", key.as_str())])}),
                None,
                Some(&n),
            ));
            out.push(mutate(
                "Logical_Switch",
                by_uuid(*ls),
                vec![json!(["ports", "insert", set(vec![named_uuid(&n)])])],
            ));
        }
        Op::SetRemoteLspAddress { row, address } => {
            let addresses = if address.is_empty() {
                set(Vec::new())
            } else {
                set(vec![json!(address.as_str())])
            };
            out.push(update(
                "Logical_Switch_Port",
                by_uuid(*row),
                json!({ "addresses": addresses }),
            ));
        }
        Op::DelRemoteLsp { ls, row } => out.push(mutate(
            "Logical_Switch",
            by_uuid(*ls),
            vec![json!(["ports", "delete", set(vec![db_uuid(*row)])])],
        )),
        Op::AddLearnedRoute {
            lr,
            ip_prefix,
            nexthop,
            route_table,
            origin,
            ic_route,
        } => {
            let n = names.next();
            out.push(insert(
                "Logical_Router_Static_Route",
                json!({"ip_prefix": ip_prefix.as_str(), "nexthop": nexthop.as_str(),
                       "route_table": route_table.as_str(),
                       "external_ids": map([("ic-learned-route", ic_route.to_string().as_str())]),
                       "options": map([("origin", origin.as_str())])}),
                None,
                Some(&n),
            ));
            out.push(mutate(
                "Logical_Router",
                by_uuid(*lr),
                vec![json!([
                    "static_routes",
                    "insert",
                    set(vec![named_uuid(&n)])
                ])],
            ));
        }
        Op::SetLearnedRouteId { row, ic_route } => out.push(mutate(
            "Logical_Router_Static_Route",
            by_uuid(*row),
            set_key("external_ids", "ic-learned-route", &ic_route.to_string()),
        )),
        Op::DelLearnedRoute { lr, row } => out.push(mutate(
            "Logical_Router",
            by_uuid(*lr),
            vec![json!(["static_routes", "delete", set(vec![db_uuid(*row)])])],
        )),

        // --- SB.
        Op::AddRemoteChassis {
            name,
            hostname,
            encaps,
        } => {
            let refs = encap_rows("Encap", "chassis_name", name, encaps, names, &mut out);
            out.push(insert(
                "Chassis",
                json!({"name": name.as_str(), "hostname": hostname.as_str(),
                       "other_config": map([("is-remote", "true")]), "encaps": refs}),
                None,
                None,
            ));
        }
        Op::SetRemoteChassis {
            row,
            name,
            hostname,
            encaps,
        } => {
            let refs = encap_rows("Encap", "chassis_name", name, encaps, names, &mut out);
            out.push(update(
                "Chassis",
                by_uuid(*row),
                json!({"hostname": hostname.as_str(), "encaps": refs}),
            ));
        }
        Op::DelRemoteChassis { row } => out.push(delete("Chassis", by_uuid(*row))),
        Op::SetPbChassis { row, chassis } => {
            let ch = set(chassis.iter().map(|c| db_uuid(*c)).collect());
            out.push(update(
                "Port_Binding",
                by_uuid(*row),
                json!({ "chassis": ch }),
            ));
        }
        Op::Warn { .. } => {}
    }
    out
}

/// Renames the zone's `Availability_Zone` row in place, so that everything the zone
/// exported stays its own.
pub fn rename_az(row: DbUuid, name: &str) -> Vec<Value> {
    vec![update(
        "Availability_Zone",
        vec![cond("_uuid", "==", adapters::client::ops::uuid(row))],
        json!({ "name": name }),
    )]
}

/// Withdraws the zone from IC-SB: its gateways, ports and routes, then its row.
pub fn unregister_az(row: DbUuid) -> Vec<Value> {
    let mine = || {
        vec![cond(
            "availability_zone",
            "==",
            adapters::client::ops::uuid(row),
        )]
    };
    vec![
        delete("Route", mine()),
        delete("Port_Binding", mine()),
        delete("Gateway", mine()),
        delete(
            "Availability_Zone",
            vec![cond("_uuid", "==", adapters::client::ops::uuid(row))],
        ),
    ]
}
