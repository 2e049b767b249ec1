//! Classifying actions written in policies, with "did you mean" suggestions.

use crate::ActionInfo;

/// What the catalog knows about an action or action pattern, as returned by
/// [`Catalog::check_action`](crate::Catalog::check_action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionCheck {
    /// A literal action that exists.
    Known,
    /// A wildcard pattern that matches this many actions (at least one).
    MatchesSome(usize),
    /// The service prefix (literal, before the first `:`) is not in the
    /// catalog. For a wildcard pattern this is only reported when the pattern
    /// matches nothing.
    UnknownService {
        /// The service prefix as written.
        service: String,
    },
    /// A literal action of a known service that does not exist, or a literal
    /// without `:`. `suggestion` is the closest action of the same service by
    /// edit distance, when one is close enough.
    UnknownAction {
        /// Canonical `service:Name` of the suggested action.
        suggestion: Option<String>,
    },
    /// A wildcard pattern that matches no action.
    MatchesNothing,
}

/// The action of `candidates` whose name is closest to `name` by
/// case-insensitive edit distance, if that distance is at most a third of the
/// name's length (at least 1). Ties go to the first candidate.
pub(crate) fn suggest<'a>(candidates: &'a [ActionInfo], name: &str) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &ActionInfo)> = None;
    let mut scratch = Vec::new();
    for candidate in candidates {
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        if let Some(d) = edit_distance_ci(name, candidate.name(), bound, &mut scratch) {
            best = Some((d, candidate));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, a)| a.action())
}

/// Levenshtein distance between `a` and `b` ignoring ASCII case, or `None`
/// when it exceeds `bound`. `row` is scratch space reused between calls.
fn edit_distance_ci(a: &str, b: &str, bound: usize, row: &mut Vec<usize>) -> Option<usize> {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b_len = b.chars().count();
    if a.len().abs_diff(b_len) > bound {
        return None;
    }
    row.clear();
    row.extend(0..=b_len);
    for (i, ca) in a.iter().enumerate() {
        // `diag` is the previous row's value at column j, `row[j]` the
        // previous row's value at column j + 1 until overwritten.
        let mut diag = i;
        let mut left = i + 1;
        let mut row_min = left;
        for (j, cb) in b.chars().map(|c| c.to_ascii_lowercase()).enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let cost = usize::from(*ca != cb);
            let value = (diag + cost).min(up.saturating_add(1)).min(left + 1);
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = value;
            }
            diag = up;
            left = value;
            row_min = row_min.min(value);
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        if row_min > bound {
            return None;
        }
    }
    row.last().copied().filter(|&d| d <= bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> Option<usize> {
        edit_distance_ci(a, b, usize::MAX / 2, &mut Vec::new())
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("", ""), Some(0));
        assert_eq!(distance("abc", ""), Some(3));
        assert_eq!(distance("", "abc"), Some(3));
        assert_eq!(distance("GetObjekt", "getobject"), Some(1));
        assert_eq!(distance("kitten", "sitting"), Some(3));
        assert_eq!(distance("flaw", "lawn"), Some(2));
        assert_eq!(
            edit_distance_ci("kitten", "sitting", 2, &mut Vec::new()),
            None
        );
    }
}
