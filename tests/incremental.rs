//! Incremental equals from scratch: random sequences of NB (and SB chassis) changes are
//! applied one transaction at a time; after each, the Southbound the incremental northd
//! has accumulated must equal a fresh computation over the current rows (seeded with the
//! current tunnel keys, as a restart would be), and no surviving row's key may change.

use std::collections::{BTreeMap, BTreeSet};

use ovn_dd::driver::Northd;
use rules::input::*;
use rules::output::Output;
use rules::{Istr, Uuid};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn pick<T: Clone>(&mut self, v: &[T]) -> Option<T> {
        if v.is_empty() {
            None
        } else {
            Some(v[self.below(v.len() as u64) as usize].clone())
        }
    }
}

fn s(x: &str) -> Istr {
    Istr::from(x)
}

fn smap(pairs: &[(&str, &str)]) -> Smap {
    let mut m: Smap = pairs.iter().map(|(k, v)| (s(k), s(v))).collect();
    m.sort();
    m
}

/// The current input rows, by UUID (NB_Global under UUID 1).
struct World {
    rows: BTreeMap<Uuid, Input>,
    next: u128,
}

impl World {
    fn new() -> World {
        let mut rows = BTreeMap::new();
        rows.insert(Uuid(1), Input::from(NbGlobal::default()));
        World { rows, next: 0x1000 }
    }
    fn fresh(&mut self, rng: &mut Rng) -> Uuid {
        // Random high bits so that UUID order differs from creation order.
        self.next += 1;
        Uuid(((rng.next() as u128) << 64) | self.next)
    }
    fn of<T>(&self, f: impl Fn(&Input) -> Option<T>) -> Vec<T> {
        self.rows.values().filter_map(f).collect()
    }
    fn switches(&self) -> Vec<LogicalSwitch> {
        self.of(|i| {
            if let Input::Ls(x) = i {
                Some((**x).clone())
            } else {
                None
            }
        })
    }
    fn routers(&self) -> Vec<LogicalRouter> {
        self.of(|i| {
            if let Input::Lr(x) = i {
                Some((**x).clone())
            } else {
                None
            }
        })
    }
    fn lsps(&self) -> Vec<LogicalSwitchPort> {
        self.of(|i| {
            if let Input::Lsp(x) = i {
                Some((**x).clone())
            } else {
                None
            }
        })
    }
    fn lrps(&self) -> Vec<LogicalRouterPort> {
        self.of(|i| {
            if let Input::Lrp(x) = i {
                Some((**x).clone())
            } else {
                None
            }
        })
    }
    fn chassis(&self) -> Vec<Chassis> {
        self.of(|i| {
            if let Input::Chassis(x) = i {
                Some((**x).clone())
            } else {
                None
            }
        })
    }
}

/// Changes collected for one transaction: old rows out, new rows in.
struct Txn<'a> {
    w: &'a mut World,
    changes: Vec<(Input, isize)>,
}

impl Txn<'_> {
    fn put(&mut self, u: Uuid, row: Input) {
        if let Some(old) = self.w.rows.insert(u, row.clone()) {
            self.changes.push((old, -1));
        }
        self.changes.push((row, 1));
    }
    fn del(&mut self, u: Uuid) {
        if let Some(old) = self.w.rows.remove(&u) {
            self.changes.push((old, -1));
        }
    }
}

fn mac(rng: &mut Rng) -> String {
    format!(
        "0a:00:{:02x}:{:02x}:{:02x}:{:02x}",
        rng.below(256),
        rng.below(256),
        rng.below(256),
        rng.below(256)
    )
}

/// One random change. Returns members whose requested key changed (exempt from the
/// stability check).
fn random_change(rng: &mut Rng, t: &mut Txn) -> Vec<Uuid> {
    let mut exempt = Vec::new();
    let sws = t.w.switches();
    let lrs = t.w.routers();
    match rng.below(16) {
        0 | 1 => {
            let u = t.w.fresh(rng);
            t.put(
                u,
                Input::from(LogicalSwitch {
                    uuid: u,
                    name: s(&format!("ls{}", u.0 & 0xffff)),
                    ..Default::default()
                }),
            );
        }
        2 => {
            if let Some(sw) = rng.pick(&sws) {
                for p in &sw.ports {
                    t.del(*p);
                }
                t.del(sw.uuid);
            }
        }
        3..=5 => {
            if let Some(mut sw) = rng.pick(&sws) {
                let u = t.w.fresh(rng);
                let net = sw.uuid.0 as u8;
                let addr = match rng.below(5) {
                    0 => "unknown".to_string(),
                    1 => format!("{} 10.{net}.0.{}", mac(rng), rng.below(250) + 2),
                    2 => format!(
                        "{} 10.{net}.0.{} fd{net:02x}::{:x}",
                        mac(rng),
                        rng.below(250) + 2,
                        rng.below(999) + 2
                    ),
                    3 => mac(rng),
                    _ => format!("{} 10.{net}.1.{}", mac(rng), rng.below(250) + 2),
                };
                let kind = match rng.below(8) {
                    0 => "localport",
                    1 => "remote",
                    _ => "",
                };
                t.put(
                    u,
                    Input::from(LogicalSwitchPort {
                        uuid: u,
                        name: s(&format!("p{}", u.0 & 0xffff)),
                        kind: s(kind),
                        addresses: vec![s(&addr)],
                        enabled: if rng.chance(15) { Some(false) } else { None },
                        port_security: if rng.chance(20) {
                            vec![s(&addr)]
                        } else {
                            vec![]
                        },
                        ..Default::default()
                    }),
                );
                sw.ports.push(u);
                sw.ports.sort();
                t.put(sw.uuid, Input::from(sw));
            }
        }
        6 => {
            // Delete a port (the switch keeps a dangling reference half of the time).
            if let Some(p) = rng.pick(&t.w.lsps()) {
                t.del(p.uuid);
                if rng.chance(50)
                    && let Some(mut sw) = sws.into_iter().find(|s| s.ports.contains(&p.uuid))
                {
                    sw.ports.retain(|x| *x != p.uuid);
                    t.put(sw.uuid, Input::from(sw));
                }
            }
        }
        7 => {
            // Update a port.
            if let Some(mut p) = rng.pick(&t.w.lsps()) {
                match rng.below(3) {
                    0 => {
                        p.enabled = if p.enabled == Some(false) {
                            None
                        } else {
                            Some(false)
                        }
                    }
                    1 => {
                        p.addresses =
                            vec![s(&format!("{} 10.9.0.{}", mac(rng), rng.below(200) + 2))]
                    }
                    _ => p.up = Some(!p.up.unwrap_or(false)),
                }
                t.put(p.uuid, Input::from(p));
            }
        }
        8 => {
            let u = t.w.fresh(rng);
            t.put(
                u,
                Input::from(LogicalRouter {
                    uuid: u,
                    name: s(&format!("lr{}", u.0 & 0xffff)),
                    ..Default::default()
                }),
            );
        }
        9 => {
            if let Some(lr) = rng.pick(&lrs) {
                for p in &lr.ports {
                    t.del(*p);
                }
                t.del(lr.uuid);
            }
        }
        10 | 11 => {
            // Connect a router to a switch.
            if let (Some(mut lr), Some(mut sw)) = (rng.pick(&lrs), rng.pick(&sws)) {
                let (pu, su) = (t.w.fresh(rng), t.w.fresh(rng));
                let net = sw.uuid.0 as u8;
                let lrp_name = format!("rp{}", pu.0 & 0xffff);
                let mut networks = vec![s(&format!("10.{net}.0.1/24"))];
                if rng.chance(40) {
                    networks.push(s(&format!("fd{net:02x}::1/64")));
                }
                t.put(
                    pu,
                    Input::from(LogicalRouterPort {
                        uuid: pu,
                        name: s(&lrp_name),
                        mac: s(&mac(rng)),
                        networks,
                        gateway_chassis: if rng.chance(15) {
                            vec![Uuid(77)]
                        } else {
                            vec![]
                        },
                        ..Default::default()
                    }),
                );
                t.put(
                    su,
                    Input::from(LogicalSwitchPort {
                        uuid: su,
                        name: s(&format!("sp{}", su.0 & 0xffff)),
                        kind: s("router"),
                        addresses: vec![s("router")],
                        options: smap(&[("router-port", &lrp_name)]),
                        ..Default::default()
                    }),
                );
                lr.ports.push(pu);
                lr.ports.sort();
                sw.ports.push(su);
                sw.ports.sort();
                t.put(lr.uuid, Input::from(lr));
                t.put(sw.uuid, Input::from(sw));
            }
        }
        12 => {
            // Change a router port.
            if let Some(mut p) = rng.pick(&t.w.lrps()) {
                match rng.below(3) {
                    0 => {
                        p.enabled = if p.enabled == Some(false) {
                            None
                        } else {
                            Some(false)
                        }
                    }
                    1 => p
                        .networks
                        .push(s(&format!("192.168.{}.1/24", rng.below(200)))),
                    _ => {
                        p.gateway_chassis = if p.gateway_chassis.is_empty() {
                            vec![Uuid(77)]
                        } else {
                            vec![]
                        }
                    }
                }
                p.networks.sort();
                p.networks.dedup();
                t.put(p.uuid, Input::from(p));
            }
        }
        13 => {
            // Add or remove a static route.
            if let Some(mut lr) = rng.pick(&lrs) {
                if !lr.static_routes.is_empty() && rng.chance(40) {
                    let r = lr.static_routes.remove(0);
                    t.del(r);
                } else {
                    let u = t.w.fresh(rng);
                    let (prefix, nexthop) = match rng.below(4) {
                        0 => (
                            "0.0.0.0/0".to_string(),
                            format!("10.{}.0.254", rng.below(256)),
                        ),
                        1 => (
                            format!("172.16.{}.0/24", rng.below(4)),
                            "discard".to_string(),
                        ),
                        2 => (
                            format!("fd77:{}::/64", rng.below(4)),
                            format!("fd{:02x}::fe", rng.below(256)),
                        ),
                        _ => (
                            format!("172.16.{}.0/24", rng.below(4)),
                            format!("10.{}.0.9", rng.below(256)),
                        ),
                    };
                    t.put(
                        u,
                        Input::from(StaticRoute {
                            uuid: u,
                            ip_prefix: s(&prefix),
                            nexthop: s(&nexthop),
                            ..Default::default()
                        }),
                    );
                    lr.static_routes.push(u);
                    lr.static_routes.sort();
                }
                t.put(lr.uuid, Input::from(lr));
            }
        }
        14 => {
            // Chassis come and go (they change feature flags and key ranges).
            if let Some(c) = rng.pick(&t.w.chassis()).filter(|_| rng.chance(50)) {
                t.del(c.uuid);
            } else {
                let u = t.w.fresh(rng);
                let mut other_config = Smap::new();
                if rng.chance(50) {
                    other_config =
                        smap(&[("ct-no-masked-label", "true"), ("port-up-notif", "true")]);
                }
                t.put(
                    u,
                    Input::from(Chassis {
                        uuid: u,
                        name: s(&format!("hv{}", u.0 & 0xffff)),
                        other_config,
                        encap_types: vec![s("geneve")],
                        ..Default::default()
                    }),
                );
            }
        }
        _ => {
            if rng.chance(50) {
                let opts = if rng.chance(50) {
                    smap(&[("ignore_lsp_down", "false")])
                } else {
                    Smap::new()
                };
                t.put(Uuid(1), Input::from(NbGlobal { options: opts }));
            } else if let Some(mut sw) = rng.pick(&sws) {
                // A requested key far above anything allocated.
                sw.other_config =
                    smap(&[("requested-tnl-key", &(5000 + rng.below(50)).to_string())]);
                exempt.push(sw.uuid);
                t.put(sw.uuid, Input::from(sw));
            }
        }
    }
    exempt
}

fn rows(n: &Northd) -> Vec<Output> {
    let mut v: Vec<Output> = n.state().rows().cloned().collect();
    v.sort();
    v
}

fn keys(rows: &[Output]) -> BTreeMap<(Option<Uuid>, Istr, Uuid), u32> {
    let mut m = BTreeMap::new();
    for r in rows {
        match r {
            Output::Datapath(d) => {
                m.insert((None, s(""), d.nb), d.tunnel_key);
            }
            Output::Port(p) => {
                m.insert((Some(p.dp), p.logical_port.clone(), Uuid(0)), p.tunnel_key);
            }
            _ => {}
        }
    }
    m
}

fn pins(rows: &[Output]) -> Vec<Input> {
    keys(rows)
        .into_iter()
        .map(|((dom, name, nb), key)| {
            let member = if dom.is_none() {
                KeyMember::Datapath(nb)
            } else {
                KeyMember::Port(name)
            };
            Input::KeyPin(KeyPin {
                domain: dom,
                member,
                key,
            })
        })
        .collect()
}

fn run_sequence(seed: u64, txns: usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
    let mut world = World::new();
    let mut northd = Northd::new();
    northd.apply(
        world
            .rows
            .values()
            .map(|r| (r.clone(), 1))
            .collect::<Vec<_>>(),
    );
    let mut before = rows(&northd);
    for n in 0..txns {
        let mut t = Txn {
            w: &mut world,
            changes: Vec::new(),
        };
        let mut exempt = BTreeSet::new();
        for _ in 0..1 + rng.below(3) {
            exempt.extend(random_change(&mut rng, &mut t));
        }
        let changes = t.changes;
        northd.apply(changes);
        let after = rows(&northd);

        // Equal to a fresh computation over the current rows and keys.
        let mut fresh = Northd::new();
        let mut inputs: Vec<Input> = world.rows.values().cloned().collect();
        inputs.extend(pins(&after));
        fresh.apply(inputs.into_iter().map(|i| (i, 1)).collect::<Vec<_>>());
        let scratch = rows(&fresh);
        if scratch != after {
            let a: BTreeSet<_> = after.iter().collect();
            let b: BTreeSet<_> = scratch.iter().collect();
            let only_inc: Vec<_> = a.difference(&b).take(5).collect();
            let only_fresh: Vec<_> = b.difference(&a).take(5).collect();
            panic!(
                "seed {seed} txn {n}: incremental != from scratch\nonly incremental: {only_inc:#?}\nonly fresh: {only_fresh:#?}"
            );
        }

        // No surviving row's key changed.
        let (kb, ka) = (keys(&before), keys(&after));
        for (k, v) in &kb {
            if let Some(v2) = ka.get(k) {
                let exempted = k.0.is_none() && exempt.contains(&k.2);
                assert!(
                    exempted || v == v2,
                    "seed {seed} txn {n}: key of {k:?} moved {v} -> {v2}"
                );
            }
        }
        before = after;
    }
}

#[test]
fn incremental_equals_from_scratch() {
    for seed in 1..=12 {
        run_sequence(seed, 60);
    }
}

#[test]
fn delete_everything_leaves_nothing() {
    let mut rng = Rng(99);
    let mut world = World::new();
    let mut northd = Northd::new();
    northd.apply(
        world
            .rows
            .values()
            .map(|r| (r.clone(), 1))
            .collect::<Vec<_>>(),
    );
    for _ in 0..80 {
        let mut t = Txn {
            w: &mut world,
            changes: Vec::new(),
        };
        random_change(&mut rng, &mut t);
        let c = t.changes;
        northd.apply(c);
    }
    assert!(rows(&northd).iter().any(|r| matches!(r, Output::Flow(_))));
    let all: Vec<(Input, isize)> = world.rows.values().map(|r| (r.clone(), -1)).collect();
    northd.apply(all);
    assert!(
        rows(&northd).is_empty(),
        "rows left: {:?}",
        rows(&northd).iter().take(5).collect::<Vec<_>>()
    );
}
