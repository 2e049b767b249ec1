//! The hand-written Azure corpus: every `corpus/azure/ok` file loads with
//! no diagnostic at all; every `corpus/azure/err` file gives exactly one
//! error, located (file, line, column, JSON path): insta snapshots of the
//! rendered diagnostics, reviewed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_azure::load_json;
use iamx_model::source::Source;
use iamx_model::{Diagnostic, Severity};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads one file as the CLI would: parse, detect, read.
fn diagnostics(path: &Path) -> (Vec<Diagnostic>, String) {
    let rel = path
        .strip_prefix(root().canonicalize().unwrap())
        .or_else(|_| path.strip_prefix(root()))
        .unwrap()
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).unwrap();
    let src = Source::new(rel.clone(), text);
    let json = match src.parse_json() {
        Ok(j) => j,
        Err(d) => return (vec![d], rel),
    };
    let load = load_json(&src, &json).unwrap_or_else(|| panic!("{rel}: not detected as Azure"));
    let mut diags = load.diagnostics;
    // checks across files, as after merging (one file here)
    if load.env.roles.is_empty() {
        // an assignment file alone has no role definitions: that warning is
        // expected and not what the corpus is about
    } else {
        diags.extend(load.env.validate());
    }
    (diags, rel)
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
fn azure_err_corpus() {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::glob!("../../../corpus/azure/err", "*.json", |path| {
            let (diags, rel) = diagnostics(path);
            let errors: Vec<&Diagnostic> =
                diags.iter().filter(|d| d.severity == Severity::Error).collect();
            assert_eq!(errors.len(), 1, "{rel}: exactly one error expected:\n{}", render(&diags));
            let e = errors[0];
            assert!(e.line > 0 && e.column > 0, "{rel}: located: {e}");
            assert!(e.path.starts_with('$'), "{rel}: has a JSON path: {e}");
            assert_eq!(e.file.as_deref(), Some(rel.as_str()));
            insta::assert_snapshot!(render(&diags));
        });
    });
}

#[test]
fn azure_ok_corpus_loads_cleanly() {
    let dir = root().join("corpus/azure/ok");
    let mut n = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("json"))
        .collect();
    entries.sort();
    for path in entries {
        let (diags, rel) = diagnostics(&path);
        assert!(diags.is_empty(), "{rel}:\n{}", render(&diags));
        n += 1;
    }
    println!("azure ok corpus: {n} files loaded without diagnostics");
    assert!(n >= 10);
}

/// The request files of the ok corpus decide as their `expected` says (the
/// plain request file: `allowed`).
#[test]
fn azure_ok_request_files_decide() {
    use iamx_model::{decide, program::Program};
    let dir = root().join("corpus/azure/ok");
    let mut n = 0;
    for f in [
        "request-blob-read-in-container.json",
        "request-scenarios-array.json",
    ] {
        let path = dir.join(f);
        let src = Source::new(f, std::fs::read_to_string(&path).unwrap());
        let json = src.parse_json().unwrap();
        let load = load_json(&src, &json).unwrap();
        assert!(load.diagnostics.is_empty(), "{:?}", load.diagnostics);
        for case in &load.requests {
            assert!(matches!(case.program, Program::Azure(_)));
            let d = decide(&case.program, &case.request);
            let want = case.expected.as_deref().unwrap_or("allowed");
            assert_eq!(d.outcome.as_str(), want, "{f} {:?}: {d:#?}", case.name);
            n += 1;
        }
    }
    assert_eq!(n, 3);
}
