//! Lifting: what a policy, role or set of grants of one cloud grants, as
//! capabilities on the scopes of the resource map.
//!
//! A capability is granted at a scope when *every* permission realising it
//! in that cloud is granted there unconditionally. Granted only under a
//! condition, or only in part, it is not lifted and the loss says so.

use crate::map::{ResourceMap, Scope};
use crate::vocab::{Cloud, Perm, Vocabulary};
use crate::window::{Answer, Sampled, Window, sample};
use crate::{Grant, Loss};
use iamx_model::azure::PermissionBlock;
use iamx_model::{
    AwsProgram, CondValue, Condition, Context, Effect, Outcome, Pattern, Policy, Request, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a cloud's grants hold at one scope (GCP bindings, Azure
/// assignments, rows of a principal's effective access).
#[derive(Clone, Debug, Default)]
pub struct Held {
    /// Where: `None` stands for every account of the map (a role read
    /// without a binding or assignment).
    pub scope: Option<Scope>,
    /// Permission keys ([`Perm::key`]).
    pub names: BTreeSet<String>,
    /// Azure permission blocks (patterns).
    pub blocks: Vec<PermissionBlock>,
    /// The condition it holds under, if any (in words), when that is not
    /// a time window.
    pub condition: Option<String>,
    /// The time window it holds in (`None`: always).
    pub window: Option<Window>,
    /// Azure: only the data actions these patterns match (the ones an
    /// assignment condition limits to this scope and window).
    pub only: Option<Vec<Pattern>>,
    /// Azure: not the data actions these patterns match (the ones an
    /// assignment condition limits elsewhere).
    pub except: Vec<Pattern>,
}

impl Held {
    fn has(&self, p: &Perm) -> bool {
        let name = p.name();
        if p.is_data() && self.except.iter().any(|e| e.matches(name)) {
            return false;
        }
        match &self.only {
            Some(o) if !p.is_data() || !o.iter().any(|e| e.matches(name)) => return false,
            _ => {}
        }
        self.names.contains(&p.key())
            || self.blocks.iter().any(|b| {
                b.covers(&name.to_ascii_lowercase(), p.is_data()) || b.covers(name, p.is_data())
            })
    }
}

/// Capabilities lifted from a source, with what could not be lifted.
#[derive(Clone, Debug, Default)]
pub struct Lifted {
    /// Granted capabilities (no grant included in another of the same capability).
    pub grants: BTreeSet<Grant>,
    /// What was not lifted.
    pub losses: Vec<Loss>,
    /// Granted only in a time window (grants absent here: at any time).
    pub windows: BTreeMap<Grant, Window>,
}

impl Lifted {
    /// The window of a grant (every time when it has none).
    pub fn window(&self, g: &Grant) -> Window {
        self.windows.get(g).copied().unwrap_or(Window::ALL)
    }

    /// Whether a grant of these covers capability `c` on `s` in window `w`.
    pub fn covers(&self, map: &ResourceMap, (c, s): &Grant, w: &Window) -> bool {
        self.grants
            .iter()
            .any(|g| g.0 == *c && map.includes(&g.1, s) && self.window(g).contains(w))
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Yes,
    Within(Window),
    Conditional(String),
    No,
}

/// Folds per-permission answers into the capability's answer at `scope`.
fn judge(
    vocab: &Vocabulary,
    map: &ResourceMap,
    cloud: Cloud,
    ci: usize,
    scope: &Scope,
    statuses: &[(Perm, Status)],
    out: &mut Lifted,
) {
    let id = vocab.id(ci).to_owned();
    if statuses
        .iter()
        .all(|(_, s)| matches!(s, Status::Yes | Status::Within(_)))
    {
        let window = statuses
            .iter()
            .try_fold(Window::ALL, |acc, (_, s)| match s {
                Status::Within(w) => acc.intersect(w),
                _ => Some(acc),
            });
        match window {
            Some(w) => {
                out.grants.insert((ci, scope.clone()));
                if !w.is_all() {
                    out.windows.insert((ci, scope.clone()), w);
                }
            }
            None => out.losses.push(Loss::Conditional {
                capability: id,
                scope: scope.clone(),
                at: map.describe(scope, cloud),
                condition: "its permissions are granted in time windows that do not overlap"
                    .to_owned(),
                reason: String::new(),
            }),
        }
        return;
    }
    let any = statuses.iter().any(|(_, s)| *s != Status::No);
    if !any {
        return;
    }
    let missing: Vec<String> = statuses
        .iter()
        .filter(|(_, s)| *s == Status::No)
        .map(|(p, _)| p.to_string())
        .collect();
    if missing.is_empty() {
        let cond = statuses
            .iter()
            .find_map(|(_, s)| match s {
                Status::Conditional(c) => Some(c.clone()),
                _ => None,
            })
            .unwrap_or_default();
        out.losses.push(Loss::Conditional {
            capability: id,
            scope: scope.clone(),
            at: map.describe(scope, cloud),
            condition: cond,
            reason: String::new(),
        });
    } else {
        out.losses.push(Loss::Partial {
            capability: id,
            scope: scope.clone(),
            at: map.describe(scope, cloud),
            missing,
        });
    }
}

/// Lifts grants held at scopes.
pub fn lift_held(vocab: &Vocabulary, map: &ResourceMap, cloud: Cloud, held: &[Held]) -> Lifted {
    let mut out = Lifted::default();
    for (ci, cap) in vocab.capabilities().iter().enumerate() {
        let perms = cap.perms(cloud);
        if perms.is_empty() || !held.iter().any(|h| perms.iter().any(|p| h.has(p))) {
            continue;
        }
        for scope in map.scopes_for(cap.resource_type(), cap.is_path_level()) {
            let applicable: Vec<&Held> = held
                .iter()
                .filter(|h| match &h.scope {
                    None => true,
                    Some(s) => map.includes(s, &scope),
                })
                .collect();
            let statuses: Vec<(Perm, Status)> = perms
                .iter()
                .map(|p| {
                    let plain: Vec<Window> = applicable
                        .iter()
                        .filter(|h| h.condition.is_none() && h.has(p))
                        .map(|h| h.window.unwrap_or(Window::ALL))
                        .collect();
                    let st = if let Some(first) = plain.first() {
                        match plain.iter().try_fold(*first, |acc, w| acc.union(w)) {
                            Some(w) if w.is_all() => Status::Yes,
                            Some(w) => Status::Within(w),
                            None => Status::Conditional(
                                "granted in several separate time windows".to_owned(),
                            ),
                        }
                    } else if let Some(h) = applicable.iter().find(|h| h.has(p)) {
                        Status::Conditional(h.condition.clone().unwrap_or_default())
                    } else {
                        Status::No
                    };
                    (p.clone(), st)
                })
                .collect();
            judge(vocab, map, cloud, ci, &scope, &statuses, &mut out);
        }
    }
    // names no capability knows
    let mut unknown: BTreeMap<String, ()> = BTreeMap::new();
    for h in held {
        for n in &h.names {
            if vocab.realising(n).is_empty() {
                unknown.insert(n.clone(), ());
            }
        }
        for b in &h.blocks {
            for (pats, data) in [(&b.actions, false), (&b.data_actions, true)] {
                for p in pats {
                    let key = format!(
                        "{}:{}",
                        if data { "d" } else { "c" },
                        p.raw().to_ascii_lowercase()
                    );
                    if p.as_literal().is_none() {
                        out.losses.push(Loss::NoCounterpart {
                            permission: p.raw().to_owned(),
                            detail:
                                "a wildcard: only the operations the vocabulary names are carried"
                                    .into(),
                        });
                    } else if vocab.realising(&key).is_empty() {
                        out.losses.push(Loss::NoCounterpart {
                            permission: p.raw().to_owned(),
                            detail: "in no capability of the vocabulary".into(),
                        });
                    }
                }
            }
        }
    }
    for n in unknown.into_keys() {
        out.losses.push(Loss::NoCounterpart {
            permission: n
                .trim_start_matches("c:")
                .trim_start_matches("d:")
                .to_owned(),
            detail: "in no capability of the vocabulary".into(),
        });
    }
    normalize(vocab, map, &mut out);
    out
}

/// Drops grants included in another grant of the same capability, and
/// losses of a capability at a scope included in a grant or a loss of the
/// same kind.
pub(crate) fn normalize(vocab: &Vocabulary, map: &ResourceMap, l: &mut Lifted) {
    let all: Vec<Grant> = l.grants.iter().cloned().collect();
    let windows = l.windows.clone();
    let win = |g: &Grant| windows.get(g).copied().unwrap_or(Window::ALL);
    l.grants.retain(|g| {
        let (c, s) = g;
        !all.iter().any(|g2| {
            let (c2, s2) = g2;
            c2 == c && s2 != s && map.includes(s2, s) && win(g2).contains(&win(g))
        })
    });
    let grants = &l.grants;
    l.windows.retain(|g, _| grants.contains(g));
    let losses = l.losses.clone();
    l.losses.retain(|x| match x.grant_key() {
        None => true,
        Some((cap, s)) => {
            let covered = grants
                .iter()
                .any(|g| vocab.id(g.0) == cap && map.includes(&g.1, s) && win(g).is_all());
            let dominated = losses.iter().any(|y| {
                std::mem::discriminant(x) == std::mem::discriminant(y)
                    && y.grant_key()
                        .is_some_and(|(c2, s2)| c2 == cap && s2 != s && map.includes(s2, s))
            });
            !covered && !dominated
        }
    });
    l.losses.sort();
    l.losses.dedup();
}

/// The stand-in resource of a scope for the AWS evaluator, with its account.
pub(crate) fn aws_probe(
    map: &ResourceMap,
    template: Option<&str>,
    scope: &Scope,
) -> Option<(String, String)> {
    let account = map.account_of(scope)?.aws.clone()?;
    let res = match scope {
        Scope::Account { .. } => match template {
            None => "*".to_owned(),
            Some(t) => fill(t, &account, "iamx-probe"),
        },
        Scope::Resource { resource } => map.resource(resource)?.aws.clone()?,
        Scope::Objects { resource, prefix } => {
            let base = map.resource(resource)?.aws.clone()?;
            let p = match map.prefix(resource, *prefix, Cloud::Aws) {
                None => "",
                Some(Some(p)) => p,
                Some(None) => return None,
            };
            format!("{base}/{p}iamx-probe")
        }
    };
    Some((res, account))
}

/// Fills an ARN template: partition `aws`, region `us-east-1` (for a probe)
/// or `*`, the account, every other variable with `other`.
pub(crate) fn fill(template: &str, account: &str, other: &str) -> String {
    let region = if other == "*" { "*" } else { "us-east-1" };
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let Some(j) = tail.find('}') else {
            out.push_str(tail);
            return out;
        };
        let name = tail.get(2..j).unwrap_or("");
        out.push_str(match name {
            "Partition" => "aws",
            "Region" => region,
            "Account" => account,
            _ => other,
        });
        rest = tail.get(j + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The times the policy's `aws:CurrentTime` conditions compare against.
fn aws_times(policy: &Policy) -> Vec<i64> {
    fn walk(c: &Condition, out: &mut Vec<i64>) {
        match c {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|x| walk(x, out)),
            Condition::Not(x) => walk(x, out),
            Condition::Aws(a) if a.key_lc == "aws:currenttime" => {
                out.extend(a.values.iter().filter_map(|v| match v {
                    CondValue::Date(d) => Some(*d),
                    _ => None,
                }));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for st in &policy.statements {
        walk(&st.condition, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Lifts an AWS identity policy: each capability's actions are decided by
/// the concrete evaluator, with an open context, on a stand-in resource of
/// each scope (a fresh name under the account, the mapped ARN, or a fresh
/// key under the prefix).
pub fn lift_aws(
    vocab: &Vocabulary,
    map: &ResourceMap,
    policy: &Arc<Policy>,
    catalog: Option<&iamx_catalog::Catalog>,
) -> Lifted {
    let prog = AwsProgram::identity_only(vec![policy.clone()]);
    let allows: Vec<&iamx_model::Statement> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .collect();
    let times = aws_times(policy);
    let mut out = Lifted::default();
    let mut probes: Vec<String> = Vec::new();
    for (ci, cap) in vocab.capabilities().iter().enumerate() {
        let Some(aws) = &cap.aws else { continue };
        let lcs: Vec<String> = aws.actions.iter().map(|a| a.to_ascii_lowercase()).collect();
        if !allows
            .iter()
            .any(|s| lcs.iter().any(|a| s.action.matches_lc(a)))
        {
            continue;
        }
        for scope in map.scopes_for(cap.resource_type(), cap.is_path_level()) {
            let Some((resource, account)) = aws_probe(map, aws.resource.as_deref(), &scope) else {
                continue;
            };
            let statuses: Vec<(Perm, Status)> = aws
                .actions
                .iter()
                .map(|a| {
                    let req = Request {
                        principal: crate::verify::caller(&account),
                        action: a.clone(),
                        resource: resource.clone(),
                        resource_account: Some(account.clone()),
                        context: Context::open(),
                    };
                    let st = match iamx_model::evaluate(&prog, &req).outcome {
                        Outcome::Allowed => Status::Yes,
                        Outcome::Unknown(r) if times.is_empty() => {
                            Status::Conditional(r.to_string())
                        }
                        Outcome::Unknown(_) => {
                            let sampled = sample(&times, |t| {
                                let mut ctx = Context::open();
                                ctx.insert(
                                    "aws:CurrentTime",
                                    Value::str(iamx_model::value::format_date(t)),
                                );
                                let req = Request {
                                    context: ctx,
                                    ..req.clone()
                                };
                                match iamx_model::evaluate(&prog, &req).outcome {
                                    Outcome::Allowed => Answer::Yes,
                                    Outcome::Unknown(r) => Answer::Unknown(r.to_string()),
                                    _ => Answer::No,
                                }
                            });
                            match sampled {
                                Sampled::Always => Status::Yes,
                                Sampled::Within(w) => Status::Within(w),
                                Sampled::Never => Status::No,
                                Sampled::Conditional(r) => Status::Conditional(r),
                            }
                        }
                        _ => Status::No,
                    };
                    (Perm::Aws(a.clone()), st)
                })
                .collect();
            if statuses.iter().any(|(_, s)| *s != Status::No) {
                probes.push(resource.clone());
            }
            judge(vocab, map, Cloud::Aws, ci, &scope, &statuses, &mut out);
        }
    }
    // actions no capability knows, and resources the map does not hold
    for st in &allows {
        if st.action.negated {
            out.losses.push(Loss::NoCounterpart {
                permission: format!(
                    "NotAction {}",
                    st.action
                        .patterns
                        .iter()
                        .map(|p| p.raw())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                detail: "only the capabilities the vocabulary names are carried".into(),
            });
        } else {
            for p in &st.action.patterns {
                match p.as_literal() {
                    Some(a) => {
                        if vocab.realising(&a.to_ascii_lowercase()).is_empty() {
                            out.losses.push(Loss::NoCounterpart {
                                permission: a.to_owned(),
                                detail: "in no capability of the vocabulary".into(),
                            });
                        }
                    }
                    None => {
                        let unmapped: Vec<String> = catalog
                            .map(|c| {
                                c.expand(p.raw())
                                    .into_iter()
                                    .map(|a| a.action().to_owned())
                                    .filter(|a| vocab.realising(&a.to_ascii_lowercase()).is_empty())
                                    .collect()
                            })
                            .unwrap_or_default();
                        let detail = if catalog.is_none() {
                            "a wildcard: only the actions the vocabulary names are carried"
                                .to_owned()
                        } else if unmapped.is_empty() {
                            continue;
                        } else {
                            let shown: Vec<&str> =
                                unmapped.iter().take(3).map(String::as_str).collect();
                            format!(
                                "{} catalog actions it matches are in no capability (e.g. {})",
                                unmapped.len(),
                                shown.join(", ")
                            )
                        };
                        out.losses.push(Loss::NoCounterpart {
                            permission: p.raw().to_owned(),
                            detail,
                        });
                    }
                }
            }
        }
        if let Some(r) = &st.resource {
            if r.negated {
                continue;
            }
            for p in &r.patterns {
                let known = p.is_any()
                    || probes.iter().any(|x| p.matches(x))
                    || map
                        .resources
                        .iter()
                        .filter_map(|m| m.aws.as_deref())
                        .any(|a| p.matches(a) || p.raw().starts_with(a));
                if !known {
                    out.losses.push(Loss::UnmappedResource {
                        resource: p.raw().to_owned(),
                    });
                }
            }
        }
    }
    normalize(vocab, map, &mut out);
    out
}
