//! One action and one service of the catalog.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;

use crate::AccessLevel;
use crate::glob::has_wildcard;

/// One IAM action: its canonical `service:Name`, access level, resource types
/// and condition keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// `service:Name`, canonical spelling.
    id: String,
    /// Byte offset of the `:` in `id`.
    colon: usize,
    access_level: AccessLevel,
    resource_types: Vec<String>,
    condition_keys: Vec<String>,
}

impl ActionInfo {
    /// A new action without resource types or condition keys.
    ///
    /// Returns `None` when `service` or `name` is empty or contains `:`, `*`
    /// or `?`: such an action could never be named in a policy, and the
    /// catalog's lookups rely on the first `:` separating service and name.
    ///
    /// ```
    /// use iamx_catalog::{AccessLevel, ActionInfo};
    ///
    /// let a = ActionInfo::new("s3", "GetObject", AccessLevel::Read).unwrap();
    /// assert_eq!(a.action(), "s3:GetObject");
    /// assert!(ActionInfo::new("s3", "Get:Object", AccessLevel::Read).is_none());
    /// ```
    #[must_use]
    pub fn new(service: &str, name: &str, access_level: AccessLevel) -> Option<ActionInfo> {
        let valid = |s: &str| !s.is_empty() && !s.contains(':') && !has_wildcard(s);
        if !valid(service) || !valid(name) {
            return None;
        }
        let mut id = String::with_capacity(service.len() + 1 + name.len());
        id.push_str(service);
        id.push(':');
        id.push_str(name);
        Some(ActionInfo {
            id,
            colon: service.len(),
            access_level,
            resource_types: Vec::new(),
            condition_keys: Vec::new(),
        })
    }

    /// The same action with these resource type names.
    #[must_use]
    pub fn with_resource_types(mut self, resource_types: Vec<String>) -> ActionInfo {
        self.resource_types = resource_types;
        self
    }

    /// The same action with these condition keys.
    #[must_use]
    pub fn with_condition_keys(mut self, condition_keys: Vec<String>) -> ActionInfo {
        self.condition_keys = condition_keys;
        self
    }

    /// The canonical `service:Name`, for example `s3:GetObject`.
    #[must_use]
    pub fn action(&self) -> &str {
        &self.id
    }

    /// The service prefix, for example `s3`.
    #[must_use]
    pub fn service(&self) -> &str {
        self.id.get(..self.colon).unwrap_or_default()
    }

    /// The action name without service, canonical case, for example
    /// `GetObject`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.id.get(self.colon + 1..).unwrap_or_default()
    }

    /// The access level.
    #[must_use]
    pub fn access_level(&self) -> AccessLevel {
        self.access_level
    }

    /// Names of the resource types the action can apply to (for example
    /// `object`, `bucket`), in the order of the data. Empty for actions that
    /// only support `"Resource": "*"`, and for the compiled-in catalog, which
    /// keeps no resource types.
    #[must_use]
    pub fn resource_types(&self) -> &[String] {
        &self.resource_types
    }

    /// Condition keys that may apply to the action: its own followed by those
    /// of its resource types, without duplicates. Empty for the compiled-in
    /// catalog.
    #[must_use]
    pub fn condition_keys(&self) -> &[String] {
        &self.condition_keys
    }

    pub(crate) fn set_access_level(&mut self, level: AccessLevel) {
        self.access_level = level;
    }
}

impl fmt::Display for ActionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// One service of the catalog: its prefix, human name and the range of its
/// actions in [`Catalog::sorted_actions`](crate::Catalog::sorted_actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    pub(crate) prefix: String,
    pub(crate) name: Option<String>,
    pub(crate) actions: Range<usize>,
}

impl ServiceInfo {
    /// The service prefix as used in actions, for example `s3`.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The human name, for example `Amazon S3`, when the data has one.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Indices of the service's actions in
    /// [`Catalog::sorted_actions`](crate::Catalog::sorted_actions): a service's
    /// actions are contiguous there.
    #[must_use]
    pub fn action_range(&self) -> Range<usize> {
        self.actions.clone()
    }

    /// Number of actions of the service.
    #[must_use]
    pub fn action_count(&self) -> usize {
        self.actions.len()
    }
}

/// Compares two strings as if both were ASCII-lowercased, without allocating.
pub(crate) fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}
