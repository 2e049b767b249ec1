//! The escalation technique catalogs: one reviewed data file per cloud
//! (`data/escalation/*.json`), compiled in. Each entry names the
//! permissions a technique needs, what each applies to, the preconditions
//! iamx checks, and its effect; the escalation analyses interpret the
//! entries, so a technique is added by adding an entry.

use serde::Deserialize;
use std::sync::OnceLock;

/// What a technique gives the caller.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The caller gets the target's credentials or a session as it.
    ActAs,
    /// The caller rewrites what the target may do: whoever can act as the
    /// target then holds what the caller wrote, within the target's caps.
    ChangePermissions,
    /// The caller makes itself a member of the target group.
    JoinGroup,
    /// The caller passes the role to a service that runs the caller's code
    /// as it.
    RunCodeAs,
    /// A resource that already runs as the role takes the caller's code.
    ReachExisting,
    /// Two entries in sequence; found by composing them.
    Composite,
    /// The caller may name the target in a chain of delegates (GCP
    /// `implicitDelegation`): it gains the target's own token-minting
    /// steps, not the target's permissions.
    Delegate,
}

/// The kind of principal, group or policy a technique acts on.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    User,
    Role,
    Group,
    Policy,
    /// A GCP service account.
    ServiceAccount,
    /// A GCP organization, folder or project.
    Container,
    /// A GCP custom role.
    CustomRole,
    /// An Azure scope (management group, subscription, resource group, resource).
    Scope,
    /// An Azure custom role definition.
    RoleDefinition,
    /// An Azure managed identity or service principal.
    Identity,
}

/// A condition on the caller or the target that iamx checks.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Precondition {
    /// The target is not the caller itself.
    NotSelf,
    /// The target is a customer managed policy (AWS managed policies
    /// cannot be changed by any customer).
    CustomerManaged,
    /// A stored, non-default version of the policy grants more than the
    /// default one.
    StoredVersionGrantsMore,
    /// The caller is an IAM user.
    CallerIsUser,
    /// The role's trust policy admits the caller (decided by the evaluator).
    TrustAdmitsCaller,
    /// The target user holds no Entra directory role (password resets by
    /// the helpdesk roles reach only such users).
    TargetHoldsNoDirectoryRole,
}

/// One permission a technique needs, and what it applies to.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// The action.
    pub action: String,
    /// `target` (the target's ARN), `passed-role` (`iam:PassRole` on the
    /// role, with `iam:PassedToService` one of the technique's services),
    /// or the ARN pattern of the service resource it acts on, `{account}`
    /// standing for the caller's account.
    pub on: String,
}

/// One catalog entry.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    /// The id, as the source names it where it has one.
    pub id: String,
    /// Where the technique is published.
    pub source: String,
    /// What the caller does, in a few words.
    pub name: String,
    /// What it gives.
    pub effect: Effect,
    /// What it acts on.
    pub target: TargetKind,
    /// The permissions it needs.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// For `run-code-as` and `reach-existing`: the service principals one
    /// of which the role must trust.
    #[serde(default)]
    pub services: Vec<String>,
    /// For `reach-existing`: the kind of resource that runs as the role.
    #[serde(default)]
    pub resource: Option<String>,
    /// What iamx checks besides the permissions.
    #[serde(default)]
    pub preconditions: Vec<Precondition>,
    /// For `composite`: the entries it is made of, in order.
    #[serde(default)]
    pub composed_of: Vec<String>,
    /// For GCP `run-code-as` entries whose service runs as its own account:
    /// that account's email, `{number}` the project's number.
    #[serde(default)]
    pub runs_as: Option<String>,
    /// For Azure entries a directory role gives: the Entra role template
    /// ids that hold its permissions.
    #[serde(default)]
    pub directory_roles: Vec<String>,
}

impl Technique {
    /// Whether the entry has the precondition.
    pub fn requires(&self, p: Precondition) -> bool {
        self.preconditions.contains(&p)
    }

    /// The permissions, joined with ` + ` (the passed role's PassRole
    /// first, as the entry lists them).
    pub fn permission_text(&self) -> String {
        let v: Vec<&str> = self.permissions.iter().map(|p| p.action.as_str()).collect();
        v.join(" + ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    cloud: String,
    #[allow(dead_code)]
    about: String,
    techniques: Vec<Technique>,
}

const AWS_CATALOG: &str = include_str!("../data/escalation/aws.json");
const GCP_CATALOG: &str = include_str!("../data/escalation/gcp.json");
const AZURE_CATALOG: &str = include_str!("../data/escalation/azure.json");

/// What an entry's permission may apply to, per cloud.
fn known_on(cloud: &str, on: &str) -> bool {
    match cloud {
        "aws" => on == "target" || on == "passed-role" || on.starts_with("arn:"),
        "gcp" => matches!(
            on,
            "target" | "passed-account" | "project" | "container" | "role"
        ),
        "azure" => matches!(
            on,
            "scope" | "directory" | "resource" | "resource-data" | "passed-identity"
        ),
        _ => false,
    }
}

fn parse(text: &str, cloud: &str) -> Result<Vec<Technique>, String> {
    let f: CatalogFile =
        serde_json::from_str(text).map_err(|e| format!("the {cloud} technique catalog: {e}"))?;
    if f.cloud != cloud {
        return Err(format!(
            "the {cloud} technique catalog says it is for `{}`",
            f.cloud
        ));
    }
    let mut ids = std::collections::BTreeSet::new();
    for t in &f.techniques {
        if !ids.insert(t.id.as_str()) {
            return Err(format!(
                "the {cloud} technique catalog lists `{}` twice",
                t.id
            ));
        }
    }
    for t in &f.techniques {
        let composite = t.effect == Effect::Composite;
        if composite == t.composed_of.is_empty() {
            return Err(format!(
                "technique `{}`: `composed_of` is for composite entries, and they need it",
                t.id
            ));
        }
        if let Some(part) = t.composed_of.iter().find(|p| !ids.contains(p.as_str())) {
            return Err(format!(
                "technique `{}` is composed of unknown `{part}`",
                t.id
            ));
        }
        if !composite && t.permissions.is_empty() {
            return Err(format!("technique `{}` needs no permission", t.id));
        }
        if let Some(p) = t.permissions.iter().find(|p| !known_on(cloud, &p.on)) {
            return Err(format!(
                "technique `{}`: `{}` is not something a {cloud} permission applies to",
                t.id, p.on
            ));
        }
        let kind_ok = match cloud {
            "aws" => matches!(
                t.target,
                TargetKind::User | TargetKind::Role | TargetKind::Group | TargetKind::Policy
            ),
            "gcp" => matches!(
                t.target,
                TargetKind::ServiceAccount | TargetKind::Container | TargetKind::CustomRole
            ),
            _ => matches!(
                t.target,
                TargetKind::User
                    | TargetKind::Scope
                    | TargetKind::RoleDefinition
                    | TargetKind::Identity
            ),
        };
        if !kind_ok {
            return Err(format!(
                "technique `{}`: a {cloud} entry cannot act on a {:?}",
                t.id, t.target
            ));
        }
        let hosts = t.effect == Effect::ReachExisting
            || (cloud == "azure" && t.effect == Effect::RunCodeAs);
        if (t.effect == Effect::ReachExisting && t.resource.is_none())
            || (t.resource.is_some() && !hosts)
        {
            return Err(format!(
                "technique `{}`: `resource` is for reach-existing entries (and Azure run-code-as ones), and they need it",
                t.id
            ));
        }
        let passes = t.permissions.iter().any(|p| {
            p.on == "passed-role" || p.on == "passed-account" || p.on == "passed-identity"
        });
        if cloud == "aws" {
            let needs_services = matches!(t.effect, Effect::RunCodeAs | Effect::ReachExisting);
            if needs_services == t.services.is_empty() {
                return Err(format!(
                    "technique `{}`: `services` is for run-code-as and reach-existing entries, and they need it",
                    t.id
                ));
            }
            if passes != (t.effect == Effect::RunCodeAs) {
                return Err(format!(
                    "technique `{}`: a passed role is what run-code-as entries need",
                    t.id
                ));
            }
        } else if t.effect == Effect::RunCodeAs && passes == t.runs_as.is_some() {
            return Err(format!(
                "technique `{}`: a run-code-as entry needs a passed account or `runs_as`, not both",
                t.id
            ));
        }
        let directory = t.permissions.iter().any(|p| p.on == "directory");
        if directory == t.directory_roles.is_empty() {
            return Err(format!(
                "technique `{}`: `directory_roles` is for entries a directory role gives, and they need it",
                t.id
            ));
        }
        if t.runs_as.is_some() && t.effect != Effect::RunCodeAs {
            return Err(format!(
                "technique `{}`: `runs_as` is for run-code-as entries",
                t.id
            ));
        }
        if t.effect == Effect::Delegate && cloud != "gcp" {
            return Err(format!("technique `{}`: delegation is a GCP effect", t.id));
        }
    }
    Ok(f.techniques)
}

/// The AWS catalog (an error names what is wrong with the file; the
/// catalog's own test keeps it from happening).
pub fn aws() -> Result<&'static [Technique], &'static str> {
    static CATALOG: OnceLock<Result<Vec<Technique>, String>> = OnceLock::new();
    match CATALOG.get_or_init(|| parse(AWS_CATALOG, "aws")) {
        Ok(v) => Ok(v),
        Err(e) => Err(e),
    }
}

/// The GCP catalog.
pub fn gcp() -> Result<&'static [Technique], &'static str> {
    static CATALOG: OnceLock<Result<Vec<Technique>, String>> = OnceLock::new();
    match CATALOG.get_or_init(|| parse(GCP_CATALOG, "gcp")) {
        Ok(v) => Ok(v),
        Err(e) => Err(e),
    }
}

/// The Azure catalog.
pub fn azure() -> Result<&'static [Technique], &'static str> {
    static CATALOG: OnceLock<Result<Vec<Technique>, String>> = OnceLock::new();
    match CATALOG.get_or_init(|| parse(AZURE_CATALOG, "azure")) {
        Ok(v) => Ok(v),
        Err(e) => Err(e),
    }
}

/// The entry with this id, in any catalog.
pub fn find(id: &str) -> Option<&'static Technique> {
    let all = [aws(), gcp(), azure()];
    all.into_iter()
        .flatten()
        .flat_map(|c| c.iter())
        .find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aws_catalog_reads_and_covers_the_published_paths() {
        let c = aws().unwrap();
        // every pathfinding.cloud path (65 in data/paths) and IAM
        // Vulnerable's SetDefaultPolicyVersion
        assert_eq!(c.len(), 66);
        for id in [
            "iam-001",
            "iam-021",
            "sts-001",
            "ssm-002",
            "bedrock-002",
            "ecs-005",
        ] {
            assert!(find(id).is_some(), "{id}");
        }
        assert!(c.iter().all(|t| !t.source.is_empty()));
    }

    #[test]
    fn the_gcp_catalog_reads_and_covers_the_published_methods() {
        let c = gcp().unwrap();
        // Rhino Security Labs' methods that give an identity, and the
        // services that run code as a passed service account
        for id in [
            "gcp-cloudbuild.builds.create",
            "gcp-deploymentmanager.deployments.create",
            "gcp-iam.roles.update",
            "gcp-iam.serviceAccounts.getAccessToken",
            "gcp-iam.serviceAccountKeys.create",
            "gcp-iam.serviceAccounts.implicitDelegation",
            "gcp-iam.serviceAccounts.signBlob",
            "gcp-iam.serviceAccounts.signJwt",
            "gcp-cloudfunctions.functions.create-call",
            "gcp-cloudfunctions.functions.update",
            "gcp-compute.instances.create",
            "gcp-run.services.create-invoke",
            "gcp-cloudscheduler.jobs.create",
            "gcp-iam.serviceAccounts.setIamPolicy",
            "gcp-resourcemanager.setIamPolicy",
            "gcp-composer.environments.create",
            "gcp-dataproc.clusters.create",
            "gcp-run.jobs.create",
            "gcp-workflows.workflows.create",
            "gcp-compute.instances.setMetadata",
        ] {
            assert!(c.iter().any(|t| t.id == id), "{id}");
        }
        assert!(find("gcp-run.jobs.create").is_some());
        let delegate: Vec<&Technique> = c.iter().filter(|t| t.effect == Effect::Delegate).collect();
        assert_eq!(delegate.len(), 1);
    }

    #[test]
    fn the_azure_catalog_reads_and_covers_the_routes() {
        let c = azure().unwrap();
        for id in [
            "azure-roleAssignments-write",
            "azure-roleDefinitions-write",
            "azure-entra-global-administrator",
            "azure-entra-privileged-role-administrator",
            "azure-entra-application-administrator",
            "azure-entra-cloud-application-administrator",
            "azure-vm-runcommand",
            "azure-vm-extensions-write",
            "azure-automation-runbooks-write",
            "azure-web-publish",
            "azure-uami-attach-vm",
        ] {
            assert!(c.iter().any(|t| t.id == id), "{id}");
        }
        assert!(c.iter().all(|t| !t.source.is_empty()));
        let gcp_kind = azure_with_target("service-account");
        assert!(
            parse(&gcp_kind, "azure")
                .unwrap_err()
                .contains("cannot act on")
        );
    }

    fn azure_with_target(kind: &str) -> String {
        format!(
            r#"{{"cloud": "azure", "about": "", "techniques": [
            {{"id": "a", "source": "s", "name": "n", "effect": "act-as", "target": "{kind}",
             "permissions": [{{"action": "Microsoft.Compute/virtualMachines/runCommand/action", "on": "resource"}}]}}]}}"#
        )
    }

    #[test]
    fn malformed_catalogs_are_refused() {
        let ok = r#"{"cloud": "aws", "about": "", "techniques": [
            {"id": "a", "source": "s", "name": "n", "effect": "act-as", "target": "user",
             "permissions": [{"action": "iam:CreateAccessKey", "on": "target"}]}]}"#;
        assert!(parse(ok, "aws").is_ok());
        assert!(parse(ok, "gcp").is_err());
        let twice = ok.replace("]}]}", "]}, {\"id\": \"a\", \"source\": \"s\", \"name\": \"n\", \"effect\": \"act-as\", \"target\": \"user\", \"permissions\": [{\"action\": \"x:y\", \"on\": \"target\"}]}]}");
        assert!(parse(&twice, "aws").unwrap_err().contains("twice"));
        let unknown_field = ok.replace("\"name\"", "\"nmae\"");
        assert!(parse(&unknown_field, "aws").is_err());
        let bad_effect = ok.replace("act-as", "become");
        assert!(parse(&bad_effect, "aws").is_err());
        let no_perm = ok.replace(
            "{\"action\": \"iam:CreateAccessKey\", \"on\": \"target\"}",
            "",
        );
        assert!(
            parse(&no_perm, "aws")
                .unwrap_err()
                .contains("no permission")
        );
        let composite = ok.replace("\"act-as\"", "\"composite\"");
        assert!(
            parse(&composite, "aws")
                .unwrap_err()
                .contains("composed_of")
        );
        let run = ok.replace("\"act-as\"", "\"run-code-as\"");
        assert!(parse(&run, "aws").unwrap_err().contains("services"));
    }
}
