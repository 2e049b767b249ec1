//! The example organisation behaves as `examples/aws/README.md` says: every
//! `iamx eval` command there is run and its decision compared with the
//! "Expected" the README gives. Two explanations are snapshot-tested.

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

/// (expected decision, argv after `iamx`) for every command in the README.
fn readme_commands() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root().join("examples/aws/README.md")).expect("README");
    let mut expected: Option<String> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find("Expected: **") {
            let rest = &line[i + "Expected: **".len()..];
            expected = rest.split("**").next().map(str::to_owned);
        }
        let t = line.trim();
        if let Some(cmd) = t
            .strip_prefix("`iamx eval ")
            .and_then(|c| c.strip_suffix('`'))
        {
            let exp = expected
                .take()
                .expect("an Expected line precedes each command");
            let mut argv = vec!["eval".to_owned()];
            argv.extend(cmd.split_whitespace().map(str::to_owned));
            out.push((exp, argv));
        }
    }
    out
}

#[test]
fn readme_findings_hold() {
    let cmds = readme_commands();
    assert!(
        cmds.len() >= 8,
        "the README lists its findings with commands"
    );
    for (expected, argv) in &cmds {
        let out = iamx()
            .args(argv)
            .args(["--format", "json"])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{argv:?}: {stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            v["decision"].as_str(),
            Some(expected.as_str()),
            "{argv:?}:\n{v:#}"
        );
    }
    println!("{} README commands checked", cmds.len());
}

#[test]
fn explanation_of_tls_deny() {
    let out = iamx()
        .args([
            "eval",
            "examples",
            "--principal",
            "arn:aws:iam::111122223333:user/alice",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::examplecorp-payments-prod/reports/q1.csv",
            "--context",
            "aws:SecureTransport=false",
            "--context",
            "aws:RequestedRegion=us-east-1",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn explanation_of_region_scp() {
    let out = iamx()
        .args([
            "eval",
            "examples",
            "--principal",
            "arn:aws:iam::111122223333:user/carol",
            "--action",
            "ec2:RunInstances",
            "--resource",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0",
            "--context",
            "aws:RequestedRegion=us-east-1",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn missing_always_supplied_key_is_unknown() {
    let out = iamx()
        .args([
            "eval",
            "examples",
            "--principal",
            "arn:aws:iam::111122223333:user/alice",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::examplecorp-payments-prod/reports/q1.csv",
            "--context",
            "aws:RequestedRegion=us-east-1",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["decision"], "unknown", "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("aws:SecureTransport"),
        "{v:#}"
    );
}

#[test]
fn session_policy_limits_a_role_session() {
    let args = [
        "eval",
        "examples",
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/payments-admin/bob",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::examplecorp-payments-prod/reports/q1.csv",
        "--context",
        "aws:SecureTransport=true",
        "--context",
        "aws:RequestedRegion=us-east-1",
        "--format",
        "json",
    ];
    let decision = |extra: &[&str]| -> serde_json::Value {
        let out = iamx().args(args).args(extra).output().expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    assert_eq!(decision(&[])["decision"], "allowed");
    let limited = decision(&[
        "--session-policy",
        "corpus/aws/ok/session-policy-list-only.json",
    ]);
    assert_eq!(limited["decision"], "not_allowed", "{limited:#}");
    assert_eq!(
        limited["blockedBy"]["layer"], "session-policy",
        "{limited:#}"
    );
}
