//! The one helper every solver test goes through: each SAT model is
//! re-checked with the concrete evaluator here, independently of the
//! backend's own re-check.

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
