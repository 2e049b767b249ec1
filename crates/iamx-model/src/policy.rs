//! Policies and statements of the authorization program, with provenance.

use crate::condition::{Attributes, Condition};
use crate::pattern::Pattern;
use crate::request::{Principal, PrincipalKind};
use crate::tri::Tri;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Grants.
    Allow,
    /// Explicitly denies; overrides every allow.
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// Where a statement came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    /// The file it was read from, when known.
    pub file: Option<Arc<str>>,
    /// The policy's name or ARN.
    pub policy: Arc<str>,
    /// Index of the statement in the policy (0-based).
    pub statement: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// 1-based line of the statement in the file (0 when unknown).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} statement {}", self.policy, self.statement)?;
        if let Some(sid) = &self.sid {
            write!(f, " (Sid `{sid}`)")?;
        }
        if let Some(file) = &self.file {
            write!(f, " at {file}")?;
            if self.line > 0 {
                write!(f, ":{}:{}", self.line, self.column)?;
            }
        }
        Ok(())
    }
}

/// An entry of a `Principal`/`NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Anyone,
    /// An account (`"111122223333"` or `arn:aws:iam::111122223333:root`):
    /// delegates to that account's own policies.
    Account(String),
    /// A user, role, assumed-role session or federated-user ARN.
    Arn(String),
    /// A service principal (`ec2.amazonaws.com`), lowercased.
    Service(String),
    /// A federated identity provider (SAML provider ARN or OIDC provider name).
    Federated(String),
    /// An S3 canonical user id.
    CanonicalUser(String),
}

/// How a principal entry matched the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// It did not.
    No,
    /// Through the caller's account: the account's own policies must allow too.
    Account,
    /// Directly (role ARN for a session, service, federated, `NotPrincipal`).
    Direct,
    /// By the wildcard (`"*"`, `{"AWS": "*"}`): it names the caller itself,
    /// so the caller's permissions boundary does not limit the grant (AWS's
    /// boundary rule for a resource policy naming the principal); the session
    /// policy still does.
    Anyone,
    /// By the caller's own user ARN or role-session ARN: AWS does not apply the
    /// caller's permissions boundary or session policy to such a grant.
    Named,
}

impl PrincipalEntry {
    /// How this entry matches `p`.
    pub fn matches(&self, p: &Principal) -> PrincipalMatch {
        match self {
            PrincipalEntry::Anyone => PrincipalMatch::Anyone,
            PrincipalEntry::Account(a) => {
                if p.is_account_principal() && p.account.as_deref() == Some(a.as_str()) {
                    PrincipalMatch::Account
                } else {
                    PrincipalMatch::No
                }
            }
            PrincipalEntry::Arn(arn) => {
                if *arn == p.id {
                    match p.kind {
                        PrincipalKind::User
                        | PrincipalKind::AssumedRole
                        | PrincipalKind::FederatedUser => PrincipalMatch::Named,
                        _ => PrincipalMatch::Direct,
                    }
                } else if p.role_arn.as_deref() == Some(arn.as_str()) {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::No
                }
            }
            PrincipalEntry::Service(s) => {
                if p.kind == PrincipalKind::Service && p.id.eq_ignore_ascii_case(s) {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::No
                }
            }
            PrincipalEntry::Federated(s) => {
                if p.kind == PrincipalKind::WebIdentity && p.id == *s {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::No
                }
            }
            PrincipalEntry::CanonicalUser(s) => {
                if p.kind == PrincipalKind::CanonicalUser && p.id == *s {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::No
                }
            }
        }
    }
}

/// A `Principal` or `NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalSpec {
    /// `NotPrincipal`.
    pub negated: bool,
    /// The entries (ORed).
    pub entries: Vec<PrincipalEntry>,
}

impl PrincipalSpec {
    /// How the element matches the caller in an `Allow` statement. For
    /// `NotPrincipal`, which AWS no longer supports with `Allow`, the reading
    /// of AWS's older documentation: every principal except the ones named,
    /// where an entry names whom it would match as a `Principal` (an account
    /// names its users and roles, a role names its sessions).
    pub fn matches(&self, p: &Principal) -> PrincipalMatch {
        let best = self
            .entries
            .iter()
            .map(|e| e.matches(p))
            .max()
            .unwrap_or(PrincipalMatch::No);
        match (self.negated, best) {
            (false, m) => m,
            (true, PrincipalMatch::No) => PrincipalMatch::Direct,
            (true, _) => PrincipalMatch::No,
        }
    }

    /// Whether a statement with this element and `effect` applies to the
    /// caller, and how it matched (for allows). `bounded`: the caller has a
    /// permissions boundary.
    ///
    /// A `Deny` with `NotPrincipal` follows AWS's `NotPrincipal` page
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>):
    /// - it always applies to an IAM principal with a permissions boundary,
    ///   whatever the element lists;
    /// - the caller is exempt when the element lists the caller, its account
    ///   and, for a role session, its role (`"*"` lists everyone);
    /// - AWS "might" check the account first, then the role, then the
    ///   session: a caller listed without its account (or a session listed
    ///   without its role) is `Unknown`;
    /// - a caller not listed itself is denied, whether or not its account
    ///   (or, for a session, its role) is listed: the page's example lists
    ///   the session, its role and the account to exempt the session.
    pub fn applies(&self, p: &Principal, effect: Effect, bounded: bool) -> (Tri, PrincipalMatch) {
        if !self.negated || effect == Effect::Allow {
            let m = self.matches(p);
            return (Tri::from(m != PrincipalMatch::No), m);
        }
        let applies = (Tri::True, PrincipalMatch::Direct);
        let iam = p.has_identity_policies();
        if iam && bounded {
            return applies;
        }
        if self.entries.contains(&PrincipalEntry::Anyone) {
            return (Tri::False, PrincipalMatch::No);
        }
        let lists_arn = |arn: Option<&str>| {
            arn.is_some_and(|a| {
                self.entries
                    .iter()
                    .any(|e| matches!(e, PrincipalEntry::Arn(x) if x == a))
            })
        };
        let lists_account = p.account.as_deref().is_some_and(|a| {
            self.entries
                .iter()
                .any(|e| matches!(e, PrincipalEntry::Account(x) if x == a))
        });
        if !iam {
            // the root user (by its account), services, providers, canonical
            // users: listed or not
            let listed = match p.kind {
                PrincipalKind::Root => lists_account,
                _ => self
                    .entries
                    .iter()
                    .any(|e| e.matches(p) != PrincipalMatch::No),
            };
            return if listed {
                (Tri::False, PrincipalMatch::No)
            } else {
                applies
            };
        }
        let lists_self = lists_arn(Some(&p.id));
        let session = p.kind == PrincipalKind::AssumedRole;
        let lists_role = session && lists_arn(p.role_arn.as_deref());
        let complete = lists_self && lists_account && (!session || lists_role);
        if complete {
            return (Tri::False, PrincipalMatch::No);
        }
        if !lists_self {
            return applies;
        }
        let missing = match (lists_account, session && !lists_role) {
            (true, true) => "its role",
            (false, true) => "its account and its role",
            _ => "its account",
        };
        (
            Tri::unknown(format!(
                "a Deny with `NotPrincipal` lists `{}` but not {missing}: AWS might check the account first, then the role, then the session, and deny there (NotPrincipal page)",
                p.id
            )),
            PrincipalMatch::Direct,
        )
    }
}

/// `Action`/`NotAction` (case-insensitive patterns).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionSpec {
    /// `NotAction`.
    pub negated: bool,
    /// The patterns (ORed), case-insensitive.
    pub patterns: Vec<Pattern>,
}

impl ActionSpec {
    /// Whether the element matches an action already lowercased.
    pub fn matches_lc(&self, action_lc: &str) -> bool {
        let hit = self.patterns.iter().any(|p| {
            p.matches_normalized(action_lc, &crate::pattern::NoVars)
                .is_true()
        });
        hit != self.negated
    }
}

/// `Resource`/`NotResource` (case-sensitive patterns, may hold variables).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceSpec {
    /// `NotResource`.
    pub negated: bool,
    /// The patterns (ORed).
    pub patterns: Vec<Pattern>,
}

impl ResourceSpec {
    /// Whether the element matches `resource`.
    pub fn matches(&self, resource: &str, attrs: &dyn Attributes) -> Tri {
        let hit = Tri::any(
            self.patterns
                .iter()
                .map(|p| p.matches_with(resource, attrs)),
        );
        if self.negated { !hit } else { hit }
    }
}

/// One statement of a policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Allow or Deny.
    pub effect: Effect,
    /// `Principal`/`NotPrincipal` (resource-based policies only).
    pub principal: Option<PrincipalSpec>,
    /// `Action`/`NotAction`.
    pub action: ActionSpec,
    /// `Resource`/`NotResource`; `None` where the policy type has none (trust policies).
    pub resource: Option<ResourceSpec>,
    /// The condition (`Condition::True` when absent).
    pub condition: Condition,
    /// Provenance.
    pub origin: Arc<Origin>,
}

/// One policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Name or ARN used in explanations.
    pub name: Arc<str>,
    /// The statements.
    pub statements: Vec<Statement>,
    index: ActionIndex,
}

impl Policy {
    /// A policy from its statements.
    pub fn new(name: Arc<str>, statements: Vec<Statement>) -> Policy {
        Policy {
            name,
            statements,
            index: ActionIndex::default(),
        }
    }

    /// Indices of the statements whose `Action`/`NotAction` may match an
    /// action of `service` (lowercased), in statement order. Statements that
    /// name other services only are left out; everything else (`NotAction`,
    /// wildcards in the service part) is always a candidate.
    pub fn candidates(&self, service_lc: &str) -> impl Iterator<Item = usize> + '_ {
        let idx = self.index.get(&self.statements);
        let by = idx
            .by_service
            .get(service_lc)
            .map_or(&[][..], Vec::as_slice);
        Merge {
            a: by,
            b: &idx.always,
        }
    }
}

/// A lazily built map from lowercased service prefix to statement indices.
#[derive(Clone, Debug, Default)]
struct ActionIndex(std::sync::OnceLock<IndexData>);

#[derive(Clone, Debug, Default)]
struct IndexData {
    by_service: std::collections::HashMap<String, Vec<usize>>,
    always: Vec<usize>,
}

impl PartialEq for ActionIndex {
    /// The index is derived from the statements: it never tells policies apart.
    fn eq(&self, _other: &ActionIndex) -> bool {
        true
    }
}

impl ActionIndex {
    fn get(&self, statements: &[Statement]) -> &IndexData {
        self.0.get_or_init(|| {
            let mut d = IndexData::default();
            for (i, st) in statements.iter().enumerate() {
                let services: Option<Vec<String>> = if st.action.negated {
                    None
                } else {
                    st.action.patterns.iter().map(literal_service).collect()
                };
                match services {
                    Some(svcs) => {
                        for s in svcs {
                            let v = d.by_service.entry(s).or_default();
                            if v.last() != Some(&i) {
                                v.push(i);
                            }
                        }
                    }
                    None => d.always.push(i),
                }
            }
            d
        })
    }
}

/// The literal, lowercased service prefix of an action pattern (`s3` of
/// `s3:Get*`), or `None` when the part before `:` has a wildcard.
fn literal_service(p: &Pattern) -> Option<String> {
    match p.segs().first() {
        Some(crate::pattern::Seg::Lit(l)) => {
            let (svc, _) = l.split_once(':')?;
            Some(svc.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// Merges two sorted index lists.
struct Merge<'a> {
    a: &'a [usize],
    b: &'a [usize],
}

impl Iterator for Merge<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match (self.a.split_first(), self.b.split_first()) {
            (Some((x, ra)), Some((y, rb))) => {
                if x <= y {
                    self.a = ra;
                    if x == y {
                        self.b = rb;
                    }
                    Some(*x)
                } else {
                    self.b = rb;
                    Some(*y)
                }
            }
            (Some((x, ra)), None) => {
                self.a = ra;
                Some(*x)
            }
            (None, Some((y, rb))) => {
                self.b = rb;
                Some(*y)
            }
            (None, None) => None,
        }
    }
}
