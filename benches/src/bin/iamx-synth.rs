//! `iamx-synth`: writes a synthetic organisation over AWS, GCP and Azure (the
//! exports iamx reads), and optionally times iamx on it.
//!
//! ```text
//! iamx-synth --principals N [--out DIR] [--seed S] [--reuse]
//!            [--time] [--only STEP,…] [--deadline SECS] [--machine]
//!            [--phases] [--phase NAME] [--estimate K]
//! ```
//!
//! - `--out`: default `$TMPDIR/iamx-synth-N`.
//! - `--reuse`: do not write; the files in DIR are the ones this N and seed
//!   give (the summary is recomputed in memory).
//! - `--time`: one timed run of each step: `load`, `graph` (the graph build),
//!   the who-can / what-can questions (`who-can/aws/action`,
//!   `who-can/aws/any`, `what-can/aws`, and the same for `gcp` and `azure`),
//!   and `audit`. A step under a second is repeated five times and the
//!   median printed. `--only` keeps the steps named (`load` always runs;
//!   `audit` builds the graph first).
//! - `--deadline SECS`: a step still running after SECS is abandoned: the
//!   line says so and the process exits (status 3).
//! - `--machine`: one tab-separated line per step: `STEP`, label, seconds
//!   (or `abandoned`), runs, details.
//! - `--phases`: the parts of the graph build that ask the evaluators (assume
//!   edges, admin equivalence, escalations per cloud), each timed alone;
//!   `--phase NAME` (repeatable) only the phases named.
//! - `--estimate K`: the per-principal work of the quadratic phases
//!   (`gcp::impersonation_edges`, the rest of `escalation::gcp::facts`,
//!   `escalation::azure::facts`), timed on one thread for K principals spread over
//!   the list, extrapolated to all principals.
//! - `--dump FILE`: writes the answers of the timed steps (who-can and
//!   what-can accesses, the graph as JSON, the audit) to FILE, to compare
//!   two builds' answers.

use iamx::analysis::{self, Inputs};
use iamx_benches::scale;
use iamx_benches::synth::{self, Config};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Args {
    principals: usize,
    out: Option<PathBuf>,
    seed: Option<u64>,
    reuse: bool,
    time: bool,
    only: Vec<String>,
    deadline: Option<Duration>,
    machine: bool,
    phases: bool,
    only_phases: Vec<String>,
    estimate: usize,
    dump: Option<PathBuf>,
}

const USAGE: &str = "usage: iamx-synth --principals N [--out DIR] [--seed S] [--reuse] [--time] [--only STEP,…] [--deadline SECS] [--machine] [--phases] [--phase NAME] [--estimate K] [--dump FILE]";

fn parse() -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("`{name}` needs a value"));
        let number = |v: String| -> Result<u64, String> {
            v.replace(['_', ','], "")
                .parse()
                .map_err(|e| format!("`{v}`: {e}"))
        };
        match arg.as_str() {
            "--principals" | "-n" => a.principals = number(value(&arg)?)? as usize,
            "--out" => a.out = Some(PathBuf::from(value(&arg)?)),
            "--seed" => a.seed = Some(number(value(&arg)?)?),
            "--reuse" => a.reuse = true,
            "--time" => a.time = true,
            "--only" => a
                .only
                .extend(value(&arg)?.split(',').map(|s| s.trim().to_owned())),
            "--deadline" => a.deadline = Some(Duration::from_secs(number(value(&arg)?)?)),
            "--machine" => a.machine = true,
            "--phases" => a.phases = true,
            "--phase" => {
                a.phases = true;
                a.only_phases.push(value(&arg)?);
            }
            "--estimate" => a.estimate = number(value(&arg)?)? as usize,
            "--dump" => a.dump = Some(PathBuf::from(value(&arg)?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if a.principals == 0 {
        return Err(format!("give --principals N (N > 0)\n{USAGE}"));
    }
    Ok(a)
}

fn say(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{s}");
    let _ = out.flush();
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// The CPU time (user + system) of this process so far, on Linux
/// (`/proc/self/stat`); on a machine others use too, it varies less than
/// the wall-clock time.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // the fields after the command name, which is in parentheses
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line (11 and 12 here)
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // the kernel's USER_HZ is 100 on every Linux this runs on
    Some(Duration::from_millis(ticks * 10))
}

/// Abandons the process when a step overruns the deadline.
#[derive(Clone)]
struct Watchdog {
    current: Arc<Mutex<Option<(String, Instant)>>>,
    /// The CPU time when the current step started.
    cpu_start: Arc<Mutex<Option<Duration>>>,
    machine: bool,
}

impl Watchdog {
    fn new(deadline: Option<Duration>, machine: bool) -> Watchdog {
        let w = Watchdog {
            current: Arc::new(Mutex::new(None)),
            cpu_start: Arc::new(Mutex::new(None)),
            machine,
        };
        if let Some(limit) = deadline {
            let current = w.current.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(100));
                    let over = current
                        .lock()
                        .ok()
                        .and_then(|c| c.clone())
                        .filter(|(_, since)| since.elapsed() > limit);
                    if let Some((label, _)) = over {
                        if machine {
                            say(&format!(
                                "STEP\t{label}\tabandoned\t0\tstill running after {} s",
                                limit.as_secs()
                            ));
                        } else {
                            say(&format!(
                                "{label:<22} abandoned: still running after {} s",
                                limit.as_secs()
                            ));
                        }
                        std::process::exit(3);
                    }
                }
            });
        }
        w
    }

    fn start(&self, label: &str) {
        if let Ok(mut c) = self.cpu_start.lock() {
            *c = cpu_time();
        }
        if let Ok(mut c) = self.current.lock() {
            *c = Some((label.to_owned(), Instant::now()));
        }
    }

    fn stop(&self) {
        if let Ok(mut c) = self.current.lock() {
            *c = None;
        }
    }

    /// Reports a step; the CPU time since it started (per run) is added to
    /// the details.
    fn report(&self, label: &str, d: Duration, runs: usize, details: &str) {
        let cpu = self
            .cpu_start
            .lock()
            .ok()
            .and_then(|c| *c)
            .zip(cpu_time())
            .map(|(a, b)| b.saturating_sub(a) / u32::try_from(runs.max(1)).unwrap_or(1));
        let details = match cpu {
            Some(c) => format!("{details}; cpu {}", secs(c)),
            None => details.to_owned(),
        };
        if self.machine {
            say(&format!(
                "STEP\t{label}\t{:.6}\t{runs}\t{details}",
                d.as_secs_f64()
            ));
        } else {
            let how = if runs > 1 {
                format!("median of {runs}")
            } else {
                "1 run".to_owned()
            };
            say(&format!("{label:<22} {:>10}  ({how}) {details}", secs(d)));
        }
    }
}

/// Runs `f` once; when that took under a second, four more times, and
/// returns the median time, the last result and the number of runs.
fn timed<T>(w: &Watchdog, label: &str, mut f: impl FnMut() -> T) -> (Duration, T, usize) {
    w.start(label);
    let t = Instant::now();
    let mut r = f();
    let first = t.elapsed();
    let mut times = vec![first];
    if first < Duration::from_secs(1) {
        for _ in 0..4 {
            let t = Instant::now();
            r = f();
            times.push(t.elapsed());
        }
    }
    w.stop();
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or(first);
    (median, r, times.len())
}

/// Times the parts of `graph::build` that ask the evaluators, one by one
/// (each is a public function of `iamx-analysis`).
fn phases(inp: &Inputs<'_>, only: &[String], w: &Watchdog) {
    use iamx::analysis::{aws, azure, gcp};
    let step = |name: &str, f: &dyn Fn() -> usize| {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            return;
        }
        w.start(name);
        let t = Instant::now();
        let n = f();
        let d = t.elapsed();
        w.stop();
        w.report(&format!("phase {name}"), d, 1, &format!("{n} results"));
    };
    step("aws::principals", &|| aws::principals(inp.aws).len());
    step("aws::assume_edges", &|| aws::assume_edges(inp.aws).len());
    step("aws escalation facts (admins, steps, rewrites)", &|| {
        iamx::analysis::escalation::aws::facts(
            inp.aws,
            &iamx::analysis::escalation::Options::default(),
        )
        .map_or(0, |f| f.admins.len() + f.steps.len() + f.rewrites.len())
    });
    step("gcp::principals", &|| gcp::principals(inp.gcp).len());
    step("gcp::impersonation_edges", &|| {
        gcp::impersonation_edges(inp.gcp).len()
    });
    step("gcp escalation facts (admins, steps)", &|| {
        iamx::analysis::escalation::gcp::facts(
            inp.gcp,
            &iamx::analysis::escalation::Options::default(),
        )
        .map_or(0, |f| f.admins.len() + f.steps.len())
    });
    step("azure::principals", &|| azure::principals(inp.azure).len());
    step("azure escalation facts (admins, steps)", &|| {
        iamx::analysis::escalation::azure::facts(
            inp.azure,
            &iamx::analysis::escalation::Options::default(),
        )
        .map_or(0, |f| f.admins.len() + f.steps.len())
    });
}

fn granted(d: &iamx::Decision) -> bool {
    matches!(
        d.outcome,
        iamx::Outcome::Allowed | iamx::Outcome::Unknown(_)
    )
}

/// The per-principal work of `gcp::impersonation_edges` (as that function
/// does it for one member).
fn gcp_impersonation_of(env: &iamx::gcp::GcpEnvironment, m: &str, sas: &[String]) -> usize {
    let mut n = 0;
    for sa in sas.iter().filter(|s| *s != m) {
        let Some(res) = analysis::gcp::service_account_resource(sa) else {
            continue;
        };
        let Ok((req, prog)) = analysis::gcp::program(env, m, &res) else {
            continue;
        };
        for perm in [
            "iam.serviceAccounts.getAccessToken",
            "iam.serviceAccounts.signBlob",
            "iam.serviceAccounts.signJwt",
            "iam.serviceAccounts.implicitDelegation",
            "iam.serviceAccountKeys.create",
        ] {
            let mut r = req.clone();
            r.action = perm.to_owned();
            if granted(&iamx::model::gcp::evaluate_gcp(&prog, &r)) {
                n += 1;
                break;
            }
        }
    }
    n
}

/// The rest of `escalation::gcp::facts` for one member: act-as a service account
/// and run something as it, and admin of a container.
fn gcp_escalation_rest_of(
    env: &iamx::gcp::GcpEnvironment,
    m: &str,
    sas: &[String],
    projects: &[String],
    containers: &[String],
) -> usize {
    let mut n = 0;
    let decide = |prog: &iamx::model::gcp::GcpProgram, req: &iamx::model::Request, p: &str| {
        let mut r = req.clone();
        r.action = p.to_owned();
        granted(&iamx::model::gcp::evaluate_gcp(prog, &r))
    };
    for sa in sas.iter().filter(|s| *s != m) {
        let Some(res) = analysis::gcp::service_account_resource(sa) else {
            continue;
        };
        let Ok((req, prog)) = analysis::gcp::program(env, m, &res) else {
            continue;
        };
        if !decide(&prog, &req, "iam.serviceAccounts.actAs") {
            continue;
        }
        for p in projects {
            let full = iamx::gcp::names::full(p);
            let Ok((preq, pprog)) = analysis::gcp::program(env, m, &full) else {
                continue;
            };
            for perm in [
                "compute.instances.create",
                "cloudfunctions.functions.create",
                "run.services.create",
                "cloudbuild.builds.create",
            ] {
                n += usize::from(decide(&pprog, &preq, perm));
            }
        }
    }
    for c in containers {
        n +=
            usize::from(analysis::gcp::admin_of(env, m, c, &iamx::model::Context::new()).is_some());
    }
    n
}

/// The per-principal work of `escalation::azure::facts` (as that function does
/// it for one object id).
fn azure_escalations_of(env: &iamx::azure::AzureEnvironment, id: &str, scopes: &[String]) -> usize {
    let mut found: Vec<&str> = Vec::new();
    for s in scopes {
        if found.iter().any(|t| iamx::model::azure::scope_covers(t, s)) {
            continue;
        }
        if analysis::azure::admin_at(env, id, s).is_some() {
            found.push(s);
            continue;
        }
        let Ok((req, prog)) = iamx::azure::build_request(
            env,
            id,
            "Microsoft.Resources/subscriptions/read",
            s,
            Some(false),
            iamx::model::Context::new(),
        ) else {
            continue;
        };
        let mut r = req;
        r.action = "Microsoft.Authorization/roleDefinitions/write".to_owned();
        if granted(&iamx::model::azure::evaluate_azure(&prog, &r)) {
            found.push(s);
        }
    }
    found.len()
}

/// Times `per(principal)` for `k` principals spread over `all` on this
/// thread and extrapolates to all of them.
fn sample(w: &Watchdog, name: &str, all: &[String], k: usize, per: &dyn Fn(&str) -> usize) {
    let k = k.clamp(1, all.len().max(1));
    let picks: Vec<&String> = (0..k).filter_map(|i| all.get(i * all.len() / k)).collect();
    w.start(name);
    let t = Instant::now();
    let mut found = 0;
    for m in &picks {
        found += per(m);
    }
    let d = t.elapsed();
    w.stop();
    let each = d.as_secs_f64() / picks.len().max(1) as f64;
    let cpu = each * all.len() as f64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let details = format!(
        "{:.1} ms per principal over {} of {} principals ({found} results); all principals: {:.0} s on one thread, {:.0} s on {threads}",
        each * 1e3,
        picks.len(),
        all.len(),
        cpu,
        cpu / threads as f64
    );
    w.report(
        &format!("estimate {name}"),
        Duration::from_secs_f64(cpu / threads as f64),
        1,
        &details,
    );
}

fn estimate(inp: &Inputs<'_>, k: usize, w: &Watchdog) {
    use iamx::analysis::{azure, gcp};
    let ps = gcp::principals(inp.gcp);
    let sas: Vec<String> = ps
        .iter()
        .filter(|m| m.starts_with("serviceAccount:"))
        .cloned()
        .collect();
    let containers = gcp::containers(inp.gcp);
    let projects: Vec<String> = containers
        .iter()
        .filter(|c| c.starts_with("projects/"))
        .cloned()
        .collect();
    sample(w, "gcp::impersonation_edges", &ps, k, &|m| {
        gcp_impersonation_of(inp.gcp, m, &sas)
    });
    sample(w, "escalation::gcp::facts (rest)", &ps, k, &|m| {
        gcp_escalation_rest_of(inp.gcp, m, &sas, &projects, &containers)
    });
    let ids = azure::principals(inp.azure);
    let scopes = azure::scopes(inp.azure);
    say(&format!(
        "  (gcp: {} principals, {} service accounts, {} containers; azure: {} principals, {} scopes, {} assignments)",
        ps.len(),
        sas.len(),
        containers.len(),
        ids.len(),
        scopes.len(),
        inp.azure.assignments.len()
    ));
    sample(w, "azure::escalations", &ids, k, &|id| {
        azure_escalations_of(inp.azure, id, &scopes)
    });
}

fn run(a: &Args) -> Result<(), String> {
    let cfg = Config {
        principals: a.principals,
        seed: a.seed.unwrap_or(Config::new(0).seed),
    };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| synth::default_dir(a.principals));
    let t = Instant::now();
    let summary = if a.reuse {
        synth::generate_with(&cfg, &mut |_, _| Ok(())).map_err(|e| e.to_string())?
    } else {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        synth::write(&cfg, &dir).map_err(|e| format!("{}: {e}", dir.display()))?
    };
    if !a.machine {
        say(&format!(
            "{} in {} ({})",
            if a.reuse { "summarised" } else { "generated" },
            secs(t.elapsed()),
            dir.display()
        ));
        say(&summary.describe());
    }
    if !(a.time || a.phases || a.estimate > 0) {
        return Ok(());
    }
    let w = Watchdog::new(a.deadline, a.machine);
    let wanted = |s: &str| a.time && (a.only.is_empty() || a.only.iter().any(|x| x == s));
    // load (always)
    w.start("load");
    let t = Instant::now();
    let ws = scale::load(&dir)?;
    let load = t.elapsed();
    w.stop();
    w.report(
        "load",
        load,
        1,
        &format!(
            "{} files, 0 errors, {} warnings",
            ws.files.len(),
            ws.warnings().count()
        ),
    );
    let builtin = iamx::catalog::Catalog::builtin();
    let inp = ws.inputs(&builtin);
    if a.phases {
        phases(&inp, &a.only_phases, &w);
    }
    if a.estimate > 0 {
        estimate(&inp, a.estimate, &w);
    }
    let mut dump = serde_json::Map::new();
    for q in scale::questions(&summary) {
        if !wanted(&q.label) {
            continue;
        }
        if a.dump.is_some() {
            let v = q.answer(&inp)?;
            dump.insert(
                q.label.clone(),
                serde_json::to_value(&v).map_err(|e| e.to_string())?,
            );
        }
        let (d, r, n) = timed(&w, &q.label, || q.ask(&inp));
        let found = r?;
        w.report(
            &q.label,
            d,
            n,
            &format!(
                "{found} accesses; {} {}",
                q.target,
                q.action.as_deref().unwrap_or("")
            ),
        );
    }
    if wanted("graph") || wanted("audit") {
        w.start("graph");
        let t = Instant::now();
        let g = analysis::graph::build(&inp);
        let build = t.elapsed();
        w.stop();
        w.report(
            "graph",
            build,
            1,
            &format!(
                "{} nodes, {} edges; load + build {}",
                g.node_count(),
                g.edge_count(),
                secs(load + build)
            ),
        );
        if wanted("audit") {
            let warnings: Vec<String> = ws.warnings().map(ToString::to_string).collect();
            w.start("audit");
            let t = Instant::now();
            let audit = analysis::audit::audit(&inp, &g, warnings);
            let d = t.elapsed();
            w.stop();
            w.report(
                "audit",
                d,
                1,
                &format!(
                    "{} admins, {} public accesses, {} escalation paths, {} conditional grants",
                    audit.admins.len(),
                    audit.public_access.len(),
                    audit.escalation_paths.len(),
                    audit.conditional_grants.len()
                ),
            );
            if a.dump.is_some() {
                dump.insert(
                    "audit".to_owned(),
                    serde_json::to_value(&audit).map_err(|e| e.to_string())?,
                );
            }
        }
        if a.dump.is_some() {
            dump.insert("graph".to_owned(), g.to_json());
        }
    }
    if let Some(path) = &a.dump {
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(dump))
            .map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iamx-synth: {e}");
            ExitCode::FAILURE
        }
    }
}
