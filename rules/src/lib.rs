//! ovn-northd 23.03 as differential-dataflow rules.
//!
//! [`northd`] maps the input relation (NB and SB rows, see [`input`]) to the output
//! relation (the SB rows northd owns, see [`output`]). [`model`] builds the shared
//! derived relations once; each pipeline stage is one module named by its SB stage name
//! (`ls_in::ls_in_l2_lkup`, ...), whose functions read like the stage's paragraph in
//! ovn-northd(8). Non-flow rows live in [`sb`].

pub mod input;
pub mod intern;
pub mod lr_in;
pub mod lr_out;
pub mod ls_in;
pub mod ls_out;
pub mod model;
pub mod output;
pub mod sb;
pub mod stage;
#[cfg(test)]
pub(crate) mod testkit;
pub mod util;

use engine::Coll;

pub use input::{Input, Uuid};
pub use intern::Istr;
pub use output::{Flow, Output};
pub use stage::{Pipeline, Stage};

use model::Model;
use output::{Dp, Flows};

/// The whole of northd: input rows to output rows.
pub fn northd<'s>(input: Coll<'s, Input>) -> Coll<'s, Output> {
    let m = Model::new(input);

    let switch_flows = m.switches.clone().flat_map(|sw| {
        let mut v = Vec::new();
        let mut f = Flows::on(sw.nb.uuid, &mut v);
        ls_in::switch(&sw, &mut f);
        v
    });
    let lsp_flows = m.lsps.clone().flat_map(|p| {
        let mut v = Vec::new();
        let mut f = Flows::on(p.dp(), &mut v);
        ls_in::port(&p, &mut f);
        ls_out::port(&p, &mut f);
        v
    });
    // Flows that are the same on every switch (or every router) exist once.
    let default_flows = m.cfg.clone().flat_map(|cfg| {
        let mut v = Vec::new();
        let mut f = Flows {
            dp: Dp::Switches,
            out: &mut v,
        };
        ls_in::defaults(&cfg, &mut f);
        ls_out::defaults(&cfg, &mut f);
        let mut f = Flows {
            dp: Dp::Routers,
            out: &mut v,
        };
        lr_in::defaults(&cfg, &mut f);
        lr_out::defaults(&cfg, &mut f);
        v
    });
    let lrp_flows = m.lrps.clone().flat_map(|p| {
        let mut v = Vec::new();
        let mut f = Flows::on(p.dp(), &mut v);
        lr_in::port(&p, &mut f);
        lr_out::port(&p, &mut f);
        v
    });
    let (route_flows, route_diags) = lr_in::lr_in_ip_routing::dataflow(&m);
    let flows = default_flows
        .concat(switch_flows)
        .concat(lsp_flows)
        .concat(lrp_flows)
        .concat(route_flows)
        .concat(lr_in::lr_in_arp_resolve::dataflow(&m))
        .concat(lr_in::lr_in_arp_request::dataflow(&m))
        .map(Output::Flow);

    let ha = sb::ha_chassis_group::build(&m);
    flows
        .concat(sb::datapath_binding::rows(&m))
        .concat(sb::port_binding::rows(&m, &ha))
        .concat(sb::multicast_group::rows(&m))
        .concat(ha.rows)
        .concat(sb::ip_multicast::rows(&m))
        .concat(sb::sb_global::rows(&m))
        .concat(m.diags.clone())
        .concat(route_diags)
}
