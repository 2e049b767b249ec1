//! Escalation techniques on small hand-built environments: each technique's
//! edge appears when the caller holds the permission, and disappears when a
//! deny or a missing permission takes it away.

use iamx::{LoadOptions, Workspace};
use serde_json::json;

fn workspace(files: Vec<(String, String)>) -> Workspace {
    let ws = Workspace::from_texts(files, &LoadOptions::default());
    let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    ws
}

fn aws_files(dev_policy: serde_json::Value) -> Vec<(String, String)> {
    let trust = |svc: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}]})
    };
    let role = |name: &str, svc: &str| {
        json!({"RoleName": name, "RoleId": format!("AROA{name:0>16}"), "Path": "/",
            "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
            "AssumeRolePolicyDocument": trust(svc),
            "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []})
    };
    let authz = json!({
        "UserDetailList": [{"UserName": "dev", "UserId": "AIDA0000000000000001",
            "Arn": "arn:aws:iam::111122223333:user/dev", "Path": "/", "GroupList": [],
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": dev_policy}],
            "AttachedManagedPolicies": [], "Tags": []}],
        "GroupDetailList": [],
        "RoleDetailList": [role("fn-runner", "lambda.amazonaws.com"), role("vm-runner", "ec2.amazonaws.com")],
        "Policies": []
    });
    vec![("authz.json".to_owned(), authz.to_string())]
}

fn aws_escalations(ws: &Workspace) -> Vec<(String, String)> {
    iamx::analysis::aws::escalations(&ws.aws)
        .into_iter()
        .map(|e| (e.to, e.permission))
        .collect()
}

#[test]
fn aws_update_function_code_reaches_lambda_roles_only() {
    let allow = |actions: serde_json::Value| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]});
    let ws = workspace(aws_files(allow(json!("lambda:UpdateFunctionCode"))));
    let found = aws_escalations(&ws);
    assert_eq!(
        found,
        vec![(
            "arn:aws:iam::111122223333:role/fn-runner".to_owned(),
            "lambda:UpdateFunctionCode".to_owned()
        )],
        "only the role Lambda may assume is reached"
    );

    // a deny on the action takes the edge away
    let denied = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}]});
    let ws = workspace(aws_files(denied));
    assert!(
        aws_escalations(&ws)
            .iter()
            .all(|(_, p)| p != "lambda:UpdateFunctionCode"),
        "{:?}",
        aws_escalations(&ws)
    );

    // another Lambda permission is not the technique
    let ws = workspace(aws_files(allow(json!("lambda:GetFunction"))));
    assert!(aws_escalations(&ws).is_empty());
}

fn gcp_files(dev_role_perms: &[&str], deny: bool) -> Vec<(String, String)> {
    let roles = json!([
        {"name": "projects/p1/roles/deployer", "title": "deployer", "stage": "GA",
         "includedPermissions": ["storage.objects.get"]},
        {"name": "roles/iam.roleAdmin", "title": "role admin", "stage": "GA",
         "includedPermissions": dev_role_perms},
    ]);
    let policies = json!({"iamxGcpIamPolicies": [
        {"resource": "organizations/1", "policy": {"version": 3, "bindings": []}},
        {"resource": "projects/p1", "policy": {"version": 3, "bindings": [
            {"role": "projects/p1/roles/deployer", "members": ["user:dev@example.com"]},
            {"role": "roles/iam.roleAdmin", "members": ["user:dev@example.com", "user:ops@example.com"]}
        ]}}
    ]});
    let mut files = vec![
        ("roles.json".to_owned(), roles.to_string()),
        ("policies.json".to_owned(), policies.to_string()),
        (
            "hier.json".to_owned(),
            json!({"iamxGcpHierarchy": {"projects/p1": "organizations/1"}}).to_string(),
        ),
    ];
    if deny {
        let d = json!([{"name": "policies/cloudresourcemanager.googleapis.com%2Forganizations%2F1/denypolicies/no-role-edits",
            "rules": [{"denyRule": {
                "deniedPrincipals": ["principal://goog/subject/dev@example.com"],
                "deniedPermissions": ["iam.googleapis.com/roles.update"]}}]}]);
        files.push(("deny.json".to_owned(), d.to_string()));
    }
    files
}

fn gcp_role_updates(ws: &Workspace) -> Vec<(String, String)> {
    iamx::analysis::gcp::escalations(&ws.gcp)
        .into_iter()
        .filter(|e| e.permission == "iam.roles.update")
        .map(|e| (e.from, e.to))
        .collect()
}

#[test]
fn gcp_role_update_on_a_role_bound_to_oneself() {
    let ws = workspace(gcp_files(&["iam.roles.update", "iam.roles.get"], false));
    // dev holds the custom role and may update it; ops may update it but does
    // not hold it, so gains nothing by it
    assert_eq!(
        gcp_role_updates(&ws),
        vec![(
            "user:dev@example.com".to_owned(),
            "admin:projects/p1".to_owned()
        )]
    );
    let ws = workspace(gcp_files(&["iam.roles.get"], false));
    assert!(gcp_role_updates(&ws).is_empty());
    let ws = workspace(gcp_files(&["iam.roles.update"], true));
    assert!(
        gcp_role_updates(&ws).is_empty(),
        "the deny policy blocks it: {:?}",
        gcp_role_updates(&ws)
    );
}
