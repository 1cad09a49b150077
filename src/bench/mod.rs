//! `ovn-dd bench`: a churn benchmark harness that measures any northd command line on a
//! private NB/SB pair, and two of them side by side (`--vs`) on identical workloads.
//!
//! Per northd: fresh databases, the topology loaded in large transactions, the northd
//! started (cold convergence), then R repetitions of single-object operations each timed from
//! NB commit to `sb_cfg` with the SB transactions it caused, the floor, CPU, peak RSS and the
//! logical-flow count. With `--vs` both northds run at once on identical control planes and
//! every measured transaction runs on one then the other; `--scales` repeats all of it at
//! several sizes. Output: report.md, report.json and SVG plots.

pub mod lab;
pub mod plot;
pub mod progress;
pub mod report;
pub mod sblog;
pub mod watch;
pub mod workload;

use std::path::PathBuf;
use std::time::Instant;

use lab::{Lab, WAIT_TIMEOUT_S};
use progress::Bar;
use report::{OpSamples, Report, Run, Scale};
use sblog::{SbLog, Writes};
use watch::Watch;
use workload::{Profile, Shape};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Topology profile: `light` (N node switches × P VIF ports, one cluster router with a
    /// port per switch), `heavy` (light + per node a port group with 3 ACLs and an address
    /// set, --lbs load balancers in a group on every switch), `gateway` (light + per node a
    /// gateway router behind a join switch, an external switch with a localnet port, SNAT),
    /// `cluster-density` (light + the load-balancer group, then --iterations namespaces
    /// created and their short-lived pods deleted, each transaction measured).
    #[arg(long, default_value = "light")]
    pub profile: String,
    /// Node switches.
    #[arg(long, default_value_t = 10)]
    pub nodes: usize,
    /// VIF ports per node switch (at most 240).
    #[arg(long, default_value_t = 10)]
    pub pods: usize,
    /// Several scales, NODESxPODS comma-separated (e.g. `10x10,50x20`), run one after the
    /// other and plotted against the number of VIF ports; replaces --nodes and --pods.
    #[arg(long)]
    pub scales: Option<String>,
    /// Repetitions of each measured operation.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// The operations to repeat, comma-separated (default all: ls-add, ls-del, lsp-add,
    /// lsp-set-addresses, lsp-del, lr-route-add, lr-route-del, acl-add, acl-del, lb-add,
    /// lb-del, nat-add, nat-del); a deletion needs its addition.
    #[arg(long)]
    pub ops: Option<String>,
    /// Load balancers in the cluster load-balancer group (heavy, cluster-density).
    #[arg(long, default_value_t = 10)]
    pub lbs: usize,
    /// Namespaces cluster-density creates after cold convergence.
    #[arg(long, default_value_t = 10)]
    pub iterations: usize,
    /// The northd under test; the harness appends --ovnnb-db, --ovnsb-db, --pidfile,
    /// --log-file and --unixctl.
    #[arg(long, default_value = "ovn-dd northd")]
    pub northd: String,
    /// A second northd run on an identical workload, interleaved with the first operation by
    /// operation, and compared with it (ratios B/A).
    #[arg(long)]
    pub vs: Option<String>,
    /// Directory for report.md, report.json and the SVG plots.
    #[arg(long, default_value = "bench-out")]
    pub out: PathBuf,
    /// Keep each run's temp dir (databases, logs).
    #[arg(long)]
    pub keep: bool,
}

/// One timed transaction: the monitor's commit → sb_cfg time, print-wait-time's, wall, and
/// the SB transactions committed meanwhile.
struct Sample {
    latency: f64,
    print_wait: f64,
    wall: f64,
    sb: Option<Writes>,
}

impl OpSamples {
    fn push(&mut self, s: Sample) {
        self.latency_ms.push(s.latency);
        self.print_wait_ms.push(s.print_wait);
        self.wall_ms.push(s.wall);
        self.sb.extend(s.sb);
    }
}

/// How long to wait, after `sb_cfg` caught up, for the SB record carrying the operation's
/// `nb_cfg` to reach the SB file.
const SB_RECORD_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// One northd on its own control plane.
struct Side {
    tag: &'static str,
    command: String,
    lab: Lab,
    watch: Option<Watch>,
    sb: SbLog,
    run: Run,
}

/// Runs `ovn-nbctl --wait=sb --print-wait-time` with `cmds` as one transaction and times it
/// three ways (see [`OpSamples`]).
fn timed(side: &mut Side, cmds: &[Vec<String>]) -> Result<Sample, String> {
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
    side.sb.skip();
    let t = Instant::now();
    let out = side.lab.nbctl(&args)?;
    let wall = t.elapsed().as_secs_f64() * 1e3;
    let sb = side.sb.take(nb_cfg_of(&out), SB_RECORD_WAIT);
    let print_wait = completion_ms(&out).filter(|&ms| ms >= 0.0).unwrap_or(wall);
    let latency = nb_cfg_of(&out)
        .and_then(|c| side.watch.as_ref()?.latency_ms(c))
        .unwrap_or(print_wait);
    Ok(Sample {
        latency,
        print_wait,
        wall,
        sb,
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

/// The order the sides take in step `k`: A first in even steps, B first in odd ones.
fn order(n: usize, k: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    if k % 2 == 1 {
        v.reverse();
    }
    v
}

/// Times `cmds` on every side (in `order(k)`), recording the samples under `op`.
fn on_each(
    sides: &mut [Side],
    k: usize,
    op: Option<&str>,
    cmds: &[Vec<String>],
    bar: &mut Bar,
) -> Result<(), String> {
    for i in order(sides.len(), k) {
        let s = &mut sides[i];
        let sample = timed(s, cmds).map_err(|e| {
            format!(
                "[{}] {} (step {k}): {e}",
                s.tag,
                op.unwrap_or("sync (floor)")
            )
        })?;
        let name = op.unwrap_or("sync");
        if sample.wall > 1000.0 {
            // Slow steps get a log line of their own where there is no bar.
            bar.detail(&format!(
                "bench [{}] {name} (step {}): {:.0} ms",
                s.tag,
                k + 1,
                sample.latency
            ));
        }
        match op {
            Some(op) => s.run.op_mut(op).push(sample),
            None => s.run.floor.push(sample),
        }
        bar.inc(&format!("[{}] {name}", s.tag));
    }
    Ok(())
}

/// Runs every command in `commands` on `shape`, interleaved, and returns their runs.
fn run_scale(
    args: &Args,
    shape: &Shape,
    ops: &[&str],
    commands: &[String],
    label: &str,
) -> Result<Vec<Run>, String> {
    let mut sides = Vec::new();
    for (i, cmd) in commands.iter().enumerate() {
        let lab = Lab::start(i, args.keep)?;
        sides.push(Side {
            tag: ["A", "B"][i],
            command: cmd.clone(),
            sb: SbLog::open(lab.sb_file()),
            lab,
            watch: None,
            run: Run {
                northd: cmd.clone(),
                ..Default::default()
            },
        });
    }
    let res = measure(args, shape, ops, &mut sides, label);
    if res.is_err() {
        for s in &mut sides {
            s.lab.keep();
        }
    }
    res?;
    Ok(sides.into_iter().map(|s| s.run).collect())
}

fn measure(
    args: &Args,
    shape: &Shape,
    ops: &[&str],
    sides: &mut [Side],
    label: &str,
) -> Result<(), String> {
    let clk = lab::clk_tck();
    let all_tags = sides.iter().map(|s| s.tag).collect::<Vec<_>>().join("+");

    // Load the topology into every side before any northd starts.
    let txns = workload::load(shape);
    let mut bar = Bar::new(format!("{label} loading"), txns.len() * sides.len());
    for s in sides.iter_mut() {
        let t = Instant::now();
        for (i, c) in txns.iter().enumerate() {
            s.lab.nbctl_batch(c)?;
            bar.inc(&format!("[{}] transaction {}/{}", s.tag, i + 1, txns.len()));
            bar.detail(&format!(
                "bench [{}] loaded transaction {}/{} ({} commands)",
                s.tag,
                i + 1,
                txns.len(),
                c.len()
            ));
        }
        s.run.load_s = t.elapsed().as_secs_f64();
    }
    drop(bar);

    // Cold convergence, one northd at a time.
    for s in sides.iter_mut() {
        s.watch = Some(Watch::start(&s.lab.nb_sock())?);
        let mut bar = Bar::new(format!("{label} [{}] cold convergence", s.tag), 0);
        bar.detail(&format!("bench [{}] starting `{}`", s.tag, s.command));
        s.sb.skip();
        let t = Instant::now();
        s.lab.start_northd(&s.command)?;
        s.lab.sync_while_northd_runs(&mut || bar.tick())?;
        s.run.cold_s = t.elapsed().as_secs_f64();
        let nb_cfg = s.lab.nbctl(&["get", "NB_Global", ".", "nb_cfg"])?;
        s.run.cold_sb = s.sb.take(nb_cfg.trim().parse().ok(), SB_RECORD_WAIT);
        let pid = s.lab.northd_pid().ok_or("northd pid unknown")?;
        s.run.cold_cpu_s = lab::cpu_seconds(pid, clk).unwrap_or(f64::NAN);
        bar.set_note("counting logical flows");
        s.run.flows = count_flows(&s.lab)?;
        s.run.flows_before_ops = s.run.flows;
        let w = s.run.cold_sb.unwrap_or_default();
        bar.log(&format!(
            "bench [{}] cold convergence {:.3} s, {} logical flows, SB {} txns / {:.2} MiB",
            s.tag,
            s.run.cold_s,
            s.run.flows,
            w.txns,
            w.bytes as f64 / 1048576.0
        ));
    }

    // cluster-density: namespaces created and short-lived pods deleted, every transaction
    // measured.
    if shape.profile == Profile::ClusterDensity && shape.iterations > 0 {
        let mut bar = Bar::new(
            format!("{label} namespaces"),
            shape.iterations * 2 * sides.len(),
        );
        for i in 0..shape.iterations {
            for (op, cmds) in workload::density_steps(shape, i) {
                on_each(sides, i, Some(op), &cmds, &mut bar)?;
            }
            for s in sides.iter_mut() {
                s.lab.check_northd()?;
            }
            bar.detail(&format!(
                "bench [{all_tags}] iteration {}/{} done",
                i + 1,
                shape.iterations
            ));
        }
        for s in sides.iter_mut() {
            s.run.flows_before_ops = count_flows(&s.lab)?;
        }
    }

    // The floor and the operations, R repetitions each.
    let mut bar = Bar::new(
        format!("{label} operations"),
        args.reps * (1 + ops.len()) * sides.len(),
    );
    for rep in 0..args.reps {
        on_each(sides, rep, None, &[vec!["sync".to_string()]], &mut bar)?;
        for op in ops {
            on_each(
                sides,
                rep,
                Some(op),
                &workload::op_commands(shape, op, rep),
                &mut bar,
            )?;
        }
        for s in sides.iter_mut() {
            s.lab.check_northd()?;
        }
        bar.detail(&format!(
            "bench [{all_tags}] repetition {}/{} done",
            rep + 1,
            args.reps
        ));
    }
    bar.set_note("counting logical flows");
    for s in sides.iter_mut() {
        s.run.flows_after_churn = count_flows(&s.lab)?;
        let pid = s.lab.northd_pid().ok_or("northd pid unknown")?;
        s.run.cpu_s = lab::cpu_seconds(pid, clk).unwrap_or(f64::NAN);
        s.run.peak_rss_kib = lab::peak_rss_kib(pid).unwrap_or(0);
        s.lab.stop_northd();
    }
    drop(bar);
    for s in sides.iter() {
        eprintln!(
            "bench [{}] done: {} logical flows at the end, CPU {:.2} s, peak RSS {:.1} MiB",
            s.tag,
            s.run.flows_after_churn,
            s.run.cpu_s,
            s.run.peak_rss_kib as f64 / 1024.0
        );
    }
    Ok(())
}

/// Parses `--scales`: `NODESxPODS` comma-separated.
pub fn parse_scales(s: &str) -> Result<Vec<(usize, usize)>, String> {
    let v: Result<Vec<(usize, usize)>, String> = s
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            let (n, p) = x
                .split_once(['x', 'X'])
                .ok_or_else(|| format!("--scales: `{x}` is not NODESxPODS"))?;
            let num = |t: &str| {
                t.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("--scales: `{x}` is not NODESxPODS"))
            };
            Ok((num(n)?, num(p)?))
        })
        .collect();
    let v = v?;
    if v.is_empty() {
        return Err("--scales: no scale given".into());
    }
    Ok(v)
}

/// Writes report.md, report.json and the plots into `out`.
fn write_report(out: &std::path::Path, r: &Report) -> Result<String, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let md = report::to_markdown(r);
    let json = serde_json::to_string_pretty(&report::to_json(r)).unwrap();
    let mut files = vec![
        ("report.md".to_string(), md.clone()),
        ("report.json".into(), json),
    ];
    files.extend(report::plots(r));
    for (name, text) in &files {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(md)
}

pub fn run(args: Args) -> Result<(), String> {
    let profile = Profile::parse(&args.profile)?;
    let ops = workload::select_ops(args.ops.as_deref())?;
    let sizes = match &args.scales {
        Some(s) => parse_scales(s)?,
        None => vec![(args.nodes, args.pods)],
    };
    for &(n, p) in &sizes {
        if n == 0 {
            return Err("a scale needs at least one node".into());
        }
        if p > 240 {
            return Err("at most 240 pods per node".into());
        }
        if n > 16000 {
            return Err("at most 16000 nodes".into());
        }
    }
    if args.reps == 0 {
        return Err("--reps must be at least 1".into());
    }
    if args.iterations > 32000 {
        return Err("--iterations must be at most 32000".into());
    }
    let mut commands = vec![args.northd.clone()];
    commands.extend(args.vs.clone());
    // Before minutes of loading.
    for c in &commands {
        lab::resolve_program(c)?;
    }
    let mut rep = Report {
        reps: args.reps,
        ops: Vec::new(),
        scales: Vec::new(),
    };
    if profile == Profile::ClusterDensity && args.iterations > 0 {
        rep.ops
            .extend(["ns-add".to_string(), "ns-pods-del".to_string()]);
    }
    rep.ops.extend(ops.iter().map(|o| o.to_string()));
    for (k, &(nodes, pods)) in sizes.iter().enumerate() {
        let shape = Shape {
            profile,
            nodes,
            pods,
            lbs: args.lbs,
            iterations: args.iterations,
        };
        let label = if sizes.len() > 1 {
            format!("[{}/{} {nodes}x{pods}]", k + 1, sizes.len())
        } else {
            format!("[{nodes}x{pods}]")
        };
        eprintln!(
            "bench {label} {profile}: {nodes} nodes × {pods} pods, {} repetitions",
            args.reps
        );
        match run_scale(&args, &shape, &ops, &commands, &label) {
            Ok(runs) => rep.scales.push(Scale { shape, runs }),
            Err(e) if !rep.scales.is_empty() => {
                write_report(&args.out, &rep)?;
                eprintln!(
                    "bench: wrote the report of the scales done to {}",
                    args.out.display()
                );
                return Err(e);
            }
            Err(e) => return Err(e),
        }
    }
    let md = write_report(&args.out, &rep)?;
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

    #[test]
    fn parses_scales_and_alternates_order() {
        assert_eq!(
            super::parse_scales("10x10, 50X20").unwrap(),
            [(10, 10), (50, 20)]
        );
        assert!(super::parse_scales("10").is_err());
        assert!(super::parse_scales("").is_err());
        assert_eq!(super::order(2, 0), [0, 1]);
        assert_eq!(super::order(2, 3), [1, 0]);
        assert_eq!(super::order(1, 3), [0]);
    }
}
