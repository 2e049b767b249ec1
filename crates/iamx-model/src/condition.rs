//! The condition AST and its concrete evaluation.
//!
//! AWS condition blocks lower into [`Condition::All`] of [`AwsClause`]s (one
//! per operator × key); the combinators are provider-neutral so the GCP (CEL)
//! and Azure (ABAC) frontends can lower into the same tree.

use crate::pattern::{Pattern, VarSource};
use crate::tri::{Reason, Tri};
use crate::value::{Cidr, Scalar, Value};
use std::borrow::Cow;
use std::fmt;

/// A condition over a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// Always holds (no condition).
    True,
    /// All must hold.
    All(Vec<Condition>),
    /// At least one must hold.
    Any(Vec<Condition>),
    /// Negation.
    Not(Box<Condition>),
    /// One AWS operator applied to one key.
    Aws(Box<AwsClause>),
    /// A CEL (GCP) or ABAC (Azure) expression.
    Expr(Box<crate::expr::Expr>),
    /// A construct iamx cannot evaluate: always `Unknown` with this reason.
    Unsupported(Reason),
}

/// The AWS condition operator families (without `IfExists` and set qualifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AwsOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// The kind of values an operator compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Strings (patterns with variables).
    String,
    /// Numbers.
    Number,
    /// Dates.
    Date,
    /// Booleans.
    Bool,
    /// Base64 binary.
    Binary,
    /// IP addresses / CIDRs.
    Ip,
    /// ARNs (component-wise globs).
    Arn,
    /// `Null` checks key presence.
    Null,
}

impl AwsOp {
    /// All operators, for parsing.
    pub const ALL: [AwsOp; 27] = [
        AwsOp::StringEquals,
        AwsOp::StringNotEquals,
        AwsOp::StringEqualsIgnoreCase,
        AwsOp::StringNotEqualsIgnoreCase,
        AwsOp::StringLike,
        AwsOp::StringNotLike,
        AwsOp::NumericEquals,
        AwsOp::NumericNotEquals,
        AwsOp::NumericLessThan,
        AwsOp::NumericLessThanEquals,
        AwsOp::NumericGreaterThan,
        AwsOp::NumericGreaterThanEquals,
        AwsOp::DateEquals,
        AwsOp::DateNotEquals,
        AwsOp::DateLessThan,
        AwsOp::DateLessThanEquals,
        AwsOp::DateGreaterThan,
        AwsOp::DateGreaterThanEquals,
        AwsOp::Bool,
        AwsOp::BinaryEquals,
        AwsOp::IpAddress,
        AwsOp::NotIpAddress,
        AwsOp::ArnEquals,
        AwsOp::ArnLike,
        AwsOp::ArnNotEquals,
        AwsOp::ArnNotLike,
        AwsOp::Null,
    ];

    /// The operator's name as AWS spells it.
    pub fn name(self) -> &'static str {
        match self {
            AwsOp::StringEquals => "StringEquals",
            AwsOp::StringNotEquals => "StringNotEquals",
            AwsOp::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            AwsOp::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            AwsOp::StringLike => "StringLike",
            AwsOp::StringNotLike => "StringNotLike",
            AwsOp::NumericEquals => "NumericEquals",
            AwsOp::NumericNotEquals => "NumericNotEquals",
            AwsOp::NumericLessThan => "NumericLessThan",
            AwsOp::NumericLessThanEquals => "NumericLessThanEquals",
            AwsOp::NumericGreaterThan => "NumericGreaterThan",
            AwsOp::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            AwsOp::DateEquals => "DateEquals",
            AwsOp::DateNotEquals => "DateNotEquals",
            AwsOp::DateLessThan => "DateLessThan",
            AwsOp::DateLessThanEquals => "DateLessThanEquals",
            AwsOp::DateGreaterThan => "DateGreaterThan",
            AwsOp::DateGreaterThanEquals => "DateGreaterThanEquals",
            AwsOp::Bool => "Bool",
            AwsOp::BinaryEquals => "BinaryEquals",
            AwsOp::IpAddress => "IpAddress",
            AwsOp::NotIpAddress => "NotIpAddress",
            AwsOp::ArnEquals => "ArnEquals",
            AwsOp::ArnLike => "ArnLike",
            AwsOp::ArnNotEquals => "ArnNotEquals",
            AwsOp::ArnNotLike => "ArnNotLike",
            AwsOp::Null => "Null",
        }
    }

    /// Looks an operator up by its exact AWS name (operators are case-sensitive).
    pub fn from_name(name: &str) -> Option<AwsOp> {
        AwsOp::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether the operator is a negated one (it matches when no value matches,
    /// and when the key is absent).
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            AwsOp::StringNotEquals
                | AwsOp::StringNotEqualsIgnoreCase
                | AwsOp::StringNotLike
                | AwsOp::NumericNotEquals
                | AwsOp::DateNotEquals
                | AwsOp::NotIpAddress
                | AwsOp::ArnNotEquals
                | AwsOp::ArnNotLike
        )
    }

    /// The kind of values the operator compares.
    pub fn value_kind(self) -> ValueKind {
        use AwsOp::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => ValueKind::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => ValueKind::Number,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => ValueKind::Date,
            Bool => ValueKind::Bool,
            BinaryEquals => ValueKind::Binary,
            IpAddress | NotIpAddress => ValueKind::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => ValueKind::Arn,
            Null => ValueKind::Null,
        }
    }

    /// Whether `*` and `?` are wildcards in the operator's values.
    pub fn has_wildcards(self) -> bool {
        matches!(
            self,
            AwsOp::StringLike
                | AwsOp::StringNotLike
                | AwsOp::ArnEquals
                | AwsOp::ArnLike
                | AwsOp::ArnNotEquals
                | AwsOp::ArnNotLike
        )
    }

    /// Whether the operator accepts policy variables in its values.
    pub fn accepts_variables(self) -> bool {
        matches!(self.value_kind(), ValueKind::String | ValueKind::Arn)
    }
}

impl fmt::Display for AwsOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `ForAnyValue:` / `ForAllValues:` or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// A single-valued comparison.
    Single,
    /// `ForAnyValue:`: some request value satisfies the operator.
    ForAnyValue,
    /// `ForAllValues:`: every request value satisfies it (true when absent).
    ForAllValues,
}

/// One parsed condition value.
#[derive(Clone, Debug, PartialEq)]
pub enum CondValue {
    /// A string or ARN pattern (literal unless the operator has wildcards).
    Str(Pattern),
    /// A number.
    Num(f64),
    /// A date (epoch ms).
    Date(i64),
    /// A boolean.
    Bool(bool),
    /// An IP network.
    Ip(Cidr),
}

impl fmt::Display for CondValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CondValue::Str(p) => write!(f, "{p}"),
            CondValue::Num(n) => write!(f, "{n}"),
            CondValue::Date(d) => f.write_str(&crate::value::format_date(*d)),
            CondValue::Bool(b) => write!(f, "{b}"),
            CondValue::Ip(c) => write!(f, "{c}"),
        }
    }
}

/// One AWS operator on one key with its values (values are ORed).
#[derive(Clone, Debug, PartialEq)]
pub struct AwsClause {
    /// The operator family.
    pub op: AwsOp,
    /// `ForAnyValue:` / `ForAllValues:`.
    pub qualifier: SetQualifier,
    /// `...IfExists`.
    pub if_exists: bool,
    /// The key as written.
    pub key: String,
    /// The key lowercased (keys are case-insensitive).
    pub key_lc: String,
    /// The values.
    pub values: Vec<CondValue>,
}

impl fmt::Display for AwsClause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            SetQualifier::Single => {}
            SetQualifier::ForAnyValue => f.write_str("ForAnyValue:")?,
            SetQualifier::ForAllValues => f.write_str("ForAllValues:")?,
        }
        write!(f, "{}", self.op)?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        write!(f, " {} [", self.key)?;
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::True => f.write_str("true"),
            Condition::All(cs) => join(f, cs, " AND "),
            Condition::Any(cs) => join(f, cs, " OR "),
            Condition::Not(c) => write!(f, "NOT ({c})"),
            Condition::Aws(c) => write!(f, "{c}"),
            Condition::Expr(e) => write!(f, "{e}"),
            Condition::Unsupported(r) => write!(f, "<unsupported: {r}>"),
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, cs: &[Condition], sep: &str) -> fmt::Result {
    if cs.is_empty() {
        return f.write_str("true");
    }
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if matches!(c, Condition::All(_) | Condition::Any(_)) {
            write!(f, "({c})")?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

/// What a condition can read from a request.
pub trait Attributes: VarSource {
    /// The value of a context key given lowercased; `None` when absent.
    fn attr(&self, key_lc: &str) -> Option<Cow<'_, Value>>;

    /// Whether the provider always supplies this key in real requests, so that
    /// its absence means "not told", not "absent".
    fn always_supplied(&self, key_lc: &str) -> bool;

    /// Whether keys the request does not hold are unknown rather than absent
    /// (an open context, see [`crate::value::Context::open`]).
    fn context_open(&self) -> bool {
        false
    }

    /// The action being decided (for ABAC `ActionMatches`).
    fn action(&self) -> &str {
        ""
    }

    /// The sub-operation (for ABAC `SubOperationMatches`).
    fn sub_operation(&self) -> Option<&str> {
        None
    }
}

/// A request as GCP and Azure conditions read it: the context as given (an
/// attribute not given is unknown to the expression), no policy variables.
pub(crate) struct ContextView<'a> {
    pub(crate) req: &'a crate::request::Request,
    pub(crate) sub: Option<&'a str>,
}

impl VarSource for ContextView<'_> {
    fn var(&self, _key: &str) -> crate::pattern::VarValue<'_> {
        crate::pattern::VarValue::Missing
    }
}

impl Attributes for ContextView<'_> {
    fn attr(&self, key_lc: &str) -> Option<Cow<'_, Value>> {
        self.req.context.get_lc(key_lc).map(Cow::Borrowed)
    }

    fn always_supplied(&self, _key_lc: &str) -> bool {
        false
    }

    fn action(&self) -> &str {
        &self.req.action
    }

    fn sub_operation(&self) -> Option<&str> {
        self.sub
    }
}

/// Lets expressions read a request through [`Attributes`]: attribute names
/// are case-insensitive; `Value::Null` is "explicitly absent".
struct ExprAdapter<'a>(&'a dyn Attributes);

impl crate::expr::ExprEnv for ExprAdapter<'_> {
    fn attribute(&self, name: &str) -> Option<Option<Cow<'_, Value>>> {
        let v = self.0.attr(&name.to_ascii_lowercase())?;
        if matches!(v.as_ref(), Value::Null) {
            Some(None)
        } else {
            Some(Some(v))
        }
    }

    fn action(&self) -> &str {
        self.0.action()
    }

    fn sub_operation(&self) -> Option<&str> {
        self.0.sub_operation()
    }
}

impl Condition {
    /// Whether the condition is trivially true.
    pub fn is_true(&self) -> bool {
        match self {
            Condition::True => true,
            Condition::All(cs) => cs.iter().all(Condition::is_true),
            _ => false,
        }
    }

    /// Evaluates the condition on a request.
    pub fn eval(&self, attrs: &dyn Attributes) -> Tri {
        match self {
            Condition::True => Tri::True,
            Condition::All(cs) => Tri::all(cs.iter().map(|c| c.eval(attrs))),
            Condition::Any(cs) => Tri::any(cs.iter().map(|c| c.eval(attrs))),
            Condition::Not(c) => !c.eval(attrs),
            Condition::Aws(c) => c.eval(attrs),
            Condition::Expr(e) => e.eval(&ExprAdapter(attrs)),
            Condition::Unsupported(r) => Tri::Unknown(r.clone()),
        }
    }
}

impl AwsClause {
    /// Evaluates this clause per AWS's documented rules.
    pub fn eval(&self, attrs: &dyn Attributes) -> Tri {
        let value = attrs.attr(&self.key_lc);
        if value
            .as_ref()
            .is_some_and(|v| matches!(v.as_ref(), Value::Null))
        {
            // explicitly absent, in an open context too
            return Tri::from(self.absent_result());
        }
        let Some(value) = value else {
            if attrs.context_open() {
                return Tri::unknown(format!("depends on `{self}`"));
            }
            if attrs.always_supplied(&self.key_lc) {
                return Tri::unknown(format!(
                    "the request context does not give `{}`, which AWS always supplies",
                    self.key
                ));
            }
            return Tri::from(self.absent_result());
        };
        if self.op == AwsOp::Null {
            // a present key: `Null: true` fails, `Null: false` holds
            return Tri::any(
                self.values
                    .iter()
                    .map(|v| Tri::from(matches!(v, CondValue::Bool(false)))),
            );
        }
        let items = value.values();
        let negated = self.op.is_negated();
        let elem = |s: &Scalar| -> Tri {
            let any = Tri::any(self.values.iter().map(|v| self.base_match(s, v, attrs)));
            if negated { !any } else { any }
        };
        match self.qualifier {
            SetQualifier::Single => match value.as_ref() {
                Value::One(s) => elem(s),
                // a set under a single-valued operator: positive operators
                // need some element to match, negated ones need none to
                Value::Set(v) => {
                    let any = Tri::any(v.iter().map(|s| {
                        Tri::any(self.values.iter().map(|cv| self.base_match(s, cv, attrs)))
                    }));
                    if negated { !any } else { any }
                }
                Value::Null => Tri::from(self.absent_result()),
            },
            SetQualifier::ForAnyValue => Tri::any(items.iter().map(elem)),
            SetQualifier::ForAllValues => Tri::all(items.iter().map(elem)),
        }
    }

    /// The clause's value when the key is absent from the request.
    pub fn absent_result(&self) -> bool {
        if self.op == AwsOp::Null {
            return self
                .values
                .iter()
                .any(|v| matches!(v, CondValue::Bool(true)));
        }
        match self.qualifier {
            SetQualifier::ForAllValues => true,
            SetQualifier::ForAnyValue => self.if_exists,
            SetQualifier::Single => self.if_exists || self.op.is_negated(),
        }
    }

    /// The un-negated comparison of one request value with one policy value.
    fn base_match(&self, s: &Scalar, v: &CondValue, attrs: &dyn Attributes) -> Tri {
        use AwsOp::*;
        let bad = |what: &str| {
            Tri::unknown(format!(
                "context value `{s}` of `{}` is not {what}",
                self.key
            ))
        };
        match (self.op.value_kind(), v) {
            (ValueKind::String | ValueKind::Binary, CondValue::Str(p)) => {
                p.matches_with(&s.as_string(), attrs)
            }
            (ValueKind::Arn, CondValue::Str(p)) => arn_match(p, &s.as_string(), attrs),
            (ValueKind::Number, CondValue::Num(n)) => match s.as_number() {
                None => bad("a number"),
                Some(x) => Tri::from(match self.op {
                    NumericEquals | NumericNotEquals => x == *n,
                    NumericLessThan => x < *n,
                    NumericLessThanEquals => x <= *n,
                    NumericGreaterThan => x > *n,
                    _ => x >= *n,
                }),
            },
            (ValueKind::Date, CondValue::Date(d)) => match s.as_date() {
                None => bad("a date"),
                Some(x) => Tri::from(match self.op {
                    DateEquals | DateNotEquals => x == *d,
                    DateLessThan => x < *d,
                    DateLessThanEquals => x <= *d,
                    DateGreaterThan => x > *d,
                    _ => x >= *d,
                }),
            },
            (ValueKind::Bool, CondValue::Bool(b)) => match s.as_bool() {
                None => Tri::False,
                Some(x) => Tri::from(x == *b),
            },
            (ValueKind::Ip, CondValue::Ip(c)) => match s.as_ip() {
                None => bad("an IP address"),
                Some(ip) => Tri::from(c.contains(ip)),
            },
            _ => Tri::unknown(format!(
                "condition value `{v}` does not fit operator `{}`",
                self.op
            )),
        }
    }
}

/// ARN comparison as `ArnEquals`/`ArnLike` do it: the six `:`-separated
/// components are matched separately (a `*` does not cross the first five
/// colons); the last component takes the rest of the ARN.
pub fn arn_match(p: &Pattern, text: &str, vars: &dyn VarSource) -> Tri {
    if p.is_any() {
        return Tri::True;
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() < 6 || parts.first() != Some(&"arn") {
        return Tri::False;
    }
    // Resolve variables first so that component splitting sees their values.
    if p.has_vars() {
        let mut raw = String::new();
        for s in p.segs() {
            match s {
                crate::pattern::Seg::Lit(l) => raw.push_str(l),
                crate::pattern::Seg::Star => raw.push('*'),
                crate::pattern::Seg::One => raw.push('?'),
                crate::pattern::Seg::Var(v) => match vars.var(&v.key) {
                    crate::pattern::VarValue::One(x) => raw.push_str(&x),
                    crate::pattern::VarValue::Missing => match &v.default {
                        Some(d) => raw.push_str(d),
                        None => return Tri::False,
                    },
                    crate::pattern::VarValue::Many => {
                        return Tri::unknown(format!(
                            "policy variable `${{{}}}` refers to a multi-valued key",
                            v.key
                        ));
                    }
                    crate::pattern::VarValue::Unknown => {
                        return Tri::unknown(format!("depends on the value of `${{{}}}`", v.key));
                    }
                },
            }
        }
        // FIXME: a `*` or `?` inside a variable's value acts as a wildcard here,
        // while AWS substitutes it literally.
        return arn_components_match(&raw, &parts, p.case());
    }
    arn_components_match(p.raw(), &parts, p.case())
}

fn arn_components_match(pattern: &str, parts: &[&str], case: crate::pattern::Case) -> Tri {
    let pparts: Vec<&str> = pattern.splitn(6, ':').collect();
    if pparts.len() < 6 {
        // a pattern that is not an ARN shape: match it whole
        return Tri::from(Pattern::glob(pattern, case).matches(&parts.join(":")));
    }
    Tri::from(
        pparts
            .iter()
            .zip(parts.iter())
            .all(|(pp, tp)| Pattern::glob(pp, case).matches(tp)),
    )
}
