//! An open context stands for every request that agrees with the keys it
//! holds: conditions on other keys make the decision `unknown` (conditional)
//! instead of evaluating them as absent.

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text, parse_principal};
use iamx_model::{AwsProgram, Context, Outcome, Request, Value, evaluate};
use std::sync::Arc;

fn program(policy: &str) -> AwsProgram {
    let (p, d) = parse_policy_text(
        "p.json",
        policy,
        PolicyOptions {
            ptype: PolicyType::Identity,
            actions: None,
        },
    );
    assert!(d.is_empty(), "{d:?}");
    AwsProgram::identity_only(vec![Arc::new(p.expect("policy"))])
}

fn request(context: Context) -> Request {
    Request {
        principal: parse_principal("arn:aws:iam::111122223333:user/alice").expect("principal"),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::b/home/alice/x".into(),
        resource_account: Some("111122223333".into()),
        context,
    }
}

const MFA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
  "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;

#[test]
fn closed_context_treats_missing_keys_as_absent() {
    assert_eq!(
        evaluate(&program(MFA), &request(Context::new())).outcome,
        Outcome::NotAllowed
    );
}

#[test]
fn open_context_makes_the_grant_conditional() {
    let d = evaluate(&program(MFA), &request(Context::open()));
    match d.outcome {
        Outcome::Unknown(r) => assert!(r.0.contains("aws:MultiFactorAuthPresent"), "{r}"),
        other => panic!("expected unknown, got {other:?}"),
    }
    // a key the open context does hold is decided
    let mut ctx = Context::open();
    ctx.insert("aws:MultiFactorAuthPresent", Value::str("true"));
    assert_eq!(
        evaluate(&program(MFA), &request(ctx)).outcome,
        Outcome::Allowed
    );
}

#[test]
fn open_context_policy_variables_depend_on_their_key() {
    let p = program(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/home/${aws:PrincipalTag/dir}/*"}]}"#,
    );
    assert!(matches!(
        evaluate(&p, &request(Context::open())).outcome,
        Outcome::Unknown(_)
    ));
    assert_eq!(
        evaluate(&p, &request(Context::new())).outcome,
        Outcome::NotAllowed
    );
    // aws:username is derived from the principal, so it is known either way
    let q = program(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/home/${aws:username}/*"}]}"#,
    );
    assert_eq!(
        evaluate(&q, &request(Context::open())).outcome,
        Outcome::Allowed
    );
}
