//! Malformed and unmappable log records (`corpus/logs/{malformed,unmappable}`)
//! are counted and listed with their locations, and reading goes on past
//! them; a large log is streamed, never held whole.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a failed test"
)]

mod common;
use common::render;
use iamx_usage::{Options, read_path, read_reader};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_corpus(dir: &str) -> Vec<(String, String, iamx_usage::Stats)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{dir} holds the fixtures");
    files
        .into_iter()
        .map(|f| {
            let name = format!(
                "{dir}/{}",
                f.file_name().unwrap().to_string_lossy().into_owned()
            );
            let mut out = Vec::new();
            let stats = read_reader(
                File::open(&f).unwrap(),
                &name,
                &Options::default(),
                &mut |r| out.push(r),
            );
            assert_eq!(
                stats.records,
                stats.mapped + stats.unmappable + stats.malformed + stats.skipped_by_date,
                "{name}: every record is counted once"
            );
            (name.clone(), render(&out, &stats), stats)
        })
        .collect()
}

#[test]
fn malformed_records_are_located_and_skipped() {
    for (name, text, stats) in read_corpus("corpus/logs/malformed") {
        assert!(stats.malformed > 0, "{name}: {text}");
        assert_eq!(stats.malformed as usize, stats.malformed_records.len());
        for m in &stats.malformed_records {
            assert!(m.location.line > 0 && m.location.column > 0, "{name}: {m}");
        }
        // the well-formed records around the bad one are still read
        assert!(stats.mapped > 0, "{name}: {text}");
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn unmappable_records_are_counted_with_reasons() {
    for (name, text, stats) in read_corpus("corpus/logs/unmappable") {
        assert!(stats.unmappable > 0, "{name}: {text}");
        assert_eq!(
            stats.unmappable_by_reason.values().sum::<u64>(),
            stats.unmappable,
            "{name}"
        );
        for u in &stats.unmappable_records {
            assert!(u.location.line > 0, "{name}: {u}");
        }
        insta::assert_snapshot!(name, text);
    }
}

/// A 64 MiB CloudTrail file on disk: every record is read, and the largest
/// buffer held is one record plus a read chunk, not the file. (1 GB was
/// measured by hand with the same generator: see the closing note.)
#[test]
fn a_large_log_is_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let path: &Path = &dir.path().join("big.json");
    let mut w = BufWriter::new(File::create(path).unwrap());
    let n = common::write_cloudtrail(&mut w, 64 << 20).unwrap();
    drop(w);
    let size = std::fs::metadata(path).unwrap().len();
    let mut seen = 0usize;
    let stats = read_path(path, &Options::default(), &mut |r| {
        assert_eq!(r.action, common::expected_action(seen));
        seen += 1;
    })
    .unwrap();
    assert_eq!(seen, n);
    assert_eq!(stats.mapped as usize, n);
    assert_eq!(stats.bytes, size);
    assert!(
        stats.max_buffer < 1 << 20,
        "held {} bytes at once for a {size}-byte file",
        stats.max_buffer
    );
}
