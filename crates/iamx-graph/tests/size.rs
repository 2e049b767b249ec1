//! Size check: a graph of 10,000 principals, 1,000 scopes and 100,000 edges
//! builds fast and answers path queries fast. Times are printed, not
//! asserted (`cargo test -p iamx-graph --release --test size -- --nocapture`).

use std::time::Instant;

use iamx_graph::{Cloud, Edge, EdgeKind, Node, NodeKind, PermissionGraph};

const PRINCIPALS: usize = 10_000;
const SCOPES: usize = 1_000;
const EDGES: usize = 100_000;

/// xorshift64: a deterministic stream of pseudo-random numbers.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        items.get(self.below(items.len())).copied()
    }
}

fn principal(i: usize) -> Node {
    let (kind, path) = match i % 4 {
        0 => (NodeKind::User, "user"),
        1 => (NodeKind::Group, "group"),
        2 => (NodeKind::Role, "role"),
        _ => (NodeKind::ServiceAccount, "service-account"),
    };
    Node::new(
        format!("aws:arn:aws:iam::111122223333:{path}/p{i}"),
        Cloud::Aws,
        kind,
        format!("p{i}"),
    )
}

fn scope(i: usize) -> Node {
    Node::new(
        format!("aws:scope/s{i}"),
        Cloud::Aws,
        NodeKind::Scope,
        format!("s{i}"),
    )
}

fn build() -> PermissionGraph {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut g = PermissionGraph::new();
    let principals: Vec<_> = (0..PRINCIPALS).map(|i| g.add_node(principal(i))).collect();
    let scopes: Vec<_> = (0..SCOPES).map(|i| g.add_node(scope(i))).collect();
    // The scopes form a tree: s0 contains s1..s9, s1 contains s10..s19, …
    for (i, &child) in scopes.iter().enumerate().skip(1) {
        if let Some(&parent) = scopes.get(i / 10) {
            g.add_edge(parent, child, Edge::new(EdgeKind::Contains));
        }
    }
    let between_principals = [
        EdgeKind::MemberOf,
        EdgeKind::CanAssume,
        EdgeKind::CanImpersonate,
    ];
    while g.edge_count() < EDGES {
        let choice = rng.below(10);
        let (Some(from), Some(principal), Some(scope), Some(kind)) = (
            rng.pick(&principals),
            rng.pick(&principals),
            rng.pick(&scopes),
            rng.pick(&between_principals),
        ) else {
            continue;
        };
        match choice {
            0..=3 => g.add_edge(from, principal, Edge::new(kind)),
            4 => g.add_edge(
                from,
                principal,
                Edge::new(EdgeKind::Escalates).with_permission("iam:PassRole"),
            ),
            _ => {
                let mut e = Edge::new(EdgeKind::Grants)
                    .with_permission(format!("svc:Action{}", rng.below(50)));
                if rng.below(4) == 0 {
                    e = e.with_condition("aws:MultiFactorAuthPresent");
                }
                g.add_edge(from, scope, e);
            }
        }
    }
    g
}

#[test]
fn ten_thousand_principals_and_a_hundred_thousand_edges() {
    let start = Instant::now();
    let g = build();
    let built = start.elapsed();
    assert_eq!(g.node_count(), PRINCIPALS + SCOPES);
    assert_eq!(g.edge_count(), EDGES);
    eprintln!(
        "build: {} nodes, {} edges in {built:?}",
        g.node_count(),
        g.edge_count()
    );

    let from = g.node_id("aws:arn:aws:iam::111122223333:user/p0").unwrap();
    let root = |n: &Node| n.id == "aws:scope/s0";
    let start = Instant::now();
    let paths = g.paths(from, &root, &EdgeKind::ALL, 6, 20);
    eprintln!(
        "paths to the root scope (≤ 6 edges, ≤ 20 paths): {} in {:?}",
        paths.len(),
        start.elapsed()
    );
    assert!(paths.windows(2).all(|w| w[0].len() <= w[1].len()));

    let principals_only = [
        EdgeKind::MemberOf,
        EdgeKind::CanAssume,
        EdgeKind::CanImpersonate,
        EdgeKind::Escalates,
    ];
    let far = |n: &Node| n.id == "aws:arn:aws:iam::111122223333:role/p9998";
    let start = Instant::now();
    let paths = g.paths(from, &far, &principals_only, 7, 1_000);
    eprintln!(
        "paths to one role (≤ 7 edges, ≤ 1000 paths): {} in {:?}",
        paths.len(),
        start.elapsed()
    );

    let nowhere = |n: &Node| n.kind == NodeKind::Admin;
    let start = Instant::now();
    assert!(g.paths(from, &nowhere, &EdgeKind::ALL, 8, 100).is_empty());
    eprintln!(
        "paths to an unreachable kind (≤ 8 edges): none in {:?}",
        start.elapsed()
    );

    let start = Instant::now();
    let sub = g.around(from, 2);
    eprintln!(
        "around(2): {} nodes, {} edges in {:?}",
        sub.node_count(),
        sub.edge_count(),
        start.elapsed()
    );

    for (name, render) in [
        (
            "to_dot",
            (|g: &PermissionGraph| g.to_dot()) as fn(&PermissionGraph) -> String,
        ),
        ("to_mermaid", |g| g.to_mermaid()),
        ("to_json (Value and text)", |g| g.to_json().to_string()),
    ] {
        let start = Instant::now();
        let text = render(&g);
        eprintln!("{name}: {} KB in {:?}", text.len() / 1024, start.elapsed());
    }
}
