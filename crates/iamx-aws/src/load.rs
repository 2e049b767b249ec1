//! Format detection: what an AWS input file is, from its content alone.

use crate::env::{AwsEnvironment, ManagedPolicy};
use crate::policy::{PolicyOptions, PolicyType, read_policy_value};
use crate::request::{RequestCase, read_request_file};
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::{Sink, Source};
use iamx_model::{Diagnostic, JsonPath, Policy};
use std::sync::Arc;

/// The AWS input formats iamx reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsFormat {
    /// `aws iam get-account-authorization-details` output.
    AuthorizationDetails,
    /// iamx organisation file.
    Organization,
    /// iamx resource-policy file.
    ResourcePolicies,
    /// A request file (or a scenario table).
    Requests,
    /// A managed policy record as published by iam-dataset (`document`, `arn`).
    ManagedPolicyRecord,
    /// A bare policy document (or CLI output wrapping one).
    PolicyDocument,
}

impl AwsFormat {
    /// A short name for listings.
    pub fn name(self) -> &'static str {
        match self {
            AwsFormat::AuthorizationDetails => "aws authorization details",
            AwsFormat::Organization => "aws organisation",
            AwsFormat::ResourcePolicies => "aws resource policies",
            AwsFormat::Requests => "request file",
            AwsFormat::ManagedPolicyRecord => "aws managed policy",
            AwsFormat::PolicyDocument => "aws policy document",
        }
    }
}

/// Detects the format of a parsed JSON input.
pub fn detect(json: &Json) -> Option<AwsFormat> {
    match &json.value {
        JsonValue::Object(_) => {
            let has = |k: &str| json.get(k).is_some();
            if has("UserDetailList")
                || has("RoleDetailList")
                || has("GroupDetailList")
                || (has("Policies") && has("IsTruncated"))
            {
                Some(AwsFormat::AuthorizationDetails)
            } else if has("iamxAwsOrganization") {
                Some(AwsFormat::Organization)
            } else if has("iamxAwsResourcePolicies") {
                Some(AwsFormat::ResourcePolicies)
            } else if has("request") {
                Some(AwsFormat::Requests)
            } else if has("document") && (has("arn") || has("name")) {
                Some(AwsFormat::ManagedPolicyRecord)
            } else if has("Statement")
                || has("Policy")
                || has("PolicyDocument")
                || has("ResourcePolicy")
                || has("PolicyVersion")
                || json
                    .get("Attributes")
                    .and_then(|a| a.get("Policy"))
                    .is_some()
            {
                Some(AwsFormat::PolicyDocument)
            } else {
                None
            }
        }
        // a policy document given as a JSON string (as `--policy-document` takes it)
        JsonValue::String(s) if s.contains("\"Statement\"") => Some(AwsFormat::PolicyDocument),
        JsonValue::Array(items) => {
            let first = items.first()?;
            (first.get("request").is_some()).then_some(AwsFormat::Requests)
        }
        _ => None,
    }
}

/// What one file contributed.
#[derive(Debug, Default)]
pub struct FileLoad {
    /// The detected format.
    pub format: Option<AwsFormat>,
    /// The environment part read from it.
    pub env: AwsEnvironment,
    /// Standalone policy documents.
    pub policies: Vec<Arc<Policy>>,
    /// Request cases.
    pub requests: Vec<RequestCase>,
    /// Diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads one AWS file whose JSON is already parsed. `None` when the content
/// is no AWS format (the caller decides whether another provider knows it).
pub fn load_json(src: &Source, json: &Json, opts: PolicyOptions<'_>) -> Option<FileLoad> {
    let format = detect(json)?;
    let mut out = FileLoad {
        format: Some(format),
        ..FileLoad::default()
    };
    let mut sink = Sink {
        src,
        diags: &mut out.diagnostics,
        embedded: None,
    };
    let root = JsonPath::root();
    match format {
        AwsFormat::AuthorizationDetails => {
            out.env.read_authorization_details(json, opts, &mut sink)
        }
        AwsFormat::Organization => out.env.read_organization(json, opts, &mut sink),
        AwsFormat::ResourcePolicies => out.env.read_resource_policies(json, opts, &mut sink),
        AwsFormat::Requests => out.requests = read_request_file(json, opts, &mut sink),
        AwsFormat::ManagedPolicyRecord => {
            let name = json
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("unnamed")
                .to_owned();
            let arn = match json.get("arn").and_then(Json::as_str) {
                Some(a) => a.to_owned(),
                None => {
                    let arn = format!("arn:aws:iam::aws:policy/{name}");
                    sink.warn(
                        json.span,
                        &root,
                        format!("managed policy record has no `arn`; assuming `{arn}`"),
                    );
                    arn
                }
            };
            if let Some(doc) = json.get("document") {
                let o = PolicyOptions {
                    ptype: PolicyType::Identity,
                    ..opts
                };
                if let Some(p) = read_policy_value(doc, &root.key("document"), &arn, o, &mut sink) {
                    let p = Arc::new(p);
                    out.policies.push(p.clone());
                    out.env.managed.insert(
                        arn.clone(),
                        ManagedPolicy {
                            arn,
                            name,
                            policy: p,
                            other_versions: Vec::new(),
                        },
                    );
                }
            }
        }
        AwsFormat::PolicyDocument => {
            let o = PolicyOptions {
                ptype: PolicyType::Auto,
                ..opts
            };
            if let Some(p) = read_policy_value(json, &root, &src.name, o, &mut sink) {
                out.policies.push(Arc::new(p));
            }
        }
    }
    Some(out)
}

impl AwsEnvironment {
    /// Adds everything `other` holds. Principals from later files replace
    /// earlier ones with the same ARN; for managed policies the first wins.
    pub fn merge(&mut self, other: AwsEnvironment) {
        self.invalidate();
        self.users.extend(other.users);
        self.groups.extend(other.groups);
        self.roles.extend(other.roles);
        for (k, v) in other.managed {
            self.managed.entry(k).or_insert(v);
        }
        self.resource_policies.extend(other.resource_policies);
        if other.organization.is_some() {
            self.organization = other.organization;
        }
    }
}
