//! Format detection: what an Azure input file is, from its content alone.

use crate::env::AzureEnvironment;
use crate::mgmt::MG_SCOPE_PREFIX;
use crate::request::read_request_file;
use iamx_model::Diagnostic;
use iamx_model::json::{Json, JsonValue};
use iamx_model::program::Case;
use iamx_model::source::{Sink, Source};

/// The Azure input formats iamx reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AzureFormat {
    /// `az role definition list` (camelCase).
    RoleDefinitions,
    /// `Get-AzRoleDefinition | ConvertTo-Json` (PascalCase).
    RoleDefinitionsPowerShell,
    /// REST `{"value": [{"properties": {"roleName", "permissions", …}}]}`.
    RoleDefinitionsRest,
    /// `az role assignment list --all`.
    RoleAssignments,
    /// REST `{"value": [{"properties": {"principalId", "roleDefinitionId", …}}]}`.
    RoleAssignmentsRest,
    /// Deny assignments (REST or flattened camelCase).
    DenyAssignments,
    /// `az account management-group show --expand --recurse`.
    ManagementGroupTree,
    /// iamx `{"iamxAzureManagementGroups": […]}`.
    ManagementGroups,
    /// iamx `{"iamxAzureGroups": {…}}`.
    Groups,
    /// `az resource list` (resources with managed identities), the REST
    /// `{"value": […]}` shape, or `az identity list`.
    Resources,
    /// Microsoft Graph `roleManagement/directory/roleAssignments`.
    DirectoryRoleAssignments,
    /// `az identity federated-credential list`, or iamx
    /// `{"iamxAzureFederatedCredentials": […]}` around `az ad app
    /// federated-credential list`.
    FederatedCredentials,
    /// A request file (`"provider": "azure"`) or a scenario table.
    Requests,
}

impl AzureFormat {
    /// A short name for listings.
    pub fn name(self) -> &'static str {
        match self {
            AzureFormat::RoleDefinitions => "azure role definitions",
            AzureFormat::RoleDefinitionsPowerShell => "azure role definitions (powershell)",
            AzureFormat::RoleDefinitionsRest => "azure role definitions (rest)",
            AzureFormat::RoleAssignments => "azure role assignments",
            AzureFormat::RoleAssignmentsRest => "azure role assignments (rest)",
            AzureFormat::DenyAssignments => "azure deny assignments",
            AzureFormat::ManagementGroupTree => "azure management-group tree",
            AzureFormat::ManagementGroups => "azure management groups",
            AzureFormat::Groups => "azure groups",
            AzureFormat::Resources => "azure resources",
            AzureFormat::DirectoryRoleAssignments => "azure directory role assignments",
            AzureFormat::FederatedCredentials => "azure federated credentials",
            AzureFormat::Requests => "azure request file",
        }
    }
}

fn is_azure_provider(j: &Json) -> bool {
    j.get("provider")
        .and_then(Json::as_str)
        .is_some_and(|p| p.eq_ignore_ascii_case("azure"))
}

/// Whether `id` is an ARM resource id under a subscription.
fn is_resource_id(id: &str) -> bool {
    id.get(..15)
        .is_some_and(|h| h.eq_ignore_ascii_case("/subscriptions/"))
}

/// The format of one record of a list (`az` output element or REST element).
fn classify_record(it: &Json) -> Option<AzureFormat> {
    let has = |k: &str| it.get(k).is_some();
    let typ = it.get("type").and_then(Json::as_str).unwrap_or_default();
    let id = it.get("id").and_then(Json::as_str).unwrap_or_default();
    // any ARM resource (`az resource list` has `"properties": null`)
    let resource = is_resource_id(id) && typ.contains('/');
    if let Some(props) = it.get("properties") {
        let p = |k: &str| props.get(k).is_some();
        return if p("denyAssignmentName") || p("principals") || p("excludePrincipals") {
            Some(AzureFormat::DenyAssignments)
        } else if p("issuer") && (p("subject") || p("claimsMatchingExpression")) {
            Some(AzureFormat::FederatedCredentials)
        } else if p("principalId") || p("roleDefinitionId") {
            Some(AzureFormat::RoleAssignmentsRest)
        } else if p("roleName") || p("permissions") {
            Some(AzureFormat::RoleDefinitionsRest)
        } else if resource {
            Some(AzureFormat::Resources)
        } else {
            None
        };
    }
    if has("denyAssignmentName") || (has("principals") && has("permissions")) {
        Some(AzureFormat::DenyAssignments)
    } else if has("issuer") && (has("subject") || has("claimsMatchingExpression")) {
        Some(AzureFormat::FederatedCredentials)
    } else if has("principalId")
        && has("roleDefinitionId")
        && (has("directoryScopeId") || has("appScopeId"))
    {
        Some(AzureFormat::DirectoryRoleAssignments)
    } else if has("principalId")
        && (has("roleDefinitionId") || has("scope") || has("roleDefinitionName"))
    {
        Some(AzureFormat::RoleAssignments)
    } else if has("permissions")
        && (has("roleName") || typ.eq_ignore_ascii_case("Microsoft.Authorization/roleDefinitions"))
    {
        Some(AzureFormat::RoleDefinitions)
    } else if has("IsCustom") || (has("Actions") && (has("Id") || has("Name"))) {
        Some(AzureFormat::RoleDefinitionsPowerShell)
    } else if resource {
        Some(AzureFormat::Resources)
    } else {
        None
    }
}

/// Detects the format of a parsed JSON input; `None` when it is no Azure
/// format (an empty list, `[]` or `{"value": []}`, is none either: it
/// cannot be told apart).
pub fn detect(json: &Json) -> Option<AzureFormat> {
    match &json.value {
        JsonValue::Object(_) => {
            let has = |k: &str| json.get(k).is_some();
            if is_azure_provider(json) {
                return Some(AzureFormat::Requests);
            }
            if has("iamxAzureManagementGroups") {
                return Some(AzureFormat::ManagementGroups);
            }
            if has("iamxAzureGroups") {
                return Some(AzureFormat::Groups);
            }
            if has(crate::federation::WRAPPER_KEY) {
                return Some(AzureFormat::FederatedCredentials);
            }
            let typ = json.get("type").and_then(Json::as_str).unwrap_or_default();
            let id = json.get("id").and_then(Json::as_str).unwrap_or_default();
            let mg_id = id
                .get(..MG_SCOPE_PREFIX.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(MG_SCOPE_PREFIX));
            if typ.eq_ignore_ascii_case("Microsoft.Management/managementGroups")
                || (mg_id && has("children"))
            {
                return Some(AzureFormat::ManagementGroupTree);
            }
            if let Some(v) = json.get("value") {
                let first = v.as_array()?.first()?;
                return match classify_record(first)? {
                    AzureFormat::RoleAssignments => Some(AzureFormat::RoleAssignmentsRest),
                    AzureFormat::RoleDefinitions => Some(AzureFormat::RoleDefinitionsRest),
                    other => Some(other),
                };
            }
            classify_record(json)
        }
        JsonValue::Array(items) => {
            let first = items.first()?;
            if is_azure_provider(first) {
                return Some(AzureFormat::Requests);
            }
            classify_record(first)
        }
        _ => None,
    }
}

/// What one Azure file contributed.
#[derive(Debug)]
pub struct AzureFileLoad {
    /// The detected format.
    pub format: AzureFormat,
    /// The environment part read from it.
    pub env: AzureEnvironment,
    /// Request cases (request files and scenario tables).
    pub requests: Vec<Case>,
    /// Diagnostics of this file. Checks across files (an assignment whose
    /// role is in no file) come from [`AzureEnvironment::validate`].
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads one Azure file whose JSON is already parsed. `None` when the
/// content is no Azure format (the caller decides whether another provider
/// knows it).
pub fn load_json(src: &Source, json: &Json) -> Option<AzureFileLoad> {
    let format = detect(json)?;
    let mut env = AzureEnvironment::default();
    let mut diagnostics = Vec::new();
    let mut requests = Vec::new();
    let mut sink = Sink {
        src,
        diags: &mut diagnostics,
        embedded: None,
    };
    match format {
        AzureFormat::RoleDefinitions => env.read_role_definitions_az(json, &mut sink),
        AzureFormat::RoleDefinitionsPowerShell => {
            env.read_role_definitions_powershell(json, &mut sink);
        }
        AzureFormat::RoleDefinitionsRest => env.read_role_definitions_rest(json, &mut sink),
        AzureFormat::RoleAssignments | AzureFormat::RoleAssignmentsRest => {
            env.read_role_assignments(json, &mut sink);
        }
        AzureFormat::DenyAssignments => env.read_deny_assignments(json, &mut sink),
        AzureFormat::ManagementGroupTree => env.read_management_group_tree(json, &mut sink),
        AzureFormat::ManagementGroups => env.read_management_groups_iamx(json, &mut sink),
        AzureFormat::Groups => env.read_groups(json, &mut sink),
        AzureFormat::Resources => env.read_resources(json, &mut sink),
        AzureFormat::DirectoryRoleAssignments => {
            env.read_directory_role_assignments(json, &mut sink);
        }
        AzureFormat::FederatedCredentials => env.read_federated_credentials(json, &mut sink),
        AzureFormat::Requests => requests = read_request_file(json, &mut sink),
    }
    Some(AzureFileLoad {
        format,
        env,
        requests,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> Option<AzureFormat> {
        detect(&iamx_model::json::parse(text).unwrap())
    }

    #[test]
    fn detection() {
        use AzureFormat::*;
        assert_eq!(
            fmt(r#"[{"roleName": "R", "permissions": []}]"#),
            Some(RoleDefinitions)
        );
        assert_eq!(
            fmt(r#"{"roleName": "R", "permissions": []}"#),
            Some(RoleDefinitions)
        );
        assert_eq!(
            fmt(r#"[{"Name": "R", "Id": "g", "Actions": []}]"#),
            Some(RoleDefinitionsPowerShell)
        );
        assert_eq!(
            fmt(r#"{"value": [{"name": "g", "properties": {"roleName": "R"}}]}"#),
            Some(RoleDefinitionsRest)
        );
        assert_eq!(
            fmt(r#"[{"name": "g", "properties": {"permissions": []}}]"#),
            Some(RoleDefinitionsRest)
        );
        assert_eq!(
            fmt(r#"[{"principalId": "p", "roleDefinitionId": "r", "scope": "/"}]"#),
            Some(RoleAssignments)
        );
        assert_eq!(
            fmt(r#"{"properties": {"principalId": "p"}}"#),
            Some(RoleAssignmentsRest)
        );
        assert_eq!(
            fmt(r#"{"value": [{"properties": {"denyAssignmentName": "d"}}]}"#),
            Some(DenyAssignments)
        );
        assert_eq!(
            fmt(r#"[{"denyAssignmentName": "d"}]"#),
            Some(DenyAssignments)
        );
        assert_eq!(
            fmt(r#"{"type": "Microsoft.Management/managementGroups", "name": "x"}"#),
            Some(ManagementGroupTree)
        );
        assert_eq!(
            fmt(r#"{"iamxAzureManagementGroups": []}"#),
            Some(ManagementGroups)
        );
        assert_eq!(fmt(r#"{"iamxAzureGroups": {}}"#), Some(Groups));
        assert_eq!(
            fmt(
                r#"[{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites", "identity": null, "properties": null}]"#
            ),
            Some(Resources)
        );
        assert_eq!(
            fmt(
                r#"{"value": [{"id": "/subscriptions/s/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites"}]}"#
            ),
            Some(Resources)
        );
        assert_eq!(
            fmt(
                r#"{"@odata.context": "x", "value": [{"id": "i", "principalId": "p", "roleDefinitionId": "r", "directoryScopeId": "/"}]}"#
            ),
            Some(DirectoryRoleAssignments)
        );
        assert_eq!(
            fmt(r#"[{"issuer": "https://x", "subject": "s", "audiences": []}]"#),
            Some(FederatedCredentials)
        );
        assert_eq!(
            fmt(
                r#"{"value": [{"name": "c", "properties": {"issuer": "https://x", "subject": "s"}}]}"#
            ),
            Some(FederatedCredentials)
        );
        assert_eq!(
            fmt(r#"{"iamxAzureFederatedCredentials": []}"#),
            Some(FederatedCredentials)
        );
        // a resource id alone (no type) is not enough
        assert_eq!(fmt(r#"[{"id": "/subscriptions/s"}]"#), None);
        assert_eq!(
            fmt(r#"{"provider": "Azure", "request": {}}"#),
            Some(Requests)
        );
        assert_eq!(fmt(r#"[{"provider": "azure"}]"#), Some(Requests));
        assert_eq!(fmt("[]"), None);
        assert_eq!(fmt(r#"{"value": []}"#), None);
        assert_eq!(fmt(r#"{"Version": "2012-10-17", "Statement": []}"#), None);
        assert_eq!(
            fmt(r#"{"request": {"principal": "arn:aws:iam::1:user/a"}}"#),
            None
        );
        assert_eq!(fmt(r#"{"bindings": [], "etag": "x"}"#), None);
    }

    #[test]
    fn rest_records_in_an_array_are_read() {
        let src = Source::new(
            "t.json",
            r#"[{"name": "g1", "properties": {"roleName": "R", "permissions": [{"actions": ["*/read"]}]}}]"#,
        );
        let json = src.parse_json().unwrap();
        let load = load_json(&src, &json).unwrap();
        assert!(load.diagnostics.is_empty(), "{:?}", load.diagnostics);
        assert_eq!(load.env.roles.len(), 1);
    }
}
