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

use crate::model::{Lsp, Switch};
use crate::output::Flows;

/// Flows every switch gets, in table order.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    ls_out_pre_acl::switch(sw, f);
    ls_out_pre_lb::switch(sw, f);
    ls_out_pre_stateful::switch(sw, f);
    ls_out_acl_hint::switch(sw, f);
    ls_out_acl::switch(sw, f);
    ls_out_qos_mark::switch(sw, f);
    ls_out_qos_meter::switch(sw, f);
    ls_out_stateful::switch(sw, f);
    ls_out_check_port_sec::switch(sw, f);
    ls_out_apply_port_sec::switch(sw, f);
}

/// Flows every port gets (on its datapath), in table order.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    ls_out_pre_lb::port(p, f);
}
