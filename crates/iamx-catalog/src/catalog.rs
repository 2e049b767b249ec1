//! The catalog itself: construction and lookups.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::action::cmp_ci;
use crate::check::{ActionCheck, suggest};
use crate::glob::{glob_match_ci, has_wildcard};
use crate::{AccessLevel, ActionInfo, ServiceInfo};

/// The AWS permission catalog: every known action with its access level.
///
/// Actions are kept in one vector sorted by lowercase `service:name`
/// ([`Catalog::sorted_actions`]); each service owns a contiguous range of it.
/// Lookups are binary searches that compare ASCII case-insensitively, so no
/// lookup allocates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// All actions, sorted by lowercase `service:name`, no duplicates.
    pub(crate) actions: Vec<ActionInfo>,
    /// All services, sorted by lowercase prefix, no duplicates.
    pub(crate) services: Vec<ServiceInfo>,
}

impl Catalog {
    /// A catalog of these actions. Their services get no human names.
    ///
    /// Actions that differ only in case are duplicates: the first one wins.
    ///
    /// ```
    /// use iamx_catalog::{AccessLevel, ActionInfo, Catalog};
    ///
    /// let catalog = Catalog::from_actions(
    ///     [("s3", "GetObject", AccessLevel::Read), ("s3", "PutObject", AccessLevel::Write)]
    ///         .into_iter()
    ///         .filter_map(|(s, n, l)| ActionInfo::new(s, n, l)),
    /// );
    /// assert_eq!(catalog.expand("s3:*Object").len(), 2);
    /// ```
    #[must_use]
    pub fn from_actions(actions: impl IntoIterator<Item = ActionInfo>) -> Catalog {
        Catalog::build(Vec::new(), actions.into_iter().collect())
    }

    /// Builds the catalog from services (prefix, human name) and actions.
    /// Services that have actions but are not listed are added without a
    /// name; listed services without actions are kept with an empty range.
    pub(crate) fn build(
        services: Vec<(String, Option<String>)>,
        mut actions: Vec<ActionInfo>,
    ) -> Catalog {
        // Stable, so that among case-insensitive duplicates the first wins.
        actions.sort_by(|a, b| cmp_ci(a.action(), b.action()));
        actions.dedup_by(|later, earlier| cmp_ci(later.action(), earlier.action()).is_eq());

        // Ranges of consecutive actions of one service, keyed by lowercase
        // prefix, with the prefix as the actions spell it.
        let mut ranges: HashMap<String, (std::ops::Range<usize>, String)> = HashMap::new();
        let mut start = 0;
        for (i, action) in actions.iter().enumerate() {
            let next_differs = actions
                .get(i + 1)
                .is_none_or(|next| cmp_ci(next.service(), action.service()).is_ne());
            if next_differs {
                let spelling = action.service().to_owned();
                ranges.insert(spelling.to_ascii_lowercase(), (start..i + 1, spelling));
                start = i + 1;
            }
        }

        let mut infos: Vec<ServiceInfo> = Vec::with_capacity(services.len().max(ranges.len()));
        for (prefix, name) in services {
            let actions = ranges
                .remove(&prefix.to_ascii_lowercase())
                .map_or(0..0, |(range, _)| range);
            infos.push(ServiceInfo {
                prefix,
                name,
                actions,
            });
        }
        for (_, (actions, prefix)) in ranges {
            infos.push(ServiceInfo {
                prefix,
                name: None,
                actions,
            });
        }
        // Stable: among duplicate listed services the first (which got the
        // actions) stays.
        infos.sort_by(|a, b| cmp_ci(&a.prefix, &b.prefix));
        infos.dedup_by(|later, earlier| cmp_ci(&later.prefix, &earlier.prefix).is_eq());
        Catalog {
            actions,
            services: infos,
        }
    }

    /// Number of actions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the catalog has no action.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// All services, sorted by prefix.
    #[must_use]
    pub fn services(&self) -> &[ServiceInfo] {
        &self.services
    }

    /// The service with this prefix (ASCII case-insensitive).
    #[must_use]
    pub fn service(&self, prefix: &str) -> Option<&ServiceInfo> {
        self.services
            .binary_search_by(|s| cmp_ci(&s.prefix, prefix))
            .ok()
            .and_then(|i| self.services.get(i))
    }

    /// The actions of the service with this prefix, sorted; empty when the
    /// service is unknown.
    #[must_use]
    pub fn service_actions(&self, prefix: &str) -> &[ActionInfo] {
        self.service(prefix)
            .and_then(|s| self.actions.get(s.actions.clone()))
            .unwrap_or_default()
    }

    /// All actions, sorted by lowercase `service:name`.
    ///
    /// The order is part of the contract: an action's position here is its
    /// index ([`Catalog::index_of`]), which solvers use to encode actions as
    /// integers. It only changes when the catalog data changes.
    #[must_use]
    pub fn sorted_actions(&self) -> &[ActionInfo] {
        &self.actions
    }

    /// The actions' names, lowercased, sorted and without repeats (the
    /// reasoner's action classes are read off them).
    #[must_use]
    pub fn lowercase_actions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .actions
            .iter()
            .map(|a| a.action().to_ascii_lowercase())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Position of `action` (`service:Name`, any case, no wildcards) in
    /// [`Catalog::sorted_actions`].
    #[must_use]
    pub fn index_of(&self, action: &str) -> Option<usize> {
        self.actions
            .binary_search_by(|a| cmp_ci(a.action(), action))
            .ok()
    }

    /// The action named `action` (`service:Name`, any case). A pattern with
    /// wildcards is not expanded: use [`Catalog::expand`] for that.
    ///
    /// ```
    /// use iamx_catalog::{AccessLevel, Catalog};
    ///
    /// let catalog = Catalog::builtin();
    /// let action = catalog.get("S3:getobject").unwrap();
    /// assert_eq!(action.action(), "s3:GetObject");
    /// assert_eq!(action.access_level(), AccessLevel::Read);
    /// ```
    #[must_use]
    pub fn get(&self, action: &str) -> Option<&ActionInfo> {
        self.index_of(action).and_then(|i| self.actions.get(i))
    }

    /// The access level of `action` (`service:Name`, any case).
    #[must_use]
    pub fn access_level(&self, action: &str) -> Option<AccessLevel> {
        self.get(action).map(ActionInfo::access_level)
    }

    /// All actions matching the IAM wildcard `pattern`, in catalog order.
    ///
    /// `*` matches any run of characters, `:` included; `?` exactly one; case
    /// is ignored (ASCII). A pattern without wildcards yields at most the one
    /// action it names.
    ///
    /// ```
    /// use iamx_catalog::Catalog;
    ///
    /// let catalog = Catalog::builtin();
    /// let names: Vec<&str> = catalog.expand("sts:Assume*").iter().map(|a| a.action()).collect();
    /// assert!(names.contains(&"sts:AssumeRole"));
    /// assert_eq!(catalog.expand("*").len(), catalog.len());
    /// ```
    #[must_use]
    pub fn expand(&self, pattern: &str) -> Vec<&ActionInfo> {
        let mut out = Vec::new();
        self.for_each_match(pattern, |_, a| out.push(a));
        out
    }

    /// Like [`Catalog::expand`], but the indices of the matching actions in
    /// [`Catalog::sorted_actions`], ascending.
    #[must_use]
    pub fn expand_indices(&self, pattern: &str) -> Vec<usize> {
        let mut out = Vec::new();
        self.for_each_match(pattern, |i, _| out.push(i));
        out
    }

    /// Number of actions matching `pattern`, without collecting them.
    #[must_use]
    pub fn count_matches(&self, pattern: &str) -> usize {
        let mut n = 0;
        self.for_each_match(pattern, |_, _| n += 1);
        n
    }

    /// Calls `f` with the index and action of every match, in order.
    ///
    /// Every match starts with the pattern's literal prefix (the text before
    /// its first wildcard), and the actions starting with a given prefix are
    /// contiguous in the sorted vector. Two binary searches find that run and
    /// only it is scanned: `s3:Get*` looks at s3's `Get…` actions only, a
    /// pattern whose service part has no wildcard at that service's actions
    /// only, and only a pattern starting with a wildcard scans everything.
    fn for_each_match<'a>(&'a self, pattern: &str, mut f: impl FnMut(usize, &'a ActionInfo)) {
        if !pattern.is_empty() && pattern.bytes().all(|b| b == b'*') {
            self.actions.iter().enumerate().for_each(|(i, a)| f(i, a));
            return;
        }
        if !has_wildcard(pattern) {
            if let Some(i) = self.index_of(pattern) {
                if let Some(a) = self.actions.get(i) {
                    f(i, a);
                }
            }
            return;
        }
        let literal_len = pattern
            .bytes()
            .position(|b| b == b'*' || b == b'?')
            .unwrap_or(pattern.len());
        let literal = pattern.get(..literal_len).unwrap_or_default();
        let start = self
            .actions
            .partition_point(|a| cmp_prefix_ci(a.action(), literal) == Ordering::Less);
        let end = self
            .actions
            .partition_point(|a| cmp_prefix_ci(a.action(), literal) != Ordering::Greater);
        let run = self.actions.get(start..end).unwrap_or_default();
        for (offset, action) in run.iter().enumerate() {
            if glob_match_ci(pattern, action.action()) {
                f(start + offset, action);
            }
        }
    }

    /// Classifies an action or pattern as written in a policy, for warnings
    /// about unknown actions.
    ///
    /// ```
    /// use iamx_catalog::{ActionCheck, Catalog};
    ///
    /// let catalog = Catalog::builtin();
    /// assert_eq!(catalog.check_action("s3:GetObject"), ActionCheck::Known);
    /// assert_eq!(
    ///     catalog.check_action("s3:GetObjekt"),
    ///     ActionCheck::UnknownAction { suggestion: Some("s3:GetObject".to_owned()) }
    /// );
    /// assert_eq!(
    ///     catalog.check_action("s4:GetObject"),
    ///     ActionCheck::UnknownService { service: "s4".to_owned() }
    /// );
    /// assert_eq!(catalog.check_action("s3:Nope*"), ActionCheck::MatchesNothing);
    /// ```
    #[must_use]
    pub fn check_action(&self, pattern: &str) -> ActionCheck {
        let split = pattern.split_once(':');
        let unknown_service = |service: &str| {
            (!has_wildcard(service) && self.service(service).is_none()).then(|| {
                ActionCheck::UnknownService {
                    service: service.to_owned(),
                }
            })
        };
        if has_wildcard(pattern) {
            let n = self.count_matches(pattern);
            if n > 0 {
                return ActionCheck::MatchesSome(n);
            }
            return split
                .and_then(|(service, _)| unknown_service(service))
                .unwrap_or(ActionCheck::MatchesNothing);
        }
        if self.index_of(pattern).is_some() {
            return ActionCheck::Known;
        }
        let Some((service, name)) = split else {
            return ActionCheck::UnknownAction { suggestion: None };
        };
        if let Some(check) = unknown_service(service) {
            return check;
        }
        ActionCheck::UnknownAction {
            suggestion: suggest(self.service_actions(service), name).map(str::to_owned),
        }
    }
}

/// Compares the first `prefix.len()` bytes of `s` with `prefix`, ASCII
/// case-insensitively. Over a slice sorted by lowercase string this is
/// monotonic, so the strings starting with `prefix` form one run.
fn cmp_prefix_ci(s: &str, prefix: &str) -> Ordering {
    s.bytes()
        .take(prefix.len())
        .map(|c| c.to_ascii_lowercase())
        .cmp(prefix.bytes().map(|c| c.to_ascii_lowercase()))
}
