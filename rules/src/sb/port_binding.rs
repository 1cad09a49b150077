//! Port_Binding: one row per switch port, per router port of an enabled router, and per
//! `cr-` port of a distributed gateway port.

use std::sync::Arc;

use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::{Input, Smap, Uuid, smap_get};
use crate::intern::Istr;
use crate::model::{Lrp, Lsp, Model, pick};
use crate::output::{Diag, Output, PortRow};
use crate::sb::ha_chassis_group::HaGroups;

fn lsp_row(p: &Lsp) -> PortRow {
    let nb = &p.nb;
    let mut row = PortRow {
        logical_port: nb.name.clone(),
        dp: p.dp(),
        kind: nb.kind.clone(),
        mac: nb.addresses.clone(),
        port_security: nb.port_security.clone(),
        external_ids: nb.external_ids.clone(),
        parent_port: nb.parent_name.clone(),
        tag: nb.tag,
        ..Default::default()
    };
    if let Some(n) = smap_get(&nb.external_ids, "neutron:port_name").filter(|n| !n.is_empty()) {
        row.external_ids.push(("name".into(), n.clone()));
    }
    if p.is_router() {
        let l3gw = p
            .peer
            .as_ref()
            .and_then(|peer| smap_get(&peer.lr.nb.options, "chassis").cloned());
        row.kind = if l3gw.is_some() { "l3gateway" } else { "patch" }.into();
        let mut opts = Smap::new();
        if let Some(rp) = smap_get(&nb.options, "router-port") {
            opts.push(("peer".into(), rp.clone()));
        }
        if let Some(c) = l3gw {
            opts.push(("l3gateway-chassis".into(), c));
        }
        row.options = opts;
        // Gratuitous ARP for the router port's addresses from the gateway chassis.
        if let Some(peer) = p.peer.as_ref().filter(|peer| peer.is_dgp) {
            let mut s = peer.networks.mac.to_string();
            for n in &peer.networks.ipv4 {
                s.push_str(&format!(" {}", n.addr));
            }
            s.push_str(&format!(" is_chassis_resident(\"{}\")", peer.cr_name()));
            row.nat_addresses = vec![s.into()];
        }
    } else {
        row.options = nb.options.clone();
        if crate::input::smap_bool(&p.sw.nb.other_config, "vlan-passthru", false) {
            row.options.push(("vlan-passthru".into(), "true".into()));
        }
    }
    row.options.sort();
    row.external_ids.sort();
    row
}

/// The entries of `options:requested-chassis`, as `strtok_r(s, ",")` splits them.
fn requested_chassis(p: &Lsp) -> Vec<Istr> {
    if p.is_router() {
        return Vec::new();
    }
    smap_get(&p.nb.options, "requested-chassis")
        .map(|s| {
            s.split(',')
                .filter(|t| !t.is_empty())
                .map(Istr::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A switch port whose row needs joins: requested chassis to look up, or an HA group.
fn lsp_needs_join(p: &Lsp) -> bool {
    !p.is_router()
        && (smap_get(&p.nb.options, "requested-chassis").is_some()
            || (p.kind() == "external" && p.nb.ha_chassis_group.is_some()))
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum LspPart {
    Port(Arc<Lsp>),
    /// Entry `idx` of requested-chassis names chassis `name`: by name (rank 0) or by
    /// hostname (rank 1, the lowest chassis UUID wins).
    Chassis(usize, u8, Uuid, Istr),
    Group(Istr),
}

/// Rows of the switch ports that need joins (`lsp_needs_join`), and the warnings
/// about requested chassis that do not exist.
fn joined_lsp_rows<'s>(m: &Model<'s>, ha: &HaGroups<'s>) -> (Coll<'s, PortRow>, Coll<'s, Output>) {
    let ports = m.lsps.clone().filter(|p| lsp_needs_join(p));
    let chassis = pick(&m.input, |i| match i {
        Input::Chassis(c) => Some(c.clone()),
        _ => None,
    });
    let lookup = chassis
        .clone()
        .map(|c| (c.name.clone(), (0u8, c.uuid, c.name.clone())))
        .concat(
            chassis
                .filter(|c| !c.hostname.is_empty())
                .map(|c| (c.hostname.clone(), (1u8, c.uuid, c.name.clone()))),
        );
    let hits = ports
        .clone()
        .flat_map(|p| {
            requested_chassis(&p)
                .into_iter()
                .enumerate()
                .map(|(i, t)| (t, (p.nb.uuid, i)))
                .collect::<Vec<_>>()
        })
        .join(lookup)
        .map(|(_, ((lsp, i), (rank, u, name)))| (lsp, LspPart::Chassis(i, rank, u, name)));
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    enum Out {
        Row(PortRow),
        Diag(Output),
    }
    let out = ports
        .map(|p| (p.nb.uuid, LspPart::Port(p)))
        .concat(hits)
        .concat(ha.by_port.clone().map(|(u, g)| (u, LspPart::Group(g))))
        .reduce(|_, parts, out| {
            let mut port = None;
            let mut group = None;
            let mut found: Vec<(usize, u8, Uuid, &Istr)> = Vec::new();
            for (p, _) in parts {
                match p {
                    LspPart::Port(p) => port = Some(p.clone()),
                    LspPart::Chassis(i, r, u, n) => found.push((*i, *r, *u, n)),
                    LspPart::Group(g) => group = Some(g.clone()),
                }
            }
            let Some(p) = port else { return };
            found.sort();
            let mut row = lsp_row(&p);
            let mut chassis = Vec::new();
            for (i, t) in requested_chassis(&p).iter().enumerate() {
                match found.iter().find(|f| f.0 == i) {
                    Some(f) => chassis.push(f.3.clone()),
                    None => out.push((
                        Out::Diag(Output::Diag(Diag {
                            table: "Logical_Switch_Port".into(),
                            row: p.nb.uuid,
                            message: format!(
                                "Unknown chassis '{t}' set in options:requested-chassis on LSP '{}'.",
                                p.name()
                            )
                            .into(),
                        })),
                        1,
                    )),
                }
            }
            let mut chassis = chassis.into_iter();
            row.requested_chassis = chassis.next();
            row.requested_additional_chassis = chassis.collect();
            if p.kind() == "external" {
                row.ha_chassis_group = group;
            }
            out.push((Out::Row(row), 1));
        })
        .map(|(_, o)| o);
    let rows = out.clone().flat_map(|o| match o {
        Out::Row(r) => Some(r),
        Out::Diag(_) => None,
    });
    let diags = out.flat_map(|o| match o {
        Out::Diag(d) => Some(d),
        Out::Row(_) => None,
    });
    (rows, diags)
}

fn lrp_rows(p: &Lrp, peer: Option<Istr>, group: Option<Istr>) -> Vec<PortRow> {
    let nb = &p.nb;
    let mut mac = nb.mac.to_string();
    for n in &nb.networks {
        mac.push(' ');
        mac.push_str(n);
    }
    let l3gw = smap_get(&p.lr.nb.options, "chassis").cloned();
    let mut options = Smap::new();
    if let Some(peer) = &peer {
        options.push(("peer".into(), peer.clone()));
        if p.is_dgp {
            options.push(("chassis-redirect-port".into(), p.cr_name().into()));
        }
    }
    if let Some(c) = &l3gw {
        options.push(("l3gateway-chassis".into(), c.clone()));
    }
    options.sort();
    let row = PortRow {
        logical_port: nb.name.clone(),
        dp: p.dp(),
        kind: if l3gw.is_some() { "l3gateway" } else { "patch" }.into(),
        mac: vec![mac.clone().into()],
        options,
        external_ids: nb.external_ids.clone(),
        ..Default::default()
    };
    let mut rows = vec![row];
    if p.is_dgp {
        let mut options: Smap = vec![("distributed-port".into(), nb.name.clone())];
        match smap_get(&nb.options, "redirect-type") {
            Some(t) => {
                options.push(("redirect-type".into(), t.clone()));
                if t.as_str() != "bridged" {
                    options.push(("always-redirect".into(), "true".into()));
                }
            }
            None => options.push(("always-redirect".into(), "true".into())),
        }
        options.sort();
        rows.push(PortRow {
            logical_port: p.cr_name().into(),
            dp: p.dp(),
            kind: "chassisredirect".into(),
            mac: vec![mac.into()],
            options,
            external_ids: nb.external_ids.clone(),
            ha_chassis_group: group,
            ..Default::default()
        });
    }
    rows
}

pub(crate) fn rows<'s>(m: &Model<'s>, ha: &HaGroups<'s>) -> Coll<'s, Output> {
    let (joined, diags) = joined_lsp_rows(m, ha);
    let lsp = m
        .lsps
        .clone()
        .filter(|p| !lsp_needs_join(p))
        .map(|p| lsp_row(&p))
        .concat(joined);
    // A router port's peer: the router-type switch port naming it, or its `peer` column.
    let switch_peer = m.lsps.clone().flat_map(|l| {
        l.peer
            .as_ref()
            .filter(|_| l.is_router())
            .map(|p| (p.nb.uuid, l.name().clone()))
    });
    let lrp_peer = m
        .lrps
        .clone()
        .flat_map(|l| l.nb.peer.clone().map(|p| (p, l.nb.uuid)));
    let lrp_peer = lrp_peer
        .join(m.lrps.clone().map(|l| (l.name().clone(), ())))
        .map(|(name, (u, ()))| (u, name));
    let peers = switch_peer
        .concat(lrp_peer)
        .reduce(|_, names, out| out.push((names[0].0.clone(), 1)));
    #[derive(
        Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
    )]
    enum Part {
        Port(Arc<Lrp>),
        Peer(Istr),
        Group(Istr),
    }
    let lrp = m
        .lrps
        .clone()
        .map(|l| (l.nb.uuid, Part::Port(l)))
        .concat(peers.map(|(u, n)| (u, Part::Peer(n))))
        .concat(ha.by_port.clone().map(|(u, g)| (u, Part::Group(g))))
        .reduce(|_, parts, out| {
            let mut port = None;
            let mut peer = None;
            let mut group = None;
            for (p, _) in parts {
                match p {
                    Part::Port(l) => port = Some(l.clone()),
                    Part::Peer(n) => peer = Some(n.clone()),
                    Part::Group(g) => group = Some(g.clone()),
                }
            }
            if let Some(l) = port {
                for r in lrp_rows(&l, peer, group) {
                    out.push((r, 1));
                }
            }
        })
        .map(|(_, r)| r);
    lsp.concat(lrp)
        .map(|r| ((r.dp, r.logical_port.clone()), r))
        .join(m.keys.ports.clone())
        .map(|(_, (mut r, key))| {
            r.tunnel_key = key;
            Output::Port(std::sync::Arc::new(r))
        })
        .concat(diags)
}
