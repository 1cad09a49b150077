//! ovn-dd: OVN's northd as incremental differential-dataflow rules.

use ovn_dd::{bench, compute, daemon};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ovn-dd",
    version,
    about = "A differential-dataflow drop-in for ovn-northd and ovn-ic"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Compute the Southbound for a Northbound database file and print its logical flows
    /// as `ovn-sbctl dump-flows` does. Without --nb, the embedded seed topology is used.
    Compute {
        /// OVN_Northbound standalone database file.
        #[arg(long)]
        nb: Option<PathBuf>,
        /// OVN_Southbound database file supplying chassis and existing tunnel keys.
        #[arg(long)]
        sb: Option<PathBuf>,
        /// Write the computed Southbound here as a standalone database file.
        #[arg(long)]
        sb_out: Option<PathBuf>,
        /// The OVN_Southbound schema used for --sb-out when --sb is not given.
        #[arg(long, default_value = "/usr/share/ovn/ovn-sb.ovsschema")]
        sb_schema: PathBuf,
        /// Print nothing (with --sb-out).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Churn benchmark: run a northd command line (and, with --vs, a second one) on a
    /// private NB/SB pair and report convergence, per-operation latency, CPU, RSS and flows.
    Bench(bench::Args),
    /// Run as ovn-northd 23.03 (takes ovn-northd's options; `ovn-dd northd --help`); a link
    /// named `ovn-northd` to this binary does the same.
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Northd {
        /// ovn-northd's command line.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run as ovn-ic 23.03 (takes ovn-ic's options; `ovn-dd ic --help`); a link named
    /// `ovn-ic` to this binary does the same.
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Ic {
        /// ovn-ic's command line.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    // Run as `ovn-northd` or `ovn-ic` through a symlink of that name: the whole command
    // line is that daemon's, and OVS-style logging replaces the fmt subscriber.
    let argv0 = std::env::args().next().unwrap_or_default();
    let program = daemon::cli::program_name(&argv0);
    match program.as_str() {
        "ovn-northd" => return ovn_dd::northd::main(&program, std::env::args().skip(1)),
        "ovn-ic" => return ovn_dd::ic::main(&program, std::env::args().skip(1)),
        _ => {}
    }
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Northd { args } => return ovn_dd::northd::main("ovn-dd-northd", args.into_iter()),
        Cmd::Ic { args } => return ovn_dd::ic::main("ovn-dd-ic", args.into_iter()),
        _ => {}
    }
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
    let res = match cli.cmd {
        Cmd::Compute {
            nb,
            sb,
            sb_out,
            sb_schema,
            quiet,
        } => compute::run(compute::Args {
            nb,
            sb,
            sb_out,
            sb_schema,
            quiet,
        }),
        Cmd::Bench(args) => bench::run(args),
        Cmd::Northd { .. } | Cmd::Ic { .. } => unreachable!("handled above"),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ovn-dd: {e}");
            ExitCode::FAILURE
        }
    }
}
