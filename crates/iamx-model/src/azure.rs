//! Azure RBAC's authorization program and its evaluator: deny assignments,
//! then role assignments (Actions − NotActions per permission block, data
//! actions apart, ABAC conditions).

use crate::condition::Condition;
use crate::eval::{Block, Decision, Explanation, Layer, Outcome, StatementHit};
use crate::pattern::Pattern;
use crate::policy::{Effect, Origin};
use crate::request::Request;
use crate::tri::{Reason, Tri};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One `permissions` block of a role definition or deny assignment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PermissionBlock {
    /// `actions` (case-insensitive globs).
    pub actions: Vec<Pattern>,
    /// `notActions`.
    pub not_actions: Vec<Pattern>,
    /// `dataActions`.
    pub data_actions: Vec<Pattern>,
    /// `notDataActions`.
    pub not_data_actions: Vec<Pattern>,
}

impl PermissionBlock {
    /// Whether the block covers `op` (a data action when `data`): some
    /// allowed pattern matches and no excluded pattern of this block does.
    pub fn covers(&self, op: &str, data: bool) -> bool {
        let (inc, exc) = if data {
            (&self.data_actions, &self.not_data_actions)
        } else {
            (&self.actions, &self.not_actions)
        };
        inc.iter().any(|p| p.matches(op)) && !exc.iter().any(|p| p.matches(op))
    }
}

/// What an assignment's role grants.
#[derive(Clone, Debug, PartialEq)]
pub enum RoleSpec {
    /// The role's permission blocks.
    Blocks(Arc<Vec<PermissionBlock>>),
    /// The role definition is not known.
    Unknown(Reason),
}

/// A role assignment that applies at the request's scope.
#[derive(Clone, Debug)]
pub struct AzureAssignment {
    /// The assignee's object id (lowercased).
    pub principal_id: String,
    /// The role's display name (or id).
    pub role_name: String,
    /// The role's permissions.
    pub role: RoleSpec,
    /// The assignment's scope.
    pub scope: String,
    /// The ABAC condition.
    pub condition: Condition,
    /// Provenance.
    pub origin: Arc<Origin>,
}

/// A deny assignment that applies at the request's scope.
#[derive(Clone, Debug)]
pub struct AzureDeny {
    /// Principal object ids (lowercased); the all-principals id matches everyone.
    pub principals: Vec<String>,
    /// Excluded object ids (lowercased).
    pub exclude: Vec<String>,
    /// Denied permissions.
    pub blocks: Vec<PermissionBlock>,
    /// Where the deny applies (`condition`, version 2.0; `Condition::True`
    /// when it has none). A condition iamx cannot read, or a scope that may
    /// or may not reach the request, is `Condition::Unsupported`: the deny
    /// might apply.
    pub condition: Condition,
    /// The deny assignment's scope.
    pub scope: String,
    /// Provenance.
    pub origin: Arc<Origin>,
}

impl AzureDeny {
    /// Whether the deny names one of `identities` (or everyone) and excludes
    /// none of them.
    pub fn reaches(&self, identities: &BTreeSet<String>) -> bool {
        let everyone = self.principals.iter().any(|p| p == ALL_PRINCIPALS);
        (everyone || self.principals.iter().any(|p| identities.contains(p)))
            && !self.exclude.iter().any(|p| identities.contains(p))
    }
}

/// The object id that stands for every principal in deny assignments.
pub const ALL_PRINCIPALS: &str = "00000000-0000-0000-0000-000000000000";

/// Everything that takes part in one Azure decision.
#[derive(Clone, Debug, Default)]
pub struct AzureProgram {
    /// The caller's object id and its groups' (lowercased).
    pub identities: BTreeSet<String>,
    /// Whether the operation is a data action.
    pub data_action: bool,
    /// The sub-operation, for `SubOperationMatches`.
    pub sub_operation: Option<String>,
    /// Role assignments whose scope covers the request.
    pub assignments: Vec<AzureAssignment>,
    /// Deny assignments whose scope covers the request.
    pub denies: Vec<AzureDeny>,
}

/// Whether `scope` covers `target`: equal, `/`, or a prefix at a `/`
/// boundary, case-insensitively.
pub fn scope_covers(scope: &str, target: &str) -> bool {
    // `trim_end_matches('/')` by bytes: `/` is ASCII (this runs once per
    // assignment per program)
    let mut s = scope;
    while let Some(t) = s.strip_suffix('/') {
        s = t;
    }
    if s.is_empty() {
        return true;
    }
    let (sl, tl) = (s.len(), target.len());
    if tl < sl {
        return false;
    }
    let head = target.get(..sl);
    head.is_some_and(|h| h.eq_ignore_ascii_case(s))
        && (tl == sl || target.as_bytes().get(sl) == Some(&b'/'))
}

/// Decides `req` (operation in `req.action`, resource id in `req.resource`).
pub fn evaluate_azure(prog: &AzureProgram, req: &Request) -> Decision {
    let view = crate::condition::ContextView {
        req,
        sub: prog.sub_operation.as_deref(),
    };
    let mut hits = Vec::new();
    let op = req.action.as_str();
    let data = prog.data_action;

    let mut denied = Tri::False;
    for d in &prog.denies {
        if !d.reaches(&prog.identities) || !d.blocks.iter().any(|b| b.covers(op, data)) {
            continue;
        }
        let t = d.condition.eval(&view);
        if t.is_false() {
            continue;
        }
        hits.push(StatementHit::new(
            Layer::DenyAssignment,
            Effect::Deny,
            &d.origin,
            &t,
        ));
        denied = denied.or(t);
    }

    let mut allow = Tri::False;
    for a in &prog.assignments {
        if !prog.identities.contains(&a.principal_id) {
            continue;
        }
        let grants = match &a.role {
            RoleSpec::Blocks(blocks) => Tri::from(blocks.iter().any(|b| b.covers(op, data))),
            RoleSpec::Unknown(r) => Tri::Unknown(r.clone()),
        };
        if grants.is_false() {
            continue;
        }
        let t = grants.and(a.condition.eval(&view));
        if t.is_false() {
            continue;
        }
        hits.push(StatementHit::new(
            Layer::RoleAssignment,
            Effect::Allow,
            &a.origin,
            &t,
        ));
        allow = allow.or(t);
    }
    let mut notes = Vec::new();
    let (outcome, blocked_by) = if denied.is_true() {
        (Outcome::ExplicitlyDenied, None)
    } else {
        match (allow, denied) {
            (Tri::True, Tri::Unknown(r)) | (Tri::Unknown(r), _) => (Outcome::Unknown(r), None),
            (Tri::True, _) => (Outcome::Allowed, None),
            (Tri::False, d) => (
                {
                    if let Tri::Unknown(r) = d {
                        notes.push(format!("a deny assignment might also apply: {r}"));
                    }
                    Outcome::NotAllowed
                },
                Some(Block {
                    layer: Layer::RoleAssignment,
                    level: None,
                    message: "no role assignment at the scope or above grants the operation to the caller".to_owned(),
                }),
            ),
        }
    };
    Decision {
        outcome,
        explanation: Explanation {
            statements: hits,
            blocked_by,
            notes,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert!(scope_covers("/", "/subscriptions/a"));
        assert!(scope_covers(
            "/subscriptions/A",
            "/subscriptions/a/resourceGroups/x"
        ));
        assert!(!scope_covers("/subscriptions/a", "/subscriptions/ab"));
        assert!(scope_covers("/subscriptions/a/", "/subscriptions/a"));
    }
}
