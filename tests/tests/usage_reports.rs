//! `iamx unused` and `iamx rightsize` on the example organisation's logs
//! (`examples/logs`: CloudTrail, GCP audit logs, Azure activity log) and on
//! `corpus/rightsize`, end to end through the CLI, as reviewed snapshots.

mod common;

use common::{run, run_json};

const LOGS: &str = "examples/logs";

#[test]
fn unused_on_the_example_organisation() {
    let (code, text) = run(&["unused", "examples", "--logs", LOGS]);
    assert_eq!(code, 0);
    for cloud in ["aws:", "gcp:", "azure:"] {
        assert!(text.contains(cloud), "{cloud} score line:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn unused_json_counts_add_up() {
    let (code, v) = run_json(&["unused", "examples", "--logs", LOGS]);
    assert_eq!(code, 0);
    let rows = v["report"]["principals"].as_array().expect("rows");
    assert!(!rows.is_empty());
    for r in rows {
        let (granted, used) = (r["granted"].as_u64(), r["used"].as_u64());
        let unused: u64 = r["unused"]
            .as_array()
            .expect("unused")
            .iter()
            .map(|s| s["permissions"].as_array().map_or(0, |p| p.len() as u64))
            .sum();
        assert_eq!(granted, used.map(|u| u + unused), "{r}");
        let score = r["creep_score"].as_f64().expect("score");
        assert!((0.0..=100.0).contains(&score), "{r}");
        // an unused permission means a positive score, and none a zero one
        assert_eq!(unused > 0, score > 0.0, "{r}");
    }
    // the logs' unmappable records are counted, with their locations
    assert!(v["logs"]["unmappable"].as_u64() > Some(0));
    assert!(
        v["logs"]["unmappable_records"][0]["location"]["file"]
            .as_str()
            .is_some_and(|f| f.starts_with(LOGS))
    );
}

#[test]
fn unused_finds_alices_used_policy_and_idle_grants() {
    let (_, v) = run_json(&[
        "unused",
        "examples",
        "--logs",
        LOGS,
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
    ]);
    let rows = v["report"]["principals"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    let used: Vec<&str> = rows[0]["used_grants"]
        .as_array()
        .expect("used grants")
        .iter()
        .filter_map(|g| g["grant"].as_str())
        .collect();
    assert!(!used.is_empty(), "{v}");
    assert!(rows[0]["used"].as_u64() >= Some(2), "{v}");
}

#[test]
fn rightsize_keeps_what_the_logs_show() {
    for p in [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::444455556666:user/frank",
        // GCP: a custom role bound on the bucket, the object named in the
        // condition next to the old binding's own condition
        "user:ana@example.com",
        "user:sam@example.com",
        // Azure: custom role definitions assigned at the resources used; a
        // role-assignment write is assigned at the scope it extends
        "99999999-9999-4999-8999-999999999999",
        "33333333-cccc-4ccc-8ccc-333333333333",
    ] {
        let (code, text) = run(&[
            "rightsize",
            "examples",
            "--logs",
            LOGS,
            "--principal",
            p,
            "--timeout",
            "120",
        ]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("proof 1, every logged call allowed: holds"));
        assert!(text.contains("proof 2, nothing granted the current policies do not grant: holds"));
        insta::assert_snapshot!(format!("rightsize {p}"), text);
    }
}

#[test]
fn rightsize_carries_conditions_and_refuses_a_wider_policy() {
    let args = [
        "rightsize",
        "corpus/rightsize/env",
        "--logs",
        "corpus/rightsize/logs",
        "--principal",
        "arn:aws:iam::111122223333:user/rita",
        "--timeout",
        "120",
    ];
    let (code, text) = run(&args);
    assert_eq!(code, 0, "{text}");
    // the statement's TLS condition comes along with s3:ListBucket
    assert!(text.contains("aws:SecureTransport"), "{text}");
    // s3:GetObjectTagging was granted and never used
    assert!(!text.contains("GetObjectTagging"), "{text}");
    insta::assert_snapshot!("rightsize rita", text);
    // --generalize widens q1.csv and q2.csv to the bucket's `*`, which the
    // current policy does not grant: refused, with the witness
    let mut wide = args.to_vec();
    wide.push("--generalize");
    let (code, text) = run(&wide);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("FAILS, witness: s3:GetObject on arn:aws:s3:::examplecorp-reports/"));
    assert!(text.contains("refused"));
    let (code, v) = run_json(&wide);
    assert_eq!(code, 1);
    assert!(
        v["policy"].is_null(),
        "a refused policy is not handed out: {v}"
    );
    assert_eq!(v["no_new_access"]["result"], "fails");
}

#[test]
fn rightsize_of_a_principal_without_logged_calls_is_an_input_error() {
    let (code, _) = run(&[
        "rightsize",
        "examples",
        "--logs",
        LOGS,
        "--principal",
        "arn:aws:iam::111122223333:role/ops-break-glass",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn audit_with_logs_names_stale_principals_in_every_cloud() {
    let (code, v) = run_json(&["audit", "examples", "--logs", LOGS]);
    assert_eq!(code, 0);
    let stale: Vec<(String, String)> = v["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .filter(|r| r["kind"] == "stale-principal")
        .map(|r| {
            (
                r["cloud"].as_str().unwrap_or_default().to_owned(),
                r["principal"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let has = |c: &str, p: &str| stale.iter().any(|(x, y)| x == c && y == p);
    // granted and never logged
    assert!(
        has("aws", "arn:aws:iam::111122223333:role/ops-break-glass"),
        "{stale:?}"
    );
    assert!(has("gcp", "user:olga@example.com"), "{stale:?}");
    assert!(
        has("azure", "44444444-dddd-4ddd-8ddd-444444444444"),
        "{stale:?}"
    );
    // logged: not stale
    assert!(
        !has("aws", "arn:aws:iam::111122223333:user/alice"),
        "{stale:?}"
    );
    assert!(!has("gcp", "user:ana@example.com"), "{stale:?}");
    assert!(
        !has("azure", "99999999-9999-4999-8999-999999999999"),
        "{stale:?}"
    );
    // groups and the public are not principals that act
    assert!(
        !stale
            .iter()
            .any(|(_, p)| p == "allUsers" || p.starts_with("group:"))
    );
}

#[test]
fn rightsize_azure_refuses_a_resource_group_wide_assignment() {
    let args = [
        "rightsize",
        "corpus/rightsize/azure/env",
        "--logs",
        "corpus/rightsize/azure/logs",
        "--principal",
        "77770000-0000-4000-8000-000000000077",
        "--timeout",
        "120",
    ];
    // one assignment per VM used, with only the operation used
    let (code, v) = run_json(&args);
    assert_eq!(code, 0, "{v}");
    let scopes: Vec<&str> = v["policy"]["roleAssignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .filter_map(|a| a["scope"].as_str())
        .collect();
    assert_eq!(scopes.len(), 2, "{v}");
    assert!(
        scopes
            .iter()
            .all(|s| s.ends_with("/vm-a") || s.ends_with("/vm-b"))
    );
    assert_eq!(
        v["policy"]["roleDefinitions"][0]["Actions"],
        serde_json::json!(["Microsoft.Compute/virtualMachines/restart/action"])
    );
    // --generalize would assign at the resource group, where the current
    // assignments (one per VM) grant nothing: refused, with the witness
    let mut wide = args.to_vec();
    wide.push("--generalize");
    let (code, text) = run(&wide);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAILS, witness: Microsoft.Compute/virtualMachines/restart/action on /subscriptions/b2c3d4e5-0001-4000-8000-00000000b001/resourceGroups/rg-batch\n"),
        "{text}"
    );
}

#[test]
fn rightsize_gcp_keeps_the_old_condition_so_generalizing_stays_within_it() {
    for extra in [None, Some("--generalize")] {
        let mut args = vec![
            "rightsize",
            "corpus/rightsize/gcp/env",
            "--logs",
            "corpus/rightsize/gcp/logs",
            "--principal",
            "user:nina@example.com",
            "--timeout",
            "120",
        ];
        args.extend(extra);
        let (code, v) = run_json(&args);
        assert_eq!(code, 0, "{v}");
        let expr = v["policy"]["bindings"][0]["condition"]["expression"]
            .as_str()
            .expect("a condition");
        // the old binding's condition names the two exports; it stays
        assert!(expr.contains("resource.name == 'projects/_/buckets/finance-exports/objects/2026/jan.csv' || resource.name == 'projects/_/buckets/finance-exports/objects/2026/feb.csv'"), "{expr}");
        if extra.is_some() {
            assert!(
                expr.contains("startsWith('projects/_/buckets/finance-exports/objects/2026/')"),
                "{expr}"
            );
        }
        // storage.objects.list was granted and never used
        assert_eq!(
            v["policy"]["roles"][0]["includedPermissions"],
            serde_json::json!(["storage.objects.get"])
        );
    }
}

#[test]
fn rightsize_out_writes_the_files_each_cli_takes() {
    let dir = std::env::temp_dir().join(format!("iamx-rightsize-out-{}", std::process::id()));
    let read = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(name)).expect("written");
        serde_json::from_str(&text).expect("json")
    };
    let out = dir.to_string_lossy().into_owned();
    // AWS: the policy document itself, as --format json shows it
    let alice = "arn:aws:iam::111122223333:user/alice";
    let (code, v) = run_json(&[
        "rightsize",
        "examples",
        "--logs",
        LOGS,
        "--principal",
        alice,
    ]);
    assert_eq!(code, 0);
    let (code, _) = run(&[
        "rightsize",
        "examples",
        "--logs",
        LOGS,
        "--principal",
        alice,
        "--out",
        &out,
    ]);
    assert_eq!(code, 0);
    assert_eq!(read("policy.json"), v["policy"]);
    // GCP: one role file per custom role, without the role id gcloud takes
    // as an argument
    let (code, _) = run(&[
        "rightsize",
        "examples",
        "--logs",
        LOGS,
        "--principal",
        "user:sam@example.com",
        "--out",
        &out,
    ]);
    assert_eq!(code, 0);
    let role = read("role-iamxRightsized1.json");
    assert!(role.get("roleId").is_none(), "{role}");
    assert!(
        role["includedPermissions"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    assert!(
        read("bindings.json")
            .as_array()
            .is_some_and(|b| !b.is_empty())
    );
    // Azure: one role definition file each, and the assignments
    let (code, _) = run(&[
        "rightsize",
        "examples",
        "--logs",
        LOGS,
        "--principal",
        "99999999-9999-4999-8999-999999999999",
        "--out",
        &out,
    ]);
    assert_eq!(code, 0);
    let def = read("role-definition-1.json");
    assert_eq!(def["IsCustom"], true);
    assert!(def["Actions"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(
        read("role-assignments.json")
            .as_array()
            .is_some_and(|a| a.len() == 1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
