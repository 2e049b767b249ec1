//! # iamx-gcp
//!
//! The GCP frontend: reads allow policies (`get-iam-policy` output in an
//! iamx wrapper, Cloud Asset Inventory exports, `searchAllIamPolicies`
//! results), roles (`gcloud iam roles describe`/`list`, a folder of them),
//! deny policies (`gcloud iam policies get`), and iamx's small files for
//! groups, the resource hierarchy and principal access boundaries, and lowers
//! them into [`iamx_model`]'s GCP program ([`iamx_model::gcp::GcpProgram`]):
//! deny rules, then boundaries, then the union of the allow bindings on the
//! resource and every ancestor.
//!
//! Key decision: the environment keeps policies keyed by the *canonical* name
//! of what they are attached to, and binds roles, ancestors and group
//! membership only when a request is asked ([`GcpEnvironment::program_for`]).
//! Inputs arrive in any order and from many files (a role folder, an NDJSON
//! export, a group file), so nothing is resolved at read time that a later
//! file could change; [`GcpEnvironment::check_references`] reports what the
//! merged inputs still lack. Whatever iamx cannot decide (a role not loaded,
//! a condition outside the CEL subset, a deny rule naming a Cloud Identity
//! customer it cannot place the caller in) becomes `Unknown` in the program,
//! never a silent "no".
//!
//! Readers report, they do not stop: every problem is a located diagnostic
//! (file, line, column, JSON path) and the rest is still read. IAM Conditions
//! go through a nom parser of the CEL subset ([`cel`], grammar in
//! `grammars/gcp-cel-iam.ebnf`). This crate does no IO: callers hand it text.

#![warn(missing_docs)]

pub mod cel;
pub mod env;
pub mod load;
pub mod member;
pub mod names;
pub mod policy;
mod read;
pub mod request;

pub use cel::{CelError, parse_cel, print_cel};
pub use env::{GcpCounts, GcpEnvironment, GroupDef, Target};
pub use iamx_model::source::{self, Sink, Source};
pub use load::{
    GcpFileLoad, GcpFormat, detect, detect_ndjson, load_json, load_ndjson, load_source,
    read_bare_allow_policy,
};
pub use member::Caller;
pub use policy::{AllowPolicy, Binding, BoundaryPolicy, DenyPolicy, GcpRole, RoleStage};
pub use request::{build_request, full_resource_name, principal_of};
