//! Helpers shared by the reasoner's end-to-end tests: running the CLI, the
//! real-data folder, and the one place their witnesses are replayed through
//! the concrete evaluators (`eval_witness` through `iamx eval`,
//! `gcp_side_decision` and `azure_side_decision` through the library's
//! evaluators for policies and roles that no environment holds).

#![allow(dead_code, reason = "not every test file uses every helper")]

use assert_cmd::Command;
use iamx::model::{Context, Outcome, Principal, PrincipalKind, Request, Value};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `iamx` in the workspace root: exit code and stdout.
pub fn run(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("iamx")
        .expect("the iamx binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        (0..=2).contains(&code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `iamx … --format json`: exit code and the parsed output.
pub fn run_json(args: &[&str]) -> (i32, Json) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, out) = run(&all);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"));
    (code, v)
}

/// A folder of `../shared/data`, or `None` (with a notice) when absent.
pub fn shared(sub: &str) -> Option<String> {
    let p = root().join("../shared/data").join(sub);
    if p.exists() {
        Some(p.display().to_string())
    } else {
        eprintln!(
            "NOTICE: {} is absent; skipping this real-data test",
            p.display()
        );
        None
    }
}

/// The `(key, value)` pairs of a witness's context.
pub fn witness_context(w: &Json) -> Vec<(String, String)> {
    w["context"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|kv| {
                    (
                        kv[0].as_str().expect("key").to_owned(),
                        kv[1].as_str().expect("value").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn context_of(w: &Json) -> Context {
    let mut c = Context::new();
    for (k, v) in witness_context(w) {
        c.insert(&k, Value::str(v));
    }
    c
}

/// Replays a witness (`{principal, action, resource, context, data_action}`)
/// through `iamx eval` on `paths`, as `principal` when the witness names
/// none: the decision (`allowed`, `not_allowed`, …).
pub fn eval_witness(paths: &[&str], provider: &str, principal: Option<&str>, w: &Json) -> String {
    assert_eq!(w["result"], "witness", "{w:#}");
    let who = principal
        .map(str::to_owned)
        .or_else(|| w["principal"].as_str().map(str::to_owned))
        .expect("a principal");
    let mut args: Vec<String> = vec!["eval".into()];
    args.extend(paths.iter().map(|p| (*p).to_owned()));
    args.extend([
        "--provider".into(),
        provider.into(),
        "--principal".into(),
        who,
        "--action".into(),
        w["action"].as_str().expect("action").into(),
        "--resource".into(),
        w["resource"].as_str().expect("resource").into(),
        "--format".into(),
        "json".into(),
    ]);
    if w["data_action"] == true {
        args.push("--data-action".into());
    }
    for (k, v) in witness_context(w) {
        args.push("--context".into());
        args.push(format!("{k}={v}"));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out) = run(&argv);
    assert_eq!(code, 0, "{argv:?}: {out}");
    let d: Json = serde_json::from_str(&out).expect("json");
    d["decision"].as_str().expect("decision").to_owned()
}

fn with_workspace(with: &[&str]) -> iamx::Workspace {
    let paths: Vec<PathBuf> = with.iter().map(|p| root().join(p)).collect();
    let ws = iamx::Workspace::load(&paths, &iamx::LoadOptions::default()).expect("loads");
    assert!(ws.errors().next().is_none(), "{:?}", ws.diagnostics);
    ws
}

fn side_path(side: &str) -> String {
    let p = root().join(side);
    if p.exists() {
        p.display().to_string()
    } else {
        side.to_owned()
    }
}

/// Replays a witness of a GCP policy or role comparison: the concrete
/// evaluator's decision of `side` (a file or a role named in `with`) on the
/// witness request, the caller being the least one of the witness's member
/// (the role's holder for a role).
pub fn gcp_side_decision(side: &str, with: &[&str], w: &Json) -> Outcome {
    use iamx::reason::{Grants, rbac};
    let ws = with_workspace(with);
    let (g, _) = iamx::reason::load_grants(&side_path(side), &ws).expect("side loads");
    let Grants::Gcp(g) = g else {
        panic!("{side} is not GCP")
    };
    let member = w["principal"].as_str().unwrap_or(rbac::GCP_PROBE);
    let caller = rbac::least_caller(member).expect("a caller");
    let prog = rbac::gcp_program(&caller, &g.bindings);
    let req = Request {
        principal: iamx::gcp::principal_of(&caller.principal).expect("principal"),
        action: w["action"].as_str().expect("action").into(),
        resource: w["resource"].as_str().expect("resource").into(),
        resource_account: None,
        context: context_of(w),
    };
    iamx::model::gcp::evaluate_gcp(&prog, &req).outcome
}

/// Replays a witness of an Azure role or assignment comparison: the
/// concrete evaluator's decision of `side` on the witness request.
pub fn azure_side_decision(side: &str, with: &[&str], w: &Json) -> Outcome {
    use iamx::reason::Grants;
    let ws = with_workspace(with);
    let (g, _) = iamx::reason::load_grants(&side_path(side), &ws).expect("side loads");
    let Grants::Azure(g) = g else {
        panic!("{side} is not Azure")
    };
    let (_, prog) = g.program(w["data_action"] == true);
    let req = Request {
        principal: Principal {
            id: iamx::reason::rbac::AZURE_PROBE.into(),
            kind: PrincipalKind::User,
            account: None,
            role_arn: None,
            name: None,
            unique_id: None,
        },
        action: w["action"].as_str().expect("action").into(),
        resource: w["resource"].as_str().expect("resource").into(),
        resource_account: None,
        context: context_of(w),
    };
    iamx::model::azure::evaluate_azure(&prog, &req).outcome
}

/// Asserts that a witness of "A allows, B does not" replays: `a` allows
/// it, `b` refuses it.
pub fn assert_replays(a: Outcome, b: Outcome, w: &Json) {
    assert_eq!(a, Outcome::Allowed, "the first side does not allow {w:#}");
    assert!(
        matches!(b, Outcome::NotAllowed | Outcome::ExplicitlyDenied),
        "the second side does not refuse {w:#}: {b}"
    );
}
