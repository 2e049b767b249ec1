//! The symbolic encoding of an AWS authorization program.
//!
//! The encoding mirrors `iamx_model::evaluate` rule for rule, over a request
//! whose action (lowercased), resource and context keys are variables (or
//! constants, where the question fixes them). The caller is always concrete.
//!
//! Context keys become typed variables: `has:K` (present), `str:K`, `num:K`,
//! `date:K` (epoch ms), `bool:K`, and for addresses `v6:K` (the family) with
//! `ip:K` (IPv4, 32 bits) and `ip6:K` (IPv6, 128 bits): a v4 network never
//! contains a v6 address and the other way round, as in `Cidr::contains`.
//! Keys iamx derives from the caller (`aws:username`, `aws:PrincipalArn`, …)
//! and keys the question fixes are constants. AWS always supplies
//! `aws:CurrentTime`, `aws:EpochTime` and `aws:SecureTransport`, so those
//! are present.
//!
//! # Numbers
//!
//! The evaluator compares numbers as decimals (`1.5`, `"2.25"`). `num:K` is
//! an integer counting units of `1 / (2 · 10^d)`, where `d` is the largest
//! number of decimal places among the constants compared with `K` (at most
//! [`MAX_DECIMALS`]). Every constant lies on that grid and two distinct
//! constants are at least two units apart, so every region a request value
//! can fall in (equal to a constant, strictly between two, beyond all) holds
//! a grid point: the integer encoding loses no request. A witness decodes to
//! a decimal string the evaluator reads back.
//!
//! # Multi-valued keys
//!
//! A key some clause reads with `ForAnyValue:` / `ForAllValues:` is a *set
//! key*: its value is up to [`SET_SLOTS`] elements, element `i` being there
//! when `live:i:K` holds and having the typed variables `elem:i:str:K`,
//! `elem:i:num:K`, … A witness decodes to a `Value::Set` of the live
//! elements (present and empty when none is). Every clause on a set key,
//! qualified or not, is encoded on the elements, as the evaluator reads a
//! set (a single value behaves as a one-element set in every clause).
//!
//! The bound loses nothing. Each clause on `K` is "some element satisfies
//! `Q`" or its negation, for one element predicate `Q` (`ForAnyValue:` is
//! ∃e Q(e); `ForAllValues:` is ¬∃e ¬Q(e); a single-valued operator on a set
//! is ∃e Q(e), negated for negated operators). So the whole question
//! depends on a set `S` only through the truth of "∃e∈S Q_j(e)" for the
//! distinct predicates `Q_1..Q_m` on `K`. Keeping one witness element of
//! `S` per true atom gives a set of at most `m` elements on which every atom
//! has the same truth (a false atom has no witness in `S`, so none in the
//! subset). Hence with `m ≤ SET_SLOTS` every request, whatever the size of
//! its sets, has a counterpart the encoding describes, and `Never` /
//! `Always` stay exact. A clause that would be the `SET_SLOTS + 1`-th
//! distinct predicate on a key is a free Boolean instead (see below), which
//! keeps the argument sound for the rest.
//!
//! What the encoding cannot express (policy variables on keys the question
//! leaves open, more than [`SET_SLOTS`] predicates on one set key, decimals
//! beyond [`MAX_DECIMALS`] places, a key read both as a set and as a single
//! value by separately encoded programs) becomes a fresh, unconstrained
//! Boolean named after the reason: an over-approximation in both directions,
//! so `Never` and `Always` stay sound, and a witness that leans on one is
//! caught when it is replayed through the concrete evaluator.

use crate::encode::{glob_to_regex, glob_to_regex_any_case, ip_in_cidr};
use crate::eval::Model;
use crate::regex::{MAX_CHAR, Regex};
use crate::term::{Sort, Term, Value as TValue};
use iamx_model::condition::ValueKind;
use iamx_model::{
    AwsClause, AwsOp, AwsProgram, CondValue, Condition, Context, Effect, Pattern, Policy,
    Principal, PrincipalKind, PrincipalMatch, ResourcePolicyKind, Scalar, Seg, SetQualifier,
    Statement, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The number of elements a multi-valued key holds in the encoding, and the
/// number of distinct element predicates per key it follows exactly (see
/// the module doc for why one bounds the other).
pub const SET_SLOTS: usize = 6;

/// The most decimal places of a numeric constant the encoding follows.
pub const MAX_DECIMALS: u32 = 6;

/// Scaled numbers stay below this magnitude, where distinct decimals of at
/// most `MAX_DECIMALS + 1` places are distinct `f64`s in the same order.
const SCALED_LIMIT: i128 = 1 << 50;

/// The sorts a context key is used at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUse {
    /// As a string.
    pub string: bool,
    /// As an integer.
    pub number: bool,
    /// As a date.
    pub date: bool,
    /// As a boolean.
    pub boolean: bool,
    /// As an IP address (v4 or v6).
    pub ip: bool,
    /// As a multi-valued key (elements, see the module doc).
    pub set: bool,
}

/// Where a typed variable sits: the single value of a key, or element `i`
/// of a multi-valued key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    One,
    At(usize),
}

fn var_of(prefix: &str, key_lc: &str, slot: Slot) -> String {
    match slot {
        Slot::One => format!("{prefix}:{key_lc}"),
        Slot::At(i) => format!("elem:{i}:{prefix}:{key_lc}"),
    }
}

/// The variable "element `i` of the multi-valued key is there".
pub fn live_var(key_lc: &str, i: usize) -> String {
    format!("live:{i}:{key_lc}")
}

/// The decimal places of a constant (as Rust prints it, shortest form).
fn decimals_of(n: f64) -> Option<u32> {
    let t = format!("{n}");
    let d = t.split_once('.').map_or(0, |(_, f)| f.len());
    u32::try_from(d).ok().filter(|d| *d <= MAX_DECIMALS)
}

/// A decimal number as an integer count of `1 / (2 · 10^d)` units; `None`
/// when it is not on that grid (more than `d` places, or `d + 1` places not
/// ending in 5), is not a number, or is out of range.
pub fn scaled(text: &str, d: u32) -> Option<i64> {
    let n = iamx_model::value::parse_number(text)?;
    let t = text.trim();
    let owned;
    let t = if t.contains(['e', 'E']) {
        owned = format!("{n}");
        owned.as_str()
    } else {
        t
    };
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    // the value times 10^(d+1), then divided by 5
    let places = usize::try_from(d).ok()? + 1;
    let kept = frac.get(..places.min(frac.len())).unwrap_or("");
    if frac
        .get(kept.len()..)
        .is_some_and(|rest| rest.bytes().any(|b| b != b'0'))
    {
        return None;
    }
    let mut digits: String = int.chars().chain(kept.chars()).collect();
    for _ in kept.len()..places {
        digits.push('0');
    }
    let v: i128 = digits.parse().ok()?;
    if v % 5 != 0 || v / 5 >= SCALED_LIMIT {
        return None;
    }
    i64::try_from(if neg { -(v / 5) } else { v / 5 }).ok()
}

/// The decimal text of a scaled number (see [`scaled`]).
pub fn unscaled(x: i64, d: u32) -> String {
    let fives = u128::from(x.unsigned_abs()) * 5;
    let places = d + 1;
    let unit = 10u128.pow(places);
    let (int, frac) = (fives / unit, fives % unit);
    let sign = if x < 0 { "-" } else { "" };
    let frac = format!("{frac:0width$}", width = places as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// The variable names of a key.
pub fn has_var(key_lc: &str) -> String {
    format!("has:{key_lc}")
}

const ALWAYS_SUPPLIED: [&str; 3] = ["aws:currenttime", "aws:epochtime", "aws:securetransport"];

/// The action variable (lowercased action).
pub const ACTION: &str = "request:action";
/// The resource variable.
pub const RESOURCE: &str = "request:resource";

/// A pattern after substituting policy variables.
enum Subst {
    /// The pattern (variables replaced by their known values).
    Pattern(Pattern),
    /// A variable is known to be absent and has no default: no match.
    NoMatch,
    /// A variable's key is left open by the question.
    Unknown,
}

/// Builds terms for one caller.
pub struct Encoder<'a> {
    principal: &'a Principal,
    resource_account: Option<&'a str>,
    fixed: &'a Context,
    /// Keys read, with the sorts they are read at.
    pub keys: BTreeMap<String, KeyUse>,
    /// Reasons of the free variables standing for what the encoding cannot express.
    pub unsupported: Vec<String>,
    /// The caller of the program being encoded has a permissions boundary.
    bounded: bool,
    /// Keys encoded as multi-valued (see the module doc).
    sets: BTreeSet<String>,
    /// The distinct element predicates encoded per multi-valued key (each
    /// on element 0), at most [`SET_SLOTS`].
    predicates: BTreeMap<String, Vec<Term>>,
    /// Decimal places of each numeric key's scale.
    decimals: BTreeMap<String, u32>,
    action: Term,
    resource: Term,
}

fn not_colon() -> Regex {
    Regex::union([Regex::range('\u{0}', '9'), Regex::range(';', MAX_CHAR)])
}

impl<'a> Encoder<'a> {
    /// An encoder for `principal`; `action` and `resource` are constants when
    /// given, variables otherwise. `fixed` holds context keys the question fixes.
    pub fn new(
        principal: &'a Principal,
        resource_account: Option<&'a str>,
        fixed: &'a Context,
        action: Option<&str>,
        resource: Option<&str>,
    ) -> Encoder<'a> {
        Encoder {
            principal,
            resource_account,
            fixed,
            keys: BTreeMap::new(),
            unsupported: Vec::new(),
            bounded: false,
            sets: BTreeSet::new(),
            predicates: BTreeMap::new(),
            decimals: BTreeMap::new(),
            action: action.map_or_else(
                || Term::named(ACTION, Sort::String),
                |a| Term::string(a.to_ascii_lowercase()),
            ),
            resource: resource.map_or_else(|| Term::named(RESOURCE, Sort::String), Term::string),
        }
    }

    fn free(&mut self, why: String) -> Term {
        let n = self.unsupported.len();
        self.unsupported.push(why.clone());
        Term::named(format!("unknown:{n}:{why}"), Sort::Bool)
    }

    /// Reads ahead through `prog`'s conditions: which keys are multi-valued
    /// and how many decimal places each numeric key needs. [`Encoder::program`]
    /// does it for its program; a question over several programs sharing
    /// variables prepares every one of them first, so all read a key alike.
    pub fn prepare(&mut self, prog: &AwsProgram) {
        let mut policies: Vec<&std::sync::Arc<Policy>> = Vec::new();
        policies.extend(&prog.identity);
        policies.extend(&prog.boundaries);
        policies.extend(&prog.session);
        for l in prog.scps.iter().chain(&prog.rcps).flatten() {
            policies.extend(&l.policies);
        }
        policies.extend(&prog.resource_policy);
        for p in policies {
            for st in &p.statements {
                self.prepare_condition(&st.condition);
            }
        }
    }

    fn prepare_condition(&mut self, c: &Condition) {
        match c {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().for_each(|x| self.prepare_condition(x));
            }
            Condition::Not(x) => self.prepare_condition(x),
            Condition::Aws(cl) => {
                let key = &cl.key_lc;
                if cl.qualifier != SetQualifier::Single && !self.read_as_single(key) {
                    self.sets.insert(key.clone());
                }
                let frozen = self.keys.get(key).is_some_and(|u| u.number);
                if cl.op.value_kind() == ValueKind::Number && !frozen {
                    for v in &cl.values {
                        if let CondValue::Num(n) = v
                            && let Some(d) = decimals_of(*n)
                        {
                            let e = self.decimals.entry(key.clone()).or_insert(0);
                            *e = (*e).max(d);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Takes over `other`'s reading of keys (multi-valued keys, their
    /// element predicates, numeric scales), for a question whose two sides
    /// are encoded by two encoders over the same variables: the bound on
    /// element predicates then counts both sides.
    pub fn adopt(&mut self, other: &Encoder<'_>) {
        self.sets.extend(other.sets.iter().cloned());
        for (k, ps) in &other.predicates {
            let mine = self.predicates.entry(k.clone()).or_default();
            for p in ps {
                if !mine.contains(p) {
                    mine.push(p.clone());
                }
            }
        }
        for (k, d) in &other.decimals {
            let e = self.decimals.entry(k.clone()).or_insert(0);
            *e = (*e).max(*d);
        }
    }

    /// Whether some clause already read `key_lc` as a single value.
    fn read_as_single(&self, key_lc: &str) -> bool {
        !self.sets.contains(key_lc)
            && self
                .keys
                .get(key_lc)
                .is_some_and(|u| u.string || u.number || u.date || u.boolean || u.ip)
    }

    /// A key's concrete value, when the question or the caller fixes it:
    /// `Some(None)` means fixed as absent.
    fn known(&self, key_lc: &str) -> Option<Option<Value>> {
        if let Some(v) = self.fixed.get_lc(key_lc) {
            return Some(Some(v.clone()));
        }
        let p = self.principal;
        let s = |x: &str| Some(Some(Value::One(Scalar::Str(x.to_owned()))));
        match key_lc {
            "aws:principalarn" => match p.kind {
                PrincipalKind::Anonymous | PrincipalKind::Service => Some(None),
                _ => s(p.role_arn.as_deref().unwrap_or(&p.id)),
            },
            "aws:principalaccount" => Some(p.account.clone().map(|a| Value::One(Scalar::Str(a)))),
            "aws:principaltype" => match p.kind {
                PrincipalKind::User => s("User"),
                PrincipalKind::Role | PrincipalKind::AssumedRole => s("AssumedRole"),
                PrincipalKind::FederatedUser => s("FederatedUser"),
                PrincipalKind::Root => s("Account"),
                PrincipalKind::Anonymous => s("Anonymous"),
                _ => None,
            },
            "aws:username" => match p.kind {
                PrincipalKind::User => Some(p.name.clone().map(|n| Value::One(Scalar::Str(n)))),
                _ => None,
            },
            "aws:userid" => p
                .unique_id
                .clone()
                .map(|u| Some(Value::One(Scalar::Str(u)))),
            "aws:resourceaccount" => self
                .resource_account
                .map(|a| Some(Value::One(Scalar::Str(a.to_owned())))),
            "aws:principalisawsservice" => Some(Some(Value::One(Scalar::Bool(
                p.kind == PrincipalKind::Service,
            )))),
            "aws:principalservicename" if p.kind == PrincipalKind::Service => s(&p.id),
            _ => None,
        }
    }

    fn key_use(&mut self, key_lc: &str) -> &mut KeyUse {
        self.keys.entry(key_lc.to_owned()).or_default()
    }

    fn has(&mut self, key_lc: &str) -> Term {
        self.key_use(key_lc);
        if ALWAYS_SUPPLIED.contains(&key_lc) {
            return Term::tt();
        }
        Term::named(has_var(key_lc), Sort::Bool)
    }

    /// A pattern with its variables substituted from known keys.
    fn substitute(&self, p: &Pattern) -> Subst {
        if !p.has_vars() {
            return Subst::Pattern(p.clone());
        }
        let mut segs = Vec::new();
        for s in p.segs() {
            match s {
                Seg::Var(v) => match self.known(&v.key.to_ascii_lowercase()) {
                    Some(Some(Value::One(x))) => segs.push(Seg::Lit(x.as_string().into_owned())),
                    // known to be absent: the default, or no match at all (as
                    // the evaluator does)
                    Some(None) => match &v.default {
                        Some(d) => segs.push(Seg::Lit(d.clone())),
                        None => return Subst::NoMatch,
                    },
                    _ => return Subst::Unknown,
                },
                other => segs.push(other.clone()),
            }
        }
        Subst::Pattern(Pattern::new(segs, p.case(), p.raw()))
    }

    fn pattern_term(&mut self, s: Term, p: &Pattern, what: &str) -> Term {
        match self.substitute(p) {
            Subst::Pattern(q) => match Term::matches_pattern(s, &q) {
                Ok(t) => t,
                Err(e) => self.free(format!("{what} `{}`: {e}", p.raw())),
            },
            Subst::NoMatch => Term::ff(),
            // a variable on a key nobody fixes: the pattern's text depends on
            // the request in a way the encoding does not follow
            Subst::Unknown => self.free(format!(
                "{what} `{}` uses a policy variable on a key the question leaves open",
                p.raw()
            )),
        }
    }

    fn action_term(&mut self, st: &Statement) -> Term {
        let a = self.action.clone();
        let mut terms = Vec::with_capacity(st.action.patterns.len());
        for p in &st.action.patterns {
            terms.push(match Term::matches_pattern(a.clone(), p) {
                Ok(t) => t,
                // an action pattern the encoding cannot build leaves the
                // statement's reach open, never shut
                Err(e) => self.free(format!("action `{}`: {e}", p.raw())),
            });
        }
        let any = Term::or(terms);
        if st.action.negated {
            Term::not(any)
        } else {
            any
        }
    }

    fn resource_term(&mut self, st: &Statement) -> Term {
        let Some(r) = &st.resource else {
            return Term::tt();
        };
        let res = self.resource.clone();
        let parts: Vec<Term> = r
            .patterns
            .iter()
            .map(|p| self.pattern_term(res.clone(), p, "resource"))
            .collect();
        let any = Term::or(parts);
        if r.negated { Term::not(any) } else { any }
    }

    /// The condition of a statement.
    pub fn condition(&mut self, c: &Condition) -> Term {
        match c {
            Condition::True => Term::tt(),
            Condition::All(cs) => {
                let ts: Vec<Term> = cs.iter().map(|x| self.condition(x)).collect();
                Term::and(ts)
            }
            Condition::Any(cs) => {
                let ts: Vec<Term> = cs.iter().map(|x| self.condition(x)).collect();
                Term::or(ts)
            }
            Condition::Not(x) => {
                let t = self.condition(x);
                Term::not(t)
            }
            Condition::Aws(clause) => self.clause(clause),
            Condition::Expr(e) => self.free(format!("expression `{e}`")),
            Condition::Unsupported(r) => self.free(r.to_string()),
        }
    }

    fn clause(&mut self, c: &AwsClause) -> Term {
        // a key the question or the caller fixes: decide it concretely
        if let Some(known) = self.known(&c.key_lc) {
            let mut ctx = Context::new();
            if let Some(v) = known {
                ctx.insert(&c.key_lc, v);
            }
            // the values' policy variables must be known too, or the clause
            // depends on the request after all
            for v in &c.values {
                let CondValue::Str(p) = v else { continue };
                for var in p.vars() {
                    let k = var.key.to_ascii_lowercase();
                    match self.known(&k) {
                        Some(Some(val)) => ctx.insert(&k, val),
                        Some(None) => {}
                        None => return self.free(format!("`{c}` compares with a policy variable on a key the question leaves open")),
                    }
                }
            }
            return match eval_clause(c, self.principal, ctx) {
                iamx_model::Tri::True => Term::tt(),
                iamx_model::Tri::False => Term::ff(),
                iamx_model::Tri::Unknown(r) => self.free(r.to_string()),
            };
        }
        let set = if self.sets.contains(&c.key_lc) {
            true
        } else if c.qualifier != SetQualifier::Single {
            if self.read_as_single(&c.key_lc) {
                return self.free(format!(
                    "`{c}` reads `{}` as multi-valued, and a separately encoded program reads it as a single value",
                    c.key
                ));
            }
            self.sets.insert(c.key_lc.clone());
            true
        } else {
            false
        };
        let has = self.has(&c.key_lc);
        if set {
            self.key_use(&c.key_lc).set = true;
        }
        if c.op == AwsOp::Null {
            let alts: Vec<Term> = c
                .values
                .iter()
                .map(|v| match v {
                    CondValue::Bool(true) => Term::not(has.clone()),
                    _ => has.clone(),
                })
                .collect();
            return Term::or(alts);
        }
        if set {
            return self.set_clause(c, has);
        }
        let mut bases = Vec::new();
        for v in &c.values {
            let b = self.base(c, v, Slot::One);
            bases.push(b);
        }
        let any = Term::or(bases);
        if c.op.is_negated() {
            Term::or([Term::not(has), Term::not(any)])
        } else if c.if_exists {
            Term::or([Term::not(has.clone()), Term::and([has, any])])
        } else {
            Term::and([has, any])
        }
    }

    /// A clause on a multi-valued key (see the module doc): "some element
    /// satisfies `Q`", or its negation, where `Q` is "some policy value
    /// matches the element" or its negation.
    fn set_clause(&mut self, c: &AwsClause, has: Term) -> Term {
        let key = c.key_lc.clone();
        let negated = c.op.is_negated();
        // (Q is "some value matches", the clause holds when some element satisfies Q)
        let (q_is_match, holds_if_some) = match c.qualifier {
            SetQualifier::ForAnyValue => (!negated, true),
            SetQualifier::ForAllValues => (negated, false),
            SetQualifier::Single => (true, !negated),
        };
        let mut qs = Vec::with_capacity(SET_SLOTS);
        for i in 0..SET_SLOTS {
            let alts: Vec<Term> = c
                .values
                .iter()
                .map(|v| self.base(c, v, Slot::At(i)))
                .collect();
            let m = Term::or(alts);
            qs.push(if q_is_match { m } else { Term::not(m) });
        }
        if let Some(q0) = qs.first() {
            let known = self.predicates.entry(key.clone()).or_default();
            if !known.contains(q0) {
                if known.len() >= SET_SLOTS {
                    return self.free(format!(
                        "`{c}` is more than {SET_SLOTS} distinct set conditions on `{}`, beyond the elements the encoding gives a multi-valued key",
                        c.key
                    ));
                }
                known.push(q0.clone());
            }
        }
        let some = Term::or(
            qs.into_iter()
                .enumerate()
                .map(|(i, q)| Term::and([Term::named(live_var(&key, i), Sort::Bool), q])),
        );
        let present = if holds_if_some { some } else { Term::not(some) };
        Term::ite(has, present, Term::bool(c.absent_result()))
    }

    fn base(&mut self, c: &AwsClause, v: &CondValue, slot: Slot) -> Term {
        let key = c.key_lc.clone();
        let typed = |prefix: &str, key: &str| var_of(prefix, key, slot);
        match (c.op.value_kind(), v) {
            (ValueKind::String | ValueKind::Binary, CondValue::Str(p)) => {
                self.key_use(&key).string = true;
                let s = Term::named(typed("str", &key), Sort::String);
                if p.case() == iamx_model::Case::Insensitive {
                    // the value may be in any case: each letter of the
                    // pattern matches both of its cases
                    return match self.substitute(p) {
                        Subst::Pattern(q) => match glob_to_regex_any_case(&q) {
                            Ok(re) => Term::in_re(s, re),
                            Err(e) => self.free(format!(
                                "case-insensitive comparison with `{}`: {e}",
                                p.raw()
                            )),
                        },
                        Subst::NoMatch => Term::ff(),
                        Subst::Unknown => self.free(format!(
                            "case-insensitive comparison with `{}` uses a policy variable on a key the question leaves open",
                            p.raw()
                        )),
                    };
                }
                self.pattern_term(s, p, "condition value")
            }
            (ValueKind::Arn, CondValue::Str(p)) => {
                self.key_use(&key).string = true;
                let s = Term::named(typed("str", &key), Sort::String);
                match self.substitute(p) {
                    Subst::Pattern(q) if !p.has_vars() => match arn_regex(q.raw()) {
                        Ok(re) => Term::in_re(s, re),
                        Err(e) => self.free(format!("ARN comparison with `{}`: {e}", p.raw())),
                    },
                    Subst::NoMatch => Term::ff(),
                    _ => self.free(format!("ARN pattern `{}` with a policy variable", p.raw())),
                }
            }
            (ValueKind::Number, CondValue::Num(n)) => {
                let need = decimals_of(*n);
                let frozen = self.keys.get(&key).is_some_and(|u| u.number);
                let d = match (self.decimals.get(&key).copied(), need) {
                    (Some(d), Some(need)) if need <= d => d,
                    (_, Some(need)) if !frozen => {
                        self.decimals.insert(key.clone(), need);
                        need
                    }
                    _ => {
                        return self.free(format!(
                            "number {n} in `{c}` has more decimal places than the encoding of `{}` follows",
                            c.key
                        ));
                    }
                };
                let Some(k) = scaled(&format!("{n}"), d) else {
                    return self.free(format!("number {n} in `{c}` is out of the encoded range"));
                };
                self.key_use(&key).number = true;
                let x = Term::named(typed("num", &key), Sort::Int);
                cmp(c.op, x, Term::int(k))
            }
            (ValueKind::Date, CondValue::Date(d)) => {
                self.key_use(&key).date = true;
                let x = Term::named(typed("date", &key), Sort::Int);
                cmp(c.op, x, Term::int(*d))
            }
            (ValueKind::Bool, CondValue::Bool(b)) => {
                self.key_use(&key).boolean = true;
                let x = Term::named(typed("bool", &key), Sort::Bool);
                Term::equal(x, Term::bool(*b))
            }
            (ValueKind::Ip, CondValue::Ip(cidr)) => {
                self.key_use(&key).ip = true;
                let v6 = Term::named(typed("v6", &key), Sort::Bool);
                match cidr.addr {
                    IpAddr::V4(_) => {
                        let x = Term::named(typed("ip", &key), Sort::BitVec(32));
                        Term::and([Term::not(v6), ip_in_cidr(&x, *cidr)])
                    }
                    IpAddr::V6(_) => {
                        let x = Term::named(typed("ip6", &key), Sort::BitVec(128));
                        Term::and([v6, ip_in_cidr(&x, *cidr)])
                    }
                }
            }
            _ => self.free(format!("value `{v}` of `{c}`")),
        }
    }

    /// Whether the statement's principal element applies to the caller (a
    /// free Boolean where the evaluator answers `Unknown`), and how it
    /// matched: the evaluator's own rule, `PrincipalSpec::applies`.
    fn principal_match(&mut self, st: &Statement, scoped: bool) -> (Term, PrincipalMatch) {
        match (&st.principal, scoped) {
            (Some(spec), true) => match spec.applies(self.principal, st.effect, self.bounded) {
                (iamx_model::Tri::True, m) => (Term::tt(), m),
                (iamx_model::Tri::False, _) => (Term::ff(), PrincipalMatch::No),
                (iamx_model::Tri::Unknown(r), m) => (self.free(r.to_string()), m),
            },
            _ => (Term::tt(), PrincipalMatch::Direct),
        }
    }

    /// (deny, allow-named, allow-direct, allow-account, allow-anyone) of a
    /// set of policies.
    fn layer(&mut self, policies: &[std::sync::Arc<Policy>], scoped: bool) -> [Term; 5] {
        let mut deny = Vec::new();
        let (mut named, mut direct, mut account) = (Vec::new(), Vec::new(), Vec::new());
        let mut anyone = Vec::new();
        for p in policies {
            for st in &p.statements {
                let (who, pm) = self.principal_match(st, scoped);
                if pm == PrincipalMatch::No {
                    continue;
                }
                let a = self.action_term(st);
                if a.as_bool() == Some(false) {
                    continue;
                }
                let r = self.resource_term(st);
                let c = self.condition(&st.condition);
                let t = Term::and([who, a, r, c]);
                match (st.effect, pm) {
                    (Effect::Deny, _) => deny.push(t),
                    (Effect::Allow, PrincipalMatch::Named) => named.push(t),
                    (Effect::Allow, PrincipalMatch::Anyone) => anyone.push(t),
                    (Effect::Allow, PrincipalMatch::Account) => account.push(t),
                    (Effect::Allow, _) => direct.push(t),
                }
            }
        }
        [
            Term::or(deny),
            Term::or(named),
            Term::or(direct),
            Term::or(account),
            Term::or(anyone),
        ]
    }

    /// The term "the program allows the request" (not denied, every gate
    /// passes, the access rule holds), and the term "an explicit deny applies".
    pub fn program(&mut self, prog: &AwsProgram) -> (Term, Term) {
        self.prepare(prog);
        let p = self.principal;
        let iam_caller = p.has_identity_policies();
        self.bounded = iam_caller && !prog.boundaries.is_empty();
        let [id_deny, id_n, id_d, id_a, id_w] = if iam_caller {
            self.layer(&prog.identity, false)
        } else {
            [Term::ff(), Term::ff(), Term::ff(), Term::ff(), Term::ff()]
        };
        let identity_allow = Term::or([id_n, id_d, id_a, id_w]);
        let mut denies = vec![id_deny];
        let boundary_ok = if iam_caller && !prog.boundaries.is_empty() {
            let [d, n, di, a, w] = self.layer(&prog.boundaries, false);
            denies.push(d);
            Term::or([n, di, a, w])
        } else {
            Term::tt()
        };
        let session_ok = match (&prog.session, iam_caller) {
            (Some(s), true) => {
                let [d, n, di, a, w] = self.layer(std::slice::from_ref(s), false);
                denies.push(d);
                Term::or([n, di, a, w])
            }
            _ => Term::tt(),
        };
        let scp_applies = (iam_caller || p.kind == PrincipalKind::Root) && !prog.management_account;
        let mut gates = Vec::new();
        if let (Some(levels), true) = (&prog.scps, scp_applies) {
            for l in levels {
                let [d, n, di, a, w] = self.layer(&l.policies, false);
                denies.push(d);
                gates.push(Term::or([n, di, a, w]));
            }
        }
        // RCP levels only deny: `RCPFullAWSAccess` cannot be detached (the
        // evaluator's rule, `iamx_model::eval::evaluate`)
        if let Some(levels) = &prog.rcps {
            for l in levels {
                let [d, ..] = self.layer(&l.policies, true);
                denies.push(d);
            }
        }
        let [rp_deny, rp_named, rp_only_direct, rp_account, rp_anyone] = match &prog.resource_policy
        {
            Some(rp) => self.layer(std::slice::from_ref(rp), true),
            None => [Term::ff(), Term::ff(), Term::ff(), Term::ff(), Term::ff()],
        };
        denies.push(rp_deny);
        // the evaluator's rule: a wildcard grant is direct, except that the
        // caller's boundary does not limit it
        let rp_direct = Term::or([rp_only_direct.clone(), rp_anyone.clone()]);
        let limits = Term::and([boundary_ok, session_ok.clone()]);
        let id_allow = match p.kind {
            PrincipalKind::Root => Term::tt(),
            _ if iam_caller => identity_allow,
            _ => Term::ff(),
        };
        let id_side = Term::and([id_allow, limits.clone()]);
        let rp_strong = Term::or([
            rp_named.clone(),
            if iam_caller {
                Term::or([
                    Term::and([rp_only_direct, limits]),
                    Term::and([rp_anyone, session_ok]),
                ])
            } else {
                rp_direct.clone()
            },
        ]);
        let rule = |same: bool| -> Term {
            if !iam_caller && p.kind != PrincipalKind::Root {
                return Term::or([rp_direct.clone(), rp_named.clone()]);
            }
            if !same {
                return Term::and([
                    id_side.clone(),
                    Term::or([rp_named.clone(), rp_direct.clone(), rp_account.clone()]),
                ]);
            }
            match prog.resource_policy_kind {
                ResourcePolicyKind::Generic => Term::or([id_side.clone(), rp_strong.clone()]),
                ResourcePolicyKind::KmsKey | ResourcePolicyKind::RoleTrust => Term::or([
                    rp_strong.clone(),
                    Term::and([rp_account.clone(), id_side.clone()]),
                ]),
            }
        };
        let access = match (p.account.as_deref(), self.resource_account) {
            (Some(a), Some(b)) => rule(a == b),
            _ => {
                let (x, y) = (rule(true), rule(false));
                if x == y {
                    x
                } else {
                    let why = "the resource's account is unknown and the decision depends on whether the request is cross-account".to_owned();
                    let u = self.free(why);
                    Term::ite(u, x, y)
                }
            }
        };
        let deny = Term::or(denies);
        let guard = self.guardrail_term(prog);
        let allowed = Term::and([
            Term::not(deny.clone()),
            Term::and(gates),
            access,
            Term::not(guard),
        ]);
        // no policy can deny sts:GetCallerIdentity to an authenticated caller
        if iamx_model::guardrail::authenticated(p) {
            let gci = Term::equal(
                self.action.clone(),
                Term::string(iamx_model::guardrail::GET_CALLER_IDENTITY),
            );
            return (
                Term::or([allowed, gci.clone()]),
                Term::and([deny, Term::not(gci)]),
            );
        }
        (allowed, deny)
    }

    /// "A guardrail refuses the request" (`iamx_model::guardrail`): the
    /// action is one a row refuses and the resource lies in its family; a
    /// resource in the family only up to letter case is a free Boolean, as
    /// the evaluator answers `Unknown` there.
    ///
    /// A row none of whose actions any `Allow` of the program's identity or
    /// resource policy matches is left out: nothing grants those actions,
    /// so the guard cannot change the answer (the root user's identity side
    /// allows everything, so for it every row stays).
    fn guardrail_term(&mut self, prog: &AwsProgram) -> Term {
        let root = self.principal.kind == PrincipalKind::Root;
        let granted = |a: &str| {
            let service = a.split_once(':').map_or("", |(s, _)| s);
            prog.identity
                .iter()
                .chain(prog.resource_policy.iter())
                .any(|p| {
                    p.candidates(service).any(|i| {
                        p.statements
                            .get(i)
                            .is_some_and(|st| st.effect == Effect::Allow && st.action.matches_lc(a))
                    })
                })
        };
        let mut rows = Vec::new();
        for g in iamx_model::guardrail::guardrails() {
            if !root && !g.row.actions.iter().any(|a| granted(a)) {
                continue;
            }
            let not_exempt = if g.row.linked_service_exempt {
                match iamx_model::guardrail::service_linked_session(self.principal) {
                    iamx_model::Tri::True => continue,
                    iamx_model::Tri::False => Term::tt(),
                    iamx_model::Tri::Unknown(r) => Term::not(self.free(r.to_string())),
                }
            } else {
                Term::tt()
            };
            let action = Term::or(
                g.row
                    .actions
                    .iter()
                    .map(|a| Term::equal(self.action.clone(), Term::string(*a))),
            );
            if action.as_bool() == Some(false) {
                continue;
            }
            let res = self.resource.clone();
            let exact = match Term::matches_pattern(res.clone(), &g.exact) {
                Ok(t) => t,
                Err(e) => self.free(format!("guardrail `{}`: {e}", g.row.id)),
            };
            let family = if g.row.other_cases_unknown {
                let variant = match res.as_str() {
                    Some(c) => Term::bool(g.any_case.matches(c)),
                    None => match glob_to_regex_any_case(&g.any_case) {
                        Ok(re) => Term::in_re(res, re),
                        Err(e) => self.free(format!("guardrail `{}`: {e}", g.row.id)),
                    },
                };
                if variant.as_bool() == Some(false) {
                    exact
                } else {
                    let why = format!(
                        "the resource differs from the reserved `{}` only in letter case, and AWS does not document whether it reserves that too",
                        g.row.resource
                    );
                    let u = self.free(why);
                    Term::or([exact.clone(), Term::and([Term::not(exact), variant, u])])
                }
            } else {
                exact
            };
            rows.push(Term::and([action, family, not_exempt]));
        }
        Term::or(rows)
    }
}

fn cmp(op: AwsOp, x: Term, k: Term) -> Term {
    use AwsOp::*;
    match op {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => Term::equal(x, k),
        NumericLessThan | DateLessThan => Term::lt(x, k),
        NumericLessThanEquals | DateLessThanEquals => Term::le(x, k),
        NumericGreaterThan | DateGreaterThan => Term::gt(x, k),
        _ => Term::ge(x, k),
    }
}

/// The regex of an `Arn*` pattern: the six `:`-separated components are
/// matched separately, so a `*` or `?` in the first five does not cross `:`.
pub fn arn_regex(pattern: &str) -> Result<Regex, crate::encode::EncodeError> {
    let comps: Vec<&str> = pattern.splitn(6, ':').collect();
    if comps.len() < 6 {
        // not ARN-shaped: the evaluator matches it whole against the ARN
        let p = Pattern::glob(pattern, iamx_model::Case::Sensitive);
        return glob_to_regex(&p);
    }
    let mut parts = Vec::new();
    for (i, comp) in comps.iter().enumerate() {
        if i > 0 {
            parts.push(Regex::lit(":"));
        }
        let last = i == 5;
        let mut lit = String::new();
        for ch in comp.chars() {
            match ch {
                '*' | '?' => {
                    if !lit.is_empty() {
                        parts.push(Regex::lit(std::mem::take(&mut lit)));
                    }
                    let one = if last { Regex::any_char() } else { not_colon() };
                    parts.push(if ch == '*' { Regex::star(one) } else { one });
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Regex::lit(lit));
        }
    }
    if parts.len() > crate::encode::MAX_GLOB_PARTS {
        return Err(crate::encode::EncodeError {
            pattern: pattern.chars().take(80).collect(),
            reason: format!(
                "it has {} literals and wildcards; the encoding builds at most {}",
                parts.len(),
                crate::encode::MAX_GLOB_PARTS
            ),
        });
    }
    // the whole value must be an ARN: the sixth component takes the rest
    Ok(Regex::concat(parts))
}

fn eval_clause(c: &AwsClause, principal: &Principal, ctx: Context) -> iamx_model::Tri {
    // decide one clause concretely through the evaluator's own rules
    let req = iamx_model::Request {
        principal: principal.clone(),
        action: String::new(),
        resource: String::new(),
        resource_account: None,
        context: ctx,
    };
    struct V<'r>(&'r iamx_model::Request);
    impl iamx_model::pattern::VarSource for V<'_> {
        fn var(&self, key: &str) -> iamx_model::pattern::VarValue<'_> {
            match self.0.context.get(key) {
                Some(Value::One(s)) => iamx_model::pattern::VarValue::One(std::borrow::Cow::Owned(
                    s.as_string().into_owned(),
                )),
                Some(Value::Set(_)) => iamx_model::pattern::VarValue::Many,
                _ => iamx_model::pattern::VarValue::Missing,
            }
        }
    }
    impl iamx_model::condition::Attributes for V<'_> {
        fn attr(&self, key_lc: &str) -> Option<std::borrow::Cow<'_, Value>> {
            self.0
                .context
                .get_lc(key_lc)
                .map(std::borrow::Cow::Borrowed)
        }
        fn always_supplied(&self, _key_lc: &str) -> bool {
            false
        }
    }
    c.eval(&V(&req))
}

/// A concrete request's values for the variables `enc` used: the model under
/// which the encoding can be evaluated without a solver (for differential
/// tests), or `None` when a value does not fit its sort (a multi-valued key
/// read as a single value, a set larger than [`SET_SLOTS`], a number with
/// more decimal places than the key's scale).
pub fn model_of(enc: &Encoder<'_>, action: &str, resource: &str, ctx: &Context) -> Option<Model> {
    let mut m = Model::new();
    m.insert(ACTION, TValue::Str(action.to_ascii_lowercase()));
    m.insert(RESOURCE, TValue::Str(resource.to_owned()));
    for (k, u) in &enc.keys {
        let v = ctx.get_lc(k).filter(|v| !matches!(v, Value::Null));
        m.insert(has_var(k), TValue::Bool(v.is_some()));
        let d = enc.decimals.get(k).copied().unwrap_or(0);
        if u.set {
            let items = v.map_or(&[][..], Value::values);
            if items.len() > SET_SLOTS {
                return None;
            }
            for i in 0..SET_SLOTS {
                let item = items.get(i);
                m.insert(live_var(k, i), TValue::Bool(item.is_some()));
                fill(&mut m, k, Slot::At(i), u, d, item)?;
            }
            continue;
        }
        match v {
            None => fill(&mut m, k, Slot::One, u, d, None)?,
            Some(Value::One(s)) => fill(&mut m, k, Slot::One, u, d, Some(s))?,
            // a set on a key the encoding reads as a single value
            Some(_) => return None,
        }
    }
    Some(m)
}

/// The typed variables of one value (`None`: any value of each sort).
fn fill(m: &mut Model, k: &str, slot: Slot, u: &KeyUse, d: u32, s: Option<&Scalar>) -> Option<()> {
    let name = |prefix: &str| var_of(prefix, k, slot);
    let Some(s) = s else {
        m.insert(name("str"), TValue::Str(String::new()));
        m.insert(name("num"), TValue::Int(0));
        m.insert(name("date"), TValue::Int(0));
        m.insert(name("bool"), TValue::Bool(false));
        m.insert(name("v6"), TValue::Bool(false));
        m.insert(name("ip"), TValue::BitVec { width: 32, bits: 0 });
        m.insert(
            name("ip6"),
            TValue::BitVec {
                width: 128,
                bits: 0,
            },
        );
        return Some(());
    };
    m.insert(name("str"), TValue::Str(s.as_string().into_owned()));
    if u.number {
        let x = match s {
            Scalar::Num(n) => scaled(&format!("{n}"), d)?,
            other => scaled(&other.as_string(), d)?,
        };
        m.insert(name("num"), TValue::Int(x));
    }
    if u.date {
        m.insert(name("date"), TValue::Int(s.as_date()?));
    }
    if u.boolean {
        // a non-boolean value is equal to neither `true` nor `false` in the
        // evaluator, which a Boolean variable cannot say: not modelled
        let b = s.as_bool()?;
        m.insert(name("bool"), TValue::Bool(b));
    }
    if u.ip {
        let (v6, four, six) = match s.as_ip()? {
            IpAddr::V4(a) => (false, u128::from(u32::from(a)), 0),
            IpAddr::V6(a) => (true, 0, u128::from(a)),
        };
        m.insert(name("v6"), TValue::Bool(v6));
        m.insert(
            name("ip"),
            TValue::BitVec {
                width: 32,
                bits: four,
            },
        );
        m.insert(
            name("ip6"),
            TValue::BitVec {
                width: 128,
                bits: six,
            },
        );
    }
    Some(())
}

/// The text of one value in a model, read at the sort the key is used at; a
/// variable the model leaves out (the terms do not constrain it) takes any
/// value of its sort.
fn decode(m: &Model, k: &str, slot: Slot, u: &KeyUse, d: u32) -> String {
    let name = |prefix: &str| var_of(prefix, k, slot);
    if u.ip {
        if m.get_bool(&name("v6")) == Some(true) {
            std::net::Ipv6Addr::from(m.get_bits(&name("ip6")).unwrap_or(0)).to_string()
        } else {
            let b = m.get_bits(&name("ip")).and_then(|b| u32::try_from(b).ok());
            std::net::Ipv4Addr::from(b.unwrap_or(0)).to_string()
        }
    } else if u.date {
        iamx_model::value::format_date(m.get_int(&name("date")).unwrap_or(0))
    } else if u.number {
        unscaled(m.get_int(&name("num")).unwrap_or(0), d)
    } else if u.boolean {
        m.get_bool(&name("bool")).unwrap_or(false).to_string()
    } else {
        m.get_str(&name("str")).unwrap_or_default().to_owned()
    }
}

/// The context of a witness: the keys present in `m`, as the concrete
/// evaluator reads them (a multi-valued key as the set of its live
/// elements).
pub fn context_of(enc: &Encoder<'_>, m: &Model) -> Context {
    let mut ctx = enc.fixed.clone();
    for (k, u) in &enc.keys {
        if ALWAYS_SUPPLIED.contains(&k.as_str()) {
            // present by construction; give it a value of the right sort
        } else if m.get_bool(&has_var(k)) != Some(true) {
            continue;
        }
        let d = enc.decimals.get(k).copied().unwrap_or(0);
        if u.set {
            let items = (0..SET_SLOTS)
                .filter(|i| m.get_bool(&live_var(k, *i)) == Some(true))
                .map(|i| Scalar::Str(decode(m, k, Slot::At(i), u, d)))
                .collect();
            ctx.insert(k, Value::Set(items));
            continue;
        }
        let sorted = u.ip || u.date || u.number || u.boolean || u.string;
        let value = match k.as_str() {
            // read by no clause at a sort: a value of the sort AWS gives
            "aws:securetransport" if !sorted => "true".to_owned(),
            "aws:currenttime" if !sorted => "2026-01-01T00:00:00Z".to_owned(),
            "aws:epochtime" if !sorted => "1767225600".to_owned(),
            _ => decode(m, k, Slot::One, u, d),
        };
        ctx.insert(k, Value::One(Scalar::Str(value)));
    }
    ctx
}

/// The answer to "can this caller do this action on this resource in some
/// context?".
#[derive(Clone, Debug)]
pub enum Can {
    /// In every context.
    Always,
    /// In some contexts: `witness` is one (re-checked by the concrete
    /// evaluator), `counterexample` one where it is not allowed; `keys` are
    /// the context keys the answer depends on.
    Sometimes {
        /// A context under which the request is allowed.
        witness: Context,
        /// A context under which it is not.
        counterexample: Context,
        /// The context keys the policies read.
        keys: Vec<String>,
    },
    /// In no context.
    Never,
    /// Not decided, with the reason.
    Unknown(iamx_model::Reason),
}

/// The term "`prog` allows `req`" over the context keys `req` leaves open
/// (its caller, action, resource and given keys are fixed), for
/// `--emit-smt` and snapshot tests.
pub fn allowed_term(prog: &AwsProgram, req: &iamx_model::Request) -> Term {
    let mut enc = Encoder::new(
        &req.principal,
        req.resource_account.as_deref(),
        &req.context,
        Some(&req.action),
        Some(&req.resource),
    );
    enc.program(prog).0
}

/// Decides whether `req` (its caller, action and resource; its context keys
/// are taken as fixed) is allowed by `prog` in some or every context. Every
/// model the solver returns is replayed through the concrete evaluator.
pub fn can(prog: &AwsProgram, req: &iamx_model::Request, timeout: std::time::Duration) -> Can {
    let mut enc = Encoder::new(
        &req.principal,
        req.resource_account.as_deref(),
        &req.context,
        Some(&req.action),
        Some(&req.resource),
    );
    let (allowed, _) = enc.program(prog);
    match crate::query::decide(&allowed, timeout) {
        crate::Answer::Always => Can::Always,
        crate::Answer::Never => Can::Never,
        crate::Answer::Unknown(r) => Can::Unknown(r),
        crate::Answer::Sometimes {
            witness,
            counterexample,
        } => {
            let replay = |m: &Model| {
                let mut r = req.clone();
                r.context = context_of(&enc, m);
                (iamx_model::evaluate(prog, &r).outcome, r.context)
            };
            let (yes, wctx) = replay(&witness);
            let (no, cctx) = replay(&counterexample);
            if yes == iamx_model::Outcome::Allowed
                && no != iamx_model::Outcome::Allowed
                && !matches!(no, iamx_model::Outcome::Unknown(_))
            {
                Can::Sometimes {
                    witness: wctx,
                    counterexample: cctx,
                    keys: enc.keys.keys().cloned().collect(),
                }
            } else if !enc.unsupported.is_empty() {
                Can::Unknown(iamx_model::Reason::new(format!(
                    "the policies use what the symbolic encoding does not express ({}); the solver's witness did not replay (evaluator: {yes} / {no})",
                    enc.unsupported.join("; ")
                )))
            } else {
                Can::Unknown(iamx_model::Reason::new(format!(
                    "the solver's witness did not replay through the concrete evaluator (evaluator: {yes} / {no})"
                )))
            }
        }
    }
}
