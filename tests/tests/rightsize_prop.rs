//! Property: for random AWS environments and random logs drawn from the
//! requests the principal's policies allow, the rightsized policy allows
//! every logged request and is never more permissive than the old policies
//! (checked here independently of `rightsize`'s own proofs: each logged
//! request is decided again with the new policy, and `compare` finds no
//! request the new policy allows and the old ones do not).

use iamx::usage::{Options, UsageRecord, read_reader};
use iamx::{LoadOptions, Workspace};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const USER: &str = "arn:aws:iam::111122223333:user/u";
const ACTIONS: [&str; 9] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:GetObjectTagging",
    "s3:Get*",
    "s3:*",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:*",
];
const RESOURCES: [&str; 6] = [
    "arn:aws:s3:::bkt/a.txt",
    "arn:aws:s3:::bkt/b/*",
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/t",
    "*",
];
/// (eventSource, eventName, resource ARN) of the calls logs may hold.
const CALLS: [(&str, &str, &str); 8] = [
    ("s3", "GetObject", "arn:aws:s3:::bkt/a.txt"),
    ("s3", "GetObject", "arn:aws:s3:::bkt/b/c.txt"),
    ("s3", "PutObject", "arn:aws:s3:::bkt/b/d.txt"),
    ("s3", "ListObjects", "arn:aws:s3:::bkt"),
    ("s3", "GetObjectTagging", "arn:aws:s3:::bkt/a.txt"),
    ("s3", "GetObjectTagging", "arn:aws:s3:::bkt/b/c.txt"),
    (
        "dynamodb",
        "GetItem",
        "arn:aws:dynamodb:us-east-1:111122223333:table/t",
    ),
    (
        "dynamodb",
        "Query",
        "arn:aws:dynamodb:us-east-1:111122223333:table/t",
    ),
];

fn condition(k: u8) -> Option<Value> {
    match k {
        1 => Some(json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
        2 => Some(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        3 => Some(json!({"StringLike": {"aws:RequestedRegion": "eu-*"}})),
        _ => None,
    }
}

fn policy() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            prop::bool::weighted(0.2),
            prop::collection::vec(0..ACTIONS.len(), 1..3),
            prop::collection::vec(0..RESOURCES.len(), 1..3),
            0u8..5,
        ),
        1..5,
    )
    .prop_map(|sts| {
        let body: Vec<Value> = sts
            .into_iter()
            .map(|(deny, a, r, c)| {
                let mut st = json!({
                    "Effect": if deny { "Deny" } else { "Allow" },
                    "Action": a.iter().map(|i| ACTIONS[*i]).collect::<Vec<_>>(),
                    "Resource": r.iter().map(|i| RESOURCES[*i]).collect::<Vec<_>>(),
                });
                if let Some(c) = condition(c) {
                    st["Condition"] = c;
                }
                st
            })
            .collect();
        json!({"Version": "2012-10-17", "Statement": body})
    })
}

fn authz(inline: &Value, managed: &Value) -> String {
    json!({
        "UserDetailList": [{
            "UserName": "u", "UserId": "AIDA0000000000000001", "Arn": USER, "Path": "/",
            "GroupList": [],
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}],
            "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": "arn:aws:iam::111122223333:policy/m"}],
            "Tags": []
        }],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [{
            "PolicyName": "m", "PolicyId": "ANPA0000000000000001", "Arn": "arn:aws:iam::111122223333:policy/m",
            "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": true,
            "PolicyVersionList": [{"Document": managed, "VersionId": "v1", "IsDefaultVersion": true}]
        }]
    })
    .to_string()
}

fn trail(calls: &[(usize, bool, bool)]) -> String {
    let records: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (c, eu, inside))| {
            let (src, name, arn) = CALLS[*c];
            json!({
                "eventVersion": "1.09",
                "userIdentity": {"type": "IAMUser", "arn": USER, "accountId": "111122223333", "userName": "u"},
                "eventTime": format!("2026-03-02T10:00:{:02}Z", i % 60),
                "eventSource": format!("{src}.amazonaws.com"),
                "eventName": name,
                "awsRegion": if *eu { "eu-west-1" } else { "us-east-1" },
                "sourceIPAddress": if *inside { "203.0.113.9" } else { "198.51.100.9" },
                "resources": [{"ARN": arn, "accountId": "111122223333"}],
                "eventType": "AwsApiCall",
                "recipientAccountId": "111122223333"
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_global_rejects: 10_000, .. ProptestConfig::default() })]

    #[test]
    fn rightsized_policy_keeps_the_logs_and_grants_nothing_new(
        inline in policy(),
        managed in policy(),
        base in (prop::collection::vec(0..4usize, 1..4), 0u8..5),
        calls in prop::collection::vec((0..CALLS.len(), any::<bool>(), any::<bool>()), 1..8),
    ) {
        // a broad allow in the managed policy, so that most logs hold calls
        // the policies allow (the random statements then narrow it)
        let mut managed = managed;
        let broad = ["s3:Get*", "s3:ListBucket", "s3:PutObject", "dynamodb:*"];
        let mut st = json!({
            "Effect": "Allow",
            "Action": base.0.iter().map(|i| broad[*i]).collect::<Vec<_>>(),
            "Resource": "*",
        });
        if let Some(c) = condition(base.1) {
            st["Condition"] = c;
        }
        if let Some(v) = managed["Statement"].as_array_mut() {
            v.push(st);
        }
        let ws = Workspace::from_texts(
            vec![("authz.json".to_owned(), authz(&inline, &managed))],
            &LoadOptions::default(),
        );
        prop_assert!(ws.errors().next().is_none());
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        // the logs: calls the old policies allow (and refused ones, which
        // are not use)
        let mut read = Vec::new();
        let text = trail(&calls);
        read_reader(text.as_bytes(), "trail.json", &Options::default(), &mut |r: UsageRecord| read.push(r));
        let mut logs = Vec::new();
        for r in read {
            let req = r.to_request();
            let (req, d, _) = ws
                .evaluate(iamx::Provider::Aws, iamx::Query {
                    principal: USER.to_owned(),
                    action: req.action.clone(),
                    resource: req.resource.clone(),
                    context: req.context.clone(),
                    data_action: None,
                    session_policy: None,
                })
                .map_err(TestCaseError::fail)?;
            if d.outcome == iamx::Outcome::Allowed {
                logs.push((r, req));
            }
        }
        prop_assume!(!logs.is_empty());
        let records: Vec<UsageRecord> = logs.iter().map(|(r, _)| r.clone()).collect();
        let opts = iamx::rightsize::Options { generalize: false, timeout: Duration::from_secs(60) };
        let out = iamx::rightsize::rightsize(&inp, &records, USER, &opts).map_err(TestCaseError::fail)?;
        prop_assert!(out.not_carried.is_empty(), "{:?}", out.not_carried);
        prop_assert!(out.proven(), "{out:?}");
        // independently: every logged request is allowed with the new policy
        let new = iamx::rightsize::parse_identity("new", &out.policy.to_string()).map_err(TestCaseError::fail)?;
        for (_, req) in &logs {
            let mut prog = ws.aws.program_for(req);
            prog.identity = vec![new.clone()];
            let d = iamx::model::evaluate(&prog, req);
            prop_assert_eq!(d.outcome, iamx::Outcome::Allowed, "{} on {}", req.action, req.resource);
        }
        // and compare finds nothing the new policy allows that the old ones do not
        let (req0, _, _) = ws
            .evaluate(iamx::Provider::Aws, iamx::Query {
                principal: USER.to_owned(),
                action: "s3:GetObject".to_owned(),
                resource: "*".to_owned(),
                context: iamx::model::Context::new(),
                data_action: None,
                session_policy: None,
            })
            .map_err(TestCaseError::fail)?;
        let prog = ws.aws.program_for(&req0);
        let old = Arc::new(iamx::model::Policy::new(
            Arc::from("old"),
            prog.identity.iter().flat_map(|p| p.statements.iter().cloned()).collect(),
        ));
        let c = iamx::reason::compare_aws(&new, &old, &req0.principal, &builtin, Duration::from_secs(60));
        prop_assert!(
            c.verdict == "equivalent" || c.verdict == "b_more_permissive",
            "new policy {} vs old: {} ({:?})", out.policy, c.verdict, c.a_not_in_b
        );
    }
}
