//! Azure ABAC role-assignment conditions (`conditionVersion` 2.0), parsed
//! with nom per `grammars/azure-abac.ebnf`, and printed back.
//!
//! The grammar follows Microsoft's "Azure role assignment condition format
//! and syntax": `AND`/`OR`/`NOT` (also `&&`, `||`, `!`; keywords in any
//! case), parentheses, `ActionMatches{'…'}`, `SubOperationMatches{'…'}`,
//! `Exists`/`NotExists @Attr`, and comparisons `operand [Quantifier:]Operator
//! operand` where an operand is an attribute (`@Resource[…]`, `@Request[…]`,
//! `@Principal[…]`, `@Environment[…]`), a quoted string, a number, a boolean,
//! a bare GUID or date-time, or a set `{…}` of those.
//!
//! Two rules worth knowing:
//! - Microsoft documents that mixing `AND` and `OR` at one level (`a AND b OR
//!   c`) is ambiguous and must be parenthesised; iamx rejects it rather than
//!   pick a precedence.
//! - Bare (unquoted) GUIDs and date-times, as Microsoft's own built-in roles
//!   write them (`GuidEquals {8b9dfcab4b774632a6df94bd07820648, …}`), are read
//!   as strings. A bare GUID of 32 hex digits is read in its hyphenated form
//!   (`8b9dfcab-4b77-4632-a6df-94bd07820648`): the model's `GuidEquals`
//!   compares text, and requests carry the hyphenated form. It needs at least
//!   one hex letter; 32 decimal digits read as a number.
//!
//! [`print_abac`] writes any expression [`parse_abac`] can produce back as
//! ABAC text, so that `parse_abac(&print_abac(&e)) == Ok(e)`.

use iamx_model::expr::{AzOp, Expr, Quantifier};
use iamx_model::{Case, Pattern};
use nom::IResult;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::multispace0;
use nom::error::{ErrorKind, ParseError};
use std::fmt::Write as _;

/// Why a condition could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct AbacError {
    /// Lowercase, one line; condition text in backticks.
    pub message: String,
    /// 1-based character position in the condition text (a newline counts
    /// as one character).
    pub column: usize,
    /// Whether the text is valid ABAC that iamx cannot represent yet
    /// (none today), as opposed to malformed text.
    pub unsupported: bool,
}

/// How deep `(`, `!` and `NOT` may nest (protects the stack).
const MAX_DEPTH: usize = 128;

const QUANTIFIERS: [Quantifier; 4] = [
    Quantifier::ForAnyOfAnyValues,
    Quantifier::ForAllOfAnyValues,
    Quantifier::ForAnyOfAllValues,
    Quantifier::ForAllOfAllValues,
];

const SOURCES: [&str; 4] = ["Resource", "Request", "Principal", "Environment"];

#[derive(Debug)]
struct PErr<'a> {
    at: &'a str,
    msg: Option<String>,
    unsupported: bool,
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr {
            at: input,
            msg: None,
            unsupported: false,
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type R<'a, T> = IResult<&'a str, T, PErr<'a>>;

fn fail<'a, T>(at: &'a str, msg: impl Into<String>) -> R<'a, T> {
    Err(nom::Err::Failure(PErr {
        at,
        msg: Some(msg.into()),
        unsupported: false,
    }))
}

fn ws(i: &str) -> R<'_, &str> {
    multispace0(i)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_bare_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '+' | '-')
}

/// The next ASCII-letter word, if the input starts with one that is not
/// followed by a digit or `_` (so `NOT` matches in `NOT(` but not in `NOT_x`).
fn word(i: &str) -> Option<(&str, &str)> {
    let end = i
        .char_indices()
        .find(|(_, c)| !c.is_ascii_alphabetic())
        .map_or(i.len(), |(n, _)| n);
    if end == 0 {
        return None;
    }
    let (w, rest) = i.split_at(end);
    if rest.chars().next().is_some_and(is_word_char) {
        return None;
    }
    Some((w, rest))
}

/// A short rendering of what stands at `at`, for messages.
fn snippet(at: &str) -> String {
    let t = at.trim_start();
    let Some(first) = t.chars().next() else {
        return "the end of the condition".to_owned();
    };
    let tok: String = if is_bare_char(first) || first == '@' {
        t.chars()
            .take_while(|c| is_bare_char(*c) || *c == '@')
            .take(40)
            .collect()
    } else {
        first.to_string()
    };
    format!("`{tok}`")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Conn {
    And,
    Or,
}

impl Conn {
    fn name(self) -> &'static str {
        match self {
            Conn::And => "AND",
            Conn::Or => "OR",
        }
    }
}

fn connector(i: &str) -> Option<(&str, Conn)> {
    if let Some(r) = i.strip_prefix("&&") {
        return Some((r, Conn::And));
    }
    if let Some(r) = i.strip_prefix("||") {
        return Some((r, Conn::Or));
    }
    let (w, r) = word(i)?;
    if w.eq_ignore_ascii_case("and") {
        Some((r, Conn::And))
    } else if w.eq_ignore_ascii_case("or") {
        Some((r, Conn::Or))
    } else {
        None
    }
}

/// Whether `s` has the shape of a GUID: `8-4-4-4-12` hex digits, or 32 hex
/// digits with at least one letter.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() == 36 {
        return b.iter().enumerate().all(|(n, c)| {
            if matches!(n, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    }
    b.len() == 32 && b.iter().all(u8::is_ascii_hexdigit) && b.iter().any(u8::is_ascii_alphabetic)
}

/// A GUID in its 8-4-4-4-12 form (32 bare hex digits get their hyphens;
/// case is kept).
pub(crate) fn hyphenated(g: &str) -> String {
    if g.len() != 32 {
        return g.to_owned();
    }
    let mut out = String::with_capacity(36);
    for (n, c) in g.chars().enumerate() {
        if matches!(n, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c);
    }
    out
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match t.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()))
}

fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b.iter().take(4).all(u8::is_ascii_digit)
        && b.get(4) == Some(&b'-')
        && iamx_model::value::parse_date(s).is_some()
}

/// Reads a bare (unquoted) literal: a boolean, a GUID, a number or a date-time.
fn bare_literal(w: &str) -> Option<Expr> {
    if w.eq_ignore_ascii_case("true") {
        Some(Expr::Bool(true))
    } else if w.eq_ignore_ascii_case("false") {
        Some(Expr::Bool(false))
    } else if is_number(w) {
        w.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Expr::Num)
    } else if is_guid(w) {
        Some(Expr::Str(hyphenated(w)))
    } else if is_datetime(w) {
        Some(Expr::Str(w.to_owned()))
    } else {
        None
    }
}

struct P<'s> {
    src: &'s str,
}

impl<'s> P<'s> {
    fn col(&self, at: &str) -> usize {
        let off = self.src.len().saturating_sub(at.len());
        self.src.get(..off).map_or(off, |p| p.chars().count()) + 1
    }

    fn expr(&self, i: &'s str, depth: usize) -> R<'s, Expr> {
        if depth > MAX_DEPTH {
            return fail(i, "condition nested too deeply");
        }
        let (mut i, first) = self.unary(i, depth)?;
        let mut items = vec![first];
        let mut kind: Option<Conn> = None;
        loop {
            let (j, _) = ws(i)?;
            let Some((k, conn)) = connector(j) else {
                break;
            };
            match kind {
                None => kind = Some(conn),
                Some(prev) if prev != conn => {
                    return fail(
                        j,
                        format!(
                            "`{}` after `{}` at the same level is ambiguous: add parentheses, as in `(a AND b) OR c` or `a AND (b OR c)`",
                            conn.name(),
                            prev.name()
                        ),
                    );
                }
                Some(_) => {}
            }
            let (k, _) = ws(k)?;
            if k.is_empty() || k.starts_with(')') {
                return fail(
                    k,
                    format!(
                        "expected a condition after `{}`, found {}",
                        conn.name(),
                        snippet(k)
                    ),
                );
            }
            let (k, e) = self.unary(k, depth)?;
            items.push(e);
            i = k;
        }
        let e = match kind {
            None => items.pop().unwrap_or(Expr::Bool(true)),
            Some(Conn::And) => Expr::And(items),
            Some(Conn::Or) => Expr::Or(items),
        };
        Ok((i, e))
    }

    fn unary(&self, i: &'s str, depth: usize) -> R<'s, Expr> {
        if depth > MAX_DEPTH {
            return fail(i, "condition nested too deeply");
        }
        let (i, _) = ws(i)?;
        if let Some(r) = i.strip_prefix('!') {
            let (r, e) = self.unary(r, depth + 1)?;
            return Ok((r, Expr::Not(Box::new(e))));
        }
        if let Some((w, r)) = word(i)
            && w.eq_ignore_ascii_case("not")
        {
            let (r, _) = ws(r)?;
            if r.is_empty() {
                return fail(r, "expected a condition after `NOT`");
            }
            let (r, e) = self.unary(r, depth + 1)?;
            return Ok((r, Expr::Not(Box::new(e))));
        }
        self.primary(i, depth)
    }

    fn primary(&self, i: &'s str, depth: usize) -> R<'s, Expr> {
        if let Some(inner) = i.strip_prefix('(') {
            let (r, e) = self.expr(inner, depth + 1)?;
            let (r, _) = ws(r)?;
            if let Some(r) = r.strip_prefix(')') {
                return Ok((r, e));
            }
            if r.is_empty() {
                return fail(
                    i,
                    format!(
                        "unbalanced parentheses: `(` at column {} is never closed",
                        self.col(i)
                    ),
                );
            }
            return fail(
                r,
                format!("expected `)`, `AND` or `OR`, found {}", snippet(r)),
            );
        }
        if let Some((w, r)) = word(i) {
            if w.eq_ignore_ascii_case("ActionMatches") {
                let (r, s) = self.braced_string(r, "ActionMatches")?;
                return Ok((r, Expr::ActionMatches(Pattern::glob(&s, Case::Insensitive))));
            }
            if w.eq_ignore_ascii_case("SubOperationMatches") {
                let (r, s) = self.braced_string(r, "SubOperationMatches")?;
                return Ok((r, Expr::SubOperationMatches(s)));
            }
            if w.eq_ignore_ascii_case("Exists") || w.eq_ignore_ascii_case("NotExists") {
                let (r, _) = ws(r)?;
                if !r.starts_with('@') {
                    return fail(
                        r,
                        format!(
                            "expected an attribute such as `@Resource[…]` after `{w}`, found {}",
                            snippet(r)
                        ),
                    );
                }
                let (r, a) = self.attribute(r)?;
                let e = Expr::Exists(a);
                return Ok((
                    r,
                    if w.eq_ignore_ascii_case("Exists") {
                        e
                    } else {
                        Expr::Not(Box::new(e))
                    },
                ));
            }
            if r.trim_start().starts_with('{') {
                let lw = w.to_ascii_lowercase();
                let help = ["ActionMatches", "SubOperationMatches"]
                    .into_iter()
                    .find(|f| iamx_model::source::edit_distance(&f.to_ascii_lowercase(), &lw) <= 3)
                    .map_or_else(String::new, |f| format!(" (did you mean `{f}`?)"));
                return fail(
                    i,
                    format!(
                        "unknown function `{w}`{help}: expected `ActionMatches{{…}}` or `SubOperationMatches{{…}}`"
                    ),
                );
            }
        }
        self.comparison(i)
    }

    fn braced_string(&self, i: &'s str, what: &str) -> R<'s, String> {
        let (r, _) = ws(i)?;
        let Some(r) = r.strip_prefix('{') else {
            return fail(
                r,
                format!("expected `{{'…'}}` after `{what}`, found {}", snippet(r)),
            );
        };
        let (r, _) = ws(r)?;
        if !r.starts_with('\'') {
            return fail(
                r,
                format!(
                    "expected a quoted string in `{what}{{…}}`, found {}",
                    snippet(r)
                ),
            );
        }
        let (r, s) = self.string(r)?;
        let (r, _) = ws(r)?;
        match r.strip_prefix('}') {
            Some(r) => Ok((r, s)),
            None => fail(
                r,
                format!("expected `}}` to close `{what}{{…}}`, found {}", snippet(r)),
            ),
        }
    }

    fn comparison(&self, i: &'s str) -> R<'s, Expr> {
        let (r, lhs) = match self.operand(i) {
            Ok(x) => x,
            Err(nom::Err::Error(_)) => {
                return fail(
                    i,
                    format!(
                        "expected a condition (an attribute such as `@Resource[…]`, `ActionMatches{{…}}`, `Exists`, `NOT` or `(`), found {}",
                        snippet(i)
                    ),
                );
            }
            Err(e) => return Err(e),
        };
        let (r, _) = ws(r)?;
        let (r, (quantifier, op)) = self.operator(r)?;
        let (r, _) = ws(r)?;
        let (r, rhs) = match self.operand(r) {
            Ok(x) => x,
            Err(nom::Err::Error(_)) => {
                return fail(
                    r,
                    format!(
                        "expected a value after `{}`, found {}",
                        op.name(),
                        snippet(r)
                    ),
                );
            }
            Err(e) => return Err(e),
        };
        Ok((
            r,
            Expr::AzOp {
                op,
                quantifier,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
        ))
    }

    fn operator(&self, i: &'s str) -> R<'s, (Quantifier, AzOp)> {
        let expected = || {
            fail(
                i,
                format!(
                    "expected an operator such as `StringEquals`, found {}",
                    snippet(i)
                ),
            )
        };
        let Ok((r, w)) = take_while1::<_, _, PErr<'_>>(|c: char| c.is_ascii_alphabetic())(i) else {
            return expected();
        };
        if let Some(r2) = r.strip_prefix(':') {
            let Some(q) = QUANTIFIERS
                .into_iter()
                .find(|q| q.name().eq_ignore_ascii_case(w))
            else {
                return fail(
                    i,
                    format!(
                        "unknown quantifier `{w}` (expected `ForAnyOfAnyValues`, `ForAllOfAnyValues`, `ForAnyOfAllValues` or `ForAllOfAllValues`)"
                    ),
                );
            };
            let Ok((r3, w2)) = take_while1::<_, _, PErr<'_>>(|c: char| c.is_ascii_alphabetic())(r2)
            else {
                return fail(r2, format!("expected an operator after `{}:`", q.name()));
            };
            let op = self.op_name(r2, w2)?;
            return Ok((r3, (q, op)));
        }
        if QUANTIFIERS.iter().any(|q| q.name().eq_ignore_ascii_case(w)) {
            return fail(
                r,
                format!("expected `:` and an operator after `{w}`, as in `{w}:StringEquals`"),
            );
        }
        if r.chars().next().is_some_and(is_word_char) {
            return expected();
        }
        let op = self.op_name(i, w)?;
        Ok((r, (Quantifier::None, op)))
    }

    fn op_name(&self, at: &'s str, w: &str) -> Result<AzOp, nom::Err<PErr<'s>>> {
        if let Some(op) = AzOp::from_name(w) {
            return Ok(op);
        }
        let lw = w.to_ascii_lowercase();
        let best = AzOp::ALL
            .iter()
            .map(|o| {
                (
                    iamx_model::source::edit_distance(&o.name().to_ascii_lowercase(), &lw),
                    o.name(),
                )
            })
            .min();
        let help = match best {
            Some((d, name)) if d <= 3 => format!(" (did you mean `{name}`?)"),
            _ => String::new(),
        };
        Err(nom::Err::Failure(PErr {
            at,
            msg: Some(format!("unknown operator `{w}`{help}")),
            unsupported: false,
        }))
    }

    /// An attribute, a quoted string, a set, or a bare literal. `Error` (not
    /// `Failure`) when nothing here starts an operand.
    fn operand(&self, i: &'s str) -> R<'s, Expr> {
        if i.starts_with('@') {
            let (r, a) = self.attribute(i)?;
            return Ok((r, Expr::Attr(a)));
        }
        if i.starts_with('\'') {
            let (r, s) = self.string(i)?;
            return Ok((r, Expr::Str(s)));
        }
        if i.starts_with('{') {
            return self.set(i);
        }
        self.bare(i)
    }

    fn bare(&self, i: &'s str) -> R<'s, Expr> {
        let (r, w) = take_while1(is_bare_char)(i)?;
        match bare_literal(w) {
            Some(e) => Ok((r, e)),
            None => fail(
                i,
                format!(
                    "`{w}` is not a value: quote strings (`'{w}'`); bare values are numbers, `true`, `false`, GUIDs and date-times"
                ),
            ),
        }
    }

    fn attribute(&self, i: &'s str) -> R<'s, String> {
        let body = i.get(1..).unwrap_or_default();
        let (r, source) = take_while(|c: char| c.is_ascii_alphabetic())(body)?;
        if !SOURCES.iter().any(|s| s.eq_ignore_ascii_case(source)) {
            return fail(
                i,
                format!(
                    "unknown attribute source `@{source}` (expected `@Resource`, `@Request`, `@Principal` or `@Environment`)"
                ),
            );
        }
        let Some(inner) = r.strip_prefix('[') else {
            return fail(
                r,
                format!("expected `[` after `@{source}`, found {}", snippet(r)),
            );
        };
        let (r, name) = take_while(|c: char| c != ']' && c != '\n' && c != '\r')(inner)?;
        let Some(after) = r.strip_prefix(']') else {
            return fail(
                r,
                format!(
                    "unterminated attribute: `[` at column {} has no closing `]`",
                    self.col(inner) - 1
                ),
            );
        };
        if name.trim().is_empty() {
            return fail(inner, format!("empty attribute name in `@{source}[]`"));
        }
        let len = i.len() - after.len();
        Ok((after, i.get(..len).unwrap_or_default().to_owned()))
    }

    /// A single-quoted string: `\'` is a quote, `\\` a backslash, and any
    /// other `\x` is kept as written (`\*` and `\?` are `StringLike` escapes).
    fn string(&self, i: &'s str) -> R<'s, String> {
        let mut out = String::new();
        let mut chars = i.char_indices().skip(1);
        while let Some((n, c)) = chars.next() {
            match c {
                '\'' => return Ok((i.get(n + 1..).unwrap_or_default(), out)),
                '\\' => match chars.next() {
                    Some((_, '\'')) => out.push('\''),
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        fail(
            i,
            format!(
                "missing closing quote: the string starting at column {} is never closed",
                self.col(i)
            ),
        )
    }

    fn set(&self, i: &'s str) -> R<'s, Expr> {
        let mut items = Vec::new();
        let (mut r, _) = ws(i.get(1..).unwrap_or_default())?;
        if let Some(rest) = r.strip_prefix('}') {
            return Ok((rest, Expr::List(items)));
        }
        loop {
            let (r2, item) = if r.starts_with('\'') {
                let (r2, s) = self.string(r)?;
                (r2, Expr::Str(s))
            } else if r.is_empty() {
                return fail(
                    i,
                    format!(
                        "unterminated set: `{{` at column {} has no closing `}}`",
                        self.col(i)
                    ),
                );
            } else {
                match self.bare(r) {
                    Ok(x) => x,
                    Err(nom::Err::Error(_)) => {
                        return fail(
                            r,
                            format!("expected a value in the set, found {}", snippet(r)),
                        );
                    }
                    Err(e) => return Err(e),
                }
            };
            items.push(item);
            let (r3, _) = ws(r2)?;
            if let Some(rest) = r3.strip_prefix(',') {
                let (rest, _) = ws(rest)?;
                r = rest;
                continue;
            }
            if let Some(rest) = r3.strip_prefix('}') {
                return Ok((rest, Expr::List(items)));
            }
            if r3.is_empty() {
                return fail(
                    i,
                    format!(
                        "unterminated set: `{{` at column {} has no closing `}}`",
                        self.col(i)
                    ),
                );
            }
            return fail(
                r3,
                format!("expected `,` or `}}` in a set, found {}", snippet(r3)),
            );
        }
    }
}

/// Parses an ABAC condition (`conditionVersion` 2.0).
pub fn parse_abac(text: &str) -> Result<Expr, AbacError> {
    let p = P { src: text };
    let to_error = |e: PErr<'_>| AbacError {
        message: e
            .msg
            .unwrap_or_else(|| format!("unexpected {}", snippet(e.at))),
        column: p.col(e.at),
        unsupported: e.unsupported,
    };
    let start = text.trim_start();
    if start.is_empty() {
        return Err(AbacError {
            message: "empty condition".to_owned(),
            column: 1,
            unsupported: false,
        });
    }
    match p.expr(start, 0) {
        Ok((rest, e)) => {
            let rest = rest.trim_start();
            if rest.is_empty() {
                Ok(e)
            } else if rest.starts_with(')') {
                Err(AbacError {
                    message: format!(
                        "unbalanced parentheses: `)` at column {} has no matching `(`",
                        p.col(rest)
                    ),
                    column: p.col(rest),
                    unsupported: false,
                })
            } else {
                Err(AbacError {
                    message: format!(
                        "expected `AND`, `OR` or the end of the condition, found {}",
                        snippet(rest)
                    ),
                    column: p.col(rest),
                    unsupported: false,
                })
            }
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(to_error(e)),
        Err(nom::Err::Incomplete(_)) => Err(AbacError {
            message: "unexpected end of the condition".to_owned(),
            column: p.col(""),
            unsupported: false,
        }),
    }
}

fn quote(s: &str, out: &mut String) {
    out.push('\'');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("\\'"),
            // a backslash stays single unless the reader would take it and
            // the next character as an escape
            '\\' => match chars.peek() {
                None | Some('\'' | '\\') => out.push_str("\\\\"),
                Some(_) => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out.push('\'');
}

fn print_value(e: &Expr, guid_op: bool, out: &mut String) {
    match e {
        Expr::Str(s) if guid_op && s.len() == 36 && is_guid(s) => out.push_str(s),
        Expr::List(xs) => {
            out.push('{');
            for (n, x) in xs.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                print_value(x, guid_op, out);
            }
            out.push('}');
        }
        other => print_into(other, out),
    }
}

fn print_into(e: &Expr, out: &mut String) {
    match e {
        Expr::Str(s) => quote(s, out),
        Expr::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::List(_) => print_value(e, false, out),
        Expr::Attr(a) => out.push_str(a),
        // parentheses only where the tree needs them, so that the print is
        // never nested deeper than the text it came from (`!` and `(` each
        // cost a level of the parser's depth limit)
        Expr::Not(x) => match &**x {
            Expr::Exists(a) => {
                out.push_str("NotExists ");
                out.push_str(a);
            }
            Expr::And(_) | Expr::Or(_) => {
                out.push_str("!(");
                print_into(x, out);
                out.push(')');
            }
            _ => {
                out.push('!');
                print_into(x, out);
            }
        },
        Expr::And(xs) => join(xs, " AND ", out),
        Expr::Or(xs) => join(xs, " OR ", out),
        Expr::AzOp {
            op,
            quantifier,
            lhs,
            rhs,
        } => {
            print_value(lhs, false, out);
            out.push(' ');
            if *quantifier != Quantifier::None {
                out.push_str(quantifier.name());
                out.push(':');
            }
            out.push_str(op.name());
            out.push(' ');
            let guid_op = matches!(op, AzOp::GuidEquals | AzOp::GuidNotEquals);
            print_value(rhs, guid_op, out);
        }
        Expr::Exists(a) => {
            out.push_str("Exists ");
            out.push_str(a);
        }
        Expr::ActionMatches(p) => {
            out.push_str("ActionMatches{");
            quote(p.raw(), out);
            out.push('}');
        }
        Expr::SubOperationMatches(s) => {
            out.push_str("SubOperationMatches{");
            quote(s, out);
            out.push('}');
        }
        // CEL-only nodes have no ABAC form: the model's rendering stands in
        other @ (Expr::Cmp(..) | Expr::In(..) | Expr::Call(..)) => {
            let _ = write!(out, "{other}");
        }
    }
}

fn join(xs: &[Expr], sep: &str, out: &mut String) {
    for (n, x) in xs.iter().enumerate() {
        if n > 0 {
            out.push_str(sep);
        }
        if matches!(x, Expr::And(_) | Expr::Or(_)) {
            out.push('(');
            print_into(x, out);
            out.push(')');
        } else {
            print_into(x, out);
        }
    }
}

/// Prints an expression as ABAC text that [`parse_abac`] reads back to the
/// same expression. `AND`/`OR` operands that are themselves `AND`/`OR` are
/// parenthesised, `NOT` is written `!`, with parentheses only around an
/// `AND`/`OR`, and `NOT Exists` as `NotExists`; GUIDs on the right of
/// `GuidEquals`/`GuidNotEquals` are written bare as Microsoft writes them.
/// Every parenthesis and `!` of the print stands for one that any text of
/// the same expression has too, so whatever the parser took within its depth
/// limit it takes again.
/// Expressions the parser never produces (an `And` of fewer than two
/// operands, CEL-only nodes) print but do not read back to themselves.
pub fn print_abac(e: &Expr) -> String {
    let mut out = String::new();
    print_into(e, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(s: &str) -> Box<Expr> {
        Box::new(Expr::Attr(s.into()))
    }

    #[test]
    fn simple_storage_condition() {
        let text = "(\n (\n  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})\n )\n OR\n (\n  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'blobs-example-container'\n )\n)";
        let e = parse_abac(text).unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![
                Expr::Not(Box::new(Expr::ActionMatches(Pattern::glob(
                    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                    Case::Insensitive
                )))),
                Expr::AzOp {
                    op: AzOp::StringEquals,
                    quantifier: Quantifier::None,
                    lhs: attr(
                        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]"
                    ),
                    rhs: Box::new(Expr::Str("blobs-example-container".into())),
                },
            ])
        );
        assert_eq!(parse_abac(&print_abac(&e)).unwrap(), e);
    }

    #[test]
    fn built_in_shapes() {
        let e = parse_abac("@Resource[HasObotoken] boolequals true && (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {de754d53-652d-4c75-a67f-1e48d8b49c97, 6670b86ea3f74917ac9b5d6ab1be4567})").unwrap();
        let Expr::And(xs) = &e else { panic!("{e:?}") };
        assert_eq!(xs.len(), 2);
        assert!(matches!(
            &xs[1],
            Expr::AzOp { op: AzOp::GuidEquals, quantifier: Quantifier::ForAnyOfAnyValues, rhs, .. }
                if **rhs == Expr::List(vec![
                    Expr::Str("de754d53-652d-4c75-a67f-1e48d8b49c97".into()),
                    Expr::Str("6670b86e-a3f7-4917-ac9b-5d6ab1be4567".into()),
                ])
        ));
        assert_eq!(
            print_abac(&e),
            "@Resource[HasObotoken] BoolEquals true AND @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {de754d53-652d-4c75-a67f-1e48d8b49c97, 6670b86e-a3f7-4917-ac9b-5d6ab1be4567}"
        );
        let tag = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] ForAllOfAnyValues:StringEquals {'Cascade', 'Baker'}";
        let e = parse_abac(tag).unwrap();
        assert_eq!(print_abac(&e), tag);
    }

    #[test]
    fn exists_not_and_literals() {
        let e = parse_abac("NOT Exists @Request[x:snapshot] OR NotExists @Request[x:versionId] || @Environment[UtcNow] DateTimeGreaterThan 2023-05-01T13:00:00.000Z").unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![
                Expr::Not(Box::new(Expr::Exists("@Request[x:snapshot]".into()))),
                Expr::Not(Box::new(Expr::Exists("@Request[x:versionId]".into()))),
                Expr::AzOp {
                    op: AzOp::DateTimeGreaterThan,
                    quantifier: Quantifier::None,
                    lhs: attr("@Environment[UtcNow]"),
                    rhs: Box::new(Expr::Str("2023-05-01T13:00:00.000Z".into())),
                }
            ])
        );
        let n = parse_abac("{10, -20.5} ForAllOfAllValues:NumericLessThan {25, 30}").unwrap();
        assert!(
            matches!(n, Expr::AzOp { lhs, .. } if *lhs == Expr::List(vec![Expr::Num(10.0), Expr::Num(-20.5)]))
        );
        let s = parse_abac(r"@Resource[a:b] StringLike 'it\'s \*x\\'").unwrap();
        assert!(matches!(&s, Expr::AzOp { rhs, .. } if **rhs == Expr::Str(r"it's \*x\".into())));
        assert_eq!(parse_abac(&print_abac(&s)).unwrap(), s);
    }

    /// Parses `text`, prints it and parses the print: the same expression.
    fn round_trips(text: &str) -> String {
        let e = parse_abac(text).unwrap_or_else(|e| panic!("`{text}` parses: {e}"));
        let printed = print_abac(&e);
        match parse_abac(&printed) {
            Ok(back) => assert_eq!(back, e, "{text} → {printed}"),
            Err(err) => panic!("the print {printed} of {text} does not parse: {err}"),
        }
        printed
    }

    const LOGS: &str = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'";

    /// Fuzz-found (`abac_parser`): `!` costs one level of nesting and the
    /// printer wrote `!(x)`, two levels, so a chain of 65 `!` printed past
    /// the limit of 128 and did not parse again.
    #[test]
    fn deep_negation_chain_round_trips() {
        let text = format!("{}{LOGS}", "!".repeat(65));
        assert_eq!(round_trips(&text), text);
        // the deepest chain the parser takes, and one too deep
        round_trips(&format!("{}{LOGS}", "!".repeat(MAX_DEPTH)));
        assert!(
            err(&format!("{}{LOGS}", "!".repeat(MAX_DEPTH + 1)))
                .message
                .contains("too deeply")
        );
        // `NotExists` costs nothing, `NOT Exists` one level: printed as the former
        let text = format!("{}NotExists @Request[x:snapshot]", "!".repeat(MAX_DEPTH));
        assert_eq!(round_trips(&text), text);
        assert_eq!(
            round_trips("NOT Exists @Request[x:snapshot]"),
            "NotExists @Request[x:snapshot]"
        );
        // `NOT (…)` keeps its parentheses around `AND`/`OR` only
        let text = format!(
            "{}({LOGS} OR ActionMatches{{'a'}}){}",
            "NOT (".repeat(63),
            ")".repeat(63)
        );
        assert_eq!(
            round_trips(&text),
            format!("{}({LOGS} OR ActionMatches{{'a'}})", "!".repeat(63))
        );
    }

    fn err(text: &str) -> AbacError {
        parse_abac(text).unwrap_err()
    }

    #[test]
    fn errors_name_the_column() {
        let e = err("(@Resource[a:b] StringEquals 'x'");
        assert_eq!(e.column, 1);
        assert!(e.message.contains("never closed"), "{e}");
        let e = err("@Resource[a:b] StringEquals 'x')");
        assert_eq!(e.column, 32);
        assert!(e.message.contains("no matching `(`"), "{e}");
        let e = err("@Resource[a:b] StringEqualz 'x'");
        assert_eq!(e.column, 16);
        assert_eq!(
            e.message,
            "unknown operator `StringEqualz` (did you mean `StringEquals`?)"
        );
        let e = err("@Resource[a:b] StringEquals 'x");
        assert_eq!(e.column, 29);
        assert!(e.message.starts_with("missing closing quote"), "{e}");
        let e = err("@Resource[a:b] StringEquals 'x' AND @Resource[c] StringEquals 'y' OR true");
        assert!(e.message.contains("ambiguous"), "{e}");
        assert_eq!(e.column, 67);
        // every documented operator parses, the IgnoreCase forms of Like included
        for op in ["StringLikeIgnoreCase", "StringNotLikeIgnoreCase"] {
            let text = format!("@Resource[a:b] {op} 'x*'");
            assert_eq!(round_trips(&text), text);
        }
        let e = err("@Resource[a:b] StringEquals Cascade");
        assert!(e.message.contains("quote strings"), "{e}");
        assert_eq!(e.column, 29);
        let e = err("@Foo[a] StringEquals 'x'");
        assert!(e.message.contains("unknown attribute source"), "{e}");
        let e = err("@Resource[a StringEquals 'x'");
        assert!(e.message.contains("no closing `]`"), "{e}");
        assert_eq!(err("   ").message, "empty condition");
        let e = err("!(ActionMatch{'x'})");
        assert_eq!(e.column, 3);
        assert!(e.message.contains("did you mean `ActionMatches`"), "{e}");
        assert!(err(&"(".repeat(500)).message.contains("too deeply"));
        assert!(err(&"!".repeat(500)).message.contains("too deeply"));
    }
}
