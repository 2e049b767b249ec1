//! GCP: who-can and what-can over members, groups, inherited bindings and
//! impersonated service accounts; admin-equivalence; escalation techniques.

use crate::{Access, ActionAccess, Inputs, grade};
use iamx_gcp::GcpEnvironment;
use iamx_model::gcp::{GcpProgram, RoleGrant, evaluate_gcp};
use iamx_model::{Context, Decision, Effect, Request};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Every principal the inputs name that is not a group: members of bindings,
/// members of groups, and service accounts.
pub fn principals(env: &GcpEnvironment) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut add = |m: &str| {
        if !m.starts_with("group:")
            && !m.starts_with("deleted:")
            && !m.starts_with("projectOwner:")
            && !m.starts_with("projectEditor:")
            && !m.starts_with("projectViewer:")
        {
            out.insert(m.to_owned());
        }
    };
    for pols in env.allow.values() {
        for p in pols {
            for b in &p.bindings {
                b.members.iter().for_each(|m| add(m));
            }
        }
    }
    for g in env.groups.values() {
        g.members.iter().for_each(|m| add(m));
    }
    out.into_iter().collect()
}

fn kind_of(member: &str) -> &'static str {
    match member.split(':').next().unwrap_or_default() {
        "user" => "user",
        "serviceAccount" => "service-account",
        "domain" => "domain",
        _ if member == "allUsers" => "public",
        _ if member == "allAuthenticatedUsers" => "any-google-account",
        _ => "principal",
    }
}

/// The full resource name of a service account.
pub fn service_account_resource(member: &str) -> Option<String> {
    let email = member.strip_prefix("serviceAccount:")?;
    let project = email
        .split_once('@')
        .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
        .unwrap_or("-");
    Some(format!(
        "//iam.googleapis.com/projects/{project}/serviceAccounts/{email}"
    ))
}

/// Builds the request and program for `member` on `resource` (permission filled later).
pub fn program(
    env: &GcpEnvironment,
    member: &str,
    resource: &str,
) -> Result<(Request, GcpProgram), String> {
    iamx_gcp::build_request(
        env,
        member,
        "resourcemanager.projects.get",
        resource,
        Context::new(),
    )
}

fn decide(prog: &GcpProgram, req: &Request, permission: &str) -> Decision {
    let mut r = req.clone();
    r.action = permission.to_owned();
    evaluate_gcp(prog, &r)
}

/// Whether `permission` may apply to `resource` (its service): resource
/// manager containers take every permission.
fn applies(permission: &str, resource: &str) -> bool {
    let host = resource
        .strip_prefix("//")
        .and_then(|r| r.split('/').next())
        .unwrap_or("cloudresourcemanager.googleapis.com");
    let svc = host.strip_suffix(".googleapis.com").unwrap_or(host);
    svc == "cloudresourcemanager" || permission.split('.').next() == Some(svc)
}

fn candidates(prog: &GcpProgram, resource: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for b in &prog.bindings {
        if !b.members.iter().any(|m| prog.identities.contains(m)) {
            continue;
        }
        if let RoleGrant::Permissions(perms) = &b.grant {
            out.extend(perms.iter().filter(|p| applies(p, resource)).cloned());
        }
    }
    out
}

fn chains(
    prog: &GcpProgram,
    member: &str,
    resource: &str,
    d: &Decision,
) -> (Vec<String>, Vec<String>) {
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    let own = iamx_gcp::names::canon(resource);
    for h in &d.explanation.statements {
        if h.effect != Effect::Allow {
            continue;
        }
        let Some(b) = prog
            .bindings
            .iter()
            .find(|b| Arc::ptr_eq(&b.origin, &h.origin))
        else {
            continue;
        };
        grants.insert(format!("{} on {} ({})", b.role, b.attached_to, h.origin));
        if b.attached_to != own && b.attached_to != resource {
            via.insert(format!("inherited from {}", b.attached_to));
        }
        if b.members.iter().any(|m| m == member) {
            via.insert("direct".to_owned());
        } else {
            for m in b.members.iter().filter(|m| prog.identities.contains(*m)) {
                via.insert(if m.starts_with("group:") {
                    format!("group {m}")
                } else {
                    format!("as {m}")
                });
            }
        }
    }
    (via.into_iter().collect(), grants.into_iter().collect())
}

fn access_of(
    env: &GcpEnvironment,
    member: &str,
    resource: &str,
    action: Option<&str>,
) -> Option<Access> {
    let (req, prog) = program(env, member, resource).ok()?;
    let perms: BTreeSet<String> = match action {
        Some(a) => std::iter::once(a.to_owned()).collect(),
        None => candidates(&prog, resource),
    };
    let mut acts = Vec::new();
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    for perm in perms {
        let d = decide(&prog, &req, &perm);
        if let Some((conditional, condition)) = grade(&d) {
            let (v, g) = chains(&prog, member, resource, &d);
            via.extend(v);
            grants.extend(g);
            acts.push(ActionAccess {
                action: perm,
                conditional,
                condition,
            });
        }
    }
    (!acts.is_empty()).then(|| Access {
        cloud: "gcp",
        principal: member.to_owned(),
        kind: kind_of(member).to_owned(),
        resource: req.resource.clone(),
        actions: acts,
        via: via.into_iter().collect(),
        grants: grants.into_iter().collect(),
    })
}

/// The members of bindings whose role grants one of `perms` (a cheap
/// pre-filter: only their holders are asked the evaluator).
fn holders(env: &GcpEnvironment, perms: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for pols in env.allow.values() {
        for b in pols.iter().flat_map(|p| p.bindings.iter()) {
            let grants = match env.grant(&b.role) {
                RoleGrant::Permissions(p) => perms.iter().any(|x| p.contains(*x)),
                RoleGrant::Unknown(_) => true,
                RoleGrant::Nothing(_) => false,
            };
            if grants {
                out.extend(b.members.iter().cloned());
            }
        }
    }
    out
}

/// Whether `member`, through any of the identities a binding can name it by
/// (itself, its groups, its domain, everyone, their `principal://` forms),
/// is among `holders`.
fn may_hold(env: &GcpEnvironment, member: &str, holders: &BTreeSet<String>) -> bool {
    let groups = env.groups_of(member);
    let caller = iamx_gcp::Caller::new(member, &groups, true);
    caller.v1.iter().any(|i| holders.contains(i))
}

const IMPERSONATE: [&str; 5] = [
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccountKeys.create",
];

/// Service accounts each principal can impersonate: (member, service account
/// member, permission, condition).
pub fn impersonation_edges(env: &GcpEnvironment) -> Vec<(String, String, String, Option<String>)> {
    let ps = principals(env);
    let sas: Vec<String> = ps
        .iter()
        .filter(|m| m.starts_with("serviceAccount:"))
        .cloned()
        .collect();
    let can_impersonate = holders(env, &IMPERSONATE);
    ps.par_iter()
        .filter(|m| may_hold(env, m, &can_impersonate))
        .flat_map_iter(|m| {
            let mut out = Vec::new();
            for sa in &sas {
                if sa == m {
                    continue;
                }
                let Some(res) = service_account_resource(sa) else {
                    continue;
                };
                let Ok((req, prog)) = program(env, m, &res) else {
                    continue;
                };
                for perm in IMPERSONATE {
                    if let Some((c, why)) = grade(&decide(&prog, &req, perm)) {
                        out.push((
                            m.clone(),
                            sa.clone(),
                            perm.to_owned(),
                            if c { why } else { None },
                        ));
                        break;
                    }
                }
            }
            out
        })
        .collect()
}

/// Who can act on a GCP resource: members directly or through groups, with
/// grants inherited from ancestors, and through impersonated service accounts.
pub fn who_can(
    inp: &Inputs<'_>,
    resource: &str,
    action: Option<&str>,
) -> Result<Vec<Access>, String> {
    let env = inp.gcp;
    iamx_gcp::full_resource_name(resource)?;
    let ps = principals(env);
    let mut out: Vec<Access> = ps
        .par_iter()
        .filter_map(|m| access_of(env, m, resource, action))
        .collect();
    let by_sa: BTreeMap<String, Access> = out
        .iter()
        .filter(|a| a.kind == "service-account")
        .map(|a| (a.principal.clone(), a.clone()))
        .collect();
    if !by_sa.is_empty() {
        for (m, sa, perm, cond) in impersonation_edges(env) {
            let Some(sa_access) = by_sa.get(&sa) else {
                continue;
            };
            out.push(Access {
                cloud: "gcp",
                principal: m.clone(),
                kind: kind_of(&m).to_owned(),
                resource: sa_access.resource.clone(),
                actions: sa_access
                    .actions
                    .iter()
                    .map(|x| ActionAccess {
                        action: x.action.clone(),
                        conditional: x.conditional || cond.is_some(),
                        condition: x.condition.clone().or_else(|| cond.clone()),
                    })
                    .collect(),
                via: vec![format!("impersonated service account {sa} ({perm})")],
                grants: sa_access.grants.clone(),
            });
        }
    }
    Ok(out)
}

/// Everything a GCP member can reach: for each resource with a binding naming
/// it (or one of its groups, its domain, everyone), the permissions there,
/// decided on that resource (and so inherited by what lies under it).
pub fn what_can(
    inp: &Inputs<'_>,
    member: &str,
    service: Option<&str>,
) -> Result<Vec<Access>, String> {
    let env = inp.gcp;
    let mut ids: BTreeSet<String> = env.groups_of(member).into_iter().collect();
    ids.insert(member.to_owned());
    ids.insert("allUsers".into());
    ids.insert("allAuthenticatedUsers".into());
    if let Some(d) = member
        .strip_prefix("user:")
        .and_then(|e| e.split_once('@'))
        .map(|(_, d)| d)
    {
        ids.insert(format!("domain:{d}"));
    }
    let mut targets = BTreeSet::new();
    for (res, pols) in &env.allow {
        if pols.iter().any(|p| {
            p.bindings
                .iter()
                .any(|b| b.members.iter().any(|m| ids.contains(m)))
        }) {
            targets.insert(res.clone());
        }
    }
    let out = targets
        .into_par_iter()
        .filter_map(|res| {
            let full = iamx_gcp::names::full(&res);
            let mut a = access_of(env, member, &full, None)?;
            if let Some(s) = service {
                a.actions.retain(|x| x.action.split('.').next() == Some(s));
            }
            (!a.actions.is_empty()).then_some(a)
        })
        .collect();
    Ok(out)
}

/// The containers (organizations, folders, projects) the inputs hold policies for.
pub fn containers(env: &GcpEnvironment) -> Vec<String> {
    env.allow
        .keys()
        .chain(env.parents.keys())
        .chain(env.parents.values())
        .filter(|k| {
            k.starts_with("organizations/")
                || k.starts_with("folders/")
                || k.starts_with("projects/")
        })
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The `setIamPolicy` permission of a container.
pub fn set_iam_policy_permission(container: &str) -> &'static str {
    if container.starts_with("organizations/") {
        "resourcemanager.organizations.setIamPolicy"
    } else if container.starts_with("folders/") {
        "resourcemanager.folders.setIamPolicy"
    } else {
        "resourcemanager.projects.setIamPolicy"
    }
}

/// Admin-equivalence: `member` may change the IAM policy of `container`
/// (and so grant itself anything there). Returns the condition, if any.
pub fn admin_of(env: &GcpEnvironment, member: &str, container: &str) -> Option<Option<String>> {
    let full = iamx_gcp::names::full(container);
    let (req, prog) = program(env, member, &full).ok()?;
    grade(&decide(&prog, &req, set_iam_policy_permission(container)))
        .map(|(c, w)| if c { w } else { None })
}

/// An escalation step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Escalation {
    /// Who escalates.
    pub from: String,
    /// The service account gained, or `admin:<container>`.
    pub to: String,
    /// The enabling permission(s).
    pub permission: String,
    /// The technique.
    pub technique: String,
    /// The condition, if any.
    pub condition: Option<String>,
}

const ACT_AS_RUNNERS: [(&str, &str); 4] = [
    (
        "compute.instances.create",
        "run a VM as the service account",
    ),
    (
        "cloudfunctions.functions.create",
        "deploy a Cloud Function as the service account",
    ),
    (
        "run.services.create",
        "deploy a Cloud Run service as the service account",
    ),
    (
        "cloudbuild.builds.create",
        "run a Cloud Build as the service account",
    ),
];

/// Escalation steps of DESIGN §3 (GCP) for every principal.
pub fn escalations(env: &GcpEnvironment) -> Vec<Escalation> {
    let mut out: Vec<Escalation> = impersonation_edges(env)
        .into_iter()
        .map(|(from, to, permission, condition)| Escalation {
            technique: if permission == "iam.serviceAccountKeys.create" {
                "create a key for the service account".into()
            } else {
                "impersonate the service account".into()
            },
            from,
            to,
            permission,
            condition,
        })
        .collect();
    let ps = principals(env);
    let sas: Vec<&String> = ps
        .iter()
        .filter(|m| m.starts_with("serviceAccount:"))
        .collect();
    let projects: Vec<String> = containers(env)
        .into_iter()
        .filter(|c| c.starts_with("projects/"))
        .collect();
    let act_as = holders(env, &["iam.serviceAccounts.actAs"]);
    let set_policy = holders(
        env,
        &[
            "resourcemanager.organizations.setIamPolicy",
            "resourcemanager.folders.setIamPolicy",
            "resourcemanager.projects.setIamPolicy",
        ],
    );
    let all_containers = containers(env);
    let more: Vec<Escalation> = ps
        .par_iter()
        .flat_map_iter(|m| {
            let mut v = Vec::new();
            let acts_as = may_hold(env, m, &act_as);
            for sa in sas.iter().filter(|_| acts_as) {
                if *sa == m {
                    continue;
                }
                let Some(res) = service_account_resource(sa) else {
                    continue;
                };
                let Ok((req, prog)) = program(env, m, &res) else {
                    continue;
                };
                let Some((c1, w1)) = grade(&decide(&prog, &req, "iam.serviceAccounts.actAs"))
                else {
                    continue;
                };
                for p in &projects {
                    let full = iamx_gcp::names::full(p);
                    let Ok((preq, pprog)) = program(env, m, &full) else {
                        continue;
                    };
                    for (perm, tech) in ACT_AS_RUNNERS {
                        if let Some((c2, w2)) = grade(&decide(&pprog, &preq, perm)) {
                            v.push(Escalation {
                                from: m.clone(),
                                to: (*sa).clone(),
                                permission: format!("iam.serviceAccounts.actAs + {perm}"),
                                technique: tech.to_owned(),
                                condition: if c1 || c2 { w1.clone().or(w2) } else { None },
                            });
                        }
                    }
                }
            }
            for c in all_containers
                .iter()
                .filter(|_| may_hold(env, m, &set_policy))
            {
                if let Some(cond) = admin_of(env, m, c) {
                    v.push(Escalation {
                        from: m.clone(),
                        to: format!("admin:{c}"),
                        permission: set_iam_policy_permission(c).to_owned(),
                        technique: "grant oneself any role on the container".to_owned(),
                        condition: cond,
                    });
                }
            }
            v
        })
        .collect();
    out.extend(more);
    out.sort();
    out.dedup();
    out
}
