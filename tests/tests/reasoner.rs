//! The reasoner end to end: `eval --any-context`, `compare` and the
//! Access-Analyzer-style checks, with their exit codes (0 pass, 1 finding,
//! 2 bad input). Every witness shown here was replayed through the concrete
//! evaluator before it was printed.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("iamx")
        .expect("the iamx binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        (0..=2).contains(&code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

const READ: &str = "corpus/aws/ok/reasoner-s3-read.json";
const READ_WRITE: &str = "corpus/aws/ok/reasoner-s3-read-write-tls.json";

#[test]
fn any_context_answers() {
    let mut text = String::new();
    for (p, a, r) in [
        // MFA-conditioned trust: sometimes
        (
            "arn:aws:iam::111122223333:user/bob",
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/payments-admin",
        ),
        // nothing allows it: never
        (
            "arn:aws:iam::111122223333:user/alice",
            "s3:DeleteBucket",
            "arn:aws:s3:::examplecorp-payments-prod",
        ),
        // the public bucket: always
        (
            "*",
            "s3:GetObject",
            "arn:aws:s3:::examplecorp-public-assets/logo.png",
        ),
        // GCP: a binding with a time condition
        (
            "user:casey@contractor.example.net",
            "storage.objects.get",
            "//storage.googleapis.com/projects/_/buckets/payments-prod-ledger/objects/2026/06/ledger.csv",
        ),
    ] {
        let (code, out) = run(&[
            "eval",
            "examples",
            "--principal",
            p,
            "--action",
            a,
            "--resource",
            r,
            "--any-context",
        ]);
        assert_eq!(code, 0);
        text.push_str(&out);
    }
    insta::assert_snapshot!(text);
}

#[test]
fn any_context_json_witness_is_allowed_by_eval() {
    let (_, out) = run(&[
        "eval",
        "examples",
        "--principal",
        "arn:aws:iam::111122223333:user/bob",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::111122223333:role/payments-admin",
        "--any-context",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["answer"], "sometimes");
    // replaying the witness context through plain eval gives allowed
    let mut args = vec![
        "eval".to_owned(),
        "examples".into(),
        "--principal".into(),
        "arn:aws:iam::111122223333:user/bob".into(),
        "--action".into(),
        "sts:AssumeRole".into(),
        "--resource".into(),
        "arn:aws:iam::111122223333:role/payments-admin".into(),
        "--format".into(),
        "json".into(),
    ];
    for kv in v["witness"].as_array().expect("witness") {
        args.push("--context".into());
        args.push(format!(
            "{}={}",
            kv[0].as_str().expect("key"),
            kv[1].as_str().expect("value")
        ));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, out) = run(&argv);
    let d: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(d["decision"], "allowed", "{d:#}");
}

#[test]
fn compare_two_policies() {
    let (code, out) = run(&["compare", READ, READ_WRITE]);
    assert_eq!(code, 0);
    let (_, same) = run(&["compare", READ, READ]);
    insta::assert_snapshot!(format!("{out}---\n{same}"));
}

#[test]
fn check_no_new_access_exit_codes() {
    let (pass, _) = run(&["check-no-new-access", READ, READ]);
    assert_eq!(pass, 0);
    let (fail, out) = run(&["check-no-new-access", READ_WRITE, READ]);
    assert_eq!(fail, 1);
    assert!(out.contains("s3:PutObject"), "{out}");
    // the read-only policy is not contained in the read-write one: that one
    // denies plain-HTTP requests, the read-only one does not
    let (fail, out) = run(&["check-no-new-access", READ, READ_WRITE]);
    assert_eq!(fail, 1);
    assert!(out.contains("aws:securetransport=false"), "{out}");
}

#[test]
fn check_access_not_granted() {
    let (code, out) = run(&[
        "check-access-not-granted",
        READ,
        "--action",
        "s3:PutObject",
        "--action",
        "s3:DeleteObject",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&[
        "check-access-not-granted",
        READ_WRITE,
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::reports/q1.csv",
    ]);
    assert_eq!(code, 1);
    // granted only over TLS: sometimes, depending on aws:SecureTransport
    assert!(
        out.contains("sometimes") && out.contains("aws:securetransport"),
        "{out}"
    );
}

#[test]
fn check_no_public_access() {
    let (code, out) = run(&[
        "check-no-public-access",
        "corpus/aws/ok/reasoner-public-bucket-policy.json",
        "--resource",
        "arn:aws:s3:::assets/logo.png",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
    // an identity policy is not a resource policy: bad input
    let (code, _) = run(&[
        "check-no-public-access",
        READ,
        "--resource",
        "arn:aws:s3:::reports/q1.csv",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn emitted_smt_of_each_cloud() {
    let mut text = String::new();
    for (p, a, r, extra) in [
        (
            "arn:aws:iam::111122223333:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::examplecorp-payments-prod/reports/q1.csv",
            None,
        ),
        (
            "user:casey@contractor.example.net",
            "storage.objects.get",
            "//storage.googleapis.com/projects/_/buckets/payments-prod-ledger/objects/2026/06/ledger.csv",
            None,
        ),
        (
            "11111111-aaaa-4aaa-8aaa-111111111111",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "/subscriptions/a1b2c3d4-0001-4000-8000-00000000a001/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stexamplereports/blobServices/default/containers/reports/blobs/q3.csv",
            Some("--data-action"),
        ),
    ] {
        let mut args = vec![
            "eval",
            "examples",
            "--principal",
            p,
            "--action",
            a,
            "--resource",
            r,
            "--emit-smt",
        ];
        args.extend(extra);
        let (code, out) = run(&args);
        assert_eq!(code, 0);
        text.push_str(&format!("; {p} {a}\n{out}"));
    }
    insta::assert_snapshot!(text);
}

/// Issue 14: a bucket policy is not an identity policy. A candidate that
/// opens the bucket to `"Principal": "*"` must not pass against a reference
/// that allows one role: until the reasoner encodes principals, the answer
/// is `unknown` (exit 1) with the reason, never a pass.
#[test]
fn check_no_new_access_on_a_bucket_policy_is_unknown_not_a_pass() {
    let dir = std::env::temp_dir().join(format!("iamx-bucket-principal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let statement = |principal: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {principal}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-sensitive/*"}}]}}"#
        )
    };
    let candidate = dir.join("candidate.json");
    let reference = dir.join("reference.json");
    std::fs::write(&candidate, statement(r#""*""#)).unwrap();
    std::fs::write(
        &reference,
        statement(r#"{"AWS": "arn:aws:iam::111122223333:role/reader"}"#),
    )
    .unwrap();
    let (c, r) = (candidate.to_str().unwrap(), reference.to_str().unwrap());
    let (code, out) = run(&["check-no-new-access", c, r]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown"), "{out}");
    assert!(out.contains("`Principal`"), "{out}");
    // the same documents without `Principal` compare as identity policies:
    // identical, so the check passes (the refusal comes from the element)
    let plain = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-sensitive/*"}]}"#;
    std::fs::write(&candidate, plain).unwrap();
    std::fs::write(&reference, plain).unwrap();
    let (code, out) = run(&["check-no-new-access", c, r]);
    assert_eq!(code, 0, "{out}");
    // `compare` says the same
    std::fs::write(&candidate, statement(r#""*""#)).unwrap();
    let (_, out) = run(&["compare", c, r]);
    assert!(out.contains("unknown"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A candidate whose only extra grant is one AWS refuses anyway (changing an
/// IAM Identity Center role, deleting an AWS managed policy, a KMS alias
/// under `alias/aws/`) adds no access: the reasoner honours the guardrails.
/// The same candidate on a customer role does add access.
#[test]
fn check_no_new_access_honours_the_aws_guardrails() {
    let dir = std::env::temp_dir().join(format!("iamx-guardrail-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = |extra: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}{extra}]}}"#
        )
    };
    let candidate = dir.join("candidate.json");
    let reference = dir.join("reference.json");
    std::fs::write(&reference, doc("")).unwrap();
    let (c, r) = (candidate.to_str().unwrap(), reference.to_str().unwrap());
    for (extra, adds) in [
        (
            r#", {"Effect": "Allow", "Action": ["iam:DeleteRole", "iam:PutRolePolicy", "iam:PassRole"], "Resource": "arn:aws:iam::*:role/aws-reserved/*"}"#,
            false,
        ),
        (
            r#", {"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy"], "Resource": "arn:aws:iam::aws:policy/*"}"#,
            false,
        ),
        (
            r#", {"Effect": "Allow", "Action": "kms:DeleteAlias", "Resource": "arn:aws:kms:*:*:alias/aws/*"}"#,
            false,
        ),
        (
            r#", {"Effect": "Allow", "Action": "iam:DeleteRole", "Resource": "arn:aws:iam::*:role/app-*"}"#,
            true,
        ),
        (
            r#", {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "arn:aws:iam::*:role/aws-reserved/*"}"#,
            true,
        ),
    ] {
        std::fs::write(&candidate, doc(extra)).unwrap();
        let (code, out) = run(&["check-no-new-access", c, r]);
        assert_eq!(code, i32::from(adds), "{extra}\n{out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
