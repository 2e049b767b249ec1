//! CloudTrail: from an event to the IAM principal, action and resource.
//!
//! The action is `PREFIX:eventName` with the exceptions of
//! `data/cloudtrail-actions.txt` (embedded; see [`iam_action`]). The
//! principal is the IAM identity whose policies were used:
//!
//! - an IAM user's ARN as logged;
//! - for a role session, the role's ARN: `sessionContext.sessionIssuer.arn`
//!   when the event carries it (it has the role's path), otherwise built from
//!   the session ARN `arn:aws:sts::A:assumed-role/ROLE/SESSION` as
//!   `arn:aws:iam::A:role/ROLE`, **without the role's path**, which the
//!   session ARN does not tell; the session ARN is kept in `via`;
//! - for a federated user (`GetFederationToken`), the IAM user that issued
//!   the token (the session issuer), the `federated-user` ARN in `via`;
//! - `arn:aws:iam::A:root` for the root user, the service name for an AWS
//!   service calling on its own.

use crate::raw::{Record, Str, UserIdentity};
use crate::record::Outcome;
use crate::stats::UnmappableReason;
use iamx_model::PrincipalKind;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The exception table, as shipped.
pub const EXCEPTION_TABLE: &str = include_str!("../data/cloudtrail-actions.txt");

/// `errorCode`s that mean authorisation refused the call.
pub const DENIAL_CODES: [&str; 9] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthorizationErrorException",
    "Forbidden",
    "ForbiddenException",
];

/// What the table says about one event.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Exception {
    Action(&'static str),
    NotIam(&'static str),
}

/// The parsed exception table.
#[derive(Debug, Default)]
pub(crate) struct Table {
    prefixes: HashMap<&'static str, &'static str>,
    events: HashMap<&'static str, HashMap<&'static str, Exception>>,
}

impl Table {
    /// Parses the table text; returns the lines it could not read.
    fn parse(text: &'static str) -> (Table, Vec<String>) {
        let mut table = Table::default();
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split_whitespace();
            let (kind, source, third) = (cols.next(), cols.next(), cols.next());
            let rest: Vec<&str> = cols.collect();
            match (kind, source, third) {
                (Some("prefix"), Some(source), Some(prefix)) if rest.is_empty() => {
                    table.prefixes.insert(source, prefix);
                }
                (Some("action"), Some(source), Some(event))
                    if rest.len() == 1 && rest.iter().all(|a| a.contains(':')) =>
                {
                    if let Some(action) = rest.first() {
                        table
                            .events
                            .entry(source)
                            .or_default()
                            .insert(event, Exception::Action(action));
                    }
                }
                (Some("none"), Some(source), Some(event)) if !rest.is_empty() => {
                    // the reason: the rest of the line as written
                    let why = line
                        .split_once(event)
                        .map(|(_, r)| r.trim())
                        .unwrap_or_default();
                    table
                        .events
                        .entry(source)
                        .or_default()
                        .insert(event, Exception::NotIam(why));
                }
                _ => errors.push(format!("line {}: cannot read `{line}`", n + 1)),
            }
        }
        (table, errors)
    }

    fn get() -> &'static Table {
        static TABLE: OnceLock<Table> = OnceLock::new();
        TABLE.get_or_init(|| Table::parse(EXCEPTION_TABLE).0)
    }

    fn prefix<'s>(&'s self, source: &'s str) -> Option<&'s str> {
        if let Some(p) = self.prefixes.get(source) {
            return Some(p);
        }
        let service = source
            .strip_suffix(".amazonaws.com")
            .or_else(|| source.strip_suffix(".amazonaws.com.cn"))?;
        (!service.is_empty() && !service.contains('.')).then_some(service)
    }

    fn exception(&self, source: &str, event: &str) -> Option<&Exception> {
        let events = self.events.get(source)?;
        events.get(event).or_else(|| events.get("*"))
    }
}

/// The lines of the shipped table that do not parse (a test keeps this
/// empty).
pub fn table_errors() -> Vec<String> {
    Table::parse(EXCEPTION_TABLE).1
}

/// Drops an API-version suffix from an event name: `20150331`,
/// `20150331v2`, `2020_05_31`.
fn strip_version(name: &str) -> &str {
    let digits = |s: &str| s.bytes().rev().take_while(u8::is_ascii_digit).count();
    let mut base = name;
    if let Some((head, tail)) = name.rsplit_once('v')
        && !tail.is_empty()
        && tail.bytes().all(|c| c.is_ascii_digit())
        && digits(head) == 8
    {
        base = head;
    }
    let n = base.len();
    if digits(base) == 8 && n > 8 {
        return base.get(..n - 8).unwrap_or(name);
    }
    if n > 10 {
        let dated = base.get(n - 10..).is_some_and(|tail| {
            tail.bytes().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == b'_'
                } else {
                    c.is_ascii_digit()
                }
            })
        });
        if dated {
            return base.get(..n - 10).unwrap_or(name);
        }
    }
    name
}

/// The IAM action a CloudTrail event needs: `Ok(service:Action)`, or why
/// it has none.
pub fn iam_action(event_source: &str, event_name: &str) -> Result<String, UnmappableReason> {
    let table = Table::get();
    let name = strip_version(event_name);
    match table.exception(event_source, name) {
        Some(Exception::Action(a)) => return Ok((*a).to_owned()),
        Some(Exception::NotIam(why)) => {
            return Err(UnmappableReason::NotAuthorisedByIam {
                event: format!("{event_source}/{event_name}"),
                why: (*why).to_owned(),
            });
        }
        None => {}
    }
    let Some(prefix) = table.prefix(event_source) else {
        return Err(UnmappableReason::UnknownEventSource {
            source: event_source.to_owned(),
        });
    };
    let mut action = String::with_capacity(prefix.len() + 1 + name.len());
    action.push_str(prefix);
    action.push(':');
    action.push_str(name);
    Ok(action)
}

/// What a CloudTrail event maps to, before the record's location is added.
pub(crate) struct Mapped {
    pub principal: String,
    pub kind: PrincipalKind,
    pub via: Option<String>,
    pub action: String,
    pub resource: Option<String>,
    pub resource_account: Option<String>,
    pub outcome: Outcome,
    pub context: Vec<(&'static str, String)>,
}

/// Maps one CloudTrail event.
pub(crate) fn map(r: &Record<'_>) -> Result<Mapped, UnmappableReason> {
    match r.event_type.get() {
        Some("AwsServiceEvent") => {
            return Err(UnmappableReason::NotACall {
                kind: "AWS service event".into(),
            });
        }
        Some("AwsCloudTrailInsight") => {
            return Err(UnmappableReason::NotACall {
                kind: "CloudTrail Insights event".into(),
            });
        }
        _ => {}
    }
    let source = r.event_source.get().ok_or(UnmappableReason::MissingField {
        field: "eventSource",
    })?;
    let name = r
        .event_name
        .get()
        .ok_or(UnmappableReason::MissingField { field: "eventName" })?;
    let action = iam_action(source, name)?;
    let identity = r.user_identity.as_ref().ok_or(UnmappableReason::NoCaller)?;
    let (principal, kind, via) = caller(identity)?;
    let outcome = match r.error_code.get() {
        None => Outcome::Allowed,
        Some(code) if DENIAL_CODES.contains(&code) => Outcome::Denied(code.to_owned()),
        Some(code) => Outcome::Failed(code.to_owned()),
    };
    let (resource, resource_account) = resource(r, source);
    let mut context = Vec::with_capacity(4);
    if let Some(region) = r.aws_region.get() {
        context.push(("aws:RequestedRegion", region.to_owned()));
    }
    if let Some(ip) = r.source_ip.get()
        && ip.parse::<std::net::IpAddr>().is_ok()
    {
        context.push(("aws:SourceIp", ip.to_owned()));
    }
    let mfa = identity
        .session_context
        .as_ref()
        .and_then(|s| s.attributes.as_ref())
        .and_then(|a| a.mfa_authenticated.get());
    if let Some(mfa) = mfa {
        context.push(("aws:MultiFactorAuthPresent", mfa.to_ascii_lowercase()));
    }
    if r.tls_details.is_some() {
        context.push(("aws:SecureTransport", "true".to_owned()));
    }
    Ok(Mapped {
        principal,
        kind,
        via,
        action,
        resource,
        resource_account,
        outcome,
        context,
    })
}

fn owned(s: &Str<'_>) -> Option<String> {
    s.get().map(str::to_owned)
}

/// The IAM identity of the caller.
fn caller(
    id: &UserIdentity<'_>,
) -> Result<(String, PrincipalKind, Option<String>), UnmappableReason> {
    let kind = id.kind.get().unwrap_or("");
    let issuer = id
        .session_context
        .as_ref()
        .and_then(|s| s.session_issuer.as_ref());
    let unknown = |what: &str| UnmappableReason::UnknownCaller {
        caller: what.to_owned(),
    };
    match kind {
        "IAMUser" => {
            let arn = owned(&id.arn).ok_or(UnmappableReason::MissingField {
                field: "userIdentity.arn",
            })?;
            Ok((arn, PrincipalKind::User, None))
        }
        "Root" => {
            let arn = owned(&id.arn)
                .or_else(|| {
                    id.account_id
                        .get()
                        .map(|a| format!("arn:aws:iam::{a}:root"))
                })
                .ok_or(UnmappableReason::MissingField {
                    field: "userIdentity.arn",
                })?;
            Ok((arn, PrincipalKind::Root, None))
        }
        "AssumedRole" | "Role" => {
            let session = owned(&id.arn);
            let from_issuer = issuer
                .filter(|i| i.kind.get().is_none_or(|k| k == "Role"))
                .and_then(|i| owned(&i.arn));
            let role = match from_issuer {
                Some(role) => role,
                None => {
                    let arn = session.as_deref().ok_or(UnmappableReason::MissingField {
                        field: "userIdentity.arn",
                    })?;
                    role_of_session(arn).ok_or_else(|| unknown(arn))?
                }
            };
            let via = session.filter(|s| *s != role);
            Ok((role, PrincipalKind::Role, via))
        }
        "FederatedUser" => {
            let session = owned(&id.arn);
            match issuer.and_then(|i| owned(&i.arn)) {
                Some(user) => Ok((user, PrincipalKind::User, session)),
                None => {
                    let arn = session.ok_or(UnmappableReason::MissingField {
                        field: "userIdentity.arn",
                    })?;
                    Ok((arn, PrincipalKind::FederatedUser, None))
                }
            }
        }
        "AWSService" => {
            let service = owned(&id.invoked_by).ok_or(UnmappableReason::MissingField {
                field: "userIdentity.invokedBy",
            })?;
            Ok((service, PrincipalKind::Service, None))
        }
        "" => Err(UnmappableReason::MissingField {
            field: "userIdentity.type",
        }),
        other => Err(unknown(other)),
    }
}

/// `arn:P:sts::A:assumed-role/ROLE/SESSION` → `arn:P:iam::A:role/ROLE` (the
/// role's path is not in a session ARN, so none is given).
pub fn role_of_session(arn: &str) -> Option<String> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "sts" {
        return None;
    }
    let mut segs = resource.splitn(3, '/');
    let (ty, role, session) = (segs.next()?, segs.next()?, segs.next()?);
    if ty != "assumed-role" || role.is_empty() || session.is_empty() {
        return None;
    }
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// The resource: the first `resources[].ARN`, or for S3 the bucket and key
/// of the request; and the account owning it.
fn resource(r: &Record<'_>, source: &str) -> (Option<String>, Option<String>) {
    if let Some(res) = r
        .resources
        .iter()
        .flatten()
        .find(|res| res.arn.get().is_some())
    {
        let arn = owned(&res.arn);
        let account = owned(&res.account_id).or_else(|| arn.as_deref().and_then(account_of));
        return (arn, account);
    }
    if source == "s3.amazonaws.com"
        && let Some(params) = &r.request_parameters
        && let Some(bucket) = params.bucket_name.get()
    {
        let arn = match params.key.get() {
            Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
            None => format!("arn:aws:s3:::{bucket}"),
        };
        return (Some(arn), None);
    }
    (None, None)
}

fn account_of(arn: &str) -> Option<String> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then(|| account.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses() {
        assert_eq!(table_errors(), Vec::<String>::new());
    }

    #[test]
    fn version_suffixes() {
        assert_eq!(strip_version("CreateFunction20150331"), "CreateFunction");
        assert_eq!(
            strip_version("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(
            strip_version("GetDistribution2020_05_31"),
            "GetDistribution"
        );
        assert_eq!(strip_version("GetObject"), "GetObject");
        assert_eq!(strip_version("Ec2v2"), "Ec2v2");
        assert_eq!(strip_version("20150331"), "20150331");
        assert_eq!(strip_version("PutV2"), "PutV2");
    }

    #[test]
    fn actions() {
        let a = |s: &str, n: &str| iam_action(s, n);
        assert_eq!(a("s3.amazonaws.com", "GetObject").unwrap(), "s3:GetObject");
        assert_eq!(
            a("s3.amazonaws.com", "ListObjects").unwrap(),
            "s3:ListBucket"
        );
        assert_eq!(
            a("s3.amazonaws.com", "ListObjectsV2").unwrap(),
            "s3:ListBucket"
        );
        assert_eq!(a("s3.amazonaws.com", "HeadObject").unwrap(), "s3:GetObject");
        assert_eq!(
            a("s3.amazonaws.com", "GetBucketAcl").unwrap(),
            "s3:GetBucketAcl"
        );
        assert_eq!(
            a("lambda.amazonaws.com", "UpdateFunctionCode20150331v2").unwrap(),
            "lambda:UpdateFunctionCode"
        );
        assert_eq!(
            a("lambda.amazonaws.com", "Invoke").unwrap(),
            "lambda:InvokeFunction"
        );
        assert_eq!(
            a("monitoring.amazonaws.com", "GetMetricData").unwrap(),
            "cloudwatch:GetMetricData"
        );
        assert!(matches!(
            a("signin.amazonaws.com", "ConsoleLogin"),
            Err(UnmappableReason::NotAuthorisedByIam { .. })
        ));
        assert!(matches!(
            a("sts.amazonaws.com", "AssumeRoleWithSAML"),
            Err(UnmappableReason::NotAuthorisedByIam { .. })
        ));
        assert_eq!(
            a("sts.amazonaws.com", "AssumeRole").unwrap(),
            "sts:AssumeRole"
        );
        assert!(matches!(
            a("example.com", "X"),
            Err(UnmappableReason::UnknownEventSource { .. })
        ));
    }

    #[test]
    fn sessions() {
        assert_eq!(
            role_of_session("arn:aws:sts::111122223333:assumed-role/app/i-1").as_deref(),
            Some("arn:aws:iam::111122223333:role/app")
        );
        assert_eq!(
            role_of_session("arn:aws-cn:sts::111122223333:assumed-role/app/a/b").as_deref(),
            Some("arn:aws-cn:iam::111122223333:role/app")
        );
        assert_eq!(role_of_session("arn:aws:iam::111122223333:user/app"), None);
        assert_eq!(
            role_of_session("arn:aws:sts::111122223333:assumed-role/app"),
            None
        );
    }
}
