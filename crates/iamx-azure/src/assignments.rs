//! Role assignments (`az role assignment list --all`, with or without
//! `principalName`/`roleDefinitionName`, and the REST shape) and deny
//! assignments (REST `{"value": [{"properties": {…}}]}` and the flattened
//! camelCase form).

use crate::env::{AzureEnvironment, DenyAssignment, RoleAssignment};
use crate::read::{
    ConditionSite, array_field, bool_field, condition, last_segment_lc, origin, permission_blocks,
    str_field,
};
use crate::roles::listed;
use iamx_model::azure::PermissionBlock;
use iamx_model::json::Json;
use iamx_model::source::Sink;
use iamx_model::{Case, Condition, JsonPath, Pattern, Reason};

const AZ_ASSIGNMENT_KEYS: [&str; 19] = [
    "canDelegate",
    "condition",
    "conditionVersion",
    "createdBy",
    "createdOn",
    "delegatedManagedIdentityResourceId",
    "description",
    "id",
    "name",
    "principalId",
    "principalName",
    "principalType",
    "resourceGroup",
    "roleDefinitionId",
    "roleDefinitionName",
    "scope",
    "type",
    "updatedBy",
    "updatedOn",
];

const REST_KEYS: [&str; 4] = ["id", "name", "type", "properties"];

const REST_ASSIGNMENT_PROPERTY_KEYS: [&str; 12] = [
    "roleDefinitionId",
    "principalId",
    "principalType",
    "scope",
    "condition",
    "conditionVersion",
    "createdOn",
    "updatedOn",
    "createdBy",
    "updatedBy",
    "delegatedManagedIdentityResourceId",
    "description",
];

const DENY_KEYS: [&str; 14] = [
    "denyAssignmentName",
    "description",
    "permissions",
    "scope",
    "doNotApplyToChildScopes",
    "principals",
    "excludePrincipals",
    "isSystemProtected",
    "condition",
    "conditionVersion",
    "createdOn",
    "updatedOn",
    "createdBy",
    "updatedBy",
];

/// Reads one assignment's fields from `props` (the record itself for `az`,
/// its `properties` for REST).
fn assignment(
    record: &Json,
    props: &Json,
    path: &JsonPath,
    ppath: &JsonPath,
    n: usize,
    sink: &mut Sink<'_>,
) -> Option<RoleAssignment> {
    let what = Some("role assignment");
    let principal = str_field(props, "principalId", ppath, sink, what);
    let role = str_field(props, "roleDefinitionId", ppath, sink, what);
    let scope = str_field(props, "scope", ppath, sink, what);
    let (condition, condition_text) = condition(
        props,
        ("condition", "conditionVersion"),
        ppath,
        sink,
        ConditionSite::Assignment,
    );
    let id = str_field(record, "id", path, sink, None).map(str::to_owned);
    let name = str_field(record, "name", path, sink, None).map(str::to_owned);
    let principal_type = str_field(props, "principalType", ppath, sink, None).map(str::to_owned);
    let principal_name = str_field(props, "principalName", ppath, sink, None).map(str::to_owned);
    let role_name = str_field(props, "roleDefinitionName", ppath, sink, None).map(str::to_owned);
    let (principal, role, scope) = (principal?, role?, scope?);
    let role_guid = last_segment_lc(role);
    let label = name.clone().unwrap_or_else(|| format!("#{n}"));
    let o = origin(
        sink,
        record,
        format!(
            "role assignment {label} (`{}` to `{principal}` at `{scope}`)",
            role_name.as_deref().unwrap_or(&role_guid)
        ),
        n,
    );
    Some(RoleAssignment {
        id,
        name,
        principal_id: principal.to_ascii_lowercase(),
        principal_type,
        principal_name,
        role_definition_id: role.to_owned(),
        role_guid,
        role_definition_name: role_name,
        scope: scope.to_owned(),
        condition,
        condition_text,
        origin: o,
        json_path: path.to_string(),
    })
}

fn principal_ids(obj: &Json, key: &str, path: &JsonPath, sink: &mut Sink<'_>) -> Vec<String> {
    let kp = path.key(key);
    let mut out = Vec::new();
    for (n, p) in array_field(obj, key, path, sink, "principals")
        .iter()
        .enumerate()
    {
        let pp = kp.index(n);
        // `{"id": "…", "type": "…"}`; a bare id string is accepted too
        if let Some(s) = p.as_str() {
            out.push(s.to_ascii_lowercase());
            continue;
        }
        if p.as_object().is_none() {
            sink.error(
                p.span,
                &pp,
                format!(
                    "a principal must be an object with `id` and `type`, found {}",
                    p.kind_name()
                ),
            );
            continue;
        }
        sink.unknown_keys(p, &pp, &["id", "type", "displayName"], "principal");
        if let Some(id) = str_field(p, "id", &pp, sink, Some("principal")) {
            out.push(id.to_ascii_lowercase());
        }
        let _ = str_field(p, "type", &pp, sink, None);
    }
    out
}

fn deny(
    record: &Json,
    props: &Json,
    path: &JsonPath,
    ppath: &JsonPath,
    n: usize,
    sink: &mut Sink<'_>,
) -> Option<DenyAssignment> {
    let id = str_field(record, "id", path, sink, None).map(str::to_owned);
    let name = str_field(record, "name", path, sink, None).map(str::to_owned);
    let display = str_field(props, "denyAssignmentName", ppath, sink, None).map(str::to_owned);
    let scope = str_field(props, "scope", ppath, sink, Some("deny assignment"));
    if props.get("permissions").is_none() {
        sink.error(props.span, ppath, "deny assignment has no `permissions`");
        return None;
    }
    let blocks = permission_blocks(props, "permissions", ppath, sink, ConditionSite::Assignment);
    let complete = blocks.complete;
    let blocks = blocks.items;
    let listed = |k: &str| {
        props
            .get(k)
            .and_then(Json::as_array)
            .map_or(0, <[Json]>::len)
    };
    let (listed_principals, listed_excluded) = (listed("principals"), listed("excludePrincipals"));
    let principals = principal_ids(props, "principals", ppath, sink);
    let exclude = principal_ids(props, "excludePrincipals", ppath, sink);
    let do_not_apply_to_child_scopes =
        bool_field(props, "doNotApplyToChildScopes", ppath, sink).unwrap_or(false);
    let system_protected = bool_field(props, "isSystemProtected", ppath, sink).unwrap_or(false);
    let (cond, _) = condition(
        props,
        ("condition", "conditionVersion"),
        ppath,
        sink,
        ConditionSite::Assignment,
    );
    let scope = scope?;
    let label = display
        .clone()
        .or_else(|| name.clone())
        .unwrap_or_else(|| format!("#{n}"));
    let o = origin(
        sink,
        record,
        format!("deny assignment `{label}` at `{scope}`"),
        n,
    );
    if !complete || exclude.len() < listed_excluded || principals.len() < listed_principals {
        // a deny read in part might deny anything to anyone it may name: it
        // is kept as a deny that might apply, so what it could deny is
        // unknown (leaving it out would show access Azure may refuse)
        let why = format!(
            "deny assignment `{label}` could not be read completely, so it might deny the operation"
        );
        sink.warn(
            props.span,
            ppath,
            format!("{why}: decisions it might affect are unknown"),
        );
        let any = || vec![Pattern::glob("*", Case::Insensitive)];
        let everything = PermissionBlock {
            actions: any(),
            not_actions: vec![],
            data_actions: any(),
            not_data_actions: vec![],
        };
        let principals = if principals.len() < listed_principals {
            vec![iamx_model::azure::ALL_PRINCIPALS.to_owned()]
        } else {
            principals
        };
        return Some(DenyAssignment {
            id,
            name,
            display_name: display,
            blocks: vec![everything],
            conditional_blocks: vec![],
            condition: Condition::Unsupported(Reason::new(why)),
            scope: scope.to_owned(),
            principals,
            exclude: vec![],
            do_not_apply_to_child_scopes,
            system_protected,
            origin: o,
        });
    }
    if listed_principals == 0 {
        sink.warn(
            props.span,
            ppath,
            format!("deny assignment `{label}` names no principals: it denies nobody"),
        );
    }
    Some(DenyAssignment {
        id,
        name,
        display_name: display,
        blocks: blocks
            .iter()
            .filter(|(_, c, _)| c.is_true())
            .map(|(b, _, _)| b.clone())
            .collect(),
        conditional_blocks: blocks
            .into_iter()
            .filter(|(_, c, _)| !c.is_true())
            .map(|(b, c, _)| (b, c))
            .collect(),
        condition: cond,
        scope: scope.to_owned(),
        principals,
        exclude,
        do_not_apply_to_child_scopes,
        system_protected,
        origin: o,
    })
}

/// The `properties` object of a REST record, or `None` (reported).
fn properties<'j>(
    it: &'j Json,
    path: &JsonPath,
    what: &str,
    sink: &mut Sink<'_>,
) -> Option<&'j Json> {
    let Some(props) = it.get("properties") else {
        sink.error(it.span, path, format!("{what} has no `properties`"));
        return None;
    };
    if props.as_object().is_none() {
        sink.error(
            props.span,
            &path.key("properties"),
            format!(
                "`properties` must be an object, found {}",
                props.kind_name()
            ),
        );
        return None;
    }
    Some(props)
}

/// Reads one role assignment record: `az` camelCase, or REST (`properties`).
pub(crate) fn role_assignment(
    it: &Json,
    path: &JsonPath,
    n: usize,
    sink: &mut Sink<'_>,
) -> Option<RoleAssignment> {
    if it.as_object().is_none() {
        sink.error(
            it.span,
            path,
            format!(
                "a role assignment must be an object, found {}",
                it.kind_name()
            ),
        );
        return None;
    }
    if it.get("properties").is_some() {
        sink.unknown_keys(it, path, &REST_KEYS, "role assignment");
        let props = properties(it, path, "role assignment", sink)?;
        let pp = path.key("properties");
        sink.unknown_keys(
            props,
            &pp,
            &REST_ASSIGNMENT_PROPERTY_KEYS,
            "role assignment properties",
        );
        assignment(it, props, path, &pp, n, sink)
    } else {
        sink.unknown_keys(it, path, &AZ_ASSIGNMENT_KEYS, "role assignment");
        assignment(it, it, path, path, n, sink)
    }
}

/// Reads one deny assignment record: REST (`properties`) or flattened.
pub(crate) fn deny_assignment(
    it: &Json,
    path: &JsonPath,
    n: usize,
    sink: &mut Sink<'_>,
) -> Option<DenyAssignment> {
    if it.as_object().is_none() {
        sink.error(
            it.span,
            path,
            format!(
                "a deny assignment must be an object, found {}",
                it.kind_name()
            ),
        );
        return None;
    }
    if it.get("properties").is_some() {
        sink.unknown_keys(it, path, &REST_KEYS, "deny assignment");
        let props = properties(it, path, "deny assignment", sink)?;
        let pp = path.key("properties");
        sink.unknown_keys(props, &pp, &DENY_KEYS, "deny assignment properties");
        deny(it, props, path, &pp, n, sink)
    } else {
        let mut known: Vec<&str> = DENY_KEYS.to_vec();
        known.extend(["id", "name", "type"]);
        sink.unknown_keys(it, path, &known, "deny assignment");
        deny(it, it, path, path, n, sink)
    }
}

impl AzureEnvironment {
    /// Reads role assignments: `az role assignment list --all` output (an
    /// array or one assignment, with or without `principalName` and
    /// `roleDefinitionName`) or the REST shape `{"value": [{"properties": {…}}]}`.
    pub fn read_role_assignments(&mut self, json: &Json, sink: &mut Sink<'_>) {
        for (n, it, path) in listed(json, sink, "role assignments") {
            if let Some(a) = role_assignment(it, &path, n, sink) {
                self.assignments.push(a);
            }
        }
    }

    /// Reads deny assignments: the REST shape (`{"value": [{"properties":
    /// {…}}]}`), or an array of flattened records (`denyAssignmentName`,
    /// `permissions`, `principals`, … next to `id` and `name`).
    pub fn read_deny_assignments(&mut self, json: &Json, sink: &mut Sink<'_>) {
        for (n, it, path) in listed(json, sink, "deny assignments") {
            if let Some(d) = deny_assignment(it, &path, n, sink) {
                self.denies.push(d);
            }
        }
    }
}
