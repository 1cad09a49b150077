//! Non-flow Southbound rows: Datapath_Binding, Port_Binding, Multicast_Group,
//! HA_Chassis_Group, IP_Multicast.

pub mod datapath_binding;
pub mod multicast_group;
pub mod port_binding;
