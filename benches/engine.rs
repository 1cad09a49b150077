//! Engine-level benchmarks of the whole northd rule set, without OVSDB: cold compute
//! of a topology, one VIF added and removed, and an empty transaction, at several
//! scales. Run with `cargo bench --bench engine`; `OVN_DD_BENCH_MAX_PORTS` caps the
//! scales (default 100000).

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ovn_dd::driver::Northd;
use ovn_dd::synth::{Synth, vif_row};
use rules::input::{Input, LogicalSwitch};
use rules::{Istr, Uuid};

/// (switches, VIFs per switch, routers): 1k, 10k and 100k ports.
const SCALES: &[(usize, usize, usize)] = &[(100, 9, 10), (1000, 9, 100), (10000, 9, 1000)];

fn max_ports() -> usize {
    std::env::var("OVN_DD_BENCH_MAX_PORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn loaded(sw: usize, vifs: usize, lr: usize) -> (Northd, Synth) {
    let synth = Synth::new(sw, vifs, lr);
    let mut n = Northd::new();
    n.apply(
        synth
            .rows
            .iter()
            .map(|r| (r.clone(), 1))
            .collect::<Vec<_>>(),
    );
    (n, synth)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn cold(c: &mut Criterion) {
    let mut g = c.benchmark_group("cold_compute");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for &(sw, vifs, lr) in SCALES {
        let ports = sw * (vifs + 1);
        if ports > max_ports() {
            continue;
        }
        let synth = Synth::new(sw, vifs, lr);
        g.bench_with_input(BenchmarkId::from_parameter(ports), &synth, |b, s| {
            b.iter(|| {
                let mut n = Northd::new();
                n.apply(s.rows.iter().map(|r| (r.clone(), 1)).collect::<Vec<_>>());
                n
            })
        });
    }
    g.finish();
}

fn one_vif(c: &mut Criterion) {
    let mut g = c.benchmark_group("one_vif");
    g.sample_size(50);
    for &(sw, vifs, lr) in SCALES {
        let ports = sw * (vifs + 1);
        if ports > max_ports() {
            continue;
        }
        let (mut n, synth) = loaded(sw, vifs, lr);
        let ls0 = synth
            .rows
            .iter()
            .find_map(|r| match r {
                Input::Ls(l) if l.name.as_str() == "ls0" => Some((**l).clone()),
                _ => None,
            })
            .unwrap();
        let port = Uuid(u128::MAX - 7);
        let row = Input::from(vif_row(port, 0, 99));
        let mut with = ls0.clone();
        with.ports.push(port);
        with.ports.sort();
        let (old_ls, new_ls) = (Input::from(ls0), Input::from(with));
        // Adding a VIF: the port row plus the switch's new `ports`; removing it reverses.
        g.bench_function(BenchmarkId::new("add_then_remove", ports), |b| {
            b.iter_custom(|iters| {
                let mut t = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    n.apply(vec![
                        (row.clone(), 1),
                        (old_ls.clone(), -1),
                        (new_ls.clone(), 1),
                    ]);
                    n.apply(vec![
                        (row.clone(), -1),
                        (new_ls.clone(), -1),
                        (old_ls.clone(), 1),
                    ]);
                    t += start.elapsed();
                }
                t / 2
            })
        });
        g.bench_function(BenchmarkId::new("empty_txn", ports), |b| {
            b.iter(|| n.apply(Vec::new()))
        });
    }
    g.finish();
}

/// Not a criterion measurement: one cold load at the largest scale, reporting wall time,
/// output size and peak RSS (VmHWM) of this process.
fn report(_c: &mut Criterion) {
    if std::env::var_os("OVN_DD_BENCH_SPLIT").is_some() {
        split();
        return;
    }
    if std::env::var_os("OVN_DD_BENCH_LOOP").is_some() {
        vif_loop();
        return;
    }
    let &(sw, vifs, lr) = SCALES
        .iter()
        .rev()
        .find(|(s, v, _)| s * (v + 1) <= max_ports())
        .unwrap_or(&SCALES[0]);
    let synth = Synth::new(sw, vifs, lr);
    let start = Instant::now();
    let mut n = Northd::new();
    n.apply(
        synth
            .rows
            .iter()
            .map(|r| (r.clone(), 1))
            .collect::<Vec<_>>(),
    );
    let t = start.elapsed();
    eprintln!(
        "report: {sw} switches x {} ports + {lr} routers: cold {:.2} s, {} output rows, peak RSS {} MiB, {} interned strings",
        vifs + 1,
        t.as_secs_f64(),
        n.state().rows().count(),
        peak_rss_kib() / 1024,
        Istr::purge()
    );
    let _ = LogicalSwitch::default();
}

criterion_group!(benches, report, one_vif, cold);
criterion_main!(benches);

#[allow(dead_code)]
fn split() {
    let (sw, vifs, lr) = (10000, 9, 1000);
    let synth = Synth::new(sw, vifs, lr);
    let rows: Vec<(Input, isize)> = synth.rows.iter().map(|r| (r.clone(), 1)).collect();
    let t = Instant::now();
    let mut e: engine::Engine<Input, rules::Output> = engine::Engine::new(rules::northd);
    let out = e.commit_raw(rows);
    let t1 = t.elapsed();
    let mut s = ovn_dd::sb::SbState::default();
    let n = s.apply(out).len();
    eprintln!(
        "split: engine {:.2} s, state {:.2} s, {n} rows",
        t1.as_secs_f64(),
        (t.elapsed() - t1).as_secs_f64()
    );
}

/// Adds and removes one VIF many times on a 10k-port topology (for profilers).
fn vif_loop() {
    let (mut n, synth) = loaded(10000, 9, 1000);
    let ls0 = synth
        .rows
        .iter()
        .find_map(|r| match r {
            Input::Ls(l) if l.name.as_str() == "ls0" => Some((**l).clone()),
            _ => None,
        })
        .unwrap();
    let port = Uuid(u128::MAX - 7);
    let row = Input::from(vif_row(port, 0, 99));
    let mut with = ls0.clone();
    with.ports.push(port);
    with.ports.sort();
    let (old_ls, new_ls) = (Input::from(ls0), Input::from(with));
    // Profile this part only: the load above dominates otherwise.
    if let Ok(p) = std::env::var("OVN_DD_BENCH_MARK") {
        let _ = std::fs::write(p, "loaded");
    }
    let t = Instant::now();
    for _ in 0..2000 {
        n.apply(vec![
            (row.clone(), 1),
            (old_ls.clone(), -1),
            (new_ls.clone(), 1),
        ]);
        n.apply(vec![
            (row.clone(), -1),
            (new_ls.clone(), -1),
            (old_ls.clone(), 1),
        ]);
    }
    eprintln!(
        "vif_loop: {:.3} ms per change",
        t.elapsed().as_secs_f64() * 1000.0 / 4000.0
    );
}
