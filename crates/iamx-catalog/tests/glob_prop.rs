//! `glob_match_ci` agrees with the recursive reference matcher.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: clippy's allow-in-tests does not reach integration-test helpers, and a panic is a test failure"
)]

mod common;

use iamx_catalog::glob::glob_match_ci;
use proptest::prelude::*;

/// Small alphabet, so that random patterns often match: wildcards, `:`,
/// mixed case and one multi-byte character.
fn text_strategy(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec!['a', 'A', 'b', 'B', ':', 'é']),
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn pattern_strategy(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec!['a', 'A', 'b', 'B', ':', 'é', '*', '?', '*']),
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn agrees_with_reference(pattern in pattern_strategy(10), text in text_strategy(14)) {
        prop_assert_eq!(
            glob_match_ci(&pattern, &text),
            common::reference_match(&pattern, &text),
            "pattern {:?} text {:?}", pattern, text
        );
    }

    /// A text always matches itself, in any case, and with any character
    /// replaced by `?`.
    #[test]
    fn text_matches_itself(text in text_strategy(14), flip in any::<bool>(), hole in any::<prop::sample::Index>()) {
        let pattern = if flip { text.to_ascii_uppercase() } else { text.clone() };
        prop_assert!(glob_match_ci(&pattern, &text));
        if !text.is_empty() {
            let at = hole.index(text.chars().count());
            let holed: String = text
                .chars()
                .enumerate()
                .map(|(i, c)| if i == at { '?' } else { c })
                .collect();
            prop_assert!(glob_match_ci(&holed, &text));
        }
    }
}
