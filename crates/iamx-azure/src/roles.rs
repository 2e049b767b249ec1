//! Role definitions in the three shapes Azure tools print them:
//! `az role definition list` (camelCase, `permissions` blocks),
//! `Get-AzRoleDefinition | ConvertTo-Json` (PascalCase, one flattened block,
//! `Name` is the display name and `Id` the GUID), and the REST API
//! (`{"value": [{"id", "name", "properties": {"roleName", "permissions", …}}]}`).

use crate::env::{AzureEnvironment, ConditionalBlock, RoleDefinition};
use crate::read::{
    ConditionSite, PASCAL, block, bool_field, condition, error_count, last_segment_lc, origin,
    permission_blocks, str_field, strings,
};
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use iamx_model::{Condition, JsonPath};
use std::sync::Arc;

const AZ_KEYS: [&str; 12] = [
    "assignableScopes",
    "description",
    "id",
    "name",
    "permissions",
    "roleName",
    "roleType",
    "type",
    "createdOn",
    "updatedOn",
    "createdBy",
    "updatedBy",
];

const PS_KEYS: [&str; 11] = [
    "Name",
    "Id",
    "IsCustom",
    "Description",
    "Actions",
    "NotActions",
    "DataActions",
    "NotDataActions",
    "AssignableScopes",
    "Condition",
    "ConditionVersion",
];

const REST_KEYS: [&str; 4] = ["id", "name", "type", "properties"];
const REST_PROPERTY_KEYS: [&str; 9] = [
    "roleName",
    "type",
    "description",
    "assignableScopes",
    "permissions",
    "createdOn",
    "updatedOn",
    "createdBy",
    "updatedBy",
];

/// The items of a file that is an array of records or one record.
pub(crate) fn records(json: &Json) -> Vec<(usize, &Json, JsonPath)> {
    let root = JsonPath::root();
    match &json.value {
        JsonValue::Array(items) => items
            .iter()
            .enumerate()
            .map(|(n, it)| (n, it, root.index(n)))
            .collect(),
        _ => vec![(0, json, root)],
    }
}

/// The records of a list file: `{"value": [...]}` (REST) or an array (or
/// one record).
pub(crate) fn listed<'j>(
    json: &'j Json,
    sink: &mut Sink<'_>,
    what: &str,
) -> Vec<(usize, &'j Json, JsonPath)> {
    if json.get("value").is_some() {
        let root = JsonPath::root();
        let vp = root.key("value");
        crate::read::array_field(json, "value", &root, sink, what)
            .iter()
            .enumerate()
            .map(|(n, it)| (n, it, vp.index(n)))
            .collect()
    } else {
        records(json)
    }
}

fn is_object(it: &Json, path: &JsonPath, what: &str, sink: &mut Sink<'_>) -> bool {
    if it.as_object().is_some() {
        return true;
    }
    sink.error(
        it.span,
        path,
        format!("{what} must be an object, found {}", it.kind_name()),
    );
    false
}

fn role_type(t: Option<&str>) -> Option<bool> {
    match t {
        Some(t) if t.eq_ignore_ascii_case("CustomRole") => Some(true),
        Some(t) if t.eq_ignore_ascii_case("BuiltInRole") => Some(false),
        _ => None,
    }
}

type Blocks = Vec<(
    iamx_model::azure::PermissionBlock,
    Condition,
    Option<String>,
)>;

/// Splits blocks into unconditional ones and ones with their own condition.
fn split(
    blocks: Blocks,
) -> (
    Arc<Vec<iamx_model::azure::PermissionBlock>>,
    Vec<ConditionalBlock>,
) {
    let mut plain = Vec::new();
    let mut conditional = Vec::new();
    for (n, (b, c, text)) in blocks.into_iter().enumerate() {
        if c.is_true() {
            plain.push(b);
        } else {
            conditional.push(ConditionalBlock {
                index: n,
                block: Arc::new(vec![b]),
                condition: c,
                text,
            });
        }
    }
    (Arc::new(plain), conditional)
}

/// Which shape a role definition record has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleShape {
    /// `az` camelCase.
    Az,
    /// PowerShell PascalCase.
    PowerShell,
    /// REST (`properties`).
    Rest,
}

/// The shape of one role definition record.
pub(crate) fn role_shape(it: &Json) -> RoleShape {
    if it.get("properties").is_some() {
        RoleShape::Rest
    } else if ["Actions", "IsCustom", "Id", "Name", "AssignableScopes"]
        .iter()
        .any(|k| it.get(k).is_some())
    {
        RoleShape::PowerShell
    } else {
        RoleShape::Az
    }
}

/// A role whose permissions could not be read completely is left out, so
/// that its assignments are `unknown` rather than granting less than it does.
fn left_out(it: &Json, path: &JsonPath, display: &str, sink: &mut Sink<'_>) {
    sink.warn(
        it.span,
        path,
        format!("role definition `{display}` is left out because its permissions are malformed: what its assignments grant is unknown"),
    );
}

fn guid_of(it: &Json, path: &JsonPath, sink: &mut Sink<'_>) -> Option<(Option<String>, String)> {
    let id = str_field(it, "id", path, sink, None).map(str::to_owned);
    let name = str_field(it, "name", path, sink, None);
    match (&id, name) {
        (Some(i), _) => {
            let g = last_segment_lc(i);
            Some((id, g))
        }
        (None, Some(n)) => Some((None, n.to_ascii_lowercase())),
        (None, None) => {
            sink.error(it.span, path, "role definition has neither `name` nor `id`");
            None
        }
    }
}

/// Reads one role definition record of any shape.
pub(crate) fn role_definition(
    it: &Json,
    path: &JsonPath,
    n: usize,
    shape: RoleShape,
    sink: &mut Sink<'_>,
) -> Option<RoleDefinition> {
    if !is_object(it, path, "a role definition", sink) {
        return None;
    }
    match shape {
        RoleShape::Az => role_az(it, path, n, sink),
        RoleShape::PowerShell => role_powershell(it, path, n, sink),
        RoleShape::Rest => role_rest(it, path, n, sink),
    }
}

fn role_az(it: &Json, path: &JsonPath, n: usize, sink: &mut Sink<'_>) -> Option<RoleDefinition> {
    sink.unknown_keys(it, path, &AZ_KEYS, "role definition");
    let (id, guid) = guid_of(it, path, sink)?;
    let display =
        str_field(it, "roleName", path, sink, None).map_or_else(|| guid.clone(), str::to_owned);
    // `az` prints `roleType`; older output and REST use `type` for the same
    let custom = role_type(str_field(it, "roleType", path, sink, None))
        .or_else(|| role_type(it.get("type").and_then(Json::as_str)));
    let description = str_field(it, "description", path, sink, None).map(str::to_owned);
    let scopes = strings(it, "assignableScopes", path, sink, "scopes");
    if it.get("permissions").is_none() {
        sink.error(
            it.span,
            path,
            format!("role definition `{display}` has no `permissions`"),
        );
        return None;
    }
    let blocks = permission_blocks(it, "permissions", path, sink, ConditionSite::RoleDefinition);
    if !blocks.complete {
        left_out(it, path, &display, sink);
        return None;
    }
    let origin = origin(sink, it, format!("role definition `{display}`"), n);
    let (blocks, conditional) = split(blocks.items);
    Some(RoleDefinition {
        guid,
        id,
        name: display,
        custom,
        description,
        assignable_scopes: scopes,
        blocks,
        conditional,
        origin,
    })
}

fn role_powershell(
    it: &Json,
    path: &JsonPath,
    n: usize,
    sink: &mut Sink<'_>,
) -> Option<RoleDefinition> {
    sink.unknown_keys(it, path, &PS_KEYS, "role definition");
    let id = str_field(it, "Id", path, sink, Some("role definition"))?;
    let guid = last_segment_lc(id);
    let display =
        str_field(it, "Name", path, sink, None).map_or_else(|| guid.clone(), str::to_owned);
    let custom = bool_field(it, "IsCustom", path, sink);
    let description = str_field(it, "Description", path, sink, None).map(str::to_owned);
    let scopes = strings(it, "AssignableScopes", path, sink, "scopes");
    let before = error_count(sink);
    let blk = block(it, &PASCAL, path, sink);
    if error_count(sink) > before {
        left_out(it, path, &display, sink);
        return None;
    }
    let (cond, text) = condition(
        it,
        ("Condition", "ConditionVersion"),
        path,
        sink,
        ConditionSite::RoleDefinition,
    );
    let origin = origin(sink, it, format!("role definition `{display}`"), n);
    let (blocks, conditional) = split(vec![(blk, cond, text)]);
    Some(RoleDefinition {
        guid,
        id: Some(id.to_owned()),
        name: display,
        custom,
        description,
        assignable_scopes: scopes,
        blocks,
        conditional,
        origin,
    })
}

fn role_rest(it: &Json, path: &JsonPath, n: usize, sink: &mut Sink<'_>) -> Option<RoleDefinition> {
    sink.unknown_keys(it, path, &REST_KEYS, "role definition");
    let (id, guid) = guid_of(it, path, sink)?;
    let Some(props) = it.get("properties") else {
        sink.error(it.span, path, "role definition has no `properties`");
        return None;
    };
    let pp = path.key("properties");
    if !is_object(props, &pp, "`properties`", sink) {
        return None;
    }
    sink.unknown_keys(
        props,
        &pp,
        &REST_PROPERTY_KEYS,
        "role definition properties",
    );
    let display =
        str_field(props, "roleName", &pp, sink, None).map_or_else(|| guid.clone(), str::to_owned);
    let custom = role_type(str_field(props, "type", &pp, sink, None));
    let description = str_field(props, "description", &pp, sink, None).map(str::to_owned);
    let scopes = strings(props, "assignableScopes", &pp, sink, "scopes");
    if props.get("permissions").is_none() {
        sink.error(
            props.span,
            &pp,
            format!("role definition `{display}` has no `permissions`"),
        );
        return None;
    }
    let blocks = permission_blocks(
        props,
        "permissions",
        &pp,
        sink,
        ConditionSite::RoleDefinition,
    );
    if !blocks.complete {
        left_out(it, path, &display, sink);
        return None;
    }
    let origin = origin(sink, it, format!("role definition `{display}`"), n);
    let (blocks, conditional) = split(blocks.items);
    Some(RoleDefinition {
        guid,
        id,
        name: display,
        custom,
        description,
        assignable_scopes: scopes,
        blocks,
        conditional,
        origin,
    })
}

impl AzureEnvironment {
    pub(crate) fn add_role(&mut self, role: RoleDefinition) {
        self.roles.entry(role.guid.clone()).or_insert(role);
    }

    /// Reads `az role definition list` output (an array, or one definition).
    pub fn read_role_definitions_az(&mut self, json: &Json, sink: &mut Sink<'_>) {
        for (n, it, path) in records(json) {
            if let Some(r) = role_definition(it, &path, n, RoleShape::Az, sink) {
                self.add_role(r);
            }
        }
    }

    /// Reads `Get-AzRoleDefinition | ConvertTo-Json` output (an array, or one
    /// definition): PascalCase, `Name` is the display name, `Id` the GUID, and
    /// the operations of the one permission block sit on the role itself.
    pub fn read_role_definitions_powershell(&mut self, json: &Json, sink: &mut Sink<'_>) {
        for (n, it, path) in records(json) {
            if let Some(r) = role_definition(it, &path, n, RoleShape::PowerShell, sink) {
                self.add_role(r);
            }
        }
    }

    /// Reads the REST shape `{"value": [{"id", "name", "properties": {…}}]}`
    /// (or an array of such records).
    pub fn read_role_definitions_rest(&mut self, json: &Json, sink: &mut Sink<'_>) {
        for (n, it, path) in listed(json, sink, "role definitions") {
            if let Some(r) = role_definition(it, &path, n, RoleShape::Rest, sink) {
                self.add_role(r);
            }
        }
    }
}
