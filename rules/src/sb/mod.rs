//! Non-flow Southbound rows: Datapath_Binding, Port_Binding, Multicast_Group,
//! HA_Chassis_Group, IP_Multicast, SB_Global options and the `svc_monitor_mac`
//! Address_Set. (The constant catalogues DHCP_Options, DHCPv6_Options and RBAC are
//! written by the database layout, not by rules.)

pub mod datapath_binding;
pub mod ha_chassis_group;
pub mod ip_multicast;
pub mod multicast_group;
pub mod port_binding;
pub mod sb_global;
