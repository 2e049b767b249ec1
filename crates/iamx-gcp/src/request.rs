//! GCP request files (`"provider": "gcp"`, see `corpus/README.md`) and
//! requests built from loaded inputs (`iamx eval`).

use crate::env::{GcpEnvironment, unknown_role};
use crate::member::{Caller, MemberKind, member_kind, normalize};
use crate::names::{self, canon, is_container};
use crate::policy::{
    RoleRead, RoleStage, read_allow_policy, read_boundary, read_deny_policy, read_role,
};
use crate::read::{expect_array, expect_object, opt_bool, opt_str, str_list};
use iamx_model::gcp::GcpProgram;
use iamx_model::json::{Json, JsonValue};
use iamx_model::program::{Case, Program};
use iamx_model::source::Sink;
use iamx_model::{Context, JsonPath, Principal, PrincipalKind, Request, Scalar, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

const CASE_KEYS: [&str; 10] = [
    "provider",
    "name",
    "doc",
    "expected",
    "request",
    "roles",
    "allowPolicies",
    "denyPolicies",
    "principalAccessBoundaries",
    "covers",
];
const REQUEST_KEYS: [&str; 12] = [
    "principal",
    "permission",
    "resource",
    "ancestors",
    "resourceType",
    "resourceService",
    "time",
    "tags",
    "tagIds",
    "groups",
    "authenticated",
    "context",
];

/// Reads a request file: one case object or an array of them.
pub(crate) fn read_request_file(json: &Json, sink: &mut Sink<'_>) -> Vec<Case> {
    let root = JsonPath::root();
    match &json.value {
        JsonValue::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| read_case(it, &root.index(i), sink))
            .collect(),
        _ => read_case(json, &root, sink).into_iter().collect(),
    }
}

/// The model's principal for a GCP caller (a v1 member or `principal://…`).
pub fn principal_of(member: &str) -> Result<Principal, String> {
    let m = normalize(member);
    let kind = match member_kind(&m) {
        MemberKind::User => PrincipalKind::User,
        MemberKind::ServiceAccount => PrincipalKind::Service,
        MemberKind::AllUsers => PrincipalKind::Anonymous,
        MemberKind::Principal => PrincipalKind::WebIdentity,
        MemberKind::Group | MemberKind::Domain | MemberKind::PrincipalSet => {
            return Err(format!(
                "`{member}` names a set of principals; a request comes from one caller such as `user:EMAIL` or `serviceAccount:EMAIL`"
            ));
        }
        MemberKind::AllAuthenticatedUsers => {
            return Err(
                "`allAuthenticatedUsers` is not one caller; give a `user:` or `serviceAccount:` member".to_owned(),
            );
        }
        MemberKind::Deleted | MemberKind::ProjectRole | MemberKind::Unknown => {
            return Err(format!(
                "`{member}` is not a caller: give `user:EMAIL`, `serviceAccount:EMAIL`, `principal://…` or `allUsers`"
            ));
        }
    };
    let name = m.split_once(':').map(|(_, e)| e.to_owned());
    Ok(Principal {
        id: m,
        kind,
        account: None,
        role_arn: None,
        name: if kind == PrincipalKind::Anonymous {
            None
        } else {
            name
        },
        unique_id: None,
    })
}

/// The full resource name of what a user typed: a full name as is, a
/// resource-manager name (`projects/p1`) with its host.
pub fn full_resource_name(resource: &str) -> Result<String, String> {
    let r = resource.trim();
    if r.starts_with("//") {
        return Ok(r.to_owned());
    }
    if is_container(r) {
        return Ok(names::full(r));
    }
    Err(format!(
        "`{resource}` is not a full resource name such as `//storage.googleapis.com/projects/_/buckets/B` or `//cloudresourcemanager.googleapis.com/projects/P`"
    ))
}

/// Fills `resource.tags` from `resource.tag/…` keys (and likewise for tag
/// ids) when the context gives tag values but not the set of keys.
fn complete_tags(ctx: &mut Context) {
    for (set, prefix) in [
        ("resource.tags", "resource.tag/"),
        ("resource.tagids", "resource.tagid/"),
    ] {
        if ctx.contains_lc(set) {
            continue;
        }
        let keys: Vec<Scalar> = ctx
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(prefix))
            .map(|k| Scalar::Str(k.to_owned()))
            .collect();
        if !keys.is_empty() {
            ctx.insert(set, Value::Set(keys));
        }
    }
}

/// A request on loaded inputs, and the program that decides it (`iamx eval`):
/// `principal` a v1 member (`user:alice@example.com`), `permission` a v1
/// permission (`storage.objects.get`), `resource` a full resource name.
/// `context` gives CEL attributes (`request.time`, `resource.tag/ORG/key`, …);
/// `resource.name`, `resource.service` and `resource.type` are filled from the
/// resource unless given.
pub fn build_request(
    env: &GcpEnvironment,
    principal: &str,
    permission: &str,
    resource: &str,
    context: Context,
) -> Result<(Request, GcpProgram), String> {
    let principal = principal_of(principal)?;
    let resource = full_resource_name(resource)?;
    if permission.split('.').count() < 3 || permission.contains('/') {
        return Err(format!(
            "`{permission}` is not a permission such as `storage.objects.get`"
        ));
    }
    let mut ctx = context;
    for (k, v) in env.resource_attributes(&resource).iter() {
        if !ctx.contains_lc(k) {
            ctx.insert(k, v.clone());
        }
    }
    complete_tags(&mut ctx);
    let request = Request {
        principal,
        action: permission.to_owned(),
        resource,
        resource_account: None,
        context: ctx,
    };
    let program = env.program_for(&request, &[]);
    Ok((request, program))
}

fn string_list_field(
    obj: &Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> Option<Vec<String>> {
    let v = obj.get(key)?;
    str_list(v, &path.key(key), sink, key).map(|l| l.into_iter().map(|x| x.text).collect())
}

fn read_case(json: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Option<Case> {
    if !expect_object(json, path, sink, "a request file") {
        return None;
    }
    sink.unknown_keys(json, path, &CASE_KEYS, "request file");
    let name = opt_str(json, "name", path, sink).map(str::to_owned);
    let doc = opt_str(json, "doc", path, sink).map(str::to_owned);
    let expected = opt_str(json, "expected", path, sink).map(str::to_owned);
    if let Some(e) = &expected
        && !matches!(
            e.as_str(),
            "allowed" | "explicitly_denied" | "not_allowed" | "unknown"
        )
    {
        let span = json.get("expected").map_or(json.span, |v| v.span);
        sink.error(
                span,
                &path.key("expected"),
                format!("`expected` must be `allowed`, `explicitly_denied`, `not_allowed` or `unknown`, found `{e}`"),
            );
    }
    let Some(r) = json.get("request") else {
        sink.error(json.span, path, "request file has no `request` object");
        return None;
    };
    let rp = path.key("request");
    if !expect_object(r, &rp, sink, "`request`") {
        return None;
    }
    sink.unknown_keys(r, &rp, &REQUEST_KEYS, "request");
    let mut missing = false;
    let mut field = |key: &str, sink: &mut Sink<'_>| -> Option<String> {
        if r.get(key).is_none() {
            sink.error(r.span, &rp, format!("request has no `{key}`"));
            missing = true;
            return None;
        }
        opt_str(r, key, &rp, sink).map(str::to_owned)
    };
    let principal_text = field("principal", sink);
    let permission = field("permission", sink);
    let resource = field("resource", sink);
    let (Some(principal_text), Some(permission), Some(resource)) =
        (principal_text, permission, resource)
    else {
        return None;
    };
    if missing {
        return None;
    }
    let principal = match principal_of(&principal_text) {
        Ok(p) => p,
        Err(e) => {
            let span = r.get("principal").map_or(r.span, |v| v.span);
            sink.error(span, &rp.key("principal"), e);
            return None;
        }
    };
    let ancestors = string_list_field(r, "ancestors", &rp, sink);
    let groups = string_list_field(r, "groups", &rp, sink).unwrap_or_default();
    let authenticated = opt_bool(r, "authenticated", &rp, sink)
        .unwrap_or(principal.kind != PrincipalKind::Anonymous);

    // CEL attributes
    let mut ctx = match r.get("context") {
        Some(c) => read_context(c, &rp.key("context"), sink),
        None => Context::new(),
    };
    let set = |ctx: &mut Context, k: &str, v: Value| {
        if !ctx.contains_lc(k) {
            ctx.insert(k, v);
        }
    };
    set(
        &mut ctx,
        "resource.name",
        Value::str(names::relative(&canon(&resource))),
    );
    if let Some(t) = opt_str(r, "resourceType", &rp, sink) {
        set(&mut ctx, "resource.type", Value::str(t));
    }
    if let Some(s) = opt_str(r, "resourceService", &rp, sink) {
        set(&mut ctx, "resource.service", Value::str(s));
    }
    if let Some(t) = opt_str(r, "time", &rp, sink) {
        if iamx_model::value::parse_date(t).is_none() {
            let span = r.get("time").map_or(r.span, |v| v.span);
            sink.error(
                span,
                &rp.key("time"),
                format!("`time` `{t}` is not an RFC 3339 time such as `2026-01-01T10:00:00Z`"),
            );
        } else {
            set(&mut ctx, "request.time", Value::str(t));
        }
    }
    for (key, set_key, prefix) in [
        ("tags", "resource.tags", "resource.tag/"),
        ("tagIds", "resource.tagIds", "resource.tagId/"),
    ] {
        let Some(tj) = r.get(key) else { continue };
        let tp = rp.key(key);
        let Some(members) = tj.as_object() else {
            sink.error(
                tj.span,
                &tp,
                format!(
                    "`{key}` must be an object of tag key → value, found {}",
                    tj.kind_name()
                ),
            );
            continue;
        };
        let mut keys = Vec::new();
        for (k, v) in members {
            match v.as_str() {
                Some(s) => {
                    ctx.insert(&format!("{prefix}{}", k.name), Value::str(s));
                    keys.push(Scalar::Str(k.name.clone()));
                }
                None => sink.error(
                    v.span,
                    &tp.key(&k.name),
                    format!("a tag value must be a string, found {}", v.kind_name()),
                ),
            }
        }
        ctx.insert(set_key, Value::Set(keys));
    }

    // policies
    let mut env = GcpEnvironment::default();
    if let Some(rj) = json.get("roles") {
        read_roles_map(rj, &path.key("roles"), sink, &mut env);
    }
    if let Some(aj) = json.get("allowPolicies") {
        let ap = path.key("allowPolicies");
        if let Some(items) = expect_array(aj, &ap, sink, "`allowPolicies`") {
            for (k, it) in items.iter().enumerate() {
                let p = ap.index(k);
                if !expect_object(it, &p, sink, "an allow policy entry") {
                    continue;
                }
                sink.unknown_keys(it, &p, &["resource", "policy"], "allow policy entry");
                let Some(res) =
                    crate::read::req_str(it, "resource", &p, sink, "allow policy entry")
                else {
                    continue;
                };
                let Some(pj) = it.get("policy") else {
                    sink.error(it.span, &p, "allow policy entry has no `policy`");
                    continue;
                };
                let pol =
                    read_allow_policy(pj, &p.key("policy"), res, sink, &mut env.deleted_members);
                for b in &pol.bindings {
                    if !env.roles.contains_key(&b.role) {
                        sink.diags.push(unknown_role(b));
                    }
                }
                env.push_allow(pol);
            }
        }
    }
    if let Some(dj) = json.get("denyPolicies") {
        let dp = path.key("denyPolicies");
        if let Some(items) = expect_array(dj, &dp, sink, "`denyPolicies`") {
            for (k, it) in items.iter().enumerate() {
                let p = dp.index(k);
                if !expect_object(it, &p, sink, "a deny policy entry") {
                    continue;
                }
                sink.unknown_keys(it, &p, &["attachmentPoint", "policy"], "deny policy entry");
                let attachment = opt_str(it, "attachmentPoint", &p, sink);
                let Some(pj) = it.get("policy") else {
                    sink.error(it.span, &p, "deny policy entry has no `policy`");
                    continue;
                };
                if attachment.is_none() && pj.get("name").is_none() {
                    sink.error(it.span, &p, "deny policy entry has no `attachmentPoint`");
                    continue;
                }
                if let Some(d) = read_deny_policy(pj, &p.key("policy"), sink, attachment) {
                    env.push_deny(d);
                }
            }
        }
    }
    if let Some(bj) = json.get("principalAccessBoundaries") {
        let bp = path.key("principalAccessBoundaries");
        if let Some(items) = expect_array(bj, &bp, sink, "`principalAccessBoundaries`") {
            for (k, it) in items.iter().enumerate() {
                if let Some(b) = read_boundary(it, &bp.index(k), sink, k, false) {
                    env.boundaries.push(b);
                }
            }
        }
    }
    let caller = Caller::new(&principal.id, &groups, authenticated);
    let target = env.target(&resource, ancestors.as_deref());
    let program = env.assemble(&caller, &target);
    complete_tags(&mut ctx);
    let (line, _) = sink.position(json.span);
    Some(Case {
        name,
        doc,
        expected,
        request: Request {
            principal,
            action: permission,
            resource,
            resource_account: None,
            context: ctx,
        },
        program: Program::Gcp(program),
        line,
    })
}

/// `roles`: role name → a list of permissions or a role object.
fn read_roles_map(json: &Json, path: &JsonPath, sink: &mut Sink<'_>, env: &mut GcpEnvironment) {
    let Some(members) = json.as_object() else {
        sink.error(
            json.span,
            path,
            format!(
                "`roles` must be an object of role name → permissions, found {}",
                json.kind_name()
            ),
        );
        return;
    };
    for (k, v) in members {
        let p = path.key(&k.name);
        let role = match &v.value {
            JsonValue::Array(_) => {
                str_list(v, &p, sink, "permissions").map(|l| crate::policy::GcpRole {
                    name: k.name.clone(),
                    title: None,
                    permissions: Some(Arc::new(
                        l.into_iter().map(|x| x.text).collect::<BTreeSet<_>>(),
                    )),
                    stage: RoleStage::Ga,
                    deleted: false,
                    origin: None,
                })
            }
            JsonValue::Object(_) => {
                let how = RoleRead {
                    default_name: Some(&k.name),
                    unlisted_permissions: false,
                    warn_default: false,
                };
                // the key names the role; a `name` inside must agree
                let named = v.get("name").and_then(Json::as_str);
                if let Some(n) = named.filter(|n| *n != k.name) {
                    sink.warn(
                        v.span,
                        &p.key("name"),
                        format!("role `{}` is keyed as `{}`; iamx uses the key", n, k.name),
                    );
                }
                let r = read_role(v, &p, sink, how);
                r.map(|mut r| {
                    r.name = k.name.clone();
                    r
                })
            }
            _ => {
                sink.error(
                    v.span,
                    &p,
                    format!(
                        "a role must be a list of permissions or a role object, found {}",
                        v.kind_name()
                    ),
                );
                None
            }
        };
        if let Some(r) = role {
            env.push_role(r);
        }
    }
}

/// Reads a `context` object of extra CEL attributes: strings, numbers,
/// booleans, arrays of those, or `null` (explicitly absent).
fn read_context(json: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Context {
    let mut ctx = Context::new();
    let Some(members) = json.as_object() else {
        sink.error(
            json.span,
            path,
            format!("`context` must be an object, found {}", json.kind_name()),
        );
        return ctx;
    };
    let scalar = |j: &Json| -> Option<Scalar> {
        match &j.value {
            JsonValue::String(s) => Some(Scalar::Str(s.clone())),
            JsonValue::Number(n) => iamx_model::value::parse_number(n).map(Scalar::Num),
            JsonValue::Bool(b) => Some(Scalar::Bool(*b)),
            _ => None,
        }
    };
    for (k, v) in members {
        let kp = path.key(&k.name);
        let value = match &v.value {
            JsonValue::Null => Value::Null,
            JsonValue::Array(items) => {
                let mut set = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    match scalar(it) {
                        Some(s) => set.push(s),
                        None => sink.error(
                            it.span,
                            &kp.index(i),
                            format!(
                                "a context value must be a string, number or boolean, found {}",
                                it.kind_name()
                            ),
                        ),
                    }
                }
                Value::Set(set)
            }
            _ => match scalar(v) {
                Some(s) => Value::One(s),
                None => {
                    sink.error(v.span, &kp, format!("a context value must be a string, number, boolean, array or null, found {}", v.kind_name()));
                    continue;
                }
            },
        };
        ctx.insert(&k.name, value);
    }
    ctx
}
