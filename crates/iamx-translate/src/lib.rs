//! # iamx-translate
//!
//! Cross-cloud translation of permissions. A provider-neutral capability
//! vocabulary ([`vocab`], data in `data/capabilities/*.json`) sits between
//! AWS actions, GCP permissions and Azure operations; a user-supplied
//! resource map ([`map`]) says which account, project, subscription, bucket
//! or container stands for which. Translating is: **lift** the source to
//! capabilities on mapped scopes ([`lift`]), **lower** them to the target
//! as least privilege ([`lower`]), and **verify**: read the output back
//! through the same lifter and check that it grants no capability on any
//! scope the source did not, and that what it grants less is exactly what
//! the loss report lists.
//!
//! Key decision: **never more permissive.** A capability is carried only
//! when every permission realising it is granted unconditionally in the
//! source, and only when the target permissions realising it do not also
//! realise a capability the source lacks (Azure's blob `read` lists too;
//! GCP's `storage.buckets.get` reads every bucket setting): such a
//! capability is dropped and reported as `approximate`. Everything not
//! carried is in the loss report; nothing is dropped silently.

pub mod lift;
pub mod lower;
pub mod map;
pub mod verify;
pub mod vocab;
pub mod window;

pub use lift::{Held, Lifted};
pub use map::{ResourceMap, ResourceMapError, Scope};
pub use verify::{Proof, ProofResult};
pub use vocab::{Capability, Cloud, Perm, VocabError, Vocabulary};
pub use window::{Bound, Window};

use iamx_model::{Condition, Pattern};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use window::{Answer, Sampled};

/// A capability (by index into the vocabulary) on a scope.
pub type Grant = (usize, Scope);

/// One thing a translation does not carry over.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Loss {
    /// A source permission (or wildcard) that no capability holds.
    NoCounterpart {
        /// The permission as written.
        permission: String,
        /// Why.
        detail: String,
    },
    /// A resource the source names that the map does not hold.
    UnmappedResource {
        /// As written.
        resource: String,
    },
    /// Granted only under a condition the translation does not carry.
    Conditional {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
        /// The condition (or why the decision depends on the context).
        condition: String,
        /// Why the target does not get it.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// Granted in a time window the target cannot express: not carried.
    ConditionNotInTarget {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
        /// The condition.
        condition: String,
        /// Why the target cannot express it.
        reason: String,
    },
    /// The source grants the capability on part of the scope only (the
    /// reasoner found a request the translation would allow and the source
    /// does not): not carried.
    PartOfScope {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
        /// The request the source does not allow.
        witness: String,
    },
    /// The reasoner could not decide whether the translation of this grant
    /// allows only what the source does (a timeout or an unsupported
    /// construct): not carried, since unknown is never no.
    NotProven {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
        /// The reasoner's reason.
        reason: String,
    },
    /// Only some permissions of the capability are granted.
    Partial {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
        /// The permissions not granted.
        missing: Vec<String>,
    },
    /// The target has no permission realising the capability.
    NotInTarget {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
    },
    /// The scope has no counterpart in the target (the map gives none).
    ScopeNotInTarget {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
    },
    /// The target permissions would also grant capabilities the source does
    /// not: not carried.
    Approximate {
        /// The capability.
        capability: String,
        /// Where.
        scope: Scope,
        /// Where, in the source's terms.
        at: String,
        /// What the target permissions would also grant.
        also_grants: Vec<String>,
    },
}

impl Loss {
    /// The capability and scope of a loss about one.
    pub fn grant_key(&self) -> Option<(&str, &Scope)> {
        match self {
            Loss::NoCounterpart { .. } | Loss::UnmappedResource { .. } => None,
            Loss::Conditional {
                capability, scope, ..
            }
            | Loss::Partial {
                capability, scope, ..
            }
            | Loss::NotInTarget {
                capability, scope, ..
            }
            | Loss::ScopeNotInTarget {
                capability, scope, ..
            }
            | Loss::Approximate {
                capability, scope, ..
            }
            | Loss::ConditionNotInTarget {
                capability, scope, ..
            }
            | Loss::PartOfScope {
                capability, scope, ..
            }
            | Loss::NotProven {
                capability, scope, ..
            } => Some((capability, scope)),
        }
    }

    /// Whether it is a capability the source grants and the output does not
    /// (what verification must find missing).
    pub fn is_dropped_grant(&self) -> bool {
        matches!(
            self,
            Loss::NotInTarget { .. }
                | Loss::ScopeNotInTarget { .. }
                | Loss::Approximate { .. }
                | Loss::ConditionNotInTarget { .. }
                | Loss::PartOfScope { .. }
                | Loss::NotProven { .. }
        )
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            Loss::NoCounterpart { permission, detail } => {
                format!("no counterpart: `{permission}`: {detail}")
            }
            Loss::UnmappedResource { resource } => {
                format!("unmapped resource: `{resource}` is not in the resource map")
            }
            Loss::Conditional {
                capability,
                at,
                condition,
                reason,
                ..
            } => {
                if reason.is_empty() {
                    format!("condition not carried: {capability} on {at}: {condition}")
                } else {
                    format!("condition not carried: {capability} on {at}: {condition} ({reason})")
                }
            }
            Loss::ConditionNotInTarget {
                capability,
                at,
                condition,
                reason,
                ..
            } => format!(
                "condition not in the target, not carried: {capability} on {at}: {condition} ({reason})"
            ),
            Loss::PartOfScope {
                capability,
                at,
                witness,
                ..
            } => format!(
                "granted on part of the scope only, not carried: {capability} on {at} (the source does not allow {witness})"
            ),
            Loss::NotProven {
                capability,
                at,
                reason,
                ..
            } => format!(
                "not proven, not carried: {capability} on {at} (the reasoner could not decide that its translation allows nothing the source does not: {reason})"
            ),
            Loss::Partial {
                capability,
                at,
                missing,
                ..
            } => format!(
                "partly granted: {capability} on {at} lacks {}",
                missing.join(", ")
            ),
            Loss::NotInTarget { capability, at, .. } => {
                format!("no counterpart in the target: {capability} on {at}")
            }
            Loss::ScopeNotInTarget { capability, at, .. } => {
                format!("scope not in the target: {capability} on {at} (the map gives no id)")
            }
            Loss::Approximate {
                capability,
                at,
                also_grants,
                ..
            } => format!(
                "approximate, not carried: {capability} on {at} (the target's permissions would also grant {})",
                also_grants.join(", ")
            ),
        }
    }
}

/// What to translate.
#[derive(Clone, Debug)]
pub enum Source {
    /// An AWS identity policy.
    Aws(Arc<iamx_model::Policy>),
    /// Grants held at scopes (GCP bindings, Azure assignments, a
    /// principal's effective access), with what reading them already lost.
    Held {
        /// Their cloud.
        cloud: Cloud,
        /// The grants.
        held: Vec<Held>,
        /// Losses found while reading them.
        losses: Vec<Loss>,
    },
}

impl Source {
    /// The cloud.
    pub fn cloud(&self) -> Cloud {
        match self {
            Source::Aws(_) => Cloud::Aws,
            Source::Held { cloud, .. } => *cloud,
        }
    }

    /// GCP allow bindings (a role alone is one binding at `*`: it is taken
    /// as granted on every account of the map). A condition's object name
    /// prefix narrows the binding to the map's objects under it; a time
    /// window is kept; anything else makes the grants conditional losses.
    pub fn gcp(bindings: &[Arc<iamx_model::gcp::GcpBinding>], map: &ResourceMap) -> Source {
        let mut held = Vec::new();
        let mut losses = Vec::new();
        for b in bindings {
            let names: BTreeSet<String> = match &b.grant {
                iamx_model::gcp::RoleGrant::Permissions(p) => {
                    p.iter().map(|x| x.to_ascii_lowercase()).collect()
                }
                iamx_model::gcp::RoleGrant::Nothing(_) => continue,
                iamx_model::gcp::RoleGrant::Unknown(r) => {
                    losses.push(Loss::NoCounterpart {
                        permission: b.role.clone(),
                        detail: format!("the role is not known: {r}"),
                    });
                    continue;
                }
            };
            let Some(scope) = map.scope_of(Cloud::Gcp, &b.attached_to) else {
                losses.push(Loss::UnmappedResource {
                    resource: b.attached_to.clone(),
                });
                continue;
            };
            // an object prefix in the condition narrows the scope
            let (scopes, rest) = match gcp_prefix_part(&b.condition) {
                None => (vec![scope], b.condition.clone()),
                Some((name, rest)) => {
                    let (scopes, unmapped) = gcp_object_scopes(map, scope.as_ref(), &name);
                    losses.extend(unmapped);
                    (scopes.into_iter().map(Some).collect(), rest)
                }
            };
            let (condition, window) = match gcp_condition(&rest) {
                Sampled::Always => (None, None),
                Sampled::Never => continue,
                Sampled::Within(w) => (None, Some(w)),
                Sampled::Conditional(r) => (Some(format!("`{}`: {r}", b.condition)), None),
            };
            for scope in scopes {
                held.push(Held {
                    scope,
                    names: names.clone(),
                    condition: condition.clone(),
                    window,
                    ..Held::default()
                });
            }
        }
        Source::Held {
            cloud: Cloud::Gcp,
            held,
            losses,
        }
    }

    /// Azure role assignments with the role definitions they name (a role
    /// definition alone is one assignment at `/`: taken as granted on every
    /// account of the map).
    pub fn azure(
        roles: &BTreeMap<String, iamx_azure::RoleDefinition>,
        assignments: &[iamx_azure::RoleAssignment],
        map: &ResourceMap,
    ) -> Source {
        let mut held = Vec::new();
        let mut losses = Vec::new();
        for a in assignments {
            let Some(role) = roles.get(&a.role_guid) else {
                losses.push(Loss::NoCounterpart {
                    permission: a
                        .role_definition_name
                        .clone()
                        .unwrap_or(a.role_guid.clone()),
                    detail: "the role definition is not known".into(),
                });
                continue;
            };
            let clauses = azure_clauses(&a.condition).filter(|_| a.condition != Condition::True);
            // an assignment at a scope the map does not hold may still name
            // mapped containers in its condition
            let mapped = map.scope_of(Cloud::Azure, &a.scope);
            let Some(scope) = mapped.clone().or_else(|| {
                clauses
                    .as_ref()
                    .is_some_and(|cs| cs.iter().all(|c| c.container.is_some()))
                    .then_some(None)
            }) else {
                losses.push(Loss::UnmappedResource {
                    resource: a.scope.clone(),
                });
                continue;
            };
            let blocks: Vec<_> = role.blocks.iter().cloned().collect();
            match clauses {
                // storage data actions limited to a container, an object
                // prefix or a window
                Some(clauses) => {
                    let all: Vec<Pattern> = clauses.iter().flat_map(|c| c.guards.clone()).collect();
                    if mapped.is_some() {
                        held.push(Held {
                            scope: scope.clone(),
                            blocks: blocks.clone(),
                            except: all,
                            ..Held::default()
                        });
                    } else {
                        losses.push(Loss::UnmappedResource {
                            resource: format!(
                                "{} (the operations its condition does not limit to a mapped container)",
                                a.scope
                            ),
                        });
                    }
                    for c in clauses {
                        // a container the clause names narrows the scope to it
                        let bases: Vec<Option<Scope>> = match &c.container {
                            None => vec![scope.clone()],
                            Some(name) => {
                                let found = azure_containers(map, &a.scope, name);
                                if found.is_empty() {
                                    losses.push(Loss::UnmappedResource {
                                        resource: format!("{}: container `{name}`", a.scope),
                                    });
                                }
                                found.into_iter().map(Some).collect()
                            }
                        };
                        let mut scopes: Vec<Option<Scope>> = Vec::new();
                        for base in bases {
                            match (&c.prefix, &base) {
                                (None, _) => scopes.push(base),
                                (Some(p), Some(Scope::Resource { resource })) => {
                                    if let Some(r) = map.resource(resource) {
                                        let (found, unmapped) = object_scopes(
                                            map,
                                            r,
                                            p,
                                            Cloud::Azure,
                                            &format!("{}/blobs/{p}*", a.scope),
                                        );
                                        losses.extend(unmapped);
                                        scopes.extend(found.into_iter().map(Some));
                                    }
                                }
                                (Some(p), _) => losses.push(Loss::UnmappedResource {
                                    resource: format!("{}: blobs under `{p}`", a.scope),
                                }),
                            }
                        }
                        for s in scopes {
                            held.push(Held {
                                scope: s,
                                blocks: blocks.clone(),
                                window: (!c.window.is_all()).then_some(c.window),
                                only: Some(c.guards.clone()),
                                ..Held::default()
                            });
                        }
                    }
                }
                _ => {
                    let condition = (a.condition != Condition::True).then(|| {
                        a.condition_text
                            .clone()
                            .unwrap_or_else(|| "an ABAC condition".to_owned())
                    });
                    held.push(Held {
                        scope: scope.clone(),
                        blocks,
                        condition,
                        ..Held::default()
                    });
                }
            }
            for cb in &role.conditional {
                held.push(Held {
                    scope: scope.clone(),
                    blocks: cb.block.iter().cloned().collect(),
                    condition: Some("a condition of the role definition".to_owned()),
                    ..Held::default()
                });
            }
        }
        Source::Held {
            cloud: Cloud::Azure,
            held,
            losses,
        }
    }

    /// A principal's effective access (`what_can` rows of one cloud).
    pub fn access(cloud: Cloud, rows: &[iamx_analysis::Access], map: &ResourceMap) -> Source {
        let mut held = Vec::new();
        let mut losses = Vec::new();
        for r in rows.iter().filter(|r| r.cloud == cloud.name()) {
            let Some(scope) = map.scope_of(cloud, &r.resource) else {
                losses.push(Loss::UnmappedResource {
                    resource: r.resource.clone(),
                });
                continue;
            };
            for a in &r.actions {
                let lc = a.action.to_ascii_lowercase();
                // what-can rows do not say the Azure plane: both keys
                let names: BTreeSet<String> = match cloud {
                    Cloud::Azure => [format!("c:{lc}"), format!("d:{lc}")].into(),
                    _ => [lc].into(),
                };
                held.push(Held {
                    scope: scope.clone(),
                    names,
                    condition: a
                        .conditional
                        .then(|| a.condition.clone().unwrap_or_else(|| "a condition".into())),
                    ..Held::default()
                });
            }
        }
        Source::Held {
            cloud,
            held,
            losses,
        }
    }
}

/// A GCP IAM Condition split into the object name prefix one of its
/// top-level conjuncts tests (`resource.name.startsWith("projects/_/buckets/
/// B/objects/P")`) and the rest; a `resource.type ==
/// "storage.googleapis.com/Object"` beside it says no more and is dropped.
/// `None` when it names no prefix, or more than one.
fn gcp_prefix_part(c: &Condition) -> Option<(String, Condition)> {
    use iamx_model::expr::{CmpOp, Expr, Func};
    let Condition::Expr(e) = c else { return None };
    let parts: Vec<&Expr> = match e.as_ref() {
        Expr::And(xs) => xs.iter().collect(),
        other => vec![other],
    };
    let mut name = None;
    let mut rest = Vec::new();
    for p in parts {
        match p {
            Expr::Call(Func::StartsWith, args) => match args.as_slice() {
                [Expr::Attr(a), Expr::Str(v)] if a == "resource.name" => {
                    if name.replace(v.clone()).is_some() {
                        return None;
                    }
                }
                _ => rest.push(p.clone()),
            },
            Expr::Cmp(CmpOp::Eq, l, r)
                if matches!((l.as_ref(), r.as_ref()), (Expr::Attr(a), Expr::Str(t))
                    if a == "resource.type" && t == "storage.googleapis.com/Object") => {}
            other => rest.push(other.clone()),
        }
    }
    let rest = match rest.len() {
        0 => Condition::True,
        1 => Condition::Expr(Box::new(rest.pop()?)),
        _ => Condition::Expr(Box::new(Expr::And(rest))),
    };
    Some((name?, rest))
}

/// The map's object scopes a binding at `at` (`None`: every account) with
/// an object name prefix condition covers (see [`object_scopes`]).
fn gcp_object_scopes(map: &ResourceMap, at: Option<&Scope>, name: &str) -> (Vec<Scope>, Vec<Loss>) {
    let bucket = map.resources.iter().find_map(|r| {
        let path = r.gcp.as_deref()?;
        let path = path
            .strip_prefix("//storage.googleapis.com/")
            .unwrap_or(path);
        let p = name.strip_prefix(path)?.strip_prefix("/objects/")?;
        let inside = at.is_none_or(|s| {
            map.includes(
                s,
                &Scope::Resource {
                    resource: r.name.clone(),
                },
            )
        });
        inside.then_some((r, p))
    });
    match bucket {
        Some((r, p)) => object_scopes(map, r, p, Cloud::Gcp, &format!("{name}*")),
        None => (
            vec![],
            vec![Loss::UnmappedResource {
                resource: format!("{name}* (objects under this name prefix)"),
            }],
        ),
    }
}

/// The map's object scopes of bucket `r` under key prefix `p` (as `cloud`
/// writes it): the prefix's own scope when the map holds it (or the whole
/// bucket for an empty prefix); otherwise the map's prefixes inside it, and
/// a loss (`what`) for the objects no mapped prefix holds.
fn object_scopes(
    map: &ResourceMap,
    r: &map::Resource,
    p: &str,
    cloud: Cloud,
    what: &str,
) -> (Vec<Scope>, Vec<Loss>) {
    if let Some(s) = map.objects_scope(r, p, cloud) {
        return (vec![s], vec![]);
    }
    let inner: Vec<Scope> = r
        .prefixes
        .iter()
        .enumerate()
        .filter(|(_, x)| {
            let t = match cloud {
                Cloud::Aws => &x.aws,
                Cloud::Gcp => &x.gcp,
                Cloud::Azure => &x.azure,
            };
            t.as_deref().is_some_and(|g| g.starts_with(p))
        })
        .map(|(i, _)| Scope::Objects {
            resource: r.name.clone(),
            prefix: Some(i),
        })
        .collect();
    (
        inner,
        vec![Loss::UnmappedResource {
            resource: format!("{what} (objects under this prefix)"),
        }],
    )
}

/// One clause of an Azure assignment condition iamx reads: the data
/// actions it guards, held only under an object prefix and in a window.
#[derive(Debug)]
struct AzureClause {
    guards: Vec<Pattern>,
    /// The blob container the clause names (`containers:name StringEquals`).
    container: Option<String>,
    prefix: Option<String>,
    window: Window,
}

/// The attribute of a blob container's name in ABAC conditions.
const CONTAINER_NAME: &str =
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]";

/// The map's containers named `name` at or under the Azure scope `at`.
fn azure_containers(map: &ResourceMap, at: &str, name: &str) -> Vec<Scope> {
    map.resources
        .iter()
        .filter(|r| {
            r.azure.as_deref().is_some_and(|id| {
                let id = id.trim_end_matches('/');
                iamx_model::azure::scope_covers(at, id)
                    && id
                        .rsplit_once("/containers/")
                        .is_some_and(|(_, n)| n.eq_ignore_ascii_case(name) && !n.contains('/'))
            })
        })
        .map(|r| Scope::Resource {
            resource: r.name.clone(),
        })
        .collect()
}

/// An Azure assignment condition as clauses `(!(ActionMatches{…}) AND …)
/// OR (<container name> StringEquals '…' AND <blob path> StringStartsWith
/// '…' AND @Environment[UtcNow] DateTimeGreaterThan '…' AND …)`, joined by
/// AND; `None` for anything else (sub-operations, other attributes, guards
/// of two clauses that may name one action).
fn azure_clauses(c: &Condition) -> Option<Vec<AzureClause>> {
    use iamx_model::expr::{AzOp, Expr, Quantifier};
    let Condition::Expr(e) = c else { return None };
    let clauses: Vec<&Expr> = match e.as_ref() {
        Expr::And(xs) => xs.iter().collect(),
        other => vec![other],
    };
    let conj = |e: &Expr| -> Vec<Expr> {
        match e {
            Expr::And(xs) => xs.clone(),
            other => vec![other.clone()],
        }
    };
    let mut out = Vec::new();
    for cl in clauses {
        let Expr::Or(sides) = cl else { return None };
        let [guard, body] = sides.as_slice() else {
            return None;
        };
        let mut guards = Vec::new();
        for g in conj(guard) {
            let Expr::Not(inner) = g else { return None };
            let Expr::ActionMatches(p) = *inner else {
                return None;
            };
            guards.push(p);
        }
        let mut prefix = None;
        let mut container = None;
        let mut window = Window::ALL;
        for part in conj(body) {
            let Expr::AzOp {
                op,
                quantifier: Quantifier::None,
                lhs,
                rhs,
            } = part
            else {
                return None;
            };
            let (Expr::Attr(attr), Expr::Str(v)) = (lhs.as_ref(), rhs.as_ref()) else {
                return None;
            };
            if attr.eq_ignore_ascii_case(lower::BLOB_PATH) && op == AzOp::StringStartsWith {
                if prefix.replace(v.clone()).is_some() {
                    return None;
                }
                continue;
            }
            if attr.eq_ignore_ascii_case(CONTAINER_NAME) && op == AzOp::StringEquals {
                if container.replace(v.clone()).is_some() {
                    return None;
                }
                continue;
            }
            if !attr.eq_ignore_ascii_case(window::UTC_NOW) {
                return None;
            }
            let at = iamx_model::value::parse_date(v)?;
            let bound = |inclusive| Some(Bound { at, inclusive });
            let one = match op {
                AzOp::DateTimeGreaterThan => Window {
                    after: bound(false),
                    before: None,
                },
                AzOp::DateTimeGreaterThanEquals => Window {
                    after: bound(true),
                    before: None,
                },
                AzOp::DateTimeLessThan => Window {
                    after: None,
                    before: bound(false),
                },
                AzOp::DateTimeLessThanEquals => Window {
                    after: None,
                    before: bound(true),
                },
                _ => return None,
            };
            window = window.intersect(&one)?;
        }
        out.push(AzureClause {
            guards,
            container,
            prefix,
            window,
        });
    }
    // each data action in one clause at most: guards of two clauses must
    // be disjoint patterns
    let overlapping = out.iter().enumerate().any(|(i, a)| {
        out.iter().skip(i + 1).any(|b| {
            a.guards
                .iter()
                .any(|p| b.guards.iter().any(|q| !p.disjoint_from(q)))
        })
    });
    (!overlapping).then_some(out)
}

/// What a GCP IAM Condition allows over time: sampled through the CEL
/// evaluator at each piece of the time line its timestamps cut, with every
/// other attribute unknown (see [`window`]).
fn gcp_condition(c: &Condition) -> Sampled {
    use iamx_model::expr::{Expr, ExprEnv, Func};
    use std::borrow::Cow;
    let Condition::Expr(e) = c else {
        return match c {
            Condition::True => Sampled::Always,
            other => Sampled::Conditional(format!("{other}")),
        };
    };
    fn times(e: &Expr, out: &mut Vec<i64>) {
        match e {
            Expr::Call(Func::Timestamp, args) => {
                if let Some(Expr::Str(t)) = args.first()
                    && let Some(ms) = iamx_model::value::parse_date(t)
                {
                    out.push(ms);
                }
            }
            Expr::Call(_, args) | Expr::List(args) | Expr::And(args) | Expr::Or(args) => {
                args.iter().for_each(|a| times(a, out))
            }
            Expr::Not(x) => times(x, out),
            Expr::Cmp(_, a, b) | Expr::In(a, b) => {
                times(a, out);
                times(b, out);
            }
            _ => {}
        }
    }
    struct At(iamx_model::Value);
    impl ExprEnv for At {
        fn attribute(&self, name: &str) -> Option<Option<Cow<'_, iamx_model::Value>>> {
            (name == "request.time").then_some(Some(Cow::Borrowed(&self.0)))
        }
        fn action(&self) -> &str {
            ""
        }
        fn sub_operation(&self) -> Option<&str> {
            None
        }
    }
    let mut ts = Vec::new();
    times(e, &mut ts);
    window::sample(&ts, |t| {
        match e.eval(&At(iamx_model::Value::str(iamx_model::value::format_date(
            t,
        )))) {
            iamx_model::Tri::True => Answer::Yes,
            iamx_model::Tri::False => Answer::No,
            iamx_model::Tri::Unknown(r) => Answer::Unknown(r.to_string()),
        }
    })
}

/// Why `to` does not get a condition of the source (for the loss report).
fn condition_gap(condition: &str, to: Cloud) -> String {
    let c = condition.to_ascii_lowercase();
    let has = |k: &[&str]| k.iter().any(|x| c.contains(x));
    let target = to.name();
    if has(&[
        "sourceip",
        "sourcevpc",
        "vpcsourceip",
        "isprivatelink",
        "privateendpoint",
        "subnet",
    ]) {
        match to {
            Cloud::Gcp => "GCP IAM Conditions cannot test the caller's network or source IP (Access Context Manager and VPC Service Controls sit outside IAM allow policies)".to_owned(),
            Cloud::Azure => "Azure role assignment conditions cannot test the caller's source IP".to_owned(),
            Cloud::Aws => "iamx does not translate network conditions".to_owned(),
        }
    } else if has(&["requestedregion", "aws:region", "ec2:region"]) {
        format!("{target} IAM has no condition on the region a request is sent to")
    } else if has(&["securetransport"]) {
        format!("{target} IAM conditions cannot test whether a request used TLS")
    } else if has(&["currenttime", "request.time", "utcnow"]) {
        match to {
            Cloud::Azure => "only a single request-time window carries over, and to Azure only for storage blob and queue data actions (`@Environment[UtcNow]`); this condition depends on more".to_owned(),
            _ => "only a single request-time window carries over (`aws:CurrentTime` Date operators ↔ `request.time` comparisons); this condition depends on more".to_owned(),
        }
    } else if has(&["epochtime"]) {
        "`aws:EpochTime` is not translated (only `aws:CurrentTime` windows are)".to_owned()
    } else if has(&["tag", "matchtag"]) {
        "tags do not carry across clouds".to_owned()
    } else if has(&["multifactor", "mfa"]) {
        format!("{target} IAM has no multi-factor condition")
    } else if has(&["resource.name", "blobs:path", "s3:prefix"]) {
        "only the object prefixes of the resource map are translated".to_owned()
    } else {
        "iamx translates only request-time windows and the resource map's object prefixes"
            .to_owned()
    }
}

/// A capability carried over, for reports.
#[derive(Clone, Debug, Serialize)]
pub struct GrantRow {
    /// The capability.
    pub capability: String,
    /// Where.
    pub scope: Scope,
    /// Where, in words.
    pub at: String,
}

/// A note on a carried capability whose match is only approximate.
#[derive(Clone, Debug, Serialize)]
pub struct Note {
    /// The capability.
    pub capability: String,
    /// The vocabulary's note.
    pub note: String,
}

/// The check of a translation's output against its source.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// Capabilities on scopes the output grants and the source does not
    /// (must be empty).
    pub more: Vec<GrantRow>,
    /// Capabilities on scopes the source grants and the output does not.
    pub less: Vec<GrantRow>,
    /// Whether `less` is exactly the capabilities the loss report drops.
    pub matches_loss_report: bool,
    /// What the reasoner proved (or refuted), claim by claim.
    pub proofs: Vec<Proof>,
    /// An error reading the output back, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Verification {
    /// Whether the translation passed: never more permissive, the loss
    /// report accounts for everything missing, and the reasoner proved
    /// every claim (a witness or an unknown answer fails).
    pub fn ok(&self) -> bool {
        self.more.is_empty()
            && self.matches_loss_report
            && self.error.is_none()
            && !self.proofs.is_empty()
            && self.proofs.iter().all(Proof::holds)
    }

    /// How many questions the reasoner answered.
    pub fn questions(&self) -> usize {
        self.proofs.iter().map(|p| p.questions).sum()
    }
}

/// A translation.
#[derive(Clone, Debug, Serialize)]
pub struct Translation {
    /// Source cloud.
    pub from: Cloud,
    /// Target cloud.
    pub to: Cloud,
    /// The output in the target dialect.
    pub output: serde_json::Value,
    /// What it carries.
    pub carried: Vec<GrantRow>,
    /// What it does not.
    pub losses: Vec<Loss>,
    /// Carried capabilities whose match the vocabulary calls approximate.
    pub notes: Vec<Note>,
    /// The check.
    pub verification: Verification,
}

fn row(vocab: &Vocabulary, map: &ResourceMap, cloud: Cloud, (c, s): &Grant) -> GrantRow {
    GrantRow {
        capability: vocab.id(*c).to_owned(),
        scope: s.clone(),
        at: map.describe(s, cloud),
    }
}

/// The default member/principal of the output's bindings and assignments.
pub fn default_member(to: Cloud) -> &'static str {
    match to {
        Cloud::Aws => "",
        Cloud::Gcp => "serviceAccount:translated@PROJECT.iam.gserviceaccount.com",
        Cloud::Azure => "00000000-0000-0000-0000-000000000000",
    }
}

/// How many times a reasoner witness may send the translation back to drop
/// a grant the source holds on part of its scope only.
const MAX_REPAIRS: usize = 8;

/// Translates `source` to `to`. `catalog` expands AWS wildcards for the
/// loss report and gives the reasoner its action classes; `member` is who
/// the GCP bindings / Azure assignments are for.
pub fn translate(
    vocab: &Vocabulary,
    map: &ResourceMap,
    source: &Source,
    to: Cloud,
    catalog: Option<&iamx_catalog::Catalog>,
    member: Option<&str>,
) -> Translation {
    translate_within(vocab, map, source, to, catalog, member, verify::TIMEOUT)
}

/// [`translate`] with `timeout` for each of the reasoner's questions
/// (an undecided question about a grant drops it as [`Loss::NotProven`]).
pub fn translate_within(
    vocab: &Vocabulary,
    map: &ResourceMap,
    source: &Source,
    to: Cloud,
    catalog: Option<&iamx_catalog::Catalog>,
    member: Option<&str>,
    timeout: std::time::Duration,
) -> Translation {
    let from = source.cloud();
    let mut lifted = match source {
        Source::Aws(p) => lift::lift_aws(vocab, map, p, catalog),
        Source::Held {
            cloud,
            held,
            losses,
        } => {
            let mut l = lift::lift_held(vocab, map, *cloud, held);
            l.losses.extend(losses.iter().cloned());
            l.losses.sort();
            l.losses.dedup();
            l
        }
    };
    for l in &mut lifted.losses {
        if let Loss::Conditional {
            condition, reason, ..
        } = l
        {
            *reason = condition_gap(condition, to);
        }
    }
    let member = member.unwrap_or(default_member(to));
    let mut losses = lifted.losses.clone();
    let mut kept: BTreeSet<Grant> = BTreeSet::new();
    let mut windows: BTreeMap<Grant, Window> = BTreeMap::new();
    for g in &lifted.grants {
        let (c, s) = g;
        let at = map.describe(s, from);
        let id = vocab.id(*c).to_owned();
        if vocab.get(*c).is_none_or(|cap| cap.perms(to).is_empty()) {
            losses.push(Loss::NotInTarget {
                capability: id,
                scope: s.clone(),
                at,
            });
        } else if !lower::expressible(map, s, to) {
            losses.push(Loss::ScopeNotInTarget {
                capability: id,
                scope: s.clone(),
                at,
            });
        } else if let (Cloud::Azure, Some(w)) = (to, lifted.windows.get(g))
            && let Err(why) = lower::azure_window(vocab.get(*c), w)
        {
            losses.push(Loss::ConditionNotInTarget {
                capability: id,
                scope: s.clone(),
                at,
                condition: w.describe(),
                reason: why,
            });
        } else {
            kept.insert(g.clone());
            if let Some(w) = lifted.windows.get(g) {
                windows.insert(g.clone(), *w);
            }
        }
    }
    let actions = match (source, catalog) {
        (Source::Aws(_), Some(c)) => c.lowercase_actions(),
        _ => Vec::new(),
    };
    let mut round_trip: Vec<Proof> = Vec::new();
    let mut output;
    let mut back;
    let mut repairs = 0;
    loop {
        // lower, read back, drop what would grant more, until nothing does
        loop {
            output = lower::lower(vocab, map, &kept, &windows, to, member);
            back = lower::lift_output(vocab, map, to, &output);
            let Ok(b) = &back else { break };
            let extras: Vec<Grant> = b
                .grants
                .iter()
                .filter(|g| !lifted.covers(map, g, &b.window(g)))
                .cloned()
                .collect();
            if extras.is_empty() {
                break;
            }
            let mut dropped: BTreeMap<Grant, BTreeSet<String>> = BTreeMap::new();
            for (xc, xs) in &extras {
                let xperms: BTreeSet<String> = vocab
                    .get(*xc)
                    .map(|c| c.perms(to).iter().map(Perm::key).collect())
                    .unwrap_or_default();
                for (kc, ks) in &kept {
                    let shares = vocab
                        .get(*kc)
                        .is_some_and(|c| c.perms(to).iter().any(|p| xperms.contains(&p.key())));
                    if shares && (map.includes(ks, xs) || map.includes(xs, ks)) {
                        dropped
                            .entry((*kc, ks.clone()))
                            .or_default()
                            .insert(vocab.id(*xc).to_owned());
                    }
                }
            }
            if dropped.is_empty() {
                break;
            }
            for ((c, s), also) in dropped {
                kept.remove(&(c, s.clone()));
                windows.remove(&(c, s.clone()));
                losses.push(Loss::Approximate {
                    capability: vocab.id(c).to_owned(),
                    at: map.describe(&s, from),
                    scope: s,
                    also_grants: also.into_iter().collect(),
                });
            }
        }
        // an AWS source: the output as an AWS policy against the policy itself
        let (Source::Aws(src), Ok(b)) = (source, &back) else {
            break;
        };
        let doc = match to {
            Cloud::Aws => output.clone(),
            _ => lower::lower(vocab, map, &b.grants, &b.windows, Cloud::Aws, ""),
        };
        let proof = match verify::parse(&doc, "the output as an AWS policy") {
            Err(e) => Proof {
                claim: "the output as an AWS policy reads".to_owned(),
                questions: 0,
                result: ProofResult::Unknown { reason: e },
            },
            Ok(out) => {
                let verify::RoundTrip {
                    proof,
                    witness,
                    unproven,
                } = verify::aws_round_trip(vocab, map, src, &out, &actions, to, timeout);
                // the grants to send back, and the loss each becomes
                type Repair = (Vec<Grant>, Box<dyn Fn(String, Scope, String) -> Loss>);
                let repair: Option<Repair> = if repairs >= MAX_REPAIRS {
                    None
                } else if let Some((acct, w)) = &witness {
                    let text = verify::witness_text(vocab, w);
                    Some((
                        verify::responsible(vocab, map, &kept, &windows, acct, w),
                        Box::new(move |capability, scope, at| Loss::PartOfScope {
                            capability,
                            scope,
                            at,
                            witness: text.clone(),
                        }),
                    ))
                } else if let Some((_, reason)) = unproven.first() {
                    let statements: Vec<iamx_model::Statement> =
                        unproven.iter().map(|(s, _)| s.clone()).collect();
                    let reason = reason.clone();
                    Some((
                        verify::lowered_into(vocab, map, &kept, &windows, &statements),
                        Box::new(move |capability, scope, at| Loss::NotProven {
                            capability,
                            scope,
                            at,
                            reason: reason.clone(),
                        }),
                    ))
                } else {
                    None
                };
                if let Some((guilty, loss)) = repair.filter(|(g, _)| !g.is_empty()) {
                    repairs += 1;
                    for g in guilty {
                        kept.remove(&g);
                        windows.remove(&g);
                        losses.push(loss(
                            vocab.id(g.0).to_owned(),
                            g.1.clone(),
                            map.describe(&g.1, from),
                        ));
                    }
                    continue;
                }
                proof
            }
        };
        round_trip.push(proof);
        break;
    }
    losses.sort();
    losses.dedup();
    let reported: BTreeSet<(String, Scope)> = losses
        .iter()
        .filter(|l| l.is_dropped_grant())
        .filter_map(Loss::grant_key)
        .map(|(c, s)| (c.to_owned(), s.clone()))
        .collect();
    let verification = match back {
        Err(e) => Verification {
            more: vec![],
            less: vec![],
            matches_loss_report: false,
            proofs: vec![],
            error: Some(e),
        },
        Ok(b) => {
            let more: Vec<GrantRow> = b
                .grants
                .iter()
                .filter(|g| !lifted.covers(map, g, &b.window(g)))
                .map(|g| row(vocab, map, to, g))
                .collect();
            let missing: Vec<&Grant> = lifted
                .grants
                .iter()
                .filter(|g| !b.covers(map, g, &lifted.window(g)))
                .collect();
            let less_set: BTreeSet<(String, Scope)> = missing
                .iter()
                .map(|(c, s)| (vocab.id(*c).to_owned(), s.clone()))
                .collect();
            let less = missing.iter().map(|g| row(vocab, map, from, g)).collect();
            let mut proofs = verify::canonical_proofs(vocab, map, &lifted, &b, &reported, timeout);
            proofs.extend(round_trip);
            Verification {
                more,
                less,
                matches_loss_report: less_set == reported,
                proofs,
                error: None,
            }
        }
    };
    let carried: Vec<GrantRow> = kept.iter().map(|g| row(vocab, map, from, g)).collect();
    let mut notes: Vec<Note> = kept
        .iter()
        .filter_map(|(c, _)| vocab.get(*c))
        .filter_map(|c| {
            c.note
                .as_ref()
                .filter(|n| note_concerns(n, from, to))
                .map(|n| Note {
                    capability: c.id.clone(),
                    note: n.clone(),
                })
        })
        .collect();
    notes.sort_by(|a, b| a.capability.cmp(&b.capability));
    notes.dedup_by(|a, b| a.capability == b.capability);
    Translation {
        from,
        to,
        output,
        carried,
        losses,
        notes,
        verification,
    }
}

/// Whether a vocabulary note concerns a translation from `from` to `to`:
/// it names one of the two clouds (or one of their services), or none.
fn note_concerns(note: &str, from: Cloud, to: Cloud) -> bool {
    let named: BTreeSet<Cloud> = note
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| match w {
            "AWS" | "EKS" | "SNS" | "SQS" | "Route" => Some(Cloud::Aws),
            "GCP" | "GKE" | "GCS" => Some(Cloud::Gcp),
            "Azure" | "AKS" => Some(Cloud::Azure),
            _ => None,
        })
        .collect();
    named.is_empty() || named.contains(&from) || named.contains(&to)
}

/// One row of the coverage report.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageRow {
    /// The service class.
    pub class: String,
    /// Capabilities in it.
    pub capabilities: usize,
    /// Distinct AWS actions mapped.
    pub aws_mapped: usize,
    /// Actions the catalog lists for the AWS services those belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_catalog: Option<usize>,
    /// Distinct GCP permissions mapped.
    pub gcp_mapped: usize,
    /// Permissions the known GCP roles name in the services those belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcp_catalog: Option<usize>,
    /// Distinct Azure control-plane operations mapped.
    pub azure_actions_mapped: usize,
    /// Control-plane operations the known Azure roles name (literally) in
    /// the resource providers those belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_actions_catalog: Option<usize>,
    /// Distinct Azure data-plane operations mapped.
    pub azure_data_actions_mapped: usize,
    /// Data-plane operations the known Azure roles name (literally) in the
    /// resource providers those belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_data_actions_catalog: Option<usize>,
}

/// What each cloud is known to have, for the coverage report's
/// denominators: the AWS catalog; the permissions of GCP roles; the
/// literal operations of Azure role definitions (control, data). All
/// lowercased.
#[derive(Clone, Copy, Default)]
pub struct Known<'a> {
    /// The AWS action catalog.
    pub aws: Option<&'a iamx_catalog::Catalog>,
    /// GCP permissions.
    pub gcp: Option<&'a BTreeSet<String>>,
    /// Azure control-plane operations.
    pub azure_actions: Option<&'a BTreeSet<String>>,
    /// Azure data-plane operations.
    pub azure_data_actions: Option<&'a BTreeSet<String>>,
}

/// The known names in the services (the part before the first `sep`) of
/// `mapped`.
fn in_services(known: &BTreeSet<String>, mapped: &BTreeSet<String>, sep: char) -> usize {
    let services: BTreeSet<&str> = mapped.iter().filter_map(|a| a.split(sep).next()).collect();
    known
        .iter()
        .filter(|k| k.split(sep).next().is_some_and(|s| services.contains(s)))
        .count()
}

/// Per service class: how many permissions of each cloud the vocabulary
/// maps, and, where `known` gives a cloud's names, how many that cloud has
/// in the same services (AWS: the catalog's actions of the services;
/// GCP: the roles' permissions of the services; Azure: the role
/// definitions' literal operations of the resource providers).
pub fn coverage(vocab: &Vocabulary, known: Known<'_>) -> Vec<CoverageRow> {
    let mut out = Vec::new();
    for (class, n) in vocab.counts() {
        let caps: Vec<&Capability> = vocab
            .capabilities()
            .iter()
            .filter(|c| c.class() == class)
            .collect();
        let mut sets: [BTreeSet<String>; 4] = Default::default();
        for c in &caps {
            for cloud in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
                for p in c.perms(cloud) {
                    let i = match p {
                        Perm::Aws(_) => 0,
                        Perm::Gcp(_) => 1,
                        Perm::AzureAction(_) => 2,
                        Perm::AzureDataAction(_) => 3,
                    };
                    if let Some(s) = sets.get_mut(i) {
                        s.insert(p.name().to_ascii_lowercase());
                    }
                }
            }
        }
        let [aws, gcp, az, azd] = sets;
        let services: BTreeSet<&str> = aws.iter().filter_map(|a| a.split(':').next()).collect();
        let aws_catalog = known.aws.map(|c| {
            services
                .iter()
                .map(|s| c.service_actions(s).len())
                .sum::<usize>()
        });
        out.push(CoverageRow {
            class,
            capabilities: n,
            aws_mapped: aws.len(),
            aws_catalog,
            gcp_mapped: gcp.len(),
            gcp_catalog: known.gcp.map(|k| in_services(k, &gcp, '.')),
            azure_actions_mapped: az.len(),
            azure_actions_catalog: known.azure_actions.map(|k| in_services(k, &az, '/')),
            azure_data_actions_mapped: azd.len(),
            azure_data_actions_catalog: known.azure_data_actions.map(|k| in_services(k, &azd, '/')),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Cloud, Condition, azure_clauses, note_concerns};

    /// Clauses that guard different data actions are read (container,
    /// prefix, window); two clauses that may guard one action are not (the
    /// action would hold only where both hold), nor is a sub-operation.
    #[test]
    fn azure_clauses_read_only_what_they_can() {
        let read = |text: &str| {
            azure_clauses(&Condition::Expr(Box::new(
                iamx_azure::parse_abac(text).unwrap(),
            )))
        };
        let blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";
        let two = format!(
            "((!(ActionMatches{{'{blob}/read'}})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports' AND @Resource[{blob}:path] StringStartsWith 'logs/')) AND ((!(ActionMatches{{'{blob}/tags/read'}})) OR (@Environment[UtcNow] DateTimeLessThan '2027-01-01T00:00:00.0Z'))"
        );
        let cs = read(&two).unwrap();
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].container.as_deref(), Some("reports"));
        assert_eq!(cs[0].prefix.as_deref(), Some("logs/"));
        assert!(cs[0].window.is_all() && !cs[1].window.is_all());
        let overlapping = two.replace("/tags/read'", "/*'");
        assert!(read(&overlapping).is_none());
        let sub = format!(
            "((!(ActionMatches{{'{blob}/read'}} AND SubOperationMatches{{'Blob.List'}})) OR (@Resource[{blob}:path] StringStartsWith 'logs/'))"
        );
        assert!(read(&sub).is_none());
    }

    #[test]
    fn notes_concern_the_clouds_they_name() {
        let q = "GCP queues hold tasks, not messages";
        assert!(note_concerns(q, Cloud::Aws, Cloud::Gcp));
        assert!(note_concerns(q, Cloud::Gcp, Cloud::Azure));
        assert!(!note_concerns(q, Cloud::Aws, Cloud::Azure));
        let k = "EKS authorizes Kubernetes objects with Kubernetes RBAC, not IAM";
        assert!(!note_concerns(k, Cloud::Gcp, Cloud::Azure));
        assert!(note_concerns(k, Cloud::Azure, Cloud::Aws));
        assert!(note_concerns(
            "a managed policy stands for a custom role",
            Cloud::Gcp,
            Cloud::Azure
        ));
    }
}
