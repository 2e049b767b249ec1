//! Access-level overrides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{AccessLevelError, IoError, JsonError};
use crate::load::locate_value;
use crate::{AccessLevel, Catalog, CatalogError};

/// File name used in errors for overrides given as a string.
const INLINE_NAME: &str = "<overrides>";

/// What [`Catalog::apply_overrides`] did.
#[derive(Debug, Default)]
pub struct OverrideReport {
    /// Overrides that changed an action's level.
    pub changed: usize,
    /// Overrides that named an action's current level already.
    pub unchanged: usize,
    /// Overridden actions that are not in the catalog, as written (expected
    /// with a partial catalog such as [`Catalog::builtin`]).
    pub not_in_catalog: Vec<String>,
    /// Overrides whose level is not an AWS access level; they were skipped.
    pub errors: Vec<CatalogError>,
}

impl Catalog {
    /// Applies access-level corrections given as a JSON object from action
    /// (`service:Name`, any case, no wildcards) to level string, the format of
    /// iann0036/iam-dataset's `access_level_overrides.json`:
    ///
    /// ```json
    /// { "iam:PassRole": "Permissions management", "s3:PutObjectTagging": "Tagging" }
    /// ```
    ///
    /// Level strings are read like the catalog's own
    /// ([`AccessLevel::parse`]). Entries for unknown actions and with unknown
    /// levels are reported, not fatal.
    ///
    /// # Errors
    ///
    /// When `json` is not an object of strings; nothing is applied then.
    pub fn apply_overrides(&mut self, json: &str) -> Result<OverrideReport, CatalogError> {
        self.apply_overrides_named(Path::new(INLINE_NAME), json)
    }

    /// Reads an overrides file and applies it like
    /// [`Catalog::apply_overrides`], naming the file in errors.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a JSON object of strings.
    pub fn apply_overrides_file(&mut self, path: &Path) -> Result<OverrideReport, CatalogError> {
        let json = std::fs::read_to_string(path).map_err(|source| IoError {
            path: path.to_owned(),
            source,
        })?;
        self.apply_overrides_named(path, &json)
    }

    fn apply_overrides_named(
        &mut self,
        path: &Path,
        json: &str,
    ) -> Result<OverrideReport, CatalogError> {
        // BTreeMap: a deterministic order for the report.
        let overrides: BTreeMap<String, String> = serde_json::from_str(json)
            .map_err(|e| JsonError::from_serde(PathBuf::from(path), None, &e))?;
        let mut report = OverrideReport::default();
        for (action, level) in overrides {
            let Some(level_value) = AccessLevel::parse(&level) else {
                let (line, column) = locate_value(json, &action);
                report.errors.push(
                    AccessLevelError {
                        path: path.to_owned(),
                        line,
                        column,
                        json_path: format!("$[\"{action}\"]"),
                        action,
                        value: level,
                    }
                    .into(),
                );
                continue;
            };
            let Some(entry) = self.index_of(&action).and_then(|i| self.actions.get_mut(i)) else {
                report.not_in_catalog.push(action);
                continue;
            };
            if entry.access_level() == level_value {
                report.unchanged += 1;
            } else {
                entry.set_access_level(level_value);
                report.changed += 1;
            }
        }
        Ok(report)
    }
}
