//! Simulated hypervisors for data-plane tests: per hypervisor an Open_vSwitch database,
//! `ovs-vswitchd` on the dummy datapath and a real `ovn-controller` 23.03 talking to the
//! SB under test. Shared by tests/dataplane.rs (one zone, two workers) and
//! tests/ic_dataplane.rs (two zones, a worker and a gateway each).
//!
//! Per hypervisor (`<root>/<name>/`, everything there: db, sockets, pidfiles, logs):
//!
//! - `br-int` (datapath_type=dummy) with the VIFs (type=dummy, iface-id=<vif>, each
//!   writing what it transmits to `<vif>-tx.pcap`); ovn-controller adds the geneve
//!   tunnel ports to the other chassis.
//! - `br-phys`, the "physical" bridge that carries the encapsulated packets: it holds the
//!   hypervisor's encap IP (an address of a dummy netdev only, no real interface), a route
//!   to 127.0.0.0/24, and dummy ports (`Wire`s) each joined to one port of another
//!   hypervisor's `br-phys` by a unix stream socket. `br-phys` is a NORMAL (learning)
//!   bridge, so a hypervisor with two wires also bridges between them: a chain of wires
//!   is one L2 segment.
//!
//! `ovs-vswitchd` runs with `--enable-dummy=system`, as OVS's and OVN's own test suites
//! do: `=override` would replace the geneve netdev class by a plain dummy too, so the
//! tunnel port would be no tunnel at all (no `tnl_push`, no VNI in the datapath actions).
//! Nothing answers ARP on these wires: the caller sets the neighbour entries
//! (`Hypervisor::neighbour`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::run;

/// Waits until `f` returns `Ok` (or fails after `secs`, showing what `f` last saw).
pub fn eventually<T>(what: &str, secs: u64, mut f: impl FnMut() -> Result<T, String>) -> T {
    let t0 = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(last) => {
                assert!(
                    t0.elapsed() < Duration::from_secs(secs),
                    "timed out after {secs} s: {what}\nlast seen:\n{last}"
                );
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A command's stdout (it must succeed).
pub fn stdout(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&run(cmd).stdout).into_owned()
}

/// One end of a wire: a dummy port of `br-phys` named `port`, joined by the unix stream
/// socket `socket` to the other end (exactly one of the two ends listens).
#[derive(Clone, Debug)]
pub struct Wire {
    pub port: String,
    pub socket: PathBuf,
    pub listen: bool,
}

impl Wire {
    pub fn new(port: &str, socket: &Path, listen: bool) -> Wire {
        Wire {
            port: port.to_string(),
            socket: socket.to_path_buf(),
            listen,
        }
    }
}

/// What a hypervisor is: its chassis name (system-id), encap IP, the SB its
/// ovn-controller connects to, its VIFs and wires, and more `Open_vSwitch` external_ids
/// (e.g. `hostname`, `ovn-is-interconn`).
#[derive(Clone, Debug)]
pub struct HvConfig {
    pub name: String,
    pub ip: String,
    pub sb: String,
    pub vifs: Vec<String>,
    pub wires: Vec<Wire>,
    pub external_ids: Vec<(String, String)>,
}

impl HvConfig {
    pub fn new(name: &str, ip: &str, sb: &str) -> HvConfig {
        HvConfig {
            name: name.to_string(),
            ip: ip.to_string(),
            sb: sb.to_string(),
            vifs: Vec::new(),
            wires: Vec::new(),
            external_ids: Vec::new(),
        }
    }
    pub fn vif(mut self, vif: &str) -> HvConfig {
        self.vifs.push(vif.to_string());
        self
    }
    pub fn wire(mut self, w: Wire) -> HvConfig {
        self.wires.push(w);
        self
    }
    pub fn external_id(mut self, key: &str, value: &str) -> HvConfig {
        self.external_ids.push((key.to_string(), value.to_string()));
        self
    }
}

/// One simulated hypervisor; dropping it stops its daemons by pid (newest first).
pub struct Hypervisor {
    pub name: String,
    pub ip: String,
    pub dir: PathBuf,
    pidfiles: Vec<PathBuf>,
}

impl Hypervisor {
    /// Starts the Open_vSwitch ovsdb-server and ovs-vswitchd in `<root>/<name>`,
    /// configures the bridges, the VIFs and the wires, then starts ovn-controller.
    pub fn start(root: &Path, cfg: &HvConfig) -> Hypervisor {
        let dir = root.join(&cfg.name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut hv = Hypervisor {
            name: cfg.name.clone(),
            ip: cfg.ip.clone(),
            dir,
            pidfiles: Vec::new(),
        };
        let d = hv.dir.clone();
        let p = |f: &str| d.join(f).display().to_string();
        run(hv
            .cmd("ovsdb-tool")
            .args(["create", &p("conf.db")])
            .arg("/usr/share/openvswitch/vswitch.ovsschema"));
        hv.daemon(
            hv.cmd("ovsdb-server").args([
                &p("conf.db"),
                &format!("--remote=punix:{}", p("db.sock")),
                "--detach",
                "--no-chdir",
                &format!("--pidfile={}", p("ovsdb-server.pid")),
                &format!("--log-file={}", p("ovsdb-server.log")),
                &format!("--unixctl={}", p("ovsdb-server.ctl")),
            ]),
            "ovsdb-server.pid",
        );
        hv.vsctl(&["--no-wait", "init"]);
        hv.daemon(
            hv.cmd("ovs-vswitchd").args([
                &format!("unix:{}", p("db.sock")),
                "--enable-dummy=system",
                "--disable-system",
                "--detach",
                "--no-chdir",
                &format!("--pidfile={}", p("ovs-vswitchd.pid")),
                &format!("--log-file={}", p("ovs-vswitchd.log")),
                &format!("--unixctl={}", p("ovs-vswitchd.ctl")),
            ]),
            "ovs-vswitchd.pid",
        );
        let mut args: Vec<String> = [
            "--",
            "set",
            "Open_vSwitch",
            ".",
            &format!("external_ids:system-id={}", cfg.name),
            &format!("external_ids:ovn-remote={}", cfg.sb),
            "external_ids:ovn-encap-type=geneve",
            &format!("external_ids:ovn-encap-ip={}", cfg.ip),
            "external_ids:ovn-bridge-datapath-type=dummy",
        ]
        .map(String::from)
        .to_vec();
        args.extend(
            cfg.external_ids
                .iter()
                .map(|(k, v)| format!("external_ids:{k}={v}")),
        );
        args.extend(
            [
                "--",
                "add-br",
                "br-int",
                "--",
                "set",
                "Bridge",
                "br-int",
                "datapath_type=dummy",
                "fail-mode=secure",
                "other-config:disable-in-band=true",
            ]
            .map(String::from),
        );
        for vif in &cfg.vifs {
            args.extend(
                [
                    "--",
                    "add-port",
                    "br-int",
                    vif,
                    "--",
                    "set",
                    "Interface",
                    vif,
                    "type=dummy",
                    &format!("external_ids:iface-id={vif}"),
                    &format!("options:tx_pcap={}", p(&format!("{vif}-tx.pcap"))),
                ]
                .map(String::from),
            );
        }
        args.extend(
            [
                "--",
                "add-br",
                "br-phys",
                "--",
                "set",
                "Bridge",
                "br-phys",
                "datapath_type=dummy",
            ]
            .map(String::from),
        );
        for w in &cfg.wires {
            let stream = if w.listen {
                format!("options:pstream=punix:{}", w.socket.display())
            } else {
                format!("options:stream=unix:{}", w.socket.display())
            };
            args.extend(
                [
                    "--",
                    "add-port",
                    "br-phys",
                    &w.port,
                    "--",
                    "set",
                    "Interface",
                    &w.port,
                    "type=dummy",
                    &stream,
                    &format!("options:tx_pcap={}", p(&format!("{}-tx.pcap", w.port))),
                ]
                .map(String::from),
            );
        }
        // Without --no-wait, ovs-vsctl returns once ovs-vswitchd has applied it all.
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        hv.vsctl(&args);
        hv.appctl(&["netdev-dummy/ip4addr", "br-phys", &format!("{}/24", cfg.ip)]);
        hv.appctl(&["ovs/route/add", "127.0.0.0/24", "br-phys"]);
        hv.daemon(
            hv.cmd("ovn-controller").args([
                &format!("unix:{}", p("db.sock")),
                "--detach",
                "--no-chdir",
                &format!("--pidfile={}", p("ovn-controller.pid")),
                &format!("--log-file={}", p("ovn-controller.log")),
            ]),
            "ovn-controller.pid",
        );
        hv
    }

    /// A command whose OVS/OVN directories are this hypervisor's (ovn-controller puts its
    /// unixctl socket in OVN_RUNDIR and finds br-int's OpenFlow socket in OVS_RUNDIR).
    pub fn cmd(&self, prog: &str) -> Command {
        let mut c = Command::new(prog);
        for var in [
            "OVS_RUNDIR",
            "OVS_LOGDIR",
            "OVS_DBDIR",
            "OVS_SYSCONFDIR",
            "OVN_RUNDIR",
            "OVN_LOGDIR",
            "OVN_DBDIR",
            "OVN_SYSCONFDIR",
        ] {
            c.env(var, &self.dir);
        }
        c
    }

    fn daemon(&mut self, cmd: &mut Command, pidfile: &str) {
        // Registered first, so that a daemon that started but failed a later step is
        // still stopped.
        self.pidfiles.push(self.dir.join(pidfile));
        run(cmd);
    }

    pub fn vsctl(&self, args: &[&str]) -> String {
        let db = format!("--db=unix:{}", self.dir.join("db.sock").display());
        stdout(self.cmd("ovs-vsctl").args([&db, "--timeout=20"]).args(args))
    }

    pub fn appctl(&self, args: &[&str]) -> String {
        let ctl = self.dir.join("ovs-vswitchd.ctl");
        stdout(
            self.cmd("ovs-appctl")
                .arg("--timeout=20")
                .arg("-t")
                .arg(ctl)
                .args(args),
        )
    }

    /// `ovs-ofctl dump-flows br-int ARGS` (for failure messages).
    pub fn dump_flows(&self, args: &[&str]) -> String {
        let mgmt = format!("unix:{}", self.dir.join("br-int.mgmt").display());
        stdout(self.cmd("ovs-ofctl").args(["dump-flows", &mgmt]).args(args))
    }

    /// The tail of ovn-controller's log (for failure messages).
    pub fn controller_log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("ovn-controller.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub fn get_iface(&self, iface: &str, col: &str) -> String {
        self.vsctl(&["get", "Interface", iface, col])
            .trim()
            .trim_matches('"')
            .to_string()
    }

    /// Makes `other`'s encap IP resolve to the MAC of `other`'s `br-phys` here.
    pub fn neighbour(&self, other: &Hypervisor) {
        let mac = other.get_iface("br-phys", "mac_in_use");
        self.appctl(&["tnl/neigh/set", "br-phys", &other.ip, &mac]);
    }

    /// The geneve port ovn-controller created towards `remote_ip`: (name, ofport).
    pub fn tunnel_to(&self, remote_ip: &str) -> Result<(String, String), String> {
        let out = self.vsctl(&[
            "--bare",
            "--columns=name,ofport",
            "find",
            "Interface",
            "type=geneve",
            &format!("options:remote_ip={remote_ip}"),
        ]);
        let w: Vec<&str> = out.split_whitespace().collect();
        match w[..] {
            [name, ofport] if ofport.parse::<u32>().is_ok_and(|p| p > 0) => {
                Ok((name.to_string(), ofport.to_string()))
            }
            _ => Err(format!(
                "{} geneve ports to {remote_ip}: {out:?}\n{}",
                self.name,
                self.vsctl(&["show"])
            )),
        }
    }

    /// The datapath port number of `port` (`dpif/show`: `    name ofport/odp_port: ...`).
    pub fn odp_port(&self, port: &str) -> String {
        let show = self.appctl(&["dpif/show"]);
        show.lines()
            .map(str::trim)
            .find_map(|l| {
                let rest = l.strip_prefix(port)?.strip_prefix(' ')?;
                let nums = rest.split(':').next()?;
                Some(nums.split('/').nth(1)?.to_string())
            })
            .unwrap_or_else(|| panic!("{port} not in dpif/show:\n{show}"))
    }

    pub fn trace(&self, flow: &str) -> String {
        self.appctl(&["ofproto/trace", "br-int", flow])
    }

    /// The packets dummy port `port` transmitted so far (its `tx_pcap`).
    pub fn transmitted(&self, port: &str) -> Vec<Vec<u8>> {
        pcap_packets(&self.dir.join(format!("{port}-tx.pcap")))
    }

    /// Injects `packet` (ovs-appctl flow syntax) as received on dummy port `port`.
    pub fn receive(&self, port: &str, packet: &str) {
        self.appctl(&["netdev-dummy/receive", port, packet]);
    }
}

impl Drop for Hypervisor {
    fn drop(&mut self) {
        for p in self.pidfiles.iter().rev() {
            let Some(pid) = std::fs::read_to_string(p)
                .ok()
                .and_then(|s| s.trim().parse::<libc::pid_t>().ok())
            else {
                continue;
            };
            // SAFETY: kill(2) on a pid read from a pidfile of a daemon this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            for _ in 0..200 {
                if !alive(pid) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Whether `pid` is still running: neither gone nor a zombie waiting for init to reap it.
pub fn alive(pid: libc::pid_t) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        // "pid (comm) S ...": the state follows the last ')'.
        s.rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state != 'Z')
    })
}

/// The records of a pcap file (little-endian, as netdev-dummy writes it).
pub fn pcap_packets(file: &Path) -> Vec<Vec<u8>> {
    let Ok(b) = std::fs::read(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut i = 24;
    while i + 16 <= b.len() {
        let len = u32::from_le_bytes(b[i + 8..i + 12].try_into().unwrap()) as usize;
        if i + 16 + len > b.len() {
            break;
        }
        out.push(b[i + 16..i + 16 + len].to_vec());
        i += 16 + len;
    }
    out
}

pub fn mac_bytes(mac: &str) -> Vec<u8> {
    mac.split(':')
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect()
}

pub fn ip_bytes(ip: &str) -> Vec<u8> {
    ip.split('.').map(|o| o.parse::<u8>().unwrap()).collect()
}

/// Whether `p` is an Ethernet frame `src` → `dst` carrying an IPv4 ICMP packet
/// `ip_src` → `ip_dst` with TTL `ttl`.
pub fn is_icmp(p: &[u8], src: &str, dst: &str, ip_src: &str, ip_dst: &str, ttl: u8) -> bool {
    p.len() >= 34
        && p[0..6] == mac_bytes(dst)[..]
        && p[6..12] == mac_bytes(src)[..]
        && p[12..14] == [0x08, 0x00]
        && p[22] == ttl
        && p[23] == 1
        && p[26..30] == ip_bytes(ip_src)[..]
        && p[30..34] == ip_bytes(ip_dst)[..]
}

/// The inner frame of an IPv4 Geneve packet (outer Ethernet, IPv4 without options, UDP to
/// 6081, Geneve with its options), with the VNI.
pub fn geneve_inner(p: &[u8]) -> Option<(u32, &[u8])> {
    if p.len() < 14 + 20 + 8 + 8 || p[12..14] != [0x08, 0x00] || p[14] != 0x45 || p[23] != 17 {
        return None;
    }
    let udp = &p[34..];
    if u16::from_be_bytes([udp[2], udp[3]]) != 6081 {
        return None;
    }
    let gnv = &udp[8..];
    let opt_len = usize::from(gnv[0] & 0x3f) * 4;
    let vni = u32::from_be_bytes([0, gnv[4], gnv[5], gnv[6]]);
    gnv.get(8 + opt_len..).map(|inner| (vni, inner))
}
