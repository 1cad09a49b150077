//! Logical router egress pipeline (tables 0-6).

pub mod lr_out_chk_dnat_local;
pub mod lr_out_delivery;
pub mod lr_out_egr_loop;
pub mod lr_out_post_snat;
pub mod lr_out_post_undnat;
pub mod lr_out_snat;
pub mod lr_out_undnat;

use crate::model::{Lrp, Router};
use crate::output::Flows;

/// Flows every router gets, in table order.
pub(crate) fn router(lr: &Router, f: &mut Flows) {
    lr_out_chk_dnat_local::router(lr, f);
    lr_out_undnat::router(lr, f);
    lr_out_post_undnat::router(lr, f);
    lr_out_snat::router(lr, f);
    lr_out_post_snat::router(lr, f);
    lr_out_egr_loop::router(lr, f);
}

/// Flows every port gets (on its datapath), in table order.
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    lr_out_delivery::port(p, f);
}
