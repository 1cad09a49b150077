//! ovn-dd compute against the real ovn-northd 23.03.1 on the same databases: the
//! expected flows are whatever ovn-northd writes, read back with ovn-sbctl.

mod common;

use common::{Lab, SEED, differential};

#[test]
fn seed_routing_topology() {
    differential("seed", |lab| lab.script(SEED));
}

#[test]
fn seed_without_chassis() {
    let no_chassis: String = SEED
        .lines()
        .filter(|l| !l.contains("chassis-add"))
        .collect::<Vec<_>>()
        .join("\n");
    differential("seed without chassis", |lab| lab.script(&no_chassis));
}

/// Two routers joined through a transit "join" switch with static routes both ways, a
/// default route, an IPv6 route, a discard route and a disabled router port.
const JOIN: &str = r#"
ovn-nbctl ls-add ls1
ovn-nbctl ls-add ls2
ovn-nbctl ls-add join
ovn-nbctl lsp-add ls1 vm1 -- lsp-set-addresses vm1 "00:00:00:00:01:11 10.0.1.11 fd01::11"
ovn-nbctl lsp-add ls2 vm2 -- lsp-set-addresses vm2 "00:00:00:00:02:11 10.0.2.11"
ovn-nbctl lr-add r1
ovn-nbctl lr-add r2
ovn-nbctl lrp-add r1 r1-ls1 00:00:00:00:01:01 10.0.1.1/24 fd01::1/64
ovn-nbctl lrp-add r2 r2-ls2 00:00:00:00:02:01 10.0.2.1/24
ovn-nbctl lrp-add r1 r1-join 00:00:00:00:ff:01 100.64.0.1/24 fd64::1/64
ovn-nbctl lrp-add r2 r2-join 00:00:00:00:ff:02 100.64.0.2/24 fd64::2/64
ovn-nbctl lrp-add r2 r2-off 00:00:00:00:02:99 10.99.0.1/24 -- set Logical_Router_Port r2-off enabled=false
ovn-nbctl lsp-add ls1 ls1-r1 -- lsp-set-type ls1-r1 router -- lsp-set-addresses ls1-r1 router -- lsp-set-options ls1-r1 router-port=r1-ls1
ovn-nbctl lsp-add ls2 ls2-r2 -- lsp-set-type ls2-r2 router -- lsp-set-addresses ls2-r2 router -- lsp-set-options ls2-r2 router-port=r2-ls2
ovn-nbctl lsp-add join join-r1 -- lsp-set-type join-r1 router -- lsp-set-addresses join-r1 router -- lsp-set-options join-r1 router-port=r1-join
ovn-nbctl lsp-add join join-r2 -- lsp-set-type join-r2 router -- lsp-set-addresses join-r2 router -- lsp-set-options join-r2 router-port=r2-join
ovn-nbctl lr-route-add r1 10.0.2.0/24 100.64.0.2
ovn-nbctl lr-route-add r2 10.0.1.0/24 100.64.0.1
ovn-nbctl lr-route-add r2 0.0.0.0/0 100.64.0.1
ovn-nbctl lr-route-add r1 fd02::/64 fd64::2
ovn-nbctl lr-route-add r1 10.9.0.0/16 discard
"#;

#[test]
fn two_routers_through_a_join_switch() {
    differential("join", |lab| lab.script(JOIN));
}

#[test]
fn switch_port_varieties() {
    differential("ports", |lab| {
        lab.script(r#"
ovn-nbctl ls-add sw0
ovn-nbctl lsp-add sw0 vm1 -- lsp-set-addresses vm1 "50:54:00:00:00:01 10.0.0.5 10.0.0.6 2001:db8::5" -- lsp-set-port-security vm1 "50:54:00:00:00:01 10.0.0.5 10.0.0.6 2001:db8::5"
ovn-nbctl lsp-add sw0 vm2 -- lsp-set-addresses vm2 "50:54:00:00:00:02 10.0.0.7" "50:54:00:00:00:03 10.0.0.8 FD00:0:0::0008"
ovn-nbctl lsp-add sw0 u1 -- lsp-set-addresses u1 unknown
ovn-nbctl lsp-add sw0 u2 -- lsp-set-addresses u2 "50:54:00:00:00:04 10.0.0.9" unknown -- lsp-set-port-security u2 "50:54:00:00:00:04 10.0.0.9"
ovn-nbctl lsp-add sw0 d1 -- lsp-set-addresses d1 "50:54:00:00:00:05 10.0.0.10 2001:db8::10" -- lsp-set-enabled d1 disabled
ovn-nbctl lsp-add sw0 lp1 -- lsp-set-type lp1 localport -- lsp-set-addresses lp1 "50:54:00:00:00:06 10.0.0.2"
ovn-nbctl lsp-add sw0 r1 -- lsp-set-type r1 remote -- lsp-set-addresses r1 "50:54:00:00:00:07 10.0.0.99"
ovn-nbctl lsp-add sw0 du -- lsp-set-addresses du unknown -- lsp-set-enabled du disabled
ovn-nbctl ls-add sw1
ovn-nbctl lsp-add sw1 only-disabled-unknown -- lsp-set-addresses only-disabled-unknown unknown -- lsp-set-enabled only-disabled-unknown disabled
ovn-nbctl ls-add empty
"#,
        )
    });
}

#[test]
fn distributed_gateway_port() {
    differential("dgp", |lab| {
        lab.script(SEED);
        lab.script("ovn-nbctl lrp-set-gateway-chassis router1-net2 worker1 10");
    });
}

/// Without an SB file, keys are allocated afresh; the flows do not depend on them.
#[test]
fn nb_alone_gives_the_same_flows() {
    let lab = Lab::with_northd();
    lab.script(JOIN);
    lab.sync();
    let expected = lab.dump_flows();
    let nb = lab.nb_file();
    let actual = common::compute(&["--nb", nb.to_str().unwrap()]);
    common::assert_same_flows(&expected, &actual, "join, NB only");
}
