#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]
//! The discharge of statements by glob inclusion (`compare::more_permissive`)
//! agrees with the full question (`compare::full_question`): over random
//! pairs of policies whose Allow statements have literal actions and
//! wildcard resources (the shape of translated and rightsized policies),
//! with conditions and Denies on the other side, both answer alike
//! whenever neither is unknown, and every witness either gives is allowed
//! by the first policy and not by the second.

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text};
use iamx_model::{AwsProgram, Outcome, Principal, PrincipalKind, Request, evaluate};
use iamx_smt::compare::{Direction, Prepared, full_question, more_permissive};
use proptest::prelude::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const RESOURCES: [&str; 7] = [
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/logs/*",
    "arn:aws:s3:::*/logs/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::c/?",
    "arn:aws:s3:::b/logs/a",
    "*",
];

fn condition() -> impl Strategy<Value = Option<serde_json::Value>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(json!({"Bool": {"aws:SecureTransport": "true"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}))),
        1 => Just(Some(json!({"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}))),
        1 => Just(Some(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))),
    ]
}

fn a_statement() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::sample::subsequence(vec!["s3:GetObject", "s3:PutObject", "s3:ListBucket"], 1..3),
        prop::sample::subsequence(RESOURCES.to_vec(), 1..3),
        condition(),
    )
        .prop_map(|(a, r, c)| {
            let mut s = json!({"Effect": "Allow", "Action": a, "Resource": r});
            if let Some(c) = c {
                s["Condition"] = c;
            }
            s
        })
}

fn b_statement() -> impl Strategy<Value = serde_json::Value> {
    (
        prop_oneof![3 => Just("Allow"), 1 => Just("Deny")],
        prop::sample::select(vec!["s3:GetObject", "s3:Get*", "s3:*", "s3:PutObject", "*"]),
        any::<bool>(),
        prop::sample::subsequence(RESOURCES.to_vec(), 1..3),
        condition(),
    )
        .prop_map(|(e, a, not_res, r, c)| {
            let mut s = json!({"Effect": e, "Action": a});
            s[if not_res { "NotResource" } else { "Resource" }] = json!(r);
            if let Some(c) = c {
                s["Condition"] = c;
            }
            s
        })
}

fn parse(statements: Vec<serde_json::Value>) -> Arc<iamx_model::Policy> {
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let (p, d) = parse_policy_text(
        "p.json",
        &text,
        PolicyOptions {
            ptype: PolicyType::Identity,
            actions: None,
        },
    );
    assert!(d.iter().all(|x| !x.is_error()), "{d:?}\n{text}");
    Arc::new(p.expect("parses"))
}

fn program(p: &Arc<iamx_model::Policy>) -> AwsProgram {
    AwsProgram::identity_only(vec![p.clone()])
}

fn caller() -> Principal {
    Principal {
        id: "arn:aws:iam::111122223333:user/alice".into(),
        kind: PrincipalKind::User,
        account: Some("111122223333".into()),
        role_arn: None,
        name: Some("alice".into()),
        unique_id: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn discharge_agrees_with_the_full_question(
        a in prop::collection::vec(a_statement(), 1..4),
        b in prop::collection::vec(b_statement(), 1..4),
    ) {
        let (pa, pb) = (parse(a), parse(b));
        let actions: Vec<String> = ["s3:getobject", "s3:listbucket", "s3:putobject"]
            .iter().map(|s| (*s).to_owned()).collect();
        let prepared = Prepared::new(pb.clone(), &actions);
        let t = Duration::from_secs(10);
        let fast = more_permissive(&pa, &prepared, &actions, &caller(), t);
        let full = full_question(&pa, &prepared, &actions, &caller(), t);
        for d in [&fast, &full] {
            if let Direction::Witness(w) = d {
                let req = Request {
                    principal: caller(),
                    action: w.action.clone(),
                    resource: w.resource.clone(),
                    resource_account: Some("111122223333".into()),
                    context: w.context.clone(),
                };
                prop_assert_eq!(evaluate(&program(&pa), &req).outcome, Outcome::Allowed);
                prop_assert!(matches!(
                    evaluate(&program(&pb), &req).outcome,
                    Outcome::NotAllowed | Outcome::ExplicitlyDenied
                ));
            }
        }
        match (&fast, &full) {
            (Direction::Unknown(_), _) | (_, Direction::Unknown(_)) => {}
            (Direction::Contained, Direction::Contained)
            | (Direction::Witness(_), Direction::Witness(_)) => {}
            _ => prop_assert!(false, "discharge {fast:?} but full question {full:?}"),
        }
    }
}

/// Regression: one wildcard ARN inside another under a condition (the
/// shape of 21 translated managed policies whose round trip timed out):
/// decided, contained one way and a witness the other.
#[test]
fn wildcard_arn_inside_wildcard_arn_is_decided() {
    let out = parse(vec![json!({
        "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms",
        "Resource": "arn:aws:cloudwatch:*:111122223333:alarm:*"})]);
    let src = parse(vec![json!({
        "Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"],
        "Resource": "arn:aws:cloudwatch:*:*:alarm:*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}})]);
    let actions = vec![
        "cloudwatch:describealarmhistory".to_owned(),
        "cloudwatch:describealarms".to_owned(),
    ];
    let t = Duration::from_secs(10);
    let d = more_permissive(
        &out,
        &Prepared::new(src.clone(), &actions),
        &actions,
        &caller(),
        t,
    );
    assert!(matches!(d, Direction::Contained), "{d:?}");
    let d = more_permissive(&src, &Prepared::new(out, &actions), &actions, &caller(), t);
    assert!(matches!(d, Direction::Witness(_)), "{d:?}");
}
