//! `iamx rightsize`: the smallest policy that keeps every logged call
//! allowed, proven before it is printed.
//!
//! For a principal and its logged calls (see [`crate::unused`]), each call
//! is decided again against the loaded inputs; the statements of the
//! principal's own policies that allow it say which condition the new
//! grant must keep. Calls are grouped by (condition, resource) and then by
//! action set, so each statement of the new policy names exactly the
//! actions used on exactly the resources used. Actions are compressed to a
//! wildcard (`s3:Get*`, `s3:*`) only when every catalog action the wildcard
//! matches was used; resources are kept as the logs name them, and widened
//! to a shared prefix (`bucket/reports/*`) only with `generalize`.
//!
//! Two proofs run before anything is printed:
//! 1. **logged calls**: each logged call, decided with the principal's
//!    identity policies replaced by the new policy (every other layer kept:
//!    SCPs, boundaries, resource policies), is still allowed (a call whose
//!    decision was conditional stays conditional at worst);
//! 2. **no new access**: the reasoner finds no request the new policy
//!    allows and the principal's current identity policies (taken together)
//!    do not; an `unknown` is not a proof.
//!
//! A call that the principal's own policies do not allow (a resource
//! policy alone allows it, or nothing does today) is not carried over, and
//! is listed with its reason.
//!
//! GCP (a custom role and bindings) and Azure (a custom role definition and
//! assignments) follow the same steps in `rightsize_gcp` and
//! `rightsize_azure`.

use crate::analysis::Inputs;
use crate::reason::{DirectionReport, Grants, more_permissive_grants};
use crate::unused::{decide, is_use};
use iamx_catalog::Catalog;
use iamx_model::condition::{AwsClause, SetQualifier};
use iamx_model::eval::Layer;
use iamx_model::{Condition, Effect, Outcome, Policy, Request};
use iamx_usage::{Cloud, UsageRecord};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// How to rightsize.
#[derive(Clone, Debug)]
pub struct Options {
    /// Widen resources to the prefix logged ones share.
    pub generalize: bool,
    /// Solver timeout per question.
    pub timeout: Duration,
}

/// The result of one proof.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Proof {
    /// It holds.
    Holds {
        /// What was shown.
        detail: String,
    },
    /// It fails: a witness.
    Fails {
        /// The request that shows it.
        witness: String,
    },
    /// It could not be decided.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl Proof {
    /// Whether the proof holds.
    pub fn holds(&self) -> bool {
        matches!(self, Proof::Holds { .. })
    }
}

/// A logged call the new policy does not carry.
#[derive(Clone, Debug, Serialize)]
pub struct NotCarried {
    /// The call (`action on resource`).
    pub call: String,
    /// Where it was logged.
    pub location: String,
    /// Why.
    pub reason: String,
}

/// A rightsized policy with its proofs.
#[derive(Clone, Debug, Serialize)]
pub struct Rightsized {
    /// The cloud.
    pub cloud: Cloud,
    /// The principal.
    pub principal: String,
    /// The policy, as the provider takes it (`aws iam create-policy
    /// --policy-document`).
    pub policy: Json,
    /// Logged calls considered (refused calls are not use).
    pub calls: usize,
    /// Distinct (action, resource) pairs the policy keeps.
    pub kept: usize,
    /// Calls not carried over.
    pub not_carried: Vec<NotCarried>,
    /// Proof 1: every carried logged call is allowed by the new policy.
    pub logged_calls_allowed: Proof,
    /// Proof 2: the new policy grants nothing the current ones do not.
    pub no_new_access: Proof,
}

impl Rightsized {
    /// Whether both proofs hold.
    pub fn proven(&self) -> bool {
        self.logged_calls_allowed.holds() && self.no_new_access.holds()
    }

    /// The output as files each provider's CLI takes as they are, with the
    /// command that applies each (`FILE` stands for the file's path): the
    /// AWS policy document; each GCP custom role (`gcloud iam roles create
    /// --file`) and a command per binding; each Azure role definition (`az
    /// role definition create --role-definition`) and a command per
    /// assignment.
    pub fn files(&self) -> Vec<OutputFile> {
        let mut out = Vec::new();
        let text = |v: &Json, k: &str| v.get(k).and_then(Json::as_str).unwrap_or("").to_owned();
        match self.cloud {
            Cloud::Aws => out.push(OutputFile {
                name: "policy.json".to_owned(),
                content: self.policy.clone(),
                commands: vec![
                    "aws iam create-policy --policy-name iamx-rightsized --policy-document file://FILE"
                        .to_owned(),
                ],
            }),
            Cloud::Gcp => {
                let roles = self.policy.get("roles").and_then(Json::as_array);
                let bindings = self.policy.get("bindings").and_then(Json::as_array);
                for r in roles.into_iter().flatten() {
                    let id = text(r, "roleId");
                    let mut role = r.clone();
                    if let Json::Object(m) = &mut role {
                        m.remove("roleId");
                    }
                    // the project the bindings of this role name
                    let parent = bindings
                        .into_iter()
                        .flatten()
                        .map(|b| text(b, "role"))
                        .find(|name| name.ends_with(&format!("/roles/{id}")))
                        .and_then(|name| name.split("/roles/").next().map(str::to_owned))
                        .unwrap_or_else(|| "projects/PROJECT_ID".to_owned());
                    let project = parent.strip_prefix("projects/").unwrap_or(&parent);
                    out.push(OutputFile {
                        name: format!("role-{id}.json"),
                        content: role,
                        commands: vec![format!(
                            "gcloud iam roles create {id} --project {project} --file FILE"
                        )],
                    });
                }
                let commands = bindings
                    .into_iter()
                    .flatten()
                    .map(|b| {
                        let members: Vec<String> = b
                            .get("members")
                            .and_then(Json::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|m| m.as_str().map(str::to_owned))
                            .collect();
                        let condition = b
                            .get("condition")
                            .map(|c| {
                                format!(
                                    " --condition='expression={},title={}'",
                                    text(c, "expression"),
                                    text(c, "title")
                                )
                            })
                            .unwrap_or_default();
                        format!(
                            "# bind {} to {} on {}{condition}",
                            text(b, "role"),
                            members.join(", "),
                            text(b, "resource")
                        )
                    })
                    .collect();
                out.push(OutputFile {
                    name: "bindings.json".to_owned(),
                    content: self.policy.get("bindings").cloned().unwrap_or(Json::Null),
                    commands,
                });
            }
            Cloud::Azure => {
                let defs = self.policy.get("roleDefinitions").and_then(Json::as_array);
                for (i, d) in defs.into_iter().flatten().enumerate() {
                    out.push(OutputFile {
                        name: format!("role-definition-{}.json", i + 1),
                        content: d.clone(),
                        commands: vec!["az role definition create --role-definition FILE".to_owned()],
                    });
                }
                let assigns = self.policy.get("roleAssignments").and_then(Json::as_array);
                let commands = assigns
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let condition = a
                            .get("condition")
                            .and_then(Json::as_str)
                            .map(|c| format!(" --condition \"{c}\" --condition-version 2.0"))
                            .unwrap_or_default();
                        format!(
                            "az role assignment create --assignee-object-id {} --role \"{}\" --scope {}{condition}",
                            text(a, "principalId"),
                            text(a, "roleDefinitionName"),
                            text(a, "scope")
                        )
                    })
                    .collect();
                out.push(OutputFile {
                    name: "role-assignments.json".to_owned(),
                    content: self
                        .policy
                        .get("roleAssignments")
                        .cloned()
                        .unwrap_or(Json::Null),
                    commands,
                });
            }
        }
        out
    }
}

/// One file of a rightsized output.
#[derive(Clone, Debug, Serialize)]
pub struct OutputFile {
    /// The file's name.
    pub name: String,
    /// Its content.
    pub content: Json,
    /// The commands that apply it (`FILE` stands for its path).
    pub commands: Vec<String>,
}

/// One call to carry: the action (catalog spelling), the resource, and the
/// condition of the statement that allows it.
pub(crate) struct Carried {
    action: String,
    resource: String,
    condition: Option<Json>,
    request: Request,
    was_allowed: bool,
}

/// Rightsizes `principal` from its logged calls.
pub fn rightsize(
    inp: &Inputs<'_>,
    records: &[UsageRecord],
    principal: &str,
    opts: &Options,
) -> Result<Rightsized, String> {
    let cloud = cloud_of(principal)?;
    let calls: Vec<&UsageRecord> = records
        .iter()
        .filter(|r| r.cloud == cloud && r.principal.eq_ignore_ascii_case(principal) && is_use(r))
        .collect();
    if calls.is_empty() {
        return Err(format!(
            "the logs hold no call of `{principal}` that authorisation let through: nothing to keep (give the logs of this principal, or check its name)"
        ));
    }
    match cloud {
        Cloud::Aws => {}
        Cloud::Gcp => return crate::rightsize_gcp::rightsize(inp, &calls, principal, opts),
        Cloud::Azure => return crate::rightsize_azure::rightsize(inp, &calls, principal, opts),
    }
    let (current, who) = current_policy(inp, principal)?;
    let mut carried = Vec::new();
    let mut not_carried = Vec::new();
    for r in &calls {
        let req = r.to_request();
        let call = format!("{} on {}", req.action, req.resource);
        let location = r.location.to_string();
        let Some((req, d)) = decide(
            inp,
            cloud,
            principal,
            &req.action,
            &req.resource,
            req.context.clone(),
        ) else {
            not_carried.push(NotCarried {
                call,
                location,
                reason: "the request cannot be built against the inputs".to_owned(),
            });
            continue;
        };
        let allowed = matches!(d.outcome, Outcome::Allowed | Outcome::Unknown(_));
        let hits: Vec<_> = d
            .explanation
            .statements
            .iter()
            .filter(|h| h.effect == Effect::Allow && h.layer == Layer::Identity)
            .collect();
        if !allowed || hits.is_empty() {
            let reason = if !allowed {
                format!(
                    "not allowed by today's policies ({}): keeping it would grant more than they do",
                    d.outcome.as_str()
                )
            } else {
                "allowed by a resource policy, not by the principal's own policies".to_owned()
            };
            not_carried.push(NotCarried {
                call,
                location,
                reason,
            });
            continue;
        }
        // the statement that allows it: an unconditional one if any
        let stmts: Vec<&iamx_model::Statement> = hits
            .iter()
            .filter_map(|h| {
                current
                    .statements
                    .iter()
                    .find(|s| Arc::ptr_eq(&s.origin, &h.origin))
            })
            .collect();
        let chosen = stmts
            .iter()
            .find(|s| s.condition == Condition::True)
            .or_else(|| stmts.first());
        let Some(stmt) = chosen else {
            not_carried.push(NotCarried {
                call,
                location,
                reason: "the allowing statement is not among the principal's policies".to_owned(),
            });
            continue;
        };
        let condition = match condition_json(&stmt.condition) {
            Ok(c) => c,
            Err(why) => {
                not_carried.push(NotCarried {
                    call,
                    location,
                    reason: format!("its statement's condition cannot be carried over: {why}"),
                });
                continue;
            }
        };
        let action = inp
            .catalog
            .get(&req.action)
            .map_or_else(|| req.action.clone(), |a| a.action().to_owned());
        carried.push(Carried {
            action,
            resource: req.resource.clone(),
            condition,
            was_allowed: d.outcome == Outcome::Allowed,
            request: req,
        });
    }
    let (mut policy, kept) = build_policy(&carried, inp.catalog, opts.generalize);
    keep_denies(&mut policy, &current, &carried, &mut not_carried);
    let text = serde_json::to_string_pretty(&policy).map_err(|e| e.to_string())?;
    let new = parse_identity(&format!("rightsized policy of {principal}"), &text)?;
    let logged_calls_allowed = prove_logged(inp, &new, &carried);
    let no_new_access = if carried.is_empty() {
        Proof::Holds {
            detail: "the policy grants nothing".to_owned(),
        }
    } else {
        match more_permissive_grants(
            &Grants::Aws(new.clone()),
            &Grants::Aws(current.clone()),
            &who,
            inp.catalog,
            opts.timeout,
        ) {
            Ok(DirectionReport::Contained) => Proof::Holds {
                detail: format!(
                    "no request is allowed by the new policy and not by the {} current identity policy statements",
                    current.statements.len()
                ),
            },
            Ok(DirectionReport::Witness {
                action,
                resource,
                context,
                ..
            }) => Proof::Fails {
                witness: format!(
                    "{action} on {resource}{}",
                    if context.is_empty() {
                        String::new()
                    } else {
                        let kv: Vec<String> =
                            context.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        format!(" with {}", kv.join(", "))
                    }
                ),
            },
            Ok(DirectionReport::Unknown { reason }) => Proof::Unknown { reason },
            Err(e) => Proof::Unknown { reason: e },
        }
    };
    Ok(Rightsized {
        cloud,
        principal: principal.to_owned(),
        policy,
        calls: calls.len(),
        kept,
        not_carried,
        logged_calls_allowed,
        no_new_access,
    })
}

fn cloud_of(principal: &str) -> Result<Cloud, String> {
    if principal.starts_with("arn:") {
        Ok(Cloud::Aws)
    } else if principal.contains(':') {
        Ok(Cloud::Gcp)
    } else if principal.is_empty() {
        Err("no principal given".to_owned())
    } else {
        Ok(Cloud::Azure)
    }
}

/// The principal's identity policies as one policy (every statement of
/// every one: allow in any, deny in any, as AWS reads several identity
/// policies), and the principal as requests name it.
fn current_policy(
    inp: &Inputs<'_>,
    principal: &str,
) -> Result<(Arc<Policy>, iamx_model::Principal), String> {
    let (req, _) =
        inp.aws
            .build_request(principal, "iam:GetUser", "*", iamx_model::Context::new())?;
    let prog = inp.aws.program_for(&req);
    let statements: Vec<iamx_model::Statement> = prog
        .identity
        .iter()
        .flat_map(|p| p.statements.iter().cloned())
        .collect();
    Ok((
        Arc::new(Policy::new(
            Arc::from(format!("current identity policies of {principal}")),
            statements,
        )),
        req.principal,
    ))
}

/// A statement's condition as policy JSON (`None` for no condition). Only
/// plain conjunctions of operator clauses are written back; anything else
/// is an error naming it.
fn condition_json(c: &Condition) -> Result<Option<Json>, String> {
    let clauses: Vec<&AwsClause> = match c {
        Condition::True => return Ok(None),
        Condition::Aws(a) => vec![a.as_ref()],
        Condition::All(v) => {
            let mut out = Vec::new();
            for x in v {
                match x {
                    Condition::Aws(a) => out.push(a.as_ref()),
                    other => return Err(format!("`{other}` is not an operator clause")),
                }
            }
            out
        }
        other => return Err(format!("`{other}` is not an operator clause")),
    };
    let mut ops: Map<String, Json> = Map::new();
    for a in clauses {
        let mut op = String::new();
        match a.qualifier {
            SetQualifier::Single => {}
            SetQualifier::ForAnyValue => op.push_str("ForAnyValue:"),
            SetQualifier::ForAllValues => op.push_str("ForAllValues:"),
        }
        op.push_str(a.op.name());
        if a.if_exists {
            op.push_str("IfExists");
        }
        let values: Vec<Json> = a.values.iter().map(|v| json!(v.to_string())).collect();
        let entry = ops.entry(op).or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(keys) = entry {
            if keys.contains_key(&a.key) {
                return Err(format!("two clauses of `{}` on `{}`", a.op.name(), a.key));
            }
            keys.insert(a.key.clone(), Json::Array(values));
        }
    }
    Ok(Some(Json::Object(ops)))
}

/// Appends the current policies' `Deny` statements that may apply to a
/// kept action: a deny only takes access away, and dropping one would let
/// the new policy allow what the old ones refused (in the contexts the
/// deny's condition names).
fn keep_denies(
    policy: &mut Json,
    current: &Policy,
    carried: &[Carried],
    not_carried: &mut Vec<NotCarried>,
) {
    let actions: BTreeSet<String> = carried
        .iter()
        .map(|c| c.action.to_ascii_lowercase())
        .collect();
    let Some(Json::Array(statements)) = policy.get_mut("Statement") else {
        return;
    };
    for s in current
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Deny)
    {
        if !actions.iter().any(|a| s.action.matches_lc(a)) {
            continue;
        }
        let raw = |v: &[iamx_model::Pattern]| -> Json {
            one_or_many(v.iter().map(|p| p.raw().to_owned()).collect())
        };
        let mut st = Map::new();
        st.insert(
            "Sid".to_owned(),
            json!(format!("KeptDeny{}", statements.len() + 1)),
        );
        st.insert("Effect".to_owned(), json!("Deny"));
        let key = if s.action.negated {
            "NotAction"
        } else {
            "Action"
        };
        st.insert(key.to_owned(), raw(&s.action.patterns));
        if let Some(r) = &s.resource {
            let key = if r.negated { "NotResource" } else { "Resource" };
            st.insert(key.to_owned(), raw(&r.patterns));
        }
        match condition_json(&s.condition) {
            Ok(Some(c)) => {
                st.insert("Condition".to_owned(), c);
            }
            Ok(None) => {}
            Err(why) => {
                not_carried.push(NotCarried {
                    call: format!("deny {}", s.origin),
                    location: String::new(),
                    reason: format!("its condition cannot be written back: {why}"),
                });
                continue;
            }
        }
        statements.push(Json::Object(st));
    }
}

/// Resource → the actions used on it.
type ActionsByResource = BTreeMap<String, BTreeSet<String>>;

/// Groups the carried calls into statements: by condition, then resources
/// with the same action set share a statement.
fn build_policy(carried: &[Carried], catalog: &Catalog, generalize: bool) -> (Json, usize) {
    // condition (as text) → resource → actions
    let mut by_cond: BTreeMap<String, (Option<Json>, ActionsByResource)> = BTreeMap::new();
    let mut pairs = BTreeSet::new();
    for c in carried {
        let key = c
            .condition
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        let e = by_cond
            .entry(key)
            .or_insert_with(|| (c.condition.clone(), BTreeMap::new()));
        e.1.entry(c.resource.clone())
            .or_default()
            .insert(c.action.clone());
        pairs.insert((c.action.to_ascii_lowercase(), c.resource.clone()));
    }
    let mut statements = Vec::new();
    for (cond, by_res) in by_cond.values() {
        // action set → resources
        let mut by_actions: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        for (res, acts) in by_res {
            by_actions
                .entry(acts.iter().cloned().collect())
                .or_default()
                .push(res.clone());
        }
        for (acts, resources) in by_actions {
            let resources = if generalize {
                widen(&resources)
            } else {
                resources
            };
            let actions = compress(&acts, catalog);
            let mut s = Map::new();
            s.insert(
                "Sid".to_owned(),
                json!(format!("Used{}", statements.len() + 1)),
            );
            s.insert("Effect".to_owned(), json!("Allow"));
            s.insert("Action".to_owned(), one_or_many(actions));
            s.insert("Resource".to_owned(), one_or_many(resources));
            if let Some(c) = cond {
                s.insert("Condition".to_owned(), c.clone());
            }
            statements.push(Json::Object(s));
        }
    }
    (
        json!({"Version": "2012-10-17", "Statement": statements}),
        pairs.len(),
    )
}

pub(crate) fn one_or_many(mut v: Vec<String>) -> Json {
    if v.len() == 1 {
        json!(v.remove(0))
    } else {
        json!(v)
    }
}

/// The leading word of an action name: `Get` of `GetObject`.
fn verb(name: &str) -> &str {
    let end = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(name.len(), |(i, _)| i);
    name.get(..end).unwrap_or(name)
}

/// Replaces action names by a wildcard where the catalog proves the
/// wildcard matches only used actions: `svc:*` when every action of the
/// service was used, `svc:Verb*` when every action starting with that verb
/// was (and there are at least two).
pub fn compress(actions: &[String], catalog: &Catalog) -> Vec<String> {
    let used: BTreeSet<String> = actions.iter().map(|a| a.to_ascii_lowercase()).collect();
    let mut by_service: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for a in actions {
        let svc = a.split(':').next().unwrap_or(a).to_owned();
        by_service.entry(svc).or_default().push(a);
    }
    let all_used = |pattern: &str| {
        let m = catalog.expand(pattern);
        !m.is_empty()
            && m.iter()
                .all(|x| used.contains(&x.action().to_ascii_lowercase()))
    };
    let mut out = Vec::new();
    for (svc, acts) in by_service {
        if catalog.service(&svc).is_none() {
            out.extend(acts.into_iter().cloned());
            continue;
        }
        let whole = format!("{svc}:*");
        if all_used(&whole) {
            out.push(whole);
            continue;
        }
        let mut by_verb: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
        for a in acts {
            let name = a.split(':').nth(1).unwrap_or(a);
            by_verb.entry(verb(name)).or_default().push(a);
        }
        for (v, acts) in by_verb {
            let pattern = format!("{svc}:{v}*");
            if acts.len() >= 2 && all_used(&pattern) {
                out.push(pattern);
            } else {
                out.extend(acts.into_iter().cloned());
            }
        }
    }
    out.sort();
    out
}

/// Widens resources sharing a parent (everything up to the last `/`) to
/// `parent/*` when at least two share it.
pub fn widen(resources: &[String]) -> Vec<String> {
    let mut by_parent: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for r in resources {
        match r.rfind('/') {
            Some(i) if i + 1 < r.len() => by_parent
                .entry(r.get(..=i).unwrap_or(r).to_owned())
                .or_default()
                .push(r),
            _ => {
                out.insert(r.clone());
            }
        }
    }
    for (parent, v) in by_parent {
        if v.len() >= 2 {
            out.insert(format!("{parent}*"));
        } else {
            out.extend(v.into_iter().cloned());
        }
    }
    out.into_iter().collect()
}

/// Reads a policy text as an identity policy.
pub fn parse_identity(name: &str, text: &str) -> Result<Arc<Policy>, String> {
    let opts = iamx_aws::PolicyOptions {
        ptype: iamx_aws::PolicyType::Identity,
        actions: None,
    };
    let (p, diags) = iamx_aws::parse_policy_text(name, text, opts);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(format!("the rightsized policy does not read back: {d}"));
    }
    p.map(Arc::new)
        .ok_or_else(|| "the rightsized policy does not read back".to_owned())
}

/// Proof 1: each carried call, decided with the identity policies replaced
/// by `new`, is allowed (or stays conditional where it was).
fn prove_logged(inp: &Inputs<'_>, new: &Arc<Policy>, carried: &[Carried]) -> Proof {
    let mut checked = 0;
    for c in carried {
        let mut prog = inp.aws.program_for(&c.request);
        prog.identity = vec![new.clone()];
        let d = iamx_model::evaluate(&prog, &c.request);
        let ok = match d.outcome {
            Outcome::Allowed => true,
            Outcome::Unknown(_) => !c.was_allowed,
            _ => false,
        };
        if !ok {
            return Proof::Fails {
                witness: format!(
                    "{} on {}: {} with the new policy",
                    c.request.action,
                    c.request.resource,
                    d.outcome.as_str()
                ),
            };
        }
        checked += 1;
    }
    Proof::Holds {
        detail: format!(
            "{checked} logged calls decided again with the new policy in place of the principal's identity policies: each is allowed"
        ),
    }
}

/// Proof 1 over calls already decided with the new grants in place: each
/// `(request, outcome with the new grants, was allowed before)` must be
/// allowed, or stay conditional where it was conditional. `grants` names
/// the new grants in the texts.
pub(crate) fn logged_proof<'a>(
    grants: &str,
    replaced: &str,
    calls: impl ExactSizeIterator<Item = (&'a Request, Outcome, bool)>,
) -> Proof {
    let n = calls.len();
    for (req, out, was_allowed) in calls {
        let ok = match out {
            Outcome::Allowed => true,
            Outcome::Unknown(_) => !was_allowed,
            _ => false,
        };
        if !ok {
            return Proof::Fails {
                witness: format!(
                    "{} on {}: {} with the {grants}",
                    req.action,
                    req.resource,
                    out.as_str()
                ),
            };
        }
    }
    Proof::Holds {
        detail: format!(
            "{n} logged calls decided again with the {grants} in place of the {replaced}: each is allowed"
        ),
    }
}

/// Proof 2's running answer over many questions: a witness ends it, an
/// unknown is kept unless a witness turns up.
#[derive(Default)]
pub(crate) struct NoNewAccess {
    questions: usize,
    failed: Option<Proof>,
    unknown: Option<Proof>,
}

impl NoNewAccess {
    /// Whether a witness has been found (stop asking).
    pub(crate) fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// One question: a concrete witness if the evaluators found one, else
    /// the reasoner's answer.
    pub(crate) fn ask(
        &mut self,
        concrete: Option<iamx_smt::compare::Difference>,
        symbolic: impl FnOnce() -> iamx_smt::compare::Direction,
    ) {
        use iamx_smt::compare::Direction;
        self.questions += 1;
        if let Some(w) = concrete {
            self.failed = Some(Proof::Fails {
                witness: format!("{} on {}", w.action, w.resource),
            });
            return;
        }
        match symbolic() {
            Direction::Contained => {}
            Direction::Witness(w) => {
                let kv: Vec<String> = crate::reason::pairs(&w.context)
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                self.failed = Some(Proof::Fails {
                    witness: format!("{} on {} with {}", w.action, w.resource, kv.join(", ")),
                });
            }
            Direction::Unknown(r) => {
                self.unknown.get_or_insert(Proof::Unknown {
                    reason: r.to_string(),
                });
            }
        }
    }

    /// The proof: failed, else unknown, else holding over the questions
    /// asked (`what` says what they were).
    pub(crate) fn finish(self, what: &str) -> Proof {
        self.failed.or(self.unknown).unwrap_or_else(|| Proof::Holds {
            detail: format!("{} questions ({what}): none allowed by the new grants and not by the current ones", self.questions),
        })
    }
}

/// Decides a logged call against today's grants (`built` is the request
/// and program the inputs give for it): the request, program and decision
/// when today's grants allow it (or may), else `None` with the reason
/// pushed to `not_carried`. `grants` names today's grants in the reason.
pub(crate) fn decide_logged<P>(
    call: String,
    location: String,
    built: Result<(Request, P), String>,
    evaluate: impl Fn(&P, &Request) -> iamx_model::Decision,
    grants: &str,
    not_carried: &mut Vec<NotCarried>,
) -> Option<(Request, P, iamx_model::Decision, String, String)> {
    let (req, prog) = match built {
        Ok(x) => x,
        Err(e) => {
            not_carried.push(NotCarried {
                call,
                location,
                reason: format!("the request cannot be built against the inputs: {e}"),
            });
            return None;
        }
    };
    let d = evaluate(&prog, &req);
    if !matches!(d.outcome, Outcome::Allowed | Outcome::Unknown(_)) {
        not_carried.push(NotCarried {
            call,
            location,
            reason: format!(
                "not allowed by today's {grants} ({}): keeping it would grant more than they do",
                d.outcome.as_str()
            ),
        });
        return None;
    }
    Some((req, prog, d, call, location))
}

/// The grant to keep among those that allow a call: an unconditional one
/// if any.
pub(crate) fn preferred<'a, T>(
    hits: &[&'a T],
    condition: impl Fn(&T) -> &Condition,
) -> Option<&'a T> {
    hits.iter()
        .find(|h| *condition(h) == Condition::True)
        .or_else(|| hits.first())
        .copied()
}
