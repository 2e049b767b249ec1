//! GCP's authorization program and its evaluator: deny policies, then
//! principal access boundaries, then the union of allow bindings on the
//! resource and its ancestors.

use crate::condition::Condition;
use crate::eval::{Block, Decision, Explanation, Layer, Outcome, StatementHit};
use crate::pattern::{Case, Pattern};
use crate::policy::{Effect, Origin};
use crate::request::Request;
use crate::tri::{Reason, Tri};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What a binding's role grants.
#[derive(Clone, Debug, PartialEq)]
pub enum RoleGrant {
    /// These permissions.
    Permissions(Arc<BTreeSet<String>>),
    /// Nothing: the role is disabled or deleted (the reason says which).
    Nothing(String),
    /// The role is referenced but not known.
    Unknown(Reason),
}

/// One allow binding that applies to the resource (its own or inherited).
#[derive(Clone, Debug)]
pub struct GcpBinding {
    /// The role's name.
    pub role: String,
    /// What the role grants.
    pub grant: RoleGrant,
    /// Members as written (`user:…`, `group:…`, …).
    pub members: Vec<String>,
    /// The IAM condition.
    pub condition: Condition,
    /// The resource the policy is attached to.
    pub attached_to: String,
    /// Provenance.
    pub origin: Arc<Origin>,
}

/// One deny rule that applies to the resource.
#[derive(Clone, Debug)]
pub struct GcpDenyRule {
    /// v2 principal identifiers denied.
    pub denied_principals: Vec<String>,
    /// v2 principal identifiers exempted.
    pub exception_principals: Vec<String>,
    /// Denied permissions (v2 form, globs).
    pub denied_permissions: Vec<Pattern>,
    /// Exempted permissions (v2 form, globs).
    pub exception_permissions: Vec<Pattern>,
    /// The denial condition.
    pub condition: Condition,
    /// Attachment point.
    pub attached_to: String,
    /// Provenance.
    pub origin: Arc<Origin>,
}

/// A principal access boundary policy bound to the caller.
#[derive(Clone, Debug)]
pub struct GcpBoundary {
    /// Resources (full names such as `//cloudresourcemanager.googleapis.com/projects/p`)
    /// the caller may access.
    pub resources: Vec<String>,
    /// Provenance.
    pub origin: Arc<Origin>,
}

/// Everything that takes part in one GCP decision.
#[derive(Clone, Debug, Default)]
pub struct GcpProgram {
    /// The caller's v1 member identities (itself, groups, `domain:…`,
    /// `allAuthenticatedUsers`, `allUsers`).
    pub identities: BTreeSet<String>,
    /// The caller's v2 identifiers (for deny rules).
    pub v2_identities: BTreeSet<String>,
    /// The resource's full name and its ancestors' names in every form a
    /// boundary may list them. Read only when `boundaries` is not empty (a
    /// frontend may leave it empty when no boundary policy is loaded).
    pub resource_chain: Vec<String>,
    /// Allow bindings on the resource and its ancestors. Shared: a frontend
    /// converts each loaded binding once and hands the same one to every
    /// program it takes part in.
    pub bindings: Vec<Arc<GcpBinding>>,
    /// Deny rules attached to the resource and its ancestors (shared, as
    /// `bindings`).
    pub denies: Vec<Arc<GcpDenyRule>>,
    /// Principal access boundary policies bound to the caller (none: no boundary).
    pub boundaries: Vec<GcpBoundary>,
}

/// `storage.objects.get` → `storage.googleapis.com/objects.get`. The
/// Resource Manager's permissions (`resourcemanager.projects.delete`) use the
/// service name `cloudresourcemanager.googleapis.com`, as Google documents
/// for deny policies.
pub fn v2_permission(permission: &str) -> String {
    match permission.split_once('.') {
        Some(("resourcemanager", rest)) => format!("cloudresourcemanager.googleapis.com/{rest}"),
        Some((svc, rest)) => format!("{svc}.googleapis.com/{rest}"),
        None => permission.to_owned(),
    }
}

/// A v2 permission pattern (`storage.googleapis.com/objects.*`).
pub fn v2_permission_pattern(text: &str) -> Pattern {
    Pattern::glob(text, Case::Sensitive)
}

/// Decides `req` (permission in `req.action`, full resource name in
/// `req.resource`) against `prog`.
pub fn evaluate_gcp(prog: &GcpProgram, req: &Request) -> Decision {
    let view = crate::condition::ContextView { req, sub: None };
    let mut hits = Vec::new();
    let mut notes = Vec::new();
    let v2 = v2_permission(&req.action);

    // 1. deny policies
    let mut deny = Tri::False;
    for rule in &prog.denies {
        let who = rule
            .denied_principals
            .iter()
            .any(|p| prog.v2_identities.contains(p))
            && !rule
                .exception_principals
                .iter()
                .any(|p| prog.v2_identities.contains(p));
        let what = rule.denied_permissions.iter().any(|p| p.matches(&v2))
            && !rule.exception_permissions.iter().any(|p| p.matches(&v2));
        if !(who && what) {
            continue;
        }
        let t = rule.condition.eval(&view);
        if t.is_false() {
            continue;
        }
        hits.push(StatementHit::new(
            Layer::DenyPolicy,
            Effect::Deny,
            &rule.origin,
            &t,
        ));
        deny = deny.or(t);
    }

    // 2. principal access boundary
    let mut blocked = None;
    let boundary_ok = if prog.boundaries.is_empty() {
        true
    } else {
        let ok = prog.boundaries.iter().any(|b| {
            b.resources
                .iter()
                .any(|r| prog.resource_chain.iter().any(|c| c == r))
        });
        if !ok {
            blocked = Some(Block {
                layer: Layer::PrincipalAccessBoundary,
                level: None,
                message: "no principal access boundary policy of the caller covers the resource"
                    .to_owned(),
            });
        }
        ok
    };

    // 3. allow bindings
    let mut allow = Tri::False;
    for b in &prog.bindings {
        if !b.members.iter().any(|m| prog.identities.contains(m)) {
            continue;
        }
        let grants = match &b.grant {
            RoleGrant::Permissions(p) => Tri::from(p.contains(&req.action)),
            RoleGrant::Nothing(why) => {
                if !why.is_empty() {
                    notes.push(format!("role `{}` grants nothing: {why}", b.role));
                }
                Tri::False
            }
            RoleGrant::Unknown(r) => Tri::Unknown(r.clone()),
        };
        if grants.is_false() {
            continue;
        }
        let t = grants.and(b.condition.eval(&view));
        if t.is_false() {
            continue;
        }
        hits.push(StatementHit::new(
            Layer::RoleBinding,
            Effect::Allow,
            &b.origin,
            &t,
        ));
        allow = allow.or(t);
    }
    if allow.is_false() && blocked.is_none() {
        blocked = Some(Block {
            layer: Layer::RoleBinding,
            level: None,
            message:
                "no binding on the resource or its ancestors grants the permission to the caller"
                    .to_owned(),
        });
    }
    let allowed = Tri::from(boundary_ok).and(allow);
    let outcome = if deny.is_true() {
        blocked = None;
        Outcome::ExplicitlyDenied
    } else if allowed.is_false() {
        if let Tri::Unknown(r) = &deny {
            notes.push(format!("a deny rule might also apply: {r}"));
        }
        Outcome::NotAllowed
    } else {
        blocked = None;
        match (deny, allowed) {
            (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => Outcome::Unknown(r),
            _ => Outcome::Allowed,
        }
    };
    Decision {
        outcome,
        explanation: Explanation {
            statements: hits,
            blocked_by: blocked,
            notes,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_names() {
        assert_eq!(
            v2_permission("storage.objects.get"),
            "storage.googleapis.com/objects.get"
        );
        assert_eq!(
            v2_permission("resourcemanager.projects.delete"),
            "cloudresourcemanager.googleapis.com/projects.delete"
        );
        assert!(
            v2_permission_pattern("storage.googleapis.com/objects.*")
                .matches("storage.googleapis.com/objects.get")
        );
    }
}
