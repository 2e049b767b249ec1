//! Proptest strategies for requests and policies (feature `testing`), so a
//! Rust repository can state properties of its own policies as `proptest!`
//! tests, next to `iamx check`'s assertions file:
//!
//! ```
//! use iamx::testing::{aws_context, aws_outsider, aws_query, s3_object};
//! use iamx::{LoadOptions, Outcome, Provider, Workspace};
//! use proptest::prelude::*;
//!
//! let bucket_policy = r#"{"iamxAwsResourcePolicies": [{
//!   "resource": "arn:aws:s3:::audit", "account": "111122223333",
//!   "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
//!     "Principal": {"AWS": "arn:aws:iam::111122223333:role/auditor"},
//!     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::audit/*"}]}}]}"#;
//! let ws = Workspace::from_texts(vec![("bucket.json".into(), bucket_policy.into())], &LoadOptions::default());
//!
//! proptest!(ProptestConfig::with_cases(64), |(q in aws_query(
//!     aws_outsider(vec!["111122223333".into()]),
//!     Just("s3:GetObject".to_owned()),
//!     s3_object("audit"),
//!     aws_context(),
//! ))| {
//!     // no request from outside the organisation can read the audit bucket
//!     let (_, decision, _) = ws.evaluate(Provider::Aws, q).unwrap();
//!     prop_assert_ne!(decision.outcome, Outcome::Allowed);
//! });
//! ```
//!
//! Key decision: strategies produce what the library's own entry points
//! take ([`Query`] for [`Workspace::evaluate`](crate::Workspace::evaluate),
//! policy JSON text for [`Workspace::from_texts`](crate::Workspace::from_texts)),
//! so a property runs exactly the evaluation `iamx eval` runs. Values are
//! drawn from small vocabularies (a dozen actions, a few condition keys) so
//! that random requests and random policies meet often.

use crate::Query;
use iamx_model::{Context, Value};
use proptest::prelude::*;
use proptest::sample::select;

/// A 12-digit AWS account id.
pub fn aws_account() -> impl Strategy<Value = String> {
    "[0-9]{12}"
}

/// IAM user and role ARNs in `accounts`, with generated names.
pub fn aws_principal(accounts: Vec<String>) -> impl Strategy<Value = String> {
    (
        select(accounts),
        select(vec!["user", "role"]),
        "[a-z][a-z0-9-]{0,11}",
    )
        .prop_map(|(a, kind, name)| format!("arn:aws:iam::{a}:{kind}/{name}"))
}

/// Callers from outside `org_accounts`: users, roles and account roots of
/// other accounts, and the anonymous caller (`*`).
pub fn aws_outsider(org_accounts: Vec<String>) -> impl Strategy<Value = String> {
    let foreign = move || {
        let org = org_accounts.clone();
        aws_account().prop_filter("an account outside the organisation", move |a| {
            !org.contains(a)
        })
    };
    prop_oneof![
        1 => Just("*".to_owned()),
        1 => foreign().prop_map(|a| format!("arn:aws:iam::{a}:root")),
        3 => (foreign(), select(vec!["user", "role"]), "[a-z][a-z0-9-]{0,11}")
            .prop_map(|(a, k, n)| format!("arn:aws:iam::{a}:{k}/{n}")),
    ]
}

/// Object ARNs in an S3 bucket, with keys of one to three path segments.
pub fn s3_object(bucket: &str) -> impl Strategy<Value = String> {
    let bucket = bucket.to_owned();
    proptest::collection::vec("[a-zA-Z0-9_.-]{1,10}", 1..=3)
        .prop_map(move |segs| format!("arn:aws:s3:::{bucket}/{}", segs.join("/")))
}

/// The actions the strategies draw from.
pub const AWS_ACTIONS: [&str; 12] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "kms:Decrypt",
    "kms:Encrypt",
    "iam:PassRole",
    "iam:CreateAccessKey",
    "sts:AssumeRole",
    "lambda:InvokeFunction",
];

/// One of [`AWS_ACTIONS`].
pub fn aws_action() -> impl Strategy<Value = String> {
    select(AWS_ACTIONS.to_vec()).prop_map(str::to_owned)
}

/// Contexts over the keys policies test most: source IP, TLS, MFA, time,
/// source VPC and organisation id; each key present or not.
pub fn aws_context() -> impl Strategy<Value = Context> {
    (
        proptest::option::of((0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255)),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(select(vec![
            "2024-01-01T00:00:00Z",
            "2026-06-30T12:00:00Z",
            "2030-12-31T23:59:59Z",
        ])),
        proptest::option::of(select(vec!["vpc-0a1b2c3d", "vpc-99999999"])),
        proptest::option::of(select(vec!["o-example111", "o-other22222"])),
    )
        .prop_map(|(ip, tls, mfa, time, vpc, org)| {
            let mut c = Context::new();
            if let Some((a, b, x, d)) = ip {
                c.insert("aws:SourceIp", Value::str(format!("{a}.{b}.{x}.{d}")));
            }
            if let Some(t) = tls {
                c.insert("aws:SecureTransport", Value::str(t.to_string()));
            }
            if let Some(m) = mfa {
                c.insert("aws:MultiFactorAuthPresent", Value::str(m.to_string()));
            }
            if let Some(t) = time {
                c.insert("aws:CurrentTime", Value::str(t));
            }
            if let Some(v) = vpc {
                c.insert("aws:SourceVpc", Value::str(v));
            }
            if let Some(o) = org {
                c.insert("aws:PrincipalOrgID", Value::str(o));
            }
            c
        })
}

/// Queries for [`Workspace::evaluate`](crate::Workspace::evaluate) from
/// strategies for each part.
pub fn aws_query(
    principal: impl Strategy<Value = String>,
    action: impl Strategy<Value = String>,
    resource: impl Strategy<Value = String>,
    context: impl Strategy<Value = Context>,
) -> impl Strategy<Value = Query> {
    (principal, action, resource, context).prop_map(|(p, a, r, c)| Query {
        principal: p,
        action: a,
        resource: r,
        context: c,
        data_action: None,
        session_policy: None,
    })
}

fn json_list(xs: &[String]) -> String {
    let quoted: Vec<String> = xs
        .iter()
        .map(|x| serde_json::Value::String(x.clone()).to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// One AWS identity-policy statement as JSON text: an effect, one to three
/// actions (or an action wildcard), a resource (or `*`), and sometimes a
/// condition on a key of [`aws_context`].
pub fn aws_statement() -> impl Strategy<Value = String> {
    let actions = prop_oneof![
        3 => proptest::collection::vec(aws_action(), 1..=3),
        1 => select(vec!["s3:*", "s3:Get*", "kms:*", "*"]).prop_map(|a| vec![a.to_owned()]),
    ];
    let resource = prop_oneof![
        Just("*".to_owned()),
        Just("arn:aws:s3:::audit/*".to_owned()),
        Just("arn:aws:s3:::data/*".to_owned()),
        Just("arn:aws:s3:::data".to_owned()),
        Just("arn:aws:kms:us-east-1:111122223333:key/*".to_owned()),
    ];
    let condition = proptest::option::of(prop_oneof![
        Just(r#"{"Bool": {"aws:SecureTransport": "true"}}"#),
        Just(r#"{"Bool": {"aws:MultiFactorAuthPresent": "true"}}"#),
        Just(r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#),
        Just(r#"{"StringEquals": {"aws:PrincipalOrgID": "o-example111"}}"#),
        Just(r#"{"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}"#),
    ]);
    (select(vec!["Allow", "Deny"]), actions, resource, condition).prop_map(
        |(effect, actions, resource, condition)| {
            let cond = condition.map_or(String::new(), |c| format!(", \"Condition\": {c}"));
            format!(
                "{{\"Effect\": \"{effect}\", \"Action\": {}, \"Resource\": {}{cond}}}",
                json_list(&actions),
                serde_json::Value::String(resource)
            )
        },
    )
}

/// An AWS identity policy document (JSON text) of one to four statements.
pub fn aws_policy() -> impl Strategy<Value = String> {
    proptest::collection::vec(aws_statement(), 1..=4).prop_map(|sts| {
        format!(
            "{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}",
            sts.join(", ")
        )
    })
}

/// GCP members: users and service accounts of `domain`, and the public
/// members `allUsers` and `allAuthenticatedUsers`.
pub fn gcp_member(domain: &str) -> impl Strategy<Value = String> {
    let d = domain.to_owned();
    let d2 = domain.to_owned();
    prop_oneof![
        3 => "[a-z]{1,8}".prop_map(move |n| format!("user:{n}@{d}")),
        2 => "[a-z]{1,8}".prop_map(move |n| format!("serviceAccount:{n}@{d2}")),
        1 => Just("allUsers".to_owned()),
        1 => Just("allAuthenticatedUsers".to_owned()),
    ]
}

/// Azure object ids (lowercase GUIDs).
pub fn azure_object_id() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoadOptions, Workspace};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn generated_policies_load_without_errors(p in aws_policy()) {
            let ws = Workspace::from_texts(vec![("p.json".into(), p.clone())], &LoadOptions::default());
            prop_assert!(ws.errors().next().is_none(), "{p}");
            prop_assert_eq!(ws.policies.len(), 1);
        }

        #[test]
        fn outsiders_are_outside(p in aws_outsider(vec!["111122223333".into()])) {
            prop_assert!(!p.contains("111122223333"));
        }
    }
}
