//! A concrete request: who, what, on which resource, in which context.

use crate::value::Context;
use serde::Serialize;

/// What kind of caller a request comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    /// An IAM user.
    User,
    /// An IAM role named by its role ARN (treated as a session of that role).
    Role,
    /// An assumed-role session (`arn:aws:sts::A:assumed-role/R/S`).
    AssumedRole,
    /// A federated user session (`arn:aws:sts::A:federated-user/N`).
    FederatedUser,
    /// An account's root user.
    Root,
    /// A service principal (`ec2.amazonaws.com`).
    Service,
    /// A web-identity or SAML caller, named by its provider.
    WebIdentity,
    /// An S3 canonical user.
    CanonicalUser,
    /// An unauthenticated caller.
    Anonymous,
}

/// The caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// ARN (or service name, provider, `*` for anonymous).
    pub id: String,
    /// Its kind.
    pub kind: PrincipalKind,
    /// Its account, when it has one.
    pub account: Option<String>,
    /// For a role session: the role's ARN.
    pub role_arn: Option<String>,
    /// The friendly name (`aws:username` for users).
    pub name: Option<String>,
    /// The unique id (`aws:userid`), when known.
    pub unique_id: Option<String>,
}

impl Principal {
    /// An anonymous caller.
    pub fn anonymous() -> Principal {
        Principal {
            id: "*".into(),
            kind: PrincipalKind::Anonymous,
            account: None,
            role_arn: None,
            name: None,
            unique_id: None,
        }
    }

    /// Whether this is an IAM principal (user, role, session, federated
    /// user) or an account's root user: an authenticated caller of an
    /// account.
    pub fn is_account_principal(&self) -> bool {
        self.has_identity_policies() || self.kind == PrincipalKind::Root
    }

    /// Whether IAM identity policies can apply to this caller.
    pub fn has_identity_policies(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
        )
    }
}

/// One request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The caller.
    pub principal: Principal,
    /// The action (`s3:GetObject`), any case.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// The account that owns the resource, when known.
    pub resource_account: Option<String>,
    /// The request context.
    pub context: Context,
}
