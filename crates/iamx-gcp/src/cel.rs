//! The CEL subset of IAM Conditions, parsed with nom per
//! `grammars/gcp-cel-iam.ebnf`, and a printer whose output parses back to the
//! same tree.
//!
//! The subset is what allow bindings and deny rules use to scope a grant by
//! resource and time: the attributes `resource.name`, `resource.type`,
//! `resource.service` and `request.time`; string methods `startsWith`,
//! `endsWith`, `contains`, `size`; the `get*` accessors of timestamps;
//! `timestamp('…')` and `duration('…')`; the tag functions
//! `resource.matchTag`, `matchTagId`, `hasTagKey`, `hasTagKeyId`;
//! comparisons, `in`, `!`, `&&`, `||` and parentheses, with CEL precedence.
//! Anything else (other attributes such as `request.auth.claims`, macros,
//! arithmetic, the conditional operator, maps, indexing) is an error that
//! names its column: iamx never guesses what an unread construct means.
//!
//! Lowering: an attribute becomes [`Expr::Attr`] with its dotted name; a
//! method call `x.f(a)` becomes `Expr::Call(f, [x, a])` (the receiver first);
//! a tag function's receiver `resource` is dropped
//! (`resource.matchTag(k, v)` → `Call(MatchTag, [k, v])`), as the model's
//! evaluator expects. `a && b && c` is one [`Expr::And`] of three; a
//! parenthesised `(a && b) && c` keeps its nesting, so [`print_cel`] ∘
//! [`parse_cel`] is the identity on trees.

use iamx_model::expr::{CmpOp, Expr, Func};
use nom::IResult;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, multispace1, not_line_ending};
use nom::combinator::{map, not, opt, peek, recognize, value};
use nom::error::{ErrorKind, ParseError};
use nom::multi::many0_count;
use nom::sequence::{pair, tuple};

/// Why a condition expression could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (column {column})")]
pub struct CelError {
    /// Lowercase, one line.
    pub message: String,
    /// 1-based character column in the expression.
    pub column: usize,
}

/// The attributes of the subset.
pub const ATTRIBUTES: [&str; 4] = [
    "resource.name",
    "resource.type",
    "resource.service",
    "request.time",
];

/// Nesting deeper than this is rejected (protects the stack).
const MAX_DEPTH: usize = 64;

/// The parser's error: where (the remaining input) and what.
#[derive(Clone, Debug)]
struct PErr<'a> {
    at: &'a str,
    msg: Option<String>,
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr {
            at: input,
            msg: None,
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // keep the error that got further (less input left)
        if other.at.len() < self.at.len() || (other.msg.is_some() && self.msg.is_none()) {
            other
        } else {
            self
        }
    }
}

type PRes<'a, T> = IResult<&'a str, T, PErr<'a>>;

/// A committed error: no alternative is tried after it.
fn ferr(at: &str, msg: impl Into<String>) -> nom::Err<PErr<'_>> {
    nom::Err::Failure(PErr {
        at,
        msg: Some(msg.into()),
    })
}

/// [`ferr`] as a parse result.
fn fail<'a, T>(at: &'a str, msg: impl Into<String>) -> PRes<'a, T> {
    Err(ferr(at, msg))
}

/// The message for an unexpected token at `at`, when `expected` was wanted.
fn unexpected(at: &str, expected: &str) -> String {
    let mut chars = at.chars();
    let Some(c) = chars.next() else {
        return format!("unexpected end of the expression, expected {expected}");
    };
    let next = chars.next();
    match (c, next) {
        ('?', _) => "the conditional operator `?:` is not in the IAM condition subset".to_owned(),
        ('+' | '*' | '/' | '%', _) | ('-', _) => {
            format!("arithmetic (`{c}`) is not in the IAM condition subset")
        }
        ('=', _) => "unexpected `=`; did you mean `==`?".to_owned(),
        ('&', Some(n)) if n != '&' => "unexpected `&`; did you mean `&&`?".to_owned(),
        ('|', Some(n)) if n != '|' => "unexpected `|`; did you mean `||`?".to_owned(),
        ('&', None) => "unexpected `&`; did you mean `&&`?".to_owned(),
        ('|', None) => "unexpected `|`; did you mean `||`?".to_owned(),
        ('[', _) => "indexing (`x[i]`) is not in the IAM condition subset".to_owned(),
        ('{', _) => "maps are not in the IAM condition subset".to_owned(),
        _ if c.is_control() => {
            format!("unexpected `{}`, expected {expected}", c.escape_default())
        }
        _ => format!("unexpected `{c}`, expected {expected}"),
    }
}

/// White space and `//` comments.
fn ws(i: &str) -> PRes<'_, ()> {
    value(
        (),
        many0_count(alt((
            multispace1,
            recognize(pair(tag("//"), not_line_ending)),
        ))),
    )
    .parse(i)
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident(i: &str) -> PRes<'_, &str> {
    recognize(pair(take_while1(is_ident_start), take_while(is_ident_char))).parse(i)
}

/// A keyword not followed by an identifier character.
fn keyword<'a>(word: &'static str) -> impl FnMut(&'a str) -> PRes<'a, &'a str> {
    move |i| {
        let (r, w) = tag(word)(i)?;
        let (r, _) = not(peek(take_while1(is_ident_char))).parse(r)?;
        Ok((r, w))
    }
}

fn column(text: &str, at: &str) -> usize {
    let off = text.len().saturating_sub(at.len());
    text.get(..off).map_or(off, |p| p.chars().count()) + 1
}

/// Parses an IAM condition expression into the model's expression tree.
pub fn parse_cel(text: &str) -> Result<Expr, CelError> {
    let to_err = |e: PErr<'_>, fallback: &str| CelError {
        message: e.msg.unwrap_or_else(|| unexpected(e.at, fallback)),
        column: column(text, e.at),
    };
    let (i, _) = ws(text).map_err(|_| CelError {
        message: "unreadable white space".to_owned(),
        column: 1,
    })?;
    if i.is_empty() {
        return Err(CelError {
            message: "the condition expression is empty".to_owned(),
            column: column(text, i),
        });
    }
    match expr(i, 0) {
        Ok((rest, e)) => {
            let rest = ws(rest).map_or(rest, |(r, _)| r);
            if rest.is_empty() {
                Ok(e)
            } else {
                Err(CelError {
                    message: unexpected(rest, "an operator or the end of the expression"),
                    column: column(text, rest),
                })
            }
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(to_err(e, "an expression")),
        Err(nom::Err::Incomplete(_)) => Err(CelError {
            message: "unexpected end of the expression".to_owned(),
            column: column(text, ""),
        }),
    }
}

fn expr(i: &str, d: usize) -> PRes<'_, Expr> {
    if d > MAX_DEPTH {
        return fail(i, "the expression is nested too deeply");
    }
    or_expr(i, d)
}

/// Parses `operand (sep operand)*`; one operand stays itself, more make a list.
fn chain<'a>(
    i: &'a str,
    d: usize,
    sep: &'static str,
    operand: fn(&'a str, usize) -> PRes<'a, Expr>,
) -> PRes<'a, Vec<Expr>> {
    let (mut i, first) = operand(i, d)?;
    let mut items = vec![first];
    loop {
        let (j, _) = ws(i)?;
        let Ok((k, _)) = tag::<_, _, PErr<'a>>(sep)(j) else {
            break;
        };
        let (k, _) = ws(k)?;
        match operand(k, d) {
            Ok((r, e)) => {
                items.push(e);
                i = r;
            }
            Err(nom::Err::Error(e)) => {
                return fail(
                    e.at,
                    e.msg
                        .unwrap_or_else(|| unexpected(e.at, &format!("an operand after `{sep}`"))),
                );
            }
            Err(e) => return Err(e),
        }
    }
    Ok((i, items))
}

fn or_expr(i: &str, d: usize) -> PRes<'_, Expr> {
    let (i, mut items) = chain(i, d, "||", and_expr)?;
    if items.len() == 1
        && let Some(one) = items.pop()
    {
        return Ok((i, one));
    }
    Ok((i, Expr::Or(items)))
}

fn and_expr(i: &str, d: usize) -> PRes<'_, Expr> {
    let (i, mut items) = chain(i, d, "&&", rel_expr)?;
    if items.len() == 1
        && let Some(one) = items.pop()
    {
        return Ok((i, one));
    }
    Ok((i, Expr::And(items)))
}

#[derive(Clone, Copy)]
enum RelOp {
    Cmp(CmpOp),
    In,
}

fn rel_op(i: &str) -> PRes<'_, RelOp> {
    alt((
        value(RelOp::Cmp(CmpOp::Eq), tag("==")),
        value(RelOp::Cmp(CmpOp::Ne), tag("!=")),
        value(RelOp::Cmp(CmpOp::Le), tag("<=")),
        value(RelOp::Cmp(CmpOp::Ge), tag(">=")),
        value(RelOp::Cmp(CmpOp::Lt), tag("<")),
        value(RelOp::Cmp(CmpOp::Gt), tag(">")),
        map(keyword("in"), |_| RelOp::In),
    ))
    .parse(i)
}

fn rel_expr(i: &str, d: usize) -> PRes<'_, Expr> {
    let (mut i, mut acc) = unary(i, d)?;
    loop {
        let (j, _) = ws(i)?;
        let Ok((k, op)) = rel_op(j) else { break };
        let (k, _) = ws(k)?;
        let (k, rhs) = match unary(k, d) {
            Ok(x) => x,
            Err(nom::Err::Error(e)) => {
                return fail(
                    e.at,
                    e.msg
                        .unwrap_or_else(|| unexpected(e.at, "an operand after the operator")),
                );
            }
            Err(e) => return Err(e),
        };
        acc = match op {
            RelOp::Cmp(op) => Expr::Cmp(op, Box::new(acc), Box::new(rhs)),
            RelOp::In => Expr::In(Box::new(acc), Box::new(rhs)),
        };
        i = k;
    }
    Ok((i, acc))
}

fn unary(i: &str, d: usize) -> PRes<'_, Expr> {
    if d > MAX_DEPTH {
        return fail(i, "the expression is nested too deeply");
    }
    let (i, _) = ws(i)?;
    if let Some(rest) = i.strip_prefix('!')
        && !rest.starts_with('=')
    {
        let (rest, _) = ws(rest)?;
        let (r, e) = match unary(rest, d + 1) {
            Ok(x) => x,
            Err(nom::Err::Error(e)) => {
                return fail(
                    e.at,
                    e.msg
                        .unwrap_or_else(|| unexpected(e.at, "an operand after `!`")),
                );
            }
            Err(e) => return Err(e),
        };
        return Ok((r, Expr::Not(Box::new(e))));
    }
    if let Some(rest) = i.strip_prefix('-') {
        let (rest, _) = ws(rest)?;
        let Ok((r, n)) = number(rest) else {
            return fail(
                i,
                "unary minus applies only to number literals in the IAM condition subset",
            );
        };
        let (after, _) = ws(r)?;
        if after.starts_with('.') {
            return fail(
                i,
                "a method of a negative number needs parentheses, as in `(-1).f()`",
            );
        }
        return Ok((r, Expr::Num(-n)));
    }
    member(i, d)
}

/// A receiver being built: a dotted identifier path (`resource.name`) not yet
/// resolved, or a value.
enum Recv<'a> {
    Path(&'a str, Vec<&'a str>),
    Val(Expr),
}

fn resolve<'a>(recv: Recv<'a>) -> Result<Expr, nom::Err<PErr<'a>>> {
    match recv {
        Recv::Val(e) => Ok(e),
        Recv::Path(at, parts) => {
            let name = parts.join(".");
            if ATTRIBUTES.contains(&name.as_str()) {
                return Ok(Expr::Attr(name));
            }
            let msg = match parts.as_slice() {
                ["resource"] => "`resource` alone is not a value; use `resource.name`, `resource.type`, `resource.service` or a tag function such as `resource.matchTag(…)`".to_owned(),
                ["request"] => "`request` alone is not a value; the subset reads `request.time`".to_owned(),
                [one] => format!("unknown identifier `{one}`"),
                _ => format!(
                    "attribute `{name}` is not in the IAM condition subset iamx reads (`resource.name`, `resource.type`, `resource.service`, `request.time`)"
                ),
            };
            Err(ferr(at, msg))
        }
    }
}

fn member(i: &str, d: usize) -> PRes<'_, Expr> {
    let (mut i, mut recv) = primary(i, d)?;
    loop {
        let (j, _) = ws(i)?;
        let Some(after_dot) = j.strip_prefix('.') else {
            break;
        };
        let (k, _) = ws(after_dot)?;
        let Ok((k2, name)) = ident(k) else {
            return fail(k, unexpected(k, "a field or method name after `.`"));
        };
        let (l, _) = ws(k2)?;
        if l.starts_with('(') {
            let (l, args) = call_args(l, d)?;
            recv = Recv::Val(method(recv, k, name, args)?);
            i = l;
        } else {
            recv = match recv {
                Recv::Path(at, mut parts) => {
                    parts.push(name);
                    Recv::Path(at, parts)
                }
                Recv::Val(_) => {
                    return fail(
                        k,
                        format!("field selection `.{name}` is not in the IAM condition subset"),
                    );
                }
            };
            i = k2;
        }
    }
    let (after, _) = ws(i)?;
    if after.starts_with('[') {
        return fail(after, unexpected(after, ""));
    }
    Ok((i, resolve(recv)?))
}

fn arity<'a>(at: &'a str, name: &str, args: &[Expr], allowed: &[usize]) -> PRes<'a, ()> {
    if allowed.contains(&args.len()) {
        return Ok((at, ()));
    }
    let want = match allowed {
        [n] => format!("{n}"),
        [a, b] => format!("{a} or {b}"),
        _ => "a different number of".to_owned(),
    };
    let plural = if allowed == [1] { "" } else { "s" };
    fail(
        at,
        format!(
            "`{name}` takes {want} argument{plural}, found {}",
            args.len()
        ),
    )
}

fn method<'a>(
    recv: Recv<'a>,
    at: &'a str,
    name: &str,
    args: Vec<Expr>,
) -> Result<Expr, nom::Err<PErr<'a>>> {
    let func = Func::from_name(name);
    if let Some(f @ (Func::MatchTag | Func::MatchTagId | Func::HasTagKey | Func::HasTagKeyId)) =
        func
    {
        let on_resource = matches!(&recv, Recv::Path(_, p) if p.as_slice() == ["resource"]);
        if !on_resource {
            return Err(ferr(
                at,
                format!("`{name}` is a function of `resource`: write `resource.{name}(…)`"),
            ));
        }
        let n = if matches!(f, Func::MatchTag | Func::MatchTagId) {
            2
        } else {
            1
        };
        arity(at, name, &args, &[n])?;
        return Ok(Expr::Call(f, args));
    }
    let receiver = resolve(recv)?;
    let Some(f) = func.filter(|f| !f.is_global()) else {
        let msg = if func.is_some() {
            format!("`{name}` is a function, not a method: write `{name}(…)`")
        } else {
            format!("method `{name}` is not in the IAM condition subset iamx reads")
        };
        return Err(ferr(at, msg));
    };
    let allowed: &[usize] = match f {
        Func::StartsWith | Func::EndsWith | Func::Contains => &[1],
        Func::Size => &[0],
        _ => &[0, 1],
    };
    arity(at, name, &args, allowed)?;
    let mut all = Vec::with_capacity(args.len() + 1);
    all.push(receiver);
    all.extend(args);
    Ok(Expr::Call(f, all))
}

/// `( [expr {, expr}] [,] )`, starting at `(`.
fn call_args(i: &str, d: usize) -> PRes<'_, Vec<Expr>> {
    let (i, _) = char('(')(i)?;
    seq(i, d, ')', "an argument or `)`")
}

/// The elements of a list or argument list up to `close`.
fn seq<'a>(i: &'a str, d: usize, close: char, expected: &str) -> PRes<'a, Vec<Expr>> {
    let mut items = Vec::new();
    let (mut i, _) = ws(i)?;
    loop {
        if let Some(r) = i.strip_prefix(close) {
            return Ok((r, items));
        }
        let (r, e) = match expr(i, d + 1) {
            Ok(x) => x,
            Err(nom::Err::Error(e)) => {
                return fail(e.at, e.msg.unwrap_or_else(|| unexpected(e.at, expected)));
            }
            Err(e) => return Err(e),
        };
        items.push(e);
        let (r, _) = ws(r)?;
        if let Some(r) = r.strip_prefix(',') {
            let (r, _) = ws(r)?;
            i = r;
        } else if let Some(r) = r.strip_prefix(close) {
            return Ok((r, items));
        } else {
            return fail(r, unexpected(r, &format!("`,` or `{close}`")));
        }
    }
}

fn primary(i: &str, d: usize) -> PRes<'_, Recv<'_>> {
    let start = i;
    let Some(c) = i.chars().next() else {
        return Err(nom::Err::Error(PErr { at: i, msg: None }));
    };
    match c {
        '(' => {
            let (r, _) = ws(i.get(1..).unwrap_or(""))?;
            let (r, e) = match expr(r, d + 1) {
                Ok(x) => x,
                Err(nom::Err::Error(e)) => {
                    return fail(
                        e.at,
                        e.msg.unwrap_or_else(|| unexpected(e.at, "an expression")),
                    );
                }
                Err(e) => return Err(e),
            };
            let (r, _) = ws(r)?;
            match r.strip_prefix(')') {
                Some(r) => Ok((r, Recv::Val(e))),
                None => fail(r, unexpected(r, "`)`")),
            }
        }
        '[' => {
            let (r, items) = seq(i.get(1..).unwrap_or(""), d, ']', "a list element or `]`")?;
            Ok((r, Recv::Val(Expr::List(items))))
        }
        '{' => fail(i, "maps are not in the IAM condition subset"),
        '\'' | '"' => {
            let (r, s) = string_lit(i, false)?;
            Ok((r, Recv::Val(Expr::Str(s))))
        }
        'r' | 'R' if matches!(i.get(1..2), Some("'" | "\"")) => {
            let (r, s) = string_lit(i.get(1..).unwrap_or(""), true)?;
            Ok((r, Recv::Val(Expr::Str(s))))
        }
        'b' | 'B' if matches!(i.get(1..2), Some("'" | "\"")) => {
            fail(i, "bytes literals are not in the IAM condition subset")
        }
        '0'..='9' | '.'
            if c != '.'
                || i.get(1..2)
                    .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit())) =>
        {
            let (r, n) = number(i)?;
            Ok((r, Recv::Val(Expr::Num(n))))
        }
        c if is_ident_start(c) => {
            let (r, name) = ident(i)?;
            match name {
                "true" => return Ok((r, Recv::Val(Expr::Bool(true)))),
                "false" => return Ok((r, Recv::Val(Expr::Bool(false)))),
                "null" => return fail(start, "`null` is not in the IAM condition subset"),
                "in" => return Err(nom::Err::Error(PErr { at: i, msg: None })),
                _ => {}
            }
            let (after, _) = ws(r)?;
            if after.starts_with('(') {
                let (r2, args) = call_args(after, d)?;
                let e = global(start, name, args)?;
                return Ok((r2, Recv::Val(e)));
            }
            Ok((r, Recv::Path(start, vec![name])))
        }
        _ => Err(nom::Err::Error(PErr { at: i, msg: None })),
    }
}

fn global<'a>(at: &'a str, name: &str, mut args: Vec<Expr>) -> Result<Expr, nom::Err<PErr<'a>>> {
    let f = match name {
        "timestamp" => Func::Timestamp,
        "duration" => Func::Duration,
        "size" => Func::Size,
        "has" => {
            return Err(ferr(
                at,
                "the `has` macro is not in the IAM condition subset",
            ));
        }
        _ => {
            let msg = if Func::from_name(name).is_some() {
                format!("`{name}` is a method: write `x.{name}(…)`")
            } else {
                format!("function `{name}` is not in the IAM condition subset iamx reads")
            };
            return Err(ferr(at, msg));
        }
    };
    arity(at, name, &args, &[1])?;
    match (f, args.first()) {
        (Func::Timestamp, Some(Expr::Str(s)))
            if iamx_model::value::parse_date(s).is_none() || !looks_like_rfc3339(s) =>
        {
            return Err(ferr(
                at,
                format!("`timestamp('{s}')`: not an RFC 3339 time such as `2026-01-01T00:00:00Z`"),
            ));
        }
        (Func::Duration, Some(Expr::Str(s))) if !is_duration(s) => {
            return Err(ferr(
                at,
                format!("`duration('{s}')`: not a duration such as `3600s` or `1h30m`"),
            ));
        }
        _ => {}
    }
    if f == Func::Size {
        // `size(x)` is `x.size()`
        return Ok(Expr::Call(Func::Size, std::mem::take(&mut args)));
    }
    Ok(Expr::Call(f, args))
}

/// `2026-01-01T00:00:00Z`, `…+01:00`, with optional fractional seconds.
fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b.get(10).is_some_and(|c| *c == b'T' || *c == b't')
}

/// CEL durations: a sign, then one or more `number unit` (`h m s ms us ns`).
fn is_duration(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(n);
        if num.is_empty() || num.parse::<f64>().is_err() {
            return false;
        }
        let unit = ["ms", "us", "ns", "h", "m", "s"]
            .into_iter()
            .find(|u| tail.starts_with(u));
        let Some(u) = unit else { return false };
        rest = tail.get(u.len()..).unwrap_or("");
    }
    true
}

fn digits(i: &str) -> PRes<'_, &str> {
    take_while1(|c: char| c.is_ascii_digit())(i)
}

fn number(i: &str) -> PRes<'_, f64> {
    let (r, text) = recognize(tuple((
        alt((
            recognize(pair(digits, opt(pair(char('.'), digits)))),
            recognize(pair(char('.'), digits)),
        )),
        opt(tuple((
            alt((char('e'), char('E'))),
            opt(alt((char('+'), char('-')))),
            digits,
        ))),
    )))
    .parse(i)?;
    if text == "0" && (r.starts_with('x') || r.starts_with('X')) {
        return fail(
            i,
            "hexadecimal literals are not in the IAM condition subset",
        );
    }
    if r.starts_with('u') || r.starts_with('U') {
        return fail(r, "unsigned literals are not in the IAM condition subset");
    }
    if r.starts_with(is_ident_start) {
        return fail(r, unexpected(r, "an operator"));
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((r, n)),
        _ => fail(i, format!("number `{text}` is out of range")),
    }
}

/// A quoted string starting at its quote; `raw` for `r'…'`.
fn string_lit(i: &str, raw: bool) -> PRes<'_, String> {
    let Some(q) = i.chars().next() else {
        return Err(nom::Err::Error(PErr { at: i, msg: None }));
    };
    let triple: String = [q, q, q].iter().collect();
    let (body_start, long) = match i.strip_prefix(triple.as_str()) {
        Some(r) => (r, true),
        None => (i.get(1..).unwrap_or(""), false),
    };
    let mut out = String::new();
    let mut chars = body_start.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        let here = body_start.get(pos..).unwrap_or("");
        if long {
            if here.starts_with(triple.as_str()) {
                return Ok((here.get(3..).unwrap_or(""), out));
            }
        } else if c == q {
            return Ok((here.get(1..).unwrap_or(""), out));
        }
        if !long && (c == '\n' || c == '\r') {
            return fail(
                i,
                "unterminated string literal (a quoted string cannot span lines)",
            );
        }
        if c != '\\' || raw {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else { break };
        let mut hex = |n: usize| -> Option<char> {
            let mut v = 0u32;
            for _ in 0..n {
                let (_, h) = chars.next()?;
                v = v * 16 + h.to_digit(16)?;
            }
            char::from_u32(v)
        };
        let ch = match e {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            '`' => Some('`'),
            '?' => Some('?'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            'x' | 'X' => hex(2),
            'u' => hex(4),
            'U' => hex(8),
            '0'..='3' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                let mut ok = true;
                for _ in 0..2 {
                    match chars.next().and_then(|(_, o)| o.to_digit(8)) {
                        Some(o) => v = v * 8 + o,
                        None => ok = false,
                    }
                }
                if ok { char::from_u32(v) } else { None }
            }
            _ => None,
        };
        match ch {
            Some(c) => out.push(c),
            None => return fail(here, "invalid escape sequence in string literal"),
        }
    }
    fail(i, "unterminated string literal")
}

// ---------------------------------------------------------------------------
// printing

/// Prints an expression of the subset as CEL that [`parse_cel`] reads back to
/// the same tree. Constructs outside the subset (Azure ABAC nodes, empty or
/// single-element `&&`/`||`, non-finite numbers) print in a readable but not
/// re-parseable form.
///
/// Parentheses are written only where the tree needs them (`!x`, not
/// `!(x)`; `a || b && c`; `a == b == c` for `(a == b) == c`): every
/// parenthesis of the print stands for one any text of the same tree has
/// too, so the print is never nested deeper than the text it came from, and
/// whatever the parser took within its depth limit it takes again.
pub fn print_cel(e: &Expr) -> String {
    let mut out = String::new();
    print(e, &mut out);
    out
}

fn print(e: &Expr, out: &mut String) {
    match e {
        Expr::Str(s) => quote(s, out),
        Expr::Num(n) => out.push_str(&format_num(*n)),
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::List(xs) => {
            out.push('[');
            for (k, x) in xs.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                print(x, out);
            }
            out.push(']');
        }
        Expr::Attr(a) => out.push_str(a),
        Expr::Not(x) => {
            out.push('!');
            wrapped(x, is_binary(x), out);
        }
        Expr::And(xs) => join(xs, " && ", |x| matches!(x, Expr::And(_) | Expr::Or(_)), out),
        // `a || b && c` is `a || (b && c)`
        Expr::Or(xs) => join(xs, " || ", |x| matches!(x, Expr::Or(_)), out),
        // relations are left-associative: `a == b == c` is `(a == b) == c`
        Expr::Cmp(op, a, b) => {
            wrapped(a, matches!(**a, Expr::And(_) | Expr::Or(_)), out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            wrapped(b, is_binary(b), out);
        }
        Expr::In(a, b) => {
            wrapped(a, matches!(**a, Expr::And(_) | Expr::Or(_)), out);
            out.push_str(" in ");
            wrapped(b, is_binary(b), out);
        }
        Expr::Call(f, args) => {
            let list = |xs: &[Expr], out: &mut String| {
                out.push('(');
                for (k, x) in xs.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    print(x, out);
                }
                out.push(')');
            };
            match f {
                Func::Timestamp | Func::Duration => {
                    out.push_str(f.name());
                    list(args, out);
                }
                Func::MatchTag | Func::MatchTagId | Func::HasTagKey | Func::HasTagKeyId => {
                    out.push_str("resource.");
                    out.push_str(f.name());
                    list(args, out);
                }
                _ => {
                    let (recv, rest) = match args.split_first() {
                        Some((r, rest)) => (Some(r), rest),
                        None => (None, &[][..]),
                    };
                    if let Some(r) = recv {
                        let bare = matches!(
                            r,
                            Expr::Str(_)
                                | Expr::Bool(_)
                                | Expr::List(_)
                                | Expr::Attr(_)
                                | Expr::Call(..)
                        ) || matches!(r, Expr::Num(n) if n.is_sign_positive());
                        if bare {
                            print(r, out);
                        } else {
                            out.push('(');
                            print(r, out);
                            out.push(')');
                        }
                        out.push('.');
                    }
                    out.push_str(f.name());
                    list(rest, out);
                }
            }
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Whether `e` is a binary operation, which an operand of `!` or the right
/// operand of a relation can only be in parentheses.
fn is_binary(e: &Expr) -> bool {
    matches!(e, Expr::And(_) | Expr::Or(_) | Expr::Cmp(..) | Expr::In(..))
}

/// Prints `e`, in parentheses when `parens`.
fn wrapped(e: &Expr, parens: bool, out: &mut String) {
    if parens {
        out.push('(');
        print(e, out);
        out.push(')');
    } else {
        print(e, out);
    }
}

fn join(xs: &[Expr], sep: &str, parens: fn(&Expr) -> bool, out: &mut String) {
    for (k, x) in xs.iter().enumerate() {
        if k > 0 {
            out.push_str(sep);
        }
        wrapped(x, parens(x), out);
    }
}

fn format_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        // `Display` for f64 is the shortest round-tripping decimal, never
        // in exponent form
        format!("{n}")
    }
}

fn quote(s: &str, out: &mut String) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(a: &str) -> Box<Expr> {
        Box::new(Expr::Attr(a.into()))
    }

    fn s(x: &str) -> Expr {
        Expr::Str(x.into())
    }

    #[test]
    fn parses_the_documented_examples() {
        let e =
            parse_cel("resource.name.startsWith('projects/_/buckets/b/objects/public/')").unwrap();
        assert_eq!(
            e,
            Expr::Call(
                Func::StartsWith,
                vec![
                    Expr::Attr("resource.name".into()),
                    s("projects/_/buckets/b/objects/public/")
                ]
            )
        );
        let e = parse_cel(
            "request.time < timestamp(\"2026-01-01T00:00:00Z\") && resource.type == 'storage.googleapis.com/Bucket'",
        )
        .unwrap();
        assert_eq!(
            e,
            Expr::And(vec![
                Expr::Cmp(
                    CmpOp::Lt,
                    attr("request.time"),
                    Box::new(Expr::Call(Func::Timestamp, vec![s("2026-01-01T00:00:00Z")]))
                ),
                Expr::Cmp(
                    CmpOp::Eq,
                    attr("resource.type"),
                    Box::new(s("storage.googleapis.com/Bucket"))
                ),
            ])
        );
        let e =
            parse_cel("resource.matchTag('123/env', 'prod') || !resource.hasTagKey('123/team')")
                .unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![
                Expr::Call(Func::MatchTag, vec![s("123/env"), s("prod")]),
                Expr::Not(Box::new(Expr::Call(Func::HasTagKey, vec![s("123/team")]))),
            ])
        );
        let e = parse_cel("request.time.getHours('Europe/Berlin') >= 9").unwrap();
        assert_eq!(
            e,
            Expr::Cmp(
                CmpOp::Ge,
                Box::new(Expr::Call(
                    Func::GetHours,
                    vec![Expr::Attr("request.time".into()), s("Europe/Berlin")]
                )),
                Box::new(Expr::Num(9.0))
            )
        );
        let e = parse_cel(
            "resource.service in ['storage.googleapis.com', \"compute.googleapis.com\",]",
        )
        .unwrap();
        assert!(matches!(e, Expr::In(..)));
    }

    #[test]
    fn precedence() {
        // && binds tighter than ||; relations tighter than &&; ! tightest
        let e = parse_cel("true || false && !true == false").unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![
                Expr::Bool(true),
                Expr::And(vec![
                    Expr::Bool(false),
                    Expr::Cmp(
                        CmpOp::Eq,
                        Box::new(Expr::Not(Box::new(Expr::Bool(true)))),
                        Box::new(Expr::Bool(false))
                    ),
                ]),
            ])
        );
        let e = parse_cel("(true || false) && true").unwrap();
        assert!(matches!(e, Expr::And(ref xs) if matches!(xs[0], Expr::Or(_))));
        let e = parse_cel("(a_b || false)");
        assert!(e.is_err());
    }

    #[test]
    fn strings_and_numbers() {
        assert_eq!(
            parse_cel(r"'a\'b\\c\n\x41\u00e9\101'").unwrap(),
            s("a'b\\c\nAéA")
        );
        assert_eq!(parse_cel(r"r'a\n'").unwrap(), s("a\\n"));
        assert_eq!(parse_cel("'''x'y'''").unwrap(), s("x'y"));
        assert_eq!(parse_cel("-2.5e1").unwrap(), Expr::Num(-25.0));
        assert_eq!(parse_cel("7 // comment").unwrap(), Expr::Num(7.0));
    }

    fn err(text: &str) -> CelError {
        parse_cel(text).unwrap_err()
    }

    #[test]
    fn errors_name_their_column() {
        let e = err("resource.name.startsWith(");
        assert_eq!(e.column, 26, "{e}");
        assert!(e.message.contains("end of the expression"), "{e}");
        let e = err("request.auth.claims.email == 'x'");
        assert_eq!(e.column, 1);
        assert!(e.message.contains("`request.auth.claims.email`"), "{e}");
        let e = err("resource.name == 'a' && api.getAttribute('x', [])");
        assert_eq!(e.column, 25, "{e}");
        let e = err("destination.ip == '10.0.0.1'");
        assert_eq!(e.column, 1, "{e}");
        let e = err("resource.name.matches('x')");
        assert_eq!(e.column, 15, "{e}");
        assert!(e.message.contains("`matches`"));
        let e = err("resource.name == 'a' ? true : false");
        assert_eq!(e.column, 22);
        assert!(e.message.contains("conditional"));
        let e = err("resource.name = 'a'");
        assert_eq!(e.column, 15);
        assert!(e.message.contains("`==`"));
        let e = err("has(resource.name)");
        assert_eq!(e.column, 1);
        let e = err("'abc");
        assert!(e.message.contains("unterminated"), "{e}");
        assert_eq!(err("").message, "the condition expression is empty");
        assert!(err("timestamp('yesterday')").message.contains("RFC 3339"));
        assert!(err("duration('1 hour')").message.contains("duration"));
        assert!(
            err("resource.name.startsWith('a', 'b')")
                .message
                .contains("takes 1 argument")
        );
        assert!(
            err("resource.hasTagKey()")
                .message
                .contains("takes 1 argument")
        );
        assert!(
            err("resource.name.matchTag('a', 'b')")
                .message
                .contains("function of `resource`")
        );
        assert!(err("resource == 'x'").message.contains("alone"));
        assert!(err(&"(".repeat(500)).message.contains("nested too deeply"));
        assert_eq!(err("é == ").column, 1);
    }

    #[test]
    fn prints_parseable_text() {
        for text in [
            "resource.name.startsWith('projects/_/buckets/b/') && resource.type == 'storage.googleapis.com/Object'",
            "(true || false) && !(request.time.getDayOfWeek('Europe/Berlin') == 0)",
            "resource.matchTag('123/env', 'prod') || resource.hasTagKeyId('tagKeys/1')",
            "request.time < timestamp('2026-01-01T00:00:00Z') || 'a\\'b' in ['x', -1.5]",
            "(-1).size() == 1",
        ] {
            let e = parse_cel(text).unwrap();
            let printed = print_cel(&e);
            assert_eq!(parse_cel(&printed).unwrap(), e, "{text} → {printed}");
        }
    }

    /// Parses `text`, prints it and parses the print: the same tree.
    fn round_trips(text: &str) {
        let e = parse_cel(text).unwrap_or_else(|e| panic!("`{text}` parses: {e}"));
        let printed = print_cel(&e);
        match parse_cel(&printed) {
            Ok(back) => assert_eq!(back, e, "{text} → {printed}"),
            Err(err) => panic!("the print {printed} of {text} does not parse: {err}"),
        }
    }

    /// Fuzz-found (`cel_parser`): `!` costs one level of nesting and the
    /// printer wrote `!(x)`, two levels, so a chain of 33 `!` printed past
    /// the limit of 64 and did not parse again.
    #[test]
    fn deep_negation_chain_round_trips() {
        let text = format!("{}true", "!".repeat(33));
        round_trips(&text);
        assert_eq!(print_cel(&parse_cel(&text).unwrap()), text);
        // the deepest chain the parser takes, and one too deep
        round_trips(&format!("{}true", "!".repeat(MAX_DEPTH)));
        assert!(
            parse_cel(&format!("{}true", "!".repeat(MAX_DEPTH + 1)))
                .unwrap_err()
                .message
                .contains("too deeply")
        );
        // the printer adds parentheses only where the tree needs them, so
        // the print is never nested deeper than any text of the same tree
        let text = format!("{}(true || false){}", "!(".repeat(31), ")".repeat(31));
        round_trips(&text);
        assert_eq!(
            print_cel(&parse_cel(&text).unwrap()),
            format!("{}(true || false)", "!".repeat(31))
        );
    }

    /// The same bug's relatives: a left-nested chain of comparisons and `&&`
    /// under `||` need no parentheses in the input, and printed with them
    /// they went past the limit too.
    #[test]
    fn long_comparison_chains_and_mixed_connectives_round_trip() {
        round_trips(&format!("true{}", " == true".repeat(100)));
        round_trips(&format!("1{}", " in [1] < 2".repeat(40)));
        let k = MAX_DEPTH - 1;
        round_trips(&format!(
            "{}true{}",
            "true || true && (".repeat(k),
            ")".repeat(k)
        ));
        assert_eq!(
            print_cel(&parse_cel("true || false && true == true == false").unwrap()),
            "true || false && true == true == false"
        );
        assert_eq!(
            print_cel(&parse_cel("(true || false) && (true == (true == false))").unwrap()),
            "(true || false) && true == (true == false)"
        );
        assert_eq!(
            print_cel(&parse_cel("!(true) == !(true && false)").unwrap()),
            "!true == !(true && false)"
        );
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn leaf() -> impl Strategy<Value = Expr> {
            prop_oneof![
                any::<String>().prop_map(Expr::Str),
                "[a-z/'\\\"\\n ]{0,8}".prop_map(Expr::Str),
                (-1000i64..1000).prop_map(|n| Expr::Num(n as f64)),
                any::<f64>()
                    .prop_filter("finite", |n| n.is_finite())
                    .prop_map(Expr::Num),
                any::<bool>().prop_map(Expr::Bool),
                proptest::sample::select(ATTRIBUTES.to_vec())
                    .prop_map(|a| Expr::Attr(a.to_owned())),
            ]
        }

        fn getter() -> impl Strategy<Value = Func> {
            proptest::sample::select(vec![
                Func::GetHours,
                Func::GetMinutes,
                Func::GetSeconds,
                Func::GetDayOfWeek,
                Func::GetDayOfMonth,
                Func::GetDate,
                Func::GetDayOfYear,
                Func::GetMonth,
                Func::GetFullYear,
            ])
        }

        fn cmp() -> impl Strategy<Value = CmpOp> {
            proptest::sample::select(vec![
                CmpOp::Eq,
                CmpOp::Ne,
                CmpOp::Lt,
                CmpOp::Le,
                CmpOp::Gt,
                CmpOp::Ge,
            ])
        }

        /// Random trees in the subset (every call with its arity, `&&`/`||`
        /// with two or more operands).
        pub fn subset_expr() -> impl Strategy<Value = Expr> {
            leaf().prop_recursive(5, 48, 4, |inner| {
                let b = |e: Expr| Box::new(e);
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Expr::List),
                    inner.clone().prop_map(move |e| Expr::Not(b(e))),
                    prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
                    prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
                    (cmp(), inner.clone(), inner.clone()).prop_map(move |(op, x, y)| Expr::Cmp(
                        op,
                        b(x),
                        b(y)
                    )),
                    (inner.clone(), inner.clone()).prop_map(move |(x, y)| Expr::In(b(x), b(y))),
                    (
                        proptest::sample::select(vec![
                            Func::StartsWith,
                            Func::EndsWith,
                            Func::Contains
                        ]),
                        inner.clone(),
                        inner.clone()
                    )
                        .prop_map(|(f, x, y)| Expr::Call(f, vec![x, y])),
                    (getter(), prop::collection::vec(inner.clone(), 1..3))
                        .prop_map(|(f, xs)| Expr::Call(f, xs)),
                    inner.clone().prop_map(|x| Expr::Call(Func::Size, vec![x])),
                    proptest::sample::select(vec![
                        "2026-01-01T00:00:00Z",
                        "2025-06-30T23:59:59.5+02:00"
                    ])
                    .prop_map(|t| Expr::Call(Func::Timestamp, vec![Expr::Str(t.into())])),
                    proptest::sample::select(vec!["1h", "3600s", "1.5h", "-30m", "100ms"])
                        .prop_map(|d| Expr::Call(Func::Duration, vec![Expr::Str(d.into())])),
                    (inner.clone(), inner.clone())
                        .prop_map(|(k, v)| Expr::Call(Func::MatchTag, vec![k, v])),
                    (inner.clone(), inner.clone())
                        .prop_map(|(k, v)| Expr::Call(Func::MatchTagId, vec![k, v])),
                    inner
                        .clone()
                        .prop_map(|k| Expr::Call(Func::HasTagKey, vec![k])),
                    inner.prop_map(|k| Expr::Call(Func::HasTagKeyId, vec![k])),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn print_then_parse_is_identity(e in subset_expr()) {
                let text = print_cel(&e);
                let back = parse_cel(&text);
                prop_assert_eq!(back.as_ref(), Ok(&e), "printed as {}", text);
            }

            /// Nesting near the depth limit (`!`, `!(`, `(`, relation
            /// chains, `||` over `&&`): whatever parses, its print parses
            /// back to the same tree.
            #[test]
            fn deep_texts_round_trip(
                ops in prop::collection::vec(
                    prop_oneof![4 => Just(0usize), 2 => Just(1), 2 => Just(2), 3 => 3..7usize],
                    0..120,
                )
            ) {
                let mut text = String::new();
                let mut open = 0;
                for op in ops {
                    match op {
                        0 => text.push('!'),
                        1 => {
                            text.push('(');
                            open += 1;
                        }
                        2 => {
                            text.push_str("!(");
                            open += 1;
                        }
                        3 => text.push_str("true == "),
                        4 => text.push_str("true || "),
                        5 => text.push_str("true && "),
                        _ => text.push_str("['a'].size() in "),
                    }
                }
                text.push_str("true");
                for _ in 0..open {
                    text.push_str(") == true");
                }
                if let Ok(e) = parse_cel(&text) {
                    let printed = print_cel(&e);
                    let back = parse_cel(&printed);
                    prop_assert_eq!(back.as_ref(), Ok(&e), "{} printed as {}", text, printed);
                }
            }

            #[test]
            fn never_panics_on_random_text(s in "\\PC{0,40}") {
                let _ = parse_cel(&s);
            }

            #[test]
            fn never_panics_on_cel_like_text(s in "[a-z.()'\\[\\]!&|=<> ,0-9\\\\\"-]{0,40}") {
                if let Err(e) = parse_cel(&s) {
                    prop_assert!(e.column >= 1 && e.column <= s.chars().count() + 1);
                }
            }
        }
    }
}
