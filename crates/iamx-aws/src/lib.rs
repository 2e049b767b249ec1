//! # iamx-aws
//!
//! The AWS frontend: reads policy documents of every type, `aws iam
//! get-account-authorization-details` dumps, iamx's organisation and
//! resource-policy files, and request files, and lowers them into
//! [`iamx_model`]'s authorization program ([`iamx_model::AwsProgram`]).
//!
//! Key decision: parsers report, they do not stop. Every reader takes a
//! [`source::Sink`] and keeps going after a bad statement, so one malformed
//! statement in a 5,000-statement dump is reported with its file, line,
//! column and JSON path while the rest is still read. ARNs and policy
//! variables go through nom parsers whose grammars are in `grammars/`.
//! This crate does no IO: callers hand it text.

pub mod arn;
pub mod env;
pub mod load;
pub mod policy;
pub mod principal;
pub mod request;

pub mod vars;

pub use env::{AwsEnvironment, Organization};
pub use iamx_model::source::{self, Sink, Source};
pub use load::{AwsFormat, FileLoad, detect, load_json};
pub use policy::{ActionChecker, PolicyOptions, PolicyType, parse_policy_text};
pub use principal::parse_principal;
pub use request::RequestCase;
