//! The one helper every solver test goes through: each SAT model is
//! re-checked with the concrete evaluator here, independently of the
//! backend's own re-check; each witness of a program difference
//! (`replay_gcp`, `replay_azure`, `replay_aws`) is replayed through the
//! provider's concrete evaluator.

#![allow(
    clippy::panic,
    dead_code,
    reason = "test helpers report failures by panicking; not every test file uses every helper"
)]

use iamx_smt::{Model, SolverResult, Term, check};
use std::time::Duration;

/// A generous timeout for queries that must be decided.
pub const T: Duration = Duration::from_secs(10);

/// Asserts that every assertion holds under `m` when evaluated concretely.
pub fn recheck(assertions: &[Term], m: &Model) {
    for a in assertions {
        assert_eq!(a.eval(m), Some(true), "model does not satisfy `{a}`:\n{m}");
    }
}

/// Checks `assertions`, expects `Sat`, re-checks the model, returns it.
pub fn sat(assertions: &[Term]) -> Model {
    match check(assertions, T) {
        SolverResult::Sat(m) => {
            recheck(assertions, &m);
            m
        }
        other => panic!(
            "expected sat, got {other:?} for\n{}",
            iamx_smt::to_smtlib(assertions)
        ),
    }
}

/// Checks `assertions` and expects `Unsat`.
pub fn unsat(assertions: &[Term]) {
    let r = check(assertions, T);
    assert_eq!(
        r,
        SolverResult::Unsat,
        "for\n{}",
        iamx_smt::to_smtlib(assertions)
    );
}

/// Checks `assertions` and expects `Unknown`; returns the reason.
pub fn unknown(assertions: &[Term], timeout: Duration) -> String {
    match check(assertions, timeout) {
        SolverResult::Unknown(r) => r.to_string(),
        other => panic!("expected unknown, got {other:?}"),
    }
}

/// The witness request of a program difference: `req` with the witness's
/// action, resource and (open part of the) context.
pub fn witness_request(
    req: &iamx_model::Request,
    d: &iamx_smt::compare::Difference,
) -> iamx_model::Request {
    let mut r = req.clone();
    r.action = d.action.clone();
    r.resource = d.resource.clone();
    for (k, v) in d.context.iter() {
        r.context.insert(k, v.clone());
    }
    r
}

/// Replays a GCP difference through the concrete evaluator, independently
/// of the reasoner's own replay: A allows the witness, B refuses it.
pub fn replay_gcp(
    a: &iamx_model::gcp::GcpProgram,
    b: &iamx_model::gcp::GcpProgram,
    req: &iamx_model::Request,
    d: &iamx_smt::compare::Difference,
) {
    use iamx_model::Outcome;
    let r = witness_request(req, d);
    let (ya, yb) = (
        iamx_model::gcp::evaluate_gcp(a, &r).outcome,
        iamx_model::gcp::evaluate_gcp(b, &r).outcome,
    );
    assert_eq!(ya, Outcome::Allowed, "witness {d:?} not allowed by A");
    assert!(
        matches!(yb, Outcome::NotAllowed | Outcome::ExplicitlyDenied),
        "witness {d:?} not refused by B: {yb}"
    );
}

/// Replays an Azure difference (see [`replay_gcp`]).
pub fn replay_azure(
    a: &iamx_model::azure::AzureProgram,
    b: &iamx_model::azure::AzureProgram,
    req: &iamx_model::Request,
    d: &iamx_smt::compare::Difference,
) {
    use iamx_model::Outcome;
    let r = witness_request(req, d);
    let (ya, yb) = (
        iamx_model::azure::evaluate_azure(a, &r).outcome,
        iamx_model::azure::evaluate_azure(b, &r).outcome,
    );
    assert_eq!(ya, Outcome::Allowed, "witness {d:?} not allowed by A");
    assert!(
        matches!(yb, Outcome::NotAllowed | Outcome::ExplicitlyDenied),
        "witness {d:?} not refused by B: {yb}"
    );
}

/// Replays an AWS difference of two sides (see [`replay_gcp`]).
pub fn replay_aws(
    a: (&iamx_model::AwsProgram, &iamx_model::Request),
    b: (&iamx_model::AwsProgram, &iamx_model::Request),
    d: &iamx_smt::compare::Difference,
) {
    use iamx_model::Outcome;
    let (ra, rb) = (witness_request(a.1, d), witness_request(b.1, d));
    let (ya, yb) = (
        iamx_model::evaluate(a.0, &ra).outcome,
        iamx_model::evaluate(b.0, &rb).outcome,
    );
    assert_eq!(ya, Outcome::Allowed, "witness {d:?} not allowed by A");
    assert!(
        matches!(yb, Outcome::NotAllowed | Outcome::ExplicitlyDenied),
        "witness {d:?} not refused by B: {yb}"
    );
}

/// Asks [`iamx_smt::aws::can`] and, for `Sometimes`, replays the witness
/// and the counterexample through the concrete evaluator, independently of
/// the reasoner's own replay: the witness is allowed, the counterexample
/// refused.
pub fn can_aws(prog: &iamx_model::AwsProgram, req: &iamx_model::Request) -> iamx_smt::aws::Can {
    use iamx_model::Outcome;
    let answer = iamx_smt::aws::can(prog, req, T);
    if let iamx_smt::aws::Can::Sometimes {
        witness,
        counterexample,
        ..
    } = &answer
    {
        let mut r = req.clone();
        r.context = witness.clone();
        let yes = iamx_model::evaluate(prog, &r).outcome;
        assert_eq!(yes, Outcome::Allowed, "witness {witness:?} not allowed");
        r.context = counterexample.clone();
        let no = iamx_model::evaluate(prog, &r).outcome;
        assert!(
            matches!(no, Outcome::NotAllowed | Outcome::ExplicitlyDenied),
            "counterexample {counterexample:?} not refused: {no}"
        );
    }
    answer
}

/// Like [`can_aws`], for a GCP program.
pub fn can_gcp(
    prog: &iamx_model::gcp::GcpProgram,
    req: &iamx_model::Request,
) -> iamx_smt::aws::Can {
    let answer = iamx_smt::expr::can_gcp(prog, req, T);
    replay_can(&answer, req, |r| {
        iamx_model::gcp::evaluate_gcp(prog, r).outcome
    });
    answer
}

/// Like [`can_aws`], for an Azure program.
pub fn can_azure(
    prog: &iamx_model::azure::AzureProgram,
    req: &iamx_model::Request,
) -> iamx_smt::aws::Can {
    let answer = iamx_smt::expr::can_azure(prog, req, T);
    replay_can(&answer, req, |r| {
        iamx_model::azure::evaluate_azure(prog, r).outcome
    });
    answer
}

fn replay_can(
    answer: &iamx_smt::aws::Can,
    req: &iamx_model::Request,
    eval: impl Fn(&iamx_model::Request) -> iamx_model::Outcome,
) {
    use iamx_model::Outcome;
    if let iamx_smt::aws::Can::Sometimes {
        witness,
        counterexample,
        ..
    } = answer
    {
        let mut r = req.clone();
        r.context = witness.clone();
        assert_eq!(
            eval(&r),
            Outcome::Allowed,
            "witness {witness:?} not allowed"
        );
        r.context = counterexample.clone();
        let no = eval(&r);
        assert!(
            matches!(no, Outcome::NotAllowed | Outcome::ExplicitlyDenied),
            "counterexample {counterexample:?} not refused: {no}"
        );
    }
}
