//! GCP Cloud Audit Logs: one usage per permission check in
//! `protoPayload.authorizationInfo`.
//!
//! - principal: `authenticationInfo.principalEmail` as a v1 member
//!   (`serviceAccount:` for `*.gserviceaccount.com`, `user:` otherwise), or
//!   `principalSubject` when it is already a member; the first principal of
//!   `serviceAccountDelegationInfo` (who impersonated the service account)
//!   goes to `via`;
//! - action: the check's `permission`;
//! - resource: the check's `resource` (else `protoPayload.resourceName`) as a
//!   full resource name: `//SERVICE/NAME` with `serviceName` as the host,
//!   except that projects, folders and organisations are named under
//!   `cloudresourcemanager.googleapis.com` and service accounts under
//!   `iam.googleapis.com` (IAM Credentials logs token minting under its own
//!   service name), as iamx's GCP requests name them;
//! - outcome: `granted: true` is allowed; `granted` false *or absent* is
//!   denied (`PERMISSION_DENIED`): Cloud Logging writes the JSON of a proto3
//!   message, which leaves false booleans out.

use crate::raw::{ProtoPayload, Str};
use crate::record::Outcome;
use crate::stats::UnmappableReason;
use iamx_model::PrincipalKind;

/// One permission check of an entry.
pub(crate) struct Check {
    pub action: String,
    pub resource: Option<String>,
    pub outcome: Outcome,
}

/// What an audit log entry maps to.
pub(crate) struct Mapped {
    pub principal: String,
    pub kind: PrincipalKind,
    pub via: Option<String>,
    pub checks: Vec<Check>,
}

/// The v1 member for an email as audit logs give it.
pub fn member_of_email(email: &str) -> String {
    if email.contains(':') {
        return email.to_owned();
    }
    if email.ends_with(".gserviceaccount.com") {
        format!("serviceAccount:{email}")
    } else {
        format!("user:{email}")
    }
}

/// The full resource name of a name an audit log gives, for a service.
pub fn full_resource_name(service: Option<&str>, name: &str) -> Option<String> {
    if name.starts_with("//") {
        return Some(name.to_owned());
    }
    let name = name.trim_start_matches('/');
    if name.is_empty() {
        return None;
    }
    let mut segs = name.split('/');
    let container = matches!(
        (segs.next(), segs.next(), segs.next()),
        (Some("projects" | "folders" | "organizations"), Some(id), None) if !id.is_empty()
    );
    let host = if container {
        "cloudresourcemanager.googleapis.com"
    } else if name.contains("/serviceAccounts/") {
        "iam.googleapis.com"
    } else {
        service?
    };
    Some(format!("//{host}/{name}"))
}

fn get<'s>(s: &'s Str<'_>) -> Option<&'s str> {
    s.get()
}

/// Maps one audit log entry's payload.
pub(crate) fn map(p: &ProtoPayload<'_>) -> Result<Mapped, UnmappableReason> {
    if let Some(ty) = get(&p.type_url)
        && !ty.ends_with("google.cloud.audit.AuditLog")
    {
        return Err(UnmappableReason::NotACall {
            kind: format!("a `{ty}` payload, not an audit log"),
        });
    }
    let auth = p.authentication_info.as_ref();
    let (principal, kind) = match auth.and_then(|a| get(&a.principal_email)) {
        Some(email) => {
            let member = member_of_email(email);
            let kind = if member.starts_with("serviceAccount:") {
                PrincipalKind::Service
            } else {
                PrincipalKind::User
            };
            (member, kind)
        }
        None => match auth.and_then(|a| get(&a.principal_subject)) {
            Some(subject) if subject.starts_with("user:") => {
                (subject.to_owned(), PrincipalKind::User)
            }
            Some(subject) if subject.starts_with("serviceAccount:") => {
                (subject.to_owned(), PrincipalKind::Service)
            }
            Some(subject) if subject.starts_with("principal://") => {
                (subject.to_owned(), PrincipalKind::WebIdentity)
            }
            Some(subject) => {
                return Err(UnmappableReason::UnknownCaller {
                    caller: subject.to_owned(),
                });
            }
            None => return Err(UnmappableReason::NoCaller),
        },
    };
    let via = auth
        .and_then(|a| a.delegation.as_ref())
        .and_then(|d| d.first())
        .and_then(|d| {
            d.first_party
                .as_ref()
                .and_then(|f| get(&f.principal_email))
                .map(member_of_email)
                .or_else(|| get(&d.principal_subject).map(str::to_owned))
        });
    let service = get(&p.service_name);
    let default_resource = get(&p.resource_name);
    let checks: Vec<Check> = p
        .authorization_info
        .iter()
        .flatten()
        .filter_map(|a| {
            let permission = get(&a.permission)?;
            let resource = get(&a.resource)
                .or(default_resource)
                .and_then(|r| full_resource_name(service, r));
            let outcome = if a.granted == Some(true) {
                Outcome::Allowed
            } else {
                Outcome::Denied("PERMISSION_DENIED".to_owned())
            };
            Some(Check {
                action: permission.to_owned(),
                resource,
                outcome,
            })
        })
        .collect();
    if checks.is_empty() {
        return Err(UnmappableReason::NoPermission);
    }
    Ok(Mapped {
        principal,
        kind,
        via,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let f = |s: Option<&str>, n: &str| full_resource_name(s, n);
        assert_eq!(
            f(
                Some("storage.googleapis.com"),
                "projects/_/buckets/b/objects/o"
            )
            .as_deref(),
            Some("//storage.googleapis.com/projects/_/buckets/b/objects/o")
        );
        assert_eq!(
            f(Some("compute.googleapis.com"), "projects/p1").as_deref(),
            Some("//cloudresourcemanager.googleapis.com/projects/p1")
        );
        assert_eq!(
            f(
                Some("iamcredentials.googleapis.com"),
                "projects/-/serviceAccounts/123"
            )
            .as_deref(),
            Some("//iam.googleapis.com/projects/-/serviceAccounts/123")
        );
        assert_eq!(
            f(None, "//x.googleapis.com/a").as_deref(),
            Some("//x.googleapis.com/a")
        );
        assert_eq!(f(None, "projects/p/zones/z"), None);
        assert_eq!(
            member_of_email("a@b.iam.gserviceaccount.com"),
            "serviceAccount:a@b.iam.gserviceaccount.com"
        );
        assert_eq!(member_of_email("a@example.com"), "user:a@example.com");
    }
}
