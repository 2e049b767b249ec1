//! Resources and their managed identities: `az resource list` output (an
//! array of `{id, type, name, identity: {type, principalId,
//! userAssignedIdentities: {"<identity id>": {principalId, clientId}}}, …}`,
//! or the REST shape `{"value": […]}`), and `az identity list` output, whose
//! records are user-assigned identities with their own `principalId`.
//!
//! A managed identity is a service principal: its object id (`principalId`)
//! is what role assignments name. Whoever may run code on a resource may act
//! as every identity attached to it; `iamx-analysis` decides who may.

use crate::env::AzureEnvironment;
use crate::read::{origin, str_field};
use crate::roles::listed;
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use iamx_model::{JsonPath, Origin};
use std::sync::Arc;

/// The resource type of user-assigned identities.
pub const USER_ASSIGNED_IDENTITY_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

/// How an identity is attached to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdentityKind {
    /// Created with the resource and deleted with it.
    SystemAssigned,
    /// A `Microsoft.ManagedIdentity/userAssignedIdentities` resource of its own.
    UserAssigned,
}

/// A managed identity attached to a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachedIdentity {
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The identity's object id (lowercased), when the export gives it (a
    /// user-assigned identity's may come from another file: see
    /// [`AzureEnvironment::identity_principal`]).
    pub principal_id: Option<String>,
    /// The resource id of a user-assigned identity.
    pub identity_id: Option<String>,
    /// The application (client) id, when given.
    pub client_id: Option<String>,
}

/// A resource that carries at least one managed identity.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The resource id (its scope).
    pub id: String,
    /// `Provider/type[/subtype]`, as written.
    pub resource_type: String,
    /// The resource's name.
    pub name: String,
    /// `kind` (`app,linux`, `functionapp`, …), when given.
    pub kind: Option<String>,
    /// The identities attached to it.
    pub identities: Vec<AttachedIdentity>,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

/// A user-assigned identity resource.
#[derive(Clone, Debug)]
pub struct UserAssignedIdentity {
    /// Its resource id, as written.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its object id (lowercased).
    pub principal_id: String,
    /// Its application (client) id.
    pub client_id: Option<String>,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

const RESOURCE_KEYS: [&str; 20] = [
    "changedTime",
    "createdTime",
    "etag",
    "extendedLocation",
    "id",
    "identity",
    "kind",
    "location",
    "managedBy",
    "name",
    "plan",
    "properties",
    "provisioningState",
    "resourceGroup",
    "sku",
    "systemData",
    "tags",
    "type",
    "zones",
    // `az identity list` records (user-assigned identities)
    "tenantId",
];

const IDENTITY_LIST_KEYS: [&str; 2] = ["principalId", "clientId"];

const IDENTITY_KEYS: [&str; 4] = ["type", "principalId", "tenantId", "userAssignedIdentities"];

const USER_ASSIGNED_ENTRY_KEYS: [&str; 2] = ["principalId", "clientId"];

/// The last `/`-separated segment of a resource id.
fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// `identity.type`: which kinds it names, or `None` when it is not one
/// Azure writes.
fn identity_kinds(t: &str) -> Option<(bool, bool)> {
    let mut system = false;
    let mut user = false;
    for part in t.split(',').map(str::trim) {
        if part.eq_ignore_ascii_case("SystemAssigned") {
            system = true;
        } else if part.eq_ignore_ascii_case("UserAssigned") {
            user = true;
        } else if !part.eq_ignore_ascii_case("None") {
            return None;
        }
    }
    Some((system, user))
}

/// Reads `identity` of a resource record.
fn identity(ident: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Vec<AttachedIdentity> {
    let mut out = Vec::new();
    if matches!(ident.value, JsonValue::Null) {
        return out;
    }
    if ident.as_object().is_none() {
        sink.error(
            ident.span,
            path,
            format!(
                "`identity` must be an object with `type` and `principalId`, found {}",
                ident.kind_name()
            ),
        );
        return out;
    }
    sink.unknown_keys(ident, path, &IDENTITY_KEYS, "managed identity");
    let Some(t) = str_field(ident, "type", path, sink, Some("managed identity")) else {
        return out;
    };
    let Some((system, user)) = identity_kinds(t) else {
        let span = ident.get("type").map_or(ident.span, |v| v.span);
        sink.error_help(
            span,
            &path.key("type"),
            format!("unknown managed identity type `{t}`"),
            "Azure writes `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`",
        );
        return out;
    };
    let principal = str_field(ident, "principalId", path, sink, None);
    if system {
        match principal {
            Some(p) => out.push(AttachedIdentity {
                kind: IdentityKind::SystemAssigned,
                principal_id: Some(p.to_ascii_lowercase()),
                identity_id: None,
                client_id: None,
            }),
            None => sink.error(
                ident.span,
                path,
                "a system-assigned identity has no `principalId`: iamx cannot tell which principal it is",
            ),
        }
    }
    let ua_key = "userAssignedIdentities";
    let uap = path.key(ua_key);
    match ident.get(ua_key) {
        None => {}
        Some(m) if matches!(m.value, JsonValue::Null) => {}
        Some(m) => match m.as_object() {
            None => sink.error(
                m.span,
                &uap,
                format!(
                    "`{ua_key}` must map identity resource ids to `{{principalId, clientId}}`, found {}",
                    m.kind_name()
                ),
            ),
            Some(members) => {
                for (k, v) in members {
                    let ep = uap.key(&k.name);
                    let (p, c) = if matches!(v.value, JsonValue::Null) {
                        (None, None)
                    } else if v.as_object().is_some() {
                        sink.unknown_keys(v, &ep, &USER_ASSIGNED_ENTRY_KEYS, "user-assigned identity");
                        (
                            str_field(v, "principalId", &ep, sink, None),
                            str_field(v, "clientId", &ep, sink, None),
                        )
                    } else {
                        sink.error(
                            v.span,
                            &ep,
                            format!(
                                "a user-assigned identity must be an object with `principalId` and `clientId`, found {}",
                                v.kind_name()
                            ),
                        );
                        continue;
                    };
                    out.push(AttachedIdentity {
                        kind: IdentityKind::UserAssigned,
                        principal_id: p.map(str::to_ascii_lowercase),
                        identity_id: Some(k.name.clone()),
                        client_id: c.map(str::to_owned),
                    });
                }
            }
        },
    }
    if user && !out.iter().any(|i| i.kind == IdentityKind::UserAssigned) {
        sink.warn(
            ident.span,
            path,
            format!(
                "identity type `{t}` names user-assigned identities, but `{ua_key}` lists none"
            ),
        );
    }
    out
}

impl AzureEnvironment {
    /// Reads `az resource list` output (or the REST `{"value": […]}` shape)
    /// and `az identity list` output. Only resources with a managed identity
    /// are kept; user-assigned identity records are kept as identities.
    pub fn read_resources(&mut self, json: &Json, sink: &mut Sink<'_>) {
        for (n, it, path) in listed(json, sink, "resources") {
            if it.as_object().is_none() {
                sink.error(
                    it.span,
                    &path,
                    format!("a resource must be an object, found {}", it.kind_name()),
                );
                continue;
            }
            let typ = str_field(it, "type", &path, sink, None);
            let is_identity =
                typ.is_some_and(|t| t.eq_ignore_ascii_case(USER_ASSIGNED_IDENTITY_TYPE));
            if is_identity {
                let mut known = RESOURCE_KEYS.to_vec();
                known.extend(IDENTITY_LIST_KEYS);
                sink.unknown_keys(it, &path, &known, "resource");
            } else {
                sink.unknown_keys(it, &path, &RESOURCE_KEYS, "resource");
            }
            let Some(id) = str_field(it, "id", &path, sink, Some("resource")) else {
                continue;
            };
            if !id.starts_with('/') {
                let span = it.get("id").map_or(it.span, |v| v.span);
                sink.error(
                    span,
                    &path.key("id"),
                    format!("resource id `{id}` must start with `/subscriptions/`"),
                );
                continue;
            }
            let name = str_field(it, "name", &path, sink, None)
                .unwrap_or_else(|| last_segment(id))
                .to_owned();
            let kind = str_field(it, "kind", &path, sink, None).map(str::to_owned);
            if is_identity {
                // `az identity list`: the identity's own object id
                if let Some(p) = str_field(it, "principalId", &path, sink, None) {
                    let client = str_field(it, "clientId", &path, sink, None).map(str::to_owned);
                    let o = origin(sink, it, format!("user-assigned identity `{name}`"), n);
                    self.add_user_assigned(UserAssignedIdentity {
                        id: id.to_owned(),
                        name: name.clone(),
                        principal_id: p.to_ascii_lowercase(),
                        client_id: client,
                        origin: o,
                    });
                }
            }
            let identities = match it.get("identity") {
                Some(ident) => identity(ident, &path.key("identity"), sink),
                None => Vec::new(),
            };
            if identities.is_empty() {
                continue;
            }
            let Some(typ) = typ else {
                sink.error(
                    it.span,
                    &path,
                    "resource has no `type`: iamx cannot tell who may run code on it",
                );
                continue;
            };
            let o = origin(sink, it, format!("resource `{name}` ({typ})"), n);
            for i in &identities {
                if let (Some(iid), Some(p)) = (&i.identity_id, &i.principal_id) {
                    self.add_user_assigned(UserAssignedIdentity {
                        id: iid.clone(),
                        name: last_segment(iid).to_owned(),
                        principal_id: p.clone(),
                        client_id: i.client_id.clone(),
                        origin: o.clone(),
                    });
                }
            }
            self.resources.push(Resource {
                id: id.to_owned(),
                resource_type: typ.to_owned(),
                name,
                kind,
                identities,
                origin: o,
            });
        }
    }

    pub(crate) fn add_user_assigned(&mut self, u: UserAssignedIdentity) {
        self.user_assigned
            .entry(u.id.trim_end_matches('/').to_ascii_lowercase())
            .or_insert(u);
    }

    /// The object id of an attached identity: its own `principalId`, or,
    /// for a user-assigned identity, the one another file gives for its
    /// resource id.
    pub fn identity_principal(&self, i: &AttachedIdentity) -> Option<String> {
        i.principal_id.clone().or_else(|| {
            let id = i.identity_id.as_deref()?;
            self.user_assigned_identity(id)
                .map(|u| u.principal_id.clone())
        })
    }

    /// The user-assigned identity with this resource id (case-insensitive).
    pub fn user_assigned_identity(&self, id: &str) -> Option<&UserAssignedIdentity> {
        self.user_assigned
            .get(&id.trim_end_matches('/').to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{AzureFormat, load_json};
    use iamx_model::source::Source;

    fn load(text: &str) -> crate::AzureFileLoad {
        let src = Source::new("r.json", text);
        let json = src.parse_json().unwrap();
        load_json(&src, &json).unwrap()
    }

    #[test]
    fn system_and_user_assigned_identities_are_read() {
        let l = load(
            r#"[
              {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
               "name": "vm1", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
               "identity": {"type": "SystemAssigned, UserAssigned", "principalId": "AAAA", "tenantId": "t",
                 "userAssignedIdentities": {"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua1":
                   {"principalId": "BBBB", "clientId": "c"}}}},
              {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
               "name": "st1", "type": "Microsoft.Storage/storageAccounts", "identity": null}
            ]"#,
        );
        assert_eq!(l.format, AzureFormat::Resources);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        assert_eq!(l.env.resources.len(), 1);
        let r = &l.env.resources[0];
        assert_eq!(r.identities.len(), 2);
        assert_eq!(r.identities[0].principal_id.as_deref(), Some("aaaa"));
        assert_eq!(
            l.env
                .user_assigned_identity("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/UA1")
                .map(|u| u.principal_id.as_str()),
            Some("bbbb")
        );
    }

    #[test]
    fn identity_list_records_give_user_assigned_object_ids() {
        let l = load(
            r#"[{"id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua1",
                "name": "ua1", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope",
                "principalId": "CCCC", "clientId": "d", "tenantId": "t", "tags": {}}]"#,
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        assert!(l.env.resources.is_empty());
        assert_eq!(l.env.user_assigned.len(), 1);
    }

    #[test]
    fn unknown_identity_type_and_missing_principal_are_located_errors() {
        let l = load(
            r#"[{"id": "/subscriptions/s/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites",
                "identity": {"type": "SystemAsigned", "principalId": "x"}}]"#,
        );
        let errors: Vec<_> = l.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{:?}", l.diagnostics);
        assert_eq!(errors[0].path, "$[0].identity.type");
        let l = load(
            r#"[{"id": "/subscriptions/s/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites",
                "identity": {"type": "SystemAssigned"}}]"#,
        );
        assert_eq!(l.diagnostics.iter().filter(|d| d.is_error()).count(), 1);
        assert!(l.env.resources.is_empty());
    }
}
