//! Azure: who-can and what-can over object ids, groups and inherited role
//! assignments; admin-equivalence; escalation techniques.

use crate::{Access, ActionAccess, Inputs, grade};
use iamx_azure::AzureEnvironment;
use iamx_model::azure::{AzureProgram, RoleSpec, evaluate_azure, scope_covers};
use iamx_model::{Context, Decision, Effect, Request};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Every object id the inputs name that is not a group.
pub fn principals(env: &AzureEnvironment) -> Vec<String> {
    env.known_principals()
        .into_iter()
        .filter(|p| !env.groups.contains_key(p) && p != iamx_model::azure::ALL_PRINCIPALS)
        .collect()
}

fn label(env: &AzureEnvironment, id: &str) -> String {
    env.assignments
        .iter()
        .find(|a| a.principal_id == id)
        .and_then(|a| a.principal_name.clone())
        .map_or_else(|| id.to_owned(), |n| format!("{id} ({n})"))
}

fn kind_of(env: &AzureEnvironment, id: &str) -> String {
    env.assignments
        .iter()
        .find(|a| a.principal_id == id)
        .and_then(|a| a.principal_type.clone())
        .map_or_else(|| "principal".to_owned(), |t| t.to_ascii_lowercase())
}

fn program(
    env: &AzureEnvironment,
    id: &str,
    scope: &str,
    data: bool,
) -> Option<(Request, AzureProgram)> {
    iamx_azure::build_request(
        env,
        id,
        "Microsoft.Resources/subscriptions/read",
        scope,
        Some(data),
        Context::new(),
    )
    .ok()
}

fn decide(prog: &AzureProgram, req: &Request, op: &str) -> Decision {
    let mut r = req.clone();
    r.action = op.to_owned();
    evaluate_azure(prog, &r)
}

/// Candidate operations: the role patterns of assignments that reach the
/// caller (no catalog names Azure operations, so patterns stand for
/// themselves), split into control- and data-plane.
fn candidates(prog: &AzureProgram) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut control = BTreeSet::new();
    let mut data = BTreeSet::new();
    for a in &prog.assignments {
        if !prog.identities.contains(&a.principal_id) {
            continue;
        }
        if let RoleSpec::Blocks(blocks) = &a.role {
            for b in blocks.iter() {
                control.extend(b.actions.iter().map(|p| p.raw().to_owned()));
                data.extend(b.data_actions.iter().map(|p| p.raw().to_owned()));
            }
        }
    }
    (control, data)
}

/// The operations a deny assignment that reaches the caller denies within a
/// wildcard pattern the caller is granted (a granted `*` is not all of `*`).
fn denied_within(prog: &AzureProgram, op: &str, data: bool) -> Vec<String> {
    if !op.contains('*') {
        return Vec::new();
    }
    let granted = iamx_model::Pattern::glob(op, iamx_model::Case::Insensitive);
    let mut out = BTreeSet::new();
    for d in &prog.denies {
        let everyone = d
            .principals
            .iter()
            .any(|p| p == iamx_model::azure::ALL_PRINCIPALS);
        let who = (everyone || d.principals.iter().any(|p| prog.identities.contains(p)))
            && !d.exclude.iter().any(|p| prog.identities.contains(p));
        if !who {
            continue;
        }
        for b in &d.blocks {
            let pats = if data { &b.data_actions } else { &b.actions };
            for p in pats.iter().filter(|p| granted.matches(p.raw())) {
                out.insert(p.raw().to_owned());
            }
        }
    }
    out.into_iter().collect()
}

fn chains(prog: &AzureProgram, id: &str, scope: &str, d: &Decision) -> (Vec<String>, Vec<String>) {
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    for h in &d.explanation.statements {
        if h.effect != Effect::Allow {
            continue;
        }
        let Some(a) = prog
            .assignments
            .iter()
            .find(|a| Arc::ptr_eq(&a.origin, &h.origin))
        else {
            continue;
        };
        grants.insert(format!("{} at {} ({})", a.role_name, a.scope, h.origin));
        if !a.scope.eq_ignore_ascii_case(scope) {
            via.insert(format!("inherited from {}", a.scope));
        }
        via.insert(if a.principal_id == id {
            "direct".to_owned()
        } else {
            format!("group {}", a.principal_id)
        });
    }
    (via.into_iter().collect(), grants.into_iter().collect())
}

fn access_of(
    env: &AzureEnvironment,
    id: &str,
    scope: &str,
    action: Option<&str>,
    data_action: Option<bool>,
) -> Option<Access> {
    let mut acts = Vec::new();
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    let mut run = |data: bool, ops: BTreeSet<String>| {
        let Some((req, prog)) = program(env, id, scope, data) else {
            return;
        };
        for op in ops {
            let d = decide(&prog, &req, &op);
            if let Some((conditional, condition)) = grade(&d) {
                let (v, g) = chains(&prog, id, scope, &d);
                via.extend(v);
                grants.extend(g);
                let action = match denied_within(&prog, &op, data) {
                    except if except.is_empty() => op,
                    except => format!("{op} (except {}: deny assignment)", except.join(", ")),
                };
                acts.push(ActionAccess {
                    action,
                    conditional,
                    condition,
                });
            }
        }
    };
    match action {
        Some(a) => {
            let data = data_action.unwrap_or_else(|| env.guess_data_action(a));
            run(data, std::iter::once(a.to_owned()).collect());
        }
        None => {
            let (control, data) = program(env, id, scope, false)
                .map(|(_, p)| candidates(&p))
                .unwrap_or_default();
            run(false, control);
            run(true, data);
        }
    }
    (!acts.is_empty()).then(|| Access {
        cloud: "azure",
        principal: label(env, id),
        kind: kind_of(env, id),
        resource: scope.to_owned(),
        actions: acts,
        via: via.into_iter().collect(),
        grants: grants.into_iter().collect(),
    })
}

/// Who can act at an Azure scope.
pub fn who_can(inp: &Inputs<'_>, scope: &str, action: Option<&str>) -> Vec<Access> {
    let env = inp.azure;
    principals(env)
        .par_iter()
        .filter_map(|id| access_of(env, id, scope, action, None))
        .collect()
}

/// Everything an Azure principal can reach: each scope an assignment to it
/// (or one of its groups) names, with the operations decided there.
pub fn what_can(
    inp: &Inputs<'_>,
    principal: &str,
    service: Option<&str>,
) -> Result<Vec<Access>, String> {
    let env = inp.azure;
    let (id, _, _) = env.resolve_principal(principal)?;
    let ids = env.identities(&id);
    let scopes: BTreeSet<String> = env
        .assignments
        .iter()
        .filter(|a| ids.contains(&a.principal_id))
        .map(|a| a.scope.clone())
        .collect();
    Ok(scopes
        .into_par_iter()
        .filter_map(|s| {
            let mut a = access_of(env, &id, &s, None, None)?;
            if let Some(svc) = service {
                a.actions.retain(|x| {
                    x.action
                        .to_ascii_lowercase()
                        .starts_with(&svc.to_ascii_lowercase())
                });
            }
            (!a.actions.is_empty()).then_some(a)
        })
        .collect())
}

/// The scopes the inputs name (assignment scopes and their parents up to `/`).
pub fn scopes(env: &AzureEnvironment) -> Vec<String> {
    let mut out = BTreeSet::new();
    for a in &env.assignments {
        out.insert(a.scope.clone());
    }
    out.into_iter().collect()
}

/// Admin-equivalence at `scope`: `id` may write role assignments there.
pub fn admin_at(env: &AzureEnvironment, id: &str, scope: &str) -> Option<Option<String>> {
    let (req, prog) = program(env, id, scope, false)?;
    let probe = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000a11a",
        scope.trim_end_matches('/')
    );
    let mut r = req;
    r.resource = probe;
    grade(&decide(
        &prog,
        &r,
        "Microsoft.Authorization/roleAssignments/write",
    ))
    .map(|(c, w)| if c { w } else { None })
}

/// An escalation step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Escalation {
    /// Who escalates.
    pub from: String,
    /// `admin:<scope>`.
    pub to: String,
    /// The enabling operation.
    pub permission: String,
    /// The technique.
    pub technique: String,
    /// The condition, if any.
    pub condition: Option<String>,
}

/// Escalation steps of DESIGN §3 (Azure): writing role assignments or role
/// definitions at a scope makes one its administrator.
pub fn escalations(env: &AzureEnvironment) -> Vec<Escalation> {
    let all_scopes = scopes(env);
    let mut out: Vec<Escalation> = principals(env)
        .par_iter()
        .flat_map_iter(|id| {
            let mut v = Vec::new();
            for s in &all_scopes {
                // only the broadest scope where it holds: narrower ones follow
                if v.iter().any(|e: &Escalation| {
                    e.to.strip_prefix("admin:")
                        .is_some_and(|t| scope_covers(t, s))
                }) {
                    continue;
                }
                if let Some(cond) = admin_at(env, id, s) {
                    v.push(Escalation {
                        from: label(env, id),
                        to: format!("admin:{s}"),
                        permission: "Microsoft.Authorization/roleAssignments/write".into(),
                        technique: "assign oneself any role at the scope".into(),
                        condition: cond,
                    });
                    continue;
                }
                let Some((req, prog)) = program(env, id, s, false) else {
                    continue;
                };
                if let Some((c, w)) = grade(&decide(
                    &prog,
                    &req,
                    "Microsoft.Authorization/roleDefinitions/write",
                )) {
                    v.push(Escalation {
                        from: label(env, id),
                        to: format!("admin:{s}"),
                        permission: "Microsoft.Authorization/roleDefinitions/write".into(),
                        technique: "widen a custom role assigned to oneself".into(),
                        condition: if c { w } else { None },
                    });
                }
            }
            v
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
