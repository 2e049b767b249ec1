//! Property: for random small environments, `who-can R A` lists exactly the
//! principals for which the concrete evaluator returns `allowed` or
//! conditional (`unknown` with an open context) for (P, A, R) — no more, no
//! fewer. (Principals reached only through an assumed role or an
//! impersonated service account are the analysis's own addition and are
//! checked separately in the snapshot tests.)

use iamx::{LoadOptions, Workspace};
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeSet;

const ACTIONS: [&str; 4] = ["s3:GetObject", "s3:PutObject", "s3:Get*", "s3:*"];
const RESOURCES: [&str; 4] = [
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::c/*",
    "*",
];

fn aws_policy() -> impl Strategy<Value = serde_json::Value> {
    prop::collection::vec((any::<bool>(), 0..ACTIONS.len(), 0..RESOURCES.len(), any::<bool>()), 1..4).prop_map(|sts| {
        let body: Vec<serde_json::Value> = sts
            .into_iter()
            .map(|(deny, a, r, cond)| {
                let mut st = json!({"Effect": if deny { "Deny" } else { "Allow" }, "Action": ACTIONS[a], "Resource": RESOURCES[r]});
                if cond {
                    st["Condition"] = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
                }
                st
            })
            .collect();
        json!({"Version": "2012-10-17", "Statement": body})
    })
}

fn aws_env(
    users: Vec<serde_json::Value>,
    group: serde_json::Value,
    bucket: Option<serde_json::Value>,
) -> Vec<(String, String)> {
    let user_list: Vec<serde_json::Value> = users
        .into_iter()
        .enumerate()
        .map(|(i, pol)| {
            json!({
                "UserName": format!("u{i}"), "UserId": format!("AIDA{i:016}"),
                "Arn": format!("arn:aws:iam::111122223333:user/u{i}"), "Path": "/",
                "GroupList": if i % 2 == 0 { vec!["g"] } else { vec![] },
                "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": pol}],
                "AttachedManagedPolicies": [], "Tags": []
            })
        })
        .collect();
    let authz = json!({
        "UserDetailList": user_list,
        "GroupDetailList": [{"GroupName": "g", "GroupId": "AGPA0000000000000001", "Arn": "arn:aws:iam::111122223333:group/g", "Path": "/",
            "GroupPolicyList": [{"PolicyName": "gp", "PolicyDocument": group}], "AttachedManagedPolicies": []}],
        "RoleDetailList": [], "Policies": []
    });
    let mut files = vec![("authz.json".to_owned(), authz.to_string())];
    if let Some(b) = bucket {
        files.push((
            "rp.json".to_owned(),
            json!({"iamxAwsResourcePolicies": [{"resource": "arn:aws:s3:::b", "account": "111122223333", "policy": b}]}).to_string(),
        ));
    }
    files
}

fn bucket_policy() -> impl Strategy<Value = Option<serde_json::Value>> {
    prop::option::of((any::<bool>(), 0..3usize).prop_map(|(deny, who)| {
        let principal = match who {
            0 => json!("*"),
            1 => json!({"AWS": "arn:aws:iam::111122223333:user/u1"}),
            _ => json!({"AWS": "111122223333"}),
        };
        json!({"Version": "2012-10-17", "Statement": [{"Effect": if deny { "Deny" } else { "Allow" },
            "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn aws_who_can_matches_the_evaluator(
        users in prop::collection::vec(aws_policy(), 1..5),
        group in aws_policy(),
        bucket in bucket_policy(),
        action in prop::sample::select(vec!["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
        resource in prop::sample::select(vec!["arn:aws:s3:::b/x", "arn:aws:s3:::c/y"]),
    ) {
        let ws = Workspace::from_texts(aws_env(users, group, bucket), &LoadOptions::default());
        prop_assert!(ws.errors().next().is_none());
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        let listed: BTreeSet<String> = iamx::analysis::who_can(&inp, resource, Some(action))
            .expect("who-can")
            .into_iter()
            .filter(|a| !a.via.iter().all(|v| v.starts_with("assumed role")))
            .map(|a| a.principal)
            .collect();
        let mut expected = BTreeSet::new();
        let mut everyone = iamx::analysis::aws::principals(&ws.aws);
        everyone.push(iamx::model::Principal::anonymous());
        for p in everyone {
            let (_, d) = iamx::analysis::aws::decide_open(&ws.aws, &p, action, resource);
            if matches!(d.outcome, iamx::Outcome::Allowed | iamx::Outcome::Unknown(_)) {
                expected.insert(p.id.clone());
            }
        }
        prop_assert_eq!(listed, expected);
    }
}

const GCP_ROLES: [(&str, &[&str]); 3] = [
    ("roles/r0", &["storage.objects.get"]),
    (
        "roles/r1",
        &["storage.objects.get", "storage.objects.delete"],
    ),
    ("roles/r2", &["storage.objects.list"]),
];
const GCP_MEMBERS: [&str; 4] = [
    "user:a@example.com",
    "user:b@example.com",
    "group:g@example.com",
    "allUsers",
];

fn gcp_bindings() -> impl Strategy<Value = Vec<(usize, usize, usize, bool)>> {
    // (attached: 0 org / 1 project / 2 bucket, role, member, conditional)
    prop::collection::vec(
        (
            0..3usize,
            0..GCP_ROLES.len(),
            0..GCP_MEMBERS.len(),
            any::<bool>(),
        ),
        0..6,
    )
}

fn gcp_env(bindings: &[(usize, usize, usize, bool)]) -> Vec<(String, String)> {
    let scopes = [
        "organizations/1",
        "projects/p1",
        "//storage.googleapis.com/projects/_/buckets/bk",
    ];
    let mut entries = Vec::new();
    for (i, scope) in scopes.iter().enumerate() {
        let bs: Vec<serde_json::Value> = bindings
            .iter()
            .filter(|b| b.0 == i)
            .map(|&(_, r, m, c)| {
                let mut b = json!({"role": GCP_ROLES[r].0, "members": [GCP_MEMBERS[m]]});
                if c {
                    b["condition"] = json!({"title": "t", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"});
                }
                b
            })
            .collect();
        let mut e = json!({"resource": scope, "policy": {"version": 3, "bindings": bs}});
        if i == 2 {
            e["ancestors"] = json!(["projects/p1", "organizations/1"]);
        }
        entries.push(e);
    }
    let roles: Vec<serde_json::Value> = GCP_ROLES
        .iter()
        .map(|(n, perms)| json!({"name": n, "title": n, "stage": "GA", "includedPermissions": perms}))
        .collect();
    vec![
        (
            "policies.json".into(),
            json!({"iamxGcpIamPolicies": entries}).to_string(),
        ),
        (
            "roles.json".into(),
            serde_json::Value::Array(roles).to_string(),
        ),
        (
            "hier.json".into(),
            json!({"iamxGcpHierarchy": {"projects/p1": "organizations/1"}}).to_string(),
        ),
        (
            "groups.json".into(),
            json!({"iamxGcpGroups": {"group:g@example.com": ["user:b@example.com"]}}).to_string(),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn gcp_who_can_matches_the_evaluator(
        bindings in gcp_bindings(),
        permission in prop::sample::select(vec!["storage.objects.get", "storage.objects.delete", "storage.objects.list"]),
    ) {
        let ws = Workspace::from_texts(gcp_env(&bindings), &LoadOptions::default());
        let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
        let resource = "//storage.googleapis.com/projects/_/buckets/bk/objects/o";
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        let listed: BTreeSet<String> = iamx::analysis::who_can(&inp, resource, Some(permission))
            .expect("who-can")
            .into_iter()
            .filter(|a| !a.via.iter().all(|v| v.starts_with("impersonated")))
            .map(|a| a.principal)
            .collect();
        let mut expected = BTreeSet::new();
        for m in iamx::analysis::gcp::principals(&ws.gcp) {
            let (req, prog) = iamx::gcp::build_request(&ws.gcp, &m, permission, resource, iamx::model::Context::new()).expect("request");
            let d = iamx::model::gcp::evaluate_gcp(&prog, &req);
            if matches!(d.outcome, iamx::Outcome::Allowed | iamx::Outcome::Unknown(_)) {
                expected.insert(m);
            }
        }
        prop_assert_eq!(listed, expected);
    }
}
