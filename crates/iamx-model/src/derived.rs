//! [`Derived`]: an index an environment builds from its own fields on first
//! use.

use std::sync::OnceLock;

/// A value derived from the fields beside it, built on first use. A clone
/// starts empty (a clone may be edited before it is asked anything), and
/// the owner resets it after every change through its methods.
pub struct Derived<T>(OnceLock<T>);

impl<T> Default for Derived<T> {
    fn default() -> Derived<T> {
        Derived(OnceLock::new())
    }
}

impl<T> Clone for Derived<T> {
    fn clone(&self) -> Derived<T> {
        Derived::default()
    }
}

impl<T> std::fmt::Debug for Derived<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Derived(built)"
        } else {
            "Derived(empty)"
        })
    }
}

impl<T> Derived<T> {
    /// The value, built by `build` the first time.
    pub fn get_or_init(&self, build: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(build)
    }

    /// Empties it: the next use builds it again.
    pub fn reset(&mut self) {
        self.0 = OnceLock::new();
    }
}

#[cfg(test)]
mod tests {
    use super::Derived;

    #[test]
    fn built_once_empty_on_clone_and_reset() {
        let mut d: Derived<u32> = Derived::default();
        assert_eq!(*d.get_or_init(|| 1), 1);
        assert_eq!(*d.get_or_init(|| 2), 1);
        assert_eq!(format!("{d:?}"), "Derived(built)");
        let c = d.clone();
        assert_eq!(format!("{c:?}"), "Derived(empty)");
        assert_eq!(*c.get_or_init(|| 3), 3);
        d.reset();
        assert_eq!(*d.get_or_init(|| 4), 4);
    }
}
