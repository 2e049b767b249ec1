//! Translates every AWS managed policy (`../shared/data/aws/managed-policies`)
//! to GCP and to Azure over `corpus/translate/map.json`, with verification,
//! and reports the total and the median per policy; criterion then times
//! one representative translation. Skips with a notice when the data is absent.

#![allow(
    clippy::panic,
    reason = "benchmark setup: a vocabulary or map that does not load must stop the run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use iamx::translate::{Cloud, ResourceMap, Source, Vocabulary, translate};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn policies() -> Vec<(String, Arc<iamx::model::Policy>)> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/aws/managed-policies");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!(
            "NOTICE: {} is absent: the translate benchmark is skipped",
            dir.display()
        );
        return vec![];
    };
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(doc) = v.get("document") else {
            continue;
        };
        let (pol, _) = iamx::aws::parse_policy_text(
            &p.display().to_string(),
            &doc.to_string(),
            iamx::aws::PolicyOptions {
                ptype: iamx::aws::PolicyType::Identity,
                actions: None,
            },
        );
        if let Some(pol) = pol {
            out.push((p.display().to_string(), Arc::new(pol)));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let pols = policies();
    if pols.is_empty() {
        return;
    }
    let vocab = Vocabulary::builtin().unwrap_or_else(|e| panic!("{e}"));
    let map_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/translate/map.json");
    let map = ResourceMap::parse(&std::fs::read_to_string(map_path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let catalog = iamx::catalog::Catalog::builtin();
    let mut times: Vec<Duration> = Vec::new();
    let mut failed = 0usize;
    let (mut not_proven, mut part_of_scope) = (0usize, 0usize);
    let start = Instant::now();
    for (name, p) in &pols {
        let t0 = Instant::now();
        for to in [Cloud::Gcp, Cloud::Azure] {
            let t = translate(
                &vocab,
                &map,
                &Source::Aws(p.clone()),
                to,
                Some(&catalog),
                None,
            );
            for l in &t.losses {
                match l {
                    iamx::translate::Loss::NotProven { .. } => not_proven += 1,
                    iamx::translate::Loss::PartOfScope { .. } => part_of_scope += 1,
                    _ => {}
                }
            }
            if !t.verification.ok() {
                failed += 1;
                let short = name.rsplit('/').next().unwrap_or(name);
                let why: Vec<String> = t
                    .verification
                    .proofs
                    .iter()
                    .filter(|p| !p.holds())
                    .map(|p| format!("{}: {:?}", p.claim, p.result))
                    .chain(t.verification.error.clone())
                    .chain(
                        (!t.verification.more.is_empty())
                            .then(|| format!("{} more", t.verification.more.len())),
                    )
                    .chain(
                        (!t.verification.matches_loss_report)
                            .then(|| "less differs from the loss report".to_owned()),
                    )
                    .collect();
                eprintln!(
                    "translate: {short} to {to}: verification failed ({:.2?}): {}",
                    t0.elapsed(),
                    why.join(" | ")
                );
            }
        }
        times.push(t0.elapsed());
    }
    let total = start.elapsed();
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    eprintln!(
        "translate: {} AWS managed policies to GCP and Azure with verification: total {:.2?}, median per policy {:.2?}, max {:.2?}, verification failures {failed}; losses: {not_proven} not proven (undecided in time), {part_of_scope} granted on part of the scope only",
        pols.len(),
        total,
        median,
        max
    );
    let s3 = pols
        .iter()
        .find(|(n, _)| n.ends_with("AmazonS3ReadOnlyAccess.json"))
        .map(|(_, p)| p.clone());
    if let Some(p) = s3 {
        c.bench_function("translate AmazonS3ReadOnlyAccess to gcp", |b| {
            b.iter(|| {
                translate(
                    &vocab,
                    &map,
                    &Source::Aws(p.clone()),
                    Cloud::Gcp,
                    Some(&catalog),
                    None,
                )
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
