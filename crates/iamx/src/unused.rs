//! `iamx unused`: granted versus used, per principal, from usage logs.
//!
//! What a principal is *granted* is what-can's answer (the concrete
//! evaluator, open context) restricted to the principal's own grants: access
//! it has only through an assumed role or an impersonated service account is
//! that role's or account's, and is reported there. What it *used* is every
//! logged call that authorisation let through (`allowed`, and `failed` for a
//! reason other than authorisation: the service authorised it first).
//!
//! Grants (policies, bindings, assignments) are matched by provenance: each
//! used call is decided again against the loaded inputs, and the allow
//! statements, bindings or assignments that match it are *used*; a grant of
//! the principal that no used call matches is *unused*. The same is done
//! for every granted (action, resource) pair, so both sides name grants the
//! same way.
//!
//! The permission-creep score of a principal is the granted-but-unused
//! share of its permissions, weighted by risk: permissions management 5,
//! write 3, tagging 2, read and list 1 (a permission whose level iamx cannot
//! tell weighs 3). It is shown per principal and per cloud (over all the
//! cloud's principals with grants).

use crate::analysis::{self, Access, Inputs};
use iamx_model::{Context, Decision, Effect, Origin, Outcome, Request};
use iamx_usage::{Cloud, UsageRecord};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A permission's risk class, from the AWS catalog's access level or, for
/// GCP and Azure, from the permission's verb.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Changes who may do what (`iam:*Policy*`, `setIamPolicy`, role assignments).
    PermissionsManagement,
    /// Creates, changes or deletes.
    Write,
    /// Tags.
    Tagging,
    /// Reads content.
    Read,
    /// Lists.
    List,
    /// Not in the catalog: weighed as a write.
    Unknown,
}

impl Level {
    /// The weight of an unused permission of this level.
    pub fn weight(self) -> u32 {
        match self {
            Level::PermissionsManagement => 5,
            Level::Write | Level::Unknown => 3,
            Level::Tagging => 2,
            Level::Read | Level::List => 1,
        }
    }

    /// The name shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::PermissionsManagement => "permissions-management",
            Level::Write => "write",
            Level::Tagging => "tagging",
            Level::Read => "read",
            Level::List => "list",
            Level::Unknown => "unknown",
        }
    }
}

/// The level of `permission` in `cloud`.
pub fn level(cloud: Cloud, permission: &str, catalog: &iamx_catalog::Catalog) -> Level {
    use iamx_catalog::AccessLevel as A;
    match cloud {
        Cloud::Aws => match catalog.access_level(permission) {
            Some(A::PermissionsManagement) => Level::PermissionsManagement,
            Some(A::Write) => Level::Write,
            Some(A::Tagging) => Level::Tagging,
            Some(A::Read) => Level::Read,
            Some(A::List) => Level::List,
            None => Level::Unknown,
        },
        Cloud::Gcp => {
            let lc = permission.to_ascii_lowercase();
            let verb = lc.rsplit('.').next().unwrap_or("");
            if verb == "setiampolicy"
                || lc.starts_with("iam.roles.") && !matches!(verb, "get" | "list")
                || lc.starts_with("iam.serviceaccountkeys.") && verb == "create"
                || matches!(verb, "getaccesstoken" | "signblob" | "signjwt" | "actas")
            {
                Level::PermissionsManagement
            } else if verb == "list" || verb == "search" {
                Level::List
            } else if verb.starts_with("get") || verb == "read" || verb == "getiampolicy" {
                Level::Read
            } else if verb.contains("tag") {
                Level::Tagging
            } else {
                Level::Write
            }
        }
        Cloud::Azure => {
            let lc = permission.to_ascii_lowercase();
            let verb = lc.rsplit('/').next().unwrap_or("");
            if lc.starts_with("microsoft.authorization/") && verb != "read" {
                Level::PermissionsManagement
            } else if verb == "read" {
                Level::Read
            } else if lc.contains("/tags/") {
                Level::Tagging
            } else {
                Level::Write
            }
        }
    }
}

/// One grant (policy, binding, assignment) of a principal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Grant {
    /// AWS the policy; GCP the binding (role, where it is bound); Azure the
    /// role assignment.
    pub grant: String,
    /// Where it was read (`file:line:column`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Unused permissions of one service at one level.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceUnused {
    /// The service (`s3`, `storage`, `Microsoft.Storage`).
    pub service: String,
    /// The level.
    pub level: Level,
    /// The unused permissions.
    pub permissions: Vec<String>,
}

/// Granted versus used for one principal.
#[derive(Clone, Debug, Serialize)]
pub struct PrincipalUsage {
    /// `aws`, `gcp` or `azure`.
    pub cloud: Cloud,
    /// The principal as its cloud names it.
    pub principal: String,
    /// Distinct permissions granted (its own grants).
    pub granted: usize,
    /// Granted permissions used at least once.
    pub used: usize,
    /// Distinct logged calls of the principal that authorisation let through.
    pub calls: usize,
    /// The permission-creep score: the risk-weighted share (0 to 100) of
    /// granted permissions never used.
    pub creep_score: f64,
    /// Grants of the principal that no logged call used.
    pub unused_grants: Vec<Grant>,
    /// Grants that logged calls used.
    pub used_grants: Vec<Grant>,
    /// Unused permissions by service and level (riskiest first).
    pub unused: Vec<ServiceUnused>,
    /// Permissions used that its own grants do not give today (through a
    /// resource policy, an assumed role or an impersonated account, or a
    /// grant removed since).
    pub used_not_granted: Vec<String>,
    /// Risk-weighted unused and granted totals (the score's two sides).
    #[serde(skip)]
    weighted: (u64, u64),
}

/// Per-cloud score.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CloudScore {
    /// Principals with grants.
    pub principals: usize,
    /// Of them, principals with no logged use at all.
    pub idle: usize,
    /// Granted permissions, summed over principals.
    pub granted: usize,
    /// Unused permissions, summed over principals.
    pub unused: usize,
    /// The risk-weighted unused share over the cloud (0 to 100).
    pub creep_score: f64,
}

/// The `unused` report.
#[derive(Clone, Debug, Serialize)]
pub struct UnusedReport {
    /// Per principal, highest score first.
    pub principals: Vec<PrincipalUsage>,
    /// Per cloud.
    pub clouds: BTreeMap<Cloud, CloudScore>,
    /// Distinct logged calls read (see [`read_distinct`]).
    pub records: usize,
    /// Logged calls refused by authorisation (not counted as use).
    pub refused: usize,
    /// Principals that appear in the logs and not in the inputs.
    pub unknown_principals: Vec<String>,
}

/// Reads usage logs, streaming: records are folded as they are read into
/// the distinct calls they stand for (same cloud, principal, action,
/// resource, outcome class and logged context; the first record's time and
/// location are kept), so memory grows with the number of distinct calls,
/// not with the size of the logs.
pub fn read_distinct<P: AsRef<std::path::Path>>(
    paths: impl IntoIterator<Item = P>,
    opts: &iamx_usage::Options,
) -> Result<(Vec<UsageRecord>, iamx_usage::Stats), iamx_usage::Error> {
    type Key = (
        Cloud,
        String,
        String,
        Option<String>,
        bool,
        Vec<(&'static str, String)>,
    );
    let mut seen: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    let mut out: Vec<UsageRecord> = Vec::new();
    let stats = iamx_usage::read_paths(paths, opts, &mut |r: UsageRecord| {
        let key = (
            r.cloud,
            r.principal.clone(),
            r.action.clone(),
            r.resource.clone(),
            is_use(&r),
            r.context.clone(),
        );
        if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(key) {
            e.insert(out.len());
            out.push(r);
        }
    })?;
    Ok((out, stats))
}

/// Whether a record counts as use of its permission.
pub fn is_use(r: &UsageRecord) -> bool {
    !r.outcome.is_denied()
}

/// Decides `(principal, action, resource)` in `cloud` against the inputs.
pub(crate) fn decide(
    inp: &Inputs<'_>,
    cloud: Cloud,
    principal: &str,
    action: &str,
    resource: &str,
    context: Context,
) -> Option<(Request, Decision)> {
    match cloud {
        Cloud::Aws => {
            let (req, _) = inp
                .aws
                .build_request(principal, action, resource, context)
                .ok()?;
            let prog = inp.aws.program_for(&req);
            let d = iamx_model::evaluate(&prog, &req);
            Some((req, d))
        }
        Cloud::Gcp => {
            let (req, prog) =
                iamx_gcp::build_request(inp.gcp, principal, action, resource, context).ok()?;
            let d = iamx_model::gcp::evaluate_gcp(&prog, &req);
            Some((req, d))
        }
        Cloud::Azure => {
            let (req, prog) =
                iamx_azure::build_request(inp.azure, principal, action, resource, None, context)
                    .ok()?;
            let d = iamx_model::azure::evaluate_azure(&prog, &req);
            Some((req, d))
        }
    }
}

/// The grants that allow in a decision: the allow statements of the
/// caller's own layers (identity, bindings, assignments).
pub(crate) fn allowing(cloud: Cloud, d: &Decision) -> Vec<Arc<Origin>> {
    use iamx_model::eval::Layer;
    d.explanation
        .statements
        .iter()
        .filter(|h| h.effect == Effect::Allow)
        .filter(|h| cloud != Cloud::Aws || h.layer == Layer::Identity)
        .map(|h| h.origin.clone())
        .collect()
}

fn grant_of(cloud: Cloud, o: &Origin) -> Grant {
    let grant = match cloud {
        Cloud::Gcp => format!(
            "{} in {} (binding {})",
            o.sid.as_deref().unwrap_or("role"),
            o.policy,
            o.statement
        ),
        _ => o.policy.to_string(),
    };
    let location = o
        .file
        .as_ref()
        .map(|f| format!("{f}:{}:{}", o.line, o.column));
    Grant { grant, location }
}

fn key(cloud: Cloud, action: &str) -> String {
    match cloud {
        Cloud::Gcp => action.to_owned(),
        _ => action.to_ascii_lowercase(),
    }
}

fn service_of(cloud: Cloud, permission: &str) -> String {
    match cloud {
        Cloud::Aws => permission
            .split(':')
            .next()
            .unwrap_or(permission)
            .to_owned(),
        Cloud::Gcp => permission
            .split('.')
            .next()
            .unwrap_or(permission)
            .to_owned(),
        Cloud::Azure => permission
            .split('/')
            .next()
            .unwrap_or(permission)
            .to_owned(),
    }
}

fn cloud_name(c: Cloud) -> &'static str {
    match c {
        Cloud::Aws => "aws",
        Cloud::Gcp => "gcp",
        Cloud::Azure => "azure",
    }
}

/// The principals of the inputs, per cloud.
fn principals(inp: &Inputs<'_>) -> Vec<(Cloud, String)> {
    let mut v: Vec<(Cloud, String)> = analysis::aws::principals(inp.aws)
        .into_iter()
        .filter(|p| p.id.contains(":user/") || p.id.contains(":role/"))
        .map(|p| (Cloud::Aws, p.id))
        .collect();
    v.extend(
        analysis::gcp::principals(inp.gcp)
            .into_iter()
            .filter(|m| !m.starts_with("group:") && !m.starts_with("domain:"))
            .filter(|m| *m != "allUsers" && *m != "allAuthenticatedUsers")
            .map(|m| (Cloud::Gcp, m)),
    );
    v.extend(
        analysis::azure::principals(inp.azure)
            .into_iter()
            .map(|p| (Cloud::Azure, p)),
    );
    v
}

/// What one principal's own grants give: `(action, resource, conditional)`
/// pairs, the grants, and the permission set.
struct Granted {
    pairs: Vec<(String, String)>,
}

fn granted(inp: &Inputs<'_>, cloud: Cloud, principal: &str) -> Granted {
    let accesses: Vec<Access> = analysis::what_can(inp, principal, None).unwrap_or_default();
    let mut pairs = Vec::new();
    for a in accesses {
        if a.cloud != cloud_name(cloud) {
            continue;
        }
        // only the principal's own grants: not access through a role it
        // assumes or an account it impersonates
        let own = a.via.is_empty()
            || a.via.iter().any(|v| {
                !(v.starts_with("assumed role") || v.starts_with("impersonated service account"))
            });
        if !own {
            continue;
        }
        for x in a.actions {
            pairs.push((x.action, a.resource.clone()));
        }
    }
    Granted { pairs }
}

/// Granted versus used, per principal, for the principals of the inputs
/// (and those of `only`, when given).
pub fn unused(inp: &Inputs<'_>, records: &[UsageRecord], only: Option<&str>) -> UnusedReport {
    let mut by_principal: BTreeMap<(Cloud, String), Vec<&UsageRecord>> = BTreeMap::new();
    let mut refused = 0;
    for r in records {
        if is_use(r) {
            by_principal
                .entry((r.cloud, r.principal.clone()))
                .or_default()
                .push(r);
        } else {
            refused += 1;
        }
    }
    let mut who = principals(inp);
    if let Some(p) = only {
        who.retain(|(_, x)| x.eq_ignore_ascii_case(p));
    }
    let known: BTreeSet<(Cloud, String)> = who.iter().map(|(c, p)| (*c, key(*c, p))).collect();
    let unknown_principals: Vec<String> = by_principal
        .keys()
        .filter(|(c, p)| !known.contains(&(*c, key(*c, p))))
        .filter(|(_, p)| only.is_none_or(|o| p.eq_ignore_ascii_case(o)))
        .map(|(c, p)| format!("{c}:{p}"))
        .collect();
    let mut rows: Vec<PrincipalUsage> = who
        .par_iter()
        .filter_map(|(cloud, p)| {
            let calls: Vec<&UsageRecord> = by_principal
                .iter()
                .filter(|((c, q), _)| c == cloud && key(*c, q) == key(*c, p))
                .flat_map(|(_, v)| v.iter().copied())
                .collect();
            principal_usage(inp, *cloud, p, &calls)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.creep_score
            .total_cmp(&a.creep_score)
            .then_with(|| a.cloud.cmp(&b.cloud))
            .then_with(|| a.principal.cmp(&b.principal))
    });
    let mut clouds: BTreeMap<Cloud, (CloudScore, u64, u64)> = BTreeMap::new();
    for r in &rows {
        let e = clouds.entry(r.cloud).or_default();
        e.0.principals += 1;
        e.0.idle += usize::from(r.calls == 0);
        e.0.granted += r.granted;
        e.0.unused += r.granted - r.used;
        e.1 += r.weighted.0;
        e.2 += r.weighted.1;
    }
    let clouds = clouds
        .into_iter()
        .map(|(c, (mut s, wu, wa))| {
            s.creep_score = score(wu, wa);
            (c, s)
        })
        .collect();
    UnusedReport {
        principals: rows,
        clouds,
        records: records.len(),
        refused,
        unknown_principals,
    }
}

fn score(unused: u64, all: u64) -> f64 {
    if all == 0 {
        0.0
    } else {
        // one decimal place, so reports are stable
        ((unused as f64) * 1000.0 / (all as f64)).round() / 10.0
    }
}

fn principal_usage(
    inp: &Inputs<'_>,
    cloud: Cloud,
    principal: &str,
    calls: &[&UsageRecord],
) -> Option<PrincipalUsage> {
    let g = granted(inp, cloud, principal);
    if g.pairs.is_empty() && calls.is_empty() {
        return None;
    }
    // the grants behind each granted pair
    let mut all_grants: BTreeMap<String, Grant> = BTreeMap::new();
    let mut permissions: BTreeMap<String, String> = BTreeMap::new();
    for (action, resource) in &g.pairs {
        permissions
            .entry(key(cloud, action))
            .or_insert_with(|| action.clone());
        if let Some((_, d)) = decide(inp, cloud, principal, action, resource, Context::open()) {
            for o in allowing(cloud, &d) {
                let gr = grant_of(cloud, &o);
                all_grants.entry(gr.grant.clone()).or_insert(gr);
            }
        }
    }
    // what the calls used
    let mut used_grants: BTreeMap<String, Grant> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut used_not_granted: BTreeSet<String> = BTreeSet::new();
    let patterns: Vec<(String, iamx_model::Pattern)> = permissions
        .values()
        .filter(|p| p.contains('*') || p.contains('?'))
        .map(|p| {
            let case = if cloud == Cloud::Gcp {
                iamx_model::Case::Sensitive
            } else {
                iamx_model::Case::Insensitive
            };
            (p.clone(), iamx_model::Pattern::glob(p, case))
        })
        .collect();
    for r in calls {
        let k = key(cloud, &r.action);
        if permissions.contains_key(&k) {
            used.insert(k);
        } else if let Some((p, _)) = patterns.iter().find(|(_, pat)| pat.matches(&r.action)) {
            used.insert(key(cloud, p));
        } else {
            used_not_granted.insert(r.action.clone());
        }
        let req = r.to_request();
        if let Some((_, d)) = decide(
            inp,
            cloud,
            principal,
            &req.action,
            &req.resource,
            req.context.clone(),
        ) && matches!(d.outcome, Outcome::Allowed | Outcome::Unknown(_))
        {
            for o in allowing(cloud, &d) {
                let gr = grant_of(cloud, &o);
                used_grants.entry(gr.grant.clone()).or_insert(gr);
            }
        }
    }
    let unused_grants: Vec<Grant> = all_grants
        .into_iter()
        .filter(|(k, _)| !used_grants.contains_key(k))
        .map(|(_, g)| g)
        .collect();
    let mut by: BTreeMap<(Level, String), Vec<String>> = BTreeMap::new();
    let (mut w_unused, mut w_all) = (0u64, 0u64);
    for (k, name) in &permissions {
        let lv = level(cloud, name, inp.catalog);
        w_all += u64::from(lv.weight());
        if !used.contains(k) {
            w_unused += u64::from(lv.weight());
            by.entry((lv, service_of(cloud, name)))
                .or_default()
                .push(name.clone());
        }
    }
    let unused = by
        .into_iter()
        .map(|((level, service), permissions)| ServiceUnused {
            service,
            level,
            permissions,
        })
        .collect();
    Some(PrincipalUsage {
        cloud,
        principal: principal.to_owned(),
        granted: permissions.len(),
        used: used.len(),
        calls: calls.len(),
        creep_score: score(w_unused, w_all),
        unused_grants,
        used_grants: used_grants.into_values().collect(),
        unused,
        used_not_granted: used_not_granted.into_iter().collect(),
        weighted: (w_unused, w_all),
    })
}

/// Adds the stale principals the logs show to an audit's risk findings:
/// every principal with grants and no logged use (any cloud). The AWS
/// last-used dates' own stale findings are replaced, the logs being the
/// fuller account.
pub fn stale_from_logs(
    inp: &Inputs<'_>,
    records: &[UsageRecord],
    risks: &mut Vec<analysis::risk::RiskFinding>,
) {
    let used: BTreeSet<(String, String)> = records
        .iter()
        .filter(|r| is_use(r))
        .map(|r| (cloud_name(r.cloud).to_owned(), key(r.cloud, &r.principal)))
        .collect();
    let principals: Vec<(String, String)> = analysis::risk::granted_principals(inp)
        .into_iter()
        // groups, domains and the public are not principals that act
        .filter(|(c, p)| match c.as_str() {
            "gcp" => {
                !(p.starts_with("group:")
                    || p.starts_with("domain:")
                    || p.starts_with("principalSet:")
                    || p == "allUsers"
                    || p == "allAuthenticatedUsers")
            }
            "azure" => !inp.azure.groups.contains_key(&p.to_ascii_lowercase()),
            _ => true,
        })
        .filter(|(c, p)| {
            let cloud = match c.as_str() {
                "aws" => Cloud::Aws,
                "gcp" => Cloud::Gcp,
                _ => Cloud::Azure,
            };
            !used.contains(&(c.clone(), key(cloud, p)))
        })
        .collect();
    risks.retain(|r| r.kind != analysis::risk::RiskKind::StalePrincipal);
    risks.extend(analysis::risk::stale_by_usage(principals, &BTreeSet::new()));
}
