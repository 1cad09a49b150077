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
pub fn write_catalogues(db: &mut Database, ids: &RowIds) {
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
            t.insert(ids.keyed(table, name), r.into());
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
        t.insert(u, r.into());
        perms.push((Atom::String(table.to_string()), Atom::Uuid(u)));
    }
    let mut r = Row::new();
    r.insert("name".into(), Datum::str("ovn-controller"));
    r.insert("permissions".into(), Datum::map(perms));
    db.tables
        .entry("RBAC_Role".into())
        .or_default()
        .insert(ids.keyed("RBAC_Role", "ovn-controller"), r.into());
}

/// UUIDs of Datapath_Binding and Port_Binding rows: the ones the Southbound already has
/// for the same datapath / port (so references to them stay valid), else derived from the
/// row's identity.
#[derive(Clone, Default)]
pub struct RowIds {
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
    pub fn from_base(base: Option<&Database>) -> RowIds {
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
    pub fn keyed(&self, table: &'static str, key: &str) -> DbUuid {
        self.keyed
            .get(&(table, key.to_string()))
            .copied()
            .unwrap_or_else(|| content_uuid(&[table, key]))
    }
    pub fn dp(&self, nb: Uuid) -> DbUuid {
        self.dps
            .get(&nb)
            .copied()
            .unwrap_or_else(|| content_uuid(&["Datapath_Binding", &nb.to_string()]))
    }
    pub fn pb(&self, name: &str) -> DbUuid {
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
        // No `reserve(diffs.len())`: raw diffs count every row several times (and rows
        // that cancel out), and a table sized for them held 3x the memory its rows need
        // (118 MB at 50k ports); growing by doubling is cheap.
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
        let mut flows: BTreeMap<FlowKey, Vec<&Flow>> = BTreeMap::new();
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
                Output::Flow(f) => flows.entry(flow_key(f)).or_default().push(f),
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
        let (gu, g) = global_row(base, options.iter().map(|(k, v)| (*k, *v)), nb_cfg, ipsec);
        db.tables
            .entry("SB_Global".into())
            .or_default()
            .insert(gu, g.into());

        let switches: BTreeSet<Uuid> = dps
            .values()
            .filter(|d| is_switch(d))
            .map(|d| d.nb)
            .collect();
        let routers: BTreeSet<Uuid> = dps
            .values()
            .filter(|d| !is_switch(d))
            .map(|d| d.nb)
            .collect();
        let chassis = chassis_by_name(&db);
        let ha_names: BTreeSet<Istr> = ha_groups.keys().map(|n| (*n).clone()).collect();
        let ctx = Ctx {
            ids: &ids,
            switches: &switches,
            routers: &routers,
            chassis: &chassis,
            ha_groups: &ha_names,
        };

        for g in ha_groups.values() {
            let (u, r, members) = render_ha_group(g, &ctx);
            db.tables
                .entry("HA_Chassis_Group".into())
                .or_default()
                .insert(u, r.into());
            db.tables
                .entry("HA_Chassis".into())
                .or_default()
                .extend(members.into_iter().map(|(u, r)| (u, r.into())));
        }
        for m in &ip_mcast {
            if let Some((u, r)) = render_ip_multicast(m, &ctx) {
                db.tables
                    .entry("IP_Multicast".into())
                    .or_default()
                    .insert(u, r.into());
            }
        }
        for a in address_sets.values() {
            let (u, r) = render_address_set(a, &ids);
            db.tables
                .entry("Address_Set".into())
                .or_default()
                .insert(u, r.into());
        }
        write_catalogues(&mut db, &ids);
        for d in dps.values() {
            let (u, r) = render_datapath(d, &ids);
            db.tables
                .entry("Datapath_Binding".into())
                .or_default()
                .insert(u, r.into());
        }
        for p in &ports {
            if let Some((u, r)) = render_port(p, &ctx) {
                db.tables
                    .entry("Port_Binding".into())
                    .or_default()
                    .insert(u, r.into());
            }
        }
        for ((dp, name), (key, members)) in &mcs {
            if let Some((u, r)) = render_multicast_group(*dp, name, *key, members.iter(), &ctx) {
                db.tables
                    .entry("Multicast_Group".into())
                    .or_default()
                    .insert(u, r.into());
            }
        }
        let mut groups: BTreeMap<DbUuid, Row> = BTreeMap::new();
        let t = db.tables.entry("Logical_Flow".into()).or_default();
        for fs in flows.values() {
            if let Some((u, r, group)) = render_flow(fs, &ctx) {
                if let Some(g) = group {
                    let (gu, gr) = render_dp_group(&g, &ctx);
                    groups.insert(gu, gr);
                }
                t.insert(u, r.into());
            }
        }
        db.tables.insert(
            "Logical_DP_Group".into(),
            groups.into_iter().map(|(u, r)| (u, r.into())).collect(),
        );
        db
    }
}

/// What identifies one Logical_Flow row's content (its datapaths aside).
pub type FlowKey = (rules::Stage, u16, Istr, Istr);

pub fn flow_key(f: &Flow) -> FlowKey {
    (f.stage, f.priority, f.match_.clone(), f.actions.clone())
}

pub fn is_switch(d: &DatapathRow) -> bool {
    d.external_ids
        .iter()
        .any(|(k, _)| k.as_str() == "logical-switch")
}

/// What rendering a row may look up.
pub struct Ctx<'a> {
    pub ids: &'a RowIds,
    pub switches: &'a BTreeSet<Uuid>,
    pub routers: &'a BTreeSet<Uuid>,
    /// SB Chassis UUIDs by name.
    pub chassis: &'a BTreeMap<String, DbUuid>,
    /// The HA_Chassis_Group names northd writes.
    pub ha_groups: &'a BTreeSet<Istr>,
}

impl Ctx<'_> {
    pub fn has_dp(&self, d: Uuid) -> bool {
        self.switches.contains(&d) || self.routers.contains(&d)
    }

    fn chassis_refs<'i>(&self, names: impl Iterator<Item = &'i Istr>) -> Datum {
        Datum::set(
            names
                .filter_map(|n| self.chassis.get(n.as_str()))
                .map(|u| Atom::Uuid(*u))
                .collect(),
        )
    }
}

/// SB Chassis by name.
pub fn chassis_by_name(db: &Database) -> BTreeMap<String, DbUuid> {
    db.table("Chassis")
        .iter()
        .filter_map(|(u, r)| Some((db.get("Chassis", r, "name").as_str()?.to_string(), *u)))
        .collect()
}

/// The SB_Global row: `base`'s (or a new one) with northd's columns set.
pub fn global_row<'o>(
    base: Option<&Database>,
    options: impl Iterator<Item = (&'o str, &'o str)>,
    nb_cfg: i64,
    ipsec: bool,
) -> (DbUuid, Row) {
    let (gu, mut g) = base
        .and_then(|b| b.table("SB_Global").iter().next())
        .map(|(u, r)| (*u, (**r).clone()))
        .unwrap_or_else(|| (content_uuid(&["SB_Global"]), Row::new()));
    g.insert("nb_cfg".into(), Datum::int(nb_cfg));
    g.insert("ipsec".into(), Datum::scalar(Atom::Boolean(ipsec)));
    g.insert("options".into(), Datum::string_map(options));
    (gu, g)
}

/// An HA_Chassis_Group row and its HA_Chassis rows.
pub fn render_ha_group(g: &HaGroupRow, ctx: &Ctx) -> (DbUuid, Row, Vec<(DbUuid, Row)>) {
    let mut members = Vec::new();
    let mut refs = Vec::new();
    for (c, prio) in &g.members {
        let u = content_uuid(&["HA_Chassis", &g.name, c, &prio.to_string()]);
        let mut r = Row::new();
        r.insert("chassis".into(), ctx.chassis_refs(std::iter::once(c)));
        r.insert("priority".into(), Datum::int(*prio));
        r.insert(
            "external_ids".into(),
            Datum::string_map([("chassis-name", c.as_str())]),
        );
        members.push((u, r));
        refs.push(Atom::Uuid(u));
    }
    let mut r = Row::new();
    r.insert("name".into(), Datum::str(&g.name));
    r.insert("ha_chassis".into(), Datum::set(refs));
    r.insert("external_ids".into(), smap_datum(&g.external_ids));
    (ctx.ids.keyed("HA_Chassis_Group", &g.name), r, members)
}

/// An IP_Multicast row (none when its datapath is not written).
pub fn render_ip_multicast(m: &IpMulticastRow, ctx: &Ctx) -> Option<(DbUuid, Row)> {
    if !ctx.has_dp(m.dp) {
        return None;
    }
    let ids = ctx.ids;
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
    Some((ids.keyed("IP_Multicast", &ids.dp(m.dp).to_string()), r))
}

pub fn render_address_set(a: &AddressSetRow, ids: &RowIds) -> (DbUuid, Row) {
    let mut r = Row::new();
    r.insert("name".into(), Datum::str(&a.name));
    r.insert("addresses".into(), str_set(&a.addresses));
    (ids.keyed("Address_Set", &a.name), r)
}

pub fn render_datapath(d: &DatapathRow, ids: &RowIds) -> (DbUuid, Row) {
    let mut r = Row::new();
    r.insert("tunnel_key".into(), Datum::int(d.tunnel_key as i64));
    r.insert("external_ids".into(), smap_datum(&d.external_ids));
    (ids.dp(d.nb), r)
}

/// A Port_Binding row (none when its datapath is not written).
pub fn render_port(p: &PortRow, ctx: &Ctx) -> Option<(DbUuid, Row)> {
    if !ctx.has_dp(p.dp) {
        return None;
    }
    let ids = ctx.ids;
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
        .filter(|g| ctx.ha_groups.contains(*g))
    {
        r.insert(
            "ha_chassis_group".into(),
            uuid_ref(ids.keyed("HA_Chassis_Group", g)),
        );
    }
    r.insert(
        "requested_chassis".into(),
        ctx.chassis_refs(p.requested_chassis.iter()),
    );
    r.insert(
        "requested_additional_chassis".into(),
        ctx.chassis_refs(p.requested_additional_chassis.iter()),
    );
    Some((ids.pb(&p.logical_port), r))
}

/// A Multicast_Group row (none when its datapath is not written).
pub fn render_multicast_group<'m>(
    dp: Uuid,
    name: &Istr,
    key: u32,
    members: impl Iterator<Item = &'m Istr>,
    ctx: &Ctx,
) -> Option<(DbUuid, Row)> {
    if !ctx.has_dp(dp) {
        return None;
    }
    let ids = ctx.ids;
    let mut r = Row::new();
    r.insert("datapath".into(), uuid_ref(ids.dp(dp)));
    r.insert("name".into(), Datum::str(name));
    r.insert("tunnel_key".into(), Datum::int(key as i64));
    r.insert(
        "ports".into(),
        Datum::set(members.map(|m| Atom::Uuid(ids.pb(m))).collect()),
    );
    Some((multicast_group_uuid(dp, name), r))
}

pub fn multicast_group_uuid(dp: Uuid, name: &str) -> DbUuid {
    content_uuid(&["Multicast_Group", &dp.to_string(), name])
}

/// The datapaths a Logical_DP_Group stands for: all switches, all routers, and some
/// datapaths by name. Its identity (`key`) does not change as datapaths come and go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSpec {
    pub key: String,
    pub switches: bool,
    pub routers: bool,
    pub some: BTreeSet<Uuid>,
}

pub fn render_dp_group(g: &GroupSpec, ctx: &Ctx) -> (DbUuid, Row) {
    let mut targets = g.some.clone();
    if g.switches {
        targets.extend(ctx.switches.iter().copied());
    }
    if g.routers {
        targets.extend(ctx.routers.iter().copied());
    }
    let mut r = Row::new();
    r.insert(
        "datapaths".into(),
        Datum::set(targets.iter().map(|d| Atom::Uuid(ctx.ids.dp(*d))).collect()),
    );
    (content_uuid(&["Logical_DP_Group", &g.key]), r)
}

/// The Logical_Flow row for the flows of one [`FlowKey`] (on their several datapaths),
/// and the group it needs when it is on more than one. None when it is on no datapath
/// that is written.
pub fn render_flow<F: std::borrow::Borrow<Flow>>(
    fs: &[F],
    ctx: &Ctx,
) -> Option<(DbUuid, Row, Option<GroupSpec>)> {
    let fs: Vec<&Flow> = fs.iter().map(|f| f.borrow()).collect();
    let first = *fs.iter().min_by_key(|f| f.dp)?;
    let (stage, priority, m, a) = (first.stage, first.priority, &first.match_, &first.actions);
    let mut spec = GroupSpec {
        key: String::new(),
        switches: false,
        routers: false,
        some: BTreeSet::new(),
    };
    for f in &fs {
        match f.dp {
            Dp::One(d) => {
                if ctx.has_dp(d) {
                    spec.some.insert(d);
                }
            }
            Dp::Switches => spec.switches = true,
            Dp::Routers => spec.routers = true,
        }
    }
    let mut targets = spec.some.clone();
    if spec.switches {
        targets.extend(ctx.switches.iter().copied());
    }
    if spec.routers {
        targets.extend(ctx.routers.iter().copied());
    }
    if targets.is_empty() {
        return None;
    }
    let (pipeline, table) = (stage.pipeline().name(), stage.table());
    let mut ext = vec![("stage-name".to_string(), stage.name().to_string())];
    if let Some(h) = first.hint {
        ext.push(("stage-hint".into(), format!("{h:08x}")));
    }
    let mut r = Row::new();
    r.insert("pipeline".into(), Datum::str(pipeline));
    r.insert("table_id".into(), Datum::int(table as i64));
    r.insert("priority".into(), Datum::int(priority as i64));
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
    // One row per flow key, whatever datapaths it is on: a change of datapaths updates
    // the row (and its group) in place.
    let u = content_uuid(&["Logical_Flow", stage.name(), &priority.to_string(), m, a]);
    // Groups: one for all switches, one for all routers (and both), shared by every flow
    // on them, whose identity does not change as datapaths come and go; a flow on some
    // datapaths by name has a group of its own, so that a datapath coming or going is
    // one mutation of that group, not a new group.
    spec.key = match (spec.some.is_empty(), spec.switches, spec.routers) {
        (true, true, false) => "switches".into(),
        (true, false, true) => "routers".into(),
        (true, true, true) => "routers,switches".into(),
        _ => u.to_string(),
    };
    let group = if targets.len() == 1 {
        let d = *targets.iter().next().expect("one target");
        r.insert(
            "logical_datapath".into(),
            Datum::set(vec![Atom::Uuid(ctx.ids.dp(d))]),
        );
        None
    } else {
        let gu = content_uuid(&["Logical_DP_Group", &spec.key]);
        r.insert("logical_dp_group".into(), Datum::set(vec![Atom::Uuid(gu)]));
        Some(spec)
    };
    Some((u, r, group))
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
