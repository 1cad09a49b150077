//! The seed's interconnection scenario (../shared/seeds, first half) on the control
//! plane: zones east and west, each with its NB/SB, northd and ovn-ic, transit switch
//! ts1 in IC-NB, the seed's routers, switches and ports, and the seed's chassis without
//! ovn-controller (`ovn-sbctl chassis-add` at the seed's encap IPs; the bindings
//! ovn-controller would make done with `ovn-sbctl lsp-bind`). The expected texts are the
//! seed's, taken from a real deployment.

mod common;

use common::ic::{
    IcLab, Impl, SEED_EAST_NB_SHOW, SEED_EAST_SB_SHOW, SEED_IC_NB_SHOW, SEED_IC_SB_SHOW,
    SEED_TRACE, assert_show_eq, seed_on_fake_chassis, show_tree, wait_learned, wait_text,
};

/// Waits until `read()` shows the same as `expected` up to UUIDs and ordering, then
/// asserts it (with both texts on failure).
fn wait_show(what: &str, expected: &str, read: impl Fn() -> String) {
    let want = show_tree(expected);
    wait_text(what, 30, &read, |t| show_tree(t) == want);
    assert_show_eq(expected, &read(), what);
}

fn seed_control_plane(northd: Impl, ic: Impl) {
    let lab = IcLab::with_zones(&["east", "west"], northd, ic);
    seed_on_fake_chassis(&lab);
    let (east, west) = (lab.zone("east"), lab.zone("west"));

    // The IC databases: the transit switch, and per AZ its gateway with the port bound
    // to it (`ovn-ic-sbctl show` sorts everything, so the text is exact).
    wait_text(
        "ovn-ic-sbctl show is the seed's",
        30,
        || lab.ic_sbctl(&["show"]),
        |t| t == SEED_IC_SB_SHOW,
    );
    assert_eq!(lab.ic_nbctl(&["show"]), SEED_IC_NB_SHOW);

    // East's NB: ts1 created by ovn-ic, with west's router port as a remote port.
    wait_show("east: ovn-nbctl show", SEED_EAST_NB_SHOW, || {
        east.nbctl(&["show"])
    });
    // East's SB: west's gateway as a remote chassis, west's port bound to it.
    wait_show("east: ovn-sbctl show", SEED_EAST_SB_SHOW, || {
        east.sbctl(&["show"])
    });

    // Each router learns the other's LAN through the other's transit-switch address.
    wait_learned(east, "router_east", "192.168.2.0/24", "169.254.100.2");
    wait_learned(west, "router_west", "192.168.1.0/24", "169.254.100.1");
    assert_eq!(
        east.nbctl(&["lr-route-list", "router_east"]),
        "IPv4 Routes\nRoute Table <main>:\n           192.168.2.0/24             \
         169.254.100.2 dst-ip (learned)\n"
    );

    // ovn-trace: vm1's ping crosses router_east onto ts1 and leaves for west's port.
    east.sync();
    let trace = east.trace(SEED_TRACE);
    for want in [
        "ingress(dp=\"net_east\", inport=\"vm1\")",
        "egress(dp=\"router_east\", inport=\"router_east-net_east\", outport=\"lrp-router_east-ts1\")",
        "ingress(dp=\"ts1\", inport=\"lsp-ts1-router_east\")",
        "egress(dp=\"ts1\", inport=\"lsp-ts1-router_east\", outport=\"lsp-ts1-router_west\")",
        "/* output to \"lsp-ts1-router_west\", type \"remote\" */",
    ] {
        assert!(trace.contains(want), "ovn-trace lacks {want}:\n{trace}");
    }
}

#[test]
fn seed_control_plane_c() {
    seed_control_plane(Impl::C, Impl::C);
}
