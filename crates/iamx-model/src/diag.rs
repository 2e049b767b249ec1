//! Diagnostics: one-line, located messages with the JSON path of the value.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was read but may not mean what the author thinks (an unknown
    /// action, an unknown field): never silently dropped.
    Warning,
    /// The input is malformed; the part it concerns was not read.
    Error,
}

/// A located message about an input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Lowercase, one line; user input in backticks.
    pub message: String,
    /// The file, when the input came from one.
    pub file: Option<Arc<str>>,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// The JSON path of the offending value (`$.Statement[0].Effect`).
    pub path: String,
    /// Extra advice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.file {
            Some(file) => write!(
                f,
                "{sev}: {file}:{}:{}: {}",
                self.line, self.column, self.message
            )?,
            None => write!(f, "{sev}: {}:{}: {}", self.line, self.column, self.message)?,
        }
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

/// A JSON path under construction (`$`, `.Key`, `[3]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(String);

impl JsonPath {
    /// The root, `$`.
    pub fn root() -> JsonPath {
        JsonPath("$".to_owned())
    }

    /// A child key.
    #[must_use]
    pub fn key(&self, k: &str) -> JsonPath {
        let simple = !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if simple {
            JsonPath(format!("{}.{k}", self.0))
        } else {
            JsonPath(format!(
                "{}[{}]",
                self.0,
                serde_json::Value::String(k.to_owned())
            ))
        }
    }

    /// An array index.
    #[must_use]
    pub fn index(&self, i: usize) -> JsonPath {
        JsonPath(format!("{}[{i}]", self.0))
    }

    /// The path text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
