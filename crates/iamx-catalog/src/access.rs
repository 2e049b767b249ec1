//! The access level of an action, as AWS classifies it.

use std::fmt;
use std::str::FromStr;

/// The access level AWS assigns to an action in the Service Authorization
/// Reference.
///
/// `Ord` is declaration order; it exists for sorting and reports and is not a
/// risk order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// `List`: enumerate resources.
    List,
    /// `Read`: read resource contents or attributes.
    Read,
    /// `Write`: create, change or delete resources.
    Write,
    /// `Permissions management`: change who may do what (policies, grants).
    PermissionsManagement,
    /// `Tagging`: change tags only.
    Tagging,
}

impl AccessLevel {
    /// All levels, in declaration order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The level as AWS spells it: `"List"`, `"Read"`, `"Write"`,
    /// `"Permissions management"`, `"Tagging"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Parses an access level string, ASCII case-insensitively.
    ///
    /// Since 2025 the AWS reference (and so cloud-copilot iam-data) lists some
    /// actions under two levels, `"Permissions management, Write"` and
    /// `"Tagging, Write"`. A comma-separated list reduces to its most specific
    /// member: `Permissions management`, then `Tagging`, then `Write`, `Read`,
    /// `List`. That keeps the classic classification (`iam:PutRolePolicy` is
    /// permissions management, `s3:PutObjectTagging` is tagging), which is what
    /// "which actions change permissions?" questions rely on.
    ///
    /// Returns `None` when any member is not a known level.
    ///
    /// ```
    /// use iamx_catalog::AccessLevel;
    ///
    /// assert_eq!(AccessLevel::parse("Read"), Some(AccessLevel::Read));
    /// assert_eq!(
    ///     AccessLevel::parse("Permissions management, Write"),
    ///     Some(AccessLevel::PermissionsManagement)
    /// );
    /// assert_eq!(AccessLevel::parse("Admin"), None);
    /// ```
    #[must_use]
    pub fn parse(s: &str) -> Option<AccessLevel> {
        let mut best: Option<AccessLevel> = None;
        for part in s.split(',') {
            let level = Self::parse_one(part.trim())?;
            if best.is_none_or(|b| level.specificity() > b.specificity()) {
                best = Some(level);
            }
        }
        best
    }

    fn parse_one(s: &str) -> Option<AccessLevel> {
        AccessLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(s))
    }

    /// Rank used to reduce a compound level; higher wins.
    fn specificity(self) -> u8 {
        match self {
            AccessLevel::List => 0,
            AccessLevel::Read => 1,
            AccessLevel::Write => 2,
            AccessLevel::Tagging => 3,
            AccessLevel::PermissionsManagement => 4,
        }
    }

    /// One-letter code used by the compiled-in catalog (`L R W P T`).
    pub(crate) fn from_code(code: &str) -> Option<AccessLevel> {
        match code {
            "L" => Some(AccessLevel::List),
            "R" => Some(AccessLevel::Read),
            "W" => Some(AccessLevel::Write),
            "P" => Some(AccessLevel::PermissionsManagement),
            "T" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`AccessLevel`] from a string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown access level `{value}`")]
pub struct ParseAccessLevelError {
    /// The string that was not a level.
    pub value: String,
}

impl FromStr for AccessLevel {
    type Err = ParseAccessLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccessLevel::parse(s).ok_or_else(|| ParseAccessLevelError {
            value: s.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_compounds() {
        for level in AccessLevel::ALL {
            assert_eq!(AccessLevel::parse(level.as_str()), Some(level));
            assert_eq!(level.to_string().parse::<AccessLevel>(), Ok(level));
        }
        assert_eq!(
            AccessLevel::parse("permissions MANAGEMENT"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(
            AccessLevel::parse("Tagging, Write"),
            Some(AccessLevel::Tagging)
        );
        assert_eq!(
            AccessLevel::parse("Write, Permissions management"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(AccessLevel::parse(""), None);
        assert_eq!(AccessLevel::parse("Read, Bogus"), None);
    }
}
