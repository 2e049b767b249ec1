//! Small readers shared by the Azure input formats: typed fields that report
//! a located diagnostic and carry on, permission blocks, ABAC conditions.

use crate::abac::parse_abac;
use iamx_model::azure::PermissionBlock;
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::Sink;
use iamx_model::{Case, Condition, JsonPath, Origin, Pattern, Reason};
use std::sync::Arc;

/// A string member: `None` when absent or `null`; an error when it is
/// another kind, or when it is `required` and missing.
pub(crate) fn str_field<'j>(
    obj: &'j Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    required: Option<&str>,
) -> Option<&'j str> {
    match obj.get(key) {
        Some(v) => match &v.value {
            JsonValue::String(s) => Some(s),
            JsonValue::Null if required.is_none() => None,
            _ => {
                sink.error(
                    v.span,
                    &path.key(key),
                    format!("`{key}` must be a string, found {}", v.kind_name()),
                );
                None
            }
        },
        None => {
            if let Some(what) = required {
                sink.error(obj.span, path, format!("{what} has no `{key}`"));
            }
            None
        }
    }
}

/// A boolean member (`null` or absent: `None`).
pub(crate) fn bool_field(
    obj: &Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> Option<bool> {
    let v = obj.get(key)?;
    match v.value {
        JsonValue::Bool(b) => Some(b),
        JsonValue::Null => None,
        _ => {
            sink.error(
                v.span,
                &path.key(key),
                format!("`{key}` must be a boolean, found {}", v.kind_name()),
            );
            None
        }
    }
}

/// An array member (`null` or absent: empty).
pub(crate) fn array_field<'j>(
    obj: &'j Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    what: &str,
) -> &'j [Json] {
    match obj.get(key) {
        Some(v) => match &v.value {
            JsonValue::Array(a) => a,
            JsonValue::Null => &[],
            _ => {
                sink.error(
                    v.span,
                    &path.key(key),
                    format!(
                        "`{key}` must be an array of {what}, found {}",
                        v.kind_name()
                    ),
                );
                &[]
            }
        },
        None => &[],
    }
}

/// An array of strings (`null` or absent: empty); non-string elements are
/// reported and skipped.
pub(crate) fn strings(
    obj: &Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    what: &str,
) -> Vec<String> {
    let kp = path.key(key);
    let mut out = Vec::new();
    for (n, v) in array_field(obj, key, path, sink, what).iter().enumerate() {
        match v.as_str() {
            Some(s) => out.push(s.to_owned()),
            None => sink.error(
                v.span,
                &kp.index(n),
                format!("`{key}` must hold strings, found {}", v.kind_name()),
            ),
        }
    }
    out
}

/// Operation patterns (`actions`, `notActions`, …): case-insensitive globs
/// where `*` may stand anywhere.
pub(crate) fn operations(
    obj: &Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> Vec<Pattern> {
    let kp = path.key(key);
    let mut out = Vec::new();
    for (n, v) in array_field(obj, key, path, sink, "operation names")
        .iter()
        .enumerate()
    {
        match v.as_str() {
            Some(s) if s.trim().is_empty() => sink.warn(
                v.span,
                &kp.index(n),
                format!("empty operation name in `{key}` matches nothing"),
            ),
            Some(s) => out.push(Pattern::glob(s.trim(), Case::Insensitive)),
            None => sink.error(
                v.span,
                &kp.index(n),
                format!(
                    "an operation name in `{key}` must be a string, found {}",
                    v.kind_name()
                ),
            ),
        }
    }
    out
}

/// Where an ABAC condition sits, for its diagnostics.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConditionSite {
    /// A role assignment: only version 2.0 exists.
    Assignment,
    /// A permission block of a role definition (Microsoft ships 1.0 there).
    RoleDefinition,
}

/// Reads `condition` and `conditionVersion` of `obj`. A condition that
/// fails to parse is reported with the ABAC column and becomes
/// `Condition::Unsupported`, so whatever it guards is `Unknown`.
pub(crate) fn condition(
    obj: &Json,
    keys: (&str, &str),
    path: &JsonPath,
    sink: &mut Sink<'_>,
    site: ConditionSite,
) -> (Condition, Option<String>) {
    let (ckey, vkey) = keys;
    let text = str_field(obj, ckey, path, sink, None);
    let version = str_field(obj, vkey, path, sink, None);
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return (Condition::True, None);
    };
    let cpath = path.key(ckey);
    let span = obj.get(ckey).map_or(obj.span, |v| v.span);
    match version {
        None | Some("2.0") => {}
        Some(v) => {
            let vspan = obj.get(vkey).map_or(obj.span, |x| x.span);
            match site {
                ConditionSite::Assignment => {
                    sink.error_help(
                        vspan,
                        &path.key(vkey),
                        format!("unsupported `{vkey}` `{v}`: role assignment conditions are version `2.0`"),
                        "set `conditionVersion` to \"2.0\" (Azure rejects other versions)",
                    );
                    return (
                        Condition::Unsupported(Reason::new(format!(
                            "condition version `{v}` is not supported"
                        ))),
                        Some(text.to_owned()),
                    );
                }
                ConditionSite::RoleDefinition => sink.warn(
                    vspan,
                    &path.key(vkey),
                    format!(
                        "`{vkey}` `{v}` is not `2.0`; the condition is read with the 2.0 grammar"
                    ),
                ),
            }
        }
    }
    match parse_abac(text) {
        Ok(e) => (Condition::Expr(Box::new(e)), Some(text.to_owned())),
        Err(e) => {
            let what = if e.unsupported {
                "unsupported ABAC condition"
            } else {
                "invalid ABAC condition"
            };
            let msg = format!("{what} at column {} of `{ckey}`: {}", e.column, e.message);
            if e.unsupported {
                sink.warn(span, &cpath, msg);
            } else {
                sink.error(span, &cpath, msg);
            }
            (
                Condition::Unsupported(Reason::new(format!(
                    "{what} (column {}): {}",
                    e.column, e.message
                ))),
                Some(text.to_owned()),
            )
        }
    }
}

/// A permission block in camelCase (`az` and REST) or PascalCase
/// (PowerShell, where the role object itself is the one block).
pub(crate) struct BlockKeys {
    pub actions: &'static str,
    pub not_actions: &'static str,
    pub data_actions: &'static str,
    pub not_data_actions: &'static str,
}

pub(crate) const CAMEL: BlockKeys = BlockKeys {
    actions: "actions",
    not_actions: "notActions",
    data_actions: "dataActions",
    not_data_actions: "notDataActions",
};

pub(crate) const PASCAL: BlockKeys = BlockKeys {
    actions: "Actions",
    not_actions: "NotActions",
    data_actions: "DataActions",
    not_data_actions: "NotDataActions",
};

pub(crate) fn block(
    obj: &Json,
    keys: &BlockKeys,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> PermissionBlock {
    PermissionBlock {
        actions: operations(obj, keys.actions, path, sink),
        not_actions: operations(obj, keys.not_actions, path, sink),
        data_actions: operations(obj, keys.data_actions, path, sink),
        not_data_actions: operations(obj, keys.not_data_actions, path, sink),
    }
}

/// Number of errors reported so far.
pub(crate) fn error_count(sink: &Sink<'_>) -> usize {
    sink.diags.iter().filter(|d| d.is_error()).count()
}

/// A role's or deny assignment's permission blocks, with their conditions.
pub(crate) struct Blocks {
    /// Each block with its condition and the condition's text.
    pub items: Vec<(PermissionBlock, Condition, Option<String>)>,
    /// Whether the blocks were read without a structural error (a malformed
    /// condition does not count: it makes its block `Unknown` by itself).
    pub complete: bool,
}

/// `permissions: [ {actions, notActions, dataActions, notDataActions,
/// condition, conditionVersion} ]` → blocks with their conditions.
pub(crate) fn permission_blocks(
    obj: &Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    site: ConditionSite,
) -> Blocks {
    let before = error_count(sink);
    let mut condition_errors = 0;
    let kp = path.key(key);
    let mut items = Vec::new();
    for (n, b) in array_field(obj, key, path, sink, "permission blocks")
        .iter()
        .enumerate()
    {
        let bp = kp.index(n);
        if b.as_object().is_none() {
            sink.error(
                b.span,
                &bp,
                format!(
                    "a permission block must be an object, found {}",
                    b.kind_name()
                ),
            );
            continue;
        }
        sink.unknown_keys(
            b,
            &bp,
            &[
                "actions",
                "notActions",
                "dataActions",
                "notDataActions",
                "condition",
                "conditionVersion",
            ],
            "permission block",
        );
        let blk = block(b, &CAMEL, &bp, sink);
        let c_before = error_count(sink);
        let (cond, text) = condition(b, ("condition", "conditionVersion"), &bp, sink, site);
        condition_errors += error_count(sink) - c_before;
        items.push((blk, cond, text));
    }
    let complete = error_count(sink) - before == condition_errors;
    Blocks { items, complete }
}

/// Provenance for an item read from `json` at `path`.
pub(crate) fn origin(sink: &Sink<'_>, json: &Json, what: String, index: usize) -> Arc<Origin> {
    let (line, column) = sink.position(json.span);
    Arc::new(Origin {
        file: Some(sink.src.name.clone()),
        policy: Arc::from(what),
        statement: index,
        sid: None,
        line,
        column,
    })
}

/// The last `/`-separated segment of an id, lowercased (a role definition's
/// GUID from `/subscriptions/…/roleDefinitions/<guid>` or the bare GUID).
pub(crate) fn last_segment_lc(id: &str) -> String {
    id.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(id)
        .to_ascii_lowercase()
}
