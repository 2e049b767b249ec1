//! Builds the unified permission graph over the three clouds: principals,
//! groups, policies/bindings/assignments, scopes, and the edges the
//! evaluators prove (can-assume, can-impersonate, escalation, admin-of).

use crate::Inputs;
use iamx_graph::{Cloud, Edge, EdgeKind, GraphPath, Node, NodeId, NodeKind, PermissionGraph};
use serde::Serialize;

fn edge(
    kind: EdgeKind,
    permission: Option<String>,
    detail: Option<String>,
    condition: Option<String>,
) -> Edge {
    Edge {
        kind,
        permission,
        detail,
        condition,
    }
}

fn node(g: &mut PermissionGraph, cloud: Cloud, kind: NodeKind, id: &str, label: &str) -> NodeId {
    g.add_node(Node {
        id: format!("{cloud}:{id}"),
        cloud,
        kind,
        label: label.to_owned(),
    })
}

fn short(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The admin node of a cloud scope.
pub fn admin_node(g: &mut PermissionGraph, cloud: Cloud, scope: &str) -> NodeId {
    node(
        g,
        cloud,
        NodeKind::Admin,
        &format!("admin:{scope}"),
        &format!("admin of {scope}"),
    )
}

/// What the evaluators prove for the graph: asked for all three clouds at
/// once (each question is parallel inside, with serial parts the other
/// clouds' questions fill), then laid into the graph in a fixed order.
struct Facts {
    assume: Vec<(String, String, Option<String>)>,
    aws: crate::escalation::Facts,
    gcp: crate::escalation::Facts,
    azure: crate::escalation::Facts,
}

impl Facts {
    fn ask(inp: &Inputs<'_>, opts: &crate::escalation::Options) -> Facts {
        let env = inp.aws;
        let ((assume, aws), (gcp, azure)) = rayon::join(
            || {
                rayon::join(
                    || crate::aws::assume_edges(env),
                    || crate::escalation::aws::facts(env, opts).unwrap_or_default(),
                )
            },
            || {
                rayon::join(
                    || crate::escalation::gcp::facts(inp.gcp, opts).unwrap_or_default(),
                    || crate::escalation::azure::facts(inp.azure, opts).unwrap_or_default(),
                )
            },
        );
        Facts {
            assume,
            aws,
            gcp,
            azure,
        }
    }
}

/// Builds the graph of everything loaded, conditions left open.
pub fn build(inp: &Inputs<'_>) -> PermissionGraph {
    build_with(inp, &crate::escalation::Options::default())
}

/// Builds the graph of everything loaded, deciding conditions with the
/// context and present time of `opts`.
pub fn build_with(inp: &Inputs<'_>, opts: &crate::escalation::Options) -> PermissionGraph {
    let facts = Facts::ask(inp, opts);
    let mut g = PermissionGraph::new();
    build_aws(inp, &mut g, facts.assume, &facts.aws);
    build_gcp(inp, &mut g, &facts.gcp);
    build_azure(inp, &mut g, &facts.azure);
    g
}

fn build_aws(
    inp: &Inputs<'_>,
    g: &mut PermissionGraph,
    assume: Vec<(String, String, Option<String>)>,
    facts: &crate::escalation::Facts,
) {
    let env = inp.aws;
    let c = Cloud::Aws;
    for u in env.users.values() {
        let un = node(g, c, NodeKind::User, &u.arn, &format!("user {}", u.name));
        for gname in &u.groups {
            if let Some(gr) = env.group_named(&u.account, gname) {
                let gn = node(
                    g,
                    c,
                    NodeKind::Group,
                    &gr.arn,
                    &format!("group {}", gr.name),
                );
                g.add_edge(un, gn, edge(EdgeKind::MemberOf, None, None, None));
            }
        }
        for p in &u.attached {
            let pn = node(g, c, NodeKind::Policy, p, short(p));
            g.add_edge(un, pn, edge(EdgeKind::HasPolicy, None, None, None));
        }
    }
    for gr in env.groups.values() {
        let gn = node(
            g,
            c,
            NodeKind::Group,
            &gr.arn,
            &format!("group {}", gr.name),
        );
        for p in &gr.attached {
            let pn = node(g, c, NodeKind::Policy, p, short(p));
            g.add_edge(gn, pn, edge(EdgeKind::HasPolicy, None, None, None));
        }
    }
    for r in env.roles.values() {
        let rn = node(g, c, NodeKind::Role, &r.arn, &format!("role {}", r.name));
        for p in &r.attached {
            let pn = node(g, c, NodeKind::Policy, p, short(p));
            g.add_edge(rn, pn, edge(EdgeKind::HasPolicy, None, None, None));
        }
    }
    if let Some(org) = &env.organization {
        fn walk(g: &mut PermissionGraph, n: &iamx_aws::env::OrgNode, parent: Option<NodeId>) {
            let label = n
                .name
                .clone()
                .map_or_else(|| n.id.clone(), |nm| format!("{} ({nm})", n.id));
            let id = node(g, Cloud::Aws, NodeKind::Scope, &n.id, &label);
            if let Some(p) = parent {
                g.add_edge(p, id, edge(EdgeKind::Contains, None, None, None));
            }
            for ch in n.children.iter().chain(n.accounts.iter()) {
                walk(g, ch, Some(id));
            }
        }
        walk(g, &org.root, None);
    }
    for (from, role, cond) in assume {
        let kind = if env.users.contains_key(&from) {
            NodeKind::User
        } else {
            NodeKind::Role
        };
        let fnode = node(g, c, kind, &from, &label_of(&from));
        let rnode = node(
            g,
            c,
            NodeKind::Role,
            &role,
            &format!("role {}", short(&role)),
        );
        g.add_edge(
            fnode,
            rnode,
            edge(
                EdgeKind::CanAssume,
                Some("sts:AssumeRole".into()),
                crate::technique::find("sts-001").map(|t| format!("{}: {}", t.id, t.name)),
                cond,
            ),
        );
    }
    let aws_node = |g: &mut PermissionGraph, id: &str| -> NodeId {
        let kind = if env.users.contains_key(id) {
            NodeKind::User
        } else if env.groups.contains_key(id) {
            NodeKind::Group
        } else if env.managed.contains_key(id) {
            NodeKind::Policy
        } else {
            NodeKind::Role
        };
        let label = if kind == NodeKind::Policy {
            short(id).to_owned()
        } else {
            label_of(id)
        };
        node(g, Cloud::Aws, kind, id, &label)
    };
    let scope_of = |id: &str| -> String {
        let account = iamx_aws::arn::parse_arn(id)
            .map(|a| a.account.to_owned())
            .unwrap_or_default();
        format!("account {account}")
    };
    let lay = crate::escalation::Layout {
        cloud: Cloud::Aws,
        node: &aws_node,
        scope_of: &scope_of,
        label_of: &label_of,
    };
    crate::escalation::lay_out_steps(g, &lay, facts);
    crate::escalation::lay_out_rewrites(g, &lay, facts);
}

fn label_of(arn: &str) -> String {
    match iamx_aws::arn::parse_arn(arn) {
        Ok(a) => {
            let (t, id) = a.resource_type_and_id();
            format!("{t} {}", id.rsplit('/').next().unwrap_or(id))
        }
        Err(_) => arn.to_owned(),
    }
}

fn gcp_kind(member: &str) -> NodeKind {
    match member.split(':').next().unwrap_or_default() {
        "user" => NodeKind::User,
        "group" => NodeKind::Group,
        "serviceAccount" => NodeKind::ServiceAccount,
        "domain" => NodeKind::Domain,
        _ if member == "allUsers" || member == "allAuthenticatedUsers" => NodeKind::Public,
        _ => NodeKind::User,
    }
}

fn build_gcp(inp: &Inputs<'_>, g: &mut PermissionGraph, facts: &crate::escalation::Facts) {
    let env = inp.gcp;
    let c = Cloud::Gcp;
    for (child, parent) in &env.parents {
        let cn = node(g, c, NodeKind::Scope, child, child);
        let pn = node(g, c, NodeKind::Scope, parent, parent);
        g.add_edge(pn, cn, edge(EdgeKind::Contains, None, None, None));
    }
    for (gname, def) in &env.groups {
        let gn = node(g, c, NodeKind::Group, gname, gname);
        for m in &def.members {
            let mn = node(g, c, gcp_kind(m), m, m);
            g.add_edge(mn, gn, edge(EdgeKind::MemberOf, None, None, None));
        }
    }
    for (res, pols) in &env.allow {
        let kind = if iamx_gcp::names::is_container(res) {
            NodeKind::Scope
        } else {
            NodeKind::Resource
        };
        let rn = node(g, c, kind, res, res);
        for p in pols {
            for b in &p.bindings {
                let bid = format!("binding:{res}:{}:{}", b.role, b.origin.statement);
                let bn = node(
                    g,
                    c,
                    NodeKind::Binding,
                    &bid,
                    &format!("{} on {res}", b.role),
                );
                let cond = b
                    .condition_title
                    .clone()
                    .or_else(|| (!b.condition.is_true()).then(|| b.condition.to_string()));
                g.add_edge(
                    bn,
                    rn,
                    edge(EdgeKind::Grants, None, Some(b.role.clone()), cond),
                );
                for m in &b.members {
                    if m.starts_with("deleted:") {
                        continue;
                    }
                    let mn = node(g, c, gcp_kind(m), m, m);
                    g.add_edge(mn, bn, edge(EdgeKind::HasPolicy, None, None, None));
                }
            }
        }
    }
    // cross-cloud: a workload identity pool that lets an AWS role act as a
    // service account (`…/attribute.aws_role/arn:aws:sts::A:assumed-role/R`)
    for (res, pols) in &env.allow {
        let Some(sa) = service_account_member(env, res) else {
            continue;
        };
        for b in pols.iter().flat_map(|p| p.bindings.iter()) {
            for m in &b.members {
                let Some(role_arn) = aws_role_of_federated_member(m) else {
                    continue;
                };
                let full = iamx_gcp::names::full(res);
                // the caller is "some workload of that AWS role": its identities
                // are the federated principal set itself
                let Ok((req, mut prog)) = iamx_gcp::build_request(
                    env,
                    "user:iamx-federated-workload@invalid",
                    "iam.serviceAccounts.getAccessToken",
                    &full,
                    iamx_model::Context::new(),
                ) else {
                    continue;
                };
                prog.identities = [
                    m.clone(),
                    "allUsers".to_owned(),
                    "allAuthenticatedUsers".to_owned(),
                ]
                .into_iter()
                .collect();
                prog.v2_identities = [m.clone(), "principalSet://goog/public:all".to_owned()]
                    .into_iter()
                    .collect();
                let d = iamx_model::gcp::evaluate_gcp(&prog, &req);
                let Some((conditional, why)) = crate::grade(&d) else {
                    continue;
                };
                let from = node(
                    g,
                    Cloud::Aws,
                    NodeKind::Role,
                    &role_arn,
                    &label_of(&role_arn),
                );
                let to = node(g, c, NodeKind::ServiceAccount, &sa, &sa);
                g.add_edge(
                    from,
                    to,
                    edge(
                        EdgeKind::CanImpersonate,
                        Some("iam.serviceAccounts.getAccessToken".into()),
                        Some(format!("workload identity federation ({m})")),
                        if conditional { why } else { None },
                    ),
                );
            }
        }
    }
    let node_of = |g: &mut PermissionGraph, m: &str| node(g, c, gcp_kind(m), m, m);
    let same = |s: &str| s.to_owned();
    let lay = crate::escalation::Layout {
        cloud: c,
        node: &node_of,
        scope_of: &same,
        label_of: &same,
    };
    crate::escalation::lay_out_steps(g, &lay, facts);
}

/// The `serviceAccount:EMAIL` member of a service-account resource (by email
/// or, through the inputs' aliases, by unique id).
fn service_account_member(env: &iamx_gcp::GcpEnvironment, res: &str) -> Option<String> {
    let email_of = |r: &str| {
        r.rsplit('/')
            .next()
            .filter(|e| e.contains('@'))
            .map(str::to_owned)
    };
    if !res.contains("iam.googleapis.com/projects/") || !res.contains("/serviceAccounts/") {
        return None;
    }
    email_of(res)
        .or_else(|| env.alias(res).and_then(email_of))
        .map(|e| format!("serviceAccount:{e}"))
}

/// The AWS role a workload-identity-federation member stands for:
/// `principalSet://iam.googleapis.com/…/attribute.aws_role/arn:aws:sts::A:assumed-role/R`.
pub fn aws_role_of_federated_member(member: &str) -> Option<String> {
    // Google maps `attribute.aws_role` to the caller's ARN without its session
    // name: `arn:aws:sts::A:assumed-role/R`
    let (_, arn) = member.split_once("/attribute.aws_role/")?;
    let a = iamx_aws::arn::parse_arn(arn).ok()?;
    let role = a
        .resource
        .strip_prefix("assumed-role/")?
        .split('/')
        .next()?;
    (!role.is_empty()).then(|| format!("arn:{}:iam::{}:role/{role}", a.partition, a.account))
}

fn build_azure(inp: &Inputs<'_>, g: &mut PermissionGraph, facts: &crate::escalation::Facts) {
    let env = inp.azure;
    let c = Cloud::Azure;
    // managed identities first: the first node added under an id keeps its kind
    for r in &env.resources {
        for i in &r.identities {
            let Some(p) = env.identity_principal(i) else {
                continue;
            };
            let label = match (&i.kind, &i.identity_id) {
                (iamx_azure::IdentityKind::UserAssigned, Some(ua)) => {
                    format!("managed identity {}", short(ua))
                }
                _ => format!("managed identity of {}", r.name),
            };
            node(g, c, NodeKind::ManagedIdentity, &p, &label);
        }
    }
    for u in env.user_assigned.values() {
        node(
            g,
            c,
            NodeKind::ManagedIdentity,
            &u.principal_id,
            &format!("managed identity {}", u.name),
        );
    }
    for gr in env.groups.values() {
        let label = gr.display_name.clone().unwrap_or_else(|| gr.id.clone());
        let gn = node(g, c, NodeKind::Group, &gr.id, &format!("group {label}"));
        for m in &gr.members {
            let kind = if env.groups.contains_key(m) {
                NodeKind::Group
            } else {
                NodeKind::User
            };
            let mn = node(g, c, kind, m, m);
            g.add_edge(mn, gn, edge(EdgeKind::MemberOf, None, None, None));
        }
    }
    for a in &env.assignments {
        let kind = match a.principal_type.as_deref() {
            Some("Group") => NodeKind::Group,
            Some("ServicePrincipal") => NodeKind::ServicePrincipal,
            _ => NodeKind::User,
        };
        let plabel = a
            .principal_name
            .clone()
            .unwrap_or_else(|| a.principal_id.clone());
        let pn = node(g, c, kind, &a.principal_id, &plabel);
        let role = a
            .role_definition_name
            .clone()
            .unwrap_or_else(|| a.role_guid.clone());
        let aid = format!("assignment:{}:{}:{}", a.scope, a.principal_id, a.role_guid);
        let an = node(
            g,
            c,
            NodeKind::Assignment,
            &aid,
            &format!("{role} at {}", a.scope),
        );
        let sn = node(g, c, NodeKind::Scope, &a.scope, &a.scope);
        g.add_edge(pn, an, edge(EdgeKind::HasPolicy, None, None, None));
        let cond = a.condition_text.clone();
        g.add_edge(an, sn, edge(EdgeKind::Grants, None, Some(role), cond));
    }
    // principals named only by directory role assignments get their node
    // here (so `paths --from` finds them); every other node exists by now
    // and keeps its kind and label
    let idx = crate::azure::Index::new(env);
    for d in &env.directory_roles {
        let kind = if env.groups.contains_key(&d.principal_id) {
            NodeKind::Group
        } else {
            NodeKind::User
        };
        node(g, c, kind, &d.principal_id, &idx.label(&d.principal_id));
    }
    let node_of = |g: &mut PermissionGraph, id: &str| {
        let kind = if env.groups.contains_key(id) {
            NodeKind::Group
        } else {
            NodeKind::User
        };
        node(g, c, kind, id, &idx.label(id))
    };
    let same = |s: &str| s.to_owned();
    let lay = crate::escalation::Layout {
        cloud: c,
        node: &node_of,
        scope_of: &same,
        label_of: &same,
    };
    crate::escalation::lay_out_steps(g, &lay, facts);
    build_azure_federation(inp, g);
}

/// Who issues the tokens a federated credential trusts.
#[derive(Debug, PartialEq, Eq)]
enum Issuer<'a> {
    /// AWS IAM outbound identity federation (`sts:GetWebIdentityToken`):
    /// `https://<id>.tokens.sts.global.api.aws`, subject the caller's ARN.
    AwsOutbound,
    /// An EKS cluster's OIDC issuer (`oidc.eks.<region>.amazonaws.com/id/<id>`,
    /// without scheme): subjects are Kubernetes service accounts.
    Eks(&'a str),
    /// Amazon Cognito identity pools: audience the pool, subject the identity.
    Cognito,
    /// GitHub Actions.
    GitHub,
    /// Anything else.
    Other,
}

fn issuer_kind(issuer: &str) -> Issuer<'_> {
    let bare = issuer.trim().trim_end_matches('/');
    let bare = bare.strip_prefix("https://").unwrap_or(bare);
    let host = bare.split('/').next().unwrap_or(bare).to_ascii_lowercase();
    if host.ends_with(".tokens.sts.global.api.aws") {
        Issuer::AwsOutbound
    } else if host.starts_with("oidc.eks.")
        && host.ends_with(".amazonaws.com")
        && bare.contains("/id/")
    {
        Issuer::Eks(bare)
    } else if host == "cognito-identity.amazonaws.com" {
        Issuer::Cognito
    } else if host == "token.actions.githubusercontent.com" {
        Issuer::GitHub
    } else {
        Issuer::Other
    }
}

/// Cross-cloud: federated identity credentials whose issuer is AWS (an IAM
/// principal through outbound identity federation, an EKS service account,
/// a Cognito identity) or another outside identity provider. Each becomes a
/// can-impersonate edge from the outside identity to the app's service
/// principal or the managed identity; where the AWS inputs show who holds
/// the outside identity (the role or user itself, a role that trusts the
/// same EKS service account, principals that may mint the Cognito token),
/// the AWS evaluator decides that step.
fn build_azure_federation(inp: &Inputs<'_>, g: &mut PermissionGraph) {
    use iamx_model::{Context, Value};
    let env = inp.azure;
    let aws = inp.aws;
    if env.federated_credentials.is_empty() {
        return;
    }
    let managed = env.managed_identities();
    for fc in &env.federated_credentials {
        let Some(target) = env.credential_principal(fc) else {
            continue;
        };
        let kind = if fc.identity_id.is_some() || managed.contains(&target) {
            NodeKind::ManagedIdentity
        } else {
            NodeKind::ServicePrincipal
        };
        let tlabel = fc.display_name.clone().unwrap_or_else(|| target.clone());
        let to = node(g, Cloud::Azure, kind, &target, &tlabel);
        let subject = fc
            .subject
            .clone()
            .or_else(|| fc.claims_expression.clone())
            .unwrap_or_default();
        let detail = format!(
            "workload identity federation (federated credential `{}`: issuer {}, subject {subject})",
            fc.name.as_deref().unwrap_or("?"),
            fc.issuer
        );
        // what enables the step: the credential itself (and, for AWS
        // outbound federation, the permission to request the token)
        let credential = format!("federated credential {}", fc.name.as_deref().unwrap_or("?"));
        let impersonate = |permission: Option<&str>, condition: Option<String>| {
            edge(
                EdgeKind::CanImpersonate,
                Some(permission.map_or_else(|| credential.clone(), str::to_owned)),
                Some(detail.clone()),
                condition,
            )
        };
        match issuer_kind(&fc.issuer) {
            Issuer::AwsOutbound => {
                // the token's subject is the calling IAM role's or user's ARN
                let Ok(mut p) = iamx_aws::parse_principal(&subject) else {
                    continue;
                };
                let kind = match p.kind {
                    iamx_model::PrincipalKind::User => NodeKind::User,
                    iamx_model::PrincipalKind::Role => NodeKind::Role,
                    _ => continue,
                };
                let action = "sts:GetWebIdentityToken";
                let condition = if aws.resolve_principal(&mut p) {
                    // an action on the caller's own account
                    let (mut req, _) = aws.request_for(p.clone(), action, "*", Context::open());
                    req.resource_account.clone_from(&p.account);
                    let d = iamx_model::evaluate(&aws.program_for(&req), &req);
                    match crate::grade(&d) {
                        None => continue,
                        Some((conditional, why)) => {
                            if conditional {
                                why
                            } else {
                                None
                            }
                        }
                    }
                } else {
                    Some(format!(
                        "`{subject}` is not in the loaded AWS inputs: whether it may call `{action}` is unknown"
                    ))
                };
                let from = node(g, Cloud::Aws, kind, &p.id, &label_of(&p.id));
                g.add_edge(from, to, impersonate(Some(action), condition));
            }
            Issuer::Eks(provider) => {
                let sa = subject
                    .strip_prefix("system:serviceaccount:")
                    .map(|s| s.replacen(':', "/", 1));
                let cluster = provider.rsplit('/').next().unwrap_or(provider);
                let label = match &sa {
                    Some(s) => format!("EKS service account {s} (cluster {cluster})"),
                    None => format!("EKS subject {subject} (cluster {cluster})"),
                };
                let from = node(
                    g,
                    Cloud::Aws,
                    NodeKind::ServiceAccount,
                    &format!("eks:{provider}:{subject}"),
                    &label,
                );
                g.add_edge(from, to, impersonate(None, None));
                // IAM roles for service accounts: the same token assumes the
                // roles whose trust names the cluster's OIDC provider
                let suffix = format!(":oidc-provider/{}", provider.to_ascii_lowercase());
                for r in aws.roles.values() {
                    let Some(trust) = &r.trust else { continue };
                    let providers: std::collections::BTreeSet<&str> = trust
                        .statements
                        .iter()
                        .filter(|st| st.effect == iamx_model::Effect::Allow)
                        .filter_map(|st| st.principal.as_ref())
                        .flat_map(|spec| spec.entries.iter())
                        .filter_map(|e| match e {
                            iamx_model::PrincipalEntry::Federated(f)
                                if f.to_ascii_lowercase().ends_with(&suffix) =>
                            {
                                Some(f.as_str())
                            }
                            _ => None,
                        })
                        .collect();
                    for f in providers {
                        let Ok(mut p) = iamx_aws::parse_principal(f) else {
                            continue;
                        };
                        aws.resolve_principal(&mut p);
                        let mut ctx = Context::open();
                        ctx.insert(&format!("{provider}:sub"), Value::str(subject.clone()));
                        ctx.insert(&format!("{provider}:aud"), Value::str("sts.amazonaws.com"));
                        let action = "sts:AssumeRoleWithWebIdentity";
                        let (req, _) = aws.request_for(p, action, &r.arn, ctx);
                        let d = iamx_model::evaluate(&aws.program_for(&req), &req);
                        let Some((conditional, why)) = crate::grade(&d) else {
                            continue;
                        };
                        let rn = node(g, Cloud::Aws, NodeKind::Role, &r.arn, &label_of(&r.arn));
                        g.add_edge(
                            from,
                            rn,
                            edge(
                                EdgeKind::CanAssume,
                                Some(action.into()),
                                Some(format!("IAM roles for service accounts ({f})")),
                                if conditional { why } else { None },
                            ),
                        );
                    }
                }
            }
            Issuer::Cognito => {
                // the audience is the identity pool, the subject one identity
                let Some(pool) = fc.audiences.first() else {
                    continue;
                };
                let from = node(
                    g,
                    Cloud::Aws,
                    NodeKind::ServiceAccount,
                    &format!("cognito-identity:{pool}:{subject}"),
                    &format!("Cognito identity {subject} (pool {pool})"),
                );
                g.add_edge(from, to, impersonate(None, None));
                // who may mint a developer-authenticated token for it; the
                // pool's account is not in the credential, so each principal
                // is asked about a pool of that id in its own account
                let region = pool.split(':').next().unwrap_or_default();
                let action = "cognito-identity:GetOpenIdTokenForDeveloperIdentity";
                let minters: Vec<(String, Option<String>, String)> = {
                    use rayon::prelude::*;
                    crate::aws::principals(aws)
                        .into_par_iter()
                        .filter_map(|p| {
                            let account = p.account.clone()?;
                            let arn = format!(
                                "arn:aws:cognito-identity:{region}:{account}:identitypool/{pool}"
                            );
                            let (_, d) = crate::aws::decide_open(aws, &p, action, &arn);
                            let (conditional, why) = crate::grade(&d)?;
                            Some((p.id, if conditional { why } else { None }, account))
                        })
                        .collect()
                };
                for (p, condition, account) in minters {
                    let kind = if aws.users.contains_key(&p) {
                        NodeKind::User
                    } else {
                        NodeKind::Role
                    };
                    let pn = node(g, Cloud::Aws, kind, &p, &label_of(&p));
                    g.add_edge(
                        pn,
                        from,
                        edge(
                            EdgeKind::CanImpersonate,
                            Some(action.into()),
                            Some(format!(
                                "mint a developer-authenticated token for the identity (if pool {pool} is in account {account})"
                            )),
                            condition,
                        ),
                    );
                }
            }
            Issuer::GitHub | Issuer::Other => {
                let label = if issuer_kind(&fc.issuer) == Issuer::GitHub {
                    format!("GitHub Actions {subject}")
                } else {
                    format!("{} {subject}", fc.issuer)
                };
                let from = node(
                    g,
                    Cloud::Azure,
                    NodeKind::ServiceAccount,
                    &format!("federated:{}#{subject}", fc.issuer),
                    &label,
                );
                g.add_edge(from, to, impersonate(None, None));
            }
        }
    }
}

/// One step of an escalation path, for reports.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// From node id.
    pub from: String,
    /// To node id.
    pub to: String,
    /// Edge kind.
    pub kind: String,
    /// The enabling permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// Technique or detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Condition, when conditional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// A path for reports.
#[derive(Clone, Debug, Serialize)]
pub struct Path {
    /// The steps.
    pub steps: Vec<Step>,
}

/// Edge kinds an escalation path follows.
pub const ESCALATION_EDGES: [EdgeKind; 6] = [
    EdgeKind::MemberOf,
    EdgeKind::CanAssume,
    EdgeKind::CanImpersonate,
    EdgeKind::Escalates,
    EdgeKind::Includes,
    EdgeKind::AdminOf,
];

/// Converts a graph path for reports.
pub fn to_path(g: &PermissionGraph, p: &GraphPath) -> Path {
    let steps = p
        .nodes
        .windows(2)
        .zip(p.edges.iter())
        .filter_map(|(w, e)| {
            let (a, b) = (w.first()?, w.get(1)?);
            Some(Step {
                from: g.node(*a)?.id.clone(),
                to: g.node(*b)?.id.clone(),
                kind: format!("{:?}", e.kind),
                permission: e.permission.clone(),
                detail: e.detail.clone(),
                condition: e.condition.clone(),
            })
        })
        .collect();
    Path { steps }
}

/// Finds a node by a user-given name: its full id (`aws:arn…`), its id without
/// the cloud prefix, or its label.
pub fn find_node(g: &PermissionGraph, name: &str) -> Option<NodeId> {
    for cloud in ["aws", "gcp", "azure"] {
        if let Some(n) = g.node_id(&format!("{cloud}:{name}")) {
            return Some(n);
        }
    }
    g.node_id(name)
        .or_else(|| {
            let lc = name.to_ascii_lowercase();
            g.nodes()
                .find(|(_, n)| n.label.to_ascii_lowercase() == lc)
                .map(|(i, _)| i)
        })
        .or_else(|| {
            // GCP's v2 form of a user or service account
            let email = name
                .strip_prefix("principal://goog/subject/")?
                .to_ascii_lowercase();
            ["user:", "serviceAccount:"]
                .iter()
                .find_map(|k| g.node_id(&format!("gcp:{k}{email}")))
        })
        .or_else(|| {
            // a principal's bare name (`alice` for `user/alice`), or the
            // name an Azure export gives an object id (`id (alice@…)`),
            // when only one principal has it
            let lc = name.to_ascii_lowercase();
            let mut hits = g.nodes().filter(|(_, n)| {
                n.kind.is_principal()
                    && (n.id.rsplit(['/', ':']).next() == Some(name)
                        || n.label
                            .rsplit_once(" (")
                            .and_then(|(_, r)| r.strip_suffix(')'))
                            .is_some_and(|x| x.to_ascii_lowercase() == lc))
            });
            let first = hits.next().map(|(i, _)| i);
            if hits.next().is_some() { None } else { first }
        })
}

/// Escalation and lateral-movement paths from `from`, shortest first: to any
/// admin node when `to` is `None` or `admin`, else to the named node.
pub fn paths(
    g: &PermissionGraph,
    from: &str,
    to: Option<&str>,
    max_len: usize,
    max_paths: usize,
) -> Result<Vec<Path>, String> {
    let start =
        find_node(g, from).ok_or_else(|| format!("no principal `{from}` in the loaded inputs"))?;
    let target = match to {
        None | Some("admin") => None,
        Some(t) => {
            Some(find_node(g, t).ok_or_else(|| format!("no node `{t}` in the loaded inputs"))?)
        }
    };
    let target_id = target.and_then(|t| g.node(t)).map(|n| n.id.clone());
    let is_target = move |n: &Node| match &target_id {
        None => n.kind == NodeKind::Admin,
        Some(id) => n.id == *id,
    };
    Ok(
        g.paths(start, &is_target, &ESCALATION_EDGES, max_len, max_paths)
            .iter()
            .map(|p| to_path(g, p))
            .collect(),
    )
}
