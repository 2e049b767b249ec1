//! The reasoner's *can* question (`iamx eval --any-context`: is there any
//! context under which P may do A on R?) on the synthetic organisation of
//! 10,000 principals (`iamx_benches::synth`, about 100,000 grants), one
//! (principal, action, resource) per cloud: the organisation's probe
//! resource and action, asked of a principal who-can lists for them
//! (a conditional one when there is one, so that the solver has a context
//! to find). The workspace is loaded once, outside the timed loop; each
//! iteration builds the request and program, encodes them, asks z3 and
//! replays the witnesses through the evaluator, as the command does.
//!
//! Target: under 50 ms median per question. `IAMX_REASONER_PRINCIPALS`
//! changes the size (default 10000).

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "benchmark setup: data that cannot be prepared or loaded with zero errors must stop the run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use iamx::reason::AnyContext;
use iamx::{Provider, Query, Workspace};
use iamx_benches::scale;
use iamx_benches::synth::Probe;
use std::hint::black_box;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

fn principals() -> usize {
    std::env::var("IAMX_REASONER_PRINCIPALS")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(10_000)
}

/// The caller of the question: a principal who-can lists for the probe's
/// resource and action (conditional first), else the probe's own principal.
fn caller(ws: &Workspace, provider: Provider, probe: &Probe) -> String {
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    let listed = iamx::analysis::who_can(&inp, &probe.resource, Some(&probe.action))
        .expect("who-can on the probe");
    let direct = |a: &&iamx::analysis::Access| {
        a.via
            .iter()
            .all(|v| !v.starts_with("assumed role") && !v.starts_with("impersonated"))
    };
    let pick = listed
        .iter()
        .filter(direct)
        .find(|a| a.actions.iter().any(|x| x.conditional))
        .or_else(|| listed.iter().find(direct));
    match pick {
        // Azure labels are `id (name)`
        Some(a) if provider == Provider::Azure => a
            .principal
            .split(" (")
            .next()
            .unwrap_or(&a.principal)
            .to_owned(),
        Some(a) => a.principal.clone(),
        None => probe.principal.clone(),
    }
}

fn describe(a: &AnyContext) -> String {
    match a {
        AnyContext::Always => "always".to_owned(),
        AnyContext::Never => "never".to_owned(),
        AnyContext::Sometimes { depends_on, .. } => {
            format!("sometimes (depends on {})", depends_on.join(", "))
        }
        AnyContext::Unknown { reason } => format!("unknown: {reason}"),
    }
}

fn bench(c: &mut Criterion) {
    let n = principals();
    let (dir, summary) = scale::prepare(n).expect("synthetic organisation");
    let ws = scale::load(&dir).expect("load");
    let mut group = c.benchmark_group(format!("reasoner-can-{n}"));
    group.sample_size(20);
    for (name, provider, probe) in [
        ("aws", Provider::Aws, &summary.aws_probe),
        ("gcp", Provider::Gcp, &summary.gcp_probe),
        ("azure", Provider::Azure, &summary.azure_probe),
    ] {
        let query = Query {
            principal: caller(&ws, provider, probe),
            action: probe.action.clone(),
            resource: probe.resource.clone(),
            context: iamx::model::Context::new(),
            data_action: None,
            session_policy: None,
        };
        let (_, answer) = ws
            .any_context(provider, query.clone(), TIMEOUT)
            .expect("can");
        eprintln!(
            "can/{name}: {} {} {} → {}",
            query.principal,
            query.action,
            query.resource,
            describe(&answer)
        );
        group.bench_function(format!("can/{name}"), |b| {
            b.iter(|| {
                black_box(
                    ws.any_context(provider, black_box(query.clone()), TIMEOUT)
                        .expect("can"),
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
