//! Tunnel keys for datapaths and ports.
//!
//! Per key domain (all datapaths; the ports of one datapath) keys are chosen as
//! ovn-northd does: a valid `requested-tnl-key` first, then the key the row already
//! holds in the Southbound (a [`KeyPin`], fed back by the driver after every commit so
//! that no surviving row is ever renumbered), then the lowest free keys in member order.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use engine::Coll;
use serde::{Deserialize, Serialize};

use super::{Config, Lrp, Lsp, Router, Switch};
use crate::input::{Input, KeyMember, KeyPin, Uuid, smap_get};

/// Datapath keys: 1..=16711680 (keys above are ovn-ic's transit switches); 1..=4095 with
/// VXLAN in use.
pub const DP_KEY_MAX: u32 = 16_711_680;
pub const DP_KEY_MAX_VXLAN: u32 = 4095;
/// Port keys per datapath: 1..=32767; 1..=2047 with VXLAN in use.
pub const PORT_KEY_MAX: u32 = 32_767;
pub const PORT_KEY_MAX_VXLAN: u32 = 2047;

pub struct Keys<'s> {
    /// (datapath NB UUID, key)
    pub dps: Coll<'s, (Uuid, u32)>,
    /// ((datapath NB UUID, port name), key)
    pub ports: Coll<'s, ((Uuid, crate::intern::Istr), u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Claim {
    /// A member, with its requested key (already checked as ovn-northd checks it: any
    /// key, but none above the VXLAN range in VXLAN mode, transit switches aside), the
    /// top of the range keys are allocated in and its place in allocation order.
    Member(KeyMember, Option<u32>, u32, (Uuid, u8)),
    /// A key the member already holds.
    Pin(KeyMember, u32),
}

fn requested(v: Option<&crate::intern::Istr>) -> Option<u32> {
    v.and_then(|s| s.parse::<u32>().ok()).filter(|k| *k > 0)
}

/// The assignment of one domain, as a pure function of its claims. Datapaths get the
/// lowest free keys; ports get keys above the highest key in use (wrapping), as northd's
/// per-datapath hint does.
fn assign(claims: &[(&Claim, isize)], lowest_free: bool) -> Vec<(KeyMember, u32)> {
    struct Member<'a> {
        m: &'a KeyMember,
        requested: Option<u32>,
        max: u32,
        order: (Uuid, u8),
    }
    let mut members: Vec<Member> = Vec::new();
    let mut pins: Vec<(&KeyMember, u32)> = Vec::new();
    for (c, _) in claims {
        match c {
            Claim::Member(m, r, max, o) => members.push(Member {
                m,
                requested: *r,
                max: *max,
                order: *o,
            }),
            Claim::Pin(m, k) => pins.push((m, *k)),
        }
    }
    members.sort_by_key(|m| m.order);
    let max_of: HashMap<&KeyMember, u32> = members.iter().map(|m| (m.m, m.max)).collect();
    let mut used = BTreeSet::new();
    let mut out: Vec<(KeyMember, u32)> = Vec::new();
    let mut done = HashSet::new();
    // 1. Requested keys, in member order; a key requested twice goes to the first.
    for m in &members {
        if let Some(k) = m.requested
            && used.insert(k)
        {
            out.push((m.m.clone(), k));
            done.insert(m.m);
        }
    }
    // 2. Keys already held, if free (as ovn-northd, whatever the range: a datapath
    // keeps a key above 4095 when VXLAN comes into use).
    for (m, k) in &pins {
        if max_of.contains_key(m) && !done.contains(m) && *k >= 1 && used.insert(*k) {
            out.push(((*m).clone(), *k));
            done.insert(*m);
        }
    }
    // 3. Free keys, in member order.
    let mut hint = if lowest_free {
        0
    } else {
        used.iter().next_back().copied().unwrap_or(0)
    };
    for m in &members {
        if done.contains(m.m) {
            continue;
        }
        let Some(k) = next_free(&used, hint, m.max) else {
            continue; // key space exhausted: the row is not created
        };
        used.insert(k);
        hint = k;
        out.push((m.m.clone(), k));
        done.insert(m.m);
    }
    out
}

/// The first free key after `hint`, wrapping to 1 (northd's ovn_allocate_tnlid).
fn next_free(used: &BTreeSet<u32>, hint: u32, max: u32) -> Option<u32> {
    let start = if hint >= max { 1 } else { hint + 1 };
    (start..=max).chain(1..start).find(|k| !used.contains(k))
}

impl<'s> Keys<'s> {
    pub fn new(
        input: &Coll<'s, Input>,
        switches: &Coll<'s, Arc<Switch>>,
        routers: &Coll<'s, Arc<Router>>,
        lsps: &Coll<'s, Arc<Lsp>>,
        lrps: &Coll<'s, Arc<Lrp>>,
        _cfg: &Coll<'s, Arc<Config>>,
    ) -> Keys<'s> {
        let pins = input.clone().flat_map(|i| match i {
            Input::KeyPin(KeyPin {
                domain,
                member,
                key,
            }) => Some((domain, Claim::Pin(member, key))),
            _ => None,
        });
        let dp_max = |c: &Config| {
            if c.vxlan {
                DP_KEY_MAX_VXLAN
            } else {
                DP_KEY_MAX
            }
        };
        let port_max = |c: &Config| {
            if c.vxlan {
                PORT_KEY_MAX_VXLAN
            } else {
                PORT_KEY_MAX
            }
        };
        let dp_claims = switches
            .clone()
            .map(move |s| {
                // A transit switch's key (set by ovn-ic) lies above the local range.
                let ts = smap_get(&s.nb.other_config, "interconn-ts").is_some();
                let r = requested(smap_get(&s.nb.other_config, "requested-tnl-key"))
                    .filter(|k| ts || !s.cfg.vxlan || *k <= DP_KEY_MAX_VXLAN);
                (
                    None,
                    Claim::Member(
                        KeyMember::Datapath(s.nb.uuid),
                        r,
                        dp_max(&s.cfg),
                        (Uuid(0), 0),
                    ),
                )
            })
            .concat(routers.clone().map(move |r| {
                let req = requested(smap_get(&r.nb.options, "requested-tnl-key"))
                    .filter(|k| !r.cfg.vxlan || *k <= DP_KEY_MAX_VXLAN);
                (
                    None,
                    Claim::Member(
                        KeyMember::Datapath(r.nb.uuid),
                        req,
                        dp_max(&r.cfg),
                        (Uuid(1), 0),
                    ),
                )
            }));
        let port_claims = lsps
            .clone()
            .map(move |p| {
                let r = requested(smap_get(&p.nb.options, "requested-tnl-key"))
                    .filter(|k| !p.sw.cfg.vxlan || *k <= PORT_KEY_MAX_VXLAN);
                let m = KeyMember::Port(p.name().clone());
                (
                    Some(p.dp()),
                    Claim::Member(m, r, port_max(&p.sw.cfg), (p.nb.uuid, 0)),
                )
            })
            .concat(lrps.clone().flat_map(move |p| {
                let r = requested(smap_get(&p.nb.options, "requested-tnl-key"))
                    .filter(|k| !p.lr.cfg.vxlan || *k <= PORT_KEY_MAX_VXLAN);
                let max = port_max(&p.lr.cfg);
                let o = p.nb.uuid;
                let mut v = vec![(
                    Some(p.dp()),
                    Claim::Member(KeyMember::Port(p.name().clone()), r, max, (o, 0)),
                )];
                if p.is_dgp {
                    v.push((
                        Some(p.dp()),
                        Claim::Member(KeyMember::Port(p.cr_name().into()), None, max, (o, 1)),
                    ));
                }
                v
            }));
        let assigned = dp_claims.concat(port_claims).concat(pins).reduce(
            |domain: &Option<Uuid>, claims, out| {
                let has_member = claims.iter().any(|(c, _)| matches!(c, Claim::Member(..)));
                if has_member {
                    for a in assign(claims, domain.is_none()) {
                        out.push((a, 1));
                    }
                }
            },
        );
        let dps = assigned.clone().flat_map(|(d, (m, k))| match (d, m) {
            (None, KeyMember::Datapath(u)) => Some((u, k)),
            _ => None,
        });
        let ports = assigned.flat_map(|(d, (m, k))| match (d, m) {
            (Some(dp), KeyMember::Port(n)) => Some(((dp, n), k)),
            _ => None,
        });
        Keys { dps, ports }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dp(n: u128) -> KeyMember {
        KeyMember::Datapath(Uuid(n))
    }

    #[test]
    fn requested_then_pinned_then_lowest_free() {
        let claims = [
            Claim::Member(dp(1), None, 100, (Uuid(1), 0)),
            Claim::Member(dp(2), Some(7), 100, (Uuid(2), 0)),
            Claim::Member(dp(3), None, 100, (Uuid(3), 0)),
            Claim::Member(dp(4), Some(7), 100, (Uuid(4), 0)),
            Claim::Pin(dp(3), 2),
            Claim::Pin(dp(9), 1), // stale: member gone
        ];
        let refs: Vec<(&Claim, isize)> = claims.iter().map(|c| (c, 1)).collect();
        let mut got = assign(&refs, true);
        got.sort();
        assert_eq!(got, vec![(dp(1), 1), (dp(2), 7), (dp(3), 2), (dp(4), 3)]);
        // Ports continue above the highest key in use.
        let mut got = assign(&refs, false);
        got.sort();
        assert_eq!(got, vec![(dp(1), 8), (dp(2), 7), (dp(3), 2), (dp(4), 9)]);
    }

    #[test]
    fn colliding_pins_keep_the_first() {
        let claims = [
            Claim::Member(dp(1), None, 100, (Uuid(1), 0)),
            Claim::Member(dp(2), None, 100, (Uuid(2), 0)),
            Claim::Pin(dp(1), 5),
            Claim::Pin(dp(2), 5),
        ];
        let refs: Vec<(&Claim, isize)> = claims.iter().map(|c| (c, 1)).collect();
        let mut got = assign(&refs, true);
        got.sort();
        assert_eq!(got, vec![(dp(1), 5), (dp(2), 1)]);
    }
}
