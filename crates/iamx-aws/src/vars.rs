//! Policy variables inside strings, parsed with nom per
//! `grammars/aws-policy-variable.ebnf`.
//!
//! `${aws:username}` refers to a request value, `${aws:username, 'none'}` gives
//! a default, and `${*}`, `${?}`, `${$}` stand for literal `*`, `?`, `$`.
//! Outside a variable, `*` and `?` are wildcards where the element allows them
//! (Resource, StringLike, Arn*) and literal elsewhere (StringEquals).

use iamx_model::{Case, Pattern, Seg, Var};
use nom::IResult;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, multispace0};
use nom::combinator::{map, opt};
use nom::sequence::{delimited, preceded, tuple};

/// One piece of a string with variables.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Escaped(char),
    Var(&'a str, Option<&'a str>),
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '-' | '_' | '.' | '@' | '+' | '=')
}

fn escape(i: &str) -> IResult<&str, Piece<'_>> {
    map(
        delimited(tag("${"), alt((char('*'), char('?'), char('$'))), char('}')),
        Piece::Escaped,
    )
    .parse(i)
}

fn default_value(i: &str) -> IResult<&str, &str> {
    preceded(
        tuple((multispace0, char(','), multispace0)),
        delimited(char('\''), take_while(|c| c != '\''), char('\'')),
    )
    .parse(i)
}

fn variable(i: &str) -> IResult<&str, Piece<'_>> {
    // no white space inside `${ }` except around the default's comma
    let (i, _) = tag("${")(i)?;
    let (i, key) = take_while1(is_key_char)(i)?;
    let (i, default) = opt(default_value).parse(i)?;
    let (i, _) = char('}')(i)?;
    Ok((i, Piece::Var(key, default)))
}

fn text(i: &str) -> IResult<&str, Piece<'_>> {
    // a run up to the next `$` (a lone `$` not starting `${` is text too)
    let (i2, t) = take_while1(|c| c != '$')(i)?;
    Ok((i2, Piece::Text(t)))
}

/// Why a string's variables could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed policy variable at character {column} of `{text}`: {message}")]
pub struct VarError {
    /// The whole string.
    pub text: String,
    /// 1-based character position of the `${` that failed.
    pub column: usize,
    /// What is wrong.
    pub message: &'static str,
}

fn pieces(s: &str) -> Result<Vec<Piece<'_>>, VarError> {
    let mut out = Vec::new();
    let mut i = s;
    while !i.is_empty() {
        if let Ok((r, p)) = alt((escape, variable, text)).parse(i) {
            out.push(p);
            i = r;
            continue;
        }
        if i.starts_with("${") {
            let column = s.len() - i.len();
            let column = s.get(..column).map_or(column, |p| p.chars().count()) + 1;
            let message = if !i.contains('}') {
                "unterminated `${` (expected `}`)"
            } else {
                "expected a key such as `aws:username`, optionally followed by `, 'default'`"
            };
            return Err(VarError {
                text: s.to_owned(),
                column,
                message,
            });
        }
        // a `$` that does not open a variable is literal
        let (head, tail) = i.split_at(1);
        out.push(Piece::Text(head));
        i = tail;
    }
    Ok(out)
}

/// How a string is read into a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatternSyntax {
    /// `*` and `?` are wildcards.
    pub wildcards: bool,
    /// `${...}` are policy variables (policy version 2012-10-17).
    pub variables: bool,
    /// Case sensitivity of the literal parts.
    pub case: Case,
}

/// Parses `s` into a pattern.
pub fn parse_pattern(s: &str, syntax: PatternSyntax) -> Result<Pattern, VarError> {
    let mut segs = Vec::new();
    let push_text = |segs: &mut Vec<Seg>, t: &str| {
        if !syntax.wildcards {
            segs.push(Seg::Lit(t.to_owned()));
            return;
        }
        iamx_model::pattern::push_glob(segs, t, false);
    };
    if !syntax.variables || !s.contains("${") {
        push_text(&mut segs, s);
        return Ok(Pattern::new(segs, syntax.case, s));
    }
    for p in pieces(s)? {
        match p {
            Piece::Text(t) => push_text(&mut segs, t),
            Piece::Escaped(c) => segs.push(Seg::Lit(c.to_string())),
            Piece::Var(key, default) => segs.push(Seg::Var(Var {
                key: key.to_owned(),
                default: default.map(str::to_owned),
            })),
        }
    }
    Ok(Pattern::new(segs, syntax.case, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RES: PatternSyntax = PatternSyntax {
        wildcards: true,
        variables: true,
        case: Case::Sensitive,
    };

    #[test]
    fn variables_and_escapes() {
        let p = parse_pattern("arn:aws:s3:::b/${aws:username}/${*}x*", RES).unwrap();
        assert_eq!(
            p.segs(),
            &[
                Seg::Lit("arn:aws:s3:::b/".into()),
                Seg::Var(Var {
                    key: "aws:username".into(),
                    default: None
                }),
                Seg::Lit("/*x".into()),
                Seg::Star,
            ]
        );
        let d = parse_pattern("${aws:PrincipalTag/team , 'none'}", RES).unwrap();
        assert_eq!(
            d.segs(),
            &[Seg::Var(Var {
                key: "aws:PrincipalTag/team".into(),
                default: Some("none".into())
            })]
        );
        assert_eq!(
            parse_pattern("a$b", RES).unwrap().segs(),
            &[Seg::Lit("a$b".into())]
        );
        let e = parse_pattern("home/${aws:username", RES).unwrap_err();
        assert_eq!(e.column, 6);
        assert!(e.message.contains("unterminated"));
        let lit = parse_pattern(
            "${aws:username}",
            PatternSyntax {
                variables: false,
                ..RES
            },
        )
        .unwrap();
        assert_eq!(lit.as_literal(), Some("${aws:username}"));
        // white space inside the braces is an error, as the grammar says
        assert!(parse_pattern("${ aws:username}", RES).is_err());
        assert!(parse_pattern("${aws:username }", RES).is_err());
    }
}
