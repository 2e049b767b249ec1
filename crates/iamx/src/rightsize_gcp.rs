//! `rightsize` for a GCP member: custom roles holding exactly the
//! permissions used, bound to the member on exactly the resources used.
//!
//! Each logged call is decided again; the binding that allows it gives the
//! IAM condition the new binding keeps. The new binding is attached to the
//! logged resource itself, except for Cloud Storage objects, which hold no
//! allow policy: those are bound on their bucket with a condition on
//! `resource.name` naming the objects (`--generalize`: the prefix they
//! share). Each new binding grants a permission only where and when an old
//! binding of the member did (the same condition, on a resource at or under
//! the old binding's), which the second proof checks with the reasoner, per
//! new binding, permission and logged resource.

use crate::analysis::Inputs;
use crate::reason::rbac::gcp_concrete;
use crate::rightsize::{
    NoNewAccess, NotCarried, Options, Rightsized, decide_logged, logged_proof, preferred,
};
use iamx_model::gcp::{GcpBinding, GcpProgram, RoleGrant, evaluate_gcp};
use iamx_model::{Condition, Effect, Origin, Outcome, Request};
use iamx_usage::{Cloud, UsageRecord};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A call kept: its request and program, the attachment point, the old
/// binding's condition (CEL text) and, for an object, its relative name.
struct Kept {
    /// The project the log entry was written to, when the log says.
    project: Option<String>,
    request: Request,
    program: GcpProgram,
    was_allowed: bool,
    attach: String,
    condition: Option<String>,
    object: Option<String>,
}

const STORAGE: &str = "//storage.googleapis.com/";

/// Where a binding for `resource` goes, and the object name when it is a
/// Cloud Storage object.
fn attachment(resource: &str) -> (String, Option<String>) {
    if let Some(rel) = resource.strip_prefix(STORAGE)
        && let Some(i) = rel.find("/objects/")
    {
        let bucket = format!("{STORAGE}{}", rel.get(..i).unwrap_or(rel));
        return (bucket, Some(rel.to_owned()));
    }
    (resource.to_owned(), None)
}

fn cel_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The condition on object names: each name, or (generalised) the prefix
/// the names share up to their last `/`.
fn object_condition(objects: &BTreeSet<String>, generalize: bool) -> String {
    let mut parts: BTreeSet<String> = BTreeSet::new();
    if generalize {
        let mut by_parent: BTreeMap<String, Vec<&String>> = BTreeMap::new();
        for o in objects {
            let parent = o.rfind('/').and_then(|i| o.get(..=i)).unwrap_or(o);
            by_parent.entry(parent.to_owned()).or_default().push(o);
        }
        for (parent, v) in by_parent {
            if v.len() >= 2 {
                parts.insert(format!("resource.name.startsWith({})", cel_string(&parent)));
            } else {
                parts.extend(
                    v.into_iter()
                        .map(|o| format!("resource.name == {}", cel_string(o))),
                );
            }
        }
    } else {
        parts.extend(
            objects
                .iter()
                .map(|o| format!("resource.name == {}", cel_string(o))),
        );
    }
    let v: Vec<String> = parts.into_iter().collect();
    v.join(" || ")
}

fn synthetic(name: &str) -> Arc<Origin> {
    Arc::new(Origin {
        file: None,
        policy: Arc::from(name),
        statement: 0,
        sid: None,
        line: 0,
        column: 0,
    })
}

/// Rightsizes a GCP member from its logged calls.
pub(crate) fn rightsize(
    inp: &Inputs<'_>,
    calls: &[&UsageRecord],
    member: &str,
    opts: &Options,
) -> Result<Rightsized, String> {
    let mut kept: Vec<Kept> = Vec::new();
    let mut not_carried = Vec::new();
    for r in calls {
        let logged = r.to_request();
        let call = format!("{} on {}", logged.action, logged.resource);
        let location = r.location.to_string();
        let Some((req, prog, d, call, location)) = decide_logged(
            call,
            location,
            iamx_gcp::build_request(
                inp.gcp,
                member,
                &logged.action,
                &logged.resource,
                logged.context.clone(),
            ),
            evaluate_gcp,
            "bindings",
            &mut not_carried,
        ) else {
            continue;
        };
        let hits: Vec<&GcpBinding> = d
            .explanation
            .statements
            .iter()
            .filter(|h| h.effect == Effect::Allow)
            .filter_map(|h| {
                prog.bindings
                    .iter()
                    .find(|b| Arc::ptr_eq(&b.origin, &h.origin))
                    .map(|b| &**b)
            })
            .collect();
        let Some(b) = preferred(&hits, |x| &x.condition) else {
            not_carried.push(NotCarried {
                call,
                location,
                reason: "no binding of the member allows it".to_owned(),
            });
            continue;
        };
        let condition = match &b.condition {
            Condition::True => None,
            Condition::Expr(e) => Some(iamx_gcp::print_cel(e)),
            other => {
                not_carried.push(NotCarried {
                    call,
                    location,
                    reason: format!("the binding's condition `{other}` cannot be written back"),
                });
                continue;
            }
        };
        let (attach, object) = attachment(&req.resource);
        kept.push(Kept {
            project: r.resource_account.clone(),
            was_allowed: d.outcome == Outcome::Allowed,
            request: req,
            program: prog,
            attach,
            condition,
            object,
        });
    }
    // (attachment, old condition) → object (or "") → permissions
    type Groups = BTreeMap<(String, Option<String>), BTreeMap<Option<String>, BTreeSet<String>>>;
    let mut groups: Groups = BTreeMap::new();
    for k in &kept {
        groups
            .entry((k.attach.clone(), k.condition.clone()))
            .or_default()
            .entry(k.object.clone())
            .or_default()
            .insert(k.request.action.clone());
    }
    // each binding: attachment, permissions, condition, and the kept calls it
    // stands for
    let mut role_ids: BTreeMap<BTreeSet<String>, String> = BTreeMap::new();
    let mut bindings: Vec<(String, BTreeSet<String>, Option<String>)> = Vec::new();
    for ((attach, cond), by_object) in groups {
        // objects with the same permission set share a binding
        let mut by_perms: BTreeMap<BTreeSet<String>, BTreeSet<Option<String>>> = BTreeMap::new();
        for (object, perms) in by_object {
            by_perms.entry(perms).or_default().insert(object);
        }
        for (perms, objects) in by_perms {
            let names: BTreeSet<String> = objects.iter().flatten().cloned().collect();
            let on_objects = (!names.is_empty()).then(|| object_condition(&names, opts.generalize));
            // a bucket-level call and object calls with the same permissions
            // are two bindings: the object condition would exclude the bucket
            let whole = objects.contains(&None);
            for restrict in [whole.then_some(None), on_objects.map(Some)]
                .into_iter()
                .flatten()
            {
                let condition = match (&cond, restrict) {
                    (None, None) => None,
                    (Some(c), None) => Some(c.clone()),
                    (None, Some(o)) => Some(o),
                    (Some(c), Some(o)) => Some(format!("({c}) && ({o})")),
                };
                let n = role_ids.len() + 1;
                role_ids
                    .entry(perms.clone())
                    .or_insert_with(|| format!("iamxRightsized{n}"));
                bindings.push((attach.clone(), perms.clone(), condition));
            }
        }
    }
    // the new bindings as the model reads them
    let mut model: Vec<Arc<GcpBinding>> = Vec::new();
    for (i, (attach, perms, cond)) in bindings.iter().enumerate() {
        let condition = match cond {
            None => Condition::True,
            Some(text) => match iamx_gcp::parse_cel(text) {
                Ok(e) => Condition::Expr(Box::new(e)),
                Err(e) => return Err(format!("the condition `{text}` does not read back: {e}")),
            },
        };
        model.push(Arc::new(GcpBinding {
            role: role_ids.get(perms).cloned().unwrap_or_default(),
            grant: RoleGrant::Permissions(Arc::new(perms.clone())),
            members: vec![member.to_owned()],
            condition,
            attached_to: attach.clone(),
            origin: synthetic(&format!("rightsized binding {}", i + 1)),
        }));
    }
    let applies = |b: &GcpBinding, resource: &str| {
        resource == b.attached_to
            || resource
                .strip_prefix(b.attached_to.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    // proof 1: each kept call with the new bindings in place of the old
    let decided: Vec<Outcome> = kept
        .iter()
        .map(|k| {
            let mut prog = k.program.clone();
            prog.bindings = model
                .iter()
                .filter(|b| applies(b, &k.request.resource))
                .cloned()
                .collect();
            evaluate_gcp(&prog, &k.request).outcome
        })
        .collect();
    let logged = logged_proof(
        "new bindings",
        "allow bindings",
        kept.iter()
            .zip(decided)
            .map(|(k, out)| (&k.request, out, k.was_allowed)),
    );
    // proof 2: per new binding, permission and logged resource it covers
    let mut proof = NoNewAccess::default();
    'outer: for b in &model {
        let RoleGrant::Permissions(perms) = &b.grant else {
            continue;
        };
        // the questions: at the binding's own resource (what the current
        // bindings allow there they allow below it), and at each logged
        // resource under it
        let mut points: Vec<(Request, GcpProgram)> = Vec::new();
        for p in perms.iter() {
            if let Ok(x) = iamx_gcp::build_request(
                inp.gcp,
                member,
                p,
                &b.attached_to,
                iamx_model::Context::new(),
            ) {
                points.push(x);
            }
        }
        let mut seen = BTreeSet::new();
        for k in kept.iter().filter(|k| applies(b, &k.request.resource)) {
            if !seen.insert(k.request.resource.clone()) {
                continue;
            }
            for p in perms.iter() {
                let mut req = k.request.clone();
                req.action = p.clone();
                points.push((req, k.program.clone()));
            }
        }
        for (mut req, prog) in points {
            req.context = iamx_model::Context::new();
            let mut pa = prog.clone();
            pa.bindings = vec![b.clone()];
            proof.ask(gcp_concrete(&pa, &prog, &req), || {
                iamx_smt::diff::gcp(&pa, &prog, &req, opts.timeout)
            });
            if proof.failed() {
                break 'outer;
            }
        }
    }
    let no_new_access =
        proof.finish("binding × permission, at its resource and at each logged resource");
    // the output: custom roles and bindings, as gcloud takes them
    let roles: Vec<Json> = role_ids
        .iter()
        .map(|(perms, id)| {
            json!({
                "roleId": id,
                "title": format!("{id} for {member}"),
                "description": format!("Rightsized from usage logs: the permissions {member} used."),
                "stage": "GA",
                "includedPermissions": perms.iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    let binds: Vec<Json> = bindings
        .iter()
        .map(|(attach, perms, cond)| {
            let id = role_ids.get(perms).cloned().unwrap_or_default();
            let mut b = json!({
                "resource": attach,
                "role": format!("{}/roles/{id}", role_parent(inp, attach, &kept)),
                "members": [member],
            });
            if let (Some(c), Json::Object(m)) = (cond, &mut b) {
                m.insert(
                    "condition".to_owned(),
                    json!({"title": "rightsized", "expression": c}),
                );
            }
            b
        })
        .collect();
    let pairs: BTreeSet<(String, String)> = kept
        .iter()
        .map(|k| (k.request.action.clone(), k.request.resource.clone()))
        .collect();
    Ok(Rightsized {
        cloud: Cloud::Gcp,
        principal: member.to_owned(),
        policy: json!({"roles": roles, "bindings": binds}),
        calls: calls.len(),
        kept: pairs.len(),
        not_carried,
        logged_calls_allowed: logged,
        no_new_access,
    })
}

/// Where a custom role lives: the project the resource names, else a
/// placeholder to fill in.
/// The project a custom role for a binding at `resource` belongs to (a
/// project-level custom role can be bound only in its project): the
/// project the name holds, else the nearest project among its ancestors
/// the inputs give, else the project whose log recorded the calls made
/// there, else a placeholder the user fills in.
fn role_parent(inp: &Inputs<'_>, resource: &str, kept: &[Kept]) -> String {
    let named = |name: &str| -> Option<String> {
        let mut it = name.split('/');
        while let Some(seg) = it.next() {
            if seg == "projects"
                && let Some(p) = it.next()
                && p != "_"
                && !p.is_empty()
            {
                return Some(format!("projects/{p}"));
            }
        }
        None
    };
    // role names take the project id; ancestors give the number
    let by_id = |p: String| match inp.gcp.aliases.get(&p) {
        Some(id)
            if p.bytes()
                .skip("projects/".len())
                .all(|b| b.is_ascii_digit()) =>
        {
            id.clone()
        }
        _ => p,
    };
    named(resource)
        .or_else(|| {
            inp.gcp
                .ancestors
                .get(&iamx_gcp::names::canon(resource))
                .and_then(|a| a.iter().find_map(|x| named(x)))
                .map(by_id)
        })
        .or_else(|| {
            kept.iter()
                .filter(|k| k.attach == resource)
                .find_map(|k| k.project.clone())
        })
        .unwrap_or_else(|| "projects/PROJECT_ID".to_owned())
}
