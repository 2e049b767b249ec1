//! # iamx-azure
//!
//! The Azure frontend: reads role definitions (`az role definition list`,
//! `Get-AzRoleDefinition | ConvertTo-Json`, REST), role assignments (`az role
//! assignment list --all`, REST), deny assignments, the management-group tree
//! (`az account management-group show --expand --recurse`, or iamx's flat
//! form), group membership (iamx's form), resources with their managed
//! identities (`az resource list`, `az identity list`), Entra ID directory
//! role assignments (Microsoft Graph), federated identity credentials and
//! self-contained request files,
//! and lowers them into [`iamx_model`]'s Azure authorization program
//! ([`iamx_model::azure::AzureProgram`]). ABAC conditions (`conditionVersion`
//! 2.0) go through a nom parser ([`abac`], grammar in
//! `grammars/azure-abac.ebnf`) into the model's expression type.
//!
//! Key decision: an Azure decision depends on *where* an assignment sits
//! and *which plane* an operation is on, so both are made explicit rather
//! than guessed silently. A program holds exactly the assignments whose scope
//! reaches the request's scope (a `/`-boundary prefix, or a management group
//! above the subscription in the loaded tree); when the tree does not place
//! the subscription, a management-group assignment is kept with an `Unknown`
//! condition instead of being dropped. Whether an operation is a data action
//! is said by the request (`dataAction`, `--data-action`); only without it
//! does iamx guess ([`is_data_action_hint`]). A permission block with its own
//! condition becomes an assignment of its own, so Actions − NotActions stays
//! per block, as Azure computes it. Like the other frontends, parsers report
//! and carry on: every problem is a located [`iamx_model::Diagnostic`], and a
//! condition that does not parse makes what it guards `Unknown`, never `No`.
//! This crate does no IO: callers hand it text.
//!
//! ```
//! use iamx_azure::{AzureEnvironment, build_request, load_json};
//! use iamx_model::{Context, Outcome, decide, program::Program, source::Source};
//!
//! let roles = r#"[{"name": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "roleName": "Reader",
//!     "permissions": [{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}]}]"#;
//! let assignments = r#"[{"principalId": "11111111-1111-4111-8111-111111111111",
//!     "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
//!     "scope": "/subscriptions/s1"}]"#;
//! let mut env = AzureEnvironment::default();
//! for (name, text) in [("roles.json", roles), ("assignments.json", assignments)] {
//!     let src = Source::new(name, text);
//!     let json = src.parse_json().map_err(|d| d.to_string())?;
//!     let load = load_json(&src, &json).ok_or("not an Azure input")?;
//!     assert!(load.diagnostics.is_empty());
//!     env.merge(load.env);
//! }
//! let (request, program) = build_request(
//!     &env,
//!     "11111111-1111-4111-8111-111111111111",
//!     "Microsoft.Compute/virtualMachines/read",
//!     "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
//!     Some(false),
//!     Context::new(),
//! )?;
//! assert_eq!(decide(&Program::Azure(program), &request).outcome, Outcome::Allowed);
//! # Ok::<(), String>(())
//! ```

#![warn(missing_docs)]

pub mod abac;
mod assignments;
pub mod directory;
pub mod env;
pub mod federation;
pub mod groups;
pub mod hint;
pub mod load;
pub mod mgmt;
mod read;
pub mod request;
pub mod resources;
mod roles;

pub use abac::{AbacError, parse_abac, print_abac};
pub use directory::{DirectoryRoleAssignment, GLOBAL_ADMINISTRATOR};
pub use env::{
    AzureCounts, AzureEnvironment, ConditionalBlock, DenyAssignment, RoleAssignment,
    RoleDefinition, build_request,
};
pub use federation::FederatedCredential;
pub use groups::Group;
pub use hint::is_data_action_hint;
pub use load::{AzureFileLoad, AzureFormat, detect, load_json};
pub use mgmt::{ManagementGroup, ManagementGroups, MgChain};
pub use resources::{AttachedIdentity, IdentityKind, Resource, UserAssignedIdentity};
