//! Escalation over the technique catalogs (`crate::technique`): what each
//! cloud's interpreter finds, and how it is laid into the permission graph.
//!
//! A technique's effect decides its place in the graph:
//! - *act as*, *run code as*, *reach an existing resource* and *join a
//!   group* are steps: an `escalates` edge from the caller to the target,
//!   or to a `targets` node standing for every target the caller reaches
//!   alike (`includes` edges to its members);
//! - *change permissions* rewrites what the target may do. It makes an
//!   administrator of whoever acts as a principal that would hold the
//!   rewrite and whose caps (boundary, SCPs) let it be one. So the caller
//!   reaches admin when it can itself act as such a holder (itself, its
//!   group, a role it can assume, …: one backward search from the holders
//!   per target set), and a principal that can act both as the caller and
//!   as a holder reaches it through the two.
//!
//! Edges between one pair are one edge listing its techniques; an edge is
//! conditional only when every technique on it is.

pub mod aws;
pub mod azure;
pub mod gcp;

use crate::technique::Technique;
use iamx_graph::{Cloud, Edge, EdgeKind, NodeId, NodeKind, PermissionGraph};
use iamx_model::{Context, Decision};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// How conditions are decided: the keys the user fixes, and the present
/// time (`None`: left open).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Request keys fixed for every question.
    pub context: Context,
    /// The present time, in epoch seconds.
    pub now: Option<i64>,
}

/// How a cloud writes the present time under a key.
#[derive(Clone, Copy)]
pub(crate) enum Clock {
    /// An ISO 8601 date-time.
    Date,
    /// Seconds since the epoch.
    Epoch,
}

impl Options {
    /// `base` with the user's keys, and the present time under each of
    /// `clock`'s keys the user did not fix.
    pub(crate) fn context_on(&self, mut base: Context, clock: &[(&str, Clock)]) -> Context {
        for (k, v) in self.context.iter() {
            base.insert(k, v.clone());
        }
        if let Some(now) = self.now {
            for (key, form) in clock {
                if base.get(key).is_none() {
                    let v = match form {
                        Clock::Date => iamx_model::value::format_date(now * 1000),
                        Clock::Epoch => now.to_string(),
                    };
                    base.insert(key, iamx_model::Value::str(v));
                }
            }
        }
        base
    }
}

/// A decision graded for escalation: `None` not allowed, `Some(None)`
/// allowed, `Some(Some(why))` allowed under a condition.
pub(crate) type Grade = Option<Option<String>>;

pub(crate) fn grade(d: &Decision) -> Grade {
    crate::grade(d).map(|(conditional, why)| if conditional { why } else { None })
}

/// Both grades hold: the first condition stands for the pair.
pub(crate) fn and(a: Grade, b: Grade) -> Grade {
    match (a?, b?) {
        (None, None) => Some(None),
        (Some(x), None) | (None, Some(x)) => Some(Some(x)),
        (Some(x), Some(y)) if x == y => Some(Some(x)),
        (Some(x), Some(y)) => Some(Some(format!("{x}; and {y}"))),
    }
}

/// Either grade holds: unconditional wins.
pub(crate) fn or(a: Grade, b: Grade) -> Grade {
    match (a, b) {
        (Some(None), _) | (_, Some(None)) => Some(None),
        (Some(x), _) => Some(x),
        (None, y) => y,
    }
}

/// A principal with an administrator's permissions.
#[derive(Clone, Debug)]
pub struct Admin {
    pub principal: String,
    pub scope: String,
    pub permission: String,
    pub condition: Option<String>,
    /// The technique, when one gives it (`None`: it holds the permissions).
    pub technique: Option<String>,
}

/// Where a step leads.
#[derive(Clone, Debug)]
pub enum StepTo {
    /// One principal or group.
    Node(String),
    /// A target set (index into [`Facts::sets`]).
    Set(usize),
}

/// The caller gets to act as (or hold the permissions of) the target.
#[derive(Clone, Debug)]
pub struct Step {
    pub from: String,
    pub to: StepTo,
    pub technique: &'static Technique,
    pub condition: Option<String>,
    /// What the technique's name leaves out (the delegates of a chain).
    pub note: Option<String>,
}

/// The caller can rewrite the permissions of every member of a set.
#[derive(Clone, Debug)]
pub struct Rewrite {
    pub from: String,
    pub technique: &'static Technique,
    pub condition: Option<String>,
    pub set: usize,
}

/// What a rewrite can give the principals that hold its target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Grant {
    /// Any policy the caller writes (within the holder's caps).
    Anything,
    /// One of the policy's stored versions, made the default.
    StoredVersions,
    /// The named group's policies, added by joining it.
    Join(String),
}

/// Targets a caller reaches alike.
#[derive(Clone, Debug)]
pub struct TargetSet {
    /// The users, roles, groups or policies.
    pub members: Vec<String>,
    /// For a rewrite: what it gives the holders.
    pub grant: Grant,
    /// For a rewrite: the principals that would hold it and could be made
    /// administrators by it, with the condition under which they could.
    pub holders: Vec<(String, Option<String>)>,
}

/// What an interpreter finds.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub admins: Vec<Admin>,
    pub steps: Vec<Step>,
    pub rewrites: Vec<Rewrite>,
    pub sets: Vec<TargetSet>,
}

/// The edge kinds a principal acts through: whoever acts as the tail acts
/// as the head.
pub const ACT_EDGES: [EdgeKind; 5] = [
    EdgeKind::MemberOf,
    EdgeKind::CanAssume,
    EdgeKind::CanImpersonate,
    EdgeKind::Escalates,
    EdgeKind::Includes,
];

/// One technique on an edge being merged.
struct Entry {
    id: String,
    name: String,
    permission: String,
    condition: Option<String>,
}

/// (from, to, technique, condition, name or `None`).
type Seen = (NodeId, NodeId, String, Option<String>, Option<String>);

/// Edges being merged, one per (from, to).
#[derive(Default)]
pub struct Merged {
    edges: BTreeMap<(NodeId, NodeId), Vec<Entry>>,
    /// What each edge holds already: (from, to, technique, condition, and
    /// the name unless one witness per technique and condition is enough).
    seen: HashSet<Seen>,
}

impl Merged {
    /// Adds `e` unless the edge lists it already.
    fn push(&mut self, from: NodeId, to: NodeId, e: Entry) {
        let key = (
            from,
            to,
            e.id.clone(),
            e.condition.clone(),
            Some(e.name.clone()),
        );
        if self.seen.insert(key) {
            self.edges.entry((from, to)).or_default().push(e);
        }
    }

    /// Adds `e` unless the edge has a witness of its technique under its
    /// condition already (the first found is kept: one is enough).
    fn push_witness(&mut self, from: NodeId, to: NodeId, e: Entry) {
        let key = (from, to, e.id.clone(), e.condition.clone(), None);
        if self.seen.insert(key) {
            self.edges.entry((from, to)).or_default().push(e);
        }
    }

    /// Targets one caller reaches by the same techniques under the same
    /// conditions become one `targets` node (shared by every caller that
    /// reaches that set alike): one edge per caller and one `includes` edge
    /// per member, not one edge per caller and member.
    fn group(&mut self, g: &mut PermissionGraph, lay: &Layout<'_>, hubs: &BTreeSet<NodeId>) {
        type Key = Vec<(String, String, String, Option<String>)>;
        let key = |v: &[Entry]| -> Key {
            let mut k: Key = v
                .iter()
                .map(|e| {
                    (
                        e.id.clone(),
                        e.name.clone(),
                        e.permission.clone(),
                        e.condition.clone(),
                    )
                })
                .collect();
            k.sort();
            k
        };
        let mut groups: BTreeMap<(NodeId, Key), Vec<NodeId>> = BTreeMap::new();
        for ((from, to), entries) in &self.edges {
            if hubs.contains(to) {
                continue;
            }
            groups.entry((*from, key(entries))).or_default().push(*to);
        }
        let mut made: HashMap<Vec<NodeId>, NodeId> = HashMap::new();
        for ((from, _), mut members) in groups {
            if members.len() < 2 {
                continue;
            }
            members.sort_unstable();
            let hub = match made.get(&members) {
                Some(h) => *h,
                None => {
                    let h = hub_node(g, lay, &members);
                    made.insert(members.clone(), h);
                    h
                }
            };
            let mut entries = Vec::new();
            for m in &members {
                if let Some(v) = self.edges.remove(&(from, *m)) {
                    entries = v;
                }
            }
            self.edges.insert((from, hub), entries);
        }
    }

    /// Adds the merged edges to `g`.
    pub fn flush(self, g: &mut PermissionGraph) {
        for ((from, to), mut entries) in self.edges {
            entries.sort_by(|a, b| (&a.id, &a.name).cmp(&(&b.id, &b.name)));
            let mut perms: Vec<&str> = Vec::new();
            for e in &entries {
                if !perms.contains(&e.permission.as_str()) {
                    perms.push(&e.permission);
                }
            }
            let detail: Vec<String> = entries
                .iter()
                .map(|e| match &e.condition {
                    None => format!("{}: {}", e.id, e.name),
                    Some(c) => format!("{}: {} (if {c})", e.id, e.name),
                })
                .collect();
            let condition = if entries.iter().any(|e| e.condition.is_none()) {
                None
            } else {
                let cs: BTreeSet<&str> = entries
                    .iter()
                    .filter_map(|e| e.condition.as_deref())
                    .collect();
                Some(cs.into_iter().collect::<Vec<_>>().join("; or "))
            };
            let mut edge = Edge::new(EdgeKind::Escalates)
                .with_permission(perms.join(" | "))
                .with_detail(detail.join("; "));
            edge.condition = condition;
            g.add_edge(from, to, edge);
        }
    }
}

/// How the cloud's graph builder names nodes.
pub struct Layout<'a> {
    pub cloud: Cloud,
    /// The node of a principal, group or policy id (created if needed).
    pub node: &'a dyn Fn(&mut PermissionGraph, &str) -> NodeId,
    /// The admin scope a holder's rewrite makes it administrator of.
    pub scope_of: &'a dyn Fn(&str) -> String,
    /// A short name for texts.
    pub label_of: &'a dyn Fn(&str) -> String,
}

/// The `targets` node standing for members named `ids` (labels
/// `labels`): its id is `tag` and a hash of the names; `member` gives the
/// node of each, for its `includes` edge.
fn targets_node(
    g: &mut PermissionGraph,
    cloud: Cloud,
    tag: &str,
    ids: &[&str],
    labels: &[String],
    member: &mut dyn FnMut(&mut PermissionGraph, usize) -> Option<NodeId>,
) -> NodeId {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in ids {
        for b in m.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let first: Vec<&str> = labels.iter().take(3).map(String::as_str).collect();
    let more = if ids.len() > 3 { ", …" } else { "" };
    let label = format!("{} targets: {}{more}", ids.len(), first.join(", "));
    let id = g.add_node(iamx_graph::Node::new(
        format!("{cloud}:targets:{tag}{h:016x}"),
        cloud,
        NodeKind::Targets,
        label,
    ));
    for i in 0..ids.len() {
        if let Some(mn) = member(g, i) {
            g.add_edge(id, mn, Edge::new(EdgeKind::Includes));
        }
    }
    id
}

/// The `targets` node of members already in the graph.
fn hub_node(g: &mut PermissionGraph, lay: &Layout<'_>, nodes: &[NodeId]) -> NodeId {
    let (ids, labels): (Vec<String>, Vec<String>) = nodes
        .iter()
        .filter_map(|n| g.node(*n).map(|x| (x.id.clone(), x.label.clone())))
        .unzip();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    targets_node(g, lay.cloud, "n", &ids, &labels, &mut |_, i| {
        nodes.get(i).copied()
    })
}

/// The `targets` node of a set's members (created if needed).
fn set_node(g: &mut PermissionGraph, lay: &Layout<'_>, set: &TargetSet) -> NodeId {
    let ids: Vec<&str> = set.members.iter().map(String::as_str).collect();
    let labels: Vec<String> = set.members.iter().map(|m| (lay.label_of)(m)).collect();
    targets_node(g, lay.cloud, "", &ids, &labels, &mut |g, i| {
        ids.get(i).map(|m| (lay.node)(g, m))
    })
}

/// Lays the admins and steps of `facts` into `g`.
pub fn lay_out_steps(g: &mut PermissionGraph, lay: &Layout<'_>, facts: &Facts) {
    for a in &facts.admins {
        let pn = (lay.node)(g, &a.principal);
        let an = crate::graph::admin_node(g, lay.cloud, &a.scope);
        let mut e = Edge::new(EdgeKind::AdminOf).with_permission(a.permission.clone());
        if let Some(t) = &a.technique {
            e = e.with_detail(t.clone());
        }
        e.condition.clone_from(&a.condition);
        g.add_edge(pn, an, e);
    }
    let mut sets: HashMap<usize, NodeId> = HashMap::new();
    let mut merged = Merged::default();
    for s in &facts.steps {
        let from = (lay.node)(g, &s.from);
        let to = match &s.to {
            StepTo::Node(n) => (lay.node)(g, n),
            StepTo::Set(i) => match sets.get(i) {
                Some(n) => *n,
                None => {
                    let Some(set) = facts.sets.get(*i) else {
                        continue;
                    };
                    let n = set_node(g, lay, set);
                    sets.insert(*i, n);
                    n
                }
            },
        };
        merged.push(
            from,
            to,
            Entry {
                id: s.technique.id.clone(),
                name: match &s.note {
                    Some(n) => format!("{} ({n})", s.technique.name),
                    None => s.technique.name.clone(),
                },
                permission: s.technique.permission_text(),
                condition: s.condition.clone(),
            },
        );
    }
    let hubs: BTreeSet<NodeId> = sets.values().copied().collect();
    merged.group(g, lay, &hubs);
    merged.flush(g);
}

/// What a backward search records of a node: the number of conditional
/// edges (and conditional starts) on its best way to a start, and the next
/// node on it with that edge's condition (`None` at a start).
type Way = (u32, Option<(NodeId, Option<String>)>);

/// Backward search from `starts` (each with whether it holds only under a
/// condition) over the act edges: for every node that can act as one of
/// them, its way there with the fewest conditional edges (so an
/// unconditional way is found whenever there is one). Nodes `skip` names
/// are neither recorded nor searched through.
fn towards(
    g: &PermissionGraph,
    starts: &[(NodeId, bool)],
    skip: &dyn Fn(NodeId) -> bool,
) -> HashMap<NodeId, Way> {
    let mut best: HashMap<NodeId, Way> = HashMap::new();
    let mut q: VecDeque<(NodeId, u32)> = VecDeque::new();
    for (s, conditional) in starts {
        let cost = u32::from(*conditional);
        if best.get(s).is_none_or(|(c, _)| cost < *c) {
            best.insert(*s, (cost, None));
            if cost == 0 {
                q.push_front((*s, cost));
            } else {
                q.push_back((*s, cost));
            }
        }
    }
    while let Some((v, cost)) = q.pop_front() {
        if best.get(&v).is_some_and(|(c, _)| *c < cost) {
            continue;
        }
        for (u, e) in g.in_edges(v) {
            if !ACT_EDGES.contains(&e.kind) || skip(u) {
                continue;
            }
            let step = u32::from(e.condition.is_some());
            let c = cost.saturating_add(step);
            if best.get(&u).is_some_and(|(old, _)| *old <= c) {
                continue;
            }
            best.insert(u, (c, Some((v, e.condition.clone()))));
            if step == 0 {
                q.push_front((u, c));
            } else {
                q.push_back((u, c));
            }
        }
    }
    best
}

/// The way from `from` along `next` to a start: the node labels and the
/// conditions met.
fn chain(
    g: &PermissionGraph,
    next: &HashMap<NodeId, Way>,
    from: NodeId,
) -> (Vec<String>, Vec<String>, NodeId) {
    let mut labels = Vec::new();
    let mut conds = Vec::new();
    let mut at = from;
    let mut guard = 0usize;
    while let Some((_, Some((n, c)))) = next.get(&at) {
        if let Some(c) = c {
            conds.push(c.clone());
        }
        at = *n;
        labels.push(g.node(at).map(|x| x.label.clone()).unwrap_or_default());
        guard += 1;
        if guard > next.len() {
            break;
        }
    }
    (labels, conds, at)
}

/// The nodes that reach `admin` unconditionally over act edges and
/// administrator edges: they gain nothing from a rewrite of that scope.
fn reaching_admin(g: &PermissionGraph, admin: NodeId) -> HashSet<NodeId> {
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut q = VecDeque::from([admin]);
    seen.insert(admin);
    while let Some(v) = q.pop_front() {
        for (u, e) in g.in_edges(v) {
            let kind_ok = ACT_EDGES.contains(&e.kind) || e.kind == EdgeKind::AdminOf;
            if kind_ok && e.condition.is_none() && seen.insert(u) {
                q.push_back(u);
            }
        }
    }
    seen
}

pub(crate) fn join_conditions(parts: impl IntoIterator<Item = String>) -> Option<String> {
    let v: Vec<String> = parts.into_iter().collect();
    if v.is_empty() {
        None
    } else {
        let set: BTreeSet<String> = v.into_iter().collect();
        Some(set.into_iter().collect::<Vec<_>>().join("; and "))
    }
}

/// Lays the rewrites of `facts` into `g` as edges to admin nodes; call
/// after every act edge of the cloud is in the graph.
///
/// A caller that holds what it rewrites (itself, its group, a group it
/// joins) gets its edge at once. For the other rewrites, per set of
/// holders: one backward search from the holders finds the callers that
/// act as one; one more, from the callers that do not, finds whoever acts
/// both as such a caller and as a holder. Principals that already reach
/// the holders' administrator node unconditionally are left out of both
/// searches: through them nothing more is reached. Each edge keeps one
/// witness per technique and condition.
pub fn lay_out_rewrites(g: &mut PermissionGraph, lay: &Layout<'_>, facts: &Facts) {
    let label_of_set = |set: &TargetSet| match (&set.grant, set.members.as_slice()) {
        (Grant::Join(group), _) => (lay.label_of)(group),
        (_, [one]) => (lay.label_of)(one),
        (_, many) => format!("{} targets", many.len()),
    };
    let entry =
        |r: &Rewrite, target: &str, via: String, conds: Vec<String>, held: &Option<String>| Entry {
            id: r.technique.id.clone(),
            name: format!("{} ({target}){via}", r.technique.name),
            permission: r.technique.permission_text(),
            condition: join_conditions(
                r.condition
                    .iter()
                    .cloned()
                    .chain(conds)
                    .chain(held.iter().cloned()),
            ),
        };
    let unconditional_admin = |g: &PermissionGraph, x: NodeId| {
        g.out_edges(x)
            .any(|(_, e)| e.kind == EdgeKind::AdminOf && e.condition.is_none())
    };
    // first, the callers that hold what they rewrite
    let mut merged = Merged::default();
    type Group<'f> = (Vec<(NodeId, bool)>, Vec<(&'f Rewrite, usize)>);
    let mut far: Vec<Group<'_>> = Vec::new();
    let mut group_of: HashMap<Vec<(NodeId, bool)>, usize> = HashMap::new();
    let mut holder_nodes: HashMap<usize, Vec<NodeId>> = HashMap::new();
    let mut held_by: HashMap<usize, HashMap<&str, &Option<String>>> = HashMap::new();
    let mut far_key: HashMap<usize, usize> = HashMap::new();
    for r in &facts.rewrites {
        let Some(set) = facts.sets.get(r.set) else {
            continue;
        };
        if set.holders.is_empty() {
            continue;
        }
        let Some(x) = g.node_id(&format!("{}:{}", lay.cloud, r.from)) else {
            continue;
        };
        // an administrator gains nothing by a rewrite
        if unconditional_admin(g, x) {
            continue;
        }
        let own = held_by
            .entry(r.set)
            .or_insert_with(|| set.holders.iter().map(|(h, c)| (h.as_str(), c)).collect());
        if let Some((h, held)) = own.get_key_value(r.from.as_str()) {
            let an = crate::graph::admin_node(g, lay.cloud, &(lay.scope_of)(h));
            merged.push_witness(
                x,
                an,
                entry(r, &label_of_set(set), String::new(), Vec::new(), held),
            );
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = holder_nodes.entry(r.set) {
            let nodes: Vec<NodeId> = set.holders.iter().map(|(h, _)| (lay.node)(g, h)).collect();
            let mut key: Vec<(NodeId, bool)> = nodes
                .iter()
                .zip(&set.holders)
                .map(|(n, (_, c))| (*n, c.is_some()))
                .collect();
            key.sort_unstable();
            slot.insert(nodes);
            let at = match group_of.get(&key) {
                Some(at) => *at,
                None => {
                    far.push((key.clone(), Vec::new()));
                    group_of.insert(key, far.len() - 1);
                    far.len() - 1
                }
            };
            far_key.insert(r.set, at);
        }
        let Some((_, list)) = far_key.get(&r.set).and_then(|at| far.get_mut(*at)) else {
            continue;
        };
        list.push((r, r.set));
    }
    merged.flush(g);
    // then the others, one pair of searches per set of holders
    let mut merged = Merged::default();
    let mut done: HashMap<NodeId, HashSet<NodeId>> = HashMap::new();
    for (starts, rewrites) in far {
        // the holder behind each start node, with its set's own text
        let mut holder_at: HashMap<NodeId, (String, Option<String>)> = HashMap::new();
        let distinct: BTreeSet<usize> = rewrites.iter().map(|(_, i)| *i).collect();
        for i in &distinct {
            let (Some(set), Some(nodes)) = (facts.sets.get(*i), holder_nodes.get(i)) else {
                continue;
            };
            for (n, h) in nodes.iter().zip(&set.holders) {
                holder_at.entry(*n).or_insert_with(|| h.clone());
            }
        }
        let scopes: BTreeSet<String> = holder_at.values().map(|(h, _)| (lay.scope_of)(h)).collect();
        let admin_nodes: Vec<NodeId> = scopes
            .iter()
            .map(|s| crate::graph::admin_node(g, lay.cloud, s))
            .collect();
        let skip_set: Option<&HashSet<NodeId>> = match admin_nodes.as_slice() {
            [an] => Some(done.entry(*an).or_insert_with(|| reaching_admin(g, *an))),
            _ => None,
        };
        let skip = |n: NodeId| skip_set.is_some_and(|s| s.contains(&n));
        let callers: Vec<(&Rewrite, usize, NodeId)> = rewrites
            .iter()
            .filter_map(|(r, i)| {
                let x = g.node_id(&format!("{}:{}", lay.cloud, r.from))?;
                Some((*r, *i, x))
            })
            .collect();
        // every caller that acts as a holder is one rewrite away from
        // administrator (admin-equivalent), whatever else it reaches
        let reach = towards(g, &starts, &|_| false);
        let mut pushes: Vec<(NodeId, String, Entry)> = Vec::new();
        let mut rest: Vec<(NodeId, bool)> = Vec::new();
        let mut rest_of: HashMap<NodeId, (&Rewrite, usize)> = HashMap::new();
        for (r, i, x) in &callers {
            let Some(set) = facts.sets.get(*i) else {
                continue;
            };
            if reach.contains_key(x) {
                let (labels, conds, end) = chain(g, &reach, *x);
                let Some((h, held)) = holder_at.get(&end) else {
                    continue;
                };
                let via = if labels.is_empty() {
                    String::new()
                } else {
                    format!(", held through {}", labels.join(" → "))
                };
                pushes.push((
                    *x,
                    h.clone(),
                    entry(r, &label_of_set(set), via, conds, held),
                ));
            } else {
                if skip(*x) {
                    continue;
                }
                // an unconditional rewrite stands for the caller
                let better = rest_of
                    .get(x)
                    .is_none_or(|(old, _)| old.condition.is_some() && r.condition.is_none());
                if better {
                    rest_of.insert(*x, (*r, *i));
                }
            }
        }
        for (x, (r, _)) in &rest_of {
            rest.push((*x, r.condition.is_some()));
        }
        rest.sort_unstable();
        if !rest.is_empty() {
            // principals that act both as a caller and as a holder
            let back = towards(g, &rest, &skip);
            let mut both: Vec<NodeId> = back
                .keys()
                .filter(|p| !rest_of.contains_key(p) && !skip(**p) && reach.contains_key(p))
                .copied()
                .collect();
            both.sort_unstable();
            for p in &both {
                let (l1, c1, x) = chain(g, &back, *p);
                let (l2, c2, end) = chain(g, &reach, *p);
                let (Some((h, held)), Some((r, i))) = (holder_at.get(&end), rest_of.get(&x)) else {
                    continue;
                };
                let Some(set) = facts.sets.get(*i) else {
                    continue;
                };
                let xl = g.node(x).map(|n| n.label.clone()).unwrap_or_default();
                let via = format!(
                    " by acting as {xl} (through {}), held through {}",
                    l1.join(" → "),
                    l2.join(" → ")
                );
                let conds = c1.into_iter().chain(c2).collect();
                pushes.push((
                    *p,
                    h.clone(),
                    entry(r, &label_of_set(set), via, conds, held),
                ));
            }
        }
        for (from, holder, e) in pushes {
            let an = crate::graph::admin_node(g, lay.cloud, &(lay.scope_of)(&holder));
            merged.push_witness(from, an, e);
        }
    }
    merged.flush(g);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(from: &str, to: &str, id: &str, condition: Option<&str>) -> Step {
        Step {
            from: from.into(),
            to: StepTo::Node(to.into()),
            technique: crate::technique::find(id).unwrap(),
            condition: condition.map(str::to_owned),
            note: None,
        }
    }

    #[test]
    fn targets_reached_alike_share_one_hub() {
        let facts = Facts {
            steps: vec![
                step(
                    "user:a",
                    "sa:x",
                    "gcp-iam.serviceAccounts.getAccessToken",
                    None,
                ),
                step(
                    "user:a",
                    "sa:y",
                    "gcp-iam.serviceAccounts.getAccessToken",
                    None,
                ),
                step(
                    "user:b",
                    "sa:x",
                    "gcp-iam.serviceAccounts.getAccessToken",
                    None,
                ),
                step(
                    "user:b",
                    "sa:y",
                    "gcp-iam.serviceAccounts.getAccessToken",
                    None,
                ),
                // another condition: its own edge
                step(
                    "user:b",
                    "sa:z",
                    "gcp-iam.serviceAccounts.getAccessToken",
                    Some("c"),
                ),
            ],
            ..Facts::default()
        };
        let node = |g: &mut PermissionGraph, m: &str| {
            g.add_node(iamx_graph::Node::new(
                format!("gcp:{m}"),
                Cloud::Gcp,
                NodeKind::User,
                m.to_owned(),
            ))
        };
        let same = |s: &str| s.to_owned();
        let lay = Layout {
            cloud: Cloud::Gcp,
            node: &node,
            scope_of: &same,
            label_of: &same,
        };
        let mut g = PermissionGraph::new();
        lay_out_steps(&mut g, &lay, &facts);
        let hubs: Vec<NodeId> = g
            .nodes()
            .filter(|(_, n)| n.kind == NodeKind::Targets)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hubs.len(), 1, "one hub for {{x, y}}");
        let hub = hubs[0];
        let includes: Vec<NodeId> = g.out_edges(hub).map(|(t, _)| t).collect();
        assert_eq!(includes.len(), 2);
        for caller in ["gcp:user:a", "gcp:user:b"] {
            let c = g.node_id(caller).unwrap();
            let to: Vec<NodeId> = g
                .out_edges(c)
                .filter(|(_, e)| e.kind == EdgeKind::Escalates)
                .map(|(t, _)| t)
                .collect();
            assert!(to.contains(&hub), "{caller}");
        }
        let b = g.node_id("gcp:user:b").unwrap();
        let z = g.node_id("gcp:sa:z").unwrap();
        let to_z: Vec<_> = g.out_edges(b).filter(|(t, _)| *t == z).collect();
        assert_eq!(to_z.len(), 1);
        assert_eq!(to_z[0].1.condition.as_deref(), Some("c"));
        // paths through the hub still reach each member
        let p = g.paths_from_each(
            &[b],
            &|n: &iamx_graph::Node| n.id == "gcp:sa:x",
            &crate::graph::ESCALATION_EDGES,
            4,
            1,
        );
        assert_eq!(p[0].len(), 1);
    }
}
