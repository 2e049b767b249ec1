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

/// Splits a command line the way a POSIX shell would for the simple forms
/// the READMEs use: white space separates, single quotes group.
fn shell_words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in cmd.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// (expected decision, argv after `iamx`) for every command in a README:
/// either "Expected: **X**" followed by the command on its own line, or
/// "`iamx eval …` → **X**" on one line.
fn readme_commands(readme: &str) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root().join(readme)).expect("README");
    let mut expected: Option<String> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find("Expected: **") {
            let rest = &line[i + "Expected: **".len()..];
            expected = rest.split("**").next().map(str::to_owned);
        }
        let Some(start) = line.find("`iamx eval ") else {
            continue;
        };
        let rest = &line[start + "`iamx eval ".len()..];
        let Some(end) = rest.find('`') else { continue };
        let cmd = &rest[..end];
        let after = &rest[end + 1..];
        let exp = match after.find("→ **") {
            Some(i) => after[i + "→ **".len()..]
                .split("**")
                .next()
                .map(str::to_owned),
            None => expected.take(),
        }
        .unwrap_or_else(|| panic!("{readme}: no expected decision for `{cmd}`"));
        let mut argv = vec!["eval".to_owned()];
        argv.extend(shell_words(cmd));
        out.push((exp, argv));
    }
    out
}

fn check_readme(readme: &str, at_least: usize) {
    let cmds = readme_commands(readme);
    assert!(
        cmds.len() >= at_least,
        "{readme} lists its findings with commands ({} found)",
        cmds.len()
    );
    for (expected, argv) in &cmds {
        let out = iamx()
            .args(argv)
            .args(["--format", "json"])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{readme}: {argv:?}: {stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            v["decision"].as_str(),
            Some(expected.as_str()),
            "{readme}: {argv:?}:\n{v:#}"
        );
    }
    println!("{readme}: {} commands checked", cmds.len());
}

#[test]
fn aws_readme_findings_hold() {
    check_readme("examples/aws/README.md", 8);
}

#[test]
fn gcp_readme_findings_hold() {
    check_readme("examples/gcp/README.md", 8);
}

#[test]
fn azure_readme_findings_hold() {
    check_readme("examples/azure/README.md", 8);
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
