//! # iamx
//!
//! Offline, provable answers to *who can do what, where, and under which
//! conditions*. This facade is the public library API: load cloud exports
//! into a [`Workspace`], then decide requests against it.
//!
//! ```
//! use iamx::{LoadOptions, Workspace};
//!
//! let policy = r#"{"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}"#;
//! let request = format!(r#"{{
//!     "request": {{"principal": "arn:aws:iam::111122223333:user/alice",
//!                 "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q1.csv",
//!                 "resourceAccount": "111122223333"}},
//!     "identityPolicies": [{policy}]
//! }}"#);
//! let ws = Workspace::from_texts(vec![("request.json".into(), request)], &LoadOptions::default());
//! assert!(ws.errors().next().is_none());
//! let decision = ws.decide_case(&ws.requests[0]);
//! assert_eq!(decision.outcome, iamx::Outcome::Allowed);
//! ```
//!
//! Key decision: the facade owns file IO for the paths it is handed and
//! parallel parsing (rayon); provider crates only see text. Diagnostics are
//! collected, never printed: the CLI decides how to show them.
//!
//! Modules: [`reason`] (the SMT reasoner's questions), [`check`] (the
//! assertions of a policy repository, `iamx check`), `testing` (feature
//! `testing`: proptest strategies for requests and policies), [`unused`] and
//! [`rightsize`] (usage logs); the other crates are re-exported whole.

#![deny(missing_docs)]

use iamx_aws::env::AwsEnvironment;
use iamx_aws::{ActionChecker, PolicyOptions, PolicyType, RequestCase, Source};
use iamx_azure::AzureEnvironment;
use iamx_catalog::Catalog;
use iamx_gcp::GcpEnvironment;
use iamx_model::{Context, Request, Scalar, Value};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use iamx_analysis as analysis;
pub mod check;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
pub mod conditions;
pub mod reason;
pub mod rightsize;
mod rightsize_azure;
mod rightsize_gcp;
#[cfg(feature = "testing")]
pub mod testing;
pub mod unused;
pub use iamx_translate as translate;
pub use iamx_usage as usage;

pub use iamx_aws as aws;
pub use iamx_azure as azure;
pub use iamx_catalog as catalog;
pub use iamx_gcp as gcp;
pub use iamx_graph as graph;
pub use iamx_model as model;
pub use iamx_model::{Decision, Diagnostic, Explanation, Outcome, Severity};

/// How to load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The action catalog used for unknown-action warnings; `None` uses the
    /// built-in one (which only knows the services the examples use).
    pub catalog: Option<Arc<Catalog>>,
    /// Called with (files parsed, files in all) as loading goes.
    pub progress: Option<Progress>,
}

/// A progress callback: (done, total). Called from worker threads.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// One file that was read and what it was.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    /// Path (or name).
    pub name: String,
    /// The detected format (`None` when it matched nothing or did not parse).
    pub format: Option<&'static str>,
}

/// Everything loaded from the inputs.
#[derive(Debug, Default)]
pub struct Workspace {
    /// The AWS environment.
    pub aws: AwsEnvironment,
    /// The GCP environment.
    pub gcp: GcpEnvironment,
    /// The Azure environment.
    pub azure: AzureEnvironment,
    /// Standalone policy documents.
    pub policies: Vec<Arc<model::Policy>>,
    /// Request files' cases.
    pub requests: Vec<RequestCase>,
    /// Every diagnostic, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read.
    pub files: Vec<LoadedFile>,
    catalog: Option<Arc<Catalog>>,
}

/// An error that stops loading before any file is read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path does not exist or cannot be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The files under `paths`: files as given, directories walked recursively
/// (sorted, `.json` and `.ndjson` files only, hidden entries skipped, audit
/// logs left out: a file whose first record is a CloudTrail, GCP audit log or
/// Azure activity log record is usage, not policy, see `iamx_usage::sniff`;
/// folders below a given one that hold an `iamx.toml` left out: each is a
/// policy repository of its own, read by `iamx check`).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    walk_files(paths).map(|(files, _)| files)
}

/// The identity of a file or folder: device and inode where the platform
/// has them, else the canonical path.
#[cfg(unix)]
fn file_id(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(p: &Path) -> Option<(u64, u64)> {
    use std::hash::{Hash, Hasher};
    let c = std::fs::canonicalize(p).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    c.hash(&mut h);
    Some((0, h.finish()))
}

/// [`collect_files`], with a warning for every folder or file reached a
/// second time (a symbolic link back up the tree, or a second link to the
/// same file), which is skipped: each file is read once and a link cycle
/// ends.
pub fn walk_files(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<Diagnostic>), LoadError> {
    struct Walk {
        out: Vec<PathBuf>,
        seen: std::collections::HashSet<(u64, u64)>,
        warnings: Vec<Diagnostic>,
    }
    impl Walk {
        /// Whether `p` is new (an unknown identity counts as new).
        fn first_visit(&mut self, p: &Path) -> bool {
            let Some(id) = file_id(p) else {
                return true;
            };
            if self.seen.insert(id) {
                return true;
            }
            let mut d = error_at(
                &p.display().to_string(),
                "skipped: this file or folder was already reached by another path (a symbolic link); each is read once"
                    .to_owned(),
            );
            d.severity = Severity::Warning;
            self.warnings.push(d);
            false
        }

        fn dir(&mut self, dir: &Path) -> Result<(), LoadError> {
            let rd = std::fs::read_dir(dir).map_err(|e| LoadError::Io {
                path: dir.to_owned(),
                source: e,
            })?;
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for p in entries {
                let hidden = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'));
                if hidden {
                    continue;
                }
                if p.is_dir() {
                    // a policy repository with its own assertions file is its own
                    // input set (`iamx check` reads it); a walk from above leaves it
                    if p.join("iamx.toml").is_file() {
                        continue;
                    }
                    if self.first_visit(&p) {
                        self.dir(&p)?;
                    }
                } else if matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("json" | "ndjson")
                ) && iamx_usage::sniff_path(&p).is_none()
                    && self.first_visit(&p)
                {
                    self.out.push(p);
                }
            }
            Ok(())
        }
    }
    let mut w = Walk {
        out: Vec::new(),
        seen: std::collections::HashSet::new(),
        warnings: Vec::new(),
    };
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| LoadError::Io {
            path: p.clone(),
            source: e,
        })?;
        if !w.first_visit(p) {
            continue;
        }
        if meta.is_dir() {
            w.dir(p)?;
        } else {
            w.out.push(p.clone());
        }
    }
    Ok((w.out, w.warnings))
}

fn error_at(name: &str, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        message,
        file: Some(Arc::from(name)),
        line: 0,
        column: 0,
        path: String::new(),
        help: None,
    }
}

/// What one file contributed, per provider.
enum FileLoad {
    Aws(iamx_aws::FileLoad),
    Gcp(iamx_gcp::GcpFileLoad),
    Azure(iamx_azure::AzureFileLoad),
}

struct Parsed {
    name: String,
    format: Option<&'static str>,
    load: Option<FileLoad>,
    diagnostics: Vec<Diagnostic>,
}

fn parse_one(name: String, text: String, opts: PolicyOptions<'_>) -> Parsed {
    let src = Source::new(name.as_str(), text);
    let done = |format: &'static str, load: FileLoad, diagnostics: Vec<Diagnostic>| Parsed {
        name: name.clone(),
        format: Some(format),
        load: Some(load),
        diagnostics,
    };
    let json = match src.parse_json() {
        Ok(j) => j,
        // not one JSON value: a Cloud Asset Inventory NDJSON export, or an error
        Err(d) => {
            return match iamx_gcp::load_source(&src) {
                Ok(Some(mut l)) => {
                    let diags = std::mem::take(&mut l.diagnostics);
                    done(
                        l.format.map_or("gcp", iamx_gcp::GcpFormat::name),
                        FileLoad::Gcp(l),
                        diags,
                    )
                }
                Ok(None) => Parsed {
                    name,
                    format: None,
                    load: None,
                    diagnostics: vec![d],
                },
                Err(e) => Parsed {
                    name,
                    format: None,
                    load: None,
                    diagnostics: vec![e],
                },
            };
        }
    };
    // Azure and GCP first: their request files carry `"provider"`, which the
    // AWS detector (any object with `request`) would otherwise claim
    if let Some(mut l) = iamx_azure::load_json(&src, &json) {
        let diags = std::mem::take(&mut l.diagnostics);
        return done(l.format.name(), FileLoad::Azure(l), diags);
    }
    if let Some(mut l) = iamx_gcp::load_json(&src, &json) {
        let diags = std::mem::take(&mut l.diagnostics);
        return done(
            l.format.map_or("gcp", iamx_gcp::GcpFormat::name),
            FileLoad::Gcp(l),
            diags,
        );
    }
    match iamx_aws::load_json(&src, &json, opts) {
        Some(mut l) => {
            let diags = std::mem::take(&mut l.diagnostics);
            let format = l.format.map_or("aws", iamx_aws::AwsFormat::name);
            done(format, FileLoad::Aws(l), diags)
        }
        // `iamx translate`'s resource map: read (and checked), not an IAM input
        None if json.get("accounts").is_some() && json.get("resources").is_some() => {
            match iamx_translate::ResourceMap::parse(&src.text) {
                Ok(_) => Parsed {
                    name,
                    format: Some("iamx resource map (for translate)"),
                    load: None,
                    diagnostics: vec![],
                },
                Err(e) => {
                    let d = Diagnostic {
                        line: 1,
                        column: 1,
                        path: "$".to_owned(),
                        ..error_at(&name, format!("resource map: {e}"))
                    };
                    Parsed {
                        name,
                        format: None,
                        load: None,
                        diagnostics: vec![d],
                    }
                }
            }
        }
        None => {
            let d = Diagnostic {
                help: Some("iamx reads AWS policy documents, authorization details and SCP/resource-policy files; GCP IAM policies, Cloud Asset Inventory exports, roles and deny policies; Azure role definitions, role and deny assignments; request files; and translate's resource maps (see corpus/README.md)".to_owned()),
                line: 1,
                column: 1,
                path: "$".to_owned(),
                ..error_at(&name, "file matches no known input format".to_owned())
            };
            Parsed {
                name,
                format: None,
                load: None,
                diagnostics: vec![d],
            }
        }
    }
}

impl Workspace {
    /// Loads files and directories.
    pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Workspace, LoadError> {
        let (files, walk_warnings) = walk_files(paths)?;
        let texts: Vec<(String, Result<String, std::io::Error>)> = files
            .par_iter()
            .map(|p| (p.display().to_string(), std::fs::read_to_string(p)))
            .collect();
        let mut ok = Vec::with_capacity(texts.len());
        let mut io_errors = Vec::new();
        for (name, t) in texts {
            match t {
                Ok(t) => ok.push((name, t)),
                Err(e) => io_errors.push(error_at(&name, format!("cannot read file: {e}"))),
            }
        }
        let mut ws = Workspace::from_texts(ok, opts);
        ws.diagnostics.extend(io_errors);
        ws.diagnostics.extend(walk_warnings);
        Ok(ws)
    }

    /// Loads from in-memory (name, text) pairs.
    pub fn from_texts(texts: Vec<(String, String)>, opts: &LoadOptions) -> Workspace {
        let builtin;
        let catalog: &Catalog = match &opts.catalog {
            Some(c) => c,
            None => {
                builtin = Catalog::builtin();
                &builtin
            }
        };
        let checker = ActionChecker {
            catalog,
            complete: opts.catalog.is_some(),
        };
        let popts = PolicyOptions {
            ptype: PolicyType::Auto,
            actions: Some(checker),
        };
        let total = texts.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let parsed: Vec<Parsed> = texts
            .into_par_iter()
            .map(|(name, text)| {
                let p = parse_one(name, text, popts);
                if let Some(Progress(f)) = &opts.progress {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    f(n, total);
                }
                p
            })
            .collect();
        let mut ws = Workspace {
            catalog: opts.catalog.clone(),
            ..Workspace::default()
        };
        for p in parsed {
            ws.files.push(LoadedFile {
                name: p.name,
                format: p.format,
            });
            ws.diagnostics.extend(p.diagnostics);
            match p.load {
                Some(FileLoad::Aws(l)) => {
                    ws.aws.merge(l.env);
                    ws.policies.extend(l.policies);
                    ws.requests.extend(l.requests);
                }
                Some(FileLoad::Gcp(l)) => {
                    ws.gcp.merge(l.env);
                    ws.requests.extend(l.requests);
                }
                Some(FileLoad::Azure(l)) => {
                    ws.azure.merge(l.env);
                    ws.requests.extend(l.requests);
                }
                None => {}
            }
        }
        // what only the merged inputs can tell: roles referenced but never
        // defined, group cycles across files
        ws.diagnostics.extend(ws.gcp.check_references());
        ws.diagnostics.extend(ws.azure.validate());
        ws
    }

    /// The catalog given at load time, if any.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.catalog.as_deref()
    }

    /// The inputs of the analyses (who-can, what-can, paths, audit), with the
    /// catalog given at load time or the built-in one.
    pub fn inputs<'a>(&'a self, builtin: &'a Catalog) -> analysis::Inputs<'a> {
        analysis::Inputs {
            aws: &self.aws,
            gcp: &self.gcp,
            azure: &self.azure,
            catalog: self.catalog.as_deref().unwrap_or(builtin),
        }
    }

    /// The errors among the diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings among the diagnostics.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// Builds a request against the loaded environment: the caller is
    /// enriched from the environment (unique id, role path, tags as
    /// `aws:PrincipalTag/…`, organisation id), and the resource account found
    /// from resource policies or the ARN. Explicit `context` entries win.
    pub fn request(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: Context,
    ) -> Result<(Request, Vec<String>), String> {
        self.aws.build_request(principal, action, resource, context)
    }

    /// Decides a request against the loaded environment.
    pub fn decide(&self, req: &Request) -> Decision {
        self.decide_with_session(req, None)
    }

    /// Decides a request made with a session policy (the policy passed to
    /// `AssumeRole` or `GetFederationToken`).
    pub fn decide_with_session(
        &self,
        req: &Request,
        session: Option<Arc<model::Policy>>,
    ) -> Decision {
        let mut prog = self.aws.program_for(req);
        prog.session = session;
        model::evaluate(&prog, req)
    }

    /// Decides one case of a request file.
    pub fn decide_case(&self, case: &RequestCase) -> Decision {
        model::decide(&case.program, &case.request)
    }
}

/// The three clouds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Amazon Web Services.
    Aws,
    /// Google Cloud.
    Gcp,
    /// Microsoft Azure.
    Azure,
}

impl Provider {
    /// Guesses the provider of a request from how its principal and resource
    /// are written: ARNs are AWS, `user:…`/`//service/…` GCP, `/subscriptions/…`
    /// Azure.
    pub fn infer(principal: &str, resource: &str) -> Option<Provider> {
        let gcp_member = [
            "user:",
            "group:",
            "serviceAccount:",
            "domain:",
            "principal://",
            "principalSet://",
            "deleted:",
        ]
        .iter()
        .any(|p| principal.starts_with(p))
            || principal == "allUsers"
            || principal == "allAuthenticatedUsers";
        if resource.starts_with("//") || gcp_member {
            Some(Provider::Gcp)
        } else if resource.starts_with("arn:") || principal.starts_with("arn:") {
            Some(Provider::Aws)
        } else if resource.starts_with('/') {
            Some(Provider::Azure)
        } else {
            None
        }
    }
}

/// One question for [`Workspace::evaluate`].
#[derive(Clone, Debug)]
pub struct Query {
    /// The caller as its cloud names it.
    pub principal: String,
    /// The action, permission or operation.
    pub action: String,
    /// The resource ARN, full resource name or Azure scope.
    pub resource: String,
    /// Context keys / condition attributes.
    pub context: Context,
    /// Azure: whether the operation is a data action (`None`: guess).
    pub data_action: Option<bool>,
    /// AWS: the session policy the caller's session carries.
    pub session_policy: Option<Arc<model::Policy>>,
}

impl Workspace {
    /// Builds the request for `q` in `provider`'s terms and decides it against
    /// the loaded inputs. Returns the request, the decision and notes about
    /// what the inputs did not say.
    pub fn evaluate(
        &self,
        provider: Provider,
        q: Query,
    ) -> Result<(Request, Decision, Vec<String>), String> {
        match provider {
            Provider::Aws => {
                let (req, notes) = self.request(&q.principal, &q.action, &q.resource, q.context)?;
                let d = self.decide_with_session(&req, q.session_policy);
                Ok((req, d, notes))
            }
            Provider::Gcp => {
                let (req, prog) = iamx_gcp::build_request(
                    &self.gcp,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.context,
                )?;
                let d = model::gcp::evaluate_gcp(&prog, &req);
                Ok((req, d, Vec::new()))
            }
            Provider::Azure => {
                let (req, prog) = iamx_azure::build_request(
                    &self.azure,
                    &q.principal,
                    &q.action,
                    &q.resource,
                    q.data_action,
                    q.context,
                )?;
                let mut notes = Vec::new();
                if q.data_action.is_none() {
                    notes.push(format!(
                        "`{}` treated as a {} action (pass --data-action to say it is a data action)",
                        q.action,
                        if prog.data_action { "data" } else { "control-plane" }
                    ));
                }
                let d = model::azure::evaluate_azure(&prog, &req);
                Ok((req, d, notes))
            }
        }
    }
}

/// Reads a session policy from text (a policy document or CLI output holding
/// one); errors are located diagnostics.
pub fn parse_session_policy(name: &str, text: &str) -> Result<Arc<model::Policy>, Vec<Diagnostic>> {
    let opts = PolicyOptions {
        ptype: PolicyType::Session,
        actions: None,
    };
    let (policy, diags) = iamx_aws::parse_policy_text(name, text, opts);
    match policy {
        Some(p) if !diags.iter().any(Diagnostic::is_error) => Ok(Arc::new(p)),
        _ => Err(diags),
    }
}

/// Parses `KEY=VALUE` context arguments: a value `[a,b]` is a multi-valued
/// key; anything else is a string (operators coerce it as they need).
pub fn parse_context_args(args: &[String]) -> Result<Context, String> {
    let mut ctx = Context::new();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return Err(format!("invalid context `{a}`: expected KEY=VALUE"));
        };
        if k.is_empty() {
            return Err(format!("invalid context `{a}`: the key is empty"));
        }
        let value = match v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(inner) if inner.trim().is_empty() => Value::Set(Vec::new()),
            Some(inner) => Value::Set(
                inner
                    .split(',')
                    .map(|s| Scalar::Str(s.trim().to_owned()))
                    .collect(),
            ),
            None => Value::str(v),
        };
        ctx.insert(k, value);
    }
    Ok(ctx)
}
