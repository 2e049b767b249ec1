//! Reading one side of a comparison or check: a policy, role or
//! assignment file, or a role named in inputs loaded with `--with`.

use super::rbac::{AzureGrants, GcpGrants, Grants};
use crate::Workspace;
use iamx_aws::{PolicyOptions, PolicyType};
use iamx_model::source::Source;
use iamx_model::{Diagnostic, Severity};
use std::path::Path;
use std::sync::Arc;

fn error(name: &str, message: String, help: Option<&str>) -> Vec<Diagnostic> {
    vec![Diagnostic {
        severity: Severity::Error,
        message,
        file: Some(Arc::from(name)),
        line: 0,
        column: 0,
        path: String::new(),
        help: help.map(str::to_owned),
    }]
}

/// Reads one side: `what` is a file (an AWS policy document, a GCP role or
/// allow policy, an Azure role definition or role assignments of one
/// principal at one scope), or the name of a role the `with` inputs define
/// (`roles/storage.objectViewer`, `Storage Blob Data Reader`, or an Azure
/// role's GUID). Returns the side and the warnings of reading it; errors
/// are located diagnostics.
pub fn load_grants(
    what: &str,
    with: &Workspace,
) -> Result<(Grants, Vec<Diagnostic>), Vec<Diagnostic>> {
    let path = Path::new(what);
    if path.is_dir() {
        return Err(error(
            what,
            format!("`{what}` is a directory"),
            Some(
                "give one policy, role or role-assignment file per side; compare two directories as environments with `--env`",
            ),
        ));
    }
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| error(what, format!("cannot read `{what}`: {e}"), None))?;
        return from_text(what, text, with);
    }
    named_role(what, with).map(|g| (g, Vec::new())).ok_or_else(|| {
        error(
            what,
            format!("`{what}` is neither a file nor a role the `--with` inputs define"),
            Some("name a GCP role (`roles/storage.objectViewer`) or an Azure role (`Storage Blob Data Reader`, or its GUID) and load its definition with `--with FILE_OR_DIR`"),
        )
    })
}

/// Reads one side from text already in hand (a file at a git revision):
/// like [`load_grants`] for a file named `name`.
pub fn load_grants_text(
    name: &str,
    text: String,
    with: &Workspace,
) -> Result<(Grants, Vec<Diagnostic>), Vec<Diagnostic>> {
    from_text(name, text, with)
}

fn named_role(name: &str, with: &Workspace) -> Option<Grants> {
    let gcp = &with.gcp;
    for n in [name.to_owned(), format!("roles/{name}")] {
        if let Some(r) = gcp.roles.get(&n) {
            return Some(Grants::Gcp(GcpGrants::role(&r.name, r.grant())));
        }
    }
    let lc = name.to_ascii_lowercase();
    with.azure
        .roles
        .values()
        .find(|r| r.guid == lc || r.name.eq_ignore_ascii_case(name))
        .map(|r| Grants::Azure(AzureGrants::role(r)))
}

fn split(diags: Vec<Diagnostic>) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(diags)
    }
}

fn from_text(
    name: &str,
    text: String,
    with: &Workspace,
) -> Result<(Grants, Vec<Diagnostic>), Vec<Diagnostic>> {
    let src = Source::new(name, text);
    let json = match src.parse_json() {
        Ok(j) => j,
        // an NDJSON export (Cloud Asset Inventory), or an error
        Err(d) => {
            return match iamx_gcp::load_source(&src) {
                Ok(Some(l)) => gcp_from_load(name, l, with),
                Ok(None) => Err(vec![d]),
                Err(e) => Err(vec![e]),
            };
        }
    };
    if let Some(l) = iamx_azure::load_json(&src, &json) {
        let warnings = split(l.diagnostics.clone())?;
        return azure_from_load(name, l, with).map(|g| (g, warnings));
    }
    if iamx_gcp::detect(&json) == Some(iamx_gcp::GcpFormat::BareIamPolicy) {
        let (pol, diags) = iamx_gcp::read_bare_allow_policy(&src, &json, name);
        let warnings = split(diags)?;
        let grants = GcpGrants::policy(name, &pol.bindings, "*", |r| with.gcp.grant(r));
        return Ok((Grants::Gcp(grants), warnings));
    }
    if let Some(l) = iamx_gcp::load_json(&src, &json) {
        return gcp_from_load(name, l, with);
    }
    // `Auto` keeps `Principal`/`NotPrincipal`, so that the reasoner sees a
    // resource-based policy for what it is and answers `unknown` instead of
    // comparing it as an identity policy
    let opts = PolicyOptions {
        ptype: PolicyType::Auto,
        actions: None,
    };
    let (p, diags) = iamx_aws::parse_policy_text(name, &src.text, opts);
    let warnings = split(diags)?;
    match p {
        Some(p) => Ok((Grants::Aws(Arc::new(p)), warnings)),
        None => Err(error(name, "no policy could be read".to_owned(), None)),
    }
}

fn gcp_from_load(
    name: &str,
    l: iamx_gcp::GcpFileLoad,
    with: &Workspace,
) -> Result<(Grants, Vec<Diagnostic>), Vec<Diagnostic>> {
    use iamx_gcp::GcpFormat::*;
    let warnings = split(l.diagnostics)?;
    let env = l.env;
    let grants = match l.format {
        Some(Role | RoleList) => {
            let mut roles = env.roles.values();
            match (roles.next(), roles.next()) {
                (Some(r), None) => GcpGrants::role(&r.name, r.grant()),
                _ => {
                    return Err(error(
                        name,
                        format!("`{name}` holds {} roles", env.roles.len()),
                        Some(
                            "name one: load the file with `--with` and give the role's name instead of the file",
                        ),
                    ));
                }
            }
        }
        Some(IamPolicies | AssetInventory | IamPolicySearch) => {
            let mut resources = env.allow.iter();
            match (resources.next(), resources.next()) {
                (Some((resource, pols)), None) => {
                    let bindings: Vec<iamx_gcp::Binding> = pols
                        .iter()
                        .flat_map(|p| p.bindings.iter().cloned())
                        .collect();
                    let grant = |role: &str| match env.roles.get(role) {
                        Some(r) => r.grant(),
                        None => with.gcp.grant(role),
                    };
                    GcpGrants::policy(name, &bindings, resource, grant)
                }
                (None, _) => {
                    return Err(error(name, format!("`{name}` holds no allow policy"), None));
                }
                (Some(_), Some(_)) => {
                    return Err(error(
                        name,
                        format!(
                            "`{name}` holds the allow policies of {} resources",
                            env.allow.len()
                        ),
                        Some("compare whole environments with `--env`"),
                    ));
                }
            }
        }
        other => {
            return Err(error(
                name,
                format!(
                    "`{name}` is {}, not a role or an allow policy",
                    other.map_or("a GCP input", iamx_gcp::GcpFormat::name)
                ),
                None,
            ));
        }
    };
    Ok((Grants::Gcp(grants), warnings))
}

fn azure_from_load(
    name: &str,
    l: iamx_azure::AzureFileLoad,
    with: &Workspace,
) -> Result<Grants, Vec<Diagnostic>> {
    let env = l.env;
    if !env.assignments.is_empty() {
        let first = env.assignments.first();
        let same = |a: &iamx_azure::RoleAssignment| {
            first.is_some_and(|f| {
                f.principal_id == a.principal_id
                    && f.scope
                        .trim_end_matches('/')
                        .eq_ignore_ascii_case(a.scope.trim_end_matches('/'))
            })
        };
        if !env.assignments.iter().all(same) {
            return Err(error(
                name,
                format!("`{name}` holds role assignments of several principals or scopes"),
                Some(
                    "a side is the assignments of one principal at one scope; compare whole environments with `--env`, or two principals with `--principal A --principal B`",
                ),
            ));
        }
        let mut roles = with.azure.roles.clone();
        roles.extend(env.roles.clone());
        return Ok(Grants::Azure(AzureGrants::assignments(
            name,
            &env.assignments,
            roles,
        )));
    }
    let mut roles = env.roles.values();
    match (roles.next(), roles.next()) {
        (Some(r), None) => Ok(Grants::Azure(AzureGrants::role(r))),
        (Some(_), Some(_)) => Err(error(
            name,
            format!("`{name}` holds {} role definitions", env.roles.len()),
            Some(
                "name one: load the file with `--with` and give the role's name instead of the file",
            ),
        )),
        (None, _) => Err(error(
            name,
            format!(
                "`{name}` is {}, not a role definition or role assignments",
                l.format.name()
            ),
            None,
        )),
    }
}

/// The cloud of the inputs at `paths`: the first file whose format one
/// cloud's readers recognise (Azure, then GCP, then AWS, as loading does).
pub fn detect_provider(paths: &[std::path::PathBuf]) -> Option<crate::Provider> {
    let files = crate::collect_files(paths).ok()?;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let src = Source::new(f.display().to_string(), text);
        let Ok(json) = src.parse_json() else {
            // NDJSON: a Cloud Asset Inventory export
            if matches!(iamx_gcp::load_source(&src), Ok(Some(_))) {
                return Some(crate::Provider::Gcp);
            }
            continue;
        };
        if iamx_azure::detect(&json).is_some() {
            return Some(crate::Provider::Azure);
        }
        if iamx_gcp::detect(&json).is_some() {
            return Some(crate::Provider::Gcp);
        }
        if iamx_aws::detect(&json).is_some() {
            return Some(crate::Provider::Aws);
        }
    }
    None
}
