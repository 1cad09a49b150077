//! Test-only: a zone's view of the four databases, built row by row, and the pending
//! writes the rules compute for it. The engine is kept across calls, so every test also
//! exercises the incremental path.

use std::collections::BTreeMap;

use engine::Engine;

use crate::input::*;
use crate::op::Op;

pub struct Zone {
    next: u128,
    rows: BTreeMap<Uuid, Input>,
    committed: BTreeMap<Uuid, Input>,
    engine: Engine<Input, Op>,
    state: BTreeMap<Op, isize>,
    nb_global: Uuid,
    /// The zone's own `Availability_Zone` row.
    pub az: Uuid,
}

/// Whether some op's debug text starts with `prefix`.
pub fn has(ops: &[Op], prefix: &str) -> bool {
    ops.iter().any(|o| format!("{o:?}").starts_with(prefix))
}

fn s(v: &str) -> Istr {
    Istr::from(v)
}

fn opt(v: Option<&str>) -> Option<Istr> {
    v.map(Istr::from)
}

impl Zone {
    /// A zone named `name`, already registered in IC-SB.
    pub fn new(name: &str) -> Zone {
        let mut z = Zone::unregistered(name);
        let az = z.uuid();
        z.az = az;
        z.put(
            az,
            Az {
                uuid: az,
                name: s(name),
            },
        );
        z
    }

    /// A zone named `name` in NB, not yet in IC-SB.
    pub fn unregistered(name: &str) -> Zone {
        let mut z = Zone {
            next: 0x1000,
            rows: BTreeMap::new(),
            committed: BTreeMap::new(),
            engine: Engine::new(crate::ic),
            state: BTreeMap::new(),
            nb_global: Uuid(1),
            az: Uuid(0),
        };
        let g = z.nb_global;
        z.put(
            g,
            NbGlobal {
                uuid: g,
                name: s(name),
                options: Vec::new(),
            },
        );
        z
    }

    pub fn uuid(&mut self) -> Uuid {
        self.next += 1;
        Uuid(self.next << 64 | self.next)
    }

    fn put(&mut self, u: Uuid, row: impl Into<Input>) -> Uuid {
        self.rows.insert(u, row.into());
        u
    }

    pub fn remove(&mut self, u: Uuid) {
        assert!(self.rows.remove(&u).is_some(), "no row {u}");
    }

    /// The rows of one kind matching `f`, as (UUID, input).
    fn find(&self, f: impl Fn(&Input) -> bool) -> Vec<Uuid> {
        self.rows
            .iter()
            .filter(|(_, i)| f(i))
            .map(|(u, _)| *u)
            .collect()
    }

    /// The pending writes for the current rows.
    pub fn ops(&mut self) -> Vec<Op> {
        let mut changes = Vec::new();
        for (u, old) in &self.committed {
            if self.rows.get(u) != Some(old) {
                changes.push((old.clone(), -1));
            }
        }
        for (u, new) in &self.rows {
            if self.committed.get(u) != Some(new) {
                changes.push((new.clone(), 1));
            }
        }
        self.committed = self.rows.clone();
        for (op, d) in self.engine.commit(changes) {
            let n = self.state.entry(op.clone()).or_default();
            *n += d;
            if *n == 0 {
                self.state.remove(&op);
            }
        }
        assert!(self.state.values().all(|n| *n > 0), "{:?}", self.state);
        // Recomputing from scratch gives the same.
        let mut fresh: Engine<Input, Op> = Engine::new(crate::ic);
        let mut again: Vec<Op> = fresh
            .commit(self.rows.values().map(|i| (i.clone(), 1)))
            .into_iter()
            .filter(|(_, d)| *d > 0)
            .map(|(o, _)| o)
            .collect();
        again.sort();
        let ops: Vec<Op> = self.state.keys().cloned().collect();
        assert_eq!(ops, again, "incremental and from-scratch results differ");
        ops
    }

    // --- NB.

    pub fn options(&mut self, kv: &[(&str, &str)]) {
        let g = self.nb_global;
        let name = match &self.rows[&g] {
            Input::NbGlobal(n) => n.name.clone(),
            _ => unreachable!(),
        };
        self.put(
            g,
            NbGlobal {
                uuid: g,
                name,
                options: kv.iter().map(|(k, v)| (s(k), s(v))).collect(),
            },
        );
    }

    pub fn ts_ls(&mut self, ts: &str, key: Option<&str>) -> Uuid {
        self.ts_ls_named(ts, ts, key)
    }

    pub fn ts_ls_named(&mut self, name: &str, ts: &str, key: Option<&str>) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Ls {
                uuid: u,
                name: s(name),
                interconn_ts: s(ts),
                requested_key: opt(key),
                ports: Vec::new(),
            },
        )
    }

    fn ls_mut(&mut self, u: Uuid, f: impl FnOnce(&mut Ls)) {
        let Input::Ls(l) = &self.rows[&u] else {
            panic!("{u} is no switch")
        };
        let mut l = (**l).clone();
        f(&mut l);
        self.put(u, l);
    }

    pub fn set_ts_ls_key(&mut self, u: Uuid, key: &str) {
        self.ls_mut(u, |l| l.requested_key = Some(s(key)));
    }

    /// A port of switch `ls`.
    pub fn lsp(&mut self, ls: Uuid, name: &str, kind: &str, addresses: &[&str]) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Lsp {
                uuid: u,
                name: s(name),
                kind: s(kind),
                addresses: addresses.iter().map(|a| s(a)).collect(),
                router_port: None,
                requested_key: None,
            },
        );
        self.ls_mut(ls, |l| l.ports.push(u));
        u
    }

    fn lsp_mut(&mut self, u: Uuid, f: impl FnOnce(&mut Lsp)) {
        let Input::Lsp(l) = &self.rows[&u] else {
            panic!("{u} is no switch port")
        };
        let mut l = (**l).clone();
        f(&mut l);
        self.put(u, l);
    }

    pub fn set_lsp_router_port(&mut self, u: Uuid, rp: &str) {
        self.lsp_mut(u, |l| l.router_port = Some(s(rp)));
    }

    pub fn set_lsp_key(&mut self, u: Uuid, key: &str) {
        self.lsp_mut(u, |l| l.requested_key = Some(s(key)));
    }

    pub fn lrp(&mut self, name: &str, networks: &[&str], route_table: &str) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Lrp {
                uuid: u,
                name: s(name),
                networks: networks.iter().map(|n| s(n)).collect(),
                route_table: s(route_table),
            },
        )
    }

    pub fn lrp_row(&self, name: &str) -> Uuid {
        self.find(|i| matches!(i, Input::Lrp(p) if p.name.as_str() == name))[0]
    }

    pub fn static_route(
        &mut self,
        prefix: &str,
        nexthop: &str,
        route_table: &str,
        policy: Option<&str>,
    ) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            StaticRoute {
                uuid: u,
                ip_prefix: s(prefix),
                nexthop: s(nexthop),
                route_table: s(route_table),
                policy: opt(policy),
                learned: None,
                origin: None,
            },
        )
    }

    /// A route as ovn-ic learns it (not yet on the router).
    pub fn learned_route(
        &mut self,
        _lr: Uuid,
        prefix: &str,
        nexthop: &str,
        route_table: &str,
        origin: &str,
        ic_route: Uuid,
    ) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            StaticRoute {
                uuid: u,
                ip_prefix: s(prefix),
                nexthop: s(nexthop),
                route_table: s(route_table),
                policy: None,
                learned: Some(s(&ic_route.to_string())),
                origin: Some(s(origin)),
            },
        )
    }

    pub fn router(&mut self, u: Uuid, name: &str, ports: &[Uuid], routes: &[Uuid]) {
        self.put(
            u,
            Lr {
                uuid: u,
                name: s(name),
                ports: ports.to_vec(),
                static_routes: routes.to_vec(),
            },
        );
    }

    fn lr_mut(&mut self, u: Uuid, f: impl FnOnce(&mut Lr)) {
        let Input::Lr(l) = &self.rows[&u] else {
            panic!("{u} is no router")
        };
        let mut l = (**l).clone();
        f(&mut l);
        self.put(u, l);
    }

    pub fn set_router_routes(&mut self, lr: Uuid, routes: &[Uuid]) {
        self.lr_mut(lr, |l| l.static_routes = routes.to_vec());
    }

    pub fn add_router_route(&mut self, lr: Uuid, route: Uuid) {
        self.lr_mut(lr, |l| l.static_routes.push(route));
    }

    pub fn set_router_ports(&mut self, lr: Uuid, ports: &[Uuid]) {
        self.lr_mut(lr, |l| l.ports = ports.to_vec());
    }

    // --- SB.

    pub fn chassis(
        &mut self,
        name: &str,
        hostname: &str,
        interconn: bool,
        remote: bool,
        encaps: Vec<Encap>,
    ) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Chassis {
                uuid: u,
                name: s(name),
                hostname: s(hostname),
                interconn,
                remote,
                encaps,
            },
        )
    }

    pub fn remove_chassis(&mut self, name: &str) {
        for u in self.find(|i| matches!(i, Input::Chassis(c) if c.name.as_str() == name)) {
            self.remove(u);
        }
    }

    /// An SB binding.
    pub fn pb(
        &mut self,
        name: &str,
        datapath: Uuid,
        mac: Option<&str>,
        peer: Option<&str>,
        chassis: Option<Uuid>,
    ) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Pb {
                uuid: u,
                logical_port: s(name),
                datapath,
                mac: opt(mac),
                peer: opt(peer),
                chassis,
            },
        )
    }

    pub fn remove_pb(&mut self, name: &str) {
        for u in self.find(|i| matches!(i, Input::Pb(p) if p.logical_port.as_str() == name)) {
            self.remove(u);
        }
    }

    /// An SB router datapath for NB router `lr`.
    pub fn sb_router_dp(&mut self, lr: Uuid) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Dp {
                uuid: u,
                logical_router: lr,
            },
        )
    }

    // --- IC-NB and IC-SB.

    pub fn ts(&mut self, name: &str) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Ts {
                uuid: u,
                name: s(name),
            },
        )
    }

    pub fn no_ts(&mut self, name: &str) {
        for u in self.find(|i| matches!(i, Input::Ts(t) if t.name.as_str() == name)) {
            self.remove(u);
        }
    }

    pub fn other_az(&mut self, name: &str) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Az {
                uuid: u,
                name: s(name),
            },
        )
    }

    pub fn icdp(&mut self, ts: &str, key: u32) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            IcDp {
                uuid: u,
                ts: s(ts),
                key,
            },
        )
    }

    pub fn icdp_row(&self, ts: &str) -> Uuid {
        self.find(|i| matches!(i, Input::IcDp(d) if d.ts.as_str() == ts))[0]
    }

    pub fn gw(&mut self, name: &str, az: Uuid, hostname: &str, encaps: Vec<Encap>) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            Gw {
                uuid: u,
                name: s(name),
                az,
                hostname: s(hostname),
                encaps,
            },
        )
    }

    pub fn icpb(
        &mut self,
        ts: &str,
        name: &str,
        az: Uuid,
        key: u32,
        gateway: &str,
        address: &str,
    ) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            IcPb {
                uuid: u,
                ts: s(ts),
                logical_port: s(name),
                az,
                key,
                gateway: s(gateway),
                address: s(address),
                router_id: None,
            },
        )
    }

    pub fn set_icpb_router_id(&mut self, u: Uuid, lr: Uuid) {
        let Input::IcPb(p) = &self.rows[&u] else {
            panic!("{u} is no IC-SB binding")
        };
        let mut p = (**p).clone();
        p.router_id = Some(s(&lr.to_string()));
        self.put(u, p);
    }

    pub fn remove_icpb(&mut self, name: &str) {
        for u in self.find(|i| matches!(i, Input::IcPb(p) if p.logical_port.as_str() == name)) {
            self.remove(u);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn icroute(
        &mut self,
        ts: &str,
        az: Uuid,
        route_table: &str,
        prefix: &str,
        nexthop: &str,
        origin: &str,
        nb_id: Option<Uuid>,
    ) -> Uuid {
        let u = self.uuid();
        self.put(
            u,
            IcRoute {
                uuid: u,
                ts: s(ts),
                az,
                route_table: s(route_table),
                ip_prefix: s(prefix),
                nexthop: s(nexthop),
                origin: s(origin),
                nb_id: nb_id.map(|n| s(&n.to_string())),
            },
        )
    }
}
