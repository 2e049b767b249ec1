#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]
//! Differential tests, GCP and Azure: for random programs (conditional
//! bindings / assignments, deny rules and deny assignments) and random
//! concrete requests, the symbolic encoding evaluated on the request gives
//! the concrete evaluator's decision. 10,000 cases each.

use iamx_model::azure::{
    AzureAssignment, AzureDeny, AzureProgram, PermissionBlock, RoleSpec, evaluate_azure,
};
use iamx_model::gcp::{
    GcpBinding, GcpBoundary, GcpDenyRule, GcpProgram, RoleGrant, evaluate_gcp,
    v2_permission_pattern,
};
use iamx_model::{Case, Condition, Context, Origin, Outcome, Pattern, Request, Scalar, Value};
use iamx_smt::expr::ExprEncoder;
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn origin() -> Arc<Origin> {
    Arc::new(Origin {
        file: None,
        policy: Arc::from("p"),
        statement: 0,
        sid: None,
        line: 0,
        column: 0,
    })
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

const CEL: [&str; 10] = [
    "resource.name.startsWith('projects/_/buckets/b/objects/pub/')",
    "resource.name.endsWith('.csv')",
    "resource.type == 'storage.googleapis.com/Object'",
    "request.time < timestamp('2026-06-01T00:00:00Z')",
    "request.time >= timestamp('2026-01-01T00:00:00Z') && resource.name.contains('x')",
    "!(resource.type == 'storage.googleapis.com/Bucket') || request.time > timestamp('2030-01-01T00:00:00Z')",
    "resource.matchTag('123/env', 'prod')",
    "resource.hasTagKey('123/team')",
    "resource.name in ['projects/_/buckets/b/objects/a.csv', 'projects/_/buckets/b']",
    "request.time.getHours('Europe/Berlin') >= 9",
];

fn cond(i: Option<usize>) -> Condition {
    match i {
        None => Condition::True,
        Some(i) => Condition::Expr(Box::new(iamx_gcp::parse_cel(CEL[i]).expect("cel"))),
    }
}

fn gcp_context(name: usize, ty: usize, time: usize, env: Option<bool>, team: bool) -> Context {
    let mut c = Context::new();
    let s = |x: &str| Value::One(Scalar::Str(x.to_owned()));
    let names = [
        "projects/_/buckets/b/objects/pub/a.csv",
        "projects/_/buckets/b/objects/a.csv",
        "projects/_/buckets/b",
        "projects/_/buckets/b/objects/x.txt",
    ];
    let types = [
        "storage.googleapis.com/Object",
        "storage.googleapis.com/Bucket",
    ];
    let times = [
        "2025-12-31T23:00:00Z",
        "2026-03-01T10:30:00Z",
        "2026-07-01T06:00:00Z",
        "2031-01-01T12:00:00Z",
    ];
    c.insert("resource.name", s(names[name]));
    c.insert("resource.type", s(types[ty]));
    c.insert("request.time", s(times[time]));
    let mut keys = Vec::new();
    if let Some(e) = env {
        c.insert("resource.tag/123/env", s(if e { "prod" } else { "dev" }));
        keys.push(Scalar::Str("123/env".into()));
    }
    if team {
        c.insert("resource.tag/123/team", s("blue"));
        keys.push(Scalar::Str("123/team".into()));
    }
    c.insert("resource.tags", Value::Set(keys));
    c
}

#[test]
fn gcp_encoding_agrees_with_evaluator() {
    let strategy = (
        prop::collection::vec(
            (0..3usize, any::<bool>(), prop::option::of(0..CEL.len())),
            0..5,
        ),
        prop::collection::vec((any::<bool>(), prop::option::of(0..CEL.len())), 0..2),
        // principal access boundaries: none, or policies listing a project,
        // the organisation or another project
        prop::collection::vec(0..3usize, 0..3),
        prop::sample::select(vec!["storage.objects.get", "storage.objects.delete"]),
        (
            0..4usize,
            0..2usize,
            0..4usize,
            prop::option::of(any::<bool>()),
            any::<bool>(),
        ),
    );
    let with_boundary = AtomicUsize::new(0);
    let n = run_counted(
        "differential gcp",
        10_000,
        strategy,
        |(bindings, denies, pabs, permission, (name, ty, time, env, team))| {
            let members = [
                "user:a@example.com",
                "group:g@example.com",
                "user:other@example.com",
            ];
            let prog = GcpProgram {
                identities: ["user:a@example.com", "group:g@example.com", "allUsers"]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                v2_identities: [
                    "principal://goog/subject/a@example.com",
                    "principalSet://goog/public:all",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
                resource_chain: vec![
                    "//cloudresourcemanager.googleapis.com/projects/p".into(),
                    "//cloudresourcemanager.googleapis.com/organizations/1".into(),
                ],
                bindings: bindings
                    .iter()
                    .map(|&(m, del, c)| {
                        let perms: BTreeSet<String> = if del {
                            ["storage.objects.get", "storage.objects.delete"]
                        } else {
                            ["storage.objects.get", "storage.objects.list"]
                        }
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect();
                        Arc::new(GcpBinding {
                            role: "roles/r".into(),
                            grant: RoleGrant::Permissions(Arc::new(perms)),
                            members: vec![members[m].to_owned()],
                            condition: cond(c),
                            attached_to: "projects/p".into(),
                            origin: origin(),
                        })
                    })
                    .collect(),
                denies: denies
                    .iter()
                    .map(|&(everyone, c)| {
                        Arc::new(GcpDenyRule {
                            denied_principals: vec![if everyone {
                                "principalSet://goog/public:all".into()
                            } else {
                                "principal://goog/subject/b@example.com".into()
                            }],
                            exception_principals: vec![],
                            denied_permissions: vec![v2_permission_pattern(
                                "storage.googleapis.com/objects.delete",
                            )],
                            exception_permissions: vec![],
                            condition: cond(c),
                            attached_to: "organizations/1".into(),
                            origin: origin(),
                        })
                    })
                    .collect(),
                boundaries: pabs
                    .iter()
                    .map(|&i| GcpBoundary {
                        resources: vec![
                            [
                                "//cloudresourcemanager.googleapis.com/projects/p",
                                "//cloudresourcemanager.googleapis.com/organizations/1",
                                "//cloudresourcemanager.googleapis.com/projects/other",
                            ][i]
                                .to_owned(),
                        ],
                        origin: origin(),
                    })
                    .collect(),
            };
            let ctx = gcp_context(name, ty, time, env, team);
            let req = Request {
                principal: iamx_gcp::principal_of("user:a@example.com").expect("principal"),
                action: permission.to_owned(),
                resource: "//storage.googleapis.com/projects/_/buckets/b/objects/x".into(),
                resource_account: None,
                context: ctx.clone(),
            };
            let concrete = evaluate_gcp(&prog, &req).outcome;
            if matches!(concrete, Outcome::Unknown(_)) {
                return Ok(Ending::EvaluatorUnknown);
            }
            let fixed = Context::new();
            let mut enc = ExprEncoder::new(permission, None, &fixed);
            let t = enc.gcp_program(&prog);
            let Some(m) = enc.model_of(&ctx) else {
                return Ok(Ending::NotModelled);
            };
            match t.eval(&m) {
                Some(b) => {
                    prop_assert_eq!(b, concrete == Outcome::Allowed, "{:?} {}", concrete, t);
                    if !prog.boundaries.is_empty() {
                        with_boundary.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Ending::Compared)
                }
                None => {
                    prop_assert!(!enc.unsupported.is_empty());
                    Ok(Ending::Free)
                }
            }
        },
    );
    let total: usize = n.iter().sum();
    assert!(
        n[0] >= total / 2,
        "only {} of {total} GCP cases compared",
        n[0]
    );
    let b = with_boundary.load(Ordering::Relaxed);
    eprintln!("  with a principal access boundary: {b} compared");
    assert!(b >= 1_000, "only {b} GCP cases with a boundary compared");
}

const ABAC: [&str; 18] = [
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ForAnyOfAnyValues:StringEquals {'alpha', 'beta'}",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ForAllOfAnyValues:StringEquals {'alpha', 'beta'}",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ForAnyOfAllValues:StringNotEquals {'alpha', 'gamma'}",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ForAllOfAllValues:StringNotEqualsIgnoreCase {'SECRET'}",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ListContains 'gamma'",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ForAnyOfAnyValues:StringLike 'b*'",
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringStartsWithIgnoreCase 'REP'",
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports'",
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringLike 'rep*'",
    "(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringStartsWith 'log')",
    "@Environment[UtcNow] DateTimeLessThan '2026-06-01T00:00:00.0Z'",
    "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:versionId] StringNotEquals 'v1'",
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEqualsIgnoreCase 'REPORTS'",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Tier] NumericLessThan 3",
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringLikeIgnoreCase 'REP*'",
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotLikeIgnoreCase 'L?GS'",
    r"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringLike 'rep\*'",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects] ForAllOfAnyValues:StringLikeIgnoreCase {'A*', 'SEC?ET'}",
];

fn abac(i: Option<usize>) -> Condition {
    match i {
        None => Condition::True,
        Some(i) => Condition::Expr(Box::new(iamx_azure::parse_abac(ABAC[i]).expect("abac"))),
    }
}

fn block(actions: &[&str], not: &[&str], data: &[&str]) -> PermissionBlock {
    let p = |v: &[&str]| {
        v.iter()
            .map(|s| Pattern::glob(s, Case::Insensitive))
            .collect()
    };
    PermissionBlock {
        actions: p(actions),
        not_actions: p(not),
        data_actions: p(data),
        not_data_actions: vec![],
    }
}

#[test]
fn azure_encoding_agrees_with_evaluator() {
    let strategy = (
        prop::collection::vec(
            (0..3usize, 0..3usize, prop::option::of(0..ABAC.len())),
            0..4,
        ),
        prop::option::of((any::<bool>(), prop::option::of(0..ABAC.len()))),
        prop::sample::select(vec![
            (
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                true,
            ),
            (
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
                true,
            ),
            ("Microsoft.Storage/storageAccounts/read", false),
        ]),
        (0..5usize, 0..2usize, 0..2usize, 0..5i64),
        (
            prop::collection::vec(
                prop::sample::select(vec!["alpha", "beta", "gamma", "Alpha", "secret", "Secret"]),
                0..4,
            ),
            any::<bool>(),
        ),
    );
    let conditional_deny = AtomicUsize::new(0);
    let n = run_counted(
        "differential azure",
        10_000,
        strategy,
        |(assignments, deny, op, (container, time, version, tier), (projects, one))| {
            let who = [
                "11111111-1111-1111-1111-111111111111",
                "22222222-2222-2222-2222-222222222222",
                "33333333-3333-3333-3333-333333333333",
            ];
            let roles = [
                vec![block(&["*/read"], &[], &[])],
                vec![block(
                    &[],
                    &[],
                    &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
                )],
                vec![block(
                    &["Microsoft.Storage/*"],
                    &["Microsoft.Storage/storageAccounts/delete"],
                    &["Microsoft.Storage/*/read"],
                )],
            ];
            let prog = AzureProgram {
                identities: [who[0], who[1]].iter().map(|s| (*s).to_owned()).collect(),
                data_action: op.1,
                sub_operation: None,
                assignments: assignments
                    .iter()
                    .map(|&(p, r, c)| AzureAssignment {
                        principal_id: who[p].to_owned(),
                        role_name: format!("r{r}"),
                        role: RoleSpec::Blocks(Arc::new(roles[r].clone())),
                        scope: "/subscriptions/s".into(),
                        condition: abac(c),
                        origin: origin(),
                    })
                    .collect(),
                denies: deny
                    .map(|(excl, c)| AzureDeny {
                        principals: vec![iamx_model::azure::ALL_PRINCIPALS.to_owned()],
                        exclude: if excl {
                            vec![who[0].to_owned()]
                        } else {
                            vec![]
                        },
                        blocks: vec![block(
                            &[],
                            &[],
                            &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
                        )],
                        condition: abac(c),
                        scope: "/subscriptions/s".into(),
                        origin: origin(),
                    })
                    .into_iter()
                    .collect(),
            };
            let mut ctx = Context::new();
            let s = |x: &str| Value::One(Scalar::Str(x.to_owned()));
            ctx.insert(
                "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]",
                s(["reports", "logs", "Reports", "rep*", "LOGS"][container]),
            );
            ctx.insert(
                "@Environment[UtcNow]",
                s(["2026-01-01T00:00:00Z", "2026-09-01T00:00:00Z"][time]),
            );
            ctx.insert("@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:versionId]", s(["v1", "v2"][version]));
            ctx.insert(
                "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Tier]",
                s(&tier.to_string()),
            );
            let projects = match (one, projects.first()) {
                (true, Some(p)) => s(p),
                _ => Value::Set(
                    projects
                        .iter()
                        .map(|p| Scalar::Str((*p).to_owned()))
                        .collect(),
                ),
            };
            ctx.insert(
                "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects]",
                projects,
            );
            let req = Request {
                principal: iamx_model::Principal {
                    id: who[0].to_owned(),
                    kind: iamx_model::PrincipalKind::User,
                    account: None,
                    role_arn: None,
                    name: None,
                    unique_id: None,
                },
                action: op.0.to_owned(),
                resource: "/subscriptions/s/resourceGroups/r".into(),
                resource_account: None,
                context: ctx.clone(),
            };
            let concrete = evaluate_azure(&prog, &req).outcome;
            if matches!(concrete, Outcome::Unknown(_)) {
                return Ok(Ending::EvaluatorUnknown);
            }
            let fixed = Context::new();
            let mut enc = ExprEncoder::new(op.0, None, &fixed);
            let t = enc.azure_program(&prog);
            let Some(m) = enc.model_of(&ctx) else {
                return Ok(Ending::NotModelled);
            };
            match t.eval(&m) {
                Some(b) => {
                    prop_assert_eq!(b, concrete == Outcome::Allowed, "{:?} {}", concrete, t);
                    if prog.denies.iter().any(|d| !d.condition.is_true()) {
                        conditional_deny.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Ending::Compared)
                }
                None => {
                    prop_assert!(!enc.unsupported.is_empty());
                    Ok(Ending::Free)
                }
            }
        },
    );
    let total: usize = n.iter().sum();
    assert!(
        n[0] >= total / 2,
        "only {} of {total} Azure cases compared",
        n[0]
    );
    let c = conditional_deny.load(Ordering::Relaxed);
    eprintln!("  with a conditional deny assignment: {c} compared");
    assert!(
        c >= 1_000,
        "only {c} Azure cases with a conditional deny compared"
    );
}
