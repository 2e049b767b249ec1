#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]
//! Program differences (`iamx_smt::diff`): for each provider, a pair of
//! programs where one allows more, in both directions; every witness is
//! replayed through the concrete evaluator (`common::replay_*`), and what
//! the encoding cannot decide is `Unknown`, never `Contained`.

mod common;

use common::{T, replay_aws, replay_azure, replay_gcp};
use iamx_model::azure::{AzureAssignment, AzureProgram, PermissionBlock, RoleSpec};
use iamx_model::gcp::{GcpBinding, GcpProgram, RoleGrant};
use iamx_model::{Case, Condition, Context, Origin, Pattern, Principal, PrincipalKind, Request};
use iamx_smt::compare::{Difference, Direction};
use iamx_smt::diff::{AwsResource, AwsSide};
use std::collections::BTreeSet;
use std::sync::Arc;

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

fn witness(d: Direction) -> Difference {
    match d {
        Direction::Witness(w) => w,
        other => panic!("expected a witness, got {other:?}"),
    }
}

fn contained(d: &Direction) {
    assert!(
        matches!(d, Direction::Contained),
        "expected contained, got {d:?}"
    );
}

// ---- GCP ----

fn gcp_program(bindings: Vec<(&[&str], Option<&str>)>) -> GcpProgram {
    GcpProgram {
        identities: ["user:ops@example.com", "allUsers", "allAuthenticatedUsers"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        bindings: bindings
            .into_iter()
            .map(|(perms, cel)| {
                Arc::new(GcpBinding {
                    role: "roles/custom".into(),
                    grant: RoleGrant::Permissions(Arc::new(
                        perms
                            .iter()
                            .map(|p| (*p).to_owned())
                            .collect::<BTreeSet<_>>(),
                    )),
                    members: vec!["user:ops@example.com".into()],
                    condition: cel.map_or(Condition::True, |c| {
                        Condition::Expr(Box::new(iamx_gcp::parse_cel(c).expect("cel")))
                    }),
                    attached_to: "projects/p".into(),
                    origin: origin(),
                })
            })
            .collect(),
        ..GcpProgram::default()
    }
}

fn gcp_request(permission: &str) -> Request {
    Request {
        principal: iamx_gcp::principal_of("user:ops@example.com").expect("member"),
        action: permission.into(),
        resource: "//storage.googleapis.com/projects/_/buckets/b".into(),
        resource_account: None,
        context: Context::new(),
    }
}

#[test]
fn gcp_time_limited_binding_is_contained_in_the_unlimited_one() {
    let perms: &[&str] = &["storage.objects.get", "storage.objects.delete"];
    let limited = gcp_program(vec![(
        perms,
        Some("request.time < timestamp('2027-01-01T00:00:00Z')"),
    )]);
    let unlimited = gcp_program(vec![(perms, None)]);
    let req = gcp_request("storage.objects.delete");
    // the unlimited binding allows it after 2027: the witness says when
    let d = witness(iamx_smt::diff::gcp(&unlimited, &limited, &req, T));
    replay_gcp(&unlimited, &limited, &req, &d);
    let t = d
        .context
        .get("request.time")
        .expect("the witness fixes the time");
    assert!(
        iamx_model::value::parse_date(&t.values()[0].as_string()).unwrap()
            >= iamx_model::value::parse_date("2027-01-01T00:00:00Z").unwrap(),
        "{d:?}"
    );
    contained(&iamx_smt::diff::gcp(&limited, &unlimited, &req, T));
}

#[test]
fn gcp_conditions_that_overlap_partly_differ_both_ways() {
    let perms: &[&str] = &["storage.objects.get"];
    let csv = gcp_program(vec![(perms, Some("resource.name.endsWith('.csv')"))]);
    let reports = gcp_program(vec![(
        perms,
        Some("resource.name.startsWith('projects/_/buckets/b/objects/reports/')"),
    )]);
    let req = gcp_request("storage.objects.get");
    let ab = witness(iamx_smt::diff::gcp(&csv, &reports, &req, T));
    replay_gcp(&csv, &reports, &req, &ab);
    let ba = witness(iamx_smt::diff::gcp(&reports, &csv, &req, T));
    replay_gcp(&reports, &csv, &req, &ba);
}

#[test]
fn gcp_a_condition_outside_the_encoding_is_unknown_not_contained() {
    // `getHours` with a time zone is a free Boolean in the encoding: the
    // solver's witness leans on it and does not replay
    let perms: &[&str] = &["storage.objects.get"];
    let office = gcp_program(vec![(
        perms,
        Some("request.time.getHours('Europe/Berlin') >= 9"),
    )]);
    let evening = gcp_program(vec![(
        perms,
        Some("request.time.getHours('Europe/Berlin') >= 18"),
    )]);
    let req = gcp_request("storage.objects.get");
    let d = iamx_smt::diff::gcp(&office, &evening, &req, T);
    match &d {
        Direction::Witness(w) => replay_gcp(&office, &evening, &req, w),
        Direction::Unknown(_) => {}
        Direction::Contained => {
            panic!("the office-hours binding allows 09:00, the evening one does not")
        }
    }
}

// ---- Azure ----

fn glob(s: &str) -> Pattern {
    Pattern::glob(s, Case::Insensitive)
}

fn azure_program(blocks: Vec<PermissionBlock>, data: bool, cond: Option<&str>) -> AzureProgram {
    AzureProgram {
        identities: ["11111111-1111-4111-8111-111111111111".to_owned()].into(),
        data_action: data,
        sub_operation: None,
        assignments: vec![AzureAssignment {
            principal_id: "11111111-1111-4111-8111-111111111111".into(),
            role_name: "r".into(),
            role: RoleSpec::Blocks(Arc::new(blocks)),
            scope: "/subscriptions/s".into(),
            condition: cond.map_or(Condition::True, |c| {
                Condition::Expr(Box::new(iamx_azure::parse_abac(c).expect("abac")))
            }),
            origin: origin(),
        }],
        denies: vec![],
    }
}

fn block(actions: &[&str], not: &[&str], data: &[&str], not_data: &[&str]) -> PermissionBlock {
    let p = |v: &[&str]| v.iter().map(|s| glob(s)).collect();
    PermissionBlock {
        actions: p(actions),
        not_actions: p(not),
        data_actions: p(data),
        not_data_actions: p(not_data),
    }
}

fn azure_request() -> Request {
    Request {
        principal: Principal {
            id: "11111111-1111-4111-8111-111111111111".into(),
            kind: PrincipalKind::User,
            account: None,
            role_arn: None,
            name: None,
            unique_id: None,
        },
        action: String::new(),
        resource: "/subscriptions/s/resourceGroups/rg".into(),
        resource_account: None,
        context: Context::new(),
    }
}

#[test]
fn azure_any_operation_not_actions_and_inner_wildcards() {
    // Compute operator without VM delete, against a reader of Compute
    let operator = azure_program(
        vec![block(
            &["Microsoft.Compute/*"],
            &["Microsoft.Compute/virtualMachines/delete"],
            &[],
            &[],
        )],
        false,
        None,
    );
    let reader = azure_program(
        vec![block(&["Microsoft.Compute/*/read"], &[], &[], &[])],
        false,
        None,
    );
    let req = azure_request();
    let d = witness(iamx_smt::diff::azure_any_operation(
        &operator, &reader, &req, T,
    ));
    replay_azure(&operator, &reader, &req, &d);
    assert!(d.action.starts_with("microsoft.compute/"), "{d:?}");
    // every Compute read is the operator's: contained, proven by the solver
    contained(&iamx_smt::diff::azure_any_operation(
        &reader, &operator, &req, T,
    ));
    // NotActions is not a deny: a reader may read VMs, the operator may not delete them
    let deleter = azure_program(
        vec![block(
            &["Microsoft.Compute/virtualMachines/delete"],
            &[],
            &[],
            &[],
        )],
        false,
        None,
    );
    let d = witness(iamx_smt::diff::azure_any_operation(
        &deleter, &operator, &req, T,
    ));
    replay_azure(&deleter, &operator, &req, &d);
    assert_eq!(d.action, "microsoft.compute/virtualmachines/delete");
}

#[test]
fn azure_data_plane_not_data_actions() {
    let editor = azure_program(
        vec![block(
            &[],
            &[],
            &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
            &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"],
        )],
        true,
        None,
    );
    let rw = azure_program(
        vec![block(
            &[],
            &[],
            &[
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            ],
            &[],
        )],
        true,
        None,
    );
    let req = azure_request();
    let d = witness(iamx_smt::diff::azure_any_operation(&editor, &rw, &req, T));
    replay_azure(&editor, &rw, &req, &d);
    assert_eq!(d.data_action, Some(true));
    assert_ne!(
        d.action,
        "microsoft.storage/storageaccounts/blobservices/containers/blobs/delete"
    );
    contained(&iamx_smt::diff::azure_any_operation(&rw, &editor, &req, T));
}

#[test]
fn azure_abac_condition_on_the_assignment() {
    let data = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"];
    let cond = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports'))";
    let reports_only = azure_program(vec![block(&[], &[], &data, &[])], true, Some(cond));
    let any = azure_program(vec![block(&[], &[], &data, &[])], true, None);
    let mut req = azure_request();
    req.action = data[0].to_owned();
    let d = witness(iamx_smt::diff::azure(&any, &reports_only, &req, T));
    replay_azure(&any, &reports_only, &req, &d);
    contained(&iamx_smt::diff::azure(&reports_only, &any, &req, T));
    // over every operation too: ActionMatches becomes a test on the variable
    let d = witness(iamx_smt::diff::azure_any_operation(
        &any,
        &reports_only,
        &req,
        T,
    ));
    replay_azure(&any, &reports_only, &req, &d);
    contained(&iamx_smt::diff::azure_any_operation(
        &reports_only,
        &any,
        &req,
        T,
    ));
}

#[test]
fn azure_set_operator_is_unknown_not_contained() {
    // a quantified operator is a free Boolean in the encoding
    let data = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"];
    let cond = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:team<$key_case_sensitive$>] ForAnyOfAnyValues:StringEquals {'blue', 'green'}";
    let tagged = azure_program(vec![block(&[], &[], &data, &[])], true, Some(cond));
    let any = azure_program(vec![block(&[], &[], &data, &[])], true, None);
    let mut req = azure_request();
    req.action = data[0].to_owned();
    match iamx_smt::diff::azure(&any, &tagged, &req, T) {
        Direction::Witness(w) => replay_azure(&any, &tagged, &req, &w),
        Direction::Unknown(_) => {}
        Direction::Contained => panic!("an untagged blob is readable without the condition only"),
    }
}

// ---- AWS, two principals ----

#[test]
fn aws_two_principals_with_an_open_resource() {
    let policy = |text: &str| {
        let (p, d) = iamx_aws::parse_policy_text(
            "p",
            text,
            iamx_aws::PolicyOptions {
                ptype: iamx_aws::PolicyType::Identity,
                actions: None,
            },
        );
        assert!(d.is_empty(), "{d:?}");
        Arc::new(p.expect("policy"))
    };
    let prog = |p: Arc<iamx_model::Policy>| iamx_model::AwsProgram::identity_only(vec![p]);
    // each user may write under their own prefix (a policy variable the
    // caller fixes), and the second one anywhere in `shared/`
    let own = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::b/home/${aws:username}/*"}]}"#;
    let shared = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
        "Resource": ["arn:aws:s3:::b/home/${aws:username}/*", "arn:aws:s3:::b/shared/*"]}]}"#;
    let (pa, pb) = (prog(policy(own)), prog(policy(shared)));
    let req = |user: &str| Request {
        principal: iamx_aws::parse_principal(&format!("arn:aws:iam::111122223333:user/{user}"))
            .map(|mut p| {
                p.name = Some(user.to_owned());
                p
            })
            .expect("principal"),
        action: "s3:PutObject".into(),
        resource: "arn:aws:s3:::placeholder".into(),
        resource_account: Some("111122223333".into()),
        context: Context::new(),
    };
    let (ra, rb) = (req("ann"), req("ben"));
    let replay = iamx_smt::diff::aws_replay_with(&pa, &pb);
    let open = AwsResource::Open(vec![]);
    // ann's own prefix is hers only
    let d = witness(iamx_smt::diff::aws(
        AwsSide {
            program: &pa,
            request: &ra,
        },
        AwsSide {
            program: &pb,
            request: &rb,
        },
        &open,
        T,
        &replay,
    ));
    replay_aws((&pa, &ra), (&pb, &rb), &d);
    assert!(d.resource.starts_with("arn:aws:s3:::b/home/ann/"), "{d:?}");
    // ben's shared prefix is his only
    let replay = iamx_smt::diff::aws_replay_with(&pb, &pa);
    let d = witness(iamx_smt::diff::aws(
        AwsSide {
            program: &pb,
            request: &rb,
        },
        AwsSide {
            program: &pa,
            request: &ra,
        },
        &open,
        T,
        &replay,
    ));
    replay_aws((&pb, &rb), (&pa, &ra), &d);
    // the same user under both policies: the second contains the first
    let replay = iamx_smt::diff::aws_replay_with(&pa, &pb);
    contained(&iamx_smt::diff::aws(
        AwsSide {
            program: &pa,
            request: &ra,
        },
        AwsSide {
            program: &pb,
            request: &ra,
        },
        &open,
        T,
        &replay,
    ));
}
