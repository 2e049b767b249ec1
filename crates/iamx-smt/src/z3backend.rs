//! The z3 backend: the only module of iamx that imports z3.
//!
//! [`check`] translates terms into z3 ASTs (through the `z3` crate, on the
//! thread's own z3 context), runs one solver with a timeout, decodes a
//! model into the crate's own [`Model`] (no z3 type leaves this module) and
//! re-checks that model with the concrete evaluator before calling it
//! `Sat`. Anything the solver does not decide — a timeout, z3's own
//! `unknown`, a term this module cannot encode, a model it cannot decode or
//! that does not re-check, even a panic inside the bindings — comes back as
//! [`SolverResult::Unknown`] with a reason. Nothing here turns an unknown
//! into `Unsat`.
//!
//! # Debian z3 4.8.12 workarounds
//!
//! The build links z3 5.4.1 (`scripts/deps.sh`); it can also link Debian's
//! z3 4.8.12, with which the `z3` crate 0.19 links but some of its
//! functions do not work. This module, so that both work:
//!
//! - never calls `Regexp::allchar` (missing from 4.8.12, a link error);
//!   "any character" is `comp(ε) ∩ comp(comp(ε)·comp(ε))` — the strings of
//!   length exactly one — built from functions 4.8.12 has;
//! - builds regex concatenations and unions pairwise (4.8.12 rejects an
//!   n-ary call with a single argument, "wrong number of arguments", and the
//!   crate then panics on the null AST);
//! - escapes every string character outside printable ASCII, and the
//!   backslash, as `\u{..}`: `Z3_mk_string` in 4.8.12 reads its C string
//!   byte by byte (so UTF-8 text would become garbage) but does parse
//!   `\u{..}` escapes; characters above U+2FFFF cannot be represented and
//!   make the query `Unknown`;
//! - builds character ranges with non-ASCII bounds from literal unions
//!   (`Regexp::range` passes its bounds as UTF-8 too), the whole non-ASCII
//!   block as "any character minus ASCII";
//! - decodes model strings character by character when z3's printed form
//!   holds a backslash: `Z3_get_string` escapes non-printable characters as
//!   `\u{..}` but not the backslash itself, so `\u{41}` could be one
//!   character or six.

use crate::eval::Model;
use crate::regex::{MAX_CHAR, ReKind, Regex};
use crate::term::{Kind, Sort, Term, Value, Var, free_vars};
use iamx_model::Reason;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use z3::ast::{Ast, BV, Bool, Dynamic, Int, Regexp, String as ZString};
use z3::{Params, SatResult, Solver};

/// The per-query timeout used when the caller has no better idea: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The answer of one solver call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SolverResult {
    /// Satisfiable; the model assigns every free variable of the query and
    /// has been re-checked with [`Term::eval`].
    Sat(Model),
    /// Unsatisfiable.
    Unsat,
    /// Not decided; the reason says why ("timeout after 10 s (z3: ...)",
    /// "cannot encode: ...", ...).
    Unknown(Reason),
}

/// A solver answer without a model (see [`check_smtlib`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Satisfiable.
    Sat,
    /// Unsatisfiable.
    Unsat,
    /// Not decided.
    Unknown(Reason),
}

impl SolverResult {
    /// The answer without its model.
    pub fn verdict(&self) -> Verdict {
        match self {
            SolverResult::Sat(_) => Verdict::Sat,
            SolverResult::Unsat => Verdict::Unsat,
            SolverResult::Unknown(r) => Verdict::Unknown(r.clone()),
        }
    }
}

/// Formats a duration for a reason: whole seconds as `10 s`, else `250 ms`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

fn unknown(msg: impl Into<Arc<str>>) -> SolverResult {
    SolverResult::Unknown(Reason::new(msg))
}

/// Serialises solver calls. Debian's z3 4.8.12 can deadlock when several
/// threads run solvers with timeouts at once (its timer thread): seen here as
/// a test binary that hangs when its solver tests run in parallel. The libz3
/// that `scripts/deps.sh` ships (5.4.1) does not deadlock, but it does not
/// keep short timeouts under load either: with the lock removed, the solver
/// test binary at 8 test threads overran a 1 ms timeout by about 60 s in 6 of
/// 20 runs (at 2 threads, 20 of 20 were fine). A timeout is a promise to the
/// caller, and parallel solving bought nothing measurable (the 1,644-policy
/// comparison and the `check` benchmark took the same time with and without
/// the lock), so every version keeps it.
static Z3_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The linked libz3's version as it names itself (`4.8.12.0`, `5.4.1.0`).
pub fn z3_version() -> String {
    let full = z3::full_version();
    full.trim_start_matches(|c: char| !c.is_ascii_digit())
        .to_owned()
}

fn z3_lock() -> std::sync::MutexGuard<'static, ()> {
    // a panic while holding the lock leaves no state behind to protect
    Z3_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Decides whether the conjunction of `assertions` is satisfiable, giving
/// z3 at most `timeout` (at least 1 ms).
pub fn check(assertions: &[Term], timeout: Duration) -> SolverResult {
    for a in assertions {
        if a.sort() != Some(Sort::Bool) {
            let why = a
                .sort_error()
                .unwrap_or_else(|| format!("assertion `{a}` is not Boolean"));
            return unknown(format!("cannot encode: {why}"));
        }
    }
    let vars = match free_vars(assertions) {
        Ok(v) => v,
        Err((a, b)) => {
            return unknown(format!(
                "cannot encode: variable `{}` is used as {} and as {}",
                a.name(),
                a.sort(),
                b.sort()
            ));
        }
    };
    if let Some(v) = vars.values().find(|v| v.name().contains('\0')) {
        return unknown(format!(
            "cannot encode: variable name {:?} holds a NUL character",
            v.name()
        ));
    }
    let _guard = z3_lock();
    match catch_unwind(AssertUnwindSafe(|| solve(assertions, &vars, timeout))) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            unknown(format!("the z3 bindings failed: {msg}"))
        }
    }
}

fn params_for(timeout: Duration) -> Params {
    let ms = u32::try_from(timeout.as_millis())
        .unwrap_or(u32::MAX)
        .max(1);
    let mut p = Params::new();
    p.set_u32("timeout", ms);
    p
}

fn unknown_reason(raw: Option<String>, elapsed: Duration, timeout: Duration) -> Reason {
    let raw = raw.unwrap_or_else(|| "no reason given".to_owned());
    if raw.contains("timeout") || raw.contains("canceled") || elapsed >= timeout {
        Reason::new(format!(
            "timeout after {} (z3: {raw})",
            human_duration(timeout)
        ))
    } else {
        Reason::new(format!("z3 returned unknown: {raw}"))
    }
}

/// Which theories the terms use: (integers, strings, bit-vectors).
fn theories(ts: &[Term]) -> (bool, bool, bool) {
    let (mut int, mut string, mut bv) = (false, false, false);
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<&Term> = ts.iter().collect();
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        for s in std::iter::once(t)
            .chain(t.children())
            .filter_map(Term::sort)
        {
            match s {
                Sort::Int => int = true,
                Sort::String => string = true,
                Sort::BitVec(_) => bv = true,
                Sort::Bool => {}
            }
        }
        stack.extend(t.children());
    }
    (int, string, bv)
}

/// A solver for the query's logic. Naming the logic lets z3 skip setting up
/// the string theory, which costs about 4 ms per solver in 4.8.12
/// (measured: a three-constraint integer query takes 5 ms with the default
/// solver, 1 ms with `QF_LIA`). Queries with strings, or with integers and
/// bit-vectors together, get the default solver.
fn solver_for(ts: &[Term]) -> Solver {
    let logic = match theories(ts) {
        (_, true, _) | (true, _, true) => None,
        (true, false, false) => Some("QF_LIA"),
        (false, false, _) => Some("QF_BV"),
    };
    logic
        .and_then(Solver::new_for_logic)
        .unwrap_or_else(Solver::new)
}

fn solve(assertions: &[Term], vars: &BTreeMap<Arc<str>, Var>, timeout: Duration) -> SolverResult {
    let solver = solver_for(assertions);
    solver.set_params(&params_for(timeout));
    let mut enc = Encoder::default();
    for a in assertions {
        match enc.boolean(a) {
            Ok(b) => solver.assert(&b),
            Err(e) => return unknown(format!("cannot encode: {e}")),
        }
    }
    let start = Instant::now();
    match solver.check() {
        SatResult::Unsat => SolverResult::Unsat,
        SatResult::Unknown => SolverResult::Unknown(unknown_reason(
            solver.get_reason_unknown(),
            start.elapsed(),
            timeout,
        )),
        SatResult::Sat => {
            let Some(zmodel) = solver.get_model() else {
                return unknown("z3 answered sat but gave no model");
            };
            let mut model = Model::new();
            for v in vars.values() {
                match decode(&zmodel, v) {
                    Ok(val) => model.insert(v.name(), val),
                    Err(e) => return unknown(format!("cannot decode z3's model: {e}")),
                }
            }
            for a in assertions {
                if a.eval(&model) != Some(true) {
                    return unknown(format!(
                        "z3's model does not satisfy `{a}` when re-checked (an encoding bug): {model}"
                    ));
                }
            }
            SolverResult::Sat(model)
        }
    }
}

/// Parses an SMT-LIB script (as [`crate::to_smtlib`] writes it) into a fresh
/// solver and checks it. Returns how many assertions z3 read — a parse
/// error makes z3 drop commands silently, so callers compare this with what
/// they wrote — and the verdict. For tests of the rendering and for
/// debugging `--emit-smt` output.
pub fn check_smtlib(text: &str, timeout: Duration) -> (usize, Verdict) {
    let text = text.replace("(check-sat)", "");
    let _guard = z3_lock();
    let run = || {
        let solver = Solver::new();
        solver.set_params(&params_for(timeout));
        solver.from_string(text.as_str());
        let n = solver.get_assertions().len();
        let start = Instant::now();
        let v = match solver.check() {
            SatResult::Sat => Verdict::Sat,
            SatResult::Unsat => Verdict::Unsat,
            SatResult::Unknown => Verdict::Unknown(unknown_reason(
                solver.get_reason_unknown(),
                start.elapsed(),
                timeout,
            )),
        };
        (n, v)
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
        (
            0,
            Verdict::Unknown(Reason::new("the z3 bindings failed on SMT-LIB text")),
        )
    })
}

// ----- encoding -----

/// Escapes a string for `Z3_mk_string` (see the module doc).
fn z3_escape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c > MAX_CHAR {
            return Err(format!(
                "string {s:?} holds U+{:X}, beyond z3's largest character U+2FFFF",
                u32::from(c)
            ));
        }
        if (' '..='~').contains(&c) && c != '\\' {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    Ok(out)
}

fn z3_sort(s: Sort) -> z3::Sort {
    match s {
        Sort::Bool => z3::Sort::bool(),
        Sort::Int => z3::Sort::int(),
        Sort::String => z3::Sort::string(),
        Sort::BitVec(w) => z3::Sort::bitvector(w),
    }
}

struct EncodeErr(String);

impl fmt::Display for EncodeErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, EncodeErr> {
    Err(EncodeErr(msg.into()))
}

/// Folds a list pairwise (z3 4.8.12 rejects some n-ary calls).
fn fold_pairwise(
    items: Vec<Regexp>,
    empty: impl FnOnce() -> Regexp,
    op: impl Fn(&Regexp, &Regexp) -> Regexp,
) -> Regexp {
    let mut it = items.into_iter();
    let Some(first) = it.next() else {
        return empty();
    };
    it.fold(first, |acc, r| op(&acc, &r))
}

fn re_union(items: Vec<Regexp>) -> Regexp {
    fold_pairwise(items, Regexp::empty, |a, b| Regexp::union(&[a, b]))
}

fn re_concat(items: Vec<Regexp>) -> Regexp {
    fold_pairwise(
        items,
        || Regexp::literal(""),
        |a, b| Regexp::concat(&[a, b]),
    )
}

/// Strings of length exactly one, without `allchar`.
fn re_any_char() -> Regexp {
    let nonempty = Regexp::literal("").complement();
    let two_or_more = Regexp::concat(&[&nonempty, &nonempty]);
    Regexp::intersect(&[&nonempty, &two_or_more.complement()])
}

/// One character in `U+0080..=MAX_CHAR`.
fn re_non_ascii() -> Regexp {
    let ascii = Regexp::union(&[
        &Regexp::literal("\\u{0}"),
        &Regexp::range(&'\u{1}', &'\u{7f}'),
    ]);
    Regexp::intersect(&[&re_any_char(), &ascii.complement()])
}

/// Ranges wider than this with non-ASCII bounds are refused.
const MAX_LITERAL_RANGE: u32 = 256;

fn re_range(lo: char, hi: char) -> Result<Regexp, EncodeErr> {
    let hi = hi.min(MAX_CHAR);
    if lo > hi {
        return Ok(Regexp::empty());
    }
    if lo == '\0' && hi == MAX_CHAR {
        return Ok(re_any_char());
    }
    let mut parts = Vec::new();
    if lo == '\0' {
        parts.push(Regexp::literal("\\u{0}"));
    }
    let (alo, ahi) = (lo.max('\u{1}'), hi.min('\u{7f}'));
    if alo <= ahi {
        parts.push(Regexp::range(&alo, &ahi));
    }
    let nlo = lo.max('\u{80}');
    if nlo <= hi {
        if nlo == '\u{80}' && hi == MAX_CHAR {
            parts.push(re_non_ascii());
        } else if u32::from(hi) - u32::from(nlo) < MAX_LITERAL_RANGE {
            for c in nlo..=hi {
                parts.push(Regexp::literal(
                    &z3_escape(&c.to_string()).map_err(EncodeErr)?,
                ));
            }
        } else {
            return err(format!(
                "character range U+{:X}..U+{:X} has non-ASCII bounds and is wider than {MAX_LITERAL_RANGE} characters (z3 4.8.12's API cannot build it)",
                u32::from(lo),
                u32::from(hi)
            ));
        }
    }
    Ok(re_union(parts))
}

#[derive(Default)]
struct Encoder {
    memo: HashMap<Term, Dynamic>,
    re_memo: HashMap<Regex, Regexp>,
}

impl Encoder {
    fn boolean(&mut self, t: &Term) -> Result<Bool, EncodeErr> {
        self.term(t)?
            .as_bool()
            .ok_or_else(|| EncodeErr(format!("`{t}` is not Boolean")))
    }

    fn int(&mut self, t: &Term) -> Result<Int, EncodeErr> {
        self.term(t)?
            .as_int()
            .ok_or_else(|| EncodeErr(format!("`{t}` is not an integer")))
    }

    fn string(&mut self, t: &Term) -> Result<ZString, EncodeErr> {
        self.term(t)?
            .as_string()
            .ok_or_else(|| EncodeErr(format!("`{t}` is not a string")))
    }

    fn bv(&mut self, t: &Term) -> Result<BV, EncodeErr> {
        self.term(t)?
            .as_bv()
            .ok_or_else(|| EncodeErr(format!("`{t}` is not a bit-vector")))
    }

    fn booleans(&mut self, ts: &[Term]) -> Result<Vec<Bool>, EncodeErr> {
        ts.iter().map(|t| self.boolean(t)).collect()
    }

    fn term(&mut self, t: &Term) -> Result<Dynamic, EncodeErr> {
        if let Some(d) = self.memo.get(t) {
            return Ok(d.clone());
        }
        let d = self.encode(t)?;
        self.memo.insert(t.clone(), d.clone());
        Ok(d)
    }

    fn encode(&mut self, t: &Term) -> Result<Dynamic, EncodeErr> {
        let d = |a: &dyn Ast| Dynamic::from_ast(a);
        Ok(match t.kind() {
            Kind::Const(Value::Bool(b)) => d(&Bool::from_bool(*b)),
            Kind::Const(Value::Int(i)) => d(&Int::from_i64(*i)),
            Kind::Const(Value::Str(s)) => {
                let esc = z3_escape(s).map_err(EncodeErr)?;
                match ZString::from_str(&esc) {
                    Ok(z) => d(&z),
                    Err(e) => return err(format!("string {s:?}: {e}")),
                }
            }
            Kind::Const(Value::BitVec { width, bits }) => {
                match BV::from_str(*width, &bits.to_string()) {
                    Some(b) => d(&b),
                    None => return err(format!("bit-vector constant {bits} of width {width}")),
                }
            }
            Kind::Var(v) => Dynamic::new_const(v.name(), &z3_sort(v.sort())),
            Kind::Not(a) => d(&self.boolean(a)?.not()),
            Kind::And(ts) => {
                let bs = self.booleans(ts)?;
                d(&match bs.len() {
                    0 => Bool::from_bool(true),
                    _ => Bool::and(&bs),
                })
            }
            Kind::Or(ts) => {
                let bs = self.booleans(ts)?;
                d(&match bs.len() {
                    0 => Bool::from_bool(false),
                    _ => Bool::or(&bs),
                })
            }
            Kind::Implies(a, b) => {
                let (a, b) = (self.boolean(a)?, self.boolean(b)?);
                d(&a.implies(&b))
            }
            Kind::Ite(c, x, y) => {
                let c = self.boolean(c)?;
                let (x, y) = (self.term(x)?, self.term(y)?);
                c.ite(&x, &y)
            }
            Kind::Eq(a, b) => {
                let (a, b) = (self.term(a)?, self.term(b)?);
                match a.safe_eq(&b) {
                    Ok(e) => d(&e),
                    Err(e) => return err(format!("equality of different sorts: {e}")),
                }
            }
            Kind::Distinct(ts) => {
                let ds = ts
                    .iter()
                    .map(|t| self.term(t))
                    .collect::<Result<Vec<_>, _>>()?;
                if ds.len() < 2 {
                    d(&Bool::from_bool(true))
                } else {
                    d(&<Dynamic as Ast>::distinct(&ds))
                }
            }
            Kind::Lt(a, b) => {
                let (a, b) = (self.int(a)?, self.int(b)?);
                d(&a.lt(&b))
            }
            Kind::Le(a, b) => {
                let (a, b) = (self.int(a)?, self.int(b)?);
                d(&a.le(&b))
            }
            Kind::Add(ts) => {
                let is = ts
                    .iter()
                    .map(|t| self.int(t))
                    .collect::<Result<Vec<_>, _>>()?;
                match is.as_slice() {
                    [] => d(&Int::from_i64(0)),
                    [one] => d(one),
                    _ => d(&Int::add(&is)),
                }
            }
            Kind::Sub(a, b) => {
                let (a, b) = (self.int(a)?, self.int(b)?);
                d(&Int::sub(&[a, b]))
            }
            Kind::PrefixOf(p, s) => {
                let (p, s) = (self.string(p)?, self.string(s)?);
                d(&p.prefix(&s))
            }
            Kind::SuffixOf(p, s) => {
                let (p, s) = (self.string(p)?, self.string(s)?);
                d(&p.suffix(&s))
            }
            Kind::Contains(s, n) => {
                let (s, n) = (self.string(s)?, self.string(n)?);
                d(&s.contains(&n))
            }
            Kind::InRe(s, re) => {
                let s = self.string(s)?;
                let re = self.regex(re)?;
                d(&s.regex_matches(&re))
            }
            Kind::BvUlt(a, b) => {
                let (a, b) = (self.bv(a)?, self.bv(b)?);
                d(&a.bvult(&b))
            }
            Kind::BvUle(a, b) => {
                let (a, b) = (self.bv(a)?, self.bv(b)?);
                d(&a.bvule(&b))
            }
            Kind::Extract { hi, lo, arg } => d(&self.bv(arg)?.extract(*hi, *lo)),
        })
    }

    fn regex(&mut self, r: &Regex) -> Result<Regexp, EncodeErr> {
        if let Some(z) = self.re_memo.get(r) {
            return Ok(z.clone());
        }
        let z = match r.kind() {
            _ if r.is_all() => Regexp::full(),
            ReKind::None => Regexp::empty(),
            ReKind::Lit(s) => Regexp::literal(&z3_escape(s).map_err(EncodeErr)?),
            ReKind::Range(lo, hi) => re_range(*lo, *hi)?,
            ReKind::Union(rs) => {
                let zs = rs
                    .iter()
                    .map(|r| self.regex(r))
                    .collect::<Result<Vec<_>, _>>()?;
                re_union(zs)
            }
            ReKind::Concat(rs) => {
                let zs = rs
                    .iter()
                    .map(|r| self.regex(r))
                    .collect::<Result<Vec<_>, _>>()?;
                re_concat(zs)
            }
            ReKind::Star(x) => self.regex(x)?.star(),
            ReKind::Plus(x) => self.regex(x)?.plus(),
        };
        self.re_memo.insert(r.clone(), z.clone());
        Ok(z)
    }
}

// ----- decoding -----

fn decode(m: &z3::Model, v: &Var) -> Result<Value, String> {
    let name = v.name();
    let missing = || format!("no value for `{name}`");
    match v.sort() {
        Sort::Bool => {
            let c = Bool::new_const(name);
            m.eval(&c, true)
                .and_then(|x| x.as_bool())
                .map(Value::Bool)
                .ok_or_else(missing)
        }
        Sort::Int => {
            let c = Int::new_const(name);
            let x = m.eval(&c, true).ok_or_else(missing)?;
            x.as_i64()
                .map(Value::Int)
                .ok_or_else(|| format!("`{name}` = {x} does not fit in 64 bits"))
        }
        Sort::String => {
            let c = ZString::new_const(name);
            let x = m.eval(&c, true).ok_or_else(missing)?;
            let raw = x.as_string().ok_or_else(missing)?;
            if raw
                .chars()
                .all(|ch| (' '..='~').contains(&ch) && ch != '\\')
            {
                return Ok(Value::Str(raw));
            }
            decode_by_char(m, &c, name).map(Value::Str)
        }
        Sort::BitVec(w) => {
            let c = BV::new_const(name, w);
            let word = |b: &BV| m.eval(b, true).and_then(|x| x.as_u64()).ok_or_else(missing);
            let bits = if w <= 64 {
                u128::from(word(&c)?)
            } else {
                let hi = word(&c.extract(w - 1, 64))?;
                let lo = word(&c.extract(63, 0))?;
                (u128::from(hi) << 64) | u128::from(lo)
            };
            Ok(Value::bitvec(w, bits))
        }
    }
}

/// Longest model string decoded character by character.
const MAX_DECODED_LEN: i64 = 1 << 16;

fn decode_by_char(m: &z3::Model, c: &ZString, name: &str) -> Result<String, String> {
    let len = m
        .eval(&c.length(), true)
        .and_then(|l| l.as_i64())
        .ok_or_else(|| format!("no length for `{name}`"))?;
    if !(0..=MAX_DECODED_LEN).contains(&len) {
        return Err(format!("`{name}` has length {len}"));
    }
    let mut out = String::new();
    for i in 0..len {
        let unit = m
            .eval(&c.at(Int::from_i64(i)), true)
            .and_then(|u| u.as_string())
            .ok_or_else(|| format!("no character {i} of `{name}`"))?;
        out.push(decode_unit(&unit).ok_or_else(|| {
            format!("character {i} of `{name}` is {unit:?}, not a Unicode scalar value")
        })?);
    }
    Ok(out)
}

/// One character as z3 prints it: itself, or `\u{hex}` / `\uhhhh`.
fn decode_unit(u: &str) -> Option<char> {
    let mut cs = u.chars();
    if let (Some(c), None) = (cs.next(), cs.clone().next()) {
        return Some(c);
    }
    let hex = u
        .strip_prefix("\\u{")
        .and_then(|h| h.strip_suffix('}'))
        .or_else(|| u.strip_prefix("\\u").filter(|h| h.len() == 4))?;
    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            z3_escape("a\\b\u{e9}\n").ok(),
            Some("a\\u{5c}b\\u{e9}\\u{a}".to_owned())
        );
        assert!(z3_escape("\u{30000}").is_err());
        assert_eq!(decode_unit("\\"), Some('\\'));
        assert_eq!(decode_unit("\\u{e9}"), Some('\u{e9}'));
        assert_eq!(decode_unit("\\u00e9"), Some('\u{e9}'));
        assert_eq!(decode_unit("\\u{d800}"), None);
        assert_eq!(human_duration(Duration::from_secs(10)), "10 s");
        assert_eq!(human_duration(Duration::from_millis(1)), "1 ms");
    }
}
