//! `iamx check`: property tests for a policy repository.
//!
//! A repository commits an assertions file (`iamx.toml`, documented by
//! `schemas/iamx-assertions.schema.json`) next to its policies. Each
//! assertion is a property of the loaded inputs: `never` (no principal of a
//! set may do actions on resources, in any context), `only`, `always`,
//! `no-new-access` (nothing beyond a baseline file or git revision),
//! `no-public-access`, `no-escalation-path` and `max-permissions`.
//!
//! Key decision: every "may" question goes to the reasoner (`iamx-smt`)
//! over every context, and every witness it finds is replayed through the
//! concrete evaluator, whose explanation names the statement, binding or
//! assignment that grants it with file, line and column. An undecided
//! question (`unknown`) fails the assertion: unknown is not a pass.
//!
//! ```
//! use iamx::check::{self, CheckOptions};
//! use iamx::{LoadOptions, Workspace};
//!
//! let authz = r#"{"RoleDetailList": [{"RoleName": "app", "RoleId": "AROAEXAMPLE1",
//!   "Arn": "arn:aws:iam::111122223333:role/app", "Path": "/",
//!   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
//!   "RolePolicyList": [{"PolicyName": "read", "PolicyDocument": {"Version": "2012-10-17",
//!     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}}],
//!   "AttachedManagedPolicies": []}], "UserDetailList": [], "GroupDetailList": [], "Policies": []}"#;
//! let ws = Workspace::from_texts(vec![("authz.json".into(), authz.into())], &LoadOptions::default());
//! let file = check::parse_assertions("iamx.toml", r#"
//! [[assertion]]
//! name = "nobody-deletes-reports"
//! kind = "never"
//! actions = ["s3:DeleteObject"]
//! resources = ["arn:aws:s3:::reports/*"]
//! "#).unwrap();
//! let report = check::run(&ws, &file, &CheckOptions::default());
//! assert!(!report.failed());
//! ```

mod assertions;
mod aws;
mod inputs;
mod rbac;
pub mod report;
mod terraform;

pub use assertions::parse as parse_assertions;
pub use inputs::{git_files, load_inputs};

use crate::{Provider, Severity, Workspace};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A parsed assertions file.
#[derive(Clone, Debug)]
pub struct AssertionsFile {
    /// Inputs to load when the command names none (relative to the file).
    pub paths: Vec<String>,
    /// Files or folders (relative to the file) left out of the inputs.
    pub exclude: Vec<String>,
    /// The solver's timeout per question, in seconds.
    pub timeout_seconds: u64,
    /// The assertions, in file order.
    pub assertions: Vec<Assertion>,
}

/// One assertion.
#[derive(Clone, Debug)]
pub struct Assertion {
    /// Its name (unique in the file).
    pub name: String,
    /// What it guards, in words.
    pub description: Option<String>,
    /// The cloud it is about.
    pub cloud: Provider,
    /// `Error` fails the check; `Warning` is reported only.
    pub severity: Severity,
    /// What it asserts.
    pub kind: AssertionKind,
    /// Context keys (attributes) fixed in every question.
    pub context: BTreeMap<String, String>,
    /// AWS: the account owning the resources when their ARNs do not say.
    pub account: Option<String>,
    /// A waiver: failures are reported but do not fail the check until it expires.
    pub waiver: Option<Waiver>,
    /// 1-based line of the assertion in the file.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A waiver of an assertion.
#[derive(Clone, Debug)]
pub struct Waiver {
    /// Why.
    pub reason: String,
    /// Expiry date as written (`YYYY-MM-DD`); the waiver holds through that day.
    pub expires: String,
    /// The expiry as days since 1970-01-01.
    pub expires_days: i64,
}

/// A baseline for `no-new-access`.
#[derive(Clone, Debug)]
pub enum Baseline {
    /// A file or folder (relative to the assertions file).
    File(String),
    /// A git revision: the same path at that revision.
    GitRevision(String),
}

/// What an assertion asserts.
#[derive(Clone, Debug)]
pub enum AssertionKind {
    /// No principal of `principals` (less `except`) may do any of `actions`
    /// on any resource matching `resources`, in any context.
    Never {
        /// Principal patterns (`*` every principal the inputs know plus the
        /// anonymous and an external caller).
        principals: Vec<String>,
        /// Principal patterns left out.
        except: Vec<String>,
        /// Action patterns.
        actions: Vec<String>,
        /// Resource patterns.
        resources: Vec<String>,
    },
    /// Only `principals` may do `actions` on `resources`: `never` for
    /// everyone else.
    Only {
        /// The principals that may.
        principals: Vec<String>,
        /// Action patterns.
        actions: Vec<String>,
        /// Resource patterns.
        resources: Vec<String>,
    },
    /// Each of `principals` can do each of `actions` on each of
    /// `resources` in every context (`conditional`: in some context).
    Always {
        /// Principals.
        principals: Vec<String>,
        /// Actions.
        actions: Vec<String>,
        /// Resources.
        resources: Vec<String>,
        /// Allowed in some context is enough.
        conditional: bool,
    },
    /// The policies at `path` grant nothing `baseline` does not.
    NoNewAccess {
        /// The policy file or folder (relative to the assertions file).
        path: String,
        /// What it is compared with.
        baseline: Baseline,
    },
    /// No anonymous or outside caller may do anything on `resources`
    /// (every resource when empty).
    NoPublicAccess {
        /// Resource patterns.
        resources: Vec<String>,
    },
    /// No escalation path from `principals` to an admin node.
    NoEscalationPath {
        /// Principal patterns.
        principals: Vec<String>,
        /// Principal patterns left out.
        except: Vec<String>,
        /// Longest path considered, in steps.
        max_len: usize,
    },
    /// What `principals` can do stays within `allowed` (action patterns).
    MaxPermissions {
        /// Principal patterns.
        principals: Vec<String>,
        /// The capability list.
        allowed: Vec<String>,
    },
}

impl AssertionKind {
    /// The kind's name as the file writes it.
    pub fn name(&self) -> &'static str {
        match self {
            AssertionKind::Never { .. } => "never",
            AssertionKind::Only { .. } => "only",
            AssertionKind::Always { .. } => "always",
            AssertionKind::NoNewAccess { .. } => "no-new-access",
            AssertionKind::NoPublicAccess { .. } => "no-public-access",
            AssertionKind::NoEscalationPath { .. } => "no-escalation-path",
            AssertionKind::MaxPermissions { .. } => "max-permissions",
        }
    }

    /// The principals and resources it names (to infer its cloud).
    fn words(&self) -> Vec<&str> {
        let v: Vec<&Vec<String>> = match self {
            AssertionKind::Never {
                principals,
                resources,
                ..
            }
            | AssertionKind::Only {
                principals,
                resources,
                ..
            }
            | AssertionKind::Always {
                principals,
                resources,
                ..
            } => vec![resources, principals],
            AssertionKind::NoPublicAccess { resources } => vec![resources],
            AssertionKind::NoEscalationPath { principals, .. }
            | AssertionKind::MaxPermissions { principals, .. } => vec![principals],
            AssertionKind::NoNewAccess { .. } => vec![],
        };
        v.into_iter()
            .flat_map(|x| x.iter().map(String::as_str))
            .filter(|w| *w != "*")
            .collect()
    }
}

/// A request that shows a failure.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Witness {
    /// The caller.
    pub principal: String,
    /// The action, permission or operation.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// AWS: the account owning the resource, as the question assumed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_account: Option<String>,
    /// The context keys or attributes of the request.
    pub context: Vec<(String, String)>,
}

/// Where something that takes part in a failure is written.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Location {
    /// The file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// What it is (the statement, binding or assignment, in words).
    pub what: String,
}

/// One way an assertion fails.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The failure in one line.
    pub message: String,
    /// The request that shows it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// The statements, bindings or assignments that grant it (or, for
    /// `always`, that deny it).
    pub locations: Vec<Location>,
    /// The question was not decided (the reason is in the message).
    pub unknown: bool,
}

impl Finding {
    /// A question that was not decided: `message` names it and says why.
    pub(crate) fn undecided(message: String) -> Finding {
        Finding {
            message,
            witness: None,
            locations: vec![],
            unknown: true,
        }
    }
}

/// The outcome of one assertion.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It holds.
    Passed,
    /// It does not hold (or was not decided).
    Failed,
    /// It does not hold, under a waiver that has not expired.
    Waived,
}

/// The result of one assertion.
#[derive(Clone, Debug, Serialize)]
pub struct AssertionResult {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: &'static str,
    /// `aws`, `gcp` or `azure`.
    pub cloud: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The outcome.
    pub status: Status,
    /// Why it fails.
    pub findings: Vec<Finding>,
    /// Notes (waivers, what was not asked).
    pub notes: Vec<String>,
    /// Line of the assertion in the assertions file.
    pub line: u32,
    /// Column.
    pub column: u32,
}

/// The results of a check.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The assertions file.
    pub assertions_file: String,
    /// One result per assertion, in file order.
    pub results: Vec<AssertionResult>,
}

impl Report {
    /// Does an error-severity assertion fail (exit 1)?
    pub fn failed(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.status == Status::Failed && r.severity == "error")
    }

    /// How many assertions passed, failed and were waived.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s: Status| self.results.iter().filter(|r| r.status == s).count();
        (n(Status::Passed), n(Status::Failed), n(Status::Waived))
    }
}

/// How to check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The solver's timeout per question.
    pub timeout: Duration,
    /// Today, as days since 1970-01-01 (waivers expire after their day).
    pub today: i64,
    /// The folder relative paths in the assertions file are read from.
    pub base_dir: PathBuf,
    /// The action catalog (`None`: the workspace's, else the built-in one).
    pub catalog: Option<Arc<iamx_catalog::Catalog>>,
    /// How `no-escalation-path` decides conditions (context and present
    /// time; the default leaves both open).
    pub escalation: iamx_analysis::escalation::Options,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            timeout: Duration::from_secs(10),
            today: today(),
            base_dir: PathBuf::from("."),
            catalog: None,
            escalation: iamx_analysis::escalation::Options::default(),
        }
    }
}

/// Today (UTC) as days since 1970-01-01.
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs / 86_400).unwrap_or(0)
}

/// What one assertion's evaluation found.
pub(crate) struct Outcome {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

impl Outcome {
    pub(crate) fn new() -> Outcome {
        Outcome {
            findings: Vec::new(),
            notes: Vec::new(),
        }
    }
}

fn cloud_name(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "aws",
        Provider::Gcp => "gcp",
        Provider::Azure => "azure",
    }
}

/// Evaluates every assertion of `file` against `ws`.
pub fn run(ws: &Workspace, file: &AssertionsFile, opts: &CheckOptions) -> Report {
    let builtin = iamx_catalog::Catalog::builtin();
    let catalog = opts.catalog.as_deref().or(ws.catalog()).unwrap_or(&builtin);
    let graph = std::sync::OnceLock::new();
    let results = file
        .assertions
        .par_iter()
        .map(|a| {
            let out = evaluate(ws, a, catalog, opts, &graph);
            let mut notes = out.notes;
            let mut status = if out.findings.is_empty() {
                Status::Passed
            } else {
                Status::Failed
            };
            if let Some(w) = &a.waiver {
                if w.expires_days >= opts.today {
                    if status == Status::Failed {
                        status = Status::Waived;
                    }
                    notes.push(format!("waived until {}: {}", w.expires, w.reason));
                } else {
                    notes.push(format!(
                        "the waiver expired on {} ({})",
                        w.expires, w.reason
                    ));
                }
            }
            AssertionResult {
                name: a.name.clone(),
                kind: a.kind.name(),
                cloud: cloud_name(a.cloud),
                severity: if a.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                },
                description: a.description.clone(),
                status,
                findings: out.findings,
                notes,
                line: a.line,
                column: a.column,
            }
        })
        .collect();
    Report {
        assertions_file: String::new(),
        results,
    }
}

fn evaluate(
    ws: &Workspace,
    a: &Assertion,
    catalog: &iamx_catalog::Catalog,
    opts: &CheckOptions,
    graph: &std::sync::OnceLock<iamx_graph::PermissionGraph>,
) -> Outcome {
    match (&a.kind, a.cloud) {
        (AssertionKind::NoNewAccess { path, baseline }, _) => {
            inputs::no_new_access(ws, a, path, baseline, catalog, opts)
        }
        (AssertionKind::NoEscalationPath { .. }, _) => {
            // one graph for every escalation assertion, built on first use
            let g = graph.get_or_init(|| {
                let inp = crate::analysis::Inputs {
                    aws: &ws.aws,
                    gcp: &ws.gcp,
                    azure: &ws.azure,
                    catalog,
                };
                iamx_analysis::graph::build_with(&inp, &opts.escalation)
            });
            rbac::no_escalation(ws, a, g)
        }
        (AssertionKind::MaxPermissions { .. }, _) => rbac::max_permissions(ws, a, catalog),
        (_, Provider::Aws) => aws::evaluate(ws, a, catalog, opts.timeout),
        (_, Provider::Gcp | Provider::Azure) => rbac::evaluate(ws, a, opts.timeout),
    }
}

/// The context of an assertion as the evaluator takes it.
pub(crate) fn context_of(a: &Assertion) -> iamx_model::Context {
    let mut c = iamx_model::Context::new();
    for (k, v) in &a.context {
        c.insert(k, iamx_model::Value::str(v.clone()));
    }
    c
}

/// Locations of the hits of a decision that grant (`effect` Allow) or deny.
pub(crate) fn locations(d: &iamx_model::Decision, effect: iamx_model::Effect) -> Vec<Location> {
    use iamx_model::eval::Layer;
    let mut out: Vec<Location> = Vec::new();
    for h in &d.explanation.statements {
        let gate = matches!(
            h.layer,
            Layer::Scp | Layer::Rcp | Layer::PermissionBoundary | Layer::SessionPolicy
        );
        if h.effect != effect || (gate && effect == iamx_model::Effect::Allow) {
            continue;
        }
        let l = location_of(&h.origin);
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

pub(crate) fn location_of(o: &iamx_model::Origin) -> Location {
    let mut what = format!("{} statement {}", o.policy, o.statement);
    if let Some(sid) = &o.sid {
        what.push_str(&format!(" (Sid `{sid}`)"));
    }
    Location::at(o.file.as_deref().unwrap_or(""), o.line, o.column, what)
}

impl Location {
    /// A location; an input read from a Terraform plan is named
    /// `PLAN#ADDRESS`: the file is the plan and the address leads `what`.
    pub(crate) fn at(file: &str, line: u32, column: u32, what: String) -> Location {
        match file.split_once('#') {
            Some((plan, address)) => Location {
                file: plan.to_owned(),
                line,
                column: 1,
                what: format!("{address}: {what}"),
            },
            None => Location {
                file: file.to_owned(),
                line,
                column,
                what,
            },
        }
    }
}
