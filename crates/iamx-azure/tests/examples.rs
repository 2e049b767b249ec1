//! `examples/azure`: every command line of its README gives the decision the
//! README states, through the same calls `iamx eval` makes
//! (`build_request` on the merged environment, then `decide`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_azure::{AzureEnvironment, build_request, load_json};
use iamx_model::source::Source;
use iamx_model::{Context, Value, decide, program::Program};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/azure")
}

fn environment() -> AzureEnvironment {
    let mut env = AzureEnvironment::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("json"))
        .collect();
    files.sort();
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let src = Source::new(name.clone(), std::fs::read_to_string(&p).unwrap());
        let json = src.parse_json().unwrap();
        let load = load_json(&src, &json).unwrap_or_else(|| panic!("{name}: not Azure"));
        assert!(
            load.diagnostics.is_empty(),
            "{name}: {:?}",
            load.diagnostics
        );
        env.merge(load.env);
    }
    let checks = env.validate();
    assert!(checks.is_empty(), "{checks:?}");
    env
}

/// Splits a command line on spaces, keeping single-quoted words whole.
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn readme_findings_hold() {
    let env = environment();
    let c = env.counts();
    println!("examples/azure: {c:?}");
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    let mut n = 0;
    for line in readme.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("`iamx eval examples ") else {
            continue;
        };
        let (cmd, expected) = rest.split_once("` → **").unwrap();
        let expected = expected.trim_end_matches("**");
        let w = words(cmd);
        let (mut principal, mut action, mut resource, mut data) = (None, None, None, None);
        let mut ctx = Context::new();
        let mut i = 0;
        while i < w.len() {
            match w[i].as_str() {
                "--principal" => principal = w.get(i + 1).cloned(),
                "--action" => action = w.get(i + 1).cloned(),
                "--resource" => resource = w.get(i + 1).cloned(),
                "--data-action" => {
                    data = Some(true);
                    i += 1;
                    continue;
                }
                "--context" => {
                    let (k, v) = w[i + 1].split_once('=').unwrap();
                    ctx.insert(k, Value::str(v));
                }
                other => panic!("unexpected `{other}` in {cmd}"),
            }
            i += 2;
        }
        let (req, prog) = build_request(
            &env,
            &principal.unwrap(),
            &action.unwrap(),
            &resource.unwrap(),
            data,
            ctx,
        )
        .unwrap();
        let d = decide(&Program::Azure(prog), &req);
        assert_eq!(d.outcome.as_str(), expected, "{cmd}\n{d:#?}");
        n += 1;
    }
    println!("examples/azure README: {n} command lines checked");
    assert!(n >= 12);
}

#[test]
fn principals_resolve_by_name() {
    let env = environment();
    let (id, name, kind) = env.resolve_principal("Alice@Example.com").unwrap();
    assert_eq!(id, "11111111-aaaa-4aaa-8aaa-111111111111");
    assert_eq!(name.as_deref(), Some("alice@example.com"));
    assert_eq!(kind.as_deref(), Some("User"));
    let (id, _, kind) = env.resolve_principal("app-oncall").unwrap();
    assert_eq!(id, "66666666-ffff-4fff-8fff-666666666666");
    assert_eq!(kind.as_deref(), Some("Group"));
    assert!(env.resolve_principal("mallory").is_err());
    // erin's identities: herself, app-oncall and app-ops
    assert_eq!(
        env.identities("77777777-7777-4777-8777-777777777777").len(),
        3
    );
}
