//! Translations of small policies over `corpus/translate/map.json`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use iamx_translate::{Cloud, ResourceMap, Source, Translation, Vocabulary, translate};
use std::path::PathBuf;
use std::sync::Arc;

fn corpus(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/translate")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

fn aws(text: &str) -> Source {
    let (p, d) = iamx_aws::parse_policy_text(
        "source",
        text,
        iamx_aws::PolicyOptions {
            ptype: iamx_aws::PolicyType::Identity,
            actions: None,
        },
    );
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    Source::Aws(Arc::new(p.unwrap()))
}

fn run(src: &Source, to: Cloud) -> Translation {
    let v = Vocabulary::builtin().unwrap();
    let m = ResourceMap::parse(&corpus("map.json")).unwrap();
    translate(&v, &m, src, to, None, None)
}

#[test]
fn aws_to_gcp_and_azure_verifies() {
    let src = aws(&corpus("s3-read-logs.json"));
    for to in [Cloud::Gcp, Cloud::Azure, Cloud::Aws] {
        let t = run(&src, to);
        let text = serde_json::to_string_pretty(&t).unwrap();
        assert!(t.verification.ok(), "{to}: {text}");
        assert!(t.verification.more.is_empty());
        assert!(!t.carried.is_empty(), "{text}");
        // unmapped bucket and the IP condition are reported
        assert!(text.contains("other-bucket"), "{text}");
        assert!(text.contains("conditional"), "{text}");
    }
}

#[test]
fn gcp_output_has_prefix_conditions() {
    let src = aws(&corpus("s3-read-logs.json"));
    let t = run(&src, Cloud::Gcp);
    let out = t.output.to_string();
    assert!(
        out.contains(
            "resource.name.startsWith(\\\"projects/_/buckets/acme-reports/objects/logs/\\\")"
        ),
        "{out}"
    );
    let src = aws(&corpus("s3-read-prefix.json"));
    let t = run(&src, Cloud::Azure);
    assert!(t.verification.ok());
    let out = t.output.to_string();
    assert!(out.contains("StringStartsWith 'logs/'"), "{out}");
}
