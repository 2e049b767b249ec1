//! Usage-level tests of the binary: help, version, exit codes for usage
//! errors. (Having integration tests here also makes `cargo test --workspace`
//! build the `iamx` binary that the end-to-end tests in `tests/` run.)

use std::process::Command;

fn iamx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_iamx"))
}

#[test]
fn help_lists_the_commands() {
    let out = iamx().arg("--help").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["load", "eval"] {
        assert!(text.contains(cmd), "help mentions `{cmd}`:\n{text}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = iamx()
        .args(["eval", "--principal", "x"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = iamx().args(["frobnicate"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = iamx().args(["eval", "examples"]).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_path_is_an_error_naming_it() {
    let out = iamx().args(["load", "no/such/dir"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/dir"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
}

#[test]
fn bad_context_argument_is_a_usage_error() {
    let out = iamx()
        .args([
            "eval",
            ".",
            "--principal",
            "*",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
            "--context",
            "novalue",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KEY=VALUE"));
}
