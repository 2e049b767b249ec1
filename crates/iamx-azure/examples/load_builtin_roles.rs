//! Times loading Azure's 928 built-in role definitions (JSON parse + read,
//! ABAC conditions included) and prints the median of 21 runs.
//!
//! `cargo run --release -p iamx-azure --example load_builtin_roles [FILE]`
//! (default: `../shared/data/azure/built-in-roles-raw.json` from the
//! workspace root).

use iamx_azure::load_json;
use iamx_model::source::Source;
use std::time::{Duration, Instant};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/azure/built-in-roles-raw.json"
        )
        .to_owned()
    });
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("NOTICE: cannot read {path}; nothing to time");
        return;
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut roles = 0;
    for _ in 0..21 {
        let start = Instant::now();
        let src = Source::new("built-in-roles-raw.json", text.clone());
        let Ok(json) = src.parse_json() else {
            eprintln!("invalid JSON in {path}");
            return;
        };
        let Some(load) = load_json(&src, &json) else {
            eprintln!("{path} is not an Azure input");
            return;
        };
        times.push(start.elapsed());
        roles = load.env.counts().roles;
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let min = times.first().copied().unwrap_or_default();
    println!(
        "{roles} Azure built-in roles: median {:.2} ms, min {:.2} ms over {} runs (parse + load)",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        times.len()
    );
}
