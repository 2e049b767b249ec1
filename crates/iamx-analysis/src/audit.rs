//! `iamx audit`: the one-screen report of an environment across clouds.

use crate::graph::{self, Path};
use crate::risk::{RiskFinding, RiskOptions};
use crate::{Access, Inputs};
use iamx_graph::{EdgeKind, NodeKind, PermissionGraph};
use iamx_model::{Effect, PrincipalEntry, PrincipalKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Sizes of one cloud's inputs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CloudCounts {
    /// Principals (users, roles, members, object ids).
    pub principals: usize,
    /// Groups.
    pub groups: usize,
    /// Policies, bindings or assignments.
    pub grants: usize,
    /// Deny policies/rules or deny assignments.
    pub denies: usize,
}

/// A principal with admin-equivalent access.
#[derive(Clone, Debug, Serialize)]
pub struct AdminFinding {
    /// Cloud.
    pub cloud: String,
    /// Principal.
    pub principal: String,
    /// What it administers.
    pub scope: String,
    /// The permission that makes it so.
    pub permission: String,
    /// When it holds only under a condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// An escalation path from a principal that is not an administrator.
#[derive(Clone, Debug, Serialize)]
pub struct PathFinding {
    /// Where it starts.
    pub from: String,
    /// The path.
    pub path: Path,
}

/// A grant that holds only under a condition.
#[derive(Clone, Debug, Serialize)]
pub struct ConditionalGrant {
    /// Cloud.
    pub cloud: String,
    /// The statement, binding or assignment.
    pub grant: String,
    /// Its condition.
    pub condition: String,
}

/// The audit report.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    /// Sizes per cloud.
    pub counts: BTreeMap<String, CloudCounts>,
    /// Admin-equivalent principals.
    pub admins: Vec<AdminFinding>,
    /// Public or cross-organisation access.
    pub public_access: Vec<Access>,
    /// Escalation paths to admin.
    pub escalation_paths: Vec<PathFinding>,
    /// Conditional grants worth a look.
    pub conditional_grants: Vec<ConditionalGrant>,
    /// Risk findings: admin-equivalent grants, sensitive wildcards,
    /// credential-exposure and privilege-escalation permissions, public
    /// grants, stale principals.
    pub risks: Vec<RiskFinding>,
    /// Warnings from loading.
    pub warnings: Vec<String>,
}

fn counts(inp: &Inputs<'_>) -> BTreeMap<String, CloudCounts> {
    let mut m = BTreeMap::new();
    let aws = inp.aws;
    if !(aws.users.is_empty() && aws.roles.is_empty() && aws.resource_policies.is_empty()) {
        let (principals, policies, _) = aws.counts();
        m.insert(
            "aws".to_owned(),
            CloudCounts {
                principals,
                groups: aws.groups.len(),
                grants: policies,
                denies: 0,
            },
        );
    }
    let gc = inp.gcp.counts();
    if gc.bindings > 0 || gc.groups > 0 {
        m.insert(
            "gcp".to_owned(),
            CloudCounts {
                principals: crate::gcp::principals(inp.gcp).len(),
                groups: gc.groups,
                grants: gc.bindings,
                denies: gc.deny_rules,
            },
        );
    }
    let ac = inp.azure.counts();
    if ac.assignments > 0 || ac.groups > 0 {
        m.insert(
            "azure".to_owned(),
            CloudCounts {
                principals: crate::azure::principals(inp.azure).len(),
                groups: ac.groups,
                grants: ac.assignments,
                denies: ac.deny_assignments,
            },
        );
    }
    m
}

fn public_access(inp: &Inputs<'_>) -> Vec<Access> {
    let mut out = Vec::new();
    // AWS: resource policies granting to anyone, or to accounts outside the organisation
    let org_accounts: BTreeSet<String> = inp
        .aws
        .organization
        .as_ref()
        .map(|o| {
            let mut s: BTreeSet<String> = o.accounts().into_iter().map(str::to_owned).collect();
            s.extend(o.management_account.clone());
            s
        })
        .unwrap_or_default();
    for rp in &inp.aws.resource_policies {
        let mut outsiders = BTreeSet::new();
        for st in rp
            .policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            let Some(spec) = &st.principal else { continue };
            for e in &spec.entries {
                match e {
                    PrincipalEntry::Anyone => {
                        outsiders.insert("*".to_owned());
                    }
                    PrincipalEntry::Account(a) => {
                        let local =
                            rp.account.as_deref() == Some(a.as_str()) || org_accounts.contains(a);
                        if !local {
                            outsiders.insert(format!("arn:aws:iam::{a}:root"));
                        }
                    }
                    PrincipalEntry::Arn(arn) => {
                        let acct = iamx_aws::arn::parse_arn(arn)
                            .map(|x| x.account.to_owned())
                            .unwrap_or_default();
                        let local = rp.account.as_deref() == Some(acct.as_str())
                            || org_accounts.contains(&acct);
                        if !local {
                            outsiders.insert(arn.clone());
                        }
                    }
                    _ => {}
                }
            }
        }
        for who in outsiders {
            let Ok(p) = iamx_aws::parse_principal(&who) else {
                continue;
            };
            let resource = if rp.resource.starts_with("arn:aws:s3:::") && !rp.resource.contains('/')
            {
                format!("{}/*", rp.resource)
            } else {
                rp.resource.clone()
            };
            let mut acts = Vec::new();
            let mut grants = BTreeSet::new();
            for st in rp
                .policy
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                for pat in st.action.patterns.iter().filter(|_| !st.action.negated) {
                    let expanded = inp.catalog.expand(pat.raw());
                    let names: Vec<String> = if expanded.is_empty() {
                        vec![pat.raw().to_owned()]
                    } else {
                        expanded.iter().map(|a| a.action().to_owned()).collect()
                    };
                    for a in names {
                        let (_, d) = crate::aws::decide_open(inp.aws, &p, &a, &resource);
                        if let Some((conditional, condition)) = crate::grade(&d) {
                            grants.extend(
                                d.explanation
                                    .statements
                                    .iter()
                                    .filter(|h| h.effect == Effect::Allow)
                                    .map(|h| h.origin.to_string()),
                            );
                            acts.push(crate::ActionAccess {
                                action: a,
                                conditional,
                                condition,
                            });
                        }
                    }
                }
            }
            if !acts.is_empty() {
                out.push(Access {
                    cloud: "aws",
                    principal: who.clone(),
                    kind: if p.kind == PrincipalKind::Anonymous {
                        "public".into()
                    } else {
                        "external account".into()
                    },
                    resource,
                    actions: acts,
                    via: vec!["resource policy".into()],
                    grants: grants.into_iter().collect(),
                });
            }
        }
    }
    // GCP: bindings to allUsers / allAuthenticatedUsers, asked for them alone
    let mut targets = Vec::new();
    for (res, pols) in &inp.gcp.allow {
        for who in ["allUsers", "allAuthenticatedUsers"] {
            if pols.iter().any(|p| {
                p.bindings
                    .iter()
                    .any(|b| b.members.iter().any(|m| m == who))
            }) {
                targets.push((iamx_gcp::names::full(res), who.to_owned()));
            }
        }
    }
    out.extend(crate::gcp::access_of_members(inp, &targets));
    crate::normalize(out)
}

fn conditional_grants(inp: &Inputs<'_>) -> Vec<ConditionalGrant> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut aws_policy = |p: &iamx_model::Policy, out: &mut Vec<ConditionalGrant>| {
        for st in &p.statements {
            if st.effect == Effect::Allow && !st.condition.is_true() {
                let grant = st.origin.to_string();
                if seen.insert(grant.clone()) {
                    out.push(ConditionalGrant {
                        cloud: "aws".into(),
                        grant,
                        condition: st.condition.to_string(),
                    });
                }
            }
        }
    };
    let env = inp.aws;
    for m in env
        .managed
        .values()
        .filter(|m| !m.arn.starts_with("arn:aws:iam::aws:"))
    {
        aws_policy(&m.policy, &mut out);
    }
    for u in env.users.values() {
        u.inline.iter().for_each(|p| aws_policy(p, &mut out));
    }
    for g in env.groups.values() {
        g.inline.iter().for_each(|p| aws_policy(p, &mut out));
    }
    for r in env.roles.values() {
        r.inline.iter().for_each(|p| aws_policy(p, &mut out));
        if let Some(t) = &r.trust {
            aws_policy(t, &mut out);
        }
    }
    for rp in &env.resource_policies {
        aws_policy(&rp.policy, &mut out);
    }
    for (res, pols) in &inp.gcp.allow {
        for p in pols {
            for b in p.bindings.iter().filter(|b| !b.condition.is_true()) {
                out.push(ConditionalGrant {
                    cloud: "gcp".into(),
                    grant: format!("{} on {res} for {}", b.role, b.members.join(", ")),
                    condition: match &b.condition {
                        iamx_model::Condition::Expr(e) => iamx_gcp::print_cel(e),
                        other => other.to_string(),
                    },
                });
            }
        }
    }
    for a in inp
        .azure
        .assignments
        .iter()
        .filter(|a| a.condition_text.is_some())
    {
        out.push(ConditionalGrant {
            cloud: "azure".into(),
            grant: format!(
                "{} at {} for {}",
                a.role_definition_name
                    .clone()
                    .unwrap_or_else(|| a.role_guid.clone()),
                a.scope,
                a.principal_name
                    .clone()
                    .unwrap_or_else(|| a.principal_id.clone())
            ),
            condition: a.condition_text.clone().unwrap_or_default(),
        });
    }
    out
}

/// Runs the audit. `warnings` are the loader's warnings, passed through.
/// The stale-principal check measures from the newest date the inputs carry
/// ([`audit_at`] takes a reference time).
pub fn audit(inp: &Inputs<'_>, g: &PermissionGraph, warnings: Vec<String>) -> Audit {
    audit_at(inp, g, warnings, None)
}

/// [`audit`] with the reference time of the stale-principal check (epoch
/// seconds; `None`: the newest `LastUsedDate`/`CreateDate` of the inputs).
pub fn audit_at(
    inp: &Inputs<'_>,
    g: &PermissionGraph,
    warnings: Vec<String>,
    now: Option<i64>,
) -> Audit {
    let mut admins = Vec::new();
    let mut admin_nodes = BTreeSet::new();
    for (from, to, e) in g.edges() {
        let (Some(f), Some(t)) = (g.node(from), g.node(to)) else {
            continue;
        };
        // administrators, and principals one rewrite of their own
        // permissions away from it (admin-equivalent)
        match e.kind {
            EdgeKind::AdminOf => {
                admin_nodes.insert(f.id.clone());
            }
            EdgeKind::Escalates if t.kind == NodeKind::Admin && f.kind.is_principal() => {}
            _ => continue,
        }
        admins.push(AdminFinding {
            cloud: f.cloud.to_string(),
            principal: f
                .id
                .split_once(':')
                .map_or(f.id.as_str(), |(_, r)| r)
                .to_owned(),
            scope: t.label.trim_start_matches("admin of ").to_owned(),
            permission: e.permission.clone().unwrap_or_default(),
            condition: e.condition.clone(),
        });
    }
    admins.sort_by(|a, b| {
        (&a.cloud, &a.principal, &a.scope).cmp(&(&b.cloud, &b.principal, &b.scope))
    });
    let mut escalation_paths = Vec::new();
    let starts: Vec<iamx_graph::NodeId> = g
        .nodes()
        .filter(|(_, n)| {
            matches!(
                n.kind,
                NodeKind::User
                    | NodeKind::Role
                    | NodeKind::ServiceAccount
                    | NodeKind::ServicePrincipal
            )
        })
        .filter(|(_, n)| !admin_nodes.contains(&n.id))
        .filter(|(i, _)| {
            g.out_edges(*i).any(|(_, e)| {
                matches!(
                    e.kind,
                    EdgeKind::Escalates
                        | EdgeKind::CanImpersonate
                        | EdgeKind::CanAssume
                        | EdgeKind::MemberOf
                )
            })
        })
        .map(|(i, _)| i)
        .collect();
    let is_admin = |n: &iamx_graph::Node| n.kind == NodeKind::Admin;
    let ((found, public_access), conditional_grants) = rayon::join(
        || {
            rayon::join(
                || g.paths_from_each(&starts, &is_admin, &graph::ESCALATION_EDGES, 5, 2),
                || public_access(inp),
            )
        },
        || conditional_grants(inp),
    );
    for (start, ps) in starts.iter().zip(found) {
        let Some(id) = g.node(*start).map(|n| n.id.clone()) else {
            continue;
        };
        for p in ps {
            escalation_paths.push(PathFinding {
                from: id.clone(),
                path: graph::to_path(g, &p),
            });
        }
    }
    let mut risks = crate::risk::risks(
        inp,
        &admins,
        &public_access,
        &RiskOptions {
            now,
            ..RiskOptions::default()
        },
    );
    // a permission list names who might escalate; reachability says who does
    let escalating: std::collections::HashSet<String> = escalation_paths
        .iter()
        .map(|p| p.from.to_ascii_lowercase())
        .chain(
            admins
                .iter()
                .map(|a| format!("{}:{}", a.cloud, a.principal).to_ascii_lowercase()),
        )
        .collect();
    for r in risks
        .iter_mut()
        .filter(|r| r.kind == crate::risk::RiskKind::PrivilegeEscalation)
    {
        let id = format!("{}:{}", r.cloud, r.principal).to_ascii_lowercase();
        r.detail.push_str(if escalating.contains(&id) {
            "; reaches admin (see the escalation paths and admins)"
        } else {
            "; no escalation path reaches admin"
        });
    }
    Audit {
        counts: counts(inp),
        admins,
        public_access,
        escalation_paths,
        conditional_grants,
        risks,
        warnings,
    }
}
