//! Shared derived relations that every stage reads: the global configuration, switches
//! and routers with their aggregate flags, and their ports with parsed addresses, the
//! datapath they sit on and their peers. Built once here; stages never re-parse strings.

pub mod addr;
pub mod keys;

use std::sync::Arc;

use differential_dataflow::ExchangeData;
use engine::Coll;

use crate::input::*;
use crate::intern::Istr;
use crate::output::{Diag, Output};
pub use addr::{Ipv4Net, Ipv6Net, LportAddrs, Mac};
pub use keys::Keys;

/// Chassis features northd checks (all true when there is no chassis).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Features {
    pub ct_no_masked_label: bool,
    pub ct_lb_related: bool,
    pub mac_binding_timestamp: bool,
    pub port_up_notif: bool,
}

/// Chassis.other_config keys behind each feature, in `Features` order.
pub const FEATURE_KEYS: [&str; 4] = [
    "ct-no-masked-label",
    "ovn-ct-lb-related",
    "mac-binding-timestamp",
    "port-up-notif",
];

/// Global configuration: NB_Global options and chassis features.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Config {
    pub options: Smap,
    pub ignore_lsp_down: bool,
    pub features: Features,
    /// Some chassis uses VXLAN: smaller tunnel-key ranges.
    pub vxlan: bool,
}

/// A logical switch with the aggregates its flows need.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Switch {
    pub nb: Arc<LogicalSwitch>,
    pub cfg: Arc<Config>,
    /// Some enabled port has an `unknown` address.
    pub has_unknown: bool,
    /// Some port is of type localnet.
    pub has_localnet: bool,
    /// Some port is not a router port with a peer.
    pub has_non_router_port: bool,
}

impl Switch {
    pub fn vlan_passthru(&self) -> bool {
        smap_bool(&self.nb.other_config, "vlan-passthru", false)
    }
}

impl Config {
    /// The conntrack load-balancing action the chassis support.
    pub fn ct_lb_action(&self) -> &'static str {
        if self.features.ct_no_masked_label {
            "ct_lb_mark;"
        } else {
            "ct_lb;"
        }
    }
    /// Where the "blocked" bit of a connection lives.
    pub fn ct_blocked(&self) -> &'static str {
        if self.features.ct_no_masked_label {
            "ct_mark.blocked"
        } else {
            "ct_label.blocked"
        }
    }
}

/// The parsed `addresses` of a switch port.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct LspAddrs {
    /// Entries "MAC IP..." in NB order (invalid ones dropped); a `router` entry of a
    /// router port is replaced by its peer's MAC and networks.
    pub entries: Vec<LportAddrs>,
    /// Index in `entries` of the peer's addresses standing for `router`.
    pub router_entry: Option<usize>,
    pub unknown: bool,
    pub router: bool,
}

/// A logical switch port on its switch.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Lsp {
    pub sw: Arc<Switch>,
    pub nb: Arc<LogicalSwitchPort>,
    pub addrs: LspAddrs,
    pub ps_addrs: Vec<LportAddrs>,
    /// For a `router` port: the router port named by options:router-port.
    pub peer: Option<Arc<Lrp>>,
}

impl Lsp {
    pub fn name(&self) -> &Istr {
        &self.nb.name
    }
    pub fn kind(&self) -> &str {
        &self.nb.kind
    }
    pub fn enabled(&self) -> bool {
        self.nb.enabled != Some(false)
    }
    pub fn is_router(&self) -> bool {
        self.kind() == "router"
    }
    /// The datapath (switch) NB UUID.
    pub fn dp(&self) -> Uuid {
        self.sw.nb.uuid
    }
}

/// A logical router with the aggregates its flows need.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Router {
    pub nb: Arc<LogicalRouter>,
    pub cfg: Arc<Config>,
    /// Names of its distributed gateway ports, sorted.
    pub dgps: Vec<Istr>,
}

impl Router {
    /// A gateway router (options:chassis) or a router with a distributed gateway port.
    pub fn has_gateway(&self) -> bool {
        !self.dgps.is_empty() || smap_get(&self.nb.options, "chassis").is_some()
    }
}

/// A logical router port on its router.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Lrp {
    pub lr: Arc<Router>,
    pub nb: Arc<LogicalRouterPort>,
    /// MAC and networks; IPv6 ends with the link-local address.
    pub networks: LportAddrs,
    /// Distributed gateway port: has gateway_chassis or ha_chassis_group.
    pub is_dgp: bool,
    /// The switch it is attached to has a localnet port.
    pub peer_has_localnet: bool,
}

impl Lrp {
    pub fn name(&self) -> &Istr {
        &self.nb.name
    }
    pub fn enabled(&self) -> bool {
        self.nb.enabled != Some(false)
    }
    pub fn dp(&self) -> Uuid {
        self.lr.nb.uuid
    }
    /// `cr-<name>`, the chassisredirect port of a distributed gateway port.
    pub fn cr_name(&self) -> String {
        format!("cr-{}", self.nb.name)
    }
}

/// The derived relations.
pub struct Model<'s> {
    pub cfg: Coll<'s, Arc<Config>>,
    pub switches: Coll<'s, Arc<Switch>>,
    pub lsps: Coll<'s, Arc<Lsp>>,
    pub routers: Coll<'s, Arc<Router>>,
    pub lrps: Coll<'s, Arc<Lrp>>,
    pub routes: Coll<'s, (Arc<Router>, Arc<StaticRoute>)>,
    pub keys: Keys<'s>,
    pub diags: Coll<'s, Output>,
    /// The input relation itself, for rules that read rows the model does not join
    /// (chassis, gateway chassis, HA chassis groups).
    pub input: Coll<'s, Input>,
}

pub(crate) fn pick<'s, T: ExchangeData + std::hash::Hash>(
    input: &Coll<'s, Input>,
    f: fn(&Input) -> Option<T>,
) -> Coll<'s, T> {
    input.clone().flat_map(move |i| f(&i))
}

/// Attaches the singleton `cfg` to every element.
fn with_cfg<'s, T: ExchangeData + std::hash::Hash>(
    c: Coll<'s, T>,
    cfg: &Coll<'s, Arc<Config>>,
) -> Coll<'s, (T, Arc<Config>)> {
    c.map(|x| ((), x))
        .join(cfg.clone().map(|c| ((), c)))
        .map(|((), (x, c))| (x, c))
}

fn diag(table: &str, row: Uuid, message: String) -> Output {
    Output::Diag(Diag {
        table: table.into(),
        row,
        message: message.into(),
    })
}

impl<'s> Model<'s> {
    pub fn new(input: Coll<'s, Input>) -> Model<'s> {
        // --- Global configuration.
        let nb_global = pick(&input, |i| match i {
            Input::NbGlobal(g) => Some(g.clone()),
            _ => None,
        });
        let chassis = pick(&input, |i| match i {
            Input::Chassis(c) => Some(c.clone()),
            _ => None,
        });
        // Features some non-remote chassis lacks (bit i of FEATURE_KEYS), and VXLAN use.
        let missing = chassis
            .flat_map(|c| {
                let remote = smap_bool(&c.other_config, "is-remote", false);
                let mut v = Vec::new();
                if !remote {
                    for (i, k) in FEATURE_KEYS.iter().enumerate() {
                        if !smap_bool(&c.other_config, k, false) {
                            v.push(i as u8);
                        }
                    }
                }
                if c.encap_types.iter().any(|t| t.as_str() == "vxlan") {
                    v.push(100);
                }
                v
            })
            .distinct();
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        enum CfgPart {
            Nb(Arc<NbGlobal>),
            Missing(u8),
        }
        let cfg = nb_global
            .map(|g| ((), CfgPart::Nb(g)))
            .concat(missing.map(|m| ((), CfgPart::Missing(m))))
            .reduce(|_, parts, out| {
                let mut options = Smap::new();
                let mut f = [true; 4];
                let mut vxlan = false;
                for (p, _) in parts {
                    match p {
                        CfgPart::Nb(g) => options = g.options.clone(),
                        CfgPart::Missing(100) => vxlan = true,
                        CfgPart::Missing(i) => f[*i as usize] = false,
                    }
                }
                let ignore_lsp_down = smap_bool(&options, "ignore_lsp_down", true);
                out.push((
                    Arc::new(Config {
                        options,
                        ignore_lsp_down,
                        features: Features {
                            ct_no_masked_label: f[0],
                            ct_lb_related: f[1],
                            mac_binding_timestamp: f[2],
                            port_up_notif: f[3],
                        },
                        vxlan,
                    }),
                    1,
                ))
            })
            .map(|((), c)| c);

        // --- Switch ports on their switches.
        let ls_rows = pick(&input, |i| match i {
            Input::Ls(s) => Some(s.clone()),
            _ => None,
        });
        let lsp_rows = pick(&input, |i| match i {
            Input::Lsp(p) => Some((p.uuid, p.clone())),
            _ => None,
        });
        let lsp_owner = ls_rows
            .clone()
            .flat_map(|s| s.ports.iter().map(|p| (*p, s.uuid)).collect::<Vec<_>>());
        let lsp_on_ls = lsp_owner.join(lsp_rows).map(|(_, (ls, p))| (ls, p));

        // --- Routers and their ports.
        let lr_rows = pick(&input, |i| match i {
            Input::Lr(r) if r.enabled != Some(false) => Some(r.clone()),
            _ => None,
        });
        let lr_rows_all = lr_rows.clone();
        let lrp_rows = pick(&input, |i| match i {
            Input::Lrp(p) => Some((p.uuid, p.clone())),
            _ => None,
        });
        // (lrp uuid, lr row): the router that lists the port.
        let lrp_owner = lr_rows
            .clone()
            .flat_map(|r| r.ports.iter().map(|p| (*p, r.clone())).collect::<Vec<_>>());
        let lrp_on_lr = lrp_owner.join(lrp_rows).map(|(_, (lr, p))| (lr.uuid, p));

        // Port names are unique across switch and router ports: a router port wins a
        // clash, then the lower UUID; the loser is skipped with a warning.
        let claims = lrp_on_lr
            .clone()
            .map(|(lr, p)| (p.name.clone(), (0u8, p.uuid, lr)))
            .concat(
                lsp_on_ls
                    .clone()
                    .map(|(ls, p)| (p.name.clone(), (1u8, p.uuid, ls))),
            )
            .reduce(|_, claims, out| {
                for (i, (c, _)) in claims.iter().enumerate() {
                    out.push(((**c, i == 0), 1));
                }
            });
        let winners = claims
            .clone()
            .filter(|(_, (_, won))| *won)
            .map(|(_, ((_, u, owner), _))| ((u, owner), ()));
        let name_diags = claims.flat_map(|(name, ((kind, u, _), won))| {
            (!won).then(|| {
                let (table, what) = if kind == 0 {
                    ("Logical_Router_Port", "duplicate logical router port")
                } else {
                    ("Logical_Switch_Port", "duplicate logical port")
                };
                diag(table, u, format!("{what} {name}"))
            })
        });
        let lrp_on_lr = lrp_on_lr
            .map(|(lr, p)| ((p.uuid, lr), p))
            .semijoin(winners.clone().map(|(k, ())| k))
            .map(|((_, lr), p)| (lr, p));
        let lsp_on_ls = lsp_on_ls
            .map(|(ls, p)| ((p.uuid, ls), p))
            .semijoin(winners.map(|(k, ())| k))
            .map(|((_, ls), p)| (ls, p));
        let dgp_names = lrp_on_lr
            .clone()
            .filter(|(_, p)| !p.gateway_chassis.is_empty() || p.ha_chassis_group.is_some())
            .map(|(lr, p)| (lr, p.name.clone()));
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        enum LrPart {
            Row(Arc<LogicalRouter>),
            Dgp(Istr),
        }
        let routers = lr_rows
            // The router's own columns only: a port or route added to it must not
            // change the record every one of its ports and flows is derived from.
            .map(|r| {
                let own = LogicalRouter {
                    ports: Vec::new(),
                    static_routes: Vec::new(),
                    ..(*r).clone()
                };
                (r.uuid, LrPart::Row(Arc::new(own)))
            })
            .concat(dgp_names.map(|(lr, n)| (lr, LrPart::Dgp(n))))
            .reduce(|_, parts, out| {
                let mut row = None;
                let mut dgps = Vec::new();
                for (p, _) in parts {
                    match p {
                        LrPart::Row(r) => row = Some(r.clone()),
                        LrPart::Dgp(n) => dgps.push(n.clone()),
                    }
                }
                if let Some(r) = row {
                    // A gateway router (options:chassis) has no distributed gateway ports.
                    if smap_get(&r.options, "chassis").is_some() {
                        dgps.clear();
                    }
                    out.push(((r, dgps), 1));
                }
            })
            .map(|(_, x)| x);
        let routers =
            with_cfg(routers, &cfg).map(|((nb, dgps), cfg)| Arc::new(Router { nb, cfg, dgps }));

        let lrp_parsed = lrp_on_lr.flat_map(|(lr, p)| {
            let nets = LportAddrs::parse_lrp(&p.mac, &p.networks);
            nets.map(|n| (lr, (p, n)))
        });
        // Router ports attached (through a router-type switch port) to a switch with a
        // localnet port.
        let localnet_switches = lsp_on_ls
            .clone()
            .filter(|(_, p)| p.kind.as_str() == "localnet")
            .map(|(ls, _)| ls)
            .distinct();
        let on_localnet = lsp_on_ls
            .clone()
            .flat_map(|(ls, p)| {
                (p.kind.as_str() == "router")
                    .then(|| smap_get(&p.options, "router-port").map(|rp| (ls, rp.clone())))
                    .flatten()
            })
            .semijoin(localnet_switches)
            .map(|(_, rp)| rp)
            .distinct();
        let named = lrp_parsed
            .join(routers.clone().map(|r| (r.nb.uuid, r)))
            .map(|(_, ((nb, networks), lr))| (nb.name.clone(), (lr, nb, networks)));
        let lrps = named
            .clone()
            .antijoin(on_localnet.clone())
            .map(|(_, x)| (x, false))
            .concat(named.semijoin(on_localnet).map(|(_, x)| (x, true)))
            .map(|((lr, nb, networks), peer_has_localnet)| {
                let is_dgp = lr.dgps.contains(&nb.name);
                Arc::new(Lrp {
                    lr,
                    nb,
                    networks,
                    is_dgp,
                    peer_has_localnet,
                })
            });

        // Router-type ports find their router port by name.
        let peers = lsp_on_ls
            .clone()
            .flat_map(|(_, p)| {
                if p.kind.as_str() == "router" {
                    smap_get(&p.options, "router-port").map(|rp| (rp.clone(), p.uuid))
                } else {
                    None
                }
            })
            .join(lrps.clone().map(|l| (l.nb.name.clone(), l)))
            .map(|(_, (u, lrp))| (u, lrp));
        let peered = peers.clone().map(|(u, _)| u).distinct();
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        enum LsPart {
            Row(Arc<LogicalSwitch>),
            Unknown,
            Localnet,
            NonRouter,
        }
        let flags = lsp_on_ls
            .clone()
            .flat_map(|(ls, p)| {
                let mut v = Vec::new();
                if p.enabled != Some(false) && p.addresses.iter().any(|a| a.as_str() == "unknown") {
                    v.push((ls, LsPart::Unknown));
                }
                if p.kind.as_str() == "localnet" {
                    v.push((ls, LsPart::Localnet));
                }
                v
            })
            .concat(
                lsp_on_ls
                    .clone()
                    .map(|(ls, p)| (p.uuid, ls))
                    .antijoin(peered)
                    .map(|(_, ls)| (ls, LsPart::NonRouter)),
            )
            .distinct();
        let switches = ls_rows
            // The switch's own columns only (see routers above).
            .map(|s| {
                (
                    s.uuid,
                    LsPart::Row(Arc::new(LogicalSwitch {
                        ports: Vec::new(),
                        ..(*s).clone()
                    })),
                )
            })
            .concat(flags)
            .reduce(|_, parts, out| {
                let mut row = None;
                let mut f = [false; 3];
                for (p, _) in parts {
                    match p {
                        LsPart::Row(r) => row = Some(r.clone()),
                        LsPart::Unknown => f[0] = true,
                        LsPart::Localnet => f[1] = true,
                        LsPart::NonRouter => f[2] = true,
                    }
                }
                if let Some(r) = row {
                    out.push(((r, f), 1));
                }
            })
            .map(|(_, x)| x);
        let switches = with_cfg(switches, &cfg).map(|((nb, f), cfg)| {
            Arc::new(Switch {
                nb,
                cfg,
                has_unknown: f[0],
                has_localnet: f[1],
                has_non_router_port: f[2],
            })
        });

        let lsp_base = lsp_on_ls
            .join(switches.clone().map(|s| (s.nb.uuid, s)))
            .map(|(_, (p, sw))| (p.uuid, (sw, p)));
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        enum LspPart {
            Base(Arc<Switch>, Arc<LogicalSwitchPort>),
            Peer(Arc<Lrp>),
        }
        let lsps = lsp_base
            .map(|(u, (sw, p))| (u, LspPart::Base(sw, p)))
            .concat(peers.map(|(u, l)| (u, LspPart::Peer(l))))
            .reduce(|_, parts, out| {
                let mut base = None;
                let mut peer = None;
                for (p, _) in parts {
                    match p {
                        LspPart::Base(sw, p) => base = Some((sw.clone(), p.clone())),
                        LspPart::Peer(l) => peer = Some(l.clone()),
                    }
                }
                if let Some((sw, nb)) = base {
                    let addrs = parse_lsp_addresses(&nb.addresses, peer.as_deref());
                    let ps_addrs = nb
                        .port_security
                        .iter()
                        .filter_map(|a| LportAddrs::parse_lsp(a))
                        .collect();
                    out.push((
                        Arc::new(Lsp {
                            sw,
                            nb,
                            addrs,
                            ps_addrs,
                            peer,
                        }),
                        1,
                    ));
                }
            })
            .map(|(_, l)| l);

        // --- Static routes on their routers.
        let route_rows = pick(&input, |i| match i {
            Input::Route(r) => Some((r.uuid, r.clone())),
            _ => None,
        });
        let routes = lr_rows_all
            .flat_map(|r| {
                r.static_routes
                    .iter()
                    .map(|u| (*u, r.uuid))
                    .collect::<Vec<_>>()
            })
            .join(route_rows)
            .map(|(_, (lr, route))| (lr, route))
            .join(routers.clone().map(|r| (r.nb.uuid, r)))
            .map(|(_, (route, r))| (r, route));

        // --- Diagnostics for rows that cannot be translated.
        let diags = input.clone().flat_map(|i| row_diags(&i)).concat(name_diags);

        let keys = Keys::new(&input, &switches, &routers, &lsps, &lrps, &cfg);
        Model {
            input,
            cfg,
            switches,
            lsps,
            routers,
            lrps,
            routes,
            keys,
            diags,
        }
    }
}

/// Warnings about one NB row's own contents (the row, or the part named, is skipped).
fn row_diags(i: &Input) -> Vec<Output> {
    let mut v = Vec::new();
    match i {
        Input::Lrp(p) => {
            if Mac::parse(&p.mac).is_none() {
                v.push(diag(
                    "Logical_Router_Port",
                    p.uuid,
                    format!(
                        "bad 'mac' {} of router port {}: port skipped",
                        p.mac, p.name
                    ),
                ));
            }
            for n in &p.networks {
                match Ipv4Net::parse(n) {
                    Some(v4) if v4.addr.is_unspecified() => v.push(diag(
                        "Logical_Router_Port",
                        p.uuid,
                        format!("bad 'networks' {n} of router port {}", p.name),
                    )),
                    Some(_) => {}
                    None if Ipv6Net::parse(n).is_some() => {}
                    None => v.push(diag(
                        "Logical_Router_Port",
                        p.uuid,
                        format!("invalid syntax '{n}' in networks of router port {}", p.name),
                    )),
                }
            }
        }
        Input::Lsp(p) => {
            for a in &p.addresses {
                let s = a.as_str();
                if s == "unknown"
                    || s == "router"
                    || s.starts_with("dynamic")
                    || s.ends_with(" dynamic")
                {
                    continue;
                }
                if LportAddrs::parse_lsp(s).is_none() {
                    v.push(diag(
                        "Logical_Switch_Port",
                        p.uuid,
                        format!("invalid syntax '{s}' in logical switch port addresses of {}. No MAC address found", p.name),
                    ));
                }
            }
            for a in &p.port_security {
                if LportAddrs::parse_lsp(a).is_none() {
                    v.push(diag(
                        "Logical_Switch_Port",
                        p.uuid,
                        format!(
                            "invalid syntax '{a}' in port security of {}. No MAC address found",
                            p.name
                        ),
                    ));
                }
            }
            const TYPES: &[&str] = &[
                "",
                "l2gateway",
                "localnet",
                "localport",
                "router",
                "vtep",
                "external",
                "virtual",
                "remote",
            ];
            if !TYPES.contains(&p.kind.as_str()) {
                v.push(diag(
                    "Logical_Switch_Port",
                    p.uuid,
                    format!(
                        "Unknown port type '{}' set on logical switch port '{}'.",
                        p.kind, p.name
                    ),
                ));
            }
        }
        _ => {}
    }
    v
}

/// Parses `Logical_Switch_Port.addresses` the way northd does; the first `router` entry
/// of a router port stands for its peer's MAC and networks.
pub fn parse_lsp_addresses(addresses: &[Istr], peer: Option<&Lrp>) -> LspAddrs {
    let mut out = LspAddrs::default();
    for a in addresses {
        match a.as_str() {
            "unknown" => out.unknown = true,
            "router" => {
                if let (Some(p), false) = (peer, out.router) {
                    out.router_entry = Some(out.entries.len());
                    out.entries.push(p.networks.clone());
                }
                out.router = true;
            }
            s if s.starts_with("dynamic") || s.ends_with(" dynamic") => {}
            s => {
                if let Some(l) = LportAddrs::parse_lsp(s) {
                    out.entries.push(l);
                }
            }
        }
    }
    out
}
