//! ls_in_check_port_sec — drop VLAN-tagged and multicast-source frames, flag disabled
//! ports, and ask the controller to check port security (it enforces
//! Port_Binding.port_security).

use crate::model::{Lsp, Switch};
use crate::output::Flows;
use crate::stage::Stage;
use crate::util::json_key;

const STAGE: Stage = Stage::LsInCheckPortSec;

/// Priority 100: tagged frames (unless the switch passes VLANs through) and frames from
/// a multicast source are dropped; priority 50: everything else is checked.
pub(crate) fn switch(sw: &Switch, f: &mut Flows) {
    if !sw.vlan_passthru() {
        f.add(STAGE, 100, "vlan.present", "drop;");
    }
    f.add(STAGE, 100, "eth.src[40]", "drop;");
    f.add(STAGE, 50, "1", "reg0[15] = check_in_port_sec(); next;");
}

/// Priority 100: traffic from a disabled port is flagged for drop.
pub(crate) fn port(p: &Lsp, f: &mut Flows) {
    if !p.enabled() && p.kind() != "external" {
        let m = format!("inport == {}", json_key(p.name()));
        f.add_port(STAGE, 100, m, "reg0[15] = 1; next;", p.name(), p.nb.uuid);
    }
}
