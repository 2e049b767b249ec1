//! The reasoner's own terms and their simplifying smart constructors.
//!
//! A [`Term`] is an `Arc` around an immutable node that carries its kind, its
//! [`Sort`] (computed once, at construction) and a structural hash (also
//! computed once), so cloning is a reference-count bump and hashing or
//! comparing shared sub-terms is cheap.
//!
//! Terms are only built through the smart constructors on [`Term`]
//! (`Term::and`, `Term::equal`, `Term::in_re`, ...). Like the term factory of
//! Cedar's symbolic compiler, every constructor folds what it can decide on
//! the spot: constants, `and(true, x) = x`, `and(false, ..) = false`,
//! `not(not x) = x`, complementary literals, equality of two literals,
//! `ite` with a constant condition, flattening of nested `and`/`or`, and
//! duplicate removal. A question that folds to a constant never reaches the
//! solver.
//!
//! Constructors never fail. A term whose arguments have the wrong sorts is
//! still built but has no sort ([`Term::sort`] is `None`); the solver backend
//! and the evaluator refuse such terms (an `Unknown`, never a `No`), and
//! [`Term::sort_error`] says what is wrong.

use crate::regex::Regex;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The sort (type) of a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sort {
    /// Booleans.
    Bool,
    /// Mathematical (unbounded) integers; constants are `i64`.
    Int,
    /// Strings of Unicode code points up to [`crate::regex::MAX_CHAR`]
    /// (the SMT-LIB string theory).
    String,
    /// Bit-vectors of the given width (1 to 128).
    BitVec(u32),
}

impl Sort {
    /// Whether the sort is one the reasoner supports (bit-vector widths 1–128).
    pub fn is_valid(self) -> bool {
        match self {
            Sort::BitVec(w) => (1..=128).contains(&w),
            _ => true,
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sort::Bool => f.write_str("Bool"),
            Sort::Int => f.write_str("Int"),
            Sort::String => f.write_str("String"),
            Sort::BitVec(w) => write!(f, "(_ BitVec {w})"),
        }
    }
}

/// A named, sorted variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var {
    name: Arc<str>,
    sort: Sort,
}

impl Var {
    /// A variable `name` of sort `sort`.
    pub fn new(name: impl Into<Arc<str>>, sort: Sort) -> Var {
        Var {
            name: name.into(),
            sort,
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sort.
    pub fn sort(&self) -> Sort {
        self.sort
    }
}

/// A constant value of one of the sorts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// A Boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A bit-vector: `bits` holds the value, masked to `width` bits.
    BitVec {
        /// Width in bits (1–128).
        width: u32,
        /// The value (unsigned).
        bits: u128,
    },
}

impl Value {
    /// A bit-vector value, masked to `width` bits.
    pub fn bitvec(width: u32, bits: u128) -> Value {
        Value::BitVec {
            width,
            bits: bits & mask(width),
        }
    }

    /// The value's sort.
    pub fn sort(&self) -> Sort {
        match self {
            Value::Bool(_) => Sort::Bool,
            Value::Int(_) => Sort::Int,
            Value::Str(_) => Sort::String,
            Value::BitVec { width, .. } => Sort::BitVec(*width),
        }
    }
}

impl fmt::Display for Value {
    /// SMT-LIB notation (strings quoted and escaped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::smtlib::write_value(f, self)
    }
}

/// The all-ones mask of a bit-vector width (widths above 128 saturate).
pub(crate) fn mask(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

/// What a term is. Read it with [`Term::kind`]; build terms with the smart
/// constructors on [`Term`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A constant.
    Const(Value),
    /// A variable.
    Var(Var),
    /// Boolean negation.
    Not(Term),
    /// Conjunction of two or more terms.
    And(Vec<Term>),
    /// Disjunction of two or more terms.
    Or(Vec<Term>),
    /// Implication.
    Implies(Term, Term),
    /// If-then-else (any sort).
    Ite(Term, Term, Term),
    /// Equality of two terms of one sort.
    Eq(Term, Term),
    /// Pairwise distinctness of two or more terms of one sort.
    Distinct(Vec<Term>),
    /// Integer `<`.
    Lt(Term, Term),
    /// Integer `<=`.
    Le(Term, Term),
    /// Integer sum of two or more terms.
    Add(Vec<Term>),
    /// Integer difference.
    Sub(Term, Term),
    /// `PrefixOf(p, s)`: `p` is a prefix of `s`.
    PrefixOf(Term, Term),
    /// `SuffixOf(p, s)`: `p` is a suffix of `s`.
    SuffixOf(Term, Term),
    /// `Contains(s, t)`: `t` occurs in `s`.
    Contains(Term, Term),
    /// The string is in the regular language.
    InRe(Term, Regex),
    /// Unsigned bit-vector `<`.
    BvUlt(Term, Term),
    /// Unsigned bit-vector `<=`.
    BvUle(Term, Term),
    /// Bits `hi` down to `lo` (inclusive) of a bit-vector.
    Extract {
        /// Highest bit kept.
        hi: u32,
        /// Lowest bit kept.
        lo: u32,
        /// The bit-vector.
        arg: Term,
    },
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    sort: Option<Sort>,
    hash: u64,
}

/// A term: cheap to clone, compared and hashed structurally (with a cached
/// hash and a pointer-equality shortcut).
#[derive(Clone, Debug)]
pub struct Term(Arc<Node>);

impl PartialEq for Term {
    fn eq(&self, other: &Term) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.hash == other.0.hash && self.0.kind == other.0.kind)
    }
}

impl Eq for Term {}

impl Hash for Term {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

fn same(a: &Term, b: &Term) -> Option<Sort> {
    match (a.sort(), b.sort()) {
        (Some(x), Some(y)) if x == y => Some(x),
        _ => None,
    }
}

fn all_of(ts: &[Term], s: Sort) -> bool {
    ts.iter().all(|t| t.sort() == Some(s))
}

fn compute_sort(kind: &Kind) -> Option<Sort> {
    use Kind::*;
    let boolean = |ok: bool| if ok { Some(Sort::Bool) } else { None };
    match kind {
        Const(v) => Some(v.sort()).filter(|s| s.is_valid()),
        Var(v) => Some(v.sort()).filter(|s| s.is_valid()),
        Not(a) => boolean(a.sort() == Some(Sort::Bool)),
        And(ts) | Or(ts) => boolean(all_of(ts, Sort::Bool)),
        Implies(a, b) => boolean(all_of(&[a.clone(), b.clone()], Sort::Bool)),
        Ite(c, t, e) => {
            if c.sort() == Some(Sort::Bool) {
                same(t, e)
            } else {
                None
            }
        }
        Eq(a, b) => same(a, b).map(|_| Sort::Bool),
        Distinct(ts) => {
            let first = ts.first().and_then(Term::sort);
            boolean(first.is_some() && ts.iter().all(|t| t.sort() == first))
        }
        Lt(a, b) | Le(a, b) => boolean(same(a, b) == Some(Sort::Int)),
        Add(ts) => {
            if all_of(ts, Sort::Int) {
                Some(Sort::Int)
            } else {
                None
            }
        }
        Sub(a, b) => same(a, b).filter(|s| *s == Sort::Int),
        PrefixOf(a, b) | SuffixOf(a, b) | Contains(a, b) => {
            boolean(same(a, b) == Some(Sort::String))
        }
        InRe(s, _) => boolean(s.sort() == Some(Sort::String)),
        BvUlt(a, b) | BvUle(a, b) => boolean(matches!(same(a, b), Some(Sort::BitVec(_)))),
        Extract { hi, lo, arg } => match arg.sort() {
            Some(Sort::BitVec(w)) if lo <= hi && *hi < w => Some(Sort::BitVec(hi - lo + 1)),
            _ => None,
        },
    }
}

fn mk(kind: Kind) -> Term {
    let sort = compute_sort(&kind);
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    let hash = h.finish();
    Term(Arc::new(Node { kind, sort, hash }))
}

/// Removes duplicates, keeping the first occurrence (so rendering follows the
/// caller's order).
fn dedup(ts: Vec<Term>) -> Vec<Term> {
    let mut seen = HashSet::with_capacity(ts.len());
    ts.into_iter().filter(|t| seen.insert(t.clone())).collect()
}

/// Whether the set holds some `x` together with `not x`.
fn has_complement(ts: &[Term]) -> bool {
    let set: HashSet<&Term> = ts.iter().collect();
    ts.iter().any(|t| match t.kind() {
        Kind::Not(x) => set.contains(x),
        _ => false,
    })
}

impl Term {
    // ----- access -----

    /// What the term is.
    pub fn kind(&self) -> &Kind {
        &self.0.kind
    }

    /// The term's sort, or `None` when its arguments have the wrong sorts.
    pub fn sort(&self) -> Option<Sort> {
        self.0.sort
    }

    /// The constant value, if the term is one.
    pub fn as_const(&self) -> Option<&Value> {
        match self.kind() {
            Kind::Const(v) => Some(v),
            _ => None,
        }
    }

    /// The Boolean constant, if the term is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_const() {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The integer constant, if the term is one.
    pub fn as_int(&self) -> Option<i64> {
        match self.as_const() {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// The string constant, if the term is one.
    pub fn as_str(&self) -> Option<&str> {
        match self.as_const() {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The bit-vector constant `(width, bits)`, if the term is one.
    pub fn as_bitvec(&self) -> Option<(u32, u128)> {
        match self.as_const() {
            Some(Value::BitVec { width, bits }) => Some((*width, *bits)),
            _ => None,
        }
    }

    /// The direct sub-terms, in order.
    pub fn children(&self) -> Vec<&Term> {
        use Kind::*;
        match self.kind() {
            Const(_) | Var(_) => vec![],
            Not(a) | InRe(a, _) | Extract { arg: a, .. } => vec![a],
            And(ts) | Or(ts) | Distinct(ts) | Add(ts) => ts.iter().collect(),
            Implies(a, b)
            | Eq(a, b)
            | Lt(a, b)
            | Le(a, b)
            | Sub(a, b)
            | PrefixOf(a, b)
            | SuffixOf(a, b)
            | Contains(a, b)
            | BvUlt(a, b)
            | BvUle(a, b) => vec![a, b],
            Ite(c, t, e) => vec![c, t, e],
        }
    }

    /// The free variables, by name. A name used with two different sorts
    /// keeps the first; [`Term::var_conflict`] reports such clashes.
    pub fn vars(&self) -> BTreeMap<Arc<str>, Var> {
        let mut out = BTreeMap::new();
        collect_vars(std::slice::from_ref(self), &mut out, &mut None);
        out
    }

    /// Describes the first ill-sorted sub-term, if any (innermost first).
    pub fn sort_error(&self) -> Option<String> {
        if self.sort().is_some() {
            return None;
        }
        for c in self.children() {
            if let Some(e) = c.sort_error() {
                return Some(e);
            }
        }
        let sorts: Vec<String> = self
            .children()
            .iter()
            .map(|c| c.sort().map_or("?".to_owned(), |s| s.to_string()))
            .collect();
        Some(format!(
            "ill-sorted term `{self}` (argument sorts: {})",
            sorts.join(", ")
        ))
    }

    /// Whether the term is a Boolean literal: a Boolean variable or its
    /// negation.
    pub fn is_literal(&self) -> bool {
        match self.kind() {
            Kind::Var(v) => v.sort() == Sort::Bool,
            Kind::Not(x) => matches!(x.kind(), Kind::Var(v) if v.sort() == Sort::Bool),
            _ => false,
        }
    }

    // ----- leaves -----

    /// A constant.
    pub fn constant(v: Value) -> Term {
        mk(Kind::Const(v))
    }

    /// The Boolean constant `b`.
    pub fn bool(b: bool) -> Term {
        Term::constant(Value::Bool(b))
    }

    /// `true`.
    pub fn tt() -> Term {
        Term::bool(true)
    }

    /// `false`.
    pub fn ff() -> Term {
        Term::bool(false)
    }

    /// The integer constant `i`.
    pub fn int(i: i64) -> Term {
        Term::constant(Value::Int(i))
    }

    /// The string constant `s`.
    pub fn string(s: impl Into<String>) -> Term {
        Term::constant(Value::Str(s.into()))
    }

    /// The bit-vector constant `bits` of `width` bits (masked to the width).
    pub fn bitvec(width: u32, bits: u128) -> Term {
        Term::constant(Value::bitvec(width, bits))
    }

    /// The variable `v`.
    pub fn var(v: Var) -> Term {
        mk(Kind::Var(v))
    }

    /// A variable `name` of sort `sort`.
    pub fn named(name: impl Into<Arc<str>>, sort: Sort) -> Term {
        Term::var(Var::new(name, sort))
    }

    // ----- Boolean structure -----

    /// Negation: folds constants and double negation.
    #[expect(
        clippy::should_implement_trait,
        reason = "a smart constructor next to `and`/`or`, not an operator on a receiver"
    )]
    pub fn not(t: Term) -> Term {
        if let Some(b) = t.as_bool() {
            return Term::bool(!b);
        }
        if let Kind::Not(x) = t.kind() {
            return x.clone();
        }
        mk(Kind::Not(t))
    }

    /// Conjunction: flattens nested conjunctions, drops `true`, is `false`
    /// when any argument is `false` or two are complementary, removes
    /// duplicates; no argument is `true`, one is itself.
    pub fn and<I: IntoIterator<Item = Term>>(ts: I) -> Term {
        Term::junction(ts, true)
    }

    /// Disjunction: the dual of [`Term::and`].
    pub fn or<I: IntoIterator<Item = Term>>(ts: I) -> Term {
        Term::junction(ts, false)
    }

    fn junction<I: IntoIterator<Item = Term>>(ts: I, is_and: bool) -> Term {
        // `unit` is the neutral element, `zero` the absorbing one.
        let (unit, zero) = (is_and, !is_and);
        let mut flat = Vec::new();
        for t in ts {
            match (t.kind(), is_and) {
                (Kind::And(xs), true) | (Kind::Or(xs), false) => flat.extend(xs.iter().cloned()),
                _ => flat.push(t),
            }
        }
        let mut kept = Vec::with_capacity(flat.len());
        for t in flat {
            match t.as_bool() {
                Some(b) if b == zero => return Term::bool(zero),
                Some(_) => {}
                None => kept.push(t),
            }
        }
        let kept = dedup(kept);
        if has_complement(&kept) {
            return Term::bool(zero);
        }
        match kept.len() {
            0 => Term::bool(unit),
            1 => kept.into_iter().next().unwrap_or_else(|| Term::bool(unit)),
            _ if is_and => mk(Kind::And(kept)),
            _ => mk(Kind::Or(kept)),
        }
    }

    /// Implication: `true => b` is `b`, `false => b`, `a => true` and
    /// `a => a` are `true`, `a => false` is `not a`.
    pub fn implies(a: Term, b: Term) -> Term {
        match (a.as_bool(), b.as_bool()) {
            (Some(true), _) => b,
            (Some(false), _) | (_, Some(true)) => Term::tt(),
            (_, Some(false)) => Term::not(a),
            _ if a == b => Term::tt(),
            _ => mk(Kind::Implies(a, b)),
        }
    }

    /// If-then-else: a constant condition picks its branch, equal branches
    /// are one branch, and Boolean branches with a constant fold into
    /// `and`/`or`/`not`.
    pub fn ite(c: Term, t: Term, e: Term) -> Term {
        if let Some(b) = c.as_bool() {
            return if b { t } else { e };
        }
        if t == e {
            return t;
        }
        match (t.as_bool(), e.as_bool()) {
            (Some(true), Some(false)) => c,
            (Some(false), Some(true)) => Term::not(c),
            (Some(true), None) => Term::or([c, e]),
            (Some(false), None) => Term::and([Term::not(c), e]),
            (None, Some(true)) => Term::or([Term::not(c), t]),
            (None, Some(false)) => Term::and([c, t]),
            _ => mk(Kind::Ite(c, t, e)),
        }
    }

    // ----- equality -----

    /// Equality: `x = x` is `true`, two constants compare, and a Boolean
    /// compared with a constant is the term or its negation.
    pub fn equal(a: Term, b: Term) -> Term {
        if a == b && a.sort().is_some() {
            return Term::tt();
        }
        if let (Some(x), Some(y)) = (a.as_const(), b.as_const())
            && x.sort() == y.sort()
        {
            return Term::bool(x == y);
        }
        if a.sort() == Some(Sort::Bool) && b.sort() == Some(Sort::Bool) {
            match (a.as_bool(), b.as_bool()) {
                (Some(true), _) => return b,
                (Some(false), _) => return Term::not(b),
                (_, Some(true)) => return a,
                (_, Some(false)) => return Term::not(a),
                _ => {}
            }
        }
        mk(Kind::Eq(a, b))
    }

    /// Pairwise distinctness: fewer than two arguments is `true`, a repeated
    /// argument or two equal constants is `false`, two arguments are
    /// `not (a = b)`.
    pub fn distinct<I: IntoIterator<Item = Term>>(ts: I) -> Term {
        let ts: Vec<Term> = ts.into_iter().collect();
        let sorted_ok = ts.iter().all(|t| t.sort().is_some());
        if sorted_ok {
            let mut seen = HashSet::new();
            if !ts.iter().all(|t| seen.insert(t)) {
                return Term::ff();
            }
        }
        match ts.as_slice() {
            [] | [_] => Term::tt(),
            [a, b] => Term::not(Term::equal(a.clone(), b.clone())),
            _ => {
                if ts.iter().all(|t| t.as_const().is_some()) && sorted_ok {
                    // all constants and no structural duplicate: distinct values
                    return Term::tt();
                }
                mk(Kind::Distinct(ts))
            }
        }
    }

    // ----- integers -----

    /// `a < b`.
    pub fn lt(a: Term, b: Term) -> Term {
        match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => Term::bool(x < y),
            _ if a == b && a.sort() == Some(Sort::Int) => Term::ff(),
            _ => mk(Kind::Lt(a, b)),
        }
    }

    /// `a <= b`.
    pub fn le(a: Term, b: Term) -> Term {
        match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => Term::bool(x <= y),
            _ if a == b && a.sort() == Some(Sort::Int) => Term::tt(),
            _ => mk(Kind::Le(a, b)),
        }
    }

    /// `a > b` (built as `b < a`).
    pub fn gt(a: Term, b: Term) -> Term {
        Term::lt(b, a)
    }

    /// `a >= b` (built as `b <= a`).
    pub fn ge(a: Term, b: Term) -> Term {
        Term::le(b, a)
    }

    /// Sum: flattens nested sums, adds up the constants (unless that
    /// overflows `i64`), drops zero.
    pub fn add<I: IntoIterator<Item = Term>>(ts: I) -> Term {
        let mut flat = Vec::new();
        for t in ts {
            match t.kind() {
                Kind::Add(xs) => flat.extend(xs.iter().cloned()),
                _ => flat.push(t),
            }
        }
        let mut sum: Option<i64> = Some(0);
        let mut rest = Vec::new();
        let mut consts = Vec::new();
        for t in flat {
            match t.as_int() {
                Some(i) => {
                    sum = sum.and_then(|s| s.checked_add(i));
                    consts.push(t);
                }
                None => rest.push(t),
            }
        }
        match sum {
            Some(0) => {}
            Some(s) => rest.push(Term::int(s)),
            // overflow: keep the constants as they are
            None => rest.extend(consts),
        }
        match rest.len() {
            0 => Term::int(0),
            1 => rest.into_iter().next().unwrap_or_else(|| Term::int(0)),
            _ => mk(Kind::Add(rest)),
        }
    }

    /// Difference: folds constants (unless that overflows), `x - 0 = x`,
    /// `x - x = 0`.
    #[expect(
        clippy::should_implement_trait,
        reason = "a smart constructor next to `add`, not an operator on a receiver"
    )]
    pub fn sub(a: Term, b: Term) -> Term {
        if let (Some(x), Some(y)) = (a.as_int(), b.as_int())
            && let Some(d) = x.checked_sub(y)
        {
            return Term::int(d);
        }
        if b.as_int() == Some(0) {
            return a;
        }
        if a == b && a.sort() == Some(Sort::Int) {
            return Term::int(0);
        }
        mk(Kind::Sub(a, b))
    }

    // ----- strings -----

    /// `prefix` is a prefix of `s`.
    pub fn prefix_of(prefix: Term, s: Term) -> Term {
        match (prefix.as_str(), s.as_str()) {
            (Some(p), Some(x)) => Term::bool(x.starts_with(p)),
            (Some(""), _) if s.sort() == Some(Sort::String) => Term::tt(),
            _ if prefix == s && s.sort() == Some(Sort::String) => Term::tt(),
            _ => mk(Kind::PrefixOf(prefix, s)),
        }
    }

    /// `suffix` is a suffix of `s`.
    pub fn suffix_of(suffix: Term, s: Term) -> Term {
        match (suffix.as_str(), s.as_str()) {
            (Some(p), Some(x)) => Term::bool(x.ends_with(p)),
            (Some(""), _) if s.sort() == Some(Sort::String) => Term::tt(),
            _ if suffix == s && s.sort() == Some(Sort::String) => Term::tt(),
            _ => mk(Kind::SuffixOf(suffix, s)),
        }
    }

    /// `needle` occurs in `s`.
    pub fn contains(s: Term, needle: Term) -> Term {
        match (s.as_str(), needle.as_str()) {
            (Some(x), Some(n)) => Term::bool(x.contains(n)),
            (_, Some("")) if s.sort() == Some(Sort::String) => Term::tt(),
            _ if s == needle && s.sort() == Some(Sort::String) => Term::tt(),
            _ => mk(Kind::Contains(s, needle)),
        }
    }

    /// `s` is in the language of `re`: a constant string is matched right
    /// away; the empty language is `false`, the full one `true`.
    pub fn in_re(s: Term, re: Regex) -> Term {
        if let Some(x) = s.as_str() {
            return Term::bool(re.matches(x));
        }
        if s.sort() == Some(Sort::String) {
            if re.is_none() {
                return Term::ff();
            }
            if re.is_all() {
                return Term::tt();
            }
        }
        mk(Kind::InRe(s, re))
    }

    // ----- bit-vectors -----

    /// Unsigned `a < b`.
    pub fn bv_ult(a: Term, b: Term) -> Term {
        match (a.as_bitvec(), b.as_bitvec()) {
            (Some((wa, x)), Some((wb, y))) if wa == wb => Term::bool(x < y),
            _ if a == b && matches!(a.sort(), Some(Sort::BitVec(_))) => Term::ff(),
            _ => mk(Kind::BvUlt(a, b)),
        }
    }

    /// Unsigned `a <= b`.
    pub fn bv_ule(a: Term, b: Term) -> Term {
        match (a.as_bitvec(), b.as_bitvec()) {
            (Some((wa, x)), Some((wb, y))) if wa == wb => Term::bool(x <= y),
            _ if a == b && matches!(a.sort(), Some(Sort::BitVec(_))) => Term::tt(),
            _ => mk(Kind::BvUle(a, b)),
        }
    }

    /// Bits `hi` down to `lo` of `t`: folds constants; the full width is `t`.
    pub fn extract(hi: u32, lo: u32, t: Term) -> Term {
        if let Some(Sort::BitVec(w)) = t.sort()
            && lo <= hi
            && hi < w
        {
            if lo == 0 && hi + 1 == w {
                return t;
            }
            if let Some((_, bits)) = t.as_bitvec() {
                return Term::bitvec(hi - lo + 1, bits >> lo);
            }
        }
        mk(Kind::Extract { hi, lo, arg: t })
    }
}

fn collect_vars(ts: &[Term], out: &mut BTreeMap<Arc<str>, Var>, conflict: &mut Option<(Var, Var)>) {
    let mut seen: HashSet<&Term> = HashSet::new();
    let mut stack: Vec<&Term> = ts.iter().collect();
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        if let Kind::Var(v) = t.kind() {
            match out.get(&v.name) {
                Some(prev) if prev.sort != v.sort => {
                    if conflict.is_none() {
                        *conflict = Some((prev.clone(), v.clone()));
                    }
                }
                Some(_) => {}
                None => {
                    out.insert(v.name.clone(), v.clone());
                }
            }
        }
        stack.extend(t.children());
    }
}

/// The free variables of several terms, by name, or the first name used with
/// two different sorts.
pub fn free_vars(ts: &[Term]) -> Result<BTreeMap<Arc<str>, Var>, (Var, Var)> {
    let mut out = BTreeMap::new();
    let mut conflict = None;
    collect_vars(ts, &mut out, &mut conflict);
    match conflict {
        Some(c) => Err(c),
        None => Ok(out),
    }
}

impl Term {
    /// The first variable name used with two different sorts, if any.
    pub fn var_conflict(&self) -> Option<(Var, Var)> {
        free_vars(std::slice::from_ref(self)).err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(n: &str) -> Term {
        Term::named(n, Sort::Bool)
    }
    fn i(n: &str) -> Term {
        Term::named(n, Sort::Int)
    }
    fn s(n: &str) -> Term {
        Term::named(n, Sort::String)
    }

    #[test]
    fn not_folds() {
        assert_eq!(Term::not(Term::tt()), Term::ff());
        assert_eq!(Term::not(Term::ff()), Term::tt());
        assert_eq!(Term::not(Term::not(b("x"))), b("x"));
        assert_eq!(Term::not(b("x")).to_string(), "(not x)");
    }

    #[test]
    fn and_folds() {
        let (x, y) = (b("x"), b("y"));
        assert_eq!(Term::and([Term::tt(), x.clone()]), x);
        assert_eq!(Term::and([x.clone(), Term::ff(), y.clone()]), Term::ff());
        assert_eq!(Term::and(Vec::<Term>::new()), Term::tt());
        assert_eq!(Term::and([x.clone(), x.clone()]), x);
        assert_eq!(Term::and([x.clone(), Term::not(x.clone())]), Term::ff());
        // flattening and duplicate removal keep the first occurrence's order
        let nested = Term::and([x.clone(), Term::and([y.clone(), x.clone()]), b("z")]);
        assert_eq!(nested.to_string(), "(and x y z)");
        // complementary literals across nesting
        let c = Term::and([Term::and([x.clone(), y.clone()]), Term::not(y.clone())]);
        assert_eq!(c, Term::ff());
    }

    #[test]
    fn or_folds() {
        let (x, y) = (b("x"), b("y"));
        assert_eq!(Term::or([Term::ff(), x.clone()]), x);
        assert_eq!(Term::or([x.clone(), Term::tt()]), Term::tt());
        assert_eq!(Term::or(Vec::<Term>::new()), Term::ff());
        assert_eq!(Term::or([Term::not(x.clone()), x.clone()]), Term::tt());
        let nested = Term::or([Term::or([x.clone(), y.clone()]), x.clone()]);
        assert_eq!(nested.to_string(), "(or x y)");
        // an `and` inside an `or` is not flattened
        let mixed = Term::or([Term::and([x.clone(), y.clone()]), b("z")]);
        assert_eq!(mixed.to_string(), "(or (and x y) z)");
    }

    #[test]
    fn implies_folds() {
        let (x, y) = (b("x"), b("y"));
        assert_eq!(Term::implies(Term::tt(), y.clone()), y);
        assert_eq!(Term::implies(Term::ff(), y.clone()), Term::tt());
        assert_eq!(Term::implies(x.clone(), Term::tt()), Term::tt());
        assert_eq!(Term::implies(x.clone(), Term::ff()), Term::not(x.clone()));
        assert_eq!(Term::implies(x.clone(), x.clone()), Term::tt());
        assert_eq!(Term::implies(x, y).to_string(), "(=> x y)");
    }

    #[test]
    fn ite_folds() {
        let (c, x, y) = (b("c"), i("x"), i("y"));
        assert_eq!(Term::ite(Term::tt(), x.clone(), y.clone()), x);
        assert_eq!(Term::ite(Term::ff(), x.clone(), y.clone()), y);
        assert_eq!(Term::ite(c.clone(), x.clone(), x.clone()), x);
        assert_eq!(Term::ite(c.clone(), Term::tt(), Term::ff()), c);
        assert_eq!(
            Term::ite(c.clone(), Term::ff(), Term::tt()),
            Term::not(c.clone())
        );
        assert_eq!(
            Term::ite(c.clone(), Term::tt(), b("e")).to_string(),
            "(or c e)"
        );
        assert_eq!(
            Term::ite(c.clone(), Term::ff(), b("e")).to_string(),
            "(and (not c) e)"
        );
        assert_eq!(
            Term::ite(c.clone(), b("t"), Term::tt()).to_string(),
            "(or (not c) t)"
        );
        assert_eq!(
            Term::ite(c.clone(), b("t"), Term::ff()).to_string(),
            "(and c t)"
        );
        assert_eq!(Term::ite(c, x, y).to_string(), "(ite c x y)");
    }

    #[test]
    fn equality_folds() {
        assert_eq!(Term::equal(s("r"), s("r")), Term::tt());
        assert_eq!(
            Term::equal(Term::string("a"), Term::string("b")),
            Term::ff()
        );
        assert_eq!(
            Term::equal(Term::string("a"), Term::string("a")),
            Term::tt()
        );
        assert_eq!(Term::equal(Term::int(1), Term::int(2)), Term::ff());
        assert_eq!(Term::equal(b("x"), Term::tt()), b("x"));
        assert_eq!(Term::equal(Term::ff(), b("x")), Term::not(b("x")));
        assert_eq!(
            Term::equal(s("r"), Term::string("a\"b")).to_string(),
            r#"(= r "a""b")"#
        );
    }

    #[test]
    fn distinct_folds() {
        assert_eq!(Term::distinct([i("x")]), Term::tt());
        assert_eq!(Term::distinct([i("x"), i("y"), i("x")]), Term::ff());
        assert_eq!(
            Term::distinct([Term::int(1), Term::int(2), Term::int(3)]),
            Term::tt()
        );
        assert_eq!(
            Term::distinct([i("x"), i("y")]).to_string(),
            "(not (= x y))"
        );
        assert_eq!(
            Term::distinct([i("x"), i("y"), i("z")]).to_string(),
            "(distinct x y z)"
        );
    }

    #[test]
    fn integer_folds() {
        assert_eq!(Term::lt(Term::int(1), Term::int(2)), Term::tt());
        assert_eq!(Term::le(Term::int(3), Term::int(2)), Term::ff());
        assert_eq!(Term::lt(i("x"), i("x")), Term::ff());
        assert_eq!(Term::le(i("x"), i("x")), Term::tt());
        assert_eq!(Term::gt(i("x"), i("y")).to_string(), "(< y x)");
        assert_eq!(
            Term::add([Term::int(1), i("x"), Term::int(2)]).to_string(),
            "(+ x 3)"
        );
        assert_eq!(Term::add([Term::int(-2), i("x"), Term::int(2)]), i("x"));
        assert_eq!(
            Term::add([Term::add([i("x"), i("y")]), i("z")]).to_string(),
            "(+ x y z)"
        );
        // overflow is not folded
        assert_eq!(
            Term::add([Term::int(i64::MAX), Term::int(1)]).to_string(),
            "(+ 9223372036854775807 1)"
        );
        assert_eq!(Term::sub(Term::int(5), Term::int(7)), Term::int(-2));
        assert_eq!(Term::sub(i("x"), Term::int(0)), i("x"));
        assert_eq!(Term::sub(i("x"), i("x")), Term::int(0));
        assert_eq!(Term::int(-2).to_string(), "(- 2)");
    }

    #[test]
    fn string_folds() {
        let r = s("r");
        assert_eq!(
            Term::prefix_of(Term::string("ab"), Term::string("abc")),
            Term::tt()
        );
        assert_eq!(Term::prefix_of(Term::string(""), r.clone()), Term::tt());
        assert_eq!(Term::prefix_of(r.clone(), r.clone()), Term::tt());
        assert_eq!(
            Term::suffix_of(Term::string("bc"), Term::string("abc")),
            Term::tt()
        );
        assert_eq!(
            Term::suffix_of(Term::string("b"), Term::string("abc")),
            Term::ff()
        );
        assert_eq!(
            Term::contains(Term::string("abc"), Term::string("d")),
            Term::ff()
        );
        assert_eq!(Term::contains(r.clone(), Term::string("")), Term::tt());
        assert_eq!(
            Term::prefix_of(Term::string("arn:"), r.clone()).to_string(),
            r#"(str.prefixof "arn:" r)"#
        );
    }

    #[test]
    fn regex_membership_folds() {
        let re = Regex::concat([Regex::lit("s3:"), Regex::all()]);
        assert_eq!(Term::in_re(Term::string("s3:x"), re.clone()), Term::tt());
        assert_eq!(Term::in_re(Term::string("ec2:x"), re.clone()), Term::ff());
        assert_eq!(Term::in_re(s("a"), Regex::none()), Term::ff());
        assert_eq!(Term::in_re(s("a"), Regex::all()), Term::tt());
        assert_eq!(
            Term::in_re(s("a"), re).to_string(),
            r#"(str.in_re a (re.++ (str.to_re "s3:") re.all))"#
        );
    }

    #[test]
    fn bitvector_folds() {
        let ip = Term::named("ip", Sort::BitVec(32));
        assert_eq!(
            Term::bv_ult(Term::bitvec(8, 1), Term::bitvec(8, 2)),
            Term::tt()
        );
        assert_eq!(
            Term::bv_ule(Term::bitvec(8, 3), Term::bitvec(8, 2)),
            Term::ff()
        );
        assert_eq!(Term::bv_ult(ip.clone(), ip.clone()), Term::ff());
        assert_eq!(Term::bv_ule(ip.clone(), ip.clone()), Term::tt());
        assert_eq!(
            Term::extract(15, 8, Term::bitvec(32, 0x1234_5678)),
            Term::bitvec(8, 0x56)
        );
        assert_eq!(Term::extract(31, 0, ip.clone()), ip);
        assert_eq!(Term::bitvec(4, 0xff).as_bitvec(), Some((4, 0xf)));
        assert_eq!(
            Term::extract(31, 24, ip).to_string(),
            "((_ extract 31 24) ip)"
        );
    }

    #[test]
    fn sorts_are_checked() {
        let bad = Term::equal(i("x"), s("y"));
        assert_eq!(bad.sort(), None);
        let outer = Term::and([b("p"), bad]);
        assert_eq!(outer.sort(), None);
        assert_eq!(
            outer.sort_error().as_deref(),
            Some("ill-sorted term `(= x y)` (argument sorts: Int, String)")
        );
        assert_eq!(
            Term::extract(40, 0, Term::named("v", Sort::BitVec(32))).sort(),
            None
        );
        assert_eq!(Term::named("w", Sort::BitVec(0)).sort(), None);
        assert_eq!(Term::lt(i("x"), i("y")).sort(), Some(Sort::Bool));
        assert_eq!(Term::ite(b("c"), s("a"), s("b")).sort(), Some(Sort::String));
    }

    #[test]
    fn vars_and_conflicts() {
        let t = Term::and([
            Term::lt(i("x"), i("y")),
            Term::equal(s("r"), Term::string("a")),
        ]);
        let vars = t.vars();
        let names: Vec<&str> = vars.values().map(Var::name).collect();
        assert_eq!(names, ["r", "x", "y"]);
        assert!(t.var_conflict().is_none());
        let clash = Term::and([b("x"), Term::lt(i("x"), Term::int(1))]);
        assert!(clash.var_conflict().is_some());
    }

    #[test]
    fn sharing_is_cheap_and_structural() {
        let a = Term::and([b("x"), b("y")]);
        let a2 = Term::and([b("x"), b("y")]);
        assert_eq!(a, a2);
        let c = a.clone();
        assert!(Arc::ptr_eq(&a.0, &c.0));
        let mut set = HashSet::new();
        set.insert(a);
        assert!(set.contains(&a2));
    }
}
