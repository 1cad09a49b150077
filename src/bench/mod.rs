//! `ovn-dd bench`: a churn benchmark harness that measures any northd command line on a
//! private NB/SB pair, and two of them side by side (`--vs`) on identical workloads.
//!
//! Per northd: fresh databases, the topology loaded in large transactions, the northd
//! started (cold convergence), then R repetitions of single-object operations each timed from
//! NB commit to `sb_cfg`, the floor, CPU, peak RSS and the logical-flow count.

pub mod lab;
pub mod report;
pub mod watch;
pub mod workload;

use std::path::PathBuf;
use std::time::Instant;

use lab::{Lab, WAIT_TIMEOUT_S};
use report::{OpSamples, Run, Workload};
use watch::Watch;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Topology profile (only `light` so far: N node switches × P VIF ports, one cluster
    /// router with a port per switch).
    #[arg(long, default_value = "light")]
    pub profile: String,
    /// Node switches.
    #[arg(long, default_value_t = 10)]
    pub nodes: usize,
    /// VIF ports per node switch (at most 240).
    #[arg(long, default_value_t = 10)]
    pub pods: usize,
    /// Repetitions of each measured operation.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// The northd under test; the harness appends --ovnnb-db, --ovnsb-db, --pidfile,
    /// --log-file and --unixctl.
    #[arg(long, default_value = "ovn-dd northd")]
    pub northd: String,
    /// A second northd run on the identical workload, compared with the first.
    #[arg(long)]
    pub vs: Option<String>,
    /// Directory for report.md and report.json.
    #[arg(long, default_value = "bench-out")]
    pub out: PathBuf,
    /// Keep each run's temp dir (databases, logs).
    #[arg(long)]
    pub keep: bool,
}

fn progress(tag: &str, msg: &str) {
    eprintln!("bench [{tag}] {msg}");
}

/// One timed transaction: the monitor's commit → sb_cfg time, print-wait-time's, and wall.
struct Sample {
    latency: f64,
    print_wait: f64,
    wall: f64,
}

impl OpSamples {
    fn push(&mut self, s: Sample) {
        self.latency_ms.push(s.latency);
        self.print_wait_ms.push(s.print_wait);
        self.wall_ms.push(s.wall);
    }
}

/// Runs `ovn-nbctl --wait=sb --print-wait-time` with `cmds` as one transaction and times it
/// three ways (see [`OpSamples`]).
fn timed(lab: &Lab, watch: &Watch, cmds: &[Vec<String>]) -> Result<Sample, String> {
    let mut args: Vec<String> = vec![
        "--wait=sb".into(),
        format!("--timeout={WAIT_TIMEOUT_S}"),
        "--print-wait-time".into(),
    ];
    for (i, c) in cmds.iter().enumerate() {
        if i > 0 {
            args.push("--".into());
        }
        args.extend(c.iter().cloned());
    }
    let t = Instant::now();
    let out = lab.nbctl(&args)?;
    let wall = t.elapsed().as_secs_f64() * 1e3;
    let print_wait = completion_ms(&out).filter(|&ms| ms >= 0.0).unwrap_or(wall);
    let latency = nb_cfg_of(&out)
        .and_then(|c| watch.latency_ms(c))
        .unwrap_or(print_wait);
    Ok(Sample {
        latency,
        print_wait,
        wall,
    })
}

/// The nb_cfg value in "Time spent on processing nb_cfg N:".
pub fn nb_cfg_of(out: &str) -> Option<i64> {
    let l = out
        .lines()
        .find(|l| l.starts_with("Time spent on processing nb_cfg"))?;
    l.trim_end_matches(':').rsplit(' ').next()?.parse().ok()
}

/// "ovn-northd completion: Nms" from `--print-wait-time` output.
pub fn completion_ms(out: &str) -> Option<f64> {
    let l = out.lines().find(|l| l.contains("ovn-northd completion"))?;
    l.split(':')
        .nth(1)?
        .trim()
        .trim_end_matches("ms")
        .parse()
        .ok()
}

fn count_flows(lab: &Lab) -> Result<usize, String> {
    let out = lab.sbctl(&[
        "--format=csv",
        "--no-headings",
        "--columns=_uuid",
        "list",
        "Logical_Flow",
    ])?;
    Ok(out.lines().filter(|l| !l.trim().is_empty()).count())
}

fn run_one(args: &Args, tag: &str, index: usize, northd: &str) -> Result<Run, String> {
    let clk = lab::clk_tck();
    let mut lab = Lab::start(index, args.keep)?;
    let res = measure(args, tag, northd, clk, &mut lab);
    if res.is_err() {
        lab.keep();
    }
    res
}

fn measure(args: &Args, tag: &str, northd: &str, clk: f64, lab: &mut Lab) -> Result<Run, String> {
    let mut run = Run {
        northd: northd.to_string(),
        ..Default::default()
    };
    // Load the topology before the northd starts.
    let chunks = workload::light(args.nodes, args.pods);
    let t = Instant::now();
    for (i, c) in chunks.iter().enumerate() {
        lab.nbctl_batch(c)?;
        progress(
            tag,
            &format!(
                "loaded transaction {}/{} ({} commands)",
                i + 1,
                chunks.len(),
                c.len()
            ),
        );
    }
    run.load_s = t.elapsed().as_secs_f64();

    let watch = Watch::start(&lab.nb_sock())?;

    // Cold convergence.
    progress(tag, &format!("starting `{northd}`"));
    let t = Instant::now();
    lab.start_northd(northd)?;
    lab.sync_while_northd_runs()?;
    run.cold_s = t.elapsed().as_secs_f64();
    let pid = lab.northd_pid().ok_or("northd pid unknown")?;
    run.cold_cpu_s = lab::cpu_seconds(pid, clk).unwrap_or(f64::NAN);
    run.flows = count_flows(lab)?;
    progress(
        tag,
        &format!(
            "cold convergence {:.3} s, {} logical flows",
            run.cold_s, run.flows
        ),
    );

    // Floor, then the operations, R repetitions each.
    for _ in 0..args.reps {
        run.floor
            .push(timed(lab, &watch, &[vec!["sync".to_string()]])?);
    }
    run.ops = workload::OPS
        .iter()
        .map(|o| (o.to_string(), OpSamples::default()))
        .collect();
    for rep in 0..args.reps {
        for (name, samples) in run.ops.iter_mut() {
            samples.push(
                timed(lab, &watch, &workload::op_commands(name, rep))
                    .map_err(|e| format!("{name} (repetition {rep}): {e}"))?,
            );
        }
        lab.check_northd()?;
        progress(tag, &format!("repetition {}/{} done", rep + 1, args.reps));
    }
    run.flows_after_churn = count_flows(lab)?;
    run.cpu_s = lab::cpu_seconds(pid, clk).unwrap_or(f64::NAN);
    run.peak_rss_kib = lab::peak_rss_kib(pid).unwrap_or(0);
    lab.stop_northd();
    Ok(run)
}

pub fn run(args: Args) -> Result<(), String> {
    if args.profile != "light" {
        return Err(format!(
            "unknown profile `{}` (only `light` so far)",
            args.profile
        ));
    }
    if args.pods > 240 {
        return Err("--pods must be at most 240".into());
    }
    if args.reps == 0 {
        return Err("--reps must be at least 1".into());
    }
    let mut commands = vec![args.northd.clone()];
    commands.extend(args.vs.clone());
    let mut runs = Vec::new();
    for (i, cmd) in commands.iter().enumerate() {
        let tag = ["A", "B"][i];
        runs.push(run_one(&args, tag, i, cmd)?);
    }
    let w = Workload {
        profile: args.profile.clone(),
        nodes: args.nodes,
        pods: args.pods,
        reps: args.reps,
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let md = report::to_markdown(&w, &runs);
    let json = serde_json::to_string_pretty(&report::to_json(&w, &runs)).unwrap();
    for (name, text) in [("report.md", &md), ("report.json", &json)] {
        let p = args.out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    eprintln!("bench: wrote {}", args.out.join("report.md").display());
    print!("{md}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_print_wait_time() {
        let out = "Time spent on processing nb_cfg 1:\n\tovn-northd delay before processing:\t0ms\n\tovn-northd completion:\t\t\t12ms\n";
        assert_eq!(super::completion_ms(out), Some(12.0));
        assert_eq!(super::completion_ms(""), None);
        assert_eq!(super::nb_cfg_of(out), Some(1));
    }
}
