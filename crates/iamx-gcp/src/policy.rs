//! Readers for roles, allow policies, deny policies and principal access
//! boundary policies, shared by every input format that embeds them.

use crate::cel::parse_cel;
use crate::member::{MemberKind, known_v2_form, member_kind, normalize, v2_of};
use crate::names::{canon, percent_decode};
use crate::read::{
    Located, expect_array, expect_object, opt_bool, opt_str, origin, req_str, str_list,
};
use iamx_model::gcp::{GcpDenyRule, RoleGrant, v2_permission, v2_permission_pattern};
use iamx_model::json::Json;
use iamx_model::source::Sink;
use iamx_model::{Condition, JsonPath, Origin, Reason};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A role's launch stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleStage {
    /// `ALPHA`.
    Alpha,
    /// `BETA`.
    Beta,
    /// `GA` (also the default when no stage is given).
    Ga,
    /// `DEPRECATED`: still grants.
    Deprecated,
    /// `DISABLED`: grants nothing.
    Disabled,
    /// `EAP` (early access).
    Eap,
    /// A stage iamx does not know (reported as an error): grants are unknown.
    Unrecognized(String),
}

impl RoleStage {
    /// Reads a stage name.
    pub fn parse(s: &str) -> RoleStage {
        match s {
            "ALPHA" => RoleStage::Alpha,
            "BETA" => RoleStage::Beta,
            "GA" => RoleStage::Ga,
            "DEPRECATED" => RoleStage::Deprecated,
            "DISABLED" => RoleStage::Disabled,
            "EAP" => RoleStage::Eap,
            other => RoleStage::Unrecognized(other.to_owned()),
        }
    }
}

/// A predefined or custom role.
#[derive(Clone, Debug)]
pub struct GcpRole {
    /// `roles/…`, `projects/P/roles/…` or `organizations/O/roles/…`.
    pub name: String,
    /// The title.
    pub title: Option<String>,
    /// The permissions; `None` when the input listed the role without them
    /// (`gcloud iam roles list` without `--view=FULL`).
    pub permissions: Option<Arc<BTreeSet<String>>>,
    /// The launch stage.
    pub stage: RoleStage,
    /// Whether the role is deleted.
    pub deleted: bool,
    /// Where it was read.
    pub origin: Option<Arc<Origin>>,
}

impl GcpRole {
    /// What a binding of this role grants.
    pub fn grant(&self) -> RoleGrant {
        if self.deleted {
            return RoleGrant::Nothing(format!("role `{}` is deleted", self.name));
        }
        match &self.stage {
            RoleStage::Disabled => {
                return RoleGrant::Nothing(format!("role `{}` is DISABLED", self.name));
            }
            RoleStage::Unrecognized(s) => {
                return RoleGrant::Unknown(Reason::new(format!(
                    "role `{}` has the unknown stage `{s}`",
                    self.name
                )));
            }
            _ => {}
        }
        match &self.permissions {
            Some(p) => RoleGrant::Permissions(p.clone()),
            None => RoleGrant::Unknown(Reason::new(format!(
                "role `{}` was listed without its permissions (use `gcloud iam roles describe` or `list --view=FULL`)",
                self.name
            ))),
        }
    }
}

/// Whether a role name has one of the three documented forms.
pub fn is_role_name(name: &str) -> bool {
    let custom = |rest: &str| {
        rest.split_once("/roles/")
            .is_some_and(|(id, r)| !id.is_empty() && !id.contains('/') && !r.is_empty())
    };
    name.strip_prefix("roles/")
        .is_some_and(|r| !r.is_empty() && !r.contains('/'))
        || name.strip_prefix("projects/").is_some_and(custom)
        || name.strip_prefix("organizations/").is_some_and(custom)
}

const ROLE_KEYS: [&str; 7] = [
    "name",
    "title",
    "description",
    "includedPermissions",
    "stage",
    "deleted",
    "etag",
];

/// How a role object is read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RoleRead<'a> {
    /// The name to assume when the object has none (from the file name).
    pub default_name: Option<&'a str>,
    /// A missing `includedPermissions` means "not listed" (a list without
    /// `--view=FULL`), not "no permissions" (`describe` omits empty lists).
    pub unlisted_permissions: bool,
    /// Warn when the default name is used.
    pub warn_default: bool,
}

/// Reads one role object (`gcloud iam roles describe` output).
pub(crate) fn read_role(
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    how: RoleRead<'_>,
) -> Option<GcpRole> {
    if !expect_object(json, path, sink, "a role") {
        return None;
    }
    if let Some(members) = json.as_object() {
        for (k, _) in members {
            // iam-dataset adds risk flags such as `has_privesc`
            if !ROLE_KEYS.contains(&k.name.as_str()) && !k.name.starts_with("has_") {
                sink.warn(
                    k.span,
                    &path.key(&k.name),
                    format!("unknown role field `{}` is ignored", k.name),
                );
            }
        }
    }
    let name = match opt_str(json, "name", path, sink) {
        Some(n) => n.to_owned(),
        None if json.get("name").is_some() => return None,
        None => match how.default_name {
            Some(d) => {
                let n = if d.contains('/') {
                    d.to_owned()
                } else {
                    format!("roles/{d}")
                };
                if how.warn_default {
                    sink.warn(
                        json.span,
                        path,
                        format!("role has no `name`; assuming `{n}` from the file name"),
                    );
                }
                n
            }
            None => {
                sink.error(json.span, path, "role has no `name`");
                return None;
            }
        },
    };
    if !is_role_name(&name) {
        let span = json.get("name").map_or(json.span, |v| v.span);
        sink.warn_help(
            span,
            &path.key("name"),
            format!("role name `{name}` has none of the forms `roles/R`, `projects/P/roles/R`, `organizations/O/roles/R`"),
            "bindings must name the role exactly as written here",
        );
    }
    let permissions = match json.get("includedPermissions") {
        None if how.unlisted_permissions => None,
        None => Some(Arc::new(BTreeSet::new())),
        Some(v) => {
            let p = path.key("includedPermissions");
            let list = str_list(v, &p, sink, "includedPermissions");
            list.map(|l| Arc::new(l.into_iter().map(|x| x.text).collect::<BTreeSet<_>>()))
        }
    };
    let stage = match opt_str(json, "stage", path, sink) {
        None => RoleStage::Ga,
        Some(s) => {
            let st = RoleStage::parse(s);
            if let RoleStage::Unrecognized(_) = st {
                let span = json.get("stage").map_or(json.span, |v| v.span);
                sink.error_help(
                    span,
                    &path.key("stage"),
                    format!("unknown role stage `{s}`"),
                    "a stage is one of `ALPHA`, `BETA`, `GA`, `DEPRECATED`, `DISABLED`, `EAP`; the role's grants are unknown",
                );
            }
            st
        }
    };
    let deleted = opt_bool(json, "deleted", path, sink).unwrap_or(false);
    let title = opt_str(json, "title", path, sink).map(str::to_owned);
    let o = origin(sink, json.span, format!("role {name}"), 0, None);
    Some(GcpRole {
        name,
        title,
        permissions,
        stage,
        deleted,
        origin: Some(o),
    })
}

/// One binding of an allow policy, as read.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The role's name.
    pub role: String,
    /// Members, normalised (emails lowercased).
    pub members: Vec<String>,
    /// The IAM condition (`Condition::True` when none).
    pub condition: Condition,
    /// The condition's title.
    pub condition_title: Option<String>,
    /// Provenance (the binding).
    pub origin: Arc<Origin>,
    /// JSON path of the binding's `role`.
    pub role_path: String,
}

/// An allow policy attached to a resource.
#[derive(Clone, Debug)]
pub struct AllowPolicy {
    /// The resource as written in the input.
    pub resource: String,
    /// Its bindings.
    pub bindings: Vec<Binding>,
}

const POLICY_KEYS: [&str; 5] = [
    "version",
    "etag",
    "bindings",
    "auditConfigs",
    "audit_configs",
];
const BINDING_KEYS: [&str; 3] = ["role", "members", "condition"];
const CONDITION_KEYS: [&str; 4] = ["expression", "title", "description", "location"];

const MEMBER_HELP: &str = "members are `user:`, `group:`, `serviceAccount:`, `domain:`, `deleted:`, `allUsers`, `allAuthenticatedUsers`, `principal://…` or `principalSet://…`";

/// Reads an IAM condition object (`{title, description, expression}`) into a
/// condition; a malformed or out-of-subset expression is an error and the
/// condition becomes `Unsupported`.
pub(crate) fn read_condition(
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> (Condition, Option<String>) {
    if !expect_object(json, path, sink, "a condition") {
        return (
            Condition::Unsupported(Reason::new("the condition is malformed")),
            None,
        );
    }
    sink.unknown_keys(json, path, &CONDITION_KEYS, "condition");
    let title = opt_str(json, "title", path, sink).map(str::to_owned);
    let Some(expr_json) = json.get("expression") else {
        sink.error(json.span, path, "condition has no `expression`");
        return (
            Condition::Unsupported(Reason::new("the condition has no expression")),
            title,
        );
    };
    let Some(text) = opt_str(json, "expression", path, sink) else {
        return (
            Condition::Unsupported(Reason::new("the condition's expression is not a string")),
            title,
        );
    };
    match parse_cel(text) {
        Ok(e) => (Condition::Expr(Box::new(e)), title),
        Err(e) => {
            sink.error_help(
                expr_json.span,
                &path.key("expression"),
                format!(
                    "condition expression: {} at column {} of `{}`",
                    e.message,
                    e.column,
                    abbreviate(text)
                ),
                if e.message.contains("not in the IAM condition subset")
                    || e.message.contains("unknown identifier")
                {
                    "iamx reads the IAM Conditions subset (`resource.name`/`type`/`service`, `request.time`, `resource.matchTag…`, `&&`, `||`, `!`); the condition is kept as unknown"
                } else {
                    "the condition is kept as unknown, so what it guards is unknown too"
                },
            );
            (
                Condition::Unsupported(Reason::new(format!(
                    "condition `{}` cannot be read: {}",
                    abbreviate(text),
                    e.message
                ))),
                title,
            )
        }
    }
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(77).collect();
        format!("{head}...")
    }
}

/// Reads an allow policy (`get-iam-policy` output) attached to `resource`.
pub(crate) fn read_allow_policy(
    json: &Json,
    path: &JsonPath,
    resource: &str,
    sink: &mut Sink<'_>,
    deleted: &mut usize,
) -> AllowPolicy {
    let mut out = AllowPolicy {
        resource: resource.to_owned(),
        bindings: Vec::new(),
    };
    if !expect_object(json, path, sink, "an allow policy") {
        return out;
    }
    sink.unknown_keys(json, path, &POLICY_KEYS, "allow policy");
    let Some(bj) = json.get("bindings") else {
        return out;
    };
    let bp = path.key("bindings");
    let Some(items) = expect_array(bj, &bp, sink, "`bindings`") else {
        return out;
    };
    let policy_name: Arc<str> = Arc::from(format!("allow policy of {resource}"));
    for (k, b) in items.iter().enumerate() {
        let p = bp.index(k);
        if !expect_object(b, &p, sink, "a binding") {
            continue;
        }
        sink.unknown_keys(b, &p, &BINDING_KEYS, "binding");
        let role = req_str(b, "role", &p, sink, "binding");
        let members = match b.get("members") {
            None => {
                sink.error(b.span, &p, "binding has no `members`");
                None
            }
            Some(m) => str_list(m, &p.key("members"), sink, "members"),
        };
        let (condition, title) = match b.get("condition") {
            None => (Condition::True, None),
            Some(c) if matches!(c.value, iamx_model::json::JsonValue::Null) => {
                (Condition::True, None)
            }
            Some(c) => read_condition(c, &p.key("condition"), sink),
        };
        let (Some(role), Some(members)) = (role, members) else {
            continue;
        };
        let members = read_members(members, sink, deleted);
        out.bindings.push(Binding {
            role: role.to_owned(),
            members,
            condition,
            condition_title: title,
            origin: origin(sink, b.span, policy_name.clone(), k, Some(role.to_owned())),
            role_path: p.key("role").to_string(),
        });
    }
    out
}

fn read_members(members: Vec<Located>, sink: &mut Sink<'_>, deleted: &mut usize) -> Vec<String> {
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        match member_kind(&m.text) {
            MemberKind::Deleted => *deleted += 1,
            MemberKind::Unknown => {
                sink.warn_help(
                    m.span,
                    &m.path,
                    format!("unknown member type `{}`", m.text),
                    MEMBER_HELP,
                );
            }
            _ => {}
        }
        out.push(normalize(&m.text));
    }
    out
}

/// A deny policy with the attachment point its name encodes.
#[derive(Clone, Debug)]
pub struct DenyPolicy {
    /// The policy's name (`policies/…/denypolicies/ID`), or a made-up one.
    pub name: String,
    /// The canonical attachment point (`projects/p1`, `folders/1`, …).
    pub attachment_point: String,
    /// The rules.
    pub rules: Vec<GcpDenyRule>,
}

const DENY_POLICY_KEYS: [&str; 12] = [
    "name",
    "uid",
    "kind",
    "displayName",
    "annotations",
    "etag",
    "createTime",
    "updateTime",
    "deleteTime",
    "rules",
    "managingAuthority",
    "attachmentPoint",
];
const DENY_RULE_KEYS: [&str; 5] = [
    "deniedPrincipals",
    "exceptionPrincipals",
    "deniedPermissions",
    "exceptionPermissions",
    "denialCondition",
];

/// The attachment point a deny policy name encodes:
/// `policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp1/denypolicies/x`
/// → `projects/p1`.
pub fn deny_attachment_point(name: &str) -> Option<String> {
    let rest = name.strip_prefix("policies/")?;
    let (enc, _) = rest.split_once("/denypolicies/")?;
    let decoded = percent_decode(enc);
    (!decoded.is_empty()).then(|| canon(&decoded))
}

/// Reads a deny policy; `attachment` when the input gives the attachment
/// point beside the policy (request files).
pub(crate) fn read_deny_policy(
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    attachment: Option<&str>,
) -> Option<DenyPolicy> {
    if !expect_object(json, path, sink, "a deny policy") {
        return None;
    }
    sink.unknown_keys(json, path, &DENY_POLICY_KEYS, "deny policy");
    let name = opt_str(json, "name", path, sink).map(str::to_owned);
    let attachment_point = match (attachment, &name) {
        (Some(a), _) => canon(a),
        (None, Some(n)) => match deny_attachment_point(n) {
            Some(a) => a,
            None => {
                let span = json.get("name").map_or(json.span, |v| v.span);
                sink.error_help(
                    span,
                    &path.key("name"),
                    format!("deny policy name `{n}` does not encode its attachment point"),
                    "deny policy names look like `policies/cloudresourcemanager.googleapis.com%2Fprojects%2FP/denypolicies/ID`",
                );
                return None;
            }
        },
        (None, None) => {
            sink.error_help(
                json.span,
                path,
                "deny policy has no `name`, so its attachment point is unknown",
                "give the output of `gcloud iam policies get` as it comes",
            );
            return None;
        }
    };
    let name = name.unwrap_or_else(|| format!("deny policy on {attachment_point}"));
    let mut out = DenyPolicy {
        name: name.clone(),
        attachment_point: attachment_point.clone(),
        rules: Vec::new(),
    };
    let Some(rj) = json.get("rules") else {
        sink.warn(
            json.span,
            path,
            format!("deny policy `{name}` has no `rules` (`gcloud iam policies list` omits them; use `get`)"),
        );
        return Some(out);
    };
    let rp = path.key("rules");
    let Some(items) = expect_array(rj, &rp, sink, "`rules`") else {
        // unreadable rules may deny anything: keep one rule that is unknown for everyone
        out.rules.push(GcpDenyRule {
            denied_principals: vec!["principalSet://goog/public:all".to_owned()],
            exception_principals: Vec::new(),
            denied_permissions: vec![v2_permission_pattern("*")],
            exception_permissions: Vec::new(),
            condition: Condition::Unsupported(Reason::new(format!(
                "the rules of deny policy `{name}` cannot be read"
            ))),
            attached_to: attachment_point,
            origin: origin(sink, rj.span, name, 0, None),
        });
        return Some(out);
    };
    let pname: Arc<str> = Arc::from(name.as_str());
    for (k, r) in items.iter().enumerate() {
        let p = rp.index(k);
        if !expect_object(r, &p, sink, "a deny rule") {
            continue;
        }
        sink.unknown_keys(r, &p, &["description", "denyRule"], "deny rule");
        let description = opt_str(r, "description", &p, sink).map(str::to_owned);
        let Some(dr) = r.get("denyRule") else {
            sink.error(r.span, &p, "deny rule has no `denyRule`");
            continue;
        };
        let o = origin(sink, r.span, pname.clone(), k, description);
        if let Some(rule) = read_deny_rule(dr, &p.key("denyRule"), sink, &attachment_point, o) {
            out.rules.push(rule);
        }
    }
    Some(out)
}

/// Reads a `denyRule` object. A malformed part keeps the rule, widened so
/// that it may apply to anyone and anything, with an `Unsupported` condition:
/// a deny iamx cannot read must make decisions unknown, never allowed.
fn read_deny_rule(
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    attachment: &str,
    origin: Arc<Origin>,
) -> Option<GcpDenyRule> {
    if !expect_object(json, path, sink, "`denyRule`") {
        return None;
    }
    sink.unknown_keys(json, path, &DENY_RULE_KEYS, "deny rule");
    let mut broken: Option<String> = None;
    let principals = |key: &str, sink: &mut Sink<'_>, broken: &mut Option<String>| {
        let Some(v) = json.get(key) else {
            return Some(Vec::new());
        };
        let Some(list) = str_list(v, &path.key(key), sink, key) else {
            broken.get_or_insert_with(|| format!("its `{key}` cannot be read"));
            return None;
        };
        Some(
            list.into_iter()
                .map(|l| deny_principal(&l, sink))
                .collect::<Vec<_>>(),
        )
    };
    let denied_p = principals("deniedPrincipals", sink, &mut broken);
    let except_p = principals("exceptionPrincipals", sink, &mut broken);
    let permissions = |key: &str, sink: &mut Sink<'_>, broken: &mut Option<String>| {
        let Some(v) = json.get(key) else {
            return Some(Vec::new());
        };
        let Some(list) = str_list(v, &path.key(key), sink, key) else {
            broken.get_or_insert_with(|| format!("its `{key}` cannot be read"));
            return None;
        };
        Some(
            list.into_iter()
                .map(|l| deny_permission(&l, sink))
                .collect::<Vec<_>>(),
        )
    };
    let denied_perm = permissions("deniedPermissions", sink, &mut broken);
    let except_perm = permissions("exceptionPermissions", sink, &mut broken);
    let mut condition = match json.get("denialCondition") {
        None => Condition::True,
        Some(c) if matches!(c.value, iamx_model::json::JsonValue::Null) => Condition::True,
        Some(c) => read_condition(c, &path.key("denialCondition"), sink).0,
    };
    if let Some(why) = &broken {
        condition = Condition::All(vec![
            Condition::Unsupported(Reason::new(format!(
                "deny rule {origin} is malformed: {why}"
            ))),
            condition,
        ]);
    }
    let denied_principals =
        denied_p.unwrap_or_else(|| vec!["principalSet://goog/public:all".to_owned()]);
    if denied_principals.is_empty() && broken.is_none() {
        sink.warn(
            json.span,
            path,
            "deny rule names no `deniedPrincipals`; it denies nobody",
        );
    }
    Some(GcpDenyRule {
        denied_principals,
        exception_principals: except_p.unwrap_or_default(),
        denied_permissions: denied_perm.unwrap_or_else(|| vec![v2_permission_pattern("*")]),
        exception_permissions: except_perm.unwrap_or_default(),
        condition,
        attached_to: attachment.to_owned(),
        origin,
    })
}

fn deny_principal(l: &Located, sink: &mut Sink<'_>) -> String {
    let n = normalize(&l.text);
    if n.starts_with("principal://") || n.starts_with("principalSet://") {
        if !known_v2_form(&n) {
            sink.warn(
                l.span,
                &l.path,
                format!("unknown principal identifier `{}`", l.text),
            );
        }
        return n;
    }
    match v2_of(&n) {
        Some(v2) => {
            sink.warn_help(
                l.span,
                &l.path,
                format!("deny policies name principals in v2 form; read `{}` as `{v2}`", l.text),
                "write `principal://goog/subject/EMAIL`, `principalSet://goog/group/EMAIL`, `principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL`",
            );
            v2
        }
        None => {
            let v2 = match n.as_str() {
                "allUsers" | "allAuthenticatedUsers" => "principalSet://goog/public:all".to_owned(),
                _ => n.clone(),
            };
            sink.warn(
                l.span,
                &l.path,
                format!("unknown principal identifier `{}` in a deny rule", l.text),
            );
            v2
        }
    }
}

fn deny_permission(l: &Located, sink: &mut Sink<'_>) -> iamx_model::Pattern {
    let t = l.text.trim();
    if t == "*" || t.contains('/') {
        return v2_permission_pattern(t);
    }
    let v2 = v2_permission(t);
    sink.warn_help(
        l.span,
        &l.path,
        format!("deny policies name permissions in v2 form; read `{t}` as `{v2}`"),
        "a v2 permission is `SERVICE.googleapis.com/RESOURCE.VERB`",
    );
    v2_permission_pattern(&v2)
}

/// A principal access boundary policy and the principals it is bound to.
#[derive(Clone, Debug)]
pub struct BoundaryPolicy {
    /// A name for explanations.
    pub name: String,
    /// Principals it is bound to (v2 identifiers or v1 members); `None` binds
    /// it to the caller (request files).
    pub principals: Option<Vec<String>>,
    /// Resources of its `ALLOW` rules (with their descendants).
    pub resources: Vec<String>,
    /// Provenance.
    pub origin: Arc<Origin>,
}

/// Reads one boundary policy: `{name?, principals?, rules | details.rules}`.
pub(crate) fn read_boundary(
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    index: usize,
    with_principals: bool,
) -> Option<BoundaryPolicy> {
    if !expect_object(json, path, sink, "a principal access boundary policy") {
        return None;
    }
    let known: &[&str] = if with_principals {
        &[
            "name",
            "displayName",
            "principals",
            "rules",
            "details",
            "etag",
            "uid",
            "createTime",
            "updateTime",
            "annotations",
        ]
    } else {
        &[
            "name",
            "displayName",
            "rules",
            "details",
            "etag",
            "uid",
            "createTime",
            "updateTime",
            "annotations",
        ]
    };
    sink.unknown_keys(json, path, known, "principal access boundary policy");
    let name = opt_str(json, "name", path, sink).map_or_else(
        || format!("principal access boundary policy {index}"),
        str::to_owned,
    );
    let principals = if with_principals {
        let Some(pj) = json.get("principals") else {
            sink.error(
                json.span,
                path,
                "principal access boundary policy has no `principals`",
            );
            return None;
        };
        let list = str_list(pj, &path.key("principals"), sink, "principals")?;
        Some(list.into_iter().map(|l| normalize(&l.text)).collect())
    } else {
        None
    };
    let (rules, rpath) = match (json.get("rules"), json.get("details")) {
        (Some(r), _) => (r, path.key("rules")),
        (None, Some(d)) => match d.get("rules") {
            Some(r) => (r, path.key("details").key("rules")),
            None => {
                sink.error(d.span, &path.key("details"), "`details` has no `rules`");
                return None;
            }
        },
        (None, None) => {
            sink.error(
                json.span,
                path,
                "principal access boundary policy has no `rules`",
            );
            return None;
        }
    };
    let items = expect_array(rules, &rpath, sink, "`rules`")?;
    let mut resources = Vec::new();
    for (k, r) in items.iter().enumerate() {
        let p = rpath.index(k);
        if !expect_object(r, &p, sink, "a boundary rule") {
            continue;
        }
        sink.unknown_keys(
            r,
            &p,
            &["resources", "effect", "description"],
            "boundary rule",
        );
        match opt_str(r, "effect", &p, sink) {
            Some("ALLOW") | None => {}
            Some(other) => {
                let span = r.get("effect").map_or(r.span, |v| v.span);
                sink.error(
                    span,
                    &p.key("effect"),
                    format!("boundary rule effect must be `ALLOW`, found `{other}`"),
                );
                continue;
            }
        }
        let Some(rj) = r.get("resources") else {
            sink.error(r.span, &p, "boundary rule has no `resources`");
            continue;
        };
        if let Some(list) = str_list(rj, &p.key("resources"), sink, "resources") {
            resources.extend(list.into_iter().map(|l| l.text));
        }
    }
    Some(BoundaryPolicy {
        name: name.clone(),
        principals,
        resources,
        origin: origin(sink, json.span, name, index, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_and_attachment_points() {
        assert!(is_role_name("roles/owner"));
        assert!(is_role_name("projects/p1/roles/custom"));
        assert!(is_role_name("organizations/1/roles/custom"));
        assert!(!is_role_name("owner"));
        assert!(!is_role_name("roles/"));
        assert_eq!(
            deny_attachment_point("policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp1/denypolicies/my-policy").as_deref(),
            Some("projects/p1")
        );
        assert_eq!(
            deny_attachment_point(
                "policies/cloudresourcemanager.googleapis.com%2Forganizations%2F123/denypolicies/x"
            )
            .as_deref(),
            Some("organizations/123")
        );
        assert_eq!(deny_attachment_point("denypolicies/x"), None);
    }
}
