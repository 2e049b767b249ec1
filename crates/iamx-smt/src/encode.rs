//! Encodings of model atoms as terms: globs as regular expressions, IP
//! networks as bit-vector prefixes.
//!
//! # Globs and case
//!
//! A case-insensitive [`Pattern`] stores its literal parts lowercased, and
//! [`glob_to_regex`] keeps them lowercased: the regex is meant to be matched
//! against a **lowercased** string. The caller either constrains the variable
//! to lowercase text (an action name is lowercased once, as the concrete
//! evaluator does) or encodes the lowering itself. When the input may be in
//! any case, use [`glob_to_regex_any_case`], which expands each letter into
//! both cases (a bigger regex for the solver).
//!
//! # Actions as catalog indices
//!
//! DESIGN §7 measured a faster alternative for actions: an integer index
//! into the sorted action catalog, a glob becoming index ranges
//! ([`glob_index_ranges`], [`index_in_ranges`]). It is sound only for the
//! actions the catalog lists: the caller must also account for actions
//! outside it (one representative per glob cell), which belongs with the
//! catalog-driven partitioning of the analysis.

use crate::regex::Regex;
use crate::term::{Sort, Term};
use iamx_model::{Case, Cidr, Pattern, Seg};
use std::fmt;
use std::net::IpAddr;

/// A pattern the encoder cannot turn into a term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// The pattern as written.
    pub pattern: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot encode pattern `{}`: {}",
            self.pattern, self.reason
        )
    }
}

impl std::error::Error for EncodeError {}

/// The most parts (literals and wildcard runs) of a glob the encoding
/// builds a regex for: real patterns have a handful, and the solver's
/// regex construction grows faster than linearly with their number, so a
/// larger one is refused (the question's answer is then `unknown`, with
/// this reason) rather than left to run past every timeout.
pub const MAX_GLOB_PARTS: usize = 256;

/// The segments of `p` with every run of wildcards in its shortest form:
/// the run's `?`s, then one `*` if it holds any (`*?*?` is `??*`, the same
/// language).
fn normal_segs(p: &Pattern) -> Vec<&Seg> {
    let segs = p.segs();
    let mut out = Vec::with_capacity(segs.len());
    let mut k = 0;
    while let Some(s) = segs.get(k) {
        if matches!(s, Seg::Star | Seg::One) {
            let mut star = None;
            while let Some(w) = segs.get(k) {
                match w {
                    Seg::One => out.push(w),
                    Seg::Star => star = Some(w),
                    _ => break,
                }
                k += 1;
            }
            out.extend(star);
        } else {
            out.push(s);
            k += 1;
        }
    }
    out
}

fn glob_regex(p: &Pattern, any_case: bool) -> Result<Regex, EncodeError> {
    let segs = normal_segs(p);
    if segs.len() > MAX_GLOB_PARTS {
        return Err(EncodeError {
            pattern: if p.raw().chars().count() > 80 {
                p.raw().chars().take(80).collect::<String>() + "…"
            } else {
                p.raw().to_owned()
            },
            reason: format!(
                "it has {} literals and wildcards; the encoding builds at most {MAX_GLOB_PARTS}",
                segs.len()
            ),
        });
    }
    let mut parts = Vec::with_capacity(segs.len());
    for s in segs {
        parts.push(match s {
            Seg::Lit(l) if any_case && p.case() == Case::Insensitive => Regex::lit_ci(l),
            Seg::Lit(l) => Regex::lit(l.as_str()),
            Seg::Star => Regex::all(),
            Seg::One => Regex::any_char(),
            Seg::Var(v) => {
                return Err(EncodeError {
                    pattern: p.raw().to_owned(),
                    reason: format!(
                        "policy variable `${{{}}}` must be substituted before encoding",
                        v.key
                    ),
                });
            }
        });
    }
    Ok(Regex::concat(parts))
}

/// The regex of a glob: literals as written (lowercased for a
/// case-insensitive pattern: match it against lowercased text), `*` as any
/// string, `?` as any one character. Patterns with policy variables are
/// refused: substitute them first.
pub fn glob_to_regex(p: &Pattern) -> Result<Regex, EncodeError> {
    glob_regex(p, false)
}

/// Like [`glob_to_regex`], but a case-insensitive pattern's letters match
/// either case, so the input need not be lowercased.
pub fn glob_to_regex_any_case(p: &Pattern) -> Result<Regex, EncodeError> {
    glob_regex(p, true)
}

impl Term {
    /// `s` matches the glob `p`.
    ///
    /// A string constant is matched right away with [`Pattern::matches`]
    /// (which ignores case for a case-insensitive pattern). Otherwise the
    /// cheapest equivalent atom is built: `*` is `true`, a literal is an
    /// equality, `lit*` a prefix test, `*lit` a suffix test, `*lit*` a
    /// containment test, anything else a regex membership. For a
    /// case-insensitive pattern a symbolic `s` must hold lowercased text
    /// (see the module doc).
    pub fn matches_pattern(s: Term, p: &Pattern) -> Result<Term, EncodeError> {
        if p.has_vars() {
            // checked first so a constant does not hide the problem
            glob_to_regex(p)?;
        }
        if let Some(c) = s.as_str() {
            return Ok(Term::bool(p.matches(c)));
        }
        let lit = |l: &str| Term::string(l);
        Ok(match p.segs() {
            [] => Term::equal(s, lit("")),
            [Seg::Star] => Term::in_re(s, Regex::all()),
            [Seg::Lit(l)] => Term::equal(s, lit(l)),
            [Seg::Lit(l), Seg::Star] => Term::prefix_of(lit(l), s),
            [Seg::Star, Seg::Lit(l)] => Term::suffix_of(lit(l), s),
            [Seg::Star, Seg::Lit(l), Seg::Star] => Term::contains(s, lit(l)),
            _ => Term::in_re(s, glob_to_regex(p)?),
        })
    }
}

/// The bit-vector constant of an address: 32 bits for IPv4, 128 for IPv6.
pub fn ip_const(addr: IpAddr) -> Term {
    match addr {
        IpAddr::V4(a) => Term::bitvec(32, u128::from(u32::from(a))),
        IpAddr::V6(a) => Term::bitvec(128, u128::from(a)),
    }
}

/// `ip` lies in `cidr`: the top `prefix` bits of `ip` equal the network's.
///
/// `ip` is a 32-bit (IPv4) or 128-bit (IPv6) bit-vector term; a network of
/// the other family never contains it (`false`), as in
/// [`Cidr::contains`]. A `/0` network contains every address of its family.
pub fn ip_in_cidr(ip: &Term, cidr: Cidr) -> Term {
    let (width, net) = match cidr.addr {
        IpAddr::V4(a) => (32u32, u128::from(u32::from(a))),
        IpAddr::V6(a) => (128u32, u128::from(a)),
    };
    match ip.sort() {
        Some(Sort::BitVec(w)) if w == width => {}
        Some(Sort::BitVec(32 | 128)) => return Term::ff(),
        // wrong sort: build the comparison anyway so the term is ill-sorted
        // and says so, instead of silently answering
        _ => return Term::equal(ip.clone(), Term::bitvec(width, net)),
    }
    let prefix = u32::from(cidr.prefix).min(width);
    if prefix == 0 {
        return Term::tt();
    }
    let low = width - prefix;
    Term::equal(
        Term::extract(width - 1, low, ip.clone()),
        Term::bitvec(prefix, net >> low),
    )
}

/// The inclusive index ranges of the entries of `catalog` that `p` matches
/// (with [`Pattern::matches`], so case rules apply as in the evaluator).
/// With a sorted catalog a prefix glob is one range.
pub fn glob_index_ranges<S: AsRef<str>>(p: &Pattern, catalog: &[S]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (i, entry) in catalog.iter().enumerate() {
        let Ok(i) = i64::try_from(i) else { break };
        if !p.matches(entry.as_ref()) {
            continue;
        }
        match out.last_mut() {
            Some((_, hi)) if *hi + 1 == i => *hi = i,
            _ => out.push((i, i)),
        }
    }
    out
}

/// The integer `index` lies in one of the inclusive `ranges`.
pub fn index_in_ranges(index: &Term, ranges: &[(i64, i64)]) -> Term {
    Term::or(ranges.iter().map(|&(lo, hi)| {
        if lo == hi {
            Term::equal(index.clone(), Term::int(lo))
        } else {
            Term::and([
                Term::le(Term::int(lo), index.clone()),
                Term::le(index.clone(), Term::int(hi)),
            ])
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(segs: &[&Seg]) -> String {
        segs.iter()
            .map(|s| match s {
                Seg::Lit(l) => l.clone(),
                Seg::Star => "*".to_owned(),
                Seg::One => "?".to_owned(),
                Seg::Var(_) => "$".to_owned(),
            })
            .collect()
    }

    #[test]
    fn wildcard_runs_take_their_shortest_form_and_huge_globs_are_refused() {
        let p = Pattern::glob("a*?*?b??*", Case::Sensitive);
        assert_eq!(text(&normal_segs(&p)), "a??*b??*");
        let re = glob_to_regex(&p).unwrap();
        for (t, m) in [
            ("axyb12", true),
            ("axyb1", false),
            ("axb123", false),
            ("axyzb123", true),
        ] {
            assert_eq!(re.matches(t), m, "{t}");
            assert_eq!(p.matches(t), m, "{t}");
        }
        let huge = Pattern::glob(
            &format!("arn:aws:s3:::{}x", "*?x".repeat(300)),
            Case::Sensitive,
        );
        let e = glob_to_regex(&huge).unwrap_err();
        assert!(e.reason.contains("at most 256"), "{e}");
        // runs of wildcards alone stay small whatever their length
        let runs = Pattern::glob(
            &format!("arn:aws:s3:::{}", "*?".repeat(100)),
            Case::Sensitive,
        );
        assert!(glob_to_regex(&runs).is_ok());
    }
}
