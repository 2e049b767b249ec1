#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]
//! z3 round trips: sat (every model re-checked), unsat, unknown, and the
//! SMT-LIB rendering parsed back by z3.

mod common;

use common::{T, recheck, sat, unknown, unsat};
use iamx_model::{Case, Cidr, Pattern};
use iamx_smt::aws::Can;
use iamx_smt::z3backend::{Verdict, check_smtlib, z3_version};
use iamx_smt::{
    Answer, Regex, SolverResult, Sort, Term, check, decide, glob_to_regex, ip_in_cidr, to_smtlib,
};
use std::net::IpAddr;
use std::time::Duration;

fn b(n: &str) -> Term {
    Term::named(n, Sort::Bool)
}
fn i(n: &str) -> Term {
    Term::named(n, Sort::Int)
}
fn s(n: &str) -> Term {
    Term::named(n, Sort::String)
}
fn lit(x: &str) -> Term {
    Term::string(x)
}

/// Built through the repository's `.cargo/config.toml`, the library linked
/// (and loaded at run time) is the one `scripts/deps.txt` pins; built
/// against a system libz3 instead, it is at least 4.8.
#[test]
fn links_the_pinned_z3() {
    let version = z3_version();
    if option_env!("Z3_LIBRARY_PATH_OVERRIDE").is_some() {
        let pins = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/deps.txt"
        ))
        .unwrap();
        let pinned = pins
            .lines()
            .find_map(|l| l.strip_prefix("z3-solver=="))
            .and_then(|l| l.split_whitespace().next())
            .unwrap();
        assert_eq!(version, pinned);
    } else {
        let major: u32 = version.split('.').next().unwrap().parse().unwrap();
        let minor: u32 = version.split('.').nth(1).unwrap().parse().unwrap();
        assert!((major, minor) >= (4, 8), "{version}");
    }
}

#[test]
fn integers_sat() {
    let (x, y) = (i("x"), i("y"));
    let q = [
        Term::equal(Term::add([x.clone(), y.clone()]), Term::int(10)),
        Term::lt(x.clone(), y.clone()),
        Term::gt(x.clone(), Term::int(2)),
        Term::distinct([x.clone(), Term::int(4)]),
    ];
    let m = sat(&q);
    let (xv, yv) = (m.get_int("x").unwrap(), m.get_int("y").unwrap());
    assert!(xv == 3 && yv == 7, "{m}");
    // one more constraint and there is no solution
    let mut q = q.to_vec();
    q.push(Term::distinct([x, Term::int(3)]));
    unsat(&q);
}

#[test]
fn ite_and_implication_sat() {
    let (c, x) = (b("c"), i("x"));
    let q = [
        Term::equal(Term::ite(c.clone(), Term::int(1), Term::int(2)), x.clone()),
        Term::implies(Term::not(c.clone()), Term::lt(x.clone(), Term::int(0))),
    ];
    let m = sat(&q);
    assert_eq!(m.get_bool("c"), Some(true));
    assert_eq!(m.get_int("x"), Some(1));
}

#[test]
fn strings_sat() {
    let r = s("resource");
    let q = [
        Term::prefix_of(lit("arn:aws:s3:::"), r.clone()),
        Term::suffix_of(lit(".csv"), r.clone()),
        Term::contains(r.clone(), lit("/data/")),
        Term::not(Term::equal(r.clone(), lit("arn:aws:s3:::/data/.csv"))),
    ];
    let m = sat(&q);
    let v = m.get_str("resource").unwrap();
    assert!(v.starts_with("arn:aws:s3:::") && v.ends_with(".csv") && v.contains("/data/"));
}

#[test]
fn glob_regex_sat() {
    let a = s("action");
    let p = Pattern::glob("s3:Get*Acl", Case::Insensitive);
    let q = [
        Term::in_re(a.clone(), glob_to_regex(&p).unwrap()),
        Term::not(Term::equal(a.clone(), lit("s3:getacl"))),
        Term::matches_pattern(a.clone(), &Pattern::glob("s3:get?b*", Case::Insensitive)).unwrap(),
    ];
    let m = sat(&q);
    let v = m.get_str("action").unwrap();
    assert!(p.matches(v), "{v}");
}

#[test]
fn non_ascii_and_control_characters_round_trip() {
    let x = s("x");
    let q = [
        Term::in_re(
            x.clone(),
            Regex::concat([
                Regex::lit("é\u{1}"),
                Regex::range('α', 'ω'),
                Regex::range('\0', '\0'),
                Regex::any_char(),
            ]),
        ),
        Term::not(Term::in_re(
            x.clone(),
            Regex::concat([Regex::all(), Regex::range(' ', '~')]),
        )),
    ];
    let m = sat(&q);
    let v: Vec<char> = m.get_str("x").unwrap().chars().collect();
    assert_eq!(v.len(), 5);
    assert_eq!(&v[..2], &['é', '\u{1}']);
    assert!(('α'..='ω').contains(&v[2]));
    assert_eq!(v[3], '\0');
}

#[test]
fn backslashes_are_not_escapes() {
    // z3 prints a backslash unescaped, so "\u{41}" in a model is ambiguous:
    // the decoder must read it character by character.
    let (x, y) = (s("x"), s("y"));
    let q = [
        Term::equal(x.clone(), lit("\\u{41}")),
        Term::in_re(
            y.clone(),
            Regex::concat([Regex::lit("\\"), Regex::lit("u{e9}")]),
        ),
    ];
    let m = sat(&q);
    assert_eq!(m.get_str("x"), Some("\\u{41}"));
    assert_eq!(m.get_str("y"), Some("\\u{e9}"));
    // a real non-ASCII character next to a backslash
    let z = s("z");
    let q = [Term::equal(z.clone(), lit("\\é\\"))];
    assert_eq!(sat(&q).get_str("z"), Some("\\é\\"));
}

#[test]
fn ipv4_prefixes() {
    let ip = Term::named("ip", Sort::BitVec(32));
    let ten = Cidr::parse("10.0.0.0/8").unwrap();
    let ten_one = Cidr::parse("10.1.0.0/16").unwrap();
    let q = [ip_in_cidr(&ip, ten), Term::not(ip_in_cidr(&ip, ten_one))];
    let m = sat(&q);
    let addr = IpAddr::V4((m.get_bits("ip").unwrap() as u32).into());
    assert!(ten.contains(addr) && !ten_one.contains(addr), "{addr}");
    unsat(&[
        ip_in_cidr(&ip, ten),
        ip_in_cidr(&ip, Cidr::parse("11.0.0.0/8").unwrap()),
    ]);
    // a v6 network never contains a v4 variable; /0 contains all
    assert_eq!(ip_in_cidr(&ip, Cidr::parse("::/0").unwrap()), Term::ff());
    assert_eq!(
        ip_in_cidr(&ip, Cidr::parse("0.0.0.0/0").unwrap()),
        Term::tt()
    );
}

#[test]
fn ipv6_uses_all_128_bits() {
    let ip = Term::named("ip6", Sort::BitVec(128));
    let net = Cidr::parse("2001:db8::/32").unwrap();
    let floor = Term::bitvec(
        128,
        u128::from("2001:db8:ffff::".parse::<std::net::Ipv6Addr>().unwrap()),
    );
    let q = [ip_in_cidr(&ip, net), Term::bv_ule(floor, ip.clone())];
    let m = sat(&q);
    let addr = IpAddr::V6(m.get_bits("ip6").unwrap().into());
    assert!(net.contains(addr), "{addr}");
}

#[test]
fn unsat_cases() {
    let (x, y) = (i("x"), i("y"));
    unsat(&[
        Term::lt(x.clone(), y.clone()),
        Term::lt(y.clone(), x.clone()),
    ]);
    let r = s("r");
    unsat(&[
        Term::prefix_of(lit("a"), r.clone()),
        Term::prefix_of(lit("b"), r.clone()),
    ]);
    let a = s("action");
    unsat(&[
        Term::matches_pattern(a.clone(), &Pattern::glob("s3:get*", Case::Insensitive)).unwrap(),
        Term::matches_pattern(a.clone(), &Pattern::glob("iam:*", Case::Insensitive)).unwrap(),
    ]);
    unsat(&[
        Term::in_re(
            a.clone(),
            glob_to_regex(&Pattern::glob("s3:*object", Case::Sensitive)).unwrap(),
        ),
        Term::not(Term::in_re(
            a.clone(),
            glob_to_regex(&Pattern::glob("s3:*", Case::Sensitive)).unwrap(),
        )),
    ]);
    // three distinct integers in 1..=1 (the third via `c => false`, `c or r < 2`)
    let c = b("c");
    unsat(&[
        Term::distinct([i("p"), i("q"), i("r")]),
        Term::lt(Term::int(0), i("p")),
        Term::lt(i("p"), Term::int(2)),
        Term::lt(Term::int(0), i("q")),
        Term::lt(i("q"), Term::int(2)),
        Term::implies(c.clone(), Term::ff()),
        Term::or([c, Term::lt(i("r"), Term::int(2))]),
        Term::lt(Term::int(0), i("r")),
    ]);
}

#[test]
fn encoding_problems_are_unknown_not_unsat() {
    let bad = Term::equal(i("x"), s("y"));
    let r = unknown(&[bad], T);
    assert!(r.contains("ill-sorted"), "{r}");
    let clash = [b("x"), Term::lt(i("x"), Term::int(1))];
    let r = unknown(&clash, T);
    assert!(
        r.contains("variable `x` is used as") && r.contains("Int") && r.contains("Bool"),
        "{r}"
    );
    let big = [Term::equal(s("x"), lit("\u{30000}"))];
    let r = unknown(&big, T);
    assert!(r.contains("U+30000"), "{r}");
    let wide = [Term::in_re(s("x"), Regex::range('\u{100}', '\u{2000}'))];
    let r = unknown(&wide, T);
    assert!(r.contains("character range"), "{r}");
    let non_bool = [i("x")];
    let r = unknown(&non_bool, T);
    assert!(r.contains("not Boolean"), "{r}");
}

/// Pigeonhole: `n + 1` pigeons in `n` holes, as Booleans. Unsatisfiable,
/// and exponentially hard for resolution.
fn pigeonhole(n: usize) -> Vec<Term> {
    let p = |i: usize, j: usize| b(&format!("p{i}_{j}"));
    let mut out = Vec::new();
    for i in 0..=n {
        out.push(Term::or((0..n).map(|j| p(i, j))));
    }
    for j in 0..n {
        for i in 0..=n {
            for k in i + 1..=n {
                out.push(Term::or([Term::not(p(i, j)), Term::not(p(k, j))]));
            }
        }
    }
    out
}

#[test]
fn a_timeout_is_unknown_never_unsat() {
    let hard = pigeonhole(10);
    let r = unknown(&hard, Duration::from_millis(1));
    println!("pigeonhole reason: {r}");
    assert!(r.contains("timeout after 1 ms"), "{r}");
    // through the query layer too
    let phi = Term::and(hard);
    match decide(&phi, Duration::from_millis(1)) {
        Answer::Unknown(r) => assert!(r.to_string().contains("timeout"), "{r}"),
        other => panic!("expected unknown, got {other}"),
    }
}

#[test]
fn a_string_timeout_is_unknown() {
    // many overlapping regex constraints on one string
    let x = s("x");
    let mut q = Vec::new();
    for k in 0..12u32 {
        let c = char::from_u32(u32::from('a') + k % 5).unwrap();
        q.push(Term::in_re(
            x.clone(),
            Regex::concat([
                Regex::all(),
                Regex::lit(c.to_string()),
                Regex::any_char(),
                Regex::any_char(),
                Regex::lit(format!("{k}")),
                Regex::all(),
            ]),
        ));
        q.push(Term::not(Term::in_re(
            x.clone(),
            Regex::concat([Regex::all(), Regex::lit(format!("{c}{c}")), Regex::all()]),
        )));
    }
    let r = unknown(&q, Duration::from_millis(1));
    println!("string reason: {r}");
    assert!(r.contains("timeout"), "{r}");
}

#[test]
fn queries() {
    let x = i("x");
    // decided by z3: always
    let always = Term::or([
        Term::lt(x.clone(), Term::int(5)),
        Term::le(Term::int(5), x.clone()),
    ]);
    assert_eq!(decide(&always, T), Answer::Always);
    // never
    let never = Term::and([Term::lt(x.clone(), i("y")), Term::lt(i("y"), x.clone())]);
    assert_eq!(decide(&never, T), Answer::Never);
    // sometimes, with a witness and a counterexample, both re-checked
    let some = Term::lt(x.clone(), Term::int(5));
    match decide(&some, T) {
        Answer::Sometimes {
            witness,
            counterexample,
        } => {
            recheck(std::slice::from_ref(&some), &witness);
            recheck(&[Term::not(some.clone())], &counterexample);
        }
        other => panic!("expected sometimes, got {other}"),
    }
    // folded before the solver
    assert_eq!(decide(&Term::tt(), T), Answer::Always);
    assert_eq!(
        decide(
            &Term::matches_pattern(
                lit("s3:GetObject"),
                &Pattern::glob("s3:get*", Case::Insensitive)
            )
            .unwrap(),
            T
        ),
        Answer::Always
    );
    assert!(matches!(decide(&i("x"), T), Answer::Unknown(_)));
}

#[test]
fn rendering_is_what_z3_reads() {
    let a = s("aws:action");
    let ip = Term::named("ip", Sort::BitVec(32));
    let cases: Vec<Vec<Term>> = vec![
        vec![
            Term::in_re(
                a.clone(),
                glob_to_regex(&Pattern::glob("s3:get*acl", Case::Insensitive)).unwrap(),
            ),
            Term::not(Term::equal(a.clone(), lit("s3:getacl"))),
            ip_in_cidr(&ip, Cidr::parse("10.0.0.0/8").unwrap()),
            Term::le(
                Term::add([i("x"), Term::int(-3)]),
                Term::sub(i("y"), Term::int(2)),
            ),
        ],
        vec![
            Term::in_re(
                a.clone(),
                Regex::concat([
                    Regex::lit("é\"\\"),
                    Regex::range('\0', 'z'),
                    Regex::plus(Regex::any_char()),
                ]),
            ),
            Term::in_re(
                a.clone(),
                Regex::union([Regex::lit_ci("Xy"), Regex::star(Regex::lit("q"))]),
            ),
        ],
        vec![
            Term::prefix_of(lit("a"), a.clone()),
            Term::prefix_of(lit("b"), a.clone()),
        ],
        vec![
            Term::ite(
                b("c"),
                Term::equal(i("x"), Term::int(1)),
                Term::bv_ult(ip.clone(), Term::bitvec(32, 7)),
            ),
            Term::distinct([i("x"), i("y"), i("z")]),
            Term::suffix_of(lit("z"), a.clone()),
            Term::contains(a.clone(), lit("|")),
        ],
    ];
    for q in cases {
        let text = to_smtlib(&q);
        let (n, verdict) = check_smtlib(&text, T);
        assert_eq!(n, q.len(), "z3 did not read every assertion of\n{text}");
        assert_eq!(verdict, check(&q, T).verdict(), "for\n{text}");
    }
}

#[test]
fn models_give_every_variable_a_value() {
    // `y` does not matter, but the model still assigns it
    let q = [
        Term::or([
            Term::lt(i("x"), Term::int(0)),
            Term::lt(i("y"), Term::int(0)),
        ]),
        Term::lt(i("x"), Term::int(0)),
    ];
    let m = sat(&q);
    assert!(m.get_int("y").is_some());
    assert!(matches!(check(&q, T), SolverResult::Sat(_)));
    assert!(matches!(
        check_smtlib("(assert (= 1 2))", T),
        (1, Verdict::Unsat)
    ));
}

#[test]
fn actions_as_catalog_indices() {
    use iamx_smt::{glob_index_ranges, index_in_ranges};
    let catalog = [
        "s3:getbucketacl",
        "s3:getobject",
        "s3:getobjectacl",
        "s3:listbucket",
        "s3:putobject",
        "s3:putobjectacl",
    ];
    let get = Pattern::glob("s3:Get*", Case::Insensitive);
    let acl = Pattern::glob("s3:*Acl", Case::Insensitive);
    assert_eq!(glob_index_ranges(&get, &catalog), [(0, 2)]);
    assert_eq!(glob_index_ranges(&acl, &catalog), [(0, 0), (2, 2), (5, 5)]);
    let a = i("action");
    let q = [
        index_in_ranges(&a, &glob_index_ranges(&get, &catalog)),
        index_in_ranges(&a, &glob_index_ranges(&acl, &catalog)),
        Term::not(Term::equal(a.clone(), Term::int(0))),
    ];
    let m = sat(&q);
    assert_eq!(m.get_int("action"), Some(2));
    assert_eq!(index_in_ranges(&a, &[]), Term::ff());
}

#[test]
fn terms_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Term>();
    assert_send_sync::<iamx_smt::Regex>();
    assert_send_sync::<iamx_smt::Model>();
    assert_send_sync::<Answer>();
}

// ----- AWS constructs with a real encoding: witnesses replayed by `can_aws` -----

fn aws_allow(condition: serde_json::Value) -> iamx_model::AwsProgram {
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}]
    })
    .to_string();
    let (p, d) = iamx_aws::parse_policy_text(
        "p.json",
        &text,
        iamx_aws::PolicyOptions {
            ptype: iamx_aws::PolicyType::Identity,
            actions: None,
        },
    );
    assert!(d.iter().all(|x| !x.is_error()), "{d:?}");
    iamx_model::AwsProgram::identity_only(vec![std::sync::Arc::new(p.expect("parses"))])
}

fn aws_request() -> iamx_model::Request {
    iamx_model::Request {
        principal: iamx_aws::parse_principal("arn:aws:iam::111122223333:user/alice")
            .expect("principal"),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::b/x".into(),
        resource_account: Some("111122223333".into()),
        context: iamx_model::Context::new(),
    }
}

fn set_of(v: Option<&iamx_model::Value>) -> Vec<String> {
    match v {
        Some(iamx_model::Value::Set(xs)) => xs.iter().map(|x| x.as_string().into_owned()).collect(),
        other => panic!("expected a set, found {other:?}"),
    }
}

#[test]
fn for_any_value_has_a_set_witness() {
    // two ForAnyValue clauses: the witness needs two elements
    let prog = aws_allow(serde_json::json!({
        "ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "stage"]},
        "ForAnyValue:StringLike": {"aws:TagKeys": "team-*"}
    }));
    let Can::Sometimes { witness, .. } = common::can_aws(&prog, &aws_request()) else {
        panic!("expected sometimes");
    };
    let tags = set_of(witness.get("aws:TagKeys"));
    assert!(tags.iter().any(|t| t == "env" || t == "stage"), "{tags:?}");
    assert!(tags.iter().any(|t| t.starts_with("team-")), "{tags:?}");
}

#[test]
fn for_all_values_has_a_witness_and_a_set_counterexample() {
    let prog = aws_allow(serde_json::json!({
        "ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]},
        "Null": {"aws:TagKeys": "false"}
    }));
    let Can::Sometimes {
        witness,
        counterexample,
        ..
    } = common::can_aws(&prog, &aws_request())
    else {
        panic!("expected sometimes");
    };
    let tags = set_of(witness.get("aws:TagKeys"));
    assert!(tags.iter().all(|t| t == "env" || t == "team"), "{tags:?}");
    if let Some(v) = counterexample.get("aws:TagKeys") {
        assert!(set_of(Some(v)).iter().any(|t| t != "env" && t != "team"));
    }
}

#[test]
fn contradictory_set_clauses_are_never() {
    // every element is `a`, and some element is `b`: no set does both
    let prog = aws_allow(serde_json::json!({
        "ForAllValues:StringEquals": {"aws:TagKeys": "a"},
        "ForAnyValue:StringEquals": {"aws:TagKeys": "b"}
    }));
    assert!(matches!(common::can_aws(&prog, &aws_request()), Can::Never));
}

#[test]
fn ipv6_range_has_a_v6_witness() {
    let prog = aws_allow(serde_json::json!({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}));
    let Can::Sometimes { witness, .. } = common::can_aws(&prog, &aws_request()) else {
        panic!("expected sometimes");
    };
    let ip: IpAddr = witness
        .get("aws:SourceIp")
        .and_then(|v| v.values().first().and_then(iamx_model::Scalar::as_ip))
        .expect("an address");
    assert!(
        Cidr::parse("2001:db8::/32").expect("cidr").contains(ip),
        "{ip}"
    );
}

#[test]
fn an_address_outside_every_v4_network_is_a_v6_one() {
    // no IPv4 address is outside 0.0.0.0/0, an IPv6 one is: not `Never`
    let prog = aws_allow(serde_json::json!({
        "NotIpAddress": {"aws:SourceIp": "0.0.0.0/0"},
        "Null": {"aws:SourceIp": "false"}
    }));
    let Can::Sometimes { witness, .. } = common::can_aws(&prog, &aws_request()) else {
        panic!(
            "expected sometimes, got {:?}",
            common::can_aws(&prog, &aws_request())
        );
    };
    let ip = witness
        .get("aws:SourceIp")
        .and_then(|v| v.values().first().and_then(iamx_model::Scalar::as_ip));
    assert!(matches!(ip, Some(IpAddr::V6(_))), "{ip:?}");
}

#[test]
fn ignore_case_comparison_has_a_mixed_case_witness() {
    let prog = aws_allow(serde_json::json!({
        "StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "BLUE"},
        "StringNotEquals": {"aws:PrincipalTag/team": ["blue", "BLUE"]}
    }));
    let Can::Sometimes { witness, .. } = common::can_aws(&prog, &aws_request()) else {
        panic!("expected sometimes");
    };
    let team = witness
        .get("aws:PrincipalTag/team")
        .map(|v| v.values().first().map(|s| s.as_string().into_owned()))
        .expect("a value");
    let team = team.expect("one value");
    assert!(
        team.eq_ignore_ascii_case("blue") && team != "blue" && team != "BLUE",
        "{team}"
    );
}

#[test]
fn a_value_between_two_integers_is_a_decimal_witness() {
    let prog = aws_allow(serde_json::json!({
        "NumericGreaterThan": {"s3:max-keys": "1"},
        "NumericLessThan": {"s3:max-keys": 2}
    }));
    let Can::Sometimes { witness, .. } = common::can_aws(&prog, &aws_request()) else {
        panic!("expected sometimes");
    };
    let n = witness
        .get("s3:max-keys")
        .and_then(|v| v.values().first().and_then(iamx_model::Scalar::as_number))
        .expect("a number");
    assert!(n > 1.0 && n < 2.0, "{n}");
}

#[test]
fn decimal_constants_are_compared_exactly() {
    let prog = aws_allow(serde_json::json!({
        "NumericGreaterThanEquals": {"s3:max-keys": "2.25"},
        "NumericLessThan": {"s3:max-keys": 2.3}
    }));
    let Can::Sometimes { witness, .. } = common::can_aws(&prog, &aws_request()) else {
        panic!("expected sometimes");
    };
    let n = witness
        .get("s3:max-keys")
        .and_then(|v| v.values().first().and_then(iamx_model::Scalar::as_number))
        .expect("a number");
    assert!((2.25..2.3).contains(&n), "{n}");
    let never = aws_allow(serde_json::json!({
        "NumericGreaterThan": {"s3:max-keys": "2.25"},
        "NumericLessThan": {"s3:max-keys": 2.25}
    }));
    assert!(matches!(
        common::can_aws(&never, &aws_request()),
        Can::Never
    ));
}

#[test]
fn azure_cross_product_operator_has_a_set_witness() {
    use iamx_model::azure::{AzureAssignment, AzureProgram, PermissionBlock, RoleSpec};
    let attr = "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Projects]";
    let cond = iamx_azure::parse_abac(&format!(
        "({attr} ForAllOfAnyValues:StringEquals {{'alpha', 'beta'}}) AND ({attr} ForAnyOfAnyValues:StringEquals {{'beta'}}) AND ({attr} ListContains 'alpha')"
    ))
    .expect("abac");
    let who = "11111111-1111-1111-1111-111111111111";
    let op = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
    let prog = AzureProgram {
        identities: [who.to_owned()].into_iter().collect(),
        data_action: true,
        sub_operation: None,
        assignments: vec![AzureAssignment {
            principal_id: who.to_owned(),
            role_name: "reader".into(),
            role: RoleSpec::Blocks(std::sync::Arc::new(vec![PermissionBlock {
                actions: vec![],
                not_actions: vec![],
                data_actions: vec![Pattern::glob("Microsoft.Storage/*", Case::Insensitive)],
                not_data_actions: vec![],
            }])),
            scope: "/subscriptions/s".into(),
            condition: iamx_model::Condition::Expr(Box::new(cond)),
            origin: std::sync::Arc::new(iamx_model::Origin {
                file: None,
                policy: std::sync::Arc::from("p"),
                statement: 0,
                sid: None,
                line: 0,
                column: 0,
            }),
        }],
        denies: vec![],
    };
    let req = iamx_model::Request {
        principal: iamx_model::Principal {
            id: who.to_owned(),
            kind: iamx_model::PrincipalKind::User,
            account: None,
            role_arn: None,
            name: None,
            unique_id: None,
        },
        action: op.to_owned(),
        resource: "/subscriptions/s/resourceGroups/r".into(),
        resource_account: None,
        context: iamx_model::Context::new(),
    };
    let Can::Sometimes { witness, .. } = common::can_azure(&prog, &req) else {
        panic!(
            "expected sometimes, got {:?}",
            common::can_azure(&prog, &req)
        );
    };
    let mut projects = set_of(witness.get(attr));
    projects.sort();
    projects.dedup();
    assert_eq!(projects, ["alpha", "beta"]);
}
