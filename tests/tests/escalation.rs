//! Escalation techniques on small hand-built environments: each technique's
//! edge appears when the caller holds the permission, and disappears when a
//! deny or a missing permission takes it away.

use iamx::{LoadOptions, Workspace};
use serde_json::json;

fn workspace(files: Vec<(String, String)>) -> Workspace {
    let ws = Workspace::from_texts(files, &LoadOptions::default());
    let errors: Vec<String> = ws.errors().map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    ws
}

fn aws_files(dev_policy: serde_json::Value) -> Vec<(String, String)> {
    let trust = |svc: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}]})
    };
    let admin = json!({"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"});
    let role = |name: &str, svc: &str| {
        json!({"RoleName": name, "RoleId": format!("AROA{name:0>16}"), "Path": "/",
            "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
            "AssumeRolePolicyDocument": trust(svc),
            "RolePolicyList": [], "AttachedManagedPolicies": [admin], "Tags": []})
    };
    let authz = json!({
        "UserDetailList": [{"UserName": "dev", "UserId": "AIDA0000000000000001",
            "Arn": "arn:aws:iam::111122223333:user/dev", "Path": "/", "GroupList": [],
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": dev_policy}],
            "AttachedManagedPolicies": [], "Tags": []}],
        "GroupDetailList": [],
        "RoleDetailList": [role("fn-runner", "lambda.amazonaws.com"), role("vm-runner", "ec2.amazonaws.com")],
        "Policies": [{"PolicyName": "AdministratorAccess", "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "Path": "/", "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
            "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]
    });
    vec![("authz.json".to_owned(), authz.to_string())]
}

/// (technique id, target) of every step the catalog finds for `dev`.
fn aws_escalations(ws: &Workspace) -> Vec<(String, String)> {
    let f = iamx::analysis::escalation::aws::facts(&ws.aws, &Default::default()).unwrap();
    let mut out: Vec<(String, String)> = f
        .steps
        .iter()
        .filter(|s| s.from.ends_with(":user/dev"))
        .map(|s| {
            let to = match &s.to {
                iamx::analysis::escalation::StepTo::Node(n) => n.clone(),
                iamx::analysis::escalation::StepTo::Set(i) => f.sets[*i].members.join(","),
            };
            (s.technique.id.clone(), to)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn aws_update_function_code_reaches_lambda_roles_only() {
    let allow = |actions: serde_json::Value| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]});
    let ws = workspace(aws_files(allow(json!("lambda:UpdateFunctionCode"))));
    assert_eq!(
        aws_escalations(&ws),
        vec![(
            "lambda-003".to_owned(),
            "arn:aws:iam::111122223333:role/fn-runner".to_owned()
        )],
        "only the role Lambda may assume is reached"
    );

    // a deny on the action takes the edge away
    let denied = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}]});
    let ws = workspace(aws_files(denied));
    let found = aws_escalations(&ws);
    assert!(
        found.iter().all(|(t, _)| !t.starts_with("lambda-00")
            || t == "lambda-001"
            || t == "lambda-002"
            || t == "lambda-006"),
        "{found:?}"
    );
    assert!(found.iter().all(|(t, _)| t != "lambda-003"), "{found:?}");

    // another Lambda permission is not the technique
    let ws = workspace(aws_files(allow(json!("lambda:GetFunction"))));
    assert!(aws_escalations(&ws).is_empty());
}

#[test]
fn aws_pass_role_honours_passed_to_service() {
    let policy = |svc: &str| {
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": svc}}},
            {"Effect": "Allow", "Action": ["ec2:RunInstances", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]})
    };
    let ws = workspace(aws_files(policy("lambda.amazonaws.com")));
    let found = aws_escalations(&ws);
    assert!(
        found.contains(&(
            "lambda-001".to_owned(),
            "arn:aws:iam::111122223333:role/fn-runner".to_owned()
        )),
        "{found:?}"
    );
    assert!(
        found.iter().all(|(t, _)| t != "ec2-001"),
        "PassRole to Lambda only is not combined with RunInstances: {found:?}"
    );
    let ws = workspace(aws_files(policy("ec2.amazonaws.com")));
    let found = aws_escalations(&ws);
    assert!(
        found.contains(&(
            "ec2-001".to_owned(),
            "arn:aws:iam::111122223333:role/vm-runner".to_owned()
        )),
        "{found:?}"
    );
    assert!(found.iter().all(|(t, _)| t != "lambda-001"), "{found:?}");
}

/// The texts of a corpus case: the file itself, or every file of its folder.
fn case_files(path: &std::path::Path) -> Vec<(String, String)> {
    if path.is_dir() {
        let mut v: Vec<(String, String)> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    } else {
        vec![(
            path.display().to_string(),
            std::fs::read_to_string(path).unwrap(),
        )]
    }
}

/// `corpus/escalation/CLOUD`: every environment's principals get the answer
/// `expected.json` gives them from `paths … --to admin`, every positive's
/// path names its entry; returns the first path of every positive, for a
/// snapshot.
fn escalation_corpus(cloud: &str, catalog: &[iamx::analysis::technique::Technique]) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/escalation")
        .join(cloud);
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let cases = expected["cases"].as_object().unwrap();
    assert_eq!(cases.len(), catalog.len(), "one environment per entry");
    let opts = iamx::analysis::escalation::Options {
        now: iamx::model::value::parse_date("2026-12-01T00:00:00Z").map(|ms| ms / 1000),
        ..Default::default()
    };
    let builtin = iamx::catalog::Catalog::builtin();
    let mut report = String::new();
    let (mut compared, mut positives, mut controls) = (0, 0, 0);
    for (file, principals) in cases {
        let ws = workspace(case_files(&dir.join(file)));
        let inp = ws.inputs(&builtin);
        let g = iamx::analysis::graph::build_with(&inp, &opts);
        let id = file.trim_end_matches(".json");
        for (p, want) in principals.as_object().unwrap() {
            let ps = iamx::analysis::graph::paths(&g, p, None, 6, 5).unwrap();
            let got = if ps.is_empty() {
                "none"
            } else if ps
                .iter()
                .any(|x| x.steps.iter().all(|s| s.condition.is_none()))
            {
                "admin"
            } else {
                "conditional"
            };
            assert_eq!(
                got,
                want.as_str().unwrap(),
                "{file} {p}: {}",
                serde_json::to_string(&ps).unwrap()
            );
            compared += 1;
            let listed = expected["positives"]
                .as_array()
                .is_some_and(|v| v.iter().any(|x| x.as_str() == Some(&format!("{file}/{p}"))));
            let positive = p.starts_with("pos-") || p.starts_with("user:pos-") || listed;
            if positive {
                positives += 1;
                let t = catalog.iter().find(|t| t.id == id).unwrap();
                let ids: Vec<&str> = if t.composed_of.is_empty() {
                    vec![id]
                } else {
                    t.composed_of.iter().map(String::as_str).collect()
                };
                let named = ps.iter().any(|x| {
                    x.steps.iter().any(|s| {
                        let d = s.detail.as_deref().unwrap_or_default();
                        ids.iter().any(|i| d.contains(&format!("{i}:")))
                    })
                });
                assert!(
                    named,
                    "{file} {p}: no path names {ids:?}: {}",
                    serde_json::to_string(&ps).unwrap()
                );
                if let Some(first) = ps.first() {
                    report.push_str(&format!("{file} {p}:\n"));
                    for s in &first.steps {
                        report.push_str(&format!(
                            "  {} -> {} [{}] {}{}\n",
                            s.from,
                            s.to,
                            s.permission.as_deref().unwrap_or(&s.kind),
                            s.detail.as_deref().unwrap_or_default(),
                            s.condition
                                .as_deref()
                                .map(|c| format!(" (if {c})"))
                                .unwrap_or_default()
                        ));
                    }
                }
            } else {
                controls += 1;
            }
        }
    }
    assert_eq!(compared, positives + controls);
    assert!(
        positives >= catalog.len() && controls >= catalog.len(),
        "{positives} positives, {controls} controls"
    );
    report
}

#[test]
fn aws_escalation_corpus() {
    let report = escalation_corpus("aws", iamx::analysis::technique::aws().unwrap());
    insta::assert_snapshot!("aws_escalation_corpus_paths", report);
}

#[test]
fn azure_escalation_corpus() {
    let report = escalation_corpus("azure", iamx::analysis::technique::azure().unwrap());
    insta::assert_snapshot!("azure_escalation_corpus_paths", report);
}

#[test]
fn gcp_escalation_corpus() {
    let report = escalation_corpus("gcp", iamx::analysis::technique::gcp().unwrap());
    insta::assert_snapshot!("gcp_escalation_corpus_paths", report);
}

/// Every escalation step of every corpus graph replays through the concrete
/// evaluator: each permission the technique it names needs is allowed to
/// the step's caller (unconditionally on an unconditional step).
#[test]
fn aws_escalation_steps_replay_through_the_evaluator() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/escalation/aws");
    let catalog = iamx::analysis::technique::aws().unwrap();
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "expected.json") {
            continue;
        }
        let ws = workspace(vec![(
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        )]);
        let f = iamx::analysis::escalation::aws::facts(&ws.aws, &Default::default()).unwrap();
        let targets = |s: &iamx::analysis::escalation::StepTo| -> Vec<String> {
            match s {
                iamx::analysis::escalation::StepTo::Node(n) => vec![n.clone()],
                iamx::analysis::escalation::StepTo::Set(i) => f.sets[*i].members.clone(),
            }
        };
        let steps = f
            .steps
            .iter()
            .map(|s| (&s.from, s.technique, targets(&s.to), &s.condition));
        let rewrites = f.rewrites.iter().map(|r| {
            let set = &f.sets[r.set];
            let to = match &set.grant {
                iamx::analysis::escalation::Grant::Join(group) => vec![group.clone()],
                _ => set.members.clone(),
            };
            (&r.from, r.technique, to, &r.condition)
        });
        for (from, t, to, cond) in steps.chain(rewrites) {
            assert!(catalog.iter().any(|c| c.id == t.id));
            let mut p = iamx::aws::parse_principal(from).unwrap();
            ws.aws.resolve_principal(&mut p);
            for target in to {
                for perm in &t.permissions {
                    if perm.on != "target" && perm.on != "passed-role" {
                        continue;
                    }
                    let action = if perm.on == "passed-role" {
                        "iam:PassRole"
                    } else {
                        perm.action.as_str()
                    };
                    let mut ctx = iamx::model::Context::open();
                    if perm.on == "passed-role" {
                        ctx.insert(
                            "iam:PassedToService",
                            iamx::model::Value::str(t.services[0].clone()),
                        );
                    }
                    let (req, _) = ws.aws.request_for(p.clone(), action, &target, ctx);
                    let d = iamx::model::evaluate(&ws.aws.program_for(&req), &req);
                    match d.outcome {
                        iamx::model::Outcome::Allowed => {}
                        iamx::model::Outcome::Unknown(_) => assert!(
                            cond.is_some(),
                            "{from} {} {action} {target}: conditional, step says not",
                            t.id
                        ),
                        o => panic!("{from} {} {action} on {target}: {o:?}", t.id),
                    }
                    replayed += 1;
                }
            }
        }
    }
    assert!(replayed > 100, "{replayed} permissions replayed");
}

fn gcp_files(dev_role_perms: &[&str], deny: bool) -> Vec<(String, String)> {
    let roles = json!([
        {"name": "projects/p1/roles/deployer", "title": "deployer", "stage": "GA",
         "includedPermissions": ["storage.objects.get"]},
        {"name": "roles/iam.roleAdmin", "title": "role admin", "stage": "GA",
         "includedPermissions": dev_role_perms},
    ]);
    let policies = json!({"iamxGcpIamPolicies": [
        {"resource": "organizations/1", "policy": {"version": 3, "bindings": []}},
        {"resource": "projects/p1", "policy": {"version": 3, "bindings": [
            {"role": "projects/p1/roles/deployer", "members": ["user:dev@example.com"]},
            {"role": "roles/iam.roleAdmin", "members": ["user:dev@example.com", "user:ops@example.com"]}
        ]}}
    ]});
    let mut files = vec![
        ("roles.json".to_owned(), roles.to_string()),
        ("policies.json".to_owned(), policies.to_string()),
        (
            "hier.json".to_owned(),
            json!({"iamxGcpHierarchy": {"projects/p1": "organizations/1"}}).to_string(),
        ),
    ];
    if deny {
        let d = json!([{"name": "policies/cloudresourcemanager.googleapis.com%2Forganizations%2F1/denypolicies/no-role-edits",
            "rules": [{"denyRule": {
                "deniedPrincipals": ["principal://goog/subject/dev@example.com"],
                "deniedPermissions": ["iam.googleapis.com/roles.update"]}}]}]);
        files.push(("deny.json".to_owned(), d.to_string()));
    }
    files
}

fn gcp_role_updates(ws: &Workspace) -> Vec<(String, String)> {
    let opts = iamx::analysis::escalation::Options::default();
    iamx::analysis::escalation::gcp::facts(&ws.gcp, &opts)
        .unwrap()
        .admins
        .into_iter()
        .filter(|e| e.permission == "iam.roles.update")
        .map(|e| (e.principal, format!("admin:{}", e.scope)))
        .collect()
}

#[test]
fn gcp_role_update_on_a_role_bound_to_oneself() {
    let ws = workspace(gcp_files(&["iam.roles.update", "iam.roles.get"], false));
    // dev holds the custom role and may update it; ops may update it but does
    // not hold it, so gains nothing by it
    assert_eq!(
        gcp_role_updates(&ws),
        vec![(
            "user:dev@example.com".to_owned(),
            "admin:projects/p1".to_owned()
        )]
    );
    let ws = workspace(gcp_files(&["iam.roles.get"], false));
    assert!(gcp_role_updates(&ws).is_empty());
    let ws = workspace(gcp_files(&["iam.roles.update"], true));
    assert!(
        gcp_role_updates(&ws).is_empty(),
        "the deny policy blocks it: {:?}",
        gcp_role_updates(&ws)
    );
}

/// `--now` decides time conditions for `paths`, `audit` and `check`: a grant
/// only to sessions issued before 2020 is a conditional path when time is
/// left open, and no path at a present time; a time that is not one is a
/// usage error.
#[test]
fn now_decides_time_conditions_on_the_command_line() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/escalation/aws/iam-001.json");
    let run = |now: &str| {
        assert_cmd::Command::cargo_bin("iamx")
            .unwrap()
            .args(["--format", "json", "paths"])
            .arg(&file)
            .args(["--from", "ctl2-iam-001", "--now", now])
            .output()
            .unwrap()
    };
    let open = run("open");
    assert!(open.status.success());
    let paths: serde_json::Value = serde_json::from_slice(&open.stdout).unwrap();
    let text = paths.to_string();
    assert!(
        text.contains("aws:TokenIssueTime") && text.contains("iam-001:"),
        "{text}"
    );
    let now = run("2026-12-01T00:00:00Z");
    let paths: serde_json::Value = serde_json::from_slice(&now.stdout).unwrap();
    assert!(!paths.to_string().contains("iam-001:"), "{paths}");
    let bad = run("yesterday");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--now"));
    let audit = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .args(["--format", "json", "audit"])
        .arg(&file)
        .args(["--now", "open"])
        .output()
        .unwrap();
    assert!(audit.status.success());
    let a: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert!(
        a.to_string().contains("ctl2-iam-001"),
        "open time: the control is a conditional admin-equivalent"
    );
    let audit = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .args(["--format", "json", "audit"])
        .arg(&file)
        .args(["--now", "2026-12-01T00:00:00Z"])
        .output()
        .unwrap();
    let a: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let admins = a["admins"].to_string();
    assert!(!admins.contains("ctl2-iam-001"), "{admins}");
}

fn corpus_cases(cloud: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/escalation")
        .join(cloud);
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Whether a step's permission replays: allowed, or (for a conditional
/// step) undecided.
fn ok(o: &iamx::model::Outcome, conditional: bool) -> bool {
    match o {
        iamx::model::Outcome::Allowed => true,
        iamx::model::Outcome::Unknown(_) => conditional,
        _ => false,
    }
}

/// The GCP decision of `member` doing `permission` on `resource`, asked of
/// the environment afresh (not through the analysis' trimmed programs).
fn gcp_decides(
    env: &iamx::gcp::GcpEnvironment,
    member: &str,
    permission: &str,
    resource: &str,
) -> iamx::model::Outcome {
    let (req, prog) =
        iamx::gcp::build_request(env, member, permission, resource, Default::default()).unwrap();
    iamx::model::gcp::evaluate_gcp(&prog, &req).outcome
}

/// Every GCP step replays: the permissions on the service account are
/// allowed to the caller there, and the service permissions at one place
/// of the inputs (unconditionally on an unconditional step).
#[test]
fn gcp_escalation_steps_replay_through_the_evaluator() {
    let mut replayed = 0;
    for case in corpus_cases("gcp") {
        let ws = workspace(case_files(&case));
        let f = iamx::analysis::escalation::gcp::facts(&ws.gcp, &Default::default()).unwrap();
        let reach = iamx::analysis::gcp::Reach::new(&ws.gcp);
        let mut places: Vec<String> = iamx::analysis::gcp::containers(&ws.gcp)
            .iter()
            .map(|c| iamx::gcp::names::full(c))
            .collect();
        places.extend(ws.gcp.allow.keys().filter(|k| k.starts_with("//")).cloned());
        for s in &f.steps {
            let iamx::analysis::escalation::StepTo::Node(to) = &s.to else {
                continue;
            };
            let conditional = s.condition.is_some();
            // a chain is named by its first delegate's entry; the hops are
            // the chain's own (a delegate is not the target)
            let chained = s.note.is_some();
            let on_target: Vec<&str> = s
                .technique
                .permissions
                .iter()
                .filter(|p| (p.on == "target" && !chained) || p.on == "passed-account")
                .map(|p| p.action.as_str())
                .collect();
            let res = reach.account_resource(to).unwrap();
            for perm in on_target {
                let o = gcp_decides(&ws.gcp, &s.from, perm, &res);
                assert!(
                    ok(&o, conditional),
                    "{} {} {perm} on {to}: {o:?}",
                    s.from,
                    s.technique.id
                );
                replayed += 1;
            }
            let service: Vec<&str> = s
                .technique
                .permissions
                .iter()
                .filter(|p| p.on == "project")
                .map(|p| p.action.as_str())
                .collect();
            if !service.is_empty() {
                let somewhere = places.iter().any(|place| {
                    service
                        .iter()
                        .all(|perm| ok(&gcp_decides(&ws.gcp, &s.from, perm, place), conditional))
                });
                assert!(
                    somewhere,
                    "{} {}: {service:?} nowhere",
                    s.from, s.technique.id
                );
                replayed += service.len();
            }
        }
        for a in &f.admins {
            let full = iamx::gcp::names::full(&a.scope);
            let res = if a.permission == "iam.roles.update" {
                // the custom role the technique names
                let role = a.technique.as_deref().unwrap();
                let role = role.rsplit('(').next().unwrap().trim_end_matches(')');
                format!("//iam.googleapis.com/{role}")
            } else {
                full
            };
            let o = gcp_decides(&ws.gcp, &a.principal, &a.permission, &res);
            assert!(
                ok(&o, a.condition.is_some()),
                "{} {} on {res}: {o:?}",
                a.principal,
                a.permission
            );
            replayed += 1;
        }
    }
    assert!(replayed > 80, "{replayed} permissions replayed");
}

/// Every Azure step replays: the operation the entry names is allowed to
/// the caller on a listed resource that runs as the target (or, for a
/// user-assigned identity, on the identity), and every administrator may
/// do what its entry says at its scope.
#[test]
fn azure_escalation_steps_replay_through_the_evaluator() {
    let mut replayed = 0;
    for case in corpus_cases("azure") {
        let ws = workspace(case_files(&case));
        let env = &ws.azure;
        let f = iamx::analysis::escalation::azure::facts(env, &Default::default()).unwrap();
        let decide_in = |who: &str, op: &str, resource: &str, data: bool, context| {
            let req = iamx::model::Request {
                principal: iamx::model::Principal {
                    id: who.to_owned(),
                    kind: iamx::model::PrincipalKind::User,
                    account: None,
                    role_arn: None,
                    name: None,
                    unique_id: None,
                },
                action: op.to_owned(),
                resource: resource.to_owned(),
                resource_account: None,
                context,
            };
            iamx::model::azure::evaluate_azure(&env.program_for(&req, data, None), &req).outcome
        };
        let decide = |who: &str, op: &str, resource: &str, data: bool| {
            decide_in(who, op, resource, data, Default::default())
        };
        for s in &f.steps {
            let iamx::analysis::escalation::StepTo::Node(to) = &s.to else {
                continue;
            };
            let conditional = s.condition.is_some();
            for p in &s.technique.permissions {
                match p.on.as_str() {
                    "resource" | "resource-data"
                        if s.technique.effect
                            == iamx::analysis::technique::Effect::ReachExisting =>
                    {
                        let hosts: Vec<&str> = env
                            .resources
                            .iter()
                            .filter(|r| {
                                r.identities
                                    .iter()
                                    .any(|i| env.identity_principal(i).as_deref() == Some(to))
                            })
                            .map(|r| r.id.as_str())
                            .collect();
                        let data = p.on == "resource-data";
                        assert!(
                            hosts
                                .iter()
                                .any(|h| ok(&decide(&s.from, &p.action, h, data), conditional)),
                            "{} {} {} on the hosts of {to}",
                            s.from,
                            s.technique.id,
                            p.action
                        );
                        replayed += 1;
                    }
                    "passed-identity" => {
                        let u = env
                            .user_assigned
                            .values()
                            .find(|u| &u.principal_id == to)
                            .unwrap();
                        let o = decide(&s.from, &p.action, &u.id, false);
                        assert!(ok(&o, conditional), "{} {}: {o:?}", s.from, s.technique.id);
                        replayed += 1;
                    }
                    _ => {}
                }
            }
        }
        for a in &f.admins {
            if a.scope == "/" {
                continue;
            }
            let res = if a.permission.ends_with("roleAssignments/write") {
                format!(
                    "{}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-000000000001",
                    a.scope
                )
            } else {
                a.scope.clone()
            };
            // the administrator assigns itself Owner
            let mut ctx = iamx::model::Context::new();
            ctx.insert(
                "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]",
                iamx::model::Value::str("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
            );
            ctx.insert(
                "@Request[Microsoft.Authorization/roleAssignments:PrincipalId]",
                iamx::model::Value::str(a.principal.as_str()),
            );
            let o = decide_in(&a.principal, &a.permission, &res, false, ctx);
            assert!(
                ok(&o, a.condition.is_some()),
                "{} {} at {}: {o:?}",
                a.principal,
                a.permission,
                a.scope
            );
            replayed += 1;
        }
    }
    assert!(replayed > 30, "{replayed} permissions replayed");
}

/// The human audit prints each step's technique ids and condition, as the
/// JSON has them; `paths --from` takes GCP's `principal://` form and a
/// principal named only by an Entra directory role.
#[test]
fn human_output_names_techniques_and_conditions() {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/escalation");
    let audit = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .arg("audit")
        .arg(base.join("gcp/gcp-compute.instances.setMetadata"))
        .output()
        .unwrap();
    assert!(audit.status.success());
    let text = String::from_utf8_lossy(&audit.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("pos-gcp-compute.instances.setmetadata"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("gcp-compute.instances.setMetadata")
            && line.contains(
                "if a VM of projects/1001 runs as admin-sa@p-prod.iam.gserviceaccount.com"
            ),
        "{line}"
    );
    let paths = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .args(["--format", "json", "paths"])
        .arg(base.join("gcp/gcp-iam.serviceAccounts.getAccessToken"))
        .args([
            "--from",
            "principal://goog/subject/pos-gcp-iam.serviceAccounts.getAccessToken@example.com",
        ])
        .output()
        .unwrap();
    assert!(
        paths.status.success(),
        "{}",
        String::from_utf8_lossy(&paths.stderr)
    );
    assert!(String::from_utf8_lossy(&paths.stdout).contains("gcp:admin:projects/1001"));
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("azure/expected.json")).unwrap())
            .unwrap();
    // the control of the Global Administrator entry holds Global Reader only
    let id = expected["cases"]["azure-entra-global-administrator"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v.as_str() == Some("none"))
        .map(|(k, _)| k.clone())
        .unwrap();
    let paths = assert_cmd::Command::cargo_bin("iamx")
        .unwrap()
        .arg("paths")
        .arg(base.join("azure/azure-entra-global-administrator"))
        .args(["--from", &id])
        .output()
        .unwrap();
    assert!(
        paths.status.success(),
        "a Global Reader is named only by its directory role: {}",
        String::from_utf8_lossy(&paths.stderr)
    );
}

/// The audit's permission-list privilege-escalation findings say whether
/// reachability finds a path to admin, and that agrees with the corpus:
/// a principal the corpus says reaches admin is marked so, one it says
/// reaches nothing is not.
#[test]
fn privilege_escalation_findings_follow_reachability() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/escalation/aws");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let opts = iamx::analysis::escalation::Options {
        now: iamx::model::value::parse_date("2026-12-01T00:00:00Z").map(|ms| ms / 1000),
        ..Default::default()
    };
    let builtin = iamx::catalog::Catalog::builtin();
    let (mut marked, mut unmarked) = (0, 0);
    for (file, principals) in expected["cases"].as_object().unwrap() {
        let ws = workspace(case_files(&dir.join(file)));
        let inp = ws.inputs(&builtin);
        let g = iamx::analysis::graph::build_with(&inp, &opts);
        let a = iamx::analysis::audit::audit(&inp, &g, Vec::new());
        for r in a
            .risks
            .iter()
            .filter(|r| r.kind == iamx::analysis::risk::RiskKind::PrivilegeEscalation)
        {
            let Some((_, want)) = principals
                .as_object()
                .unwrap()
                .iter()
                .find(|(p, _)| r.principal.ends_with(&format!("/{p}")))
            else {
                continue;
            };
            match want.as_str().unwrap() {
                "admin" => {
                    assert!(
                        r.detail
                            .ends_with("reaches admin (see the escalation paths and admins)"),
                        "{file} {}: {}",
                        r.principal,
                        r.detail
                    );
                    marked += 1;
                }
                "none" => {
                    assert!(
                        r.detail.ends_with("no escalation path reaches admin"),
                        "{file} {}: {}",
                        r.principal,
                        r.detail
                    );
                    unmarked += 1;
                }
                _ => {}
            }
        }
    }
    assert!(
        marked > 20 && unmarked > 5,
        "{marked} marked, {unmarked} unmarked"
    );
}
