//! Logical router ingress pipeline (tables 0-21).

pub mod lr_in_admission;
pub mod lr_in_arp_request;
pub mod lr_in_arp_resolve;
pub mod lr_in_chk_pkt_len;
pub mod lr_in_defrag;
pub mod lr_in_dnat;
pub mod lr_in_ecmp_stateful;
pub mod lr_in_gw_redirect;
pub mod lr_in_ip_input;
pub mod lr_in_ip_routing;
pub mod lr_in_ip_routing_ecmp;
pub mod lr_in_ip_routing_pre;
pub mod lr_in_larger_pkts;
pub mod lr_in_lb_aff_check;
pub mod lr_in_lb_aff_learn;
pub mod lr_in_learn_neighbor;
pub mod lr_in_lookup_neighbor;
pub mod lr_in_nd_ra_options;
pub mod lr_in_nd_ra_response;
pub mod lr_in_policy;
pub mod lr_in_policy_ecmp;
pub mod lr_in_unsnat;

use crate::model::{Config, LportAddrs, Lrp};
use crate::output::Flows;
use crate::util::ip6;

/// Flows that are the same on every router (kept once for all), in table order.
pub(crate) fn defaults(cfg: &Config, f: &mut Flows) {
    lr_in_admission::defaults(cfg, f);
    lr_in_lookup_neighbor::defaults(cfg, f);
    lr_in_learn_neighbor::defaults(cfg, f);
    lr_in_ip_input::defaults(cfg, f);
    lr_in_unsnat::defaults(cfg, f);
    lr_in_defrag::defaults(cfg, f);
    lr_in_lb_aff_check::defaults(cfg, f);
    lr_in_dnat::defaults(cfg, f);
    lr_in_lb_aff_learn::defaults(cfg, f);
    lr_in_ecmp_stateful::defaults(cfg, f);
    lr_in_nd_ra_options::defaults(cfg, f);
    lr_in_nd_ra_response::defaults(cfg, f);
    lr_in_ip_routing_pre::defaults(cfg, f);
    lr_in_ip_routing::defaults(cfg, f);
    lr_in_ip_routing_ecmp::defaults(cfg, f);
    lr_in_policy::defaults(cfg, f);
    lr_in_policy_ecmp::defaults(cfg, f);
    lr_in_arp_resolve::defaults(cfg, f);
    lr_in_chk_pkt_len::defaults(cfg, f);
    lr_in_larger_pkts::defaults(cfg, f);
    lr_in_gw_redirect::defaults(cfg, f);
    lr_in_arp_request::defaults(cfg, f);
}

/// Flows every router port gets (on its router).
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    lr_in_admission::port(p, f);
    lr_in_lookup_neighbor::port(p, f);
    lr_in_ip_input::port(p, f);
    lr_in_ip_routing::port(p, f);
    lr_in_gw_redirect::port(p, f);
}

/// The port's IPv4 addresses: one bare, several (or with broadcasts) in braces.
pub(crate) fn v4_list(a: &LportAddrs, bcast: bool) -> String {
    if !bcast && a.ipv4.len() == 1 {
        return a.ipv4[0].addr.to_string();
    }
    let mut items = Vec::new();
    for n in &a.ipv4 {
        items.push(n.addr.to_string());
        if bcast {
            items.push(n.bcast().to_string());
        }
    }
    format!("{{{}}}", items.join(", "))
}

/// The port's IPv6 addresses: one bare, several in braces.
pub(crate) fn v6_list(a: &LportAddrs) -> String {
    if a.ipv6.len() == 1 {
        return ip6(&a.ipv6[0].addr);
    }
    braces(a.ipv6.iter().map(|n| ip6(&n.addr)))
}

pub(crate) fn braces(items: impl Iterator<Item = String>) -> String {
    format!("{{{}}}", items.collect::<Vec<_>>().join(", "))
}
