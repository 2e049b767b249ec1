//! GCP: who-can and what-can over members, groups, inherited bindings and
//! impersonated service accounts; admin-equivalence; escalation techniques.

use crate::escalation::{Grade, and, grade};
use crate::technique::{Effect as TechEffect, TargetKind, Technique};
use crate::{Access, ActionAccess, Inputs};
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
    let project = iamx_gcp::names::account_project(email);
    let project = project
        .as_deref()
        .and_then(|p| p.strip_prefix("projects/"))
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

/// [`program`], with the request keys of `ctx` added (keys the inputs set
/// on the resource stay).
pub fn program_in(
    env: &GcpEnvironment,
    member: &str,
    resource: &str,
    ctx: &Context,
) -> Result<(Request, GcpProgram), String> {
    let (mut req, prog) = program(env, member, resource)?;
    for (k, v) in ctx.iter() {
        req.context.insert(k, v.clone());
    }
    Ok((req, prog))
}

/// Decides `permission` with `req` (its action is overwritten).
pub(crate) fn decide(prog: &GcpProgram, req: &mut Request, permission: &str) -> Decision {
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
        if let Some((conditional, condition)) = crate::grade(&d) {
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
    /// Service account email → the name the inputs attach its policy or
    /// asset under (`projects/ID`, `projects/NUMBER` or `-` in front).
    account_names: HashMap<String, String>,
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
    /// Adds `more`.
    pub fn add(&mut self, more: &Holders) {
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
        let mut account_names: HashMap<String, String> = HashMap::new();
        for key in env.allow.keys().chain(env.asset_types.keys()) {
            let Some((_, id)) = key
                .strip_prefix("//iam.googleapis.com/projects/")
                .and_then(|r| r.rsplit_once("/serviceAccounts/"))
            else {
                continue;
            };
            let email = if id.contains('@') {
                Some(id.to_owned())
            } else {
                env.alias(key)
                    .and_then(|a| a.rsplit('/').next())
                    .filter(|e| e.contains('@'))
                    .map(str::to_owned)
            };
            if let Some(e) = email {
                account_names
                    .entry(e.to_ascii_lowercase())
                    .or_insert_with(|| key.clone());
            }
        }
        Reach {
            env,
            principals,
            by_identity,
            account_names,
        }
    }

    /// The indexes of the service accounts among the principals.
    pub fn service_accounts(&self) -> Vec<usize> {
        (0..self.principals.len())
            .filter(|i| {
                self.principals
                    .get(*i)
                    .is_some_and(|m| m.starts_with("serviceAccount:"))
            })
            .collect()
    }

    /// The resource name of a `serviceAccount:…` member: the one the inputs
    /// use for it, else [`service_account_resource`].
    pub fn account_resource(&self, member: &str) -> Option<String> {
        let email = member.strip_prefix("serviceAccount:")?;
        match self.account_names.get(&email.to_ascii_lowercase()) {
            Some(k) => Some(iamx_gcp::names::full(k)),
            None => service_account_resource(member),
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

/// The permissions of the IAM Credentials API, which a chain of delegates
/// may serve (<https://cloud.google.com/iam/docs/create-short-lived-credentials-delegated>):
/// a service account key is not made through a chain.
const CREDENTIALS_API: [&str; 3] = [
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
];

/// A way a member gets to act as a service account.
#[derive(Clone, Debug)]
pub struct Impersonation {
    /// The member.
    pub from: String,
    /// The `serviceAccount:…` member it acts as.
    pub to: String,
    /// The catalog entry (for a chain, the delegation's).
    pub technique: &'static Technique,
    /// For a chain: the delegates, in order, and the last one's entry.
    pub delegates: Vec<String>,
    /// For a chain: how the last delegate acts as the target.
    pub last: Option<&'static Technique>,
    /// The condition, if any.
    pub condition: Option<String>,
}

impl Impersonation {
    /// The permissions it uses, joined with ` + `.
    pub fn permission(&self) -> String {
        match self.last {
            Some(l) => format!(
                "{} + {}",
                self.technique.permission_text(),
                l.permission_text()
            ),
            None => self.technique.permission_text(),
        }
    }

    /// What it does, in words.
    pub fn text(&self) -> String {
        match (self.last, self.delegates.as_slice()) {
            (Some(l), ds) if !ds.is_empty() => {
                format!("{} through the delegates {}", l.name, ds.join(" → "))
            }
            _ => self.technique.name.clone(),
        }
    }
}

/// One step to a service account (its index), by an entry, under a condition.
type Hop = (usize, &'static Technique, Option<String>);

/// Service accounts each principal can impersonate.
pub fn impersonation_edges(env: &GcpEnvironment) -> Vec<Impersonation> {
    impersonations(&Reach::new(env), None, &Context::new())
}

/// Who can act as the service accounts `only` (every one when `None`), by
/// the catalog's act-as entries on a service account and through chains of
/// delegates: a member with `implicitDelegation` on B may have B's token
/// requests made for it (and B's delegates' in turn); it does not get B's
/// own permissions.
pub fn impersonations(
    reach: &Reach<'_>,
    only: Option<&BTreeSet<String>>,
    ctx: &Context,
) -> Vec<Impersonation> {
    let env = reach.env;
    let Ok(catalog) = crate::technique::gcp() else {
        return Vec::new();
    };
    let entries: Vec<&'static Technique> = catalog
        .iter()
        .filter(|t| {
            matches!(t.effect, TechEffect::ActAs | TechEffect::Delegate)
                && t.target == TargetKind::ServiceAccount
                && t.permissions.iter().all(|p| p.on == "target")
        })
        .collect();
    let perms: Vec<&str> = entries
        .iter()
        .flat_map(|t| t.permissions.iter().map(|p| p.action.as_str()))
        .collect();
    let at = reach.holders_at(Some(&perms));
    let n = reach.principals.len();
    let sas = reach.service_accounts();
    // (caller, service account, entry, condition)
    let direct: Vec<(usize, usize, &'static Technique, Option<String>)> = sas
        .par_iter()
        .flat_map_iter(|&sa| {
            let mut out = Vec::new();
            let Some(sa_m) = reach.principals.get(sa) else {
                return out;
            };
            let Some(res) = reach.account_resource(sa_m) else {
                return out;
            };
            for i in reach.candidates(&at, &res).indices(n) {
                if i == sa {
                    continue;
                }
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                let Ok((mut req, prog)) = program_in(env, m, &res, ctx) else {
                    continue;
                };
                for t in &entries {
                    let mut g: Grade = Some(None);
                    for p in &t.permissions {
                        g = and(g, grade(&decide(&prog, &mut req, &p.action)));
                        if g.is_none() {
                            break;
                        }
                    }
                    if let Some(cond) = g {
                        out.push((i, sa, *t, cond));
                    }
                }
            }
            out
        })
        .collect();
    let name = |i: usize| reach.principals.get(i).cloned().unwrap_or_default();
    let wanted =
        |sa: usize| only.is_none_or(|o| reach.principals.get(sa).is_some_and(|m| o.contains(m)));
    let mut out: Vec<Impersonation> = direct
        .iter()
        .filter(|(_, sa, t, _)| t.effect == TechEffect::ActAs && wanted(*sa))
        .map(|(i, sa, t, cond)| Impersonation {
            from: name(*i),
            to: name(*sa),
            technique: t,
            delegates: Vec::new(),
            last: None,
            condition: cond.clone(),
        })
        .collect();
    // chains: breadth first over the delegation steps from each caller
    let mut delegation: HashMap<usize, Vec<Hop>> = HashMap::new();
    let mut credential: HashMap<usize, Vec<Hop>> = HashMap::new();
    for (i, sa, t, cond) in &direct {
        if t.effect == TechEffect::Delegate {
            delegation
                .entry(*i)
                .or_default()
                .push((*sa, t, cond.clone()));
        } else if t
            .permissions
            .iter()
            .all(|p| CREDENTIALS_API.contains(&p.action.as_str()))
        {
            credential
                .entry(*i)
                .or_default()
                .push((*sa, t, cond.clone()));
        }
    }
    let mut starts: Vec<usize> = delegation.keys().copied().collect();
    starts.sort_unstable();
    for a in starts {
        // delegate → (previous delegate or the caller, entry, condition)
        let mut back: HashMap<usize, (usize, &'static Technique, Option<String>)> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([a]);
        while let Some(b) = queue.pop_front() {
            for (c, t, cond) in delegation.get(&b).into_iter().flatten() {
                if *c == a || back.contains_key(c) {
                    continue;
                }
                back.insert(*c, (b, t, cond.clone()));
                queue.push_back(*c);
            }
        }
        let mut found: BTreeMap<usize, Impersonation> = BTreeMap::new();
        let mut ds: Vec<usize> = back.keys().copied().collect();
        ds.sort_unstable();
        for d in ds {
            // the chain from the caller to d
            let mut chain = vec![d];
            let mut conds: Vec<String> = Vec::new();
            let mut at = d;
            let mut first = None;
            while let Some((prev, t, cond)) = back.get(&at) {
                conds.extend(cond.iter().cloned());
                first = Some(*t);
                if *prev == a {
                    break;
                }
                chain.push(*prev);
                at = *prev;
                if chain.len() > back.len() {
                    break;
                }
            }
            chain.reverse();
            let Some(first) = first else {
                continue;
            };
            for (target, last, cond) in credential.get(&d).into_iter().flatten() {
                if *target == a || !wanted(*target) {
                    continue;
                }
                let all = crate::escalation::join_conditions(
                    conds.iter().cloned().chain(cond.iter().cloned()),
                );
                let better = match found.get(target) {
                    None => true,
                    Some(prev) => {
                        prev.condition.is_some() && all.is_none()
                            || prev.delegates.len() > chain.len()
                    }
                };
                if better {
                    found.insert(
                        *target,
                        Impersonation {
                            from: name(a),
                            to: name(*target),
                            technique: first,
                            delegates: chain.iter().map(|x| name(*x)).collect(),
                            last: Some(*last),
                            condition: all,
                        },
                    );
                }
            }
        }
        out.extend(found.into_values());
    }
    out
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
        for i in impersonations(&reach, Some(&only), &Context::new()) {
            if let Some(sa_access) = by_sa.get(&i.to) {
                out.push(impersonated(&i, sa_access));
            }
        }
    }
    Ok(out)
}

/// The access of a member through a service account it impersonates, that
/// has `sa_access`.
fn impersonated(i: &Impersonation, sa_access: &Access) -> Access {
    Access {
        cloud: "gcp",
        principal: i.from.clone(),
        kind: kind_of(&i.from).to_owned(),
        resource: sa_access.resource.clone(),
        actions: sa_access
            .actions
            .iter()
            .map(|x| x.through(i.condition.as_ref()))
            .collect(),
        via: vec![format!(
            "impersonated service account {} ({})",
            i.to,
            i.permission()
        )],
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
    let imps: Vec<Impersonation> = impersonations(&Reach::new(env), None, &Context::new())
        .into_iter()
        .filter(|i| members.contains(i.from.as_str()))
        .collect();
    targets
        .par_iter()
        .flat_map_iter(|(resource, member)| {
            let mut out: Vec<Access> = access_of(env, member, resource, None).into_iter().collect();
            for i in imps.iter().filter(|i| i.from == *member) {
                if let Some(sa_access) = access_of(env, &i.to, resource, None) {
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
/// (and so grant itself anything there), with the request keys of `ctx`.
/// Returns the condition, if any.
pub fn admin_of(
    env: &GcpEnvironment,
    member: &str,
    container: &str,
    ctx: &Context,
) -> Option<Option<String>> {
    let full = iamx_gcp::names::full(container);
    let (mut req, prog) = program_in(env, member, &full, ctx).ok()?;
    grade(&decide(
        &prog,
        &mut req,
        set_iam_policy_permission(container),
    ))
}
