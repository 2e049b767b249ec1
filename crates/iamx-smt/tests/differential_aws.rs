#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]
//! Differential test, AWS: for random programs (identity policies,
//! boundaries, session policies, SCP and RCP levels, a resource policy of
//! each kind: generic, KMS key policy, role trust policy; conditions,
//! NotAction / NotResource, policy variables, IfExists, Null) and random
//! concrete requests (AWS-owned resources and `sts:GetCallerIdentity`
//! among them), the symbolic encoding evaluated on the request gives the
//! concrete evaluator's decision. 10,000 cases; every branch listed in
//! [`Branch`] must be compared a minimum number of times.

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text, parse_principal};
use iamx_model::{
    AwsProgram, Context, OrgLevel, Outcome, Request, ResourcePolicyKind, Scalar, Value, evaluate,
};
use iamx_smt::aws::{Encoder, model_of};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const ACTIONS: [&str; 11] = [
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:PutObject",
    "ec2:*",
    "*",
    "iam:*",
    "iam:DeleteRole",
    "sts:*",
    "kms:*Alias",
    "sts:GetCallerIdentity",
];
const RESOURCES: [&str; 8] = [
    "*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:kms:*:111122223333:alias/*",
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
        // multi-valued keys with set operators, and single-valued operators on them
        1 => Just(Some(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}}))),
        1 => Just(Some(json!({"ForAllValues:StringLike": {"aws:TagKeys": ["env", "t*"]}}))),
        1 => Just(Some(json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": "env"}}))),
        1 => Just(Some(json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": "secret"}}))),
        1 => Just(Some(json!({"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": "ENV"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["env", "Env", "team"]}}))),
        1 => Just(Some(json!({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "s*"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:TagKeys": "team"}}))),
        1 => Just(Some(json!({"StringNotLike": {"aws:TagKeys": "sec*"}}))),
        1 => Just(Some(json!({"Null": {"aws:TagKeys": "false"}, "ForAllValues:StringEquals": {"aws:TagKeys": "env"}}))),
        1 => Just(Some(json!({"ForAnyValue:NumericLessThan": {"test:Nums": "3.5"}, "ForAllValues:NumericGreaterThanEquals": {"test:Nums": 1}}))),
        1 => Just(Some(json!({"ForAllValues:IpAddress": {"test:Ips": ["10.0.0.0/8", "2001:db8::/32"]}}))),
        // IPv6 networks
        1 => Just(Some(json!({"IpAddress": {"aws:SourceIp": ["2001:db8::/32", "10.0.0.0/8"]}}))),
        1 => Just(Some(json!({"NotIpAddress": {"aws:SourceIp": ["2001:db8:1::/48", "8.8.8.8/32"]}}))),
        // case-insensitive comparisons
        1 => Just(Some(json!({"StringEqualsIgnoreCase": {"s3:prefix": ["Home/X", "PUB1"]}}))),
        1 => Just(Some(json!({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "RED"}}))),
        1 => Just(Some(json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:username}"}}))),
        // decimal numbers
        1 => Just(Some(json!({"NumericLessThan": {"s3:max-keys": "10.5"}}))),
        1 => Just(Some(json!({"NumericGreaterThan": {"s3:max-keys": 2.25}, "NumericNotEquals": {"s3:max-keys": "7"}}))),
    ]
}

/// Which policy type a generated statement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    /// Identity, boundary, session, SCP: no `Principal`.
    Identity,
    /// A resource or key policy: a `Principal`.
    Resource,
    /// A role trust policy: a `Principal`, no `Resource`.
    Trust,
    /// An RCP: `"Principal": "*"`, and only denies (an Allow is RCPFullAWSAccess).
    Rcp,
}

fn statement(flavor: Flavor) -> impl Strategy<Value = serde_json::Value> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0..ACTIONS.len(), 1..3),
        any::<bool>(),
        prop::collection::vec(0..RESOURCES.len(), 1..3),
        condition(),
        0..7usize,
    )
        .prop_map(move |(deny, not_action, acts, not_res, res, cond, who)| {
            let mut st = serde_json::Map::new();
            if flavor == Flavor::Rcp && !deny {
                return json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"});
            }
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
            if flavor != Flavor::Trust {
                st.insert(
                    (if not_res { "NotResource" } else { "Resource" }).into(),
                    json!(r),
                );
            }
            if let Some(c) = cond {
                st.insert("Condition".into(), c);
            }
            match flavor {
                Flavor::Identity => {}
                Flavor::Rcp => {
                    st.insert("Principal".into(), json!("*"));
                }
                Flavor::Resource | Flavor::Trust => {
                    let (key, p) = match who {
                        0 => ("Principal", json!("*")),
                        1 => ("Principal", json!({"AWS": "arn:aws:iam::111122223333:user/alice"})),
                        2 => ("Principal", json!({"AWS": "111122223333"})),
                        3 => ("Principal", json!({"Service": "ec2.amazonaws.com"})),
                        4 => ("Principal", json!({"AWS": "arn:aws:iam::444455556666:root"})),
                        // NotPrincipal: the caller with its account, and a
                        // session without its role or account (unknown)
                        5 if flavor == Flavor::Resource => (
                            "NotPrincipal",
                            json!({"AWS": ["arn:aws:iam::111122223333:user/alice", "111122223333"]}),
                        ),
                        _ if flavor == Flavor::Resource => (
                            "NotPrincipal",
                            json!({"AWS": "arn:aws:sts::111122223333:assumed-role/app/s1"}),
                        ),
                        _ => ("Principal", json!({"AWS": "arn:aws:iam::111122223333:role/app"})),
                    };
                    st.insert(key.into(), p);
                }
            }
            serde_json::Value::Object(st)
        })
}

fn policy(flavor: Flavor) -> impl Strategy<Value = String> {
    prop::collection::vec(statement(flavor), 1..4)
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
    max_keys: Option<String>,
    /// `aws:TagKeys`: a set (possibly empty) or, when `tag_one`, a single value.
    tag_keys: Option<Vec<&'static str>>,
    tag_one: bool,
    nums: Option<Vec<&'static str>>,
    ips: Option<Vec<&'static str>>,
    ip: Option<&'static str>,
    time: &'static str,
    secure: bool,
    mfa: Option<bool>,
    token: bool,
    source_arn: Option<&'static str>,
}

fn ctx() -> impl Strategy<Value = Ctx> {
    let sets = (
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["env", "team", "Env", "secret", "tx", "s3"]),
            0..4,
        )),
        any::<bool>(),
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["1", "0.5", "3.5", "3.25", "7", "12"]),
            0..3,
        )),
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["10.1.1.1", "2001:db8::7", "2001:db9::1", "9.9.9.9"]),
            0..3,
        )),
    );
    (
        prop::option::of(prop::sample::select(vec![
            "blue", "red", "Blue", "green", "RED", "ReD", "alice",
        ])),
        prop::option::of(prop::sample::select(vec![
            "home/x", "pub1", "pub", "other", "HOME/x", "Pub1",
        ])),
        prop::option::of(prop_oneof![
            (0i64..20).prop_map(|n| n.to_string()),
            prop::sample::select(vec!["10.5", "2.25", "2.3", "10.25", "-1.5", "7.0"])
                .prop_map(str::to_owned),
        ]),
        prop::option::of(prop::sample::select(vec![
            "10.2.3.4",
            "10.1.2.3",
            "192.168.1.7",
            "8.8.8.8",
            "2001:db8::1",
            "2001:db8:1::5",
            "2001:db9::1",
            "::ffff:10.0.0.1",
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
        sets,
    )
        .prop_map(
            |(
                team,
                prefix,
                max_keys,
                ip,
                time,
                secure,
                mfa,
                token,
                source_arn,
                (tag_keys, tag_one, nums, ips),
            )| Ctx {
                team,
                prefix,
                max_keys,
                tag_keys,
                tag_one,
                nums,
                ips,
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
    if let Some(n) = &c.max_keys {
        x.insert("s3:max-keys", s(n));
    }
    let set = |v: &[&str]| Value::Set(v.iter().map(|e| Scalar::Str((*e).to_owned())).collect());
    if let Some(t) = &c.tag_keys {
        match (c.tag_one, t.first()) {
            (true, Some(one)) => x.insert("aws:TagKeys", s(one)),
            _ => x.insert("aws:TagKeys", set(t)),
        }
    }
    if let Some(n) = &c.nums {
        x.insert("test:Nums", set(n));
    }
    if let Some(n) = &c.ips {
        x.insert("test:Ips", set(n));
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

/// How one case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    /// The encoding's value was compared with the evaluator's decision.
    Compared,
    /// The evaluator says Unknown: nothing to compare.
    EvaluatorUnknown,
    /// The request does not fit the encoding's variables.
    NotModelled,
    /// The encoding leans on a free variable for this request.
    Free,
}

/// Runs `body` on `cases` random inputs (failures persisted next to this
/// file) and counts how each case ended.
fn run_counted<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    body: impl Fn(S::Value) -> Result<Ending, TestCaseError>,
) -> [usize; 4] {
    let config = ProptestConfig {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    };
    let counts: [AtomicUsize; 4] = Default::default();
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&strategy, |v| {
        let c = body(v)?;
        counts[c as usize].fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let n = counts.map(|c| c.load(Ordering::Relaxed));
    eprintln!(
        "{name}: {} compared, {} evaluator unknown, {} not modelled, {} free (of {})",
        n[0],
        n[1],
        n[2],
        n[3],
        n.iter().sum::<usize>()
    );
    n
}

/// Whether a statement of the program's resource policy has a principal
/// element with `property`.
fn rp_has(prog: &AwsProgram, property: impl Fn(&iamx_model::PrincipalSpec) -> bool) -> bool {
    prog.resource_policy.as_ref().is_some_and(|p| {
        p.statements
            .iter()
            .any(|st| st.principal.as_ref().is_some_and(&property))
    })
}

/// Branches of the combination rule that every run must compare.
#[derive(Clone, Copy, Debug)]
enum Branch {
    Session,
    Rcp,
    KeyPolicy,
    TrustPolicy,
    Guardrail,
    GetCallerIdentity,
    Boundary,
    Scp,
    NotPrincipal,
    WildcardPrincipalWithBoundary,
}

const BRANCHES: [Branch; 10] = [
    Branch::Session,
    Branch::Rcp,
    Branch::KeyPolicy,
    Branch::TrustPolicy,
    Branch::Guardrail,
    Branch::GetCallerIdentity,
    Branch::Boundary,
    Branch::Scp,
    Branch::NotPrincipal,
    Branch::WildcardPrincipalWithBoundary,
];

/// The fewest comparisons each branch must see in a run.
const MIN_PER_BRANCH: usize = 150;

#[test]
fn encoding_agrees_with_evaluator() {
    let programs = (
        prop::collection::vec(policy(Flavor::Identity), 1..3),
        prop::option::of(policy(Flavor::Identity)),
        prop::option::of(policy(Flavor::Identity)),
        prop::option::of(prop::collection::vec(policy(Flavor::Identity), 1..3)),
        prop::option::of(prop::collection::vec(policy(Flavor::Rcp), 1..3)),
        prop_oneof![
            2 => Just(None),
            2 => policy(Flavor::Resource).prop_map(|p| Some((ResourcePolicyKind::Generic, p))),
            1 => policy(Flavor::Resource).prop_map(|p| Some((ResourcePolicyKind::KmsKey, p))),
            1 => policy(Flavor::Trust).prop_map(|p| Some((ResourcePolicyKind::RoleTrust, p))),
        ],
    );
    let strategy = (
        programs,
        prop::sample::select(vec![
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:sts::111122223333:assumed-role/app/s1",
            "arn:aws:iam::444455556666:user/bob",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO",
            "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSSO/s2",
            "ec2.amazonaws.com",
            "*",
        ]),
        prop::sample::select(vec![
            "s3:GetObject",
            "s3:PutObject",
            "ec2:RunInstances",
            "s3:ListBucket",
            "iam:DeleteRole",
            "iam:GetRole",
            "sts:GetCallerIdentity",
            "kms:DeleteAlias",
            "sts:AssumeRole",
        ]),
        prop::sample::select(vec![
            "arn:aws:s3:::b/alice/x",
            "arn:aws:s3:::b/home/y",
            "arn:aws:s3:::c/1",
            "arn:aws:s3:::b/blue/z",
            "arn:aws:s3:::c/12",
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_A_1",
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
            "arn:aws:kms:us-east-1:111122223333:alias/AWS/s3",
        ]),
        ctx(),
    );
    let branches: [AtomicUsize; 10] = Default::default();
    let n = run_counted(
        "differential aws",
        10_000,
        strategy,
        |(
            (identity, boundary, session, scps, rcps, resource_policy),
            principal,
            action,
            resource,
            c,
        )| {
            let (kind, rp) = match resource_policy {
                Some((k, text)) => {
                    let ptype = if k == ResourcePolicyKind::RoleTrust {
                        PolicyType::Trust
                    } else {
                        PolicyType::Resource
                    };
                    (k, Some(parse(&text, ptype)))
                }
                None => (ResourcePolicyKind::Generic, None),
            };
            let levels = |ls: Vec<String>, ptype: PolicyType| -> Vec<OrgLevel> {
                ls.iter()
                    .enumerate()
                    .map(|(i, t)| OrgLevel {
                        name: format!("l{i}"),
                        policies: vec![parse(t, ptype)],
                    })
                    .collect()
            };
            let prog = AwsProgram {
                identity: identity
                    .iter()
                    .map(|t| parse(t, PolicyType::Identity))
                    .collect(),
                boundaries: boundary
                    .iter()
                    .map(|t| parse(t, PolicyType::Boundary))
                    .collect(),
                session: session.map(|t| parse(&t, PolicyType::Session)),
                scps: scps.map(|ls| levels(ls, PolicyType::Scp)),
                management_account: false,
                rcps: rcps.map(|ls| levels(ls, PolicyType::Rcp)),
                resource_policy: rp,
                resource_policy_kind: kind,
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
                return Ok(Ending::EvaluatorUnknown);
            }
            let fixed = Context::new();
            let mut enc = Encoder::new(&p, Some("111122223333"), &fixed, None, None);
            let (allowed, deny) = enc.program(&prog);
            let Some(model) = model_of(&enc, action, resource, &req.context) else {
                return Ok(Ending::NotModelled);
            };
            match (allowed.eval(&model), deny.eval(&model)) {
                (Some(a), Some(d)) => {
                    prop_assert_eq!(
                        a,
                        concrete == Outcome::Allowed,
                        "allowed: {:?} vs {}",
                        concrete,
                        allowed
                    );
                    prop_assert_eq!(
                        d,
                        concrete == Outcome::ExplicitlyDenied,
                        "deny: {:?}",
                        concrete
                    );
                    let iam = p.has_identity_policies();
                    let hit = [
                        prog.session.is_some() && iam,
                        prog.rcps.is_some(),
                        prog.resource_policy.is_some() && kind == ResourcePolicyKind::KmsKey,
                        prog.resource_policy.is_some() && kind == ResourcePolicyKind::RoleTrust,
                        iamx_model::guardrail::guardrail_for(
                            &p,
                            &action.to_ascii_lowercase(),
                            resource,
                        )
                        .is_some(),
                        action == "sts:GetCallerIdentity",
                        !prog.boundaries.is_empty() && iam,
                        prog.scps.is_some(),
                        rp_has(&prog, |spec| spec.negated),
                        iam && !prog.boundaries.is_empty()
                            && rp_has(&prog, |spec| {
                                spec.entries.contains(&iamx_model::PrincipalEntry::Anyone)
                            }),
                    ];
                    for (b, h) in branches.iter().zip(hit) {
                        if h {
                            b.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Ending::Compared)
                }
                // a free variable for something the encoding does not express
                _ => {
                    prop_assert!(
                        !enc.unsupported.is_empty(),
                        "no value without an unsupported construct"
                    );
                    Ok(Ending::Free)
                }
            }
        },
    );
    let total: usize = n.iter().sum();
    assert!(total >= 10_000);
    assert!(
        n[0] >= total / 2,
        "only {} of {total} cases compared: the test would pass on skipped cases",
        n[0]
    );
    for (b, c) in BRANCHES.iter().zip(&branches) {
        let c = c.load(Ordering::Relaxed);
        eprintln!("  {b:?}: {c} compared");
        assert!(
            c >= MIN_PER_BRANCH,
            "{b:?} compared {c} times, fewer than {MIN_PER_BRANCH}"
        );
    }
}
