//! The node, edge and graph types and the graph's basic operations.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde::{Deserialize, Serialize};

/// The cloud a node belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
}

impl Cloud {
    /// The lowercase name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a node stands for. The same kinds serve every cloud; which kinds a
/// cloud uses is up to the code that fills the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    User,
    Group,
    Role,
    ServiceAccount,
    ServicePrincipal,
    ManagedIdentity,
    /// Everyone (`*`, `allUsers`, …).
    Public,
    Account,
    Domain,
    Policy,
    Binding,
    Assignment,
    /// A container of resources: an organisation, folder, project, management
    /// group, subscription, resource group, OU.
    Scope,
    Resource,
    /// "Administrator of X": the target of `AdminOf` and `Escalates` edges.
    Admin,
    /// A set of principals that a caller reaches alike (the roles of an
    /// account a caller may pass to a service, …): one edge to it stands
    /// for one edge to each of its members, which it `Includes`.
    Targets,
}

impl NodeKind {
    /// Every kind, in declaration order.
    pub const ALL: [NodeKind; 16] = [
        NodeKind::User,
        NodeKind::Group,
        NodeKind::Role,
        NodeKind::ServiceAccount,
        NodeKind::ServicePrincipal,
        NodeKind::ManagedIdentity,
        NodeKind::Public,
        NodeKind::Account,
        NodeKind::Domain,
        NodeKind::Policy,
        NodeKind::Binding,
        NodeKind::Assignment,
        NodeKind::Scope,
        NodeKind::Resource,
        NodeKind::Admin,
        NodeKind::Targets,
    ];

    /// The kebab-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::User => "user",
            NodeKind::Group => "group",
            NodeKind::Role => "role",
            NodeKind::ServiceAccount => "service-account",
            NodeKind::ServicePrincipal => "service-principal",
            NodeKind::ManagedIdentity => "managed-identity",
            NodeKind::Public => "public",
            NodeKind::Account => "account",
            NodeKind::Domain => "domain",
            NodeKind::Policy => "policy",
            NodeKind::Binding => "binding",
            NodeKind::Assignment => "assignment",
            NodeKind::Scope => "scope",
            NodeKind::Resource => "resource",
            NodeKind::Admin => "admin",
            NodeKind::Targets => "targets",
        }
    }

    /// Whether a node of this kind can act: a user, group, role, service
    /// account, service principal, managed identity or the public.
    pub fn is_principal(self) -> bool {
        matches!(
            self,
            NodeKind::User
                | NodeKind::Group
                | NodeKind::Role
                | NodeKind::ServiceAccount
                | NodeKind::ServicePrincipal
                | NodeKind::ManagedIdentity
                | NodeKind::Public
        )
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node of the graph. Its `id` is unique in the graph (by convention
/// prefixed with the cloud, e.g. `aws:arn:aws:iam::1:user/alice`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub cloud: Cloud,
    pub kind: NodeKind,
    pub label: String,
}

impl Node {
    pub fn new(
        id: impl Into<String>,
        cloud: Cloud,
        kind: NodeKind,
        label: impl Into<String>,
    ) -> Self {
        Node {
            id: id.into(),
            cloud,
            kind,
            label: label.into(),
        }
    }
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// user/group → group
    MemberOf,
    /// scope → child scope/resource
    Contains,
    /// principal → policy/binding/assignment
    HasPolicy,
    /// policy/binding/assignment → scope/resource
    Grants,
    /// principal → role (AWS `sts:AssumeRole` allowed by the trust policy)
    CanAssume,
    /// principal → service account (GCP `getAccessToken`, …)
    CanImpersonate,
    /// principal → principal/admin node: a privilege-escalation step
    Escalates,
    /// principal → admin node of a scope (admin-equivalent access)
    AdminOf,
    /// a set of targets → one of its members
    Includes,
}

impl EdgeKind {
    /// Every kind, in declaration order.
    pub const ALL: [EdgeKind; 9] = [
        EdgeKind::MemberOf,
        EdgeKind::Contains,
        EdgeKind::HasPolicy,
        EdgeKind::Grants,
        EdgeKind::CanAssume,
        EdgeKind::CanImpersonate,
        EdgeKind::Escalates,
        EdgeKind::AdminOf,
        EdgeKind::Includes,
    ];

    /// The kebab-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::MemberOf => "member-of",
            EdgeKind::Contains => "contains",
            EdgeKind::HasPolicy => "has-policy",
            EdgeKind::Grants => "grants",
            EdgeKind::CanAssume => "can-assume",
            EdgeKind::CanImpersonate => "can-impersonate",
            EdgeKind::Escalates => "escalates",
            EdgeKind::AdminOf => "admin-of",
            EdgeKind::Includes => "includes",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An edge's payload. Two edges between the same nodes are the same edge when
/// all four fields are equal; the order (kind, permission, detail, condition)
/// breaks ties between parallel edges in path queries and renderings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    pub kind: EdgeKind,
    /// The permission(s) that enable the edge, e.g.
    /// `iam:PassRole + lambda:CreateFunction`.
    pub permission: Option<String>,
    /// Actions granted, the technique's name, ….
    pub detail: Option<String>,
    /// When the edge holds only under a condition: the condition's text.
    pub condition: Option<String>,
}

impl Edge {
    /// An edge of `kind` with no permission, detail or condition.
    pub fn new(kind: EdgeKind) -> Self {
        Edge {
            kind,
            permission: None,
            detail: None,
            condition: None,
        }
    }

    pub fn with_permission(mut self, permission: impl Into<String>) -> Self {
        self.permission = Some(permission.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_condition(mut self, condition: impl Into<String>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// Whether the edge holds only under a condition.
    pub fn is_conditional(&self) -> bool {
        self.condition.is_some()
    }
}

impl From<EdgeKind> for Edge {
    fn from(kind: EdgeKind) -> Self {
        Edge::new(kind)
    }
}

/// A handle to a node of one [`PermissionGraph`]. Handles are not portable
/// between graphs (a subgraph from [`PermissionGraph::around`] numbers its
/// nodes afresh): look nodes up by id with [`PermissionGraph::node_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) NodeIndex);

impl NodeId {
    /// The handle's position in the graph's node storage.
    pub fn index(self) -> usize {
        self.0.index()
    }
}

/// A simple path: `edges[i]` goes from `nodes[i]` to `nodes[i + 1]`, so there
/// is one more node than edges and no node repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphPath {
    pub nodes: Vec<NodeId>,
    pub edges: Vec<Edge>,
}

impl GraphPath {
    /// The number of edges.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// Whether the path has no edge.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// The first node.
    pub fn start(&self) -> Option<NodeId> {
        self.nodes.first().copied()
    }

    /// The last node.
    pub fn end(&self) -> Option<NodeId> {
        self.nodes.last().copied()
    }

    /// The steps `(from, edge, to)` in order.
    pub fn steps(&self) -> impl Iterator<Item = (NodeId, &Edge, NodeId)> + '_ {
        self.nodes
            .iter()
            .zip(self.nodes.iter().skip(1))
            .zip(&self.edges)
            .map(|((&a, &b), e)| (a, e, b))
    }
}

/// A directed multigraph of [`Node`]s and [`Edge`]s with unique node ids and
/// no duplicate edges.
#[derive(Debug, Clone, Default)]
pub struct PermissionGraph {
    pub(crate) graph: StableDiGraph<Node, Edge>,
    by_id: HashMap<String, NodeIndex>,
    /// The connected (from, to) pairs: an edge to a pair not in here is new
    /// without looking at the graph, so de-duplication costs O(1) except
    /// for parallel edges.
    pairs: HashSet<(NodeIndex, NodeIndex)>,
}

impl PermissionGraph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `node` unless a node with its id is present; returns the handle
    /// of the node with that id. The first node added with an id is kept.
    pub fn add_node(&mut self, node: Node) -> NodeId {
        if let Some(&ix) = self.by_id.get(&node.id) {
            return NodeId(ix);
        }
        let id = node.id.clone();
        let ix = self.graph.add_node(node);
        self.by_id.insert(id, ix);
        NodeId(ix)
    }

    /// The handle of the node with this id.
    pub fn node_id(&self, id: &str) -> Option<NodeId> {
        self.by_id.get(id).copied().map(NodeId)
    }

    pub fn node(&self, n: NodeId) -> Option<&Node> {
        self.graph.node_weight(n.0)
    }

    /// Adds an edge unless the same edge (equal endpoints and payload) is
    /// present. An edge whose endpoint is not a node of this graph (a handle
    /// from another graph) is ignored.
    pub fn add_edge(&mut self, from: NodeId, to: NodeId, edge: Edge) {
        if !self.graph.contains_node(from.0) || !self.graph.contains_node(to.0) {
            return;
        }
        if !self.pairs.insert((from.0, to.0))
            && self
                .graph
                .edges_connecting(from.0, to.0)
                .any(|e| *e.weight() == edge)
        {
            return;
        }
        self.graph.add_edge(from.0, to.0, edge);
    }

    /// Every node, in insertion order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.graph
            .node_indices()
            .filter_map(|ix| self.graph.node_weight(ix).map(|n| (NodeId(ix), n)))
    }

    /// Every edge as (from, to, edge), in insertion order.
    pub fn edges(&self) -> impl Iterator<Item = (NodeId, NodeId, &Edge)> + '_ {
        self.graph
            .edge_references()
            .map(|e| (NodeId(e.source()), NodeId(e.target()), e.weight()))
    }

    /// The edges leaving `n`, as (target, edge).
    pub fn out_edges(&self, n: NodeId) -> impl Iterator<Item = (NodeId, &Edge)> + '_ {
        self.graph
            .edges_directed(n.0, Direction::Outgoing)
            .map(|e| (NodeId(e.target()), e.weight()))
    }

    /// The edges entering `n`, as (source, edge).
    pub fn in_edges(&self, n: NodeId) -> impl Iterator<Item = (NodeId, &Edge)> + '_ {
        self.graph
            .edges_directed(n.0, Direction::Incoming)
            .map(|e| (NodeId(e.source()), e.weight()))
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// How many nodes there are of each (cloud, kind); absent pairs are zero.
    pub fn counts_by_kind(&self) -> BTreeMap<(Cloud, NodeKind), usize> {
        let mut counts = BTreeMap::new();
        for (_, node) in self.nodes() {
            *counts.entry((node.cloud, node.kind)).or_insert(0) += 1;
        }
        counts
    }

    /// The subgraph of the nodes at most `depth` edges from `center`,
    /// following edges in either direction, and every edge among them. The
    /// subgraph numbers its nodes afresh (in sorted-id order); it is empty if
    /// `center` is not a node of this graph.
    pub fn around(&self, center: NodeId, depth: usize) -> PermissionGraph {
        let mut sub = PermissionGraph::new();
        if !self.graph.contains_node(center.0) {
            return sub;
        }
        let mut seen: HashSet<NodeIndex> = HashSet::from([center.0]);
        let mut queue = VecDeque::from([(center.0, 0usize)]);
        while let Some((ix, d)) = queue.pop_front() {
            if d >= depth {
                continue;
            }
            for next in self.graph.neighbors_undirected(ix) {
                if seen.insert(next) {
                    queue.push_back((next, d + 1));
                }
            }
        }
        let mut kept: Vec<(NodeIndex, &Node)> = seen
            .iter()
            .filter_map(|&ix| Some((ix, self.graph.node_weight(ix)?)))
            .collect();
        kept.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        let new_ids: HashMap<NodeIndex, NodeId> = kept
            .iter()
            .map(|&(ix, node)| (ix, sub.add_node(node.clone())))
            .collect();
        for &(ix, _) in &kept {
            for e in self.graph.edges_directed(ix, Direction::Outgoing) {
                if let (Some(&from), Some(&to)) =
                    (new_ids.get(&e.source()), new_ids.get(&e.target()))
                {
                    sub.add_edge(from, to, e.weight().clone());
                }
            }
        }
        sub
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> Node {
        Node::new(id, Cloud::Aws, NodeKind::User, id)
    }

    #[test]
    fn add_node_is_idempotent_and_keeps_the_first() {
        let mut g = PermissionGraph::new();
        let a = g.add_node(user("a"));
        let again = g.add_node(Node::new("a", Cloud::Gcp, NodeKind::Role, "other"));
        assert_eq!(a, again);
        assert_eq!(g.node_count(), 1);
        let node = g.node(a).unwrap();
        assert_eq!(
            (node.cloud, node.kind, node.label.as_str()),
            (Cloud::Aws, NodeKind::User, "a")
        );
        assert_eq!(g.node_id("a"), Some(a));
        assert_eq!(g.node_id("b"), None);
    }

    #[test]
    fn identical_edges_are_deduplicated_and_different_ones_kept() {
        let mut g = PermissionGraph::new();
        let a = g.add_node(user("a"));
        let b = g.add_node(user("b"));
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf));
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf));
        assert_eq!(g.edge_count(), 1);
        // Parallel edges that differ in any field are distinct.
        g.add_edge(a, b, Edge::new(EdgeKind::Escalates));
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf).with_condition("c"));
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf).with_permission("p"));
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf).with_detail("d"));
        assert_eq!(g.edge_count(), 5);
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf).with_detail("d"));
        assert_eq!(g.edge_count(), 5);
        // The reverse direction is another edge.
        g.add_edge(b, a, Edge::new(EdgeKind::MemberOf));
        assert_eq!(g.edge_count(), 6);
        // A self-loop is kept once.
        g.add_edge(a, a, Edge::new(EdgeKind::CanAssume));
        g.add_edge(a, a, Edge::new(EdgeKind::CanAssume));
        assert_eq!(g.edge_count(), 7);
    }

    #[test]
    fn edges_with_a_foreign_endpoint_are_ignored() {
        let mut big = PermissionGraph::new();
        let x = big.add_node(user("x"));
        let y = big.add_node(user("y"));
        let z = big.add_node(user("z"));
        let mut small = PermissionGraph::new();
        let a = small.add_node(user("a"));
        small.add_edge(a, z, Edge::new(EdgeKind::MemberOf));
        small.add_edge(y, x, Edge::new(EdgeKind::MemberOf));
        assert_eq!(small.edge_count(), 0);
        assert_eq!(small.node(z), None);
    }

    #[test]
    fn in_and_out_edges_name_the_other_end() {
        let mut g = PermissionGraph::new();
        let a = g.add_node(user("a"));
        let b = g.add_node(user("b"));
        let c = g.add_node(user("c"));
        g.add_edge(a, b, Edge::new(EdgeKind::MemberOf));
        g.add_edge(c, b, Edge::new(EdgeKind::CanAssume));
        g.add_edge(b, c, Edge::new(EdgeKind::Escalates));
        let mut ins: Vec<(NodeId, EdgeKind)> = g.in_edges(b).map(|(n, e)| (n, e.kind)).collect();
        ins.sort();
        assert_eq!(ins, vec![(a, EdgeKind::MemberOf), (c, EdgeKind::CanAssume)]);
        let outs: Vec<(NodeId, EdgeKind)> = g.out_edges(b).map(|(n, e)| (n, e.kind)).collect();
        assert_eq!(outs, vec![(c, EdgeKind::Escalates)]);
        assert_eq!(g.out_edges(c).count(), 1);
        assert_eq!(g.in_edges(a).count(), 0);
        let all: Vec<(NodeId, NodeId, EdgeKind)> =
            g.edges().map(|(x, y, e)| (x, y, e.kind)).collect();
        assert_eq!(
            all,
            vec![
                (a, b, EdgeKind::MemberOf),
                (c, b, EdgeKind::CanAssume),
                (b, c, EdgeKind::Escalates)
            ]
        );
        let nodes: Vec<&str> = g.nodes().map(|(_, n)| n.id.as_str()).collect();
        assert_eq!(nodes, ["a", "b", "c"]);
    }

    #[test]
    fn counts_by_cloud_and_kind() {
        let mut g = PermissionGraph::new();
        g.add_node(user("a"));
        g.add_node(user("b"));
        g.add_node(user("b"));
        g.add_node(Node::new("r", Cloud::Aws, NodeKind::Role, "r"));
        g.add_node(Node::new("g", Cloud::Gcp, NodeKind::User, "g"));
        g.add_node(Node::new("s", Cloud::Azure, NodeKind::Scope, "s"));
        let counts: Vec<((Cloud, NodeKind), usize)> = g.counts_by_kind().into_iter().collect();
        assert_eq!(
            counts,
            vec![
                ((Cloud::Aws, NodeKind::User), 2),
                ((Cloud::Aws, NodeKind::Role), 1),
                ((Cloud::Gcp, NodeKind::User), 1),
                ((Cloud::Azure, NodeKind::Scope), 1),
            ]
        );
        assert!(PermissionGraph::new().counts_by_kind().is_empty());
    }

    /// a → b → c → d, e → b, f isolated, and c → c.
    fn chain() -> PermissionGraph {
        let mut g = PermissionGraph::new();
        let ids: Vec<NodeId> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|id| g.add_node(user(id)))
            .collect();
        g.add_edge(ids[0], ids[1], Edge::new(EdgeKind::MemberOf));
        g.add_edge(ids[1], ids[2], Edge::new(EdgeKind::HasPolicy));
        g.add_edge(ids[2], ids[3], Edge::new(EdgeKind::Grants));
        g.add_edge(ids[4], ids[1], Edge::new(EdgeKind::CanAssume));
        g.add_edge(ids[2], ids[2], Edge::new(EdgeKind::Escalates));
        g
    }

    fn ids(g: &PermissionGraph) -> Vec<String> {
        let mut ids: Vec<String> = g.nodes().map(|(_, n)| n.id.clone()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn around_follows_both_directions_up_to_depth() {
        let g = chain();
        let b = g.node_id("b").unwrap();
        assert_eq!(ids(&g.around(b, 0)), ["b"]);
        assert_eq!(g.around(b, 0).edge_count(), 0);
        let one = g.around(b, 1);
        assert_eq!(ids(&one), ["a", "b", "c", "e"]);
        // a→b, b→c, e→b and the self-loop c→c; not c→d.
        assert_eq!(one.edge_count(), 4);
        let two = g.around(b, 2);
        assert_eq!(ids(&two), ["a", "b", "c", "d", "e"]);
        assert_eq!(two.edge_count(), 5);
        assert_eq!(g.around(b, 100).node_count(), 5);
        let f = g.node_id("f").unwrap();
        assert_eq!(ids(&g.around(f, 3)), ["f"]);
    }

    #[test]
    fn around_keeps_payloads_and_renumbers() {
        let mut g = PermissionGraph::new();
        let z = g.add_node(user("z"));
        let a = g.add_node(user("a"));
        g.add_edge(
            z,
            a,
            Edge::new(EdgeKind::Escalates)
                .with_permission("iam:PassRole")
                .with_condition("mfa"),
        );
        let sub = g.around(z, 1);
        let (sa, sz) = (sub.node_id("a").unwrap(), sub.node_id("z").unwrap());
        assert!(sa < sz, "the subgraph numbers nodes in sorted-id order");
        let edges: Vec<(NodeId, NodeId, Edge)> =
            sub.edges().map(|(x, y, e)| (x, y, e.clone())).collect();
        assert_eq!(
            edges,
            vec![(
                sz,
                sa,
                Edge::new(EdgeKind::Escalates)
                    .with_permission("iam:PassRole")
                    .with_condition("mfa")
            )]
        );
        // A handle from another graph gives an empty neighbourhood.
        let mut other = PermissionGraph::new();
        for i in 0..5 {
            other.add_node(user(&format!("o{i}")));
        }
        let foreign = other.node_id("o4").unwrap();
        assert_eq!(g.around(foreign, 2).node_count(), 0);
    }

    #[test]
    fn kinds_display_as_they_serialize() {
        for kind in NodeKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.to_string())
            );
        }
        for kind in EdgeKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.to_string())
            );
        }
        for cloud in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
            assert_eq!(
                serde_json::to_value(cloud).unwrap(),
                serde_json::Value::from(cloud.to_string())
            );
        }
        assert_eq!(NodeKind::ServiceAccount.to_string(), "service-account");
        assert_eq!(EdgeKind::CanImpersonate.to_string(), "can-impersonate");
    }

    #[test]
    fn path_steps() {
        let g = chain();
        let (a, b, c) = (
            g.node_id("a").unwrap(),
            g.node_id("b").unwrap(),
            g.node_id("c").unwrap(),
        );
        let p = GraphPath {
            nodes: vec![a, b, c],
            edges: vec![EdgeKind::MemberOf.into(), EdgeKind::HasPolicy.into()],
        };
        let steps: Vec<(NodeId, EdgeKind, NodeId)> =
            p.steps().map(|(x, e, y)| (x, e.kind, y)).collect();
        assert_eq!(
            steps,
            vec![(a, EdgeKind::MemberOf, b), (b, EdgeKind::HasPolicy, c)]
        );
        assert_eq!((p.len(), p.start(), p.end()), (2, Some(a), Some(c)));
    }
}
