//! Real data: every Azure built-in role (`az role definition list`, 928
//! roles, `../shared/data/azure/built-in-roles-raw.json`) loads with zero
//! errors, and every ABAC condition in it parses and prints back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_azure::{AzureFormat, load_json, parse_abac, print_abac};
use iamx_model::Severity;
use iamx_model::source::Source;
use std::path::PathBuf;

fn data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("NOTICE: {} is absent; skipping", p.display());
        None
    }
}

#[test]
fn all_built_in_roles_load_without_errors() {
    let Some(path) = data("azure/built-in-roles-raw.json") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let src = Source::new("built-in-roles-raw.json", text);
    let json = src.parse_json().unwrap();
    let load = load_json(&src, &json).expect("detected as Azure");
    assert_eq!(load.format, AzureFormat::RoleDefinitions);
    let errors: Vec<_> = load
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    for e in &errors {
        println!("{e}");
    }
    assert!(errors.is_empty(), "{} errors", errors.len());
    let warnings: Vec<_> = load
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect();
    for w in &warnings {
        println!("{w}");
    }
    let c = load.env.counts();
    println!(
        "azure built-in roles: {} roles, {} permission blocks, {} conditions parsed, {} warnings",
        c.roles,
        c.permission_blocks,
        c.conditions,
        warnings.len()
    );
    assert_eq!(c.roles, 928);
    assert_eq!(c.conditions, 31);
    // every condition is an expression (none `Unsupported`) and round-trips
    let mut n = 0;
    for r in load.env.roles.values() {
        for cb in &r.conditional {
            let text = cb.text.as_deref().unwrap();
            let e = parse_abac(text).unwrap();
            assert_eq!(parse_abac(&print_abac(&e)).unwrap(), e, "{}", r.name);
            assert!(
                matches!(cb.condition, iamx_model::Condition::Expr(_)),
                "{}",
                r.name
            );
            n += 1;
        }
    }
    println!("azure built-in role conditions printed and re-parsed: {n}");
}
