//! GCP: the technique catalog (`data/escalation/gcp.json`) interpreted over
//! an environment. Every permission an entry needs is decided by the
//! concrete evaluator, for the caller, on what the entry says it applies
//! to: the service account, or a project (or a resource of the permission's
//! service in it) where all of the entry's service permissions are held.
//!
//! - *act as* and chains of delegates come from
//!   [`crate::gcp::impersonations`], which who-can uses too;
//! - *run code as* a passed account needs `iam.serviceAccounts.actAs` on it
//!   and the service's permissions somewhere; an entry whose service runs
//!   as its own account (`runs_as`) reaches that account of the project
//!   where the permissions are held, found by the project's number;
//! - *reach existing* is conditional on a resource of the project running as
//!   one of the project's accounts, which the inputs do not list;
//! - `setIamPolicy` on a container, and `iam.roles.update` on a custom role
//!   bound to the caller there, make it an administrator of the container.

use super::{Admin, Facts, Grade, Options, Step, StepTo, and, grade, or};
use crate::gcp::{Reach, containers, decide, program_in, set_iam_policy_permission};
use crate::technique::{self, Effect, TargetKind, Technique};
use iamx_gcp::GcpEnvironment;
use iamx_model::Context;
use iamx_model::gcp::RoleGrant;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The request keys every question is asked with: the user's, and the
/// present time as `request.time`.
fn context(opts: &Options) -> Context {
    opts.context_on(Context::new(), &[("request.time", super::Clock::Date)])
}

/// A place where service permissions may be held: a project, or a resource
/// with its own allow policy, and the project it lies in.
struct Place {
    /// The full resource name the evaluator is asked about.
    full: String,
    /// The canonical key (`projects/p1`, `//cloudfunctions…/functions/f`).
    key: String,
    /// The project (`projects/…`), when known.
    project: Option<String>,
}

fn places(env: &GcpEnvironment) -> Vec<Place> {
    let mut out: Vec<Place> = containers(env)
        .into_iter()
        .filter(|c| c.starts_with("projects/"))
        .map(|p| Place {
            full: iamx_gcp::names::full(&p),
            key: p.clone(),
            project: Some(p),
        })
        .collect();
    for key in env.allow.keys() {
        if iamx_gcp::names::is_container(key) || !key.starts_with("//") {
            continue;
        }
        let project = env
            .target(key, None)
            .chain
            .into_iter()
            .find(|c| c.starts_with("projects/"));
        out.push(Place {
            full: key.clone(),
            key: key.clone(),
            project,
        });
    }
    out
}

/// Whether `permission` can be held on `place`: a project holds every
/// permission, a resource only its own service's.
fn applies(permission: &str, place: &Place) -> bool {
    if !place.key.starts_with("//") {
        return true;
    }
    let host = place
        .key
        .strip_prefix("//")
        .and_then(|r| r.split('/').next())
        .unwrap_or_default();
    let svc = host.strip_suffix(".googleapis.com").unwrap_or(host);
    permission.split('.').next() == Some(svc)
}

/// The two spellings of a project (`projects/ID`, `projects/NUMBER`) the
/// inputs know.
fn spellings<'a>(env: &'a GcpEnvironment, project: &'a str) -> Vec<&'a str> {
    std::iter::once(project).chain(env.alias(project)).collect()
}

/// The number of a project, when its name or the inputs' aliases give it.
fn number_of(env: &GcpEnvironment, project: &str) -> Option<String> {
    spellings(env, project)
        .into_iter()
        .filter_map(|p| p.strip_prefix("projects/"))
        .find(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

/// An account email matching a `runs_as` template, and the number in it.
fn template_number<'e>(template: &str, email: &'e str) -> Option<&'e str> {
    let (pre, post) = template.split_once("{number}")?;
    let n = email.strip_prefix(pre)?.strip_suffix(post)?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)
}

/// The GCP escalation facts of `env`.
pub fn facts(env: &GcpEnvironment, opts: &Options) -> Result<Facts, String> {
    let catalog = technique::gcp().map_err(str::to_owned)?;
    let ctx = context(opts);
    let reach = Reach::new(env);
    let mut facts = Facts::default();
    for i in crate::gcp::impersonations(&reach, None, &ctx) {
        let note = (!i.delegates.is_empty()).then(|| i.text());
        facts.steps.push(Step {
            from: i.from,
            to: StepTo::Node(i.to),
            technique: i.technique,
            condition: i.condition,
            note,
        });
    }
    run_code(env, &reach, catalog, &ctx, &mut facts);
    admins(env, &reach, catalog, &ctx, &mut facts);
    Ok(facts)
}

/// Who holds every service permission of an entry where: (caller, entry,
/// place, grade).
type Held = Vec<(usize, usize, usize, Option<String>)>;

fn run_code(
    env: &GcpEnvironment,
    reach: &Reach<'_>,
    catalog: &'static [Technique],
    ctx: &Context,
    facts: &mut Facts,
) {
    let n = reach.principals.len();
    let entries: Vec<&'static Technique> = catalog
        .iter()
        .filter(|t| matches!(t.effect, Effect::RunCodeAs | Effect::ReachExisting))
        .collect();
    fn service_perms(t: &Technique) -> Vec<&str> {
        t.permissions
            .iter()
            .filter(|p| p.on == "project")
            .map(|p| p.action.as_str())
            .collect()
    }
    let all_perms: Vec<&str> = entries.iter().flat_map(|t| service_perms(t)).collect();
    let at = reach.holders_at(Some(&all_perms));
    let places = places(env);
    let held: Held = places
        .par_iter()
        .enumerate()
        .flat_map_iter(|(k, place)| {
            let mut out = Vec::new();
            let usable: Vec<usize> = (0..entries.len())
                .filter(|e| {
                    entries
                        .get(*e)
                        .is_some_and(|t| service_perms(t).iter().all(|p| applies(p, place)))
                })
                .collect();
            if usable.is_empty() {
                return out;
            }
            for i in reach.candidates(&at, &place.full).indices(n) {
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                let Ok((mut req, prog)) = program_in(env, m, &place.full, ctx) else {
                    continue;
                };
                let mut memo: HashMap<&str, Grade> = HashMap::new();
                for e in &usable {
                    let Some(t) = entries.get(*e) else {
                        continue;
                    };
                    let mut g: Grade = Some(None);
                    for p in service_perms(t) {
                        let one = match memo.get(p) {
                            Some(x) => x.clone(),
                            None => {
                                let x = grade(&decide(&prog, &mut req, p));
                                memo.insert(p, x.clone());
                                x
                            }
                        };
                        g = and(g, one);
                        if g.is_none() {
                            break;
                        }
                    }
                    if let Some(cond) = g {
                        out.push((i, *e, k, cond));
                    }
                }
            }
            out
        })
        .collect();

    // passed accounts: actAs on the account, the service's permissions anywhere
    let passing: Vec<usize> = (0..entries.len())
        .filter(|e| {
            entries
                .get(*e)
                .is_some_and(|t| t.permissions.iter().any(|p| p.on == "passed-account"))
        })
        .collect();
    let mut best: BTreeMap<(usize, usize), Grade> = BTreeMap::new();
    for (i, e, _, cond) in &held {
        if passing.contains(e) {
            let slot = best.entry((*i, *e)).or_insert(None);
            *slot = or(slot.take(), Some(cond.clone()));
        }
    }
    let callers: BTreeSet<usize> = best.keys().map(|(i, _)| *i).collect();
    let act_at = reach.holders_at(Some(&["iam.serviceAccounts.actAs"]));
    let sas = reach.service_accounts();
    let act_as: Vec<(usize, usize, Option<String>)> = sas
        .par_iter()
        .flat_map_iter(|&sa| {
            let mut out = Vec::new();
            let Some(res) = reach
                .principals
                .get(sa)
                .and_then(|m| reach.account_resource(m))
            else {
                return out;
            };
            for i in reach.candidates(&act_at, &res).indices(n) {
                if i == sa || !callers.contains(&i) {
                    continue;
                }
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                let Ok((mut req, prog)) = program_in(env, m, &res, ctx) else {
                    continue;
                };
                if let Some(cond) = grade(&decide(&prog, &mut req, "iam.serviceAccounts.actAs")) {
                    out.push((i, sa, cond));
                }
            }
            out
        })
        .collect();
    let name = |i: usize| reach.principals.get(i).cloned().unwrap_or_default();
    for (i, sa, c1) in &act_as {
        for ((_, e), c2) in best.range((*i, 0)..=(*i, usize::MAX)) {
            let Some(t) = entries.get(*e) else {
                continue;
            };
            if let Some(cond) = and(Some(c1.clone()), c2.clone()) {
                facts.steps.push(Step {
                    from: name(*i),
                    to: StepTo::Node(name(*sa)),
                    technique: t,
                    condition: cond,
                    note: None,
                });
            }
        }
    }

    // the service's own account, and resources already running as an account
    let by_email: Vec<(usize, &str)> = sas
        .iter()
        .filter_map(|i| {
            let email = reach.principals.get(*i)?.strip_prefix("serviceAccount:")?;
            Some((*i, email))
        })
        .collect();
    let known_numbers: BTreeSet<String> = containers(env)
        .iter()
        .filter(|c| c.starts_with("projects/"))
        .filter_map(|p| number_of(env, p))
        .collect();
    let mut seen: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    for (i, e, k, cond) in &held {
        let (Some(t), Some(place)) = (entries.get(*e), places.get(*k)) else {
            continue;
        };
        let Some(project) = &place.project else {
            continue;
        };
        let mut push = |sa: usize, extra: Option<String>| {
            if sa == *i || !seen.insert((*i, *e, sa)) {
                return;
            }
            if let Some(condition) = and(Some(cond.clone()), Some(extra)) {
                facts.steps.push(Step {
                    from: name(*i),
                    to: StepTo::Node(name(sa)),
                    technique: t,
                    condition,
                    note: None,
                });
            }
        };
        if let Some(template) = &t.runs_as {
            let number = number_of(env, project);
            for (sa, email) in &by_email {
                let Some(nr) = template_number(template, email) else {
                    continue;
                };
                match &number {
                    Some(x) if x == nr => push(*sa, None),
                    Some(_) => {}
                    None if !known_numbers.contains(nr) => {
                        push(*sa, Some(format!("{project} has the number {nr}")))
                    }
                    None => {}
                }
            }
        } else if t.effect == Effect::ReachExisting {
            let homes = spellings(env, project);
            let what = t.resource.as_deref().unwrap_or("resource");
            for (sa, email) in &by_email {
                let Some(home) = iamx_gcp::names::account_project(email) else {
                    continue;
                };
                if !homes.contains(&home.as_str()) {
                    continue;
                }
                let runs = if place.key.starts_with("//") {
                    format!("{} runs as {email} (the inputs do not say)", place.key)
                } else {
                    format!("a {what} of {project} runs as {email} (the inputs do not list them)")
                };
                push(*sa, Some(runs));
            }
        }
    }
}

fn admins(
    env: &GcpEnvironment,
    reach: &Reach<'_>,
    catalog: &'static [Technique],
    ctx: &Context,
    facts: &mut Facts,
) {
    let n = reach.principals.len();
    let text = |target: TargetKind| {
        catalog
            .iter()
            .find(|t| t.effect == Effect::ChangePermissions && t.target == target)
            .map(|t| (t.id.as_str(), t.name.as_str()))
    };
    let set_at = reach.holders_at(Some(&[
        "resourcemanager.organizations.setIamPolicy",
        "resourcemanager.folders.setIamPolicy",
        "resourcemanager.projects.setIamPolicy",
    ]));
    let set_text = text(TargetKind::Container).map(|(id, name)| format!("{id}: {name}"));
    let found: Vec<Admin> = containers(env)
        .par_iter()
        .flat_map_iter(|c| {
            let full = iamx_gcp::names::full(c);
            let mut v = Vec::new();
            for i in reach.candidates(&set_at, &full).indices(n) {
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                if let Some(cond) = crate::gcp::admin_of(env, m, c, ctx) {
                    v.push(Admin {
                        principal: m.clone(),
                        scope: c.clone(),
                        permission: set_iam_policy_permission(c).to_owned(),
                        condition: cond,
                        technique: set_text.clone(),
                    });
                }
            }
            v
        })
        .collect();
    facts.admins.extend(found);

    // a custom role bound to oneself, updated to hold anything
    let Some((id, name)) = text(TargetKind::CustomRole) else {
        return;
    };
    let update_at = reach.holders_at(Some(&["iam.roles.update"]));
    let mut bound: BTreeMap<&str, Vec<(&str, crate::gcp::Holders)>> = BTreeMap::new();
    for (key, pols) in &env.allow {
        for b in pols.iter().flat_map(|p| p.bindings.iter()) {
            if !(b.role.starts_with("projects/") || b.role.starts_with("organizations/")) {
                continue;
            }
            // a role the inputs do not define may be custom too
            if matches!(env.grant(&b.role), RoleGrant::Nothing(_)) {
                continue;
            }
            let mut who = crate::gcp::Holders::None;
            for m in &b.members {
                who.add(&reach.denoted(m));
            }
            bound.entry(b.role.as_str()).or_default().push((key, who));
        }
    }
    let found: Vec<Admin> = bound
        .into_par_iter()
        .flat_map_iter(|(role, places)| {
            let mut v = Vec::new();
            let full = format!("//iam.googleapis.com/{role}");
            for i in reach.candidates(&update_at, &full).indices(n) {
                let Some(m) = reach.principals.get(i) else {
                    continue;
                };
                let mine: BTreeSet<&str> = places
                    .iter()
                    .filter(|(_, who)| who.contains(i))
                    .map(|(k, _)| *k)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let Ok((mut req, prog)) = program_in(env, m, &full, ctx) else {
                    continue;
                };
                let Some(cond) = grade(&decide(&prog, &mut req, "iam.roles.update")) else {
                    continue;
                };
                for k in mine {
                    v.push(Admin {
                        principal: m.clone(),
                        scope: k.to_owned(),
                        permission: "iam.roles.update".to_owned(),
                        condition: cond.clone(),
                        technique: Some(format!("{id}: {name} ({role})")),
                    });
                }
            }
            v
        })
        .collect();
    facts.admins.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_as_templates_read_the_project_number() {
        let t = "{number}@cloudbuild.gserviceaccount.com";
        assert_eq!(
            template_number(t, "123@cloudbuild.gserviceaccount.com"),
            Some("123")
        );
        assert_eq!(template_number(t, "x@cloudbuild.gserviceaccount.com"), None);
        assert_eq!(
            template_number(t, "123@cloudservices.gserviceaccount.com"),
            None
        );
    }
}
