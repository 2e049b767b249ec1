//! `iamx-aws-scale`: writes large AWS accounts of a real shape, copies of a
//! real authorization-details dump renamed consistently
//! (`iamx_benches::aws_scale`), for timing `iamx audit DIR` on them.
//!
//! ```text
//! iamx-aws-scale [--seed FILE] [--out DIR] [--wildcards PCT]
//!                (--principals N | --users U --roles R | --accounts A [--split])
//! ```
//!
//! - `--seed`: an `aws iam get-account-authorization-details` dump; default
//!   the first of `../shared/data/samples/cloudsplaining-example-authz-details.json`
//!   and `…/cloudsplaining-test-example-authz-details.json` that exists. With
//!   neither, a notice is printed and nothing is written (exit 0).
//! - `--principals N`: one account of about N users and roles, in the
//!   seed's proportion.
//! - `--users U --roles R`: one account of U users and R roles.
//! - `--accounts A`: A accounts, each a whole copy of the seed (about 120
//!   principals with the default seed), in one dump or, with `--split`, in
//!   one file per account.
//! - `--wildcards PCT`: percent of the copied users and roles given a
//!   wildcard IAM grant (`iam:*`, `iam:Pass*`, `iam:Put*`, `iam:Attach*`)
//!   on top of what the seed gives them; default 20.
//! - `--out`: default `$TMPDIR/iamx-aws-scale-<what>`.

use iamx_benches::aws_scale::{self, Config, Seed};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: iamx-aws-scale [--seed FILE] [--out DIR] [--wildcards PCT] (--principals N | --users U --roles R | --accounts A [--split])";

#[derive(Default)]
struct Args {
    seed: Option<PathBuf>,
    out: Option<PathBuf>,
    wildcards: Option<u32>,
    principals: Option<usize>,
    users: Option<usize>,
    roles: Option<usize>,
    accounts: Option<usize>,
    split: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("`{name}` needs a value"));
        let number = |v: String| -> Result<usize, String> {
            v.replace(['_', ','], "")
                .parse()
                .map_err(|e| format!("`{v}`: {e}"))
        };
        match arg.as_str() {
            "--seed" => a.seed = Some(PathBuf::from(value(&arg)?)),
            "--out" => a.out = Some(PathBuf::from(value(&arg)?)),
            "--wildcards" => {
                let v = number(value(&arg)?)?;
                a.wildcards = Some(u32::try_from(v.min(100)).unwrap_or(100));
            }
            "--principals" | "-n" => a.principals = Some(number(value(&arg)?)?),
            "--users" => a.users = Some(number(value(&arg)?)?),
            "--roles" => a.roles = Some(number(value(&arg)?)?),
            "--accounts" => a.accounts = Some(number(value(&arg)?)?),
            "--split" => a.split = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let modes = usize::from(a.principals.is_some())
        + usize::from(a.users.is_some() || a.roles.is_some())
        + usize::from(a.accounts.is_some());
    if modes != 1 {
        return Err(format!(
            "give one of --principals, --users/--roles, --accounts\n{USAGE}"
        ));
    }
    if a.split && a.accounts.is_none() {
        return Err(format!("--split goes with --accounts\n{USAGE}"));
    }
    Ok(a)
}

fn run(a: &Args) -> Result<(), String> {
    let Some(path) = a.seed.clone().or_else(aws_scale::default_seed) else {
        println!(
            "notice: no seed dump (none of {} under ../shared/data/samples): nothing written",
            aws_scale::SEEDS.join(", ")
        );
        return Ok(());
    };
    let seed = Seed::read(&path)?;
    let (mut cfg, what) = match (a.principals, a.accounts) {
        (Some(n), _) => (Config::principals(&seed, n), format!("{n}")),
        (_, Some(k)) => (
            Config::accounts(k, a.split),
            format!("{k}-accounts{}", if a.split { "-split" } else { "" }),
        ),
        _ => {
            let (u, r) = (a.users.unwrap_or(0), a.roles.unwrap_or(0));
            (Config::one_account(&seed, u, r), format!("{u}u-{r}r"))
        }
    };
    if let Some(w) = a.wildcards {
        cfg.wildcard_percent = w;
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("iamx-aws-scale-{what}")));
    let t = Instant::now();
    let summary =
        aws_scale::write(&seed, &cfg, &dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    println!(
        "seed {} ({} principals, account {}), {} copies",
        path.display(),
        seed.principals(),
        seed.home(),
        cfg.copies
    );
    println!(
        "wrote {} in {:.2} s: {}",
        dir.display(),
        t.elapsed().as_secs_f64(),
        summary.describe()
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iamx-aws-scale: {e}");
            ExitCode::FAILURE
        }
    }
}
