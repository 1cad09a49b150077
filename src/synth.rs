//! Synthetic topologies as rule inputs, for benchmarks and scale tests.

use rules::input::*;
use rules::{Istr, Uuid};

/// Builds a topology: `switches` switches with `vifs` VIF ports each, and `routers`
/// routers; switch i is attached to router i % routers through a router port.
pub struct Synth {
    pub rows: Vec<Input>,
    next: u128,
}

impl Synth {
    fn uuid(&mut self) -> Uuid {
        self.next += 1;
        // Spread the UUIDs so that their order differs from creation order.
        Uuid(
            self.next
                .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
                | 1,
        )
    }

    pub fn new(switches: usize, vifs: usize, routers: usize) -> Synth {
        let mut s = Synth {
            rows: vec![Input::from(NbGlobal::default())],
            next: 0,
        };
        let mut lr_ports: Vec<Vec<Uuid>> = vec![Vec::new(); routers];
        let lr_uuids: Vec<Uuid> = (0..routers).map(|_| s.uuid()).collect();
        for i in 0..switches {
            let ls = s.uuid();
            let mut ports = Vec::new();
            for j in 0..vifs {
                let p = s.vif(i, j);
                ports.push(p);
            }
            if routers > 0 {
                let r = i % routers;
                let (lsp, lrp) = (s.uuid(), s.uuid());
                let lrp_name = Istr::from(format!("lr{r}-ls{i}"));
                s.rows.push(Input::from(LogicalRouterPort {
                    uuid: lrp,
                    name: lrp_name.clone(),
                    mac: mac(0x0a00_0000_0000 | i as u64).into(),
                    networks: vec![format!("{}/24", ip(i, 1)).into()],
                    ..Default::default()
                }));
                s.rows.push(Input::from(LogicalSwitchPort {
                    uuid: lsp,
                    name: format!("ls{i}-lr{r}").into(),
                    kind: "router".into(),
                    addresses: vec!["router".into()],
                    options: vec![("router-port".into(), lrp_name)],
                    ..Default::default()
                }));
                ports.push(lsp);
                lr_ports[r].push(lrp);
            }
            ports.sort();
            s.rows.push(Input::from(LogicalSwitch {
                uuid: ls,
                name: format!("ls{i}").into(),
                ports,
                ..Default::default()
            }));
        }
        for (r, mut ports) in lr_ports.into_iter().enumerate() {
            ports.sort();
            s.rows.push(Input::from(LogicalRouter {
                uuid: lr_uuids[r],
                name: format!("lr{r}").into(),
                ports,
                ..Default::default()
            }));
        }
        s
    }

    /// A VIF port row `j` for switch `i` (the caller adds it to the switch's ports).
    pub fn vif(&mut self, i: usize, j: usize) -> Uuid {
        let u = self.uuid();
        self.rows.push(Input::from(vif_row(u, i, j)));
        u
    }
}

/// The VIF port row `j` of switch `i`, with its MAC and IPv4 address.
pub fn vif_row(uuid: Uuid, i: usize, j: usize) -> LogicalSwitchPort {
    LogicalSwitchPort {
        uuid,
        name: format!("ls{i}-p{j}").into(),
        addresses: vec![format!("{} {}", mac(((i as u64) << 16) | j as u64), ip(i, j + 10)).into()],
        ..Default::default()
    }
}

fn mac(n: u64) -> String {
    let b = n.to_be_bytes();
    format!(
        "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[3], b[4], b[5], b[6], b[7]
    )
}

/// Host `h` of switch `i`'s /24 (10.x.y.0/24, x.y from i).
fn ip(i: usize, h: usize) -> String {
    format!("10.{}.{}.{}", (i >> 8) & 0xff, i & 0xff, h)
}
