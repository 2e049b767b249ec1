//! The management-group hierarchy: `az account management-group show --name
//! X --expand --recurse` output (nested `children`) and iamx's flat form
//! `{"iamxAzureManagementGroups": [{"name", "parent", "subscriptions"}]}`.

use crate::env::AzureEnvironment;
use crate::read::{array_field, str_field, strings};
use iamx_model::JsonPath;
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use std::collections::{BTreeMap, BTreeSet};

/// The scope prefix of a management group.
pub const MG_SCOPE_PREFIX: &str = "/providers/Microsoft.Management/managementGroups/";

/// One management group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagementGroup {
    /// Its name (the id's last segment), as written.
    pub name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// The parent group's name, lowercased; `None` for the tenant root group
    /// or when the parent is not known.
    pub parent: Option<String>,
}

/// The management-group tree: groups by lowercased name, and the group
/// each subscription sits in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManagementGroups {
    /// Groups by lowercased name.
    pub groups: BTreeMap<String, ManagementGroup>,
    /// Subscription id (lowercased) → its management group (lowercased name).
    pub subscriptions: BTreeMap<String, String>,
}

/// Where a scope sits, as far as management groups go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MgChain {
    /// The management groups above the scope (lowercased names, nearest
    /// first); empty when none can apply (`/`, tenant-level scopes).
    Known(Vec<String>),
    /// The scope's subscription or group is not in the loaded tree.
    Unknown(String),
}

/// The management group's name when `scope` is a management-group scope
/// (exactly, not a scope below it).
pub fn mg_of_scope(scope: &str) -> Option<&str> {
    let s = scope.trim_end_matches('/');
    let head = s.get(..MG_SCOPE_PREFIX.len())?;
    if !head.eq_ignore_ascii_case(MG_SCOPE_PREFIX) {
        return None;
    }
    let name = s.get(MG_SCOPE_PREFIX.len()..)?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// The subscription id of a scope under `/subscriptions/{id}`.
pub fn subscription_of_scope(scope: &str) -> Option<&str> {
    let mut parts = scope.split('/');
    let (empty, subs, id) = (parts.next()?, parts.next()?, parts.next()?);
    (empty.is_empty() && subs.eq_ignore_ascii_case("subscriptions") && !id.is_empty()).then_some(id)
}

/// The management group a scope lies in or under
/// (`/providers/Microsoft.Management/managementGroups/{mg}[/…]`).
fn mg_prefix_of_scope(scope: &str) -> Option<&str> {
    let head = scope.get(..MG_SCOPE_PREFIX.len())?;
    if !head.eq_ignore_ascii_case(MG_SCOPE_PREFIX) {
        return None;
    }
    let rest = scope.get(MG_SCOPE_PREFIX.len()..)?;
    rest.split('/').next().filter(|n| !n.is_empty())
}

/// A management-group scope's text for a group name.
pub fn mg_scope(name: &str) -> String {
    format!("{MG_SCOPE_PREFIX}{name}")
}

impl ManagementGroups {
    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.subscriptions.is_empty()
    }

    /// `mg` and its ancestors (lowercased names, nearest first). Stops at a
    /// cycle, which a malformed input could hold.
    pub fn ancestors(&self, mg: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut cur = Some(mg.to_ascii_lowercase());
        while let Some(m) = cur {
            if !seen.insert(m.clone()) {
                break;
            }
            cur = self.groups.get(&m).and_then(|g| g.parent.clone());
            out.push(m);
        }
        out
    }

    /// The management groups whose assignments reach `scope`.
    pub fn chain(&self, scope: &str) -> MgChain {
        if let Some(sub) = subscription_of_scope(scope) {
            return match self.subscriptions.get(&sub.to_ascii_lowercase()) {
                Some(mg) => MgChain::Known(self.ancestors(mg)),
                None => MgChain::Unknown(format!(
                    "subscription `{sub}` is not in the loaded management-group tree"
                )),
            };
        }
        if let Some(mg) = mg_prefix_of_scope(scope) {
            let lc = mg.to_ascii_lowercase();
            return if self.groups.contains_key(&lc) {
                MgChain::Known(self.ancestors(&lc))
            } else {
                MgChain::Unknown(format!(
                    "management group `{mg}` is not in the loaded management-group tree"
                ))
            };
        }
        MgChain::Known(Vec::new())
    }

    fn add_group(&mut self, name: &str, display: Option<String>, parent: Option<String>) {
        let e = self
            .groups
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| ManagementGroup {
                name: name.to_owned(),
                display_name: None,
                parent: None,
            });
        if display.is_some() {
            e.display_name = display;
        }
        if parent.is_some() {
            e.parent = parent;
        }
    }

    /// Adds everything `other` holds (its parent links win when both know one).
    pub fn merge(&mut self, other: ManagementGroups) {
        for (_, g) in other.groups {
            self.add_group(&g.name, g.display_name, g.parent);
        }
        self.subscriptions.extend(other.subscriptions);
    }
}

const AZ_NODE_KEYS: [&str; 7] = [
    "children",
    "details",
    "displayName",
    "id",
    "name",
    "tenantId",
    "type",
];

fn is_subscription_node(node: &Json) -> bool {
    let t = node.get("type").and_then(Json::as_str).unwrap_or_default();
    if !t.is_empty() {
        return t.to_ascii_lowercase().ends_with("/subscriptions");
    }
    node.get("id")
        .and_then(Json::as_str)
        .is_some_and(|id| id.to_ascii_lowercase().contains("/subscriptions/"))
}

impl AzureEnvironment {
    /// Reads `az account management-group show --expand --recurse` output.
    pub fn read_management_group_tree(&mut self, json: &Json, sink: &mut Sink<'_>) {
        let root = JsonPath::root();
        // the group shown may have a parent (`details.parent`) outside the output
        let parent = json
            .get("details")
            .and_then(|d| d.get("parent"))
            .and_then(|p| p.get("name"))
            .and_then(Json::as_str)
            .map(str::to_ascii_lowercase);
        self.mg_node(json, &root, parent, 0, sink);
    }

    fn mg_node(
        &mut self,
        node: &Json,
        path: &JsonPath,
        parent: Option<String>,
        depth: usize,
        sink: &mut Sink<'_>,
    ) {
        if node.as_object().is_none() {
            sink.error(
                node.span,
                path,
                format!(
                    "a management-group tree node must be an object, found {}",
                    node.kind_name()
                ),
            );
            return;
        }
        sink.unknown_keys(node, path, &AZ_NODE_KEYS, "management-group node");
        if depth > 64 {
            sink.error(node.span, path, "management-group tree nested too deeply");
            return;
        }
        let subscription = is_subscription_node(node);
        let what = if subscription {
            "subscription node"
        } else {
            "management-group node"
        };
        let Some(name) = str_field(node, "name", path, sink, Some(what)) else {
            return;
        };
        let display = str_field(node, "displayName", path, sink, None).map(str::to_owned);
        let _ = str_field(node, "id", path, sink, None);
        if subscription {
            match &parent {
                Some(p) => {
                    self.management_groups
                        .subscriptions
                        .insert(name.to_ascii_lowercase(), p.clone());
                }
                None => sink.warn(
                    node.span,
                    path,
                    format!("subscription `{name}` has no management group above it"),
                ),
            }
            return;
        }
        self.management_groups.add_group(name, display, parent);
        let cp = path.key("children");
        match node.get("children").map(|c| &c.value) {
            None | Some(JsonValue::Null) => {}
            Some(JsonValue::Array(children)) => {
                for (n, c) in children.iter().enumerate() {
                    self.mg_node(
                        c,
                        &cp.index(n),
                        Some(name.to_ascii_lowercase()),
                        depth + 1,
                        sink,
                    );
                }
            }
            Some(_) => {
                let c = node.get("children").map_or(node.span, |c| c.span);
                sink.error(c, &cp, "`children` must be an array of tree nodes");
            }
        }
    }

    /// Reads iamx's flat form `{"iamxAzureManagementGroups": [{"name",
    /// "displayName"?, "parent": "…" | null, "subscriptions": […]}]}`.
    pub fn read_management_groups_iamx(&mut self, json: &Json, sink: &mut Sink<'_>) {
        let root = JsonPath::root();
        let key = "iamxAzureManagementGroups";
        let kp = root.key(key);
        for (n, g) in array_field(json, key, &root, sink, "management groups")
            .iter()
            .enumerate()
        {
            let gp = kp.index(n);
            if g.as_object().is_none() {
                sink.error(
                    g.span,
                    &gp,
                    format!(
                        "a management group must be an object, found {}",
                        g.kind_name()
                    ),
                );
                continue;
            }
            sink.unknown_keys(
                g,
                &gp,
                &["name", "displayName", "parent", "subscriptions"],
                "management group",
            );
            let Some(name) = str_field(g, "name", &gp, sink, Some("management group")) else {
                continue;
            };
            let display = str_field(g, "displayName", &gp, sink, None).map(str::to_owned);
            // a parent may be written as a name or as its full scope
            let parent = str_field(g, "parent", &gp, sink, None)
                .map(|p| mg_of_scope(p).unwrap_or(p).to_ascii_lowercase());
            if parent.as_deref() == Some(&name.to_ascii_lowercase()) {
                let span = g.get("parent").map_or(g.span, |p| p.span);
                sink.error(
                    span,
                    &gp.key("parent"),
                    format!("management group `{name}` is its own parent"),
                );
                continue;
            }
            self.management_groups.add_group(name, display, parent);
            for s in strings(g, "subscriptions", &gp, sink, "subscription ids") {
                let id = subscription_of_scope(&s).unwrap_or(&s).to_ascii_lowercase();
                self.management_groups
                    .subscriptions
                    .insert(id, name.to_ascii_lowercase());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            mg_of_scope("/providers/microsoft.management/managementGroups/corp/"),
            Some("corp")
        );
        assert_eq!(
            mg_of_scope("/providers/Microsoft.Management/managementGroups/corp/x"),
            None
        );
        assert_eq!(
            subscription_of_scope("/subscriptions/abc/resourceGroups/rg"),
            Some("abc")
        );
        assert_eq!(subscription_of_scope("/"), None);
        let mut m = ManagementGroups::default();
        m.add_group("root", None, None);
        m.add_group("corp", None, Some("root".into()));
        m.subscriptions.insert("s1".into(), "corp".into());
        assert_eq!(
            m.chain("/subscriptions/S1/resourceGroups/x"),
            MgChain::Known(vec!["corp".into(), "root".into()])
        );
        assert!(matches!(m.chain("/subscriptions/s2"), MgChain::Unknown(_)));
        assert_eq!(m.chain("/"), MgChain::Known(vec![]));
        // a cycle never loops
        m.add_group("root", None, Some("corp".into()));
        assert_eq!(m.ancestors("corp").len(), 2);
    }
}
