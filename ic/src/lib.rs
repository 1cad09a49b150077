//! ovn-ic 23.03 as differential-dataflow rules.
//!
//! [`ic`] maps the input relation (the rows ovn-ic reads from the zone's NB and SB and
//! from IC-NB and IC-SB, see [`input`]) to the output relation: the writes still needed
//! to make those databases what ovn-ic wants them to be ([`op`]). Each of ovn-ic's
//! functions is a module, in the order ovn-ic runs them: [`az`] (availability zone),
//! [`ts`] (transit switches), [`gateway`], [`port_binding`], [`route`]. [`model`]
//! builds the relations they share.

pub mod az;
pub mod gateway;
pub mod input;
pub mod model;
pub mod op;
pub mod port_binding;
pub mod prefix;
pub mod route;
#[cfg(test)]
pub(crate) mod testkit;
pub mod ts;

use engine::Coll;

pub use input::Input;
pub use op::{Db, Op};

use model::{Model, gated, warn};

/// The whole of ovn-ic: input rows to pending writes. Nothing but the zone's
/// registration is written before the zone has its `Availability_Zone` row.
pub fn ic<'s>(input: Coll<'s, Input>) -> Coll<'s, Op> {
    let m = Model::new(input);
    let bad_blacklist = m.cfg.clone().flat_map(|c| {
        c.bad_blacklist
            .iter()
            .map(|b| {
                warn(format!(
                    "Bad format in nb_global options:ic-route-blacklist: {b}. CIDR expected."
                ))
            })
            .collect::<Vec<_>>()
    });
    let ops = ts::ops(&m)
        .concat(gateway::ops(&m))
        .concat(port_binding::ops(&m))
        .concat(route::ops(&m))
        .concat(bad_blacklist);
    az::ops(&m).concat(gated(ops, &m.me))
}
