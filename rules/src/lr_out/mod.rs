//! Logical router egress pipeline (tables 0-6).

pub mod lr_out_chk_dnat_local;
pub mod lr_out_delivery;
pub mod lr_out_egr_loop;
pub mod lr_out_post_snat;
pub mod lr_out_post_undnat;
pub mod lr_out_snat;
pub mod lr_out_undnat;

use crate::model::{Config, Lrp};
use crate::output::Flows;

/// Flows that are the same on every router (kept once for all), in table order.
pub(crate) fn defaults(cfg: &Config, f: &mut Flows) {
    lr_out_chk_dnat_local::defaults(cfg, f);
    lr_out_undnat::defaults(cfg, f);
    lr_out_post_undnat::defaults(cfg, f);
    lr_out_snat::defaults(cfg, f);
    lr_out_post_snat::defaults(cfg, f);
    lr_out_egr_loop::defaults(cfg, f);
}

/// Flows every port gets (on its datapath), in table order.
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    lr_out_delivery::port(p, f);
}
