//! Arbitrary bytes, read as UTF-8 text (invalid sequences replaced), go
//! through the AWS policy reader with the policy type left to detection. It
//! must never panic: bad input is reported as diagnostics. Every diagnostic is
//! also rendered, since line/column and JSON-path computation run on the same
//! hostile offsets.

#![no_main]

use iamx_aws::{PolicyOptions, PolicyType, parse_policy_text};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write as _;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = PolicyOptions {
        ptype: PolicyType::Auto,
        actions: None,
    };
    let (policy, diags) = parse_policy_text("fuzz.json", &text, opts);
    let mut out = String::new();
    for d in &diags {
        let _ = write!(out, "{d}");
    }
    if let Some(p) = policy {
        for st in &p.statements {
            let _ = write!(out, "{} {}", st.origin, st.condition);
        }
    }
    std::hint::black_box(out);
});
