//! Errors of loading catalog data.

use std::fmt;
use std::path::PathBuf;

/// Something wrong with catalog data: a file that cannot be read, invalid
/// JSON, or an access level the catalog does not know.
///
/// Every variant names the file; JSON problems also carry line, column and,
/// where known, the JSON path.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file could not be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A file is not valid JSON or does not have the expected shape.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// An action (or override) names an access level that is not one of the
    /// five AWS levels.
    #[error(transparent)]
    AccessLevel(#[from] AccessLevelError),
}

impl CatalogError {
    /// The file the error is about.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        match self {
            CatalogError::Io(e) => &e.path,
            CatalogError::Json(e) => &e.path,
            CatalogError::AccessLevel(e) => &e.path,
        }
    }
}

/// A catalog file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`: {source}", path.display())]
pub struct IoError {
    /// The file.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

/// A catalog file is not valid JSON or does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid catalog data in `{}`{}: {message}", path.display(), Location { line: *line, column: *column, json_path: json_path.as_deref() })]
pub struct JsonError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// The JSON path of the value being read when the error occurred (for
    /// example `$.getobject`), when known.
    pub json_path: Option<String>,
    /// serde_json's message, without its position suffix.
    pub message: String,
}

impl JsonError {
    /// Builds the error from serde_json's, keeping line and column apart from
    /// the message.
    pub(crate) fn from_serde(
        path: PathBuf,
        json_path: Option<String>,
        e: &serde_json::Error,
    ) -> Self {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        JsonError {
            path,
            line,
            column,
            json_path,
            message,
        }
    }
}

/// An access level string that is not one of the AWS levels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown access level `{value}` for `{action}` in `{}`{}", path.display(), Location { line: *line, column: *column, json_path: Some(json_path) })]
pub struct AccessLevelError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line of the value, 0 when it could not be located.
    pub line: usize,
    /// 1-based column of the value, 0 when it could not be located.
    pub column: usize,
    /// The JSON path of the value, for example `$.getobject.accessLevel`.
    pub json_path: String,
    /// The action, `service:Name`.
    pub action: String,
    /// The unknown level.
    pub value: String,
}

/// Renders ` at line L column C (JSON path P)`, leaving out unknown parts.
struct Location<'a> {
    line: usize,
    column: usize,
    json_path: Option<&'a str>,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, " at line {} column {}", self.line, self.column)?;
        }
        if let Some(p) = self.json_path {
            write!(f, " (`{p}`)")?;
        }
        Ok(())
    }
}

/// 1-based line and column of byte offset `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}
