//! `examples/gcp`: the example organization loads cleanly and every
//! `iamx eval` line of its README gets the decision the README states.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a failed test"
)]

use iamx_gcp::{GcpEnvironment, Source, build_request, load_source};
use iamx_model::program::{Program, decide};
use iamx_model::{Context, Outcome, Value};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gcp")
}

fn files(d: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
        .expect("examples dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "ndjson")
        ) {
            out.push(p);
        }
    }
}

fn load() -> GcpEnvironment {
    let mut all = Vec::new();
    files(&dir(), &mut all);
    let mut env = GcpEnvironment::default();
    for p in &all {
        let src = Source::new(p.display().to_string(), std::fs::read_to_string(p).unwrap());
        let l = load_source(&src)
            .unwrap_or_else(|d| panic!("{d}"))
            .unwrap_or_else(|| panic!("{}: a GCP format", p.display()));
        assert!(
            l.diagnostics.is_empty(),
            "{}: {:#?}",
            p.display(),
            l.diagnostics
        );
        env.merge(l.env);
    }
    assert!(all.len() >= 12, "{} files", all.len());
    env
}

#[test]
fn example_organization_loads_cleanly() {
    let env = load();
    let refs = env.check_references();
    assert!(refs.is_empty(), "{refs:#?}");
    let c = env.counts();
    println!("examples/gcp: {c:?}");
    assert_eq!(
        c.roles, 9,
        "8 roles of the GCP example plus workloadIdentityUser for the AWS federation"
    );
    assert_eq!(c.deny_policies, 1);
    assert_eq!(c.deleted_members, 1);
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Allowed => "allowed",
        Outcome::ExplicitlyDenied => "explicitly_denied",
        Outcome::NotAllowed => "not_allowed",
        Outcome::Unknown(_) => "unknown",
    }
}

#[test]
fn readme_findings_hold() {
    let env = load();
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    let mut n = 0;
    for line in readme.lines() {
        let Some(start) = line.find("`iamx eval examples ") else {
            continue;
        };
        let rest = &line[start + 1..];
        let end = rest.find('`').expect("closing backtick");
        let cmd = &rest[..end];
        let expected = line
            .rsplit_once("→ **")
            .and_then(|(_, e)| e.strip_suffix("**"))
            .unwrap_or_else(|| panic!("no decision on: {line}"));
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let (mut who, mut what, mut res, mut ctx) = (None, None, None, Context::new());
        let mut k = 3;
        while k + 1 < words.len() {
            match words[k] {
                "--principal" => who = Some(words[k + 1]),
                "--action" => what = Some(words[k + 1]),
                "--resource" => res = Some(words[k + 1]),
                "--context" => {
                    let (key, v) = words[k + 1].split_once('=').expect("KEY=VALUE");
                    ctx.insert(key, Value::str(v));
                }
                other => panic!("unexpected flag {other} in {cmd}"),
            }
            k += 2;
        }
        let (req, prog) = build_request(&env, who.unwrap(), what.unwrap(), res.unwrap(), ctx)
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        let d = decide(&Program::Gcp(prog), &req);
        assert_eq!(outcome_name(&d.outcome), expected, "{cmd}\n{d:#?}");
        n += 1;
    }
    println!("examples/gcp README: {n} findings checked");
    assert!(n >= 15);
}
