//! Hostile and malformed input: each reproducer gets its exact outcome
//! (an error, a warning or an answer), never a hang or a silent change of
//! meaning.

use iamx::{LoadOptions, Workspace};

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("iamx-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;

/// Two links back to the folder and a second link to a file: the walk ends,
/// reads the file once and warns about each skipped link.
#[cfg(unix)]
#[test]
fn symlink_cycles_are_walked_once_with_a_warning() {
    let d = scratch("links");
    std::fs::write(d.join("policy.json"), POLICY).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink(&d, d.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(&d, d.join("again")).unwrap();
    std::os::unix::fs::symlink(d.join("policy.json"), d.join("same.json")).unwrap();
    let ws = Workspace::load(std::slice::from_ref(&d), &LoadOptions::default()).unwrap();
    assert_eq!(ws.policies.len(), 1, "the file is read once");
    let warnings: Vec<String> = ws.warnings().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("already reached by another path"))
            .count(),
        3,
        "{warnings:?}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A device is no log file: `--logs /dev/zero` is refused at once (exit 2)
/// instead of being read forever.
#[cfg(unix)]
#[test]
fn a_device_given_as_logs_is_refused() {
    let d = scratch("logs");
    std::fs::write(d.join("policy.json"), POLICY).unwrap();
    let out = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .arg("unused")
        .arg(&d)
        .args(["--logs", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

/// A resource of 1,958 `*?` pairs: `check` answers within its timeout
/// (the glob is refused by the encoding with its reason, so the assertion
/// is not decided) instead of crashing or running past it.
#[test]
fn a_pathological_glob_in_an_assertion_is_bounded() {
    // the example repository's AWS policies: its bucket policies make the
    // question depend on the resource
    let d = scratch("glob");
    let aws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policy-repo/aws");
    let pat = format!("arn:aws:s3:::{}", "*?".repeat(1958));
    std::fs::write(
        d.join("iamx.toml"),
        format!(
            "timeout = 5\n[[assertion]]\nname = \"x\"\nkind = \"never\"\nprincipals = [\"anonymous\"]\nactions = [\"s3:GetObject\"]\nresources = [\"{pat}\"]\n"
        ),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let out = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .arg("check")
        .arg(&aws)
        .arg("--assertions")
        .arg(d.join("iamx.toml"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let took = start.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("at most 256"), "{text}");
    assert!(took.as_secs() < 30, "{took:?}");
    let _ = std::fs::remove_dir_all(&d);
}

fn load_text(text: &str) -> Workspace {
    Workspace::from_texts(
        vec![("policy.json".to_owned(), text.to_owned())],
        &LoadOptions::default(),
    )
}

/// A key given twice with different values is refused with its place; the
/// same value twice means one thing and is read.
#[test]
fn conflicting_duplicate_keys_are_refused() {
    let ws = load_text(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("policy.json:1:")
            && errors[0].contains("`Effect` is given twice with different values")
            && errors[0].contains("$.Statement[0].Effect"),
        "{errors:?}"
    );
    assert!(ws.policies.is_empty());
    let ws = load_text(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    assert_eq!(ws.errors().count(), 0);
    assert_eq!(ws.policies.len(), 1);
}

/// `"Action": []` would make a Deny deny nothing: AWS refuses such a
/// policy, and so does iamx, for every list of a statement.
#[test]
fn empty_action_and_resource_lists_are_errors() {
    for (field, text) in [
        (
            "Action",
            r#"{"Effect": "Deny", "Action": [], "Resource": "*"}"#,
        ),
        (
            "NotAction",
            r#"{"Effect": "Deny", "NotAction": [], "Resource": "*"}"#,
        ),
        (
            "Resource",
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": []}"#,
        ),
        (
            "NotResource",
            r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": []}"#,
        ),
    ] {
        let ws = load_text(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{text}]}}"#
        ));
        let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
        assert_eq!(errors.len(), 1, "{field}: {errors:?}");
        assert!(
            errors[0].contains(&format!("`{field}` is an empty list"))
                && errors[0].contains(&format!("$.Statement[0].{field}")),
            "{field}: {errors:?}"
        );
    }
}
