//! The capability vocabulary: provider-neutral capabilities named
//! `service-class/resource-type:verb`, each with the AWS actions, GCP
//! permissions and Azure operations that realise it. The data lives in
//! `data/capabilities/<class>.json` (proposed by
//! `scripts/translate-vocabulary.py`, reviewed, committed) and is compiled in.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The three clouds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// AWS IAM.
    Aws,
    /// GCP IAM.
    Gcp,
    /// Azure RBAC.
    Azure,
}

impl Cloud {
    /// `aws`, `gcp` or `azure`.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }

    /// Parses `aws`, `gcp` or `azure`.
    pub fn parse(s: &str) -> Option<Cloud> {
        match s.to_ascii_lowercase().as_str() {
            "aws" => Some(Cloud::Aws),
            "gcp" => Some(Cloud::Gcp),
            "azure" => Some(Cloud::Azure),
            _ => None,
        }
    }
}

impl std::fmt::Display for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One permission of one cloud: an AWS action, a GCP permission, or an Azure
/// operation on the control or data plane.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Perm {
    /// `s3:GetObject`.
    Aws(String),
    /// `storage.objects.get`.
    Gcp(String),
    /// An Azure control-plane operation (`actions`).
    AzureAction(String),
    /// An Azure data-plane operation (`dataActions`).
    AzureDataAction(String),
}

impl Perm {
    /// The name as the cloud writes it.
    pub fn name(&self) -> &str {
        match self {
            Perm::Aws(s) | Perm::Gcp(s) | Perm::AzureAction(s) | Perm::AzureDataAction(s) => s,
        }
    }

    /// Whether it is an Azure data action.
    pub fn is_data(&self) -> bool {
        matches!(self, Perm::AzureDataAction(_))
    }

    /// Its lowercased name, prefixed by its plane for Azure (`d:`/`c:`),
    /// the key the lifters index by.
    pub fn key(&self) -> String {
        match self {
            Perm::Aws(s) | Perm::Gcp(s) => s.to_ascii_lowercase(),
            Perm::AzureAction(s) => format!("c:{}", s.to_ascii_lowercase()),
            Perm::AzureDataAction(s) => format!("d:{}", s.to_ascii_lowercase()),
        }
    }
}

impl std::fmt::Display for Perm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Perm::AzureDataAction(s) => write!(f, "{s} (data)"),
            _ => f.write_str(self.name()),
        }
    }
}

/// The AWS side of a capability.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSide {
    /// The actions; all are needed.
    pub actions: Vec<String>,
    /// The ARN template of the resource type the first action acts on (the
    /// service authorization reference's `${…}` form); none: `*` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// The GCP side.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GcpSide {
    /// The permissions; all are needed.
    pub permissions: Vec<String>,
}

/// The Azure side.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AzureSide {
    /// Control-plane operations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// Data-plane operations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_actions: Vec<String>,
}

/// One capability.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    /// `object-storage/object:read`.
    pub id: String,
    /// What it lets one do.
    pub description: String,
    /// AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsSide>,
    /// GCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpSide>,
    /// Azure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureSide>,
    /// Where the match is only approximate, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Per cloud: the other capabilities its names also realise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub approximate: BTreeMap<String, Vec<String>>,
}

impl Capability {
    /// The service class (`object-storage`).
    pub fn class(&self) -> &str {
        self.id.split('/').next().unwrap_or(&self.id)
    }

    /// The resource type (`object-storage/object`).
    pub fn resource_type(&self) -> &str {
        self.id.split(':').next().unwrap_or(&self.id)
    }

    /// The permissions realising it in `cloud` (empty: no counterpart).
    pub fn perms(&self, cloud: Cloud) -> Vec<Perm> {
        match cloud {
            Cloud::Aws => self
                .aws
                .iter()
                .flat_map(|a| a.actions.iter().cloned().map(Perm::Aws))
                .collect(),
            Cloud::Gcp => self
                .gcp
                .iter()
                .flat_map(|g| g.permissions.iter().cloned().map(Perm::Gcp))
                .collect(),
            Cloud::Azure => self
                .azure
                .iter()
                .flat_map(|a| {
                    a.actions
                        .iter()
                        .cloned()
                        .map(Perm::AzureAction)
                        .chain(a.data_actions.iter().cloned().map(Perm::AzureDataAction))
                })
                .collect(),
        }
    }

    /// Whether it acts on paths inside a container (object storage objects),
    /// so that prefix rules of the resource map apply.
    pub fn is_path_level(&self) -> bool {
        self.resource_type() == "object-storage/object"
    }
}

/// An error in the vocabulary data.
#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    /// A data file does not parse.
    #[error("capability file `{file}` does not parse: {message}")]
    Parse {
        /// The file.
        file: &'static str,
        /// Why.
        message: String,
    },
    /// A capability id is malformed or repeated.
    #[error("capability `{id}` in `{file}`: {message}")]
    Invalid {
        /// The file.
        file: &'static str,
        /// The capability.
        id: String,
        /// Why.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassFile {
    class: String,
    capabilities: Vec<Capability>,
}

/// The compiled-in data files: (class, text).
pub const FILES: [(&str, &str); 16] = [
    (
        "object-storage",
        include_str!("../data/capabilities/object-storage.json"),
    ),
    (
        "block-storage",
        include_str!("../data/capabilities/block-storage.json"),
    ),
    ("compute", include_str!("../data/capabilities/compute.json")),
    (
        "serverless",
        include_str!("../data/capabilities/serverless.json"),
    ),
    (
        "containers",
        include_str!("../data/capabilities/containers.json"),
    ),
    (
        "container-registry",
        include_str!("../data/capabilities/container-registry.json"),
    ),
    (
        "key-management",
        include_str!("../data/capabilities/key-management.json"),
    ),
    ("secrets", include_str!("../data/capabilities/secrets.json")),
    (
        "relational-db",
        include_str!("../data/capabilities/relational-db.json"),
    ),
    ("nosql", include_str!("../data/capabilities/nosql.json")),
    (
        "messaging",
        include_str!("../data/capabilities/messaging.json"),
    ),
    ("logging", include_str!("../data/capabilities/logging.json")),
    (
        "monitoring",
        include_str!("../data/capabilities/monitoring.json"),
    ),
    ("dns", include_str!("../data/capabilities/dns.json")),
    (
        "networking",
        include_str!("../data/capabilities/networking.json"),
    ),
    (
        "identity",
        include_str!("../data/capabilities/identity.json"),
    ),
];

/// The vocabulary, indexed by permission.
#[derive(Clone, Debug)]
pub struct Vocabulary {
    caps: Vec<Capability>,
    by_id: HashMap<String, usize>,
    by_perm: HashMap<String, Vec<usize>>,
}

impl Vocabulary {
    /// The compiled-in vocabulary.
    pub fn builtin() -> Result<Vocabulary, VocabError> {
        let mut caps = Vec::new();
        for (class, text) in FILES {
            let f: ClassFile = serde_json::from_str(text).map_err(|e| VocabError::Parse {
                file: class,
                message: e.to_string(),
            })?;
            if f.class != class {
                return Err(VocabError::Parse {
                    file: class,
                    message: format!("`class` is `{}`", f.class),
                });
            }
            for c in f.capabilities {
                let ok = c.id.starts_with(&format!("{class}/"))
                    && c.id.matches(':').count() == 1
                    && c.id.matches('/').count() == 1;
                if !ok {
                    return Err(VocabError::Invalid {
                        file: class,
                        id: c.id,
                        message: "the id is not `class/resource-type:verb` of this file's class"
                            .into(),
                    });
                }
                caps.push(c);
            }
        }
        Vocabulary::new(caps)
    }

    /// A vocabulary of the given capabilities.
    pub fn new(caps: Vec<Capability>) -> Result<Vocabulary, VocabError> {
        let mut by_id = HashMap::new();
        let mut by_perm: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in caps.iter().enumerate() {
            if by_id.insert(c.id.clone(), i).is_some() {
                return Err(VocabError::Invalid {
                    file: "",
                    id: c.id.clone(),
                    message: "repeated".into(),
                });
            }
            for cloud in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
                for p in c.perms(cloud) {
                    by_perm.entry(p.key()).or_default().push(i);
                }
            }
        }
        Ok(Vocabulary {
            caps,
            by_id,
            by_perm,
        })
    }

    /// All capabilities, in file order.
    pub fn capabilities(&self) -> &[Capability] {
        &self.caps
    }

    /// The capability at `i`.
    pub fn get(&self, i: usize) -> Option<&Capability> {
        self.caps.get(i)
    }

    /// The index of a capability id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The capabilities a permission (by [`Perm::key`]) takes part in.
    pub fn realising(&self, key: &str) -> &[usize] {
        self.by_perm.get(key).map_or(&[], Vec::as_slice)
    }

    /// The id of capability `i` (empty when out of range).
    pub fn id(&self, i: usize) -> &str {
        self.caps.get(i).map_or("", |c| c.id.as_str())
    }

    /// Capability counts per service class, in class order.
    pub fn counts(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for c in &self.caps {
            match out.iter_mut().find(|(k, _)| k == c.class()) {
                Some((_, n)) => *n += 1,
                None => out.push((c.class().to_owned(), 1)),
            }
        }
        out
    }
}
