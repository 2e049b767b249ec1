//! # iamx-graph
//!
//! The permission graph of iamx: who (users, groups, roles, service accounts,
//! …) reaches what (policies, bindings, assignments, scopes, resources, admin
//! nodes) through which step (membership, attachment, grant, role assumption,
//! impersonation, privilege escalation). It stores the graph, answers bounded
//! path queries ("every simple path from this principal to an admin node, at
//! most 5 steps, shortest first") and renders the graph or a neighbourhood of
//! it as Graphviz DOT, Mermaid or JSON, or exports it as a BloodHound
//! OpenGraph payload with the extension schema that names iamx's kinds
//! ([`opengraph`]).
//!
//! Key decision: the graph is *generic*. A [`Node`] is an id, a [`Cloud`], a
//! [`NodeKind`] and a label; an [`Edge`] is an [`EdgeKind`] plus the text of the
//! permission, detail and condition behind it. This crate knows nothing of what
//! a cloud's policies mean: `iamx-analysis` fills the graph by asking the
//! concrete evaluators of `iamx-model`, so the semantics live in exactly one
//! place and the graph cannot drift from them. A conditional edge keeps the
//! condition's text, so an "edge that holds only if …" is shown as such and
//! never silently treated as always true.
//!
//! Second decision: every output is deterministic. Nodes are rendered sorted
//! by id, edges by (source id, target id, edge), and path queries break ties by
//! node id, so renderings and path lists are stable across runs and insertion
//! orders and can be snapshot-tested. Renderers name nodes `n0`, `n1`, … in
//! sorted-id order and carry the real id (an ARN, an e-mail, a GUID) in an
//! escaped label.
//!
//! The graph is built for size: 10,000 principals and 100,000 edges build in
//! tens of milliseconds (a `HashMap` from id to node, a set of connected pairs
//! for edge de-duplication), and a path query prunes with a reverse
//! breadth-first distance to the targets before it enumerates, so it takes
//! milliseconds. This crate does no IO.
//!
//! ```
//! use iamx_graph::{Cloud, Edge, EdgeKind, Node, NodeKind, PermissionGraph};
//!
//! let mut g = PermissionGraph::new();
//! let alice = g.add_node(Node::new("aws:arn:aws:iam::1:user/alice", Cloud::Aws, NodeKind::User, "alice"));
//! let role = g.add_node(Node::new("aws:arn:aws:iam::1:role/ops", Cloud::Aws, NodeKind::Role, "ops"));
//! let admin = g.add_node(Node::new("aws:admin/1", Cloud::Aws, NodeKind::Admin, "admin of 1"));
//! g.add_edge(alice, role, Edge::new(EdgeKind::CanAssume).with_condition("aws:MultiFactorAuthPresent"));
//! g.add_edge(role, admin, Edge::new(EdgeKind::AdminOf).with_permission("iam:*"));
//!
//! let is_admin = |n: &Node| n.kind == NodeKind::Admin;
//! let paths = g.paths(alice, &is_admin, &[EdgeKind::CanAssume, EdgeKind::AdminOf], 4, 10);
//! assert_eq!(paths.len(), 1);
//! assert_eq!(paths[0].nodes, [alice, role, admin]);
//! assert!(paths[0].edges[0].is_conditional());
//! assert!(g.to_dot().contains("style=dashed"));
//! ```

mod graph;
pub mod opengraph;
mod paths;
mod render;

pub use graph::{Cloud, Edge, EdgeKind, GraphPath, Node, NodeId, NodeKind, PermissionGraph};
