//! AWS: who-can and what-can over users, roles, assumed roles and resource
//! policies; can-assume edges; admin-equivalence; escalation techniques.

use crate::{Access, ActionAccess, Inputs, grade};
use iamx_aws::AwsEnvironment;
use iamx_aws::arn::parse_arn;
use iamx_model::{
    Context, Decision, Effect, Layer, Policy, Principal, PrincipalEntry, PrincipalKind,
    PrincipalMatch, Request, evaluate,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Every IAM principal the environment knows (users and roles), resolved.
pub fn principals(env: &AwsEnvironment) -> Vec<Principal> {
    let mut out = Vec::with_capacity(env.users.len() + env.roles.len());
    for arn in env.users.keys().chain(env.roles.keys()) {
        if let Ok(mut p) = iamx_aws::parse_principal(arn) {
            env.resolve_principal(&mut p);
            out.push(p);
        }
    }
    out
}

fn kind_name(p: &Principal) -> &'static str {
    match p.kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role | PrincipalKind::AssumedRole => "role",
        PrincipalKind::Root => "account",
        PrincipalKind::Service => "service",
        PrincipalKind::Anonymous => "public",
        PrincipalKind::FederatedUser => "federated-user",
        PrincipalKind::WebIdentity => "web-identity",
        PrincipalKind::CanonicalUser => "canonical-user",
    }
}

/// Decides one request for `p` with an open context.
pub fn decide_open(
    env: &AwsEnvironment,
    p: &Principal,
    action: &str,
    resource: &str,
) -> (Request, Decision) {
    let (req, _) = env.request_for(p.clone(), action, resource, Context::open());
    let prog = env.program_for(&req);
    let d = evaluate(&prog, &req);
    (req, d)
}

/// Decides each of `actions` for `p` on `resource` with an open context: the
/// request and program are built once per kind of resource policy the
/// actions ask for (they depend on the action only through it).
///
/// The evaluator reads the action only to pick the statements of its
/// service ([`Policy::candidates`]) and to match their `Action` /
/// `NotAction` (AWS conditions do not read it), so two actions of one
/// service that match the same statements of the program get the same
/// decision: it is computed once per such class and copied.
pub fn decide_each<'a>(
    env: &AwsEnvironment,
    p: &Principal,
    actions: impl IntoIterator<Item = &'a str>,
    resource: &str,
) -> Vec<(&'a str, Decision)> {
    use iamx_aws::request::infer_resource_policy_kind;
    let mut built: Vec<(
        iamx_model::ResourcePolicyKind,
        Request,
        iamx_model::AwsProgram,
    )> = Vec::new();
    let mut decided: HashMap<(usize, String, Vec<bool>), Decision> = HashMap::new();
    let mut out = Vec::new();
    for a in actions {
        let kind = infer_resource_policy_kind(a, resource);
        let at = match built.iter().position(|(k, ..)| *k == kind) {
            Some(i) => i,
            None => {
                let (req, _) = env.request_for(p.clone(), a, resource, Context::open());
                let prog = env.program_for(&req);
                built.push((kind, req, prog));
                built.len() - 1
            }
        };
        if let Some((_, req, prog)) = built.get_mut(at) {
            let lc = a.to_ascii_lowercase();
            let service = lc.split_once(':').map_or("", |(s, _)| s).to_owned();
            let matched = statements_matched(prog, &service, &lc);
            let d = decided
                .entry((at, service, matched))
                .or_insert_with(|| {
                    a.clone_into(&mut req.action);
                    evaluate(prog, req)
                })
                .clone();
            out.push((a, d));
        }
    }
    out
}

/// Which of the statements the evaluator looks at for an action of
/// `service` match `action_lc`, over every policy of the program (one
/// program's statements always line up the same way).
fn statements_matched(prog: &iamx_model::AwsProgram, service: &str, action_lc: &str) -> Vec<bool> {
    let mut out = Vec::new();
    for pol in prog.policies() {
        for i in pol.candidates(service) {
            out.push(
                pol.statements
                    .get(i)
                    .is_some_and(|st| st.action.matches_lc(action_lc)),
            );
        }
    }
    out
}

/// The service prefixes whose actions may apply to `resource`.
fn services_of(resource: &str) -> Vec<String> {
    match parse_arn(resource) {
        Ok(a) if a.service == "iam" => vec!["iam".into(), "sts".into()],
        Ok(a) => vec![a.service.to_owned()],
        Err(_) => Vec::new(),
    }
}

/// Where each identity policy of `p` comes from: `None` for its own,
/// `Some(group)` for a group's.
fn policy_sources(env: &AwsEnvironment, p: &Principal) -> Vec<(Arc<str>, Option<String>)> {
    let mut out = Vec::new();
    let managed = |arn: &String| env.managed.get(arn).map(|m| m.policy.name.clone());
    match p.kind {
        PrincipalKind::User => {
            if let Some(u) = env.users.get(&p.id) {
                out.extend(u.inline.iter().map(|x| (x.name.clone(), None)));
                out.extend(u.attached.iter().filter_map(managed).map(|n| (n, None)));
                for g in &u.groups {
                    if let Some(gd) = env
                        .groups
                        .values()
                        .find(|x| x.name == *g && x.account == u.account)
                    {
                        out.extend(gd.inline.iter().map(|x| (x.name.clone(), Some(g.clone()))));
                        out.extend(
                            gd.attached
                                .iter()
                                .filter_map(managed)
                                .map(|n| (n, Some(g.clone()))),
                        );
                    }
                }
            }
        }
        PrincipalKind::Role | PrincipalKind::AssumedRole => {
            if let Some(r) = p.role_arn.as_deref().and_then(|a| env.role(a)) {
                out.extend(r.inline.iter().map(|x| (x.name.clone(), None)));
                out.extend(r.attached.iter().filter_map(managed).map(|n| (n, None)));
            }
        }
        _ => {}
    }
    out
}

/// `via` labels and grant names from a decision's allow hits.
fn chains(sources: &[(Arc<str>, Option<String>)], d: &Decision) -> (Vec<String>, Vec<String>) {
    let mut via = BTreeSet::new();
    let mut grants = BTreeSet::new();
    for h in &d.explanation.statements {
        if h.effect != Effect::Allow {
            continue;
        }
        match h.layer {
            Layer::Identity => {
                let src = sources
                    .iter()
                    .find(|(n, _)| Arc::ptr_eq(n, &h.origin.policy));
                via.insert(match src {
                    Some((_, Some(g))) => format!("group {g}"),
                    _ => "direct".to_owned(),
                });
                grants.insert(h.origin.to_string());
            }
            Layer::ResourcePolicy | Layer::KeyPolicy | Layer::TrustPolicy => {
                via.insert(format!("{}", h.layer));
                grants.insert(h.origin.to_string());
            }
            _ => {}
        }
    }
    (via.into_iter().collect(), grants.into_iter().collect())
}

/// Candidate actions `p` might take on `resource`, read off the allow
/// statements that could apply (over-including is fine: each is decided).
fn candidate_actions(inp: &Inputs<'_>, p: &Principal, resource: &str) -> BTreeSet<String> {
    let env = inp.aws;
    let (req, _) = env.request_for(p.clone(), "*", resource, Context::open());
    let prog = env.program_for(&req);
    let mut specs = Vec::new();
    let resource_may_match = |st: &iamx_model::Statement| match &st.resource {
        None => true,
        Some(r) if r.negated => true,
        Some(r) => r
            .patterns
            .iter()
            .any(|pat| pat.has_vars() || pat.matches(resource)),
    };
    for pol in &prog.identity {
        for st in &pol.statements {
            if st.effect == Effect::Allow && resource_may_match(st) {
                specs.push(&st.action);
            }
        }
    }
    if let Some(rp) = &prog.resource_policy {
        for st in &rp.statements {
            let who = st
                .principal
                .as_ref()
                .map_or(PrincipalMatch::Direct, |s| s.matches(p));
            if st.effect == Effect::Allow && who != PrincipalMatch::No && resource_may_match(st) {
                specs.push(&st.action);
            }
        }
    }
    let mut out = BTreeSet::new();
    for svc in services_of(resource) {
        let actions = inp.catalog.service_actions(&svc);
        if actions.is_empty() {
            // no catalog entry: the literal actions the statements name
            for spec in &specs {
                if spec.negated {
                    continue;
                }
                for pat in &spec.patterns {
                    if let Some(l) = pat
                        .as_literal()
                        .filter(|l| l.starts_with(&format!("{svc}:")))
                    {
                        out.insert(l.to_owned());
                    }
                }
            }
            continue;
        }
        for a in actions {
            let lc = a.action().to_ascii_lowercase();
            if specs.iter().any(|s| s.matches_lc(&lc)) {
                out.insert(a.action().to_owned());
            }
        }
    }
    out
}

/// Roles each principal can assume (one step), decided with an open context:
/// `(principal id, role ARN, conditional)`.
pub fn assume_edges(env: &AwsEnvironment) -> Vec<(String, String, Option<String>)> {
    assume_edges_into(env, &principals(env), None)
}

/// [`assume_edges`] into the roles `only` (every role when `None`).
fn assume_edges_into(
    env: &AwsEnvironment,
    principals: &[Principal],
    only: Option<&BTreeSet<String>>,
) -> Vec<(String, String, Option<String>)> {
    let roles: Vec<&iamx_aws::env::Role> = match only {
        Some(arns) => arns.iter().filter_map(|a| env.roles.get(a)).collect(),
        None => env.roles.values().collect(),
    };
    let roles: Vec<&iamx_aws::env::Role> =
        roles.into_iter().filter(|r| r.trust.is_some()).collect();
    let by_id: BTreeMap<&str, &Principal> = principals.iter().map(|p| (p.id.as_str(), p)).collect();
    // a trust policy naming an account (its root) lets in the callers of
    // that account whose own policies allow `sts:AssumeRole` on the role:
    // only callers with a statement that may allow it are asked
    let assume_policies: Vec<Vec<Arc<Policy>>> = principals
        .par_iter()
        .map(|p| {
            env.identity_policies(p)
                .into_iter()
                .filter(|pol| may_allow_action(pol, "sts:assumerole"))
                .collect()
        })
        .collect();
    let mut assumers: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut named_as: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in principals.iter().enumerate() {
        if let (Some(a), Some(pols)) = (p.account.as_deref(), assume_policies.get(i))
            && !pols.is_empty()
        {
            assumers.entry(a).or_default().push(i);
        }
        named_as.entry(p.id.as_str()).or_default().push(i);
        if let Some(r) = p.role_arn.as_deref().filter(|r| *r != p.id) {
            named_as.entry(r).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for r in &roles {
        let Some(trust) = &r.trust else { continue };
        for st in &trust.statements {
            if st.effect != Effect::Allow {
                continue;
            }
            let Some(spec) = &st.principal else { continue };
            let everyone = spec.negated
                || spec
                    .entries
                    .iter()
                    .any(|e| matches!(e, PrincipalEntry::Anyone));
            let mut candidates: BTreeSet<usize> = BTreeSet::new();
            if everyone {
                candidates.extend(0..principals.len());
            } else {
                for e in &spec.entries {
                    match e {
                        PrincipalEntry::Account(a) => {
                            candidates.extend(
                                assumers.get(a.as_str()).into_iter().flatten().filter(|i| {
                                    assume_policies.get(**i).is_some_and(|pols| {
                                        pols.iter().any(|pol| {
                                            may_allow_on(pol, &r.arn, Some("sts:AssumeRole"))
                                        })
                                    })
                                }),
                            );
                        }
                        PrincipalEntry::Arn(a) => {
                            candidates.extend(named_as.get(a.as_str()).into_iter().flatten());
                        }
                        _ => {}
                    }
                }
            }
            for i in candidates {
                let Some(p) = principals.get(i) else { continue };
                if p.role_arn.as_deref() == Some(r.arn.as_str()) {
                    continue;
                }
                pairs.push((p.id.clone(), r.arn.clone()));
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    pairs
        .par_iter()
        .filter_map(|(pid, role)| {
            let p = by_id.get(pid.as_str())?;
            let (_, d) = decide_open(env, p, "sts:AssumeRole", role);
            grade(&d).map(|(c, why)| (pid.clone(), role.clone(), if c { why } else { None }))
        })
        .collect()
}

/// Direct access of every principal to `resource` (no role chaining).
fn direct(inp: &Inputs<'_>, ps: &[Principal], resource: &str, action: Option<&str>) -> Vec<Access> {
    let env = inp.aws;
    let named = named_by_resource_policy(env, resource);
    let mut cache: BTreeMap<*const Policy, bool> = BTreeMap::new();
    let mut may = |pol: &Arc<Policy>| {
        *cache
            .entry(Arc::as_ptr(pol))
            .or_insert_with(|| may_allow_on(pol, resource, action))
    };
    // a caller of another account than the resource's needs a resource
    // policy statement that may apply to it whatever its own policies say
    // (cross account: identity side ∧ resource side)
    let resource_account = env
        .resource_account(resource)
        .or_else(|| env.role(resource).map(|r| r.account.clone()));
    let may_apply = resource_policy_statements(env, resource);
    let cross_account = |p: &Principal| {
        matches!(
            (p.account.as_deref(), resource_account.as_deref()),
            (Some(a), Some(b)) if a != b
        )
    };
    let mut ps: Vec<&Principal> = ps
        .iter()
        .filter(|p| {
            named
                .iter()
                .any(|spec| spec.matches(p) != PrincipalMatch::No)
                || (!cross_account(p)
                    || may_apply.iter().any(|spec| {
                        spec.as_ref()
                            .is_none_or(|s| s.matches(p) != PrincipalMatch::No)
                    }))
                    && env.identity_policies(p).iter().any(&mut may)
        })
        .collect();
    let anonymous = Principal::anonymous();
    if !named.is_empty() {
        ps.push(&anonymous);
    }
    ps.par_iter()
        .filter_map(|p| {
            let candidates: BTreeSet<String> = match action {
                Some(a) => std::iter::once(a.to_owned()).collect(),
                None => candidate_actions(inp, p, resource),
            };
            let mut acts = Vec::new();
            let mut via = BTreeSet::new();
            let mut grants = BTreeSet::new();
            let sources = policy_sources(env, p);
            for (a, d) in decide_each(env, p, candidates.iter().map(String::as_str), resource) {
                if let Some((conditional, condition)) = grade(&d) {
                    acts.push(ActionAccess {
                        action: a.to_owned(),
                        conditional,
                        condition,
                    });
                    let (v, g) = chains(&sources, &d);
                    via.extend(v);
                    grants.extend(g);
                }
            }
            (!acts.is_empty()).then(|| Access {
                cloud: "aws",
                principal: p.id.clone(),
                kind: kind_name(p).to_owned(),
                resource: resource.to_owned(),
                actions: acts,
                via: via.into_iter().collect(),
                grants: grants.into_iter().collect(),
            })
        })
        .collect()
}

/// The principal specifications of the allow statements of the resource
/// policies covering `resource` (a caller none of them names needs an
/// identity policy to be allowed).
fn named_by_resource_policy(
    env: &AwsEnvironment,
    resource: &str,
) -> Vec<iamx_model::PrincipalSpec> {
    let req = Request {
        principal: Principal::anonymous(),
        action: "*".to_owned(),
        resource: resource.to_owned(),
        resource_account: None,
        context: Context::open(),
    };
    let prog = env.program_for(&req);
    prog.resource_policy
        .iter()
        .flat_map(|rp| rp.statements.iter())
        .filter(|st| st.effect == Effect::Allow)
        .filter_map(|st| st.principal.clone())
        .collect()
}

/// The principal specifications of every allow statement of the resource
/// policies a request on `resource` may be decided with (the resource's own
/// and, for a role, its trust policy); `None` for a statement without one
/// (it applies to every caller).
fn resource_policy_statements(
    env: &AwsEnvironment,
    resource: &str,
) -> Vec<Option<iamx_model::PrincipalSpec>> {
    let mut out = Vec::new();
    for action in ["*", "sts:AssumeRole"] {
        let req = Request {
            principal: Principal::anonymous(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: None,
            context: Context::open(),
        };
        let prog = env.program_for(&req);
        out.extend(
            prog.resource_policy
                .iter()
                .flat_map(|rp| rp.statements.iter())
                .filter(|st| st.effect == Effect::Allow)
                .map(|st| st.principal.clone()),
        );
    }
    out
}

/// Whether some allow statement of `pol` may allow `action_lc` (lower
/// case) on some resource.
fn may_allow_action(pol: &Policy, action_lc: &str) -> bool {
    pol.statements.iter().any(|st| {
        st.effect == Effect::Allow && (st.action.negated || st.action.matches_lc(action_lc))
    })
}

/// Whether an identity policy may allow `action` (any action of the
/// resource's service when `None`) on `resource`: a cheap test that may say
/// yes wrongly, never no wrongly.
pub(crate) fn may_allow_on(pol: &Policy, resource: &str, action: Option<&str>) -> bool {
    let services = services_of(resource);
    let action_lc = action.map(str::to_ascii_lowercase);
    pol.statements.iter().any(|st| {
        if st.effect != Effect::Allow {
            return false;
        }
        let resource_ok = match &st.resource {
            None => true,
            Some(r) if r.negated => true,
            Some(r) => r
                .patterns
                .iter()
                .any(|pat| pat.has_vars() || pat.matches(resource)),
        };
        if !resource_ok {
            return false;
        }
        if st.action.negated {
            return true;
        }
        match &action_lc {
            Some(a) => st.action.matches_lc(a),
            None => st.action.patterns.iter().any(|pat| {
                let raw = pat.raw().to_ascii_lowercase();
                match raw.split_once(':') {
                    None => true,
                    Some((svc, _)) => {
                        svc.contains(['*', '?'])
                            || services.is_empty()
                            || services.iter().any(|s| s.eq_ignore_ascii_case(svc))
                    }
                }
            }),
        }
    })
}

/// Who can act on an AWS resource, directly or through roles they can assume
/// (up to three hops).
pub fn who_can(inp: &Inputs<'_>, resource: &str, action: Option<&str>) -> Vec<Access> {
    let ps = principals(inp.aws);
    let mut out = direct(inp, &ps, resource, action);
    // role ARN → its access
    let mut reach: BTreeMap<String, Access> = out
        .iter()
        .filter(|a| a.kind == "role")
        .map(|a| (a.principal.clone(), a.clone()))
        .collect();
    let mut frontier: BTreeSet<String> = reach.keys().cloned().collect();
    for _hop in 0..3 {
        if frontier.is_empty() {
            break;
        }
        let edges = assume_edges_into(inp.aws, &ps, Some(&frontier));
        let mut added = Vec::new();
        for (pid, role, cond) in &edges {
            let Some(ra) = reach.get(role) else { continue };
            let label = format!("assumed role {role}");
            if out
                .iter()
                .any(|a| a.principal == *pid && a.via.contains(&label))
            {
                continue;
            }
            let kind = if inp.aws.users.contains_key(pid) {
                "user"
            } else {
                "role"
            };
            let actions = ra
                .actions
                .iter()
                .map(|x| x.through(cond.as_ref()))
                .collect();
            added.push(Access {
                cloud: "aws",
                principal: pid.clone(),
                kind: kind.to_owned(),
                resource: resource.to_owned(),
                actions,
                via: vec![label],
                grants: ra.grants.clone(),
            });
        }
        frontier.clear();
        for a in &added {
            if a.kind == "role" && !reach.contains_key(&a.principal) {
                frontier.insert(a.principal.clone());
                reach.insert(a.principal.clone(), a.clone());
            }
        }
        out.extend(added);
    }
    out
}

/// The resources an allow statement names, as representatives to decide on:
/// each resource pattern as written (a pattern stands for what it matches).
fn statement_resources(st: &iamx_model::Statement) -> Vec<String> {
    match &st.resource {
        Some(r) if !r.negated => r.patterns.iter().map(|p| p.raw().to_owned()).collect(),
        _ => vec!["*".to_owned()],
    }
}

/// Everything an AWS principal can reach: for every allow statement of its
/// identity policies and every resource policy naming it, the actions
/// (catalog-expanded) on the statement's resources, each decided.
pub fn what_can(
    inp: &Inputs<'_>,
    principal: &str,
    service: Option<&str>,
) -> Result<Vec<Access>, String> {
    let env = inp.aws;
    let (req, _) = env.build_request(principal, "*", "*", Context::open())?;
    let p = req.principal.clone();
    let prog = env.program_for(&req);
    let mut targets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let svc_ok = |a: &str| {
        service.is_none_or(|s| {
            a.split(':')
                .next()
                .is_some_and(|x| x.eq_ignore_ascii_case(s))
        })
    };
    let mut add = |st: &iamx_model::Statement, resources: Vec<String>| {
        let mut acts = BTreeSet::new();
        for pat in &st.action.patterns {
            if st.action.negated {
                continue;
            }
            let expanded = inp.catalog.expand(pat.raw());
            if expanded.is_empty() {
                acts.insert(pat.raw().to_owned());
            } else {
                acts.extend(expanded.iter().map(|a| a.action().to_owned()));
            }
        }
        if st.action.negated {
            for a in inp.catalog.sorted_actions() {
                if st.action.matches_lc(&a.action().to_ascii_lowercase()) {
                    acts.insert(a.action().to_owned());
                }
            }
        }
        acts.retain(|a| svc_ok(a));
        for r in resources {
            targets.entry(r).or_default().extend(acts.iter().cloned());
        }
    };
    let identity: Vec<Arc<Policy>> = prog.identity.clone();
    for pol in &identity {
        for st in &pol.statements {
            if st.effect == Effect::Allow {
                add(st, statement_resources(st));
            }
        }
    }
    for rp in &env.resource_policies {
        for st in &rp.policy.statements {
            let who = st
                .principal
                .as_ref()
                .map_or(PrincipalMatch::No, |s| s.matches(&p));
            if st.effect == Effect::Allow && who >= PrincipalMatch::Direct {
                add(st, vec![rp.resource.clone()]);
            }
        }
    }
    let out: Vec<Access> = targets
        .into_par_iter()
        .filter_map(|(resource, actions)| {
            let mut acts = Vec::new();
            let mut via = BTreeSet::new();
            let mut grants = BTreeSet::new();
            let sources = policy_sources(env, &p);
            for (a, d) in decide_each(env, &p, actions.iter().map(String::as_str), &resource) {
                if let Some((conditional, condition)) = grade(&d) {
                    let (v, g) = chains(&sources, &d);
                    via.extend(v);
                    grants.extend(g);
                    acts.push(ActionAccess {
                        action: a.to_owned(),
                        conditional,
                        condition,
                    });
                }
            }
            (!acts.is_empty()).then(|| Access {
                cloud: "aws",
                principal: p.id.clone(),
                kind: kind_name(&p).to_owned(),
                resource,
                actions: acts,
                via: via.into_iter().collect(),
                grants: grants.into_iter().collect(),
            })
        })
        .collect();
    Ok(out)
}
