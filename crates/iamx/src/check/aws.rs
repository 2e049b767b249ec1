//! AWS assertions: `never`, `only`, `always` and `no-public-access`.
//!
//! Who is asked: every user and role the inputs define, a stand-in holder
//! of each standalone identity policy document (`policy:NAME`: the repo's
//! raw policy files, attached to nobody yet), the anonymous caller and the
//! root of an account outside the inputs (`external`). What is asked, per
//! caller: the actions of the assertion that a statement which may apply to
//! the caller could allow (catalog expansion; actions every statement
//! treats alike asked once), on each resource a resource policy covers
//! that the assertion's patterns match, and on one symbolic resource per
//! remaining region of the patterns (the solver picks it). Concrete
//! requests first, then the solver; every witness is replayed.

use super::{Assertion, AssertionKind, Finding, Location, Outcome, Witness, context_of, locations};
use crate::Workspace;
use crate::reason::{AnyContext, from_can, pairs};
use iamx_aws::AwsEnvironment;
use iamx_catalog::Catalog;
use iamx_model::{
    AwsProgram, Case, Context, Effect, Outcome as Decided, Pattern, Policy, Principal,
    PrincipalMatch, Reason, Request, Statement, Value, evaluate as decide,
};
use iamx_smt::Term;
use iamx_smt::compare::Direction;
use iamx_smt::diff::{AwsResource, AwsSide, with_supplied_keys};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// The account the `external` caller belongs to: outside every input.
const EXTERNAL: &str = "arn:aws:iam::000000000000:root";
/// Most failing callers listed per assertion.
const MAX_FINDINGS: usize = 20;

/// A caller an assertion asks about.
#[derive(Clone, Debug)]
enum Caller {
    /// A principal by ARN (loaded or not), `*` for the anonymous caller.
    Arn(String),
    /// The holder of a standalone identity policy.
    Holder(String, Arc<Policy>),
}

impl Caller {
    fn id(&self) -> String {
        match self {
            Caller::Arn(a) if a == "*" => "anonymous".to_owned(),
            Caller::Arn(a) if a == EXTERNAL => format!("external ({EXTERNAL})"),
            Caller::Arn(a) => a.clone(),
            Caller::Holder(n, _) => format!("policy:{n}"),
        }
    }
}

fn glob(p: &str) -> Pattern {
    Pattern::glob(p, Case::Sensitive)
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// The standalone identity policies (no statement names a principal).
fn holders(ws: &Workspace) -> Vec<(String, Arc<Policy>)> {
    ws.policies
        .iter()
        .filter(|p| !p.statements.is_empty() && p.statements.iter().all(|s| s.principal.is_none()))
        .map(|p| {
            let name = p.statements.first().and_then(|s| s.origin.file.clone());
            (
                name.map_or_else(|| p.name.to_string(), |f| f.to_string()),
                p.clone(),
            )
        })
        .collect()
}

/// Every caller the inputs know, plus the anonymous and external callers.
fn everyone(ws: &Workspace) -> Vec<Caller> {
    let mut out: Vec<Caller> = Vec::new();
    out.extend(ws.aws.users.keys().map(|a| Caller::Arn(a.clone())));
    out.extend(ws.aws.roles.keys().map(|a| Caller::Arn(a.clone())));
    out.extend(holders(ws).into_iter().map(|(n, p)| Caller::Holder(n, p)));
    out.push(Caller::Arn("*".to_owned()));
    out.push(Caller::Arn(EXTERNAL.to_owned()));
    out
}

/// Does principal pattern `pat` name caller `c`?
fn names(pat: &str, c: &Caller) -> bool {
    match (pat, c) {
        ("*", _) => true,
        ("anonymous", Caller::Arn(a)) => a == "*",
        ("external", Caller::Arn(a)) => a == EXTERNAL,
        (p, Caller::Holder(n, _)) => p
            .strip_prefix("policy:")
            .is_some_and(|g| glob(g).matches(n)),
        (p, Caller::Arn(a)) => glob(p).matches(a),
    }
}

/// The callers `patterns` name, less `except`.
fn callers(ws: &Workspace, patterns: &[String], except: &[String]) -> Vec<Caller> {
    let mut out = everyone(ws);
    out.retain(|c| patterns.iter().any(|p| names(p, c)));
    // a literal ARN the inputs do not define is asked as written
    for p in patterns {
        let literal = p.starts_with("arn:") && !has_wildcard(p);
        if literal && !out.iter().any(|c| matches!(c, Caller::Arn(a) if a == p)) {
            out.push(Caller::Arn(p.clone()));
        }
    }
    out.retain(|c| !except.iter().any(|p| names(p, c)));
    out
}

/// The account of an ARN, when it names one.
fn arn_account(arn: &str) -> Option<String> {
    let acct = arn.split(':').nth(4)?;
    (!acct.is_empty() && acct.chars().all(|c| c.is_ascii_digit())).then(|| acct.to_owned())
}

struct Ctx<'a> {
    env: &'a AwsEnvironment,
    catalog: &'a Catalog,
    timeout: Duration,
    context: Context,
    /// The account owning resources whose ARN does not say.
    home: String,
}

impl Ctx<'_> {
    fn principal(&self, c: &Caller) -> Result<Principal, String> {
        match c {
            Caller::Arn(a) => self
                .env
                .build_request(a, "iamx:probe", "*", Context::new())
                .map(|(r, _)| r.principal),
            Caller::Holder(..) => iamx_aws::parse_principal(&format!(
                "arn:aws:iam::{}:role/iamx-policy-holder",
                self.home
            )),
        }
    }

    /// The request and program for `c` doing `action` on `resource`.
    fn build(
        &self,
        c: &Caller,
        p: &Principal,
        action: &str,
        resource: &str,
    ) -> (Request, AwsProgram) {
        let (mut r, _) = self
            .env
            .request_for(p.clone(), action, resource, self.context.clone());
        if r.resource_account.is_none() {
            r.resource_account = Some(match c {
                // a resource no input places is the caller's own account's…
                Caller::Arn(a) if a != "*" && a != EXTERNAL => {
                    p.account.clone().unwrap_or_else(|| self.home.clone())
                }
                // …and, for callers from outside, the inputs' account
                _ => self.home.clone(),
            });
        }
        let mut prog = self.env.program_for(&r);
        if let Caller::Holder(_, pol) = c {
            prog.identity = vec![pol.clone()];
            prog.boundaries.clear();
        }
        (r, prog)
    }

    /// Statements that may allow `p` something: its identity policies and
    /// resource policies naming it or its account (an account root is allowed
    /// what its account is granted).
    fn allows<'p>(&'p self, prog: &'p AwsProgram, p: &Principal) -> Vec<&'p Statement> {
        let mut out: Vec<&Statement> = prog
            .identity
            .iter()
            .flat_map(|x| x.statements.iter())
            .filter(|s| s.effect == Effect::Allow)
            .collect();
        for rp in &self.env.resource_policies {
            for st in &rp.policy.statements {
                let who = st
                    .principal
                    .as_ref()
                    .map_or(PrincipalMatch::No, |s| s.matches(p));
                if st.effect == Effect::Allow && who >= PrincipalMatch::Account {
                    out.push(st);
                }
            }
        }
        out
    }

    /// The concrete actions (lowercase) of `wanted` patterns that one of
    /// `allows` may allow.
    fn candidates(&self, allows: &[&Statement], wanted: &[Pattern]) -> BTreeSet<String> {
        let want = |a: &str| wanted.iter().any(|w| w.matches(a));
        let mut out = BTreeSet::new();
        for st in allows {
            if st.action.negated {
                for w in wanted {
                    for x in self.catalog.expand(w.raw()) {
                        let lc = x.action().to_ascii_lowercase();
                        if st.action.matches_lc(&lc) {
                            out.insert(lc);
                        }
                    }
                    if let Some(l) = w.as_literal()
                        && st.action.matches_lc(l)
                    {
                        out.insert(l.to_owned());
                    }
                }
                continue;
            }
            for p in &st.action.patterns {
                let e = self.catalog.expand(p.raw());
                if e.is_empty() && !has_wildcard(p.raw()) {
                    let lc = p.raw().to_ascii_lowercase();
                    if want(&lc) {
                        out.insert(lc);
                    }
                } else {
                    out.extend(
                        e.iter()
                            .map(|x| x.action().to_ascii_lowercase())
                            .filter(|x| want(x)),
                    );
                }
            }
            // a literal the assertion names that a statement's wildcard matches
            for w in wanted {
                if let Some(l) = w.as_literal()
                    && st.action.matches_lc(l)
                {
                    out.insert(l.to_owned());
                }
            }
        }
        out
    }
}

/// The literal text of a pattern before its first wildcard or variable.
fn literal_prefix(p: &str) -> &str {
    let end = [p.find(['*', '?']), p.find("${")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(p.len());
    p.get(..end).unwrap_or(p)
}

/// May two resource patterns match a common resource? (A cheap
/// over-approximation: their literal prefixes agree.)
fn may_overlap(a: &str, b: &str) -> bool {
    let (x, y) = (literal_prefix(a), literal_prefix(b));
    x.starts_with(y) || y.starts_with(x)
}

/// May `st` apply to a resource matching one of `resources`?
fn may_apply(st: &Statement, resources: &[String]) -> bool {
    match &st.resource {
        None => true,
        Some(spec) if spec.negated => true,
        Some(spec) => spec
            .patterns
            .iter()
            .any(|p| resources.iter().any(|r| may_overlap(p.raw(), r))),
    }
}

/// Where a question puts the resource.
enum Target {
    Named(String),
    Open(String, Vec<Term>),
    /// The pattern cannot be encoded: every question over it is undecided.
    Unknown(String),
}

/// The resource questions for pattern `r`: the resources a resource policy
/// covers that it matches, and symbolic resources for the rest.
fn targets(env: &AwsEnvironment, r: &str, home: &str, service: &str) -> Vec<Target> {
    if !has_wildcard(r) {
        return vec![Target::Named(r.to_owned())];
    }
    let pat = glob(r);
    let res = iamx_smt::compare::resource_var();
    let in_pattern = match Term::matches_pattern(res.clone(), &pat) {
        Ok(t) => t,
        // one instance of the pattern would stand for all of them: unsound
        Err(e) => return vec![Target::Unknown(e.to_string())],
    };
    let mut out = Vec::new();
    let named: BTreeSet<String> = env
        .resource_policies
        .iter()
        .map(|rp| rp.resource.clone())
        .collect();
    // only the buckets whose objects the pattern may name
    let buckets: Vec<&String> = named
        .iter()
        .filter(|n| {
            n.strip_prefix("arn:aws:s3:::")
                .is_some_and(|b| !b.contains('/'))
                && may_overlap(&format!("{n}/"), r)
        })
        .collect();
    for n in &named {
        if pat.matches(n) {
            out.push(Target::Named(n.clone()));
        }
    }
    let not_named = |within: Option<&str>| -> Vec<Term> {
        named
            .iter()
            .filter(|n| pat.matches(n))
            .filter(|n| within.is_none_or(|w| n.starts_with(&format!("{w}/"))))
            .map(|n| Term::not(Term::equal(res.clone(), Term::string(n.clone()))))
            .collect()
    };
    // objects of a bucket with a policy: its policy decides
    for b in &buckets {
        let mut c = vec![
            in_pattern.clone(),
            Term::prefix_of(Term::string(format!("{b}/")), res.clone()),
        ];
        c.extend(not_named(Some(b)));
        out.push(Target::Open(format!("{b}/iamx-object"), c));
    }
    // the rest: no resource policy covers it
    let mut c = vec![in_pattern];
    c.extend(not_named(None));
    for b in &buckets {
        c.push(Term::not(Term::prefix_of(
            Term::string(format!("{b}/")),
            res.clone(),
        )));
    }
    for p in ["arn:aws:kms:*:key/*", "arn:aws:iam::*:role/*"] {
        if let Ok(t) = Term::matches_pattern(res.clone(), &glob(p)) {
            c.push(Term::not(t));
        }
    }
    let instance = r.replace('*', "iamx-any").replace('?', "x");
    let covered = env
        .resource_policies
        .iter()
        .any(|rp| instance == rp.resource || instance.starts_with(&format!("{}/", rp.resource)));
    let placeholder = if !covered {
        instance
    } else {
        format!("arn:aws:{service}:us-east-1:{home}:iamx-other")
    };
    out.push(Target::Open(placeholder, c));
    out
}

fn empty_program() -> AwsProgram {
    AwsProgram::identity_only(vec![])
}

/// Can `c` do one of `actions` on a resource matching one of `resources`
/// in some context? The first witness, else the first unknown reason.
fn can_any(
    cx: &Ctx<'_>,
    c: &Caller,
    actions: &[Pattern],
    resources: &[String],
) -> Result<Direction, String> {
    let p = cx.principal(c)?;
    let (probe, prog0) = cx.build(c, &p, "iamx:probe", "*");
    // statements that may allow the caller something on these resources
    let allows: Vec<&Statement> = cx
        .allows(&prog0, &p)
        .into_iter()
        .filter(|st| may_apply(st, resources))
        .collect();
    if allows.is_empty() {
        return Ok(Direction::Contained);
    }
    let candidates = cx.candidates(&allows, actions);
    if candidates.is_empty() {
        return Ok(Direction::Contained);
    }
    // actions every statement treats alike are asked once
    let mut stmts: Vec<&Statement> = Vec::new();
    let pols = prog0
        .identity
        .iter()
        .chain(prog0.boundaries.iter())
        .chain(prog0.session.iter());
    stmts.extend(pols.flat_map(|x| x.statements.iter()));
    for levels in prog0.scps.iter().chain(prog0.rcps.iter()) {
        for l in levels {
            stmts.extend(l.policies.iter().flat_map(|x| x.statements.iter()));
        }
    }
    stmts.extend(
        cx.env
            .resource_policies
            .iter()
            .flat_map(|rp| rp.policy.statements.iter()),
    );
    let mut classes: BTreeMap<Vec<bool>, String> = BTreeMap::new();
    for act in candidates {
        let sig: Vec<bool> = stmts.iter().map(|s| s.action.matches_lc(&act)).collect();
        classes.entry(sig).or_insert(act);
    }
    drop(probe);
    let replay = |ra: &Request, _rb: &Request| -> (Decided, Decided) {
        let (mut r, prog) = cx.build(c, &p, &ra.action, &ra.resource);
        for (k, v) in ra.context.iter() {
            r.context.insert(k, v.clone());
        }
        (decide(&prog, &r).outcome, Decided::NotAllowed)
    };
    let empty = empty_program();
    let mut unknown: Option<Reason> = None;
    for pass in [false, true] {
        for act in classes.values() {
            let service = act.split(':').next().unwrap_or_default();
            for r in resources {
                for t in targets(cx.env, r, &cx.home, service) {
                    let (resource, how) = match &t {
                        Target::Named(n) => (n.as_str(), AwsResource::Fixed),
                        Target::Open(ph, cs) => (ph.as_str(), AwsResource::Open(cs.clone())),
                        Target::Unknown(why) => {
                            unknown.get_or_insert_with(|| Reason::new(why.as_str()));
                            continue;
                        }
                    };
                    let (ra, pa) = cx.build(c, &p, act, resource);
                    let d = if pass {
                        iamx_smt::diff::aws(
                            AwsSide {
                                program: &pa,
                                request: &ra,
                            },
                            AwsSide {
                                program: &empty,
                                request: &ra,
                            },
                            &how,
                            cx.timeout,
                            &replay,
                        )
                    } else {
                        // a symbolic resource's placeholder is a concrete
                        // candidate when the pattern matches it
                        if matches!(how, AwsResource::Open(_)) && !glob(r).matches(resource) {
                            continue;
                        }
                        let mut rc = ra.clone();
                        with_supplied_keys(&mut rc);
                        if decide(&pa, &rc).outcome == Decided::Allowed {
                            Direction::Witness(iamx_smt::compare::Difference {
                                principal: Some(p.id.clone()),
                                data_action: None,
                                action: rc.action.clone(),
                                resource: rc.resource.clone(),
                                context: Context::new(),
                            })
                        } else {
                            Direction::Contained
                        }
                    };
                    match d {
                        Direction::Witness(w) => return Ok(Direction::Witness(w)),
                        Direction::Unknown(r) => {
                            unknown.get_or_insert(r);
                        }
                        Direction::Contained => {}
                    }
                }
            }
        }
    }
    Ok(unknown.map_or(Direction::Contained, Direction::Unknown))
}

/// The finding of a witness: the request, decided again for its granting
/// statements. The witness carries the whole request decided (the keys AWS
/// always supplies included); the message names the keys the solver chose.
fn witness_finding(cx: &Ctx<'_>, c: &Caller, w: &iamx_smt::compare::Difference) -> Finding {
    let action = cx
        .catalog
        .get(&w.action)
        .map_or(w.action.clone(), |a| a.action().to_owned());
    let derived = |k: &str| {
        cx.context.get(k).is_some()
            || k.starts_with("aws:PrincipalTag/")
            || k == "aws:PrincipalOrgID"
            || k == "aws:ResourceOrgID"
    };
    let mut locs: Vec<Location> = Vec::new();
    let mut principal = c.id();
    let mut resource_account = None;
    let mut context: Vec<(String, String)> = Vec::new();
    if let Ok(p) = cx.principal(c) {
        let (mut r, prog) = cx.build(c, &p, &w.action, &w.resource);
        for (k, v) in w.context.iter() {
            r.context.insert(k, v.clone());
        }
        with_supplied_keys(&mut r);
        locs = locations(&decide(&prog, &r), Effect::Allow);
        principal = p.id.clone();
        resource_account = r.resource_account.clone();
        context = pairs(&r.context)
            .into_iter()
            .filter(|(k, _)| !derived(k))
            .collect();
    }
    let chosen: Vec<String> = pairs(&w.context)
        .into_iter()
        .filter(|(k, _)| !derived(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let when = if chosen.is_empty() {
        String::new()
    } else {
        format!(" when {}", chosen.join(", "))
    };
    Finding {
        message: format!("{} can do {action} on {}{when}", c.id(), w.resource),
        witness: Some(Witness {
            principal,
            action,
            resource: w.resource.clone(),
            resource_account,
            context,
        }),
        locations: locs,
        unknown: false,
    }
}

fn home_account(ws: &Workspace, a: &Assertion) -> String {
    a.account
        .clone()
        .or_else(|| {
            ws.aws
                .roles
                .keys()
                .chain(ws.aws.users.keys())
                .find_map(|x| arn_account(x))
        })
        .unwrap_or_else(|| "111111111111".to_owned())
}

/// Evaluates an AWS `never`, `only`, `always` or `no-public-access` assertion.
pub(crate) fn evaluate(
    ws: &Workspace,
    a: &Assertion,
    catalog: &Catalog,
    timeout: Duration,
) -> Outcome {
    let cx = Ctx {
        env: &ws.aws,
        catalog,
        timeout,
        context: context_of(a),
        home: home_account(ws, a),
    };
    let mut out = Outcome::new();
    match &a.kind {
        AssertionKind::Never {
            principals,
            except,
            actions,
            resources,
        } => {
            let who = callers(ws, principals, except);
            never(&cx, &who, actions, resources, &mut out);
            // what the named callers reach by assuming roles counts as theirs
            let chains = assumable(&cx, &who, except);
            never_through(&cx, &chains, actions, resources, &mut out);
        }
        AssertionKind::Only {
            principals,
            actions,
            resources,
        } => {
            let who = callers(ws, &["*".to_owned()], principals);
            never(&cx, &who, actions, resources, &mut out);
        }
        AssertionKind::Always {
            principals,
            actions,
            resources,
            conditional,
        } => always(
            &cx,
            ws,
            principals,
            actions,
            resources,
            *conditional,
            &mut out,
        ),
        AssertionKind::NoPublicAccess { resources } => public(&cx, resources, &mut out),
        _ => out
            .notes
            .push(format!("`{}` is not an AWS question here", a.kind.name())),
    }
    out
}

fn never(
    cx: &Ctx<'_>,
    who: &[Caller],
    actions: &[String],
    resources: &[String],
    out: &mut Outcome,
) {
    use rayon::prelude::*;
    let pats: Vec<Pattern> = actions
        .iter()
        .map(|x| Pattern::glob(&x.to_ascii_lowercase(), Case::Sensitive))
        .collect();
    let answers: Vec<(Caller, Result<Direction, String>)> = who
        .par_iter()
        .map(|c| (c.clone(), can_any(cx, c, &pats, resources)))
        .collect();
    for (c, d) in answers {
        if out.findings.len() >= MAX_FINDINGS {
            out.notes.push(format!(
                "more than {MAX_FINDINGS} callers fail; the first {MAX_FINDINGS} are listed"
            ));
            break;
        }
        match d {
            Ok(Direction::Contained) => {}
            Ok(Direction::Witness(w)) => out.findings.push(witness_finding(cx, &c, &w)),
            Ok(Direction::Unknown(r)) => out
                .findings
                .push(Finding::undecided(format!("{}: not decided: {r}", c.id()))),
            Err(e) => out
                .findings
                .push(Finding::undecided(format!("{}: {e}", c.id()))),
        }
    }
    out.notes.push(format!("{} callers asked", who.len()));
}

/// The roles the callers `who` can reach by assuming roles (one step or
/// more, `sts:AssumeRole` allowed by the caller's policies and the role's
/// trust, decided with an open context), other than the callers themselves
/// and the roles `except` names: each with the chain that reaches it first
/// (caller, role, …, role) and whether a step holds only under a condition.
fn assumable(
    cx: &Ctx<'_>,
    who: &[Caller],
    except: &[String],
) -> BTreeMap<String, (Vec<String>, bool)> {
    let mut next: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for (from, role, conditional) in iamx_analysis::aws::assume_edges(cx.env) {
        next.entry(from)
            .or_default()
            .push((role, conditional.is_some()));
    }
    let named: BTreeSet<String> = who
        .iter()
        .filter_map(|c| match c {
            Caller::Arn(a) => Some(a.clone()),
            Caller::Holder(..) => None,
        })
        .collect();
    let mut out: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
    let mut queue: std::collections::VecDeque<(String, Vec<String>, bool)> = named
        .iter()
        .map(|a| (a.clone(), vec![a.clone()], false))
        .collect();
    while let Some((at, chain, conditional)) = queue.pop_front() {
        for (role, c) in next.get(&at).into_iter().flatten() {
            let excepted = except.iter().any(|p| names(p, &Caller::Arn(role.clone())));
            if named.contains(role) || excepted || out.contains_key(role) {
                continue;
            }
            let mut chain = chain.clone();
            chain.push(role.clone());
            out.insert(role.clone(), (chain.clone(), conditional || *c));
            queue.push_back((role.clone(), chain, conditional || *c));
        }
    }
    out
}

/// `never` for the roles the named callers reach (see [`assumable`]): a
/// role that can do the action is a finding of the caller at the head of
/// its chain.
fn never_through(
    cx: &Ctx<'_>,
    chains: &BTreeMap<String, (Vec<String>, bool)>,
    actions: &[String],
    resources: &[String],
    out: &mut Outcome,
) {
    if chains.is_empty() {
        return;
    }
    let roles: Vec<Caller> = chains.keys().map(|r| Caller::Arn(r.clone())).collect();
    let mut through = Outcome::new();
    never(cx, &roles, actions, resources, &mut through);
    for f in through.findings {
        let role = roles.iter().map(Caller::id).find(|r| {
            f.message
                .strip_prefix(r.as_str())
                .is_some_and(|rest| rest.starts_with([' ', ':']))
        });
        let Some((chain, conditional)) = role.as_ref().and_then(|r| chains.get(r)) else {
            out.findings.push(f);
            continue;
        };
        let head = chain.first().cloned().unwrap_or_default();
        let via = chain.get(1..).unwrap_or_default().join(" → ");
        let when = if *conditional {
            " (an assumption on the way holds only under a condition)"
        } else {
            ""
        };
        out.findings.push(Finding {
            message: format!("{head}, by assuming {via}{when}: {}", f.message),
            ..f
        });
    }
    out.notes.push(format!(
        "{} role(s) the named callers can assume asked too",
        chains.len()
    ));
}

fn expand_actions(catalog: &Catalog, actions: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in actions {
        let e = catalog.expand(a);
        if has_wildcard(a) && !e.is_empty() {
            out.extend(e.iter().map(|x| x.action().to_owned()));
        } else {
            out.push(a.clone());
        }
    }
    out
}

fn always(
    cx: &Ctx<'_>,
    ws: &Workspace,
    principals: &[String],
    actions: &[String],
    resources: &[String],
    conditional: bool,
    out: &mut Outcome,
) {
    let who = callers(ws, principals, &[]);
    if who.is_empty() {
        out.findings.push(Finding {
            message: format!(
                "no principal of the inputs matches {}",
                principals.join(", ")
            ),
            witness: None,
            locations: vec![],
            unknown: false,
        });
        return;
    }
    let actions = expand_actions(cx.catalog, actions);
    for c in &who {
        let p = match cx.principal(c) {
            Ok(p) => p,
            Err(e) => {
                out.findings
                    .push(Finding::undecided(format!("{}: {e}", c.id())));
                continue;
            }
        };
        for act in &actions {
            for r in resources {
                let resource = r.replace('*', "iamx-any").replace('?', "x");
                let (req, prog) = cx.build(c, &p, act, &resource);
                let answer = from_can(iamx_smt::aws::can(&prog, &req, cx.timeout));
                let refused_in = |ctx: &[(String, String)]| {
                    let mut rr = req.clone();
                    with_supplied_keys(&mut rr);
                    for (k, v) in ctx {
                        rr.context.insert(k, Value::str(v.clone()));
                    }
                    locations(&decide(&prog, &rr), Effect::Deny)
                };
                let witness = |ctx: Vec<(String, String)>| Witness {
                    resource_account: req.resource_account.clone(),
                    principal: c.id(),
                    action: act.clone(),
                    resource: resource.clone(),
                    context: ctx,
                };
                match answer {
                    AnyContext::Always => {}
                    AnyContext::Sometimes { .. } if conditional => {}
                    AnyContext::Sometimes {
                        counterexample,
                        depends_on,
                        ..
                    } => out.findings.push(Finding {
                        message: format!(
                            "{} can do {act} on {resource} only in some contexts (it depends on {})",
                            c.id(),
                            depends_on.join(", ")
                        ),
                        locations: refused_in(&counterexample),
                        witness: Some(witness(counterexample)),
                        unknown: false,
                    }),
                    AnyContext::Never => out.findings.push(Finding {
                        message: format!("{} cannot do {act} on {resource} in any context", c.id()),
                        locations: refused_in(&[]),
                        witness: Some(witness(vec![])),
                        unknown: false,
                    }),
                    AnyContext::Unknown { reason } => out.findings.push(Finding::undecided(format!("{}: {act} on {resource}: not decided: {reason}", c.id()))),
                }
            }
        }
    }
}

fn public(cx: &Ctx<'_>, resources: &[String], out: &mut Outcome) {
    let wanted = |r: &str| resources.is_empty() || resources.iter().any(|p| glob(p).matches(r));
    let mut asked = 0;
    for rp in cx
        .env
        .resource_policies
        .iter()
        .filter(|rp| wanted(&rp.resource))
    {
        asked += 1;
        let account = rp.account.clone().unwrap_or_else(|| cx.home.clone());
        // the resource and, for its statements' patterns under it (a
        // bucket's objects), one instance of each
        let mut asked_at: BTreeSet<String> = BTreeSet::new();
        asked_at.insert(rp.resource.clone());
        for st in rp
            .policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            for p in st.resource.iter().flat_map(|r| r.patterns.iter()) {
                let raw = p.raw();
                if raw != rp.resource && raw.starts_with(&rp.resource) {
                    asked_at.insert(raw.replace('*', "iamx-any").replace('?', "x"));
                }
            }
        }
        let rows: Vec<(String, String, String, AnyContext)> = asked_at
            .iter()
            .flat_map(|at| {
                crate::reason::check_no_public_access_aws(
                    &rp.policy, at, &account, cx.catalog, cx.timeout,
                )
                .into_iter()
                .map(move |(p, a, ans)| (p, a, at.clone(), ans))
            })
            .collect();
        for (principal, action, at, answer) in rows {
            let caller = if principal == "*" {
                Principal::anonymous()
            } else {
                match iamx_aws::parse_principal(&principal) {
                    Ok(p) => p,
                    Err(_) => Principal::anonymous(),
                }
            };
            let lc = action.to_ascii_lowercase();
            let locs: Vec<Location> = rp
                .policy
                .statements
                .iter()
                .filter(|s| {
                    s.effect == Effect::Allow
                        && s.action.matches_lc(&lc)
                        && s.principal
                            .as_ref()
                            .is_some_and(|x| x.matches(&caller) >= PrincipalMatch::Account)
                })
                .map(|s| super::location_of(&s.origin))
                .collect();
            let who = if principal == "*" {
                "anonymous".to_owned()
            } else {
                format!("external ({principal})")
            };
            let (message, context, unknown) = match &answer {
                AnyContext::Always => (format!("{who} can do {action} on {at}"), vec![], false),
                AnyContext::Sometimes { witness, .. } => (
                    format!(
                        "{who} can do {action} on {} when {}",
                        at,
                        witness
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    witness.clone(),
                    false,
                ),
                AnyContext::Unknown { reason } => (
                    format!("{who}: {action} on {at}: not decided: {reason}"),
                    vec![],
                    true,
                ),
                AnyContext::Never => continue,
            };
            out.findings.push(Finding {
                message,
                witness: (!unknown).then(|| Witness {
                    resource_account: None,
                    principal: who.clone(),
                    action: action.clone(),
                    resource: at.clone(),
                    context,
                }),
                locations: locs,
                unknown,
            });
            if out.findings.len() >= MAX_FINDINGS {
                return;
            }
        }
    }
    out.notes.push(format!("{asked} resource policies asked"));
}
