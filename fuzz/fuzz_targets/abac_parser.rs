//! Arbitrary text through the Azure ABAC condition parser. It must never panic; and every
//! expression it accepts must print to text that parses back to the same
//! expression (parse ∘ print = identity).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(expr) = iamx_azure::parse_abac(&text) {
        let printed = iamx_azure::print_abac(&expr);
        match iamx_azure::parse_abac(&printed) {
            Ok(again) => assert_eq!(again, expr, "print of {text:?} was {printed:?}"),
            Err(e) => panic!("printed form {printed:?} of {text:?} does not parse: {e}"),
        }
    }
});
