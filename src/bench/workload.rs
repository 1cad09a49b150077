//! Workloads: the topology a profile loads (as ovn-nbctl commands, run in large `--`-separated
//! transactions) and the single-object operations whose latency is measured.
//!
//! Addresses: node `n`'s pods live in 10.(1 + n/256).(n%256).0/24; namespace pods
//! (cluster-density) in 10.(128 + i/256).(i%256).0/24; the join switch is 100.64.0.0/16 and
//! gateway router `n`'s external network 100.(65 + n/256).(n%256).0/24; cluster load-balancer
//! VIPs are 172.30.x.y, namespace VIPs 172.24.x.y; the measured operations use 172.28/29/31
//! (NAT, LB, ACL) and 172.16 (routes).

use std::fmt;

/// The cluster router every node switch is attached to.
pub const ROUTER: &str = "cluster-router";
/// The load-balancer group on every node switch (heavy, cluster-density).
pub const LB_GROUP: &str = "clusterlbs";
/// The switch joining the cluster router and the gateway routers (gateway).
pub const JOIN: &str = "join";

/// Commands per ovn-nbctl transaction when loading a topology (each invocation fetches the
/// NB first, so fewer, larger transactions load faster; 10000 commands stay well under
/// ARG_MAX).
pub const CHUNK: usize = 10000;

/// Pods a cluster-density namespace creates, of which the last [`NS_SHORT_PODS`] are deleted
/// again in the iteration's second transaction.
pub const NS_PODS: usize = 6;
pub const NS_SHORT_PODS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// N node switches × P VIF ports (MAC+IP), one cluster router with a port per switch.
    Light,
    /// light + per node a port group with 3 ACLs and an address set; K load balancers with 2
    /// backends in a load-balancer group on every switch.
    Heavy,
    /// light + per node a gateway router joined to the cluster router through a join switch,
    /// an external switch with a localnet port, SNAT and routes.
    Gateway,
    /// light + the load-balancer group; after cold convergence, iterations each creating a
    /// namespace (port group, address set, ACLs, pods, a load balancer) and deleting its
    /// short-lived pods, every transaction measured.
    ClusterDensity,
}

pub const PROFILES: [Profile; 4] = [
    Profile::Light,
    Profile::Heavy,
    Profile::Gateway,
    Profile::ClusterDensity,
];

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Light => "light",
            Profile::Heavy => "heavy",
            Profile::Gateway => "gateway",
            Profile::ClusterDensity => "cluster-density",
        }
    }

    pub fn parse(s: &str) -> Result<Profile, String> {
        PROFILES.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<_> = PROFILES.iter().map(|p| p.name()).collect();
            format!("unknown profile `{s}` (one of {})", names.join(", "))
        })
    }

    fn has_lb_group(self) -> bool {
        matches!(self, Profile::Heavy | Profile::ClusterDensity)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile at one scale.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub profile: Profile,
    pub nodes: usize,
    pub pods: usize,
    /// Load balancers in the group (heavy, cluster-density).
    pub lbs: usize,
    /// Namespaces created after cold convergence (cluster-density).
    pub iterations: usize,
}

impl Shape {
    /// One paragraph saying what the topology is, with `nodes` and `pods` standing for the
    /// numbers of node switches and of VIF ports per switch.
    pub fn describe_with(&self, nodes: &str, pods: &str) -> String {
        let base = format!(
            "{nodes} node switches with {pods} VIF ports each (MAC+IP) and a router port, one \
             cluster router"
        );
        match self.profile {
            Profile::Light => format!("{base}."),
            Profile::Heavy => format!(
                "{base}; per node a port group of its pods with 3 ACLs and an address set of \
                 their IPs; {} load balancers with 2 backends each in a load-balancer group on \
                 every node switch.",
                self.lbs
            ),
            Profile::Gateway => format!(
                "{base}; per node a gateway router (bound to a chassis) joined to the cluster \
                 router through the join switch, an external switch with a localnet port, SNAT \
                 of the node subnet and a default route; a source route per node on the \
                 cluster router."
            ),
            Profile::ClusterDensity => format!(
                "{base}; {} load balancers in a load-balancer group on every node switch. \
                 After cold convergence, {} iterations each create a namespace in one \
                 transaction (`ns-add`: {NS_PODS} pods spread over the nodes, their port group \
                 with 3 ACLs and address set, a load balancer in the group) and then delete \
                 its {NS_SHORT_PODS} short-lived pods in another (`ns-pods-del`); both are \
                 measured.",
                self.lbs, self.iterations
            ),
        }
    }

    pub fn ports(&self) -> usize {
        self.nodes * self.pods
    }
}

fn w(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// Node `n`'s /24: 10.(1 + n/256).(n%256).0.
fn node_net(n: usize) -> (u8, u8) {
    ((1 + n / 256) as u8, (n % 256) as u8)
}

/// Pod `p` (0-based) of node `n`: its MAC and IP, the MAC derived from the IP as
/// ovn-kubernetes does.
pub fn pod_addr(n: usize, p: usize) -> (String, String) {
    let (a, b) = node_net(n);
    ip_and_mac(10, a, b, (p + 2) as u8)
}

/// The MAC ovn-kubernetes derives from an IPv4 address, and the address.
fn ip_and_mac(a: u8, b: u8, c: u8, d: u8) -> (String, String) {
    (
        format!("0a:58:{a:02x}:{b:02x}:{c:02x}:{d:02x}"),
        format!("{a}.{b}.{c}.{d}"),
    )
}

/// Pod `k` of namespace `i` (cluster-density).
fn ns_pod_addr(i: usize, k: usize) -> (String, String) {
    ip_and_mac(10, (128 + i / 256) as u8, (i % 256) as u8, (k + 2) as u8)
}

pub fn node_switch(n: usize) -> String {
    format!("node-{n}")
}

fn gateway_router(n: usize) -> String {
    format!("GR_node-{n}")
}

/// Adds a switch port of type router peered with `lrp`.
fn router_lsp(cmds: &mut Vec<Vec<String>>, ls: &str, lsp: &str, lrp: &str) {
    cmds.push(w(&["lsp-add", ls, lsp]));
    cmds.push(w(&["lsp-set-type", lsp, "router"]));
    cmds.push(w(&["lsp-set-addresses", lsp, "router"]));
    cmds.push(w(&["lsp-set-options", lsp, &format!("router-port={lrp}")]));
}

/// `addresses="a","b"` (or `addresses=[]`) for a generic `create Address_Set`.
fn address_list(ips: &[String]) -> String {
    if ips.is_empty() {
        "addresses=[]".into()
    } else {
        let q: Vec<String> = ips.iter().map(|ip| format!("\"{ip}\"")).collect();
        format!("addresses={}", q.join(","))
    }
}

/// A port group `pg` of `ports`, an address set `as_` of `ips`, and the 3 ACLs a network
/// policy gives them: allow from the set, allow egress to it, drop the rest.
fn policy(cmds: &mut Vec<Vec<String>>, pg: &str, as_: &str, ports: &[String], ips: &[String]) {
    let mut add = w(&["pg-add", pg]);
    add.extend(ports.iter().cloned());
    cmds.push(add);
    cmds.push(w(&[
        "create",
        "Address_Set",
        &format!("name={as_}"),
        &address_list(ips),
    ]));
    for (dir, prio, m, action) in [
        (
            "to-lport",
            "1001",
            format!("outport == @{pg} && ip4.src == ${as_}"),
            "allow-related",
        ),
        (
            "from-lport",
            "1001",
            format!("inport == @{pg} && ip4.dst == ${as_}"),
            "allow-related",
        ),
        (
            "to-lport",
            "1000",
            format!("outport == @{pg} && ip4"),
            "drop",
        ),
    ] {
        cmds.push(w(&[
            "--type=port-group",
            "acl-add",
            pg,
            dir,
            prio,
            &m,
            action,
        ]));
    }
}

/// `vips:"VIP"="B1,B2"` for a generic `create Load_Balancer`.
fn vips(vip: &str, backends: &[String]) -> String {
    format!("vips:\"{vip}\"=\"{}\"", backends.join(","))
}

/// Two backends (port 8080) for load balancer `k`: the first pods of two nodes.
fn lb_backends(s: &Shape, k: usize) -> Vec<String> {
    (0..2)
        .map(|j| {
            let ip = if s.pods > 0 {
                pod_addr((k + j) % s.nodes.max(1), 0).1
            } else {
                format!("10.255.{}.{}", k % 256, j + 1)
            };
            format!("{ip}:8080")
        })
        .collect()
}

/// The transactions that load `s`'s topology before the northd starts, each a list of
/// ovn-nbctl commands (at most [`CHUNK`] per transaction, except the load-balancer group's,
/// which is one transaction so that its rows can refer to each other by `@name`).
pub fn load(s: &Shape) -> Vec<Vec<Vec<String>>> {
    let mut cmds: Vec<Vec<String>> = vec![w(&["lr-add", ROUTER])];
    if s.profile == Profile::Gateway {
        cmds.push(w(&["ls-add", JOIN]));
        cmds.push(w(&[
            "lrp-add",
            ROUTER,
            "rtoj-cluster-router",
            "0a:58:64:40:00:01",
            "100.64.0.1/16",
        ]));
        router_lsp(
            &mut cmds,
            JOIN,
            "jtor-cluster-router",
            "rtoj-cluster-router",
        );
    }
    for n in 0..s.nodes {
        let ls = node_switch(n);
        let (a, b) = node_net(n);
        let lrp = format!("rtr-{ls}");
        cmds.push(w(&["ls-add", &ls]));
        cmds.push(w(&[
            "lrp-add",
            ROUTER,
            &lrp,
            &format!("0a:58:0a:{a:02x}:{b:02x}:01"),
            &format!("10.{a}.{b}.1/24"),
        ]));
        router_lsp(&mut cmds, &ls, &format!("stor-{ls}"), &lrp);
        let mut ports = Vec::new();
        let mut ips = Vec::new();
        for p in 0..s.pods {
            let lsp = format!("pod-{n}-{p}");
            let (mac, ip) = pod_addr(n, p);
            cmds.push(w(&["lsp-add", &ls, &lsp]));
            cmds.push(w(&["lsp-set-addresses", &lsp, &format!("{mac} {ip}")]));
            ports.push(lsp);
            ips.push(ip);
        }
        match s.profile {
            Profile::Heavy => policy(
                &mut cmds,
                &format!("pg_node_{n}"),
                &format!("as_node_{n}"),
                &ports,
                &ips,
            ),
            Profile::Gateway => gateway(&mut cmds, n),
            Profile::Light | Profile::ClusterDensity => {}
        }
    }
    let mut txns: Vec<Vec<Vec<String>>> = cmds.chunks(CHUNK).map(|c| c.to_vec()).collect();
    if s.profile.has_lb_group() {
        txns.push(lb_group(s));
    }
    txns
}

/// Gateway router `n`: joined to the cluster router, an external switch with a localnet
/// port, SNAT of the node subnet, routes both ways.
fn gateway(cmds: &mut Vec<Vec<String>>, n: usize) {
    let gr = gateway_router(n);
    let (a, b) = node_net(n);
    let j = n + 2;
    let (jc, jd) = ((j / 256) as u8, (j % 256) as u8);
    let (ec, ed) = ((65 + n / 256) as u8, (n % 256) as u8);
    let join_ip = format!("100.64.{jc}.{jd}");
    let ext_ip = format!("100.{ec}.{ed}.2");
    let ext = format!("ext_node-{n}");
    cmds.push(w(&["lr-add", &gr]));
    cmds.push(w(&[
        "set",
        "Logical_Router",
        &gr,
        &format!("options:chassis=chassis-{n}"),
    ]));
    let rtoj = format!("rtoj-{gr}");
    cmds.push(w(&[
        "lrp-add",
        &gr,
        &rtoj,
        &format!("0a:58:64:40:{jc:02x}:{jd:02x}"),
        &format!("{join_ip}/16"),
    ]));
    router_lsp(cmds, JOIN, &format!("jtor-{gr}"), &rtoj);
    cmds.push(w(&["ls-add", &ext]));
    let rtoe = format!("rtoe-{gr}");
    cmds.push(w(&[
        "lrp-add",
        &gr,
        &rtoe,
        &format!("0a:58:64:{ec:02x}:{ed:02x}:02"),
        &format!("{ext_ip}/24"),
    ]));
    router_lsp(cmds, &ext, &format!("etor-{gr}"), &rtoe);
    let lnet = format!("lnet-node-{n}");
    cmds.push(w(&["lsp-add", &ext, &lnet]));
    cmds.push(w(&["lsp-set-type", &lnet, "localnet"]));
    cmds.push(w(&["lsp-set-addresses", &lnet, "unknown"]));
    cmds.push(w(&["lsp-set-options", &lnet, "network_name=physnet"]));
    cmds.push(w(&[
        "lr-nat-add",
        &gr,
        "snat",
        &ext_ip,
        &format!("10.{a}.{b}.0/24"),
    ]));
    cmds.push(w(&["lr-route-add", &gr, "10.0.0.0/8", "100.64.0.1"]));
    cmds.push(w(&[
        "lr-route-add",
        &gr,
        "0.0.0.0/0",
        &format!("100.{ec}.{ed}.1"),
    ]));
    cmds.push(w(&[
        "--policy=src-ip",
        "lr-route-add",
        ROUTER,
        &format!("10.{a}.{b}.0/24"),
        &join_ip,
    ]));
}

/// One transaction: K load balancers, the group holding them, the group on every node switch.
fn lb_group(s: &Shape) -> Vec<Vec<String>> {
    let mut cmds = Vec::new();
    let mut ids = Vec::new();
    for k in 0..s.lbs {
        let id = format!("@lb{k}");
        let vip = format!("172.30.{}.{}:80", k / 256 % 256, k % 256);
        cmds.push(w(&[
            &format!("--id={id}"),
            "create",
            "Load_Balancer",
            &format!("name=lb-{k}"),
            "protocol=tcp",
            &vips(&vip, &lb_backends(s, k)),
        ]));
        ids.push(id);
    }
    let members = if ids.is_empty() {
        "[]".to_string()
    } else {
        ids.join(",")
    };
    cmds.push(w(&[
        "--id=@lbg",
        "create",
        "Load_Balancer_Group",
        &format!("name={LB_GROUP}"),
        &format!("load_balancer={members}"),
    ]));
    for n in 0..s.nodes {
        cmds.push(w(&[
            "add",
            "Logical_Switch",
            &node_switch(n),
            "load_balancer_group",
            "@lbg",
        ]));
    }
    cmds
}

/// The two measured transactions of cluster-density iteration `i`: `ns-add` creates the
/// namespace, `ns-pods-del` deletes its short-lived pods.
pub fn density_steps(s: &Shape, i: usize) -> [(&'static str, Vec<Vec<String>>); 2] {
    let mut add = Vec::new();
    let mut ports = Vec::new();
    let mut ips = Vec::new();
    for k in 0..NS_PODS {
        let lsp = format!("ns-{i}-pod-{k}");
        let (mac, ip) = ns_pod_addr(i, k);
        let node = (i * NS_PODS + k) % s.nodes.max(1);
        add.push(w(&["lsp-add", &node_switch(node), &lsp]));
        add.push(w(&["lsp-set-addresses", &lsp, &format!("{mac} {ip}")]));
        ports.push(lsp);
        ips.push(ip);
    }
    let (pg, as_) = (format!("pg_ns_{i}"), format!("as_ns_{i}"));
    policy(&mut add, &pg, &as_, &ports, &ips);
    let vip = format!("172.24.{}.{}:80", i / 256 % 256, i % 256);
    let backends: Vec<String> = ips[..2].iter().map(|ip| format!("{ip}:8080")).collect();
    add.push(w(&[
        "--id=@lb",
        "create",
        "Load_Balancer",
        &format!("name=lb_ns_{i}"),
        "protocol=tcp",
        &vips(&vip, &backends),
    ]));
    add.push(w(&[
        "add",
        "Load_Balancer_Group",
        LB_GROUP,
        "load_balancer",
        "@lb",
    ]));

    let mut del = Vec::new();
    let short = NS_PODS - NS_SHORT_PODS..NS_PODS;
    for k in short.clone() {
        del.push(w(&["lsp-del", &ports[k]]));
    }
    let mut rm = w(&["remove", "Address_Set", &as_, "addresses"]);
    rm.extend(short.map(|k| format!("\"{}\"", ips[k])));
    del.push(rm);
    [("ns-add", add), ("ns-pods-del", del)]
}

/// The operations measured, in the order each repetition runs them (each undoes what an
/// earlier one did, so the topology is the same at the start of every repetition).
pub const OPS: [&str; 13] = [
    "ls-add",
    "ls-del",
    "lsp-add",
    "lsp-set-addresses",
    "lsp-del",
    "lr-route-add",
    "lr-route-del",
    "acl-add",
    "acl-del",
    "lb-add",
    "lb-del",
    "nat-add",
    "nat-del",
];

/// The operation an operation needs to have run before it in the same repetition.
pub fn needs(op: &str) -> Option<&'static str> {
    Some(match op {
        "ls-del" => "ls-add",
        "lsp-set-addresses" | "lsp-del" => "lsp-add",
        "lr-route-del" => "lr-route-add",
        "acl-del" => "acl-add",
        "lb-del" => "lb-add",
        "nat-del" => "nat-add",
        _ => return None,
    })
}

/// Parses `--ops` (comma-separated, in any order) into [`OPS`] order, checking that every
/// operation's prerequisite is selected too.
pub fn select_ops(list: Option<&str>) -> Result<Vec<&'static str>, String> {
    let Some(list) = list else {
        return Ok(OPS.to_vec());
    };
    let want: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = want.iter().find(|o| !OPS.contains(o)) {
        return Err(format!(
            "unknown operation `{bad}` (one of {})",
            OPS.join(", ")
        ));
    }
    let ops: Vec<&'static str> = OPS.into_iter().filter(|o| want.contains(o)).collect();
    for o in &ops {
        if let Some(n) = needs(o).filter(|n| !ops.contains(n)) {
            return Err(format!("operation `{o}` needs `{n}` in --ops"));
        }
    }
    if ops.is_empty() {
        return Err("--ops selects no operation".into());
    }
    Ok(ops)
}

/// One paragraph saying what each repeated operation does on `s`'s topology.
pub fn describe_ops(s: &Shape) -> String {
    let acl_on = if s.profile == Profile::Heavy {
        "node 0's port group"
    } else {
        "node 0's switch"
    };
    let lb_on = if s.profile.has_lb_group() {
        "in the cluster load-balancer group (so on every node switch)"
    } else {
        "on node 0's switch"
    };
    let nat_on = if s.profile == Profile::Gateway {
        "node 0's gateway router"
    } else {
        "the cluster router (which has no gateway port)"
    };
    format!(
        "Operations, each one transaction undone later in the same repetition: `ls-add`/`ls-del` \
         an empty switch; `lsp-add` a VIF with MAC+IP on node 0's switch, \
         `lsp-set-addresses` changes its addresses, `lsp-del`; `lr-route-add`/`lr-route-del` \
         a static route on the cluster router; `acl-add`/`acl-del` a drop ACL on {acl_on}; \
         `lb-add`/`lb-del` a TCP load balancer with 2 backends {lb_on}; \
         `nat-add`/`nat-del` a dnat_and_snat rule on {nat_on}."
    )
}

/// The ovn-nbctl commands (one transaction) for operation `op` in repetition `rep`.
pub fn op_commands(s: &Shape, op: &str, rep: usize) -> Vec<Vec<String>> {
    let ls = format!("bench-ls-{rep}");
    let lsp = format!("bench-lsp-{rep}");
    let lb = format!("bench-lb-{rep}");
    // The measured port lives on node 0 at addresses no pod uses (.250 and .251).
    let (a, b) = node_net(0);
    let (x, y) = (rep % 256, rep / 256 % 256);
    let route = format!("172.16.{x}.0/24");
    let nexthop = format!("10.{a}.{b}.254");
    let acl_match = format!("ip4.src == 172.31.{x}.{y}");
    let (acl_on, acl_type) = if s.profile == Profile::Heavy {
        ("pg_node_0".to_string(), "--type=port-group")
    } else {
        (node_switch(0), "--type=switch")
    };
    let nat_router = if s.profile == Profile::Gateway {
        gateway_router(0)
    } else {
        ROUTER.to_string()
    };
    let nat_ip = format!("172.28.{x}.{}", y + 1);
    match op {
        "ls-add" => vec![w(&["ls-add", &ls])],
        "ls-del" => vec![w(&["ls-del", &ls])],
        "lsp-add" => vec![
            w(&["lsp-add", &node_switch(0), &lsp]),
            w(&[
                "lsp-set-addresses",
                &lsp,
                &format!("0a:58:0a:{a:02x}:{b:02x}:fa 10.{a}.{b}.250"),
            ]),
        ],
        "lsp-set-addresses" => vec![w(&[
            "lsp-set-addresses",
            &lsp,
            &format!("0a:58:0a:{a:02x}:{b:02x}:fb 10.{a}.{b}.251"),
        ])],
        "lsp-del" => vec![w(&["lsp-del", &lsp])],
        "lr-route-add" => vec![w(&["lr-route-add", ROUTER, &route, &nexthop])],
        "lr-route-del" => vec![w(&["lr-route-del", ROUTER, &route])],
        "acl-add" => vec![w(&[
            acl_type, "acl-add", &acl_on, "to-lport", "1002", &acl_match, "drop",
        ])],
        "acl-del" => vec![w(&[
            acl_type, "acl-del", &acl_on, "to-lport", "1002", &acl_match,
        ])],
        "lb-add" => {
            let vip = format!("172.29.{x}.{}:80", y + 1);
            let backends = lb_backends(s, rep);
            if s.profile.has_lb_group() {
                vec![
                    w(&[
                        "--id=@lb",
                        "create",
                        "Load_Balancer",
                        &format!("name={lb}"),
                        "protocol=tcp",
                        &vips(&vip, &backends),
                    ]),
                    w(&[
                        "add",
                        "Load_Balancer_Group",
                        LB_GROUP,
                        "load_balancer",
                        "@lb",
                    ]),
                ]
            } else {
                vec![
                    w(&["lb-add", &lb, &vip, &backends.join(","), "tcp"]),
                    w(&["ls-lb-add", &node_switch(0), &lb]),
                ]
            }
        }
        "lb-del" => vec![w(&["lb-del", &lb])],
        "nat-add" => vec![w(&[
            "lr-nat-add",
            &nat_router,
            "dnat_and_snat",
            &nat_ip,
            &pod_addr(0, 0).1,
        ])],
        "nat-del" => vec![w(&["lr-nat-del", &nat_router, "dnat_and_snat", &nat_ip])],
        _ => panic!("unknown operation {op}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(profile: Profile, nodes: usize, pods: usize) -> Shape {
        Shape {
            profile,
            nodes,
            pods,
            lbs: 3,
            iterations: 2,
        }
    }

    #[test]
    fn light_chunks_and_counts() {
        let t = load(&shape(Profile::Light, 3, 4));
        let n: usize = t.iter().map(|c| c.len()).sum();
        assert_eq!(n, 1 + 3 * (6 + 4 * 2));
        assert!(t.iter().all(|c| c.len() <= CHUNK));
        assert_eq!(pod_addr(300, 0).1, "10.2.44.2");
        assert_eq!(pod_addr(0, 1).0, "0a:58:0a:01:00:03");
    }

    #[test]
    fn heavy_adds_policies_and_one_lb_group_transaction() {
        let t = load(&shape(Profile::Heavy, 2, 2));
        let last = t.last().unwrap();
        // 3 LBs, the group, the group on 2 switches.
        assert_eq!(last.len(), 3 + 1 + 2);
        assert!(last[3].iter().any(|a| a == "load_balancer=@lb0,@lb1,@lb2"));
        let all: Vec<&Vec<String>> = t.iter().flatten().collect();
        assert_eq!(
            all.iter().filter(|c| c.contains(&"acl-add".into())).count(),
            6
        );
        let set = all.iter().find(|c| c[0] == "create").unwrap();
        assert_eq!(set[3], "addresses=\"10.1.0.2\",\"10.1.0.3\"");
    }

    #[test]
    fn gateway_addresses() {
        let t = load(&shape(Profile::Gateway, 300, 0));
        let all: Vec<&Vec<String>> = t.iter().flatten().collect();
        let lrp = all
            .iter()
            .find(|c| c.len() > 2 && c[0] == "lrp-add" && c[2] == "rtoe-GR_node-299")
            .unwrap();
        assert_eq!(lrp[3..], ["0a:58:64:42:2b:02", "100.66.43.2/24"]);
        let j = all
            .iter()
            .find(|c| c.len() > 2 && c[2] == "rtoj-GR_node-254")
            .unwrap();
        assert_eq!(j[4], "100.64.1.0/16");
    }

    #[test]
    fn density_step_deletes_the_short_lived_pods() {
        let [(a, add), (d, del)] = density_steps(&shape(Profile::ClusterDensity, 4, 1), 1);
        assert_eq!((a, d), ("ns-add", "ns-pods-del"));
        assert_eq!(add.iter().filter(|c| c[0] == "lsp-add").count(), NS_PODS);
        assert_eq!(del.len(), NS_SHORT_PODS + 1);
        assert_eq!(del[0], ["lsp-del", "ns-1-pod-4"]);
        assert_eq!(del[2][4..], ["\"10.128.1.6\"", "\"10.128.1.7\""]);
    }

    #[test]
    fn every_op_has_commands() {
        for p in PROFILES {
            for op in OPS {
                assert!(!op_commands(&shape(p, 2, 2), op, 1).is_empty());
            }
        }
    }

    #[test]
    fn ops_selection_checks_prerequisites() {
        assert_eq!(select_ops(None).unwrap().len(), OPS.len());
        assert_eq!(
            select_ops(Some("lsp-del,lsp-add")).unwrap(),
            ["lsp-add", "lsp-del"]
        );
        assert!(
            select_ops(Some("lsp-del"))
                .unwrap_err()
                .contains("needs `lsp-add`")
        );
        assert!(select_ops(Some("nope")).is_err());
        assert_eq!(
            Profile::parse("cluster-density"),
            Ok(Profile::ClusterDensity)
        );
        assert!(Profile::parse("x").is_err());
    }
}
