//! Azure Activity Log: one usage per event of the `Administrative` category.
//!
//! - principal: the object id from the claims
//!   (`…/identity/claims/objectidentifier` or `oid`), lower case; else the
//!   `caller` when it is a GUID; else the caller as logged (a UPN, which
//!   iamx cannot turn into an object id without a directory). The caller
//!   name goes to `via`. A caller without `@` is a service principal.
//! - action: `authorization.action` (the RBAC operation checked), else
//!   `operationName.value`;
//! - resource: `authorization.scope`, else `resourceId`;
//! - outcome: `Succeeded` is allowed, and so are the in-progress events
//!   (`Started`, `Accepted`) that Azure writes for an operation once it is
//!   authorised; `Failed` with `AuthorizationFailed` or `Forbidden` is denied;
//!   any other `Failed` is failed. One operation often logs several events
//!   (`Started` then `Succeeded`): each is a usage, and a consumer that
//!   counts calls should group them by the `correlationId` the log carries.
//!
//! Both shapes Azure writes are read: `az monitor activity-log list` and the
//! REST API (`operationName` an object, `eventTimestamp`, `claims`,
//! `authorization` at the top) and the diagnostic-settings export
//! (`operationName` a string, `time`, `resultType`, `identity.claims`,
//! `identity.authorization`).

use crate::raw::{Claims, Record, Str};
use crate::record::Outcome;
use crate::stats::UnmappableReason;
use iamx_model::PrincipalKind;

/// What an activity log event maps to.
pub(crate) struct Mapped {
    pub principal: String,
    pub kind: PrincipalKind,
    pub via: Option<String>,
    pub action: String,
    pub resource: Option<String>,
    pub resource_account: Option<String>,
    pub outcome: Outcome,
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The subscription id of a resource id or scope, lower case.
pub fn subscription_of(scope: &str) -> Option<String> {
    let mut parts = scope.split('/');
    let (empty, subs, id) = (parts.next()?, parts.next()?, parts.next()?);
    (empty.is_empty() && subs.eq_ignore_ascii_case("subscriptions") && !id.is_empty())
        .then(|| id.to_ascii_lowercase())
}

fn object_id<'s>(claims: Option<&'s Claims<'_>>) -> Option<&'s str> {
    let c = claims?;
    c.object_identifier.get().or_else(|| c.oid.get())
}

fn get<'s>(s: &'s Str<'_>) -> Option<&'s str> {
    s.get()
}

/// Maps one activity log event.
pub(crate) fn map(r: &Record<'_>) -> Result<Mapped, UnmappableReason> {
    if let Some(category) = r.category.0.get()
        && !category.eq_ignore_ascii_case("Administrative")
    {
        return Err(UnmappableReason::NotACall {
            kind: format!("an Azure `{category}` event"),
        });
    }
    let identity = r.identity.as_ref();
    let authorization = r
        .authorization
        .as_ref()
        .or_else(|| identity.and_then(|i| i.authorization.as_ref()));
    let action = authorization
        .and_then(|a| get(&a.action))
        .or_else(|| r.operation_name.as_ref().and_then(|o| o.0.get()))
        .ok_or(UnmappableReason::MissingField {
            field: "operationName",
        })?;
    let claims = r
        .claims
        .as_ref()
        .or_else(|| identity.and_then(|i| i.claims.as_ref()));
    let caller = get(&r.caller);
    let (principal, via) = match (object_id(claims), caller) {
        (Some(oid), caller) => (
            oid.to_ascii_lowercase(),
            caller
                .filter(|c| !c.eq_ignore_ascii_case(oid))
                .map(str::to_owned),
        ),
        (None, Some(c)) if is_guid(c) => (c.to_ascii_lowercase(), None),
        (None, Some(c)) => (c.to_owned(), None),
        (None, None) => return Err(UnmappableReason::NoCaller),
    };
    let user = caller.is_some_and(|c| c.contains('@'))
        || claims.is_some_and(|c| c.upn.get().is_some())
        || claims.is_some_and(|c| c.idtyp.get() == Some("user"));
    let kind = if user {
        PrincipalKind::User
    } else {
        PrincipalKind::Service
    };
    let resource = authorization
        .and_then(|a| get(&a.scope))
        .or_else(|| get(&r.resource_id));
    let status = r.status.0.get().or_else(|| get(&r.result_type));
    let outcome = match status {
        Some(s) if s.eq_ignore_ascii_case("Failed") => failure(r),
        _ => Outcome::Allowed,
    };
    Ok(Mapped {
        principal,
        kind,
        via,
        action: action.to_owned(),
        resource: resource.map(str::to_owned),
        resource_account: resource.and_then(subscription_of),
        outcome,
    })
}

/// The `code` of the `{"error": {"code": …}}` document a status message
/// holds.
fn error_code(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("\"code\"")?;
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    rest.split('"').next().filter(|c| !c.is_empty())
}

/// Denied or failed: authorisation failures carry an error code ending in
/// `AuthorizationFailed` (`DenyAssignmentAuthorizationFailed` too) in the
/// status message, or `Forbidden` as the sub-status or status code.
fn failure(r: &Record<'_>) -> Outcome {
    let props = r.properties.as_ref();
    let message = props.and_then(|p| get(&p.status_message)).unwrap_or("");
    let codes = [
        r.sub_status.0.get(),
        props.and_then(|p| get(&p.status_code)),
        get(&r.result_signature),
    ];
    if let Some(code) = error_code(message).filter(|c| c.ends_with("AuthorizationFailed")) {
        return Outcome::Denied(code.to_owned());
    }
    if let Some(code) = codes
        .iter()
        .flatten()
        .find(|c| c.eq_ignore_ascii_case("Forbidden") || c.contains("403"))
    {
        return Outcome::Denied((*code).to_owned());
    }
    let code = codes.iter().flatten().next().copied().unwrap_or("Failed");
    Outcome::Failed(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_subscriptions() {
        assert!(is_guid("11111111-aaaa-4aaa-8aaa-111111111111"));
        assert!(!is_guid("alice@example.com"));
        assert_eq!(
            subscription_of("/subscriptions/A1B2/resourceGroups/rg").as_deref(),
            Some("a1b2")
        );
        assert_eq!(
            subscription_of("/providers/Microsoft.Management/managementGroups/corp"),
            None
        );
        assert_eq!(
            error_code(r#"{"error":{"code": "DenyAssignmentAuthorizationFailed","message":"x"}}"#),
            Some("DenyAssignmentAuthorizationFailed")
        );
        assert_eq!(error_code("no document"), None);
    }
}
