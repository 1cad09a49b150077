//! Output relations: the Southbound rows northd owns, as the rules produce them.
//!
//! Flows are per datapath; the adapter groups identical flows of several datapaths into
//! `Logical_DP_Group`s. Multicast groups come as one row per member so that a port change
//! costs one diff. A row that cannot be translated becomes a [`Diag`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::input::{Smap, Uuid};
use crate::intern::Istr;
use crate::stage::Stage;

/// Where a flow goes: one datapath (the NB UUID of its switch or router), or every
/// logical switch / every logical router (flows that are the same everywhere are kept
/// once, as ovn-northd's datapath groups keep them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Dp {
    One(Uuid),
    Switches,
    Routers,
}

/// One logical flow.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Flow {
    pub dp: Dp,
    pub stage: Stage,
    pub priority: u16,
    pub match_: Istr,
    pub actions: Istr,
    /// `external_ids:stage-hint`: the first 8 hex digits of the NB row behind the flow.
    pub hint: Option<u32>,
    /// `tags:in_out_port`.
    pub io_port: Option<Istr>,
}

/// Collects the flows of one datapath (or of all switches / all routers).
pub struct Flows<'a> {
    pub dp: Dp,
    pub out: &'a mut Vec<Flow>,
}

impl<'a> Flows<'a> {
    /// Flows on datapath `dp`.
    pub fn on(dp: Uuid, out: &'a mut Vec<Flow>) -> Flows<'a> {
        Flows {
            dp: Dp::One(dp),
            out,
        }
    }

    pub fn add(&mut self, stage: Stage, priority: u16, m: impl AsRef<str>, a: impl AsRef<str>) {
        self.push(stage, priority, m.as_ref(), a.as_ref(), None, None);
    }
    /// A flow with `stage-hint` pointing at NB row `hint`.
    pub fn add_hint(
        &mut self,
        stage: Stage,
        priority: u16,
        m: impl AsRef<str>,
        a: impl AsRef<str>,
        hint: Uuid,
    ) {
        self.push(
            stage,
            priority,
            m.as_ref(),
            a.as_ref(),
            Some(hint.hint()),
            None,
        );
    }
    /// A flow tagged `in_out_port` with its port, and `stage-hint` of its NB row.
    pub fn add_port(
        &mut self,
        stage: Stage,
        priority: u16,
        m: impl AsRef<str>,
        a: impl AsRef<str>,
        port: &Istr,
        hint: Uuid,
    ) {
        self.push(
            stage,
            priority,
            m.as_ref(),
            a.as_ref(),
            Some(hint.hint()),
            Some(port.clone()),
        );
    }
    fn push(
        &mut self,
        stage: Stage,
        priority: u16,
        m: &str,
        a: &str,
        hint: Option<u32>,
        io: Option<Istr>,
    ) {
        self.out.push(Flow {
            dp: self.dp,
            stage,
            priority,
            match_: Istr::text(m),
            actions: Istr::text(a),
            hint,
            io_port: io,
        });
    }
}

/// SB Datapath_Binding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DatapathRow {
    pub nb: Uuid,
    pub tunnel_key: u32,
    pub external_ids: Smap,
}

/// SB Port_Binding (the columns northd owns).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PortRow {
    pub logical_port: Istr,
    pub dp: Uuid,
    pub kind: Istr,
    pub tunnel_key: u32,
    pub mac: Vec<Istr>,
    pub port_security: Vec<Istr>,
    pub options: Smap,
    pub external_ids: Smap,
    pub parent_port: Option<Istr>,
    pub tag: Option<i64>,
    pub nat_addresses: Vec<Istr>,
    /// The SB HA_Chassis_Group, by name.
    pub ha_chassis_group: Option<Istr>,
    /// Chassis, by name.
    pub requested_chassis: Option<Istr>,
    pub requested_additional_chassis: Vec<Istr>,
}

/// One member of an SB Multicast_Group (a group with no member is not written).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct McMember {
    pub dp: Uuid,
    pub name: Istr,
    pub tunnel_key: u32,
    pub port: Istr,
}

/// SB HA_Chassis_Group with its members (chassis name, priority).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HaGroupRow {
    pub name: Istr,
    pub members: Vec<(Istr, i64)>,
    pub external_ids: Smap,
}

/// SB IP_Multicast of one logical switch (`dp`). The `*_src` columns are written only
/// when configured.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IpMulticastRow {
    pub dp: Uuid,
    pub enabled: bool,
    pub querier: bool,
    pub table_size: i64,
    pub idle_timeout: i64,
    pub query_interval: i64,
    pub query_max_resp: i64,
    pub eth_src: Option<Istr>,
    pub ip4_src: Option<Istr>,
    pub ip6_src: Option<Istr>,
}

/// SB Address_Set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AddressSetRow {
    pub name: Istr,
    pub addresses: Vec<Istr>,
}

/// A warning about an NB row that was skipped in part or whole.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diag {
    pub table: Istr,
    pub row: Uuid,
    pub message: Istr,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Output {
    Flow(Flow),
    // Wide, rare rows are shared pointers so that the enum stays as small as a flow.
    Datapath(Arc<DatapathRow>),
    Port(Arc<PortRow>),
    McMember(McMember),
    HaGroup(Arc<HaGroupRow>),
    IpMulticast(Arc<IpMulticastRow>),
    AddressSet(Arc<AddressSetRow>),
    /// One key of SB_Global options (key, value): the NB_Global options as northd
    /// rewrites them, plus the SB-only keys.
    SbOption(Istr, Istr),
    Diag(Diag),
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_output_row_is_no_wider_than_a_flow_plus_its_tag() {
        assert!(std::mem::size_of::<super::Output>() <= std::mem::size_of::<super::Flow>() + 8);
    }
}
