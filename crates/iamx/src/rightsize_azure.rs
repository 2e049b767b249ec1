//! `rightsize` for an Azure principal: custom role definitions holding
//! exactly the operations used (control plane in `actions`, data plane in
//! `dataActions`), assigned to the principal at exactly the resources used.
//!
//! Each logged call is decided again; the role assignment that allows it
//! gives the ABAC condition the new assignment keeps. An assignment is made
//! at the logged resource itself (`--generalize`: at the parent scope that
//! logged resources share). The second proof asks the reasoner, per new
//! assignment, operation and logged resource, for a context in which the new
//! assignment allows and the current assignments do not.

use crate::analysis::Inputs;
use crate::reason::rbac::azure_concrete;
use crate::rightsize::{
    NoNewAccess, NotCarried, Options, Rightsized, decide_logged, logged_proof, preferred,
};
use iamx_model::azure::{
    AzureAssignment, AzureProgram, PermissionBlock, RoleSpec, evaluate_azure, scope_covers,
};
use iamx_model::{Case, Condition, Effect, Origin, Outcome, Pattern, Request};
use iamx_usage::{Cloud, UsageRecord};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

struct Kept {
    request: Request,
    program: AzureProgram,
    was_allowed: bool,
    condition: Option<String>,
}

/// The scope an assignment for `resources` goes to: each resource itself,
/// or (generalised) the parent scope two or more share.
fn scopes(resources: &BTreeSet<String>, generalize: bool) -> BTreeSet<String> {
    if !generalize {
        return resources.clone();
    }
    let mut by_parent: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for r in resources {
        // the parent scope: before the last `/providers/NS/type/name`, or
        // without the last `/type/name` pair (a resource group's
        // subscription)
        let lc = r.to_ascii_lowercase();
        let parent = match lc.rfind("/providers/") {
            Some(i) if i > 0 => r.get(..i).unwrap_or(r).to_owned(),
            _ => r.rsplitn(3, '/').nth(2).unwrap_or_default().to_owned(),
        };
        by_parent.entry(parent).or_default().push(r);
    }
    let mut out = BTreeSet::new();
    for (parent, v) in by_parent {
        if v.len() >= 2 && !parent.is_empty() {
            out.insert(parent);
        } else {
            out.extend(v.into_iter().cloned());
        }
    }
    out
}

/// The narrowest scope an assignment can name for `resource`: the resource
/// itself, or for an extension resource of `Microsoft.Authorization` (a role
/// assignment, a lock) the scope it extends.
fn assignable(resource: &str) -> String {
    let lc = resource.to_ascii_lowercase();
    match lc.find("/providers/microsoft.authorization/") {
        Some(i) if i > 0 => resource.get(..i).unwrap_or(resource).to_owned(),
        _ => resource.to_owned(),
    }
}

fn synthetic(name: &str) -> Arc<Origin> {
    Arc::new(Origin {
        file: None,
        policy: Arc::from(name),
        statement: 0,
        sid: None,
        line: 0,
        column: 0,
    })
}

/// Rightsizes an Azure principal from its logged calls.
pub(crate) fn rightsize(
    inp: &Inputs<'_>,
    calls: &[&UsageRecord],
    principal: &str,
    opts: &Options,
) -> Result<Rightsized, String> {
    let mut kept: Vec<Kept> = Vec::new();
    let mut not_carried = Vec::new();
    for r in calls {
        let logged = r.to_request();
        let call = format!("{} on {}", logged.action, logged.resource);
        let location = r.location.to_string();
        let Some((req, prog, d, call, location)) = decide_logged(
            call,
            location,
            iamx_azure::build_request(
                inp.azure,
                principal,
                &logged.action,
                &logged.resource,
                None,
                logged.context.clone(),
            ),
            evaluate_azure,
            "assignments",
            &mut not_carried,
        ) else {
            continue;
        };
        let hits: Vec<&AzureAssignment> = d
            .explanation
            .statements
            .iter()
            .filter(|h| h.effect == Effect::Allow)
            .filter_map(|h| {
                prog.assignments
                    .iter()
                    .find(|a| Arc::ptr_eq(&a.origin, &h.origin))
            })
            .collect();
        let Some(a) = preferred(&hits, |x| &x.condition) else {
            not_carried.push(NotCarried {
                call,
                location,
                reason: "no role assignment of the principal allows it".to_owned(),
            });
            continue;
        };
        let condition = match &a.condition {
            Condition::True => None,
            Condition::Expr(e) => Some(iamx_azure::print_abac(e)),
            other => {
                not_carried.push(NotCarried {
                    call,
                    location,
                    reason: format!("the assignment's condition `{other}` cannot be written back"),
                });
                continue;
            }
        };
        kept.push(Kept {
            was_allowed: d.outcome == Outcome::Allowed,
            request: req,
            program: prog,
            condition,
        });
    }
    // (condition, resource) → (operations, data operations)
    type Ops = (BTreeSet<String>, BTreeSet<String>);
    let mut by_res: BTreeMap<(Option<String>, String), Ops> = BTreeMap::new();
    for k in &kept {
        let e = by_res
            .entry((k.condition.clone(), k.request.resource.clone()))
            .or_default();
        if k.program.data_action {
            e.1.insert(k.request.action.clone());
        } else {
            e.0.insert(k.request.action.clone());
        }
    }
    // (condition, operations) → resources → scopes
    let mut by_ops: BTreeMap<(Option<String>, Ops), BTreeSet<String>> = BTreeMap::new();
    for ((cond, res), ops) in by_res {
        by_ops
            .entry((cond, ops))
            .or_default()
            .insert(assignable(&res));
    }
    let mut role_names: BTreeMap<Ops, String> = BTreeMap::new();
    let mut assignments: Vec<(String, Ops, Option<String>)> = Vec::new();
    for ((cond, ops), resources) in by_ops {
        let n = role_names.len() + 1;
        role_names
            .entry(ops.clone())
            .or_insert_with(|| format!("iamx rightsized {n} for {principal}"));
        for scope in scopes(&resources, opts.generalize) {
            assignments.push((scope, ops.clone(), cond.clone()));
        }
    }
    let pattern = |s: &String| Pattern::literal(s, Case::Insensitive);
    let mut model: Vec<AzureAssignment> = Vec::new();
    for (i, (scope, ops, cond)) in assignments.iter().enumerate() {
        let condition = match cond {
            None => Condition::True,
            Some(text) => match iamx_azure::parse_abac(text) {
                Ok(e) => Condition::Expr(Box::new(e)),
                Err(e) => return Err(format!("the condition `{text}` does not read back: {e}")),
            },
        };
        model.push(AzureAssignment {
            principal_id: principal.to_ascii_lowercase(),
            role_name: role_names.get(ops).cloned().unwrap_or_default(),
            role: RoleSpec::Blocks(Arc::new(vec![PermissionBlock {
                actions: ops.0.iter().map(pattern).collect(),
                not_actions: Vec::new(),
                data_actions: ops.1.iter().map(pattern).collect(),
                not_data_actions: Vec::new(),
            }])),
            scope: scope.clone(),
            condition,
            origin: synthetic(&format!("rightsized assignment {}", i + 1)),
        });
    }
    // proof 1
    let decided: Vec<Outcome> = kept
        .iter()
        .map(|k| {
            let mut prog = k.program.clone();
            prog.assignments = model
                .iter()
                .filter(|a| scope_covers(&a.scope, &k.request.resource))
                .cloned()
                .collect();
            evaluate_azure(&prog, &k.request).outcome
        })
        .collect();
    let logged = logged_proof(
        "new assignments",
        "role assignments",
        kept.iter()
            .zip(decided)
            .map(|(k, out)| (&k.request, out, k.was_allowed)),
    );
    // proof 2: per new assignment, operation (on its plane) and logged
    // resource under it
    let mut proof = NoNewAccess::default();
    'outer: for (a, (_, ops, _)) in model.iter().zip(&assignments) {
        // the questions: at the assignment's own scope (the widest point it
        // reaches: what the current assignments allow there they allow
        // below it), and at each logged resource under it
        let mut points: Vec<(Request, AzureProgram, &String)> = Vec::new();
        for (data, plane) in [(false, &ops.0), (true, &ops.1)] {
            for op in plane {
                if let Ok((req, prog)) = iamx_azure::build_request(
                    inp.azure,
                    principal,
                    op,
                    &a.scope,
                    Some(data),
                    iamx_model::Context::new(),
                ) {
                    points.push((req, prog, op));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for k in kept
            .iter()
            .filter(|k| scope_covers(&a.scope, &k.request.resource))
        {
            if !seen.insert((k.request.resource.clone(), k.program.data_action)) {
                continue;
            }
            let plane = if k.program.data_action {
                &ops.1
            } else {
                &ops.0
            };
            for op in plane {
                points.push((k.request.clone(), k.program.clone(), op));
            }
        }
        for (mut req, prog, op) in points {
            req.action = op.clone();
            req.context = iamx_model::Context::new();
            let mut pa = prog.clone();
            pa.assignments = vec![a.clone()];
            proof.ask(azure_concrete(&pa, &prog, &req, op), || {
                iamx_smt::diff::azure(&pa, &prog, &req, opts.timeout)
            });
            if proof.failed() {
                break 'outer;
            }
        }
    }
    let no_new_access =
        proof.finish("assignment × operation, at its scope and at each logged resource");
    // the output: role definitions (`az role definition create
    // --role-definition`) and assignments (`az role assignment create`)
    let roles: Vec<Json> = role_names
        .iter()
        .map(|((actions, data), name)| {
            let assignable: BTreeSet<&String> = assignments
                .iter()
                .filter(|(_, ops, _)| ops.0 == *actions && ops.1 == *data)
                .map(|(scope, _, _)| scope)
                .collect();
            json!({
                "Name": name,
                "IsCustom": true,
                "Description": format!("Rightsized from usage logs: the operations {principal} used."),
                "Actions": actions,
                "NotActions": [],
                "DataActions": data,
                "NotDataActions": [],
                "AssignableScopes": assignable,
            })
        })
        .collect();
    let assigns: Vec<Json> = assignments
        .iter()
        .map(|(scope, ops, cond)| {
            let mut a = json!({
                "principalId": principal,
                "roleDefinitionName": role_names.get(ops).cloned().unwrap_or_default(),
                "scope": scope,
            });
            if let (Some(c), Json::Object(m)) = (cond, &mut a) {
                m.insert("condition".to_owned(), json!(c));
                m.insert("conditionVersion".to_owned(), json!("2.0"));
            }
            a
        })
        .collect();
    let pairs: BTreeSet<(String, String)> = kept
        .iter()
        .map(|k| {
            (
                k.request.action.to_ascii_lowercase(),
                k.request.resource.to_ascii_lowercase(),
            )
        })
        .collect();
    Ok(Rightsized {
        cloud: Cloud::Azure,
        principal: principal.to_owned(),
        policy: json!({"roleDefinitions": roles, "roleAssignments": assigns}),
        calls: calls.len(),
        kept: pairs.len(),
        not_carried,
        logged_calls_allowed: logged,
        no_new_access,
    })
}
