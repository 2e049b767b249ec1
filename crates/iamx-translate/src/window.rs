//! Time windows: the condition family that both AWS (`aws:CurrentTime`
//! with the `Date…` operators) and GCP IAM Conditions (`request.time`
//! compared with `timestamp(…)`) express, and so the one the translation
//! carries between them. Azure role assignment conditions take a window
//! too (`@Environment[UtcNow]`), but only for storage data actions and only
//! with strict bounds: elsewhere a windowed grant is a loss there.
//!
//! Windows are read by **sampling the concrete evaluator**, not by matching
//! condition syntax: the times a condition compares against cut the time
//! line into points and open intervals on each of which every comparison
//! has one truth value; the grant is decided once per piece with the time
//! fixed and every other key unknown. The allowed pieces must be one run
//! (a window) and no piece may depend on another key; otherwise the grant
//! stays conditional (a loss).

use iamx_model::value::{format_date, parse_date};
use serde::Serialize;

/// One end of a window (epoch milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bound {
    /// The time.
    pub at: i64,
    /// Whether the time itself is inside.
    pub inclusive: bool,
}

/// The request times a grant holds at: after `after` and before `before`
/// (`None`: unbounded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// The lower end.
    pub after: Option<Bound>,
    /// The upper end.
    pub before: Option<Bound>,
}

impl Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.describe())
    }
}

/// `lo` is at least as tight a lower bound as `other` (admits no earlier time).
fn lower_within(inner: Option<Bound>, outer: Option<Bound>) -> bool {
    match (inner, outer) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(i), Some(o)) => i.at > o.at || (i.at == o.at && (o.inclusive || !i.inclusive)),
    }
}

fn upper_within(inner: Option<Bound>, outer: Option<Bound>) -> bool {
    match (inner, outer) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(i), Some(o)) => i.at < o.at || (i.at == o.at && (o.inclusive || !i.inclusive)),
    }
}

impl Window {
    /// Every time.
    pub const ALL: Window = Window {
        after: None,
        before: None,
    };

    /// Whether it admits every time.
    pub fn is_all(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }

    /// Whether every time `inner` admits, `self` admits.
    pub fn contains(&self, inner: &Window) -> bool {
        lower_within(inner.after, self.after) && upper_within(inner.before, self.before)
    }

    fn nonempty(&self) -> bool {
        match (self.after, self.before) {
            (Some(a), Some(b)) => a.at < b.at || (a.at == b.at && a.inclusive && b.inclusive),
            _ => true,
        }
    }

    /// The times both admit (`None`: none).
    pub fn intersect(&self, other: &Window) -> Option<Window> {
        let after = if lower_within(self.after, other.after) {
            self.after
        } else {
            other.after
        };
        let before = if upper_within(self.before, other.before) {
            self.before
        } else {
            other.before
        };
        let w = Window { after, before };
        w.nonempty().then_some(w)
    }

    /// The times either admits, when that is one window.
    pub fn union(&self, other: &Window) -> Option<Window> {
        // they must overlap or touch
        let touch = |lo: Option<Bound>, hi: Option<Bound>| match (lo, hi) {
            (Some(l), Some(h)) => l.at < h.at || (l.at == h.at && (l.inclusive || h.inclusive)),
            _ => true,
        };
        if !touch(other.after, self.before) || !touch(self.after, other.before) {
            return None;
        }
        let after = if lower_within(self.after, other.after) {
            other.after
        } else {
            self.after
        };
        let before = if upper_within(self.before, other.before) {
            other.before
        } else {
            self.before
        };
        Some(Window { after, before })
    }

    /// In words, for reports.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.after {
            parts.push(format!(
                "{} {}",
                if a.inclusive { "from" } else { "after" },
                format_date(a.at)
            ));
        }
        if let Some(b) = self.before {
            parts.push(format!(
                "{} {}",
                if b.inclusive { "until" } else { "before" },
                format_date(b.at)
            ));
        }
        if parts.is_empty() {
            "at any time".to_owned()
        } else {
            format!("request time {}", parts.join(" and "))
        }
    }

    /// The AWS condition operators and values (`aws:CurrentTime`).
    pub fn aws_clauses(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(a) = self.after {
            let op = if a.inclusive {
                "DateGreaterThanEquals"
            } else {
                "DateGreaterThan"
            };
            out.push((op, format_date(a.at)));
        }
        if let Some(b) = self.before {
            let op = if b.inclusive {
                "DateLessThanEquals"
            } else {
                "DateLessThan"
            };
            out.push((op, format_date(b.at)));
        }
        out
    }

    /// The CEL comparisons on `request.time`, one per bound.
    pub fn cel_parts(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(a) = self.after {
            let op = if a.inclusive { ">=" } else { ">" };
            out.push(format!(
                "request.time {op} timestamp(\"{}\")",
                format_date(a.at)
            ));
        }
        if let Some(b) = self.before {
            let op = if b.inclusive { "<=" } else { "<" };
            out.push(format!(
                "request.time {op} timestamp(\"{}\")",
                format_date(b.at)
            ));
        }
        out
    }

    /// The Azure ABAC comparisons on `@Environment[UtcNow]`, one per bound,
    /// or why there are none: Azure takes only `DateTimeGreaterThan` and
    /// `DateTimeLessThan` on it, so an inclusive bound cannot be written.
    pub fn azure_parts(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for (b, op) in [
            (self.after, "DateTimeGreaterThan"),
            (self.before, "DateTimeLessThan"),
        ] {
            let Some(b) = b else { continue };
            if b.inclusive {
                return Err(format!(
                    "Azure compares `@Environment[UtcNow]` only with DateTimeGreaterThan and DateTimeLessThan: the inclusive bound at {} cannot be written",
                    format_date(b.at)
                ));
            }
            out.push(format!("{UTC_NOW} {op} '{}'", azure_date(b.at)));
        }
        Ok(out)
    }

    /// Narrows by one comparison of the form [`Window::azure_parts`]
    /// writes; `None` when `part` is not one.
    pub fn with_azure_part(&self, part: &str) -> Option<Window> {
        let rest = part.trim().strip_prefix(UTC_NOW)?.trim_start();
        let (op, rest) = rest.split_once(' ')?;
        let t = rest.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        let at = parse_date(t)?;
        let bound = Some(Bound {
            at,
            inclusive: false,
        });
        let one = match op {
            "DateTimeGreaterThan" => Window {
                after: bound,
                before: None,
            },
            "DateTimeLessThan" => Window {
                after: None,
                before: bound,
            },
            _ => return None,
        };
        self.intersect(&one)
    }

    /// Narrows by one comparison of the form [`Window::cel_parts`] writes;
    /// `None` when `part` is not one.
    pub fn with_cel_part(&self, part: &str) -> Option<Window> {
        let rest = part.trim().strip_prefix("request.time ")?;
        let (op, rest) = rest.split_once(' ')?;
        let t = rest
            .strip_prefix("timestamp(\"")
            .and_then(|r| r.strip_suffix("\")"))?;
        let at = parse_date(t)?;
        let one = match op {
            ">=" | ">" => Window {
                after: Some(Bound {
                    at,
                    inclusive: op == ">=",
                }),
                before: None,
            },
            "<=" | "<" => Window {
                after: None,
                before: Some(Bound {
                    at,
                    inclusive: op == "<=",
                }),
            },
            _ => return None,
        };
        self.intersect(&one)
    }
}

/// The Azure ABAC attribute of the request time.
pub const UTC_NOW: &str = "@Environment[UtcNow]";

/// A date as Azure's condition examples write it (`2023-05-01T13:00:00.0Z`).
fn azure_date(at: i64) -> String {
    let d = format_date(at);
    match d.strip_suffix('Z') {
        Some(head) if !head.contains('.') => format!("{head}.0Z"),
        _ => d,
    }
}

/// A decision at one time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Granted.
    Yes,
    /// Not granted.
    No,
    /// Depends on something else (why).
    Unknown(String),
}

/// What sampling found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sampled {
    /// Granted at every time.
    Always,
    /// Granted in this window only.
    Within(Window),
    /// Granted at no time.
    Never,
    /// Depends on more than the time, or on several separate windows (why).
    Conditional(String),
}

/// Samples `decide` on each piece of the time line the `points` cut.
pub fn sample(points: &[i64], mut decide: impl FnMut(i64) -> Answer) -> Sampled {
    const DAY: i64 = 86_400_000;
    let mut pts: Vec<i64> = points.to_vec();
    pts.sort_unstable();
    pts.dedup();
    let (Some(&first), Some(&last)) = (pts.first(), pts.last()) else {
        return match decide(0) {
            Answer::Yes => Sampled::Always,
            Answer::No => Sampled::Never,
            Answer::Unknown(r) => Sampled::Conditional(r),
        };
    };
    // pieces: (lower end, upper end, test time); an end is (time, inclusive)
    type End = Option<Bound>;
    let mut pieces: Vec<(End, End, i64)> = vec![(
        None,
        Some(Bound {
            at: first,
            inclusive: false,
        }),
        first.saturating_sub(DAY),
    )];
    for (i, &p) in pts.iter().enumerate() {
        let point = Bound {
            at: p,
            inclusive: true,
        };
        pieces.push((Some(point), Some(point), p));
        let open = Bound {
            at: p,
            inclusive: false,
        };
        match pts.get(i + 1) {
            Some(&q) if q - p >= 2 => pieces.push((
                Some(open),
                Some(Bound {
                    at: q,
                    inclusive: false,
                }),
                p + (q - p) / 2,
            )),
            Some(_) => {}
            None => pieces.push((Some(open), None, last.saturating_add(DAY))),
        }
    }
    let mut yes: Vec<usize> = Vec::new();
    for (i, (_, _, t)) in pieces.iter().enumerate() {
        match decide(*t) {
            Answer::Yes => yes.push(i),
            Answer::No => {}
            Answer::Unknown(r) => return Sampled::Conditional(r),
        }
    }
    let (Some(&lo), Some(&hi)) = (yes.first(), yes.last()) else {
        return Sampled::Never;
    };
    if hi - lo + 1 != yes.len() {
        return Sampled::Conditional("granted in several separate time windows".to_owned());
    }
    if yes.len() == pieces.len() {
        return Sampled::Always;
    }
    let after = pieces.get(lo).and_then(|p| p.0);
    let before = pieces.get(hi).and_then(|p| p.1);
    Sampled::Within(Window { after, before })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        parse_date(s).unwrap_or_default()
    }

    #[test]
    fn sampling_finds_the_window() {
        let a = t("2025-01-01T00:00:00Z");
        let b = t("2026-01-01T00:00:00Z");
        let s = sample(&[a, b], |x| {
            if x >= a && x < b {
                Answer::Yes
            } else {
                Answer::No
            }
        });
        let w = Window {
            after: Some(Bound {
                at: a,
                inclusive: true,
            }),
            before: Some(Bound {
                at: b,
                inclusive: false,
            }),
        };
        assert_eq!(s, Sampled::Within(w));
        assert_eq!(
            w.describe(),
            "request time from 2025-01-01T00:00:00Z and before 2026-01-01T00:00:00Z"
        );
        let parsed = w
            .cel_parts()
            .iter()
            .try_fold(Window::ALL, |acc, p| acc.with_cel_part(p));
        assert_eq!(parsed, Some(w));
        assert!(Window::ALL.contains(&w));
        assert!(!w.contains(&Window::ALL));
        let s = sample(&[a, b], |x| {
            if x < a || x > b {
                Answer::Yes
            } else {
                Answer::No
            }
        });
        assert!(matches!(s, Sampled::Conditional(_)));
        assert_eq!(sample(&[a], |_| Answer::Yes), Sampled::Always);
    }

    #[test]
    fn azure_parts_round_trip() {
        let a = t("2025-01-01T00:00:00Z");
        let b = t("2026-01-01T12:30:00Z");
        let w = Window {
            after: Some(Bound {
                at: a,
                inclusive: false,
            }),
            before: Some(Bound {
                at: b,
                inclusive: false,
            }),
        };
        let parts = w.azure_parts().unwrap_or_default();
        assert_eq!(
            parts,
            [
                "@Environment[UtcNow] DateTimeGreaterThan '2025-01-01T00:00:00.0Z'",
                "@Environment[UtcNow] DateTimeLessThan '2026-01-01T12:30:00.0Z'"
            ]
        );
        let back = parts
            .iter()
            .try_fold(Window::ALL, |acc, p| acc.with_azure_part(p));
        assert_eq!(back, Some(w));
        let inclusive = Window {
            after: Some(Bound {
                at: a,
                inclusive: true,
            }),
            before: None,
        };
        assert!(inclusive.azure_parts().is_err());
    }

    #[test]
    fn window_algebra() {
        let w = |a: i64, ai: bool, b: i64, bi: bool| Window {
            after: Some(Bound {
                at: a,
                inclusive: ai,
            }),
            before: Some(Bound {
                at: b,
                inclusive: bi,
            }),
        };
        assert_eq!(
            w(0, true, 10, false).intersect(&w(10, true, 20, false)),
            None
        );
        assert_eq!(
            w(0, true, 10, true).intersect(&w(10, true, 20, false)),
            Some(w(10, true, 10, true))
        );
        assert_eq!(
            w(0, true, 10, false).union(&w(10, true, 20, false)),
            Some(w(0, true, 20, false))
        );
        assert_eq!(w(0, true, 10, false).union(&w(10, false, 20, false)), None);
        assert!(w(0, true, 10, false).contains(&w(0, false, 10, false)));
        assert!(!w(0, false, 10, false).contains(&w(0, true, 10, false)));
    }
}
