//! CloudTrail ingest throughput on one thread: a generated `{"Records": [...]}`
//! file of 32 MiB read from memory (splitting, parsing, mapping, one callback
//! per usage).

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark setup: input that cannot be generated must stop the run"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamx_usage::{Options, read_reader};
use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;

fn ingest(c: &mut Criterion) {
    let mut data = Vec::new();
    let n = common::write_cloudtrail(&mut data, 32 << 20).expect("in memory");
    let opts = Options::default();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.bench_function("cloudtrail_records_32MiB", |b| {
        b.iter(|| {
            let mut count = 0usize;
            let stats = read_reader(&data[..], "bench.json", &opts, &mut |r| {
                count += black_box(r).action.len()
            });
            assert_eq!(stats.mapped as usize, n);
            count
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
