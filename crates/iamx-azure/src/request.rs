//! Self-contained Azure request files (`"provider": "azure"`, see
//! `corpus/README.md`, "Azure request files") and the scenario tables built
//! on them.

use crate::assignments::{deny_assignment, role_assignment};
use crate::env::{AzureEnvironment, assemble, azure_principal};
use crate::mgmt::{MgChain, mg_of_scope, subscription_of_scope};
use crate::read::{array_field, bool_field, str_field, strings};
use crate::roles::{role_definition, role_shape};
use iamx_model::json::{Json, JsonValue};
use iamx_model::program::Case;
use iamx_model::source::Sink;
use iamx_model::{Context, JsonPath, Program, Request, Scalar, Value};
use std::collections::BTreeSet;

const CASE_KEYS: [&str; 8] = [
    "provider",
    "name",
    "doc",
    "expected",
    "request",
    "roleDefinitions",
    "roleAssignments",
    "denyAssignments",
];

const REQUEST_KEYS: [&str; 8] = [
    "principal",
    "groups",
    "action",
    "dataAction",
    "scope",
    "managementGroups",
    "attributes",
    "subOperation",
];

/// Reads a request file: one case object or an array of them.
pub fn read_request_file(json: &Json, sink: &mut Sink<'_>) -> Vec<Case> {
    let root = JsonPath::root();
    match &json.value {
        JsonValue::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(n, it)| read_case(it, &root.index(n), sink))
            .collect(),
        _ => read_case(json, &root, sink).into_iter().collect(),
    }
}

fn scalar(j: &Json) -> Option<Scalar> {
    match &j.value {
        JsonValue::String(s) => Some(Scalar::Str(s.clone())),
        JsonValue::Number(n) => iamx_model::value::parse_number(n).map(Scalar::Num),
        JsonValue::Bool(b) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

/// Reads request attributes: keys written exactly as in conditions
/// (`@Resource[…]`), values strings, numbers, booleans, arrays of those
/// (multi-valued attributes) or `null` (the attribute is absent).
pub fn read_attributes(json: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Context {
    let mut ctx = Context::new();
    let Some(members) = json.as_object() else {
        sink.error(
            json.span,
            path,
            format!("`attributes` must be an object, found {}", json.kind_name()),
        );
        return ctx;
    };
    for (k, v) in members {
        let kp = path.key(&k.name);
        let value = match &v.value {
            JsonValue::Null => Value::Null,
            JsonValue::Array(items) => {
                let mut set = Vec::new();
                for (n, it) in items.iter().enumerate() {
                    match scalar(it) {
                        Some(s) => set.push(s),
                        None => sink.error(
                            it.span,
                            &kp.index(n),
                            format!(
                                "an attribute value must be a string, number or boolean, found {}",
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
                    sink.error(
                        v.span,
                        &kp,
                        format!(
                            "an attribute value must be a string, number, boolean, array or null, found {}",
                            v.kind_name()
                        ),
                    );
                    continue;
                }
            },
        };
        ctx.insert(&k.name, value);
    }
    ctx
}

fn read_case(json: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Option<Case> {
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
    let name = str_field(json, "name", path, sink, None).map(str::to_owned);
    let doc = str_field(json, "doc", path, sink, None).map(str::to_owned);
    let expected = str_field(json, "expected", path, sink, None).map(str::to_owned);
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
    let what = Some("request");
    let principal = str_field(r, "principal", &rp, sink, what);
    let action = str_field(r, "action", &rp, sink, what);
    let scope = str_field(r, "scope", &rp, sink, what);
    let groups = strings(r, "groups", &rp, sink, "group object ids");
    let data_action = bool_field(r, "dataAction", &rp, sink);
    let sub_operation = str_field(r, "subOperation", &rp, sink, None).map(str::to_owned);
    let mut mgs = Vec::new();
    for (n, m) in strings(r, "managementGroups", &rp, sink, "management-group scopes")
        .into_iter()
        .enumerate()
    {
        match mg_of_scope(&m) {
            Some(name) => mgs.push(name.to_ascii_lowercase()),
            None if !m.contains('/') && !m.is_empty() => mgs.push(m.to_ascii_lowercase()),
            None => {
                let span = r
                    .get("managementGroups")
                    .and_then(Json::as_array)
                    .and_then(|a| a.get(n))
                    .map_or(r.span, |v| v.span);
                sink.error(
                    span,
                    &rp.key("managementGroups").index(n),
                    format!("`{m}` is not a management group: expected `/providers/Microsoft.Management/managementGroups/NAME` or `NAME`"),
                );
            }
        }
    }
    let context = match r.get("attributes") {
        Some(a) if !matches!(a.value, JsonValue::Null) => {
            read_attributes(a, &rp.key("attributes"), sink)
        }
        _ => Context::new(),
    };

    let mut env = AzureEnvironment::default();
    let dp = path.key("roleDefinitions");
    for (n, it) in array_field(json, "roleDefinitions", path, sink, "role definitions")
        .iter()
        .enumerate()
    {
        if let Some(role) = role_definition(it, &dp.index(n), n, role_shape(it), sink) {
            env.add_role(role);
        }
    }
    let ap = path.key("roleAssignments");
    for (n, it) in array_field(json, "roleAssignments", path, sink, "role assignments")
        .iter()
        .enumerate()
    {
        if let Some(a) = role_assignment(it, &ap.index(n), n, sink) {
            if !env.roles.contains_key(&a.role_guid) {
                let span = it
                    .get("roleDefinitionId")
                    .or_else(|| it.get("properties").and_then(|p| p.get("roleDefinitionId")))
                    .map_or(it.span, |v| v.span);
                sink.warn_help(
                    span,
                    &ap.index(n),
                    format!(
                        "role definition `{}` is not in `roleDefinitions`: what this assignment grants is unknown",
                        a.role_guid
                    ),
                    "add the role definition (its `name` is the GUID) to `roleDefinitions`",
                );
            }
            env.assignments.push(a);
        }
    }
    let xp = path.key("denyAssignments");
    for (n, it) in array_field(json, "denyAssignments", path, sink, "deny assignments")
        .iter()
        .enumerate()
    {
        if let Some(d) = deny_assignment(it, &xp.index(n), n, sink) {
            env.denies.push(d);
        }
    }

    let (principal, action, scope) = (principal?, action?, scope?);
    // without `managementGroups` the file does not say which management
    // groups hold the scope: what is assigned at one may or may not reach it
    let chain = if r.get("managementGroups").is_some() {
        MgChain::Known(mgs)
    } else {
        MgChain::Unknown(
            "the request does not list the management groups above its scope (give `managementGroups`, `[]` for none)"
                .to_owned(),
        )
    };
    let mut identities: BTreeSet<String> = groups.iter().map(|g| g.to_ascii_lowercase()).collect();
    identities.insert(principal.to_ascii_lowercase());
    let data = data_action.unwrap_or_else(|| env.guess_data_action(action));
    let program = assemble(
        &env.roles,
        &env.assignments,
        &env.denies,
        scope,
        &chain,
        identities,
        data,
        sub_operation,
    );
    let (line, _) = sink.position(json.span);
    Some(Case {
        name,
        doc,
        expected,
        request: Request {
            principal: azure_principal(principal.to_ascii_lowercase(), None, None),
            action: action.to_owned(),
            resource: scope.to_owned(),
            resource_account: subscription_of_scope(scope).map(str::to_ascii_lowercase),
            context,
        },
        program: Program::Azure(program),
        line,
    })
}
