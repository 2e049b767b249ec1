//! Group membership: iamx's form `{"iamxAzureGroups": {"<group object id>":
//! {"displayName": "…", "members": ["<object id>", …]}}}`. Groups may nest;
//! a cycle is reported and never followed twice.

use crate::env::AzureEnvironment;
use crate::read::{origin, str_field, strings};
use iamx_model::json::Json;
use iamx_model::source::Sink;
use iamx_model::{JsonPath, Origin};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// An Entra ID group.
#[derive(Clone, Debug)]
pub struct Group {
    /// Object id, lowercased.
    pub id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Member object ids (users, service principals, groups), lowercased.
    pub members: Vec<String>,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

/// Every group cycle in `groups`, each as the list of group ids along it
/// (the first id repeated at the end), in a stable order.
pub fn group_cycles(groups: &BTreeMap<String, Group>) -> Vec<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        g: &str,
        groups: &BTreeMap<String, Group>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        match marks.get(g) {
            Some(Mark::Done) => return,
            Some(Mark::Open) => {
                if let Some(pos) = stack.iter().position(|s| s == g) {
                    let mut cycle: Vec<String> = stack.iter().skip(pos).cloned().collect();
                    cycle.push(g.to_owned());
                    out.push(cycle);
                }
                return;
            }
            None => {}
        }
        marks.insert(g.to_owned(), Mark::Open);
        stack.push(g.to_owned());
        if let Some(grp) = groups.get(g) {
            for m in &grp.members {
                if groups.contains_key(m) {
                    visit(m, groups, marks, stack, out);
                }
            }
        }
        stack.pop();
        marks.insert(g.to_owned(), Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut out = Vec::new();
    for g in groups.keys() {
        visit(g, groups, &mut marks, &mut Vec::new(), &mut out);
    }
    out
}

/// The groups `id` belongs to, directly or through nested groups.
pub fn groups_of(groups: &BTreeMap<String, Group>, id: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut frontier = vec![id.to_ascii_lowercase()];
    while let Some(x) = frontier.pop() {
        for g in groups.values() {
            if g.members.contains(&x) && out.insert(g.id.clone()) {
                frontier.push(g.id.clone());
            }
        }
    }
    out
}

impl AzureEnvironment {
    /// Reads iamx's group-membership form.
    pub fn read_groups(&mut self, json: &Json, sink: &mut Sink<'_>) {
        let root = JsonPath::root();
        let key = "iamxAzureGroups";
        let kp = root.key(key);
        let Some(gs) = json.get(key) else {
            return;
        };
        let Some(members) = gs.as_object() else {
            sink.error(
                gs.span,
                &kp,
                format!(
                    "`{key}` must map group object ids to groups, found {}",
                    gs.kind_name()
                ),
            );
            return;
        };
        let mut read = BTreeMap::new();
        for (n, (k, g)) in members.iter().enumerate() {
            let gp = kp.key(&k.name);
            if g.as_object().is_none() {
                sink.error(
                    g.span,
                    &gp,
                    format!(
                        "a group must be an object with `displayName` and `members`, found {}",
                        g.kind_name()
                    ),
                );
                continue;
            }
            sink.unknown_keys(g, &gp, &["displayName", "members"], "group");
            let display = str_field(g, "displayName", &gp, sink, None).map(str::to_owned);
            if g.get("members").is_some_and(|m| m.as_array().is_none()) {
                let span = g.get("members").map_or(g.span, |m| m.span);
                sink.error(
                    span,
                    &gp.key("members"),
                    "`members` must be an array of object ids",
                );
                continue;
            }
            let members: Vec<String> = strings(g, "members", &gp, sink, "object ids")
                .into_iter()
                .map(|m| m.to_ascii_lowercase())
                .collect();
            let id = k.name.to_ascii_lowercase();
            let label = display.clone().unwrap_or_else(|| k.name.clone());
            let o = origin(sink, g, format!("group `{label}`"), n);
            read.insert(
                id.clone(),
                (
                    k.span,
                    gp,
                    Group {
                        id,
                        display_name: display,
                        members,
                        origin: o,
                    },
                ),
            );
        }
        let plain: BTreeMap<String, Group> = read
            .iter()
            .map(|(k, (_, _, g))| (k.clone(), g.clone()))
            .collect();
        for cycle in group_cycles(&plain) {
            if let Some((span, gp, _)) = cycle.first().and_then(|g| read.get(g)) {
                sink.warn(
                    *span,
                    gp,
                    format!(
                        "group membership cycle: {} (each member of one is a member of all)",
                        cycle
                            .iter()
                            .map(|g| format!("`{g}`"))
                            .collect::<Vec<_>>()
                            .join(" → ")
                    ),
                );
            }
        }
        for (id, (_, _, g)) in read {
            self.add_group(id, g);
        }
    }

    pub(crate) fn add_group(&mut self, id: String, g: Group) {
        self.invalidate();
        match self.groups.get_mut(&id) {
            Some(existing) => {
                for m in g.members {
                    if !existing.members.contains(&m) {
                        existing.members.push(m);
                    }
                }
                if existing.display_name.is_none() {
                    existing.display_name = g.display_name;
                }
            }
            None => {
                self.groups.insert(id, g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::AzureEnvironment;

    fn group(id: &str, members: &[&str]) -> Group {
        Group {
            id: id.to_owned(),
            display_name: None,
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            origin: Arc::new(Origin {
                file: None,
                policy: Arc::from(id),
                statement: 0,
                sid: None,
                line: 0,
                column: 0,
            }),
        }
    }

    /// `identities` (through its membership index) agrees with the plain
    /// walk of `groups_of`, follows nesting, ends on cycles, and notices a
    /// direct edit of `groups` that adds a group.
    #[test]
    fn identities_follow_nested_groups() {
        let mut env = AzureEnvironment::default();
        env.add_group("g1".into(), group("g1", &["u1", "g2"]));
        env.add_group("g2".into(), group("g2", &["u2", "g3"]));
        env.add_group("g3".into(), group("g3", &["g2"]));
        let ids =
            |env: &AzureEnvironment, u: &str| env.identities(u).into_iter().collect::<Vec<_>>();
        assert_eq!(ids(&env, "U1"), ["g1", "u1"]);
        assert_eq!(ids(&env, "u2"), ["g1", "g2", "g3", "u2"]);
        for u in ["u1", "u2", "g3", "nobody"] {
            let mut walk = groups_of(&env.groups, u);
            walk.insert(u.to_owned());
            assert_eq!(env.identities(u), walk, "{u}");
        }
        // a direct edit after the index was built
        env.groups.insert("g4".into(), group("g4", &["u1"]));
        assert_eq!(ids(&env, "u1"), ["g1", "g4", "u1"]);
        env.invalidate();
        assert_eq!(ids(&env, "u1"), ["g1", "g4", "u1"]);
    }
}
