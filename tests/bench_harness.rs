//! `ovn-dd bench` end to end: ovn-dd's northd against the C ovn-northd, interleaved, on tiny
//! topologies of every profile; the report's structure, JSON and SVG plots.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ovn-dd-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ovn_dd_northd() -> String {
    format!("{} northd", env!("CARGO_BIN_EXE_ovn-dd"))
}

/// Runs `ovn-dd bench ARGS --out OUT`; returns stderr, report.md and report.json.
fn bench(args: &[&str], out: &Path) -> (String, String, Value) {
    let res = Command::new(env!("CARGO_BIN_EXE_ovn-dd"))
        .arg("bench")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run ovn-dd bench");
    let stderr = String::from_utf8_lossy(&res.stderr).into_owned();
    assert!(
        res.status.success(),
        "ovn-dd bench {args:?} failed:\n{stderr}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let json =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    (stderr, md, json)
}

/// The file is an SVG document: an `<svg` root and start and end tags that balance.
fn assert_svg(path: &Path) {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(svg.starts_with("<svg "), "{}", path.display());
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg.as_str();
    while let Some(i) = rest.find('<') {
        let j = i + rest[i..].find('>').expect("unterminated tag");
        let tag = &rest[i + 1..j];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "{}", path.display());
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap());
        }
        assert!(!tag.contains('<'), "{}: `<` in a tag", path.display());
        rest = &rest[j + 1..];
    }
    assert!(stack.is_empty(), "{}: unclosed {stack:?}", path.display());
    assert!(
        svg.contains("<circle"),
        "{}: no data points",
        path.display()
    );
}

/// Every operation of every run has `reps` samples of each clock.
fn assert_all_ops_completed(scale: &Value, ops: &[Value], reps: usize) {
    for run in scale["runs"].as_array().unwrap() {
        assert!(run["cold_convergence_s"].as_f64().unwrap() > 0.0, "{run}");
        assert!(run["peak_rss_kib"].as_u64().unwrap() > 0, "{run}");
        assert!(run["logical_flows"].as_u64().unwrap() > 0, "{run}");
        assert!(run["cold_sb"]["txns"].as_u64().unwrap() >= 1, "{run}");
        assert_eq!(
            run["floor"]["wall_ms"]["samples"].as_array().unwrap().len(),
            reps
        );
        for op in ops {
            let op = op.as_str().unwrap();
            for key in ["latency_ms", "print_wait_ms", "wall_ms"] {
                let s = run["ops"][op][key]["samples"].as_array().unwrap();
                assert_eq!(s.len(), reps, "{op} {key}: {run}");
                // Commit → sb_cfg times are whole milliseconds (monitor timestamps) and
                // may be 0 ms on a tiny topology; wall time is always positive.
                for x in s {
                    let x = x.as_f64().unwrap();
                    assert!(if key == "wall_ms" { x > 0.0 } else { x >= 0.0 });
                }
            }
            // Every operation makes the northd write the SB at least once (SB_Global's
            // nb_cfg if nothing else).
            let txns = run["ops"][op]["sb_txns"]["samples"].as_array().unwrap();
            assert_eq!(txns.len(), reps, "{op}: {run}");
            assert!(
                txns.iter().all(|t| t.as_f64().unwrap() >= 1.0),
                "{op}: {run}"
            );
        }
    }
}

/// The acceptance case of issue 6: light 10×10, ovn-dd against ovn-northd.
#[test]
fn bench_light_ovn_dd_against_c_northd() {
    let out = out_dir("light");
    let t = std::time::Instant::now();
    let northd = ovn_dd_northd();
    let (stderr, md, json) = bench(
        &[
            "--profile",
            "light",
            "--nodes",
            "10",
            "--pods",
            "10",
            "--reps",
            "3",
            "--northd",
            &northd,
            "--vs",
            "/usr/bin/ovn-northd",
        ],
        &out,
    );
    assert!(t.elapsed().as_secs() < 120, "took {:?}", t.elapsed());
    // Not a terminal: plain log lines instead of a progress bar.
    assert!(stderr.contains("bench [A] cold convergence"), "{stderr}");
    assert!(stderr.contains("bench [B] cold convergence"), "{stderr}");
    assert!(
        stderr.contains("bench [A+B] repetition 3/3 done"),
        "{stderr}"
    );
    assert!(!stderr.contains('\r'), "{stderr}");

    // Markdown: the sections, B/A ratios, the plot referenced.
    for section in [
        "# ovn-dd bench: light profile, 10 nodes × 10 pods, 3 repetitions",
        "## 10 nodes × 10 pods (100 VIF ports)",
        "### Summary",
        "### Latency (ms)",
        "### Cross-check (p50, ms)",
        "### SB writes per operation (median)",
        "## Plots",
        "**Ratios are B/A**",
        "| metric | A | B | B/A |",
        "| operation | A p50 | B p50 | B/A p50 |",
        "](latency-10x10.svg)",
    ] {
        assert!(md.contains(section), "missing {section}\n{md}");
    }
    assert_eq!(md.matches("Cross-check A, lsp-add p50").count(), 1, "{md}");
    assert_eq!(md.matches("Cross-check B, lsp-add p50").count(), 1, "{md}");
    for row in [
        "| cold convergence (s) |",
        "| cold SB transactions |",
        "| floor p50 (ms) |",
        "| northd CPU total (s) |",
        "| peak RSS (MiB) |",
        "| logical flows |",
    ] {
        assert!(md.contains(row), "missing {row}\n{md}");
    }

    // JSON: workload, one scale, two runs, ratios.
    assert_eq!(json["profile"], "light");
    assert_eq!(json["reps"], 3);
    assert_eq!(json["ratio"], "B/A");
    assert_eq!(json["interleaved"], true);
    let ops = json["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 13);
    let scales = json["scales"].as_array().unwrap();
    assert_eq!(scales.len(), 1);
    let sc = &scales[0];
    assert_eq!(
        (sc["nodes"].as_u64(), sc["pods"].as_u64()),
        (Some(10), Some(10))
    );
    let runs = sc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["northd"], northd.as_str());
    assert_eq!(runs[1]["northd"], "/usr/bin/ovn-northd");
    assert_all_ops_completed(sc, ops, 3);
    for op in ops {
        let row = format!("| {} |", op.as_str().unwrap());
        assert_eq!(
            md.matches(&row).count(),
            3,
            "{op}: latency, cross-check, SB\n{md}"
        );
    }
    for run in runs {
        // Every repetition undoes itself: the churn leaves the flows as they were.
        assert_eq!(run["logical_flows"], run["logical_flows_after_churn"]);
        // SB writes: the cold transactions write every flow; a port adds flows and a
        // Port_Binding besides SB_Global.
        let cold_rows = run["cold_sb"]["rows"].as_u64().unwrap();
        assert!(cold_rows >= run["logical_flows"].as_u64().unwrap(), "{run}");
        let rows = run["ops"]["lsp-add"]["sb_rows"]["p50"].as_f64().unwrap();
        assert!(rows >= 3.0, "{run}");
    }
    // Light is what ovn-dd implements: both write the same number of flows.
    assert_eq!(runs[0]["logical_flows"], runs[1]["logical_flows"]);
    assert_eq!(sc["ratios"]["logical flows"], 1.0);
    assert!(sc["ratios"]["lsp-add p50 (ms)"].as_f64().is_some(), "{sc}");
    assert!(
        sc["ratios"]["lsp-add SB bytes p50"].as_f64().is_some(),
        "{sc}"
    );
    assert!(!md.contains("**Logical flow counts differ**"), "{md}");

    assert_svg(&out.join("latency-10x10.svg"));
    let _ = std::fs::remove_dir_all(&out);
}

/// `--scales`: two sizes, a scaling table and plot; `--ops` limits the operations.
#[test]
fn bench_scales_plot_latency_against_size() {
    let out = out_dir("scales");
    let northd = ovn_dd_northd();
    let (_, md, json) = bench(
        &[
            "--scales",
            "2x2,5x4",
            "--reps",
            "2",
            "--ops",
            "lsp-add,lsp-del",
            "--northd",
            "/usr/bin/ovn-northd",
            "--vs",
            &northd,
        ],
        &out,
    );
    assert_eq!(json["operations"].as_array().unwrap().len(), 2);
    let scales = json["scales"].as_array().unwrap();
    assert_eq!(scales.len(), 2);
    assert_eq!(scales[1]["vif_ports"], 20);
    for sc in scales {
        assert_all_ops_completed(sc, json["operations"].as_array().unwrap(), 2);
    }
    for s in [
        "## 2 nodes × 2 pods (4 VIF ports)",
        "## 5 nodes × 4 pods (20 VIF ports)",
        "## Scaling",
        "| 5x4 | 20 |",
        "](scaling.svg)",
    ] {
        assert!(md.contains(s), "missing {s}\n{md}");
    }
    for f in ["latency-2x2.svg", "latency-5x4.svg", "scaling.svg"] {
        assert_svg(&out.join(f));
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// heavy, gateway and cluster-density run to the end on both northds, whatever each
/// implements; the report shows both flow counts.
#[test]
fn bench_other_profiles_complete_on_both_northds() {
    let northd = ovn_dd_northd();
    for profile in ["heavy", "gateway", "cluster-density"] {
        let out = out_dir(profile);
        let (_, md, json) = bench(
            &[
                "--profile",
                profile,
                "--nodes",
                "3",
                "--pods",
                "2",
                "--reps",
                "1",
                "--lbs",
                "2",
                "--iterations",
                "2",
                "--northd",
                &northd,
                "--vs",
                "/usr/bin/ovn-northd",
            ],
            &out,
        );
        assert_eq!(json["profile"], profile);
        let ops = json["operations"].as_array().unwrap();
        let sc = &json["scales"][0];
        let runs = sc["runs"].as_array().unwrap();
        if profile == "cluster-density" {
            assert_eq!(ops[..2], ["ns-add", "ns-pods-del"]);
            // The iterations ran twice each, before the repeated operations.
            for run in runs {
                for op in ["ns-add", "ns-pods-del"] {
                    let n = run["ops"][op]["latency_ms"]["samples"].as_array().unwrap();
                    assert_eq!(n.len(), 2, "{profile} {op}");
                }
                assert!(run["logical_flows_before_ops"].as_u64() > run["logical_flows"].as_u64());
            }
            let rest: Vec<Value> = ops[2..].to_vec();
            assert_all_ops_completed(sc, &rest, 1);
        } else {
            assert_all_ops_completed(sc, ops, 1);
        }
        let (a, b) = (&runs[0]["logical_flows"], &runs[1]["logical_flows"]);
        assert!(
            md.contains(&format!("| logical flows | {a} | {b} |")),
            "{profile}: both flow counts\n{md}"
        );
        assert_eq!(
            a != b,
            md.contains("**Logical flow counts differ**"),
            "{md}"
        );
        assert_svg(&out.join("latency-3x2.svg"));
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// A northd that exits at once fails the run fast, with its stderr, instead of waiting out
/// the sync timeout.
#[test]
fn bench_fails_fast_when_northd_exits() {
    let out = out_dir("fail");
    let t = std::time::Instant::now();
    let res = Command::new(env!("CARGO_BIN_EXE_ovn-dd"))
        .args(["bench", "--nodes", "1", "--pods", "1", "--reps", "1"])
        .arg("--northd")
        .arg(format!(
            "{} no-such-subcommand",
            env!("CARGO_BIN_EXE_ovn-dd")
        ))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!res.status.success());
    assert!(t.elapsed().as_secs() < 30);
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(stderr.contains("northd exited"), "{stderr}");
    assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
    // The run's directory is kept for its logs.
    if let Some(l) = stderr.lines().find(|l| l.starts_with("bench: kept ")) {
        let _ = std::fs::remove_dir_all(l.trim_start_matches("bench: kept "));
    }
    assert!(!out.join("report.md").exists());
}

/// Bad arguments are refused before anything starts.
#[test]
fn bench_refuses_bad_arguments() {
    for (args, msg) in [
        (&["--profile", "huge"][..], "unknown profile `huge`"),
        (&["--ops", "lsp-del"][..], "needs `lsp-add`"),
        (&["--scales", "10"][..], "is not NODESxPODS"),
        (&["--pods", "241"][..], "at most 240 pods"),
        // A northd that cannot be found, before minutes of loading.
        (
            &["--vs", "no-such-northd --x"][..],
            "cannot start `no-such-northd --x`: no-such-northd not found",
        ),
    ] {
        let res = Command::new(env!("CARGO_BIN_EXE_ovn-dd"))
            .arg("bench")
            .args(args)
            .output()
            .unwrap();
        assert!(!res.status.success());
        let stderr = String::from_utf8_lossy(&res.stderr);
        assert!(stderr.contains(msg), "{args:?}: {stderr}");
    }
}

/// Without `--northd`, the bench measures the ovn-dd it is (ovn-dd need not be on `PATH`).
#[test]
fn bench_measures_itself_by_default() {
    let out = out_dir("default");
    let res = Command::new(env!("CARGO_BIN_EXE_ovn-dd"))
        .args(["bench", "--nodes", "2", "--pods", "2", "--reps", "1"])
        .args(["--ops", "lsp-add"])
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{stderr}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("ovn-dd northd"), "{md}");
}
