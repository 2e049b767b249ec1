//! Principals: v1 member strings of allow policies (`user:…`, `group:…`,
//! `allUsers`, …), v2 principal identifiers of deny and principal access
//! boundary policies (`principal://goog/subject/…`, `principalSet://…`), and
//! the identities a caller has.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// The kinds of v1 members (allow-policy `members`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberKind {
    /// `user:EMAIL`.
    User,
    /// `group:EMAIL`.
    Group,
    /// `serviceAccount:EMAIL`.
    ServiceAccount,
    /// `domain:DOMAIN`.
    Domain,
    /// `allUsers`: anyone, signed in or not.
    AllUsers,
    /// `allAuthenticatedUsers`: anyone signed in.
    AllAuthenticatedUsers,
    /// `deleted:…`: a deleted principal; grants nothing.
    Deleted,
    /// `projectOwner:P`, `projectEditor:P`, `projectViewer:P` (convenience values).
    ProjectRole,
    /// `principal://…`: one identity (workforce/workload identity, v2 forms).
    Principal,
    /// `principalSet://…`: a set of identities.
    PrincipalSet,
    /// None of the above.
    Unknown,
}

/// Classifies a member string.
pub fn member_kind(m: &str) -> MemberKind {
    if m == "allUsers" {
        return MemberKind::AllUsers;
    }
    if m == "allAuthenticatedUsers" {
        return MemberKind::AllAuthenticatedUsers;
    }
    if m.starts_with("principal://") {
        return MemberKind::Principal;
    }
    if m.starts_with("principalSet://") {
        return MemberKind::PrincipalSet;
    }
    match m.split_once(':') {
        Some(("user", e)) if !e.is_empty() => MemberKind::User,
        Some(("group", e)) if !e.is_empty() => MemberKind::Group,
        Some(("serviceAccount", e)) if !e.is_empty() => MemberKind::ServiceAccount,
        Some(("domain", e)) if !e.is_empty() => MemberKind::Domain,
        Some(("deleted", _)) => MemberKind::Deleted,
        Some(("projectOwner" | "projectEditor" | "projectViewer", p)) if !p.is_empty() => {
            MemberKind::ProjectRole
        }
        _ => MemberKind::Unknown,
    }
}

const EMAIL_PREFIXES: [&str; 7] = [
    "user:",
    "group:",
    "serviceAccount:",
    "domain:",
    "principal://goog/subject/",
    "principalSet://goog/group/",
    "principal://iam.googleapis.com/projects/-/serviceAccounts/",
];

/// The member with its email (or domain) lowercased: Google identities are
/// case-insensitive, so `user:Alice@Example.com` is `user:alice@example.com`.
pub fn normalize(m: &str) -> String {
    normalized(m).into_owned()
}

/// [`normalize`], borrowing `m` when it is already normal (the common case
/// on the hot path: members are normalised as they are read).
pub(crate) fn normalized(m: &str) -> Cow<'_, str> {
    let m = m.trim();
    for p in EMAIL_PREFIXES {
        if let Some(rest) = m.strip_prefix(p) {
            if rest.bytes().any(|b| b.is_ascii_uppercase()) {
                return Cow::Owned(format!("{p}{}", rest.to_ascii_lowercase()));
            }
            return Cow::Borrowed(m);
        }
    }
    Cow::Borrowed(m)
}

/// The v2 identifier of a v1 member, where one exists.
pub fn v2_of(member: &str) -> Option<String> {
    let (kind, email) = member.split_once(':')?;
    Some(match kind {
        "user" => format!("principal://goog/subject/{email}"),
        "group" => format!("principalSet://goog/group/{email}"),
        "serviceAccount" => {
            format!("principal://iam.googleapis.com/projects/-/serviceAccounts/{email}")
        }
        _ if member.starts_with("principal://") || member.starts_with("principalSet://") => {
            member.to_owned()
        }
        _ => return None,
    })
}

/// The identifiers of the v2 principal forms iamx knows the membership of.
pub fn known_v2_form(id: &str) -> bool {
    id == "principalSet://goog/public:all"
        || id.starts_with("principal://goog/subject/")
        || id.starts_with("principalSet://goog/group/")
        || id.starts_with("principal://iam.googleapis.com/")
        || id.starts_with("principalSet://iam.googleapis.com/")
        || id.starts_with("principalSet://goog/cloudIdentityCustomerId/")
        || id.starts_with("principalSet://cloudresourcemanager.googleapis.com/")
}

/// Who the caller is, in every form a policy may name it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    /// The caller as written (a v1 member or a `principal://` identifier).
    pub principal: String,
    /// v1 identities (itself, groups, `domain:…`, `allAuthenticatedUsers`,
    /// `allUsers`) plus the v2 forms of the same identities, so a binding
    /// that names a `principal://` identifier matches too.
    pub v1: BTreeSet<String>,
    /// v2 identifiers (for deny rules and boundary policies).
    pub v2: BTreeSet<String>,
    /// The caller's service-account project, when it is a service account
    /// (`projects/P` from `…@P.iam.gserviceaccount.com`).
    pub sa_project: Option<String>,
}

impl Caller {
    /// The identities of `principal` (normalised) who is in `groups` (already
    /// expanded); `authenticated` is false for an anonymous caller.
    pub fn new(principal: &str, groups: &[String], authenticated: bool) -> Caller {
        let p = normalize(principal);
        // gathered in lists and sorted into sets once (cheaper than inserting
        // one by one; duplicates collapse the same way)
        let mut v1: Vec<String> = Vec::with_capacity(2 * groups.len() + 8);
        let mut v2: Vec<String> = Vec::with_capacity(groups.len() + 3);
        v1.push("allUsers".to_owned());
        v2.push("principalSet://goog/public:all".to_owned());
        let anonymous = p == "allUsers";
        if authenticated && !anonymous {
            v1.push("allAuthenticatedUsers".to_owned());
        }
        let mut sa_project = None;
        if !anonymous {
            if let Some(id) = v2_of(&p) {
                v2.push(id);
            }
            match p.split_once(':') {
                Some(("user" | "group", email)) => {
                    if let Some((_, d)) = email.rsplit_once('@') {
                        v1.push(format!("domain:{d}"));
                    }
                }
                Some(("serviceAccount", email)) => {
                    sa_project = crate::names::service_account_project(email);
                }
                _ => {}
            }
            // a workforce or workload identity subject is in its pool's `*` set
            if let Some((pool, _)) = p
                .strip_prefix("principal://")
                .and_then(|r| r.split_once("/subject/"))
            {
                v2.push(format!("principalSet://{pool}/*"));
            }
            v1.push(p.clone());
        }
        for g in groups {
            let g = normalize(g);
            if let Some(id) = v2_of(&g) {
                v2.push(id);
            }
            v1.push(g);
        }
        v1.extend(v2.iter().cloned());
        Caller {
            principal: p,
            v1: BTreeSet::from_iter(v1),
            v2: BTreeSet::from_iter(v2),
            sa_project,
        }
    }

    /// Whether the caller is anonymous (`allUsers`).
    pub fn is_anonymous(&self) -> bool {
        self.principal == "allUsers"
    }
}

/// Whether a caller is one of a policy's principals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Membership {
    /// Certainly.
    Yes,
    /// Certainly not.
    No,
    /// iamx cannot tell from the inputs; the reason says why.
    Maybe(String),
}

impl Membership {
    /// The combination over a list: any `Yes` wins, then any `Maybe`.
    pub fn any(items: impl IntoIterator<Item = Membership>) -> Membership {
        let mut out = Membership::No;
        for m in items {
            match m {
                Membership::Yes => return Membership::Yes,
                Membership::Maybe(r) if out == Membership::No => out = Membership::Maybe(r),
                _ => {}
            }
        }
        out
    }
}

/// Whether the caller is `id` (a v2 identifier or a v1 member);
/// `sa_chain` lists the service-account caller's project and its known
/// ancestors (nearest first; `complete` when the chain reaches an
/// organization).
pub fn membership(id: &str, caller: &Caller, sa_chain: &[String], complete: bool) -> Membership {
    let n = normalized(id);
    let n = n.as_ref();
    if caller.v1.contains(n) || caller.v2.contains(n) {
        return Membership::Yes;
    }
    let google_account = matches!(
        member_kind(&caller.principal),
        MemberKind::User | MemberKind::Group
    );
    if n.starts_with("principalSet://goog/cloudIdentityCustomerId/") {
        return if google_account {
            Membership::Maybe(format!(
                "iamx does not know whether `{}` belongs to the Cloud Identity customer of `{id}`",
                caller.principal
            ))
        } else {
            Membership::No
        };
    }
    if let Some(rest) = n.strip_prefix("principalSet://cloudresourcemanager.googleapis.com/") {
        let (container, sa_only) = match rest.strip_suffix("/type/ServiceAccount") {
            Some(c) => (c, true),
            None => (rest, false),
        };
        if caller.sa_project.is_some() {
            if sa_chain.iter().any(|c| c == container) {
                return Membership::Yes;
            }
            if complete || container.starts_with("projects/") {
                return Membership::No;
            }
            return Membership::Maybe(format!(
                "iamx does not know whether the project of `{}` is under `{container}` (no hierarchy for it was loaded)",
                caller.principal
            ));
        }
        if sa_only || container.starts_with("projects/") {
            return Membership::No;
        }
        return Membership::Maybe(format!(
            "iamx does not know whether `{}` is a principal of `{container}`",
            caller.principal
        ));
    }
    if let Some(rest) = n.strip_prefix("principalSet://iam.googleapis.com/") {
        // a pool's groups or attribute sets: decidable only for other pools
        let pool = rest
            .split_once("/group/")
            .or_else(|| rest.split_once("/attribute."))
            .map(|(p, _)| p);
        if let Some(pool) = pool {
            let same_pool = caller
                .principal
                .strip_prefix("principal://iam.googleapis.com/")
                .is_some_and(|r| r.starts_with(&format!("{pool}/")));
            if same_pool {
                return Membership::Maybe(format!(
                    "iamx does not know the attributes and groups of `{}` in its identity pool",
                    caller.principal
                ));
            }
        }
        return Membership::No;
    }
    if known_v2_form(n) || member_kind(n) != MemberKind::Unknown {
        return Membership::No;
    }
    Membership::Maybe(format!(
        "iamx does not know the principal identifier `{id}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_identities() {
        let c = Caller::new(
            "user:Alice@Example.com",
            &["group:eng@example.com".into()],
            true,
        );
        for id in [
            "user:alice@example.com",
            "group:eng@example.com",
            "domain:example.com",
            "allUsers",
            "allAuthenticatedUsers",
            "principal://goog/subject/alice@example.com",
        ] {
            assert!(c.v1.contains(id), "{id}");
        }
        for id in [
            "principal://goog/subject/alice@example.com",
            "principalSet://goog/group/eng@example.com",
            "principalSet://goog/public:all",
        ] {
            assert!(c.v2.contains(id), "{id}");
        }
        let anon = Caller::new("allUsers", &[], true);
        assert!(!anon.v1.contains("allAuthenticatedUsers"));
        assert!(anon.is_anonymous());
        let sa = Caller::new(
            "serviceAccount:deployer@payments-prod.iam.gserviceaccount.com",
            &[],
            true,
        );
        assert_eq!(sa.sa_project.as_deref(), Some("projects/payments-prod"));
        assert!(sa.v2.contains("principal://iam.googleapis.com/projects/-/serviceAccounts/deployer@payments-prod.iam.gserviceaccount.com"));
        let wf = Caller::new(
            "principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s",
            &[],
            true,
        );
        assert!(
            wf.v2
                .contains("principalSet://iam.googleapis.com/locations/global/workforcePools/p/*")
        );
    }

    #[test]
    fn memberships() {
        let u = Caller::new("user:alice@example.com", &[], true);
        assert_eq!(
            membership("principalSet://goog/public:all", &u, &[], false),
            Membership::Yes
        );
        assert_eq!(
            membership("principal://goog/subject/bob@example.com", &u, &[], false),
            Membership::No
        );
        assert!(matches!(
            membership(
                "principalSet://goog/cloudIdentityCustomerId/C01",
                &u,
                &[],
                false
            ),
            Membership::Maybe(_)
        ));
        assert_eq!(
            membership(
                "principalSet://cloudresourcemanager.googleapis.com/projects/p1/type/ServiceAccount",
                &u,
                &[],
                false
            ),
            Membership::No
        );
        let sa = Caller::new("serviceAccount:x@p1.iam.gserviceaccount.com", &[], true);
        let chain = vec!["projects/p1".to_owned(), "folders/9".to_owned()];
        assert_eq!(
            membership(
                "principalSet://cloudresourcemanager.googleapis.com/folders/9/type/ServiceAccount",
                &sa,
                &chain,
                false
            ),
            Membership::Yes
        );
        assert!(matches!(
            membership(
                "principalSet://cloudresourcemanager.googleapis.com/organizations/1/type/ServiceAccount",
                &sa,
                &chain,
                false
            ),
            Membership::Maybe(_)
        ));
        assert_eq!(
            membership(
                "principalSet://cloudresourcemanager.googleapis.com/organizations/1/type/ServiceAccount",
                &sa,
                &chain,
                true
            ),
            Membership::No
        );
        assert!(matches!(
            membership("weird:thing", &u, &[], false),
            Membership::Maybe(_)
        ));
    }
}
