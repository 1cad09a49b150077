//! Results of benchmark runs: statistics, the Markdown report and the JSON.

use serde_json::{Value, json};

use super::workload::OPS;

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
}

/// Everything measured for one northd.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub northd: String,
    pub load_s: f64,
    pub cold_s: f64,
    pub cold_cpu_s: f64,
    pub floor: OpSamples,
    pub ops: Vec<(String, OpSamples)>,
    pub cpu_s: f64,
    pub peak_rss_kib: u64,
    pub flows: usize,
    pub flows_after_churn: usize,
}

/// p50/p90/p99/max by nearest rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn stats(samples: &[f64]) -> Stats {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |q: f64| -> f64 {
        if s.is_empty() {
            return f64::NAN;
        }
        let i = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
        s[i]
    };
    Stats {
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: q(1.0),
    }
}

fn stats_json(samples: &[f64]) -> Value {
    let s = stats(samples);
    json!({"p50": s.p50, "p90": s.p90, "p99": s.p99, "max": s.max, "samples": samples})
}

fn op_json(o: &OpSamples) -> Value {
    json!({
        "latency_ms": stats_json(&o.latency_ms),
        "wall_ms": stats_json(&o.wall_ms),
        "print_wait_ms": stats_json(&o.print_wait_ms),
    })
}

impl Run {
    pub fn op(&self, name: &str) -> Option<&OpSamples> {
        self.ops.iter().find(|(n, _)| n == name).map(|(_, o)| o)
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
            "floor": op_json(&self.floor),
            "ops": ops,
            "cpu_s": self.cpu_s,
            "peak_rss_kib": self.peak_rss_kib,
            "logical_flows": self.flows,
            "logical_flows_after_churn": self.flows_after_churn,
        })
    }

    /// The summary metrics compared side by side: (name, value).
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = vec![
            ("cold convergence (s)".to_string(), self.cold_s),
            ("cold CPU (s)".to_string(), self.cold_cpu_s),
            (
                "floor p50 (ms)".to_string(),
                stats(&self.floor.latency_ms).p50,
            ),
        ];
        for (n, o) in &self.ops {
            let s = stats(&o.latency_ms);
            m.push((format!("{n} p50 (ms)"), s.p50));
            m.push((format!("{n} p99 (ms)"), s.p99));
        }
        m.push(("northd CPU total (s)".to_string(), self.cpu_s));
        m.push((
            "peak RSS (MiB)".to_string(),
            self.peak_rss_kib as f64 / 1024.0,
        ));
        m.push(("logical flows".to_string(), self.flows as f64));
        m
    }
}

/// The workload a report describes.
#[derive(Debug, Clone)]
pub struct Workload {
    pub profile: String,
    pub nodes: usize,
    pub pods: usize,
    pub reps: usize,
}

fn ratio(a: f64, b: f64) -> f64 {
    if a == 0.0 { f64::NAN } else { b / a }
}

pub fn to_json(w: &Workload, runs: &[Run]) -> Value {
    let mut v = json!({
        "profile": w.profile,
        "nodes": w.nodes,
        "pods": w.pods,
        "reps": w.reps,
        "operations": OPS,
        "runs": runs.iter().map(Run::to_json).collect::<Vec<_>>(),
    });
    if let [a, b] = runs {
        let r: serde_json::Map<String, Value> = a
            .metrics()
            .into_iter()
            .zip(b.metrics())
            .map(|((n, x), (_, y))| (n, json!(ratio(x, y))))
            .collect();
        v["ratios"] = Value::Object(r);
    }
    v
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

pub fn to_markdown(w: &Workload, runs: &[Run]) -> String {
    let mut s = format!(
        "# ovn-dd bench: {} profile, {} nodes × {} pods, {} repetitions\n\n",
        w.profile, w.nodes, w.pods, w.reps
    );
    s += &format!(
        "Topology: {} node switches with {} VIF ports each (MAC+IP) and a router port, one \
         cluster router. Loaded in large ovn-nbctl transactions before the northd starts.\n\n",
        w.nodes, w.pods
    );
    s += "Latency is NB commit → NB `sb_cfg` catching up, timed by an `ovsdb-client monitor \
          --timestamp` on NB_Global. *print-wait* is `ovn-nbctl --wait=sb --print-wait-time`'s \
          \"ovn-northd completion\" for the same transaction, as a cross-check (ovn-northd \
          23.03 stamps `sb_cfg_timestamp` with the start of the loop iteration that commits \
          `sb_cfg`, so it can read one recompute short); *wall* is the whole `ovn-nbctl --wait=sb` invocation, which also includes ovn-nbctl fetching the NB \
          tables it needs (large at scale). Cold convergence is northd start → \
          `sb_cfg` catching up after a `--wait=sb sync`. The floor is a `--wait=sb sync` \
          with nothing changed.\n\n";
    let names = ["A", "B"];
    for (i, r) in runs.iter().enumerate() {
        s += &format!("- **{}**: `{}`\n", names[i], r.northd);
    }
    s += "\n## Summary\n\n";
    if let [a, b] = runs {
        s += "| metric | A | B | B/A |\n|---|---:|---:|---:|\n";
        for ((n, x), (_, y)) in a.metrics().into_iter().zip(b.metrics()) {
            s += &format!("| {n} | {} | {} | {} |\n", num(x), num(y), num(ratio(x, y)));
        }
    } else if let [a] = runs {
        s += "| metric | A |\n|---|---:|\n";
        for (n, x) in a.metrics() {
            s += &format!("| {n} | {} |\n", num(x));
        }
    }
    for (i, r) in runs.iter().enumerate() {
        s += &format!("\n## Latency (ms): {} `{}`\n\n", names[i], r.northd);
        s += "| operation | p50 | p90 | p99 | max | print-wait p50 | wall p50 | wall max |\n\
              |---|---:|---:|---:|---:|---:|---:|---:|\n";
        let floor = ("sync (floor)".to_string(), r.floor.clone());
        for (n, o) in std::iter::once(&floor).chain(&r.ops) {
            let l = stats(&o.latency_ms);
            let wl = stats(&o.wall_ms);
            s += &format!(
                "| {n} | {} | {} | {} | {} | {} | {} | {} |\n",
                num(l.p50),
                num(l.p90),
                num(l.p99),
                num(l.max),
                num(stats(&o.print_wait_ms).p50),
                num(wl.p50),
                num(wl.max)
            );
        }
        if let Some(o) = r.op("lsp-add") {
            s += &format!(
                "\nCross-check, lsp-add p50: NB_Global monitor {} ms, --print-wait-time {} ms.\n",
                num(stats(&o.latency_ms).p50),
                num(stats(&o.print_wait_ms).p50)
            );
        }
        s += &format!(
            "\nTopology load {:.2} s; logical flows {} after cold convergence, {} after churn.\n",
            r.load_s, r.flows, r.flows_after_churn
        );
    }
    s += "\nSVG plots (latency distribution per operation, latency against scale) are not \
          produced yet.\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s = stats(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((s.p50, s.p90, s.p99, s.max), (3.0, 5.0, 5.0, 5.0));
        let one = stats(&[7.0]);
        assert_eq!((one.p50, one.max), (7.0, 7.0));
        assert!(stats(&[]).p50.is_nan());
    }

    #[test]
    fn markdown_has_ratio_column() {
        let mut a = Run {
            northd: "x".into(),
            flows: 10,
            ..Default::default()
        };
        a.ops.push((
            "ls-add".into(),
            OpSamples {
                latency_ms: vec![2.0],
                print_wait_ms: vec![2.0],
                wall_ms: vec![3.0],
            },
        ));
        let b = a.clone();
        let w = Workload {
            profile: "light".into(),
            nodes: 1,
            pods: 1,
            reps: 1,
        };
        let md = to_markdown(&w, &[a.clone(), b.clone()]);
        assert!(md.contains("| metric | A | B | B/A |"));
        assert!(md.contains("| ls-add p50 (ms) | 2 | 2 | 1 |"));
        let j = to_json(&w, &[a, b]);
        assert_eq!(j["ratios"]["logical flows"], json!(1.0));
    }
}
