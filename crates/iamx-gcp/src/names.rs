//! Resource names: full names (`//storage.googleapis.com/projects/_/buckets/b`),
//! relative names (`projects/p1`), their canonical spelling, and what a name
//! tells about its parents.
//!
//! Policies are keyed by the canonical name of the resource they are attached
//! to. Resource-manager resources (organizations, folders, projects) are
//! canonically relative (`projects/p1`), since that is how ancestors, deny
//! attachment points and hierarchy files name them; every other resource
//! keeps its full name. Cloud Asset Inventory names buckets
//! `//storage.googleapis.com/BUCKET`; the canonical form is the one IAM uses,
//! `//storage.googleapis.com/projects/_/buckets/BUCKET`.

/// The host of resource-manager resources.
pub const CRM: &str = "cloudresourcemanager.googleapis.com";

/// Whether `rel` is `organizations/N`, `folders/N` or `projects/P`.
pub fn is_container(rel: &str) -> bool {
    match rel.split_once('/') {
        Some((kind, id)) => {
            matches!(kind, "organizations" | "folders" | "projects")
                && !id.is_empty()
                && !id.contains('/')
                && id != "_"
                && id != "-"
        }
        None => false,
    }
}

/// Splits a full name into host and relative part.
pub fn split_full(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("//")?;
    Some(rest.split_once('/').unwrap_or((rest, "")))
}

/// The canonical spelling of a resource or attachment-point name.
pub fn canon(name: &str) -> String {
    let n = name.trim().trim_end_matches('/');
    if let Some((host, rel)) = split_full(n) {
        if host == CRM && is_container(rel) {
            return rel.to_owned();
        }
        if host == "storage.googleapis.com" && !rel.is_empty() && !rel.starts_with("projects/") {
            return format!("//storage.googleapis.com/projects/_/buckets/{rel}");
        }
        return n.to_owned();
    }
    // a deny-policy attachment point: `cloudresourcemanager.googleapis.com/projects/p1`
    if let Some(rel) = n.strip_prefix(CRM).and_then(|r| r.strip_prefix('/'))
        && is_container(rel)
    {
        return rel.to_owned();
    }
    n.to_owned()
}

/// The relative name: a full name without `//host/`; other names unchanged.
pub fn relative(name: &str) -> &str {
    split_full(name).map_or(name, |(_, rel)| rel)
}

/// The service of a resource: the host of its full name, the resource
/// manager for `projects/…`, `folders/…`, `organizations/…`.
pub fn service(name: &str) -> Option<&str> {
    match split_full(name) {
        Some((host, _)) => Some(host),
        None if is_container(name) => Some(CRM),
        None => None,
    }
}

/// The full name of a canonical name (resource-manager names get their host).
pub fn full(canonical: &str) -> String {
    if canonical.starts_with("//") {
        canonical.to_owned()
    } else if is_container(canonical) {
        format!("//{CRM}/{canonical}")
    } else {
        canonical.to_owned()
    }
}

/// The resource type iamx can tell from a name alone (`resource.type` of
/// IAM Conditions), for common resources.
pub fn infer_type(canonical: &str) -> Option<String> {
    let (host, rel) = match split_full(canonical) {
        Some(x) => x,
        None if is_container(canonical) => (CRM, canonical),
        None => return None,
    };
    let segs: Vec<&str> = rel.split('/').collect();
    let kind = |collection: &str| -> Option<&'static str> {
        Some(match (host, collection) {
            (CRM, "projects") => "Project",
            (CRM, "folders") => "Folder",
            (CRM, "organizations") => "Organization",
            ("storage.googleapis.com", "buckets") => "Bucket",
            ("storage.googleapis.com", "objects") => "Object",
            ("storage.googleapis.com", "managedFolders") => "ManagedFolder",
            ("iam.googleapis.com", "serviceAccounts") => "ServiceAccount",
            ("iam.googleapis.com", "keys") => "ServiceAccountKey",
            ("iam.googleapis.com", "roles") => "Role",
            ("compute.googleapis.com", "instances") => "Instance",
            ("compute.googleapis.com", "disks") => "Disk",
            ("compute.googleapis.com", "networks") => "Network",
            ("compute.googleapis.com", "subnetworks") => "Subnetwork",
            ("compute.googleapis.com", "firewalls") => "Firewall",
            ("secretmanager.googleapis.com", "secrets") => "Secret",
            ("secretmanager.googleapis.com", "versions") => "SecretVersion",
            ("pubsub.googleapis.com", "topics") => "Topic",
            ("pubsub.googleapis.com", "subscriptions") => "Subscription",
            ("bigquery.googleapis.com", "datasets") => "Dataset",
            ("bigquery.googleapis.com", "tables") => "Table",
            ("cloudkms.googleapis.com", "keyRings") => "KeyRing",
            ("cloudkms.googleapis.com", "cryptoKeys") => "CryptoKey",
            ("run.googleapis.com", "services") => "Service",
            ("cloudfunctions.googleapis.com", "functions") => "CloudFunction",
            _ => return None,
        })
    };
    // the last collection that has an id after it (objects may hold `/`)
    let mut last = None;
    let mut k = 0;
    while k + 1 < segs.len() {
        let coll = segs.get(k).copied().unwrap_or("");
        if host == "storage.googleapis.com" && coll == "objects" {
            last = Some(coll);
            break;
        }
        last = Some(coll);
        k += 2;
    }
    let t = kind(last?)?;
    Some(format!("{host}/{t}"))
}

/// Parents of a canonical name that its own text shows, nearest first: the
/// enclosing resources of the same service (the bucket of an object), then
/// the organization, folder or project it names (`projects/p1` for
/// `//compute.googleapis.com/projects/p1/zones/z/instances/i`).
pub fn parents_in_name(canonical: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some((host, rel)) = split_full(canonical) else {
        return out;
    };
    let segs: Vec<&str> = rel.split('/').collect();
    // a storage object id may contain `/`: stop at `objects`
    let end = if host == "storage.googleapis.com" {
        segs.iter()
            .position(|s| *s == "objects")
            .map_or(segs.len(), |p| p + 2)
            .min(segs.len())
    } else {
        segs.len()
    };
    let mut k = end.saturating_sub(1) / 2 * 2;
    if k == end {
        k = k.saturating_sub(2);
    }
    // prefixes of whole collection/id pairs, longest first, excluding the name itself
    while k >= 4 {
        if let Some(prefix) = segs.get(..k) {
            out.push(format!("//{host}/{}", prefix.join("/")));
        }
        k -= 2;
    }
    if let (Some(kind), Some(id)) = (segs.first(), segs.get(1)) {
        let c = format!("{kind}/{id}");
        if is_container(&c) && !(host == CRM && segs.len() == 2) {
            out.push(c);
        }
    }
    out
}

/// The project of a service account email (`sa@p1.iam.gserviceaccount.com`
/// → `projects/p1`), when the email says it.
pub fn service_account_project(email: &str) -> Option<String> {
    let (_, domain) = email.rsplit_once('@')?;
    let p = domain.strip_suffix(".iam.gserviceaccount.com")?;
    (!p.is_empty() && !p.contains('.')).then(|| format!("projects/{p}"))
}

/// Whether a service account is one Google manages for a service (a
/// service agent, the Google APIs service agent
/// `NUMBER@cloudservices.gserviceaccount.com`, the legacy Cloud Build
/// account `NUMBER@cloudbuild.gserviceaccount.com`, …): it lives in a
/// project Google owns, so no binding on a customer's organization, folder
/// or project applies to it, only one on the account itself
/// (<https://cloud.google.com/iam/docs/service-account-types#service-agents>).
/// The default accounts Google creates in the customer's own project
/// (`…@developer.gserviceaccount.com`, `…@appspot.gserviceaccount.com`)
/// and accounts of `PROJECT.iam.gserviceaccount.com` are not.
pub fn is_service_agent(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    let numbered = |prefix: &str| {
        local
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    match domain.strip_suffix(".iam.gserviceaccount.com") {
        Some(sub) => {
            sub.starts_with("gcp-sa-")
                || numbered("service-")
                || numbered("service-org-")
                || numbered("service-folder-")
        }
        None => {
            domain.ends_with(".gserviceaccount.com")
                && domain != "developer.gserviceaccount.com"
                && domain != "appspot.gserviceaccount.com"
        }
    }
}

/// The project a service account lives in, as far as its email says:
/// `sa@p1.iam.gserviceaccount.com` and `p1@appspot.gserviceaccount.com` →
/// `projects/p1`, `123-compute@developer.gserviceaccount.com` →
/// `projects/123`; `None` for service agents (their projects are Google's).
pub fn account_project(email: &str) -> Option<String> {
    if is_service_agent(email) {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    match domain.to_ascii_lowercase().as_str() {
        "appspot.gserviceaccount.com" => (!local.is_empty()).then(|| format!("projects/{local}")),
        "developer.gserviceaccount.com" => local
            .strip_suffix("-compute")
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|n| format!("projects/{n}")),
        _ => service_account_project(email),
    }
}

/// Decodes `%XX` escapes (deny policy names URL-encode their attachment point).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut k = 0;
    while let Some(&c) = b.get(k) {
        if c == b'%' {
            let hex = b
                .get(k + 1..k + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                k += 3;
                continue;
            }
        }
        out.push(c);
        k += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(
            canon("//cloudresourcemanager.googleapis.com/projects/p1"),
            "projects/p1"
        );
        assert_eq!(
            canon("cloudresourcemanager.googleapis.com/folders/12"),
            "folders/12"
        );
        assert_eq!(canon("organizations/1/"), "organizations/1");
        assert_eq!(
            canon("//storage.googleapis.com/b1"),
            "//storage.googleapis.com/projects/_/buckets/b1"
        );
        assert_eq!(
            canon("//storage.googleapis.com/projects/_/buckets/b1"),
            "//storage.googleapis.com/projects/_/buckets/b1"
        );
        assert_eq!(
            relative("//storage.googleapis.com/projects/_/buckets/b1"),
            "projects/_/buckets/b1"
        );
        assert_eq!(
            full("projects/p1"),
            "//cloudresourcemanager.googleapis.com/projects/p1"
        );
        assert_eq!(
            percent_decode("cloudresourcemanager.googleapis.com%2Fprojects%2Fp1"),
            "cloudresourcemanager.googleapis.com/projects/p1"
        );
        assert_eq!(
            service_account_project("sa@p1.iam.gserviceaccount.com").as_deref(),
            Some("projects/p1")
        );
        assert_eq!(
            service_account_project("p1@appspot.gserviceaccount.com"),
            None
        );
        assert_eq!(
            account_project("p1@appspot.gserviceaccount.com").as_deref(),
            Some("projects/p1")
        );
        assert_eq!(
            account_project("123-compute@developer.gserviceaccount.com").as_deref(),
            Some("projects/123")
        );
        for agent in [
            "123@cloudservices.gserviceaccount.com",
            "123@cloudbuild.gserviceaccount.com",
            "service-123@gcp-sa-cloudbuild.iam.gserviceaccount.com",
            "service-123@compute-system.iam.gserviceaccount.com",
            "service-123@container-engine-robot.iam.gserviceaccount.com",
            "service-org-9@gcp-sa-logging.iam.gserviceaccount.com",
        ] {
            assert!(is_service_agent(agent), "{agent}");
            assert_eq!(account_project(agent), None, "{agent}");
        }
        for own in [
            "sa@p1.iam.gserviceaccount.com",
            "service-desk@p1.iam.gserviceaccount.com",
            "p1@appspot.gserviceaccount.com",
            "123-compute@developer.gserviceaccount.com",
        ] {
            assert!(!is_service_agent(own), "{own}");
        }
    }

    #[test]
    fn parents() {
        assert_eq!(
            parents_in_name("//storage.googleapis.com/projects/_/buckets/b/objects/a/b/c.txt"),
            vec!["//storage.googleapis.com/projects/_/buckets/b".to_owned()]
        );
        assert_eq!(
            parents_in_name("//compute.googleapis.com/projects/p1/zones/z/instances/i"),
            vec![
                "//compute.googleapis.com/projects/p1/zones/z".to_owned(),
                "projects/p1".to_owned()
            ]
        );
        assert_eq!(
            parents_in_name(
                "//iam.googleapis.com/projects/p1/serviceAccounts/sa@p1.iam.gserviceaccount.com"
            ),
            vec!["projects/p1".to_owned()]
        );
        assert!(parents_in_name("//cloudresourcemanager.googleapis.com/projects/p1").is_empty());
        assert!(parents_in_name("projects/p1").is_empty());
        assert_eq!(
            infer_type("//storage.googleapis.com/projects/_/buckets/b/objects/x/y").as_deref(),
            Some("storage.googleapis.com/Object")
        );
        assert_eq!(
            infer_type("projects/p").as_deref(),
            Some("cloudresourcemanager.googleapis.com/Project")
        );
        assert_eq!(
            infer_type("//iam.googleapis.com/projects/p/serviceAccounts/x").as_deref(),
            Some("iam.googleapis.com/ServiceAccount")
        );
    }
}
