//! `iamx check` on a generated policy repository of 500 policies (200 roles'
//! inline policies in an authorization-details file, 250 policy documents in
//! their own files, 50 bucket policies) and 50 assertions (never, only,
//! always, no-public-access), loading included (target: under 5 s;
//! measured on this machine: 39 ms median, 130 ms for the first run).

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark setup: input that cannot be generated must stop the run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use iamx::LoadOptions;
use iamx::check::{self, CheckOptions};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "111122223333";
const BUCKETS: usize = 50;
const ROLES: usize = 200;
const DOCUMENTS: usize = 250;

fn bucket(i: usize) -> String {
    format!("acme-data-{:02}", i % BUCKETS)
}

/// Writes the repository and returns its folder.
fn repository() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-bench-repo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).expect("folder");
    // roles: each reads and writes its team's prefix of one bucket; some
    // only from the corporate network, some may not delete
    let roles: Vec<serde_json::Value> = (0..ROLES)
        .map(|i| {
            let mut statements = vec![json!({
                "Sid": "TeamData", "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": [format!("arn:aws:s3:::{}/team-{i}/*", bucket(i))]
            })];
            if i % 3 == 0 {
                statements.push(json!({
                    "Sid": "Logs", "Effect": "Allow", "Action": "logs:*",
                    "Resource": format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/team-{i}/*"),
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
                }));
            }
            if i % 4 == 0 {
                statements.push(json!({
                    "Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"
                }));
            }
            json!({
                "RoleName": format!("team-{i}"), "RoleId": format!("AROA{i:016}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:role/team-{i}"), "Path": "/",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [{"PolicyName": format!("team-{i}"), "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
                "AttachedManagedPolicies": [], "Tags": []
            })
        })
        .collect();
    let authz = json!({"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": roles});
    std::fs::write(dir.join("authz.json"), authz.to_string()).expect("write");
    // policy documents the deployment tooling attaches: builds and queues
    for i in 0..DOCUMENTS {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Builds", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
             "Resource": format!("arn:aws:s3:::acme-builds/service-{i}/*")},
            {"Sid": "Queue", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
             "Resource": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:service-{i}")}
        ]});
        std::fs::write(
            dir.join(format!("policies/service-{i}.json")),
            doc.to_string(),
        )
        .expect("write");
    }
    // bucket policies: TLS only; a few grant a partner account read access
    let rps: Vec<serde_json::Value> = (0..BUCKETS)
        .map(|b| {
            let name = bucket(b);
            let mut statements = vec![json!({
                "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [format!("arn:aws:s3:::{name}"), format!("arn:aws:s3:::{name}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
            })];
            if b % 10 == 0 {
                statements.push(json!({
                    "Sid": "PartnerRead", "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{name}/shared/*")
                }));
            }
            json!({"resource": format!("arn:aws:s3:::{name}"), "account": ACCOUNT,
                   "policy": {"Version": "2012-10-17", "Statement": statements}})
        })
        .collect();
    std::fs::write(
        dir.join("resource-policies.json"),
        json!({"iamxAwsResourcePolicies": rps}).to_string(),
    )
    .expect("write");
    // 50 assertions
    let mut toml = String::new();
    // outside callers: anonymous, an unknown account, and the partner
    // account (which reads the shared/ prefix of every tenth bucket: the
    // failures)
    for k in 0..20 {
        let who = if k % 10 == 0 {
            "\"arn:aws:iam::444455556666:root\""
        } else {
            "\"anonymous\", \"external\""
        };
        let _ = write!(
            toml,
            "[[assertion]]\nname = \"never-outside-{k}\"\nkind = \"never\"\nprincipals = [{who}]\nactions = [\"s3:GetObject\", \"s3:PutObject\"]\nresources = [\"arn:aws:s3:::{b}/*\"]\n\n",
            b = bucket(if k % 10 == 0 { k } else { k * 2 + 1 })
        );
    }
    for k in 0..10 {
        let _ = write!(
            toml,
            "[[assertion]]\nname = \"only-team-{k}\"\nkind = \"only\"\nprincipals = [\"arn:aws:iam::{ACCOUNT}:role/team-{k}\"]\nactions = [\"s3:GetObject\"]\nresources = [\"arn:aws:s3:::{b}/team-{k}/*\"]\n\n",
            b = bucket(k)
        );
    }
    for k in 0..10 {
        let _ = write!(
            toml,
            "[[assertion]]\nname = \"always-team-{k}\"\nkind = \"always\"\ncontext = {{ \"aws:SecureTransport\" = \"true\" }}\nprincipals = [\"arn:aws:iam::{ACCOUNT}:role/team-{k}\"]\nactions = [\"s3:PutObject\"]\nresources = [\"arn:aws:s3:::{b}/team-{k}/report.csv\"]\n\n",
            b = bucket(k)
        );
    }
    for k in 0..5 {
        let _ = write!(
            toml,
            "[[assertion]]\nname = \"no-public-{k}\"\nkind = \"no-public-access\"\nresources = [\"arn:aws:s3:::acme-data-{k}*\"]\n\n"
        );
    }
    for k in 0..5 {
        let _ = write!(
            toml,
            "[[assertion]]\nname = \"nobody-deletes-{k}\"\nkind = \"never\"\nactions = [\"s3:DeleteBucket\", \"s3:PutBucketPolicy\"]\nresources = [\"arn:aws:s3:::{b}\"]\n\n",
            b = bucket(k * 7 + 3)
        );
    }
    std::fs::write(dir.join("iamx.toml"), toml).expect("write");
    dir
}

/// What `iamx check DIR` does: read the assertions, load, check.
fn check_once(dir: &Path) -> check::Report {
    let text = std::fs::read_to_string(dir.join("iamx.toml")).expect("assertions");
    let file = check::parse_assertions("iamx.toml", &text).expect("valid assertions");
    assert_eq!(file.assertions.len(), 50);
    let ws = check::load_inputs(&[dir.to_path_buf()], &[], &LoadOptions::default()).expect("loads");
    assert!(ws.errors().next().is_none());
    let policies = ws.policies.len()
        + ws.aws.roles.values().map(|r| r.inline.len()).sum::<usize>()
        + ws.aws.resource_policies.len();
    assert_eq!(policies, 500);
    let opts = CheckOptions {
        base_dir: dir.to_path_buf(),
        ..CheckOptions::default()
    };
    check::run(&ws, &file, &opts)
}

fn bench(c: &mut Criterion) {
    let dir = repository();
    let t = Instant::now();
    let report = check_once(&dir);
    let first = t.elapsed();
    let (passed, failed, waived) = report.counts();
    // the partner grants on every tenth bucket are what fails
    let failing: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.status == check::Status::Failed)
        .map(|r| r.name.as_str())
        .collect();
    eprintln!(
        "check of 500 policies and 50 assertions: {first:.2?} ({passed} passed, {failed} failed: {failing:?}, {waived} waived)"
    );
    assert!(first < Duration::from_secs(5), "took {first:?}");
    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("500 policies, 50 assertions", |b| {
        b.iter(|| check_once(&dir));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
