//! Models and the concrete evaluator of terms.
//!
//! A [`Model`] maps variable names to [`Value`]s. [`Term::eval`] evaluates a
//! Boolean term under a model with the semantics z3 gives the same SMT-LIB
//! term, so every model the solver returns can be re-checked without the
//! solver: a witness that does not re-check is not a witness.
//!
//! Evaluation is partial: a variable the model does not assign, an
//! ill-sorted term, or integer arithmetic that leaves `i64` gives `None`
//! (unknown), never a guess.

use crate::term::{Kind, Term, Value, mask};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Values of variables, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    values: BTreeMap<Arc<str>, Value>,
}

impl Model {
    /// An empty model.
    pub fn new() -> Model {
        Model::default()
    }

    /// Sets variable `name` to `value`.
    pub fn insert(&mut self, name: impl Into<Arc<str>>, value: Value) {
        self.values.insert(name.into(), value);
    }

    /// The value of variable `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The string value of variable `name`.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The integer value of variable `name`.
    pub fn get_int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// The Boolean value of variable `name`.
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The bit-vector value of variable `name`.
    pub fn get_bits(&self, name: &str) -> Option<u128> {
        match self.get(name) {
            Some(Value::BitVec { bits, .. }) => Some(*bits),
            _ => None,
        }
    }

    /// `(name, value)` pairs sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, v)| (&**k, v))
    }

    /// Number of variables assigned.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no variable is assigned.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl fmt::Display for Model {
    /// `name = value` pairs, one per line, values in SMT-LIB notation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{k} = {v}")?;
        }
        Ok(())
    }
}

impl Term {
    /// Evaluates a Boolean term under `model`; `None` when the term is not
    /// Boolean or cannot be evaluated (see the module doc).
    pub fn eval(&self, model: &Model) -> Option<bool> {
        match self.value(model)? {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Evaluates a term of any sort under `model`.
    pub fn value(&self, model: &Model) -> Option<Value> {
        self.sort()?;
        let b = |t: &Term| t.eval(model);
        let i = |t: &Term| match t.value(model)? {
            Value::Int(x) => Some(x),
            _ => None,
        };
        let s = |t: &Term| match t.value(model)? {
            Value::Str(x) => Some(x),
            _ => None,
        };
        let bv = |t: &Term| match t.value(model)? {
            Value::BitVec { bits, .. } => Some(bits),
            _ => None,
        };
        let v = match self.kind() {
            Kind::Const(v) => v.clone(),
            Kind::Var(var) => {
                let v = model.get(var.name())?;
                if v.sort() != var.sort() {
                    return None;
                }
                v.clone()
            }
            Kind::Not(a) => Value::Bool(!b(a)?),
            // Kleene: a `false` decides a conjunction even next to an unknown.
            Kind::And(ts) => {
                let mut unknown = false;
                for t in ts {
                    match b(t) {
                        Some(false) => return Some(Value::Bool(false)),
                        Some(true) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    return None;
                }
                Value::Bool(true)
            }
            Kind::Or(ts) => {
                let mut unknown = false;
                for t in ts {
                    match b(t) {
                        Some(true) => return Some(Value::Bool(true)),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    return None;
                }
                Value::Bool(false)
            }
            Kind::Implies(x, y) => Value::Bool(!b(x)? || b(y)?),
            Kind::Ite(c, x, y) => {
                if b(c)? {
                    x.value(model)?
                } else {
                    y.value(model)?
                }
            }
            Kind::Eq(x, y) => Value::Bool(x.value(model)? == y.value(model)?),
            Kind::Distinct(ts) => {
                let vals = ts
                    .iter()
                    .map(|t| t.value(model))
                    .collect::<Option<Vec<_>>>()?;
                let mut sorted = vals.clone();
                sorted.sort();
                sorted.dedup();
                Value::Bool(sorted.len() == vals.len())
            }
            Kind::Lt(x, y) => Value::Bool(i(x)? < i(y)?),
            Kind::Le(x, y) => Value::Bool(i(x)? <= i(y)?),
            Kind::Add(ts) => {
                let mut acc: i64 = 0;
                for t in ts {
                    acc = acc.checked_add(i(t)?)?;
                }
                Value::Int(acc)
            }
            Kind::Sub(x, y) => Value::Int(i(x)?.checked_sub(i(y)?)?),
            Kind::PrefixOf(p, x) => Value::Bool(s(x)?.starts_with(&s(p)?)),
            Kind::SuffixOf(p, x) => Value::Bool(s(x)?.ends_with(&s(p)?)),
            Kind::Contains(x, n) => Value::Bool(s(x)?.contains(&s(n)?)),
            Kind::InRe(x, re) => Value::Bool(re.matches(&s(x)?)),
            Kind::BvUlt(x, y) => Value::Bool(bv(x)? < bv(y)?),
            Kind::BvUle(x, y) => Value::Bool(bv(x)? <= bv(y)?),
            Kind::Extract { hi, lo, arg } => {
                let width = hi - lo + 1;
                Value::BitVec {
                    width,
                    bits: (bv(arg)? >> lo) & mask(width),
                }
            }
        };
        Some(v)
    }
}
