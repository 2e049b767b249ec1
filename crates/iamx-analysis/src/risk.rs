//! Risk findings of the audit: admin-equivalent grants, wildcard grants on
//! sensitive services, credential-exposure and privilege-escalation
//! permissions, grants to public principals and stale principals.
//!
//! Key decision: the lists only say *which* permissions are risky
//! (`data/risk/{aws,gcp,azure}.txt`, built in); whether a principal holds one
//! is always the concrete evaluator's answer (allowed, or conditional: the
//! finding says under which condition), asked on the resources the what-can
//! machinery reads off the principal's grants. A deny, a boundary or an SCP
//! that removes the permission removes the finding. Each finding names the
//! grant (statement, binding or assignment) that allows it, with file, line
//! and column.

use crate::audit::AdminFinding;
use crate::{Access, Inputs, grade};
use iamx_model::{
    Case, Context, Decision, Effect, Layer, Pattern, Principal, PrincipalMatch, evaluate,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskKind {
    /// The principal may rewrite its own permissions (or grant itself
    /// anything) at a scope.
    AdminEquivalent,
    /// One grant covers a whole sensitive service, or everything.
    SensitiveWildcard,
    /// A permission that hands out credentials, keys or secrets.
    CredentialExposure,
    /// A permission that lets the holder gain another identity's or more
    /// permissions.
    PrivilegeEscalation,
    /// A grant to anyone, or to an account outside the organisation.
    PublicGrant,
    /// A principal not used for a long time (or never).
    StalePrincipal,
}

impl RiskKind {
    /// Every kind, in report order.
    pub const ALL: [RiskKind; 6] = [
        RiskKind::AdminEquivalent,
        RiskKind::SensitiveWildcard,
        RiskKind::CredentialExposure,
        RiskKind::PrivilegeEscalation,
        RiskKind::PublicGrant,
        RiskKind::StalePrincipal,
    ];

    /// The kind's name as lists and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            RiskKind::AdminEquivalent => "admin-equivalent",
            RiskKind::SensitiveWildcard => "sensitive-wildcard",
            RiskKind::CredentialExposure => "credential-exposure",
            RiskKind::PrivilegeEscalation => "privilege-escalation",
            RiskKind::PublicGrant => "public-grant",
            RiskKind::StalePrincipal => "stale-principal",
        }
    }

    fn parse(s: &str) -> Option<RiskKind> {
        RiskKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Unconditional, broad or public.
    High,
    /// Conditional, or scoped to named resources.
    Medium,
    /// Worth a look.
    Low,
}

impl Severity {
    /// `high`, `medium` or `low`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// One risk finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskFinding {
    /// `aws`, `gcp` or `azure`.
    pub cloud: String,
    /// What it is about.
    pub kind: RiskKind,
    /// How bad it is.
    pub severity: Severity,
    /// The principal holding the grant, as its cloud names it.
    pub principal: String,
    /// The risky permissions (or wildcards) the grant gives it, sorted.
    pub permissions: Vec<String>,
    /// The statement, binding or assignment, with file, line and column
    /// (empty when no single grant is to blame: stale principals).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub grant: String,
    /// Where it applies, and under which condition.
    pub detail: String,
}

/// One line of a risk list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskEntry {
    /// `sensitive-wildcard`, `credential-exposure` or `privilege-escalation`.
    pub kind: RiskKind,
    /// The permission, operation, pattern or (GCP wildcards) role.
    pub permission: String,
    /// Azure: a data action.
    pub data: bool,
}

const AWS_LIST: &str = include_str!("../data/risk/aws.txt");
const GCP_LIST: &str = include_str!("../data/risk/gcp.txt");
const AZURE_LIST: &str = include_str!("../data/risk/azure.txt");

/// Reads a risk list: `kind permission [data]` lines, `#` comments. Returns
/// the entries and one message per line it cannot read.
pub fn parse_list(text: &str) -> (Vec<RiskEntry>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(kind), Some(permission)) = (words.next(), words.next()) else {
            errors.push(format!("line {}: expected `kind permission`", i + 1));
            continue;
        };
        let data = match words.next() {
            None => false,
            Some("data") => true,
            Some(w) => {
                errors.push(format!("line {}: unexpected `{w}`", i + 1));
                continue;
            }
        };
        match RiskKind::parse(kind) {
            Some(
                k @ (RiskKind::SensitiveWildcard
                | RiskKind::CredentialExposure
                | RiskKind::PrivilegeEscalation),
            ) => out.push(RiskEntry {
                kind: k,
                permission: permission.to_owned(),
                data,
            }),
            _ => errors.push(format!("line {}: unknown kind `{kind}`", i + 1)),
        }
    }
    (out, errors)
}

/// The built-in lists of each cloud.
#[derive(Clone, Debug)]
pub struct RiskLists {
    /// AWS actions (and service wildcards).
    pub aws: Vec<RiskEntry>,
    /// GCP permissions (and, for wildcards, roles).
    pub gcp: Vec<RiskEntry>,
    /// Azure operations (and wildcard patterns).
    pub azure: Vec<RiskEntry>,
}

impl RiskLists {
    /// The lists shipped in `data/risk` (see the headers there for sources).
    pub fn builtin() -> RiskLists {
        RiskLists {
            aws: parse_list(AWS_LIST).0,
            gcp: parse_list(GCP_LIST).0,
            azure: parse_list(AZURE_LIST).0,
        }
    }

    fn of(list: &[RiskEntry], kind: RiskKind) -> impl Iterator<Item = &RiskEntry> {
        list.iter().filter(move |e| e.kind == kind)
    }
}

/// Options of the risk analysis.
#[derive(Clone, Debug)]
pub struct RiskOptions {
    /// The reference time, epoch seconds. `None`: the newest `LastUsedDate`
    /// or `CreateDate` the inputs carry (so a report of the same inputs is
    /// the same every day).
    pub now: Option<i64>,
    /// A principal unused for longer than this many days is stale.
    pub stale_days: i64,
}

impl Default for RiskOptions {
    fn default() -> Self {
        RiskOptions {
            now: None,
            stale_days: 90,
        }
    }
}

/// Findings of one principal, merged per (kind, grant).
#[derive(Default)]
struct Acc {
    by: BTreeMap<(RiskKind, String), Entry>,
}

#[derive(Default)]
struct Entry {
    permissions: BTreeSet<String>,
    resources: BTreeSet<String>,
    conditions: BTreeSet<String>,
    unconditional: bool,
    broad: bool,
    notes: BTreeSet<String>,
}

impl Acc {
    fn add(
        &mut self,
        kind: RiskKind,
        grant: String,
        permission: String,
        resource: &str,
        graded: &(bool, Option<String>),
        broad: bool,
    ) -> &mut Entry {
        let e = self.by.entry((kind, grant)).or_default();
        e.permissions.insert(permission);
        e.resources.insert(resource.to_owned());
        if graded.0 {
            e.conditions.extend(graded.1.clone());
        } else {
            e.unconditional = true;
        }
        e.broad |= broad;
        e
    }

    fn finish(self, cloud: &str, principal: &str, out: &mut Vec<RiskFinding>) {
        for ((kind, grant), e) in self.by {
            let severity = match (e.unconditional, kind) {
                (true, RiskKind::SensitiveWildcard) if !e.broad => Severity::Medium,
                (true, _) => Severity::High,
                (false, _) => Severity::Medium,
            };
            let mut detail = format!("on {}", list_some(&e.resources, 3));
            for n in &e.notes {
                detail.push_str("; ");
                detail.push_str(n);
            }
            if !e.unconditional {
                detail.push_str(&format!(
                    "; only if {}",
                    e.conditions
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
            }
            out.push(RiskFinding {
                cloud: cloud.to_owned(),
                kind,
                severity,
                principal: principal.to_owned(),
                permissions: e.permissions.into_iter().collect(),
                grant,
                detail,
            });
        }
    }
}

fn list_some(items: &BTreeSet<String>, n: usize) -> String {
    let shown: Vec<&str> = items.iter().take(n).map(String::as_str).collect();
    let more = items.len().saturating_sub(n);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Layers whose allow statements grant (the others only gate).
const GRANT_LAYERS: [Layer; 6] = [
    Layer::Identity,
    Layer::ResourcePolicy,
    Layer::KeyPolicy,
    Layer::TrustPolicy,
    Layer::RoleBinding,
    Layer::RoleAssignment,
];

/// Every grant (origin) that allows a decision: identity and resource
/// policy statements, bindings, assignments; not SCPs, RCPs, boundaries or
/// session policies, which only let a grant through.
fn allow_origins(d: &Decision) -> Vec<&Arc<iamx_model::Origin>> {
    d.explanation
        .statements
        .iter()
        .filter(|h| h.effect == Effect::Allow && GRANT_LAYERS.contains(&h.layer))
        .map(|h| &h.origin)
        .collect()
}

/// The grants to name for a decision: the caller's own (identity) grants
/// when there are any, else the resource-side ones.
fn grant_origins(d: &Decision) -> Vec<&Arc<iamx_model::Origin>> {
    let own: Vec<&Arc<iamx_model::Origin>> = d
        .explanation
        .statements
        .iter()
        .filter(|h| h.effect == Effect::Allow && h.layer == Layer::Identity)
        .map(|h| &h.origin)
        .collect();
    if own.is_empty() {
        allow_origins(d)
    } else {
        own
    }
}

// ---------------------------------------------------------------- AWS

fn aws_service(action: &str) -> &str {
    action.split(':').next().unwrap_or_default()
}

/// Whether `action` can apply to `resource` (a pattern standing for the
/// resources a statement names): `*`, a resource of the action's service,
/// or an IAM role for STS.
fn aws_compatible(action: &str, resource: &str) -> bool {
    let svc = aws_service(action);
    match iamx_aws::arn::parse_arn(resource) {
        Ok(a) => {
            a.service.contains('*')
                || a.service.eq_ignore_ascii_case(svc)
                || (svc.eq_ignore_ascii_case("sts") && a.service == "iam")
        }
        Err(_) => true,
    }
}

/// Decides `action` on `resource` for `p` with an open context. A resource
/// whose account the inputs do not tell (`*`, a pattern) is taken as one of
/// the caller's own account: a wildcard grant is about the caller's account
/// first, and an unknown account would leave every answer conditional.
fn aws_decide(
    env: &iamx_aws::AwsEnvironment,
    caller: &iamx_aws::env::Caller,
    action: &str,
    resource: &str,
) -> Decision {
    let p = &caller.principal;
    let (mut req, _) = env.request_with(caller, action, resource);
    if req.resource_account.is_none() && p.account.is_some() {
        req.resource_account.clone_from(&p.account);
        if let Some(org) = req.context.get("aws:PrincipalOrgID").cloned()
            && req.context.get("aws:ResourceOrgID").is_none()
        {
            req.context.insert("aws:ResourceOrgID", org);
        }
    }
    let prog = env.program_with(caller, &req);
    evaluate(&prog, &req)
}

fn aws_statement_resources(st: &iamx_model::Statement) -> Vec<String> {
    match &st.resource {
        Some(r) if !r.negated => r.patterns.iter().map(|p| p.raw().to_owned()).collect(),
        _ => vec!["*".to_owned()],
    }
}

fn aws_action_text(st: &iamx_model::Statement) -> String {
    let pats: Vec<&str> = st.action.patterns.iter().map(Pattern::raw).collect();
    format!(
        "{}: {}",
        if st.action.negated {
            "NotAction"
        } else {
            "Action"
        },
        pats.join(", ")
    )
}

/// The sensitive wildcards an allow statement covers: every catalog action
/// of the service matches its action element (`Action: iam:*`, `*`, a
/// `NotAction` that leaves the service out, …). `*` stands for all of them.
/// The sensitive AWS wildcards with the catalog actions each stands for
/// (lowercased), expanded once per pass.
struct AwsWildcards<'e> {
    entries: Vec<(&'e str, Vec<String>)>,
    /// The listed actions (credential exposure, privilege escalation),
    /// lowercased.
    listed: Vec<String>,
    /// Per resource policy with an allow statement matching a listed action:
    /// its resource and those statements (the same for every principal).
    listed_in_resource_policies: Vec<(&'e str, Vec<&'e iamx_model::Statement>)>,
}

impl<'e> AwsWildcards<'e> {
    fn new(inp: &Inputs<'e>, lists: &'e RiskLists) -> AwsWildcards<'e> {
        let entries = RiskLists::of(&lists.aws, RiskKind::SensitiveWildcard)
            .map(|e| {
                let actions = inp
                    .catalog
                    .expand(&e.permission)
                    .iter()
                    .map(|a| a.action().to_ascii_lowercase())
                    .collect();
                (e.permission.as_str(), actions)
            })
            .collect();
        let listed: Vec<String> = lists
            .aws
            .iter()
            .filter(|e| e.kind != RiskKind::SensitiveWildcard)
            .map(|e| e.permission.to_ascii_lowercase())
            .collect();
        let listed_in_resource_policies = inp
            .aws
            .resource_policies
            .iter()
            .filter_map(|rp| {
                let sts: Vec<&iamx_model::Statement> = rp
                    .policy
                    .statements
                    .iter()
                    .filter(|st| hits_listed(&listed, st))
                    .collect();
                (!sts.is_empty()).then_some((rp.resource.as_str(), sts))
            })
            .collect();
        AwsWildcards {
            entries,
            listed,
            listed_in_resource_policies,
        }
    }

    /// The sensitive wildcards an allow statement covers: every catalog
    /// action of the service matches its action element (`Action: iam:*`,
    /// `*`, a `NotAction` that leaves the service out, …). `*` stands for
    /// all of them.
    fn covered(&self, st: &iamx_model::Statement) -> Vec<&'e str> {
        let mut out = Vec::new();
        for (permission, actions) in &self.entries {
            if !actions.is_empty() && actions.iter().all(|a| st.action.matches_lc(a)) {
                if *permission == "*" {
                    return vec![*permission];
                }
                out.push(*permission);
            }
        }
        out
    }
}

fn aws_principal(
    inp: &Inputs<'_>,
    lists: &RiskLists,
    wild: &AwsWildcards<'_>,
    p: &Principal,
) -> Vec<RiskFinding> {
    let env = inp.aws;
    let mut acc = Acc::default();
    // sensitive wildcards: the caller's identity statements and the resource
    // policy statements naming it
    // the caller's side of every question below, built once
    let caller = env.caller(p.clone(), Context::open());
    let (req, _) = env.request_with(&caller, "*", "*");
    let prog = env.program_with(&caller, &req);
    let mut statements: Vec<(&iamx_model::Statement, Vec<String>)> = Vec::new();
    for pol in &prog.identity {
        for st in pol.statements.iter().filter(|s| s.effect == Effect::Allow) {
            statements.push((st, aws_statement_resources(st)));
        }
    }
    for rp in &env.resource_policies {
        for st in rp.policy.statements.iter().filter(|s| {
            s.effect == Effect::Allow
                && s.principal
                    .as_ref()
                    .is_some_and(|x| x.matches(p) >= PrincipalMatch::Direct)
        }) {
            statements.push((st, vec![rp.resource.clone()]));
        }
    }
    for (st, resources) in statements {
        let covered = wild.covered(st);
        if covered.is_empty() {
            continue;
        }
        // the evaluator must allow at least one covered action through it
        let services: Vec<String> = if covered == ["*"] {
            RiskLists::of(&lists.aws, RiskKind::SensitiveWildcard)
                .filter(|e| e.permission != "*")
                .map(|e| e.permission.clone())
                .collect()
        } else {
            covered.iter().map(|s| (*s).to_owned()).collect()
        };
        let grant = st.origin.to_string();
        // the best decision through the statement: unconditional beats conditional
        let mut live: Option<((bool, Option<String>), String)> = None;
        'res: for r in &resources {
            for svc in &services {
                let acts = inp
                    .catalog
                    .expand(svc)
                    .into_iter()
                    .map(|a| a.action())
                    .filter(|a| aws_compatible(a, r));
                for a in acts {
                    let d = aws_decide(env, &caller, a, r);
                    let Some(g) = grade(&d) else { continue };
                    if !allow_origins(&d).iter().any(|o| ***o == *st.origin) {
                        continue;
                    }
                    let unconditional = !g.0;
                    if live.as_ref().is_none_or(|(l, _)| l.0 && unconditional) {
                        live = Some((g, r.clone()));
                    }
                    if unconditional {
                        break 'res;
                    }
                    break;
                }
            }
        }
        if let Some((g, r)) = live {
            let broad = r == "*";
            for c in &covered {
                let e = acc.add(
                    RiskKind::SensitiveWildcard,
                    grant.clone(),
                    (*c).to_owned(),
                    &r,
                    &g,
                    broad,
                );
                e.notes.insert(aws_action_text(st));
            }
        }
    }
    // credential exposure and privilege escalation, on the resources the
    // allow statements matching a listed action name (none: nothing to ask)
    let targets = aws_listed_targets(inp, wild, p, &prog);
    for r in &targets {
        let acts: BTreeSet<&str> = lists
            .aws
            .iter()
            .filter(|e| e.kind != RiskKind::SensitiveWildcard)
            .map(|e| e.permission.as_str())
            .filter(|a| aws_compatible(a, r))
            .collect();
        for a in acts {
            let d = aws_decide(env, &caller, a, r);
            let Some(g) = grade(&d) else { continue };
            for e in RiskLists::of(&lists.aws, RiskKind::CredentialExposure)
                .chain(RiskLists::of(&lists.aws, RiskKind::PrivilegeEscalation))
                .filter(|e| e.permission == a)
            {
                for o in grant_origins(&d) {
                    acc.add(e.kind, o.to_string(), a.to_owned(), r, &g, true);
                }
            }
        }
    }
    let mut out = Vec::new();
    acc.finish("aws", &p.id, &mut out);
    out
}

/// The resources on which `p` may hold a listed action: those named by the
/// allow statements that match one (its identity statements' resources; the
/// resource of a resource policy that may name it). A resource pattern with
/// a policy variable is left to what-can, which substitutes it.
/// Whether `st` is an allow statement matching one of the `listed`
/// actions (lowercased).
fn hits_listed(listed: &[String], st: &iamx_model::Statement) -> bool {
    st.effect == Effect::Allow && listed.iter().any(|a| st.action.matches_lc(a))
}

fn aws_listed_targets(
    inp: &Inputs<'_>,
    wild: &AwsWildcards<'_>,
    p: &Principal,
    prog: &iamx_model::AwsProgram,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut variables = false;
    for st in prog.identity.iter().flat_map(|pol| pol.statements.iter()) {
        if !hits_listed(&wild.listed, st) {
            continue;
        }
        match &st.resource {
            Some(r) if !r.negated => {
                for pat in &r.patterns {
                    if pat.has_vars() {
                        variables = true;
                    } else {
                        out.insert(pat.raw().to_owned());
                    }
                }
            }
            _ => {
                out.insert("*".to_owned());
            }
        }
    }
    for (resource, sts) in &wild.listed_in_resource_policies {
        if sts.iter().any(|st| {
            st.principal
                .as_ref()
                .is_none_or(|x| x.matches(p) != PrincipalMatch::No)
        }) {
            out.insert((*resource).to_owned());
        }
    }
    if variables {
        out.extend(
            crate::aws::what_can(inp, &p.id, None)
                .map(|v| v.into_iter().map(|a| a.resource).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
    }
    out
}

fn aws_findings(inp: &Inputs<'_>, lists: &RiskLists) -> Vec<RiskFinding> {
    let wild = AwsWildcards::new(inp, lists);
    crate::aws::principals(inp.aws)
        .par_iter()
        .flat_map_iter(|p| aws_principal(inp, lists, &wild, p))
        .collect()
}

// ---------------------------------------------------------------- GCP

fn glob_ci(pattern: &str) -> Pattern {
    Pattern::glob(pattern, Case::Insensitive)
}

/// How many of a sensitive GCP role's permissions are asked (besides its
/// listed ones) to tell whether a binding of it goes through.
const SENSITIVE_SAMPLE: usize = 24;

/// Bindings by member: the resource each is attached to.
type BindingsByMember<'a> = BTreeMap<&'a str, Vec<(&'a String, &'a iamx_gcp::Binding)>>;

fn gcp_principal(
    inp: &Inputs<'_>,
    lists: &RiskLists,
    by_member: &BindingsByMember<'_>,
    member: &str,
) -> Vec<RiskFinding> {
    let env = inp.gcp;
    let mut acc = Acc::default();
    let risky: Vec<(&RiskEntry, Pattern)> = lists
        .gcp
        .iter()
        .filter(|e| e.kind != RiskKind::SensitiveWildcard)
        .map(|e| (e, glob_ci(&e.permission)))
        .collect();
    let sensitive_roles: Vec<&str> = RiskLists::of(&lists.gcp, RiskKind::SensitiveWildcard)
        .map(|e| e.permission.as_str())
        .collect();
    // where the member's bindings of a listed or sensitive role are
    // attached, and the permissions to ask there: the listed ones the role
    // holds, and a sample of a sensitive role's
    let groups = env.groups_of(member);
    let caller = iamx_gcp::Caller::new(member, &groups, !member.starts_with("allUsers"));
    let mut targets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut bindings: Vec<(&String, &iamx_gcp::Binding)> = caller
        .v1
        .iter()
        .filter_map(|m| by_member.get(m.as_str()))
        .flatten()
        .copied()
        .collect();
    bindings.sort_by_key(|(r, b)| (*r, Arc::as_ptr(&b.origin)));
    bindings.dedup_by_key(|(r, b)| (*r, Arc::as_ptr(&b.origin)));
    for (resource, b) in bindings {
        {
            let iamx_model::gcp::RoleGrant::Permissions(ps) = env.grant(&b.role) else {
                continue;
            };
            let mut chosen: Vec<&String> = ps
                .iter()
                .filter(|x| risky.iter().any(|(_, p)| p.matches(x)))
                .collect();
            // a sensitive role is a finding when any of its permissions
            // goes through: a sample of them (a deny policy may take some)
            if sensitive_roles
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&b.role))
            {
                chosen.extend(ps.iter().take(SENSITIVE_SAMPLE));
            }
            if !chosen.is_empty() {
                targets
                    .entry(iamx_gcp::names::full(resource))
                    .or_default()
                    .extend(chosen.into_iter().cloned());
            }
        }
    }
    for (resource, permissions) in targets {
        let Ok((req, prog)) = crate::gcp::program(env, member, &resource) else {
            continue;
        };
        let binding_of =
            |o: &Arc<iamx_model::Origin>| prog.bindings.iter().find(|b| Arc::ptr_eq(&b.origin, o));
        let decide = |perm: &str| {
            let mut r = req.clone();
            perm.clone_into(&mut r.action);
            iamx_model::gcp::evaluate_gcp(&prog, &r)
        };
        let mut wild_seen = BTreeSet::new();
        for perm in &permissions {
            let perm = perm.as_str();
            let d = decide(perm);
            let Some(g) = grade(&d) else { continue };
            for o in allow_origins(&d) {
                let Some(b) = binding_of(o) else { continue };
                let grant = format!("{} on {} ({})", b.role, b.attached_to, o);
                if sensitive_roles
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&b.role))
                    && wild_seen.insert((grant.clone(), g.0))
                {
                    acc.add(
                        RiskKind::SensitiveWildcard,
                        grant.clone(),
                        b.role.clone(),
                        &resource,
                        &g,
                        true,
                    );
                }
                for (e, pat) in &risky {
                    if pat.matches(perm) {
                        acc.add(e.kind, grant.clone(), perm.to_owned(), &resource, &g, true);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    acc.finish("gcp", member, &mut out);
    out
}

/// The members named by bindings whose role may grant a listed permission
/// or is a sensitive role (a role iamx does not know may grant anything).
fn gcp_risky_members(env: &iamx_gcp::GcpEnvironment, lists: &RiskLists) -> BTreeSet<String> {
    let risky: Vec<Pattern> = lists
        .gcp
        .iter()
        .filter(|e| e.kind != RiskKind::SensitiveWildcard)
        .map(|e| glob_ci(&e.permission))
        .collect();
    let sensitive: Vec<&str> = RiskLists::of(&lists.gcp, RiskKind::SensitiveWildcard)
        .map(|e| e.permission.as_str())
        .collect();
    let mut role_risky: BTreeMap<&str, bool> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for b in env.allow.values().flatten().flat_map(|p| p.bindings.iter()) {
        let r = *role_risky.entry(b.role.as_str()).or_insert_with(|| {
            sensitive.iter().any(|s| s.eq_ignore_ascii_case(&b.role))
                || match env.grant(&b.role) {
                    iamx_model::gcp::RoleGrant::Permissions(ps) => {
                        ps.iter().any(|x| risky.iter().any(|p| p.matches(x)))
                    }
                    iamx_model::gcp::RoleGrant::Nothing(_) => false,
                    iamx_model::gcp::RoleGrant::Unknown(_) => true,
                }
        });
        if r {
            out.extend(b.members.iter().map(|m| iamx_gcp::member::normalize(m)));
        }
    }
    out
}

/// Whether `member` may be reached by a binding naming one of `risky`:
/// itself, a group it is in, its domain, or everyone.
fn gcp_may_hold_listed(
    env: &iamx_gcp::GcpEnvironment,
    risky: &BTreeSet<String>,
    member: &str,
) -> bool {
    let m = iamx_gcp::member::normalize(member);
    if risky.contains(&m)
        || risky.contains("allUsers")
        || risky.contains("allAuthenticatedUsers")
        || risky
            .iter()
            .any(|r| r.starts_with("principalSet:") || r.starts_with("principal:"))
    {
        return true;
    }
    if let Some((_, domain)) = m.split_once('@')
        && risky.contains(&format!("domain:{domain}"))
    {
        return true;
    }
    env.groups_of(&m).iter().any(|g| risky.contains(g))
}

fn gcp_findings(inp: &Inputs<'_>, lists: &RiskLists) -> Vec<RiskFinding> {
    let risky = gcp_risky_members(inp.gcp, lists);
    let mut by_member: BindingsByMember<'_> = BTreeMap::new();
    for (resource, policies) in &inp.gcp.allow {
        for b in policies.iter().flat_map(|p| p.bindings.iter()) {
            for m in &b.members {
                by_member.entry(m.as_str()).or_default().push((resource, b));
            }
        }
    }
    crate::gcp::principals(inp.gcp)
        .par_iter()
        .filter(|m| gcp_may_hold_listed(inp.gcp, &risky, m))
        .flat_map_iter(|m| gcp_principal(inp, lists, &by_member, m))
        .collect()
}

// ---------------------------------------------------------------- Azure

fn azure_decide(
    inp: &Inputs<'_>,
    id: &str,
    op: &str,
    scope: &str,
    data: bool,
) -> Option<(Decision, iamx_model::azure::AzureProgram)> {
    let (req, prog) =
        iamx_azure::build_request(inp.azure, id, op, scope, Some(data), Context::new()).ok()?;
    Some((iamx_model::azure::evaluate_azure(&prog, &req), prog))
}

/// A request and its program, with the program's assignments by principal
/// id (positions, in program order).
type AzureRequest = (
    iamx_model::Request,
    iamx_model::azure::AzureProgram,
    HashMap<String, Vec<usize>>,
);

/// Programs by (scope, data plane); `None` where the request cannot be built.
type SharedPrograms = BTreeMap<(String, bool), Option<Arc<AzureRequest>>>;

/// The Azure programs of one pass, shared by every principal: which role
/// and deny assignments reach a scope does not depend on the caller or the
/// operation, so each (scope, plane) is assembled once; a caller's program
/// keeps the assignments naming one of its identities (the only ones the
/// evaluator reads) and every deny assignment.
#[derive(Default)]
struct AzureScopes {
    built: std::sync::Mutex<SharedPrograms>,
}

impl AzureScopes {
    fn shared(
        &self,
        inp: &Inputs<'_>,
        id: &str,
        op: &str,
        scope: &str,
        data: bool,
    ) -> Option<Arc<AzureRequest>> {
        let key = (scope.to_owned(), data);
        if let Ok(m) = self.built.lock()
            && let Some(x) = m.get(&key)
        {
            return x.clone();
        }
        let built = iamx_azure::build_request(inp.azure, id, op, scope, Some(data), Context::new())
            .ok()
            .map(|(req, prog)| {
                let mut by_principal: HashMap<String, Vec<usize>> = HashMap::new();
                for (i, a) in prog.assignments.iter().enumerate() {
                    by_principal
                        .entry(a.principal_id.clone())
                        .or_default()
                        .push(i);
                }
                Arc::new((req, prog, by_principal))
            });
        if let Ok(mut m) = self.built.lock() {
            m.insert(key, built.clone());
        }
        built
    }
}

/// One principal's programs, from the shared ones.
struct AzurePrograms<'s> {
    scopes: &'s AzureScopes,
    built: BTreeMap<(String, bool), Option<(iamx_model::Request, iamx_model::azure::AzureProgram)>>,
}

impl<'s> AzurePrograms<'s> {
    fn new(scopes: &'s AzureScopes) -> AzurePrograms<'s> {
        AzurePrograms {
            scopes,
            built: BTreeMap::new(),
        }
    }

    fn decide(
        &mut self,
        inp: &Inputs<'_>,
        id: &str,
        op: &str,
        scope: &str,
        data: bool,
    ) -> Option<(Decision, &iamx_model::azure::AzureProgram)> {
        let scopes = self.scopes;
        let entry = self
            .built
            .entry((scope.to_owned(), data))
            .or_insert_with(|| {
                let shared = scopes.shared(inp, id, op, scope, data)?;
                let (req, prog, by_principal) = &*shared;
                let identities = inp.azure.identities(id);
                // the evaluator reads the caller through the program's
                // identities; the request names it for explanations
                let mut req = req.clone();
                id.clone_into(&mut req.principal.id);
                req.principal.name = None;
                let mut mine: Vec<usize> = identities
                    .iter()
                    .filter_map(|i| by_principal.get(i))
                    .flatten()
                    .copied()
                    .collect();
                mine.sort_unstable();
                let own = iamx_model::azure::AzureProgram {
                    assignments: mine
                        .into_iter()
                        .filter_map(|i| prog.assignments.get(i))
                        .cloned()
                        .collect(),
                    denies: prog.denies.clone(),
                    identities,
                    data_action: prog.data_action,
                    sub_operation: prog.sub_operation.clone(),
                };
                Some((req, own))
            });
        let (req, prog) = entry.as_ref()?;
        let mut r = req.clone();
        op.clone_into(&mut r.action);
        Some((iamx_model::azure::evaluate_azure(prog, &r), prog))
    }
}

fn azure_grants(d: &Decision, prog: &iamx_model::azure::AzureProgram) -> Vec<String> {
    allow_origins(d)
        .into_iter()
        .filter_map(|o| {
            prog.assignments
                .iter()
                .find(|a| Arc::ptr_eq(&a.origin, o))
                .map(|a| format!("{} at {} ({})", a.role_name, a.scope, o))
        })
        .collect()
}

/// The scopes where `id`'s assignments (its own and its groups') grant, with
/// the patterns their roles list (actions and data actions; `*` on both
/// planes for a role iamx does not know). Every finding is then decided by
/// the evaluator at the scope, deny assignments included.
fn azure_accesses(
    inp: &Inputs<'_>,
    by_principal: &BTreeMap<&str, Vec<&iamx_azure::RoleAssignment>>,
    id: &str,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for ident in inp.azure.identities(id) {
        for a in by_principal.get(ident.as_str()).into_iter().flatten() {
            let e = out.entry(a.scope.clone()).or_default();
            match inp.azure.roles.get(&a.role_guid) {
                None => {
                    e.insert("*".to_owned());
                }
                Some(def) => {
                    let blocks = def
                        .blocks
                        .iter()
                        .chain(def.conditional.iter().flat_map(|c| c.block.iter()));
                    for b in blocks {
                        e.extend(
                            b.actions
                                .iter()
                                .chain(b.data_actions.iter())
                                .map(|p| p.raw().to_owned()),
                        );
                    }
                }
            }
        }
    }
    out
}

fn azure_principal(
    inp: &Inputs<'_>,
    lists: &RiskLists,
    by_principal: &BTreeMap<&str, Vec<&iamx_azure::RoleAssignment>>,
    scopes: &AzureScopes,
    id: &str,
) -> Vec<RiskFinding> {
    let mut acc = Acc::default();
    let mut programs = AzurePrograms::new(scopes);
    for (scope, patterns) in azure_accesses(inp, by_principal, id) {
        let scope = scope.as_str();
        let granted: Vec<(Pattern, &str)> =
            patterns.iter().map(|p| (glob_ci(p), p.as_str())).collect();
        // sensitive wildcards: a granted pattern that covers a sensitive one
        let mut wild: BTreeMap<(&str, bool), Vec<&str>> = BTreeMap::new();
        for e in RiskLists::of(&lists.azure, RiskKind::SensitiveWildcard) {
            for (pat, raw) in &granted {
                if pat.matches(&e.permission) {
                    wild.entry((raw, e.data))
                        .or_default()
                        .push(e.permission.as_str());
                }
            }
        }
        for ((raw, data), covered) in wild {
            let Some((d, prog)) = programs.decide(inp, id, raw, scope, data) else {
                continue;
            };
            let Some(g) = grade(&d) else { continue };
            let shown: Vec<&str> = if covered.contains(&"*") {
                vec!["*"]
            } else {
                covered
            };
            let plane = if data { " (data actions)" } else { "" };
            for grant in azure_grants(&d, prog) {
                for c in &shown {
                    acc.add(
                        RiskKind::SensitiveWildcard,
                        grant.clone(),
                        format!("{c}{plane}"),
                        scope,
                        &g,
                        true,
                    );
                }
            }
        }
        // credential exposure and privilege escalation
        for e in lists
            .azure
            .iter()
            .filter(|e| e.kind != RiskKind::SensitiveWildcard)
        {
            if !granted.iter().any(|(p, _)| p.matches(&e.permission)) {
                continue;
            }
            let Some((d, prog)) = programs.decide(inp, id, &e.permission, scope, e.data) else {
                continue;
            };
            let Some(g) = grade(&d) else { continue };
            for grant in azure_grants(&d, prog) {
                acc.add(e.kind, grant, e.permission.clone(), scope, &g, true);
            }
        }
    }
    let mut out = Vec::new();
    acc.finish("azure", id, &mut out);
    out
}

/// The object ids named by role assignments whose role may grant a listed
/// operation or a pattern covering a sensitive one (an unknown role may
/// grant anything); deny assignments only take away.
fn azure_risky_principals(
    env: &iamx_azure::AzureEnvironment,
    lists: &RiskLists,
) -> BTreeSet<String> {
    let block_risky = |b: &iamx_model::azure::PermissionBlock| {
        lists.azure.iter().any(|e| {
            let pats = if e.data { &b.data_actions } else { &b.actions };
            pats.iter().any(|p| p.matches(&e.permission))
        })
    };
    let mut role_risky: BTreeMap<&str, bool> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for a in &env.assignments {
        let r = *role_risky.entry(a.role_guid.as_str()).or_insert_with(|| {
            match env.roles.get(&a.role_guid) {
                None => true,
                Some(def) => {
                    def.blocks.iter().any(block_risky)
                        || def
                            .conditional
                            .iter()
                            .any(|c| c.block.iter().any(block_risky))
                }
            }
        });
        if r {
            out.insert(a.principal_id.clone());
        }
    }
    out
}

fn azure_findings(inp: &Inputs<'_>, lists: &RiskLists) -> Vec<RiskFinding> {
    let risky = azure_risky_principals(inp.azure, lists);
    let mut by_principal: BTreeMap<&str, Vec<&iamx_azure::RoleAssignment>> = BTreeMap::new();
    for a in &inp.azure.assignments {
        by_principal
            .entry(a.principal_id.as_str())
            .or_default()
            .push(a);
    }
    let everyone = risky.contains(iamx_model::azure::ALL_PRINCIPALS);
    let scopes = AzureScopes::default();
    crate::azure::principals(inp.azure)
        .par_iter()
        .filter(|id| everyone || inp.azure.identities(id).iter().any(|i| risky.contains(i)))
        .flat_map_iter(|id| azure_principal(inp, lists, &by_principal, &scopes, id))
        .collect()
}

// ---------------------------------------------------------------- admins, public

/// The grant(s) behind an admin finding, asked again of the evaluator.
fn admin_grants(
    inp: &Inputs<'_>,
    aws_principals: &HashMap<&str, &Principal>,
    f: &AdminFinding,
) -> Vec<String> {
    match f.cloud.as_str() {
        "aws" => {
            let Some(p) = aws_principals.get(f.principal.as_str()).copied() else {
                return Vec::new();
            };
            let own = p.role_arn.clone().unwrap_or_else(|| p.id.clone());
            let action = if inp.aws.users.contains_key(&p.id) {
                "iam:PutUserPolicy"
            } else {
                "iam:PutRolePolicy"
            };
            let (_, d) = crate::aws::decide_open(inp.aws, p, action, &own);
            grant_origins(&d).iter().map(|o| o.to_string()).collect()
        }
        "gcp" => {
            let full = iamx_gcp::names::full(&f.scope);
            let Ok((mut req, prog)) = crate::gcp::program(inp.gcp, &f.principal, &full) else {
                return Vec::new();
            };
            f.permission.clone_into(&mut req.action);
            let d = iamx_model::gcp::evaluate_gcp(&prog, &req);
            allow_origins(&d)
                .into_iter()
                .filter_map(|o| {
                    prog.bindings
                        .iter()
                        .find(|b| Arc::ptr_eq(&b.origin, o))
                        .map(|b| format!("{} on {} ({})", b.role, b.attached_to, o))
                })
                .collect()
        }
        "azure" if f.permission == crate::azure::ELEVATE_ACCESS => inp
            .azure
            .directory_roles
            .iter()
            .filter(|d| d.principal_id == f.principal && d.is_global_administrator())
            .map(|d| {
                format!(
                    "{} at {} ({})",
                    d.role_name.as_deref().unwrap_or("directory role"),
                    d.directory_scope_id,
                    d.origin
                )
            })
            .collect(),
        "azure" => {
            let target = format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000a11a",
                f.scope.trim_end_matches('/')
            );
            azure_decide(inp, &f.principal, &f.permission, &target, false)
                .map(|(d, prog)| azure_grants(&d, &prog))
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

fn admin_findings(inp: &Inputs<'_>, admins: &[AdminFinding]) -> Vec<RiskFinding> {
    let principals = if admins.iter().any(|f| f.cloud == "aws") {
        crate::aws::principals(inp.aws)
    } else {
        Vec::new()
    };
    let by_id: HashMap<&str, &Principal> = principals.iter().map(|p| (p.id.as_str(), p)).collect();
    admins
        .par_iter()
        .flat_map_iter(|f| {
            let mut grants = admin_grants(inp, &by_id, f);
            if grants.is_empty() {
                grants.push(String::new());
            }
            let detail = match &f.condition {
                Some(c) => format!("administers {}; only if {c}", f.scope),
                None => format!("administers {}", f.scope),
            };
            grants.into_iter().map(move |grant| RiskFinding {
                cloud: f.cloud.clone(),
                kind: RiskKind::AdminEquivalent,
                severity: if f.condition.is_some() {
                    Severity::Medium
                } else {
                    Severity::High
                },
                principal: f.principal.clone(),
                permissions: vec![f.permission.clone()],
                grant,
                detail: detail.clone(),
            })
        })
        .collect()
}

/// AWS: the resource-policy statements behind a public access (the audit's
/// list also names the RCPs that let it through).
fn aws_public_grants(inp: &Inputs<'_>, a: &Access) -> Vec<String> {
    let Ok(p) = iamx_aws::parse_principal(&a.principal) else {
        return Vec::new();
    };
    let mut out = BTreeSet::new();
    for x in &a.actions {
        let (_, d) = crate::aws::decide_open(inp.aws, &p, &x.action, &a.resource);
        out.extend(grant_origins(&d).iter().map(|o| o.to_string()));
    }
    out.into_iter().collect()
}

fn public_findings(inp: &Inputs<'_>, public: &[Access]) -> Vec<RiskFinding> {
    let mut out = Vec::new();
    for a in public {
        let severity = if a.kind == "public" || a.principal == "allUsers" {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut permissions: Vec<String> = a.actions.iter().map(|x| x.action.clone()).collect();
        permissions.sort();
        permissions.dedup();
        let conditional = a.actions.iter().all(|x| x.conditional);
        let detail = format!(
            "{} on {}{}",
            a.kind,
            a.resource,
            if conditional {
                " (only under conditions)"
            } else {
                ""
            }
        );
        let mut grants = if a.cloud == "aws" {
            aws_public_grants(inp, a)
        } else {
            Vec::new()
        };
        if grants.is_empty() {
            grants.clone_from(&a.grants);
        }
        if grants.is_empty() {
            grants.push(String::new());
        }
        for grant in grants {
            out.push(RiskFinding {
                cloud: a.cloud.to_owned(),
                kind: RiskKind::PublicGrant,
                severity,
                principal: a.principal.clone(),
                permissions: permissions.clone(),
                grant,
                detail: detail.clone(),
            });
        }
    }
    out
}

// ---------------------------------------------------------------- stale

/// `YYYY-MM-DD` of an epoch-seconds time.
fn date(secs: i64) -> String {
    // civil_from_days (H. Hinnant)
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The reference time of the stale check: `now`, else the newest
/// `LastUsedDate`/`CreateDate` of the AWS inputs.
pub fn reference_time(inp: &Inputs<'_>, now: Option<i64>) -> Option<i64> {
    now.or_else(|| {
        let env = inp.aws;
        env.roles
            .values()
            .flat_map(|r| [r.last_used, r.created])
            .chain(env.users.values().map(|u| u.created))
            .flatten()
            .max()
    })
}

fn stale_findings(
    inp: &Inputs<'_>,
    opts: &RiskOptions,
    admins: &BTreeSet<(String, String)>,
) -> Vec<RiskFinding> {
    let Some(now) = reference_time(inp, opts.now) else {
        return Vec::new();
    };
    let limit = opts.stale_days.saturating_mul(86_400);
    let mut out = Vec::new();
    for r in inp.aws.roles.values() {
        let detail = match (r.last_used, r.created) {
            (Some(t), _) if now.saturating_sub(t) > limit => format!(
                "last used {}, {} days before {}",
                date(t),
                now.saturating_sub(t) / 86_400,
                date(now)
            ),
            (None, Some(c)) if now.saturating_sub(c) > limit => format!(
                "never used (no RoleLastUsed date) since its creation on {}, {} days before {}",
                date(c),
                now.saturating_sub(c) / 86_400,
                date(now)
            ),
            _ => continue,
        };
        let admin = admins.contains(&("aws".to_owned(), r.arn.clone()));
        out.push(RiskFinding {
            cloud: "aws".into(),
            kind: RiskKind::StalePrincipal,
            severity: if admin {
                Severity::Medium
            } else {
                Severity::Low
            },
            principal: r.arn.clone(),
            permissions: Vec::new(),
            grant: String::new(),
            detail: if admin {
                format!("{detail}; admin-equivalent")
            } else {
                detail
            },
        });
    }
    out
}

/// Principals that hold grants and have no use in the usage logs:
/// `principals` are `(cloud, principal)` pairs (as [`granted_principals`]
/// gives them), `used` the pairs the logs show acting.
pub fn stale_by_usage(
    principals: impl IntoIterator<Item = (String, String)>,
    used: &BTreeSet<(String, String)>,
) -> Vec<RiskFinding> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<RiskFinding> = principals
        .into_iter()
        .filter(|k| !used.contains(k) && seen.insert(k.clone()))
        .map(|(cloud, principal)| RiskFinding {
            cloud,
            kind: RiskKind::StalePrincipal,
            severity: Severity::Low,
            principal,
            permissions: Vec::new(),
            grant: String::new(),
            detail: "holds grants and does not appear in the usage logs".into(),
        })
        .collect();
    out.sort_by(|a, b| (&a.cloud, &a.principal).cmp(&(&b.cloud, &b.principal)));
    out
}

/// Every principal that holds a grant, as `(cloud, principal)`: AWS users
/// and roles with a policy (own or a group's), GCP members of bindings or
/// groups, Azure object ids with assignments (own or a group's).
pub fn granted_principals(inp: &Inputs<'_>) -> Vec<(String, String)> {
    let env = inp.aws;
    let mut out = Vec::new();
    for u in env.users.values() {
        if !(u.inline.is_empty() && u.attached.is_empty() && u.groups.is_empty()) {
            out.push(("aws".to_owned(), u.arn.clone()));
        }
    }
    for r in env.roles.values() {
        if !(r.inline.is_empty() && r.attached.is_empty()) {
            out.push(("aws".to_owned(), r.arn.clone()));
        }
    }
    out.extend(
        crate::gcp::principals(inp.gcp)
            .into_iter()
            .map(|m| ("gcp".to_owned(), m)),
    );
    out.extend(
        crate::azure::principals(inp.azure)
            .into_iter()
            .map(|m| ("azure".to_owned(), m)),
    );
    out.sort();
    out.dedup();
    out
}

// ---------------------------------------------------------------- all

/// Every risk finding: `admins` and `public` are the audit's own findings,
/// turned into findings with their grants.
pub fn risks(
    inp: &Inputs<'_>,
    admins: &[AdminFinding],
    public: &[Access],
    opts: &RiskOptions,
) -> Vec<RiskFinding> {
    let lists = RiskLists::builtin();
    let admin_set: BTreeSet<(String, String)> = admins
        .iter()
        .map(|a| (a.cloud.clone(), a.principal.clone()))
        .collect();
    let ((aws, gcp), (azure, admin)) = rayon::join(
        || rayon::join(|| aws_findings(inp, &lists), || gcp_findings(inp, &lists)),
        || {
            rayon::join(
                || azure_findings(inp, &lists),
                || admin_findings(inp, admins),
            )
        },
    );
    let mut out = admin;
    out.extend(aws);
    out.extend(gcp);
    out.extend(azure);
    out.extend(public_findings(inp, public));
    out.extend(stale_findings(inp, opts, &admin_set));
    sort(&mut out);
    out
}

fn sort(v: &mut [RiskFinding]) {
    v.sort_by(|a, b| {
        (
            a.kind,
            &a.cloud,
            a.severity,
            &a.principal,
            &a.grant,
            &a.permissions,
        )
            .cmp(&(
                b.kind,
                &b.cloud,
                b.severity,
                &b.principal,
                &b.grant,
                &b.permissions,
            ))
    });
}
