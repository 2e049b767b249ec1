//! Symbolic questions with four-valued answers.
//!
//! [`decide`] asks of a Boolean term `phi` over free variables: does it hold
//! for every assignment ([`Answer::Always`]), for none ([`Answer::Never`]),
//! or for some but not all ([`Answer::Sometimes`], with a witness and a
//! counterexample, both re-checked)? Two solver calls at most: `phi`, then
//! `not phi`. A term that folds to a constant needs no solver. Any unknown
//! from the solver is [`Answer::Unknown`] with its reason: never `Never`.

use crate::eval::Model;
use crate::term::{Sort, Term};
use crate::z3backend::{SolverResult, check};
use iamx_model::Reason;
use std::fmt;
use std::time::Duration;

/// The answer to "does `phi` hold?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `phi` holds for every assignment (`not phi` is unsatisfiable).
    Always,
    /// `phi` holds for some assignments and not for others.
    Sometimes {
        /// An assignment under which `phi` holds.
        witness: Model,
        /// An assignment under which `phi` does not hold.
        counterexample: Model,
    },
    /// `phi` holds for no assignment (`phi` is unsatisfiable).
    Never,
    /// Not decided: a timeout, an unknown from z3, a term that cannot be
    /// encoded. Never to be read as `Never`.
    Unknown(Reason),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Always => f.write_str("always"),
            Answer::Sometimes { witness, .. } => write!(f, "sometimes, e.g. {witness}"),
            Answer::Never => f.write_str("never"),
            Answer::Unknown(r) => write!(f, "unknown: {r}"),
        }
    }
}

/// Decides whether `phi` holds always, sometimes or never, giving each of
/// the (at most two) solver calls `timeout`.
pub fn decide(phi: &Term, timeout: Duration) -> Answer {
    if phi.sort() != Some(Sort::Bool) {
        let why = phi
            .sort_error()
            .unwrap_or_else(|| format!("`{phi}` is not Boolean"));
        return Answer::Unknown(Reason::new(format!("cannot encode: {why}")));
    }
    match phi.as_bool() {
        Some(true) => return Answer::Always,
        Some(false) => return Answer::Never,
        None => {}
    }
    let witness = match check(std::slice::from_ref(phi), timeout) {
        SolverResult::Unsat => return Answer::Never,
        SolverResult::Unknown(r) => return Answer::Unknown(r),
        SolverResult::Sat(m) => m,
    };
    match check(&[Term::not(phi.clone())], timeout) {
        SolverResult::Unsat => Answer::Always,
        SolverResult::Sat(counterexample) => Answer::Sometimes {
            witness,
            counterexample,
        },
        SolverResult::Unknown(r) => Answer::Unknown(Reason::new(format!(
            "holds for some assignments (e.g. {}), but whether it holds for all is unknown: {r}",
            witness.to_string().replace('\n', ", ")
        ))),
    }
}
