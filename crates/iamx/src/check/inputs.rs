//! What `iamx check` reads: the repository's inputs (less the files the
//! assertions file excludes), and `no-new-access` baselines from a file,
//! a folder or a git revision.

use super::{Assertion, Baseline, CheckOptions, Finding, Outcome, Witness, location_of};
use crate::reason::{DirectionReport, Grants, load_grants, more_permissive_grants};
use crate::{LoadError, LoadOptions, Workspace, walk_files};
use iamx_model::{Effect, Principal};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Loads `paths` like [`Workspace::load`], leaving out files under any of
/// `exclude` (files or folders), and reading Terraform plans (`terraform
/// show -json`) for the IAM resources they would create.
pub fn load_inputs(
    paths: &[PathBuf],
    exclude: &[PathBuf],
    opts: &LoadOptions,
) -> Result<Workspace, LoadError> {
    // compared canonical, so `./repo/baseline` excludes `repo/baseline/x.json`
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let exclude: Vec<PathBuf> = exclude.iter().map(|x| canon(x)).collect();
    let (files, walk_warnings) = walk_files(paths)?;
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| {
            let f = canon(f);
            !exclude.iter().any(|x| f.starts_with(x))
        })
        .collect();
    let mut texts = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for f in files {
        let name = f.display().to_string();
        match std::fs::read_to_string(&f) {
            // a Terraform plan stands for the IAM resources it would create
            Ok(t) if super::terraform::is_plan(&t) => {
                match super::terraform::plan_inputs(&name, &t) {
                    Ok((inputs, warnings)) => {
                        texts.extend(inputs);
                        errors.extend(warnings);
                    }
                    Err(d) => errors.push(d),
                }
            }
            Ok(t) => texts.push((name, t)),
            Err(e) => errors.push(crate::error_at(&name, format!("cannot read file: {e}"))),
        }
    }
    let mut ws = Workspace::from_texts(texts, opts);
    ws.diagnostics.extend(errors);
    ws.diagnostics.extend(walk_warnings);
    Ok(ws)
}

/// The `*.json` and `*.ndjson` files at `path` (a file or a folder in a
/// git working tree) as of git revision `rev`: (name, text) pairs named
/// `REV:PATH`, PATH relative to the repository's top.
pub fn git_files(path: &Path, rev: &str) -> Result<Vec<(String, String)>, String> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    // the path may be gone from the working tree: its folder is not
    let full = canon(path)
        .or_else(|| {
            let parent = canon(path.parent()?)?;
            Some(parent.join(path.file_name()?))
        })
        .ok_or_else(|| format!("`{}` is in no folder that exists", path.display()))?;
    let dir = if full.is_dir() {
        full.clone()
    } else {
        full.parent()
            .map_or_else(|| full.clone(), Path::to_path_buf)
    };
    let run = |cwd: &Path, args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(cwd)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                err.lines().next().unwrap_or("failed")
            ));
        }
        String::from_utf8(out.stdout).map_err(|e| format!("git output is not UTF-8: {e}"))
    };
    let top = run(&dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let top = canon(&top).unwrap_or(top);
    let rel = full
        .strip_prefix(&top)
        .map_err(|_| format!("`{}` is outside the git repository", path.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    let listed = run(&top, &["ls-tree", "-r", "--name-only", rev, "--", &rel])?;
    let mut out = Vec::new();
    for f in listed.lines() {
        if !(f.ends_with(".json") || f.ends_with(".ndjson")) {
            continue;
        }
        let text = run(&top, &["show", &format!("{rev}:{f}")])?;
        out.push((format!("{rev}:{f}"), text));
    }
    if out.is_empty() {
        return Err(format!(
            "`{}` holds no policy file at revision `{rev}`",
            path.display()
        ));
    }
    Ok(out)
}

fn input_error(message: String) -> Outcome {
    let mut o = Outcome::new();
    o.findings.push(Finding::undecided(message));
    o
}

fn diag_text(ds: &[iamx_model::Diagnostic]) -> String {
    ds.iter()
        .find(|d| d.is_error())
        .map_or_else(|| "cannot read".to_owned(), ToString::to_string)
}

/// `no-new-access`: the policies at `path` grant nothing the baseline does
/// not. A file is one policy, role or assignment set compared with the
/// baseline's (the repository's inputs define the roles it names); a folder
/// is an environment compared principal by principal.
pub(crate) fn no_new_access(
    ws: &Workspace,
    a: &Assertion,
    path: &str,
    baseline: &Baseline,
    catalog: &iamx_catalog::Catalog,
    opts: &CheckOptions,
) -> Outcome {
    let full = opts.base_dir.join(path);
    if full.is_dir() {
        return env_no_new_access(a, &full, baseline, catalog, opts);
    }
    let new = match load_grants(&full.display().to_string(), ws) {
        Ok((g, _)) => g,
        Err(ds) => return input_error(diag_text(&ds)),
    };
    let base = match baseline {
        Baseline::File(f) => load_grants(&opts.base_dir.join(f).display().to_string(), ws),
        Baseline::GitRevision(rev) => match git_files(&full, rev) {
            Ok(files) => match files.into_iter().next() {
                Some((name, text)) => crate::reason::load_grants_text(&name, text, ws),
                None => return input_error(format!("`{path}` is not at revision `{rev}`")),
            },
            Err(e) => return input_error(e),
        },
    };
    let base = match base {
        Ok((g, _)) => g,
        Err(ds) => return input_error(diag_text(&ds)),
    };
    let holder = Principal {
        id: "arn:aws:iam::111111111111:role/iamx-policy-holder".to_owned(),
        kind: iamx_model::PrincipalKind::Role,
        account: Some(
            a.account
                .clone()
                .unwrap_or_else(|| "111111111111".to_owned()),
        ),
        role_arn: None,
        name: Some("iamx-policy-holder".to_owned()),
        unique_id: None,
    };
    let report = match more_permissive_grants(&new, &base, &holder, catalog, opts.timeout) {
        Ok(r) => r,
        Err(e) => return input_error(e),
    };
    let mut out = Outcome::new();
    match report {
        DirectionReport::Contained => {}
        DirectionReport::Unknown { reason } => out
            .findings
            .push(Finding::undecided(format!("{path}: not decided: {reason}"))),
        DirectionReport::Witness {
            principal,
            action,
            resource,
            context,
            ..
        } => {
            // the statements of the new policy that may grant it
            let locations = match &new {
                Grants::Aws(p) => {
                    let lc = action.to_ascii_lowercase();
                    p.statements
                        .iter()
                        .filter(|s| s.effect == Effect::Allow && s.action.matches_lc(&lc))
                        .map(|s| location_of(&s.origin))
                        .collect()
                }
                _ => vec![],
            };
            let when = if context.is_empty() {
                String::new()
            } else {
                format!(
                    " when {}",
                    context
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let who = principal.clone().unwrap_or_else(|| "its holder".to_owned());
            out.findings.push(Finding {
                message: format!(
                    "{path} grants {who} {action} on {resource}{when}, which the baseline does not"
                ),
                witness: Some(Witness {
                    resource_account: None,
                    principal: who,
                    action,
                    resource,
                    context,
                }),
                locations,
                unknown: false,
            });
        }
    }
    out
}

fn env_no_new_access(
    a: &Assertion,
    full: &Path,
    baseline: &Baseline,
    catalog: &iamx_catalog::Catalog,
    opts: &CheckOptions,
) -> Outcome {
    let lopts = LoadOptions::default();
    let new = match Workspace::load(&[full.to_path_buf()], &lopts) {
        Ok(w) => w,
        Err(e) => return input_error(e.to_string()),
    };
    let base = match baseline {
        Baseline::File(f) => match Workspace::load(&[opts.base_dir.join(f)], &lopts) {
            Ok(w) => w,
            Err(e) => return input_error(e.to_string()),
        },
        Baseline::GitRevision(rev) => match git_files(full, rev) {
            Ok(files) => Workspace::from_texts(files, &lopts),
            Err(e) => return input_error(e),
        },
    };
    for w in [&new, &base] {
        let errs: Vec<iamx_model::Diagnostic> = w.errors().cloned().collect();
        if !errs.is_empty() {
            return input_error(diag_text(&errs));
        }
    }
    let cmp = crate::reason::compare_environments(&new, &base, &[a.cloud], catalog, opts.timeout);
    let mut out = Outcome::new();
    for d in cmp.differences {
        match d.a_not_in_b {
            DirectionReport::Contained => {}
            DirectionReport::Unknown { reason } => out.findings.push(Finding::undecided(format!(
                "{}: not decided: {reason}",
                d.principal
            ))),
            DirectionReport::Witness {
                principal,
                action,
                resource,
                context,
                ..
            } => {
                let who = principal.unwrap_or_else(|| d.principal.clone());
                let q = crate::Query {
                    principal: who.clone(),
                    action: action.clone(),
                    resource: resource.clone(),
                    context: {
                        let mut c = iamx_model::Context::new();
                        for (k, v) in &context {
                            c.insert(k, iamx_model::Value::str(v.clone()));
                        }
                        c
                    },
                    data_action: None,
                    session_policy: None,
                };
                let locations = new
                    .evaluate(a.cloud, q)
                    .map(|(_, dd, _)| super::locations(&dd, Effect::Allow))
                    .unwrap_or_default();
                out.findings.push(Finding {
                    message: format!(
                        "{who} gets {action} on {resource}, which the baseline does not grant"
                    ),
                    witness: Some(Witness {
                        resource_account: None,
                        principal: who,
                        action,
                        resource,
                        context,
                    }),
                    locations,
                    unknown: false,
                });
            }
        }
    }
    out.notes
        .push(format!("{} principals compared", cmp.compared));
    out
}
