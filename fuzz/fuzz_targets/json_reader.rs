//! The span-keeping JSON reader against serde_json: every text the reader
//! accepts, serde_json must accept too (the reader claims to be strict RFC
//! 8259), and the two must agree on its meaning (`Json::to_serde`).
//!
//! Three differences are by design and skipped, so that the fuzzer keeps
//! looking for others (each was the first thing the fuzzer found):
//! - a leading UTF-8 byte order mark: the reader skips it, serde_json does
//!   not, so the mark is removed before serde_json sees the text;
//! - numbers outside `f64` range (`1e400`): the reader keeps a number as its
//!   source text, serde_json (without `arbitrary_precision`) rejects it;
//! - nesting of 128 or more: serde_json's recursion limit is 128, the
//!   reader's `MAX_DEPTH` is 256.

#![no_main]

use iamx_model::json::{Json, JsonValue};
use libfuzzer_sys::fuzz_target;

/// serde_json's default recursion limit: 128 nested `[`/`{` already fail.
const SERDE_DEPTH: usize = 128;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(json) = iamx_model::json::parse(text) else {
        return;
    };
    if depth(&json) >= SERDE_DEPTH || has_out_of_range_number(&json) {
        return;
    }
    let bare = text.strip_prefix('\u{feff}').unwrap_or(text);
    match serde_json::from_str::<serde_json::Value>(bare) {
        Ok(v) => {
            // serde_json keeps the last of duplicate keys, the reader keeps
            // all of them in order: compare only duplicate-free documents
            if !has_duplicate_keys(&json) && json.to_serde() != v {
                panic!(
                    "iamx and serde_json disagree on {bare:?}: {:?} vs {v:?}",
                    json.to_serde()
                );
            }
        }
        Err(e) => panic!("iamx accepts what serde_json rejects ({e}): {bare:?}"),
    }
});

/// Nesting depth as serde_json counts it (a scalar is 0, `[]` is 1).
fn depth(j: &Json) -> usize {
    match &j.value {
        JsonValue::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        JsonValue::Object(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn has_out_of_range_number(j: &Json) -> bool {
    match &j.value {
        JsonValue::Number(n) => serde_json::from_str::<serde_json::Number>(n).is_err(),
        JsonValue::Array(items) => items.iter().any(has_out_of_range_number),
        JsonValue::Object(members) => members.iter().any(|(_, v)| has_out_of_range_number(v)),
        _ => false,
    }
}

fn has_duplicate_keys(j: &Json) -> bool {
    match &j.value {
        JsonValue::Array(items) => items.iter().any(has_duplicate_keys),
        JsonValue::Object(members) => {
            let mut seen = std::collections::HashSet::new();
            members
                .iter()
                .any(|(k, v)| !seen.insert(k.name.as_str()) || has_duplicate_keys(v))
        }
        _ => false,
    }
}
