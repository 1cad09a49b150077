//! Logical switch egress pipeline (tables 0-9).

pub mod ls_out_acl;
pub mod ls_out_acl_hint;
pub mod ls_out_apply_port_sec;
pub mod ls_out_check_port_sec;
pub mod ls_out_pre_acl;
pub mod ls_out_pre_lb;
pub mod ls_out_pre_stateful;
pub mod ls_out_qos_mark;
pub mod ls_out_qos_meter;
pub mod ls_out_stateful;

use crate::model::{Config, Lsp};
use crate::output::Flows;

/// Flows that are the same on every switch (kept once for all), in table order.
pub(crate) fn defaults(cfg: &Config, f: &mut Flows) {
    ls_out_pre_acl::defaults(cfg, f);
    ls_out_pre_lb::defaults(cfg, f);
    ls_out_pre_stateful::defaults(cfg, f);
    ls_out_acl_hint::defaults(cfg, f);
    ls_out_acl::defaults(cfg, f);
    ls_out_qos_mark::defaults(cfg, f);
    ls_out_qos_meter::defaults(cfg, f);
    ls_out_stateful::defaults(cfg, f);
    ls_out_check_port_sec::defaults(cfg, f);
    ls_out_apply_port_sec::defaults(cfg, f);
}

/// Flows every port gets (on its datapath), in table order.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    ls_out_pre_lb::port(p, f);
}
