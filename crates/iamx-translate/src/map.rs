//! The resource map: which account, project or subscription of one cloud
//! stands for which of another, which bucket for which container, and how
//! object key prefixes carry over. Format: `corpus/README.md`, "Resource
//! maps".

use crate::vocab::Cloud;
use serde::{Deserialize, Serialize};

/// One account ↔ project ↔ subscription (or resource group).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The name the map uses for it.
    pub name: String,
    /// The AWS account id.
    #[serde(default)]
    pub aws: Option<String>,
    /// The GCP project (`projects/acme-prod`).
    #[serde(default)]
    pub gcp: Option<String>,
    /// The Azure scope (`/subscriptions/…` or `/subscriptions/…/resourceGroups/…`).
    #[serde(default)]
    pub azure: Option<String>,
}

/// Object key prefixes that correspond.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Prefix {
    /// In the S3 bucket.
    #[serde(default)]
    pub aws: Option<String>,
    /// In the GCS bucket.
    #[serde(default)]
    pub gcp: Option<String>,
    /// In the Azure container (the blob path, without the container).
    #[serde(default)]
    pub azure: Option<String>,
}

/// One resource known in several clouds.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The name the map uses for it.
    pub name: String,
    /// Its vocabulary resource type (`object-storage/bucket`, `key-management/key`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The account it belongs to (by name).
    pub account: String,
    /// The ARN.
    #[serde(default)]
    pub aws: Option<String>,
    /// The full resource name (`//storage.googleapis.com/projects/_/buckets/b`).
    #[serde(default)]
    pub gcp: Option<String>,
    /// The Azure resource id (scope).
    #[serde(default)]
    pub azure: Option<String>,
    /// Object key prefixes (object storage).
    #[serde(default)]
    pub prefixes: Vec<Prefix>,
}

/// A resource map.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceMap {
    /// Accounts, projects, subscriptions.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Resources.
    #[serde(default)]
    pub resources: Vec<Resource>,
}

/// A resource map that does not read.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ResourceMapError {
    /// Why, with line and column where JSON gives them.
    pub message: String,
}

/// Where a capability is granted, in the map's terms.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// Every resource of the account.
    Account {
        /// The account's map name.
        account: String,
    },
    /// One mapped resource.
    Resource {
        /// The resource's map name.
        resource: String,
    },
    /// The objects of a mapped bucket, all or under one prefix rule.
    Objects {
        /// The bucket's map name.
        resource: String,
        /// The prefix rule (index), or all objects.
        #[serde(skip_serializing_if = "Option::is_none")]
        prefix: Option<usize>,
    },
}

impl ResourceMap {
    /// Reads a map.
    pub fn parse(text: &str) -> Result<ResourceMap, ResourceMapError> {
        let m: ResourceMap = serde_json::from_str(text).map_err(|e| ResourceMapError {
            message: format!("{}:{}: {e}", e.line(), e.column()),
        })?;
        for r in &m.resources {
            if m.account(&r.account).is_none() {
                return Err(ResourceMapError {
                    message: format!(
                        "resource `{}` names account `{}`, which `accounts` does not list",
                        r.name, r.account
                    ),
                });
            }
        }
        let mut names: Vec<&str> = m
            .accounts
            .iter()
            .map(|a| a.name.as_str())
            .chain(m.resources.iter().map(|r| r.name.as_str()))
            .collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w.first() == w.get(1)) {
            return Err(ResourceMapError {
                message: format!("the name `{}` is used twice", w.first().unwrap_or(&"")),
            });
        }
        Ok(m)
    }

    /// The account named `name`.
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// The resource named `name`.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The account of a scope.
    pub fn account_of(&self, s: &Scope) -> Option<&Account> {
        match s {
            Scope::Account { account } => self.account(account),
            Scope::Resource { resource } | Scope::Objects { resource, .. } => self
                .resource(resource)
                .and_then(|r| self.account(&r.account)),
        }
    }

    /// Whether `outer` includes `inner`.
    pub fn includes(&self, outer: &Scope, inner: &Scope) -> bool {
        if outer == inner {
            return true;
        }
        match (outer, inner) {
            (Scope::Account { account }, _) => {
                !matches!(inner, Scope::Account { .. })
                    && self.account_of(inner).is_some_and(|a| &a.name == account)
            }
            (
                Scope::Objects {
                    resource: a,
                    prefix: None,
                },
                Scope::Objects { resource: b, .. },
            )
            | (Scope::Resource { resource: a }, Scope::Objects { resource: b, .. }) => a == b,
            _ => false,
        }
    }

    /// The scopes a capability of resource type `kind` can be granted at.
    pub fn scopes_for(&self, kind: &str, path_level: bool) -> Vec<Scope> {
        let mut out: Vec<Scope> = self
            .accounts
            .iter()
            .map(|a| Scope::Account {
                account: a.name.clone(),
            })
            .collect();
        for r in &self.resources {
            if path_level && r.kind == "object-storage/bucket" {
                out.push(Scope::Objects {
                    resource: r.name.clone(),
                    prefix: None,
                });
                for i in 0..r.prefixes.len() {
                    out.push(Scope::Objects {
                        resource: r.name.clone(),
                        prefix: Some(i),
                    });
                }
            } else if !path_level && r.kind == kind {
                out.push(Scope::Resource {
                    resource: r.name.clone(),
                });
            }
        }
        out
    }

    /// The prefix text of a prefix rule in `cloud` (`None` for all objects;
    /// `Some(None)` when the rule has no counterpart in `cloud`).
    pub fn prefix(
        &self,
        resource: &str,
        prefix: Option<usize>,
        cloud: Cloud,
    ) -> Option<Option<&str>> {
        let i = prefix?;
        let p = self.resource(resource)?.prefixes.get(i);
        Some(p.and_then(|p| match cloud {
            Cloud::Aws => p.aws.as_deref(),
            Cloud::Gcp => p.gcp.as_deref(),
            Cloud::Azure => p.azure.as_deref(),
        }))
    }

    /// How a scope reads in `cloud`'s terms, for reports.
    pub fn describe(&self, s: &Scope, cloud: Cloud) -> String {
        let id =
            |aws: &Option<String>, gcp: &Option<String>, az: &Option<String>| -> Option<String> {
                match cloud {
                    Cloud::Aws => aws.clone(),
                    Cloud::Gcp => gcp.clone(),
                    Cloud::Azure => az.clone(),
                }
            };
        match s {
            Scope::Account { account } => {
                let a = self.account(account);
                let shown = a.and_then(|a| id(&a.aws, &a.gcp, &a.azure));
                format!(
                    "account `{account}`{}",
                    shown.map(|s| format!(" ({s})")).unwrap_or_default()
                )
            }
            Scope::Resource { resource } => {
                let r = self.resource(resource);
                let shown = r.and_then(|r| id(&r.aws, &r.gcp, &r.azure));
                format!(
                    "`{resource}`{}",
                    shown.map(|s| format!(" ({s})")).unwrap_or_default()
                )
            }
            Scope::Objects { resource, prefix } => match self.prefix(resource, *prefix, cloud) {
                None => format!("objects of `{resource}`"),
                Some(Some(p)) => format!("objects of `{resource}` under `{p}`"),
                Some(None) => format!(
                    "objects of `{resource}` under prefix rule {}",
                    prefix.unwrap_or(0) + 1
                ),
            },
        }
    }

    /// The scope a resource id of `cloud` names (`None` inside: every
    /// account, for `*`), or `None` when the map does not hold it.
    pub fn scope_of(&self, cloud: Cloud, id: &str) -> Option<Option<Scope>> {
        if id == "*" || id == "/" {
            return Some(None);
        }
        let pick =
            |aws: &Option<String>, gcp: &Option<String>, az: &Option<String>| -> Option<String> {
                match cloud {
                    Cloud::Aws => aws.clone(),
                    Cloud::Gcp => gcp.clone(),
                    Cloud::Azure => az.clone(),
                }
            };
        let same = |a: &str, b: &str| match cloud {
            Cloud::Azure => a.eq_ignore_ascii_case(b),
            _ => a == b,
        };
        for a in &self.accounts {
            if let Some(x) = pick(&a.aws, &a.gcp, &a.azure) {
                let full = format!("//cloudresourcemanager.googleapis.com/{x}");
                if same(&x, id) || (cloud == Cloud::Gcp && full == id) {
                    return Some(Some(Scope::Account {
                        account: a.name.clone(),
                    }));
                }
            }
        }
        for r in &self.resources {
            let Some(x) = pick(&r.aws, &r.gcp, &r.azure) else {
                continue;
            };
            if same(&x, id) {
                return Some(Some(Scope::Resource {
                    resource: r.name.clone(),
                }));
            }
            if let Some(p) = id
                .strip_prefix(x.as_str())
                .and_then(|t| t.strip_prefix('/'))
                .and_then(|t| t.strip_suffix('*'))
                .filter(|_| cloud == Cloud::Aws)
            {
                return self.objects_scope(r, p, cloud).map(Some);
            }
        }
        None
    }

    /// The objects scope of `r` under prefix text `p` of `cloud` (`""`: all).
    pub fn objects_scope(&self, r: &Resource, p: &str, cloud: Cloud) -> Option<Scope> {
        if p.is_empty() {
            return Some(Scope::Objects {
                resource: r.name.clone(),
                prefix: None,
            });
        }
        r.prefixes
            .iter()
            .position(|x| {
                let t = match cloud {
                    Cloud::Aws => &x.aws,
                    Cloud::Gcp => &x.gcp,
                    Cloud::Azure => &x.azure,
                };
                t.as_deref() == Some(p)
            })
            .map(|i| Scope::Objects {
                resource: r.name.clone(),
                prefix: Some(i),
            })
    }
}
