//! Loading every GCP role (the `gcloud iam roles describe` output of each
//! predefined role, one file per role) and the Azure built-in role
//! definitions (`az role definition list` output) together, through the
//! public facade: `Workspace::load` (file walk, parallel reads and parsing,
//! merging, the cross-file reference checks).
//!
//! The data lives in `shared/` beside the workspace; when a part is absent
//! the benchmark prints a notice and is skipped.
//!
//! Target: under 1 s for both together.

use criterion::{Criterion, criterion_group, criterion_main};
use iamx::{LoadOptions, Workspace};
use iamx_azure::AzureCounts;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const GCP_ROLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/gcp/roles");
const AZURE_ROLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/azure/built-in-roles-raw.json"
);

/// The path if it exists, else a notice on stderr.
fn data_path(path: &str, what: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    if p.exists() {
        Some(p.to_owned())
    } else {
        eprintln!("notice: {what} not found at `{path}`: skipping the roles benchmark");
        None
    }
}

/// One load outside the timing loop, so the figures can be trusted: how many
/// roles came out and how many diagnostics were reported.
fn sanity(paths: &[PathBuf], opts: &LoadOptions) -> bool {
    let files = iamx::collect_files(paths).map_or(0, |f| f.len());
    let bytes: u64 = iamx::collect_files(paths)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let start = Instant::now();
    let ws = match Workspace::load(paths, opts) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("notice: {e}: skipping the roles benchmark");
            return false;
        }
    };
    let took = start.elapsed();
    let gcp = ws.gcp.counts();
    let AzureCounts {
        roles: azure_roles,
        permission_blocks,
        conditions,
        ..
    } = ws.azure.counts();
    eprintln!(
        "roles: {files} files, {:.1} MB, one cold-ish load {took:.2?}: {} GCP roles ({} distinct permissions), {azure_roles} Azure roles ({permission_blocks} permission blocks, {conditions} conditions); {} errors, {} warnings",
        bytes as f64 / 1e6,
        gcp.roles,
        gcp.permissions,
        ws.errors().count(),
        ws.warnings().count(),
    );
    for d in ws.diagnostics.iter().take(3) {
        eprintln!("  e.g. {d}");
    }
    true
}

fn roles_load(c: &mut Criterion) {
    let (Some(gcp), Some(azure)) = (
        data_path(GCP_ROLES, "the GCP roles"),
        data_path(AZURE_ROLES, "the Azure built-in roles"),
    ) else {
        return;
    };
    let paths = [gcp, azure];
    let opts = LoadOptions::default();
    if !sanity(&paths, &opts) {
        return;
    }
    let mut g = c.benchmark_group("roles");
    g.sample_size(10);
    g.bench_function("gcp_and_azure_workspace_load", |b| {
        b.iter(|| match Workspace::load(black_box(&paths), &opts) {
            Ok(ws) => ws.gcp.roles.len() + ws.azure.counts().roles,
            Err(e) => {
                eprintln!("notice: {e}");
                0
            }
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = roles_load
}
criterion_main!(benches);
