//! The regular-expression sub-language of string terms.
//!
//! Small on purpose: literals, character ranges, union, concatenation, star
//! and plus; "any character" is the full character *range* (not z3's
//! `allchar`, which Debian's z3 4.8.12 library lacks) and "any string" is
//! that range starred. Case-insensitive literals are expanded into
//! per-letter unions by [`Regex::lit_ci`]. The smart constructors simplify
//! (flatten, drop the empty string and the empty language, merge adjacent
//! literals), and [`Regex::matches`] is the concrete matcher the evaluator
//! and the constant-folding constructors use.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// The largest character of the SMT-LIB string theory (and of z3): U+2FFFF.
/// Strings holding a larger character cannot be sent to the solver.
pub const MAX_CHAR: char = '\u{2FFFF}';

/// What a regular expression is. Build with the constructors on [`Regex`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReKind {
    /// The empty language (matches nothing).
    None,
    /// Exactly this string (the empty literal is the empty-string language).
    Lit(String),
    /// One character in `lo..=hi`.
    Range(char, char),
    /// Any of two or more languages.
    Union(Vec<Regex>),
    /// Two or more languages in sequence.
    Concat(Vec<Regex>),
    /// Zero or more repetitions.
    Star(Regex),
    /// One or more repetitions.
    Plus(Regex),
}

/// A regular expression over strings; cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Regex(Arc<ReKind>);

impl Regex {
    fn mk(k: ReKind) -> Regex {
        Regex(Arc::new(k))
    }

    /// What the expression is.
    pub fn kind(&self) -> &ReKind {
        &self.0
    }

    /// The empty language.
    pub fn none() -> Regex {
        Regex::mk(ReKind::None)
    }

    /// The language holding only the empty string.
    pub fn epsilon() -> Regex {
        Regex::lit("")
    }

    /// Exactly the string `s`.
    pub fn lit(s: impl Into<String>) -> Regex {
        Regex::mk(ReKind::Lit(s.into()))
    }

    /// The string `s` in any ASCII case: each ASCII letter becomes the union
    /// of its two cases, other characters stay literal.
    pub fn lit_ci(s: &str) -> Regex {
        let mut parts = Vec::new();
        let mut run = String::new();
        for c in s.chars() {
            if c.is_ascii_alphabetic() {
                if !run.is_empty() {
                    parts.push(Regex::lit(std::mem::take(&mut run)));
                }
                parts.push(Regex::union([
                    Regex::lit(c.to_ascii_lowercase().to_string()),
                    Regex::lit(c.to_ascii_uppercase().to_string()),
                ]));
            } else {
                run.push(c);
            }
        }
        if !run.is_empty() {
            parts.push(Regex::lit(run));
        }
        Regex::concat(parts)
    }

    /// One character in `lo..=hi` (the empty language when `lo > hi`).
    pub fn range(lo: char, hi: char) -> Regex {
        if lo > hi {
            Regex::none()
        } else {
            Regex::mk(ReKind::Range(lo, hi))
        }
    }

    /// Any one character: the range `U+0000..=MAX_CHAR`.
    pub fn any_char() -> Regex {
        Regex::range('\0', MAX_CHAR)
    }

    /// Any string: `any_char()*`.
    pub fn all() -> Regex {
        Regex::mk(ReKind::Star(Regex::any_char()))
    }

    /// Whether this is the empty language as built (not a decision procedure).
    pub fn is_none(&self) -> bool {
        matches!(self.kind(), ReKind::None)
    }

    /// Whether this is the empty-string language as built.
    pub fn is_epsilon(&self) -> bool {
        matches!(self.kind(), ReKind::Lit(s) if s.is_empty())
    }

    /// Whether this is the language of all strings as built.
    pub fn is_all(&self) -> bool {
        matches!(self.kind(), ReKind::Star(r) if r.is_any_char())
    }

    /// Whether this is the full character range.
    pub fn is_any_char(&self) -> bool {
        matches!(self.kind(), ReKind::Range(lo, hi) if *lo == '\0' && *hi >= MAX_CHAR)
    }

    /// Union: flattens, drops the empty language, removes duplicates; the
    /// full language absorbs everything.
    pub fn union<I: IntoIterator<Item = Regex>>(rs: I) -> Regex {
        let mut flat = Vec::new();
        for r in rs {
            match r.kind() {
                ReKind::Union(xs) => flat.extend(xs.iter().cloned()),
                ReKind::None => {}
                _ => flat.push(r),
            }
        }
        if flat.iter().any(Regex::is_all) {
            return Regex::all();
        }
        let mut seen = HashSet::new();
        let flat: Vec<Regex> = flat
            .into_iter()
            .filter(|r| seen.insert(r.clone()))
            .collect();
        match flat.len() {
            0 => Regex::none(),
            1 => flat.into_iter().next().unwrap_or_else(Regex::none),
            _ => Regex::mk(ReKind::Union(flat)),
        }
    }

    /// Concatenation: flattens, drops empty strings, merges adjacent
    /// literals and adjacent `all()`; the empty language absorbs everything.
    pub fn concat<I: IntoIterator<Item = Regex>>(rs: I) -> Regex {
        let mut out: Vec<Regex> = Vec::new();
        let push = |out: &mut Vec<Regex>, r: Regex| {
            if r.is_epsilon() {
                return;
            }
            match (out.last().map(Regex::kind), r.kind()) {
                (Some(ReKind::Lit(a)), ReKind::Lit(b)) => {
                    let merged = format!("{a}{b}");
                    out.pop();
                    out.push(Regex::lit(merged));
                }
                _ if r.is_all() && out.last().is_some_and(Regex::is_all) => {}
                _ => out.push(r),
            }
        };
        for r in rs {
            match r.kind() {
                ReKind::None => return Regex::none(),
                ReKind::Concat(xs) => {
                    for x in xs {
                        push(&mut out, x.clone());
                    }
                }
                _ => push(&mut out, r),
            }
        }
        match out.len() {
            0 => Regex::epsilon(),
            1 => out.into_iter().next().unwrap_or_else(Regex::epsilon),
            _ => Regex::mk(ReKind::Concat(out)),
        }
    }

    /// Kleene star: `none* = ε* = ε`, `(r*)* = (r+)* = r*`.
    pub fn star(r: Regex) -> Regex {
        match r.kind() {
            ReKind::None => Regex::epsilon(),
            ReKind::Lit(s) if s.is_empty() => Regex::epsilon(),
            ReKind::Star(_) => r,
            ReKind::Plus(x) => Regex::star(x.clone()),
            _ => Regex::mk(ReKind::Star(r)),
        }
    }

    /// One or more: `none+ = none`, `ε+ = ε`, `(r*)+ = r*`, `(r+)+ = r+`.
    pub fn plus(r: Regex) -> Regex {
        match r.kind() {
            ReKind::None | ReKind::Star(_) | ReKind::Plus(_) => r,
            ReKind::Lit(s) if s.is_empty() => r,
            _ => Regex::mk(ReKind::Plus(r)),
        }
    }

    /// Whether `s` is in the language (concrete matcher).
    pub fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        let mut start = vec![false; chars.len() + 1];
        if let Some(first) = start.first_mut() {
            *first = true;
        }
        let end = self.step(&chars, &start);
        end.last().copied().unwrap_or(false)
    }

    /// From a set of start positions, the set of positions where a match of
    /// `self` can end.
    fn step(&self, text: &[char], starts: &[bool]) -> Vec<bool> {
        let n = starts.len();
        let mut out = vec![false; n];
        let set = |out: &mut Vec<bool>, i: usize| {
            if let Some(slot) = out.get_mut(i) {
                *slot = true;
            }
        };
        let positions = || {
            starts
                .iter()
                .enumerate()
                .filter(|(_, b)| **b)
                .map(|(i, _)| i)
        };
        match self.kind() {
            ReKind::None => {}
            ReKind::Lit(l) => {
                let l: Vec<char> = l.chars().collect();
                for i in positions() {
                    if text.get(i..i + l.len()) == Some(l.as_slice()) {
                        set(&mut out, i + l.len());
                    }
                }
            }
            ReKind::Range(lo, hi) => {
                for i in positions() {
                    if text.get(i).is_some_and(|c| lo <= c && c <= hi) {
                        set(&mut out, i + 1);
                    }
                }
            }
            ReKind::Union(rs) => {
                for r in rs {
                    for (o, x) in out.iter_mut().zip(r.step(text, starts)) {
                        *o |= x;
                    }
                }
            }
            ReKind::Concat(rs) => {
                let mut cur = starts.to_vec();
                for r in rs {
                    cur = r.step(text, &cur);
                }
                out = cur;
            }
            ReKind::Star(r) => out = r.closure(text, starts.to_vec()),
            ReKind::Plus(r) => {
                let once = r.step(text, starts);
                out = r.closure(text, once);
            }
        }
        out
    }

    /// Positions reachable from `reached` by zero or more matches of `self`.
    fn closure(&self, text: &[char], mut reached: Vec<bool>) -> Vec<bool> {
        let mut frontier = reached.clone();
        loop {
            let next = self.step(text, &frontier);
            let mut grew = false;
            for ((r, f), x) in reached.iter_mut().zip(frontier.iter_mut()).zip(next) {
                *f = x && !*r;
                if *f {
                    *r = true;
                    grew = true;
                }
            }
            if !grew {
                return reached;
            }
        }
    }
}

impl fmt::Display for Regex {
    /// SMT-LIB notation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::smtlib::write_regex(f, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher() {
        let r = Regex::concat([Regex::lit("ab"), Regex::all(), Regex::lit("c")]);
        assert!(r.matches("abc"));
        assert!(r.matches("abxxc"));
        assert!(!r.matches("abx"));
        let s = Regex::star(Regex::union([Regex::lit("ab"), Regex::lit("c")]));
        assert!(s.matches(""));
        assert!(s.matches("abcab"));
        assert!(!s.matches("abca"));
        let p = Regex::plus(Regex::range('0', '9'));
        assert!(!p.matches(""));
        assert!(p.matches("2026"));
        assert!(!p.matches("20x6"));
        assert!(Regex::lit_ci("s3:Get").matches("S3:gET"));
        assert!(!Regex::lit_ci("s3:Get").matches("s4:get"));
        assert!(!Regex::none().matches(""));
        assert!(Regex::epsilon().matches(""));
        assert!(Regex::any_char().matches("\u{2FFFF}"));
        assert!(!Regex::any_char().matches("ab"));
    }

    #[test]
    fn simplification() {
        assert!(Regex::union([Regex::none(), Regex::none()]).is_none());
        assert!(Regex::union([Regex::lit("a"), Regex::all()]).is_all());
        assert_eq!(
            Regex::union([Regex::lit("a"), Regex::lit("a")]),
            Regex::lit("a")
        );
        assert!(Regex::concat([Regex::lit("a"), Regex::none()]).is_none());
        assert_eq!(
            Regex::concat([Regex::lit("a"), Regex::epsilon(), Regex::lit("b")]),
            Regex::lit("ab")
        );
        assert!(Regex::concat([Regex::all(), Regex::all()]).is_all());
        assert!(Regex::concat(Vec::<Regex>::new()).is_epsilon());
        assert!(Regex::star(Regex::none()).is_epsilon());
        assert!(Regex::star(Regex::star(Regex::any_char())).is_all());
        assert!(Regex::star(Regex::plus(Regex::any_char())).is_all());
        assert!(Regex::plus(Regex::all()).is_all());
        assert!(Regex::range('b', 'a').is_none());
    }
}
