//! Azure escalation techniques and the Azure cross-cloud hop on small
//! hand-built environments: each edge appears when the evaluator allows the
//! step, and disappears when a deny assignment or a missing permission takes
//! it away.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_analysis::Inputs;
use iamx_analysis::escalation::{Facts, StepTo, azure::facts};
use iamx_aws::{AwsEnvironment, PolicyOptions, PolicyType};
use iamx_azure::AzureEnvironment;
use iamx_catalog::Catalog;
use iamx_gcp::GcpEnvironment;
use iamx_graph::{EdgeKind, PermissionGraph};
use iamx_model::source::Source;
use serde_json::{Value, json};

const SUB: &str = "/subscriptions/5b000000-0000-4000-8000-000000000001";
const USER: &str = "a0000000-0000-4000-8000-000000000001";
const MI: &str = "b0000000-0000-4000-8000-000000000001";
const UA: &str = "b0000000-0000-4000-8000-000000000002";
const SP: &str = "c0000000-0000-4000-8000-000000000001";

fn rg() -> String {
    format!("{SUB}/resourceGroups/rg-app")
}

fn vm() -> String {
    format!("{}/providers/Microsoft.Compute/virtualMachines/vm1", rg())
}

fn ua_id() -> String {
    format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deploy",
        rg()
    )
}

fn azure(files: &[Value]) -> AzureEnvironment {
    let mut env = AzureEnvironment::default();
    for (n, f) in files.iter().enumerate() {
        let src = Source::new(format!("f{n}.json"), f.to_string());
        let json = src.parse_json().unwrap();
        let load = iamx_azure::load_json(&src, &json).expect("an Azure format");
        let errors: Vec<_> = load.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        env.merge(load.env);
    }
    env
}

fn aws(authz: &Value) -> AwsEnvironment {
    let src = Source::new("authz.json", authz.to_string());
    let json = src.parse_json().unwrap();
    let opts = PolicyOptions {
        ptype: PolicyType::Auto,
        actions: None,
    };
    let load = iamx_aws::load_json(&src, &json, opts).expect("an AWS format");
    assert!(
        load.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        load.diagnostics
    );
    load.env
}

fn role(guid: &str, name: &str, actions: &[&str], data_actions: &[&str]) -> Value {
    json!({"name": guid, "roleName": name, "roleType": "CustomRole",
           "type": "Microsoft.Authorization/roleDefinitions", "assignableScopes": ["/"],
           "permissions": [{"actions": actions, "notActions": [], "dataActions": data_actions, "notDataActions": []}]})
}

fn roles() -> Value {
    json!([
        role(
            "10000000-0000-4000-8000-000000000001",
            "VM Operator",
            &["Microsoft.Compute/*"],
            &[]
        ),
        role(
            "10000000-0000-4000-8000-000000000002",
            "VM Starter",
            &[
                "Microsoft.Compute/virtualMachines/read",
                "Microsoft.Compute/virtualMachines/start/action"
            ],
            &[]
        ),
        role("10000000-0000-4000-8000-000000000003", "Owner", &["*"], &[]),
        role(
            "10000000-0000-4000-8000-000000000004",
            "VM Login",
            &["Microsoft.Compute/virtualMachines/read"],
            &["Microsoft.Compute/virtualMachines/login/action"]
        ),
        role(
            "10000000-0000-4000-8000-000000000005",
            "Site Publisher",
            &[
                "Microsoft.Web/sites/read",
                "Microsoft.Web/sites/publish/Action"
            ],
            &[]
        ),
    ])
}

fn assign(principal: &str, role_n: u8, scope: &str) -> Value {
    json!({"principalId": principal, "principalType": "User",
           "roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/10000000-0000-4000-8000-00000000000{role_n}"),
           "scope": scope})
}

fn resources() -> Value {
    json!([
        {"id": vm(), "name": "vm1", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
         "identity": {"type": "SystemAssigned", "principalId": MI, "tenantId": "t"}},
        {"id": format!("{}/providers/Microsoft.Storage/storageAccounts/st1", rg()), "name": "st1",
         "type": "Microsoft.Storage/storageAccounts", "location": "westeurope",
         "identity": {"type": "SystemAssigned", "principalId": "d0000000-0000-4000-8000-000000000001"}},
        {"id": format!("{}/providers/Microsoft.Web/sites/app1", rg()), "name": "app1", "kind": "app,linux",
         "type": "Microsoft.Web/sites", "location": "westeurope",
         "identity": {"type": "UserAssigned", "principalId": null,
                      "userAssignedIdentities": {ua_id(): {}}}},
        {"id": ua_id(), "name": "id-deploy", "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
         "location": "westeurope", "principalId": UA, "clientId": "e0000000-0000-4000-8000-000000000001",
         "tenantId": "t"}
    ])
}

fn deny_on_vm(actions: &[&str]) -> Value {
    json!({"value": [{"id": format!("{}/providers/Microsoft.Authorization/denyAssignments/x", vm()), "name": "x",
        "properties": {"denyAssignmentName": "no code on the VM", "scope": vm(),
            "permissions": [{"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}],
            "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
            "excludePrincipals": [], "doNotApplyToChildScopes": false, "isSystemProtected": true}}]})
}

fn escalations(env: &AzureEnvironment) -> Facts {
    facts(env, &Default::default()).unwrap()
}

fn takeovers(env: &AzureEnvironment) -> Vec<(String, String, String)> {
    escalations(env)
        .steps
        .into_iter()
        .filter_map(|s| match s.to {
            StepTo::Node(to) => Some((s.from, to, s.technique.permission_text())),
            StepTo::Set(_) => None,
        })
        .collect()
}

#[test]
fn running_code_on_a_vm_gains_its_managed_identity() {
    let env = azure(&[roles(), resources(), json!([assign(USER, 1, &rg())])]);
    assert_eq!(
        takeovers(&env),
        vec![(
            USER.to_owned(),
            MI.to_owned(),
            "Microsoft.Compute/virtualMachines/runCommand/action".to_owned()
        )],
        "VM Operator on the resource group runs commands on the VM; the storage account's identity is not reachable by writing the account"
    );
}

#[test]
fn a_deny_assignment_on_every_code_path_removes_the_takeover() {
    let code_paths = [
        "Microsoft.Compute/virtualMachines/runCommand/action",
        "Microsoft.Compute/virtualMachines/runCommands/write",
        "Microsoft.Compute/virtualMachines/extensions/write",
    ];
    let env = azure(&[
        roles(),
        resources(),
        json!([assign(USER, 1, &rg())]),
        deny_on_vm(&code_paths),
    ]);
    assert!(takeovers(&env).is_empty(), "{:?}", takeovers(&env));
    // denying one way leaves another
    let env = azure(&[
        roles(),
        resources(),
        json!([assign(USER, 1, &rg())]),
        deny_on_vm(&code_paths[..1]),
    ]);
    assert_eq!(
        takeovers(&env)
            .into_iter()
            .map(|(_, _, p)| p)
            .collect::<Vec<_>>(),
        ["Microsoft.Compute/virtualMachines/runCommands/write"]
    );
}

#[test]
fn starting_a_vm_runs_no_code() {
    let env = azure(&[roles(), resources(), json!([assign(USER, 2, &vm())])]);
    assert!(takeovers(&env).is_empty(), "{:?}", takeovers(&env));
}

#[test]
fn signing_in_to_the_vm_is_a_data_action_that_gains_the_identity() {
    let env = azure(&[roles(), resources(), json!([assign(USER, 4, &vm())])]);
    assert_eq!(
        takeovers(&env)
            .into_iter()
            .map(|(_, to, p)| (to, p))
            .collect::<Vec<_>>(),
        [(
            MI.to_owned(),
            "Microsoft.Compute/virtualMachines/login/action".to_owned()
        )]
    );
}

#[test]
fn publishing_to_a_web_app_gains_its_user_assigned_identity() {
    // the app names the identity by resource id only; `az identity list`
    // gives its object id
    let env = azure(&[roles(), resources(), json!([assign(USER, 5, &rg())])]);
    assert_eq!(
        takeovers(&env),
        vec![(
            USER.to_owned(),
            UA.to_owned(),
            "Microsoft.Web/sites/publish/Action".to_owned()
        )]
    );
}

#[test]
fn an_owner_above_reaches_every_code_running_resource_once() {
    let mg_tree = json!({"iamxAzureManagementGroups": [
        {"name": "root", "parent": null, "subscriptions": []},
        {"name": "corp", "parent": "root", "subscriptions": [SUB.trim_start_matches("/subscriptions/")]}]});
    let env = azure(&[
        roles(),
        resources(),
        mg_tree,
        json!([assign(
            USER,
            3,
            "/providers/Microsoft.Management/managementGroups/corp"
        )]),
    ]);
    let mut to: Vec<String> = takeovers(&env).into_iter().map(|(_, t, _)| t).collect();
    to.sort();
    assert_eq!(to, [MI, UA]);
}

fn directory(role_id: &str) -> Value {
    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments",
           "value": [{"id": "r1", "principalId": USER, "roleDefinitionId": role_id, "directoryScopeId": "/"}]})
}

#[test]
fn a_global_administrator_may_elevate_access_at_the_root() {
    let env = azure(&[directory(iamx_azure::GLOBAL_ADMINISTRATOR)]);
    let found = escalations(&env);
    assert_eq!(found.admins.len(), 1, "{found:?}");
    assert!(found.steps.is_empty(), "{found:?}");
    let e = &found.admins[0];
    assert_eq!(
        (
            e.principal.as_str(),
            e.scope.as_str(),
            e.permission.as_str()
        ),
        (USER, "/", "Microsoft.Authorization/elevateAccess/action")
    );
    assert_eq!(
        e.technique.as_deref(),
        Some("azure-entra-global-administrator: elevate access: User Access Administrator at /")
    );
    // another directory role (Global Reader) is no elevation
    let env = azure(&[directory("f2ef992c-3afb-46b9-b7cf-a126ee74c451")]);
    let found = escalations(&env);
    assert!(
        found.admins.is_empty() && found.steps.is_empty(),
        "{found:?}"
    );
}

// ---- the cross-cloud hop -------------------------------------------------

fn build(aws_env: &AwsEnvironment, azure_env: &AzureEnvironment) -> PermissionGraph {
    let gcp = GcpEnvironment::default();
    let catalog = Catalog::builtin();
    iamx_analysis::graph::build(&Inputs {
        aws: aws_env,
        gcp: &gcp,
        azure: azure_env,
        catalog: &catalog,
    })
}

/// `(from, to, kind, permission)` of every edge into or out of node ids
/// containing `needle`.
fn edges(g: &PermissionGraph, needle: &str) -> Vec<(String, String, EdgeKind, String)> {
    let mut out: Vec<_> = g
        .edges()
        .filter_map(|(a, b, e)| {
            let (a, b) = (g.node(a)?, g.node(b)?);
            (a.id.contains(needle) || b.id.contains(needle)).then(|| {
                (
                    a.id.clone(),
                    b.id.clone(),
                    e.kind,
                    e.permission.clone().unwrap_or_default(),
                )
            })
        })
        .collect();
    out.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
    out
}

fn policy(actions: &[&str]) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
}

fn aws_role(name: &str, trust: Value, actions: &[&str]) -> Value {
    json!({"RoleName": name, "RoleId": format!("AROA{name:0>16}"), "Path": "/",
           "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
           "AssumeRolePolicyDocument": trust,
           "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": policy(actions)}],
           "AttachedManagedPolicies": [], "Tags": []})
}

fn service_trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

const EKS: &str = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF";

fn irsa_trust(subject: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{EKS}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            format!("{EKS}:sub"): subject,
            format!("{EKS}:aud"): "sts.amazonaws.com"}}}]})
}

fn authz(roles: Vec<Value>) -> Value {
    json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []})
}

fn credentials(creds: Value) -> Value {
    json!({"iamxAzureFederatedCredentials": [{"principalId": SP, "displayName": "release", "credentials": creds}]})
}

fn credential(name: &str, issuer: &str, subject: &str, audience: &str) -> Value {
    json!({"audiences": [audience], "description": null, "id": format!("{name}-id"),
           "issuer": issuer, "name": name, "subject": subject})
}

const OUTBOUND: &str = "https://0f0f0f0f-0000-4000-8000-000000000000.tokens.sts.global.api.aws";

#[test]
fn an_aws_role_allowed_to_request_a_web_identity_token_reaches_the_azure_principal() {
    let aws_env = aws(&authz(vec![
        aws_role("releaser", service_trust(), &["sts:GetWebIdentityToken"]),
        aws_role("reader", service_trust(), &["s3:GetObject"]),
    ]));
    let azure_env = azure(&[credentials(json!([
        credential(
            "releaser",
            OUTBOUND,
            "arn:aws:iam::111122223333:role/releaser",
            "api://AzureADTokenExchange"
        ),
        credential(
            "reader",
            OUTBOUND,
            "arn:aws:iam::111122223333:role/reader",
            "api://AzureADTokenExchange"
        ),
    ]))]);
    let g = build(&aws_env, &azure_env);
    assert_eq!(
        edges(&g, SP),
        [(
            "aws:arn:aws:iam::111122223333:role/releaser".to_owned(),
            format!("azure:{SP}"),
            EdgeKind::CanImpersonate,
            "sts:GetWebIdentityToken".to_owned()
        )],
        "the role without sts:GetWebIdentityToken gets no edge"
    );
}

#[test]
fn an_explicit_deny_of_the_token_removes_the_hop() {
    let mut r = aws_role("releaser", service_trust(), &["sts:*"]);
    r["RolePolicyList"][0]["PolicyDocument"]["Statement"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*"}));
    let aws_env = aws(&authz(vec![r]));
    let azure_env = azure(&[credentials(json!([credential(
        "releaser",
        OUTBOUND,
        "arn:aws:iam::111122223333:role/releaser",
        "api://AzureADTokenExchange"
    )]))]);
    assert!(edges(&build(&aws_env, &azure_env), SP).is_empty());
}

#[test]
fn an_eks_service_account_reaches_the_identity_and_the_irsa_role_it_also_assumes() {
    let subject = "system:serviceaccount:payments:api";
    let aws_env = aws(&authz(vec![
        aws_role("payments-api", irsa_trust(subject), &["s3:GetObject"]),
        aws_role(
            "other-api",
            irsa_trust("system:serviceaccount:other:api"),
            &["s3:GetObject"],
        ),
    ]));
    // `az identity federated-credential list` output for a user-assigned identity
    let fic = json!([{"audiences": ["api://AzureADTokenExchange"],
        "id": format!("{}/federatedIdentityCredentials/eks-payments", ua_id()),
        "issuer": format!("https://{EKS}"), "name": "eks-payments", "resourceGroup": "rg-app",
        "subject": subject, "systemData": null,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"}]);
    let azure_env = azure(&[resources(), fic]);
    let g = build(&aws_env, &azure_env);
    let sa = format!("aws:eks:{EKS}:{subject}");
    assert_eq!(
        edges(&g, "eks:"),
        [
            (
                sa.clone(),
                "aws:arn:aws:iam::111122223333:role/payments-api".to_owned(),
                EdgeKind::CanAssume,
                "sts:AssumeRoleWithWebIdentity".to_owned()
            ),
            (
                sa,
                format!("azure:{UA}"),
                EdgeKind::CanImpersonate,
                "federated credential eks-payments".to_owned()
            ),
        ],
        "the role trusting another service account is not reached"
    );
}

#[test]
fn a_cognito_identity_is_reached_by_principals_that_may_mint_its_token() {
    let pool = "us-east-1:4d0c0000-0000-4000-8000-000000000000";
    let aws_env = aws(&authz(vec![
        aws_role(
            "backend",
            service_trust(),
            &["cognito-identity:GetOpenIdTokenForDeveloperIdentity"],
        ),
        aws_role("frontend", service_trust(), &["cognito-identity:GetId"]),
    ]));
    let azure_env = azure(&[credentials(json!([credential(
        "cognito",
        "https://cognito-identity.amazonaws.com",
        "us-east-1:1d000000-0000-4000-8000-000000000000",
        pool
    )]))]);
    let g = build(&aws_env, &azure_env);
    let found: Vec<(String, String)> = edges(&g, "cognito-identity:")
        .into_iter()
        .map(|(a, b, _, _)| (a, b))
        .collect();
    let node =
        format!("aws:cognito-identity:{pool}:us-east-1:1d000000-0000-4000-8000-000000000000");
    assert_eq!(
        found,
        [
            (
                "aws:arn:aws:iam::111122223333:role/backend".to_owned(),
                node.clone()
            ),
            (node, format!("azure:{SP}")),
        ]
    );
}

#[test]
fn a_github_workflow_is_an_outside_node() {
    let azure_env = azure(&[credentials(json!([credential(
        "gh",
        "https://token.actions.githubusercontent.com",
        "repo:example/app:environment:prod",
        "api://AzureADTokenExchange"
    )]))]);
    let g = build(&AwsEnvironment::default(), &azure_env);
    assert_eq!(
        edges(&g, SP),
        [(
            "azure:federated:https://token.actions.githubusercontent.com#repo:example/app:environment:prod".to_owned(),
            format!("azure:{SP}"),
            EdgeKind::CanImpersonate,
            "federated credential gh".to_owned()
        )]
    );
}
