//! lr_in_admission — drop VLAN-tagged and multicast-source frames; accept on each enabled
//! router port the frames for its MAC (on a distributed gateway port only where it is
//! resident) and multicast, remembering the port MAC in xreg0[0..47].

use crate::model::{Lrp, Router};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LrInAdmission;

/// Priority 100: bad frames are dropped; priority 0: so is everything not admitted.
pub(crate) fn router(_lr: &Router, f: &mut Flows) {
    f.add(STAGE, 100, "vlan.present || eth.src[40]", "drop;");
    f.add(STAGE, 0, "1", "drop;");
}

/// Priority 50: multicast and unicast to the port's MAC are admitted.
pub(crate) fn port(p: &Lrp, f: &mut Flows) {
    if !p.enabled() {
        return;
    }
    let mac = p.networks.mac;
    let inport = json_key(p.name());
    let a = format!("xreg0[0..47] = {mac}; next;");
    f.add_hint(
        STAGE,
        50,
        format!("eth.mcast && inport == {inport}"),
        &a,
        p.nb.uuid,
    );
    let mut m = format!("eth.dst == {mac} && inport == {inport}");
    if p.is_dgp {
        m.push_str(&format!(
            " && is_chassis_resident({})",
            json_key(&p.cr_name())
        ));
    }
    f.add_hint(STAGE, 50, m, &a, p.nb.uuid);
}
