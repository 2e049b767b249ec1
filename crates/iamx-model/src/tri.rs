//! Three-valued (Kleene) logic: `True`, `False`, or `Unknown` with a reason.
//!
//! The evaluator never turns an `Unknown` into `False`: an unsupported
//! construct or a missing attribute keeps its reason up to the decision.

use std::fmt;
use std::sync::Arc;

/// A truth value that may be unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tri {
    /// Definitely true.
    True,
    /// Definitely false.
    False,
    /// Cannot be decided; the reason says why.
    Unknown(Reason),
}

/// Why something is unknown: a shared, cheap-to-clone message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reason(pub Arc<str>);

impl Reason {
    /// A reason from a message.
    pub fn new(msg: impl Into<Arc<str>>) -> Reason {
        Reason(msg.into())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;

    /// Kleene negation.
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            u @ Tri::Unknown(_) => u,
        }
    }
}

impl Tri {
    /// An unknown with a reason.
    pub fn unknown(msg: impl Into<Arc<str>>) -> Tri {
        Tri::Unknown(Reason::new(msg))
    }

    /// Definitely true.
    pub fn is_true(&self) -> bool {
        matches!(self, Tri::True)
    }

    /// Definitely false.
    pub fn is_false(&self) -> bool {
        matches!(self, Tri::False)
    }

    /// Kleene conjunction (false wins over unknown).
    #[must_use]
    #[inline]
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, x) | (x, Tri::True) => x,
            (u @ Tri::Unknown(_), Tri::Unknown(_)) => u,
        }
    }

    /// Kleene disjunction (true wins over unknown).
    #[must_use]
    #[inline]
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, x) | (x, Tri::False) => x,
            (u @ Tri::Unknown(_), Tri::Unknown(_)) => u,
        }
    }

    /// Conjunction over an iterator, stopping at the first `False`.
    #[inline]
    pub fn all<I: IntoIterator<Item = Tri>>(it: I) -> Tri {
        let mut acc = Tri::True;
        for t in it {
            acc = acc.and(t);
            if acc.is_false() {
                return Tri::False;
            }
        }
        acc
    }

    /// Disjunction over an iterator, stopping at the first `True`.
    #[inline]
    pub fn any<I: IntoIterator<Item = Tri>>(it: I) -> Tri {
        let mut acc = Tri::False;
        for t in it {
            acc = acc.or(t);
            if acc.is_true() {
                return Tri::True;
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene() {
        let u = Tri::unknown("x");
        assert_eq!(Tri::True.and(u.clone()), u);
        assert_eq!(Tri::False.and(u.clone()), Tri::False);
        assert_eq!(Tri::True.or(u.clone()), Tri::True);
        assert_eq!(Tri::False.or(u.clone()), u);
        assert_eq!(!u.clone(), u);
        assert_eq!(Tri::any([Tri::False, Tri::False]), Tri::False);
        assert_eq!(Tri::all([]), Tri::True);
    }
}
