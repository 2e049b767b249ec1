//! BloodHound CE OpenGraph export: the graph as a data payload BloodHound
//! ingests, and the extension definition schema that tells BloodHound which
//! of iamx's relationship kinds it may path-find over.
//!
//! The payload is `{"metadata": {"source_kind": "IAMX"}, "graph": {"nodes",
//! "edges"}}` as BloodHound's upload validator checks it: every node against
//! its `node.json`, every edge against its `edge.json`, the metadata against
//! its `metadata.json` (vendored with their source in `corpus/opengraph/`).
//!
//! Kinds follow SpecterOps' own collectors (GitHound's `GH_User`, OktaHound's
//! `Okta_User`): one namespace, [`NAMESPACE`], then an underscore and a
//! PascalCase name. A node has two kinds: first the cloud's (`IAMX_AWSRole`,
//! `IAMX_GCPServiceAccount`, `IAMX_AzureManagedIdentity`), which BloodHound
//! uses for the icon, then the cross-cloud one (`IAMX_Role`), so a Cypher
//! query can ask for every role of every cloud. BloodHound appends the
//! source kind itself, so a stored node has three. Edge kinds are
//! `IAMX_MemberOf`, `IAMX_CanAssume`, …: they match BloodHound's
//! `^[A-Za-z0-9_]+$` and, being namespaced, never name one of the edges
//! BloodHound deletes and regenerates in post-processing (`AdminTo`,
//! `AddMember`, …).
//!
//! Node ids are the graph's ids with `%`, `:` and white space
//! percent-encoded: BloodHound does not fully support colons in OpenGraph
//! ids, and ARNs and iamx's cloud prefixes are full of them (admin nodes'
//! ids hold spaces). The encoding is one-to-one, so ids stay unique, and the
//! graph's own id rides along as the `iamxid` property.
//! Properties are flat (strings and booleans, no nulls: an absent
//! permission, detail or condition is left out) and their names lowercase;
//! `objectid`, which BloodHound reserves, is never used. Output is sorted
//! like the other renderings: nodes by id, edges by (source id, target id,
//! edge).

use serde_json::{Map, Value, json};

use crate::graph::{Cloud, Edge, EdgeKind, Node, NodeKind, PermissionGraph};

/// The namespace every kind name starts with (followed by `_`).
pub const NAMESPACE: &str = "IAMX";

/// The payload's `metadata.source_kind`: BloodHound adds it to every node's
/// kinds and lists the data under it (Administration > Database Management).
pub const SOURCE_KIND: &str = "IAMX";

/// Every cloud, in the order the extension schema lists them.
const CLOUDS: [Cloud; 3] = [Cloud::Aws, Cloud::Gcp, Cloud::Azure];

/// The PascalCase name of a node kind, without namespace or cloud.
fn node_kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::User => "User",
        NodeKind::Group => "Group",
        NodeKind::Role => "Role",
        NodeKind::ServiceAccount => "ServiceAccount",
        NodeKind::ServicePrincipal => "ServicePrincipal",
        NodeKind::ManagedIdentity => "ManagedIdentity",
        NodeKind::Public => "Public",
        NodeKind::Account => "Account",
        NodeKind::Domain => "Domain",
        NodeKind::Policy => "Policy",
        NodeKind::Binding => "Binding",
        NodeKind::Assignment => "Assignment",
        NodeKind::Scope => "Scope",
        NodeKind::Resource => "Resource",
        NodeKind::Admin => "Admin",
        NodeKind::Targets => "Targets",
    }
}

/// A node kind in words, for display names and descriptions.
fn node_kind_words(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::User => "user",
        NodeKind::Group => "group",
        NodeKind::Role => "role",
        NodeKind::ServiceAccount => "service account",
        NodeKind::ServicePrincipal => "service principal",
        NodeKind::ManagedIdentity => "managed identity",
        NodeKind::Public => "everyone (public access)",
        NodeKind::Account => "account",
        NodeKind::Domain => "domain",
        NodeKind::Policy => "policy",
        NodeKind::Binding => "role binding",
        NodeKind::Assignment => "role assignment",
        NodeKind::Scope => {
            "scope (organisation, folder, project, OU, management group, subscription, resource group)"
        }
        NodeKind::Resource => "resource",
        NodeKind::Admin => "administrator of a scope",
        NodeKind::Targets => "set of targets reached alike",
    }
}

/// The Font Awesome icon BloodHound shows for a node kind.
fn node_kind_icon(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::User => "user",
        NodeKind::Group => "users",
        NodeKind::Role => "user-tie",
        NodeKind::ServiceAccount => "robot",
        NodeKind::ServicePrincipal => "gears",
        NodeKind::ManagedIdentity => "id-badge",
        NodeKind::Public => "globe",
        NodeKind::Account => "building",
        NodeKind::Domain => "at",
        NodeKind::Policy => "file-lines",
        NodeKind::Binding => "link",
        NodeKind::Assignment => "clipboard-check",
        NodeKind::Scope => "folder-tree",
        NodeKind::Resource => "cube",
        NodeKind::Admin => "crown",
        NodeKind::Targets => "layer-group",
    }
}

/// The colour of a node kind in a cloud: admin and public nodes as in the
/// DOT and Mermaid renderings, the rest in the cloud's colour.
fn node_kind_color(cloud: Cloud, kind: NodeKind) -> &'static str {
    match (kind, cloud) {
        (NodeKind::Admin, _) => "#F4CCCC",
        (NodeKind::Public, _) => "#FFF2CC",
        (_, Cloud::Aws) => "#FF9900",
        (_, Cloud::Gcp) => "#4285F4",
        (_, Cloud::Azure) => "#0078D4",
    }
}

/// The cloud's part of a kind name.
fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "AWS",
        Cloud::Gcp => "GCP",
        Cloud::Azure => "Azure",
    }
}

/// The primary (display) kind of a node of `kind` in `cloud`, e.g.
/// `IAMX_AWSUser`.
pub fn node_kind(cloud: Cloud, kind: NodeKind) -> String {
    format!("{NAMESPACE}_{}{}", cloud_name(cloud), node_kind_name(kind))
}

/// The cross-cloud kind of a node of `kind`, e.g. `IAMX_User`.
pub fn generic_node_kind(kind: NodeKind) -> String {
    format!("{NAMESPACE}_{}", node_kind_name(kind))
}

/// The OpenGraph kind of an edge kind, e.g. `IAMX_CanAssume`.
pub fn edge_kind(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::MemberOf => "IAMX_MemberOf",
        EdgeKind::Contains => "IAMX_Contains",
        EdgeKind::HasPolicy => "IAMX_HasPolicy",
        EdgeKind::Grants => "IAMX_Grants",
        EdgeKind::CanAssume => "IAMX_CanAssume",
        EdgeKind::CanImpersonate => "IAMX_CanImpersonate",
        EdgeKind::Escalates => "IAMX_Escalates",
        EdgeKind::AdminOf => "IAMX_AdminOf",
        EdgeKind::Includes => "IAMX_Includes",
    }
}

/// What an edge kind means, for the extension schema.
fn edge_kind_description(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::MemberOf => "The user, group or domain is a member of the group",
        EdgeKind::Contains => "The scope contains the child scope or resource",
        EdgeKind::HasPolicy => {
            "The principal holds the policy, binding or assignment (attached, bound or assigned)"
        }
        EdgeKind::Grants => {
            "The policy, binding or assignment grants permissions on the scope or resource"
        }
        EdgeKind::CanAssume => {
            "The principal can assume the role (trust policy and sts:AssumeRole, or federation)"
        }
        EdgeKind::CanImpersonate => {
            "The principal can act as the service account or identity (token minting, key creation, …)"
        }
        EdgeKind::Escalates => {
            "A privilege-escalation step: the principal can gain the target's permissions by a catalogued technique (the detail names it)"
        }
        EdgeKind::AdminOf => "The principal has administrator-equivalent access to the scope",
        EdgeKind::Includes => {
            "The set of targets includes the member: an edge to the set stands for an edge to each member"
        }
    }
}

/// The OpenGraph id of a graph node id: `%`, `:`, white space and control
/// characters percent-encoded (UTF-8 bytes as `%XX`), everything else kept
/// (see the module documentation).
pub fn node_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c == '%' || c == ':' || c.is_whitespace() || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One node of the payload.
fn node_value(node: &Node) -> Value {
    let name = if node.label.is_empty() {
        node.id.as_str()
    } else {
        node.label.as_str()
    };
    json!({
        "id": node_id(&node.id),
        "kinds": [node_kind(node.cloud, node.kind), generic_node_kind(node.kind)],
        // BloodHound upper-cases `name` when it ingests it; `displayname`
        // keeps the case.
        "properties": {
            "name": name,
            "displayname": name,
            "iamxid": node.id,
            "cloud": node.cloud.as_str(),
            "iamxkind": node.kind.as_str(),
            "principal": node.kind.is_principal(),
        },
    })
}

/// One edge of the payload.
fn edge_value(from: &str, to: &str, edge: &Edge) -> Value {
    let mut props = Map::new();
    props.insert("iamxkind".into(), edge.kind.as_str().into());
    props.insert("conditional".into(), edge.is_conditional().into());
    for (key, value) in [
        ("permission", &edge.permission),
        ("detail", &edge.detail),
        ("condition", &edge.condition),
    ] {
        if let Some(v) = value {
            props.insert(key.into(), v.as_str().into());
        }
    }
    json!({
        "start": {"value": node_id(from), "match_by": "id"},
        "end": {"value": node_id(to), "match_by": "id"},
        "kind": edge_kind(edge.kind),
        "properties": props,
    })
}

impl PermissionGraph {
    /// The graph as a BloodHound OpenGraph data payload (see the
    /// [module documentation](crate::opengraph)): nodes sorted by id, edges
    /// by (source id, target id, edge).
    pub fn to_opengraph(&self) -> Value {
        let mut nodes: Vec<&Node> = self.nodes().map(|(_, n)| n).collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut edges: Vec<(&str, &str, &Edge)> = self
            .edges()
            .filter_map(|(a, b, e)| Some((self.node(a)?.id.as_str(), self.node(b)?.id.as_str(), e)))
            .collect();
        edges.sort_unstable();
        json!({
            "metadata": {"source_kind": SOURCE_KIND},
            "graph": {
                "nodes": nodes.into_iter().map(node_value).collect::<Vec<_>>(),
                "edges": edges
                    .into_iter()
                    .map(|(a, b, e)| edge_value(a, b, e))
                    .collect::<Vec<_>>(),
            },
        })
    }
}

/// BloodHound's extension definition schema for iamx: every node kind of
/// every cloud (the cloud's kinds shown with an icon, the cross-cloud ones
/// not), every relationship kind, and which of them BloodHound path-finds
/// over: the kinds in `traversable` (the caller states which; for iamx,
/// the edges an escalation path follows). Install it once in BloodHound
/// (OpenGraph Management) before uploading payloads; it does not depend on
/// the graph.
pub fn extension_schema(traversable: &[EdgeKind]) -> Value {
    let mut node_kinds = Vec::new();
    for cloud in CLOUDS {
        for kind in NodeKind::ALL {
            node_kinds.push(json!({
                "name": node_kind(cloud, kind),
                "display_name": format!("{} {}", cloud_name(cloud), node_kind_words(kind)),
                "description": format!(
                    "{} {} (iamx permission graph)",
                    cloud_name(cloud),
                    node_kind_words(kind)
                ),
                "is_display_kind": true,
                "icon": node_kind_icon(kind),
                "color": node_kind_color(cloud, kind),
            }));
        }
    }
    for kind in NodeKind::ALL {
        node_kinds.push(json!({
            "name": generic_node_kind(kind),
            "display_name": format!("iamx {}", node_kind_words(kind)),
            "description": format!("{} of any cloud (iamx permission graph)", node_kind_words(kind)),
            "is_display_kind": false,
        }));
    }
    let relationship_kinds: Vec<Value> = EdgeKind::ALL
        .iter()
        .map(|&kind| {
            json!({
                "name": edge_kind(kind),
                "description": edge_kind_description(kind),
                "is_traversable": traversable.contains(&kind),
            })
        })
        .collect();
    json!({
        "schema": {
            "name": "iamx",
            "display_name": "iamx permission graph (AWS, GCP, Azure)",
            "version": concat!("v", env!("CARGO_PKG_VERSION")),
            "namespace": NAMESPACE,
        },
        "node_kinds": node_kinds,
        "relationship_kinds": relationship_kinds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_encoded_one_to_one_without_colons() {
        assert_eq!(
            node_id("aws:arn:aws:iam::1:user/a%b"),
            "aws%3Aarn%3Aaws%3Aiam%3A%3A1%3Auser/a%25b"
        );
        // `%3A` in an id cannot be confused with an encoded colon.
        assert_ne!(node_id("a:b"), node_id("a%3Ab"));
        assert!(!node_id("::").contains(':'));
        assert_eq!(node_id("aws:admin:account 1"), "aws%3Aadmin%3Aaccount%201");
        assert_eq!(node_id("a\u{2028}b\n"), "a%E2%80%A8b%0A");
        assert_eq!(node_id("gcp:user:ü@x"), "gcp%3Auser%3Aü@x");
    }

    #[test]
    fn kind_names_are_namespaced_unique_and_allowed() {
        let mut names: Vec<String> = CLOUDS
            .iter()
            .flat_map(|&c| NodeKind::ALL.map(|k| node_kind(c, k)))
            .chain(NodeKind::ALL.map(generic_node_kind))
            .chain(EdgeKind::ALL.map(|k| edge_kind(k).to_string()))
            .collect();
        let ok = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        for n in &names {
            assert!(n.starts_with("IAMX_") && n.len() > 5 && ok(n), "{n}");
        }
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
        assert_eq!(
            node_kind(Cloud::Azure, NodeKind::ManagedIdentity),
            "IAMX_AzureManagedIdentity"
        );
    }

    #[test]
    fn absent_fields_are_left_out_and_the_condition_flagged() {
        let mut g = PermissionGraph::new();
        let a = g.add_node(Node::new("aws:a", Cloud::Aws, NodeKind::User, ""));
        let b = g.add_node(Node::new("aws:b", Cloud::Aws, NodeKind::Role, "b"));
        g.add_edge(a, b, Edge::new(EdgeKind::CanAssume).with_condition("mfa"));
        let doc = g.to_opengraph();
        let edge = &doc["graph"]["edges"][0];
        assert_eq!(
            edge["properties"],
            json!({"iamxkind": "can-assume", "conditional": true, "condition": "mfa"})
        );
        assert_eq!(edge["start"], json!({"value": "aws%3Aa", "match_by": "id"}));
        // An empty label names the node by its id.
        assert_eq!(doc["graph"]["nodes"][0]["properties"]["name"], "aws:a");
    }

    #[test]
    fn the_extension_marks_only_the_given_kinds_traversable() {
        let schema = extension_schema(&[EdgeKind::MemberOf, EdgeKind::Escalates]);
        let traversable: Vec<&str> = schema["relationship_kinds"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["is_traversable"] == true)
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(traversable, ["IAMX_MemberOf", "IAMX_Escalates"]);
        assert_eq!(schema["node_kinds"].as_array().unwrap().len(), 4 * 16);
    }
}
