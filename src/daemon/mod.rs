//! Daemon infrastructure for `ovn-dd northd` and `ovn-dd ic`, drop-ins for ovn-northd and
//! ovn-ic 23.03: their command lines ([`cli`], one getopt emulation over each daemon's option
//! table, see [`cli::Kind`]), OVS logging ([`vlog`]), the unixctl control socket ([`unixctl`])
//! and the process side: detach, monitor, pidfile, fatal signals ([`process`]).
//! `crate::northd::main` and `crate::ic::main` are its users.
//!
//! # What the northd main loop does
//!
//! ```ignore
//! let daemon = match daemon::start_northd(&program, args) {
//!     daemon::Start::Run(d) => d,
//!     daemon::Start::Exit(code) => return code,      // --help, --version, bad options
//! };
//! // Register the main loop's unixctl commands before completing the start (as
//! // ovn-northd does before daemonize_complete), then run:
//! daemon.commands.register("exit", "", 0, 0);
//! daemon.commands.register("parallel-build/set-n-threads", "N_THREADS", 1, 1);
//! daemon.run(|mut ctx| async move {
//!     loop {
//!         tokio::select! {
//!             Some(cmd) = ctx.inbox.recv() => match cmd.name.as_str() {
//!                 "exit" => { cmd.ok(""); return ExitCode::SUCCESS; }
//!                 _ => cmd.err("..."),
//!             },
//!             // ... database events, engine work ...
//!         }
//!     }
//! })
//! ```
//!
//! [`start_northd`] (or [`start_ic`]; both are [`start`]) parses the command line, sets up
//! logging, detaches (the parent process waits until [`Daemon::run`] starts), starts the
//! monitor, writes the pidfile, builds the tokio runtime and binds the control socket with
//! the built-in commands (`list-commands`, `version`, `vlog/*`; for ovn-ic also an empty
//! `memory/show`, as ovn-ic has no memory reporter). [`Daemon::run`] tells the waiting parent the daemon is up, runs the
//! main loop on the runtime, lets the last replies reach their clients, and removes the
//! pidfile and the socket. SIGTERM/SIGINT/SIGHUP end the process cleanly on their own
//! (pidfile and socket removed); the main loop does not see them.

pub mod cli;
pub mod process;
pub mod unixctl;
pub mod vlog;

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::sync::mpsc;

pub use cli::{CommandLine, IcOptions, Kind, NorthdOptions, parse_ic_args, parse_northd_args};
pub use unixctl::{Command, Commands, Reply};

/// What [`start`] decided.
#[allow(clippy::large_enum_variant)] // made once per process
pub enum Start {
    /// The daemon is set up; register commands and [`Daemon::run`] it.
    Run(Daemon),
    /// Nothing to run (help, version, a fatal option error): exit with this code.
    Exit(ExitCode),
}

/// A started daemon, not yet running its main loop.
pub struct Daemon {
    pub options: CommandLine,
    /// The unixctl command registry; [`Commands::register`] adds main-loop commands.
    pub commands: Commands,
    pub vlog: Arc<vlog::Vlog>,
    runtime: Runtime,
    inbox: mpsc::Receiver<Command>,
    server: Option<unixctl::UnixctlServer>,
    startup: process::Startup,
    _pidfile: Option<process::Pidfile>,
}

/// What the main loop gets from [`Daemon::run`].
pub struct MainLoop {
    /// The parsed command line (`options.kind` says whose).
    pub options: CommandLine,
    /// Commands registered with [`Commands::register`], to answer with [`Command::reply`].
    pub inbox: mpsc::Receiver<Command>,
    /// The registry, to register more commands later (e.g. once a database is connected).
    pub commands: Commands,
    pub vlog: Arc<vlog::Vlog>,
}

/// Parses an ovn-northd command line (`args` without `argv[0]`) and starts the daemon:
/// [`start`] with [`Kind::Northd`].
pub fn start_northd(program: &str, args: impl Iterator<Item = String>) -> Start {
    start(Kind::Northd, program, args)
}

/// Parses an ovn-ic command line (`args` without `argv[0]`) and starts the daemon: [`start`]
/// with [`Kind::Ic`].
pub fn start_ic(program: &str, args: impl Iterator<Item = String>) -> Start {
    start(Kind::Ic, program, args)
}

/// Parses the command line of the `kind` daemon (`args` without `argv[0]`) and starts it:
/// logging, detach and monitor (forking before any thread exists), pidfile, tokio runtime,
/// fatal-signal handling, control socket. Prints what the C daemon prints for `-h`, `-o`,
/// `-V`, getopt errors and fatal errors. `program` names files and the version text
/// ([`cli::program_name`] of `argv[0]`).
pub fn start(kind: Kind, program: &str, args: impl Iterator<Item = String>) -> Start {
    let options = cli::parse(kind, program, args);
    // In the C daemons' order: getopt errors as met, the log file opened when --log-file
    // is met (its failure ends everything), then a fatal error or -h/-o/-V that stopped
    // the parse.
    let errors = &options.getopt_errors;
    let split = if options.log.log_file.is_some() {
        options.errors_before_log_file.min(errors.len())
    } else {
        errors.len()
    };
    for e in &errors[..split] {
        eprintln!("{program}: {e}");
    }
    let init = || match vlog::init(program, kind.vlog_modules(), &options.log) {
        Ok(v) => Ok(v),
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{program}: {e}");
            }
            Err(())
        }
    };
    let early = match options.log.log_file {
        Some(_) => match init() {
            Ok(v) => Some(v),
            Err(()) => return Start::Exit(ExitCode::FAILURE),
        },
        None => None,
    };
    for e in &errors[split..] {
        eprintln!("{program}: {e}");
    }
    if let Some(e) = &options.fatal {
        eprintln!("{program}: {e}");
        return Start::Exit(ExitCode::FAILURE);
    }
    match options.info {
        Some(cli::Info::Help) => {
            print!("{}", options.usage());
            return Start::Exit(ExitCode::SUCCESS);
        }
        Some(cli::Info::Options) => {
            print!("{}", cli::options_text(kind));
            return Start::Exit(ExitCode::SUCCESS);
        }
        Some(cli::Info::Version) => {
            print!("{}", kind.version_text(program));
            return Start::Exit(ExitCode::SUCCESS);
        }
        None => {}
    }
    let vlog = match early {
        Some(v) => v,
        None => match init() {
            Ok(v) => v,
            Err(()) => return Start::Exit(ExitCode::FAILURE),
        },
    };
    for (level, msg) in &options.startup_log {
        vlog.log(kind.module(), *level, msg);
    }

    // Single-threaded until here: fork.
    let startup = process::daemonize_start(&options.daemon);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => vlog::fatal(kind.module(), &format!("cannot start the runtime ({e})")),
    };
    let _guard = runtime.enter();
    if let Err(e) = process::spawn_fatal_signal_handler() {
        vlog::fatal("fatal_signal", &format!("signal handling failed ({e})"));
    }
    let pidfile = options.daemon.pidfile.as_ref().map(|p| {
        process::Pidfile::create(p, options.daemon.overwrite_pidfile)
            .unwrap_or_else(|e| vlog::fatal("daemon_unix", &e))
    });

    let commands = Commands::new();
    commands.register_defaults(kind.version_text(program));
    vlog.register_commands(&commands);
    if kind == Kind::Ic {
        // ovn-ic registers no memory reporter: its memory/show replies nothing.
        commands.register_builtin("memory/show", "", 0, 0, |_| Ok(String::new()));
    }
    let (tx, inbox) = mpsc::channel(64);
    let path = options.unixctl_path(std::process::id());
    let server = match unixctl::UnixctlServer::bind(&path, commands.clone(), tx) {
        Ok(s) => s,
        Err(e) => {
            let text = vlog::strerror(&e);
            vlog.log(
                "unixctl",
                vlog::Level::Err,
                &format!("{}: binding failed: {text}", path.display()),
            );
            eprintln!(
                "{program}: {}: could not initialize control socket ({text})",
                path.display()
            );
            process::unlink_files();
            return Start::Exit(ExitCode::FAILURE);
        }
    };
    process::add_file_to_unlink(&path);
    drop(_guard);
    Start::Run(Daemon {
        options,
        commands,
        vlog,
        runtime,
        inbox,
        server: Some(server),
        startup,
        _pidfile: pidfile,
    })
}

impl Daemon {
    /// The control socket's path.
    pub fn unixctl_path(&self) -> &std::path::Path {
        self.server
            .as_ref()
            .map(|s| s.path())
            .unwrap_or(std::path::Path::new(""))
    }

    /// The tokio runtime the main loop will run on (e.g. to connect to databases first).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Completes the start (the parent of `--detach` exits now), runs `main_loop` to its
    /// end, flushes the pending unixctl replies and removes the pidfile and the socket.
    pub fn run<F, Fut>(mut self, main_loop: F) -> ExitCode
    where
        F: FnOnce(MainLoop) -> Fut,
        Fut: Future<Output = ExitCode>,
    {
        self.startup.complete();
        let ctx = MainLoop {
            options: self.options.clone(),
            inbox: self.inbox,
            commands: self.commands.clone(),
            vlog: self.vlog.clone(),
        };
        let code = self.runtime.block_on(main_loop(ctx));
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.drain(Duration::from_secs(2)));
            server.close();
        }
        process::unlink_files();
        self.runtime.shutdown_timeout(Duration::from_millis(100));
        code
    }
}
