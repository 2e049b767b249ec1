//! Azure: who-can and what-can over object ids, groups and inherited role
//! assignments; admin-equivalence; escalation techniques.

use crate::{Access, ActionAccess, Inputs, grade};
use iamx_azure::AzureEnvironment;
use iamx_azure::env::RoleAssignment;
use iamx_model::azure::{AzureProgram, RoleSpec, evaluate_azure};
use iamx_model::{Context, Decision, Effect, Request};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;

/// Every object id the inputs name that is not a group.
pub fn principals(env: &AzureEnvironment) -> Vec<String> {
    env.known_principals()
        .into_iter()
        .filter(|p| !env.groups.contains_key(p) && p != iamx_model::azure::ALL_PRINCIPALS)
        .collect()
}

/// The assignments of each object id: built once per question, so a
/// program for one caller only looks at its own (and its groups') assignments.
pub struct Index<'a> {
    env: &'a AzureEnvironment,
    by_principal: HashMap<&'a str, Vec<&'a RoleAssignment>>,
    /// The first assignment of the inputs naming each object id, for an
    /// index of the assignments reaching one scope (`None`: `by_principal`
    /// holds every assignment, in input order): what names a principal in
    /// reports.
    first: Option<HashMap<&'a str, &'a RoleAssignment>>,
}

/// The first assignment naming each object id, in input order.
fn first_assignments(env: &AzureEnvironment) -> HashMap<&str, &RoleAssignment> {
    let mut first: HashMap<&str, &RoleAssignment> = HashMap::new();
    for a in &env.assignments {
        first.entry(a.principal_id.as_str()).or_insert(a);
    }
    first
}

impl<'a> Index<'a> {
    /// Indexes `env`'s assignments by principal.
    pub fn new(env: &'a AzureEnvironment) -> Index<'a> {
        let mut by_principal: HashMap<&str, Vec<&RoleAssignment>> = HashMap::new();
        for a in &env.assignments {
            by_principal
                .entry(a.principal_id.as_str())
                .or_default()
                .push(a);
        }
        Index {
            env,
            by_principal,
            first: None,
        }
    }

    /// Indexes only the assignments that may reach `scope`: enough for
    /// every question about `scope` itself.
    pub fn reaching(env: &'a AzureEnvironment, scope: &str) -> Index<'a> {
        let mut by_principal: HashMap<&str, Vec<&RoleAssignment>> = HashMap::new();
        for a in env.assignments_reaching(scope) {
            by_principal
                .entry(a.principal_id.as_str())
                .or_default()
                .push(a);
        }
        Index {
            env,
            by_principal,
            first: Some(first_assignments(env)),
        }
    }

    /// The first assignment of the inputs naming `id`.
    fn first_of(&self, id: &str) -> Option<&'a RoleAssignment> {
        match &self.first {
            Some(first) => first.get(id).copied(),
            None => self.by_principal.get(id).and_then(|v| v.first().copied()),
        }
    }

    /// `id (name)` when the first assignment naming the principal gives its
    /// name, else `id`.
    pub(crate) fn first_label(&self, id: &str) -> String {
        self.first_of(id)
            .and_then(|a| a.principal_name.as_deref())
            .map_or_else(|| id.to_owned(), |n| format!("{id} ({n})"))
    }

    /// The principal type the first assignment naming it gives, lowercased
    /// (`principal` when none does).
    fn kind_of(&self, id: &str) -> String {
        self.first_of(id)
            .and_then(|a| a.principal_type.as_deref())
            .map_or_else(|| "principal".to_owned(), str::to_ascii_lowercase)
    }

    /// `id (name)` when an assignment names the principal, else `id`.
    pub(crate) fn label(&self, id: &str) -> String {
        self.by_principal
            .get(id)
            .and_then(|v| v.iter().find_map(|a| a.principal_name.as_deref()))
            .map_or_else(|| id.to_owned(), |n| format!("{id} ({n})"))
    }

    /// The caller's identities and the assignments that may grant it anything.
    pub(crate) fn caller(&self, id: &str) -> Caller {
        let ids = self.env.identities(id);
        let own = ids
            .iter()
            .flat_map(|i| self.by_principal.get(i.as_str()).into_iter().flatten())
            .map(|a| (*a).clone())
            .collect();
        (ids, own)
    }
}

/// A caller's identities and the assignments that may grant it anything.
pub(crate) type Caller = (BTreeSet<String>, Vec<RoleAssignment>);

pub(crate) fn request(id: &str, scope: &str) -> Request {
    Request {
        principal: iamx_model::Principal {
            id: id.to_owned(),
            kind: iamx_model::PrincipalKind::User,
            account: None,
            role_arn: None,
            name: None,
            unique_id: None,
        },
        action: String::new(),
        resource: scope.to_owned(),
        resource_account: None,
        context: Context::new(),
    }
}

pub(crate) fn program_of(
    idx: &Index<'_>,
    caller: &Caller,
    id: &str,
    scope: &str,
    data: bool,
) -> (Request, AzureProgram) {
    let req = request(id, scope);
    let prog = idx
        .env
        .program_with(&req, caller.0.clone(), &caller.1, data);
    (req, prog)
}

pub(crate) fn decide(prog: &AzureProgram, req: &Request, op: &str) -> Decision {
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
        if !d.reaches(&prog.identities) {
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
    idx: &Index<'_>,
    id: &str,
    scope: &str,
    action: Option<&str>,
    data_action: Option<bool>,
) -> Option<Access> {
    let env = idx.env;
    let caller = idx.caller(id);
    if caller.1.is_empty() {
        return None;
    }
    let mut acts = Vec::new();
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    let mut run = |data: bool, ops: BTreeSet<String>| {
        let (req, prog) = program_of(idx, &caller, id, scope, data);
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
            let (control, data) = candidates(&program_of(idx, &caller, id, scope, false).1);
            run(false, control);
            run(true, data);
        }
    }
    (!acts.is_empty()).then(|| Access {
        cloud: "azure",
        principal: idx.first_label(id),
        kind: idx.kind_of(id),
        resource: scope.to_owned(),
        actions: acts,
        via: via.into_iter().collect(),
        grants: grants.into_iter().collect(),
    })
}

/// Who can act at an Azure scope.
pub fn who_can(inp: &Inputs<'_>, scope: &str, action: Option<&str>) -> Vec<Access> {
    let env = inp.azure;
    let idx = Index::reaching(env, scope);
    // only callers an assignment reaching the scope names (directly or
    // through a group) can be granted anything there
    let named: BTreeSet<&str> = idx.by_principal.keys().copied().collect();
    if named.is_empty() {
        return Vec::new();
    }
    let everyone = named.contains(iamx_model::azure::ALL_PRINCIPALS);
    principals(env)
        .par_iter()
        .filter(|id| {
            everyone
                || env
                    .identities(id)
                    .iter()
                    .any(|i| named.contains(i.as_str()))
        })
        .filter_map(|id| access_of(&idx, id, scope, action, None))
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
    let idx = Index::new(env);
    Ok(scopes
        .into_par_iter()
        .filter_map(|s| {
            let mut a = access_of(&idx, &id, &s, None, None)?;
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
    let idx = Index::new(env);
    admin_at_with(&idx, &idx.caller(id), id, scope)
}

pub(crate) fn admin_at_with(
    idx: &Index<'_>,
    caller: &Caller,
    id: &str,
    scope: &str,
) -> Option<Option<String>> {
    let (req, prog) = program_of(idx, caller, id, scope, false);
    let mut r = req;
    r.resource = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000a11a",
        scope.trim_end_matches('/')
    );
    grade(&decide(
        &prog,
        &r,
        "Microsoft.Authorization/roleAssignments/write",
    ))
    .map(|(c, w)| if c { w } else { None })
}

/// The operation a Global Administrator calls to become User Access
/// Administrator at `/`.
pub const ELEVATE_ACCESS: &str = "Microsoft.Authorization/elevateAccess/action";
