//! Rule outputs to Southbound rows, and `ovn-sbctl dump-flows` text.
//!
//! [`SbState`] accumulates the engine's output diffs as a multiset (two rules may emit
//! the same flow). [`SbState::to_database`] lays the current rows out as an
//! OVN_Southbound database: identical flows of several datapaths share one
//! `Logical_DP_Group`, and every row UUID derives from the row's identity so that a
//! recomputation yields the same UUIDs. The constant catalogues northd keeps in the SB
//! (DHCP_Options, DHCPv6_Options, RBAC_Role and RBAC_Permission) are written here too.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use adapters::{Atom, Database, Datum, Row, Schema, Uuid as DbUuid};
use rules::output::{
    AddressSetRow, DatapathRow, Dp, Flow, HaGroupRow, IpMulticastRow, McMember, Output, PortRow,
};
use rules::{Istr, Uuid};

/// The version string ovn-northd 23.03.1 writes into SB_Global and NB_Global options.
pub use rules::sb::sb_global::NORTHD_INTERNAL_VERSION;

/// Tables whose contents northd owns (everything else is copied from the input SB).
pub const OWNED: &[&str] = &[
    "SB_Global",
    "Datapath_Binding",
    "Port_Binding",
    "Logical_Flow",
    "Logical_DP_Group",
    "Multicast_Group",
    "HA_Chassis_Group",
    "HA_Chassis",
    "IP_Multicast",
    "Address_Set",
    "DHCP_Options",
    "DHCPv6_Options",
    "RBAC_Role",
    "RBAC_Permission",
];

/// The DHCPv4 options ovn-northd 23.03.1 keeps in DHCP_Options: (name, code, type).
pub const DHCP_OPTIONS: &[(&str, i64, &str)] = &[
    ("offerip", 0, "ipv4"),
    ("netmask", 1, "ipv4"),
    ("router", 3, "ipv4"),
    ("dns_server", 6, "ipv4"),
    ("log_server", 7, "ipv4"),
    ("lpr_server", 9, "ipv4"),
    ("hostname", 12, "str"),
    ("domain_name", 15, "str"),
    ("swap_server", 16, "ipv4"),
    ("ip_forward_enable", 19, "bool"),
    ("policy_filter", 21, "ipv4"),
    ("default_ttl", 23, "uint8"),
    ("mtu", 26, "uint16"),
    ("broadcast_address", 28, "ipv4"),
    ("router_discovery", 31, "bool"),
    ("router_solicitation", 32, "ipv4"),
    ("arp_cache_timeout", 35, "uint32"),
    ("ethernet_encap", 36, "bool"),
    ("tcp_ttl", 37, "uint8"),
    ("tcp_keepalive_interval", 38, "uint32"),
    ("nis_server", 41, "ipv4"),
    ("ntp_server", 42, "ipv4"),
    ("netbios_name_server", 44, "ipv4"),
    ("netbios_node_type", 46, "uint8"),
    ("lease_time", 51, "uint32"),
    ("server_id", 54, "ipv4"),
    ("T1", 58, "uint32"),
    ("T2", 59, "uint32"),
    ("tftp_server", 66, "host_id"),
    ("bootfile_name", 67, "str"),
    ("domain_search_list", 119, "domains"),
    ("classless_static_route", 121, "static_routes"),
    ("tftp_server_address", 150, "ipv4"),
    ("path_prefix", 210, "str"),
    ("ms_classless_static_route", 249, "static_routes"),
    ("wpad", 252, "str"),
    ("next_server", 253, "ipv4"),
    ("bootfile_name_alt", 254, "str"),
];

/// The DHCPv6 options, in DHCPv6_Options: (name, code, type).
pub const DHCPV6_OPTIONS: &[(&str, i64, &str)] = &[
    ("server_id", 2, "mac"),
    ("ia_addr", 5, "ipv6"),
    ("dns_server", 23, "ipv6"),
    ("domain_search", 24, "str"),
];

/// The permissions of RBAC role `ovn-controller`: (table, authorization,
/// insert_delete, update).
pub const RBAC_PERMISSIONS: &[(&str, &[&str], bool, &[&str])] = &[
    (
        "Chassis",
        &["name"],
        true,
        &[
            "nb_cfg",
            "external_ids",
            "encaps",
            "vtep_logical_switches",
            "other_config",
            "transport_zones",
        ],
    ),
    (
        "Chassis_Private",
        &["name"],
        true,
        &["nb_cfg", "nb_cfg_timestamp", "chassis", "external_ids"],
    ),
    (
        "Controller_Event",
        &[""],
        true,
        &["chassis", "event_info", "event_type", "seq_num"],
    ),
    ("Encap", &["chassis_name"], true, &["type", "options", "ip"]),
    ("FDB", &[""], true, &["dp_key", "mac", "port_key"]),
    (
        "Port_Binding",
        &[""],
        false,
        &[
            "chassis",
            "additional_chassis",
            "encap",
            "additional_encap",
            "up",
            "virtual_parent",
            "options",
        ],
    ),
    (
        "MAC_Binding",
        &[""],
        true,
        &["logical_port", "ip", "mac", "datapath", "timestamp"],
    ),
    ("Service_Monitor", &[""], false, &["status"]),
    (
        "IGMP_Group",
        &[""],
        true,
        &["address", "chassis", "datapath", "ports"],
    ),
    ("BFD", &[""], false, &["status"]),
];

#[derive(Default)]
pub struct SbState {
    rows: HashMap<Output, isize, rules::intern::FastHash>,
}

/// A stable 128-bit hash of some strings (FNV-1a, twice with different offsets).
pub fn content_uuid(parts: &[&str]) -> DbUuid {
    let mut a: u64 = 0xcbf29ce484222325;
    let mut b: u64 = 0x84222325cbf29ce4;
    for p in parts {
        for byte in p.bytes().chain(std::iter::once(0xff)) {
            a = (a ^ byte as u64).wrapping_mul(0x100000001b3);
            b = (b ^ byte as u64).wrapping_mul(0x1000000001b3);
        }
    }
    DbUuid::from_hash(((a as u128) << 64) | b as u128)
}

fn smap_datum(m: &[(Istr, Istr)]) -> Datum {
    Datum::string_map(m.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn str_set(v: &[Istr]) -> Datum {
    Datum::set(v.iter().map(|s| Atom::String(s.to_string())).collect())
}

fn opt_str(v: &Option<Istr>) -> Datum {
    Datum::set(v.iter().map(|s| Atom::String(s.to_string())).collect())
}

fn uuid_ref(u: DbUuid) -> Datum {
    Datum::scalar(Atom::Uuid(u))
}

/// DHCP_Options, DHCPv6_Options, RBAC_Permission and the `ovn-controller` RBAC_Role.
fn write_catalogues(db: &mut Database, ids: &RowIds) {
    for (table, opts) in [
        ("DHCP_Options", DHCP_OPTIONS),
        ("DHCPv6_Options", DHCPV6_OPTIONS),
    ] {
        let t = db.tables.entry(table.into()).or_default();
        for (name, code, kind) in opts {
            let mut r = Row::new();
            r.insert("name".into(), Datum::str(name));
            r.insert("code".into(), Datum::int(*code));
            r.insert("type".into(), Datum::str(kind));
            t.insert(ids.keyed(table, name), r);
        }
    }
    let strs = |v: &[&str]| Datum::set(v.iter().map(|s| Atom::String(s.to_string())).collect());
    let mut perms = Vec::new();
    let t = db.tables.entry("RBAC_Permission".into()).or_default();
    for (table, auth, insdel, update) in RBAC_PERMISSIONS {
        let u = ids.keyed("RBAC_Permission", table);
        let mut r = Row::new();
        r.insert("table".into(), Datum::str(table));
        r.insert("authorization".into(), strs(auth));
        r.insert(
            "insert_delete".into(),
            Datum::scalar(Atom::Boolean(*insdel)),
        );
        r.insert("update".into(), strs(update));
        t.insert(u, r);
        perms.push((Atom::String(table.to_string()), Atom::Uuid(u)));
    }
    let mut r = Row::new();
    r.insert("name".into(), Datum::str("ovn-controller"));
    r.insert("permissions".into(), Datum::map(perms));
    db.tables
        .entry("RBAC_Role".into())
        .or_default()
        .insert(ids.keyed("RBAC_Role", "ovn-controller"), r);
}

/// UUIDs of Datapath_Binding and Port_Binding rows: the ones the Southbound already has
/// for the same datapath / port (so references to them stay valid), else derived from the
/// row's identity.
#[derive(Default)]
struct RowIds {
    dps: HashMap<Uuid, DbUuid>,
    pbs: HashMap<String, DbUuid>,
    /// Rows northd reconciles by a key column: (table, key) -> UUID.
    keyed: HashMap<(&'static str, String), DbUuid>,
}

/// Tables whose rows keep their UUIDs by a key column (IP_Multicast: its datapath).
const KEYED: &[(&str, &str)] = &[
    ("HA_Chassis_Group", "name"),
    ("IP_Multicast", "datapath"),
    ("Address_Set", "name"),
    ("DHCP_Options", "name"),
    ("DHCPv6_Options", "name"),
    ("RBAC_Role", "name"),
    ("RBAC_Permission", "table"),
];

impl RowIds {
    fn from_base(base: Option<&Database>) -> RowIds {
        let mut ids = RowIds::default();
        let Some(db) = base else { return ids };
        for (u, r) in db.table("Datapath_Binding") {
            let ext = db.get("Datapath_Binding", r, "external_ids").string_pairs();
            let nb = ext
                .iter()
                .find(|(k, _)| k == "logical-switch" || k == "logical-router")
                .and_then(|(_, v)| DbUuid::parse(v));
            if let Some(nb) = nb {
                ids.dps.insert(Uuid(nb.0), *u);
            }
        }
        for (u, r) in db.table("Port_Binding") {
            if let Some(name) = db.get("Port_Binding", r, "logical_port").as_str() {
                ids.pbs.insert(name.to_string(), *u);
            }
        }
        for (table, col) in KEYED {
            for (u, r) in db.table(table) {
                let d = db.get(table, r, col);
                let key = match d.as_uuid() {
                    Some(dp) => dp.to_string(),
                    None => d.as_str().unwrap_or_default().to_string(),
                };
                ids.keyed.insert((table, key), *u);
            }
        }
        ids
    }
    /// The UUID of the `table` row with key `key`.
    fn keyed(&self, table: &'static str, key: &str) -> DbUuid {
        self.keyed
            .get(&(table, key.to_string()))
            .copied()
            .unwrap_or_else(|| content_uuid(&[table, key]))
    }
    fn dp(&self, nb: Uuid) -> DbUuid {
        self.dps
            .get(&nb)
            .copied()
            .unwrap_or_else(|| content_uuid(&["Datapath_Binding", &nb.to_string()]))
    }
    fn pb(&self, name: &str) -> DbUuid {
        self.pbs
            .get(name)
            .copied()
            .unwrap_or_else(|| content_uuid(&["Port_Binding", name]))
    }
}

impl SbState {
    /// Applies one transaction's output diffs (not necessarily consolidated) and returns
    /// the rows that appeared (+1) or disappeared (-1): a row exists while its count is
    /// positive, so a flow two rules emit appears once.
    pub fn apply(&mut self, diffs: Vec<(Output, isize)>) -> Vec<(Output, isize)> {
        self.rows.reserve(diffs.len());
        let mut changes = Vec::new();
        let mut removals = false;
        for (o, d) in diffs {
            if d == 0 {
                continue;
            }
            match self.rows.entry(o) {
                Entry::Occupied(mut e) => {
                    let before = *e.get() > 0;
                    *e.get_mut() += d;
                    let after = *e.get() > 0;
                    if before != after {
                        removals |= !after;
                        changes.push((e.key().clone(), if after { 1 } else { -1 }));
                    }
                    if *e.get() == 0 {
                        e.remove();
                    }
                }
                Entry::Vacant(e) => {
                    if d > 0 {
                        changes.push((e.key().clone(), 1));
                    }
                    e.insert(d);
                }
            }
        }
        // A row that came and went (or went and came back) within the batch nets out.
        if removals {
            let mut net: HashMap<Output, isize, rules::intern::FastHash> = HashMap::default();
            for (o, d) in changes {
                *net.entry(o).or_insert(0) += d;
            }
            changes = net.into_iter().filter(|(_, d)| *d != 0).collect();
        }
        changes
    }

    pub fn rows(&self) -> impl Iterator<Item = &Output> {
        self.rows.iter().filter(|(_, c)| **c > 0).map(|(o, _)| o)
    }

    /// The Southbound database these rows make. Tables northd does not own are copied
    /// from `base` (chassis, encaps, MAC bindings, ...); so are the SB_Global columns
    /// northd never writes. `nb_cfg` and `ipsec` come from NB_Global.
    pub fn to_database(
        &self,
        schema: Schema,
        base: Option<&Database>,
        nb_cfg: i64,
        ipsec: bool,
    ) -> Database {
        let mut db = Database::new(schema);
        let ids = RowIds::from_base(base);
        if let Some(base) = base {
            for (t, rows) in &base.tables {
                if !OWNED.contains(&t.as_str()) && db.tables.contains_key(t) {
                    db.tables.insert(t.clone(), rows.clone());
                }
            }
        }
        let mut dps: BTreeMap<Uuid, &DatapathRow> = BTreeMap::new();
        let mut ports: Vec<&PortRow> = Vec::new();
        let mut mcs: BTreeMap<(Uuid, Istr), (u32, BTreeSet<Istr>)> = BTreeMap::new();
        let mut flows: BTreeMap<(rules::Stage, u16, &Istr, &Istr), Vec<&Flow>> = BTreeMap::new();
        let mut options: BTreeMap<&str, &str> = BTreeMap::new();
        let mut ha_groups: BTreeMap<&Istr, &HaGroupRow> = BTreeMap::new();
        let mut ip_mcast: Vec<&IpMulticastRow> = Vec::new();
        let mut address_sets: BTreeMap<&Istr, &AddressSetRow> = BTreeMap::new();
        for o in self.rows() {
            match o {
                Output::Datapath(d) => {
                    dps.insert(d.nb, d);
                }
                Output::Port(p) => ports.push(p),
                Output::McMember(McMember {
                    dp,
                    name,
                    tunnel_key,
                    port,
                }) => {
                    mcs.entry((*dp, name.clone()))
                        .or_insert((*tunnel_key, BTreeSet::new()))
                        .1
                        .insert(port.clone());
                }
                Output::Flow(f) => flows
                    .entry((f.stage, f.priority, &f.match_, &f.actions))
                    .or_default()
                    .push(f),
                Output::SbOption(k, v) => {
                    options.insert(k, v);
                }
                Output::HaGroup(g) => {
                    // Two ports may use one group; rows of one name are equal.
                    ha_groups.entry(&g.name).or_insert(g);
                }
                Output::IpMulticast(r) => ip_mcast.push(r),
                Output::AddressSet(a) => {
                    address_sets.entry(&a.name).or_insert(a);
                }
                Output::Diag(_) => {}
            }
        }
        ip_mcast.sort();

        // SB_Global: the base row (connections, ssl, external_ids are not northd's).
        let (gu, mut g) = base
            .and_then(|b| b.table("SB_Global").iter().next())
            .map(|(u, r)| (*u, r.clone()))
            .unwrap_or_else(|| (content_uuid(&["SB_Global"]), Row::new()));
        g.insert("nb_cfg".into(), Datum::int(nb_cfg));
        g.insert("ipsec".into(), Datum::scalar(Atom::Boolean(ipsec)));
        g.insert(
            "options".into(),
            Datum::string_map(options.iter().map(|(k, v)| (*k, *v))),
        );
        db.tables
            .entry("SB_Global".into())
            .or_default()
            .insert(gu, g);

        // SB Chassis by name (copied from the base), for HA_Chassis and requested chassis.
        let chassis: BTreeMap<String, DbUuid> = db
            .table("Chassis")
            .iter()
            .filter_map(|(u, r)| Some((db.get("Chassis", r, "name").as_str()?.to_string(), *u)))
            .collect();
        let chassis_refs = |names: &mut dyn Iterator<Item = &Istr>| -> Datum {
            Datum::set(
                names
                    .filter_map(|n| chassis.get(n.as_str()))
                    .map(|u| Atom::Uuid(*u))
                    .collect(),
            )
        };

        // HA_Chassis_Group and HA_Chassis.
        let mut ha_chassis: BTreeMap<DbUuid, Row> = BTreeMap::new();
        let t = db.tables.entry("HA_Chassis_Group".into()).or_default();
        for g in ha_groups.values() {
            let mut members = Vec::new();
            for (c, prio) in &g.members {
                let u = content_uuid(&["HA_Chassis", &g.name, c, &prio.to_string()]);
                let mut r = Row::new();
                r.insert("chassis".into(), chassis_refs(&mut std::iter::once(c)));
                r.insert("priority".into(), Datum::int(*prio));
                r.insert(
                    "external_ids".into(),
                    Datum::string_map([("chassis-name", c.as_str())]),
                );
                ha_chassis.insert(u, r);
                members.push(Atom::Uuid(u));
            }
            let mut r = Row::new();
            r.insert("name".into(), Datum::str(&g.name));
            r.insert("ha_chassis".into(), Datum::set(members));
            r.insert("external_ids".into(), smap_datum(&g.external_ids));
            t.insert(ids.keyed("HA_Chassis_Group", &g.name), r);
        }
        db.tables.insert("HA_Chassis".into(), ha_chassis);

        // IP_Multicast.
        let t = db.tables.entry("IP_Multicast".into()).or_default();
        for m in ip_mcast.iter().filter(|m| dps.contains_key(&m.dp)) {
            let mut r = Row::new();
            r.insert("datapath".into(), uuid_ref(ids.dp(m.dp)));
            r.insert("enabled".into(), Datum::scalar(Atom::Boolean(m.enabled)));
            r.insert("querier".into(), Datum::scalar(Atom::Boolean(m.querier)));
            r.insert("table_size".into(), Datum::int(m.table_size));
            r.insert("idle_timeout".into(), Datum::int(m.idle_timeout));
            r.insert("query_interval".into(), Datum::int(m.query_interval));
            r.insert("query_max_resp".into(), Datum::int(m.query_max_resp));
            for (c, v) in [
                ("eth_src", &m.eth_src),
                ("ip4_src", &m.ip4_src),
                ("ip6_src", &m.ip6_src),
            ] {
                if let Some(v) = v {
                    r.insert(c.into(), Datum::str(v));
                }
            }
            t.insert(ids.keyed("IP_Multicast", &ids.dp(m.dp).to_string()), r);
        }

        // Address_Set.
        let t = db.tables.entry("Address_Set".into()).or_default();
        for a in address_sets.values() {
            let mut r = Row::new();
            r.insert("name".into(), Datum::str(&a.name));
            r.insert("addresses".into(), str_set(&a.addresses));
            t.insert(ids.keyed("Address_Set", &a.name), r);
        }

        write_catalogues(&mut db, &ids);

        // Datapath_Binding.
        let t = db.tables.entry("Datapath_Binding".into()).or_default();
        for d in dps.values() {
            let mut r = Row::new();
            r.insert("tunnel_key".into(), Datum::int(d.tunnel_key as i64));
            r.insert("external_ids".into(), smap_datum(&d.external_ids));
            t.insert(ids.dp(d.nb), r);
        }

        // Port_Binding.
        let t = db.tables.entry("Port_Binding".into()).or_default();
        for p in &ports {
            if !dps.contains_key(&p.dp) {
                continue;
            }
            let mut r = Row::new();
            r.insert("logical_port".into(), Datum::str(&p.logical_port));
            r.insert("datapath".into(), uuid_ref(ids.dp(p.dp)));
            r.insert("tunnel_key".into(), Datum::int(p.tunnel_key as i64));
            r.insert("type".into(), Datum::str(&p.kind));
            r.insert("mac".into(), str_set(&p.mac));
            r.insert("port_security".into(), str_set(&p.port_security));
            r.insert("options".into(), smap_datum(&p.options));
            r.insert("external_ids".into(), smap_datum(&p.external_ids));
            r.insert("parent_port".into(), opt_str(&p.parent_port));
            r.insert(
                "tag".into(),
                Datum::set(p.tag.iter().map(|t| Atom::Integer(*t)).collect()),
            );
            r.insert("nat_addresses".into(), str_set(&p.nat_addresses));
            r.insert("up".into(), Datum::set(vec![Atom::Boolean(false)]));
            if let Some(g) = p
                .ha_chassis_group
                .as_ref()
                .filter(|g| ha_groups.contains_key(g))
            {
                r.insert(
                    "ha_chassis_group".into(),
                    uuid_ref(ids.keyed("HA_Chassis_Group", g)),
                );
            }
            r.insert(
                "requested_chassis".into(),
                chassis_refs(&mut p.requested_chassis.iter()),
            );
            r.insert(
                "requested_additional_chassis".into(),
                chassis_refs(&mut p.requested_additional_chassis.iter()),
            );
            t.insert(ids.pb(&p.logical_port), r);
        }

        // Multicast_Group.
        let t = db.tables.entry("Multicast_Group".into()).or_default();
        for ((dp, name), (key, members)) in &mcs {
            if !dps.contains_key(dp) {
                continue;
            }
            let mut r = Row::new();
            r.insert("datapath".into(), uuid_ref(ids.dp(*dp)));
            r.insert("name".into(), Datum::str(name));
            r.insert("tunnel_key".into(), Datum::int(*key as i64));
            r.insert(
                "ports".into(),
                Datum::set(members.iter().map(|m| Atom::Uuid(ids.pb(m))).collect()),
            );
            t.insert(content_uuid(&["Multicast_Group", &dp.to_string(), name]), r);
        }

        // Logical_Flow and Logical_DP_Group.
        let mut groups: BTreeMap<DbUuid, Row> = BTreeMap::new();
        let t = db.tables.entry("Logical_Flow".into()).or_default();
        let is_switch = |d: &DatapathRow| {
            d.external_ids
                .iter()
                .any(|(k, _)| k.as_str() == "logical-switch")
        };
        let all_switches: Vec<Uuid> = dps
            .values()
            .filter(|d| is_switch(d))
            .map(|d| d.nb)
            .collect();
        let all_routers: Vec<Uuid> = dps
            .values()
            .filter(|d| !is_switch(d))
            .map(|d| d.nb)
            .collect();
        for ((stage, priority, m, a), fs) in &flows {
            let (pipeline, table) = (stage.pipeline().name(), stage.table());
            // The datapaths the flow is on, and an identity for the set that does not
            // change as datapaths come and go ("all switches").
            let mut targets: BTreeSet<Uuid> = BTreeSet::new();
            let mut key_parts: BTreeSet<String> = BTreeSet::new();
            for f in fs {
                match f.dp {
                    Dp::One(d) => {
                        if dps.contains_key(&d) {
                            targets.insert(d);
                            key_parts.insert(d.to_string());
                        }
                    }
                    Dp::Switches => {
                        targets.extend(all_switches.iter().copied());
                        key_parts.insert("switches".into());
                    }
                    Dp::Routers => {
                        targets.extend(all_routers.iter().copied());
                        key_parts.insert("routers".into());
                    }
                }
            }
            if targets.is_empty() {
                continue;
            }
            let first = fs
                .iter()
                .min_by_key(|f| f.dp)
                .expect("a flow group is never empty");
            let mut ext = vec![("stage-name".to_string(), first.stage.name().to_string())];
            if let Some(h) = first.hint {
                ext.push(("stage-hint".into(), format!("{h:08x}")));
            }
            let mut r = Row::new();
            r.insert("pipeline".into(), Datum::str(pipeline));
            r.insert("table_id".into(), Datum::int(table as i64));
            r.insert("priority".into(), Datum::int(*priority as i64));
            r.insert("match".into(), Datum::str(m));
            r.insert("actions".into(), Datum::str(a));
            r.insert(
                "external_ids".into(),
                Datum::string_map(ext.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            );
            if let Some(p) = &first.io_port {
                r.insert(
                    "tags".into(),
                    Datum::string_map([("in_out_port", p.as_str())]),
                );
            }
            let dp_key = key_parts.into_iter().collect::<Vec<_>>().join(",");
            if targets.len() == 1 {
                let d = *targets.iter().next().expect("one target");
                r.insert(
                    "logical_datapath".into(),
                    Datum::set(vec![Atom::Uuid(ids.dp(d))]),
                );
            } else {
                let gu = content_uuid(&["Logical_DP_Group", &dp_key]);
                let mut gr = Row::new();
                gr.insert(
                    "datapaths".into(),
                    Datum::set(targets.iter().map(|d| Atom::Uuid(ids.dp(*d))).collect()),
                );
                groups.insert(gu, gr);
                r.insert("logical_dp_group".into(), Datum::set(vec![Atom::Uuid(gu)]));
            }
            let u = content_uuid(&[
                "Logical_Flow",
                stage.name(),
                &priority.to_string(),
                m,
                a,
                &dp_key,
            ]);
            t.insert(u, r);
        }
        db.tables
            .insert("Logical_DP_Group".into(), groups.into_iter().collect());
        db
    }
}

/// `ovn-sbctl dump-flows` for a Southbound database: flows expanded per datapath, sorted
/// by datapath name, datapath UUID, pipeline, table, priority (descending), match and
/// actions.
pub fn dump_flows(db: &Database) -> String {
    struct Line<'a> {
        dp_name: String,
        dp: DbUuid,
        dp_label: String,
        pipeline: u8,
        table: i64,
        priority: i64,
        m: &'a str,
        a: &'a str,
        stage: String,
    }
    let dps = db.table("Datapath_Binding");
    let dp_label = |u: &DbUuid| -> (String, String) {
        let Some(row) = dps.get(u) else {
            return (String::new(), String::new());
        };
        let ids = db
            .get("Datapath_Binding", row, "external_ids")
            .string_pairs();
        let get = |k: &str| ids.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone());
        let (name, name2) = (get("name"), get("name2"));
        let label = match (&name, &name2) {
            (Some(n), Some(n2)) => format!("\"{n}\" aka \"{n2}\""),
            (Some(n), None) | (None, Some(n)) => format!("\"{n}\""),
            (None, None) => String::new(),
        };
        (name.unwrap_or_default(), label)
    };
    let mut lines: Vec<Line> = Vec::new();
    for row in db.table("Logical_Flow").values() {
        let get = |c: &str| db.get("Logical_Flow", row, c);
        let pipeline = get("pipeline").as_str().unwrap_or("").to_string();
        let stage = get("external_ids")
            .string_pairs()
            .into_iter()
            .find(|(k, _)| k == "stage-name")
            .map(|(_, v)| v)
            .unwrap_or_default();
        let m = row.get("match").and_then(Datum::as_str).unwrap_or("");
        let a = row.get("actions").and_then(Datum::as_str).unwrap_or("");
        let mut targets: Vec<DbUuid> = get("logical_datapath").uuids();
        for g in get("logical_dp_group").uuids() {
            if let Some(gr) = db.table("Logical_DP_Group").get(&g) {
                targets.extend(db.get("Logical_DP_Group", gr, "datapaths").uuids());
            }
        }
        for dp in targets {
            let (dp_name, label) = dp_label(&dp);
            lines.push(Line {
                dp_name,
                dp,
                dp_label: label,
                pipeline: if pipeline == "ingress" { 0 } else { 1 },
                table: get("table_id").as_int().unwrap_or(0),
                priority: get("priority").as_int().unwrap_or(0),
                m,
                a,
                stage: stage.clone(),
            });
        }
    }
    lines.sort_by(|x, y| {
        x.dp_name
            .cmp(&y.dp_name)
            .then(x.dp.cmp(&y.dp))
            .then(x.pipeline.cmp(&y.pipeline))
            .then(x.table.cmp(&y.table))
            .then(y.priority.cmp(&x.priority))
            .then(x.m.as_bytes().cmp(y.m.as_bytes()))
            .then(x.a.as_bytes().cmp(y.a.as_bytes()))
    });
    let mut out = String::new();
    let mut prev: Option<(DbUuid, u8)> = None;
    for l in &lines {
        if prev != Some((l.dp, l.pipeline)) {
            let p = if l.pipeline == 0 { "ingress" } else { "egress" };
            out.push_str(&format!(
                "Datapath: {} ({})  Pipeline: {}\n",
                l.dp_label, l.dp, p
            ));
            prev = Some((l.dp, l.pipeline));
        }
        out.push_str(&format!(
            "  table={:<2}({:<19}), priority={:<5}, match=({}), action=({})\n",
            l.table, l.stage, l.priority, l.m, l.a
        ));
    }
    out
}
