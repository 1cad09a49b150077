//! Workloads: the topology a profile loads (as ovn-nbctl commands, run in large `--`-separated
//! transactions) and the single-object operations whose latency is measured.

/// The cluster router every node switch is attached to.
pub const ROUTER: &str = "cluster-router";

/// Commands per ovn-nbctl transaction when loading a topology.
pub const CHUNK: usize = 2000;

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
    let c = (p + 2) as u8;
    (
        format!("0a:58:0a:{a:02x}:{b:02x}:{c:02x}"),
        format!("10.{a}.{b}.{c}"),
    )
}

pub fn node_switch(n: usize) -> String {
    format!("node-{n}")
}

/// The `light` profile: `nodes` switches with `pods` VIF ports each (MAC+IP), one cluster
/// router with a port per switch. Returned as transactions of at most [`CHUNK`] commands.
pub fn light(nodes: usize, pods: usize) -> Vec<Vec<Vec<String>>> {
    let mut cmds: Vec<Vec<String>> = vec![w(&["lr-add", ROUTER])];
    for n in 0..nodes {
        let ls = node_switch(n);
        let (a, b) = node_net(n);
        let lrp = format!("rtr-{ls}");
        let stor = format!("stor-{ls}");
        cmds.push(w(&["ls-add", &ls]));
        cmds.push(w(&[
            "lrp-add",
            ROUTER,
            &lrp,
            &format!("0a:58:0a:{a:02x}:{b:02x}:01"),
            &format!("10.{a}.{b}.1/24"),
        ]));
        cmds.push(w(&["lsp-add", &ls, &stor]));
        cmds.push(w(&["lsp-set-type", &stor, "router"]));
        cmds.push(w(&["lsp-set-addresses", &stor, "router"]));
        cmds.push(w(&[
            "lsp-set-options",
            &stor,
            &format!("router-port={lrp}"),
        ]));
        for p in 0..pods {
            let lsp = format!("pod-{n}-{p}");
            let (mac, ip) = pod_addr(n, p);
            cmds.push(w(&["lsp-add", &ls, &lsp]));
            cmds.push(w(&["lsp-set-addresses", &lsp, &format!("{mac} {ip}")]));
        }
    }
    cmds.chunks(CHUNK).map(|c| c.to_vec()).collect()
}

/// The operations measured, in the order each repetition runs them (each undoes what an
/// earlier one did, so the topology is the same at the start of every repetition).
pub const OPS: [&str; 7] = [
    "ls-add",
    "ls-del",
    "lsp-add",
    "lsp-set-addresses",
    "lsp-del",
    "lr-route-add",
    "lr-route-del",
];

/// The ovn-nbctl commands (one transaction) for operation `op` in repetition `rep`.
pub fn op_commands(op: &str, rep: usize) -> Vec<Vec<String>> {
    let ls = format!("bench-ls-{rep}");
    let lsp = format!("bench-lsp-{rep}");
    // The measured port lives on node 0 at addresses no pod uses (.250 and .251).
    let (a, b) = node_net(0);
    let route = format!("172.16.{}.0/24", rep % 256);
    let nexthop = format!("10.{a}.{b}.254");
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
        _ => panic!("unknown operation {op}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_chunks_and_counts() {
        let t = light(3, 4);
        let n: usize = t.iter().map(|c| c.len()).sum();
        assert_eq!(n, 1 + 3 * (6 + 4 * 2));
        assert!(t.iter().all(|c| c.len() <= CHUNK));
        assert_eq!(pod_addr(300, 0).1, "10.2.44.2");
        assert_eq!(pod_addr(0, 1).0, "0a:58:0a:01:00:03");
    }

    #[test]
    fn every_op_has_commands() {
        for op in OPS {
            assert!(!op_commands(op, 1).is_empty());
        }
    }
}
