//! Arbitrary text through the GCP IAM Condition (CEL subset) parser. It must never panic; and every
//! expression it accepts must print to text that parses back to the same
//! expression (parse ∘ print = identity).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(expr) = iamx_gcp::parse_cel(&text) {
        let printed = iamx_gcp::print_cel(&expr);
        match iamx_gcp::parse_cel(&printed) {
            Ok(again) => assert_eq!(again, expr, "print of {text:?} was {printed:?}"),
            Err(e) => panic!("printed form {printed:?} of {text:?} does not parse: {e}"),
        }
    }
});
