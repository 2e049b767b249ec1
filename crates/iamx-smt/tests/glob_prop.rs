//! The glob encoding stays honest: for random small globs and strings,
//! `Pattern::matches` agrees with z3's answer to `s in_re glob_to_regex(p)`.
//!
//! The string reaches z3 as the value of a variable (`x = s ∧ x in_re r`):
//! `Term::in_re` on a constant would be folded by the crate's own matcher
//! and never reach the solver.

mod common;

use iamx_model::{Case, Pattern};
use iamx_smt::{Regex, SolverResult, Sort, Term, check, glob_to_regex, glob_to_regex_any_case};
use proptest::prelude::*;

#[allow(clippy::panic, reason = "a test helper: an unknown fails the test")]
fn z3_matches(s: &str, re: &Regex) -> bool {
    let x = Term::named("x", Sort::String);
    let q = [
        Term::equal(x.clone(), Term::string(s)),
        Term::in_re(x, re.clone()),
    ];
    match check(&q, common::T) {
        SolverResult::Sat(m) => {
            common::recheck(&q, &m);
            true
        }
        SolverResult::Unsat => false,
        SolverResult::Unknown(r) => panic!("z3 unknown on {s:?}: {r}"),
    }
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![Just(Case::Sensitive), Just(Case::Insensitive)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// `glob_to_regex` against lowercased input (its contract for a
    /// case-insensitive pattern); `?` and `*` over non-ASCII and control
    /// characters too.
    #[test]
    fn glob_regex_agrees_with_pattern(
        p in "[abB:é*?\\\\]{0,6}",
        s in "[abAB:é\u{1}\\\\]{0,7}",
        case in case(),
    ) {
        let pat = Pattern::glob(&p, case);
        let re = glob_to_regex(&pat).unwrap();
        let input = match case {
            Case::Insensitive => s.to_ascii_lowercase(),
            Case::Sensitive => s.clone(),
        };
        prop_assert_eq!(z3_matches(&input, &re), pat.matches(&s), "pattern {:?} regex {}", p, re);
    }

    /// `glob_to_regex_any_case` needs no lowercasing.
    #[test]
    fn any_case_regex_agrees_with_pattern(
        p in "[aBc*?]{0,6}",
        s in "[aAbBcC]{0,7}",
    ) {
        let pat = Pattern::glob(&p, Case::Insensitive);
        let re = glob_to_regex_any_case(&pat).unwrap();
        prop_assert_eq!(z3_matches(&s, &re), pat.matches(&s), "pattern {:?} regex {}", p, re);
    }

    /// The crate's own matcher (used for constant folding and re-checking)
    /// agrees with `Pattern::matches` — cheap, so more cases.
    #[test]
    fn own_matcher_agrees_with_pattern(
        p in "[abé*?]{0,8}",
        s in "[abAé]{0,10}",
        case in case(),
    ) {
        let pat = Pattern::glob(&p, case);
        let input = match case {
            Case::Insensitive => s.to_ascii_lowercase(),
            Case::Sensitive => s.clone(),
        };
        prop_assert_eq!(glob_to_regex(&pat).unwrap().matches(&input), pat.matches(&s));
        prop_assert_eq!(glob_to_regex_any_case(&pat).unwrap().matches(&s), pat.matches(&s));
        let folded = Term::matches_pattern(Term::string(s.as_str()), &pat).unwrap();
        prop_assert_eq!(folded.as_bool(), Some(pat.matches(&s)));
    }

    /// The symbolic fast paths of `matches_pattern` (equality, prefix,
    /// suffix, contains) mean the same as the regex.
    #[test]
    fn matches_pattern_fast_paths_agree(p in "\\*?[ab]{0,3}\\*?", s in "[ab]{0,5}") {
        let pat = Pattern::glob(&p, Case::Sensitive);
        let x = Term::named("x", Sort::String);
        let q = [
            Term::equal(x.clone(), Term::string(s.as_str())),
            Term::matches_pattern(x, &pat).unwrap(),
        ];
        let sat = match check(&q, common::T) {
            SolverResult::Sat(m) => { common::recheck(&q, &m); true }
            SolverResult::Unsat => false,
            SolverResult::Unknown(r) => panic!("{r}"),
        };
        prop_assert_eq!(sat, pat.matches(&s));
    }
}

#[test]
fn variables_are_refused() {
    use iamx_model::{Seg, Var};
    let p = Pattern::new(
        vec![
            Seg::Lit("home/".into()),
            Seg::Var(Var {
                key: "aws:username".into(),
                default: None,
            }),
        ],
        Case::Sensitive,
        "home/${aws:username}",
    );
    let e = glob_to_regex(&p).unwrap_err();
    assert!(e.to_string().contains("aws:username"), "{e}");
    assert!(Term::matches_pattern(Term::string("home/x"), &p).is_err());
}
