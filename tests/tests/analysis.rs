//! The analyses on the example organisation, end to end through the CLI, as
//! reviewed snapshots: audit, who-can, what-can, paths and the DOT export.
//! The example is built so that each cloud shows an escalation path, a
//! conditional grant, a deny that blocks an otherwise-allowed path and an
//! inherited grant.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("iamx")
        .expect("the iamx binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn audit_of_the_example_organisation() {
    let text = run(&["audit", "examples"]);
    // each cloud: an administrator, an escalation path, a conditional grant
    for cloud in ["[aws]", "[gcp]", "[azure]"] {
        assert!(text.contains(cloud), "{cloud} findings:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn audit_json_has_every_section() {
    let v: serde_json::Value =
        serde_json::from_str(&run(&["audit", "examples", "--format", "json"])).expect("json");
    for key in [
        "counts",
        "admins",
        "public_access",
        "escalation_paths",
        "conditional_grants",
        "risks",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "missing `{key}`");
    }
    assert_eq!(v["counts"].as_object().map(|m| m.len()), Some(3));
}

#[test]
fn who_can_read_the_payments_report_aws() {
    // the bucket policy's TLS deny makes every read conditional on
    // aws:SecureTransport; frank reaches it only through data-reader
    insta::assert_snapshot!(run(&[
        "who-can",
        "examples",
        "--resource",
        "arn:aws:s3:::examplecorp-payments-prod/reports/q1.csv",
        "--action",
        "s3:GetObject",
    ]));
}

#[test]
fn who_can_read_the_ledger_gcp() {
    insta::assert_snapshot!(run(&[
        "who-can",
        "examples",
        "--resource",
        "//storage.googleapis.com/projects/_/buckets/payments-prod-ledger/objects/2026/06/ledger.csv",
        "--action",
        "storage.objects.get",
    ]));
}

#[test]
fn who_can_on_the_storage_account_azure() {
    insta::assert_snapshot!(run(&[
        "who-can",
        "examples",
        "--resource",
        "/subscriptions/a1b2c3d4-0001-4000-8000-00000000a001/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stexamplereports",
    ]));
}

#[test]
fn deny_assignment_blocks_the_owner_azure() {
    // frank is Owner of the subscription; the deny assignment on the storage
    // account takes the delete away from everyone but the automation principal
    let text = run(&[
        "who-can",
        "examples",
        "--resource",
        "/subscriptions/a1b2c3d4-0001-4000-8000-00000000a001/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stexamplereports",
        "--action",
        "Microsoft.Storage/storageAccounts/delete",
    ]);
    assert!(!text.contains("frank"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn what_can_a_gcp_user_reach() {
    insta::assert_snapshot!(run(&[
        "what-can",
        "examples",
        "--principal",
        "user:sam@example.com"
    ]));
}

#[test]
fn escalation_paths() {
    let mut text = String::new();
    for from in [
        "arn:aws:iam::111122223333:user/erin",
        "arn:aws:iam::111122223333:user/ci/dave",
        "user:dev@example.com",
        "33333333-cccc-4ccc-8ccc-333333333333",
    ] {
        text.push_str(&run(&["paths", "examples", "--from", from]));
    }
    text.push_str(&run(&[
        "paths",
        "examples",
        "--from",
        "arn:aws:iam::111122223333:user/ci/dave",
        "--to",
        "arn:aws:iam::111122223333:role/app-lambda-role",
    ]));
    insta::assert_snapshot!(text);
}

#[test]
fn dot_export_around_a_principal() {
    let dot = run(&[
        "graph",
        "examples",
        "--around",
        "user:dev@example.com",
        "--depth",
        "2",
    ]);
    assert!(dot.starts_with("digraph"), "{dot}");
    insta::assert_snapshot!(dot);
}

#[test]
fn graph_json_and_mermaid() {
    let v: serde_json::Value =
        serde_json::from_str(&run(&["graph", "examples", "--graph-format", "json"])).expect("json");
    assert!(v["nodes"].as_array().is_some_and(|n| n.len() > 50));
    let m = run(&["graph", "examples", "--graph-format", "mermaid"]);
    assert!(m.starts_with("flowchart"), "{m}");
}
