//! Deterministic renderings: Graphviz DOT, Mermaid and JSON.
//!
//! All three list nodes sorted by id and edges sorted by (source id, target
//! id, edge). DOT and Mermaid name nodes `n0`, `n1`, … in that order (real ids
//! are ARNs, e-mails and GUIDs full of `:`, `/`, `@` and worse) and show the
//! real id, escaped, in the label; both group nodes in one cluster per cloud.

use std::fmt::Write as _;

use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeIndexable};
use serde_json::{Value, json};

use crate::graph::{Cloud, Edge, Node, NodeKind, PermissionGraph};

/// The graph in rendering order: nodes sorted by id (a node's rank is its
/// position here and its name is `n<rank>`), edges as (rank of source, rank
/// of target, edge) sorted by ranks, then edge.
struct Sorted<'g> {
    nodes: Vec<&'g Node>,
    edges: Vec<(usize, usize, &'g Edge)>,
}

impl<'g> Sorted<'g> {
    fn new(g: &'g PermissionGraph) -> Self {
        let mut nodes: Vec<(usize, &Node)> = g
            .graph
            .node_indices()
            .filter_map(|ix| Some((ix.index(), g.graph.node_weight(ix)?)))
            .collect();
        nodes.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        let mut rank = vec![usize::MAX; g.graph.node_bound()];
        for (r, &(ix, _)) in nodes.iter().enumerate() {
            if let Some(slot) = rank.get_mut(ix) {
                *slot = r;
            }
        }
        let rank_of = |ix: usize| rank.get(ix).copied().filter(|&r| r != usize::MAX);
        let mut edges: Vec<(usize, usize, &Edge)> = g
            .graph
            .edge_references()
            .filter_map(|e| {
                Some((
                    rank_of(e.source().index())?,
                    rank_of(e.target().index())?,
                    e.weight(),
                ))
            })
            .collect();
        edges.sort_unstable();
        Sorted {
            nodes: nodes.into_iter().map(|(_, n)| n).collect(),
            edges,
        }
    }

    fn id(&self, rank: usize) -> &'g str {
        self.nodes.get(rank).map_or("", |n| n.id.as_str())
    }

    /// The nodes as (rank, node) grouped by cloud, each group in rank order.
    /// Clouds come in the order of their names (aws, azure, gcp), so that
    /// with the conventional cloud-prefixed ids the names `n0`, `n1`, … also
    /// run in rendering order.
    fn by_cloud(&self) -> Vec<(Cloud, Vec<(usize, &'g Node)>)> {
        let mut groups = Vec::new();
        for cloud in [Cloud::Aws, Cloud::Azure, Cloud::Gcp] {
            let members: Vec<(usize, &Node)> = self
                .nodes
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, n)| n.cloud == cloud)
                .collect();
            if !members.is_empty() {
                groups.push((cloud, members));
            }
        }
        groups
    }
}

impl PermissionGraph {
    /// Graphviz DOT: one `cluster_<cloud>` subgraph per cloud, node shapes by
    /// kind, edge labels of kind and permission, conditional edges dashed
    /// (with the condition and detail as tooltip).
    pub fn to_dot(&self) -> String {
        let sorted = Sorted::new(self);
        let mut out = String::from("digraph iamx {\n  rankdir=LR;\n");
        out.push_str("  node [fontname=\"Helvetica\", fontsize=10];\n");
        out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
        for (cloud, members) in sorted.by_cloud() {
            let _ = writeln!(out, "  subgraph cluster_{cloud} {{\n    label=\"{cloud}\";");
            for (rank, node) in members {
                let _ = write!(
                    out,
                    "    n{rank} [label=\"{}\", shape={}",
                    dot_escape(&node_text(node)),
                    dot_shape(node.kind)
                );
                if let Some(fill) = fill(node.kind) {
                    let _ = write!(out, ", style=filled, fillcolor=\"{fill}\"");
                }
                out.push_str("];\n");
            }
            out.push_str("  }\n");
        }
        for &(a, b, edge) in &sorted.edges {
            let _ = write!(
                out,
                "  n{a} -> n{b} [label=\"{}\"",
                dot_escape(&edge_text(edge))
            );
            if edge.is_conditional() {
                out.push_str(", style=dashed");
            }
            let tooltip = edge_tooltip(edge);
            if !tooltip.is_empty() {
                let _ = write!(out, ", tooltip=\"{}\"", dot_escape(&tooltip));
            }
            out.push_str("];\n");
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid `flowchart LR`: one subgraph per cloud, node shapes by kind,
    /// labels escaped with Mermaid's entity codes, conditional edges dotted,
    /// admin and public nodes highlighted by class.
    pub fn to_mermaid(&self) -> String {
        let sorted = Sorted::new(self);
        let mut out = String::from("flowchart LR\n");
        let mut admin = Vec::new();
        let mut public = Vec::new();
        for (cloud, members) in sorted.by_cloud() {
            let _ = writeln!(out, "  subgraph cloud_{cloud}[\"{cloud}\"]");
            for (rank, node) in members {
                let (open, close) = mermaid_shape(node.kind);
                let _ = writeln!(
                    out,
                    "    n{rank}{open}\"{}\"{close}",
                    mermaid_escape(&node_text(node))
                );
                match node.kind {
                    NodeKind::Admin => admin.push(format!("n{rank}")),
                    NodeKind::Public => public.push(format!("n{rank}")),
                    _ => {}
                }
            }
            out.push_str("  end\n");
        }
        for &(a, b, edge) in &sorted.edges {
            let arrow = if edge.is_conditional() { "-.->" } else { "-->" };
            let _ = writeln!(
                out,
                "  n{a} {arrow}|\"{}\"| n{b}",
                mermaid_escape(&edge_text(edge))
            );
        }
        for (class, kind, members) in [
            ("admin", NodeKind::Admin, &admin),
            ("public", NodeKind::Public, &public),
        ] {
            if let (false, Some(color)) = (members.is_empty(), fill(kind)) {
                let _ = writeln!(out, "  classDef {class} fill:{color}");
                let _ = writeln!(out, "  class {} {class}", members.join(","));
            }
        }
        out
    }

    /// `{"nodes": [{"id", "cloud", "kind", "label"}], "edges": [{"from",
    /// "to", "kind", "permission", "detail", "condition"}]}` with real ids,
    /// absent fields as `null`.
    pub fn to_json(&self) -> Value {
        let sorted = Sorted::new(self);
        let nodes: Vec<Value> = sorted
            .nodes
            .iter()
            .map(|n| json!({"id": n.id, "cloud": n.cloud, "kind": n.kind, "label": n.label}))
            .collect();
        let edges: Vec<Value> = sorted
            .edges
            .iter()
            .map(|&(a, b, e)| {
                json!({
                    "from": sorted.id(a),
                    "to": sorted.id(b),
                    "kind": e.kind,
                    "permission": e.permission,
                    "detail": e.detail,
                    "condition": e.condition,
                })
            })
            .collect();
        json!({"nodes": nodes, "edges": edges})
    }
}

/// A node's text: `kind: label` on the first line (just the kind when the
/// label is empty or the id), the id on the second.
fn node_text(node: &Node) -> String {
    if node.label.is_empty() || node.label == node.id {
        format!("{}\n{}", node.kind, node.id)
    } else {
        format!("{}: {}\n{}", node.kind, node.label, node.id)
    }
}

/// An edge's label: its kind, and the permission on a second line.
fn edge_text(edge: &Edge) -> String {
    match &edge.permission {
        Some(p) => format!("{}\n{p}", edge.kind),
        None => edge.kind.to_string(),
    }
}

/// The condition and detail of an edge, one a line.
fn edge_tooltip(edge: &Edge) -> String {
    let mut lines = Vec::new();
    if let Some(c) = &edge.condition {
        lines.push(format!("condition: {c}"));
    }
    if let Some(d) = &edge.detail {
        lines.push(format!("detail: {d}"));
    }
    lines.join("\n")
}

fn dot_shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::User => "ellipse",
        NodeKind::Group => "folder",
        NodeKind::Role => "hexagon",
        NodeKind::ServiceAccount | NodeKind::ServicePrincipal | NodeKind::ManagedIdentity => {
            "component"
        }
        NodeKind::Public => "doublecircle",
        NodeKind::Account | NodeKind::Domain => "tab",
        NodeKind::Policy | NodeKind::Binding | NodeKind::Assignment => "note",
        NodeKind::Scope => "box3d",
        NodeKind::Resource => "cylinder",
        NodeKind::Admin => "octagon",
        NodeKind::Targets => "folder",
    }
}

/// The opening and closing brackets of a Mermaid node of this kind.
fn mermaid_shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::User => ("([", "])"),
        NodeKind::Group => ("[[", "]]"),
        NodeKind::Role => ("{{", "}}"),
        NodeKind::ServiceAccount | NodeKind::ServicePrincipal | NodeKind::ManagedIdentity => {
            ("[/", "/]")
        }
        NodeKind::Public => ("((", "))"),
        NodeKind::Account | NodeKind::Domain => ("[/", "\\]"),
        NodeKind::Policy | NodeKind::Binding | NodeKind::Assignment => (">", "]"),
        NodeKind::Scope => ("[", "]"),
        NodeKind::Resource => ("[(", ")]"),
        NodeKind::Admin => ("{", "}"),
        NodeKind::Targets => ("[[", "]]"),
    }
}

/// The highlight colour of a kind, if any.
fn fill(kind: NodeKind) -> Option<&'static str> {
    match kind {
        NodeKind::Admin => Some("#f4cccc"),
        NodeKind::Public => Some("#fff2cc"),
        _ => None,
    }
}

/// Escapes text for a double-quoted DOT string: `"` and `\` get a backslash,
/// a newline becomes DOT's `\n` line break, other control characters become
/// U+FFFD. No backslash reaches the output unescaped, so DOT's own escapes
/// (`\N`, `\G`, `\l`, …) cannot be triggered by input.
pub(crate) fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a double-quoted Mermaid label with Mermaid's entity codes
/// (`#quot;`, `#35;`, …): quotes, `#`, HTML's `& < >`, backslash, backtick
/// (markdown strings) and `|` (edge-label delimiter); a newline becomes
/// `<br/>`, other control characters U+FFFD.
pub(crate) fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\\' => out.push_str("#92;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' => out.push_str("<br/>"),
            '\r' => {}
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str("#65533;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EdgeKind;

    /// An AWS graph with every node kind, a conditional edge, an id with
    /// quotes and a newline and one with Mermaid/HTML specials.
    fn sample() -> PermissionGraph {
        use NodeKind::*;
        let mut g = PermissionGraph::new();
        let mut add = |id: &str, kind: NodeKind, label: &str| {
            g.add_node(Node::new(id, Cloud::Aws, kind, label))
        };
        let account = add("aws:account/111122223333", Account, "111122223333");
        let alice = add("aws:arn:aws:iam::111122223333:user/alice", User, "alice");
        let devs = add("aws:arn:aws:iam::111122223333:group/devs", Group, "devs");
        let deploy = add("aws:arn:aws:iam::111122223333:role/deploy", Role, "deploy");
        let odd = add("aws:sa/\"quoted\"\nname", ServiceAccount, "say \"hi\" \\o/");
        let lambda = add(
            "aws:service/lambda.amazonaws.com",
            ServicePrincipal,
            "lambda.amazonaws.com",
        );
        let profile = add("aws:instance-profile/web", ManagedIdentity, "web");
        let public = add("aws:public", Public, "*");
        let domain = add("aws:domain/example.com", Domain, "example.com");
        let policy = add(
            "aws:arn:aws:iam::aws:policy/AdministratorAccess",
            Policy,
            "AdministratorAccess",
        );
        let binding = add("aws:binding/bucket-policy", Binding, "");
        let assignment = add("aws:assignment/web", Assignment, "aws:assignment/web");
        let org = add("aws:org/o-abc", Scope, "o-abc");
        let bucket = add("aws:arn:aws:s3:::b<1>&#2|`x`", Resource, "b");
        let admin = add("aws:admin/111122223333", Admin, "admin of 111122223333");
        let e = Edge::new;
        g.add_edge(alice, devs, e(EdgeKind::MemberOf));
        g.add_edge(domain, devs, e(EdgeKind::MemberOf));
        g.add_edge(devs, policy, e(EdgeKind::HasPolicy));
        g.add_edge(policy, org, e(EdgeKind::Grants).with_detail("*"));
        g.add_edge(org, account, e(EdgeKind::Contains));
        g.add_edge(account, bucket, e(EdgeKind::Contains));
        g.add_edge(
            alice,
            deploy,
            e(EdgeKind::CanAssume)
                .with_permission("sts:AssumeRole")
                .with_condition("aws:MultiFactorAuthPresent == \"true\""),
        );
        g.add_edge(
            lambda,
            deploy,
            e(EdgeKind::CanAssume).with_permission("sts:AssumeRole"),
        );
        g.add_edge(
            deploy,
            admin,
            e(EdgeKind::Escalates)
                .with_permission("iam:PassRole + lambda:CreateFunction")
                .with_detail("passrole-lambda"),
        );
        g.add_edge(deploy, odd, e(EdgeKind::CanImpersonate));
        g.add_edge(odd, admin, e(EdgeKind::AdminOf));
        g.add_edge(public, binding, e(EdgeKind::HasPolicy));
        g.add_edge(
            binding,
            bucket,
            e(EdgeKind::Grants).with_permission("s3:GetObject"),
        );
        g.add_edge(profile, assignment, e(EdgeKind::HasPolicy));
        g.add_edge(
            assignment,
            bucket,
            e(EdgeKind::Grants).with_permission("s3:PutObject"),
        );
        g
    }

    #[test]
    fn dot() {
        insta::assert_snapshot!(sample().to_dot(), @r###"
        digraph iamx {
          rankdir=LR;
          node [fontname="Helvetica", fontsize=10];
          edge [fontname="Helvetica", fontsize=9];
          subgraph cluster_aws {
            label="aws";
            n0 [label="account: 111122223333\naws:account/111122223333", shape=tab];
            n1 [label="admin: admin of 111122223333\naws:admin/111122223333", shape=octagon, style=filled, fillcolor="#f4cccc"];
            n2 [label="group: devs\naws:arn:aws:iam::111122223333:group/devs", shape=folder];
            n3 [label="role: deploy\naws:arn:aws:iam::111122223333:role/deploy", shape=hexagon];
            n4 [label="user: alice\naws:arn:aws:iam::111122223333:user/alice", shape=ellipse];
            n5 [label="policy: AdministratorAccess\naws:arn:aws:iam::aws:policy/AdministratorAccess", shape=note];
            n6 [label="resource: b\naws:arn:aws:s3:::b<1>&#2|`x`", shape=cylinder];
            n7 [label="assignment\naws:assignment/web", shape=note];
            n8 [label="binding\naws:binding/bucket-policy", shape=note];
            n9 [label="domain: example.com\naws:domain/example.com", shape=tab];
            n10 [label="managed-identity: web\naws:instance-profile/web", shape=component];
            n11 [label="scope: o-abc\naws:org/o-abc", shape=box3d];
            n12 [label="public: *\naws:public", shape=doublecircle, style=filled, fillcolor="#fff2cc"];
            n13 [label="service-account: say \"hi\" \\o/\naws:sa/\"quoted\"\nname", shape=component];
            n14 [label="service-principal: lambda.amazonaws.com\naws:service/lambda.amazonaws.com", shape=component];
          }
          n0 -> n6 [label="contains"];
          n2 -> n5 [label="has-policy"];
          n3 -> n1 [label="escalates\niam:PassRole + lambda:CreateFunction", tooltip="detail: passrole-lambda"];
          n3 -> n13 [label="can-impersonate"];
          n4 -> n2 [label="member-of"];
          n4 -> n3 [label="can-assume\nsts:AssumeRole", style=dashed, tooltip="condition: aws:MultiFactorAuthPresent == \"true\""];
          n5 -> n11 [label="grants", tooltip="detail: *"];
          n7 -> n6 [label="grants\ns3:PutObject"];
          n8 -> n6 [label="grants\ns3:GetObject"];
          n9 -> n2 [label="member-of"];
          n10 -> n7 [label="has-policy"];
          n11 -> n0 [label="contains"];
          n12 -> n8 [label="has-policy"];
          n13 -> n1 [label="admin-of"];
          n14 -> n3 [label="can-assume\nsts:AssumeRole"];
        }
        "###);
    }

    #[test]
    fn mermaid() {
        insta::assert_snapshot!(sample().to_mermaid(), @r###"
        flowchart LR
          subgraph cloud_aws["aws"]
            n0[/"account: 111122223333<br/>aws:account/111122223333"\]
            n1{"admin: admin of 111122223333<br/>aws:admin/111122223333"}
            n2[["group: devs<br/>aws:arn:aws:iam::111122223333:group/devs"]]
            n3{{"role: deploy<br/>aws:arn:aws:iam::111122223333:role/deploy"}}
            n4(["user: alice<br/>aws:arn:aws:iam::111122223333:user/alice"])
            n5>"policy: AdministratorAccess<br/>aws:arn:aws:iam::aws:policy/AdministratorAccess"]
            n6[("resource: b<br/>aws:arn:aws:s3:::b#lt;1#gt;#amp;#35;2#124;#96;x#96;")]
            n7>"assignment<br/>aws:assignment/web"]
            n8>"binding<br/>aws:binding/bucket-policy"]
            n9[/"domain: example.com<br/>aws:domain/example.com"\]
            n10[/"managed-identity: web<br/>aws:instance-profile/web"/]
            n11["scope: o-abc<br/>aws:org/o-abc"]
            n12(("public: *<br/>aws:public"))
            n13[/"service-account: say #quot;hi#quot; #92;o/<br/>aws:sa/#quot;quoted#quot;<br/>name"/]
            n14[/"service-principal: lambda.amazonaws.com<br/>aws:service/lambda.amazonaws.com"/]
          end
          n0 -->|"contains"| n6
          n2 -->|"has-policy"| n5
          n3 -->|"escalates<br/>iam:PassRole + lambda:CreateFunction"| n1
          n3 -->|"can-impersonate"| n13
          n4 -->|"member-of"| n2
          n4 -.->|"can-assume<br/>sts:AssumeRole"| n3
          n5 -->|"grants"| n11
          n7 -->|"grants<br/>s3:PutObject"| n6
          n8 -->|"grants<br/>s3:GetObject"| n6
          n9 -->|"member-of"| n2
          n10 -->|"has-policy"| n7
          n11 -->|"contains"| n0
          n12 -->|"has-policy"| n8
          n13 -->|"admin-of"| n1
          n14 -->|"can-assume<br/>sts:AssumeRole"| n3
          classDef admin fill:#f4cccc
          class n1 admin
          classDef public fill:#fff2cc
          class n12 public
        "###);
    }

    #[test]
    fn json() {
        insta::assert_snapshot!(serde_json::to_string_pretty(&sample().to_json()).unwrap(), @r###"
        {
          "edges": [
            {
              "condition": null,
              "detail": null,
              "from": "aws:account/111122223333",
              "kind": "contains",
              "permission": null,
              "to": "aws:arn:aws:s3:::b<1>&#2|`x`"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:arn:aws:iam::111122223333:group/devs",
              "kind": "has-policy",
              "permission": null,
              "to": "aws:arn:aws:iam::aws:policy/AdministratorAccess"
            },
            {
              "condition": null,
              "detail": "passrole-lambda",
              "from": "aws:arn:aws:iam::111122223333:role/deploy",
              "kind": "escalates",
              "permission": "iam:PassRole + lambda:CreateFunction",
              "to": "aws:admin/111122223333"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:arn:aws:iam::111122223333:role/deploy",
              "kind": "can-impersonate",
              "permission": null,
              "to": "aws:sa/\"quoted\"\nname"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:arn:aws:iam::111122223333:user/alice",
              "kind": "member-of",
              "permission": null,
              "to": "aws:arn:aws:iam::111122223333:group/devs"
            },
            {
              "condition": "aws:MultiFactorAuthPresent == \"true\"",
              "detail": null,
              "from": "aws:arn:aws:iam::111122223333:user/alice",
              "kind": "can-assume",
              "permission": "sts:AssumeRole",
              "to": "aws:arn:aws:iam::111122223333:role/deploy"
            },
            {
              "condition": null,
              "detail": "*",
              "from": "aws:arn:aws:iam::aws:policy/AdministratorAccess",
              "kind": "grants",
              "permission": null,
              "to": "aws:org/o-abc"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:assignment/web",
              "kind": "grants",
              "permission": "s3:PutObject",
              "to": "aws:arn:aws:s3:::b<1>&#2|`x`"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:binding/bucket-policy",
              "kind": "grants",
              "permission": "s3:GetObject",
              "to": "aws:arn:aws:s3:::b<1>&#2|`x`"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:domain/example.com",
              "kind": "member-of",
              "permission": null,
              "to": "aws:arn:aws:iam::111122223333:group/devs"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:instance-profile/web",
              "kind": "has-policy",
              "permission": null,
              "to": "aws:assignment/web"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:org/o-abc",
              "kind": "contains",
              "permission": null,
              "to": "aws:account/111122223333"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:public",
              "kind": "has-policy",
              "permission": null,
              "to": "aws:binding/bucket-policy"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:sa/\"quoted\"\nname",
              "kind": "admin-of",
              "permission": null,
              "to": "aws:admin/111122223333"
            },
            {
              "condition": null,
              "detail": null,
              "from": "aws:service/lambda.amazonaws.com",
              "kind": "can-assume",
              "permission": "sts:AssumeRole",
              "to": "aws:arn:aws:iam::111122223333:role/deploy"
            }
          ],
          "nodes": [
            {
              "cloud": "aws",
              "id": "aws:account/111122223333",
              "kind": "account",
              "label": "111122223333"
            },
            {
              "cloud": "aws",
              "id": "aws:admin/111122223333",
              "kind": "admin",
              "label": "admin of 111122223333"
            },
            {
              "cloud": "aws",
              "id": "aws:arn:aws:iam::111122223333:group/devs",
              "kind": "group",
              "label": "devs"
            },
            {
              "cloud": "aws",
              "id": "aws:arn:aws:iam::111122223333:role/deploy",
              "kind": "role",
              "label": "deploy"
            },
            {
              "cloud": "aws",
              "id": "aws:arn:aws:iam::111122223333:user/alice",
              "kind": "user",
              "label": "alice"
            },
            {
              "cloud": "aws",
              "id": "aws:arn:aws:iam::aws:policy/AdministratorAccess",
              "kind": "policy",
              "label": "AdministratorAccess"
            },
            {
              "cloud": "aws",
              "id": "aws:arn:aws:s3:::b<1>&#2|`x`",
              "kind": "resource",
              "label": "b"
            },
            {
              "cloud": "aws",
              "id": "aws:assignment/web",
              "kind": "assignment",
              "label": "aws:assignment/web"
            },
            {
              "cloud": "aws",
              "id": "aws:binding/bucket-policy",
              "kind": "binding",
              "label": ""
            },
            {
              "cloud": "aws",
              "id": "aws:domain/example.com",
              "kind": "domain",
              "label": "example.com"
            },
            {
              "cloud": "aws",
              "id": "aws:instance-profile/web",
              "kind": "managed-identity",
              "label": "web"
            },
            {
              "cloud": "aws",
              "id": "aws:org/o-abc",
              "kind": "scope",
              "label": "o-abc"
            },
            {
              "cloud": "aws",
              "id": "aws:public",
              "kind": "public",
              "label": "*"
            },
            {
              "cloud": "aws",
              "id": "aws:sa/\"quoted\"\nname",
              "kind": "service-account",
              "label": "say \"hi\" \\o/"
            },
            {
              "cloud": "aws",
              "id": "aws:service/lambda.amazonaws.com",
              "kind": "service-principal",
              "label": "lambda.amazonaws.com"
            }
          ]
        }
        "###);
    }
    #[test]
    fn escapes() {
        assert_eq!(
            dot_escape("a\"b\\N\r\n\tc\u{7}é"),
            "a\\\"b\\\\N\\n c\u{FFFD}é"
        );
        assert_eq!(
            mermaid_escape("a\"b\\#&<i>`|\r\n\tc\u{7}é;"),
            "a#quot;b#92;#35;#amp;#lt;i#gt;#96;#124;<br/> c#65533;é;"
        );
    }

    #[test]
    fn renderings_do_not_depend_on_insertion_order() {
        let g = sample();
        let mut nodes: Vec<Node> = g.nodes().map(|(_, n)| n.clone()).collect();
        let mut edges: Vec<(String, String, Edge)> = g
            .edges()
            .map(|(a, b, e)| {
                (
                    g.node(a).unwrap().id.clone(),
                    g.node(b).unwrap().id.clone(),
                    e.clone(),
                )
            })
            .collect();
        nodes.reverse();
        edges.reverse();
        let mut h = PermissionGraph::new();
        for n in nodes {
            h.add_node(n);
        }
        for (a, b, e) in edges {
            let (a, b) = (h.node_id(&a).unwrap(), h.node_id(&b).unwrap());
            h.add_edge(a, b, e);
        }
        assert_eq!(g.to_dot(), h.to_dot());
        assert_eq!(g.to_mermaid(), h.to_mermaid());
        assert_eq!(g.to_json(), h.to_json());
    }

    #[test]
    fn one_cluster_per_cloud_in_name_order() {
        let mut g = PermissionGraph::new();
        let sa = g.add_node(Node::new(
            "gcp:serviceAccount:ci@p.iam.gserviceaccount.com",
            Cloud::Gcp,
            NodeKind::ServiceAccount,
            "ci",
        ));
        let mi = g.add_node(Node::new(
            "azure:/subscriptions/00000000-0000-0000-0000-000000000000/mi",
            Cloud::Azure,
            NodeKind::ManagedIdentity,
            "mi",
        ));
        let role = g.add_node(Node::new(
            "aws:arn:aws:iam::1:role/x",
            Cloud::Aws,
            NodeKind::Role,
            "x",
        ));
        g.add_edge(
            sa,
            role,
            Edge::new(EdgeKind::CanAssume).with_detail("web identity federation"),
        );
        g.add_edge(mi, sa, Edge::new(EdgeKind::CanImpersonate));
        let (mermaid, dot) = (g.to_mermaid(), g.to_dot());
        insta::assert_snapshot!(mermaid, @r###"
        flowchart LR
          subgraph cloud_aws["aws"]
            n0{{"role: x<br/>aws:arn:aws:iam::1:role/x"}}
          end
          subgraph cloud_azure["azure"]
            n1[/"managed-identity: mi<br/>azure:/subscriptions/00000000-0000-0000-0000-000000000000/mi"/]
          end
          subgraph cloud_gcp["gcp"]
            n2[/"service-account: ci<br/>gcp:serviceAccount:ci@p.iam.gserviceaccount.com"/]
          end
          n1 -->|"can-impersonate"| n2
          n2 -->|"can-assume"| n0
        "###);
        insta::assert_snapshot!(dot, @r###"
        digraph iamx {
          rankdir=LR;
          node [fontname="Helvetica", fontsize=10];
          edge [fontname="Helvetica", fontsize=9];
          subgraph cluster_aws {
            label="aws";
            n0 [label="role: x\naws:arn:aws:iam::1:role/x", shape=hexagon];
          }
          subgraph cluster_azure {
            label="azure";
            n1 [label="managed-identity: mi\nazure:/subscriptions/00000000-0000-0000-0000-000000000000/mi", shape=component];
          }
          subgraph cluster_gcp {
            label="gcp";
            n2 [label="service-account: ci\ngcp:serviceAccount:ci@p.iam.gserviceaccount.com", shape=component];
          }
          n1 -> n2 [label="can-impersonate"];
          n2 -> n0 [label="can-assume", tooltip="detail: web identity federation"];
        }
        "###);
    }

    #[test]
    fn empty_graph() {
        let g = PermissionGraph::new();
        assert_eq!(
            g.to_dot(),
            "digraph iamx {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n}\n"
        );
        assert_eq!(g.to_mermaid(), "flowchart LR\n");
        assert_eq!(g.to_json(), json!({"nodes": [], "edges": []}));
    }
}
