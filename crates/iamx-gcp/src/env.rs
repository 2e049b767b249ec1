//! A GCP environment: roles, allow and deny policies, groups, the resource
//! hierarchy and principal access boundaries, read from gcloud and Cloud
//! Asset Inventory output and iamx's own small formats, and the program that
//! decides one request in it.

use crate::member::{Caller, Membership, membership};
use crate::names::{self, canon, full, is_container, parents_in_name, relative};
use crate::policy::{
    AllowPolicy, BoundaryPolicy, DenyPolicy, GcpRole, RoleRead, read_allow_policy, read_boundary,
    read_deny_policy, read_role,
};
use crate::read::{expect_array, expect_object, opt_str, origin, req_str, str_list};
use iamx_model::derived::Derived;
use iamx_model::gcp::{GcpBinding, GcpBoundary, GcpDenyRule, GcpProgram, RoleGrant};
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use iamx_model::{
    Condition, Context, Diagnostic, JsonPath, Origin, PrincipalKind, Reason, Request, Severity,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A group's members as loaded.
#[derive(Clone, Debug)]
pub struct GroupDef {
    /// Members (`user:…`, `serviceAccount:…`, `group:…`), normalised.
    pub members: Vec<String>,
    /// Where the group was (first) read.
    pub origin: Arc<Origin>,
}

/// Everything loaded about GCP.
///
/// The fields are public for reading. Programs are assembled from an index
/// derived from them on first use (group membership inverted, bindings and
/// deny rules converted into the model's types with their roles resolved);
/// every method that adds inputs drops it. Code that edits a field directly
/// after a program was built calls [`GcpEnvironment::invalidate`]. A clone
/// starts without the index.
#[derive(Clone, Debug, Default)]
pub struct GcpEnvironment {
    /// Roles by name.
    pub roles: BTreeMap<String, GcpRole>,
    /// Allow policies by the canonical name of the resource they are attached to.
    pub allow: BTreeMap<String, Vec<AllowPolicy>>,
    /// Deny policies by canonical attachment point.
    pub deny: BTreeMap<String, Vec<DenyPolicy>>,
    /// Groups by `group:EMAIL`.
    pub groups: BTreeMap<String, GroupDef>,
    /// Resource hierarchy: canonical child → parent (`projects/p1` → `folders/1`).
    pub parents: BTreeMap<String, String>,
    /// Ancestors of assets, nearest first (from Cloud Asset Inventory).
    pub ancestors: BTreeMap<String, Vec<String>>,
    /// Asset types of assets (`storage.googleapis.com/Bucket`).
    pub asset_types: BTreeMap<String, String>,
    /// Two spellings of one resource, both directions: `projects/ID` ↔
    /// `projects/NUMBER`, a service account by email ↔ by unique id.
    pub aliases: BTreeMap<String, String>,
    /// Principal access boundary policies.
    pub boundaries: Vec<BoundaryPolicy>,
    /// How many `deleted:` members were read (they grant nothing).
    pub deleted_members: usize,
    /// What assembling a program reads, derived from the fields above.
    index: Derived<Index>,
}

/// What every request reads, derived once from the loaded inputs.
struct Index {
    /// Member → the groups that list it directly.
    containing: NameMap<Vec<String>>,
    /// Canonical name → what the inputs say about it: one lookup instead of
    /// one per map and spelling.
    names: NameMap<Known>,
}

/// What the inputs say about one canonical name.
#[derive(Default)]
struct Known {
    /// Its other spelling ([`GcpEnvironment::alias`]).
    alias: Option<String>,
    /// Its parent, under either spelling.
    parent: Option<String>,
    /// Its Cloud Asset Inventory ancestors, under either spelling.
    ancestors: Option<Vec<String>>,
    /// Its asset type.
    asset_type: Option<String>,
    /// The allow bindings attached to it.
    allow: Attached,
    /// The deny rules attached to it.
    deny: Vec<Arc<GcpDenyRule>>,
}

/// The allow bindings attached to one resource, in the model's terms.
#[derive(Default)]
struct Attached {
    /// Every binding of every policy attached there, in input order.
    bindings: Vec<Arc<GcpBinding>>,
    /// Unconditional `roles/owner`, `roles/editor` and `roles/viewer`
    /// bindings of a project, with the convenience members their members are
    /// (`projectOwner:P`, also under the project's other spelling).
    convenience: Vec<(Arc<GcpBinding>, Vec<String>)>,
}

/// Sizes of an environment, for listings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcpCounts {
    /// Roles.
    pub roles: usize,
    /// Distinct permissions over all roles.
    pub permissions: usize,
    /// Allow policies.
    pub allow_policies: usize,
    /// Bindings in them.
    pub bindings: usize,
    /// Deny policies.
    pub deny_policies: usize,
    /// Deny rules in them.
    pub deny_rules: usize,
    /// Groups.
    pub groups: usize,
    /// Resources with a known parent or ancestors.
    pub resources_placed: usize,
    /// Principal access boundary policies.
    pub boundaries: usize,
    /// `deleted:` members.
    pub deleted_members: usize,
}

/// The resource a request is about, with its ancestors.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// The resource as written.
    pub written: String,
    /// Canonical names, the resource first, then its ancestors nearest first.
    pub chain: Vec<String>,
    /// Whether the ancestors were given explicitly (request files): then
    /// they are all there are.
    pub explicit: bool,
}

impl Target {
    /// Whether the ancestors are known to their end: given explicitly, or
    /// reaching an organization.
    pub fn complete(&self) -> bool {
        self.explicit || self.chain.iter().any(|c| c.starts_with("organizations/"))
    }

    /// Whether the container `key` (canonical, not in the chain) may still be
    /// an ancestor: the chain stops before an organization, so a folder or
    /// organization above it, or a project when none is known, might be.
    pub fn may_be_under(&self, key: &str) -> bool {
        if self.complete() || !is_container(key) || self.chain.iter().any(|c| c == key) {
            return false;
        }
        let has_project = self.chain.iter().any(|c| c.starts_with("projects/"));
        !(key.starts_with("projects/") && has_project)
    }
}

/// The sentinel identity standing for "the caller may be one of these
/// principals": the model's deny rules match principals by equality, so a
/// rule whose principals iamx cannot decide is rewritten to name this
/// identity, with an unknown condition in front.
const MAYBE_CALLER: &str = "iamx:caller-may-match";

fn unknown_cond(reason: String, c: &Condition) -> Condition {
    Condition::All(vec![Condition::Unsupported(Reason::new(reason)), c.clone()])
}

/// The index's hash: a word-at-a-time multiplicative hash (as rustc's
/// `FxHasher`), several times cheaper than SipHash on resource names. The
/// keys come from the user's own input files, so flooding is not a concern.
#[derive(Default, Clone, Copy)]
struct NameHasher(u64);

impl NameHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.add(u64::from_le_bytes(b));
        }
        let mut tail = 0u64;
        for (k, b) in words.remainder().iter().enumerate() {
            tail |= u64::from(*b) << (8 * k);
        }
        self.add(tail);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // the table uses the top bits for its tags: mix the low ones up
        self.0.rotate_left(26)
    }
}

type NameMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<NameHasher>>;

/// A set of names met on one request's walk: a few, so a list, until it
/// grows (a deep hierarchy file), then a hash set.
#[derive(Default)]
struct Seen<'a> {
    few: Vec<&'a str>,
    many: std::collections::HashSet<&'a str>,
}

impl<'a> Seen<'a> {
    const FEW: usize = 32;

    fn contains(&self, s: &str) -> bool {
        if self.many.is_empty() {
            self.few.contains(&s)
        } else {
            self.many.contains(s)
        }
    }

    /// Adds `s`; false when it was there.
    fn insert(&mut self, s: &'a str) -> bool {
        if !self.many.is_empty() {
            return self.many.insert(s);
        }
        if self.few.contains(&s) {
            return false;
        }
        self.few.push(s);
        if self.few.len() > Self::FEW {
            self.many = self.few.drain(..).collect();
        }
        true
    }
}

impl GcpEnvironment {
    /// The other spelling of a resource (`projects/ID` ↔ `projects/NUMBER`,
    /// a service account's email ↔ unique id).
    pub fn alias(&self, canonical: &str) -> Option<&str> {
        self.aliases.get(canonical).map(String::as_str)
    }

    fn add_alias(&mut self, id: &str, number: &str) {
        self.invalidate();
        self.add_name_alias(&format!("projects/{id}"), &format!("projects/{number}"));
    }

    fn add_name_alias(&mut self, a: &str, b: &str) {
        self.invalidate();
        let (a, b) = (canon(a), canon(b));
        if a != b {
            self.aliases.insert(a.clone(), b.clone());
            self.aliases.insert(b, a);
        }
    }

    fn add_allow(&mut self, policy: AllowPolicy) {
        self.invalidate();
        self.allow
            .entry(canon(&policy.resource))
            .or_default()
            .push(policy);
    }

    fn add_deny(&mut self, policy: DenyPolicy) {
        self.invalidate();
        self.deny
            .entry(policy.attachment_point.clone())
            .or_default()
            .push(policy);
    }

    fn add_role(&mut self, role: GcpRole) {
        self.invalidate();
        match self.roles.get(&role.name) {
            // a role with its permissions listed beats one without
            Some(old) if old.permissions.is_some() || role.permissions.is_none() => {}
            _ => {
                self.roles.insert(role.name.clone(), role);
            }
        }
    }

    /// Records ancestors (nearest first) of an asset, and the parent edges
    /// between them.
    fn add_ancestors(&mut self, asset: &str, ancestors: &[String]) {
        self.invalidate();
        let me = canon(asset);
        let list: Vec<String> = ancestors
            .iter()
            .map(|a| canon(a))
            .filter(|a| *a != me)
            .collect();
        let mut chain = Vec::with_capacity(list.len() + 1);
        if is_container(&me) {
            chain.push(me.clone());
        }
        chain.extend(list.iter().cloned());
        for w in chain.windows(2) {
            if let [c, p] = w {
                self.parents.entry(c.clone()).or_insert_with(|| p.clone());
            }
        }
        if !list.is_empty() {
            self.ancestors.entry(me).or_insert(list);
        }
    }

    /// Adds everything `other` holds. For roles, one with its permissions
    /// listed wins over one without, then the first; group members are
    /// united; for hierarchy edges the first wins.
    pub fn merge(&mut self, other: GcpEnvironment) {
        self.invalidate();
        for (_, r) in other.roles {
            self.add_role(r);
        }
        for (k, v) in other.allow {
            self.allow.entry(k).or_default().extend(v);
        }
        for (k, v) in other.deny {
            self.deny.entry(k).or_default().extend(v);
        }
        for (k, g) in other.groups {
            match self.groups.get_mut(&k) {
                Some(mine) => {
                    for m in g.members {
                        if !mine.members.contains(&m) {
                            mine.members.push(m);
                        }
                    }
                }
                None => {
                    self.groups.insert(k, g);
                }
            }
        }
        for (k, v) in other.parents {
            self.parents.entry(k).or_insert(v);
        }
        for (k, v) in other.ancestors {
            self.ancestors.entry(k).or_insert(v);
        }
        for (k, v) in other.asset_types {
            self.asset_types.entry(k).or_insert(v);
        }
        for (k, v) in other.aliases {
            self.aliases.entry(k).or_insert(v);
        }
        self.boundaries.extend(other.boundaries);
        self.deleted_members += other.deleted_members;
    }

    /// Sizes.
    pub fn counts(&self) -> GcpCounts {
        let mut perms: BTreeSet<&str> = BTreeSet::new();
        for r in self.roles.values() {
            if let Some(p) = &r.permissions {
                perms.extend(p.iter().map(String::as_str));
            }
        }
        let mut placed: BTreeSet<&str> = self.parents.keys().map(String::as_str).collect();
        placed.extend(self.ancestors.keys().map(String::as_str));
        GcpCounts {
            roles: self.roles.len(),
            permissions: perms.len(),
            allow_policies: self.allow.values().map(Vec::len).sum(),
            bindings: self
                .allow
                .values()
                .flatten()
                .map(|p| p.bindings.len())
                .sum(),
            deny_policies: self.deny.values().map(Vec::len).sum(),
            deny_rules: self.deny.values().flatten().map(|p| p.rules.len()).sum(),
            groups: self.groups.len(),
            resources_placed: placed.len(),
            boundaries: self.boundaries.len(),
            deleted_members: self.deleted_members,
        }
    }

    /// What a binding of `role` grants here.
    pub fn grant(&self, role: &str) -> RoleGrant {
        match self.roles.get(role) {
            Some(r) => r.grant(),
            None => RoleGrant::Unknown(Reason::new(format!(
                "role `{role}` is not in the inputs (load its `gcloud iam roles describe` output)"
            ))),
        }
    }

    /// Checks what only the merged inputs can tell: bindings naming a role
    /// that no input defines, and group cycles spanning files. Warnings.
    pub fn check_references(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for p in self.allow.values().flatten() {
            for b in &p.bindings {
                if !self.roles.contains_key(&b.role) {
                    out.push(unknown_role(b));
                }
            }
        }
        for cycle in group_cycles(&self.groups) {
            let files: BTreeSet<Option<&Arc<str>>> = cycle
                .iter()
                .filter_map(|g| self.groups.get(g))
                .map(|g| g.origin.file.as_ref())
                .collect();
            if files.len() > 1
                && let Some(first) = cycle.first().and_then(|g| self.groups.get(g))
            {
                out.push(Diagnostic {
                    severity: Severity::Warning,
                    message: cycle_message(&cycle),
                    file: first.origin.file.clone(),
                    line: first.origin.line,
                    column: first.origin.column,
                    path: String::new(),
                    help: None,
                });
            }
        }
        out
    }

    /// Drops the index programs are assembled from; the next request
    /// rebuilds it. Every method that adds inputs calls it; call it after
    /// editing a field directly.
    pub fn invalidate(&mut self) {
        self.index.reset();
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| self.build_index())
    }

    fn build_index(&self) -> Index {
        let mut containing: NameMap<Vec<String>> = NameMap::default();
        for (g, def) in &self.groups {
            for m in &def.members {
                containing.entry(m.clone()).or_default().push(g.clone());
            }
        }
        let mut names: NameMap<Known> = NameMap::default();
        let keys = self
            .aliases
            .keys()
            .chain(self.parents.keys())
            .chain(self.ancestors.keys())
            .chain(self.asset_types.keys());
        for k in keys {
            if names.contains_key(k) {
                continue;
            }
            let known = Known {
                alias: self.alias(k).map(str::to_owned),
                parent: self.parent_of(k).map(str::to_owned),
                ancestors: self.ancestors_of(k).cloned(),
                asset_type: self.asset_types.get(k).cloned(),
                ..Known::default()
            };
            names.insert(k.clone(), known);
        }
        let mut grants: HashMap<&str, RoleGrant> = HashMap::new();
        for (k, ps) in &self.allow {
            let at = &mut names.entry(k.clone()).or_default().allow;
            for p in ps {
                let c = canon(&p.resource);
                let project = c.strip_prefix("projects/").filter(|_| is_container(&c));
                for b in &p.bindings {
                    let grant = grants
                        .entry(b.role.as_str())
                        .or_insert_with(|| self.grant(&b.role))
                        .clone();
                    let gb = Arc::new(GcpBinding {
                        role: b.role.clone(),
                        grant,
                        members: b.members.clone(),
                        condition: b.condition.clone(),
                        attached_to: p.resource.clone(),
                        origin: b.origin.clone(),
                    });
                    // convenience members: `projectOwner:P` is whoever has
                    // roles/owner on P
                    let kind = match b.role.as_str() {
                        "roles/owner" => Some("projectOwner"),
                        "roles/editor" => Some("projectEditor"),
                        "roles/viewer" => Some("projectViewer"),
                        _ => None,
                    };
                    if let (Some(kind), Some(project)) = (kind, project)
                        && b.condition.is_true()
                    {
                        let mut ids = vec![format!("{kind}:{project}")];
                        if let Some(a) = self.alias(&c).and_then(|a| a.strip_prefix("projects/")) {
                            ids.push(format!("{kind}:{a}"));
                        }
                        at.convenience.push((gb.clone(), ids));
                    }
                    at.bindings.push(gb);
                }
            }
        }
        for (k, ds) in &self.deny {
            names.entry(k.clone()).or_default().deny = ds
                .iter()
                .flat_map(|d| d.rules.iter().cloned().map(Arc::new))
                .collect();
        }
        Index { containing, names }
    }

    /// The groups `member` belongs to, directly or through other groups.
    /// Never loops: a cycle stops the walk.
    pub fn groups_of(&self, member: &str) -> Vec<String> {
        let containing = &self.index().containing;
        let start = crate::member::normalize(member);
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<&str> = containing
            .get(start.as_str())
            .map(|gs| gs.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        while let Some(g) = todo.pop() {
            if !seen.insert(g) {
                continue;
            }
            out.push(g.to_owned());
            if let Some(up) = containing.get(g) {
                todo.extend(up.iter().map(String::as_str));
            }
        }
        out.sort();
        out
    }

    fn parent_of(&self, c: &str) -> Option<&str> {
        self.parents
            .get(c)
            .or_else(|| self.alias(c).and_then(|a| self.parents.get(a)))
            .map(String::as_str)
    }

    fn ancestors_of(&self, c: &str) -> Option<&Vec<String>> {
        self.ancestors
            .get(c)
            .or_else(|| self.alias(c).and_then(|a| self.ancestors.get(a)))
    }

    /// The resource and its ancestors. `explicit` ancestors (nearest first)
    /// replace what the inputs know; otherwise they come from the name itself,
    /// Cloud Asset Inventory `ancestors`, and the hierarchy.
    pub fn target(&self, resource: &str, explicit: Option<&[String]>) -> Target {
        let names = &self.index().names;
        let me = canon(resource);
        let in_name = parents_in_name(&me);
        // a service agent lives in a project Google owns: nothing the
        // inputs attach above it applies
        let account_of = |name: &str| {
            name.strip_prefix("//iam.googleapis.com/")
                .and_then(|r| r.rsplit_once("/serviceAccounts/"))
                .map(|(_, id)| id.to_owned())
        };
        let agent = account_of(&me)
            .into_iter()
            .chain(self.alias(&me).and_then(account_of))
            .any(|email| crate::names::is_service_agent(&email));
        let explicit: Option<Vec<String>> = if agent {
            Some(Vec::new())
        } else {
            explicit.map(|list| list.iter().map(|a| canon(a)).collect())
        };
        let mut chain: Vec<&str> = vec![me.as_str()];
        // same-service parents (the bucket of an object) come first
        chain.extend(
            in_name
                .iter()
                .filter(|p| p.starts_with("//"))
                .map(String::as_str),
        );
        match &explicit {
            Some(list) => chain.extend(list.iter().map(String::as_str)),
            None => {
                let from_assets = chain
                    .iter()
                    .find_map(|c| names.get(*c).and_then(|k| k.ancestors.as_ref()));
                if let Some(list) = from_assets {
                    chain.extend(list.iter().map(String::as_str));
                }
                chain.extend(
                    in_name
                        .iter()
                        .filter(|p| !p.starts_with("//"))
                        .map(String::as_str),
                );
            }
        }
        // climb the hierarchy from every container (the topmost last)
        let mut seen = Seen::default();
        let mut out: Vec<&str> = Vec::with_capacity(chain.len() + 4);
        for c in chain {
            if seen.insert(c) {
                out.push(c);
            }
        }
        let mut k = 0;
        while let Some(c) = out.get(k).copied() {
            k += 1;
            if !is_container(c) && k > 1 {
                continue;
            }
            let mut cur = c;
            while let Some(p) = names.get(cur).and_then(|k| k.parent.as_deref()) {
                if !seen.insert(p) {
                    break;
                }
                out.push(p);
                cur = p;
            }
        }
        Target {
            written: resource.to_owned(),
            chain: out.into_iter().map(str::to_owned).collect(),
            explicit: explicit.is_some(),
        }
    }

    /// Every spelling under which a policy may be attached to `c`.
    fn forms<'a>(&'a self, c: &'a str) -> impl Iterator<Item = &'a str> {
        let alias = self.index().names.get(c).and_then(|k| k.alias.as_deref());
        let rel = relative(c);
        let rel = (rel != c && !rel.is_empty()).then_some(rel);
        std::iter::once(c).chain(alias).chain(rel)
    }

    /// The program for `request` (permission in `action`, full resource name
    /// in `resource`, the caller's member string in `principal.id`), with the
    /// groups the loaded group files give plus `extra_groups` (expanded too).
    pub fn program_for(&self, request: &Request, extra_groups: &[String]) -> GcpProgram {
        let principal = &request.principal.id;
        let mut groups: BTreeSet<String> = self.groups_of(principal).into_iter().collect();
        for g in extra_groups {
            groups.insert(crate::member::normalize(g));
            groups.extend(self.groups_of(g));
        }
        let groups: Vec<String> = groups.into_iter().collect();
        let authenticated = request.principal.kind != PrincipalKind::Anonymous;
        let caller = Caller::new(principal, &groups, authenticated);
        let target = self.target(&request.resource, None);
        self.assemble_owned(caller, &target)
    }

    /// The program for a caller and a target.
    pub fn assemble(&self, caller: &Caller, target: &Target) -> GcpProgram {
        self.assemble_owned(caller.clone(), target)
    }

    /// [`GcpEnvironment::assemble`], taking the caller's identity sets into
    /// the program instead of copying them.
    fn assemble_owned(&self, caller: Caller, target: &Target) -> GcpProgram {
        let names = &self.index().names;
        let mut keys_seen = Seen::default();
        let mut placed: Vec<&Attached> = Vec::new();
        let mut denies: Vec<&[Arc<GcpDenyRule>]> = Vec::new();
        for c in &target.chain {
            let known = names.get(c.as_str());
            let rel = relative(c);
            let rel = (rel != c && !rel.is_empty()).then_some(rel);
            let forms = std::iter::once(c.as_str())
                .chain(known.and_then(|k| k.alias.as_deref()))
                .chain(rel);
            for f in forms {
                if !keys_seen.insert(f) {
                    continue;
                }
                let here = if f == c { known } else { names.get(f) };
                if let Some(k) = here {
                    if !k.allow.bindings.is_empty() {
                        placed.push(&k.allow);
                    }
                    if !k.deny.is_empty() {
                        denies.push(&k.deny);
                    }
                }
            }
        }
        // convenience members: `projectOwner:P` is whoever has roles/owner on P
        let convenience: Vec<&String> = placed
            .iter()
            .flat_map(|at| &at.convenience)
            .filter(|(b, _)| b.members.iter().any(|m| caller.v1.contains(m)))
            .flat_map(|(_, ids)| ids)
            .collect();
        let mut bindings: Vec<Arc<GcpBinding>> =
            Vec::with_capacity(placed.iter().map(|at| at.bindings.len()).sum());
        bindings.extend(placed.iter().flat_map(|at| at.bindings.iter().cloned()));

        // containers that may be ancestors iamx was not told about: what they
        // hold may apply, so it takes part with an unknown condition
        let mut unplaced_denies: Vec<(&[Arc<GcpDenyRule>], String)> = Vec::new();
        if !target.complete() {
            let why = |key: &str| {
                format!(
                    "iamx does not know whether `{}` is under `{key}` (load its ancestors: a Cloud Asset Inventory export or a hierarchy file)",
                    target.written
                )
            };
            let seen_key = |k: &str| {
                keys_seen.contains(k) || self.alias(k).is_some_and(|a| keys_seen.contains(a))
            };
            for k in self.allow.keys() {
                if let Some(at) = names.get(k).map(|k| &k.allow)
                    && target.may_be_under(k)
                    && !seen_key(k)
                {
                    let why = why(k);
                    bindings.extend(at.bindings.iter().map(|b| {
                        Arc::new(GcpBinding {
                            condition: unknown_cond(why.clone(), &b.condition),
                            ..GcpBinding::clone(b)
                        })
                    }));
                }
            }
            for k in self.deny.keys() {
                if let Some(rules) = names.get(k).map(|k| k.deny.as_slice())
                    && target.may_be_under(k)
                    && !seen_key(k)
                {
                    unplaced_denies.push((rules, why(k)));
                }
            }
        }

        // the service-account caller's project chain, for `principalSet://cloudresourcemanager…` sets
        let sa_target = caller.sa_project.as_ref().map(|p| self.target(p, None));
        let sa_chain: Vec<String> = sa_target
            .as_ref()
            .map(|t| {
                t.chain
                    .iter()
                    .flat_map(|c| self.forms(c).map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let sa_complete = sa_target.as_ref().is_some_and(Target::complete);
        let member = |id: &str| membership(id, &caller, &sa_chain, sa_complete);

        let mut maybe_caller = false;
        let mut rules: Vec<Arc<GcpDenyRule>> = Vec::new();
        let mut maybe_rule = |r: &GcpDenyRule, why: String| {
            maybe_caller = true;
            Arc::new(GcpDenyRule {
                denied_principals: vec![MAYBE_CALLER.to_owned()],
                exception_principals: Vec::new(),
                condition: unknown_cond(why, &r.condition),
                ..GcpDenyRule::clone(r)
            })
        };
        for r in denies.iter().copied().flatten() {
            let who = Membership::any(r.denied_principals.iter().map(|p| member(p)));
            let except = Membership::any(r.exception_principals.iter().map(|p| member(p)));
            match (who, except) {
                (Membership::No, _) | (_, Membership::Yes) | (Membership::Yes, Membership::No) => {
                    rules.push(r.clone());
                }
                (Membership::Maybe(why), _) | (Membership::Yes, Membership::Maybe(why)) => {
                    rules.push(maybe_rule(r, why));
                }
            }
        }
        for (ds, why) in &unplaced_denies {
            for r in ds.iter() {
                let who = Membership::any(r.denied_principals.iter().map(|p| member(p)));
                let except = Membership::any(r.exception_principals.iter().map(|p| member(p)));
                if who == Membership::No || except == Membership::Yes {
                    continue;
                }
                rules.push(maybe_rule(r, why.clone()));
            }
        }

        let (resource_chain, boundaries) = if self.boundaries.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let (chain, boundaries, unsure) = self.boundaries_for(target, &member);
            if let Some(why) = unsure {
                for b in &mut bindings {
                    *b = Arc::new(GcpBinding {
                        condition: unknown_cond(why.clone(), &b.condition),
                        ..GcpBinding::clone(b)
                    });
                }
            }
            (chain, boundaries)
        };
        let convenience: Vec<String> = convenience.into_iter().cloned().collect();
        let Caller {
            v1: mut identities,
            v2: mut v2_identities,
            ..
        } = caller;
        identities.extend(convenience);
        if maybe_caller {
            v2_identities.insert(MAYBE_CALLER.to_owned());
        }
        GcpProgram {
            identities,
            v2_identities,
            resource_chain,
            bindings,
            denies: rules,
            boundaries,
        }
    }

    /// The principal access boundaries that apply to the caller (`member`
    /// tells whether the caller is a principal) and the resource chain they
    /// are checked against; or, when iamx cannot tell whether one applies or
    /// covers the resource, why (every binding's condition becomes unknown).
    fn boundaries_for(
        &self,
        target: &Target,
        member: &dyn Fn(&str) -> Membership,
    ) -> (Vec<String>, Vec<GcpBoundary>, Option<String>) {
        // every spelling of the resource and its ancestors, for boundaries
        let mut resource_chain: Vec<String> = Vec::new();
        let push = |s: String, out: &mut Vec<String>| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        push(target.written.clone(), &mut resource_chain);
        for c in &target.chain {
            for f in self.forms(c) {
                push(full(f), &mut resource_chain);
                push(f.to_owned(), &mut resource_chain);
            }
        }
        // whether a boundary covers the resource: certainly, certainly not,
        // or maybe (it lists a container the resource may be under)
        let covers = |b: &BoundaryPolicy| -> Membership {
            let mut out = Membership::No;
            for r in &b.resources {
                let rc = canon(r);
                if resource_chain.iter().any(|c| c == r || *c == rc) {
                    return Membership::Yes;
                }
                if target.may_be_under(&rc) {
                    out = Membership::Maybe(format!(
                        "iamx does not know whether `{}` is under `{rc}`, which a principal access boundary of the caller lists",
                        target.written
                    ));
                }
            }
            out
        };
        let mut yes: Vec<&BoundaryPolicy> = Vec::new();
        let mut maybe: Vec<(&BoundaryPolicy, String)> = Vec::new();
        for b in &self.boundaries {
            let m = match &b.principals {
                None => Membership::Yes,
                Some(ps) => Membership::any(ps.iter().map(|p| member(p))),
            };
            match m {
                Membership::Yes => yes.push(b),
                Membership::Maybe(why) => maybe.push((b, why)),
                Membership::No => {}
            }
        }
        let to_model = |b: &BoundaryPolicy| GcpBoundary {
            resources: b
                .resources
                .iter()
                .flat_map(|r| {
                    let c = canon(r);
                    [r.clone(), full(&c), c]
                })
                .collect(),
            origin: b.origin.clone(),
        };
        // the caller may use the resource when some boundary that applies
        // covers it, or when no boundary applies at all
        let yes_cover = Membership::any(yes.iter().map(|b| covers(b)));
        let maybe_helps = maybe.iter().find_map(|(b, why)| match covers(b) {
            Membership::No => None,
            Membership::Yes => Some(why.clone()),
            Membership::Maybe(w) => Some(format!("{why}; {w}")),
        });
        let mut boundaries: Vec<GcpBoundary> = Vec::new();
        let mut unsure: Option<String> = None;
        if yes.is_empty() {
            // unknown only if a boundary that may apply would not cover it
            let blocking = maybe.iter().find_map(|(b, why)| match covers(b) {
                Membership::Yes => None,
                Membership::No => Some(why.clone()),
                Membership::Maybe(w) => Some(format!("{why}; {w}")),
            });
            if let Some(why) = blocking {
                unsure = Some(format!(
                    "a principal access boundary policy may apply and may not cover the resource: {why}"
                ));
            }
        } else {
            match yes_cover {
                Membership::Yes => boundaries = yes.iter().map(|b| to_model(b)).collect(),
                Membership::Maybe(why) => unsure = Some(why),
                Membership::No => match maybe_helps {
                    Some(why) => {
                        unsure = Some(format!(
                            "only a principal access boundary policy that may not apply to the caller covers the resource: {why}"
                        ));
                    }
                    None => boundaries = yes.iter().map(|b| to_model(b)).collect(),
                },
            }
        }
        (resource_chain, boundaries, unsure)
    }

    /// The attributes IAM Conditions read, for a resource: `resource.name`
    /// (relative name), `resource.service`, and `resource.type` when the
    /// inputs or the name tell it.
    pub fn resource_attributes(&self, resource: &str) -> Context {
        let c = canon(resource);
        let mut ctx = Context::new();
        ctx.insert("resource.name", iamx_model::Value::str(relative(&c)));
        if let Some(s) = names::service(&c) {
            ctx.insert("resource.service", iamx_model::Value::str(s));
        }
        let ty = self
            .index()
            .names
            .get(&c)
            .and_then(|k| k.asset_type.clone())
            .or_else(|| names::infer_type(&c));
        if let Some(t) = ty {
            ctx.insert("resource.type", iamx_model::Value::str(t));
        }
        ctx
    }

    // ---- readers -------------------------------------------------------

    /// Reads `{"iamxGcpIamPolicies": [{"resource", "policy", "ancestors"?}]}`.
    pub(crate) fn read_iam_policies(&mut self, json: &Json, sink: &mut Sink<'_>) {
        self.invalidate();
        let root = JsonPath::root();
        sink.unknown_keys(json, &root, &["iamxGcpIamPolicies"], "file");
        let Some(list) = json.get("iamxGcpIamPolicies") else {
            return;
        };
        let lp = root.key("iamxGcpIamPolicies");
        let Some(items) = expect_array(list, &lp, sink, "`iamxGcpIamPolicies`") else {
            return;
        };
        for (k, it) in items.iter().enumerate() {
            let p = lp.index(k);
            if !expect_object(it, &p, sink, "an entry of `iamxGcpIamPolicies`") {
                continue;
            }
            sink.unknown_keys(it, &p, &["resource", "policy", "ancestors"], "policy entry");
            let Some(resource) = req_str(it, "resource", &p, sink, "policy entry") else {
                continue;
            };
            if let Some(a) = it.get("ancestors")
                && let Some(list) = str_list(a, &p.key("ancestors"), sink, "ancestors")
            {
                let list: Vec<String> = list.into_iter().map(|l| l.text).collect();
                self.add_ancestors(resource, &list);
            }
            let Some(pj) = it.get("policy") else {
                sink.error(it.span, &p, "policy entry has no `policy`");
                continue;
            };
            let pol = read_allow_policy(
                pj,
                &p.key("policy"),
                resource,
                sink,
                &mut self.deleted_members,
            );
            self.add_allow(pol);
        }
    }

    /// Reads one Cloud Asset Inventory asset (camelCase from `gcloud asset`,
    /// snake_case from exports).
    pub(crate) fn read_asset(&mut self, json: &Json, path: &JsonPath, sink: &mut Sink<'_>) {
        self.invalidate();
        if !expect_object(json, path, sink, "an asset") {
            return;
        }
        sink.unknown_keys(json, path, &ASSET_KEYS, "asset");
        let Some(name) = req_str(json, "name", path, sink, "asset") else {
            return;
        };
        let ty = opt_str(json, "assetType", path, sink)
            .or_else(|| opt_str(json, "asset_type", path, sink));
        if let Some(t) = ty {
            self.asset_types.insert(canon(name), t.to_owned());
        }
        if let Some(a) = json.get("ancestors")
            && let Some(list) = str_list(a, &path.key("ancestors"), sink, "ancestors")
        {
            let list: Vec<String> = list.into_iter().map(|l| l.text).collect();
            self.add_ancestors(name, &list);
        }
        let (policy, pkey) = match (json.get("iamPolicy"), json.get("iam_policy")) {
            (Some(p), _) => (Some(p), "iamPolicy"),
            (None, Some(p)) => (Some(p), "iam_policy"),
            _ => (None, ""),
        };
        if let Some(p) = policy {
            let pol = read_allow_policy(p, &path.key(pkey), name, sink, &mut self.deleted_members);
            self.add_allow(pol);
        }
        // resource data: project numbers, parents, custom roles
        let data = json.get("resource").and_then(|r| r.get("data"));
        if let Some(data) = data {
            let dp = path.key("resource").key("data");
            match ty {
                Some("cloudresourcemanager.googleapis.com/Project") => {
                    let id = data.get("projectId").and_then(Json::as_str);
                    let num = data.get("projectNumber").and_then(|n| match &n.value {
                        JsonValue::String(s) => Some(s.clone()),
                        JsonValue::Number(s) => Some(s.clone()),
                        _ => None,
                    });
                    if let (Some(id), Some(num)) = (id, num) {
                        self.add_alias(id, &num);
                    }
                }
                Some("iam.googleapis.com/ServiceAccount") => {
                    // CAI names a service account by unique id; requests by email
                    let email = data.get("email").and_then(Json::as_str);
                    let uid = data.get("uniqueId").and_then(Json::as_str);
                    if let (Some((prefix, _)), Some(email), Some(uid)) =
                        (name.rsplit_once('/'), email, uid)
                    {
                        let other = if name.ends_with(uid) { email } else { uid };
                        self.add_name_alias(name, &format!("{prefix}/{other}"));
                    }
                }
                Some("iam.googleapis.com/Role") => {
                    let how = RoleRead {
                        default_name: None,
                        unlisted_permissions: false,
                        warn_default: true,
                    };
                    if let Some(r) = read_role(data, &dp, sink, how) {
                        self.add_role(r);
                    }
                }
                _ => {}
            }
        }
        if let Some(parent) = json
            .get("resource")
            .and_then(|r| r.get("parent"))
            .and_then(Json::as_str)
        {
            let (me, up) = (canon(name), canon(parent));
            if is_container(&me) && is_container(&up) {
                self.parents.entry(me).or_insert(up);
            }
        }
    }

    /// Reads `searchAllIamPolicies` results.
    pub(crate) fn read_search_result(&mut self, json: &Json, path: &JsonPath, sink: &mut Sink<'_>) {
        self.invalidate();
        if !expect_object(json, path, sink, "a search result") {
            return;
        }
        sink.unknown_keys(
            json,
            path,
            &[
                "resource",
                "assetType",
                "project",
                "folders",
                "organization",
                "policy",
                "explanation",
            ],
            "search result",
        );
        let Some(resource) = req_str(json, "resource", path, sink, "search result") else {
            return;
        };
        if let Some(t) = opt_str(json, "assetType", path, sink) {
            self.asset_types.insert(canon(resource), t.to_owned());
        }
        let mut anc: Vec<String> = Vec::new();
        if let Some(p) = opt_str(json, "project", path, sink) {
            anc.push(p.to_owned());
        }
        if let Some(f) = json.get("folders")
            && let Some(list) = str_list(f, &path.key("folders"), sink, "folders")
        {
            anc.extend(list.into_iter().map(|l| l.text));
        }
        if let Some(o) = opt_str(json, "organization", path, sink) {
            anc.push(o.to_owned());
        }
        self.add_ancestors(resource, &anc);
        match json.get("policy") {
            Some(p) => {
                let pol = read_allow_policy(
                    p,
                    &path.key("policy"),
                    resource,
                    sink,
                    &mut self.deleted_members,
                );
                self.add_allow(pol);
            }
            None => sink.error(json.span, path, "search result has no `policy`"),
        }
    }

    /// Reads one role or a list of roles.
    pub(crate) fn read_roles(
        &mut self,
        json: &Json,
        sink: &mut Sink<'_>,
        default_name: Option<&str>,
    ) {
        self.invalidate();
        let root = JsonPath::root();
        match &json.value {
            JsonValue::Array(items) => {
                // a list without `--view=FULL` has no permissions at all
                let unlisted = items.iter().all(|r| r.get("includedPermissions").is_none());
                if unlisted && !items.is_empty() {
                    sink.warn_help(
                        json.span,
                        &root,
                        "these roles are listed without `includedPermissions`; bindings of them are unknown",
                        "use `gcloud iam roles list --view=FULL` or `gcloud iam roles describe`",
                    );
                }
                let how = RoleRead {
                    default_name: None,
                    unlisted_permissions: unlisted,
                    warn_default: true,
                };
                for (k, it) in items.iter().enumerate() {
                    if let Some(r) = read_role(it, &root.index(k), sink, how) {
                        self.add_role(r);
                    }
                }
            }
            _ => {
                let how = RoleRead {
                    default_name,
                    unlisted_permissions: false,
                    warn_default: true,
                };
                if let Some(r) = read_role(json, &root, sink, how) {
                    self.add_role(r);
                }
            }
        }
    }

    /// Reads one deny policy or a list of them.
    pub(crate) fn read_deny_policies(&mut self, json: &Json, sink: &mut Sink<'_>) {
        self.invalidate();
        let root = JsonPath::root();
        let (items, base): (Vec<&Json>, Vec<JsonPath>) = match &json.value {
            JsonValue::Array(items) => (
                items.iter().collect(),
                (0..items.len()).map(|k| root.index(k)).collect(),
            ),
            _ => match json.get("policies").and_then(Json::as_array) {
                Some(items) if json.get("rules").is_none() => (
                    items.iter().collect(),
                    (0..items.len())
                        .map(|k| root.key("policies").index(k))
                        .collect(),
                ),
                _ => (vec![json], vec![root]),
            },
        };
        for (it, p) in items.into_iter().zip(base) {
            if let Some(d) = read_deny_policy(it, &p, sink, None) {
                self.add_deny(d);
            }
        }
    }

    /// Reads `{"iamxGcpGroups": {"group:…": [members]}}`.
    pub(crate) fn read_groups(&mut self, json: &Json, sink: &mut Sink<'_>) {
        self.invalidate();
        let root = JsonPath::root();
        sink.unknown_keys(json, &root, &["iamxGcpGroups"], "file");
        let Some(g) = json.get("iamxGcpGroups") else {
            return;
        };
        let gp = root.key("iamxGcpGroups");
        let Some(members) = g.as_object() else {
            sink.error(
                g.span,
                &gp,
                format!(
                    "`iamxGcpGroups` must be an object of group → members, found {}",
                    g.kind_name()
                ),
            );
            return;
        };
        let mut mine: BTreeMap<String, GroupDef> = BTreeMap::new();
        for (k, v) in members {
            let p = gp.key(&k.name);
            if !k.name.starts_with("group:") {
                sink.error(
                    k.span,
                    &p,
                    format!("group key `{}` must be `group:EMAIL`", k.name),
                );
                continue;
            }
            let Some(list) = str_list(v, &p, sink, "group members") else {
                continue;
            };
            let mut out = Vec::new();
            for m in list {
                match crate::member::member_kind(&m.text) {
                    crate::member::MemberKind::User
                    | crate::member::MemberKind::Group
                    | crate::member::MemberKind::ServiceAccount
                    | crate::member::MemberKind::Principal => {}
                    _ => sink.warn(
                        m.span,
                        &m.path,
                        format!("group member `{}` is not a `user:`, `group:` or `serviceAccount:` member", m.text),
                    ),
                }
                out.push(crate::member::normalize(&m.text));
            }
            let key = crate::member::normalize(&k.name);
            let o = origin(sink, k.span, format!("group {key}"), 0, None);
            match mine.get_mut(&key) {
                Some(def) => def.members.extend(out),
                None => {
                    mine.insert(
                        key,
                        GroupDef {
                            members: out,
                            origin: o,
                        },
                    );
                }
            }
        }
        for cycle in group_cycles(&mine) {
            if let Some(first) = cycle.first() {
                let p = gp.key(first);
                let span = members
                    .iter()
                    .find(|(k, _)| crate::member::normalize(&k.name) == *first)
                    .map_or(g.span, |(k, _)| k.span);
                sink.warn(span, &p, cycle_message(&cycle));
            }
        }
        let other = GcpEnvironment {
            groups: mine,
            ..GcpEnvironment::default()
        };
        self.merge(other);
    }

    /// Reads `{"iamxGcpHierarchy": {child: parent}, "iamxGcpProjectNumbers": {id: number}}`.
    pub(crate) fn read_hierarchy(&mut self, json: &Json, sink: &mut Sink<'_>) {
        self.invalidate();
        let root = JsonPath::root();
        sink.unknown_keys(
            json,
            &root,
            &["iamxGcpHierarchy", "iamxGcpProjectNumbers"],
            "file",
        );
        if let Some(h) = json.get("iamxGcpHierarchy") {
            let hp = root.key("iamxGcpHierarchy");
            match h.as_object() {
                None => sink.error(
                    h.span,
                    &hp,
                    format!(
                        "`iamxGcpHierarchy` must be an object of child → parent, found {}",
                        h.kind_name()
                    ),
                ),
                Some(members) => {
                    let mut mine: BTreeMap<String, (String, iamx_model::json::Span)> =
                        BTreeMap::new();
                    for (k, v) in members {
                        let p = hp.key(&k.name);
                        let Some(parent) = v.as_str() else {
                            sink.error(
                                v.span,
                                &p,
                                format!(
                                    "the parent of `{}` must be a string, found {}",
                                    k.name,
                                    v.kind_name()
                                ),
                            );
                            continue;
                        };
                        let (c, pc) = (canon(&k.name), canon(parent));
                        for (what, n, span) in [("child", &c, k.span), ("parent", &pc, v.span)] {
                            if !is_container(n) {
                                sink.warn(
                                    span,
                                    &p,
                                    format!("hierarchy {what} `{n}` is not an organization, folder or project"),
                                );
                            }
                        }
                        mine.insert(c, (pc, k.span));
                    }
                    // cycles: warn once per cycle
                    let mut reported: BTreeSet<String> = BTreeSet::new();
                    for start in mine.keys() {
                        let mut seen: Vec<&str> = vec![start.as_str()];
                        let mut cur = start.as_str();
                        while let Some((p, _)) = mine.get(cur) {
                            if p == start {
                                if seen.iter().all(|s| !reported.contains(*s)) {
                                    let span = mine.get(start.as_str()).map_or(h.span, |(_, s)| *s);
                                    let mut names: Vec<String> =
                                        seen.iter().map(|s| format!("`{s}`")).collect();
                                    names.push(format!("`{start}`"));
                                    sink.warn(span, &hp.key(start), format!("resource hierarchy cycle: {}; iamx stops climbing at the repeat", names.join(" → ")));
                                    reported.extend(seen.iter().map(|s| (*s).to_owned()));
                                }
                                break;
                            }
                            if seen.contains(&p.as_str()) {
                                break;
                            }
                            seen.push(p.as_str());
                            cur = p.as_str();
                        }
                    }
                    for (c, (p, _)) in mine {
                        self.parents.insert(c, p);
                    }
                }
            }
        }
        if let Some(n) = json.get("iamxGcpProjectNumbers") {
            let np = root.key("iamxGcpProjectNumbers");
            match n.as_object() {
                None => sink.error(
                    n.span,
                    &np,
                    format!("`iamxGcpProjectNumbers` must be an object of project id → number, found {}", n.kind_name()),
                ),
                Some(members) => {
                    for (k, v) in members {
                        let num = match &v.value {
                            JsonValue::String(s) => s.clone(),
                            JsonValue::Number(s) => s.clone(),
                            _ => {
                                sink.error(v.span, &np.key(&k.name), format!("the number of project `{}` must be a string, found {}", k.name, v.kind_name()));
                                continue;
                            }
                        };
                        let id = k.name.strip_prefix("projects/").unwrap_or(&k.name);
                        let num = num.strip_prefix("projects/").unwrap_or(&num).to_owned();
                        self.add_alias(id, &num);
                    }
                }
            }
        }
    }

    /// Reads `{"iamxGcpPrincipalAccessBoundaries": [policy…]}`.
    pub(crate) fn read_boundaries(&mut self, json: &Json, sink: &mut Sink<'_>) {
        self.invalidate();
        let root = JsonPath::root();
        sink.unknown_keys(json, &root, &["iamxGcpPrincipalAccessBoundaries"], "file");
        let Some(list) = json.get("iamxGcpPrincipalAccessBoundaries") else {
            return;
        };
        let lp = root.key("iamxGcpPrincipalAccessBoundaries");
        let Some(items) = expect_array(list, &lp, sink, "`iamxGcpPrincipalAccessBoundaries`")
        else {
            return;
        };
        for (k, it) in items.iter().enumerate() {
            if let Some(b) = read_boundary(it, &lp.index(k), sink, k, true) {
                self.boundaries.push(b);
            }
        }
    }

    /// Adds a deny policy read elsewhere (request files).
    pub(crate) fn push_deny(&mut self, d: DenyPolicy) {
        self.invalidate();
        self.add_deny(d);
    }

    /// Adds an allow policy read elsewhere (request files).
    pub(crate) fn push_allow(&mut self, p: AllowPolicy) {
        self.invalidate();
        self.add_allow(p);
    }

    /// Adds a role read elsewhere (request files).
    pub(crate) fn push_role(&mut self, r: GcpRole) {
        self.invalidate();
        self.add_role(r);
    }
}

const ASSET_KEYS: [&str; 22] = [
    "name",
    "assetType",
    "asset_type",
    "iamPolicy",
    "iam_policy",
    "ancestors",
    "updateTime",
    "update_time",
    "resource",
    "orgPolicy",
    "org_policy",
    "accessPolicy",
    "access_policy",
    "accessLevel",
    "access_level",
    "servicePerimeter",
    "service_perimeter",
    "osInventory",
    "os_inventory",
    "relatedAssets",
    "related_assets",
    "relatedAsset",
];

/// The warning for a binding whose role no input defines.
pub(crate) fn unknown_role(b: &crate::policy::Binding) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        message: format!(
            "role `{}` is not defined in the inputs; the binding's grants are unknown",
            b.role
        ),
        file: b.origin.file.clone(),
        line: b.origin.line,
        column: b.origin.column,
        path: b.role_path.clone(),
        help: Some(
            "load the role's `gcloud iam roles describe` output (or a folder of them)".to_owned(),
        ),
    }
}

/// Cycles among groups, each once (as the list of groups on it).
fn group_cycles(groups: &BTreeMap<String, GroupDef>) -> Vec<Vec<String>> {
    let mut cycles: Vec<Vec<String>> = Vec::new();
    let mut on_cycle: BTreeSet<String> = BTreeSet::new();
    for start in groups.keys() {
        if on_cycle.contains(start) {
            continue;
        }
        // depth-first search for a path back to `start`
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut visited: BTreeSet<String> = BTreeSet::new();
        while let Some((g, path)) = stack.pop() {
            let Some(def) = groups.get(&g) else { continue };
            let mut found = None;
            for m in &def.members {
                if m == start {
                    found = Some(path.clone());
                    break;
                }
                if groups.contains_key(m) && visited.insert(m.clone()) {
                    let mut p = path.clone();
                    p.push(m.clone());
                    stack.push((m.clone(), p));
                }
            }
            if let Some(c) = found {
                if c.iter().all(|x| !on_cycle.contains(x)) {
                    on_cycle.extend(c.iter().cloned());
                    cycles.push(c);
                }
                break;
            }
        }
    }
    cycles
}

fn cycle_message(cycle: &[String]) -> String {
    let mut names: Vec<String> = cycle.iter().map(|g| format!("`{g}`")).collect();
    if let Some(first) = cycle.first() {
        names.push(format!("`{first}`"));
    }
    format!(
        "group membership cycle: {}; iamx stops expanding at the repeat",
        names.join(" → ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(members: &[&str]) -> GroupDef {
        GroupDef {
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            origin: Arc::new(Origin {
                file: None,
                policy: Arc::from("g"),
                statement: 0,
                sid: None,
                line: 0,
                column: 0,
            }),
        }
    }

    #[test]
    fn nested_groups_and_cycles() {
        let mut env = GcpEnvironment::default();
        env.groups.insert(
            "group:a@x.com".into(),
            def(&["group:b@x.com", "user:u@x.com"]),
        );
        env.groups.insert(
            "group:b@x.com".into(),
            def(&["group:a@x.com", "user:v@x.com"]),
        );
        env.groups
            .insert("group:c@x.com".into(), def(&["group:b@x.com"]));
        assert_eq!(
            env.groups_of("user:v@x.com"),
            vec!["group:a@x.com", "group:b@x.com", "group:c@x.com"]
        );
        let cycles = group_cycles(&env.groups);
        assert_eq!(cycles.len(), 1, "{cycles:?}");
    }

    #[test]
    fn the_index_follows_merges_and_clones() {
        let mut env = GcpEnvironment::default();
        env.groups
            .insert("group:a@x.com".into(), def(&["user:u@x.com"]));
        assert_eq!(env.groups_of("user:u@x.com"), vec!["group:a@x.com"]);
        // a merge drops the index built by the first question
        let mut more = GcpEnvironment::default();
        more.groups
            .insert("group:b@x.com".into(), def(&["group:a@x.com"]));
        env.merge(more);
        assert_eq!(
            env.groups_of("user:u@x.com"),
            vec!["group:a@x.com", "group:b@x.com"]
        );
        // a clone starts without it, so editing its fields is safe
        let mut copy = env.clone();
        copy.groups.remove("group:b@x.com");
        assert_eq!(copy.groups_of("user:u@x.com"), vec!["group:a@x.com"]);
        // editing a field of an environment already asked needs `invalidate`
        env.parents.insert("projects/p".into(), "folders/1".into());
        env.invalidate();
        assert_eq!(
            env.target("projects/p", None).chain,
            vec!["projects/p", "folders/1"]
        );
    }

    #[test]
    fn a_service_agent_has_no_ancestors_of_the_customer() {
        let mut env = GcpEnvironment::default();
        env.parents
            .insert("projects/p1".into(), "organizations/9".into());
        // the customer's own account climbs to the organization
        let own = env.target(
            "//iam.googleapis.com/projects/p1/serviceAccounts/sa@p1.iam.gserviceaccount.com",
            None,
        );
        assert!(
            own.chain.iter().any(|c| c == "organizations/9"),
            "{:?}",
            own.chain
        );
        // a service agent lives in a project Google owns
        for agent in [
            "//iam.googleapis.com/projects/p1/serviceAccounts/123@cloudbuild.gserviceaccount.com",
            "//iam.googleapis.com/projects/-/serviceAccounts/service-123@gcp-sa-pubsub.iam.gserviceaccount.com",
        ] {
            let t = env.target(agent, None);
            assert!(t.complete(), "{agent}");
            assert_eq!(t.chain.len(), 1, "{agent}: {:?}", t.chain);
        }
    }

    #[test]
    fn targets_climb_names_assets_and_hierarchy() {
        let mut env = GcpEnvironment::default();
        env.add_ancestors(
            "//storage.googleapis.com/b1",
            &["projects/111".into(), "organizations/9".into()],
        );
        env.parents.insert("projects/p2".into(), "folders/5".into());
        env.parents
            .insert("folders/5".into(), "organizations/9".into());
        let t = env.target(
            "//storage.googleapis.com/projects/_/buckets/b1/objects/x/y",
            None,
        );
        assert_eq!(
            t.chain,
            vec![
                "//storage.googleapis.com/projects/_/buckets/b1/objects/x/y",
                "//storage.googleapis.com/projects/_/buckets/b1",
                "projects/111",
                "organizations/9"
            ]
        );
        let t = env.target(
            "//compute.googleapis.com/projects/p2/zones/z/instances/i",
            None,
        );
        assert_eq!(
            t.chain,
            vec![
                "//compute.googleapis.com/projects/p2/zones/z/instances/i",
                "//compute.googleapis.com/projects/p2/zones/z",
                "projects/p2",
                "folders/5",
                "organizations/9"
            ]
        );
        assert!(t.complete());
        // a cycle in the hierarchy does not loop
        env.parents
            .insert("organizations/9".into(), "projects/p2".into());
        env.invalidate();
        let t = env.target("projects/p2", None);
        assert_eq!(t.chain.len(), 3);
    }
}
