//! # iamx-analysis
//!
//! Questions over everything loaded, across the three clouds: who can act on
//! a resource, what a principal can reach, how a principal can escalate, and
//! the audit that sums it up.
//!
//! Key decision: every answer comes from the concrete evaluators of
//! `iamx-model`, never from a re-implementation of a provider's rules. The
//! analyses only *choose which requests to ask*: candidate principals and
//! actions are read off the policies (a pruning step that may over-include,
//! never leave out, since an action can only be allowed by a statement,
//! binding or assignment that names it), and each candidate is decided with
//! an *open* context, so `allowed` means unconditionally allowed and
//! `unknown` means allowed under conditions the request does not fix (the
//! reason names them).

pub mod audit;
pub mod aws;
pub mod azure;
pub mod escalation;
pub mod gcp;
pub mod graph;
pub mod risk;
pub mod technique;

use iamx_aws::AwsEnvironment;
use iamx_azure::AzureEnvironment;
use iamx_catalog::Catalog;
use iamx_gcp::GcpEnvironment;
use iamx_model::{Decision, Outcome};
use serde::Serialize;

/// Everything the analyses read.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// AWS.
    pub aws: &'a AwsEnvironment,
    /// GCP.
    pub gcp: &'a GcpEnvironment,
    /// Azure.
    pub azure: &'a AzureEnvironment,
    /// The AWS action catalog (concrete action names for wildcards).
    pub catalog: &'a Catalog,
}

/// One action a principal may take on a resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ActionAccess {
    /// The action, permission or operation (a pattern where no catalog names it).
    pub action: String,
    /// Whether it holds only under conditions.
    pub conditional: bool,
    /// For a conditional grant: what it depends on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

impl ActionAccess {
    /// This access, reached through a step (an assumed role, an
    /// impersonated service account) that holds only under `cond` when
    /// there is one: conditional then, with its own condition or the step's.
    pub fn through(&self, cond: Option<&String>) -> ActionAccess {
        ActionAccess {
            action: self.action.clone(),
            conditional: self.conditional || cond.is_some(),
            condition: self.condition.clone().or_else(|| cond.cloned()),
        }
    }
}

/// A principal's access to one resource (who-can) or one resource's access by
/// a principal (what-can).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Access {
    /// `aws`, `gcp` or `azure`.
    pub cloud: &'static str,
    /// The principal as its cloud names it.
    pub principal: String,
    /// The principal's kind (`user`, `role`, `service-account`, …).
    pub kind: String,
    /// The resource (or scope / pattern).
    pub resource: String,
    /// The actions, sorted.
    pub actions: Vec<ActionAccess>,
    /// How the access comes about: `direct`, `group G`, `assumed role R`,
    /// `impersonated service account S`, `inherited from S`, `resource policy`.
    pub via: Vec<String>,
    /// The grants (statements, bindings, assignments) that allow it.
    pub grants: Vec<String>,
}

/// Classifies a decision made with an open context.
pub(crate) fn grade(d: &Decision) -> Option<(bool, Option<String>)> {
    match &d.outcome {
        Outcome::Allowed => Some((false, None)),
        Outcome::Unknown(r) => Some((true, Some(r.to_string()))),
        _ => None,
    }
}

/// Sorts and merges accesses of the same principal on the same resource: an
/// action granted unconditionally on one path is unconditional.
pub(crate) fn normalize(v: Vec<Access>) -> Vec<Access> {
    let mut merged: std::collections::BTreeMap<(&'static str, String, String), Access> =
        std::collections::BTreeMap::new();
    for a in v {
        let key = (a.cloud, a.principal.clone(), a.resource.clone());
        match merged.get_mut(&key) {
            None => {
                merged.insert(key, a);
            }
            Some(m) => {
                for x in a.actions {
                    match m.actions.iter_mut().find(|y| y.action == x.action) {
                        Some(y) if y.conditional && !x.conditional => *y = x,
                        Some(_) => {}
                        None => m.actions.push(x),
                    }
                }
                m.via.extend(a.via);
                m.grants.extend(a.grants);
            }
        }
    }
    merged
        .into_values()
        .map(|mut a| {
            a.actions.sort();
            a.via.sort();
            a.via.dedup();
            a.grants.sort();
            a.grants.dedup();
            a
        })
        .collect()
}

/// Which cloud a resource name belongs to.
pub fn cloud_of_resource(resource: &str) -> Option<&'static str> {
    if resource.starts_with("arn:") {
        Some("aws")
    } else if resource.starts_with("//")
        || resource.starts_with("projects/")
        || resource.starts_with("folders/")
        || resource.starts_with("organizations/")
    {
        Some("gcp")
    } else if resource.starts_with('/') {
        Some("azure")
    } else {
        None
    }
}

/// Every principal that can act on `resource` (optionally: with `action`),
/// across groups, assumed roles, impersonated service accounts and inherited
/// grants.
pub fn who_can(
    inp: &Inputs<'_>,
    resource: &str,
    action: Option<&str>,
) -> Result<Vec<Access>, String> {
    let out = match cloud_of_resource(resource) {
        Some("aws") => aws::who_can(inp, resource, action),
        Some("gcp") => gcp::who_can(inp, resource, action)?,
        Some("azure") => azure::who_can(inp, resource, action),
        _ => {
            return Err(format!(
                "cannot tell the cloud of `{resource}`: give an ARN, a GCP resource name (`//…`, `projects/…`) or an Azure scope (`/subscriptions/…`)"
            ));
        }
    };
    Ok(normalize(out))
}

/// Everything `principal` can reach (optionally only in `service`).
pub fn what_can(
    inp: &Inputs<'_>,
    principal: &str,
    service: Option<&str>,
) -> Result<Vec<Access>, String> {
    let gcp_member = [
        "user:",
        "group:",
        "serviceAccount:",
        "domain:",
        "principal://",
        "principalSet://",
    ]
    .iter()
    .any(|p| principal.starts_with(p))
        || principal == "allUsers"
        || principal == "allAuthenticatedUsers";
    let out = if principal.starts_with("arn:")
        || principal == "*"
        || principal.eq_ignore_ascii_case("anonymous")
    {
        aws::what_can(inp, principal, service)?
    } else if gcp_member {
        gcp::what_can(inp, principal, service)?
    } else {
        azure::what_can(inp, principal, service)?
    };
    Ok(normalize(out))
}
