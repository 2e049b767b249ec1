//! The hand-written input corpus: every `ok/` file loads cleanly, every
//! `err/` file gives exactly one located error and exit 2 (insta snapshots of
//! the message).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn iamx() -> Command {
    let mut c = Command::cargo_bin("iamx").expect("the iamx binary is built");
    c.current_dir(root());
    c
}

fn relative(path: &Path) -> String {
    let root = root().canonicalize().expect("workspace root");
    let p = path.canonicalize().expect("corpus file");
    p.strip_prefix(&root)
        .expect("under the root")
        .display()
        .to_string()
}

#[test]
fn aws_err_corpus() {
    insta::glob!("../../corpus/aws/err", "*.json", |path| {
        let rel = relative(path);
        let out = iamx().args(["load", &rel]).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{rel} must exit 2");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{rel}: exactly one error expected, got:\n{stderr}"
        );
        let line = errors[0];
        assert!(
            line.contains(&format!("{rel}:")),
            "{rel}: the error names the file: {line}"
        );
        assert!(!stderr.contains("panicked"), "{rel}: no panic");
        insta::assert_snapshot!(stderr);
    });
}

#[test]
fn aws_ok_corpus_loads_without_errors() {
    let dir = root().join("corpus/aws/ok");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("ok corpus") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        n += 1;
        let rel = relative(&path);
        let out = iamx().args(["load", &rel]).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{rel} must load: {stderr}");
        let is_warning_fixture = rel.contains("unknown-top-level-key");
        assert_eq!(
            stderr.lines().any(|l| l.starts_with("warning: ")),
            is_warning_fixture,
            "{rel}: warnings only where the fixture is about one:\n{stderr}"
        );
    }
    println!("aws ok corpus: {n} files loaded");
    assert!(n >= 20);
}
