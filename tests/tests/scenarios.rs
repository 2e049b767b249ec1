//! The conformance tables: every scenario in `corpus/scenarios/<provider>/`
//! decided through the same path as `iamx eval --request`, compared with its
//! expected decision.

use iamx::{LoadOptions, Workspace};
use std::path::{Path, PathBuf};

fn corpus(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("corpus")
        .join(sub)
}

/// Runs every scenario file of one provider; returns (scenarios run, failures).
fn check(provider: &str) -> (usize, Vec<String>) {
    let dir = corpus(&format!("scenarios/{provider}"));
    let ws = Workspace::load(&[dir], &LoadOptions::default()).expect("scenario folder readable");
    let errors: Vec<String> = ws.errors().map(ToString::to_string).collect();
    assert!(
        errors.is_empty(),
        "scenario files must load cleanly:\n{}",
        errors.join("\n")
    );
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for case in &ws.requests {
        let name = case.name.clone().expect("every scenario has a name");
        assert!(
            names.insert(name.clone()),
            "duplicate scenario name `{name}`"
        );
        let expected = case
            .expected
            .as_deref()
            .expect("every scenario has `expected`");
        assert!(
            matches!(
                expected,
                "allowed" | "explicitly_denied" | "not_allowed" | "unknown"
            ),
            "`{name}`: bad expected decision `{expected}`"
        );
        let d = ws.decide_case(case);
        if d.outcome.as_str() != expected {
            failures.push(format!(
                "{name}: expected {expected}, got {} ({:?}; blocked by {:?}; doc: {})",
                d.outcome,
                d.outcome,
                d.explanation.blocked_by.as_ref().map(|b| &b.message),
                case.doc.as_deref().unwrap_or("")
            ));
        }
    }
    (ws.requests.len(), failures)
}

/// Runs one provider's table and asserts its size and that every scenario
/// gives its expected decision.
fn table(provider: &str, at_least: usize) {
    let (n, failures) = check(provider);
    println!("{provider} scenarios: {n} run, {} failed", failures.len());
    assert!(
        n >= at_least,
        "the {provider} table must hold at least {at_least} scenarios, has {n}"
    );
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn aws_conformance_table() {
    table("aws", 150);
}

#[test]
fn gcp_conformance_table() {
    table("gcp", 100);
}

#[test]
fn azure_conformance_table() {
    table("azure", 100);
}

/// Every guardrail scenario that is refused is refused by the guardrail
/// layer, whose message cites AWS's page; every `sts:GetCallerIdentity`
/// scenario that a policy would deny says why it is allowed anyway.
#[test]
fn guardrail_decisions_name_the_rule() {
    let file = corpus("scenarios/aws/guardrails.json");
    let ws = Workspace::load(&[file], &LoadOptions::default()).expect("guardrail table readable");
    let (mut refused, mut exempted) = (0, 0);
    for case in &ws.requests {
        let name = case.name.clone().unwrap_or_default();
        let d = ws.decide_case(case);
        if name.starts_with("guardrail-") && case.expected.as_deref() == Some("not_allowed") {
            let b = d.explanation.blocked_by.as_ref().expect("a block");
            assert_eq!(b.layer, iamx_model::Layer::Guardrail, "{name}");
            assert!(
                b.message.contains("https://docs.aws.amazon.com/"),
                "{name}: {}",
                b.message
            );
            refused += 1;
        }
        if name.starts_with("get-caller-identity-despite") {
            assert!(
                d.explanation.notes.iter().any(|n| n
                    .contains("sts:GetCallerIdentity is allowed to every authenticated caller")),
                "{name}: {:?}",
                d.explanation.notes
            );
            exempted += 1;
        }
    }
    assert!(refused >= 20, "only {refused} refused guardrail scenarios");
    assert!(
        exempted >= 3,
        "only {exempted} GetCallerIdentity exemptions"
    );
}
