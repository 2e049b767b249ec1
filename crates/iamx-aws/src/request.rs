//! Self-contained request files (`iamx eval --request FILE`) and the scenario
//! tables built on the same format (see `corpus/README.md`).

use crate::arn::{is_account_id, parse_arn};
use crate::policy::{PolicyOptions, PolicyType, read_policy_value};
use crate::principal::parse_principal;
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use iamx_model::{
    AwsProgram, Context, JsonPath, OrgLevel, Policy, Request, ResourcePolicyKind, Scalar, Value,
};
use std::sync::Arc;

pub use iamx_model::program::Case as RequestCase;

const CASE_KEYS: [&str; 13] = [
    "name",
    "doc",
    "expected",
    "request",
    "identityPolicies",
    "permissionBoundaries",
    "sessionPolicy",
    "resourcePolicy",
    "resourcePolicyType",
    "serviceControlPolicies",
    "resourceControlPolicies",
    "managementAccount",
    "covers",
];
const REQUEST_KEYS: [&str; 6] = [
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
    "principalType",
];

/// Reads a request file: one case object or an array of them.
pub fn read_request_file(
    json: &Json,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Vec<RequestCase> {
    let root = JsonPath::root();
    match &json.value {
        JsonValue::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| read_case(it, &root.index(i), opts, sink))
            .collect(),
        _ => read_case(json, &root, opts, sink).into_iter().collect(),
    }
}

fn opt_string(json: &Json, key: &str, path: &JsonPath, sink: &mut Sink<'_>) -> Option<String> {
    let v = json.get(key)?;
    match v.as_str() {
        Some(s) => Some(s.to_owned()),
        None => {
            sink.error(
                v.span,
                &path.key(key),
                format!("`{key}` must be a string, found {}", v.kind_name()),
            );
            None
        }
    }
}

fn policies(
    json: &Json,
    key: &str,
    path: &JsonPath,
    ptype: PolicyType,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Vec<Arc<Policy>> {
    let Some(v) = json.get(key) else {
        return Vec::new();
    };
    let p = path.key(key);
    let o = PolicyOptions { ptype, ..opts };
    match &v.value {
        JsonValue::Null => Vec::new(),
        JsonValue::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let name = format!("{key}[{i}]");
                read_policy_value(it, &p.index(i), &name, o, sink).map(Arc::new)
            })
            .collect(),
        _ => {
            sink.error(
                v.span,
                &p,
                format!(
                    "`{key}` must be an array of policies, found {}",
                    v.kind_name()
                ),
            );
            Vec::new()
        }
    }
}

fn single_policy(
    json: &Json,
    key: &str,
    path: &JsonPath,
    ptype: PolicyType,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<Arc<Policy>> {
    let v = json.get(key)?;
    if matches!(v.value, JsonValue::Null) {
        return None;
    }
    read_policy_value(
        v,
        &path.key(key),
        key,
        PolicyOptions { ptype, ..opts },
        sink,
    )
    .map(Arc::new)
}

fn levels(
    json: &Json,
    key: &str,
    path: &JsonPath,
    ptype: PolicyType,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<Vec<OrgLevel>> {
    let v = json.get(key)?;
    let p = path.key(key);
    let items = match &v.value {
        JsonValue::Null => return None,
        JsonValue::Array(items) => items,
        _ => {
            sink.error(
                v.span,
                &p,
                format!(
                    "`{key}` must be an array of levels, found {}",
                    v.kind_name()
                ),
            );
            return None;
        }
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let lp = p.index(i);
        if it.as_object().is_none() {
            sink.error(
                it.span,
                &lp,
                format!(
                    "a level must be an object with `level` and `policies`, found {}",
                    it.kind_name()
                ),
            );
            continue;
        }
        sink.unknown_keys(it, &lp, &["level", "policies"], "organisation level");
        let name = opt_string(it, "level", &lp, sink).unwrap_or_else(|| format!("level {i}"));
        let pols = policies(it, "policies", &lp, ptype, opts, sink)
            .into_iter()
            .enumerate()
            .map(|(j, pol)| {
                Arc::new(Policy::new(
                    Arc::from(format!("{key}[{name}][{j}]")),
                    pol.statements.clone(),
                ))
            })
            .collect();
        out.push(OrgLevel {
            name,
            policies: pols,
        });
    }
    Some(out)
}

/// Reads a JSON context object: strings, numbers, booleans, arrays of those.
pub fn read_context(json: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Context {
    let mut ctx = Context::new();
    let Some(members) = json.as_object() else {
        sink.error(
            json.span,
            path,
            format!("`context` must be an object, found {}", json.kind_name()),
        );
        return ctx;
    };
    for (k, v) in members {
        let kp = path.key(&k.name);
        let scalar = |j: &Json| -> Option<Scalar> {
            match &j.value {
                JsonValue::String(s) => Some(Scalar::Str(s.clone())),
                JsonValue::Number(n) => iamx_model::value::parse_number(n).map(Scalar::Num),
                JsonValue::Bool(b) => Some(Scalar::Bool(*b)),
                _ => None,
            }
        };
        let value = match &v.value {
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
            _ => {
                match scalar(v) {
                    Some(s) => Value::One(s),
                    None => {
                        sink.error(v.span, &kp, format!("a context value must be a string, number, boolean or array, found {}", v.kind_name()));
                        continue;
                    }
                }
            }
        };
        ctx.insert(&k.name, value);
    }
    ctx
}

/// The account of a resource ARN, when it carries one.
pub fn account_of_arn(resource: &str) -> Option<String> {
    let arn = parse_arn(resource).ok()?;
    is_account_id(arn.account).then(|| arn.account.to_owned())
}

/// The resource policy kind implied by an action and resource.
pub fn infer_resource_policy_kind(action: &str, resource: &str) -> ResourcePolicyKind {
    let a = action.to_ascii_lowercase();
    if let Ok(arn) = parse_arn(resource) {
        if arn.service == "kms" && arn.resource.starts_with("key/") {
            return ResourcePolicyKind::KmsKey;
        }
        let trust_action = a.starts_with("sts:assumerole")
            || a == "sts:tagsession"
            || a == "sts:setsourceidentity"
            || a == "sts:setcontext";
        if arn.service == "iam" && arn.resource.starts_with("role/") && trust_action {
            return ResourcePolicyKind::RoleTrust;
        }
    }
    ResourcePolicyKind::Generic
}

fn read_case(
    json: &Json,
    path: &JsonPath,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<RequestCase> {
    if json.as_object().is_none() {
        sink.error(
            json.span,
            path,
            format!(
                "a request file holds an object (or an array of objects), found {}",
                json.kind_name()
            ),
        );
        return None;
    }
    sink.unknown_keys(json, path, &CASE_KEYS, "request file");
    let name = opt_string(json, "name", path, sink);
    let doc = opt_string(json, "doc", path, sink);
    let expected = opt_string(json, "expected", path, sink);
    let Some(r) = json.get("request") else {
        sink.error(json.span, path, "request file has no `request` object");
        return None;
    };
    let rp = path.key("request");
    if r.as_object().is_none() {
        sink.error(
            r.span,
            &rp,
            format!("`request` must be an object, found {}", r.kind_name()),
        );
        return None;
    }
    sink.unknown_keys(r, &rp, &REQUEST_KEYS, "request");
    let mut missing = false;
    let mut field = |key: &str, sink: &mut Sink<'_>| -> Option<String> {
        let v = opt_string(r, key, &rp, sink);
        if v.is_none() && r.get(key).is_none() {
            sink.error(r.span, &rp, format!("request has no `{key}`"));
            missing = true;
        }
        v
    };
    let principal_text = field("principal", sink);
    let action = field("action", sink);
    let resource = field("resource", sink);
    let (principal_text, action, resource) = (principal_text?, action?, resource?);
    if missing {
        return None;
    }
    let mut principal = match parse_principal(&principal_text) {
        Ok(p) => p,
        Err(e) => {
            let span = r.get("principal").map_or(r.span, |v| v.span);
            sink.error(span, &rp.key("principal"), e);
            return None;
        }
    };
    if let Some(pt) = opt_string(r, "principalType", &rp, sink) {
        match pt.as_str() {
            "federated" | "web-identity" => principal.kind = iamx_model::PrincipalKind::WebIdentity,
            "service" => principal.kind = iamx_model::PrincipalKind::Service,
            "canonical-user" => principal.kind = iamx_model::PrincipalKind::CanonicalUser,
            other => {
                let span = r.get("principalType").map_or(r.span, |v| v.span);
                sink.error(span, &rp.key("principalType"), format!("unknown `principalType` `{other}` (expected `federated`, `service` or `canonical-user`)"));
            }
        }
    }
    let resource_account =
        opt_string(r, "resourceAccount", &rp, sink).or_else(|| account_of_arn(&resource));
    let context = match r.get("context") {
        Some(c) => read_context(c, &rp.key("context"), sink),
        None => Context::new(),
    };
    let kind = match opt_string(json, "resourcePolicyType", path, sink).as_deref() {
        None | Some("auto") => infer_resource_policy_kind(&action, &resource),
        Some("generic") => ResourcePolicyKind::Generic,
        Some("kms-key") => ResourcePolicyKind::KmsKey,
        Some("role-trust") => ResourcePolicyKind::RoleTrust,
        Some(other) => {
            let span = json.get("resourcePolicyType").map_or(json.span, |v| v.span);
            sink.error(span, &path.key("resourcePolicyType"), format!("unknown `resourcePolicyType` `{other}` (expected `auto`, `generic`, `kms-key` or `role-trust`)"));
            ResourcePolicyKind::Generic
        }
    };
    let res_type = match kind {
        ResourcePolicyKind::RoleTrust => PolicyType::Trust,
        _ => PolicyType::Resource,
    };
    let management_account = match json.get("managementAccount") {
        None => false,
        Some(v) => match v.value {
            JsonValue::Bool(b) => b,
            _ => {
                sink.error(
                    v.span,
                    &path.key("managementAccount"),
                    format!(
                        "`managementAccount` must be a boolean, found {}",
                        v.kind_name()
                    ),
                );
                false
            }
        },
    };
    let program = AwsProgram {
        identity: policies(
            json,
            "identityPolicies",
            path,
            PolicyType::Identity,
            opts,
            sink,
        ),
        boundaries: policies(
            json,
            "permissionBoundaries",
            path,
            PolicyType::Boundary,
            opts,
            sink,
        ),
        session: single_policy(json, "sessionPolicy", path, PolicyType::Session, opts, sink),
        scps: levels(
            json,
            "serviceControlPolicies",
            path,
            PolicyType::Scp,
            opts,
            sink,
        ),
        management_account,
        rcps: levels(
            json,
            "resourceControlPolicies",
            path,
            PolicyType::Rcp,
            opts,
            sink,
        ),
        resource_policy: single_policy(json, "resourcePolicy", path, res_type, opts, sink),
        resource_policy_kind: kind,
    };
    let (line, _) = sink.position(json.span);
    Some(RequestCase {
        name,
        doc,
        expected,
        request: Request {
            principal,
            action,
            resource,
            resource_account,
            context,
        },
        program: iamx_model::Program::Aws(program),
        line,
    })
}
