//! The reasoner within each dialect, end to end: `compare` of GCP roles and
//! allow policies and of Azure role definitions and assignments, of two
//! principals and of two environments in all three clouds, and the GCP and
//! Azure forms of `check-no-new-access`, `check-access-not-granted` and
//! `check-no-public-access`. Every witness is replayed through the concrete
//! evaluator by the helpers in `common`.

mod common;

use common::{
    assert_replays, azure_side_decision, eval_witness, gcp_side_decision, run, run_json, shared,
};
use serde_json::Value as Json;
use std::path::Path;

const GCP: &str = "corpus/reasoner/gcp";
const AZURE: &str = "corpus/reasoner/azure";
const GCP_ROLES: &str = "examples/gcp/roles";
const AZURE_ROLES: &str = "examples/azure/role-definitions.json";

fn compare(args: &[&str]) -> Json {
    let mut all = vec!["compare"];
    all.extend(args);
    let (code, v) = run_json(&all);
    assert_eq!(code, 0, "{v:#}");
    v
}

fn included(role_file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(role_file).expect("role file");
    let v: Json = serde_json::from_str(&text).expect("json");
    v["includedPermissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("permission").to_owned())
        .collect()
}

#[test]
fn gcp_allow_policies_with_conditions() {
    let (v1, v2) = (
        format!("{GCP}/bucket-policy-v1.json"),
        format!("{GCP}/bucket-policy-v2.json"),
    );
    let c = compare(&[&v1, &v2, "--with", GCP_ROLES]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    assert_eq!(c["a_not_in_b"]["result"], "contained");
    // v2 dropped the time limit of ops's admin binding: the witness is ops
    // at or after 2027
    let w = &c["b_not_in_a"];
    assert_eq!(w["principal"], "user:ops@example.com", "{w:#}");
    let ctx = common::witness_context(w);
    let t = ctx
        .iter()
        .find(|(k, _)| k == "request.time")
        .map(|(_, v)| v.clone())
        .expect("the witness fixes request.time");
    assert!(t.as_str() >= "2027-01-01T00:00:00", "{t}");
    assert_replays(
        gcp_side_decision(&v2, &[GCP_ROLES], w),
        gcp_side_decision(&v1, &[GCP_ROLES], w),
        w,
    );
    // the same policy: equivalent
    let same = compare(&[&v1, &v1, "--with", GCP_ROLES]);
    assert_eq!(same["verdict"], "equivalent");
}

#[test]
fn gcp_roles_of_the_examples() {
    let viewer = format!("{GCP_ROLES}/storage.objectViewer.json");
    let admin = format!("{GCP_ROLES}/storage.objectAdmin.json");
    let c = compare(&[&viewer, &admin]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    let w = &c["b_not_in_a"];
    // a role's witness names no caller, and its permission is the admin's
    // and not the viewer's (read off the role files themselves)
    assert!(w.get("principal").is_none(), "{w:#}");
    let p = w["action"].as_str().expect("permission").to_owned();
    let root = common::root();
    assert!(included(&root.join(&admin).display().to_string()).contains(&p));
    assert!(!included(&root.join(&viewer).display().to_string()).contains(&p));
    assert_replays(
        gcp_side_decision(&admin, &[], w),
        gcp_side_decision(&viewer, &[], w),
        w,
    );
    // by name, from the `--with` inputs
    let by_name = compare(&[
        "roles/storage.objectAdmin",
        "roles/storage.objectViewer",
        "--with",
        GCP_ROLES,
    ]);
    assert_eq!(by_name["verdict"], "a_more_permissive", "{by_name:#}");
}

#[test]
fn unknown_roles_are_unknown_never_no_difference() {
    // without the role definitions nothing can be said: `unknown`, and the
    // check fails rather than passing
    let (v1, v2) = (
        format!("{GCP}/bucket-policy-v1.json"),
        format!("{GCP}/bucket-policy-v2.json"),
    );
    let c = compare(&[&v1, &v2]);
    assert_eq!(c["verdict"], "unknown", "{c:#}");
    assert_eq!(c["a_not_in_b"]["result"], "unknown", "{c:#}");
    let (code, out) = run(&["check-no-new-access", &v1, &v2]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown"), "{out}");
}

#[test]
fn azure_custom_roles_not_data_actions() {
    let editor = format!("{AZURE}/role-blob-editor.json");
    let rw = format!("{AZURE}/role-blob-read-write.json");
    let c = compare(&[&editor, &rw]);
    assert_eq!(c["verdict"], "a_more_permissive", "{c:#}");
    let w = &c["a_not_in_b"];
    assert_eq!(w["data_action"], true, "{w:#}");
    let op = w["action"]
        .as_str()
        .expect("operation")
        .to_ascii_lowercase();
    assert!(
        op.starts_with("microsoft.storage/storageaccounts/blobservices/containers/blobs/")
            && !op.ends_with("/delete")
            && !op.ends_with("/read")
            && !op.ends_with("/write"),
        "{op}"
    );
    assert_replays(
        azure_side_decision(&editor, &[], w),
        azure_side_decision(&rw, &[], w),
        w,
    );
}

#[test]
fn azure_assignments_with_an_abac_condition() {
    let only = format!("{AZURE}/assign-analyst-reports-only.json");
    let any = format!("{AZURE}/assign-analyst.json");
    let c = compare(&[&only, &any, "--with", AZURE_ROLES]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    let w = &c["b_not_in_a"];
    assert_eq!(w["data_action"], true, "{w:#}");
    assert!(
        w["action"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
        )),
        "{w:#}"
    );
    let container = common::witness_context(w)
        .into_iter()
        .find(|(k, _)| k.contains("containers:name"))
        .map(|(_, v)| v)
        .expect("the witness names a container");
    assert_ne!(container, "reports");
    assert_replays(
        azure_side_decision(&any, &[AZURE_ROLES], w),
        azure_side_decision(&only, &[AZURE_ROLES], w),
        w,
    );
}

#[test]
fn principals_compared_in_each_cloud() {
    // AWS: alice and carol write to their own team prefixes
    let (alice, carol) = (
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:user/carol",
    );
    let c = compare(&["--principal", alice, "--principal", carol, "examples/aws"]);
    assert_eq!(c["verdict"], "incomparable", "{c:#}");
    for (w, yes, no) in [
        (&c["a_not_in_b"], alice, carol),
        (&c["b_not_in_a"], carol, alice),
    ] {
        assert_eq!(
            eval_witness(&["examples/aws"], "aws", Some(yes), w),
            "allowed"
        );
        assert_ne!(
            eval_witness(&["examples/aws"], "aws", Some(no), w),
            "allowed"
        );
    }
    // GCP: casey has a time-limited binding dana does not have
    let (casey, dana) = ("user:casey@contractor.example.net", "user:dana@example.com");
    let c = compare(&["--principal", casey, "--principal", dana, "examples/gcp"]);
    assert_eq!(c["verdict"], "a_more_permissive", "{c:#}");
    let w = &c["a_not_in_b"];
    assert_eq!(
        eval_witness(&["examples/gcp"], "gcp", Some(casey), w),
        "allowed"
    );
    assert_eq!(
        eval_witness(&["examples/gcp"], "gcp", Some(dana), w),
        "not_allowed"
    );
    // Azure: two users with different roles
    let (a, b) = (
        "11111111-aaaa-4aaa-8aaa-111111111111",
        "22222222-bbbb-4bbb-8bbb-222222222222",
    );
    let c = compare(&["--principal", a, "--principal", b, "examples/azure"]);
    assert_eq!(c["verdict"], "incomparable", "{c:#}");
    for (w, yes, no) in [(&c["a_not_in_b"], a, b), (&c["b_not_in_a"], b, a)] {
        assert_eq!(
            eval_witness(&["examples/azure"], "azure", Some(yes), w),
            "allowed"
        );
        assert_ne!(
            eval_witness(&["examples/azure"], "azure", Some(no), w),
            "allowed"
        );
    }
}

#[test]
fn aws_environments_compared() {
    let (a, b) = ("corpus/reasoner/aws-env-a", "corpus/reasoner/aws-env-b");
    let c = compare(&["--env", a, b]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    let diffs = c["differences"].as_array().expect("differences");
    assert_eq!(diffs.len(), 1, "{c:#}");
    let d = &diffs[0];
    assert_eq!(d["principal"], "arn:aws:iam::222233334444:user/dana");
    assert_eq!(d["a_not_in_b"]["result"], "contained");
    let w = &d["b_not_in_a"];
    assert_eq!(w["action"], "s3:PutObject", "{w:#}");
    assert_eq!(eval_witness(&[b], "aws", None, w), "allowed");
    assert_eq!(eval_witness(&[a], "aws", None, w), "not_allowed");
    let same = compare(&["--env", a, a]);
    assert_eq!(same["verdict"], "equivalent");
    assert_eq!(same["compared"], 3, "dana, eli and the anonymous caller");
}

/// A copy of an example directory without one file, under the test's
/// scratch directory.
fn without(example: &str, file: &str) -> String {
    let src = common::root().join(example);
    let dst = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "reasoner-{}-without-{file}",
        example.replace('/', "-")
    ));
    let _ = std::fs::remove_dir_all(&dst);
    fn copy(from: &Path, to: &Path, skip: &str) {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("dir") {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_owned();
            if p.is_dir() {
                copy(&p, &to.join(&name), skip);
            } else if name.to_str() != Some(skip) {
                std::fs::copy(&p, to.join(&name)).expect("copy");
            }
        }
    }
    copy(&src, &dst, file);
    dst.display().to_string()
}

#[test]
fn gcp_and_azure_environments_compared() {
    // without its deny policies, the GCP example grants more
    let no_deny = without("examples/gcp", "deny-policies.json");
    let c = compare(&["--env", "examples/gcp", &no_deny]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    let mut replayed = 0;
    for d in c["differences"].as_array().expect("differences") {
        assert_eq!(d["a_not_in_b"]["result"], "contained", "{d:#}");
        let w = &d["b_not_in_a"];
        let who = w["principal"].as_str().expect("principal");
        if !who.starts_with("user:") && !who.starts_with("serviceAccount:") {
            continue; // a group or domain stands for a member of it
        }
        assert_eq!(eval_witness(&[&no_deny], "gcp", None, w), "allowed");
        assert_ne!(eval_witness(&["examples/gcp"], "gcp", None, w), "allowed");
        replayed += 1;
    }
    assert!(replayed > 0, "{c:#}");
    // without its deny assignments, the Azure example grants more
    let no_deny = without("examples/azure", "deny-assignments.json");
    let c = compare(&["--env", "examples/azure", &no_deny]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    for d in c["differences"].as_array().expect("differences") {
        let w = &d["b_not_in_a"];
        assert_eq!(eval_witness(&[&no_deny], "azure", None, w), "allowed");
        assert_eq!(
            eval_witness(&["examples/azure"], "azure", None, w),
            "explicitly_denied"
        );
    }
}

#[test]
fn gcp_and_azure_check_no_new_access() {
    let (v1, v2) = (
        format!("{GCP}/bucket-policy-v1.json"),
        format!("{GCP}/bucket-policy-v2.json"),
    );
    assert_eq!(
        run(&["check-no-new-access", &v1, &v2, "--with", GCP_ROLES]).0,
        0
    );
    let (code, out) = run(&["check-no-new-access", &v2, &v1, "--with", GCP_ROLES]);
    assert_eq!(code, 1);
    assert!(out.contains("user:ops@example.com"), "{out}");
    let editor = format!("{AZURE}/role-blob-editor.json");
    let rw = format!("{AZURE}/role-blob-read-write.json");
    assert_eq!(run(&["check-no-new-access", &rw, &editor]).0, 0);
    assert_eq!(run(&["check-no-new-access", &editor, &rw]).0, 1);
    // two dialects: bad input
    assert_eq!(run(&["check-no-new-access", &v1, &rw]).0, 2);
}

#[test]
fn gcp_and_azure_check_access_not_granted() {
    let v1 = format!("{GCP}/bucket-policy-v1.json");
    let (code, v) = run_json(&[
        "check-access-not-granted",
        &v1,
        "--with",
        GCP_ROLES,
        "--action",
        "storage.objects.delete",
    ]);
    assert_eq!(code, 1, "{v:#}");
    // ops may delete until 2027 only: sometimes, depending on the time
    let row = &v[0];
    assert_eq!(row["principal"], "user:ops@example.com", "{v:#}");
    assert_eq!(row["answer"]["answer"], "sometimes", "{v:#}");
    let (code, _) = run(&[
        "check-access-not-granted",
        &v1,
        "--with",
        GCP_ROLES,
        "--action",
        "resourcemanager.projects.delete",
    ]);
    assert_eq!(code, 0);
    let rw = format!("{AZURE}/role-blob-read-write.json");
    let blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";
    let (code, _) = run(&[
        "check-access-not-granted",
        &rw,
        "--data-action",
        "--action",
        &format!("{blobs}/delete"),
    ]);
    assert_eq!(code, 0);
    let (code, out) = run(&[
        "check-access-not-granted",
        &rw,
        "--data-action",
        "--action",
        &format!("{blobs}/write"),
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("always"), "{out}");
}

#[test]
fn gcp_and_azure_check_no_public_access() {
    let (code, v) = run_json(&[
        "check-no-public-access",
        &format!("{GCP}/bucket-policy-public.json"),
        "--with",
        GCP_ROLES,
    ]);
    assert_eq!(code, 1);
    let rows = v.as_array().expect("rows");
    let get = rows
        .iter()
        .find(|r| r["principal"] == "allUsers" && r["action"] == "storage.objects.get")
        .expect("allUsers may read objects");
    // only published objects: sometimes, depending on resource.name
    assert_eq!(get["answer"]["answer"], "sometimes", "{get:#}");
    assert!(
        rows.iter().all(|r| r["action"] != "storage.objects.delete"),
        "ops's admin binding is not public"
    );
    let (code, out) = run(&[
        "check-no-public-access",
        &format!("{GCP}/bucket-policy-private.json"),
        "--with",
        GCP_ROLES,
    ]);
    assert_eq!(code, 0, "{out}");
    // Azure: a guest, a foreign group and an Owner assignment; the tenant's
    // own conditional reader is no finding
    let (code, v) = run_json(&[
        "check-no-public-access",
        &format!("{AZURE}/assignments-outside.json"),
        "--with",
        AZURE_ROLES,
    ]);
    assert_eq!(code, 1);
    let rows = v.as_array().expect("rows");
    let who: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["principal"].as_str())
        .collect();
    for id in [
        "33333333-cccc-4ccc-8ccc-333333333333",
        "44444444-dddd-4ddd-8ddd-444444444444",
        "55555555-eeee-4eee-8eee-555555555555",
    ] {
        assert!(who.contains(&id), "{id} missing from {v:#}");
    }
    assert!(
        !who.contains(&"22222222-bbbb-4bbb-8bbb-222222222222"),
        "{v:#}"
    );
    let (code, out) = run(&[
        "check-no-public-access",
        &format!("{AZURE}/assignments-inside.json"),
        "--with",
        AZURE_ROLES,
    ]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn real_gcp_roles_object_viewer_and_admin() {
    let Some(roles) = shared("gcp/roles") else {
        return;
    };
    let c = compare(&[
        "roles/storage.objectViewer",
        "roles/storage.objectAdmin",
        "--with",
        &roles,
    ]);
    assert_eq!(c["verdict"], "b_more_permissive", "{c:#}");
    let w = &c["b_not_in_a"];
    let p = w["action"].as_str().expect("permission").to_owned();
    assert!(included(&format!("{roles}/storage.objectAdmin.json")).contains(&p));
    assert!(!included(&format!("{roles}/storage.objectViewer.json")).contains(&p));
    assert_replays(
        gcp_side_decision("roles/storage.objectAdmin", &[&roles], w),
        gcp_side_decision("roles/storage.objectViewer", &[&roles], w),
        w,
    );
    // the basic roles: owner holds everything editor holds
    let c = compare(&["roles/owner", "roles/editor", "--with", &roles]);
    assert_eq!(c["verdict"], "a_more_permissive", "{c:#}");
}

#[test]
fn real_azure_built_in_roles() {
    let Some(file) = shared("azure/built-in-roles-raw.json") else {
        return;
    };
    for (a, b, verdict) in [
        (
            "Storage Blob Data Reader",
            "Storage Blob Data Contributor",
            "b_more_permissive",
        ),
        (
            "Storage Blob Data Owner",
            "Storage Blob Data Contributor",
            "a_more_permissive",
        ),
        ("Owner", "Contributor", "a_more_permissive"),
        ("Reader", "Contributor", "b_more_permissive"),
    ] {
        let c = compare(&[a, b, "--with", &file]);
        assert_eq!(c["verdict"], verdict, "{a} vs {b}: {c:#}");
        let (w, yes, no) = if verdict == "a_more_permissive" {
            (&c["a_not_in_b"], a, b)
        } else {
            (&c["b_not_in_a"], b, a)
        };
        assert_replays(
            azure_side_decision(yes, &[&file], w),
            azure_side_decision(no, &[&file], w),
            w,
        );
    }
    // the Blob Data Reader's data action is no Reader's, and Reader's
    // `*/read` reaches far beyond the Blob Data Reader's operations
    let c = compare(&["Storage Blob Data Reader", "Reader", "--with", &file]);
    assert_eq!(c["verdict"], "incomparable", "{c:#}");
    for (w, yes, no) in [
        (&c["a_not_in_b"], "Storage Blob Data Reader", "Reader"),
        (&c["b_not_in_a"], "Reader", "Storage Blob Data Reader"),
    ] {
        assert_replays(
            azure_side_decision(yes, &[&file], w),
            azure_side_decision(no, &[&file], w),
            w,
        );
    }
}
