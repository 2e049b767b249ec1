//! AWS policy documents → [`iamx_model::Policy`].
//!
//! Reads every policy type (identity, resource-based, trust, SCP, RCP,
//! boundary, session) in versions 2012-10-17 and 2008-10-17, string-or-array
//! everywhere. A malformed statement is reported and skipped; the rest of the
//! document is still read. A malformed *condition* keeps its statement with an
//! `Unsupported` condition, so any evaluation that touches it is `Unknown`.

use crate::arn::{is_account_id, parse_arn_pattern};
use crate::vars::{PatternSyntax, parse_pattern};
use iamx_catalog::{ActionCheck, Catalog};
use iamx_model::json::{Json, JsonValue};
use iamx_model::source::{Sink, Source};
use iamx_model::{
    ActionSpec, AwsClause, AwsOp, Case, CondValue, Condition, Effect, JsonPath, Origin, Pattern,
    Policy, PrincipalEntry, PrincipalSpec, Reason, ResourceSpec, SetQualifier, Statement,
    value::{Cidr, parse_date, parse_number},
};
use std::sync::Arc;

/// Which kind of policy a document is, for the element rules that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyType {
    /// Identity-based (user, group, role; inline or managed).
    Identity,
    /// Resource-based (bucket, key, queue, ...): `Principal` required.
    Resource,
    /// Role trust policy: `Principal` required, no `Resource`.
    Trust,
    /// Service control policy.
    Scp,
    /// Resource control policy: `Principal` required (always `"*"`).
    Rcp,
    /// Permissions boundary.
    Boundary,
    /// Session policy.
    Session,
    /// Unknown: decided per statement (a `Principal` makes it resource-based).
    Auto,
}

impl PolicyType {
    fn takes_principal(self) -> Option<bool> {
        match self {
            PolicyType::Resource | PolicyType::Trust | PolicyType::Rcp => Some(true),
            PolicyType::Auto => None,
            _ => Some(false),
        }
    }
}

/// The catalog used to warn about unknown actions.
#[derive(Clone, Copy)]
pub struct ActionChecker<'a> {
    /// The catalog.
    pub catalog: &'a Catalog,
    /// Whether it lists every service (so an unknown service is worth a warning).
    pub complete: bool,
}

/// Options for reading a policy.
#[derive(Clone, Copy)]
pub struct PolicyOptions<'a> {
    /// The policy type.
    pub ptype: PolicyType,
    /// Catalog for unknown-action warnings (none: no such warnings).
    pub actions: Option<ActionChecker<'a>>,
}

const POLICY_KEYS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Finds the policy document inside what AWS CLI commands return and reads it:
/// a document object, a JSON string holding one, `{"Policy": "..."}`
/// (`get-bucket-policy`, `get-key-policy`, `lambda get-policy`),
/// `{"ResourcePolicy": "..."}` (Secrets Manager), `{"Attributes": {"Policy": "..."}}`
/// (SQS), `{"Policy": {"Content": "..."}}` (`organizations describe-policy`),
/// `{"PolicyVersion": {"Document": ...}}` (`iam get-policy-version`).
pub fn read_policy_value(
    json: &Json,
    path: &JsonPath,
    name: &str,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<Policy> {
    match &json.value {
        JsonValue::String(inner) => {
            let parsed = match iamx_model::json::parse(inner) {
                Ok(p) => p,
                Err(e) => {
                    sink.error(
                        json.span,
                        path,
                        format!("invalid JSON in embedded policy document: {} (at byte {} of the string, inner path {})", e.message, e.offset, e.path),
                    );
                    return None;
                }
            };
            let outer_path = match &sink.embedded {
                Some((_, p)) => format!(
                    "{p}<json>{}",
                    path.as_str().strip_prefix('$').unwrap_or(path.as_str())
                ),
                None => path.to_string(),
            };
            let outer_span = sink.embedded.as_ref().map_or(json.span, |(s, _)| *s);
            let mut inner_sink = Sink {
                src: sink.src,
                diags: &mut *sink.diags,
                embedded: Some((outer_span, outer_path)),
            };
            read_policy_value(&parsed, &JsonPath::root(), name, opts, &mut inner_sink)
        }
        JsonValue::Object(_) => {
            if json.get("Statement").is_some() {
                return read_policy(json, path, name, opts, sink);
            }
            for key in [
                "Policy",
                "ResourcePolicy",
                "Content",
                "Document",
                "PolicyDocument",
                "PolicyVersion",
                "Attributes",
            ] {
                if let Some(inner) = json.get(key) {
                    return read_policy_value(inner, &path.key(key), name, opts, sink);
                }
            }
            sink.error_help(
                json.span,
                path,
                "expected a policy document (an object with `Statement`)",
                "a policy may also be given as a JSON string, or as `get-bucket-policy`/`describe-policy` output",
            );
            None
        }
        _ => {
            sink.error(
                json.span,
                path,
                format!(
                    "expected a policy document (an object or a JSON string), found {}",
                    json.kind_name()
                ),
            );
            None
        }
    }
}

/// Reads one policy document object.
pub fn read_policy(
    json: &Json,
    path: &JsonPath,
    name: &str,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<Policy> {
    if json.as_object().is_none() {
        sink.error(
            json.span,
            path,
            format!(
                "expected a policy document object, found {}",
                json.kind_name()
            ),
        );
        return None;
    }
    sink.unknown_keys(json, path, &POLICY_KEYS, "policy");
    let variables = match json.get("Version") {
        None => false,
        Some(v) => match v.as_str() {
            Some("2012-10-17") => true,
            Some("2008-10-17") => false,
            Some(other) => {
                sink.error_help(
                    v.span,
                    &path.key("Version"),
                    format!("unknown policy version `{other}`"),
                    "use `2012-10-17` (or the older `2008-10-17`)",
                );
                true
            }
            None => {
                sink.error(
                    v.span,
                    &path.key("Version"),
                    format!("`Version` must be a string, found {}", v.kind_name()),
                );
                true
            }
        },
    };
    let Some(st) = json.get("Statement") else {
        sink.error(json.span, path, "policy has no `Statement`");
        return None;
    };
    let spath = path.key("Statement");
    let name: Arc<str> = Arc::from(name);
    let mut statements = Vec::new();
    match &st.value {
        JsonValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(s) =
                    read_statement(item, &spath.index(i), i, &name, variables, opts, sink)
                {
                    statements.push(s);
                }
            }
        }
        JsonValue::Object(_) => {
            if let Some(s) = read_statement(st, &spath, 0, &name, variables, opts, sink) {
                statements.push(s);
            }
        }
        _ => {
            sink.error(
                st.span,
                &spath,
                format!(
                    "`Statement` must be an object or an array of objects, found {}",
                    st.kind_name()
                ),
            );
            return None;
        }
    }
    Some(Policy::new(name, statements))
}

fn strings<'j>(
    json: &'j Json,
    path: &JsonPath,
    what: &str,
    sink: &mut Sink<'_>,
) -> Option<Vec<(&'j str, &'j Json, JsonPath)>> {
    match &json.value {
        JsonValue::String(s) => Some(vec![(s.as_str(), json, path.clone())]),
        JsonValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                match it.as_str() {
                    Some(s) => out.push((s, it, path.index(i))),
                    None => {
                        sink.error(
                            it.span,
                            &path.index(i),
                            format!("`{what}` entries must be strings, found {}", it.kind_name()),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }
        _ => {
            sink.error(
                json.span,
                path,
                format!(
                    "`{what}` must be a string or an array of strings, found {}",
                    json.kind_name()
                ),
            );
            None
        }
    }
}

#[allow(clippy::too_many_lines)]
fn read_statement(
    json: &Json,
    path: &JsonPath,
    index: usize,
    policy: &Arc<str>,
    variables: bool,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<Statement> {
    if json.as_object().is_none() {
        sink.error(
            json.span,
            path,
            format!("a statement must be an object, found {}", json.kind_name()),
        );
        return None;
    }
    sink.unknown_keys(json, path, &STATEMENT_KEYS, "statement");
    let sid = match json.get("Sid") {
        None => None,
        Some(v) => match v.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                sink.warn(
                    v.span,
                    &path.key("Sid"),
                    format!("`Sid` should be a string, found {}", v.kind_name()),
                );
                None
            }
        },
    };
    let mut ok = true;
    let effect = match json.get("Effect") {
        None => {
            sink.error(
                json.span,
                path,
                "statement has no `Effect` (expected `Allow` or `Deny`)",
            );
            ok = false;
            Effect::Allow
        }
        Some(v) => match v.as_str() {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            Some(other) => {
                let help = if other.eq_ignore_ascii_case("allow")
                    || iamx_model::source::edit_distance(other, "Allow") <= 2
                {
                    "did you mean `Allow`?"
                } else if other.eq_ignore_ascii_case("deny")
                    || iamx_model::source::edit_distance(other, "Deny") <= 2
                {
                    "did you mean `Deny`?"
                } else {
                    "`Effect` is `Allow` or `Deny`"
                };
                sink.error_help(
                    v.span,
                    &path.key("Effect"),
                    format!("invalid `Effect` `{other}`"),
                    help,
                );
                ok = false;
                Effect::Allow
            }
            None => {
                sink.error(
                    v.span,
                    &path.key("Effect"),
                    format!("`Effect` must be a string, found {}", v.kind_name()),
                );
                ok = false;
                Effect::Allow
            }
        },
    };

    // Principal / NotPrincipal
    let principal = match (json.get("Principal"), json.get("NotPrincipal")) {
        (Some(_), Some(np)) => {
            sink.error(
                np.span,
                &path.key("NotPrincipal"),
                "statement has both `Principal` and `NotPrincipal`",
            );
            ok = false;
            None
        }
        (Some(p), None) => read_principal(p, &path.key("Principal"), false, sink).or_else(|| {
            ok = false;
            None
        }),
        (None, Some(p)) => read_principal(p, &path.key("NotPrincipal"), true, sink).or_else(|| {
            ok = false;
            None
        }),
        (None, None) => None,
    };
    if let (Some(spec), Some(np)) = (&principal, json.get("NotPrincipal"))
        && spec.negated
    {
        if effect == Effect::Allow {
            sink.warn(
                np.span,
                &path.key("NotPrincipal"),
                "AWS does not support `NotPrincipal` with `\"Effect\": \"Allow\"` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html); iamx reads it as AWS's older documentation did: every principal except the ones named",
            );
        }
        if matches!(opts.ptype, PolicyType::Trust | PolicyType::Rcp) {
            sink.warn(
                np.span,
                &path.key("NotPrincipal"),
                "AWS does not support `NotPrincipal` in role trust policies or resource control policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)",
            );
        }
    }
    match (opts.ptype.takes_principal(), &principal) {
        (Some(true), None) if ok => {
            sink.error(
                json.span,
                path,
                "a resource-based policy statement needs `Principal` or `NotPrincipal`",
            );
            ok = false;
        }
        (Some(false), Some(_)) => {
            sink.warn(
                json.span,
                path,
                "`Principal` has no meaning in this policy type and is ignored",
            );
        }
        _ => {}
    }
    let principal = if opts.ptype.takes_principal() == Some(false) {
        None
    } else {
        principal
    };

    // Action / NotAction
    let action = match (json.get("Action"), json.get("NotAction")) {
        (Some(_), Some(na)) => {
            sink.error(
                na.span,
                &path.key("NotAction"),
                "statement has both `Action` and `NotAction`",
            );
            None
        }
        (None, None) => {
            sink.error(
                json.span,
                path,
                "statement has neither `Action` nor `NotAction`",
            );
            None
        }
        (Some(a), None) => read_actions(a, &path.key("Action"), false, opts, sink),
        (None, Some(a)) => read_actions(a, &path.key("NotAction"), true, opts, sink),
    };
    let action = action?;

    // Resource / NotResource
    let resource = match (json.get("Resource"), json.get("NotResource")) {
        (Some(_), Some(nr)) => {
            sink.error(
                nr.span,
                &path.key("NotResource"),
                "statement has both `Resource` and `NotResource`",
            );
            return None;
        }
        (None, None) => {
            let trust_like = opts.ptype == PolicyType::Trust
                || (opts.ptype == PolicyType::Auto && principal.is_some());
            if !trust_like {
                sink.error(
                    json.span,
                    path,
                    "statement has neither `Resource` nor `NotResource`",
                );
                return None;
            }
            None
        }
        (Some(r), None) => Some(read_resources(
            r,
            &path.key("Resource"),
            false,
            variables,
            sink,
        )?),
        (None, Some(r)) => Some(read_resources(
            r,
            &path.key("NotResource"),
            true,
            variables,
            sink,
        )?),
    };

    let condition = match json.get("Condition") {
        None => Condition::True,
        Some(c) => read_condition(c, &path.key("Condition"), variables, sink),
    };
    if !ok {
        return None;
    }
    if opts.ptype == PolicyType::Rcp && effect == Effect::Allow {
        let full = !action.negated
            && action.patterns.iter().any(Pattern::is_any)
            && resource
                .as_ref()
                .is_some_and(|r| !r.negated && r.patterns.iter().any(Pattern::is_any))
            && condition.is_true();
        if !full {
            sink.warn(
                json.span,
                path,
                "an RCP may allow only as RCPFullAWSAccess does (everything, unconditionally); AWS attaches that policy at every level, so this Allow changes nothing and iamx reads only the RCP's denies (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html)",
            );
        }
    }
    let (line, column) = sink.position(json.span);
    Some(Statement {
        effect,
        principal,
        action,
        resource,
        condition,
        origin: Arc::new(Origin {
            file: Some(sink.src.name.clone()),
            policy: policy.clone(),
            statement: index,
            sid,
            line,
            column,
        }),
    })
}

fn read_principal(
    json: &Json,
    path: &JsonPath,
    negated: bool,
    sink: &mut Sink<'_>,
) -> Option<PrincipalSpec> {
    let mut entries = Vec::new();
    match &json.value {
        JsonValue::String(s) if s == "*" => entries.push(PrincipalEntry::Anyone),
        JsonValue::String(s) => {
            sink.error_help(
                json.span,
                path,
                format!("invalid principal `{s}`"),
                "a principal is `\"*\"` or an object such as `{\"AWS\": \"arn:aws:iam::111122223333:root\"}`",
            );
            return None;
        }
        JsonValue::Object(members) => {
            for (k, v) in members {
                let kpath = path.key(&k.name);
                let values = strings(v, &kpath, &k.name, sink)?;
                for (s, vj, vpath) in values {
                    let entry = match k.name.as_str() {
                        "AWS" => aws_principal(s, vj, &vpath, sink)?,
                        "Service" => PrincipalEntry::Service(s.to_ascii_lowercase()),
                        "Federated" => PrincipalEntry::Federated(s.to_owned()),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(s.to_owned()),
                        other => {
                            sink.error_help(
                                k.span,
                                &kpath,
                                format!("unknown principal type `{other}`"),
                                "principal types are `AWS`, `Service`, `Federated` and `CanonicalUser`",
                            );
                            return None;
                        }
                    };
                    entries.push(entry);
                }
            }
        }
        _ => {
            sink.error(
                json.span,
                path,
                format!(
                    "a principal must be `\"*\"` or an object, found {}",
                    json.kind_name()
                ),
            );
            return None;
        }
    }
    Some(PrincipalSpec { negated, entries })
}

fn aws_principal(
    s: &str,
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) -> Option<PrincipalEntry> {
    if s == "*" {
        return Some(PrincipalEntry::Anyone);
    }
    if is_account_id(s) {
        return Some(PrincipalEntry::Account(s.to_owned()));
    }
    match crate::arn::parse_arn(s) {
        Ok(arn) => {
            if arn.service == "iam" && arn.resource == "root" {
                Some(PrincipalEntry::Account(arn.account.to_owned()))
            } else {
                Some(PrincipalEntry::Arn(s.to_owned()))
            }
        }
        Err(e) => {
            // IAM stores a deleted principal as its unique id (AIDA…, AROA…)
            let unique_id = s.len() >= 16
                && s.starts_with('A')
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if unique_id {
                sink.warn(json.span, path, format!("principal `{s}` is a unique id (the principal was probably deleted); it matches no caller"));
                Some(PrincipalEntry::Arn(s.to_owned()))
            } else {
                sink.error(json.span, path, format!("invalid AWS principal: {e}"));
                None
            }
        }
    }
}

fn read_actions(
    json: &Json,
    path: &JsonPath,
    negated: bool,
    opts: PolicyOptions<'_>,
    sink: &mut Sink<'_>,
) -> Option<ActionSpec> {
    let what = if negated { "NotAction" } else { "Action" };
    let values = strings(json, path, what, sink)?;
    if values.is_empty() {
        // a Deny naming no action would deny nothing: AWS refuses it
        sink.error(
            json.span,
            path,
            format!("`{what}` is an empty list; AWS refuses a statement that names no action"),
        );
        return None;
    }
    let mut patterns = Vec::with_capacity(values.len());
    for (s, vj, vpath) in values {
        if s != "*" && !s.contains(':') {
            sink.error_help(
                vj.span,
                &vpath,
                format!("invalid action `{s}`"),
                "an action is `service:Name`, e.g. `s3:GetObject`, or `*`",
            );
            return None;
        }
        if let Some(checker) = opts.actions {
            check_action(checker, s, vj, &vpath, sink);
        }
        patterns.push(Pattern::glob(s, Case::Insensitive));
    }
    Some(ActionSpec { negated, patterns })
}

fn check_action(
    checker: ActionChecker<'_>,
    s: &str,
    json: &Json,
    path: &JsonPath,
    sink: &mut Sink<'_>,
) {
    match checker.catalog.check_action(s) {
        ActionCheck::Known | ActionCheck::MatchesSome(_) => {}
        ActionCheck::UnknownService { service } => {
            if checker.complete {
                sink.warn(
                    json.span,
                    path,
                    format!("unknown service `{service}` in action `{s}`"),
                );
            }
        }
        ActionCheck::UnknownAction { suggestion } => match suggestion {
            Some(sug) => sink.warn_help(
                json.span,
                path,
                format!("unknown action `{s}`"),
                format!("did you mean `{sug}`?"),
            ),
            None => sink.warn(json.span, path, format!("unknown action `{s}`")),
        },
        ActionCheck::MatchesNothing => {
            sink.warn(
                json.span,
                path,
                format!("action pattern `{s}` matches no known action"),
            );
        }
    }
}

fn read_resources(
    json: &Json,
    path: &JsonPath,
    negated: bool,
    variables: bool,
    sink: &mut Sink<'_>,
) -> Option<ResourceSpec> {
    let what = if negated { "NotResource" } else { "Resource" };
    let values = strings(json, path, what, sink)?;
    if values.is_empty() {
        sink.error(
            json.span,
            path,
            format!("`{what}` is an empty list; AWS refuses a statement that names no resource"),
        );
        return None;
    }
    let mut patterns = Vec::with_capacity(values.len());
    let syntax = PatternSyntax {
        wildcards: true,
        variables,
        case: Case::Sensitive,
    };
    for (s, vj, vpath) in values {
        if s != "*"
            && let Err(e) = parse_arn_pattern(s)
        {
            sink.error(vj.span, &vpath, format!("invalid resource: {e}"));
            return None;
        }
        match parse_pattern(s, syntax) {
            Ok(p) => patterns.push(p),
            Err(e) => {
                sink.error(vj.span, &vpath, e.to_string());
                return None;
            }
        }
    }
    Some(ResourceSpec { negated, patterns })
}

/// Splits `ForAnyValue:StringLikeIfExists` into its parts.
fn parse_operator(name: &str) -> Option<(SetQualifier, AwsOp, bool)> {
    let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
        (SetQualifier::ForAnyValue, r)
    } else if let Some(r) = name.strip_prefix("ForAllValues:") {
        (SetQualifier::ForAllValues, r)
    } else {
        (SetQualifier::Single, name)
    };
    if let Some(op) = AwsOp::from_name(rest) {
        return Some((qualifier, op, false));
    }
    let base = rest.strip_suffix("IfExists")?;
    let op = AwsOp::from_name(base)?;
    if op == AwsOp::Null {
        return None;
    }
    Some((qualifier, op, true))
}

fn operator_suggestion(name: &str) -> Option<String> {
    let bare = name
        .trim_start_matches("ForAnyValue:")
        .trim_start_matches("ForAllValues:")
        .trim_end_matches("IfExists");
    AwsOp::ALL
        .iter()
        .map(|op| {
            (
                iamx_model::source::edit_distance(
                    &bare.to_ascii_lowercase(),
                    &op.name().to_ascii_lowercase(),
                ),
                op,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, op)| format!("did you mean `{}`?", name.replace(bare, op.name())))
}

fn read_condition(json: &Json, path: &JsonPath, variables: bool, sink: &mut Sink<'_>) -> Condition {
    let Some(members) = json.as_object() else {
        sink.error(
            json.span,
            path,
            format!("`Condition` must be an object, found {}", json.kind_name()),
        );
        return Condition::Unsupported(Reason::new("malformed `Condition` element"));
    };
    let mut clauses = Vec::new();
    for (k, v) in members {
        let opath = path.key(&k.name);
        let Some((qualifier, op, if_exists)) = parse_operator(&k.name) else {
            let help = operator_suggestion(&k.name)
                .unwrap_or_else(|| "see the IAM condition operators reference".to_owned());
            sink.error_help(
                k.span,
                &opath,
                format!("unknown condition operator `{}`", k.name),
                help,
            );
            clauses.push(Condition::Unsupported(Reason::new(format!(
                "unknown condition operator `{}`",
                k.name
            ))));
            continue;
        };
        let Some(keys) = v.as_object() else {
            sink.error(
                v.span,
                &opath,
                format!(
                    "condition operator `{}` must map keys to values, found {}",
                    k.name,
                    v.kind_name()
                ),
            );
            clauses.push(Condition::Unsupported(Reason::new(format!(
                "malformed `{}` block",
                k.name
            ))));
            continue;
        };
        for (key, vals) in keys {
            let kpath = opath.key(&key.name);
            match read_clause(
                op, qualifier, if_exists, &key.name, vals, &kpath, variables, sink,
            ) {
                Some(c) => clauses.push(Condition::Aws(Box::new(c))),
                None => clauses.push(Condition::Unsupported(Reason::new(format!(
                    "malformed condition `{}` on `{}`",
                    k.name, key.name
                )))),
            }
        }
    }
    if clauses.is_empty() {
        Condition::True
    } else {
        Condition::All(clauses)
    }
}

#[allow(clippy::too_many_arguments)]
fn read_clause(
    op: AwsOp,
    qualifier: SetQualifier,
    if_exists: bool,
    key: &str,
    json: &Json,
    path: &JsonPath,
    variables: bool,
    sink: &mut Sink<'_>,
) -> Option<AwsClause> {
    let items: Vec<(&Json, JsonPath)> = match &json.value {
        JsonValue::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| (x, path.index(i)))
            .collect(),
        _ => vec![(json, path.clone())],
    };
    if items.is_empty() {
        sink.warn(
            json.span,
            path,
            format!("condition `{op}` on `{key}` has no values and never matches"),
        );
    }
    let mut values = Vec::with_capacity(items.len());
    for (item, ipath) in items {
        let text: String = match &item.value {
            JsonValue::String(s) => s.clone(),
            JsonValue::Number(n) => n.clone(),
            JsonValue::Bool(b) => b.to_string(),
            _ => {
                sink.error(
                    item.span,
                    &ipath,
                    format!(
                        "a condition value must be a string, number or boolean, found {}",
                        item.kind_name()
                    ),
                );
                return None;
            }
        };
        let bad = |sink: &mut Sink<'_>, what: &str| {
            sink.error(
                item.span,
                &ipath,
                format!("`{op}` needs {what}, found `{text}`"),
            );
        };
        let v = match op.value_kind() {
            iamx_model::condition::ValueKind::String
            | iamx_model::condition::ValueKind::Arn
            | iamx_model::condition::ValueKind::Binary => {
                let case = if matches!(
                    op,
                    AwsOp::StringEqualsIgnoreCase | AwsOp::StringNotEqualsIgnoreCase
                ) {
                    Case::Insensitive
                } else {
                    Case::Sensitive
                };
                let syntax = PatternSyntax {
                    wildcards: op.has_wildcards(),
                    variables: variables && op.accepts_variables(),
                    case,
                };
                match parse_pattern(&text, syntax) {
                    Ok(p) => CondValue::Str(p),
                    Err(e) => {
                        sink.error(item.span, &ipath, e.to_string());
                        return None;
                    }
                }
            }
            iamx_model::condition::ValueKind::Number => match parse_number(&text) {
                Some(n) => CondValue::Num(n),
                None => {
                    bad(sink, "a number");
                    return None;
                }
            },
            iamx_model::condition::ValueKind::Date => match parse_date(&text) {
                Some(d) => CondValue::Date(d),
                None => {
                    bad(sink, "a date (ISO 8601 or epoch seconds)");
                    return None;
                }
            },
            iamx_model::condition::ValueKind::Bool | iamx_model::condition::ValueKind::Null => {
                if text.eq_ignore_ascii_case("true") {
                    CondValue::Bool(true)
                } else if text.eq_ignore_ascii_case("false") {
                    CondValue::Bool(false)
                } else {
                    bad(sink, "`true` or `false`");
                    return None;
                }
            }
            iamx_model::condition::ValueKind::Ip => match Cidr::parse(&text) {
                Some(c) => CondValue::Ip(c),
                None => {
                    bad(sink, "an IP address or CIDR range");
                    return None;
                }
            },
        };
        values.push(v);
    }
    Some(AwsClause {
        op,
        qualifier,
        if_exists,
        key: key.to_owned(),
        key_lc: key.to_ascii_lowercase(),
        values,
    })
}

/// Reads a standalone policy text (for tests, fuzzing and `--request` files).
pub fn parse_policy_text(
    name: &str,
    text: &str,
    opts: PolicyOptions<'_>,
) -> (Option<Policy>, Vec<iamx_model::Diagnostic>) {
    let src = Source::new(name, text);
    let mut diags = Vec::new();
    let json = match src.parse_json() {
        Ok(j) => j,
        Err(d) => return (None, vec![d]),
    };
    let mut sink = Sink {
        src: &src,
        diags: &mut diags,
        embedded: None,
    };
    let p = read_policy_value(&json, &JsonPath::root(), name, opts, &mut sink);
    (p, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(text: &str, ptype: PolicyType) -> Vec<String> {
        let (p, d) = parse_policy_text(
            "p.json",
            text,
            PolicyOptions {
                ptype,
                actions: None,
            },
        );
        assert!(p.is_some(), "{d:?}");
        d.iter()
            .filter(|x| !x.is_error())
            .map(|x| x.message.clone())
            .collect()
    }

    #[test]
    fn an_rcp_allow_other_than_full_access_is_flagged() {
        let doc = |st: &str| format!(r#"{{"Version": "2012-10-17", "Statement": [{st}]}}"#);
        let full = r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}"#;
        assert!(warnings(&doc(full), PolicyType::Rcp).is_empty());
        let deny = r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}"#;
        assert!(warnings(&doc(deny), PolicyType::Rcp).is_empty());
        let partial = r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}"#;
        let w = warnings(&doc(partial), PolicyType::Rcp);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("RCPFullAWSAccess"), "{w:?}");
        // the same statement in a bucket policy is an ordinary grant
        assert!(warnings(&doc(partial), PolicyType::Resource).is_empty());
    }

    #[test]
    fn not_principal_with_allow_is_flagged() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/a"}, "Action": "s3:GetObject", "Resource": "*"}]}"#;
        let w = warnings(text, PolicyType::Resource);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("does not support `NotPrincipal`"), "{w:?}");
        let deny = text.replace("\"Allow\"", "\"Deny\"");
        assert!(warnings(&deny, PolicyType::Resource).is_empty());
    }
}
