//! The GCP input corpus: every `corpus/gcp/ok` file loads with no error and
//! no warning; every `corpus/gcp/err` file gives exactly one located error
//! (insta snapshots of the rendered diagnostics).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a failed test"
)]

use iamx_gcp::{GcpFileLoad, Source, load_source};
use iamx_model::Diagnostic;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Loads a corpus file under the name `corpus/gcp/…` (stable in snapshots).
fn load(path: &Path) -> (String, Vec<Diagnostic>, Option<GcpFileLoad>) {
    let path = path.canonicalize().expect("corpus file");
    let rel = path
        .strip_prefix(root())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string());
    let text = std::fs::read_to_string(&path).expect("corpus file reads");
    let src = Source::new(rel.as_str(), text);
    match load_source(&src) {
        Err(d) => (rel, vec![d], None),
        Ok(None) => panic!("{rel}: no GCP format detected"),
        Ok(Some(mut l)) => {
            let d = std::mem::take(&mut l.diagnostics);
            (rel, d, Some(l))
        }
    }
}

fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.to_string());
        out.push('\n');
        if let Some(h) = &d.help {
            out.push_str(&format!("  help: {h}\n"));
        }
    }
    out
}

#[test]
fn gcp_err_corpus() {
    insta::glob!("../../../corpus/gcp/err", "*.{json,ndjson}", |path| {
        let (rel, diags, _) = load(path);
        let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
        assert_eq!(
            errors.len(),
            1,
            "{rel}: exactly one error expected, got:\n{}",
            render(&diags)
        );
        let e = errors[0];
        assert!(
            e.line > 0 && e.column > 0,
            "{rel}: the error is located: {e}"
        );
        assert!(
            e.path.starts_with('$'),
            "{rel}: the error has a JSON path: {e}"
        );
        assert_eq!(e.file.as_deref(), Some(rel.as_str()));
        insta::assert_snapshot!(render(&diags));
    });
}

#[test]
fn gcp_ok_corpus_loads_cleanly() {
    let dir = root().join("corpus/gcp/ok");
    let mut n = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("ok corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "ndjson")
        ) {
            continue;
        }
        n += 1;
        let (rel, diags, l) = load(&path);
        assert!(
            diags.is_empty(),
            "{rel} must load cleanly:\n{}",
            render(&diags)
        );
        let l = l.expect("loaded");
        let c = l.env.counts();
        println!(
            "{rel}: {} — {c:?}, {} request(s)",
            l.format.map_or("?", |f| f.name()),
            l.requests.len()
        );
        assert!(
            c != iamx_gcp::GcpCounts::default() || !l.requests.is_empty(),
            "{rel}: read something"
        );
    }
    println!("gcp ok corpus: {n} files loaded");
    assert!(n >= 10);
}
