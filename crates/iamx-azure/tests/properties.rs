//! Property tests: the ABAC printer and parser are inverse on the ASTs the
//! parser produces; permission blocks agree with a reference implementation
//! of Actions − NotActions; the parser never panics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_azure::{AzureEnvironment, build_request, load_json, parse_abac, print_abac};
use iamx_model::azure::PermissionBlock;
use iamx_model::expr::{AzOp, Expr, Quantifier};
use iamx_model::source::Source;
use iamx_model::{Case, Context, Outcome, Pattern, decide, program::Program};
use proptest::prelude::*;

// ---------------------------------------------------------------- ABAC ASTs

fn attr() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "Resource",
            "Request",
            "Principal",
            "Environment",
            "resource",
            "REQUEST",
        ]),
        "[A-Za-z0-9.:_<>$/-][A-Za-z0-9 .:_<>$/-]{0,30}",
    )
        .prop_map(|(s, n)| format!("@{s}[{n}]"))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 '\\\\*?{}()@\\[\\],.:\n\t-]{0,12}",
        any::<String>(),
        Just("8b9dfcab4b774632a6df94bd07820648".to_owned()),
        Just("f5819b54-e033-4d82-ac66-4fec3cbf3f4c".to_owned()),
        Just("2022-06-01T00:00:00.0Z".to_owned()),
        Just("\\".to_owned()),
        Just("\\'".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i64..1000).prop_map(|n| n as f64),
        any::<f64>().prop_filter("finite", |n| n.is_finite()),
    ]
}

fn scalar() -> impl Strategy<Value = Expr> {
    prop_oneof![
        text().prop_map(Expr::Str),
        number().prop_map(Expr::Num),
        any::<bool>().prop_map(Expr::Bool),
    ]
}

fn operand() -> impl Strategy<Value = Expr> {
    prop_oneof![
        3 => attr().prop_map(Expr::Attr),
        3 => scalar(),
        1 => prop::collection::vec(scalar(), 0..4).prop_map(Expr::List),
    ]
}

fn quantifier() -> impl Strategy<Value = Quantifier> {
    prop::sample::select(vec![
        Quantifier::None,
        Quantifier::ForAnyOfAnyValues,
        Quantifier::ForAllOfAnyValues,
        Quantifier::ForAnyOfAllValues,
        Quantifier::ForAllOfAllValues,
    ])
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => (prop::sample::select(AzOp::ALL.to_vec()), quantifier(), operand(), operand()).prop_map(
            |(op, quantifier, l, r)| Expr::AzOp {
                op,
                quantifier,
                lhs: Box::new(l),
                rhs: Box::new(r),
            }
        ),
        1 => attr().prop_map(Expr::Exists),
        1 => text().prop_map(|t| Expr::ActionMatches(Pattern::glob(&t, Case::Insensitive))),
        1 => text().prop_map(Expr::SubOperationMatches),
    ]
}

fn abac() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_inverts_print(e in abac()) {
        let text = print_abac(&e);
        let back = parse_abac(&text);
        prop_assert_eq!(back, Ok(e), "printed: {}", text);
    }

    /// Nesting near the depth limit (`!`, `NOT`, `NOT (`, `(`, `NotExists`,
    /// connectives): whatever parses, its print parses back to the same
    /// expression (the fuzz-found deep `!` chain and its relatives).
    #[test]
    fn deep_texts_round_trip(
        ops in prop::collection::vec(
            prop_oneof![4 => Just(0usize), 2 => Just(1), 2 => Just(2), 1 => Just(3), 2 => 4..6usize],
            0..250,
        ),
        last in prop::sample::select(vec![
            "NotExists @Request[c:d]",
            "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'",
        ]),
    ) {
        let mut text = String::new();
        let mut open = 0;
        for op in ops {
            match op {
                0 => text.push('!'),
                1 => {
                    text.push('(');
                    open += 1;
                }
                2 => {
                    text.push_str("NOT (");
                    open += 1;
                }
                3 => text.push_str("NOT "),
                4 => text.push_str("Exists @Request[a:b] AND "),
                _ => text.push_str("ActionMatches{'x'} OR "),
            }
        }
        text.push_str(last);
        text.push_str(&")".repeat(open));
        if let Ok(e) = parse_abac(&text) {
            let printed = print_abac(&e);
            prop_assert_eq!(parse_abac(&printed), Ok(e), "{} printed as {}", text, printed);
        }
    }

    #[test]
    fn parser_never_panics_on_anything(s in any::<String>()) {
        let _ = parse_abac(&s);
    }

    #[test]
    fn parser_never_panics_on_abac_like_text(
        s in "([@!(){}'\\[\\],:&| ]|AND|OR|NOT|Exists|ActionMatches|StringEquals|ForAnyOfAnyValues|Resource|[a-z0-9.-]){0,40}"
    ) {
        let _ = parse_abac(&s);
    }

    #[test]
    fn parser_never_panics_on_damaged_conditions(e in abac(), cut in any::<prop::sample::Index>(), ins in "[(){}'@\\[\\]!,]") {
        let text = print_abac(&e);
        let chars: Vec<char> = text.chars().collect();
        let at = cut.index(chars.len() + 1);
        let truncated: String = chars[..at].iter().collect();
        let _ = parse_abac(&truncated);
        let mut inserted = chars.clone();
        inserted.insert(at, ins.chars().next().unwrap());
        let inserted: String = inserted.into_iter().collect();
        if let Err(err) = parse_abac(&inserted) {
            prop_assert!(err.column >= 1 && err.column <= inserted.chars().count() + 1, "{err} in {inserted}");
        }
    }
}

// ------------------------------------------------------- permission blocks

const OPS: &[&str] = &[
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/write",
    "microsoft.compute/VIRTUALMACHINES/delete",
    "Microsoft.Compute/disks/read",
    "Microsoft.Network/virtualNetworks/read",
    "Microsoft.Network/virtualNetworks/subnets/read",
    "Microsoft.Network/networkInterfaces/write",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
];

const PATTERNS: &[&str] = &[
    "*",
    "*/read",
    "*/write",
    "*/Delete",
    "Microsoft.Compute/*",
    "microsoft.compute/*",
    "Microsoft.Network/*/read",
    "Microsoft.Network/*/subnets/*",
    "*/virtualMachines/*",
    "Microsoft.*/read",
    "Microsoft.Storage/*/blobs/*",
    "Microsoft.Authorization/*",
    "Microsoft.Authorization/*/Write",
    "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Resources/*",
    "*/subscriptions/*",
];

/// Case-insensitive glob match where `*` matches any run of characters:
/// the reference the model's `Pattern` must agree with.
fn glob_ref(p: &str, s: &str) -> bool {
    let p: Vec<char> = p.to_ascii_lowercase().chars().collect();
    let s: Vec<char> = s.to_ascii_lowercase().chars().collect();
    // dp[i][j]: p[..i] matches s[..j]
    let mut dp = vec![vec![false; s.len() + 1]; p.len() + 1];
    dp[0][0] = true;
    for i in 1..=p.len() {
        for j in 0..=s.len() {
            dp[i][j] = if p[i - 1] == '*' {
                dp[i - 1][j] || (j > 0 && dp[i][j - 1])
            } else {
                j > 0 && dp[i - 1][j - 1] && p[i - 1] == s[j - 1]
            };
        }
    }
    dp[p.len()][s.len()]
}

fn covers_ref(inc: &[&str], exc: &[&str], op: &str) -> bool {
    inc.iter().any(|p| glob_ref(p, op)) && !exc.iter().any(|p| glob_ref(p, op))
}

fn pats(xs: &[&str]) -> Vec<Pattern> {
    xs.iter()
        .map(|x| Pattern::glob(x, Case::Insensitive))
        .collect()
}

fn some_patterns() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PATTERNS.to_vec()),
            1 => prop::sample::select(OPS.to_vec()),
        ],
        0..4,
    )
}

fn operation() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(OPS.to_vec()).prop_map(str::to_owned),
        1 => (
            prop::sample::select(vec!["Microsoft.Compute", "microsoft.network", "Microsoft.Storage", "Contoso.Widgets"]),
            prop::sample::select(vec!["virtualMachines", "subnets", "blobs", "virtualNetworks/subnets"]),
            prop::sample::select(vec!["read", "Write", "delete", "action"]),
        ).prop_map(|(a, b, c)| format!("{a}/{b}/{c}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn block_covers_agrees_with_reference(
        actions in some_patterns(),
        not_actions in some_patterns(),
        data_actions in some_patterns(),
        not_data_actions in some_patterns(),
        op in operation(),
    ) {
        let b = PermissionBlock {
            actions: pats(&actions),
            not_actions: pats(&not_actions),
            data_actions: pats(&data_actions),
            not_data_actions: pats(&not_data_actions),
        };
        prop_assert_eq!(b.covers(&op, false), covers_ref(&actions, &not_actions, &op));
        prop_assert_eq!(b.covers(&op, true), covers_ref(&data_actions, &not_data_actions, &op));
    }
}

// ------------------------------------ end to end: JSON → program → decision

const USER: &str = "11111111-1111-1111-1111-111111111111";
const ROLE: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const ROLE2: &str = "aaaaaaaa-0000-0000-0000-000000000002";

fn load(env: &mut AzureEnvironment, name: &str, text: String) {
    let src = Source::new(name, text);
    let json = src.parse_json().unwrap();
    let l = load_json(&src, &json).unwrap();
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    env.merge(l.env);
}

fn js(xs: &[&str]) -> String {
    serde_json::to_string(xs).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Two roles assigned to the same user: NotActions of one does not
    /// take away what the other grants; a data action is decided by the
    /// data lists only.
    #[test]
    fn decisions_agree_with_reference(
        a1 in some_patterns(), n1 in some_patterns(), d1 in some_patterns(),
        a2 in some_patterns(), n2 in some_patterns(), d2 in some_patterns(),
        op in operation(),
        data in any::<bool>(),
    ) {
        let roles = format!(
            r#"[{{"name": "{ROLE}", "roleName": "One", "type": "Microsoft.Authorization/roleDefinitions",
                 "permissions": [{{"actions": {}, "notActions": {}, "dataActions": {}, "notDataActions": []}}],
                 "assignableScopes": ["/"]}},
                {{"name": "{ROLE2}", "roleName": "Two", "type": "Microsoft.Authorization/roleDefinitions",
                 "permissions": [{{"actions": {}, "notActions": {}, "dataActions": {}, "notDataActions": []}}],
                 "assignableScopes": ["/"]}}]"#,
            js(&a1), js(&n1), js(&d1), js(&a2), js(&n2), js(&d2)
        );
        let assignments = format!(
            r#"[{{"principalId": "{USER}", "principalType": "User", "roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/{ROLE}", "scope": "/subscriptions/s1"}},
                {{"principalId": "{USER}", "principalType": "User", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/{ROLE2}", "scope": "/subscriptions/s1/resourceGroups/rg1"}}]"#
        );
        let mut env = AzureEnvironment::default();
        load(&mut env, "roles.json", roles);
        load(&mut env, "assignments.json", assignments);
        let scope = "/subscriptions/s1/resourceGroups/rg1/providers/Contoso.Widgets/widgets/w1";
        let (req, prog) = build_request(&env, USER, &op, scope, Some(data), Context::new()).unwrap();
        let got = decide(&Program::Azure(prog), &req).outcome;
        let reference = if data {
            covers_ref(&d1, &[], &op) || covers_ref(&d2, &[], &op)
        } else {
            covers_ref(&a1, &n1, &op) || covers_ref(&a2, &n2, &op)
        };
        let want = if reference { Outcome::Allowed } else { Outcome::NotAllowed };
        prop_assert_eq!(got, want);
    }
}
