//! Federated identity credentials: which outside tokens (issuer, subject,
//! audiences) may sign in as an app's service principal or a user-assigned
//! managed identity.
//!
//! Two shapes:
//! - `az identity federated-credential list` output (and the REST shape with
//!   `properties`): each record's `id` is
//!   `…/userAssignedIdentities/NAME/federatedIdentityCredentials/CRED`, so
//!   the identity it belongs to is read off it.
//! - `az ad app federated-credential list --id APP` (Microsoft Graph) output
//!   does not say which application it belongs to, so iamx reads it inside
//!   a small wrapper: `{"iamxAzureFederatedCredentials": [{"principalId":
//!   "<service principal object id>", "application": "<appId>",
//!   "displayName": "…", "credentials": [ …the command's output… ]}]}`.
//!   `identity` (a user-assigned identity's resource id) may stand for
//!   `principalId`. A bare Graph list is a warning: it is tied to no one.

use crate::env::AzureEnvironment;
use crate::read::{array_field, origin, str_field, strings};
use crate::roles::{listed, records};
use iamx_model::json::Json;
use iamx_model::source::Sink;
use iamx_model::{JsonPath, Origin};
use std::sync::Arc;

/// The top-level key of iamx's wrapper.
pub const WRAPPER_KEY: &str = "iamxAzureFederatedCredentials";

/// A federated identity credential.
#[derive(Clone, Debug)]
pub struct FederatedCredential {
    /// Its name.
    pub name: Option<String>,
    /// The token issuer it trusts (`iss`).
    pub issuer: String,
    /// The subject it trusts (`sub`); `None` for a flexible credential
    /// (`claimsMatchingExpression`).
    pub subject: Option<String>,
    /// A flexible credential's claims-matching expression.
    pub claims_expression: Option<String>,
    /// The audiences it accepts (`aud`).
    pub audiences: Vec<String>,
    /// The object id it signs in as (lowercased), when the input says it.
    pub principal_id: Option<String>,
    /// The user-assigned identity it belongs to (resource id).
    pub identity_id: Option<String>,
    /// The application (`appId` or object id), when the wrapper gives it.
    pub application: Option<String>,
    /// A display name for the principal, when the wrapper gives it.
    pub display_name: Option<String>,
    /// Where it was read.
    pub origin: Arc<Origin>,
}

const CREDENTIAL_KEYS: [&str; 13] = [
    "@odata.type",
    "audiences",
    "claimsMatchingExpression",
    "description",
    "id",
    "issuer",
    "name",
    "properties",
    "resourceGroup",
    "subject",
    "systemData",
    "type",
    "etag",
];

const PROPERTY_KEYS: [&str; 4] = ["issuer", "subject", "audiences", "claimsMatchingExpression"];

const ENTRY_KEYS: [&str; 5] = [
    "principalId",
    "identity",
    "application",
    "displayName",
    "credentials",
];

/// The identity resource id in a credential's id
/// (`…/userAssignedIdentities/NAME/federatedIdentityCredentials/CRED`).
fn identity_of_credential_id(id: &str) -> Option<&str> {
    let marker = "/federatedidentitycredentials/";
    let at = id.to_ascii_lowercase().find(marker)?;
    id.get(..at)
}

/// Who a credential belongs to.
struct Owner {
    principal_id: Option<String>,
    identity_id: Option<String>,
    application: Option<String>,
    display_name: Option<String>,
}

fn credential(
    it: &Json,
    path: &JsonPath,
    n: usize,
    owner: &Owner,
    sink: &mut Sink<'_>,
) -> Option<FederatedCredential> {
    if it.as_object().is_none() {
        sink.error(
            it.span,
            path,
            format!(
                "a federated credential must be an object with `issuer` and `subject`, found {}",
                it.kind_name()
            ),
        );
        return None;
    }
    sink.unknown_keys(it, path, &CREDENTIAL_KEYS, "federated credential");
    let (props, pp) = match it.get("properties") {
        Some(p) if p.as_object().is_some() => {
            sink.unknown_keys(
                p,
                &path.key("properties"),
                &PROPERTY_KEYS,
                "federated credential properties",
            );
            (p, path.key("properties"))
        }
        Some(p) => {
            sink.error(
                p.span,
                &path.key("properties"),
                format!("`properties` must be an object, found {}", p.kind_name()),
            );
            return None;
        }
        None => (it, path.clone()),
    };
    let what = Some("federated credential");
    let issuer = str_field(props, "issuer", &pp, sink, what);
    let expression = props
        .get("claimsMatchingExpression")
        .and_then(|e| e.get("value").or(Some(e)))
        .and_then(Json::as_str)
        .map(str::to_owned);
    let subject = if expression.is_some() {
        str_field(props, "subject", &pp, sink, None)
    } else {
        str_field(props, "subject", &pp, sink, what)
    };
    let audiences = strings(props, "audiences", &pp, sink, "audiences");
    let name = str_field(it, "name", path, sink, None).map(str::to_owned);
    let id = str_field(it, "id", path, sink, None);
    let issuer = issuer?;
    if subject.is_none() && expression.is_none() {
        return None;
    }
    let identity_id = owner
        .identity_id
        .clone()
        .or_else(|| id.and_then(identity_of_credential_id).map(str::to_owned));
    let label = name.clone().unwrap_or_else(|| format!("#{n}"));
    let o = origin(sink, it, format!("federated credential `{label}`"), n);
    Some(FederatedCredential {
        name,
        issuer: issuer.trim().to_owned(),
        subject: subject.map(|s| s.trim().to_owned()),
        claims_expression: expression,
        audiences,
        principal_id: owner.principal_id.clone(),
        identity_id,
        application: owner.application.clone(),
        display_name: owner.display_name.clone(),
        origin: o,
    })
}

impl AzureEnvironment {
    /// Reads federated identity credentials: `az identity federated-credential
    /// list` output, or iamx's wrapper around `az ad app federated-credential
    /// list` output.
    pub fn read_federated_credentials(&mut self, json: &Json, sink: &mut Sink<'_>) {
        let root = JsonPath::root();
        if let Some(entries) = json.get(WRAPPER_KEY) {
            sink.unknown_keys(json, &root, &[WRAPPER_KEY], "federated credential file");
            let kp = root.key(WRAPPER_KEY);
            if entries.as_array().is_none() {
                sink.error(
                    entries.span,
                    &kp,
                    format!(
                        "`{WRAPPER_KEY}` must be an array of `{{principalId, credentials}}` entries, found {}",
                        entries.kind_name()
                    ),
                );
                return;
            }
            for (k, e) in array_field(json, WRAPPER_KEY, &root, sink, "entries")
                .iter()
                .enumerate()
            {
                let ep = kp.index(k);
                if e.as_object().is_none() {
                    sink.error(
                        e.span,
                        &ep,
                        format!(
                            "an entry must be an object with `principalId` and `credentials`, found {}",
                            e.kind_name()
                        ),
                    );
                    continue;
                }
                sink.unknown_keys(e, &ep, &ENTRY_KEYS, "federated credential entry");
                let principal = str_field(e, "principalId", &ep, sink, None);
                let identity = str_field(e, "identity", &ep, sink, None);
                let owner = Owner {
                    principal_id: principal.map(str::to_ascii_lowercase),
                    identity_id: identity.map(str::to_owned),
                    application: str_field(e, "application", &ep, sink, None).map(str::to_owned),
                    display_name: str_field(e, "displayName", &ep, sink, None).map(str::to_owned),
                };
                if owner.principal_id.is_none() && owner.identity_id.is_none() {
                    sink.error_help(
                        e.span,
                        &ep,
                        "federated credential entry has no `principalId` (nor `identity`): iamx cannot tell who the credentials sign in as",
                        "give the service principal's object id (`az ad sp show --id <appId> --query id`)",
                    );
                    continue;
                }
                let cp = ep.key("credentials");
                match e.get("credentials") {
                    None => sink.error(e.span, &ep, "federated credential entry has no `credentials`"),
                    Some(c) if c.as_array().is_none() => sink.error(
                        c.span,
                        &cp,
                        format!(
                            "`credentials` must be an array (the output of `az ad app federated-credential list`), found {}",
                            c.kind_name()
                        ),
                    ),
                    Some(c) => {
                        for (n, it, _) in records(c) {
                            if let Some(fc) = credential(it, &cp.index(n), n, &owner, sink) {
                                self.federated_credentials.push(fc);
                            }
                        }
                    }
                }
            }
            return;
        }
        let none = Owner {
            principal_id: None,
            identity_id: None,
            application: None,
            display_name: None,
        };
        for (n, it, path) in listed(json, sink, "federated credentials") {
            let Some(fc) = credential(it, &path, n, &none, sink) else {
                continue;
            };
            if fc.identity_id.is_none() {
                sink.warn_help(
                    it.span,
                    &path,
                    format!(
                        "federated credential `{}` does not say which application it belongs to: it is ignored",
                        fc.name.as_deref().unwrap_or("?")
                    ),
                    format!(
                        "wrap the output of `az ad app federated-credential list` as {{\"{WRAPPER_KEY}\": [{{\"principalId\": \"<service principal object id>\", \"credentials\": [...]}}]}}"
                    ),
                );
                continue;
            }
            self.federated_credentials.push(fc);
        }
    }

    /// The object id a federated credential signs in as: the one its file
    /// gives, or the object id of the user-assigned identity it belongs to.
    pub fn credential_principal(&self, fc: &FederatedCredential) -> Option<String> {
        fc.principal_id.clone().or_else(|| {
            let id = fc.identity_id.as_deref()?;
            self.user_assigned_identity(id)
                .map(|u| u.principal_id.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{AzureFormat, load_json};
    use iamx_model::source::Source;

    fn load(text: &str) -> crate::AzureFileLoad {
        let src = Source::new("f.json", text);
        let json = src.parse_json().unwrap();
        load_json(&src, &json).unwrap()
    }

    #[test]
    fn identity_credentials_name_their_identity() {
        let l = load(
            r#"[{"audiences": ["api://AzureADTokenExchange"],
                 "id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua1/federatedIdentityCredentials/eks",
                 "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "name": "eks", "resourceGroup": "rg",
                 "subject": "system:serviceaccount:ns:sa", "systemData": null,
                 "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"}]"#,
        );
        assert_eq!(l.format, AzureFormat::FederatedCredentials);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        assert_eq!(
            l.env.federated_credentials[0].identity_id.as_deref(),
            Some(
                "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua1"
            )
        );
    }

    #[test]
    fn app_credentials_need_the_wrapper() {
        let bare = r#"[{"audiences": ["api://AzureADTokenExchange"], "description": null, "id": "0f0f",
                        "issuer": "https://token.actions.githubusercontent.com", "name": "gh",
                        "subject": "repo:example/app:ref:refs/heads/main"}]"#;
        let l = load(bare);
        assert!(l.env.federated_credentials.is_empty());
        assert_eq!(l.diagnostics.len(), 1);
        assert!(!l.diagnostics[0].is_error());
        let l = load(&format!(
            r#"{{"iamxAzureFederatedCredentials": [{{"principalId": "ABCD", "application": "app", "credentials": {bare}}}]}}"#
        ));
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        assert_eq!(
            l.env.federated_credentials[0].principal_id.as_deref(),
            Some("abcd")
        );
    }
}
