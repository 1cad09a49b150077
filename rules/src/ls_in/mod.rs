//! Logical switch ingress pipeline (tables 0-26).

pub mod ls_in_acl;
pub mod ls_in_acl_after_lb;
pub mod ls_in_acl_hint;
pub mod ls_in_apply_port_sec;
pub mod ls_in_arp_rsp;
pub mod ls_in_check_port_sec;
pub mod ls_in_dhcp_options;
pub mod ls_in_dhcp_response;
pub mod ls_in_dns_lookup;
pub mod ls_in_dns_response;
pub mod ls_in_external_port;
pub mod ls_in_hairpin;
pub mod ls_in_l2_lkup;
pub mod ls_in_l2_unknown;
pub mod ls_in_lb;
pub mod ls_in_lb_aff_check;
pub mod ls_in_lb_aff_learn;
pub mod ls_in_lookup_fdb;
pub mod ls_in_nat_hairpin;
pub mod ls_in_pre_acl;
pub mod ls_in_pre_hairpin;
pub mod ls_in_pre_lb;
pub mod ls_in_pre_stateful;
pub mod ls_in_put_fdb;
pub mod ls_in_qos_mark;
pub mod ls_in_qos_meter;
pub mod ls_in_stateful;

use crate::model::{Config, Lsp, Switch};
use crate::output::Flows;

/// Flows that are the same on every switch (kept once for all), in table order.
pub(crate) fn defaults(cfg: &Config, f: &mut Flows) {
    ls_in_check_port_sec::defaults(cfg, f);
    ls_in_apply_port_sec::defaults(cfg, f);
    ls_in_lookup_fdb::defaults(cfg, f);
    ls_in_put_fdb::defaults(cfg, f);
    ls_in_pre_acl::defaults(cfg, f);
    ls_in_pre_lb::defaults(cfg, f);
    ls_in_pre_stateful::defaults(cfg, f);
    ls_in_acl_hint::defaults(cfg, f);
    ls_in_acl::defaults(cfg, f);
    ls_in_qos_mark::defaults(cfg, f);
    ls_in_qos_meter::defaults(cfg, f);
    ls_in_lb_aff_check::defaults(cfg, f);
    ls_in_lb::defaults(cfg, f);
    ls_in_lb_aff_learn::defaults(cfg, f);
    ls_in_pre_hairpin::defaults(cfg, f);
    ls_in_nat_hairpin::defaults(cfg, f);
    ls_in_hairpin::defaults(cfg, f);
    ls_in_acl_after_lb::defaults(cfg, f);
    ls_in_stateful::defaults(cfg, f);
    ls_in_arp_rsp::defaults(cfg, f);
    ls_in_dhcp_options::defaults(cfg, f);
    ls_in_dhcp_response::defaults(cfg, f);
    ls_in_dns_lookup::defaults(cfg, f);
    ls_in_dns_response::defaults(cfg, f);
    ls_in_external_port::defaults(cfg, f);
    ls_in_l2_lkup::defaults(cfg, f);
    ls_in_l2_unknown::defaults(cfg, f);
}

/// Flows that depend on the switch, in table order.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    ls_in_check_port_sec::switch(sw, f);
    ls_in_l2_unknown::switch(sw, f);
}

/// Flows every port gets (on its datapath), in table order.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    ls_in_check_port_sec::port(p, f);
    ls_in_lookup_fdb::port(p, f);
    ls_in_put_fdb::port(p, f);
    ls_in_pre_lb::port(p, f);
    ls_in_arp_rsp::port(p, f);
    ls_in_l2_lkup::port(p, f);
    ls_in_l2_unknown::port(p, f);
}
