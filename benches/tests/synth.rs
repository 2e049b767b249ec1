//! The synthetic organisation of `iamx_benches::synth`: it loads through
//! `Workspace::load` with zero errors (and zero warnings), holds what the
//! generator says it holds, has about ten grants per principal, is
//! deterministic, and its probes have answers.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions fail the test the same way"
)]

use iamx::analysis;
use iamx_benches::scale;
use iamx_benches::synth::{self, Config, Summary};
use iamx_model::Effect;
use std::path::PathBuf;

const N: usize = 300;

fn dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("iamx-synth-test-{tag}-{}", std::process::id()))
}

/// AWS grants as the generator counts them: statements as attached.
fn aws_grants(env: &iamx::aws::AwsEnvironment) -> usize {
    let managed = |arns: &[String]| -> usize {
        arns.iter()
            .map(|a| env.managed.get(a).map_or(0, |m| m.policy.statements.len()))
            .sum()
    };
    let inline = |ps: &[std::sync::Arc<iamx_model::Policy>]| -> usize {
        ps.iter().map(|p| p.statements.len()).sum()
    };
    let users: usize = env
        .users
        .values()
        .map(|u| managed(&u.attached) + inline(&u.inline))
        .sum();
    let groups: usize = env
        .groups
        .values()
        .map(|g| managed(&g.attached) + inline(&g.inline))
        .sum();
    let roles: usize = env
        .roles
        .values()
        .map(|r| {
            managed(&r.attached)
                + inline(&r.inline)
                + r.trust.as_ref().map_or(0, |t| t.statements.len())
        })
        .sum();
    let resource: usize = env
        .resource_policies
        .iter()
        .map(|rp| rp.policy.statements.len())
        .sum();
    users + groups + roles + resource
}

fn check_counts(ws: &iamx::Workspace, s: &Summary) {
    // AWS
    let aws = &ws.aws;
    assert_eq!(aws.users.len(), s.aws.users);
    assert_eq!(aws.roles.len(), s.aws.roles);
    assert_eq!(aws.groups.len(), s.aws.groups);
    assert_eq!(aws.managed.len(), s.aws.managed_policies);
    assert_eq!(aws.resource_policies.len(), s.aws.resource_policies);
    let org = aws.organization.as_ref().expect("organisation loaded");
    assert_eq!(
        org.accounts().len(),
        s.aws.accounts + 1,
        "accounts + management"
    );
    assert_eq!(aws_grants(aws), s.aws.grants);
    assert!(s.aws.escalation_users >= s.aws.accounts);
    let trusts_service = aws.roles.values().any(|r| {
        r.trust.as_ref().is_some_and(|t| {
            t.statements.iter().any(|st| {
                st.principal.as_ref().is_some_and(|p| {
                    p.entries
                        .iter()
                        .any(|e| matches!(e, iamx_model::PrincipalEntry::Service(_)))
                })
            })
        })
    });
    assert!(trusts_service, "some roles trust a service");
    let denies = aws
        .managed
        .values()
        .flat_map(|m| m.policy.statements.iter())
        .filter(|st| st.effect == Effect::Deny && st.action.negated)
        .count();
    assert!(denies > 0, "Deny + NotAction statements");
    // GCP
    let gc = ws.gcp.counts();
    assert_eq!(gc.bindings, s.gcp.bindings);
    assert_eq!(gc.groups, s.gcp.groups);
    assert_eq!(gc.roles, s.gcp.roles);
    assert_eq!(gc.deny_rules, s.gcp.deny_rules);
    let bindings: Vec<&iamx::gcp::Binding> = ws
        .gcp
        .allow
        .values()
        .flatten()
        .flat_map(|p| p.bindings.iter())
        .collect();
    let members: usize = bindings.iter().map(|b| b.members.len()).sum();
    assert_eq!(members, s.gcp.grants);
    let conditional = bindings.iter().filter(|b| !b.condition.is_true()).count();
    assert_eq!(conditional, s.gcp.conditional_bindings);
    let share = conditional as f64 / bindings.len() as f64;
    assert!((0.05..=0.25).contains(&share), "conditional share {share}");
    let gp = analysis::gcp::principals(&ws.gcp);
    let users = gp.iter().filter(|m| m.starts_with("user:")).count();
    let sas = gp
        .iter()
        .filter(|m| m.starts_with("serviceAccount:"))
        .count();
    assert_eq!(users, s.gcp.users);
    assert_eq!(sas, s.gcp.service_accounts);
    for p in analysis::gcp::containers(&ws.gcp)
        .iter()
        .filter(|c| c.starts_with("projects/"))
    {
        let t = ws.gcp.target(&iamx::gcp::names::full(p), None);
        assert!(t.complete(), "{p} is placed under the organisation");
    }
    // Azure
    let ac = ws.azure.counts();
    assert_eq!(ac.assignments, s.azure.grants);
    assert_eq!(ac.groups, s.azure.groups);
    assert_eq!(ac.roles, s.azure.role_definitions);
    assert_eq!(ac.deny_assignments, s.azure.deny_assignments);
    assert_eq!(ac.management_groups, s.azure.management_groups);
    assert_eq!(ac.subscriptions, s.azure.subscriptions);
    let conditional = ws
        .azure
        .assignments
        .iter()
        .filter(|a| a.condition_text.is_some())
        .count();
    assert_eq!(conditional, s.azure.conditional_assignments);
    assert!(conditional > 0);
    assert_eq!(
        analysis::azure::principals(&ws.azure).len(),
        s.azure.users + s.azure.service_principals
    );
    // principals and grants
    assert_eq!(s.principals(), N);
    let per = |g: usize, p: usize| g as f64 / p as f64;
    let overall = per(s.grants(), s.principals());
    assert!(
        (8.0..=12.0).contains(&overall),
        "{overall} grants per principal"
    );
    for (cloud, g, p) in [
        ("aws", s.aws.grants, s.aws.users + s.aws.roles),
        ("gcp", s.gcp.grants, s.gcp.users + s.gcp.service_accounts),
        (
            "azure",
            s.azure.grants,
            s.azure.users + s.azure.service_principals,
        ),
    ] {
        let x = per(g, p);
        assert!(
            (7.0..=13.0).contains(&x),
            "{cloud}: {x} grants per principal"
        );
    }
}

#[test]
fn synthetic_organisation_loads_with_zero_errors_and_the_intended_counts() {
    let d = dir("load");
    let summary = synth::write(&Config::new(N), &d).unwrap();
    let ws = scale::load(&d).unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = ws.warnings().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "warnings: {warnings:#?}");
    assert_eq!(ws.files.len(), summary.files.len());
    assert!(ws.files.iter().all(|f| f.format.is_some()));
    check_counts(&ws, &summary);

    // the probes have answers
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    for q in scale::questions(&summary) {
        let n = q.ask(&inp).unwrap_or_else(|e| panic!("{}: {e}", q.label));
        assert!(n > 0, "{} has no answer", q.label);
    }
    // escalations exist in every cloud
    let aws = analysis::escalation::aws::facts(&ws.aws, &Default::default()).unwrap();
    assert!(!aws.steps.is_empty() || !aws.rewrites.is_empty());
    let gcp = analysis::escalation::gcp::facts(&ws.gcp, &Default::default()).unwrap();
    assert!(!gcp.steps.is_empty() || !gcp.admins.is_empty());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn generation_is_deterministic() {
    let (a, sa) = synth::generate(&Config::new(N)).unwrap();
    let (b, _) = synth::generate(&Config::new(N)).unwrap();
    assert_eq!(a, b);
    let (c, _) = synth::generate(&Config {
        principals: N,
        seed: 7,
    })
    .unwrap();
    assert_ne!(a, c, "another seed, another organisation");
    // the summary without writing is the same
    let sb = scale::summary_of(N).unwrap();
    assert_eq!(sa.describe(), sb.describe());
}
