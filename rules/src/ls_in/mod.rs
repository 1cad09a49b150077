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

use crate::model::{Lsp, Switch};
use crate::output::Flows;

/// Flows every switch gets, in table order.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    ls_in_check_port_sec::switch(sw, f);
    ls_in_apply_port_sec::switch(sw, f);
    ls_in_lookup_fdb::switch(sw, f);
    ls_in_put_fdb::switch(sw, f);
    ls_in_pre_acl::switch(sw, f);
    ls_in_pre_lb::switch(sw, f);
    ls_in_pre_stateful::switch(sw, f);
    ls_in_acl_hint::switch(sw, f);
    ls_in_acl::switch(sw, f);
    ls_in_qos_mark::switch(sw, f);
    ls_in_qos_meter::switch(sw, f);
    ls_in_lb_aff_check::switch(sw, f);
    ls_in_lb::switch(sw, f);
    ls_in_lb_aff_learn::switch(sw, f);
    ls_in_pre_hairpin::switch(sw, f);
    ls_in_nat_hairpin::switch(sw, f);
    ls_in_hairpin::switch(sw, f);
    ls_in_acl_after_lb::switch(sw, f);
    ls_in_stateful::switch(sw, f);
    ls_in_arp_rsp::switch(sw, f);
    ls_in_dhcp_options::switch(sw, f);
    ls_in_dhcp_response::switch(sw, f);
    ls_in_dns_lookup::switch(sw, f);
    ls_in_dns_response::switch(sw, f);
    ls_in_external_port::switch(sw, f);
    ls_in_l2_lkup::switch(sw, f);
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
