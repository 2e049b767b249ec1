//! SMT-LIB 2.6 rendering of terms, for snapshot tests and `--emit-smt`.
//!
//! [`to_smtlib`] prints a whole query: declarations sorted by name, then one
//! `assert` per term, then `(check-sat)`. The output is deterministic (it
//! depends only on the terms), uses the SMT-LIB 2.6 names of the string
//! theory (`str.in_re`, `str.to_re`, `re.all`, ...), and escapes every string
//! character outside printable ASCII, and the backslash, as `\u{..}`.
//! z3 4.8.12 parses it (a test feeds it back to z3).

use crate::regex::{ReKind, Regex};
use crate::term::{Kind, Sort, Term, Value, free_vars};
use std::fmt::{self, Write as _};

/// Writes a string literal: `"` doubled, printable ASCII as is, everything
/// else (and `\`) as `\u{hex}`.
pub(crate) fn write_str_lit(f: &mut dyn fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\"\"")?,
            '\\' => f.write_str("\\u{5c}")?,
            ' '..='~' => f.write_char(c)?,
            _ => write!(f, "\\u{{{:x}}}", u32::from(c))?,
        }
    }
    f.write_char('"')
}

/// Whether `s` is an SMT-LIB simple symbol that is not a reserved word.
fn is_simple_symbol(s: &str) -> bool {
    const EXTRA: &str = "~!@$%^&*_-+=<>.?/";
    const RESERVED: [&str; 14] = [
        "_", "!", "as", "let", "exists", "forall", "match", "par", "assert", "true", "false",
        "not", "and", "or",
    ];
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let ok = |c: char| c.is_ascii_alphanumeric() || EXTRA.contains(c);
    ok(first) && !first.is_ascii_digit() && chars.all(ok) && !RESERVED.contains(&s)
}

/// Writes a symbol, quoting it with `|..|` when needed. `|` and `\` cannot
/// appear in a quoted symbol; they are written as `_` (the rendering is then
/// lossy, which only matters for names nobody should use).
pub(crate) fn write_symbol(f: &mut dyn fmt::Write, name: &str) -> fmt::Result {
    if is_simple_symbol(name) {
        return f.write_str(name);
    }
    f.write_char('|')?;
    for c in name.chars() {
        f.write_char(if c == '|' || c == '\\' { '_' } else { c })?;
    }
    f.write_char('|')
}

pub(crate) fn write_value(f: &mut dyn fmt::Write, v: &Value) -> fmt::Result {
    match v {
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i) if *i < 0 => write!(f, "(- {})", i.unsigned_abs()),
        Value::Int(i) => write!(f, "{i}"),
        Value::Str(s) => write_str_lit(f, s),
        Value::BitVec { width, bits } => {
            if width % 4 == 0 {
                let digits = (*width / 4) as usize;
                write!(f, "#x{bits:0digits$x}")
            } else {
                let digits = *width as usize;
                write!(f, "#b{bits:0digits$b}")
            }
        }
    }
}

pub(crate) fn write_regex(f: &mut dyn fmt::Write, r: &Regex) -> fmt::Result {
    let list = |f: &mut dyn fmt::Write, op: &str, rs: &[Regex]| -> fmt::Result {
        write!(f, "({op}")?;
        for r in rs {
            f.write_char(' ')?;
            write_regex(f, r)?;
        }
        f.write_char(')')
    };
    match r.kind() {
        _ if r.is_all() => f.write_str("re.all"),
        ReKind::None => f.write_str("re.none"),
        ReKind::Lit(s) => {
            f.write_str("(str.to_re ")?;
            write_str_lit(f, s)?;
            f.write_char(')')
        }
        ReKind::Range(lo, hi) => {
            f.write_str("(re.range ")?;
            write_str_lit(f, &lo.to_string())?;
            f.write_char(' ')?;
            write_str_lit(f, &hi.to_string())?;
            f.write_char(')')
        }
        ReKind::Union(rs) => list(f, "re.union", rs),
        ReKind::Concat(rs) => list(f, "re.++", rs),
        ReKind::Star(r) => list(f, "re.*", std::slice::from_ref(r)),
        ReKind::Plus(r) => list(f, "re.+", std::slice::from_ref(r)),
    }
}

pub(crate) fn write_term(f: &mut dyn fmt::Write, t: &Term) -> fmt::Result {
    let app = |f: &mut dyn fmt::Write, op: &str, args: &[&Term]| -> fmt::Result {
        write!(f, "({op}")?;
        for a in args {
            f.write_char(' ')?;
            write_term(f, a)?;
        }
        f.write_char(')')
    };
    match t.kind() {
        Kind::Const(v) => write_value(f, v),
        Kind::Var(v) => write_symbol(f, v.name()),
        Kind::Not(a) => app(f, "not", &[a]),
        Kind::And(ts) => app(f, "and", &ts.iter().collect::<Vec<_>>()),
        Kind::Or(ts) => app(f, "or", &ts.iter().collect::<Vec<_>>()),
        Kind::Implies(a, b) => app(f, "=>", &[a, b]),
        Kind::Ite(c, a, b) => app(f, "ite", &[c, a, b]),
        Kind::Eq(a, b) => app(f, "=", &[a, b]),
        Kind::Distinct(ts) => app(f, "distinct", &ts.iter().collect::<Vec<_>>()),
        Kind::Lt(a, b) => app(f, "<", &[a, b]),
        Kind::Le(a, b) => app(f, "<=", &[a, b]),
        Kind::Add(ts) => app(f, "+", &ts.iter().collect::<Vec<_>>()),
        Kind::Sub(a, b) => app(f, "-", &[a, b]),
        Kind::PrefixOf(a, b) => app(f, "str.prefixof", &[a, b]),
        Kind::SuffixOf(a, b) => app(f, "str.suffixof", &[a, b]),
        Kind::Contains(a, b) => app(f, "str.contains", &[a, b]),
        Kind::InRe(s, r) => {
            f.write_str("(str.in_re ")?;
            write_term(f, s)?;
            f.write_char(' ')?;
            write_regex(f, r)?;
            f.write_char(')')
        }
        Kind::BvUlt(a, b) => app(f, "bvult", &[a, b]),
        Kind::BvUle(a, b) => app(f, "bvule", &[a, b]),
        Kind::Extract { hi, lo, arg } => app(f, &format!("(_ extract {hi} {lo})"), &[arg]),
    }
}

impl fmt::Display for Term {
    /// The term in SMT-LIB notation (no declarations).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_term(f, self)
    }
}

/// Renders a query as an SMT-LIB 2.6 script: `(set-logic ALL)`, one
/// `declare-const` per free variable sorted by name, one `assert` per term,
/// `(check-sat)`. A name declared with two sorts is declared twice (and the
/// solver backend refuses such a query).
pub fn to_smtlib(assertions: &[Term]) -> String {
    let mut out = String::from("(set-logic ALL)\n");
    let mut decls: Vec<(String, Sort)> = match free_vars(assertions) {
        Ok(vars) => vars
            .values()
            .map(|v| (v.name().to_owned(), v.sort()))
            .collect(),
        Err((a, b)) => {
            let mut all: Vec<(String, Sort)> = free_vars_lossy(assertions);
            all.push((a.name().to_owned(), a.sort()));
            all.push((b.name().to_owned(), b.sort()));
            all
        }
    };
    decls.sort();
    decls.dedup();
    // Writing into a String cannot fail.
    for (name, sort) in &decls {
        out.push_str("(declare-const ");
        let _ = write_symbol(&mut out, name);
        let _ = writeln!(out, " {sort})");
    }
    for t in assertions {
        out.push_str("(assert ");
        let _ = write_term(&mut out, t);
        out.push_str(")\n");
    }
    out.push_str("(check-sat)\n");
    out
}

fn free_vars_lossy(ts: &[Term]) -> Vec<(String, Sort)> {
    ts.iter()
        .flat_map(|t| t.vars().into_values())
        .map(|v| (v.name().to_owned(), v.sort()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{glob_to_regex, ip_in_cidr};
    use iamx_model::{Case, Cidr, Pattern};

    #[test]
    fn statement_like_query() {
        let action = Term::named("action", Sort::String);
        let resource = Term::named("resource", Sort::String);
        let ip = Term::named("aws:SourceIp", Sort::BitVec(32));
        let now = Term::named("aws:CurrentTime", Sort::Int);
        let secure = Term::named("aws:SecureTransport", Sort::Bool);
        let get = Pattern::glob("s3:Get*Acl", Case::Insensitive);
        let re = glob_to_regex(&get).unwrap();
        let cidr = Cidr::parse("10.1.0.0/16").unwrap();
        let q = [
            Term::in_re(action, re),
            Term::and([
                Term::prefix_of(Term::string("arn:aws:s3:::logs/"), resource),
                ip_in_cidr(&ip, cidr),
                Term::lt(now, Term::int(1_767_225_600_000)),
                Term::not(secure),
            ]),
        ];
        insta::assert_snapshot!(to_smtlib(&q), @r#"
        (set-logic ALL)
        (declare-const action String)
        (declare-const |aws:CurrentTime| Int)
        (declare-const |aws:SecureTransport| Bool)
        (declare-const |aws:SourceIp| (_ BitVec 32))
        (declare-const resource String)
        (assert (str.in_re action (re.++ (str.to_re "s3:get") re.all (str.to_re "acl"))))
        (assert (and (str.prefixof "arn:aws:s3:::logs/" resource) (= ((_ extract 31 16) |aws:SourceIp|) #x0a01) (< |aws:CurrentTime| 1767225600000) (not |aws:SecureTransport|)))
        (check-sat)
        "#);
    }

    #[test]
    fn escaping_and_quoting() {
        let q = [
            Term::equal(
                Term::named("name with space", Sort::String),
                Term::string("q\"b\\s é\n😀"),
            ),
            Term::equal(Term::named("a|b", Sort::Int), Term::int(-7)),
            Term::equal(Term::named("and", Sort::BitVec(3)), Term::bitvec(3, 5)),
        ];
        insta::assert_snapshot!(to_smtlib(&q), @r#"
        (set-logic ALL)
        (declare-const |and| (_ BitVec 3))
        (declare-const |a_b| Int)
        (declare-const |name with space| String)
        (assert (= |name with space| "q""b\u{5c}s \u{e9}\u{a}\u{1f600}"))
        (assert (= |a_b| (- 7)))
        (assert (= |and| #b101))
        (check-sat)
        "#);
    }

    #[test]
    fn regex_forms() {
        let s = Term::named("s", Sort::String);
        let re = Regex::union([
            Regex::lit_ci("Ab-"),
            Regex::plus(Regex::range('0', '9')),
            Regex::star(Regex::lit("xy")),
            Regex::concat([Regex::any_char(), Regex::lit("\\")]),
        ]);
        insta::assert_snapshot!(Term::in_re(s.clone(), re).to_string(), @r#"(str.in_re s (re.union (re.++ (re.union (str.to_re "a") (str.to_re "A")) (re.union (str.to_re "b") (str.to_re "B")) (str.to_re "-")) (re.+ (re.range "0" "9")) (re.* (str.to_re "xy")) (re.++ (re.range "\u{0}" "\u{2ffff}") (str.to_re "\u{5c}"))))"#);
        let empty = Term::in_re(s, Regex::concat([Regex::lit("a"), Regex::none()]));
        insta::assert_snapshot!(empty.to_string(), @"false");
    }
}
