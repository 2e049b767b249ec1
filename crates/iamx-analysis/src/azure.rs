//! Azure: who-can and what-can over object ids, groups and inherited role
//! assignments; admin-equivalence; escalation techniques.

use crate::{Access, ActionAccess, Inputs, grade};
use iamx_azure::AzureEnvironment;
use iamx_azure::env::RoleAssignment;
use iamx_model::azure::{AzureProgram, RoleSpec, evaluate_azure, scope_covers};
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
    fn first_label(&self, id: &str) -> String {
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
    fn label(&self, id: &str) -> String {
        self.by_principal
            .get(id)
            .and_then(|v| v.iter().find_map(|a| a.principal_name.as_deref()))
            .map_or_else(|| id.to_owned(), |n| format!("{id} ({n})"))
    }

    /// The caller's identities and the assignments that may grant it anything.
    fn caller(&self, id: &str) -> Caller {
        let ids = self.env.identities(id);
        let own = ids
            .iter()
            .flat_map(|i| self.by_principal.get(i.as_str()).into_iter().flatten())
            .map(|a| (*a).clone())
            .collect();
        (ids, own)
    }
}

type Caller = (BTreeSet<String>, Vec<RoleAssignment>);

fn request(id: &str, scope: &str) -> Request {
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

fn program_of(
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

fn admin_at_with(
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
/// definitions at a scope makes one its administrator; running code on a
/// resource gains the managed identities attached to it (`to` is then the
/// identity's object id); a Global Administrator may elevate itself to User
/// Access Administrator at `/`.
pub fn escalations(env: &AzureEnvironment) -> Vec<Escalation> {
    let idx = Index::new(env);
    let takeover = Takeover::new(env);
    let mut out: Vec<Escalation> = principals(env)
        .par_iter()
        .flat_map_iter(|id| {
            let mut v: Vec<Escalation> = Vec::new();
            let caller = idx.caller(id);
            takeover.escalations(&idx, &caller, id, &mut v);
            // only the scopes of the caller's own assignments can make it an
            // administrator (an assignment grants at its scope and below);
            // broadest first, and narrower ones follow from a broader one
            let mut own_scopes: Vec<String> = caller.1.iter().map(|a| a.scope.clone()).collect();
            own_scopes.sort();
            own_scopes.dedup();
            for s in &own_scopes {
                if v.iter().any(|e| {
                    e.to.strip_prefix("admin:")
                        .is_some_and(|t| scope_covers(t, s))
                }) {
                    continue;
                }
                if let Some(cond) = admin_at_with(&idx, &caller, id, s) {
                    v.push(Escalation {
                        from: idx.first_label(id),
                        to: format!("admin:{s}"),
                        permission: "Microsoft.Authorization/roleAssignments/write".into(),
                        technique: "assign oneself any role at the scope".into(),
                        condition: cond,
                    });
                    continue;
                }
                let (req, prog) = program_of(&idx, &caller, id, s, false);
                if let Some((c, w)) = grade(&decide(
                    &prog,
                    &req,
                    "Microsoft.Authorization/roleDefinitions/write",
                )) {
                    v.push(Escalation {
                        from: idx.first_label(id),
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
    out.extend(elevate_access(&idx));
    out.sort();
    out.dedup();
    out
}

/// The operation a Global Administrator calls to become User Access
/// Administrator at `/`.
pub const ELEVATE_ACCESS: &str = "Microsoft.Authorization/elevateAccess/action";

/// Entra ID Global Administrators (directly, or through a role-assignable
/// group) may call `elevateAccess` whatever Azure RBAC says: the toggle is a
/// directory permission, outside role and deny assignments.
fn elevate_access(idx: &Index<'_>) -> Vec<Escalation> {
    idx.env
        .directory_roles
        .iter()
        .filter(|d| d.is_global_administrator())
        .map(|d| Escalation {
            from: idx.label(&d.principal_id),
            to: "admin:/".to_owned(),
            permission: ELEVATE_ACCESS.to_owned(),
            technique: "elevate access: User Access Administrator at /".to_owned(),
            condition: None,
        })
        .collect()
}

/// A way to run code on a resource of some type, and so act as the managed
/// identities attached to it.
struct Technique {
    /// The resource type (case-insensitive).
    resource_type: &'static str,
    /// The operation.
    operation: &'static str,
    /// Whether it is a data action.
    data: bool,
    /// What it does.
    how: &'static str,
}

const fn t(
    resource_type: &'static str,
    operation: &'static str,
    data: bool,
    how: &'static str,
) -> Technique {
    Technique {
        resource_type,
        operation,
        data,
        how,
    }
}

/// Operations that run code of the caller's choosing on a resource. Writing
/// a resource of another type (a storage account or key vault whose identity
/// reads a customer-managed key) runs no code, so it gains no identity.
const TECHNIQUES: [Technique; 20] = [
    t(
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachines/runCommand/action",
        false,
        "run a command on the VM",
    ),
    t(
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachines/runCommands/write",
        false,
        "create a run command on the VM",
    ),
    t(
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachines/extensions/write",
        false,
        "install a custom script extension on the VM",
    ),
    t(
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
        true,
        "sign in to the VM as administrator",
    ),
    t(
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachines/login/action",
        true,
        "sign in to the VM",
    ),
    t(
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action",
        false,
        "run a command on an instance of the scale set",
    ),
    t(
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
        false,
        "install a custom script extension on the scale set",
    ),
    t(
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.Compute/virtualMachineScaleSets/write",
        false,
        "rewrite the scale set's model (custom data, extensions)",
    ),
    t(
        "Microsoft.Web/sites",
        "Microsoft.Web/sites/write",
        false,
        "rewrite the app's configuration (startup command, settings)",
    ),
    t(
        "Microsoft.Web/sites",
        "Microsoft.Web/sites/publish/Action",
        false,
        "deploy code to the app",
    ),
    t(
        "Microsoft.Web/sites",
        "Microsoft.Web/sites/publishxml/Action",
        false,
        "read the app's publishing credentials and deploy code",
    ),
    t(
        "Microsoft.Web/sites",
        "Microsoft.Web/sites/config/write",
        false,
        "rewrite the app's configuration (startup command, settings)",
    ),
    t(
        "Microsoft.Web/sites/slots",
        "Microsoft.Web/sites/slots/write",
        false,
        "rewrite the slot's configuration",
    ),
    t(
        "Microsoft.Web/sites/slots",
        "Microsoft.Web/sites/slots/publish/Action",
        false,
        "deploy code to the slot",
    ),
    t(
        "Microsoft.Web/sites/slots",
        "Microsoft.Web/sites/slots/config/write",
        false,
        "rewrite the slot's configuration",
    ),
    t(
        "Microsoft.Automation/automationAccounts",
        "Microsoft.Automation/automationAccounts/runbooks/write",
        false,
        "write a runbook in the automation account",
    ),
    t(
        "Microsoft.Logic/workflows",
        "Microsoft.Logic/workflows/write",
        false,
        "rewrite the workflow to call anything with its identity",
    ),
    t(
        "Microsoft.ContainerInstance/containerGroups",
        "Microsoft.ContainerInstance/containerGroups/write",
        false,
        "redeploy the container group with one's own image",
    ),
    t(
        "Microsoft.ContainerInstance/containerGroups",
        "Microsoft.ContainerInstance/containerGroups/containers/exec/action",
        false,
        "run a command in a container of the group",
    ),
    t(
        "Microsoft.App/containerApps",
        "Microsoft.App/containerApps/write",
        false,
        "redeploy the container app with one's own image",
    ),
];

/// A resource with managed identities that one of [`TECHNIQUES`] applies to.
struct Target<'a> {
    /// Lowercased resource id, for prefix search.
    id_lc: String,
    resource: &'a iamx_azure::Resource,
    /// The identities' object ids.
    identities: Vec<String>,
    /// The techniques of its type (bits of [`TECHNIQUES`]).
    ops: u32,
    /// Management groups above it (`None`: not placed in the tree).
    mgs: Option<Vec<String>>,
}

/// The managed-identity takeover question, indexed once: targets sorted by
/// id, and for each role the techniques its permission blocks may grant.
struct Takeover<'a> {
    targets: Vec<Target<'a>>,
    /// Role GUID → techniques its blocks may grant (patterns only: the
    /// evaluator decides).
    roles: HashMap<&'a str, u32>,
}

fn bit(i: usize) -> u32 {
    1u32.checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

impl<'a> Takeover<'a> {
    fn new(env: &'a AzureEnvironment) -> Takeover<'a> {
        let mut targets: Vec<Target<'a>> = env
            .resources
            .iter()
            .filter_map(|r| {
                let ops = TECHNIQUES
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.resource_type.eq_ignore_ascii_case(&r.resource_type))
                    .fold(0, |m, (i, _)| m | bit(i));
                let mut identities: Vec<String> = r
                    .identities
                    .iter()
                    .filter_map(|i| env.identity_principal(i))
                    .collect();
                identities.sort();
                identities.dedup();
                if ops == 0 || identities.is_empty() {
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
                let mut m = 0;
                for b in blocks {
                    for (i, t) in TECHNIQUES.iter().enumerate() {
                        let pats = if t.data { &b.data_actions } else { &b.actions };
                        if pats.iter().any(|p| p.matches(t.operation)) {
                            m |= bit(i);
                        }
                    }
                }
                roles.insert(guid.as_str(), m);
            }
        }
        Takeover { targets, roles }
    }

    /// The techniques an assignment's role may grant (every one when the
    /// role is not loaded: what it grants is unknown).
    fn ops_of(&self, a: &RoleAssignment) -> u32 {
        self.roles
            .get(a.role_guid.as_str())
            .copied()
            .unwrap_or(u32::MAX)
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
    /// resource's scope.
    fn escalations(&self, idx: &Index<'_>, caller: &Caller, id: &str, v: &mut Vec<Escalation>) {
        if self.targets.is_empty() {
            return;
        }
        let mut wanted = 0;
        let mut reached = BTreeSet::new();
        for a in &caller.1 {
            let ops = self.ops_of(a);
            if ops == 0 {
                continue;
            }
            wanted |= ops;
            self.reached(&a.scope, &mut reached);
        }
        for i in reached {
            let Some(t) = self.targets.get(i) else {
                continue;
            };
            let ops = t.ops & wanted;
            if ops == 0 || t.identities.iter().all(|m| m == id) {
                continue;
            }
            let mut control: Option<(Request, AzureProgram)> = None;
            let mut data: Option<(Request, AzureProgram)> = None;
            let mut found: Option<(&Technique, bool, Option<String>)> = None;
            for (k, tech) in TECHNIQUES.iter().enumerate() {
                if ops & bit(k) == 0 {
                    continue;
                }
                let slot = if tech.data { &mut data } else { &mut control };
                let (req, prog) = slot
                    .get_or_insert_with(|| program_of(idx, caller, id, &t.resource.id, tech.data));
                let Some((conditional, why)) = grade(&decide(prog, req, tech.operation)) else {
                    continue;
                };
                if !conditional {
                    found = Some((tech, false, None));
                    break;
                }
                if found.is_none() {
                    found = Some((tech, true, why));
                }
            }
            let Some((tech, _, condition)) = found else {
                continue;
            };
            for m in t.identities.iter().filter(|m| *m != id) {
                v.push(Escalation {
                    from: idx.label(id),
                    to: m.clone(),
                    permission: tech.operation.to_owned(),
                    technique: format!(
                        "take over `{}` ({}) and act as its managed identity",
                        t.resource.name, tech.how
                    ),
                    condition: condition.clone(),
                });
            }
        }
    }
}
