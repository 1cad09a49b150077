//! Test-only helpers for rule-level unit tests: build a few NB/SB input rows, run the
//! whole of [`crate::northd`] on them in one transaction (no OVSDB involved), and pick
//! out the flows of one stage on one datapath as `(priority, match, actions)` strings.
//!
//! ```ignore
//! let mut t = Topo::new();
//! let sw = t.switch("sw0");
//! t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5"]);
//! let out = t.run();
//! assert_flows(out.stage(sw, Stage::LsInL2Lkup), &[(50, "eth.dst == ...", "...")]);
//! ```
//!
//! UUIDs are handed out in creation order as `Uuid(n << 96 | n)`, so the `stage-hint` of
//! the n-th row is `n` and "UUID order" is creation order.

use engine::Engine;

use crate::input::*;
use crate::intern::Istr;
use crate::output::{Dp, Flow, Output};
use crate::stage::Stage;

/// The UUID of the `n`-th row: hint `n`, ordered by `n`.
pub(crate) fn uuid(n: u128) -> Uuid {
    Uuid((n << 96) | n)
}

/// A string map from pairs (sorted by key, as OVSDB keeps them).
pub(crate) fn smap(kv: &[(&str, &str)]) -> Smap {
    let mut m: Smap = kv
        .iter()
        .map(|(k, v)| (Istr::new(k), Istr::new(v)))
        .collect();
    m.sort();
    m
}

fn istrs(v: &[&str]) -> Vec<Istr> {
    v.iter().map(|s| Istr::new(s)).collect()
}

// --- Plain row builders.

/// The NB_Global row (the driver always supplies one; nothing is computed without it).
pub(crate) fn nb_global(options: &[(&str, &str)]) -> Input {
    Input::from(NbGlobal {
        options: smap(options),
    })
}

/// A logical switch listing `ports`.
pub(crate) fn ls(uuid: Uuid, name: &str, ports: &[Uuid]) -> LogicalSwitch {
    LogicalSwitch {
        uuid,
        name: name.into(),
        ports: ports.to_vec(),
        ..Default::default()
    }
}

/// A switch port of type `kind` ("" for a VIF) with `addresses`.
pub(crate) fn lsp(uuid: Uuid, name: &str, kind: &str, addresses: &[&str]) -> LogicalSwitchPort {
    let mut addresses = istrs(addresses);
    addresses.sort(); // an OVSDB set: sorted strings
    LogicalSwitchPort {
        uuid,
        name: name.into(),
        kind: kind.into(),
        addresses,
        ..Default::default()
    }
}

/// A logical router listing `ports` and `static_routes`.
pub(crate) fn lr(uuid: Uuid, name: &str, ports: &[Uuid], routes: &[Uuid]) -> LogicalRouter {
    LogicalRouter {
        uuid,
        name: name.into(),
        ports: ports.to_vec(),
        static_routes: routes.to_vec(),
        ..Default::default()
    }
}

/// A router port with its MAC and networks.
pub(crate) fn lrp(uuid: Uuid, name: &str, mac: &str, networks: &[&str]) -> LogicalRouterPort {
    let mut networks = istrs(networks);
    networks.sort(); // an OVSDB set: sorted strings
    LogicalRouterPort {
        uuid,
        name: name.into(),
        mac: mac.into(),
        networks,
        ..Default::default()
    }
}

/// A static route `prefix` via `nexthop` (raw NB strings).
pub(crate) fn route(uuid: Uuid, prefix: &str, nexthop: &str) -> StaticRoute {
    StaticRoute {
        uuid,
        ip_prefix: prefix.into(),
        nexthop: nexthop.into(),
        ..Default::default()
    }
}

/// An SB chassis with `other_config` (feature flags such as `ct-no-masked-label`).
pub(crate) fn chassis(uuid: Uuid, name: &str, other_config: &[(&str, &str)]) -> Chassis {
    Chassis {
        uuid,
        name: name.into(),
        hostname: name.into(),
        other_config: smap(other_config),
        encap_types: vec!["geneve".into()],
    }
}

/// Chassis other_config announcing every feature northd checks.
pub(crate) const ALL_FEATURES: &[(&str, &str)] = &[
    ("ct-no-masked-label", "true"),
    ("mac-binding-timestamp", "true"),
    ("ovn-ct-lb-related", "true"),
    ("port-up-notif", "true"),
];

// --- Running the rules.

/// Runs `northd` on `rows` in one commit and returns the output rows (all with a
/// positive count: one commit from nothing only inserts).
pub(crate) fn run(rows: Vec<Input>) -> Vec<Output> {
    let mut e: Engine<Input, Output> = Engine::new(crate::northd);
    let out = e.commit(rows.into_iter().map(|r| (r, 1)));
    let mut v = Vec::new();
    for (o, n) in out {
        assert!(n > 0, "a first commit produced a retraction: {o:?} x{n}");
        v.push(o);
    }
    v
}

/// The flows of `run(rows)`.
pub(crate) fn run_flows(rows: Vec<Input>) -> Vec<Flow> {
    expand(&run(rows))
}

/// The flows among `outputs`, each on one datapath: flows kept once for every switch
/// (or router) are repeated on each switch (router) that has a Datapath_Binding.
pub(crate) fn expand(outputs: &[Output]) -> Vec<Flow> {
    let mut switches = Vec::new();
    let mut routers = Vec::new();
    for o in outputs {
        if let Output::Datapath(d) = o {
            if d.external_ids
                .iter()
                .any(|(k, _)| k.as_str() == "logical-switch")
            {
                switches.push(d.nb);
            } else {
                routers.push(d.nb);
            }
        }
    }
    let mut v = Vec::new();
    for o in outputs {
        if let Output::Flow(f) = o {
            let dps = match f.dp {
                Dp::One(_) => {
                    v.push(f.clone());
                    continue;
                }
                Dp::Switches => &switches,
                Dp::Routers => &routers,
            };
            for d in dps {
                v.push(Flow {
                    dp: Dp::One(*d),
                    ..f.clone()
                });
            }
        }
    }
    v
}

/// `(priority, match, actions)` of a flow.
pub(crate) type Pma = (u16, String, String);

/// Flows of `stage` on datapath `dp` as `(priority, match, actions)`, deduplicated (as
/// the SB table holds them) and sorted.
pub(crate) fn stage_flows(flows: &[Flow], dp: Uuid, stage: Stage) -> Vec<Pma> {
    let mut v: Vec<Pma> = flows
        .iter()
        .filter(|f| f.dp == Dp::One(dp) && f.stage == stage)
        .map(|f| (f.priority, f.match_.to_string(), f.actions.to_string()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Expected flows written as string slices, sorted like [`stage_flows`].
pub(crate) fn pma(expected: &[(u16, &str, &str)]) -> Vec<Pma> {
    let mut v: Vec<Pma> = expected
        .iter()
        .map(|(p, m, a)| (*p, m.to_string(), a.to_string()))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn show(v: &[Pma]) -> String {
    v.iter()
        .map(|(p, m, a)| format!("  {p:>5} | {m} | {a}\n"))
        .collect()
}

/// Asserts that `actual` is exactly the set `expected`, listing what is missing and what
/// is unexpected.
#[track_caller]
pub(crate) fn assert_flows(actual: Vec<Pma>, expected: &[(u16, &str, &str)]) {
    let expected = pma(expected);
    if actual != expected {
        let missing: Vec<Pma> = expected
            .iter()
            .filter(|e| !actual.contains(e))
            .cloned()
            .collect();
        let extra: Vec<Pma> = actual
            .iter()
            .filter(|a| !expected.contains(a))
            .cloned()
            .collect();
        panic!(
            "flows differ\nmissing:\n{}unexpected:\n{}",
            show(&missing),
            show(&extra)
        );
    }
}

/// Asserts that every flow of `expected` is among `actual` (for stages where a test only
/// cares about some of the flows).
#[track_caller]
pub(crate) fn assert_has_flows(actual: &[Pma], expected: &[(u16, &str, &str)]) {
    let missing: Vec<Pma> = pma(expected)
        .into_iter()
        .filter(|e| !actual.contains(e))
        .collect();
    assert!(
        missing.is_empty(),
        "missing flows:\n{}present:\n{}",
        show(&missing),
        show(actual)
    );
}

/// The result of one run.
pub(crate) struct Run {
    pub flows: Vec<Flow>,
    pub outputs: Vec<Output>,
}

impl Run {
    /// The flows of `stage` on `dp`, see [`stage_flows`].
    pub fn stage(&self, dp: Uuid, stage: Stage) -> Vec<Pma> {
        stage_flows(&self.flows, dp, stage)
    }

    /// The flow of `stage` on `dp` with this priority and match (and these actions, if
    /// given); panics unless there is exactly one such distinct flow.
    #[track_caller]
    pub fn flow(&self, dp: Uuid, stage: Stage, priority: u16, m: &str) -> &Flow {
        let found: Vec<&Flow> = self
            .flows
            .iter()
            .filter(|f| {
                f.dp == Dp::One(dp)
                    && f.stage == stage
                    && f.priority == priority
                    && f.match_.as_str() == m
            })
            .collect();
        assert!(
            !found.is_empty(),
            "no flow {stage:?} p{priority} `{m}` on {dp}"
        );
        assert!(
            found.iter().all(|f| *f == found[0]),
            "several flows {stage:?} p{priority} `{m}`: {found:?}"
        );
        found[0]
    }

    /// Diagnostics about NB rows.
    pub fn diags(&self) -> Vec<String> {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                Output::Diag(d) => Some(d.message.to_string()),
                _ => None,
            })
            .collect()
    }
}

// --- A small topology builder with automatic UUIDs.

/// Rows of a test topology; fields are public so a test can tweak any column.
pub(crate) struct Topo {
    next: u128,
    pub options: Vec<(String, String)>,
    pub switches: Vec<LogicalSwitch>,
    pub lsps: Vec<LogicalSwitchPort>,
    pub routers: Vec<LogicalRouter>,
    pub lrps: Vec<LogicalRouterPort>,
    pub routes: Vec<StaticRoute>,
    pub chassis: Vec<Chassis>,
    /// Any other rows (gateway chassis, HA groups, ...).
    pub extra: Vec<Input>,
}

impl Topo {
    pub fn new() -> Topo {
        Topo {
            next: 1,
            options: Vec::new(),
            switches: Vec::new(),
            lsps: Vec::new(),
            routers: Vec::new(),
            lrps: Vec::new(),
            routes: Vec::new(),
            chassis: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// A fresh UUID (creation order = UUID order).
    pub fn uuid(&mut self) -> Uuid {
        let u = uuid(self.next);
        self.next += 1;
        u
    }

    /// Sets an NB_Global option.
    pub fn option(&mut self, k: &str, v: &str) -> &mut Topo {
        self.options.push((k.into(), v.into()));
        self
    }

    /// A switch with no ports yet.
    pub fn switch(&mut self, name: &str) -> Uuid {
        let u = self.uuid();
        self.switches.push(ls(u, name, &[]));
        u
    }

    /// A port of type `kind` on switch `sw`.
    pub fn lsp(&mut self, sw: Uuid, name: &str, kind: &str, addresses: &[&str]) -> Uuid {
        let u = self.uuid();
        self.lsps.push(lsp(u, name, kind, addresses));
        self.ls_mut(sw).ports.push(u);
        u
    }

    /// A VIF (type "") on switch `sw`.
    pub fn vif(&mut self, sw: Uuid, name: &str, addresses: &[&str]) -> Uuid {
        self.lsp(sw, name, "", addresses)
    }

    /// A router with no ports yet.
    pub fn router(&mut self, name: &str) -> Uuid {
        let u = self.uuid();
        self.routers.push(lr(u, name, &[], &[]));
        u
    }

    /// A router port on router `r`.
    pub fn lrp(&mut self, r: Uuid, name: &str, mac: &str, networks: &[&str]) -> Uuid {
        let u = self.uuid();
        self.lrps.push(lrp(u, name, mac, networks));
        self.lr_mut(r).ports.push(u);
        u
    }

    /// A router-type port `name` on switch `sw` paired with router port `lrp_name`
    /// (addresses `router`, options:router-port).
    pub fn link(&mut self, sw: Uuid, name: &str, lrp_name: &str) -> Uuid {
        let u = self.lsp(sw, name, "router", &["router"]);
        self.lsp_mut(u).options = smap(&[("router-port", lrp_name)]);
        u
    }

    /// Makes router port `p` a distributed gateway port (one Gateway_Chassis row).
    pub fn dgp(&mut self, p: Uuid, chassis_name: &str) -> Uuid {
        let g = self.uuid();
        let name = format!("{}-{}", self.lrp_mut(p).name, chassis_name);
        self.extra.push(Input::from(GatewayChassis {
            uuid: g,
            name: name.into(),
            chassis_name: chassis_name.into(),
            priority: 1,
            external_ids: Smap::new(),
        }));
        self.lrp_mut(p).gateway_chassis.push(g);
        g
    }

    /// A static route on router `r`.
    pub fn route(&mut self, r: Uuid, prefix: &str, nexthop: &str) -> Uuid {
        let u = self.uuid();
        self.routes.push(route(u, prefix, nexthop));
        self.lr_mut(r).static_routes.push(u);
        u
    }

    /// An SB chassis.
    pub fn chassis(&mut self, name: &str, other_config: &[(&str, &str)]) -> Uuid {
        let u = self.uuid();
        self.chassis.push(chassis(u, name, other_config));
        u
    }

    pub fn ls_mut(&mut self, u: Uuid) -> &mut LogicalSwitch {
        self.switches.iter_mut().find(|r| r.uuid == u).unwrap()
    }
    pub fn lsp_mut(&mut self, u: Uuid) -> &mut LogicalSwitchPort {
        self.lsps.iter_mut().find(|r| r.uuid == u).unwrap()
    }
    pub fn lr_mut(&mut self, u: Uuid) -> &mut LogicalRouter {
        self.routers.iter_mut().find(|r| r.uuid == u).unwrap()
    }
    pub fn lrp_mut(&mut self, u: Uuid) -> &mut LogicalRouterPort {
        self.lrps.iter_mut().find(|r| r.uuid == u).unwrap()
    }
    pub fn route_mut(&mut self, u: Uuid) -> &mut StaticRoute {
        self.routes.iter_mut().find(|r| r.uuid == u).unwrap()
    }

    /// All rows, NB_Global first.
    pub fn inputs(&self) -> Vec<Input> {
        let opts: Vec<(&str, &str)> = self
            .options
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut v = vec![nb_global(&opts)];
        v.extend(self.switches.iter().cloned().map(Input::from));
        v.extend(self.lsps.iter().cloned().map(Input::from));
        v.extend(self.routers.iter().cloned().map(Input::from));
        v.extend(self.lrps.iter().cloned().map(Input::from));
        v.extend(self.routes.iter().cloned().map(Input::from));
        v.extend(self.chassis.iter().cloned().map(Input::from));
        v.extend(self.extra.iter().cloned());
        v
    }

    /// Runs the rules on the topology.
    pub fn run(&self) -> Run {
        let outputs = run(self.inputs());
        let flows = expand(&outputs);
        Run { flows, outputs }
    }
}

/// The flows of `stage` on a lone switch (for switch stages) or a lone router with one
/// port (for router stages), for asserting a stage's default flows.
pub(crate) fn default_flows(stage: Stage) -> Vec<Pma> {
    let mut t = Topo::new();
    let dp = if stage.is_switch() {
        t.switch("sw0")
    } else {
        let r = t.router("lr0");
        t.lrp(r, "lr0-p", "00:00:00:00:ff:01", &["10.0.0.1/24"]);
        r
    };
    t.run().stage(dp, stage)
}

/// The flows of `stage` on a busy switch or router: a VIF with IPv4 and IPv6, a port
/// with `unknown` addresses, a disabled port and a router port on switch `sw0`; router
/// `lr0` with two ports and a default route. For asserting that a stage emits nothing
/// per object.
pub(crate) fn busy_flows(stage: Stage) -> Vec<Pma> {
    let mut t = Topo::new();
    let sw = t.switch("sw0");
    t.vif(sw, "vm1", &["50:54:00:00:00:01 10.0.0.5 2001:db8::5"]);
    t.vif(sw, "u1", &["unknown"]);
    let d1 = t.vif(sw, "d1", &["50:54:00:00:00:02 10.0.0.6"]);
    t.lsp_mut(d1).enabled = Some(false);
    t.link(sw, "sw0-lr0", "lr0-sw0");
    let r = t.router("lr0");
    t.lrp(
        r,
        "lr0-sw0",
        "00:00:00:00:ff:01",
        &["10.0.0.1/24", "2001:db8::1/64"],
    );
    t.lrp(r, "lr0-ext", "00:00:00:00:ff:02", &["172.16.0.1/24"]);
    t.route(r, "0.0.0.0/0", "172.16.0.254");
    let dp = if stage.is_switch() { sw } else { r };
    t.run().stage(dp, stage)
}

/// Asserts that `stage` has exactly `expected` both on a lone datapath and on a busy one.
#[track_caller]
pub(crate) fn assert_constant_stage(stage: Stage, expected: &[(u16, &str, &str)]) {
    assert_flows(default_flows(stage), expected);
    assert_flows(busy_flows(stage), expected);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_computed_without_nb_global() {
        let s = ls(uuid(1), "sw0", &[]);
        assert!(run_flows(vec![Input::from(s.clone())]).is_empty());
        assert!(!run_flows(vec![nb_global(&[]), Input::from(s)]).is_empty());
    }

    #[test]
    fn an_empty_switch_has_the_44_plus_22_default_flows() {
        // ls-I: an empty switch gets 66 flows, 44 ingress and 22 egress.
        let mut t = Topo::new();
        let sw = t.switch("empty");
        let r = t.run();
        let n = |pipe| {
            Stage::ALL
                .iter()
                .filter(|s| s.is_switch() && s.pipeline() == pipe)
                .map(|s| r.stage(sw, *s).len())
                .sum::<usize>()
        };
        assert_eq!(n(crate::stage::Pipeline::Ingress), 44);
        assert_eq!(n(crate::stage::Pipeline::Egress), 22);
    }

    #[test]
    fn uuids_follow_creation_order_and_hint_their_index() {
        let mut t = Topo::new();
        let a = t.uuid();
        let b = t.uuid();
        assert!(a < b);
        assert_eq!(b.hint(), 2);
    }
}
