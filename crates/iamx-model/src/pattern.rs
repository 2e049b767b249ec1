//! Glob patterns with embedded policy variables.
//!
//! A [`Pattern`] is a sequence of literal text, `*` (any run of characters),
//! `?` (exactly one character) and variables (`${aws:username}`), matched
//! either case-sensitively (AWS resources) or ASCII-case-insensitively (AWS
//! actions, Azure operations). Providers parse their own syntax into segments;
//! this module only matches. Variables are resolved against the request first
//! and their values are always literal (a `*` inside a tag value is not a
//! wildcard).

use crate::tri::Tri;
use std::borrow::Cow;
use std::fmt;

/// One piece of a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    /// Literal text (already lowercased when the pattern is case-insensitive).
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
    /// A policy variable, substituted literally.
    Var(Var),
}

/// A policy variable reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    /// The key as written (e.g. `aws:PrincipalTag/team`).
    pub key: String,
    /// The default used when the key is absent (`${aws:username, 'none'}`).
    pub default: Option<String>,
}

/// Whether a pattern's literal parts compare case-sensitively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Case {
    /// Exact comparison (AWS resource ARNs, condition strings).
    Sensitive,
    /// ASCII case-insensitive comparison (AWS actions, Azure operations).
    Insensitive,
}

/// What a variable resolves to in a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarValue<'a> {
    /// A single value.
    One(Cow<'a, str>),
    /// The key is absent from the request.
    Missing,
    /// The key is multi-valued: AWS does not substitute those.
    Many,
    /// The key is not known (an open context): the match depends on it.
    Unknown,
}

/// Resolves policy variables.
pub trait VarSource {
    /// The value of variable `key` (any case).
    fn var(&self, key: &str) -> VarValue<'_>;
}

/// A source with no variables at all.
pub struct NoVars;

impl VarSource for NoVars {
    fn var(&self, _key: &str) -> VarValue<'_> {
        VarValue::Missing
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Fast {
    /// Literal text only.
    Exact(String),
    /// `*` alone.
    Any,
    /// Literal then a final `*`.
    Prefix(String),
    /// Anything else without variables.
    General,
    /// Has variables: resolve, then match.
    Vars,
}

/// A compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    segs: Vec<Seg>,
    case: Case,
    fast: Fast,
    raw: String,
}

/// Appends the segments of glob text to `segs`: `*` and `?` are wildcards,
/// everything else literal; with `escapes`, `\*` and `\?` are a literal
/// star and question mark.
pub fn push_glob(segs: &mut Vec<Seg>, text: &str, escapes: bool) {
    let mut lit = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if escapes && matches!(chars.peek(), Some('*' | '?')) => {
                lit.extend(chars.next());
            }
            '*' | '?' => {
                if !lit.is_empty() {
                    segs.push(Seg::Lit(std::mem::take(&mut lit)));
                }
                segs.push(if c == '*' { Seg::Star } else { Seg::One });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        segs.push(Seg::Lit(lit));
    }
}

impl Pattern {
    /// Builds a pattern from segments; `raw` is the source text for display.
    pub fn new(segs: Vec<Seg>, case: Case, raw: impl Into<String>) -> Pattern {
        let mut merged: Vec<Seg> = Vec::with_capacity(segs.len());
        for s in segs {
            let s = match (s, case) {
                (Seg::Lit(l), Case::Insensitive) => Seg::Lit(l.to_ascii_lowercase()),
                (Seg::Var(v), _) => Seg::Var(v),
                (other, _) => other,
            };
            match (merged.last_mut(), s) {
                (Some(Seg::Lit(prev)), Seg::Lit(l)) => prev.push_str(&l),
                (Some(Seg::Star), Seg::Star) => {}
                (_, s) => merged.push(s),
            }
        }
        let fast = if merged.iter().any(|s| matches!(s, Seg::Var(_))) {
            Fast::Vars
        } else {
            match merged.as_slice() {
                [] => Fast::Exact(String::new()),
                [Seg::Lit(l)] => Fast::Exact(l.clone()),
                [Seg::Star] => Fast::Any,
                [Seg::Lit(l), Seg::Star] => Fast::Prefix(l.clone()),
                _ => Fast::General,
            }
        };
        Pattern {
            segs: merged,
            case,
            fast,
            raw: raw.into(),
        }
    }

    /// Parses plain glob text: `*` and `?` are wildcards, no variables.
    pub fn glob(text: &str, case: Case) -> Pattern {
        let mut segs = Vec::new();
        push_glob(&mut segs, text, false);
        Pattern::new(segs, case, text)
    }

    /// Parses glob text in which `\*` and `\?` stand for a literal star and
    /// question mark (Azure ABAC's `StringLike`); any other backslash is a
    /// literal backslash.
    pub fn glob_escaped(text: &str, case: Case) -> Pattern {
        let mut segs = Vec::new();
        push_glob(&mut segs, text, true);
        Pattern::new(segs, case, text)
    }

    /// A literal pattern (no wildcards, no variables).
    pub fn literal(text: &str, case: Case) -> Pattern {
        Pattern::new(vec![Seg::Lit(text.to_owned())], case, text)
    }

    /// The source text.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The segments.
    pub fn segs(&self) -> &[Seg] {
        &self.segs
    }

    /// Case sensitivity.
    pub fn case(&self) -> Case {
        self.case
    }

    /// Whether the pattern is `*` alone.
    pub fn is_any(&self) -> bool {
        matches!(self.fast, Fast::Any)
    }

    /// Whether the pattern has no wildcard and no variable.
    pub fn as_literal(&self) -> Option<&str> {
        match &self.fast {
            Fast::Exact(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the pattern refers to policy variables.
    pub fn has_vars(&self) -> bool {
        matches!(self.fast, Fast::Vars)
    }

    /// The variables the pattern refers to.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.segs.iter().filter_map(|s| match s {
            Seg::Var(v) => Some(v),
            _ => None,
        })
    }

    /// Matches `text` without variables. For a case-insensitive pattern the
    /// caller may pass text in any case. Patterns with variables answer
    /// as if every variable were absent (see [`Pattern::matches_with`]).
    pub fn matches(&self, text: &str) -> bool {
        self.matches_with(text, &NoVars).is_true()
    }

    /// Matches `text`, resolving variables from `vars`. A variable that is
    /// absent (and has no default) makes the pattern not match, as AWS does; a
    /// multi-valued one makes the answer unknown.
    pub fn matches_with(&self, text: &str, vars: &dyn VarSource) -> Tri {
        let text: Cow<'_, str> = match self.case {
            Case::Insensitive if text.bytes().any(|b| b.is_ascii_uppercase()) => {
                Cow::Owned(text.to_ascii_lowercase())
            }
            _ => Cow::Borrowed(text),
        };
        self.matches_normalized(&text, vars)
    }

    /// Like [`Pattern::matches_with`] but `text` is already lowercased when the
    /// pattern is case-insensitive (the evaluator lowercases an action once).
    #[inline]
    pub fn matches_normalized(&self, text: &str, vars: &dyn VarSource) -> Tri {
        match &self.fast {
            Fast::Exact(l) => Tri::from(l == text),
            Fast::Any => Tri::True,
            Fast::Prefix(p) => Tri::from(text.starts_with(p.as_str())),
            Fast::General => Tri::from(glob_match(&self.segs, text.as_bytes())),
            Fast::Vars => {
                let mut resolved = Vec::with_capacity(self.segs.len());
                for s in &self.segs {
                    match s {
                        Seg::Var(v) => {
                            let val = match vars.var(&v.key) {
                                VarValue::One(x) => x.into_owned(),
                                VarValue::Missing => match &v.default {
                                    Some(d) => d.clone(),
                                    None => return Tri::False,
                                },
                                VarValue::Many => {
                                    return Tri::unknown(format!(
                                        "policy variable `${{{}}}` refers to a multi-valued key",
                                        v.key
                                    ));
                                }
                                VarValue::Unknown => {
                                    return Tri::unknown(format!(
                                        "depends on the value of `${{{}}}`",
                                        v.key
                                    ));
                                }
                            };
                            let val = match self.case {
                                Case::Insensitive => val.to_ascii_lowercase(),
                                Case::Sensitive => val,
                            };
                            resolved.push(Seg::Lit(val));
                        }
                        other => resolved.push(other.clone()),
                    }
                }
                Tri::from(glob_match(&resolved, text.as_bytes()))
            }
        }
    }
}

impl Pattern {
    /// Whether every string `inner` matches, `self` matches too (sound, not
    /// complete): `self` must take `inner` read as a string in which
    /// `inner`'s `*` can only be taken by a `*` of `self` and its `?` by a
    /// `?` or `*`. Patterns with variables, or of differing case rules, are
    /// never said to include.
    pub fn includes(&self, inner: &Pattern) -> bool {
        if self.case != inner.case || self.has_vars() || inner.has_vars() {
            return false;
        }
        if self.is_any() {
            return true;
        }
        let (q, p) = (tokens(&self.segs), tokens(&inner.segs));
        // m[i][j]: q[j..] takes p[i..]
        let (n, k) = (p.len(), q.len());
        let mut m = vec![vec![false; k + 1]; n + 1];
        let at = |m: &Vec<Vec<bool>>, i: usize, j: usize| {
            m.get(i).and_then(|r| r.get(j)).copied().unwrap_or(false)
        };
        for i in (0..=n).rev() {
            for j in (0..=k).rev() {
                let v = match (p.get(i), q.get(j)) {
                    (None, None) => true,
                    (_, None) => false,
                    (pi, Some(Tok::Star)) => at(&m, i, j + 1) || (pi.is_some() && at(&m, i + 1, j)),
                    (None, Some(_)) | (Some(Tok::Star), Some(_)) => false,
                    (Some(Tok::One | Tok::Ch(_)), Some(Tok::One)) => at(&m, i + 1, j + 1),
                    (Some(Tok::Ch(a)), Some(Tok::Ch(b))) if a == b => at(&m, i + 1, j + 1),
                    _ => false,
                };
                if let Some(cell) = m.get_mut(i).and_then(|r| r.get_mut(j)) {
                    *cell = v;
                }
            }
        }
        at(&m, 0, 0)
    }

    /// Whether no string matches both (sound, not complete): their literal
    /// heads (before the first wildcard or variable) or literal tails (after
    /// the last) disagree, compared without case when either pattern
    /// ignores it.
    pub fn disjoint_from(&self, other: &Pattern) -> bool {
        let fold = self.case == Case::Insensitive || other.case == Case::Insensitive;
        let norm = |s: String| if fold { s.to_ascii_lowercase() } else { s };
        let (h1, h2) = (norm(head(&self.segs)), norm(head(&other.segs)));
        if !h1.starts_with(&h2) && !h2.starts_with(&h1) {
            return true;
        }
        let (t1, t2) = (norm(tail(&self.segs)), norm(tail(&other.segs)));
        !t1.ends_with(&t2) && !t2.ends_with(&t1)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tok {
    Ch(char),
    Star,
    One,
}

/// Segments as tokens (call only without variables).
fn tokens(segs: &[Seg]) -> Vec<Tok> {
    let mut out = Vec::new();
    for s in segs {
        match s {
            Seg::Lit(l) => out.extend(l.chars().map(Tok::Ch)),
            Seg::Star => out.push(Tok::Star),
            Seg::One | Seg::Var(_) => out.push(Tok::One),
        }
    }
    out
}

/// The literal text before the first non-literal segment (the whole text of
/// a literal pattern).
fn head(segs: &[Seg]) -> String {
    match segs.first() {
        Some(Seg::Lit(l)) => l.clone(),
        _ => String::new(),
    }
}

/// The literal text after the last non-literal segment.
fn tail(segs: &[Seg]) -> String {
    match segs.last() {
        Some(Seg::Lit(l)) => l.clone(),
        _ => String::new(),
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Length in bytes of the UTF-8 character starting with `b`, or `None` for a
/// continuation byte.
fn char_len(b: u8) -> Option<usize> {
    match b {
        0x00..=0x7F => Some(1),
        0xC0..=0xDF => Some(2),
        0xE0..=0xEF => Some(3),
        0xF0..=0xFF => Some(4),
        _ => None,
    }
}

/// Iterative glob matching with single-star backtracking (linear in practice).
fn glob_match(segs: &[Seg], text: &[u8]) -> bool {
    let (mut si, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let step = match segs.get(si) {
            Some(Seg::Lit(l)) => {
                let l = l.as_bytes();
                if text.get(ti..ti + l.len()) == Some(l) {
                    ti += l.len();
                    si += 1;
                    true
                } else {
                    false
                }
            }
            Some(Seg::One) => match text.get(ti).copied().and_then(char_len) {
                Some(n) if ti + n <= text.len() => {
                    ti += n;
                    si += 1;
                    true
                }
                _ => false,
            },
            Some(Seg::Star) => {
                si += 1;
                star = Some((si, ti));
                true
            }
            // variables are resolved before matching; an unresolved one never matches
            Some(Seg::Var(_)) => false,
            None => {
                if ti == text.len() {
                    return true;
                }
                false
            }
        };
        if !step {
            match star {
                Some((ssi, sti)) if sti < text.len() => {
                    star = Some((ssi, sti + 1));
                    si = ssi;
                    ti = sti + 1;
                }
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some('*'), _) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
            (Some('?'), Some(_)) => reference(&p[1..], &t[1..]),
            (Some(c), Some(d)) if c == d => reference(&p[1..], &t[1..]),
            _ => false,
        }
    }

    #[test]
    fn basics() {
        let p = Pattern::glob("s3:Get*", Case::Insensitive);
        assert!(p.matches("S3:GETOBJECT"));
        assert!(!p.matches("s3:PutObject"));
        let r = Pattern::glob("arn:aws:s3:::b/*.csv", Case::Sensitive);
        assert!(r.matches("arn:aws:s3:::b/x/y.csv"));
        assert!(!r.matches("arn:aws:s3:::B/x.csv"));
        assert!(Pattern::glob("a?c", Case::Sensitive).matches("aéc"));
        assert!(!Pattern::glob("a?c", Case::Sensitive).matches("ac"));
    }

    struct V;
    impl VarSource for V {
        fn var(&self, key: &str) -> VarValue<'_> {
            match key {
                "aws:username" => VarValue::One(Cow::Borrowed("Al*ce")),
                "tags" => VarValue::Many,
                _ => VarValue::Missing,
            }
        }
    }

    #[test]
    fn variables_are_literal() {
        let p = Pattern::new(
            vec![
                Seg::Lit("home/".into()),
                Seg::Var(Var {
                    key: "aws:username".into(),
                    default: None,
                }),
                Seg::Lit("/".into()),
                Seg::Star,
            ],
            Case::Sensitive,
            "home/${aws:username}/*",
        );
        assert_eq!(p.matches_with("home/Al*ce/x", &V), Tri::True);
        assert_eq!(p.matches_with("home/Alice/x", &V), Tri::False);
        let d = Pattern::new(
            vec![Seg::Var(Var {
                key: "x".into(),
                default: Some("none".into()),
            })],
            Case::Sensitive,
            "${x, 'none'}",
        );
        assert_eq!(d.matches_with("none", &V), Tri::True);
        let m = Pattern::new(
            vec![Seg::Var(Var {
                key: "tags".into(),
                default: None,
            })],
            Case::Sensitive,
            "",
        );
        assert!(matches!(m.matches_with("a", &V), Tri::Unknown(_)));
    }

    #[test]
    fn inclusion_and_disjointness() {
        let g = |s: &str| Pattern::glob(s, Case::Sensitive);
        assert!(
            g("arn:aws:lambda:*:*:function:*")
                .includes(&g("arn:aws:lambda:*:111122223333:function:*"))
        );
        assert!(
            !g("arn:aws:lambda:*:111122223333:function:*")
                .includes(&g("arn:aws:lambda:*:*:function:*"))
        );
        assert!(g("*").includes(&g("arn:aws:s3:::*/*")));
        assert!(g("arn:aws:s3:::b/*").includes(&g("arn:aws:s3:::b/logs/*")));
        assert!(!g("arn:aws:s3:::b/logs/*").includes(&g("arn:aws:s3:::b/*")));
        assert!(g("a?c").includes(&g("abc")));
        assert!(!g("abc").includes(&g("a?c")));
        assert!(!g("a?c").includes(&g("a*c")));
        assert!(!g("*").includes(&Pattern::glob("x", Case::Insensitive)));
        assert!(g("arn:aws:s3:::a/*").disjoint_from(&g("arn:aws:kms:*:*:key/*")));
        assert!(g("arn:aws:s3:::*.log").disjoint_from(&g("arn:aws:s3:::*.txt")));
        assert!(!g("arn:aws:s3:::a*").disjoint_from(&g("arn:aws:s3:::ab/*")));
        assert!(!g("*").disjoint_from(&g("x")));
        assert!(!Pattern::glob("ARN:*", Case::Insensitive).disjoint_from(&g("arn:x")));
    }

    proptest! {
        /// `includes` and `disjoint_from` agree with matching: an included
        /// pattern's strings all match the outer one, and disjoint patterns
        /// share no string (checked on every string up to length 5).
        #[test]
        fn inclusion_and_disjointness_agree_with_matching(
            a in "[ab*?]{0,5}", b in "[ab*?]{0,5}",
        ) {
            let (pa, pb) = (Pattern::glob(&a, Case::Sensitive), Pattern::glob(&b, Case::Sensitive));
            let mut strings = vec![String::new()];
            for len in 1..=5 {
                for i in 0..(1u32 << len) {
                    strings.push((0..len).map(|k| if i >> k & 1 == 1 { 'a' } else { 'b' }).collect());
                }
            }
            if pa.includes(&pb) {
                for s in &strings {
                    prop_assert!(!pb.matches(s) || pa.matches(s), "{a} includes {b}, but {s}");
                }
            }
            if pa.disjoint_from(&pb) {
                for s in &strings {
                    prop_assert!(!(pa.matches(s) && pb.matches(s)), "{a} and {b} share {s}");
                }
            }
            // literal inner patterns: inclusion is exactly matching
            if let Some(l) = pb.as_literal() {
                prop_assert_eq!(pa.includes(&pb), pa.matches(l));
            }
        }

        #[test]
        fn agrees_with_reference(p in "[ab*?]{0,8}", t in "[ab]{0,10}") {
            let pat = Pattern::glob(&p, Case::Sensitive);
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(pat.matches(&t), reference(&pc, &tc));
        }

        #[test]
        fn case_insensitive_agrees(p in "[aB*?]{0,6}", t in "[Ab]{0,8}") {
            let pat = Pattern::glob(&p, Case::Insensitive);
            let pc: Vec<char> = p.to_ascii_lowercase().chars().collect();
            let tc: Vec<char> = t.to_ascii_lowercase().chars().collect();
            prop_assert_eq!(pat.matches(&t), reference(&pc, &tc));
        }
    }
}
