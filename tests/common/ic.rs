//! Test support for ovn-ic, the interconnection of OVN availability zones: an `IcLab`
//! owns a temp dir with the IC-NB and IC-SB ovsdb-servers and any number of `Zone`s, each
//! with its own NB and SB ovsdb-servers, a northd and an ic daemon. Which implementation
//! runs each daemon is a parameter (`Impl::C`: Debian's OVN 23.03.1; `Impl::Dd`: ovn-dd
//! with the same command line after a subcommand word).
//!
//! Layout: `<lab>/ic-nb.{db,sock,pid,log,ctl}`, `<lab>/ic-sb.*`, and per zone
//! `<lab>/<zone>/{nb,sb}.*`, `<lab>/<zone>/northd.{pid,log,ctl}`,
//! `<lab>/<zone>/ic.{pid,log,ctl}`. Servers listen on unix sockets only. Every daemon
//! runs with OVS_RUNDIR/OVN_RUNDIR/OVS_LOGDIR/OVS_DBDIR set to its directory and is
//! stopped by the pid in its pidfile when the lab is dropped.
//!
//! Also here: `Snapshot`, every row ovn-ic reads or writes in every database of a lab,
//! rendered comparably (UUIDs as the names of the rows they point to, interconnection
//! tunnel keys as the transit switch or port they belong to), for differential tests;
//! the seed scenario (../shared/seeds, first half: zones east and west joined by transit
//! switch ts1) and its expected outputs; and normalisers for `ovn-*ctl show` texts.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use adapters::{Atom, Database, Datum, Row, Uuid};

use super::hv::{alive, eventually};
use super::{TempDir, ovn_dd, run};

/// Which program runs a daemon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// `/usr/bin/ovn-northd`, `/usr/bin/ovn-ic` (OVN 23.03.1).
    C,
    /// `ovn-dd northd`, `ovn-dd ic`.
    Dd,
}

/// The two daemons of a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Daemon {
    Northd,
    Ic,
}

impl Daemon {
    /// Its file tag (`<zone>/<tag>.{pid,log,ctl}`) and its word (`ovn-<word>`,
    /// `ovn-dd <word>`).
    pub fn tag(self) -> &'static str {
        match self {
            Daemon::Northd => "northd",
            Daemon::Ic => "ic",
        }
    }
}

impl Impl {
    /// The command that runs `daemon` in this implementation, before its arguments.
    pub fn command(self, daemon: Daemon) -> Command {
        match self {
            Impl::C => Command::new(format!("/usr/bin/ovn-{}", daemon.tag())),
            Impl::Dd => {
                let mut c = Command::new(ovn_dd());
                c.arg(daemon.tag());
                c
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Impl::C => "C",
            Impl::Dd => "ovn-dd",
        }
    }
}

/// Runs `cmd`; its stdout, or its status and stderr.
fn try_run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd:?}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Sets the OVS/OVN directories of a daemon or tool to `dir`.
fn in_dir(cmd: &mut Command, dir: &Path) {
    for var in ["OVS_RUNDIR", "OVN_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR"] {
        cmd.env(var, dir);
    }
}

/// Serves a fresh database of `schema` as `<dir>/<name>.{db,sock,pid,log,ctl}`; returns
/// the pidfile.
fn server(dir: &Path, name: &str, schema: &str) -> PathBuf {
    let p = |ext: &str| dir.join(format!("{name}.{ext}")).display().to_string();
    run(Command::new("ovsdb-tool").args(["create", &p("db"), schema]));
    let mut cmd = Command::new("ovsdb-server");
    cmd.args([
        &p("db"),
        "--detach",
        "--no-chdir",
        &format!("--pidfile={}", p("pid")),
        &format!("--log-file={}", p("log")),
        &format!("--unixctl={}", p("ctl")),
        &format!("--remote=punix:{}", p("sock")),
    ]);
    in_dir(&mut cmd, dir);
    run(&mut cmd);
    dir.join(format!("{name}.pid"))
}

fn pid_of(pidfile: &Path) -> Option<libc::pid_t> {
    std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()
}

/// Sends SIGTERM to the daemon of `pidfile` (if running) and waits until it is gone.
fn stop_pidfile(pidfile: &Path) {
    let Some(pid) = pid_of(pidfile) else {
        return;
    };
    // SAFETY: kill(2) on a pid read from a pidfile of a daemon this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    for _ in 0..500 {
        if !alive(pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = std::fs::remove_file(pidfile);
}

/// What `IcLab::add_zone_with` starts.
#[derive(Clone, Debug)]
pub struct ZoneConfig {
    pub name: String,
    /// `NB_Global.name`, the availability zone's name (None: left empty).
    pub az: Option<String>,
    pub northd: Impl,
    /// None: no ic daemon yet (start it with `Zone::start_ic`).
    pub ic: Option<Impl>,
}

impl ZoneConfig {
    /// Zone `name` whose AZ is called `name` too, with both daemons.
    pub fn new(name: &str, northd: Impl, ic: Impl) -> ZoneConfig {
        ZoneConfig {
            name: name.to_string(),
            az: Some(name.to_string()),
            northd,
            ic: Some(ic),
        }
    }
}

/// IC-NB and IC-SB ovsdb-servers and the zones.
pub struct IcLab {
    pub dir: TempDir,
    zones: Vec<Zone>,
    pids: Vec<PathBuf>,
}

impl IcLab {
    /// Starts the IC-NB and IC-SB servers (initialised with `ovn-ic-nbctl init` and
    /// `ovn-ic-sbctl init`); no zone yet.
    pub fn new() -> IcLab {
        let dir = TempDir::new("ic");
        let mut lab = IcLab {
            dir,
            zones: Vec::new(),
            pids: Vec::new(),
        };
        let d = lab.dir.path().to_path_buf();
        lab.pids
            .push(server(&d, "ic-nb", "/usr/share/ovn/ovn-ic-nb.ovsschema"));
        lab.pids
            .push(server(&d, "ic-sb", "/usr/share/ovn/ovn-ic-sb.ovsschema"));
        lab.ic_nbctl(&["init"]);
        lab.ic_sbctl(&["init"]);
        lab
    }

    /// A lab with zones `names`, each running `northd` and `ic`.
    pub fn with_zones(names: &[&str], northd: Impl, ic: Impl) -> IcLab {
        let mut lab = IcLab::new();
        for n in names {
            lab.add_zone(n, northd, ic);
        }
        lab
    }

    /// Adds a zone named (and with an AZ named) `name`.
    pub fn add_zone(&mut self, name: &str, northd: Impl, ic: Impl) -> &Zone {
        self.add_zone_with(ZoneConfig::new(name, northd, ic))
    }

    /// Starts a zone's NB and SB servers (`ovn-nbctl init`, `ovn-sbctl init`), sets its AZ
    /// name, starts its northd, waits for it (`--wait=sb sync`), then starts its ic.
    pub fn add_zone_with(&mut self, cfg: ZoneConfig) -> &Zone {
        assert!(
            self.zones.iter().all(|z| z.name != cfg.name),
            "zone {} twice",
            cfg.name
        );
        let dir = self.dir.path().join(&cfg.name);
        std::fs::create_dir_all(&dir).unwrap();
        let zone = Zone {
            name: cfg.name.clone(),
            dir: dir.clone(),
            ic_nb: self.ic_nb_sock(),
            ic_sb: self.ic_sb_sock(),
            pids: RefCell::new(Vec::new()),
            running: RefCell::new(HashMap::new()),
        };
        for (db, schema) in [
            ("nb", "/usr/share/ovn/ovn-nb.ovsschema"),
            ("sb", "/usr/share/ovn/ovn-sb.ovsschema"),
        ] {
            zone.pids.borrow_mut().push(server(&dir, db, schema));
        }
        zone.nbctl(&["init"]);
        zone.sbctl(&["init"]);
        if let Some(az) = &cfg.az {
            zone.set_az_name(az);
        }
        zone.start(Daemon::Northd, cfg.northd);
        zone.sync();
        if let Some(ic) = cfg.ic {
            zone.start(Daemon::Ic, ic);
        }
        self.zones.push(zone);
        self.zones.last().unwrap()
    }

    pub fn zone(&self, name: &str) -> &Zone {
        self.zones
            .iter()
            .find(|z| z.name == name)
            .unwrap_or_else(|| panic!("no zone {name}"))
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn ic_nb_sock(&self) -> String {
        format!("unix:{}", self.dir.path().join("ic-nb.sock").display())
    }
    pub fn ic_sb_sock(&self) -> String {
        format!("unix:{}", self.dir.path().join("ic-sb.sock").display())
    }
    pub fn ic_nb_file(&self) -> PathBuf {
        self.dir.path().join("ic-nb.db")
    }
    pub fn ic_sb_file(&self) -> PathBuf {
        self.dir.path().join("ic-sb.db")
    }

    pub fn ic_nbctl(&self, args: &[&str]) -> String {
        self.ic_nbctl_try(args).unwrap_or_else(|e| panic!("{e}"))
    }
    pub fn ic_nbctl_try(&self, args: &[&str]) -> Result<String, String> {
        try_run(
            Command::new("ovn-ic-nbctl")
                .arg(format!("--db={}", self.ic_nb_sock()))
                .args(args),
        )
    }
    pub fn ic_sbctl(&self, args: &[&str]) -> String {
        self.ic_sbctl_try(args).unwrap_or_else(|e| panic!("{e}"))
    }
    pub fn ic_sbctl_try(&self, args: &[&str]) -> Result<String, String> {
        try_run(
            Command::new("ovn-ic-sbctl")
                .arg(format!("--db={}", self.ic_sb_sock()))
                .args(args),
        )
    }

    /// Number of rows of IC-SB `table` that match `conditions` (`ovn-ic-sbctl find`).
    pub fn ic_sb_count(&self, table: &str, conditions: &[&str]) -> usize {
        let mut args = vec!["--bare", "--columns=_uuid", "find", table];
        args.extend(conditions);
        self.ic_sbctl(&args).split_whitespace().count()
    }

    /// Every database file of the lab: (what, path).
    fn db_files(&self) -> Vec<(String, PathBuf)> {
        let mut v = vec![
            ("ic-nb".to_string(), self.ic_nb_file()),
            ("ic-sb".to_string(), self.ic_sb_file()),
        ];
        for z in &self.zones {
            v.push((format!("{} nb", z.name), z.nb_file()));
            v.push((format!("{} sb", z.name), z.sb_file()));
        }
        v
    }

    /// Waits until no database of the lab has committed anything for `quiet` (no file
    /// grew or was rewritten), at most `secs`.
    pub fn quiesce(&self, quiet: Duration, secs: u64) {
        let stamp = |p: &Path| -> (u64, Option<SystemTime>) {
            std::fs::metadata(p)
                .map(|m| (m.len(), m.modified().ok()))
                .unwrap_or((0, None))
        };
        let files = self.db_files();
        let t0 = Instant::now();
        let mut last: Vec<_> = files.iter().map(|(_, p)| stamp(p)).collect();
        let mut since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let now: Vec<_> = files.iter().map(|(_, p)| stamp(p)).collect();
            if now != last {
                let busy: Vec<&str> = files
                    .iter()
                    .zip(now.iter().zip(&last))
                    .filter(|(_, (a, b))| a != b)
                    .map(|((w, _), _)| w.as_str())
                    .collect();
                assert!(
                    t0.elapsed() < Duration::from_secs(secs),
                    "the databases never became quiet in {secs} s; still writing: {busy:?}\n{}",
                    self.logs_tail()
                );
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
        }
    }

    /// Every row ovn-ic reads or writes, once nothing changes any more.
    pub fn settled_snapshot(&self) -> Snapshot {
        self.quiesce(Duration::from_millis(800), 60);
        self.snapshot()
    }

    /// Every row ovn-ic reads or writes, as the database files hold them now.
    pub fn snapshot(&self) -> Snapshot {
        let mut dbs = vec![
            (
                DbKind::IcNb,
                String::new(),
                adapters::dbfile::read(&self.ic_nb_file()).unwrap(),
            ),
            (
                DbKind::IcSb,
                String::new(),
                adapters::dbfile::read(&self.ic_sb_file()).unwrap(),
            ),
        ];
        for z in &self.zones {
            dbs.push((
                DbKind::Nb,
                z.name.clone(),
                adapters::dbfile::read(&z.nb_file()).unwrap(),
            ));
            dbs.push((
                DbKind::Sb,
                z.name.clone(),
                adapters::dbfile::read(&z.sb_file()).unwrap(),
            ));
        }
        Snapshot::of(&dbs)
    }

    /// The last lines of every daemon log of every zone (for failure messages).
    pub fn logs_tail(&self) -> String {
        let mut s = String::new();
        for z in &self.zones {
            for d in [Daemon::Northd, Daemon::Ic] {
                let log = z.log(d);
                let lines: Vec<&str> = log.lines().collect();
                s.push_str(&format!(
                    "--- {}/{}.log ({}):\n{}\n",
                    z.name,
                    d.tag(),
                    z.running(d).map(Impl::label).unwrap_or("not running"),
                    lines[lines.len().saturating_sub(8)..].join("\n")
                ));
            }
        }
        s
    }
}

impl Drop for IcLab {
    fn drop(&mut self) {
        // The zones (their daemons first) before the IC databases they talk to.
        self.zones.clear();
        for p in self.pids.iter().rev() {
            stop_pidfile(p);
        }
    }
}

/// One availability zone: NB and SB servers, a northd, an ic.
pub struct Zone {
    pub name: String,
    pub dir: PathBuf,
    ic_nb: String,
    ic_sb: String,
    /// Servers' pidfiles.
    pids: RefCell<Vec<PathBuf>>,
    /// The daemons running now.
    running: RefCell<HashMap<&'static str, Impl>>,
}

impl Zone {
    pub fn nb_sock(&self) -> String {
        format!("unix:{}", self.dir.join("nb.sock").display())
    }
    pub fn sb_sock(&self) -> String {
        format!("unix:{}", self.dir.join("sb.sock").display())
    }
    pub fn nb_file(&self) -> PathBuf {
        self.dir.join("nb.db")
    }
    pub fn sb_file(&self) -> PathBuf {
        self.dir.join("sb.db")
    }
    pub fn pidfile(&self, d: Daemon) -> PathBuf {
        self.dir.join(format!("{}.pid", d.tag()))
    }
    pub fn log_file(&self, d: Daemon) -> PathBuf {
        self.dir.join(format!("{}.log", d.tag()))
    }
    pub fn ctl(&self, d: Daemon) -> PathBuf {
        self.dir.join(format!("{}.ctl", d.tag()))
    }

    /// The command line of `d` (ovn-northd's, ovn-ic's), without the program.
    pub fn args(&self, d: Daemon) -> Vec<String> {
        let mut a = vec![
            format!("--ovnnb-db={}", self.nb_sock()),
            format!("--ovnsb-db={}", self.sb_sock()),
        ];
        if d == Daemon::Ic {
            a.push(format!("--ic-nb-db={}", self.ic_nb));
            a.push(format!("--ic-sb-db={}", self.ic_sb));
        }
        a.extend([
            "--detach".to_string(),
            "--no-chdir".to_string(),
            format!("--pidfile={}", self.pidfile(d).display()),
            format!("--log-file={}", self.log_file(d).display()),
            format!("--unixctl={}", self.ctl(d).display()),
        ]);
        a
    }

    /// Starts daemon `d` as implementation `i` (it detaches once it runs).
    pub fn start(&self, d: Daemon, i: Impl) {
        self.start_with(d, i, &[]);
    }

    /// Same, with more arguments after the standard ones (e.g. `-vfile:dbg`).
    pub fn start_with(&self, d: Daemon, i: Impl, extra: &[&str]) {
        assert!(
            self.running(d).is_none(),
            "{}: {} already runs",
            self.name,
            d.tag()
        );
        let mut cmd = i.command(d);
        cmd.args(self.args(d)).args(extra);
        in_dir(&mut cmd, &self.dir);
        run(&mut cmd);
        self.running.borrow_mut().insert(d.tag(), i);
    }

    /// Stops daemon `d` (SIGTERM) and waits until it is gone.
    pub fn stop(&self, d: Daemon) {
        stop_pidfile(&self.pidfile(d));
        self.running.borrow_mut().remove(d.tag());
    }

    /// Stops `d` and starts it again as `i`.
    pub fn restart(&self, d: Daemon, i: Impl) {
        self.stop(d);
        self.start(d, i);
    }

    pub fn start_ic(&self, i: Impl) {
        self.start(Daemon::Ic, i);
    }
    pub fn stop_ic(&self) {
        self.stop(Daemon::Ic);
    }

    /// Which implementation runs `d` now, if any.
    pub fn running(&self, d: Daemon) -> Option<Impl> {
        self.running.borrow().get(d.tag()).copied()
    }

    pub fn pid(&self, d: Daemon) -> Option<libc::pid_t> {
        pid_of(&self.pidfile(d))
    }

    /// Whether daemon `d` is alive (e.g. did not crash).
    pub fn is_alive(&self, d: Daemon) -> bool {
        self.pid(d).is_some_and(alive)
    }

    /// The daemon's log so far.
    pub fn log(&self, d: Daemon) -> String {
        std::fs::read_to_string(self.log_file(d)).unwrap_or_default()
    }

    /// `ovn-appctl -t <ctl of d> ARGS`: stdout.
    pub fn appctl(&self, d: Daemon, args: &[&str]) -> String {
        let mut cmd = Command::new("ovn-appctl");
        cmd.arg("--timeout=10")
            .arg("-t")
            .arg(self.ctl(d))
            .args(args);
        try_run(&mut cmd).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ctl_cmd(&self, prog: &str, db: String, args: &[&str]) -> Command {
        let mut c = Command::new(prog);
        c.arg(format!("--db={db}")).args(args);
        in_dir(&mut c, &self.dir);
        c
    }

    /// One ovn-nbctl invocation on this zone's NB (it must succeed): stdout.
    pub fn nbctl(&self, args: &[&str]) -> String {
        self.nbctl_try(args)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
    pub fn nbctl_try(&self, args: &[&str]) -> Result<String, String> {
        try_run(&mut self.ctl_cmd("ovn-nbctl", self.nb_sock(), args))
    }
    pub fn sbctl(&self, args: &[&str]) -> String {
        self.sbctl_try(args)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
    pub fn sbctl_try(&self, args: &[&str]) -> Result<String, String> {
        try_run(&mut self.ctl_cmd("ovn-sbctl", self.sb_sock(), args))
    }
    pub fn ic_nbctl(&self, args: &[&str]) -> String {
        try_run(&mut self.ctl_cmd("ovn-ic-nbctl", self.ic_nb.clone(), args))
            .unwrap_or_else(|e| panic!("{e}"))
    }
    pub fn ic_sbctl(&self, args: &[&str]) -> String {
        try_run(&mut self.ctl_cmd("ovn-ic-sbctl", self.ic_sb.clone(), args))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `ovn-trace --db=<SB> ARGS` (stdout; a missing br-int for `--ovs` only warns).
    pub fn trace(&self, args: &[&str]) -> String {
        try_run(&mut self.ctl_cmd("ovn-trace", self.sb_sock(), args))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Waits until northd has caught up with the NB (`ovn-nbctl --wait=sb sync`).
    pub fn sync(&self) {
        self.nbctl(&["--wait=sb", "--timeout=60", "sync"]);
    }

    /// Waits until the chassis have caught up too (`ovn-nbctl --wait=hv sync`).
    pub fn sync_hv(&self) {
        self.nbctl(&["--wait=hv", "--timeout=60", "sync"]);
    }

    /// Sets `NB_Global.name`, this zone's availability-zone name.
    pub fn set_az_name(&self, name: &str) {
        self.nbctl(&["set", "NB_Global", ".", &format!("name=\"{name}\"")]);
    }

    /// Sets `NB_Global` options (`ic-route-adv`, `ic-route-learn`, ...).
    pub fn set_options(&self, opts: &[(&str, &str)]) {
        let mut args = vec!["set".to_string(), "NB_Global".into(), ".".into()];
        args.extend(opts.iter().map(|(k, v)| format!("options:{k}=\"{v}\"")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.nbctl(&args);
    }

    /// A chassis without ovn-controller: `ovn-sbctl chassis-add NAME ENCAPS IP` (encap
    /// options csum=true), `hostname`, and `other_config:is-interconn=true` for a
    /// gateway (what ovn-controller sets for `external_ids:ovn-is-interconn=true`).
    pub fn fake_chassis(&self, name: &str, hostname: &str, encaps: &str, ip: &str, ic: bool) {
        let mut args = vec![
            "chassis-add".to_string(),
            name.into(),
            encaps.into(),
            ip.into(),
            "--".into(),
            "set".into(),
            "Chassis".into(),
            name.into(),
        ];
        args.push(format!("hostname=\"{hostname}\""));
        if ic {
            args.push("other_config:is-interconn=true".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.sbctl(&args);
    }

    /// Binds logical port `port` to `chassis` in SB as ovn-controller would
    /// (`ovn-sbctl lsp-bind`), once northd has created its Port_Binding.
    pub fn bind(&self, port: &str, chassis: &str) {
        eventually(&format!("{}: Port_Binding {port}", self.name), 30, || {
            self.sbctl_try(&["lsp-bind", port, chassis])
        });
    }

    /// Waits until the NB has a logical switch named `ls` (e.g. one ovn-ic creates).
    pub fn wait_ls(&self, ls: &str) {
        eventually(&format!("{}: NB switch {ls}", self.name), 30, || {
            let list = self.nbctl(&["--bare", "--columns=name", "list", "Logical_Switch"]);
            if list.split_whitespace().any(|n| n == ls) {
                Ok(())
            } else {
                Err(format!("switches: {list}"))
            }
        });
    }

    /// Number of NB rows of `table` matching `conditions` (`ovn-nbctl find`).
    pub fn nb_count(&self, table: &str, conditions: &[&str]) -> usize {
        let mut args = vec!["--bare", "--columns=_uuid", "find", table];
        args.extend(conditions);
        self.nbctl(&args).split_whitespace().count()
    }

    /// Number of SB rows of `table` matching `conditions` (`ovn-sbctl find`).
    pub fn sb_count(&self, table: &str, conditions: &[&str]) -> usize {
        let mut args = vec!["--bare", "--columns=_uuid", "find", table];
        args.extend(conditions);
        self.sbctl(&args).split_whitespace().count()
    }
}

impl Drop for Zone {
    fn drop(&mut self) {
        for d in [Daemon::Ic, Daemon::Northd] {
            stop_pidfile(&self.pidfile(d));
        }
        for p in self.pids.borrow().iter().rev() {
            stop_pidfile(p);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots: the rows ovn-ic reads or writes, comparable across labs.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DbKind {
    IcNb,
    IcSb,
    Nb,
    Sb,
}

/// Which columns of a table are rendered.
enum Cols {
    All,
    Only(&'static [&'static str]),
    AllBut(&'static [&'static str]),
}

/// The tables dumped per database (spec §9): all of IC-NB's transit switches, all of
/// IC-SB, the NB and SB tables ovn-ic reads or writes. Columns that change without
/// ovn-ic (NB_Global's counters and timestamps, Chassis.nb_cfg) are left out.
fn dumped(kind: DbKind) -> &'static [(&'static str, Cols)] {
    match kind {
        DbKind::IcNb => &[("Transit_Switch", Cols::All)],
        DbKind::IcSb => &[
            ("Availability_Zone", Cols::All),
            ("Gateway", Cols::All),
            ("Encap", Cols::All),
            ("Datapath_Binding", Cols::All),
            ("Port_Binding", Cols::All),
            ("Route", Cols::All),
        ],
        DbKind::Nb => &[
            ("NB_Global", Cols::Only(&["name", "options"])),
            ("Logical_Switch", Cols::All),
            ("Logical_Switch_Port", Cols::All),
            ("Logical_Router", Cols::All),
            ("Logical_Router_Port", Cols::All),
            ("Logical_Router_Static_Route", Cols::All),
            ("Gateway_Chassis", Cols::All),
        ],
        DbKind::Sb => &[
            ("Chassis", Cols::AllBut(&["nb_cfg"])),
            ("Encap", Cols::All),
            (
                "Datapath_Binding",
                Cols::Only(&["external_ids", "tunnel_key"]),
            ),
            (
                "Port_Binding",
                Cols::Only(&[
                    "logical_port",
                    "type",
                    "chassis",
                    "datapath",
                    "mac",
                    "options",
                    "tunnel_key",
                ]),
            ),
        ],
    }
}

fn str_col(db: &Database, table: &str, row: &Row, col: &str) -> String {
    db.get(table, row, col).as_str().unwrap_or("").to_string()
}

fn map_get(db: &Database, table: &str, row: &Row, col: &str, key: &str) -> Option<String> {
    db.get(table, row, col)
        .string_pairs()
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// A row's name for references to it: `Table(name)`, prefixed by the zone for NB/SB rows.
fn row_label(kind: DbKind, zone: &str, db: &Database, table: &str, row: &Row) -> String {
    let s = |c: &str| str_col(db, table, row, c);
    let name = match (kind, table) {
        (_, "Port_Binding") => s("logical_port"),
        (_, "Encap") => format!("{} {}", s("type"), s("ip")),
        (DbKind::IcSb, "Datapath_Binding") => s("transit_switch"),
        (DbKind::IcSb, "Route") => {
            let az = db
                .get(table, row, "availability_zone")
                .as_uuid()
                .and_then(|u| db.table("Availability_Zone").get(&u))
                .map(|r| str_col(db, "Availability_Zone", r, "name"))
                .unwrap_or_default();
            format!(
                "{} {az} rtb={:?} {} via {}",
                s("transit_switch"),
                s("route_table"),
                s("ip_prefix"),
                s("nexthop")
            )
        }
        (DbKind::Sb, "Datapath_Binding") => {
            map_get(db, table, row, "external_ids", "name").unwrap_or_default()
        }
        (_, "Logical_Router_Static_Route") => format!(
            "rtb={:?} {} via {} {}",
            s("route_table"),
            s("ip_prefix"),
            s("nexthop"),
            db.get(table, row, "policy").as_str().unwrap_or("")
        ),
        _ if db.schema.column(table, "name").is_some() => s("name"),
        _ => String::new(),
    };
    let db_name = match kind {
        DbKind::IcNb => "ic-nb".to_string(),
        DbKind::IcSb => "ic-sb".to_string(),
        DbKind::Nb => format!("{zone}-nb"),
        DbKind::Sb => format!("{zone}-sb"),
    };
    format!("{db_name}:{table}({name})")
}

/// What the renderer needs to know across databases.
struct Ctx {
    /// Every row of every database, by UUID.
    labels: HashMap<Uuid, String>,
    /// IC-SB Datapath_Binding tunnel key -> transit switch.
    dp_keys: HashMap<i64, Vec<String>>,
    /// (transit switch, IC-SB Port_Binding tunnel key) -> logical port.
    port_keys: HashMap<(String, i64), Vec<String>>,
}

impl Ctx {
    fn dp_key(&self, k: i64) -> String {
        match self.dp_keys.get(&k) {
            Some(ts) => format!("dpkey({})", ts.join("|")),
            None => "dpkey(none)".to_string(),
        }
    }
    fn port_key(&self, ts: &str, k: i64) -> String {
        match self.port_keys.get(&(ts.to_string(), k)) {
            Some(p) => format!("portkey({})", p.join("|")),
            None => "portkey(none)".to_string(),
        }
    }
    /// Interconnection keys are compared as what they belong to; a string
    /// `requested-tnl-key` the same way.
    fn key_str(&self, v: &str, f: impl Fn(i64) -> String) -> String {
        v.parse::<i64>().map(f).unwrap_or_else(|_| format!("{v:?}"))
    }

    fn atom(&self, a: &Atom) -> String {
        match a {
            Atom::Uuid(u) => self
                .labels
                .get(u)
                .cloned()
                .unwrap_or_else(|| "dangling".into()),
            Atom::String(s) => match Uuid::parse(s) {
                Some(u) => format!(
                    "uuid:{}",
                    self.labels.get(&u).map(String::as_str).unwrap_or("unknown")
                ),
                None => format!("{s:?}"),
            },
            Atom::Integer(i) => i.to_string(),
            Atom::Real(r) => r.to_string(),
            Atom::Boolean(b) => b.to_string(),
        }
    }

    /// A datum; map values under key `key` rendered by `special` if it says so.
    fn datum(&self, d: &Datum, special: &dyn Fn(&str, &Atom) -> Option<String>) -> String {
        let mut items: Vec<String> = match &d.values {
            Some(_) => d
                .pairs()
                .map(|(k, v)| {
                    let vs = k
                        .as_str()
                        .and_then(|ks| special(ks, v))
                        .unwrap_or_else(|| self.atom(v));
                    format!("{}={vs}", self.atom(k))
                })
                .collect(),
            None => d.keys.iter().map(|a| self.atom(a)).collect(),
        };
        items.sort();
        if d.values.is_none() && items.len() == 1 {
            return items.pop().unwrap();
        }
        format!("[{}]", items.join(", "))
    }
}

/// The rows of a lab that ovn-ic reads or writes, rendered: per `"<db> <table>"` the
/// sorted rendered rows (duplicates kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub tables: BTreeMap<String, Vec<String>>,
}

impl Snapshot {
    fn of(dbs: &[(DbKind, String, Database)]) -> Snapshot {
        let mut labels = HashMap::new();
        for (kind, zone, db) in dbs {
            for (t, rows) in &db.tables {
                for (u, r) in rows {
                    labels.insert(*u, row_label(*kind, zone, db, t, r));
                }
            }
        }
        let mut dp_keys: HashMap<i64, Vec<String>> = HashMap::new();
        let mut port_keys: HashMap<(String, i64), Vec<String>> = HashMap::new();
        for (kind, _, db) in dbs {
            if *kind != DbKind::IcSb {
                continue;
            }
            for r in db.table("Datapath_Binding").values() {
                let k = db.get("Datapath_Binding", r, "tunnel_key").as_int();
                let ts = str_col(db, "Datapath_Binding", r, "transit_switch");
                dp_keys.entry(k.unwrap_or(0)).or_default().push(ts);
            }
            for r in db.table("Port_Binding").values() {
                let k = db.get("Port_Binding", r, "tunnel_key").as_int();
                let ts = str_col(db, "Port_Binding", r, "transit_switch");
                let lp = str_col(db, "Port_Binding", r, "logical_port");
                port_keys.entry((ts, k.unwrap_or(0))).or_default().push(lp);
            }
        }
        for v in dp_keys.values_mut().chain(port_keys.values_mut()) {
            v.sort();
        }
        let ctx = Ctx {
            labels,
            dp_keys,
            port_keys,
        };
        let mut tables = BTreeMap::new();
        for (kind, zone, db) in dbs {
            let db_name = match kind {
                DbKind::IcNb => "ic-nb".to_string(),
                DbKind::IcSb => "ic-sb".to_string(),
                DbKind::Nb => format!("{zone} nb"),
                DbKind::Sb => format!("{zone} sb"),
            };
            for (table, cols) in dumped(*kind) {
                let mut rows: Vec<String> = db
                    .table(table)
                    .values()
                    .map(|r| render_row(&ctx, *kind, db, table, r, cols))
                    .collect();
                rows.sort();
                tables.insert(format!("{db_name} {table}"), rows);
            }
        }
        Snapshot { tables }
    }

    /// The rows of `"<db> <table>"` (e.g. `"ic-sb Route"`, `"east nb Logical_Switch"`).
    pub fn rows(&self, table: &str) -> &[String] {
        self.tables
            .get(table)
            .map(Vec::as_slice)
            .unwrap_or_else(|| panic!("no table {table} in the snapshot"))
    }

    /// The whole snapshot as text.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (t, rows) in &self.tables {
            s.push_str(&format!("{t}: {} rows\n", rows.len()));
            for r in rows {
                s.push_str(&format!("    {r}\n"));
            }
        }
        s
    }
}

/// The transit switch a switch stands for, if it is one (`other_config:interconn-ts`).
fn ts_of_switch(db: &Database, ls: &Row) -> Option<String> {
    map_get(db, "Logical_Switch", ls, "other_config", "interconn-ts")
}

fn render_row(
    ctx: &Ctx,
    kind: DbKind,
    db: &Database,
    table: &str,
    row: &Row,
    cols: &Cols,
) -> String {
    let all: BTreeSet<&String> = db.schema.tables[table].keys().collect();
    let chosen: Vec<&str> = match cols {
        Cols::All => all.iter().map(|s| s.as_str()).collect(),
        Cols::Only(c) => c.to_vec(),
        Cols::AllBut(skip) => all
            .iter()
            .map(|s| s.as_str())
            .filter(|c| !skip.contains(c))
            .collect(),
    };
    // The transit switch this row's interconnection keys belong to.
    let ts: Option<String> = match (kind, table) {
        (DbKind::IcSb, _) if db.schema.column(table, "transit_switch").is_some() => {
            Some(str_col(db, table, row, "transit_switch"))
        }
        (DbKind::Nb, "Logical_Switch") => ts_of_switch(db, row),
        (DbKind::Nb, "Logical_Switch_Port") => db
            .table("Logical_Switch")
            .values()
            .find(|ls| {
                db.get("Logical_Switch", ls, "ports")
                    .uuids()
                    .iter()
                    .any(|u| {
                        db.table(table)
                            .get(u)
                            .is_some_and(|r| std::ptr::eq(&**r, row))
                    })
            })
            .and_then(|ls| ts_of_switch(db, ls)),
        (DbKind::Sb, "Datapath_Binding") => map_get(db, table, row, "external_ids", "interconn-ts"),
        (DbKind::Sb, "Port_Binding") => db
            .get(table, row, "datapath")
            .as_uuid()
            .and_then(|u| db.table("Datapath_Binding").get(&u))
            .and_then(|dp| map_get(db, "Datapath_Binding", dp, "external_ids", "interconn-ts")),
        _ => None,
    };
    let none = |_: &str, _: &Atom| None;
    chosen
        .into_iter()
        .map(|c| {
            let d = db.get(table, row, c);
            let v = match (kind, table, c, &ts) {
                (DbKind::IcSb, "Datapath_Binding", "tunnel_key", _) => {
                    ctx.dp_key(d.as_int().unwrap_or(0))
                }
                (DbKind::Sb, "Datapath_Binding", "tunnel_key", Some(_)) => {
                    ctx.dp_key(d.as_int().unwrap_or(0))
                }
                // A zone's own datapaths are numbered by its northd, in the order it saw
                // them: a transit switch ovn-ic copies into NB before its key is bound
                // takes a local key for a while, earlier or later than the zone's router
                // depending on timing, with either ovn-ic.
                (DbKind::Sb, "Datapath_Binding", "tunnel_key", None) => "local".to_string(),
                // Likewise a router's ports: created by nbctl calls without a wait, they
                // reach northd in one round or two, and the C northd numbers the ports of
                // one round in its hash-map order.
                (DbKind::Sb, "Port_Binding", "tunnel_key", None) => "local".to_string(),
                (DbKind::IcSb, "Port_Binding", "tunnel_key", Some(ts))
                | (DbKind::Sb, "Port_Binding", "tunnel_key", Some(ts)) => {
                    ctx.port_key(ts, d.as_int().unwrap_or(0))
                }
                (DbKind::Nb, "Logical_Switch", "other_config", Some(_)) => {
                    ctx.datum(&d, &|k, v| {
                        (k == "requested-tnl-key")
                            .then(|| ctx.key_str(v.as_str().unwrap_or(""), |n| ctx.dp_key(n)))
                    })
                }
                (DbKind::Nb, "NB_Global", "options", _) => ctx.datum(&d, &|k, _| {
                    // Random per northd run.
                    ["mac_prefix", "svc_monitor_mac"]
                        .contains(&k)
                        .then(|| "masked".to_string())
                }),
                (DbKind::Nb, "Logical_Switch_Port", "options", Some(ts))
                | (DbKind::Sb, "Port_Binding", "options", Some(ts)) => ctx.datum(&d, &|k, v| {
                    (k == "requested-tnl-key")
                        .then(|| ctx.key_str(v.as_str().unwrap_or(""), |n| ctx.port_key(ts, n)))
                }),
                _ => ctx.datum(&d, &none),
            };
            format!("{c}={v}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts that two snapshots hold the same rows, showing per table the rows only one
/// of them has.
pub fn assert_same(a: &Snapshot, b: &Snapshot, what: &str, name_a: &str, name_b: &str) {
    if a == b {
        return;
    }
    let mut msg = String::new();
    let keys: BTreeSet<&String> = a.tables.keys().chain(b.tables.keys()).collect();
    for t in keys {
        let ra = a.tables.get(t).cloned().unwrap_or_default();
        let rb = b.tables.get(t).cloned().unwrap_or_default();
        if ra == rb {
            continue;
        }
        msg.push_str(&format!("{t}:\n"));
        for r in multiset_minus(&ra, &rb) {
            msg.push_str(&format!("  only in {name_a}: {r}\n"));
        }
        for r in multiset_minus(&rb, &ra) {
            msg.push_str(&format!("  only in {name_b}: {r}\n"));
        }
    }
    panic!("{what}: the databases differ\n{msg}");
}

/// The elements of sorted `a` not matched by an element of sorted `b`.
fn multiset_minus<'a>(a: &'a [String], b: &[String]) -> Vec<&'a String> {
    let mut left: HashMap<&String, usize> = HashMap::new();
    for x in b {
        *left.entry(x).or_default() += 1;
    }
    a.iter()
        .filter(|x| match left.get_mut(x) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

/// Waits until both labs are quiet and asserts they hold the same rows.
pub fn assert_same_rows(a: &IcLab, b: &IcLab, what: &str) {
    let sa = a.settled_snapshot();
    let sb = b.settled_snapshot();
    assert_same(&sa, &sb, what, "the first lab", "the second lab");
}

// ---------------------------------------------------------------------------------------
// `show` texts.

/// One line of a `show` output with the lines indented below it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShowNode {
    pub line: String,
    pub children: Vec<ShowNode>,
}

/// Replaces every UUID in `s` by `<uuid>`.
pub fn mask_uuids(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 36 <= chars.len() {
            let cand: String = chars[i..i + 36].iter().collect();
            if Uuid::parse(&cand).is_some() {
                out.push_str("<uuid>");
                i += 36;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A `show` text as a tree by indentation, UUIDs masked, siblings sorted: two outputs
/// that differ only in UUIDs and row order give equal trees.
pub fn show_tree(text: &str) -> Vec<ShowNode> {
    fn build(lines: &[(usize, String)], i: &mut usize, indent: usize) -> Vec<ShowNode> {
        let mut out = Vec::new();
        while *i < lines.len() && lines[*i].0 >= indent {
            let (ind, line) = lines[*i].clone();
            *i += 1;
            let children = build(lines, i, ind + 1);
            out.push(ShowNode { line, children });
        }
        out.sort();
        out
    }
    let lines: Vec<(usize, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let ind = l.len() - l.trim_start().len();
            (ind, mask_uuids(l.trim()))
        })
        .collect();
    let mut i = 0;
    build(&lines, &mut i, 0)
}

fn show_text(nodes: &[ShowNode], depth: usize, out: &mut String) {
    for n in nodes {
        out.push_str(&format!("{}{}\n", "    ".repeat(depth), n.line));
        show_text(&n.children, depth + 1, out);
    }
}

/// Whether every node of `want` is in `have` (recursively: a node matches one with the
/// same line whose children include the wanted children).
pub fn show_includes(have: &[ShowNode], want: &[ShowNode]) -> bool {
    want.iter().all(|w| {
        have.iter()
            .any(|h| h.line == w.line && show_includes(&h.children, &w.children))
    })
}

/// Asserts `actual` equals `expected` up to UUIDs and ordering.
pub fn assert_show_eq(expected: &str, actual: &str, what: &str) {
    let (e, a) = (show_tree(expected), show_tree(actual));
    if e != a {
        let (mut es, mut as_) = (String::new(), String::new());
        show_text(&e, 0, &mut es);
        show_text(&a, 0, &mut as_);
        panic!("{what}: differs (UUIDs masked, sorted)\n--- expected:\n{es}--- actual:\n{as_}");
    }
}

/// Asserts `actual` holds everything `expected` shows, up to UUIDs and ordering (it may
/// show more rows).
pub fn assert_show_includes(expected: &str, actual: &str, what: &str) {
    let (e, a) = (show_tree(expected), show_tree(actual));
    if !show_includes(&a, &e) {
        let (mut es, mut as_) = (String::new(), String::new());
        show_text(&e, 0, &mut es);
        show_text(&a, 0, &mut as_);
        panic!("{what}: does not include the expected rows\n--- expected:\n{es}--- actual:\n{as_}");
    }
}

// ---------------------------------------------------------------------------------------
// The seed scenario: zones east and west, transit switch ts1.

/// `ovn-nbctl show` in zone east, from the seed.
pub const SEED_EAST_NB_SHOW: &str = r#"switch c850599c-263c-431b-b67f-13f4eab7a2d1 (ts1)
    port lsp-ts1-router_west
        type: remote
        addresses: ["aa:aa:aa:aa:aa:02 169.254.100.2/24"]
    port lsp-ts1-router_east
        type: router
        router-port: lrp-router_east-ts1
switch 8361d0e1-b23e-40a6-bd78-ea79b5717d7b (net_east)
    port net_east-router_east
        type: router
        router-port: router_east-net_east
    port vm1
        addresses: ["40:44:00:00:00:01 192.168.1.11"]
router b27d180d-669c-4ca8-ac95-82a822da2730 (router_east)
    port lrp-router_east-ts1
        mac: "aa:aa:aa:aa:aa:01"
        networks: ["169.254.100.1/24"]
        gateway chassis: [gw_east]
    port router_east-net_east
        mac: "40:44:00:00:00:04"
        networks: ["192.168.1.1/24"]
"#;

/// `ovn-sbctl show` in zone east, from the seed (its encap IPs are `SEED_IPS`).
pub const SEED_EAST_SB_SHOW: &str = r#"Chassis worker_east
    hostname: worker-east
    Encap geneve
        ip: "192.168.50.100"
        options: {csum="true"}
    Port_Binding vm1
Chassis gw_east
    hostname: gw-east
    Encap geneve
        ip: "192.168.50.102"
        options: {csum="true"}
    Port_Binding cr-lrp-router_east-ts1
Chassis gw_west
    hostname: gw-west
    Encap geneve
        ip: "192.168.50.103"
        options: {csum="true"}
    Port_Binding lsp-ts1-router_west
"#;

/// `ovn-ic-nbctl show`, from the seed.
pub const SEED_IC_NB_SHOW: &str = "Transit_Switch ts1\n";

/// `ovn-ic-sbctl show`, from the seed.
pub const SEED_IC_SB_SHOW: &str = r#"availability-zone east
    gateway gw_east
        hostname: gw-east
        type: geneve
            ip: 192.168.50.102
        port lsp-ts1-router_east
            transit switch: ts1
            address: ["aa:aa:aa:aa:aa:01 169.254.100.1/24"]
availability-zone west
    gateway gw_west
        hostname: gw-west
        type: geneve
            ip: 192.168.50.103
        port lsp-ts1-router_west
            transit switch: ts1
            address: ["aa:aa:aa:aa:aa:02 169.254.100.2/24"]
"#;

/// The seed's ovn-trace of vm1's ping to vm2, run in zone east.
pub const SEED_TRACE: &[&str] = &[
    "--ovs",
    "--friendly-names",
    "--ct=new",
    "net_east",
    "inport == \"vm1\" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:04 && \
     ip4.src == 192.168.1.11 && ip4.dst == 192.168.2.12 && ip.ttl == 64 && icmp4.type == 8",
];

/// The seed's chassis: (name, hostname, zone, gateway?). The seed gives encap IPs
/// 192.168.50.100 (worker_east), .102 (gw_east) and .103 (gw_west); worker_west's is
/// not shown there.
pub const SEED_CHASSIS: &[(&str, &str, &str, bool)] = &[
    ("worker_east", "worker-east", "east", false),
    ("gw_east", "gw-east", "east", true),
    ("gw_west", "gw-west", "west", true),
    ("worker_west", "worker-west", "west", false),
];

/// The seed's encap IPs (in `SEED_CHASSIS` order), for control-plane tests: data only.
pub const SEED_IPS: [&str; 4] = [
    "192.168.50.100",
    "192.168.50.102",
    "192.168.50.103",
    "192.168.50.101",
];

/// Per zone of the seed: (zone, router, switch, TS router port MAC, TS address,
/// LAN router port, LAN MAC, LAN network, VM, VM address, gateway chassis).
pub struct SeedSide {
    pub zone: &'static str,
    pub router: &'static str,
    pub switch: &'static str,
    pub ts_mac: &'static str,
    pub ts_net: &'static str,
    pub lan_mac: &'static str,
    pub lan_net: &'static str,
    pub vm: &'static str,
    pub vm_mac: &'static str,
    pub vm_ip: &'static str,
    pub gateway: &'static str,
}

pub const SEED_SIDES: [SeedSide; 2] = [
    SeedSide {
        zone: "east",
        router: "router_east",
        switch: "net_east",
        ts_mac: "aa:aa:aa:aa:aa:01",
        ts_net: "169.254.100.1/24",
        lan_mac: "40:44:00:00:00:04",
        lan_net: "192.168.1.1/24",
        vm: "vm1",
        vm_mac: "40:44:00:00:00:01",
        vm_ip: "192.168.1.11",
        gateway: "gw_east",
    },
    SeedSide {
        zone: "west",
        router: "router_west",
        switch: "net_west",
        ts_mac: "aa:aa:aa:aa:aa:02",
        ts_net: "169.254.100.2/24",
        lan_mac: "40:44:00:00:00:10",
        lan_net: "192.168.2.1/24",
        vm: "vm2",
        vm_mac: "40:44:00:00:00:02",
        vm_ip: "192.168.2.12",
        gateway: "gw_west",
    },
];

impl SeedSide {
    /// `lrp-<router>-ts1`, the router's port on the transit switch.
    pub fn ts_lrp(&self) -> String {
        format!("lrp-{}-ts1", self.router)
    }
    /// `lsp-ts1-<router>`, the transit switch's port to the router.
    pub fn ts_lsp(&self) -> String {
        format!("lsp-ts1-{}", self.router)
    }
    /// `<router>-<switch>`, the router's LAN port.
    pub fn lan_lrp(&self) -> String {
        format!("{}-{}", self.router, self.switch)
    }
    /// `<switch>-<router>`, the LAN switch's router port.
    pub fn lan_lsp(&self) -> String {
        format!("{}-{}", self.switch, self.router)
    }
}

/// The seed's logical configuration, as ovn-nbctl / ovn-ic-nbctl commands: ts1 in IC-NB,
/// route advertisement and learning on, and per zone the router with its LAN and
/// transit-switch ports (the latter a distributed gateway port on the zone's gateway),
/// the LAN switch with the VM, and the transit switch's router port (once ovn-ic has
/// created ts1 in that zone's NB). Needs zones east and west.
pub fn seed_logical(lab: &IcLab) {
    lab.ic_nbctl(&["ts-add", "ts1"]);
    for s in &SEED_SIDES {
        let z = lab.zone(s.zone);
        z.set_options(&[("ic-route-adv", "true"), ("ic-route-learn", "true")]);
        let (lan_lrp, lan_lsp, ts_lrp, ts_lsp) = (s.lan_lrp(), s.lan_lsp(), s.ts_lrp(), s.ts_lsp());
        let vm_addr = format!("{} {}", s.vm_mac, s.vm_ip);
        z.nbctl(&["ls-add", s.switch]);
        z.nbctl(&["lsp-add", s.switch, s.vm]);
        z.nbctl(&["lsp-set-addresses", s.vm, &vm_addr]);
        z.nbctl(&["lr-add", s.router]);
        z.nbctl(&["lrp-add", s.router, &lan_lrp, s.lan_mac, s.lan_net]);
        z.nbctl(&["lsp-add", s.switch, &lan_lsp]);
        z.nbctl(&["lsp-set-type", &lan_lsp, "router"]);
        z.nbctl(&["lsp-set-addresses", &lan_lsp, "router"]);
        z.nbctl(&[
            "lsp-set-options",
            &lan_lsp,
            &format!("router-port={lan_lrp}"),
        ]);
        z.nbctl(&["lrp-add", s.router, &ts_lrp, s.ts_mac, s.ts_net]);
        z.nbctl(&["lrp-set-gateway-chassis", &ts_lrp, s.gateway]);
        z.wait_ls("ts1");
        // One transaction, as ovn-architecture(7) ("Interconnection") does it: the C
        // ovn-ic gives a transit-switch port a new IC-SB binding, with a new tunnel key,
        // each time it sees the port without `router-port` after having bound it, and
        // ovn-controller 23.03.1 keeps the flows of the old key.
        z.nbctl(&[
            "lsp-add",
            "ts1",
            &ts_lsp,
            "--",
            "lsp-set-addresses",
            &ts_lsp,
            "router",
            "--",
            "lsp-set-type",
            &ts_lsp,
            "router",
            "--",
            "lsp-set-options",
            &ts_lsp,
            &format!("router-port={ts_lrp}"),
        ]);
    }
}

/// The seed's chassis without ovn-controller (control-plane tests): `SEED_CHASSIS` at
/// `SEED_IPS`, and the bindings ovn-controller would make: each VM on its zone's worker,
/// each `cr-` port of a transit-switch router port on its gateway.
pub fn seed_fake_chassis(lab: &IcLab) {
    for ((name, host, zone, gw), ip) in SEED_CHASSIS.iter().zip(SEED_IPS) {
        lab.zone(zone).fake_chassis(name, host, "geneve", ip, *gw);
    }
}

/// Binds the seed's ports on the fake chassis (after `seed_logical`).
pub fn seed_fake_bindings(lab: &IcLab) {
    for s in &SEED_SIDES {
        let z = lab.zone(s.zone);
        let worker = if s.zone == "east" {
            "worker_east"
        } else {
            "worker_west"
        };
        z.bind(s.vm, worker);
        z.bind(&format!("cr-{}", s.ts_lrp()), s.gateway);
    }
}

/// The whole seed control plane on fake chassis: zones east and west must exist.
pub fn seed_on_fake_chassis(lab: &IcLab) {
    seed_fake_chassis(lab);
    seed_logical(lab);
    seed_fake_bindings(lab);
}

/// Waits until `zone`'s router `lr` has a learned route `prefix` via `nexthop`
/// (`ovn-nbctl lr-route-list`).
pub fn wait_learned(z: &Zone, lr: &str, prefix: &str, nexthop: &str) {
    eventually(
        &format!("{}: {lr} learns {prefix} via {nexthop}", z.name),
        30,
        || {
            let list = z.nbctl(&["lr-route-list", lr]);
            let hit = list.lines().any(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.len() >= 4 && w[0] == prefix && w[1] == nexthop && l.contains("(learned)")
            });
            if hit { Ok(()) } else { Err(list) }
        },
    );
}

/// Waits until `f` holds for the text `read` returns, at most `secs`.
pub fn wait_text(what: &str, secs: u64, read: impl Fn() -> String, f: impl Fn(&str) -> bool) {
    eventually(what, secs, || {
        let t = read();
        if f(&t) { Ok(()) } else { Err(t) }
    });
}

/// Waits until `read()` shows the same as `expected` up to UUIDs and ordering, then
/// asserts it (with both texts on failure).
pub fn wait_show(what: &str, expected: &str, read: impl Fn() -> String) {
    let want = show_tree(expected);
    wait_text(what, 30, &read, |t| show_tree(t) == want);
    assert_show_eq(expected, &read(), what);
}

/// The seed's control-plane checks on a lab built with `seed_on_fake_chassis`:
/// `ovn-ic-sbctl show` and `ovn-ic-nbctl show` are the seed's texts, east's
/// `ovn-nbctl show` and `ovn-sbctl show` the seed's up to UUIDs and ordering, each
/// router learns the other's LAN, and the seed's ovn-trace leaves ts1 for west's port.
pub fn check_seed_control_plane(lab: &IcLab, who: &str) {
    let (east, west) = (lab.zone("east"), lab.zone("west"));
    // The IC databases: the transit switch, and per AZ its gateway with the port bound
    // to it (`ovn-ic-sbctl show` sorts everything, so the text is exact).
    wait_text(
        &format!("{who}: ovn-ic-sbctl show is the seed's"),
        30,
        || lab.ic_sbctl(&["show"]),
        |t| t == SEED_IC_SB_SHOW,
    );
    assert_eq!(lab.ic_nbctl(&["show"]), SEED_IC_NB_SHOW, "{who}");

    // East's NB: ts1 created by ovn-ic, with west's router port as a remote port.
    wait_show(
        &format!("{who}: east: ovn-nbctl show"),
        SEED_EAST_NB_SHOW,
        || east.nbctl(&["show"]),
    );
    // East's SB: west's gateway as a remote chassis, west's port bound to it.
    wait_show(
        &format!("{who}: east: ovn-sbctl show"),
        SEED_EAST_SB_SHOW,
        || east.sbctl(&["show"]),
    );

    // Each router learns the other's LAN through the other's transit-switch address.
    wait_learned(east, "router_east", "192.168.2.0/24", "169.254.100.2");
    wait_learned(west, "router_west", "192.168.1.0/24", "169.254.100.1");
    assert_eq!(
        east.nbctl(&["lr-route-list", "router_east"]),
        "IPv4 Routes\nRoute Table <main>:\n           192.168.2.0/24             \
         169.254.100.2 dst-ip (learned)\n",
        "{who}"
    );

    // ovn-trace: vm1's ping crosses router_east onto ts1 and leaves for west's port.
    east.sync();
    let trace = east.trace(SEED_TRACE);
    for want in [
        "ingress(dp=\"net_east\", inport=\"vm1\")",
        "egress(dp=\"router_east\", inport=\"router_east-net_east\", \
         outport=\"lrp-router_east-ts1\")",
        "ingress(dp=\"ts1\", inport=\"lsp-ts1-router_east\")",
        "egress(dp=\"ts1\", inport=\"lsp-ts1-router_east\", outport=\"lsp-ts1-router_west\")",
        "/* output to \"lsp-ts1-router_west\", type \"remote\" */",
    ] {
        assert!(
            trace.contains(want),
            "{who}: ovn-trace lacks {want}:\n{trace}"
        );
    }
}
