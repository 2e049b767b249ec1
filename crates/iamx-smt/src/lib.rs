//! # iamx-smt
//!
//! The symbolic reasoner's core: iamx's own term language, a simplifying
//! builder, an SMT-LIB rendering, and the one module of the whole project
//! that talks to z3.
//!
//! Its job is to answer questions such as "is there a request this policy
//! allows?" with [`Answer::Always`], [`Answer::Sometimes`] (with a witness),
//! [`Answer::Never`] or [`Answer::Unknown`] (with a reason).
//!
//! Key decisions:
//!
//! - **Own terms.** Encoders build [`Term`]s, never solver types. A term is
//!   an `Arc` node with its sort and hash cached, cheap to clone and share
//!   across threads, printable as SMT-LIB ([`to_smtlib`]) for snapshot tests
//!   and `--emit-smt`, and evaluable without the solver ([`Term::eval`]).
//! - **Simplify before the solver.** The smart constructors fold constants,
//!   flatten, deduplicate and match constant strings against regexes and
//!   globs as the term is built, like Cedar's term factory; a question that
//!   folds to a constant never reaches z3 (DESIGN §7: decomposing and
//!   simplifying is what makes the reasoner fast).
//! - **One module talks to z3.** [`z3backend`] translates terms into z3 ASTs,
//!   decodes models into the crate's own [`Model`], and carries every
//!   workaround Debian's z3 4.8.12 needs. No z3 type leaves it.
//! - **Timeouts everywhere, Unknown is not No.** Every solver call has a
//!   timeout ([`DEFAULT_TIMEOUT`] is 10 s); a timeout, an unknown from z3 or
//!   a term that cannot be encoded is `Unknown` with a reason, never `Unsat`.
//! - **Every witness is re-checked.** A model is only returned after the
//!   concrete evaluator confirms it satisfies the query.

pub mod aws;
pub mod compare;
pub mod diff;
pub mod encode;
pub mod eval;
pub mod expr;
pub mod query;
pub mod regex;
pub mod smtlib;
pub mod term;
pub mod z3backend;

pub use encode::{
    EncodeError, glob_index_ranges, glob_to_regex, glob_to_regex_any_case, index_in_ranges,
    ip_const, ip_in_cidr,
};
pub use eval::Model;
pub use query::{Answer, decide};
pub use regex::{MAX_CHAR, ReKind, Regex};
pub use smtlib::to_smtlib;
pub use term::{Kind, Sort, Term, Value, Var, free_vars};
pub use z3backend::{DEFAULT_TIMEOUT, SolverResult, Verdict, check};
