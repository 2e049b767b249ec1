//! IAM-style wildcard matching.
//!
//! IAM action patterns know two wildcards: `*` matches any run of characters
//! (including none, and including `:`), `?` matches exactly one character.
//! Everything else matches itself, ignoring ASCII case.
//!
//! The matcher is the classic iterative one with a single backtrack point:
//! on a mismatch it returns to the last `*` and lets it swallow one more
//! character. That is enough because a later `*` can always absorb whatever an
//! earlier one would have, so only the last star ever needs to move. It runs in
//! `O(pattern × text)` time at worst, without allocation or recursion.
//!
//! This module is self-contained so that a shared matcher crate can replace it
//! later without touching the catalog.

/// Whether `text` matches the IAM wildcard `pattern`, ignoring ASCII case.
///
/// `*` matches any run of characters (including `:` and the empty run), `?`
/// exactly one character (a whole UTF-8 character, not a byte). There is no
/// escape syntax, as in IAM.
///
/// ```
/// use iamx_catalog::glob::glob_match_ci;
///
/// assert!(glob_match_ci("s3:Get*", "S3:GETOBJECT"));
/// assert!(glob_match_ci("*:List?uckets", "s3:ListBuckets"));
/// assert!(!glob_match_ci("s3:Get?", "s3:Get"));
/// ```
#[must_use]
pub fn glob_match_ci(pattern: &str, text: &str) -> bool {
    let pat = pattern.as_bytes();
    let txt = text.as_bytes();
    let (mut p, mut t) = (0_usize, 0_usize);
    // Position in `pat` just after the last `*`, and the position in `txt`
    // where that star's match currently ends.
    let mut star: Option<(usize, usize)> = None;

    loop {
        match pat.get(p) {
            Some(b'*') => {
                p += 1;
                star = Some((p, t));
                continue;
            }
            Some(&pc) => {
                if let Some(&tc) = txt.get(t) {
                    if pc == b'?' {
                        p += 1;
                        t += utf8_width(tc);
                        continue;
                    }
                    // Multi-byte characters compare byte by byte: both sides
                    // are valid UTF-8 and aligned here, so equal lead bytes
                    // mean equal widths.
                    if pc.eq_ignore_ascii_case(&tc) {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
            }
            None if t >= txt.len() => return true,
            None => {}
        }
        // Mismatch: let the last star swallow one more character.
        match star {
            Some((star_p, star_t)) => match txt.get(star_t) {
                Some(&skipped) => {
                    let next = star_t + utf8_width(skipped);
                    star = Some((star_p, next));
                    p = star_p;
                    t = next;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

/// Whether `pattern` contains an IAM wildcard (`*` or `?`).
#[must_use]
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.bytes().any(|b| b == b'*' || b == b'?')
}

/// Byte width of the UTF-8 character whose first byte is `lead`.
///
/// Only called on character boundaries of a `&str`, so `lead` is never a
/// continuation byte; should it be one, the width 1 keeps the scan moving.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert!(glob_match_ci("", ""));
        assert!(!glob_match_ci("", "a"));
        assert!(glob_match_ci("*", ""));
        assert!(glob_match_ci("*", "s3:GetObject"));
        assert!(glob_match_ci("s3:*", "s3:GetObject"));
        assert!(glob_match_ci("S3:getobject", "s3:GetObject"));
        assert!(glob_match_ci("s3*object", "s3:GetObject"));
        assert!(glob_match_ci("*:*Object*", "s3:GetObjectAcl"));
        assert!(!glob_match_ci("s3:Get", "s3:GetObject"));
        assert!(!glob_match_ci("s3:*Acl", "s3:GetObject"));
        assert!(glob_match_ci("??:Get*", "s3:GetObject"));
        assert!(!glob_match_ci("?:Get*", "s3:GetObject"));
        assert!(glob_match_ci("a*b*c", "aXbYbZc"));
        assert!(!glob_match_ci("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn question_mark_takes_a_whole_character() {
        assert!(glob_match_ci("a?c", "aéc"));
        assert!(glob_match_ci("*?", "é"));
        assert!(!glob_match_ci("??", "é"));
        // ASCII-only case folding.
        assert!(!glob_match_ci("É", "é"));
    }
}
