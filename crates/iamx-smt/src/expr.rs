//! The symbolic encoding of the CEL/ABAC expression language, and of the GCP
//! and Azure programs built on it.
//!
//! Attributes become typed variables: `attr:NAME` (string), `time:NAME`
//! (epoch ms, for `request.time` and `@Environment[UtcNow]`), `num:NAME`,
//! `bool:NAME`, and for tags `tag:KEY` with `hastag:KEY`. The caller, the
//! permission or operation, and the resource are fixed by the question, so
//! membership, role and scope tests are decided while encoding.
//!
//! An attribute read by an ABAC cross-product operator (`ForAnyOfAnyValues:`,
//! `ForAllOfAnyValues:`, `ForAnyOfAllValues:`, `ForAllOfAllValues:`) or by
//! `ListContains` / `ListNotContains` is multi-valued: up to
//! [`crate::aws::SET_SLOTS`] elements (`live:i:NAME`, `elem:i:attr:NAME`, …),
//! decoded as a set. As in the AWS encoding (see its module doc for the
//! argument), each such operator is "some element satisfies `Q`" or its
//! negation for one element predicate `Q`, so the bound is exact as long as
//! an attribute has at most that many distinct predicates; one more is a
//! free Boolean. An attribute read both as a set and as a single value is
//! a free Boolean where the second reading happens (the evaluator answers
//! Unknown for a single-valued operator on a set).
//!
//! What the encoding does not express (time-zone arithmetic, durations,
//! decimal numbers, sets of times) is a free Boolean, as in the AWS encoding.

use crate::eval::Model;
use crate::regex::Regex;
use crate::term::{Sort, Term, Value as TValue};
use iamx_model::azure::{AzureProgram, RoleSpec};
use iamx_model::expr::{AzOp, CmpOp, Expr, Func, Quantifier};
use iamx_model::gcp::{GcpProgram, RoleGrant, v2_permission};
use iamx_model::{Condition, Context, Scalar, Value};
use std::collections::BTreeMap;

/// How an attribute is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrSort {
    /// A string.
    Str,
    /// A time (epoch ms).
    Time,
    /// A number (integer).
    Num,
    /// A boolean.
    Bool,
}

/// The variable holding the (lowercased) operation of an Azure question
/// asked over every operation ([`ExprEncoder::any_operation`]).
pub const OPERATION: &str = "request:operation";

/// Encodes expressions for one fixed action, or (Azure) for a symbolic
/// operation.
pub struct ExprEncoder<'a> {
    action: &'a str,
    /// The operation as a variable (lowercased text), when it is not fixed.
    op: Option<Term>,
    sub_operation: Option<&'a str>,
    fixed: &'a Context,
    /// Attributes read (lowercased), with the sort they are read at.
    pub attrs: BTreeMap<String, AttrSort>,
    /// Tag keys read.
    pub tags: Vec<String>,
    /// Multi-valued attributes (lowercased), with the sort of their elements.
    pub set_attrs: BTreeMap<String, AttrSort>,
    /// The distinct element predicates per multi-valued attribute.
    set_predicates: BTreeMap<String, Vec<Term>>,
    /// Reasons of the free variables.
    pub unsupported: Vec<String>,
}

fn is_time_attr(name: &str) -> bool {
    name == "request.time" || name.eq_ignore_ascii_case("@Environment[UtcNow]")
}

/// A symbolic or constant value.
enum Sym {
    Str(Term),
    Int(Term),
    Bool(Term),
    List(Vec<Sym>),
}

impl<'a> ExprEncoder<'a> {
    /// An encoder for requests of `action`; `fixed` holds attributes the
    /// question fixes (decided as constants).
    pub fn new(
        action: &'a str,
        sub_operation: Option<&'a str>,
        fixed: &'a Context,
    ) -> ExprEncoder<'a> {
        ExprEncoder {
            action,
            op: None,
            sub_operation,
            fixed,
            attrs: BTreeMap::new(),
            tags: Vec::new(),
            set_attrs: BTreeMap::new(),
            set_predicates: BTreeMap::new(),
            unsupported: Vec::new(),
        }
    }

    /// An encoder for Azure requests of any operation: the operation is the
    /// string variable [`OPERATION`], holding lowercased text (Azure
    /// operation names are case-insensitive, and the patterns' literals are
    /// lowercased), so `Actions`/`NotActions` patterns and `ActionMatches`
    /// become regex tests on it. Only [`ExprEncoder::azure_program`] reads
    /// it; GCP permissions are always fixed.
    pub fn any_operation(sub_operation: Option<&'a str>, fixed: &'a Context) -> ExprEncoder<'a> {
        ExprEncoder {
            op: Some(Term::named(OPERATION, Sort::String)),
            ..ExprEncoder::new("", sub_operation, fixed)
        }
    }

    /// The operation term: the fixed operation, or the [`OPERATION`] variable.
    pub fn operation(&self) -> Term {
        self.op
            .clone()
            .unwrap_or_else(|| Term::string(self.action.to_ascii_lowercase()))
    }

    /// `pattern` matches the operation (case-insensitively).
    fn op_matches(&mut self, p: &iamx_model::Pattern) -> Term {
        match &self.op {
            None => Term::bool(p.matches(self.action)),
            Some(op) => match Term::matches_pattern(op.clone(), p) {
                Ok(t) => t,
                Err(e) => self.free(format!("operation pattern `{}`: {e}", p.raw())),
            },
        }
    }

    /// A permission block covers the operation (a data action when `data`):
    /// some allowed pattern matches and no excluded pattern of the block does.
    fn covers(&mut self, b: &iamx_model::azure::PermissionBlock, data: bool) -> Term {
        if self.op.is_none() {
            return Term::bool(b.covers(self.action, data));
        }
        let (inc, exc) = if data {
            (&b.data_actions, &b.not_data_actions)
        } else {
            (&b.actions, &b.not_actions)
        };
        let inc: Vec<Term> = inc.iter().map(|p| self.op_matches(p)).collect();
        let exc: Vec<Term> = exc.iter().map(|p| self.op_matches(p)).collect();
        Term::and([Term::or(inc), Term::not(Term::or(exc))])
    }

    fn free(&mut self, why: String) -> Term {
        let n = self.unsupported.len();
        self.unsupported.push(why.clone());
        Term::named(format!("unknown:{n}:{why}"), Sort::Bool)
    }

    fn fixed_value(&self, name: &str) -> Option<&Scalar> {
        match self.fixed.get(name) {
            Some(Value::One(s)) => Some(s),
            _ => None,
        }
    }

    fn attr(&mut self, name: &str, want: AttrSort) -> Option<Sym> {
        let lc = name.to_ascii_lowercase();
        if let Some(s) = self.fixed_value(name) {
            return Some(match want {
                AttrSort::Time => Sym::Int(Term::int(s.as_date()?)),
                AttrSort::Num => Sym::Int(Term::int(num_i64(s.as_number()?)?)),
                AttrSort::Bool => Sym::Bool(Term::bool(s.as_bool()?)),
                AttrSort::Str => Sym::Str(Term::string(s.as_string().into_owned())),
            });
        }
        if self.fixed.get(name).is_some() || self.set_attrs.contains_key(&lc) {
            // a set or an explicit absence: not modelled
            return None;
        }
        let prev = *self.attrs.entry(lc.clone()).or_insert(want);
        if prev != want {
            return None;
        }
        Some(match want {
            AttrSort::Str => Sym::Str(Term::named(format!("attr:{lc}"), Sort::String)),
            AttrSort::Time => Sym::Int(Term::named(format!("time:{lc}"), Sort::Int)),
            AttrSort::Num => Sym::Int(Term::named(format!("num:{lc}"), Sort::Int)),
            AttrSort::Bool => Sym::Bool(Term::named(format!("bool:{lc}"), Sort::Bool)),
        })
    }

    /// The condition of a binding or assignment.
    pub fn condition(&mut self, c: &Condition) -> Term {
        match c {
            Condition::True => Term::tt(),
            Condition::All(cs) => {
                let v: Vec<Term> = cs.iter().map(|x| self.condition(x)).collect();
                Term::and(v)
            }
            Condition::Any(cs) => {
                let v: Vec<Term> = cs.iter().map(|x| self.condition(x)).collect();
                Term::or(v)
            }
            Condition::Not(x) => {
                let t = self.condition(x);
                Term::not(t)
            }
            Condition::Expr(e) => self.boolean(e),
            Condition::Aws(a) => self.free(format!("AWS clause `{a}` in a GCP/Azure condition")),
            Condition::Unsupported(r) => self.free(r.to_string()),
        }
    }

    /// An expression used as a truth value.
    pub fn boolean(&mut self, e: &Expr) -> Term {
        match e {
            Expr::Bool(b) => Term::bool(*b),
            Expr::And(xs) => {
                let v: Vec<Term> = xs.iter().map(|x| self.boolean(x)).collect();
                Term::and(v)
            }
            Expr::Or(xs) => {
                let v: Vec<Term> = xs.iter().map(|x| self.boolean(x)).collect();
                Term::or(v)
            }
            Expr::Not(x) => {
                let t = self.boolean(x);
                Term::not(t)
            }
            Expr::Cmp(op, a, b) => self.compare(*op, a, b),
            Expr::In(x, list) => match (self.value(x, AttrSort::Str), &**list) {
                (Some(Sym::Str(s)), Expr::List(items)) => {
                    let mut alts = Vec::new();
                    for i in items {
                        match self.value(i, AttrSort::Str) {
                            Some(Sym::Str(t)) => alts.push(Term::equal(s.clone(), t)),
                            _ => return self.free(format!("`{e}`")),
                        }
                    }
                    Term::or(alts)
                }
                _ => self.free(format!("`{e}`")),
            },
            Expr::Call(f, args) => self.call(*f, args, e),
            Expr::AzOp {
                op,
                quantifier,
                lhs,
                rhs,
            } => self.az(*op, *quantifier, lhs, rhs, e),
            Expr::ActionMatches(p) => self.op_matches(p),
            Expr::SubOperationMatches(s) => Term::bool(self.sub_operation == Some(s.as_str())),
            Expr::Attr(name) => match self.attr(name, AttrSort::Bool) {
                Some(Sym::Bool(t)) => t,
                _ => self.free(format!("`{e}`")),
            },
            _ => self.free(format!("`{e}`")),
        }
    }

    fn value(&mut self, e: &Expr, want: AttrSort) -> Option<Sym> {
        match e {
            Expr::Str(s) => Some(match want {
                AttrSort::Time => Sym::Int(Term::int(iamx_model::value::parse_date(s)?)),
                AttrSort::Num => Sym::Int(Term::int(num_i64(iamx_model::value::parse_number(s)?)?)),
                AttrSort::Bool => Sym::Bool(Term::bool(match s.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return None,
                })),
                AttrSort::Str => Sym::Str(Term::string(s.clone())),
            }),
            Expr::Num(n) => Some(Sym::Int(Term::int(num_i64(*n)?))),
            Expr::Bool(b) => Some(Sym::Bool(Term::bool(*b))),
            Expr::List(xs) => xs
                .iter()
                .map(|x| self.value(x, want))
                .collect::<Option<Vec<_>>>()
                .map(Sym::List),
            Expr::Attr(name) => {
                let sort = if is_time_attr(name) {
                    AttrSort::Time
                } else {
                    want
                };
                self.attr(name, sort)
            }
            Expr::Call(Func::Timestamp, args) => match args.first() {
                Some(Expr::Str(s)) => Some(Sym::Int(Term::int(iamx_model::value::parse_date(s)?))),
                _ => None,
            },
            _ => None,
        }
    }

    fn compare(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> Term {
        // the sort follows whichever side is typed
        let want = if matches!(a, Expr::Attr(n) if is_time_attr(n))
            || matches!(b, Expr::Attr(n) if is_time_attr(n))
            || matches!(a, Expr::Call(Func::Timestamp, _))
            || matches!(b, Expr::Call(Func::Timestamp, _))
        {
            AttrSort::Time
        } else if matches!(a, Expr::Num(_)) || matches!(b, Expr::Num(_)) {
            AttrSort::Num
        } else if matches!(a, Expr::Bool(_)) || matches!(b, Expr::Bool(_)) {
            AttrSort::Bool
        } else {
            AttrSort::Str
        };
        match (self.value(a, want), self.value(b, want)) {
            (Some(Sym::Int(x)), Some(Sym::Int(y))) => match op {
                CmpOp::Eq => Term::equal(x, y),
                CmpOp::Ne => Term::not(Term::equal(x, y)),
                CmpOp::Lt => Term::lt(x, y),
                CmpOp::Le => Term::le(x, y),
                CmpOp::Gt => Term::gt(x, y),
                CmpOp::Ge => Term::ge(x, y),
            },
            (Some(Sym::Str(x)), Some(Sym::Str(y))) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let eq = Term::equal(x, y);
                if op == CmpOp::Eq { eq } else { Term::not(eq) }
            }
            (Some(Sym::Bool(x)), Some(Sym::Bool(y))) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let eq = Term::equal(x, y);
                if op == CmpOp::Eq { eq } else { Term::not(eq) }
            }
            _ => self.free(format!("comparison `{a} {} {b}`", op.symbol())),
        }
    }

    fn call(&mut self, f: Func, args: &[Expr], whole: &Expr) -> Term {
        match f {
            Func::StartsWith | Func::EndsWith | Func::Contains => {
                let (Some(r), Some(a)) = (args.first(), args.get(1)) else {
                    return self.free(format!("`{whole}`"));
                };
                match (self.value(r, AttrSort::Str), self.value(a, AttrSort::Str)) {
                    (Some(Sym::Str(s)), Some(Sym::Str(x))) => match f {
                        Func::StartsWith => Term::prefix_of(x, s),
                        Func::EndsWith => Term::suffix_of(x, s),
                        _ => Term::contains(s, x),
                    },
                    _ => self.free(format!("`{whole}`")),
                }
            }
            Func::MatchTag | Func::HasTagKey => {
                let Some(Expr::Str(key)) = args.first() else {
                    return self.free(format!("`{whole}`"));
                };
                if self.fixed.get("resource.tags").is_some() {
                    // tags fixed by the question: decide with the evaluator's reading
                    let v = self.fixed.get(&format!("resource.tag/{key}"));
                    return Term::bool(match f {
                        Func::HasTagKey => v.is_some(),
                        _ => match (v, args.get(1)) {
                            (Some(Value::One(x)), Some(Expr::Str(want))) => x.as_string() == *want,
                            _ => false,
                        },
                    });
                }
                if !self.tags.contains(key) {
                    self.tags.push(key.clone());
                }
                let has = Term::named(format!("hastag:{key}"), Sort::Bool);
                match (f, args.get(1)) {
                    (Func::HasTagKey, _) => has,
                    (_, Some(Expr::Str(want))) => Term::and([
                        has,
                        Term::equal(
                            Term::named(format!("tag:{key}"), Sort::String),
                            Term::string(want.clone()),
                        ),
                    ]),
                    _ => self.free(format!("`{whole}`")),
                }
            }
            _ => self.free(format!("`{whole}`")),
        }
    }

    fn az(&mut self, op: AzOp, q: Quantifier, lhs: &Expr, rhs: &Expr, whole: &Expr) -> Term {
        use AzOp::*;
        let lists = matches!(op, ListContains | ListNotContains);
        if q != Quantifier::None || lists {
            return match lhs {
                Expr::Attr(name) => self.az_set(op, q, name, rhs, whole),
                _ => self.free(format!("`{whole}`: a set operator on a literal")),
            };
        }
        let want = az_sort(op);
        let l = match lhs {
            Expr::Attr(n) => self.attr(n, want),
            other => self.value(other, want),
        };
        let r = self.value(rhs, want);
        let unwrap = |s: Sym| match s {
            Sym::Str(t) | Sym::Int(t) | Sym::Bool(t) => Some(t),
            Sym::List(_) => None,
        };
        // the evaluator negates each comparison, then (a list on the right)
        // takes any of them
        let single = |l: Term, r: Term| {
            az_base(op, l, r).map(|t| if op.is_negated() { Term::not(t) } else { t })
        };
        match (l, r) {
            (Some(l), Some(Sym::List(rs))) => {
                let Some(l) = unwrap(l) else {
                    return self.free(format!("`{whole}`"));
                };
                let mut alts = Vec::new();
                for x in rs {
                    match unwrap(x).and_then(|x| single(l.clone(), x)) {
                        Some(t) => alts.push(t),
                        None => return self.free(format!("`{whole}`")),
                    }
                }
                Term::or(alts)
            }
            (Some(l), Some(r)) => match (unwrap(l), unwrap(r)) {
                (Some(l), Some(r)) => match single(l, r) {
                    Some(t) => t,
                    None => self.free(format!("`{whole}`")),
                },
                _ => self.free(format!("`{whole}`")),
            },
            _ => self.free(format!("`{whole}`")),
        }
    }

    /// A cross-product operator (or `ListContains`) on a multi-valued
    /// attribute, mirroring the evaluator's `az_op`: for each left element,
    /// any or all right values relate (each comparison negated for a negated
    /// operator); then some or every left element does so.
    fn az_set(&mut self, op: AzOp, q: Quantifier, name: &str, rhs: &Expr, whole: &Expr) -> Term {
        use crate::aws::SET_SLOTS;
        let want = az_sort(op);
        let lc = name.to_ascii_lowercase();
        if is_time_attr(name) || want == AttrSort::Time {
            return self.free(format!("`{whole}`: a set of times"));
        }
        if self.fixed.get(name).is_some() || self.attrs.contains_key(&lc) {
            return self.free(format!(
                "`{whole}` reads `{name}` as multi-valued, and another condition reads it as a single value"
            ));
        }
        match self.set_attrs.get(&lc) {
            Some(s) if *s != want => {
                return self.free(format!(
                    "`{whole}` reads the elements of `{name}` at another type than another condition"
                ));
            }
            _ => {}
        }
        let negated = op.is_negated();
        let rs: Vec<Term> = match self.value(rhs, want) {
            // `ListContains` without a quantifier looks for the list itself
            // among the elements, which are never lists
            Some(Sym::List(_)) if q == Quantifier::None => return Term::bool(negated),
            Some(Sym::List(xs)) => {
                let mut out = Vec::new();
                for x in xs {
                    match x {
                        Sym::Str(t) | Sym::Int(t) | Sym::Bool(t) => out.push(t),
                        Sym::List(_) => return self.free(format!("`{whole}`")),
                    }
                }
                out
            }
            Some(Sym::Str(t) | Sym::Int(t) | Sym::Bool(t)) => vec![t],
            None => return self.free(format!("`{whole}`")),
        };
        let (prefix, sort) = match want {
            AttrSort::Num => ("num", Sort::Int),
            AttrSort::Bool => ("bool", Sort::Bool),
            _ => ("attr", Sort::String),
        };
        let every_right = matches!(
            q,
            Quantifier::ForAnyOfAllValues | Quantifier::ForAllOfAllValues
        );
        let every_left = matches!(
            q,
            Quantifier::ForAllOfAnyValues | Quantifier::ForAllOfAllValues
        );
        let mut qs = Vec::with_capacity(SET_SLOTS);
        for i in 0..SET_SLOTS {
            let e = Term::named(format!("elem:{i}:{prefix}:{lc}"), sort);
            let mut rel = Vec::new();
            for r in &rs {
                let Some(t) = az_base(op, e.clone(), r.clone()) else {
                    return self.free(format!("`{whole}`"));
                };
                // inside a quantifier each comparison is negated
                rel.push(if negated && q != Quantifier::None {
                    Term::not(t)
                } else {
                    t
                });
            }
            let p = if every_right {
                Term::and(rel)
            } else {
                Term::or(rel)
            };
            qs.push(if every_left { Term::not(p) } else { p });
        }
        if let Some(q0) = qs.first() {
            let known = self.set_predicates.entry(lc.clone()).or_default();
            if !known.contains(q0) {
                if known.len() >= SET_SLOTS {
                    return self.free(format!(
                        "`{whole}` is more than {SET_SLOTS} distinct set conditions on `{name}`"
                    ));
                }
                known.push(q0.clone());
            }
        }
        self.set_attrs.insert(lc.clone(), want);
        let some = Term::or(
            qs.into_iter()
                .enumerate()
                .map(|(i, q)| Term::and([Term::named(format!("live:{i}:{lc}"), Sort::Bool), q])),
        );
        let holds = if every_left { Term::not(some) } else { some };
        // `ListNotContains` without a quantifier: the negation of the whole
        if q == Quantifier::None && negated {
            Term::not(holds)
        } else {
            holds
        }
    }

    /// GCP: the term "the program allows the request".
    pub fn gcp_program(&mut self, prog: &GcpProgram) -> Term {
        let v2 = v2_permission(self.action);
        let mut deny = Vec::new();
        for rule in &prog.denies {
            let who = rule
                .denied_principals
                .iter()
                .any(|p| prog.v2_identities.contains(p))
                && !rule
                    .exception_principals
                    .iter()
                    .any(|p| prog.v2_identities.contains(p));
            let what = rule.denied_permissions.iter().any(|p| p.matches(&v2))
                && !rule.exception_permissions.iter().any(|p| p.matches(&v2));
            if who && what {
                let c = self.condition(&rule.condition);
                deny.push(c);
            }
        }
        let boundary_ok = prog.boundaries.is_empty()
            || prog.boundaries.iter().any(|b| {
                b.resources
                    .iter()
                    .any(|r| prog.resource_chain.iter().any(|c| c == r))
            });
        let mut allow = Vec::new();
        for b in &prog.bindings {
            if !b.members.iter().any(|m| prog.identities.contains(m)) {
                continue;
            }
            let grants = match &b.grant {
                RoleGrant::Permissions(p) => Term::bool(p.contains(self.action)),
                RoleGrant::Nothing(_) => Term::ff(),
                RoleGrant::Unknown(r) => self.free(r.to_string()),
            };
            if grants.as_bool() == Some(false) {
                continue;
            }
            let c = self.condition(&b.condition);
            allow.push(Term::and([grants, c]));
        }
        Term::and([
            Term::not(Term::or(deny)),
            Term::bool(boundary_ok),
            Term::or(allow),
        ])
    }

    /// Azure: the term "the program allows the request".
    pub fn azure_program(&mut self, prog: &AzureProgram) -> Term {
        let data = prog.data_action;
        let mut deny = Vec::new();
        for d in &prog.denies {
            if d.reaches(&prog.identities) {
                let v: Vec<Term> = d.blocks.iter().map(|b| self.covers(b, data)).collect();
                let c = self.condition(&d.condition);
                deny.push(Term::and([Term::or(v), c]));
            }
        }
        let denied = Term::or(deny);
        if denied.as_bool() == Some(true) {
            return Term::ff();
        }
        let mut allow = Vec::new();
        for a in &prog.assignments {
            if !prog.identities.contains(&a.principal_id) {
                continue;
            }
            let grants = match &a.role {
                RoleSpec::Blocks(blocks) => {
                    let v: Vec<Term> = blocks.iter().map(|b| self.covers(b, data)).collect();
                    Term::or(v)
                }
                RoleSpec::Unknown(r) => self.free(r.to_string()),
            };
            if grants.as_bool() == Some(false) {
                continue;
            }
            let c = self.condition(&a.condition);
            allow.push(Term::and([grants, c]));
        }
        Term::and([Term::not(denied), Term::or(allow)])
    }

    /// The model of a concrete context (every attribute the encoding read
    /// must be given, as a single value); `None` when one is not.
    pub fn model_of(&self, ctx: &Context) -> Option<Model> {
        let mut m = Model::new();
        for (name, sort) in &self.attrs {
            let Some(Value::One(s)) = ctx.get(name) else {
                return None;
            };
            match sort {
                AttrSort::Str => m.insert(
                    format!("attr:{name}"),
                    TValue::Str(s.as_string().into_owned()),
                ),
                AttrSort::Time => m.insert(format!("time:{name}"), TValue::Int(s.as_date()?)),
                AttrSort::Num => {
                    m.insert(format!("num:{name}"), TValue::Int(num_i64(s.as_number()?)?))
                }
                AttrSort::Bool => m.insert(format!("bool:{name}"), TValue::Bool(s.as_bool()?)),
            }
        }
        for (name, sort) in &self.set_attrs {
            let items = match ctx.get(name)? {
                Value::One(s) => std::slice::from_ref(s),
                Value::Set(v) => v.as_slice(),
                Value::Null => return None,
            };
            if items.len() > crate::aws::SET_SLOTS {
                return None;
            }
            for i in 0..crate::aws::SET_SLOTS {
                let item = items.get(i);
                m.insert(format!("live:{i}:{name}"), TValue::Bool(item.is_some()));
                match sort {
                    AttrSort::Num => m.insert(
                        format!("elem:{i}:num:{name}"),
                        TValue::Int(item.map_or(Some(0), |s| num_i64(s.as_number()?))?),
                    ),
                    AttrSort::Bool => m.insert(
                        format!("elem:{i}:bool:{name}"),
                        TValue::Bool(item.map_or(Some(false), Scalar::as_bool)?),
                    ),
                    _ => m.insert(
                        format!("elem:{i}:attr:{name}"),
                        TValue::Str(item.map(|s| s.as_string().into_owned()).unwrap_or_default()),
                    ),
                }
            }
        }
        if !self.tags.is_empty() {
            ctx.get("resource.tags")?;
            for k in &self.tags {
                let v = ctx.get(&format!("resource.tag/{k}"));
                m.insert(format!("hastag:{k}"), TValue::Bool(v.is_some()));
                let text = match v {
                    Some(Value::One(x)) => x.as_string().into_owned(),
                    _ => String::new(),
                };
                m.insert(format!("tag:{k}"), TValue::Str(text));
            }
        }
        Some(m)
    }

    /// The context a model stands for, on top of the fixed one.
    pub fn context_of(&self, m: &Model) -> Context {
        let mut ctx = self.fixed.clone();
        for (name, sort) in &self.attrs {
            let text = match sort {
                AttrSort::Str => m.get_str(&format!("attr:{name}")).map(str::to_owned),
                AttrSort::Time => m
                    .get_int(&format!("time:{name}"))
                    .map(iamx_model::value::format_date),
                AttrSort::Num => m.get_int(&format!("num:{name}")).map(|n| n.to_string()),
                AttrSort::Bool => m.get_bool(&format!("bool:{name}")).map(|b| b.to_string()),
            };
            if let Some(t) = text {
                ctx.insert(name, Value::One(Scalar::Str(t)));
            }
        }
        for (name, sort) in &self.set_attrs {
            let items = (0..crate::aws::SET_SLOTS)
                .filter(|i| m.get_bool(&format!("live:{i}:{name}")) == Some(true))
                .map(|i| {
                    Scalar::Str(match sort {
                        AttrSort::Num => m
                            .get_int(&format!("elem:{i}:num:{name}"))
                            .unwrap_or(0)
                            .to_string(),
                        AttrSort::Bool => m
                            .get_bool(&format!("elem:{i}:bool:{name}"))
                            .unwrap_or(false)
                            .to_string(),
                        _ => m
                            .get_str(&format!("elem:{i}:attr:{name}"))
                            .unwrap_or_default()
                            .to_owned(),
                    })
                })
                .collect();
            ctx.insert(name, Value::Set(items));
        }
        if !self.tags.is_empty() {
            let mut keys = Vec::new();
            for k in &self.tags {
                if m.get_bool(&format!("hastag:{k}")) == Some(true) {
                    let v = m
                        .get_str(&format!("tag:{k}"))
                        .unwrap_or_default()
                        .to_owned();
                    ctx.insert(&format!("resource.tag/{k}"), Value::One(Scalar::Str(v)));
                    keys.push(Scalar::Str(k.clone()));
                }
            }
            ctx.insert("resource.tags", Value::Set(keys));
        }
        ctx
    }
}

/// The sort an ABAC operator reads its sides at.
fn az_sort(op: AzOp) -> AttrSort {
    use AzOp::*;
    match op {
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => AttrSort::Num,
        DateTimeEquals
        | DateTimeNotEquals
        | DateTimeLessThan
        | DateTimeLessThanEquals
        | DateTimeGreaterThan
        | DateTimeGreaterThanEquals => AttrSort::Time,
        BoolEquals | BoolNotEquals => AttrSort::Bool,
        _ => AttrSort::Str,
    }
}

/// The un-negated comparison of an ABAC operator (`None` when the right
/// side must be a constant and is not).
fn az_base(op: AzOp, l: Term, r: Term) -> Option<Term> {
    use AzOp::*;
    Some(match op {
        StringEquals | StringNotEquals | ListContains | ListNotContains => Term::equal(l, r),
        StringLike | StringNotLike => {
            let p = iamx_model::expr::like_pattern(op, r.as_str()?);
            Term::matches_pattern(l, &p).ok()?
        }
        StringLikeIgnoreCase | StringNotLikeIgnoreCase => {
            // the attribute may be in any case: each letter matches both
            let p = iamx_model::expr::like_pattern(op, r.as_str()?);
            match l.as_str() {
                Some(c) => Term::bool(p.matches(c)),
                None => Term::in_re(l, crate::encode::glob_to_regex_any_case(&p).ok()?),
            }
        }
        StringStartsWith | StringNotStartsWith => Term::prefix_of(r, l),
        StringStartsWithIgnoreCase | StringNotStartsWithIgnoreCase => {
            Term::in_re(l, Regex::concat([Regex::lit_ci(r.as_str()?), Regex::all()]))
        }
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | GuidEquals | GuidNotEquals => {
            Term::in_re(l, Regex::lit_ci(r.as_str()?))
        }
        NumericEquals | NumericNotEquals | DateTimeEquals | DateTimeNotEquals | BoolEquals
        | BoolNotEquals => Term::equal(l, r),
        NumericLessThan | DateTimeLessThan => Term::lt(l, r),
        NumericLessThanEquals | DateTimeLessThanEquals => Term::le(l, r),
        NumericGreaterThan | DateTimeGreaterThan => Term::gt(l, r),
        NumericGreaterThanEquals | DateTimeGreaterThanEquals => Term::ge(l, r),
    })
}

fn num_i64(n: f64) -> Option<i64> {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "integral and bounded, checked above"
        )]
        Some(n as i64)
    } else {
        None
    }
}

/// The term "`prog` allows `req`" (GCP), for `--emit-smt`.
pub fn gcp_allowed_term(prog: &GcpProgram, req: &iamx_model::Request) -> Term {
    ExprEncoder::new(&req.action, None, &req.context).gcp_program(prog)
}

/// The term "`prog` allows `req`" (Azure), for `--emit-smt`.
pub fn azure_allowed_term(prog: &AzureProgram, req: &iamx_model::Request) -> Term {
    ExprEncoder::new(&req.action, prog.sub_operation.as_deref(), &req.context).azure_program(prog)
}

/// Decides a GCP request over every value of the attributes its context
/// leaves open (`req.context` fixes the rest). Witnesses are replayed
/// through `evaluate_gcp`.
pub fn can_gcp(
    prog: &GcpProgram,
    req: &iamx_model::Request,
    timeout: std::time::Duration,
) -> crate::aws::Can {
    let mut enc = ExprEncoder::new(&req.action, None, &req.context);
    let t = enc.gcp_program(prog);
    decide_and_replay(&t, &enc, req, timeout, |r| {
        iamx_model::gcp::evaluate_gcp(prog, r).outcome
    })
}

/// Decides an Azure request over every value of the attributes its context
/// leaves open. Witnesses are replayed through `evaluate_azure`.
pub fn can_azure(
    prog: &AzureProgram,
    req: &iamx_model::Request,
    timeout: std::time::Duration,
) -> crate::aws::Can {
    let mut enc = ExprEncoder::new(&req.action, prog.sub_operation.as_deref(), &req.context);
    let t = enc.azure_program(prog);
    decide_and_replay(&t, &enc, req, timeout, |r| {
        iamx_model::azure::evaluate_azure(prog, r).outcome
    })
}

fn decide_and_replay(
    t: &Term,
    enc: &ExprEncoder<'_>,
    req: &iamx_model::Request,
    timeout: std::time::Duration,
    eval: impl Fn(&iamx_model::Request) -> iamx_model::Outcome,
) -> crate::aws::Can {
    use crate::aws::Can;
    use iamx_model::Outcome;
    match crate::query::decide(t, timeout) {
        crate::Answer::Always => Can::Always,
        crate::Answer::Never => Can::Never,
        crate::Answer::Unknown(r) => Can::Unknown(r),
        crate::Answer::Sometimes {
            witness,
            counterexample,
        } => {
            let replay = |m: &Model| {
                let mut r = req.clone();
                r.context = enc.context_of(m);
                (eval(&r), r.context)
            };
            let (yes, wctx) = replay(&witness);
            let (no, cctx) = replay(&counterexample);
            if yes == Outcome::Allowed
                && matches!(no, Outcome::NotAllowed | Outcome::ExplicitlyDenied)
            {
                let mut keys: Vec<String> = enc.attrs.keys().cloned().collect();
                keys.extend(enc.set_attrs.keys().cloned());
                keys.extend(enc.tags.iter().map(|k| format!("resource.tag/{k}")));
                Can::Sometimes {
                    witness: wctx,
                    counterexample: cctx,
                    keys,
                }
            } else {
                Can::Unknown(iamx_model::Reason::new(if enc.unsupported.is_empty() {
                    format!(
                        "the solver's witness did not replay through the concrete evaluator ({yes} / {no})"
                    )
                } else {
                    format!(
                        "the conditions use what the symbolic encoding does not express ({})",
                        enc.unsupported.join("; ")
                    )
                }))
            }
        }
    }
}
