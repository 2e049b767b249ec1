//! `rightsize` of a role with 500 distinct logged actions, both proofs
//! included (target: under 2 s).

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark setup: input that cannot be generated must stop the run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use iamx::usage::{Cloud, Format, Location, Outcome, UsageRecord};
use iamx::{LoadOptions, Workspace};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::111122223333:role/worker";

fn environment() -> Workspace {
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:*", "s3:*", "dynamodb:*", "iam:Get*", "iam:List*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:Delete*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}
    ]});
    let authz = json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{
            "RoleName": "worker", "RoleId": "AROA0000000000000001", "Arn": ROLE, "Path": "/",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "worker", "PolicyDocument": policy}],
            "AttachedManagedPolicies": [], "Tags": []
        }]
    });
    let ws = Workspace::from_texts(
        vec![("authz.json".to_owned(), authz.to_string())],
        &LoadOptions::default(),
    );
    assert!(ws.errors().next().is_none());
    ws
}

/// 500 distinct logged actions: EC2 (not `Delete*`), S3 on one bucket and
/// DynamoDB on one table, as the built-in catalog names them.
fn records() -> Vec<UsageRecord> {
    let catalog = iamx::catalog::Catalog::builtin();
    let mut out = Vec::new();
    let file: Arc<str> = Arc::from("bench.json");
    let mut push = |action: String, resource: Option<&str>| {
        let n = out.len() as u64;
        out.push(UsageRecord {
            cloud: Cloud::Aws,
            format: Format::CloudTrail,
            principal: ROLE.to_owned(),
            principal_kind: iamx::model::PrincipalKind::Role,
            via: None,
            action,
            resource: resource.map(str::to_owned),
            resource_account: Some("111122223333".to_owned()),
            time: None,
            outcome: Outcome::Allowed,
            context: vec![("aws:RequestedRegion", "us-east-1".to_owned())],
            location: Location {
                file: file.clone(),
                record: n,
                offset: 0,
                line: 1,
                column: 1,
            },
        });
    };
    for a in catalog.service_actions("s3").iter().take(120) {
        push(
            a.action().to_owned(),
            Some("arn:aws:s3:::bench-bucket/data/x"),
        );
    }
    for a in catalog.service_actions("dynamodb").iter().take(60) {
        push(
            a.action().to_owned(),
            Some("arn:aws:dynamodb:us-east-1:111122223333:table/t"),
        );
    }
    for a in catalog
        .service_actions("ec2")
        .iter()
        .filter(|a| !a.action().contains(":Delete"))
        .take(320)
    {
        push(a.action().to_owned(), None);
    }
    assert_eq!(out.len(), 500, "the built-in catalog has enough actions");
    out
}

fn rightsize(c: &mut Criterion) {
    let ws = environment();
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    let logs = records();
    let opts = iamx::rightsize::Options {
        generalize: false,
        timeout: Duration::from_secs(10),
    };
    let mut g = c.benchmark_group("rightsize");
    g.sample_size(10);
    g.bench_function("role_500_actions_with_proofs", |b| {
        b.iter(|| {
            let r = iamx::rightsize::rightsize(&inp, &logs, ROLE, &opts).expect("rightsized");
            assert!(r.proven(), "{r:?}");
            assert_eq!(r.kept, 500);
            r
        })
    });
    g.finish();
}

criterion_group!(benches, rightsize);
criterion_main!(benches);
