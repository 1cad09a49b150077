//! Test support: a private OVN control plane (NB and SB ovsdb-servers and the real
//! ovn-northd 23.03.1) in a temp dir, driven with ovn-nbctl / ovn-sbctl, and ovn-dd
//! run on the same databases.

#![allow(dead_code)]

pub mod daemons;
pub mod hv;
pub mod ic;
pub mod topology;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use adapters::{Atom, Database, Datum, Uuid};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("ovn-dd-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("OVN_DD_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// NB + SB ovsdb-servers on unix sockets, optionally with the real ovn-northd.
pub struct Lab {
    pub dir: TempDir,
    pids: Vec<PathBuf>,
}

impl Lab {
    /// Starts the two databases and the real ovn-northd.
    pub fn with_northd() -> Lab {
        let mut lab = Lab::databases_only();
        lab.start_c_northd();
        lab
    }

    /// Starts the real ovn-northd on the lab's databases (`<dir>/northd.{pid,log,ctl}`).
    pub fn start_c_northd(&mut self) {
        let d = self.dir.path().to_path_buf();
        self.daemon(
            Command::new("ovn-northd").args([
                "--detach",
                "--no-chdir",
                &format!("--pidfile={}", d.join("northd.pid").display()),
                &format!("--log-file={}", d.join("northd.log").display()),
                &format!("--unixctl={}", d.join("northd.ctl").display()),
                &format!("--ovnnb-db=unix:{}", d.join("nb.sock").display()),
                &format!("--ovnsb-db=unix:{}", d.join("sb.sock").display()),
            ]),
            "northd.pid",
        );
    }

    /// Starts the two databases and `ovn-dd northd` with ovn-northd's command line.
    pub fn with_ovn_dd() -> Lab {
        let mut lab = Lab::databases_only();
        lab.start_ovn_dd("dd");
        lab
    }

    /// Starts `ovn-dd northd` (detached) as `<dir>/<tag>.{pid,log,ctl}`.
    pub fn start_ovn_dd(&mut self, tag: &str) {
        self.start_ovn_dd_with(tag, &[]);
    }

    /// Same, with more command-line arguments.
    pub fn start_ovn_dd_with(&mut self, tag: &str, extra: &[&str]) {
        self.start_ovn_dd_env(tag, extra, &[]);
    }

    /// Same, with environment variables too.
    pub fn start_ovn_dd_env(&mut self, tag: &str, extra: &[&str], env: &[(&str, &str)]) {
        let d = self.dir.path().to_path_buf();
        let mut cmd = Command::new(ovn_dd());
        cmd.arg("northd").args([
            "--detach",
            "--no-chdir",
            &format!("--pidfile={}", d.join(format!("{tag}.pid")).display()),
            &format!("--log-file={}", d.join(format!("{tag}.log")).display()),
            &format!("--unixctl={}", d.join(format!("{tag}.ctl")).display()),
            &format!("--ovnnb-db=unix:{}", d.join("nb.sock").display()),
            &format!("--ovnsb-db=unix:{}", d.join("sb.sock").display()),
        ]);
        cmd.args(extra);
        cmd.envs(env.iter().copied());
        self.daemon(&mut cmd, &format!("{tag}.pid"));
    }

    /// `ovn-appctl -t <dir>/<tag>.ctl ARGS`: stdout.
    pub fn appctl(&self, tag: &str, args: &[&str]) -> String {
        let ctl = self.dir.path().join(format!("{tag}.ctl"));
        let out = run(Command::new("ovn-appctl").arg("-t").arg(ctl).args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stops the daemon of pidfile `<tag>.pid` with `signal` and waits until it is gone.
    pub fn stop(&self, tag: &str, signal: &str) {
        let p = self.dir.path().join(format!("{tag}.pid"));
        let pid = std::fs::read_to_string(&p).unwrap();
        let pid = pid.trim();
        run(Command::new("kill").arg(format!("-{signal}")).arg(pid));
        for _ in 0..500 {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = std::fs::remove_file(&p);
    }

    /// The SB as its file holds it now.
    pub fn sb(&self) -> Database {
        adapters::dbfile::read(&self.sb_file()).unwrap()
    }

    /// The real ovn-northd on a copy of NB database file `nb` and an empty SB.
    pub fn with_northd_on(nb: &Path) -> Lab {
        let mut lab = Lab::empty();
        let d = lab.dir.path().to_path_buf();
        std::fs::copy(nb, d.join("nb.db")).unwrap();
        run(Command::new("ovsdb-tool")
            .arg("create")
            .arg(d.join("sb.db"))
            .arg("/usr/share/ovn/ovn-sb.ovsschema"));
        lab.server("nb", &d.join("nb.db"));
        lab.server("sb", &d.join("sb.db"));
        lab.start_c_northd();
        lab
    }

    /// A lab directory with nothing running yet.
    pub fn empty() -> Lab {
        Lab {
            dir: TempDir::new("lab"),
            pids: Vec::new(),
        }
    }

    /// Starts the two databases only.
    pub fn databases_only() -> Lab {
        let mut lab = Lab::empty();
        for (db, schema) in [
            ("nb", "/usr/share/ovn/ovn-nb.ovsschema"),
            ("sb", "/usr/share/ovn/ovn-sb.ovsschema"),
        ] {
            let d = lab.dir.path().to_path_buf();
            let file = d.join(format!("{db}.db"));
            run(Command::new("ovsdb-tool")
                .arg("create")
                .arg(&file)
                .arg(schema));
            lab.server(db, &file);
        }
        lab
    }

    /// Serves `file` as database `name` (nb or sb) on `<dir>/<name>.sock`.
    pub fn server(&mut self, name: &str, file: &Path) {
        let d = self.dir.path().to_path_buf();
        self.daemon(
            Command::new("ovsdb-server").arg(file).args([
                "--detach",
                "--no-chdir",
                &format!("--pidfile={}", d.join(format!("{name}.pid")).display()),
                &format!("--log-file={}", d.join(format!("{name}.log")).display()),
                &format!("--unixctl={}", d.join(format!("{name}.ctl")).display()),
                &format!(
                    "--remote=punix:{}",
                    d.join(format!("{name}.sock")).display()
                ),
            ]),
            &format!("{name}.pid"),
        );
    }

    fn daemon(&mut self, cmd: &mut Command, pidfile: &str) {
        let d = self.dir.path().to_path_buf();
        cmd.env("OVS_RUNDIR", &d)
            .env("OVN_RUNDIR", &d)
            .env("OVS_LOGDIR", &d)
            .env("OVS_DBDIR", &d);
        run(cmd);
        // Register the pid so that Drop stops it.
        self.pids.push(d.join(pidfile));
    }

    pub fn nb_sock(&self) -> String {
        format!("unix:{}", self.dir.path().join("nb.sock").display())
    }
    pub fn sb_sock(&self) -> String {
        format!("unix:{}", self.dir.path().join("sb.sock").display())
    }
    pub fn nb_file(&self) -> PathBuf {
        self.dir.path().join("nb.db")
    }
    pub fn sb_file(&self) -> PathBuf {
        self.dir.path().join("sb.db")
    }

    /// Runs one ovn-nbctl invocation.
    pub fn nbctl(&self, args: &[&str]) -> String {
        let out = run(Command::new("ovn-nbctl")
            .arg(format!("--db={}", self.nb_sock()))
            .args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs many ovn-nbctl commands in one transaction (`--` separated).
    pub fn nbctl_batch(&self, cmds: &[Vec<String>]) {
        if cmds.is_empty() {
            return;
        }
        let mut c = Command::new("ovn-nbctl");
        c.arg(format!("--db={}", self.nb_sock()));
        for (i, cmd) in cmds.iter().enumerate() {
            if i > 0 {
                c.arg("--");
            }
            c.args(cmd);
        }
        run(&mut c);
    }

    pub fn sbctl(&self, args: &[&str]) -> String {
        let out = run(Command::new("ovn-sbctl")
            .arg(format!("--db={}", self.sb_sock()))
            .args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a script of `ovn-nbctl ...` / `ovn-sbctl ...` lines (`#` comments allowed).
    pub fn script(&self, script: &str) {
        for line in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let w = words(line);
            let (tool, args) = w.split_first().expect("a non-empty line");
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            match tool.as_str() {
                "ovn-nbctl" => {
                    self.nbctl(&args);
                }
                "ovn-sbctl" => {
                    self.sbctl(&args);
                }
                t => panic!("unknown tool {t}"),
            }
        }
    }

    /// Waits until northd has caught up with the NB.
    pub fn sync(&self) {
        self.nbctl(&["--wait=sb", "--timeout=60", "sync"]);
    }

    pub fn dump_flows(&self) -> String {
        self.sbctl(&["dump-flows"])
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for p in self.pids.iter().rev() {
            if let Ok(pid) = std::fs::read_to_string(p) {
                let _ = Command::new("kill").arg(pid.trim()).output();
            }
        }
        // Give the daemons a moment to exit before the directory goes away.
        for p in &self.pids {
            for _ in 0..50 {
                if !p.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}

/// Path of the ovn-dd binary under test.
pub fn ovn_dd() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ovn-dd"))
}

/// Runs `ovn-dd compute` with the given arguments; returns stdout.
pub fn compute(args: &[&str]) -> String {
    let out = run(Command::new(ovn_dd()).arg("compute").args(args));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// dump-flows text with datapath UUIDs removed.
pub fn normalize(flows: &str) -> String {
    flows
        .lines()
        .map(|l| {
            if l.starts_with("Datapath:")
                && let (Some(a), Some(b)) = (l.rfind(" ("), l.rfind(')'))
            {
                return format!("{} (UUID{}", &l[..a], &l[b..]);
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts two dump-flows texts are identical up to UUIDs, showing the first differences.
pub fn assert_same_flows(expected: &str, actual: &str, what: &str) {
    let (e, a) = (normalize(expected), normalize(actual));
    if e == a {
        return;
    }
    if let Ok(dir) = std::env::var("OVN_DD_TEST_DUMP") {
        let _ = std::fs::write(format!("{dir}/expected.txt"), &e);
        let _ = std::fs::write(format!("{dir}/actual.txt"), &a);
    }
    let el: Vec<&str> = e.lines().collect();
    let al: Vec<&str> = a.lines().collect();
    let missing: Vec<&&str> = el.iter().filter(|l| !al.contains(l)).take(15).collect();
    let extra: Vec<&&str> = al.iter().filter(|l| !el.contains(l)).take(15).collect();
    panic!(
        "{what}: flows differ ({} expected lines, {} actual)\n--- only in ovn-northd:\n{}\n--- only in ovn-dd:\n{}",
        el.len(),
        al.len(),
        missing
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        extra
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    );
}

/// Runs the real northd on the result of `setup`, then ovn-dd compute on the same NB and
/// SB files, and asserts identical flows. Returns the lab for further checks.
pub fn differential(what: &str, setup: impl FnOnce(&Lab)) -> Lab {
    let lab = Lab::with_northd();
    setup(&lab);
    lab.sync();
    let expected = lab.dump_flows();
    assert!(
        expected.lines().count() > 60,
        "{what}: ovn-northd wrote no flows:\n{expected}"
    );
    let nb = lab.nb_file();
    let sb = lab.sb_file();
    let actual = compute(&["--nb", nb.to_str().unwrap(), "--sb", sb.to_str().unwrap()]);
    assert_same_flows(&expected, &actual, what);
    lab
}

/// Turns a shell-like line of ovn-nbctl arguments into a vector (double quotes group).
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// The seed's routing scenario, part 2 of ../shared/seeds, with chassis worker1/worker2.
pub const SEED: &str = r#"
ovn-nbctl ls-add network1
ovn-nbctl ls-add network2
ovn-nbctl lsp-add network1 vm1
ovn-nbctl lsp-add network2 vm2
ovn-nbctl lsp-set-addresses vm1 "40:44:00:00:00:01 192.168.0.11"
ovn-nbctl lsp-set-addresses vm2 "40:44:00:00:00:02 192.168.1.11"
ovn-nbctl lr-add router1
ovn-nbctl lrp-add router1 router1-net1 40:44:00:00:00:03 192.168.0.1/24
ovn-nbctl lsp-add network1 net1-router1
ovn-nbctl lsp-set-addresses net1-router1 40:44:00:00:00:03
ovn-nbctl lsp-set-type net1-router1 router
ovn-nbctl lsp-set-options net1-router1 router-port=router1-net1
ovn-nbctl lrp-add router1 router1-net2 40:44:00:00:00:04 192.168.1.1/24
ovn-nbctl lsp-add network2 net2-router1
ovn-nbctl lsp-set-addresses net2-router1 40:44:00:00:00:04
ovn-nbctl lsp-set-type net2-router1 router
ovn-nbctl lsp-set-options net2-router1 router-port=router1-net2
ovn-sbctl chassis-add worker1 geneve 127.0.0.2
ovn-sbctl chassis-add worker2 geneve 127.0.0.3
"#;

/// Tables compared, all columns.
pub const TABLES: &[&str] = &[
    "SB_Global",
    "Datapath_Binding",
    "Port_Binding",
    "Multicast_Group",
    "HA_Chassis_Group",
    "HA_Chassis",
    "IP_Multicast",
    "Address_Set",
    "DHCP_Options",
    "DHCPv6_Options",
    "RBAC_Role",
    "RBAC_Permission",
];

/// What a UUID reference stands for: the referenced row's name.
fn label(db: &Database, u: Uuid) -> String {
    let name = |table: &str, col: &str| {
        db.table(table)
            .get(&u)
            .map(|r| db.get(table, r, col).as_str().unwrap_or("").to_string())
    };
    if let Some(r) = db.table("Datapath_Binding").get(&u) {
        let ids = db.get("Datapath_Binding", r, "external_ids").string_pairs();
        let n = ids.into_iter().find(|(k, _)| k == "name").map(|(_, v)| v);
        return format!("dp:{}", n.unwrap_or_default());
    }
    if let Some(r) = db.table("HA_Chassis").get(&u) {
        return format!("ha_chassis:{{{}}}", render(db, "HA_Chassis", r));
    }
    for (t, c) in [
        ("Chassis", "name"),
        ("Port_Binding", "logical_port"),
        ("HA_Chassis_Group", "name"),
        ("RBAC_Permission", "table"),
        ("Encap", "ip"),
    ] {
        if let Some(n) = name(t, c) {
            return format!("{t}:{n}");
        }
    }
    format!("dangling:{u}")
}

fn atom(db: &Database, a: &Atom) -> String {
    match a {
        Atom::Uuid(u) => label(db, *u),
        Atom::String(s) => format!("{s:?}"),
        Atom::Integer(i) => i.to_string(),
        Atom::Real(r) => r.to_string(),
        Atom::Boolean(b) => b.to_string(),
    }
}

fn datum(db: &Database, d: &Datum) -> String {
    let mut items: Vec<String> = match &d.values {
        Some(_) => d
            .pairs()
            .map(|(k, v)| format!("{}={}", atom(db, k), atom(db, v)))
            .collect(),
        None => d.keys.iter().map(|a| atom(db, a)).collect(),
    };
    items.sort();
    format!("[{}]", items.join(", "))
}

/// Every schema column of `row`, UUIDs replaced by names.
pub fn render(db: &Database, table: &str, row: &adapters::Row) -> String {
    let cols: BTreeSet<&String> = db.schema.tables[table].keys().collect();
    cols.into_iter()
        .map(|c| format!("{c}={}", datum(db, &db.get(table, row, c))))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn tables(db: &Database) -> BTreeMap<&'static str, BTreeSet<String>> {
    TABLES
        .iter()
        .map(|t| {
            let rows = db.table(t).values().map(|r| render(db, t, r)).collect();
            (*t, rows)
        })
        .collect()
}
