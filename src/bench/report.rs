//! Results of benchmark runs: statistics, the Markdown report, the JSON and the plots.

use serde_json::{Value, json};

use super::plot;
use super::sblog::Writes;
use super::workload::{self, Shape};

/// One operation's samples over the repetitions.
#[derive(Debug, Clone, Default)]
pub struct OpSamples {
    /// NB commit → NB `sb_cfg` committed, ms, as seen by an `ovsdb-client monitor
    /// --timestamp` on NB_Global (independent of what the northd writes; falls back to
    /// `print_wait_ms`, then the wall time, when the monitor missed it).
    pub latency_ms: Vec<f64>,
    /// `ovn-nbctl --print-wait-time`'s "ovn-northd completion": NB commit → the
    /// `sb_cfg_timestamp` the northd writes (ovn-northd 23.03 writes the *start* of the loop
    /// iteration that commits sb_cfg, so this can be one recompute short).
    pub print_wait_ms: Vec<f64>,
    /// Wall time of the whole `ovn-nbctl --wait=sb` invocation, ms.
    pub wall_ms: Vec<f64>,
    /// SB transactions committed while the operation was waited for (samples where the SB
    /// file was compacted meanwhile are left out).
    pub sb: Vec<Writes>,
}

impl OpSamples {
    fn sb_field(&self, f: fn(&Writes) -> u64) -> Vec<f64> {
        self.sb.iter().map(|w| f(w) as f64).collect()
    }
    pub fn sb_txns(&self) -> Vec<f64> {
        self.sb_field(|w| w.txns)
    }
    pub fn sb_rows(&self) -> Vec<f64> {
        self.sb_field(|w| w.rows)
    }
    pub fn sb_bytes(&self) -> Vec<f64> {
        self.sb_field(|w| w.bytes)
    }
}

/// Everything measured for one northd at one scale.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub northd: String,
    pub load_s: f64,
    pub cold_s: f64,
    pub cold_cpu_s: f64,
    /// SB transactions of the cold convergence.
    pub cold_sb: Option<Writes>,
    pub floor: OpSamples,
    /// Measured operations in the order they first ran (cluster-density's iterations first).
    pub ops: Vec<(String, OpSamples)>,
    pub cpu_s: f64,
    pub peak_rss_kib: u64,
    /// Logical flows after cold convergence, before the repeated operations (after the
    /// cluster-density iterations), and at the end.
    pub flows: usize,
    pub flows_before_ops: usize,
    pub flows_after_churn: usize,
}

/// The runs (A, and B with --vs) at one scale.
#[derive(Debug, Clone)]
pub struct Scale {
    pub shape: Shape,
    pub runs: Vec<Run>,
}

/// A whole benchmark.
#[derive(Debug, Clone)]
pub struct Report {
    pub reps: usize,
    /// The repeated operations, in order.
    pub ops: Vec<String>,
    pub scales: Vec<Scale>,
}

/// p50/p90/p99/max by nearest rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// The `q` quantile of sorted `s` by nearest rank (NaN when empty).
pub fn quantile(s: &[f64], q: f64) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let i = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
    s[i]
}

pub fn stats(samples: &[f64]) -> Stats {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    Stats {
        p50: quantile(&s, 0.5),
        p90: quantile(&s, 0.9),
        p99: quantile(&s, 0.99),
        max: quantile(&s, 1.0),
    }
}

fn p50(samples: &[f64]) -> f64 {
    stats(samples).p50
}

fn stats_json(samples: &[f64]) -> Value {
    let s = stats(samples);
    json!({"p50": s.p50, "p90": s.p90, "p99": s.p99, "max": s.max, "samples": samples})
}

fn writes_json(w: &Writes) -> Value {
    json!({"txns": w.txns, "rows": w.rows, "bytes": w.bytes})
}

fn op_json(o: &OpSamples) -> Value {
    json!({
        "latency_ms": stats_json(&o.latency_ms),
        "wall_ms": stats_json(&o.wall_ms),
        "print_wait_ms": stats_json(&o.print_wait_ms),
        "sb_txns": stats_json(&o.sb_txns()),
        "sb_rows": stats_json(&o.sb_rows()),
        "sb_bytes": stats_json(&o.sb_bytes()),
    })
}

impl Run {
    pub fn op(&self, name: &str) -> Option<&OpSamples> {
        self.ops.iter().find(|(n, _)| n == name).map(|(_, o)| o)
    }

    /// The samples of `name`, created (in order) when first used.
    pub fn op_mut(&mut self, name: &str) -> &mut OpSamples {
        let i = match self.ops.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.ops.push((name.to_string(), OpSamples::default()));
                self.ops.len() - 1
            }
        };
        &mut self.ops[i].1
    }

    /// The floor then the operations, as the report lists them.
    fn rows(&self) -> Vec<(&str, &OpSamples)> {
        std::iter::once((FLOOR, &self.floor))
            .chain(self.ops.iter().map(|(n, o)| (n.as_str(), o)))
            .collect()
    }

    /// A row of [`Run::rows`] by name.
    fn row(&self, name: &str) -> Option<&OpSamples> {
        if name == FLOOR {
            Some(&self.floor)
        } else {
            self.op(name)
        }
    }

    /// `f` of row `name`, NaN when this run lacks it.
    fn of(&self, name: &str, f: impl Fn(&OpSamples) -> f64) -> f64 {
        self.row(name).map_or(f64::NAN, f)
    }

    pub fn to_json(&self) -> Value {
        let ops: serde_json::Map<String, Value> = self
            .ops
            .iter()
            .map(|(n, o)| (n.clone(), op_json(o)))
            .collect();
        json!({
            "northd": self.northd,
            "load_s": self.load_s,
            "cold_convergence_s": self.cold_s,
            "cold_cpu_s": self.cold_cpu_s,
            "cold_sb": self.cold_sb.as_ref().map(writes_json),
            "floor": op_json(&self.floor),
            "ops": ops,
            "cpu_s": self.cpu_s,
            "peak_rss_kib": self.peak_rss_kib,
            "logical_flows": self.flows,
            "logical_flows_before_ops": self.flows_before_ops,
            "logical_flows_after_churn": self.flows_after_churn,
        })
    }

    /// Whole-run metrics: (name, value).
    pub fn summary(&self) -> Vec<(String, f64)> {
        let cold = self.cold_sb.unwrap_or_default();
        let known = |x: u64| {
            if self.cold_sb.is_some() {
                x as f64
            } else {
                f64::NAN
            }
        };
        vec![
            ("cold convergence (s)".into(), self.cold_s),
            ("cold CPU (s)".into(), self.cold_cpu_s),
            ("cold SB transactions".into(), known(cold.txns)),
            ("cold SB rows written".into(), known(cold.rows)),
            ("cold SB MiB written".into(), known(cold.bytes) / 1048576.0),
            ("floor p50 (ms)".into(), p50(&self.floor.latency_ms)),
            ("northd CPU total (s)".into(), self.cpu_s),
            ("peak RSS (MiB)".into(), self.peak_rss_kib as f64 / 1024.0),
            ("logical flows".into(), self.flows as f64),
            (
                "logical flows at the end".into(),
                self.flows_after_churn as f64,
            ),
        ]
    }

    /// Every compared metric: the summary, then per operation latency p50/p99 and the
    /// median SB transactions, rows and bytes.
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = self.summary();
        for (n, o) in &self.ops {
            let s = stats(&o.latency_ms);
            m.push((format!("{n} p50 (ms)"), s.p50));
            m.push((format!("{n} p99 (ms)"), s.p99));
            m.push((format!("{n} SB txns p50"), p50(&o.sb_txns())));
            m.push((format!("{n} SB rows p50"), p50(&o.sb_rows())));
            m.push((format!("{n} SB bytes p50"), p50(&o.sb_bytes())));
        }
        m
    }
}

/// B/A (NaN when A is 0 or unknown).
pub fn ratio(a: f64, b: f64) -> f64 {
    if a == 0.0 || a.is_nan() {
        f64::NAN
    } else {
        b / a
    }
}

fn ratios(runs: &[Run]) -> Option<Value> {
    let [a, b] = runs else { return None };
    let r: serde_json::Map<String, Value> = a
        .metrics()
        .into_iter()
        .zip(b.metrics())
        .map(|((n, x), (_, y))| (n, json!(ratio(x, y))))
        .collect();
    Some(Value::Object(r))
}

impl Scale {
    pub fn tag(&self) -> String {
        format!("{}x{}", self.shape.nodes, self.shape.pods)
    }
    pub fn latency_svg(&self) -> String {
        format!("latency-{}.svg", self.tag())
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "nodes": self.shape.nodes,
            "pods": self.shape.pods,
            "vif_ports": self.shape.ports(),
            "latency_plot": self.latency_svg(),
            "runs": self.runs.iter().map(Run::to_json).collect::<Vec<_>>(),
        });
        if let Some(r) = ratios(&self.runs) {
            v["ratios"] = r;
        }
        v
    }
}

const NAMES: [&str; 2] = ["A", "B"];
const FLOOR: &str = "sync (floor)";

pub fn to_json(r: &Report) -> Value {
    let s0 = r.scales.first().map(|s| s.shape);
    json!({
        "profile": s0.map(|s| s.profile.name()),
        "load_balancers": s0.map(|s| s.lbs),
        "iterations": s0.map(|s| s.iterations),
        "reps": r.reps,
        "operations": r.ops,
        "interleaved": r.scales.first().is_some_and(|s| s.runs.len() > 1),
        "ratio": "B/A",
        "scaling_plot": (r.scales.len() > 1).then_some("scaling.svg"),
        "scales": r.scales.iter().map(Scale::to_json).collect::<Vec<_>>(),
    })
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "–".to_string()
    } else if (x.fract() == 0.0 && x.abs() < 1e12) || x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

fn repetitions(n: usize) -> String {
    format!("{n} repetition{}", if n == 1 { "" } else { "s" })
}

fn kib(bytes: f64) -> f64 {
    bytes / 1024.0
}

/// A Markdown table: header cells (the first left-aligned, the rest right) and rows.
fn table(head: &[String], rows: &[Vec<String>]) -> String {
    let mut s = format!("| {} |\n|---|", head.join(" | "));
    s += &"---:|".repeat(head.len() - 1);
    s += "\n";
    for r in rows {
        s += &format!("| {} |\n", r.join(" | "));
    }
    s
}

/// Column headers: `what` for each run (prefixed by A/B when there are two), with a B/A
/// column after a pair when its `with_ratio`.
fn run_cols(runs: usize, what: &[&str], with_ratio: &[bool]) -> Vec<String> {
    let mut h = Vec::new();
    for (w, &with_ratio) in what.iter().zip(with_ratio) {
        if runs == 1 {
            h.push(w.to_string());
            continue;
        }
        for n in &NAMES[..runs] {
            h.push(format!("{n} {w}"));
        }
        if with_ratio && runs == 2 {
            h.push(format!("B/A {w}"));
        }
    }
    h
}

/// Values per run for each of `n` metrics (`f(run, metric)`), with the B/A ratio after a
/// pair when its `with_ratio`.
fn run_vals(
    runs: &[Run],
    n: usize,
    f: &dyn Fn(&Run, usize) -> f64,
    with_ratio: &[bool],
) -> Vec<String> {
    let mut v = Vec::new();
    for (i, &with_ratio) in with_ratio.iter().enumerate().take(n) {
        let xs: Vec<f64> = runs.iter().map(|r| f(r, i)).collect();
        v.extend(xs.iter().map(|&x| num(x)));
        if with_ratio && let [a, b] = xs[..] {
            v.push(num(ratio(a, b)));
        }
    }
    v
}

fn scale_markdown(sc: &Scale) -> String {
    let runs = &sc.runs;
    let two = runs.len() == 2;
    let sh = &sc.shape;
    let mut s = format!(
        "\n## {} nodes × {} pods ({} VIF ports)\n\n### Summary\n\n",
        sh.nodes,
        sh.pods,
        sh.ports()
    );
    let mut head = vec!["metric".to_string()];
    head.extend(NAMES[..runs.len()].iter().map(|n| n.to_string()));
    if two {
        head.push("B/A".into());
    }
    let per_run: Vec<Vec<(String, f64)>> = runs.iter().map(Run::summary).collect();
    let rows: Vec<Vec<String>> = (0..per_run[0].len())
        .map(|i| {
            let mut r = vec![per_run[0][i].0.clone()];
            r.extend(per_run.iter().map(|m| num(m[i].1)));
            if two {
                r.push(num(ratio(per_run[0][i].1, per_run[1][i].1)));
            }
            r
        })
        .collect();
    s += &table(&head, &rows);
    if let [a, b] = &runs[..]
        && (a.flows != b.flows || a.flows_after_churn != b.flows_after_churn)
    {
        s += &format!(
            "\n**Logical flow counts differ** (A {} / B {} after cold convergence, A {} / B {} \
             at the end): the two northds do not produce the same output for this workload \
             (one may not implement every feature it uses), so their times compare different \
             work.\n",
            a.flows, b.flows, a.flows_after_churn, b.flows_after_churn
        );
    }

    // Latency.
    s += "\n### Latency (ms)\n\nNB commit → `sb_cfg`, by the NB_Global monitor.\n\n";
    let names: Vec<&str> = runs[0].rows().iter().map(|(n, _)| *n).collect();
    let per_op = |what: &[&str], ratio: &[bool], fs: &[&dyn Fn(&OpSamples) -> f64]| {
        let mut head = vec!["operation".to_string()];
        head.extend(run_cols(runs.len(), what, ratio));
        let rows: Vec<Vec<String>> = names
            .iter()
            .map(|name| {
                let mut r = vec![name.to_string()];
                r.extend(run_vals(
                    runs,
                    fs.len(),
                    &|run, i| run.of(name, fs[i]),
                    ratio,
                ));
                r
            })
            .collect();
        table(&head, &rows)
    };
    s += &per_op(
        &["p50", "p90", "p99", "max"],
        &[true, false, true, false],
        &[
            &|o| stats(&o.latency_ms).p50,
            &|o| stats(&o.latency_ms).p90,
            &|o| stats(&o.latency_ms).p99,
            &|o| stats(&o.latency_ms).max,
        ],
    );
    s += &format!(
        "\n![Latency distribution per operation, {} nodes × {} pods]({})\n",
        sh.nodes,
        sh.pods,
        sc.latency_svg()
    );

    // Cross-check of the three clocks.
    s += "\n### Cross-check (p50, ms)\n\n";
    s += &per_op(
        &["monitor", "print-wait", "wall"],
        &[false; 3],
        &[&|o| p50(&o.latency_ms), &|o| p50(&o.print_wait_ms), &|o| {
            p50(&o.wall_ms)
        }],
    );
    for (i, r) in runs.iter().enumerate() {
        if let Some(o) = r.op("lsp-add") {
            s += &format!(
                "\nCross-check {}, lsp-add p50: NB_Global monitor {} ms, --print-wait-time {} ms.\n",
                NAMES[i],
                num(p50(&o.latency_ms)),
                num(p50(&o.print_wait_ms))
            );
        }
    }

    // SB writes.
    s += "\n### SB writes per operation (median)\n\n";
    s += &per_op(
        &["txns", "rows", "KiB"],
        &[true; 3],
        &[&|o| p50(&o.sb_txns()), &|o| p50(&o.sb_rows()), &|o| {
            kib(p50(&o.sb_bytes()))
        }],
    );

    s += "\n";
    for (i, r) in runs.iter().enumerate() {
        s += &format!(
            "{}: topology load {:.2} s; logical flows {} after cold convergence, {} before the \
             repeated operations, {} at the end.\n",
            NAMES[i], r.load_s, r.flows, r.flows_before_ops, r.flows_after_churn
        );
    }
    s
}

/// (VIF ports, value) per scale for run `i`.
fn series(scales: &[Scale], i: usize, f: impl Fn(&Run) -> f64) -> Vec<(f64, f64)> {
    scales
        .iter()
        .map(|sc| (sc.shape.ports() as f64, sc.runs.get(i).map_or(f64::NAN, &f)))
        .collect()
}

fn lsp_add_p50(r: &Run) -> f64 {
    r.op("lsp-add").map_or(f64::NAN, |o| p50(&o.latency_ms))
}

pub fn to_markdown(r: &Report) -> String {
    let Some(first) = r.scales.first() else {
        return "# ovn-dd bench: no runs\n".into();
    };
    let sh = first.shape;
    let sizes: Vec<String> = r
        .scales
        .iter()
        .map(|s| format!("{} nodes × {} pods", s.shape.nodes, s.shape.pods))
        .collect();
    let mut s = format!(
        "# ovn-dd bench: {} profile, {}, {}\n\n",
        sh.profile,
        sizes.join(" / "),
        repetitions(r.reps)
    );
    s += &format!(
        "Topology: {} Loaded in large ovn-nbctl transactions before the northd starts.\n\n{}\n\n",
        sh.describe_with("N", "P"),
        workload::describe_ops(&sh)
    );
    s += "Latency is NB commit → NB `sb_cfg` catching up, timed by an `ovsdb-client monitor \
          --timestamp` on NB_Global. *print-wait* is `ovn-nbctl --wait=sb --print-wait-time`'s \
          \"ovn-northd completion\" for the same transaction, as a cross-check (ovn-northd \
          23.03 stamps `sb_cfg_timestamp` with the start of the loop iteration that commits \
          `sb_cfg`, so it can read one recompute short); *wall* is the whole `ovn-nbctl \
          --wait=sb` invocation, which also includes ovn-nbctl fetching the NB tables it needs \
          (large at scale). Cold convergence is northd start → `sb_cfg` catching up after a \
          `--wait=sb sync`. The floor is a `--wait=sb sync` with nothing changed. *SB writes* \
          are the transactions appended to the SB database file while an operation was waited \
          for (rows inserted, updated or deleted; record bytes); only the northd writes that \
          SB.\n\n";
    for (i, run) in first.runs.iter().enumerate() {
        s += &format!("- **{}**: `{}`\n", NAMES[i], run.northd);
    }
    if first.runs.len() == 2 {
        s += "\nA and B run on two identical private control planes loaded with the same \
              transactions, side by side: each measured operation runs on one then the other \
              (A first in even repetitions, B first in odd ones), so machine noise hits both. \
              Cold convergence is measured one northd at a time. **Ratios are B/A**: below 1 \
              means B is lower (faster, smaller) than A.\n";
    }
    for sc in &r.scales {
        s += &scale_markdown(sc);
    }
    if r.scales.len() > 1 {
        s += "\n## Scaling\n\n";
        let n = first.runs.len();
        let mut head = vec!["nodes × pods".to_string(), "VIF ports".to_string()];
        head.extend(run_cols(n, &["lsp-add p50 (ms)", "cold (s)"], &[true; 2]));
        let rows: Vec<Vec<String>> = r
            .scales
            .iter()
            .map(|sc| {
                let mut row = vec![sc.tag(), sc.shape.ports().to_string()];
                let f = |x: &Run, i: usize| if i == 0 { lsp_add_p50(x) } else { x.cold_s };
                row.extend(run_vals(&sc.runs, 2, &f, &[true; 2]));
                row
            })
            .collect();
        s += &table(&head, &rows);
        s += "\n![lsp-add p50 latency and cold convergence against scale](scaling.svg)\n";
    }
    s += "\n## Plots\n\n";
    for sc in &r.scales {
        s += &format!(
            "- [{}]({}): latency distribution per operation at {} nodes × {} pods\n",
            sc.latency_svg(),
            sc.latency_svg(),
            sc.shape.nodes,
            sc.shape.pods
        );
    }
    if r.scales.len() > 1 {
        s += "- [scaling.svg](scaling.svg): lsp-add p50 latency and cold convergence against \
              VIF ports\n";
    } else {
        s += "- latency against scale: run with `--scales` (e.g. `--scales 10x10,50x20`)\n";
    }
    s
}

fn legend_names(runs: &[Run]) -> Vec<String> {
    runs.iter()
        .enumerate()
        .map(|(i, r)| format!("{}: {}", NAMES[i], r.northd))
        .collect()
}

/// The SVG files of the report: (file name, text).
pub fn plots(r: &Report) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sc in &r.scales {
        let groups: Vec<plot::Group> = sc.runs[0]
            .rows()
            .iter()
            .map(|(name, _)| plot::Group {
                label: name.to_string(),
                runs: sc
                    .runs
                    .iter()
                    .map(|run| run.row(name).map_or(Vec::new(), |o| o.latency_ms.clone()))
                    .collect(),
            })
            .collect();
        let title = format!(
            "{}: latency per operation, {} nodes × {} pods ({})",
            sc.shape.profile,
            sc.shape.nodes,
            sc.shape.pods,
            repetitions(r.reps)
        );
        out.push((
            sc.latency_svg(),
            plot::distribution(
                &title,
                "NB commit → sb_cfg (ms)",
                &legend_names(&sc.runs),
                &groups,
            ),
        ));
    }
    if r.scales.len() > 1 {
        let names = legend_names(&r.scales[0].runs);
        let panel = |title: &str, y: &str, f: fn(&Run) -> f64| plot::Panel {
            title: title.into(),
            y_name: y.into(),
            lines: names
                .iter()
                .enumerate()
                .map(|(i, n)| plot::Line {
                    name: n.clone(),
                    points: series(&r.scales, i, f),
                })
                .collect(),
        };
        let title = format!(
            "{}: latency and cold convergence against scale",
            r.scales[0].shape.profile
        );
        out.push((
            "scaling.svg".into(),
            plot::scaling(
                &title,
                "VIF ports",
                &[
                    panel("lsp-add p50", "ms", lsp_add_p50),
                    panel("cold convergence", "s", |x| x.cold_s),
                ],
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::workload::Profile;
    use super::*;

    #[test]
    fn nearest_rank() {
        let s = stats(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((s.p50, s.p90, s.p99, s.max), (3.0, 5.0, 5.0, 5.0));
        let one = stats(&[7.0]);
        assert_eq!((one.p50, one.max), (7.0, 7.0));
        assert!(stats(&[]).p50.is_nan());
    }

    fn run(flows: usize, ms: f64) -> Run {
        let mut a = Run {
            northd: "x".into(),
            flows,
            flows_after_churn: flows,
            cold_s: 1.0,
            ..Default::default()
        };
        *a.op_mut("lsp-add") = OpSamples {
            latency_ms: vec![ms],
            print_wait_ms: vec![ms],
            wall_ms: vec![3.0],
            sb: vec![Writes {
                txns: 1,
                rows: 10,
                bytes: 2048,
            }],
        };
        a
    }

    fn shape(nodes: usize) -> Shape {
        Shape {
            profile: Profile::Light,
            nodes,
            pods: 1,
            lbs: 0,
            iterations: 0,
        }
    }

    #[test]
    fn markdown_has_ratio_columns_and_plots() {
        let r = Report {
            reps: 1,
            ops: vec!["lsp-add".into()],
            scales: vec![
                Scale {
                    shape: shape(1),
                    runs: vec![run(10, 2.0), run(10, 4.0)],
                },
                Scale {
                    shape: shape(2),
                    runs: vec![run(10, 3.0), run(12, 9.0)],
                },
            ],
        };
        let md = to_markdown(&r);
        assert!(md.contains("| metric | A | B | B/A |"), "{md}");
        assert!(
            md.contains("| lsp-add | 2 | 4 | 2 | 2 | 4 | 2 | 4 | 2 | 2 | 4 |"),
            "{md}"
        );
        assert!(
            md.contains("| lsp-add | 1 | 1 | 1 | 10 | 10 | 1 | 2 | 2 | 1 |"),
            "{md}"
        );
        assert_eq!(md.matches("**Logical flow counts differ**").count(), 1);
        assert!(md.contains("](latency-2x1.svg)") && md.contains("](scaling.svg)"));
        let j = to_json(&r);
        assert_eq!(j["scales"][0]["ratios"]["logical flows"], json!(1.0));
        assert_eq!(j["scales"][1]["ratios"]["lsp-add p50 (ms)"], json!(3.0));
        assert_eq!(
            j["scales"][0]["runs"][0]["ops"]["lsp-add"]["sb_bytes"]["p50"],
            json!(2048.0)
        );
        let p = plots(&r);
        let names: Vec<&str> = p.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["latency-1x1.svg", "latency-2x1.svg", "scaling.svg"]);
    }
}
