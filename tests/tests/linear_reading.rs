//! Reading is linear in the input however long its lines: single-line
//! inputs of about 1 MB and 16 MB (an authorization-details dump, a Cloud
//! Asset Inventory export, a request array) are read in the same run, and
//! the cost per MB of the large one may be at most twice the small one's.
//! (Locations were once counted from the start of the line for every span,
//! which made a one-line export quadratic.)

use iamx::{LoadOptions, Workspace};
use serde_json::json;
use std::time::{Duration, Instant};

fn aws_dump(users: usize) -> String {
    let list: Vec<serde_json::Value> = (0..users)
        .map(|i| {
            json!({"UserName": format!("user{i}"), "UserId": format!("AIDA{i:016}"),
                "Arn": format!("arn:aws:iam::111122223333:user/team/user{i}"), "Path": "/team/",
                "GroupList": [], "AttachedManagedPolicies": [], "Tags": [],
                "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": format!("arn:aws:s3:::bucket-{i}/*"),
                        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "é-ü-日本"}}}]}}]})
        })
        .collect();
    json!({"UserDetailList": list, "GroupDetailList": [], "RoleDetailList": [], "Policies": []})
        .to_string()
}

fn cai_export(projects: usize) -> String {
    let list: Vec<serde_json::Value> = (0..projects)
        .map(|i| {
            json!({"name": format!("//cloudresourcemanager.googleapis.com/projects/{}", 1000 + i),
                "assetType": "cloudresourcemanager.googleapis.com/Project",
                "ancestors": [format!("projects/{}", 1000 + i), "organizations/1"],
                "iamPolicy": {"version": 3, "bindings": [
                    {"role": "roles/viewer", "members": [format!("user:dev{i}@example.com"), "group:all@example.com"]},
                    {"role": "roles/storage.objectViewer", "members": [format!("serviceAccount:sa{i}@p{i}.iam.gserviceaccount.com")],
                     "condition": {"title": "until 2030", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}}]}})
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn requests(cases: usize) -> String {
    let list: Vec<serde_json::Value> = (0..cases)
        .map(|i| {
            json!({"name": format!("case {i}"), "expected": "allowed",
                "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject",
                            "resource": format!("arn:aws:s3:::bucket-{}/key{i}", i % 50)},
                "identityPolicies": [{"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}]})
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// The fastest of three reads of `text`, per MB.
fn per_mb(file: &str, text: &str) -> f64 {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let ws = Workspace::from_texts(
            vec![(file.to_owned(), text.to_owned())],
            &LoadOptions::default(),
        );
        best = best.min(t.elapsed());
        let errors: Vec<String> = ws.errors().map(|d| d.to_string()).take(3).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
    best.as_secs_f64() / (text.len() as f64 / 1e6)
}

#[test]
fn one_line_inputs_read_in_linear_time() {
    // (what, file name, builder, elements for about 1 MB)
    type Kind = (&'static str, &'static str, fn(usize) -> String, usize);
    let kinds: [Kind; 3] = [
        ("authorization-details dump", "authz.json", aws_dump, 2_500),
        (
            "Cloud Asset Inventory export",
            "cai.json",
            cai_export,
            2_800,
        ),
        ("request array", "requests.json", requests, 3_300),
    ];
    for (what, file, build, n) in kinds {
        let small = build(n);
        let large = build(n * 16);
        assert!(!small.contains('\n') && !large.contains('\n'));
        assert!(large.len() > 12_000_000, "{what}: {} bytes", large.len());
        let (a, b) = (per_mb(file, &small), per_mb(file, &large));
        eprintln!(
            "{what}: {:.1} MB at {:.1} ms/MB, {:.1} MB at {:.1} ms/MB",
            small.len() as f64 / 1e6,
            a * 1e3,
            large.len() as f64 / 1e6,
            b * 1e3
        );
        assert!(
            b <= 2.0 * a,
            "{what}: {:.1} ms/MB at 16 MB against {:.1} ms/MB at 1 MB",
            b * 1e3,
            a * 1e3
        );
    }
}

fn one_policy(statements: usize) -> String {
    let st: Vec<serde_json::Value> = (0..statements)
        .map(|i| {
            json!({"Sid": format!("s{i}"), "Effect": "Allow", "Action": ["s3:GetObject"],
                   "Resource": format!("arn:aws:s3:::b{i}/*")})
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": st}).to_string()
}

/// One policy of 5,000 and of 20,000 statements, in the same run: four
/// times the statements may take at most eight times as long.
#[test]
fn statements_of_one_policy_read_in_linear_time() {
    let (small, large) = (one_policy(5_000), one_policy(20_000));
    let (a, b) = (
        per_mb("policy.json", &small) * small.len() as f64,
        per_mb("policy.json", &large) * large.len() as f64,
    );
    eprintln!("5k statements {:.0} ms, 20k {:.0} ms", a / 1e3, b / 1e3);
    assert!(b <= 8.0 * a, "5k: {:.3} s, 20k: {:.3} s", a / 1e6, b / 1e6);
}
