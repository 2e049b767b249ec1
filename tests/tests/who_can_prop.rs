//! Property: for random small environments, `who-can R A` lists exactly the
//! principals for which the concrete evaluator returns `allowed` or
//! conditional (`unknown` with an open context) for (P, A, R) — no more, no
//! fewer. (Principals reached only through an assumed role or an
//! impersonated service account are the analysis's own addition and are
//! checked separately in the snapshot tests.)

use iamx::{LoadOptions, Workspace};
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeSet;

const ACTIONS: [&str; 4] = ["s3:GetObject", "s3:PutObject", "s3:Get*", "s3:*"];
const RESOURCES: [&str; 4] = [
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::c/*",
    "*",
];

fn aws_policy() -> impl Strategy<Value = serde_json::Value> {
    prop::collection::vec((any::<bool>(), 0..ACTIONS.len(), 0..RESOURCES.len(), any::<bool>()), 1..4).prop_map(|sts| {
        let body: Vec<serde_json::Value> = sts
            .into_iter()
            .map(|(deny, a, r, cond)| {
                let mut st = json!({"Effect": if deny { "Deny" } else { "Allow" }, "Action": ACTIONS[a], "Resource": RESOURCES[r]});
                if cond {
                    st["Condition"] = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
                }
                st
            })
            .collect();
        json!({"Version": "2012-10-17", "Statement": body})
    })
}

fn aws_env(
    users: Vec<serde_json::Value>,
    group: serde_json::Value,
    bucket: Option<serde_json::Value>,
) -> Vec<(String, String)> {
    let user_list: Vec<serde_json::Value> = users
        .into_iter()
        .enumerate()
        .map(|(i, pol)| {
            json!({
                "UserName": format!("u{i}"), "UserId": format!("AIDA{i:016}"),
                "Arn": format!("arn:aws:iam::111122223333:user/u{i}"), "Path": "/",
                "GroupList": if i % 2 == 0 { vec!["g"] } else { vec![] },
                "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": pol}],
                "AttachedManagedPolicies": [], "Tags": []
            })
        })
        .collect();
    let authz = json!({
        "UserDetailList": user_list,
        "GroupDetailList": [{"GroupName": "g", "GroupId": "AGPA0000000000000001", "Arn": "arn:aws:iam::111122223333:group/g", "Path": "/",
            "GroupPolicyList": [{"PolicyName": "gp", "PolicyDocument": group}], "AttachedManagedPolicies": []}],
        "RoleDetailList": [], "Policies": []
    });
    let mut files = vec![("authz.json".to_owned(), authz.to_string())];
    if let Some(b) = bucket {
        files.push((
            "rp.json".to_owned(),
            json!({"iamxAwsResourcePolicies": [{"resource": "arn:aws:s3:::b", "account": "111122223333", "policy": b}]}).to_string(),
        ));
    }
    files
}

fn bucket_policy() -> impl Strategy<Value = Option<serde_json::Value>> {
    prop::option::of((any::<bool>(), 0..3usize).prop_map(|(deny, who)| {
        let principal = match who {
            0 => json!("*"),
            1 => json!({"AWS": "arn:aws:iam::111122223333:user/u1"}),
            _ => json!({"AWS": "111122223333"}),
        };
        json!({"Version": "2012-10-17", "Statement": [{"Effect": if deny { "Deny" } else { "Allow" },
            "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn aws_who_can_matches_the_evaluator(
        users in prop::collection::vec(aws_policy(), 1..5),
        group in aws_policy(),
        bucket in bucket_policy(),
        action in prop::sample::select(vec!["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
        resource in prop::sample::select(vec!["arn:aws:s3:::b/x", "arn:aws:s3:::c/y"]),
    ) {
        let ws = Workspace::from_texts(aws_env(users, group, bucket), &LoadOptions::default());
        prop_assert!(ws.errors().next().is_none());
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        let listed: BTreeSet<String> = iamx::analysis::who_can(&inp, resource, Some(action))
            .expect("who-can")
            .into_iter()
            .filter(|a| !a.via.iter().all(|v| v.starts_with("assumed role")))
            .map(|a| a.principal)
            .collect();
        let mut expected = BTreeSet::new();
        let mut everyone = iamx::analysis::aws::principals(&ws.aws);
        everyone.push(iamx::model::Principal::anonymous());
        for p in everyone {
            let (_, d) = iamx::analysis::aws::decide_open(&ws.aws, &p, action, resource);
            if matches!(d.outcome, iamx::Outcome::Allowed | iamx::Outcome::Unknown(_)) {
                expected.insert(p.id.clone());
            }
        }
        prop_assert_eq!(listed, expected);
    }
}

const GCP_ROLES: [(&str, &[&str]); 3] = [
    ("roles/r0", &["storage.objects.get"]),
    (
        "roles/r1",
        &["storage.objects.get", "storage.objects.delete"],
    ),
    ("roles/r2", &["storage.objects.list"]),
];
const GCP_MEMBERS: [&str; 4] = [
    "user:a@example.com",
    "user:b@example.com",
    "group:g@example.com",
    "allUsers",
];

fn gcp_bindings() -> impl Strategy<Value = Vec<(usize, usize, usize, bool)>> {
    // (attached: 0 org / 1 project / 2 bucket, role, member, conditional)
    prop::collection::vec(
        (
            0..3usize,
            0..GCP_ROLES.len(),
            0..GCP_MEMBERS.len(),
            any::<bool>(),
        ),
        0..6,
    )
}

fn gcp_env(bindings: &[(usize, usize, usize, bool)]) -> Vec<(String, String)> {
    let scopes = [
        "organizations/1",
        "projects/p1",
        "//storage.googleapis.com/projects/_/buckets/bk",
    ];
    let mut entries = Vec::new();
    for (i, scope) in scopes.iter().enumerate() {
        let bs: Vec<serde_json::Value> = bindings
            .iter()
            .filter(|b| b.0 == i)
            .map(|&(_, r, m, c)| {
                let mut b = json!({"role": GCP_ROLES[r].0, "members": [GCP_MEMBERS[m]]});
                if c {
                    b["condition"] = json!({"title": "t", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"});
                }
                b
            })
            .collect();
        let mut e = json!({"resource": scope, "policy": {"version": 3, "bindings": bs}});
        if i == 2 {
            e["ancestors"] = json!(["projects/p1", "organizations/1"]);
        }
        entries.push(e);
    }
    let roles: Vec<serde_json::Value> = GCP_ROLES
        .iter()
        .map(|(n, perms)| json!({"name": n, "title": n, "stage": "GA", "includedPermissions": perms}))
        .collect();
    vec![
        (
            "policies.json".into(),
            json!({"iamxGcpIamPolicies": entries}).to_string(),
        ),
        (
            "roles.json".into(),
            serde_json::Value::Array(roles).to_string(),
        ),
        (
            "hier.json".into(),
            json!({"iamxGcpHierarchy": {"projects/p1": "organizations/1"}}).to_string(),
        ),
        (
            "groups.json".into(),
            json!({"iamxGcpGroups": {"group:g@example.com": ["user:b@example.com"]}}).to_string(),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn gcp_who_can_matches_the_evaluator(
        bindings in gcp_bindings(),
        permission in prop::sample::select(vec!["storage.objects.get", "storage.objects.delete", "storage.objects.list"]),
    ) {
        let ws = Workspace::from_texts(gcp_env(&bindings), &LoadOptions::default());
        let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
        let resource = "//storage.googleapis.com/projects/_/buckets/bk/objects/o";
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        let listed: BTreeSet<String> = iamx::analysis::who_can(&inp, resource, Some(permission))
            .expect("who-can")
            .into_iter()
            .filter(|a| !a.via.iter().all(|v| v.starts_with("impersonated")))
            .map(|a| a.principal)
            .collect();
        let mut expected = BTreeSet::new();
        for m in iamx::analysis::gcp::principals(&ws.gcp) {
            let (req, prog) = iamx::gcp::build_request(&ws.gcp, &m, permission, resource, iamx::model::Context::new()).expect("request");
            let d = iamx::model::gcp::evaluate_gcp(&prog, &req);
            if matches!(d.outcome, iamx::Outcome::Allowed | iamx::Outcome::Unknown(_)) {
                expected.insert(m);
            }
        }
        prop_assert_eq!(listed, expected);
    }
}

const AZ_SUB: &str = "/subscriptions/6f1e2d3c-4b5a-4697-8a1b-2c3d4e5f6a7b";
/// A role definition's name, actions, notActions and dataActions.
type AzRole = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const AZ_ROLES: [AzRole; 4] = [
    ("r0", &["Microsoft.Storage/storageAccounts/read"], &[], &[]),
    (
        "r1",
        &["Microsoft.Storage/*"],
        &["Microsoft.Storage/storageAccounts/delete"],
        &[],
    ),
    (
        "r2",
        &[],
        &[],
        &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
    ),
    ("r3", &["*"], &[], &[]),
];
/// Two users, a service principal and a group holding the second user.
const AZ_PRINCIPALS: [&str; 4] = [
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
    "44444444-4444-4444-8444-444444444444",
];

fn az_role_guid(i: usize) -> String {
    format!("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6{i}")
}

fn az_scopes() -> [String; 3] {
    [
        AZ_SUB.to_owned(),
        format!("{AZ_SUB}/resourceGroups/rg"),
        format!("{AZ_SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"),
    ]
}

fn azure_assignments() -> impl Strategy<Value = Vec<(usize, usize, usize, bool)>> {
    // (scope: 0 subscription / 1 resource group / 2 storage account, role,
    // principal, conditional)
    prop::collection::vec(
        (
            0..3usize,
            0..AZ_ROLES.len(),
            0..AZ_PRINCIPALS.len(),
            any::<bool>(),
        ),
        // an empty list matches no input format
        1..6,
    )
}

/// An optional deny assignment: (scope, denied: 0 the second user / 1
/// everyone, denied operations: 0 delete / 1 `Microsoft.Storage/*` / 2 blob
/// reads, excluding the first user).
fn azure_deny() -> impl Strategy<Value = Option<(usize, usize, usize, bool)>> {
    prop::option::of((0..3usize, 0..2usize, 0..3usize, any::<bool>()))
}

fn azure_env(
    assignments: &[(usize, usize, usize, bool)],
    deny: Option<(usize, usize, usize, bool)>,
) -> Vec<(String, String)> {
    let scopes = az_scopes();
    let roles: Vec<serde_json::Value> = AZ_ROLES
        .iter()
        .enumerate()
        .map(|(i, (name, actions, not_actions, data))| {
            json!({
                "assignableScopes": [AZ_SUB],
                "id": format!("{AZ_SUB}/providers/Microsoft.Authorization/roleDefinitions/{}", az_role_guid(i)),
                "name": az_role_guid(i),
                "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": data, "notDataActions": []}],
                "roleName": name,
                "roleType": "CustomRole",
                "type": "Microsoft.Authorization/roleDefinitions"
            })
        })
        .collect();
    let list: Vec<serde_json::Value> = assignments
        .iter()
        .enumerate()
        .map(|(k, &(s, r, p, c))| {
            let scope = &scopes[s];
            let mut a = json!({
                "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-4000-8000-00000000000{k}"),
                "name": format!("00000000-0000-4000-8000-00000000000{k}"),
                "principalId": AZ_PRINCIPALS[p],
                "principalType": if p == 3 { "Group" } else if p == 2 { "ServicePrincipal" } else { "User" },
                "roleDefinitionId": format!("{AZ_SUB}/providers/Microsoft.Authorization/roleDefinitions/{}", az_role_guid(r)),
                "roleDefinitionName": AZ_ROLES[r].0,
                "scope": scope,
                "type": "Microsoft.Authorization/roleAssignments"
            });
            if c {
                a["condition"] = json!("((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports'))");
                a["conditionVersion"] = json!("2.0");
            }
            a
        })
        .collect();
    let mut files = vec![
        (
            "role-definitions.json".to_owned(),
            serde_json::Value::Array(roles).to_string(),
        ),
        (
            "role-assignments.json".to_owned(),
            serde_json::Value::Array(list).to_string(),
        ),
        (
            "groups.json".to_owned(),
            json!({"iamxAzureGroups": {AZ_PRINCIPALS[3]: {"displayName": "g", "members": [AZ_PRINCIPALS[1]]}}})
                .to_string(),
        ),
    ];
    if let Some((s, who, ops, exclude)) = deny {
        let principal = if who == 0 {
            json!({"displayName": "u2", "id": AZ_PRINCIPALS[1], "type": "User"})
        } else {
            json!({"displayName": "Everyone", "id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"})
        };
        let (actions, data): (Vec<&str>, Vec<&str>) = match ops {
            0 => (vec!["Microsoft.Storage/storageAccounts/delete"], vec![]),
            1 => (vec!["Microsoft.Storage/*"], vec![]),
            _ => (
                vec![],
                vec!["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
            ),
        };
        let excluded: Vec<serde_json::Value> = if exclude {
            vec![json!({"displayName": "u1", "id": AZ_PRINCIPALS[0], "type": "User"})]
        } else {
            vec![]
        };
        let scope = &scopes[s];
        files.push((
            "deny-assignments.json".to_owned(),
            json!([{
                "denyAssignmentName": "d",
                "doNotApplyToChildScopes": false,
                "excludePrincipals": excluded,
                "id": format!("{scope}/providers/Microsoft.Authorization/denyAssignments/9a0b1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"),
                "isSystemProtected": false,
                "name": "9a0b1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d",
                "permissions": [{"actions": actions, "dataActions": data, "notActions": [], "notDataActions": []}],
                "principals": [principal],
                "scope": scope,
                "type": "Microsoft.Authorization/denyAssignments"
            }])
            .to_string(),
        ));
    }
    files
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn azure_who_can_matches_the_evaluator(
        assignments in azure_assignments(),
        deny in azure_deny(),
        operation in prop::sample::select(vec![
            "Microsoft.Storage/storageAccounts/read",
            "Microsoft.Storage/storageAccounts/delete",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        ]),
        target in 0..3usize,
    ) {
        let ws = Workspace::from_texts(azure_env(&assignments, deny), &LoadOptions::default());
        let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
        let scope = az_scopes()[target].clone();
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = ws.inputs(&builtin);
        let listed: BTreeSet<String> = iamx::analysis::who_can(&inp, &scope, Some(operation))
            .expect("who-can")
            .into_iter()
            .map(|a| a.principal)
            .collect();
        let mut expected = BTreeSet::new();
        for id in iamx::analysis::azure::principals(&ws.azure) {
            let (req, prog) = iamx::azure::build_request(&ws.azure, &id, operation, &scope, None, iamx::model::Context::new()).expect("request");
            let d = iamx::model::azure::evaluate_azure(&prog, &req);
            if matches!(d.outcome, iamx::Outcome::Allowed | iamx::Outcome::Unknown(_)) {
                expected.insert(id);
            }
        }
        prop_assert_eq!(listed, expected);
    }
}
