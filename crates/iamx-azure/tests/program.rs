//! How inputs become programs: scopes, management groups, deny assignments,
//! groups, role blocks with their own condition, and what stays unknown.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy.toml allows these in #[test] functions, and the helpers here are test code too"
)]

use iamx_azure::{AzureEnvironment, build_request, load_json};
use iamx_model::source::Source;
use iamx_model::{Context, Diagnostic, Outcome, Severity, Value, decide, program::Program};

const ALICE: &str = "11111111-1111-4111-8111-111111111111";
const GROUP: &str = "44444444-4444-4444-8444-444444444444";
const SUB: &str = "/subscriptions/6f1e2d3c-4b5a-4697-8a1b-2c3d4e5f6a7b";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

fn add(env: &mut AzureEnvironment, text: &str) -> Vec<Diagnostic> {
    let src = Source::new("t.json", text);
    let json = src.parse_json().unwrap();
    let load = load_json(&src, &json).expect("azure");
    env.merge(load.env);
    load.diagnostics
}

fn roles() -> String {
    format!(
        r#"[{{"name": "{READER}", "roleName": "Reader", "permissions": [{{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}}]}},
            {{"name": "{OWNER}", "roleName": "Owner", "permissions": [{{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}}]}}]"#
    )
}

fn assignment(principal: &str, role: &str, scope: &str, extra: &str) -> String {
    format!(
        r#"[{{"principalId": "{principal}", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/{role}", "scope": "{scope}"{extra}}}]"#
    )
}

fn decide_for(env: &AzureEnvironment, who: &str, op: &str, scope: &str, ctx: Context) -> Outcome {
    let (req, prog) = build_request(env, who, op, scope, Some(false), ctx).unwrap();
    decide(&Program::Azure(prog), &req).outcome
}

#[test]
fn management_group_assignments_need_the_tree() {
    let mut env = AzureEnvironment::default();
    add(&mut env, &roles());
    add(
        &mut env,
        &assignment(
            ALICE,
            READER,
            "/providers/Microsoft.Management/managementGroups/corp",
            "",
        ),
    );
    let vm = format!("{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1");
    let op = "Microsoft.Compute/virtualMachines/read";
    // no tree: the assignment may or may not reach the subscription
    assert!(matches!(
        decide_for(&env, ALICE, op, &vm, Context::new()),
        Outcome::Unknown(_)
    ));
    add(
        &mut env,
        r#"{"iamxAzureManagementGroups": [
            {"name": "root", "parent": null},
            {"name": "corp", "parent": "root", "subscriptions": []},
            {"name": "other", "parent": "root", "subscriptions": ["6f1e2d3c-4b5a-4697-8a1b-2c3d4e5f6a7b"]}]}"#,
    );
    // the tree places the subscription under `other`, not `corp`
    assert_eq!(
        decide_for(&env, ALICE, op, &vm, Context::new()),
        Outcome::NotAllowed
    );
    add(
        &mut env,
        r#"{"iamxAzureManagementGroups": [{"name": "other", "parent": "corp"}]}"#,
    );
    assert_eq!(
        decide_for(&env, ALICE, op, &vm, Context::new()),
        Outcome::Allowed
    );
}

#[test]
fn deny_assignments_scope_principals_and_exclusions() {
    let mut env = AzureEnvironment::default();
    add(&mut env, &roles());
    add(&mut env, &assignment(ALICE, OWNER, "/", ""));
    let rg = format!("{SUB}/resourceGroups/rg");
    let deny = |child: bool, exclude: &str| {
        format!(
            r#"{{"value": [{{"name": "d1", "properties": {{"denyAssignmentName": "d", "scope": "{rg}",
                "permissions": [{{"actions": ["*/delete"], "notActions": [], "dataActions": [], "notDataActions": []}}],
                "principals": [{{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}}],
                "excludePrincipals": [{exclude}], "doNotApplyToChildScopes": {child}}}}}]}}"#
        )
    };
    let op = "Microsoft.Compute/virtualMachines/delete";
    let vm = format!("{rg}/providers/Microsoft.Compute/virtualMachines/vm1");

    let mut e1 = env.clone();
    add(&mut e1, &deny(false, ""));
    assert_eq!(
        decide_for(&e1, ALICE, op, &vm, Context::new()),
        Outcome::ExplicitlyDenied
    );
    // the same deny, only at its own scope
    let mut e2 = env.clone();
    add(&mut e2, &deny(true, ""));
    assert_eq!(
        decide_for(&e2, ALICE, op, &vm, Context::new()),
        Outcome::Allowed
    );
    assert_eq!(
        decide_for(
            &e2,
            ALICE,
            "Microsoft.Resources/subscriptions/resourceGroups/delete",
            &rg,
            Context::new()
        ),
        Outcome::ExplicitlyDenied
    );
    // excluded through a group she belongs to
    let mut e3 = env.clone();
    add(
        &mut e3,
        &deny(false, &format!(r#"{{"id": "{GROUP}", "type": "Group"}}"#)),
    );
    add(
        &mut e3,
        &format!(
            r#"{{"iamxAzureGroups": {{"{GROUP}": {{"displayName": "g", "members": ["{ALICE}"]}}}}}}"#
        ),
    );
    assert_eq!(
        decide_for(&e3, ALICE, op, &vm, Context::new()),
        Outcome::Allowed
    );
    // a sibling resource group is out of the deny's reach
    assert_eq!(
        decide_for(
            &e1,
            ALICE,
            op,
            &format!("{SUB}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachines/vm1"),
            Context::new()
        ),
        Outcome::Allowed
    );
}

#[test]
fn a_block_with_its_own_condition_grants_only_under_it() {
    let mut env = AzureEnvironment::default();
    add(&mut env, &roles());
    let role = r#"[{"name": "c0ffee00-1234-4abc-9def-0123456789ab", "roleName": "Constrained",
        "permissions": [
          {"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []},
          {"actions": ["Microsoft.Authorization/roleAssignments/write"], "notActions": [], "dataActions": [], "notDataActions": [],
           "condition": "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7338548efbd42f606fba81ae7}",
           "conditionVersion": "2.0"}]}]"#;
    let diags = add(&mut env, role);
    assert!(diags.is_empty(), "{diags:?}");
    add(
        &mut env,
        &assignment(ALICE, "c0ffee00-1234-4abc-9def-0123456789ab", SUB, ""),
    );
    let op = "Microsoft.Authorization/roleAssignments/write";
    let at = format!("{SUB}/providers/Microsoft.Authorization/roleAssignments/x");
    let with = |guid: &str| {
        let mut c = Context::new();
        c.insert(
            "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]",
            Value::str(guid),
        );
        c
    };
    assert_eq!(
        decide_for(&env, ALICE, op, &at, with(READER)),
        Outcome::Allowed
    );
    assert_eq!(
        decide_for(&env, ALICE, op, &at, with(OWNER)),
        Outcome::NotAllowed
    );
    assert!(matches!(
        decide_for(&env, ALICE, op, &at, Context::new()),
        Outcome::Unknown(_)
    ));
    // the unconditioned block is not affected by the condition
    assert_eq!(
        decide_for(
            &env,
            ALICE,
            "Microsoft.Compute/virtualMachines/read",
            SUB,
            Context::new()
        ),
        Outcome::Allowed
    );
}

#[test]
fn what_cannot_be_read_is_unknown() {
    let op = "Microsoft.Compute/virtualMachines/read";
    // a role that is not loaded
    let mut env = AzureEnvironment::default();
    add(&mut env, &assignment(ALICE, READER, SUB, ""));
    let checks = env.validate();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].severity, Severity::Warning);
    assert!(matches!(
        decide_for(&env, ALICE, op, SUB, Context::new()),
        Outcome::Unknown(_)
    ));
    add(&mut env, &roles());
    assert!(env.validate().is_empty());
    assert_eq!(
        decide_for(&env, ALICE, op, SUB, Context::new()),
        Outcome::Allowed
    );

    // a condition that does not parse, or of version 1.0
    for extra in [
        r#", "condition": "@Resource[x] StringEqualz 'y'", "conditionVersion": "2.0""#,
        r#", "condition": "@Resource[x] StringEquals 'y'", "conditionVersion": "1.0""#,
    ] {
        let mut env = AzureEnvironment::default();
        add(&mut env, &roles());
        let diags = add(&mut env, &assignment(ALICE, READER, SUB, extra));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(matches!(
            decide_for(&env, ALICE, op, SUB, Context::new()),
            Outcome::Unknown(_)
        ));
    }
    // StringLikeIgnoreCase and the escapes `\*`, `\?` are evaluated, with no
    // warning (Azure's condition format, "Operators" and "Special characters")
    for (condition, value, expected) in [
        (
            r"@Resource[x] StringLikeIgnoreCase 'REPORT*'",
            "report1.csv",
            Outcome::Allowed,
        ),
        (
            r"@Resource[x] StringNotLikeIgnoreCase 'REPORT*'",
            "report1.csv",
            Outcome::NotAllowed,
        ),
        (
            r"@Resource[x] ForAnyOfAnyValues:StringLike {'a', 'report\\*.csv'}",
            "report*.csv",
            Outcome::Allowed,
        ),
        (
            r"@Resource[x] ForAnyOfAnyValues:StringLike {'a', 'report\\*.csv'}",
            "reportX.csv",
            Outcome::NotAllowed,
        ),
        (r"@Resource[x] StringLike 'v\\?'", "v?", Outcome::Allowed),
        (r"@Resource[x] StringLike 'v\\?'", "v1", Outcome::NotAllowed),
        (r"@Resource[x] StringLike 'v?'", "v1", Outcome::Allowed),
    ] {
        let mut env = AzureEnvironment::default();
        add(&mut env, &roles());
        let diags = add(
            &mut env,
            &assignment(
                ALICE,
                READER,
                SUB,
                &format!(r#", "condition": "{condition}""#),
            ),
        );
        assert!(diags.is_empty(), "{condition}: {diags:?}");
        let mut ctx = Context::new();
        ctx.insert("@Resource[x]", Value::str(value));
        assert_eq!(
            decide_for(&env, ALICE, op, SUB, ctx),
            expected,
            "{condition} on {value}"
        );
    }
}

#[test]
fn group_cycles_are_reported_and_terminate() {
    let mut env = AzureEnvironment::default();
    let diags = add(
        &mut env,
        &format!(
            r#"{{"iamxAzureGroups": {{
                "aaaaaaaa-0000-4000-8000-000000000001": {{"displayName": "a", "members": ["aaaaaaaa-0000-4000-8000-000000000002", "{ALICE}"]}},
                "aaaaaaaa-0000-4000-8000-000000000002": {{"displayName": "b", "members": ["aaaaaaaa-0000-4000-8000-000000000001"]}}}}}}"#
        ),
    );
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].message.contains("cycle"), "{}", diags[0]);
    assert_eq!(env.identities(ALICE).len(), 3);
    assert_eq!(env.validate().len(), 1);
}

#[test]
fn data_actions_are_guessed_from_loaded_roles_too() {
    let mut env = AzureEnvironment::default();
    add(
        &mut env,
        r#"[{"name": "b0000000-0000-4000-8000-000000000001", "roleName": "Widget Data Reader",
             "permissions": [{"actions": ["Contoso.Widgets/widgets/read"], "notActions": [],
                              "dataActions": ["Contoso.Widgets/widgets/data/read"], "notDataActions": []}]}]"#,
    );
    assert!(env.guess_data_action("contoso.widgets/widgets/data/read"));
    assert!(!env.guess_data_action("Contoso.Widgets/widgets/read"));
    assert!(env.guess_data_action(
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"
    ));
}

#[test]
fn build_request_checks_its_arguments() {
    let env = AzureEnvironment::default();
    assert!(build_request(&env, ALICE, "", SUB, None, Context::new()).is_err());
    assert!(
        build_request(
            &env,
            ALICE,
            "x/read",
            "subscriptions/x",
            None,
            Context::new()
        )
        .is_err()
    );
    assert!(
        build_request(
            &env,
            "nobody@example.com",
            "x/read",
            SUB,
            None,
            Context::new()
        )
        .is_err()
    );
    let (req, prog) = build_request(
        &env,
        &ALICE.to_uppercase(),
        "x/read",
        SUB,
        None,
        Context::new(),
    )
    .unwrap();
    assert_eq!(req.principal.id, ALICE);
    assert_eq!(
        req.resource_account.as_deref(),
        Some("6f1e2d3c-4b5a-4697-8a1b-2c3d4e5f6a7b")
    );
    assert!(prog.identities.contains(ALICE));
}

/// A deny assignment iamx reads only in part (an excluded principal it
/// cannot read) might still deny: it is kept, and what it might deny is
/// `unknown`, never `allowed`. A deny with a condition applies where the
/// condition holds.
#[test]
fn denies_that_cannot_be_read_fully_are_unknown_not_dropped() {
    let op = "Microsoft.Compute/virtualMachines/read";
    let deny = |extra: &str| {
        format!(
            r#"[{{"id": "{SUB}/providers/Microsoft.Authorization/denyAssignments/d1", "name": "d1",
                 "properties": {{"denyAssignmentName": "no reads", "scope": "{SUB}",
                   "permissions": [{{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}}],
                   "principals": [{{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}}]{extra}}}}}]"#
        )
    };
    let env_with = |extra: &str| {
        let mut env = AzureEnvironment::default();
        add(&mut env, &roles());
        add(&mut env, &assignment(ALICE, READER, SUB, ""));
        let diags = add(&mut env, &deny(extra));
        (env, diags)
    };
    let (env, diags) = env_with(r#", "excludePrincipals": [42]"#);
    assert!(!diags.is_empty());
    assert!(matches!(
        decide_for(&env, ALICE, op, SUB, Context::new()),
        Outcome::Unknown(_)
    ));
    let (env, _) = env_with(r#", "excludePrincipals": []"#);
    assert_eq!(
        decide_for(&env, ALICE, op, SUB, Context::new()),
        Outcome::ExplicitlyDenied
    );
    let cond = r#", "excludePrincipals": [], "condition": "@Resource[x] StringEquals 'y'", "conditionVersion": "2.0""#;
    let (env, diags) = env_with(cond);
    assert!(diags.is_empty(), "{diags:?}");
    for (value, expected) in [("y", Outcome::ExplicitlyDenied), ("z", Outcome::Allowed)] {
        let mut ctx = Context::new();
        ctx.insert("@Resource[x]", Value::str(value));
        assert_eq!(decide_for(&env, ALICE, op, SUB, ctx), expected, "{value}");
    }
    assert!(matches!(
        decide_for(&env, ALICE, op, SUB, Context::new()),
        Outcome::Unknown(_)
    ));
}
