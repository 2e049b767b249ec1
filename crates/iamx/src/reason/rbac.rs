//! Comparisons and checks within the GCP and Azure dialects: two roles, two
//! allow policies (bindings with IAM Conditions), two Azure role definitions
//! or two sets of role assignments with ABAC conditions.
//!
//! GCP: the callers asked about are the *least* caller of each member A's
//! bindings name (the member itself; for `group:G` a user in G and nothing
//! else; for `domain:D` a user of D; for `allAuthenticatedUsers` an outside
//! user; for `allUsers` an anonymous caller). B can only allow a larger
//! caller more (membership is monotone, and IAM Conditions do not read the
//! caller), so if some caller is allowed by A and not by B, one of these is.
//! Per caller, the permissions A's bindings grant are grouped into classes
//! by the bindings of A and B that grant them; one question per class.
//!
//! Azure: grants are assigned to one probe principal at `/`; the operation
//! is a variable (regex tests for `Actions`/`NotActions`, `DataActions`/
//! `NotDataActions` and `ActionMatches`), one question per plane, after
//! concrete candidates read off A's patterns.

use super::{AnyContext, from_can};
use iamx_azure::{AzureEnvironment, RoleAssignment, RoleDefinition};
use iamx_gcp::Caller;
use iamx_gcp::member::{MemberKind, member_kind};
use iamx_model::azure::{AzureProgram, evaluate_azure};
use iamx_model::gcp::{GcpBinding, GcpProgram, RoleGrant, evaluate_gcp};
use iamx_model::{Condition, Context, Origin, Outcome, Principal, PrincipalKind, Reason, Request};
use iamx_smt::compare::{Difference, Direction};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// The GCP caller that stands for "whoever holds the role".
pub const GCP_PROBE: &str = "user:iamx-probe@iamx.invalid";
/// A GCP caller outside every organisation (for `allAuthenticatedUsers`).
pub const GCP_OUTSIDER: &str = "user:iamx-outsider@iamx.invalid";
/// The Azure object id that stands for "whoever is assigned the role".
pub const AZURE_PROBE: &str = "1a3c0000-0000-4000-8000-000000000001";

/// GCP grants to compare: allow bindings. A role is one binding of it to
/// the probe caller.
#[derive(Clone, Debug)]
pub struct GcpGrants {
    /// What they were read from.
    pub name: String,
    /// Whether this is a role rather than an allow policy.
    pub role: bool,
    /// The bindings, with their roles resolved.
    pub bindings: Vec<Arc<GcpBinding>>,
}

fn synthetic_origin(name: &str) -> Arc<Origin> {
    Arc::new(Origin {
        file: None,
        policy: Arc::from(name),
        statement: 0,
        sid: None,
        line: 0,
        column: 0,
    })
}

impl GcpGrants {
    /// A role, with what it grants.
    pub fn role(name: &str, grant: RoleGrant) -> GcpGrants {
        GcpGrants {
            name: name.to_owned(),
            role: true,
            bindings: vec![Arc::new(GcpBinding {
                role: name.to_owned(),
                grant,
                members: vec![GCP_PROBE.to_owned()],
                condition: Condition::True,
                attached_to: "*".to_owned(),
                origin: synthetic_origin(&format!("role `{name}`")),
            })],
        }
    }

    /// An allow policy's bindings; `grant` resolves role names.
    pub fn policy(
        name: &str,
        bindings: &[iamx_gcp::Binding],
        resource: &str,
        grant: impl Fn(&str) -> RoleGrant,
    ) -> GcpGrants {
        GcpGrants {
            name: name.to_owned(),
            role: false,
            bindings: bindings
                .iter()
                .map(|b| {
                    Arc::new(GcpBinding {
                        role: b.role.clone(),
                        grant: grant(&b.role),
                        members: b.members.clone(),
                        condition: b.condition.clone(),
                        attached_to: resource.to_owned(),
                        origin: b.origin.clone(),
                    })
                })
                .collect(),
        }
    }
}

/// The least caller having `member` among its identities (see the module doc).
pub fn least_caller(member: &str) -> Option<Caller> {
    Some(match member_kind(member) {
        MemberKind::User | MemberKind::ServiceAccount | MemberKind::Principal => {
            Caller::new(member, &[], true)
        }
        MemberKind::Group | MemberKind::PrincipalSet => {
            Caller::new(GCP_PROBE, &[member.to_owned()], true)
        }
        MemberKind::Domain => {
            let d = member.strip_prefix("domain:")?;
            Caller::new(&format!("user:iamx-probe@{d}"), &[], true)
        }
        MemberKind::AllAuthenticatedUsers => Caller::new(GCP_OUTSIDER, &[], true),
        MemberKind::AllUsers => Caller::new("allUsers", &[], false),
        MemberKind::Deleted | MemberKind::ProjectRole | MemberKind::Unknown => return None,
    })
}

/// The least caller of every member `bindings` name, by member (a
/// `group:G` member stands for a user in G and nothing else, and so on).
pub fn member_callers(bindings: &[Arc<GcpBinding>]) -> BTreeMap<String, Caller> {
    let mut out = BTreeMap::new();
    for bd in bindings {
        for m in &bd.members {
            if !out.contains_key(m)
                && let Some(c) = least_caller(m)
            {
                out.insert(m.clone(), c);
            }
        }
    }
    out
}

/// The program of `bindings` for `caller` (no deny rules, no boundaries).
pub fn gcp_program(caller: &Caller, bindings: &[Arc<GcpBinding>]) -> GcpProgram {
    GcpProgram {
        identities: caller.v1.clone(),
        v2_identities: caller.v2.clone(),
        resource_chain: Vec::new(),
        bindings: bindings.to_vec(),
        denies: Vec::new(),
        boundaries: Vec::new(),
    }
}

fn gcp_principal(caller: &Caller) -> Principal {
    iamx_gcp::principal_of(&caller.principal).unwrap_or_else(|_| Principal {
        id: caller.principal.clone(),
        kind: PrincipalKind::User,
        account: None,
        role_arn: None,
        name: None,
        unique_id: None,
    })
}

fn refused(o: &Outcome) -> bool {
    matches!(o, Outcome::NotAllowed | Outcome::ExplicitlyDenied)
}

/// Permission classes of a caller: for each permission some binding of `a`
/// that applies to the caller grants, the bindings of `a` and of `b` that
/// grant it (a binding whose role is unknown "may grant" everything).
/// Returns one representative per class, and the reason when some binding
/// of `a` grants permissions nobody can list (its role is unknown).
pub fn permission_classes(a: &GcpProgram, b: &GcpProgram) -> (Vec<String>, Option<Reason>) {
    let applies =
        |p: &GcpProgram, bd: &GcpBinding| bd.members.iter().any(|m| p.identities.contains(m));
    let may_grant = |bd: &GcpBinding, perm: &str| match &bd.grant {
        RoleGrant::Permissions(ps) => ps.contains(perm),
        RoleGrant::Unknown(_) => true,
        RoleGrant::Nothing(_) => false,
    };
    let mut unknown = None;
    let mut perms: BTreeSet<&str> = BTreeSet::new();
    for bd in a.bindings.iter().filter(|bd| applies(a, bd)) {
        match &bd.grant {
            RoleGrant::Permissions(ps) => perms.extend(ps.iter().map(String::as_str)),
            RoleGrant::Unknown(r) => {
                unknown.get_or_insert_with(|| r.clone());
            }
            RoleGrant::Nothing(_) => {}
        }
    }
    let a_apply: Vec<&GcpBinding> = a
        .bindings
        .iter()
        .filter(|bd| applies(a, bd))
        .map(|b| &**b)
        .collect();
    let b_apply: Vec<&GcpBinding> = b
        .bindings
        .iter()
        .filter(|bd| applies(b, bd))
        .map(|b| &**b)
        .collect();
    type Key = (Vec<usize>, Vec<usize>, Vec<usize>);
    let mut classes: BTreeMap<Key, &str> = BTreeMap::new();
    for p in perms {
        let ka: Vec<usize> = a_apply
            .iter()
            .enumerate()
            .filter(|(_, bd)| may_grant(bd, p))
            .map(|(i, _)| i)
            .collect();
        let kb: Vec<usize> = b_apply
            .iter()
            .enumerate()
            .filter(|(_, bd)| may_grant(bd, p))
            .map(|(i, _)| i)
            .collect();
        // deny rules (environments) single out permissions too
        let kd: Vec<usize> = a
            .denies
            .iter()
            .chain(b.denies.iter())
            .enumerate()
            .filter(|(_, d)| {
                let v2 = iamx_model::gcp::v2_permission(p);
                d.denied_permissions.iter().any(|x| x.matches(&v2))
                    || d.exception_permissions.iter().any(|x| x.matches(&v2))
            })
            .map(|(i, _)| i)
            .collect();
        classes.entry((ka, kb, kd)).or_insert(p);
    }
    (
        classes.into_values().map(str::to_owned).collect(),
        unknown.map(|r| {
            Reason::new(format!(
                "a binding of the first side grants permissions iamx cannot list: {r}"
            ))
        }),
    )
}

/// A question for [`direction`]: two programs and a request.
pub(crate) struct Question<P> {
    pub a: P,
    pub b: P,
    pub request: Request,
}

/// Asks `questions` in order: concretely first (every question, no
/// solver), then symbolically; the first witness wins, an unknown is kept
/// unless a witness turns up, `extra_unknown` stands for what the questions
/// cannot cover.
pub(crate) fn direction<P>(
    questions: &[Question<P>],
    concrete: impl Fn(&P, &P, &Request) -> Option<Difference>,
    symbolic: impl Fn(&P, &P, &Request) -> Direction,
    extra_unknown: Option<Reason>,
) -> Direction {
    for q in questions {
        if let Some(d) = concrete(&q.a, &q.b, &q.request) {
            return Direction::Witness(d);
        }
    }
    let mut unknown = extra_unknown;
    for q in questions {
        match symbolic(&q.a, &q.b, &q.request) {
            Direction::Witness(d) => return Direction::Witness(d),
            Direction::Unknown(r) => {
                unknown.get_or_insert(r);
            }
            Direction::Contained => {}
        }
    }
    unknown.map_or(Direction::Contained, Direction::Unknown)
}

/// A concrete GCP witness: A allows `req` (with its context) and B refuses it.
pub(crate) fn gcp_concrete(a: &GcpProgram, b: &GcpProgram, req: &Request) -> Option<Difference> {
    (evaluate_gcp(a, req).outcome == Outcome::Allowed && refused(&evaluate_gcp(b, req).outcome))
        .then(|| Difference {
            principal: Some(req.principal.id.clone()),
            data_action: None,
            action: req.action.clone(),
            resource: req.resource.clone(),
            context: Context::new(),
        })
}

/// Does `a` grant some caller something `b` does not?
pub fn gcp_more_permissive(a: &GcpGrants, b: &GcpGrants, timeout: Duration) -> Direction {
    let callers = member_callers(&a.bindings);
    let mut questions = Vec::new();
    let mut unknown = None;
    for (member, c) in &callers {
        let pa = gcp_program(c, &a.bindings);
        let pb = gcp_program(c, &b.bindings);
        let (perms, why) = permission_classes(&pa, &pb);
        if unknown.is_none() {
            unknown = why;
        }
        // the witness names the member the caller stands for
        let mut principal = gcp_principal(c);
        principal.id = member.clone();
        for p in perms {
            questions.push(Question {
                a: pa.clone(),
                b: pb.clone(),
                request: Request {
                    principal: principal.clone(),
                    action: p,
                    resource: "*".to_owned(),
                    resource_account: None,
                    context: Context::new(),
                },
            });
        }
    }
    direction(
        &questions,
        gcp_concrete,
        |pa, pb, r| iamx_smt::diff::gcp(pa, pb, r, timeout),
        unknown,
    )
}

/// Azure grants to compare: role assignments of one principal at one scope
/// (a role definition is one unconditional assignment of it), re-assigned
/// to the probe principal at `/`.
#[derive(Clone, Debug)]
pub struct AzureGrants {
    /// What they were read from.
    pub name: String,
    /// Whether this is a role definition rather than assignments.
    pub role: bool,
    /// The role definitions the assignments may name.
    pub roles: BTreeMap<String, RoleDefinition>,
    /// The assignments (to the probe, at `/`).
    pub assignments: Vec<RoleAssignment>,
}

impl AzureGrants {
    /// A role definition.
    pub fn role(def: &RoleDefinition) -> AzureGrants {
        let mut roles = BTreeMap::new();
        roles.insert(def.guid.clone(), def.clone());
        AzureGrants {
            name: def.name.clone(),
            role: true,
            roles,
            assignments: vec![RoleAssignment {
                id: None,
                name: None,
                principal_id: AZURE_PROBE.to_owned(),
                principal_type: Some("User".to_owned()),
                principal_name: None,
                role_definition_id: def.id.clone().unwrap_or_else(|| def.guid.clone()),
                role_guid: def.guid.clone(),
                role_definition_name: Some(def.name.clone()),
                scope: "/".to_owned(),
                condition: Condition::True,
                condition_text: None,
                origin: def.origin.clone(),
                json_path: String::new(),
            }],
        }
    }

    /// Role assignments (of one principal at one scope), with the roles
    /// they may name.
    pub fn assignments(
        name: &str,
        assignments: &[RoleAssignment],
        roles: BTreeMap<String, RoleDefinition>,
    ) -> AzureGrants {
        AzureGrants {
            name: name.to_owned(),
            role: false,
            roles,
            assignments: assignments
                .iter()
                .map(|a| RoleAssignment {
                    principal_id: AZURE_PROBE.to_owned(),
                    scope: "/".to_owned(),
                    ..a.clone()
                })
                .collect(),
        }
    }

    fn environment(&self) -> AzureEnvironment {
        let mut env = AzureEnvironment::default();
        env.roles = self.roles.clone();
        env.assignments = self.assignments.clone();
        env
    }

    /// The program of these grants for the probe on one plane.
    pub fn program(&self, data_action: bool) -> (Request, AzureProgram) {
        let req = probe_request("");
        let prog = self.environment().program_for(&req, data_action, None);
        (req, prog)
    }
}

fn probe_request(op: &str) -> Request {
    Request {
        principal: Principal {
            id: AZURE_PROBE.to_owned(),
            kind: PrincipalKind::User,
            account: None,
            role_arn: None,
            name: None,
            unique_id: Some(AZURE_PROBE.to_owned()),
        },
        action: op.to_owned(),
        resource: "/".to_owned(),
        resource_account: None,
        context: Context::new(),
    }
}

/// A string some glob matches: wildcards filled with `x`.
pub(crate) fn instance(raw: &str) -> String {
    raw.replace(['*', '?'], "x")
}

/// Operations to try first: instances of the patterns `a`'s assignments
/// grant on the program's plane, and of those `b`'s exclude (where a
/// difference is likeliest).
pub(crate) fn azure_candidates(a: &AzureProgram, b: &AzureProgram) -> Vec<String> {
    let mut out = BTreeSet::new();
    for (prog, include) in [(a, true), (b, false)] {
        for x in &prog.assignments {
            if let iamx_model::azure::RoleSpec::Blocks(blocks) = &x.role {
                for bl in blocks.iter() {
                    let list = match (prog.data_action, include) {
                        (false, true) => &bl.actions,
                        (true, true) => &bl.data_actions,
                        (false, false) => &bl.not_actions,
                        (true, false) => &bl.not_data_actions,
                    };
                    out.extend(list.iter().map(|p| instance(p.raw())));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// A concrete Azure witness for `req` with `op`.
pub(crate) fn azure_concrete(
    a: &AzureProgram,
    b: &AzureProgram,
    req: &Request,
    op: &str,
) -> Option<Difference> {
    let mut r = req.clone();
    r.action = op.to_owned();
    (evaluate_azure(a, &r).outcome == Outcome::Allowed && refused(&evaluate_azure(b, &r).outcome))
        .then(|| Difference {
            principal: Some(r.principal.id.clone()),
            data_action: Some(a.data_action),
            action: r.action,
            resource: r.resource,
            context: Context::new(),
        })
}

/// The operation as a literal pattern of the program writes it (the
/// solver's operations are lowercased), or as it is.
pub(crate) fn azure_cased(prog: &AzureProgram, op: &str) -> String {
    for a in &prog.assignments {
        if let iamx_model::azure::RoleSpec::Blocks(blocks) = &a.role {
            for b in blocks.iter() {
                let all = b
                    .actions
                    .iter()
                    .chain(&b.not_actions)
                    .chain(&b.data_actions)
                    .chain(&b.not_data_actions);
                for p in all {
                    if p.raw().eq_ignore_ascii_case(op) {
                        return p.raw().to_owned();
                    }
                }
            }
        }
    }
    op.to_owned()
}

/// The `ActionMatches` patterns of a condition.
fn action_patterns(c: &Condition, out: &mut Vec<iamx_model::Pattern>) {
    fn expr(e: &iamx_model::expr::Expr, out: &mut Vec<iamx_model::Pattern>) {
        use iamx_model::expr::Expr;
        match e {
            Expr::Str(_)
            | Expr::Num(_)
            | Expr::Bool(_)
            | Expr::Attr(_)
            | Expr::Exists(_)
            | Expr::SubOperationMatches(_) => {}
            Expr::List(xs) | Expr::And(xs) | Expr::Or(xs) | Expr::Call(_, xs) => {
                xs.iter().for_each(|x| expr(x, out));
            }
            Expr::Not(x) => expr(x, out),
            Expr::Cmp(_, a, b) | Expr::In(a, b) => {
                expr(a, out);
                expr(b, out);
            }
            Expr::AzOp { lhs, rhs, .. } => {
                expr(lhs, out);
                expr(rhs, out);
            }
            Expr::ActionMatches(p) => out.push(p.clone()),
        }
    }
    match c {
        Condition::True | Condition::Aws(_) | Condition::Unsupported(_) => {}
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|x| action_patterns(x, out)),
        Condition::Not(x) => action_patterns(x, out),
        Condition::Expr(e) => expr(e, out),
    }
}

/// Operations that stand for every operation, when every pattern the
/// programs test the operation with (their plane's lists, deny blocks,
/// `ActionMatches`) is a literal, `prefix*` or `*`: each literal, each
/// prefix followed by a text no pattern holds, and that text alone. Any
/// operation tests like one of these (the prefixes it starts with form a
/// chain; the longest one, extended, starts with exactly those). `None`
/// when some pattern has an inner or leading wildcard.
pub(crate) fn azure_representatives(progs: &[&AzureProgram]) -> Option<Vec<String>> {
    const FRESH: &str = "~iamx";
    let mut pats: Vec<iamx_model::Pattern> = Vec::new();
    for prog in progs {
        let data = prog.data_action;
        let blocks = prog
            .assignments
            .iter()
            .filter_map(|a| match &a.role {
                iamx_model::azure::RoleSpec::Blocks(b) => Some(b.iter()),
                iamx_model::azure::RoleSpec::Unknown(_) => None,
            })
            .flatten()
            .chain(prog.denies.iter().flat_map(|d| d.blocks.iter()));
        for b in blocks {
            let (inc, exc) = if data {
                (&b.data_actions, &b.not_data_actions)
            } else {
                (&b.actions, &b.not_actions)
            };
            pats.extend(inc.iter().chain(exc.iter()).cloned());
        }
        for a in &prog.assignments {
            action_patterns(&a.condition, &mut pats);
        }
    }
    let mut out: BTreeSet<String> = BTreeSet::new();
    out.insert(FRESH.to_owned());
    for p in &pats {
        if p.raw().contains('~') {
            return None;
        }
        match p.segs() {
            [iamx_model::Seg::Lit(l)] => {
                out.insert(l.clone());
            }
            [iamx_model::Seg::Lit(l), iamx_model::Seg::Star] => {
                out.insert(format!("{l}{FRESH}"));
            }
            [iamx_model::Seg::Star] | [] => {}
            _ => return None,
        }
    }
    Some(out.into_iter().collect())
}

/// Asks an Azure direction question over every operation: through
/// [`azure_representatives`] when the patterns allow it, else with the
/// operation as a solver variable; the witness's operation is cased as the
/// roles write it.
pub(crate) fn azure_any(
    pa: &AzureProgram,
    pb: &AzureProgram,
    req: &Request,
    timeout: Duration,
) -> Direction {
    let d = match azure_representatives(&[pa, pb]) {
        Some(ops) => {
            let mut unknown = None;
            let mut found = None;
            for op in ops {
                let mut r = req.clone();
                r.action = op;
                match iamx_smt::diff::azure(pa, pb, &r, timeout) {
                    Direction::Witness(w) => {
                        found = Some(w);
                        break;
                    }
                    Direction::Unknown(why) => {
                        unknown.get_or_insert(why);
                    }
                    Direction::Contained => {}
                }
            }
            match (found, unknown) {
                (Some(w), _) => Direction::Witness(w),
                (None, Some(why)) => Direction::Unknown(why),
                (None, None) => Direction::Contained,
            }
        }
        None => iamx_smt::diff::azure_any_operation(pa, pb, req, timeout),
    };
    match d {
        Direction::Witness(mut w) => {
            w.action = azure_cased(pa, &w.action);
            Direction::Witness(w)
        }
        d => d,
    }
}

/// Does `a` allow some operation (control or data plane) `b` does not?
pub fn azure_more_permissive(a: &AzureGrants, b: &AzureGrants, timeout: Duration) -> Direction {
    let mut questions = Vec::new();
    for data in [false, true] {
        let (req, pa) = a.program(data);
        let (_, pb) = b.program(data);
        questions.push(Question {
            a: pa,
            b: pb,
            request: req,
        });
    }
    direction(
        &questions,
        |pa, pb, r| {
            azure_candidates(pa, pb)
                .iter()
                .find_map(|op| azure_concrete(pa, pb, r, op))
        },
        |pa, pb, r| azure_any(pa, pb, r, timeout),
        None,
    )
}

/// Two sides of one dialect.
#[derive(Clone, Debug)]
pub enum Grants {
    /// An AWS policy.
    Aws(Arc<iamx_model::Policy>),
    /// GCP.
    Gcp(GcpGrants),
    /// Azure.
    Azure(AzureGrants),
}

impl Grants {
    /// The dialect's name.
    pub fn cloud(&self) -> &'static str {
        match self {
            Grants::Aws(_) => "aws",
            Grants::Gcp(_) => "gcp",
            Grants::Azure(_) => "azure",
        }
    }

    /// Whether the side is a role (its witnesses name no caller).
    pub fn is_role(&self) -> bool {
        match self {
            Grants::Aws(_) => false,
            Grants::Gcp(g) => g.role,
            Grants::Azure(g) => g.role,
        }
    }
}

/// A report row of a GCP or Azure check: who may do what, where.
#[derive(Clone, Debug, Serialize)]
pub struct GrantRow {
    /// The caller (`allUsers`, a member, an object id; for a role, its holder).
    pub principal: String,
    /// Why this caller is asked about (`public`, `outside the tenant`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The permission or operation.
    pub action: String,
    /// The resource or scope.
    pub resource: String,
    /// The answer over every context.
    pub answer: AnyContext,
}

/// `check-access-not-granted` for GCP grants: for each permission, the
/// answer for every caller the grants name (rows where it is not `never`,
/// or one `never` row per permission when no caller gets it).
pub fn gcp_access_not_granted(
    g: &GcpGrants,
    permissions: &[String],
    resources: &[String],
    timeout: Duration,
) -> Vec<GrantRow> {
    let callers = member_callers(&g.bindings);
    let resources: Vec<String> = if resources.is_empty() {
        vec!["*".to_owned()]
    } else {
        resources.to_vec()
    };
    let mut out = Vec::new();
    for p in permissions {
        for r in &resources {
            let context = if r == "*" {
                Context::new()
            } else {
                let full = iamx_gcp::full_resource_name(r).unwrap_or_else(|_| r.clone());
                iamx_gcp::GcpEnvironment::default().resource_attributes(&full)
            };
            let mut rows = Vec::new();
            for (member, c) in &callers {
                let prog = gcp_program(c, &g.bindings);
                let req = Request {
                    principal: gcp_principal(c),
                    action: p.clone(),
                    resource: r.clone(),
                    resource_account: None,
                    context: context.clone(),
                };
                let answer = from_can(iamx_smt::expr::can_gcp(&prog, &req, timeout));
                if !matches!(answer, AnyContext::Never) {
                    rows.push(GrantRow {
                        principal: if g.role {
                            "(any holder of the role)".to_owned()
                        } else {
                            member.clone()
                        },
                        kind: None,
                        action: p.clone(),
                        resource: r.clone(),
                        answer,
                    });
                }
            }
            if rows.is_empty() {
                rows.push(GrantRow {
                    principal: "(anyone)".to_owned(),
                    kind: None,
                    action: p.clone(),
                    resource: r.clone(),
                    answer: AnyContext::Never,
                });
            }
            out.extend(rows);
        }
    }
    out
}

/// `check-access-not-granted` for Azure grants: each operation on its
/// plane (`data_action`, or guessed from the name and the roles).
pub fn azure_access_not_granted(
    g: &AzureGrants,
    operations: &[String],
    data_action: Option<bool>,
    timeout: Duration,
) -> Vec<GrantRow> {
    let env = g.environment();
    operations
        .iter()
        .map(|op| {
            let data = data_action.unwrap_or_else(|| env.guess_data_action(op));
            let req = probe_request(op);
            let prog = env.program_for(&req, data, None);
            GrantRow {
                principal: "(any holder)".to_owned(),
                kind: Some(
                    if data {
                        "data action"
                    } else {
                        "control action"
                    }
                    .to_owned(),
                ),
                action: op.clone(),
                resource: "/".to_owned(),
                answer: from_can(iamx_smt::expr::can_azure(&prog, &req, timeout)),
            }
        })
        .collect()
}

/// The public callers of GCP: `allUsers` (anonymous) and a signed-in user
/// of no organisation (`allAuthenticatedUsers`).
pub fn gcp_public_callers() -> Vec<(Caller, &'static str)> {
    vec![
        (Caller::new("allUsers", &[], false), "allUsers"),
        (
            Caller::new(GCP_OUTSIDER, &[], true),
            "allAuthenticatedUsers",
        ),
    ]
}

/// `check-no-public-access` for one GCP allow policy on its own: what
/// `allUsers` and any signed-in user may do through it.
pub fn gcp_public_access_policy(g: &GcpGrants, timeout: Duration) -> Vec<GrantRow> {
    let mut out = Vec::new();
    for (c, kind) in gcp_public_callers() {
        let prog = gcp_program(&c, &g.bindings);
        let req = Request {
            principal: gcp_principal(&c),
            action: String::new(),
            resource: "*".to_owned(),
            resource_account: None,
            context: Context::new(),
        };
        out.extend(public_rows(&prog, &req, kind, None, &g.name, timeout));
    }
    out
}

/// `check-no-public-access` for a GCP environment: at every resource whose
/// allow policy names `allUsers` or `allAuthenticatedUsers`, what those
/// callers may do there (deny policies, boundaries and inherited bindings
/// taken into account).
pub fn gcp_public_access_env(env: &iamx_gcp::GcpEnvironment, timeout: Duration) -> Vec<GrantRow> {
    let mut out = Vec::new();
    for (res, pols) in &env.allow {
        for (c, kind) in gcp_public_callers() {
            let own: Vec<&iamx_gcp::Binding> = pols
                .iter()
                .flat_map(|p| p.bindings.iter())
                .filter(|b| b.members.iter().any(|m| m == kind))
                .collect();
            if own.is_empty() {
                continue;
            }
            let mut perms: BTreeSet<String> = BTreeSet::new();
            for b in &own {
                match env.grant(&b.role) {
                    RoleGrant::Permissions(ps) => perms.extend(ps.iter().cloned()),
                    RoleGrant::Unknown(r) => out.push(GrantRow {
                        principal: c.principal.clone(),
                        kind: Some(kind.to_owned()),
                        action: format!("(the permissions of `{}`)", b.role),
                        resource: res.clone(),
                        answer: AnyContext::Unknown {
                            reason: r.to_string(),
                        },
                    }),
                    RoleGrant::Nothing(_) => {}
                }
            }
            let full = iamx_gcp::names::full(res);
            let req = Request {
                principal: gcp_principal(&c),
                action: String::new(),
                resource: full.clone(),
                resource_account: None,
                context: env.resource_attributes(&full),
            };
            let prog = env.program_for(&req, &[]);
            out.extend(public_rows(&prog, &req, kind, Some(&perms), res, timeout));
        }
    }
    out
}

/// The rows of one public caller: every permission the program's applying
/// bindings grant (only `only`'s when given), decided once per class of
/// bindings and deny rules that single it out; `never` answers are left out.
fn public_rows(
    prog: &GcpProgram,
    base: &Request,
    kind: &str,
    only: Option<&BTreeSet<String>>,
    label: &str,
    timeout: Duration,
) -> Vec<GrantRow> {
    let mut out = Vec::new();
    let applying: Vec<&GcpBinding> = prog
        .bindings
        .iter()
        .filter(|b| b.members.iter().any(|m| prog.identities.contains(m)))
        .map(|b| &**b)
        .collect();
    let mut all: BTreeSet<&str> = BTreeSet::new();
    for b in &applying {
        match &b.grant {
            RoleGrant::Permissions(ps) => all.extend(ps.iter().map(String::as_str)),
            RoleGrant::Unknown(r) if only.is_none() => out.push(GrantRow {
                principal: base.principal.id.clone(),
                kind: Some(kind.to_owned()),
                action: format!("(the permissions of `{}`)", b.role),
                resource: label.to_owned(),
                answer: AnyContext::Unknown {
                    reason: r.to_string(),
                },
            }),
            _ => {}
        }
    }
    if let Some(only) = only {
        all.retain(|p| only.contains(*p));
    }
    type Key = (Vec<usize>, Vec<usize>);
    let mut by_class: BTreeMap<Key, (Option<AnyContext>, Vec<String>)> = BTreeMap::new();
    for p in all {
        let v2 = iamx_model::gcp::v2_permission(p);
        let kb: Vec<usize> = applying
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(&b.grant, RoleGrant::Permissions(ps) if ps.contains(p)))
            .map(|(i, _)| i)
            .collect();
        let kd: Vec<usize> = prog
            .denies
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.denied_permissions.iter().any(|x| x.matches(&v2))
                    || d.exception_permissions.iter().any(|x| x.matches(&v2))
            })
            .map(|(i, _)| i)
            .collect();
        let e = by_class.entry((kb, kd)).or_default();
        if e.0.is_none() {
            let mut req = base.clone();
            req.action = p.to_owned();
            e.0 = Some(from_can(iamx_smt::expr::can_gcp(prog, &req, timeout)));
        }
        e.1.push(p.to_owned());
    }
    for (answer, perms) in by_class.into_values() {
        let Some(answer) = answer else { continue };
        if matches!(answer, AnyContext::Never) {
            continue;
        }
        for p in perms {
            out.push(GrantRow {
                principal: base.principal.id.clone(),
                kind: Some(kind.to_owned()),
                action: p,
                resource: label.to_owned(),
                answer: answer.clone(),
            });
        }
    }
    out
}

/// Whether a role assignment's principal is outside the tenant: a group of
/// another tenant (`ForeignGroup`), a guest (a `#EXT#` user name), or the
/// all-principals id.
pub fn azure_outside_tenant(a: &RoleAssignment) -> bool {
    a.principal_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("ForeignGroup"))
        || a.principal_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_uppercase().contains("#EXT#"))
        || a.principal_id == iamx_model::azure::ALL_PRINCIPALS
}

/// An operation no role names except through `*`.
pub const AZURE_UNLISTED_OPERATION: &str = "Iamx.Unlisted/probe/action";

/// `check-no-public-access` for Azure: role assignments to principals
/// outside the tenant (what each may do at its scope: a witness operation
/// per plane), and wildcard grants that no deny assignment limits (an
/// assignment whose role grants `*` on a plane, so that an operation no
/// role names is allowed to its assignee).
pub fn azure_public_access(env: &AzureEnvironment, timeout: Duration) -> Vec<GrantRow> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for x in &env.assignments {
        let req = |op: &str| Request {
            principal: Principal {
                id: x.principal_id.clone(),
                kind: PrincipalKind::User,
                account: None,
                role_arn: None,
                name: x.principal_name.clone(),
                unique_id: Some(x.principal_id.clone()),
            },
            action: op.to_owned(),
            resource: x.scope.clone(),
            resource_account: None,
            context: Context::new(),
        };
        for data in [false, true] {
            if azure_outside_tenant(x) {
                if !seen.insert((x.principal_id.clone(), x.scope.clone(), data, "outside")) {
                    continue;
                }
                let r = req("");
                let prog = env.program_for(&r, data, None);
                let empty = AzureProgram {
                    identities: prog.identities.clone(),
                    data_action: data,
                    ..AzureProgram::default()
                };
                let concrete = azure_candidates(&prog, &empty)
                    .iter()
                    .find_map(|op| azure_concrete(&prog, &empty, &r, op));
                let found = match concrete {
                    Some(w) => Direction::Witness(w),
                    None => azure_any(&prog, &empty, &r, timeout),
                };
                let answer = match found {
                    Direction::Contained => continue,
                    Direction::Unknown(why) => (
                        "*".to_owned(),
                        AnyContext::Unknown {
                            reason: why.to_string(),
                        },
                    ),
                    Direction::Witness(w) => {
                        let r = req(&w.action);
                        (
                            w.action.clone(),
                            from_can(iamx_smt::expr::can_azure(&prog, &r, timeout)),
                        )
                    }
                };
                out.push(GrantRow {
                    principal: x.principal_id.clone(),
                    kind: Some(format!(
                        "outside the tenant ({} plane)",
                        if data { "data" } else { "control" }
                    )),
                    action: answer.0,
                    resource: x.scope.clone(),
                    answer: answer.1,
                });
            }
            let wildcard = env.roles.get(&x.role_guid).is_some_and(|def| {
                def.blocks
                    .iter()
                    .chain(def.conditional.iter().flat_map(|c| c.block.iter()))
                    .any(|b| {
                        let inc = if data { &b.data_actions } else { &b.actions };
                        inc.iter().any(iamx_model::Pattern::is_any)
                    })
            });
            if wildcard && seen.insert((x.principal_id.clone(), x.scope.clone(), data, "wildcard"))
            {
                let r = req(AZURE_UNLISTED_OPERATION);
                let prog = env.program_for(&r, data, None);
                let answer = from_can(iamx_smt::expr::can_azure(&prog, &r, timeout));
                if !matches!(answer, AnyContext::Never) {
                    out.push(GrantRow {
                        principal: x.principal_id.clone(),
                        kind: Some(format!(
                            "wildcard grant with no deny (`{}`, {} plane)",
                            x.role_definition_name
                                .clone()
                                .or_else(|| env.roles.get(&x.role_guid).map(|d| d.name.clone()))
                                .unwrap_or_else(|| x.role_guid.clone()),
                            if data { "data" } else { "control" }
                        )),
                        action: AZURE_UNLISTED_OPERATION.to_owned(),
                        resource: x.scope.clone(),
                        answer,
                    });
                }
            }
        }
    }
    out
}
