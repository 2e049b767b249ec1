#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]
//! Differential test, AWS: for random programs (identity policies,
//! boundaries, SCP levels, a resource policy; conditions, NotAction /
//! NotResource, policy variables, IfExists, Null) and random concrete
//! requests, the symbolic encoding evaluated on the request gives the
//! concrete evaluator's decision. 10,000 cases.

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text, parse_principal};
use iamx_model::{
    AwsProgram, Context, OrgLevel, Outcome, Request, ResourcePolicyKind, Scalar, Value, evaluate,
};
use iamx_smt::aws::{Encoder, model_of};
use proptest::prelude::*;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const ACTIONS: [&str; 6] = [
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:PutObject",
    "ec2:*",
    "*",
];
const RESOURCES: [&str; 6] = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/${aws:username}/*",
    "arn:aws:s3:::b/${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::c/?",
    "arn:aws:s3:::b/home/*",
];

fn condition() -> impl Strategy<Value = Option<serde_json::Value>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(json!({"Bool": {"aws:SecureTransport": "true"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]}}))),
        1 => Just(Some(json!({"StringNotEquals": {"aws:PrincipalTag/team": "red"}}))),
        1 => Just(Some(json!({"StringLike": {"s3:prefix": ["home/*", "pub?"]}}))),
        1 => Just(Some(json!({"StringLikeIfExists": {"s3:prefix": "home/*"}}))),
        1 => Just(Some(json!({"NumericLessThan": {"s3:max-keys": "10"}}))),
        1 => Just(Some(json!({"NumericGreaterThanEqualsIfExists": {"s3:max-keys": 5}}))),
        1 => Just(Some(json!({"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}))),
        1 => Just(Some(json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.0/24"]}}))),
        1 => Just(Some(json!({"NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}}))),
        1 => Just(Some(json!({"Null": {"aws:TokenIssueTime": "true"}}))),
        1 => Just(Some(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}, "StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "BLUE"}}))),
        1 => Just(Some(json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:topic-*"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:username": "alice"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}))),
        1 => Just(Some(json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}))),
    ]
}

fn statement(with_principal: bool) -> impl Strategy<Value = serde_json::Value> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0..ACTIONS.len(), 1..3),
        any::<bool>(),
        prop::collection::vec(0..RESOURCES.len(), 1..3),
        condition(),
        0..4usize,
    )
        .prop_map(move |(deny, not_action, acts, not_res, res, cond, who)| {
            let mut st = serde_json::Map::new();
            st.insert(
                "Effect".into(),
                (if deny { "Deny" } else { "Allow" }).into(),
            );
            let a: Vec<&str> = acts.iter().map(|&i| ACTIONS[i]).collect();
            st.insert(
                (if not_action { "NotAction" } else { "Action" }).into(),
                json!(a),
            );
            let r: Vec<&str> = res.iter().map(|&i| RESOURCES[i]).collect();
            st.insert(
                (if not_res { "NotResource" } else { "Resource" }).into(),
                json!(r),
            );
            if let Some(c) = cond {
                st.insert("Condition".into(), c);
            }
            if with_principal {
                let p = match who {
                    0 => json!("*"),
                    1 => json!({"AWS": "arn:aws:iam::111122223333:user/alice"}),
                    2 => json!({"AWS": "111122223333"}),
                    _ => json!({"AWS": "arn:aws:iam::444455556666:root"}),
                };
                st.insert("Principal".into(), p);
            }
            serde_json::Value::Object(st)
        })
}

fn policy(with_principal: bool) -> impl Strategy<Value = String> {
    prop::collection::vec(statement(with_principal), 1..4)
        .prop_map(|sts| json!({"Version": "2012-10-17", "Statement": sts}).to_string())
}

fn parse(text: &str, ptype: PolicyType) -> Arc<iamx_model::Policy> {
    let (p, d) = parse_policy_text(
        "p.json",
        text,
        PolicyOptions {
            ptype,
            actions: None,
        },
    );
    assert!(d.iter().all(|x| !x.is_error()), "{d:?}\n{text}");
    Arc::new(p.expect("parses"))
}

#[derive(Debug, Clone)]
struct Ctx {
    team: Option<&'static str>,
    prefix: Option<&'static str>,
    max_keys: Option<i64>,
    ip: Option<&'static str>,
    time: &'static str,
    secure: bool,
    mfa: Option<bool>,
    token: bool,
    source_arn: Option<&'static str>,
}

fn ctx() -> impl Strategy<Value = Ctx> {
    (
        prop::option::of(prop::sample::select(vec!["blue", "red", "Blue", "green"])),
        prop::option::of(prop::sample::select(vec!["home/x", "pub1", "pub", "other"])),
        prop::option::of(0i64..20),
        prop::option::of(prop::sample::select(vec![
            "10.2.3.4",
            "10.1.2.3",
            "192.168.1.7",
            "8.8.8.8",
        ])),
        prop::sample::select(vec!["2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"]),
        any::<bool>(),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            "arn:aws:sns:us-east-1:111122223333:topic-a",
            "arn:aws:sns:us-east-1:444455556666:topic-a",
            "arn:aws:sns:us:east:111122223333:topic-x",
        ])),
    )
        .prop_map(
            |(team, prefix, max_keys, ip, time, secure, mfa, token, source_arn)| Ctx {
                team,
                prefix,
                max_keys,
                ip,
                time,
                secure,
                mfa,
                token,
                source_arn,
            },
        )
}

fn context(c: &Ctx) -> Context {
    let mut x = Context::new();
    let s = |v: &str| Value::One(Scalar::Str(v.to_owned()));
    if let Some(t) = c.team {
        x.insert("aws:PrincipalTag/team", s(t));
    }
    if let Some(p) = c.prefix {
        x.insert("s3:prefix", s(p));
    }
    if let Some(n) = c.max_keys {
        x.insert("s3:max-keys", s(&n.to_string()));
    }
    if let Some(ip) = c.ip {
        x.insert("aws:SourceIp", s(ip));
    }
    x.insert("aws:CurrentTime", s(c.time));
    x.insert("aws:EpochTime", s("1767225600"));
    x.insert(
        "aws:SecureTransport",
        s(if c.secure { "true" } else { "false" }),
    );
    if let Some(m) = c.mfa {
        x.insert(
            "aws:MultiFactorAuthPresent",
            s(if m { "true" } else { "false" }),
        );
    }
    if c.token {
        x.insert("aws:TokenIssueTime", s("2026-01-01T00:00:00Z"));
    }
    if let Some(a) = c.source_arn {
        x.insert("aws:SourceArn", s(a));
    }
    x
}

static CHECKED: AtomicUsize = AtomicUsize::new(0);
static SKIPPED: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn encoding_agrees_with_evaluator(
        identity in prop::collection::vec(policy(false), 1..3),
        boundary in prop::option::of(policy(false)),
        scps in prop::option::of(prop::collection::vec(policy(false), 1..3)),
        resource_policy in prop::option::of(policy(true)),
        principal in prop::sample::select(vec![
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:sts::111122223333:assumed-role/app/s1",
            "arn:aws:iam::444455556666:user/bob",
            "*",
        ]),
        action in prop::sample::select(vec!["s3:GetObject", "s3:PutObject", "ec2:RunInstances", "s3:ListBucket"]),
        resource in prop::sample::select(vec!["arn:aws:s3:::b/alice/x", "arn:aws:s3:::b/home/y", "arn:aws:s3:::c/1", "arn:aws:s3:::b/blue/z", "arn:aws:s3:::c/12"]),
        c in ctx(),
    ) {
        let prog = AwsProgram {
            identity: identity.iter().map(|t| parse(t, PolicyType::Identity)).collect(),
            boundaries: boundary.iter().map(|t| parse(t, PolicyType::Boundary)).collect(),
            session: None,
            scps: scps.map(|ls| ls.iter().enumerate().map(|(i, t)| OrgLevel { name: format!("l{i}"), policies: vec![parse(t, PolicyType::Scp)] }).collect()),
            management_account: false,
            rcps: None,
            resource_policy: resource_policy.map(|t| parse(&t, PolicyType::Resource)),
            resource_policy_kind: ResourcePolicyKind::Generic,
        };
        let p = parse_principal(principal).expect("principal");
        let req = Request {
            principal: p.clone(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: Some("111122223333".into()),
            context: context(&c),
        };
        let concrete = evaluate(&prog, &req).outcome;
        if matches!(concrete, Outcome::Unknown(_)) {
            SKIPPED.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let fixed = Context::new();
        let mut enc = Encoder::new(&p, Some("111122223333"), &fixed, None, None);
        let (allowed, deny) = enc.program(&prog);
        let Some(model) = model_of(&enc, action, resource, &req.context) else {
            SKIPPED.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        match (allowed.eval(&model), deny.eval(&model)) {
            (Some(a), Some(d)) => {
                prop_assert_eq!(a, concrete == Outcome::Allowed, "allowed: {:?} vs {}", concrete, allowed);
                prop_assert_eq!(d, concrete == Outcome::ExplicitlyDenied, "deny: {:?}", concrete);
                CHECKED.fetch_add(1, Ordering::Relaxed);
            }
            // a free variable for something the encoding does not express
            _ => {
                prop_assert!(!enc.unsupported.is_empty(), "no value without an unsupported construct");
                SKIPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[test]
fn most_cases_are_compared() {
    // run the property's body again under a fixed runner to count: most cases
    // must be compared, not skipped
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(2_000));
    let (checked_n, skipped_n) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let strategy = (
        prop::collection::vec(policy(false), 1..3),
        prop::option::of(policy(true)),
        ctx(),
    );
    runner
        .run(&strategy, |(identity, rp, c)| {
            let prog = AwsProgram {
                identity: identity
                    .iter()
                    .map(|t| parse(t, PolicyType::Identity))
                    .collect(),
                boundaries: vec![],
                session: None,
                scps: None,
                management_account: false,
                rcps: None,
                resource_policy: rp.map(|t| parse(&t, PolicyType::Resource)),
                resource_policy_kind: ResourcePolicyKind::Generic,
            };
            let p = parse_principal("arn:aws:iam::111122223333:user/alice").expect("principal");
            let req = Request {
                principal: p.clone(),
                action: "s3:GetObject".into(),
                resource: "arn:aws:s3:::b/alice/x".into(),
                resource_account: Some("111122223333".into()),
                context: context(&c),
            };
            let concrete = evaluate(&prog, &req).outcome;
            let fixed = Context::new();
            let mut enc = Encoder::new(&p, Some("111122223333"), &fixed, None, None);
            let (allowed, _) = enc.program(&prog);
            match model_of(&enc, &req.action, &req.resource, &req.context)
                .and_then(|m| allowed.eval(&m))
            {
                Some(a) if !matches!(concrete, Outcome::Unknown(_)) => {
                    prop_assert_eq!(a, concrete == Outcome::Allowed);
                    checked_n.fetch_add(1, Ordering::Relaxed);
                }
                _ => {
                    skipped_n.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(())
        })
        .expect("agrees");
    let checked = checked_n.load(Ordering::Relaxed);
    let skipped = skipped_n.load(Ordering::Relaxed);
    eprintln!("differential aws (counting run): {checked} compared, {skipped} skipped");
    assert!(
        checked * 10 >= (checked + skipped) * 9,
        "at least 90% of cases are compared: {checked} of {}",
        checked + skipped
    );
}
