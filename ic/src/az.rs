//! Availability zone registration: the zone named by NB_Global.name has its row in
//! IC-SB `Availability_Zone`. (Renaming and unregistering need the previous name,
//! which only the running daemon knows: the adapter does those.)

use engine::Coll;

use crate::model::Model;
use crate::op::Op;

/// `Register AZ <name> to interconnection DB.`
pub fn ops<'s>(m: &Model<'s>) -> Coll<'s, Op> {
    m.cfg
        .clone()
        .flat_map(|c| (!c.az.is_empty()).then(|| (c.az.clone(), ())))
        .antijoin(m.azs.clone().map(|(n, _)| n).distinct())
        .map(|(name, ())| Op::AddAz { name })
}
