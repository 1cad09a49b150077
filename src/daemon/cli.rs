//! The ovn-northd and ovn-ic 23.03 command lines, parsed the way their `getopt_long` loops do.
//!
//! clap cannot express OVS's option grammar (`-vconsole:off` and `--pidfile[=FILE]` take an
//! argument only when it is attached, long options may be abbreviated to any unique prefix,
//! unknown options are reported and then ignored), so this is a small `getopt_long` emulation
//! over the same option tables as the C daemons (`ovn-northd -o`, `ovn-ic -o`). [`Kind`]
//! says which daemon's table, texts and defaults apply.
//!
//! File locations follow the C binaries, checked against 23.03.1: the pidfile and the control
//! socket go to `$OVN_RUNDIR` (default `/var/run/ovn`), the log file to `$OVS_LOGDIR` (default
//! `/var/log/openvswitch`; the OVN daemons log through the OVS library, which does not read
//! `OVN_LOGDIR`), and the databases default to `$OVN_NB_DB` / `$OVN_SB_DB` (ovn-ic also
//! `$OVN_IC_NB_DB` / `$OVN_IC_SB_DB`), else `unix:$OVN_RUNDIR/ovnnb_db.sock` /
//! `ovnsb_db.sock` (`ovn_ic_nb_db.sock` / `ovn_ic_sb_db.sock`).

use std::path::{Path, PathBuf};

use super::vlog;

/// The OVN release whose daemons these are drop-ins for.
pub const OVN_VERSION: &str = "23.03.1";

/// The OVS library release the C daemons of [`OVN_VERSION`] report (`ovn-ic -V`).
pub const OVS_VERSION: &str = "3.1.0";

/// The largest `--n-threads` ovn-northd accepts (`OVN_MAX_SUPPORTED_THREADS`).
pub const MAX_THREADS: i32 = 256;

/// Which OVN daemon a command line is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// ovn-northd: `--dry-run`, `--n-threads`, `--bootstrap-ca-cert`.
    #[default]
    Northd,
    /// ovn-ic: `--ic-nb-db` / `-I`, `--ic-sb-db` / `-i`.
    Ic,
}

impl Kind {
    /// The C daemon's own vlog module (`ovn_northd`, `ovn_ic`): what the daemon framework
    /// logs its own messages under.
    pub fn module(self) -> &'static str {
        match self {
            Kind::Northd => "ovn_northd",
            Kind::Ic => "ovn_ic",
        }
    }

    /// The modules the C daemon lists in `vlog/list` (and `-v` accepts).
    pub fn vlog_modules(self) -> &'static [&'static str] {
        match self {
            Kind::Northd => vlog::OVN_NORTHD_MODULES,
            Kind::Ic => vlog::OVN_IC_MODULES,
        }
    }

    /// The text `-V` prints and the `version` unixctl command replies.
    pub fn version_text(self, program: &str) -> String {
        match self {
            Kind::Northd => version_text(program),
            Kind::Ic => format!("{program} {OVN_VERSION}\nOpen vSwitch Library {OVS_VERSION}\n"),
        }
    }

    fn table(self) -> &'static [OptDef] {
        match self {
            Kind::Northd => NORTHD_OPTIONS,
            Kind::Ic => IC_OPTIONS,
        }
    }
}

/// Everything on an ovn-northd or ovn-ic command line.
#[derive(Clone, Debug, Default)]
pub struct CommandLine {
    /// Whose command line this is.
    pub kind: Kind,
    /// The program name (`ovn-northd` / `ovn-ic` when run through a symlink of that name):
    /// names the default pidfile, control socket and log file, and starts the version text.
    pub program: String,
    /// `--ovnnb-db` / `-D`, defaulted.
    pub ovnnb_db: String,
    /// `--ovnsb-db` / `-d`, defaulted.
    pub ovnsb_db: String,
    /// ovn-ic: `--ic-nb-db` / `-I`, defaulted (empty for ovn-northd).
    pub ic_nb_db: String,
    /// ovn-ic: `--ic-sb-db` / `-i`, defaulted (empty for ovn-northd).
    pub ic_sb_db: String,
    /// ovn-northd: `--dry-run`, start paused.
    pub dry_run: bool,
    /// ovn-northd: `--n-threads`, clamped to 1..=256 as ovn-northd does (1 for ovn-ic).
    pub n_threads: usize,
    /// `--unixctl` / `-u` as given (resolved by [`CommandLine::unixctl_path`]).
    pub unixctl: Option<String>,
    pub daemon: DaemonOptions,
    pub log: LogOptions,
    pub ssl: SslOptions,
    /// `-h`, `-o` or `-V`: print this and exit 0 instead of running.
    pub info: Option<Info>,
    /// getopt's complaints (unknown or ambiguous options, missing arguments), without the
    /// program prefix; the C daemons print them and carry on.
    pub getopt_errors: Vec<String>,
    /// How many of `getopt_errors` came before `--log-file`: the C daemons open the log
    /// file (and stop if they cannot) when they meet the option, so what the opening says
    /// on the console comes between them.
    pub errors_before_log_file: usize,
    /// The fatal error (an invalid `-v` spec) that stopped the parse, without the program
    /// prefix; everything before it was parsed.
    pub fatal: Option<String>,
    /// Messages logged while parsing (ovn-northd's `--n-threads` warnings), to be logged
    /// once logging is up.
    pub startup_log: Vec<(vlog::Level, String)>,
    /// `$OVN_RUNDIR` or `/var/run/ovn`.
    pub rundir: PathBuf,
    /// `$OVS_LOGDIR` or `/var/log/openvswitch`.
    pub logdir: PathBuf,
}

/// An ovn-northd command line.
pub type NorthdOptions = CommandLine;
/// An ovn-ic command line.
pub type IcOptions = CommandLine;

/// Daemon options (OVN_DAEMON_LONG_OPTIONS).
#[derive(Clone, Debug, Default)]
pub struct DaemonOptions {
    pub detach: bool,
    pub monitor: bool,
    /// `--no-chdir`; without it a detached daemon changes to `/`.
    pub no_chdir: bool,
    /// `--pidfile[=FILE]`, resolved against the rundir.
    pub pidfile: Option<PathBuf>,
    pub overwrite_pidfile: bool,
    /// `--user` (accepted; switching users is not implemented).
    pub user: Option<String>,
    pub no_self_confinement: bool,
}

/// Logging options (VLOG_LONG_OPTIONS).
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Each `-v`/`--verbose`, in order; `None` is a bare `-v` (everything to DBG). Validated.
    pub verbose: Vec<Option<String>>,
    /// `--log-file[=FILE]`, resolved.
    pub log_file: Option<PathBuf>,
    /// Whether the log file was named explicitly (failure to open it is then fatal).
    pub log_file_explicit: bool,
    /// How many of `verbose` came before `--log-file` (the file opens between them).
    pub log_file_after: usize,
    pub syslog_method: Option<String>,
    pub syslog_target: Option<String>,
}

/// SSL options (STREAM_SSL_LONG_OPTIONS, plus ovn-northd's `--bootstrap-ca-cert`, accepted).
#[derive(Clone, Debug, Default)]
pub struct SslOptions {
    pub private_key: Option<String>,
    pub certificate: Option<String>,
    pub ca_cert: Option<String>,
    pub ssl_protocols: Option<String>,
    pub ssl_ciphers: Option<String>,
    pub bootstrap_ca_cert: Option<String>,
}

impl SslOptions {
    /// The TLS files for `ssl:` remotes, when key, certificate and CA certificate are all
    /// given.
    pub fn tls_files(&self) -> Option<adapters::client::TlsFiles> {
        match (&self.private_key, &self.certificate, &self.ca_cert) {
            (Some(k), Some(c), Some(ca)) => Some(adapters::client::TlsFiles {
                private_key: k.into(),
                certificate: c.into(),
                ca_cert: ca.into(),
            }),
            _ => None,
        }
    }

    /// How a database session connects to `remote` (a comma-separated list), with these
    /// TLS files.
    pub fn client_options(&self, remote: &str) -> adapters::client::Options {
        adapters::client::Options {
            tls: self.tls_files(),
            ..adapters::client::Options::new(remote)
        }
    }
}

/// An informational option that makes the program print and exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Info {
    Help,
    Options,
    Version,
}

impl CommandLine {
    /// The control socket for a daemon with process id `pid`: `--unixctl` resolved against
    /// the rundir (the C daemons resolve even `none`), else `<rundir>/<program>.<pid>.ctl`.
    pub fn unixctl_path(&self, pid: u32) -> PathBuf {
        match &self.unixctl {
            Some(p) => abs_file_name(&self.rundir, p),
            None => self.rundir.join(format!("{}.{pid}.ctl", self.program)),
        }
    }

    /// The text `-h` prints.
    pub fn usage(&self) -> String {
        let p = &self.program;
        let rundir = &self.rundir;
        let (nb, sb) = (
            default_db("OVN_NB_DB", rundir, "ovnnb_db.sock"),
            default_db("OVN_SB_DB", rundir, "ovnsb_db.sock"),
        );
        let logfile = self.logdir.join(format!("{p}.log"));
        match self.kind {
            Kind::Northd => {
                let head = format!(
                    "{p}: OVN northbound management daemon (ovn-dd)
usage: {p} [OPTIONS]

Options:
  --ovnnb-db=DATABASE       connect to ovn-nb database at DATABASE
                            (default: {nb})
  --ovnsb-db=DATABASE       connect to ovn-sb database at DATABASE
                            (default: {sb})
  --dry-run                 start in paused state (do not commit db changes)
  --n-threads=N             specify number of threads
"
                );
                head + &common_usage(&rundir.join(format!("{p}.pid")), &logfile, false)
            }
            Kind::Ic => {
                let (ic_nb, ic_sb) = (
                    default_db("OVN_IC_NB_DB", rundir, "ovn_ic_nb_db.sock"),
                    default_db("OVN_IC_SB_DB", rundir, "ovn_ic_sb_db.sock"),
                );
                let head = format!(
                    "{p}: OVN interconnection management daemon
usage: {p} [OPTIONS]

Options:
  --ovnnb-db=DATABASE       connect to ovn-nb database at DATABASE
                            (default: {nb})
  --ovnsb-db=DATABASE       connect to ovn-sb database at DATABASE
                            (default: {sb})
  --ic-nb-db=DATABASE       connect to ovn-ic-nb database at DATABASE
                            (default: {ic_nb})
  --ic-sb-db=DATABASE       connect to ovn-ic-sb database at DATABASE
                            (default: {ic_sb})
"
                );
                // ovn-ic's daemon usage names the OVS rundir for the pidfile (where it
                // does not put it), and its stream usage lists the passive methods.
                head + &common_usage(&ovs_rundir().join(format!("{p}.pid")), &logfile, true)
            }
        }
    }
}

/// The end of both daemons' `-h` text, from `--unixctl` on: the generic options, then the
/// OVS daemon, logging, stream and SSL usage blocks.
fn common_usage(pidfile: &Path, logfile: &Path, passive: bool) -> String {
    let (pidfile, logfile) = (pidfile.display(), logfile.display());
    let passive = if passive {
        "Passive database connection methods:
  ptcp:PORT[:IP]          listen to TCP PORT on IP
  pssl:PORT[:IP]          listen for SSL on PORT on IP
  punix:FILE              listen on Unix domain socket FILE
"
    } else {
        ""
    };
    format!(
        "  --unixctl=SOCKET          override default control socket name
  -h, --help                display this help message
  -o, --options             list available options
  -V, --version             display version information

Daemon options:
  --detach                run in background as daemon
  --monitor               creates a process to monitor this daemon
  --user=username[:group] changes the effective daemon user:group
  --no-chdir              do not chdir to '/'
  --pidfile[=FILE]        create pidfile (default: {pidfile})
  --overwrite-pidfile     with --pidfile, start even if already running

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: {logfile})
  --syslog-method=(libc|unix:file|udp:ip:port)
                           specify how to send messages to syslog daemon
  --syslog-target=HOST:PORT  also send syslog msgs to HOST:PORT via UDP

Active database connection methods:
  tcp:HOST:PORT           PORT at remote HOST
  ssl:HOST:PORT           SSL PORT at remote HOST
  unix:FILE               Unix domain socket named FILE
{passive}PKI configuration (required to use SSL):
  -p, --private-key=FILE  file with private key
  -c, --certificate=FILE  file with certificate for private key
  -C, --ca-cert=FILE      file with peer CA certificate
SSL options:
  --ssl-protocols=PROTOS  list of SSL protocols to enable
  --ssl-ciphers=CIPHERS   list of SSL ciphers to enable
"
    )
}

/// ovn-northd's version text (`ovn-northd 23.03.1` then the library line, here ovn-dd's);
/// also its `version` unixctl reply. [`Kind::version_text`] has ovn-ic's.
pub fn version_text(program: &str) -> String {
    format!(
        "{program} {OVN_VERSION}\novn-dd {} (differential-dataflow ovn-northd)\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The program name OVS derives from `argv[0]`: its file name, without a libtool `lt-`.
pub fn program_name(argv0: &str) -> String {
    let base = Path::new(argv0)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| argv0.to_string());
    base.strip_prefix("lt-").map(str::to_string).unwrap_or(base)
}

/// `dir/name` unless `name` is absolute (OVS `abs_file_name`).
pub fn abs_file_name(dir: &Path, name: &str) -> PathBuf {
    if name.starts_with('/') {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// An environment directory: the variable when set and non-empty, else the default.
fn env_dir(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(default),
    }
}

/// `$OVN_RUNDIR`, default `/var/run/ovn` (OVN `ovn_rundir()`).
pub fn ovn_rundir() -> PathBuf {
    env_dir("OVN_RUNDIR", "/var/run/ovn")
}

/// `$OVS_RUNDIR`, default `/var/run/openvswitch` (OVS `ovs_rundir()`; only ovn-ic's `-h`
/// text shows it).
pub fn ovs_rundir() -> PathBuf {
    env_dir("OVS_RUNDIR", "/var/run/openvswitch")
}

/// `$OVS_LOGDIR`, default `/var/log/openvswitch` (OVS `ovs_logdir()`, which the OVN daemons'
/// `--log-file` uses).
pub fn ovs_logdir() -> PathBuf {
    env_dir("OVS_LOGDIR", "/var/log/openvswitch")
}

/// A database's default: the variable when set (even empty), else `unix:<rundir>/<sock>`.
fn default_db(var: &str, rundir: &Path, sock: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| format!("unix:{}/{sock}", rundir.display()))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum HasArg {
    No,
    Required,
    Optional,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Opt {
    OvnsbDb,
    OvnnbDb,
    IcSbDb,
    IcNbDb,
    Unixctl,
    Help,
    Options,
    Version,
    DryRun,
    NThreads,
    Detach,
    NoSelfConfinement,
    NoChdir,
    Pidfile,
    OverwritePidfile,
    Monitor,
    User,
    Verbose,
    LogFile,
    SyslogMethod,
    SyslogTarget,
    PrivateKey,
    Certificate,
    CaCert,
    SslProtocols,
    SslCiphers,
    BootstrapCaCert,
}

/// One option: long name, argument, short letter, meaning.
type OptDef = (&'static str, HasArg, Option<char>, Opt);

/// ovn-northd's option table, in its order (getopt lists ambiguous matches in this order).
const NORTHD_OPTIONS: &[OptDef] = &[
    ("ovnsb-db", HasArg::Required, Some('d'), Opt::OvnsbDb),
    ("ovnnb-db", HasArg::Required, Some('D'), Opt::OvnnbDb),
    ("unixctl", HasArg::Required, Some('u'), Opt::Unixctl),
    ("help", HasArg::No, Some('h'), Opt::Help),
    ("options", HasArg::No, Some('o'), Opt::Options),
    ("version", HasArg::No, Some('V'), Opt::Version),
    ("dry-run", HasArg::No, None, Opt::DryRun),
    ("n-threads", HasArg::Required, None, Opt::NThreads),
    ("detach", HasArg::No, None, Opt::Detach),
    (
        "no-self-confinement",
        HasArg::No,
        None,
        Opt::NoSelfConfinement,
    ),
    ("no-chdir", HasArg::No, None, Opt::NoChdir),
    ("pidfile", HasArg::Optional, None, Opt::Pidfile),
    ("overwrite-pidfile", HasArg::No, None, Opt::OverwritePidfile),
    ("monitor", HasArg::No, None, Opt::Monitor),
    ("user", HasArg::Required, None, Opt::User),
    ("verbose", HasArg::Optional, Some('v'), Opt::Verbose),
    ("log-file", HasArg::Optional, None, Opt::LogFile),
    ("syslog-method", HasArg::Required, None, Opt::SyslogMethod),
    ("syslog-target", HasArg::Required, None, Opt::SyslogTarget),
    ("private-key", HasArg::Required, Some('p'), Opt::PrivateKey),
    ("certificate", HasArg::Required, Some('c'), Opt::Certificate),
    ("ca-cert", HasArg::Required, Some('C'), Opt::CaCert),
    ("ssl-protocols", HasArg::Required, None, Opt::SslProtocols),
    ("ssl-ciphers", HasArg::Required, None, Opt::SslCiphers),
    (
        "bootstrap-ca-cert",
        HasArg::Required,
        None,
        Opt::BootstrapCaCert,
    ),
];

/// ovn-ic's option table, in its order. ovn-ic numbers its daemon, vlog and SSL options
/// from 0 (its enum is not offset past the characters), so they get the control characters
/// 1..=11 as short options, which getopt accepts and `-o` lists; `--detach` is 0, no short.
const IC_OPTIONS: &[OptDef] = &[
    ("ovnsb-db", HasArg::Required, Some('d'), Opt::OvnsbDb),
    ("ovnnb-db", HasArg::Required, Some('D'), Opt::OvnnbDb),
    ("ic-sb-db", HasArg::Required, Some('i'), Opt::IcSbDb),
    ("ic-nb-db", HasArg::Required, Some('I'), Opt::IcNbDb),
    ("unixctl", HasArg::Required, Some('u'), Opt::Unixctl),
    ("help", HasArg::No, Some('h'), Opt::Help),
    ("options", HasArg::No, Some('o'), Opt::Options),
    ("version", HasArg::No, Some('V'), Opt::Version),
    ("detach", HasArg::No, None, Opt::Detach),
    (
        "no-self-confinement",
        HasArg::No,
        Some('\u{1}'),
        Opt::NoSelfConfinement,
    ),
    ("no-chdir", HasArg::No, Some('\u{2}'), Opt::NoChdir),
    ("pidfile", HasArg::Optional, Some('\u{4}'), Opt::Pidfile),
    (
        "overwrite-pidfile",
        HasArg::No,
        Some('\u{3}'),
        Opt::OverwritePidfile,
    ),
    ("monitor", HasArg::No, Some('\u{5}'), Opt::Monitor),
    ("user", HasArg::Required, Some('\u{6}'), Opt::User),
    ("verbose", HasArg::Optional, Some('v'), Opt::Verbose),
    ("log-file", HasArg::Optional, Some('\u{7}'), Opt::LogFile),
    (
        "syslog-method",
        HasArg::Required,
        Some('\u{8}'),
        Opt::SyslogMethod,
    ),
    (
        "syslog-target",
        HasArg::Required,
        Some('\u{9}'),
        Opt::SyslogTarget,
    ),
    ("private-key", HasArg::Required, Some('p'), Opt::PrivateKey),
    ("certificate", HasArg::Required, Some('c'), Opt::Certificate),
    ("ca-cert", HasArg::Required, Some('C'), Opt::CaCert),
    (
        "ssl-protocols",
        HasArg::Required,
        Some('\u{a}'),
        Opt::SslProtocols,
    ),
    (
        "ssl-ciphers",
        HasArg::Required,
        Some('\u{b}'),
        Opt::SslCiphers,
    ),
];

/// The `-o` listing: each long option, then its short form.
pub fn options_text(kind: Kind) -> String {
    let mut s = String::new();
    for (name, has_arg, short, _) in kind.table() {
        let suffix = match has_arg {
            HasArg::No => "",
            HasArg::Required => "=ARG",
            HasArg::Optional => "=[ARG]",
        };
        s.push_str(&format!("--{name}{suffix}\n"));
        if let Some(c) = short {
            let arg = match has_arg {
                HasArg::No => " ",
                HasArg::Required => " ARG",
                HasArg::Optional => " [ARG]",
            };
            s.push_str(&format!("-{c}{arg}\n"));
        }
    }
    s
}

/// One option occurrence found by the getopt loop.
enum Found {
    Opt(Opt, Option<String>),
    Error(String),
}

/// `getopt_long` over `args` with option table `table` in permuting mode: options anywhere,
/// non-options skipped (the C daemons ignore them), `--` ends the options.
fn getopt(table: &[OptDef], args: Vec<String>) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let exact = table.iter().find(|o| o.0 == name);
            let found = match exact {
                Some(o) => o,
                None => {
                    let matches: Vec<_> = table.iter().filter(|o| o.0.starts_with(name)).collect();
                    match matches.len() {
                        0 => {
                            out.push(Found::Error(format!("unrecognized option '{arg}'")));
                            continue;
                        }
                        1 => matches[0],
                        _ => {
                            let list: Vec<String> =
                                matches.iter().map(|o| format!("'--{}'", o.0)).collect();
                            out.push(Found::Error(format!(
                                "option '--{name}' is ambiguous; possibilities: {}",
                                list.join(" ")
                            )));
                            continue;
                        }
                    }
                }
            };
            let (full, has_arg, _, opt) = *found;
            match (has_arg, value) {
                (HasArg::No, Some(_)) => out.push(Found::Error(format!(
                    "option '--{full}' doesn't allow an argument"
                ))),
                (HasArg::No, None) => out.push(Found::Opt(opt, None)),
                (HasArg::Optional, v) => out.push(Found::Opt(opt, v)),
                (HasArg::Required, Some(v)) => out.push(Found::Opt(opt, Some(v))),
                (HasArg::Required, None) => {
                    if i < args.len() {
                        out.push(Found::Opt(opt, Some(args[i].clone())));
                        i += 1;
                    } else {
                        out.push(Found::Error(format!(
                            "option '--{full}' requires an argument"
                        )));
                    }
                }
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(&(_, has_arg, _, opt)) = table.iter().find(|o| o.2 == Some(c)) else {
                    out.push(Found::Error(format!("invalid option -- '{c}'")));
                    continue;
                };
                let rest: String = chars[j..].iter().collect();
                match has_arg {
                    HasArg::No => out.push(Found::Opt(opt, None)),
                    HasArg::Optional => {
                        out.push(Found::Opt(opt, (!rest.is_empty()).then_some(rest)));
                        break;
                    }
                    HasArg::Required => {
                        if !rest.is_empty() {
                            out.push(Found::Opt(opt, Some(rest)));
                        } else if i < args.len() {
                            out.push(Found::Opt(opt, Some(args[i].clone())));
                            i += 1;
                        } else {
                            out.push(Found::Error(format!(
                                "option requires an argument -- '{c}'"
                            )));
                        }
                        break;
                    }
                }
            }
        }
    }
    out
}

/// C `strtoul(s, NULL, 10)` assigned to an `int`, as ovn-northd reads `--n-threads`.
fn strtoul_as_int(s: &str) -> i32 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: u64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
        {
            Some(v) => v,
            None => return -1, // ULONG_MAX
        };
    }
    let v = if neg { v.wrapping_neg() } else { v };
    v as i32
}

/// Parses an ovn-northd command line (`args` without `argv[0]`) as ovn-northd 23.03 does.
/// `Err` is a fatal error (an invalid `-v` spec), printed as `<program>: <error>`.
pub fn parse_northd_args(
    program: &str,
    args: impl Iterator<Item = String>,
) -> Result<NorthdOptions, String> {
    let o = parse(Kind::Northd, program, args);
    o.fatal.clone().map_or(Ok(o), Err)
}

/// Parses an ovn-ic command line (`args` without `argv[0]`) as ovn-ic 23.03 does.
/// `Err` is a fatal error (an invalid `-v` spec), printed as `<program>: <error>`.
pub fn parse_ic_args(
    program: &str,
    args: impl Iterator<Item = String>,
) -> Result<IcOptions, String> {
    let o = parse(Kind::Ic, program, args);
    o.fatal.clone().map_or(Ok(o), Err)
}

/// [`parse_northd_args`] / [`parse_ic_args`], with a fatal error in
/// [`CommandLine::fatal`] (the getopt errors met before it are printed before it).
pub(crate) fn parse(kind: Kind, program: &str, args: impl Iterator<Item = String>) -> CommandLine {
    let rundir = ovn_rundir();
    let logdir = ovs_logdir();
    let mut o = CommandLine {
        kind,
        program: program.to_string(),
        n_threads: 1,
        ..CommandLine::default()
    };
    let (mut nb, mut sb) = (None::<String>, None::<String>);
    let (mut ic_nb, mut ic_sb) = (None::<String>, None::<String>);
    let known = |m: &str| vlog::known_module(kind.vlog_modules(), m);
    for found in getopt(kind.table(), args.collect()) {
        let (opt, arg) = match found {
            Found::Opt(opt, arg) => (opt, arg),
            Found::Error(e) => {
                o.getopt_errors.push(e);
                continue;
            }
        };
        let arg_s = || arg.clone().unwrap_or_default();
        match opt {
            Opt::OvnsbDb => sb = Some(arg_s()),
            Opt::OvnnbDb => nb = Some(arg_s()),
            Opt::IcSbDb => ic_sb = Some(arg_s()),
            Opt::IcNbDb => ic_nb = Some(arg_s()),
            Opt::Unixctl => o.unixctl = Some(arg_s()),
            Opt::Help | Opt::Options | Opt::Version => {
                o.info = Some(match opt {
                    Opt::Help => Info::Help,
                    Opt::Options => Info::Options,
                    _ => Info::Version,
                });
                break;
            }
            Opt::DryRun => o.dry_run = true,
            Opt::NThreads => {
                let raw = arg_s();
                let mut n = strtoul_as_int(&raw);
                if n < 1 {
                    n = 1;
                    o.startup_log.push((
                        vlog::Level::Warn,
                        format!(
                            "Setting n_threads to {n} as --n-threads option was set to : [{raw}]"
                        ),
                    ));
                }
                if n > MAX_THREADS {
                    n = MAX_THREADS;
                    o.startup_log.push((
                        vlog::Level::Warn,
                        format!(
                            "Setting n_threads to {n} as --n-threads option was set to : [{raw}]"
                        ),
                    ));
                }
                if n != 1 {
                    o.startup_log
                        .push((vlog::Level::Info, format!("Using {n} threads")));
                }
                o.n_threads = n as usize;
            }
            Opt::Detach => o.daemon.detach = true,
            Opt::NoSelfConfinement => o.daemon.no_self_confinement = true,
            Opt::NoChdir => o.daemon.no_chdir = true,
            Opt::Pidfile => {
                o.daemon.pidfile = Some(match &arg {
                    Some(name) => abs_file_name(&rundir, name),
                    None => rundir.join(format!("{program}.pid")),
                })
            }
            Opt::OverwritePidfile => o.daemon.overwrite_pidfile = true,
            Opt::Monitor => o.daemon.monitor = true,
            Opt::User => o.daemon.user = Some(arg_s()),
            Opt::Verbose => {
                if let Some(spec) = &arg
                    && let Err(e) = vlog::parse_spec(spec, known)
                {
                    o.fatal = Some(format!("processing \"{spec}\": {e}"));
                    break;
                }
                o.log.verbose.push(arg);
            }
            Opt::LogFile => {
                o.errors_before_log_file = o.getopt_errors.len();
                o.log.log_file_explicit = arg.is_some();
                o.log.log_file_after = o.log.verbose.len();
                o.log.log_file = Some(match &arg {
                    Some(f) => std::path::absolute(f).unwrap_or_else(|_| PathBuf::from(f)),
                    None => logdir.join(format!("{program}.log")),
                });
            }
            Opt::SyslogMethod => o.log.syslog_method = Some(arg_s()),
            Opt::SyslogTarget => o.log.syslog_target = Some(arg_s()),
            Opt::PrivateKey => o.ssl.private_key = Some(arg_s()),
            Opt::Certificate => o.ssl.certificate = Some(arg_s()),
            Opt::CaCert => o.ssl.ca_cert = Some(arg_s()),
            Opt::SslProtocols => o.ssl.ssl_protocols = Some(arg_s()),
            Opt::SslCiphers => o.ssl.ssl_ciphers = Some(arg_s()),
            Opt::BootstrapCaCert => o.ssl.bootstrap_ca_cert = Some(arg_s()),
        }
    }
    let or_default = |given: Option<String>, var: &str, sock: &str| {
        given
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_db(var, &rundir, sock))
    };
    o.ovnnb_db = or_default(nb, "OVN_NB_DB", "ovnnb_db.sock");
    o.ovnsb_db = or_default(sb, "OVN_SB_DB", "ovnsb_db.sock");
    if kind == Kind::Ic {
        o.ic_nb_db = or_default(ic_nb, "OVN_IC_NB_DB", "ovn_ic_nb_db.sock");
        o.ic_sb_db = or_default(ic_sb, "OVN_IC_SB_DB", "ovn_ic_sb_db.sock");
    }
    o.rundir = rundir;
    o.logdir = logdir;
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> NorthdOptions {
        parse_northd_args("ovn-northd", args.iter().map(|s| s.to_string())).unwrap()
    }

    #[test]
    fn the_ovn_testsuite_command_line() {
        let o = parse(&[
            "-vconsole:off",
            "--detach",
            "--no-chdir",
            "--pidfile",
            "--log-file",
            "-vjsonrpc",
            "--ovnnb-db=unix:/x/nb.sock",
            "--ovnsb-db=unix:/x/sb.sock",
            "--n-threads=4",
        ]);
        assert!(o.daemon.detach && o.daemon.no_chdir);
        assert_eq!(o.daemon.pidfile, Some(o.rundir.join("ovn-northd.pid")));
        assert_eq!(o.log.log_file, Some(o.logdir.join("ovn-northd.log")));
        assert!(!o.log.log_file_explicit);
        assert_eq!(
            o.log.verbose,
            vec![Some("console:off".to_string()), Some("jsonrpc".to_string())]
        );
        assert_eq!(
            (o.ovnnb_db.as_str(), o.ovnsb_db.as_str()),
            ("unix:/x/nb.sock", "unix:/x/sb.sock")
        );
        assert_eq!(o.n_threads, 4);
        assert_eq!(
            o.startup_log,
            vec![(vlog::Level::Info, "Using 4 threads".to_string())]
        );
        assert!(o.getopt_errors.is_empty() && o.info.is_none());
    }

    #[test]
    fn short_options_take_attached_or_next_arguments() {
        let o = parse(&[
            "-D",
            "tcp:1.2.3.4:6641",
            "-dunix:/sb",
            "-u",
            "ctl",
            "-pkey",
            "-c",
            "cert",
            "-Cnone",
            "-v",
        ]);
        assert_eq!(o.ovnnb_db, "tcp:1.2.3.4:6641");
        assert_eq!(o.ovnsb_db, "unix:/sb");
        assert_eq!(o.unixctl.as_deref(), Some("ctl"));
        assert_eq!(o.unixctl_path(7), o.rundir.join("ctl"));
        assert_eq!(
            (
                o.ssl.private_key.as_deref(),
                o.ssl.certificate.as_deref(),
                o.ssl.ca_cert.as_deref()
            ),
            (Some("key"), Some("cert"), Some("none"))
        );
        assert_eq!(o.log.verbose, vec![None]);
    }

    #[test]
    fn optional_arguments_only_when_attached() {
        let o = parse(&["--pidfile", "/tmp/x.pid", "--log-file=/tmp/x.log"]);
        assert_eq!(o.daemon.pidfile, Some(o.rundir.join("ovn-northd.pid")));
        assert_eq!(o.log.log_file, Some(PathBuf::from("/tmp/x.log")));
        assert!(o.log.log_file_explicit);
        let o = parse(&["--pidfile=/tmp/x.pid", "--unixctl=/tmp/x.ctl"]);
        assert_eq!(o.daemon.pidfile, Some(PathBuf::from("/tmp/x.pid")));
        assert_eq!(o.unixctl_path(42), PathBuf::from("/tmp/x.ctl"));
        let o = parse(&["--pidfile=rel.pid"]);
        assert_eq!(o.daemon.pidfile, Some(o.rundir.join("rel.pid")));
        assert_eq!(o.unixctl_path(42), o.rundir.join("ovn-northd.42.ctl"));
    }

    #[test]
    fn abbreviations_and_getopt_errors() {
        // Errors are getopt's texts (checked against ovn-northd 23.03.1) and are not fatal.
        let o = parse(&[
            "--n-thr=300",
            "--foo",
            "--d",
            "-x",
            "--detach=1",
            "--dry",
            "extra",
            "--ovnnb-db",
        ]);
        assert_eq!(o.n_threads, 256);
        assert!(o.dry_run);
        assert_eq!(
            o.getopt_errors,
            vec![
                "unrecognized option '--foo'",
                "option '--d' is ambiguous; possibilities: '--dry-run' '--detach'",
                "invalid option -- 'x'",
                "option '--detach' doesn't allow an argument",
                "option '--ovnnb-db' requires an argument",
            ]
        );
        assert_eq!(
            o.startup_log,
            vec![
                (
                    vlog::Level::Warn,
                    "Setting n_threads to 256 as --n-threads option was set to : [300]".into()
                ),
                (vlog::Level::Info, "Using 256 threads".into()),
            ]
        );
        // A required argument swallows the next word, even an option.
        let o = parse(&["--ovnnb", "-V"]);
        assert_eq!((o.ovnnb_db.as_str(), o.info), ("-V", None));
    }

    #[test]
    fn n_threads_below_one_becomes_one() {
        for raw in ["0", "-3", "abc"] {
            let o = parse(&[&format!("--n-threads={raw}")]);
            assert_eq!(o.n_threads, 1);
            assert_eq!(
                o.startup_log,
                vec![(
                    vlog::Level::Warn,
                    format!("Setting n_threads to 1 as --n-threads option was set to : [{raw}]")
                )]
            );
        }
        assert_eq!(parse(&["--n-threads", "8x"]).n_threads, 8);
    }

    #[test]
    fn info_options_stop_the_parse() {
        assert_eq!(parse(&["-V", "-vfoo"]).info, Some(Info::Version));
        assert_eq!(parse(&["--help"]).info, Some(Info::Help));
        assert_eq!(parse(&["-o"]).info, Some(Info::Options));
        let e = parse_northd_args("ovn-northd", ["-vfoo", "-V"].iter().map(|s| s.to_string()));
        assert_eq!(
            e.unwrap_err(),
            "processing \"foo\": no destination, level, or module \"foo\""
        );
    }

    #[test]
    fn program_names() {
        assert_eq!(program_name("/usr/bin/ovn-northd"), "ovn-northd");
        assert_eq!(program_name("lt-ovn-northd"), "ovn-northd");
        assert_eq!(program_name("ovn-dd"), "ovn-dd");
        assert_eq!(
            version_text("ovn-northd").lines().next(),
            Some("ovn-northd 23.03.1")
        );
    }

    fn parse_ic(args: &[&str]) -> IcOptions {
        parse_ic_args("ovn-ic", args.iter().map(|s| s.to_string())).unwrap()
    }

    #[test]
    fn ic_defaults_and_its_own_options() {
        let o = parse_ic(&[]);
        assert_eq!(o.kind, Kind::Ic);
        let sock = |s: &str| format!("unix:{}/{s}", o.rundir.display());
        // Unless the environment names them (the test environment does not).
        if std::env::var_os("OVN_IC_NB_DB").is_none() {
            assert_eq!(o.ic_nb_db, sock("ovn_ic_nb_db.sock"));
        }
        if std::env::var_os("OVN_IC_SB_DB").is_none() {
            assert_eq!(o.ic_sb_db, sock("ovn_ic_sb_db.sock"));
        }
        assert_eq!(o.unixctl_path(9), o.rundir.join("ovn-ic.9.ctl"));
        let o = parse_ic(&[
            "-Itcp:1.1.1.1:6645",
            "-i",
            "tcp:1.1.1.1:6646",
            "--ic-nb=unix:/nb",
            "-D",
            "unix:/az-nb",
            "--ovnsb-db=unix:/az-sb",
            "--pidfile",
            "--log-file",
            "-p",
            "k",
            "-cc",
            "--ca-cert=ca",
        ]);
        assert_eq!(
            (
                o.ic_nb_db.as_str(),
                o.ic_sb_db.as_str(),
                o.ovnnb_db.as_str(),
                o.ovnsb_db.as_str()
            ),
            ("unix:/nb", "tcp:1.1.1.1:6646", "unix:/az-nb", "unix:/az-sb")
        );
        assert_eq!(o.daemon.pidfile, Some(o.rundir.join("ovn-ic.pid")));
        assert_eq!(o.log.log_file, Some(o.logdir.join("ovn-ic.log")));
        let tls = o.ssl.tls_files().unwrap();
        assert_eq!(
            (tls.private_key, tls.certificate, tls.ca_cert),
            ("k".into(), "c".into(), "ca".into())
        );
        let c = o.ssl.client_options("ssl:1.2.3.4:6641,ssl:1.2.3.5:6641");
        assert_eq!(c.remotes, ["ssl:1.2.3.4:6641", "ssl:1.2.3.5:6641"]);
        assert!(c.tls.is_some() && c.lock.is_none());
        assert!(o.getopt_errors.is_empty());
    }

    #[test]
    fn ic_getopt_errors_are_ovn_ics() {
        // Checked against ovn-ic 23.03.1: northd-only options are unknown, --ic and --ovn
        // ambiguous, --d is --detach.
        let o = parse_ic(&[
            "--dry-run",
            "--n-threads=3",
            "--bootstrap-ca-cert=x",
            "--ic",
            "--ovn",
            "--d",
            "-I",
        ]);
        assert!(o.daemon.detach && !o.dry_run && o.n_threads == 1);
        assert_eq!(
            o.getopt_errors,
            vec![
                "unrecognized option '--dry-run'",
                "unrecognized option '--n-threads=3'",
                "unrecognized option '--bootstrap-ca-cert=x'",
                "option '--ic' is ambiguous; possibilities: '--ic-sb-db' '--ic-nb-db'",
                "option '--ovn' is ambiguous; possibilities: '--ovnsb-db' '--ovnnb-db'",
                "option requires an argument -- 'I'",
            ]
        );
        // The module list is ovn-ic's.
        assert!(parse_ic_args("ovn-ic", ["-vovn_ic:dbg".to_string()].into_iter()).is_ok());
        assert_eq!(
            parse_ic_args("ovn-ic", ["-vnorthd".to_string()].into_iter()).unwrap_err(),
            "processing \"northd\": no destination, level, or module \"northd\""
        );
        // The control-character short options of ovn-ic's table work as in C.
        assert!(parse_ic(&["-\u{1}\u{2}"]).daemon.no_chdir);
    }

    #[test]
    fn ic_texts() {
        assert_eq!(
            Kind::Ic.version_text("ovn-ic"),
            "ovn-ic 23.03.1\nOpen vSwitch Library 3.1.0\n"
        );
        let o = options_text(Kind::Ic);
        assert!(o.starts_with("--ovnsb-db=ARG\n-d ARG\n--ovnnb-db=ARG\n-D ARG\n--ic-sb-db=ARG\n"));
        assert!(o.contains("\n--detach\n--no-self-confinement\n-\u{1} \n"));
        assert!(o.ends_with("--ssl-protocols=ARG\n-\n ARG\n--ssl-ciphers=ARG\n-\u{b} ARG\n"));
        let u = parse_ic(&[]).usage();
        assert!(u.starts_with(
            "ovn-ic: OVN interconnection management daemon\nusage: ovn-ic [OPTIONS]\n"
        ));
        assert!(u.contains("Passive database connection methods:\n"));
        assert!(!parse(&[]).usage().contains("Passive"));
    }
}
