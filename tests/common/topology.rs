//! Seeded random T1 topologies as ovn-nbctl commands, and a comparable summary of the
//! Port_Binding / Datapath_Binding / Multicast_Group rows.

use std::collections::BTreeSet;

use adapters::Database;

/// xorshift64*: small, seeded, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub fn cmd(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// One random topology as a list of ovn-nbctl commands (run as one transaction), plus
/// whether to add a chassis.
pub fn topology(seed: u64) -> (Vec<Vec<String>>, bool) {
    let mut r = Rng::new(seed);
    let mut c = Vec::new();
    let nsw = 1 + r.below(4);
    let nlr = r.below(4);
    let mut mac_n = 0u32;
    let mut mac = |r: &mut Rng| {
        mac_n += 1;
        let s = format!(
            "0a:{:02x}:{:02x}:00:{:02x}:{:02x}",
            r.below(256),
            r.below(256),
            mac_n >> 8,
            mac_n & 0xff
        );
        if r.chance(10) { s.to_uppercase() } else { s }
    };
    for i in 0..nsw {
        let sw = format!("sw{i}");
        c.push(cmd(&["ls-add", &sw]));
        for j in 0..r.below(6) {
            let p = format!("sw{i}-p{j}");
            c.push(cmd(&["lsp-add", &sw, &p]));
            let host = 10 + j * 3 + r.below(3);
            let m = mac(&mut r);
            let ip4 = format!("10.{i}.0.{host}");
            let ip6 = format!("fd0{i}::{host:x}");
            let mut addrs: Vec<String> = match r.below(8) {
                0 => vec!["unknown".into()],
                1 => vec![format!("{m} {ip4}"), "unknown".into()],
                2 => vec![m.clone()],
                3 => vec![format!("{m} {ip4} {ip6}")],
                4 => vec![
                    format!("{m} {ip4}"),
                    format!("{} 10.{i}.0.{}", mac(&mut r), host + 100),
                ],
                5 => vec![format!("{m} {ip6}")],
                _ => vec![format!("{m} {ip4}")],
            };
            if r.chance(5) {
                addrs.push("dynamic".into());
            }
            let mut a = cmd(&["lsp-set-addresses", &p]);
            a.extend(addrs.iter().cloned());
            c.push(a);
            if r.chance(25) && addrs[0] != "unknown" {
                c.push(cmd(&["lsp-set-port-security", &p, &addrs[0]]));
            }
            if r.chance(15) {
                c.push(cmd(&["lsp-set-enabled", &p, "disabled"]));
            }
            match r.below(10) {
                0 => c.push(cmd(&["lsp-set-type", &p, "localport"])),
                1 => c.push(cmd(&["lsp-set-type", &p, "remote"])),
                _ => {}
            }
        }
    }
    for k in 0..nlr {
        let lr = format!("lr{k}");
        c.push(cmd(&["lr-add", &lr]));
        let mut nets = Vec::new();
        for i in 0..nsw {
            if !r.chance(60) {
                continue;
            }
            let lrp = format!("lr{k}-sw{i}");
            let lsp = format!("sw{i}-lr{k}");
            let m = mac(&mut r);
            let mut a = cmd(&["lrp-add", &lr, &lrp, &m, &format!("10.{i}.0.{}/24", k + 1)]);
            if r.chance(40) {
                a.push(format!("fd0{i}::{}/64", k + 1));
            }
            if r.chance(15) {
                a.push(format!("192.168.{k}{i}.1/24"));
            }
            c.push(a);
            nets.push((i, lrp.clone()));
            if r.chance(10) {
                c.push(cmd(&["set", "Logical_Router_Port", &lrp, "enabled=false"]));
            }
            c.push(cmd(&["lsp-add", &format!("sw{i}"), &lsp]));
            c.push(cmd(&["lsp-set-type", &lsp, "router"]));
            let addr = if r.chance(50) {
                "router".to_string()
            } else {
                m.to_lowercase()
            };
            c.push(cmd(&["lsp-set-addresses", &lsp, &addr]));
            c.push(cmd(&[
                "lsp-set-options",
                &lsp,
                &format!("router-port={lrp}"),
            ]));
        }
        if !nets.is_empty() && r.chance(25) {
            let (_, lrp) = &nets[r.below(nets.len() as u64) as usize];
            c.push(cmd(&["lrp-set-gateway-chassis", lrp, "gw1", "10"]));
        }
        for n in 0..r.below(4) {
            let dst = format!("172.{}.{}.0/24", 16 + k, n);
            match r.below(7) {
                0 => c.push(cmd(&["lr-route-add", &lr, &dst, "discard"])),
                1 => c.push(cmd(&[
                    "lr-route-add",
                    &lr,
                    "0.0.0.0/0",
                    &format!("10.{}.0.254", r.below(nsw)),
                ])),
                2 => c.push(cmd(&[
                    "lr-route-add",
                    &lr,
                    &format!("fd9{k}:{n}::/64"),
                    &format!("fd0{}::fe", r.below(nsw)),
                ])),
                3 if !nets.is_empty() => {
                    let (i, lrp) = &nets[r.below(nets.len() as u64) as usize];
                    c.push(cmd(&[
                        "lr-route-add",
                        &lr,
                        &dst,
                        &format!("10.{i}.0.200"),
                        lrp,
                    ]));
                }
                4 => c.push(cmd(&[
                    "--policy=src-ip",
                    "lr-route-add",
                    &lr,
                    &format!("10.{}.0.0/24", r.below(nsw)),
                    &format!("10.{}.0.250", r.below(nsw)),
                ])),
                _ => c.push(cmd(&[
                    "lr-route-add",
                    &lr,
                    &dst,
                    &format!("10.{}.0.{}", r.below(nsw), 200 + n),
                ])),
            }
        }
        if r.chance(20) && !nets.is_empty() {
            // Two routes to one prefix: an ECMP group.
            let i = nets[0].0;
            c.push(cmd(&[
                "--ecmp",
                "lr-route-add",
                &lr,
                "198.51.100.0/24",
                &format!("10.{i}.0.201"),
            ]));
            c.push(cmd(&[
                "--ecmp",
                "lr-route-add",
                &lr,
                "198.51.100.0/24",
                &format!("10.{i}.0.202"),
            ]));
        }
    }
    // Less common shapes.
    if r.chance(15) {
        c.push(cmd(&[
            "set",
            "NB_Global",
            ".",
            "options:ignore_lsp_down=false",
        ]));
        c.push(cmd(&[
            "--if-exists",
            "set",
            "Logical_Switch_Port",
            "sw0-p0",
            "up=true",
        ]));
    }
    if r.chance(10) {
        c.push(cmd(&[
            "set",
            "Logical_Switch",
            "sw0",
            "other_config:vlan-passthru=true",
        ]));
    }
    if r.chance(15) {
        c.push(cmd(&[
            "set",
            "Logical_Switch",
            &format!("sw{}", r.below(nsw)),
            &format!("other_config:requested-tnl-key={}", 5 + r.below(3)),
        ]));
    }
    if r.chance(20) {
        // Two routers peered directly.
        c.push(cmd(&["lr-add", "pa"]));
        c.push(cmd(&["lr-add", "pb"]));
        c.push(cmd(&[
            "lrp-add",
            "pa",
            "pa-pb",
            "0a:00:00:00:aa:01",
            "169.254.9.1/30",
            "fd99::1/64",
            "peer=pb-pa",
        ]));
        let peer = if r.chance(70) { "peer=pa-pb" } else { "" };
        let mut a = cmd(&[
            "lrp-add",
            "pb",
            "pb-pa",
            "0a:00:00:00:aa:02",
            "169.254.9.2/30",
        ]);
        if !peer.is_empty() {
            a.push(peer.into());
        }
        c.push(a);
        c.push(cmd(&["lr-route-add", "pa", "10.77.0.0/16", "169.254.9.2"]));
        c.push(cmd(&["lr-route-add", "pb", "10.78.0.0/16", "169.254.9.99"]));
        c.push(cmd(&["lr-route-add", "pb", "fe80::/64", "fe80::1234"]));
        if r.chance(50) {
            c.push(cmd(&[
                "lrp-add",
                "pa",
                "pa-host",
                "0a:00:00:00:aa:03",
                "10.200.0.5/32",
                "10.201.0.1/31",
            ]));
        }
    }
    if r.chance(15) {
        c.push(cmd(&["lr-add", "off"]));
        c.push(cmd(&["set", "Logical_Router", "off", "enabled=false"]));
        c.push(cmd(&[
            "lrp-add",
            "off",
            "off-p",
            "0a:00:00:00:bb:01",
            "10.250.0.1/24",
        ]));
    }
    if r.chance(10) {
        c.push(cmd(&["ls-add", "lonely"]));
        c.push(cmd(&["lsp-add", "lonely", "to-nowhere"]));
        c.push(cmd(&["lsp-set-type", "to-nowhere", "router"]));
        c.push(cmd(&["lsp-set-addresses", "to-nowhere", "router"]));
        c.push(cmd(&[
            "lsp-set-options",
            "to-nowhere",
            "router-port=does-not-exist",
        ]));
    }
    if nlr > 0 && r.chance(20) {
        c.push(cmd(&["ha-chassis-group-add", "hag"]));
        c.push(cmd(&["ha-chassis-group-add-chassis", "hag", "gw2", "20"]));
        c.push(cmd(&[
            "lrp-add",
            "lr0",
            "lr0-ext",
            "0a:00:00:00:cc:01",
            "203.0.113.1/24",
        ]));
        c.push(cmd(&["ls-add", "ext"]));
        c.push(cmd(&[
            "lsp-add",
            "ext",
            "ext-lr0",
            "--",
            "lsp-set-type",
            "ext-lr0",
            "router",
        ]));
        c.push(cmd(&["lsp-set-addresses", "ext-lr0", "router"]));
        c.push(cmd(&["lsp-set-options", "ext-lr0", "router-port=lr0-ext"]));
        if r.chance(60) {
            c.push(cmd(&["lsp-add", "ext", "ln"]));
            c.push(cmd(&["lsp-set-type", "ln", "localnet"]));
            c.push(cmd(&["lsp-set-addresses", "ln", "unknown"]));
            c.push(cmd(&["lsp-set-options", "ln", "network_name=phys"]));
        }
        c.push(cmd(&["lsp-add", "ext", "ext-vm"]));
        c.push(cmd(&[
            "lsp-set-addresses",
            "ext-vm",
            "0a:00:00:00:cc:02 203.0.113.5",
        ]));
        c.push(cmd(&[
            "--id=@g",
            "get",
            "HA_Chassis_Group",
            "hag",
            "--",
            "set",
            "Logical_Router_Port",
            "lr0-ext",
            "ha_chassis_group=@g",
        ]));
    }
    (c, Rng::new(seed ^ 0xabc).chance(30))
}

/// Port_Binding / Datapath_Binding / Multicast_Group rows, made comparable: datapaths by
/// name, ports by name, tunnel keys kept (ovn-dd reuses the keys the SB holds).
pub fn sb_summary(db: &Database) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let dp_name = |u| {
        db.table("Datapath_Binding")
            .get(&u)
            .map(|r| db.get("Datapath_Binding", r, "external_ids").string_pairs())
            .and_then(|ids| ids.into_iter().find(|(k, _)| k == "name").map(|(_, v)| v))
            .unwrap_or_default()
    };
    for r in db.table("Datapath_Binding").values() {
        let ids = db.get("Datapath_Binding", r, "external_ids").string_pairs();
        let ids: Vec<_> = ids
            .into_iter()
            .filter(|(k, _)| k != "logical-switch" && k != "logical-router")
            .collect();
        out.insert(format!(
            "DP {ids:?} key={:?}",
            db.get("Datapath_Binding", r, "tunnel_key").as_int()
        ));
    }
    for r in db.table("Port_Binding").values() {
        let g = |c: &str| db.get("Port_Binding", r, c);
        out.insert(format!(
            "PB {} dp={} type={:?} key={:?} mac={:?} ps={:?} options={:?} ids={:?} nat={:?}",
            g("logical_port").as_str().unwrap_or(""),
            g("datapath").as_uuid().map(dp_name).unwrap_or_default(),
            g("type").as_str(),
            g("tunnel_key").as_int(),
            g("mac").strings(),
            g("port_security").strings(),
            g("options").string_pairs(),
            g("external_ids").string_pairs(),
            g("nat_addresses").strings(),
        ));
    }
    let port_name = |u| {
        db.table("Port_Binding")
            .get(&u)
            .and_then(|r| {
                db.get("Port_Binding", r, "logical_port")
                    .as_str()
                    .map(String::from)
            })
            .unwrap_or_default()
    };
    for r in db.table("Multicast_Group").values() {
        let g = |c: &str| db.get("Multicast_Group", r, c);
        let mut ports: Vec<String> = g("ports").uuids().into_iter().map(port_name).collect();
        ports.sort();
        out.insert(format!(
            "MC {} {} key={:?} ports={ports:?}",
            g("datapath").as_uuid().map(dp_name).unwrap_or_default(),
            g("name").as_str().unwrap_or(""),
            g("tunnel_key").as_int()
        ));
    }
    out
}
