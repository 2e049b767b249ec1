//! An Azure environment: role definitions, role and deny assignments, the
//! management-group tree and group membership, read from `az`/PowerShell/REST
//! output and iamx's own small formats, and the program that decides a
//! request in it.

use crate::abac::is_guid;
use crate::directory::DirectoryRoleAssignment;
use crate::federation::FederatedCredential;
use crate::groups::{Group, group_cycles, groups_of};
use crate::hint::is_data_action_hint;
use crate::mgmt::{ManagementGroups, MgChain, mg_of_scope, subscription_of_scope};
use crate::resources::{Resource, UserAssignedIdentity};
use iamx_model::azure::{
    AzureAssignment, AzureDeny, AzureProgram, PermissionBlock, RoleSpec, scope_covers,
};
use iamx_model::derived::Derived;
use iamx_model::{
    Condition, Context, Diagnostic, Origin, Principal, PrincipalKind, Reason, Request, Severity,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A permission block that carries its own ABAC condition (Microsoft's
/// constrained-delegation built-in roles have them). Its operations are
/// granted only when the condition holds.
#[derive(Clone, Debug)]
pub struct ConditionalBlock {
    /// Index of the block in the role's `permissions`.
    pub index: usize,
    /// The block, alone (shared with every program that uses it).
    pub block: Arc<Vec<PermissionBlock>>,
    /// Its condition.
    pub condition: Condition,
    /// The condition's text.
    pub text: Option<String>,
}

/// A role definition.
#[derive(Clone, Debug)]
pub struct RoleDefinition {
    /// The GUID (lowercased): `name` in `az` output, `Id` in PowerShell, the
    /// last segment of `id`.
    pub guid: String,
    /// The full resource id, when the input gives it.
    pub id: Option<String>,
    /// The display name (`roleName`; PowerShell's `Name`).
    pub name: String,
    /// Whether it is a custom role (`roleType`/`IsCustom`), when known.
    pub custom: Option<bool>,
    /// Description.
    pub description: Option<String>,
    /// `assignableScopes`.
    pub assignable_scopes: Vec<String>,
    /// The permission blocks without a condition of their own.
    pub blocks: Arc<Vec<PermissionBlock>>,
    /// The permission blocks with a condition of their own.
    pub conditional: Vec<ConditionalBlock>,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

impl RoleDefinition {
    /// Number of permission blocks.
    pub fn block_count(&self) -> usize {
        self.blocks.len() + self.conditional.len()
    }
}

/// A role assignment as read.
#[derive(Clone, Debug)]
pub struct RoleAssignment {
    /// Full resource id.
    pub id: Option<String>,
    /// Its GUID name.
    pub name: Option<String>,
    /// The assignee's object id (lowercased).
    pub principal_id: String,
    /// `User`, `Group`, `ServicePrincipal`, `ForeignGroup`, …
    pub principal_type: Option<String>,
    /// UPN or display name, when the export carries it.
    pub principal_name: Option<String>,
    /// `roleDefinitionId` as written.
    pub role_definition_id: String,
    /// The role's GUID (last segment of `roleDefinitionId`, lowercased).
    pub role_guid: String,
    /// `roleDefinitionName`, when the export carries it.
    pub role_definition_name: Option<String>,
    /// The scope.
    pub scope: String,
    /// The ABAC condition (`Condition::True` when none).
    pub condition: Condition,
    /// The condition's text.
    pub condition_text: Option<String>,
    /// Where it was read.
    pub origin: Arc<Origin>,
    /// The JSON path of the assignment in its file.
    pub json_path: String,
}

/// A deny assignment as read.
#[derive(Clone, Debug)]
pub struct DenyAssignment {
    /// Full resource id.
    pub id: Option<String>,
    /// Its GUID name.
    pub name: Option<String>,
    /// `denyAssignmentName`.
    pub display_name: Option<String>,
    /// Denied permissions (blocks without a condition of their own).
    pub blocks: Vec<PermissionBlock>,
    /// Blocks with a condition of their own.
    pub conditional_blocks: Vec<(PermissionBlock, Condition)>,
    /// The deny assignment's `condition` (`Condition::True` without one).
    pub condition: Condition,
    /// The scope.
    pub scope: String,
    /// Denied principals' object ids (lowercased); the all-principals id
    /// `00000000-0000-0000-0000-000000000000` stands for everyone.
    pub principals: Vec<String>,
    /// Exempted object ids (lowercased).
    pub exclude: Vec<String>,
    /// Applies at its own scope only.
    pub do_not_apply_to_child_scopes: bool,
    /// `isSystemProtected`.
    pub system_protected: bool,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

/// Everything loaded about Azure.
#[derive(Clone, Debug, Default)]
pub struct AzureEnvironment {
    /// Role definitions by lowercased GUID.
    pub roles: BTreeMap<String, RoleDefinition>,
    /// Role assignments.
    pub assignments: Vec<RoleAssignment>,
    /// Deny assignments.
    pub denies: Vec<DenyAssignment>,
    /// The management-group tree.
    pub management_groups: ManagementGroups,
    /// Groups by lowercased object id.
    pub groups: BTreeMap<String, Group>,
    /// Resources that carry a managed identity (`az resource list`).
    pub resources: Vec<Resource>,
    /// User-assigned identities by lowercased resource id (`az identity
    /// list`, and the `userAssignedIdentities` maps of resources).
    pub user_assigned: BTreeMap<String, UserAssignedIdentity>,
    /// Entra ID directory role assignments.
    pub directory_roles: Vec<DirectoryRoleAssignment>,
    /// Federated identity credentials.
    pub federated_credentials: Vec<FederatedCredential>,
    /// Member → the groups that list it directly, derived from `groups` on
    /// first use.
    memberships: Derived<Memberships>,
    /// Assignments by scope, derived from `assignments` on first use.
    by_scope: Derived<ByScope>,
}

/// How many groups and members the membership index was built from, and
/// member → the groups that list it directly. A direct edit of `groups`
/// that changes those counts is noticed and read without the index.
type Memberships = (usize, usize, HashMap<String, Vec<String>>);

/// The derived index of `assignments`. A direct edit that changes their
/// number is noticed and read without it.
struct ByScope {
    /// How many assignments were indexed.
    n: usize,
    /// Positions by scope (lowercased, without a trailing `/`).
    by_scope: HashMap<String, Vec<usize>>,
    /// Positions of the assignments at management groups.
    at_mg: Vec<usize>,
    /// The position of the first assignment naming each principal.
    first: HashMap<String, usize>,
}

/// What an environment holds, for listings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AzureCounts {
    /// Role definitions.
    pub roles: usize,
    /// Permission blocks of all role definitions.
    pub permission_blocks: usize,
    /// ABAC conditions read (role-definition blocks and assignments).
    pub conditions: usize,
    /// Role assignments.
    pub assignments: usize,
    /// Deny assignments.
    pub deny_assignments: usize,
    /// Management groups.
    pub management_groups: usize,
    /// Subscriptions placed in the tree.
    pub subscriptions: usize,
    /// Groups.
    pub groups: usize,
    /// Resources with a managed identity.
    pub resources: usize,
    /// Managed identities (attached to resources, or user-assigned).
    pub managed_identities: usize,
    /// Directory role assignments.
    pub directory_role_assignments: usize,
    /// Federated identity credentials.
    pub federated_credentials: usize,
}

/// One thing the program builder needs to know about roles: how to find one.
pub(crate) trait RoleLookup {
    fn role(&self, guid: &str) -> Option<&RoleDefinition>;
}

impl RoleLookup for BTreeMap<String, RoleDefinition> {
    fn role(&self, guid: &str) -> Option<&RoleDefinition> {
        self.get(guid)
    }
}

fn mg_applies(scope: &str, chain: &MgChain) -> Option<Result<bool, String>> {
    let mg = mg_of_scope(scope)?;
    Some(match chain {
        MgChain::Known(list) => Ok(list.iter().any(|m| m.eq_ignore_ascii_case(mg))),
        MgChain::Unknown(why) => Err(why.clone()),
    })
}

/// Lowers the assignments and deny assignments that reach `target` into a
/// program. Shared by environments and request files.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site per program source (environment, request file); a struct would only rename the list"
)]
pub(crate) fn assemble<'a>(
    roles: &dyn RoleLookup,
    assignments: impl IntoIterator<Item = &'a RoleAssignment>,
    denies: &[DenyAssignment],
    target: &str,
    chain: &MgChain,
    identities: BTreeSet<String>,
    data_action: bool,
    sub_operation: Option<String>,
) -> AzureProgram {
    let mut out = AzureProgram {
        identities,
        data_action,
        sub_operation,
        assignments: Vec::new(),
        denies: Vec::new(),
    };
    for a in assignments {
        let reach = if scope_covers(&a.scope, target) {
            Ok(true)
        } else {
            mg_applies(&a.scope, chain).unwrap_or(Ok(false))
        };
        let condition = match reach {
            Ok(false) => continue,
            Ok(true) => a.condition.clone(),
            Err(why) => Condition::All(vec![
                Condition::Unsupported(Reason::new(format!(
                    "role assignment at `{}` may reach `{target}`: {why}",
                    a.scope
                ))),
                a.condition.clone(),
            ]),
        };
        let base =
            |role_name: String, role: RoleSpec, condition: Condition, origin| AzureAssignment {
                principal_id: a.principal_id.clone(),
                role_name,
                role,
                scope: a.scope.clone(),
                condition,
                origin,
            };
        match roles.role(&a.role_guid) {
            Some(def) => {
                if !def.blocks.is_empty() || def.conditional.is_empty() {
                    out.assignments.push(base(
                        def.name.clone(),
                        RoleSpec::Blocks(def.blocks.clone()),
                        condition.clone(),
                        a.origin.clone(),
                    ));
                }
                for c in &def.conditional {
                    let both = if condition.is_true() {
                        c.condition.clone()
                    } else {
                        Condition::All(vec![condition.clone(), c.condition.clone()])
                    };
                    let origin = Arc::new(Origin {
                        policy: Arc::from(format!(
                            "{} through permission block {} of `{}`, which has its own condition",
                            a.origin.policy, c.index, def.name
                        )),
                        ..(*a.origin).clone()
                    });
                    out.assignments.push(base(
                        def.name.clone(),
                        RoleSpec::Blocks(c.block.clone()),
                        both,
                        origin,
                    ));
                }
            }
            None => {
                let name = a
                    .role_definition_name
                    .clone()
                    .unwrap_or_else(|| a.role_guid.clone());
                out.assignments.push(base(
                    name.clone(),
                    RoleSpec::Unknown(Reason::new(format!(
                        "role definition `{}` (`{name}`) is not in the inputs",
                        a.role_guid
                    ))),
                    condition,
                    a.origin.clone(),
                ));
            }
        }
    }
    for d in denies {
        let exact = d
            .scope
            .trim_end_matches('/')
            .eq_ignore_ascii_case(target.trim_end_matches('/'));
        let reach = if d.do_not_apply_to_child_scopes {
            Ok(exact)
        } else if scope_covers(&d.scope, target) {
            Ok(true)
        } else {
            mg_applies(&d.scope, chain).unwrap_or(Ok(false))
        };
        // a deny whose management group may or may not be above the target
        // might apply: its condition is unknown there, as a grant's is
        let placed = match reach {
            Ok(false) => continue,
            Ok(true) => None,
            Err(why) => Some(Condition::Unsupported(Reason::new(format!(
                "deny assignment at `{}` may reach `{target}`: {why}",
                d.scope
            )))),
        };
        let with = |c: &Condition| -> Condition {
            let parts: Vec<Condition> = placed
                .iter()
                .chain([&d.condition, c])
                .filter(|x| !x.is_true())
                .cloned()
                .collect();
            match parts.len() {
                0 => Condition::True,
                1 => parts.into_iter().next().unwrap_or(Condition::True),
                _ => Condition::All(parts),
            }
        };
        let mut push = |blocks: Vec<PermissionBlock>, condition: Condition| {
            out.denies.push(AzureDeny {
                principals: d.principals.clone(),
                exclude: d.exclude.clone(),
                blocks,
                condition,
                scope: d.scope.clone(),
                origin: d.origin.clone(),
            });
        };
        if !d.blocks.is_empty() {
            push(d.blocks.clone(), with(&Condition::True));
        }
        for (b, c) in &d.conditional_blocks {
            push(vec![b.clone()], with(c));
        }
    }
    out
}

impl AzureEnvironment {
    /// Adds everything `other` holds. For role definitions with the same
    /// GUID the first wins; group members are united.
    pub fn merge(&mut self, other: AzureEnvironment) {
        self.invalidate();
        for (k, v) in other.roles {
            self.roles.entry(k).or_insert(v);
        }
        self.assignments.extend(other.assignments);
        self.denies.extend(other.denies);
        self.management_groups.merge(other.management_groups);
        for (k, g) in other.groups {
            self.add_group(k, g);
        }
        self.resources.extend(other.resources);
        for (_, u) in other.user_assigned {
            self.add_user_assigned(u);
        }
        self.directory_roles.extend(other.directory_roles);
        self.federated_credentials
            .extend(other.federated_credentials);
    }

    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
            && self.assignments.is_empty()
            && self.denies.is_empty()
            && self.management_groups.is_empty()
            && self.groups.is_empty()
            && self.resources.is_empty()
            && self.user_assigned.is_empty()
            && self.directory_roles.is_empty()
            && self.federated_credentials.is_empty()
    }

    /// What the environment holds.
    pub fn counts(&self) -> AzureCounts {
        let role_conditions: usize = self.roles.values().map(|r| r.conditional.len()).sum();
        let assignment_conditions = self
            .assignments
            .iter()
            .filter(|a| a.condition_text.is_some())
            .count();
        AzureCounts {
            roles: self.roles.len(),
            permission_blocks: self.roles.values().map(RoleDefinition::block_count).sum(),
            conditions: role_conditions + assignment_conditions,
            assignments: self.assignments.len(),
            deny_assignments: self.denies.len(),
            management_groups: self.management_groups.groups.len(),
            subscriptions: self.management_groups.subscriptions.len(),
            groups: self.groups.len(),
            resources: self.resources.len(),
            managed_identities: self.managed_identities().len(),
            directory_role_assignments: self.directory_roles.len(),
            federated_credentials: self.federated_credentials.len(),
        }
    }

    /// The object ids of every managed identity the inputs show: attached
    /// to a resource, or a user-assigned identity of its own.
    pub fn managed_identities(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .resources
            .iter()
            .flat_map(|r| r.identities.iter())
            .filter_map(|i| self.identity_principal(i))
            .collect();
        out.extend(self.user_assigned.values().map(|u| u.principal_id.clone()));
        out
    }

    /// Checks that need every file: an assignment whose role definition is
    /// not loaded (its grants are `unknown`), group membership cycles. Call
    /// after merging.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if self.roles.is_empty()
            && let Some(a) = self.assignments.first()
        {
            // one warning, not one per assignment
            out.push(Diagnostic {
                severity: Severity::Warning,
                message: format!(
                    "{} role assignment(s) but no role definitions are loaded: what they grant is unknown",
                    self.assignments.len()
                ),
                file: a.origin.file.clone(),
                line: a.origin.line,
                column: a.origin.column,
                path: a.json_path.clone(),
                help: Some(
                    "load the role definitions too (`az role definition list`)".to_owned(),
                ),
            });
        }
        for a in self.assignments.iter().filter(|_| !self.roles.is_empty()) {
            if self.roles.contains_key(&a.role_guid) {
                continue;
            }
            let name = a
                .role_definition_name
                .as_deref()
                .map_or_else(String::new, |n| format!(" (`{n}`)"));
            out.push(Diagnostic {
                severity: Severity::Warning,
                message: format!(
                    "role assignment references role definition `{}`{name}, which is not in the inputs: what it grants is unknown",
                    a.role_guid
                ),
                file: a.origin.file.clone(),
                line: a.origin.line,
                column: a.origin.column,
                path: format!("{}.roleDefinitionId", a.json_path),
                help: Some(
                    "load the role definitions too (`az role definition list`)".to_owned(),
                ),
            });
        }
        for cycle in group_cycles(&self.groups) {
            let Some(g) = cycle.first().and_then(|g| self.groups.get(g)) else {
                continue;
            };
            out.push(Diagnostic {
                severity: Severity::Warning,
                message: format!(
                    "group membership cycle: {}",
                    cycle
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ),
                file: g.origin.file.clone(),
                line: g.origin.line,
                column: g.origin.column,
                path: String::new(),
                help: None,
            });
        }
        let at = |o: &Origin, severity, message: String, help: &str| Diagnostic {
            severity,
            message,
            file: o.file.clone(),
            line: o.line,
            column: o.column,
            path: String::new(),
            help: Some(help.to_owned()),
        };
        for r in &self.resources {
            for i in &r.identities {
                if self.identity_principal(i).is_none() {
                    out.push(at(
                        &r.origin,
                        Severity::Warning,
                        format!(
                            "user-assigned identity `{}` of `{}` has no `principalId` in the inputs: who takes over `{}` gains it, but iamx cannot tell which principal it is",
                            i.identity_id.as_deref().unwrap_or("?"),
                            r.name,
                            r.name
                        ),
                        "load `az identity list` too",
                    ));
                }
            }
        }
        for f in &self.federated_credentials {
            if self.credential_principal(f).is_none() {
                out.push(at(
                    &f.origin,
                    Severity::Warning,
                    format!(
                        "federated credential `{}` belongs to identity `{}`, whose object id is not in the inputs: it is ignored",
                        f.name.as_deref().unwrap_or("?"),
                        f.identity_id.as_deref().unwrap_or("?")
                    ),
                    "load `az identity list` (or `az resource list`) too",
                ));
            }
        }
        out
    }

    /// The caller's identities: its object id and every group it belongs
    /// to, directly or through nested groups (lowercased).
    pub fn identities(&self, principal_id: &str) -> BTreeSet<String> {
        let size = |g: &BTreeMap<String, Group>| {
            (g.len(), g.values().map(|x| x.members.len()).sum::<usize>())
        };
        let (groups, members, containing) = self.memberships.get_or_init(|| {
            let mut containing: HashMap<String, Vec<String>> = HashMap::new();
            for g in self.groups.values() {
                for m in &g.members {
                    containing.entry(m.clone()).or_default().push(g.id.clone());
                }
            }
            let (n, m) = size(&self.groups);
            (n, m, containing)
        });
        let id = principal_id.to_ascii_lowercase();
        let mut ids = if (*groups, *members) == size(&self.groups) {
            let mut out = BTreeSet::new();
            let mut frontier = vec![id.as_str()];
            while let Some(x) = frontier.pop() {
                for g in containing.get(x).into_iter().flatten() {
                    if out.insert(g.clone()) {
                        frontier.push(g.as_str());
                    }
                }
            }
            out
        } else {
            groups_of(&self.groups, &id)
        };
        ids.insert(id);
        ids
    }

    /// Drops the derived indexes (group memberships, assignments by scope);
    /// the next question rebuilds them. Every method that adds inputs calls
    /// it; call it after editing `groups` or `assignments` directly.
    pub fn invalidate(&mut self) {
        self.memberships.reset();
        self.by_scope.reset();
    }

    /// The assignments that may reach `target`, in input order: those at
    /// `target`, at a scope above it by name, or at a management group
    /// (decided by the caller against the management-group chain); every
    /// assignment whose scope covers `target` is among them.
    /// The index of `assignments`, when it matches them.
    fn by_scope(&self) -> Option<&ByScope> {
        let built = self.by_scope.get_or_init(|| {
            let mut by_scope: HashMap<String, Vec<usize>> = HashMap::new();
            let mut at_mg = Vec::new();
            let mut first: HashMap<String, usize> = HashMap::new();
            for (i, a) in self.assignments.iter().enumerate() {
                if crate::mgmt::mg_of_scope(&a.scope).is_some() {
                    at_mg.push(i);
                }
                by_scope
                    .entry(a.scope.trim_end_matches('/').to_ascii_lowercase())
                    .or_default()
                    .push(i);
                first.entry(a.principal_id.clone()).or_insert(i);
            }
            ByScope {
                n: self.assignments.len(),
                by_scope,
                at_mg,
                first,
            }
        });
        (built.n == self.assignments.len()).then_some(built)
    }

    /// The first assignment naming `id` (lowercased).
    fn first_assignment(&self, id: &str) -> Option<&RoleAssignment> {
        match self.by_scope() {
            Some(ix) => ix.first.get(id).and_then(|i| self.assignments.get(*i)),
            None => self.assignments.iter().find(|a| a.principal_id == id),
        }
    }

    fn candidates(&self, target: &str) -> Vec<&RoleAssignment> {
        let Some(ByScope {
            by_scope, at_mg, ..
        }) = self.by_scope()
        else {
            return self.assignments.iter().collect();
        };
        let t = target.to_ascii_lowercase();
        let mut ends: Vec<usize> = vec![0, t.len()];
        ends.extend(t.match_indices('/').map(|(i, _)| i));
        ends.sort_unstable();
        ends.dedup();
        let mut idx: Vec<usize> = at_mg.clone();
        for k in ends {
            if let Some(v) = t.get(..k).and_then(|head| by_scope.get(head)) {
                idx.extend(v);
            }
        }
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .filter_map(|i| self.assignments.get(i))
            .collect()
    }

    /// Whether `op` is taken as a data action when the caller does not say:
    /// [`is_data_action_hint`], or some loaded role lists `op` literally (no
    /// wildcard) among its `dataActions`/`notDataActions` and none lists it
    /// among its `actions`/`notActions`.
    pub fn guess_data_action(&self, op: &str) -> bool {
        if is_data_action_hint(op) {
            return true;
        }
        let lc = op.to_ascii_lowercase();
        let literal = |ps: &[iamx_model::Pattern]| ps.iter().any(|p| p.as_literal() == Some(&lc));
        let mut data = false;
        for r in self.roles.values() {
            let blocks = r
                .blocks
                .iter()
                .chain(r.conditional.iter().flat_map(|c| c.block.iter()));
            for b in blocks {
                if literal(&b.actions) || literal(&b.not_actions) {
                    return false;
                }
                data = data || literal(&b.data_actions) || literal(&b.not_data_actions);
            }
        }
        data
    }

    /// Builds the program deciding a request in this environment: the
    /// caller is `req.principal.id` (an object id), the scope
    /// `req.resource`, the operation `req.action`; request attributes for
    /// ABAC conditions travel in `req.context`.
    ///
    /// The program holds the role and deny assignments whose scope reaches
    /// the request's scope: `/`, a prefix of it at a `/` boundary
    /// (case-insensitive), or a management group above its subscription in
    /// the loaded tree. An assignment at a management group whose place
    /// relative to the scope is unknown (the subscription is not in the tree)
    /// is kept with an unknown condition; such a deny assignment is left out.
    pub fn program_for(
        &self,
        req: &Request,
        data_action: bool,
        sub_operation: Option<&str>,
    ) -> AzureProgram {
        let chain = self.management_groups.chain(&req.resource);
        assemble(
            &self.roles,
            self.candidates(&req.resource),
            &self.denies,
            &req.resource,
            &chain,
            self.identities(&req.principal.id),
            data_action,
            sub_operation.map(str::to_owned),
        )
    }

    /// Like [`AzureEnvironment::program_for`], with the caller's identities
    /// given and only `assignments` considered: for analyses that ask many
    /// questions and keep the caller's own assignments at hand. Every
    /// assignment that can grant the caller anything must be among
    /// `assignments` (the evaluator ignores the others anyway).
    pub fn program_with(
        &self,
        req: &Request,
        identities: BTreeSet<String>,
        assignments: &[RoleAssignment],
        data_action: bool,
    ) -> AzureProgram {
        let chain = self.management_groups.chain(&req.resource);
        assemble(
            &self.roles,
            assignments,
            &self.denies,
            &req.resource,
            &chain,
            identities,
            data_action,
            None,
        )
    }

    /// The role assignments that may reach `target`: at it or above it, or
    /// at a management group that is (or, with the tree unknown, may be)
    /// above it. A program for `target` takes part of no other assignment.
    pub fn assignments_reaching(&self, target: &str) -> Vec<&RoleAssignment> {
        let chain = self.management_groups.chain(target);
        self.candidates(target)
            .into_iter()
            .filter(|a| {
                scope_covers(&a.scope, target)
                    || !matches!(mg_applies(&a.scope, &chain), None | Some(Ok(false)))
            })
            .collect()
    }

    /// Every object id the inputs mention (assignees, group ids and
    /// members, deny principals), lowercased.
    pub fn known_principals(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .assignments
            .iter()
            .map(|a| a.principal_id.clone())
            .collect();
        for g in self.groups.values() {
            out.insert(g.id.clone());
            out.extend(g.members.iter().cloned());
        }
        for d in &self.denies {
            out.extend(d.principals.iter().cloned());
            out.extend(d.exclude.iter().cloned());
        }
        out.extend(self.managed_identities());
        out.extend(self.directory_roles.iter().map(|d| d.principal_id.clone()));
        out.extend(
            self.federated_credentials
                .iter()
                .filter_map(|f| self.credential_principal(f)),
        );
        out
    }

    /// Finds a principal by object id, or by a name the inputs carry
    /// (`principalName` of role assignments, a group's `displayName`),
    /// case-insensitively. Returns the object id (lowercased), its name and
    /// its type when known.
    pub fn resolve_principal(
        &self,
        who: &str,
    ) -> Result<(String, Option<String>, Option<String>), String> {
        let w = who.trim();
        let lc = if is_guid(w) {
            crate::abac::hyphenated(w).to_ascii_lowercase()
        } else {
            w.to_ascii_lowercase()
        };
        let named = |id: &str| {
            let a = self.first_assignment(id);
            let name = a
                .and_then(|a| a.principal_name.clone())
                .or_else(|| self.groups.get(id).and_then(|g| g.display_name.clone()));
            let kind = a
                .and_then(|a| a.principal_type.clone())
                .or_else(|| self.groups.contains_key(id).then(|| "Group".to_owned()));
            (name, kind)
        };
        if is_guid(w) || self.known_principals().contains(&lc) {
            let (name, kind) = named(&lc);
            return Ok((lc, name, kind));
        }
        let mut ids: BTreeSet<String> = self
            .assignments
            .iter()
            .filter(|a| {
                a.principal_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(w))
            })
            .map(|a| a.principal_id.clone())
            .collect();
        ids.extend(
            self.groups
                .values()
                .filter(|g| {
                    g.display_name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(w))
                })
                .map(|g| g.id.clone()),
        );
        let mut it = ids.into_iter();
        match (it.next(), it.next()) {
            (Some(id), None) => {
                let (name, kind) = named(&id);
                Ok((id, name, kind))
            }
            (Some(a), Some(b)) => Err(format!(
                "principal `{w}` is ambiguous: it names `{a}`, `{b}`{}; give the object id",
                if it.next().is_some() { " and more" } else { "" }
            )),
            (None, _) => Err(format!(
                "unknown Azure principal `{w}`: give an object id, or a name the inputs carry (`principalName` of a role assignment, a group's `displayName`)"
            )),
        }
    }
}

/// The request and program for `iamx eval` on loaded inputs: `principal` is
/// an object id or a name the inputs carry ([`AzureEnvironment::resolve_principal`]),
/// `action` an operation name, `scope` the resource id. `data_action`
/// `None` lets [`AzureEnvironment::guess_data_action`] decide.
pub fn build_request(
    env: &AzureEnvironment,
    principal: &str,
    action: &str,
    scope: &str,
    data_action: Option<bool>,
    context: Context,
) -> Result<(Request, AzureProgram), String> {
    if action.trim().is_empty() {
        return Err("the operation is empty".to_owned());
    }
    if !scope.starts_with('/') {
        return Err(format!(
            "Azure scope `{scope}` must start with `/` (`/subscriptions/…`, `/providers/Microsoft.Management/managementGroups/…` or `/`)"
        ));
    }
    let (id, name, kind) = env.resolve_principal(principal)?;
    let data = data_action.unwrap_or_else(|| env.guess_data_action(action));
    let req = Request {
        principal: azure_principal(id, name, kind.as_deref()),
        action: action.trim().to_owned(),
        resource: scope.to_owned(),
        resource_account: subscription_of_scope(scope).map(str::to_ascii_lowercase),
        context,
    };
    let program = env.program_for(&req, data, None);
    Ok((req, program))
}

/// A caller for the model's request: an object id with its name.
pub(crate) fn azure_principal(id: String, name: Option<String>, kind: Option<&str>) -> Principal {
    let service = kind.is_some_and(|k| {
        k.eq_ignore_ascii_case("ServicePrincipal") || k.eq_ignore_ascii_case("MSI")
    });
    Principal {
        id: id.clone(),
        kind: if service {
            PrincipalKind::Service
        } else {
            PrincipalKind::User
        },
        account: None,
        role_arn: None,
        name,
        unique_id: Some(id),
    }
}
