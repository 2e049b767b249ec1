//! Bounded enumeration of simple paths.
//!
//! The query is answered by iterative deepening: for each length `L` from 1 to
//! the bound, a depth-first search lists the simple paths of exactly `L` edges
//! that end at a target, visiting each node's out-edges sorted by (target id,
//! edge). Paths therefore come shortest first, and paths of one length in
//! lexicographic order of their steps, so the first `max_paths` of them are
//! found without enumerating the rest.
//!
//! Before that, one reverse breadth-first search over the followed edges gives
//! every node its distance to the nearest target. A partial path of `l` edges
//! that ends at a node whose distance exceeds `L - l` cannot be completed and
//! is cut. The distance ignores simplicity, so it is a lower bound: cutting on
//! it never loses a path. Memory stays linear in the graph plus the path being
//! extended, whatever the number of paths.

use std::cmp::Ordering;
use std::collections::VecDeque;

use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, NodeIndexable};

use crate::graph::{Edge, EdgeKind, GraphPath, Node, NodeId, PermissionGraph};

/// "Cannot reach a target within the bound."
const FAR: usize = usize::MAX;

impl PermissionGraph {
    /// Simple paths from `from` to any node satisfying `is_target`, following
    /// only edges whose kind is in `follow`, of 1 to `max_len` edges, at most
    /// `max_paths` of them.
    ///
    /// Every distinct simple path within the bound is listed, not one per
    /// target: a path may pass through a target on its way to another, and
    /// parallel edges make distinct paths. No node repeats in a path, so `from`
    /// itself is never the end of one and cycles are not followed. Paths come
    /// shortest first; paths of one length are ordered by the ids of their
    /// nodes, step by step, and parallel edges by the edge's own order.
    pub fn paths(
        &self,
        from: NodeId,
        is_target: &dyn Fn(&Node) -> bool,
        follow: &[EdgeKind],
        max_len: usize,
        max_paths: usize,
    ) -> Vec<GraphPath> {
        let mut found = Vec::new();
        // A simple path has fewer edges than the graph has nodes.
        let max_len = max_len.min(self.node_count().saturating_sub(1));
        if max_len == 0 || max_paths == 0 || !self.graph.contains_node(from.0) {
            return found;
        }
        let mut search = Search::new(self, is_target, follow, max_len);
        search.run(from, max_len, max_paths, &mut found);
        found
    }

    /// [`PermissionGraph::paths`] from each of `starts` (answers in the same
    /// order), with one distance search for all of them: a start that cannot
    /// reach a target within the bound costs one lookup.
    pub fn paths_from_each(
        &self,
        starts: &[NodeId],
        is_target: &dyn Fn(&Node) -> bool,
        follow: &[EdgeKind],
        max_len: usize,
        max_paths: usize,
    ) -> Vec<Vec<GraphPath>> {
        let max_len = max_len.min(self.node_count().saturating_sub(1));
        if max_len == 0 || max_paths == 0 {
            return starts.iter().map(|_| Vec::new()).collect();
        }
        let mut search = Search::new(self, is_target, follow, max_len);
        starts
            .iter()
            .map(|from| {
                let mut found = Vec::new();
                if self.graph.contains_node(from.0) {
                    search.run(*from, max_len, max_paths, &mut found);
                }
                found
            })
            .collect()
    }
}

/// The state of one path query.
struct Search<'g> {
    graph: &'g PermissionGraph,
    follow: &'g [EdgeKind],
    /// Per node index: followed edges to the nearest target, or `FAR`.
    dist: Vec<usize>,
    /// Per node index: its followed out-edges towards nodes that can reach a
    /// target, sorted by (target id, edge); filled on first visit.
    sorted_out: Vec<Option<Vec<(NodeIndex, EdgeIndex)>>>,
    /// Per node index: whether the node is on the current path.
    on_path: Vec<bool>,
}

/// A node of the current path and the position of the next out-edge to try.
struct Frame {
    node: NodeIndex,
    next: usize,
}

impl<'g> Search<'g> {
    fn new(
        graph: &'g PermissionGraph,
        is_target: &dyn Fn(&Node) -> bool,
        follow: &'g [EdgeKind],
        max_len: usize,
    ) -> Self {
        let bound = graph.graph.node_bound();
        let mut dist = vec![FAR; bound];
        let mut queue = VecDeque::new();
        for ix in graph.graph.node_indices() {
            if graph.graph.node_weight(ix).is_some_and(is_target) {
                if let Some(d) = dist.get_mut(ix.index()) {
                    *d = 0;
                }
                queue.push_back((ix, 0usize));
            }
        }
        // Only distances up to the bound matter: a node farther than that
        // cannot be on any path the query lists.
        while let Some((ix, d)) = queue.pop_front() {
            if d >= max_len {
                continue;
            }
            for e in graph.graph.edges_directed(ix, Direction::Incoming) {
                if !follow.contains(&e.weight().kind) {
                    continue;
                }
                if let Some(slot) = dist.get_mut(e.source().index())
                    && *slot == FAR
                {
                    *slot = d + 1;
                    queue.push_back((e.source(), d + 1));
                }
            }
        }
        Search {
            graph,
            follow,
            dist,
            sorted_out: vec![None; bound],
            on_path: vec![false; bound],
        }
    }

    /// The paths from `from`, shortest first, into `found`.
    fn run(&mut self, from: NodeId, max_len: usize, max_paths: usize, found: &mut Vec<GraphPath>) {
        let start = self.dist(from.0);
        if start == FAR {
            return;
        }
        for len in start.max(1)..=max_len {
            let truncated = self.paths_of_len(from.0, len, max_paths, found);
            if found.len() >= max_paths || !truncated {
                break;
            }
        }
    }

    fn dist(&self, ix: NodeIndex) -> usize {
        self.dist.get(ix.index()).copied().unwrap_or(FAR)
    }

    fn set_on_path(&mut self, ix: NodeIndex, value: bool) {
        if let Some(slot) = self.on_path.get_mut(ix.index()) {
            *slot = value;
        }
    }

    fn is_on_path(&self, ix: NodeIndex) -> bool {
        self.on_path.get(ix.index()).copied().unwrap_or(false)
    }

    /// Fills the sorted out-edges of `ix` if not done yet.
    fn prepare(&mut self, ix: NodeIndex) {
        let g = &self.graph.graph;
        let Some(slot) = self.sorted_out.get_mut(ix.index()) else {
            return;
        };
        if slot.is_some() {
            return;
        }
        let dist = &self.dist;
        let mut out: Vec<(NodeIndex, EdgeIndex)> = g
            .edges_directed(ix, Direction::Outgoing)
            .filter(|e| self.follow.contains(&e.weight().kind))
            .filter(|e| dist.get(e.target().index()).is_some_and(|&d| d != FAR))
            .map(|e| (e.target(), e.id()))
            .collect();
        out.sort_by(|a, b| step_order(g, *a, *b));
        *slot = Some(out);
    }

    /// The `i`-th sorted out-edge of `ix` (after `prepare`).
    fn out_edge(&self, ix: NodeIndex, i: usize) -> Option<(NodeIndex, EdgeIndex)> {
        self.sorted_out.get(ix.index())?.as_ref()?.get(i).copied()
    }

    /// Appends the simple paths of exactly `len` edges from `from` to a target,
    /// in order, until `found` holds `max_paths` paths.
    ///
    /// Returns whether the length bound cut anything. If not, every simple
    /// path that could lead to a target was followed to its end and was
    /// shorter than `len`, so no longer path exists and deepening can stop.
    fn paths_of_len(
        &mut self,
        from: NodeIndex,
        len: usize,
        max_paths: usize,
        found: &mut Vec<GraphPath>,
    ) -> bool {
        let mut truncated = false;
        let mut stack = vec![Frame {
            node: from,
            next: 0,
        }];
        let mut edges: Vec<EdgeIndex> = Vec::with_capacity(len.min(self.on_path.len()));
        self.prepare(from);
        self.set_on_path(from, true);
        while let Some(top) = stack.last_mut() {
            let node = top.node;
            let step = self.out_edge(node, top.next);
            top.next += 1;
            let Some((next, edge)) = step else {
                // Every out-edge of `node` is tried: backtrack.
                self.set_on_path(node, false);
                stack.pop();
                edges.pop();
                continue;
            };
            if self.is_on_path(next) {
                continue;
            }
            let used = stack.len(); // edges on the path once `edge` is taken
            if used == len {
                truncated = true;
                if self.dist(next) == 0 {
                    found.push(self.path(&stack, &edges, next, edge));
                    if found.len() >= max_paths {
                        break;
                    }
                }
            } else if self.dist(next) <= len - used {
                self.prepare(next);
                self.set_on_path(next, true);
                stack.push(Frame {
                    node: next,
                    next: 0,
                });
                edges.push(edge);
            } else {
                truncated = true;
            }
        }
        for frame in &stack {
            self.set_on_path(frame.node, false);
        }
        truncated
    }

    fn path(
        &self,
        stack: &[Frame],
        edges: &[EdgeIndex],
        last: NodeIndex,
        last_edge: EdgeIndex,
    ) -> GraphPath {
        let g = &self.graph.graph;
        let nodes = stack
            .iter()
            .map(|f| NodeId(f.node))
            .chain([NodeId(last)])
            .collect();
        let edges = edges
            .iter()
            .chain([&last_edge])
            .filter_map(|&e| g.edge_weight(e).cloned())
            .collect();
        GraphPath { nodes, edges }
    }
}

/// The order of two steps out of one node: by target id, then by edge.
fn step_order(
    g: &StableDiGraph<Node, Edge>,
    (a, ea): (NodeIndex, EdgeIndex),
    (b, eb): (NodeIndex, EdgeIndex),
) -> Ordering {
    let id = |ix: NodeIndex| g.node_weight(ix).map(|n| n.id.as_str());
    id(a)
        .cmp(&id(b))
        .then_with(|| g.edge_weight(ea).cmp(&g.edge_weight(eb)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::graph::{Cloud, NodeKind};

    const ALL: &[EdgeKind] = &EdgeKind::ALL;

    fn graph(nodes: &[(&str, NodeKind)], edges: &[(&str, &str, EdgeKind)]) -> PermissionGraph {
        let mut g = PermissionGraph::new();
        for (id, kind) in nodes {
            g.add_node(Node::new(*id, Cloud::Aws, *kind, *id));
        }
        for (a, b, kind) in edges {
            let (a, b) = (g.node_id(a).unwrap(), g.node_id(b).unwrap());
            g.add_edge(a, b, Edge::new(*kind));
        }
        g
    }

    /// The paths as "a -kind-> b ..." strings.
    fn show(g: &PermissionGraph, paths: &[GraphPath]) -> Vec<String> {
        paths
            .iter()
            .map(|p| {
                let mut s = g.node(p.nodes[0]).unwrap().id.clone();
                for (_, e, n) in p.steps() {
                    s.push_str(&format!(" -{}-> {}", e.kind, g.node(n).unwrap().id));
                }
                s
            })
            .collect()
    }

    fn is_admin(n: &Node) -> bool {
        n.kind == NodeKind::Admin
    }

    /// u → g1 → r → admin, u → r (assume), u → g2 → admin, r → u (cycle),
    /// u → admin2 only via a role, plus a longer path through a second role.
    fn sample() -> PermissionGraph {
        use EdgeKind::*;
        use NodeKind::*;
        graph(
            &[
                ("u", User),
                ("g1", Group),
                ("g2", Group),
                ("r", Role),
                ("r2", Role),
                ("admin", Admin),
                ("x", Resource),
            ],
            &[
                ("u", "g1", MemberOf),
                ("g1", "r", CanAssume),
                ("u", "r", CanAssume),
                ("r", "admin", AdminOf),
                ("u", "g2", MemberOf),
                ("g2", "admin", AdminOf),
                ("r", "u", CanAssume),
                ("r", "r2", Escalates),
                ("r2", "admin", AdminOf),
                ("r2", "r", CanAssume),
                ("admin", "x", Grants),
            ],
        )
    }

    #[test]
    fn all_simple_paths_shortest_first_ties_by_node_id() {
        let g = sample();
        let u = g.node_id("u").unwrap();
        let paths = g.paths(u, &is_admin, ALL, 10, 100);
        assert_eq!(
            show(&g, &paths),
            [
                "u -member-of-> g2 -admin-of-> admin",
                "u -can-assume-> r -admin-of-> admin",
                "u -member-of-> g1 -can-assume-> r -admin-of-> admin",
                "u -can-assume-> r -escalates-> r2 -admin-of-> admin",
                "u -member-of-> g1 -can-assume-> r -escalates-> r2 -admin-of-> admin",
            ]
        );
        for p in &paths {
            assert_eq!(p.nodes.len(), p.edges.len() + 1);
        }
    }

    #[test]
    fn length_and_count_bounds() {
        let g = sample();
        let u = g.node_id("u").unwrap();
        assert_eq!(g.paths(u, &is_admin, ALL, 2, 100).len(), 2);
        assert_eq!(g.paths(u, &is_admin, ALL, 3, 100).len(), 4);
        assert_eq!(g.paths(u, &is_admin, ALL, 1, 100).len(), 0);
        assert_eq!(g.paths(u, &is_admin, ALL, 0, 100).len(), 0);
        assert_eq!(g.paths(u, &is_admin, ALL, 10, 0).len(), 0);
        // An unbounded length stops at the longest simple path.
        assert_eq!(
            g.paths(u, &is_admin, ALL, usize::MAX, usize::MAX),
            g.paths(u, &is_admin, ALL, 6, 100)
        );
        // max_paths keeps the first ones of the full order.
        let all = g.paths(u, &is_admin, ALL, 10, 100);
        for k in 1..=all.len() {
            assert_eq!(g.paths(u, &is_admin, ALL, 10, k), all[..k]);
        }
    }

    #[test]
    fn follow_filter_is_respected() {
        use EdgeKind::*;
        let g = sample();
        let u = g.node_id("u").unwrap();
        let paths = g.paths(u, &is_admin, &[MemberOf, AdminOf], 10, 100);
        assert_eq!(show(&g, &paths), ["u -member-of-> g2 -admin-of-> admin"]);
        let paths = g.paths(u, &is_admin, &[CanAssume, AdminOf], 10, 100);
        assert_eq!(show(&g, &paths), ["u -can-assume-> r -admin-of-> admin"]);
        assert!(g.paths(u, &is_admin, &[], 10, 100).is_empty());
        assert!(
            g.paths(u, &is_admin, &[MemberOf, CanAssume], 10, 100)
                .is_empty()
        );
    }

    #[test]
    fn paths_continue_through_targets_and_never_end_at_the_start() {
        use EdgeKind::*;
        use NodeKind::*;
        let g = graph(
            &[("a", Admin), ("b", Admin), ("c", Admin)],
            &[
                ("a", "b", Escalates),
                ("b", "c", Escalates),
                ("c", "a", Escalates),
            ],
        );
        let a = g.node_id("a").unwrap();
        let paths = g.paths(a, &is_admin, ALL, 5, 100);
        assert_eq!(
            show(&g, &paths),
            ["a -escalates-> b", "a -escalates-> b -escalates-> c"]
        );
    }

    #[test]
    fn cycles_do_not_loop() {
        use EdgeKind::*;
        use NodeKind::*;
        // A dense cycle with no target: the search ends with nothing.
        let nodes: Vec<String> = (0..8).map(|i| format!("n{i}")).collect();
        let mut edges = Vec::new();
        for a in &nodes {
            for b in &nodes {
                edges.push((a.as_str(), b.as_str(), Escalates));
            }
        }
        let node_list: Vec<(&str, NodeKind)> = nodes.iter().map(|n| (n.as_str(), Role)).collect();
        let g = graph(&node_list, &edges);
        let n0 = g.node_id("n0").unwrap();
        assert!(g.paths(n0, &is_admin, ALL, 50, 100).is_empty());
        // Every other node as a target: all simple paths of the complete graph.
        let paths = g.paths(n0, &|n| n.id != "n0", ALL, 50, usize::MAX);
        // Σ_{k=1..7} 7!/(7-k)! = 13699 simple paths from n0.
        assert_eq!(paths.len(), 13699);
        assert!(paths.windows(2).all(|w| w[0].len() <= w[1].len()));
        let distinct: HashSet<&GraphPath> = paths.iter().collect();
        assert_eq!(distinct.len(), paths.len());
    }

    #[test]
    fn unbounded_length_ends() {
        // A chain of 2,000 nodes with a back edge at every step: one path to
        // the end, and the deepening stops once nothing was cut by length.
        let mut g = PermissionGraph::new();
        let ids: Vec<NodeId> = (0..2000)
            .map(|i| g.add_node(Node::new(format!("{i:04}"), Cloud::Gcp, NodeKind::Role, "")))
            .collect();
        for w in ids.windows(2) {
            g.add_edge(w[0], w[1], Edge::new(EdgeKind::CanImpersonate));
            g.add_edge(w[1], w[0], Edge::new(EdgeKind::CanImpersonate));
        }
        let last = |n: &Node| n.id == "1999";
        let paths = g.paths(ids[0], &last, ALL, usize::MAX, usize::MAX);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].len(), 1999);
        let middle = |n: &Node| n.id == "0010";
        assert_eq!(
            g.paths(ids[0], &middle, ALL, usize::MAX, usize::MAX).len(),
            1
        );
    }

    #[test]
    fn parallel_edges_make_distinct_paths_in_edge_order() {
        use NodeKind::*;
        let mut g = graph(&[("u", User), ("r", Role), ("admin", Admin)], &[]);
        let (u, r, admin) = (
            g.node_id("u").unwrap(),
            g.node_id("r").unwrap(),
            g.node_id("admin").unwrap(),
        );
        g.add_edge(
            u,
            r,
            Edge::new(EdgeKind::Escalates).with_permission("iam:UpdateAssumeRolePolicy"),
        );
        g.add_edge(u, r, Edge::new(EdgeKind::CanAssume));
        g.add_edge(r, admin, Edge::new(EdgeKind::AdminOf));
        let paths = g.paths(u, &is_admin, ALL, 3, 10);
        assert_eq!(
            show(&g, &paths),
            [
                "u -can-assume-> r -admin-of-> admin",
                "u -escalates-> r -admin-of-> admin"
            ]
        );
        assert_eq!(
            paths[1].edges[0].permission.as_deref(),
            Some("iam:UpdateAssumeRolePolicy")
        );
    }

    #[test]
    fn unknown_start_gives_nothing() {
        let g = sample();
        let mut other = PermissionGraph::new();
        for i in 0..20 {
            other.add_node(Node::new(format!("o{i}"), Cloud::Gcp, NodeKind::User, ""));
        }
        assert!(
            g.paths(other.node_id("o19").unwrap(), &is_admin, ALL, 5, 5)
                .is_empty()
        );
    }

    // ---- property test against a brute-force enumeration ----

    /// Every simple path of 1..=max_len followed edges from `from` ending at a
    /// target, by plain recursion over all out-edges, sorted by (length, ids
    /// and edges step by step).
    fn brute_force(
        g: &PermissionGraph,
        from: NodeId,
        target: &dyn Fn(&Node) -> bool,
        follow: &[EdgeKind],
        max_len: usize,
    ) -> Vec<GraphPath> {
        fn go(
            g: &PermissionGraph,
            path: &mut GraphPath,
            target: &dyn Fn(&Node) -> bool,
            follow: &[EdgeKind],
            max_len: usize,
            out: &mut Vec<GraphPath>,
        ) {
            if path.len() >= max_len {
                return;
            }
            let last = *path.nodes.last().unwrap();
            for (next, edge) in g.out_edges(last) {
                if !follow.contains(&edge.kind) || path.nodes.contains(&next) {
                    continue;
                }
                path.nodes.push(next);
                path.edges.push(edge.clone());
                if target(g.node(next).unwrap()) {
                    out.push(path.clone());
                }
                go(g, path, target, follow, max_len, out);
                path.nodes.pop();
                path.edges.pop();
            }
        }
        let mut out = Vec::new();
        go(
            g,
            &mut GraphPath {
                nodes: vec![from],
                edges: vec![],
            },
            target,
            follow,
            max_len,
            &mut out,
        );
        let key = |p: &GraphPath| {
            let steps: Vec<(String, Edge)> = p
                .steps()
                .map(|(_, e, n)| (g.node(n).unwrap().id.clone(), e.clone()))
                .collect();
            (p.len(), steps)
        };
        out.sort_by_key(key);
        out
    }

    const KINDS: [EdgeKind; 3] = [EdgeKind::MemberOf, EdgeKind::CanAssume, EdgeKind::Escalates];

    fn arb_graph() -> impl Strategy<Value = (usize, Vec<(usize, usize, usize, bool)>)> {
        (1usize..8).prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec((0..n, 0..n, 0..KINDS.len(), any::<bool>()), 0..24),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn paths_are_valid_and_match_brute_force(
            (n, raw_edges) in arb_graph(),
            start in 0usize..8,
            targets in proptest::collection::vec(any::<bool>(), 8),
            follow_mask in proptest::collection::vec(any::<bool>(), KINDS.len()),
            max_len in prop_oneof![0usize..6, Just(usize::MAX)],
            max_paths in 1usize..6,
        ) {
            let mut g = PermissionGraph::new();
            // Insert in reverse so that node indices and id order disagree.
            for i in (0..n).rev() {
                let kind = if targets[i] { NodeKind::Admin } else { NodeKind::Role };
                g.add_node(Node::new(format!("n{i}"), Cloud::Azure, kind, ""));
            }
            let id = |g: &PermissionGraph, i: usize| g.node_id(&format!("n{i}")).unwrap();
            for (a, b, k, conditional) in &raw_edges {
                let mut edge = Edge::new(KINDS[*k]);
                if *conditional {
                    edge = edge.with_condition("c");
                }
                g.add_edge(id(&g, *a), id(&g, *b), edge);
            }
            let follow: Vec<EdgeKind> = KINDS.iter().zip(&follow_mask).filter(|(_, on)| **on).map(|(k, _)| *k).collect();
            let from = id(&g, start % n);

            let all = g.paths(from, &is_admin, &follow, max_len, usize::MAX);
            for p in &all {
                prop_assert_eq!(p.nodes.len(), p.edges.len() + 1);
                prop_assert!(!p.is_empty() && p.len() <= max_len);
                prop_assert_eq!(p.start(), Some(from));
                prop_assert!(is_admin(g.node(p.end().unwrap()).unwrap()));
                let distinct: HashSet<NodeId> = p.nodes.iter().copied().collect();
                prop_assert_eq!(distinct.len(), p.nodes.len(), "a node repeats");
                for (a, e, b) in p.steps() {
                    prop_assert!(follow.contains(&e.kind));
                    prop_assert!(g.out_edges(a).any(|(t, x)| t == b && x == e), "no such edge");
                }
            }
            prop_assert!(all.windows(2).all(|w| w[0].len() <= w[1].len()), "not sorted by length");
            prop_assert_eq!(&all, &brute_force(&g, from, &is_admin, &follow, max_len));
            let some = g.paths(from, &is_admin, &follow, max_len, max_paths);
            prop_assert_eq!(&some[..], &all[..all.len().min(max_paths)]);
        }
    }
}
