//! The authorization program and its concrete evaluator.
//!
//! A provider frontend lowers everything that takes part in one decision into
//! an [`AwsProgram`] (GCP and Azure programs join later): the policies per
//! layer plus the provider's combination rule, which [`evaluate`] applies with
//! three-valued logic. Any `Unknown` that could change the outcome makes the
//! decision `Unknown`; one that cannot (a possible deny on a request nothing
//! allows) does not.

use crate::condition::Attributes;
use crate::guardrail::{
    GET_CALLER_IDENTITY, GET_CALLER_IDENTITY_DOC, authenticated, guardrail_for,
};
use crate::pattern::{VarSource, VarValue};
use crate::policy::{Effect, Origin, Policy, PrincipalMatch, Statement};
use crate::request::{PrincipalKind, Request};
use crate::tri::{Reason, Tri};
use crate::value::{Scalar, Value};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The layer a policy takes part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// Service control policy (principal's account path).
    Scp,
    /// Resource control policy (resource account's path).
    Rcp,
    /// Permissions boundary.
    PermissionBoundary,
    /// Session policy.
    SessionPolicy,
    /// Identity-based policy.
    Identity,
    /// Resource-based policy.
    ResourcePolicy,
    /// KMS key policy.
    KeyPolicy,
    /// Role trust policy.
    TrustPolicy,
    /// GCP allow-policy binding.
    RoleBinding,
    /// GCP deny policy rule.
    DenyPolicy,
    /// GCP principal access boundary.
    PrincipalAccessBoundary,
    /// Azure role assignment.
    RoleAssignment,
    /// Azure deny assignment.
    DenyAssignment,
    /// A rule AWS applies outside every policy (`iamx_model::guardrail`).
    Guardrail,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Scp => "service control policy",
            Layer::Rcp => "resource control policy",
            Layer::PermissionBoundary => "permissions boundary",
            Layer::SessionPolicy => "session policy",
            Layer::Identity => "identity-based policy",
            Layer::ResourcePolicy => "resource-based policy",
            Layer::KeyPolicy => "key policy",
            Layer::TrustPolicy => "trust policy",
            Layer::RoleBinding => "role binding",
            Layer::DenyPolicy => "deny policy",
            Layer::PrincipalAccessBoundary => "principal access boundary",
            Layer::RoleAssignment => "role assignment",
            Layer::DenyAssignment => "deny assignment",
            Layer::Guardrail => "AWS guardrail",
        })
    }
}

/// What kind of resource policy the program carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourcePolicyKind {
    /// Bucket, queue, topic, secret, function, ... policy.
    Generic,
    /// A KMS key policy: must allow even in the same account.
    KmsKey,
    /// A role trust policy: must allow even in the same account.
    RoleTrust,
}

/// One level of an organisation path (root, an OU, the account).
#[derive(Clone, Debug)]
pub struct OrgLevel {
    /// Name of the level (`root`, `ou-…`, the account id).
    pub name: String,
    /// Policies attached at that level; empty allows nothing.
    pub policies: Vec<Arc<Policy>>,
}

/// Everything that takes part in one AWS decision.
#[derive(Clone, Debug)]
pub struct AwsProgram {
    /// Identity-based policies of the caller.
    pub identity: Vec<Arc<Policy>>,
    /// Permissions boundaries (none: no boundary gate).
    pub boundaries: Vec<Arc<Policy>>,
    /// The session policy, if any.
    pub session: Option<Arc<Policy>>,
    /// SCP path root → account, when the caller's account is in an organisation.
    pub scps: Option<Vec<OrgLevel>>,
    /// Whether the caller's account is the organisation's management account.
    pub management_account: bool,
    /// RCP path of the resource's account.
    pub rcps: Option<Vec<OrgLevel>>,
    /// The resource-based policy, if any.
    pub resource_policy: Option<Arc<Policy>>,
    /// Its kind.
    pub resource_policy_kind: ResourcePolicyKind,
}

impl AwsProgram {
    /// Every policy of the program, in a fixed order: identity, boundaries,
    /// session, SCP levels, RCP levels, resource policy.
    pub fn policies(&self) -> impl Iterator<Item = &Arc<Policy>> {
        fn levels(l: &Option<Vec<OrgLevel>>) -> impl Iterator<Item = &Arc<Policy>> {
            l.iter().flatten().flat_map(|x| x.policies.iter())
        }
        self.identity
            .iter()
            .chain(self.boundaries.iter())
            .chain(self.session.iter())
            .chain(levels(&self.scps))
            .chain(levels(&self.rcps))
            .chain(self.resource_policy.iter())
    }

    /// A program of identity policies alone: no boundary, session,
    /// organisation or resource policy.
    pub fn identity_only(identity: Vec<Arc<Policy>>) -> AwsProgram {
        AwsProgram {
            identity,
            boundaries: vec![],
            session: None,
            scps: None,
            management_account: false,
            rcps: None,
            resource_policy: None,
            resource_policy_kind: ResourcePolicyKind::Generic,
        }
    }
}

/// The four-valued decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed.
    Allowed,
    /// An explicit deny applies.
    ExplicitlyDenied,
    /// Nothing allows (implicit deny) or a gate blocks.
    NotAllowed,
    /// iamx cannot decide; the reason says why.
    Unknown(Reason),
}

impl Outcome {
    /// The JSON spelling (`allowed`, `explicitly_denied`, `not_allowed`, `unknown`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ExplicitlyDenied => "explicitly_denied",
            Outcome::NotAllowed => "not_allowed",
            Outcome::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statement that took part in the decision.
#[derive(Clone, Debug, Serialize)]
pub struct StatementHit {
    /// Its layer.
    pub layer: Layer,
    /// The organisation level (SCP/RCP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// Where it came from.
    pub origin: Arc<Origin>,
    /// `true` when it matched, `false` when it might match (unknown).
    pub definite: bool,
    /// Why it might match, when not definite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_reason: Option<String>,
}

impl StatementHit {
    /// A hit of a statement, binding or assignment that matched (`t` true)
    /// or might have (`t` unknown), outside any organisation level.
    pub fn new(layer: Layer, effect: Effect, origin: &Arc<Origin>, t: &Tri) -> StatementHit {
        StatementHit {
            layer,
            level: None,
            effect,
            origin: origin.clone(),
            definite: t.is_true(),
            unknown_reason: match t {
                Tri::Unknown(r) => Some(r.to_string()),
                _ => None,
            },
        }
    }
}

/// What blocked a request that was not allowed.
#[derive(Clone, Debug, Serialize)]
pub struct Block {
    /// The layer that blocked.
    pub layer: Layer,
    /// The organisation level, for SCPs and RCPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// One-line explanation.
    pub message: String,
}

/// Why the decision came out as it did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Explanation {
    /// Statements that matched (or might have), in evaluation order.
    pub statements: Vec<StatementHit>,
    /// What blocked, for `not_allowed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<Block>,
    /// Further notes (same- or cross-account, bypassed gates, ...).
    pub notes: Vec<String>,
}

/// A decision with its explanation.
#[derive(Clone, Debug)]
pub struct Decision {
    /// The outcome.
    pub outcome: Outcome,
    /// The explanation.
    pub explanation: Explanation,
}

/// Context keys AWS puts in every request: their absence means "not given".
const ALWAYS_SUPPLIED: [&str; 3] = ["aws:currenttime", "aws:epochtime", "aws:securetransport"];

/// The request as conditions and variables see it: the explicit context
/// first, then keys derived from the request itself.
struct View<'a> {
    req: &'a Request,
}

impl View<'_> {
    fn derived(&self, key_lc: &str) -> Option<Value> {
        let p = &self.req.principal;
        let s = |x: &str| Some(Value::One(Scalar::Str(x.to_owned())));
        match key_lc {
            "aws:principalarn"
                if p.kind != PrincipalKind::Anonymous && p.kind != PrincipalKind::Service =>
            {
                // for a session, aws:PrincipalArn is the role's ARN
                s(p.role_arn.as_deref().unwrap_or(&p.id))
            }
            "aws:principalaccount" => p.account.as_deref().and_then(s),
            "aws:principaltype" => match p.kind {
                PrincipalKind::User => s("User"),
                PrincipalKind::Role | PrincipalKind::AssumedRole => s("AssumedRole"),
                PrincipalKind::FederatedUser => s("FederatedUser"),
                PrincipalKind::Root => s("Account"),
                PrincipalKind::Anonymous => s("Anonymous"),
                _ => None,
            },
            "aws:username" if p.kind == PrincipalKind::User => p.name.as_deref().and_then(s),
            "aws:userid" => p.unique_id.as_deref().and_then(s),
            "aws:resourceaccount" => self.req.resource_account.as_deref().and_then(s),
            "aws:principalisawsservice" => {
                Some(Value::One(Scalar::Bool(p.kind == PrincipalKind::Service)))
            }
            "aws:principalservicename" if p.kind == PrincipalKind::Service => s(&p.id),
            _ => None,
        }
    }
}

impl VarSource for View<'_> {
    fn var(&self, key: &str) -> VarValue<'_> {
        match self.attr(&key.to_ascii_lowercase()) {
            None if self.req.context.is_open() => VarValue::Unknown,
            None => VarValue::Missing,
            Some(v) => match v.as_ref() {
                Value::One(s) => VarValue::One(Cow::Owned(s.as_string().into_owned())),
                Value::Set(_) => VarValue::Many,
                Value::Null => VarValue::Missing,
            },
        }
    }
}

impl Attributes for View<'_> {
    fn attr(&self, key_lc: &str) -> Option<Cow<'_, Value>> {
        if let Some(v) = self.req.context.get_lc(key_lc) {
            return Some(Cow::Borrowed(v));
        }
        self.derived(key_lc).map(Cow::Owned)
    }

    fn always_supplied(&self, key_lc: &str) -> bool {
        ALWAYS_SUPPLIED.contains(&key_lc)
    }

    fn context_open(&self) -> bool {
        self.req.context.is_open()
    }
}

/// The result of one policy (or set of policies) on a request.
#[derive(Clone, Debug)]
struct PolicyResult {
    deny: Tri,
    /// Allow, split by how the principal matched (for resource policies).
    allow_named: Tri,
    allow_anyone: Tri,
    allow_direct: Tri,
    allow_account: Tri,
}

impl PolicyResult {
    fn none() -> PolicyResult {
        PolicyResult {
            deny: Tri::False,
            allow_named: Tri::False,
            allow_anyone: Tri::False,
            allow_direct: Tri::False,
            allow_account: Tri::False,
        }
    }

    fn allow_any(&self) -> Tri {
        self.allow_named
            .clone()
            .or(self.allow_anyone.clone())
            .or(self.allow_direct.clone())
            .or(self.allow_account.clone())
    }
}

struct Evaluator<'a> {
    req: &'a Request,
    view: View<'a>,
    action_lc: String,
    hits: Vec<StatementHit>,
    /// The caller has a permissions boundary (a `Deny` with `NotPrincipal`
    /// then always applies).
    bounded: bool,
}

impl Evaluator<'_> {
    fn statement(&self, st: &Statement, principal_scoped: bool) -> (Tri, PrincipalMatch) {
        if !st.action.matches_lc(&self.action_lc) {
            return (Tri::False, PrincipalMatch::No);
        }
        let (who, pm) = match (&st.principal, principal_scoped) {
            (Some(spec), true) => spec.applies(&self.req.principal, st.effect, self.bounded),
            (Some(_), false) | (None, _) => (Tri::True, PrincipalMatch::Direct),
        };
        if who.is_false() {
            return (Tri::False, PrincipalMatch::No);
        }
        let res = match &st.resource {
            Some(r) => r.matches(&self.req.resource, &self.view),
            None => Tri::True,
        };
        if res.is_false() {
            return (Tri::False, pm);
        }
        (who.and(res).and(st.condition.eval(&self.view)), pm)
    }

    fn policies(
        &mut self,
        policies: &[Arc<Policy>],
        layer: Layer,
        level: Option<&str>,
        principal_scoped: bool,
    ) -> PolicyResult {
        let mut r = PolicyResult::none();
        let service = self.action_lc.split_once(':').map_or("", |(s, _)| s);
        for p in policies {
            for i in p.candidates(service) {
                let Some(st) = p.statements.get(i) else {
                    continue;
                };
                let (t, pm) = self.statement(st, principal_scoped);
                if t.is_false() {
                    continue;
                }
                self.hits.push(StatementHit {
                    layer,
                    level: level.map(str::to_owned),
                    effect: st.effect,
                    origin: st.origin.clone(),
                    definite: t.is_true(),
                    unknown_reason: match &t {
                        Tri::Unknown(r) => Some(r.to_string()),
                        _ => None,
                    },
                });
                match (st.effect, pm) {
                    (Effect::Deny, _) => r.deny = r.deny.or(t),
                    (Effect::Allow, PrincipalMatch::Named) => r.allow_named = r.allow_named.or(t),
                    (Effect::Allow, PrincipalMatch::Anyone) => {
                        r.allow_anyone = r.allow_anyone.or(t)
                    }
                    (Effect::Allow, PrincipalMatch::Account) => {
                        r.allow_account = r.allow_account.or(t)
                    }
                    (Effect::Allow, _) => r.allow_direct = r.allow_direct.or(t),
                }
            }
        }
        r
    }
}

/// Decides `req` against `prog` per AWS's policy evaluation logic.
pub fn evaluate(prog: &AwsProgram, req: &Request) -> Decision {
    let mut ev = Evaluator {
        req,
        view: View { req },
        action_lc: req.action.to_ascii_lowercase(),
        hits: Vec::new(),
        bounded: req.principal.has_identity_policies() && !prog.boundaries.is_empty(),
    };
    let mut notes = Vec::new();
    let p = &req.principal;
    let iam_caller = p.has_identity_policies();

    // --- every layer, denies collected on the way
    let identity = if iam_caller {
        ev.policies(&prog.identity, Layer::Identity, None, false)
    } else {
        PolicyResult::none()
    };
    let boundary = if iam_caller && !prog.boundaries.is_empty() {
        Some(ev.policies(&prog.boundaries, Layer::PermissionBoundary, None, false))
    } else {
        None
    };
    let session = match (&prog.session, iam_caller) {
        (Some(s), true) => {
            Some(ev.policies(std::slice::from_ref(s), Layer::SessionPolicy, None, false))
        }
        _ => None,
    };
    // SCPs restrict IAM principals and the root user of member accounts
    let scp_applies = (iam_caller || p.kind == PrincipalKind::Root) && !prog.management_account;
    let mut scp_levels = Vec::new();
    if let (Some(levels), true) = (&prog.scps, scp_applies) {
        for l in levels {
            scp_levels.push((
                l.name.as_str(),
                ev.policies(&l.policies, Layer::Scp, Some(&l.name), false),
            ));
        }
    }
    let mut rcp_levels = Vec::new();
    // RCPs restrict every caller of the resource's account, service principals
    // included (AWS's own RCP examples exempt them with aws:PrincipalIsAWSService)
    if let Some(levels) = &prog.rcps {
        for l in levels {
            rcp_levels.push((
                l.name.as_str(),
                ev.policies(&l.policies, Layer::Rcp, Some(&l.name), true),
            ));
        }
    }
    let res_layer = match prog.resource_policy_kind {
        ResourcePolicyKind::Generic => Layer::ResourcePolicy,
        ResourcePolicyKind::KmsKey => Layer::KeyPolicy,
        ResourcePolicyKind::RoleTrust => Layer::TrustPolicy,
    };
    let resource = match &prog.resource_policy {
        Some(rp) => ev.policies(std::slice::from_ref(rp), res_layer, None, true),
        None => PolicyResult::none(),
    };

    // --- explicit deny anywhere
    let mut deny = identity.deny.clone().or(resource.deny.clone());
    if let Some(b) = &boundary {
        deny = deny.or(b.deny.clone());
    }
    if let Some(s) = &session {
        deny = deny.or(s.deny.clone());
    }
    for (_, l) in scp_levels.iter().chain(rcp_levels.iter()) {
        deny = deny.or(l.deny.clone());
    }

    // --- gates: every SCP level, every RCP level
    let mut blocked: Option<Block> = None;
    let mut gates = Tri::True;
    for (name, l) in &scp_levels {
        let a = l.allow_any();
        if a.is_false() && blocked.is_none() {
            blocked = Some(Block {
                layer: Layer::Scp,
                level: Some((*name).to_owned()),
                message: format!("no service control policy at `{name}` allows the action"),
            });
        }
        gates = gates.and(a);
    }
    // RCP levels gate nothing: AWS attaches `RCPFullAWSAccess` (allow
    // everything) to the root, every OU and every account and it cannot be
    // detached, and custom RCPs may only deny ("The effect of Allow is only
    // supported for the RCPFullAWSAccess policy", AWS Organizations, RCP
    // syntax). So a level that lists only Deny statements, or none, still
    // allows what they do not deny; only their denies (above) take part.
    // SCPs differ: `FullAWSAccess` can be detached, so an SCP level with no
    // Allow allows nothing.

    // --- identity side, limited by boundary and session policy
    let boundary_ok = boundary.as_ref().map_or(Tri::True, PolicyResult::allow_any);
    let session_ok = session.as_ref().map_or(Tri::True, PolicyResult::allow_any);
    let limits = boundary_ok.clone().and(session_ok.clone());
    let id_allow = match p.kind {
        PrincipalKind::Root => Tri::True,
        _ if iam_caller => identity.allow_any(),
        _ => Tri::False,
    };
    let id_side = id_allow.clone().and(limits.clone());

    // --- resource side
    let rp_named = resource.allow_named.clone();
    // a wildcard principal counts as a direct grant wherever the caller's
    // boundary is not in question
    let rp_direct = resource
        .allow_direct
        .clone()
        .or(resource.allow_anyone.clone());
    let rp_account = resource.allow_account.clone();
    // the root user and principals named by user or session ARN are not limited
    // by boundaries or session policies on a resource-policy grant; the
    // wildcard names the caller too, so the boundary does not limit it, but
    // the session policy does
    let rp_strong = rp_named.clone().or(if iam_caller {
        resource
            .allow_direct
            .clone()
            .and(limits.clone())
            .or(resource.allow_anyone.clone().and(session_ok.clone()))
    } else {
        rp_direct.clone()
    });

    let same = |same_account: bool| -> Tri {
        if !iam_caller && p.kind != PrincipalKind::Root {
            // anonymous, services, web identities: only the resource policy speaks
            return rp_direct.clone().or(rp_named.clone());
        }
        if !same_account {
            return id_side.clone().and(
                rp_named
                    .clone()
                    .or(rp_direct.clone())
                    .or(rp_account.clone()),
            );
        }
        match prog.resource_policy_kind {
            ResourcePolicyKind::Generic => id_side.clone().or(rp_strong.clone()),
            ResourcePolicyKind::KmsKey | ResourcePolicyKind::RoleTrust => rp_strong
                .clone()
                .or(rp_account.clone().and(id_side.clone())),
        }
    };
    let access = match (p.account.as_deref(), req.resource_account.as_deref()) {
        (Some(a), Some(b)) => {
            let s = a == b;
            notes.push(if s {
                format!("same-account request (account {a})")
            } else {
                format!("cross-account request: principal account {a}, resource account {b}; both sides must allow")
            });
            same(s)
        }
        _ => {
            let (x, y) = (same(true), same(false));
            if x == y {
                x
            } else {
                Tri::unknown(
                    "the resource's account is unknown and the decision depends on whether the request is cross-account (give `resourceAccount`)",
                )
            }
        }
    };
    if access.is_false() && blocked.is_none() {
        blocked = Some(access_block(
            prog,
            &id_allow,
            &boundary_ok,
            &session_ok,
            &resource,
            iam_caller,
            p.kind,
        ));
    }
    let mut allowed = gates.and(access);

    // --- resources AWS owns: no policy can allow changing them
    if let Some((g, t)) = guardrail_for(p, &ev.action_lc, &req.resource) {
        if t.is_true() {
            blocked = Some(Block {
                layer: Layer::Guardrail,
                level: None,
                message: format!("{} ({})", g.rule, g.doc),
            });
        }
        allowed = allowed.and(!t);
    }

    let outcome = if deny.is_true() {
        blocked = None;
        Outcome::ExplicitlyDenied
    } else if allowed.is_false() {
        if let Tri::Unknown(r) = &deny {
            notes.push(format!("a deny might also apply: {r}"));
        }
        Outcome::NotAllowed
    } else if let Tri::Unknown(r) = deny {
        blocked = None;
        Outcome::Unknown(r)
    } else if let Tri::Unknown(r) = allowed {
        blocked = None;
        Outcome::Unknown(r)
    } else {
        blocked = None;
        Outcome::Allowed
    };
    // --- sts:GetCallerIdentity: no policy can deny it to an authenticated caller
    let outcome = if ev.action_lc == GET_CALLER_IDENTITY && authenticated(p) {
        if outcome != Outcome::Allowed {
            notes.push(format!(
                "sts:GetCallerIdentity is allowed to every authenticated caller whatever the policies say; no policy can deny it ({GET_CALLER_IDENTITY_DOC})"
            ));
        }
        blocked = None;
        Outcome::Allowed
    } else {
        outcome
    };
    Decision {
        outcome,
        explanation: Explanation {
            statements: ev.hits,
            blocked_by: blocked,
            notes,
        },
    }
}

fn access_block(
    prog: &AwsProgram,
    id_allow: &Tri,
    boundary_ok: &Tri,
    session_ok: &Tri,
    resource: &PolicyResult,
    iam_caller: bool,
    kind: PrincipalKind,
) -> Block {
    let res_layer = match prog.resource_policy_kind {
        ResourcePolicyKind::Generic => Layer::ResourcePolicy,
        ResourcePolicyKind::KmsKey => Layer::KeyPolicy,
        ResourcePolicyKind::RoleTrust => Layer::TrustPolicy,
    };
    let msg = |layer: Layer, message: &str| Block {
        layer,
        level: None,
        message: message.to_owned(),
    };
    if !iam_caller && kind != PrincipalKind::Root {
        return msg(
            res_layer,
            "no resource-based policy statement allows this caller",
        );
    }
    if id_allow.is_true() && boundary_ok.is_false() {
        return msg(
            Layer::PermissionBoundary,
            "the permissions boundary does not allow the action",
        );
    }
    if id_allow.is_true() && session_ok.is_false() {
        return msg(
            Layer::SessionPolicy,
            "the session policy does not allow the action",
        );
    }
    if id_allow.is_true() {
        return msg(
            res_layer,
            match prog.resource_policy_kind {
                ResourcePolicyKind::KmsKey => {
                    "the key policy does not allow the caller or its account"
                }
                ResourcePolicyKind::RoleTrust => {
                    "the trust policy does not allow the caller or its account"
                }
                ResourcePolicyKind::Generic => {
                    "the resource-based policy does not allow the cross-account caller"
                }
            },
        );
    }
    if resource.allow_any().is_true() {
        return msg(
            Layer::Identity,
            "no identity-based policy allows the action (the resource policy only delegates to the account, or the request is cross-account)",
        );
    }
    msg(
        Layer::Identity,
        "no identity-based or resource-based policy allows the action (implicit deny)",
    )
}
