//! Entra ID (directory) role assignments: Microsoft Graph `GET
//! /roleManagement/directory/roleAssignments` output, `{"value": [{id,
//! principalId, roleDefinitionId, directoryScopeId, …}]}` (or the bare
//! array). These are not Azure RBAC: they grant directory roles such as
//! Global Administrator, whose holder may elevate itself to User Access
//! Administrator at `/` in every subscription of the tenant.

use crate::env::AzureEnvironment;
use crate::read::{origin, str_field};
use crate::roles::listed;
use iamx_model::json::Json;
use iamx_model::source::Sink;
use iamx_model::{JsonPath, Origin};
use std::sync::Arc;

/// The role template id of Global Administrator.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// A directory role assignment.
#[derive(Clone, Debug)]
pub struct DirectoryRoleAssignment {
    /// The assignment's id.
    pub id: Option<String>,
    /// The assignee's object id (lowercased): a user, service principal or
    /// role-assignable group.
    pub principal_id: String,
    /// The role definition (template) id, lowercased.
    pub role_definition_id: String,
    /// The role's display name, when the export expands `roleDefinition`.
    pub role_name: Option<String>,
    /// `directoryScopeId`: `/` for the whole tenant, `/administrativeUnits/…`
    /// or an object.
    pub directory_scope_id: String,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

impl DirectoryRoleAssignment {
    /// Whether it makes its principal a Global Administrator.
    pub fn is_global_administrator(&self) -> bool {
        self.role_definition_id == GLOBAL_ADMINISTRATOR
    }
}

const KEYS: [&str; 11] = [
    "@odata.type",
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "condition",
    "resourceScope",
    "principalOrganizationId",
    "principal",
    "roleDefinition",
];

impl AzureEnvironment {
    /// Reads directory role assignments (Microsoft Graph
    /// `roleManagement/directory/roleAssignments`).
    pub fn read_directory_role_assignments(&mut self, json: &Json, sink: &mut Sink<'_>) {
        let root = JsonPath::root();
        if json.get("value").is_some() {
            sink.unknown_keys(
                json,
                &root,
                &["@odata.context", "@odata.nextLink", "value"],
                "Microsoft Graph response",
            );
        }
        for (n, it, path) in listed(json, sink, "directory role assignments") {
            if let Some(a) = directory_role_assignment(it, &path, n, sink) {
                self.directory_roles.push(a);
            }
        }
    }
}

fn directory_role_assignment(
    it: &Json,
    path: &JsonPath,
    n: usize,
    sink: &mut Sink<'_>,
) -> Option<DirectoryRoleAssignment> {
    if it.as_object().is_none() {
        sink.error(
            it.span,
            path,
            format!(
                "a directory role assignment must be an object, found {}",
                it.kind_name()
            ),
        );
        return None;
    }
    sink.unknown_keys(it, path, &KEYS, "directory role assignment");
    let what = Some("directory role assignment");
    let principal = str_field(it, "principalId", path, sink, what);
    let role = str_field(it, "roleDefinitionId", path, sink, what);
    let scope = str_field(it, "directoryScopeId", path, sink, None);
    let id = str_field(it, "id", path, sink, None).map(str::to_owned);
    let role_name = it
        .get("roleDefinition")
        .and_then(|r| r.get("displayName"))
        .and_then(Json::as_str)
        .map(str::to_owned);
    let (principal, role) = (principal?, role?);
    let role_lc = role.trim().to_ascii_lowercase();
    let scope = scope.unwrap_or("/").to_owned();
    let is_ga = role_lc == GLOBAL_ADMINISTRATOR;
    if is_ga && scope != "/" {
        let span = it.get("directoryScopeId").map_or(it.span, |v| v.span);
        sink.warn(
            span,
            &path.key("directoryScopeId"),
            format!(
                "Global Administrator is assigned tenant-wide only; scope `{scope}` is read as `/`"
            ),
        );
    }
    let label = role_name.clone().unwrap_or_else(|| {
        if is_ga {
            "Global Administrator".to_owned()
        } else {
            role_lc.clone()
        }
    });
    let o = origin(
        sink,
        it,
        format!("directory role assignment `{label}` to `{principal}` at `{scope}`"),
        n,
    );
    Some(DirectoryRoleAssignment {
        id,
        principal_id: principal.to_ascii_lowercase(),
        role_definition_id: role_lc,
        role_name,
        directory_scope_id: scope,
        origin: o,
    })
}

#[cfg(test)]
mod tests {
    use crate::load::{AzureFormat, load_json};
    use iamx_model::source::Source;

    #[test]
    fn graph_output_is_read() {
        let src = Source::new(
            "d.json",
            r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments",
                "value": [{"id": "x", "principalId": "AAAA", "roleDefinitionId": "62E90394-69F5-4237-9190-012177145E10", "directoryScopeId": "/"},
                          {"id": "y", "principalId": "bbbb", "roleDefinitionId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "directoryScopeId": "/"}]}"#,
        );
        let json = src.parse_json().unwrap();
        let l = load_json(&src, &json).unwrap();
        assert_eq!(l.format, AzureFormat::DirectoryRoleAssignments);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let ga: Vec<_> = l
            .env
            .directory_roles
            .iter()
            .filter(|a| a.is_global_administrator())
            .map(|a| a.principal_id.as_str())
            .collect();
        assert_eq!(ga, ["aaaa"]);
    }
}
