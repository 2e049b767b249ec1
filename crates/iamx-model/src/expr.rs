//! A small typed expression language that GCP's CEL subset and Azure's ABAC
//! conditions both lower into.
//!
//! Evaluation is three-valued like the rest of the model: an attribute the
//! request does not give, a type mismatch, or a time zone iamx does not know
//! yields `Unknown` with its reason. `&&`/`||` absorb errors the way CEL does
//! (`false && error` is `false`).

use crate::pattern::{Case, Pattern};
use crate::tri::{Reason, Tri};
use crate::value::{Scalar, Value, format_date, parse_date};
use std::borrow::Cow;
use std::fmt;

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// A boolean literal.
    Bool(bool),
    /// A list literal (`['a', 'b']`, `{'a', 'b'}`).
    List(Vec<Expr>),
    /// A request attribute, by its name as written (`resource.name`,
    /// `request.time`, `@Resource[Microsoft.Storage/…:name]`).
    Attr(String),
    /// Negation.
    Not(Box<Expr>),
    /// Conjunction.
    And(Vec<Expr>),
    /// Disjunction.
    Or(Vec<Expr>),
    /// A CEL comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `x in [list]`.
    In(Box<Expr>, Box<Expr>),
    /// A function or method call; a method's receiver is the first argument.
    Call(Func, Vec<Expr>),
    /// An Azure ABAC operator with its quantifier.
    AzOp {
        /// The operator.
        op: AzOp,
        /// `ForAnyOfAnyValues:` and friends.
        quantifier: Quantifier,
        /// Left side (an attribute, usually).
        lhs: Box<Expr>,
        /// Right side (a literal or a set of literals).
        rhs: Box<Expr>,
    },
    /// `Exists @Attr` (ABAC).
    Exists(String),
    /// `ActionMatches{'pattern'}` (ABAC), a case-insensitive glob on the action.
    ActionMatches(Pattern),
    /// `SubOperationMatches{'name'}` (ABAC).
    SubOperationMatches(String),
}

/// CEL comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator's text.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Functions and methods of the CEL subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Func {
    StartsWith,
    EndsWith,
    Contains,
    Timestamp,
    Duration,
    GetHours,
    GetMinutes,
    GetSeconds,
    GetDayOfWeek,
    GetDayOfMonth,
    GetDate,
    GetDayOfYear,
    GetMonth,
    GetFullYear,
    MatchTag,
    MatchTagId,
    HasTagKey,
    HasTagKeyId,
    Size,
}

impl Func {
    /// All functions.
    pub const ALL: [Func; 19] = [
        Func::StartsWith,
        Func::EndsWith,
        Func::Contains,
        Func::Timestamp,
        Func::Duration,
        Func::GetHours,
        Func::GetMinutes,
        Func::GetSeconds,
        Func::GetDayOfWeek,
        Func::GetDayOfMonth,
        Func::GetDate,
        Func::GetDayOfYear,
        Func::GetMonth,
        Func::GetFullYear,
        Func::MatchTag,
        Func::MatchTagId,
        Func::HasTagKey,
        Func::HasTagKeyId,
        Func::Size,
    ];

    /// The name as written in CEL.
    pub fn name(self) -> &'static str {
        match self {
            Func::StartsWith => "startsWith",
            Func::EndsWith => "endsWith",
            Func::Contains => "contains",
            Func::Timestamp => "timestamp",
            Func::Duration => "duration",
            Func::GetHours => "getHours",
            Func::GetMinutes => "getMinutes",
            Func::GetSeconds => "getSeconds",
            Func::GetDayOfWeek => "getDayOfWeek",
            Func::GetDayOfMonth => "getDayOfMonth",
            Func::GetDate => "getDate",
            Func::GetDayOfYear => "getDayOfYear",
            Func::GetMonth => "getMonth",
            Func::GetFullYear => "getFullYear",
            Func::MatchTag => "matchTag",
            Func::MatchTagId => "matchTagId",
            Func::HasTagKey => "hasTagKey",
            Func::HasTagKeyId => "hasTagKeyId",
            Func::Size => "size",
        }
    }

    /// Looks a function up by its CEL name.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the function is a free function (`timestamp(...)`), not a method.
    pub fn is_global(self) -> bool {
        matches!(self, Func::Timestamp | Func::Duration)
    }
}

/// Azure ABAC operators (without `Not` variants, which are `negated`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AzOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    StringLikeIgnoreCase,
    StringNotLikeIgnoreCase,
    StringStartsWith,
    StringNotStartsWith,
    StringStartsWithIgnoreCase,
    StringNotStartsWithIgnoreCase,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    BoolEquals,
    BoolNotEquals,
    GuidEquals,
    GuidNotEquals,
    DateTimeEquals,
    DateTimeNotEquals,
    DateTimeLessThan,
    DateTimeLessThanEquals,
    DateTimeGreaterThan,
    DateTimeGreaterThanEquals,
    ListContains,
    ListNotContains,
}

impl AzOp {
    /// All operators.
    pub const ALL: [AzOp; 30] = [
        AzOp::StringEquals,
        AzOp::StringNotEquals,
        AzOp::StringEqualsIgnoreCase,
        AzOp::StringNotEqualsIgnoreCase,
        AzOp::StringLike,
        AzOp::StringNotLike,
        AzOp::StringLikeIgnoreCase,
        AzOp::StringNotLikeIgnoreCase,
        AzOp::StringStartsWith,
        AzOp::StringNotStartsWith,
        AzOp::StringStartsWithIgnoreCase,
        AzOp::StringNotStartsWithIgnoreCase,
        AzOp::NumericEquals,
        AzOp::NumericNotEquals,
        AzOp::NumericLessThan,
        AzOp::NumericLessThanEquals,
        AzOp::NumericGreaterThan,
        AzOp::NumericGreaterThanEquals,
        AzOp::BoolEquals,
        AzOp::BoolNotEquals,
        AzOp::GuidEquals,
        AzOp::GuidNotEquals,
        AzOp::DateTimeEquals,
        AzOp::DateTimeNotEquals,
        AzOp::DateTimeLessThan,
        AzOp::DateTimeLessThanEquals,
        AzOp::DateTimeGreaterThan,
        AzOp::DateTimeGreaterThanEquals,
        AzOp::ListContains,
        AzOp::ListNotContains,
    ];

    /// The name as written.
    pub fn name(self) -> &'static str {
        match self {
            AzOp::StringEquals => "StringEquals",
            AzOp::StringNotEquals => "StringNotEquals",
            AzOp::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            AzOp::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            AzOp::StringLike => "StringLike",
            AzOp::StringNotLike => "StringNotLike",
            AzOp::StringLikeIgnoreCase => "StringLikeIgnoreCase",
            AzOp::StringNotLikeIgnoreCase => "StringNotLikeIgnoreCase",
            AzOp::StringStartsWith => "StringStartsWith",
            AzOp::StringNotStartsWith => "StringNotStartsWith",
            AzOp::StringStartsWithIgnoreCase => "StringStartsWithIgnoreCase",
            AzOp::StringNotStartsWithIgnoreCase => "StringNotStartsWithIgnoreCase",
            AzOp::NumericEquals => "NumericEquals",
            AzOp::NumericNotEquals => "NumericNotEquals",
            AzOp::NumericLessThan => "NumericLessThan",
            AzOp::NumericLessThanEquals => "NumericLessThanEquals",
            AzOp::NumericGreaterThan => "NumericGreaterThan",
            AzOp::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            AzOp::BoolEquals => "BoolEquals",
            AzOp::BoolNotEquals => "BoolNotEquals",
            AzOp::GuidEquals => "GuidEquals",
            AzOp::GuidNotEquals => "GuidNotEquals",
            AzOp::DateTimeEquals => "DateTimeEquals",
            AzOp::DateTimeNotEquals => "DateTimeNotEquals",
            AzOp::DateTimeLessThan => "DateTimeLessThan",
            AzOp::DateTimeLessThanEquals => "DateTimeLessThanEquals",
            AzOp::DateTimeGreaterThan => "DateTimeGreaterThan",
            AzOp::DateTimeGreaterThanEquals => "DateTimeGreaterThanEquals",
            AzOp::ListContains => "ListContains",
            AzOp::ListNotContains => "ListNotContains",
        }
    }

    /// Looks an operator up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<AzOp> {
        AzOp::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(name))
    }

    /// Whether this is the negation of another operator.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            AzOp::StringNotEquals
                | AzOp::StringNotEqualsIgnoreCase
                | AzOp::StringNotLike
                | AzOp::StringNotLikeIgnoreCase
                | AzOp::StringNotStartsWith
                | AzOp::StringNotStartsWithIgnoreCase
                | AzOp::NumericNotEquals
                | AzOp::BoolNotEquals
                | AzOp::GuidNotEquals
                | AzOp::DateTimeNotEquals
                | AzOp::ListNotContains
        )
    }
}

/// ABAC set quantifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// No quantifier: single values.
    None,
    /// Some left value relates to some right value.
    ForAnyOfAnyValues,
    /// Every left value relates to some right value.
    ForAllOfAnyValues,
    /// Some left value relates to every right value.
    ForAnyOfAllValues,
    /// Every left value relates to every right value.
    ForAllOfAllValues,
}

impl Quantifier {
    /// The prefix as written (`ForAnyOfAnyValues`), empty for none.
    pub fn name(self) -> &'static str {
        match self {
            Quantifier::None => "",
            Quantifier::ForAnyOfAnyValues => "ForAnyOfAnyValues",
            Quantifier::ForAllOfAnyValues => "ForAllOfAnyValues",
            Quantifier::ForAnyOfAllValues => "ForAnyOfAllValues",
            Quantifier::ForAllOfAllValues => "ForAllOfAllValues",
        }
    }
}

/// A runtime value.
#[derive(Clone, Debug, PartialEq)]
enum V {
    Str(String),
    Num(f64),
    Bool(bool),
    /// Epoch milliseconds.
    Time(i64),
    /// Milliseconds.
    Dur(i64),
    List(Vec<V>),
    /// An attribute given as explicitly absent (JSON `null`).
    Absent,
}

type R = Result<V, Reason>;

fn unknown(msg: impl Into<String>) -> Reason {
    Reason::new(msg.into())
}

/// What an expression reads from a request.
pub trait ExprEnv {
    /// An attribute's value; `None` when the request does not give it.
    /// `Some(None)` means explicitly absent.
    fn attribute(&self, name: &str) -> Option<Option<Cow<'_, Value>>>;
    /// The action (for `ActionMatches`).
    fn action(&self) -> &str;
    /// The sub-operation (for `SubOperationMatches`).
    fn sub_operation(&self) -> Option<&str>;
}

fn scalar_to_v(s: &Scalar) -> V {
    match s {
        Scalar::Str(x) => V::Str(x.clone()),
        Scalar::Num(n) => V::Num(*n),
        Scalar::Bool(b) => V::Bool(*b),
        Scalar::Date(d) => V::Time(*d),
        Scalar::Ip(ip) => V::Str(ip.to_string()),
    }
}

impl Expr {
    /// Evaluates to a truth value.
    pub fn eval(&self, env: &dyn ExprEnv) -> Tri {
        match self.truth(env) {
            Ok(b) => Tri::from(b),
            Err(r) => Tri::Unknown(r),
        }
    }

    fn truth(&self, env: &dyn ExprEnv) -> Result<bool, Reason> {
        match self {
            Expr::And(xs) => {
                let mut err = None;
                for x in xs {
                    match x.truth(env) {
                        Ok(false) => return Ok(false),
                        Ok(true) => {}
                        Err(e) => err = err.or(Some(e)),
                    }
                }
                err.map_or(Ok(true), Err)
            }
            Expr::Or(xs) => {
                let mut err = None;
                for x in xs {
                    match x.truth(env) {
                        Ok(true) => return Ok(true),
                        Ok(false) => {}
                        Err(e) => err = err.or(Some(e)),
                    }
                }
                err.map_or(Ok(false), Err)
            }
            Expr::Not(x) => x.truth(env).map(|b| !b),
            other => match other.value(env)? {
                V::Bool(b) => Ok(b),
                v => Err(unknown(format!(
                    "`{other}` is not a boolean (it is {})",
                    kind(&v)
                ))),
            },
        }
    }

    fn value(&self, env: &dyn ExprEnv) -> R {
        match self {
            Expr::Str(s) => Ok(V::Str(s.clone())),
            Expr::Num(n) => Ok(V::Num(*n)),
            Expr::Bool(b) => Ok(V::Bool(*b)),
            Expr::List(xs) => xs
                .iter()
                .map(|x| x.value(env))
                .collect::<Result<Vec<_>, _>>()
                .map(V::List),
            Expr::Attr(name) => match env.attribute(name) {
                None => Err(unknown(format!(
                    "the request does not give attribute `{name}`"
                ))),
                Some(None) => Ok(V::Absent),
                Some(Some(v)) => Ok(match v.as_ref() {
                    Value::One(s) => attr_scalar(name, s),
                    Value::Set(items) => V::List(items.iter().map(scalar_to_v).collect()),
                    Value::Null => V::Absent,
                }),
            },
            Expr::Not(_) | Expr::And(_) | Expr::Or(_) => self.truth(env).map(V::Bool),
            Expr::Cmp(op, a, b) => {
                let (a, b) = (a.value(env)?, b.value(env)?);
                compare(*op, &a, &b).map(V::Bool)
            }
            Expr::In(x, list) => {
                let x = x.value(env)?;
                match list.value(env)? {
                    V::List(items) => Ok(V::Bool(items.contains(&x))),
                    v => Err(unknown(format!("`in` needs a list, found {}", kind(&v)))),
                }
            }
            Expr::Call(f, args) => call(*f, args, env),
            Expr::AzOp {
                op,
                quantifier,
                lhs,
                rhs,
            } => az_op(*op, *quantifier, lhs, rhs, env).map(V::Bool),
            Expr::Exists(name) => match env.attribute(name) {
                None => Err(unknown(format!(
                    "the request does not give attribute `{name}`"
                ))),
                Some(v) => Ok(V::Bool(v.is_some())),
            },
            Expr::ActionMatches(p) => Ok(V::Bool(p.matches(env.action()))),
            Expr::SubOperationMatches(s) => Ok(V::Bool(env.sub_operation() == Some(s.as_str()))),
        }
    }
}

/// `request.time` and `@Environment[UtcNow]` are times even when given as strings.
fn attr_scalar(name: &str, s: &Scalar) -> V {
    let time_attr = name == "request.time" || name.eq_ignore_ascii_case("@Environment[UtcNow]");
    match s {
        Scalar::Str(x) if time_attr => parse_date(x).map_or_else(|| V::Str(x.clone()), V::Time),
        other => scalar_to_v(other),
    }
}

fn kind(v: &V) -> &'static str {
    match v {
        V::Str(_) => "a string",
        V::Num(_) => "a number",
        V::Bool(_) => "a boolean",
        V::Time(_) => "a timestamp",
        V::Dur(_) => "a duration",
        V::List(_) => "a list",
        V::Absent => "absent",
    }
}

fn compare(op: CmpOp, a: &V, b: &V) -> Result<bool, Reason> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::Num(x), V::Num(y)) => x.partial_cmp(y),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Time(x), V::Time(y)) | (V::Dur(x), V::Dur(y)) => Some(x.cmp(y)),
        (V::List(x), V::List(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            return Ok((x == y) == (op == CmpOp::Eq));
        }
        _ => {
            return Err(unknown(format!(
                "cannot compare {} with {} using `{}`",
                kind(a),
                kind(b),
                op.symbol()
            )));
        }
    };
    let Some(o) = ord else {
        return Err(unknown("comparison with NaN"));
    };
    Ok(match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    })
}

fn parse_duration(s: &str) -> Option<i64> {
    // CEL durations: "3600s", "1.5h", "30m", "100ms"
    let (num, unit) = s
        .char_indices()
        .find(|(_, c)| c.is_ascii_alphabetic())
        .map(|(i, _)| s.split_at(i))?;
    let n: f64 = num.parse().ok()?;
    let scale = match unit {
        "h" => 3_600_000.0,
        "m" => 60_000.0,
        "s" => 1000.0,
        "ms" => 1.0,
        _ => return None,
    };
    let ms = n * scale;
    #[expect(clippy::cast_possible_truncation, reason = "bounded just below")]
    (ms.is_finite() && ms.abs() < 1e15).then(|| ms.round() as i64)
}

fn tz_offset_ms(t: i64, tz: Option<&str>) -> Result<i64, Reason> {
    use chrono::{Offset, TimeZone};
    let Some(name) = tz else { return Ok(0) };
    if name == "UTC" || name == "Etc/UTC" || name.is_empty() {
        return Ok(0);
    }
    // fixed offsets: "+01:00", "-05:30"
    if let Some(sign) = name.chars().next().filter(|c| *c == '+' || *c == '-') {
        let rest = name.get(1..).unwrap_or("");
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let (h, m): (i64, i64) = (
            h.parse()
                .map_err(|_| unknown(format!("bad time zone `{name}`")))?,
            m.parse()
                .map_err(|_| unknown(format!("bad time zone `{name}`")))?,
        );
        let off = (h * 3600 + m * 60) * 1000;
        return Ok(if sign == '+' { off } else { -off });
    }
    let tz: chrono_tz::Tz = name
        .parse()
        .map_err(|_| unknown(format!("unknown time zone `{name}`")))?;
    let utc = chrono::DateTime::from_timestamp_millis(t)
        .ok_or_else(|| unknown("timestamp out of range"))?;
    let off = tz
        .offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc();
    Ok(i64::from(off) * 1000)
}

fn call(f: Func, args: &[Expr], env: &dyn ExprEnv) -> R {
    let vals: Vec<V> = args
        .iter()
        .map(|a| a.value(env))
        .collect::<Result<_, _>>()?;
    let s = |i: usize| -> Result<&str, Reason> {
        match vals.get(i) {
            Some(V::Str(x)) => Ok(x.as_str()),
            Some(v) => Err(unknown(format!(
                "`{}` expects a string, found {}",
                f.name(),
                kind(v)
            ))),
            None => Err(unknown(format!("`{}` is missing an argument", f.name()))),
        }
    };
    match f {
        Func::StartsWith => Ok(V::Bool(s(0)?.starts_with(s(1)?))),
        Func::EndsWith => Ok(V::Bool(s(0)?.ends_with(s(1)?))),
        Func::Contains => Ok(V::Bool(s(0)?.contains(s(1)?))),
        Func::Size => match vals.first() {
            Some(V::Str(x)) => Ok(V::Num(x.chars().count() as f64)),
            Some(V::List(x)) => Ok(V::Num(x.len() as f64)),
            _ => Err(unknown("`size` expects a string or list")),
        },
        Func::Timestamp => parse_date(s(0)?).map(V::Time).ok_or_else(|| {
            unknown(format!(
                "`timestamp` cannot read `{}`",
                s(0).unwrap_or_default()
            ))
        }),
        Func::Duration => parse_duration(s(0)?).map(V::Dur).ok_or_else(|| {
            unknown(format!(
                "`duration` cannot read `{}`",
                s(0).unwrap_or_default()
            ))
        }),
        Func::GetHours
        | Func::GetMinutes
        | Func::GetSeconds
        | Func::GetDayOfWeek
        | Func::GetDayOfMonth
        | Func::GetDate
        | Func::GetDayOfYear
        | Func::GetMonth
        | Func::GetFullYear => {
            let t = match vals.first() {
                Some(V::Time(t)) => *t,
                Some(v) => {
                    return Err(unknown(format!(
                        "`{}` expects a timestamp, found {}",
                        f.name(),
                        kind(v)
                    )));
                }
                None => return Err(unknown(format!("`{}` needs a receiver", f.name()))),
            };
            let tz = match vals.get(1) {
                Some(V::Str(z)) => Some(z.as_str()),
                Some(v) => {
                    return Err(unknown(format!(
                        "a time zone is a string, found {}",
                        kind(v)
                    )));
                }
                None => None,
            };
            let local = t + tz_offset_ms(t, tz)?;
            let secs = local.div_euclid(1000);
            let days = secs.div_euclid(86_400);
            let sod = secs.rem_euclid(86_400);
            let iso = format_date(days * 86_400_000);
            let year: i64 = iso.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
            let month: i64 = iso.get(5..7).and_then(|y| y.parse().ok()).unwrap_or(1);
            let dom: i64 = iso.get(8..10).and_then(|y| y.parse().ok()).unwrap_or(1);
            let jan1 = parse_date(&format!("{year:04}-01-01"))
                .unwrap_or(0)
                .div_euclid(86_400_000);
            let n = match f {
                Func::GetHours => sod / 3600,
                Func::GetMinutes => (sod % 3600) / 60,
                Func::GetSeconds => sod % 60,
                // 1970-01-01 was a Thursday; CEL: 0 = Sunday
                Func::GetDayOfWeek => (days + 4).rem_euclid(7),
                Func::GetDayOfMonth => dom - 1,
                Func::GetDate => dom,
                Func::GetDayOfYear => days - jan1,
                Func::GetMonth => month - 1,
                _ => year,
            };
            Ok(V::Num(n as f64))
        }
        Func::MatchTag | Func::MatchTagId | Func::HasTagKey | Func::HasTagKeyId => {
            // receiver is `resource`; tags come as attributes `resource.tags`
            // (the set of keys given) and `resource.tag/<key>` (a value)
            let ids = matches!(f, Func::MatchTagId | Func::HasTagKeyId);
            let (set_attr, prefix) = if ids {
                ("resource.tagids", "resource.tagid/")
            } else {
                ("resource.tags", "resource.tag/")
            };
            let key = s(0)?;
            if env.attribute(set_attr).is_none() {
                return Err(unknown(format!(
                    "the request does not give the resource's tags (`{}`)",
                    f.name()
                )));
            }
            let v = env.attribute(&format!("{prefix}{key}")).flatten();
            match f {
                Func::HasTagKey | Func::HasTagKeyId => Ok(V::Bool(v.is_some())),
                _ => {
                    let want = s(1)?;
                    Ok(V::Bool(v.is_some_and(
                        |v| matches!(v.as_ref(), Value::One(x) if x.as_string() == want),
                    )))
                }
            }
        }
    }
}

fn az_single(op: AzOp, l: &V, r: &V) -> Result<bool, Reason> {
    use AzOp::*;
    let bad = || {
        unknown(format!(
            "`{}` cannot compare {} with {}",
            op.name(),
            kind(l),
            kind(r)
        ))
    };
    let num = |v: &V| match v {
        V::Num(n) => Some(*n),
        V::Str(s) => crate::value::parse_number(s),
        _ => None,
    };
    let time = |v: &V| match v {
        V::Time(t) => Some(*t),
        V::Str(s) => parse_date(s),
        _ => None,
    };
    let boolean = |v: &V| match v {
        V::Bool(b) => Some(*b),
        V::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        V::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    };
    let base = match op {
        StringEquals | StringNotEquals => match (l, r) {
            (V::Str(a), V::Str(b)) => a == b,
            _ => return Err(bad()),
        },
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | GuidEquals | GuidNotEquals => {
            match (l, r) {
                (V::Str(a), V::Str(b)) => a.eq_ignore_ascii_case(b),
                _ => return Err(bad()),
            }
        }
        StringLike | StringNotLike | StringLikeIgnoreCase | StringNotLikeIgnoreCase => {
            match (l, r) {
                (V::Str(a), V::Str(b)) => like_pattern(op, b).matches(a),
                _ => return Err(bad()),
            }
        }
        StringStartsWith | StringNotStartsWith => match (l, r) {
            (V::Str(a), V::Str(b)) => a.starts_with(b.as_str()),
            _ => return Err(bad()),
        },
        StringStartsWithIgnoreCase | StringNotStartsWithIgnoreCase => match (l, r) {
            (V::Str(a), V::Str(b)) => a.to_ascii_lowercase().starts_with(&b.to_ascii_lowercase()),
            _ => return Err(bad()),
        },
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            let (Some(a), Some(b)) = (num(l), num(r)) else {
                return Err(bad());
            };
            match op {
                NumericEquals | NumericNotEquals => a == b,
                NumericLessThan => a < b,
                NumericLessThanEquals => a <= b,
                NumericGreaterThan => a > b,
                _ => a >= b,
            }
        }
        DateTimeEquals
        | DateTimeNotEquals
        | DateTimeLessThan
        | DateTimeLessThanEquals
        | DateTimeGreaterThan
        | DateTimeGreaterThanEquals => {
            let (Some(a), Some(b)) = (time(l), time(r)) else {
                return Err(bad());
            };
            match op {
                DateTimeEquals | DateTimeNotEquals => a == b,
                DateTimeLessThan => a < b,
                DateTimeLessThanEquals => a <= b,
                DateTimeGreaterThan => a > b,
                _ => a >= b,
            }
        }
        BoolEquals | BoolNotEquals => {
            let (Some(a), Some(b)) = (boolean(l), boolean(r)) else {
                return Err(bad());
            };
            a == b
        }
        ListContains | ListNotContains => match l {
            V::List(items) => items.contains(r),
            other => other == r,
        },
    };
    Ok(base != op.is_negated())
}

/// The glob of a `StringLike` family operator's value: `*` and `?` are
/// wildcards, `\*` and `\?` literal characters (Azure's condition format,
/// "Special characters"); the `IgnoreCase` forms ignore ASCII case.
pub fn like_pattern(op: AzOp, value: &str) -> Pattern {
    let case = match op {
        AzOp::StringLikeIgnoreCase | AzOp::StringNotLikeIgnoreCase => Case::Insensitive,
        _ => Case::Sensitive,
    };
    Pattern::glob_escaped(value, case)
}

fn az_op(
    op: AzOp,
    q: Quantifier,
    lhs: &Expr,
    rhs: &Expr,
    env: &dyn ExprEnv,
) -> Result<bool, Reason> {
    let l = lhs.value(env)?;
    let r = rhs.value(env)?;
    if l == V::Absent {
        // an attribute explicitly absent: positive operators fail, negated hold
        return Ok(op.is_negated());
    }
    let as_list = |v: V| match v {
        V::List(xs) => xs,
        other => vec![other],
    };
    if q == Quantifier::None {
        if matches!(op, AzOp::ListContains | AzOp::ListNotContains) {
            return az_single(op, &l, &r);
        }
        return match (&l, &r) {
            (V::List(_), _) => Err(unknown(format!(
                "`{}` on a multi-valued attribute needs a quantifier such as ForAnyOfAnyValues",
                op.name()
            ))),
            // a set on the right of a single-valued operator: any of them
            (_, V::List(rs)) => {
                let mut acc = Ok(false);
                for x in rs {
                    match az_single(op, &l, x) {
                        Ok(true) => return Ok(true),
                        Ok(false) => {}
                        Err(e) => acc = Err(e),
                    }
                }
                acc
            }
            _ => az_single(op, &l, &r),
        };
    }
    let (ls, rs) = (as_list(l), as_list(r));
    let rel = |a: &V| -> (Result<bool, Reason>, Result<bool, Reason>) {
        // (any r, all r)
        let mut any = Ok(false);
        let mut all = Ok(true);
        for b in &rs {
            match az_single(op, a, b) {
                Ok(true) => any = Ok(true),
                Ok(false) => all = Ok(false),
                Err(e) => {
                    if any != Ok(true) {
                        any = Err(e.clone());
                    }
                    if all != Ok(false) {
                        all = Err(e);
                    }
                }
            }
        }
        (any, all)
    };
    let per_left: Vec<Result<bool, Reason>> = ls
        .iter()
        .map(|a| {
            let (any, all) = rel(a);
            match q {
                Quantifier::ForAnyOfAnyValues | Quantifier::ForAllOfAnyValues => any,
                _ => all,
            }
        })
        .collect();
    let exists = matches!(
        q,
        Quantifier::ForAnyOfAnyValues | Quantifier::ForAnyOfAllValues
    );
    let mut acc: Result<bool, Reason> = Ok(!exists);
    for r in per_left {
        match (r, exists) {
            (Ok(true), true) => return Ok(true),
            (Ok(false), false) => return Ok(false),
            (Ok(_), _) => {}
            (Err(e), _) => acc = Err(e),
        }
    }
    acc
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Str(s) => write!(f, "'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Expr::Num(n) => write!(f, "{n}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::List(xs) => {
                f.write_str("[")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Expr::Attr(a) => f.write_str(a),
            Expr::Not(x) => write!(f, "!({x})"),
            Expr::And(xs) => join(f, xs, " && "),
            Expr::Or(xs) => join(f, xs, " || "),
            Expr::Cmp(op, a, b) => write!(f, "{a} {} {b}", op.symbol()),
            Expr::In(a, b) => write!(f, "{a} in {b}"),
            Expr::Call(func, args) => {
                if func.is_global() {
                    write!(f, "{}(", func.name())?;
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(")")
                } else {
                    let (recv, rest) = args
                        .split_first()
                        .map_or((None, &[][..]), |(r, rest)| (Some(r), rest));
                    if let Some(r) = recv {
                        write!(f, "{r}.")?;
                    }
                    write!(f, "{}(", func.name())?;
                    for (i, a) in rest.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(")")
                }
            }
            Expr::AzOp {
                op,
                quantifier,
                lhs,
                rhs,
            } => {
                if *quantifier != Quantifier::None {
                    write!(f, "{}:", quantifier.name())?;
                }
                write!(f, "{lhs} {} {rhs}", op.name())
            }
            Expr::Exists(a) => write!(f, "Exists {a}"),
            Expr::ActionMatches(p) => write!(f, "ActionMatches{{'{}'}}", p.raw()),
            Expr::SubOperationMatches(s) => write!(f, "SubOperationMatches{{'{s}'}}"),
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, xs: &[Expr], sep: &str) -> fmt::Result {
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if matches!(x, Expr::And(_) | Expr::Or(_)) {
            write!(f, "({x})")?;
        } else {
            write!(f, "{x}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Context;

    struct Env(Context, &'static str);
    impl ExprEnv for Env {
        fn attribute(&self, name: &str) -> Option<Option<Cow<'_, Value>>> {
            self.0.get(name).map(|v| Some(Cow::Borrowed(v)))
        }
        fn action(&self) -> &str {
            self.1
        }
        fn sub_operation(&self) -> Option<&str> {
            None
        }
    }

    fn env(pairs: &[(&str, Value)]) -> Env {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.insert(k, v.clone());
        }
        Env(
            c,
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        )
    }

    #[test]
    fn cel_like() {
        let e = env(&[
            (
                "resource.name",
                Value::str("projects/_/buckets/b/objects/x"),
            ),
            ("request.time", Value::str("2026-03-01T10:30:00Z")),
        ]);
        let starts = Expr::Call(
            Func::StartsWith,
            vec![
                Expr::Attr("resource.name".into()),
                Expr::Str("projects/_/buckets/b/".into()),
            ],
        );
        assert_eq!(starts.eval(&e), Tri::True);
        let before = Expr::Cmp(
            CmpOp::Lt,
            Box::new(Expr::Attr("request.time".into())),
            Box::new(Expr::Call(
                Func::Timestamp,
                vec![Expr::Str("2026-04-01T00:00:00Z".into())],
            )),
        );
        assert_eq!(before.eval(&e), Tri::True);
        let hours = Expr::Cmp(
            CmpOp::Eq,
            Box::new(Expr::Call(
                Func::GetHours,
                vec![
                    Expr::Attr("request.time".into()),
                    Expr::Str("Europe/Berlin".into()),
                ],
            )),
            Box::new(Expr::Num(11.0)),
        );
        assert_eq!(hours.eval(&e), Tri::True);
        // 2026-03-01 is a Sunday
        let dow = Expr::Cmp(
            CmpOp::Eq,
            Box::new(Expr::Call(
                Func::GetDayOfWeek,
                vec![Expr::Attr("request.time".into())],
            )),
            Box::new(Expr::Num(0.0)),
        );
        assert_eq!(dow.eval(&e), Tri::True);
        let missing = Expr::Cmp(
            CmpOp::Eq,
            Box::new(Expr::Attr("resource.type".into())),
            Box::new(Expr::Str("x".into())),
        );
        assert!(matches!(missing.eval(&e), Tri::Unknown(_)));
        // false && error = false
        assert_eq!(
            Expr::And(vec![Expr::Bool(false), missing.clone()]).eval(&e),
            Tri::False
        );
        assert_eq!(
            Expr::Or(vec![missing, Expr::Bool(true)]).eval(&e),
            Tri::True
        );
    }

    #[test]
    fn abac_like() {
        let e = env(&[(
            "@Resource[tags]",
            Value::Set(vec![Scalar::Str("a".into()), Scalar::Str("b".into())]),
        )]);
        let q = |q| Expr::AzOp {
            op: AzOp::StringEquals,
            quantifier: q,
            lhs: Box::new(Expr::Attr("@Resource[tags]".into())),
            rhs: Box::new(Expr::List(vec![
                Expr::Str("a".into()),
                Expr::Str("c".into()),
            ])),
        };
        assert_eq!(q(Quantifier::ForAnyOfAnyValues).eval(&e), Tri::True);
        assert_eq!(q(Quantifier::ForAllOfAnyValues).eval(&e), Tri::False);
        assert_eq!(q(Quantifier::ForAnyOfAllValues).eval(&e), Tri::False);
        let am = Expr::ActionMatches(Pattern::glob(
            "Microsoft.Storage/*/blobs/read",
            Case::Insensitive,
        ));
        assert_eq!(am.eval(&e), Tri::True);
    }
}
