//! Shared derived relations: the zone's configuration and own `Availability_Zone` row,
//! the transit switches with their keys and NB copies, and the rows of each input table
//! keyed the way the functions look them up. Built once; every function reads them.

use std::sync::Arc;

use differential_dataflow::ExchangeData;
use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::*;
use crate::op::Op;
use crate::prefix::{Prefix, parse_blacklist};

/// NB_Global's name and route options.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cfg {
    /// The availability zone's name ("" : not interconnected).
    pub az: Istr,
    pub adv: bool,
    pub learn: bool,
    pub adv_default: bool,
    pub learn_default: bool,
    /// `ic-route-blacklist`, parsed.
    pub blacklist: Vec<Prefix>,
    /// Its entries that are not CIDRs.
    pub bad_blacklist: Vec<Istr>,
}

impl Cfg {
    fn from_nb(g: &NbGlobal) -> Cfg {
        let on = |k: &str| smap_get(&g.options, k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let (blacklist, bad) = smap_get(&g.options, "ic-route-blacklist")
            .map(|s| parse_blacklist(s))
            .unwrap_or_default();
        Cfg {
            az: g.name.clone(),
            adv: on("ic-route-adv"),
            learn: on("ic-route-learn"),
            adv_default: on("ic-route-adv-default"),
            learn_default: on("ic-route-learn-default"),
            blacklist,
            bad_blacklist: bad.into_iter().map(Istr::from).collect(),
        }
    }

    /// Whether `p` is covered by an `ic-route-blacklist` entry.
    pub fn blacklisted(&self, p: &Prefix) -> bool {
        self.blacklist.iter().any(|b| p.within(b))
    }

    /// `route_need_advertise`: advertisement on, a default route only with
    /// `ic-route-adv-default`, not a source-IP policy route, not link-local, not
    /// blacklisted.
    pub fn advertises(&self, policy: Option<&str>, p: &Prefix) -> bool {
        self.adv
            && (p.plen() != 0 || self.adv_default)
            && policy != Some("src-ip")
            && !p.is_link_local()
            && !self.blacklisted(p)
    }

    /// `route_need_learn` without the local-route check (done by the caller).
    pub fn learns(&self, p: &Prefix) -> bool {
        self.learn
            && (p.plen() != 0 || self.learn_default)
            && !p.is_link_local()
            && !self.blacklisted(p)
    }
}

/// The derived relations.
pub struct Model<'s> {
    pub cfg: Coll<'s, Arc<Cfg>>,
    /// The zone's own `Availability_Zone` row (at most one).
    pub me: Coll<'s, Uuid>,
    /// IC-SB zones: (name, row UUID).
    pub azs: Coll<'s, (Istr, Uuid)>,
    /// IC-NB transit switches by name.
    pub tss: Coll<'s, (Istr, Arc<Ts>)>,
    /// Each transit switch's tunnel key (the lowest of its bindings).
    pub ts_key: Coll<'s, (Istr, u32)>,
    /// Each transit switch's copy in NB (`name` and `interconn-ts` both the switch's
    /// name), on which its ports are synchronised.
    pub ts_switch: Coll<'s, (Istr, Arc<Ls>)>,
    /// NB switches carrying `interconn-ts`.
    pub ls: Coll<'s, Arc<Ls>>,
    /// NB router and remote ports by UUID and by name.
    pub lsp_by_uuid: Coll<'s, (Uuid, Arc<Lsp>)>,
    pub lsp_by_name: Coll<'s, (Istr, Arc<Lsp>)>,
    pub lr: Coll<'s, Arc<Lr>>,
    pub lrp_by_uuid: Coll<'s, (Uuid, Arc<Lrp>)>,
    pub lrp_by_name: Coll<'s, (Istr, Arc<Lrp>)>,
    pub routes: Coll<'s, (Uuid, Arc<StaticRoute>)>,
    pub chassis: Coll<'s, Arc<Chassis>>,
    /// SB bindings by logical port name.
    pub pb_by_name: Coll<'s, (Istr, Arc<Pb>)>,
    /// SB router datapaths: (datapath UUID, NB router UUID).
    pub dp_router: Coll<'s, (Uuid, Uuid)>,
    pub icdp: Coll<'s, Arc<IcDp>>,
    /// IC-SB gateways, ports and routes: this zone's, and the other zones'.
    pub own_gws: Coll<'s, Arc<Gw>>,
    pub other_gws: Coll<'s, Arc<Gw>>,
    pub all_gws: Coll<'s, Arc<Gw>>,
    pub own_pbs: Coll<'s, Arc<IcPb>>,
    pub other_pbs: Coll<'s, Arc<IcPb>>,
    pub all_pbs: Coll<'s, Arc<IcPb>>,
    pub own_routes: Coll<'s, Arc<IcRoute>>,
    pub other_routes: Coll<'s, Arc<IcRoute>>,
}

pub(crate) fn pick<'s, T: ExchangeData + std::hash::Hash>(
    input: &Coll<'s, Input>,
    f: fn(&Input) -> Option<T>,
) -> Coll<'s, T> {
    input.clone().flat_map(move |i| f(&i))
}

/// `c` while the zone has its `Availability_Zone` row (ovn-ic does nothing before).
pub fn gated<'s, T: ExchangeData + std::hash::Hash>(
    c: Coll<'s, T>,
    me: &Coll<'s, Uuid>,
) -> Coll<'s, T> {
    c.map(|x| ((), x))
        .semijoin(me.clone().map(|_| ()))
        .map(|((), x)| x)
}

/// Pairs each element of `c` with the zone's `Availability_Zone` row UUID.
pub fn with_me<'s, T: ExchangeData + std::hash::Hash>(
    c: Coll<'s, T>,
    me: &Coll<'s, Uuid>,
) -> Coll<'s, (T, Uuid)> {
    c.map(|x| ((), x))
        .join(me.clone().map(|m| ((), m)))
        .map(|((), (x, m))| (x, m))
}

/// Pairs each element of `c` with the configuration.
pub fn with_cfg<'s, T: ExchangeData + std::hash::Hash>(
    c: Coll<'s, T>,
    cfg: &Coll<'s, Arc<Cfg>>,
) -> Coll<'s, (T, Arc<Cfg>)> {
    c.map(|x| ((), x))
        .join(cfg.clone().map(|c| ((), c)))
        .map(|((), (x, c))| (x, c))
}

/// A left join against a table with unique keys: every element of `c` with the row of
/// its key, or `None` (also when it has no key).
pub fn lookup<'s, K, V, W>(
    c: Coll<'s, (Option<K>, V)>,
    table: &Coll<'s, (K, W)>,
) -> Coll<'s, (V, Option<W>)>
where
    K: ExchangeData + std::hash::Hash,
    V: ExchangeData + std::hash::Hash,
    W: ExchangeData + std::hash::Hash,
{
    let keyed = c.clone().flat_map(|(k, v)| k.map(|k| (k, v)));
    let unkeyed = c.flat_map(|(k, v)| k.is_none().then_some(v));
    let found = keyed
        .clone()
        .join(table.clone())
        .map(|(_, (v, w))| (v, Some(w)));
    let missing = keyed
        .antijoin(table.clone().map(|(k, _)| k).distinct())
        .map(|(_, v)| (v, None));
    found.concat(missing).concat(unkeyed.map(|v| (v, None)))
}

/// IC-SB rows keyed by their zone: this zone's, and the others'.
fn split_by_az<'s, T: ExchangeData + std::hash::Hash>(
    c: Coll<'s, (Uuid, T)>,
    me: &Coll<'s, Uuid>,
) -> (Coll<'s, T>, Coll<'s, T>) {
    let own = c.clone().semijoin(me.clone()).map(|(_, x)| x);
    let other = c.antijoin(me.clone()).map(|(_, x)| x);
    (own, other)
}

pub(crate) fn warn(text: String) -> Op {
    Op::Warn { text: text.into() }
}

impl<'s> Model<'s> {
    pub fn new(input: Coll<'s, Input>) -> Model<'s> {
        // --- Configuration and the zone's own row. With several NB_Global rows, the
        // first by UUID counts.
        let cfg = pick(&input, |i| match i {
            Input::NbGlobal(g) => Some(((), g.clone())),
            _ => None,
        })
        .reduce(|_, gs, out| {
            if let Some((g, _)) = gs.first() {
                out.push((Arc::new(Cfg::from_nb(g)), 1));
            }
        })
        .map(|((), c)| c);
        let azs = pick(&input, |i| match i {
            Input::Az(a) => Some((a.name.clone(), a.uuid)),
            _ => None,
        });
        let me = cfg
            .clone()
            .flat_map(|c| (!c.az.is_empty()).then(|| (c.az.clone(), ())))
            .join(azs.clone())
            .map(|(_, ((), u))| u);

        // --- Transit switches.
        let tss = pick(&input, |i| match i {
            Input::Ts(t) => Some((t.name.clone(), t.clone())),
            _ => None,
        });
        let icdp = pick(&input, |i| match i {
            Input::IcDp(d) => Some(d.clone()),
            _ => None,
        });
        let ts_key = icdp
            .clone()
            .map(|d| (d.ts.clone(), d.key))
            .reduce(|_, keys, out| {
                if let Some((k, _)) = keys.first() {
                    out.push((**k, 1));
                }
            })
            .semijoin(tss.clone().map(|(n, _)| n));
        let ls = pick(&input, |i| match i {
            Input::Ls(s) => Some(s.clone()),
            _ => None,
        });
        // One copy per transit switch: the one named like it, else the lowest UUID.
        let ts_switch = ls
            .clone()
            .map(|s| (s.interconn_ts.clone(), s))
            .reduce(|ts, copies, out| {
                let best = copies
                    .iter()
                    .map(|(s, _)| *s)
                    .min_by_key(|s| (s.name != *ts, s.uuid));
                if let Some(s) = best {
                    out.push((s.clone(), 1));
                }
            })
            .semijoin(tss.clone().map(|(n, _)| n));

        // --- Zone rows by key.
        let lsps = pick(&input, |i| match i {
            Input::Lsp(p) => Some(p.clone()),
            _ => None,
        });
        let lrps = pick(&input, |i| match i {
            Input::Lrp(p) => Some(p.clone()),
            _ => None,
        });
        let lr = pick(&input, |i| match i {
            Input::Lr(r) => Some(r.clone()),
            _ => None,
        });
        let routes = pick(&input, |i| match i {
            Input::Route(r) => Some((r.uuid, r.clone())),
            _ => None,
        });
        let chassis = pick(&input, |i| match i {
            Input::Chassis(c) => Some(c.clone()),
            _ => None,
        });
        let pb_by_name = pick(&input, |i| match i {
            Input::Pb(p) => Some((p.logical_port.clone(), p.clone())),
            _ => None,
        });
        let dp_router = pick(&input, |i| match i {
            Input::Dp(d) => Some((d.uuid, d.logical_router)),
            _ => None,
        });

        // --- IC-SB rows: this zone's and the others'.
        let gws = pick(&input, |i| match i {
            Input::Gw(g) => Some((g.az, g.clone())),
            _ => None,
        });
        let pbs = pick(&input, |i| match i {
            Input::IcPb(p) => Some((p.az, p.clone())),
            _ => None,
        });
        let ic_routes = pick(&input, |i| match i {
            Input::IcRoute(r) => Some((r.az, r.clone())),
            _ => None,
        });
        let (own_gws, other_gws) = split_by_az(gws.clone(), &me);
        let (own_pbs, other_pbs) = split_by_az(pbs.clone(), &me);
        let (own_routes, other_routes) = split_by_az(ic_routes, &me);

        Model {
            cfg,
            me,
            azs,
            tss,
            ts_key,
            ts_switch,
            ls,
            lsp_by_uuid: lsps.clone().map(|p| (p.uuid, p)),
            lsp_by_name: lsps.map(|p| (p.name.clone(), p)),
            lr,
            lrp_by_uuid: lrps.clone().map(|p| (p.uuid, p)),
            lrp_by_name: lrps.map(|p| (p.name.clone(), p)),
            routes,
            chassis,
            pb_by_name,
            dp_router,
            icdp,
            own_gws,
            other_gws,
            all_gws: gws.map(|(_, g)| g),
            own_pbs,
            other_pbs,
            all_pbs: pbs.map(|(_, p)| p),
            own_routes,
            other_routes,
        }
    }
}
