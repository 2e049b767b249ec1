//! Times a few solver queries: the median of 20 runs of each.
//!
//! `cargo run --release -p iamx-smt --example measure`

use iamx_model::{Case, Pattern};
use iamx_smt::z3backend::z3_version;
use iamx_smt::{Answer, DEFAULT_TIMEOUT, Sort, Term, check, decide, glob_to_regex};
use std::time::{Duration, Instant};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn time(label: &str, f: impl Fn() -> String) {
    let first = Instant::now();
    let outcome = f();
    let first = first.elapsed();
    let runs: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    println!(
        "{label:<44} median {:>9.3?}  (first call {first:.3?})  -> {outcome}",
        median(runs)
    );
}

fn main() {
    println!("z3 {}", z3_version());
    let (x, y) = (Term::named("x", Sort::Int), Term::named("y", Sort::Int));
    let simple = [
        Term::equal(Term::add([x.clone(), y.clone()]), Term::int(10)),
        Term::lt(x.clone(), y.clone()),
        Term::gt(x, Term::int(2)),
    ];
    time("simple sat (3 integer constraints)", || {
        format!("{:?}", check(&simple, DEFAULT_TIMEOUT).verdict())
    });

    let action = Term::named("action", Sort::String);
    let resource = Term::named("resource", Sort::String);
    let regex_of = |p: &str, c: Case| glob_to_regex(&Pattern::glob(p, c));
    let (Ok(get_acl), Ok(csv), Ok(one)) = (
        regex_of("s3:get*acl", Case::Insensitive),
        regex_of("arn:aws:s3:::b/*.csv", Case::Sensitive),
        regex_of("s3:get?bject*", Case::Insensitive),
    ) else {
        return;
    };
    let regex = [
        Term::in_re(action.clone(), get_acl.clone()),
        Term::not(Term::equal(action.clone(), Term::string("s3:getacl"))),
        Term::in_re(resource.clone(), csv),
    ];
    time("regex sat (2 globs with `*`, 1 disequality)", || {
        format!("{:?}", check(&regex, DEFAULT_TIMEOUT).verdict())
    });
    let regex_one = [
        Term::in_re(action.clone(), one),
        Term::not(Term::equal(action.clone(), Term::string("s3:getobject"))),
    ];
    time("regex sat (glob with `?`: any-char trick)", || {
        format!("{:?}", check(&regex_one, DEFAULT_TIMEOUT).verdict())
    });
    let Ok(iam) = regex_of("iam:*", Case::Insensitive) else {
        return;
    };
    let regex_unsat = [
        Term::in_re(action.clone(), get_acl),
        Term::in_re(action, iam),
    ];
    time("regex unsat (disjoint globs)", || {
        format!("{:?}", check(&regex_unsat, DEFAULT_TIMEOUT).verdict())
    });
    let phi = Term::and(regex.to_vec());
    time("decide (two solver calls, regex)", || {
        match decide(&phi, DEFAULT_TIMEOUT) {
            Answer::Sometimes { .. } => "Sometimes".to_owned(),
            other => other.to_string(),
        }
    });
}
