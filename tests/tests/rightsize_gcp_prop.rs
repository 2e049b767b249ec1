//! Property: for random GCP environments (custom roles bound to one member
//! on a project and its buckets, with and without IAM Conditions) and random
//! audit logs of calls the bindings allow, the rightsized roles and
//! bindings allow every logged call and are never more permissive than the
//! old bindings. Checked here independently of `rightsize`'s own proofs:
//! the output is loaded as GCP inputs (its custom roles as role files, its
//! bindings as allow policies) and decided by the concrete evaluator, on
//! every logged request and on every request of a sample space
//! (permissions × the project, the buckets and objects inside and outside
//! the prefixes the conditions name × two times).

use iamx::usage::{Options, UsageRecord, read_reader};
use iamx::{LoadOptions, Provider, Query, Workspace};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

const MEMBER: &str = "user:u@example.com";
const PROJECT: &str = "//cloudresourcemanager.googleapis.com/projects/p1";
const PERMISSIONS: [&str; 4] = [
    "storage.objects.get",
    "storage.objects.list",
    "storage.objects.create",
    "storage.buckets.get",
];
/// Where bindings may sit.
const ATTACH: [&str; 3] = [
    PROJECT,
    "//storage.googleapis.com/projects/_/buckets/b1",
    "//storage.googleapis.com/projects/_/buckets/b2",
];
/// (permission, resource) of the calls logs may hold, and of the sample space.
const RESOURCES: [&str; 6] = [
    "//storage.googleapis.com/projects/_/buckets/b1",
    "//storage.googleapis.com/projects/_/buckets/b2",
    "//storage.googleapis.com/projects/_/buckets/b1/objects/a/x.csv",
    "//storage.googleapis.com/projects/_/buckets/b1/objects/a/y.csv",
    "//storage.googleapis.com/projects/_/buckets/b1/objects/c.txt",
    "//storage.googleapis.com/projects/_/buckets/b2/objects/a/x.csv",
];
const TIMES: [&str; 2] = ["2026-03-02T10:00:00Z", "2027-06-01T00:00:00Z"];

fn condition(k: u8) -> Option<Value> {
    let (title, expression) = match k {
        1 => (
            "until 2027",
            "request.time < timestamp('2027-01-01T00:00:00Z')",
        ),
        2 => (
            "prefix a/",
            "resource.name.startsWith('projects/_/buckets/b1/objects/a/')",
        ),
        3 => (
            "one object",
            "resource.name == 'projects/_/buckets/b1/objects/a/x.csv'",
        ),
        _ => return None,
    };
    Some(json!({"title": title, "expression": expression}))
}

fn ancestors(resource: &str) -> Vec<&'static str> {
    if resource == PROJECT {
        vec!["organizations/1"]
    } else {
        vec!["projects/p1", "organizations/1"]
    }
}

/// The roles (name, permissions) and the allow policies of `bindings`
/// (attachment, role name, condition) as input files.
fn inputs(
    roles: &[(String, Vec<String>)],
    bindings: &[(String, String, Option<Value>)],
) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = roles
        .iter()
        .enumerate()
        .map(|(i, (name, perms))| {
            (
                format!("role{i}.json"),
                json!({"name": name, "title": name, "stage": "GA", "includedPermissions": perms})
                    .to_string(),
            )
        })
        .collect();
    let policies: Vec<Value> = ATTACH
        .iter()
        .map(|res| {
            let bs: Vec<Value> = bindings
                .iter()
                .filter(|(r, _, _)| r == res)
                .map(|(_, role, c)| {
                    let mut b = json!({"role": role, "members": [MEMBER]});
                    if let Some(c) = c {
                        b["condition"] = c.clone();
                    }
                    b
                })
                .collect();
            json!({"resource": res, "ancestors": ancestors(res), "policy": {"version": 3, "bindings": bs}})
        })
        .collect();
    files.push((
        "policies.json".to_owned(),
        json!({ "iamxGcpIamPolicies": policies }).to_string(),
    ));
    files
}

fn log(calls: &[(usize, usize)]) -> String {
    let entries: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (p, r))| {
            let resource = RESOURCES[*r].trim_start_matches("//storage.googleapis.com/");
            let time = format!("2026-03-02T10:00:{:02}Z", i % 60);
            json!({
                "insertId": format!("e{i}"),
                "logName": "projects/p1/logs/cloudaudit.googleapis.com%2Fdata_access",
                "protoPayload": {
                    "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                    "authenticationInfo": {"principalEmail": "u@example.com"},
                    "authorizationInfo": [{
                        "granted": true,
                        "permission": PERMISSIONS[*p],
                        "resource": resource,
                    }],
                    "methodName": PERMISSIONS[*p],
                    "requestMetadata": {"requestAttributes": {"time": time}},
                    "resourceName": resource,
                    "serviceName": "storage.googleapis.com",
                    "status": {}
                },
                "resource": {"labels": {"project_id": "p1"}, "type": "gcs_bucket"},
                "timestamp": time
            })
        })
        .collect();
    Value::Array(entries).to_string()
}

fn decide(
    ws: &Workspace,
    action: &str,
    resource: &str,
    time: &str,
) -> Result<iamx::Outcome, String> {
    let mut context = iamx::model::Context::new();
    context.insert("request.time", iamx::model::Value::str(time.to_owned()));
    let (_, d, _) = ws.evaluate(
        Provider::Gcp,
        Query {
            principal: MEMBER.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            context,
            data_action: None,
            session_policy: None,
        },
    )?;
    Ok(d.outcome)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_global_rejects: 10_000, .. ProptestConfig::default() })]

    #[test]
    fn rightsized_bindings_keep_the_logs_and_grant_nothing_new(
        roles in prop::collection::vec(prop::collection::vec(0..PERMISSIONS.len(), 1..4), 1..3),
        bindings in prop::collection::vec((0..ATTACH.len(), 0..2usize, 0u8..5), 1..5),
        calls in prop::collection::vec((0..PERMISSIONS.len(), 0..RESOURCES.len()), 1..8),
    ) {
        let roles: Vec<(String, Vec<String>)> = roles
            .iter()
            .enumerate()
            .map(|(i, ps)| {
                let mut ps: Vec<String> = ps.iter().map(|p| PERMISSIONS[*p].to_owned()).collect();
                ps.sort();
                ps.dedup();
                (format!("projects/p1/roles/r{i}"), ps)
            })
            .collect();
        let bindings: Vec<(String, String, Option<Value>)> = bindings
            .iter()
            .map(|(a, r, c)| {
                (ATTACH[*a].to_owned(), roles[r % roles.len()].0.clone(), condition(*c))
            })
            .collect();
        let old = Workspace::from_texts(inputs(&roles, &bindings), &LoadOptions::default());
        prop_assert!(old.errors().next().is_none(), "{:?}", old.diagnostics);
        // the logs: calls the old bindings allow
        let mut read = Vec::new();
        read_reader(log(&calls).as_bytes(), "log.json", &Options::default(), &mut |r: UsageRecord| read.push(r));
        let mut logs = Vec::new();
        for r in read {
            let req = r.to_request();
            let (req, d, _) = old
                .evaluate(Provider::Gcp, Query {
                    principal: MEMBER.to_owned(),
                    action: req.action.clone(),
                    resource: req.resource.clone(),
                    context: req.context.clone(),
                    data_action: None,
                    session_policy: None,
                })
                .map_err(TestCaseError::fail)?;
            if d.outcome == iamx::Outcome::Allowed {
                logs.push((r, req));
            }
        }
        prop_assume!(!logs.is_empty());
        let builtin = iamx::catalog::Catalog::builtin();
        let inp = old.inputs(&builtin);
        let records: Vec<UsageRecord> = logs.iter().map(|(r, _)| r.clone()).collect();
        let opts = iamx::rightsize::Options { generalize: false, timeout: Duration::from_secs(60) };
        let out = iamx::rightsize::rightsize(&inp, &records, MEMBER, &opts).map_err(TestCaseError::fail)?;
        prop_assert!(out.proven(), "{out:?}");
        // the output as inputs: its custom roles and its bindings
        let new_roles: Vec<(String, Vec<String>)> = out.policy["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let id = r["roleId"].as_str().unwrap_or_default();
                let perms = r["includedPermissions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                (format!("projects/p1/roles/{id}"), perms)
            })
            .collect();
        let new_bindings: Vec<(String, String, Option<Value>)> = out.policy["bindings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                let role = b["role"].as_str().unwrap_or_default();
                let id = role.rsplit('/').next().unwrap_or_default();
                (
                    b["resource"].as_str().unwrap_or_default().to_owned(),
                    format!("projects/p1/roles/{id}"),
                    b.get("condition").cloned(),
                )
            })
            .collect();
        prop_assert!(
            new_bindings.iter().all(|(r, _, _)| ATTACH.contains(&r.as_str())),
            "a binding outside the environment: {}", out.policy
        );
        let new = Workspace::from_texts(inputs(&new_roles, &new_bindings), &LoadOptions::default());
        prop_assert!(new.errors().next().is_none(), "{:?}\n{}", new.diagnostics, out.policy);
        // every logged request is allowed by the new bindings
        for (_, req) in &logs {
            let time: String = req
                .context
                .get("request.time")
                .and_then(|v| v.values().first().map(|s| s.as_string().into_owned()))
                .unwrap_or_default();
            let time = time.as_str();
            prop_assert_eq!(
                decide(&new, &req.action, &req.resource, time).map_err(TestCaseError::fail)?,
                iamx::Outcome::Allowed,
                "{} on {} at {}\n{}", req.action, req.resource, time, out.policy
            );
        }
        // and nothing in the sample space that the old bindings do not allow
        for p in PERMISSIONS {
            for r in RESOURCES.iter().chain([&PROJECT]) {
                for t in TIMES {
                    let now = decide(&new, p, r, t).map_err(TestCaseError::fail)?;
                    if now == iamx::Outcome::Allowed {
                        let before = decide(&old, p, r, t).map_err(TestCaseError::fail)?;
                        prop_assert_eq!(
                            before, iamx::Outcome::Allowed,
                            "new allows {} on {} at {}, the old bindings do not\n{}", p, r, t, out.policy
                        );
                    }
                }
            }
        }
    }
}
