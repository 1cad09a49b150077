//! Port_Binding: one row per switch port, per router port of an enabled router, and per
//! `cr-` port of a distributed gateway port.

use engine::Coll;

use crate::input::{Smap, smap_get};
use crate::intern::Istr;
use crate::model::{Lrp, Lsp, Model};
use crate::output::{Output, PortRow};

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
        if let Some(peer) = &p.peer {
            if peer.is_dgp {
                let mut s = peer.networks.mac.to_string();
                for n in &peer.networks.ipv4 {
                    s.push_str(&format!(" {}", n.addr));
                }
                s.push_str(&format!(" is_chassis_resident(\"{}\")", peer.cr_name()));
                row.nat_addresses = vec![s.into()];
            }
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

fn lrp_rows(p: &Lrp, peer: Option<Istr>) -> Vec<PortRow> {
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
        let group = nb
            .ha_chassis_group
            .map(|_| nb.name.clone())
            .unwrap_or_else(|| nb.name.clone());
        rows.push(PortRow {
            logical_port: p.cr_name().into(),
            dp: p.dp(),
            kind: "chassisredirect".into(),
            mac: vec![mac.into()],
            options,
            external_ids: nb.external_ids.clone(),
            ha_chassis_group: Some(group),
            ..Default::default()
        });
    }
    rows
}

pub(crate) fn rows<'s>(m: &Model<'s>) -> Coll<'s, Output> {
    let lsp = m.lsps.clone().map(|p| lsp_row(&p));
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
        Port(std::sync::Arc<Lrp>),
        Peer(Istr),
    }
    let lrp = m
        .lrps
        .clone()
        .map(|l| (l.nb.uuid, Part::Port(l)))
        .concat(peers.map(|(u, n)| (u, Part::Peer(n))))
        .reduce(|_, parts, out| {
            let mut port = None;
            let mut peer = None;
            for (p, _) in parts {
                match p {
                    Part::Port(l) => port = Some(l.clone()),
                    Part::Peer(n) => peer = Some(n.clone()),
                }
            }
            if let Some(l) = port {
                for r in lrp_rows(&l, peer) {
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
            Output::Port(r)
        })
}
