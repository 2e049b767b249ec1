//! Terraform plans (`terraform show -json PLAN`): the IAM resources a plan
//! would create, turned into the inputs iamx reads, so `iamx check` asks
//! its questions of the change before it is applied.
//!
//! Read from `planned_values` (root and child modules):
//! - AWS: `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`,
//!   `aws_iam_group_policy` (each a policy document, checked as a
//!   standalone policy `policy:PLAN#ADDRESS`) and `aws_s3_bucket_policy`
//!   (a resource policy on `arn:aws:s3:::BUCKET`);
//! - GCP: `google_{project,folder,organization,storage_bucket}_iam_{member,binding,policy}`
//!   (allow-policy bindings on the resource);
//! - Azure: `azurerm_role_definition` and `azurerm_role_assignment`.
//!
//! Each resource becomes one input named `PLAN#ADDRESS`, padded with
//! newlines so that its lines are the lines of the resource's `address` in
//! the plan: a finding's location is the plan file at the resource.

use crate::Diagnostic;
use serde_json::{Value, json};

/// Is `text` a Terraform plan in JSON?
pub(crate) fn is_plan(text: &str) -> bool {
    let head = text.get(..text.len().min(4096)).unwrap_or(text);
    head.trim_start().starts_with('{')
        && head.contains("\"format_version\"")
        && text.contains("\"planned_values\"")
}

fn resources<'a>(module: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(rs) = module.get("resources").and_then(Value::as_array) {
        out.extend(rs.iter());
    }
    if let Some(ms) = module.get("child_modules").and_then(Value::as_array) {
        for m in ms {
            resources(m, out);
        }
    }
}

/// The 1-based line of the first `"address": "ADDR"` in the plan.
fn line_of(text: &str, address: &str) -> usize {
    let needles = [
        format!("\"address\":\"{address}\""),
        format!("\"address\": \"{address}\""),
    ];
    needles
        .iter()
        .filter_map(|n| text.find(n.as_str()))
        .min()
        .map_or(1, |at| {
            text.get(..at).map_or(1, |t| t.matches('\n').count() + 1)
        })
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).filter(|x| !x.is_empty())
}

/// A policy given as a JSON string (or, from some providers, an object).
fn policy_json(v: &Value, k: &str) -> Option<Value> {
    match v.get(k)? {
        Value::String(t) => serde_json::from_str(t).ok(),
        o @ Value::Object(_) => Some(o.clone()),
        _ => None,
    }
}

fn gcp_resource(kind: &str, v: &Value) -> Option<String> {
    match kind {
        "project" => {
            s(v, "project").map(|p| format!("projects/{}", p.trim_start_matches("projects/")))
        }
        "folder" => s(v, "folder").map(|f| format!("folders/{}", f.trim_start_matches("folders/"))),
        "organization" => s(v, "org_id")
            .map(|o| format!("organizations/{}", o.trim_start_matches("organizations/"))),
        "storage_bucket" => s(v, "bucket").map(|b| {
            format!(
                "//storage.googleapis.com/projects/_/buckets/{}",
                b.trim_start_matches("b/")
            )
        }),
        _ => None,
    }
}

fn gcp_condition(v: &Value) -> Option<Value> {
    let c = v.get("condition")?.as_array()?.first()?;
    Some(json!({
        "expression": s(c, "expression")?,
        "title": s(c, "title").unwrap_or("terraform condition"),
    }))
}

/// A stable GUID for a role definition a plan has not given an id yet.
fn guid_for(name: &str) -> String {
    // FNV-1a, 64 bits: stable across runs and platforms
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("00000000-0000-4000-8000-{:012x}", h & 0xffff_ffff_ffff)
}

fn azure_definition_guid(v: &Value) -> Option<String> {
    if let Some(id) = s(v, "role_definition_id") {
        return Some(id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase());
    }
    s(v, "name").map(guid_for)
}

/// What one plan resource becomes: the input's text, or `None` for a
/// resource iamx does not read.
fn convert(ty: &str, v: &Value) -> Option<Result<Value, String>> {
    match ty {
        "aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy"
        | "aws_iam_group_policy" => Some(
            policy_json(v, "policy").ok_or_else(|| "its `policy` is not known at plan time".to_owned()),
        ),
        "aws_s3_bucket_policy" => Some(match (s(v, "bucket"), policy_json(v, "policy")) {
            (Some(b), Some(p)) => Ok(json!({"iamxAwsResourcePolicies": [{
                "resource": format!("arn:aws:s3:::{b}"),
                "policy": p
            }]})),
            _ => Err("its `bucket` or `policy` is not known at plan time".to_owned()),
        }),
        "azurerm_role_definition" => Some((|| {
            let name = s(v, "name").ok_or("no `name`")?;
            let guid = azure_definition_guid(v).ok_or("no id")?;
            let perms: Vec<Value> = v
                .get("permissions")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            let list = |k: &str| p.get(k).cloned().unwrap_or_else(|| json!([]));
                            json!({
                                "actions": list("actions"),
                                "notActions": list("not_actions"),
                                "dataActions": list("data_actions"),
                                "notDataActions": list("not_data_actions"),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let scopes = v
                .get("assignable_scopes")
                .cloned()
                .filter(|x| x.as_array().is_some_and(|a| !a.is_empty()))
                .or_else(|| s(v, "scope").map(|sc| json!([sc])))
                .unwrap_or_else(|| json!(["/"]));
            Ok(json!([{
                "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
                "name": guid,
                "roleName": name,
                "roleType": "CustomRole",
                "type": "Microsoft.Authorization/roleDefinitions",
                "description": s(v, "description").unwrap_or(""),
                "assignableScopes": scopes,
                "permissions": perms,
            }]))
        })()
        .map_err(|e: &str| e.to_owned())),
        "azurerm_role_assignment" => Some((|| {
            let scope = s(v, "scope").ok_or("no `scope` at plan time")?;
            let principal = s(v, "principal_id").ok_or("no `principal_id` at plan time")?;
            let (def_id, def_name) = match (s(v, "role_definition_id"), s(v, "role_definition_name")) {
                (Some(id), name) => (id.to_owned(), name),
                (None, Some(name)) => (
                    format!("/providers/Microsoft.Authorization/roleDefinitions/{}", guid_for(name)),
                    Some(name),
                ),
                (None, None) => return Err("no role definition at plan time"),
            };
            let name = s(v, "name").map_or_else(|| guid_for(&format!("{scope}{principal}{def_id}")), str::to_owned);
            Ok(json!([{
                "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{name}", scope.trim_end_matches('/')),
                "name": name,
                "principalId": principal,
                "principalType": s(v, "principal_type").unwrap_or("User"),
                "roleDefinitionId": def_id,
                "roleDefinitionName": def_name,
                "scope": scope,
                "condition": s(v, "condition"),
                "conditionVersion": s(v, "condition_version"),
                "type": "Microsoft.Authorization/roleAssignments",
            }]))
        })()
        .map_err(|e: &str| e.to_owned())),
        t if t.starts_with("google_") && t.contains("_iam_") => {
            let rest = t.trim_start_matches("google_");
            let (kind, what) = rest.rsplit_once("_iam_")?;
            let resource = gcp_resource(kind, v);
            let Some(resource) = resource else {
                return Some(Err(format!("iamx does not place `{t}` resources")));
            };
            let bindings: Vec<Value> = match what {
                "member" | "binding" => {
                    let members = match what {
                        "member" => s(v, "member").map(|m| vec![json!(m)]).unwrap_or_default(),
                        _ => v.get("members").and_then(Value::as_array).cloned().unwrap_or_default(),
                    };
                    let mut b = json!({"role": s(v, "role").unwrap_or(""), "members": members});
                    if let (Some(c), Value::Object(m)) = (gcp_condition(v), &mut b) {
                        m.insert("condition".to_owned(), c);
                    }
                    vec![b]
                }
                "policy" => match policy_json(v, "policy_data") {
                    Some(p) => p.get("bindings").and_then(Value::as_array).cloned().unwrap_or_default(),
                    None => return Some(Err("its `policy_data` is not known at plan time".to_owned())),
                },
                _ => return None,
            };
            Some(Ok(json!({"iamxGcpIamPolicies": [{
                "resource": resource,
                "policy": {"bindings": bindings, "version": 3}
            }]})))
        }
        _ => None,
    }
}

/// (name, text) pairs of inputs, and warnings.
type PlanInputs = (Vec<(String, String)>, Vec<Diagnostic>);

/// The inputs a plan stands for: (name, text) pairs, and warnings for IAM
/// resources it could not read.
pub(crate) fn plan_inputs(name: &str, text: &str) -> Result<PlanInputs, Diagnostic> {
    let plan: Value = serde_json::from_str(text).map_err(|e| Diagnostic {
        severity: crate::Severity::Error,
        message: format!("invalid Terraform plan JSON: {e}"),
        file: Some(std::sync::Arc::from(name)),
        line: u32::try_from(e.line()).unwrap_or(0),
        column: u32::try_from(e.column()).unwrap_or(0),
        path: String::new(),
        help: None,
    })?;
    let mut rs = Vec::new();
    if let Some(root) = plan
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        resources(root, &mut rs);
    }
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for r in rs {
        let (Some(ty), Some(address)) = (s(r, "type"), s(r, "address")) else {
            continue;
        };
        let values = r.get("values").cloned().unwrap_or(Value::Null);
        let line = line_of(text, address);
        match convert(ty, &values) {
            None => {}
            Some(Ok(v)) => {
                let body = serde_json::to_string(&v).unwrap_or_default();
                out.push((
                    format!("{name}#{address}"),
                    format!("{}{body}", "\n".repeat(line.saturating_sub(1))),
                ));
            }
            Some(Err(why)) => warnings.push(Diagnostic {
                severity: crate::Severity::Warning,
                message: format!("`{address}` is left out: {why}"),
                file: Some(std::sync::Arc::from(name)),
                line: u32::try_from(line).unwrap_or(0),
                column: 1,
                path: String::new(),
                help: None,
            }),
        }
    }
    Ok((out, warnings))
}
