//! The Southbound as the rules want it, kept up to date row by row: the engine's output
//! changes of one round become the SB operations of one transaction, in time
//! proportional to the change (not to the SB).
//!
//! [`Layout`] indexes the current output rows by the SB row each one feeds (a flow key,
//! a port name, a datapath, ...). A round marks the units its changes touch, plus what
//! depends on them (a datapath's flows, ports and groups; the all-switches groups when a
//! switch comes or goes), re-renders only those with the same functions as
//! [`crate::sb::SbState::to_database`], and compares each with the replica's row of the
//! same UUID. [`Layout::full`] compares everything, for takeovers and
//! resynchronisations, and starts the indexes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use adapters::{Database, Row, Uuid as DbUuid};
use rules::Istr;
use rules::Uuid;
use rules::output::{
    AddressSetRow, DatapathRow, Dp, Flow, HaGroupRow, IpMulticastRow, Output, PortRow,
};
use serde_json::Value;

use super::sync::row_op;
use crate::sb::{
    Ctx, FlowKey, GroupSpec, RowIds, chassis_by_name, flow_key, global_row, is_switch,
    multicast_group_uuid, render_address_set, render_datapath, render_dp_group, render_flow,
    render_ha_group, render_ip_multicast, render_multicast_group, render_port,
};

#[derive(Default)]
pub struct Layout {
    ids: RowIds,
    chassis: BTreeMap<String, DbUuid>,
    dps: BTreeMap<Uuid, Arc<DatapathRow>>,
    switches: BTreeSet<Uuid>,
    routers: BTreeSet<Uuid>,
    ports: HashMap<Istr, Arc<PortRow>>,
    ports_by_dp: HashMap<Uuid, HashSet<Istr>>,
    /// Multicast groups: tunnel key and members (with counts).
    mcs: BTreeMap<(Uuid, Istr), (u32, BTreeMap<Istr, usize>)>,
    flows: HashMap<FlowKey, Vec<Flow>>,
    flows_by_dp: HashMap<Uuid, HashSet<FlowKey>>,
    wide_switches: HashSet<FlowKey>,
    wide_routers: HashSet<FlowKey>,
    /// The Logical_Flow row written for each key, its group's key and a hash of its
    /// content. Logical_Flow and Logical_DP_Group rows are compared with what was
    /// written, not with the replica, which need not hold them (see `northd::blind`).
    emitted: HashMap<FlowKey, (DbUuid, Option<String>, u64)>,
    /// Logical_DP_Groups in use: what they stand for, how many flows use them, and the
    /// datapaths of the row written (none yet), so that a change is a `mutate`.
    groups: HashMap<String, (GroupSpec, usize, Option<Vec<DbUuid>>)>,
    ha: BTreeMap<Istr, Vec<Arc<HaGroupRow>>>,
    ha_members: HashMap<Istr, Vec<DbUuid>>,
    ip_mcast: BTreeMap<Uuid, Vec<Arc<IpMulticastRow>>>,
    address_sets: BTreeMap<Istr, Vec<Arc<AddressSetRow>>>,
    options: BTreeMap<Istr, Istr>,
    /// Chassis changed: re-render every port and HA group in the next round.
    chassis_changed: bool,
}

/// Rows per transaction when writing an empty Southbound (`OVN_DD_ROWS_PER_TXN`
/// overrides it, for tests). Measured at 50k ports (270k rows): in 3 transactions of
/// 100,000 rows, the SB ovsdb-server then answered the next dozens of small
/// transactions in 50-90 ms instead of 6-11 ms (perf: its malloc, after a 95 MB
/// message); in 14 pieces of 20,000 the first changes after cold convergence took 12-15
/// ms, for 5 s more of cold convergence (35 s instead of 30). Pipelining the pieces was
/// worse: 70 s and twice the peak RSS.
const ROWS_PER_TXN: usize = 20_000;

/// The datapaths of a rendered Logical_DP_Group row, sorted.
fn group_members(r: &Row) -> Vec<DbUuid> {
    let mut v = r.get("datapaths").map(|d| d.uuids()).unwrap_or_default();
    v.sort();
    v
}

/// A hash of a rendered row's content (rows rendered alike hash alike).
fn row_hash(_db: &Database, _table: &str, row: &Row) -> u64 {
    use adapters::Atom;
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let atom = |a: &Atom, h: &mut std::collections::hash_map::DefaultHasher| match a {
        Atom::Integer(i) => (0u8, i).hash(h),
        Atom::Real(r) => (1u8, r.to_bits()).hash(h),
        Atom::Boolean(b) => (2u8, b).hash(h),
        Atom::String(s) => (3u8, s).hash(h),
        Atom::Uuid(u) => (4u8, u.0).hash(h),
    };
    for (c, d) in row {
        c.hash(&mut h);
        d.keys.len().hash(&mut h);
        for a in &d.keys {
            atom(a, &mut h);
        }
        if let Some(vs) = &d.values {
            for a in vs {
                atom(a, &mut h);
            }
        }
    }
    h.finish()
}

/// The operation turning a row northd wrote with content hash `had` (none: absent) into
/// `want`, and the hash of what is there afterwards. An update rewrites every column.
fn own_op(
    db: &Database,
    table: &str,
    u: DbUuid,
    want: Option<&Row>,
    had: Option<u64>,
) -> (Option<Value>, Option<u64>) {
    use adapters::client::ops;
    let by_uuid = || vec![ops::cond("_uuid", "==", ops::uuid(u))];
    match (want, had) {
        (None, None) => (None, None),
        (None, Some(_)) => (Some(ops::delete(table, by_uuid())), None),
        (Some(row), had) => {
            let h = row_hash(db, table, row);
            let op = match had {
                None => Some(ops::insert(
                    table,
                    db.schema.row_to_json(table, row),
                    Some(u),
                    None,
                )),
                Some(old) if old == h => None,
                Some(_) => {
                    let cols = db.schema.tables.get(table).into_iter().flatten();
                    let all: serde_json::Map<String, Value> = cols
                        .map(|(c, t)| {
                            let d = row
                                .get(c)
                                .cloned()
                                .unwrap_or_else(|| adapters::Datum::default_of(t));
                            (c.clone(), d.to_json())
                        })
                        .collect();
                    Some(ops::update(table, by_uuid(), Value::Object(all)))
                }
            };
            (op, Some(h))
        }
    }
}

#[derive(Default)]
struct Dirty {
    dps: BTreeSet<Uuid>,
    ports: BTreeSet<Istr>,
    mcs: BTreeSet<(Uuid, Istr)>,
    flows: HashSet<FlowKey>,
    groups: BTreeSet<String>,
    ha: BTreeSet<Istr>,
    ip_mcast: BTreeSet<Uuid>,
    address_sets: BTreeSet<Istr>,
    switches_changed: bool,
    routers_changed: bool,
}

fn add_arc<K: Ord, T: PartialEq>(m: &mut BTreeMap<K, Vec<Arc<T>>>, k: K, v: Arc<T>, d: isize) {
    let e = m.entry(k).or_default();
    if d > 0 {
        e.push(v);
    } else if let Some(i) = e.iter().position(|x| **x == *v) {
        e.swap_remove(i);
    }
}

impl Layout {
    /// Entries of the layout's indexes (for `memory/show`: they must not grow as objects
    /// come and go).
    pub fn entries(&self) -> usize {
        self.dps.len()
            + self.ports.len()
            + self.ports_by_dp.len()
            + self.mcs.len()
            + self.flows.len()
            + self.flows_by_dp.len()
            + self.wide_switches.len()
            + self.wide_routers.len()
            + self.emitted.len()
            + self.groups.len()
            + self.ha.len()
            + self.ha_members.len()
            + self.ip_mcast.len()
            + self.address_sets.len()
    }

    /// Takes the SB Chassis rows as they are now (port bindings and HA chassis refer to
    /// them by UUID).
    pub fn set_chassis(&mut self, sb: &Database) {
        let chassis = chassis_by_name(sb);
        if chassis != self.chassis {
            self.chassis = chassis;
            self.chassis_changed = true;
        }
    }

    /// The SB_Global options the rules want.
    pub fn options(&self) -> BTreeMap<String, String> {
        self.options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Lays out `rows` and writes, as text, the operations that make `sb` hold exactly
    /// them in the tables northd owns: every row compared with the replica's row of the
    /// same UUID, and the rows nothing wants deleted. The replica must hold every row
    /// (logical flows included). One row is rendered at a time, so the cost is the
    /// operations' text, not a second database.
    pub fn full<'o>(
        rows: impl Iterator<Item = &'o Output>,
        sb: &Database,
        nb_cfg: i64,
        ipsec: bool,
    ) -> (
        Layout,
        Vec<adapters::client::ops::OpsText>,
        super::sync::OpCounts,
    ) {
        let mut l = Layout {
            ids: RowIds::from_base(Some(sb)),
            chassis: chassis_by_name(sb),
            ..Layout::default()
        };
        let mut dirty = Dirty::default();
        for o in rows {
            l.index(o, 1, &mut dirty);
        }
        // Logical flows apart: on an empty SB they may go in several transactions, after
        // everything they refer to.
        let fresh = crate::sb::OWNED
            .iter()
            .filter(|t| **t != "SB_Global")
            .all(|t| sb.table(t).is_empty());
        // SB_Global and the catalogues (whose rows refer to each other) go first, whole.
        let mut head = adapters::client::ops::OpsText::default();
        let mut text = adapters::client::ops::OpsText::default();
        let mut flow_text = adapters::client::ops::OpsText::default();
        let mut n = super::sync::OpCounts::default();
        let mut wanted: HashMap<&'static str, HashSet<DbUuid>> = HashMap::new();
        let mut emitted = HashMap::new();
        let mut groups: HashMap<String, (GroupSpec, usize, Option<Vec<DbUuid>>)> = HashMap::new();
        let mut ha_members = HashMap::new();
        {
            let ha_names: BTreeSet<Istr> = l.ha.keys().cloned().collect();
            let ctx = Ctx {
                ids: &l.ids,
                switches: &l.switches,
                routers: &l.routers,
                chassis: &l.chassis,
                ha_groups: &ha_names,
            };
            let mut put_glued = |table: &'static str, u: DbUuid, want: &Row, glue: bool| {
                wanted.entry(table).or_default().insert(u);
                let have = sb.table(table).get(&u).map(|r| &**r);
                if let Some(op) = row_op(sb, table, u, Some(want), have) {
                    if have.is_some() {
                        n.updated += 1;
                    } else {
                        n.inserted += 1;
                    }
                    match table {
                        "Logical_Flow" | "Logical_DP_Group" => flow_text.push_glued(&op, glue),
                        "SB_Global" | "DHCP_Options" | "DHCPv6_Options" | "RBAC_Role"
                        | "RBAC_Permission" => head.push(&op),
                        _ => text.push_glued(&op, glue),
                    }
                }
            };
            let (gu, g) = global_row(
                Some(sb),
                l.options.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                nb_cfg,
                ipsec,
            );
            put_glued("SB_Global", gu, &g, false);
            let mut catalogues = Database::new(sb.schema.clone());
            crate::sb::write_catalogues(&mut catalogues, &l.ids);
            for t in [
                "DHCP_Options",
                "DHCPv6_Options",
                "RBAC_Role",
                "RBAC_Permission",
            ] {
                for (u, r) in catalogues.table(t) {
                    put_glued(t, *u, r, false);
                }
            }
            drop(catalogues);
            for d in l.dps.values() {
                let (u, r) = render_datapath(d, &l.ids);
                put_glued("Datapath_Binding", u, &r, false);
            }
            // Rows before the rows that refer to them, so that a first write may be cut
            // anywhere: HA chassis, their groups, then the port bindings.
            for (name, gs) in &l.ha {
                if let Some(g) = gs.iter().min() {
                    let (u, r, members) = render_ha_group(g, &ctx);
                    let mut us = Vec::new();
                    for (mu, mr) in members {
                        put_glued("HA_Chassis", mu, &mr, true);
                        us.push(mu);
                    }
                    put_glued("HA_Chassis_Group", u, &r, false);
                    ha_members.insert(name.clone(), us);
                }
            }
            for p in l.ports.values() {
                if let Some((u, r)) = render_port(p, &ctx) {
                    put_glued("Port_Binding", u, &r, false);
                }
            }
            for ((dp, name), (key, members)) in &l.mcs {
                if let Some((u, r)) = render_multicast_group(*dp, name, *key, members.keys(), &ctx)
                {
                    put_glued("Multicast_Group", u, &r, false);
                }
            }
            for ms in l.ip_mcast.values() {
                if let Some((u, r)) = ms.iter().min().and_then(|m| render_ip_multicast(m, &ctx)) {
                    put_glued("IP_Multicast", u, &r, false);
                }
            }
            for a in l.address_sets.values() {
                if let Some(a) = a.iter().min() {
                    let (u, r) = render_address_set(a, &l.ids);
                    put_glued("Address_Set", u, &r, false);
                }
            }
            for (k, fs) in &l.flows {
                if let Some((u, r, g)) = render_flow(fs, &ctx) {
                    let gk = g.map(|g| {
                        let key = g.key.clone();
                        let e = groups.entry(key.clone()).or_insert_with(|| {
                            // A group goes right before the first flow that uses it (a
                            // Logical_DP_Group nothing refers to is collected at commit).
                            let (gu, gr) = render_dp_group(&g, &ctx);
                            put_glued("Logical_DP_Group", gu, &gr, true);
                            (g, 0, Some(group_members(&gr)))
                        });
                        e.1 += 1;
                        key
                    });
                    put_glued("Logical_Flow", u, &r, false);
                    emitted.insert(k.clone(), (u, gk, row_hash(sb, "Logical_Flow", &r)));
                }
            }
        }
        for t in crate::sb::OWNED {
            let keep = wanted.get(t);
            for u in sb.table(t).keys() {
                if !keep.is_some_and(|k| k.contains(u)) {
                    use adapters::client::ops;
                    text.push(&ops::delete(
                        t,
                        vec![ops::cond("_uuid", "==", ops::uuid(*u))],
                    ));
                    n.deleted += 1;
                }
            }
        }
        l.emitted = emitted;
        l.groups = groups;
        l.ha_members = ha_members;
        // A takeover replaces rows in one transaction, so that readers never see half of
        // it; a first write may come in pieces (smaller replies and echoes to hold).
        let txns = if fresh {
            let per_txn = std::env::var("OVN_DD_ROWS_PER_TXN")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(ROWS_PER_TXN);
            text.append(flow_text);
            let mut pieces = text.split(per_txn);
            head.append(pieces.remove(0));
            std::iter::once(head).chain(pieces).collect()
        } else {
            head.append(text);
            head.append(flow_text);
            vec![head]
        };
        (l, txns, n)
    }

    /// Adds (`d` > 0) or removes one output row from the indexes, marking what it feeds.
    fn index(&mut self, o: &Output, d: isize, dirty: &mut Dirty) {
        match o {
            Output::Datapath(r) => {
                if d > 0 {
                    self.dps.insert(r.nb, r.clone());
                    let set = if is_switch(r) {
                        dirty.switches_changed = true;
                        &mut self.switches
                    } else {
                        dirty.routers_changed = true;
                        &mut self.routers
                    };
                    set.insert(r.nb);
                } else if self.dps.get(&r.nb) == Some(r) {
                    self.dps.remove(&r.nb);
                    if self.switches.remove(&r.nb) {
                        dirty.switches_changed = true;
                    }
                    if self.routers.remove(&r.nb) {
                        dirty.routers_changed = true;
                    }
                }
                dirty.dps.insert(r.nb);
            }
            Output::Port(p) => {
                let name = &p.logical_port;
                if d > 0 {
                    self.ports.insert(name.clone(), p.clone());
                    self.ports_by_dp
                        .entry(p.dp)
                        .or_default()
                        .insert(name.clone());
                } else if self.ports.get(name) == Some(p) {
                    self.ports.remove(name);
                    if let Some(s) = self.ports_by_dp.get_mut(&p.dp) {
                        s.remove(name);
                        if s.is_empty() {
                            self.ports_by_dp.remove(&p.dp);
                        }
                    }
                }
                dirty.ports.insert(name.clone());
            }
            Output::McMember(m) => {
                let k = (m.dp, m.name.clone());
                let e = self.mcs.entry(k.clone()).or_default();
                if d > 0 {
                    e.0 = m.tunnel_key;
                    *e.1.entry(m.port.clone()).or_default() += 1;
                } else if let Some(c) = e.1.get_mut(&m.port) {
                    *c -= 1;
                    if *c == 0 {
                        e.1.remove(&m.port);
                    }
                }
                if e.1.is_empty() {
                    self.mcs.remove(&k);
                }
                dirty.mcs.insert(k);
            }
            Output::Flow(f) => {
                let k = flow_key(f);
                let fs = self.flows.entry(k.clone()).or_default();
                if d > 0 {
                    fs.push(f.clone());
                } else if let Some(i) = fs.iter().position(|x| x == f) {
                    fs.swap_remove(i);
                }
                if fs.is_empty() {
                    self.flows.remove(&k);
                }
                let present = self
                    .flows
                    .get(&k)
                    .is_some_and(|fs| fs.iter().any(|x| x.dp == f.dp));
                let index = match f.dp {
                    Dp::One(u) => self.flows_by_dp.entry(u).or_default(),
                    Dp::Switches => &mut self.wide_switches,
                    Dp::Routers => &mut self.wide_routers,
                };
                if present {
                    index.insert(k.clone());
                } else {
                    index.remove(&k);
                    // A datapath's index goes with its last flow (no leak as datapaths
                    // come and go).
                    if let Dp::One(u) = f.dp
                        && self.flows_by_dp.get(&u).is_some_and(HashSet::is_empty)
                    {
                        self.flows_by_dp.remove(&u);
                    }
                }
                dirty.flows.insert(k);
            }
            Output::HaGroup(g) => {
                add_arc(&mut self.ha, g.name.clone(), g.clone(), d);
                if self.ha.get(&g.name).is_some_and(Vec::is_empty) {
                    self.ha.remove(&g.name);
                }
                dirty.ha.insert(g.name.clone());
            }
            Output::IpMulticast(m) => {
                add_arc(&mut self.ip_mcast, m.dp, m.clone(), d);
                if self.ip_mcast.get(&m.dp).is_some_and(Vec::is_empty) {
                    self.ip_mcast.remove(&m.dp);
                }
                dirty.ip_mcast.insert(m.dp);
            }
            Output::AddressSet(a) => {
                add_arc(&mut self.address_sets, a.name.clone(), a.clone(), d);
                if self.address_sets.get(&a.name).is_some_and(Vec::is_empty) {
                    self.address_sets.remove(&a.name);
                }
                dirty.address_sets.insert(a.name.clone());
            }
            Output::SbOption(k, v) => {
                if d > 0 {
                    self.options.insert(k.clone(), v.clone());
                } else if self.options.get(k) == Some(v) {
                    self.options.remove(k);
                }
            }
            Output::Diag(_) => {}
        }
    }

    /// The SB operations for one round's output changes (rows appearing, +1, or
    /// disappearing, -1), against `sb` as it is. `nb_cfg` and `ipsec` go to SB_Global.
    pub fn apply(
        &mut self,
        changes: &[(Output, isize)],
        sb: &Database,
        nb_cfg: i64,
        ipsec: bool,
    ) -> Vec<Value> {
        let mut dirty = Dirty::default();
        let old_switches = self.switches.len();
        let old_routers = self.routers.len();
        // Removals first, so that a row replaced in the batch ends up as the new one.
        for (o, d) in changes.iter().filter(|(_, d)| *d < 0) {
            self.index(o, *d, &mut dirty);
        }
        for (o, d) in changes.iter().filter(|(_, d)| *d > 0) {
            self.index(o, *d, &mut dirty);
        }

        if std::mem::take(&mut self.chassis_changed) {
            dirty.ports.extend(self.ports.keys().cloned());
            dirty.ha.extend(self.ha.keys().cloned());
        }
        // What depends on what changed.
        for dp in &dirty.dps {
            if let Some(ks) = self.flows_by_dp.get(dp) {
                dirty.flows.extend(ks.iter().cloned());
            }
            if let Some(ps) = self.ports_by_dp.get(dp) {
                dirty.ports.extend(ps.iter().cloned());
            }
            dirty.ip_mcast.insert(*dp);
            let mcs: Vec<_> = self
                .mcs
                .range((*dp, Istr::from(""))..)
                .take_while(|((d, _), _)| d == dp)
                .map(|(k, _)| k.clone())
                .collect();
            dirty.mcs.extend(mcs);
            dirty.groups.extend(
                self.groups
                    .iter()
                    .filter(|(_, (g, _, _))| g.some.contains(dp))
                    .map(|(k, _)| k.clone()),
            );
        }
        if dirty.switches_changed {
            dirty.groups.extend(
                self.groups
                    .iter()
                    .filter(|(_, (g, _, _))| g.switches)
                    .map(|(k, _)| k.clone()),
            );
            // With one switch or none, switch-wide flows name it directly.
            if old_switches <= 1 || self.switches.len() <= 1 {
                dirty.flows.extend(self.wide_switches.iter().cloned());
            }
        }
        if dirty.routers_changed {
            dirty.groups.extend(
                self.groups
                    .iter()
                    .filter(|(_, (g, _, _))| g.routers)
                    .map(|(k, _)| k.clone()),
            );
            if old_routers <= 1 || self.routers.len() <= 1 {
                dirty.flows.extend(self.wide_routers.iter().cloned());
            }
        }
        if !dirty.ha.is_empty() {
            let names = &dirty.ha;
            dirty.ports.extend(
                self.ports
                    .values()
                    .filter(|p| {
                        p.ha_chassis_group
                            .as_ref()
                            .is_some_and(|g| names.contains(g))
                    })
                    .map(|p| p.logical_port.clone()),
            );
        }

        let ha_names: BTreeSet<Istr> = self.ha.keys().cloned().collect();
        let ctx = Ctx {
            ids: &self.ids,
            switches: &self.switches,
            routers: &self.routers,
            chassis: &self.chassis,
            ha_groups: &ha_names,
        };
        let mut ops = Vec::new();
        let mut put = |table: &str, u: DbUuid, want: Option<Row>| {
            let have = sb.table(table).get(&u).map(|r| &**r);
            if let Some(op) = row_op(sb, table, u, want.as_ref(), have) {
                ops.push(op);
            }
        };

        // SB_Global.
        let (gu, g) = global_row(
            Some(sb),
            self.options.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            nb_cfg,
            ipsec,
        );
        put("SB_Global", gu, Some(g));

        for nb in &dirty.dps {
            let want = self.dps.get(nb).map(|d| render_datapath(d, &self.ids).1);
            put("Datapath_Binding", self.ids.dp(*nb), want);
        }
        for name in &dirty.ports {
            let want = self
                .ports
                .get(name)
                .and_then(|p| render_port(p, &ctx))
                .map(|(_, r)| r);
            put("Port_Binding", self.ids.pb(name), want);
        }
        for (dp, name) in &dirty.mcs {
            let want = self
                .mcs
                .get(&(*dp, name.clone()))
                .and_then(|(key, members)| {
                    render_multicast_group(*dp, name, *key, members.keys(), &ctx).map(|(_, r)| r)
                });
            put("Multicast_Group", multicast_group_uuid(*dp, name), want);
        }
        for dp in &dirty.ip_mcast {
            let want = self
                .ip_mcast
                .get(dp)
                .and_then(|ms| ms.iter().min())
                .and_then(|m| render_ip_multicast(m, &ctx))
                .map(|(_, r)| r);
            let u = self
                .ids
                .keyed("IP_Multicast", &self.ids.dp(*dp).to_string());
            put("IP_Multicast", u, want);
        }
        for name in &dirty.address_sets {
            let want = self
                .address_sets
                .get(name)
                .and_then(|a| a.iter().min())
                .map(|a| render_address_set(a, &self.ids).1);
            put("Address_Set", self.ids.keyed("Address_Set", name), want);
        }
        for name in &dirty.ha {
            let old = self.ha_members.remove(name).unwrap_or_default();
            let rendered = self
                .ha
                .get(name)
                .and_then(|gs| gs.iter().min())
                .map(|g| render_ha_group(g, &ctx));
            let mut new_members = Vec::new();
            match rendered {
                Some((u, r, members)) => {
                    put("HA_Chassis_Group", u, Some(r));
                    for (mu, mr) in members {
                        new_members.push(mu);
                        put("HA_Chassis", mu, Some(mr));
                    }
                    self.ha_members.insert(name.clone(), new_members.clone());
                }
                None => put(
                    "HA_Chassis_Group",
                    self.ids.keyed("HA_Chassis_Group", name),
                    None,
                ),
            }
            for u in old.into_iter().filter(|u| !new_members.contains(u)) {
                put("HA_Chassis", u, None);
            }
        }

        // Flows, then the groups they use: compared with what was written.
        let mut own = |table: &str, u: DbUuid, want: Option<&Row>, had: Option<u64>| {
            let (op, h) = own_op(sb, table, u, want, had);
            ops.extend(op);
            h
        };
        for k in &dirty.flows {
            let new = self.flows.get(k).and_then(|fs| render_flow(fs, &ctx));
            let old = self.emitted.remove(k);
            if let Some((_, Some(gk), _)) = &old {
                if let Some(e) = self.groups.get_mut(gk) {
                    e.1 -= 1;
                }
                dirty.groups.insert(gk.clone());
            }
            let new_uuid = new.as_ref().map(|(u, _, _)| *u);
            let mut had = None;
            if let Some((ou, _, oh)) = &old {
                if Some(*ou) == new_uuid {
                    had = Some(*oh);
                } else {
                    own("Logical_Flow", *ou, None, Some(*oh));
                }
            }
            if let Some((u, r, g)) = new {
                let gk = g.map(|g| {
                    let key = g.key.clone();
                    let e = self
                        .groups
                        .entry(key.clone())
                        .or_insert((g.clone(), 0, None));
                    e.0 = g;
                    e.1 += 1;
                    dirty.groups.insert(key.clone());
                    key
                });
                let h = own("Logical_Flow", u, Some(&r), had).expect("a row was written");
                self.emitted.insert(k.clone(), (u, gk, h));
            }
        }
        for gk in &dirty.groups {
            let Some((spec, n, had)) = self.groups.get(gk) else {
                continue;
            };
            let (u, r) = render_dp_group(spec, &ctx);
            let by_uuid = || {
                vec![adapters::client::ops::cond(
                    "_uuid",
                    "==",
                    adapters::client::ops::uuid(u),
                )]
            };
            if *n == 0 {
                if had.is_some() {
                    ops.push(adapters::client::ops::delete("Logical_DP_Group", by_uuid()));
                }
                self.groups.remove(gk);
                continue;
            }
            let now = group_members(&r);
            match had {
                None => ops.push(adapters::client::ops::insert(
                    "Logical_DP_Group",
                    sb.schema.row_to_json("Logical_DP_Group", &r),
                    Some(u),
                    None,
                )),
                Some(old) if *old != now => {
                    // Members come and go one at a time: mutate the set, do not resend it.
                    let set = |v: Vec<DbUuid>| {
                        adapters::Datum::set(v.into_iter().map(adapters::Atom::Uuid).collect())
                            .to_json()
                    };
                    let added: Vec<DbUuid> = now
                        .iter()
                        .filter(|d| old.binary_search(d).is_err())
                        .copied()
                        .collect();
                    let removed: Vec<DbUuid> = old
                        .iter()
                        .filter(|d| now.binary_search(d).is_err())
                        .copied()
                        .collect();
                    let mut mutations = Vec::new();
                    if !removed.is_empty() {
                        mutations.push(serde_json::json!(["datapaths", "delete", set(removed)]));
                    }
                    if !added.is_empty() {
                        mutations.push(serde_json::json!(["datapaths", "insert", set(added)]));
                    }
                    ops.push(adapters::client::ops::mutate(
                        "Logical_DP_Group",
                        by_uuid(),
                        mutations,
                    ));
                }
                Some(_) => {}
            }
            self.groups.get_mut(gk).expect("present").2 = Some(now);
        }
        ops
    }
}
