//! Format detection and loading: what a GCP input file is, from its content
//! alone, and what it contributes.

use crate::env::GcpEnvironment;
use crate::request::read_request_file;
use iamx_model::json::{self, Json, JsonValue};
use iamx_model::program::Case;
use iamx_model::source::{Sink, Source};
use iamx_model::{Diagnostic, JsonPath, Severity};

/// The GCP input formats iamx reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcpFormat {
    /// A GCP request file or scenario table (`"provider": "gcp"`).
    Requests,
    /// iamx wrapper around `get-iam-policy` output:
    /// `{"iamxGcpIamPolicies": [{"resource", "policy"}]}`.
    IamPolicies,
    /// `get-iam-policy` output on its own (its resource is unknown: an error).
    BareIamPolicy,
    /// Cloud Asset Inventory assets (NDJSON export, one object, or an array).
    AssetInventory,
    /// `searchAllIamPolicies` results (`{"results": […]}` or the array gcloud prints).
    IamPolicySearch,
    /// One role (`gcloud iam roles describe`).
    Role,
    /// A list of roles (`gcloud iam roles list --format=json`).
    RoleList,
    /// Deny policies (`gcloud iam policies get`/`list`).
    DenyPolicies,
    /// iamx group membership file.
    Groups,
    /// iamx resource hierarchy file.
    Hierarchy,
    /// iamx principal access boundary file.
    PrincipalAccessBoundaries,
}

impl GcpFormat {
    /// A short name for listings.
    pub fn name(self) -> &'static str {
        match self {
            GcpFormat::Requests => "gcp request file",
            GcpFormat::IamPolicies => "gcp allow policies",
            GcpFormat::BareIamPolicy => "gcp allow policy without resource",
            GcpFormat::AssetInventory => "gcp cloud asset inventory",
            GcpFormat::IamPolicySearch => "gcp iam policy search results",
            GcpFormat::Role => "gcp role",
            GcpFormat::RoleList => "gcp role list",
            GcpFormat::DenyPolicies => "gcp deny policies",
            GcpFormat::Groups => "gcp groups",
            GcpFormat::Hierarchy => "gcp resource hierarchy",
            GcpFormat::PrincipalAccessBoundaries => "gcp principal access boundaries",
        }
    }
}

fn is_asset(j: &Json) -> bool {
    j.get("name")
        .and_then(Json::as_str)
        .is_some_and(|n| n.starts_with("//"))
        && (j.get("assetType").is_some() || j.get("asset_type").is_some())
}

fn is_search_result(j: &Json) -> bool {
    j.get("resource")
        .and_then(Json::as_str)
        .is_some_and(|r| r.starts_with("//"))
        && j.get("policy").is_some()
}

fn is_role(j: &Json) -> bool {
    if j.get("includedPermissions").is_some() {
        return true;
    }
    let named = j
        .get("name")
        .and_then(Json::as_str)
        .is_some_and(crate::policy::is_role_name);
    named && (j.get("title").is_some() || j.get("stage").is_some() || j.get("etag").is_some())
}

fn is_deny_policy(j: &Json) -> bool {
    let named = j
        .get("name")
        .and_then(Json::as_str)
        .is_some_and(|n| n.starts_with("policies/") && n.contains("/denypolicies/"));
    let kind = j.get("kind").and_then(Json::as_str) == Some("DenyPolicy");
    let rules_look_like_deny = j
        .get("rules")
        .and_then(Json::as_array)
        .and_then(|r| r.first())
        .is_some_and(|r| r.get("denyRule").is_some());
    named || kind || rules_look_like_deny
}

fn is_gcp_request(j: &Json) -> bool {
    j.get("provider").and_then(Json::as_str) == Some("gcp")
}

/// Detects the format of a parsed JSON input; `None` when it is no GCP format.
pub fn detect(json: &Json) -> Option<GcpFormat> {
    match &json.value {
        JsonValue::Object(_) => {
            let has = |k: &str| json.get(k).is_some();
            if is_gcp_request(json) {
                Some(GcpFormat::Requests)
            } else if has("iamxGcpIamPolicies") {
                Some(GcpFormat::IamPolicies)
            } else if has("iamxGcpGroups") {
                Some(GcpFormat::Groups)
            } else if has("iamxGcpHierarchy") || has("iamxGcpProjectNumbers") {
                Some(GcpFormat::Hierarchy)
            } else if has("iamxGcpPrincipalAccessBoundaries") {
                Some(GcpFormat::PrincipalAccessBoundaries)
            } else if is_asset(json) {
                Some(GcpFormat::AssetInventory)
            } else if json
                .get("results")
                .and_then(Json::as_array)
                .and_then(|r| r.first())
                .is_some_and(is_search_result)
            {
                Some(GcpFormat::IamPolicySearch)
            } else if is_deny_policy(json)
                || json
                    .get("policies")
                    .and_then(Json::as_array)
                    .and_then(|p| p.first())
                    .is_some_and(is_deny_policy)
            {
                Some(GcpFormat::DenyPolicies)
            } else if is_role(json) {
                Some(GcpFormat::Role)
            } else if json.get("bindings").and_then(Json::as_array).is_some()
                && (has("etag") || has("version") || json.as_object().is_some_and(|m| m.len() == 1))
            {
                Some(GcpFormat::BareIamPolicy)
            } else {
                None
            }
        }
        JsonValue::Array(items) => {
            let first = items.first()?;
            if is_gcp_request(first) {
                Some(GcpFormat::Requests)
            } else if is_asset(first) {
                Some(GcpFormat::AssetInventory)
            } else if is_search_result(first) {
                Some(GcpFormat::IamPolicySearch)
            } else if is_deny_policy(first) {
                Some(GcpFormat::DenyPolicies)
            } else if is_role(first) {
                Some(GcpFormat::RoleList)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Detects the format of a stream of JSON values (NDJSON): Cloud Asset
/// Inventory exports are the one GCP stream format.
pub fn detect_ndjson(values: &[Json]) -> Option<GcpFormat> {
    values
        .first()
        .filter(|v| is_asset(v))
        .map(|_| GcpFormat::AssetInventory)
}

/// What one file contributed.
#[derive(Debug, Default)]
pub struct GcpFileLoad {
    /// The detected format.
    pub format: Option<GcpFormat>,
    /// The environment part read from it.
    pub env: GcpEnvironment,
    /// Request cases (request files and scenario tables).
    pub requests: Vec<Case>,
    /// Diagnostics, in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The file stem of a source name (`…/roles/owner.json` → `owner`).
fn stem(name: &str) -> Option<&str> {
    std::path::Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
}

/// Reads one GCP file whose JSON is already parsed. `None` when the content
/// is no GCP format (the caller decides whether another provider knows it).
pub fn load_json(src: &Source, json: &Json) -> Option<GcpFileLoad> {
    let format = detect(json)?;
    let mut out = GcpFileLoad {
        format: Some(format),
        ..GcpFileLoad::default()
    };
    let mut sink = Sink {
        src,
        diags: &mut out.diagnostics,
        embedded: None,
    };
    let root = JsonPath::root();
    match format {
        GcpFormat::Requests => out.requests = read_request_file(json, &mut sink),
        GcpFormat::IamPolicies => out.env.read_iam_policies(json, &mut sink),
        GcpFormat::BareIamPolicy => sink.error_help(
            json.span,
            &root,
            "an allow policy on its own does not say which resource it is attached to",
            "wrap `get-iam-policy` output as {\"iamxGcpIamPolicies\": [{\"resource\": \"projects/P\", \"policy\": …}]}",
        ),
        GcpFormat::AssetInventory => match &json.value {
            JsonValue::Array(items) => {
                for (k, it) in items.iter().enumerate() {
                    out.env.read_asset(it, &root.index(k), &mut sink);
                }
            }
            _ => out.env.read_asset(json, &root, &mut sink),
        },
        GcpFormat::IamPolicySearch => {
            let (items, base) = match (&json.value, json.get("results")) {
                (JsonValue::Array(items), _) => (items.as_slice(), root.clone()),
                (_, Some(r)) => (r.as_array().unwrap_or_default(), root.key("results")),
                _ => (&[][..], root.clone()),
            };
            if json.as_object().is_some() {
                sink.unknown_keys(json, &root, &["results", "nextPageToken"], "search response");
            }
            for (k, it) in items.iter().enumerate() {
                out.env.read_search_result(it, &base.index(k), &mut sink);
            }
        }
        GcpFormat::Role | GcpFormat::RoleList => {
            out.env.read_roles(json, &mut sink, stem(&src.name));
        }
        GcpFormat::DenyPolicies => out.env.read_deny_policies(json, &mut sink),
        GcpFormat::Groups => out.env.read_groups(json, &mut sink),
        GcpFormat::Hierarchy => out.env.read_hierarchy(json, &mut sink),
        GcpFormat::PrincipalAccessBoundaries => out.env.read_boundaries(json, &mut sink),
    }
    Some(out)
}

/// Reads `get-iam-policy` output on its own (no resource named) as the
/// allow policy of `resource`: for questions that do not need to know where
/// a policy is attached, such as comparing two versions of it. The
/// environment readers refuse such a file, since a decision does need it.
pub fn read_bare_allow_policy(
    src: &Source,
    json: &Json,
    resource: &str,
) -> (crate::policy::AllowPolicy, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut sink = Sink {
        src,
        diags: &mut diagnostics,
        embedded: None,
    };
    let mut deleted = 0;
    let policy = crate::policy::read_allow_policy(
        json,
        &JsonPath::root(),
        resource,
        &mut sink,
        &mut deleted,
    );
    (policy, diagnostics)
}

/// Reads a Cloud Asset Inventory NDJSON export: one asset per value. A value
/// that is no asset is an error; the rest are still read.
pub fn load_ndjson(src: &Source, values: &[Json]) -> GcpFileLoad {
    let mut out = GcpFileLoad {
        format: Some(GcpFormat::AssetInventory),
        ..GcpFileLoad::default()
    };
    let mut sink = Sink {
        src,
        diags: &mut out.diagnostics,
        embedded: None,
    };
    let root = JsonPath::root();
    for v in values {
        if v.as_object().is_some() && !is_asset(v) {
            sink.error_help(
                v.span,
                &root,
                "this line is not a Cloud Asset Inventory asset (no `name` starting with `//` and `assetType`)",
                "an NDJSON input holds one Cloud Asset Inventory asset per line",
            );
            continue;
        }
        out.env.read_asset(v, &root, &mut sink);
    }
    out
}

fn is_ndjson_name(name: &str) -> bool {
    name.ends_with(".ndjson") || name.ends_with(".jsonl")
}

/// Parses and reads a GCP source, JSON or NDJSON: `Err` with the located
/// syntax error when the text is neither, `Ok(None)` when it is JSON in no
/// GCP format.
pub fn load_source(src: &Source) -> Result<Option<GcpFileLoad>, Diagnostic> {
    match src.parse_json() {
        Ok(j) => Ok(load_json(src, &j)),
        Err(single) => match json::parse_stream(&src.text) {
            Ok(values) if values.len() > 1 => {
                Ok(detect_ndjson(&values).map(|_| load_ndjson(src, &values)))
            }
            // an export with no assets
            Ok(values) if values.is_empty() && is_ndjson_name(&src.name) => {
                Ok(Some(load_ndjson(src, &values)))
            }
            Ok(_) => Err(single),
            Err(e) => {
                // a stream that breaks after its first value: report where
                if !is_ndjson_name(&src.name) {
                    return Err(single);
                }
                let (line, column) = src.line_col(e.offset);
                Err(Diagnostic {
                    severity: Severity::Error,
                    message: format!("invalid JSON: {}", e.message),
                    file: Some(src.name.clone()),
                    line,
                    column,
                    path: e.path,
                    help: None,
                })
            }
        },
    }
}
