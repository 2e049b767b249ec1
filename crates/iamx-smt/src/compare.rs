//! Policy comparison: is there a request policy A allows and policy B does
//! not?
//!
//! DESIGN §7: decompose and simplify before calling the solver. The action
//! space is split into classes that every statement of both policies treats
//! alike: the catalog's actions, grouped by which statements' `Action`/
//! `NotAction` match them, plus representatives of actions the catalog does
//! not list (one per prefix pattern, so every class that some string could
//! fall into has a member). Per class the action is a constant, the action
//! tests fold away, and what is left (resources, conditions) is small; many
//! classes fold to a constant and never reach z3. Every witness is replayed
//! through the concrete evaluator before it is reported.

use crate::aws::{Encoder, RESOURCE, context_of};
use crate::term::{Sort, Term};
use crate::z3backend::{SolverResult, check};
use iamx_model::{
    ActionSpec, AwsProgram, Case, Context, Effect, Outcome, Pattern, Policy, Principal, Reason,
    Request, ResourceSpec, Seg, Statement, evaluate,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// A request that one policy allows and the other does not.
#[derive(Clone, Debug)]
pub struct Difference {
    /// The caller, when the question varies it (two principals, two
    /// environments, GCP members); `None` when it is the one the question
    /// fixed.
    pub principal: Option<String>,
    /// Azure: whether the operation is a data action.
    pub data_action: Option<bool>,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The context.
    pub context: Context,
}

/// The answer for one direction.
#[derive(Clone, Debug)]
pub enum Direction {
    /// The first policy allows nothing the second does not.
    Contained,
    /// A request the first allows and the second does not (replayed).
    Witness(Difference),
    /// Not decided.
    Unknown(Reason),
}

/// A policy prepared for many comparisons: the catalog actions each of its
/// statements matches.
pub struct Prepared {
    policy: Arc<Policy>,
    /// For each catalog action index, the statements whose action element matches it.
    by_action: Vec<Vec<u32>>,
}

impl Prepared {
    /// Prepares `policy` against `actions` (lowercased catalog action names).
    pub fn new(policy: Arc<Policy>, actions: &[String]) -> Prepared {
        let mut by_action = vec![Vec::new(); actions.len()];
        for (si, st) in policy.statements.iter().enumerate() {
            let Ok(si) = u32::try_from(si) else { break };
            for (ai, a) in actions.iter().enumerate() {
                if st.action.matches_lc(a)
                    && let Some(v) = by_action.get_mut(ai)
                {
                    v.push(si);
                }
            }
        }
        Prepared { policy, by_action }
    }
}

fn program(p: &Arc<Policy>) -> AwsProgram {
    AwsProgram::identity_only(vec![p.clone()])
}

/// The indices of the catalog actions some Allow statement of `p` may match:
/// each pattern's literal prefix narrows the sorted catalog to a range.
fn allowed_candidates(p: &Policy, actions: &[String]) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for st in p
        .statements
        .iter()
        .filter(|s| s.effect == iamx_model::Effect::Allow)
    {
        if st.action.negated {
            out.extend(0..actions.len());
            continue;
        }
        for pat in &st.action.patterns {
            let prefix = match pat.segs().first() {
                Some(Seg::Lit(l)) => l.as_str(),
                _ => "",
            };
            let lo = actions.partition_point(|a| a.as_str() < prefix);
            for (i, a) in actions.iter().enumerate().skip(lo) {
                if !a.starts_with(prefix) {
                    break;
                }
                if pat.matches(a) {
                    out.insert(i);
                }
            }
        }
    }
    out
}

/// The statements of `p` whose action element matches `action` (lowercase).
fn matching(p: &Policy, action: &str) -> Vec<u32> {
    p.statements
        .iter()
        .enumerate()
        .filter(|(_, st)| st.action.matches_lc(action))
        .filter_map(|(i, _)| u32::try_from(i).ok())
        .collect()
}

/// Action strings the catalog does not list, one for each class of such
/// strings the policies' action patterns can tell apart, and whether that set
/// is complete (it is when every pattern is a literal, `prefix*` or `*`).
fn unlisted_representatives(
    a: &Policy,
    b: &Policy,
    listed: &BTreeSet<&str>,
) -> (Vec<String>, bool) {
    let mut reps = BTreeSet::new();
    let mut complete = true;
    reps.insert("#unlisted".to_owned());
    for st in a.statements.iter().chain(b.statements.iter()) {
        for p in &st.action.patterns {
            match p.segs() {
                [Seg::Lit(l)] => {
                    reps.insert(l.clone());
                }
                [Seg::Lit(l), Seg::Star] => {
                    reps.insert(format!("{l}#unlisted"));
                }
                [Seg::Star] | [] => {}
                _ => complete = false,
            }
        }
    }
    (
        reps.into_iter()
            .filter(|r| !listed.contains(r.as_str()))
            .collect(),
        complete,
    )
}

/// Whether `a` allows some request `b` does not, for `principal` in its own
/// account. `actions` are the catalog's actions, lowercased and sorted;
/// `b` may be prepared once for many comparisons.
pub fn more_permissive(
    a: &Arc<Policy>,
    b: &Prepared,
    actions: &[String],
    principal: &Principal,
    timeout: Duration,
) -> Direction {
    // the comparison reads both sides as identity policies; a statement with
    // `Principal`/`NotPrincipal` (a resource-based or trust policy) limits
    // who it applies to, which this encoding does not express
    for (side, p) in [("first", a), ("second", &b.policy)] {
        if let Some((i, st)) = p
            .statements
            .iter()
            .enumerate()
            .find(|(_, st)| st.principal.is_some())
        {
            let element = match &st.principal {
                Some(spec) if spec.negated => "NotPrincipal",
                _ => "Principal",
            };
            return Direction::Unknown(Reason::new(format!(
                "statement {i} of the {side} policy (`{}`) has `{element}`: the comparison reads identity policies and does not encode principals, so a resource-based or trust policy cannot be compared",
                p.name
            )));
        }
    }
    let (rest, witness) = discharge(a, &b.policy, principal, timeout);
    if let Some(w) = witness {
        return Direction::Witness(w);
    }
    match rest {
        None => full_question(a, b, actions, principal, timeout),
        Some(rest) if !rest.statements.iter().any(|s| s.effect == Effect::Allow) => {
            Direction::Contained
        }
        Some(rest) => full_question(&rest, b, actions, principal, timeout),
    }
}

/// One piece of a discharge: an action, a resource pattern of an Allow
/// statement of A, and the statements of B that decide it.
type PieceKey = (usize, String, Vec<usize>);

/// DESIGN §7, simplify before the solver: z3's string theory can time out
/// proving one wildcard ARN inside another (`arn:aws:lambda:*:1…:function:*`
/// ⊆ `arn:aws:lambda:*:*:function:*`), though glob inclusion decides it at
/// once. So each Allow statement of `a` with literal actions and at least
/// one wildcard resource is split into pieces (action, resource pattern R).
/// A piece is decided without resource strings when every statement of `b`
/// that names the action either covers all of R (an Allow, or a Deny, whose
/// `Resource` includes R or whose `NotResource` is disjoint from it) or, for
/// a Deny, misses all of R; Allows that cover part of R are left out, which
/// can only make `b` smaller. The piece's question is then asked with one
/// stand-in resource for R in every statement: the conditions alone. When
/// every piece of a statement is contained, the statement is discharged.
///
/// Returns `a` without its discharged statements (`None`: none were), or a
/// witness a piece found that also holds for the whole policies (replayed);
/// a witness that does not replay leaves the piece to the full question.
fn discharge(
    a: &Arc<Policy>,
    b: &Policy,
    principal: &Principal,
    timeout: Duration,
) -> (Option<Arc<Policy>>, Option<Difference>) {
    let account = principal.account.as_deref();
    let mut cache: BTreeMap<PieceKey, bool> = BTreeMap::new();
    let mut dropped = BTreeSet::new();
    let (prog_a, prog_b) = (program(a), program(&Arc::new(b.clone())));
    for (si, st) in a.statements.iter().enumerate() {
        let Some(res) = st.resource.as_ref() else {
            continue;
        };
        let literal_actions: Option<Vec<String>> = st
            .action
            .patterns
            .iter()
            .map(|p| p.as_literal().map(str::to_ascii_lowercase))
            .collect();
        let Some(acts) = literal_actions else {
            continue;
        };
        if st.effect != Effect::Allow
            || st.principal.is_some()
            || st.action.negated
            || res.negated
            || res.patterns.iter().all(|p| p.as_literal().is_some())
            || res.patterns.iter().any(Pattern::has_vars)
        {
            continue;
        }
        let mut all = true;
        'pieces: for act in &acts {
            for r in &res.patterns {
                let Some(deciders) = deciders(b, act, r) else {
                    all = false;
                    break 'pieces;
                };
                let key = (si, r.raw().to_owned(), deciders.clone());
                let ok = match cache.get(&key) {
                    Some(ok) => *ok,
                    None => {
                        let ok = match piece_question(st, b, &deciders, act, r, principal, timeout)
                        {
                            Direction::Contained => true,
                            Direction::Witness(w) => {
                                if let Some(d) = replay(
                                    &prog_a,
                                    &prog_b,
                                    principal,
                                    account,
                                    &w.action,
                                    &w.resource,
                                    w.context.clone(),
                                ) {
                                    return (None, Some(d));
                                }
                                false
                            }
                            Direction::Unknown(_) => false,
                        };
                        cache.insert(key, ok);
                        ok
                    }
                };
                if !ok {
                    all = false;
                    break 'pieces;
                }
            }
        }
        if all {
            dropped.insert(si);
        }
    }
    if dropped.is_empty() {
        return (None, None);
    }
    let kept: Vec<Statement> = a
        .statements
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, s)| s.clone())
        .collect();
    (Some(Arc::new(Policy::new(a.name.clone(), kept))), None)
}

/// The statements of `b` that decide `action` on every resource `r`
/// matches, by index (Allows that cover all of R, Denies that cover all of
/// it); `None` when a statement naming the action decides part of R only
/// (a Deny that may apply to some of it), or B holds resource policies.
fn deciders(b: &Policy, action: &str, r: &Pattern) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for (ti, t) in b.statements.iter().enumerate() {
        if !t.action.matches_lc(action) {
            continue;
        }
        if t.principal.is_some() {
            return None;
        }
        let (covers, misses) = match &t.resource {
            None => (false, false),
            Some(tr) if tr.negated => (
                tr.patterns.iter().all(|q| q.disjoint_from(r)),
                tr.patterns.iter().any(|q| q.includes(r)),
            ),
            Some(tr) => (
                tr.patterns.iter().any(|q| q.includes(r)),
                tr.patterns.iter().all(|q| q.disjoint_from(r)),
            ),
        };
        match t.effect {
            _ if covers => out.push(ti),
            Effect::Allow => {}
            Effect::Deny if misses => {}
            Effect::Deny => return None,
        }
    }
    Some(out)
}

/// The question of one piece: `st` and the deciding statements of `b`, each
/// narrowed to `action` on one stand-in resource of `r`.
fn piece_question(
    st: &Statement,
    b: &Policy,
    deciders: &[usize],
    action: &str,
    r: &Pattern,
    principal: &Principal,
    timeout: Duration,
) -> Direction {
    let Some(stand_in) = instance(r) else {
        return Direction::Unknown(Reason::new("no stand-in resource"));
    };
    let narrow = |s: &Statement| Statement {
        action: ActionSpec {
            negated: false,
            patterns: vec![Pattern::literal(action, Case::Insensitive)],
        },
        resource: Some(ResourceSpec {
            negated: false,
            patterns: vec![Pattern::literal(&stand_in, Case::Sensitive)],
        }),
        ..s.clone()
    };
    let pa = Arc::new(Policy::new(Arc::from("piece"), vec![narrow(st)]));
    let pb = Arc::new(Policy::new(
        b.name.clone(),
        deciders
            .iter()
            .filter_map(|&i| b.statements.get(i))
            .map(narrow)
            .collect(),
    ));
    let actions = [action.to_owned()];
    full_question(
        &pa,
        &Prepared::new(pb, &actions),
        &actions,
        principal,
        timeout,
    )
}

/// [`more_permissive`] without the discharge of statements by glob
/// inclusion: every statement goes to the full question (the reference the
/// discharge is tested against).
pub fn full_question(
    a: &Arc<Policy>,
    b: &Prepared,
    actions: &[String],
    principal: &Principal,
    timeout: Duration,
) -> Direction {
    let account = principal.account.clone();
    let prog_a = program(a);
    let prog_b = program(&b.policy);
    // classes of catalog actions A might allow, by (A statements, B statements)
    let mut classes: BTreeMap<(Vec<u32>, Vec<u32>), usize> = BTreeMap::new();
    for ai in allowed_candidates(a, actions) {
        let Some(act) = actions.get(ai) else { continue };
        let sa = matching(a, act);
        if !sa.iter().any(|&i| {
            a.statements
                .get(i as usize)
                .is_some_and(|s| s.effect == iamx_model::Effect::Allow)
        }) {
            continue;
        }
        let sb = b.by_action.get(ai).cloned().unwrap_or_default();
        classes.entry((sa, sb)).or_insert(ai);
    }
    let listed: BTreeSet<&str> = actions.iter().map(String::as_str).collect();
    let (reps, complete) = unlisted_representatives(a, &b.policy, &listed);
    let mut candidates: Vec<String> = classes
        .values()
        .filter_map(|&i| actions.get(i).cloned())
        .collect();
    candidates.extend(reps);
    // concrete requests first, across every class, before any solver call
    for action in candidates
        .iter()
        .filter(|_| std::env::var_os("IAMX_NO_CONCRETE_FIRST").is_none())
    {
        if let Some(d) = concrete_first(&prog_a, &prog_b, principal, account.as_deref(), action) {
            return Direction::Witness(d);
        }
    }
    let mut unknown: Option<Reason> = None;
    for action in candidates {
        match class_question(
            &prog_a,
            &prog_b,
            principal,
            account.as_deref(),
            &action,
            timeout,
        ) {
            Direction::Witness(w) => return Direction::Witness(w),
            Direction::Unknown(r) => unknown = unknown.or(Some(r)),
            Direction::Contained => {}
        }
    }
    if let Some(r) = unknown {
        return Direction::Unknown(r);
    }
    if !complete {
        // patterns with inner wildcards: ask about every action at once
        return whole_question(&prog_a, &prog_b, principal, account.as_deref(), timeout);
    }
    Direction::Contained
}

fn replay(
    prog_a: &AwsProgram,
    prog_b: &AwsProgram,
    principal: &Principal,
    account: Option<&str>,
    action: &str,
    resource: &str,
    context: Context,
) -> Option<Difference> {
    let req = Request {
        principal: principal.clone(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        resource_account: account.map(str::to_owned),
        context,
    };
    let ya = evaluate(prog_a, &req).outcome;
    let yb = evaluate(prog_b, &req).outcome;
    (ya == Outcome::Allowed && matches!(yb, Outcome::NotAllowed | Outcome::ExplicitlyDenied))
        .then_some(Difference {
            principal: None,
            data_action: None,
            action: req.action,
            resource: req.resource,
            context: req.context,
        })
}

/// A concrete string a glob matches: wildcards filled with `x`, policy
/// variables with `x` too (the caller puts `x` in the context for them).
fn instance(p: &iamx_model::Pattern) -> Option<String> {
    let mut out = String::new();
    for s in p.segs() {
        match s {
            Seg::Lit(l) => out.push_str(l),
            Seg::Star | Seg::One | Seg::Var(_) => out.push('x'),
        }
    }
    Some(out)
}

/// The policy variables of a statement's resources and condition values.
fn statement_vars(st: &iamx_model::Statement) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = &st.resource {
        for p in &r.patterns {
            out.extend(p.vars().map(|v| v.key.clone()));
        }
    }
    fn walk(c: &iamx_model::Condition, out: &mut Vec<String>) {
        match c {
            iamx_model::Condition::All(cs) | iamx_model::Condition::Any(cs) => {
                cs.iter().for_each(|x| walk(x, out))
            }
            iamx_model::Condition::Aws(a) => {
                for v in &a.values {
                    if let iamx_model::CondValue::Str(p) = v {
                        out.extend(p.vars().map(|v| v.key.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    walk(&st.condition, &mut out);
    out
}

/// A context that satisfies the positive clauses of a condition where it can
/// (the first value of each), on top of the keys AWS always supplies.
fn guess_context(c: &iamx_model::Condition, base: &Context) -> Context {
    use iamx_model::{CondValue, Condition, Scalar, SetQualifier, Value};
    let mut ctx = base.clone();
    let mut clauses = Vec::new();
    fn collect<'c>(c: &'c Condition, out: &mut Vec<&'c iamx_model::AwsClause>) {
        match c {
            Condition::All(cs) => cs.iter().for_each(|x| collect(x, out)),
            Condition::Aws(a) => out.push(a),
            _ => {}
        }
    }
    collect(c, &mut clauses);
    for cl in clauses {
        if cl.op.is_negated() {
            continue;
        }
        let Some(v) = cl.values.first() else { continue };
        let text = match (cl.op, v) {
            (iamx_model::AwsOp::Null, CondValue::Bool(true)) => continue,
            (iamx_model::AwsOp::Null, _) => "x".to_owned(),
            (_, CondValue::Str(p)) => match instance(p) {
                Some(t) => t,
                None => continue,
            },
            (op, CondValue::Num(n)) => {
                let n = match op {
                    iamx_model::AwsOp::NumericLessThan => n - 1.0,
                    iamx_model::AwsOp::NumericGreaterThan => n + 1.0,
                    _ => *n,
                };
                format!("{n}")
            }
            (op, CondValue::Date(d)) => {
                let d = match op {
                    iamx_model::AwsOp::DateLessThan => d - 1000,
                    iamx_model::AwsOp::DateGreaterThan => d + 1000,
                    _ => *d,
                };
                iamx_model::value::format_date(d)
            }
            (_, CondValue::Bool(b)) => b.to_string(),
            (_, CondValue::Ip(c)) => c.addr.to_string(),
        };
        let value = match cl.qualifier {
            SetQualifier::Single => Value::One(Scalar::Str(text)),
            _ => Value::Set(vec![Scalar::Str(text)]),
        };
        ctx.insert(&cl.key, value);
    }
    ctx
}

/// Tries concrete requests first: the resources A's allow statements name
/// (wildcards filled in) under an empty context and under a context guessed
/// from their conditions. Most differences are found here without a solver.
fn concrete_first(
    prog_a: &AwsProgram,
    prog_b: &AwsProgram,
    principal: &Principal,
    account: Option<&str>,
    action: &str,
) -> Option<Difference> {
    use iamx_model::{Scalar, Value};
    let mut base = Context::new();
    base.insert(
        "aws:SecureTransport",
        Value::One(Scalar::Str("true".into())),
    );
    base.insert(
        "aws:CurrentTime",
        Value::One(Scalar::Str("2026-01-01T00:00:00Z".into())),
    );
    base.insert(
        "aws:EpochTime",
        Value::One(Scalar::Str("1767225600".into())),
    );
    let lc = action.to_ascii_lowercase();
    for pol in &prog_a.identity {
        for st in pol
            .statements
            .iter()
            .filter(|s| s.effect == iamx_model::Effect::Allow && s.action.matches_lc(&lc))
        {
            let resources: Vec<String> = match &st.resource {
                Some(r) if !r.negated => r
                    .patterns
                    .iter()
                    .flat_map(|p| {
                        if p.is_any() {
                            vec!["*".to_owned(), "x".to_owned()]
                        } else {
                            instance(p).into_iter().collect()
                        }
                    })
                    .collect(),
                Some(_) => vec!["arn:aws:s3:::iamx-witness-x".to_owned()],
                None => vec!["*".to_owned()],
            };
            let mut with_vars = base.clone();
            for k in statement_vars(st) {
                if with_vars.get(&k).is_none() {
                    with_vars.insert(&k, Value::One(Scalar::Str("x".into())));
                }
            }
            let base = &with_vars;
            let guessed = guess_context(&st.condition, base);
            for r in &resources {
                for ctx in [base, &guessed] {
                    if let Some(d) =
                        replay(prog_a, prog_b, principal, account, action, r, ctx.clone())
                    {
                        return Some(d);
                    }
                }
            }
        }
    }
    None
}

fn class_question(
    prog_a: &AwsProgram,
    prog_b: &AwsProgram,
    principal: &Principal,
    account: Option<&str>,
    action: &str,
    timeout: Duration,
) -> Direction {
    let fixed = Context::new();
    let mut enc = Encoder::new(principal, account, &fixed, Some(action), None);
    // both programs read each key alike (multi-valued keys, numeric scales)
    enc.prepare(prog_a);
    enc.prepare(prog_b);
    let (allow_a, _) = enc.program(prog_a);
    if allow_a.as_bool() == Some(false) {
        return Direction::Contained;
    }
    let (allow_b, _) = enc.program(prog_b);
    let phi = Term::and([allow_a, Term::not(allow_b)]);
    solve(
        &phi,
        &enc,
        prog_a,
        prog_b,
        principal,
        account,
        Some(action),
        timeout,
    )
}

fn whole_question(
    prog_a: &AwsProgram,
    prog_b: &AwsProgram,
    principal: &Principal,
    account: Option<&str>,
    timeout: Duration,
) -> Direction {
    let fixed = Context::new();
    let mut enc = Encoder::new(principal, account, &fixed, None, None);
    enc.prepare(prog_a);
    enc.prepare(prog_b);
    let (allow_a, _) = enc.program(prog_a);
    let (allow_b, _) = enc.program(prog_b);
    let phi = Term::and([allow_a, Term::not(allow_b)]);
    solve(
        &phi, &enc, prog_a, prog_b, principal, account, None, timeout,
    )
}

#[allow(clippy::too_many_arguments)]
fn solve(
    phi: &Term,
    enc: &Encoder<'_>,
    prog_a: &AwsProgram,
    prog_b: &AwsProgram,
    principal: &Principal,
    account: Option<&str>,
    action: Option<&str>,
    timeout: Duration,
) -> Direction {
    match phi.as_bool() {
        Some(false) => return Direction::Contained,
        Some(true) => {
            // nothing constrains the resource or the context
            let act = action.unwrap_or("iamx:unlisted");
            for resource in ["*", "arn:aws:s3:::iamx-witness"] {
                if let Some(d) = replay(
                    prog_a,
                    prog_b,
                    principal,
                    account,
                    act,
                    resource,
                    context_of(enc, &crate::Model::new()),
                ) {
                    return Direction::Witness(d);
                }
            }
        }
        None => {}
    }
    match check(std::slice::from_ref(phi), timeout) {
        SolverResult::Unsat => Direction::Contained,
        SolverResult::Unknown(r) => Direction::Unknown(r),
        SolverResult::Sat(m) => {
            let act = action
                .map(str::to_owned)
                .or_else(|| m.get_str(crate::aws::ACTION).map(str::to_owned))
                .unwrap_or_default();
            let resource = m
                .get_str(RESOURCE)
                .map(str::to_owned)
                .unwrap_or_else(|| "*".to_owned());
            match replay(
                prog_a,
                prog_b,
                principal,
                account,
                &act,
                &resource,
                context_of(enc, &m),
            ) {
                Some(d) => Direction::Witness(d),
                None => Direction::Unknown(Reason::new(if enc.unsupported.is_empty() {
                    format!(
                        "the solver's witness ({act} on {resource}) did not replay through the concrete evaluator"
                    )
                } else {
                    format!(
                        "the policies use what the symbolic encoding does not express ({})",
                        enc.unsupported.join("; ")
                    )
                })),
            }
        }
    }
}

/// Both directions: (does A allow more than B, does B allow more than A).
pub fn compare(
    a: &Arc<Policy>,
    b: &Arc<Policy>,
    actions: &[String],
    principal: &Principal,
    timeout: Duration,
) -> (Direction, Direction) {
    let pa = Prepared::new(a.clone(), actions);
    let pb = Prepared::new(b.clone(), actions);
    (
        more_permissive(a, &pb, actions, principal, timeout),
        more_permissive(b, &pa, actions, principal, timeout),
    )
}

/// A variable named like the encoder's resource variable (for callers that
/// build their own questions).
pub fn resource_var() -> Term {
    Term::named(RESOURCE, Sort::String)
}
