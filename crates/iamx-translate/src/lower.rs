//! Lowering: capabilities on scopes to a target dialect, as least
//! privilege; and reading the output back (for verification).
//!
//! - AWS: one identity policy; each scope gets its narrowest resource: the
//!   mapped ARN, `bucket/prefix*` for objects, the capability's ARN
//!   template with the account filled in, or (templates without an
//!   account, and actions without a resource type) the template or `*`
//!   with `aws:ResourceAccount`.
//! - GCP: custom roles (one per distinct permission set) bound on the
//!   project, the mapped resource, or the bucket with an IAM Condition on
//!   `resource.name` for an object prefix.
//! - Azure: custom role definitions (one per distinct action set)
//!   assigned at the account's scope or the mapped resource, with an ABAC
//!   condition on the blob path for an object prefix.

use crate::Grant;
use crate::lift::{Held, Lifted, aws_probe, fill, lift_aws, lift_held};
use crate::map::{ResourceMap, Scope};
use crate::vocab::{Cloud, Vocabulary};
use crate::window::Window;
use iamx_model::azure::PermissionBlock;
use iamx_model::{Case, Pattern};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The blob path attribute ABAC conditions test.
pub const BLOB_PATH: &str =
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]";

/// Whether `scope` has an id in `cloud` (and its prefix a counterpart).
pub fn expressible(map: &ResourceMap, scope: &Scope, cloud: Cloud) -> bool {
    let has = |aws: &Option<String>, gcp: &Option<String>, az: &Option<String>| match cloud {
        Cloud::Aws => aws.is_some(),
        Cloud::Gcp => gcp.is_some(),
        Cloud::Azure => az.is_some(),
    };
    match scope {
        Scope::Account { account } => map
            .account(account)
            .is_some_and(|a| has(&a.aws, &a.gcp, &a.azure)),
        Scope::Resource { resource } => map
            .resource(resource)
            .is_some_and(|r| has(&r.aws, &r.gcp, &r.azure)),
        Scope::Objects { resource, prefix } => {
            map.resource(resource)
                .is_some_and(|r| has(&r.aws, &r.gcp, &r.azure))
                && !matches!(map.prefix(resource, *prefix, cloud), Some(None))
        }
    }
}

/// Lowers `grants` to `cloud`; a grant in `windows` holds only in that
/// time window (AWS: `aws:CurrentTime` conditions; GCP: `request.time` in
/// the IAM Condition; Azure: `@Environment[UtcNow]` in the ABAC condition,
/// which the caller checks with [`azure_window`] first).
/// `member` is who the GCP bindings and Azure assignments are for.
pub fn lower(
    vocab: &Vocabulary,
    map: &ResourceMap,
    grants: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
    cloud: Cloud,
    member: &str,
) -> Value {
    match cloud {
        Cloud::Aws => lower_aws(vocab, map, grants, windows),
        Cloud::Gcp => lower_gcp(vocab, map, grants, windows, member),
        Cloud::Azure => lower_azure(vocab, map, grants, windows, member),
    }
}

/// (account condition, time window, resource) -> actions
type AwsKey = (Option<String>, Option<Window>, String);

fn lower_aws(
    vocab: &Vocabulary,
    map: &ResourceMap,
    grants: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
) -> Value {
    let mut by_res: BTreeMap<AwsKey, BTreeSet<String>> = BTreeMap::new();
    for g in grants {
        let (ci, scope) = g;
        let Some(aws) = vocab.get(*ci).and_then(|c| c.aws.as_ref()) else {
            continue;
        };
        let Some(acct) = map.account_of(scope).and_then(|a| a.aws.clone()) else {
            continue;
        };
        let (res, cond) = match scope {
            Scope::Account { .. } => match aws.resource.as_deref() {
                Some(t) if t.contains("${Account}") => (fill(t, &acct, "*"), None),
                Some(t) => (fill(t, &acct, "*"), Some(acct)),
                None => ("*".to_owned(), Some(acct)),
            },
            Scope::Resource { resource } => {
                match map.resource(resource).and_then(|r| r.aws.clone()) {
                    Some(a) => (a, None),
                    None => continue,
                }
            }
            Scope::Objects { resource, prefix } => {
                let Some(base) = map.resource(resource).and_then(|r| r.aws.clone()) else {
                    continue;
                };
                let p = match map.prefix(resource, *prefix, Cloud::Aws) {
                    None => "",
                    Some(Some(p)) => p,
                    Some(None) => continue,
                };
                (format!("{base}/{p}*"), None)
            }
        };
        by_res
            .entry((cond, windows.get(g).copied(), res))
            .or_default()
            .extend(aws.actions.iter().cloned());
    }
    // statements: (condition, window, actions) -> resources
    type StmtKey = (Option<String>, Option<Window>, Vec<String>);
    let mut stmts: BTreeMap<StmtKey, Vec<String>> = BTreeMap::new();
    for ((cond, window, res), acts) in by_res {
        stmts
            .entry((cond, window, acts.into_iter().collect()))
            .or_default()
            .push(res);
    }
    let statements: Vec<Value> = stmts
        .into_iter()
        .enumerate()
        .map(|(i, ((cond, window, acts), res))| {
            let mut s = json!({
                "Sid": format!("Iamx{}", i + 1),
                "Effect": "Allow",
                "Action": acts,
                "Resource": res,
            });
            let mut c = serde_json::Map::new();
            if let Some(a) = cond {
                c.insert("StringEquals".into(), json!({"aws:ResourceAccount": a}));
            }
            for (op, at) in window.map(|w| w.aws_clauses()).unwrap_or_default() {
                c.insert(op.into(), json!({ "aws:CurrentTime": at }));
            }
            if let (false, Some(obj)) = (c.is_empty(), s.as_object_mut()) {
                obj.insert("Condition".into(), Value::Object(c));
            }
            s
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn gcp_bucket_path(full: &str) -> &str {
    full.strip_prefix("//storage.googleapis.com/")
        .unwrap_or(full)
}

fn gcp_prefix_condition(bucket_full: &str, prefix: &str) -> String {
    format!(
        "resource.name.startsWith(\"{}/objects/{}\")",
        gcp_bucket_path(bucket_full),
        prefix
    )
}

/// (resource, prefix condition, time window) -> permissions
type GcpKey = (String, Option<String>, Option<Window>);

fn lower_gcp(
    vocab: &Vocabulary,
    map: &ResourceMap,
    grants: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
    member: &str,
) -> Value {
    let mut by_binding: BTreeMap<GcpKey, BTreeSet<String>> = BTreeMap::new();
    for g in grants {
        let (ci, scope) = g;
        let Some(gs) = vocab.get(*ci).and_then(|c| c.gcp.as_ref()) else {
            continue;
        };
        let key = match scope {
            Scope::Account { account } => match map.account(account).and_then(|a| a.gcp.clone()) {
                Some(p) if p.starts_with("//") => (p, None),
                Some(p) => (format!("//cloudresourcemanager.googleapis.com/{p}"), None),
                None => continue,
            },
            Scope::Resource { resource } => {
                match map.resource(resource).and_then(|r| r.gcp.clone()) {
                    Some(r) => (r, None),
                    None => continue,
                }
            }
            Scope::Objects { resource, prefix } => {
                let Some(b) = map.resource(resource).and_then(|r| r.gcp.clone()) else {
                    continue;
                };
                match map.prefix(resource, *prefix, Cloud::Gcp) {
                    None => (b, None),
                    Some(Some(p)) => {
                        let c = gcp_prefix_condition(&b, p);
                        (b, Some(c))
                    }
                    Some(None) => continue,
                }
            }
        };
        by_binding
            .entry((key.0, key.1, windows.get(g).copied()))
            .or_default()
            .extend(gs.permissions.iter().cloned());
    }
    let project = map
        .accounts
        .iter()
        .find_map(|a| a.gcp.clone())
        .unwrap_or_else(|| "projects/PROJECT".to_owned());
    let mut roles: BTreeMap<BTreeSet<String>, String> = BTreeMap::new();
    for perms in by_binding.values() {
        let n = roles.len() + 1;
        roles
            .entry(perms.clone())
            .or_insert_with(|| format!("{project}/roles/iamxTranslated{n}"));
    }
    let mut role_list: Vec<(&String, &BTreeSet<String>)> =
        roles.iter().map(|(p, n)| (n, p)).collect();
    role_list.sort();
    let role_json: Vec<Value> = role_list
        .iter()
        .map(|(name, perms)| {
            json!({
                "name": name,
                "title": format!("iamx translated {}", name.rsplit("iamxTranslated").next().unwrap_or("")),
                "description": "translated by iamx translate",
                "includedPermissions": perms.iter().collect::<Vec<_>>(),
                "stage": "GA",
            })
        })
        .collect();
    let bindings: Vec<Value> = by_binding
        .iter()
        .map(|((res, prefix, window), perms)| {
            let mut b = json!({
                "resource": res,
                "role": roles.get(perms).cloned().unwrap_or_default(),
                "members": [member],
            });
            let mut parts: Vec<String> = prefix.iter().cloned().collect();
            parts.extend(window.map(|w| w.cel_parts()).unwrap_or_default());
            let title = match (prefix.is_some(), window.is_some()) {
                (true, true) => "object prefix, time window",
                (true, false) => "object prefix",
                _ => "time window",
            };
            if let (false, Some(obj)) = (parts.is_empty(), b.as_object_mut()) {
                obj.insert(
                    "condition".into(),
                    json!({"title": title, "expression": parts.join(" && ")}),
                );
            }
            b
        })
        .collect();
    json!({"roles": role_json, "bindings": bindings})
}

/// Data actions whose role assignment conditions Azure evaluates (ABAC is
/// generally available for Blob Storage, Data Lake Storage and Queues).
const AZURE_CONDITIONED: [&str; 2] = [
    "microsoft.storage/storageaccounts/blobservices/",
    "microsoft.storage/storageaccounts/queueservices/",
];

/// Whether an Azure role assignment condition can hold `cap` to the time
/// window `w` (`@Environment[UtcNow]`), or why not: only storage data
/// actions read the condition, and only strict bounds can be written.
pub fn azure_window(cap: Option<&crate::vocab::Capability>, w: &Window) -> Result<(), String> {
    let Some(a) = cap.and_then(|c| c.azure.as_ref()) else {
        return Err("no Azure operations".to_owned());
    };
    let conditioned = |o: &String| {
        let o = o.to_ascii_lowercase();
        AZURE_CONDITIONED.iter().any(|p| o.starts_with(p))
    };
    if !a.actions.is_empty() || a.data_actions.is_empty() || !a.data_actions.iter().all(conditioned)
    {
        return Err("Azure role assignment conditions (`@Environment[UtcNow]`) limit only storage blob and queue data actions; these operations include others".to_owned());
    }
    w.azure_parts().map(|_| ())
}

/// The ABAC condition of an assignment: the data actions `ops` only under
/// the object prefix and the time window.
fn azure_condition(
    ops: &BTreeSet<String>,
    prefix: Option<&str>,
    window: Option<&Window>,
) -> String {
    let guards: Vec<String> = ops
        .iter()
        .map(|o| format!("!(ActionMatches{{'{o}'}})"))
        .collect();
    let mut body: Vec<String> = prefix
        .map(|p| format!("{BLOB_PATH} StringStartsWith '{p}'"))
        .into_iter()
        .collect();
    body.extend(
        window
            .and_then(|w| w.azure_parts().ok())
            .unwrap_or_default(),
    );
    format!("(({}) OR ({}))", guards.join(" AND "), body.join(" AND "))
}

type AzureSet = (BTreeSet<String>, BTreeSet<String>);

/// (scope, object prefix, time window)
type AzureKey = (String, Option<String>, Option<Window>);

fn lower_azure(
    vocab: &Vocabulary,
    map: &ResourceMap,
    grants: &BTreeSet<Grant>,
    windows: &BTreeMap<Grant, Window>,
    member: &str,
) -> Value {
    let mut by_assignment: BTreeMap<AzureKey, AzureSet> = BTreeMap::new();
    for g in grants {
        let (ci, scope) = g;
        let Some(a) = vocab.get(*ci).and_then(|c| c.azure.as_ref()) else {
            continue;
        };
        let key = match scope {
            Scope::Account { account } => {
                match map.account(account).and_then(|a| a.azure.clone()) {
                    Some(s) => (s, None),
                    None => continue,
                }
            }
            Scope::Resource { resource } => {
                match map.resource(resource).and_then(|r| r.azure.clone()) {
                    Some(s) => (s, None),
                    None => continue,
                }
            }
            Scope::Objects { resource, prefix } => {
                let Some(s) = map.resource(resource).and_then(|r| r.azure.clone()) else {
                    continue;
                };
                match map.prefix(resource, *prefix, Cloud::Azure) {
                    None => (s, None),
                    Some(Some(p)) => (s, Some(p.to_owned())),
                    Some(None) => continue,
                }
            }
        };
        let window = windows.get(g).copied();
        let e = by_assignment.entry((key.0, key.1, window)).or_default();
        e.0.extend(a.actions.iter().cloned());
        e.1.extend(a.data_actions.iter().cloned());
    }
    let mut roles: BTreeMap<AzureSet, (String, BTreeSet<String>)> = BTreeMap::new();
    for ((scope, _, _), set) in &by_assignment {
        let n = roles.len() + 1;
        roles
            .entry(set.clone())
            .or_insert_with(|| (format!("iamx translated {n}"), BTreeSet::new()))
            .1
            .insert(scope.clone());
    }
    let mut defs: Vec<Value> = roles
        .iter()
        .map(|((acts, data), (name, scopes))| {
            json!({
                "Name": name,
                "IsCustom": true,
                "Description": "translated by iamx translate",
                "Actions": acts.iter().collect::<Vec<_>>(),
                "NotActions": [],
                "DataActions": data.iter().collect::<Vec<_>>(),
                "NotDataActions": [],
                "AssignableScopes": scopes.iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    defs.sort_by(|a, b| {
        a.get("Name")
            .map(Value::to_string)
            .cmp(&b.get("Name").map(Value::to_string))
    });
    let assignments: Vec<Value> = by_assignment
        .iter()
        .map(|((scope, prefix, window), set)| {
            let mut a = json!({
                "principalId": member,
                "roleDefinitionName": roles.get(set).map(|r| r.0.clone()).unwrap_or_default(),
                "scope": scope,
            });
            if let (true, Some(obj)) = (prefix.is_some() || window.is_some(), a.as_object_mut()) {
                let c = azure_condition(&set.1, prefix.as_deref(), window.as_ref());
                obj.insert("condition".into(), json!(c));
                obj.insert("conditionVersion".into(), json!("2.0"));
            }
            a
        })
        .collect();
    json!({"roleDefinitions": defs, "roleAssignments": assignments})
}

/// Reads an output of [`lower`] back into capabilities, through the same
/// lifters as a source: AWS through the policy reader and the evaluator;
/// GCP and Azure by their roles' permissions at the scopes their bindings
/// and assignments name (conditions: the prefix and time-window forms
/// `lower` writes; any other is an error).
pub fn lift_output(
    vocab: &Vocabulary,
    map: &ResourceMap,
    cloud: Cloud,
    output: &Value,
) -> Result<Lifted, String> {
    Ok(match output_source(map, cloud, output)? {
        crate::Source::Aws(p) => lift_aws(vocab, map, &p, None),
        crate::Source::Held { cloud, held, .. } => lift_held(vocab, map, cloud, &held),
    })
}

/// An output of [`lower`] as a source to translate (or lift) again.
pub fn output_source(
    map: &ResourceMap,
    cloud: Cloud,
    output: &Value,
) -> Result<crate::Source, String> {
    match cloud {
        Cloud::Aws => {
            let text = output.to_string();
            let (p, diags) = iamx_aws::parse_policy_text(
                "translated policy",
                &text,
                iamx_aws::PolicyOptions {
                    ptype: iamx_aws::PolicyType::Identity,
                    actions: None,
                },
            );
            let p = p.ok_or_else(|| {
                format!(
                    "the translated policy does not read: {}",
                    diags
                        .iter()
                        .map(|d| d.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?;
            Ok(crate::Source::Aws(Arc::new(p)))
        }
        Cloud::Gcp => {
            let mut roles: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for r in output
                .get("roles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
                let perms = r
                    .get("includedPermissions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect();
                roles.insert(name.to_owned(), perms);
            }
            let mut held = Vec::new();
            for b in output
                .get("bindings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let res = b
                    .get("resource")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let role = b.get("role").and_then(Value::as_str).unwrap_or_default();
                let names = roles.get(role).cloned().ok_or_else(|| {
                    format!("binding names role `{role}`, which the output does not define")
                })?;
                let expr = b
                    .get("condition")
                    .and_then(|c| c.get("expression"))
                    .and_then(Value::as_str);
                // the parts `lower` writes: one object prefix, time bounds
                let mut prefix = None;
                let mut window = Window::ALL;
                for part in expr.into_iter().flat_map(|e| e.split(" && ")) {
                    if part.starts_with("resource.name.startsWith(") && prefix.is_none() {
                        prefix = Some(part);
                    } else {
                        window = window.with_cel_part(part).ok_or_else(|| {
                            format!(
                                "condition `{}` on `{res}`: `{part}` is neither an object prefix nor a time bound",
                                expr.unwrap_or_default()
                            )
                        })?;
                    }
                }
                let scope = match prefix {
                    None => map.scope_of(Cloud::Gcp, res).flatten().ok_or_else(|| {
                        format!("binding on `{res}`, which the map does not hold")
                    })?,
                    Some(e) => gcp_scope_of_condition(map, res, e)?,
                };
                held.push(Held {
                    scope: Some(scope),
                    names,
                    window: (!window.is_all()).then_some(window),
                    ..Held::default()
                });
            }
            Ok(crate::Source::Held {
                cloud: Cloud::Gcp,
                held,
                losses: vec![],
            })
        }
        Cloud::Azure => {
            let mut roles: BTreeMap<String, PermissionBlock> = BTreeMap::new();
            for r in output
                .get("roleDefinitions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let pats = |k: &str| -> Vec<Pattern> {
                    r.get(k)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|s| Pattern::glob(s, Case::Insensitive))
                        .collect()
                };
                roles.insert(
                    r.get("Name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    PermissionBlock {
                        actions: pats("Actions"),
                        not_actions: pats("NotActions"),
                        data_actions: pats("DataActions"),
                        not_data_actions: pats("NotDataActions"),
                    },
                );
            }
            let mut held = Vec::new();
            for a in output
                .get("roleAssignments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let scope_id = a.get("scope").and_then(Value::as_str).unwrap_or_default();
                let role = a
                    .get("roleDefinitionName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let block = roles.get(role).cloned().ok_or_else(|| {
                    format!("assignment names role `{role}`, which the output does not define")
                })?;
                let at = map
                    .scope_of(Cloud::Azure, scope_id)
                    .flatten()
                    .ok_or_else(|| {
                        format!("assignment at `{scope_id}`, which the map does not hold")
                    })?;
                let (scope, window) = match a.get("condition").and_then(Value::as_str) {
                    None => (at, Window::ALL),
                    Some(c) => azure_scope_of_condition(map, &at, &block, c)?,
                };
                held.push(Held {
                    scope: Some(scope),
                    blocks: vec![block],
                    window: (!window.is_all()).then_some(window),
                    ..Held::default()
                });
            }
            Ok(crate::Source::Held {
                cloud: Cloud::Azure,
                held,
                losses: vec![],
            })
        }
    }
}

fn gcp_scope_of_condition(map: &ResourceMap, res: &str, expr: &str) -> Result<Scope, String> {
    let bad = || format!("condition `{expr}` on `{res}` is not an object prefix condition");
    let Some(Some(Scope::Resource { resource })) = map.scope_of(Cloud::Gcp, res) else {
        return Err(bad());
    };
    let r = map.resource(&resource).ok_or_else(bad)?;
    let head = format!(
        "resource.name.startsWith(\"{}/objects/",
        gcp_bucket_path(r.gcp.as_deref().unwrap_or_default())
    );
    let p = expr
        .strip_prefix(head.as_str())
        .and_then(|t| t.strip_suffix("\")"))
        .ok_or_else(bad)?;
    map.objects_scope(r, p, Cloud::Gcp).ok_or_else(bad)
}

/// The scope and window of an assignment condition of the form
/// [`lower`] writes: every data action of the role guarded, then an object
/// prefix, time bounds, or both.
fn azure_scope_of_condition(
    map: &ResourceMap,
    at: &Scope,
    block: &PermissionBlock,
    cond: &str,
) -> Result<(Scope, Window), String> {
    let bad = || {
        format!(
            "condition `{cond}` is neither an object prefix nor a time window of the form iamx writes"
        )
    };
    let inner = cond
        .trim()
        .strip_prefix("((")
        .and_then(|c| c.strip_suffix("))"))
        .ok_or_else(bad)?;
    let (guards, body) = inner.split_once(") OR (").ok_or_else(bad)?;
    // the guard must name every data action of the role, and the role must
    // have no control-plane action (which the condition would not limit)
    let guarded: BTreeSet<String> = guards.split(" AND ").map(|g| g.trim().to_owned()).collect();
    let wanted: BTreeSet<String> = block
        .data_actions
        .iter()
        .map(|d| format!("!(ActionMatches{{'{}'}})", d.raw()))
        .collect();
    if !block.actions.is_empty() || guarded != wanted {
        return Err(bad());
    }
    let head = format!("{BLOB_PATH} StringStartsWith '");
    let mut prefix = None;
    let mut window = Window::ALL;
    for part in body.split(" AND ") {
        if let Some(p) = part
            .strip_prefix(head.as_str())
            .and_then(|p| p.strip_suffix('\''))
        {
            if prefix.replace(p).is_some() {
                return Err(bad());
            }
        } else {
            window = window.with_azure_part(part).ok_or_else(bad)?;
        }
    }
    let scope = match prefix {
        None => at.clone(),
        Some(p) => {
            let Scope::Resource { resource } = at else {
                return Err(bad());
            };
            let r = map.resource(resource).ok_or_else(bad)?;
            map.objects_scope(r, p, Cloud::Azure).ok_or_else(bad)?
        }
    };
    Ok((scope, window))
}

/// The stand-in resource of a scope (for reports of AWS probes).
pub fn probe(map: &ResourceMap, template: Option<&str>, scope: &Scope) -> Option<String> {
    aws_probe(map, template, scope).map(|(r, _)| r)
}
