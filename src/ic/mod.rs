//! The live ovn-ic: `ovn-dd ic ARGS` (or `ovn-ic ARGS` through a link of that name), a
//! drop-in for ovn-ic 23.03.
//!
//! [`main`] starts the daemon with ovn-ic's command line ([`crate::daemon::start_ic`]),
//! registers ovn-ic's unixctl commands ([`COMMANDS`]) and runs the main loop
//! ([`run::run`]: four OVSDB sessions, the `ic` rules, the writes) with a [`Config`] built
//! from the options. [`rows`] turns database rows into rule inputs, [`write`] pending
//! writes into OVSDB operations.
//!
//! What the C daemon logs and names, for the loop to use: the lock [`LOCK`] on the AZ
//! Southbound, the vlog module [`MODULE`] (log with `tracing::info!(target: MODULE, ...)`),
//! and the texts [`LOCK_ACQUIRED`], [`LOCK_LOST`], [`PAUSED`]. [`Control`] answers the
//! commands with ovn-ic's exact replies.

use std::process::ExitCode;

pub mod rows;
pub mod run;
pub mod write;

use adapters::client::Options;

use crate::daemon::{Command, CommandLine, Start, start_ic};

/// The lock ovn-ic takes on the AZ Southbound database (the IC databases are not locked).
pub const LOCK: &str = "ovn_ic";

/// ovn-ic's vlog module: the tracing target of the daemon's own messages.
pub const MODULE: &str = "ovn_ic";

/// Logged (INFO) when the Southbound lock is acquired.
pub const LOCK_ACQUIRED: &str = "ovn-ic lock acquired. This ovn-ic instance is now active.";

/// Logged (INFO) when the Southbound lock, once held, is lost.
pub const LOCK_LOST: &str = "ovn-ic lock lost. This ovn-ic instance is now on standby.";

/// Logged (INFO) when a pause releases the lock the instance held or was contending for.
pub const PAUSED: &str = "This ovn-ic instance is now paused.";

/// The unixctl commands ovn-ic registers, as `(name, usage, min, max)`.
pub const COMMANDS: &[(&str, &str, usize, usize)] = &[
    ("exit", "", 0, 0),
    ("pause", "", 0, 0),
    ("resume", "", 0, 0),
    ("is-paused", "", 0, 0),
    ("status", "", 0, 0),
];

/// The four databases, in the order ovn-ic runs them.
pub const DATABASES: [&str; 4] = [
    "OVN_Northbound",
    "OVN_Southbound",
    "OVN_IC_Northbound",
    "OVN_IC_Southbound",
];

/// How to run: one session per database (`--ovnnb-db`, `--ovnsb-db`, `--ic-nb-db`,
/// `--ic-sb-db`, defaulted, each with the SSL files of the command line). No lock is set:
/// the loop sets `sb.lock = Some(LOCK.into())`.
#[derive(Clone, Debug)]
pub struct Config {
    pub nb: Options,
    pub sb: Options,
    pub ic_nb: Options,
    pub ic_sb: Options,
}

impl Config {
    /// The sessions an ovn-ic command line asks for.
    pub fn new(o: &CommandLine) -> Config {
        Config {
            nb: o.ssl.client_options(&o.ovnnb_db),
            sb: o.ssl.client_options(&o.ovnsb_db),
            ic_nb: o.ssl.client_options(&o.ic_nb_db),
            ic_sb: o.ssl.client_options(&o.ic_sb_db),
        }
    }
}

/// What a command answered by [`Control::command`] asks of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing (a query, or a pause/resume that changed nothing).
    None,
    /// `exit`: end the loop (ovn-ic finishes the iteration and cleans nothing up).
    Exit,
    /// `pause` while running: release the lock (logging [`PAUSED`] if it was held or
    /// contended) and stop opening transactions.
    Pause,
    /// `resume` while paused: ask for the lock again.
    Resume,
}

/// The pause state and ovn-ic's answers to its own commands.
#[derive(Clone, Debug, Default)]
pub struct Control {
    pub paused: bool,
}

impl Control {
    /// `status`'s word: `paused`, else `active` with the lock, else `standby`.
    pub fn status(&self, has_lock: bool) -> &'static str {
        if self.paused {
            "paused"
        } else if has_lock {
            "active"
        } else {
            "standby"
        }
    }

    /// Answers one of [`COMMANDS`] as ovn-ic does (`has_lock`: the Southbound session holds
    /// [`LOCK`]) and says what the loop has to do.
    pub fn command(&mut self, c: Command, has_lock: bool) -> Action {
        let name = c.name.clone();
        let action = match name.as_str() {
            "exit" => Action::Exit,
            "pause" if !self.paused => Action::Pause,
            "resume" if self.paused => Action::Resume,
            "pause" | "resume" => Action::None,
            "is-paused" => {
                // No newline: the server adds it, as ovn-ic's reply has none.
                c.ok(if self.paused { "true" } else { "false" });
                return Action::None;
            }
            "status" => {
                c.ok(format!("Status: {}\n", self.status(has_lock)));
                return Action::None;
            }
            other => {
                c.err(format!("\"{other}\" is not a valid command"));
                return Action::None;
            }
        };
        match action {
            Action::Pause => self.paused = true,
            Action::Resume => self.paused = false,
            _ => {}
        }
        c.ok("");
        action
    }
}

/// `ovn-dd ic ARGS` (or `ovn-ic ARGS` through a link): the daemon.
pub fn main(program: &str, args: impl Iterator<Item = String>) -> ExitCode {
    let daemon = match start_ic(program, args) {
        Start::Run(d) => d,
        Start::Exit(code) => return code,
    };
    for (name, usage, min, max) in COMMANDS {
        daemon.commands.register(name, usage, *min, *max);
    }
    daemon.run(|ctx| async move {
        let cfg = Config::new(&ctx.options);
        match run::run(cfg, ctx.inbox).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(target: MODULE, "{e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::parse_ic_args;

    #[test]
    fn config_takes_the_four_remotes_and_the_ssl_files() {
        let o = parse_ic_args(
            "ovn-ic",
            [
                "--ovnnb-db=unix:/nb",
                "--ovnsb-db=tcp:1.2.3.4:6642,tcp:1.2.3.5:6642",
                "-Issl:1.1.1.1:6645",
                "-i",
                "unix:/ic-sb",
                "-pkey",
                "-ccert",
                "-Cca",
            ]
            .into_iter()
            .map(String::from),
        )
        .unwrap();
        let c = Config::new(&o);
        assert_eq!(c.nb.remotes, ["unix:/nb"]);
        assert_eq!(c.sb.remotes, ["tcp:1.2.3.4:6642", "tcp:1.2.3.5:6642"]);
        assert_eq!(c.ic_nb.remotes, ["ssl:1.1.1.1:6645"]);
        assert_eq!(c.ic_sb.remotes, ["unix:/ic-sb"]);
        for s in [&c.nb, &c.sb, &c.ic_nb, &c.ic_sb] {
            let tls = s.tls.as_ref().expect("TLS files");
            assert_eq!(tls.private_key, std::path::PathBuf::from("key"));
            assert_eq!(tls.ca_cert, std::path::PathBuf::from("ca"));
            assert!(s.lock.is_none());
        }
        // Without all three files there is no TLS (as for ovn-northd).
        let o = parse_ic_args("ovn-ic", ["-pkey".to_string()].into_iter()).unwrap();
        assert!(Config::new(&o).sb.tls.is_none());
    }

    #[test]
    fn status_words() {
        let mut c = Control::default();
        assert_eq!((c.status(false), c.status(true)), ("standby", "active"));
        c.paused = true;
        assert_eq!(c.status(true), "paused");
    }
}
