//! OVS-style logging (`lib/vlog.c`): modules with a level per destination (console, syslog,
//! file), `-v`/`vlog/set` specs, patterns, the log file with `vlog/reopen`, and a `tracing`
//! layer so that `tracing::info!(target: "northd", ...)` comes out as
//! `2026-11-25T15:30:00.123Z|00001|northd|INFO|...`.
//!
//! A tracing target names its module: a target that is an OVS module name (`northd`,
//! `jsonrpc`, `reconnect`, ...) is that module; any other target is the last `::` segment
//! of it (`ovn_dd::driver` logs as `driver`). Modules seen for the first time get the levels
//! last set for all modules. tracing's ERROR/WARN/INFO map to ERR/WARN/INFO, DEBUG and TRACE
//! to DBG; EMER is only used for fatal errors ([`fatal`]). Messages are not rate limited.

use std::collections::HashMap;
use std::ffi::CString;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::unixctl::Commands;

/// Log levels, least to most verbose (OVS `enum vlog_level`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Off,
    Emer,
    Err,
    Warn,
    Info,
    Dbg,
}

const LEVELS: [Level; 6] = [
    Level::Off,
    Level::Emer,
    Level::Err,
    Level::Warn,
    Level::Info,
    Level::Dbg,
];

impl Level {
    pub fn name(self) -> &'static str {
        ["OFF", "EMER", "ERR", "WARN", "INFO", "DBG"][self as usize]
    }
    pub fn from_name(s: &str) -> Option<Level> {
        LEVELS
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s))
    }
    /// The syslog priority OVS gives the level.
    fn syslog_priority(self) -> i32 {
        match self {
            Level::Off | Level::Emer => libc::LOG_ALERT,
            Level::Err => libc::LOG_ERR,
            Level::Warn => libc::LOG_WARNING,
            Level::Info => libc::LOG_NOTICE,
            Level::Dbg => libc::LOG_DEBUG,
        }
    }
    fn from_tracing(l: &tracing::Level) -> Level {
        match *l {
            tracing::Level::ERROR => Level::Err,
            tracing::Level::WARN => Level::Warn,
            tracing::Level::INFO => Level::Info,
            _ => Level::Dbg,
        }
    }
    fn to_filter(self) -> LevelFilter {
        match self {
            Level::Off => LevelFilter::OFF,
            Level::Emer | Level::Err => LevelFilter::ERROR,
            Level::Warn => LevelFilter::WARN,
            Level::Info => LevelFilter::INFO,
            Level::Dbg => LevelFilter::TRACE,
        }
    }
}

/// Log destinations, in OVS's order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Destination {
    Syslog,
    Console,
    File,
}

const DESTINATIONS: [Destination; 3] =
    [Destination::Syslog, Destination::Console, Destination::File];

impl Destination {
    pub fn name(self) -> &'static str {
        ["SYSLOG", "CONSOLE", "FILE"][self as usize]
    }
    pub fn from_name(s: &str) -> Option<Destination> {
        DESTINATIONS
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
    }
    fn default_pattern(self) -> &'static str {
        match self {
            Destination::Syslog => "ovs|%05N|%c%T|%p|%m",
            Destination::Console => "%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m",
            Destination::File => "%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m",
        }
    }
}

/// The modules ovn-northd 23.03.1 lists in `vlog/list`: `-v` and `vlog/set` accept them all,
/// so command lines and scripts written for ovn-northd keep working.
pub const OVN_NORTHD_MODULES: &[&str] = &[
    "backtrace",
    "bundle",
    "command_line",
    "conntrack",
    "conntrack_tp",
    "coverage",
    "ct_dpif",
    "daemon",
    "daemon_unix",
    "debug",
    "dns_resolve",
    "dpdk",
    "dpif",
    "dpif_lookup_autovalidator",
    "dpif_lookup_generic",
    "dpif_mfex_extract_study",
    "dpif_netdev",
    "dpif_netdev_extract",
    "dpif_netdev_impl",
    "dpif_netdev_lookup",
    "dpif_netlink",
    "dpif_netlink_rtnl",
    "en_lflow",
    "en_northd",
    "en_sync_to_sb",
    "entropy",
    "expr",
    "fatal_signal",
    "flow",
    "hmap",
    "inc_proc_eng",
    "inc_proc_northd",
    "ipam",
    "ipf",
    "jsonrpc",
    "lb",
    "lockfile",
    "mac_binding_aging",
    "memory",
    "memory_trim",
    "meta_flow",
    "native_tnl",
    "netdev",
    "netdev_linux",
    "netdev_offload",
    "netdev_offload_tc",
    "netdev_vport",
    "netlink",
    "netlink_conntrack",
    "netlink_notifier",
    "netlink_socket",
    "northd",
    "nx_match",
    "odp_execute",
    "odp_execute_impl",
    "odp_util",
    "ofp_actions",
    "ofp_bundle",
    "ofp_connection",
    "ofp_errors",
    "ofp_flow",
    "ofp_group",
    "ofp_match",
    "ofp_meter",
    "ofp_monitor",
    "ofp_msgs",
    "ofp_packet",
    "ofp_port",
    "ofp_protocol",
    "ofp_queue",
    "ofp_table",
    "ofp_util",
    "ovn_northd",
    "ovn_parallel_hmap",
    "ovn_util",
    "ovs_numa",
    "ovs_rcu",
    "ovs_replay",
    "ovs_router",
    "ovs_thread",
    "ovsdb_cs",
    "ovsdb_error",
    "ovsdb_idl",
    "ox_stat",
    "pmd_perf",
    "poll_loop",
    "process",
    "reconnect",
    "route_table",
    "sha1",
    "signals",
    "socket_util",
    "socket_util_unix",
    "stopwatch",
    "stream",
    "stream_fd",
    "stream_replay",
    "stream_ssl",
    "stream_tcp",
    "stream_unix",
    "svec",
    "tc",
    "timeval",
    "unixctl",
    "userspace_tso",
    "util",
    "uuid",
    "vlog",
];

/// The modules ovn-ic 23.03.1 lists in `vlog/list` (ovn-northd's OVS library modules, less
/// the northd ones, plus `ovn_ic`).
pub const OVN_IC_MODULES: &[&str] = &[
    "backtrace",
    "bundle",
    "command_line",
    "conntrack",
    "conntrack_tp",
    "coverage",
    "ct_dpif",
    "daemon",
    "daemon_unix",
    "dns_resolve",
    "dpdk",
    "dpif",
    "dpif_lookup_autovalidator",
    "dpif_lookup_generic",
    "dpif_mfex_extract_study",
    "dpif_netdev",
    "dpif_netdev_extract",
    "dpif_netdev_impl",
    "dpif_netdev_lookup",
    "dpif_netlink",
    "dpif_netlink_rtnl",
    "entropy",
    "fatal_signal",
    "flow",
    "hmap",
    "ipf",
    "jsonrpc",
    "lockfile",
    "memory",
    "meta_flow",
    "native_tnl",
    "netdev",
    "netdev_linux",
    "netdev_offload",
    "netdev_offload_tc",
    "netdev_vport",
    "netlink",
    "netlink_conntrack",
    "netlink_notifier",
    "netlink_socket",
    "nx_match",
    "odp_execute",
    "odp_execute_impl",
    "odp_util",
    "ofp_actions",
    "ofp_bundle",
    "ofp_connection",
    "ofp_errors",
    "ofp_flow",
    "ofp_group",
    "ofp_match",
    "ofp_meter",
    "ofp_monitor",
    "ofp_msgs",
    "ofp_packet",
    "ofp_port",
    "ofp_protocol",
    "ofp_queue",
    "ofp_table",
    "ofp_util",
    "ovn_ic",
    "ovn_util",
    "ovs_numa",
    "ovs_rcu",
    "ovs_replay",
    "ovs_router",
    "ovs_thread",
    "ovsdb_cs",
    "ovsdb_error",
    "ovsdb_idl",
    "ox_stat",
    "pmd_perf",
    "poll_loop",
    "process",
    "reconnect",
    "route_table",
    "sha1",
    "signals",
    "socket_util",
    "socket_util_unix",
    "stream",
    "stream_fd",
    "stream_replay",
    "stream_ssl",
    "stream_tcp",
    "stream_unix",
    "svec",
    "tc",
    "timeval",
    "unixctl",
    "userspace_tso",
    "util",
    "uuid",
    "vlog",
];

/// Whether `name` is one of ovn-northd's modules (case-insensitive): [`known_module`] over
/// [`OVN_NORTHD_MODULES`].
pub fn is_known_module(name: &str) -> Option<String> {
    known_module(OVN_NORTHD_MODULES, name)
}

/// The module of `modules` a spec may name before any logging happened (case-insensitive),
/// by its canonical name.
pub fn known_module(modules: &[&str], name: &str) -> Option<String> {
    modules
        .iter()
        .find(|m| m.eq_ignore_ascii_case(name))
        .map(|m| m.to_string())
}

/// One parsed `-v` / `vlog/set` spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// `PATTERN:destination:pattern` (`None` = ANY destination).
    Pattern(Option<Destination>, String),
    /// `FACILITY:name`: the syslog facility (a `LOG_*` value).
    Facility(i32),
    /// `[module][:destination][:level]`, each defaulting to all modules, all destinations, DBG.
    Levels(Option<String>, Option<Destination>, Level),
}

/// `strtok_r` with OVS's separators: the next token and what follows its delimiter.
fn next_token(s: &str) -> Option<(&str, &str)> {
    let is_sep = |c: char| " ,:\t".contains(c);
    let s = s.trim_start_matches(is_sep);
    if s.is_empty() {
        return None;
    }
    match s.find(is_sep) {
        Some(i) => Some((&s[..i], &s[i + 1..])),
        None => Some((s, "")),
    }
}

const FACILITIES: &[(&str, i32)] = &[
    ("kern", libc::LOG_KERN),
    ("user", libc::LOG_USER),
    ("mail", libc::LOG_MAIL),
    ("daemon", libc::LOG_DAEMON),
    ("auth", libc::LOG_AUTH),
    ("syslog", libc::LOG_SYSLOG),
    ("lpr", libc::LOG_LPR),
    ("news", libc::LOG_NEWS),
    ("uucp", libc::LOG_UUCP),
    ("clock", libc::LOG_CRON),
    ("ftp", libc::LOG_FTP),
    ("ntp", 12 << 3),
    ("audit", 13 << 3),
    ("alert", 14 << 3),
    ("clock2", 15 << 3),
    ("local0", libc::LOG_LOCAL0),
    ("local1", libc::LOG_LOCAL1),
    ("local2", libc::LOG_LOCAL2),
    ("local3", libc::LOG_LOCAL3),
    ("local4", libc::LOG_LOCAL4),
    ("local5", libc::LOG_LOCAL5),
    ("local6", libc::LOG_LOCAL6),
    ("local7", libc::LOG_LOCAL7),
];

/// Parses a spec as `vlog_set_levels_from_string` does, with the same error texts.
/// `module` resolves a module name (case-insensitive) to its canonical name.
pub fn parse_spec(s: &str, module: impl Fn(&str) -> Option<String>) -> Result<Spec, String> {
    let first = next_token(s);
    if let Some((w, rest)) = first
        && w.eq_ignore_ascii_case("PATTERN")
    {
        let Some((d, pattern)) = next_token(rest) else {
            return Err("missing destination".into());
        };
        let dest = if d.eq_ignore_ascii_case("ANY") {
            None
        } else {
            Some(Destination::from_name(d).ok_or_else(|| format!("unknown destination \"{d}\""))?)
        };
        return Ok(Spec::Pattern(dest, pattern.to_string()));
    }
    if let Some((w, rest)) = first
        && w.eq_ignore_ascii_case("FACILITY")
    {
        return FACILITIES
            .iter()
            .find(|f| f.0.eq_ignore_ascii_case(rest))
            .map(|f| Spec::Facility(f.1))
            .ok_or_else(|| "invalid facility".to_string());
    }
    let (mut m, mut d, mut l) = (None, None, None);
    let mut rest = s;
    while let Some((w, r)) = next_token(rest) {
        rest = r;
        if w.eq_ignore_ascii_case("ANY") {
            continue;
        } else if let Some(dest) = Destination::from_name(w) {
            if d.replace(dest).is_some() {
                return Err("cannot specify multiple destinations".into());
            }
        } else if let Some(level) = Level::from_name(w) {
            if l.replace(level).is_some() {
                return Err("cannot specify multiple levels".into());
            }
        } else if let Some(name) = module(w) {
            if m.replace(name).is_some() {
                return Err("cannot specify multiple modules".into());
            }
        } else {
            return Err(format!("no destination, level, or module \"{w}\""));
        }
    }
    Ok(Spec::Levels(m, d, l.unwrap_or(Level::Dbg)))
}

struct Module {
    name: String,
    levels: [Level; 3],
    honor_rate_limits: bool,
}

impl Module {
    fn min_level(&self, file_open: bool) -> Level {
        DESTINATIONS
            .into_iter()
            .filter(|d| file_open || *d != Destination::File)
            .map(|d| self.levels[d as usize])
            .max()
            .unwrap_or(Level::Off)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SyslogMethod {
    Null,
    Libc,
}

struct State {
    modules: Vec<Module>,
    /// Lower-case module name → index.
    by_name: HashMap<String, usize>,
    /// tracing target → module index.
    targets: HashMap<String, usize>,
    /// Levels for modules created from now on (the last all-modules setting).
    defaults: [Level; 3],
    patterns: [String; 3],
    log_file_name: Option<PathBuf>,
    log_file: Option<File>,
    facility: i32,
    syslog: SyslogMethod,
    subprogram: String,
}

impl State {
    fn module_index(&mut self, name: &str) -> usize {
        let key = name.to_ascii_lowercase();
        if let Some(&i) = self.by_name.get(&key) {
            return i;
        }
        self.modules.push(Module {
            name: name.to_string(),
            levels: self.defaults,
            honor_rate_limits: true,
        });
        self.by_name.insert(key, self.modules.len() - 1);
        self.modules.len() - 1
    }

    fn target_index(&mut self, target: &str) -> usize {
        if let Some(&i) = self.targets.get(target) {
            return i;
        }
        let name = if self.by_name.contains_key(&target.to_ascii_lowercase()) {
            target
        } else {
            target.rsplit("::").next().unwrap_or(target)
        };
        let i = self.module_index(name);
        self.targets.insert(target.to_string(), i);
        i
    }

    fn max_level(&self) -> Level {
        let open = self.log_file.is_some();
        let defaults = DESTINATIONS
            .into_iter()
            .filter(|d| open || *d != Destination::File)
            .map(|d| self.defaults[d as usize]);
        self.modules
            .iter()
            .map(|m| m.min_level(open))
            .chain(defaults)
            .max()
            .unwrap_or(Level::Off)
    }
}

/// The logging state of the process: modules, levels, patterns, the log file.
pub struct Vlog {
    program: String,
    state: RwLock<State>,
    msg_num: AtomicU32,
    start: Instant,
}

impl Vlog {
    /// A logger with ovn-northd's modules at INFO everywhere and the default patterns.
    pub fn new(program: &str) -> Vlog {
        Vlog::with_modules(program, OVN_NORTHD_MODULES)
    }

    /// A logger with `modules` (the C daemon's `vlog/list`) at INFO everywhere and the
    /// default patterns.
    pub fn with_modules(program: &str, modules: &[&str]) -> Vlog {
        let mut state = State {
            modules: Vec::new(),
            by_name: HashMap::new(),
            targets: HashMap::new(),
            defaults: [Level::Info; 3],
            patterns: DESTINATIONS.map(|d| d.default_pattern().to_string()),
            log_file_name: None,
            log_file: None,
            facility: 0,
            syslog: SyslogMethod::Libc,
            subprogram: String::new(),
        };
        for m in modules {
            state.module_index(m);
        }
        Vlog {
            program: program.to_string(),
            state: RwLock::new(state),
            msg_num: AtomicU32::new(0),
            start: Instant::now(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies one spec (`-v` argument or `vlog/set` word); errors are vlog.c's texts.
    pub fn set_from_string(&self, s: &str) -> Result<(), String> {
        let spec = {
            let st = self.read();
            parse_spec(s, |w| {
                st.by_name
                    .get(&w.to_ascii_lowercase())
                    .map(|&i| st.modules[i].name.clone())
            })?
        };
        self.apply(spec);
        Ok(())
    }

    fn apply(&self, spec: Spec) {
        {
            let mut st = self.write();
            match spec {
                Spec::Pattern(d, p) => {
                    for dest in DESTINATIONS {
                        if d.is_none_or(|d| d == dest) {
                            st.patterns[dest as usize] = p.clone();
                        }
                    }
                }
                Spec::Facility(f) => st.facility = f,
                Spec::Levels(m, d, level) => {
                    let idx = m.map(|m| st.module_index(&m));
                    for dest in DESTINATIONS {
                        if d.is_some_and(|d| d != dest) {
                            continue;
                        }
                        match idx {
                            Some(i) => st.modules[i].levels[dest as usize] = level,
                            None => {
                                st.defaults[dest as usize] = level;
                                for m in &mut st.modules {
                                    m.levels[dest as usize] = level;
                                }
                            }
                        }
                    }
                }
            }
        }
        levels_changed();
    }

    /// Sets every module on every destination to `level` (a bare `-v` or `vlog/set`).
    pub fn set_all(&self, level: Level) {
        self.apply(Spec::Levels(None, None, level));
    }

    /// Sets `module` (all when `None`) on `destination` (all when `None`) to `level`.
    pub fn set_levels(&self, module: Option<&str>, destination: Option<Destination>, level: Level) {
        self.apply(Spec::Levels(module.map(str::to_string), destination, level));
    }

    /// Chooses the syslog method (`--syslog-method`): `null` sends nothing; `libc` (the
    /// default) and the unsupported `unix:`/`udp:` methods use syslog(3).
    pub fn set_syslog_method(&self, method: &str) -> Result<(), String> {
        let m = match method {
            "null" => SyslogMethod::Null,
            "libc" => SyslogMethod::Libc,
            m if m.starts_with("udp:") || m.starts_with("unix:") => SyslogMethod::Libc,
            m => return Err(format!("unsupported syslog method '{m}'")),
        };
        self.write().syslog = m;
        Ok(())
    }

    /// Opens `path` as the log file (the `opened log file` message goes to it). On failure
    /// the current log file stays and the error is returned (after a warning).
    pub fn set_log_file(&self, path: &Path) -> std::io::Result<()> {
        let file = match OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o660)
            .open(path)
        {
            Ok(f) => f,
            Err(e) => {
                self.log(
                    "vlog",
                    Level::Warn,
                    &format!(
                        "failed to open {} for logging: {}",
                        path.display(),
                        strerror(&e)
                    ),
                );
                return Err(e);
            }
        };
        let same = {
            let st = self.read();
            match (&st.log_file, file.metadata()) {
                (Some(old), Ok(new)) => old
                    .metadata()
                    .is_ok_and(|old| old.dev() == new.dev() && old.ino() == new.ino()),
                _ => false,
            }
        };
        if same {
            self.write().log_file_name = Some(path.to_path_buf());
            return Ok(());
        }
        if self.read().log_file.is_some() {
            self.log("vlog", Level::Info, "closing log file");
        }
        {
            let mut st = self.write();
            st.log_file = Some(file);
            st.log_file_name = Some(path.to_path_buf());
        }
        levels_changed();
        self.log(
            "vlog",
            Level::Info,
            &format!("opened log file {}", path.display()),
        );
        Ok(())
    }

    /// The configured log file name, if any (kept by `vlog/close`).
    pub fn log_file_name(&self) -> Option<PathBuf> {
        self.read().log_file_name.clone()
    }

    /// Closes and reopens the log file by name (after log rotation).
    pub fn reopen(&self) -> Result<(), String> {
        match self.log_file_name() {
            Some(name) => self.set_log_file(&name).map_err(|e| strerror(&e)),
            None => Err("Logging to file not configured".into()),
        }
    }

    /// Closes the log file, keeping its name for a later `vlog/reopen`.
    pub fn close(&self) {
        self.write().log_file = None;
        levels_changed();
    }

    /// Names the calling (sub)process in `%T` (`(monitor)` in the monitor process).
    pub fn set_subprogram(&self, name: &str) {
        self.write().subprogram = name.to_string();
    }

    /// Whether a message of `level` for `module` would go anywhere.
    pub fn is_enabled(&self, module: &str, level: Level) -> bool {
        let st = self.read();
        let open = st.log_file.is_some();
        match st.by_name.get(&module.to_ascii_lowercase()) {
            Some(&i) => st.modules[i].min_level(open) >= level,
            None => st.defaults.iter().any(|l| *l >= level),
        }
    }

    /// Logs `msg` for `module` (created if new) at `level`.
    pub fn log(&self, module: &str, level: Level, msg: &str) {
        let i = {
            let st = self.read();
            st.by_name.get(&module.to_ascii_lowercase()).copied()
        };
        let i = i.unwrap_or_else(|| self.write().module_index(module));
        self.log_index(i, level, msg, &[]);
    }

    fn log_index(&self, i: usize, level: Level, msg: &str, skip: &[Destination]) {
        if level == Level::Off {
            return;
        }
        let st = self.read();
        let m = &st.modules[i];
        let on = |d: Destination| {
            m.levels[d as usize] >= level
                && !skip.contains(&d)
                && (d != Destination::File || st.log_file.is_some())
                && (d != Destination::Syslog || st.syslog != SyslogMethod::Null)
        };
        if !DESTINATIONS.into_iter().any(on) {
            return;
        }
        let ctx = FormatContext {
            program: &self.program,
            module: &m.name,
            level,
            msg,
            now: SystemTime::now(),
            msg_num: self.msg_num.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
            facility: st.facility,
            subprogram: &st.subprogram,
            uptime_ms: self.start.elapsed().as_millis(),
        };
        if on(Destination::Console) {
            let mut line = format_message(&st.patterns[Destination::Console as usize], &ctx);
            line.push('\n');
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
        if on(Destination::Syslog) {
            let text = format_message(&st.patterns[Destination::Syslog as usize], &ctx);
            let facility = if st.facility != 0 {
                st.facility
            } else {
                libc::LOG_DAEMON
            };
            for line in text.split('\n').filter(|l| !l.is_empty()) {
                if let Ok(c) = CString::new(line) {
                    // SAFETY: a constant "%s" format with one NUL-terminated string argument.
                    unsafe {
                        libc::syslog(
                            level.syslog_priority() | facility,
                            c"%s".as_ptr(),
                            c.as_ptr(),
                        )
                    };
                }
            }
        }
        if on(Destination::File)
            && let Some(mut f) = st.log_file.as_ref()
        {
            let mut line = format_message(&st.patterns[Destination::File as usize], &ctx);
            line.push('\n');
            let _ = f.write_all(line.as_bytes());
        }
    }

    /// `vlog/list`: each module's level per destination, sorted (vlog.c's layout).
    pub fn list(&self) -> String {
        let st = self.read();
        let mut lines: Vec<String> = st
            .modules
            .iter()
            .map(|m| {
                let mut line = format!(
                    "{:<16}  {:>4}       {:>4}       {:>4}",
                    m.name,
                    m.levels[Destination::Console as usize].name(),
                    m.levels[Destination::Syslog as usize].name(),
                    m.levels[Destination::File as usize].name()
                );
                if !m.honor_rate_limits {
                    line.push_str("    (rate limiting disabled)");
                }
                line.push('\n');
                line
            })
            .collect();
        lines.sort();
        let mut s = String::from(
            "                 console    syslog    file\n                 -------    ------    ------\n",
        );
        s.extend(lines);
        s
    }

    /// `vlog/list-pattern`.
    pub fn list_pattern(&self) -> String {
        let st = self.read();
        let mut s = String::from(
            "         prefix                            format\n         ------                            ------\n",
        );
        for d in DESTINATIONS {
            let prefix = match (d, st.syslog) {
                (Destination::Syslog, SyslogMethod::Libc) => "<%B> %D{%h %e %T} %E %A:",
                (Destination::Syslog, SyslogMethod::Null) => "",
                _ => "none",
            };
            let _ = writeln!(
                s,
                "{:<7}  {:<32}  {}",
                d.name(),
                prefix,
                st.patterns[d as usize]
            );
        }
        s
    }

    /// `vlog/enable-rate-limit` and `vlog/disable-rate-limit` (the flag is only displayed).
    fn set_rate_limits(&self, args: &[String], enable: bool) -> Result<(), String> {
        let mut st = self.write();
        if args.is_empty() || args.iter().any(|a| a.eq_ignore_ascii_case("ANY")) {
            for m in &mut st.modules {
                m.honor_rate_limits = enable;
            }
        }
        for a in args.iter().filter(|a| !a.eq_ignore_ascii_case("ANY")) {
            let i = *st
                .by_name
                .get(&a.to_ascii_lowercase())
                .ok_or("unknown module")?;
            st.modules[i].honor_rate_limits = enable;
        }
        Ok(())
    }

    /// Registers the `vlog/*` unixctl commands, answered inside the server.
    pub fn register_commands(self: &Arc<Self>, commands: &Commands) {
        let v = self.clone();
        commands.register_builtin(
            "vlog/set",
            "{spec | PATTERN:destination:pattern}",
            0,
            usize::MAX,
            move |args| {
                if args.is_empty() {
                    v.set_all(Level::Dbg);
                }
                for a in args {
                    v.set_from_string(a)?;
                }
                Ok(String::new())
            },
        );
        let v = self.clone();
        commands.register_builtin("vlog/list", "", 0, 0, move |_| Ok(v.list()));
        let v = self.clone();
        commands.register_builtin("vlog/list-pattern", "", 0, 0, move |_| Ok(v.list_pattern()));
        let v = self.clone();
        commands.register_builtin(
            "vlog/enable-rate-limit",
            "[module]...",
            0,
            usize::MAX,
            move |a| v.set_rate_limits(a, true).map(|()| String::new()),
        );
        let v = self.clone();
        commands.register_builtin(
            "vlog/disable-rate-limit",
            "[module]...",
            0,
            usize::MAX,
            move |a| v.set_rate_limits(a, false).map(|()| String::new()),
        );
        let v = self.clone();
        commands.register_builtin("vlog/reopen", "", 0, 0, move |_| {
            v.reopen().map(|()| String::new())
        });
        let v = self.clone();
        commands.register_builtin("vlog/close", "", 0, 0, move |_| {
            v.close();
            Ok(String::new())
        });
    }
}

/// The text of an OS error without Rust's ` (os error N)` suffix, as `strerror` gives it.
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Makes tracing re-ask the layer for its interest and maximum level.
fn levels_changed() {
    if GLOBAL.get().is_some() {
        tracing::callsite::rebuild_interest_cache();
    }
}

/// What a pattern can refer to.
struct FormatContext<'a> {
    program: &'a str,
    module: &'a str,
    level: Level,
    msg: &'a str,
    now: SystemTime,
    msg_num: u32,
    facility: i32,
    subprogram: &'a str,
    uptime_ms: u128,
}

/// `{...}` after a directive, or `def`.
fn braces<'a>(p: &'a str, def: &'a str) -> (&'a str, &'a str) {
    if let Some(rest) = p.strip_prefix('{') {
        match rest.find('}') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        }
    } else {
        (def, p)
    }
}

/// Expands an OVS log pattern (`format_log_message`): `%A %B %c %d %D %E %m %N %n %p %P %r
/// %t %T`, with `-` (left justify), `0` (zero pad) and a field width.
fn format_message(pattern: &str, ctx: &FormatContext) -> String {
    let mut s = String::new();
    let mut p = pattern;
    while let Some(c) = p.chars().next() {
        p = &p[c.len_utf8()..];
        if c != '%' {
            s.push(c);
            continue;
        }
        let mut left = false;
        let mut pad = ' ';
        if let Some(r) = p.strip_prefix('-') {
            left = true;
            p = r;
        }
        if let Some(r) = p.strip_prefix('0') {
            pad = '0';
            p = r;
        }
        let digits = p.len() - p.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let width: usize = p[..digits].parse().unwrap_or(0);
        p = &p[digits..];
        let Some(d) = p.chars().next() else { break };
        p = &p[d.len_utf8()..];
        let start = s.len();
        match d {
            'A' => s.push_str(ctx.program),
            'B' => {
                let f = if ctx.facility != 0 {
                    ctx.facility
                } else {
                    libc::LOG_LOCAL0
                };
                let _ = write!(s, "{}", f + ctx.level.syslog_priority());
            }
            'c' => {
                p = braces(p, "").1;
                s.push_str(ctx.module);
            }
            'd' | 'D' => {
                let (fmt, rest) = braces(p, "%Y-%m-%d %H:%M:%S.###");
                p = rest;
                s.push_str(&strftime_msec(fmt, ctx.now, d == 'D'));
            }
            'E' => s.push_str(&hostname()),
            'm' => s.push_str(ctx.msg.trim_end_matches('\n')),
            'N' => {
                let _ = write!(s, "{}", ctx.msg_num);
            }
            'n' => s.push('\n'),
            'p' => s.push_str(ctx.level.name()),
            'P' => {
                let _ = write!(s, "{}", std::process::id());
            }
            'r' => {
                let _ = write!(s, "{}", ctx.uptime_ms);
            }
            't' => s.push_str(if ctx.subprogram.is_empty() {
                "main"
            } else {
                ctx.subprogram
            }),
            'T' => {
                if !ctx.subprogram.is_empty() {
                    let _ = write!(s, "({})", ctx.subprogram);
                }
            }
            other => s.push(other),
        }
        let used = s[start..].chars().count();
        if used < width {
            let fill: String = std::iter::repeat_n(pad, width - used).collect();
            if left {
                s.push_str(&fill);
            } else {
                s.insert_str(start, &fill);
            }
        }
    }
    s
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname NUL-terminates unless it
    // truncates, and the last byte stays 0.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if r != 0 {
        return String::new();
    }
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// `strftime` for the directives log patterns use, in UTC (`utc`) or local time, then each
/// run of `#` replaced by the milliseconds (OVS `strftime_msec`).
fn strftime_msec(fmt: &str, now: SystemTime, utc: bool) -> String {
    let d = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as libc::time_t;
    let msec = d.subsec_millis();
    // SAFETY: `tm` is plain data filled in by gmtime_r/localtime_r from a valid time_t.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if utc {
            libc::gmtime_r(&secs, &mut tm);
        } else {
            libc::localtime_r(&secs, &mut tm);
        }
        tm
    };
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let wday = DAYS[tm.tm_wday.clamp(0, 6) as usize];
    let month = MONTHS[tm.tm_mon.clamp(0, 11) as usize];
    let mut s = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            s.push(c);
            continue;
        }
        let _ = match chars.next() {
            Some('Y') => write!(s, "{}", tm.tm_year + 1900),
            Some('y') => write!(s, "{:02}", (tm.tm_year + 1900) % 100),
            Some('m') => write!(s, "{:02}", tm.tm_mon + 1),
            Some('d') => write!(s, "{:02}", tm.tm_mday),
            Some('e') => write!(s, "{:2}", tm.tm_mday),
            Some('H') => write!(s, "{:02}", tm.tm_hour),
            Some('I') => write!(s, "{:02}", (tm.tm_hour + 11) % 12 + 1),
            Some('M') => write!(s, "{:02}", tm.tm_min),
            Some('S') => write!(s, "{:02}", tm.tm_sec),
            Some('j') => write!(s, "{:03}", tm.tm_yday + 1),
            Some('p') => write!(s, "{}", if tm.tm_hour < 12 { "AM" } else { "PM" }),
            Some('T') => write!(s, "{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec),
            Some('F') => write!(
                s,
                "{}-{:02}-{:02}",
                tm.tm_year + 1900,
                tm.tm_mon + 1,
                tm.tm_mday
            ),
            Some('a') => write!(s, "{}", &wday[..3]),
            Some('A') => write!(s, "{wday}"),
            Some('b') | Some('h') => write!(s, "{}", &month[..3]),
            Some('B') => write!(s, "{month}"),
            Some('s') => write!(s, "{secs}"),
            Some('z') => {
                let off = tm.tm_gmtoff / 60;
                let sign = if off < 0 { '-' } else { '+' };
                write!(s, "{sign}{:02}{:02}", off.abs() / 60, off.abs() % 60)
            }
            Some('Z') => {
                let zone = if tm.tm_zone.is_null() {
                    String::new()
                } else {
                    // SAFETY: a non-null tm_zone points to a NUL-terminated static string.
                    unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
                        .to_string_lossy()
                        .into_owned()
                };
                write!(s, "{zone}")
            }
            Some('n') => writeln!(s),
            Some('t') => write!(s, "\t"),
            Some('%') => write!(s, "%"),
            Some(o) => write!(s, "%{o}"),
            None => write!(s, "%"),
        };
    }
    let digits = format!("{msec:03}");
    let mut out = String::with_capacity(s.len());
    let mut run = 0;
    for c in s.chars() {
        if c == '#' {
            out.push(digits.as_bytes().get(run).map_or('0', |&b| b as char));
            run += 1;
        } else {
            run = 0;
            out.push(c);
        }
    }
    out
}

static GLOBAL: OnceLock<Arc<Vlog>> = OnceLock::new();

/// The process's logger, once [`init`] ran.
pub fn global() -> Option<&'static Arc<Vlog>> {
    GLOBAL.get()
}

/// Sets up the process's logger for `program` (with the C daemon's `modules`) with the
/// command line's logging options and installs it as the global tracing subscriber. Specs
/// apply in order, then the log file opens; an explicitly named log file that cannot be
/// opened is an error (the C daemons exit).
pub fn init(
    program: &str,
    modules: &[&str],
    opts: &super::cli::LogOptions,
) -> Result<Arc<Vlog>, String> {
    let v = Arc::new(Vlog::with_modules(program, modules));
    let installed = GLOBAL.set(v.clone()).is_ok();
    let v = GLOBAL.get().cloned().unwrap_or(v);
    if installed {
        let subscriber = tracing_subscriber::layer::SubscriberExt::with(
            tracing_subscriber::registry(),
            VlogLayer(v.clone()),
        );
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
    if let Some(m) = &opts.syslog_method {
        v.set_syslog_method(m)?;
    }
    if v.read().syslog == SyslogMethod::Libc {
        // openlog keeps the pointer: the ident lives as long as the process.
        let ident: &'static std::ffi::CStr =
            Box::leak(CString::new(program).unwrap_or_default().into_boxed_c_str());
        // SAFETY: `ident` is a 'static NUL-terminated string.
        unsafe { libc::openlog(ident.as_ptr(), libc::LOG_NDELAY, libc::LOG_DAEMON) };
    }
    // As ovn-northd, in command-line order: the specs before --log-file, the file, the rest.
    let apply = |specs: &[Option<String>]| -> Result<(), String> {
        for spec in specs {
            match spec {
                Some(s) => v.set_from_string(s)?,
                None => v.set_all(Level::Dbg),
            }
        }
        Ok(())
    };
    let split = opts.log_file_after.min(opts.verbose.len());
    apply(&opts.verbose[..split])?;
    if let Some(f) = &opts.log_file
        && v.set_log_file(f).is_err()
        && opts.log_file_explicit
    {
        return Err(String::new());
    }
    apply(&opts.verbose[split..])?;
    Ok(v)
}

/// Logs `msg` at EMER (not on the console), prints `<program>: msg` on stderr, removes the
/// files registered for removal at exit and exits 1, as OVS `VLOG_FATAL` does.
pub fn fatal(module: &str, msg: &str) -> ! {
    if let Some(v) = global() {
        let i = v.write().module_index(module);
        v.log_index(i, Level::Emer, msg, &[Destination::Console]);
        eprintln!("{}: {msg}", v.program);
    } else {
        eprintln!("{msg}");
    }
    super::process::unlink_files();
    std::process::exit(1)
}

/// The tracing layer writing events through a [`Vlog`].
pub struct VlogLayer(pub Arc<Vlog>);

impl<S: Subscriber> Layer<S> for VlogLayer {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.is_event() {
            self.0.write().target_index(meta.target());
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        if !meta.is_event() {
            return false;
        }
        let level = Level::from_tracing(meta.level());
        let st = self.0.read();
        let open = st.log_file.is_some();
        match st.targets.get(meta.target()) {
            Some(&i) => st.modules[i].min_level(open) >= level,
            None => true,
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.0.read().max_level().to_filter())
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let i = {
            let st = self.0.read();
            st.targets.get(meta.target()).copied()
        };
        let i = i.unwrap_or_else(|| self.0.write().target_index(meta.target()));
        let mut msg = Message(String::new());
        event.record(&mut msg);
        self.0
            .log_index(i, Level::from_tracing(meta.level()), &msg.0, &[]);
    }
}

/// The message of an event: its `message` field, then any other fields as ` name=value`.
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(msg: &str) -> FormatContext<'_> {
        FormatContext {
            program: "ovn-northd",
            module: "northd",
            level: Level::Info,
            msg,
            // 2026-11-25T15:30:00.123Z
            now: UNIX_EPOCH + std::time::Duration::from_millis(1_795_620_600_123),
            msg_num: 7,
            facility: 0,
            subprogram: "",
            uptime_ms: 5,
        }
    }

    #[test]
    fn default_patterns_give_ovs_lines() {
        let c = ctx("hello\n");
        assert_eq!(
            format_message(Destination::File.default_pattern(), &c),
            "2026-11-25T15:30:00.123Z|00007|northd|INFO|hello"
        );
        assert_eq!(
            format_message(Destination::Console.default_pattern(), &c),
            "2026-11-25T15:30:00Z|00007|northd|INFO|hello"
        );
        assert_eq!(
            format_message(Destination::Syslog.default_pattern(), &c),
            "ovs|00007|northd|INFO|hello"
        );
    }

    #[test]
    fn pattern_directives_and_padding() {
        let mut c = ctx("m");
        c.subprogram = "monitor";
        assert_eq!(
            format_message("%-8c|%5p|%t%T|%A|%B|%%|%q", &c),
            "northd  | INFO|monitor(monitor)|ovn-northd|133|%|q"
        );
        assert_eq!(
            format_message("%D{%a %b %e %j %T}", &c),
            "Wed Nov 25 329 15:30:00"
        );
        assert_eq!(
            format_message("%D{%S.##}|%D{%S.#####}", &c),
            "00.12|00.12300"
        );
    }

    #[test]
    fn specs_parse_as_vlog_c() {
        let known = |w: &str| is_known_module(w);
        assert_eq!(
            parse_spec("console:off", known),
            Ok(Spec::Levels(None, Some(Destination::Console), Level::Off))
        );
        assert_eq!(
            parse_spec("jsonrpc", known),
            Ok(Spec::Levels(Some("jsonrpc".into()), None, Level::Dbg))
        );
        assert_eq!(
            parse_spec("NORTHD:file:info", known),
            Ok(Spec::Levels(
                Some("northd".into()),
                Some(Destination::File),
                Level::Info
            ))
        );
        assert_eq!(
            parse_spec("ANY:ANY:emer", known),
            Ok(Spec::Levels(None, None, Level::Emer))
        );
        assert_eq!(
            parse_spec("dbg", known),
            Ok(Spec::Levels(None, None, Level::Dbg))
        );
        assert_eq!(
            parse_spec("PATTERN:console:%c|%m", known),
            Ok(Spec::Pattern(Some(Destination::Console), "%c|%m".into()))
        );
        assert_eq!(
            parse_spec("pattern:any:x:y", known),
            Ok(Spec::Pattern(None, "x:y".into()))
        );
        assert_eq!(
            parse_spec("FACILITY:local3", known),
            Ok(Spec::Facility(libc::LOG_LOCAL3))
        );
        for (s, e) in [
            ("foo", "no destination, level, or module \"foo\""),
            ("pattern", "missing destination"),
            ("PATTERN:bogus:x", "unknown destination \"bogus\""),
            ("console:info:dbg", "cannot specify multiple levels"),
            ("console:file", "cannot specify multiple destinations"),
            ("vlog:jsonrpc", "cannot specify multiple modules"),
            ("FACILITY:nope", "invalid facility"),
        ] {
            assert_eq!(parse_spec(s, known), Err(e.to_string()), "{s}");
        }
    }

    #[test]
    fn levels_per_destination_and_list() {
        let v = Vlog::new("ovn-northd");
        v.set_syslog_method("null").unwrap();
        v.set_from_string("console:off").unwrap();
        v.set_from_string("jsonrpc:file:dbg").unwrap();
        let list = v.list();
        let mut lines = list.lines();
        assert_eq!(
            lines.next(),
            Some("                 console    syslog    file")
        );
        assert_eq!(
            lines.next(),
            Some("                 -------    ------    ------")
        );
        assert_eq!(
            lines.next(),
            Some("backtrace          OFF       INFO       INFO")
        );
        assert!(list.contains("\njsonrpc            OFF       INFO        DBG\n"));
        assert!(list.contains("\ndpif_lookup_autovalidator   OFF       INFO       INFO\n"));
        // A module first seen later inherits the last all-modules setting.
        v.log("brand_new", Level::Info, "x");
        assert!(
            v.list()
                .contains("\nbrand_new          OFF       INFO       INFO\n")
        );
        assert!(v.is_enabled("jsonrpc", Level::Info) && !v.is_enabled("jsonrpc", Level::Dbg));
        v.set_rate_limits(&["northd".into()], false).unwrap();
        assert!(v.list().contains(
            "\nnorthd             OFF       INFO       INFO    (rate limiting disabled)\n"
        ));
        assert_eq!(
            v.set_rate_limits(&["nope".into()], false),
            Err("unknown module".into())
        );
    }

    #[test]
    fn list_pattern_layout() {
        let v = Vlog::new("x");
        v.set_from_string("PATTERN:file:%m").unwrap();
        assert_eq!(
            v.list_pattern(),
            "         prefix                            format\n\
             \x20        ------                            ------\n\
             SYSLOG   <%B> %D{%h %e %T} %E %A:          ovs|%05N|%c%T|%p|%m\n\
             CONSOLE  none                              %D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m\n\
             FILE     none                              %m\n"
        );
    }

    #[test]
    fn log_file_reopen_follows_rotation() {
        let dir = std::env::temp_dir().join(format!("ovn-dd-vlog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let v = Vlog::new("t");
        v.set_syslog_method("null").unwrap();
        v.set_from_string("console:off").unwrap();
        assert_eq!(v.reopen(), Err("Logging to file not configured".into()));
        let log = dir.join("t.log");
        v.set_log_file(&log).unwrap();
        v.log("northd", Level::Info, "one");
        v.log("northd", Level::Dbg, "hidden");
        std::fs::rename(&log, dir.join("t.log.1")).unwrap();
        v.reopen().unwrap();
        v.log("northd", Level::Warn, "two");
        let old = std::fs::read_to_string(dir.join("t.log.1")).unwrap();
        let new = std::fs::read_to_string(&log).unwrap();
        let opened = format!("|vlog|INFO|opened log file {}", log.display());
        assert!(old.lines().next().unwrap().ends_with(&opened), "{old}");
        assert!(old.contains("|northd|INFO|one\n") && !old.contains("hidden"));
        assert!(old.ends_with("|vlog|INFO|closing log file\n"), "{old}");
        assert!(
            new.contains("|vlog|INFO|opened log file") && new.ends_with("|northd|WARN|two\n"),
            "{new}"
        );
        v.close();
        v.log("northd", Level::Warn, "three");
        assert!(!std::fs::read_to_string(&log).unwrap().contains("three"));
        assert_eq!(v.log_file_name(), Some(log));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
