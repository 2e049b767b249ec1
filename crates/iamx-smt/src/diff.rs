//! Differences between two programs of one provider: is there a request
//! program A allows and program B does not?
//!
//! These are the building blocks of every comparison beyond two AWS
//! identity policies ([`crate::compare`]): two GCP roles or allow policies,
//! two Azure role definitions or assignment sets, two principals of one
//! environment, two environments. The caller of these functions chooses the
//! requests to ask about (callers, permissions, resources: the
//! decomposition); each question here leaves open what the request does
//! not fix (context keys, CEL/ABAC attributes, and where asked, the AWS
//! resource or the Azure operation), encodes `allows_A ∧ ¬allows_B`, and
//! returns a witness only after the concrete evaluators agree with it: A
//! allows the witness request and B does not allow it (an `unknown` from
//! either evaluator is no witness). A witness that does not replay, a
//! timeout, or a construct the encoding does not express is
//! [`Direction::Unknown`], never [`Direction::Contained`].

use crate::aws::{Encoder, RESOURCE, context_of as aws_context_of};
use crate::compare::{Difference, Direction};
use crate::eval::Model;
use crate::expr::{AttrSort, ExprEncoder, OPERATION};
use crate::regex::Regex;
use crate::term::Term;
use crate::z3backend::{SolverResult, check};
use iamx_model::azure::{AzureProgram, evaluate_azure};
use iamx_model::gcp::{GcpProgram, evaluate_gcp};
use iamx_model::{AwsProgram, Context, Outcome, Reason, Request, Scalar, Value, evaluate};
use std::time::Duration;

/// Whether an outcome is a definite "no".
fn refused(o: &Outcome) -> bool {
    matches!(o, Outcome::NotAllowed | Outcome::ExplicitlyDenied)
}

/// Solves `phi`: `Ok(model)` when satisfiable (an empty model when `phi`
/// folded to `true`), `Err(direction)` otherwise.
fn solve(phi: &Term, timeout: Duration) -> Result<Model, Direction> {
    match phi.as_bool() {
        Some(false) => Err(Direction::Contained),
        Some(true) => Ok(Model::new()),
        None => match check(std::slice::from_ref(phi), timeout) {
            SolverResult::Unsat => Err(Direction::Contained),
            SolverResult::Unknown(r) => Err(Direction::Unknown(r)),
            SolverResult::Sat(m) => Ok(m),
        },
    }
}

fn no_replay(unsupported: &[String], ya: &Outcome, yb: &Outcome) -> Direction {
    Direction::Unknown(Reason::new(if unsupported.is_empty() {
        format!(
            "the solver's witness did not replay through the concrete evaluator (first: {ya}, second: {yb})"
        )
    } else {
        format!(
            "the policies use what the symbolic encoding does not express ({}); the solver's witness did not replay (first: {ya}, second: {yb})",
            unsupported.join("; ")
        )
    }))
}

/// The context a model of an expression question stands for: the fixed
/// context, the model's attribute values, and for an attribute the encoder
/// read but the model does not mention (it folded away), a default of its
/// sort. Returns the full context and the open part alone.
fn expr_context(enc: &ExprEncoder<'_>, m: &Model, fixed: &Context) -> (Context, Context) {
    let mut ctx = enc.context_of(m);
    for (name, sort) in &enc.attrs {
        if ctx.get(name).is_none() {
            let v = match sort {
                AttrSort::Str => String::new(),
                AttrSort::Time => iamx_model::value::format_date(0),
                AttrSort::Num => "0".to_owned(),
                AttrSort::Bool => "false".to_owned(),
            };
            ctx.insert(name, Value::One(Scalar::Str(v)));
        }
    }
    let mut open = Context::new();
    for (k, v) in ctx.iter() {
        if fixed.get(k).is_none() {
            open.insert(k, v.clone());
        }
    }
    (ctx, open)
}

/// GCP: is there a context in which `a` allows `req` and `b` does not? The
/// caller, permission and resource are those of `req` (both programs were
/// built for them); the CEL attributes `req.context` does not give are open.
pub fn gcp(a: &GcpProgram, b: &GcpProgram, req: &Request, timeout: Duration) -> Direction {
    let ya = evaluate_gcp(a, req).outcome;
    if ya == Outcome::Allowed && refused(&evaluate_gcp(b, req).outcome) {
        return Direction::Witness(Difference {
            principal: Some(req.principal.id.clone()),
            data_action: None,
            action: req.action.clone(),
            resource: req.resource.clone(),
            context: Context::new(),
        });
    }
    let mut enc = ExprEncoder::new(&req.action, None, &req.context);
    let ta = enc.gcp_program(a);
    if ta.as_bool() == Some(false) {
        return Direction::Contained;
    }
    let tb = enc.gcp_program(b);
    if ta == tb {
        return Direction::Contained;
    }
    let phi = Term::and([ta, Term::not(tb)]);
    let m = match solve(&phi, timeout) {
        Ok(m) => m,
        Err(d) => return d,
    };
    let (ctx, open) = expr_context(&enc, &m, &req.context);
    let mut r = req.clone();
    r.context = ctx;
    let (ya, yb) = (evaluate_gcp(a, &r).outcome, evaluate_gcp(b, &r).outcome);
    if ya == Outcome::Allowed && refused(&yb) {
        Direction::Witness(Difference {
            principal: Some(r.principal.id),
            data_action: None,
            action: r.action,
            resource: r.resource,
            context: open,
        })
    } else {
        no_replay(&enc.unsupported, &ya, &yb)
    }
}

/// Azure, for the operation of `req`: is there a context in which `a`
/// allows it and `b` does not? Both programs must be on the same plane
/// (`data_action`).
pub fn azure(a: &AzureProgram, b: &AzureProgram, req: &Request, timeout: Duration) -> Direction {
    azure_question(a, b, req, false, timeout)
}

/// Azure, over every operation of the programs' plane: is there an
/// operation and a context in which `a` allows the request and `b` does
/// not? The operation is a string variable; `Actions`/`NotActions` (or the
/// data lists) and `ActionMatches` become regex tests on it, so the answer
/// covers operations no catalog lists.
pub fn azure_any_operation(
    a: &AzureProgram,
    b: &AzureProgram,
    req: &Request,
    timeout: Duration,
) -> Direction {
    azure_question(a, b, req, true, timeout)
}

fn azure_question(
    a: &AzureProgram,
    b: &AzureProgram,
    req: &Request,
    any_operation: bool,
    timeout: Duration,
) -> Direction {
    let data = Some(a.data_action);
    if !any_operation {
        let ya = evaluate_azure(a, req).outcome;
        if ya == Outcome::Allowed && refused(&evaluate_azure(b, req).outcome) {
            return Direction::Witness(Difference {
                principal: Some(req.principal.id.clone()),
                data_action: data,
                action: req.action.clone(),
                resource: req.resource.clone(),
                context: Context::new(),
            });
        }
    }
    let sub = a.sub_operation.as_deref();
    let mut enc = if any_operation {
        ExprEncoder::any_operation(sub, &req.context)
    } else {
        ExprEncoder::new(&req.action, sub, &req.context)
    };
    let ta = enc.azure_program(a);
    if ta.as_bool() == Some(false) {
        return Direction::Contained;
    }
    let tb = enc.azure_program(b);
    if ta == tb {
        return Direction::Contained;
    }
    let mut parts = vec![ta, Term::not(tb)];
    if any_operation {
        // printable ASCII without upper-case letters and spaces: the
        // patterns' literals are lowercased, and a readable witness helps
        let printable = Regex::star(Regex::union([
            Regex::range('!', '@'),
            Regex::range('[', '~'),
        ]));
        parts.push(Term::in_re(enc.operation(), printable));
    }
    let phi = Term::and(parts);
    let m = match solve(&phi, timeout) {
        Ok(m) => m,
        Err(d) => return d,
    };
    let (ctx, open) = expr_context(&enc, &m, &req.context);
    let mut r = req.clone();
    r.context = ctx;
    if any_operation {
        r.action = m.get_str(OPERATION).unwrap_or_default().to_owned();
    }
    let (ya, yb) = (evaluate_azure(a, &r).outcome, evaluate_azure(b, &r).outcome);
    if ya == Outcome::Allowed && refused(&yb) {
        Direction::Witness(Difference {
            principal: Some(r.principal.id),
            data_action: data,
            action: r.action,
            resource: r.resource,
            context: open,
        })
    } else {
        no_replay(&enc.unsupported, &ya, &yb)
    }
}

/// One side of an AWS question: the program and the request it was built
/// for (caller, action, resource, resource account, fixed context).
#[derive(Clone, Copy)]
pub struct AwsSide<'a> {
    /// The program.
    pub program: &'a AwsProgram,
    /// The request.
    pub request: &'a Request,
}

/// How an AWS question treats the resource.
#[derive(Clone, Debug)]
pub enum AwsResource {
    /// The requests' resource, as given.
    Fixed,
    /// A variable ([`crate::aws::RESOURCE`]) constrained by these terms
    /// (e.g. "no resource policy covers it"); both programs were built for
    /// a placeholder resource the variable stands in for.
    Open(Vec<Term>),
}

/// Replays a witness: the outcomes of A's and B's requests, as the
/// environment decides them (a caller may rebuild the programs for the
/// witness resource).
pub type AwsReplay<'a> = &'a (dyn Fn(&Request, &Request) -> (Outcome, Outcome) + Sync);

/// AWS: is there a context (and, with [`AwsResource::Open`], a resource)
/// in which A's request is allowed and B's is not? The two sides may have
/// different callers (two principals) and different programs (two
/// environments); the action is A's. Context keys the requests do not fix
/// are shared variables. `replay` decides the witness requests.
pub fn aws(
    a: AwsSide<'_>,
    b: AwsSide<'_>,
    resource: &AwsResource,
    timeout: Duration,
    replay: AwsReplay<'_>,
) -> Direction {
    let open_resource = matches!(resource, AwsResource::Open(_));
    let witness = |ra: &Request, open: Context| {
        Direction::Witness(Difference {
            principal: Some(ra.principal.id.clone()),
            data_action: None,
            action: ra.action.clone(),
            resource: ra.resource.clone(),
            context: open,
        })
    };
    if !open_resource {
        // concrete first: AWS's always-supplied keys and nothing else
        let mut ra = a.request.clone();
        let mut rb = b.request.clone();
        for r in [&mut ra, &mut rb] {
            with_supplied_keys(r);
        }
        let (ya, yb) = replay(&ra, &rb);
        if ya == Outcome::Allowed && refused(&yb) {
            let mut open = Context::new();
            for (k, v) in ra.context.iter() {
                if a.request.context.get(k).is_none() {
                    open.insert(k, v.clone());
                }
            }
            return witness(&ra, open);
        }
    }
    let fixed_resource = |r: &'_ Request| (!open_resource).then(|| r.resource.clone());
    let (res_a, res_b) = (fixed_resource(a.request), fixed_resource(b.request));
    let mut enc_a = Encoder::new(
        &a.request.principal,
        a.request.resource_account.as_deref(),
        &a.request.context,
        Some(&a.request.action),
        res_a.as_deref(),
    );
    // both sides read each key alike (multi-valued keys, numeric scales)
    enc_a.prepare(b.program);
    let (ta, _) = enc_a.program(a.program);
    if ta.as_bool() == Some(false) {
        return Direction::Contained;
    }
    let mut enc_b = Encoder::new(
        &b.request.principal,
        b.request.resource_account.as_deref(),
        &b.request.context,
        Some(&a.request.action),
        res_b.as_deref(),
    );
    // B's set conditions count against the same element bound as A's
    enc_b.adopt(&enc_a);
    let (tb, _) = enc_b.program(b.program);
    if ta == tb && a.request.principal == b.request.principal {
        return Direction::Contained;
    }
    let mut parts = vec![ta, Term::not(tb)];
    if let AwsResource::Open(constraints) = resource {
        parts.extend(constraints.iter().cloned());
    }
    let phi = Term::and(parts);
    let m = match solve(&phi, timeout) {
        Ok(m) => m,
        Err(d) => return d,
    };
    let mut ra = a.request.clone();
    let mut rb = b.request.clone();
    ra.context = aws_context_of(&enc_a, &m);
    rb.context = aws_context_of(&enc_b, &m);
    // keys B's encoding read and A's did not: the same values on A's side
    for (k, v) in rb.context.iter() {
        if ra.context.get(k).is_none() && b.request.context.get(k).is_none() {
            ra.context.insert(k, v.clone());
        }
    }
    for (k, v) in ra.context.clone().iter() {
        if rb.context.get(k).is_none() && a.request.context.get(k).is_none() {
            rb.context.insert(k, v.clone());
        }
    }
    rb.action = ra.action.clone();
    if open_resource {
        let r = m
            .get_str(RESOURCE)
            .map_or_else(|| a.request.resource.clone(), str::to_owned);
        ra.resource = r.clone();
        rb.resource = r;
    }
    let (ya, yb) = replay(&ra, &rb);
    if ya == Outcome::Allowed && refused(&yb) {
        let mut open = Context::new();
        for (k, v) in ra.context.iter() {
            if a.request.context.get(k).is_none() {
                open.insert(k, v.clone());
            }
        }
        witness(&ra, open)
    } else {
        let mut unsupported = enc_a.unsupported.clone();
        unsupported.extend(enc_b.unsupported.iter().cloned());
        no_replay(&unsupported, &ya, &yb)
    }
}

/// The replay of [`aws`] when both programs hold for the witness request
/// as they are (no resource policy depends on the open resource).
pub fn aws_replay_with<'p>(
    a: &'p AwsProgram,
    b: &'p AwsProgram,
) -> impl Fn(&Request, &Request) -> (Outcome, Outcome) + Sync + 'p {
    move |ra, rb| (evaluate(a, ra).outcome, evaluate(b, rb).outcome)
}

/// Gives `r` the keys AWS supplies on every request that it does not carry
/// yet (`aws:SecureTransport`, `aws:CurrentTime`, `aws:EpochTime`), with
/// ordinary values: the concrete request tried before the solver.
pub fn with_supplied_keys(r: &mut Request) {
    for (k, v) in [
        ("aws:SecureTransport", "true"),
        ("aws:CurrentTime", "2026-01-01T00:00:00Z"),
        ("aws:EpochTime", "1767225600"),
    ] {
        if r.context.get(k).is_none() {
            r.context.insert(k, Value::str(v));
        }
    }
}
