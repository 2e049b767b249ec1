//! Small readers over the spanned JSON that report into a [`Sink`] and carry on.

use iamx_model::json::{Json, JsonValue, Span};
use iamx_model::source::Sink;
use iamx_model::{JsonPath, Origin};
use std::sync::Arc;

/// A string with where it stood.
#[derive(Clone, Debug)]
pub(crate) struct Located {
    pub text: String,
    pub span: Span,
    pub path: JsonPath,
}

/// The member `key` when it is a string; an error when it is something else.
pub(crate) fn opt_str<'j>(
    obj: &'j Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> Option<&'j str> {
    let v = obj.get(key)?;
    match &v.value {
        JsonValue::String(s) => Some(s),
        JsonValue::Null => None,
        _ => {
            sink.error(
                v.span,
                &path.key(key),
                format!("`{key}` must be a string, found {}", v.kind_name()),
            );
            None
        }
    }
}

/// The member `key`, which must be a string; `what` names the object in the
/// error when it is missing.
pub(crate) fn req_str<'j>(
    obj: &'j Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    what: &str,
) -> Option<&'j str> {
    if obj.get(key).is_none() {
        sink.error(obj.span, path, format!("{what} has no `{key}`"));
        return None;
    }
    opt_str(obj, key, path, sink)
}

/// The member `key` when it is a boolean.
pub(crate) fn opt_bool(
    obj: &Json,
    key: &str,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> Option<bool> {
    let v = obj.get(key)?;
    match &v.value {
        JsonValue::Bool(b) => Some(*b),
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

/// Whether `json` is an object; an error naming `what` when it is not.
pub(crate) fn expect_object(json: &Json, path: &JsonPath, sink: &mut Sink<'_>, what: &str) -> bool {
    if json.as_object().is_some() {
        return true;
    }
    sink.error(
        json.span,
        path,
        format!("{what} must be an object, found {}", json.kind_name()),
    );
    false
}

/// The elements of `json` when it is an array; an error naming `what`
/// otherwise (`null` is an empty array).
pub(crate) fn expect_array<'j>(
    json: &'j Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    what: &str,
) -> Option<&'j [Json]> {
    match &json.value {
        JsonValue::Array(items) => Some(items),
        JsonValue::Null => Some(&[]),
        _ => {
            sink.error(
                json.span,
                path,
                format!("{what} must be an array, found {}", json.kind_name()),
            );
            None
        }
    }
}

/// A list of strings at `json`: `None` (with an error) when it is not an
/// array; non-string elements are reported and skipped.
pub(crate) fn str_list(
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
    what: &str,
) -> Option<Vec<Located>> {
    let items = match &json.value {
        JsonValue::Array(items) => items,
        JsonValue::Null => return Some(Vec::new()),
        _ => {
            sink.error(
                json.span,
                path,
                format!(
                    "`{what}` must be an array of strings, found {}",
                    json.kind_name()
                ),
            );
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (k, it) in items.iter().enumerate() {
        match it.as_str() {
            Some(s) => out.push(Located {
                text: s.to_owned(),
                span: it.span,
                path: path.index(k),
            }),
            None => sink.error(
                it.span,
                &path.index(k),
                format!(
                    "an entry of `{what}` must be a string, found {}",
                    it.kind_name()
                ),
            ),
        }
    }
    Some(out)
}

/// Provenance for something read at `span`.
pub(crate) fn origin(
    sink: &Sink<'_>,
    span: Span,
    policy: impl Into<Arc<str>>,
    index: usize,
    sid: Option<String>,
) -> Arc<Origin> {
    let (line, column) = sink.position(span);
    Arc::new(Origin {
        file: Some(sink.src.name.clone()),
        policy: policy.into(),
        statement: index,
        sid,
        line,
        column,
    })
}
