//! An AWS environment: principals, policies, resource policies and the
//! organisation, read from `get-account-authorization-details` dumps and
//! iamx's organisation and resource-policy files, and the program that
//! decides a request in it.

use crate::arn::{is_account_id, parse_arn};
use crate::policy::{PolicyOptions, PolicyType, read_policy_value};
use crate::request::{account_of_arn, infer_resource_policy_kind};
use iamx_model::derived::Derived;
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use iamx_model::{
    ActionSpec, AwsProgram, Case, Condition, Effect, JsonPath, OrgLevel, Origin, Pattern, Policy,
    Principal, PrincipalKind, Reason, Request, ResourcePolicyKind, ResourceSpec, Statement,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// An IAM user.
#[derive(Clone, Debug)]
pub struct User {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Unique id (`AIDA…`).
    pub id: Option<String>,
    /// Account.
    pub account: String,
    /// Group names.
    pub groups: Vec<String>,
    /// Inline policies.
    pub inline: Vec<Arc<Policy>>,
    /// Attached managed policy ARNs.
    pub attached: Vec<String>,
    /// Permissions boundary ARN.
    pub boundary: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// `CreateDate`, in epoch seconds.
    pub created: Option<i64>,
}

/// An IAM group.
#[derive(Clone, Debug)]
pub struct Group {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Account.
    pub account: String,
    /// Inline policies.
    pub inline: Vec<Arc<Policy>>,
    /// Attached managed policy ARNs.
    pub attached: Vec<String>,
}

/// An IAM role.
#[derive(Clone, Debug)]
pub struct Role {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Unique id (`AROA…`).
    pub id: Option<String>,
    /// Account.
    pub account: String,
    /// Trust policy.
    pub trust: Option<Arc<Policy>>,
    /// Inline policies.
    pub inline: Vec<Arc<Policy>>,
    /// Attached managed policy ARNs.
    pub attached: Vec<String>,
    /// Permissions boundary ARN.
    pub boundary: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// `CreateDate`, in epoch seconds.
    pub created: Option<i64>,
    /// `RoleLastUsed.LastUsedDate`, in epoch seconds (`None`: never used, or
    /// the export does not say).
    pub last_used: Option<i64>,
}

/// A managed policy (its default version).
#[derive(Clone, Debug)]
pub struct ManagedPolicy {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// The default version's document.
    pub policy: Arc<Policy>,
    /// The other stored versions' documents (`PolicyVersionList` entries
    /// that are not the default), which `iam:SetDefaultPolicyVersion` can
    /// make the default.
    pub other_versions: Vec<Arc<Policy>>,
}

/// A resource-based policy attached to a resource.
#[derive(Clone, Debug)]
pub struct ResourcePolicy {
    /// The resource ARN.
    pub resource: String,
    /// The owning account, when known.
    pub account: Option<String>,
    /// The policy.
    pub policy: Arc<Policy>,
}

/// A node of the organisation tree.
#[derive(Clone, Debug, Default)]
pub struct OrgNode {
    /// Id (`r-…`, `ou-…`, account id).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// SCPs attached here.
    pub scps: Vec<Arc<Policy>>,
    /// RCPs attached here.
    pub rcps: Vec<Arc<Policy>>,
    /// Child OUs.
    pub children: Vec<OrgNode>,
    /// Accounts directly under this node.
    pub accounts: Vec<OrgNode>,
}

/// An AWS organisation.
#[derive(Clone, Debug, Default)]
pub struct Organization {
    /// The organisation id (`o-…`): fills `aws:PrincipalOrgID` and `aws:ResourceOrgID`.
    pub id: Option<String>,
    /// The management account (not subject to SCPs).
    pub management_account: Option<String>,
    /// The root.
    pub root: OrgNode,
}

impl Organization {
    /// The path root → … → account, if the account is in the organisation.
    pub fn path_to(&self, account: &str) -> Option<Vec<&OrgNode>> {
        fn walk<'a>(n: &'a OrgNode, account: &str, acc: &mut Vec<&'a OrgNode>) -> bool {
            acc.push(n);
            if let Some(a) = n.accounts.iter().find(|a| a.id == account) {
                acc.push(a);
                return true;
            }
            for c in &n.children {
                if walk(c, account, acc) {
                    return true;
                }
            }
            acc.pop();
            false
        }
        let mut acc = Vec::new();
        walk(&self.root, account, &mut acc).then_some(acc)
    }

    /// Every account id in the organisation.
    pub fn accounts(&self) -> Vec<&str> {
        fn walk<'a>(n: &'a OrgNode, out: &mut Vec<&'a str>) {
            out.extend(n.accounts.iter().map(|a| a.id.as_str()));
            for c in &n.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

/// Everything loaded about AWS.
/// A caller as every request it makes sees it: built once by
/// [`AwsEnvironment::caller`], then asked many questions through
/// [`AwsEnvironment::request_with`] and [`AwsEnvironment::program_with`].
#[derive(Clone, Debug)]
pub struct Caller {
    /// The caller.
    pub principal: Principal,
    /// The context its requests carry before the resource adds its keys.
    pub context: iamx_model::Context,
    policies: CallerPolicies,
}

/// The caller's side of a program: what it holds whatever it asks.
#[derive(Clone, Debug)]
struct CallerPolicies {
    identity: Vec<Arc<Policy>>,
    boundaries: Vec<Arc<Policy>>,
    scps: Option<Vec<OrgLevel>>,
    management_account: bool,
}

#[derive(Clone, Debug, Default)]
pub struct AwsEnvironment {
    /// Users by ARN.
    pub users: BTreeMap<String, User>,
    /// Groups by ARN.
    pub groups: BTreeMap<String, Group>,
    /// Roles by ARN.
    pub roles: BTreeMap<String, Role>,
    /// Managed policies by ARN.
    pub managed: BTreeMap<String, ManagedPolicy>,
    /// Resource-based policies.
    pub resource_policies: Vec<ResourcePolicy>,
    /// The organisation, when loaded.
    pub organization: Option<Organization>,
    /// What request building reads, derived from the fields above.
    index: Derived<Index>,
}

/// Lookups every request makes, instead of scans over every role, group
/// and resource policy.
#[derive(Default)]
struct Index {
    /// Resource ARN → the resource policies attached to it, in input order.
    policies_at: HashMap<String, Vec<usize>>,
    /// (account, role name) → the role's ARN.
    role_by_name: HashMap<(String, String), String>,
    /// (account, group name) → the group's ARN.
    group_by_name: HashMap<(String, String), String>,
}

/// A date field (`CreateDate`, `LastUsedDate`) in epoch seconds; a value that
/// is not an ISO 8601 date is a warning.
fn date_field(obj: &Json, key: &str, path: &JsonPath, sink: &mut Sink<'_>) -> Option<i64> {
    let v = obj.get(key)?;
    match v.as_str().and_then(iamx_model::value::parse_date) {
        Some(ms) => Some(ms.div_euclid(1000)),
        None => {
            sink.warn(
                v.span,
                &path.key(key),
                format!("`{key}` is not a date, ignored"),
            );
            None
        }
    }
}

fn str_field<'j>(
    obj: &'j Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    required: bool,
) -> Option<&'j str> {
    match obj.get(key) {
        Some(v) => match v.as_str() {
            Some(s) => Some(s),
            None => {
                sink.error(
                    v.span,
                    &path.key(key),
                    format!("`{key}` must be a string, found {}", v.kind_name()),
                );
                None
            }
        },
        None => {
            if required {
                sink.error(obj.span, path, format!("missing `{key}`"));
            }
            None
        }
    }
}

fn array_field<'j>(obj: &'j Json, key: &str, path: &JsonPath, sink: &mut Sink<'_>) -> &'j [Json] {
    match obj.get(key) {
        Some(v) => match v.as_array() {
            Some(a) => a,
            None => {
                sink.error(
                    v.span,
                    &path.key(key),
                    format!("`{key}` must be an array, found {}", v.kind_name()),
                );
                &[]
            }
        },
        None => &[],
    }
}

fn account_of(arn: &str) -> String {
    parse_arn(arn)
        .map(|a| a.account.to_owned())
        .unwrap_or_default()
}

/// A policy standing in for one the inputs reference but do not contain:
/// every decision it takes part in is `Unknown`.
pub fn missing_policy(arn: &str, why: &str) -> Arc<Policy> {
    let origin = Arc::new(Origin {
        file: None,
        policy: Arc::from(arn),
        statement: 0,
        sid: None,
        line: 0,
        column: 0,
    });
    let any = |effect| Statement {
        effect,
        principal: None,
        action: ActionSpec {
            negated: false,
            patterns: vec![Pattern::glob("*", Case::Insensitive)],
        },
        resource: Some(ResourceSpec {
            negated: false,
            patterns: vec![Pattern::glob("*", Case::Sensitive)],
        }),
        condition: Condition::Unsupported(Reason::new(format!("policy `{arn}` {why}"))),
        origin: origin.clone(),
    };
    Arc::new(Policy::new(
        Arc::from(arn),
        vec![any(Effect::Allow), any(Effect::Deny)],
    ))
}

impl AwsEnvironment {
    fn inline_policies(
        &mut self,
        obj: &Json,
        key: &str,
        owner: &str,
        path: &JsonPath,
        opts: PolicyOptions<'_>,
        sink: &mut Sink<'_>,
    ) -> Vec<Arc<Policy>> {
        let mut out = Vec::new();
        for (i, p) in array_field(obj, key, path, sink).iter().enumerate() {
            let pp = path.key(key).index(i);
            let name = str_field(p, "PolicyName", &pp, sink, true).unwrap_or("inline");
            let Some(doc) = p.get("PolicyDocument") else {
                sink.error(p.span, &pp, "inline policy has no `PolicyDocument`");
                continue;
            };
            let full = format!("{owner} inline policy {name}");
            if let Some(pol) = read_policy_value(
                doc,
                &pp.key("PolicyDocument"),
                &full,
                PolicyOptions {
                    ptype: PolicyType::Identity,
                    ..opts
                },
                sink,
            ) {
                out.push(Arc::new(pol));
            }
        }
        out
    }

    fn attached(obj: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in array_field(obj, "AttachedManagedPolicies", path, sink)
            .iter()
            .enumerate()
        {
            let ap = path.key("AttachedManagedPolicies").index(i);
            if let Some(arn) = str_field(a, "PolicyArn", &ap, sink, true) {
                out.push(arn.to_owned());
            }
        }
        out
    }

    fn boundary(obj: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Option<String> {
        let b = obj.get("PermissionsBoundary")?;
        str_field(
            b,
            "PermissionsBoundaryArn",
            &path.key("PermissionsBoundary"),
            sink,
            true,
        )
        .map(str::to_owned)
    }

    fn tags(obj: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, t) in array_field(obj, "Tags", path, sink).iter().enumerate() {
            let tp = path.key("Tags").index(i);
            if let (Some(k), Some(v)) = (
                str_field(t, "Key", &tp, sink, true),
                str_field(t, "Value", &tp, sink, true),
            ) {
                out.push((k.to_owned(), v.to_owned()));
            }
        }
        out
    }

    /// Reads `aws iam get-account-authorization-details` output.
    pub fn read_authorization_details(
        &mut self,
        json: &Json,
        opts: PolicyOptions<'_>,
        sink: &mut Sink<'_>,
    ) {
        self.invalidate();
        let root = JsonPath::root();
        sink.unknown_keys(
            json,
            &root,
            &[
                "UserDetailList",
                "GroupDetailList",
                "RoleDetailList",
                "Policies",
                "IsTruncated",
                "Marker",
            ],
            "authorization details",
        );
        if let Some(JsonValue::Bool(true)) = json.get("IsTruncated").map(|v| &v.value) {
            sink.warn(json.span, &root.key("IsTruncated"), "the dump is truncated (`IsTruncated` is true): principals or policies may be missing");
        }
        for (i, p) in array_field(json, "Policies", &root, sink)
            .iter()
            .enumerate()
        {
            let pp = root.key("Policies").index(i);
            let Some(arn) = str_field(p, "Arn", &pp, sink, true) else {
                continue;
            };
            let name = str_field(p, "PolicyName", &pp, sink, false)
                .unwrap_or(arn)
                .to_owned();
            let default = str_field(p, "DefaultVersionId", &pp, sink, false).map(str::to_owned);
            let versions = array_field(p, "PolicyVersionList", &pp, sink);
            let chosen = versions.iter().enumerate().find(|(_, v)| {
                matches!(
                    v.get("IsDefaultVersion").map(|x| &x.value),
                    Some(JsonValue::Bool(true))
                ) || (default.is_some()
                    && v.get("VersionId").and_then(Json::as_str) == default.as_deref())
            });
            let Some((vi, version)) = chosen else {
                sink.error(
                    p.span,
                    &pp,
                    format!("managed policy `{arn}` has no default version in `PolicyVersionList`"),
                );
                continue;
            };
            let vp = pp.key("PolicyVersionList").index(vi);
            let Some(doc) = version.get("Document") else {
                sink.error(version.span, &vp, "policy version has no `Document`");
                continue;
            };
            let o = PolicyOptions {
                ptype: PolicyType::Identity,
                ..opts
            };
            if let Some(pol) = read_policy_value(doc, &vp.key("Document"), arn, o, sink) {
                let mut other_versions = Vec::new();
                for (oi, other) in versions.iter().enumerate() {
                    if oi == vi {
                        continue;
                    }
                    let op = pp.key("PolicyVersionList").index(oi);
                    let Some(doc) = other.get("Document") else {
                        sink.warn(
                            other.span,
                            &op,
                            "stored policy version has no `Document`: what making it the default grants is unknown",
                        );
                        continue;
                    };
                    if let Some(v) = read_policy_value(doc, &op.key("Document"), arn, o, sink) {
                        other_versions.push(Arc::new(v));
                    }
                }
                self.managed.insert(
                    arn.to_owned(),
                    ManagedPolicy {
                        arn: arn.to_owned(),
                        name,
                        policy: Arc::new(pol),
                        other_versions,
                    },
                );
            }
        }
        for (i, g) in array_field(json, "GroupDetailList", &root, sink)
            .iter()
            .enumerate()
        {
            let gp = root.key("GroupDetailList").index(i);
            let Some(arn) = str_field(g, "Arn", &gp, sink, true) else {
                continue;
            };
            let name = str_field(g, "GroupName", &gp, sink, true)
                .unwrap_or_default()
                .to_owned();
            let inline = self.inline_policies(g, "GroupPolicyList", arn, &gp, opts, sink);
            let attached = Self::attached(g, &gp, sink);
            self.groups.insert(
                arn.to_owned(),
                Group {
                    arn: arn.to_owned(),
                    name,
                    account: account_of(arn),
                    inline,
                    attached,
                },
            );
        }
        for (i, u) in array_field(json, "UserDetailList", &root, sink)
            .iter()
            .enumerate()
        {
            let up = root.key("UserDetailList").index(i);
            let Some(arn) = str_field(u, "Arn", &up, sink, true) else {
                continue;
            };
            let name = str_field(u, "UserName", &up, sink, true)
                .unwrap_or_default()
                .to_owned();
            let id = str_field(u, "UserId", &up, sink, false).map(str::to_owned);
            let groups = array_field(u, "GroupList", &up, sink)
                .iter()
                .enumerate()
                .filter_map(|(j, g)| match g.as_str() {
                    Some(s) => Some(s.to_owned()),
                    None => {
                        sink.error(
                            g.span,
                            &up.key("GroupList").index(j),
                            "a group name must be a string",
                        );
                        None
                    }
                })
                .collect();
            let inline = self.inline_policies(u, "UserPolicyList", arn, &up, opts, sink);
            let attached = Self::attached(u, &up, sink);
            let boundary = Self::boundary(u, &up, sink);
            let tags = Self::tags(u, &up, sink);
            let created = date_field(u, "CreateDate", &up, sink);
            self.users.insert(
                arn.to_owned(),
                User {
                    arn: arn.to_owned(),
                    name,
                    id,
                    account: account_of(arn),
                    groups,
                    inline,
                    attached,
                    boundary,
                    tags,
                    created,
                },
            );
        }
        for (i, r) in array_field(json, "RoleDetailList", &root, sink)
            .iter()
            .enumerate()
        {
            let rp = root.key("RoleDetailList").index(i);
            let Some(arn) = str_field(r, "Arn", &rp, sink, true) else {
                continue;
            };
            let name = str_field(r, "RoleName", &rp, sink, true)
                .unwrap_or_default()
                .to_owned();
            let id = str_field(r, "RoleId", &rp, sink, false).map(str::to_owned);
            let trust = r.get("AssumeRolePolicyDocument").and_then(|d| {
                read_policy_value(
                    d,
                    &rp.key("AssumeRolePolicyDocument"),
                    &format!("{arn} trust policy"),
                    PolicyOptions {
                        ptype: PolicyType::Trust,
                        ..opts
                    },
                    sink,
                )
            });
            let inline = self.inline_policies(r, "RolePolicyList", arn, &rp, opts, sink);
            let attached = Self::attached(r, &rp, sink);
            let boundary = Self::boundary(r, &rp, sink);
            let tags = Self::tags(r, &rp, sink);
            let created = date_field(r, "CreateDate", &rp, sink);
            let last_used = r
                .get("RoleLastUsed")
                .and_then(|l| date_field(l, "LastUsedDate", &rp.key("RoleLastUsed"), sink));
            self.roles.insert(
                arn.to_owned(),
                Role {
                    arn: arn.to_owned(),
                    name,
                    id,
                    account: account_of(arn),
                    trust: trust.map(Arc::new),
                    inline,
                    attached,
                    boundary,
                    tags,
                    created,
                    last_used,
                },
            );
        }
    }

    /// Reads an iamx resource-policy file (`{"iamxAwsResourcePolicies": [...]}`).
    pub fn read_resource_policies(
        &mut self,
        json: &Json,
        opts: PolicyOptions<'_>,
        sink: &mut Sink<'_>,
    ) {
        self.invalidate();
        let root = JsonPath::root();
        let key = "iamxAwsResourcePolicies";
        for (i, e) in array_field(json, key, &root, sink).iter().enumerate() {
            let ep = root.key(key).index(i);
            sink.unknown_keys(
                e,
                &ep,
                &["resource", "account", "policy", "type"],
                "resource policy entry",
            );
            let Some(resource) = str_field(e, "resource", &ep, sink, true) else {
                continue;
            };
            if let Err(err) = parse_arn(resource) {
                let span = e.get("resource").map_or(e.span, |v| v.span);
                sink.error(
                    span,
                    &ep.key("resource"),
                    format!("invalid resource: {err}"),
                );
                continue;
            }
            let account = str_field(e, "account", &ep, sink, false)
                .map(str::to_owned)
                .or_else(|| account_of_arn(resource));
            let Some(doc) = e.get("policy") else {
                sink.error(e.span, &ep, "resource policy entry has no `policy`");
                continue;
            };
            // a role's resource policy is its trust policy (no `Resource` element)
            let is_role = parse_arn(resource)
                .is_ok_and(|a| a.service == "iam" && a.resource.starts_with("role/"));
            let ptype = if is_role {
                PolicyType::Trust
            } else {
                PolicyType::Resource
            };
            if let Some(pol) = read_policy_value(
                doc,
                &ep.key("policy"),
                &format!("{resource} resource policy"),
                PolicyOptions { ptype, ..opts },
                sink,
            ) {
                self.resource_policies.push(ResourcePolicy {
                    resource: resource.to_owned(),
                    account,
                    policy: Arc::new(pol),
                });
            }
        }
    }

    /// Reads an iamx organisation file (`{"iamxAwsOrganization": {...}}`).
    pub fn read_organization(&mut self, json: &Json, opts: PolicyOptions<'_>, sink: &mut Sink<'_>) {
        self.invalidate();
        let root = JsonPath::root().key("iamxAwsOrganization");
        let Some(org) = json.get("iamxAwsOrganization") else {
            return;
        };
        sink.unknown_keys(
            org,
            &root,
            &["id", "managementAccount", "root", "policies"],
            "organisation",
        );
        let mut policies: BTreeMap<String, Arc<Policy>> = BTreeMap::new();
        if let Some(ps) = org.get("policies") {
            match ps.as_object() {
                Some(members) => {
                    for (k, v) in members {
                        // describe-policy output names the policy in its summary
                        let name = v
                            .get("Policy")
                            .and_then(|p| p.get("PolicySummary"))
                            .and_then(|s| s.get("Name"))
                            .and_then(Json::as_str)
                            .map_or_else(|| k.name.clone(), |n| format!("{} ({n})", k.name));
                        if let Some(p) = read_policy_value(
                            v,
                            &root.key("policies").key(&k.name),
                            &name,
                            PolicyOptions {
                                ptype: PolicyType::Auto,
                                ..opts
                            },
                            sink,
                        ) {
                            policies.insert(k.name.clone(), Arc::new(p));
                        }
                    }
                }
                None => sink.error(
                    ps.span,
                    &root.key("policies"),
                    "`policies` must map policy ids to policies",
                ),
            }
        }
        let management_account =
            str_field(org, "managementAccount", &root, sink, false).map(str::to_owned);
        let id = str_field(org, "id", &root, sink, false).map(str::to_owned);
        let Some(r) = org.get("root") else {
            sink.error(org.span, &root, "organisation has no `root`");
            return;
        };
        let node = read_org_node(r, &root.key("root"), &policies, sink);
        self.organization = Some(Organization {
            id,
            management_account,
            root: node,
        });
    }

    /// Drops the lookups requests are built from; the next request rebuilds
    /// them. Every method that adds inputs calls it; call it after editing a
    /// field directly.
    pub fn invalidate(&mut self) {
        self.index.reset();
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut ix = Index::default();
            for (i, rp) in self.resource_policies.iter().enumerate() {
                ix.policies_at
                    .entry(rp.resource.clone())
                    .or_default()
                    .push(i);
            }
            for r in self.roles.values() {
                ix.role_by_name
                    .entry((r.account.clone(), r.name.clone()))
                    .or_insert_with(|| r.arn.clone());
            }
            for g in self.groups.values() {
                ix.group_by_name
                    .entry((g.account.clone(), g.name.clone()))
                    .or_insert_with(|| g.arn.clone());
            }
            ix
        })
    }

    /// The resource policies that cover `resource`: attached to it, or to
    /// the bucket of an S3 object.
    fn policies_covering<'a>(&'a self, resource: &str) -> impl Iterator<Item = &'a ResourcePolicy> {
        let ix = self.index();
        let bucket = resource
            .strip_prefix("arn:aws:s3:::")
            .and_then(|rest| rest.split_once('/'))
            .map(|(b, _)| format!("arn:aws:s3:::{b}"));
        let mut hits: Vec<usize> = ix.policies_at.get(resource).cloned().unwrap_or_default();
        if let Some(b) = bucket.and_then(|b| ix.policies_at.get(&b)) {
            hits.extend(b);
        }
        hits.sort_unstable();
        hits.into_iter()
            .filter_map(|i| self.resource_policies.get(i))
            .filter(move |rp| covers(&rp.resource, resource))
    }

    /// The group named `name` in `account`.
    pub fn group_named(&self, account: &str, name: &str) -> Option<&Group> {
        let arn = self
            .index()
            .group_by_name
            .get(&(account.to_owned(), name.to_owned()))?;
        self.groups.get(arn)
    }

    /// Identity policies of a principal: user inline + attached + groups', or
    /// the role's. Referenced policies missing from the inputs stand in as
    /// `Unknown`.
    pub fn identity_policies(&self, p: &Principal) -> Vec<Arc<Policy>> {
        let mut out = Vec::new();
        let resolve = |arns: &[String], out: &mut Vec<Arc<Policy>>| {
            for a in arns {
                out.push(match self.managed.get(a) {
                    Some(m) => m.policy.clone(),
                    None => missing_policy(a, "is attached but not in the inputs"),
                });
            }
        };
        match p.kind {
            PrincipalKind::User => {
                if let Some(u) = self.users.get(&p.id) {
                    out.extend(u.inline.iter().cloned());
                    resolve(&u.attached, &mut out);
                    for gname in &u.groups {
                        if let Some(g) = self.group_named(&u.account, gname) {
                            out.extend(g.inline.iter().cloned());
                            resolve(&g.attached, &mut out);
                        } else {
                            out.push(missing_policy(
                                &format!("group {gname}"),
                                "has members but is not in the inputs",
                            ));
                        }
                    }
                }
            }
            PrincipalKind::Role | PrincipalKind::AssumedRole => {
                if let Some(r) = p.role_arn.as_deref().and_then(|a| self.role(a)) {
                    out.extend(r.inline.iter().cloned());
                    resolve(&r.attached, &mut out);
                }
            }
            _ => {}
        }
        out
    }

    /// A role by ARN; a session's role ARN lacks the role's path, so roles are
    /// also found by account and name.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        if let Some(r) = self.roles.get(arn) {
            return Some(r);
        }
        let parsed = parse_arn(arn).ok()?;
        if parsed.service != "iam" && parsed.service != "sts" {
            return None;
        }
        let name = parsed.resource.rsplit('/').next()?;
        let arn = self
            .index()
            .role_by_name
            .get(&(parsed.account.to_owned(), name.to_owned()))?;
        self.roles.get(arn)
    }

    /// Enriches a caller parsed from an ARN with what the environment knows
    /// (unique id, the role's full ARN with its path). Returns `false` when the
    /// environment does not know the principal.
    pub fn resolve_principal(&self, p: &mut Principal) -> bool {
        match p.kind {
            PrincipalKind::User => match self.users.get(&p.id) {
                Some(u) => {
                    p.unique_id.clone_from(&u.id);
                    true
                }
                None => false,
            },
            PrincipalKind::Role | PrincipalKind::AssumedRole => {
                let Some(r) = p.role_arn.as_deref().and_then(|a| self.role(a)) else {
                    return false;
                };
                p.role_arn = Some(r.arn.clone());
                if p.kind == PrincipalKind::Role {
                    p.id.clone_from(&r.arn);
                }
                p.unique_id = r.id.as_ref().map(|id| match (&p.kind, &p.name) {
                    (PrincipalKind::AssumedRole, Some(session)) => format!("{id}:{session}"),
                    _ => id.clone(),
                });
                true
            }
            _ => true,
        }
    }

    /// Principal tags as context keys (`aws:PrincipalTag/k`).
    pub fn principal_tags(&self, p: &Principal) -> Vec<(String, String)> {
        match p.kind {
            PrincipalKind::User => self
                .users
                .get(&p.id)
                .map(|u| u.tags.clone())
                .unwrap_or_default(),
            PrincipalKind::Role | PrincipalKind::AssumedRole => p
                .role_arn
                .as_deref()
                .and_then(|a| self.role(a))
                .map(|r| r.tags.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn boundary_of(&self, p: &Principal) -> Option<&str> {
        match p.kind {
            PrincipalKind::User => self.users.get(&p.id)?.boundary.as_deref(),
            PrincipalKind::Role | PrincipalKind::AssumedRole => p
                .role_arn
                .as_deref()
                .and_then(|a| self.role(a))?
                .boundary
                .as_deref(),
            _ => None,
        }
    }

    /// The account owning `resource`, from the resource policy entry, the ARN,
    /// or the principals the environment knows.
    pub fn resource_account(&self, resource: &str) -> Option<String> {
        if let Some(rp) = self.policies_covering(resource).next()
            && let Some(a) = &rp.account
        {
            return Some(a.clone());
        }
        account_of_arn(resource)
    }

    fn org_levels(&self, account: &str, scp: bool) -> Option<Vec<OrgLevel>> {
        let org = self.organization.as_ref()?;
        let path = org.path_to(account)?;
        Some(
            path.into_iter()
                .map(|n| OrgLevel {
                    name: n
                        .name
                        .clone()
                        .map_or_else(|| n.id.clone(), |nm| format!("{} ({nm})", n.id)),
                    policies: if scp { n.scps.clone() } else { n.rcps.clone() },
                })
                .collect(),
        )
    }

    /// Builds a request against this environment: the caller is enriched from
    /// it (unique id, role path, tags as `aws:PrincipalTag/…`, organisation
    /// id), and the resource account found from resource policies, the ARN or
    /// the roles it knows. Explicit `context` entries win. Returns notes on
    /// what the inputs did not say.
    pub fn build_request(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: iamx_model::Context,
    ) -> Result<(Request, Vec<String>), String> {
        let mut notes = Vec::new();
        let mut p: Principal = crate::principal::parse_principal(principal)?;
        if !self.resolve_principal(&mut p) {
            notes.push(format!("principal `{principal}` is not in the loaded inputs: only resource-based policies and the organisation can speak for it"));
        }
        let (req, more) = self.request_for(p, action, resource, context);
        notes.extend(more);
        Ok((req, notes))
    }

    /// Like [`AwsEnvironment::build_request`] for a caller already resolved.
    pub fn request_for(
        &self,
        p: Principal,
        action: &str,
        resource: &str,
        context: iamx_model::Context,
    ) -> (Request, Vec<String>) {
        let ctx = self.caller_context(&p, context);
        self.request_from(p, ctx, action, resource)
    }

    /// What a caller brings to every request it makes, whatever the action
    /// and resource: its context keys (its tags and organisation, unless
    /// `context` sets them) and its side of the program (identity policies,
    /// boundary, SCPs). Asking many questions of one caller builds this
    /// once ([`AwsEnvironment::request_with`], [`AwsEnvironment::program_with`]).
    pub fn caller(&self, p: Principal, context: iamx_model::Context) -> Caller {
        Caller {
            context: self.caller_context(&p, context),
            policies: self.caller_policies(&p),
            principal: p,
        }
    }

    /// The request `caller` makes for `action` on `resource`
    /// ([`AwsEnvironment::request_for`] of a caller built once).
    pub fn request_with(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> (Request, Vec<String>) {
        self.request_from(
            caller.principal.clone(),
            caller.context.clone(),
            action,
            resource,
        )
    }

    /// Builds the program deciding `req` in this environment.
    pub fn program_for(&self, req: &Request) -> AwsProgram {
        self.program_from(self.caller_policies(&req.principal), req)
    }

    /// The program deciding `req`, made by `caller`
    /// ([`AwsEnvironment::program_for`] of a caller built once).
    pub fn program_with(&self, caller: &Caller, req: &Request) -> AwsProgram {
        self.program_from(caller.policies.clone(), req)
    }

    /// The context keys the caller brings: its tags and its organisation,
    /// unless `context` sets them.
    fn caller_context(&self, p: &Principal, context: iamx_model::Context) -> iamx_model::Context {
        use iamx_model::{Scalar, Value};
        let mut ctx = context;
        for (k, v) in self.principal_tags(p) {
            let key = format!("aws:PrincipalTag/{k}");
            if ctx.get(&key).is_none() {
                ctx.insert(&key, Value::One(Scalar::Str(v)));
            }
        }
        if let Some(org) = &self.organization
            && let Some(id) = &org.id
            && self.in_organization(p.account.as_deref())
            && ctx.get("aws:PrincipalOrgID").is_none()
            && p.kind != PrincipalKind::Service
        {
            ctx.insert("aws:PrincipalOrgID", Value::str(id.clone()));
        }
        ctx
    }

    /// The caller's side of its programs.
    fn caller_policies(&self, p: &Principal) -> CallerPolicies {
        let boundaries = self
            .boundary_of(p)
            .map(|arn| {
                vec![match self.managed.get(arn) {
                    Some(m) => m.policy.clone(),
                    None => {
                        missing_policy(arn, "is a permissions boundary but is not in the inputs")
                    }
                }]
            })
            .unwrap_or_default();
        let management_account = match (&self.organization, &p.account) {
            (Some(o), Some(a)) => o.management_account.as_deref() == Some(a.as_str()),
            _ => false,
        };
        CallerPolicies {
            identity: self.identity_policies(p),
            boundaries,
            scps: p.account.as_deref().and_then(|a| self.org_levels(a, true)),
            management_account,
        }
    }

    /// Whether `account` is in the organisation (its management account or
    /// under its root).
    fn in_organization(&self, account: Option<&str>) -> bool {
        let Some(org) = &self.organization else {
            return false;
        };
        account.is_some_and(|a| {
            org.management_account.as_deref() == Some(a) || org.path_to(a).is_some()
        })
    }

    /// The request of `p`, whose context `ctx` holds the caller's keys, for
    /// `action` on `resource`, with the keys the resource brings (its
    /// account and organisation), and notes on what is unknown.
    fn request_from(
        &self,
        p: Principal,
        mut ctx: iamx_model::Context,
        action: &str,
        resource: &str,
    ) -> (Request, Vec<String>) {
        let mut notes = Vec::new();
        let resource_account = self
            .resource_account(resource)
            .or_else(|| self.role(resource).map(|r| r.account.clone()));
        if let Some(org) = &self.organization
            && let Some(id) = &org.id
            && self.in_organization(resource_account.as_deref())
            && ctx.get("aws:ResourceOrgID").is_none()
        {
            ctx.insert("aws:ResourceOrgID", iamx_model::Value::str(id.clone()));
        }
        if resource_account.is_none() {
            notes.push(format!("the account owning `{resource}` is unknown"));
        }
        (
            Request {
                principal: p,
                action: action.to_owned(),
                resource: resource.to_owned(),
                resource_account,
                context: ctx,
            },
            notes,
        )
    }

    /// The program deciding `req` for a caller with `policies`: the
    /// resource's side (its policy, the RCPs of its account) for this
    /// request.
    fn program_from(&self, policies: CallerPolicies, req: &Request) -> AwsProgram {
        let kind = infer_resource_policy_kind(&req.action, &req.resource);
        let resource_policy = match kind {
            ResourcePolicyKind::RoleTrust => self
                .role(&req.resource)
                .and_then(|r| r.trust.clone())
                .or_else(|| {
                    self.policies_covering(&req.resource)
                        .find(|rp| rp.resource == req.resource)
                        .map(|rp| rp.policy.clone())
                }),
            _ => {
                let hits: Vec<&ResourcePolicy> = self.policies_covering(&req.resource).collect();
                match hits.as_slice() {
                    [] => None,
                    [one] => Some(one.policy.clone()),
                    many => Some(Arc::new(Policy::new(
                        Arc::from(format!("{} resource policies", req.resource)),
                        many.iter()
                            .flat_map(|rp| rp.policy.statements.iter().cloned())
                            .collect(),
                    ))),
                }
            }
        };
        AwsProgram {
            identity: policies.identity,
            boundaries: policies.boundaries,
            session: None,
            scps: policies.scps,
            management_account: policies.management_account,
            rcps: req
                .resource_account
                .as_deref()
                .and_then(|a| self.org_levels(a, false)),
            resource_policy,
            resource_policy_kind: kind,
        }
    }

    /// Counts: (principals, policies, statements).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut policies = 0;
        let mut statements = 0;
        let mut add = |p: &Policy| {
            policies += 1;
            statements += p.statements.len();
        };
        for m in self.managed.values() {
            add(&m.policy);
        }
        for u in self.users.values() {
            u.inline.iter().for_each(|p| add(p));
        }
        for g in self.groups.values() {
            g.inline.iter().for_each(|p| add(p));
        }
        for r in self.roles.values() {
            r.inline.iter().for_each(|p| add(p));
            if let Some(t) = &r.trust {
                add(t);
            }
        }
        for rp in &self.resource_policies {
            add(&rp.policy);
        }
        if let Some(o) = &self.organization {
            fn walk(n: &OrgNode, add: &mut dyn FnMut(&Policy)) {
                n.scps.iter().chain(n.rcps.iter()).for_each(|p| add(p));
                n.children
                    .iter()
                    .chain(n.accounts.iter())
                    .for_each(|c| walk(c, add));
            }
            walk(&o.root, &mut add);
        }
        (self.users.len() + self.roles.len(), policies, statements)
    }
}

/// Whether a resource policy attached to `attached` governs `resource`: the
/// resource itself, or an object in a bucket.
fn covers(attached: &str, resource: &str) -> bool {
    if attached == resource {
        return true;
    }
    attached.starts_with("arn:aws:s3:::")
        && !attached.contains('/')
        && resource
            .strip_prefix(attached)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn read_org_node(
    json: &Json,
    path: &JsonPath,
    policies: &BTreeMap<String, Arc<Policy>>,
    sink: &mut Sink<'_>,
) -> OrgNode {
    sink.unknown_keys(
        json,
        path,
        &["id", "name", "scps", "rcps", "children", "accounts"],
        "organisation node",
    );
    let id = str_field(json, "id", path, sink, true)
        .unwrap_or_default()
        .to_owned();
    let name = str_field(json, "name", path, sink, false).map(str::to_owned);
    let refs = |key: &str, sink: &mut Sink<'_>| -> Vec<Arc<Policy>> {
        let mut out = Vec::new();
        for (i, r) in array_field(json, key, path, sink).iter().enumerate() {
            let rp = path.key(key).index(i);
            match r.as_str() {
                Some(pid) => match policies.get(pid) {
                    Some(p) => out.push(p.clone()),
                    None => {
                        sink.error(r.span, &rp, format!("policy `{pid}` is not in `policies`"));
                        out.push(missing_policy(
                            pid,
                            "is attached in the organisation but not given",
                        ));
                    }
                },
                None => sink.error(
                    r.span,
                    &rp,
                    format!(
                        "a policy reference must be a string id, found {}",
                        r.kind_name()
                    ),
                ),
            }
        }
        out
    };
    let scps = refs("scps", sink);
    let rcps = refs("rcps", sink);
    let children = array_field(json, "children", path, sink)
        .iter()
        .enumerate()
        .map(|(i, c)| read_org_node(c, &path.key("children").index(i), policies, sink))
        .collect();
    let accounts: Vec<OrgNode> = array_field(json, "accounts", path, sink)
        .iter()
        .enumerate()
        .map(|(i, c)| read_org_node(c, &path.key("accounts").index(i), policies, sink))
        .collect();
    for (i, a) in accounts.iter().enumerate() {
        if !is_account_id(&a.id) {
            sink.error(
                json.span,
                &path.key("accounts").index(i).key("id"),
                format!("`{}` is not a 12-digit account id", a.id),
            );
        }
    }
    OrgNode {
        id,
        name,
        scps,
        rcps,
        children,
        accounts,
    }
}
