//! Azure: the technique catalog (`data/escalation/azure.json`) interpreted
//! over an RBAC and Entra export. Every operation an entry needs is decided
//! by the concrete evaluator for the caller where the entry says it applies:
//!
//! - a role-assignment write at one of the caller's assignment scopes makes
//!   it an administrator there only if it may assign, to itself, a role that
//!   can itself assign roles: the write is decided with the assignment
//!   condition's `@Request[…:RoleDefinitionId]` and `@Request[…:PrincipalId]`
//!   set to each such role and to the caller;
//! - a custom-role write does only when a custom role is assigned to the
//!   caller at or above the scope;
//! - the resources the inputs list run the caller's code with their managed
//!   identities (reach existing), and a user-assigned identity the caller may
//!   assign goes onto a VM or app it may write (run code as);
//! - Entra directory roles: a Global Administrator elevates to User Access
//!   Administrator at `/`, a Privileged Role Administrator assigns itself
//!   Global Administrator first; a Privileged Authentication Administrator
//!   signs in as any user, an (Cloud) Application Administrator as any
//!   application's service principal.

use super::{Admin, Facts, Grade, Grant, Options, Step, StepTo, TargetSet, and, grade, or};
use crate::azure::{Caller, Index, decide, principals, program_of};
use crate::technique::{self, Effect, Precondition, TargetKind, Technique};
use iamx_azure::AzureEnvironment;
use iamx_model::azure::{AzureProgram, scope_covers};
use iamx_model::{Context, Request, Value};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// Built-in roles that may assign any role: Owner, User Access
/// Administrator, Role Based Access Control Administrator
/// (<https://learn.microsoft.com/azure/role-based-access-control/built-in-roles>).
const ASSIGNING_ROLES: [&str; 3] = [
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
];

const ASSIGN: &str = "Microsoft.Authorization/roleAssignments/write";
const ROLE_DEFINITION_ID: &str =
    "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]";
const PRINCIPAL_ID: &str = "@Request[Microsoft.Authorization/roleAssignments:PrincipalId]";

/// The request keys every question is asked with: the user's, and the
/// present time as `@Environment[UtcNow]`.
fn context(opts: &Options) -> Context {
    opts.context_on(
        Context::new(),
        &[("@Environment[UtcNow]", super::Clock::Date)],
    )
}

fn with_context(mut req: Request, ctx: &Context) -> Request {
    for (k, v) in ctx.iter() {
        if req.context.get(k).is_none() {
            req.context.insert(k, v.clone());
        }
    }
    req
}

/// The roles of the inputs that may grant a role-assignment write, and the
/// built-in ones that do.
fn assigning_roles(env: &AzureEnvironment) -> Vec<String> {
    let mut out: BTreeSet<String> = ASSIGNING_ROLES.iter().map(|g| (*g).to_owned()).collect();
    for (guid, def) in &env.roles {
        let blocks = def
            .blocks
            .iter()
            .chain(def.conditional.iter().flat_map(|c| c.block.iter()));
        for b in blocks {
            if b.actions.iter().any(|p| p.matches(ASSIGN))
                && !b.not_actions.iter().any(|p| p.matches(ASSIGN))
            {
                out.insert(guid.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// The Azure escalation facts of `env`.
pub fn facts(env: &AzureEnvironment, opts: &Options) -> Result<Facts, String> {
    let catalog = technique::azure().map_err(str::to_owned)?;
    let ctx = context(opts);
    let idx = Index::new(env);
    let takeover = Takeover::new(env, catalog);
    let assigning = assigning_roles(env);
    let entry = |target: TargetKind, on: &str| {
        catalog.iter().find(|t| {
            t.effect == Effect::ChangePermissions
                && t.target == target
                && t.permissions.iter().any(|p| p.on == on)
        })
    };
    let assign_entry = entry(TargetKind::Scope, "scope");
    let define_entry = entry(TargetKind::RoleDefinition, "scope");
    let attach: Vec<&'static Technique> = catalog
        .iter()
        .filter(|t| t.effect == Effect::RunCodeAs)
        .collect();
    let per: Vec<(Vec<Step>, Vec<Admin>)> = principals(env)
        .par_iter()
        .map(|id| {
            let caller = idx.caller(id);
            let mut steps = Vec::new();
            let mut admins: Vec<Admin> = Vec::new();
            takeover.steps(&idx, &caller, id, &ctx, &mut steps);
            for t in &attach {
                attach_steps(env, &idx, &caller, id, t, &ctx, &mut steps);
            }
            // only the scopes of the caller's own assignments can make it an
            // administrator (an assignment grants at its scope and below);
            // broadest first, and narrower ones follow from a broader one
            let mut own: Vec<String> = caller.1.iter().map(|a| a.scope.clone()).collect();
            own.sort();
            own.dedup();
            for s in &own {
                if admins
                    .iter()
                    .any(|a| a.condition.is_none() && scope_covers(&a.scope, s))
                {
                    continue;
                }
                let assigns = assign_entry.and_then(|t| {
                    may_assign_admin(&idx, &caller, id, s, &assigning, &ctx).map(|c| (t, c))
                });
                if let Some((t, cond)) = assigns {
                    admins.push(Admin {
                        principal: id.clone(),
                        scope: s.clone(),
                        permission: ASSIGN.to_owned(),
                        condition: cond,
                        technique: Some(format!("{}: {}", t.id, t.name)),
                    });
                    continue;
                }
                if let Some(a) =
                    define_entry.and_then(|t| widen_own_role(env, &idx, &caller, id, s, t, &ctx))
                {
                    admins.push(a);
                }
            }
            (steps, admins)
        })
        .collect();
    let mut facts = Facts::default();
    for (s, a) in per {
        facts.steps.extend(s);
        facts.admins.extend(a);
    }
    directory(env, catalog, &mut facts);
    Ok(facts)
}

/// Whether `id` may assign, to itself at `s`, a role that can itself
/// assign roles.
fn may_assign_admin(
    idx: &Index<'_>,
    caller: &Caller,
    id: &str,
    s: &str,
    assigning: &[String],
    ctx: &Context,
) -> Grade {
    let (req, prog) = program_of(idx, caller, id, s, false);
    let mut req = with_context(req, ctx);
    req.resource = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000a11a",
        s.trim_end_matches('/')
    );
    let mut best: Grade = None;
    for role in assigning {
        let mut r = req.clone();
        if r.context.get(ROLE_DEFINITION_ID).is_none() {
            r.context
                .insert(ROLE_DEFINITION_ID, Value::str(role.as_str()));
        }
        if r.context.get(PRINCIPAL_ID).is_none() {
            r.context.insert(PRINCIPAL_ID, Value::str(id));
        }
        best = or(best, grade(&decide(&prog, &r, ASSIGN)));
        if best == Some(None) {
            break;
        }
    }
    best
}

/// A custom role assigned to the caller at or above `s`, which it may
/// rewrite at `s`.
fn widen_own_role(
    env: &AzureEnvironment,
    idx: &Index<'_>,
    caller: &Caller,
    id: &str,
    s: &str,
    t: &'static Technique,
    ctx: &Context,
) -> Option<Admin> {
    let custom = caller.1.iter().find(|a| {
        scope_covers(&a.scope, s)
            && env
                .roles
                .get(&a.role_guid)
                .is_some_and(|d| d.custom != Some(false))
    })?;
    let (req, prog) = program_of(idx, caller, id, s, false);
    let req = with_context(req, ctx);
    let action = t.permissions.first().map(|p| p.action.as_str())?;
    let cond = grade(&decide(&prog, &req, action))?;
    let role = env
        .roles
        .get(&custom.role_guid)
        .map_or(custom.role_guid.as_str(), |d| d.name.as_str());
    Some(Admin {
        principal: id.to_owned(),
        scope: s.to_owned(),
        permission: action.to_owned(),
        condition: cond,
        technique: Some(format!("{}: {} ({role})", t.id, t.name)),
    })
}

/// A user-assigned identity the caller may assign, put on a resource of the
/// entry's type it may write and run code on: a listed one its assignments
/// reach, or a new one at a resource group it holds a role in.
fn attach_steps(
    env: &AzureEnvironment,
    idx: &Index<'_>,
    caller: &Caller,
    id: &str,
    t: &'static Technique,
    ctx: &Context,
    out: &mut Vec<Step>,
) {
    let Some(kind) = t.resource.as_deref() else {
        return;
    };
    let pass = t
        .permissions
        .iter()
        .find(|p| p.on == "passed-identity")
        .map(|p| p.action.as_str());
    let ops: Vec<&str> = t
        .permissions
        .iter()
        .filter(|p| p.on == "resource")
        .map(|p| p.action.as_str())
        .collect();
    let Some(pass) = pass else {
        return;
    };
    if env.user_assigned.is_empty() || caller.1.is_empty() {
        return;
    }
    // only a caller whose roles name every operation (or are not loaded:
    // what they grant is unknown) is asked: the evaluator decides the rest
    let may = |op: &str| {
        caller.1.iter().any(|a| match env.roles.get(&a.role_guid) {
            None => true,
            Some(d) => d
                .blocks
                .iter()
                .chain(d.conditional.iter().flat_map(|c| c.block.iter()))
                .any(|b| b.actions.iter().any(|p| p.matches(op))),
        })
    };
    if !may(pass) || !ops.iter().all(|op| may(op)) {
        return;
    }
    // hosts: listed resources of the kind under the caller's scopes, and a
    // new one in each resource group (or below) it holds a role in
    let mut hosts: BTreeSet<String> = BTreeSet::new();
    for a in &caller.1 {
        let s = a.scope.trim_end_matches('/');
        for r in &env.resources {
            if r.resource_type.eq_ignore_ascii_case(kind) && scope_covers(s, &r.id) {
                hosts.insert(r.id.clone());
            }
        }
        let lc = s.to_ascii_lowercase();
        if lc.contains("/resourcegroups/") && !lc.contains("/providers/") {
            hosts.insert(format!("{s}/providers/{kind}/iamx-new-host"));
        }
    }
    let mut host: Grade = None;
    for h in &hosts {
        let (req, prog) = program_of(idx, caller, id, h, false);
        let req = with_context(req, ctx);
        let mut g: Grade = Some(None);
        for op in &ops {
            g = and(g, grade(&decide(&prog, &req, op)));
            if g.is_none() {
                break;
            }
        }
        host = or(host, g);
        if host == Some(None) {
            break;
        }
    }
    if host.is_none() {
        return;
    }
    for u in env.user_assigned.values() {
        if u.principal_id == id {
            continue;
        }
        let (req, prog) = program_of(idx, caller, id, &u.id, false);
        let req = with_context(req, ctx);
        if let Some(cond) = and(grade(&decide(&prog, &req, pass)), host.clone()) {
            out.push(Step {
                from: id.to_owned(),
                to: StepTo::Node(u.principal_id.clone()),
                technique: t,
                condition: cond,
                note: Some(format!("identity {}", u.name)),
            });
        }
    }
}

/// Entra directory roles: administrators of `/`, and sign-ins as users or
/// service principals.
fn directory(env: &AzureEnvironment, catalog: &'static [Technique], facts: &mut Facts) {
    let managed = env.managed_identities();
    let mut users: BTreeSet<String> = BTreeSet::new();
    let mut apps: BTreeSet<String> = BTreeSet::new();
    for a in &env.assignments {
        match a.principal_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("User") => {
                users.insert(a.principal_id.clone());
            }
            Some(t)
                if t.eq_ignore_ascii_case("ServicePrincipal")
                    && !managed.contains(&a.principal_id) =>
            {
                apps.insert(a.principal_id.clone());
            }
            _ => {}
        }
    }
    for d in &env.directory_roles {
        users.insert(d.principal_id.clone());
    }
    users.retain(|u| !env.groups.contains_key(u) && !apps.contains(u) && !managed.contains(u));
    // a member of a role-assignable group holds the group's roles
    let mut with_role: BTreeSet<&str> = BTreeSet::new();
    for d in &env.directory_roles {
        with_role.insert(d.principal_id.as_str());
        if let Some(g) = env.groups.get(&d.principal_id) {
            with_role.extend(g.members.iter().map(String::as_str));
        }
    }
    let mut sets: HashMap<(TargetKind, bool), usize> = HashMap::new();
    for d in &env.directory_roles {
        for t in catalog
            .iter()
            .filter(|t| t.directory_roles.contains(&d.role_definition_id))
        {
            let scoped = d.directory_scope_id.trim() != "/";
            let condition = scoped.then(|| {
                format!(
                    "the target is within the role's directory scope {}",
                    d.directory_scope_id
                )
            });
            match t.effect {
                Effect::ChangePermissions => facts.admins.push(Admin {
                    principal: d.principal_id.clone(),
                    scope: "/".to_owned(),
                    permission: t.permission_text(),
                    condition,
                    technique: Some(format!("{}: {}", t.id, t.name)),
                }),
                Effect::ActAs => {
                    let members: Vec<String> = match t.target {
                        TargetKind::User => users.iter().cloned().collect(),
                        _ => apps.iter().cloned().collect(),
                    };
                    let members: Vec<String> = members
                        .into_iter()
                        .filter(|m| *m != d.principal_id)
                        .filter(|m| {
                            !t.requires(Precondition::TargetHoldsNoDirectoryRole)
                                || !with_role.contains(m.as_str())
                        })
                        .collect();
                    if members.is_empty() {
                        continue;
                    }
                    let key = (
                        t.target,
                        t.requires(Precondition::TargetHoldsNoDirectoryRole),
                    );
                    let i = *sets.entry(key).or_insert_with(|| {
                        facts.sets.push(TargetSet {
                            members,
                            grant: Grant::Anything,
                            holders: Vec::new(),
                        });
                        facts.sets.len() - 1
                    });
                    facts.steps.push(Step {
                        from: d.principal_id.clone(),
                        to: StepTo::Set(i),
                        technique: t,
                        condition,
                        note: None,
                    });
                }
                _ => {}
            }
        }
    }
}

/// A resource with managed identities that a reach-existing entry applies to.
struct Target<'a> {
    /// Lowercased resource id, for prefix search.
    id_lc: String,
    resource: &'a iamx_azure::Resource,
    /// The identities' object ids.
    identities: Vec<String>,
    /// The entries of its type (indices into `Takeover::entries`).
    ops: Vec<usize>,
    /// Management groups above it (`None`: not placed in the tree).
    mgs: Option<Vec<String>>,
}

/// The managed-identity takeover question, indexed once: targets sorted by
/// id, and for each role the entries its permission blocks may grant.
struct Takeover<'a> {
    entries: Vec<&'static Technique>,
    targets: Vec<Target<'a>>,
    /// Role GUID → entries its blocks may grant (patterns only: the
    /// evaluator decides).
    roles: HashMap<&'a str, BTreeSet<usize>>,
}

/// The operation of an entry, and whether it is a data action.
fn operation(t: &Technique) -> Option<(&str, bool)> {
    t.permissions
        .iter()
        .find(|p| p.on == "resource" || p.on == "resource-data")
        .map(|p| (p.action.as_str(), p.on == "resource-data"))
}

impl<'a> Takeover<'a> {
    fn new(env: &'a AzureEnvironment, catalog: &'static [Technique]) -> Takeover<'a> {
        let entries: Vec<&'static Technique> = catalog
            .iter()
            .filter(|t| t.effect == Effect::ReachExisting)
            .collect();
        let mut targets: Vec<Target<'a>> = env
            .resources
            .iter()
            .filter_map(|r| {
                let ops: Vec<usize> = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| {
                        t.resource
                            .as_deref()
                            .is_some_and(|k| k.eq_ignore_ascii_case(&r.resource_type))
                    })
                    .map(|(i, _)| i)
                    .collect();
                let mut identities: Vec<String> = r
                    .identities
                    .iter()
                    .filter_map(|i| env.identity_principal(i))
                    .collect();
                identities.sort();
                identities.dedup();
                if ops.is_empty() || identities.is_empty() {
                    return None;
                }
                let mgs = match env.management_groups.chain(&r.id) {
                    iamx_azure::MgChain::Known(v) => Some(v),
                    iamx_azure::MgChain::Unknown(_) => None,
                };
                Some(Target {
                    id_lc: r.id.trim_end_matches('/').to_ascii_lowercase(),
                    resource: r,
                    identities,
                    ops,
                    mgs,
                })
            })
            .collect();
        targets.sort_by(|a, b| a.id_lc.cmp(&b.id_lc));
        let mut roles = HashMap::new();
        if !targets.is_empty() {
            for (guid, def) in &env.roles {
                let blocks = def
                    .blocks
                    .iter()
                    .chain(def.conditional.iter().flat_map(|c| c.block.iter()));
                let mut m = BTreeSet::new();
                for b in blocks {
                    for (i, t) in entries.iter().enumerate() {
                        let Some((op, data)) = operation(t) else {
                            continue;
                        };
                        let pats = if data { &b.data_actions } else { &b.actions };
                        if pats.iter().any(|p| p.matches(op)) {
                            m.insert(i);
                        }
                    }
                }
                roles.insert(guid.as_str(), m);
            }
        }
        Takeover {
            entries,
            targets,
            roles,
        }
    }

    /// The entries an assignment's role may grant (every one when the role
    /// is not loaded: what it grants is unknown).
    fn ops_of(&self, a: &iamx_azure::env::RoleAssignment) -> BTreeSet<usize> {
        match self.roles.get(a.role_guid.as_str()) {
            Some(m) => m.clone(),
            None => (0..self.entries.len()).collect(),
        }
    }

    /// Indices of the targets an assignment at `scope` reaches.
    fn reached(&self, scope: &str, out: &mut BTreeSet<usize>) {
        let s = scope.trim_end_matches('/').to_ascii_lowercase();
        if s.is_empty() {
            out.extend(0..self.targets.len());
            return;
        }
        if let Some(mg) = iamx_azure::mgmt::mg_of_scope(&s) {
            for (i, t) in self.targets.iter().enumerate() {
                // not placed in the tree: the evaluator says `unknown`
                if t.mgs.as_ref().is_none_or(|v| v.iter().any(|m| m == mg)) {
                    out.insert(i);
                }
            }
            return;
        }
        let start = self
            .targets
            .partition_point(|t| t.id_lc.as_str() < s.as_str());
        for (i, t) in self.targets.iter().enumerate().skip(start) {
            let Some(rest) = t.id_lc.strip_prefix(s.as_str()) else {
                break;
            };
            if rest.is_empty() || rest.starts_with('/') {
                out.insert(i);
            }
        }
    }

    /// The identities `id` may take over, decided by the evaluator on the
    /// resource's scope: one step per identity, naming the best entry
    /// (unconditional first).
    fn steps(&self, idx: &Index<'_>, caller: &Caller, id: &str, ctx: &Context, v: &mut Vec<Step>) {
        if self.targets.is_empty() {
            return;
        }
        let mut wanted: BTreeSet<usize> = BTreeSet::new();
        let mut reached = BTreeSet::new();
        for a in &caller.1 {
            let ops = self.ops_of(a);
            if ops.is_empty() {
                continue;
            }
            wanted.extend(ops);
            self.reached(&a.scope, &mut reached);
        }
        for i in reached {
            let Some(t) = self.targets.get(i) else {
                continue;
            };
            if t.identities.iter().all(|m| m == id) {
                continue;
            }
            let mut control: Option<(Request, AzureProgram)> = None;
            let mut data: Option<(Request, AzureProgram)> = None;
            let mut found: Option<(&'static Technique, Option<String>)> = None;
            for k in t.ops.iter().filter(|k| wanted.contains(k)) {
                let Some(tech) = self.entries.get(*k) else {
                    continue;
                };
                let Some((op, is_data)) = operation(tech) else {
                    continue;
                };
                let slot = if is_data { &mut data } else { &mut control };
                let (req, prog) = slot.get_or_insert_with(|| {
                    let (r, p) = program_of(idx, caller, id, &t.resource.id, is_data);
                    (with_context(r, ctx), p)
                });
                let Some(cond) = grade(&decide(prog, req, op)) else {
                    continue;
                };
                let done = cond.is_none();
                if found.as_ref().is_none_or(|(_, c)| c.is_some()) {
                    found = Some((tech, cond));
                }
                if done {
                    break;
                }
            }
            let Some((tech, condition)) = found else {
                continue;
            };
            for m in t.identities.iter().filter(|m| *m != id) {
                v.push(Step {
                    from: id.to_owned(),
                    to: StepTo::Node(m.clone()),
                    technique: tech,
                    condition: condition.clone(),
                    note: Some(t.resource.name.clone()),
                });
            }
        }
    }
}
