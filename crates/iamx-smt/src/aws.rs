//! The symbolic encoding of an AWS authorization program.
//!
//! The encoding mirrors `iamx_model::evaluate` rule for rule, over a request
//! whose action (lowercased), resource and context keys are variables (or
//! constants, where the question fixes them). The caller is always concrete.
//!
//! Context keys become typed variables: `has:K` (present), `str:K`, `num:K`
//! (integers), `date:K` (epoch ms), `bool:K`, `ip:K` (IPv4 as 32 bits). Keys
//! iamx derives from the caller (`aws:username`, `aws:PrincipalArn`, …) and
//! keys the question fixes are constants. AWS always supplies
//! `aws:CurrentTime`, `aws:EpochTime` and `aws:SecureTransport`, so those
//! are present.
//!
//! What the encoding cannot express (set operators, IPv6 ranges, decimal
//! numbers, policy variables on unknown keys) becomes a fresh, unconstrained
//! Boolean named after the reason: an over-approximation in both directions,
//! so `Never` and `Always` stay sound, and a witness that leans on one is
//! caught when it is replayed through the concrete evaluator.

use crate::encode::{glob_to_regex, ip_in_cidr};
use crate::eval::Model;
use crate::regex::{MAX_CHAR, Regex};
use crate::term::{Sort, Term, Value as TValue};
use iamx_model::condition::ValueKind;
use iamx_model::{
    AwsClause, AwsOp, AwsProgram, CondValue, Condition, Context, Effect, Pattern, Policy,
    Principal, PrincipalKind, PrincipalMatch, ResourcePolicyKind, Scalar, Seg, SetQualifier,
    Statement, Value,
};
use std::collections::BTreeMap;
use std::net::IpAddr;

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
    /// As an IPv4 address.
    pub ip: bool,
}

/// The variable names of a key.
pub fn has_var(key_lc: &str) -> String {
    format!("has:{key_lc}")
}

fn typed(prefix: &str, key_lc: &str) -> String {
    format!("{prefix}:{key_lc}")
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
        let any = Term::or(
            st.action
                .patterns
                .iter()
                .map(|p| Term::matches_pattern(a.clone(), p).unwrap_or_else(|_| Term::ff())),
        );
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
        if c.qualifier != SetQualifier::Single {
            return self.free(format!("set operator in `{c}`"));
        }
        let has = self.has(&c.key_lc);
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
        let mut bases = Vec::new();
        for v in &c.values {
            let b = self.base(c, v);
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

    fn base(&mut self, c: &AwsClause, v: &CondValue) -> Term {
        let key = c.key_lc.clone();
        match (c.op.value_kind(), v) {
            (ValueKind::String | ValueKind::Binary, CondValue::Str(p)) => {
                self.key_use(&key).string = true;
                let s = Term::named(typed("str", &key), Sort::String);
                if matches!(
                    c.op,
                    AwsOp::StringEqualsIgnoreCase | AwsOp::StringNotEqualsIgnoreCase
                ) {
                    return match self.substitute(p) {
                        Subst::Pattern(q) => match q.as_literal() {
                            Some(l) => Term::in_re(s, Regex::lit_ci(l)),
                            None => {
                                self.free(format!("case-insensitive comparison with `{}`", p.raw()))
                            }
                        },
                        Subst::NoMatch => Term::ff(),
                        Subst::Unknown => {
                            self.free(format!("case-insensitive comparison with `{}`", p.raw()))
                        }
                    };
                }
                self.pattern_term(s, p, "condition value")
            }
            (ValueKind::Arn, CondValue::Str(p)) => {
                self.key_use(&key).string = true;
                let s = Term::named(typed("str", &key), Sort::String);
                match self.substitute(p) {
                    Subst::Pattern(q) if !p.has_vars() => Term::in_re(s, arn_regex(q.raw())),
                    Subst::NoMatch => Term::ff(),
                    _ => self.free(format!("ARN pattern `{}` with a policy variable", p.raw())),
                }
            }
            (ValueKind::Number, CondValue::Num(n)) => {
                if n.fract() != 0.0 || n.abs() > 9.0e15 {
                    return self.free(format!("decimal number {n} in `{c}`"));
                }
                self.key_use(&key).number = true;
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "integral and bounded, checked above"
                )]
                let k = Term::int(*n as i64);
                let x = Term::named(typed("num", &key), Sort::Int);
                cmp(c.op, x, k)
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
                if !matches!(cidr.addr, IpAddr::V4(_)) {
                    return self.free(format!("IPv6 range {cidr}"));
                }
                self.key_use(&key).ip = true;
                let x = Term::named(typed("ip", &key), Sort::BitVec(32));
                ip_in_cidr(&x, *cidr)
            }
            _ => self.free(format!("value `{v}` of `{c}`")),
        }
    }

    fn principal_match(&self, st: &Statement, scoped: bool) -> PrincipalMatch {
        match (&st.principal, scoped) {
            (Some(spec), true) => spec.matches(self.principal),
            _ => PrincipalMatch::Direct,
        }
    }

    /// (deny, allow-named, allow-direct, allow-account) of a set of policies.
    fn layer(&mut self, policies: &[std::sync::Arc<Policy>], scoped: bool) -> [Term; 4] {
        let mut deny = Vec::new();
        let (mut named, mut direct, mut account) = (Vec::new(), Vec::new(), Vec::new());
        for p in policies {
            for st in &p.statements {
                let pm = self.principal_match(st, scoped);
                if pm == PrincipalMatch::No {
                    continue;
                }
                let a = self.action_term(st);
                if a.as_bool() == Some(false) {
                    continue;
                }
                let r = self.resource_term(st);
                let c = self.condition(&st.condition);
                let t = Term::and([a, r, c]);
                match (st.effect, pm) {
                    (Effect::Deny, _) => deny.push(t),
                    (Effect::Allow, PrincipalMatch::Named) => named.push(t),
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
        ]
    }

    /// The term "the program allows the request" (not denied, every gate
    /// passes, the access rule holds), and the term "an explicit deny applies".
    pub fn program(&mut self, prog: &AwsProgram) -> (Term, Term) {
        let p = self.principal;
        let iam_caller = p.has_identity_policies();
        let [id_deny, id_n, id_d, id_a] = if iam_caller {
            self.layer(&prog.identity, false)
        } else {
            [Term::ff(), Term::ff(), Term::ff(), Term::ff()]
        };
        let identity_allow = Term::or([id_n, id_d, id_a]);
        let mut denies = vec![id_deny];
        let boundary_ok = if iam_caller && !prog.boundaries.is_empty() {
            let [d, n, di, a] = self.layer(&prog.boundaries, false);
            denies.push(d);
            Term::or([n, di, a])
        } else {
            Term::tt()
        };
        let session_ok = match (&prog.session, iam_caller) {
            (Some(s), true) => {
                let [d, n, di, a] = self.layer(std::slice::from_ref(s), false);
                denies.push(d);
                Term::or([n, di, a])
            }
            _ => Term::tt(),
        };
        let scp_applies = (iam_caller || p.kind == PrincipalKind::Root) && !prog.management_account;
        let mut gates = Vec::new();
        if let (Some(levels), true) = (&prog.scps, scp_applies) {
            for l in levels {
                let [d, n, di, a] = self.layer(&l.policies, false);
                denies.push(d);
                gates.push(Term::or([n, di, a]));
            }
        }
        if let Some(levels) = &prog.rcps {
            for l in levels {
                let [d, n, di, a] = self.layer(&l.policies, true);
                denies.push(d);
                gates.push(Term::or([n, di, a]));
            }
        }
        let [rp_deny, rp_named, rp_direct, rp_account] = match &prog.resource_policy {
            Some(rp) => self.layer(std::slice::from_ref(rp), true),
            None => [Term::ff(), Term::ff(), Term::ff(), Term::ff()],
        };
        denies.push(rp_deny);
        let limits = Term::and([boundary_ok, session_ok]);
        let id_allow = match p.kind {
            PrincipalKind::Root => Term::tt(),
            _ if iam_caller => identity_allow,
            _ => Term::ff(),
        };
        let id_side = Term::and([id_allow, limits.clone()]);
        let rp_strong = Term::or([
            rp_named.clone(),
            if iam_caller {
                Term::and([rp_direct.clone(), limits])
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
        let allowed = Term::and([Term::not(deny.clone()), Term::and(gates), access]);
        (allowed, deny)
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
pub fn arn_regex(pattern: &str) -> Regex {
    let comps: Vec<&str> = pattern.splitn(6, ':').collect();
    if comps.len() < 6 {
        // not ARN-shaped: the evaluator matches it whole against the ARN
        let p = Pattern::glob(pattern, iamx_model::Case::Sensitive);
        return glob_to_regex(&p).unwrap_or_else(|_| Regex::none());
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
    // the whole value must be an ARN: the sixth component takes the rest
    Regex::concat(parts)
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
/// tests), or `None` when a value does not fit its sort.
pub fn model_of(enc: &Encoder<'_>, action: &str, resource: &str, ctx: &Context) -> Option<Model> {
    let mut m = Model::new();
    m.insert(ACTION, TValue::Str(action.to_ascii_lowercase()));
    m.insert(RESOURCE, TValue::Str(resource.to_owned()));
    for (k, u) in &enc.keys {
        let v = ctx.get_lc(k).filter(|v| !matches!(v, Value::Null));
        m.insert(has_var(k), TValue::Bool(v.is_some()));
        let Some(Value::One(s)) = v else {
            // absent (or a set, which the encoding does not model): any value
            if v.is_some() {
                return None;
            }
            m.insert(typed("str", k), TValue::Str(String::new()));
            m.insert(typed("num", k), TValue::Int(0));
            m.insert(typed("date", k), TValue::Int(0));
            m.insert(typed("bool", k), TValue::Bool(false));
            m.insert(typed("ip", k), TValue::BitVec { width: 32, bits: 0 });
            continue;
        };
        m.insert(typed("str", k), TValue::Str(s.as_string().into_owned()));
        if u.number {
            let n = s.as_number()?;
            if n.fract() != 0.0 {
                return None;
            }
            #[expect(clippy::cast_possible_truncation, reason = "integral, checked above")]
            m.insert(typed("num", k), TValue::Int(n as i64));
        }
        if u.date {
            m.insert(typed("date", k), TValue::Int(s.as_date()?));
        }
        if u.boolean {
            // a non-boolean value is equal to neither `true` nor `false` in the
            // evaluator, which a Boolean variable cannot say: not modelled
            let b = s.as_bool()?;
            m.insert(typed("bool", k), TValue::Bool(b));
        }
        if u.ip {
            match s.as_ip() {
                Some(IpAddr::V4(a)) => m.insert(
                    typed("ip", k),
                    TValue::BitVec {
                        width: 32,
                        bits: u128::from(u32::from(a)),
                    },
                ),
                _ => return None,
            }
        }
    }
    Some(m)
}

/// The context of a witness: the keys present in `m`, as the concrete
/// evaluator reads them.
pub fn context_of(enc: &Encoder<'_>, m: &Model) -> Context {
    let mut ctx = enc.fixed.clone();
    for (k, u) in &enc.keys {
        if ALWAYS_SUPPLIED.contains(&k.as_str()) {
            // present by construction; give it a value of the right sort
        } else if m.get_bool(&has_var(k)) != Some(true) {
            continue;
        }
        let value = if u.ip {
            m.get_bits(&typed("ip", k))
                .and_then(|b| u32::try_from(b).ok())
                .map(|b| std::net::Ipv4Addr::from(b).to_string())
        } else if u.date {
            m.get_int(&typed("date", k))
                .map(iamx_model::value::format_date)
        } else if u.number {
            m.get_int(&typed("num", k)).map(|n| n.to_string())
        } else if u.boolean {
            m.get_bool(&typed("bool", k)).map(|b| b.to_string())
        } else {
            m.get_str(&typed("str", k)).map(str::to_owned)
        };
        let value = value.unwrap_or_else(|| match k.as_str() {
            "aws:securetransport" => "true".to_owned(),
            "aws:currenttime" => "2026-01-01T00:00:00Z".to_owned(),
            "aws:epochtime" => "1767225600".to_owned(),
            _ => String::new(),
        });
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
