//! Caller identities: from the text a user gives to [`iamx_model::Principal`].

use crate::arn::{is_account_id, parse_arn};
use iamx_model::{Principal, PrincipalKind};

/// Reads a caller: an IAM user/role/root ARN, an assumed-role or
/// federated-user session ARN, a SAML/OIDC provider ARN, a service principal
/// (`ec2.amazonaws.com`), a 12-digit account id (its root), or `*`/`anonymous`.
pub fn parse_principal(text: &str) -> Result<Principal, String> {
    let t = text.trim();
    let mk =
        |id: &str, kind, account: Option<&str>, role_arn: Option<String>, name: Option<&str>| {
            Principal {
                id: id.to_owned(),
                kind,
                account: account.map(str::to_owned),
                role_arn,
                name: name.map(str::to_owned),
                unique_id: None,
            }
        };
    if t == "*" || t.eq_ignore_ascii_case("anonymous") {
        return Ok(Principal::anonymous());
    }
    if is_account_id(t) {
        return Ok(mk(
            &format!("arn:aws:iam::{t}:root"),
            PrincipalKind::Root,
            Some(t),
            None,
            None,
        ));
    }
    if !t.starts_with("arn:") {
        if t.ends_with(".amazonaws.com")
            || t.ends_with(".amazon.com")
            || t.ends_with(".amazonaws.com.cn")
        {
            return Ok(mk(t, PrincipalKind::Service, None, None, None));
        }
        if t.contains('.') {
            // an OIDC provider such as `accounts.google.com` or `graph.facebook.com`
            return Ok(mk(t, PrincipalKind::WebIdentity, None, None, None));
        }
        return Err(format!(
            "`{t}` is not a principal (expected an IAM or STS ARN, a service principal, an account id or `*`)"
        ));
    }
    let arn = parse_arn(t).map_err(|e| e.to_string())?;
    let (rtype, rid) = arn.resource_type_and_id();
    let account = Some(arn.account).filter(|a| !a.is_empty());
    let last = rid.rsplit('/').next().unwrap_or(rid);
    match (arn.service, rtype, arn.resource) {
        ("iam", _, "root") => Ok(mk(t, PrincipalKind::Root, account, None, None)),
        ("iam", "user", _) => Ok(mk(t, PrincipalKind::User, account, None, Some(last))),
        ("iam", "role", _) => Ok(mk(
            t,
            PrincipalKind::Role,
            account,
            Some(t.to_owned()),
            Some(last),
        )),
        ("iam", "saml-provider" | "oidc-provider", _) => {
            Ok(mk(t, PrincipalKind::WebIdentity, account, None, None))
        }
        ("sts", "assumed-role", _) => {
            let mut parts = rid.splitn(2, '/');
            let role = parts.next().unwrap_or_default();
            let session = parts.next().unwrap_or_default();
            if role.is_empty() || session.is_empty() {
                return Err(format!(
                    "`{t}` is not an assumed-role session ARN (expected `assumed-role/ROLE/SESSION`)"
                ));
            }
            let role_arn = format!("arn:{}:iam::{}:role/{role}", arn.partition, arn.account);
            Ok(mk(
                t,
                PrincipalKind::AssumedRole,
                account,
                Some(role_arn),
                Some(session),
            ))
        }
        ("sts", "federated-user", _) => Ok(mk(
            t,
            PrincipalKind::FederatedUser,
            account,
            None,
            Some(last),
        )),
        _ => Err(format!(
            "`{t}` is not a principal ARN (expected an IAM user, role or root, or an STS session)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let s = parse_principal("arn:aws:sts::111122223333:assumed-role/app/i-123").unwrap();
        assert_eq!(s.kind, PrincipalKind::AssumedRole);
        assert_eq!(
            s.role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/app")
        );
        assert_eq!(
            parse_principal("ec2.amazonaws.com").unwrap().kind,
            PrincipalKind::Service
        );
        assert_eq!(
            parse_principal("111122223333").unwrap().kind,
            PrincipalKind::Root
        );
        let u = parse_principal("arn:aws:iam::111122223333:user/dev/alice").unwrap();
        assert_eq!(u.name.as_deref(), Some("alice"));
        assert!(parse_principal("arn:aws:s3:::bucket").is_err());
        assert!(parse_principal("alice").is_err());
    }
}
