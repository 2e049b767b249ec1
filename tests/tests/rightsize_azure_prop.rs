//! Property: for random Azure environments (custom role definitions with
//! wildcards and NotActions, assigned to one principal at a subscription,
//! a resource group or a virtual machine) and random activity logs of
//! operations the assignments allow, the rightsized role definitions and
//! assignments allow every logged operation and are never more permissive
//! than the old assignments. Checked here independently of `rightsize`'s
//! own proofs: the output is loaded as Azure inputs and decided by the
//! concrete evaluator, on every logged request and on every request of a
//! sample space (operations × the scopes and resources).

use iamx::usage::{Options, UsageRecord, read_reader};
use iamx::{LoadOptions, Provider, Query, Workspace};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

const PRINCIPAL: &str = "77770000-0000-4000-8000-000000000077";
const SUB: &str = "/subscriptions/b2c3d4e5-0001-4000-8000-00000000b001";
const RG: &str = "/subscriptions/b2c3d4e5-0001-4000-8000-00000000b001/resourceGroups/rg-batch";
const VM_A: &str = "/subscriptions/b2c3d4e5-0001-4000-8000-00000000b001/resourceGroups/rg-batch/providers/Microsoft.Compute/virtualMachines/vm-a";
const VM_B: &str = "/subscriptions/b2c3d4e5-0001-4000-8000-00000000b001/resourceGroups/rg-batch/providers/Microsoft.Compute/virtualMachines/vm-b";
const DISK: &str = "/subscriptions/b2c3d4e5-0001-4000-8000-00000000b001/resourceGroups/rg-batch/providers/Microsoft.Compute/disks/d1";
const OTHER_VM: &str = "/subscriptions/b2c3d4e5-0001-4000-8000-00000000b001/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-w";
/// Role patterns.
const PATTERNS: [&str; 6] = [
    "Microsoft.Compute/virtualMachines/restart/action",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/*",
    "Microsoft.Compute/*/read",
    "Microsoft.Compute/disks/write",
    "*",
];
/// Operations logs and the sample space hold.
const OPERATIONS: [&str; 5] = [
    "Microsoft.Compute/virtualMachines/restart/action",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/delete",
    "Microsoft.Compute/disks/read",
    "Microsoft.Compute/disks/write",
];
const SCOPES: [&str; 3] = [SUB, RG, VM_A];
const RESOURCES: [&str; 4] = [VM_A, VM_B, DISK, OTHER_VM];

fn guid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{i:012x}")
}

/// Role definitions (name, actions, not actions) and assignments (scope,
/// role index) as input files.
fn inputs(
    roles: &[(String, Vec<String>, Vec<String>)],
    assignments: &[(String, usize)],
) -> Vec<(String, String)> {
    let defs: Vec<Value> = roles
        .iter()
        .enumerate()
        .map(|(i, (name, actions, not))| {
            json!({
                "assignableScopes": [SUB],
                "description": name,
                "id": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{}", guid(0x5e5e, i)),
                "name": guid(0x5e5e, i),
                "permissions": [{"actions": actions, "notActions": not, "dataActions": [], "notDataActions": []}],
                "roleName": name,
                "roleType": "CustomRole",
                "type": "Microsoft.Authorization/roleDefinitions"
            })
        })
        .collect();
    let asg: Vec<Value> = assignments
        .iter()
        .enumerate()
        .map(|(i, (scope, r))| {
            json!({
                "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", guid(0xa0, i)),
                "name": guid(0xa0, i),
                "principalId": PRINCIPAL,
                "principalName": "ops-bot",
                "principalType": "ServicePrincipal",
                "roleDefinitionId": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{}", guid(0x5e5e, *r)),
                "roleDefinitionName": roles[*r].0,
                "scope": scope,
                "type": "Microsoft.Authorization/roleAssignments"
            })
        })
        .collect();
    vec![
        (
            "role-definitions.json".to_owned(),
            Value::Array(defs).to_string(),
        ),
        (
            "role-assignments.json".to_owned(),
            Value::Array(asg).to_string(),
        ),
    ]
}

fn log(calls: &[(usize, usize)]) -> String {
    let events: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (o, r))| {
            let (op, res) = (OPERATIONS[*o], RESOURCES[*r]);
            json!({
                "authorization": {"action": op, "role": null, "scope": res},
                "caller": "ops-bot",
                "category": {"localizedValue": "Administrative", "value": "Administrative"},
                "claims": {"http://schemas.microsoft.com/identity/claims/objectidentifier": PRINCIPAL},
                "correlationId": format!("c{i}"),
                "eventDataId": format!("e{i}"),
                "eventName": {"localizedValue": "End request", "value": "EndRequest"},
                "eventTimestamp": format!("2026-03-02T11:00:{:02}.0000000Z", i % 60),
                "id": format!("{res}/events/e{i}/ticks/1"),
                "level": "Informational",
                "operationId": format!("o{i}"),
                "operationName": {"localizedValue": op, "value": op},
                "resourceId": res,
                "status": {"localizedValue": "Succeeded", "value": "Succeeded"},
                "subStatus": {"localizedValue": "", "value": ""},
                "subscriptionId": "b2c3d4e5-0001-4000-8000-00000000b001"
            })
        })
        .collect();
    Value::Array(events).to_string()
}

fn decide(ws: &Workspace, action: &str, resource: &str) -> Result<iamx::Outcome, String> {
    let (_, d, _) = ws.evaluate(
        Provider::Azure,
        Query {
            principal: PRINCIPAL.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            context: iamx::model::Context::new(),
            data_action: Some(false),
            session_policy: None,
        },
    )?;
    Ok(d.outcome)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_global_rejects: 10_000, .. ProptestConfig::default() })]

    #[test]
    fn rightsized_assignments_keep_the_logs_and_grant_nothing_new(
        roles in prop::collection::vec(
            (prop::collection::vec(0..PATTERNS.len(), 1..3), prop::option::of(0..OPERATIONS.len())),
            1..3,
        ),
        assignments in prop::collection::vec((0..SCOPES.len(), 0..2usize), 1..4),
        calls in prop::collection::vec((0..OPERATIONS.len(), 0..RESOURCES.len()), 1..8),
    ) {
        let roles: Vec<(String, Vec<String>, Vec<String>)> = roles
            .iter()
            .enumerate()
            .map(|(i, (ps, not))| {
                let mut ps: Vec<String> = ps.iter().map(|p| PATTERNS[*p].to_owned()).collect();
                ps.sort();
                ps.dedup();
                (format!("role {i}"), ps, not.iter().map(|o| OPERATIONS[*o].to_owned()).collect())
            })
            .collect();
        let assignments: Vec<(String, usize)> = assignments
            .iter()
            .map(|(s, r)| (SCOPES[*s].to_owned(), r % roles.len()))
            .collect();
        let old = Workspace::from_texts(inputs(&roles, &assignments), &LoadOptions::default());
        prop_assert!(old.errors().next().is_none(), "{:?}", old.diagnostics);
        let mut read = Vec::new();
        read_reader(log(&calls).as_bytes(), "activity.json", &Options::default(), &mut |r: UsageRecord| read.push(r));
        let mut logs = Vec::new();
        for r in read {
            let req = r.to_request();
            if decide(&old, &req.action, &req.resource).map_err(TestCaseError::fail)? == iamx::Outcome::Allowed {
                logs.push((r, req));
            }
        }
        prop_assume!(!logs.is_empty());
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = old.inputs(&builtin);
        let records: Vec<UsageRecord> = logs.iter().map(|(r, _)| r.clone()).collect();
        let opts = iamx::rightsize::Options { generalize: false, timeout: Duration::from_secs(60) };
        let out = iamx::rightsize::rightsize(&inp, &records, PRINCIPAL, &opts).map_err(TestCaseError::fail)?;
        prop_assert!(out.proven(), "{out:?}");
        // the output as inputs
        let defs = out.policy["roleDefinitions"].as_array().cloned().unwrap_or_default();
        let names: Vec<String> = defs.iter().map(|d| d["Name"].as_str().unwrap_or_default().to_owned()).collect();
        let list = |d: &Value, k: &str| -> Vec<String> {
            d[k].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let new_roles: Vec<(String, Vec<String>, Vec<String>)> = defs
            .iter()
            .map(|d| (d["Name"].as_str().unwrap_or_default().to_owned(), list(d, "Actions"), list(d, "NotActions")))
            .collect();
        prop_assert!(defs.iter().all(|d| list(d, "DataActions").is_empty()), "{}", out.policy);
        let new_assignments: Vec<(String, usize)> = out.policy["roleAssignments"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                let role = a["roleDefinitionName"].as_str().unwrap_or_default();
                (
                    a["scope"].as_str().unwrap_or_default().to_owned(),
                    names.iter().position(|n| n == role).unwrap_or(usize::MAX),
                )
            })
            .collect();
        prop_assert!(new_assignments.iter().all(|(_, r)| *r < names.len()), "{}", out.policy);
        prop_assert!(
            out.policy["roleAssignments"].as_array().into_iter().flatten().all(|a| a.get("condition").is_none()),
            "{}", out.policy
        );
        let new = Workspace::from_texts(inputs(&new_roles, &new_assignments), &LoadOptions::default());
        prop_assert!(new.errors().next().is_none(), "{:?}\n{}", new.diagnostics, out.policy);
        for (_, req) in &logs {
            prop_assert_eq!(
                decide(&new, &req.action, &req.resource).map_err(TestCaseError::fail)?,
                iamx::Outcome::Allowed,
                "{} on {}\n{}", req.action, req.resource, out.policy
            );
        }
        for o in OPERATIONS {
            for r in RESOURCES.iter().chain(SCOPES.iter()) {
                if decide(&new, o, r).map_err(TestCaseError::fail)? == iamx::Outcome::Allowed {
                    prop_assert_eq!(
                        decide(&old, o, r).map_err(TestCaseError::fail)?,
                        iamx::Outcome::Allowed,
                        "new allows {} on {}, the old assignments do not\n{}", o, r, out.policy
                    );
                }
            }
        }
    }
}
