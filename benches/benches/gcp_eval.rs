//! GCP decision throughput on a realistic organization: one organization, 20
//! folders (some nested three deep), 1,000 projects of 20 bindings each and
//! buckets with their own policies, generated in memory (seeded, nothing is
//! written) as a Cloud Asset Inventory export (the `RESOURCE` and
//! `IAM_POLICY` NDJSON files), a `gcloud iam roles list --view=FULL` array,
//! an iamx group file and the organization's deny policy, and loaded through
//! `iamx::Workspace::from_texts`.
//!
//! About one binding in ten carries an IAM condition: time-bound grants
//! (`request.time < timestamp(…)`), business hours
//! (`request.time.getHours('Europe/Berlin')`), and bucket prefixes
//! (`resource.name.startsWith(…)`). Members are users, groups (some nested),
//! service accounts and the organization's domain.
//!
//! Each iteration decides the same 256 varied queries: grants that are
//! direct, through a group, inherited from a folder or the organization,
//! denied by the deny policy, not granted, and conditional ones with and
//! without `request.time` in the context. Three measurements, all in
//! decisions:
//!
//! - `workspace_evaluate`: `Workspace::evaluate(Provider::Gcp, query)`, what
//!   `iamx eval` does (build the request, assemble the program, evaluate);
//! - `build_request`: request and program assembly alone;
//! - `evaluate_gcp`: `iamx_model::gcp::evaluate_gcp` alone on programs
//!   assembled beforehand.
//!
//! and, to see where assembly goes, the steps of `GcpEnvironment::program_for`
//! apart (`step_groups_of`, `step_target`, `step_assemble` on callers and
//! targets built beforehand), plus `evaluate_with_group_index`: the whole
//! decision with the caller's groups read from a member → groups index built
//! once, instead of `groups_of` inverting every group on every request (a
//! prototype of the change proposed for `iamx-gcp`; its decisions are checked
//! against `Workspace::evaluate`'s before timing).
//!
//! Target: at least 100,000 decisions per second on one core.
//!
//! Before measuring, the outcome distribution is printed per kind of query;
//! with `IAMX_BENCH_VERBOSE=1` every query's outcome is listed too
//! (`cargo bench -p iamx-benches --bench gcp_eval -- nomatch` prints them
//! without running the measurements).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use iamx::{Decision, LoadOptions, Outcome, Provider, Query, Workspace};
use iamx_gcp::{Caller, GcpEnvironment, Target};
use iamx_model::gcp::{GcpProgram, evaluate_gcp};
use iamx_model::{Context, PrincipalKind, Request, Value};
use serde_json::{Value as J, json};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const ORG: &str = "123456789012";
const DOMAIN: &str = "example.com";
const TEAMS: usize = 24;
const USERS: usize = 400;
const PROJECTS: usize = 1000;
const QUERIES: usize = 256;
/// The time most queries are asked at.
const NOW: &str = "2026-06-15T10:30:00Z";

/// xorshift64: deterministic, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.0 = s;
        s
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX).max(1);
        usize::try_from(self.next() % n64).unwrap_or(0)
    }

    /// True with probability `pct`/100.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    /// An element of a non-empty table of strings.
    fn pick(&mut self, xs: &[&'static str]) -> &'static str {
        xs.get(self.below(xs.len())).copied().unwrap_or("")
    }
}

fn user(k: usize) -> String {
    format!("user:dev{k:03}@{DOMAIN}")
}

fn team_group(t: usize) -> String {
    format!("group:team-{t:02}@{DOMAIN}")
}

/// The `j`th user of team `t` (users are spread over teams by `k % TEAMS`).
fn team_member(t: usize, j: usize) -> String {
    user(t + TEAMS * (j % (USERS / TEAMS)))
}

fn contractor(k: usize) -> String {
    format!("user:contractor{k:03}@contractor.example.net")
}

const ORG_ADMIN: &str = "user:olga@example.com";
const AUDITOR: &str = "user:ava@example.com";
/// In `security`, itself nested in `auditors`.
const SECURITY: &str = "user:sam@example.com";
const DEPLOYER: &str = "serviceAccount:deployer@platform-ci.iam.gserviceaccount.com";
const OUTSIDER: &str = "user:mallory@evil.example.org";

/// An allow binding as written in an IAM policy.
#[derive(Clone, Debug)]
struct Binding {
    role: String,
    members: Vec<String>,
    /// (title, CEL expression)
    condition: Option<(String, String)>,
}

impl Binding {
    fn new(role: &str, members: &[&str]) -> Binding {
        Binding {
            role: role.to_owned(),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            condition: None,
        }
    }

    fn of(role: &str, members: Vec<String>) -> Binding {
        Binding {
            role: role.to_owned(),
            members,
            condition: None,
        }
    }

    fn when(mut self, title: &str, expression: String) -> Binding {
        self.condition = Some((title.to_owned(), expression));
        self
    }

    fn json(&self) -> J {
        let mut b = json!({"role": self.role, "members": self.members});
        if let (Some((title, expr)), Some(o)) = (&self.condition, b.as_object_mut()) {
            o.insert(
                "condition".to_owned(),
                json!({"title": title, "expression": expr}),
            );
        }
        b
    }
}

fn policy(bindings: &[Binding]) -> J {
    let conditional = bindings.iter().any(|b| b.condition.is_some());
    json!({
        "version": if conditional { 3 } else { 1 },
        "etag": "BwYbExmpl0A=",
        "bindings": bindings.iter().map(Binding::json).collect::<Vec<_>>(),
    })
}

const BUSINESS_HOURS: &str =
    "request.time.getHours('Europe/Berlin') >= 8 && request.time.getHours('Europe/Berlin') < 18";
const EXPIRIES: [&str; 3] = [
    "2026-03-31T00:00:00Z",
    "2026-09-30T00:00:00Z",
    "2027-01-01T00:00:00Z",
];

fn until(expiry: &str) -> String {
    format!("request.time < timestamp('{expiry}')")
}

struct Folder {
    number: u64,
    name: &'static str,
    /// Index of the parent folder; `None`: under the organization.
    parent: Option<usize>,
    bindings: Vec<Binding>,
}

struct Project {
    number: u64,
    id: String,
    folder: usize,
    team: usize,
    owner: String,
    /// The user with a time-bound `serviceAccountTokenCreator`, and until when.
    jit: (String, &'static str),
    /// A contractor with time-bound `storage.objectViewer`, and until when.
    contractor: Option<(String, &'static str)>,
    /// Buckets (the first is `ID-data`: where a project has buckets,
    /// `data-analysts` read only its `shared/` prefix).
    buckets: Vec<String>,
    bindings: Vec<Binding>,
}

struct Org {
    bindings: Vec<Binding>,
    folders: Vec<Folder>,
    projects: Vec<Project>,
    /// (bucket, project index, bindings)
    buckets: Vec<(String, usize, Vec<Binding>)>,
}

/// Folder `f`'s ancestors, nearest first, ending with the organization.
fn folder_chain(folders: &[Folder], f: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Some(f);
    while let Some(i) = cur {
        let Some(folder) = folders.get(i) else { break };
        out.push(format!("folders/{}", folder.number));
        cur = folder.parent;
        if out.len() > folders.len() {
            break;
        }
    }
    out.push(format!("organizations/{ORG}"));
    out
}

const APPS: [&str; 12] = [
    "payments",
    "analytics",
    "checkout",
    "search",
    "ledger",
    "identity",
    "media",
    "ml-platform",
    "billing",
    "crm",
    "catalog",
    "notify",
];
const ENVS: [&str; 3] = ["prod", "staging", "dev"];

fn folders() -> Vec<Folder> {
    // (name, parent)
    const TREE: [(&str, Option<usize>); 20] = [
        ("Security", None),
        ("Platform", None),
        ("Production", None),
        ("Non-production", None),
        ("Sandbox", None),
        ("Payments", Some(2)),
        ("Analytics", Some(2)),
        ("Checkout", Some(2)),
        ("Search", Some(2)),
        ("Ledger", Some(2)),
        ("Payments", Some(3)),
        ("Analytics", Some(3)),
        ("Checkout", Some(3)),
        ("Search", Some(3)),
        ("Ledger", Some(3)),
        ("Payments EU", Some(5)),
        ("Payments US", Some(5)),
        ("Analytics EU", Some(6)),
        ("Experiments", Some(4)),
        ("Hackathon", Some(4)),
    ];
    TREE.iter()
        .enumerate()
        .map(|(i, (name, parent))| {
            let mut bindings = vec![Binding::of(
                "roles/resourcemanager.folderViewer",
                vec![team_group((i * 5) % TEAMS)],
            )];
            match i {
                // Platform: the CI deployer acts as any service account below
                1 => bindings.push(Binding::new("roles/iam.serviceAccountUser", &[DEPLOYER])),
                // Production: SRE administer instances, in business hours
                2 => {
                    bindings.push(
                        Binding::new("roles/compute.instanceAdmin.v1", &["group:sre@example.com"])
                            .when("business hours", BUSINESS_HOURS.to_owned()),
                    );
                    bindings.push(Binding::new(
                        "roles/logging.viewer",
                        &["group:eng-all@example.com"],
                    ));
                }
                // Non-production: everyone reads logs and instances
                3 => bindings.push(Binding::new(
                    "roles/compute.viewer",
                    &["group:eng-all@example.com"],
                )),
                4 => bindings.push(Binding::new("roles/editor", &["group:eng-all@example.com"])),
                _ => bindings.push(Binding::of(
                    "roles/logging.viewer",
                    vec![
                        team_group((i * 7) % TEAMS),
                        "group:sre@example.com".to_owned(),
                    ],
                )),
            }
            Folder {
                number: 100_000_000_001 + u64::try_from(i).unwrap_or(0),
                name,
                parent: *parent,
                bindings,
            }
        })
        .collect()
}

fn project(i: usize, nfolders: usize, rng: &mut Rng) -> Project {
    let team = i % TEAMS;
    let app = APPS.get(i % APPS.len()).copied().unwrap_or("app");
    let env = rng.pick(&ENVS);
    let id = format!("{app}-{env}-{i:04}");
    let number = 300_000_000_001 + u64::try_from(i).unwrap_or(0);
    // not the three top-level folders that only hold folders
    let folder = loop {
        let f = rng.below(nfolders);
        if !matches!(f, 2..=4) {
            break f;
        }
    };
    let owner = team_member(team, i / TEAMS);
    let sa = |name: &str| format!("serviceAccount:{name}@{id}.iam.gserviceaccount.com");
    let (app_sa, worker_sa) = (sa("app"), sa("worker"));
    let team_g = team_group(team);
    let buckets: Vec<String> = if rng.chance(40) {
        let mut b = vec![format!("{id}-data"), format!("{id}-logs")];
        if i % 25 == 7 {
            b.push(format!("{id}-public"));
        }
        b
    } else {
        Vec::new()
    };
    let jit = (user(rng.below(USERS)), rng.pick(&EXPIRIES));
    let contractor = (!buckets.is_empty() && rng.chance(75))
        .then(|| (contractor(rng.below(200)), rng.pick(&EXPIRIES)));
    let analysts_prefix = !buckets.is_empty();
    let other_dev = user(rng.below(USERS));
    let mut bindings = vec![
        Binding::of("roles/owner", vec![owner.clone()]),
        Binding::of(
            "roles/editor",
            vec![
                format!("serviceAccount:{number}-compute@developer.gserviceaccount.com"),
                format!("serviceAccount:{number}@cloudservices.gserviceaccount.com"),
            ],
        ),
        Binding::of("roles/viewer", vec![team_g.clone()]),
        Binding::new("roles/browser", &["group:eng-all@example.com"]),
    ];
    let analysts = Binding::new(
        "roles/storage.objectViewer",
        &["group:data-analysts@example.com"],
    );
    bindings.push(match buckets.first() {
        Some(b) if analysts_prefix => analysts.when(
            "shared reports only",
            format!("resource.name.startsWith('projects/_/buckets/{b}/objects/shared/')"),
        ),
        _ => analysts,
    });
    bindings.extend([
        Binding::of("roles/storage.objectAdmin", vec![app_sa.clone()]),
        Binding::of(
            "roles/compute.instanceAdmin.v1",
            vec![team_g.clone(), other_dev.clone()],
        ),
        Binding::new("roles/compute.viewer", &["group:sre@example.com"]),
        Binding::new("roles/compute.networkAdmin", &["group:netops@example.com"]),
        Binding::of(
            "roles/iam.serviceAccountUser",
            vec![team_g.clone(), DEPLOYER.to_owned()],
        ),
        Binding::of("roles/iam.serviceAccountTokenCreator", vec![jit.0.clone()])
            .when("just-in-time access", until(jit.1)),
        Binding::of("roles/iam.serviceAccountKeyAdmin", vec![owner.clone()]),
    ]);
    let sre_logs = Binding::of(
        "roles/logging.viewer",
        vec!["group:sre@example.com".to_owned(), team_g.clone()],
    );
    bindings.push(if rng.chance(30) {
        sre_logs.when("business hours", BUSINESS_HOURS.to_owned())
    } else {
        sre_logs
    });
    bindings.extend([
        Binding::new("roles/monitoring.viewer", &["group:sre@example.com"]),
        Binding::of("roles/pubsub.publisher", vec![app_sa.clone()]),
        Binding::of("roles/pubsub.subscriber", vec![worker_sa]),
        Binding::of("roles/secretmanager.secretAccessor", vec![app_sa]),
        Binding::new(
            "roles/bigquery.dataViewer",
            &["group:data-analysts@example.com"],
        ),
        Binding::of(
            &format!("organizations/{ORG}/roles/appDeployer"),
            vec![DEPLOYER.to_owned()],
        ),
    ]);
    bindings.push(match &contractor {
        Some((c, expiry)) => Binding::of("roles/storage.objectViewer", vec![c.clone()])
            .when("contract term", until(expiry)),
        None => Binding::of(
            "roles/run.invoker",
            vec![team_g, "allAuthenticatedUsers".into()],
        ),
    });
    Project {
        number,
        id,
        folder,
        team,
        owner,
        jit,
        contractor,
        buckets,
        bindings,
    }
}

fn org() -> Org {
    let mut rng = Rng(0x5EED_0F1A_2B00_C0DE);
    let folders = folders();
    let projects: Vec<Project> = (0..PROJECTS)
        .map(|i| project(i, folders.len(), &mut rng))
        .collect();
    let mut buckets = Vec::new();
    for (pi, p) in projects.iter().enumerate() {
        for b in &p.buckets {
            let app_sa = format!("serviceAccount:app@{}.iam.gserviceaccount.com", p.id);
            let mut bs = vec![
                Binding::of("roles/storage.objectAdmin", vec![app_sa]),
                Binding::of("roles/storage.objectViewer", vec![team_group(p.team)]),
                Binding::new(
                    &format!("organizations/{ORG}/roles/bucketJanitor"),
                    &["group:sre@example.com"],
                ),
            ];
            if b.ends_with("-public") {
                bs.push(Binding::new("roles/storage.objectViewer", &["allUsers"]));
            }
            buckets.push((b.clone(), pi, bs));
        }
    }
    let bindings = vec![
        Binding::new(
            "roles/resourcemanager.organizationAdmin",
            &["group:org-admins@example.com"],
        ),
        Binding::new("roles/viewer", &["group:auditors@example.com"]),
        Binding::new(
            &format!("organizations/{ORG}/roles/securityAuditor"),
            &["group:security@example.com"],
        ),
        Binding::new(
            "roles/iam.serviceAccountKeyAdmin",
            &["group:security@example.com"],
        ),
        Binding::new("roles/browser", &["domain:example.com"]),
    ];
    Org {
        bindings,
        folders,
        projects,
        buckets,
    }
}

const CRM: &str = "//cloudresourcemanager.googleapis.com";

/// The two Cloud Asset Inventory exports: `RESOURCE` (organization, folders,
/// projects with their ids and numbers, buckets) and `IAM_POLICY`.
fn cai_exports(o: &Org) -> (String, String) {
    let org_anc = vec![format!("organizations/{ORG}")];
    let mut resources: Vec<J> = vec![json!({
        "name": format!("{CRM}/organizations/{ORG}"),
        "asset_type": "cloudresourcemanager.googleapis.com/Organization",
        "resource": {"version": "v1", "discovery_name": "Organization", "location": "global",
            "data": {"displayName": DOMAIN, "lifecycleState": "ACTIVE",
                     "name": format!("organizations/{ORG}"),
                     "owner": {"directoryCustomerId": "C0exmpl1"}}},
        "ancestors": org_anc,
        "update_time": "2026-05-04T08:00:00Z",
    })];
    let mut policies: Vec<J> = vec![json!({
        "name": format!("{CRM}/organizations/{ORG}"),
        "asset_type": "cloudresourcemanager.googleapis.com/Organization",
        "iam_policy": policy(&o.bindings),
        "ancestors": org_anc,
        "update_time": "2026-05-04T08:00:00Z",
    })];
    for (i, f) in o.folders.iter().enumerate() {
        let chain = folder_chain(&o.folders, i);
        let parent = chain.get(1).cloned().unwrap_or_default();
        resources.push(json!({
            "name": format!("{CRM}/folders/{}", f.number),
            "asset_type": "cloudresourcemanager.googleapis.com/Folder",
            "resource": {"version": "v2", "discovery_name": "Folder", "location": "global",
                "parent": format!("{CRM}/{parent}"),
                "data": {"displayName": f.name, "lifecycleState": "ACTIVE",
                         "name": format!("folders/{}", f.number), "parent": parent}},
            "ancestors": chain,
            "update_time": "2026-05-04T08:00:00Z",
        }));
        policies.push(json!({
            "name": format!("{CRM}/folders/{}", f.number),
            "asset_type": "cloudresourcemanager.googleapis.com/Folder",
            "iam_policy": policy(&f.bindings),
            "ancestors": chain,
            "update_time": "2026-05-04T08:00:00Z",
        }));
    }
    for p in &o.projects {
        let mut chain = vec![format!("projects/{}", p.number)];
        chain.extend(folder_chain(&o.folders, p.folder));
        let parent = chain.get(1).cloned().unwrap_or_default();
        resources.push(json!({
            "name": format!("{CRM}/projects/{}", p.number),
            "asset_type": "cloudresourcemanager.googleapis.com/Project",
            "resource": {"version": "v1", "discovery_name": "Project", "location": "global",
                "parent": format!("{CRM}/{parent}"),
                "data": {"projectId": p.id, "projectNumber": p.number.to_string(),
                         "name": p.id, "lifecycleState": "ACTIVE",
                         "parent": {"type": parent.split('/').next().map(|k| k.trim_end_matches('s')), "id": parent.split('/').nth(1)},
                         "labels": {"team": format!("team-{:02}", p.team)}}},
            "ancestors": chain,
            "update_time": "2026-05-04T08:00:00Z",
        }));
        policies.push(json!({
            "name": format!("{CRM}/projects/{}", p.number),
            "asset_type": "cloudresourcemanager.googleapis.com/Project",
            "iam_policy": policy(&p.bindings),
            "ancestors": chain,
            "update_time": "2026-05-04T08:00:00Z",
        }));
    }
    for (b, pi, bindings) in &o.buckets {
        let Some(p) = o.projects.get(*pi) else {
            continue;
        };
        let mut chain = vec![format!("projects/{}", p.number)];
        chain.extend(folder_chain(&o.folders, p.folder));
        resources.push(json!({
            "name": format!("//storage.googleapis.com/{b}"),
            "asset_type": "storage.googleapis.com/Bucket",
            "resource": {"version": "v1", "discovery_name": "Bucket", "location": "europe-west1",
                "parent": format!("{CRM}/projects/{}", p.number),
                "data": {"name": b, "location": "EUROPE-WEST1", "storageClass": "STANDARD",
                         "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": true}}}},
            "ancestors": chain,
            "update_time": "2026-05-04T08:00:00Z",
        }));
        policies.push(json!({
            "name": format!("//storage.googleapis.com/{b}"),
            "asset_type": "storage.googleapis.com/Bucket",
            "iam_policy": policy(bindings),
            "ancestors": chain,
            "update_time": "2026-05-04T08:00:00Z",
        }));
    }
    let ndjson = |items: Vec<J>| {
        let mut s = String::new();
        for it in items {
            s.push_str(&it.to_string());
            s.push('\n');
        }
        s
    };
    (ndjson(resources), ndjson(policies))
}

fn perms(prefix: &str, verbs: &[&str]) -> Vec<String> {
    verbs.iter().map(|v| format!("{prefix}.{v}")).collect()
}

/// The roles the policies use, as `gcloud iam roles list --view=FULL`
/// prints them. Predefined roles are abridged to their common permissions.
fn roles_file() -> String {
    let viewer: Vec<String> = [
        perms("resourcemanager.projects", &["get", "getIamPolicy", "list"]),
        perms("compute.instances", &["get", "list", "getGuestAttributes"]),
        perms("compute.disks", &["get", "list"]),
        perms("compute.networks", &["get", "list"]),
        perms("compute.subnetworks", &["get", "list"]),
        perms("compute.firewalls", &["get", "list"]),
        perms("storage.buckets", &["get", "list"]),
        perms("iam.serviceAccounts", &["get", "list"]),
        perms("iam.roles", &["get", "list"]),
        perms("logging.logEntries", &["list"]),
        perms("logging.logs", &["list"]),
        perms("monitoring.timeSeries", &["list"]),
        perms("pubsub.topics", &["get", "list"]),
        perms("pubsub.subscriptions", &["get", "list"]),
        perms("secretmanager.secrets", &["get", "list"]),
        perms("bigquery.datasets", &["get"]),
        perms("bigquery.tables", &["get", "list"]),
        perms("cloudsql.instances", &["get", "list"]),
        perms("run.services", &["get", "list"]),
    ]
    .concat();
    let editor: Vec<String> = [
        viewer.clone(),
        perms(
            "compute.instances",
            &[
                "create",
                "delete",
                "start",
                "stop",
                "reset",
                "setMetadata",
                "setLabels",
                "attachDisk",
            ],
        ),
        perms("compute.disks", &["create", "delete", "use"]),
        perms("storage.buckets", &["create", "update"]),
        perms(
            "storage.objects",
            &["create", "delete", "get", "list", "update"],
        ),
        perms("pubsub.topics", &["create", "delete", "publish", "update"]),
        perms("pubsub.subscriptions", &["consume", "create", "delete"]),
        perms("secretmanager.secrets", &["create", "delete", "update"]),
        perms(
            "secretmanager.versions",
            &["add", "access", "enable", "disable"],
        ),
        perms(
            "iam.serviceAccounts",
            &["actAs", "create", "delete", "update"],
        ),
        perms("cloudsql.instances", &["connect", "update", "restart"]),
        perms("run.services", &["create", "update", "delete"]),
        perms("bigquery.tables", &["create", "getData", "updateData"]),
        perms("bigquery.jobs", &["create"]),
    ]
    .concat();
    let owner: Vec<String> = [
        editor.clone(),
        perms(
            "resourcemanager.projects",
            &["setIamPolicy", "delete", "update", "move"],
        ),
        perms(
            "iam.serviceAccountKeys",
            &["create", "delete", "get", "list"],
        ),
        perms("iam.roles", &["create", "delete", "update"]),
        perms(
            "storage.buckets",
            &["delete", "getIamPolicy", "setIamPolicy"],
        ),
        perms("compute.instances", &["setIamPolicy"]),
    ]
    .concat();
    let mut roles: Vec<(String, &str, Vec<String>)> = vec![
        ("roles/viewer".into(), "Viewer", viewer),
        ("roles/editor".into(), "Editor", editor),
        ("roles/owner".into(), "Owner", owner),
        (
            "roles/browser".into(),
            "Browser",
            [
                perms("resourcemanager.projects", &["get", "list"]),
                perms("resourcemanager.folders", &["get", "list"]),
                perms("resourcemanager.organizations", &["get"]),
            ]
            .concat(),
        ),
        (
            "roles/resourcemanager.folderViewer".into(),
            "Folder Viewer",
            [
                perms("resourcemanager.folders", &["get", "list"]),
                perms("resourcemanager.projects", &["get", "list"]),
            ]
            .concat(),
        ),
        (
            "roles/resourcemanager.organizationAdmin".into(),
            "Organization Administrator",
            [
                perms(
                    "resourcemanager.organizations",
                    &["get", "getIamPolicy", "setIamPolicy"],
                ),
                perms(
                    "resourcemanager.folders",
                    &[
                        "create",
                        "delete",
                        "get",
                        "getIamPolicy",
                        "list",
                        "move",
                        "setIamPolicy",
                        "update",
                    ],
                ),
                perms(
                    "resourcemanager.projects",
                    &[
                        "get",
                        "getIamPolicy",
                        "list",
                        "move",
                        "setIamPolicy",
                        "delete",
                    ],
                ),
                perms("orgpolicy.policy", &["get"]),
            ]
            .concat(),
        ),
        (
            "roles/storage.objectViewer".into(),
            "Storage Object Viewer",
            [
                perms("storage.objects", &["get", "list"]),
                perms("storage.managedFolders", &["get", "list"]),
                perms("resourcemanager.projects", &["get"]),
            ]
            .concat(),
        ),
        (
            "roles/storage.objectAdmin".into(),
            "Storage Object Admin",
            [
                perms(
                    "storage.objects",
                    &[
                        "create",
                        "delete",
                        "get",
                        "getIamPolicy",
                        "list",
                        "restore",
                        "setIamPolicy",
                        "update",
                    ],
                ),
                perms(
                    "storage.multipartUploads",
                    &["abort", "create", "list", "listParts"],
                ),
                perms(
                    "storage.managedFolders",
                    &["create", "delete", "get", "list"],
                ),
                perms("resourcemanager.projects", &["get"]),
            ]
            .concat(),
        ),
        (
            "roles/compute.instanceAdmin.v1".into(),
            "Compute Instance Admin (v1)",
            [
                perms(
                    "compute.instances",
                    &[
                        "addAccessConfig",
                        "attachDisk",
                        "create",
                        "delete",
                        "detachDisk",
                        "get",
                        "getSerialPortOutput",
                        "list",
                        "reset",
                        "resume",
                        "setMachineType",
                        "setMetadata",
                        "setServiceAccount",
                        "setTags",
                        "start",
                        "stop",
                        "suspend",
                        "update",
                        "use",
                    ],
                ),
                perms(
                    "compute.disks",
                    &["create", "delete", "get", "list", "resize", "use"],
                ),
                perms(
                    "compute.instanceTemplates",
                    &["create", "delete", "get", "list", "useReadOnly"],
                ),
                perms("compute.zones", &["get", "list"]),
                perms("resourcemanager.projects", &["get"]),
            ]
            .concat(),
        ),
        (
            "roles/compute.viewer".into(),
            "Compute Viewer",
            [
                perms("compute.instances", &["get", "list"]),
                perms("compute.disks", &["get", "list"]),
                perms("compute.networks", &["get", "list"]),
                perms("compute.firewalls", &["get", "list"]),
                perms("compute.zones", &["get", "list"]),
            ]
            .concat(),
        ),
        (
            "roles/compute.networkAdmin".into(),
            "Compute Network Admin",
            [
                perms(
                    "compute.networks",
                    &["create", "delete", "get", "list", "update", "use"],
                ),
                perms(
                    "compute.subnetworks",
                    &["create", "delete", "get", "list", "update", "use"],
                ),
                perms("compute.firewalls", &["get", "list"]),
                perms(
                    "compute.routers",
                    &["create", "delete", "get", "list", "update"],
                ),
            ]
            .concat(),
        ),
        (
            "roles/iam.serviceAccountUser".into(),
            "Service Account User",
            [
                perms("iam.serviceAccounts", &["actAs", "get", "list"]),
                perms("resourcemanager.projects", &["get", "list"]),
            ]
            .concat(),
        ),
        (
            "roles/iam.serviceAccountTokenCreator".into(),
            "Service Account Token Creator",
            perms(
                "iam.serviceAccounts",
                &[
                    "get",
                    "getAccessToken",
                    "getOpenIdToken",
                    "implicitDelegation",
                    "list",
                    "signBlob",
                    "signJwt",
                ],
            ),
        ),
        (
            "roles/iam.serviceAccountKeyAdmin".into(),
            "Service Account Key Admin",
            [
                perms(
                    "iam.serviceAccountKeys",
                    &["create", "delete", "disable", "enable", "get", "list"],
                ),
                perms("iam.serviceAccounts", &["get", "list"]),
            ]
            .concat(),
        ),
        (
            "roles/logging.viewer".into(),
            "Logs Viewer",
            [
                perms("logging.logEntries", &["list"]),
                perms("logging.logs", &["list"]),
                perms("logging.buckets", &["get", "list"]),
                perms("logging.views", &["get", "list"]),
                perms("logging.sinks", &["get", "list"]),
            ]
            .concat(),
        ),
        (
            "roles/monitoring.viewer".into(),
            "Monitoring Viewer",
            [
                perms("monitoring.timeSeries", &["list"]),
                perms("monitoring.dashboards", &["get", "list"]),
                perms("monitoring.alertPolicies", &["get", "list"]),
            ]
            .concat(),
        ),
        (
            "roles/pubsub.publisher".into(),
            "Pub/Sub Publisher",
            perms("pubsub.topics", &["publish"]),
        ),
        (
            "roles/pubsub.subscriber".into(),
            "Pub/Sub Subscriber",
            [
                perms("pubsub.subscriptions", &["consume"]),
                perms("pubsub.snapshots", &["seek"]),
                perms("pubsub.topics", &["attachSubscription"]),
            ]
            .concat(),
        ),
        (
            "roles/secretmanager.secretAccessor".into(),
            "Secret Manager Secret Accessor",
            perms("secretmanager.versions", &["access"]),
        ),
        (
            "roles/bigquery.dataViewer".into(),
            "BigQuery Data Viewer",
            [
                perms("bigquery.datasets", &["get", "getIamPolicy"]),
                perms(
                    "bigquery.tables",
                    &["export", "get", "getData", "getIamPolicy", "list"],
                ),
                perms("resourcemanager.projects", &["get"]),
            ]
            .concat(),
        ),
        (
            "roles/run.invoker".into(),
            "Cloud Run Invoker",
            perms("run.routes", &["invoke"]),
        ),
        (
            format!("organizations/{ORG}/roles/securityAuditor"),
            "Security Auditor",
            [
                perms("storage.buckets", &["get", "getIamPolicy", "list"]),
                perms("resourcemanager.projects", &["get", "getIamPolicy"]),
                perms("resourcemanager.folders", &["get", "getIamPolicy"]),
                perms("iam.serviceAccountKeys", &["get", "list"]),
                perms("compute.firewalls", &["get", "list"]),
                perms("logging.logEntries", &["list"]),
            ]
            .concat(),
        ),
        (
            format!("organizations/{ORG}/roles/appDeployer"),
            "App Deployer",
            [
                perms("run.services", &["create", "get", "update"]),
                perms("iam.serviceAccounts", &["actAs"]),
                perms("storage.objects", &["create", "get"]),
                perms("cloudbuild.builds", &["create", "get"]),
                perms(
                    "artifactregistry.repositories",
                    &["downloadArtifacts", "uploadArtifacts"],
                ),
            ]
            .concat(),
        ),
        (
            format!("organizations/{ORG}/roles/bucketJanitor"),
            "Bucket Janitor",
            [
                perms("storage.objects", &["delete", "list"]),
                perms("storage.buckets", &["get"]),
            ]
            .concat(),
        ),
    ];
    roles.sort_by(|a, b| a.0.cmp(&b.0));
    let list: Vec<J> = roles
        .into_iter()
        .map(|(name, title, included)| {
            let custom = name.starts_with("organizations/");
            json!({
                "description": format!("{title}{}", if custom { " (custom)" } else { "" }),
                "etag": if custom { "BwYbExmpl0A=" } else { "AA==" },
                "includedPermissions": included,
                "name": name,
                "stage": "GA",
                "title": title,
            })
        })
        .collect();
    J::Array(list).to_string()
}

fn groups_file() -> String {
    let mut g: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in 0..TEAMS {
        g.insert(
            team_group(t),
            (0..USERS / TEAMS).map(|j| team_member(t, j)).collect(),
        );
    }
    // nested: every team is in eng-all
    g.insert(
        "group:eng-all@example.com".into(),
        (0..TEAMS).map(team_group).collect(),
    );
    g.insert(
        "group:sre@example.com".into(),
        (0..USERS).step_by(25).map(user).collect(),
    );
    g.insert(
        "group:netops@example.com".into(),
        (5..USERS).step_by(40).map(user).collect(),
    );
    g.insert(
        "group:data-analysts@example.com".into(),
        (3..USERS).step_by(10).map(user).collect(),
    );
    g.insert(
        "group:security@example.com".into(),
        vec![SECURITY.into(), "user:sid@example.com".into()],
    );
    g.insert(
        "group:auditors@example.com".into(),
        vec![AUDITOR.into(), "group:security@example.com".into()],
    );
    g.insert(
        "group:org-admins@example.com".into(),
        vec![ORG_ADMIN.into(), "user:omar@example.com".into()],
    );
    json!({ "iamxGcpGroups": g }).to_string()
}

fn deny_file() -> String {
    json!([{
        "createTime": "2026-02-10T09:00:00.000000Z",
        "displayName": "Organization guardrails",
        "etag": "MTcwNzU1NjQwMDAwMDAwMDA=",
        "kind": "DenyPolicy",
        "name": format!("policies/cloudresourcemanager.googleapis.com%2Forganizations%2F{ORG}/denypolicies/guardrails"),
        "rules": [
            {"description": "Nobody but the security team creates service account keys",
             "denyRule": {
                "deniedPrincipals": ["principalSet://goog/public:all"],
                "exceptionPrincipals": ["principalSet://goog/group/security@example.com"],
                "deniedPermissions": ["iam.googleapis.com/serviceAccountKeys.create"]}},
            {"description": "Only organization admins delete projects and buckets",
             "denyRule": {
                "deniedPrincipals": ["principalSet://goog/public:all"],
                "exceptionPrincipals": ["principalSet://goog/group/org-admins@example.com"],
                "deniedPermissions": ["cloudresourcemanager.googleapis.com/projects.delete",
                                      "storage.googleapis.com/buckets.delete"]}},
            {"description": "No bucket policy changes outside business hours",
             "denyRule": {
                "deniedPrincipals": ["principalSet://goog/public:all"],
                "exceptionPrincipals": ["principalSet://goog/group/security@example.com"],
                "deniedPermissions": ["storage.googleapis.com/buckets.setIamPolicy"],
                "denialCondition": {"title": "outside business hours",
                    "expression": "request.time.getHours('Europe/Berlin') < 8 || request.time.getHours('Europe/Berlin') >= 18"}}}
        ],
        "uid": "0f4d7c1e-2b8a-4c55-9a61-3e2f1d0c9b8a",
        "updateTime": "2026-02-10T09:00:00.000000Z"
    }])
    .to_string()
}

/// The input files, as (name, text).
fn inputs(o: &Org) -> Vec<(String, String)> {
    let (resources, policies) = cai_exports(o);
    vec![
        ("gcp/cai-resources.ndjson".into(), resources),
        ("gcp/cai-iam-policies.ndjson".into(), policies),
        ("gcp/roles.json".into(), roles_file()),
        ("gcp/groups.json".into(), groups_file()),
        ("gcp/deny-policies.json".into(), deny_file()),
    ]
}

/// What a query is meant to exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Direct,
    Group,
    Inherited,
    Denied,
    NotGranted,
    ConditionalWithTime,
    ConditionalResource,
    ConditionalNoTime,
}

fn query(principal: &str, action: &str, resource: String, time: Option<&str>) -> Query {
    let mut context = Context::new();
    if let Some(t) = time {
        context.insert("request.time", Value::str(t));
    }
    Query {
        principal: principal.to_owned(),
        action: action.to_owned(),
        resource,
        context,
        data_action: None,
        session_policy: None,
    }
}

/// 256 queries: the project is picked at random, the project named by id or
/// number, the kind of query in a fixed rotation.
fn queries(o: &Org) -> Vec<(Kind, Query)> {
    let mut rng = Rng(0x0DDB_A11C_AFE5_EED5);
    let mut out = Vec::with_capacity(QUERIES);
    let with_buckets: Vec<&Project> = o
        .projects
        .iter()
        .filter(|p| !p.buckets.is_empty())
        .collect();
    let with_contractor: Vec<&Project> = o
        .projects
        .iter()
        .filter(|p| p.contractor.is_some())
        .collect();
    let prod_folders: Vec<usize> = (0..o.folders.len())
        .filter(|f| {
            folder_chain(&o.folders, *f)
                .iter()
                .any(|c| c == "folders/100000000003")
        })
        .collect();
    let in_prod: Vec<&Project> = o
        .projects
        .iter()
        .filter(|p| prod_folders.contains(&p.folder))
        .collect();
    for k in 0..QUERIES {
        let Some(p) = o.projects.get(rng.below(o.projects.len())) else {
            continue;
        };
        let project = if rng.chance(50) {
            format!("{CRM}/projects/{}", p.id)
        } else {
            format!("{CRM}/projects/{}", p.number)
        };
        let instance = format!(
            "//compute.googleapis.com/projects/{}/zones/europe-west1-b/instances/vm-{}",
            p.id,
            rng.below(8)
        );
        let sa = |name: &str| {
            format!(
                "//iam.googleapis.com/projects/{0}/serviceAccounts/{name}@{0}.iam.gserviceaccount.com",
                p.id
            )
        };
        let object = |q: &Project, path: &str| {
            let b = q.buckets.first().cloned().unwrap_or_default();
            format!("//storage.googleapis.com/projects/_/buckets/{b}/objects/{path}")
        };
        let member = team_member(p.team, rng.below(USERS / TEAMS));
        let t = Some(NOW);
        let q = match k % 16 {
            0 => (
                Kind::Direct,
                query(
                    &p.owner,
                    "resourcemanager.projects.setIamPolicy",
                    project,
                    t,
                ),
            ),
            1 => (
                Kind::Direct,
                query(
                    &format!("serviceAccount:app@{}.iam.gserviceaccount.com", p.id),
                    rng.pick(&["secretmanager.versions.access", "pubsub.topics.publish"]),
                    format!(
                        "//secretmanager.googleapis.com/projects/{}/secrets/db-password",
                        p.number
                    ),
                    t,
                ),
            ),
            2 => (
                Kind::Direct,
                query(
                    DEPLOYER,
                    "run.services.update",
                    format!(
                        "//run.googleapis.com/projects/{}/locations/europe-west1/services/api",
                        p.id
                    ),
                    t,
                ),
            ),
            3 => (
                Kind::Group,
                query(
                    &member,
                    rng.pick(&["compute.instances.start", "compute.instances.setMetadata"]),
                    instance,
                    t,
                ),
            ),
            4 => (
                Kind::Group,
                query(&member, "iam.serviceAccounts.actAs", sa("worker"), t),
            ),
            5 => (
                Kind::Inherited,
                query(
                    rng.pick(&[AUDITOR, SECURITY]),
                    rng.pick(&[
                        "resourcemanager.projects.getIamPolicy",
                        "compute.instances.list",
                    ]),
                    project,
                    t,
                ),
            ),
            6 => (
                // eng-all ⊃ team: logs in production, browse anywhere
                Kind::Inherited,
                query(
                    &team_member(rng.below(TEAMS), rng.below(USERS / TEAMS)),
                    "resourcemanager.projects.get",
                    project,
                    t,
                ),
            ),
            7 => {
                // SRE in production, in and out of business hours
                let Some(q) = in_prod.get(rng.below(in_prod.len())) else {
                    continue;
                };
                let when = rng.pick(&["2026-06-15T09:30:00Z", "2026-06-15T21:00:00Z"]);
                (
                    Kind::ConditionalWithTime,
                    query(
                        &user(25 * rng.below(USERS / 25)),
                        "compute.instances.stop",
                        format!(
                            "//compute.googleapis.com/projects/{}/zones/europe-west1-b/instances/vm-1",
                            q.number
                        ),
                        Some(when),
                    ),
                )
            }
            8 => (
                Kind::Denied,
                query(&p.owner, "iam.serviceAccountKeys.create", sa("app"), t),
            ),
            9 => (
                Kind::Denied,
                query(&p.owner, "resourcemanager.projects.delete", project, t),
            ),
            10 => {
                // a member of another team
                let other = (p.team + 1 + rng.below(TEAMS - 1)) % TEAMS;
                (
                    Kind::NotGranted,
                    query(
                        &team_member(other, rng.below(USERS / TEAMS)),
                        "compute.instances.start",
                        instance,
                        t,
                    ),
                )
            }
            11 => (
                Kind::NotGranted,
                query(
                    rng.pick(&[OUTSIDER, AUDITOR]),
                    rng.pick(&[
                        "storage.objects.delete",
                        "resourcemanager.projects.setIamPolicy",
                    ]),
                    project,
                    t,
                ),
            ),
            12 => {
                let Some(q) = with_contractor.get(rng.below(with_contractor.len())) else {
                    continue;
                };
                let Some((c, _)) = &q.contractor else {
                    continue;
                };
                let when = rng.pick(&["2026-01-15T12:00:00Z", NOW, "2026-12-01T12:00:00Z"]);
                (
                    Kind::ConditionalWithTime,
                    query(
                        c,
                        "storage.objects.get",
                        object(q, "exports/2026/06/ledger.csv"),
                        Some(when),
                    ),
                )
            }
            13 => {
                let Some(q) = with_buckets.get(rng.below(with_buckets.len())) else {
                    continue;
                };
                let path = rng.pick(&["shared/q2-report.csv", "raw/events-0001.json"]);
                (
                    Kind::ConditionalResource,
                    query(
                        &user(3 + 10 * rng.below(USERS / 10)),
                        "storage.objects.get",
                        object(q, path),
                        t,
                    ),
                )
            }
            14 => (
                Kind::ConditionalWithTime,
                query(&p.jit.0, "iam.serviceAccounts.getAccessToken", sa("app"), t),
            ),
            _ => {
                // the time is not given: a time-bound grant is unknown
                if rng.chance(50) {
                    (
                        Kind::ConditionalNoTime,
                        query(&p.jit.0, "iam.serviceAccounts.signJwt", sa("worker"), None),
                    )
                } else {
                    let Some(q) = with_contractor.get(rng.below(with_contractor.len())) else {
                        continue;
                    };
                    let Some((c, _)) = &q.contractor else {
                        continue;
                    };
                    (
                        Kind::ConditionalNoTime,
                        query(c, "storage.objects.list", object(q, "exports/"), None),
                    )
                }
            }
        };
        out.push(q);
    }
    out
}

/// One load outside the timing loop, so the figures can be trusted.
fn load(o: &Org) -> Workspace {
    let texts = inputs(o);
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let start = Instant::now();
    let ws = Workspace::from_texts(texts, &LoadOptions::default());
    let took = start.elapsed();
    let c = ws.gcp.counts();
    eprintln!(
        "gcp org: {:.1} MB of input loaded in {took:.2?}: {} roles, {} allow policies, {} bindings, {} deny rules, {} groups, {} resources placed; {} errors, {} warnings",
        bytes as f64 / 1e6,
        c.roles,
        c.allow_policies,
        c.bindings,
        c.deny_rules,
        c.groups,
        c.resources_placed,
        ws.errors().count(),
        ws.warnings().count(),
    );
    for d in ws.diagnostics.iter().take(5) {
        eprintln!("  e.g. {d}");
    }
    ws
}

/// How the queries come out, per kind and in all, printed once so the mix is
/// known to be realistic.
fn outcomes(ws: &Workspace, qs: &[(Kind, Query)]) {
    let verbose = std::env::var_os("IAMX_BENCH_VERBOSE").is_some();
    let mut per_kind: BTreeMap<Kind, [usize; 4]> = BTreeMap::new();
    let mut total = [0usize; 4];
    let (mut errors, mut hits, mut bindings) = (0, 0, 0);
    for (kind, q) in qs {
        match ws.evaluate(Provider::Gcp, q.clone()) {
            Ok((req, d, _)) => {
                if let Ok((_, prog)) = iamx_gcp::build_request(
                    &ws.gcp,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.context.clone(),
                ) {
                    bindings += prog.bindings.len();
                }
                hits += d.explanation.statements.len();
                let slot = match d.outcome {
                    Outcome::Allowed => 0,
                    Outcome::NotAllowed => 1,
                    Outcome::ExplicitlyDenied => 2,
                    Outcome::Unknown(_) => 3,
                };
                let row = per_kind.entry(*kind).or_default();
                if let Some(x) = row.get_mut(slot) {
                    *x += 1;
                }
                if let Some(x) = total.get_mut(slot) {
                    *x += 1;
                }
                if verbose {
                    eprintln!(
                        "  {:<18} {:<20} {:<56} {:<40} {}",
                        d.outcome.as_str(),
                        format!("{kind:?}"),
                        req.principal.id,
                        req.action,
                        req.resource
                    );
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("notice: query not built: {e}");
            }
        }
    }
    let [a, n, d, u] = total;
    eprintln!(
        "gcp queries: {}: {a} allowed, {n} not_allowed, {d} explicitly_denied, {u} unknown; {errors} not built; {:.1} bindings per program, {hits} binding/rule hits",
        qs.len(),
        bindings as f64 / qs.len().max(1) as f64,
    );
    for (kind, [a, n, d, u]) in &per_kind {
        eprintln!(
            "  {:<20} allowed {a:>3}  not_allowed {n:>3}  explicitly_denied {d:>3}  unknown {u:>3}",
            format!("{kind:?}")
        );
    }
}

/// Every group member's groups (direct and through nesting), computed once:
/// what `GcpEnvironment::groups_of` recomputes on each request.
fn group_index(env: &GcpEnvironment) -> BTreeMap<String, Vec<String>> {
    let mut index = BTreeMap::new();
    for def in env.groups.values() {
        for m in &def.members {
            if !index.contains_key(m) {
                index.insert(m.clone(), env.groups_of(m));
            }
        }
    }
    index
}

/// `Workspace::evaluate` for GCP as `build_request` and `program_for` do it,
/// step by step through public APIs, except that the caller's groups come
/// from `index`.
fn decide_indexed(
    env: &GcpEnvironment,
    index: &BTreeMap<String, Vec<String>>,
    q: &Query,
    context: Context,
) -> Option<Decision> {
    let principal = iamx_gcp::principal_of(&q.principal).ok()?;
    let resource = iamx_gcp::full_resource_name(&q.resource).ok()?;
    let mut ctx = context;
    for (k, v) in env.resource_attributes(&resource).iter() {
        if !ctx.contains_lc(k) {
            ctx.insert(k, v.clone());
        }
    }
    let groups = index.get(&principal.id).map_or(&[][..], Vec::as_slice);
    let caller = Caller::new(
        &principal.id,
        groups,
        principal.kind != PrincipalKind::Anonymous,
    );
    let target = env.target(&resource, None);
    let prog = env.assemble(&caller, &target);
    let req = Request {
        principal,
        action: q.action.clone(),
        resource,
        resource_account: None,
        context: ctx,
    };
    Some(evaluate_gcp(&prog, &req))
}

fn gcp_eval(c: &mut Criterion) {
    let o = org();
    let ws = load(&o);
    let qs = queries(&o);
    outcomes(&ws, &qs);
    let qs: Vec<Query> = qs.into_iter().map(|(_, q)| q).collect();
    let built: Vec<(Request, GcpProgram)> = qs
        .iter()
        .filter_map(|q| {
            iamx_gcp::build_request(
                &ws.gcp,
                &q.principal,
                &q.action,
                &q.resource,
                q.context.clone(),
            )
            .ok()
        })
        .collect();
    let n = u64::try_from(qs.len()).unwrap_or(u64::MAX);
    let index = group_index(&ws.gcp);
    let same = qs
        .iter()
        .filter(|q| {
            let fast = decide_indexed(&ws.gcp, &index, q, q.context.clone()).map(|d| d.outcome);
            let slow = ws
                .evaluate(Provider::Gcp, (*q).clone())
                .ok()
                .map(|r| r.1.outcome);
            fast.is_some() && fast == slow
        })
        .count();
    eprintln!(
        "group index: {} members; evaluate_with_group_index agrees with Workspace::evaluate on {same} of {} queries",
        index.len(),
        qs.len()
    );
    let steps: Vec<(Caller, Target)> = built
        .iter()
        .map(|(req, _)| {
            let groups = ws.gcp.groups_of(&req.principal.id);
            let caller = Caller::new(
                &req.principal.id,
                &groups,
                req.principal.kind != PrincipalKind::Anonymous,
            );
            (caller, ws.gcp.target(&req.resource, None))
        })
        .collect();

    let mut g = c.benchmark_group("gcp_eval");
    g.throughput(Throughput::Elements(n));
    g.bench_function("workspace_evaluate", |b| {
        b.iter_batched(
            || qs.clone(),
            |qs| {
                for q in qs {
                    let _ = black_box(ws.evaluate(Provider::Gcp, black_box(q)));
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.bench_function("build_request", |b| {
        b.iter_batched(
            || qs.iter().map(|q| q.context.clone()).collect::<Vec<_>>(),
            |ctxs| {
                for (q, ctx) in qs.iter().zip(ctxs) {
                    let _ = black_box(iamx_gcp::build_request(
                        black_box(&ws.gcp),
                        &q.principal,
                        &q.action,
                        &q.resource,
                        ctx,
                    ));
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.bench_function("evaluate_with_group_index", |b| {
        b.iter_batched(
            || qs.iter().map(|q| q.context.clone()).collect::<Vec<_>>(),
            |ctxs| {
                for (q, ctx) in qs.iter().zip(ctxs) {
                    black_box(decide_indexed(black_box(&ws.gcp), &index, q, ctx));
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.throughput(Throughput::Elements(
        u64::try_from(built.len()).unwrap_or(u64::MAX),
    ));
    g.bench_function("evaluate_gcp", |b| {
        b.iter(|| {
            for (req, prog) in &built {
                black_box(evaluate_gcp(black_box(prog), black_box(req)));
            }
        });
    });
    g.bench_function("step_groups_of", |b| {
        b.iter(|| {
            for (req, _) in &built {
                black_box(ws.gcp.groups_of(black_box(&req.principal.id)));
            }
        });
    });
    g.bench_function("step_target", |b| {
        b.iter(|| {
            for (req, _) in &built {
                black_box(ws.gcp.target(black_box(&req.resource), None));
            }
        });
    });
    g.bench_function("step_assemble", |b| {
        b.iter(|| {
            for (caller, target) in &steps {
                black_box(ws.gcp.assemble(black_box(caller), black_box(target)));
            }
        });
    });
    g.finish();

    let texts = inputs(&o);
    let mut g = c.benchmark_group("gcp_org_load");
    g.sample_size(10);
    g.bench_function("from_texts", |b| {
        b.iter_batched(
            || texts.clone(),
            |t| Workspace::from_texts(t, &LoadOptions::default()),
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = gcp_eval
}
criterion_main!(benches);
