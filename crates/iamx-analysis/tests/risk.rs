//! Risk findings on small hand-built environments: each kind appears when
//! the evaluator grants the permission, and goes away when a deny takes it
//! away; the built-in lists against the public data they come from.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_analysis::Inputs;
use iamx_analysis::risk::{RiskFinding, RiskKind, RiskLists, Severity, parse_list};
use iamx_aws::{AwsEnvironment, PolicyOptions, PolicyType};
use iamx_azure::AzureEnvironment;
use iamx_catalog::Catalog;
use iamx_gcp::GcpEnvironment;
use iamx_model::source::Source;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;

// ------------------------------------------------------------------ helpers

fn aws(files: &[Value]) -> AwsEnvironment {
    let mut env = AwsEnvironment::default();
    for (n, f) in files.iter().enumerate() {
        let src = Source::new(format!("aws{n}.json"), f.to_string());
        let json = src.parse_json().unwrap();
        let opts = PolicyOptions {
            ptype: PolicyType::Auto,
            actions: None,
        };
        let load = iamx_aws::load_json(&src, &json, opts).expect("an AWS format");
        assert!(
            load.diagnostics.is_empty(),
            "no warnings expected: {:?}",
            load.diagnostics
        );
        env.merge(load.env);
    }
    env
}

fn gcp(files: &[Value]) -> GcpEnvironment {
    let mut env = GcpEnvironment::default();
    for (n, f) in files.iter().enumerate() {
        let src = Source::new(format!("gcp{n}.json"), f.to_string());
        let json = src.parse_json().unwrap();
        let load = iamx_gcp::load_json(&src, &json).expect("a GCP format");
        let errors: Vec<_> = load.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        env.merge(load.env);
    }
    env
}

fn azure(files: &[Value]) -> AzureEnvironment {
    let mut env = AzureEnvironment::default();
    for (n, f) in files.iter().enumerate() {
        let src = Source::new(format!("az{n}.json"), f.to_string());
        let json = src.parse_json().unwrap();
        let load = iamx_azure::load_json(&src, &json).expect("an Azure format");
        let errors: Vec<_> = load.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        env.merge(load.env);
    }
    env
}

fn risks_at(
    a: &AwsEnvironment,
    g: &GcpEnvironment,
    z: &AzureEnvironment,
    now: Option<i64>,
) -> Vec<RiskFinding> {
    let catalog = Catalog::builtin();
    let inp = Inputs {
        aws: a,
        gcp: g,
        azure: z,
        catalog: &catalog,
    };
    let graph = iamx_analysis::graph::build(&inp);
    iamx_analysis::audit::audit_at(&inp, &graph, Vec::new(), now).risks
}

fn risks_aws(files: &[Value]) -> Vec<RiskFinding> {
    risks_at(
        &aws(files),
        &GcpEnvironment::default(),
        &AzureEnvironment::default(),
        None,
    )
}

fn of<'a>(v: &'a [RiskFinding], kind: RiskKind, principal: &str) -> Vec<&'a RiskFinding> {
    v.iter()
        .filter(|r| r.kind == kind && r.principal == principal)
        .collect()
}

fn perms(v: &[&RiskFinding]) -> BTreeSet<String> {
    v.iter()
        .flat_map(|r| r.permissions.iter().cloned())
        .collect()
}

const ACCT: &str = "111122223333";

fn user(name: &str, statements: Value) -> Value {
    json!({
        "UserName": name, "UserId": format!("AIDA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCT}:user/{name}"), "Path": "/",
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupList": [], "AttachedManagedPolicies": [], "Tags": [],
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument":
            {"Version": "2012-10-17", "Statement": statements}}]
    })
}

fn authz(users: Vec<Value>, roles: Vec<Value>) -> Value {
    json!({"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": roles, "Policies": []})
}

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:user/{name}")
}

// ------------------------------------------------------------------ AWS

#[test]
fn aws_iam_wildcard_is_sensitive_privesc_and_credential_exposure() {
    let v = risks_aws(&[authz(
        vec![user(
            "ivy",
            json!([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]),
        )],
        vec![],
    )]);
    let ivy = user_arn("ivy");
    let wild = of(&v, RiskKind::SensitiveWildcard, &ivy);
    assert_eq!(wild.len(), 1, "{v:#?}");
    assert_eq!(wild[0].permissions, vec!["iam:*"]);
    assert_eq!(wild[0].severity, Severity::High);
    assert!(
        wild[0].grant.contains("aws0.json:"),
        "grant names the file: {}",
        wild[0].grant
    );
    let esc = perms(&of(&v, RiskKind::PrivilegeEscalation, &ivy));
    assert!(esc.contains("iam:PassRole") && esc.contains("iam:PutUserPolicy"));
    assert!(!esc.contains("kms:CreateGrant"), "iam:* grants no kms");
    let cred = perms(&of(&v, RiskKind::CredentialExposure, &ivy));
    assert!(cred.contains("iam:CreateAccessKey"));
    assert!(!cred.contains("sts:AssumeRole"));
    // iam:* on * rewrites its own permissions: admin-equivalent
    assert_eq!(of(&v, RiskKind::AdminEquivalent, &ivy).len(), 1);
}

#[test]
fn aws_deny_removes_the_findings() {
    let v = risks_aws(&[authz(
        vec![user(
            "ivy",
            json!([
                {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["iam:*"], "Resource": "*"}
            ]),
        )],
        vec![],
    )]);
    let ivy = user_arn("ivy");
    for kind in [
        RiskKind::SensitiveWildcard,
        RiskKind::PrivilegeEscalation,
        RiskKind::CredentialExposure,
        RiskKind::AdminEquivalent,
    ] {
        assert!(of(&v, kind, &ivy).is_empty(), "{kind:?}: {v:#?}");
    }
}

#[test]
fn aws_deny_of_one_action_removes_only_it() {
    let v = risks_aws(&[authz(
        vec![user(
            "ivy",
            json!([
                {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}
            ]),
        )],
        vec![],
    )]);
    let esc = perms(&of(&v, RiskKind::PrivilegeEscalation, &user_arn("ivy")));
    assert!(!esc.contains("iam:PassRole"), "{esc:?}");
    assert!(esc.contains("iam:CreateAccessKey"));
    // the wildcard still grants the rest of the service
    assert_eq!(
        of(&v, RiskKind::SensitiveWildcard, &user_arn("ivy")).len(),
        1
    );
}

#[test]
fn aws_not_action_allow_amounts_to_the_services_it_leaves_in() {
    let v = risks_aws(&[authz(
        vec![user(
            "nat",
            json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
        )],
        vec![],
    )]);
    let wild = of(&v, RiskKind::SensitiveWildcard, &user_arn("nat"));
    assert_eq!(wild.len(), 1, "{v:#?}");
    let p: BTreeSet<&str> = wild[0].permissions.iter().map(String::as_str).collect();
    assert!(p.contains("kms:*") && p.contains("sts:*") && p.contains("s3:*"));
    assert!(!p.contains("iam:*") && !p.contains("*"), "{p:?}");
    assert!(wild[0].detail.contains("NotAction"), "{}", wild[0].detail);
}

#[test]
fn aws_scoped_and_narrow_grants() {
    let v = risks_aws(&[authz(
        vec![
            user(
                "sue",
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]),
            ),
            user(
                "ned",
                json!([{"Effect": "Allow", "Action": ["s3:GetObject", "iam:Get*"], "Resource": "*"}]),
            ),
        ],
        vec![],
    )]);
    // a service wildcard on named resources is medium
    let wild = of(&v, RiskKind::SensitiveWildcard, &user_arn("sue"));
    assert_eq!(wild.len(), 1);
    assert_eq!(wild[0].severity, Severity::Medium);
    // nothing risky in reads
    assert!(v.iter().all(|r| r.principal != user_arn("ned")), "{v:#?}");
}

#[test]
fn aws_conditional_grant_is_medium_and_says_why() {
    let v = risks_aws(&[authz(
        vec![user(
            "cid",
            json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
        )],
        vec![],
    )]);
    let cred = of(&v, RiskKind::CredentialExposure, &user_arn("cid"));
    assert_eq!(cred.len(), 1, "{v:#?}");
    assert_eq!(cred[0].severity, Severity::Medium);
    assert!(
        cred[0].detail.contains("aws:MultiFactorAuthPresent"),
        "{}",
        cred[0].detail
    );
}

fn role(name: &str, created: &str, last_used: Option<&str>) -> Value {
    json!({
        "RoleName": name, "RoleId": format!("AROA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCT}:role/{name}"), "Path": "/",
        "CreateDate": created,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": [],
        "RoleLastUsed": match last_used {
            Some(d) => json!({"LastUsedDate": d, "Region": "us-east-1"}),
            None => json!({}),
        }
    })
}

#[test]
fn aws_stale_roles_measured_from_the_newest_date() {
    let env = aws(&[authz(
        vec![],
        vec![
            role(
                "busy",
                "2024-01-01T00:00:00+00:00",
                Some("2025-06-01 12:00:00+00:00"),
            ),
            role(
                "old",
                "2024-01-01T00:00:00+00:00",
                Some("2025-02-01T00:00:00+00:00"),
            ),
            role("never", "2024-01-01T00:00:00+00:00", None),
            role("fresh", "2025-05-20T00:00:00+00:00", None),
        ],
    )]);
    let (g, z) = (GcpEnvironment::default(), AzureEnvironment::default());
    let stale = |now| {
        risks_at(&env, &g, &z, now)
            .into_iter()
            .filter(|r| r.kind == RiskKind::StalePrincipal)
            .map(|r| r.principal.rsplit('/').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // reference: busy's last use, 2025-06-01; old was used 120 days before
    assert_eq!(stale(None), vec!["never", "old"]);
    // an explicit reference time moves the line
    let march = iamx_model::value::parse_date("2025-03-01T00:00:00Z").unwrap() / 1000;
    assert_eq!(stale(Some(march)), vec!["never"]);
    let later = iamx_model::value::parse_date("2026-01-01T00:00:00Z").unwrap() / 1000;
    assert_eq!(stale(Some(later)), vec!["busy", "fresh", "never", "old"]);
}

#[test]
fn aws_public_bucket_is_a_public_grant() {
    let policies = json!({"iamxAwsResourcePolicies": [{
        "resource": "arn:aws:s3:::pub", "account": ACCT,
        "policy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::pub/*"}]}}]});
    let v = risks_aws(&[policies]);
    let public = of(&v, RiskKind::PublicGrant, "*");
    assert_eq!(public.len(), 1, "{v:#?}");
    assert_eq!(public[0].permissions, vec!["s3:GetObject"]);
    assert!(public[0].grant.contains("Sid `Public`"));
}

// ------------------------------------------------------------------ GCP

fn gcp_role(name: &str, perms: &[&str]) -> Value {
    json!({"name": name, "title": name, "stage": "GA", "includedPermissions": perms})
}

fn gcp_policies(bindings: Value) -> Value {
    json!({"iamxGcpIamPolicies": [{
        "resource": "//cloudresourcemanager.googleapis.com/projects/p1",
        "policy": {"bindings": bindings}}]})
}

fn gcp_env(deny: Option<Value>) -> GcpEnvironment {
    let mut files = vec![
        gcp_role(
            "roles/owner",
            &[
                "resourcemanager.projects.get",
                "resourcemanager.projects.setIamPolicy",
                "iam.serviceAccounts.actAs",
            ],
        ),
        gcp_role(
            "roles/iam.serviceAccountTokenCreator",
            &[
                "iam.serviceAccounts.getAccessToken",
                "iam.serviceAccounts.signBlob",
            ],
        ),
        gcp_role("roles/viewer", &["resourcemanager.projects.get"]),
        gcp_policies(json!([
            {"role": "roles/owner", "members": ["user:olga@example.com"]},
            {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:tom@example.com"]},
            {"role": "roles/viewer", "members": ["user:vic@example.com", "allUsers"]}
        ])),
    ];
    files.extend(deny);
    gcp(&files)
}

fn risks_gcp(env: &GcpEnvironment) -> Vec<RiskFinding> {
    risks_at(
        &AwsEnvironment::default(),
        env,
        &AzureEnvironment::default(),
        None,
    )
}

#[test]
fn gcp_basic_role_token_creator_and_public_binding() {
    let v = risks_gcp(&gcp_env(None));
    let olga = "user:olga@example.com";
    let wild = of(&v, RiskKind::SensitiveWildcard, olga);
    assert_eq!(wild.len(), 1, "{v:#?}");
    assert_eq!(wild[0].permissions, vec!["roles/owner"]);
    assert!(wild[0].grant.contains("gcp3.json:"), "{}", wild[0].grant);
    let esc = perms(&of(&v, RiskKind::PrivilegeEscalation, olga));
    assert!(
        esc.contains("resourcemanager.projects.setIamPolicy")
            && esc.contains("iam.serviceAccounts.actAs")
    );
    assert_eq!(of(&v, RiskKind::AdminEquivalent, olga).len(), 1);
    let tom = perms(&of(
        &v,
        RiskKind::CredentialExposure,
        "user:tom@example.com",
    ));
    assert_eq!(
        tom,
        BTreeSet::from([
            "iam.serviceAccounts.getAccessToken".to_owned(),
            "iam.serviceAccounts.signBlob".to_owned()
        ])
    );
    assert!(v.iter().all(|r| r.principal != "user:vic@example.com"));
    assert_eq!(of(&v, RiskKind::PublicGrant, "allUsers").len(), 1, "{v:#?}");
}

#[test]
fn gcp_deny_policy_removes_the_credential_finding() {
    let deny = json!({
        "name": "policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp1/denypolicies/no-tokens",
        "kind": "DenyPolicy",
        "rules": [{"denyRule": {
            "deniedPrincipals": ["principal://goog/subject/tom@example.com"],
            "deniedPermissions": ["iam.googleapis.com/serviceAccounts.getAccessToken"]}}]
    });
    let v = risks_gcp(&gcp_env(Some(deny)));
    let tom = perms(&of(
        &v,
        RiskKind::CredentialExposure,
        "user:tom@example.com",
    ));
    assert_eq!(
        tom,
        BTreeSet::from(["iam.serviceAccounts.signBlob".to_owned()])
    );
}

// ------------------------------------------------------------------ Azure

const SUB: &str = "/subscriptions/5b000000-0000-4000-8000-000000000001";
const FRAN: &str = "a0000000-0000-4000-8000-000000000001";
const RITA: &str = "a0000000-0000-4000-8000-000000000002";

fn az_role(guid: &str, name: &str, actions: &[&str]) -> Value {
    json!({"name": guid, "roleName": name, "roleType": "CustomRole",
           "type": "Microsoft.Authorization/roleDefinitions", "assignableScopes": ["/"],
           "permissions": [{"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}]})
}

fn az_env(deny: bool) -> AzureEnvironment {
    let roles = json!([
        az_role("10000000-0000-4000-8000-000000000001", "Owner", &["*"]),
        az_role(
            "10000000-0000-4000-8000-000000000002",
            "Reader",
            &["*/read"]
        ),
    ]);
    let assign = |p: &str, n: u8| {
        json!({"principalId": p, "principalType": "User", "scope": SUB,
               "roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/10000000-0000-4000-8000-00000000000{n}")})
    };
    let mut files = vec![roles, json!([assign(FRAN, 1), assign(RITA, 2)])];
    if deny {
        files.push(json!({"value": [{"id": format!("{SUB}/providers/Microsoft.Authorization/denyAssignments/x"),
            "name": "x", "properties": {"denyAssignmentName": "no writes",
            "permissions": [{"actions": ["*"], "notActions": ["*/read"], "dataActions": [], "notDataActions": []}],
            "scope": SUB, "principals": [{"id": FRAN, "type": "User"}], "excludePrincipals": [],
            "doNotApplyToChildScopes": false}}]}));
    }
    azure(&files)
}

fn risks_azure(env: &AzureEnvironment) -> Vec<RiskFinding> {
    risks_at(
        &AwsEnvironment::default(),
        &GcpEnvironment::default(),
        env,
        None,
    )
}

#[test]
fn azure_owner_is_a_sensitive_wildcard_with_escalation_and_keys() {
    let v = risks_azure(&az_env(false));
    let wild = of(&v, RiskKind::SensitiveWildcard, FRAN);
    assert_eq!(wild.len(), 1, "{v:#?}");
    assert_eq!(wild[0].permissions, vec!["*"]);
    assert!(wild[0].grant.contains("az1.json:"), "{}", wild[0].grant);
    let esc = perms(&of(&v, RiskKind::PrivilegeEscalation, FRAN));
    assert!(esc.contains("Microsoft.Authorization/roleAssignments/write"));
    let cred = perms(&of(&v, RiskKind::CredentialExposure, FRAN));
    assert!(cred.contains("Microsoft.Storage/storageAccounts/listKeys/action"));
    // `*` in actions never grants a data action
    assert!(!cred.contains("Microsoft.KeyVault/vaults/secrets/getSecret/action"));
    assert!(v.iter().all(|r| r.principal != RITA), "{v:#?}");
}

#[test]
fn azure_deny_assignment_removes_the_findings() {
    let v = risks_azure(&az_env(true));
    for kind in [
        RiskKind::PrivilegeEscalation,
        RiskKind::CredentialExposure,
        RiskKind::AdminEquivalent,
    ] {
        assert!(of(&v, kind, FRAN).is_empty(), "{kind:?}: {v:#?}");
    }
}

// ------------------------------------------------------------------ usage

#[test]
fn stale_by_usage_lists_principals_without_logged_use() {
    let principals = [
        ("aws".to_owned(), "arn:aws:iam::1:user/a".to_owned()),
        ("gcp".to_owned(), "user:b@example.com".to_owned()),
        ("aws".to_owned(), "arn:aws:iam::1:user/a".to_owned()),
        ("azure".to_owned(), "c".to_owned()),
    ];
    let used = BTreeSet::from([("gcp".to_owned(), "user:b@example.com".to_owned())]);
    let v = iamx_analysis::risk::stale_by_usage(principals, &used);
    let names: Vec<(&str, &str)> = v
        .iter()
        .map(|r| (r.cloud.as_str(), r.principal.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![("aws", "arn:aws:iam::1:user/a"), ("azure", "c")]
    );
    assert!(v.iter().all(|r| r.kind == RiskKind::StalePrincipal));
}

// ------------------------------------------------------------------ the lists

#[test]
fn builtin_lists_read_cleanly() {
    for (name, text) in [
        ("aws", include_str!("../data/risk/aws.txt")),
        ("gcp", include_str!("../data/risk/gcp.txt")),
        ("azure", include_str!("../data/risk/azure.txt")),
    ] {
        let (entries, errors) = parse_list(text);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        for kind in [
            RiskKind::SensitiveWildcard,
            RiskKind::CredentialExposure,
            RiskKind::PrivilegeEscalation,
        ] {
            assert!(
                entries.iter().any(|e| e.kind == kind),
                "{name}: no {kind:?}"
            );
        }
    }
    let l = RiskLists::builtin();
    assert_eq!(
        l.aws
            .iter()
            .filter(|e| e.kind == RiskKind::CredentialExposure)
            .count(),
        49
    );
    assert_eq!(
        l.aws
            .iter()
            .filter(|e| e.kind == RiskKind::PrivilegeEscalation)
            .count(),
        27
    );
    let (_, errors) = parse_list("privesc iam:PassRole\ncredential-exposure\n");
    assert_eq!(errors.len(), 2);
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "notice: {} is absent; skipping the check of the built-in risk list against it",
            p.display()
        );
        None
    }
}

#[test]
fn aws_lists_equal_the_iam_dataset_tags() {
    let Some(path) = shared("aws/iam-dataset-tags.json") else {
        return;
    };
    let tags: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let l = RiskLists::builtin();
    for (kind, key) in [
        (RiskKind::CredentialExposure, "CredentialExposure"),
        (RiskKind::PrivilegeEscalation, "PrivEsc"),
    ] {
        let ours: BTreeSet<&str> = l
            .aws
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.permission.as_str())
            .collect();
        let theirs: BTreeSet<&str> = tags["iam"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(ours, theirs, "{key}");
    }
}

#[test]
fn gcp_list_names_exist_in_predefined_roles() {
    let Some(dir) = shared("gcp/roles") else {
        return;
    };
    let mut perms = BTreeSet::new();
    let mut roles = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        roles.insert(v["name"].as_str().unwrap_or_default().to_owned());
        for p in v["includedPermissions"].as_array().into_iter().flatten() {
            perms.insert(p.as_str().unwrap().to_owned());
        }
    }
    for e in RiskLists::builtin().gcp {
        if e.kind == RiskKind::SensitiveWildcard {
            assert!(roles.contains(&e.permission), "no role `{}`", e.permission);
        } else if e.permission.contains('*') {
            let pat = iamx_model::Pattern::glob(&e.permission, iamx_model::Case::Sensitive);
            assert!(
                perms.iter().any(|p| pat.matches(p)),
                "`{}` matches no permission",
                e.permission
            );
        } else {
            assert!(
                perms.contains(&e.permission),
                "no permission `{}`",
                e.permission
            );
        }
    }
}

#[test]
fn azure_list_names_exist_in_built_in_roles_or_the_operation_map() {
    let (Some(roles), Some(map)) = (
        shared("azure/built-in-roles-raw.json"),
        shared("azure/map.json"),
    ) else {
        return;
    };
    let roles: Value = serde_json::from_str(&std::fs::read_to_string(roles).unwrap()).unwrap();
    let map: Value = serde_json::from_str(&std::fs::read_to_string(map).unwrap()).unwrap();
    let (mut control, mut data) = (BTreeSet::new(), BTreeSet::new());
    for r in roles.as_array().unwrap() {
        for b in r["permissions"].as_array().unwrap() {
            for a in b["actions"].as_array().into_iter().flatten() {
                control.insert(a.as_str().unwrap().to_ascii_lowercase());
            }
            for a in b["dataActions"].as_array().into_iter().flatten() {
                data.insert(a.as_str().unwrap().to_ascii_lowercase());
            }
        }
    }
    for paths in map.as_object().unwrap().values() {
        for ops in paths.as_object().unwrap().values() {
            for op in ops.as_object().unwrap().keys() {
                control.insert(op.to_ascii_lowercase());
            }
        }
    }
    // documented operations that neither file names (the map has no
    // `publishxml` path of Microsoft.Web)
    let documented = ["microsoft.web/sites/publishxml/action"];
    for e in RiskLists::builtin().azure {
        let lc = e.permission.to_ascii_lowercase();
        if e.kind == RiskKind::SensitiveWildcard {
            // a pattern: it matches some operation of its plane
            let set = if e.data { &data } else { &control };
            let pat = iamx_model::Pattern::glob(&lc, iamx_model::Case::Insensitive);
            assert!(
                set.iter().any(|op| !op.contains('*') && pat.matches(op)),
                "`{}` matches no operation",
                e.permission
            );
        } else if e.data {
            assert!(data.contains(&lc), "no data action `{}`", e.permission);
        } else {
            assert!(
                control.contains(&lc) || documented.contains(&lc.as_str()),
                "no operation `{}`",
                e.permission
            );
        }
    }
}
