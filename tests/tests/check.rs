//! `iamx check` end to end on the example policy repository
//! (`examples/policy-repo`): the passing variant exits 0, `broken/` exits 1
//! with the witness and the granting statement; SARIF has the structure the
//! 2.1.0 schema requires and points at real lines; JUnit is well-formed
//! XML; malformed assertion files are one located error and exit 2; a git
//! revision as baseline; and the `iamx::testing` strategies in `proptest!`.

use assert_cmd::Command;
use iamx::check::{self, CheckOptions};
use iamx::testing::{aws_context, aws_outsider, aws_policy, aws_query, aws_statement, s3_object};
use iamx::{LoadOptions, Outcome, Provider, Workspace};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const REPO: &str = "examples/policy-repo";
const BROKEN: &str = "examples/policy-repo/broken";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `iamx` in the workspace root: exit code, stdout, stderr.
fn iamx(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("iamx")
        .expect("the iamx binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_example_repo_passes() {
    let (code, out, err) = iamx(&["check", REPO]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!(out);
}

#[test]
fn the_broken_variant_fails_with_the_witness_and_the_granting_statement() {
    let (code, out, err) = iamx(&["check", BROKEN]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails,
        ["FAIL   aws-only-auditors-read-audit-logs (aws only)"],
        "{out}"
    );
    // the witness request, and where the grant is written
    assert!(
        out.contains("request: arn:aws:iam::123456789012:role/data-analyst s3:GetObject on arn:aws:s3:::acme-audit-logs/"),
        "{out}"
    );
    assert!(
        out.contains("at examples/policy-repo/broken/aws/account-authz.json:147:29: arn:aws:iam::123456789012:role/data-analyst inline policy read-reports statement 0 (Sid `ReadReports`)"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn the_witness_replays_through_iamx_eval() {
    let (code, out, _) = iamx(&["check", BROKEN, "--format", "json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    let failed: Vec<&Value> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    let w = &failed[0]["findings"][0]["witness"];
    let mut args = vec![
        "eval".to_owned(),
        BROKEN.to_owned(),
        "--principal".to_owned(),
        w["principal"].as_str().expect("principal").to_owned(),
        "--action".to_owned(),
        w["action"].as_str().expect("action").to_owned(),
        "--resource".to_owned(),
        w["resource"].as_str().expect("resource").to_owned(),
    ];
    for kv in w["context"].as_array().expect("context") {
        args.push("--context".to_owned());
        args.push(format!(
            "{}={}",
            kv[0].as_str().unwrap(),
            kv[1].as_str().unwrap()
        ));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = iamx(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("decision: allowed"), "{out}");
}

/// The structure SARIF 2.1.0's schema requires of what iamx writes (the
/// schema's `required` lists: sarifLog {version, runs}, run {tool},
/// tool {driver}, toolComponent {name}, reportingDescriptor {id}, result
/// {message}, message {text or id}, region startLine ≥ 1), plus what GitHub
/// code scanning needs: a rule per assertion, every result located.
fn validate_sarif(v: &Value) {
    assert_eq!(v["version"], "2.1.0");
    assert!(
        v["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0"))
    );
    let runs = v["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "iamx");
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique");
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
        let level = r["defaultConfiguration"]["level"].as_str().expect("level");
        assert!(["none", "note", "warning", "error"].contains(&level));
    }
    for res in run["results"].as_array().expect("results") {
        assert!(
            res["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let id = res["ruleId"].as_str().expect("ruleId");
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[idx], id, "ruleIndex points at its rule");
        let level = res["level"].as_str().expect("level");
        assert!(["none", "note", "warning", "error"].contains(&level));
        let locs = res["locations"].as_array().expect("locations");
        assert!(!locs.is_empty(), "every result is located: {res}");
        for l in locs {
            let phys = &l["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
            let text = std::fs::read_to_string(root().join(uri)).expect("the uri is a file");
            if let Some(line) = phys["region"]["startLine"].as_u64() {
                assert!(
                    line >= 1 && line as usize <= text.lines().count(),
                    "{uri}:{line}"
                );
                assert!(
                    phys["region"]["startColumn"]
                        .as_u64()
                        .is_some_and(|c| c >= 1)
                );
            }
        }
        if let Some(sup) = res.get("suppressions") {
            for s in sup.as_array().expect("suppressions") {
                assert!(["inSource", "external"].contains(&s["kind"].as_str().expect("kind")));
            }
        }
    }
}

#[test]
fn sarif_has_the_required_structure_and_points_at_the_statement() {
    for (dir, code) in [(REPO, 0), (BROKEN, 1)] {
        let (c, out, err) = iamx(&["check", dir, "--format", "sarif"]);
        assert_eq!(c, code, "{err}");
        let v: Value = serde_json::from_str(&out).expect("SARIF is JSON");
        validate_sarif(&v);
        let results = v["runs"][0]["results"].as_array().expect("results");
        let errors: Vec<&Value> = results.iter().filter(|r| r["level"] == "error").collect();
        if code == 0 {
            assert!(errors.is_empty(), "{errors:?}");
            // the waived public website is reported, suppressed
            assert!(results.iter().all(|r| r.get("suppressions").is_some()));
        } else {
            assert_eq!(errors.len(), 1);
            let region = &errors[0]["locations"][0]["physicalLocation"];
            assert_eq!(
                region["artifactLocation"]["uri"],
                "examples/policy-repo/broken/aws/account-authz.json"
            );
            assert_eq!(region["region"]["startLine"], 147);
            let text = std::fs::read_to_string(
                root().join("examples/policy-repo/broken/aws/account-authz.json"),
            )
            .unwrap();
            let line = text.lines().nth(146).unwrap();
            assert_eq!(line.trim(), "{", "the statement starts there");
            assert!(text.lines().nth(147).unwrap().contains("ReadReports"));
        }
    }
}

#[test]
fn junit_is_well_formed_xml_with_a_test_case_per_assertion() {
    for (dir, code, failures) in [(REPO, 0, 0), (BROKEN, 1, 1)] {
        let (c, out, err) = iamx(&["check", dir, "--format", "junit"]);
        assert_eq!(c, code, "{err}");
        let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
        let suites = doc.root_element();
        assert_eq!(suites.tag_name().name(), "testsuites");
        let cases: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 15);
        assert_eq!(suites.attribute("tests"), Some("15"));
        let failed: Vec<&str> = cases
            .iter()
            .filter(|c| c.children().any(|x| x.has_tag_name("failure")))
            .map(|c| c.attribute("name").unwrap())
            .collect();
        assert_eq!(failed.len(), failures);
        assert_eq!(
            suites.attribute("failures"),
            Some(failures.to_string().as_str())
        );
        if failures == 1 {
            assert_eq!(failed, ["aws-only-auditors-read-audit-logs"]);
            let body = cases
                .iter()
                .find(|c| c.attribute("name") == Some("aws-only-auditors-read-audit-logs"))
                .and_then(|c| c.children().find(|x| x.has_tag_name("failure")))
                .and_then(|f| f.text())
                .unwrap();
            assert!(body.contains("account-authz.json:147:29"), "{body}");
        }
        let skipped = cases
            .iter()
            .filter(|c| c.children().any(|x| x.has_tag_name("skipped")))
            .count();
        assert_eq!(skipped, 1, "the waived assertion");
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("iamx-check")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn malformed_assertion_files_are_one_located_error_and_exit_2() {
    let cases: [(&str, &str); 8] = [
        ("toml-syntax", "[[assertion]\nname = \"a\"\n"),
        (
            "unknown-kind",
            "[[assertion]]\nname = \"a\"\nkind = \"nevr\"\n",
        ),
        (
            "unknown-field",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nresorces = [\"arn:aws:s3:::b\"]\n",
        ),
        (
            "missing-actions",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nresources = [\"arn:aws:s3:::b\"]\n",
        ),
        (
            "wrong-type",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nactions = \"s3:GetObject\"\n",
        ),
        (
            "bad-expiry",
            "[[assertion]]\nname = \"a\"\nkind = \"never\"\nactions = [\"s3:GetObject\"]\nresources = [\"arn:aws:s3:::b\"]\nwaiver = { reason = \"x\", expires = \"2026-13-01\" }\n",
        ),
        (
            "duplicate-name",
            "[[assertion]]\nname = \"a\"\nkind = \"no-public-access\"\ncloud = \"aws\"\n\n[[assertion]]\nname = \"a\"\nkind = \"no-public-access\"\ncloud = \"gcp\"\n",
        ),
        (
            "no-cloud",
            "[[assertion]]\nname = \"a\"\nkind = \"no-public-access\"\n",
        ),
    ];
    let dir = temp_dir("malformed");
    let mut all = String::new();
    for (name, text) in cases {
        let f = dir.join(format!("{name}.toml"));
        std::fs::write(&f, text).unwrap();
        let (code, out, err) = iamx(&["check", REPO, "--assertions", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert_eq!(out, "", "{name}");
        let mut lines = err.lines();
        let first = lines.next().unwrap_or_default();
        let prefix = format!("error: {}:", f.display());
        assert!(first.starts_with(&prefix), "{name}: {err}");
        // `error: FILE:LINE:COL: message`
        let rest = &first[prefix.len()..];
        let mut parts = rest.splitn(3, ':');
        let (line, col) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(line.parse::<u32>().is_ok_and(|l| l >= 1), "{name}: {first}");
        assert!(col.parse::<u32>().is_ok_and(|c| c >= 1), "{name}: {first}");
        // at most a `help:` line after it
        for l in lines {
            assert!(l.starts_with("  help: "), "{name}: {err}");
        }
        all.push_str(&format!("{name}: {}", err.replace(&prefix, "error: FILE:")));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn sarif_and_junit_are_for_check_only() {
    let (code, _, err) = iamx(&["audit", "examples", "--format", "sarif"]);
    assert_eq!(code, 2);
    assert!(err.contains("for `iamx check`"), "{err}");
}

#[test]
fn a_git_revision_as_baseline() {
    let dir = temp_dir("git-baseline");
    let policy = root().join("examples/policy-repo/aws/policies/ci-deploy.json");
    let folder = root().join("examples/policy-repo/aws");
    let f = dir.join("iamx.toml");
    std::fs::write(
        &f,
        format!(
            "[[assertion]]\nname = \"file-vs-head\"\nkind = \"no-new-access\"\ncloud = \"aws\"\npath = {:?}\nbaseline_rev = \"HEAD\"\n\n[[assertion]]\nname = \"folder-vs-head\"\nkind = \"no-new-access\"\ncloud = \"aws\"\npath = {:?}\nbaseline_rev = \"HEAD\"\n",
            policy.display().to_string(),
            folder.display().to_string()
        ),
    )
    .unwrap();
    let (code, out, err) = iamx(&["check", REPO, "--assertions", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASS   file-vs-head"), "{out}");
    assert!(out.contains("PASS   folder-vs-head"), "{out}");
}

#[test]
fn no_new_access_against_a_baseline_folder_names_the_new_grant() {
    let dir = temp_dir("folder-baseline");
    let f = dir.join("iamx.toml");
    std::fs::write(
        &f,
        format!(
            "[[assertion]]\nname = \"broken-vs-reviewed\"\nkind = \"no-new-access\"\ncloud = \"aws\"\npath = {:?}\nbaseline = {:?}\n",
            root().join(BROKEN).join("aws").display().to_string(),
            root().join(REPO).join("aws").display().to_string()
        ),
    )
    .unwrap();
    let (code, out, err) = iamx(&["check", REPO, "--assertions", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("role/data-analyst gets s3:"), "{out}");
    assert!(
        out.contains("broken/aws/account-authz.json:147:29"),
        "{out}"
    );
}

fn example_repo() -> Workspace {
    let ws = Workspace::load(&[root().join(REPO)], &LoadOptions::default()).expect("loads");
    assert!(ws.errors().next().is_none());
    ws
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The example repository's audit logs, asked by random requests from
    /// outside the organisation in random contexts.
    #[test]
    fn no_request_from_outside_the_org_reads_the_audit_bucket(
        q in aws_query(
            aws_outsider(vec!["123456789012".into()]),
            prop_oneof![Just("s3:GetObject".to_owned()), Just("s3:ListBucket".to_owned())],
            s3_object("acme-audit-logs"),
            aws_context(),
        )
    ) {
        thread_local!(static WS: Workspace = example_repo());
        let outcome = WS.with(|ws| ws.evaluate(Provider::Aws, q.clone()).map(|(_, d, _)| d.outcome));
        prop_assert_ne!(outcome, Ok(Outcome::Allowed), "{:?}", q);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// `never` is sound: when the concrete evaluator allows a random
    /// request that a `never` assertion covers, `iamx check` fails it. The
    /// caller is the role (random identity policy), the anonymous caller or
    /// a partner account's root; the bucket has a random policy naming one
    /// of them.
    #[test]
    fn never_fails_whenever_a_covered_request_is_allowed(
        policy in aws_policy(),
        bucket_statements in proptest::collection::vec(
            (aws_statement(), prop_oneof![
                Just(r#""*""#),
                Just(r#"{"AWS": "arn:aws:iam::999988887777:root"}"#),
                Just(r#"{"AWS": "arn:aws:iam::111122223333:role/app"}"#),
                Just(r#"{"AWS": "111122223333"}"#),
            ]),
            0..=2,
        ),
        q in aws_query(
            prop_oneof![
                2 => Just("arn:aws:iam::111122223333:role/app".to_owned()),
                1 => Just("*".to_owned()),
                1 => Just("arn:aws:iam::999988887777:root".to_owned()),
            ],
            prop_oneof![Just("s3:GetObject".to_owned()), Just("s3:PutObject".to_owned())],
            s3_object("data"),
            aws_context(),
        )
    ) {
        let authz = format!(
            r#"{{"RoleDetailList": [{{"RoleName": "app", "RoleId": "AROAEXAMPLEAPP000001",
              "Arn": "arn:aws:iam::111122223333:role/app", "Path": "/",
              "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": []}},
              "RolePolicyList": [{{"PolicyName": "p", "PolicyDocument": {policy}}}],
              "AttachedManagedPolicies": []}}], "UserDetailList": [], "GroupDetailList": [], "Policies": []}}"#
        );
        let statements: Vec<String> = bucket_statements
            .iter()
            .map(|(st, who)| st.replacen('{', &format!("{{\"Principal\": {who}, "), 1))
            .collect();
        let bucket = format!(
            r#"{{"iamxAwsResourcePolicies": [{{"resource": "arn:aws:s3:::data", "account": "111122223333",
              "policy": {{"Version": "2012-10-17", "Statement": [{}]}}}}]}}"#,
            statements.join(", ")
        );
        let mut texts = vec![("authz.json".to_owned(), authz)];
        if !statements.is_empty() {
            texts.push(("bucket.json".to_owned(), bucket));
        }
        let ws = Workspace::from_texts(texts, &LoadOptions::default());
        prop_assert!(ws.errors().next().is_none());
        let file = check::parse_assertions("iamx.toml", &format!(
            "[[assertion]]\nname = \"n\"\nkind = \"never\"\nprincipals = [\"*\", \"arn:aws:iam::999988887777:root\"]\nactions = [{:?}]\nresources = [\"arn:aws:s3:::data/*\"]\n",
            q.action
        )).unwrap();
        let report = check::run(&ws, &file, &CheckOptions::default());
        let (_, d, _) = ws.evaluate(Provider::Aws, q.clone()).unwrap();
        if d.outcome == Outcome::Allowed {
            prop_assert!(report.failed(), "{policy}\n{statements:?}\n{q:?}");
        }
        // and a failure always carries a witness that the evaluator allows
        for f in &report.results[0].findings {
            prop_assert!(!f.unknown, "{}", f.message);
            let w = f.witness.as_ref().expect("a witness");
            let mut ctx = iamx::model::Context::new();
            for (k, v) in &w.context {
                ctx.insert(k, iamx::model::Value::str(v.clone()));
            }
            let (mut req, _) = ws.request(&w.principal, &w.action, &w.resource, ctx).unwrap();
            // the account the question placed the resource in
            req.resource_account = w.resource_account.clone();
            prop_assert_eq!(ws.decide(&req).outcome, Outcome::Allowed, "{}\n{:?}", policy, w);
        }
    }
}

/// The JSON Schema documents what the reader accepts: the same assertion
/// fields and kinds (read back from the reader's own error messages).
#[test]
fn the_schema_lists_what_the_reader_accepts() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/iamx-assertions.schema.json")).unwrap(),
    )
    .unwrap();
    let def = &schema["$defs"]["assertion"];
    let mut fields: Vec<&str> = def["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    let kinds: Vec<&str> = def["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let dir = temp_dir("schema");
    let f = dir.join("iamx.toml");
    std::fs::write(
        &f,
        "[[assertion]]\nname = \"a\"\nkind = \"never\"\nzzz = 1\n",
    )
    .unwrap();
    let (_, _, err) = iamx(&["check", REPO, "--assertions", f.to_str().unwrap()]);
    let listed = err.split("expected one of ").nth(1).expect(&err);
    let mut accepted: Vec<&str> = listed
        .lines()
        .next()
        .unwrap()
        .split(", ")
        .map(|s| s.trim_matches('`'))
        .collect();
    accepted.sort();
    assert_eq!(fields, accepted);
    std::fs::write(&f, "[[assertion]]\nname = \"a\"\nkind = \"zzzzzzzzzzzz\"\n").unwrap();
    let (_, _, err) = iamx(&["check", REPO, "--assertions", f.to_str().unwrap()]);
    let listed = err.split("one of: ").nth(1).expect(&err).trim();
    assert_eq!(listed.split(", ").collect::<Vec<_>>(), kinds);
}

/// A Terraform plan (`terraform show -json`) is read for the IAM resources
/// it would create in the three clouds; findings point at the resource in
/// the plan.
#[test]
fn a_terraform_plan() {
    let (code, out, err) = iamx(&["check", "corpus/terraform"]);
    assert_eq!(code, 1, "{out}{err}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails,
        [
            "FAIL   audit-logs-not-public (aws no-public-access)",
            "FAIL   reports-not-public (gcp no-public-access)"
        ],
        "{out}"
    );
    let plan = std::fs::read_to_string(root().join("corpus/terraform/plan.json")).unwrap();
    let line_of = |address: &str| {
        plan.lines()
            .position(|l| l.contains(&format!("\"address\": \"{address}\"")))
            .unwrap()
            + 1
    };
    assert!(out.contains(&format!(
        "at corpus/terraform/plan.json:{}:1: aws_s3_bucket_policy.audit: arn:aws:s3:::acme-audit-logs resource policy statement 0 (Sid `PublicRead`)",
        line_of("aws_s3_bucket_policy.audit")
    )), "{out}");
    assert!(out.contains(&format!(
        "at corpus/terraform/plan.json:{}:1: module.data.google_storage_bucket_iam_member.public:",
        line_of("module.data.google_storage_bucket_iam_member.public")
    )), "{out}");
    // Azure and AWS grants the plan creates are what `always` finds
    assert!(
        out.contains("PASS   dana-reads-report-blobs (azure always)"),
        "{out}"
    );
    assert!(
        out.contains("PASS   deploy-reads-artifacts (aws always)"),
        "{out}"
    );
    let (_, sarif, _) = iamx(&["check", "corpus/terraform", "--format", "sarif"]);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    validate_sarif(&v);
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "corpus/terraform/plan.json");
    assert_eq!(
        loc["region"]["startLine"],
        line_of("aws_s3_bucket_policy.audit")
    );
}

/// `never` follows assume-role chains: frank's own policy cannot read the
/// prod payments bucket across accounts, but he can assume dev's
/// `data-reader`, which can; the finding names the chain, the witness and
/// the granting statements. Naming the role in `except` stops the chain
/// there.
#[test]
fn never_follows_assume_role_chains() {
    let dir = temp_dir("chains");
    let f = dir.join("iamx.toml");
    let assertion = |except: &str| {
        format!(
            "[[assertion]]\nname = \"frank-never-reads-payments\"\nkind = \"never\"\ncloud = \"aws\"\nprincipals = [\"arn:aws:iam::444455556666:user/frank\"]\n{except}actions = [\"s3:GetObject\"]\nresources = [\"arn:aws:s3:::examplecorp-payments-prod/*\"]\n"
        )
    };
    std::fs::write(&f, assertion("")).unwrap();
    let (code, out, err) = iamx(&["check", "examples/aws", "--assertions", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("user/frank, by assuming arn:aws:iam::444455556666:role/data-reader: arn:aws:iam::444455556666:role/data-reader can do s3:GetObject"),
        "{out}"
    );
    assert!(out.contains("resource-policies.json:7:27"), "{out}");
    std::fs::write(
        &f,
        assertion("except = [\"arn:aws:iam::444455556666:role/data-reader\"]\n"),
    )
    .unwrap();
    let (code, out, err) = iamx(&["check", "examples/aws", "--assertions", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}
