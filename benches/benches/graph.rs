//! Scaling of the cross-cloud analyses on a synthetic organisation
//! (`iamx_benches::synth`): for N principals (about 10 N grants over AWS, GCP
//! and Azure), written to `$TMPDIR/iamx-synth-N` and loaded with zero errors:
//!
//! - `load`: `Workspace::load` of the directory;
//! - `load+build`: the same and `analysis::graph::build`;
//! - `who-can-<cloud>-action` / `who-can-<cloud>-any`: `who_can` on one
//!   resource per cloud, with `--action` and without;
//! - `what-can-<cloud>`: `what_can` on one principal per cloud;
//! - `audit`: `audit::audit` on the built graph.
//!
//! Targets (N = 10,000, ~100,000 grants): load + build under 3 s, who-can and
//! what-can each under 200 ms, audit under 10 s.
//!
//! Criterion repeats what it measures, so every step is first timed once in
//! a child process (`iamx-synth --time --only STEP --deadline D`): a step
//! that takes longer than `IAMX_BENCH_ONCE_SECS` (default 10) is reported
//! from that single run and not repeated, and one still running after
//! `IAMX_BENCH_DEADLINE_SECS` (default 600) is abandoned and reported as
//! such. The others are measured by criterion (10 samples). The sizes are
//! `IAMX_SYNTH_SIZES` (default `1000,10000`); 100,000 is timed by
//! `iamx-synth --principals 100000 --time` alone. A table of every figure
//! (criterion medians where measured) closes the run.

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "benchmark setup: data that cannot be prepared or loaded with zero errors must stop the run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use iamx_benches::scale::{self, Question};
use iamx_benches::synth::Summary;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SYNTH: &str = env!("CARGO_BIN_EXE_iamx-synth");

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn sizes() -> Vec<usize> {
    std::env::var("IAMX_SYNTH_SIZES")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|x| x.trim().replace('_', "").parse().ok())
                .collect::<Vec<usize>>()
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 10_000])
}

/// One pilot run of `steps` in a child process. Returns, per step, the
/// seconds it took or `None` when it was abandoned (or never reached because
/// an earlier one was).
fn pilot(n: usize, dir: &Path, steps: &[String], deadline: u64) -> BTreeMap<String, Option<f64>> {
    let mut out: BTreeMap<String, Option<f64>> = BTreeMap::new();
    let mut todo: Vec<String> = steps.to_vec();
    while !todo.is_empty() {
        let output = Command::new(SYNTH)
            .args(["--principals", &n.to_string(), "--out"])
            .arg(dir)
            .args(["--reuse", "--time", "--machine", "--only", &todo.join(",")])
            .args(["--deadline", &deadline.to_string()])
            .output()
            .expect("run iamx-synth");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut abandoned = false;
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (Some(&"STEP"), Some(label), Some(v)) = (f.first(), f.get(1), f.get(2)) else {
                continue;
            };
            let secs = v.parse::<f64>().ok();
            abandoned |= secs.is_none();
            out.insert((*label).to_owned(), secs);
            eprintln!(
                "pilot N={n} {label}: {}",
                secs.map_or_else(
                    || format!("abandoned after {deadline} s"),
                    |s| format!("{s:.3} s")
                )
            );
        }
        if !output.status.success() && !abandoned {
            panic!(
                "iamx-synth failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if out.get("graph").is_some_and(Option::is_none) {
            // the audit needs the graph
            out.entry("audit".to_owned()).or_insert(None);
        }
        let before = todo.len();
        todo.retain(|s| !out.contains_key(s));
        if !abandoned || todo.len() == before {
            // steps the child never reached after an abandoned one that
            // needed it (audit after graph)
            for s in todo.drain(..) {
                out.insert(s, None);
            }
        }
    }
    out
}

/// The criterion median of a benchmark, from its `estimates.json`.
fn criterion_median(group: &str, id: &str) -> Option<f64> {
    let base = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let p = base
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v.get("median")?
        .get("point_estimate")?
        .as_f64()
        .map(|ns| ns / 1e9)
}

fn fmt(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

struct Row {
    n: usize,
    step: String,
    figure: String,
}

fn scaling(c: &mut Criterion) {
    let once = env_num("IAMX_BENCH_ONCE_SECS", 10) as f64;
    let deadline = env_num("IAMX_BENCH_DEADLINE_SECS", 600);
    let mut rows: Vec<Row> = Vec::new();
    for n in sizes() {
        let t = Instant::now();
        let (dir, summary): (PathBuf, Summary) =
            scale::prepare(n).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "N={n}: generated in {:.1} s into {}\n{}",
            t.elapsed().as_secs_f64(),
            dir.display(),
            summary.describe()
        );
        // zero errors, asserted once outside the measurements
        let ws = scale::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "N={n}: loaded {} files, 0 errors, {} warnings",
            ws.files.len(),
            ws.warnings().count()
        );
        let questions: Vec<Question> = scale::questions(&summary);
        let mut steps: Vec<String> = questions.iter().map(|q| q.label.clone()).collect();
        steps.push("audit".to_owned());
        let pilots = pilot(n, &dir, &steps, deadline);
        let load_once = pilots.get("load").copied().flatten();
        let build_once = pilots.get("graph").copied().flatten();
        let group_name = format!("synth-{n}");
        let mut group = c.benchmark_group(&group_name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        let mut record = |step: &str, id: &str, measured: bool, once: Option<f64>| {
            let figure = match (measured, once) {
                (true, _) => criterion_median(&group_name, id).map_or_else(
                    || "measured (see criterion)".to_owned(),
                    |m| format!("{} (criterion median)", fmt(m)),
                ),
                (false, Some(s)) => format!("{} (one run)", fmt(s)),
                (false, None) => format!("> {deadline} s (abandoned)"),
            };
            rows.push(Row {
                n,
                step: step.to_owned(),
                figure,
            });
        };
        let paths = vec![dir.clone()];
        group.bench_function("load", |b| {
            b.iter(|| {
                black_box(
                    iamx::Workspace::load(&paths, &iamx::LoadOptions::default())
                        .expect("load")
                        .files
                        .len(),
                )
            })
        });
        record("load", "load", true, load_once);
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        let build_ok = matches!((load_once, build_once), (Some(l), Some(b)) if l + b <= once);
        if build_ok {
            group.bench_function("load+build", |b| {
                b.iter(|| {
                    let ws =
                        iamx::Workspace::load(&paths, &iamx::LoadOptions::default()).expect("load");
                    let inp = ws.inputs(&builtin);
                    black_box(iamx::analysis::graph::build(&inp).node_count())
                })
            });
        }
        record(
            "load+build",
            "load+build",
            build_ok,
            load_once.zip(build_once).map(|(l, b)| l + b),
        );
        for q in &questions {
            let id = q.label.replace('/', "-");
            let p = pilots.get(&q.label).copied().flatten();
            let ok = p.is_some_and(|s| s <= once);
            if ok {
                group.bench_function(&id, |b| {
                    b.iter(|| black_box(q.ask(&inp).expect("question")))
                });
            }
            record(&id, &id, ok, p);
        }
        let audit_once = pilots.get("audit").copied().flatten();
        let audit_ok =
            build_once.is_some_and(|b| b <= once) && audit_once.is_some_and(|s| s <= once);
        if audit_ok {
            let g = iamx::analysis::graph::build(&inp);
            let warnings: Vec<String> = ws.warnings().map(ToString::to_string).collect();
            group.bench_function("audit", |b| {
                b.iter(|| {
                    black_box(
                        iamx::analysis::audit::audit(&inp, &g, warnings.clone())
                            .escalation_paths
                            .len(),
                    )
                })
            });
        }
        record("audit", "audit", audit_ok, audit_once);
        group.finish();
    }
    eprintln!(
        "\nscaling summary (targets at N=10,000: load+build < 3 s, who-can/what-can < 200 ms, audit < 10 s)"
    );
    for r in &rows {
        eprintln!("  N={:<7} {:<24} {}", r.n, r.step, r.figure);
    }
}

criterion_group!(benches, scaling);
criterion_main!(benches);
