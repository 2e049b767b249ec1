//! Resources AWS owns, which no customer policy can change, and the one action
//! no customer policy can deny.
//!
//! These rules sit outside the policy language: an administrator with
//! `"Action": "*"` is still refused `iam:DeleteRole` on an IAM Identity Center
//! role, and a policy that denies everything still lets its caller ask
//! `sts:GetCallerIdentity`. Both interpreters read the same table: the
//! evaluator ([`crate::eval::evaluate`]) and the symbolic encoder, which
//! builds its terms from the same rows ([`guardrails`]).

use crate::pattern::{Case, Pattern};
use crate::request::{Principal, PrincipalKind};
use crate::tri::Tri;
use std::sync::OnceLock;

/// One AWS-owned resource family and the actions AWS refuses on it.
#[derive(Clone, Debug)]
pub struct Guardrail {
    /// Short identifier (`aws-reserved-role`).
    pub id: &'static str,
    /// The refused actions, lowercased.
    pub actions: &'static [&'static str],
    /// The resources, as an ARN glob (`*` crosses `:`).
    pub resource: &'static str,
    /// The resources in other letter cases, which AWS's documentation does not
    /// say whether it reserves too: a request there is `Unknown`.
    pub other_cases_unknown: bool,
    /// Whether a session of a service-linked role is exempt: the linked
    /// service makes its changes to these roles through its own
    /// service-linked role (IAM Identity Center's `AWSServiceRoleForSSO`
    /// manages the `/aws-reserved/` roles), and the rule is that no
    /// *customer* policy can.
    pub linked_service_exempt: bool,
    /// The documentation page that states the rule.
    pub doc: &'static str,
    /// What AWS does, for explanations.
    pub rule: &'static str,
}

const IAM_ROLES: &str =
    "https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html";
const SLR: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html";
const MANAGED: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html";
const KMS_ALIAS: &str = "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html";

/// The AWS-owned resources.
pub const GUARDRAILS: &[Guardrail] = &[
    Guardrail {
        id: "aws-reserved-role",
        actions: &[
            "iam:attachrolepolicy",
            "iam:createrole",
            "iam:createservicelinkedrole",
            "iam:deleterole",
            "iam:deleterolepermissionsboundary",
            "iam:deleterolepolicy",
            "iam:deleteservicelinkedrole",
            "iam:detachrolepolicy",
            "iam:passrole",
            "iam:putrolepermissionsboundary",
            "iam:putrolepolicy",
            "iam:tagrole",
            "iam:untagrole",
            "iam:updateassumerolepolicy",
            "iam:updaterole",
            "iam:updateroledescription",
        ],
        resource: "arn:*:iam::*:role/aws-reserved/*",
        other_cases_unknown: false,
        linked_service_exempt: true,
        doc: IAM_ROLES,
        rule: "roles under the path /aws-reserved/ belong to IAM Identity Center: no customer policy can create, change, tag, pass or delete them",
    },
    Guardrail {
        id: "service-linked-role",
        // description (UpdateRole, UpdateRoleDescription) and tags stay
        // editable; deletion goes through iam:DeleteServiceLinkedRole
        actions: &[
            "iam:attachrolepolicy",
            "iam:createrole",
            "iam:deleterole",
            "iam:deleterolepermissionsboundary",
            "iam:deleterolepolicy",
            "iam:detachrolepolicy",
            "iam:putrolepermissionsboundary",
            "iam:putrolepolicy",
            "iam:updateassumerolepolicy",
        ],
        resource: "arn:*:iam::*:role/aws-service-role/*",
        other_cases_unknown: false,
        linked_service_exempt: true,
        doc: SLR,
        rule: "service-linked roles (path /aws-service-role/) are protected: their permissions, trust policy and boundary are set by the linked service, and they are deleted only through iam:DeleteServiceLinkedRole",
    },
    Guardrail {
        id: "aws-managed-policy",
        actions: &[
            "iam:createpolicy",
            "iam:createpolicyversion",
            "iam:deletepolicy",
            "iam:deletepolicyversion",
            "iam:setdefaultpolicyversion",
            "iam:tagpolicy",
            "iam:untagpolicy",
        ],
        resource: "arn:*:iam::aws:policy/*",
        other_cases_unknown: false,
        linked_service_exempt: false,
        doc: MANAGED,
        rule: "AWS managed policies (arn:aws:iam::aws:policy/...) are created and versioned by AWS: no customer policy can change them",
    },
    Guardrail {
        id: "aws-managed-kms-alias",
        actions: &["kms:createalias", "kms:deletealias", "kms:updatealias"],
        resource: "arn:*:kms:*:*:alias/aws/*",
        other_cases_unknown: true,
        linked_service_exempt: false,
        doc: KMS_ALIAS,
        rule: "the alias/aws/ prefix is reserved for AWS managed keys: no customer policy can create, update or delete such an alias",
    },
];

/// `sts:GetCallerIdentity`, lowercased.
pub const GET_CALLER_IDENTITY: &str = "sts:getcalleridentity";

/// Where to read that no policy can deny `sts:GetCallerIdentity`.
pub const GET_CALLER_IDENTITY_DOC: &str =
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html";

/// Whether `p` is an authenticated caller, for whom AWS answers
/// `sts:GetCallerIdentity` whatever the policies say.
pub fn authenticated(p: &Principal) -> bool {
    p.is_account_principal()
}

/// Whether `p` acts through a service-linked role, which only the linked
/// service can assume: true when its role's path is `/aws-service-role/`;
/// unknown for a session ARN (it carries no path) of a role named like one
/// (`AWSServiceRoleFor…`); false otherwise.
pub fn service_linked_session(p: &Principal) -> Tri {
    let role = match p.kind {
        PrincipalKind::Role => Some(p.id.as_str()),
        PrincipalKind::AssumedRole => p.role_arn.as_deref(),
        _ => None,
    };
    let Some(role) = role else {
        return Tri::False;
    };
    if role.contains(":role/aws-service-role/") {
        return Tri::True;
    }
    match role.split_once(":role/") {
        Some((_, name)) if !name.contains('/') && name.starts_with("AWSServiceRoleFor") => {
            Tri::unknown(format!(
                "`{}` may be a session of a service-linked role, which the guardrail exempts: its role's path is not known (give the role ARN with its path)",
                p.id
            ))
        }
        _ => Tri::False,
    }
}

/// A guardrail with its resource glob compiled, case-sensitive and in any
/// letter case.
#[derive(Debug)]
pub struct Compiled {
    /// The row.
    pub row: &'static Guardrail,
    /// [`Guardrail::resource`], case-sensitive.
    pub exact: Pattern,
    /// The same glob in any letter case.
    pub any_case: Pattern,
}

/// Every guardrail, compiled once.
pub fn guardrails() -> &'static [Compiled] {
    static CACHE: OnceLock<Vec<Compiled>> = OnceLock::new();
    CACHE.get_or_init(|| {
        GUARDRAILS
            .iter()
            .map(|row| Compiled {
                row,
                exact: Pattern::glob(row.resource, Case::Sensitive),
                any_case: Pattern::glob(row.resource, Case::Insensitive),
            })
            .collect()
    })
}

impl Compiled {
    /// Whether this guardrail refuses `action_lc` on `resource`: true, false,
    /// or unknown for a letter-case variant of a reserved name.
    pub fn applies(&self, caller: &Principal, action_lc: &str, resource: &str) -> Tri {
        if !self.row.actions.contains(&action_lc) {
            return Tri::False;
        }
        let not_exempt = if self.row.linked_service_exempt {
            !service_linked_session(caller)
        } else {
            Tri::True
        };
        if self.exact.matches(resource) {
            return not_exempt;
        }
        if self.row.other_cases_unknown && self.any_case.matches(resource) {
            return not_exempt.and(Tri::unknown(format!(
                "`{resource}` differs from the reserved `{}` only in letter case, and AWS does not document whether it reserves that too",
                self.row.resource
            )));
        }
        Tri::False
    }
}

/// The first guardrail that refuses (or might refuse) the request, with how
/// sure that is.
pub fn guardrail_for(
    caller: &Principal,
    action_lc: &str,
    resource: &str,
) -> Option<(&'static Guardrail, Tri)> {
    guardrails().iter().find_map(|g| {
        let t = g.applies(caller, action_lc, resource);
        (!t.is_false()).then_some((g.row, t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Principal {
        Principal {
            id: "arn:aws:iam::111122223333:user/admin".into(),
            kind: PrincipalKind::User,
            account: Some("111122223333".into()),
            role_arn: None,
            name: Some("admin".into()),
            unique_id: None,
        }
    }

    fn guardrail_for(a: &str, r: &str) -> Option<(&'static Guardrail, Tri)> {
        super::guardrail_for(&admin(), a, r)
    }

    #[test]
    fn every_row_has_lowercase_actions_and_a_glob_that_matches_its_own_family() {
        for g in GUARDRAILS {
            for a in g.actions {
                assert_eq!(*a, a.to_ascii_lowercase(), "{}", g.id);
            }
        }
        for g in guardrails() {
            let sample = g.row.resource.replace('*', "x");
            assert!(g.exact.matches(&sample), "{}: {sample}", g.row.id);
        }
    }

    #[test]
    fn reserved_role_is_refused_and_a_look_alike_path_is_not() {
        let r =
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1";
        assert!(guardrail_for("iam:deleterole", r).is_some());
        assert!(guardrail_for("iam:getrole", r).is_none());
        let other = "arn:aws:iam::111122223333:role/team/aws-reserved-copy";
        assert!(guardrail_for("iam:deleterole", other).is_none());
    }

    #[test]
    fn service_linked_role_keeps_its_description_and_tags_editable() {
        let r = "arn:aws:iam::111122223333:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk";
        for a in [
            "iam:updateroledescription",
            "iam:updaterole",
            "iam:tagrole",
            "iam:deleteservicelinkedrole",
            "iam:passrole",
        ] {
            assert!(guardrail_for(a, r).is_none(), "{a}");
        }
        for a in [
            "iam:deleterole",
            "iam:putrolepolicy",
            "iam:updateassumerolepolicy",
        ] {
            assert!(guardrail_for(a, r).is_some(), "{a}");
        }
    }

    #[test]
    fn the_linked_service_may_change_its_roles() {
        let sso = Principal {
            id: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSSO/sso".into(),
            kind: PrincipalKind::AssumedRole,
            account: Some("111122223333".into()),
            role_arn: Some(
                "arn:aws:iam::111122223333:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO"
                    .into(),
            ),
            name: None,
            unique_id: None,
        };
        let r =
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1";
        assert!(super::guardrail_for(&sso, "iam:putrolepolicy", r).is_none());
        let p = "arn:aws:iam::aws:policy/AdministratorAccess";
        assert!(super::guardrail_for(&sso, "iam:createpolicyversion", p).is_some());
    }

    #[test]
    fn kms_alias_in_another_case_is_unknown() {
        let exact = "arn:aws:kms:us-east-1:111122223333:alias/aws/s3";
        let upper = "arn:aws:kms:us-east-1:111122223333:alias/AWS/s3";
        let own = "arn:aws:kms:us-east-1:111122223333:alias/awsome";
        assert!(matches!(
            guardrail_for("kms:deletealias", exact),
            Some((_, Tri::True))
        ));
        assert!(matches!(
            guardrail_for("kms:deletealias", upper),
            Some((_, Tri::Unknown(_)))
        ));
        assert!(guardrail_for("kms:deletealias", own).is_none());
    }
}
