//! `iamx graph --graph-format opengraph`: the BloodHound OpenGraph export of
//! the example organisation is checked against BloodHound's own JSON schemas
//! (vendored in `corpus/opengraph/` with their source and licence), the way
//! BloodHound's upload validator checks it: the metadata object against
//! `metadata.json`, every node against `node.json`, every edge against
//! `edge.json`, each against both the API server's and the documentation's
//! copy. What the schemas cannot say (ids unique, every edge's ends are
//! nodes, kinds namespaced and not BloodHound's post-processed ones, the
//! extension schema defining every kind used) is checked here too, and a
//! table of broken documents shows that the check can fail.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn iamx() -> Command {
    let mut c = Command::cargo_bin("iamx").expect("the iamx binary is built");
    c.current_dir(root());
    c
}

/// `iamx graph examples --graph-format opengraph`, as text, and the
/// extension schema it wrote with `--extension-out`.
fn export() -> (String, Value) {
    // One folder per call: the tests of this file run in parallel.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("iamx-opengraph-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ext = dir.join("iamx-extension.json");
    let out = iamx()
        .args([
            "graph",
            "examples",
            "--graph-format",
            "opengraph",
            "--extension-out",
        ])
        .arg(&ext)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&ext).expect("extension written"))
            .expect("extension is JSON");
    let _ = std::fs::remove_dir_all(&dir);
    (String::from_utf8(out.stdout).expect("utf-8"), schema)
}

fn payload() -> Value {
    serde_json::from_str(&export().0).expect("the export is JSON")
}

/// One vendored schema, compiled.
struct Schema {
    file: &'static str,
    validator: jsonschema::Validator,
}

impl Schema {
    fn load(file: &'static str) -> Schema {
        let path = root().join("corpus/opengraph").join(file);
        let text = std::fs::read_to_string(&path).expect("vendored schema");
        let value: Value = serde_json::from_str(&text).expect("schema is JSON");
        let validator = jsonschema::validator_for(&value).expect("schema compiles");
        Schema { file, validator }
    }

    /// The schema's complaints about `instance`, each naming this schema,
    /// `what` (e.g. `node 3`) and the instance path.
    fn errors(&self, what: &str, instance: &Value, out: &mut Vec<String>) {
        for e in self.validator.iter_errors(instance) {
            out.push(format!(
                "{}: {what} at `{}`: {e}",
                self.file,
                e.instance_path()
            ));
        }
    }
}

/// BloodHound's schemas: metadata, node and edge, from both sources.
struct Schemas {
    metadata: Schema,
    nodes: [Schema; 2],
    edges: [Schema; 2],
}

impl Schemas {
    fn load() -> Schemas {
        Schemas {
            metadata: Schema::load("bloodhound/metadata.json"),
            nodes: [
                Schema::load("bloodhound/node.json"),
                Schema::load("bloodhound-docs/opengraph-node.json"),
            ],
            edges: [
                Schema::load("bloodhound/edge.json"),
                Schema::load("bloodhound-docs/opengraph-edge.json"),
            ],
        }
    }

    /// Every way `doc` fails BloodHound's upload validation: the top-level
    /// shape (only `metadata` and `graph`; `graph` with `nodes` and `edges`
    /// arrays, which BloodHound's stream decoder insists on), then the
    /// schemas element by element.
    fn check(&self, doc: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let Some(top) = doc.as_object() else {
            return vec!["the document is not an object".into()];
        };
        for key in top.keys() {
            if key != "metadata" && key != "graph" {
                errors.push(format!("unknown top-level key `{key}`"));
            }
        }
        if let Some(m) = top.get("metadata") {
            self.metadata.errors("metadata", m, &mut errors);
        }
        let graph = &doc["graph"];
        for (part, schemas) in [("nodes", &self.nodes), ("edges", &self.edges)] {
            let Some(items) = graph[part].as_array() else {
                errors.push(format!("`graph.{part}` is not an array"));
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                for s in schemas {
                    s.errors(&format!("{part}[{i}]"), item, &mut errors);
                }
            }
        }
        errors
    }
}

#[test]
fn the_example_organisation_validates_against_bloodhounds_schemas() {
    let doc = payload();
    let errors = Schemas::load().check(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(doc["metadata"], json!({"source_kind": "IAMX"}));
    let nodes = doc["graph"]["nodes"].as_array().expect("nodes");
    let edges = doc["graph"]["edges"].as_array().expect("edges");
    // Every cloud of the example organisation is there.
    assert!(
        nodes.len() > 100 && edges.len() > 100,
        "{} {}",
        nodes.len(),
        edges.len()
    );
    for cloud in ["aws", "gcp", "azure"] {
        assert!(
            nodes.iter().any(|n| n["properties"]["cloud"] == cloud),
            "{cloud}"
        );
    }
}

/// BloodHound deletes and regenerates these edge kinds after every ingest
/// (bloodhound-docs `docs/opengraph/developer/edges.mdx`, "Post-processing"),
/// so an export must never use them.
const POST_PROCESSED: [&str; 42] = [
    "ADCSESC1",
    "ADCSESC3",
    "ADCSESC4",
    "ADCSESC6a",
    "ADCSESC6b",
    "ADCSESC9a",
    "ADCSESC9b",
    "ADCSESC10a",
    "ADCSESC10b",
    "ADCSESC13",
    "AddMember",
    "AdminTo",
    "AZAddOwner",
    "AZMGAddMember",
    "AZMGAddOwner",
    "AZMGAddSecret",
    "AZMGGrantAppRoles",
    "AZMGGrantRole",
    "AZRoleApprover",
    "CanPSRemote",
    "CanRDP",
    "CoerceAndRelayNTLMToADCS",
    "CoerceAndRelayNTLMToLDAP",
    "CoerceAndRelayNTLMToLDAPS",
    "CoerceAndRelayNTLMToSMB",
    "DCSync",
    "EnrollOnBehalfOf",
    "EnterpriseCAFor",
    "ExecuteDCOM",
    "ExtendedByPolicy",
    "GoldenCert",
    "HasTrustKeys",
    "IssuedSignedBy",
    "Owns",
    "OwnsLimitedRights",
    "ProtectAdminGroups",
    "SyncLAPSPassword",
    "SyncedToADUser",
    "SyncedToEntraUser",
    "TrustedForNTAuth",
    "WriteOwner",
    "WriteOwnerLimitedRights",
];

fn str_of<'v>(v: &'v Value, what: &str) -> &'v str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

#[test]
fn ids_are_unique_and_every_edge_joins_two_nodes() {
    let doc = payload();
    let nodes = doc["graph"]["nodes"].as_array().expect("nodes");
    let edges = doc["graph"]["edges"].as_array().expect("edges");
    let mut ids = BTreeSet::new();
    let mut order = Vec::new();
    for n in nodes {
        let id = str_of(&n["id"], "node id");
        assert!(ids.insert(id), "duplicate node id `{id}`");
        // BloodHound does not fully support colons in OpenGraph ids.
        assert!(!id.contains(':'), "colon in `{id}`");
        assert!(!id.contains(char::is_whitespace), "white space in `{id}`");
        order.push(str_of(&n["properties"]["iamxid"], "iamxid"));
        let kinds = n["kinds"].as_array().expect("kinds");
        // BloodHound adds the source kind: two here make three stored.
        assert_eq!(kinds.len(), 2, "{n}");
        for k in kinds {
            assert!(str_of(k, "kind").starts_with("IAMX_"), "{n}");
        }
        assert!(n["properties"].get("objectid").is_none(), "{n}");
    }
    // Nodes come sorted by the graph's id.
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted);
    let mut ends = Vec::new();
    for e in edges {
        for end in ["start", "end"] {
            assert_eq!(e[end]["match_by"], "id", "{e}");
            let id = str_of(&e[end]["value"], "edge end");
            assert!(ids.contains(id), "edge {end} `{id}` is no node: {e}");
        }
        let kind = str_of(&e["kind"], "edge kind");
        assert!(kind.starts_with("IAMX_"), "{kind}");
        assert!(!POST_PROCESSED.contains(&kind), "{kind}");
        let props = e["properties"].as_object().expect("edge properties");
        assert_eq!(
            props.get("conditional").and_then(Value::as_bool),
            Some(props.contains_key("condition")),
            "{e}"
        );
        ends.push((
            str_of(&e["start"]["value"], "start").to_owned(),
            str_of(&e["end"]["value"], "end").to_owned(),
        ));
    }
    // No two edges are the same edge (same ends, kind and properties).
    let distinct: BTreeSet<String> = edges.iter().map(Value::to_string).collect();
    assert_eq!(distinct.len(), edges.len());
    assert!(!ends.is_empty());
}

#[test]
fn the_extension_schema_defines_every_kind_and_marks_the_escalation_edges_traversable() {
    let (text, schema) = export();
    let doc: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(schema["schema"]["namespace"], "IAMX");
    let names = |part: &str| -> Vec<String> {
        schema[part]
            .as_array()
            .expect(part)
            .iter()
            .map(|k| str_of(&k["name"], "name").to_owned())
            .collect()
    };
    let node_kinds = names("node_kinds");
    let rel_kinds = names("relationship_kinds");
    // Namespacing: unique, `IAMX_` and more.
    let all: BTreeSet<&String> = node_kinds.iter().chain(&rel_kinds).collect();
    assert_eq!(all.len(), node_kinds.len() + rel_kinds.len());
    for n in &all {
        assert!(n.starts_with("IAMX_") && n.len() > 5, "{n}");
    }
    for n in doc["graph"]["nodes"].as_array().expect("nodes") {
        for k in n["kinds"].as_array().expect("kinds") {
            assert!(node_kinds.iter().any(|d| d == str_of(k, "kind")), "{k}");
        }
    }
    for e in doc["graph"]["edges"].as_array().expect("edges") {
        assert!(
            rel_kinds.iter().any(|d| d == str_of(&e["kind"], "kind")),
            "{e}"
        );
    }
    let traversable: Vec<&str> = schema["relationship_kinds"]
        .as_array()
        .expect("relationship kinds")
        .iter()
        .filter(|r| r["is_traversable"] == true)
        .map(|r| str_of(&r["name"], "name"))
        .collect();
    assert_eq!(
        traversable,
        [
            "IAMX_MemberOf",
            "IAMX_CanAssume",
            "IAMX_CanImpersonate",
            "IAMX_Escalates",
            "IAMX_AdminOf",
            "IAMX_Includes"
        ]
    );
    insta::assert_json_snapshot!("opengraph_extension_schema", schema);
}

#[test]
fn the_export_of_the_example_organisation() {
    let (text, _) = export();
    insta::assert_snapshot!("opengraph_example_organisation", text);
}

/// Breaks a valid document in one way.
type Break = fn(&mut Value);

/// Documents BloodHound would refuse, each with the complaint expected.
const BROKEN: [(&str, Break, &str); 10] = [
    (
        "a node with four kinds",
        |d| {
            d["graph"]["nodes"][0]["kinds"] = json!(["IAMX_A", "IAMX_B", "IAMX_C", "IAMX_D"]);
        },
        "node",
    ),
    (
        "a node with no kind",
        |d| {
            d["graph"]["nodes"][0]["kinds"] = json!([]);
        },
        "node.json",
    ),
    (
        "a nested node property",
        |d| {
            d["graph"]["nodes"][0]["properties"]["nested"] = json!({"a": 1});
        },
        "node",
    ),
    (
        "a null node property",
        |d| {
            d["graph"]["nodes"][0]["properties"]["gone"] = Value::Null;
        },
        "node",
    ),
    (
        "a mixed array property",
        |d| {
            d["graph"]["nodes"][0]["properties"]["mixed"] = json!(["a", 1]);
        },
        "opengraph-node.json",
    ),
    (
        "the reserved objectid property",
        |d| {
            d["graph"]["nodes"][0]["properties"]["objectid"] = json!("x");
        },
        "opengraph-node.json",
    ),
    (
        "an edge kind with a dash",
        |d| {
            d["graph"]["edges"][0]["kind"] = json!("IAMX_can-assume");
        },
        "edge",
    ),
    (
        "an edge end with no value",
        |d| {
            d["graph"]["edges"][0]["end"] = json!({"match_by": "id"});
        },
        "edge",
    ),
    (
        "an edge without properties",
        |d| {
            if let Some(e) = d["graph"]["edges"][0].as_object_mut() {
                e.remove("properties");
            }
        },
        "bloodhound/edge.json",
    ),
    (
        "an unknown metadata field",
        |d| {
            d["metadata"]["collector"] = json!("iamx");
        },
        "metadata.json",
    ),
];

#[test]
fn broken_documents_fail_validation() {
    let schemas = Schemas::load();
    let valid = payload();
    assert!(schemas.check(&valid).is_empty());
    for (name, break_it, expected) in BROKEN {
        let mut doc = valid.clone();
        break_it(&mut doc);
        let errors = schemas.check(&doc);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{name}: expected a complaint from `{expected}`, got {errors:#?}"
        );
    }
    // The top-level shape is checked too.
    let mut doc = valid.clone();
    doc["graph"]["edges"] = json!({});
    assert_eq!(schemas.check(&doc), ["`graph.edges` is not an array"]);
    let mut doc = valid;
    doc["extra"] = json!(1);
    assert_eq!(schemas.check(&doc), ["unknown top-level key `extra`"]);
}

#[test]
fn extension_out_needs_the_opengraph_format() {
    let out = iamx()
        .args(["graph", "examples", "--extension-out", "/dev/null"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs `--graph-format opengraph`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
