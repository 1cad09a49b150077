//! What to write: the Southbound operations that turn the SB as it is into the SB the
//! rules want, and the Northbound write-backs (`sb_cfg`, `hv_cfg`, timestamps,
//! `NB_Global` options, `Logical_Switch_Port.up`).

use std::collections::{BTreeMap, HashMap};

use adapters::client::ops;
use adapters::{Database, Datum, Row, Uuid};
use serde_json::{Value, json};

/// Columns of northd's tables that other daemons write: never compared, never
/// overwritten (`up` is written only when northd creates the row, as the C daemon does).
fn foreign(table: &str, column: &str) -> bool {
    match table {
        "Port_Binding" => matches!(
            column,
            "chassis"
                | "additional_chassis"
                | "encap"
                | "additional_encap"
                | "up"
                | "virtual_parent"
                | "gateway_chassis"
        ),
        "HA_Chassis_Group" => column == "ref_chassis",
        "IP_Multicast" => column == "seq_no",
        "Datapath_Binding" => column == "load_balancers",
        _ => false,
    }
}

fn same(db: &Database, table: &str, column: &str, a: Option<&Datum>, b: Option<&Datum>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        (Some(d), None) | (None, Some(d)) => db
            .schema
            .column(table, column)
            .is_some_and(|t| *d == Datum::default_of(t)),
    }
}

/// The operation turning row `u` of `table` from `have` into `want` (insert with that
/// UUID, update of the differing columns, delete), if any. `db` gives the schema.
pub fn row_op(
    db: &Database,
    table: &str,
    u: Uuid,
    want: Option<&Row>,
    have: Option<&Row>,
) -> Option<Value> {
    match (want, have) {
        (None, None) => None,
        (None, Some(_)) => Some(ops::delete(table, vec![by_uuid(u)])),
        (Some(row), None) => Some(ops::insert(
            table,
            db.schema.row_to_json(table, row),
            Some(u),
            None,
        )),
        (Some(row), Some(old)) => {
            let mut changed = Row::new();
            for c in row.keys().chain(old.keys()) {
                if foreign(table, c) || changed.contains_key(c) {
                    continue;
                }
                let new = row.get(c);
                if !same(db, table, c, new, old.get(c)) {
                    let d = new.cloned().unwrap_or_else(|| {
                        db.schema
                            .column(table, c)
                            .map(Datum::default_of)
                            .unwrap_or_default()
                    });
                    changed.insert(c.clone(), d);
                }
            }
            (!changed.is_empty()).then(|| ops::update(table, vec![by_uuid(u)], columns(&changed)))
        }
    }
}

/// Every column of `row`, defaults included (for updates).
fn columns(row: &Row) -> Value {
    Value::Object(row.iter().map(|(c, d)| (c.clone(), d.to_json())).collect())
}

fn by_uuid(u: Uuid) -> Value {
    ops::cond("_uuid", "==", ops::uuid(u))
}

/// Rows touched by a transaction, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    pub inserted: usize,
    pub updated: usize,
    pub deleted: usize,
}

/// What the NB write-backs depend on besides the two databases.
pub struct NbSync<'a> {
    /// The SB_Global options the rules computed (normalised `mac_prefix`, ...).
    pub sb_options: &'a BTreeMap<String, String>,
    /// The `nb_cfg` of the last SB transaction that committed, if any.
    pub cur_cfg: Option<i64>,
    /// Whether this round's SB transaction carried a new `nb_cfg`.
    pub nb_cfg_copied: bool,
    pub now_ms: i64,
}

/// The NB_Global operations of one round (the row created when missing): options,
/// `nb_cfg_timestamp`, `sb_cfg`, `hv_cfg`.
pub fn nb_ops(nb: &Database, sb: &Database, s: &NbSync) -> Vec<Value> {
    let mut out = Vec::new();
    let global = nb.table("NB_Global").iter().next();
    let get = |c: &str| global.map(|(_, r)| nb.get("NB_Global", r, c));
    let mut set = Row::new();

    // Options: the NB ones plus what northd normalises or picks.
    let nb_opts: BTreeMap<String, String> = get("options")
        .map(|d| d.string_pairs().into_iter().collect())
        .unwrap_or_default();
    let mut opts = nb_opts.clone();
    for k in ["mac_prefix", "max_tunid", "northd_internal_version"] {
        if let Some(v) = s.sb_options.get(k) {
            opts.insert(k.into(), v.clone());
        }
    }
    let svc_ok = nb_opts
        .get("svc_monitor_mac")
        .is_some_and(|m| rules::sb::sb_global::scan_hex_bytes(m, 6).is_some());
    if !svc_ok && let Some(v) = s.sb_options.get("svc_monitor_mac") {
        opts.insert("svc_monitor_mac".into(), v.clone());
    }
    if opts != nb_opts || global.is_none() {
        set.insert(
            "options".into(),
            Datum::string_map(opts.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
    }

    let nb_cfg = get("nb_cfg").and_then(|d| d.as_int()).unwrap_or(0);
    if s.nb_cfg_copied {
        set.insert("nb_cfg_timestamp".into(), Datum::int(s.now_ms));
    }
    if let Some(cfg) = s.cur_cfg.filter(|c| *c != 0)
        && get("sb_cfg").and_then(|d| d.as_int()).unwrap_or(0) != cfg
    {
        set.insert("sb_cfg".into(), Datum::int(cfg));
        set.insert("sb_cfg_timestamp".into(), Datum::int(s.now_ms));
    }

    // hv_cfg: the lowest nb_cfg the (non-remote) chassis have caught up with.
    let mut hv_cfg = nb_cfg;
    let mut hv_ts = 0;
    let chassis_by_uuid = sb.table("Chassis");
    for priv_row in sb.table("Chassis_Private").values() {
        let chassis = sb.get("Chassis_Private", priv_row, "chassis").as_uuid();
        if let Some(c) = chassis.and_then(|c| chassis_by_uuid.get(&c)) {
            let oc = sb.get("Chassis", c, "other_config").string_pairs();
            if oc.iter().any(|(k, v)| k == "is-remote" && v == "true") {
                continue;
            }
        }
        let cfg = sb
            .get("Chassis_Private", priv_row, "nb_cfg")
            .as_int()
            .unwrap_or(0);
        let ts = sb
            .get("Chassis_Private", priv_row, "nb_cfg_timestamp")
            .as_int()
            .unwrap_or(0);
        if cfg < hv_cfg || cfg - hv_cfg > i32::MAX as i64 {
            hv_cfg = cfg;
            hv_ts = ts;
        } else if cfg == hv_cfg && ts > hv_ts {
            hv_ts = ts;
        }
    }
    if get("hv_cfg").and_then(|d| d.as_int()).unwrap_or(0) != hv_cfg {
        set.insert("hv_cfg".into(), Datum::int(hv_cfg));
        set.insert("hv_cfg_timestamp".into(), Datum::int(hv_ts));
    }

    match global {
        None => out.push(ops::insert(
            "NB_Global",
            nb.schema.row_to_json("NB_Global", &set),
            None,
            None,
        )),
        Some((u, _)) if !set.is_empty() => {
            out.push(ops::update("NB_Global", vec![by_uuid(*u)], columns(&set)))
        }
        Some(_) => {}
    }

    out
}

/// Logical port names to their NB Logical_Switch_Port and SB Port_Binding rows, kept
/// from the deltas so that the `up` write-back looks at changed ports only.
#[derive(Default)]
pub struct PortIndex {
    lsps: HashMap<String, Uuid>,
    pbs: HashMap<String, Uuid>,
    /// Ports whose `up` may have to change.
    pub dirty: std::collections::HashSet<String>,
    /// Every port (after a resynchronisation or a chassis change).
    pub all: bool,
}

impl PortIndex {
    /// Takes in a row of `Logical_Switch_Port` (NB) or `Port_Binding` (SB) that changed.
    pub fn note(
        &mut self,
        db: &Database,
        table: &str,
        u: Uuid,
        old: Option<&Row>,
        new: Option<&Row>,
    ) {
        let (map, col) = match table {
            "Logical_Switch_Port" => (&mut self.lsps, "name"),
            "Port_Binding" => (&mut self.pbs, "logical_port"),
            _ => return,
        };
        if let Some(name) = old.and_then(|r| db.get(table, r, col).as_str().map(String::from)) {
            if map.get(&name) == Some(&u) {
                map.remove(&name);
            }
            self.dirty.insert(name);
        }
        if let Some(name) = new.and_then(|r| db.get(table, r, col).as_str().map(String::from)) {
            map.insert(name.clone(), u);
            self.dirty.insert(name);
        }
    }
}

/// `Logical_Switch_Port.up` from the port bindings, for the ports `index` marks.
/// The operations come as text: at a cold start they are one per port (50k), and as a
/// tree of values they held 50 MB.
pub fn lsp_up_ops(nb: &Database, sb: &Database, index: &mut PortIndex) -> ops::OpsText {
    let mut out = ops::OpsText::default();
    let names: Vec<String> = if std::mem::take(&mut index.all) {
        index.dirty.clear();
        index.pbs.keys().cloned().collect()
    } else {
        index.dirty.drain().collect()
    };
    let chassis_by_uuid = sb.table("Chassis");
    for name in names {
        let (Some(pu), Some(lu)) = (index.pbs.get(&name), index.lsps.get(&name)) else {
            continue;
        };
        let (Some(pb), Some(lsp)) = (
            sb.table("Port_Binding").get(pu),
            nb.table("Logical_Switch_Port").get(lu),
        ) else {
            continue;
        };
        let up = if nb.get("Logical_Switch_Port", lsp, "type").as_str() == Some("router") {
            true
        } else if let Some(c) = sb
            .get("Port_Binding", pb, "chassis")
            .as_uuid()
            .and_then(|c| chassis_by_uuid.get(&c))
        {
            let notif = sb
                .get("Chassis", c, "other_config")
                .string_pairs()
                .iter()
                .any(|(k, v)| k == "port-up-notif" && v == "true");
            !notif || sb.get("Port_Binding", pb, "up").as_bool() == Some(true)
        } else {
            false
        };
        if nb.get("Logical_Switch_Port", lsp, "up").as_bool() != Some(up) {
            out.push(&ops::update(
                "Logical_Switch_Port",
                vec![by_uuid(*lu)],
                json!({ "up": up }),
            ));
        }
    }
    out
}

/// `nb_cfg` and `ipsec` of the (first) row of `table`: `NB_Global` or `SB_Global`.
pub fn cfg_ipsec(db: &Database, table: &str) -> (i64, bool) {
    db.table(table)
        .values()
        .next()
        .map(|r| {
            (
                db.get(table, r, "nb_cfg").as_int().unwrap_or(0),
                db.get(table, r, "ipsec").as_bool().unwrap_or(false),
            )
        })
        .unwrap_or((0, false))
}
