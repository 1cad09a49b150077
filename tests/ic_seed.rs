//! The seed's interconnection scenario (../shared/seeds, first half) on the control
//! plane: zones east and west, each with its NB/SB, northd and ovn-ic, transit switch
//! ts1 in IC-NB, the seed's routers, switches and ports, and the seed's chassis without
//! ovn-controller (`ovn-sbctl chassis-add` at the seed's encap IPs; the bindings
//! ovn-controller would make done with `ovn-sbctl lsp-bind`). The expected texts are the
//! seed's, taken from a real deployment (see `check_seed_control_plane`).

mod common;

use common::ic::{IcLab, Impl, check_seed_control_plane, seed_on_fake_chassis};

fn seed_control_plane(northd: Impl, ic: Impl) {
    let lab = IcLab::with_zones(&["east", "west"], northd, ic);
    seed_on_fake_chassis(&lab);
    let who = format!("northd {}, ic {}", northd.label(), ic.label());
    check_seed_control_plane(&lab, &who);
}

#[test]
fn seed_control_plane_c() {
    seed_control_plane(Impl::C, Impl::C);
}

#[test]
fn seed_control_plane_dd() {
    seed_control_plane(Impl::Dd, Impl::Dd);
}
