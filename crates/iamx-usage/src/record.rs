//! One logged use of a permission, and where it was read.

use iamx_model::value::format_date;
use iamx_model::{Context, Principal, PrincipalKind, Request, Value};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// The cloud a record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Amazon Web Services.
    Aws,
    /// Google Cloud.
    Gcp,
    /// Microsoft Azure.
    Azure,
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        })
    }
}

/// The log format a record was read as (detected per record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A CloudTrail event as CloudTrail writes it to S3 (`{"Records": [...]}`).
    CloudTrail,
    /// An event of `aws cloudtrail lookup-events` (`{"Events": [{"CloudTrailEvent": "…"}]}`).
    CloudTrailLookup,
    /// A GCP Cloud Audit Logs entry (`gcloud logging read --format=json`, or a
    /// logging sink's NDJSON).
    GcpAuditLog,
    /// An Azure Activity Log event (`az monitor activity-log list`, the REST
    /// API's `value`, or a diagnostic export's `records`).
    AzureActivityLog,
    /// Well-formed JSON that is none of the above.
    Unknown,
}

impl Format {
    /// The cloud of the format (none for [`Format::Unknown`]).
    pub fn cloud(self) -> Option<Cloud> {
        match self {
            Format::CloudTrail | Format::CloudTrailLookup => Some(Cloud::Aws),
            Format::GcpAuditLog => Some(Cloud::Gcp),
            Format::AzureActivityLog => Some(Cloud::Azure),
            Format::Unknown => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::CloudTrail => "CloudTrail",
            Format::CloudTrailLookup => "CloudTrail lookup-events",
            Format::GcpAuditLog => "GCP audit log",
            Format::AzureActivityLog => "Azure activity log",
            Format::Unknown => "unknown",
        })
    }
}

/// What authorisation made of the call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "outcome", content = "code", rename_all = "kebab-case")]
pub enum Outcome {
    /// The call was authorised: it succeeded (AWS: no `errorCode`; GCP:
    /// `granted: true`; Azure: `Succeeded`), or Azure logged it in progress
    /// (`Started`, `Accepted`), which it does only once authorised.
    Allowed,
    /// Authorisation refused it; the provider's code (AWS `AccessDenied`,
    /// `UnauthorizedOperation`, …; GCP `PERMISSION_DENIED`; Azure
    /// `AuthorizationFailed`/`Forbidden`).
    Denied(String),
    /// It failed for another reason (`NoSuchKey`, `Conflict`, …): most
    /// services authorise before anything else, but the log does not say.
    Failed(String),
}

impl Outcome {
    /// Whether the call is known to have been authorised.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Outcome::Allowed)
    }

    /// Whether authorisation refused the call.
    pub fn is_denied(&self) -> bool {
        matches!(self, Outcome::Denied(_))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Allowed => f.write_str("allowed"),
            Outcome::Denied(code) => write!(f, "denied ({code})"),
            Outcome::Failed(code) => write!(f, "failed ({code})"),
        }
    }
}

/// Where a record (or a problem) was read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// The file (as given, or as found under a directory given).
    pub file: Arc<str>,
    /// The record's index in the file (0-based; malformed ones count too).
    pub record: u64,
    /// Byte offset of the record's start in the file (after decompression
    /// for `.gz` input).
    pub offset: u64,
    /// Line (1-based): of the record's start, or of the error in a malformed
    /// record.
    pub line: u64,
    /// Column (1-based, in bytes) on that line.
    pub column: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{} (record {})",
            self.file, self.line, self.column, self.record
        )
    }
}

/// One logged use of a permission by a principal: the concrete request a log
/// record stands for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UsageRecord {
    /// The cloud.
    pub cloud: Cloud,
    /// The log format it was read as.
    pub format: Format,
    /// The principal whose permissions were used, in the form iamx's
    /// requests take: AWS the IAM identity's ARN (a user, a role for role
    /// sessions, `arn:aws:iam::A:root`, or a service principal); GCP a v1
    /// member (`user:…`, `serviceAccount:…`); Azure the object id (lower
    /// case), or the caller as logged when no object id is.
    pub principal: String,
    /// The principal's kind.
    pub principal_kind: PrincipalKind,
    /// The caller as logged, when it differs from `principal`: the AWS session
    /// ARN of a role or federated user, the GCP principal that impersonated a
    /// service account, the Azure caller name.
    pub via: Option<String>,
    /// The permission used: AWS `service:Action`, GCP
    /// `service.resource.verb`, Azure `Provider/type/operation`.
    pub action: String,
    /// The resource: AWS an ARN, GCP a full resource name, Azure a resource
    /// id. `None` when the log does not name it (requests use `*` then).
    pub resource: Option<String>,
    /// The account (AWS), project whose log holds the entry (GCP,
    /// `projects/P`) or subscription (Azure) owning the resource, when known.
    pub resource_account: Option<String>,
    /// When, as epoch milliseconds.
    pub time: Option<i64>,
    /// What authorisation made of it.
    pub outcome: Outcome,
    /// Request context the log tells (`aws:RequestedRegion`,
    /// `aws:SourceIp`, `aws:MultiFactorAuthPresent`, `aws:SecureTransport`);
    /// the time is added by [`UsageRecord::to_request`].
    pub context: Vec<(&'static str, String)>,
    /// Where it was read.
    pub location: Location,
}

impl UsageRecord {
    /// The resource, or `*` when the log does not name it.
    pub fn resource_or_star(&self) -> &str {
        self.resource.as_deref().unwrap_or("*")
    }

    /// The model's principal for the caller.
    pub fn model_principal(&self) -> Principal {
        let last = |s: &str| s.rsplit(['/', ':']).next().map(str::to_owned);
        match self.cloud {
            Cloud::Aws => {
                let account = aws_account_of(&self.principal);
                let (role_arn, name) = match self.principal_kind {
                    PrincipalKind::Role => (Some(self.principal.clone()), last(&self.principal)),
                    PrincipalKind::User | PrincipalKind::FederatedUser => {
                        (None, last(&self.principal))
                    }
                    _ => (None, None),
                };
                Principal {
                    id: self.principal.clone(),
                    kind: self.principal_kind,
                    account,
                    role_arn,
                    name,
                    unique_id: None,
                }
            }
            Cloud::Gcp => Principal {
                id: self.principal.clone(),
                kind: self.principal_kind,
                account: None,
                role_arn: None,
                name: self
                    .principal
                    .split_once(':')
                    .map(|(_, email)| email.to_owned()),
                unique_id: None,
            },
            Cloud::Azure => Principal {
                id: self.principal.clone(),
                kind: self.principal_kind,
                account: None,
                role_arn: None,
                name: self.via.clone(),
                unique_id: Some(self.principal.clone()),
            },
        }
    }

    /// The concrete request the record stands for, in the shape the
    /// provider frontends build for `iamx eval`: the context holds what the
    /// log tells, plus the time (`aws:CurrentTime`, GCP `request.time`).
    pub fn to_request(&self) -> Request {
        let mut context = Context::new();
        for (k, v) in &self.context {
            context.insert(k, Value::str(v.clone()));
        }
        if let Some(t) = self.time {
            match self.cloud {
                Cloud::Aws => context.insert("aws:CurrentTime", Value::str(format_date(t))),
                Cloud::Gcp => context.insert("request.time", Value::str(format_date(t))),
                Cloud::Azure => {}
            }
        }
        Request {
            principal: self.model_principal(),
            action: self.action.clone(),
            resource: self.resource_or_star().to_owned(),
            resource_account: self.resource_account.clone(),
            context,
        }
    }
}

/// The account field of an AWS ARN.
fn aws_account_of(arn: &str) -> Option<String> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then(|| account.to_owned())
}
