//! Effective access compared: two principals of one environment, or every
//! principal of two environments ("does B grant any (principal, action,
//! resource) A does not?").
//!
//! Scope, per cloud (what "any" ranges over):
//!
//! - AWS: the actions the catalog lists for the patterns of the statements
//!   that may allow the caller (plus literal action names it does not
//!   list); the resources the inputs name (every resource policy's resource
//!   and, for a bucket, a symbolic object in it; every role, for the trust
//!   actions) and one symbolic *other* resource of the caller's account that
//!   no resource policy covers. Actions that every statement of both sides
//!   treats alike are asked about once.
//! - GCP: every resource an allow or deny policy is attached to, standing
//!   for itself and what lies under it (its `resource.*` attributes are left
//!   open); the permissions of the roles bound to the caller there.
//! - Azure: every scope an assignment of the caller or a deny assignment
//!   sits at; every operation of each plane (a symbolic operation).
//!
//! Every witness is replayed through the concrete evaluator with programs
//! rebuilt from the environment for the witness request.

use super::rbac::{
    Question, azure_candidates, azure_concrete, direction, gcp_concrete, least_caller,
    permission_classes,
};
use super::{Comparison, DirectionReport, verdict};
use crate::{Provider, Workspace};
use iamx_aws::AwsEnvironment;
use iamx_azure::AzureEnvironment;
use iamx_catalog::Catalog;
use iamx_gcp::GcpEnvironment;
use iamx_model::{
    Case, Context, Effect, Outcome, Pattern, Principal, PrincipalMatch, Reason, Request, Statement,
    evaluate,
};
use iamx_smt::Term;
use iamx_smt::compare::Direction;
use iamx_smt::diff::{AwsResource, AwsSide};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// One principal whose access differs between two environments (or whose
/// comparison is not decided).
#[derive(Clone, Debug, Serialize)]
pub struct PrincipalComparison {
    /// `aws`, `gcp` or `azure`.
    pub cloud: &'static str,
    /// The principal.
    pub principal: String,
    /// What the first environment grants it and the second does not.
    pub a_not_in_b: DirectionReport,
    /// What the second grants it and the first does not.
    pub b_not_in_a: DirectionReport,
}

/// Two environments compared.
#[derive(Clone, Debug, Serialize)]
pub struct EnvComparison {
    /// `equivalent`, `a_more_permissive`, `b_more_permissive`,
    /// `incomparable` or `unknown`, over every principal.
    pub verdict: &'static str,
    /// How many principals were compared.
    pub compared: usize,
    /// The principals whose access differs or is not decided.
    pub differences: Vec<PrincipalComparison>,
}

/// Compares the effective access of principals `p1` and `p2` in `ws`
/// (the cloud is `provider`).
pub fn compare_principals(
    ws: &Workspace,
    provider: Provider,
    p1: &str,
    p2: &str,
    catalog: &Catalog,
    timeout: Duration,
) -> Result<Comparison, String> {
    let (ab, ba) = match provider {
        Provider::Aws => {
            let actions = catalog.lowercase_actions();
            let c = AwsCtx {
                catalog,
                actions: &actions,
                timeout,
            };
            (
                c.direction(&ws.aws, p1, &ws.aws, p2)?,
                c.direction(&ws.aws, p2, &ws.aws, p1)?,
            )
        }
        Provider::Gcp => (
            gcp_direction(&ws.gcp, p1, &ws.gcp, p2, timeout)?,
            gcp_direction(&ws.gcp, p2, &ws.gcp, p1, timeout)?,
        ),
        Provider::Azure => (
            azure_direction(&ws.azure, p1, &ws.azure, p2, timeout)?,
            azure_direction(&ws.azure, p2, &ws.azure, p1, timeout)?,
        ),
    };
    Ok(Comparison {
        verdict: verdict(&ab, &ba),
        a_not_in_b: DirectionReport::plain(ab, false),
        b_not_in_a: DirectionReport::plain(ba, false),
    })
}

/// Compares every principal of two environments, in `providers` (every
/// cloud either environment holds when empty).
pub fn compare_environments(
    a: &Workspace,
    b: &Workspace,
    providers: &[Provider],
    catalog: &Catalog,
    timeout: Duration,
) -> EnvComparison {
    let wanted = |p: Provider| providers.is_empty() || providers.contains(&p);
    let mut jobs: Vec<(Provider, String)> = Vec::new();
    if wanted(Provider::Aws) {
        let mut ps: BTreeSet<String> = BTreeSet::new();
        for env in [&a.aws, &b.aws] {
            ps.extend(env.users.keys().cloned());
            ps.extend(env.roles.keys().cloned());
        }
        if !a.aws.resource_policies.is_empty() || !b.aws.resource_policies.is_empty() {
            ps.insert("*".to_owned());
        }
        jobs.extend(ps.into_iter().map(|p| (Provider::Aws, p)));
    }
    if wanted(Provider::Gcp) {
        let mut ps: BTreeSet<String> = BTreeSet::new();
        for env in [&a.gcp, &b.gcp] {
            ps.extend(gcp_callers(env));
        }
        jobs.extend(ps.into_iter().map(|p| (Provider::Gcp, p)));
    }
    if wanted(Provider::Azure) {
        let mut ps: BTreeSet<String> = BTreeSet::new();
        for env in [&a.azure, &b.azure] {
            ps.extend(env.assignments.iter().map(|x| x.principal_id.clone()));
            for g in env.groups.values() {
                ps.extend(g.members.iter().cloned());
            }
        }
        jobs.extend(ps.into_iter().map(|p| (Provider::Azure, p)));
    }
    let actions = catalog.lowercase_actions();
    let aws = AwsCtx {
        catalog,
        actions: &actions,
        timeout,
    };
    let results: Vec<(Direction, Direction, PrincipalComparison)> = jobs
        .par_iter()
        .map(|(cloud, p)| {
            let (ab, ba) = match cloud {
                Provider::Aws => (
                    aws.direction(&a.aws, p, &b.aws, p),
                    aws.direction(&b.aws, p, &a.aws, p),
                ),
                Provider::Gcp => (
                    gcp_direction(&a.gcp, p, &b.gcp, p, timeout),
                    gcp_direction(&b.gcp, p, &a.gcp, p, timeout),
                ),
                Provider::Azure => (
                    azure_direction(&a.azure, p, &b.azure, p, timeout),
                    azure_direction(&b.azure, p, &a.azure, p, timeout),
                ),
            };
            let ab = ab.unwrap_or_else(|e| Direction::Unknown(Reason::new(e)));
            let ba = ba.unwrap_or_else(|e| Direction::Unknown(Reason::new(e)));
            let row = PrincipalComparison {
                cloud: match cloud {
                    Provider::Aws => "aws",
                    Provider::Gcp => "gcp",
                    Provider::Azure => "azure",
                },
                principal: p.clone(),
                a_not_in_b: DirectionReport::plain(ab.clone(), true),
                b_not_in_a: DirectionReport::plain(ba.clone(), true),
            };
            (ab, ba, row)
        })
        .collect();
    let fold = |ds: Vec<&Direction>| -> Direction {
        if let Some(w) = ds.iter().find(|d| matches!(d, Direction::Witness(_))) {
            return (*w).clone();
        }
        ds.iter()
            .find(|d| matches!(d, Direction::Unknown(_)))
            .map_or(Direction::Contained, |d| (*d).clone())
    };
    let ab = fold(results.iter().map(|r| &r.0).collect());
    let ba = fold(results.iter().map(|r| &r.1).collect());
    EnvComparison {
        verdict: verdict(&ab, &ba),
        compared: results.len(),
        differences: results
            .into_iter()
            .filter(|(ab, ba, _)| !matches!((ab, ba), (Direction::Contained, Direction::Contained)))
            .map(|r| r.2)
            .collect(),
    }
}

// ---- AWS -------------------------------------------------------------

struct AwsCtx<'a> {
    catalog: &'a Catalog,
    /// The catalog's actions, lowercased and sorted.
    actions: &'a [String],
    timeout: Duration,
}

fn is_trust_action(a: &str) -> bool {
    a.starts_with("sts:assumerole")
        || a == "sts:tagsession"
        || a == "sts:setsourceidentity"
        || a == "sts:setcontext"
}

/// Where an AWS question puts the resource.
enum AwsTarget {
    /// A resource the inputs name.
    Named(String),
    /// A symbolic resource: the placeholder the programs are built for,
    /// and the constraints on the variable.
    Open(String, Vec<Term>),
}

fn glob(p: &str) -> Pattern {
    Pattern::glob(p, Case::Sensitive)
}

impl AwsCtx<'_> {
    /// Does `pa` in `a` get anything `pb` in `b` does not?
    fn direction(
        &self,
        a: &AwsEnvironment,
        pa: &str,
        b: &AwsEnvironment,
        pb: &str,
    ) -> Result<Direction, String> {
        let (ra0, _) = a.build_request(pa, "iamx:probe", "*", Context::new())?;
        let (rb0, _) = b.build_request(pb, "iamx:probe", "*", Context::new())?;
        let (qa, qb) = (ra0.principal.clone(), rb0.principal.clone());
        let ia = a.program_for(&ra0);
        let ib = b.program_for(&rb0);
        // the statements that may allow A's caller something
        let mut allows: Vec<&Statement> = ia
            .identity
            .iter()
            .flat_map(|p| p.statements.iter())
            .filter(|s| s.effect == Effect::Allow)
            .collect();
        for rp in &a.resource_policies {
            for st in &rp.policy.statements {
                let who = st
                    .principal
                    .as_ref()
                    .map_or(PrincipalMatch::No, |s| s.matches(&qa));
                if st.effect == Effect::Allow && who >= PrincipalMatch::Direct {
                    allows.push(st);
                }
            }
        }
        if allows.is_empty() {
            return Ok(Direction::Contained);
        }
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        for st in &allows {
            if st.action.negated {
                candidates.extend(
                    self.actions
                        .iter()
                        .filter(|x| st.action.matches_lc(x))
                        .cloned(),
                );
                continue;
            }
            for p in &st.action.patterns {
                let e = self.catalog.expand(p.raw());
                if e.is_empty() {
                    if !p.raw().contains(['*', '?']) {
                        candidates.insert(p.raw().to_ascii_lowercase());
                    }
                } else {
                    candidates.extend(e.iter().map(|x| x.action().to_ascii_lowercase()));
                }
            }
        }
        // actions every statement of both sides treats alike form one class
        let mut stmts: Vec<&Statement> = Vec::new();
        for prog in [&ia, &ib] {
            let pols = prog
                .identity
                .iter()
                .chain(prog.boundaries.iter())
                .chain(prog.session.iter());
            stmts.extend(pols.flat_map(|p| p.statements.iter()));
            for levels in prog.scps.iter().chain(prog.rcps.iter()) {
                for l in levels {
                    stmts.extend(l.policies.iter().flat_map(|p| p.statements.iter()));
                }
            }
        }
        for env in [a, b] {
            stmts.extend(
                env.resource_policies
                    .iter()
                    .flat_map(|rp| rp.policy.statements.iter()),
            );
        }
        let mut classes: BTreeMap<(bool, Vec<bool>), String> = BTreeMap::new();
        for act in candidates {
            let sig: Vec<bool> = stmts.iter().map(|s| s.action.matches_lc(&act)).collect();
            classes.entry((is_trust_action(&act), sig)).or_insert(act);
        }
        // the resources
        let mut named: BTreeSet<String> = BTreeSet::new();
        let mut buckets: BTreeSet<String> = BTreeSet::new();
        for env in [a, b] {
            for rp in &env.resource_policies {
                named.insert(rp.resource.clone());
                if let Some(rest) = rp.resource.strip_prefix("arn:aws:s3:::")
                    && !rest.contains('/')
                {
                    buckets.insert(rp.resource.clone());
                }
            }
        }
        let mut roles: BTreeSet<String> = BTreeSet::new();
        for env in [a, b] {
            roles.extend(env.roles.keys().cloned());
        }
        let res = iamx_smt::compare::resource_var();
        let outside_policies = |within: Option<&str>| -> Vec<Term> {
            let mut c = Vec::new();
            for r in &named {
                if within.is_some_and(|w| !r.starts_with(&format!("{w}/"))) {
                    continue;
                }
                c.push(Term::not(Term::equal(res.clone(), Term::string(r.clone()))));
            }
            for bk in &buckets {
                if within.is_none() {
                    c.push(Term::not(Term::prefix_of(
                        Term::string(format!("{bk}/")),
                        res.clone(),
                    )));
                }
            }
            c
        };
        let account = qa.account.clone();
        let mut questions: Vec<(String, AwsTarget)> = Vec::new();
        for ((trust, _), act) in &classes {
            if *trust {
                for r in &roles {
                    questions.push((act.clone(), AwsTarget::Named(r.clone())));
                }
                continue;
            }
            let svc = act.split(':').next().unwrap_or_default();
            let same_service = |r: &String| r.split(':').nth(2) == Some(svc);
            // the action's own service first: the likeliest witnesses
            for r in named.iter().filter(|r| same_service(r)) {
                questions.push((act.clone(), AwsTarget::Named(r.clone())));
            }
            if let Some(acct) = &account {
                let mut c = outside_policies(None);
                c.push(Term::prefix_of(Term::string("arn:"), res.clone()));
                // a KMS key or a role is never "other": their policies decide
                for p in ["arn:aws:kms:*:key/*", "arn:aws:iam::*:role/*"] {
                    if let Ok(t) = Term::matches_pattern(res.clone(), &glob(p)) {
                        c.push(Term::not(t));
                    }
                }
                let placeholder = format!("arn:aws:{svc}:us-east-1:{acct}:iamx-other");
                // a resource of the action's service first, then any
                let mut own = c.clone();
                own.push(Term::prefix_of(
                    Term::string(format!("arn:aws:{svc}:")),
                    res.clone(),
                ));
                questions.push((act.clone(), AwsTarget::Open(placeholder.clone(), own)));
                questions.push((act.clone(), AwsTarget::Open(placeholder, c)));
            }
            for bk in &buckets {
                let mut c = vec![Term::prefix_of(Term::string(format!("{bk}/")), res.clone())];
                c.extend(outside_policies(Some(bk)));
                questions.push((act.clone(), AwsTarget::Open(format!("{bk}/iamx-object"), c)));
            }
            for r in named.iter().filter(|r| !same_service(r)) {
                questions.push((act.clone(), AwsTarget::Named(r.clone())));
            }
        }
        // a resource's account: as either environment knows it (it is the
        // same resource), else the caller's (the scope: resources of the
        // caller's account that no input places elsewhere)
        let build = |env: &AwsEnvironment, p: &Principal, action: &str, resource: &str| {
            let (mut r, _) = env.request_for(p.clone(), action, resource, Context::new());
            if r.resource_account.is_none() {
                r.resource_account = a
                    .resource_account(resource)
                    .or_else(|| b.resource_account(resource))
                    .or_else(|| p.account.clone());
            }
            let prog = env.program_for(&r);
            (r, prog)
        };
        let replay = |ra: &Request, rb: &Request| -> (Outcome, Outcome) {
            let decide = |env: &AwsEnvironment, r: &Request, p: &Principal| {
                let (mut rebuilt, prog) = build(env, p, &r.action, &r.resource);
                for (k, v) in r.context.iter() {
                    rebuilt.context.insert(k, v.clone());
                }
                evaluate(&prog, &rebuilt).outcome
            };
            (decide(a, ra, &qa), decide(b, rb, &qb))
        };
        let mut unknown: Option<Reason> = None;
        // concrete first over every named question, then the solver
        for pass in [false, true] {
            for (act, target) in &questions {
                let (resource, open) = match target {
                    AwsTarget::Named(r) => (r.as_str(), None),
                    AwsTarget::Open(p, c) => (p.as_str(), Some(c)),
                };
                let (ra, pa_) = build(a, &qa, act, resource);
                let (rb, pb_) = build(b, &qb, act, resource);
                let how = match open {
                    None => AwsResource::Fixed,
                    Some(c) => AwsResource::Open(c.clone()),
                };
                let d = if pass {
                    iamx_smt::diff::aws(
                        AwsSide {
                            program: &pa_,
                            request: &ra,
                        },
                        AwsSide {
                            program: &pb_,
                            request: &rb,
                        },
                        &how,
                        self.timeout,
                        &replay,
                    )
                } else {
                    // concrete only: AWS's always-supplied keys, nothing else
                    let mut ra = ra.clone();
                    let mut rb = rb.clone();
                    for r in [&mut ra, &mut rb] {
                        iamx_smt::diff::with_supplied_keys(r);
                    }
                    let (ya, yb) = (evaluate(&pa_, &ra).outcome, evaluate(&pb_, &rb).outcome);
                    if ya == Outcome::Allowed
                        && matches!(yb, Outcome::NotAllowed | Outcome::ExplicitlyDenied)
                    {
                        Direction::Witness(iamx_smt::compare::Difference {
                            principal: Some(qa.id.clone()),
                            data_action: None,
                            action: ra.action.clone(),
                            resource: ra.resource.clone(),
                            context: Context::new(),
                        })
                    } else {
                        Direction::Contained
                    }
                };
                match d {
                    Direction::Witness(mut w) => {
                        if let Some(x) = self.catalog.get(&w.action) {
                            w.action = x.action().to_owned();
                        }
                        return Ok(Direction::Witness(w));
                    }
                    Direction::Unknown(r) => {
                        unknown.get_or_insert(r);
                    }
                    Direction::Contained => {}
                }
            }
        }
        Ok(unknown.map_or(Direction::Contained, Direction::Unknown))
    }
}

// ---- GCP -------------------------------------------------------------

/// The callers of a GCP environment, by the member they stand for: every
/// member of a binding or a group that is a caller or stands for one
/// (`group:G` is asked as a user in G and nothing else, `domain:D` as a
/// user of D, `allAuthenticatedUsers` as a user of no organisation).
fn gcp_callers(env: &GcpEnvironment) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |m: &str| {
        if least_caller(m).is_some() {
            out.insert(m.to_owned());
        }
    };
    for pols in env.allow.values() {
        for p in pols {
            for bd in &p.bindings {
                bd.members.iter().for_each(|m| add(m));
            }
        }
    }
    for g in env.groups.values() {
        g.members.iter().for_each(|m| add(m));
    }
    out
}

/// The caller a member stands for: its member string and the groups it is
/// asked as a member of.
fn gcp_caller(who: &str) -> Result<(String, Vec<String>), String> {
    let c = least_caller(who).ok_or_else(|| {
        format!("`{who}` is no GCP caller: give `user:EMAIL`, `serviceAccount:EMAIL`, `group:EMAIL` (a member of it), `domain:D`, `allUsers` or `allAuthenticatedUsers`")
    })?;
    let groups = if who.starts_with("group:") || who.starts_with("principalSet:") {
        vec![who.to_owned()]
    } else {
        Vec::new()
    };
    Ok((c.principal, groups))
}

fn gcp_direction(
    a: &GcpEnvironment,
    pa: &str,
    b: &GcpEnvironment,
    pb: &str,
    timeout: Duration,
) -> Result<Direction, String> {
    let (ma, ga) = gcp_caller(pa)?;
    let (mb, gb) = gcp_caller(pb)?;
    let principal = iamx_gcp::principal_of(&ma)?;
    let principal_b = iamx_gcp::principal_of(&mb)?;
    let mut resources: BTreeSet<&String> = BTreeSet::new();
    for env in [a, b] {
        resources.extend(env.allow.keys());
        resources.extend(env.deny.keys());
    }
    let mut questions = Vec::new();
    let mut unknown = None;
    for r in resources {
        let full = iamx_gcp::names::full(r);
        let mk = |p: &Principal| Request {
            principal: p.clone(),
            action: "iamx.probe.permission".to_owned(),
            resource: full.clone(),
            resource_account: None,
            context: Context::new(),
        };
        let prog_a = a.program_for(&mk(&principal), &ga);
        let prog_b = b.program_for(&mk(&principal_b), &gb);
        let (perms, why) = permission_classes(&prog_a, &prog_b);
        if unknown.is_none() {
            unknown = why;
        }
        for p in perms {
            let mut req = mk(&principal);
            req.action = p;
            questions.push(Question {
                a: prog_a.clone(),
                b: prog_b.clone(),
                request: req,
            });
        }
    }
    let mut d = direction(
        &questions,
        gcp_concrete,
        |x, y, r| iamx_smt::diff::gcp(x, y, r, timeout),
        unknown,
    );
    if let Direction::Witness(w) = &mut d {
        w.principal = Some(pa.to_owned());
    }
    Ok(d)
}

// ---- Azure -----------------------------------------------------------

fn azure_direction(
    a: &AzureEnvironment,
    pa: &str,
    b: &AzureEnvironment,
    pb: &str,
    timeout: Duration,
) -> Result<Direction, String> {
    let resolve = |env: &AzureEnvironment, who: &str, other: &AzureEnvironment| {
        env.resolve_principal(who)
            .or_else(|e| other.resolve_principal(who).map_err(|_| e))
            .map(|(id, _, _)| id)
    };
    let ida = resolve(a, pa, b)?;
    let idb = resolve(b, pb, a)?;
    let identities = a.identities(&ida);
    let mut scopes: BTreeSet<String> = BTreeSet::new();
    for x in &a.assignments {
        if identities.contains(&x.principal_id) {
            scopes.insert(x.scope.clone());
        }
    }
    if scopes.is_empty() {
        return Ok(Direction::Contained);
    }
    for env in [a, b] {
        scopes.extend(env.denies.iter().map(|d| d.scope.clone()));
    }
    let principal = |id: &str| Principal {
        id: id.to_owned(),
        kind: iamx_model::PrincipalKind::User,
        account: None,
        role_arn: None,
        name: None,
        unique_id: Some(id.to_owned()),
    };
    let mut questions = Vec::new();
    for s in &scopes {
        for data in [false, true] {
            let mk = |id: &str| Request {
                principal: principal(id),
                action: String::new(),
                resource: s.clone(),
                resource_account: None,
                context: Context::new(),
            };
            let req = mk(&ida);
            let prog_a = a.program_for(&req, data, None);
            let prog_b = b.program_for(&mk(&idb), data, None);
            questions.push(Question {
                a: prog_a,
                b: prog_b,
                request: req,
            });
        }
    }
    let mut d = direction(
        &questions,
        |x, y, r| {
            azure_candidates(x, y)
                .iter()
                .find_map(|op| azure_concrete(x, y, r, op))
        },
        |x, y, r| super::rbac::azure_any(x, y, r, timeout),
        None,
    );
    if let Direction::Witness(w) = &mut d {
        w.principal = Some(pa.to_owned());
    }
    Ok(d)
}
