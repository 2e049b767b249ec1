//! Measures loading every GCP role file of `../shared/data/gcp/roles` (read,
//! parse, detect, load, merge), the way `iamx` loads a folder.
//!
//! `cargo run --release -p iamx-gcp --example load_roles [DIR] [RUNS]`

use iamx_gcp::{GcpEnvironment, Source, load_json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gcp/roles"),
        PathBuf::from,
    );
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(7);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("NOTICE: {} is absent", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut times: Vec<Duration> = Vec::new();
    let mut summary = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let mut env = GcpEnvironment::default();
        let mut problems = 0;
        for p in &files {
            let Ok(text) = std::fs::read_to_string(p) else {
                problems += 1;
                continue;
            };
            let src = Source::new(p.display().to_string(), text);
            let Ok(json) = src.parse_json() else {
                problems += 1;
                continue;
            };
            match load_json(&src, &json) {
                Some(l) => {
                    problems += l.diagnostics.len();
                    env.merge(l.env);
                }
                None => problems += 1,
            }
        }
        times.push(start.elapsed());
        let c = env.counts();
        summary = format!(
            "{} files, {} roles, {} distinct permissions, {problems} diagnostics",
            files.len(),
            c.roles,
            c.permissions
        );
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    println!("{summary}");
    println!(
        "load time over {runs} runs: median {median:?}, min {:?}, max {:?}",
        times.first().copied().unwrap_or_default(),
        times.last().copied().unwrap_or_default()
    );
}
