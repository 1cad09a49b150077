//! The non-flow Southbound tables (SB_Global, HA_Chassis_Group, HA_Chassis,
//! IP_Multicast, Address_Set, DHCP_Options, DHCPv6_Options, RBAC_Role,
//! RBAC_Permission, and Port_Binding / Datapath_Binding / Multicast_Group in full)
//! against the real ovn-northd 23.03.1: the expected rows are what ovn-northd writes
//! into its SB file; ovn-dd computes from the same NB and SB files. Rows are compared
//! with every UUID reference replaced by the name of the row it points to.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use adapters::dbfile;
use common::{Lab, SEED, TABLES, TempDir, compute, tables};

/// A gateway-chassis DGP, an HA-chassis-group DGP (which also has a gateway chassis,
/// ignored), an external port with its own group, an unused group, requested chassis
/// by name and by hostname, IP multicast settings and user NB_Global options.
const GATEWAYS: &str = r#"
ovn-nbctl lrp-set-gateway-chassis router1-net2 worker1 10
ovn-nbctl ha-chassis-group-add hagrp
ovn-nbctl ha-chassis-group-add-chassis hagrp worker1 20
ovn-nbctl ha-chassis-group-add-chassis hagrp worker2 10
ovn-nbctl ha-chassis-group-add-chassis hagrp gone 5
ovn-nbctl ha-chassis-group-add unused
ovn-nbctl ha-chassis-group-add-chassis unused worker1 1
ovn-nbctl ha-chassis-group-add extgrp
ovn-nbctl ha-chassis-group-add-chassis extgrp worker2 7
ovn-nbctl lrp-add router1 router1-pub 40:44:00:00:00:05 172.16.0.1/24
ovn-nbctl ls-add public
ovn-nbctl lsp-add public pub-router1 -- lsp-set-type pub-router1 router -- lsp-set-addresses pub-router1 router -- lsp-set-options pub-router1 router-port=router1-pub
ovn-nbctl --id=@g get HA_Chassis_Group hagrp -- set Logical_Router_Port router1-pub ha_chassis_group=@g
ovn-nbctl lrp-set-gateway-chassis router1-pub worker2 30
ovn-nbctl lsp-add public ext1 -- lsp-set-type ext1 external -- lsp-set-addresses ext1 "40:44:00:00:00:20 172.16.0.20"
ovn-nbctl --id=@g get HA_Chassis_Group extgrp -- set Logical_Switch_Port ext1 ha_chassis_group=@g
ovn-sbctl set Chassis worker2 hostname=host2
ovn-nbctl lsp-set-options vm1 requested-chassis=worker1
ovn-nbctl lsp-set-options vm2 requested-chassis=nonexistent,host2,,worker1
ovn-nbctl set Logical_Switch network2 other_config:mcast_snoop=true other_config:mcast_idle_timeout=10 other_config:mcast_eth_src=00:00:00:00:00:fe other_config:mcast_ip4_src=192.168.1.254
ovn-nbctl set Logical_Switch public other_config:mcast_querier=false other_config:mcast_table_size=100 other_config:mcast_query_interval=4000 other_config:mcast_query_max_response=3
ovn-nbctl set NB_Global . options:mac_prefix=A:b:C:dd options:svc_monitor_mac=AA:BB:CC:DD:EE:FF options:foo=bar ipsec=true
"#;

/// Runs the real northd on `script`, then ovn-dd on the same files; compares TABLES.
/// Returns the real northd's normalised tables.
fn check(what: &str, script: &str) -> BTreeMap<&'static str, BTreeSet<String>> {
    let lab = Lab::with_northd();
    lab.script(script);
    lab.sync();
    let out = TempDir::new("sbtables");
    let sb_out = out.path().join("sb.db");
    let (nb, sb) = (lab.nb_file(), lab.sb_file());
    compute(&[
        "--nb",
        nb.to_str().unwrap(),
        "--sb",
        sb.to_str().unwrap(),
        "--sb-out",
        sb_out.to_str().unwrap(),
        "-q",
    ]);
    let theirs = tables(&dbfile::read(&sb).unwrap());
    let ours = tables(&dbfile::read(&sb_out).unwrap());
    let mut report = String::new();
    for t in TABLES {
        let (e, a) = (&theirs[t], &ours[t]);
        for r in e.difference(a) {
            report.push_str(&format!("{t}: only in ovn-northd: {r}\n"));
        }
        for r in a.difference(e) {
            report.push_str(&format!("{t}: only in ovn-dd:     {r}\n"));
        }
    }
    assert!(report.is_empty(), "{what}: SB tables differ\n{report}");
    theirs
}

fn has(t: &BTreeMap<&str, BTreeSet<String>>, table: &str, needle: &str) -> bool {
    t[table].iter().any(|r| r.contains(needle))
}

#[test]
fn gateways_groups_multicast_and_options_match_ovn_northd() {
    let t = check("gateways", &format!("{SEED}\n{GATEWAYS}"));
    // The scenario must exercise what it claims to (the expectations are northd's).
    assert_eq!(
        t["HA_Chassis_Group"].len(),
        3,
        "{:#?}",
        t["HA_Chassis_Group"]
    );
    assert!(has(&t, "HA_Chassis_Group", "name=[\"router1-net2\"]"));
    assert!(has(&t, "HA_Chassis", "chassis=[]"));
    assert!(has(
        &t,
        "Port_Binding",
        "ha_chassis_group=[HA_Chassis_Group:hagrp]"
    ));
    assert!(has(
        &t,
        "Port_Binding",
        "ha_chassis_group=[HA_Chassis_Group:extgrp]"
    ));
    assert!(has(
        &t,
        "Port_Binding",
        "requested_additional_chassis=[Chassis:worker1]"
    ));
    assert!(has(
        &t,
        "Port_Binding",
        "requested_chassis=[Chassis:worker2]"
    ));
    assert!(has(&t, "IP_Multicast", "enabled=[true]"));
    assert!(has(&t, "Address_Set", "\"aa:bb:cc:dd:ee:ff\""));
    assert!(has(&t, "SB_Global", "\"lb_hairpin_use_ct_mark\"=\"false\""));
    assert_eq!(t["DHCP_Options"].len(), 38);
    assert_eq!(t["DHCPv6_Options"].len(), 4);
    assert_eq!(t["RBAC_Permission"].len(), 10);
}

#[test]
fn vxlan_chassis_with_all_features_match_ovn_northd() {
    let t = check(
        "vxlan",
        &format!(
            "{}\n{}",
            SEED.replace("geneve", "vxlan"),
            r#"
ovn-sbctl set Chassis worker1 other_config:ct-no-masked-label=true other_config:ovn-ct-lb-related=true other_config:mac-binding-timestamp=true
ovn-sbctl set Chassis worker2 other_config:ct-no-masked-label=true other_config:is-remote=false
ovn-nbctl set NB_Global . options:lb_hairpin_use_ct_mark=true options:svc_monitor_mac=bogus
"#
        ),
    );
    assert!(has(&t, "SB_Global", "\"max_tunid\"=\"4095\""));
    assert!(!has(&t, "SB_Global", "lb_hairpin_use_ct_mark"));
}
