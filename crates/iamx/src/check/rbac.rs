//! GCP and Azure assertions (`never`, `only`, `always`,
//! `no-public-access`), and the cross-cloud graph assertions
//! (`no-escalation-path`, `max-permissions`).
//!
//! GCP and Azure questions are concrete in the caller, permission and
//! resource (the reasoner ranges over the context: IAM Conditions and ABAC
//! attributes). Callers are the members and principals the inputs name;
//! permission patterns expand to the permissions the loaded roles list.

use super::{Assertion, AssertionKind, Finding, Location, Outcome, Witness, context_of, locations};
use crate::reason::AnyContext;
use crate::{Provider, Query, Workspace};
use iamx_model::{Case, Effect, Pattern};
use std::collections::BTreeSet;
use std::time::Duration;

const MAX_FINDINGS: usize = 20;

fn glob(p: &str) -> Pattern {
    Pattern::glob(p, Case::Insensitive)
}

/// Every caller a cloud's inputs name.
pub(crate) fn everyone(ws: &Workspace, cloud: Provider) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    match cloud {
        Provider::Aws => {
            out.extend(ws.aws.users.keys().cloned());
            out.extend(ws.aws.roles.keys().cloned());
        }
        Provider::Gcp => {
            let mut add = |m: &str| {
                let caller = ["user:", "serviceAccount:"]
                    .iter()
                    .any(|p| m.starts_with(p))
                    || m == "allUsers"
                    || m == "allAuthenticatedUsers";
                if caller {
                    out.insert(m.to_owned());
                }
            };
            for pols in ws.gcp.allow.values() {
                for p in pols {
                    for b in &p.bindings {
                        b.members.iter().for_each(|m| add(m));
                    }
                }
            }
            for g in ws.gcp.groups.values() {
                g.members.iter().for_each(|m| add(m));
            }
            // anyone on the internet, and any signed-in user
            out.insert("allUsers".to_owned());
            out.insert("allAuthenticatedUsers".to_owned());
        }
        Provider::Azure => {
            out.extend(ws.azure.assignments.iter().map(|a| a.principal_id.clone()));
            for g in ws.azure.groups.values() {
                out.extend(g.members.iter().cloned());
            }
            // a group is not a caller
            for g in ws.azure.groups.keys() {
                out.remove(g);
            }
        }
    }
    out.into_iter().collect()
}

fn named(patterns: &[String], s: &str) -> bool {
    patterns.iter().any(|p| p == "*" || glob(p).matches(s))
}

/// The callers of `cloud` that `patterns` name, less `except`; literal
/// names the inputs do not hold are asked as written.
fn callers(ws: &Workspace, cloud: Provider, patterns: &[String], except: &[String]) -> Vec<String> {
    let mut out: Vec<String> = everyone(ws, cloud)
        .into_iter()
        .filter(|c| named(patterns, c))
        .collect();
    for p in patterns {
        if p != "*" && !p.contains(['*', '?']) && !out.contains(p) {
            out.push(p.clone());
        }
    }
    out.retain(|c| !except.iter().any(|p| glob(p).matches(c)));
    out
}

/// Permission patterns made concrete: GCP against the permissions of the
/// loaded roles, Azure against the operations the loaded role definitions
/// name.
fn actions(ws: &Workspace, cloud: Provider, patterns: &[String]) -> Vec<String> {
    let mut known: BTreeSet<String> = BTreeSet::new();
    match cloud {
        Provider::Gcp => {
            for r in ws.gcp.roles.values() {
                if let Some(ps) = &r.permissions {
                    known.extend(ps.iter().cloned());
                }
            }
        }
        Provider::Azure => {
            for r in ws.azure.roles.values() {
                for b in r.blocks.iter() {
                    for p in b.actions.iter().chain(b.data_actions.iter()) {
                        if p.as_literal().is_some() {
                            known.insert(p.raw().to_owned());
                        }
                    }
                }
            }
        }
        Provider::Aws => {}
    }
    let mut out: Vec<String> = Vec::new();
    for p in patterns {
        if p.contains(['*', '?']) {
            let g = glob(p);
            out.extend(known.iter().filter(|k| g.matches(k)).cloned());
        } else {
            out.push(p.clone());
        }
    }
    out.dedup();
    out
}

fn query(a: &Assertion, principal: &str, action: &str, resource: &str) -> Query {
    // any signed-in user: one from no organisation the inputs know
    let principal = if principal == "allAuthenticatedUsers" {
        crate::reason::rbac::GCP_OUTSIDER
    } else {
        principal
    };
    Query {
        principal: principal.to_owned(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        context: context_of(a),
        data_action: None,
        session_policy: None,
    }
}

fn when(ctx: &[(String, String)]) -> String {
    if ctx.is_empty() {
        String::new()
    } else {
        format!(
            " when {}",
            ctx.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The grants (effect Allow) or denials of a request in a context.
fn decided_locations(ws: &Workspace, a: &Assertion, w: &Witness, effect: Effect) -> Vec<Location> {
    let mut q = query(a, &w.principal, &w.action, &w.resource);
    for (k, v) in &w.context {
        q.context.insert(k, iamx_model::Value::str(v.clone()));
    }
    ws.evaluate(a.cloud, q)
        .map(|(_, d, _)| locations(&d, effect))
        .unwrap_or_default()
}

/// Evaluates a GCP or Azure `never`, `only`, `always` or `no-public-access`.
pub(crate) fn evaluate(ws: &Workspace, a: &Assertion, timeout: Duration) -> Outcome {
    let mut out = Outcome::new();
    let (who, acts, resources, must_hold, conditional) = match &a.kind {
        AssertionKind::Never {
            principals,
            except,
            actions: x,
            resources,
        } => (
            callers(ws, a.cloud, principals, except),
            x,
            resources,
            false,
            false,
        ),
        AssertionKind::Only {
            principals,
            actions: x,
            resources,
        } => (
            callers(ws, a.cloud, &["*".to_owned()], principals),
            x,
            resources,
            false,
            false,
        ),
        AssertionKind::Always {
            principals,
            actions: x,
            resources,
            conditional,
        } => (
            callers(ws, a.cloud, principals, &[]),
            x,
            resources,
            true,
            *conditional,
        ),
        AssertionKind::NoPublicAccess { resources } => {
            public(ws, a, resources, timeout, &mut out);
            return out;
        }
        _ => return out,
    };
    let acts = actions(ws, a.cloud, acts);
    for r in resources.iter().filter(|r| r.contains(['*', '?'])) {
        out.notes.push(format!(
            "`{r}`: {} resources are asked as written (the pattern stands for itself)",
            if a.cloud == Provider::Gcp {
                "GCP"
            } else {
                "Azure"
            }
        ));
    }
    let mut asked = 0usize;
    'outer: for p in &who {
        for act in &acts {
            for r in resources {
                asked += 1;
                let answer = ws.any_context(a.cloud, query(a, p, act, r), timeout);
                let witness = |ctx: Vec<(String, String)>| Witness {
                    resource_account: None,
                    principal: p.clone(),
                    action: act.clone(),
                    resource: r.clone(),
                    context: ctx,
                };
                let finding = match (answer, must_hold) {
                    (Err(e), _) => Some(Finding::undecided(format!("{p}: {act} on {r}: {e}"))),
                    (Ok((_, AnyContext::Unknown { reason })), _) => Some(Finding::undecided(
                        format!("{p}: {act} on {r}: not decided: {reason}"),
                    )),
                    (Ok((_, AnyContext::Never)), false) | (Ok((_, AnyContext::Always)), true) => {
                        None
                    }
                    (Ok((_, AnyContext::Sometimes { .. })), true) if conditional => None,
                    (Ok((_, AnyContext::Always)), false) => {
                        let w = witness(vec![]);
                        Some(Finding {
                            message: format!("{p} can do {act} on {r}"),
                            locations: decided_locations(ws, a, &w, Effect::Allow),
                            witness: Some(w),
                            unknown: false,
                        })
                    }
                    (Ok((_, AnyContext::Sometimes { witness: ctx, .. })), false) => {
                        let w = witness(ctx);
                        Some(Finding {
                            message: format!("{p} can do {act} on {r}{}", when(&w.context)),
                            locations: decided_locations(ws, a, &w, Effect::Allow),
                            witness: Some(w),
                            unknown: false,
                        })
                    }
                    (Ok((_, AnyContext::Sometimes { counterexample, .. })), true) => {
                        let w = witness(counterexample);
                        Some(Finding {
                            message: format!(
                                "{p} can do {act} on {r} only in some contexts; not{}",
                                when(&w.context)
                            ),
                            locations: decided_locations(ws, a, &w, Effect::Deny),
                            witness: Some(w),
                            unknown: false,
                        })
                    }
                    (Ok((_, AnyContext::Never)), true) => {
                        let w = witness(vec![]);
                        Some(Finding {
                            message: format!("{p} cannot do {act} on {r} in any context"),
                            locations: decided_locations(ws, a, &w, Effect::Deny),
                            witness: Some(w),
                            unknown: false,
                        })
                    }
                };
                if let Some(f) = finding {
                    out.findings.push(f);
                    if out.findings.len() >= MAX_FINDINGS {
                        out.notes
                            .push(format!("stopped after {MAX_FINDINGS} failures"));
                        break 'outer;
                    }
                }
            }
        }
    }
    out.notes.push(format!("{asked} questions asked"));
    out
}

fn public(
    ws: &Workspace,
    a: &Assertion,
    resources: &[String],
    timeout: Duration,
    out: &mut Outcome,
) {
    let rows = match a.cloud {
        Provider::Gcp => crate::reason::rbac::gcp_public_access_env(&ws.gcp, timeout),
        Provider::Azure => crate::reason::rbac::azure_public_access(&ws.azure, timeout),
        Provider::Aws => return,
    };
    for row in rows {
        if !(resources.is_empty() || named(resources, &row.resource)) {
            continue;
        }
        let kind = row.kind.clone().unwrap_or_else(|| "public".to_owned());
        let (message, ctx, unknown) = match &row.answer {
            AnyContext::Never => continue,
            AnyContext::Always => (
                format!(
                    "{} ({kind}) can do {} on {}",
                    row.principal, row.action, row.resource
                ),
                vec![],
                false,
            ),
            AnyContext::Sometimes { witness, .. } => (
                format!(
                    "{} ({kind}) can do {} on {}{}",
                    row.principal,
                    row.action,
                    row.resource,
                    when(witness)
                ),
                witness.clone(),
                false,
            ),
            AnyContext::Unknown { reason } => (
                format!(
                    "{} ({kind}): {} on {}: not decided: {reason}",
                    row.principal, row.action, row.resource
                ),
                vec![],
                true,
            ),
        };
        let w = Witness {
            resource_account: None,
            principal: row.principal.clone(),
            action: row.action.clone(),
            resource: row.resource.clone(),
            context: ctx,
        };
        let locs = if unknown {
            vec![]
        } else {
            decided_locations(ws, a, &w, Effect::Allow)
        };
        out.findings.push(Finding {
            message,
            witness: (!unknown).then_some(w),
            locations: locs,
            unknown,
        });
        if out.findings.len() >= MAX_FINDINGS {
            break;
        }
    }
}

/// A location out of an analysis grant text (`… at FILE:LINE:COL`).
fn location_in(grant: &str) -> Location {
    let (what, place) = grant.rsplit_once(" at ").unwrap_or((grant, ""));
    let mut it = place.rsplitn(3, ':');
    let (col, line, file) = (it.next(), it.next(), it.next());
    match (
        file,
        line.and_then(|l| l.parse().ok()),
        col.and_then(|c| c.parse().ok()),
    ) {
        (Some(f), Some(l), Some(c)) => Location::at(f, l, c, what.to_owned()),
        _ => Location::at(place, 0, 0, what.to_owned()),
    }
}

/// `no-escalation-path`: no path from the principals to an admin node.
pub(crate) fn no_escalation(
    ws: &Workspace,
    a: &Assertion,
    graph: &iamx_graph::PermissionGraph,
) -> Outcome {
    let mut out = Outcome::new();
    let AssertionKind::NoEscalationPath {
        principals,
        except,
        max_len,
    } = &a.kind
    else {
        return out;
    };
    let who = callers(ws, a.cloud, principals, except);
    for p in &who {
        match iamx_analysis::graph::paths(graph, p, None, *max_len, 1) {
            Ok(ps) => {
                if let Some(path) = ps.first() {
                    let steps: Vec<String> = path
                        .steps
                        .iter()
                        .map(|s| {
                            let mut t = format!("{} → {} [{}", s.from, s.to, s.kind);
                            if let Some(perm) = &s.permission {
                                t.push_str(&format!(": {perm}"));
                            }
                            t.push(']');
                            t
                        })
                        .collect();
                    out.findings.push(Finding {
                        message: format!(
                            "{p} reaches admin in {} step(s): {}",
                            path.steps.len(),
                            steps.join("; ")
                        ),
                        witness: None,
                        locations: vec![],
                        unknown: false,
                    });
                }
            }
            // a principal the graph does not hold has no path
            Err(e) => out.notes.push(e),
        }
    }
    out.notes.push(format!("{} principals asked", who.len()));
    out
}

/// `max-permissions`: what the principals can do stays within `allowed`.
pub(crate) fn max_permissions(
    ws: &Workspace,
    a: &Assertion,
    catalog: &iamx_catalog::Catalog,
) -> Outcome {
    let mut out = Outcome::new();
    let AssertionKind::MaxPermissions {
        principals,
        allowed,
    } = &a.kind
    else {
        return out;
    };
    let inp = crate::analysis::Inputs {
        aws: &ws.aws,
        gcp: &ws.gcp,
        azure: &ws.azure,
        catalog,
    };
    let allowed_pats: Vec<Pattern> = allowed.iter().map(|p| glob(p)).collect();
    let who = callers(ws, a.cloud, principals, &[]);
    for p in &who {
        let accesses = match iamx_analysis::what_can(&inp, p, None) {
            Ok(x) => x,
            Err(e) => {
                out.findings.push(Finding::undecided(format!("{p}: {e}")));
                continue;
            }
        };
        for acc in &accesses {
            for act in &acc.actions {
                if allowed_pats.iter().any(|g| g.matches(&act.action)) {
                    continue;
                }
                let cond = if act.conditional {
                    format!(
                        " (conditional: {})",
                        act.condition.as_deref().unwrap_or("a condition")
                    )
                } else {
                    String::new()
                };
                out.findings.push(Finding {
                    message: format!(
                        "{p} can do {} on {}{cond}, outside the allowed list",
                        act.action, acc.resource
                    ),
                    witness: Some(Witness {
                        resource_account: None,
                        principal: p.clone(),
                        action: act.action.clone(),
                        resource: acc.resource.clone(),
                        context: vec![],
                    }),
                    locations: acc.grants.iter().map(|g| location_in(g)).collect(),
                    unknown: false,
                });
                if out.findings.len() >= MAX_FINDINGS {
                    out.notes
                        .push(format!("stopped after {MAX_FINDINGS} failures"));
                    return out;
                }
            }
        }
    }
    out.notes.push(format!("{} principals asked", who.len()));
    out
}
