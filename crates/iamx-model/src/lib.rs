//! # iamx-model
//!
//! The provider-neutral intermediate representation of iamx and its concrete
//! evaluator. Every provider frontend (AWS, GCP, Azure) lowers its policies into
//! the types here: [`Pattern`]s (globs with policy variables), a
//! [`Condition`] tree, [`Statement`]s with [`Origin`] provenance, and an
//! *authorization program* ([`AwsProgram`]) that carries the policies per layer
//! together with the provider's combination rule.
//!
//! Key decision: evaluation is three-valued. [`Tri`] keeps an `Unknown` (an
//! unsupported construct, a context key the caller did not give but the
//! provider always supplies, a multi-valued policy variable) with its reason all
//! the way to the [`Outcome`]; nothing unknown is ever reported as "no". The
//! same program is what the symbolic encoder will interpret, so the two
//! interpreters can be tested against each other.
//!
//! This crate does no IO. It also holds the span-keeping JSON reader
//! ([`json`]) and the diagnostic type every frontend reports with.

pub mod azure;
pub mod condition;
pub mod derived;
pub mod diag;
pub mod eval;
pub mod expr;
pub mod gcp;
pub mod guardrail;
pub mod json;
pub mod pattern;
pub mod policy;
pub mod program;
pub mod request;
pub mod source;
pub mod tri;
pub mod value;

pub use condition::{AwsClause, AwsOp, CondValue, Condition, SetQualifier};
pub use diag::{Diagnostic, JsonPath, Severity};
pub use eval::{
    AwsProgram, Block, Decision, Explanation, Layer, OrgLevel, Outcome, ResourcePolicyKind,
    StatementHit, evaluate,
};
pub use pattern::{Case, Pattern, Seg, Var};
pub use policy::{
    ActionSpec, Effect, Origin, Policy, PrincipalEntry, PrincipalMatch, PrincipalSpec,
    ResourceSpec, Statement,
};
pub use program::{Case as RequestCase, Program, decide};
pub use request::{Principal, PrincipalKind, Request};
pub use tri::{Reason, Tri};
pub use value::{Cidr, Context, Scalar, Value};
