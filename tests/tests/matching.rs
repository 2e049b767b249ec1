//! Property test: random statements with Action/NotAction and
//! Resource/NotResource, parsed from JSON and decided by the evaluator, agree
//! with a straightforward reference implementation of AWS's matching rules.

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text, parse_principal};
use iamx_model::{AwsProgram, Context, Outcome, Request, evaluate};
use proptest::prelude::*;
use std::sync::Arc;

/// Reference glob: `*` any run, `?` one character, optional ASCII case folding.
fn glob(p: &[char], t: &[char], ci: bool) -> bool {
    match (p.split_first(), t.split_first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(('*', rest)), _) => glob(rest, t, ci) || (!t.is_empty() && glob(p, &t[1..], ci)),
        (Some(('?', rest)), Some((_, trest))) => glob(rest, trest, ci),
        (Some((a, rest)), Some((b, trest))) => {
            let eq = if ci {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            };
            eq && glob(rest, trest, ci)
        }
        (Some(_), None) => false,
    }
}

fn matches_any(patterns: &[String], text: &str, ci: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    patterns
        .iter()
        .any(|p| glob(&p.chars().collect::<Vec<_>>(), &t, ci))
}

#[derive(Debug, Clone)]
struct Stmt {
    deny: bool,
    not_action: bool,
    actions: Vec<String>,
    not_resource: bool,
    resources: Vec<String>,
}

fn action_pattern() -> impl Strategy<Value = String> {
    (
        "(s3|S3|ec2|s\\?)",
        "(Get|get|Put|\\*|\\?|Object|OBJECT){1,3}",
    )
        .prop_map(|(s, n)| format!("{s}:{n}"))
}

fn action() -> impl Strategy<Value = String> {
    ("(s3|S3|ec2|sx)", "(Get|get|Put|Object|OBJECT|Acl){1,3}").prop_map(|(s, n)| format!("{s}:{n}"))
}

fn resource_pattern() -> impl Strategy<Value = String> {
    "[aAb*?/]{0,5}".prop_map(|s| format!("arn:aws:s3:::{s}"))
}

fn resource() -> impl Strategy<Value = String> {
    "[aAb/]{0,5}".prop_map(|s| format!("arn:aws:s3:::{s}"))
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(action_pattern(), 1..4),
        any::<bool>(),
        prop::collection::vec(resource_pattern(), 1..4),
    )
        .prop_map(
            |(deny, not_action, actions, not_resource, resources)| Stmt {
                deny,
                not_action,
                actions,
                not_resource,
                resources,
            },
        )
}

fn reference(s: &Stmt, action: &str, resource: &str) -> bool {
    (matches_any(&s.actions, action, true) != s.not_action)
        && (matches_any(&s.resources, resource, false) != s.not_resource)
}

fn policy_json(stmts: &[Stmt]) -> String {
    let body: Vec<serde_json::Value> = stmts
        .iter()
        .map(|s| {
            let mut o = serde_json::Map::new();
            o.insert(
                "Effect".into(),
                (if s.deny { "Deny" } else { "Allow" }).into(),
            );
            o.insert(
                (if s.not_action { "NotAction" } else { "Action" }).into(),
                s.actions.clone().into(),
            );
            o.insert(
                (if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                })
                .into(),
                s.resources.clone().into(),
            );
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": body}).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn statements_agree_with_reference(stmts in prop::collection::vec(stmt(), 1..4), action in action(), resource in resource()) {
        let text = policy_json(&stmts);
        let (policy, diags) = parse_policy_text("p.json", &text, PolicyOptions { ptype: PolicyType::Identity, actions: None });
        prop_assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        let policy = Arc::new(policy.expect("parses"));
        let prog = AwsProgram::identity_only(vec![policy]);
        let req = Request {
            principal: parse_principal("arn:aws:iam::111122223333:user/alice").expect("principal"),
            action: action.clone(),
            resource: resource.clone(),
            resource_account: Some("111122223333".into()),
            context: Context::new(),
        };
        let any_deny = stmts.iter().any(|s| s.deny && reference(s, &action, &resource));
        let any_allow = stmts.iter().any(|s| !s.deny && reference(s, &action, &resource));
        let expected = if any_deny {
            Outcome::ExplicitlyDenied
        } else if any_allow {
            Outcome::Allowed
        } else {
            Outcome::NotAllowed
        };
        prop_assert_eq!(evaluate(&prog, &req).outcome, expected);
    }
}
