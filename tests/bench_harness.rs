//! `ovn-dd bench` end to end: the C ovn-northd against itself on a tiny light topology.

use std::process::Command;

#[test]
fn bench_light_c_northd_against_itself() {
    let out = std::env::temp_dir().join(format!("ovn-dd-bench-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let res = Command::new(env!("CARGO_BIN_EXE_ovn-dd"))
        .args([
            "bench",
            "--profile",
            "light",
            "--nodes",
            "3",
            "--pods",
            "3",
            "--reps",
            "2",
            "--northd",
            "/usr/bin/ovn-northd",
            "--vs",
            "/usr/bin/ovn-northd",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("run ovn-dd bench");
    assert!(
        res.status.success(),
        "ovn-dd bench failed:\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(stderr.contains("bench [A] cold convergence"), "{stderr}");
    assert!(stderr.contains("bench [B] repetition 2/2 done"), "{stderr}");

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&out);

    // Markdown: a summary with a ratio column and a latency table per northd.
    assert!(md.contains("| metric | A | B | B/A |"), "{md}");
    assert_eq!(md.matches("## Latency (ms)").count(), 2, "{md}");
    assert_eq!(md.matches("Cross-check, lsp-add p50").count(), 2, "{md}");
    for row in [
        "| cold convergence (s) |",
        "| floor p50 (ms) |",
        "| northd CPU total (s) |",
        "| peak RSS (MiB) |",
        "| logical flows |",
    ] {
        assert!(md.contains(row), "missing {row}\n{md}");
    }

    // JSON: workload, two runs, ratios.
    assert_eq!(json["profile"], "light");
    assert_eq!(json["nodes"], 3);
    assert_eq!(json["reps"], 2);
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let ops = json["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 7);
    for run in runs {
        assert_eq!(run["northd"], "/usr/bin/ovn-northd");
        assert!(run["cold_convergence_s"].as_f64().unwrap() > 0.0, "{run}");
        assert!(run["cpu_s"].as_f64().unwrap() >= 0.0, "{run}");
        assert!(run["peak_rss_kib"].as_u64().unwrap() > 0, "{run}");
        assert_eq!(
            run["floor"]["wall_ms"]["samples"].as_array().unwrap().len(),
            2
        );
        for op in ops {
            let op = op.as_str().unwrap();
            for key in ["latency_ms", "print_wait_ms", "wall_ms"] {
                let s = run["ops"][op][key]["samples"].as_array().unwrap();
                assert_eq!(s.len(), 2, "{op} {key}: {run}");
                // Wall time is always positive; commit → sb_cfg times are whole milliseconds
                // (monitor timestamps) and may be 0 ms on this tiny topology.
                for x in s {
                    let x = x.as_f64().unwrap();
                    if key == "wall_ms" {
                        assert!(x > 0.0, "{op} {key}: {x}");
                    } else {
                        assert!(x >= 0.0, "{op} {key}: {x}");
                    }
                }
                assert!(md.contains(&format!("| {op} p50 (ms) |")), "{op}\n{md}");
            }
        }
        let total: f64 = ops
            .iter()
            .flat_map(|op| {
                run["ops"][op.as_str().unwrap()]["latency_ms"]["samples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
            })
            .sum();
        assert!(total > 0.0, "no measurable latency: {run}");
        // Every repetition undoes itself: the churn leaves the flows as they were.
        assert_eq!(run["logical_flows"], run["logical_flows_after_churn"]);
    }
    let (a, b) = (&runs[0]["logical_flows"], &runs[1]["logical_flows"]);
    assert!(a.as_u64().unwrap() > 0);
    assert_eq!(a, b, "both northds produce the same flow count");
    assert_eq!(json["ratios"]["logical flows"], 1.0);
}

/// A northd that exits at once (ovn-dd has no `northd` subcommand yet) fails the run fast,
/// with its stderr, instead of waiting out the sync timeout.
#[test]
fn bench_fails_fast_when_northd_exits() {
    let out = std::env::temp_dir().join(format!("ovn-dd-bench-fail-{}", std::process::id()));
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
