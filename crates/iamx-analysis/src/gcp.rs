//! GCP: who-can and what-can over members, groups, inherited bindings and
//! impersonated service accounts; admin-equivalence; escalation techniques.

use crate::{Access, ActionAccess, Inputs, grade};
use iamx_gcp::GcpEnvironment;
use iamx_model::gcp::{GcpProgram, RoleGrant, evaluate_gcp};
use iamx_model::{Context, Decision, Effect, Request};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// Builds the request and program for `member` on `resource` (permission
/// filled later). The program keeps only the bindings naming one of the
/// caller's identities: the evaluator passes over the others without a
/// note, so every decision is the same, and the many permissions asked of
/// one program each read a handful of bindings instead of every binding on
/// the resource's chain.
pub fn program(
    env: &GcpEnvironment,
    member: &str,
    resource: &str,
) -> Result<(Request, GcpProgram), String> {
    let (req, mut prog) = iamx_gcp::build_request(
        env,
        member,
        "resourcemanager.projects.get",
        resource,
        Context::new(),
    )?;
    // a handful of identities: a scan with `==` (lengths first) beats the
    // set's ordered comparisons on the many members of a project's bindings
    let ids: Vec<&str> = prog.identities.iter().map(String::as_str).collect();
    prog.bindings
        .retain(|b| b.members.iter().any(|m| ids.contains(&m.as_str())));
    Ok((req, prog))
}

/// Decides `permission` with `req` (its action is overwritten).
fn decide(prog: &GcpProgram, req: &mut Request, permission: &str) -> Decision {
    permission.clone_into(&mut req.action);
    evaluate_gcp(prog, req)
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
    let (mut req, prog) = program(env, member, resource).ok()?;
    let perms: BTreeSet<String> = match action {
        Some(a) => std::iter::once(a.to_owned()).collect(),
        None => candidates(&prog, resource),
    };
    let mut acts = Vec::new();
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    for perm in perms {
        let d = decide(&prog, &mut req, &perm);
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

/// Who may hold which permission where, read off the bindings: the pre-filter
/// of every GCP question that would otherwise ask the evaluator about every
/// (principal, target) pair. It may over-include (the evaluator decides each
/// candidate), never leave out: a binding can only allow a caller it names
/// (itself, a group, its domain, everyone, a `principal://` form), and a
/// member form the caller's identity sets cannot show
/// (`principalSet://…`, `projectOwner:…`, unknown identifiers) counts as
/// naming everyone.
pub struct Reach<'a> {
    env: &'a GcpEnvironment,
    /// [`principals`], in order.
    pub principals: Vec<String>,
    by_identity: HashMap<String, Vec<usize>>,
}

/// Principals, as indices into [`Reach::principals`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Holders {
    /// Nobody.
    #[default]
    None,
    /// These.
    Some(BTreeSet<usize>),
    /// Possibly anyone.
    All,
}

impl Holders {
    fn add(&mut self, more: &Holders) {
        match more {
            Holders::None => {}
            Holders::All => *self = Holders::All,
            Holders::Some(b) => match self {
                Holders::All => {}
                Holders::Some(a) => a.extend(b),
                Holders::None => *self = Holders::Some(b.clone()),
            },
        }
    }

    /// Whether principal `i` may be among them.
    pub fn contains(&self, i: usize) -> bool {
        match self {
            Holders::None => false,
            Holders::Some(s) => s.contains(&i),
            Holders::All => true,
        }
    }

    /// The indices, given how many principals there are.
    pub fn indices(&self, n: usize) -> Vec<usize> {
        match self {
            Holders::None => Vec::new(),
            Holders::Some(s) => s.iter().copied().collect(),
            Holders::All => (0..n).collect(),
        }
    }
}

/// For each key policies are attached under: who may hold the permissions asked.
pub type HoldersAt = HashMap<String, Holders>;

impl<'a> Reach<'a> {
    /// Indexes the principals of `env` by every identity a binding may name them by.
    pub fn new(env: &'a GcpEnvironment) -> Reach<'a> {
        let principals = principals(env);
        let ids: Vec<Vec<String>> = principals
            .par_iter()
            .map(|m| {
                let groups = env.groups_of(m);
                iamx_gcp::Caller::new(m, &groups, true)
                    .v1
                    .into_iter()
                    .collect()
            })
            .collect();
        let mut by_identity: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, list) in ids.into_iter().enumerate() {
            for id in list {
                by_identity.entry(id).or_default().push(i);
            }
        }
        Reach {
            env,
            principals,
            by_identity,
        }
    }

    /// The principals a binding member may denote.
    pub fn denoted(&self, member: &str) -> Holders {
        let n = iamx_gcp::member::normalize(member);
        if let Some(list) = self.by_identity.get(&n) {
            return Holders::Some(list.iter().copied().collect());
        }
        use iamx_gcp::member::MemberKind as K;
        match iamx_gcp::member::member_kind(&n) {
            K::User
            | K::Group
            | K::ServiceAccount
            | K::Domain
            | K::AllUsers
            | K::AllAuthenticatedUsers
            | K::Deleted
            | K::Principal => Holders::None,
            _ => Holders::All,
        }
    }

    /// Who may hold one of `perms` (any permission at all for `None`), per
    /// key the bindings are attached under.
    pub fn holders_at(&self, perms: Option<&[&str]>) -> HoldersAt {
        let mut out: HoldersAt = HashMap::new();
        let mut grants: HashMap<&str, bool> = HashMap::new();
        for (key, pols) in &self.env.allow {
            for b in pols.iter().flat_map(|p| p.bindings.iter()) {
                let relevant = *grants.entry(b.role.as_str()).or_insert_with(|| {
                    match self.env.grant(&b.role) {
                        RoleGrant::Permissions(p) => match perms {
                            Some(want) => want.iter().any(|x| p.contains(*x)),
                            None => !p.is_empty(),
                        },
                        RoleGrant::Unknown(_) => true,
                        RoleGrant::Nothing(_) => false,
                    }
                });
                if !relevant {
                    continue;
                }
                let at = out.entry(key.clone()).or_default();
                for m in &b.members {
                    at.add(&self.denoted(m));
                }
            }
        }
        out
    }

    /// The keys whose bindings may take part in a decision on `resource`:
    /// the resource, its ancestors (in every spelling), and, when the
    /// ancestors are not known to their end, every container it may be under.
    pub fn keys_of(&self, resource: &str) -> Vec<String> {
        let t = self.env.target(resource, None);
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for c in &t.chain {
            keys.insert(c.clone());
            if let Some(a) = self.env.alias(c) {
                keys.insert(a.to_owned());
            }
            let rel = iamx_gcp::names::relative(c);
            if !rel.is_empty() {
                keys.insert(rel.to_owned());
            }
        }
        if !t.complete() {
            keys.extend(self.env.allow.keys().filter(|k| t.may_be_under(k)).cloned());
        }
        keys.into_iter().collect()
    }

    /// Who may hold the permissions of `at` on `resource`.
    pub fn candidates(&self, at: &HoldersAt, resource: &str) -> Holders {
        let mut out = Holders::None;
        for k in self.keys_of(resource) {
            if let Some(h) = at.get(&k) {
                out.add(h);
            }
        }
        out
    }
}

const IMPERSONATE: [&str; 5] = [
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccountKeys.create",
];

/// An impersonation edge: (member, service account member, permission, condition).
pub type Impersonation = (String, String, String, Option<String>);

/// Service accounts each principal can impersonate.
pub fn impersonation_edges(env: &GcpEnvironment) -> Vec<Impersonation> {
    impersonations(&Reach::new(env), None)
}

/// Who can impersonate the service accounts `only` (every one when `None`).
fn impersonations(reach: &Reach<'_>, only: Option<&BTreeSet<String>>) -> Vec<Impersonation> {
    let env = reach.env;
    let at = reach.holders_at(Some(&IMPERSONATE));
    let n = reach.principals.len();
    let sas: Vec<&String> = reach
        .principals
        .iter()
        .filter(|m| m.starts_with("serviceAccount:") && only.is_none_or(|o| o.contains(*m)))
        .collect();
    sas.par_iter()
        .flat_map_iter(|sa| {
            let mut out = Vec::new();
            let Some(res) = service_account_resource(sa) else {
                return out;
            };
            for i in reach.candidates(&at, &res).indices(n) {
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                if m == *sa {
                    continue;
                }
                let Ok((mut req, prog)) = program(env, m, &res) else {
                    continue;
                };
                for perm in IMPERSONATE {
                    if let Some((c, why)) = grade(&decide(&prog, &mut req, perm)) {
                        out.push((
                            m.clone(),
                            (*sa).clone(),
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
    let full = iamx_gcp::full_resource_name(resource)?;
    let reach = Reach::new(env);
    let wanted = action.map(|a| [a]);
    let at = reach.holders_at(wanted.as_ref().map(|w| w.as_slice()));
    let candidates = reach.candidates(&at, &full).indices(reach.principals.len());
    let mut out: Vec<Access> = candidates
        .par_iter()
        .filter_map(|i| reach.principals.get(*i))
        .filter_map(|m| access_of(env, m, resource, action))
        .collect();
    let by_sa: BTreeMap<String, Access> = out
        .iter()
        .filter(|a| a.kind == "service-account")
        .map(|a| (a.principal.clone(), a.clone()))
        .collect();
    if !by_sa.is_empty() {
        let only: BTreeSet<String> = by_sa.keys().cloned().collect();
        for i in impersonations(&reach, Some(&only)) {
            if let Some(sa_access) = by_sa.get(&i.1) {
                out.push(impersonated(&i, sa_access));
            }
        }
    }
    Ok(out)
}

/// The access of `m` through service account `sa` (impersonated with
/// `perm`, under `cond`) that has `sa_access`.
fn impersonated((m, sa, perm, cond): &Impersonation, sa_access: &Access) -> Access {
    Access {
        cloud: "gcp",
        principal: m.clone(),
        kind: kind_of(m).to_owned(),
        resource: sa_access.resource.clone(),
        actions: sa_access
            .actions
            .iter()
            .map(|x| x.through(cond.as_ref()))
            .collect(),
        via: vec![format!("impersonated service account {sa} ({perm})")],
        grants: sa_access.grants.clone(),
    }
}

/// [`who_can`] at each `(resource, member)` of `targets`, for that member
/// only (the public members of the audit): its own access there, and what
/// it reaches there through the service accounts it can impersonate;
/// without asking about every other principal of the inputs.
pub fn access_of_members(inp: &Inputs<'_>, targets: &[(String, String)]) -> Vec<Access> {
    let env = inp.gcp;
    if targets.is_empty() {
        return Vec::new();
    }
    let members: BTreeSet<&str> = targets.iter().map(|(_, m)| m.as_str()).collect();
    let imps: Vec<Impersonation> = impersonations(&Reach::new(env), None)
        .into_iter()
        .filter(|i| members.contains(i.0.as_str()))
        .collect();
    targets
        .par_iter()
        .flat_map_iter(|(resource, member)| {
            let mut out: Vec<Access> = access_of(env, member, resource, None).into_iter().collect();
            for i in imps.iter().filter(|i| i.0 == *member) {
                if let Some(sa_access) = access_of(env, &i.1, resource, None) {
                    out.push(impersonated(i, &sa_access));
                }
            }
            out
        })
        .collect()
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
    let (mut req, prog) = program(env, member, &full).ok()?;
    grade(&decide(
        &prog,
        &mut req,
        set_iam_policy_permission(container),
    ))
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
    let reach = Reach::new(env);
    let n = reach.principals.len();
    let mut out: Vec<Escalation> = impersonations(&reach, None)
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
    let name = |i: usize| reach.principals.get(i);

    // actAs on a service account + a way to run code as it in some project
    let act_as_at = reach.holders_at(Some(&["iam.serviceAccounts.actAs"]));
    let sas: Vec<&String> = reach
        .principals
        .iter()
        .filter(|m| m.starts_with("serviceAccount:"))
        .collect();
    let act_as: Vec<(usize, &String, bool, Option<String>)> = sas
        .par_iter()
        .flat_map_iter(|sa| {
            let mut v = Vec::new();
            let Some(res) = service_account_resource(sa) else {
                return v;
            };
            for i in reach.candidates(&act_as_at, &res).indices(n) {
                let Some(m) = name(i).filter(|m| m != sa) else {
                    continue;
                };
                let Ok((mut req, prog)) = program(env, m, &res) else {
                    continue;
                };
                if let Some((c, w)) = grade(&decide(&prog, &mut req, "iam.serviceAccounts.actAs")) {
                    v.push((i, *sa, c, w));
                }
            }
            v
        })
        .collect();
    let runner_perms: Vec<&str> = ACT_AS_RUNNERS.iter().map(|(p, _)| *p).collect();
    let run_at = reach.holders_at(Some(&runner_perms));
    let projects: Vec<(String, Holders)> = containers(env)
        .into_iter()
        .filter(|c| c.starts_with("projects/"))
        .map(|p| {
            let full = iamx_gcp::names::full(&p);
            let h = reach.candidates(&run_at, &full);
            (full, h)
        })
        .collect();
    let callers: BTreeSet<usize> = act_as.iter().map(|(i, ..)| *i).collect();
    // per caller and runner permission: the best grade over the projects
    // (unconditional first)
    let runs: HashMap<usize, Vec<(usize, bool, Option<String>)>> = callers
        .into_par_iter()
        .map(|i| {
            let mut best: Vec<(usize, bool, Option<String>)> = Vec::new();
            let Some(m) = name(i) else {
                return (i, best);
            };
            for (full, _) in projects.iter().filter(|(_, h)| h.contains(i)) {
                let Ok((mut req, prog)) = program(env, m, full) else {
                    continue;
                };
                for (k, perm) in runner_perms.iter().enumerate() {
                    let Some((c, w)) = grade(&decide(&prog, &mut req, perm)) else {
                        continue;
                    };
                    match best.iter_mut().find(|(j, ..)| *j == k) {
                        Some(b) if b.1 && !c => *b = (k, c, w),
                        Some(_) => {}
                        None => best.push((k, c, w)),
                    }
                }
            }
            (i, best)
        })
        .collect();
    for (i, sa, c1, w1) in &act_as {
        let (Some(m), Some(best)) = (name(*i), runs.get(i)) else {
            continue;
        };
        for (k, c2, w2) in best {
            let Some((perm, tech)) = ACT_AS_RUNNERS.get(*k) else {
                continue;
            };
            out.push(Escalation {
                from: m.clone(),
                to: (*sa).clone(),
                permission: format!("iam.serviceAccounts.actAs + {perm}"),
                technique: (*tech).to_owned(),
                condition: if *c1 || *c2 {
                    w1.clone().or_else(|| w2.clone())
                } else {
                    None
                },
            });
        }
    }

    // setIamPolicy on a container: grant oneself anything there
    let set_at = reach.holders_at(Some(&[
        "resourcemanager.organizations.setIamPolicy",
        "resourcemanager.folders.setIamPolicy",
        "resourcemanager.projects.setIamPolicy",
    ]));
    let all_containers = containers(env);
    let admins: Vec<Escalation> = all_containers
        .par_iter()
        .flat_map_iter(|c| {
            let full = iamx_gcp::names::full(c);
            let mut v = Vec::new();
            for i in reach.candidates(&set_at, &full).indices(n) {
                let Some(m) = name(i) else {
                    continue;
                };
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
    out.extend(admins);
    out.extend(role_updates(&reach));
    out.sort();
    out.dedup();
    out
}

/// `iam.roles.update` on a custom role bound to oneself: add any permission
/// to it, and so hold anything where it is bound.
fn role_updates(reach: &Reach<'_>) -> Vec<Escalation> {
    let env = reach.env;
    let n = reach.principals.len();
    let update_at = reach.holders_at(Some(&["iam.roles.update"]));
    // custom role → (where it is bound, who it is bound to)
    let mut bound: BTreeMap<&str, Vec<(&str, Holders)>> = BTreeMap::new();
    for (key, pols) in &env.allow {
        for b in pols.iter().flat_map(|p| p.bindings.iter()) {
            if !(b.role.starts_with("projects/") || b.role.starts_with("organizations/")) {
                continue;
            }
            let mut who = Holders::None;
            for m in &b.members {
                who.add(&reach.denoted(m));
            }
            bound.entry(b.role.as_str()).or_default().push((key, who));
        }
    }
    bound
        .into_par_iter()
        .flat_map_iter(|(role, places)| {
            let mut v = Vec::new();
            let full = format!("//iam.googleapis.com/{role}");
            let updaters = reach.candidates(&update_at, &full);
            for i in updaters.indices(n) {
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                let mine: Vec<&str> = places
                    .iter()
                    .filter(|(_, who)| who.contains(i))
                    .map(|(k, _)| *k)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let Ok((mut req, prog)) = program(env, m, &full) else {
                    continue;
                };
                let Some((c, w)) = grade(&decide(&prog, &mut req, "iam.roles.update")) else {
                    continue;
                };
                for k in mine {
                    v.push(Escalation {
                        from: m.clone(),
                        to: format!("admin:{k}"),
                        permission: "iam.roles.update".to_owned(),
                        technique: format!(
                            "add any permission to the custom role {role}, bound to oneself"
                        ),
                        condition: if c { w.clone() } else { None },
                    });
                }
            }
            v
        })
        .collect()
}
