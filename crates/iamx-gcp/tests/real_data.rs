//! Real GCP data from `../shared/data/gcp`: every predefined role file loads
//! with zero errors. Prints a NOTICE and passes when the data is absent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a failed test"
)]

use iamx_gcp::{GcpEnvironment, Source, load_json};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gcp")
}

/// Reads, parses and loads every file of `dir` the way the facade does.
fn load_dir(dir: &Path) -> (GcpEnvironment, usize, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("roles dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut env = GcpEnvironment::default();
    let mut problems = Vec::new();
    for p in &files {
        let text = std::fs::read_to_string(p).expect("reads");
        let src = Source::new(p.display().to_string(), text);
        let json = match src.parse_json() {
            Ok(j) => j,
            Err(d) => {
                problems.push(d.to_string());
                continue;
            }
        };
        match load_json(&src, &json) {
            Some(l) => {
                problems.extend(l.diagnostics.iter().map(ToString::to_string));
                env.merge(l.env);
            }
            None => problems.push(format!("{}: not detected as a GCP input", p.display())),
        }
    }
    (env, files.len(), problems)
}

#[test]
fn all_predefined_role_files_load_without_errors() {
    let dir = data().join("roles");
    if !dir.is_dir() {
        println!("NOTICE: {} is absent; skipping", dir.display());
        return;
    }
    let start = Instant::now();
    let (env, files, problems) = load_dir(&dir);
    let took = start.elapsed();
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
    let c = env.counts();
    println!(
        "gcp roles: {files} files, {} roles, {} distinct permissions, loaded in {took:?} (debug build)",
        c.roles, c.permissions
    );
    assert_eq!(files, 2461);
    assert_eq!(c.roles, 2461);
    assert!(c.permissions > 13_000, "{c:?}");
    let owner = env.roles.get("roles/owner").expect("roles/owner");
    assert!(owner.permissions.as_ref().is_some_and(|p| p.len() > 10_000));
    // a role file whose name differs from its file name keeps its own name
    assert!(
        env.roles
            .contains_key("roles/compliancescanning.serviceAgent")
    );
    // `describe` output omits an empty permission list: the role grants nothing, knowingly
    let empty = env
        .roles
        .get("roles/meshconfig.viewer")
        .expect("meshconfig.viewer");
    assert_eq!(empty.permissions.as_ref().map(|p| p.len()), Some(0));
}

#[test]
fn predefined_role_list_without_permissions_is_unknown_not_empty() {
    let path = data().join("predefined_roles.json");
    if !path.is_file() {
        println!("NOTICE: {} is absent; skipping", path.display());
        return;
    }
    let src = Source::new(
        "predefined_roles.json",
        std::fs::read_to_string(&path).unwrap(),
    );
    let json = src.parse_json().unwrap();
    let l = load_json(&src, &json).expect("a role list");
    assert!(
        l.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        l.diagnostics.first()
    );
    assert_eq!(
        l.diagnostics.len(),
        1,
        "one warning: listed without permissions"
    );
    assert_eq!(l.env.roles.len(), 2390);
    assert!(matches!(
        l.env.grant("roles/viewer"),
        iamx_model::gcp::RoleGrant::Unknown(_)
    ));
}
